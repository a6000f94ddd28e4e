"""Invariance detection on potentials (Krippendorf & Syvaeri, arXiv 2003.13679, step 1).

Sample thin level sets of a potential, train a classifier to tell which level
a point lies on, and read the invariance out of its embedding layer: nearest
neighbours there share the class (neighbour purity), and within a class the
embedding falls apart into the distinct orbits (orbit groups), so the two
circles of a Higgs level below zero come out as two groups.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from symfast._io import write_json, write_npz
from symfast._validation import check_float, check_int, check_seed
from symfast.experiments._common import (Stages, check_config_types, config_dict, replace_config,
                                         software_versions)
from symfast.experiments._registry import StudySpec
from symfast.experiments._training import TrainingConfig, training_aliases
from symfast.potentials import PAPER_LEVELS, PAPER_WIDTH, get, joint_bins, joint_class

NAME = "invariance"


@training_aliases("hidden", "embed_dim", "activation", "epochs", "batch_size", "learning_rate",
                  "target_accuracy")
@dataclass(frozen=True)
class InvarianceConfig:
    """Settings of one invariance-detection run.

    Use :meth:`quick` (CI-sized, well under a minute on 2 cores) or
    :meth:`paper` (the published scale) and override single fields.
    """

    potential: str = "higgs"
    levels: tuple[float, ...] = PAPER_LEVELS
    width: float = PAPER_WIDTH
    per_class: int = 1000
    test_fraction: float = 0.2
    n_neighbors: int = 10
    jump_ratio: float = 3.0
    min_group_fraction: float = 0.05
    tsne_points: int = 3000
    training: TrainingConfig = field(default_factory=lambda: TrainingConfig(
        hidden=(128, 128, 128), embed_dim=128, activation="gelu", epochs=500, batch_size=128,
        learning_rate=1e-3, target_accuracy=0.99))
    seed: int = 0

    @classmethod
    def quick(cls, potential: str = "higgs", **overrides: Any) -> "InvarianceConfig":
        """300 points per class, at most 200 epochs (the potential's own levels and layout)."""
        base = cls(**{"potential": potential, "per_class": 300, "max_epochs": 200,
                      "tsne_points": 1500, **_potential_defaults(potential, paper=False)})
        return replace_config(base, **overrides)

    @classmethod
    def paper(cls, potential: str = "higgs", **overrides: Any) -> "InvarianceConfig":
        """2000 points per class, at most 1000 epochs, trained to 99.9 % held-out
        accuracy (1000 points per joint class for a potential with several outputs, as
        the paper's superpotential)."""
        base = cls(**{"potential": potential, "per_class": 2000, "max_epochs": 1000,
                      "target_accuracy": 0.999, **_potential_defaults(potential, paper=True)})
        return replace_config(base, **overrides)

    @classmethod
    def published(cls, potential: str = "higgs", **overrides: Any) -> "InvarianceConfig":
        """The paper's scale with the paper's layout: ReLU, 3 x 80 hidden, 80 embedding.

        The study's own layout (GELU, 3 x 128, trained to 99.9 %) reaches the paper's
        accuracy and purity in four to eight dimensions where this one falls short (the
        tuning notes in the docs); this preset runs the published configuration as
        published (a potential's own layout, as the superpotential's 7 x 60, is kept).
        """
        layout = {**PUBLISHED_LAYOUT,
                  **{k: v for k, v in _potential_defaults(potential, paper=True).items()
                     if k in ("hidden", "embed_dim")}}
        return cls.paper(potential, **{**layout, **overrides})

    def validate(self) -> None:
        check_config_types(self)
        self.training.validate(self.TRAINING_USES, "invariance")
        get(self.potential)
        from symfast.nn import CLASSIFIER_ACTIVATIONS

        if self.activation not in CLASSIFIER_ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(CLASSIFIER_ACTIVATIONS)}, "
                             f"got {self.activation!r}")
        if len(self.levels) < 2:
            raise ValueError(f"levels must hold at least 2 levels, got {self.levels!r}")
        check_float(self.width, "width", positive=True)
        check_int(self.per_class, "per_class", minimum=10)
        check_float(self.test_fraction, "test_fraction", minimum=0.05, maximum=0.5)
        check_int(self.n_neighbors, "n_neighbors", minimum=1)
        check_seed(self.seed)


#: The network of Krippendorf & Syvaeri's potentials study, and its stopping accuracy.
PUBLISHED_LAYOUT = {"hidden": (80, 80, 80), "embed_dim": 80, "activation": "relu",
                    "target_accuracy": 0.99}


def _potential_defaults(name: str, *, paper: bool) -> dict[str, Any]:
    """Levels, width and network a potential asks for (empty for the paper's potentials)."""
    try:
        pot = get(name)
    except (ValueError, TypeError):
        return {}                       # validate() names the bad potential
    out: dict[str, Any] = {}
    if pot.default_levels is not None:
        out["levels"] = tuple(pot.default_levels)
    if pot.default_width is not None:
        out["width"] = float(pot.default_width)
    for key in ("hidden", "embed_dim"):
        if key in pot.study_defaults:
            out[key] = pot.study_defaults[key]
    if pot.n_outputs > 1:
        # 11 x 11 joint classes: the paper's ~1000 points per class, 150 at quick scale
        out["per_class"] = 1000 if paper else 150
    return out


def class_names(levels: tuple[float, ...], n_outputs: int) -> list[str]:
    """Readable class keys: "0.2" for one output, "-5,3" for a joint bin of two."""
    if n_outputs == 1:
        return [f"{lv:g}" for lv in levels]
    idx = joint_bins([len(levels)] * n_outputs)
    return [",".join(f"{levels[i]:g}" for i in row) for row in idx]


@dataclass
class InvarianceResult:
    """What one run found; ``save`` writes it as JSON, arrays and figures.

    Attributes
    ----------
    accuracy : float
        Accuracy on held-out test points (never used in training or stopping).
    neighbor_purity : float
        Mean over classes of the fraction of k nearest embedding neighbours
        that share a point's class (all points, train and test).
    neighbor_purity_per_class : dict
        Level (as a string) -> purity.
    orbit_groups : dict
        Level (as a string; "a,b" for a joint bin of two outputs) -> number of
        orbit groups found in the embedding.
    expected_orbit_groups : dict or None
        Level -> exact number of separate shells of the window that hold at least
        ``min_group_fraction`` of a uniform sample (``shell_shares``; a smaller one
        is merged by the grouping rule), for radial potentials, or of exact orbit
        families present in the class for potentials that know them
        (``Potential.components``, the superpotential's two branches); None otherwise.
    accuracy_per_output : list of float
        Held-out accuracy of each head (one per output); ``accuracy`` is their
        minimum.
    """

    config: InvarianceConfig
    accuracy: float
    val_accuracy: float
    neighbor_purity: float
    neighbor_purity_per_class: dict[str, float]
    orbit_groups: dict[str, int]
    expected_orbit_groups: dict[str, int] | None
    n_epochs: int
    potential: dict[str, Any]
    timings: dict[str, float]
    versions: dict[str, str] = field(default_factory=software_versions)
    accuracy_per_output: list[float] = field(default_factory=list)
    n_outputs: int = 1
    X: np.ndarray | None = field(default=None, repr=False)
    y: np.ndarray | None = field(default=None, repr=False)
    embedding: np.ndarray | None = field(default=None, repr=False)
    is_test: np.ndarray | None = field(default=None, repr=False)
    groups: np.ndarray | None = field(default=None, repr=False)
    shell_shares: dict[str, list[float]] | None = None

    @property
    def joint_classes(self) -> np.ndarray | None:
        """One class id per point, shape (n,): the level, or the joint bin for m outputs."""
        if self.y is None:
            return None
        return joint_class(self.y, [len(self.config.levels)] * self.n_outputs)

    def to_dict(self) -> dict[str, Any]:
        hist: dict[str, int] = {}
        for v in self.orbit_groups.values():
            hist[str(v)] = hist.get(str(v), 0) + 1
        return {
            "experiment": NAME,
            "config": config_dict(self.config),
            "accuracy": self.accuracy,
            "accuracy_per_output": self.accuracy_per_output,
            "n_outputs": self.n_outputs,
            "orbit_group_histogram": dict(sorted(hist.items())),
            "val_accuracy": self.val_accuracy,
            "neighbor_purity": self.neighbor_purity,
            "neighbor_purity_per_class": self.neighbor_purity_per_class,
            "orbit_groups": self.orbit_groups,
            "expected_orbit_groups": self.expected_orbit_groups,
            "shell_shares": self.shell_shares,
            "orbit_groups_correct": (None if self.expected_orbit_groups is None
                                     else self.orbit_groups == self.expected_orbit_groups),
            "n_epochs": self.n_epochs,
            "potential": self.potential,
            "timings": self.timings,
            "versions": self.versions,
        }

    def save(self, out_dir: str | Path, *, figures: bool = True, result: bool = True) -> Path:
        """Write ``result.json``, ``samples.npz`` and the figures into ``out_dir``.

        ``result=False`` leaves ``result.json`` to a caller that writes its own.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        if self.X is not None:
            write_npz(out / "samples.npz", X=self.X, y=self.y, embedding=self.embedding,
                      is_test=self.is_test, groups=self.groups,
                      levels=np.asarray(self.config.levels))
        if figures and self.X is not None:
            t0 = time.perf_counter()
            self.plot(out)
            self.timings["figures"] = time.perf_counter() - t0
        if result:
            write_json(out / "result.json", self.to_dict())
        return out / "result.json"

    def plot(self, out_dir: str | Path) -> list[Path]:
        """Draw ``embedding_tsne.png`` and ``input_classes.png``."""
        from symfast.analysis import plot_embedding_tsne, plot_input_classes

        out = Path(out_dir)
        pot = self.config.potential
        if self.n_outputs == 1:
            names = [f"V={lv:+.1f}" for lv in self.config.levels]
        else:
            names = [f"({k})" for k in class_names(self.config.levels, self.n_outputs)]
        labels = self.joint_classes
        return [
            plot_embedding_tsne(self.embedding, labels, out / "embedding_tsne.png",
                                class_names=names, max_points=self.config.tsne_points,
                                seed=self.config.seed,
                                title=f"{pot}: t-SNE of the embedding layer"),
            plot_input_classes(self.X, labels, out / "input_classes.png", class_names=names,
                               title=f"{pot}: level-set samples (x1, x2)",
                               seed=self.config.seed),
        ]

    @classmethod
    def load(cls, out_dir: str | Path) -> dict[str, Any]:
        """The saved ``result.json`` as a dict."""
        return json.loads((Path(out_dir) / "result.json").read_text())


def run(config: InvarianceConfig, *, progress: bool = True,
        n_threads: int | None = None, device: str | None = None) -> InvarianceResult:
    """Sample, train, embed and analyse; returns the result (nothing is written).

    Parameters
    ----------
    config : InvarianceConfig
    progress : bool, default=True
        Announce stages and show a training progress bar on stderr.
    n_threads : int, optional
        Threads for the kernels, torch and FAISS.
    device : str, optional
        Torch device of the classifier's training ("cpu" by default; FAISS stays on the
        CPU).
    """
    from sklearn.model_selection import train_test_split

    from symfast.analysis import neighbor_purity, orbit_group_labels
    from symfast.nn import EmbeddingClassifier, check_device
    from symfast.potentials import sample_level_sets

    if not isinstance(config, InvarianceConfig):
        raise TypeError(f"config must be an InvarianceConfig, got {type(config).__name__}")
    config.validate()
    check_device(device)
    pot = get(config.potential)
    stages = Stages(["sampling", "training", "analysis"], enabled=progress,
                    title=f"invariance[{pot.name}]")

    stages.start("sampling")
    m = pot.n_outputs
    levels = config.levels if m == 1 else [config.levels] * m
    X, y = sample_level_sets(pot, levels, width=config.width,
                             per_class=config.per_class, seed=config.seed,
                             n_threads=n_threads)
    joint = joint_class(y, [len(config.levels)] * m)
    idx_tr, idx_te = train_test_split(np.arange(joint.size), test_size=config.test_fraction,
                                      random_state=config.seed, stratify=joint)

    stages.start("training")
    clf = EmbeddingClassifier(
        config.hidden, config.embed_dim, learning_rate=config.learning_rate,
        batch_size=config.batch_size, max_epochs=config.max_epochs,
        target_accuracy=config.target_accuracy, seed=config.seed, progress=progress,
        n_threads=n_threads, activation=config.activation, device=device)
    clf.fit(X[idx_tr], y[idx_tr])
    pred = clf.predict(X[idx_te]).reshape(idx_te.size, m)
    per_output = [float(np.mean(pred[:, j] == y[idx_te].reshape(-1, m)[:, j]))
                  for j in range(m)]
    accuracy = min(per_output)

    stages.start("analysis")
    E = clf.embed(X)
    purity, per_class = neighbor_purity(E, joint, k=config.n_neighbors, n_threads=n_threads)
    kw = dict(k=config.n_neighbors, jump_ratio=config.jump_ratio,
              min_group_fraction=config.min_group_fraction, n_threads=n_threads)
    point_groups = orbit_group_labels(E, joint, **kw)
    groups = {int(c): int(point_groups[joint == c].max()) + 1 for c in np.unique(joint)}
    keys = class_names(tuple(config.levels), m)
    shares = None
    if m == 1:
        # a shell holding fewer than min_group_fraction of its class's points is merged
        # into another group by the grouping rule, so it cannot be counted: with uniform
        # samples (the paper's distribution) the inner shells of so5/so6 hold about 1 %.
        # Each point's shell is read off its radius, exactly.
        shells = [pot.shell_intervals(lv, config.width) for lv in config.levels]
        expected, shares = None, None
        if shells[0] is not None:
            expected, shares = {}, {}
            r = np.linalg.norm(X, axis=1)
            for k, iv in enumerate(shells):
                rk = r[joint == k]
                counts = np.array([np.sum((rk >= a - 1e-9) & (rk <= b + 1e-9)) for a, b in iv])
                # the grouping's own threshold (symfast.analysis.orbit_groups)
                min_size = max(1, int(np.ceil(config.min_group_fraction * rk.size)))
                expected[k] = int(np.sum(counts >= min_size))
                shares[keys[k]] = [round(float(v), 6)
                                   for v in pot.shell_shares(config.levels[k], config.width)]
    elif pot.components is not None:
        values = np.asarray(config.levels)[y]
        comp = pot.components(X, values)
        expected = {int(c): int(np.unique(comp[joint == c]).size) for c in np.unique(joint)}
    else:
        expected = None
    timings = stages.done()

    def by_level(d: dict) -> dict[str, Any]:
        return {keys[int(k)]: v for k, v in d.items()}

    is_test = np.zeros(joint.size, dtype=bool)
    is_test[idx_te] = True
    return InvarianceResult(
        config=config, accuracy=accuracy, val_accuracy=clf.val_accuracy_,
        neighbor_purity=purity, neighbor_purity_per_class=by_level(per_class),
        orbit_groups=by_level(groups),
        expected_orbit_groups=None if expected is None else by_level(expected),
        n_epochs=clf.n_epochs_,
        potential={"name": pot.name, "dim": pot.dim, "group": pot.group,
                   "n_generators": pot.n_generators, "description": pot.description,
                   "n_outputs": m, "algebra": pot.algebra},
        timings=timings, accuracy_per_output=per_output, n_outputs=m,
        X=X, y=y, embedding=E, is_test=is_test, groups=point_groups, shell_shares=shares)

# -- the study as the registry, the command line and the report see it ---------------

def summary(data: dict, out: Path) -> str:
    """The text ``symfast invariance`` prints."""
    if len(data["orbit_groups"]) > 20:
        hist = data.get("orbit_group_histogram", {})
        groups = ("classes by number of groups " + " ".join(f"{k}:{v}" for k, v in
                                                            hist.items()))
    else:
        groups = "orbit groups per level  " + " ".join(
            f"{k}:{v}" for k, v in data["orbit_groups"].items())
    per = data.get("accuracy_per_output", [])
    heads = (" (per output " + ", ".join(f"{a:.4f}" for a in per) + ")") if len(per) > 1 else ""
    return (f"potential {data['potential']['name']} ({data['potential']['group']}): "
            f"held-out accuracy {data['accuracy']:.4f}{heads} after {data['n_epochs']} epochs, "
            f"neighbour purity {data['neighbor_purity']:.4f}\n"
            f"{groups}\n"
            f"time {data['timings']['total']:.1f} s; results in {out}/")


STUDY = StudySpec(
    name="invariance", module=__name__, config=InvarianceConfig, summary=summary, order=0,
    help="detect the invariance of a potential from the embedding of a level-set "
         "classifier",
    paper_help="the published scale (GELU layout, see --published)", takes_potential=True,
    seconds=(10.0, 100.0))

"""Hodge numbers of CICY threefolds the network never saw.

The list is split *by manifold* (never by augmented copy: a copy of a test manifold in the
training set would be a leak) at several training fractions, three seeds each, and every
model is scored on the test manifolds' own configuration matrices.  Models:

``cicy_network``
    the seed's Hodge network (``symfast cicy``): an MLP on the permutation-invariant graph
    features (:func:`symfast.cicy.graph_features`), that study's layers, norm and L2,
    trained until 99 % training accuracy (that study stops at 95 %) or ``mlp_max_epochs``;
``encoder``
    the message-passing network on the configuration matrix as a bipartite graph, with one
    classification head per Hodge number (:class:`symfast.nn.ConfigurationClassifier`);
``encoder+invariants``
    the same, with the exact invariants c2 . J_r and the d_rst sums as row-node inputs
    (:func:`symfast.cicy.row_invariants`);
``encoder+invariants+euler``
    and the Euler number as a per-matrix input.  chi = 2 (h11 - h21), so with chi known
    h21 follows from h11: this model shows what that one number adds, and is kept out of
    the targets.

The anchors (Erbin & Finotello, arXiv 2007.13379 and 2007.15706, an Inception network on
the original list): h11 97 % with 30 % of the manifolds for training and 99 % with
70-80 %; h21 about 50 %.  symfast's targets at 0.8: h11 >= 0.99 and h21 >= 0.60 without
the Euler number.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from symfast._io import write_json
from symfast._seeds import derive_seed
from symfast._validation import check_float, check_int
from symfast.experiments._claims import qualitative
from symfast.experiments._common import (Checkpoint, Stages, check_config_types, config_dict,
                                         replace_config, software_versions)
from symfast.experiments._registry import StudySpec

NAME = "hodge"
#: run_or_resume passes a checkpoint path: finished (model, fraction, seed) cells are kept
RESUMABLE = True
MODELS = ("cicy_network", "encoder", "encoder+invariants", "encoder+invariants+euler")
#: What each model reads (result.json's "inputs").
INPUTS = {
    "cicy_network": "graph features of the configuration matrix (symfast.cicy.graph_features: "
                    "counts of factor types, entries and degrees, singular values)",
    "encoder": "the configuration matrix itself, as a bipartite graph",
    "encoder+invariants": "the matrix, and per row c2.J_r, d_rrr, sum_s d_rrs, sum_st d_rst "
                          "(exact, symfast.cicy.row_invariants)",
    "encoder+invariants+euler": "the matrix, the row invariants and the Euler number "
                                "(chi = 2 (h11 - h21): with h11 it fixes h21)",
}
#: Erbin & Finotello's accuracies on unseen manifolds (Inception network, original list).
ANCHORS = {"source": "Erbin & Finotello, arXiv 2007.13379 and 2007.15706",
           "h11": {"0.3": 0.97, "0.7": 0.99, "0.8": 0.99}, "h21": {"0.8": 0.50},
           "note": "h21 'about 50 %'; earlier networks 16-36 % on h21"}
TARGETS = {"h11": 0.99, "h21": 0.60}
TARGET_FRACTION = "0.8"


@dataclass(frozen=True)
class HodgeConfig:
    """Settings of the Hodge study (defaults: the paper preset)."""

    data: str | None = None
    fractions: tuple[float, ...] = (0.3, 0.5, 0.7, 0.8)
    n_seeds: int = 3
    models: tuple[str, ...] = MODELS
    # training matrices per training manifold: the list's own and n_augment - 1 equivalent
    # ones (symfast.cicy.augment: row and column permutations and up to max_extra
    # hyperplane identities); the test manifolds are scored on the list's matrices only
    n_augment: int = 1
    max_extra: int = 1
    # the message-passing models
    max_epochs: int = 100
    width: int = 64
    rounds: int = 3
    hidden: int = 256
    messages: str = "vector"
    batch_size: int = 128
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    # the seed's network (the layers of symfast cicy; stops at 99 % or this many epochs)
    mlp_max_epochs: int = 200
    seed: int = 0

    @classmethod
    def quick(cls, **overrides: Any) -> "HodgeConfig":
        """Fraction 0.8, one seed, 10 epochs."""
        return replace_config(cls(fractions=(0.8,), n_seeds=1, max_epochs=10,
                                  mlp_max_epochs=30), **overrides)

    @classmethod
    def paper(cls, **overrides: Any) -> "HodgeConfig":
        """Fractions 0.3, 0.5, 0.7, 0.8, three seeds, 100 epochs."""
        return replace_config(cls(), **overrides)

    def validate(self) -> None:
        check_config_types(self)
        if not self.fractions:
            raise ValueError("fractions must hold at least one training fraction")
        for f in self.fractions:
            check_float(f, "fractions entry", minimum=0.05, maximum=0.95)
        check_int(self.n_seeds, "n_seeds", minimum=1)
        check_int(self.n_augment, "n_augment", minimum=1)
        check_int(self.max_extra, "max_extra", minimum=0, maximum=3)
        bad = [m for m in self.models if m not in MODELS]
        if bad or not self.models:
            raise ValueError(f"models must be some of {', '.join(MODELS)}, got "
                             f"{list(self.models)}")
        for name in ("max_epochs", "width", "rounds", "hidden", "batch_size",
                     "mlp_max_epochs"):
            check_int(getattr(self, name), name, minimum=1)
        if self.messages not in ("scalar", "vector", "gine"):
            raise ValueError(f"messages must be 'scalar', 'vector' or 'gine', got "
                             f"{self.messages!r}")
        check_float(self.learning_rate, "learning_rate", positive=True)
        check_float(self.weight_decay, "weight_decay", minimum=0.0)


@dataclass
class HodgeResult:
    config: HodgeConfig
    n_manifolds: int
    test_accuracy: dict[str, dict[str, dict[str, list[float]]]]
    train_accuracy: dict[str, dict[str, dict[str, list[float]]]]
    seconds: dict[str, dict[str, list[float]]]
    timings: dict[str, float]
    versions: dict[str, str] = field(default_factory=software_versions)

    def summary_table(self) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
        """{model: {fraction: {h: {"mean", "std", "min"}}}} over the seeds."""
        return {m: {f: {h: {"mean": float(np.mean(v)), "std": float(np.std(v)),
                            "min": float(np.min(v))} for h, v in cell.items()}
                    for f, cell in by_f.items()} for m, by_f in self.test_accuracy.items()}

    def to_dict(self) -> dict[str, Any]:
        return {"experiment": NAME, "config": config_dict(self.config),
                "n_manifolds": self.n_manifolds,
                "split": "by manifold: the test manifolds' list matrices, never seen in "
                         "training",
                "inputs": {m: INPUTS[m] for m in self.config.models},
                "test_accuracy": self.test_accuracy, "train_accuracy": self.train_accuracy,
                "test_accuracy_summary": self.summary_table(),
                "anchors": ANCHORS, "targets": {"fraction": TARGET_FRACTION, **TARGETS,
                                                "model": "encoder"},
                "seconds_per_fit": self.seconds, "timings": self.timings,
                "versions": self.versions}

    def save(self, out_dir: str | Path, *, figures: bool = True) -> Path:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        if figures:
            plot_accuracy(self.to_dict(), out / "hodge_accuracy.png")
        from symfast._io import atomic_path

        with atomic_path(out / "test_accuracy.csv") as tmp:
            Path(tmp).write_text(accuracy_csv(self.to_dict()))
        write_json(out / "result.json", self.to_dict())
        return out / "result.json"


def accuracy_csv(d: dict[str, Any]) -> str:
    """``test_accuracy.csv``: one row per model and fraction, the mean, the smallest and
    the largest test accuracy over the seeds for h11 and h21 (the docs include it)."""
    lines = ["model,fraction,seeds,h11 mean,h11 min,h11 max,h21 mean,h21 min,h21 max"]
    for model, by_f in d["test_accuracy"].items():
        for f in sorted(by_f, key=float):
            cell = [f"{g(by_f[f][h]):.3f}" for h in ("h11", "h21")
                    for g in (np.mean, np.min, np.max)]
            lines.append(",".join([model, f, str(len(by_f[f]["h11"]))] + cell))
    return "\n".join(lines) + "\n"


def plot_accuracy(d: dict[str, Any], path: Path) -> None:
    """Test accuracy against the training fraction, h11 and h21 side by side: each model's
    mean over seeds with its spread (min to max), the anchors as black stars."""
    from symfast._io import save_figure
    from symfast.analysis import figure

    fig, axes = figure(ncols=2, figsize=(9.5, 3.8))
    for ax, h in zip(axes, ("h11", "h21")):
        for model, by_f in d["test_accuracy"].items():
            fr = sorted(by_f, key=float)
            v = [np.asarray(by_f[f][h]) for f in fr]
            x = [float(f) for f in fr]
            mean = [a.mean() for a in v]
            ax.errorbar(x, mean, yerr=[[m - a.min() for m, a in zip(mean, v)],
                                       [a.max() - m for m, a in zip(mean, v)]],
                        marker="o", capsize=3, label=model)
        anchor = d["anchors"][h]
        ax.plot([float(f) for f in anchor], list(anchor.values()), "k*", ms=10,
                label="Erbin & Finotello")
        ax.axhline(d["targets"][h], color="grey", ls=":", lw=1)
        ax.set_xlabel("training fraction of the manifolds")
        ax.set_ylabel(f"test accuracy of {h}")
        ax.set_title(f"{h} on unseen manifolds")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)


def _fit_cell(model: str, config: HodgeConfig, data: dict[str, Any], train: np.ndarray,
              seed: int, n_threads: int | None, device: str | None, progress: bool
              ) -> tuple[np.ndarray, float]:
    """Train ``model`` on the ``train`` rows (matrices); predictions (n, 2) for every
    matrix, and the seconds it took."""
    t0 = time.perf_counter()
    y = data["y"]
    if model == "cicy_network":
        from symfast.nn import EmbeddingClassifier

        clf = EmbeddingClassifier(
            (315, 315, 100), 100, learning_rate=1e-3, batch_size=256,
            max_epochs=config.mlp_max_epochs, target_accuracy=0.99, validation_fraction=0.1,
            seed=seed, batch_norm=(1,), layer_l2=(0.0, 1e-5, 0.0, 1e-3),
            embedding_activation="linear", progress=progress, n_threads=n_threads,
            device=device)
        clf.fit(data["X"][train], y[train])
        return clf.predict(data["X"]), time.perf_counter() - t0
    from symfast.nn import ConfigurationClassifier

    kw: dict[str, Any] = {}
    if model != "encoder":
        kw["row_features"] = data["rows"]
    if model == "encoder+invariants+euler":
        kw["graph_inputs"] = data["euler"]
    clf = ConfigurationClassifier(
        config.width, config.rounds, config.hidden, messages=config.messages,
        max_epochs=config.max_epochs,
        batch_size=config.batch_size, learning_rate=config.learning_rate,
        weight_decay=config.weight_decay, seed=seed, n_threads=n_threads, device=device,
        progress=progress)
    clf.fit(data["Q"][train], y[train], **{k: v[train] for k, v in kw.items()})
    return clf.predict(data["Q"], **kw), time.perf_counter() - t0


def _usable(L: Any) -> np.ndarray:
    """Indices of the list entries the study uses: all but the 22 placeholder products."""
    return np.flatnonzero(~(L.is_product & (L.h11 == 0) & (L.h21 == 0)))


def _inputs(config: HodgeConfig, n_threads: int | None, L: Any = None) -> dict[str, Any]:
    """Every matrix the cells use and its inputs: the list's own first (``n`` of them),
    then the augmented copies; ``owner`` maps a matrix to its manifold (0..n-1)."""
    from symfast.cicy import (augment, graph_features, invariants, load, pad_matrices,
                              row_invariants)

    L = load(config.data) if L is None else L
    keep = _usable(L)
    n = keep.size
    mats, owner = [L.matrices[i] for i in keep], list(range(n))
    if config.n_augment > 1:
        for k, i in enumerate(keep):
            extra = augment(L.matrices[i], config.n_augment,
                            seed=derive_seed(config.seed, "hodge-augment", int(i)),
                            max_extra=config.max_extra)[1:]
            mats += extra
            owner += [k] * len(extra)
    owner_a = np.asarray(owner)
    Q = pad_matrices(mats)
    data: dict[str, Any] = {"n": n, "owner": owner_a, "Q": Q,
                            "y": np.stack([L.h11[keep], L.h21[keep]], 1)[owner_a]}
    if "cicy_network" in config.models:
        data["X"] = graph_features(mats, n_threads=n_threads)
    if any(m.startswith("encoder+") for m in config.models):
        data["rows"] = row_invariants(mats, Q.shape[1], n_threads=n_threads)
        data["euler"] = invariants(mats, n_threads=n_threads).euler[:, None].astype(float)
        if not np.array_equal(data["euler"][:, 0], L.euler[keep][owner_a]):
            raise ArithmeticError("the computed Euler numbers disagree with the list's")
    return data


def _cell(config: HodgeConfig, data: dict[str, Any], frac: float, s: int, model: str,
          n_threads: int | None, device: str | None) -> dict[str, Any]:
    """One (fraction, seed, model) cell: its split by manifold, the fit, the scores."""
    n, owner = data["n"], data["owner"]
    fkey = f"{frac:g}"
    # one split per (fraction, seed), shared by the models: paired comparisons
    perm = np.random.default_rng(derive_seed(config.seed, "hodge-split", fkey, s)
                                 ).permutation(n)
    train_manifold = np.zeros(n, dtype=bool)
    train_manifold[perm[:int(round(frac * n))]] = True
    is_train = train_manifold[owner]
    pred, t = _fit_cell(model, config, data, is_train,
                        derive_seed(config.seed, "hodge-fit", model, fkey, s) % 2**31,
                        n_threads, device, False)
    right = pred == data["y"]
    listed = np.arange(len(owner)) < n          # scored on the list's own matrices
    return {"test": right[listed & ~is_train].mean(0).tolist(),
            "train": right[listed & is_train].mean(0).tolist(), "seconds": t}


#: A worker process's inputs, built once per process (spawned workers share nothing).
_WORKER_DATA: dict[str, Any] = {}


def _worker_cell(config: HodgeConfig, frac: float, s: int, model: str) -> dict[str, Any]:
    """:func:`_cell` in a worker process, on one torch thread."""
    key = repr(config)
    if key not in _WORKER_DATA:
        _WORKER_DATA.clear()
        _WORKER_DATA[key] = _inputs(config, 1)
    return _cell(config, _WORKER_DATA[key], frac, s, model, 1, None)


def run(config: HodgeConfig, *, progress: bool = True, n_threads: int | None = None,
        checkpoint: str | Path | None = None, device: str | None = None) -> HodgeResult:
    """Every (model, fraction, seed) cell: split by manifold, train, score the test
    manifolds.

    With ``checkpoint`` (``symfast hodge`` gives ``OUT/partial.json``), each finished cell
    is saved and a rerun with the same config skips it.  On the CPU the cells run in
    parallel processes of one torch thread each, as many as ``n_threads`` (default: the
    cores); the networks are small, so a process per core beats threads in one process.
    Each cell is seeded by its own key, so the results do not depend on the split of work.
    """
    import os

    from symfast.nn import check_device

    if not isinstance(config, HodgeConfig):
        raise TypeError(f"config must be a HodgeConfig, got {type(config).__name__}")
    config.validate()
    dev = check_device(device)
    stages = Stages(["inputs", "training"], enabled=progress, title=NAME)
    stages.start("inputs")
    ckpt = Checkpoint(checkpoint, config)
    cells = [(f, s, m) for f in config.fractions for s in range(config.n_seeds)
             for m in config.models]

    def key(frac: float, s: int, model: str) -> str:
        return f"{model}|{frac:g}|{s}"

    pending = [c for c in cells if key(*c) not in ckpt]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    workers = min(cores if n_threads is None else n_threads, len(pending))
    if dev.type != "cpu":
        workers = 1                 # one process drives the GPU
    # the list is read here once (a bad path fails before any worker starts)
    from symfast.cicy import load

    L = load(config.data)
    data = None if workers > 1 or not pending else _inputs(config, n_threads, L)
    stages.start("training")
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(cells), initial=len(cells) - len(pending), desc="hodge fits",
                   unit="fit", leave=False)
    if workers > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
            futures = {pool.submit(_worker_cell, config, *c): c for c in pending}
            for fut in as_completed(futures):
                ckpt.record(key(*futures[fut]), fut.result())
                if bar is not None:
                    bar.update(1)
    else:
        for c in pending:
            ckpt.record(key(*c), _cell(config, data, *c, n_threads, device))
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    test: dict[str, dict[str, dict[str, list[float]]]] = {}
    train_acc: dict[str, dict[str, dict[str, list[float]]]] = {}
    secs: dict[str, dict[str, list[float]]] = {}
    for frac, s, model in cells:
        unit, fkey = ckpt.units[key(frac, s, model)], f"{frac:g}"
        for store, part in ((test, "test"), (train_acc, "train")):
            slot = store.setdefault(model, {}).setdefault(fkey, {"h11": [], "h21": []})
            slot["h11"].append(unit[part][0])
            slot["h21"].append(unit[part][1])
        secs.setdefault(model, {}).setdefault(fkey, []).append(unit["seconds"])
    return HodgeResult(config=config, n_manifolds=int(_usable(L).size), test_accuracy=test,
                       train_accuracy=train_acc, seconds=secs, timings=stages.done())


# -- the study as the registry, the command line and the report see it ---------------

def cli_options(p: argparse.ArgumentParser) -> None:
    """``symfast hodge``'s own options."""
    p.add_argument("--data", default=None,
                   help="the CICY list (file or directory; default $SYMFAST_DATA/cicy3)")
    p.add_argument("--max-epochs", type=int, default=None,
                   help="epochs of the message-passing models")
    p.add_argument("--n-seeds", type=int, default=None, help="splits per training fraction")
    p.add_argument("--n-augment", type=int, default=None,
                   help="training matrices per training manifold (the list's own and "
                        "equivalent ones; default 1)")
    p.add_argument("--fractions", type=float, nargs="+", default=None, metavar="F",
                   help="training fractions of the manifolds (default 0.3 0.5 0.7 0.8)")
    p.add_argument("--models", nargs="+", default=None, choices=MODELS, metavar="MODEL",
                   help=f"models to train (default all: {', '.join(MODELS)})")


def cli_overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {"data": args.data, "max_epochs": args.max_epochs, "n_seeds": args.n_seeds,
            "n_augment": args.n_augment,
            "fractions": None if args.fractions is None else tuple(args.fractions),
            "models": None if args.models is None else tuple(args.models)}


def summary(data: dict, out: Path) -> str:
    """The text ``symfast hodge`` prints: one line per model and fraction."""
    lines = [f"{data['n_manifolds']} manifolds, split by manifold; test accuracy, mean "
             "(min) over seeds:"]
    for model, by_f in data["test_accuracy_summary"].items():
        cells = [f"{f}: h11 {c['h11']['mean']:.3f} ({c['h11']['min']:.3f}) h21 "
                 f"{c['h21']['mean']:.3f} ({c['h21']['min']:.3f})"
                 for f, c in sorted(by_f.items(), key=lambda kv: float(kv[0]))]
        lines.append(f"  {model:<26} " + "; ".join(cells))
    lines.append(f"anchors (Erbin & Finotello): h11 0.97 at 0.3, 0.99 at 0.8; h21 about 0.50; "
                 f"targets at 0.8 (encoder): h11 >= {TARGETS['h11']}, h21 >= "
                 f"{TARGETS['h21']}")
    lines.append(f"time {data['timings']['total']:.1f} s; results in {out}/")
    return "\n".join(lines)


def claims(d: dict) -> list[dict]:
    cell = d["test_accuracy_summary"].get("encoder", {}).get(TARGET_FRACTION)
    if cell is None:
        return []
    rows = []
    for h, anchor in (("h11", "0.99 (Inception, 80 % for training)"),
                      ("h21", "about 0.50 (Inception)")):
        rows.append(qualitative(
            f"{h} of unseen manifolds from the configuration matrix alone (80 % of the "
            "manifolds for training)", ANCHORS["source"], anchor,
            f"{cell[h]['mean']:.3f} (min {cell[h]['min']:.3f} over seeds)",
            cell[h]["mean"] >= TARGETS[h], f"mean >= {TARGETS[h]} (symfast's target)"))
    return rows


STUDY = StudySpec(
    name="hodge", module=__name__, config=HodgeConfig, summary=summary, order=36,
    help="CICY, beyond the paper: Hodge numbers of unseen manifolds (split by manifold), "
         "the seed's network against the message-passing encoder and exact invariants",
    paper_help="fractions 0.3, 0.5, 0.7, 0.8, three seeds, 100 epochs",
    add_options=cli_options, overrides=cli_overrides, claims=claims, seconds=(240.0, 3600.0),
    figures=("hodge_accuracy.png",), data="cicy3")

"""symfast's own CICY study, beyond the paper: an identifier that tells manifolds apart.

The paper's Hodge-number network groups the *different* configurations of a manifold
for only 4-5 % of the manifolds (``symfast cicy``, ``exact_classes``).  Here a
message-passing encoder of the configuration matrix (:class:`symfast.nn.ConfigurationEncoder`)
is trained contrastively: two configurations of one class of exact invariants
(:func:`symfast.cicy.equivalence_classes`) are positives, other classes negatives.  The
classes are split into training and held-out ones; the score is the paper's neighbour
analysis on distinct inputs, with "same manifold" meaning "same class", over the
held-out classes (neighbours drawn from every class).  Target: 90 % of held-out classes
above 95 %.
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
from symfast.experiments._common import (Stages, check_config_types, config_dict, replace_config,
                                         software_versions)
from symfast.experiments._registry import StudySpec

NAME = "identifier"
#: symfast's own target, stated in the issue that asked for the study.
TARGET = 0.90


#: The paper preset's settings beyond the defaults (issue 35; 0.943 of held-out classes
#: above 95 % in 10.4 min on 2 cores, against 0.753 for the defaults at 6000 steps;
#: docs/concepts/cicy_topology).
PAPER_SETTINGS: dict[str, Any] = {"steps": 12_000, "schedule": "cosine", "temperature": 0.05,
                                  "rounds": 4, "hard_fraction": 0.5,
                                  "hard_negatives": "mined", "contract": True}


@dataclass(frozen=True)
class IdentifierConfig:
    """Settings of the identifier study (defaults: every manifold, the full training)."""

    data: str | None = None
    n_manifolds: int | None = None         # None: every manifold (placeholders left out)
    n_augment: int = 12                    # configurations per manifold
    max_extra: int = 1                     # hyperplane identities per configuration
    test_fraction: float = 0.2             # of the classes, held out
    steps: int = 6000
    batch_classes: int = 256
    temperature: float = 0.1
    width: int = 64
    rounds: int = 3
    learning_rate: float = 1e-3
    schedule: str = "constant"             # or "cosine" (ConfigurationEncoder)
    messages: str = "scalar"               # or "vector", "gine" (ConfigurationEncoder)
    # share of a batch's classes drawn from few Hodge pairs together (hard negatives);
    # at the quick preset 0.5 gave 38.2 % of held-out classes against 39.4 % without
    hard_fraction: float = 0.0
    # where the hard negatives come from: "groups" (the Hodge pairs) or "mined" (each
    # class's nearest classes in the current embedding; ConfigurationEncoder)
    hard_negatives: str = "groups"
    # undo every hyperplane identity before the encoder sees a configuration
    # (symfast.cicy.contract_identities): the identity is then built in, as permutations
    # are, and the training only has to merge the list's redundant entries
    contract: bool = False
    k: int = 50
    seed: int = 0

    @classmethod
    def quick(cls, **overrides: Any) -> "IdentifierConfig":
        """Every manifold, 6 configurations each, 600 steps."""
        return replace_config(cls(n_augment=6, steps=600), **overrides)

    @classmethod
    def paper(cls, **overrides: Any) -> "IdentifierConfig":
        """Every manifold, 12 configurations each; the identities undone exactly, 4
        rounds, 12,000 steps on a cosine schedule at temperature 0.05, half of each batch
        mined hard negatives (the variants measured against each other are in the CICY
        concepts page)."""
        return replace_config(cls(**PAPER_SETTINGS), **overrides)

    def validate(self) -> None:
        check_config_types(self)
        if self.n_manifolds is not None:
            check_int(self.n_manifolds, "n_manifolds", minimum=10)
        for name in ("n_augment", "steps", "batch_classes", "width", "rounds", "k"):
            check_int(getattr(self, name), name, minimum=1)
        check_int(self.max_extra, "max_extra", minimum=0)
        check_float(self.test_fraction, "test_fraction", minimum=0.05, maximum=0.5)
        check_float(self.temperature, "temperature", positive=True)
        check_float(self.learning_rate, "learning_rate", positive=True)
        check_float(self.hard_fraction, "hard_fraction", minimum=0.0, maximum=1.0)
        if self.schedule not in ("constant", "cosine"):
            raise ValueError(f"schedule must be 'constant' or 'cosine', got {self.schedule!r}")
        if self.hard_negatives not in ("groups", "mined"):
            raise ValueError(f"hard_negatives must be 'groups' or 'mined', got "
                             f"{self.hard_negatives!r}")
        if self.messages not in ("scalar", "vector", "gine"):
            raise ValueError(f"messages must be 'scalar', 'vector' or 'gine', got "
                             f"{self.messages!r}")


@dataclass
class IdentifierResult:
    config: IdentifierConfig
    held_out: dict[str, Any]
    training_classes: dict[str, Any]
    wl_ceiling: dict[str, Any]
    n_points: int
    losses: list[float]
    timings: dict[str, float]
    versions: dict[str, str] = field(default_factory=software_versions)

    def to_dict(self) -> dict[str, Any]:
        return {"experiment": NAME, "config": config_dict(self.config),
                "held_out": self.held_out, "training_classes": self.training_classes,
                "wl_ceiling": self.wl_ceiling,
                "n_points": self.n_points, "target": TARGET, "losses": self.losses,
                "timings": self.timings, "versions": self.versions}

    def save(self, out_dir: str | Path, *, figures: bool = True) -> Path:
        out = Path(out_dir)
        write_json(out / "result.json", self.to_dict())
        if figures:
            from symfast._io import save_figure
            from symfast.analysis import figure

            fig, ax = figure(figsize=(5, 3))
            ax.plot(100 * np.arange(1, len(self.losses) + 1), self.losses)
            ax.set_xlabel("step")
            ax.set_ylabel("contrastive loss (mean of 100 steps)")
            fig.tight_layout()
            save_figure(fig, out / "loss.png", dpi=120)
        return out


def run(config: IdentifierConfig, *, progress: bool = True,
        n_threads: int | None = None, device: str | None = None) -> IdentifierResult:
    """Build the data, train the identifier on ``device`` ("cpu" by default), score the
    held-out classes."""
    from symfast.cicy import (augment, contract_identities, equivalence_classes, graph_features,
                              load, pad_matrices, wl_shared)
    from symfast.experiments.cicy_scoring import distinct_inputs, feature_ids, fraction_above
    from symfast.nn import ConfigurationEncoder

    config.validate()
    from symfast.nn import check_device

    check_device(device)             # before the classes are built, not after
    stages = Stages(["classes and configurations", "training", "neighbours"], enabled=progress,
                    title=NAME)
    rng = np.random.default_rng(derive_seed(config.seed, "identifier-split"))
    stages.start("classes and configurations")
    L = load(config.data)
    class_of = equivalence_classes(L, n_threads=n_threads)
    usable = np.flatnonzero(~(L.is_product & (L.h11 == 0) & (L.h21 == 0)))
    if config.n_manifolds is not None and config.n_manifolds < usable.size:
        usable = np.sort(rng.choice(usable, config.n_manifolds, replace=False))
    mats, owner = [], []
    for i in usable:
        a = augment(L.matrices[i], config.n_augment, seed=derive_seed(config.seed, "aug", int(i)),
                    max_extra=config.max_extra)
        mats.extend(a)
        owner.extend([int(i)] * len(a))
    owner = np.asarray(owner)
    labels = class_of[owner]
    hodge = np.unique(np.stack([L.h11, L.h21], 1), axis=0, return_inverse=True)[1].ravel()
    Q = pad_matrices([contract_identities(q) for q in mats] if config.contract else mats)
    fid = feature_ids(graph_features(mats, n_threads=n_threads))
    present = np.unique(labels)
    held = rng.choice(present, size=max(1, int(round(config.test_fraction * present.size))),
                      replace=False)
    train = ~np.isin(labels, held)
    stages.start("training")
    encoder = ConfigurationEncoder(
        config.width, config.rounds, messages=config.messages, steps=config.steps, batch_classes=config.batch_classes,
        temperature=config.temperature, learning_rate=config.learning_rate,
        schedule=config.schedule,
        hard_fraction=config.hard_fraction, hard_negatives=config.hard_negatives, seed=derive_seed(config.seed, "identifier"),
        n_threads=n_threads, device=device, progress=progress)
    encoder.fit(Q[train], labels[train], groups=hodge[owner][train])
    E, losses = encoder.transform(Q), encoder.losses_
    stages.start("neighbours")
    res = distinct_inputs(fid, E, labels, np.ones(len(labels), dtype=bool), k=config.k,
                          seed=config.seed, n_threads=n_threads)
    means = res.pop("owner_means")

    def score(cs: np.ndarray) -> dict[str, Any]:
        m = means[cs]
        scored = m[np.isfinite(m)]
        return {"classes": int(cs.size), "classes_scored": int(scored.size),
                "fraction_above_95": fraction_above(m),
                "mean_accuracy": float(scored.mean()) if scored.size else float("nan")}

    t0 = time.perf_counter()
    held_out = score(held)
    trained = score(np.setdiff1d(present, held))
    # classes whose list matrices share a 4-round WL hash with another class: no
    # message-passing encoder can separate them, so they bound the reachable fraction
    # (on the matrices as the encoder reads them)
    listed = [L.matrices[i] for i in usable]
    if config.contract:
        listed = [contract_identities(q) for q in listed]
    shared = wl_shared(listed, class_of[usable], rounds=4)
    n_shared = int(np.isin(held, shared).sum())
    wl = {"rounds": 4, "classes_sharing_a_hash": int(shared.size),
          "classes": int(present.size), "held_out_sharing_a_hash": n_shared,
          "held_out_ceiling": 1.0 - n_shared / held.size}
    # which held-out classes fail, and what they have in common
    m = means[held]
    failing = held[np.isfinite(m) & (m <= 0.95)]
    entries = np.bincount(class_of[usable], minlength=int(class_of.max()) + 1)
    held_out["failing"] = {
        "classes": int(failing.size),
        "sharing_a_wl_hash": int(np.isin(failing, shared).sum()),
        "with_several_list_entries": int((entries[failing] > 1).sum()),
        "held_out_with_several_list_entries": int((entries[held] > 1).sum()),
        "in_a_hodge_pair_of_more_than_100_classes": int(_in_large_pairs(
            failing, class_of[usable], L.h11[usable], L.h21[usable], 100))}
    timings = stages.done()
    timings["scoring"] = time.perf_counter() - t0
    return IdentifierResult(config=config, held_out=held_out, training_classes=trained,
                            wl_ceiling=wl,
                            n_points=len(labels), losses=losses, timings=timings)


def _in_large_pairs(cs: np.ndarray, class_of: np.ndarray, h11: np.ndarray, h21: np.ndarray,
                    size: int) -> int:
    """How many of the classes ``cs`` lie in a Hodge pair holding more than ``size``
    classes."""
    pair = {}
    for c, a, b in zip(class_of.tolist(), h11.tolist(), h21.tolist()):
        pair[c] = (a, b)
    count: dict[tuple, int] = {}
    for p in pair.values():
        count[p] = count.get(p, 0) + 1
    return sum(count[pair[int(c)]] > size for c in cs)


# -- the study as the registry, the command line and the report see it ---------------

def cli_options(p: argparse.ArgumentParser) -> None:
    """``symfast identifier``'s own options."""
    p.add_argument("--data", default=None,
                   help="the CICY list (file or directory; default $SYMFAST_DATA/cicy3)")
    p.add_argument("--steps", type=int, default=None, help="training steps")
    p.add_argument("--n-manifolds", type=int, default=None, help="manifolds used")
    p.add_argument("--width", type=int, default=None, help="encoder width")
    p.add_argument("--schedule", choices=["constant", "cosine"], default=None,
                   help="learning-rate schedule")
    p.add_argument("--messages", choices=["scalar", "vector", "gine"], default=None,
                   help="what an entry sends along its edge")
    p.add_argument("--hard-fraction", type=float, default=None,
                   help="share of each batch drawn a few similar classes at a time")
    p.add_argument("--hard-negatives", choices=["groups", "mined"], default=None,
                   help="similar classes: same Hodge pair, or nearest in the embedding")
    p.add_argument("--contract", action=argparse.BooleanOptionalAction, default=None,
                   help="undo the hyperplane identities before encoding (built in, as "
                        "permutations are; on in --paper)")


def cli_overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {"data": args.data, "steps": args.steps, "n_manifolds": args.n_manifolds,
            "width": args.width, "schedule": args.schedule, "messages": args.messages,
            "hard_fraction": args.hard_fraction, "hard_negatives": args.hard_negatives,
            "contract": args.contract}


def summary(data: dict, out: Path) -> str:
    """The text ``symfast identifier`` prints."""
    h, t = data["held_out"], data["training_classes"]
    return (f"{data['n_points']} configurations; held-out classes above 95 % neighbour "
            f"accuracy (distinct inputs): {h['fraction_above_95']:.3f} of "
            f"{h['classes_scored']} (target {data['target']:.2f}); training classes "
            f"{t['fraction_above_95']:.3f}; Weisfeiler-Lehman ceiling "
            f"{data['wl_ceiling']['held_out_ceiling']:.3f}"
            + (f" ({h['failing']['sharing_a_wl_hash']} of the {h['failing']['classes']} "
               "failing held-out classes share a hash with another class)"
               if "failing" in h else "") + "\n"
            f"time {data['timings']['total']:.1f} s; results in {out}/")


def claims(d: dict) -> list[dict]:
    h = d["held_out"]
    built_in = " (identities undone exactly)" if d["config"].get("contract") else ""
    return [qualitative("symfast's own claim (in neither paper): a contrastive identifier "
                        f"groups the configurations of held-out manifold classes{built_in}",
                        "symfast", f">= {TARGET:.0%} of held-out classes above 95 %",
                        f"{h['fraction_above_95']:.3f} of {h['classes_scored']} classes "
                        "(the Hodge-number network: 0.044 at paper scale)",
                        h["fraction_above_95"] >= TARGET,
                        f"held-out fraction >= {TARGET}")]


STUDY = StudySpec(
    name="identifier", module=__name__, config=IdentifierConfig, summary=summary, order=35,
    help="CICY, beyond the paper: a contrastive encoder of the configuration matrix that "
         "tells manifolds apart (held-out classes of exact invariants)",
    paper_help="every manifold, 12 configurations each, identities undone, 12,000 steps with "
               "mined hard negatives",
    add_options=cli_options, overrides=cli_overrides, claims=claims, seconds=(60.0, 900.0),
    figures=("loss.png",), data="cicy3")

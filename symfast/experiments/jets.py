"""symfast's own collider study: the Lorentz group in top-quark jets made here.

``symfast jets --events N --out DIR`` generates N jets with Pythia 8 and FastJet
(:func:`symfast.jets.build_dataset`: half hadronic-top jets, half QCD jets, 14 TeV,
anti-k_T R = 0.8, p_T 550-650 GeV, abs(η) < 2) and writes ``DIR/jets.npz``; ``--discover``
then runs :func:`symfast.symmetry.discover` on the four-momenta of the leading four constituents
(R^16) with the top/QCD labels: classifiers' logit gradients are the normals, and the
generators sought act on every constituent at once (``block=4``).

Which symmetries should survive.  The generation is exactly symmetric under rotations
about the beam axis (J_z: nothing picks an azimuth) and, up to the parton densities and
the abs(η) cut, under boosts along it (K_z: they shift every rapidity by the same amount).
The other four Lorentz generators move a jet's p_T and η, and the jet window (550-650
GeV) and the different p_T spectra of top and QCD jets make the classifier depend on
p_T: they are symmetries of a top tagger only as far as it reads invariant masses
alone.  ``residuals_so13`` gives each reference generator's residual beside the
threshold, which says which survive here.

Peers: LieGAN (arXiv 2302.00236) and LieSD (arXiv 2410.09841) recover so(1,3) from the
public top-tagging set (jets of 550-650 GeV, abs(η) < 2), which cannot be fetched here.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from symfast._io import write_json
from symfast._validation import check_float, check_int
from symfast.experiments._claims import qualitative
from symfast.experiments._common import (Stages, check_config_types, config_dict,
                                         replace_config, software_versions)
from symfast.experiments._registry import StudySpec
from symfast.jets import HEP_MODULES

NAME = "jets"
#: run_or_resume passes a checkpoint path: its directory holds the shards and jets.npz
RESUMABLE = True
#: The six so(1,3) generators in the order of ``reference_algebra("so(1,3)")`` on
#: (E, px, py, pz): three boosts, then three rotations.
SO13_NAMES = ("K_x", "K_y", "K_z", "J_z", "J_y", "J_x")
#: symfast's targets (the issue that asked for the study).
TARGETS = {"similarity_so13": 0.9, "generation_seconds_20k": 300.0,
           "discovery_seconds_20k": 120.0}
#: The six reference residuals are split at their largest ratio when it is at least this
#: and the lower group sits below the median residual of every tied field (20,000 jets:
#: K_z, J_z at 0.02-0.03, 0.4-0.5 of that median; the other four at 0.07-0.08, a ratio of
#: 2.7).
SURVIVAL_SPLIT = 2.0
#: Without such a split all six survive or none: all when they sit below this fraction
#: of the median residual of every tied field (what a field that is no symmetry gets).
SURVIVAL_RATIO = 0.5
#: The top mass window of the cut-based tagger (GeV).
MASS_WINDOW = (105.0, 210.0)


@dataclass(frozen=True)
class JetsConfig:
    """Settings of the jets study (defaults: the paper preset)."""

    events: int = 20_000
    discover: bool = True
    seed: int = 0
    # generation (symfast.jets.JetCuts)
    pt_hat_min: float = 500.0
    pt_hat_max: float = 750.0
    pt_min: float = 550.0
    pt_max: float = 650.0
    eta_max: float = 2.0
    n_constituents: int = 4
    shard_size: int = 500
    # discovery
    test_fraction: float = 0.2
    n_models: int = 2
    hidden: tuple[int, ...] = (64, 64, 64)
    max_epochs: int | None = None
    tol_ratio: float = 4.0

    @classmethod
    def quick(cls, **overrides: Any) -> "JetsConfig":
        """4000 jets, with the discovery (about a minute on 2 cores; K_z and J_z survive
        from 4000 jets on, in 2 of 2 seeds measured; at 2000 none does)."""
        return replace_config(cls(events=4000), **overrides)

    @classmethod
    def paper(cls, **overrides: Any) -> "JetsConfig":
        """20,000 jets, with the discovery."""
        return replace_config(cls(), **overrides)

    def cuts(self) -> Any:
        from symfast.jets import JetCuts

        return JetCuts(pt_hat_min=self.pt_hat_min, pt_hat_max=self.pt_hat_max,
                       pt_min=self.pt_min, pt_max=self.pt_max, eta_max=self.eta_max,
                       n_constituents=self.n_constituents)

    def validate(self) -> None:
        check_config_types(self)
        check_int(self.events, "events", minimum=20)
        check_int(self.shard_size, "shard_size", minimum=1)
        check_float(self.test_fraction, "test_fraction", minimum=0.05, maximum=0.5)
        check_int(self.n_models, "n_models", minimum=1, maximum=16)
        check_float(self.tol_ratio, "tol_ratio", positive=True)
        if self.max_epochs is not None:
            check_int(self.max_epochs, "max_epochs", minimum=1)
        self.cuts().validate()


@dataclass
class JetsResult:
    config: JetsConfig
    dataset: dict[str, Any]
    discovery: dict[str, Any] | None
    timings: dict[str, float]
    jets_file: str
    versions: dict[str, str] = field(default_factory=software_versions)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"experiment": NAME, "claim": "symfast's own (in neither paper)",
                             "config": config_dict(self.config), "dataset": self.dataset,
                             "targets": TARGETS, "timings": self.timings,
                             "versions": self.versions}
        if self.discovery is not None:
            d.update(self.discovery)
        return d

    def save(self, out_dir: str | Path, *, figures: bool = True) -> Path:
        import shutil

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        target = out / "jets.npz"
        if Path(self.jets_file).resolve() != target.resolve():
            from symfast._io import atomic_path

            with atomic_path(target) as tmp:
                shutil.copyfile(self.jets_file, tmp)
        if figures and self.discovery is not None:
            plot_generators(self.to_dict(), out / "jets_generators.png")
        write_json(out / "result.json", self.to_dict())
        return out / "result.json"


# -- the analysis -----------------------------------------------------------------------------
def cut_tagger_scores(mass: np.ndarray, tau32: np.ndarray) -> np.ndarray:
    """The cut-based tagger as a score: inside the top mass window, 2 - τ32 (a cut on τ32
    scanned); outside, 0 (below every jet inside).  Its ROC curve is that of a fixed mass
    window with a τ32 cut scanned."""
    inside = (mass >= MASS_WINDOW[0]) & (mass <= MASS_WINDOW[1])
    return np.where(inside, 2.0 - tau32, 0.0)


def reference_residuals(X: np.ndarray, normals: np.ndarray, block: int = 4) -> dict[str, float]:
    """Each so(1,3) generator's residual on the data (the study passes the held-out jets and
    the networks' mean normals there): RMS of its normal component over the RMS of the
    field, the sine that the tied fit minimises."""
    from symfast.symmetry import reference_algebra, tied_residuals

    r = tied_residuals(X, normals, reference_algebra("so(1,3)"), block)
    return {name: float(v) for name, v in zip(SO13_NAMES, r)}


def surviving(resid: dict[str, float], typical: float) -> list[str]:
    """The reference generators that survive (:data:`SURVIVAL_SPLIT`, :data:`SURVIVAL_RATIO`)."""
    names = sorted(resid, key=resid.get)
    v = np.maximum(np.array([resid[k] for k in names]), 1e-300)
    ratios = v[1:] / v[:-1]
    j = int(np.argmax(ratios))
    if ratios[j] >= SURVIVAL_SPLIT and v[j] < typical:
        return [k for k in SO13_NAMES if k in names[:j + 1]]
    return list(SO13_NAMES) if v[-1] < SURVIVAL_RATIO * typical else []


def _outside_so13(T: np.ndarray) -> list[float]:
    """Per found 4 x 4 generator: the norm of its part outside so(1,3) (unit generators)."""
    from symfast.symmetry import orthonormal_basis, reference_algebra

    Q = orthonormal_basis(reference_algebra("so(1,3)")).reshape(6, -1)
    out = []
    for t in T.reshape(T.shape[0], -1):
        t = t / max(np.linalg.norm(t), 1e-300)
        out.append(float(np.linalg.norm(t - Q.T @ (Q @ t))))
    return out


def analyse(data: dict[str, Any], config: JetsConfig, *, progress: bool = True,
            n_threads: int | None = None, device: str | None = None) -> dict[str, Any]:
    """Discovery, tagging AUCs and the so(1,3) comparison on a loaded ``jets.npz``."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    from symfast.symmetry import (SymmetryResult, discover, reference_algebra,
                                  tied_representation)

    X, y = np.asarray(data["X"], dtype=np.float64), np.asarray(data["y"])
    idx = np.arange(y.size)
    tr, te = train_test_split(idx, test_size=config.test_fraction, random_state=config.seed,
                              stratify=y)
    t0 = time.perf_counter()
    res = discover(X[tr], y[tr], target="classes", method="gradient", block=4,
                   n_models=config.n_models, hidden=config.hidden,
                   max_epochs=config.max_epochs, tol_ratio=config.tol_ratio,
                   seed=config.seed, discrete=False, progress=progress, n_threads=n_threads,
                   device=device)
    seconds = time.perf_counter() - t0
    sym = res.continuous
    n_blocks = X.shape[1] // 4
    reference = tied_representation(reference_algebra("so(1,3)"), n_blocks)
    logits = np.mean([m.predict(X[te]) for m in res.models], axis=0)
    grads = np.mean([m.gradient(X[te])[:, 0] for m in res.models], axis=0)
    T = np.asarray(sym.diagnostics.get("block_generators", np.zeros((0, 4, 4))))
    resid = reference_residuals(X[te], grads)
    tol = res.diagnostics["gradient"]["normal_tol"]
    spectrum = np.asarray(sym.diagnostics["singular_values"])
    typical = float(np.median(spectrum))
    # the span of the six best tied fields, whatever the count rule says
    from symfast.symmetry import algebra_similarity, find_tied_generators

    six = find_tied_generators(X[tr], np.mean([m.gradient(X[tr])[:, 0] for m in res.models],
                                               axis=0), 4, n_generators=6, seed=config.seed)
    out: dict[str, Any] = {
        "algebra": sym.algebra, "n_generators": int(sym.n_generators),
        "reason": sym.reason,
        "similarity_so13": float(sym.similarity(reference)),
        "similarity_so13_lowest6": float(algebra_similarity(six.generators, reference)),
        "lowest6_4x4": six.diagnostics["block_generators"],
        "lowest6_outside_so13": _outside_so13(np.asarray(six.diagnostics["block_generators"])),
        "auc": float(roc_auc_score(y[te], logits)),
        "time": seconds,
        "generators_4x4": T.tolist(),
        "outside_so13": _outside_so13(T) if T.shape[0] else [],
        "spectrum": spectrum.tolist(),
        "gap": sym.diagnostics.get("gap"),
        "largest_gap_after": sym.diagnostics.get("largest_gap_after"),
        "normal_noise": res.diagnostics["gradient"]["normal_noise"],
        "normal_tol": tol,
        "residuals_so13": resid,
        "residual_ratio_so13": {k: v / typical for k, v in resid.items()},
        "survival_rule": f"the six residuals (on the held-out jets) split at their largest "
                         f"ratio if it is >= {SURVIVAL_SPLIT:g} and the lower group is below "
                         f"the median residual of every tied field ({typical:.4f}); else all "
                         f"survive if below {SURVIVAL_RATIO:g} x that median",
        "surviving_so13": surviving(resid, typical),
        "auc_cut": float(roc_auc_score(y[te], cut_tagger_scores(data["mass"][te],
                                                                data["tau32"][te]))),
        "auc_mass": float(roc_auc_score(y[te], -np.abs(data["mass"][te] - 172.5))),
        "auc_tau32": float(roc_auc_score(y[te], -data["tau32"][te])),
        "n_train": int(tr.size), "n_test": int(te.size),
        "epochs": res.diagnostics["gradient"]["epochs"],
    }
    model_sym, source = _model_symmetry(res, out["surviving_so13"], n_blocks)
    out["invariant_model"] = _invariant_auc(model_sym, source, X[tr], y[tr], X[te], y[te],
                                            config.seed)
    # the same model on the whole Lorentz group's invariants (the Minkowski products):
    # what imposing so(1,3) would cost or gain
    full = SymmetryResult(reference / np.sqrt(n_blocks * 2.0), "tangent", np.zeros(6),
                          np.zeros(6), np.zeros(X.shape[1]))
    out["invariant_model_so13"] = _invariant_auc(full.symmetry, "so(1,3), imposed", X[tr],
                                                 y[tr], X[te], y[te], config.seed)
    return out


def _invariant_auc(symmetry: Any, source: str, Xtr: np.ndarray, ytr: np.ndarray,
                   Xte: np.ndarray, yte: np.ndarray, seed: int, max_train: int = 4000
                   ) -> dict[str, Any]:
    """The invariant classifier on ``symmetry``'s degree-2 invariants, and the same
    perceptron on the raw inputs: held-out AUC of each (``max_train`` training jets)."""
    from sklearn.metrics import roc_auc_score

    from symfast.nn import InvariantClassifier

    if symmetry is None:
        return {"skipped": "no generator found or surviving"}
    rng = np.random.default_rng(seed)
    sub = rng.choice(Xtr.shape[0], min(max_train, Xtr.shape[0]), replace=False)
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            inv = InvariantClassifier(symmetry, 2, random_state=seed, max_iter=500).fit(
                Xtr[sub], ytr[sub])
        except ValueError as exc:                 # no invariant up to degree 2
            return {"skipped": str(exc)}
        raw = InvariantClassifier(None, 2, unconstrained=True, random_state=seed,
                                  max_iter=500).fit(Xtr[sub], ytr[sub])
    return {"symmetry": source, "degree": 2,
            "converged": not any(issubclass(w.category, ConvergenceWarning) for w in caught),
            "n_invariants": int(inv.invariants_.n_invariants), "n_train": int(sub.size),
            "auc": float(roc_auc_score(yte, inv.predict_proba(Xte)[:, 1])),
            "auc_raw": float(roc_auc_score(yte, raw.predict_proba(Xte)[:, 1]))}


def _model_symmetry(res: Any, survivors: list[str], n_blocks: int) -> tuple[Any, str]:
    """What the invariant model is built on: the found algebra, else the surviving
    reference generators (tied to every constituent)."""
    from symfast.symmetry import SymmetryResult, reference_algebra, tied_representation

    if res.continuous.n_generators:
        return res.symmetry, f"found: {res.continuous.algebra}"
    if not survivors:
        return None, ""
    ref = reference_algebra("so(1,3)")
    T = tied_representation(np.array([ref[SO13_NAMES.index(k)] for k in survivors]),
                            n_blocks)
    T /= np.linalg.norm(T.reshape(T.shape[0], -1), axis=1)[:, None, None]
    k, d = T.shape[0], T.shape[1]
    sym = SymmetryResult(T, "tangent", np.zeros(k), np.zeros(k), np.zeros(d))
    return sym.symmetry, f"surviving so(1,3) generators: {', '.join(survivors)}"


def plot_generators(d: dict[str, Any], path: Path) -> None:
    """The found 4 x 4 generators beside the so(1,3) ones, and the spectrum with its gap."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from symfast._io import save_figure
    from symfast.symmetry import reference_algebra

    found = np.asarray(d["generators_4x4"]).reshape(-1, 4, 4)
    label = "found"
    if found.shape[0] == 0:
        # no count to read: the six tied fields with the smallest residuals
        found, label = np.asarray(d["lowest6_4x4"]).reshape(-1, 4, 4), "lowest"
    ref = reference_algebra("so(1,3)")
    cols = max(6, found.shape[0])
    fig = plt.figure(figsize=(1.5 * cols + 4.0, 3.8))
    gs = fig.add_gridspec(2, cols + 2)
    labels = ["E", "px", "py", "pz"]
    for row, (mats, title) in enumerate(((found, label), (ref, "so(1,3)"))):
        for i in range(cols):
            ax = fig.add_subplot(gs[row, i])
            ax.set_xticks([])
            ax.set_yticks([])
            if i >= mats.shape[0]:
                ax.axis("off")
                continue
            m = mats[i] / max(np.abs(mats[i]).max(), 1e-300)
            ax.imshow(m, cmap="RdBu_r", vmin=-1, vmax=1)
            ax.set_title(f"{title} {i + 1}" if row == 0 else
                         f"{SO13_NAMES[i]} ({d['residuals_so13'][SO13_NAMES[i]]:.3f})",
                         fontsize=8)
            if i == 0:
                ax.set_yticks(range(4), labels, fontsize=6)
    ax = fig.add_subplot(gs[:, cols:])
    s = np.asarray(d["spectrum"])
    k = d["n_generators"]
    ax.semilogy(np.arange(1, s.size + 1), s, "o-", ms=3, label="tied fields")
    for name, r in d["residuals_so13"].items():
        alive = name in d["surviving_so13"]
        ax.axhline(r, color="C2" if alive else "grey", ls="--", lw=0.7)
        ax.text(s.size + 0.3, r, name, fontsize=6, va="center",
                color="C2" if alive else "grey")
    if k:
        ax.axvline(k + 0.5, color="C3", lw=0.8, label=f"count {k}")
    ax.set_xlabel("direction")
    ax.set_ylabel("residual (RMS sine)")
    ax.legend(fontsize=7)
    fig.suptitle(f"jets: {d['algebra']}, similarity to so(1,3) {d['similarity_so13']:.2f} "
                 f"(six lowest: {d['similarity_so13_lowest6']:.2f}); surviving "
                 f"{', '.join(d['surviving_so13']) or 'none'}; AUC {d['auc']:.3f}", fontsize=9)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)


# -- the study ----------------------------------------------------------------------------------
def run(config: JetsConfig, *, progress: bool = True, n_threads: int | None = None,
        checkpoint: str | Path | None = None, device: str | None = None) -> JetsResult:
    """Generate (or finish) the jets, then discover their symmetry (``config.discover``).

    With ``checkpoint`` (``symfast jets`` gives ``OUT/partial.json``), the shards and
    ``jets.npz`` go to its directory and a rerun reuses every finished shard; without it,
    to a temporary directory.  ``n_threads`` is the number of generator processes (default
    the cores) and the discovery's threads; ``device`` is where its networks train.
    """
    from symfast.jets import build_dataset, load_jets
    from symfast.nn import check_device

    if not isinstance(config, JetsConfig):
        raise TypeError(f"config must be a JetsConfig, got {type(config).__name__}")
    config.validate()
    check_device(device)
    stages = Stages(["generation", "discovery"] if config.discover else ["generation"],
                    enabled=progress, title=NAME)
    tmp = None
    if checkpoint is None:
        tmp = tempfile.TemporaryDirectory(prefix="symfast-jets-")
        where = Path(tmp.name)
    else:
        where = Path(checkpoint).parent
    stages.start("generation")
    built = build_dataset(where, config.events, cuts=config.cuts(), seed=config.seed,
                          shard_size=config.shard_size, workers=n_threads, progress=progress)
    data = load_jets(built["path"])
    dataset = {"n_jets": int(data["y"].size), "n_top": int(np.sum(data["y"] == 1)),
               "n_events": built["n_events"], "shards_generated": built["generated"],
               "shards_reused": built["reused"], "seconds": built["seconds"],
               "events_per_second": built["events_per_second"],
               "jets_per_second": (data["y"].size / built["seconds"]
                                   if built["generated"] == len(data["settings"]["shards"])
                                   else None),
               "cuts": config.cuts().to_dict(),
               "pythia": data["settings"].get("pythia"),
               "versions": data["settings"].get("versions")}
    discovery = None
    if config.discover:
        stages.start("discovery")
        discovery = analyse(data, config, progress=progress, n_threads=n_threads,
                            device=device)
    jets_file = built["path"]
    if tmp is not None:
        keep = Path(tempfile.mkdtemp(prefix="symfast-jets-")) / "jets.npz"
        Path(jets_file).replace(keep)
        jets_file = str(keep)
        tmp.cleanup()
    return JetsResult(config=config, dataset=dataset, discovery=discovery,
                      timings=stages.done(), jets_file=jets_file)


def cli_options(p: argparse.ArgumentParser) -> None:
    """``symfast jets``'s own options."""
    p.add_argument("--events", type=int, default=None,
                   help="jets to generate, one per accepted event, half top and half QCD "
                        "(default 4000; --paper 20000)")
    p.add_argument("--discover", action="store_true", default=None,
                   help="find the symmetry of the top tagger on the jets (writes "
                        "result.json's algebra, similarity_so13, auc)")
    p.add_argument("--no-discover", dest="discover", action="store_false",
                   help="generate the jets only")
    p.add_argument("--shard-size", type=int, default=None, help="jets per shard (default 500)")


def cli_overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {"events": args.events, "discover": args.discover, "shard_size": args.shard_size}


def summary(data: dict, out: Path) -> str:
    ds = data["dataset"]
    eps = ds.get("events_per_second")
    lines = [f"{ds['n_jets']} jets ({ds['n_top']} top) from "
             f"{sum(ds['n_events'].values())} events; "
             + (f"{eps:.0f} events/s, " if eps else "") + f"{ds['seconds']:.1f} s "
             f"({ds['shards_generated']} shards made, {ds['shards_reused']} reused) -> "
             f"{out}/jets.npz"]
    if "algebra" in data:
        lines.append(f"symmetry of the tagger: {data['algebra']} ({data['n_generators']} "
                     f"generators), similarity to so(1,3) {data['similarity_so13']:.3f}; "
                     f"surviving so(1,3) generators: {', '.join(data['surviving_so13']) or 'none'}")
        inv = data.get("invariant_model", {})
        full = data.get("invariant_model_so13", {})
        lines.append(f"held-out AUC: network {data['auc']:.3f}, mass window + tau32 cut "
                     f"{data['auc_cut']:.3f}")
        if "auc" in inv:
            lines.append(f"  perceptrons on {inv['n_train']} jets: invariants of "
                         f"{inv['symmetry']} {inv['auc']:.3f}, of so(1,3) imposed "
                         f"{full.get('auc', float('nan')):.3f}, raw inputs "
                         f"{inv['auc_raw']:.3f}")
        lines.append(f"discovery {data['time']:.1f} s")
    lines.append(f"results in {out}/")
    return "\n".join(lines)


def claims(d: dict) -> list[dict]:
    if "algebra" not in d:
        return []
    return [qualitative("symfast's own claim (in neither paper): the Lorentz group acting on "
                        "the four leading constituents of top-quark jets, from a tagger's "
                        "logit gradients", "symfast (peers: LieGAN, arXiv 2302.00236)",
                        f"similarity to so(1,3) >= {TARGETS['similarity_so13']}",
                        f"{d['algebra']}, similarity {d['similarity_so13']:.3f}; surviving: "
                        f"{', '.join(d['surviving_so13']) or 'none'}",
                        d["similarity_so13"] >= TARGETS["similarity_so13"],
                        f"similarity >= {TARGETS['similarity_so13']}"),
            qualitative("symfast's own claim: the tagger keeps the exact symmetries of the "
                        "generation (rotations about the beam, boosts along it) and not the "
                        "rest of the Lorentz group",
                        "symfast", "K_z and J_z survive, K_x, K_y, J_x, J_y do not",
                        f"surviving: {', '.join(d['surviving_so13']) or 'none'} (residuals "
                        + ", ".join(f"{k} {v:.3f}" for k, v in d["residuals_so13"].items())
                        + ")",
                        sorted(d["surviving_so13"]) == ["J_z", "K_z"],
                        "the surviving set is exactly {K_z, J_z}")]


STUDY = StudySpec(
    name="jets", module=__name__, config=JetsConfig, summary=summary, order=37,
    help="collider data, beyond the papers: top and QCD jets from Pythia 8 and FastJet, and "
         "the Lorentz symmetry of a top tagger (needs symfast[hep])",
    paper_help="20,000 jets, with the discovery",
    add_options=cli_options, overrides=cli_overrides, claims=claims, seconds=(80.0, 330.0),
    figures=("jets_generators.png",), requires=HEP_MODULES)

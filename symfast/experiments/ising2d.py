"""The Kramers–Wannier duality study (Betzler & Krippendorf, arXiv 2002.05169, sec. 3).

Telling apart two nearby low temperatures T0 and T0 + dT of the square-lattice
Ising model is hard from the spins; in the dual frame, configurations sampled at
the dual temperatures T0* and (T0 + dT)*, it is easier, because the energy
distributions overlap less there.  For each reference T0 and each dT the same
simple classifier is trained in three frames:

* ``original``: spins sampled at T0 and T0 + dT;
* ``dual``: spins sampled at the dual temperatures (sinh 2/T sinh 2/T* = 1);
* ``bonds``: the configuration-level dual variables of the original samples, the
  bond (domain-wall) variables s_i s_j on the links of the dual lattice; the
  energy is their sum, so the classifier can reach what the energy allows.

Beside the networks: the overlap of the two energy distributions in each frame,
the Bayes bound of any classifier that sees only the energy (1 - overlap / 2,
from large histograms), and the accuracy of the best energy threshold.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from symfast._io import write_json
from symfast._seeds import derive_seed
from symfast._validation import check_float, check_int
from symfast.analysis import threshold_accuracy
from symfast.ising import bond_variables, energy_overlap
from symfast.experiments._claims import PAPER_BK, qualitative
from symfast.experiments._common import (Checkpoint, Stages, check_config_types, config_dict,
                                         replace_config, software_versions)
from symfast.experiments._registry import StudySpec
from symfast.experiments._training import TrainingConfig, training_aliases

NAME = "ising2d"
RESUMABLE = True
FRAMES = ("original", "dual", "bonds")


@training_aliases("hidden", "epochs", "batch_size", "learning_rate")
@dataclass(frozen=True)
class Ising2DConfig:
    """Settings of the duality study."""

    L: int = 32
    T0s: tuple[float, ...] = (1.0, 1.25, 1.5, 1.75)
    delta_Ts: tuple[float, ...] = tuple(round(0.05 * k, 2) for k in range(1, 11))
    samples_per_T: int = 2000           # for the classifiers (train + test)
    histogram_samples: int = 10000      # per temperature, for the energy overlaps
    test_fraction: float = 0.25
    burn_in: int = 1000
    J: float = 1.0
    # "cnn": symfast.nn.LatticeCNN (2x2 periodic convolution, global average, dense);
    # "mlp": dense ReLU layers of widths `hidden` on the flattened input
    classifier: str = "cnn"
    cnn_width: int = 8
    cnn_hidden: int = 16
    training: TrainingConfig = field(default_factory=lambda: TrainingConfig(
        hidden=(64,), epochs=60, batch_size=64, learning_rate=3e-3))
    seed: int = 0

    @classmethod
    def quick(cls, **overrides: Any) -> "Ising2DConfig":
        """L = 16, T0 = 1.25 and 1.5, dT = 0.05 .. 0.25, 500 samples per temperature."""
        return replace_config(cls(L=16, T0s=(1.25, 1.5),
                                  delta_Ts=(0.05, 0.1, 0.15, 0.2, 0.25), samples_per_T=500,
                                  histogram_samples=4000, burn_in=500, epochs=40), **overrides)

    @classmethod
    def paper(cls, **overrides: Any) -> "Ising2DConfig":
        """L = 32, T0 = 1.0 .. 1.75, dT = 0.05 .. 0.5, 2000 samples per temperature."""
        return replace_config(cls(), **overrides)

    def validate(self) -> None:
        check_config_types(self)
        self.training.validate(self.TRAINING_USES, "ising2d")
        from symfast.ising import check_lattice_size

        check_lattice_size(self.L)
        for name in ("T0s", "delta_Ts"):
            values = getattr(self, name)
            if isinstance(values, (int, float, str)) or not len(values):
                raise ValueError(f"{name} must be a non-empty sequence of numbers, got "
                                 f"{values!r}")
            for v in values:
                check_float(v, f"{name} entry", positive=True)
        check_int(self.samples_per_T, "samples_per_T", minimum=20)
        check_int(self.histogram_samples, "histogram_samples", minimum=100)
        check_float(self.test_fraction, "test_fraction", minimum=0.05, maximum=0.5)
        check_int(self.burn_in, "burn_in", minimum=0)
        J = check_float(self.J, "J")
        if J == 0:
            raise ValueError("J must be nonzero (there is no dual temperature without coupling)")
        if self.classifier not in ("cnn", "mlp"):
            raise ValueError(f"classifier must be 'cnn' or 'mlp', got {self.classifier!r}")
        for name in ("epochs", "batch_size", "cnn_width", "cnn_hidden"):
            check_int(getattr(self, name), name, minimum=1)
        check_float(self.learning_rate, "learning_rate", positive=True)


@dataclass
class Ising2DResult:
    config: Ising2DConfig
    per_T0: dict[str, Any]
    timings: dict[str, float]
    versions: dict[str, str] = field(default_factory=software_versions)
    histograms: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"experiment": NAME, "config": config_dict(self.config),
                "T0": self.per_T0, "metric": "test accuracy after the last epoch; "
                "*_best: best over the epochs", "timings": self.timings,
                "versions": self.versions}

    def save(self, out_dir: str | Path, *, figures: bool = True) -> Path:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        if figures:
            self.plot(out)
        return write_json(out / "result.json", self.to_dict())

    def plot(self, out: Path) -> None:
        from symfast._io import save_figure
        from symfast.analysis import figure

        keys = list(self.per_T0)
        fig, axes = figure(nrows=1, ncols=len(keys), figsize=(4.2 * len(keys), 3.6),
                            squeeze=False)
        for ax, key in zip(axes[0], keys):
            r = self.per_T0[key]
            dT = r["delta_T"]
            ax.plot(dT, r["accuracy_original"], "o-", label="original (spins)")
            ax.plot(dT, r["accuracy_dual"], "s-", label="dual temperatures")
            ax.plot(dT, r["accuracy_bonds"], "^-", label="bond variables", ms=4)
            ax.plot(dT, r["bayes_original"], "C0:", label="energy Bayes bound, original")
            ax.plot(dT, r["bayes_dual"], "C1:", label="energy Bayes bound, dual")
            ax.set_xlabel("ΔT")
            ax.set_title(f"T0 = {key}  (T0* = {r['dual_T0']:.3f})")
            ax.set_ylim(0.45, 1.02)
        axes[0][0].set_ylabel("test accuracy")
        axes[0][0].legend(fontsize=7, loc="lower right")
        save_figure(fig, out / "accuracy_vs_delta_T.png", dpi=120, bbox_inches="tight")

        if self.histograms:
            fig, axes = figure(nrows=1, ncols=2, figsize=(9.0, 3.6), squeeze=False)
            for ax, frame in zip(axes[0], ("original", "dual")):
                for label, (values, counts) in self.histograms[frame].items():
                    v, c = np.asarray(values), np.asarray(counts, dtype=float)
                    ax.step(v, c / c.sum(), where="mid", label=label)
                ax.set_xlabel("energy per spin")
                ax.set_ylabel("probability")
                ax.set_title(f"{frame} frame")
                ax.legend(fontsize=7)
            fig.tight_layout()
            save_figure(fig, out / "energy_histograms.png", dpi=120, bbox_inches="tight")


def _cnn(channels: int, L: int, width: int, hidden: int, n_features: int, n_classes: int):
    from symfast.nn import LatticeCNN

    return LatticeCNN(channels, L, n_classes, width=width, hidden=hidden)


def _temperature_key(T: float) -> str:
    return f"{T:.6f}"


def run(config: Ising2DConfig, *, progress: bool = True, n_threads: int | None = None,
        checkpoint: str | Path | None = None, device: str | None = None) -> Ising2DResult:
    """Sample, classify in the three frames and compare with the energy's bounds.

    The classifiers are trained batched (:func:`symfast.nn.fit_many`, one batched fit per
    input layout), each as its lone fit would be up to rounding; ``device`` runs them on a
    torch device ("cpu" by default)."""
    from symfast.experiments._units import Unit, fit_units
    from symfast.ising import dual_temperature, energy, sample
    from symfast.nn import ScoredClassifier, check_device

    if not isinstance(config, Ising2DConfig):
        raise TypeError(f"config must be an Ising2DConfig, got {type(config).__name__}")
    config.validate()
    check_device(device)             # before hours of work, not after
    c = config
    stages = Stages(["sampling", "classifying"], enabled=progress, title="ising2d")
    ckpt = Checkpoint(checkpoint, c)

    stages.start("sampling")
    temps: dict[str, float] = {}
    for T0 in c.T0s:
        for T in [T0] + [T0 + d for d in c.delta_Ts]:
            temps[_temperature_key(T)] = T
            Td = float(dual_temperature(T, c.J))
            temps[_temperature_key(Td)] = Td
    configs: dict[str, np.ndarray] = {}
    energies: dict[str, np.ndarray] = {}
    it = sorted(temps.items(), key=lambda kv: kv[1])
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(it, desc="sampling", unit="T", leave=False)
    for key, T in it:
        seed = int(np.random.SeedSequence([c.seed, round(T * 1e6)]).generate_state(1)[0])
        n = max(c.samples_per_T, c.histogram_samples)
        s = sample(c.L, T, n, J=c.J, burn_in=c.burn_in, seed=seed, n_threads=n_threads)
        configs[key] = s[:c.samples_per_T]
        energies[key] = energy(s, J=c.J)

    stages.start("classifying")
    n_units = len(c.T0s) * len(c.delta_Ts) * len(FRAMES)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_units, desc="classifying", unit="training",
                   initial=min(len(ckpt.units), n_units))
    n = c.samples_per_T
    y = np.repeat([0, 1], n)
    splits: dict[tuple[float, float], tuple[np.ndarray, np.ndarray]] = {}
    pairs: dict[tuple[float, float], dict[str, tuple[str, str]]] = {}
    trainings: list[Unit] = []
    for T0 in c.T0s:
        for dT in c.delta_Ts:
            T1 = T0 + dT
            pair = {"original": (_temperature_key(T0), _temperature_key(T1)),
                    "dual": (_temperature_key(float(dual_temperature(T0, c.J))),
                             _temperature_key(float(dual_temperature(T1, c.J))))}
            pair["bonds"] = pair["original"]
            pairs[T0, dT] = pair
            rng = np.random.default_rng([c.seed, round(T0 * 1e6), round(dT * 1e6)])
            perm = rng.permutation(2 * n)
            n_test = int(round(c.test_fraction * 2 * n))
            test, train = perm[:n_test], perm[n_test:]
            splits[T0, dT] = (train, test)
            for f_index, frame in enumerate(FRAMES):
                key = f"T0={T0}/dT={dT}/{frame}"
                if key in ckpt:
                    continue

                def data(frame=frame, pair=pair, train=train, test=test):
                    a, b = pair[frame]
                    S = np.concatenate([configs[a], configs[b]])
                    X = bond_variables(S) if frame == "bonds" else S.reshape(2 * n, -1)
                    return X[train], y[train], X[test], y[test]

                model = None
                channels = 2 if frame == "bonds" else 1
                if c.classifier == "cnn":
                    model = partial(_cnn, channels, c.L, c.cnn_width, c.cnn_hidden)
                est = ScoredClassifier(c.hidden, max_epochs=c.epochs, batch_size=c.batch_size,
                                       learning_rate=c.learning_rate,
                                       standardize=model is None, model=model,
                                       seed=derive_seed(c.seed, "classifier", T0, dT, f_index))
                trainings.append(Unit(
                    key=key, group=channels, estimator=est, data=data,
                    size=int(train.size) * channels * c.L * c.L,
                    summary=lambda e: {"final": e.result_.final_test_accuracy,
                                       "best": e.result_.best_test_accuracy,
                                       "train": e.result_.train_accuracy}))
    # on the CPU each classifier trains alone (the CNN on its patch-pattern counts, the MLP
    # on the compiled epoch), over a thread pool; on a GPU they are stacked
    fit_units(trainings, ckpt.record_many, n_threads=n_threads, device=device,
              progress=progress, desc="classifiers",
              on_chunk=(bar.update if bar is not None else None),
              stack=False if check_device(device).type == "cpu" else None)
    if bar is not None:
        bar.close()

    per_T0: dict[str, Any] = {}
    for T0 in c.T0s:
        rows: dict[str, list] = {k: [] for k in (
            "delta_T", "accuracy_original", "accuracy_dual", "accuracy_bonds",
            "accuracy_original_best", "accuracy_dual_best", "accuracy_bonds_best",
            "overlap_original", "overlap_dual", "bayes_original", "bayes_dual",
            "threshold_original", "threshold_dual")}
        for dT in c.delta_Ts:
            pair = pairs[T0, dT]
            train, test = splits[T0, dT]
            rows["delta_T"].append(dT)
            for frame in FRAMES:
                unit = ckpt.units[f"T0={T0}/dT={dT}/{frame}"]
                rows[f"accuracy_{frame}"].append(unit["final"])
                rows[f"accuracy_{frame}_best"].append(unit["best"])
            for frame in ("original", "dual"):
                a, b = pair[frame]
                ov = energy_overlap(energies[a], energies[b])
                rows[f"overlap_{frame}"].append(ov)
                rows[f"bayes_{frame}"].append(1.0 - ov / 2)
                e = np.concatenate([energies[a][:n], energies[b][:n]])
                rows[f"threshold_{frame}"].append(
                    threshold_accuracy(e[train], y[train], e[test], y[test]))
        per_T0[str(T0)] = {"dual_T0": float(dual_temperature(T0, c.J)), **rows}
    timings = stages.done()

    hist: dict[str, Any] = {"original": {}, "dual": {}}
    for T in (1.25, 1.5):
        for frame, TT in (("original", T), ("dual", float(dual_temperature(T, c.J)))):
            key = _temperature_key(TT)
            if key in energies:
                v, cnt = np.unique(energies[key], return_counts=True)
                hist[frame][f"T = {TT:.3f}"] = (v.tolist(), cnt.tolist())
    return Ising2DResult(config=c, per_T0=per_T0, timings=timings, histograms=hist)

# -- the study as the registry, the command line and the report see it ---------------

def cli_options(p: argparse.ArgumentParser) -> None:
    """``symfast ising2d``'s own options."""
    p.add_argument("--L", type=int, default=None, help="lattice size (even)")
    p.add_argument("--T0", type=float, nargs="+", default=None, help="reference temperatures")
    p.add_argument("--samples-per-T", type=int, default=None,
                   help="configurations per temperature for the classifiers")
    p.add_argument("--max-epochs", "--epochs", dest="epochs", type=int, default=None,
                   help="classifier epochs (--epochs: the old spelling)")


def cli_overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {"L": args.L, "samples_per_T": args.samples_per_T, "epochs": args.epochs,
            "T0s": tuple(args.T0) if args.T0 else None}


def summary(data: dict, out: Path) -> str:
    """The text ``symfast ising2d`` prints."""
    lines = ["test accuracy telling T0 from T0 + dT (original | dual | bonds; energy Bayes "
             "bound original | dual):"]
    for T0, r in data["T0"].items():
        lines.append(f"  T0 = {T0} (dual {r['dual_T0']:.3f})")
        for i, dT in enumerate(r["delta_T"]):
            lines.append(f"    dT {dT:<5} {r['accuracy_original'][i]:.3f} | "
                         f"{r['accuracy_dual'][i]:.3f} | {r['accuracy_bonds'][i]:.3f}    "
                         f"{r['bayes_original'][i]:.3f} | {r['bayes_dual'][i]:.3f}")
    lines.append(f"time {data['timings']['total']:.1f} s; results in {out}/")
    return "\n".join(lines)


def claims(d: dict) -> list[dict]:
    rows = []
    for T0, r in d["T0"].items():
        n = len(r["delta_T"])
        less = sum(o_d < o_o for o_d, o_o in zip(r["overlap_dual"], r["overlap_original"]))
        rows.append(qualitative(f"T0={T0}: energy distributions overlap less in the dual frame",
                                PAPER_BK + ", Fig. 9", "smaller overlap at the dual temperatures",
                                f"smaller for {less} of {n} ΔT", less == n, "every ΔT"))
        gain = sum(a - b for a, b in zip(r["accuracy_dual"], r["accuracy_original"])) / n
        rows.append(qualitative(f"T0={T0}: classification is easier in the dual frame",
                                PAPER_BK + ", Fig. 7", "dual accuracy above original",
                                f"mean gain {gain:+.3f} over {n} ΔT", gain > 0,
                                "mean accuracy gain > 0"))
    return rows


STUDY = StudySpec(
    name="ising2d", module=__name__, config=Ising2DConfig, summary=summary, order=50,
    help="2D Ising: telling two low temperatures apart in the original and the "
         "Kramers-Wannier dual frame",
    paper_help="L = 32, T0 = 1.0..1.75, dT up to 0.5",
    add_options=cli_options, overrides=cli_overrides, claims=claims, seconds=(40.0, 110.0),
    figures=("accuracy_vs_delta_T.png", "energy_histograms.png"))

"""The n-spin Ising chain: metastability in the spin frame, the dual frame and a learned frame.

Betzler & Krippendorf (arXiv 2002.05169, sec. 4) classify states of the open
N = 18 chain with n-spin interactions as (meta)stable or not.  In the spin
variables the task needs products of n spins; in the dual variables
sigma_k = prod_l s_{k+l} a flip's energy change is a local window sum, so the
same simple network does much better.  A task-constrained autoencoder (a linear
energy head on its latent layer) trained on 80 % of all 2^18 states learns a
latent frame on which a classifier detects metastability nearly as well as in
the dual frame (their Table 3).

Every classification uses balanced datasets (half metastable) whose training
states come from the autoencoder's 80 % and whose test states come from the
other 20 %, so nothing the autoencoder saw is tested.  Accuracies are the mean
over runs of the best test accuracy over the epochs (the paper's metric); the
accuracy after the last epoch is reported beside it.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from symfast._io import write_json, write_npz
from symfast._validation import check_float, check_int
from symfast.analysis import threshold_accuracy
from symfast.experiments._claims import PAPER_BK, numeric, qualitative
from symfast.experiments._common import (Checkpoint, Stages, check_config_types, config_dict,
                                         replace_config, software_versions)
from symfast.experiments._registry import StudySpec
from symfast.experiments._training import TrainingConfig, training_aliases

NAME = "chain"
#: ``run`` takes a checkpoint file and resumes from it (see ``symfast.cli``).
RESUMABLE = True
#: Table 3 of the paper: (latent, training samples) -> {n: mean best test accuracy}.
PAPER_TABLE3: dict[tuple[int, int], dict[int, float]] = {
    (18, 600): {4: 0.9880, 5: 0.9540, 8: 0.9180, 9: 0.9072, 12: 0.9228},
    (18, 3000): {5: 0.9677, 8: 0.9527, 9: 0.9353, 12: 0.9476},
    (18, 9500): {8: 0.9607, 9: 0.9500, 12: 0.9597},
    (50, 600): {4: 0.9887, 5: 0.9526, 8: 0.9300, 9: 0.9304, 12: 0.9500},
    (50, 3000): {5: 0.9718, 8: 0.9787, 9: 0.9637, 12: 0.9829},
    (50, 9500): {8: 0.9910, 9: 0.9885, 12: 0.9968},
}
#: Fewest metastable test states for a (n, size) cell to count as available.
MIN_TEST_PER_CLASS = 20
_FRAMES = ("original", "dual", "energy")


@training_aliases("hidden", "epochs", "batch_size", "learning_rate")
@dataclass(frozen=True)
class ChainConfig:
    """Settings of the chain study (defaults: the paper's scale)."""

    N: int = 18
    ns: tuple[int, ...] = tuple(range(2, 13))
    train_sizes: tuple[int, ...] = (600, 3000, 9500)
    test_size: int = 2000                  # at most; half metastable
    train_fraction: float = 0.8            # of all 2^N states, for the autoencoder and training
    strict: bool = True
    J: float = 1.0
    B: float = 0.0
    n_runs: int = 10
    latents: tuple[int, ...] = (18, 50)
    table_ns: tuple[int, ...] = (4, 5, 8, 9, 12)
    ae_hidden: int = 128
    ae_epochs: int = 30
    ae_batch_size: int = 256
    # NAdam's step and the weight of the energy loss: with 1e-3 and weight 1 the energy head
    # stayed at the mean for 4 epochs (n = 8); 3e-3 and 10 learn it within 2 and reach a lower
    # loss after 30 epochs (energy MSE 0.009 against 0.11, standardised)
    ae_learning_rate: float = 3e-3
    ae_decay: float = 0.95
    ae_target_weight: float = 10.0
    sensitivity_N: int = 10
    sensitivity_n: int = 2
    sensitivity_epochs: int = 300
    # the simple classifier, the same in every frame
    training: TrainingConfig = field(default_factory=lambda: TrainingConfig(
        hidden=(64,), epochs=100, batch_size=64, learning_rate=1e-3))
    seed: int = 0

    @classmethod
    def quick(cls, **overrides: Any) -> "ChainConfig":
        """n = 3, 5, 8, 12 at 600 training samples, one run, latent 18 for n = 5 and 8."""
        return replace_config(cls(ns=(3, 5, 8, 12), train_sizes=(600,), test_size=1000,
                                  n_runs=1, epochs=60, latents=(18,), table_ns=(5, 8),
                                  ae_epochs=8, sensitivity_epochs=150), **overrides)

    @classmethod
    def paper(cls, **overrides: Any) -> "ChainConfig":
        """n = 2..12, 600/3000/9500 training samples, 10 runs, latent 18 and 50."""
        return replace_config(cls(), **overrides)

    def validate(self) -> None:
        check_config_types(self)
        self.training.validate(self.TRAINING_USES, "chain")
        from symfast.chain._exact import MAX_STATES_N

        N = check_int(self.N, "N", minimum=2)
        if N > MAX_STATES_N:
            raise ValueError(f"N={N} is too large for the study's whole-space arrays (2^N "
                             f"states x N spins; at most N={MAX_STATES_N}); use "
                             "symfast.chain.count_metastable for exact counts at any N")
        _check_ints(self.ns, "ns", 1, N)
        _check_ints(self.table_ns, "table_ns", 1, N)
        _check_ints(self.train_sizes, "train_sizes", 4, None)
        _check_ints(self.latents, "latents", 1, None)
        _check_ints(self.hidden, "hidden", 1, None, allow_empty=True)
        check_int(self.test_size, "test_size", minimum=2 * MIN_TEST_PER_CLASS)
        check_float(self.train_fraction, "train_fraction", minimum=0.05, maximum=0.95)
        check_float(self.J, "J")
        check_float(self.B, "B")
        for name in ("n_runs", "epochs", "batch_size", "ae_hidden", "ae_epochs",
                     "ae_batch_size", "sensitivity_epochs"):
            check_int(getattr(self, name), name, minimum=1)
        check_int(self.sensitivity_N, "sensitivity_N", minimum=2, maximum=16)
        check_int(self.sensitivity_n, "sensitivity_n", minimum=1, maximum=self.sensitivity_N)
        check_float(self.learning_rate, "learning_rate", positive=True)
        check_float(self.ae_learning_rate, "ae_learning_rate", positive=True)
        check_float(self.ae_decay, "ae_decay", positive=True, maximum=1.0)
        check_float(self.ae_target_weight, "ae_target_weight", minimum=0.0)


def _check_ints(values: Any, name: str, minimum: int, maximum: int | None,
                allow_empty: bool = False) -> None:
    if isinstance(values, (int, str)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of integers, got {values!r}")
    values = tuple(values)
    if not values and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    for v in values:
        check_int(v, f"{name} entry", minimum=minimum, maximum=maximum)


@dataclass
class ChainResult:
    config: ChainConfig
    metastable_states: dict[int, int]
    dual_vs_original: dict[str, Any]
    table3: list[dict[str, Any]]
    sensitivity: dict[str, Any]
    units: dict[str, Any]
    timings: dict[str, float]
    versions: dict[str, str] = field(default_factory=software_versions)
    arrays: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "experiment": NAME, "config": config_dict(self.config),
            "metastable_states": {str(k): v for k, v in self.metastable_states.items()},
            "dual_vs_original": self.dual_vs_original, "table3": self.table3,
            "sensitivity": self.sensitivity, "runs": self.units,
            "metric": "mean over runs of the best test accuracy over the epochs "
                      "(the paper's); *_final: after the last epoch",
            "timings": self.timings, "versions": self.versions,
        }

    def save(self, out_dir: str | Path, *, figures: bool = True) -> Path:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        write_npz(out / "sensitivity.npz", **self.arrays)
        if figures:
            self.plot(out)
        return write_json(out / "result.json", self.to_dict())

    def plot(self, out: Path) -> None:
        from symfast._io import save_figure
        from symfast.analysis import figure

        sizes = list(self.config.train_sizes)
        fig, axes = figure(nrows=1, ncols=len(sizes), figsize=(4.2 * len(sizes), 3.6),
                            squeeze=False)
        for ax, size in zip(axes[0], sizes):
            for frame, style in (("original", "o-"), ("dual", "s-"), ("energy", "k:")):
                ns, acc = [], []
                for n, row in self.dual_vs_original.items():
                    cell = row["sizes"][str(size)]
                    if cell["available"]:
                        ns.append(int(n))
                        acc.append(cell[frame if frame != "energy" else "energy_baseline"])
                label = {"original": "spins", "dual": "dual variables",
                         "energy": "threshold on the energy"}[frame]
                ax.plot(ns, acc, style, label=label, ms=4)
            ax.set_xlabel("n (spins per interaction)")
            ax.set_title(f"{size} training samples")
            ax.set_ylim(0.45, 1.02)
        axes[0][0].set_ylabel("test accuracy (metastable or not)")
        axes[0][0].legend(fontsize=8, loc="lower left")
        save_figure(fig, out / "dual_vs_original.png", dpi=120, bbox_inches="tight")

        rows = [r for r in self.table3 if r["accuracy"] is not None]
        if rows:
            fig, ax = figure(figsize=(4.6, 4.2))
            for latent, marker in zip(sorted({r["latent"] for r in rows}), "os^v"):
                sel = [r for r in rows if r["latent"] == latent and r["paper"] is not None]
                ax.scatter([r["paper"] for r in sel], [r["accuracy"] for r in sel],
                           marker=marker, label=f"latent {latent}")
            ax.plot([0.5, 1], [0.5, 1], "k--", lw=1)
            ax.set_xlabel("paper (Table 3)")
            ax.set_ylabel("symfast")
            ax.set_title("classifier on the autoencoder's latent space")
            ax.legend(fontsize=8)
            save_figure(fig, out / "table3.png", dpi=120, bbox_inches="tight")

        a = self.arrays
        fig, axes = figure(nrows=1, ncols=2, figsize=(8.4, 3.8), squeeze=False)
        for ax, key, title in ((axes[0][0], "encoder", "learned encoder"),
                               (axes[0][1], "dual", "exact dual map")):
            S = a[key]
            im = ax.imshow(S / max(S.max(), 1e-12), cmap="viridis", aspect="auto",
                           interpolation="nearest")
            ax.set_xlabel("latent / dual component (ordered)")
            ax.set_ylabel("flipped spin i")
            ax.set_title(title)
        fig.colorbar(im, ax=axes[0].tolist(), shrink=0.8, label="sensitivity (scaled)")
        save_figure(fig, out / "sensitivity.png", dpi=120, bbox_inches="tight")


def balanced_split(mask: np.ndarray, is_train: np.ndarray, train_size: int, test_size: int,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray] | None:
    """Balanced train and test state indices, or None when too few states are metastable.

    Parameters
    ----------
    mask : bool ndarray of shape (2^N,)
        Whether each state is metastable.
    is_train : bool ndarray of shape (2^N,)
        The states training may use; test states come from the rest.
    train_size : int
        Training samples (half of them metastable).
    test_size : int
        Test samples at most (half metastable; fewer when the test side has
        fewer metastable states, but at least ``MIN_TEST_PER_CLASS`` per class).
    rng : numpy Generator

    Returns
    -------
    (train, test) : two int64 arrays of state indices, or None
    """
    half = train_size // 2
    pos_tr = np.flatnonzero(mask & is_train)
    neg_tr = np.flatnonzero(~mask & is_train)
    pos_te = np.flatnonzero(mask & ~is_train)
    neg_te = np.flatnonzero(~mask & ~is_train)
    h_te = min(test_size // 2, pos_te.size, neg_te.size)
    if pos_tr.size < half or neg_tr.size < half or h_te < MIN_TEST_PER_CLASS:
        return None
    train = np.concatenate([rng.choice(pos_tr, half, replace=False),
                            rng.choice(neg_tr, half, replace=False)])
    test = np.concatenate([rng.choice(pos_te, h_te, replace=False),
                           rng.choice(neg_te, h_te, replace=False)])
    return rng.permutation(train), rng.permutation(test)


def _seed(*parts: int) -> int:
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0])


def run(config: ChainConfig, *, progress: bool = True, n_threads: int | None = None,
        checkpoint: str | Path | None = None, device: str | None = None) -> ChainResult:
    """Run the study; with ``checkpoint``, every finished unit is saved there and a rerun
    with the same config continues where the last one stopped.

    The trainings are batched (:func:`symfast.nn.fit_many`): the autoencoders of one
    latent size together, then the classifiers of one input width and training size
    together; each gives the model its lone fit would, up to rounding.  ``device`` runs
    them on a torch device ("cpu" by default)."""
    from symfast.chain import dual, energies, metastable_mask, states
    from symfast.experiments._units import Unit, fit_units
    from symfast.nn import ScoredClassifier, TaskAutoencoder, check_device, fit_many

    if not isinstance(config, ChainConfig):
        raise TypeError(f"config must be a ChainConfig, got {type(config).__name__}")
    config.validate()
    check_device(device)             # before hours of work, not after
    c = config
    stages = Stages(["enumerating", "classifying", "sensitivity"], enabled=progress,
                    title="chain")
    ckpt = Checkpoint(checkpoint, c)
    units = ckpt.units

    stages.start("enumerating")
    N = c.N
    spins = states(N)
    S = spins.astype(np.float32)
    masks, E, D = {}, {}, {}
    for n in c.ns:
        masks[n] = metastable_mask(N, n, J=c.J, B=c.B, strict=c.strict, n_threads=n_threads)
        E[n] = energies(N, n, J=c.J, B=c.B, n_threads=n_threads)
        D[n] = dual(spins, n).astype(np.float32)

    stages.start("classifying")
    latent_ns = [n for n in c.ns if n in c.table_ns]
    per_run = len(c.ns) * len(c.train_sizes) * len(_FRAMES) + \
        len(latent_ns) * len(c.latents) * len(c.train_sizes)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=per_run * c.n_runs, desc="chain", unit="unit",
                   initial=min(len(units), per_run * c.n_runs))
    done: dict[str, Any] = {}          # cheap units, recorded together

    def classifier(key: str, data: Any, tr: np.ndarray, te: np.ndarray, seed: int,
                   extra: dict[str, Any] | None = None, width: int = N) -> Unit:
        """A classifier unit on the training rows ``tr`` and test rows ``te``; ``data()``
        builds its four arrays when its chunk runs."""
        def summary(est: Any) -> dict[str, Any]:
            r = est.result_
            return {"available": True, "best": r.best_test_accuracy,
                    "final": r.final_test_accuracy, "train": r.train_accuracy,
                    "test_size": int(te.size), **(extra or {})}

        return Unit(key=key, group=("classifier", width, tr.size),
                    estimator=ScoredClassifier(c.hidden, max_epochs=c.epochs,
                                               batch_size=c.batch_size,
                                               learning_rate=c.learning_rate, seed=seed),
                    data=data, size=int(tr.size) * width, summary=summary)

    trainings: list[Unit] = []
    autoencoders: list[tuple[Any, ...]] = []
    for run_i in range(c.n_runs):
        is_train = np.random.default_rng(_seed(c.seed, run_i)).random(1 << N) < c.train_fraction
        for n in c.ns:
            splits = {size: balanced_split(masks[n], is_train, size, c.test_size,
                                           np.random.default_rng(_seed(c.seed, run_i, n, size)))
                      for size in c.train_sizes}
            for size, split in splits.items():
                tag = f"n={n}/size={size}/run={run_i}"
                for frame, X in (("original", S), ("dual", D[n])):
                    key = f"{frame}/{tag}"
                    if key in units:
                        continue
                    if split is None:
                        done[key] = {"available": False}
                    else:
                        tr, te = split

                        def data(X=X, y=masks[n], tr=tr, te=te):
                            return X[tr], y[tr], X[te], y[te]

                        trainings.append(classifier(key, data, tr, te,
                                                    _seed(c.seed, run_i, n, size, 1)))
                key = f"energy/{tag}"
                if key not in units:
                    if split is None:
                        done[key] = {"available": False}
                    else:
                        tr, te = split
                        done[key] = {"available": True, "best": threshold_accuracy(
                            E[n][tr], masks[n][tr], E[n][te], masks[n][te])}
            if n not in latent_ns:
                continue
            for latent in c.latents:
                keys = {size: f"latent{latent}/n={n}/size={size}/run={run_i}"
                        for size in c.train_sizes}
                todo = {s: k for s, k in keys.items() if k not in units}
                if not todo:
                    continue
                for size, key in todo.items():
                    if splits[size] is None:
                        done[key] = {"available": False}
                if any(splits[s] is not None for s in todo):
                    ae = TaskAutoencoder(latent, c.ae_hidden, max_epochs=c.ae_epochs,
                                         batch_size=c.ae_batch_size,
                                         learning_rate=c.ae_learning_rate, decay=c.ae_decay,
                                         target_weight=c.ae_target_weight,
                                         seed=_seed(c.seed, run_i, n, latent))
                    autoencoders.append({
                        "ae": ae, "run": run_i, "n": n, "latent": latent, "rows": is_train,
                        "splits": {s: splits[s] for s in todo if splits[s] is not None},
                        "keys": todo})
    if done:
        ckpt.record_many(done)
        if bar is not None:
            bar.update(len(done))

    # the autoencoders, batched by latent size (their data are all 2^18 states' 80 %)
    by_latent: dict[int, list[dict[str, Any]]] = {}
    for job in autoencoders:
        by_latent.setdefault(job["latent"], []).append(job)
    for latent, jobs in by_latent.items():
        for s0 in range(0, len(jobs), 8):
            chunk = jobs[s0:s0 + 8]
            if bar is not None:
                bar.set_postfix_str(f"{len(chunk)} autoencoders, latent {latent}")
            fit_many([j["ae"] for j in chunk],
                     [(S[j["rows"]], E[j["n"]][j["rows"]]) for j in chunk], n_threads=n_threads,
                     device=device, progress=progress, desc=f"autoencoders (latent {latent})")
            for j in chunk:
                ae, n = j["ae"], j["n"]
                extra = {"ae_energy_mse": ae.history_[-1]["target_mse"]}
                for size, (tr, te) in j["splits"].items():
                    def data(ae=ae, n=n, tr=tr, te=te):
                        return ae.encode(S[tr]), masks[n][tr], ae.encode(S[te]), masks[n][te]

                    trainings.append(classifier(j["keys"][size], data, tr, te,
                                                _seed(c.seed, j["run"], n, size, 2), extra,
                                                width=latent))

    if bar is not None:
        bar.set_postfix_str(f"{len(trainings)} classifiers")
    fit_units(trainings, ckpt.record_many, n_threads=n_threads, device=device,
              progress=progress, desc="classifiers",
              on_chunk=(bar.update if bar is not None else None))
    if bar is not None:
        bar.close()

    stages.start("sensitivity")
    sens, arrays = _sensitivity(c, n_threads)
    timings = stages.done()
    counts = {n: int(masks[n].sum()) for n in c.ns}
    return ChainResult(config=c, metastable_states=counts,
                       dual_vs_original=_summarise_frames(c, units, counts),
                       table3=_summarise_table3(c, units), sensitivity=sens, units=units,
                       timings=timings, arrays=arrays)


def _cell(c: ChainConfig, units: dict[str, Any], frame: str, n: int, size: int
          ) -> dict[str, Any]:
    """Mean and spread over runs of one (frame, n, size) cell."""
    recs = [units.get(f"{frame}/n={n}/size={size}/run={r}") for r in range(c.n_runs)]
    recs = [r for r in recs if r is not None and r.get("available")]
    if not recs:
        return {"available": False, "accuracy": None, "accuracy_std": None,
                "final_accuracy": None, "runs": 0}
    best = np.array([r["best"] for r in recs])
    final = [r["final"] for r in recs if "final" in r]
    return {"available": True, "accuracy": float(best.mean()),
            "accuracy_std": float(best.std(ddof=1)) if best.size > 1 else 0.0,
            "final_accuracy": float(np.mean(final)) if final else None, "runs": len(recs),
            "test_size": int(recs[0].get("test_size", 0)) or None}


def _summarise_frames(c: ChainConfig, units: dict[str, Any], counts: dict[int, int]
                      ) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in c.ns:
        sizes = {}
        for size in c.train_sizes:
            o, d, e = (_cell(c, units, f, n, size) for f in _FRAMES)
            sizes[str(size)] = {
                "available": o["available"], "original": o["accuracy"], "dual": d["accuracy"],
                "original_std": o["accuracy_std"], "dual_std": d["accuracy_std"],
                "original_final": o["final_accuracy"], "dual_final": d["final_accuracy"],
                "energy_baseline": e["accuracy"], "test_size": o.get("test_size"),
                "runs": o["runs"]}
        out[str(n)] = {"metastable_states": counts[n], "sizes": sizes}
    return out


def _summarise_table3(c: ChainConfig, units: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for latent in c.latents:
        for size in c.train_sizes:
            for n in c.ns:
                if n not in c.table_ns:
                    continue
                cell = _cell(c, units, f"latent{latent}", n, size)
                dual_cell = _cell(c, units, "dual", n, size)
                rows.append({"latent": latent, "train_size": size, "n": n,
                             "accuracy": cell["accuracy"], "accuracy_std": cell["accuracy_std"],
                             "final_accuracy": cell["final_accuracy"],
                             "paper": PAPER_TABLE3.get((latent, size), {}).get(n),
                             "dual": dual_cell["accuracy"], "available": cell["available"],
                             "runs": cell["runs"]})
    return rows


def _sensitivity(c: ChainConfig, n_threads: int | None
                 ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Sensitivity of a learned encoder and of the exact dual map (small chain)."""
    from symfast.chain import dual, energies, states
    from symfast.nn import TaskAutoencoder, sensitivity

    Ns, ns = c.sensitivity_N, c.sensitivity_n
    spins = states(Ns)
    ae = TaskAutoencoder(Ns, c.ae_hidden, max_epochs=c.sensitivity_epochs, batch_size=64,
                         learning_rate=c.ae_learning_rate, decay=c.ae_decay ** (30 / max(
                             c.sensitivity_epochs, 1)),   # the same total decay as 30 epochs
                         target_weight=c.ae_target_weight, seed=_seed(c.seed, 99),
                         n_threads=n_threads)
    ae.fit(spins.astype(np.float32), energies(Ns, ns, J=c.J, B=c.B))
    S_enc = sensitivity(lambda x: ae.encode(x.astype(np.float32)), spins)
    S_dual = sensitivity(lambda x: dual(x, ns), spins)
    # order columns by the spin they respond to most, so a local map shows as a band
    S_enc = S_enc[:, np.lexsort((-S_enc.max(0), S_enc.argmax(0)))]
    sigma = dual(spins, ns).astype(np.float64)
    summary = {"N": Ns, "n": ns, "encoder_locality": _locality(S_enc, ns),
               "dual_locality": _locality(S_dual, ns),
               "dual_r2_from_latent": _linear_r2(ae.encode(spins.astype(np.float32)), sigma),
               "dual_r2_from_spins": _linear_r2(spins.astype(np.float64), sigma),
               "energy_mse": ae.history_[-1]["target_mse"],
               "note": "locality: mean over components of the share of a component's "
                       "sensitivity carried by its n most influential spins; dual_r2: mean "
                       "over k of the R^2 of the best affine fit of sigma_k, over all states"}
    return summary, {"encoder": S_enc, "dual": S_dual}


def _linear_r2(Z: np.ndarray, T: np.ndarray) -> float:
    """Mean over the columns of T of the R^2 of their least-squares affine fit on Z."""
    A = np.column_stack([Z.astype(np.float64), np.ones(Z.shape[0])])
    coef, *_ = np.linalg.lstsq(A, T, rcond=None)
    resid = ((T - A @ coef) ** 2).sum(0)
    var = ((T - T.mean(0)) ** 2).sum(0)
    keep = var > 0
    return float(np.mean(1 - resid[keep] / var[keep]))


def _locality(S: np.ndarray, n: int) -> float:
    total = S.sum(0)
    keep = total > 1e-6 * max(total.max(), 1e-300)
    top = np.sort(S, axis=0)[::-1][:n].sum(0)
    return float(np.mean(top[keep] / total[keep])) if keep.any() else float("nan")

# -- the study as the registry, the command line and the report see it ---------------

def cli_options(p: argparse.ArgumentParser) -> None:
    """``symfast chain``'s own options."""
    p.add_argument("--n", type=int, nargs="+", default=None, metavar="N",
                   help="interaction lengths n to study")
    p.add_argument("--runs", type=int, default=None, help="runs to average over")
    p.add_argument("--max-epochs", "--epochs", dest="epochs", type=int, default=None,
                   help="classifier epochs (--epochs: the old spelling)")
    p.add_argument("--ae-epochs", type=int, default=None, help="autoencoder epochs")


def cli_overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {"n_runs": args.runs, "epochs": args.epochs, "ae_epochs": args.ae_epochs,
            "ns": tuple(args.n) if args.n else None}


def summary(data: dict, out: Path) -> str:
    def fmt(v):
        return "  -   " if v is None else f"{v:.4f}"

    lines = ["metastability, mean best test accuracy (spins | dual | energy threshold):"]
    for n, row in data["dual_vs_original"].items():
        cells = []
        for size, cell in row["sizes"].items():
            cells.append(f"{size}: " + (f"{fmt(cell['original'])} | {fmt(cell['dual'])} | "
                                        f"{fmt(cell['energy_baseline'])}"
                                        if cell["available"] else "unavailable"))
        lines.append(f"  n={n:<3} ({row['metastable_states']} metastable)  " + ";  ".join(cells))
    lines.append("Table 3, classifier on the autoencoder's latent space (symfast | paper):")
    for r in data["table3"]:
        lines.append(f"  latent {r['latent']:<3} {r['train_size']:>5} samples  n={r['n']:<3} "
                     f"{fmt(r['accuracy'])} | {fmt(r['paper'])}")
    s = data["sensitivity"]
    lines.append(f"sensitivity (N={s['N']}, n={s['n']}): locality of the learned encoder "
                 f"{s['encoder_locality']:.3f}, of the exact dual {s['dual_locality']:.3f}")
    lines.append(f"time {data['timings']['total']:.1f} s; results in {out}/")
    return "\n".join(lines)


def claims(d: dict) -> list[dict]:
    rows = []
    for n, r in d["dual_vs_original"].items():
        cells = [c for c in r["sizes"].values() if c["available"]]
        if cells:
            wins = all(c["dual"] > c["original"] for c in cells)
            rows.append(qualitative(
                f"chain n={n}: metastability is easier in the dual variables",
                PAPER_BK + ", sec. 4", "dual > spins",
                "; ".join(f"{c['dual']:.3f} vs {c['original']:.3f}" for c in cells), wins,
                "dual accuracy above spin accuracy at every available size"))
    for r in d["table3"]:
        if r["paper"] is not None:
            rows.append(numeric(f"Table 3: latent {r['latent']}, {r['train_size']} samples, "
                                f"n={r['n']}", PAPER_BK + ", Table 3", r["paper"],
                                r["accuracy"], 0.02))
    return rows


STUDY = StudySpec(
    name="chain", module=__name__, config=ChainConfig, summary=summary, order=40,
    help="n-spin Ising chain: metastability in the spin, dual and autoencoder frames "
         "(Table 3)",
    paper_help="n = 2..12, three sizes, 10 runs, latent 18 and 50",
    add_options=cli_options, overrides=cli_overrides, claims=claims, seconds=(17.0, 470.0),
    figures=("dual_vs_original.png", "table3.png", "sensitivity.png"))

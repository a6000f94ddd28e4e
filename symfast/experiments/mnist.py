"""Rotated MNIST: the symmetry pipeline generalised to images (Krippendorf & Syvaeri, sec. 3.3).

Each digit is rotated by many angles; its orbit (a closed curve in pixel
space) is reduced by PCA to 3 dimensions, and the paper's hyperplane-filtered
pair regression extracts the dominant generator of the orbit.  The paper finds
one clearly dominant, nearly antisymmetric 3x3 generator.  Reported per digit:
the explained-variance ratio of the dominant component of the candidate PCA,
the antisymmetry ||(T - T^T)/2|| / ||T|| of the dominant generator (1 for a
rotation generator), the plane-fit residual, and how many generators the
automatic count rule would accept.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from symfast._io import write_json, write_npz
from symfast._seeds import derive_seed
from symfast._validation import check_int
from symfast.experiments._claims import PAPER_KS, qualitative
from symfast.experiments._registry import StudySpec
from symfast.experiments._common import (Stages, check_config_types, config_dict, replace_config,
                                         software_versions)

NAME = "mnist"


@dataclass(frozen=True)
class MnistConfig:
    """Settings of the rotated-MNIST study."""

    n_digits: int = 200
    n_angles: int = 360
    n_components: int = 3
    n_planes: int = 200
    method: str = "pairs"
    data: str | None = None
    # without the MNIST files, stop (True) or fall back to scikit-learn's 8x8 digits,
    # saying so in the output and in result.json (False)
    require_mnist: bool = False
    seed: int = 0

    @classmethod
    def quick(cls, **overrides: Any) -> "MnistConfig":
        """20 digits, 72 angles; the 8x8 digits stand in when MNIST is missing."""
        return replace_config(cls(n_digits=20, n_angles=72), **overrides)

    @classmethod
    def paper(cls, **overrides: Any) -> "MnistConfig":
        """200 digits, 360 angles (one per degree), on MNIST only."""
        return replace_config(cls(require_mnist=True), **overrides)

    def validate(self) -> None:
        check_config_types(self)
        check_int(self.n_digits, "n_digits", minimum=1)
        check_int(self.n_angles, "n_angles", minimum=8)
        check_int(self.n_components, "n_components", minimum=2)
        check_int(self.n_planes, "n_planes", minimum=1)
        if self.method not in ("pairs", "tangent", "auto"):
            raise ValueError(f"method must be pairs, tangent or auto, got {self.method!r}")


@dataclass
class MnistResult:
    config: MnistConfig
    source: str
    digits: np.ndarray                 # (n,) indices into the image set
    labels: np.ndarray                 # (n,)
    dominant_evr: np.ndarray           # (n,) explained-variance ratio of component 1
    second_evr: np.ndarray             # (n,)
    antisymmetry: np.ndarray           # (n,)
    residual: np.ndarray               # (n,) median plane-fit residual
    auto_count: np.ndarray             # (n,) generators accepted by the count rule
    pca_variance: np.ndarray           # (n,) variance of the orbit kept by the 3 components
    generators: np.ndarray             # (n, c, c) dominant generator per digit
    orbits: np.ndarray                 # (n_show, n_angles, c) a few reduced orbits
    timings: dict[str, float]
    versions: dict[str, str] = field(default_factory=software_versions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "experiment": NAME, "config": config_dict(self.config), "source": self.source,
            "n_digits": int(self.digits.size),
            "dominant_explained_variance": float(np.mean(self.dominant_evr)),
            "dominant_explained_variance_median": float(np.median(self.dominant_evr)),
            "second_explained_variance": float(np.mean(self.second_evr)),
            "antisymmetry": float(np.mean(self.antisymmetry)),
            "antisymmetry_median": float(np.median(self.antisymmetry)),
            "fraction_antisymmetric_above_0_9": float(np.mean(self.antisymmetry > 0.9)),
            "plane_residual_median": float(np.median(self.residual)),
            "auto_count_histogram": {str(k): int(v) for k, v in
                                     zip(*np.unique(self.auto_count, return_counts=True))},
            "pca_variance_kept": float(np.mean(self.pca_variance)),
            "per_digit": {"index": self.digits.tolist(), "label": self.labels.tolist(),
                          "dominant_evr": self.dominant_evr.tolist(),
                          "antisymmetry": self.antisymmetry.tolist(),
                          "residual": self.residual.tolist(),
                          "auto_count": self.auto_count.tolist()},
            "timings": self.timings, "versions": self.versions,
        }

    def save(self, out_dir: str | Path, *, figures: bool = True) -> Path:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        write_npz(out / "generators.npz", generators=self.generators, digits=self.digits,
                  labels=self.labels, orbits=self.orbits)
        if figures:
            self.plot(out)
        write_json(out / "result.json", self.to_dict())
        return out / "result.json"

    def plot(self, out: Path) -> None:
        from symfast._io import save_figure
        from symfast.analysis import figure

        n_show = min(4, self.generators.shape[0])
        fig, axes = figure(nrows=2, ncols=n_show, figsize=(3.0 * n_show, 6.0), squeeze=False)
        for j in range(n_show):
            ax = axes[0, j]
            orb = self.orbits[j]
            ax.plot(orb[:, 0], orb[:, 1], "-", lw=0.8)
            ax.scatter(orb[:, 0], orb[:, 1], c=np.arange(orb.shape[0]), s=6, cmap="twilight")
            ax.set_title(f"digit {self.labels[j]}: orbit (PC1, PC2)", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            T = self.generators[j]
            v = float(np.abs(T).max()) or 1.0
            axes[1, j].imshow(T, cmap="RdBu_r", vmin=-v, vmax=v)
            axes[1, j].set_title(f"T (antisym. {self.antisymmetry[j]:.2f})", fontsize=9)
            axes[1, j].set_xticks([])
            axes[1, j].set_yticks([])
        save_figure(fig, out / "orbits_generators.png", dpi=120, bbox_inches="tight")
        fig, axes = figure(ncols=2, figsize=(9.0, 3.4))
        axes[0].hist(self.dominant_evr, bins=20, range=(0, 1), color="tab:blue")
        axes[0].set_xlabel("explained variance ratio of the dominant generator")
        axes[1].hist(self.antisymmetry, bins=20, range=(0, 1), color="tab:red")
        axes[1].set_xlabel("antisymmetry ||(T - T^T)/2|| / ||T||")
        for ax in axes:
            ax.set_ylabel("digits")
        save_figure(fig, out / "dominance_antisymmetry.png", dpi=120, bbox_inches="tight")


def run(config: MnistConfig, *, progress: bool = True,
        n_threads: int | None = None) -> MnistResult:
    """Rotate, reduce and regress every chosen digit; returns the result."""
    from symfast.symmetry import find_generators
    from symfast.images import load_images, pca_reduce, pick, rotation_orbit

    if not isinstance(config, MnistConfig):
        raise TypeError(f"config must be a MnistConfig, got {type(config).__name__}")
    config.validate()
    stages = Stages(["loading", "orbits and generators"], enabled=progress, title="mnist")
    stages.start("loading")
    images, labels, source = load_images(config.data)
    if source != "mnist" and config.require_mnist:
        from symfast._config import DATA_ENV

        raise FileNotFoundError(
            "the MNIST test set (t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]) "
            f"was not found in {DATA_ENV}/mnist (set {DATA_ENV} or give data=); this run "
            "does not substitute other digits (require_mnist=True, as for --paper)")
    if source != "mnist" and progress:
        import sys

        print("[!] mnist: MNIST not found; using scikit-learn's 8x8 digits instead",
              file=sys.stderr, flush=True)
    idx = pick(labels, min(config.n_digits, labels.size), seed=config.seed)
    stages.start("orbits and generators")
    c = config.n_components
    rows: dict[str, list] = {k: [] for k in ("evr1", "evr2", "anti", "res", "auto", "pcv",
                                             "gen", "orb")}
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=idx.size, desc="digits", unit="digit", leave=False)
    for n, i in enumerate(idx):
        orbit = rotation_orbit(images[i], config.n_angles)
        Z, _, evr = pca_reduce(orbit, c)
        forced = find_generators(Z, method=config.method, n_planes=config.n_planes,
                                 n_generators=1, seed=derive_seed(config.seed, "digit", n),
                                 n_threads=n_threads)
        auto = find_generators(Z, method=config.method, n_planes=config.n_planes,
                               seed=derive_seed(config.seed, "digit", n), n_threads=n_threads)
        T = forced.generators[0] if forced.n_generators else np.zeros((c, c))
        spec = forced.explained_variance_ratio
        rows["evr1"].append(float(spec[0]) if spec.size else 0.0)
        rows["evr2"].append(float(spec[1]) if spec.size > 1 else 0.0)
        rows["anti"].append(float(np.linalg.norm(0.5 * (T - T.T)) / max(np.linalg.norm(T),
                                                                          1e-300)))
        rows["res"].append(float(forced.diagnostics.get("median_plane_residual", np.nan)))
        rows["auto"].append(auto.n_generators)
        rows["pcv"].append(float(evr.sum()))
        rows["gen"].append(T)
        if n < 4:
            rows["orb"].append(Z)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    timings = stages.done()
    return MnistResult(
        config=config, source=source, digits=idx, labels=labels[idx].astype(np.int64),
        dominant_evr=np.array(rows["evr1"]), second_evr=np.array(rows["evr2"]),
        antisymmetry=np.array(rows["anti"]), residual=np.array(rows["res"]),
        auto_count=np.array(rows["auto"], dtype=np.int64), pca_variance=np.array(rows["pcv"]),
        generators=np.array(rows["gen"]), orbits=np.array(rows["orb"]), timings=timings)

# -- the study as the registry, the command line and the report see it ---------------

def cli_options(p: argparse.ArgumentParser) -> None:
    """``symfast mnist``'s own options."""
    p.add_argument("--n-digits", type=int, default=None, help="digits to rotate")
    p.add_argument("--n-angles", type=int, default=None, help="angles per digit")
    p.add_argument("--data", default=None,
                   help="directory with the MNIST IDX files (default $SYMFAST_DATA/mnist; "
                        "--quick falls back to scikit-learn's 8x8 digits and says so)")


def cli_overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {"n_digits": args.n_digits, "n_angles": args.n_angles, "data": args.data}


def summary(data: dict, out: Path) -> str:
    """The text ``symfast mnist`` prints."""
    note = ("" if data["source"] == "mnist" else
            f"note: MNIST was not found; these are {data['source']} images instead "
            "(--paper refuses to substitute them)\n")
    return note + (
        f"{data['source']}: {data['n_digits']} digits x {data['config']['n_angles']} angles; "
        f"dominant generator explains {data['dominant_explained_variance']:.3f} of the "
        f"candidate variance (mean; next {data['second_explained_variance']:.3f}), "
        f"antisymmetry {data['antisymmetry']:.3f} (mean; "
        f"{data['fraction_antisymmetric_above_0_9']:.0%} above 0.9)\n"
        f"time {data['timings']['total']:.1f} s; results in {out}/")


def claims(d: dict) -> list[dict]:
    dom, nxt = d["dominant_explained_variance"], d["second_explained_variance"]
    return [qualitative("rotated digits: one dominant generator (the rotation)",
                        PAPER_KS + ", sec. 5", "one dominant, antisymmetric generator",
                        f"explained variance {dom:.3f} (next {nxt:.3f}), antisymmetry "
                        f"{d['antisymmetry']:.3f}", dom > 1.5 * nxt and d["antisymmetry"] > 0.9,
                        "dominant > 1.5 x next and antisymmetry > 0.9")]


STUDY = StudySpec(
    name="mnist", module=__name__, config=MnistConfig, summary=summary, order=20,
    help="rotated MNIST: the dominant generator of each digit's rotation orbit",
    paper_help="the published scale (needs MNIST)",
    add_options=cli_options, overrides=cli_overrides, claims=claims, seconds=(25.0, 300.0),
    paper_data="mnist")

"""Figures of what was learned: t-SNE of the embedding, the input classes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from symfast._io import save_figure
from symfast._validation import check_array, check_int, check_seed


def figure(**kwargs):
    """``plt.subplots(**kwargs)`` on the non-interactive Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(**kwargs)


def tsne_2d(embedding: np.ndarray, *, seed: int = 0, perplexity: float = 30.0,
            n_threads: int | None = None) -> np.ndarray:
    """t-SNE (scikit-learn) of an embedding to 2D: returns shape (n_samples, 2)."""
    from sklearn.manifold import TSNE

    E = check_array(embedding, "embedding", ndim=2, min_rows=2)
    perp = min(perplexity, max(1.0, (E.shape[0] - 1) / 3.0))
    kwargs = dict(n_components=2, perplexity=perp, init="pca", random_state=check_seed(seed))
    if n_threads is not None:
        kwargs["n_jobs"] = n_threads
    return TSNE(**kwargs).fit_transform(E)


def plot_embedding_tsne(embedding: np.ndarray, labels: np.ndarray,
                        path: str | os.PathLike, *, class_names: Sequence[str] | None = None,
                        max_points: int = 3000, seed: int = 0, title: str = "") -> Path:
    """Save a t-SNE picture of ``embedding`` coloured by ``labels`` as PNG.

    At most ``max_points`` points (a stratified random subset) are embedded,
    which keeps t-SNE to seconds.
    """
    E = check_array(embedding, "embedding", ndim=2)
    lab = np.asarray(labels)
    max_points = check_int(max_points, "max_points", minimum=10)
    rng = np.random.default_rng(seed)
    idx = np.arange(E.shape[0])
    if idx.size > max_points:
        idx = np.sort(rng.choice(idx, size=max_points, replace=False))
    Y = tsne_2d(E[idx], seed=seed)
    fig, ax = figure(figsize=(6.5, 5.5))
    _scatter_classes(ax, Y, lab[idx], class_names)
    ax.set_title(title or "t-SNE of the embedding layer")
    ax.set_xticks([])
    ax.set_yticks([])
    return save_figure(fig, path, dpi=120, bbox_inches="tight")


def plot_input_classes(X: np.ndarray, labels: np.ndarray, path: str | os.PathLike, *,
                       class_names: Sequence[str] | None = None, title: str = "",
                       max_points: int = 5000, seed: int = 0) -> Path:
    """Save the first two input coordinates of the samples, coloured by class, as PNG."""
    X = check_array(X, "X", ndim=2)
    lab = np.asarray(labels)
    rng = np.random.default_rng(seed)
    idx = np.arange(X.shape[0])
    if idx.size > max_points:
        idx = rng.choice(idx, size=max_points, replace=False)
    fig, ax = figure(figsize=(6.5, 5.5))
    _scatter_classes(ax, X[idx, :2], lab[idx], class_names)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    ax.set_title(title or "input samples by class")
    return save_figure(fig, path, dpi=120, bbox_inches="tight")


def _scatter_classes(ax, Y: np.ndarray, lab: np.ndarray,
                     class_names: Sequence[str] | None) -> None:
    import matplotlib.pyplot as plt

    classes = np.unique(lab)
    cmap = plt.get_cmap("viridis", max(len(classes), 2))
    for i, c in enumerate(classes):
        m = lab == c
        name = class_names[int(c)] if class_names is not None else str(c)
        ax.scatter(Y[m, 0], Y[m, 1], s=3, color=cmap(i), label=name, rasterized=True)
    ax.legend(markerscale=4, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5),
              frameon=False)


def plot_generators(generators: np.ndarray, path: str | os.PathLike, *,
                    title: str = "", feature_names: Sequence[str] | None = None) -> Path:
    """Heat maps of generators (k, d, d), one panel each, on one symmetric colour scale.

    Rows and columns are labelled with ``feature_names`` (default x1 .. xd): entry
    (i, j) of T is how much feature j moves feature i, dx_i = T_ij x_j.
    """
    G = check_array(generators, "generators", ndim=3)
    k, d = G.shape[0], G.shape[1]
    if feature_names is None:
        names = [f"$x_{{{i + 1}}}$" for i in range(d)]
    else:
        names = [str(n) for n in feature_names]
        if len(names) != d:
            raise ValueError(f"feature_names must name the {d} features, got {len(names)}")
    fig, axes = figure(ncols=max(k, 1), figsize=(2.6 * max(k, 1) + 0.8 + 0.05 * d, 2.9),
                       squeeze=False)
    vmax = float(np.abs(G).max()) if k else 1.0
    im = None
    small = 8 if d <= 8 else 6
    for a, ax in enumerate(axes[0]):
        if a < k:
            im = ax.imshow(G[a], cmap="RdBu_r", vmin=-vmax, vmax=vmax)
            ax.set_title(f"$T_{{{a + 1}}}$")
            ticks = range(d) if d <= 24 else range(0, d, max(1, d // 12))
            ax.set_xticks(list(ticks), [names[i] for i in ticks], rotation=90, fontsize=small)
            ax.set_yticks(list(ticks), [names[i] for i in ticks] if a == 0 else [],
                          fontsize=small)
        else:
            ax.text(0.5, 0.5, "no generator", ha="center", va="center")
            ax.axis("off")
    if im is not None:
        fig.colorbar(im, ax=list(axes[0]), shrink=0.8, label="$T_{ij}$ (row i moves with column j)")
    fig.suptitle(title or "discovered generators")
    return save_figure(fig, path, dpi=120, bbox_inches="tight")


def _route_name(result) -> str:
    """The route a SymmetryResult took, as the spectrum's title says it."""
    diag = getattr(result, "diagnostics", {}) or {}
    if result.method == "pairs":
        return "pair regression (hyperplane-filtered)"
    normals = {"surrogate": "surrogate-fit normals", "local PCA": "local-PCA normals",
               "given": "given normals"}.get(str(diag.get("normals", "")), "")
    return f"{result.method} fields" + (f", {normals}" if normals else "")


def plot_spectrum(result, path: str | os.PathLike) -> Path:
    """The method's spectrum (``SymmetryResult.explained_variance_ratio``), the count marked.

    Components are numbered with integer ticks; the kept ones are red.  The cut that chose
    the count is drawn: for the tangent route the acceptance threshold on the residuals
    (a horizontal line, in the same units as the bars), for pair regression the largest
    gap (a vertical line after the last kept component).  The title names the route.
    """
    from matplotlib.ticker import MaxNLocator

    spec = np.asarray(result.explained_variance_ratio, dtype=float)
    diag = getattr(result, "diagnostics", {}) or {}
    count = int(result.n_generators)
    fig, ax = figure(figsize=(6.0, 3.6))
    if spec.size:
        idx = np.arange(1, spec.size + 1)
        colors = ["tab:red" if i <= count else "tab:gray" for i in idx]
        ax.bar(idx, np.maximum(spec, 1e-300), color=colors)
        ax.set_yscale("log")
        ax.set_xlabel("component")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        what = ("explained variance ratio of the candidates" if result.method == "pairs"
                else "share of squared residual (small = generator)")
        ax.set_ylabel(what, fontsize=8)
        sv = diag.get("singular_values") or []
        thr = diag.get("threshold")
        if result.method != "pairs" and thr and sv and sv[0] > 0 and spec[0] > 0:
            # spec = s^2 / sum(s^2), so a threshold t on s is t^2 * spec[0] / s[0]^2 here
            level = float(thr) ** 2 * spec[0] / float(sv[0]) ** 2
            ax.axhline(level, color="k", ls="--", lw=1,
                       label=f"acceptance threshold (residual {float(thr):.2g})")
        if 0 < count < spec.size:
            ax.axvline(count + 0.5, color="tab:red", ls=":", lw=1.2,
                       label=f"count {count}: largest gap")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="upper right" if result.method == "pairs" else "upper left")
    ax.set_title(f"{_route_name(result)}: {count} generator(s), {result.algebra}", fontsize=9)
    return save_figure(fig, path, dpi=120, bbox_inches="tight")


def plot_learning_curve(curve: dict, path: str | os.PathLike, *, title: str = "") -> Path:
    """Held-out error against training size, invariant model beside the unconstrained one
    (what :func:`symfast.nn.invariant_learning_curve` returns), log-log."""
    fig, ax = figure(figsize=(5.2, 3.8))
    n = np.asarray(curve["sizes"])
    ax.plot(n, np.maximum(curve["invariant"], 1e-12), "o-", color="tab:red",
            label=f"on the {curve.get('n_invariants', '')} invariants")
    ax.plot(n, np.maximum(curve["unconstrained"], 1e-12), "s--", color="tab:gray",
            label="same network, raw inputs")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(n, [str(int(v)) for v in n])
    ax.set_xlabel("training samples")
    ax.set_ylabel(curve.get("metric", "held-out error"))
    ax.legend(fontsize=8)
    ax.set_title(title or "learning curve", fontsize=9)
    return save_figure(fig, path, dpi=120, bbox_inches="tight")

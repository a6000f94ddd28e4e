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
                    title: str = "") -> Path:
    """Heat maps of generators (k, d, d), one panel each, on one symmetric colour scale."""
    G = np.asarray(generators, dtype=float)
    k = G.shape[0]
    fig, axes = figure(ncols=max(k, 1), figsize=(2.6 * max(k, 1) + 0.8, 2.9), squeeze=False)
    vmax = float(np.abs(G).max()) if k else 1.0
    im = None
    for a, ax in enumerate(axes[0]):
        if a < k:
            im = ax.imshow(G[a], cmap="RdBu_r", vmin=-vmax, vmax=vmax)
            ax.set_title(f"$T_{{{a + 1}}}$")
            ax.set_xticks(range(G.shape[2]))
            ax.set_yticks(range(G.shape[1]))
        else:
            ax.text(0.5, 0.5, "no generator", ha="center", va="center")
            ax.axis("off")
    if im is not None:
        fig.colorbar(im, ax=list(axes[0]), shrink=0.8)
    fig.suptitle(title or "discovered generators")
    return save_figure(fig, path, dpi=120, bbox_inches="tight")


def plot_spectrum(result, path: str | os.PathLike) -> Path:
    """The method's spectrum (SymmetryResult.explained_variance_ratio), the count marked."""
    spec = np.asarray(result.explained_variance_ratio, dtype=float)
    fig, ax = figure(figsize=(6.0, 3.6))
    if spec.size:
        idx = np.arange(1, spec.size + 1)
        colors = ["tab:red" if i <= result.n_generators else "tab:gray" for i in idx]
        ax.bar(idx, np.maximum(spec, 1e-300), color=colors)
        ax.set_yscale("log")
        ax.set_xlabel("component")
        what = ("explained variance ratio of the candidates" if result.method == "pairs"
                else "share of squared residual (small = generator)")
        ax.set_ylabel(what, fontsize=8)
    ax.set_title(f"{result.method}: {result.n_generators} generator(s), {result.algebra}")
    return save_figure(fig, path, dpi=120, bbox_inches="tight")

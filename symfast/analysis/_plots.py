"""Figures of what was learned: t-SNE of the embedding, the input classes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from symfast._io import save_figure
from symfast._validation import check_array, check_int, check_seed


def _figure(**kwargs):
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
    fig, ax = _figure(figsize=(6.5, 5.5))
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
    fig, ax = _figure(figsize=(6.5, 5.5))
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

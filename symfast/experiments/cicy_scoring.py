"""The paper's neighbour analysis of a CICY embedding: do a manifold's matrices sit together?

It reads a learned embedding with the analysis layer's neighbour search, so it belongs to
the studies (``symfast cicy``, ``symfast identifier``), not to the domain package
:mod:`symfast.cicy` (which served these names before; they still work there, with a
DeprecationWarning, for one release).

For each point, its nearest neighbours in the embedding are cut at the largest jump in
distance; the point's accuracy is the share of those neighbours on its own manifold.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np


def fraction_above(acc: np.ndarray, level: float = 0.95) -> float:
    """Share of the finite values above ``level`` (NaN: manifolds with no scored point)."""
    acc = acc[np.isfinite(acc)]
    return float(np.mean(acc > level)) if acc.size else float("nan")


def manifold_means(point_acc: np.ndarray, owner: np.ndarray, n_manifolds: int) -> np.ndarray:
    """Mean of the finite point accuracies of each manifold: (n_manifolds,), NaN where none."""
    ok = np.isfinite(point_acc)
    s = np.bincount(owner[ok], weights=point_acc[ok], minlength=n_manifolds)
    c = np.bincount(owner[ok], minlength=n_manifolds)
    return np.where(c > 0, s / np.maximum(c, 1), np.nan)


def neighbor_accuracy(E: np.ndarray, owner: np.ndarray, scored: np.ndarray, *, k: int = 250,
                       exact_search_max: int = 150_000, seed: int = 0,
                       n_threads: int | None = None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
    """The paper's analysis: for each ``scored`` point, its k nearest neighbours in the
    embedding, cut at the largest jump in distance; the accuracy of a point is the share
    of the neighbours before the jump that belong to its own manifold.

    Parameters
    ----------
    E : ndarray of shape (n, d)
        The embedding.
    owner : ndarray of shape (n,), int
        The manifold of each point.
    scored : ndarray of shape (n,), bool
        Points that get an accuracy (the paper scores correctly classified ones).
    k : int, default=250
        Neighbours listed per point (at most n - 1).
    exact_search_max : int, default=150000
        Up to this many points, exact search; above, a FAISS IVF index tuned to
        recall 0.99 (seeded by ``seed``).
    n_threads : int, optional

    Returns
    -------
    D, I : ndarray of shape (n, k)
        Neighbour distances (Euclidean, ascending) and indices.
    n_same : ndarray of shape (n,), int64
        Neighbours before the largest jump.
    point_acc : ndarray of shape (n,)
        NaN for points not scored.
    search : dict
        How the neighbours were found, and how long it took.
    """
    from symfast.analysis import exact_distances, knn, knn_ivf, largest_jump

    kk = min(k, E.shape[0] - 1)
    t0 = time.perf_counter()
    if E.shape[0] <= exact_search_max:
        D, I = knn(E, kk, n_threads=n_threads)
        search = {"k": kk, "method": "exact (FAISS IndexFlatL2)", "recall": 1.0}
    else:
        D, I, info = knn_ivf(E, kk, target_recall=0.99, seed=seed, n_threads=n_threads)
        search = {"k": kk, "method": "FAISS IndexIVFFlat, nprobe tuned to recall 0.99", **info}
    # the cut compares distances between near-duplicates: float32 FAISS distances are
    # rounding noise there, so the listed pairs are measured again in float64
    D, I = exact_distances(E, I, n_threads=n_threads)
    search["seconds"] = time.perf_counter() - t0
    n_same = largest_jump(D)
    hits = matches_before_jump(owner, I, n_same)
    point_acc = np.where(scored, hits / n_same, np.nan)
    return D, I, n_same, point_acc, search


def matches_before_jump(labels: np.ndarray, I: np.ndarray, n_same: np.ndarray) -> np.ndarray:
    """For each query, how many of its first ``n_same`` neighbours (``I``, -1 = missing)
    carry the query's own label: (n,) int64."""
    hits = np.empty(len(n_same), dtype=np.int64)
    rank = np.arange(I.shape[1])
    for s in range(0, len(n_same), 65_536):       # blocks: (n, k) temporaries reach GBs
        blk = slice(s, s + 65_536)
        Ib = I[blk]
        same = (labels[Ib] == labels[blk, None]) & (Ib >= 0) & (rank < n_same[blk, None])
        hits[blk] = same.sum(axis=1)
    return hits


def feature_ids(X: np.ndarray) -> np.ndarray:
    """Index of each row's distinct value: (n,) int64; equal rows share an index."""
    rows = np.ascontiguousarray(X)
    _, inverse = np.unique(rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))),
                           return_inverse=True)
    return inverse.ravel().astype(np.int64)


def copies_only(feature_id: np.ndarray, I: np.ndarray, n_same: np.ndarray) -> np.ndarray:
    """Whether every neighbour before the largest jump has the query's own features: (n,)."""
    return matches_before_jump(feature_id, I, n_same) == n_same


def distinct_inputs(feature_id: np.ndarray, E: np.ndarray, owner: np.ndarray,
                    scored: np.ndarray, *, k: int = 250, exact_search_max: int = 150_000,
                    seed: int = 0, n_threads: int | None = None) -> dict[str, Any]:
    """The neighbour analysis again, on one point per distinct (manifold, feature vector).

    Graph features do not change under row and column permutations, so many matrices
    of a manifold share one feature vector (one ``feature_id``, see :func:`feature_ids`)
    and sit at distance 0 (up to rounding) from each other.  With those copies merged,
    a point's "same manifold" neighbours can only be matrices that differ from it by
    hyperplane identities: this asks whether the network itself put different inputs
    of one manifold together.  Manifolds with a single distinct vector have no such neighbour
    and are left out.  ``k``, ``exact_search_max``, ``seed`` and ``n_threads`` as for
    :func:`neighbor_accuracy`.  ``owner_means`` holds each owner's mean accuracy
    (NaN where none is scored), shape (owner.max() + 1,).
    """
    key = owner.astype(np.int64) * (int(feature_id.max()) + 1) + feature_id
    _, first = np.unique(key, return_index=True)
    first = np.sort(first)
    o = owner[first]
    per = np.bincount(o, minlength=owner.max() + 1)
    keep = first[per[o] >= 2]
    out: dict[str, Any] = {"points": int(keep.size), "manifolds": int(np.sum(per >= 2)),
                           "manifolds_with_one_vector": int(np.sum(per == 1))}
    if keep.size < 3:
        return {**out, "owner_means": np.full(owner.max() + 1, np.nan),
                "fraction_manifolds_above_95": float("nan"),
                "mean_point_accuracy": float("nan")}
    _, _, _, acc, _ = neighbor_accuracy(E[keep], owner[keep], scored[keep], k=k,
                                         exact_search_max=exact_search_max, seed=seed,
                                         n_threads=n_threads)
    man = manifold_means(acc, owner[keep], owner.max() + 1)
    return {**out, "owner_means": man, "fraction_manifolds_above_95": fraction_above(man),
            "mean_point_accuracy": float(np.nanmean(acc)) if np.isfinite(acc).any()
            else float("nan")}

"""Largest-jump grouping of nearest neighbours (Krippendorf & Syvaeri's CICY analysis)."""

from __future__ import annotations

import numpy as np

from symfast._threads import thread_limits
from symfast._validation import check_array, check_int
from symfast.analysis._neighbors import _drop_self


def largest_jump(distances: np.ndarray) -> np.ndarray:
    """For each row of ascending neighbour distances, how many neighbours precede the
    largest jump between consecutive distances (at least 1).

    Parameters
    ----------
    distances : array_like of shape (n_queries, k)
        Ascending distances; NaN or inf mark missing neighbours (from a search
        that found fewer than k) and end the curve.

    Returns
    -------
    ndarray of shape (n_queries,), int64
        Neighbours predicted to be the same object as the query.
    """
    D = np.asarray(distances, dtype=np.float64)
    if D.ndim != 2 or D.shape[1] < 1:
        raise ValueError(f"distances must have shape (n_queries, k >= 1), got {D.shape}")
    valid = np.isfinite(D)
    n_valid = valid.sum(axis=1)
    Dv = np.where(valid, D, np.nan)
    jumps = np.diff(Dv, axis=1)                       # (n, k-1); NaN past the end
    jumps = np.where(np.isnan(jumps), -np.inf, jumps)
    if jumps.shape[1] == 0:
        return np.ones(D.shape[0], dtype=np.int64)
    count = np.argmax(jumps, axis=1) + 1
    # a curve with a single neighbour, or none valid beyond the first, keeps one
    count = np.where(n_valid <= 1, 1, count)
    return count.astype(np.int64)


def knn_within_groups(X: np.ndarray, groups: np.ndarray, k: int, *,
                      n_threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours of every row among the rows of the same group.

    Searching only inside a group (for embeddings: inside the predicted class)
    turns one huge exact search into many small ones.  Rows whose group has
    fewer than k other members get the missing slots as distance inf, index -1.

    Returns
    -------
    distances : ndarray of shape (n, k), float32 (Euclidean)
    indices : ndarray of shape (n, k), int64
    """
    import faiss

    E = check_array(X, "X", ndim=2, dtype=np.float32, min_rows=1)
    g = np.asarray(groups)
    if g.shape != (E.shape[0],):
        raise ValueError(f"groups must have shape ({E.shape[0]},), got {g.shape}")
    k = check_int(k, "k", minimum=1)
    D = np.full((E.shape[0], k), np.inf, dtype=np.float32)
    I = np.full((E.shape[0], k), -1, dtype=np.int64)
    order = np.argsort(g, kind="stable")
    bounds = np.flatnonzero(np.r_[True, g[order][1:] != g[order][:-1], True])
    with thread_limits(n_threads):
        for a, b in zip(bounds[:-1], bounds[1:]):
            members = order[a:b]
            if members.size < 2:
                continue
            kk = min(k, members.size - 1)
            index = faiss.IndexFlatL2(E.shape[1])
            index.add(E[members])
            Dg, Ig = _drop_self(*index.search(E[members], kk + 1))   # local ids: row i is query i
            D[members, :kk] = np.sqrt(np.maximum(Dg, 0.0))
            I[members, :kk] = members[Ig]
    return D, I

"""Nearest neighbours in embedding space (FAISS) and neighbour-class purity."""

from __future__ import annotations

import numpy as np

from symfast._threads import thread_limits
from symfast._validation import check_array, check_int, check_labels, check_n_threads


def knn(X: np.ndarray, k: int, *, queries: np.ndarray | None = None,
        exclude_self: bool = True, n_threads: int | None = None
        ) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours under the Euclidean distance (FAISS ``IndexFlatL2``).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        The indexed points; converted to float32.
    k : int
        Neighbours per query.
    queries : array_like of shape (n_queries, n_features), optional
        Query points; by default the rows of X themselves.
    exclude_self : bool, default=True
        When querying X against itself, drop each point from its own list.
    n_threads : int, optional
        FAISS OpenMP threads (default: all available).

    Returns
    -------
    distances : ndarray of shape (n_queries, k), float32
        Euclidean (not squared) distances, ascending.
    indices : ndarray of shape (n_queries, k), int64
        Row indices into X; -1 where fewer than k neighbours exist.
    """
    import faiss

    Xf = check_array(X, "X", ndim=2, dtype=np.float32, min_rows=1)
    self_query = queries is None
    Q = Xf if self_query else check_array(queries, "queries", ndim=2, dtype=np.float32,
                                          n_features=Xf.shape[1])
    k = check_int(k, "k", minimum=1)
    extra = 1 if (self_query and exclude_self) else 0
    if k + extra > Xf.shape[0]:
        raise ValueError(f"k={k} is too large for {Xf.shape[0]} points"
                         + (" (each point is excluded from its own neighbours)" if extra else ""))
    with thread_limits(n_threads):
        index = faiss.IndexFlatL2(Xf.shape[1])
        index.add(Xf)
        D, I = index.search(Q, k + extra)
    if extra:
        D, I = _drop_self(D, I)
    return np.sqrt(np.maximum(D, 0.0)), I.astype(np.int64, copy=False)


def exact_distances(X: np.ndarray, indices: np.ndarray, *, queries: np.ndarray | None = None,
                    block: int = 512, n_threads: int | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Neighbour distances recomputed in float64, each row re-sorted by them.

    FAISS computes squared distances in float32 as ``|x|^2 + |y|^2 - 2 x.y``, whose
    rounding (about 1e-7 of ``|x|^2``) swamps the distances between near-duplicates:
    cuts that compare neighbour distances (the largest jump) must not read them.
    Here each listed pair is recomputed as ``|x - y|`` in float64, directly, by a compiled
    kernel (``csrc/_neighbors.pyx``: one pass over the listed rows, no temporaries; the
    NumPy route it replaced gathered (block, k, features) arrays and was bound by that
    memory traffic).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        The indexed points (float32 points are measured as they are, in float64).
    indices : array_like of shape (n_queries, k), int64
        Neighbours of each query (rows of X; -1 for none), as :func:`knn` returns.
    queries : array_like of shape (n_queries, n_features), optional
        The query points; by default the rows of X themselves.
    block : int, default=512
        Kept for compatibility; the kernel needs no blocks (it is still checked).
    n_threads : int, optional
        Threads (default: all symfast may use).

    Returns
    -------
    distances : ndarray of shape (n_queries, k), float64
        Ascending in each row; inf where the index is -1.
    indices : ndarray of shape (n_queries, k), int64
        The same neighbours, in the new order.
    """
    # float32 points stay float32 (widening them is exact; the kernel measures in float64)
    dt = np.float32 if np.asarray(X).dtype == np.float32 else np.float64
    Xd = check_array(X, "X", ndim=2, min_rows=1, dtype=dt)
    I = np.asarray(indices)
    if I.ndim != 2 or I.dtype.kind not in "iu":
        raise ValueError(f"indices must be a 2-dimensional integer array, got {I.dtype} of "
                         f"shape {I.shape}")
    Q = Xd if queries is None else check_array(queries, "queries", ndim=2, dtype=dt,
                                               n_features=Xd.shape[1])
    if queries is not None and np.asarray(queries).dtype != dt:
        Xd, Q = Xd.astype(np.float64), Q.astype(np.float64)     # one precision for both
    if Q.shape[0] != I.shape[0]:
        raise ValueError(f"indices must have one row per query ({Q.shape[0]}), got "
                         f"{I.shape[0]}")
    if I.size and (I.max() >= Xd.shape[0] or I.min() < -1):
        raise ValueError(f"indices must lie in -1..{Xd.shape[0] - 1}")
    check_int(block, "block", minimum=1)
    from symfast._ext._neighbors import exact_distances as kernel

    D = np.empty(I.shape)
    I_out = np.empty(I.shape, dtype=np.int64)
    kernel(Xd, Q, np.ascontiguousarray(I, dtype=np.int64), D, I_out,
           check_n_threads(n_threads))
    return D, I_out


def _drop_self(D: np.ndarray, I: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Remove each row's own index (ties with duplicates may put it anywhere)."""
    n, kk = I.shape
    rows = np.arange(n)[:, None]
    is_self = I == rows
    # Where the point itself is not listed (exact duplicates), drop the last column.
    no_self = ~is_self.any(axis=1)
    is_self[no_self, kk - 1] = True
    keep = ~is_self
    return (D[keep].reshape(n, kk - 1), I[keep].reshape(n, kk - 1))


def neighbor_purity(embedding: np.ndarray, labels: np.ndarray, *, k: int = 10,
                    n_threads: int | None = None) -> tuple[float, dict[int, float]]:
    """Fraction of each point's k nearest neighbours that share its label.

    Parameters
    ----------
    embedding : array_like of shape (n_samples, n_features)
    labels : array_like of shape (n_samples,)
    k : int, default=10

    Returns
    -------
    mean_purity : float
        Mean over classes of the per-class purity (each class weighs the same).
    per_class : dict
        Class label -> mean purity of its points.
    """
    E = check_array(embedding, "embedding", ndim=2, dtype=np.float32, min_rows=2)
    lab = check_labels(labels, "labels", E.shape[0], against="embedding")
    _, I = knn(E, k, n_threads=n_threads)
    same = lab[I] == lab[:, None]
    point_purity = same.mean(axis=1)
    per_class = {int(c) if np.issubdtype(lab.dtype, np.integer) else c:
                 float(point_purity[lab == c].mean()) for c in np.unique(lab)}
    return float(np.mean(list(per_class.values()))), per_class


def recall_at_k(approx: np.ndarray, exact: np.ndarray) -> float:
    """Mean fraction of each row of ``exact`` neighbour ids found in the same row of ``approx``."""
    A, B = np.asarray(approx), np.asarray(exact)
    hits = [np.isin(b[b >= 0], a).mean() for a, b in zip(A, B) if (b >= 0).any()]
    return float(np.mean(hits)) if hits else float("nan")


def knn_ivf(X: np.ndarray, k: int, *, target_recall: float = 0.99, n_probe_queries: int = 200,
            nlist: int | None = None, seed: int = 0, n_threads: int | None = None
            ) -> tuple[np.ndarray, np.ndarray, dict]:
    """k nearest neighbours of every row of X with a FAISS inverted-file index, tuned to a recall.

    The points are clustered into ``nlist`` cells (default 4 sqrt(n)); a query
    scans the ``nprobe`` nearest cells.  nprobe starts at 4 and doubles until
    the recall@k against exact search (``IndexFlatL2``) on ``n_probe_queries``
    random queries reaches ``target_recall``.

    Returns
    -------
    distances : ndarray of shape (n, k), float32 (Euclidean; inf where missing)
    indices : ndarray of shape (n, k), int64 (each point excluded from its own list)
    info : dict
        nlist, nprobe, the measured recall and the timings.
    """
    E = check_array(X, "X", ndim=2, dtype=np.float32, min_rows=2)
    n, d = E.shape
    k = check_int(k, "k", minimum=1, maximum=n - 1)
    with thread_limits(n_threads):
        return _ivf_search(E, k, target_recall, n_probe_queries, nlist, seed)


def _ivf_search(E: np.ndarray, k: int, target_recall: float, n_probe_queries: int,
                nlist: int | None, seed: int) -> tuple[np.ndarray, np.ndarray, dict]:
    import time

    import faiss

    n, d = E.shape
    nlist = int(nlist or max(1, min(n // 39, int(4 * np.sqrt(n)))))
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    quantizer = faiss.IndexFlatL2(d)
    index = faiss.IndexIVFFlat(quantizer, d, nlist)
    n_train = min(n, max(100_000, 40 * nlist))     # FAISS wants >= 39 points per centroid
    train = E if n_train == n else E[rng.choice(n, n_train, replace=False)]
    index.train(train)
    index.add(E)
    t_build = time.perf_counter() - t0
    q = rng.choice(n, size=min(n_probe_queries, n), replace=False)
    t0 = time.perf_counter()
    flat = faiss.IndexFlatL2(d)
    flat.add(E)
    _, I_exact = flat.search(E[q], k + 1)
    t_flat = (time.perf_counter() - t0) / q.size
    nprobe, recall = 4, 0.0
    while True:
        index.nprobe = min(nprobe, nlist)
        _, I_q = index.search(E[q], k + 1)
        recall = recall_at_k(I_q, I_exact)
        if recall >= target_recall or index.nprobe >= nlist:
            break
        nprobe *= 2
    t0 = time.perf_counter()
    D, I = index.search(E, k + 1)
    t_ivf = (time.perf_counter() - t0) / n
    D = np.where(I >= 0, np.sqrt(np.maximum(D, 0.0)), np.inf).astype(np.float32)
    D, I = _drop_self(D, I)
    info = {"nlist": nlist, "nprobe": int(index.nprobe), "recall": recall,
            "recall_queries": int(q.size), "seconds_build": t_build,
            "seconds_per_query": t_ivf, "seconds_per_query_flat": t_flat,
            "speedup_per_query": t_flat / t_ivf if t_ivf > 0 else float("inf")}
    return D, I.astype(np.int64), info

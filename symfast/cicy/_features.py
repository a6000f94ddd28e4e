"""Fixed-length, permutation-invariant graph features of configuration matrices."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from symfast._validation import check_n_threads
from symfast.cicy._augment import MAX_NODES

#: P^n types counted separately (n = 1..MAX_P-1; the last bin holds n >= MAX_P)
MAX_P = 10
#: entry values counted (1..MAX_Q-1; the last bin holds q >= MAX_Q)
MAX_Q = 6
#: singular values kept (min(m, K) <= MAX_NODES // 2)
N_SPECTRUM = MAX_NODES // 2

#: equation degrees (column sums) counted (1..MAX_DEG-1; the last bin holds >= MAX_DEG)
MAX_DEG = 7

FEATURE_NAMES: list[str] = (
    [f"n_P{k}" for k in range(1, MAX_P)] + [f"n_P{MAX_P}+"] + ["rows", "columns"]
    + [f"n_entries_{v}" for v in range(1, MAX_Q)] + [f"n_entries_{MAX_Q}+"]
    + [f"n_equations_degree_{v}" for v in range(1, MAX_DEG)] + [f"n_equations_degree_{MAX_DEG}+"]
    + [f"sigma_{k + 1}" for k in range(N_SPECTRUM)]
    + [f"sigma_typed_{k + 1}" for k in range(N_SPECTRUM)])


def _pack(matrices: Sequence[np.ndarray], *, typed: bool = False
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All matrices row-major back to back; ``typed`` scales row r by sqrt(n_r)."""
    shapes = np.array([np.shape(q) for q in matrices], dtype=np.int64).reshape(-1, 2)
    offsets = np.zeros(len(matrices) + 1, dtype=np.int64)
    np.cumsum(shapes[:, 0] * shapes[:, 1], out=offsets[1:])
    parts = []
    for q in matrices:
        a = np.asarray(q, dtype=np.float64)
        if typed:
            a = a * np.sqrt(np.maximum(a.sum(axis=1) - 1.0, 0.0))[:, None]
        parts.append(a.ravel())
    data = np.concatenate(parts) if parts else np.zeros(0)
    return np.ascontiguousarray(data), offsets, shapes


def pack(matrices: Sequence[np.ndarray], *, typed: bool = False
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The matrices as the kernel reads them: (data, offsets, shapes).

    Pack once and pass the tuple to :func:`spectra` to time or repeat the
    kernel without the Python loop over matrices.
    """
    return _pack(matrices, typed=typed)


def spectra(matrices, *, n_threads: int | None = None,
            width: int = N_SPECTRUM, typed: bool = False) -> np.ndarray:
    """Singular values of each configuration matrix, descending, zero-padded.

    The eigenvalues of the weighted bipartite adjacency matrix are exactly
    these values with both signs, plus zeros (compiled kernel, see
    ``csrc/_cicy.pyx``).  With ``typed``, row r is first scaled by
    sqrt(n_r), so that the spectrum also sees the node types.

    Returns
    -------
    ndarray of shape (n, width), float64
    """
    from symfast._ext import _cicy

    if isinstance(matrices, tuple) and len(matrices) == 3 and isinstance(matrices[1], np.ndarray):
        data, offsets, shapes = matrices           # already packed (rows scaled if typed)
    else:
        data, offsets, shapes = _pack(matrices, typed=typed)
    if len(shapes) and (shapes.min() < 1):
        raise ValueError("every matrix must have at least one row and one column")
    side = int(shapes.min(axis=1).max()) if len(shapes) else 1
    if side > width:
        raise ValueError(f"a matrix has min(rows, columns) = {side} > width={width}")
    out = np.zeros((len(shapes), width))
    _cicy.singular_values(data, offsets, shapes, out, max(side, 1), check_n_threads(n_threads))
    if (out[:, 0] == -2.0).any():
        raise MemoryError("singular_values could not allocate its per-thread work buffers")
    if (out[:, 0] < 0).any():
        raise ArithmeticError("LAPACK failed on a configuration matrix")
    return out


def graph_features(matrices: Sequence[np.ndarray], *,
                   n_threads: int | None = None) -> np.ndarray:
    """Permutation-invariant features of each configuration matrix's graph.

    One node per projective factor (typed by its n), one per equation, edges
    weighted by the degrees.  Features (``FEATURE_NAMES``): counts of factors
    P^1..P^9 and P^10+, rows, columns, counts of entries 1..5 and 6+, counts of
    equations of degree 1..6 and 7+, the singular values of the matrix (the
    positive half of the adjacency spectrum) and those of the matrix with row
    r scaled by sqrt(n_r) (a spectrum that sees the node types), each
    descending and zero-padded to 13.  On the 7890 manifolds of the list the
    typed spectrum and the degree counts cut the manifolds whose features
    coincide with another's from 403 to 38.

    Parameters
    ----------
    matrices : sequence of array_like of shape (m_i, K_i)
        Non-negative integer configuration matrices, at most 27 rows plus columns.

    Returns
    -------
    ndarray of shape (n, 51), float32
        Rows or columns permuted give the same features: the counts are exact,
        and the spectrum is computed in float64 and rounded to float32, which
        absorbs the last-bit differences of the eigensolver on permuted input.
    """
    mats = [np.asarray(q) for q in matrices]
    for i, q in enumerate(mats):
        if q.ndim != 2 or q.size == 0:
            raise ValueError(f"matrices[{i}] must be a non-empty 2D array, got shape {q.shape}")
        if sum(q.shape) > MAX_NODES:
            raise ValueError(f"matrices[{i}] has {sum(q.shape)} rows plus columns; at most "
                             f"{MAX_NODES} are supported")
        if q.dtype.kind not in "iu" and not np.all(q == np.round(q)):
            raise ValueError(f"matrices[{i}] must hold integers")
        if (q < 0).any():
            raise ValueError(f"matrices[{i}] has a negative entry")
    n = len(mats)
    counts = np.zeros((n, MAX_P + 2 + MAX_Q + MAX_DEG), dtype=np.float64)
    for i, q in enumerate(mats):
        q = q.astype(np.int64)
        dims = np.minimum(q.sum(axis=1) - 1, MAX_P)
        counts[i, :MAX_P] = np.bincount(np.maximum(dims, 1) - 1, minlength=MAX_P)[:MAX_P]
        counts[i, MAX_P] = q.shape[0]
        counts[i, MAX_P + 1] = q.shape[1]
        vals = np.minimum(q[q > 0], MAX_Q)
        counts[i, MAX_P + 2:MAX_P + 2 + MAX_Q] = np.bincount(vals - 1, minlength=MAX_Q)[:MAX_Q]
        degs = np.minimum(np.maximum(q.sum(axis=0), 1), MAX_DEG)
        counts[i, MAX_P + 2 + MAX_Q:] = np.bincount(degs - 1, minlength=MAX_DEG)[:MAX_DEG]
    sv = spectra(mats, n_threads=n_threads)
    sv_typed = spectra(mats, n_threads=n_threads, typed=True)
    return np.concatenate([counts, sv, sv_typed], axis=1).astype(np.float32)


def pad_matrices(matrices: Sequence[np.ndarray]) -> np.ndarray:
    """The matrices zero-padded into one array: the input of the message-passing networks
    (:class:`symfast.nn.ConfigurationEncoder`, :class:`symfast.nn.ConfigurationClassifier`).

    Parameters
    ----------
    matrices : sequence of array_like of shape (m_i, K_i), non-negative integers

    Returns
    -------
    ndarray of shape (n, max m_i, max K_i), int64
    """
    if len(matrices) == 0:
        raise ValueError("matrices must hold at least one matrix, got none")
    shapes = [np.shape(q) for q in matrices]
    bad = [i for i, s in enumerate(shapes) if len(s) != 2]
    if bad:
        raise ValueError(f"matrices[{bad[0]}] must be 2-D, got shape {shapes[bad[0]]}")
    R = max(s[0] for s in shapes)
    C = max(s[1] for s in shapes)
    Q = np.zeros((len(matrices), R, C), dtype=np.int64)
    for i, q in enumerate(matrices):
        Q[i, :shapes[i][0], :shapes[i][1]] = q
    return Q

"""Exact topological invariants of CICY threefolds: triple intersection numbers d_rst,
c2 . J_r and the Euler number, from the configuration matrix alone (compiled kernel,
``csrc/_intersect.pyx``, which states the formulas).

By Wall's theorem a simply connected Calabi-Yau threefold with torsion-free cohomology
is fixed up to diffeomorphism by h11, h21, d_rst and c2 . J_r, up to a change of basis
of H^2; these are the ingredients of :func:`symfast.cicy.equivalence_classes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from symfast._validation import check_n_threads
from symfast.cicy._topology import check_configuration


@dataclass
class Invariants:
    """Exact invariants of a stack of configuration matrices.

    Attributes
    ----------
    d : list of ndarray of shape (m_i, m_i, m_i), int64
        Triple intersection numbers of each matrix, in its row order.
    c2 : list of ndarray of shape (m_i,), int64
        c2 . J_r of each matrix.
    euler : ndarray of shape (n,), int64
    """

    d: list[np.ndarray]
    c2: list[np.ndarray]
    euler: np.ndarray


def pack_int(matrices: Sequence[np.ndarray], name: str = "matrices"
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Validated matrices as the kernel reads them: (data, offsets, shapes, work size)."""
    qs = [check_configuration(q, f"{name}[{i}]")[0] for i, q in enumerate(matrices)]
    shapes = np.array([q.shape for q in qs], dtype=np.int64).reshape(-1, 2)
    offsets = np.zeros(len(qs) + 1, dtype=np.int64)
    np.cumsum(shapes[:, 0] * shapes[:, 1], out=offsets[1:])
    data = np.concatenate([q.ravel() for q in qs]) if qs else np.zeros(0, dtype=np.int64)
    work = max((int(np.prod(q.sum(axis=1))) for q in qs), default=1)
    return np.ascontiguousarray(data, dtype=np.int64), offsets, shapes, work


def invariants(matrices: Sequence[np.ndarray], *, n_threads: int | None = None) -> Invariants:
    """d_rst, c2 . J_r and the Euler number of every matrix (exact integers, in parallel).

    Parameters
    ----------
    matrices : sequence of array_like of shape (m_i, K_i)
        Configuration matrices (non-negative integers; rows are projective factors).
    n_threads : int, optional

    Returns
    -------
    Invariants

    Raises
    ------
    ValueError
        On a matrix that is not a CICY threefold configuration, or too many rows.
    """
    return invariants_packed(*pack_int(matrices), n_threads=n_threads)


def invariants_packed(data: np.ndarray, offsets: np.ndarray, shapes: np.ndarray, work: int,
                      *, n_threads: int | None = None) -> Invariants:
    """:func:`invariants` of matrices already packed by :func:`pack_int` (validated there)."""
    from symfast._ext import _intersect

    if len(shapes) and shapes[:, 0].max() > _intersect.INTERSECT_MAX_ROWS:
        raise ValueError(f"matrices with more than {_intersect.INTERSECT_MAX_ROWS} rows are "
                         "not supported")
    m = shapes[:, 0]
    d_off = np.zeros(len(m) + 1, dtype=np.int64)
    np.cumsum(m ** 3, out=d_off[1:])
    r_off = np.zeros(len(m) + 1, dtype=np.int64)
    np.cumsum(m, out=r_off[1:])
    d = np.empty(int(d_off[-1]), dtype=np.int64)
    c2v = np.empty(int(r_off[-1]), dtype=np.int64)
    chi = np.empty(len(m), dtype=np.int64)
    status = np.empty(len(m), dtype=np.int64)
    _intersect.intersections(data, offsets, shapes, d_off, r_off, d, c2v, chi, status, work,
                             check_n_threads(n_threads))
    if (status == -2).any():
        raise MemoryError(f"a thread could not allocate its {work}-entry work arrays")
    if (status == 1).any():
        i = int(np.argmax(status == 1))
        raise ArithmeticError(f"matrices[{i}]: c2 or the Euler number came out fractional; "
                              "this is a bug (the configuration passed validation)")
    return Invariants(
        d=[d[d_off[i]:d_off[i + 1]].reshape(m[i], m[i], m[i]) for i in range(len(m))],
        c2=[c2v[r_off[i]:r_off[i + 1]] for i in range(len(m))], euler=chi)


def intersection_numbers(matrix: np.ndarray) -> np.ndarray:
    """Triple intersection numbers d_rst of one CICY threefold.

    Parameters
    ----------
    matrix : array_like of shape (m, K)

    Returns
    -------
    ndarray of shape (m, m, m), int64
        Symmetric; d_rst = integral over X of J_r J_s J_t.

    Examples
    --------
    >>> intersection_numbers([[5]])[0, 0, 0]          # the quintic
    5
    """
    return invariants([matrix], n_threads=1).d[0]


def c2(matrices: Sequence[np.ndarray], *, n_threads: int | None = None) -> list[np.ndarray]:
    """c2 . J_r of each CICY threefold: a list of arrays of shape (m_i,), int64.

    Examples
    --------
    >>> c2([[[5]], [[3], [3]]])                       # quintic; bicubic in P2 x P2
    [array([50]), array([36, 36])]
    """
    return invariants(matrices, n_threads=n_threads).c2


#: The columns of :func:`row_invariants`.
ROW_INVARIANT_NAMES = ("c2.J_r", "d_rrr", "sum_s d_rrs", "sum_st d_rst")


def row_invariants(matrices: Sequence[np.ndarray], n_rows: int | None = None, *,
                   n_threads: int | None = None) -> np.ndarray:
    """Exact invariants read per row (per ambient factor J_r), as node inputs of a network.

    Row r gets c2 . J_r, d_rrr, sum_s d_rrs and sum_st d_rst (``ROW_INVARIANT_NAMES``):
    every entry of c2 and every d_rst enters at least one of them, and a row permutation
    of the matrix permutes the rows of the result the same way.  The Euler number is
    not among them (it fixes h11 - h21; :func:`invariants` gives it).

    Parameters
    ----------
    matrices : sequence of array_like of shape (m_i, K_i)
    n_rows : int, optional
        Rows of the output (at least max m_i; default max m_i), to match padded matrices.

    Returns
    -------
    ndarray of shape (n, n_rows, 4), float64
        Zero on the padding rows.
    """
    inv = invariants(matrices, n_threads=n_threads)
    m_max = max((len(c) for c in inv.c2), default=0)
    R = m_max if n_rows is None else int(n_rows)
    if R < m_max:
        raise ValueError(f"n_rows must be at least {m_max} (the most rows of a matrix), "
                         f"got {n_rows}")
    out = np.zeros((len(inv.c2), R, 4))
    for i, (d, c) in enumerate(zip(inv.d, inv.c2)):
        m = len(c)
        out[i, :m, 0] = c
        out[i, :m, 1] = np.einsum("rrr->r", d)
        out[i, :m, 2] = np.einsum("rrs->r", d)
        out[i, :m, 3] = d.sum(axis=(1, 2))
    return out

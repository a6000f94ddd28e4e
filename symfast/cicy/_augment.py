"""Equivalent configuration matrices of one CICY manifold (data augmentation)."""

from __future__ import annotations

import numpy as np

from symfast._validation import check_int, check_seed
from symfast.cicy._topology import check_configuration

#: Largest graph (rows + columns) an augmented matrix may have; the features pad to it.
MAX_NODES = 27


def expand_identity(q: np.ndarray, row: int) -> np.ndarray:
    """P^n[1] = P^{n-1}, read backwards: row ``row`` becomes a P^{n+1} factor with one
    extra equation of degree 1 in it alone (a hyperplane of P^{n+1} is P^n)."""
    col = np.zeros((q.shape[0], 1), dtype=q.dtype)
    col[row, 0] = 1
    return np.concatenate([q, col], axis=1)


def contract_identity(q: np.ndarray) -> np.ndarray | None:
    """Undo one hyperplane identity if some column is a single 1 whose row stays a P^n,
    n >= 1, after losing it; None if there is none."""
    for j in range(q.shape[1]):
        col = q[:, j]
        if col.sum() == 1 and q.shape[1] > 1:
            r = int(np.argmax(col))
            if q[r].sum() - 1 >= 2:
                return np.delete(q, j, axis=1)
    return None


def contract_identities(matrix: np.ndarray) -> np.ndarray:
    """The matrix with every hyperplane identity P^n[1] = P^{n-1} undone
    (:func:`contract_identity` until none is left): configurations that differ only by
    identities and permutations become one matrix up to row and column order.

    Examples
    --------
    >>> import numpy as np
    >>> q = np.array([[3, 0], [3, 1]])        # P2 x P3 with a hyperplane of the P3
    >>> contract_identities(q).tolist()
    [[3], [3]]
    """
    q, _ = check_configuration(matrix)
    while (c := contract_identity(q)) is not None:
        q = c
    return q


def augment(matrix: np.ndarray, n: int, *, seed: int = 0, max_extra: int = 3,
            max_nodes: int = MAX_NODES) -> list[np.ndarray]:
    """``n`` configuration matrices of the same manifold as ``matrix``.

    Each is made from the original by (1) undoing or applying up to
    ``max_extra`` hyperplane identities P^n[1] = P^{n-1} (a row of P^n becomes
    a row of P^{n+1} with one extra column holding a single 1 in that row),
    then (2) a random permutation of rows and of columns.  Both change the
    matrix but not the manifold, so every result has the Euler number of the
    original.  The graph never exceeds ``max_nodes`` rows plus columns.

    Parameters
    ----------
    matrix : array_like of shape (m, K)
    n : int
        How many matrices to return (the first is the original, permuted).
    seed : int, default=0
        Deterministic by seed.

    Returns
    -------
    list of ndarray of shape (m, K') int64
    """
    q, _ = check_configuration(matrix)
    n = check_int(n, "n", minimum=1)
    max_extra = check_int(max_extra, "max_extra", minimum=0)
    rng = np.random.default_rng(check_seed(seed))
    if sum(q.shape) > max_nodes:
        raise ValueError(f"matrix has {sum(q.shape)} rows plus columns, more than "
                         f"max_nodes={max_nodes}")
    out = []
    for i in range(n):
        a = q.copy()
        if i > 0:
            if rng.random() < 0.25:
                c = contract_identity(a)
                if c is not None:
                    a = c
            for _ in range(int(rng.integers(0, max_extra + 1))):
                if sum(a.shape) + 1 > max_nodes:
                    break
                a = expand_identity(a, int(rng.integers(0, a.shape[0])))
        a = a[rng.permutation(a.shape[0])][:, rng.permutation(a.shape[1])]
        out.append(np.ascontiguousarray(a))
    return out

"""Exact topology of a CICY threefold from its configuration matrix alone."""

from __future__ import annotations

from itertools import combinations_with_replacement
from math import factorial

import numpy as np

from symfast._validation import check_array


def check_configuration(matrix: np.ndarray, name: str = "matrix") -> tuple[np.ndarray, np.ndarray]:
    """Validate a configuration matrix; returns (q as int64, dims n_r)."""
    q = check_array(matrix, name, ndim=2, dtype=np.float64)
    if q.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {q.shape}")
    if not np.all(q == np.round(q)) or (q < 0).any():
        raise ValueError(f"{name} must hold non-negative integers")
    q = q.astype(np.int64)
    dims = q.sum(axis=1) - 1
    if (dims < 1).any():
        raise ValueError(f"{name}: every row must sum to at least 2 (a factor P^n, n >= 1)")
    if int(dims.sum()) - q.shape[1] != 3:
        raise ValueError(f"{name}: sum_r n_r - K = {int(dims.sum()) - q.shape[1]}; a "
                         "Calabi–Yau threefold needs 3")
    return q, dims


def _product_of_divisors(q: np.ndarray, dims: np.ndarray) -> dict[tuple[int, ...], int]:
    """prod_j D_j with D_j = sum_r q_rj J_r in the ring Z[J]/(J_r^{n_r+1}), as {exponents: coef}."""
    m, K = q.shape
    poly: dict[tuple[int, ...], int] = {(0,) * m: 1}
    for j in range(K):
        nz = [(r, int(q[r, j])) for r in range(m) if q[r, j]]
        new: dict[tuple[int, ...], int] = {}
        for e, c in poly.items():
            for r, w in nz:
                if e[r] < dims[r]:
                    f = e[:r] + (e[r] + 1,) + e[r + 1:]
                    new[f] = new.get(f, 0) + c * w
        poly = new
    return poly


def euler(matrix: np.ndarray) -> int:
    """Euler number of the CICY threefold with this configuration matrix.

    The top Chern class of X, c(X) = prod_r (1 + J_r)^{n_r+1} / prod_j (1 + D_j)
    with D_j = sum_r q_rj J_r, is integrated against prod_j D_j over the ambient
    prod_r P^{n_r}.  With c_1 = 0 (the Calabi–Yau condition) the logarithm of
    c(X) gives c_3 = p_3 / 3 for the power sum
    p_3 = sum_r (n_r + 1) J_r^3 - sum_j D_j^3, so

        chi = (1/3) [ sum_r (n_r + 1) I(J_r^3) - sum_j I(D_j^3) ],
        I(F) = integral over the ambient space of F prod_j D_j,

    computed in exact integer arithmetic (products are 0).

    Parameters
    ----------
    matrix : array_like of shape (m, K)
        Rows are projective factors, columns equations; n_r = row sum - 1.
    """
    q, dims = check_configuration(matrix)
    m = q.shape[0]
    P = _product_of_divisors(q, dims)
    top = tuple(int(d) for d in dims)

    def integral(a: tuple[int, ...]) -> int:
        # integral of J^a prod_j D_j = coefficient of J^(n - a) in prod_j D_j
        key = tuple(t - s for t, s in zip(top, a))
        return P.get(key, 0) if min(key) >= 0 else 0

    total = 0
    for r in range(m):
        a = [0] * m
        a[r] = 3
        total += (int(dims[r]) + 1) * integral(tuple(a))
    for j in range(q.shape[1]):
        col = q[:, j]
        rows = [r for r in range(m) if col[r]]
        for combo in combinations_with_replacement(rows, 3):
            a = [0] * m
            for r in combo:
                a[r] += 1
            # multinomial coefficient of this monomial in D_j^3
            coef = factorial(3)
            weight = 1
            for r in set(combo):
                coef //= factorial(a[r])
                weight *= int(col[r]) ** a[r]
            total -= coef * weight * integral(tuple(a))
    if total % 3:
        raise ArithmeticError(f"Euler computation gave a non-integer {total}/3; this is a bug")
    return total // 3

"""Plain NumPy references that the compiled kernels are checked against.

They are slow and obviously correct; benchmarks time the same functions.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def rejection_level_set(V: Callable[[np.ndarray], np.ndarray], dim: int, radius: float,
                        level: float, width: float, n: int, seed: int = 0,
                        batch: int = 1 << 18) -> tuple[np.ndarray, int]:
    """Points uniform in the ball of ``radius`` with |V - level| <= width, by rejection.

    Returns the points, shape (n, dim), and the number of candidates drawn.
    """
    rng = np.random.default_rng(seed)
    out, have, drawn = [], 0, 0
    while have < n:
        X = rng.uniform(-radius, radius, size=(batch, dim))
        X = X[np.einsum("ij,ij->i", X, X) <= radius * radius]
        drawn += batch
        keep = X[np.abs(V(X) - level) <= width]
        out.append(keep)
        have += keep.shape[0]
    return np.concatenate(out)[:n], drawn


def ray_roots(exponents: np.ndarray, coefficients: np.ndarray, u: np.ndarray,
              target: float, radius: float) -> np.ndarray:
    """Real roots s in (0, radius) of V(s u) = target, by ``numpy.roots``."""
    degrees = exponents.sum(axis=1)
    coef = np.zeros(int(degrees.max()) + 1)
    for e, c, k in zip(exponents, coefficients, degrees):
        coef[k] += c * np.prod(u ** e)
    coef[0] -= target
    r = np.roots(coef[::-1])
    real = r[np.abs(r.imag) < 1e-7].real
    return np.sort(real[(real > 0) & (real < radius)])


def knn_bruteforce(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours (self excluded) from the full distance matrix."""
    X = np.asarray(X, dtype=np.float64)
    D = np.sqrt(np.maximum(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1), 0.0))
    np.fill_diagonal(D, np.inf)
    idx = np.argsort(D, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(D, idx, axis=1), idx

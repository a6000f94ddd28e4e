"""The cases of the invariant-model test and benchmark: a symmetry *found by symfast* on one
sample, and a regression task on another (points uniform in a box, values of the function).

Each case is ``name -> (find, data, degree)``: ``find()`` returns the found
:class:`symfast.Symmetry`, ``data(n, seed)`` returns (X, y) for training and testing.
"""

from __future__ import annotations

import numpy as np

import symfast
from symfast.potentials import PAPER_LEVELS, get, sample_level_sets


def _box(name: str, half: float):
    V = get(name)

    def data(n: int, seed: int):
        X = np.random.default_rng(seed).uniform(-half, half, size=(n, V.dim))
        return X, np.asarray(V(X))
    return data


def _found(name: str, per_class: int):
    def find():
        X, y = sample_level_sets(name, PAPER_LEVELS, per_class=per_class, seed=0)
        return symfast.find_generators(X, y).symmetry
    return find


def _superpotential_levels(levels=(1.0, 2.0, 3.0), n=3000, seed=0):
    """Exact joint level sets of W = u + u^2/2, one branch of u per level, x and y in C^2
    scaled together so that u = x1 y2 - x2 y1 hits its target."""
    rng = np.random.default_rng(seed)
    X, lab = [], []
    for i, w in enumerate(levels):
        target = -1 + np.sqrt(1 + 2 * w + 0j)
        x = rng.normal(size=(n, 2)) + 1j * rng.normal(size=(n, 2))
        y = rng.normal(size=(n, 2)) + 1j * rng.normal(size=(n, 2))
        u = x[:, 0] * y[:, 1] - x[:, 1] * y[:, 0]
        s = np.sqrt(target / u)[:, None]
        z = np.concatenate([x * s, y * s], axis=1)
        X.append(np.concatenate([z.real, z.imag], axis=1))
        lab.append(np.full(n, i))
    return np.concatenate(X), np.concatenate(lab)


def _superpotential_find():
    return symfast.find_generators(*_superpotential_levels()).symmetry


def _d4_find():
    X, y = sample_level_sets("z4", [-1.0, 0.0, 0.6], per_class=1500, seed=0)
    return symfast.find_discrete_symmetries(X, y).symmetry


def _noisy_function(X: np.ndarray) -> np.ndarray:
    """exp(-(x0^2 + x1^2)) + x2 / 2 in a skewed frame: rotations about one axis."""
    A = np.array([[1.0, 0.3, 0.0], [0.0, 1.2, 0.2], [0.1, 0.0, 0.8]])
    U = X @ np.linalg.inv(A).T
    return np.exp(-(U[:, 0] ** 2 + U[:, 1] ** 2)) + 0.5 * U[:, 2]


def _discover_data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.5, 1.5, size=(n, 3))
    y = _noisy_function(X)
    return X, y + 0.01 * np.std(y) * rng.normal(size=n)


def _discover_find():
    X, y = _discover_data(5000, 100)
    return symfast.discover(X, y, progress=False, seed=0).symmetry


CASES = {
    "so3": (_found("so3", 500), _box("so3", 1.3), 2),
    "lorentz": (_found("lorentz", 500), _box("lorentz", 1.3), 2),
    "superpotential": (_superpotential_find, _box("superpotential", 1.0), 2),
    "d4": (_d4_find, _box("z4", 1.3), 4),
    "discover": (_discover_find, _discover_data, 2),
}

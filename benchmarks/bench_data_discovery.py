"""symfast.discover(X, y) on 10^5 points in R^8: train, gradients, solve.

y = sin(a) + a b + b^2 / 2 with a, b the squared norms of the first and last four
coordinates of z, uniform in a box, x = A z in a random frame, 1 % noise: the
level-set algebra is so(4)+so(4) (12 generators), A so(4)+so(4) A^-1 in x.  The
whole call (two regression networks, chunked input gradients, the tangent solve,
the embedding analysis) against the same gradient route assembled from
scikit-learn's MLPRegressor (same layers, epochs, batch), finite-difference
gradients and a NumPy SVD, on the same data in the same run; both are scored by
their similarity to the exact algebra.  The issue's target is 60 s for the whole
call on 2 cores.  SYMFAST_BENCH_TINY=1 shrinks it for CI.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import reference
import symfast
from symfast.symmetry import algebra_similarity

TINY = bool(os.environ.get("SYMFAST_BENCH_TINY"))
N = 5_000 if TINY else 100_000
GROUP = f"discover(X, y) {N} points in R^8"


def _blocks() -> np.ndarray:
    T = []
    for start in (0, 4):
        for i in range(4):
            for j in range(i + 1, 4):
                M = np.zeros((8, 8))
                M[start + i, start + j], M[start + j, start + i] = 1.0, -1.0
                T.append(M)
    return np.array(T)


@pytest.fixture(scope="module")
def task():
    rng = np.random.default_rng(0)
    Z = rng.uniform(-1.0, 1.0, size=(N, 8))
    a, b = np.sum(Z[:, :4] ** 2, axis=1), np.sum(Z[:, 4:] ** 2, axis=1)
    V = np.sin(a) + a * b + 0.5 * b ** 2
    A = np.linalg.qr(rng.normal(size=(8, 8)))[0] + 0.3 * rng.normal(size=(8, 8))
    X = Z @ A.T
    y = V + 0.01 * V.std() * rng.normal(size=N)
    truth = np.einsum("ab,kbc,cd->kad", A, _blocks(), np.linalg.inv(A))
    return X, y, truth


def test_kernel(benchmark, task):
    X, y, truth = task
    benchmark.group = GROUP
    benchmark.extra_info.update(role="kernel", items=N)
    res = benchmark.pedantic(symfast.discover, args=(X, y), kwargs={"progress": False},
                             rounds=1, iterations=1)
    benchmark.extra_info.update(similarity=res.similarity(truth), algebra=res.algebra,
                                n_generators=res.n_generators, r2=res.score["r2"],
                                epochs=res.diagnostics["epochs"],
                                seconds=res.timings["total"])
    if not TINY:
        assert res.n_generators == 12 and res.similarity(truth) >= 0.99


def test_reference(benchmark, task):
    X, y, truth = task
    benchmark.group = GROUP
    benchmark.extra_info.update(role="reference", items=N)
    epochs = int(np.clip(np.ceil(8000 / np.ceil(0.8 * N / 256)), 20, 300))
    G = benchmark.pedantic(reference.gradient_route_generators,
                           args=(X, y, 12, (64, 64, 64), epochs), rounds=1, iterations=1)
    benchmark.extra_info.update(similarity=algebra_similarity(G, truth), epochs=epochs)

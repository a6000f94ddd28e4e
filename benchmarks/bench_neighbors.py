"""Neighbour search for the CICY analysis: FAISS IVF (nprobe tuned to recall 0.99) against
exact IndexFlatL2, k = 250, per query, in one run; and the float64 re-measure of the
listed neighbours (``exact_distances``) against the fastest NumPy route.

The embedding is read from SYMFAST_BENCH_EMBEDDING (a .npy of shape (n, d), e.g. the
``embedding.npy`` that ``symfast cicy --paper`` writes); without it a synthetic embedding
with the same hierarchy is used (265 Hodge classes, manifolds of 87 points each).  The
exact search runs on a sample of queries (all-points exact search takes ten minutes on
2 cores at 500,000 points), and times are compared per query.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from symfast.analysis import knn, knn_ivf, recall_at_k

TINY = bool(os.environ.get("SYMFAST_BENCH_TINY"))
N = 20_000 if TINY else 500_000
K = 50 if TINY else 250
N_QUERIES = 200 if TINY else 2000


def _synthetic(n: int, d: int = 100, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n_man = n // 87
    classes = rng.normal(size=(265, d)) * 4.0
    cls_of = rng.integers(0, 265, n_man)
    centres = classes[cls_of] + rng.normal(size=(n_man, d))
    owner = np.repeat(np.arange(n_man), 87)[:n]
    return (centres[owner] + 0.3 * rng.normal(size=(owner.size, d))).astype(np.float32)


@pytest.fixture(scope="module")
def embedding():
    path = os.environ.get("SYMFAST_BENCH_EMBEDDING")
    E = np.load(path).astype(np.float32) if path else _synthetic(N)
    rng = np.random.default_rng(1)
    return E, rng.choice(E.shape[0], N_QUERIES, replace=False)


def test_reference(benchmark, embedding):
    E, q = embedding
    benchmark.group = f"knn k={K} over {E.shape[0]} embeddings"
    benchmark.extra_info.update(role="reference", items=q.size)
    _, I = benchmark.pedantic(knn, args=(E, K), kwargs={"queries": E[q], "exclude_self": False},
                              rounds=1, iterations=1)
    assert I.shape == (q.size, K)


def test_kernel(benchmark, embedding):
    E, q = embedding
    benchmark.group = f"knn k={K} over {E.shape[0]} embeddings"
    benchmark.extra_info.update(role="kernel", items=E.shape[0])
    D, I, info = benchmark.pedantic(knn_ivf, args=(E, K), rounds=1, iterations=1)
    _, I_exact = knn(E, K + 1, queries=E[q], exclude_self=False)
    exact = np.array([row[row != qq][:K] for row, qq in zip(I_exact, q)])
    recall = recall_at_k(I[q], exact)
    benchmark.extra_info.update(recall=recall, nprobe=info["nprobe"], nlist=info["nlist"])
    assert recall >= 0.98


def _listed(embedding):
    """Neighbour lists of a sample of queries, in FAISS's (float32) order."""
    E, q = embedding
    _, I = knn(E, K, queries=E[q], exclude_self=False)
    return E, E[q], I


def test_exact_distances_reference(benchmark, embedding):
    from reference import exact_distances_numpy

    X, Q, I = _listed(embedding)
    X, Q = X.astype(np.float64), Q.astype(np.float64)      # converted once, outside the timing
    benchmark.group = f"exact distances k={K}"
    benchmark.extra_info.update(role="reference", items=I.shape[0])
    D, _ = benchmark.pedantic(exact_distances_numpy, args=(X, I, Q), rounds=3, iterations=1)
    assert np.all(np.diff(D, axis=1) >= 0)


def test_exact_distances_kernel(benchmark, embedding):
    from reference import exact_distances_numpy
    from symfast.analysis import exact_distances

    X, Q, I = _listed(embedding)
    benchmark.group = f"exact distances k={K}"
    benchmark.extra_info.update(role="kernel", items=I.shape[0])
    D, I2 = benchmark.pedantic(exact_distances, args=(X, I), kwargs={"queries": Q},
                               rounds=3, iterations=1)
    D_ref, I_ref = exact_distances_numpy(X, I, Q)          # the float32 points, widened
    assert np.array_equal(I2, I_ref) and np.allclose(D, D_ref, rtol=1e-12)

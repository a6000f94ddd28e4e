"""Generators on joint level sets of codimension two: the superpotential's so(4,C).

Three exact joint level sets {W = w} of W = u + u^2/2 in R^8 (20,000 points each,
built by complex rescaling, outside symfast).  ``find_generators`` (FAISS
neighbours, batched local PCA, robust trimming, the count rule) against the same
tangent method written with scikit-learn's k-d tree and NumPy, on the same points
in the same run; both are scored by their similarity to the exact so(4,C)
computed from u's quadratic form.  SYMFAST_BENCH_TINY=1 shrinks it for CI.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import reference
from symfast import find_generators
from symfast.symmetry import algebra_similarity

TINY = bool(os.environ.get("SYMFAST_BENCH_TINY"))
N_PER_LEVEL = 4_000 if TINY else 20_000
LEVELS = (0.5 + 0.3j, -1.0 + 2.0j, 2.0 - 1.0j)
GROUP = f"superpotential generators 3 x {N_PER_LEVEL} points in R^8"


@pytest.fixture(scope="module")
def task():
    rng = np.random.default_rng(0)
    X = np.concatenate([reference.superpotential_level_set(w, N_PER_LEVEL, rng)
                        for w in LEVELS])
    labels = np.repeat(np.arange(len(LEVELS)), N_PER_LEVEL)
    return X, labels, reference.so4c_real_generators()


def test_kernel(benchmark, task):
    X, labels, truth = task
    benchmark.group = GROUP
    benchmark.extra_info.update(role="kernel", items=X.shape[0])
    res = benchmark.pedantic(find_generators, args=(X, labels),
                             kwargs={"method": "tangent", "codim": 2}, rounds=2, iterations=1)
    sim = res.similarity(truth)
    benchmark.extra_info.update(similarity=sim, n_generators=res.n_generators,
                                algebra=res.algebra)
    if not TINY:
        assert res.n_generators == 12 and sim >= 0.99


def test_reference(benchmark, task):
    X, labels, truth = task
    benchmark.group = GROUP
    benchmark.extra_info.update(role="reference", items=X.shape[0])
    G = benchmark.pedantic(reference.tangent_generators, args=(X, labels, 2, 16, 12),
                           rounds=1, iterations=1)
    benchmark.extra_info.update(similarity=algebra_similarity(G, truth))

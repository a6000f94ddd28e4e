"""CICY graph spectra: the compiled singular-value kernel against the best NumPy route.

The fair reference is what a user would write for the same numbers: the singular
values of each configuration matrix from numpy.linalg.eigvalsh of its small Gram
matrix (Q Q^T or Q^T Q, whichever side is shorter), batched over the zero-padded
stack (measured faster than the batched numpy.linalg.svd of the same stack, which
is timed too).  Beside them, for context, the naive route: eigvalsh of the
zero-padded 27x27 weighted adjacency matrices, whose positive half is the same
spectrum.  All must agree to 1e-9.  The full size is the 7890 matrices of the list,
each augmented 87 times (686,430 matrices, the paper's scale); SYMFAST_BENCH_TINY=1
uses a small subset, and without SYMFAST_DATA the file is skipped.  Every input is
prepared outside the timing.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

TINY = bool(os.environ.get("SYMFAST_BENCH_TINY"))
DATA = Path(os.environ.get("SYMFAST_DATA", "/nonexistent")) / "cicy3"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="SYMFAST_DATA/cicy3 not available")
N_AUG = 2 if TINY else 87
STEP = 40 if TINY else 1


@pytest.fixture(scope="module")
def matrices():
    from symfast.cicy import augment, load

    L = load(DATA)
    return [a for i, q in enumerate(L.matrices[::STEP]) for a in augment(q, N_AUG, seed=i)]


@pytest.fixture(scope="module")
def padded(matrices):
    R = max(q.shape[0] for q in matrices)
    C = max(q.shape[1] for q in matrices)
    Q = np.zeros((len(matrices), R, C))
    for i, q in enumerate(matrices):
        Q[i, :q.shape[0], :q.shape[1]] = q
    return Q


@pytest.fixture(scope="module")
def adjacency(matrices):
    A = np.zeros((len(matrices), 27, 27))
    for i, q in enumerate(matrices):
        m, K = q.shape
        A[i, :m, m:m + K] = q
        A[i, m:m + K, :m] = q.T
    return A


def gram_singular_values(Q: np.ndarray) -> np.ndarray:
    """Singular values (descending) of a stack of matrices via the shorter side's Gram."""
    G = Q @ Q.transpose(0, 2, 1) if Q.shape[1] <= Q.shape[2] else Q.transpose(0, 2, 1) @ Q
    ev = np.linalg.eigvalsh(G)
    return np.sqrt(np.clip(ev[:, ::-1], 0.0, None))


GROUP = "cicy spectra"


def test_kernel(benchmark, matrices, padded):
    from symfast.cicy import pack, spectra

    packed = pack(matrices)
    benchmark.group = f"{GROUP} {len(matrices)} matrices"
    benchmark.extra_info.update(role="kernel", items=len(matrices))
    sv = benchmark.pedantic(spectra, args=(packed,), rounds=3, iterations=1)
    ref = np.linalg.svd(padded[::97], compute_uv=False)
    w = min(ref.shape[1], sv.shape[1])
    assert np.allclose(ref[:, :w], sv[::97, :w], atol=1e-9)


def test_reference(benchmark, matrices, padded):
    benchmark.group = f"{GROUP} {len(matrices)} matrices"
    benchmark.extra_info.update(role="reference", items=len(matrices),
                                route="eigvalsh of the Gram matrix, batched")
    sv = benchmark.pedantic(gram_singular_values, args=(padded,), rounds=3, iterations=1)
    ref = np.linalg.svd(padded[::97], compute_uv=False)
    # squaring costs precision below ~1e-8 of the largest value: compare above it
    assert np.allclose(sv[::97, :ref.shape[1]], ref, atol=1e-6)


def test_svd_route(benchmark, matrices, padded):
    benchmark.group = f"{GROUP} {len(matrices)} matrices (batched SVD)"
    benchmark.extra_info.update(items=len(matrices), route="numpy.linalg.svd, batched")
    sv = benchmark.pedantic(np.linalg.svd, args=(padded,), kwargs={"compute_uv": False},
                            rounds=1, iterations=1)
    assert sv.shape[0] == len(matrices)


def test_naive(benchmark, matrices, adjacency):
    benchmark.group = f"{GROUP} {len(matrices)} matrices"
    benchmark.extra_info.update(role="naive", items=len(matrices),
                                route="eigvalsh of the 27x27 adjacency, batched")
    ev = benchmark.pedantic(np.linalg.eigvalsh, args=(adjacency,), rounds=1, iterations=1)
    assert ev.shape == (len(matrices), 27)


# -- exact invariants: d_rst, c2 . J_r and the Euler number ----------------------------
# The reference is the direct route a user would write without a kernel: the product of
# the divisors expanded term by term in Python (tests/reference.py), timed on a subset
# (it runs at milliseconds per matrix); both must give the same integers.
N_REF_INVARIANTS = 50 if TINY else 2000


@pytest.fixture(scope="module")
def packed_int(matrices):
    from symfast.cicy._invariants import pack_int

    return pack_int(matrices)


def test_invariants_kernel(benchmark, matrices, packed_int):
    from symfast.cicy._invariants import invariants_packed

    benchmark.group = f"cicy invariants (d, c2, Euler) {len(matrices)} matrices"
    benchmark.extra_info.update(role="kernel", items=len(matrices))
    inv = benchmark.pedantic(invariants_packed, args=packed_int, rounds=1 if TINY else 3,
                             iterations=1)
    if benchmark.stats is not None:
        benchmark.extra_info["matrices_per_s"] = len(matrices) / benchmark.stats.stats.mean
    from reference import cicy_invariants_python

    for i in range(0, len(matrices), max(1, len(matrices) // 200)):
        d, c2 = cicy_invariants_python(matrices[i])
        assert np.array_equal(inv.d[i], d) and np.array_equal(inv.c2[i], c2)


def test_invariants_reference(benchmark, matrices):
    from reference import cicy_invariants_python

    benchmark.group = f"cicy invariants (d, c2, Euler) {len(matrices)} matrices"
    benchmark.extra_info.update(role="reference", items=N_REF_INVARIANTS)
    subset = matrices[:: max(1, len(matrices) // N_REF_INVARIANTS)][:N_REF_INVARIANTS]
    benchmark.pedantic(lambda: [cicy_invariants_python(q) for q in subset], rounds=1,
                       iterations=1)

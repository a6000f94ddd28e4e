"""The n-spin chain: compiled whole-space enumeration against NumPy, and streaming counts.

N = 20: the metastability mask of all states, kernel against a vectorised NumPy version
of the same bit tricks (tests/reference.py), equal masks checked, and against the plain
definition (flip every spin and recompute H).  N = 28 and 32: the
streaming count (no array), reported as ns per state.  The transfer-matrix count is
timed against enumeration on the same N.  SYMFAST_BENCH_TINY=1 shrinks the sizes.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import reference
from symfast.chain import count_metastable, count_metastable_enumerated, metastable_mask

TINY = bool(os.environ.get("SYMFAST_BENCH_TINY"))
N_MASK = 14 if TINY else 20
N_STREAM = [16] if TINY else [28, 32]


@pytest.mark.parametrize("n", [3, 12] if not TINY else [3])
def test_kernel(benchmark, n):
    benchmark.group = f"chain mask N={N_MASK} n={n}"
    benchmark.extra_info.update(role="kernel", items=1 << N_MASK)
    mask = benchmark(metastable_mask, N_MASK, n)
    assert np.array_equal(mask, reference.chain_metastable(N_MASK, n))


@pytest.mark.parametrize("n", [3, 12] if not TINY else [3])
def test_reference(benchmark, n):
    benchmark.group = f"chain mask N={N_MASK} n={n}"
    benchmark.extra_info.update(role="reference", items=1 << N_MASK)
    benchmark.pedantic(reference.chain_metastable, args=(N_MASK, n), rounds=1, iterations=1)


@pytest.mark.parametrize("role", ["kernel", "reference"])
def test_against_the_definition(benchmark, role):
    """The plain definition (flip every spin, recompute H) as the reference."""
    N = 14 if TINY else 20
    benchmark.group = f"chain mask N={N} n=3 (plain definition)"
    benchmark.extra_info.update(role=role, items=1 << N)
    if role == "kernel":
        benchmark(metastable_mask, N, 3)
    else:
        benchmark.pedantic(reference.chain_metastable_definition, args=(N, 3), rounds=1,
                           iterations=1)


@pytest.mark.parametrize("N", N_STREAM)
@pytest.mark.parametrize("n", [3, 12])
def test_streaming_count(benchmark, N, n):
    benchmark.group = f"chain streaming count N={N}"
    benchmark.extra_info.update(items=1 << N)
    count = benchmark.pedantic(count_metastable_enumerated, args=(N, n), rounds=1, iterations=1)
    if benchmark.stats is not None:            # None under --benchmark-disable
        benchmark.extra_info["ns_per_state"] = benchmark.stats.stats.mean / (1 << N) * 1e9
    if n <= 8:
        assert count == count_metastable(N, n)


@pytest.mark.parametrize("n", [3, 5])
def test_transfer_matrix_count(benchmark, n):
    benchmark.group = f"chain transfer-matrix count N=1000 n={n}"
    c = benchmark(count_metastable, 1000, n)
    assert c > 0


N_COUNT = 16 if TINY else 26


@pytest.mark.parametrize("role", ["kernel", "reference"])
@pytest.mark.parametrize("n", [3, 6])
def test_counting(benchmark, role, n):
    """Exact counts: the transfer matrix against streaming enumeration of all 2^N states."""
    benchmark.group = f"chain count N={N_COUNT} n={n} (transfer matrix vs enumeration)"
    benchmark.extra_info.update(role=role, items=1)
    fn = count_metastable if role == "kernel" else count_metastable_enumerated
    c = benchmark.pedantic(fn, args=(N_COUNT, n), rounds=3 if role == "kernel" else 1,
                           iterations=1)
    assert c == (count_metastable_enumerated if role == "kernel" else count_metastable)(
        N_COUNT, n)

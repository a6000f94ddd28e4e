"""The n-spin chain: enumeration, dual variables and the transfer matrix, against the
plain definitions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chisquare

import reference
from symfast.chain import (count_metastable, count_metastable_enumerated, dual, dual_inverse,
                           energies, energy_of, metastable_mask, sample_metastable, states)


CASES = [(10, 2, 1.0, 0.0), (12, 3, 1.0, 0.5), (12, 4, 1.0, -0.3), (9, 5, 1.0, 0.0),
         (7, 7, 1.0, 0.0), (8, 1, 1.0, 0.2), (11, 3, -1.0, 0.1), (6, 3, 1.0, 1.0)]


@pytest.mark.parametrize("N, n, J, B", CASES)
@pytest.mark.parametrize("strict", [True, False])
def test_enumeration_matches_the_definition(N, n, J, B, strict):
    mask = metastable_mask(N, n, J=J, B=B, strict=strict)
    assert np.array_equal(mask, reference.chain_metastable_definition(N, n, J, B, strict))
    assert np.allclose(energies(N, n, J=J, B=B), energy_of(states(N), n, J=J, B=B))
    assert np.array_equal(mask, reference.chain_metastable(N, n, J, B, strict))


def test_encoding():
    S = states(3)
    assert S[0].tolist() == [1, 1, 1] and S[1].tolist() == [-1, 1, 1]
    assert S[4].tolist() == [1, 1, -1]


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
@pytest.mark.parametrize("B", [0.0, 0.3, -0.7])
@pytest.mark.parametrize("strict", [True, False])
def test_transfer_matrix_agrees_with_enumeration(n, B, strict):
    for N in (n, n + 1, 2 * n - 1, 2 * n, 15, 24):
        if N < n:
            continue
        assert count_metastable(N, n, B=B, strict=strict) == count_metastable_enumerated(
            N, n, B=B, strict=strict), (N, n, B, strict)


def test_streaming_shards_add_up():
    N, n = 18, 3
    total = count_metastable_enumerated(N, n)
    parts = sum(count_metastable_enumerated(N, n, start=a, stop=min(a + 40_000, 1 << N))
                for a in range(0, 1 << N, 40_000))
    assert parts == total == int(metastable_mask(N, n).sum())


def test_large_chain_counts_exactly():
    for n in (2, 3, 4, 5):
        c = count_metastable(1000, n)
        assert isinstance(c, int) and c >= 1
    # a self-consistent growth: the count per spin settles to a constant rate
    a, b, c = (count_metastable(N, 3) for N in (400, 500, 600))
    assert abs(np.log(b / a) - np.log(c / b)) < 1e-6


def test_sampler_is_uniform_over_metastable_states():
    N, n = 12, 3
    mask = metastable_mask(N, n)
    target = np.flatnonzero(mask)
    S = sample_metastable(N, n, 52 * 120, seed=4)
    idx = ((S == -1).astype(np.int64) << np.arange(N)).sum(axis=1)
    assert mask[idx].all()
    counts = np.array([np.sum(idx == t) for t in target])
    assert chisquare(counts).pvalue > 1e-3
    assert np.array_equal(S[:10], sample_metastable(N, n, 52 * 120, seed=4)[:10])


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_dual_is_a_bijection_and_simplifies_H(n):
    N = 10
    S = states(N)
    D = dual(S, n)
    assert np.array_equal(dual_inverse(D, n), S)
    assert len(np.unique(D, axis=0)) == 1 << N
    # at B = 0 the energy is -J times the sum of the first N - n + 1 dual variables
    assert np.allclose(energy_of(S, n), -D[:, :N - n + 1].sum(axis=1))
    if n == 2:
        assert np.array_equal(D[:, -1], S[:, -1])


@pytest.mark.parametrize("call, exc, words", [
    (lambda: metastable_mask(10, 0), ValueError, "n"),
    (lambda: metastable_mask(5, 6), ValueError, "n=6"),
    (lambda: metastable_mask(40, 3), ValueError, "count_metastable"),
    (lambda: energies(10, 2, J=float("nan")), ValueError, "J"),
    (lambda: count_metastable(10, 2, B=float("inf")), ValueError, "B"),
    (lambda: dual(np.array([1, 0, 1]), 2), ValueError, "+1 and -1"),
    (lambda: states(40), ValueError, "N"),
])
def test_bad_input_is_named(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    assert words in str(info.value)


def test_count_metastable_chooses_a_method_by_cost():
    from symfast.chain import count_method

    # n = 9 is beyond the transfer matrix, but 2^18 states enumerate in milliseconds
    assert count_method(18, 9) == "enumerate"
    assert count_metastable(18, 9) == count_metastable_enumerated(18, 9)
    # long chains with short range: the transfer matrix
    assert count_method(1000, 5) == "transfer"
    # where both run, the explicit methods agree
    for N, n in ((16, 3), (20, 6), (12, 8)):
        assert (count_metastable(N, n, method="transfer")
                == count_metastable(N, n, method="enumerate"))
    with pytest.raises(ValueError, match="neither applies"):
        count_metastable(100, 9)
    with pytest.raises(ValueError, match="method must be one of"):
        count_metastable(10, 3, method="fast")
    with pytest.raises(ValueError, match="method='enumerate'"):
        count_metastable(18, 9, method="transfer")

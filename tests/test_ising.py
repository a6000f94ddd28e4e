"""The 2D Ising sampler against exact results: Onsager, Yang, and exact enumeration."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chisquare

import reference
from symfast.ising import (T_CRITICAL, dual_temperature, energy, exact_energy,
                           exact_magnetization, magnetization, sample, sweep)


def test_exact_references_match_the_published_values():
    assert exact_energy(1.5) == pytest.approx(-1.95112, abs=5e-6)
    assert exact_energy(3.0) == pytest.approx(-0.81731, abs=5e-6)
    assert exact_magnetization(1.5) == pytest.approx(0.98650, abs=5e-6)
    assert exact_magnetization(3.0) == 0.0
    assert exact_energy(T_CRITICAL) == pytest.approx(-np.sqrt(2), rel=1e-9)


def test_dual_temperature():
    T = np.array([0.8, 1.25, 1.5, 2.0, 3.0, 5.0])
    Ts = dual_temperature(T)
    assert np.allclose(np.sinh(2 / T) * np.sinh(2 / Ts), 1.0, rtol=1e-12)
    assert np.allclose(dual_temperature(Ts), T, rtol=1e-12)
    assert dual_temperature(T_CRITICAL) == pytest.approx(T_CRITICAL, rel=1e-12)
    assert np.all((T < T_CRITICAL) == (Ts > T_CRITICAL))


@pytest.mark.parametrize("T, e_ref, m_ref", [(1.5, -1.95112, 0.98650), (3.0, -0.81731, None)])
def test_sampler_reproduces_onsager_and_yang(T, e_ref, m_ref):
    s = sample(64, T, 256, burn_in=400, seed=3)
    e = energy(s)
    err = e.std(ddof=1) / np.sqrt(e.size)          # replicas are independent draws
    assert abs(e.mean() - e_ref) < 4 * err + 1e-4, (e.mean(), err)
    if m_ref is not None:
        m = np.abs(magnetization(s))
        assert abs(m.mean() - m_ref) < 4 * m.std(ddof=1) / np.sqrt(m.size) + 1e-4


def _exact_energy_distribution(L: int, T: float, J: float):
    """All 2^(L*L) states of an L x L torus: the Boltzmann weight of each energy."""
    n = L * L
    idx = np.arange(1 << n, dtype=np.int64)
    s = (1 - 2 * ((idx[:, None] >> np.arange(n)) & 1)).reshape(-1, L, L).astype(np.int8)
    E = np.rint(energy(s, J=J) * n).astype(np.int64)        # total energy, integer
    levels, counts = np.unique(E, return_counts=True)
    p = counts * np.exp(-(levels - levels.min()) / T)
    return levels, p / p.sum()


@pytest.mark.parametrize("T, J", [(2.0, 1.0), (3.5, 1.0), (2.5, -1.0)])
def test_detailed_balance_by_exact_enumeration(T, J):
    """L = 4: the sampled energy histogram follows the exact Boltzmann distribution."""
    L = 4
    levels, p = _exact_energy_distribution(L, T, J)
    s = sample(L, T, 20_000, J=J, burn_in=200, start="hot", seed=11)
    E = np.rint(energy(s, J=J) * L * L).astype(np.int64)
    observed = np.array([(E == lv).sum() for lv in levels])
    expected = p * E.size
    assert observed.sum() == E.size
    # chi-square needs >= 5 expected per bin: the rare levels go into the most likely bin
    keep = expected >= 5
    obs, exp_ = observed[keep].copy(), expected[keep].copy()
    obs[np.argmax(exp_)] += observed[~keep].sum()
    exp_[np.argmax(exp_)] += expected[~keep].sum()
    assert chisquare(obs, exp_).pvalue > 1e-3


def test_a_sweep_at_infinite_temperature_flips_every_spin_once(rng):
    s0 = np.where(rng.random((70, 8, 8)) < 0.5, 1, -1).astype(np.int8)
    s = s0.copy()
    sweep(s, 1e15, 1, seed=1)
    assert np.array_equal(s, -s0)
    sweep(s, 1e15, 2, seed=2)
    assert np.array_equal(s, -s0)
    sweep(s, 2.0, 0)
    assert np.array_equal(s, -s0)


def test_acceptance_probabilities_are_exact():
    from symfast._ext import _ising

    for T, J in [(1.5, 1.0), (3.0, 1.0), (2.0, -1.0), (0.7, 0.5)]:
        got = _ising.acceptance(T, J)
        want = [min(1.0, np.exp(-2 * J * (4 - 2 * m) / T)) for m in range(5)]
        assert np.allclose(got, want, rtol=1e-15, atol=2.0 ** -60)


def test_seeds_threads_and_replicas():
    a = sample(16, 2.5, 130, burn_in=50, seed=5, n_threads=1)
    b = sample(16, 2.5, 130, burn_in=50, seed=5, n_threads=2)
    c = sample(16, 2.5, 130, burn_in=50, seed=6)
    assert a.dtype == np.int8 and a.shape == (130, 16, 16)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    x = np.ones((3, 8, 8), np.int8)
    y = x.copy()
    sweep(x, 2.5, 5, seed=1)
    sweep(y, 2.5, 5, seed=1)
    assert np.array_equal(x, y)
    z = x.copy()
    sweep(x, 2.5, 5, seed=1)                 # same seed, new state: fresh random numbers
    assert not np.array_equal(x, z)


def test_replicas_are_uncorrelated():
    s = sample(16, 3.0, 1024, burn_in=200, start="hot", seed=9)
    m = magnetization(s)
    for lag in (1, 63, 64):                  # neighbouring lanes, across a word boundary
        r = np.corrcoef(m[:-lag], m[lag:])[0, 1]
        assert abs(r) < 4 / np.sqrt(m.size), (lag, r)


def test_thinning_gives_several_samples_per_replica():
    s = sample(16, 2.0, 10, n_replicas=3, burn_in=20, thin=5, seed=0)
    assert s.shape == (10, 16, 16)
    assert not np.array_equal(s[0], s[3])    # replica 0, one thinning interval apart


def test_reference_sampler_agrees_with_onsager():
    s = np.ones((64, 32, 32), np.int8)
    reference.ising_checkerboard(s, 1.5, 150, rng=np.random.default_rng(0))
    e = energy(s)
    assert abs(e.mean() - exact_energy(1.5)) < 4 * e.std(ddof=1) / 8 + 1e-3


@pytest.mark.parametrize("call, exc, words", [
    (lambda: sample(15, 2.0, 4), ValueError, "L must be even"),
    (lambda: sample(2, 2.0, 4), ValueError, "L must be >= 4"),
    (lambda: sample(16, 0.0, 4), ValueError, "T must be > 0"),
    (lambda: sample(16, -1.0, 4), ValueError, "T must be > 0"),
    (lambda: sample(16, float("nan"), 4), ValueError, "T must be finite"),
    (lambda: sample(16, 2.0, 0), ValueError, "n_samples must be >= 1"),
    (lambda: sample(16, 2.0, 4, start="warm"), ValueError, "start"),
    (lambda: sweep(np.ones((2, 8, 8)), 2.0, 1), TypeError, "int8"),
    (lambda: sweep(np.zeros((2, 8, 8), np.int8), 2.0, 1), ValueError, "only \\+1 and -1"),
    (lambda: sweep(np.ones((2, 8, 6), np.int8), 2.0, 1), ValueError, "shape"),
    (lambda: sweep(np.ones((2, 8, 8), np.int8), 2.0, -1), ValueError, "n_sweeps"),
    (lambda: energy(np.ones((4, 4)) * 2), ValueError, "only \\+1 and -1"),
    (lambda: dual_temperature(-1.0), ValueError, "T must be finite and > 0"),
])
def test_bad_input_is_named(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


# -- Kaufman's exact partition function of the finite torus ------------------------------
def _kaufman_log_z(L: int, K: float) -> float:
    """ln Z of the L x L periodic Ising model at coupling K = J / T (Kaufman 1949).

    Z = 1/2 (2 sinh 2K)^(L^2 / 2) (Z1 + Z2 + Z3 + Z4), with Z1, Z2 the products of
    2 cosh and 2 sinh of L gamma_l / 2 over odd l < 2L, Z3, Z4 over even l;
    cosh gamma_l = cosh 2K coth 2K - cos(pi l / L), and gamma_0 = 2K + ln tanh K, whose
    sign (negative above T_c) enters Z4.  Summed in logs, with signs.
    """
    ell = np.arange(2 * L)
    c = np.cosh(2 * K) / np.tanh(2 * K) - np.cos(np.pi * ell / L)
    gamma = np.arccosh(np.maximum(c, 1.0))
    gamma[0] = 2 * K + np.log(np.tanh(K))
    parts = []                                   # (sign, log |Z_i|)
    for g in (gamma[1::2], gamma[0::2]):
        x = 0.5 * L * g
        parts.append((1.0, float(np.sum(np.log(2 * np.cosh(x))))))
        parts.append((float(np.prod(np.sign(x))), float(np.sum(np.log(2 * np.abs(np.sinh(x)))))))
    top = max(t for _, t in parts)
    total = sum(sgn * np.exp(t - top) for sgn, t in parts)
    return float(np.log(0.5) + 0.5 * L * L * np.log(2 * np.sinh(2 * K)) + top + np.log(total))


def _kaufman_energy(L: int, T: float, h: float = 1e-5) -> float:
    """Exact energy per spin, -d ln Z / dK / L^2 (central difference in K)."""
    K = 1.0 / T
    return -(_kaufman_log_z(L, K + h) - _kaufman_log_z(L, K - h)) / (2 * h) / (L * L)


@pytest.mark.parametrize("T", [1.5, 2.25, 3.0])
def test_kaufman_formula_against_enumeration(T):
    # the reference itself, checked on the 4 x 4 torus (all 2^16 states)
    levels, p = _exact_energy_distribution(4, T, 1.0)
    assert _kaufman_energy(4, T) == pytest.approx(float(levels @ p) / 16, abs=1e-8)


@pytest.mark.parametrize("T", [2.25, float(dual_temperature(2.25))])
def test_sampler_matches_kaufman_on_the_32_torus_near_tc(T):
    L, R, per = 32, 128, 16
    exact = _kaufman_energy(L, T)
    # the finite torus differs from Onsager's infinite lattice by ~0.005 here
    assert abs(exact - exact_energy(T)) > 1e-3
    s = sample(L, T, R * per, burn_in=4000, thin=100, n_replicas=R, seed=5)
    e = energy(s).reshape(per, R).mean(axis=0)     # sample i comes from replica i % R
    err = e.std(ddof=1) / np.sqrt(R)               # replicas are independent chains
    assert abs(e.mean() - exact) < 4 * err, (e.mean(), exact, err)

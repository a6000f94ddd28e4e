"""2D Ising Metropolis: the multi-spin-coded kernel against vectorised NumPy, same run.

Both advance R replicas of an L x L lattice at T = 1.5 (ordered) and at the dual
temperature of 1.25 (T* = 4.88, disordered) by checkerboard sweeps; items are
attempted flips (R L^2 sweeps), so the ratio is per flip.  Both samplers' mean
energies are checked against Onsager's value.  SYMFAST_BENCH_TINY=1 shrinks
the sizes.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import reference
from symfast.ising import dual_temperature, energy, exact_energy, sweep

TINY = bool(os.environ.get("SYMFAST_BENCH_TINY"))
R, L = (64, 16) if TINY else (1024, 64)
SWEEPS = {"kernel": 5 if TINY else 200, "reference": 2 if TINY else 5}
TEMPS = [1.5, round(float(dual_temperature(1.25)), 4)]


def _equilibrated(T: float) -> np.ndarray:
    s = np.ones((R, L, L), np.int8)
    sweep(s, T, 20 if TINY else 300, seed=1)
    return s


@pytest.mark.parametrize("T", TEMPS)
@pytest.mark.parametrize("role", ["kernel", "reference"])
def test_sweeps(benchmark, role, T):
    s = _equilibrated(T)
    n = SWEEPS[role]
    benchmark.group = f"ising R={R} L={L} T={T}"
    benchmark.extra_info.update(role=role, items=R * L * L * n)
    if role == "kernel":
        benchmark.pedantic(sweep, args=(s, T, n), kwargs={"seed": 2}, rounds=3, iterations=1)
    else:
        rng = np.random.default_rng(2)
        benchmark.pedantic(reference.ising_checkerboard, args=(s, T, n),
                           kwargs={"rng": rng}, rounds=1, iterations=1)
    if benchmark.stats is not None:
        benchmark.extra_info["flips_per_ns"] = R * L * L * n / benchmark.stats.stats.mean / 1e9
    # both stay at equilibrium: the mean energy per spin is Onsager's (finite L: loose)
    e = energy(s)
    assert abs(e.mean() - exact_energy(T)) < 5 * e.std(ddof=1) / np.sqrt(R) + 2e-3

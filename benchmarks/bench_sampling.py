"""Level-set sampling: the compiled uniform-in-band sampler against NumPy rejection sampling.

The task is the paper's: points uniform in the ball with |V(x) - level| <= width.
Both sides draw that same distribution (the sampler ray by ray with exact
acceptance, tests/test_potentials.py checks it against rejection by KS tests),
both must return valid points (checked), and the summary prints the ratio of
their times per point.  ``generic`` is the non-radial case.  SYMFAST_BENCH_TINY=1
shrinks the sizes so that CI can run the file without spending minutes.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from reference import rejection_level_set
from symfast.potentials import get, sample_level_sets

TINY = bool(os.environ.get("SYMFAST_BENCH_TINY"))
LEVEL = 0.4
CASES = ([("higgs", 1e-3), ("higgs", 1e-2), ("so3", 1e-3), ("generic", 1e-2)] if not TINY
         else [("higgs", 1e-2)])
N_KERNEL = 200 if TINY else 20_000
N_REFERENCE = 20 if TINY else 300


@pytest.mark.parametrize("name, width", CASES)
def test_kernel(benchmark, name, width):
    benchmark.group = f"sampling {name} width={width:g}"
    benchmark.extra_info.update(role="kernel", items=N_KERNEL)
    X, _ = benchmark(sample_level_sets, name, [LEVEL], width=width, per_class=N_KERNEL,
                     seed=0)
    assert np.abs(get(name)(X) - LEVEL).max() <= width


@pytest.mark.parametrize("name, width", CASES)
def test_reference(benchmark, name, width):
    p = get(name)
    benchmark.group = f"sampling {name} width={width:g}"
    benchmark.extra_info.update(role="reference", items=N_REFERENCE)
    X, drawn = benchmark.pedantic(rejection_level_set,
                                  args=(p, p.dim, p.radius, LEVEL, width, N_REFERENCE),
                                  rounds=1 if TINY else 3, iterations=1)
    benchmark.extra_info["acceptance"] = N_REFERENCE / drawn
    assert np.abs(p(X) - LEVEL).max() <= width

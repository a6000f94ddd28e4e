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
from symfast.potentials import HIGGS_A, from_function, get, sample_level_sets

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


# -- user functions: from_function's compiled sampler against the NumPy-callable path ------
# The same function three ways: written as a Python function of one point and compiled by
# from_function (kernel), as a vectorised NumPy callable, which sample_level_sets samples by
# rejection in NumPy batches (reference: what a user without from_function runs), and, for
# so3, the built-in polynomial (the "builtin" row: how far the compiled path is from it).

def so3_point(x):
    r2 = x[0] ** 2 + x[1] ** 2 + x[2] ** 2
    return r2 * r2 - HIGGS_A * r2


def so3_numpy(X):
    r2 = np.einsum("ij,ij->i", X, X)
    return r2 * r2 - HIGGS_A * r2


def wavy_point(x):
    r2 = x[0] ** 2 + x[1] ** 2 + x[2] ** 2
    return np.cos(3.0 * np.sqrt(r2)) * np.exp(-0.5 * r2) + 0.3 * x[0]


def wavy_numpy(X):
    r2 = np.einsum("ij,ij->i", X, X)
    return np.cos(3.0 * np.sqrt(r2)) * np.exp(-0.5 * r2) + 0.3 * X[:, 0]


USER = {"so3": (so3_point, so3_numpy), "wavy": (wavy_point, wavy_numpy)}
USER_WIDTH = 1e-3


@pytest.fixture(scope="module")
def compiled():
    radius = get("so3").radius
    return {name: from_function(f, 3, radius=radius) for name, (f, _) in USER.items()}


@pytest.mark.parametrize("name", sorted(USER))
def test_user_function_compiled(benchmark, compiled, name):
    benchmark.group = f"sampling user function {name} width={USER_WIDTH:g}"
    benchmark.extra_info.update(role="kernel", items=N_KERNEL)
    X, _ = benchmark(sample_level_sets, compiled[name], [LEVEL], width=USER_WIDTH,
                     per_class=N_KERNEL, seed=0)
    assert np.abs(USER[name][1](X) - LEVEL).max() <= USER_WIDTH


@pytest.mark.parametrize("name", sorted(USER))
def test_user_function_numpy(benchmark, name):
    benchmark.group = f"sampling user function {name} width={USER_WIDTH:g}"
    benchmark.extra_info.update(role="reference", items=N_REFERENCE)
    X, _ = benchmark.pedantic(sample_level_sets, args=(USER[name][1], [LEVEL]),
                              kwargs=dict(width=USER_WIDTH, per_class=N_REFERENCE, dim=3,
                                          radius=get("so3").radius, seed=0),
                              rounds=1 if TINY else 3, iterations=1)
    assert np.abs(USER[name][1](X) - LEVEL).max() <= USER_WIDTH


def test_user_function_builtin(benchmark):
    benchmark.group = f"sampling user function so3 width={USER_WIDTH:g}"
    benchmark.extra_info.update(role="builtin", items=N_KERNEL)
    X, _ = benchmark(sample_level_sets, "so3", [LEVEL], width=USER_WIDTH, per_class=N_KERNEL,
                     seed=0)
    assert np.abs(so3_numpy(X) - LEVEL).max() <= USER_WIDTH

"""Invariant models from the symmetry symfast found, against the same network on the raw
inputs: the learning curve (50, 200, 1000 training samples; held-out 1 - R^2 on 2000
points) of every case of ``tests/invariant_cases.py``, one figure per case.

Writes ``benchmarks/results/invariant-<case>.png`` and ``invariant_models.json``
(``SYMFAST_BENCH_TINY``: so3 only, at 50 and 200).  The timed pair is one fit at the
largest size: the invariant model (kernel) against the raw network (reference).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from invariant_cases import CASES
from symfast.analysis import plot_learning_curve
from symfast.nn import InvariantRegressor, invariant_learning_curve

TINY = bool(os.environ.get("SYMFAST_BENCH_TINY"))
SIZES = (50, 200) if TINY else (50, 200, 1000)
NAMES = ["so3"] if TINY else list(CASES)
OUT = Path(__file__).resolve().parent / "results"
RESULTS: dict[str, dict] = {}


@pytest.fixture(scope="module", params=NAMES)
def case(request):
    find, data, degree = CASES[request.param]
    sym = find()
    X, y = data(max(SIZES), 1)
    Xt, yt = data(2000, 2)
    return request.param, sym, degree, X, y, Xt, yt


def test_learning_curve(case):
    name, sym, degree, X, y, Xt, yt = case
    curve = invariant_learning_curve(sym, X, y, Xt, yt, sizes=SIZES, degree=degree)
    curve["symmetry"] = sym.name
    RESULTS[name] = curve
    OUT.mkdir(exist_ok=True)
    plot_learning_curve(curve, OUT / f"invariant-{name}.png",
                        title=f"{name}: found {sym.name}, {curve['n_invariants']} invariants "
                              f"up to degree {degree}")
    (OUT / "invariant_models.json").write_text(json.dumps(RESULTS, indent=2) + "\n")
    print(f"\n{name} ({sym.name}): " + ", ".join(
        f"n={n}: {a:.2e} vs {b:.2e} ({r:.3f})" for n, a, b, r in
        zip(curve["sizes"], curve["invariant"], curve["unconstrained"], curve["ratio"])))
    assert curve["invariant"][-1] <= curve["unconstrained"][-1]


@pytest.mark.parametrize("role", ["kernel", "reference"])
def test_fit_time(benchmark, case, role):
    name, sym, degree, X, y, _, _ = case
    benchmark.group = f"invariant model fit {name} n={X.shape[0]}"
    benchmark.extra_info.update(role=role, items=X.shape[0])
    est = (InvariantRegressor(sym, degree) if role == "kernel"
           else InvariantRegressor(None, degree, unconstrained=True))
    benchmark.pedantic(est.fit, args=(X, y), rounds=1, iterations=1)

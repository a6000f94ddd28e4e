"""User potentials as Python functions of one point, compiled with Numba (from_function).

The compiled sampler is checked against plain rejection sampling (the paper's
procedure, tests/reference.py) on a function that is not a polynomial.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from scipy.stats import ks_2samp

from reference import rejection_level_set
from symfast.potentials import (CompiledFunction, NumbaFallbackWarning, from_function,
                                sample_level_sets)


def wavy(x):
    """Not a polynomial and not radial: a damped radial wave with a tilt."""
    r2 = x[0] ** 2 + x[1] ** 2 + x[2] ** 2
    return np.cos(3.0 * np.sqrt(r2)) * np.exp(-0.5 * r2) + 0.3 * x[0]


def wavy_numpy(X):
    r2 = (X ** 2).sum(axis=1)
    return np.cos(3.0 * np.sqrt(r2)) * np.exp(-0.5 * r2) + 0.3 * X[:, 0]


def square(x):
    """z^2 for z = x0 + i x1: two real outputs."""
    z = complex(x[0], x[1])
    return z * z


def pair(x):
    return x[0] + x[1], x[0] * x[1]


def _not_compiled(v):
    return 2.0 * v


def uses_python_helper(x):
    return _not_compiled(x[0]) + x[1] ** 2


def test_compiled_sampler_draws_the_rejection_distribution(monkeypatch):
    from symfast._ext import _fnband

    V = from_function(wavy, 3, radius=2.0)
    assert isinstance(V.function, CompiledFunction)
    assert V.n_outputs == 1 and V.group == "unknown"
    routes: dict[str, int] = {}
    for route in ("sample_band", "sample_reject"):
        real = getattr(_fnband, route)

        def spy(*args, _real=real, _route=route):
            routes[_route] = routes.get(_route, 0) + len(args[2])
            return _real(*args)

        monkeypatch.setattr(_fnband, route, spy)
    # at 0.8 the level set is a closed surface (the ray route); at 0.0 a few rays run
    # along the band for long stretches, and plain rejection is the cheaper route
    levels, width = [0.0, 0.8], 1e-2
    X, y = sample_level_sets(V, levels, width=width, per_class=1500, seed=1)
    assert routes == {"sample_band": 1500, "sample_reject": 1500}
    assert np.all(np.abs(wavy_numpy(X) - np.array(levels)[y]) <= width)
    assert np.allclose(V(X), wavy_numpy(X), rtol=1e-12, atol=1e-12)
    for k, level in enumerate(levels):
        R, _ = rejection_level_set(wavy_numpy, 3, 2.0, level, width, 1500, seed=7)
        mine = X[y == k]
        # radius and the tilted coordinate: both shapes of the distribution
        assert ks_2samp(np.linalg.norm(mine, axis=1), np.linalg.norm(R, axis=1)).pvalue > 1e-3
        assert ks_2samp(mine[:, 0], R[:, 0]).pvalue > 1e-3


def test_compiled_and_numpy_paths_agree_and_the_seed_decides():
    V = from_function(wavy, 3, radius=2.0)
    a, _ = sample_level_sets(V, [0.2], width=1e-3, per_class=200, seed=3, n_threads=1)
    b, _ = sample_level_sets(V, [0.2], width=1e-3, per_class=200, seed=3, n_threads=2)
    np.testing.assert_array_equal(a, b)
    c, _ = sample_level_sets(V, [0.2], width=1e-3, per_class=200, seed=4)
    assert not np.allclose(a, c)
    # method="rays" runs on the compiled evaluator through the NumPy ray path
    r, _ = sample_level_sets(V, [0.2], width=1e-3, per_class=50, seed=3, method="rays")
    assert np.all(np.abs(wavy_numpy(r) - 0.2) <= 1e-3)


def test_several_outputs():
    V = from_function(square, 2, radius=1.5, outputs=2)
    assert V.n_outputs == 2
    X = np.array([[1.0, 0.5], [0.2, -0.3]])
    z = (X[:, 0] + 1j * X[:, 1]) ** 2
    np.testing.assert_allclose(V(X), np.stack([z.real, z.imag], axis=1))
    Xs, ys = sample_level_sets(V, [[0.0, 0.5], [0.25]], width=1e-2, per_class=50)
    assert Xs.shape == (100, 2) and ys.shape == (100, 2)
    W = from_function(pair, 2, radius=1.0, outputs=2)
    np.testing.assert_allclose(W(X), np.stack([X.sum(1), X.prod(1)], axis=1))


def test_outputs_must_match_what_f_returns():
    with pytest.raises(ValueError, match="outputs=1, but square"):
        from_function(square, 2, radius=1.0)
    with pytest.raises(ValueError, match="outputs=3"):
        from_function(pair, 2, radius=1.0, outputs=3)


@pytest.mark.parametrize("kwargs, match", [
    ({"dim": 0}, "dim must be >= 1"),
    ({"radius": -1.0}, "radius must be > 0"),
    ({"grid": 1}, "grid must be >= 2"),
    ({"grid": 5000}, "grid must be <= 1024"),
    ({"outputs": 0}, "outputs must be >= 1"),
])
def test_bad_arguments_are_named(kwargs, match):
    args = {"dim": 3, "radius": 1.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        from_function(wavy, args.pop("dim"), **args)


def test_f_must_take_one_point():
    with pytest.raises(TypeError, match="f must be a Python function"):
        from_function(3.0, 2, radius=1.0)
    with pytest.raises(ValueError, match="f takes one point"):
        from_function(lambda x: x[5], 2, radius=1.0)
    with pytest.raises(TypeError, match="must return a real or complex number"):
        from_function(lambda x: "a", 2, radius=1.0)


def test_uncompilable_function_falls_back_with_numbas_reason():
    with pytest.warns(NumbaFallbackWarning, match="_not_compiled"):
        V = from_function(uses_python_helper, 2, radius=1.0)
    assert not isinstance(V.function, CompiledFunction)
    X, y = sample_level_sets(V, [0.5], width=1e-2, per_class=20)
    assert np.all(np.abs(2 * X[:, 0] + X[:, 1] ** 2 - 0.5) <= 1e-2)
    with pytest.raises(ValueError, match="Numba cannot compile uses_python_helper"):
        from_function(uses_python_helper, 2, radius=1.0, fallback=False)


def test_compilation_is_cached_on_disk():
    from_function(wavy, 3, radius=1.0)          # writes the cache if not there yet
    again = from_function(wavy, 3, radius=1.0)
    assert again.function.cached and again.function.cache_hit


def test_function_without_source_file_still_compiles():
    namespace: dict = {"np": np}
    exec("def f(x):\n    return np.sin(x[0]) + x[1] ** 2\n", namespace)
    V = from_function(namespace["f"], 2, radius=1.0)
    assert isinstance(V.function, CompiledFunction) and not V.function.cached
    X = np.array([[0.3, 0.4]])
    np.testing.assert_allclose(V(X), np.sin(0.3) + 0.16)


def test_pickles_by_recompiling():
    V = from_function(wavy, 3, radius=2.0)
    W = pickle.loads(pickle.dumps(V))
    X = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_array_equal(V(X), W(X))


def test_an_unreachable_level_is_named():
    V = from_function(wavy, 3, radius=1.0)
    with pytest.raises(ValueError, match=r"levels\[1\]=5 is not reached"):
        sample_level_sets(V, [0.0, 5.0], width=1e-3, per_class=10)


def test_no_warning_on_the_compiled_path():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from_function(wavy, 3, radius=1.0)

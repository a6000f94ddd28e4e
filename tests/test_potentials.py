"""Potentials: known invariances, and level-set sampling against exact references."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm
from scipy.stats import kstest

from reference import ray_roots, rejection_level_set
from symfast.potentials import (HIGGS_A, PAPER_LEVELS, Polynomial, get, names,
                                sample_level_sets)

ALL = names()
SYMMETRIC = [n for n in ALL if get(n).n_generators > 0]


def test_registry_holds_the_issue_potentials():
    assert set(ALL) >= {"higgs", "so3", "so4", "so5", "so6", "so2xso2", "so3xso2", "z4",
                        "generic"}
    expected_k = {"higgs": 1, "so3": 3, "so4": 6, "so5": 10, "so6": 15, "so2xso2": 2,
                  "so3xso2": 4, "z4": 0, "generic": 0}
    for name, k in expected_k.items():
        p = get(name)
        assert p.generators.shape == (k, p.dim, p.dim), name


@pytest.mark.parametrize("name", SYMMETRIC)
def test_generators_leave_potential_invariant(name, rng):
    """Relative invariance error of V under exp(theta T) for each known generator."""
    p = get(name)
    X = rng.uniform(-1.5, 1.5, size=(200, p.dim))
    V0 = p(X)
    compact = "radial" in p.tags or "product" in p.tags
    for T, b in zip(p.generators, p.affine_translations):
        if compact:
            assert np.allclose(T, -T.T) and not b.any()  # compact: antisymmetric, linear
        A = np.zeros((p.dim + 1, p.dim + 1))
        A[:-1, :-1], A[:-1, -1] = T, b
        for theta in (0.3, 1.7, -2.9):
            g = expm(theta * A)
            err = np.abs(p(X @ g[:-1, :-1].T + g[:-1, -1]) - V0) / (np.abs(V0) + 1.0)
            assert err.max() < 1e-9, (name, theta)


@pytest.mark.parametrize("name", ["z4", "generic"])
def test_negative_controls_have_no_rotation_symmetry(name, rng):
    p = get(name)
    X = rng.uniform(-1.5, 1.5, size=(500, 2))
    c, s = np.cos(0.3), np.sin(0.3)
    R = np.array([[c, -s], [s, c]])
    assert np.abs(p(X @ R.T) - p(X)).max() > 0.05


def test_z4_has_its_discrete_symmetry(rng):
    p = get("z4")
    X = rng.uniform(-1.5, 1.5, size=(500, 2))
    R90 = np.array([[0.0, -1.0], [1.0, 0.0]])
    assert np.allclose(p(X @ R90.T), p(X), atol=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_every_sample_inside_its_window(name):
    p = get(name)
    if p.n_outputs > 1:                  # joint bins: one level sequence per output
        levels = [p.default_levels[4:7]] * p.n_outputs
        X, y = sample_level_sets(name, levels, per_class=20, seed=3, width=1e-3)
        assert X.shape == (9 * 20, p.dim) and y.shape == (9 * 20, 2)
        dev = np.abs(p(X) - np.asarray(levels[0])[y])
        assert dev.max() <= 1e-3
        assert np.linalg.norm(X, axis=1).max() <= p.radius
        return
    X, y = sample_level_sets(name, PAPER_LEVELS, per_class=200, seed=3)
    assert X.shape == (11 * 200, p.dim) and X.dtype == np.float64
    assert y.dtype == np.int64 and np.array_equal(np.bincount(y), np.full(11, 200))
    dev = np.abs(p(X) - np.asarray(PAPER_LEVELS)[y])
    assert dev.max() <= 1e-3
    assert np.linalg.norm(X, axis=1).max() <= p.radius


@settings(max_examples=25, deadline=None)
@given(level=st.floats(-1.3, 3.0), width=st.floats(1e-8, 0.2),
       name=st.sampled_from(["higgs", "so3", "so2xso2", "z4", "generic"]),
       seed=st.integers(0, 2**32))
def test_window_holds_for_any_level_and_width(level, width, name, seed):
    p = get(name)
    try:
        X, y = sample_level_sets(name, [level], width=width, per_class=50, seed=seed)
    except ValueError as exc:  # only allowed when the level is really out of reach
        assert "levels[0]" in str(exc)
        grid = np.random.default_rng(0).normal(size=(20000, p.dim))
        grid *= p.radius * np.random.default_rng(1).uniform(0, 1, (20000, 1)) / np.linalg.norm(
            grid, axis=1, keepdims=True)
        vals = p(grid)
        # well inside the range it must not fail
        assert not (vals.min() + 0.05 < level < vals.max() - 0.05 and width > 1e-6)
        return
    assert np.abs(p(X) - level).max() <= width


def test_both_higgs_circles_are_sampled_below_zero():
    """For V = c < 0 the window holds two circles at r^2 = (a -+ sqrt(a^2 + 4c)) / 2."""
    c = -0.6
    X, _ = sample_level_sets("higgs", [c], per_class=2000, seed=0)
    r = np.linalg.norm(X, axis=1)
    r_in, r_out = np.sqrt((HIGGS_A + np.array([-1, 1]) * np.sqrt(HIGGS_A**2 + 4 * c)) / 2)
    inner = np.abs(r - r_in) < 0.01
    outer = np.abs(r - r_out) < 0.01
    assert np.all(inner | outer)
    assert 0.4 < inner.mean() < 0.6


def test_same_seed_same_points_whatever_threads():
    a = sample_level_sets("so4", PAPER_LEVELS, per_class=100, seed=7, n_threads=1)
    b = sample_level_sets("so4", PAPER_LEVELS, per_class=100, seed=7, n_threads=2)
    c = sample_level_sets("so4", PAPER_LEVELS, per_class=100, seed=8, n_threads=2)
    assert np.array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_kernel_roots_match_numpy_roots(rng):
    """The compiled root isolation against numpy.roots on random rays and targets."""
    from symfast._ext import _levelset

    for name in ["higgs", "so3", "so2xso2", "z4", "generic", "so6"]:
        p = get(name).polynomial
        U = rng.normal(size=(300, p.dim))
        U /= np.linalg.norm(U, axis=1, keepdims=True)
        targets = rng.uniform(-1.4, 3.0, size=300)
        roots = np.zeros((300, _levelset.MAX_POLY_DEGREE))
        counts = np.zeros(300, dtype=np.int64)
        _levelset.ray_crossings(p.exponents, p.coefficients, U, targets, 2.0, roots,
                                counts, 2)
        for i in range(300):
            ref = ray_roots(p.exponents, p.coefficients, U[i], targets[i], 2.0)
            got = roots[i, :counts[i]]
            assert got.shape == ref.shape, (name, i, got, ref)
            assert np.allclose(got, ref, atol=1e-7), (name, i)


def test_angles_match_the_rejection_reference():
    """Kernel and plain rejection sampling agree on the angular distribution (uniform)."""
    p = get("higgs")
    X, _ = sample_level_sets("higgs", [0.4], per_class=3000, seed=1)
    R, _ = rejection_level_set(p, 2, p.radius, 0.4, 1e-2, 1000, seed=2)
    assert np.abs(p(R) - 0.4).max() <= 1e-2
    for pts in (X, R):
        theta = (np.arctan2(pts[:, 1], pts[:, 0]) + np.pi) / (2 * np.pi)
        assert kstest(theta, "uniform").pvalue > 1e-3


def test_callable_and_polynomial_paths():
    def quartic(X):
        r2 = np.einsum("ij,ij->i", X, X)
        return r2 * r2 - HIGGS_A * r2

    X, y = sample_level_sets(quartic, PAPER_LEVELS, per_class=100, dim=3, radius=2.0, seed=0)
    assert X.shape == (1100, 3)
    assert np.abs(quartic(X) - np.asarray(PAPER_LEVELS)[y]).max() <= 1e-3
    poly = get("so3").polynomial
    assert isinstance(poly, Polynomial)
    Xp, yp = sample_level_sets(poly, [0.3], per_class=50, radius=2.0)
    assert np.abs(poly(Xp) - 0.3).max() <= 1e-3


def test_orbit_count_matches_the_analytic_shells():
    p = get("higgs")
    vmin = -HIGGS_A**2 / 4
    for c in np.linspace(vmin + 0.01, -0.01, 7):
        assert p.orbit_count(c, 1e-3) == 2
    for c in (0.2, 1.0, 3.0):
        assert p.orbit_count(c, 1e-3) == 1
    assert p.orbit_count(vmin - 0.1, 1e-3) == 0
    assert get("z4").orbit_count(0.2) is None


# -- bad input ---------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(potential="nope", levels=[0.1]), ValueError, "potential"),
    (dict(potential="higgs", levels=[0.1], width=0.0), ValueError, "width"),
    (dict(potential="higgs", levels=[0.1], width=-1e-3), ValueError, "width"),
    (dict(potential="higgs", levels=[np.nan]), ValueError, "levels"),
    (dict(potential="higgs", levels=[np.inf]), ValueError, "levels"),
    (dict(potential="higgs", levels=[]), ValueError, "levels"),
    (dict(potential="higgs", levels=[10.0]), ValueError, "levels[0]"),
    (dict(potential="higgs", levels=[-2.0]), ValueError, "levels[0]"),
    (dict(potential="higgs", levels=[0.1], per_class=0), ValueError, "per_class"),
    (dict(potential="higgs", levels=[0.1], per_class=2.5), TypeError, "per_class"),
    (dict(potential="higgs", levels=[0.1], dim=3), ValueError, "dim"),
    (dict(potential="higgs", levels=[0.1], radius=-1.0), ValueError, "radius"),
    (dict(potential="higgs", levels=[0.1], seed=-1), ValueError, "seed"),
    (dict(potential=lambda X: X[:, 0], levels=[0.1], radius=1.0), TypeError, "dim"),
    (dict(potential=lambda X: X[:, 0], levels=[0.1], dim=2), TypeError, "radius"),
    (dict(potential=lambda X: X, levels=[0.1], dim=2, radius=1.0), ValueError, "shape"),
    (dict(potential=42, levels=[0.1]), TypeError, "potential"),
])
def test_bad_input_is_named(kwargs, exc, words):
    with pytest.raises(exc, match=None) as info:
        sample_level_sets(**kwargs)
    assert words in str(info.value)


@pytest.mark.parametrize("name, level", [("generic", 0.2), ("d3", 0.2)])
def test_uniform_sampler_draws_what_rejection_draws_on_non_radial_potentials(name, level):
    """Radii and angles of 20,000 samples against plain rejection sampling (KS tests).

    The default sampler must pass (the paper's distribution: uniform in the band); the
    earlier ray sampler, whose density follows the rays, must fail on these potentials.
    """
    from scipy.stats import ks_2samp

    p = get(name)
    R, _ = rejection_level_set(p, p.dim, p.radius, level, 1e-2, 20_000, seed=1)

    def pvalues(X):
        radius = ks_2samp(np.linalg.norm(X, axis=1), np.linalg.norm(R, axis=1)).pvalue
        angle = ks_2samp(np.arctan2(X[:, 1], X[:, 0]), np.arctan2(R[:, 1], R[:, 0])).pvalue
        return radius, angle

    X, _ = sample_level_sets(name, [level], width=1e-2, per_class=20_000, seed=2)
    assert np.abs(p(X) - level).max() <= 1e-2
    assert min(pvalues(X)) > 1e-3
    old, _ = sample_level_sets(name, [level], width=1e-2, per_class=20_000, seed=2,
                               method="rays")
    assert min(pvalues(old)) < 1e-3


def test_uniform_sampler_in_three_dimensions_against_rejection():
    from scipy.stats import ks_2samp

    p = get("s3")
    R, _ = rejection_level_set(p, 3, p.radius, 0.2, 2e-2, 5000, seed=3)
    X, _ = sample_level_sets("s3", [0.2], width=2e-2, per_class=5000, seed=4)
    for f in (lambda Z: np.linalg.norm(Z, axis=1), lambda Z: Z[:, 2] / np.linalg.norm(Z, axis=1),
              lambda Z: np.arctan2(Z[:, 1], Z[:, 0])):
        assert ks_2samp(f(X), f(R)).pvalue > 1e-3


def test_sampler_method_is_validated():
    with pytest.raises(ValueError, match="method must be one of"):
        sample_level_sets("higgs", [0.1], method="grid")

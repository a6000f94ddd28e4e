"""Generator discovery against the known invariance groups of the built-in potentials."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import ortho_group

import reference
import symfast
from symfast.symmetry import (algebra_similarity, find_generators, identify_algebra,
                              plane_candidates, random_planes, structure_constants)
from symfast.potentials import PAPER_LEVELS, get, sample_level_sets

EXPECTED = {"higgs": "u(1)", "so3": "so(3)", "so4": "so(4)", "so5": "so(5)", "so6": "so(6)",
            "so2xso2": "u(1)+u(1)", "so3xso2": "so(3)+u(1)"}


#: Points per level.  so3xso2's 4-dimensional level sets in R^5 need more: on uniform
#: samples (the paper's distribution) the fields that mix its two blocks, symmetries of
#: no level set, stay within a factor 2 of the true ones' residuals at 1000 points per
#: level (0.08 against 0.04, measured), and the count rule read so(5); at 3000 the
#: factor is 3.6 (0.10 against 0.027).  The earlier ray sampler passed at 1000 by a
#: margin as thin (jumps 1.83 against 1.5).
PER_CLASS = {"so3xso2": 3000}


def _samples(name, per_class=None, seed=0):
    n = per_class or PER_CLASS.get(name, 1000)
    return sample_level_sets(name, PAPER_LEVELS, per_class=n, seed=seed)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_finds_the_known_algebra(name):
    X, y = _samples(name)
    res = find_generators(X, y)
    truth = get(name).generators
    assert res.n_generators == truth.shape[0], res
    assert res.similarity(truth) >= 0.95
    assert res.algebra == EXPECTED[name]
    assert res.generators.shape == truth.shape
    assert res.closure_error < 0.1


@pytest.mark.parametrize("name", ["so3", "so2xso2", "so3xso2"])
def test_rotated_coordinates_give_rotated_generators(name):
    X, y = _samples(name)
    Q = ortho_group.rvs(X.shape[1], random_state=7)
    res = find_generators(X @ Q.T, y)
    rotated = np.einsum("ij,kjl,ml->kim", Q, get(name).generators, Q)
    assert res.n_generators == rotated.shape[0]
    assert res.similarity(rotated) >= 0.95
    if name != "so3":  # so(n) is mapped onto itself by any rotation; the products are not
        assert res.similarity(get(name).generators) < 0.9


@pytest.mark.parametrize("name", ["z4", "generic"])
def test_negative_controls_have_no_generator(name):
    X, y = _samples(name)
    res = find_generators(X, y)
    assert res.n_generators == 0 and res.algebra == "trivial"
    assert res.reason


@pytest.mark.parametrize("name", ["higgs", "so3"])
def test_one_percent_noise(name):
    X, y = _samples(name)
    rng = np.random.default_rng(3)
    X = X + rng.normal(size=X.shape) * 0.01 * np.linalg.norm(X, axis=1, keepdims=True)
    res = find_generators(X, y)
    assert res.n_generators == get(name).n_generators
    assert res.similarity(get(name).generators) >= 0.95


@pytest.mark.parametrize("name", ["higgs", "so3"])
def test_pairs_method_finds_circles_and_spheres(name):
    X, y = _samples(name)
    res = find_generators(X, y, method="pairs", n_planes=400)
    assert res.method == "pairs"
    assert res.n_generators == get(name).n_generators
    assert res.similarity(get(name).generators) >= 0.95
    assert res.diagnostics["planes_fitted"] > 0 and res.diagnostics["pairs"] > 0


def test_pairs_method_rejects_the_z4_curves():
    """In 2D every closed curve looks like a circle to the pair regression; its residual
    must give the z4 level sets away."""
    X, y = _samples("z4")
    res = find_generators(X, y, method="pairs", n_planes=400)
    assert res.n_generators == 0 and "residual" in res.reason


def test_kernel_matches_numpy_reference(rng):
    X, _ = sample_level_sets("so3", [0.4], per_class=3000, seed=2)
    X = X - X.mean(axis=0)
    bases = random_planes(X, 64, rng)
    got = plane_candidates(X, bases, 0.05, 0.2, max_kept=300, n_threads=2)
    ref = reference.plane_regression(X, bases, 0.05, 0.2, 300)
    assert np.array_equal(got["kept"], ref["kept"])
    assert np.array_equal(got["pairs"], ref["pairs"])
    fitted = ref["residual"] >= 0
    assert np.array_equal(got["residual"] >= 0, fitted) and fitted.sum() > 50
    assert np.allclose(got["T"][fitted], ref["T"][fitted], atol=1e-9)
    assert np.allclose(got["residual"][fitted], ref["residual"][fitted], atol=1e-9)


def test_pca_reduction_maps_back_to_input_coordinates(rng):
    X, y = _samples("so3", per_class=600)
    # embed in 5D, with the sphere in a rotated 3D subspace
    Q = ortho_group.rvs(5, random_state=1)[:, :3]
    X5 = X @ Q.T
    res = find_generators(X5, y, n_components=3)
    truth = np.einsum("ia,kab,jb->kij", Q, get("so3").generators, Q)
    assert res.generators.shape == (3, 5, 5)
    assert res.similarity(truth) >= 0.95


def test_result_serialises_and_aliases():
    X, y = _samples("higgs", per_class=500)
    res = symfast.find_generators(X, y)
    data = json.loads(res.to_json())
    assert data["algebra"] == "u(1)" and data["n_generators"] == 1
    assert np.array_equal(res.lie_algebra, res.generators)
    assert len(data["explained_variance_ratio"]) > 1
    G = res.generators[0]
    assert np.allclose(G, -G.T, atol=0.05)          # a rotation generator
    assert np.isclose(np.linalg.norm(G), 1.0)        # orthonormal basis


def test_forced_count():
    X, y = _samples("so3", per_class=500)
    assert find_generators(X, y, n_generators=1).n_generators == 1


# -- degenerate and bad input ----------------------------------------------------------------
def test_degenerate_inputs_give_reasons():
    same = find_generators(np.ones((50, 3)))
    assert same.n_generators == 0 and "identical" in same.reason
    with pytest.raises(ValueError, match="X has 3 points; find_generators needs at least 5"):
        find_generators(np.random.default_rng(0).normal(size=(3, 3)))
    few = find_generators(np.random.default_rng(0).normal(size=(6, 3)))
    assert few.n_generators == 0 and few.unresolved and "too few points" in few.reason
    X, y = _samples("so3", per_class=200)
    nopairs = find_generators(X, y, method="pairs", n_planes=20, eps=1e-9)
    assert nopairs.n_generators == 0 and "pairs" in nopairs.reason


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(X=np.array([[0.0, np.nan]] * 10)), ValueError, "X"),
    (dict(X=np.array([[0.0, np.inf]] * 10)), ValueError, "X"),
    (dict(X=np.zeros((10, 1))), ValueError, "at least 2 columns"),
    (dict(X=np.zeros(10)), ValueError, "X"),
    (dict(X=np.zeros((10, 2)), labels=np.zeros(9)), ValueError, "labels"),
    (dict(X=np.zeros((10, 2)), method="magic"), ValueError, "method"),
    (dict(X=np.zeros((10, 3)), n_components=5), ValueError, "n_components"),
    (dict(X=np.zeros((10, 2)), delta=-1.0), ValueError, "delta"),
    (dict(X=np.zeros((10, 2)), n_planes=0), ValueError, "n_planes"),
])
def test_bad_input_is_named(kwargs, exc, words):
    with pytest.raises(exc) as info:
        find_generators(**kwargs)
    assert words in str(info.value)


# -- algebra bookkeeping ---------------------------------------------------------------------
@pytest.mark.parametrize("name", list(EXPECTED) + ["z4"])
def test_identify_ground_truth(name):
    assert identify_algebra(get(name).generators) == EXPECTED.get(name, "trivial")


def test_structure_constants_of_so3():
    f, err = structure_constants(get("so3").generators)
    assert err < 1e-12
    # [L_01, L_02] = L_12 in the basis L_ij = E_ji - E_ij
    assert np.isclose(f[0, 1, 2], 1.0) and np.isclose(f[1, 0, 2], -1.0)


def test_non_compact_is_named_by_its_real_form():
    E = np.array([[0.0, 1.0], [0.0, 0.0]])
    sl2 = np.stack([E, E.T, np.diag([1.0, -1.0])])
    assert identify_algebra(sl2) == "sl(2,R)"


def test_similarity_properties(rng):
    so3 = get("so3").generators
    Q = ortho_group.rvs(3, random_state=3)
    mixed = np.einsum("ab,bij->aij", rng.normal(size=(3, 3)), so3)   # another basis
    assert np.isclose(algebra_similarity(so3, mixed), 1.0)
    assert np.isclose(algebra_similarity(so3, so3[:1]), 1 / 3)
    assert algebra_similarity(so3, np.eye(3)[None]) == 0.0            # orthogonal
    assert algebra_similarity(np.zeros((0, 3, 3)), np.zeros((0, 3, 3))) == 1.0
    assert np.isclose(algebra_similarity(np.einsum("ij,kjl,ml->kim", Q, so3, Q), so3), 1.0)

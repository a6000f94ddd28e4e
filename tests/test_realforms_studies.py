"""The second example of Krippendorf & Syvaeri and the non-compact built-ins, end to end.

Every reference here is worked out by hand: the superpotential's algebra from u's
quadratic form (tests/reference.py), the Lorentz and sl(2,R) algebras as
X^T eta + eta X = 0, the squeeze diag(1, -1), and the fields along (1, 1, 0) of
V = sin(x - y) + z^2.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.linalg import expm

import reference
from symfast import find_generators
from symfast.symmetry import algebra_similarity, describe_algebra
from symfast.cli import main
from symfast.potentials import get, sample_level_sets

LEVELS_W = (0.5 + 0.3j, -1.0 + 2.0j, 2.0 - 1.0j)


def test_exact_joint_level_sets_give_so4c():
    """Three exact level sets {W = w} (20,000 points each): exactly the 12 generators."""
    rng = np.random.default_rng(0)
    X = np.concatenate([reference.superpotential_level_set(w, 20_000, rng) for w in LEVELS_W])
    labels = np.repeat(np.arange(3), 20_000)
    truth = reference.so4c_real_generators()
    assert truth.shape == (12, 8, 8)
    res = find_generators(X, labels)
    assert res.n_generators == 12, res
    assert res.similarity(truth) >= 0.99
    assert res.algebra == "so(4,C)" and res.compact_part == "so(4)" and not res.is_compact
    assert "sl(2,C)+sl(2,C)" in res.isomorphic
    # the codimension can also be given instead of read off local PCA
    assert find_generators(X, labels, method="tangent", codim=2).n_generators == 12


def test_given_normals_replace_local_pca():
    """At 500 points per level local PCA sees no tangent space; exact gradients do."""
    rng = np.random.default_rng(1)
    X = np.concatenate([reference.superpotential_level_set(w, 500, rng) for w in LEVELS_W])
    labels = np.repeat(np.arange(3), 500)
    pca = find_generators(X, labels, method="tangent", codim=2)
    assert pca.n_generators != 12
    N = get("superpotential").gradient(X)               # (n, 2, 8)
    res = find_generators(X, labels, normals=N)
    assert res.n_generators == 12
    assert res.similarity(reference.so4c_real_generators()) >= 0.999


def test_registry_algebra_matches_the_quadratic_form():
    p = get("superpotential")
    assert algebra_similarity(p.generators, reference.so4c_real_generators()) > 1 - 1e-12
    assert p.n_outputs == 2 and p.dim == 8


def _affine_flow(T, b, t):
    d = T.shape[0]
    A = np.zeros((d + 1, d + 1))
    A[:d, :d], A[:d, d] = T, b
    return expm(t * A)


@pytest.mark.parametrize("name", ["lorentz", "sl2r", "squeeze", "translation",
                                  "superpotential"])
def test_new_builtins_are_invariant_under_their_flows(name, rng):
    p = get(name)
    X = rng.uniform(-1.2, 1.2, size=(300, p.dim))
    V0 = p(X)
    for T, b in zip(p.generators, p.affine_translations):
        for t in (0.3, -0.7):
            g = _affine_flow(T, b, t)
            Y = X @ g[:-1, :-1].T + g[:-1, -1]
            assert np.abs(p(Y) - V0).max() < 1e-9 * (1 + np.abs(V0).max()), (name, t)
    assert describe_algebra(p.generators, p.affine_translations).name == p.algebra


def test_exact_algebras_by_hand():
    eta = np.diag([1.0, -1.0, -1.0, -1.0])
    for T in get("lorentz").generators:
        assert np.allclose(T.T @ eta + eta @ T, 0)
    assert get("lorentz").n_generators == 6
    assert np.allclose(get("squeeze").generators, np.diag([1.0, -1.0])[None])
    d = describe_algebra(get("sl2r").generators)
    assert (d.name, d.compact_part) == ("sl(2,R)", "u(1)")
    assert "su(1,1)" in d.isomorphic and "so(1,2)" in d.isomorphic


# -- sampling several outputs ----------------------------------------------------------------
def test_joint_level_sets_of_the_superpotential():
    levels = [[-1.0, 2.0], [0.0, 3.0, -4.0]]
    X, y = sample_level_sets("superpotential", levels, width=1e-2, per_class=40, seed=3)
    assert X.shape == (6 * 40, 8) and y.shape == (240, 2)
    W = get("superpotential")(X)
    target = np.stack([np.asarray(levels[0])[y[:, 0]], np.asarray(levels[1])[y[:, 1]]], 1)
    assert np.abs(W - target).max() <= 1e-2
    assert np.linalg.norm(X, axis=1).max() <= get("superpotential").radius
    # every joint class has its points
    assert np.array_equal(np.unique(y[:, 0] * 3 + y[:, 1], return_counts=True)[1],
                          np.full(6, 40))


def test_complex_callable_is_two_outputs():
    def w(X):
        z = X[:, 0] + 1j * X[:, 1]
        return z * z

    X, y = sample_level_sets(w, [[0.5, 1.0], [0.0]], width=[1e-3, 1e-3], per_class=30,
                             dim=2, radius=2.0)
    z2 = (X[:, 0] + 1j * X[:, 1]) ** 2
    assert np.abs(z2.real - np.array([0.5, 1.0])[y[:, 0]]).max() <= 1e-3
    assert np.abs(z2.imag).max() <= 1e-3


@pytest.mark.parametrize("kwargs, words", [
    (dict(potential="superpotential", levels=[0.0, 1.0]), "level sequences"),
    (dict(potential="superpotential", levels=[[0.0], [1.0], [2.0]]), "shape mismatch"),
    (dict(potential="superpotential", levels=[[0.0], [1.0]], width=[1e-2] * 3), "width"),
    (dict(potential="superpotential", levels=[[0.0], [1.0]], width=-1.0), "width"),
    (dict(potential="superpotential", levels=[[0.0], [500.0]]), "levels[1][0]"),
    (dict(potential="higgs", levels=[0.1 + 0.2j]), "real"),
    (dict(potential=lambda X: X, levels=[0.1], dim=2, radius=1.0), "shape"),
])
def test_bad_multi_output_input_is_named(kwargs, words):
    with pytest.raises(ValueError) as info:
        sample_level_sets(**kwargs)
    assert words in str(info.value)


# -- end to end --------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("name, algebra, n, compact", [
    ("lorentz", "so(1,3)", 6, "so(3)"), ("sl2r", "sl(2,R)", 3, "u(1)"),
    ("squeeze", "r", 1, "trivial"), ("translation", "r⋉r^3", 4, "trivial")])
def test_discover_names_the_non_compact_builtins(tmp_path, name, algebra, n, compact):
    out = tmp_path / name
    assert main(["discover", "--potential", name, "--quick", "--out", str(out),
                 "--no-progress"]) == 0
    data = json.loads((out / "result.json").read_text())
    assert (data["algebra"], data["n_generators"], data["compact_part"]) == (algebra, n,
                                                                            compact)
    assert data["similarity"] >= 0.999
    assert data["is_compact"] is False and "isomorphic" in data
    assert len(data["translations"]) == n


@pytest.mark.slow
def test_discover_superpotential(tmp_path):
    out = tmp_path / "w"
    assert main(["discover", "--potential", "superpotential", "--quick", "--out", str(out),
                 "--no-progress"]) == 0
    data = json.loads((out / "result.json").read_text())
    assert data["algebra"] == "so(4,C)" and data["n_generators"] == 12
    assert data["similarity"] >= 0.99 and data["compact_part"] == "so(4)"
    assert len(data["accuracy_per_output"]) == 2
    assert len(data["orbit_groups"]) == 121
    assert set(data["expected_orbit_groups"].values()) == {2}

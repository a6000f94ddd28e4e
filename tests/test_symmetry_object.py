"""symfast.Symmetry: one immutable object for what every finder returns."""

from __future__ import annotations

import json

import numpy as np
import pytest

import symfast
from symfast.potentials import PAPER_LEVELS, sample_level_sets


@pytest.fixture(scope="module")
def so3():
    X, y = sample_level_sets("so3", PAPER_LEVELS[:4], per_class=500, seed=0)
    return X, symfast.find_generators(X, y)


def test_every_finder_returns_one(so3, tmp_path):
    X, res = so3
    sym = res.symmetry
    assert isinstance(sym, symfast.Symmetry)
    assert (sym.name, sym.n_generators, sym.dim, sym.is_compact) == ("so(3)", 3, 3, True)
    assert np.array_equal(sym.lie_algebra, res.generators)
    Xz, yz = sample_level_sets("z4", [-1.0, 0.0, 0.6], per_class=1500, seed=0)
    disc = symfast.find_discrete_symmetries(Xz, yz).symmetry
    assert (disc.name, disc.component_group, disc.order, disc.n_generators) == ("D4", "D4", 8, 0)


def test_immutable_and_round_trips(so3, tmp_path):
    _, res = so3
    sym = res.symmetry
    with pytest.raises(ValueError):
        sym.lie_algebra[0, 0, 1] = 1.0                 # read-only arrays
    with pytest.raises(AttributeError):
        sym.name = "so(4)"                             # frozen
    again = symfast.Symmetry.from_json(sym.to_json())
    assert again.name == sym.name and np.array_equal(again.lie_algebra, sym.lie_algebra)
    path = sym.save(tmp_path / "sym.json")
    loaded = symfast.Symmetry.load(path)
    assert json.loads(path.read_text())["format"] == 1
    assert loaded.isomorphic == sym.isomorphic and (loaded.frame is None) == (sym.frame is None)
    with pytest.raises(FileNotFoundError):
        symfast.Symmetry.load(tmp_path / "none.json")
    with pytest.raises(ValueError, match="lie_algebra"):
        symfast.Symmetry.from_dict({"name": "x"})


def test_act_is_the_flow_and_keeps_invariants(so3):
    X, res = so3
    sym = res.symmetry
    t = np.array([0.3, -0.2, 0.5])
    moved = sym.act(X, t)
    # the flow of x' = A x + b for unit time, integrated by RK4 independently of expm
    A = np.einsum("a,aij->ij", t, sym.lie_algebra)
    b = np.einsum("a,ai->i", t, sym.translations)
    Z, h = X.copy(), 1e-3
    for _ in range(1000):
        f = lambda W: W @ A.T + b                       # noqa: E731
        k1 = f(Z); k2 = f(Z + h / 2 * k1); k3 = f(Z + h / 2 * k2); k4 = f(Z + h * k3)  # noqa: E702
        Z = Z + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    assert np.allclose(moved, Z, atol=1e-9)
    assert np.allclose(np.linalg.norm(moved, axis=1), np.linalg.norm(X, axis=1), atol=1e-3)
    assert sym.invariance_error(lambda Z: (Z**2).sum(axis=1), X) < 1e-3
    assert sym.invariance_error(lambda Z: Z[:, 0], X) > 0.05
    with pytest.raises(ValueError, match="t must be a number or have shape"):
        sym.act(X, [1.0, 2.0])
    with pytest.raises(ValueError, match="X must have 3 columns"):
        sym.act(X[:, :2])


def test_finite_elements_act_about_their_centre():
    R = np.array([[0.0, -1.0], [1.0, 0.0]])
    c = np.array([1.0, 2.0])
    elems = np.array([np.linalg.matrix_power(R, k) for k in range(4)])
    sym = symfast.Symmetry(np.zeros((0, 2, 2)), None, R[None], elems, c, "Z4",
                           component_group="Z4")
    X = np.random.default_rng(0).normal(size=(50, 2))
    assert np.allclose(sym.act(X, element=2), 2 * c - X)         # a half-turn about c
    f = lambda Z: ((Z - c) ** 4).sum(axis=1)                       # noqa: E731, Z4-invariant
    assert sym.invariance_error(f, X) < 1e-12
    with pytest.raises(ValueError, match="element must be <= 3"):
        sym.act(X, element=4)


def test_discover_result_holds_both_parts():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(600, 2))
    y = np.cos(3 * np.hypot(*X.T))
    res = symfast.discover(X, y, progress=False, max_epochs=60)
    sym = res.symmetry
    assert sym.name == res.algebra and np.array_equal(sym.lie_algebra, res.generators)
    assert res.continuous.algebra == res.algebra


def test_builtin_potentials_carry_their_exact_symmetry():
    from symfast.potentials import get

    lorentz = get("lorentz").symmetry
    assert (lorentz.name, lorentz.n_generators, lorentz.is_compact) == ("so(1,3)", 6, False)
    X = np.random.default_rng(0).normal(size=(200, 4))
    V = get("lorentz")
    assert lorentz.invariance_error(V, X, scale=0.3) < 1e-10
    z4 = get("z4").symmetry
    assert (z4.name, z4.component_group, z4.n_generators) == ("D4", "D4", 0)

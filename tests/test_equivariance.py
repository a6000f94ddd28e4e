"""Symmetries of maps (discover_equivariance) and of degenerate inputs, against truths
worked out here: the N-body rotation, a linear map's commutant, a rotation-equivariant
vector field, and x -> x x^T - |x|^2 I / 3 with its five-dimensional output representation.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import null_space

import symfast
from symfast.symmetry import algebra_similarity, find_generators
from symfast.nbody import nbody_pairs, rotation_generator

pytestmark = pytest.mark.slow


def on_span(G: np.ndarray, relations: list) -> np.ndarray:
    """The fields G restricted to the data's span (zero off it)."""
    W = np.asarray(relations).reshape(-1, G.shape[-1])
    P = np.eye(G.shape[-1]) - W.T @ W
    return np.einsum("ij,kjl,lm->kim", P, G, P)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(abs(np.sum(a * b)) / np.linalg.norm(a) / np.linalg.norm(b))


@pytest.mark.parametrize("n_bodies, kwargs", [(2, {}), (3, dict(softening=0.5))])
def test_n_body_orbits_give_the_rotation_of_every_planar_vector(n_bodies, kwargs):
    """In the centre-of-mass frame the map x(t) -> x(t + dt) commutes with the rotation of
    all positions and momenta at once; nothing else linear (Kepler's scaling needs a
    changed step)."""
    X, Y = nbody_pairs(n_bodies, n_orbits=150, steps=100, seed=0, **kwargs)
    res = symfast.discover_equivariance(X, Y, progress=False)
    assert res.same_action and res.n_generators == 1 and res.algebra == "u(1)", res.reason
    span = res.input_symmetry.diagnostics["span"]
    assert span["dim"] == 4 * n_bodies - 4 and res.unconstrained > 0
    truth = on_span(rotation_generator(n_bodies)[None], span["relations"])[0]
    assert cosine(res.generators[0], truth) >= 0.99
    # the rotation fixes the origin: no translation part to speak of
    assert np.abs(res.input_symmetry.translations).max() < 0.02


def test_a_map_the_networks_cannot_fit_is_unresolved():
    """Three bodies with close encounters (softening 0.05): the fit is too poor to count."""
    X, Y = nbody_pairs(3, n_orbits=150, steps=100, seed=0)
    res = symfast.discover_equivariance(X, Y, progress=False)
    assert res.algebra == "unresolved" and res.n_generators == 0
    assert "too poorly" in res.reason


def test_linear_map_gives_its_commutant():
    """F(x) = M x: the same-action symmetries are the A with A M = M A (no translation:
    M has no eigenvalue 1)."""
    c, s = np.cos(0.3), np.sin(0.3)
    M = np.zeros((4, 4))
    M[:2, :2] = 1.1 * np.array([[c, -s], [s, c]])
    M[2, 2], M[3, 3] = 2.0, 0.5
    # the commutant, from the linear condition (I (x) M - M^T (x) I) vec A = 0
    K = null_space(np.kron(np.eye(4), M) - np.kron(M.T, np.eye(4))).T.reshape(-1, 4, 4)
    assert K.shape[0] == 4
    X = np.random.default_rng(0).uniform(-1, 1, (5000, 4))
    res = symfast.discover_equivariance(X, X @ M.T, progress=False)
    assert res.same_action and res.n_generators == 4
    assert algebra_similarity(res.generators, K) > 0.999
    assert np.abs(res.input_symmetry.translations).max() < 1e-2


def test_rotation_equivariant_field_gives_so2_about_its_axis():
    """F(x) = sin(2|x|) x + exp(-|x|) w x x: so(2) about w, not so(3)."""
    w = np.array([1.0, 2.0, 2.0]) / 3.0
    X = np.random.default_rng(0).uniform(-1, 1, (8000, 3))
    r = np.linalg.norm(X, axis=1, keepdims=True)
    Y = np.sin(2 * r) * X + np.exp(-r) * np.cross(w, X)
    res = symfast.discover_equivariance(X, Y, progress=False)
    assert res.n_generators == 1 and res.algebra == "u(1)"
    cross = np.array([[0, -w[2], w[1]], [w[2], 0, -w[0]], [-w[1], w[0], 0]])
    assert cosine(res.generators[0], cross) >= 0.99


def test_output_representation_differs_from_the_input_one():
    """x -> x x^T - |x|^2 I / 3 in a basis of symmetric traceless matrices (R^3 -> R^5).

    The exact algebra, from the linear condition J_F(x) A x = B F(x) at random points
    with the exact Jacobian: so(3) acting by A on x and by its spin-2 representation B
    on the output, and the dilation (A, B) = (I, 2 I) (F is homogeneous of degree 2)."""
    E = []
    for i, j in [(0, 1), (0, 2), (1, 2)]:
        B = np.zeros((3, 3))
        B[i, j] = B[j, i] = 1 / np.sqrt(2)
        E.append(B)
    E += [np.diag([1.0, -1.0, 0.0]) / np.sqrt(2), np.diag([1.0, 1.0, -2.0]) / np.sqrt(6)]
    E = np.array(E)

    def F(X):
        Mx = np.einsum("ni,nj->nij", X, X) - np.eye(3) * np.sum(X ** 2, 1)[:, None, None] / 3
        return np.einsum("nij,kij->nk", Mx, E)

    def jac(X):                                   # d/dx_l of (x x^T - |x|^2 I / 3)
        n = X.shape[0]
        D = (np.einsum("il,nj->nijl", np.eye(3), X) + np.einsum("jl,ni->nijl", np.eye(3), X)
             - 2.0 / 3.0 * np.einsum("ij,nl->nijl", np.eye(3), X))
        return np.einsum("nijl,kij->nkl", D, E).reshape(n, 5, 3)

    Z = np.random.default_rng(1).normal(size=(40, 3))
    J, Fz = jac(Z), F(Z)
    rows = np.concatenate([np.einsum("nij,nk->nijk", J, Z).reshape(40, 5, 9),
                           -np.einsum("im,nk->nimk", np.eye(5), Fz).reshape(40, 5, 25)],
                          axis=2).reshape(-1, 34)
    exact = null_space(rows).T
    assert exact.shape[0] == 4
    X = np.random.default_rng(0).uniform(-1, 1, (8000, 3))
    res = symfast.discover_equivariance(X, F(X), progress=False)
    assert not res.same_action and res.n_generators == 4
    assert res.algebra == "so(3)+r"
    found = np.concatenate([res.generators.reshape(4, 9),
                            res.output_generators.reshape(4, 25)], axis=1)
    Qf, Qe = np.linalg.qr(found.T)[0], np.linalg.qr(exact.T)[0]
    assert np.linalg.svd(Qf.T @ Qe, compute_uv=False).min() > 0.99    # the same span
    assert res.output_generators.shape == (4, 5, 5)


def test_affine_parts_translations_are_reported_as_such():
    """A step x -> x + 0.1 tanh(x0 - x1)(1, -1, 0) + 0.1 sin(x1 - x2)(0, 1, -1).

    Exact algebra (solved here from the linear condition with the exact Jacobian): the
    translation along (1, 1, 1) and the field (1, 1, 1)(x0 + x1 + x2), which moves
    points along the same direction in proportion to a conserved sum."""
    a, b = np.array([1.0, -1.0, 0.0]), np.array([0.0, 1.0, -1.0])

    def F(X):
        return X + 0.1 * np.tanh(X @ a)[:, None] * a + 0.1 * np.sin(X @ b)[:, None] * b

    def J(X):
        return (np.eye(3)[None] + 0.1 / np.cosh(X @ a)[:, None, None] ** 2 * np.outer(a, a)
                + 0.1 * np.cos(X @ b)[:, None, None] * np.outer(b, b))

    Z = np.random.default_rng(1).normal(size=(60, 3))
    Jz, Fz = J(Z), F(Z)
    rows = np.concatenate([np.einsum("nij,nk->nijk", Jz, Z).reshape(60, 3, 9)
                           - np.einsum("ij,nk->nijk", np.eye(3), Fz).reshape(60, 3, 9),
                           Jz - np.eye(3)[None]], axis=2).reshape(-1, 12)
    exact = null_space(rows).T
    assert exact.shape[0] == 2
    X = np.random.default_rng(0).uniform(-1.5, 1.5, (8000, 3))
    res = symfast.discover_equivariance(X, F(X), progress=False)
    assert res.same_action and res.n_generators == 2
    assert res.input_symmetry.n_translations == 1
    found = np.concatenate([res.generators.reshape(2, 9), res.input_symmetry.translations],
                           axis=1)
    Qf, Qe = np.linalg.qr(found.T)[0], np.linalg.qr(exact.T)[0]
    assert np.linalg.svd(Qf.T @ Qe, compute_uv=False).min() > 0.999


def test_bad_input_is_named():
    X = np.random.default_rng(0).normal(size=(100, 3))
    with pytest.raises(ValueError, match="Y must have shape"):
        symfast.discover_equivariance(X, X[:50])
    with pytest.raises(ValueError, match="same_action"):
        symfast.discover_equivariance(X, X, same_action="yes")
    with pytest.raises(ValueError, match="same_action=True"):
        symfast.discover_equivariance(X, X[:, :2], same_action=True)
    with pytest.raises(ValueError, match="at least 50"):
        symfast.discover_equivariance(X[:20], X[:20])
    with pytest.raises(ValueError, match="Y"):
        symfast.discover_equivariance(X, np.full((100, 3), np.nan))


# -- degenerate and redundant inputs ---------------------------------------------------------
def redundant(U: np.ndarray) -> np.ndarray:
    """U in R^3 with a copy, a negation and a fixed combination of its columns: R^6."""
    return np.c_[U, U[:, 0], -U[:, 1], U[:, 0] + 2.0 * U[:, 2]]


def lifted_so3(Q: np.ndarray) -> np.ndarray:
    """so(3) acting on (Q u) for u, written on x = (u, u0, -u1, u0 + 2 u2) in R^6."""
    P = np.vstack([np.eye(3), [[1, 0, 0], [0, -1, 0], [1, 0, 2]]])
    L = np.array([[[0, 0, 0], [0, 0, -1], [0, 1, 0]], [[0, 0, 1], [0, 0, 0], [-1, 0, 0]],
                  [[0, -1, 0], [1, 0, 0], [0, 0, 0]]], dtype=float)
    L = np.einsum("ji,kjl,lm->kim", Q, L, Q)            # fields of u keeping |Q u|
    return np.einsum("ia,kab,bj->kij", P, L, np.linalg.pinv(P))


def test_discover_solves_on_the_span_of_redundant_columns():
    """(|Q u|^2 - 1)^2 on box-uniform u in R^3, embedded in R^6: so(3), nothing spurious."""
    from scipy.stats import ortho_group

    rng = np.random.default_rng(0)
    Q = ortho_group.rvs(3, random_state=1)
    U = rng.uniform(-1.5, 1.5, size=(5000, 3))
    y = (np.sum((U @ Q.T) ** 2, axis=1) - 1.0) ** 2
    res = symfast.discover(redundant(U), y, progress=False, discrete=False)
    assert res.algebra == "so(3)" and res.n_generators == 3
    assert res.diagnostics["span"]["dim"] == 3
    assert res.diagnostics["span"]["unconstrained"] == 42 - 12
    assert res.similarity(lifted_so3(Q)) > 0.99


def test_find_generators_solves_on_the_span():
    from symfast.potentials import sample_level_sets

    X, y = sample_level_sets("so3", [-1.0, -0.6, -0.2, 0.2, 0.6], per_class=1000, seed=0)
    res = find_generators(redundant(X), y)
    assert res.algebra == "so(3)" and res.n_generators == 3
    assert res.diagnostics["span"]["dim"] == 3
    assert res.similarity(lifted_so3(np.eye(3))) > 0.99


def test_cli_equivariant(tmp_path):
    import json

    from symfast.cli import main

    X, Y = nbody_pairs(2, n_orbits=60, steps=50, seed=1)
    np.savez(tmp_path / "orbits.npz", X=X, Y=Y)
    out = tmp_path / "eq"
    assert main(["discover", "--data", str(tmp_path / "orbits.npz"), "--target-columns", "Y",
                 "--equivariant", "--out", str(out), "--no-progress"]) == 0
    data = json.loads((out / "result.json").read_text())
    assert data["algebra"] == "u(1)" and data["same_action"] is True
    assert data["n_generators"] == 1 and len(data["input"]["generators"]) == 1


def test_discrete_finder_solves_on_the_span():
    """z4's level sets written on (x, y, x + y): D4, whose maps keep the relation; without
    the span a reflection across the plane (unconstrained by the data) made it Z2^3."""
    from symfast.potentials import sample_level_sets

    X, y = sample_level_sets("z4", [-1.0, -0.6, -0.2, 0.2, 0.6], per_class=400, seed=0)
    X3 = np.c_[X, X[:, 0] + X[:, 1]]
    res = symfast.find_discrete_symmetries(X3, y, metric="invariant")
    assert res.name == "D4" and res.elements.shape == (8, 3, 3)
    assert res.diagnostics["span"]["dim"] == 2
    moved = np.einsum("kij,nj->kni", res.elements, X3) + res.translations[:, None, :]
    assert np.abs(moved[..., 2] - moved[..., 0] - moved[..., 1]).max() < 1e-9

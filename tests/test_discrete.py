"""Discrete symmetries: finite groups named by their invariants, and found on sampled level sets.

Every expected group is worked out by hand from the potential's formula: D4 for
r^4 cos 4 theta, D3 for r^3 cos 3 theta, Z3 when sin 6 theta breaks the reflections,
the permutations of three (rotated) coordinates, O(d) / SO(d) = Z2 for radial ones.
"""

from __future__ import annotations

import warnings
from itertools import permutations, product

import numpy as np
import pytest
from finite_cases import _generated

from symfast import find_discrete_symmetries
from symfast.symmetry._discrete._finite_groups import name_group
from symfast.potentials import PAPER_LEVELS, PAPER_WIDTH, get, sample_level_sets


def _rot(t):
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


_close = _generated          # every product of the generators (tests/finite_cases.py)


def _table(els):
    n = len(els)
    return np.array([[next(k for k in range(n) if np.allclose(els[k], els[i] @ els[j]))
                      for j in range(n)] for i in range(n)])


FLIP = np.diag([1.0, -1.0])
PERM3 = [np.eye(3)[list(p)] for p in permutations(range(3))]
SIGNS3 = [np.diag(s) for s in product([1.0, -1.0], repeat=3)]
QUAT = [np.array([[0, -1, 0, 0], [1, 0, 0, 0], [0, 0, 0, -1], [0, 0, 1, 0]], float),
        np.array([[0, 0, -1, 0], [0, 0, 0, 1], [1, 0, 0, 0], [0, -1, 0, 0]], float)]


@pytest.mark.parametrize("gens, name", [
    ([_rot(np.pi)], "Z2"), ([_rot(2 * np.pi / 3)], "Z3"), ([_rot(np.pi / 2)], "Z4"),
    ([np.diag([-1.0, 1.0]), FLIP], "Z2xZ2"), ([_rot(2 * np.pi / 3), FLIP], "D3"),
    ([_rot(np.pi / 2), FLIP], "D4"), ([_rot(np.pi / 3), FLIP], "D6"),
    ([_rot(np.pi / 3)], "Z6"), (SIGNS3, "Z2^3"), (PERM3, "D3"),
    ([np.eye(3)[[1, 2, 0]], np.diag([-1.0, -1.0, 1.0])], "A4"),
    (PERM3 + SIGNS3, "B3"), (QUAT, "Q8"),
    ([np.block([[_rot(np.pi / 2), np.zeros((2, 1))], [np.zeros((1, 2)), np.eye(1)]]),
      np.diag([1.0, 1.0, -1.0])], "Z4xZ2"),
])
def test_groups_are_named_by_their_invariants(gens, name):
    assert name_group(_table(_close(gens)))[0] == name


def test_rotations_of_the_cube_are_s4_and_unknown_groups_get_their_order():
    rot = [g for g in _close(PERM3 + SIGNS3) if np.linalg.det(g) > 0]
    assert name_group(_table(rot)) == ("S4", ["O"])
    assert name_group(_table(_close(PERM3 + SIGNS3)))[1] == ["S4xZ2", "Oh"]
    # Z3 x S3 (order 18, neither abelian nor dihedral)
    z3s3 = [np.block([[_rot(2 * np.pi / 3), np.zeros((2, 3))], [np.zeros((3, 2)), p]])
            for p in PERM3]
    assert name_group(_table(_close(z3s3 + [np.block([[_rot(2 * np.pi / 3),
                                                       np.zeros((2, 3))],
                                                      [np.zeros((3, 2)), np.eye(3)]])])))[0] \
        == "order-18"


def _rotation(dim, angles):
    """The frame u = Q x of the rotated built-ins: plane rotations (0,1), (0,2), (1,2), ..."""
    Q = np.eye(dim)
    planes = [(i, j) for i in range(dim) for j in range(i + 1, dim)]
    for (i, j), a in zip(planes, angles):
        R = np.eye(dim)
        R[i, i] = R[j, j] = np.cos(a)
        R[i, j], R[j, i] = -np.sin(a), np.sin(a)
        Q = R @ Q
    return Q


def _d(n):
    """The dihedral group of order 2n as 2 x 2 matrices: rotations and reflections."""
    return [_rot(2 * np.pi * k / n) @ m for k in range(n) for m in (np.eye(2), FLIP)]


# (potential, per level set, the group by hand as matrices in the input coordinates)
CASES = {
    "z4": (410, _d(4)),
    "d3": (410, [_rotation(2, (0.35,)).T @ g @ _rotation(2, (0.35,)) for g in _d(3)]),
    "z3": (410, [_rot(2 * np.pi * k / 3) for k in range(3)]),
    "generic": (410, [np.eye(2)]),
    "s3": (1000, [_rotation(3, (0.3, -0.5, 0.8)).T @ p @ _rotation(3, (0.3, -0.5, 0.8))
                  for p in PERM3]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_finite_groups_of_the_builtins(name):
    per, truth = CASES[name]
    p = get(name)
    X, y = sample_level_sets(name, PAPER_LEVELS, per_class=per, seed=1)
    res = find_discrete_symmetries(X, y, seed=1)
    assert res.name == p.discrete_group and res.order == len(truth), res
    assert res.continuous_dim == 0
    # no element missed, none extra: each found element is one of the hand-worked ones
    used = set()
    for A in res.elements:
        dist = [np.linalg.norm(A - g) for g in truth]
        assert min(dist) < 0.05, (name, A)
        used.add(int(np.argmin(dist)))
    assert len(used) == len(truth)
    assert np.allclose(res.elements[0], np.eye(p.dim))
    # every element preserves the potential on the cloud within the sampling width: the
    # samples lie anywhere in their window (|V - level| <= w), so an exact symmetry gives
    # |V(g x) - V(x)| <= 2 w; the estimated maps reach 1.1 w to 2.05 w (measured)
    # In 3D, on surfaces sampled 1000 points each, the maps are estimated less sharply
    # (about 3e-3 from the exact ones): V is kept to about 11 w (measured), not 2 w.
    V0 = p(X)
    bound = 2.5 if p.dim == 2 else 12.0
    for A, t in zip(res.elements, res.translations):
        assert np.abs(p(X @ A.T + t) - V0).max() <= bound * PAPER_WIDTH, name
    # the table is a group table: identity row, each row a permutation
    T = res.cayley_table
    assert np.array_equal(T[0], np.arange(res.order))
    assert all(sorted(row) == list(range(res.order)) for row in T)
    assert len(res.generators) == (0 if res.order == 1 else 1 if name == "z3" else 2)
    assert '"name"' in res.to_json()


@pytest.mark.parametrize("name", ["higgs", "so3"])
def test_radial_potentials_give_the_component_group_z2(name):
    X, y = sample_level_sets(name, PAPER_LEVELS, per_class=410, seed=0)
    res = find_discrete_symmetries(X, y)
    assert (res.name, res.order) == ("Z2", 2)
    assert res.continuous_dim == get(name).n_generators
    assert np.linalg.det(res.elements[1]) < 0       # the other component: a reflection


@pytest.mark.parametrize("per", [1000, 3000])
def test_a_torus_gives_its_component_group_z2xz2(per):
    """so2xso2 in 4 dimensions (a rotation in each plane): the other components are the
    reflections in either plane and in both, worked out by hand; the identity component is
    quotiented out.  At 1000 points per level many near-symmetries pass the search too;
    they sit above a gap in the scores (measured 0.86-0.96 against 1.65 and up)."""
    p = get("so2xso2")
    X, y = sample_level_sets("so2xso2", PAPER_LEVELS, width=PAPER_WIDTH, per_class=per,
                             seed=0)
    res = find_discrete_symmetries(X, y, continuous=p.generators)
    assert (res.name, res.order) == ("Z2xZ2", 4), res.diagnostics
    assert res.continuous_dim == 2
    signs = {(int(np.sign(np.linalg.det(A[:2, :2]))), int(np.sign(np.linalg.det(A[2:, 2:]))))
             for A in res.elements}
    assert signs == {(1, 1), (-1, 1), (1, -1), (-1, -1)}
    for A in res.elements:
        assert np.abs(A[:2, 2:]).max() < 0.1 and np.abs(A[2:, :2]).max() < 0.1


def test_o3_x_o2_gives_its_component_group_z2xz2():
    """so3xso2 in 5 dimensions, its continuous part found from the samples: the other
    components are the reflections of R^3, of R^2 and of both (by hand).  Near-symmetries
    pass the score here (0.99-1.3 against 0.87-0.96, no gap); they do not normalise the
    identity component (g K g^-1 leaves span K by 0.36-1.0), the true cosets do."""
    X, y = sample_level_sets("so3xso2", PAPER_LEVELS, per_class=1000, seed=2)
    res = find_discrete_symmetries(X, y, seed=2)
    assert (res.name, res.order, res.continuous_dim) == ("Z2xZ2", 4, 4), res.diagnostics
    signs = {(int(np.sign(np.linalg.det(A[:3, :3]))), int(np.sign(np.linalg.det(A[3:, 3:]))))
             for A in res.elements}
    assert signs == {(1, 1), (-1, 1), (1, -1), (-1, -1)}
    for A in res.elements:
        assert np.abs(A[:3, 3:]).max() < 0.1 and np.abs(A[3:, :3]).max() < 0.1


def _dihedral_cloud(n, per=400, levels=(0.2, 0.5, 1.0, 1.5), seed=0):
    """Level sets of V = r^4 (1 + 0.25 cos n theta) - 2.3 r^2 (group D_n, order 2n), in
    axes turned by 0.3 rad: the outer root in r^2 at uniform angles, levels within w."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for i, level in enumerate(levels):
        t = rng.uniform(0.0, 2 * np.pi, per)
        v = level + rng.uniform(-PAPER_WIDTH, PAPER_WIDTH, per)
        a = 1.0 + 0.25 * np.cos(n * t)
        r = np.sqrt((2.3 + np.sqrt(2.3 ** 2 + 4 * a * v)) / (2 * a))
        X.append(np.c_[r * np.cos(t + 0.3), r * np.sin(t + 0.3)])
        y.append(np.full(per, i))
    return np.concatenate(X), np.concatenate(y)


@pytest.mark.parametrize("n, name", [(16, "D16"), (32, "unresolved"), (48, "unresolved")])
def test_large_groups_degrade_to_unresolved_not_to_a_wrong_group(n, name):
    """The paper's footnote 9: D_n on 400 points per level set is found up to n = 24 (a
    rotation step of 15 degrees); at n = 32 and 48 the near-symmetries between elements
    pass, and the result must say so rather than name a wrong group (before the exactness
    and root tests: D14 or order-27 for D32, order-39 or order-42 for D48, measured)."""
    X, y = _dihedral_cloud(n)
    res = find_discrete_symmetries(X, y, seed=0)
    assert res.name == name, res.diagnostics["reason"]
    if name == "unresolved":
        assert "sample more points" in res.diagnostics["reason"]
    else:
        assert res.order == 2 * n


def _axis_rotation(axis):
    a = axis / np.linalg.norm(axis)
    return np.array([[0.0, -a[2], a[1]], [a[2], 0.0, -a[0]], [-a[1], a[0], 0.0]])


def test_a_near_symmetry_is_not_taken_for_a_continuous_one():
    """s3's cubic term p3 breaks the rotations about the (rotated) (1, 1, 1) axis, but only
    at finite angles: the local search for generators passed that rotation on 410 points
    per level.  Handed it, the finite flows leave the level sets, so it is dropped and the
    group is still D3, with no continuous part."""
    Q = _rotation(3, (0.3, -0.5, 0.8))
    K = _axis_rotation(Q.T @ np.ones(3))[None]
    X, y = sample_level_sets("s3", PAPER_LEVELS, per_class=1000, seed=1)
    res = find_discrete_symmetries(X, y, seed=1, continuous=K)
    assert res.diagnostics["continuous_found"] == 1
    assert min(res.diagnostics["flow_scores"]) > 1.6
    assert (res.name, res.continuous_dim) == ("D3", 0)


def test_too_few_points_give_unresolved_not_a_wrong_group():
    """4510 points of s3 in R^3 (410 per level set): the rotations about the (1, 1, 1) axis
    are near-symmetries at this density; the answer must be D3 or "unresolved" with its
    reason, never another group (the search found a spurious generator here before the
    flow test, and order-7 or order-4 groups with a lower score gap: measured)."""
    X, y = sample_level_sets("s3", PAPER_LEVELS, per_class=410, seed=1)
    res = find_discrete_symmetries(X, y, seed=1)
    assert res.continuous_dim == 0
    assert res.name in ("D3", "unresolved")
    if res.name == "unresolved":
        # the density that resolved every measured group in R^3, and what this cloud has
        assert "at least 1000 points per level set" in res.diagnostics["reason"]
        assert "has 410" in res.diagnostics["reason"]


def test_density_hint_names_the_measured_density_or_asks_for_more():
    from symfast.symmetry._discrete._find import density_hint

    assert "at least 400 points" in density_hint(np.array([300, 500]), 2)
    assert "has 300" in density_hint(np.array([300, 500]), 2)
    assert "twice as many" in density_hint(np.array([1200, 1500]), 3)
    assert "twice as many" in density_hint(np.array([5000]), 7)


def test_membership_of_the_identity_component():
    """G0 = SO(2) x SO(2) in two planes: block rotations are in it whatever their angles
    (pi included, where the logarithm jumps); a reflection in one plane, both planes'
    reflections and the swap of the planes (determinant +1 each but the first) are not."""
    from symfast.symmetry._discrete._closure import _commutant, _in_identity_component

    J = np.array([[0.0, -1.0], [1.0, 0.0]])
    K = np.zeros((2, 4, 4))
    K[0, :2, :2] = K[1, 2:, 2:] = J / np.sqrt(2)
    C = _commutant(K.tobytes(), K.shape)
    assert C.shape[0] == 4            # span{P1, P2, J1, J2}
    assert all(np.allclose(k @ c, c @ k) for k in K for c in C)
    rng = np.random.default_rng(0)
    block = np.zeros((4, 4))
    for a, b in [(0.3, 3.1), (3.1, np.pi), (-2.0, 1.0)]:
        block[:2, :2], block[2:, 2:] = _rot(a), _rot(b)
        assert _in_identity_component(block, K, rng, tol=0.35)
        noisy = block + 0.02 * rng.normal(size=(4, 4))
        assert _in_identity_component(noisy, K, rng, tol=0.35)
    for M in (np.diag([1.0, -1.0, 1.0, 1.0]), np.diag([1.0, -1.0, 1.0, -1.0]),
              np.eye(4)[[2, 3, 0, 1]]):
        assert not _in_identity_component(M, K, rng, tol=0.35)


SHEAR = np.array([[1.0, 0.6], [0.0, 2.5]])


@pytest.mark.parametrize("name, group", [("z4", "D4"), ("d3", "D3"), ("z3", "Z3"),
                                         ("generic", "trivial"), ("higgs", "Z2")])
def test_a_sheared_frame_with_the_invariant_metric(name, group):
    """The built-ins seen through the shear x' = S x (features in other units and mixed):
    the group is S G S^-1, no longer orthogonal, so the Euclidean search misses it (D4 came
    out Z2 or trivial, measured), while metric="invariant" learns a frame where it is
    orthogonal.  The elements, mapped back, preserve V(S^-1 x') on the cloud: to 6.5 w
    (measured up to 5.0 w; the orthogonal frames give 2.05 w), and for higgs the
    continuous part is found and quotiented out (O(2) -> Z2)."""
    p = get(name)
    X, y = sample_level_sets(name, PAPER_LEVELS, per_class=410, seed=1)
    Xs = X @ SHEAR.T
    res = find_discrete_symmetries(Xs, y, seed=1, metric="invariant")
    assert res.name == group, res.diagnostics
    assert res.continuous_dim == p.n_generators
    Sinv = np.linalg.inv(SHEAR)
    V0 = p(X)
    for A, t in zip(res.elements, res.translations):
        assert np.abs(p((Xs @ A.T + t) @ Sinv.T) - V0).max() <= 6.5 * PAPER_WIDTH
    if name == "z4":
        # the same group in x' is the hand-worked D4 conjugated by S
        truth = [SHEAR @ g @ Sinv for g in _d(4)]
        assert all(min(np.linalg.norm(A - g) for g in truth) < 0.05 for A in res.elements)
        assert find_discrete_symmetries(Xs, y, seed=1).name != "D4"


def test_a_frame_the_invariant_metric_cannot_pin_down_is_unresolved_not_trivial():
    """z3 (400 points per level) in a random linear frame of condition 77: the frame was
    learned from one of the group's two rotations, no orthogonal map passed in it, and
    the answer was "trivial" (measured).  A non-identity map that passed as a general
    linear map contradicts "trivial": the answer is Z3 or unresolved, with the reason."""
    import warnings

    from finite_cases import skew

    X, y = sample_level_sets("z3", PAPER_LEVELS, per_class=400, seed=100)
    A = skew(2, 4)
    assert 70 < np.linalg.cond(A) < 80
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = find_discrete_symmetries(X @ A.T, y, seed=4, metric="invariant")
    assert res.name in ("Z3", "unresolved"), res
    if res.name == "unresolved":
        assert "invariant frame is not pinned down" in res.diagnostics["reason"]
        assert res.diagnostics["frame_fits"][0] >= 1


def test_the_invariant_metric_warns_beyond_its_measured_dimensions(monkeypatch):
    import symfast.symmetry._discrete._find as discrete

    def stop(*args):
        raise RuntimeError("stopped after the warning")

    # only the warning is under test: the run stops where the frame would be learned
    monkeypatch.setattr(discrete, "_in_invariant_frame", stop)
    X = np.random.default_rng(0).normal(size=(40, 6))
    with pytest.warns(RuntimeWarning, match="up to 5"), \
            pytest.raises(RuntimeError, match="stopped"):
        find_discrete_symmetries(X, np.arange(40) % 2, metric="invariant")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)      # none in 5 dimensions
        with pytest.raises(RuntimeError, match="stopped"):
            find_discrete_symmetries(X[:, :5], np.arange(40) % 2, metric="invariant")


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(X=np.zeros((20, 1))), ValueError, "2 columns"),
    (dict(X=np.random.default_rng(0).normal(size=(20, 2)), labels=np.zeros(5)), ValueError,
     "labels"),
    (dict(X=np.random.default_rng(0).normal(size=(20, 2)), labels=np.arange(20) % 10),
     ValueError, "at least 3"),
    (dict(X=np.random.default_rng(0).normal(size=(20, 2)), accept=0.0), ValueError, "accept"),
    (dict(X=np.full((20, 2), np.nan)), ValueError, "X"),
    (dict(X=np.random.default_rng(0).normal(size=(20, 2)), metric="whitened"), ValueError,
     "metric"),
])
def test_bad_input_is_named(kwargs, exc, words):
    with pytest.raises(exc) as info:
        find_discrete_symmetries(**kwargs)
    assert words in str(info.value)


def test_half_draws_keep_half_of_every_level_set():
    from symfast.symmetry._discrete._stability import half_draw

    lab = np.repeat([0, 1, 2], [10, 7, 4])
    idx = half_draw(lab, np.random.default_rng(0))
    assert np.unique(idx).size == idx.size
    assert np.bincount(lab[idx]).tolist() == [5, 3, 3]        # at least 3 per level set


def test_stability_counts_the_redraws_that_agree():
    from symfast.symmetry._discrete._stability import redraw_stability

    class Found:
        def __init__(self, name):
            self.name = name

    def find(X, lab, seed, **kw):
        assert X.shape[0] == 30 and not kw          # half of each of the two sets
        return Found("D4" if seed % 3 else "Z2")

    X, lab = np.zeros((60, 2)), np.repeat([0, 1], 30)
    out = redraw_stability(find, X, lab, "D4", 6, 0, {})
    assert out["draws"] == 6 and len(out["names"]) == 6
    assert out["fraction"] == out["names"].count("D4") / 6
    assert sum(out["counts"].values()) == 6


def test_stability_is_reported_when_asked():
    X, y = sample_level_sets("z4", [-1.0, 0.0, 0.6], per_class=300, seed=2)
    plain = find_discrete_symmetries(X, y, seed=1)
    assert plain.stability is None and plain.to_dict()["stability"] is None
    res = find_discrete_symmetries(X, y, seed=1, stability=2)
    assert res.name == plain.name                       # the re-draws do not change it
    stab = res.diagnostics["stability"]
    assert stab["draws"] == 2 and res.stability == stab["names"].count(res.name) / 2
    assert "stability=" in repr(res) and res.to_dict()["stability"] == res.stability
    with pytest.raises(ValueError, match="stability must be >= 0"):
        find_discrete_symmetries(X, y, stability=-1)
    with pytest.raises(ValueError, match="X has 15 rows"):
        find_discrete_symmetries(X[:15], y[:15], stability=2)


@pytest.mark.parametrize("d, codim", [(2, 1), (3, 1), (3, 2), (5, 1), (6, 3)])
def test_local_planes_kernel_matches_the_numpy_reference(d, codim):
    """The compiled local planes (cyclic Jacobi) against NumPy's batched eigh: the same
    means and the same normal spaces (the basis of a space is free: compare projectors)."""
    from symfast._ext import _planes
    from symfast.symmetry._discrete._scoring import local_planes_numpy

    rng = np.random.default_rng(d)
    P = rng.normal(size=(300, d)) * rng.uniform(0.05, 2.0, d)
    I = rng.integers(0, 300, size=(500, 2 * d + 2)).astype(np.int64)
    mu, N = np.empty((500, d)), np.empty((500, d, codim))
    _planes.local_planes(P, I, codim, mu, N)
    mu_ref, N_ref = local_planes_numpy(P, I, codim)
    assert np.allclose(mu, mu_ref, atol=1e-12)
    assert np.allclose(np.einsum("nic,njc->nij", N, N), np.einsum("nic,njc->nij", N_ref, N_ref),
                       atol=1e-9)
    assert np.allclose(np.einsum("nic,nid->ncd", N, N), np.eye(codim), atol=1e-12)


@pytest.mark.slow
def test_a_test_without_power_says_unresolved_not_trivial():
    """Z2^6 (x_i -> -x_i, V = r^2 + sum_i i x_i^4) in R^6 at 1000 points per level set is
    far too thin: the continuous search reads two spurious generators there, every
    candidate scores like a symmetry (1.0-1.1) and fails only the normaliser test, and
    the answer was "trivial", a wrong name (measured).  It is ``unresolved`` with the
    reason.  ``patience=15`` keeps the run short; the default gives the same answer."""
    from finite_cases import _add, _power_sum
    from scipy.stats import ortho_group

    from symfast.potentials import Polynomial

    d = 6
    poly = Polynomial.from_terms(_add(_power_sum(d, 2),
                                      _power_sum(d, 4, np.arange(1.0, d + 1))), d)
    X, y = sample_level_sets(poly, [0.5, 1.0, 1.5], per_class=1000, radius=1.5, seed=100)
    Q = ortho_group.rvs(d, random_state=0)
    res = find_discrete_symmetries(X @ Q.T, y, seed=0, patience=15)
    assert res.name == "unresolved"
    assert res.continuous_dim > 0
    assert "none normalises" in res.diagnostics["reason"]
    assert "twice as many" in res.diagnostics["reason"] or "at least" in res.diagnostics["reason"]


def test_an_unresolved_search_has_no_stability(monkeypatch):
    """No group, nothing to compare the re-draws with: the fraction of halves that were
    also unresolved read as a confidence of 1.00 (Z2^3 in skewed frames).  ``stability``
    is None, and the re-draws are not run."""
    import symfast.symmetry._discrete._find as find_mod
    from symfast.symmetry._discrete._result import DiscreteSymmetryResult

    def unresolved(X, labels=None, **kw):
        return DiscreteSymmetryResult(np.eye(2)[None], np.zeros((1, 2)), [], "unresolved",
                                      [], np.zeros((1, 1), dtype=np.int64), np.zeros(1), 0,
                                      np.zeros(2), {"reason": "too thin"})

    def no_redraws(*a, **k):
        raise AssertionError("re-draws were run for an unresolved search")

    monkeypatch.setattr(find_mod, "_search", unresolved)
    monkeypatch.setattr(find_mod, "redraw_stability", no_redraws)
    X = np.random.default_rng(0).normal(size=(40, 2))
    res = find_discrete_symmetries(X, seed=0, stability=4)
    assert res.name == "unresolved" and res.stability is None
    assert res.diagnostics["stability"]["draws"] == 0
    assert res.to_dict()["stability"] is None and "stability=" not in repr(res)

"""Finite groups whatever the frame (issue 31): hand-worked groups of tests/finite_cases.py,
checked by brute force, then found in random orthogonal frames.

The full protocol (10 frames x 3 sampling seeds per group) is
``benchmarks/frames_discrete.py``; here a few frames per group keep CI short.
"""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest
from scipy.stats import ortho_group

from finite_cases import CASES, EXPECTED, keeps
from symfast import find_discrete_symmetries
from symfast.potentials import PAPER_LEVELS, sample_level_sets


def _o2_grid(n: int = 27720) -> np.ndarray:
    """Rotations and reflections of the plane on a grid of n angles, (2n, 2, 2).  n =
    lcm(1, ..., 12) * 1: every rotation by 2 pi k / m with m <= 12 lies on it, and the
    step is 0.013 degrees."""
    t = 2 * np.pi * np.arange(n) / n
    c, s = np.cos(t), np.sin(t)
    R = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)
    return np.concatenate([R, R @ np.diag([1.0, -1.0])])


@pytest.mark.parametrize("name", [f"{c}{n}" for n in (2, 3, 5, 6, 7, 11, 12) for c in "DZ"])
def test_plane_groups_by_hand_are_all_of_o2_that_keeps_v(name):
    poly, group, _, _ = CASES[name]
    assert keeps(poly, group, 2) < 1e-9
    assert len(group) == (int(name[1:]) * (2 if name[0] == "D" else 1))
    X = np.random.default_rng(1).normal(size=(8, 2)) * 0.5
    V = poly(X)
    G = _o2_grid()
    W = poly(np.einsum("gij,nj->gni", G, X).reshape(-1, 2)).reshape(len(G), -1)
    kept = G[np.abs(W - V).max(axis=1) < 1e-9 * np.abs(V).max()]
    assert len(kept) == len(group)
    assert all(min(np.linalg.norm(g - h) for h in group) < 1e-9 for g in kept)


@pytest.mark.parametrize("name", ["B3", "Z2^3", "S4", "T", "Th", "O"])
def test_space_groups_by_hand_keep_v_and_nothing_else_among_signed_permutations(name):
    from finite_cases import SIGNED_PERMS

    poly, group, _, _ = CASES[name]
    assert keeps(poly, group, 3) < 1e-9
    X = np.random.default_rng(1).normal(size=(64, 3)) * 0.5
    V = poly(X)
    kept = [g for g in SIGNED_PERMS if np.abs(poly(X @ g.T) - V).max() < 1e-9]
    assert len(kept) == len(group)


def _axis_grid(axis: int, n: int = 27720) -> np.ndarray:
    """Every map of O(2) x O(1) about a coordinate axis on the angle grid of _o2_grid:
    the O(2) grid acting on the plane orthogonal to ``axis``, times +-1 along it,
    (4n, 3, 3)."""
    rest = [i for i in range(3) if i != axis]
    G2 = _o2_grid(n)
    out = np.zeros((2, len(G2), 3, 3))
    for k, sign in enumerate((1.0, -1.0)):
        out[k][:, rest[0], rest[0]] = G2[:, 0, 0]
        out[k][:, rest[0], rest[1]] = G2[:, 0, 1]
        out[k][:, rest[1], rest[0]] = G2[:, 1, 0]
        out[k][:, rest[1], rest[1]] = G2[:, 1, 1]
        out[k][:, axis, axis] = sign
    return out.reshape(-1, 3, 3)


@pytest.mark.parametrize("name", ["B3", "Z2^3", "S4", "T", "Th", "O"])
def test_space_groups_by_hand_are_all_of_o3_that_keeps_v(name):
    """No fine grid of O(3) holds these groups' elements exactly, and the defect of a
    rotation is no clean test off a grid (near-symmetries: a generic rotation far from
    every element changed these V by as little as 0.02 % of |V|; measured), so the
    check is by the closed subgroups of O(3) that contain the group:

    * over T (B3, S4, T, T_h, O): T, T_d, T_h, O, O_h, the two I and two I_h that contain
      the standard T (conjugate by a 90 degree turn, which normalises T), SO(3), O(3).
      The signed permutations (previous test) tell the first five apart; a 5-fold
      rotation of each icosahedral group and 20 random rotations must change V;
    * over D2h = Z2^3: the groups whose rotations are D_2k or O(2) about a coordinate
      axis, T, O, I, SO(3) and their improper companions; the maps about each axis on a
      grid of 27,720 angles (every rotation by 2 pi k / m, m <= 12), the signed
      permutations and 20 random rotations tell them apart.

    The maps about the three coordinate axes that keep V are exactly those of the group
    on every case."""
    from scipy.stats import special_ortho_group

    from finite_cases import ICOSAHEDRAL, SIGNED_PERMS

    poly, group, _, _ = CASES[name]
    # six generic points: a map that is no symmetry keeps V at all six only by accident
    X = np.random.default_rng(1).normal(size=(6, 3)) * 0.5
    V = poly(X)
    scale = np.abs(V).max()

    def kept(G: np.ndarray) -> np.ndarray:
        W = poly(np.einsum("gij,nj->gni", G, X).reshape(-1, 3)).reshape(len(G), -1)
        return G[np.abs(W - V).max(axis=1) < 1e-9 * scale]

    H = np.array(group)
    for axis in range(3):
        G = _axis_grid(axis)
        k = kept(G)
        # every kept map is an element, and every element about this axis is kept
        assert all(np.linalg.norm(H - g, axis=(1, 2)).min() < 1e-9 for g in k)
        on_axis = sum(np.linalg.norm(G - h, axis=(1, 2)).min() < 1e-9 for h in H)
        assert len(k) == on_axis
    assert len(kept(special_ortho_group.rvs(3, size=20, random_state=2))) == 0
    assert len(kept(np.array(SIGNED_PERMS))) == len(group)
    turn = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    five = [g for g in ICOSAHEDRAL if abs(np.trace(g) - (1 + 2 * np.cos(2 * np.pi / 5))) < 1e-9]
    assert len(kept(np.array([five[0], turn @ five[0] @ turn.T]))) == 0


@pytest.mark.parametrize("name", ["I", "Ih"])
def test_icosahedral_groups_by_hand(name):
    """The closed subgroups of O(3) that contain the icosahedral rotations I are I, I_h =
    I x {1, -1}, SO(3) and O(3) (I is maximal among the closed subgroups of SO(3)).  So
    the group of V is I exactly when V keeps I, changes under the inversion and changes
    under a generic rotation; I_h when it keeps I and -1 and changes under a rotation.
    Among the 48 signed permutations it keeps those in the group (T for I, T_h for I_h)."""
    from scipy.stats import special_ortho_group

    from finite_cases import ICOSAHEDRAL, SIGNED_PERMS

    poly, group, _, _ = CASES[name]
    assert len(ICOSAHEDRAL) == 60 and len(group) == {"I": 60, "Ih": 120}[name]
    assert all(abs(np.linalg.det(g) - 1) < 1e-12 for g in ICOSAHEDRAL)
    assert keeps(poly, group, 3) < 1e-9
    X = np.random.default_rng(1).normal(size=(64, 3)) * 0.5
    V = poly(X)
    changes = lambda g: np.abs(poly(X @ g.T) - V).max() > 1e-3 * np.abs(V).max()  # noqa: E731
    assert changes(-np.eye(3)) == (name == "I")
    assert all(changes(g) for g in special_ortho_group.rvs(3, size=20, random_state=2))
    kept = [g for g in SIGNED_PERMS if not changes(g)]
    assert len(kept) == {"I": 12, "Ih": 24}[name]
    assert all(min(np.linalg.norm(g - h) for h in group) < 1e-9 for g in kept)


def _elements_match(res, truth, tol=0.05):
    used = set()
    for A in res.elements:
        dist = [np.linalg.norm(A - g) for g in truth]
        if min(dist) > tol:
            return False
        used.add(int(np.argmin(dist)))
    return len(used) == len(truth)


@pytest.mark.slow
# D11 and Z12 are right in 30 of 30 in the protocol; here Z7 and D5, whose degree-16 and
# -12 polynomials sample in 0.2 s where Z12's degree 26 takes 25 s (measured)
@pytest.mark.parametrize("name, per, frames", [("D6", 400, 2), ("Z6", 400, 2), ("Z7", 400, 1),
                                               ("D5", 400, 1), ("Z2^3", 1000, 1),
                                               ("O", 1000, 1)])
def test_hand_worked_groups_in_random_frames(name, per, frames):
    poly, group, levels, radius = CASES[name]
    abstract, point = EXPECTED[name]
    X, y = sample_level_sets(poly, levels, per_class=per, radius=radius, seed=3)
    for f in range(frames):
        Q = ortho_group.rvs(poly.dim, random_state=10 + f)
        res = find_discrete_symmetries(X @ Q.T, y, seed=f)
        assert (res.name, res.point_group) == (abstract, point), \
            (f, res, res.diagnostics.get("reason"))
        assert _elements_match(res, [Q @ g @ Q.T for g in group])


@pytest.mark.slow
def test_icosahedral_rotations_when_maps_bridge_the_score_gap():
    """I (order 60) at 1000 points per level set in two random frames of one draw.  The
    elements score 0.75-1.11, the near-symmetries from 2.49, and one map at 1.68 bridges
    the gap: no jump of GAP_RATIO, every near-symmetry was kept, the closure passed
    max_order and the answer was ``unresolved`` (measured).  The cut at the largest ratio,
    tried then and kept because its maps close into a group that passes the exactness
    and root tests, gives A5 with point group I."""
    poly, group, levels, radius = CASES["I"]
    X, y = sample_level_sets(poly, levels, per_class=1000, radius=radius, seed=3)
    for f in (10, 11):
        Q = ortho_group.rvs(3, random_state=f)
        res = find_discrete_symmetries(X @ Q.T, y, seed=0)
        assert (res.name, res.point_group) == ("A5", "I"), res.diagnostics["reason"]
        assert res.diagnostics["score_cut_fallback"][-1]["name"] == "A5"
        assert _elements_match(res, [Q @ g @ Q.T for g in group])


@pytest.mark.slow
def test_icosahedral_rotations_when_several_maps_bridge_the_score_gap():
    """I in the protocol's frame 4 of draw 101: elements to 1.21, then maps at 1.40, 1.47,
    1.55, 1.93, 2.06, 2.18 before the near-symmetries (measured).  No ratio reaches 1.3,
    so the single largest-ratio cut found nothing and the answer was ``unresolved``; the
    three largest ratios are tried, the highest score first, and the cut at 2.18 closes
    into A5 (point group I)."""
    poly, group, levels, radius = CASES["I"]
    X, y = sample_level_sets(poly, levels, per_class=1000, radius=radius, seed=101)
    Q = ortho_group.rvs(3, random_state=1004)
    res = find_discrete_symmetries(X @ Q.T, y, seed=4)
    assert (res.name, res.point_group) == ("A5", "I"), res.diagnostics["reason"]
    assert res.diagnostics["score_cut_fallback"][-1]["name"] == "A5"
    assert _elements_match(res, [Q @ g @ Q.T for g in group])


@pytest.mark.parametrize("case,draw,frame,point", [("T", 101, 6, "T"), ("I", 100, 7, "I")])
def test_failed_candidates_are_no_evidence_that_the_group_is_complete(case, draw, frame,
                                                                      point):
    """T and I each came out Z3 in one frame of the protocol: after the third element,
    one candidate repeated a known element and 70 failed, and 60 candidates in a row
    without a new element ended the search (measured).  A failed candidate says nothing
    about missing elements; the search now ends only once the candidates since the last
    new element include MIN_REPEATS repeats of known ones."""
    from symfast.symmetry._discrete._find import MIN_REPEATS

    poly, group, levels, radius = CASES[case]
    X, y = sample_level_sets(poly, levels, per_class=1000, radius=radius, seed=draw)
    Q = ortho_group.rvs(3, random_state=1000 * (draw - 100) + frame)
    res = find_discrete_symmetries(X @ Q.T, y, seed=frame)
    assert res.point_group == point, (res.name, res.diagnostics["reason"])
    assert res.diagnostics["search_stopped"] == "patience"
    assert res.diagnostics["search_repeats"] >= MIN_REPEATS
    assert _elements_match(res, [Q @ g @ Q.T for g in group])


@pytest.mark.slow
def test_a_search_that_found_nothing_is_not_cut_short_into_trivial():
    """O at 1000 points per level set (draw 102, one random frame): 60 candidates in a row
    failed before any was accepted, and the answer was "trivial" (measured); a search
    with nothing found gets four times the patience, and finds S4 (O)."""
    poly, group, levels, radius = CASES["O"]
    X, y = sample_level_sets(poly, levels, per_class=1000, radius=radius, seed=102)
    Q = ortho_group.rvs(3, random_state=2007)
    res = find_discrete_symmetries(X @ Q.T, y, seed=7)
    assert (res.name, res.point_group) == ("S4", "O"), res.diagnostics["reason"]
    assert res.diagnostics["candidates_tried"] > 60


def test_a_sample_mean_off_the_fixed_point_does_not_hide_the_rotations():
    """d3 in one frame where the sample mean lies 0.04 (scaled) off the fixed point: every
    rotation's candidates sat 6-8 spacings off before the coarse test fitted the shift,
    and the group came out Z2 (measured)."""
    X, y = sample_level_sets("d3", PAPER_LEVELS, per_class=410, seed=100)
    Q = ortho_group.rvs(2, random_state=4)
    assert find_discrete_symmetries(X @ Q.T, y, seed=4).name == "D3"


def test_a_closed_set_whose_table_is_no_group_is_unresolved_not_a_wrong_group():
    """s3 in one random frame at 1000 points per level: D3 and a fourth reflection (a second
    estimate of one) closed under products; the table repeats entries, and the answer was
    the impossible "order-7" (measured).  A group table is a Latin square."""
    from symfast.symmetry._discrete._closure import is_latin_square

    assert is_latin_square(np.array([[0, 1], [1, 0]]))
    assert not is_latin_square(np.array([[0, 1, 2], [1, 0, 0], [2, 0, 0]]))
    X, y = sample_level_sets("s3", PAPER_LEVELS, per_class=1000, seed=100)
    Q = ortho_group.rvs(3, random_state=2)
    res = find_discrete_symmetries(X @ Q.T, y, seed=2)
    assert res.name in ("unresolved", "D3")
    if res.name == "unresolved":
        assert "no group table" in res.diagnostics["reason"]


@pytest.mark.slow
def test_two_estimates_of_one_coset_are_one_coset():
    """so3xso2 in the protocol's frame 4 of draw 102: two maps of one coset of SO(3)xSO(2)
    (scores 0.92 and 1.02) lay 0.351 off one coset, tilted along the block-mixing rotations
    that 1000 points per level set barely constrain, and the answer was ``unresolved``
    (measured).  Cosets are matched within COSET_TOL, and the component group is Z2xZ2."""
    from symfast.potentials import PAPER_LEVELS

    X, y = sample_level_sets("so3xso2", PAPER_LEVELS, per_class=1000, seed=102)
    Q = ortho_group.rvs(5, random_state=2004)
    res = find_discrete_symmetries(X @ Q.T, y, seed=4)
    assert res.name == "Z2xZ2", res.diagnostics["reason"]
    assert res.continuous_dim == 4
    # the two non-identity cosets of O(3)xO(2) / SO(3)xSO(2) flip one block each: in the
    # rotated frame, the determinants of the element restricted to each block
    P3, P2 = Q[:, :3], Q[:, 3:]
    dets = sorted((round(float(np.linalg.det(P3.T @ A @ P3))),
                   round(float(np.linalg.det(P2.T @ A @ P2)))) for A in res.elements)
    assert dets == [(-1, -1), (-1, 1), (1, -1), (1, 1)]


def test_an_inverse_is_scored_as_it_is_when_its_refinement_drifts():
    """z3 at 400 points per level set (the protocol's frame 8 of draw 102): R refined to
    score 1.24, but R R refined to 2.24, above 1.5 x the score cut, so the closure found
    no group and the answer was ``unresolved`` (measured): the refinement's least-squares
    optimum sat 0.06 degrees from where the median offset is least.  R^-1 taken as it is
    scores 1.25; the closure tries each element's inverse before the products."""
    from symfast.potentials import PAPER_LEVELS

    X, y = sample_level_sets("z3", PAPER_LEVELS, per_class=400, seed=102)
    Q = ortho_group.rvs(2, random_state=2008)
    res = find_discrete_symmetries(X @ Q.T, y, seed=8)
    assert (res.name, res.point_group) == ("Z3", "C3"), res.diagnostics["reason"]
    assert np.allclose(sorted(np.degrees(np.angle(np.linalg.eigvals(A)).max())
                              for A in res.elements), [0, 120, 120], atol=1.0)


def test_the_frame_is_corrected_by_the_continuous_generators():
    """so(3)+u(1) in R^5 seen in a skewed frame S (condition up to 100) and a learned
    frame 4 % off: the nearest form the fields preserve makes them antisymmetric again.
    In the protocol, the symmetric parts had lost the u(1), and so3xso2 was unresolved
    in 5 of 30 skewed frames (measured)."""
    from finite_cases import skew
    from symfast.symmetry._discrete._frame import _continuous_form_root

    def rot(d, a, b):
        m = np.zeros((d, d))
        m[a, b], m[b, a] = -1.0, 1.0
        return m

    G = np.array([rot(5, 0, 1), rot(5, 0, 2), rot(5, 1, 2), rot(5, 3, 4)])
    S = skew(5, 3)
    off = np.eye(5) + 0.04 * np.random.default_rng(0).normal(size=(5, 5))
    T = off @ np.linalg.inv(S)                  # a learned frame, 4 % off the true one
    Gz = np.einsum("ij,kjl,lm->kim", T @ S, G, np.linalg.inv(T @ S))
    assert max(np.linalg.norm(g + g.T) / np.linalg.norm(g) for g in Gz) > 0.05
    R = _continuous_form_root(Gz)
    Gc = np.einsum("ij,kjl,lm->kim", R, Gz, np.linalg.inv(R))
    assert max(np.linalg.norm(g + g.T) / np.linalg.norm(g) for g in Gc) < 1e-8
    # fields that preserve no positive-definite form (a boost) give no correction
    boost = np.zeros((2, 2, 2))
    boost[0] = [[0.0, 1.0], [1.0, 0.0]]
    boost[1] = [[1.0, 0.0], [0.0, -1.0]]
    assert _continuous_form_root(boost) is None


@pytest.mark.slow
def test_near_symmetries_of_a_learned_frame_are_split_off():
    """Z2^3 (x -> +-x per axis; V = r^2 + x^4 + 2 y^4 + 3 z^4) in a skewed frame: the
    learned frame makes its level sets round to about two band widths, and the scaled
    permutations closed into B3, a wrong name, in 30 of 30 runs (elements scoring 0.89 to
    2.25; measured).  Refitted as general linear maps, the permutations score 1.45 times
    the sign flips and more, in any frame: they are split off, and the group is Z2^3,
    whose elements are the sign flips in the frame V was written in."""
    from finite_cases import skew
    from symfast.symmetry._discrete._frame import LINEAR_FIT_MAX

    poly, _, levels, radius = CASES["Z2^3"]
    X, y = sample_level_sets(poly, levels, per_class=1000, radius=radius, seed=100)
    S = skew(3, 1)
    res = find_discrete_symmetries(X @ S.T, y, seed=1, metric="invariant")
    assert res.name == "Z2^3", res.diagnostics["reason"]
    split = res.diagnostics["linear_split"]
    assert (split["from"], split["order_from"], split["order"]) == ("B3", 48, 8)
    assert split["kept_ratio_max"] <= LINEAR_FIT_MAX < split["dropped_ratio_min"]
    E = np.einsum("ij,kjl,lm->kim", np.linalg.inv(S), res.elements, S)
    signs = sorted(tuple(np.round(np.diag(e)).astype(int)) for e in E)
    assert signs == sorted(product([1, -1], repeat=3))
    assert max(np.abs(e - np.diag(np.diag(e))).max() for e in E) < 0.05


def _result_of(group: list[np.ndarray], residuals: np.ndarray):
    """A DiscreteSymmetryResult for a group of matrices (identity first), named by hand."""
    from symfast.symmetry._discrete._finite_groups import name_group
    from symfast.symmetry._discrete._result import DiscreteSymmetryResult

    G = np.array(group)
    P = np.einsum("aij,bjk->abik", G, G)
    table = np.array([[int(np.argmin(np.abs(G - P[a, b]).sum(axis=(1, 2))))
                       for b in range(len(G))] for a in range(len(G))])
    name, iso = name_group(table)
    return DiscreteSymmetryResult(G, np.zeros((len(G), 3)), [], name, iso, table,
                                  residuals, 0, np.zeros(3), {})


def _signed_perms_identity_first() -> list[np.ndarray]:
    from finite_cases import SIGNED_PERMS

    rest = [g for g in SIGNED_PERMS if not np.allclose(g, np.eye(3))]
    return [np.eye(3)] + rest


def test_the_linear_fit_split_keeps_the_subgroup_that_fits_and_refuses_a_non_subgroup():
    from symfast.symmetry._discrete._frame import _split_by_linear_fit

    G = _signed_perms_identity_first()
    diag = np.array([np.allclose(g, np.diag(np.diag(g))) for g in G])
    # the sign flips fit like the best element, the permutations 1.6 times worse
    res = _result_of(G, np.ones(48))
    assert res.name == "B3"
    _split_by_linear_fit(res, np.where(diag, 0.5, 0.8))
    assert res.name == "Z2^3" and res.order == 8
    assert all(np.allclose(e, np.diag(np.diag(e))) for e in res.elements)
    assert res.diagnostics["linear_split"]["dropped_ratio_min"] == pytest.approx(1.6)
    # elements that fit alike (within LINEAR_FIT_MAX): the group is kept as it is
    res = _result_of(G, np.ones(48))
    _split_by_linear_fit(res, 0.5 + 0.05 * np.random.default_rng(0).random(48))
    assert res.name == "B3" and res.order == 48
    # the well-fitting elements are no subgroup: one sign flip fits badly
    res = _result_of(G, np.ones(48))
    scores = np.where(diag, 0.5, 0.8)
    scores[np.flatnonzero(diag)[1]] = 0.8
    _split_by_linear_fit(res, scores)
    assert res.name == "unresolved"
    assert "do not form a subgroup" in res.diagnostics["reason"]
    # a subgroup, but no gap between it and the rest: no split is claimed
    # (sign flips refit within 1.2 of each other, the rest at 1.35 of the best)
    res = _result_of(G, np.ones(48))
    scores = np.full(48, 0.5 * 1.35)
    scores[diag] = np.linspace(0.5, 0.6, 8)
    _split_by_linear_fit(res, scores)
    assert res.name == "unresolved"
    assert "by a factor of only 1.1" in res.diagnostics["reason"]


def test_a_group_whose_elements_score_unevenly_is_unresolved():
    from symfast.symmetry._discrete._frame import RESIDUAL_SPREAD_MAX, _unresolve_if_uneven

    G = _signed_perms_identity_first()
    even = np.concatenate([[0.0], np.linspace(1.0, 1.3, 47)])
    res = _result_of(G, even)
    _unresolve_if_uneven(res)
    assert res.name == "B3"
    res = _result_of(G, np.concatenate([[0.0], np.linspace(0.9, 0.91 * RESIDUAL_SPREAD_MAX,
                                                           47)]))
    _unresolve_if_uneven(res)
    assert res.name == "unresolved" and "(B3)" in res.diagnostics["reason"]


def test_each_invariant_block_of_the_identity_component_gets_a_reflection():
    """SO(2) x SO(2) on two planes of R^4 (in a random frame, generators with 1 % noise):
    one reflection per plane, each fixing the other plane; SO(3) on R^3 has no blocks to
    tell apart (its commutant is the identity), so none."""
    from symfast.symmetry._discrete._candidates import _block_reflections

    def rot(d, a, b):
        m = np.zeros((d, d))
        m[a, b], m[b, a] = -1.0, 1.0
        return m / np.sqrt(2.0)

    rng = np.random.default_rng(0)
    Q = ortho_group.rvs(4, random_state=1)
    K = np.array([Q @ rot(4, 0, 1) @ Q.T, Q @ rot(4, 2, 3) @ Q.T])
    K += 0.01 * rng.normal(size=K.shape)
    H = [Q.T @ h @ Q for h in _block_reflections(K, rng)]      # back in the planes' frame
    assert len(H) == 2
    blocks = sorted((np.abs(h[:2, :2] - np.eye(2)).max() > 0.5) for h in H)
    assert blocks == [False, True]                 # one acts on the first plane, one not
    for h in H:
        assert np.abs(h[:2, 2:]).max() < 0.05      # planes kept
        assert np.linalg.det(h) == pytest.approx(-1.0)
        on = slice(0, 2) if np.abs(h[:2, :2] - np.eye(2)).max() > 0.5 else slice(2, 4)
        assert np.linalg.det(h[on, on]) == pytest.approx(-1.0, abs=0.02)
    so3 = np.array([rot(3, 0, 1), rot(3, 0, 2), rot(3, 1, 2)])
    assert _block_reflections(so3, rng) == []


@pytest.mark.slow
def test_a_coset_the_matched_tuples_miss_is_found():
    """so2xso2 (R^4) in the skewed frame of protocol seed 102, frame 5: 62 candidates held
    one plane's reflection and never the other's, and the group came out Z2 (measured).
    A reflection of each invariant block of SO(2) x SO(2) is now tried first."""
    from finite_cases import skew

    X, y = sample_level_sets("so2xso2", PAPER_LEVELS, per_class=1000, seed=102)
    res = find_discrete_symmetries(X @ skew(4, 2005).T, y, seed=5, metric="invariant")
    assert res.name == "Z2xZ2", res.diagnostics["reason"]


def test_no_block_reflections_where_their_linear_system_would_not_fit():
    """Above BLOCKS_MAX_DIM the commutant's system is not built (3.8 GB at d = 72 with 35
    generators): no candidates, at once."""
    from symfast.symmetry._discrete._candidates import BLOCKS_MAX_DIM, _block_reflections

    d = BLOCKS_MAX_DIM + 1
    K = np.zeros((2, d, d))
    K[0, 0, 1], K[0, 1, 0] = -1.0, 1.0
    K[1, 2, 3], K[1, 3, 2] = -1.0, 1.0
    assert _block_reflections(K, np.random.default_rng(0)) == []
    assert len(_block_reflections(K[:, :BLOCKS_MAX_DIM, :BLOCKS_MAX_DIM],
                                  np.random.default_rng(0))) >= 2

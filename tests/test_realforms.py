"""Real Lie algebras named by their structure, built by hand and conjugated into random bases.

Every algebra here is written down from its definition (the matrices X with
X^T eta + eta X = 0, the traceless ones, the realification of a complex algebra, the
affine Euclidean fields; the defining representations from
``symfast.symmetry._algebra._classical``, whose forms tests/test_algebra_names.py checks), never
taken from symfast's finders.
"""

import numpy as np
import pytest
from scipy.stats import ortho_group

from symfast.symmetry import describe_algebra, find_generators, identify_algebra
# the defining representations, built from the forms they keep (checked in
# tests/test_algebra_names.py)
from symfast.symmetry._algebra._classical import realify, sl_nR, so_pq, sp_2nR, su_pq


def realify_algebra(complex_basis):
    """A complex algebra as a real one: A and iA acting on C^n = R^2n."""
    return realify(np.array([M for A in complex_basis for M in (A, 1j * A)]))


def block(*stacks):
    d = sum(g.shape[1] for g in stacks)
    out, o = [], 0
    for g in stacks:
        m = g.shape[1]
        for x in g:
            M = np.zeros((d, d))
            M[o:o + m, o:o + m] = x
            out.append(M)
        o += m
    return np.array(out)


def conjugate(G, seed, spread=1.0):
    """P G P^-1 for a random P = Q1 diag(e^u) Q2, u uniform in [-spread, spread]."""
    rng = np.random.default_rng(seed)
    d = G.shape[1]
    P = (ortho_group.rvs(d, random_state=rng) @ np.diag(np.exp(rng.uniform(-spread, spread, d)))
         @ ortho_group.rvs(d, random_state=rng))
    return np.einsum("ij,kjl,lm->kim", P, G, np.linalg.inv(P))


# (algebra, canonical name, maximal compact part, compact?)
CASES = {
    "so(3)": (so_pq(3, 0), "so(3)", "so(3)", True),
    "sl(2,R) as so(2,1)": (so_pq(2, 1), "sl(2,R)", "u(1)", False),
    "sl(2,R) traceless": (sl_nR(2), "sl(2,R)", "u(1)", False),
    "so(4)": (so_pq(4, 0), "so(4)", "so(4)", True),
    "so(1,3)": (so_pq(3, 1), "so(1,3)", "so(3)", False),
    "so(2,2)": (so_pq(2, 2), "so(2,2)", "u(1)+u(1)", False),
    "sl(2,C)": (realify_algebra(sl_nR(2).astype(complex)), "so(1,3)", "so(3)", False),
    "so(5)": (so_pq(5, 0), "so(5)", "so(5)", True),
    "so(4,1)": (so_pq(4, 1), "so(4,1)", "so(4)", False),
    "so(3,2)": (so_pq(3, 2), "so(3,2)", "so(3)+u(1)", False),
    "sp(4,R)": (sp_2nR(2), "so(3,2)", "so(3)+u(1)", False),
    "so(6)": (so_pq(6, 0), "so(6)", "so(6)", True),
    "so(3,3)": (so_pq(3, 3), "sl(4,R)", "so(4)", False),
    "sl(3,R)": (sl_nR(3), "sl(3,R)", "so(3)", False),
    "sl(3,C)": (realify_algebra(sl_nR(3).astype(complex)), "sl(3,C)", "su(3)", False),
    "su(3)": (su_pq(3, 0), "su(3)", "su(3)", True),
    "su(2,1)": (su_pq(2, 1), "su(2,1)", "so(3)+u(1)", False),
    "sp(6,R)": (sp_2nR(3), "sp(6,R)", "su(3)+u(1)", False),
    "so(7)": (so_pq(7, 0), "so(7)", "so(7)", True),
    "so(4,C)": (realify_algebra(so_pq(4, 0).astype(complex)), "so(4,C)", "so(4)", False),
    "so(3)+u(1)": (block(so_pq(3, 0), so_pq(2, 0)), "so(3)+u(1)", "so(3)+u(1)", True),
    "u(1)+u(1)": (block(so_pq(2, 0), so_pq(2, 0)), "u(1)+u(1)", "u(1)+u(1)", True),
    "squeeze": (np.diag([1.0, -1.0])[None], "r", "trivial", False),
    "so(3)+sl(2,R)": (block(so_pq(3, 0), so_pq(2, 1)), "sl(2,R)+so(3)", "so(3)+u(1)", False),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("seed", [0, 1])
def test_names_survive_a_change_of_basis(case, seed):
    G, name, compact, is_compact = CASES[case]
    d = describe_algebra(conjugate(G, seed))
    assert (d.name, d.compact_part, d.is_compact) == (name, compact, is_compact), d
    assert d.dim == G.shape[0]


@pytest.mark.parametrize("a, b", [("so(3)", "sl(2,R) as so(2,1)"), ("so(4)", "so(1,3)"),
                                  ("so(4)", "so(2,2)"), ("so(1,3)", "so(2,2)")])
def test_algebras_of_one_dimension_are_told_apart(a, b):
    assert CASES[a][0].shape[0] == CASES[b][0].shape[0]
    assert identify_algebra(conjugate(CASES[a][0], 5)) != identify_algebra(
        conjugate(CASES[b][0], 5))


def test_isomorphic_names():
    assert {"sl(2,C)", "so(3,C)"} <= set(describe_algebra(so_pq(3, 1)).isomorphic)
    assert {"so(1,2)", "su(1,1)"} <= set(describe_algebra(so_pq(2, 1)).isomorphic)
    so4c = realify_algebra(so_pq(4, 0).astype(complex))
    assert "sl(2,C)+sl(2,C)" in describe_algebra(so4c).isomorphic
    assert "su(2)+su(2)" in describe_algebra(so_pq(4, 0)).isomorphic
    assert "sl(2,R)+sl(2,R)" in describe_algebra(so_pq(2, 2)).isomorphic


def test_one_dimensional_algebras_are_u1_only_when_compact():
    rot = so_pq(2, 0)
    assert identify_algebra(rot) == "u(1)"
    assert identify_algebra(np.diag([1.0, -1.0])[None]) == "r"         # squeeze
    assert identify_algebra(np.array([[[0.0, 1.0], [0.0, 0.0]]])) == "r"   # shear
    assert identify_algebra((rot + 0.3 * np.eye(2))) == "r"           # spiral: unbounded


def test_affine_algebras():
    rot = so_pq(2, 0)[0]
    e2 = np.zeros((3, 2, 2))
    e2[0] = rot
    b = np.zeros((3, 2))
    b[1, 0] = b[2, 1] = 1.0
    assert identify_algebra(e2, translations=b) == "so(2)⋉r^2"
    e3 = np.zeros((6, 3, 3))
    e3[:3] = so_pq(3, 0)
    b3 = np.zeros((6, 3))
    b3[3:] = np.eye(3)
    d3 = describe_algebra(e3, b3)
    assert d3.name == "so(3)⋉r^3" and d3.compact_part == "so(3)" and not d3.is_compact
    assert identify_algebra(np.zeros((1, 3, 3)), translations=[[1.0, 1.0, 0.0]]) == "r"
    # a rotation about another centre is still compact: u(1)
    c = np.array([0.3, -0.2])
    assert identify_algebra(rot[None], translations=(-rot @ c)[None]) == "u(1)"
    # a screw motion (rotation about z and translation along it) is not compact
    screw = so_pq(3, 0)[0]            # rotation in the (x, y) plane
    assert identify_algebra(screw[None], translations=[[0.0, 0.0, 1.0]]) == "r"


def test_fields_along_one_direction():
    """V(x) = g(x - y, z) is preserved by every field (a . x + beta) e, e = (1, 1, 0)/sqrt 2:
    the translation, the dilation along e and two shears, r ⋉ r^3."""
    e = np.array([1.0, 1.0, 0.0]) / np.sqrt(2)
    u1 = np.array([1.0, -1.0, 0.0]) / np.sqrt(2)
    u2 = np.array([0.0, 0.0, 1.0])
    G = np.array([np.zeros((3, 3)), np.outer(e, e), np.outer(e, u1), np.outer(e, u2)])
    b = np.zeros((4, 3))
    b[0] = e
    assert identify_algebra(G, translations=b) == "r⋉r^3"


def test_data_derived_algebras_are_named(rng):
    """Noisy generators, as find_generators returns them, still get the right name."""
    for name, G in (("so(1,3)", so_pq(3, 1)), ("sl(2,R)", so_pq(2, 1)),
                    ("so(4)", so_pq(4, 0))):
        noisy = G + 2e-3 * rng.normal(size=G.shape)
        assert identify_algebra(noisy) == name


def test_bad_translations_shape():
    with pytest.raises(ValueError, match="translations must have shape"):
        describe_algebra(so_pq(3, 0), np.zeros((2, 3)))


def test_affine_fields_from_a_cloud():
    """Level sets of V = (x - y)^2 / 2 + z^2 are cylinders along (1, 1, 0): the fitted fields
    include the translation along the axis, reported with a zero linear part."""
    rng = np.random.default_rng(0)
    X, lab = [], []
    for i, lv in enumerate([0.5, 1.0, 1.5]):
        t = rng.uniform(0, 2 * np.pi, 4000)
        s = rng.uniform(-2, 2, 4000)
        r = np.sqrt(lv)
        u, z = r * np.cos(t), r * np.sin(t)            # u = (x - y) / sqrt 2 * sqrt 2
        x = (s + u) / np.sqrt(2)
        y = (s - u) / np.sqrt(2)
        X.append(np.stack([x, y, z], 1) * np.array([1, 1, 1]))
        lab.append(np.full(4000, i))
    res = find_generators(np.concatenate(X), np.concatenate(lab), method="tangent")
    # rotation about the axis, dilation along it, two shears into it, the translation
    assert res.n_generators == 5 and res.n_translations == 1, res
    assert res.algebra == "(so(2)+r)⋉r^3"
    b = res.translations[res.n_generators - 1]
    assert abs(abs(b @ np.array([1.0, 1.0, 0.0]) / np.sqrt(2)) - 1.0) < 1e-2

"""Closing a set of found maps into a finite group: products, the multiplication table, the
symmetrised representation, its centre and the index of a new map.
"""

from __future__ import annotations

import functools

import numpy as np

from symfast.symmetry._discrete._scoring import _Scorer


def _close(found: list[np.ndarray], scorer: _Scorer, K: np.ndarray,
           rng: np.random.Generator, accept: float, max_order: int,
           budget: list[int]) -> tuple[list[np.ndarray], bool]:
    """Add products of known elements that pass the test, until nothing changes.

    Returns the maps and whether the closure was cut short: past ``max_order`` maps, or
    past ``4 * max_order`` refined products.  On the groups checked the search has found
    the whole group by its own products first, and the closure refines none (I_h, I,
    B3, O, T, S4 in three random orthogonal frames each, B3, O, S4, z4, D6 in three
    skewed ones: 0 each; measured).  Where near-symmetries were accepted, each round
    refined every pair's product again (s3 on half its cloud in a skewed frame: 34 maps
    grew to 121 through 11,435 refinements, 107 s of a 114 s search; another search
    took 487 s; both now take 12 s and are unresolved as before; measured).
    """
    if len(found) > max_order:
        return _common_center(found), True
    refinements = 4 * max_order
    changed = True
    while changed:
        changed = False
        for A in list(found):
            # the inverse first, scored as it is: an element's inverse is one, and its
            # refinement can drift to where the least-squares fit, not the median offset,
            # is best (z3 at 400 points per level set in one frame: R refined to 1.24, R R
            # refined to 2.24 > 1.5 x the cut, unresolved; R^-1 unrefined scores 1.25)
            Ai = np.linalg.inv(A)
            if _index(Ai, found, K, rng, budget=budget) is None and \
                    scorer.score(Ai, final=True) <= accept:
                found.append(Ai)
                changed = True
                if len(found) > max_order:
                    return _common_center(found), True
            known = _index_many(np.einsum("ab,kbc->kac", A, np.array(found)), found, K, rng,
                                budget)
            for B, k in zip(list(found), known):
                if k is not None:
                    continue
                P = A @ B
                if _index(P, found, K, rng, budget=budget) is not None:
                    continue          # matches an element added since
                # a product of symmetries is one: refine it rigidly, keep it if it passes
                refinements -= 1
                if refinements < 0:
                    return _common_center(found), True
                out = _refined_product(P, found, scorer, K, rng, budget)
                if out is not None and out[1] <= accept:
                    found.append(out[0])
                    changed = True
                    if len(found) > max_order:
                        return _common_center(found), True
        found = _common_center(found)
    return found, False


def _refined_product(P: np.ndarray, found: list[np.ndarray], scorer: _Scorer,
                     K: np.ndarray, rng: np.random.Generator,
                     budget: list[int] | None = None) -> tuple[np.ndarray, float] | None:
    """A product of found maps, refined rigidly, and its score; None when the refinement
    lands on a known element (the closure and the search's product growth share it)."""
    P = scorer.refine(P, iters=0)
    if _index(P, found, K, rng, budget=budget) is not None:
        return None
    return P, scorer.score(P, final=True)


#: How far (0 to 1) a symmetry may move a compact generator out of span K.  A symmetry g
#: conjugates continuous symmetries into continuous symmetries (g K g^-1 in span K): the
#: true cosets of so3xso2 and so2xso2 at 1000 points per level deviate 0.05-0.06 and
#: 0.006-0.011, the near-symmetries that pass the score 0.36-1.0 (measured).
NORMALISER_TOL = 0.2


def _normaliser_gap(A: np.ndarray, K: np.ndarray) -> float:
    """Largest part of A K_i A^T outside span K (K orthonormal, A nearly orthogonal)."""
    B = np.einsum("ij,kjl,ml->kim", A, K, A)
    inside = np.einsum("kc,cij->kij", np.einsum("kij,cij->kc", B, K), K)
    return float(np.linalg.norm((B - inside).reshape(K.shape[0], -1), axis=1).max())


def _root_test(found: list[np.ndarray], scorer: _Scorer, K: np.ndarray,
               rng: np.random.Generator, accept: float) -> tuple[list[float], bool]:
    """Score the square and cube roots of every rotation in the group (about the common
    centre).

    The root of an element g of a finite group is either an element itself (R(pi / 2) in
    D4) or moves the level sets off themselves (R(pi / 4) for r^4 cos 4 theta turns the
    cos 4 theta term over).  When near-symmetries on sparse samples close into a spurious
    group (s3 at 410 points per level: rotations by 2 pi k / 7 about (1, 1, 1), named
    order-7), the roots pass as well.  Rotations by pi, whose root is ambiguous, and maps
    of determinant -1 are skipped.  Returns the roots' scores and whether one that is not
    an element passed ``accept``.
    """
    from scipy.linalg import expm

    d = found[0].shape[0] - 1
    c = _fixed_point(found)
    scores: list[float] = []
    for M in found[1:]:
        A = M[:d, :d]
        if np.linalg.det(A) < 0 or np.any(np.abs(np.abs(np.angle(np.linalg.eigvals(A)))
                                               - np.pi) < 0.3):
            continue
        L = _log_orthogonal(A)
        for power in (0.5, 1.0 / 3.0):
            root = expm(power * L)
            R = _with_shift(root, c - root @ c)
            if _index(R, found, K, rng, tol=0.05) is not None:
                continue                  # the elements are exact: a strict match
            # unrefined: refinement would let a true group's root slide onto a nearby
            # near-symmetry (s3 at 1000 points per level: 6.4-8.0 unrefined, 2.9-5.7
            # refined; the spurious order-7 group's roots: 2.85 and 1.9)
            scores.append(scorer.score(R, final=True))
            if scores[-1] <= accept:
                return scores, True
    return scores, False


def _table(found: list[np.ndarray], K: np.ndarray, rng: np.random.Generator,
           budget: list[int]) -> tuple[np.ndarray, bool]:
    """Cayley table of the found elements (cosets); False when a product is missing.

    Without cosets the m^2 products are looked up in one vectorised pass
    (``_index_many``; 14,400 single lookups for I_h)."""
    F = np.array(found)
    m = len(found)
    prods = np.einsum("iab,jbc->ijac", F, F).reshape(m * m, *F.shape[1:])
    idx = _index_many(prods, found, K, rng, budget)
    table = np.array([0 if k is None else k for k in idx], dtype=np.int64).reshape(m, m)
    return table, all(k is not None for k in idx)


def is_latin_square(table: np.ndarray) -> bool:
    """True when every row and every column of the (m, m) table is a permutation of 0..m-1."""
    m = table.shape[0]
    want = np.arange(m)
    return bool(all(np.array_equal(np.sort(table[i]), want) for i in range(m))
                and all(np.array_equal(np.sort(table[:, j]), want) for j in range(m)))


def _symmetrise(found: list[np.ndarray], table: np.ndarray, rounds: int = 3
               ) -> list[np.ndarray]:
    """Average an approximate representation towards an exact one.

    g_i <- (1/m) sum_j g_(i j) g_j^-1 has the exact representation as a fixed point and
    shrinks errors at every round (each term is an independent estimate of g_i);
    each map is then replaced by its nearest orthogonal one (polar factor).  The maps
    fix the common centre, so the linear parts are averaged.
    """
    G = np.array(found)
    d = G.shape[1] - 1
    L = G[:, :d, :d]
    m = L.shape[0]
    for _ in range(rounds):
        inv = np.linalg.inv(L)
        L = np.einsum("ijab,jbc->iac", L[table], inv) / m
        U, _, Vt = np.linalg.svd(L)
        L = U @ Vt
    out = []
    for i in range(m):
        M = G[i].copy()
        M[:d, :d] = L[i]
        out.append(M)
    return _common_center(out)


def _refine_center(found: list[np.ndarray], scorer: _Scorer, iters: int = 4,
                   max_elements: int = 24) -> list[np.ndarray]:
    """Pin down the common fixed point c with the linear parts held: Gauss-Newton on the
    point-to-plane offsets of up to ``max_elements`` elements at once (x -> A (x - c) + c).

    A dozen elements pin down one point in R^d as well as a hundred (I_h: 1.8 s with all
    119, the same centre to 1e-4 with 24; measured)."""
    d = found[0].shape[0] - 1
    A = np.array([M[:d, :d] for M in found])
    c = _fixed_point(found)
    use = A[1:][np.unique(np.linspace(0, len(A) - 2, max_elements).round().astype(int))] \
        if len(A) > 1 else A[1:]
    for it in range(iters):
        rows, res = [], []
        for L in use:
            for cl, P in scorer.final:
                Q = (P - c) @ L.T + c
                mu, N = scorer.planes(cl, Q, exact=it == iters - 1)
                res.append(np.einsum("nic,ni->nc", N, Q - mu).reshape(-1))
                rows.append(np.einsum("nic,ij->ncj", N, np.eye(d) - L).reshape(-1, d))
        if not rows:
            break
        step = np.linalg.lstsq(np.concatenate(rows), -np.concatenate(res), rcond=None)[0]
        c = c + step
    out = []
    for L in A:
        M = np.eye(d + 1)
        M[:d, :d] = L
        M[:d, d] = c - L @ c
        out.append(M)
    return out


def _affine(O: np.ndarray) -> np.ndarray:
    d = O.shape[0]
    M = np.eye(d + 1)
    M[:d, :d] = O
    return M


def _fixed_point(found: list[np.ndarray] | np.ndarray) -> np.ndarray:
    """Least-squares common fixed point c of the maps: (O_i - I) c + t_i = 0."""
    F = np.asarray(found)
    d = F.shape[1] - 1
    A = (F[:, :d, :d] - np.eye(d)).reshape(-1, d)
    b = -F[:, :d, d].reshape(-1)
    if not np.any(A):
        return np.zeros(d)
    return np.linalg.lstsq(A, b, rcond=None)[0]


def _common_center(found: list[np.ndarray]) -> list[np.ndarray]:
    """Make every map fix the common fixed point exactly (a finite group has one)."""
    c = _fixed_point(found)
    d = found[0].shape[0] - 1
    out = []
    for M in found:
        M = M.copy()
        M[:d, d] = c - M[:d, :d] @ c
        out.append(M)
    return out


#: Maps whose linear parts lie within this (Frobenius) distance are one element seen
#: through sampling noise: elements of a small finite group lie far apart (a rotation by
#: 2 pi / 12 is 0.73 from the identity).
MATCH_TOL = 0.35


class _Budget(Exception):
    """Raised when the coset tests of a continuous case exceed their budget."""


#: Maps within this distance of one coset of G0 are one coset.  Looser than MATCH_TOL: a map
#: may tilt along directions the samples barely constrain (the rotations mixing the two
#: blocks of so3xso2 at 1000 points per level set: two estimates of one coset, scoring
#: 0.92 and 1.02, lay 0.351 off one coset; measured), and distinct cosets of a compact G0
#: lie far apart (2.0 and more on so3xso2; 0.73 for a rotation by 2 pi / 12 in a plane
#: that G0 leaves alone).
COSET_TOL = 0.5

#: Coset tests (a matrix logarithm each, a search at worst) allowed per call: a closure
#: that keeps growing on an under-sampled cloud would otherwise take hours.
_COSET_TESTS = 3_000


def _index(M: np.ndarray, found: list[np.ndarray], K: np.ndarray,
           rng: np.random.Generator, loose: bool = False,
           budget: list[int] | None = None, tol: float | None = None) -> int | None:
    """Index of the element (or, with a continuous part, the coset) that M belongs to.

    Maps are compared by their linear parts: all of them fix one common point.
    ``loose`` widens the match for an unrefined candidate; ``tol`` sets it.
    """
    d = M.shape[0] - 1
    # elements of a small finite group lie far apart (a rotation by 2 pi / 12 is 0.73
    # from the identity); maps within 0.35 are one element seen through sampling noise
    if tol is None:
        tol = 0.5 if loose else (MATCH_TOL if K.shape[0] == 0 else COSET_TOL)
    if K.shape[0] == 0:
        # the nearest element, not the first within tol: a near-symmetry 0.3 from an
        # element, matched first, was replaced by a better-scoring estimate of that
        # element, which then stood twice in the list (B3 at 1000 points per level set
        # in one random frame: two maps 0.014 apart, closure past max_order; measured)
        if not found:
            return None
        dist = np.linalg.norm(np.array(found)[:, :d, :d] - M[:d, :d], axis=(1, 2))
        i = int(np.argmin(dist))
        return i if dist[i] < tol else None
    for i, F in enumerate(found):
        if budget is not None:
            budget[0] += 1
            if budget[0] > _COSET_TESTS:
                raise _Budget
        # the same noise allowance as between elements: with 0.05, maps of one coset
        # estimated 0.03-0.05 apart (so2xso2, 3000 points per level) counted as new
        # cosets and the closure never ended (measured: 17 "elements", unresolved;
        # with this tolerance Z2xZ2)
        if _in_identity_component(M[:d, :d] @ np.linalg.inv(F[:d, :d]), K, rng,
                                  tol=tol):
            return i
    return None


def _index_many(Ps: np.ndarray, found: list[np.ndarray], K: np.ndarray,
                rng: np.random.Generator, budget: list[int] | None = None
                ) -> list[int | None]:
    """_index of each of the maps Ps (k, d+1, d+1); without a continuous part, in one
    vectorised pass (the product growth and the closure of I_h made 40,000 single
    calls, 2.2 of 5.9 s; measured)."""
    if K.shape[0] or not found or not len(Ps):
        return [_index(P, found, K, rng, budget=budget) for P in Ps]
    d = Ps.shape[1] - 1
    L = np.array(found)[:, :d, :d].reshape(len(found), -1)
    Q = Ps[:, :d, :d].reshape(len(Ps), -1)
    dist2 = (np.einsum("pk,pk->p", Q, Q)[:, None] + np.einsum("qk,qk->q", L, L)[None, :]
             - 2.0 * Q @ L.T)
    k = np.argmin(dist2, axis=1)
    ok = dist2[np.arange(len(Ps)), k] < MATCH_TOL ** 2
    return [int(i) if good else None for i, good in zip(k, ok)]


def _with_shift(A: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The (d+1) x (d+1) affine matrix of x -> A x + t."""
    M = _affine(A)
    M[:-1, -1] = t
    return M


@functools.lru_cache(maxsize=8)
def _commutant(key: bytes, shape: tuple[int, ...]) -> np.ndarray:
    """Orthonormal basis (c, d, d) of the matrices that commute with every K (the
    generators, noisy estimates: a commutator up to 0.05 of the largest counts as zero)."""
    K = np.frombuffer(key, dtype=np.float64).reshape(shape)
    d = shape[1]
    eye = np.eye(d)
    # vec(K C - C K) = (I kron K - K^T kron I) vec(C), row-major
    A = np.concatenate([np.kron(k, eye) - np.kron(eye, k.T) for k in K])
    _, s, Vt = np.linalg.svd(A)
    s = np.concatenate([s, np.zeros(Vt.shape[0] - s.size)])
    return Vt[s <= 0.05 * max(float(s.max()), 1e-300)].reshape(-1, d, d)


def _in_identity_component(M: np.ndarray, K: np.ndarray, rng: np.random.Generator,
                           tol: float = 0.05) -> bool:
    """Is M (nearly orthogonal) in exp(span K) (K antisymmetric, orthonormal)?"""
    d = M.shape[0]
    if np.linalg.det(M) < 0:
        return False
    if K.shape[0] == 0:
        return bool(np.linalg.norm(M - np.eye(d)) < tol)
    if K.shape[0] == d * (d - 1) // 2:
        return True                     # G0 = SO(d): the determinant decides
    # a necessary condition, cheap: every element of G0 = exp(span K) commutes with every
    # matrix that commutes with all of K; most maps tested lie in another coset and fail
    # here (the reflection in one plane of so2xso2 anticommutes with that plane's
    # rotation), which spares them the logarithm and the search below (measured on
    # so2xso2: 19 of 28 s went to those)
    C = _commutant(K.tobytes(), K.shape)
    if C.shape[0] and np.abs(np.einsum("ij,cjk->cik", M, C)
                             - np.einsum("cij,jk->cik", C, M)).reshape(C.shape[0], -1).max() \
            > 2.0 * tol:
        return False
    from scipy.linalg import expm

    def newton(E: np.ndarray) -> bool:
        # E <- E exp(P log(E^T M)), P the projection onto span K: E stays in G0, and the
        # step is exact when G0 is abelian (the principal logarithm of an element of G0
        # near E lies in span K)
        for _ in range(3):
            t = np.einsum("kij,ij->k", K, _log_orthogonal(E.T @ M))
            E = E @ expm(np.einsum("k,kij->ij", t, K))
            if np.linalg.norm(E - M) < tol:
                return True
        return False

    if newton(np.eye(d)):
        return True
    # the principal logarithm jumps where a rotation angle is near pi: start elsewhere in G0
    if not np.any(np.abs(np.abs(np.angle(np.linalg.eigvals(M))) - np.pi) < 0.3):
        return False
    return any(newton(expm(np.einsum("k,kij->ij", rng.uniform(-np.pi, np.pi, K.shape[0]), K)))
               for _ in range(4))


def _log_orthogonal(M: np.ndarray) -> np.ndarray:
    """Principal logarithm of the orthogonal matrix nearest to M, from its eigenvalues (a
    normal matrix: far cheaper than a general matrix logarithm)."""
    U, _, Vt = np.linalg.svd(M)
    w, V = np.linalg.eig(U @ Vt)
    return np.real(V @ np.diag(1j * np.angle(w)) @ np.linalg.inv(V))


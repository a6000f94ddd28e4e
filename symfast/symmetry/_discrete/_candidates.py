"""Candidate maps: matched frames of level-set samples, and the maps of the identity
component (flows of the continuous generators) that are not new.
"""

from __future__ import annotations

import numpy as np

from symfast.symmetry._discrete._closure import _affine, _refine_center
from symfast.symmetry._discrete._scoring import GAP_RATIO, _Scorer


def _frame_map(a: np.ndarray, q: np.ndarray) -> list[np.ndarray]:
    """Orthogonal maps sending the d - 1 rows of a to those of q (both signs of the rest)."""
    d = a.shape[1]
    Qa, _ = np.linalg.qr(np.concatenate([a, np.eye(d)]).T)     # a's span first
    Qq, _ = np.linalg.qr(np.concatenate([q, np.eye(d)]).T)
    Fa, Fq = Qa[:, :d], Qq[:, :d]
    # the QR signs of the first d - 1 columns follow a and q; the last is free
    sa = np.sign(np.einsum("ij,ji->i", a, Fa[:, :d - 1]))
    sq = np.sign(np.einsum("ij,ji->i", q, Fq[:, :d - 1]))
    Fa[:, :d - 1] *= sa
    Fq[:, :d - 1] *= sq
    out = []
    for s in (1.0, -1.0):
        G = Fq.copy()
        G[:, -1] *= s
        M = G @ Fa.T
        U, _, Vt = np.linalg.svd(M)
        out.append(U @ Vt)
    return out


def _candidates(Y: np.ndarray, lab: np.ndarray, spacing: float, rng: np.random.Generator,
                max_tuples: int, n_anchor_sets: int) -> list[np.ndarray]:
    """Orthogonal candidates from tuples of points matching anchors' norms and angles."""
    n, d = Y.shape
    norms = np.linalg.norm(Y, axis=1)
    # a symmetry keeps distances from its fixed point, which the sample mean (the origin
    # of Y) misses by its standard error: norms of a point and of its image then differ
    # by up to twice that (D2 at 400 points per level set: 0.05 against a spacing of
    # 0.016, so the half-turn's images fell outside a window of 2 spacings and the group
    # came out Z2 in 2 of 30 frames; measured)
    se = float(np.sqrt(np.trace(np.cov(Y.T)) / n))
    tol = 2.0 * spacing + 2.0 * se
    out: list[np.ndarray] = []
    for _ in range(n_anchor_sets):
        # anchors: d - 1 points, well away from the centre and from each other's span
        anchors: list[int] = []
        for _ in range(200):
            if len(anchors) == d - 1:
                break
            i = int(rng.integers(n))
            if norms[i] < 0.3 * np.median(norms):
                continue
            if anchors:
                A = Y[anchors]
                resid = Y[i] - A.T @ np.linalg.lstsq(A.T, Y[i], rcond=None)[0]
                if np.linalg.norm(resid) < 0.3 * norms[i]:
                    continue
            anchors.append(i)
        if len(anchors) < d - 1:
            continue
        pools = [np.flatnonzero((lab == lab[a]) & (np.abs(norms - norms[a]) <= tol))
                 for a in anchors]
        if d == 2:
            tuples = [[q] for q in pools[0]]
        else:
            tuples = []
            order = rng.permutation(pools[0])
            for q0 in order:
                partial = [[q0]]
                for j in range(1, d - 1):
                    nxt = []
                    for t in partial:
                        ok = pools[j]
                        for i, qi in enumerate(t):
                            target = Y[anchors[i]] @ Y[anchors[j]]
                            ok = ok[np.abs(Y[ok] @ Y[qi] - target)
                                    <= tol * (norms[anchors[i]] + norms[anchors[j]])]
                        if ok.size > 8:
                            ok = rng.choice(ok, 8, replace=False)
                        nxt += [t + [int(q)] for q in ok]
                    partial = nxt
                tuples += partial
                if len(tuples) >= max_tuples:
                    break
        if len(tuples) > max_tuples:
            tuples = [tuples[i] for i in rng.choice(len(tuples), max_tuples, replace=False)]
        a = Y[anchors]
        for t in tuples:
            out += _frame_map(a, Y[t])
    return out


def _compact_generators(G: np.ndarray, W: np.ndarray, Winv: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the antisymmetric part of span(W T W^-1) (scaled coordinates)."""
    if G.shape[0] == 0:
        return G
    d = G.shape[1]
    Ty = np.einsum("ij,kjl,lm->kim", W, G, Winv)
    k = Ty.shape[0]
    # combinations c with (sum c T)^T = -(sum c T): null space of the symmetric part
    S = (Ty + Ty.transpose(0, 2, 1)).reshape(k, -1).T
    scale = max(float(np.linalg.norm(Ty.reshape(k, -1), axis=1).max()), 1e-300)
    _, s, Vt = np.linalg.svd(S, full_matrices=True)
    s = np.concatenate([s, np.zeros(k - s.size)])
    null = Vt[s <= 0.05 * scale]
    if null.shape[0] == 0:
        return np.zeros((0, d, d))
    A = np.einsum("ck,kij->cij", null, Ty)
    A = 0.5 * (A - A.transpose(0, 2, 1))
    flat = A.reshape(A.shape[0], -1)
    _, sv, Vt2 = np.linalg.svd(flat, full_matrices=False)
    return Vt2[sv > 1e-8 * sv.max()].reshape(-1, d, d)


def _symmetric_basis(d: int, off: float) -> np.ndarray:
    """A basis of the symmetric d x d matrices, (d (d + 1) / 2, d, d): E_aa, and
    ``off`` (E_ab + E_ba) for a < b (2^-1/2 makes it orthonormal)."""
    iu = np.triu_indices(d)
    B = np.zeros((len(iu[0]), d, d))
    for n, (a, b) in enumerate(zip(*iu)):
        B[n, a, b] = B[n, b, a] = 1.0 if a == b else off
    return B


def _null_rows(A: np.ndarray, rel: float) -> np.ndarray:
    """Orthonormal rows spanning the near-null space of A (m, n): the right singular
    vectors whose singular values are at most ``rel`` times the largest (those beyond
    min(m, n) count as zero)."""
    _, sv, Vt = np.linalg.svd(A, full_matrices=True)
    sv = np.concatenate([sv, np.zeros(Vt.shape[0] - sv.size)])
    return Vt[sv <= rel * sv.max()]


#: Above this many dimensions no block reflections are proposed: the commutant's linear
#: system holds d (d + 1) / 2 x k x d^2 numbers (0.74 million, 6 MB, at d = 12 with so(12)'s 66
#: generators; 477 million, 3.8 GB, at d = 72 with su(6)'s 35), and the finite-group search is
#: measured only up to 6 dimensions.
BLOCKS_MAX_DIM = 12


def _block_reflections(K: np.ndarray, rng: np.random.Generator, rel: float = 0.1
                       ) -> list[np.ndarray]:
    """One reflection I - 2 v v^T per invariant block of the identity component.

    The blocks are the eigenspaces of a random symmetric map that commutes with every
    generator in K (k, d, d; antisymmetric): for SO(2) x SO(2) on R^4 the two planes, for
    SO(3) x SO(2) on R^5 the 3-space and the plane.  A reflection of one block is in the
    coset of every other reflection of that block (the block's rotations join them), so
    one random v per block proposes the coset.  The matched tuples need not: on
    so2xso2 in one skewed frame (seed 102, frame 5 of the protocol) 62 candidates held
    one plane's reflection and never the other's, and the group came out Z2 (measured).
    The commutant is the null space of X -> [K_k, X] on symmetric X, singular values
    below ``rel`` times the largest (K is estimated); eigenvalues of the random element
    closer than a tenth of their range are one block.
    """
    k, d, _ = K.shape
    if d > BLOCKS_MAX_DIM:
        return []
    B = _symmetric_basis(d, off=1.0)
    A = (np.einsum("kij,njl->nkil", K, B) - np.einsum("nij,kjl->nkil", B, K))
    null = _null_rows(A.reshape(len(B), -1).T, rel)
    if null.shape[0] < 2:
        return []                      # the commutant's symmetric part is the identity
    S = np.einsum("n,nij->ij", rng.normal(size=null.shape[0]) @ null, B)
    w, V = np.linalg.eigh(S)
    cuts = np.flatnonzero(np.diff(w) > 0.1 * (w[-1] - w[0])) + 1
    out = []
    for idx in np.split(np.arange(d), cuts):
        v = V[:, idx] @ rng.normal(size=idx.size)
        v /= np.linalg.norm(v)
        out.append(np.eye(d) - 2.0 * np.outer(v, v))
    return out


#: Rotation angles (radians) at which a continuous generator's flow is tested: away
#: from 2 pi / n for small n, where a flow along a spurious axis can meet a true
#: discrete element (the 3-cycles of S3 are rotations by 2 pi / 3 about (1, 1, 1)).
FLOW_ANGLES = (0.7, 1.5, 2.7)


def _flow(K: np.ndarray, theta: float) -> np.ndarray:
    """exp(theta K) as an affine map about the origin, with K scaled so that its largest
    rotation angle is theta."""
    from scipy.linalg import expm

    top = float(np.abs(np.linalg.eigvals(K)).max())
    return _affine(expm(theta * K / max(top, 1e-300)))


def _verified_flows(K: np.ndarray, scorer: _Scorer, accept: float,
                    rng: np.random.Generator) -> tuple[np.ndarray, list[float]]:
    """The compact generators whose finite flows send the level sets onto themselves.

    The continuous search is local (tangent directions, first order in the angle), so
    on sparse samples it can pass a near-symmetry: the S3 potential at 410 points per
    level set gave one such generator, a rotation about (1, 1, 1) that its cubic term
    breaks.  Each generator's flow is scored at finite angles (unrefined, so that it
    cannot slide onto a nearby discrete element), then random combinations of the kept
    ones; a generator whose flow leaves the level sets (worst score over ``GAP_RATIO``)
    is dropped.

    Returns the kept generators (orthonormal) and the worst score of each tested flow.
    """
    if K.shape[0] == 0:
        return K, []

    def worst(T: np.ndarray) -> float:
        # the flows turn about the level sets' own centre, not the sample mean: on thin
        # bands the mean's sampling error alone (0.014 for higgs at 410 points per level)
        # moves a rotation by 0.5 rad 14 thicknesses off the circles
        maps = _refine_center([_affine(np.eye(T.shape[0]))]
                              + [_flow(T, t) for t in FLOW_ANGLES], scorer)
        return max(scorer.score(M, final=True) for M in maps[1:])

    # a flow of a true generator scores at the samples' own level (0.94-1.09 measured for
    # higgs, so3-so6, so2xso2 and so3xso2 at 410-3000 points per level, the generators
    # found or exact); the spurious s3 rotation scored 2.5-4.4, under ``accept``: flows are
    # held to the gap that separates elements from near-symmetries
    limit = min(accept, GAP_RATIO)
    scores = [worst(K[k]) for k in range(K.shape[0])]
    Kk = K[[k for k in range(K.shape[0]) if scores[k] <= limit]]
    if Kk.shape[0] > 1:
        # the span, not just its basis: combinations of the generators' flows too
        for _ in range(3):
            scores.append(worst(np.einsum("k,kij->ij", rng.normal(size=Kk.shape[0]), Kk)))
            if scores[-1] > limit:
                return K[:0], scores
    return Kk, scores

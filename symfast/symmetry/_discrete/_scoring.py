"""Scoring a candidate map: how well it sends each sampled level set onto itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symfast._ext import _planes as _planes_kernel

#: The frames find_discrete_symmetries can search in (its ``metric``).
METRICS = ("euclidean", "invariant")

#: Shift corrections before the coarse test (mean nearest-sample displacement; see
#: _Scorer.coarse).  Measured on d3 (11 levels x 410 points) in random frames: with none,
#: a sample mean 0.04 (scaled units) off the fixed point put every rotation's candidates at
#: 6-8 spacings, over the cut of 6, and the group came out Z2.
COARSE_SHIFT_STEPS = 2

#: The quantile of the offsets that scores a map (the median: robust to the few
#: samples that sit across a gap in the sampling).
QUANTILE = 0.5


def _cayley(W: np.ndarray) -> np.ndarray:
    """The rotation (I - W/2)^-1 (I + W/2) of an antisymmetric W: exactly orthogonal and
    equal to exp(W) to second order, which is all a Gauss-Newton step needs (a tenth of
    the cost of scipy's expm on these small matrices)."""
    eye = np.eye(W.shape[0])
    return np.linalg.solve(eye - 0.5 * W, eye + 0.5 * W)


def _normal_step(J: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The Gauss-Newton step -J^+ r from the normal equations, with a ridge of 1e-12 of
    their mean diagonal so that directions the offsets do not see (a rotation along a
    round level set) get no step, as the minimum-norm least-squares step gives them.
    The (p, p) solve replaces an SVD of the (n, p) Jacobian: a fifth of the general
    linear refinement's time (the invariant metric fits hundreds of them; measured)."""
    A = J.T @ J
    A[np.diag_indices_from(A)] += 1e-12 * float(np.trace(A)) / A.shape[0] + 1e-300
    return np.linalg.solve(A, -(J.T @ r))


def local_planes_numpy(P: np.ndarray, I: np.ndarray, codim: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """The NumPy reference of the compiled ``local_planes``: for each row of I (k ids into
    P), the mean (n, d) of its points and the eigenvectors (n, d, codim) of their scatter
    matrix's ``codim`` smallest eigenvalues."""
    nb = P[I]
    mu = nb.mean(axis=1)
    C = np.einsum("nki,nkj->nij", nb - mu[:, None], nb - mu[:, None])
    _, V = np.linalg.eigh(C)
    return mu, V[:, :, :codim]


class _Scorer:
    """How far a map moves the samples off their own level set.

    A mapped point Q is compared with the level set near it: the offset of Q from the
    local PCA plane (mean and tangent space) of its k nearest samples of the same
    set.  The samples themselves, each against its k nearest other samples, give the
    reference distribution of that offset (the band's thickness plus the curvature
    bias of the estimate), so a symmetry, which moves samples along their set,
    scores about 1 whatever the sampling density; a map that moves points across
    the band scores in proportion.
    """

    def __init__(self, Y: np.ndarray, lab: np.ndarray, rng: np.random.Generator,
                 n_probe: int, n_final: int):
        from scipy.spatial import cKDTree

        from symfast.symmetry._continuous._tangent import _dimension_from_eigs

        d = Y.shape[1]
        self.ids = np.unique(lab)
        # C-contiguous float64: the compiled local planes read them as such
        self.clouds = {c: np.ascontiguousarray(Y[lab == c], dtype=np.float64)
                       for c in self.ids}
        self.trees = {c: cKDTree(P) for c, P in self.clouds.items()}
        # each set's planes at its own samples, filled on first use (_sample_planes)
        self._plane_cache: dict[Any, tuple[np.ndarray, np.ndarray]] = {}
        self.codim = {}
        sp = []
        for c in self.ids:
            P = self.clouds[c]
            kk = min(max(2 * d, 8) + 1, P.shape[0])
            dd, I = self.trees[c].query(P, k=kk)
            sp.append(dd[:, 1])
            nb = P[I[:, 1:]] - P[I[:, 1:]].mean(axis=1, keepdims=True)
            w, _ = np.linalg.eigh(np.einsum("nki,nkj->nij", nb, nb))
            m = _dimension_from_eigs(w) if kk > d + 1 else d - 1
            self.codim[c] = d - int(min(max(m, 1), d - 1))
        # the local plane needs a few more points than its dimension; more would
        # only add the bias of the level set's curvature
        self.k = {c: 2 * (d - self.codim[c]) + 2 for c in self.ids}
        self.spacing = float(np.median(np.concatenate(sp)))

        self.probe = self._subset(n_probe, rng)
        self.final = self._subset(n_final, rng)
        ref = np.concatenate([self._offsets(c, P, skip_self=True) for c, P in self.final])
        self.thickness = max(float(np.quantile(ref, QUANTILE)), 1e-6 * self.spacing)

    def _subset(self, m: int, rng: np.random.Generator) -> list[tuple[Any, np.ndarray]]:
        """About m samples, spread evenly over the level sets, as (label, points) pairs."""
        per = max(4, m // len(self.ids))
        out = []
        for c in self.ids:
            P = self.clouds[c]
            out.append((c, P[rng.choice(P.shape[0], min(per, P.shape[0]), replace=False)]))
        return out

    def _planes(self, c: Any, Q: np.ndarray, skip_self: bool = False
                ) -> tuple[np.ndarray, np.ndarray]:
        """Mean (n, d) and normal frame (n, d, codim) of the k samples nearest to each Q."""
        P = self.clouds[c]
        k = min(self.k[c] + int(skip_self), P.shape[0])
        _, I = self.trees[c].query(Q, k=k)
        I = np.ascontiguousarray(I.reshape(Q.shape[0], k)[:, int(skip_self):], dtype=np.int64)
        if P.shape[1] > _planes_kernel.max_dim:
            return local_planes_numpy(P, I, self.codim[c])
        mu = np.empty((I.shape[0], P.shape[1]))
        N = np.empty((I.shape[0], P.shape[1], self.codim[c]))
        _planes_kernel.local_planes(P, I, self.codim[c], mu, N)
        return mu, N

    def _sample_planes(self, c: Any) -> tuple[np.ndarray, np.ndarray]:
        """The local plane at every sample of set c (its k nearest samples, itself
        included), computed once: (n_c, d) means and (n_c, d, codim) normal frames."""
        if c not in self._plane_cache:
            self._plane_cache[c] = self._planes(c, self.clouds[c])
        return self._plane_cache[c]

    def _planes_near(self, c: Any, Q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The precomputed plane of the sample nearest to each Q (point-to-plane ICP's
        target normals).  The refinements use it: it needs one nearest-neighbour query
        per point where :meth:`_planes` fits a plane per point (an eigendecomposition
        each, 60 % of a search in R^3 measured); the scores keep the exact estimator."""
        mu, N = self._sample_planes(c)
        _, idx = self.trees[c].query(Q, k=1)
        return mu[idx], N[idx]

    def _offsets(self, c: Any, Q: np.ndarray, skip_self: bool = False) -> np.ndarray:
        mu, N = self._planes(c, Q, skip_self)
        return np.linalg.norm(np.einsum("nic,ni->nc", N, Q - mu), axis=1)

    def offsets(self, M: np.ndarray, final: bool = False) -> np.ndarray:
        """Offsets from the level set of the mapped samples; M is (d+1) x (d+1) affine."""
        d = M.shape[0] - 1
        return np.concatenate([self._offsets(c, P @ M[:d, :d].T + M[:d, d])
                               for c, P in (self.final if final else self.probe)])

    def score(self, M: np.ndarray, final: bool = False) -> float:
        """A quantile of the offsets, in units of the samples' own (same estimator)."""
        return float(np.quantile(self.offsets(M, final), QUANTILE) / self.thickness)

    def coarse(self, M: np.ndarray, shift_steps: int = COARSE_SHIFT_STEPS) -> float:
        """Median distance to the nearest sample, in sample spacings (a cheap first test).

        A candidate is a linear map about the samples' mean, which misses the fixed point
        by the sampling noise of the mean: a rotation g then moves every point by an
        extra (I - g) delta, several spacings on a dense cloud.  ``shift_steps`` mean
        nearest-sample displacements are added to the map's shift first, so the test
        judges the linear part and not the centre (the refinement fits the shift).
        """
        d = M.shape[0] - 1
        A, t = M[:d, :d], M[:d, d].copy()
        for step in range(shift_steps + 1):
            dist, moves = [], []
            for c, P in self.probe:
                Q = P @ A.T + t
                dd, idx = self.trees[c].query(Q, k=1)
                dist.append(dd)
                if step < shift_steps:              # the last pass only measures
                    moves.append(self.clouds[c][idx] - Q)
            if moves:
                t = t + np.concatenate(moves).mean(axis=0)
        return float(np.median(np.concatenate(dist)) / self.spacing)

    def planes(self, c: Any, Q: np.ndarray, exact: bool) -> tuple[np.ndarray, np.ndarray]:
        """The local planes at Q: fitted at each Q (``exact``) or the nearest sample's."""
        return self._planes(c, Q) if exact else self._planes_near(c, Q)

    def refine(self, M: np.ndarray, iters: int = 4, plane_iters: int = 6,
               exact_iters: int = 2) -> np.ndarray:
        """ICP: a few rigid point-to-point Procrustes steps on nearest-sample matches, then
        Gauss-Newton point-to-plane steps (offsets from the local planes, linearised in
        a small rotation and a shift), which also pin down the fixed point.

        The plane steps use the nearest samples' precomputed planes, the last
        ``exact_iters`` of them planes fitted at the mapped points: on the precomputed
        planes alone the steps stop short (S4 at 1000 points per level set: a second
        estimate of an element 0.35 from the first, and no group table; measured)."""
        d = M.shape[0] - 1
        M = M.copy()
        for _ in range(iters):
            src, dst = [], []
            for c, P in self.final:
                _, idx = self.trees[c].query(P @ M[:d, :d].T + M[:d, d], k=1)
                src.append(P)
                dst.append(self.clouds[c][idx])
            A, B = np.concatenate(src), np.concatenate(dst)
            ma, mb = A.mean(axis=0), B.mean(axis=0)
            U, _, Vt = np.linalg.svd((B - mb).T @ (A - ma))
            O = U @ Vt
            M[:d, :d] = O
            M[:d, d] = mb - O @ ma
        # point-to-plane Gauss-Newton over rigid maps (a small rotation and a shift),
        # which converges along the level sets where point-to-point matching slides
        pairs = [(a, b) for a in range(d) for b in range(a + 1, d)]
        rot = np.zeros((len(pairs), d, d))
        for i, (a, b) in enumerate(pairs):
            rot[i, a, b], rot[i, b, a] = -1.0, 1.0
        for it in range(plane_iters):
            rows, res = [], []
            for c, P in self.final:
                Q = P @ M[:d, :d].T + M[:d, d]
                mu, N = self.planes(c, Q, exact=it >= plane_iters - exact_iters)
                r = np.einsum("nic,ni->nc", N, Q - mu)                      # (n, codim)
                Jw = np.einsum("nic,kij,nj->nck", N, rot, Q)
                Jt = N.transpose(0, 2, 1)
                rows.append(np.concatenate([Jw, Jt], axis=2).reshape(-1, len(pairs) + d))
                res.append(r.reshape(-1))
            J, r = np.concatenate(rows), np.concatenate(res)
            step = np.linalg.lstsq(J, -r, rcond=None)[0]
            U = np.eye(d + 1)
            U[:d, :d] = _cayley(np.einsum("k,kij->ij", step[:len(pairs)], rot))
            U[:d, d] = step[len(pairs):]
            M = U @ M
        return M

    def refine_linear(self, M: np.ndarray, iters: int = 8, exact_iters: int = 2
                      ) -> np.ndarray:
        """Gauss-Newton on the point-to-plane offsets over general affine maps (all d^2
        linear entries and the shift): for maps that are not orthogonal in this frame.
        Planes as in :meth:`refine`."""
        d = M.shape[0] - 1
        M = M.copy()
        for it in range(iters):
            rows, res = [], []
            for c, P in self.final:
                Q = P @ M[:d, :d].T + M[:d, d]
                mu, N = self.planes(c, Q, exact=it >= iters - exact_iters)
                res.append(np.einsum("nic,ni->nc", N, Q - mu).reshape(-1))
                JL = np.einsum("nkc,nl->nckl", N, P).reshape(P.shape[0], N.shape[2], d * d)
                rows.append(np.concatenate([JL, N.transpose(0, 2, 1)], axis=2)
                            .reshape(-1, d * d + d))
            step = _normal_step(np.concatenate(rows), np.concatenate(res))
            M[:d, :d] += step[:d * d].reshape(d, d)
            M[:d, d] += step[d * d:]
        return M


#: A jump by this factor in the sorted scores of the searched maps separates symmetries
#: from near-symmetries.  Lower is not better: 1.25 turned s3 at 410 points per level
#: from "unresolved" into wrong groups (order-7, order-4) on two seeds of three, and
#: resolved so3xso2 at 3000 points per level on one seed of three (measured).
GAP_RATIO = 1.6


def _score_gap(scores: np.ndarray, accept: float, ratio: float | None = None) -> float:
    """The largest accepted score: below the first jump by ``ratio`` in the sorted
    scores (measured from 1, the samples' own offset level), else ``accept``."""
    if scores.size == 0:
        return accept
    ratio = GAP_RATIO if ratio is None else ratio
    v = np.sort(scores)
    prev = max(1.0, float(v[0]))
    for x in v:
        if x >= ratio * prev:
            return prev
        prev = max(prev, float(x))
    return accept


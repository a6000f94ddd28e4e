"""Normals of labelled level sets from a fitted implicit polynomial (few-point route).

The tangent method needs the normal space of each level set at each point.  Local
PCA reads it off the k nearest neighbours, which needs a densely sampled level set:
with 75 points per level in R^4 the neighbours of a point span more of the level
set than its tangent plane, and the count of generators comes out wrong (so(4) read
as 'trivial', so(1,3) as 5, 6 or 12 generators; measured in ``docs/concepts/
realforms.rst``).  A level set of a polynomial is pinned down by far fewer points:
a quadric in R^4 by 14 coefficients.

:class:`LevelFunction` fits, from the points and their labels only, a polynomial p
that is as constant as possible on every labelled cloud (each cloud a level set,
its value unknown), relative to the size of its gradient (Taubin's normalisation):

    minimise  sum_i (p(x_i) - t_{y_i})^2 / sum_i |grad p(x_i)|^2

over the coefficients of p (monomials of degree 1..D) and the levels t.  With t
eliminated (t_k is the mean of p over cloud k) this is a generalised symmetric
eigenproblem; its smallest eigenvalue is the mean squared distance of the points
to the fitted level sets, so the fit is the same whatever the coordinate frame
(polynomials of degree <= D are mapped onto themselves by affine maps) and needs
no level values: the classes of the paper's binned potential are enough.  One
labelled cloud works too (the algebraic surface through it).

The degree is chosen on held-out points (a stratified fifth of each cloud); the
normals' own noise is read off two fits on disjoint halves of the clouds, whose
normals are compared at every point (the same quantity that local PCA's two
half-neighbourhoods give).  The gradients of every near-exact solution are stacked
per point, so that two solutions with parallel gradients (r^2 and r^4 on spheres)
give one normal and two independent ones (a joint level set of two functions)
give a two-dimensional normal space.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from symfast._validation import check_array, check_int, check_seed
from symfast.symmetry._continuous._surrogate import _features, derivative_maps

#: Points per monomial a fit needs on its training part (the least squares of a
#: Taubin fit with fewer points follow the noise of the band).
POINTS_PER_TERM = 2.0


#: A held-out distance this small is an exact fit (rounding only); of the higher degrees
#: only the next is then tried, and kept only where it adds an independent normal (a
#: quartic in R^10 has 1000 monomials, a quadric 65).
EXACT_DISTANCE = 1e-9

#: Among the gradients of exact solutions, a singular value below this fraction of the
#: point's largest is rounding: the cubic fit of su(3)'s joint level sets (R^18) gives
#: 46 exact solutions whose gradients span 10 directions, the tenth at 0.1 of the first
#: and the eleventh at 3e-14.  Approximate fits keep the coarser ``_rank`` default.
EXACT_RANK_REL = 1e-6


def n_terms(d: int, degree: int) -> int:
    """Monomials of degree 1..degree in d variables (no constant)."""
    from math import comb

    return comb(d + degree, degree) - 1


class _Basis:
    """Monomials of degree 1..D and their derivatives, as matrices over the data."""

    def __init__(self, d: int, degree: int) -> None:
        self.d, self.degree = d, degree
        self.top = _features(d, degree, bias=False)
        self.low = _features(d, degree - 1)
        self.D = derivative_maps(self.top, self.low)       # (d, low terms, terms)

    @property
    def size(self) -> int:
        return int(self.top.n_output_features_)

    def values(self, Z: np.ndarray) -> np.ndarray:
        """(n, F) monomials."""
        return self.top.transform(Z)


class _Design:
    """One degree's monomials at every point and the gradient scatter, computed once.

    The gradients are never stored per point: d/dz_j of the monomials is the sparse
    map D_j applied to the monomials of one degree less (L), so the scatter
    sum_n |grad p|^2 = c^T (sum_j D_j^T L^T L D_j) c needs only the small Gram matrix
    of L, and the gradients of given polynomials are L (D_j c).  (Storing them per
    point costs n d F numbers: 10 GB for cubics in R^21 at 30,000 points.)
    """

    def __init__(self, basis: _Basis, Z: np.ndarray) -> None:
        self.basis = basis
        self.Phi = basis.values(Z)                            # (n, F)
        self.L = basis.low.transform(Z)                       # (n, F_low)
        # Every point weighs (1 + |z|^2)^-degree in both scatters: an exact solution
        # stays exact under any weights, and the monomials of a point far out (a
        # heavy-tailed draw, a hyperboloid's arms) no longer swamp the others' by
        # |z|^(2 degree), which cost a hyperboloid in R^8 its exact quadric (held-out
        # distance 0.08 unweighted, against 1e-10).
        self.w = (1.0 + np.einsum("ij,ij->i", Z, Z)) ** (-float(basis.degree))
        self.w /= self.w.mean()
        G = (self.L * self.w[:, None]).T @ self.L / Z.shape[0]
        # the gradient scatter: mean |grad p|^2 over the points is c^T B c
        self.B = sum(Dj.T @ (G @ Dj) for Dj in basis.D)
        self._whitener: np.ndarray | None = None

    def set_pieces(self, clouds: list[np.ndarray], n_val: list[int]) -> None:
        """Split every cloud into four pieces (held-out or training, even or odd position)
        and keep each piece type's monomial Gram matrix and each piece's sums.

        Every fit below (training part, all points, the two halves) is a union of
        piece types, and its within-cloud scatter follows from these without another
        pass over the points (one pass instead of four: 6000 points x 2023 cubic
        monomials is 2.5e10 operations a pass).
        """
        F = self.Phi.shape[1]
        self._gram = np.zeros((4, F, F))
        self._sums = np.zeros((len(clouds), 4, F))
        self._counts = np.zeros((len(clouds), 4))
        for c, (g, v) in enumerate(zip(clouds, n_val)):
            pos = np.arange(g.size)
            # 0 held-out even, 1 held-out odd, 2 training even, 3 training odd
            kinds = 2 * (pos >= v) + (pos % 2)
            for t in range(4):
                rows, wt = self.Phi[g[kinds == t]], self.w[g[kinds == t]]
                self._gram[t] += (rows * wt[:, None]).T @ rows
                self._sums[c, t] = wt @ rows
                self._counts[c, t] = wt.sum()

    def scatter(self, types: tuple[int, ...]) -> np.ndarray:
        """Mean within-cloud scatter of the monomials over the union of piece types."""
        t = list(types)
        A = self._gram[t].sum(axis=0)
        S = self._sums[:, t].sum(axis=1)                  # (clouds, F)
        N = self._counts[:, t].sum(axis=1)
        ok = N > 0
        A = A - (S[ok].T / N[ok]) @ S[ok]
        return A / max(float(N.sum()), 1.0)

    @property
    def whitener(self) -> np.ndarray:
        """B^(-1/2) on the directions where the gradient scatter is well defined.

        A polynomial whose gradient vanishes on all the data (x_d^2 on data in
        x_d = 0) says nothing about normals and would read as an exact fit.
        Computed once per degree (every fit of that degree shares it).
        """
        if self._whitener is None:
            w, V = np.linalg.eigh(self.B)
            ok = w > 1e-10 * w[-1]
            self._whitener = V[:, ok] / np.sqrt(w[ok])
        return self._whitener

    def gradients(self, C: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Gradients of the polynomials with coefficients C (F, s) at the points, (n, s, d)."""
        L = self.L if rows is None else self.L[rows]
        DC = np.einsum("jlf,fs->jls", self.basis.D, C)
        return np.einsum("nl,jls->nsj", L, DC, optimize=True)


#: Piece types (:meth:`_Design.set_pieces`) of each fit: the training part, all points,
#: and the two halves whose normals are compared.
TRAIN, ALL, HALVES = (2, 3), (0, 1, 2, 3), ((0, 2), (1, 3))


def _taubin(design: _Design, types: tuple[int, ...], n_solutions: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """Smallest generalised eigenpairs of (within scatter, gradient scatter).

    Returns eigenvalues (ascending, the mean squared distance of the points to the
    fitted level sets) and coefficient vectors (F, n_solutions), normalised so that
    the mean |grad p|^2 over the points is 1.  ``types`` names the points the fit
    uses (:data:`TRAIN`, :data:`ALL` or one of :data:`HALVES`).
    """
    from scipy.linalg import eigh

    A = design.scatter(types)
    P = design.whitener
    m = min(n_solutions, P.shape[1])
    # the m smallest only (a full eigensolve of 2023 monomials costs 2.6 s)
    lam, U = eigh(P.T @ A @ P, subset_by_index=[0, m - 1])
    return np.clip(lam, 0.0, None), P @ U


def _all_near(design: _Design, types: tuple[int, ...], m: int, tol: float
              ) -> tuple[np.ndarray, np.ndarray]:
    """The smallest generalised eigenpairs, at least ``m`` and then as many as lie within ``tol``.

    An exact fit of one degree more than the lowest exact one has many exact solutions
    (for su(3)'s joint level sets in R^18, x_i times every quadric that is the same on
    all clouds: 46 in all); any m of them span a random part of their gradients, so the
    request grows until a solution above ``tol`` closes the list.
    """
    size = design.whitener.shape[1]
    while True:
        lam, C = _taubin(design, types, m)
        if lam[-1] > tol or m >= size:
            return lam, C
        m = min(4 * m, size)


def _held_out_many(design: _Design, C: np.ndarray, train: list[np.ndarray],
                   val: list[np.ndarray]
                   ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
    """Each solution's held-out figures, for coefficients C (F, s).

    Returns the RMS distance of the held-out points to their cloud's level (the level
    is the mean over the cloud's training part), shape (s,); R^2 of the values against
    the levels, (s,), or None with one cloud; the gradients at the held-out points,
    (n_val, s, d); and the spread of the held-out values about their mean relative to
    the squared gradients, (s,) (rounding only for a solution that is the same on
    every cloud).
    """
    p = design.Phi @ C                                           # (n, s)
    t = np.stack([p[g].mean(axis=0) for g in train])             # (clouds, s)
    res = np.concatenate([p[v] - t[k] for k, v in enumerate(val)])
    J = design.gradients(C, np.concatenate(val))                 # (n_val, s, d)
    grad2 = np.maximum(np.sum(J ** 2, axis=(0, 2)), 1e-300)
    dist = np.sqrt(np.sum(res ** 2, axis=0) / grad2)
    pv = np.concatenate([p[v] for v in val])
    spread = np.maximum(np.sum((pv - pv.mean(axis=0)) ** 2, axis=0), 1e-300)
    r2 = 1.0 - np.sum(res ** 2, axis=0) / spread if len(val) > 1 else None
    return dist, r2, J, spread / grad2


@dataclass
class LevelFunction:
    """An implicit polynomial constant on each labelled cloud, and its normals.

    Parameters
    ----------
    max_degree : int, default=4
        Degrees 1..max_degree are tried (as the points allow:
        ``POINTS_PER_TERM`` training points per monomial).
    holdout : float, default=0.2
        Fraction of each cloud held out to choose the degree.
    degree_tol : float, default=1.5
        The smallest degree whose held-out distance is within this factor of
        the best is kept.
    max_points : int, default=6000
        Points the fit uses at most, drawn from every cloud in proportion to its
        size (a cubic in R^21 has 2023 monomials: 6000 points fit it in seconds,
        where 30,000 take 80 s for the same coefficients).
    seed : int, default=0

    Attributes
    ----------
    degree_ : int
    distance_ : float
        Held-out RMS distance of the points to their fitted level set, in units
        of the cloud's RMS radius (the band's relative thickness for an exact
        fit).
    r2_ : float or None
        Held-out R^2 of the fitted value against the level of each point's
        cloud (None for a single cloud, which has no spread of levels).
    distance_by_degree_ : dict
        Held-out distance for each degree tried.
    rank_by_degree_ : dict
        When the lowest degree that fits is exact and the points allow one degree
        more: the number of independent normals that each of the two degrees'
        held-out-exact solutions give (the higher degree is kept when it gives
        more; empty otherwise).
    next_degree_ : str
        "checked" when that comparison was made; otherwise, for an exact fit, why
        not (the monomial budget ``max_degree`` or the points it needs: an exact
        fit at one degree does not rule out a further normal at the next, so a
        count read from it may be too large); "" for an approximate fit.
    normal_noise_ : float
        RMS sine of the angle between the normal spaces that two fits on
        disjoint halves of the clouds give at every point.
    codim_ : int
        Dimension of the normal space (independent gradients of the near-exact
        solutions; fixed when given to :meth:`fit`).
    """

    max_degree: int = 4
    holdout: float = 0.2
    degree_tol: float = 1.5
    max_points: int = 6000
    seed: int = 0
    degree_: int = field(init=False, default=0)
    distance_: float = field(init=False, default=float("nan"))
    r2_: float | None = field(init=False, default=None)
    distance_by_degree_: dict = field(init=False, default_factory=dict)
    rank_by_degree_: dict = field(init=False, default_factory=dict)
    next_degree_: str = field(init=False, default="")
    normal_noise_: float = field(init=False, default=float("nan"))
    codim_: int = field(init=False, default=1)

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, X: np.ndarray, labels: np.ndarray | None = None, *,
            codim: int | None = None) -> "LevelFunction":
        """Fit the level function of the clouds ``X[labels == c]``.

        Parameters
        ----------
        X : array_like of shape (n, d)
        labels : array_like of shape (n,), optional
            One cloud per label (one level set each); one cloud when None.
            Clouds of fewer than 4 points are left out.
        codim : int, optional
            Dimension of the normal space (m for joint level sets of m
            functions, labelled by joint bin): the degree is then chosen so that
            m independent solutions fit.  When None, the lowest degree with one
            good solution is taken and the dimension is read off the gradients
            of its near-exact solutions (so a joint level set that a lower
            degree cuts out only in part needs ``codim``).

        Raises
        ------
        ValueError
            When no degree can be fitted with the points given.
        """
        Xa = check_array(X, "X", ndim=2, min_rows=2)
        n, d = Xa.shape
        lab = np.zeros(n, dtype=np.int64) if labels is None else np.asarray(labels)
        check_int(self.max_degree, "max_degree", minimum=1, maximum=8)
        rng = np.random.default_rng(check_seed(self.seed))
        self.mean_ = Xa.mean(axis=0)
        # one scalar scale keeps the frame: the fit is rotation-equivariant exactly
        self.scale_ = float(np.sqrt(np.mean(np.sum((Xa - self.mean_) ** 2, axis=1)))) or 1.0
        Z = (Xa - self.mean_) / self.scale_
        clouds = [np.flatnonzero(lab == c) for c in np.unique(lab)]
        clouds = [rng.permutation(g) for g in clouds if g.size >= 4]
        total = sum(g.size for g in clouds)
        cap = check_int(self.max_points, "max_points", minimum=8)
        if total > cap:
            clouds = [g[:max(4, int(cap * g.size / total))] for g in clouds]
            # the design matrices hold the used points only, clouds re-indexed into them
            Z = Z[np.concatenate(clouds)]
            bounds = np.cumsum([0] + [g.size for g in clouds])
            clouds = [np.arange(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
        if not clouds:
            raise ValueError("no cloud has the 4 points a level function needs")
        n_used = sum(g.size for g in clouds)
        val = [g[:max(1, int(round(self.holdout * g.size)))] for g in clouds]
        train = [g[v.size:] for g, v in zip(clouds, val)]
        n_train = sum(g.size for g in train)
        m_fit = 1 if codim is None else check_int(codim, "codim", minimum=1, maximum=d - 1)
        self.distance_by_degree_ = {}
        self.rank_by_degree_ = {}
        fits = {}
        exact_at = None
        for deg in range(1, self.max_degree + 1):
            if n_terms(d, deg) * POINTS_PER_TERM > n_train:
                break
            basis = _Basis(d, deg)
            if basis.size < m_fit:
                continue
            design = _Design(basis, Z)
            design.set_pieces(clouds, [v.size for v in val])
            lam, C = _taubin(design, TRAIN, m_fit)
            dists, r2s, _, _ = _held_out_many(design, C, train, val)
            # with a normal space of m, the m-th best solution must fit too
            dist = float(dists.max())
            fits[deg] = (design, None if r2s is None else float(r2s[0]))
            self.distance_by_degree_[deg] = dist
            if dist <= EXACT_DISTANCE:
                exact_at = deg
                break                   # exact to rounding: no higher degree fits better
        if not fits:
            raise ValueError(f"too few points ({n_used} in clouds of 4 or more) to fit even "
                             f"a linear level function in {d} dimensions")
        best = min(self.distance_by_degree_.values())
        self.degree_ = min(g for g, v in self.distance_by_degree_.items()
                           if v <= self.degree_tol * best + 1e-12)
        design, self.r2_ = fits[self.degree_]
        self.next_degree_ = ""
        if exact_at is not None:
            low_rank, _, low_r2 = self._exact_rank(design, train, val, d)
            if low_r2 is not None:
                # the best-separating exact solution: among several exact ones the first
                # eigenvector is arbitrary, and may be one that is the same on every
                # cloud (x_i times such a quadric is, at the next degree)
                self.r2_ = low_r2
            if codim is None:
                self.next_degree_ = self._next_degree_check(d, exact_at, n_train, len(clouds))
        if self.next_degree_ == "checked":
            # An exact fit at one degree says nothing of the next: su(3)'s joint level
            # sets are cut out by the Gram matrix's quadrics and Re det, a cubic; the
            # quadrics alone read u(3).  One degree more is kept where its exact
            # solutions add an independent normal.
            higher = _Design(_Basis(d, exact_at + 1), Z)
            higher.set_pieces(clouds, [v.size for v in val])
            high_rank, high_dist, _ = self._exact_rank(higher, train, val, d)
            self.rank_by_degree_ = {exact_at: low_rank, exact_at + 1: high_rank}
            if high_rank > low_rank:
                self.degree_ = exact_at + 1
                self.distance_by_degree_[self.degree_] = high_dist
                design = higher
        self.distance_ = float(self.distance_by_degree_[self.degree_])
        exact = self.distance_ <= EXACT_DISTANCE
        # the final fit on every point; near-exact solutions (within a factor 4 of the
        # best) all carry normals
        self.eigenvalues_, C = self._near(design, ALL, max(d, m_fit), m_fit)
        self.basis_, self.coef_ = design.basis, C
        used = np.concatenate(clouds)
        self.codim_ = (int(codim) if codim is not None
                       else self._rank(design.gradients(self.coef_, used),
                                       EXACT_RANK_REL if exact else 0.1))
        # the normals' noise: two fits on disjoint halves, compared at every point
        frames = []
        for half in HALVES:
            # an exact fit's normal space is spanned by all its exact solutions together
            Ch = (self._near(design, half, self.codim_, self.codim_)[1] if exact
                  else _taubin(design, half, self.codim_)[1])
            frames.append(self._frames(design.gradients(Ch)))
        cos = np.linalg.svd(np.einsum("nmj,nkj->nmk", frames[0], frames[1]),
                            compute_uv=False).min(axis=1)
        self.normal_noise_ = float(np.sqrt(np.mean(np.clip(1.0 - cos ** 2, 0.0, 1.0))))
        return self

    def _next_degree_check(self, d: int, degree: int, n_train: int, n_clouds: int) -> str:
        """Can one degree more than the exact one be fitted?  "checked" or why not."""
        if degree + 1 > self.max_degree:
            return (f"not checked: degree {degree + 1} ({n_terms(d, degree + 1)} monomials in "
                    f"{d} dimensions) is above max_degree={self.max_degree}")
        need = n_terms(d, degree + 1) * POINTS_PER_TERM
        if need > n_train:
            per = int(np.ceil(need / (1.0 - self.holdout) / n_clouds))
            return (f"not checked: degree {degree + 1} needs about {per} points per cloud "
                    f"({n_terms(d, degree + 1)} monomials)")
        return "checked"

    @staticmethod
    def _near(design: _Design, types: tuple[int, ...], m: int, m_fit: int
              ) -> tuple[np.ndarray, np.ndarray]:
        """Eigenvalues solved, and coefficients (F, s) of the solutions within a factor 4
        of the m_fit-th best (at least m eigenpairs are solved; more while all of them
        are that near)."""
        lam, C = _taubin(design, types, m)
        tol = 4.0 * lam[m_fit - 1] + 1e-14
        if lam[-1] <= tol:
            lam, C = _all_near(design, types, 4 * m, tol)
        return lam, C[:, lam <= tol]

    def _exact_rank(self, design: _Design, train: list[np.ndarray], val: list[np.ndarray],
                    m: int) -> tuple[int, float, float | None]:
        """Independent normals of the solutions exact on held-out points, the best
        solution's held-out distance, and the largest held-out R^2 of the exact ones
        against their levels (None with one cloud or none exact).

        Candidates are the training fit's solutions with a mean squared distance up to
        1e-12; each is kept when its held-out RMS distance is at most ``EXACT_DISTANCE``
        (a fit of many monomials to few points also has solutions that are exact on
        the training part only).
        """
        lam, C = _all_near(design, TRAIN, m, 1e-12)
        C = C[:, lam <= 1e-12]
        if C.shape[1] == 0:
            return 0, float("inf"), None
        dist, r2s, J, separation = _held_out_many(design, C, train, val)
        keep = dist <= EXACT_DISTANCE
        if not keep.any():
            return 0, float(dist.min()), None
        r2 = None
        if r2s is not None:
            # a solution that is the same on every cloud (Im u = 0 on all of them) has
            # values that differ by rounding only, and a ratio of roundings for its R^2
            r2 = float(np.max(np.where(separation[keep] > 1e-12, r2s[keep], 0.0)))
        return self._rank(J[:, keep], EXACT_RANK_REL), float(dist.min()), r2

    @staticmethod
    def _rank(G: np.ndarray, rel: float = 0.1) -> int:
        """Median number of independent gradients per point (singular values > rel x top)."""
        s = np.linalg.svd(G, compute_uv=False)
        return max(1, int(np.median(np.sum(s > rel * s[:, :1], axis=1))))

    def _frames(self, G: np.ndarray) -> np.ndarray:
        """Orthonormal (n, codim, d) frames: the leading directions of each point's gradients."""
        _, _, Vt = np.linalg.svd(G, full_matrices=False)
        return Vt[:, :self.codim_]

    # -- evaluation ------------------------------------------------------------------------
    def value(self, X: np.ndarray) -> np.ndarray:
        """Values of the near-exact solutions, shape (n, s)."""
        Z = (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_
        return self.basis_.values(Z) @ self.coef_

    def gradient(self, X: np.ndarray) -> np.ndarray:
        """Gradients of the near-exact solutions in the input coordinates, shape (n, s, d)."""
        Z = (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_
        DC = np.einsum("jlf,fs->jls", self.basis_.D, self.coef_)
        out = np.empty((Z.shape[0], self.coef_.shape[1], Z.shape[1]))
        for i in range(0, Z.shape[0], 8192):              # the low monomials in chunks
            L = self.basis_.low.transform(Z[i:i + 8192])
            out[i:i + 8192] = np.einsum("nl,jls->nsj", L, DC, optimize=True)
        return out / self.scale_

    def normals(self, X: np.ndarray) -> np.ndarray:
        """Orthonormal frames of the normal spaces at X, shape (n, codim, d)."""
        return self._frames(self.gradient(X))

    def summary(self) -> dict:
        """The fit's figures, for ``diagnostics``."""
        return {"degree": self.degree_, "held_out_distance": self.distance_,
                "held_out_r2": self.r2_, "normal_noise": self.normal_noise_,
                "codim": self.codim_, "n_exact": int(self.coef_.shape[1]),
                "distance_by_degree": {str(k): float(v)
                                       for k, v in self.distance_by_degree_.items()},
                "rank_by_degree": {str(k): int(v) for k, v in self.rank_by_degree_.items()},
                "next_degree": self.next_degree_}

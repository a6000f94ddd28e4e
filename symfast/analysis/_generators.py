"""Generator discovery: from a point cloud to the Lie algebra of its symmetry.

Two methods, both data-only:

``pairs`` (Krippendorf & Syvaeri's hyperplane-filtered regression)
    Random planes through two points of a cloud; the points near each plane,
    paired when close, give chord velocities v ~ T m that a least-squares fit
    turns into one candidate generator per plane (compiled kernel,
    ``csrc/_generators.pyx``).  An uncentred PCA over all candidates gives the
    generators.  Right when each cloud is a union of whole orbits that a plane
    cuts in orbits (circles and spheres); wrong for level sets that hold a
    continuum of orbits, which a plane cuts in curves that are not orbits.

``tangent``
    A symmetry generator T moves every point along its level set: T x lies in
    the tangent space at x.  The normal space N(x) is estimated by local PCA
    over the k nearest neighbours; each point contributes the linear
    conditions N(x)^T (T x + b) = 0 on the affine field (T, b), whose null
    space (smallest singular vectors of the stacked conditions) is the
    symmetry algebra.  b absorbs an unknown fixed point, so no centring error
    enters; non-compact generators are admitted.  Rows are trimmed robustly
    (the worst 10 % are dropped, three times) because a few points sit where
    local PCA fails (near the origin, across sampling gaps).

Route choice (``method="auto"``)
    Both normal estimates are tried where they can be had: local PCA, and the
    gradients of a polynomial level function fitted to the labelled clouds
    (:class:`symfast.analysis.LevelFunction`), used on dense clouds only when it
    is exact and separates the clouds.  The count whose first rejected residual
    lies furthest above its last accepted one wins; below ``MIN_COUNT_GAP`` the
    result is ``unresolved``.  Local PCA alone is fooled by a heavy-tailed
    density along the level sets and fails in high dimension, where an exact
    level function is not; the level function alone takes a coarser invariant
    (one constant on every cloud) when nothing checks that it separates them.

How many generators (when ``n_generators`` is not forced)
    tangent: the residual of each null vector (RMS over points of the sine of
    the angle between T x + b and the tangent space) is compared with the
    noise of the normals themselves, sigma, estimated from the disagreement of
    normals fitted to two halves of each neighbourhood.  Candidates are the
    vectors with residual below ``tol_ratio * sigma`` (default 0.75); their
    number is cut at the largest jump in residual among them and the first
    rejected one.  None below: zero generators.
    pairs: the count is the position of the largest ratio between consecutive
    explained-variance ratios of the candidate PCA, if that ratio is at least
    ``gap_ratio`` (default 5); and zero when the median relative residual of
    the plane fits exceeds ``max_residual`` (default 0.1), because chords of a
    curve that is not an orbit do not follow any linear field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from symfast._validation import (check_array, check_float, check_int, check_labels,
                                 check_n_threads, check_seed)
from symfast.analysis._algebra import affine_matrices, algebra_similarity, structure_constants
from symfast.analysis._span import affine_span

METHODS = ("auto", "pairs", "tangent")

#: Where the tangent method takes its normals from (``normals_from``): "pca" (local
#: PCA of the neighbours), "surrogate" (the gradient of a polynomial level function
#: fitted to the labelled clouds, :class:`symfast.analysis.LevelFunction`) or "auto".
NORMAL_SOURCES = ("auto", "pca", "surrogate")

#: Points in the median cloud below which "auto" takes the surrogate's normals.  Measured
#: (random orthogonal frames, 3 seeds, 4 levels, 2026-12-04; ``docs/concepts/
#: realforms.rst``): local PCA gives the right count in 3 of 3 seeds for so(3) ..
#: so(6), sl(2,R) and so(1,3) at 400 points per level set, and fails at 200 (so(4):
#: 2 of 3, so(5): 1 of 3, so(6): 2 of 3) and below (so(3) and so(4): 0 of 3 at 100).
LOCAL_PCA_MIN_POINTS = 400
#: Fewer points than this are refused outright (``ValueError``): no route can fit a
#: tangent space, a plane of pairs or a surrogate polynomial from them.
MIN_POINTS = 5

#: The surrogate's normals are used when its held-out RMS distance to the level
#: sets (relative to the cloud's radius) and the disagreement of its normals
#: between two halves of the data (RMS sine) stay below these.  Exact polynomial
#: level sets in a band of half-width 1e-3 give 1e-4 and below; a quartic fitted by
#: a quadric (too few points for degree 4) 0.05 to 0.1.
SURROGATE_MAX_DISTANCE = 0.03
SURROGATE_MAX_NOISE = 0.1


@dataclass
class SymmetryResult:
    """The symmetry algebra found in a point cloud.

    Attributes
    ----------
    generators : ndarray of shape (k, d, d)
        Orthonormal basis (Frobenius) of the discovered algebra, in the input
        coordinates; also available as ``lie_algebra``.
    n_generators : int
    method : str
        "pairs" or "tangent" (what "auto" chose).
    explained_variance_ratio : ndarray
        The whole spectrum of the method.  pairs: explained-variance ratios of
        the candidate PCA, descending (generators are the leading entries).
        tangent: squared residuals of all null-space directions normalised to
        sum 1, ascending (generators are the leading, small entries).
    residuals : ndarray of shape (k,)
        Per generator: the RMS sine of the angle between T x + b and the
        tangent space (tangent) or the median relative residual of the plane
        fits (pairs, the same value for every generator).
    noise_level : float or None
        tangent: the estimated noise of the local normals, sigma.
    translations : ndarray of shape (k, d)
        Translation part of each generator: symmetry j is the affine field
        x -> generators[j] @ x + translations[j]; a pure translation has a zero
        linear part.  For fields about a common fixed point c this is -T c.
    isomorphic : list of str
        Other common names of the algebra (so(1,3) <-> sl(2,C), ...).
    compact_part : str
        Name of a maximal compact subalgebra.
    is_compact : bool
    structure_constants : ndarray of shape (k, k, k)
        [A_a, A_b] = sum_c f_abc A_c for the affine fields A = (T, b).
    closure_error : float
        How far the span is from closing under the bracket.
    algebra : str
        The algebra named by its structure (:func:`describe_algebra`): "so(3)",
        "u(1)+u(1)", "so(3)+u(1)", "so(4)", "sl(2,R)", "so(1,3)", "so(4,C)", "r",
        "so(2)⋉r^2", "trivial", ...
    center : ndarray of shape (d,)
        The fixed point the generators act around (cloud mean for pairs).
    diagnostics : dict
        planes tried / fitted, pairs used, delta, eps, intrinsic dimensions, ...
    reason : str
        Why no generator was found, when none was ("" otherwise).
    frame : ndarray of shape (d, d), optional
        Coordinates in which the algebra is named: the fields are conjugated into
        u = frame @ (x - frame_origin) first (the whitening of the data, from
        :func:`find_generators`).  A name does not depend on the basis, but its
        numerical reading does: in a frame skewed by a condition number of 190 the
        structure constants of so(4) lose their ranks; whitened, they are exact.
    frame_origin : ndarray of shape (d,), optional
    unresolved : bool
        True when the data could not fix the number of generators (too few
        points for local PCA and no polynomial level function that fits them):
        ``algebra`` is then "unresolved", ``generators`` is empty and ``reason``
        says why and how many points per level set would do.
    """

    generators: np.ndarray
    method: str
    explained_variance_ratio: np.ndarray
    residuals: np.ndarray
    center: np.ndarray
    noise_level: float | None = None
    diagnostics: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    translations: np.ndarray | None = None
    frame: np.ndarray | None = field(default=None, repr=False)
    frame_origin: np.ndarray | None = field(default=None, repr=False)
    unresolved: bool = False
    structure_constants: np.ndarray = field(init=False)
    closure_error: float = field(init=False)
    algebra: str = field(init=False)
    isomorphic: list[str] = field(init=False)
    compact_part: str = field(init=False)
    is_compact: bool = field(init=False)
    description: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        from symfast.analysis._realforms import describe_algebra

        k, d = self.generators.shape[0], self.generators.shape[1]
        if self.translations is None:
            self.translations = np.zeros((k, d))
        self.translations = np.asarray(self.translations, dtype=np.float64).reshape(k, d)
        self.structure_constants, self.closure_error = structure_constants(self.affine)
        desc = describe_algebra(*self._framed())
        # too little evidence to fix the count: no name rather than a wrong one
        self.algebra = "unresolved" if self.unresolved else desc.name
        self.isomorphic = desc.isomorphic
        self.compact_part = desc.compact_part
        self.is_compact = desc.is_compact
        self.description = desc

    def _framed(self) -> tuple[np.ndarray, np.ndarray]:
        """The fields in the naming frame u = F (x - o): F T F^-1 and F (T o + b)."""
        if self.frame is None:
            return self.generators, self.translations
        F = np.asarray(self.frame, dtype=np.float64)
        o = (np.zeros(F.shape[0]) if self.frame_origin is None
             else np.asarray(self.frame_origin, dtype=np.float64))
        Fi = np.linalg.inv(F)
        T = np.einsum("ij,kjl,lm->kim", F, self.generators, Fi)
        b = (np.einsum("kij,j->ki", self.generators, o) + self.translations) @ F.T
        return T, b

    @property
    def affine(self) -> np.ndarray:
        """The fields as (d+1) x (d+1) matrices [[T, b], [0, 0]], shape (k, d+1, d+1)."""
        return affine_matrices(self.generators, self.translations)

    @property
    def n_translations(self) -> int:
        """How many generators are pure translations (zero linear part)."""
        if self.n_generators == 0:
            return 0
        lin = np.linalg.norm(self.generators.reshape(self.n_generators, -1), axis=1)
        return int(np.sum(lin == 0.0))

    @property
    def n_generators(self) -> int:
        return int(self.generators.shape[0])

    @property
    def symmetry(self) -> Any:
        """The fields as a :class:`symfast.symmetry.Symmetry` (immutable, serialisable, acts)."""
        from symfast.symmetry._object import Symmetry

        return Symmetry.from_results(self)

    @property
    def lie_algebra(self) -> np.ndarray:
        """Alias of ``generators`` (shape (k, d, d)), as equivariant-network libraries name it."""
        return self.generators

    def similarity(self, reference: np.ndarray,
                   reference_translations: np.ndarray | None = None) -> float:
        """:func:`algebra_similarity` of the fields with ``reference`` (k', d, d).

        The linear parts are compared, unless either side has translations
        (``reference_translations`` of shape (k', d), or translations of this
        result beyond those of fields about a common fixed point); then the
        affine fields are compared as (d+1) x (d+1) matrices about the origin.
        """
        ref = np.asarray(reference, dtype=np.float64)
        if ref.ndim == 2:
            ref = ref[None]
        own_shift = self._has_free_translations()
        if reference_translations is None and not own_shift:
            return algebra_similarity(self.generators, ref)
        rb = (np.zeros((ref.shape[0], ref.shape[1])) if reference_translations is None
              else np.asarray(reference_translations, dtype=np.float64))
        return algebra_similarity(self.affine, affine_matrices(ref, rb))

    def _has_free_translations(self) -> bool:
        """Translations not explained as -T c by the common fixed point ``center``."""
        if self.n_generators == 0:
            return False
        about = -np.einsum("kij,j->ki", self.generators, self.center)
        scale = max(1.0, float(np.linalg.norm(self.center)))
        return bool(np.abs(self.translations - about).max() > 1e-3 * scale)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method, "n_generators": self.n_generators, "algebra": self.algebra,
            "isomorphic": list(self.isomorphic), "compact_part": self.compact_part,
            "is_compact": self.is_compact, "n_translations": self.n_translations,
            "generators": self.generators.tolist(),
            "translations": self.translations.tolist(),
            "explained_variance_ratio": self.explained_variance_ratio.tolist(),
            "residuals": self.residuals.tolist(), "noise_level": self.noise_level,
            "structure_constants": self.structure_constants.tolist(),
            "closure_error": self.closure_error, "center": self.center.tolist(),
            "diagnostics": self.diagnostics, "reason": self.reason,
            "unresolved": self.unresolved,
        }

    def to_json(self, **kwargs: Any) -> str:
        """The result as a JSON string."""
        from symfast._io import json_default

        return json.dumps(self.to_dict(), default=json_default, **kwargs)

    def __repr__(self) -> str:
        extra = f", reason={self.reason!r}" if self.reason else ""
        return (f"SymmetryResult(algebra={self.algebra!r}, n_generators={self.n_generators}, "
                f"method={self.method!r}{extra})")


def lift_result(res: SymmetryResult, span: Any) -> SymmetryResult:
    """A result found on the coordinates of an :class:`~symfast.analysis._span.AffineSpan`,
    as fields of the input columns that act on the span only.

    The naming frame is lifted with it (identity off the span), so the algebra's name
    is read exactly as on the span.
    """
    G, b = span.lift(res.generators, res.translations)
    P, r = span.basis, span.dim
    F = None
    if res.frame is not None:
        F = P @ np.asarray(res.frame) @ P.T + (np.eye(span.ambient) - P @ P.T)
    origin = span.mean + P @ (np.zeros(r) if res.frame_origin is None else res.frame_origin)
    diag = dict(res.diagnostics, span=span.summary())
    return SymmetryResult(G, res.method, res.explained_variance_ratio, res.residuals,
                          span.mean + P @ res.center, noise_level=res.noise_level,
                          diagnostics=diag, reason=res.reason, translations=b, frame=F,
                          frame_origin=origin, unresolved=res.unresolved)


# -- the pair-regression kernel and its defaults ---------------------------------------------
def random_planes(X: np.ndarray, n_planes: int, rng: np.random.Generator) -> np.ndarray:
    """Orthonormal bases (n_planes, 2, d) of planes through two random rows of centred X.

    Pairs of nearly parallel points are redrawn (a few times at most).
    """
    n, d = X.shape
    out = np.empty((n_planes, 2, d))
    filled = 0
    for _ in range(20):
        m = n_planes - filled
        i = rng.integers(0, n, size=2 * m)
        a, b = X[i[:m]], X[i[m:]]
        na = np.linalg.norm(a, axis=1, keepdims=True)
        e1 = a / np.where(na > 0, na, 1.0)
        b = b - np.sum(b * e1, axis=1, keepdims=True) * e1
        nb = np.linalg.norm(b, axis=1, keepdims=True)
        ok = (na[:, 0] > 0) & (nb[:, 0] > 1e-6 * np.maximum(na[:, 0], 1e-300))
        k = int(ok.sum())
        out[filled:filled + k, 0] = e1[ok]
        out[filled:filled + k, 1] = (b / np.where(nb > 0, nb, 1.0))[ok]
        filled += k
        if filled == n_planes:
            return out
    return out[:filled]


def plane_candidates(X: np.ndarray, bases: np.ndarray, delta: float, eps: float, *,
                     max_kept: int = 2000, n_threads: int | None = None
                     ) -> dict[str, np.ndarray]:
    """Run the compiled hyperplane-filtered pair regression on given planes.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Centred cloud.
    bases : ndarray of shape (n_planes, 2, d)
        Orthonormal (e1, e2) of each plane.
    delta, eps : float
        Distance to the plane for a point to be kept; distance for two kept
        points to be paired.
    max_kept : int, default=2000
        Most points kept per plane (the first ones in row order).

    Returns
    -------
    dict with ``T`` (n_planes, d, d) candidates, ``residual`` (n_planes,)
    relative RMS of the fit (-1 where a plane had too few pairs), ``kept`` and
    ``pairs`` (n_planes,) counts.
    """
    from symfast._ext import _generators

    Xc = check_array(X, "X", ndim=2, min_rows=1)
    B = check_array(bases, "bases", ndim=3)
    if B.shape[1:] != (2, Xc.shape[1]):
        raise ValueError(f"bases must have shape (n_planes, 2, {Xc.shape[1]}), got {B.shape}")
    delta = check_float(delta, "delta", positive=True)
    eps = check_float(eps, "eps", positive=True)
    max_kept = check_int(max_kept, "max_kept", minimum=2)
    n_planes, d = B.shape[0], Xc.shape[1]
    T = np.zeros((n_planes, d * d))
    res = np.empty(n_planes)
    kept = np.empty(n_planes, dtype=np.int64)
    pairs = np.empty(n_planes, dtype=np.int64)
    _generators.plane_regression(Xc, B, float(delta), float(eps), int(max_kept), T, res,
                                 kept, pairs, check_n_threads(n_threads))
    if np.any(res < -1.5):
        raise MemoryError("plane_regression could not allocate its per-block buffers")
    return {"T": T.reshape(n_planes, d, d), "residual": res, "kept": kept, "pairs": pairs}


def default_delta_eps(X: np.ndarray, rng: np.random.Generator, target_kept: int,
                      max_kept: int | None = None, n_probe: int = 16) -> tuple[float, float]:
    """Data-derived ``delta`` and ``eps`` for a centred cloud.

    ``delta`` is the distance to a plane within which ``target_kept`` points
    lie on a typical plane (median over ``n_probe`` random planes, each
    through two random points); ``eps`` is 2.5 times the median
    nearest-neighbour distance among those kept points (at most ``max_kept``
    of them, as the kernel keeps), so that a kept point has a few partners
    along its curve.  Costs ``n_probe`` passes over the cloud.
    """
    from scipy.spatial import cKDTree

    n = X.shape[0]
    planes = random_planes(X, n_probe, rng)
    norms2 = np.einsum("ij,ij->i", X, X)
    q = min(1.0, target_kept / n)
    deltas, nn = [], []
    for e in planes:
        a, b = X @ e[0], X @ e[1]
        dist = np.sqrt(np.maximum(norms2 - a * a - b * b, 0.0))
        dl = float(np.quantile(dist, q))
        deltas.append(dl)
        kept = X[dist <= dl]
        if max_kept is not None and kept.shape[0] > max_kept:
            kept = kept[rng.choice(kept.shape[0], max_kept, replace=False)]
        if kept.shape[0] >= 2:
            dd, _ = cKDTree(kept).query(kept, k=2)
            nn.append(float(np.median(dd[:, 1])))
    delta = float(np.median(deltas))
    scale = float(np.median(np.sqrt(norms2)))
    delta = max(delta, 1e-9 * scale)
    eps = 2.5 * float(np.median(nn)) if nn else 0.1 * scale
    return delta, max(eps, 1e-9 * scale)


def _pairs_method(clouds: list[np.ndarray], *, n_planes: int, delta: float | None,
                  eps: float | None, rng: np.random.Generator, threads: int,
                  gap_ratio: float, max_residual: float, forced: int | None) -> dict:
    sizes = np.array([c.shape[0] for c in clouds], dtype=float)
    share = np.maximum(1, np.round(n_planes * sizes / sizes.sum())).astype(int)
    Ts, res, diag = [], [], {"planes": 0, "planes_fitted": 0, "pairs": 0, "delta": [],
                             "eps": []}
    # One centre for all clouds: the group acts about one fixed point, and the mean of
    # all points estimates it far better than the mean of each (small) cloud.
    center = np.concatenate(clouds).mean(axis=0)
    for cloud, n_p in zip(clouds, share):
        Xc = cloud - center
        if np.linalg.norm(Xc, axis=1).max() == 0:
            continue
        Xc = Xc[rng.permutation(Xc.shape[0])]   # the cap on kept points takes a random subset
        target = int(np.clip(Xc.shape[0] // 20, 30, 400))
        if delta is None or eps is None:
            d0, e0 = default_delta_eps(Xc, rng, target, max_kept=4 * target)
        dl = delta if delta is not None else d0
        ep = eps if eps is not None else e0
        bases = random_planes(Xc, int(n_p), rng)
        if bases.shape[0] == 0:
            continue
        out = plane_candidates(Xc, bases, dl, ep, max_kept=4 * target, n_threads=threads)
        ok = out["residual"] >= 0
        Ts.append(out["T"][ok])
        res.append(out["residual"][ok])
        diag["planes"] += int(bases.shape[0])
        diag["planes_fitted"] += int(ok.sum())
        diag["pairs"] += int(out["pairs"].sum())
        diag["delta"].append(dl)
        diag["eps"].append(ep)
    d = clouds[0].shape[1]
    T = np.concatenate(Ts) if Ts else np.zeros((0, d, d))
    r = np.concatenate(res) if res else np.zeros(0)
    if T.shape[0] == 0:
        return {"generators": np.zeros((0, d, d)), "spectrum": np.zeros(0),
                "residuals": np.zeros(0), "center": center, "diag": diag,
                "reason": "no plane had enough close pairs to fit (try a larger eps or delta)"}
    flat = T.reshape(T.shape[0], -1)
    norms = np.linalg.norm(flat, axis=1)
    flat = flat[norms > 0] / norms[norms > 0, None]
    _, s, Vt = np.linalg.svd(flat, full_matrices=False)
    evr = s**2 / np.sum(s**2)
    median_res = float(np.median(r))
    diag["median_plane_residual"] = median_res
    reason = ""
    if forced is not None:
        k = forced
    else:
        k = _largest_gap_count(evr, gap_ratio)
        if k and median_res > max_residual:
            reason = (f"the plane fits leave a median relative residual of {median_res:.3g} "
                      f"(> max_residual={max_residual:g}): the chords follow no linear field")
            k = 0
        elif k == 0:
            reason = (f"no gap of at least gap_ratio={gap_ratio:g} in the candidate spectrum")
    gens = Vt[:k].reshape(k, d, d)
    return {"generators": gens, "spectrum": evr, "residuals": np.full(k, median_res),
            "center": center, "diag": diag, "reason": reason}


def _largest_gap_count(evr: np.ndarray, gap_ratio: float, k_max: int = 64) -> int:
    """Position of the largest ratio between consecutive descending values, if large enough."""
    m = min(k_max, evr.size - 1)
    if m < 1:
        return 1 if evr.size == 1 else 0
    floor = max(float(evr[0]) * 1e-15, 1e-300)
    ratios = evr[:m] / np.maximum(evr[1:m + 1], floor)
    j = int(np.argmax(ratios))
    return j + 1 if ratios[j] >= gap_ratio else 0


# -- the tangent method ----------------------------------------------------------------------
def _local_pca(Y: np.ndarray, k: int, threads: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eigenvalues (n, d) ascending, eigenvectors (n, d, d), neighbour ids (n, k)."""
    from symfast.analysis._neighbors import knn

    _, I = knn(Y, k, n_threads=threads)
    nb = Y[I] - Y[I].mean(axis=1, keepdims=True)
    C = np.einsum("nki,nkj->nij", nb, nb) / k
    w, V = np.linalg.eigh(C)
    return w, V, I


def intrinsic_dimension(Y: np.ndarray, k: int, threads: int | None = None) -> int:
    """Median over points of the local PCA dimension (largest gap in log eigenvalues)."""
    w, _, _ = _local_pca(Y, k, check_n_threads(threads))
    return _dimension_from_eigs(w)


def _dimension_from_eigs(w: np.ndarray) -> int:
    d = w.shape[1]
    lw = np.log(np.maximum(w, 1e-300 + 1e-14 * w[:, -1:]))
    gaps = np.diff(lw, axis=1)
    # dims above the largest gap; a gap below a factor 4 means "fills space" (with k
    # neighbours in d dimensions, sample-covariance eigenvalues of a space-filling cloud
    # differ by less)
    j = np.argmax(gaps, axis=1)
    big = gaps[np.arange(w.shape[0]), j] > np.log(4.0)
    m = np.where(big, d - 1 - j, d)
    return int(np.median(m))


def _constraint_rows(Y: np.ndarray, N: np.ndarray, normalize: bool = True) -> np.ndarray:
    """Rows of N(x)^T (T y + b) = 0 for points Y (n, d) with normal frames N (n, d, m).

    With ``normalize``, each row is divided by |y|, so that a row's residual reads
    as the sine of the angle between the field and the tangent space.
    """
    d = Y.shape[1]
    nn = N.shape[2]
    Nt = N.transpose(0, 2, 1)                                    # (n, nn, d)
    lin = (Nt[:, :, :, None] * Y[:, None, None, :]).reshape(-1, d * d)
    aff = Nt.reshape(-1, d)
    rows = np.concatenate([lin, aff], axis=1)
    if normalize:
        rows /= np.repeat(np.maximum(np.linalg.norm(Y, axis=1), 1e-12), nn)[:, None]
    return rows


def _field_gram(Y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum_x w(x) |T y + b|^2 as a quadratic form on the flattened field (T, b).

    With v_i = sum_j T_ij y_j + b_i, the form is I_d (x) [[C, s], [s^T, W]] in the
    order (T row i, b_i), with C = sum w y y^T, s = sum w y, W = sum w; returned in
    the order (T flattened row-major, b), shape (d^2 + d, d^2 + d).
    """
    d = Y.shape[1]
    C = (Y * w[:, None]).T @ Y
    s = w @ Y
    G = np.zeros((d * d + d, d * d + d))
    for i in range(d):
        t = slice(i * d, (i + 1) * d)
        G[t, t] = C
        G[t, d * d + i] = s
        G[d * d + i, t] = s
        G[d * d + i, d * d + i] = w.sum()
    return G


def _relative_singular(M: np.ndarray, G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ascending sqrt of the generalized eigenvalues of (M^T M, G), unit-norm vectors.

    The value for a field is the RMS of its normal component over the RMS of the
    field itself: a sine of the angle between field and tangent spaces that a small
    field cannot make small.
    """
    from scipy.linalg import eigh

    A = M.T @ M
    ridge = 1e-12 * np.trace(G) / G.shape[0]
    w, V = eigh(A, G + ridge * np.eye(G.shape[0]))
    V = V / np.linalg.norm(V, axis=0, keepdims=True)
    return np.sqrt(np.clip(w, 0.0, None)), V.T


def _tangent_rows(Y: np.ndarray, k: int, threads: int, codim: int | None = None
                  ) -> tuple[np.ndarray | None, int, np.ndarray | None]:
    """Constraint rows of one cloud (already centred and scaled), its dimension, normal noise.

    ``codim`` fixes the dimension of the normal space (m for a joint level set of m
    functions) instead of reading it off the local PCA spectrum.
    """
    n, d = Y.shape
    w, V, I = _local_pca(Y, k, threads)
    m = _dimension_from_eigs(w) if codim is None else d - codim
    if m >= d or m < 1:
        return None, m, None
    nn = d - m
    N = V[:, :, :nn]
    quality = w[:, nn - 1] / np.maximum(w[:, nn], 1e-300)
    r = np.linalg.norm(Y, axis=1)
    keep = (quality < 0.1) & (r > 0.2 * np.median(r))
    # noise of the normals: two halves of each neighbourhood, fitted separately
    halves = []
    for J in (I[:, 0::2], I[:, 1::2]):
        nb = Y[J] - Y[J].mean(axis=1, keepdims=True)
        _, Vh = np.linalg.eigh(np.einsum("nki,nkj->nij", nb, nb))
        halves.append(Vh[:, :, :nn])
    cosines = np.linalg.svd(np.einsum("nij,nik->njk", halves[0], halves[1]),
                            compute_uv=False).min(axis=1)
    sines = np.sqrt(np.clip(1.0 - cosines**2, 0.0, 1.0))[keep]
    Yk, Nk = Y[keep], N[keep]
    if Yk.shape[0] == 0:
        return None, m, None
    return _constraint_rows(Yk, Nk), m, sines


def _tangent_method(clouds: list[np.ndarray], *, k: int | None, rng: np.random.Generator,
                    threads: int, max_points: int, tol_ratio: float,
                    forced: int | None, codim: int | None = None,
                    normals: list[np.ndarray] | None = None,
                    normal_tol: float = 0.05) -> dict:
    d = clouds[0].shape[1]
    allpts = np.concatenate(clouds)
    center0 = allpts.mean(axis=0)
    scale = float(np.median(np.linalg.norm(allpts - center0, axis=1)))
    kk = k if k is not None else max(2 * d, 12)
    rows, sines, dims = [], [], []
    row_points: list[np.ndarray] = []      # given normals: the point of each row, its weight
    row_weights: list[np.ndarray] = []
    for i, cloud in enumerate(clouds):
        Nc = None if normals is None else normals[i]
        if cloud.shape[0] > max_points:
            sel = rng.choice(cloud.shape[0], max_points, replace=False)
            cloud = cloud[sel]
            Nc = None if Nc is None else Nc[sel]
        if Nc is not None:
            # given normals (gradients of a fitted level function): no local PCA
            Yc = (cloud - center0) / scale
            rows.append(_constraint_rows(Yc, Nc, normalize=False))
            row_points.append(np.repeat(Yc, Nc.shape[2], axis=0))
            row_weights.append(np.full(Yc.shape[0] * Nc.shape[2], 1.0 / Nc.shape[2]))
            dims.append(d - Nc.shape[2])
            continue
        if cloud.shape[0] < kk + 2:
            dims.append(None)
            continue
        R, m, s = _tangent_rows((cloud - center0) / scale, kk, threads, codim)
        dims.append(m)
        if R is not None:
            rows.append(R)
            sines.append(s)
    diag = {"intrinsic_dimensions": dims, "k": kk, "rows": 0,
            "normals": "given" if normals is not None else "local PCA"}
    if not rows:
        return {"generators": np.zeros((0, d, d)), "translations": np.zeros((0, d)),
                "spectrum": np.zeros(0), "residuals": np.zeros(0), "center": center0,
                "noise": None, "diag": diag,
                "reason": "no cloud had a usable tangent space (too few points, or the "
                          "points fill the space)"}
    M = np.concatenate(rows)
    diag["rows"] = int(M.shape[0])
    keep = np.ones(M.shape[0], dtype=bool)
    if normals is not None:
        # residuals relative to the field's own size (an almost vanishing field is
        # not almost tangent)
        P, Wr = np.concatenate(row_points), np.concatenate(row_weights)

        def spectrum(sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return _relative_singular(M[sel], _field_gram(P[sel], Wr[sel]))
    else:
        def spectrum(sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return _ascending_singular(M[sel])
    for _ in range(3):
        s, Vt = spectrum(keep)
        j = max(1, int(np.sum(s <= 3.0 * s[0])))
        res = np.linalg.norm(M @ Vt[:j].T, axis=1)
        keep = res <= np.quantile(res, 0.9)
    s, Vt = spectrum(keep)
    diag["rows_kept"] = int(keep.sum())
    diag["singular_values"] = s[:min(s.size, 12)].tolist()
    if normals is not None:
        noise = None
        threshold = normal_tol
    else:
        sig = np.concatenate(sines)
        noise = float(np.sqrt(np.mean(sig**2)) / 2.0) if sig.size else float("nan")
        threshold = tol_ratio * noise
    reason = ""
    diag["threshold"] = float(threshold)
    if forced is not None:
        count = forced
    else:
        J = int(np.sum(s <= threshold))
        if J == 0:
            count = 0
            what = (f"normal_tol={normal_tol:g}" if normals is not None else
                    f"tol_ratio={tol_ratio:g} of the normal noise {noise:.3g}")
            reason = (f"no direction fits the tangent spaces within {what} "
                      f"(best residual {s[0]:.3g})")
        else:
            # residuals are sines of angles: below 1e-9 they are all exact zeros, and
            # jumps among rounding errors must not decide the count
            top = np.maximum(s[:J + 1], 1e-9)
            jumps = top[1:] / top[:-1]
            count = int(np.argmax(jumps)) + 1 if jumps.size else J
    # enough of the spectrum to see the gap after the count
    diag["singular_values"] = s[:min(s.size, max(12, count + 4))].tolist()
    # an orthonormal basis of the span (generalized eigenvectors are not orthogonal)
    null = np.linalg.qr(Vt[:count].T)[0].T if count else Vt[:0]
    gens, trans, center = _affine_basis(null[:, :d * d].reshape(count, d, d), null[:, d * d:],
                                        center0, scale)
    spec = s**2 / np.sum(s**2) if np.sum(s**2) > 0 else s
    return {"generators": gens, "translations": trans, "spectrum": spec,
            "residuals": s[:gens.shape[0]], "center": center, "noise": noise, "diag": diag,
            "reason": reason}


def _ascending_singular(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Singular values of M / sqrt(rows), ascending, with their right singular vectors.

    From the eigen-decomposition of the small Gram matrix M^T M ((d^2 + d) square):
    the rows run to hundreds of thousands, and one pass over them is much cheaper
    than an SVD.  Squaring costs precision only below 1e-8 of the largest value,
    far under the residuals that the count rule separates.
    """
    w, V = np.linalg.eigh(M.T @ M / M.shape[0])
    return np.sqrt(np.clip(w, 0.0, None)), V.T


def _linear_rank(sv: np.ndarray, single_tol: float = 0.05, ceiling: float = 0.5,
                 min_ratio: float = 3.0) -> int:
    """How many of the unit-norm fields keep a linear part: the rest are pure translations.

    ``sv`` are the singular values (descending) of the fields' stacked linear parts.
    A noisy translation keeps a linear part of the order of the noise (0.03 at 1 %
    noise on the gradients), so a fixed threshold either keeps it or eats a genuine
    small one; the split is put at the largest ratio between consecutive values
    among those below ``ceiling`` (a field mostly translation), when that ratio is at
    least ``min_ratio``.  A span of translations alone (all values small, no ratio to
    read) is taken below ``single_tol``.
    """
    count = sv.size
    if count == 0:
        return 0
    v = np.maximum(sv, 1e-12)
    best, best_ratio = count, min_ratio
    for i in range(1, count):
        if v[i] < ceiling and v[i - 1] / v[i] >= best_ratio:
            best, best_ratio = i, v[i - 1] / v[i]
    if best == count and v[0] < single_tol:
        return 0
    return best


def _affine_basis(lin: np.ndarray, b: np.ndarray, center0: np.ndarray, scale: float,
                  translation_tol: float = 0.05
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Canonical basis of a span of affine fields found in scaled coordinates.

    The null vectors (T, b_y) act on y = (x - center0) / scale; in x they read
    x -> T x + (scale b_y - T center0).  Directions whose linear part vanishes
    (:func:`_linear_rank`: split at a gap in the singular values of the stacked T,
    each null vector of unit norm; ``translation_tol`` only when every field is a
    translation) are pure translations and come last, with T = 0 exactly; the others have
    Frobenius-orthonormal linear parts, with their translations made orthogonal to
    the pure ones.  The centre is the least-squares common fixed point.

    Returns
    -------
    generators : (k, d, d), translations : (k, d), center : (d,)
    """
    count, d = lin.shape[0], center0.shape[0]
    if count == 0:
        return np.zeros((0, d, d)), np.zeros((0, d)), center0
    L = lin.reshape(count, d * d)
    U, sv, Vt = np.linalg.svd(L, full_matrices=True)
    sv = np.concatenate([sv, np.zeros(count - sv.size)])
    r = _linear_rank(sv, translation_tol)
    coef = U.T                                        # rows: combinations of null vectors
    T_lin = Vt[:r].reshape(r, d, d)                   # orthonormal linear parts
    b_lin = (coef[:r] @ b) / sv[:r, None]
    b_pure = coef[r:] @ b
    # pure translations: orthonormal directions of their b parts
    if b_pure.shape[0]:
        _, _, Wt = np.linalg.svd(b_pure, full_matrices=False)
        P = Wt[:b_pure.shape[0]]
        b_lin = b_lin - (b_lin @ P.T) @ P
    else:
        P = np.zeros((0, d))
    # back to x: b_x = scale * b_y - T center0 (pure translations keep their direction)
    b_x = scale * b_lin - np.einsum("kij,j->ki", T_lin, center0)
    # sign convention: the largest entry of each linear part is positive
    for i in range(r):
        flat = T_lin[i].ravel()
        if flat[np.argmax(np.abs(flat))] < 0:
            T_lin[i], b_x[i] = -T_lin[i], -b_x[i]
    for i in range(P.shape[0]):
        if P[i][np.argmax(np.abs(P[i]))] < 0:
            P[i] = -P[i]
    gens = np.concatenate([T_lin, np.zeros((P.shape[0], d, d))])
    trans = np.concatenate([b_x, P])
    center = center0
    if r:
        c, *_ = np.linalg.lstsq(T_lin.reshape(r * d, d), -b_x.reshape(-1), rcond=None)
        center = c
    return gens, trans, center


# -- the public entry point ------------------------------------------------------------------
def find_generators(X: np.ndarray, labels: np.ndarray | None = None, *, method: str = "auto",
                    n_components: int | None = None, n_planes: int = 1000,
                    delta: float | None = None, eps: float | None = None,
                    n_generators: int | None = None, k: int | None = None,
                    max_points: int = 20_000, tol_ratio: float = 0.75,
                    gap_ratio: float = 5.0, max_residual: float = 0.1, seed: int = 0,
                    n_threads: int | None = None, codim: int | None = None,
                    normals: np.ndarray | None = None,
                    normal_tol: float = 0.05,
                    normals_from: str = "auto") -> SymmetryResult:
    """Find the generators of the continuous (linear or affine) symmetry of a point cloud.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        Points on orbits of one group (points of one class, or of one orbit
        group from the embedding analysis).
    labels : array_like of shape (n_samples,), optional
        With labels, each label's points form a separate cloud (one level set,
        say) and the evidence of all clouds is pooled: how subgroups with
        several orbit types ("multiple point clouds") are handled, and the
        right way to pass several level sets.
    method : {"auto", "pairs", "tangent"}, default="auto"
        See the module documentation.  "auto" runs the tangent method with every
        normal estimate it can have (local PCA where the clouds show a tangent
        space; a fitted level function where it is exact and separates the
        clouds) and keeps the count with the clearer gap (``diagnostics["route"]``);
        a count with no clear gap is ``unresolved``.  With neither estimate it
        runs "pairs", whose zero is then ``unresolved`` too.  ``codim`` or
        ``normals`` imply "tangent".
    n_components : int, optional
        Reduce the centred data by PCA to this many dimensions first; the
        generators are mapped back to the input coordinates.
    n_planes : int, default=1000
        pairs: random planes, shared among the clouds by size.
    delta, eps : float, optional
        pairs: distance to a plane for a point to be kept and distance for two
        kept points to be paired; derived from the data when None (see
        ``default_delta_eps``).
    n_generators : int, optional
        Force the number of generators instead of choosing it from the spectrum.
    k : int, optional
        tangent: neighbours in local PCA (default max(2 d, 12)).
    max_points : int, default=20000
        tangent: points per cloud used (a random subset of larger clouds).
    tol_ratio, gap_ratio, max_residual : float
        The count rules' thresholds (module documentation).
    seed : int, default=0
    n_threads : int, optional
    codim : int, optional
        tangent: dimension of the normal space of every level set (m for the
        joint level set of m functions); read off the local PCA spectrum when None.
    normals : array_like of shape (n_samples, m, n_features), optional
        tangent: the normal space at each point, given instead of estimated (for
        example the gradients of the m functions whose joint level sets the
        clouds are, or of a fitted surrogate of them).  Rows need not be
        orthonormal; they are orthonormalised per point.  Implies
        ``method="tangent"``.
    normal_tol : float, default=0.05
        With ``normals`` (given or from the surrogate): a generator's residual
        (RMS sine of the angle between T x + b and the tangent space) must lie
        below this.
    normals_from : {"auto", "pca", "surrogate"}, default="auto"
        Where the tangent method's normals come from when ``normals`` is not
        given.  "pca": local PCA of the neighbours.  "surrogate": the gradient
        of a polynomial fitted to be constant on each labelled cloud
        (:class:`symfast.analysis.LevelFunction`; Taubin's fit, degree chosen on
        held-out points); needs only the labels, not the levels' values.
        "auto" (with ``method="auto"``): the surrogate alone when the median
        cloud has fewer than ``LOCAL_PCA_MIN_POINTS`` points, where local PCA is
        measured to fail, and both otherwise (see ``method``).  When the surrogate does not
        fit those few points (held-out distance above
        ``SURROGATE_MAX_DISTANCE``, or normals that two halves of the data
        disagree on by more than ``SURROGATE_MAX_NOISE``), the result is
        ``unresolved``, with the reason and the points per level set that would
        do.  ``diagnostics["surrogate"]`` holds the fit's figures.

    Returns
    -------
    SymmetryResult
        Zero generators with a ``reason`` for degenerate input (identical
        points, too few points, no pairs in any plane); ``unresolved`` when the
        points cannot fix the count (``normals_from``).

    Examples
    --------
    >>> from symfast.potentials import sample_level_sets, PAPER_LEVELS
    >>> from symfast import find_generators
    >>> X, y = sample_level_sets("so3", PAPER_LEVELS, per_class=1000)
    >>> find_generators(X, y).algebra
    'so(3)'
    """
    Xa = check_array(X, "X", ndim=2)
    if Xa.shape[1] < 2:
        raise ValueError(f"X must have at least 2 columns (features), got shape {Xa.shape}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    n, d = Xa.shape
    if n < MIN_POINTS:
        raise ValueError(f"X has {n} points; find_generators needs at least {MIN_POINTS} "
                         f"(a count is only reliable from about {LOCAL_PCA_MIN_POINTS} per "
                         "level set with local PCA, or 75 with the surrogate fit)")
    if labels is None:
        lab = np.zeros(n, dtype=np.int64)
    else:
        lab = check_labels(labels, "labels", n)
    if n_components is not None:
        n_components = check_int(n_components, "n_components", minimum=2, maximum=d)
    n_planes = check_int(n_planes, "n_planes", minimum=1)
    if delta is not None:
        delta = check_float(delta, "delta", positive=True)
    if eps is not None:
        eps = check_float(eps, "eps", positive=True)
    if n_generators is not None:
        n_generators = check_int(n_generators, "n_generators", minimum=0)
    if k is not None:
        k = check_int(k, "k", minimum=3)
    max_points = check_int(max_points, "max_points", minimum=10)
    tol_ratio = check_float(tol_ratio, "tol_ratio", positive=True)
    gap_ratio = check_float(gap_ratio, "gap_ratio", minimum=1.0)
    max_residual = check_float(max_residual, "max_residual", positive=True)
    rng = np.random.default_rng(check_seed(seed))
    threads = check_n_threads(n_threads)
    if codim is not None:
        codim = check_int(codim, "codim", minimum=1, maximum=d - 1)
    normal_tol = check_float(normal_tol, "normal_tol", positive=True)
    if normals_from not in NORMAL_SOURCES:
        raise ValueError(f"normals_from must be one of {', '.join(NORMAL_SOURCES)}, got "
                         f"{normals_from!r}")
    Nrm = None
    if normals is not None:
        Nrm = check_array(normals, "normals", dtype=np.float64)
        if Nrm.ndim == 2:
            Nrm = Nrm[:, None, :]
        if Nrm.ndim != 3 or Nrm.shape[0] != n or Nrm.shape[2] != d:
            raise ValueError(f"normals must have shape ({n}, m, {d}) to match X, got "
                             f"{np.shape(normals)}")
        if n_components is not None:
            raise ValueError("normals cannot be combined with n_components")
        if method == "pairs":
            raise ValueError("normals are used by method='tangent' only, got method='pairs'")
        # an orthonormal frame of each point's normal space
        Q, Rr = np.linalg.qr(Nrm.transpose(0, 2, 1))          # (n, d, m)
        bad = np.abs(np.diagonal(Rr, axis1=1, axis2=2)).min(axis=1) <= 1e-12 * max(
            float(np.abs(Nrm).max()), 1e-300)
        if bad.all():
            raise ValueError("normals are zero or degenerate at every point")
        Nrm = Q
        keep_pts = ~bad
        Xa, lab, Nrm = Xa[keep_pts], lab[keep_pts], Nrm[keep_pts]
        n = Xa.shape[0]
        method = "tangent"

    def empty(reason: str, used: str) -> SymmetryResult:
        return SymmetryResult(np.zeros((0, d, d)), used, np.zeros(0), np.zeros(0),
                              Xa.mean(axis=0) if n else np.zeros(d), reason=reason,
                              diagnostics={"n_points": n})

    if n < 5:
        return empty(f"too few points ({n}) to find a symmetry", method)
    if np.ptp(Xa, axis=0).max() == 0:
        return empty("all points are identical", method)

    # optional PCA reduction, shared by all clouds
    P, mean = None, None
    Z = Xa
    span = None
    if n_components is not None and n_components < d:
        mean = Xa.mean(axis=0)
        _, _, Vt = np.linalg.svd(Xa - mean, full_matrices=False)
        P = Vt[:n_components].T                       # (d, n_components)
        Z = (Xa - mean) @ P
    elif n_components is None and Nrm is None:
        # exact linear relations between columns: solve on the data's span, where the
        # data say something; fields acting off it are unconstrained, not symmetries
        span = affine_span(Xa)
        if span.degenerate and span.dim >= 2:
            P, mean = span.basis, span.mean
            Z = span.reduce(Xa)
    ids = [c for c in np.unique(lab) if np.count_nonzero(lab == c) >= 2]
    clouds = [Z[lab == c] for c in ids]
    cloud_normals = None if Nrm is None else [Nrm[lab == c] for c in ids]
    dz = Z.shape[1]
    if n_generators is not None and n_generators > dz * dz:
        raise ValueError(f"n_generators={n_generators} exceeds the {dz * dz} entries of a "
                         f"{dz}x{dz} generator")

    surrogate = None
    sparse = bool(clouds) and np.median([c.shape[0] for c in clouds]) < LOCAL_PCA_MIN_POINTS
    if Nrm is None and method != "pairs" and clouds and (
            normals_from == "surrogate" or (normals_from == "auto" and method == "auto"
                                            and sparse)):
        cloud_normals, surrogate, why = _surrogate_normals(clouds, codim, seed,
                                                           normals_from == "surrogate")
        if cloud_normals is None:
            diag = {"n_points": n, "n_clouds": len(clouds), "normals": "surrogate",
                    "surrogate": surrogate}
            return SymmetryResult(np.zeros((0, d, d)), "tangent", np.zeros(0), np.zeros(0),
                                  Xa.mean(axis=0), reason=why, diagnostics=diag,
                                  unresolved=True)
        method = "tangent"
    if codim is not None and method == "auto":
        method = "tangent"                     # a normal space's dimension: level sets

    used = method
    tangent_ok = True
    if method == "auto":
        kk = k if k is not None else max(2 * dz, 12)
        usable = all(c.shape[0] >= 3 * kk for c in clouds)
        if usable:
            # most of the (up to five) largest clouds must show a tangent space; one
            # degenerate level (a window around a critical value) does not decide
            votes = []
            for i in np.argsort([-c.shape[0] for c in clouds])[:5]:
                probe = clouds[int(i)]
                if probe.shape[0] > 5000:
                    probe = probe[rng.choice(probe.shape[0], 5000, replace=False)]
                votes.append(intrinsic_dimension(probe - probe.mean(0), kk, threads) < dz)
            usable = 2 * sum(votes) > len(votes)
        tangent_ok = usable
        used = "tangent"
    tangent_kw = dict(k=k, rng=rng, threads=threads, max_points=max_points,
                      tol_ratio=tol_ratio, forced=n_generators, codim=codim,
                      normal_tol=normal_tol)
    route = None
    if method == "auto" and normals_from == "auto" and Nrm is None:
        # both normal sources where they can be had; the clearer count wins
        out, route = _choose_route(clouds, tangent_ok, codim, seed, tangent_kw)
        if out is None:
            used = "pairs"
        elif route["chosen"] == "surrogate":
            surrogate = route["surrogate"]
    elif used == "tangent" and tangent_ok:
        out = _tangent_method(clouds, normals=cloud_normals, **tangent_kw)
    else:
        used = "pairs"
    if used == "pairs":
        out = _pairs_method(clouds, n_planes=n_planes, delta=delta, eps=eps, rng=rng,
                            threads=threads, gap_ratio=gap_ratio, max_residual=max_residual,
                            forced=n_generators)
        if route is not None:
            out["diag"]["route"] = route
            route["chosen"] = "pairs"
    gens, center = out["generators"], out["center"]
    trans = out.get("translations")
    if trans is None:                         # fields about the common centre
        trans = -np.einsum("kij,j->ki", gens, center)
    if P is not None:
        # z = P^T (x - mean):  x -> P T P^T x + P b - P T P^T mean
        gens = np.einsum("ia,kab,jb->kij", P, gens, P)
        trans = trans @ P.T - np.einsum("kij,j->ki", gens, mean)
        center = mean + P @ center
    diag = dict(out["diag"], n_points=n, n_clouds=len(clouds))
    if route is not None:
        diag["route"] = {key: v for key, v in route.items() if key != "surrogate"}
    if span is not None and span.degenerate:
        diag["span"] = span.summary()
    reason, unresolved = out["reason"], False
    if surrogate is not None:
        diag["normals"] = "surrogate"
        diag["surrogate"] = surrogate
        if normals_from == "auto" and n_generators is None:
            reason, unresolved = _surrogate_count_check(out, surrogate)
            reason = reason or out["reason"]
    if route is not None and route.get("unresolved") and n_generators is None:
        reason, unresolved = route["reason"], True
    elif (route is not None and route.get("chosen") == "pairs" and n_generators is None
          and out["generators"].shape[0] == 0):
        # a zero from the fallback is no evidence of no symmetry: the level sets had no
        # usable normals at all (too high a dimension for local PCA, no exact level
        # function within SURROGATE_MAX_TERMS monomials)
        unresolved = True
        fit = route.get("surrogate_refused", "no level function was tried")
        reason = (f"no usable normals: local PCA sees no tangent space in {dz} dimensions "
                  f"and {fit}; the pair regression's zero ({out['reason']}) is no evidence. "
                  f"Give the level sets' normals (normals=) or their codimension (codim=), "
                  f"or denser clouds")
    if unresolved:
        gens, trans = np.zeros((0, d, d)), np.zeros((0, d))
    frame, origin = _whitening_frame(Xa)
    return SymmetryResult(gens, used, out["spectrum"], out["residuals"], center,
                          noise_level=out.get("noise"), diagnostics=diag, reason=reason,
                          translations=trans, frame=frame, frame_origin=origin,
                          unresolved=unresolved)


#: Above this many monomials the level function is not tried on dense clouds (its
#: design matrices would hold 6000 x this many numbers and their Gram matrices).
SURROGATE_MAX_TERMS = 2500

#: On clouds dense enough for local PCA the level function competes only when it is
#: near-exact: bands of half-width 1e-3 about exact polynomial level sets give held-out
#: distances of 1e-4 and below, exact level sets 1e-9 and below.
DENSE_SURROGATE_MAX_DISTANCE = 1e-3

#: A count whose first rejected residual lies less than this many times above the last
#: accepted one is no count: with the local PCA normals of a heavy-tailed cloud the
#: residuals rise smoothly (measured 1.3 on the superpotential drawn with Gaussian x),
#: where a right count jumps by 10 or more.
MIN_COUNT_GAP = 2.0


def count_gap(out: dict) -> float:
    """How clearly the tangent method's count stands out: first rejected over last accepted.

    With no field accepted, the best residual over the acceptance threshold.
    """
    s = np.asarray(out["diag"].get("singular_values", []), dtype=float)
    k = int(out["generators"].shape[0])
    if s.size == 0 or k >= s.size:
        return 1e12 if k else 0.0          # nothing rejected: as clear as it gets (finite for JSON)
    if k == 0:
        thr = out["diag"].get("threshold")
        return float(s[0] / thr) if thr else 0.0
    return float(s[k] / max(s[k - 1], 1e-9))


def _choose_route(clouds: list[np.ndarray], pca_ok: bool, codim: int | None, seed: int,
                  kw: dict) -> tuple[dict | None, dict]:
    """Run the tangent method with local PCA normals and with a level function's, keep
    the clearer count.

    Local PCA is tried when the clouds show a tangent space; the level function when its
    monomials stay under ``SURROGATE_MAX_TERMS`` and its fit passes the gates of the
    few-point route and separates the clouds (held-out R^2 >= 0.9 with several clouds:
    a polynomial constant on all of them, such as Im u = 0 when every level of W is
    real, gives only part of the normal space).  Returns the kept output (None when
    neither route could run: the caller falls back to pairs) and the route record for
    ``diagnostics["route"]``.
    """
    from symfast.analysis._levelfit import n_terms

    d = clouds[0].shape[1]
    route: dict[str, Any] = {"local_pca": None, "surrogate_fit": None}
    outs: dict[str, dict] = {}
    if pca_ok:
        outs["local_pca"] = _tangent_method(clouds, normals=None, **kw)
        route["local_pca"] = {"count": int(outs["local_pca"]["generators"].shape[0]),
                              "gap": count_gap(outs["local_pca"])}
    if n_terms(d, 2) <= SURROGATE_MAX_TERMS:
        normals, info, why = _surrogate_normals(clouds, codim, seed, False,
                                                max_terms=SURROGATE_MAX_TERMS)
        r2 = info.get("held_out_r2")
        dist = info.get("held_out_distance", np.inf)
        if normals is not None and len(clouds) > 1 and (r2 is None or r2 < 0.9):
            normals, why = None, (f"the level function does not separate the clouds "
                                  f"(held-out R^2 {r2 if r2 is None else round(r2, 3)})")
        elif normals is not None and dist > DENSE_SURROGATE_MAX_DISTANCE:
            # an approximate level function has normals that many fields fit within
            # normal_tol: a quadric fitted to a quartic's level sets in R^16 took so(16)
            # for sp(2)
            normals, why = None, (f"the level function is only approximate (held-out "
                                  f"distance {dist:.2g} > {DENSE_SURROGATE_MAX_DISTANCE:g})")
        route["surrogate_fit"] = {k_: v for k_, v in info.items()
                                  if k_ in ("degree", "held_out_distance", "held_out_r2",
                                            "normal_noise", "codim")}
        if normals is not None:
            outs["surrogate"] = _tangent_method(clouds, normals=normals, **kw)
            route["surrogate"] = info
            route["surrogate_count"] = {"count": int(outs["surrogate"]["generators"].shape[0]),
                                        "gap": count_gap(outs["surrogate"])}
        else:
            route["surrogate_refused"] = why
    if not outs:
        route["chosen"] = None
        return None, route
    gaps = {name: count_gap(o) for name, o in outs.items()}
    chosen = max(gaps, key=lambda name: (gaps[name], name == "surrogate"))
    route["chosen"] = chosen
    if len(outs) == 2:
        counts = {name: int(o["generators"].shape[0]) for name, o in outs.items()}
        route["agree"] = counts["local_pca"] == counts["surrogate"]
    if kw.get("forced") is None and gaps[chosen] < MIN_COUNT_GAP and \
            outs[chosen]["generators"].shape[0] > 0:
        route["unresolved"] = True
        route["reason"] = (f"no normal estimate gives a clear count: the best route "
                           f"({chosen.replace('_', ' ')}) puts its first rejected field only "
                           f"{gaps[chosen]:.2g} times above its last accepted one (at least "
                           f"{MIN_COUNT_GAP:g} needed); denser, less skewed clouds, or "
                           f"the level sets' normals (normals=) would resolve it")
    return outs[chosen], route


def _surrogate_normals(clouds: list[np.ndarray], codim: int | None, seed: int,
                       forced: bool, max_terms: int | None = None
                       ) -> tuple[list[np.ndarray] | None, dict, str]:
    """Normals of each cloud from a :class:`LevelFunction` fitted to all of them.

    Returns the per-cloud normal frames (None when the fit is refused), the fit's
    figures for ``diagnostics`` and, when refused, the reason.  ``forced`` (the
    caller asked for the surrogate) takes any fit that can be made.
    """
    from symfast.analysis._levelfit import POINTS_PER_TERM, LevelFunction, n_terms

    d = clouds[0].shape[1]
    Z = np.concatenate(clouds)
    lab = np.repeat(np.arange(len(clouds)), [c.shape[0] for c in clouds])
    median = int(np.median([c.shape[0] for c in clouds]))
    lf = LevelFunction(seed=seed)
    if max_terms is not None:
        # the highest degree whose monomials stay affordable
        lf.max_degree = max(1, max(g for g in range(1, lf.max_degree + 1)
                                   if g == 1 or n_terms(d, g) <= max_terms))
    try:
        lf.fit(Z, lab, codim=codim)
    except ValueError as exc:
        if forced:
            raise ValueError(f"normals_from='surrogate': {exc}") from None
        info: dict[str, Any] = {"error": str(exc)}
        lf = None
    else:
        info = lf.summary()
    if lf is not None and (forced or (lf.distance_ <= SURROGATE_MAX_DISTANCE and
                                      lf.normal_noise_ <= SURROGATE_MAX_NOISE)):
        bounds = np.cumsum([0] + [c.shape[0] for c in clouds])
        N = lf.normals(Z).transpose(0, 2, 1)         # (n, d, codim), as QR gives them
        info["used"] = True
        return [N[a:b] for a, b in zip(bounds[:-1], bounds[1:])], info, ""
    info["used"] = False
    # what would resolve it: local PCA's measured density, or the points a polynomial
    # of one degree more needs (on its training part, spread over the clouds)
    deg = max(lf.distance_by_degree_) if lf is not None else 0     # the highest degree tried
    need = LOCAL_PCA_MIN_POINTS
    if deg < LevelFunction().max_degree:
        per = int(np.ceil(n_terms(d, deg + 1) * POINTS_PER_TERM / 0.8 / len(clouds)))
        need = min(need, max(per, median + 1))
    info["points_needed_per_cloud"] = need
    if lf is None:
        fit = f"no polynomial level function could be fitted ({info['error']})"
    else:
        fit = (f"a polynomial level function of degree {lf.degree_} fits them to a held-out "
               f"distance of {lf.distance_:.2g} (at most {SURROGATE_MAX_DISTANCE:g}) with "
               f"normal noise {lf.normal_noise_:.2g} (at most {SURROGATE_MAX_NOISE:g})")
    why = (f"too few points to fix the count: the median of {len(clouds)} clouds has "
           f"{median} points, local PCA needs about {LOCAL_PCA_MIN_POINTS} per level set, "
           f"and {fit}; about {need} points per cloud would resolve it")
    return None, info, why


#: With surrogate normals, the first rejected field must lie this many times above
#: the last accepted one (or above the normals' noise, when none is accepted).
SURROGATE_MIN_GAP = 4.0


def _surrogate_count_check(out: dict, info: dict) -> tuple[str, bool]:
    """Is the count read from surrogate normals clear?  (reason, unresolved)."""
    s = np.asarray(out["diag"].get("singular_values", []), dtype=float)
    k = int(out["generators"].shape[0])
    if s.size == 0 or k >= s.size:
        return "", False
    # the last accepted field's residual; with none accepted, the normals' own noise
    # (two fits on halves of the data disagree by it): a field that no more than
    # that sets apart from the tangent spaces is not shown to be no symmetry
    below = float(s[k - 1]) if k else float(info.get("normal_noise", 0.0))
    gap = float(s[k]) / max(below, 1e-9)
    info["gap"] = gap
    if gap >= SURROGATE_MIN_GAP:
        return "", False
    return (f"no clear gap in the residuals with the surrogate's normals: the first "
            f"rejected field ({s[k]:.3g}) lies only {gap:.2g} times above "
            f"{'the last accepted one' if k else 'the normals noise'} (at least "
            f"{SURROGATE_MIN_GAP:g} needed)"), True


def _whitening_frame(X: np.ndarray, max_cond: float = 1e4
                     ) -> tuple[np.ndarray | None, np.ndarray]:
    """The map F = C^(-1/2) (C the covariance of X) and the mean, to name the algebra in.

    None when the data are already nearly isotropic (nothing to gain) or degenerate
    (a covariance with condition number above max_cond^2: whitening would blow up
    directions the data do not explore).
    """
    mean = X.mean(axis=0)
    w, V = np.linalg.eigh(np.cov(X, rowvar=False).reshape(X.shape[1], X.shape[1]))
    if w[0] <= 0 or w[-1] / w[0] > max_cond ** 2 or w[-1] / w[0] < 4.0:
        return None, mean
    return (V / np.sqrt(w)) @ V.T, mean

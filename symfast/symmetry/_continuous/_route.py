"""The public entry point :func:`find_generators` and its route choice (``method="auto"``):
local-PCA normals, a fitted level function's normals, or ``unresolved``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symfast._validation import (check_array, check_float, check_int, check_labels,
                                 check_n_threads, check_seed)
from symfast.symmetry._span import affine_span
from symfast.symmetry._continuous._pairs import _pairs_method
from symfast.symmetry._continuous._result import SymmetryResult
from symfast.symmetry._continuous._tangent import (_tangent_method, local_dimensions,
                                                   probe_queries, probe_sizes)


METHODS = ("auto", "pairs", "tangent")

#: Where the tangent method takes its normals from (``normals_from``): "pca" (local
#: PCA of the neighbours), "surrogate" (the gradient of a polynomial level function
#: fitted to the labelled clouds, :class:`symfast.symmetry.LevelFunction`) or "auto".
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
        (:class:`symfast.symmetry.LevelFunction`; Taubin's fit, degree chosen on
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
    probe_record = None
    if method == "auto":
        kk = k if k is not None else max(2 * dz, 12)
        usable = all(c.shape[0] >= 3 * kk for c in clouds)
        if usable:
            # most of the (up to five) largest clouds must show a tangent space at some
            # neighbourhood size; one degenerate level (a window around a critical
            # value) does not decide
            top = [clouds[int(i)] for i in np.argsort([-c.shape[0] for c in clouds])[:5]]
            queries = [probe_queries(c, rng) for c in top]
            probes = [local_dimensions(c, Q, [kk], threads) for c, Q in zip(top, queries)]
            usable = 2 * sum(p[kk] < dz for p in probes) > len(probes)
            coarser = None
            if not usable:
                # Larger neighbourhoods, looked at only now: they do not decide the route.
                # A band thicker than k neighbours shows its tangent to them (a ring 1 %
                # thick: 48 of 3000), but so does structure finer than the sampling
                # resolves (D48's level sets at 400 points each look like a band round a
                # circle to 48 neighbours, and local PCA there reads u(1)).  The two look
                # alike, so the size is reported, not used.
                for p, c, Q in zip(probes, top, queries):
                    p.update(local_dimensions(c, Q, probe_sizes(c.shape[0], kk)[1:], threads))
                coarser = next((size for size in sorted(probes[0]) if 2 * sum(
                    p.get(size, dz) < dz for p in probes) > len(probes)), None)
            probe_record = {"dimensions": [{str(a): b for a, b in p.items()} for p in probes],
                            "tangent_space_seen": usable}
            if coarser is not None:
                probe_record["coarser_k"] = coarser
        tangent_ok = usable
        used = "tangent"
    tangent_kw = dict(k=k, rng=rng, threads=threads, max_points=max_points,
                      tol_ratio=tol_ratio, forced=n_generators, codim=codim,
                      normal_tol=normal_tol)
    route = None
    if method == "auto" and normals_from == "auto" and Nrm is None:
        # both normal sources where they can be had; the clearer count wins
        out, route = _choose_route(clouds, tangent_ok, codim, seed, tangent_kw)
        route["probe"] = probe_record
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
        coarser = (route.get("probe") or {}).get("coarser_k")
        seen_at = (f" at {kk} neighbours (it does at {coarser}: a thick band, or structure "
                   f"finer than the sampling; k={coarser} reads the count there)"
                   if coarser else "")
        reason = (f"no usable normals: local PCA sees no tangent space in {dz} dimensions"
                  f"{seen_at} and {fit}; the pair regression's zero ({out['reason']}) is no "
                  f"evidence. Give the level sets' normals (normals=) or their codimension "
                  f"(codim=), or denser clouds")
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
    from symfast.symmetry._continuous._levelfit import n_terms

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
                                            "normal_noise", "codim", "next_degree")}
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
    if kw.get("forced") is None and gaps[chosen] < MIN_COUNT_GAP:
        # a zero is no clearer than any other count: no usable tangent space at all, or
        # a best field just above the threshold, is no evidence of no symmetry
        route["unresolved"] = True
        name = chosen.replace('_', ' ')
        if outs[chosen]["generators"].shape[0] > 0:
            what = (f"puts its first rejected field only {gaps[chosen]:.2g} times above its "
                    f"last accepted one")
        elif outs[chosen]["diag"].get("rows", 1) == 0:
            what = "had no usable tangent space in any cloud"
        else:
            what = (f"accepts no field, but its best lies only {gaps[chosen]:.2g} times "
                    f"above the acceptance threshold")
        route["reason"] = (f"no normal estimate gives a clear count: the best route ({name}) "
                           f"{what} (at least {MIN_COUNT_GAP:g} needed); denser, less skewed "
                           f"clouds, or the level sets' normals (normals=) would resolve it")
    return outs[chosen], route


def _surrogate_normals(clouds: list[np.ndarray], codim: int | None, seed: int,
                       forced: bool, max_terms: int | None = None
                       ) -> tuple[list[np.ndarray] | None, dict, str]:
    """Normals of each cloud from a :class:`LevelFunction` fitted to all of them.

    Returns the per-cloud normal frames (None when the fit is refused), the fit's
    figures for ``diagnostics`` and, when refused, the reason.  ``forced`` (the
    caller asked for the surrogate) takes any fit that can be made.
    """
    from symfast.symmetry._continuous._levelfit import POINTS_PER_TERM, LevelFunction, n_terms

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


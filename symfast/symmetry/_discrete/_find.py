"""The public entry point :func:`find_discrete_symmetries`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from symfast._validation import (check_array, check_float, check_int, check_labels,
                                 check_n_threads, check_seed)
from symfast.symmetry._discrete._finite_groups import minimal_generators, name_group
from symfast.symmetry._discrete._candidates import (_block_reflections, _candidates,
                                                    _compact_generators, _verified_flows)
from symfast.symmetry._discrete._closure import (NORMALISER_TOL, _Budget, _affine, _close,
                                                 _common_center, _fixed_point, _index,
                                                 _index_many,
                                                 _normaliser_gap, _refine_center,
                                                 _refined_product, _root_test, _symmetrise,
                                                 _table, is_latin_square)
from symfast.symmetry._discrete._frame import _in_invariant_frame
from symfast.symmetry._discrete._result import DiscreteSymmetryResult
from symfast.symmetry._discrete._stability import redraw_stability
from symfast.symmetry._discrete._scoring import GAP_RATIO, METRICS, _Scorer, _score_gap


def find_discrete_symmetries(X: np.ndarray, labels: np.ndarray | None = None, *,
                             seed: int = 0, n_threads: int | None = None,
                             continuous: Any = None, accept: float = 3.0,
                             max_order: int = 120, max_tuples: int = 400,
                             n_anchor_sets: int = 3, patience: int = 60,
                             metric: str = "euclidean", stability: int = 0
                             ) -> DiscreteSymmetryResult:
    """The finite group of affine maps that send the sampled level sets onto themselves.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        Points on level sets.
    labels : array_like of shape (n_samples,), optional
        The level set of each point: a map must send each labelled set onto
        itself.  One set when omitted.
    seed : int, default=0
    n_threads : int, optional
        Threads for the continuous-symmetry search (when ``continuous`` is None).
    continuous : SymmetryResult or array_like of shape (k, d, d), optional
        The continuous symmetry, if known; found with
        :func:`symfast.symmetry.find_generators` when None.  Its compact part is
        quotiented out, so the result is the component group.  Pass an empty
        array of shape (0, d, d) to skip the search.
    accept : float, default=3.0
        A map is a symmetry when the median offset of the mapped samples from
        their level set is at most ``accept`` times the samples' own.
    max_order : int, default=120
        Closure stops here (a finite cloud cannot tell a large cyclic group
        from a continuous one: see the module documentation).  120 is the order of
        I_h, the largest finite subgroup of O(3) outside the cyclic and dihedral
        families.
    max_tuples : int, default=400
        Matched point tuples tried per anchor set.
    n_anchor_sets : int, default=3
    patience : int, default=60
        Candidate search stops once this many candidates since the last new element
        include ``MIN_REPEATS`` (8) that land on known elements (failed candidates are
        no evidence that the group is complete), and in any case after 4 x
        ``patience`` (closure then completes the group).
    metric : {"euclidean", "invariant"}, default="euclidean"
        "euclidean": the maps sought are orthogonal in the input's coordinates
        (rotations, reflections, permutations in any orthonormal frame).
        "invariant": first learn a frame in which they are, so that a finite group
        seen in a skewed linear frame (features in different units, a sheared
        embedding) is found too.  Every finite group of linear maps preserves a
        positive-definite quadratic form; it is estimated as the mean of L^T L over
        maps fitted as general linear ones in the whitened frame (refitted on more
        samples twice), the search runs in its square-root frame, and once the group
        is found its own elements give the form again for a last search; a continuous
        symmetry's generators correct the frame first (the nearest form they preserve).
        About 2-8x the time.  The elements are returned in the input's coordinates,
        where they are then not orthogonal.  A group whose elements score unevenly (a
        rescaling can make a larger group nearly exact in the learned frame) keeps the
        subgroup whose elements refit alike as general linear maps, or is
        ``unresolved``.  Measured in random frames of condition up to 100
        (docs/performance.rst): 30 of 30 for every built-in up to so3xso2 in 5
        dimensions but z3 (29, one ``unresolved``), for so6 in 6, and for D6, Z6, Z12,
        Z2^3, S4, B3 and O.
        Beyond 5 dimensions it warns.
    stability : int, default=0
        Re-draws to run: each keeps a random half of every level set and searches again
        with its own seed (``symfast.symmetry._discrete._stability``).  The result's
        ``stability`` is the fraction that name the same group (``None`` when 0, and when
        the search is ``unresolved``: there is no group to compare, and no re-draw is
        run).  Each re-draw costs about half a search.

    Returns
    -------
    DiscreteSymmetryResult

    Examples
    --------
    >>> from symfast.potentials import sample_level_sets
    >>> from symfast import find_discrete_symmetries
    >>> X, y = sample_level_sets("z4", [-1.0, 0.0, 0.6], per_class=1500)
    >>> find_discrete_symmetries(X, y).name
    'D4'
    """
    n_draws = check_int(stability, "stability", minimum=0)
    kwargs = dict(n_threads=n_threads, continuous=continuous, accept=accept,
                  max_order=max_order, max_tuples=max_tuples, n_anchor_sets=n_anchor_sets,
                  patience=patience, metric=metric)
    if n_draws:
        Xa = check_array(X, "X", ndim=2)
        if Xa.shape[0] < 20:
            raise ValueError(f"stability={n_draws} searches half of the points again, and a "
                             f"search needs 10: X has {Xa.shape[0]} rows (give at least 20, "
                             "or stability=0)")
        lab = (np.zeros(Xa.shape[0], dtype=np.int64) if labels is None
               else check_labels(labels, "labels", Xa.shape[0]))
    res = _search(X, labels, seed=seed, **kwargs)
    if n_draws and res.name == "unresolved":
        # no group to compare the re-draws with: the fraction of halves that are also
        # unresolved read as a confidence of 1.00 (Z2^3 in skewed frames), so none is
        # given, and the re-draws are not run
        res.diagnostics["stability"] = {"fraction": None, "draws": 0, "names": [],
                                        "counts": {}, "skipped": "the search is unresolved"}
    elif n_draws:
        stab = redraw_stability(_search, Xa, lab, res.name, n_draws, check_seed(seed), kwargs)
        res.stability = stab["fraction"]
        res.diagnostics["stability"] = stab
    return res


def _search(X: np.ndarray, labels: np.ndarray | None = None, *, seed: int = 0,
            n_threads: int | None = None, continuous: Any = None, accept: float = 3.0,
            max_order: int = 120, max_tuples: int = 400, n_anchor_sets: int = 3,
            patience: int = 60, metric: str = "euclidean") -> DiscreteSymmetryResult:
    """find_discrete_symmetries without the re-draws (same arguments, same result)."""
    from symfast.symmetry._continuous._result import SymmetryResult
    from symfast.symmetry._continuous._route import find_generators

    Xa = check_array(X, "X", ndim=2, min_rows=10)
    n, d = Xa.shape
    if d < 2:
        raise ValueError(f"X must have at least 2 columns, got shape {Xa.shape}")
    if labels is None:
        lab = np.zeros(n, dtype=np.int64)
    else:
        lab = check_labels(labels, "labels", n)
    accept = check_float(accept, "accept", positive=True)
    max_order = check_int(max_order, "max_order", minimum=1)
    max_tuples = check_int(max_tuples, "max_tuples", minimum=1)
    n_anchor_sets = check_int(n_anchor_sets, "n_anchor_sets", minimum=1)
    rng = np.random.default_rng(check_seed(seed))
    threads = check_n_threads(n_threads)
    counts = np.unique(lab, return_counts=True)[1]
    if counts.min() < 3:
        raise ValueError("every level set (label) needs at least 3 points, got a label with "
                         f"{int(counts.min())}")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(map(repr, METRICS))}, got "
                         f"{metric!r}")
    from symfast.symmetry._span import affine_span

    span = affine_span(Xa)
    if span.degenerate and span.dim >= 2:
        # exact relations between columns: the group is sought on the data's span (a
        # reflection off it would be unconstrained by the data) and lifted as maps that
        # fix the complement
        return _on_span(span, Xa, lab, continuous, dict(
            seed=seed, n_threads=n_threads, accept=accept, max_order=max_order,
            max_tuples=max_tuples, n_anchor_sets=n_anchor_sets, patience=patience,
            metric=metric))
    if metric == "invariant":
        if d > 5:
            warnings.warn(f"metric='invariant' in {d} dimensions: measured up to 5 "
                          "(so3xso2, 30 of 30 in skewed frames at 1000 points per level "
                          "set) and in 6 only on so6, a Z2 beside a continuous O(6) (a "
                          "finite group alone, Z2^6, was unresolved there even by the "
                          "Euclidean search); prefer metric='euclidean' where the frame "
                          "is known", RuntimeWarning, stacklevel=2)
        return _in_invariant_frame(Xa, lab, rng, dict(
            seed=seed, n_threads=n_threads, continuous=continuous, accept=accept,
            max_order=max_order, max_tuples=max_tuples, n_anchor_sets=n_anchor_sets,
            patience=patience))

    # 1. centre and scale: the symmetries sought are orthogonal in the input's metric
    center = Xa.mean(axis=0)
    C = np.cov((Xa - center).T)
    w = np.maximum(np.linalg.eigvalsh(C), 1e-300)
    scale = float(np.sqrt(w.mean()))
    W, Winv = np.eye(d) / scale, np.eye(d) * scale
    Y = (Xa - center) @ W.T

    # the continuous part, as compact generators in y
    if continuous is None:
        cont = find_generators(Xa, lab, seed=seed, n_threads=threads).generators
    elif isinstance(continuous, SymmetryResult):
        cont = continuous.generators
    else:
        cont = check_array(continuous, "continuous", dtype=np.float64).reshape(-1, d, d)
    K = _compact_generators(np.asarray(cont, dtype=np.float64).reshape(-1, d, d), W, Winv)

    scorer = _Scorer(Y, lab, rng, n_probe=96, n_final=600)
    # a continuous symmetry must hold for finite flows, not only to first order: a
    # near-symmetry that passed the local (tangent) test is dropped here
    n_continuous = int(K.shape[0])
    K, flow_scores = _verified_flows(K, scorer, accept, rng)
    # 2-3. candidates, a coarse test, refinement, the strict test
    cands = _candidates(Y, lab, scorer.spacing, rng, max_tuples, n_anchor_sets)
    found: list[np.ndarray] = [np.eye(d + 1)]
    best: list[float] = [0.0]
    budget = [0]
    # refinements the products may cost in all: a group of order m needs at most m
    grow_budget = [2 * max_order]
    # the stop rule weighs evidence, not effort.  A candidate that passes the strict test
    # and lands on a known element is evidence that the known elements are all there is:
    # were they a proper subgroup H of the true group G, a true candidate would land in H
    # with probability |H|/|G| <= 1/2.  A candidate that fails is no evidence either way
    # (at 1000 points per level set in R^3 about 9 in 10 fail).  Counting failures as
    # evidence stopped T and I at Z3 in one random frame each (1 repeat and 70 failures
    # after the third element; measured), so the search stops once ``patience``
    # candidates since the last new element include MIN_REPEATS repeats, and in any case
    # after 4 x ``patience``: a cloud whose candidates nearly all fail (no symmetry, or
    # too thin a cloud) ends there.
    since_new = repeats = failures = unnormal = 0
    tried = 0
    stopped = "candidates"
    order = list(rng.permutation(len(cands)))
    if K.shape[0]:
        # a reflection of each invariant block of G0 is tried first: the matched tuples
        # can miss a coset (see _block_reflections)
        blocks = _block_reflections(K, rng)
        order = list(range(len(cands), len(cands) + len(blocks))) + order
        cands = list(cands) + blocks
    for i in order:
        if since_new >= patience and repeats >= MIN_REPEATS:
            stopped = "patience"
            break                     # the recent candidates repeat known elements
        if since_new >= 4 * patience:
            stopped = "failures"
            break
        tried += 1
        M = _affine(cands[i])
        if scorer.coarse(M) > 6.0:
            continue
        since_new += 1
        try:
            if _index(M, found, K, rng, loose=True, budget=budget) is not None:
                repeats += 1
                continue
        except _Budget:
            stopped = "budget"
            break
        M = scorer.refine(M)
        sc = scorer.score(M, final=True)
        if sc > accept:
            failures += 1             # no symmetry
            continue
        if K.shape[0] and _normaliser_gap(M[:d, :d], K) > NORMALISER_TOL:
            failures += 1             # passes the score, but does not normalise G0
            unnormal += 1
            continue
        try:
            j = _index(M, found, K, rng, budget=budget)
        except _Budget:
            stopped = "budget"
            break
        if j is not None:
            repeats += 1
            if j > 0 and sc < best[j]:
                # the same element, pinned down better: keep the better representative
                found[j], best[j] = M, sc
            continue
        found.append(M)
        best.append(sc)
        if len(found) > 4 * max_order:
            # far more distinct maps pass than a group of max_order has elements
            # (the score cut below removes a few near-symmetries, not hundreds):
            # the search and the closure would only confirm it, and a table of
            # hundreds of maps took minutes (300 points of one level set in R^3)
            stopped = "max_order"
            break
        # only a map that scores like a symmetry renews the patience: on sparse
        # samples near-symmetries (far above the gap, cut below) keep turning up
        bound = GAP_RATIO * max(1.0, min(best[1:]))
        if sc <= bound:
            since_new = repeats = 0
            if K.shape[0] == 0:
                # never past accept: while only near-symmetries are known (the first
                # map accepted at 2.6), their products at up to 1.6 x 2.6 grew to
                # 500 maps (I in one random frame, 18 s; measured)
                _grow(found, best, scorer, K, rng, min(bound, accept), 4 * max_order,
                      grow_budget)
    n_candidates = len(cands)
    # scores of true elements cluster (about the samples' own offsets); maps that only
    # come close to a symmetry on sparse samples sit apart, above a gap in the scores
    cut = _score_gap(np.array(best[1:]), accept)
    ctx = dict(found=found, best=best, scorer=scorer, K=K, rng=rng, accept=accept,
               max_order=max_order, Y=Y, lab=lab)
    g = _group_at_cut(cut, **ctx)
    fallback = []
    if g["name"] == "unresolved" and cut >= accept:
        # no jump of GAP_RATIO in the scores, so every accepted map was kept, and the
        # near-symmetries among them kept the maps from closing into a group.  A few maps
        # between the elements and the near-symmetries bridge the gap (I at 1000 points
        # per level set: elements to 1.11, then 1.68, then 2.49 onwards; in another frame
        # elements to 1.21, then 1.40, 1.47, 1.55, 1.93; measured): the cuts at the
        # largest ratios are tried too, the highest score first (the most inclusive, so a
        # subgroup is never preferred to its group), and one is taken only when its maps
        # close into a group that passes the exactness and root tests
        for alt in _ratio_cuts(np.array(best[1:])):
            g_alt = _group_at_cut(alt, **ctx)
            fallback.append({"cut": alt, "name": g_alt["name"]})
            if g_alt["name"] != "unresolved":
                g, cut = g_alt, alt
                break
    found, table, m = g["found"], g["table"], len(g["found"])
    name, iso, gens = g["name"], g["iso"], g["gens"]
    residuals, root_scores, continuum = g["residuals"], g["root_scores"], g["continuum"]
    truncated, consistent, not_latin = g["truncated"], g["consistent"], g["not_latin"]
    F = np.array(found)
    # back to x: y = W (x - center), so A = W^-1 O W and the shift W^-1 t
    lin = np.einsum("ij,kjl,lm->kim", Winv, F[:, :d, :d], W)
    shift = np.einsum("ij,kj->ki", Winv, F[:, :d, d])
    elements = lin
    translations = center[None, :] + shift - np.einsum("kij,j->ki", lin, center)
    fixed = center + Winv @ _fixed_point(F)
    reason = ""
    if continuum == "residual":
        reason = (f"the {m} accepted maps close into a group only within the matching "
                  "tolerance: made an exact representation, an element fails the test; at "
                  "this sampling density a family of near-symmetries cannot be told from a "
                  "finite group")
    elif continuum == "roots":
        reason = (f"the {m} accepted maps form a group, but roots of its rotations that "
                  "are not elements pass the test too: at this sampling density a family "
                  "of near-symmetries cannot be told from a finite group")
    elif not_latin:
        reason = (f"the {m} accepted maps are closed under products but their table is no "
                  "group table (a map and a second estimate of it kept apart): at this "
                  "sampling density near-symmetries pass the test")
    elif name == "unresolved" and not truncated:
        reason = (f"the {m} accepted maps do not close into a group (a product of two of "
                  "them fails the test): at this sampling density near-symmetries pass "
                  "the test, or an element is pinned down too loosely")
    elif name == "unresolved":
        reason = (f"the {m} accepted maps do not close into a group (closure past "
                  f"max_order={max_order} or the search budget): at this sampling density "
                  "near-symmetries pass the test")
    elif name == "trivial" and K.shape[0] and unnormal and 2 * unnormal >= failures:
        # the test had no power: the candidates pass the score as a symmetry would and
        # fail only because they do not normalise G0, which on so thin a cloud may itself
        # be spurious (Z2^6 in R^6 at 1000 and 3000 points per level set: one or two
        # continuous generators found, 240 of 240 candidates scored 1.0-1.1 and none
        # normalised them, and the answer was "trivial"; measured)
        name, iso = "unresolved", []
        reason = (f"{unnormal} of {failures} candidates pass the score test but none "
                  f"normalises the {K.shape[0]}-dimensional continuous symmetry found: at "
                  "this sampling density the test cannot tell maps apart, and the "
                  "continuous part may be spurious")
    if reason:
        reason += "; " + density_hint(counts, d)
    diag = {"reason": reason, "candidates": n_candidates, "candidates_tried": tried,
            "score_cut": cut, "search_scores": sorted(best[1:]), "search_stopped": stopped,
            "score_cut_fallback": fallback, "search_repeats": repeats, "search_unnormal": unnormal,
            "search_failures": failures,
            "spacing": scorer.spacing,
            "thickness": scorer.thickness, "accept": accept,
            "closed": consistent and not truncated,
            "continuous_found": n_continuous, "flow_scores": flow_scores,
            "root_scores": root_scores,
            "covariance_condition": float(np.sqrt(w.max() / w.min()))}
    return DiscreteSymmetryResult(elements, translations, gens, name, iso, table, residuals,
                                  int(K.shape[0]), fixed, diag)


#: Groups up to this order have every element polished on (up to) 6000 samples before the
#: symmetrisation; larger ones are averaged enough by it.
POLISH_MAX = 24

#: Repeats of known elements, among the last ``patience`` candidates, that end the search:
#: were the known elements a proper subgroup, each repeat had a chance of at most 1/2.
MIN_REPEATS = 8

#: Points per level set at which the finite groups of the issue-31 protocol came out right
#: in random frames (docs/tables/discrete_frames.csv): 400 in the plane (D_n, Z_n up to
#: n = 12: 30 of 30 each), 1000 in three to five dimensions (up to I_h, order 120: 30 of
#: 30 each).  Not six: Z2^6 in R^6 was unresolved at 3000.
MEASURED_DENSITY = {2: 400, 3: 1000, 4: 1000, 5: 1000}


def density_hint(counts: np.ndarray, d: int) -> str:
    """What to sample for a cloud that was too thin, from the measured densities."""
    have = int(np.min(counts))
    need = MEASURED_DENSITY.get(d)
    if need is not None and have < need:
        return (f"sample at least {need} points per level set (where the groups measured "
                f"in R^{d} came out right in random frames; the thinnest set here has {have})")
    return (f"sample more points per level set (the thinnest here has {have}; twice as "
            "many is the next step)")


def _ratio_cuts(scores: np.ndarray, min_ratio: float = 1.15, k: int = 3) -> list[float]:
    """The scores below the ``k`` largest ratios (at least ``min_ratio``) between
    consecutive sorted scores, measured from 1 (the samples' own level), highest first."""
    v = np.sort(scores)
    v = v[v >= 1.0]
    if v.size < 2:
        return []
    ratios = v[1:] / v[:-1]
    top = [i for i in np.argsort(-ratios, kind="stable")[:k] if ratios[i] >= min_ratio]
    return sorted((float(v[i]) for i in top), reverse=True)


def _group_at_cut(cut: float, *, found: list[np.ndarray], best: list[float],
                  scorer: _Scorer, K: np.ndarray, rng: np.random.Generator, accept: float,
                  max_order: int, Y: np.ndarray, lab: np.ndarray) -> dict[str, Any]:
    """Close the maps scoring at most ``cut`` into a group, test it and name it."""
    n, d = Y.shape
    keep = [0] + [i for i in range(1, len(found)) if best[i] <= cut]
    found = _common_center([found[i] for i in keep])
    accept_products = min(accept, 1.5 * cut) if len(keep) > 1 else accept

    # 5. closure under products (of coset representatives)
    # the closure has a budget of its own: a search that spent its budget on the many
    # near-symmetries of a sparse cloud has still found the elements kept above (so2xso2
    # at 1000 points per level: three at scores 0.86-0.87, the rest from 1.8, and the
    # shared budget left the closure none)
    closing = [0]
    try:
        found, truncated = _close(found, scorer, K, rng, accept_products, max_order, closing)
        if truncated:
            raise _Budget             # no table: past max_order the answer is unresolved
        table, consistent = _table(found, K, rng, closing)
    except _Budget:
        truncated, consistent = True, False
        table = np.zeros((len(found), len(found)), dtype=np.int64)
    # closure alone is no group: two estimates of one map that the matching tolerance
    # keeps apart give a table with a repeated entry (s3 in one random frame at 1000
    # points per level: D3 plus a fourth reflection, named "order-7", measured); a finite
    # set of maps closed under products is a group exactly when every row and column of
    # its table is a permutation
    not_latin = consistent and not truncated and not is_latin_square(table)
    consistent = consistent and not not_latin
    m = len(found)
    root_scores: list[float] = []
    continuum = ""
    exact = consistent and not truncated and K.shape[0] == 0 and m > 1
    if exact:
        # polish on (up to) every sample, then make the maps an exact representation
        fine = _Scorer(Y, lab, rng, n_probe=8, n_final=min(n, 6000))
        if m <= POLISH_MAX:
            # a large group needs no polish: the symmetrisation averages m estimates of
            # every element (I_h, B3 and S4 in random frames: 0.001-0.004 from the exact
            # elements with or without it, and I_h 10.6 -> 6.2 s; measured)
            found = [found[0]] + [fine.refine(M, iters=0, plane_iters=3)
                                  for M in found[1:]]
        found = _symmetrise(found, table)
        found = _refine_center(found, fine)
    residuals = np.array([scorer.score(M, final=True) for M in found])
    if exact:
        # the paper's footnote 9: near-symmetries that close into a group only within the
        # matching tolerance are no exact representation (D32 at 400 points per level set
        # gave order-27 with exact elements scoring up to 3.97), and a finite group's
        # rotations have roots that are elements or fail the test, where roots of a
        # family of near-symmetries pass (either test alone catches D32; D48 and s3 at
        # 410 points per level need the roots)
        if residuals.max() > accept:
            continuum = "residual"
        else:
            root_scores, failed = _root_test(found, scorer, K, rng, accept)
            continuum = "roots" if failed else ""
    if truncated or not consistent or continuum:
        # the samples do not pin down a finite group (see the module's limits)
        name, iso = "unresolved", []
        gens = list(range(1, m))
    else:
        name, iso = name_group(table)
        gens = minimal_generators(table)
    return {"found": found, "table": table, "name": name, "iso": iso, "gens": gens,
            "residuals": residuals, "root_scores": root_scores, "continuum": continuum,
            "truncated": truncated, "consistent": consistent, "not_latin": not_latin}


def _grow(found: list[np.ndarray], best: list[float], scorer: _Scorer, K: np.ndarray,
          rng: np.random.Generator, bound: float, cap: int, budget: list[int]) -> None:
    """Add the products of the newest element with the elements that score like
    symmetries (at most ``bound``), and theirs in turn, while they pass at that bound.

    A product of two symmetries is one, and it costs one refinement where finding it
    among the candidates costs many: the icosahedral group I_h (order 120) at 1000 points
    per level set took 9-10 s when every element had to come from the candidates.  The
    search's stop rule then sees the candidates repeat known elements as soon as a
    generating set is found.  Updates ``found`` and ``best`` in place.

    ``budget`` (a one-item list, decremented) bounds the refinements over the whole
    search: a group of order m needs at most m of them, but on a thin cloud the
    near-symmetries that score under ``bound`` multiply among themselves (T on half of
    its 1000 points per level set: 121 maps, 89 s a search; measured), and a product
    that fails the coarse test is not refined at all.
    """
    queue = [len(found) - 1]
    while queue and len(found) <= cap:
        i = queue.pop()
        js = [j for j in range(1, len(found)) if best[j] <= bound]
        if not js:
            continue
        F = np.array([found[j] for j in js])
        prods = np.concatenate([np.einsum("ab,kbc->kac", found[i], F),
                                np.einsum("kab,bc->kac", F, found[i])])
        # one vectorised lookup; a product unmatched there is looked up again, as an
        # element may have been added since
        for P, k in zip(prods, _index_many(prods, found, K, rng)):
            if k is not None:
                continue
            if _index(P, found, K, rng) is not None:
                continue
            if budget[0] <= 0:
                return
            if scorer.coarse(P) > 6.0:
                continue
            budget[0] -= 1
            out = _refined_product(P, found, scorer, K, rng)
            if out is not None and out[1] <= bound:
                found.append(out[0])
                best.append(out[1])
                queue.append(len(found) - 1)


def _on_span(span: Any, X: np.ndarray, lab: np.ndarray, continuous: Any, kwargs: dict
             ) -> DiscreteSymmetryResult:
    """find_discrete_symmetries on the span's coordinates, the maps lifted to the columns."""
    from dataclasses import replace

    P = span.basis
    cont = continuous
    if continuous is not None:
        T = getattr(continuous, "generators", continuous)
        T = np.asarray(T, dtype=np.float64).reshape(-1, span.ambient, span.ambient)
        cont = np.einsum("ai,kab,bj->kij", P, T, P)
    inner = find_discrete_symmetries(span.reduce(X), lab, continuous=cont, **kwargs)
    off = np.eye(span.ambient) - P @ P.T
    E = np.einsum("ia,kab,jb->kij", P, inner.elements, P) + off
    t = span.mean - np.einsum("kij,j->ki", E, span.mean) + inner.translations @ P.T
    return replace(inner, elements=E, translations=t, center=span.mean + P @ inner.center,
                   diagnostics=dict(inner.diagnostics, span=span.summary()))


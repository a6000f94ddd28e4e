"""Symmetries of a user's own data: the whole method on any (X, y), in one call.

Two routes to the tangent conditions T x + b ⊥ normal(x) of the level sets:

gradient (continuous values)
    Networks are regressed on (X, y); the input gradient of what they learned is
    the normal of the level set through every data point, so no band of equal
    values is needed.  Two networks with different seeds, fitted to disjoint halves
    of the points, give two independent normals per point; their disagreement
    measures the noise of the normals (``_gradient_route``), and
    a field is accepted as a symmetry when its residual (the RMS sine of the angle
    between the field and the tangent spaces) stays below ``tol_ratio`` times that
    noise.  This is the route of gradient-based peers (LieSD, arXiv 2410.09841).
embedding (class labels, or values binned into thin bands)
    The paper's route (Krippendorf & Syvaeri, arXiv 2003.13679): a classifier on
    the labels, orbit groups in its embedding, local PCA of each group's points.

With binned values whose points do lie in bands, both run and the reported
algebra is the span of the fields both accept ("both").
"""

from __future__ import annotations

import sys
import time
from typing import Any, Sequence

import numpy as np

from symfast._validation import check_array, check_float, check_int, check_n_threads, check_seed
from symfast.symmetry._gradient_route import _gradient_route
from symfast.symmetry._result import (MAX_AUTO_CLASSES, METHODS, MIN_POINTS, TARGETS,
                                      DiscoveryResult)


# -- input checks --------------------------------------------------------------------------
def _check_inputs(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    Xa = check_array(X, "X", ndim=2)
    if Xa.shape[0] < MIN_POINTS:
        raise ValueError(f"X has {Xa.shape[0]} points; at least {MIN_POINTS} are needed to "
                         "train a network and hold some out")
    if Xa.shape[1] < 2:
        raise ValueError(f"X must have at least 2 features (columns), got shape {Xa.shape}")
    const = np.flatnonzero(np.ptp(Xa, axis=0) == 0)
    if const.size:
        raise ValueError(f"X column(s) {const.tolist()} are constant: drop them (a symmetry "
                         "cannot act in a direction the data do not explore)")
    ya = np.asarray(y)
    if ya.dtype.kind not in "fiub":
        raise TypeError(f"y must hold numbers (values or integer class labels), got dtype "
                        f"{ya.dtype}")
    ya = check_array(ya, "y", dtype=ya.dtype if ya.dtype.kind in "iub" else np.float64)
    if ya.ndim not in (1, 2) or ya.shape[0] != Xa.shape[0]:
        raise ValueError(f"y must have shape ({Xa.shape[0]},) or ({Xa.shape[0]}, m) to match "
                         f"X, got {ya.shape}")
    flat = ya.reshape(ya.shape[0], -1)
    const_y = np.flatnonzero(np.ptp(flat, axis=0) == 0)
    if const_y.size:
        raise ValueError(f"y is constant (column(s) {const_y.tolist()}): there is nothing to "
                         "learn")
    return Xa, ya


def _resolve_target(target: str, y: np.ndarray, levels: Any, n_bins: Any) -> str:
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}, got {target!r}")
    if target != "auto":
        return target
    if levels is not None or n_bins is not None:
        return "bins"
    integral = y.dtype.kind in "iub" or bool(np.all(y == np.round(y)))
    if y.ndim == 1 and integral and np.unique(y).size <= MAX_AUTO_CLASSES:
        return "classes"
    return "regression"


def _bin(y: np.ndarray, levels: Any, width: Any, n_bins: Any
         ) -> tuple[np.ndarray, np.ndarray]:
    """Class of each point (-1 outside every band) and the value each class stands for."""
    if y.ndim != 1:
        raise ValueError(f"target='bins' needs one value per point, got y of shape {y.shape}")
    yf = y.astype(np.float64)
    if levels is not None:
        lv = check_array(levels, "levels", ndim=1, min_rows=2)
        if np.any(np.diff(np.sort(lv)) == 0):
            raise ValueError(f"levels must be distinct, got {lv.tolist()}")
        gap = float(np.min(np.diff(np.sort(lv))))
        w = check_float(width, "width", positive=True) if width is not None else 0.25 * gap
        cls = np.argmin(np.abs(yf[:, None] - lv[None, :]), axis=1)
        cls[np.abs(yf - lv[cls]) > w] = -1
        return cls, lv
    nb = check_int(n_bins if n_bins is not None else 10, "n_bins", minimum=2, maximum=1000)
    edges = np.quantile(yf, np.linspace(0.0, 1.0, nb + 1))
    cls = np.clip(np.searchsorted(edges, yf, side="right") - 1, 0, nb - 1)
    centers = np.array([np.median(yf[cls == c]) if np.any(cls == c) else np.nan
                        for c in range(nb)])
    return cls, centers


# -- the routes ----------------------------------------------------------------------------
def _intersection(a: Any, b: Any, min_cos: float = 0.99) -> Any:
    """The fields both results accept: the span of directions common to both, as a result."""
    from symfast.symmetry import SymmetryResult

    d = a.generators.shape[1]
    if a.n_generators == 0 or b.n_generators == 0:
        keep = a if a.n_generators == 0 else b
        return SymmetryResult(np.zeros((0, d, d)), "both", np.zeros(0), np.zeros(0),
                              a.center, translations=np.zeros((0, d)),
                              reason=f"one route found no generator: {keep.reason}",
                              frame=a.frame, frame_origin=a.frame_origin)
    A = a.affine.reshape(a.n_generators, -1)
    B = b.affine.reshape(b.n_generators, -1)
    Qa, _ = np.linalg.qr(A.T)
    Qb, _ = np.linalg.qr(B.T)
    U, cos, _ = np.linalg.svd(Qa.T @ Qb)
    j = int(np.sum(cos >= min_cos))
    F = (Qa @ U[:, :j]).T.reshape(j, d + 1, d + 1)
    reason = "" if j else (f"the routes share no field (largest cosine {cos.max():.3g} < "
                           f"{min_cos})")
    return SymmetryResult(F[:, :d, :d], "both", cos, 1.0 - cos[:j], a.center,
                          translations=F[:, :d, d], reason=reason,
                          diagnostics={"cosines": cos.tolist(), "min_cos": min_cos},
                          frame=a.frame, frame_origin=a.frame_origin)


def _lift_discovery(inner: DiscoveryResult, span: Any, names: list[str],
                    overhead: float) -> DiscoveryResult:
    """A discovery made on the data's span, with its fields lifted to the input columns."""
    from symfast.symmetry._continuous._result import lift_result

    routes = {k: lift_result(v, span) for k, v in inner.routes.items()}
    sym = lift_result(inner.continuous, span)
    diag = dict(inner.diagnostics, span=span.summary())
    why = inner.discrete_reason
    if inner.discrete is not None:
        why = ("computed on the data's span: the group's matrices act on the coordinates "
               "z = basis^T (x - mean) of diagnostics['span']")
    timings = dict(inner.timings, total=inner.timings.get("total", 0.0) + overhead)
    config = dict(inner.config, n_features=span.ambient)
    return DiscoveryResult(continuous=sym, routes=routes, target=inner.target,
                           method=inner.method, score=inner.score,
                           neighbor_purity=inner.neighbor_purity,
                           orbit_groups=inner.orbit_groups, discrete=inner.discrete,
                           discrete_reason=why, diagnostics=diag, timings=timings,
                           config=config, feature_names=names, models=inner.models)


def _say(progress: bool, msg: str) -> None:
    if progress:
        print(f"[+] discover(data): {msg}", file=sys.stderr, flush=True)


def discover(X: np.ndarray, y: np.ndarray, *, target: str = "auto",
             levels: Sequence[float] | None = None, width: float | None = None,
             n_bins: int | None = None, method: str = "auto", seed: int = 0,
             n_threads: int | None = None, progress: bool = True,
             hidden: Sequence[int] = (64, 64, 64), max_epochs: int | None = None,
             n_models: int = 2, max_points: int = 50_000, tol_ratio: float = 4.0,
             discrete: bool = True, feature_names: Sequence[str] | None = None,
             discrete_metric: str = "invariant", stability: int = 4,
             block: int | None = None, device: str | None = None) -> DiscoveryResult:
    """Find the continuous (and, where possible, discrete) symmetry of the function y(X).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        Data points (at least 50).
    y : array_like of shape (n_samples,) or (n_samples, m)
        Values of the function at X (continuous; several columns for several
        functions whose joint level sets are wanted), or class labels.
    target : {"auto", "regression", "bins", "classes"}, default="auto"
        What y is.  "auto": "bins" if ``levels`` or ``n_bins`` is given; "classes"
        for one column of at most 20 distinct integers; "regression" otherwise.
    levels : sequence of float, optional
        target="bins": the values whose bands ``|y - level| <= width`` are the
        classes (points outside every band are left out of the classifier).
    width : float, optional
        Half-width of the bands (default a quarter of the smallest level gap).
    n_bins : int, optional
        target="bins" without ``levels``: this many quantile bins (default 10).
    method : {"auto", "gradient", "embedding", "both"}, default="auto"
        The route to the generators (module documentation).  "auto": gradient
        for regression, embedding for class labels (gradient with ``block``), and
        for bins "both" when the binned points lie in bands (a local PCA sees a
        tangent space), gradient otherwise.  "gradient" on two classes trains
        classifiers (the logistic loss) and reads the normals from their logits'
        input gradients.
    seed : int, default=0
    n_threads : int, optional
    progress : bool, default=True
        Progress bars over training and a line per stage (on stderr).
    hidden : sequence of int, default=(64, 64, 64)
        Hidden layers of the regression networks (the last is the embedding).
    max_epochs : int, optional
        Epochs of every network; default: about 8000 optimiser steps (at least
        20, at most 300 epochs).
    n_models : int, default=2
        Regression networks trained with different seeds, network i on half
        i % 2 of the points; their mean gradient is the normal, the disagreement
        of networks fitted to different halves its noise (with 1, a fixed
        tolerance 0.05, and the network sees every point).
    max_points : int, default=50000
        Points (a random subset of larger data) whose gradients enter the
        generator fit and the embedding analysis.  Gradients are computed in
        chunks of 16384 points, so memory does not grow with the data.
    tol_ratio : float, default=4.0
        A field is a symmetry when its residual is below ``tol_ratio`` times the
        noise of the normals.  Measured on six test functions with 1 % noise
        (15 runs, 3000-5000 points): true generators reached at most 1.86 times
        the noise, the smallest non-symmetry 5.6 times.
    discrete : bool, default=True
        Look for a finite group (class labels or bands in at most 3 dimensions;
        the finite-cloud test needs the level sets sampled, not a filled box).
    feature_names : sequence of str, optional
        Names of the columns of X (recorded in the result).
    discrete_metric : {"invariant", "euclidean"}, default="invariant"
        The ``metric`` of :func:`symfast.symmetry.find_discrete_symmetries`.
        "invariant" finds a finite group in any linear frame (features in
        different units, mixed), learning its invariant quadratic form first;
        "euclidean" seeks maps orthogonal in the given coordinates only (faster:
        0.2-0.7 s against 1-2 s for 4510 points in R^2, measured).
    stability : int, default=4
        Re-draws of the finite-group search on half of every level set; the group's
        ``stability`` (the fraction naming the same group) is printed beside its name.
        0 skips them (each costs about half a search).
    block : int, optional
        The columns are N objects of ``block`` coordinates each (four-momenta of a
        jet's constituents: 4), and the symmetry sought acts on every object at once,
        x -> (I_N ⊗ T) x (:func:`symfast.symmetry.find_tied_generators`): block² unknowns
        instead of d².  Gradient route only (values, bins, or two classes).
    device : str, optional
        Where the gradient route's networks train ("cpu", default, or a GPU such as
        "cuda"); the embedding route's classifier trains on the CPU.

    Returns
    -------
    DiscoveryResult

    Examples
    --------
    >>> import numpy as np
    >>> import symfast
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(4000, 3))
    >>> y = np.sin(2 * (X[:, 0]**2 + X[:, 1]**2)) + X[:, 2]
    >>> res = symfast.discover(X, y, progress=False)
    >>> res.algebra, res.n_generators
    ('u(1)', 1)
    """
    t0 = time.perf_counter()
    Xa, ya = _check_inputs(X, y)
    n, d = Xa.shape
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    tgt = _resolve_target(target, ya, levels, n_bins)
    if tgt != "bins" and (levels is not None or n_bins is not None or width is not None):
        raise ValueError(f"levels, width and n_bins apply to target='bins', not "
                         f"target={tgt!r}")
    if tgt == "classes" and ya.ndim != 1:
        raise ValueError(f"target='classes' needs one label per point, got y of shape "
                         f"{ya.shape}")
    n_classes = int(np.unique(ya).size) if tgt == "classes" else 0
    method_given = method                   # the config records what the caller asked for
    if block is not None:
        block = check_int(block, "block", minimum=1)
        if d % block:
            raise ValueError(f"block must divide the {d} columns of X, got {block}")
        if method in ("embedding", "both"):
            raise ValueError(f"block applies to the gradient route, not method={method!r}")
        if tgt == "classes" and n_classes != 2:
            raise ValueError(f"block with class labels needs two classes (a logit to take "
                             f"gradients of), got {n_classes}")
        if method == "auto":
            method = "gradient"
    if tgt == "classes" and method == "both":
        raise ValueError("method='both' needs values to regress on; class labels have "
                         "no order (use method='embedding', or 'gradient' for two classes)")
    if tgt == "classes" and method == "gradient" and n_classes != 2:
        raise ValueError(f"method='gradient' needs values to regress on, or two classes "
                         f"(a classifier's logit gives the normals); {n_classes} class labels "
                         "have no order (use method='embedding')")
    if tgt == "regression" and method in ("embedding", "both"):
        raise ValueError(f"method={method!r} needs classes: give levels or n_bins "
                         "(target='bins') or class labels")
    from symfast.symmetry._discrete._scoring import METRICS

    if discrete_metric not in METRICS:
        raise ValueError(f"discrete_metric must be one of {', '.join(map(repr, METRICS))}, "
                         f"got {discrete_metric!r}")
    seed = check_seed(seed)
    threads = check_n_threads(n_threads)
    stability = check_int(stability, "stability", minimum=0)
    n_models = check_int(n_models, "n_models", minimum=1, maximum=16)
    max_points = check_int(max_points, "max_points", minimum=MIN_POINTS)
    tol_ratio = check_float(tol_ratio, "tol_ratio", positive=True)
    if max_epochs is not None:
        max_epochs = check_int(max_epochs, "max_epochs", minimum=1)
    names = ([f"x{i}" for i in range(d)] if feature_names is None
             else [str(s) for s in feature_names])
    if len(names) != d:
        raise ValueError(f"feature_names must name the {d} columns of X, got {len(names)}")
    from symfast.symmetry._span import affine_span

    span = affine_span(Xa)
    if span.degenerate and block is not None:
        raise ValueError(f"X spans {span.dim} of its {d} dimensions (exact relations between "
                         "columns): block needs the columns as given, so drop the redundant "
                         "ones first")
    if span.degenerate:
        # exact relations between columns: discover on the span, lift the fields back
        if span.dim < 2:
            raise ValueError(f"X spans a line only (its {d} columns are multiples of one "
                             "another, up to a constant): no symmetry can be read from it")
        _say(progress, f"the data span {span.dim} of {d} dimensions: solving on the span")
        inner = discover(span.reduce(Xa), ya, target=target, levels=levels, width=width,
                         n_bins=n_bins, method=method, seed=seed, n_threads=n_threads,
                         progress=progress, hidden=hidden, max_epochs=max_epochs,
                         n_models=n_models, max_points=max_points, tol_ratio=tol_ratio,
                         discrete=discrete, discrete_metric=discrete_metric,
                         stability=stability, device=device)
        return _lift_discovery(inner, span, names, time.perf_counter() - t0)
    rng = np.random.default_rng(seed)
    sel = np.sort(rng.choice(n, max_points, replace=False)) if n > max_points else np.arange(n)
    # each of several regression networks sees half the points (_gradient_route)
    n_fit = n // 2 if n_models > 1 else n
    steps_per_epoch = max(1, int(np.ceil(0.8 * n_fit / 256)))
    epochs = max_epochs or int(np.clip(np.ceil(8000 / steps_per_epoch), 20, 300))
    config = {"target": target,
              "levels": None if levels is None else list(map(float, levels)),
              "width": width, "n_bins": n_bins, "method": method_given, "seed": seed,
              "hidden": list(hidden), "max_epochs": max_epochs, "n_models": n_models,
              "max_points": max_points, "tol_ratio": tol_ratio, "discrete": discrete,
              "discrete_metric": discrete_metric, "stability": stability, "block": block,
              "n_samples": n,
              "n_features": d}
    timings: dict[str, float] = {}
    routes: dict[str, Any] = {}
    score: dict[str, float] = {}
    diag: dict[str, Any] = {"n_points_used": int(sel.size), "epochs": epochs}
    embedding, classes, classes_used = None, None, None
    models: list = []

    # classes for the classifier and the embedding analysis
    if tgt == "classes":
        classes = ya.reshape(n)
    elif tgt == "bins":
        classes, centers = _bin(ya, levels, width, n_bins)
        diag["bin_values"] = centers.tolist()
        inside = classes >= 0
        if np.unique(classes[inside]).size < 2:
            raise ValueError("fewer than 2 bands hold points: widen width or move levels")
        diag["points_in_bands"] = int(inside.sum())

    # the gradient route (on two classes: the logits of classifiers)
    logit = tgt == "classes" and method == "gradient"
    if (tgt in ("regression", "bins") and method != "embedding") or logit:
        t = time.perf_counter()
        what = "classifying" if logit else "regressing y on X"
        _say(progress, f"{what} ({n_models} networks, {epochs} epochs each)")
        target_values = ((ya == np.unique(ya)[1]).astype(np.float64) if logit
                         else ya.astype(np.float64))
        sym, models, gdiag = _gradient_route(
            Xa, target_values, sel=sel, hidden=tuple(hidden), epochs=epochs,
            n_models=n_models, tol_ratio=tol_ratio, seed=seed, threads=threads,
            torch_threads=n_threads, progress=progress, chunk=16384,
            loss="logistic" if logit else "squared", block=block, device=device)
        routes["gradient"] = sym
        score["brier_skill" if logit else "r2"] = float(np.min(models[0].val_r2_))
        diag["gradient"] = gdiag
        timings["gradient"] = time.perf_counter() - t
        if tgt == "regression":
            # the embedding is read against quantile bins of y (of its first column)
            embedding = models[0].embed(Xa[sel])
            classes_used, _ = _bin(ya[sel] if ya.ndim == 1 else ya[sel, 0], None, None, 10)

    # the classifier and the embedding route
    if tgt == "bins" or (tgt == "classes" and not logit):
        t = time.perf_counter()
        from symfast.nn import EmbeddingClassifier

        inside = np.flatnonzero(classes >= 0) if tgt == "bins" else np.arange(n)
        use = inside if inside.size <= max_points else np.sort(
            rng.choice(inside, max_points, replace=False))
        _say(progress, f"classifying {np.unique(classes[use]).size} classes")
        clf = EmbeddingClassifier(max_epochs=max_epochs or 200, target_accuracy=0.99,
                                  seed=seed, progress=progress, n_threads=n_threads)
        clf.fit(Xa[use], classes[use])
        score["accuracy"] = float(clf.val_accuracy_)
        embedding = clf.embed(Xa[use])
        classes_used = classes[use]
        timings["classifier"] = time.perf_counter() - t
        want_embedding = method in ("embedding", "both") or (
            method == "auto" and (tgt == "classes" or _in_bands(Xa[use], classes[use],
                                                                 threads)))
        if want_embedding:
            from symfast.analysis import orbit_group_labels
            from symfast.symmetry import find_generators

            t = time.perf_counter()
            _say(progress, "orbit groups and local PCA (embedding route)")
            groups = orbit_group_labels(embedding, classes_used)
            codes = np.unique(classes_used, return_inverse=True)[1]
            clouds = codes * (int(groups.max()) + 1) + groups
            routes["embedding"] = find_generators(Xa[use], clouds, seed=seed,
                                                  n_threads=threads)
            timings["embedding"] = time.perf_counter() - t

    # neighbour purity and orbit groups in the embedding
    purity, groups_count = None, {}
    if embedding is not None:
        from symfast.analysis import count_orbit_groups, neighbor_purity

        t = time.perf_counter()
        purity, _ = neighbor_purity(embedding, classes_used, n_threads=threads)
        groups_count = {str(k): v for k, v in
                        count_orbit_groups(embedding, classes_used).items()}
        timings["embedding_analysis"] = time.perf_counter() - t

    # what is reported
    if "gradient" in routes and "embedding" in routes:
        used = "both"
        sym = _intersection(routes["gradient"], routes["embedding"])
    else:
        used = next(iter(routes))
        sym = routes[used]

    # a finite group, where the data are level sets in few dimensions
    disc, why = None, ""
    if not discrete:
        why = "not computed (discrete=False)"
    elif tgt == "regression":
        why = ("not computed: the finite-cloud test needs points on level sets (class "
               "labels or bands); values filling a region are mapped onto themselves only "
               "by symmetries of the sampling region as well")
    elif d > 3:
        why = (f"not computed: in {d} dimensions the level sets are too sparsely sampled "
               "for the finite-cloud test (at most 3)")
    else:
        from symfast.symmetry import find_discrete_symmetries

        t = time.perf_counter()
        _say(progress, "discrete symmetries")
        keep = classes >= 0
        disc = find_discrete_symmetries(Xa[keep], classes[keep], seed=seed,
                                        continuous=sym, n_threads=threads,
                                        metric=discrete_metric, stability=stability)
        timings["discrete"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return DiscoveryResult(continuous=sym, routes=routes, target=tgt, method=used, score=score,
                           neighbor_purity=purity, orbit_groups=groups_count, discrete=disc,
                           discrete_reason=why, diagnostics=diag, timings=timings,
                           config=config, feature_names=names, models=models)


def _in_bands(X: np.ndarray, classes: np.ndarray, threads: int) -> bool:
    """Whether the largest class shows a tangent space (lies in a band, not a region)."""
    from symfast.symmetry import intrinsic_dimension

    ids, counts = np.unique(classes, return_counts=True)
    pts = X[classes == ids[np.argmax(counts)]]
    k = max(2 * X.shape[1], 12)
    if pts.shape[0] < 3 * k:
        return False
    if pts.shape[0] > 5000:
        pts = pts[np.random.default_rng(0).choice(pts.shape[0], 5000, replace=False)]
    return intrinsic_dimension(pts - pts.mean(axis=0), k, threads) < X.shape[1]



def score_invariant_model(symmetry: Any, X: np.ndarray, y: np.ndarray, *, classes: bool,
                          degree: int = 2, seed: int = 0, test_size: float = 0.2,
                          max_train: int = 2000) -> dict[str, Any]:
    """A model on the invariants of ``symmetry`` beside the same network on the raw
    features, both trained on one split of (X, y) and scored on the rest (held-out
    accuracy for ``classes``, R^2 otherwise).  At most ``max_train`` training rows are
    used (a random subset): scikit-learn's full-batch perceptron grows with them, and the
    comparison is the point, not the last digit.

    Returns
    -------
    dict
        ``model``, ``degree``, ``n_invariants``, ``metric``, ``invariant`` and
        ``unconstrained`` (the held-out scores), ``n_train``, ``n_test``, ``converged``
        (whether both optimisers met their tolerance); or ``skipped`` with the reason
        when there is no symmetry to build on.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split

    from symfast.nn import InvariantClassifier, InvariantRegressor

    if symmetry.n_generators == 0 and symmetry.discrete_generators.shape[0] == 0:
        return {"skipped": f"no symmetry to build on (algebra {symmetry.name})"}
    if symmetry.discrete_generators.shape[0] and symmetry.elements is None:
        return {"skipped": "the finite part was not enumerated"}
    est = InvariantClassifier if classes else InvariantRegressor
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_size, random_state=seed,
                                          stratify=y if classes else None)
    if Xtr.shape[0] > max_train:
        keep = np.random.default_rng(seed).choice(Xtr.shape[0], max_train, replace=False)
        Xtr, ytr = Xtr[keep], ytr[keep]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        inv = est(symmetry, degree, random_state=seed).fit(Xtr, ytr)
        raw = est(None, degree, unconstrained=True, random_state=seed).fit(Xtr, ytr)
    return {"model": est.__name__, "degree": int(degree),
            "n_invariants": inv.invariants_.n_invariants,
            "metric": "accuracy" if classes else "r2",
            "invariant": float(inv.score(Xte, yte)),
            "unconstrained": float(raw.score(Xte, yte)),
            "n_train": int(Xtr.shape[0]), "n_test": int(Xte.shape[0]),
            "converged": not any(issubclass(w.category, ConvergenceWarning)
                                 for w in caught)}


def fit_invariant_model(res: DiscoveryResult, X: np.ndarray, y: np.ndarray, *,
                        degree: int = 2, seed: int = 0, test_size: float = 0.2
                        ) -> dict[str, Any]:
    """Use what :func:`discover` found: ``score_invariant_model`` with its
    ``symmetry`` on the same (X, y) (classes when it read ``y`` as class labels)."""
    return score_invariant_model(res.symmetry, X, y, classes=res.target == "classes",
                                 degree=degree, seed=seed, test_size=test_size)

"""Symmetries of a user's own data: the whole method on any (X, y), in one call.

Two routes to the tangent conditions T x + b ⊥ normal(x) of the level sets:

gradient (continuous values)
    Networks are regressed on (X, y); the input gradient of what they learned is
    the normal of the level set through every data point, so no band of equal
    values is needed.  Two networks with different seeds (and splits) give two
    normals per point; their disagreement measures the noise of the normals, and
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

import argparse
import hashlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from symfast._io import prepare_out, write_json
from symfast._seeds import derive_seed
from symfast._validation import check_array, check_float, check_int, check_n_threads, check_seed
from symfast.experiments._common import software_versions

NAME = "discover-data"
TARGETS = ("auto", "regression", "bins", "classes")
METHODS = ("auto", "gradient", "embedding", "both")
#: Fewest data points accepted (a network and a held-out split need some).
MIN_POINTS = 50
#: Class labels: at most this many distinct integer values count as classes in "auto".
MAX_AUTO_CLASSES = 20


@dataclass
class DiscoveryResult:
    """What :func:`discover` found in (X, y).

    Attributes
    ----------
    continuous : SymmetryResult
        The reported continuous symmetry (generators (k, d, d), translations
        (k, d), the algebra's names, the route's spectrum); ``algebra``,
        ``generators`` and the other fields below read from it.  ``symmetry``
        (a property) holds it and the finite part as one :class:`symfast.symmetry.Symmetry`.
    routes : dict
        The result of each route that ran ("gradient", "embedding").
    target : str
        "regression", "bins" or "classes".
    method : str
        The route reported: "gradient", "embedding" or "both".
    score : dict
        ``{"r2": ...}`` (held-out R^2 of the regression, minimum over outputs)
        and/or ``{"accuracy": ...}`` (held-out accuracy of the classifier).
    neighbor_purity : float
        Mean fraction of a point's 10 nearest neighbours in the embedding that
        share its class (for regression: its quantile bin of y).
    orbit_groups : dict
        Class -> number of orbit groups in the embedding.
    discrete : DiscreteSymmetryResult or None
    discrete_reason : str
    diagnostics : dict
        Normal noise and threshold, networks' epochs and fit times, points used.
    timings : dict
        Seconds per stage and in total.
    config : dict
        The arguments of the call.
    feature_names : list of str
    source : dict
        Where the data came from (the CLI records the file, target and a SHA-256
        of the data); written as ``data`` in ``result.json``.
    """

    continuous: Any
    routes: dict[str, Any]
    target: str
    method: str
    score: dict[str, float]
    neighbor_purity: float | None
    orbit_groups: dict[str, int]
    discrete: Any
    discrete_reason: str
    diagnostics: dict[str, Any]
    timings: dict[str, float]
    config: dict[str, Any]
    feature_names: list[str]
    versions: dict[str, str] = field(default_factory=software_versions)
    source: dict[str, Any] = field(default_factory=dict)
    invariant_model: dict[str, Any] | None = None

    @property
    def symmetry(self) -> Any:
        """Everything found as one :class:`symfast.symmetry.Symmetry`: the continuous part
        (``continuous``) and the finite part (``discrete``)."""
        from symfast.symmetry._object import Symmetry

        return Symmetry.from_results(self.continuous, self.discrete)

    @property
    def algebra(self) -> str:
        return self.continuous.algebra

    @property
    def isomorphic(self) -> list[str]:
        return self.continuous.isomorphic

    @property
    def compact_part(self) -> str:
        return self.continuous.compact_part

    @property
    def is_compact(self) -> bool:
        return self.continuous.is_compact

    @property
    def generators(self) -> np.ndarray:
        return self.continuous.generators

    @property
    def translations(self) -> np.ndarray:
        return self.continuous.translations

    @property
    def n_generators(self) -> int:
        return self.continuous.n_generators

    def similarity(self, reference: np.ndarray,
                   reference_translations: np.ndarray | None = None) -> float:
        """Similarity of the found span with ``reference`` (k', d, d); see SymmetryResult."""
        return self.continuous.similarity(reference, reference_translations)

    def to_dict(self) -> dict[str, Any]:
        sym = self.continuous
        g = self.discrete
        disc = ({"name": None, "order": None, "generators": [], "reason": self.discrete_reason}
                if g is None else
                {"name": g.name, "order": g.order, "generators": g.generators.tolist(),
                 "isomorphic": g.isomorphic, "continuous_dim": g.continuous_dim,
                 "reason": g.diagnostics.get("reason", "")})
        return {
            "experiment": NAME, "config": self.config, "data": self.source,
            "target": self.target,
            "method": self.method, "feature_names": self.feature_names,
            "algebra": sym.algebra, "isomorphic": sym.isomorphic,
            "compact_part": sym.compact_part, "is_compact": sym.is_compact,
            "n_generators": sym.n_generators, "n_translations": sym.n_translations,
            "generators": sym.generators.tolist(), "translations": sym.translations.tolist(),
            "residuals": np.asarray(sym.residuals).tolist(), "reason": sym.reason,
            "discrete_group": disc, **self.score,
            "neighbor_purity": self.neighbor_purity, "orbit_groups": self.orbit_groups,
            "routes": {k: v.to_dict() for k, v in self.routes.items()},
            "diagnostics": self.diagnostics, "timings": self.timings,
            "versions": self.versions,
            **({"invariant_model": self.invariant_model} if self.invariant_model else {}),
        }

    def to_json(self, **kwargs: Any) -> str:
        """The result as a JSON string (what ``save`` writes to ``result.json``)."""
        from symfast._io import json_default

        return json.dumps(self.to_dict(), default=json_default, **kwargs)

    def save(self, out_dir: str | Path, *, figures: bool = True) -> Path:
        """Write ``result.json`` and, with ``figures``, ``generators.png`` and one
        ``spectrum-<route>.png`` per route that ran (``spectrum-gradient.png``,
        ``spectrum-embedding.png``) into ``out_dir``; returns the path of ``result.json``.

        ``out_dir`` is checked first (``symfast._io.check_out_dir``) and created with
        its parents if missing."""
        from symfast._io import check_out_dir

        out, _ = check_out_dir(out_dir, "out_dir")
        out.mkdir(parents=True, exist_ok=True)
        if figures:
            from symfast.analysis import plot_generators, plot_spectrum

            plot_generators(self.continuous.generators, out / "generators.png",
                            title=f"{self.method}: {self.continuous.algebra}",
                            feature_names=self.feature_names)
            for name, res in self.routes.items():
                plot_spectrum(res, out / f"spectrum-{name}.png")
        return write_json(out / "result.json", self.to_dict())

    def __repr__(self) -> str:
        score = ", ".join(f"{k}={v:.4f}" for k, v in self.score.items())
        return (f"DiscoveryResult(algebra={self.algebra!r}, n_generators={self.n_generators}, "
                f"method={self.method!r}, {score})")


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
    centres = np.array([np.median(yf[cls == c]) if np.any(cls == c) else np.nan
                        for c in range(nb)])
    return cls, centres


# -- the routes ----------------------------------------------------------------------------
def _normal_noise(grads: list[np.ndarray]) -> float:
    """Noise of the mean normal: trimmed RMS sine between the models' normal spaces, / 2.

    For two independent estimates with errors of size s, their difference has size
    sqrt(2) s and their mean s / sqrt(2): half the disagreement.  The worst 10 % of
    points are trimmed (near a critical point the gradient vanishes and its
    direction is noise, which the generator fit trims as well).
    """
    def frames(G: np.ndarray) -> np.ndarray:
        return np.linalg.qr(G.transpose(0, 2, 1))[0]

    sines = []
    for i in range(len(grads)):
        for j in range(i + 1, len(grads)):
            cos = np.linalg.svd(np.einsum("nij,nik->njk", frames(grads[i]), frames(grads[j])),
                                compute_uv=False).min(axis=1)
            sines.append(np.sqrt(np.clip(1.0 - cos ** 2, 0.0, 1.0)))
    s = np.sort(np.concatenate(sines))
    s = s[:max(1, int(0.9 * s.size))]
    return float(np.sqrt(np.mean(s ** 2)) / 2.0)


def _gradient_route(X: np.ndarray, values: np.ndarray, *, sel: np.ndarray, hidden, epochs,
                    n_models: int, tol_ratio: float, seed: int, threads: int,
                    torch_threads: int | None, progress: bool, chunk: int
                    ) -> tuple[Any, list, dict]:
    from symfast.analysis import find_generators
    from symfast.nn import GradientRegressor

    models, grads = [], []
    for i in range(n_models):
        # torch picks its own thread count for small networks unless the user set one
        reg = GradientRegressor(hidden, max_epochs=epochs, seed=derive_seed(seed, "regressor", i),
                                progress=progress, n_threads=torch_threads).fit(X, values)
        models.append(reg)
        grads.append(reg.gradient(X[sel], chunk=chunk))
    G = np.mean(grads, axis=0)
    noise = _normal_noise(grads) if n_models > 1 else None
    # with one model there is no noise estimate: a fixed tolerance on the residual
    tol = tol_ratio * noise if noise is not None else 0.05
    sym = find_generators(X[sel], normals=G, normal_tol=max(tol, 1e-6), seed=seed,
                          n_threads=threads, max_points=sel.size)
    diag = {"normal_noise": noise, "normal_tol": tol, "n_models": n_models,
            "epochs": [m.n_epochs_ for m in models],
            "fit_seconds": [round(m.fit_time_, 3) for m in models],
            "val_r2": [m.val_r2_.tolist() for m in models]}
    sym.diagnostics.update(diag)
    return sym, models, diag


def _intersection(a: Any, b: Any, min_cos: float = 0.99) -> Any:
    """The fields both results accept: the span of directions common to both, as a result."""
    from symfast.analysis import SymmetryResult

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
    from symfast.analysis._generators import lift_result

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
                           config=config, feature_names=names)


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
             discrete_metric: str = "invariant") -> DiscoveryResult:
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
        for regression, embedding for class labels, and for bins "both" when
        the binned points lie in bands (a local PCA sees a tangent space),
        gradient otherwise.
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
        Regression networks trained with different seeds; their mean gradient is
        the normal, their disagreement its noise (with 1, a fixed tolerance 0.05).
    max_points : int, default=50000
        Points (a random subset of larger data) whose gradients enter the
        generator fit and the embedding analysis.  Gradients are computed in
        chunks of 16384 points, so memory does not grow with the data.
    tol_ratio : float, default=4.0
        A field is a symmetry when its residual is below ``tol_ratio`` times the
        noise of the normals.  Measured on five test functions (5000 points):
        true generators reached at most 2.0 times the noise, the smallest
        non-symmetry 6.8 times.
    discrete : bool, default=True
        Look for a finite group (class labels or bands in at most 3 dimensions;
        the finite-cloud test needs the level sets sampled, not a filled box).
    feature_names : sequence of str, optional
        Names of the columns of X (recorded in the result).
    discrete_metric : {"invariant", "euclidean"}, default="invariant"
        The ``metric`` of :func:`symfast.analysis.find_discrete_symmetries`.
        "invariant" finds a finite group in any linear frame (features in
        different units, mixed), learning its invariant quadratic form first;
        "euclidean" seeks maps orthogonal in the given coordinates only (faster:
        0.2-0.7 s against 1-2 s for 4510 points in R^2, measured).

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
    if tgt == "classes" and method in ("gradient", "both"):
        raise ValueError(f"method={method!r} needs values to regress on; class labels have "
                         "no order (use method='embedding')")
    if tgt == "regression" and method in ("embedding", "both"):
        raise ValueError(f"method={method!r} needs classes: give levels or n_bins "
                         "(target='bins') or class labels")
    from symfast.analysis._discrete import METRICS

    if discrete_metric not in METRICS:
        raise ValueError(f"discrete_metric must be one of {', '.join(map(repr, METRICS))}, "
                         f"got {discrete_metric!r}")
    seed = check_seed(seed)
    threads = check_n_threads(n_threads)
    n_models = check_int(n_models, "n_models", minimum=1, maximum=16)
    max_points = check_int(max_points, "max_points", minimum=MIN_POINTS)
    tol_ratio = check_float(tol_ratio, "tol_ratio", positive=True)
    if max_epochs is not None:
        max_epochs = check_int(max_epochs, "max_epochs", minimum=1)
    names = ([f"x{i}" for i in range(d)] if feature_names is None
             else [str(s) for s in feature_names])
    if len(names) != d:
        raise ValueError(f"feature_names must name the {d} columns of X, got {len(names)}")
    from symfast.analysis._span import affine_span

    span = affine_span(Xa)
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
                         discrete=discrete, discrete_metric=discrete_metric)
        return _lift_discovery(inner, span, names, time.perf_counter() - t0)
    rng = np.random.default_rng(seed)
    sel = np.sort(rng.choice(n, max_points, replace=False)) if n > max_points else np.arange(n)
    steps_per_epoch = max(1, int(np.ceil(0.8 * n / 256)))
    epochs = max_epochs or int(np.clip(np.ceil(8000 / steps_per_epoch), 20, 300))
    config = {"target": target,
              "levels": None if levels is None else list(map(float, levels)),
              "width": width, "n_bins": n_bins, "method": method, "seed": seed,
              "hidden": list(hidden), "max_epochs": max_epochs, "n_models": n_models,
              "max_points": max_points, "tol_ratio": tol_ratio, "discrete": discrete,
              "discrete_metric": discrete_metric, "n_samples": n, "n_features": d}
    timings: dict[str, float] = {}
    routes: dict[str, Any] = {}
    score: dict[str, float] = {}
    diag: dict[str, Any] = {"n_points_used": int(sel.size), "epochs": epochs}
    embedding, classes, classes_used = None, None, None

    # classes for the classifier and the embedding analysis
    if tgt == "classes":
        classes = ya.reshape(n)
    elif tgt == "bins":
        classes, centres = _bin(ya, levels, width, n_bins)
        diag["bin_values"] = centres.tolist()
        inside = classes >= 0
        if np.unique(classes[inside]).size < 2:
            raise ValueError("fewer than 2 bands hold points: widen width or move levels")
        diag["points_in_bands"] = int(inside.sum())

    # the gradient route
    if tgt in ("regression", "bins") and method != "embedding":
        t = time.perf_counter()
        _say(progress, f"regressing y on X ({n_models} networks, {epochs} epochs each)")
        sym, models, gdiag = _gradient_route(
            Xa, ya.astype(np.float64), sel=sel, hidden=tuple(hidden), epochs=epochs,
            n_models=n_models, tol_ratio=tol_ratio, seed=seed, threads=threads,
            torch_threads=n_threads, progress=progress, chunk=16384)
        routes["gradient"] = sym
        score["r2"] = float(np.min(models[0].val_r2_))
        diag["gradient"] = gdiag
        timings["gradient"] = time.perf_counter() - t
        if tgt == "regression":
            # the embedding is read against quantile bins of y (of its first column)
            embedding = models[0].embed(Xa[sel])
            classes_used, _ = _bin(ya[sel] if ya.ndim == 1 else ya[sel, 0], None, None, 10)

    # the classifier and the embedding route
    if tgt in ("bins", "classes"):
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
            from symfast.analysis import find_generators, orbit_group_labels

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
        from symfast.analysis import find_discrete_symmetries

        t = time.perf_counter()
        _say(progress, "discrete symmetries")
        keep = classes >= 0
        disc = find_discrete_symmetries(Xa[keep], classes[keep], seed=seed,
                                        continuous=sym, n_threads=threads,
                                        metric=discrete_metric)
        timings["discrete"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return DiscoveryResult(continuous=sym, routes=routes, target=tgt, method=used, score=score,
                           neighbor_purity=purity, orbit_groups=groups_count, discrete=disc,
                           discrete_reason=why, diagnostics=diag, timings=timings,
                           config=config, feature_names=names)


def _in_bands(X: np.ndarray, classes: np.ndarray, threads: int) -> bool:
    """Whether the largest class shows a tangent space (lies in a band, not a region)."""
    from symfast.analysis import intrinsic_dimension

    ids, counts = np.unique(classes, return_counts=True)
    pts = X[classes == ids[np.argmax(counts)]]
    k = max(2 * X.shape[1], 12)
    if pts.shape[0] < 3 * k:
        return False
    if pts.shape[0] > 5000:
        pts = pts[np.random.default_rng(0).choice(pts.shape[0], 5000, replace=False)]
    return intrinsic_dimension(pts - pts.mean(axis=0), k, threads) < X.shape[1]


# -- reading a table -----------------------------------------------------------------------
def read_table(path: str | Path, target: str, features: Sequence[str] | None = None
               ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Read (X, y) from ``.npz`` (arrays ``X`` and ``y``) or ``.csv`` (a header row).

    Parameters
    ----------
    path : str or Path
    target : str
        The target: for ``.csv``, a column name (several, comma-separated, for
        several outputs); for ``.npz``, the array holding y (usually "y"), or
        ``y:J`` for column J of a 2-D y.
    features : sequence of str, optional
        ``.csv``: the feature columns (default every column but the target);
        ``.npz``: indices of the columns of X to use.

    Returns
    -------
    X : ndarray of shape (n, d), y : ndarray of shape (n,) or (n, m), names : list of str

    Raises
    ------
    FileNotFoundError, ValueError
        Naming the file, and the column or row at fault (missing columns, text
        or missing values, NaN).
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"data file {str(p)!r} does not exist")
    if p.suffix == ".npz":
        return _read_npz(p, target, features)
    if p.suffix == ".csv":
        return _read_csv(p, target, features)
    raise ValueError(f"data file {str(p)!r}: expected a .npz or .csv file, got "
                     f"{p.suffix or 'no suffix'!r}")


def _read_npz(p: Path, target: str, features: Sequence[str] | None):
    with np.load(p, allow_pickle=False) as z:
        arrays = dict(z)
    if "X" not in arrays:
        raise ValueError(f"{p}: holds no array 'X' (arrays: {', '.join(arrays) or 'none'})")
    name, _, col = target.partition(":")
    if name not in arrays:
        raise ValueError(f"{p}: holds no target array {name!r} (arrays: "
                         f"{', '.join(arrays)})")
    X = np.asarray(arrays["X"])
    y = np.asarray(arrays[name])
    if X.ndim != 2:
        raise ValueError(f"{p}: X must be 2-dimensional, got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{p}: X holds no rows (shape {X.shape})")
    if y.shape[:1] != X.shape[:1]:
        raise ValueError(f"{p}: {name!r} has {y.shape[0] if y.ndim else 0} rows, X "
                         f"{X.shape[0]}")
    if col:
        if y.ndim != 2 or not col.isdigit() or int(col) >= y.shape[1]:
            raise ValueError(f"{p}: target {target!r} names column {col} of {name!r}, "
                             f"which has shape {y.shape}")
        y = y[:, int(col)]
    names = [f"x{i}" for i in range(X.shape[1])]
    if features:
        try:
            idx = [int(f) for f in features]
        except ValueError:
            raise ValueError(f"{p}: features of a .npz file are column indices of X, got "
                             f"{list(features)}") from None
        bad = [i for i in idx if not 0 <= i < X.shape[1]]
        if bad:
            raise ValueError(f"{p}: X has {X.shape[1]} columns; no column {bad[0]}")
        X, names = X[:, idx], [names[i] for i in idx]
    _check_finite_rows(p, X, y)
    return X, y, names


def _read_csv(p: Path, target: str, features: Sequence[str] | None):
    import csv

    with open(p, newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ValueError(f"{p}: the file is empty") from None
        rows, lines = [], []
        for row in reader:
            rows.append(row)
            lines.append(reader.line_num)      # the file line this row ended on
    targets = [t.strip() for t in target.split(",")]
    missing = [c for c in targets + list(features or []) if c not in header]
    if missing:
        raise ValueError(f"{p}: no column {missing[0]!r} (columns: {', '.join(header)})")
    feats = list(features) if features else [h for h in header if h not in targets]
    if not feats:
        raise ValueError(f"{p}: no feature column left besides the target")
    if not rows:
        raise ValueError(f"{p}: no data rows after the header")
    data = np.empty((len(rows), len(header)))
    for r, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f"{p}: {_row_name(r, lines)} has {len(row)} fields, the header "
                             f"{len(header)}")
        for c, v in enumerate(row):
            try:
                data[r, c] = float(v)
            except ValueError:
                raise ValueError(f"{p}: {_row_name(r, lines)}, column {header[c]!r}: {v!r} "
                                 "is not a number") from None
    col = {h: i for i, h in enumerate(header)}
    X = data[:, [col[f] for f in feats]]
    y = data[:, [col[t] for t in targets]]
    y = y[:, 0] if len(targets) == 1 else y
    _check_finite_rows(p, X, y, feats, targets, lines)
    return X, y, feats


def _row_name(r: int, lines: Sequence[int] | None) -> str:
    """How every message names a row: ``data row N`` counts data rows from 1, the
    header excluded; a ``.csv`` adds the line of the file."""
    return f"data row {r + 1}" + (f" (line {lines[r]} of the file)" if lines else "")


def _check_finite_rows(p: Path, X: np.ndarray, y: np.ndarray, feats=None, targets=None,
                       lines: Sequence[int] | None = None) -> None:
    """Refuse NaN, inf and overflowing values, counting them and naming the first."""
    from symfast._validation import MAX_ABS

    for arr, what, names in ((X, "feature", feats), (y, "target", targets)):
        if arr.dtype.kind not in "fiub":
            raise ValueError(f"{p}: the {what} array must hold numbers, got dtype {arr.dtype}")
        a = arr.reshape(arr.shape[0], -1).astype(np.float64)
        for bad, kind in ((~np.isfinite(a), "NaN or inf"),
                          (np.abs(np.nan_to_num(a)) > MAX_ABS, f"beyond +-{MAX_ABS:.0e}")):
            if bad.any():
                r, c = map(int, np.argwhere(bad)[0])
                cname = names[c] if names else str(c)
                count = int(bad.sum())
                raise ValueError(
                    f"{p}: {count} {what} value{'s' if count > 1 else ''} {kind}; the first "
                    f"in {_row_name(r, lines)}, {what} column {cname!r}: {a[r, c]:g}"
                    + (" (NaN or inf values must be removed first)" if kind == "NaN or inf"
                       else " (values this large overflow float64 arithmetic; rescale)"))


def data_fingerprint(X: np.ndarray, y: np.ndarray) -> str:
    """SHA-256 of the data, to tell whether a saved result was made from them."""
    h = hashlib.sha256()
    for a in (X, y):
        a = np.ascontiguousarray(a)
        h.update(str((a.shape, a.dtype.str)).encode())
        h.update(a.tobytes())
    return h.hexdigest()


# -- the command line: symfast discover --data FILE ------------------------------------

#: Generator routes of ``symfast discover --data`` (the potential study's are auto, pairs,
#: tangent).
DATA_METHODS = ("gradient", "embedding", "both")


def run_cli(args: argparse.Namespace) -> int:
    """``symfast discover --data FILE --target COLUMN``: the method on the user's table."""
    if args.potential is not None:
        raise ValueError("give either --potential or --data, not both")
    if args.target is None:
        if Path(args.data).suffix != ".npz":
            raise ValueError("--data with a .csv needs --target COLUMN (the column of y)")
        args.target = "y"              # a .npz holds arrays X and y

    for opt in ("per_class", "n_planes", "normals"):
        if getattr(args, opt) is not None:
            raise ValueError(f"--{opt.replace('_', '-')} applies to --potential, not --data")
    if args.paper or getattr(args, "published", False):
        raise ValueError("--paper and --published are presets of the built-in potentials; "
                         "--data takes its size from the file")
    if args.method in ("pairs", "tangent"):
        raise ValueError(f"--method {args.method} applies to --potential; --data takes "
                         f"auto, {', '.join(DATA_METHODS)}")
    feats = [f.strip() for f in args.features.split(",")] if args.features else None
    if getattr(args, "equivariant", False):
        return _run_equivariance_cli(args, feats)
    out = prepare_out(args.out or f"results/discover-{Path(args.data).stem}")
    X, y, names = read_table(args.data, args.target, feats)
    kwargs = {"target": "auto", "levels": args.levels, "width": args.width,
              "n_bins": args.n_bins, "method": args.method or "auto",
              "seed": args.seed or 0, "max_epochs": args.max_epochs,
              "discrete_metric": args.discrete_metric or "invariant"}
    if args.degree is not None and not args.use:
        raise ValueError("--degree applies to --use")
    if args.degree is not None:
        check_int(args.degree, "--degree", minimum=1, maximum=6)
    fingerprint = data_fingerprint(X, y)
    saved = out / "result.json"
    if saved.is_file() and not args.force:
        old = json.loads(saved.read_text())
        use = old.get("invariant_model")
        if (old.get("data", {}).get("sha256") == fingerprint
                and bool(use) == bool(args.use)
                and (not use or use.get("degree", 2) == (args.degree or 2))
                and all(old.get("config", {}).get(k) == (list(map(float, v)) if k == "levels"
                                                          and v is not None else v)
                        for k, v in kwargs.items())):
            print(f"{saved} already holds this data and configuration; not rerun "
                  "(--force reruns)", file=sys.stderr)
            print(summary_data(old, out))
            return 0
    res = discover(X, y, feature_names=names, progress=not args.no_progress,
                   n_threads=args.threads, **kwargs)
    res.source = {"file": str(args.data), "target": args.target, "sha256": fingerprint}
    if args.use:
        res.invariant_model = fit_invariant_model(res, X, y, degree=args.degree or 2,
                                                  seed=args.seed or 0)
    res.save(out)
    print(summary_data(res.to_dict(), out))
    return 0


def _run_equivariance_cli(args: argparse.Namespace, feats: list[str] | None) -> int:
    """``symfast discover --data F --target-columns ... --equivariant``."""
    from symfast.symmetry import discover_equivariance

    for opt in ("levels", "width", "n_bins", "discrete_metric", "degree"):
        if getattr(args, opt) is not None:
            raise ValueError(f"--{opt.replace('_', '-')} does not apply to --equivariant")
    if args.use:
        raise ValueError("--use does not apply to --equivariant (the invariant models are "
                         "for invariance)")
    if args.method not in (None, "auto", "gradient"):
        raise ValueError(f"--equivariant uses the gradient route, got --method {args.method}")
    out = prepare_out(args.out or f"results/equivariance-{Path(args.data).stem}")
    X, Y, names = read_table(args.data, args.target, feats)
    res = discover_equivariance(X, Y, seed=args.seed or 0, max_epochs=args.max_epochs,
                                n_threads=args.threads, progress=not args.no_progress)
    data = dict(res.to_dict(), experiment="equivariance", feature_names=names,
                data={"file": str(args.data), "target": args.target,
                      "sha256": data_fingerprint(X, Y)})
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "result.json", data)
    print(f"{args.data} ({X.shape[0]} pairs, {X.shape[1]} inputs -> "
          f"{Y.reshape(Y.shape[0], -1).shape[1]} outputs): held-out r2 {res.score['r2']:.4f}\n"
          f"equivariance algebra {res.algebra} with {res.n_generators} generator(s), "
          f"{'the same action on both sides' if res.same_action else 'pairs (A, B)'}; "
          f"noise floor {res.noise_level:.3g}; {res.unconstrained} fields off the data's span "
          f"unconstrained" + (f"\nno generator: {res.reason}" if res.reason else "") +
          f"\ntime {res.timings['total']:.1f} s; results in {out}/")
    return 0


def fit_invariant_model(res: DiscoveryResult, X: np.ndarray, y: np.ndarray, *,
                        degree: int = 2, seed: int = 0, test_size: float = 0.2
                        ) -> dict[str, Any]:
    """Use what was found: a model on the symmetry's invariants, beside the same network on
    the raw features, both trained on one split of (X, y) and scored on the rest.

    Values are scored by held-out R^2, classes by held-out accuracy.

    Returns
    -------
    dict
        ``model``, ``degree``, ``n_invariants``, ``metric``, ``invariant`` and
        ``unconstrained`` (the held-out scores), ``n_train``, ``n_test``; or ``skipped``
        with the reason when no symmetry was found.
    """
    from sklearn.model_selection import train_test_split

    from symfast.nn import InvariantClassifier, InvariantRegressor

    sym = res.symmetry
    if sym.n_generators == 0 and sym.discrete_generators.shape[0] == 0:
        return {"skipped": f"no symmetry to build on (algebra {sym.name})"}
    if sym.discrete_generators.shape[0] and sym.elements is None:
        return {"skipped": "the finite part was not enumerated"}
    classes = res.target == "classes"
    est = InvariantClassifier if classes else InvariantRegressor
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_size, random_state=seed)
    inv = est(sym, degree, random_state=seed).fit(Xtr, ytr)
    raw = est(None, degree, unconstrained=True, random_state=seed).fit(Xtr, ytr)
    return {"model": est.__name__, "degree": int(degree),
            "n_invariants": inv.invariants_.n_invariants,
            "metric": "accuracy" if classes else "r2",
            "invariant": float(inv.score(Xte, yte)),
            "unconstrained": float(raw.score(Xte, yte)),
            "n_train": int(Xtr.shape[0]), "n_test": int(Xte.shape[0])}


def summary_data(data: dict, out: Path) -> str:
    """The text ``symfast discover --data`` prints."""
    score = ", ".join(f"held-out {k} {data[k]:.4f}" for k in ("r2", "accuracy") if k in data)
    lines = [f"{data['data']['file']} ({data['config']['n_samples']} points, "
             f"{data['config']['n_features']} features), target {data['data']['target']} "
             f"({data['target']}): {score}",
             f"discovered algebra {data['algebra']} with {data['n_generators']} generator(s) "
             f"({data['method']} route); maximal compact part {data['compact_part']}; also "
             f"known as {', '.join(data['isomorphic']) or '-'}"]
    if data["reason"]:
        lines.append(f"no generator: {data['reason']}")
    if data.get("neighbor_purity") is not None:
        lines.append(f"neighbour purity in the embedding {data['neighbor_purity']:.4f}")
    disc = data["discrete_group"]
    lines.append(f"discrete group {disc['name']} (order {disc['order']})" if disc["name"]
                 else f"discrete group {disc['reason']}")
    use = data.get("invariant_model")
    if use and "skipped" in use:
        lines.append(f"invariant model: skipped, {use['skipped']}")
    elif use:
        lines.append(f"invariant model ({use['n_invariants']} invariants up to degree "
                     f"{use['degree']}): held-out {use['metric']} {use['invariant']:.4f}; the "
                     f"same network on the raw features {use['unconstrained']:.4f}")
    lines.append(f"time {data['timings']['total']:.1f} s; results in {out}/")
    return "\n".join(lines)

"""Level-set sampling: points uniform in thin bands |V - level| <= width.

The paper's procedure is rejection sampling: points uniform in the region, kept
when V lies in the band.  That is the distribution drawn here by default
(``method="uniform"``), but ray by ray, because windows as thin as the paper's
(1e-3) make plain rejection slow.  In polar coordinates the uniform density is
s^(d-1) ds du; on each random direction u the band is a union of intervals of s
(isolated exactly from the crossings of level - width and level + width), whose
volume-weighted length m(u) = sum (hi^d - lo^d) is the density of u among the
band's points.  A direction is kept with probability m(u) / M (M bounds m, from
a pilot of 8192 rays per level, times 1.5; a proposal above M would bias the
draw, so any such proposal makes the level be redrawn with a larger M), and s^d
is then drawn uniformly over the intervals.  Polynomial potentials (all the
built-in single-output ones) go through the compiled kernel, and so do Python
functions compiled by :func:`symfast.potentials.from_function` (their band
intervals bracketed on a grid along each ray, then refined); any other
vectorised callable goes through plain rejection in NumPy batches (exact, slower).

``method="rays"`` keeps the earlier ray sampler: a direction u and a target value
v uniform in the window, one crossing of V(s u) = v picked uniformly.  Its
points are not uniform in the band: their density carries the factor
|dV/ds| / (s^(d-1) k) of the ray (k crossings), so it over-samples where rays
meet the level set steeply and near the origin (measured on ``generic`` at width
1e-2: radii differ from rejection sampling with KS p ~ 2e-9).

A potential with m > 1 real outputs (a tuple of polynomials, a callable that
returns shape (n, m), or complex values read as real and imaginary part) has
joint level sets of codimension m, which a ray does not cross; there each point
is a Gauss-Newton projection, x <- x - J^T (J J^T)^-1 (V(x) - t), of a point
drawn uniformly in the ball onto a target t drawn uniformly in the class's
window (a box, one interval per output), kept when it ends inside the ball and
the window.  A class is one joint bin: one level per output (``_joint``).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence, Union

import numpy as np

from symfast._seeds import derive_seed
from symfast._validation import (check_array, check_float, check_int,
                                 check_n_threads, check_seed)
from symfast.potentials._compiled import CompiledFunction
from symfast.potentials._joint import _directions, _sample_multi, count_outputs
from symfast.potentials._polynomial import Polynomial
from symfast.potentials._registry import Potential, get

PotentialLike = Union[str, Potential, Polynomial, Callable[[np.ndarray], np.ndarray]]

#: Random rays used to find the range of values a potential takes.
_N_PROBE_RAYS = 4096
#: Grid points per ray that bracket the roots of a non-polynomial callable.
_CALLABLE_GRID = 256


def _resolve(potential: PotentialLike, dim: int | None,
             radius: float | None) -> tuple[str, Polynomial | None, Callable, int, float]:
    """Return (label, polynomial or None, callable, dim, radius) after validation."""
    if isinstance(potential, str):
        potential = get(potential)
    if isinstance(potential, Potential) and (potential.polynomial is None
                                             or potential.n_outputs > 1):
        if dim is not None and check_int(dim, "dim", minimum=1) != potential.dim:
            raise ValueError(f"dim={dim} does not match potential {potential.name!r}, "
                             f"which is {potential.dim}-dimensional")
        r = potential.radius if radius is None else check_float(radius, "radius", positive=True)
        return potential.name, None, potential, potential.dim, r
    if isinstance(potential, Potential):
        if dim is not None and check_int(dim, "dim", minimum=1) != potential.dim:
            raise ValueError(f"dim={dim} does not match potential {potential.name!r}, "
                             f"which is {potential.dim}-dimensional")
        r = potential.radius if radius is None else check_float(radius, "radius", positive=True)
        return potential.name, potential.polynomial, potential, potential.dim, r
    if isinstance(potential, Polynomial):
        if dim is not None and check_int(dim, "dim", minimum=1) != potential.dim:
            raise ValueError(f"dim={dim} does not match the polynomial, which has "
                             f"{potential.dim} variables")
        if radius is None:
            raise TypeError("radius is required when potential is a Polynomial")
        return ("polynomial", potential, potential, potential.dim,
                check_float(radius, "radius", positive=True))
    if callable(potential):
        if dim is None:
            raise TypeError("dim is required when potential is a callable")
        if radius is None:
            raise TypeError("radius is required when potential is a callable")
        label = getattr(potential, "__name__", type(potential).__name__)
        return (label, None, potential, check_int(dim, "dim", minimum=1, maximum=10_000),
                check_float(radius, "radius", positive=True))
    raise TypeError("potential must be a registry name, a Potential, a Polynomial or a "
                    f"vectorised callable V(X), got {type(potential).__name__}")


def _evaluate_callable(V: Callable, X: np.ndarray) -> np.ndarray:
    """Call a user's V on (n, d) points and check that it returned n finite floats."""
    out = np.asarray(V(X), dtype=np.float64)
    if out.shape != (X.shape[0],):
        raise ValueError(f"potential(X) must return shape ({X.shape[0]},) for X of shape "
                         f"{X.shape}, got shape {out.shape}")
    return out


class _PolynomialKernel:
    """The compiled polynomial sampler behind the kernel interface that
    :class:`~symfast.potentials._compiled.CompiledFunction` also offers."""

    def __init__(self, poly: Polynomial):
        self.poly = poly
        self.dim = poly.dim

    def value_range(self, radius: float, seed: int, threads: int) -> tuple[float, float]:
        from symfast._ext import _levelset

        vmin = np.empty(_N_PROBE_RAYS)
        vmax = np.empty(_N_PROBE_RAYS)
        _levelset.ray_value_range(self.poly.exponents, self.poly.coefficients, radius,
                                  np.uint64(seed ^ 0x5EED), vmin, vmax, threads)
        return float(vmin.min()), float(vmax.max())

    def band_mass(self, levels: np.ndarray, width: float, radius: float, seed: int,
                  out: np.ndarray, threads: int) -> None:
        from symfast._ext import _levelset

        _levelset.ray_band_mass(self.poly.exponents, self.poly.coefficients, levels, width,
                                radius, np.uint64(seed), out, threads)

    def sample_band(self, levels: np.ndarray, bounds: np.ndarray, width: float,
                    radius: float, seed: int, max_tries: int, out: np.ndarray,
                    tries: np.ndarray, over: np.ndarray, threads: int) -> None:
        from symfast._ext import _levelset

        _levelset.sample_band(self.poly.exponents, self.poly.coefficients, levels, bounds,
                              width, radius, np.uint64(seed), max_tries, out, tries, over,
                              threads)


def _value_range_callable(V: Callable, dim: int, radius: float,
                          rng: np.random.Generator) -> tuple[float, float]:
    u = _directions(rng, 512, dim)
    s = np.linspace(0.0, radius, 64)
    vals = _evaluate_callable(V, (s[None, :, None] * u[:, None, :]).reshape(-1, dim))
    finite = vals[np.isfinite(vals)]
    if finite.size == 0:
        raise ValueError("potential returned no finite value inside the sampling radius")
    return float(finite.min()), float(finite.max())


def _sample_callable(V: Callable, dim: int, radius: float, level: float, width: float,
                     n: int, rng: np.random.Generator, max_rounds: int = 200) -> np.ndarray:
    """Points with |V - level| <= width by grid bracketing and bisection along rays."""
    s_grid = np.linspace(0.0, radius, _CALLABLE_GRID + 1)
    found: list[np.ndarray] = []
    n_found = 0
    batch = max(64, min(4 * n, 20_000_000 // (_CALLABLE_GRID * dim) or 64))
    for _ in range(max_rounds):
        u = _directions(rng, batch, dim)
        target = level + width * rng.uniform(-1.0, 1.0, size=batch)
        pts = s_grid[None, :, None] * u[:, None, :]
        f = _evaluate_callable(V, pts.reshape(-1, dim)).reshape(batch, -1) - target[:, None]
        cross = (f[:, :-1] * f[:, 1:]) < 0
        cross &= np.isfinite(f[:, :-1]) & np.isfinite(f[:, 1:])
        counts = cross.sum(axis=1)
        rows = np.flatnonzero(counts)
        if rows.size == 0:
            continue
        # One crossing per ray, chosen uniformly among the ray's crossings.
        pick = (rng.random(rows.size) * counts[rows]).astype(np.int64)
        cum = np.cumsum(cross[rows], axis=1)
        cell = np.argmax(cum > pick[:, None], axis=1)
        lo, hi = s_grid[cell].copy(), s_grid[cell + 1].copy()
        flo = f[rows, cell]
        ur, tr = u[rows], target[rows]
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            fm = _evaluate_callable(V, mid[:, None] * ur) - tr
            same = np.sign(fm) == np.sign(flo)
            lo = np.where(same, mid, lo)
            flo = np.where(same, fm, flo)
            hi = np.where(same, hi, mid)
        x = (0.5 * (lo + hi))[:, None] * ur
        ok = np.abs(_evaluate_callable(V, x) - level) <= width
        found.append(x[ok])
        n_found += int(ok.sum())
        if n_found >= n:
            break
    if n_found < n:
        raise ValueError(f"could only sample {n_found} of {n} points for level {level} "
                         f"(width {width}) in {max_rounds} rounds of {batch} rays: the level "
                         "set is nearly out of reach; widen the window or the radius")
    return np.concatenate(found)[:n]


#: Samplers of one-output potentials (module documentation).
METHODS = ("uniform", "rays")
#: Pilot rays per level that bound the acceptance of the uniform sampler.
_N_PILOT_RAYS = 8192


def _sample_uniform_compiled(kernel: Any, label: str, lv: np.ndarray, y: np.ndarray,
                             width: float, radius: float, seed: int, max_tries: int,
                             threads: int) -> np.ndarray:
    """A compiled uniform-in-band sampler, with its acceptance bounds checked."""
    d = kernel.dim
    bounds = np.empty(lv.size)
    for k, level in enumerate(lv):
        mass = np.empty(_N_PILOT_RAYS)
        kernel.band_mass(np.full(_N_PILOT_RAYS, float(level)), width, radius,
                         (seed ^ 0xB0B0) + k, mass, threads)
        if mass.max() <= 0:
            raise ValueError(
                f"levels[{k}]={level:g}: none of {_N_PILOT_RAYS} rays meets the window "
                f"|V - level| <= {width:g} of potential {label!r} within radius {radius:g} "
                "(widen width)")
        bounds[k] = 1.5 * mass.max()
    X = np.empty((y.size, d))
    tries = np.empty(y.size, dtype=np.int64)
    over = np.empty(y.size, dtype=np.int64)
    todo = np.ones(lv.size, dtype=bool)
    for attempt in range(4):
        rows = np.flatnonzero(todo[y])
        Xr = np.empty((rows.size, d))
        tr = np.empty(rows.size, dtype=np.int64)
        ov = np.empty(rows.size, dtype=np.int64)
        # a redrawn level takes fresh streams (another seed per attempt)
        kernel.sample_band(np.ascontiguousarray(lv[y[rows]]),
                           np.ascontiguousarray(bounds[y[rows]]), width, radius,
                           derive_seed(seed, "band", attempt), max_tries, Xr, tr, ov, threads)
        X[rows], tries[rows], over[rows] = Xr, tr, ov
        bad = np.zeros(lv.size, dtype=bool)
        bad[np.unique(y[rows][ov > 0])] = True
        if not bad.any():
            break
        bounds[bad] *= 4.0                      # a proposal beat the bound: redraw the level
        todo = bad
    else:
        k = int(np.argmax(todo))
        raise ArithmeticError(f"levels[{k}]={lv[k]:g}: the acceptance bound kept failing; "
                              "use method='rays' or a wider window")
    _check_tries(tries, y, lv, "no accepted ray", max_tries, label, radius)
    return X


def _check_tries(tries: np.ndarray, y: np.ndarray, lv: np.ndarray, what: str,
                 max_tries: int, label: str, radius: float) -> None:
    """Name the first level whose points (``tries < 0``) found ``what`` in max_tries rays."""
    failed = tries < 0
    if failed.any():
        k = int(y[np.argmax(failed)])
        raise ValueError(
            f"levels[{k}]={lv[k]:g}: {int(failed[y == k].sum())} of {int((y == k).sum())} "
            f"points found {what} in {max_tries} rays; the window is nearly out of reach "
            f"of potential {label!r} within radius {radius:g} (widen width or raise "
            "max_tries)")


def _sample_callable_uniform(V: Callable, label: str, dim: int, radius: float,
                             lv: np.ndarray, width: float, per_class: int,
                             rng: np.random.Generator, max_tries: int) -> np.ndarray:
    """Rejection sampling in NumPy batches: uniform in the ball, kept in a band."""
    found: list[list[np.ndarray]] = [[] for _ in lv]
    have = np.zeros(lv.size, dtype=np.int64)
    drawn = 0
    batch = max(4096, min(1 << 18, 20_000_000 // max(dim, 1)))
    limit = max_tries * per_class * lv.size
    while have.min() < per_class:
        if drawn >= limit:
            k = int(np.argmin(have))
            raise ValueError(
                f"levels[{k}]={lv[k]:g}: only {int(have[k])} of {per_class} points in "
                f"{drawn} uniform draws; the window |V - level| <= {width:g} of potential "
                f"{label!r} is nearly out of reach within radius {radius:g} (widen width or "
                "use method='rays')")
        X = _directions(rng, batch, dim) * (radius * rng.random(batch) ** (1.0 / dim))[:, None]
        drawn += batch
        v = _evaluate_callable(V, X)
        for k, level in enumerate(lv):
            if have[k] >= per_class:
                continue
            keep = X[np.abs(v - level) <= width]
            found[k].append(keep)
            have[k] += keep.shape[0]
    return np.concatenate([np.concatenate(f)[:per_class] for f in found])


def sample_level_sets(potential: PotentialLike, levels: Sequence[float] | np.ndarray, *,
                      width: float | Sequence[float] = 1e-3, per_class: int = 1000,
                      dim: int | None = None,
                      radius: float | None = None, seed: int = 0,
                      n_threads: int | None = None,
                      max_tries: int = 100_000,
                      method: str = "uniform") -> tuple[np.ndarray, np.ndarray]:
    """Sample points on thin level sets of a potential.

    Parameters
    ----------
    potential : str, Potential, Polynomial or callable
        A registry name (see :func:`symfast.potentials.names`), a
        :class:`Potential`, a :class:`Polynomial`, or any vectorised callable
        mapping an array of shape (n, dim) to shape (n,).  Polynomials and
        functions compiled by :func:`from_function` take the compiled path;
        other callables a NumPy one.  A potential with m > 1
        real outputs (several polynomials, a callable returning (n, m), or
        complex values, read as real and imaginary part) is sampled on joint
        level sets by Gauss-Newton projection (module documentation).
    levels : sequence of float, shape (n_levels,); or m such sequences
        The levels; class k is the window [levels[k] - width, levels[k] + width].
        For m outputs, one sequence of levels per output: a class is a joint bin
        (one level of each output), and there are prod(len(levels[j])) classes,
        in C order of the per-output indices.
    width : float or sequence of m floats, default=1e-3
        Half-width of each window (the paper's 1e-3); per output for m outputs.
    per_class : int, default=1000
        Points drawn for each level (each joint bin).
    dim : int, optional
        Input dimension; required for a callable.
    radius : float, optional
        Points are sought in the ball of this radius around the origin;
        required for a callable, defaults to the potential's own radius.
    seed : int, default=0
        Seed; the same seed gives the same points whatever ``n_threads``.
    n_threads : int, optional
        Threads of the compiled kernel (default: all available).
    max_tries : int, default=100000
        Rays tried per point before a level is declared out of reach.
    method : {"uniform", "rays"}, default="uniform"
        "uniform": points uniform in the band ``|V - level| <= width`` inside the
        ball, the distribution of rejection sampling (the paper's procedure).
        "rays": the earlier ray sampler, whose density follows the rays (module
        documentation).  Potentials with several outputs are always sampled by
        Gauss-Newton projection, which is not uniform in the joint band.

    Returns
    -------
    X : ndarray of shape (n_levels * per_class, dim), float64
        The points, grouped by class; every row satisfies
        ``|V(x) - levels[y]| <= width``.
    y : ndarray of shape (n_levels * per_class,), int64
        The class (index into ``levels``) of each point; for m outputs, shape
        (n_classes * per_class, m), the index into ``levels[j]`` of each output.

    Raises
    ------
    ValueError
        On an unknown potential, a non-positive width, or a level that the
        potential does not reach inside ``radius``.
    TypeError
        When a callable is given without ``dim`` or ``radius``.

    Examples
    --------
    >>> from symfast.potentials import sample_level_sets, PAPER_LEVELS
    >>> X, y = sample_level_sets("higgs", PAPER_LEVELS, per_class=100)
    >>> X.shape, y.shape
    ((1100, 2), (1100,))
    """
    label, poly, V, d, r = _resolve(potential, dim, radius)
    per_class = check_int(per_class, "per_class", minimum=1)
    seed = check_seed(seed)
    threads = check_n_threads(n_threads)
    max_tries = check_int(max_tries, "max_tries", minimum=1)
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    m = 1 if poly is not None else count_outputs(V, d, r)
    if m > 1:
        return _sample_multi(V, label, m, d, r, levels, width, per_class, seed)
    if np.ndim(width) != 0:
        raise ValueError(f"width must be one positive float for a potential with one output, "
                         f"got shape {np.shape(width)}")
    try:
        complex_levels = np.iscomplexobj(np.asarray(levels))
    except (ValueError, TypeError):
        complex_levels = False
    if complex_levels:
        raise ValueError("levels must be real; a complex potential has two real outputs, "
                         "so give one level sequence for the real and one for the imaginary "
                         "part")
    lv = check_array(levels, "levels", ndim=1, min_rows=1)
    width = check_float(width, "width", positive=True)

    # the compiled sampler: the polynomial kernel, or a user function compiled by
    # from_function (its CompiledFunction); any other callable takes the NumPy path
    kernel: Any = None
    if poly is not None:
        from symfast._ext import _levelset

        if poly.degree <= _levelset.MAX_POLY_DEGREE and d <= _levelset.MAX_POLY_DIM:
            kernel = _PolynomialKernel(poly)      # else beyond its fixed-size buffers
    elif isinstance(V, Potential) and isinstance(V.function, CompiledFunction):
        kernel = V.function
    rng = np.random.default_rng(seed)
    if kernel is not None:
        vmin, vmax = kernel.value_range(r, seed, threads)
    else:
        vmin, vmax = _value_range_callable(V, d, r, rng)
    for k, level in enumerate(lv):
        if level + width < vmin or level - width > vmax:
            raise ValueError(
                f"levels[{k}]={level:g} is not reached by potential {label!r} within "
                f"radius {r:g}: it takes values in about [{vmin:.6g}, {vmax:.6g}] there")

    y = np.repeat(np.arange(lv.size, dtype=np.int64), per_class)
    if method == "uniform":
        if kernel is not None:
            X = _sample_uniform_compiled(kernel, label, lv, y, width, r, seed, max_tries,
                                         threads)
        else:
            X = _sample_callable_uniform(V, label, d, r, lv, width, per_class, rng, max_tries)
    elif isinstance(kernel, _PolynomialKernel):
        from symfast._ext import _levelset

        X = np.empty((y.size, d))
        tries = np.empty(y.size, dtype=np.int64)
        _levelset.sample_rays(poly.exponents, poly.coefficients,
                              np.ascontiguousarray(lv[y]), width, r, np.uint64(seed),
                              max_tries, X, tries, threads)
        _check_tries(tries, y, lv, "no crossing", max_tries, label, r)
    else:
        X = np.concatenate([_sample_callable(V, d, r, float(level), width, per_class, rng)
                            for level in lv])
    return X, y

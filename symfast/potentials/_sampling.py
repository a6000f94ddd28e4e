"""Level-set sampling by root finding along random rays.

Windows as thin as the paper's (|V - level| <= 1e-3) make rejection sampling
hopeless, so each point is found on a random ray from the origin: draw a
direction u, a target value v inside the window, solve V(s u) = v for s in
(0, radius) and keep one of the crossings.  Polynomial potentials (all the
built-in ones) go through the compiled kernel, which isolates every root
exactly; any other vectorised callable goes through a NumPy path that brackets
roots on a grid along the ray and bisects.

The points are not uniform in arc length on the level set: their density
follows the angle of the ray.  Every connected component that rays from the
origin cross is sampled, in proportion to how many crossings it contributes.
"""

from __future__ import annotations

from typing import Callable, Sequence, Union

import numpy as np

from symfast._validation import (check_array, check_float, check_int,
                                 check_n_threads, check_seed)
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


def _value_range_polynomial(poly: Polynomial, radius: float, seed: int,
                            n_threads: int) -> tuple[float, float]:
    from symfast._ext import _levelset

    vmin = np.empty(_N_PROBE_RAYS)
    vmax = np.empty(_N_PROBE_RAYS)
    _levelset.ray_value_range(poly.exponents, poly.coefficients, radius,
                              np.uint64(seed ^ 0x5EED), vmin, vmax, n_threads)
    return float(vmin.min()), float(vmax.max())


def _value_range_callable(V: Callable, dim: int, radius: float,
                          rng: np.random.Generator) -> tuple[float, float]:
    u = _directions(rng, 512, dim)
    s = np.linspace(0.0, radius, 64)
    vals = _evaluate_callable(V, (s[None, :, None] * u[:, None, :]).reshape(-1, dim))
    finite = vals[np.isfinite(vals)]
    if finite.size == 0:
        raise ValueError("potential returned no finite value inside the sampling radius")
    return float(finite.min()), float(finite.max())


def _directions(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    u = rng.standard_normal((n, dim))
    norms = np.linalg.norm(u, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return u / norms


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


def sample_level_sets(potential: PotentialLike, levels: Sequence[float] | np.ndarray, *,
                      width: float = 1e-3, per_class: int = 1000, dim: int | None = None,
                      radius: float | None = None, seed: int = 0,
                      n_threads: int | None = None,
                      max_tries: int = 100_000) -> tuple[np.ndarray, np.ndarray]:
    """Sample points on thin level sets of a potential.

    Parameters
    ----------
    potential : str, Potential, Polynomial or callable
        A registry name (see :func:`symfast.potentials.names`), a
        :class:`Potential`, a :class:`Polynomial`, or any vectorised callable
        mapping an array of shape (n, dim) to shape (n,).  Polynomials take
        the compiled path; other callables a NumPy one.
    levels : sequence of float, shape (n_levels,)
        The levels; class k is the window [levels[k] - width, levels[k] + width].
    width : float, default=1e-3
        Half-width of each window (the paper's 1e-3).
    per_class : int, default=1000
        Points drawn for each level.
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

    Returns
    -------
    X : ndarray of shape (n_levels * per_class, dim), float64
        The points, grouped by class; every row satisfies
        ``|V(x) - levels[y]| <= width``.
    y : ndarray of shape (n_levels * per_class,), int64
        The class (index into ``levels``) of each point.

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
    lv = check_array(levels, "levels", ndim=1, min_rows=1)
    width = check_float(width, "width", positive=True)
    per_class = check_int(per_class, "per_class", minimum=1)
    seed = check_seed(seed)
    threads = check_n_threads(n_threads)
    max_tries = check_int(max_tries, "max_tries", minimum=1)

    use_kernel = poly is not None
    if use_kernel:
        from symfast._ext import _levelset

        if poly.degree > _levelset.MAX_POLY_DEGREE or d > _levelset.MAX_POLY_DIM:
            use_kernel = False  # beyond the kernel's fixed-size buffers
    rng = np.random.default_rng(seed)
    if use_kernel:
        vmin, vmax = _value_range_polynomial(poly, r, seed, threads)
    else:
        vmin, vmax = _value_range_callable(V, d, r, rng)
    for k, level in enumerate(lv):
        if level + width < vmin or level - width > vmax:
            raise ValueError(
                f"levels[{k}]={level:g} is not reached by potential {label!r} within "
                f"radius {r:g}: it takes values in about [{vmin:.6g}, {vmax:.6g}] there")

    y = np.repeat(np.arange(lv.size, dtype=np.int64), per_class)
    if use_kernel:
        X = np.empty((y.size, d))
        tries = np.empty(y.size, dtype=np.int64)
        _levelset.sample_rays(poly.exponents, poly.coefficients,
                              np.ascontiguousarray(lv[y]), width, r, np.uint64(seed),
                              max_tries, X, tries, threads)
        failed = tries < 0
        if failed.any():
            k = int(y[np.argmax(failed)])
            raise ValueError(
                f"levels[{k}]={lv[k]:g}: {int(failed[y == k].sum())} of {per_class} points "
                f"found no crossing in {max_tries} rays; the window is nearly out of reach "
                f"of potential {label!r} within radius {r:g} (widen width or raise max_tries)")
    else:
        X = np.concatenate([_sample_callable(V, d, r, float(level), width, per_class, rng)
                            for level in lv])
    return X, y

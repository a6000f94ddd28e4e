"""User potentials written as Python functions of one point, compiled with Numba.

``from_function(f, dim, radius=...)`` compiles ``f`` (x of shape (dim,) -> a float,
a complex number or a tuple of them) in Numba's nopython mode, wraps it in a C
callback ``void cb(double *x, intp d, double *out)`` and hands that pointer to the
compiled sampler (``symfast._ext._fnband``), whose OpenMP threads call it with no
Python in the loop.  The function's compilation is cached on disk by Numba (next
to its source file, or under ``NUMBA_CACHE_DIR``), so a second process skips it;
the small callback around it is compiled again in each process (tens of ms).

A function Numba cannot compile falls back, with a warning that quotes Numba's
diagnosis (the construct and its line), to a plain Python loop over the points:
the NumPy path of the sampler, about 50x slower.
"""

from __future__ import annotations

import numbers
import re
import warnings
from typing import Any, Callable

import numpy as np

from symfast._validation import check_float, check_int, check_n_threads
from symfast.potentials._registry import Potential

#: The compiled kernel's limits (fixed-size buffers per thread).
MAX_DIM = 64
MAX_GRID = 1024
#: Evaluations a ray costs beyond its grid (crossing refinement, midpoints, the check).
RAY_OVERHEAD = 24
#: Rays whose grid values bound the range of V, to name an unreachable level.
_N_RANGE_RAYS = 4096


class NumbaFallbackWarning(UserWarning):
    """A function given to :func:`from_function` runs in Python: Numba could not compile it."""


def _kind(value: Any, name: str) -> tuple[str, int]:
    """(kind, number of real outputs) of one return value of the user's function."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}(x) must return a real or complex number (or a tuple of "
                        f"them), got {value!r}")
    if isinstance(value, numbers.Real) or (isinstance(value, np.ndarray) and value.ndim == 0
                                          and np.isrealobj(value)):
        return "real", 1
    if isinstance(value, numbers.Complex) or (isinstance(value, np.ndarray)
                                             and value.ndim == 0):
        return "complex", 2
    if isinstance(value, (tuple, list, np.ndarray)) and len(value) >= 1:
        kinds = {_kind(v, name)[0] for v in value}
        if kinds == {"real"}:
            return "tuple", len(value)
        if kinds == {"complex"}:
            return "complex_tuple", 2 * len(value)
        raise TypeError(f"{name}(x) returned a tuple mixing real and complex entries; "
                        "return all real or all complex values")
    raise TypeError(f"{name}(x) must return a real or complex number (or a tuple of them), "
                    f"got {type(value).__name__}")


def _store_lines(kind: str, m: int) -> list[str]:
    """Lines of the callback that write the function's value r into out[0:m]."""
    if kind == "real":
        return ["out[0] = r"]
    if kind == "complex":
        return ["out[0] = r.real", "out[1] = r.imag"]
    if kind == "tuple":
        return [f"out[{j}] = r[{j}]" for j in range(m)]
    half = m // 2                                   # real parts first, then imaginary
    return ([f"out[{j}] = r[{j}].real" for j in range(half)]
            + [f"out[{half + j}] = r[{j}].imag" for j in range(half)])


def _numba_reason(exc: BaseException) -> str:
    """Numba's diagnosis, shortened to the construct and the source lines it names."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    keep = []
    for line in text.splitlines():
        if line.startswith("During:") or "pipeline (step:" in line:
            continue
        if line.strip():
            keep.append(line.rstrip())
        if len(keep) >= 8:
            break
    return "\n".join(keep) or type(exc).__name__


def _python_outputs(f: Callable, m: int) -> Callable[[np.ndarray], np.ndarray]:
    """A vectorised V(X) that calls ``f`` row by row in Python (the fallback); its values
    read as real outputs as for any callable (``real_outputs``)."""
    from symfast.potentials._joint import real_outputs

    def evaluate(X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.shape[0] == 0:
            return np.empty((0,) if m == 1 else (0, m))
        v = real_outputs(np.asarray([f(x) for x in X]), X.shape[0])
        return v[:, 0] if m == 1 else v

    return evaluate


class CompiledFunction:
    """A user's function of one point, compiled to a C callback for the kernels.

    Call it on points of shape (n, dim) for V of shape (n,) (one output) or (n, m).

    Attributes
    ----------
    address : int
        The callback ``void cb(double *x, intp d, double *out)``.
    dim, outputs, grid : int
        Input dimension, real outputs m, ray grid cells of the sampler.
    cache_hit : bool
        Whether Numba read the function's machine code from its disk cache.
    cached : bool
        Whether Numba could cache it at all (not for functions without a source file).
    """

    def __init__(self, function: Callable, dim: int, kind: str, outputs: int, grid: int):
        import numba
        from numba import carray, types

        self.python_function = function
        self.dim, self.kind, self.outputs, self.grid = dim, kind, outputs, grid
        try:
            jitted = numba.njit(cache=True)(function)
            self.cached = True
        except RuntimeError:              # no source file to key a cache on (exec, REPL)
            jitted = numba.njit(function)
            self.cached = False
        jitted.compile((types.Array(types.float64, 1, "C"),))
        self.cache_hit = bool(sum(jitted.stats.cache_hits.values()))
        body = "\n    ".join(["x = carray(xp, (d,))", "r = fj(x)", *_store_lines(kind, outputs)])
        namespace: dict[str, Any] = {"fj": jitted, "carray": carray}
        exec(f"def callback(xp, d, out):\n    {body}\n", namespace)   # noqa: S102 - our code
        sig = types.void(types.CPointer(types.float64), types.intp,
                         types.CPointer(types.float64))
        self._callback = numba.cfunc(sig)(namespace["callback"])
        self._jitted = jitted
        self.address = int(self._callback.address)

    def __reduce__(self):
        # the callback is process-local; a copy compiles again (from Numba's cache)
        return (CompiledFunction, (self.python_function, self.dim, self.kind, self.outputs,
                                   self.grid))

    def __call__(self, X: np.ndarray, n_threads: int | None = None) -> np.ndarray:
        from symfast._ext import _fnband

        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise ValueError(f"X must have shape (n, {self.dim}), got {X.shape}")
        out = np.empty((X.shape[0], self.outputs))
        if X.shape[0]:
            _fnband.evaluate(self.address, X, out, check_n_threads(n_threads))
        return out[:, 0] if self.outputs == 1 else out

    # -- the sampler's kernel interface (see symfast.potentials._sampling) -------------
    def value_range(self, radius: float, seed: int, threads: int) -> tuple[float, float]:
        from symfast._ext import _fnband

        lo, hi = np.empty(_N_RANGE_RAYS), np.empty(_N_RANGE_RAYS)
        _fnband.ray_value_range(self.address, self.dim, radius, self.grid,
                                np.uint64(seed ^ 0x5EED), lo, hi, threads)
        finite = np.isfinite(lo) & np.isfinite(hi)
        if not finite.any():
            raise ValueError("potential returned no finite value inside the sampling radius")
        return float(lo[finite].min()), float(hi[finite].max())

    def band_mass(self, levels: np.ndarray, width: float, radius: float, seed: int,
                  out: np.ndarray, threads: int) -> None:
        from symfast._ext import _fnband

        _fnband.ray_band_mass(self.address, self.dim, levels, width, radius, self.grid,
                              np.uint64(seed), out, threads)

    def sample_band(self, levels: np.ndarray, bounds: np.ndarray, width: float,
                    radius: float, seed: int, max_tries: int, out: np.ndarray,
                    tries: np.ndarray, over: np.ndarray, threads: int) -> None:
        """Points uniform in the band: ray by ray, or by plain rejection where cheaper.

        A ray costs about ``grid + RAY_OVERHEAD`` evaluations and is kept with
        probability m(u) / bound; a rejection candidate costs one evaluation and is
        kept with probability m(u) / radius^d.  Where a level's bound exceeds
        radius^d / (grid + RAY_OVERHEAD), a level set so uneven that a few rays hold
        most of it, rejection is the cheaper route to the same distribution.
        """
        from symfast._ext import _fnband

        reject = bounds * (self.grid + RAY_OVERHEAD) > radius ** self.dim
        over[:] = 0
        if reject.any():
            rows = np.flatnonzero(reject)
            Xr = np.empty((rows.size, self.dim))
            tr = np.empty(rows.size, dtype=np.int64)
            # the same budget of evaluations as max_tries rays
            _fnband.sample_reject(self.address, self.dim, np.ascontiguousarray(levels[rows]),
                                  width, radius, np.uint64(seed ^ 0x4E7EC7),
                                  max_tries * (self.grid + RAY_OVERHEAD), Xr, tr, threads)
            out[rows], tries[rows] = Xr, tr
        if not reject.all():
            rows = np.flatnonzero(~reject)
            Xr = np.empty((rows.size, self.dim))
            tr = np.empty(rows.size, dtype=np.int64)
            ov = np.empty(rows.size, dtype=np.int64)
            _fnband.sample_band(self.address, self.dim, np.ascontiguousarray(levels[rows]),
                                np.ascontiguousarray(bounds[rows]), width, radius, self.grid,
                                np.uint64(seed), max_tries, Xr, tr, ov, threads)
            out[rows], tries[rows], over[rows] = Xr, tr, ov


def from_function(f: Callable[[np.ndarray], Any], dim: int, *, radius: float,
                  outputs: int = 1, name: str | None = None, grid: int = 64,
                  fallback: bool = True) -> Potential:
    """A potential from a plain Python function of one point, compiled with Numba.

    Parameters
    ----------
    f : callable
        ``f(x)`` for one point ``x`` of shape (dim,), float64, returning a float
        (one output), a complex number (two real outputs: real and imaginary
        part) or a tuple of m floats (m outputs; a tuple of complex numbers gives
        their real parts, then their imaginary parts).  NumPy functions
        (``np.cos``, ``np.exp``, ...) and loops are fine: it is compiled by
        Numba in nopython mode.
    dim : int
        Input dimension d (at most 64 on the compiled path).
    radius : float
        Level sets are sampled in the ball of this radius.
    outputs : int, default=1
        Real outputs m that ``f`` gives; checked against a call of ``f``.
    name : str, optional
        Label in messages and results (default: the function's name).
    grid : int, default=64
        Cells of the grid on which the sampler brackets the level set along each
        ray (2 to 1024).  A level set that enters and leaves the band between two
        grid points of a ray is missed there: raise ``grid`` for a potential that
        oscillates faster than radius / grid along a ray.
    fallback : bool, default=True
        When Numba cannot compile ``f``: warn (:class:`NumbaFallbackWarning`,
        quoting Numba's diagnosis) and evaluate ``f`` in Python, row by row.
        With False, raise ``ValueError`` instead.

    Returns
    -------
    Potential
        With ``function`` a :class:`CompiledFunction` (or the Python fallback),
        no known generators (``group="unknown"``), and ``n_outputs`` = m.
        :func:`sample_level_sets` samples it with the compiled kernel.

    Raises
    ------
    ValueError
        On a bad argument, an ``outputs`` that disagrees with what ``f`` returns,
        or (with ``fallback=False``) a function Numba cannot compile.
    TypeError
        When ``f`` is not callable or returns something other than numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from symfast.potentials import from_function, sample_level_sets
    >>> def wavy(x):
    ...     r2 = x[0] ** 2 + x[1] ** 2
    ...     return np.cos(3.0 * np.sqrt(r2)) * np.exp(-r2)
    >>> V = from_function(wavy, 2, radius=1.0)
    >>> X, y = sample_level_sets(V, [0.0, 0.2], width=1e-3, per_class=100)
    >>> bool(np.all(np.abs(V(X) - np.array([0.0, 0.2])[y]) <= 1e-3))
    True
    """
    if not callable(f):
        raise TypeError(f"f must be a Python function of one point, got {type(f).__name__}")
    dim = check_int(dim, "dim", minimum=1)
    radius = check_float(radius, "radius", positive=True)
    outputs = check_int(outputs, "outputs", minimum=1)
    grid = check_int(grid, "grid", minimum=2, maximum=MAX_GRID)
    label = name if name is not None else getattr(f, "__name__", type(f).__name__)
    if not isinstance(label, str) or not label:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    probe = np.random.default_rng(0).uniform(-1.0, 1.0, dim) * radius / (2.0 * np.sqrt(dim))
    try:
        value = f(probe.copy())
    except Exception as exc:
        raise ValueError(f"{label}(x) raised {type(exc).__name__}: {exc} on a point x of "
                         f"shape ({dim},); f takes one point, not an array of points") from exc
    kind, m = _kind(value, label)
    if m != outputs:
        raise ValueError(f"outputs={outputs}, but {label}(x) returns {m} real output(s) "
                         f"({kind}); pass outputs={m}")
    evaluator: Callable[[np.ndarray], np.ndarray]
    reason = None
    if dim > MAX_DIM:
        reason = f"dim={dim} is above the compiled kernel's {MAX_DIM}"
    else:
        from numba.core.errors import NumbaError

        try:
            evaluator = CompiledFunction(f, dim, kind, m, grid)
        except NumbaError as exc:
            reason = f"Numba cannot compile {label}:\n{_numba_reason(exc)}"
    if reason is not None:
        if not fallback:
            raise ValueError(f"{reason}\n(fallback=False; with fallback=True it runs in Python)")
        warnings.warn(f"{reason}\nfalling back to calling {label} in Python, point by point "
                      "(about 50x slower to sample)", NumbaFallbackWarning, stacklevel=2)
        evaluator = _python_outputs(f, m)
    return Potential(name=label, dim=dim, radius=radius, polynomial=None,
                     generators=np.zeros((0, dim, dim)), group="unknown",
                     description=f"user function {getattr(f, '__qualname__', label)}",
                     tags=("user",), function=evaluator, study_defaults={"outputs": m})

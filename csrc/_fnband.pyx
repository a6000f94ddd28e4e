# cython: language_level=3
"""Level-set sampling of a compiled potential given as a C function pointer.

``symfast.potentials.from_function`` compiles a user's Python function of one
point with Numba into a C callback ``f(x, d, out)`` (x: d doubles, out: m
doubles); these kernels call it from OpenMP threads, with no Python and no GIL.

On a ray x = s u the band |V - level| <= width is found on a grid of ``grid``
cells over [0, radius]: every sign change of V - (level - width) and of
V - (level + width) between neighbouring grid points is refined by the Illinois
method (regula falsi that halves the stale end) to a relative 1e-13, and each
piece between consecutive crossings is told inside or outside by its midpoint.
A crossing pair that falls inside one grid cell (V dipping into and out of the
band between two grid points) is missed; the grid must resolve the level sets
(``from_function(grid=...)``).  Otherwise the sampling is the polynomial
kernel's (``_levelset.sample_band``): the distribution of rejection sampling.
Every point drawn is checked to lie in the band.

``sample_reject`` is plain rejection (uniform in the ball, kept in the band),
one evaluation per candidate: the cheaper route when a level set is so uneven
that the ray sampler's acceptance bound is large (see ``CompiledFunction``).

Prior validation assumed: C-contiguous arrays, 1 <= d <= MAX_DIM,
1 <= grid <= MAX_GRID, radius > 0, width > 0.
"""

cimport cython
from cython.parallel cimport prange
from libc.math cimport fabs, isnan, INFINITY
from libc.stdint cimport int64_t, uint64_t, uintptr_t

from _band cimport band_pieces, draw_radius, random_direction, shell_mass
from _rng cimport rng_seed, rng_uniform

ctypedef void (*vfunc)(double* x, Py_ssize_t d, double* out) noexcept nogil

cdef enum:
    MAX_DIM = 64
    MAX_GRID = 1024

FN_MAX_DIM = MAX_DIM
FN_MAX_GRID = MAX_GRID


ctypedef struct RayScratch:
    double u[MAX_DIM]              # the direction
    double x[MAX_DIM]              # a point on the ray
    double g[MAX_GRID + 1]         # V on the grid
    double lo[MAX_GRID + 1]        # the band's intervals
    double hi[MAX_GRID + 1]


cdef inline double _on_ray(vfunc f, const double* u, int d, double s, double* x) noexcept nogil:
    """V(s u) (first output)."""
    cdef int j
    cdef double v
    for j in range(d):
        x[j] = s * u[j]
    f(x, d, &v)
    return v


cdef double _refine(vfunc f, const double* u, int d, double t, double a, double b,
                    double fa, double fb, double* x) noexcept nogil:
    """Root of V(s u) - t in [a, b] given fa, fb of opposite signs (Illinois)."""
    cdef double c = a, fc
    cdef double tol = 1e-13 * (fabs(a) + fabs(b) + 1e-300)
    cdef int side = 0, it
    for it in range(100):
        c = (a * fb - b * fa) / (fb - fa)
        if not (c > a and c < b):             # rounding pushed it out: bisect
            c = 0.5 * (a + b)
        fc = _on_ray(f, u, d, c, x) - t
        if fc == 0.0 or isnan(fc):
            return c
        if (fc > 0) == (fb > 0):
            b = c
            fb = fc
            if side == -1:
                fa *= 0.5
            side = -1
        else:
            a = c
            fa = fc
            if side == 1:
                fb *= 0.5
            side = 1
        if b - a <= tol:
            break
    return c


cdef int _band_intervals(vfunc f, const double* u, int d, double level, double width,
                         double radius, int grid, double* g, double* x, double* lo,
                         double* hi) noexcept nogil:
    """The s in [0, radius] with |V(s u) - level| <= width, as disjoint intervals.

    ``g``: scratch of grid + 1 doubles.  Returns the number of intervals (at
    most grid + 1).
    """
    cdef double h = radius / grid
    cdef double a = level - width, b = level + width
    cdef double cuts[2 * MAX_GRID + 2]
    cdef double mids[2 * MAX_GRID + 1]
    cdef double c1 = 0.0, c2 = 0.0, fa, fb
    cdef int k, nc = 0, has1, has2
    for k in range(grid + 1):
        g[k] = _on_ray(f, u, d, k * h, x)
    cuts[nc] = 0.0
    nc += 1
    for k in range(grid):
        fa = g[k]
        fb = g[k + 1]
        if isnan(fa) or isnan(fb):
            continue
        has1 = (fa - a) * (fb - a) < 0
        has2 = (fa - b) * (fb - b) < 0
        if has1:
            c1 = _refine(f, u, d, a, k * h, (k + 1) * h, fa - a, fb - a, x)
        if has2:
            c2 = _refine(f, u, d, b, k * h, (k + 1) * h, fa - b, fb - b, x)
        if has1 and has2 and c2 < c1:
            c1, c2 = c2, c1
        if has1:
            cuts[nc] = c1
            nc += 1
        if has2:
            cuts[nc] = c2
            nc += 1
    cuts[nc] = radius
    nc += 1
    for k in range(nc - 1):
        mids[k] = _on_ray(f, u, d, 0.5 * (cuts[k] + cuts[k + 1]), x) - level
    return band_pieces(cuts, mids, nc, width, lo, hi)


cdef double _ray_mass_one(vfunc f, int d, double level, double width, double radius,
                          int grid, uint64_t seed, uint64_t stream) noexcept nogil:
    """m(u) for one random direction u: the band's share of the ray, volume-weighted."""
    cdef uint64_t st[4]
    cdef RayScratch w
    cdef int n
    rng_seed(st, seed, stream)
    while not random_direction(st, w.u, d):
        pass
    n = _band_intervals(f, w.u, d, level, width, radius, grid, w.g, w.x, w.lo, w.hi)
    return shell_mass(w.lo, w.hi, n, d)


cdef int64_t _sample_band_one(vfunc f, int d, double level, double width, double radius,
                              int grid, double bound, uint64_t seed, uint64_t stream,
                              int max_tries, double* out, int64_t* over) noexcept nogil:
    """One point uniform in the band of the ball; rays used or -1 (see _levelset)."""
    cdef uint64_t st[4]
    cdef RayScratch w
    cdef int k, n
    cdef double m, s
    rng_seed(st, seed, stream)
    for k in range(max_tries):
        if not random_direction(st, w.u, d):
            continue
        n = _band_intervals(f, w.u, d, level, width, radius, grid, w.g, w.x, w.lo, w.hi)
        if n == 0:
            continue
        m = shell_mass(w.lo, w.hi, n, d)
        if m > bound:
            over[0] += 1
        if rng_uniform(st) * bound >= m:
            continue
        s = draw_radius(st, w.lo, w.hi, n, d, m)
        # a tangency inside one grid cell can leave a sliver outside the band in a
        # piece told "inside" by its midpoint: such a draw is rejected
        if fabs(_on_ray(f, w.u, d, s, out) - level) <= width:
            return k + 1
    return -1


cdef int64_t _sample_reject_one(vfunc f, int d, double level, double width, double radius,
                                uint64_t seed, uint64_t stream, int64_t max_tries,
                                double* out) noexcept nogil:
    """One point by plain rejection: uniform in the ball, kept in the band; draws or -1."""
    cdef uint64_t st[4]
    cdef double u[MAX_DIM]
    cdef double s, v, r2
    cdef int64_t k
    cdef int j
    rng_seed(st, seed, stream)
    for k in range(max_tries):
        if d <= 4:
            # uniform in the cube, kept in the ball (>= 31 % of candidates up to d = 4):
            # d uniforms are cheaper than a direction and a d-th root
            r2 = 0.0
            for j in range(d):
                out[j] = radius * (2.0 * rng_uniform(st) - 1.0)
                r2 = r2 + out[j] * out[j]
            if r2 > radius * radius:
                continue
            f(out, d, &v)
        else:
            if not random_direction(st, u, d):
                continue
            s = radius * rng_uniform(st) ** (1.0 / d)
            v = _on_ray(f, u, d, s, out)
        if fabs(v - level) <= width:
            return k + 1
    return -1


cdef void _ray_range_one(vfunc f, int d, double radius, int grid, uint64_t seed,
                         uint64_t stream, double* lo, double* hi) noexcept nogil:
    """Smallest and largest finite V on the grid of one random ray."""
    cdef uint64_t st[4]
    cdef double u[MAX_DIM]
    cdef double x[MAX_DIM]
    cdef double v
    cdef int k
    rng_seed(st, seed, stream)
    while not random_direction(st, u, d):
        pass
    lo[0] = INFINITY
    hi[0] = -INFINITY
    for k in range(grid + 1):
        v = _on_ray(f, u, d, k * radius / grid, x)
        if v < lo[0]:
            lo[0] = v
        if v > hi[0]:
            hi[0] = v


def evaluate(uintptr_t address,
             const double[:, ::1] X,                   # IN  (n, d)
             double[:, ::1] out,                       # OUT (n, m)
             int n_threads):
    """out[i] = f(X[i]) for every row, in parallel."""
    cdef vfunc f = <vfunc>address
    cdef Py_ssize_t i, n = X.shape[0], d = X.shape[1]
    for i in prange(n, nogil=True, schedule="static", num_threads=n_threads):
        f(<double*>&X[i, 0], d, &out[i, 0])


def ray_value_range(uintptr_t address, int d, double radius, int grid, uint64_t seed,
                    double[::1] vmin,                  # OUT (n,)
                    double[::1] vmax,                  # OUT (n,)
                    int n_threads):
    """Range of V on the grid of n random rays (stream i each)."""
    cdef vfunc f = <vfunc>address
    cdef Py_ssize_t i, n = vmin.shape[0]
    for i in prange(n, nogil=True, schedule="static", num_threads=n_threads):
        _ray_range_one(f, d, radius, grid, seed, <uint64_t>i, &vmin[i], &vmax[i])


def ray_band_mass(uintptr_t address, int d,
                  const double[::1] levels,           # IN  (n,) level of each ray
                  double width, double radius, int grid, uint64_t seed,
                  double[::1] mass,                   # OUT (n,)
                  int n_threads):
    """m(u) of the band on n random rays (stream i each); its largest value bounds
    the acceptance of :func:`sample_band`."""
    cdef vfunc f = <vfunc>address
    cdef Py_ssize_t i, n = levels.shape[0]
    for i in prange(n, nogil=True, schedule="dynamic", chunksize=64, num_threads=n_threads):
        mass[i] = _ray_mass_one(f, d, levels[i], width, radius, grid, seed, <uint64_t>i)


def sample_band(uintptr_t address, int d,
                const double[::1] levels,             # IN  (n,) level of each sample
                const double[::1] bounds,             # IN  (n,) acceptance bound of each
                double width, double radius, int grid, uint64_t seed, int max_tries,
                double[:, ::1] out,                   # OUT (n, d) points
                int64_t[::1] tries,                   # OUT (n,) rays used, -1 on failure
                int64_t[::1] over,                    # OUT (n,) proposals above the bound
                int n_threads):
    """One point per entry of ``levels``, uniform in the band of the ball; sample i
    uses its own random stream (seed, i), whatever the number of threads."""
    cdef vfunc f = <vfunc>address
    cdef Py_ssize_t i, n = levels.shape[0]
    for i in prange(n, nogil=True, schedule="dynamic", chunksize=64, num_threads=n_threads):
        over[i] = 0
        tries[i] = _sample_band_one(f, d, levels[i], width, radius, grid, bounds[i], seed,
                                    <uint64_t>i, max_tries, &out[i, 0], &over[i])


def sample_reject(uintptr_t address, int d,
                  const double[::1] levels,           # IN  (n,) level of each sample
                  double width, double radius, uint64_t seed, int64_t max_tries,
                  double[:, ::1] out,                 # OUT (n, d) points
                  int64_t[::1] tries,                 # OUT (n,) candidates drawn, -1 on failure
                  int n_threads):
    """One point per entry of ``levels`` by plain rejection; stream (seed, i) each."""
    cdef vfunc f = <vfunc>address
    cdef Py_ssize_t i, n = levels.shape[0]
    for i in prange(n, nogil=True, schedule="dynamic", chunksize=64, num_threads=n_threads):
        tries[i] = _sample_reject_one(f, d, levels[i], width, radius, seed, <uint64_t>i,
                                      max_tries, &out[i, 0])

# cython: language_level=3
"""Level-set sampling of polynomial potentials by root finding along rays.

A polynomial V(x) = sum_t c_t prod_i x_i^{e_ti} restricted to the ray
x = s u (|u| = 1, s >= 0) is a univariate polynomial p(s) whose coefficient
of s^k collects the terms of total degree k.  Its real roots in (0, R) are
isolated exactly, with no grid: the roots of p' split (0, R) into monotone
pieces (found recursively, down to degree 1), and each piece with a sign
change holds exactly one root, found by bisection to machine precision.

Prior validation assumed: C-contiguous arrays, degree <= MAX_DEGREE,
radius > 0, width > 0.  Outputs are allocated by the caller.
"""

cimport cython
from cython cimport view
from cython.parallel cimport prange
from libc.math cimport fabs, INFINITY
from libc.stdint cimport int64_t, uint64_t

from _band cimport band_pieces, draw_radius, random_direction, shell_mass
from _rng cimport rng_seed, rng_uniform

cdef extern from "_omp_compat.h":
    int sf_omp_max_threads() nogil
    int sf_has_openmp() nogil

cdef enum:
    MAX_DEGREE = 16
    MAX_DIM = 64

MAX_POLY_DEGREE = MAX_DEGREE
MAX_POLY_DIM = MAX_DIM


def openmp_max_threads():
    """Number of threads OpenMP would use by default (1 without OpenMP)."""
    return sf_omp_max_threads()


def has_openmp():
    """Whether this extension was compiled with OpenMP."""
    return bool(sf_has_openmp())


cdef inline double _horner(const double* c, int deg, double t) noexcept nogil:
    cdef double r = c[deg]
    cdef int k
    for k in range(deg - 1, -1, -1):
        r = r * t + c[k]
    return r


cdef double _bisect(const double* c, int deg, double a, double b,
                    double fa) noexcept nogil:
    """Root of p in [a, b] given a sign change; fa = p(a)."""
    cdef double m, fm
    cdef int it
    for it in range(200):
        m = 0.5 * (a + b)
        if m <= a or m >= b:          # interval exhausted at double precision
            break
        fm = _horner(c, deg, m)
        if fm == 0.0:
            return m
        if (fm < 0.0) == (fa < 0.0):
            a = m
            fa = fm
        else:
            b = m
    return 0.5 * (a + b)


cdef int _real_roots(const double* c, int deg, double lo, double hi,
                     double* out) noexcept nogil:
    """Sign-changing roots of sum_k c[k] t^k in (lo, hi), ascending.

    Returns their number (at most deg).  Roots of even multiplicity (where p
    only touches zero) are not reported; for a target drawn from a continuous
    distribution they have probability zero.
    """
    cdef double d[MAX_DEGREE + 1]
    cdef double crit[MAX_DEGREE + 2]
    cdef int k, nc, n = 0
    cdef double a, b, fa, fb, t
    while deg > 0 and c[deg] == 0.0:
        deg -= 1
    if deg <= 0:
        return 0
    if deg == 1:
        t = -c[0] / c[1]
        if lo < t < hi:
            out[0] = t
            return 1
        return 0
    for k in range(1, deg + 1):
        d[k - 1] = k * c[k]
    crit[0] = lo
    nc = _real_roots(d, deg - 1, lo, hi, &crit[1])
    crit[nc + 1] = hi
    fa = _horner(c, deg, lo)
    for k in range(nc + 1):
        a = crit[k]
        b = crit[k + 1]
        fb = _horner(c, deg, b)
        if (fa < 0.0 and fb > 0.0) or (fa > 0.0 and fb < 0.0):
            out[n] = _bisect(c, deg, a, b, fa)
            n += 1
        fa = fb
    return n


cdef inline double _monomial(const int64_t[:, ::1] exponents, Py_ssize_t t,
                             const double* x, double c) noexcept nogil:
    """c * prod_i x_i^{e_ti}."""
    cdef Py_ssize_t i
    cdef int64_t k
    for i in range(exponents.shape[1]):
        for k in range(exponents[t, i]):
            c *= x[i]
    return c


cdef inline void _ray_polynomial(const int64_t[:, ::1] exponents,
                                 const double[::1] coefficients,
                                 const int64_t[::1] degrees,
                                 const double* u, double* a,
                                 int max_deg) noexcept nogil:
    """Coefficients a[0..max_deg] of V(s u) as a polynomial in s."""
    cdef Py_ssize_t t
    cdef int k
    for k in range(max_deg + 1):
        a[k] = 0.0
    for t in range(exponents.shape[0]):
        a[degrees[t]] += _monomial(exponents, t, u, coefficients[t])


cdef inline double _evaluate(const int64_t[:, ::1] exponents,
                             const double[::1] coefficients,
                             const double* x) noexcept nogil:
    cdef Py_ssize_t t
    cdef double v = 0.0
    for t in range(exponents.shape[0]):
        v += _monomial(exponents, t, x, coefficients[t])
    return v


cdef int64_t _degrees(const int64_t[:, ::1] exponents, int64_t[::1] degrees) noexcept nogil:
    """Total degree of each term into ``degrees``; returns the maximum."""
    cdef Py_ssize_t t, j
    cdef int64_t max_deg = 0
    for t in range(exponents.shape[0]):
        degrees[t] = 0
        for j in range(exponents.shape[1]):
            degrees[t] += exponents[t, j]
        if degrees[t] > max_deg:
            max_deg = degrees[t]
    return max_deg


# The per-item work lives in functions so that its scratch arrays are locals
# of each call, private to the thread that runs it (C arrays declared outside
# a prange body would be shared between threads).
cdef int64_t _sample_one(const int64_t[:, ::1] exponents, const double[::1] coefficients,
                         const int64_t[::1] degrees, int max_deg, double level,
                         double width, double radius, uint64_t seed, uint64_t stream,
                         int max_tries, double* x) noexcept nogil:
    """One point of the window around ``level`` into x; returns rays used or -1."""
    cdef uint64_t st[4]
    cdef double u[MAX_DIM]
    cdef double a[MAX_DEGREE + 1]
    cdef double roots[MAX_DEGREE]
    cdef int d = <int>exponents.shape[1]
    cdef int k, j, nr, pick
    cdef double s
    rng_seed(st, seed, stream)
    for k in range(max_tries):
        if not random_direction(st, u, d):
            continue
        _ray_polynomial(exponents, coefficients, degrees, u, a, max_deg)
        a[0] -= level + width * (2.0 * rng_uniform(st) - 1.0)   # target value
        nr = _real_roots(a, max_deg, 0.0, radius, roots)
        if nr == 0:
            continue
        pick = <int>(rng_uniform(st) * nr)
        if pick >= nr:
            pick = nr - 1
        s = roots[pick]
        for j in range(d):
            x[j] = s * u[j]
        if fabs(_evaluate(exponents, coefficients, x) - level) <= width:
            return k + 1
    return -1


cdef void _ray_range_one(const int64_t[:, ::1] exponents, const double[::1] coefficients,
                         const int64_t[::1] degrees, int max_deg, double radius,
                         uint64_t seed, uint64_t stream, double* lo, double* hi) noexcept nogil:
    """Exact min and max of V along one random ray."""
    cdef uint64_t st[4]
    cdef double u[MAX_DIM]
    cdef double a[MAX_DEGREE + 1]
    cdef double da[MAX_DEGREE + 1]
    cdef double roots[MAX_DEGREE]
    cdef int k, nr = 0
    cdef double v
    rng_seed(st, seed, stream)
    while not random_direction(st, u, <int>exponents.shape[1]):
        pass
    _ray_polynomial(exponents, coefficients, degrees, u, a, max_deg)
    lo[0] = _horner(a, max_deg, 0.0)
    hi[0] = lo[0]
    v = _horner(a, max_deg, radius)
    lo[0] = min(lo[0], v)
    hi[0] = max(hi[0], v)
    for k in range(max_deg):
        da[k] = (k + 1) * a[k + 1]
    if max_deg > 1:
        nr = _real_roots(da, max_deg - 1, 0.0, radius, roots)
    for k in range(nr):
        v = _horner(a, max_deg, roots[k])
        lo[0] = min(lo[0], v)
        hi[0] = max(hi[0], v)


cdef int _band_intervals(const double* a, int max_deg, double level, double width,
                         double radius, double* lo, double* hi) noexcept nogil:
    """The s in (0, radius) with |p(s) - level| <= width, as disjoint intervals.

    Breakpoints are the crossings of level - width and level + width (isolated
    exactly); each piece between consecutive breakpoints lies wholly inside or
    outside the band, told by its midpoint.  Returns the number of intervals
    (at most 2 * max_deg + 1).
    """
    cdef double b[MAX_DEGREE + 1]
    cdef double cuts[2 * MAX_DEGREE + 2]
    cdef double mids[2 * MAX_DEGREE + 1]
    cdef double r1[MAX_DEGREE]
    cdef double r2[MAX_DEGREE]
    cdef int k, n1, n2, i = 0, j = 0, nc = 0
    for k in range(max_deg + 1):
        b[k] = a[k]
    b[0] = a[0] - (level - width)
    n1 = _real_roots(b, max_deg, 0.0, radius, r1)
    b[0] = a[0] - (level + width)
    n2 = _real_roots(b, max_deg, 0.0, radius, r2)
    cuts[nc] = 0.0
    nc += 1
    while i < n1 or j < n2:                     # merge the two ascending lists
        if j >= n2 or (i < n1 and r1[i] <= r2[j]):
            cuts[nc] = r1[i]
            i += 1
        else:
            cuts[nc] = r2[j]
            j += 1
        nc += 1
    cuts[nc] = radius
    nc += 1
    for k in range(nc - 1):
        mids[k] = _horner(a, max_deg, 0.5 * (cuts[k] + cuts[k + 1])) - level
    return band_pieces(cuts, mids, nc, width, lo, hi)


cdef double _ray_mass_one(const int64_t[:, ::1] exponents, const double[::1] coefficients,
                          const int64_t[::1] degrees, int max_deg, double level,
                          double width, double radius, uint64_t seed,
                          uint64_t stream) noexcept nogil:
    """m(u) for one random direction u: the band's share of the ray, volume-weighted."""
    cdef uint64_t st[4]
    cdef double u[MAX_DIM]
    cdef double a[MAX_DEGREE + 1]
    cdef double lo[2 * MAX_DEGREE + 1]
    cdef double hi[2 * MAX_DEGREE + 1]
    cdef int d = <int>exponents.shape[1]
    cdef int n
    rng_seed(st, seed, stream)
    while not random_direction(st, u, d):
        pass
    _ray_polynomial(exponents, coefficients, degrees, u, a, max_deg)
    n = _band_intervals(a, max_deg, level, width, radius, lo, hi)
    return shell_mass(lo, hi, n, d)


cdef int64_t _sample_band_one(const int64_t[:, ::1] exponents,
                              const double[::1] coefficients,
                              const int64_t[::1] degrees, int max_deg, double level,
                              double width, double radius, double bound, uint64_t seed,
                              uint64_t stream, int max_tries, double* x,
                              int64_t* over) noexcept nogil:
    """One point uniform in the band |V - level| <= width of the ball; rays used or -1.

    In polar coordinates the uniform density is s^(d-1) ds du.  A direction u is
    kept with probability m(u) / bound, m(u) = sum_j (hi_j^d - lo_j^d) over the
    band's intervals on the ray, so that kept directions have density m(u); then
    s^d is drawn uniformly over those intervals.  ``over`` counts proposals with
    m(u) > bound, where the acceptance would be wrong.
    """
    cdef uint64_t st[4]
    cdef double u[MAX_DIM]
    cdef double a[MAX_DEGREE + 1]
    cdef double lo[2 * MAX_DEGREE + 1]
    cdef double hi[2 * MAX_DEGREE + 1]
    cdef int d = <int>exponents.shape[1]
    cdef int k, j, n
    cdef double m, s
    rng_seed(st, seed, stream)
    for k in range(max_tries):
        if not random_direction(st, u, d):
            continue
        _ray_polynomial(exponents, coefficients, degrees, u, a, max_deg)
        n = _band_intervals(a, max_deg, level, width, radius, lo, hi)
        if n == 0:
            continue
        m = shell_mass(lo, hi, n, d)
        if m > bound:
            over[0] += 1
        if rng_uniform(st) * bound >= m:
            continue
        s = draw_radius(st, lo, hi, n, d, m)    # s^d uniform over the intervals
        for j in range(d):
            x[j] = s * u[j]
        return k + 1
    return -1


def ray_band_mass(const int64_t[:, ::1] exponents,    # IN  (n_terms, d)
                  const double[::1] coefficients,     # IN  (n_terms,)
                  const double[::1] levels,           # IN  (n,) level of each ray
                  double width,
                  double radius,
                  uint64_t seed,
                  double[::1] mass,                   # OUT (n,)
                  int n_threads):
    """m(u) = sum_j (hi_j^d - lo_j^d) of the band on n random rays (stream i each).

    Its largest value bounds the acceptance of :func:`sample_band`.
    """
    cdef Py_ssize_t i, n = levels.shape[0]
    cdef int64_t[::1] degrees = view.array(
        shape=(max(exponents.shape[0], 1),), itemsize=sizeof(int64_t), format="q")
    cdef int max_deg = <int>_degrees(exponents, degrees)
    for i in prange(n, nogil=True, schedule="static", num_threads=n_threads):
        mass[i] = _ray_mass_one(exponents, coefficients, degrees, max_deg, levels[i], width,
                                radius, seed, <uint64_t>i)


def sample_band(const int64_t[:, ::1] exponents,      # IN  (n_terms, d)
                const double[::1] coefficients,       # IN  (n_terms,)
                const double[::1] levels,             # IN  (n,) level of each sample
                const double[::1] bounds,             # IN  (n,) acceptance bound of each
                double width,
                double radius,
                uint64_t seed,
                int max_tries,
                double[:, ::1] out,                   # OUT (n, d) points
                int64_t[::1] tries,                   # OUT (n,) rays used, -1 on failure
                int64_t[::1] over,                    # OUT (n,) proposals above the bound
                int n_threads):
    """Draw one point per entry of ``levels``, uniform in the band of the ball.

    The distribution of rejection sampling (uniform in the ball, kept when
    |V(x) - level| <= width), drawn ray by ray: see ``_sample_band_one``.  Sample i
    uses its own random stream (seed, i), whatever the number of threads.
    """
    cdef Py_ssize_t i, n = levels.shape[0]
    cdef int64_t[::1] degrees = view.array(
        shape=(max(exponents.shape[0], 1),), itemsize=sizeof(int64_t), format="q")
    cdef int max_deg = <int>_degrees(exponents, degrees)
    for i in prange(n, nogil=True, schedule="dynamic", chunksize=64,
                    num_threads=n_threads):
        over[i] = 0
        tries[i] = _sample_band_one(exponents, coefficients, degrees, max_deg, levels[i],
                                    width, radius, bounds[i], seed, <uint64_t>i, max_tries,
                                    &out[i, 0], &over[i])


def sample_rays(const int64_t[:, ::1] exponents,      # IN  (n_terms, d)
                const double[::1] coefficients,       # IN  (n_terms,)
                const double[::1] levels,             # IN  (n,) level of each sample
                double width,
                double radius,
                uint64_t seed,
                int max_tries,
                double[:, ::1] out,                   # OUT (n, d) points
                int64_t[::1] tries,                   # OUT (n,) rays used, -1 on failure
                int n_threads):
    """Draw one point per entry of ``levels`` with |V(x) - level| <= width.

    Sample i uses its own random stream (seed, i), so the result does not
    depend on the number of threads: it draws a direction u uniformly on the
    sphere and a target value v uniformly in [level - width, level + width],
    finds every crossing of V(s u) = v for s in (0, radius), picks one of them
    uniformly, and keeps x = s u if |V(x) - level| <= width holds on
    re-evaluation.  A ray without a crossing is redrawn, at most ``max_tries``
    times.
    """
    cdef Py_ssize_t i, n = levels.shape[0]
    cdef int64_t[::1] degrees = view.array(
        shape=(max(exponents.shape[0], 1),), itemsize=sizeof(int64_t), format="q")
    cdef int max_deg = <int>_degrees(exponents, degrees)
    for i in prange(n, nogil=True, schedule="dynamic", chunksize=64,
                    num_threads=n_threads):
        tries[i] = _sample_one(exponents, coefficients, degrees, max_deg, levels[i],
                               width, radius, seed, <uint64_t>i, max_tries, &out[i, 0])


def ray_value_range(const int64_t[:, ::1] exponents,  # IN  (n_terms, d)
                    const double[::1] coefficients,   # IN  (n_terms,)
                    double radius,
                    uint64_t seed,
                    double[::1] vmin,                 # OUT (n_rays,)
                    double[::1] vmax,                 # OUT (n_rays,)
                    int n_threads):
    """Exact min and max of V along each of n_rays random rays s u, s in [0, radius].

    The extremes sit at s = 0, s = radius or at a root of dp/ds, so they are
    exact up to rounding.  Used to tell a user which levels a potential reaches.
    """
    cdef Py_ssize_t i, n = vmin.shape[0]
    cdef int64_t[::1] degrees = view.array(
        shape=(max(exponents.shape[0], 1),), itemsize=sizeof(int64_t), format="q")
    cdef int max_deg = <int>_degrees(exponents, degrees)
    for i in prange(n, nogil=True, schedule="static", num_threads=n_threads):
        _ray_range_one(exponents, coefficients, degrees, max_deg, radius, seed,
                       <uint64_t>i, &vmin[i], &vmax[i])


def ray_crossings(const int64_t[:, ::1] exponents,    # IN  (n_terms, d)
                  const double[::1] coefficients,     # IN  (n_terms,)
                  const double[:, ::1] directions,    # IN  (m, d) unit vectors
                  const double[::1] targets,          # IN  (m,)
                  double radius,
                  double[:, ::1] roots,               # OUT (m, MAX_POLY_DEGREE)
                  int64_t[::1] counts,                # OUT (m,)
                  int n_threads):
    """All s in (0, radius) with V(s u_i) = targets[i], ascending, for given rays.

    The root isolation that :func:`sample_rays` runs, exposed so that it can
    be checked against a reference (``numpy.roots``) on chosen rays.
    """
    cdef Py_ssize_t i, m = directions.shape[0]
    cdef int64_t[::1] degrees = view.array(
        shape=(max(exponents.shape[0], 1),), itemsize=sizeof(int64_t), format="q")
    cdef int max_deg = <int>_degrees(exponents, degrees)
    for i in prange(m, nogil=True, schedule="static", num_threads=n_threads):
        counts[i] = _crossings_one(exponents, coefficients, degrees, max_deg,
                                   &directions[i, 0], targets[i], radius, &roots[i, 0])


cdef int _crossings_one(const int64_t[:, ::1] exponents, const double[::1] coefficients,
                        const int64_t[::1] degrees, int max_deg, const double* u,
                        double target, double radius, double* out) noexcept nogil:
    cdef double a[MAX_DEGREE + 1]
    _ray_polynomial(exponents, coefficients, degrees, u, a, max_deg)
    a[0] -= target
    return _real_roots(a, max_deg, 0.0, radius, out)

# Pieces of the uniform-in-band sampler shared by the polynomial kernel
# (_levelset.pyx) and the compiled-function kernel (_fnband.pyx).
#
# In polar coordinates the uniform density in the ball is s^(d-1) ds du.  On a
# direction u the band |V - level| <= width is a union of intervals [lo_j, hi_j]
# of s; m(u) = sum_j (hi_j^d - lo_j^d) is the density of u among the band's
# points, and s^d is uniform over the intervals.
from libc.math cimport fabs, sqrt
from libc.stdint cimport uint64_t

from _rng cimport rng_normal_fill, rng_uniform


cdef inline int random_direction(uint64_t* s, double* u, int d) noexcept nogil:
    """Uniform unit vector in R^d; returns 0 in the (negligible) degenerate case."""
    cdef int i
    cdef double nrm = 0.0
    rng_normal_fill(s, u, d)
    for i in range(d):
        nrm += u[i] * u[i]
    if nrm < 1e-300:
        return 0
    nrm = 1.0 / sqrt(nrm)
    for i in range(d):
        u[i] *= nrm
    return 1


cdef inline double ipow(double x, int d) noexcept nogil:
    cdef double r = 1.0
    cdef int k
    for k in range(d):
        r *= x
    return r


cdef inline double shell_mass(const double* lo, const double* hi, int n, int d) noexcept nogil:
    """sum_j (hi_j^d - lo_j^d): d times the integral of s^(d-1) over the intervals."""
    cdef double m = 0.0
    cdef int j
    for j in range(n):
        m += ipow(hi[j], d) - ipow(lo[j], d)
    return m


cdef inline double draw_radius(uint64_t* st, const double* lo, const double* hi, int n,
                               int d, double m) noexcept nogil:
    """s with s^d uniform over the intervals (m: their shell_mass)."""
    cdef double t = rng_uniform(st) * m
    cdef double w, s = hi[n - 1]
    cdef int j
    for j in range(n):
        w = ipow(hi[j], d) - ipow(lo[j], d)
        if t < w or j == n - 1:
            s = (ipow(lo[j], d) + (t if t < w else w)) ** (1.0 / d)
            if s < lo[j]:
                s = lo[j]
            if s > hi[j]:
                s = hi[j]
            return s
        t -= w
    return s


cdef inline int band_pieces(const double* cuts, const double* mid_values, int nc,
                            double width, double* lo, double* hi) noexcept nogil:
    """Intervals of the band from the ascending crossings ``cuts[0:nc]`` (0 and the
    radius included): piece k, [cuts[k], cuts[k + 1]], lies wholly inside or outside
    the band, told by ``mid_values[k]`` = V(its midpoint) - level.  Adjoining inside
    pieces merge.  Returns the number of intervals."""
    cdef int k, n = 0
    for k in range(nc - 1):
        if cuts[k + 1] <= cuts[k] or fabs(mid_values[k]) > width:
            continue
        if n > 0 and hi[n - 1] == cuts[k]:
            hi[n - 1] = cuts[k + 1]
        else:
            lo[n] = cuts[k]
            hi[n] = cuts[k + 1]
            n += 1
    return n

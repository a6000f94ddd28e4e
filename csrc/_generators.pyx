# cython: language_level=3
"""Hyperplane-filtered pair regression (Krippendorf & Syvaeri, step 2) over a batch of planes.

For each plane spanned by orthonormal e1, e2 (through the origin of the
centred cloud):

1. keep the points within ``delta`` of the plane, |x|^2 - <x,e1>^2 - <x,e2>^2 < delta^2;
2. pair kept points closer than ``eps``: sort them by <x,e1> and sweep, so that
   only points within ``eps`` along that axis are compared (no all-pairs loop);
3. orient each pair by sigma = sign(a b' - b a') (a, b the plane coordinates),
   and in plane coordinates form the chord velocity v = sigma c |m| / |c| from
   the chord c = (a' - a, b' - b) at the midpoint m = ((a + a')/2, (b + b')/2);
   regress v ~ A m (A of shape 2 x 2) by least squares.  The candidate
   generator is T = E A E^T with E = [e1 e2]: it acts within the plane
   (T e_k = 0 for every e_k orthogonal to it, and T maps into the plane).

Two refinements of the paper's v ~ T x, both exact for circles about the
origin: the midpoint (a chord is perpendicular to its midpoint, while the
paper's version carries an error of order eps / |x|), and the projection onto
the plane (two kept points at different heights above the plane make a chord
tilted by up to 2 delta / eps, which the full-space regression absorbs as
error).

Filtering reads the points once per block of 64 planes rather than once per
plane, so the cloud streams through the cache n_planes / 64 times; the scan
itself is C (``_plane_filter.h``), vectorised over planes and compiled twice
(AVX2/FMA and baseline x86-64), the CPU choosing at load time.  Blocks of
planes are distributed over threads; every output row belongs to one plane, so
the result does not depend on the number of threads.

Prior validation assumed: C-contiguous float64 arrays, orthonormal bases,
delta > 0, eps > 0, max_kept >= 2.
"""

cimport cython
from cython cimport view
from cython.parallel cimport prange
from libc.math cimport sqrt, fabs
from libc.stdint cimport int64_t
from libc.stdlib cimport malloc, free, qsort

cdef extern from "_omp_compat.h":
    int sf_omp_max_threads() nogil
    int sf_has_openmp() nogil

cdef extern from "_plane_filter.h":
    void sf_filter_points(const double* X, int64_t n, int64_t d, const double* norms2,
                          const double* E1, const double* E2, int64_t nb, double delta2,
                          int64_t max_kept, int64_t* idx, int64_t* counts) nogil

cdef enum:
    PLANE_BLOCK = 64        # at most SF_MAX_BLOCK in _plane_filter.h

PLANES_PER_BLOCK = PLANE_BLOCK


def openmp_max_threads():
    """Number of threads OpenMP would use by default (1 without OpenMP)."""
    return sf_omp_max_threads()


def has_openmp():
    """Whether this extension was compiled with OpenMP."""
    return bool(sf_has_openmp())


cdef struct Kept:
    double key          # <x, e1>, the sweep coordinate
    double b            # <x, e2>
    int64_t idx         # row of x


cdef int _cmp_kept(const void* p, const void* q) noexcept nogil:
    cdef double a = (<const Kept*>p).key
    cdef double b = (<const Kept*>q).key
    return (a > b) - (a < b)


cdef void _regress_plane(const double[:, ::1] X, const double* e1, const double* e2,
                         Kept* kept, int64_t n_kept, double eps,
                         double* T, double* residual, int64_t* n_pairs) noexcept nogil:
    """Pairing and least squares for one plane; T (d*d) is written row-major."""
    cdef Py_ssize_t d = X.shape[1]
    cdef Py_ssize_t i, j, r, c
    cdef int64_t p, q
    cdef double eps2 = eps * eps
    cdef double S00 = 0.0, S01 = 0.0, S11 = 0.0, Svv = 0.0
    cdef double V00 = 0.0, V01 = 0.0, V10 = 0.0, V11 = 0.0
    cdef double dist2, diff, sig, c0, c1, m0, m1, scale, v0, v1, det, i00, i01, i11
    cdef double A00, A01, A10, A11, rss
    cdef int64_t count = 0
    qsort(kept, n_kept, sizeof(Kept), _cmp_kept)
    for i in range(n_kept):
        p = kept[i].idx
        for j in range(i + 1, n_kept):
            if kept[j].key - kept[i].key >= eps:
                break
            q = kept[j].idx
            dist2 = 0.0
            for r in range(d):
                diff = X[q, r] - X[p, r]
                dist2 += diff * diff
            if dist2 >= eps2:
                continue
            sig = kept[i].key * kept[j].b - kept[i].b * kept[j].key
            c0 = kept[j].key - kept[i].key          # chord, in the plane
            c1 = kept[j].b - kept[i].b
            if sig == 0.0 or (c0 == 0.0 and c1 == 0.0):
                continue
            sig = 1.0 if sig > 0.0 else -1.0
            m0 = 0.5 * (kept[i].key + kept[j].key)  # midpoint, in the plane
            m1 = 0.5 * (kept[i].b + kept[j].b)
            scale = sig * sqrt((m0 * m0 + m1 * m1) / (c0 * c0 + c1 * c1))
            v0 = scale * c0
            v1 = scale * c1
            V00 += v0 * m0
            V01 += v0 * m1
            V10 += v1 * m0
            V11 += v1 * m1
            Svv += v0 * v0 + v1 * v1
            S00 += m0 * m0
            S01 += m0 * m1
            S11 += m1 * m1
            count += 1
    n_pairs[0] = count
    for r in range(d * d):
        T[r] = 0.0
    det = S00 * S11 - S01 * S01
    if count < 2 or det <= 1e-12 * (S00 * S11 + 1e-300):
        residual[0] = -1.0       # no usable fit on this plane
        return
    i00 = S11 / det
    i01 = -S01 / det
    i11 = S00 / det
    # A = V S^-1 (2 x 2), the generator in plane coordinates
    A00 = V00 * i00 + V01 * i01
    A01 = V00 * i01 + V01 * i11
    A10 = V10 * i00 + V11 * i01
    A11 = V10 * i01 + V11 * i11
    rss = Svv - (A00 * V00 + A01 * V01 + A10 * V10 + A11 * V11)
    for r in range(d):
        for c in range(d):
            T[r * d + c] = (e1[r] * (A00 * e1[c] + A01 * e2[c])
                            + e2[r] * (A10 * e1[c] + A11 * e2[c]))
    residual[0] = sqrt(rss / Svv) if (Svv > 0.0 and rss > 0.0) else 0.0


cdef void _plane_block(const double[:, ::1] X, const double[::1] norms2,
                       const double[:, :, ::1] bases, Py_ssize_t first, Py_ssize_t last,
                       double delta2, double eps, int64_t max_kept,
                       double[:, ::1] out_T, double[::1] out_residual,
                       int64_t[::1] out_kept, int64_t[::1] out_pairs) noexcept nogil:
    """Filter the cloud against planes first..last-1 in one pass, then regress each."""
    cdef Py_ssize_t n = X.shape[0], d = X.shape[1]
    cdef Py_ssize_t nb = last - first
    cdef Py_ssize_t i, b, r
    cdef int64_t j
    cdef double a, c
    cdef Kept* kept = <Kept*>malloc(nb * max_kept * sizeof(Kept))
    cdef int64_t* idx = <int64_t*>malloc(nb * max_kept * sizeof(int64_t))
    cdef int64_t* counts = <int64_t*>malloc(nb * sizeof(int64_t))
    cdef double* E1 = <double*>malloc(nb * d * sizeof(double))
    cdef double* E2 = <double*>malloc(nb * d * sizeof(double))
    if kept == NULL or idx == NULL or counts == NULL or E1 == NULL or E2 == NULL:
        for b in range(nb):
            out_residual[first + b] = -2.0      # allocation failure, reported upstream
        free(kept); free(idx); free(counts); free(E1); free(E2)
        return
    # plane-major copies, so that the scan vectorises over planes
    for b in range(nb):
        for r in range(d):
            E1[r * nb + b] = bases[first + b, 0, r]
            E2[r * nb + b] = bases[first + b, 1, r]
    sf_filter_points(&X[0, 0], n, d, &norms2[0], E1, E2, nb, delta2, max_kept, idx, counts)
    for b in range(nb):
        for j in range(counts[b]):
            i = idx[b * max_kept + j]
            a = 0.0
            c = 0.0
            for r in range(d):
                a = a + X[i, r] * bases[first + b, 0, r]
                c = c + X[i, r] * bases[first + b, 1, r]
            kept[b * max_kept + j].key = a
            kept[b * max_kept + j].b = c
            kept[b * max_kept + j].idx = i
        out_kept[first + b] = counts[b]
        _regress_plane(X, &bases[first + b, 0, 0], &bases[first + b, 1, 0],
                       &kept[b * max_kept], counts[b], eps, &out_T[first + b, 0],
                       &out_residual[first + b], &out_pairs[first + b])
    free(kept); free(idx); free(counts); free(E1); free(E2)


def plane_regression(const double[:, ::1] X,          # IN  (n, d) centred cloud
                     const double[:, :, ::1] bases,   # IN  (n_planes, 2, d) orthonormal
                     double delta,
                     double eps,
                     int64_t max_kept,
                     double[:, ::1] out_T,            # OUT (n_planes, d*d) candidates
                     double[::1] out_residual,        # OUT (n_planes,) relative RMS, -1 = no fit
                     int64_t[::1] out_kept,           # OUT (n_planes,) points kept
                     int64_t[::1] out_pairs,          # OUT (n_planes,) pairs used
                     int n_threads):
    """Candidate generators of a batch of planes (see the module docstring)."""
    cdef Py_ssize_t n = X.shape[0], d = X.shape[1], n_planes = bases.shape[0]
    cdef Py_ssize_t i, r, blk, n_blocks = (n_planes + PLANE_BLOCK - 1) // PLANE_BLOCK
    cdef double s
    cdef double[::1] norms2 = view.array(shape=(max(n, 1),), itemsize=sizeof(double),
                                                format="d")
    for i in range(n):
        s = 0.0
        for r in range(d):
            s += X[i, r] * X[i, r]
        norms2[i] = s
    for blk in prange(n_blocks, nogil=True, schedule="dynamic", num_threads=n_threads):
        _plane_block(X, norms2, bases, blk * PLANE_BLOCK,
                     min((blk + 1) * PLANE_BLOCK, n_planes), delta * delta, eps, max_kept,
                     out_T, out_residual, out_kept, out_pairs)

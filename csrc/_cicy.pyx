# cython: language_level=3
"""Singular values of CICY configuration matrices, in parallel.

The weighted adjacency matrix of the bipartite graph of a configuration matrix
Q (m x K) is [[0, Q], [Q^T, 0]]; its eigenvalues are +-sigma_i (the singular
values of Q) and m + K - 2 min(m, K) zeros.  So the (m + K)-dimensional
eigenproblem reduces to the symmetric eigenproblem of the Gram matrix of the
smaller side, G = Q Q^T (m <= K) or Q^T Q: a Householder reduction written
out here, then LAPACK's dsterf, on a per-thread workspace: no Python object and
no allocation per matrix.

Prior validation assumed: data holds the matrices row-major back to back,
offsets[i] is where matrix i starts, 1 <= min(m, K) <= max_side.
"""

cimport cython
from cython.parallel cimport parallel, prange
from libc.math cimport sqrt
from libc.stdint cimport int64_t
from libc.stdlib cimport malloc, free
from scipy.linalg.cython_lapack cimport dsterf


cdef void _tridiagonalise(double* A, int s, double* d, double* e, double* v,
                          double* p) noexcept nogil:
    """Householder reduction of the symmetric s x s matrix A (destroyed) to tridiagonal
    form: diagonal d (s), off-diagonal e (s - 1).  Written out because for these tiny
    matrices the BLAS-2 calls inside LAPACK's dsytd2 cost more than the arithmetic."""
    cdef int k, i, j, m
    cdef double norm, alpha, vnorm2, beta, K
    for k in range(s - 2):
        m = s - k - 1                       # size of the trailing block
        norm = 0.0
        for i in range(m):
            v[i] = A[(k + 1 + i) * s + k]
            norm = norm + v[i] * v[i]
        norm = sqrt(norm)
        if norm == 0.0:
            e[k] = 0.0
            continue
        alpha = -norm if v[0] > 0.0 else norm
        v[0] = v[0] - alpha
        vnorm2 = 0.0
        for i in range(m):
            vnorm2 = vnorm2 + v[i] * v[i]
        e[k] = alpha
        if vnorm2 == 0.0:
            continue
        beta = 2.0 / vnorm2
        K = 0.0
        for i in range(m):
            p[i] = 0.0
            for j in range(m):
                p[i] = p[i] + A[(k + 1 + i) * s + (k + 1 + j)] * v[j]
            p[i] = beta * p[i]
            K = K + p[i] * v[i]
        K = 0.5 * beta * K
        for i in range(m):
            p[i] = p[i] - K * v[i]          # q
        for i in range(m):
            for j in range(m):
                A[(k + 1 + i) * s + (k + 1 + j)] -= v[i] * p[j] + p[i] * v[j]
    for i in range(s):
        d[i] = A[i * s + i]
    if s >= 2:
        e[s - 2] = A[(s - 1) * s + (s - 2)]


cdef void _singular_values(const double* Q, int m, int K, double* G, double* w,
                           double* work, int lwork, double* out, int width) noexcept nogil:
    cdef int s = m if m <= K else K
    cdef int a, b, c, info = 0
    cdef double acc, lmax, tol
    # Gram matrix of the smaller side (column-major is the same: G is symmetric)
    for a in range(s):
        for b in range(a + 1):
            acc = 0.0
            if m <= K:
                for c in range(K):
                    acc = acc + Q[a * K + c] * Q[b * K + c]
            else:
                for c in range(m):
                    acc = acc + Q[c * K + a] * Q[c * K + b]
            G[a * s + b] = acc
            G[b * s + a] = acc
    # Householder tridiagonalisation, then LAPACK's root-free QR iteration (dsterf)
    _tridiagonalise(G, s, w, work, &work[s], &work[2 * s])
    dsterf(&s, w, work, &info)
    for a in range(width):
        out[a] = 0.0
    if info != 0:
        out[0] = -1.0               # flagged for the caller
        return
    lmax = w[s - 1] if w[s - 1] > 0.0 else 0.0
    # eigenvalues below rounding of the largest are zero singular values; sqrt would
    # turn their 1e-15 rounding into 1e-8
    tol = 64.0 * s * 2.220446049250313e-16 * lmax
    for a in range(s if s < width else width):
        acc = w[s - 1 - a]          # descending
        out[a] = sqrt(acc) if acc > tol else 0.0


@cython.boundscheck(False)
@cython.wraparound(False)
def singular_values(const double[::1] data,       # IN  all matrices, row-major, concatenated
                    const int64_t[::1] offsets,   # IN  (n + 1,) start of each matrix in data
                    const int64_t[:, ::1] shapes, # IN  (n, 2) rows m, columns K
                    double[:, ::1] out,           # OUT (n, width) descending, zero-padded
                    int max_side,
                    int n_threads):
    """Singular values of every matrix, descending, zero-padded to ``out.shape[1]``.

    ``out[i, 0] = -1`` marks a matrix for which LAPACK failed, ``-2`` one that a thread
    could not allocate its work buffers for.
    """
    cdef Py_ssize_t n = shapes.shape[0], i
    cdef int width = <int>out.shape[1]
    cdef int lwork = 4 * max_side
    cdef double* G
    cdef double* w
    cdef double* work
    with nogil, parallel(num_threads=n_threads):
        G = <double*>malloc(<size_t>max_side * <size_t>max_side * sizeof(double))
        w = <double*>malloc(<size_t>max_side * sizeof(double))
        work = <double*>malloc(<size_t>lwork * sizeof(double))
        # every thread of the team must enter the work-shared loop (OpenMP), so a
        # thread whose buffers failed to allocate still takes its share of rows and
        # flags them instead of leaving them as zeros that pass for singular values
        for i in prange(n, schedule="static"):
            if G != NULL and w != NULL and work != NULL:
                _singular_values(&data[offsets[i]], <int>shapes[i, 0], <int>shapes[i, 1],
                                 G, w, work, lwork, &out[i, 0], width)
            else:
                out[i, 0] = -2.0
        free(G)
        free(w)
        free(work)

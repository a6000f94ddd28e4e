# cython: language_level=3
"""Local planes of a sampled level set: the mean and the normal frame of each point's
neighbours (what ``symfast.symmetry._discrete._scoring._Scorer`` fits many times a search).

For each row i of ``I`` (k neighbour ids into P) the kernel gathers the k points, takes
their mean and scatter matrix, and returns the eigenvectors of the ``codim`` smallest
eigenvalues (the normal frame).  NumPy needs a gather of (n, k, d), an einsum and a
batched LAPACK call for this; the eigensolver here is cyclic Jacobi on the d x d matrix
in registers and stack memory (d is small: the finite-group search runs in up to six
dimensions), one pass per point, without temporaries.  The NumPy reference is
``_Scorer._planes_numpy``.

Prior validation assumed: P (m, d) C-contiguous float64, I (n, k) int64 in 0..m-1 with
k >= 1, 1 <= codim <= d <= MAX_D, mu (n, d) and N (n, d, codim) C-contiguous float64.
"""

cimport cython
from libc.math cimport fabs, sqrt
from libc.stdint cimport int64_t

cdef enum:
    MAX_D = 16

#: The largest dimension the kernel takes (its stack buffers are MAX_D x MAX_D).
max_dim = MAX_D


@cython.boundscheck(False)
@cython.wraparound(False)
@cython.cdivision(True)
cdef void _jacobi(double* A, double* V, int d) noexcept nogil:
    """Eigen-decompose the symmetric d x d matrix A (row-major, overwritten: its diagonal
    ends as the eigenvalues); V gets the eigenvectors as columns.  Cyclic Jacobi sweeps
    until the off-diagonal mass is below 1e-30 of the total (or 50 sweeps)."""
    cdef int p, q, r, sweep
    cdef double off, total, apq, theta, t, c, s, x, y
    for p in range(d):
        for q in range(d):
            V[p * d + q] = 1.0 if p == q else 0.0
    for sweep in range(50):
        off = 0.0
        total = 0.0
        for p in range(d):
            total += A[p * d + p] * A[p * d + p]
            for q in range(p + 1, d):
                off += A[p * d + q] * A[p * d + q]
        if off <= 1e-30 * (total + 2.0 * off) or off == 0.0:
            break
        for p in range(d - 1):
            for q in range(p + 1, d):
                apq = A[p * d + q]
                if apq == 0.0:
                    continue
                # the rotation J (J_pp = J_qq = c, J_pq = s, J_qp = -s) with
                # (J^T A J)_pq = 0, the smaller of the two angles
                theta = (A[q * d + q] - A[p * d + p]) / (2.0 * apq)
                t = 1.0 / (fabs(theta) + sqrt(theta * theta + 1.0))
                if theta < 0.0:
                    t = -t
                c = 1.0 / sqrt(t * t + 1.0)
                s = t * c
                for r in range(d):              # A <- A J, V <- V J (columns p, q)
                    x = A[r * d + p]
                    y = A[r * d + q]
                    A[r * d + p] = c * x - s * y
                    A[r * d + q] = s * x + c * y
                    x = V[r * d + p]
                    y = V[r * d + q]
                    V[r * d + p] = c * x - s * y
                    V[r * d + q] = s * x + c * y
                for r in range(d):              # A <- J^T A (rows p, q)
                    x = A[p * d + r]
                    y = A[q * d + r]
                    A[p * d + r] = c * x - s * y
                    A[q * d + r] = s * x + c * y


@cython.boundscheck(False)
@cython.wraparound(False)
@cython.cdivision(True)
def local_planes(const double[:, ::1] P,       # IN  (m, d) samples
                 const int64_t[:, ::1] I,      # IN  (n, k) neighbour ids into P
                 int codim,
                 double[:, ::1] mu,            # OUT (n, d) neighbour means
                 double[:, :, ::1] N):         # OUT (n, d, codim) normal frames
    """Fill mu and N: per row of I, the mean of its points and the eigenvectors (columns)
    of their scatter matrix for the ``codim`` smallest eigenvalues, in ascending order."""
    cdef Py_ssize_t n = I.shape[0], k = I.shape[1], i, j
    cdef int d = <int>P.shape[1], a, b, e, best
    cdef double A[MAX_D * MAX_D]
    cdef double V[MAX_D * MAX_D]
    cdef double w[MAX_D]
    cdef int used[MAX_D]
    cdef double z, lo
    cdef int64_t row
    with nogil:
        for i in range(n):
            for a in range(d):
                z = 0.0
                for j in range(k):
                    z = z + P[I[i, j], a]
                mu[i, a] = z / k
            for a in range(d * d):
                A[a] = 0.0
            for j in range(k):
                row = I[i, j]
                for a in range(d):
                    z = P[row, a] - mu[i, a]
                    for b in range(a, d):
                        A[a * d + b] += z * (P[row, b] - mu[i, b])
            for a in range(d):
                for b in range(a + 1, d):
                    A[b * d + a] = A[a * d + b]
            _jacobi(A, V, d)
            for a in range(d):
                w[a] = A[a * d + a]
                used[a] = 0
            for e in range(codim):                 # the codim smallest, ascending
                best = -1
                lo = 0.0
                for a in range(d):
                    if not used[a] and (best < 0 or w[a] < lo):
                        best = a
                        lo = w[a]
                used[best] = 1
                for a in range(d):
                    N[i, a, e] = V[a * d + best]

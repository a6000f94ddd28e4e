# cython: language_level=3
"""Neighbour lists re-measured in float64 (what ``symfast.analysis.exact_distances`` runs).

FAISS lists each query's neighbours with float32 distances computed as
``|x|^2 + |y|^2 - 2 x.y``; cuts that compare distances between near-duplicates must read
``|x - y|`` in float64 instead.  Here each listed pair is measured directly, and each row
is stably re-sorted by the new distances: one pass over the listed rows per query, no
(queries x k x features) temporaries (the NumPy route gathers them, 100 MB per block of
512 queries at k = 250 and 100 features, and is bound by that memory traffic).

Prior validation assumed: indices in -1..n-1, D and I_out of the shape of indices.
"""

cimport cython
from cython.parallel cimport parallel, prange, threadid
from libc.math cimport INFINITY, sqrt
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc

ctypedef fused real:
    float
    double

@cython.boundscheck(False)
@cython.wraparound(False)
cdef void _merge_sort(double* d, int64_t* idx, double* d_tmp, int64_t* i_tmp,
                      Py_ssize_t k) noexcept nogil:
    """Stable bottom-up merge sort of d[0..k) carrying idx; a merge whose halves are
    already in order is skipped, so a nearly sorted row (FAISS's order with rounding-level
    swaps) costs little more than one pass per level."""
    cdef Py_ssize_t width = 1, lo, mid, hi, a, b, o
    while width < k:
        lo = 0
        while lo < k - width:
            mid = lo + width
            hi = min(lo + 2 * width, k)
            if d[mid - 1] > d[mid]:
                a, b, o = lo, mid, 0
                while a < mid and b < hi:
                    if d[b] < d[a]:           # strict: ties keep the left (earlier) one
                        d_tmp[o] = d[b]
                        i_tmp[o] = idx[b]
                        b += 1
                    else:
                        d_tmp[o] = d[a]
                        i_tmp[o] = idx[a]
                        a += 1
                    o += 1
                while a < mid:
                    d_tmp[o] = d[a]
                    i_tmp[o] = idx[a]
                    a += 1
                    o += 1
                # what is left of the right half is already in place
                for a in range(o):
                    d[lo + a] = d_tmp[a]
                    idx[lo + a] = i_tmp[a]
            lo += 2 * width
        width *= 2


@cython.boundscheck(False)
@cython.wraparound(False)
def exact_distances(const real[:, ::1] X, const real[:, ::1] Q,
                    const int64_t[:, ::1] indices, double[:, ::1] D, int64_t[:, ::1] I_out,
                    int n_threads):
    """Fill D (n_queries x k) with |X[indices] - Q| in float64 (inf where the index is -1)
    and I_out with the indices, each row stably sorted by distance.  X and Q are both
    float32 or both float64; float32 points are read as they are (widening is exact) and
    measured in float64, at half the memory traffic of a float64 copy."""
    cdef Py_ssize_t n = indices.shape[0], k = indices.shape[1], d = X.shape[1]
    cdef Py_ssize_t q, j, c, tid
    cdef int64_t t
    cdef double s, diff
    if n == 0 or k == 0:
        return
    n_threads = max(1, n_threads)
    # one sort buffer per thread, allocated (and checked) before the parallel loop
    cdef double* d_tmp = <double*>malloc(n_threads * k * sizeof(double))
    cdef int64_t* i_tmp = <int64_t*>malloc(n_threads * k * sizeof(int64_t))
    if d_tmp == NULL or i_tmp == NULL:
        free(d_tmp)
        free(i_tmp)
        raise MemoryError("exact_distances: cannot allocate the sort buffers")
    with nogil, parallel(num_threads=n_threads):
        for q in prange(n, schedule="static"):
            tid = threadid()
            for j in range(k):
                t = indices[q, j]
                I_out[q, j] = t
                if t < 0:
                    D[q, j] = INFINITY
                    continue
                s = 0
                for c in range(d):
                    diff = <double>X[t, c] - <double>Q[q, c]
                    s = s + diff * diff
                D[q, j] = sqrt(s)
            _merge_sort(&D[q, 0], &I_out[q, 0], d_tmp + tid * k, i_tmp + tid * k, k)
    free(d_tmp)
    free(i_tmp)

# cython: language_level=3
"""Exact triple intersection numbers and second Chern class of CICY threefolds.

For a configuration matrix q (m x K) in the ambient space A = P^{n_1} x ... x P^{n_m}
(n_r = sum_j q_rj - 1), the threefold X is cut out by K equations of multidegrees
the columns; J_r is the hyperplane class of P^{n_r}, and D_j = sum_r q_rj J_r.

    d_rst = integral over X of J_r J_s J_t
          = coefficient of prod_r J_r^{n_r} in J_r J_s J_t prod_j D_j,

computed in exact integers by expanding prod_j D_j column by column in the
truncated ring Z[J]/(J_r^{n_r + 1}) (a dense array over exponent vectors, mixed
radix).  With c_1(X) = 0, Newton's identities give c_2 = -p_2 / 2 and c_3 = p_3 / 3
for the power sums p_k = sum_r (n_r + 1) J_r^k - sum_j D_j^k, so

    c2_t = (1/2) [ sum_j sum_{r,s} q_rj q_sj d_rst - sum_r (n_r + 1) d_rrt ]
    chi  = (1/3) [ sum_r (n_r + 1) d_rrr - sum_j sum_{r,s,t} q_rj q_sj q_tj d_rst ].

Prior validation assumed: data holds the matrices row-major (int64) back to back,
offsets[i] is where matrix i starts, every row sums to >= 2, sum n_r - K = 3,
m <= MAX_ROWS, and work_size >= prod_r (n_r + 1) of every matrix.
"""

cimport cython
from cython.parallel cimport parallel, prange
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memset

cdef enum:
    MAX_ROWS = 32

INTERSECT_MAX_ROWS = MAX_ROWS


cdef int _one(const int64_t* q, int m, int K, int64_t* a, int64_t* b,
              int64_t* d, int64_t* c2, int64_t* chi) noexcept nogil:
    """d (m x m x m, full), c2 (m) and chi of one matrix; returns 0, or 1 when the
    Newton identities leave a remainder (not a Calabi-Yau threefold)."""
    cdef int64_t n[MAX_ROWS]
    cdef int64_t stride[MAX_ROWS + 1]
    cdef int64_t e[MAX_ROWS]
    cdef int r, s, t, j
    cdef int64_t S, idx, w, v, total, acc
    cdef int64_t* tmp
    stride[0] = 1
    for r in range(m):
        n[r] = -1
        for j in range(K):
            n[r] += q[r * K + j]
        stride[r + 1] = stride[r] * (n[r] + 1)
    S = stride[m]
    memset(a, 0, S * sizeof(int64_t))
    a[0] = 1
    for j in range(K):                       # a <- a * D_j, truncated
        memset(b, 0, S * sizeof(int64_t))
        for idx in range(S):
            v = a[idx]
            if v == 0:                       # most states: wrong total degree so far
                continue
            w = idx                          # the exponents of idx (mixed radix)
            for r in range(m):
                e[r] = w % (n[r] + 1)
                w = w // (n[r] + 1)
            for r in range(m):
                if q[r * K + j] != 0 and e[r] < n[r]:
                    b[idx + stride[r]] += q[r * K + j] * v
        tmp = a
        a = b
        b = tmp
    # top class: exponent n; d_rst = coefficient at n - e_r - e_s - e_t
    cdef int64_t top = 0
    for r in range(m):
        top += n[r] * stride[r]
    for r in range(m):
        for s in range(m):
            for t in range(m):
                idx = top - stride[r] - stride[s] - stride[t]
                # each row's exponent n_x minus its uses among (r, s, t) must stay >= 0
                v = (n[r] >= 1 + (s == r) + (t == r) and n[s] >= 1 + (r == s) + (t == s)
                     and n[t] >= 1 + (r == t) + (s == t))
                d[(r * m + s) * m + t] = a[idx] if v else 0
    for t in range(m):
        acc = 0
        for j in range(K):
            for r in range(m):
                if q[r * K + j] == 0:
                    continue
                for s in range(m):
                    acc += q[r * K + j] * q[s * K + j] * d[(r * m + s) * m + t]
        for r in range(m):
            acc -= (n[r] + 1) * d[(r * m + r) * m + t]
        if acc % 2 != 0:
            return 1
        c2[t] = acc // 2
    total = 0
    for r in range(m):
        total += (n[r] + 1) * d[(r * m + r) * m + r]
    for j in range(K):
        for r in range(m):
            if q[r * K + j] == 0:
                continue
            for s in range(m):
                if q[s * K + j] == 0:
                    continue
                for t in range(m):
                    total -= q[r * K + j] * q[s * K + j] * q[t * K + j] * d[(r * m + s) * m + t]
    if total % 3 != 0:
        return 1
    chi[0] = total // 3
    return 0


@cython.boundscheck(False)
@cython.wraparound(False)
def intersections(const int64_t[::1] data,       # IN  all matrices, row-major, concatenated
                  const int64_t[::1] offsets,    # IN  (n + 1,) start of each matrix in data
                  const int64_t[:, ::1] shapes,  # IN  (n, 2) rows m, columns K
                  const int64_t[::1] d_offsets,  # IN  (n + 1,) start of each m^3 block of d
                  const int64_t[::1] r_offsets,  # IN  (n + 1,) start of each m block of c2
                  int64_t[::1] d,                # OUT (d_offsets[n],) d_rst, row-major
                  int64_t[::1] c2,               # OUT (r_offsets[n],) c2 . J_r
                  int64_t[::1] chi,              # OUT (n,) Euler numbers
                  int64_t[::1] status,           # OUT (n,) 0 ok, 1 not integral, -2 no memory
                  int64_t work_size,
                  int n_threads):
    """Triple intersection numbers, c2 . J_r and the Euler number of every matrix."""
    cdef Py_ssize_t n = shapes.shape[0], i
    cdef int64_t* a
    cdef int64_t* b
    with nogil, parallel(num_threads=n_threads):
        a = <int64_t*>malloc(<size_t>work_size * sizeof(int64_t))
        b = <int64_t*>malloc(<size_t>work_size * sizeof(int64_t))
        for i in prange(n, schedule="dynamic", chunksize=16):
            if a != NULL and b != NULL:
                status[i] = _one(&data[offsets[i]], <int>shapes[i, 0], <int>shapes[i, 1],
                                 a, b, &d[d_offsets[i]], &c2[r_offsets[i]], &chi[i])
            else:
                status[i] = -2
        free(a)
        free(b)

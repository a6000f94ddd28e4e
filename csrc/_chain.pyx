# cython: language_level=3
"""Whole-space enumeration of the open n-spin chain, bit-parallel.

A state is a machine word x: bit k-1 set means s_k = -1.  The product of the
window of n spins starting at k is (-1)^(parity of bits k..k+n-1), and the
parities of all windows at once are the bits of w = x ^ (x >> 1) ^ ... ^ (x >> (n-1)).
Flipping spin i flips the windows that contain it, so its energy change is

    dE_i = 2 J sum_{windows k containing i} p_k + 2 B s_i
         = 2 J (c_i - 2 popcount(w & M_i)) + 2 B (1 - 2 x_i)

with M_i the mask of those windows and c_i their number.  A state is
(meta)stable when every dE_i > 0 (strict) or >= 0 (weak); the check stops at
the first spin that fails, so most states cost a few instructions.

Prior validation assumed: 1 <= n, N <= 63, start <= stop <= 2^N.
"""

cimport cython
from cython.parallel cimport prange
from libc.stdint cimport int64_t, uint64_t

cdef extern from *:
    """
    static inline int sf_popcount64(unsigned long long x) { return __builtin_popcountll(x); }
    """
    int sf_popcount64(unsigned long long x) nogil


cdef inline uint64_t _windows(uint64_t x, int n, uint64_t wmask) noexcept nogil:
    cdef uint64_t w = x
    cdef int l
    for l in range(1, n):
        w ^= x >> l
    return w & wmask


cdef inline int _stable(uint64_t x, uint64_t w, int N, const uint64_t* M,
                        const unsigned char* ok) noexcept nogil:
    """ok[(i * 65 + p) * 2 + b]: whether spin i may stay, with p of its windows odd and
    bit b = (s_i == -1); integer work only, stopping at the first spin that fails."""
    cdef int i
    for i in range(N):
        if not ok[(i * 65 + sf_popcount64(w & M[i])) * 2 + <int>((x >> i) & 1)]:
            return 0
    return 1


cdef void _ok_table(int N, const int* c, double J, double B, int strict,
                    unsigned char* ok) noexcept nogil:
    """dE_i = 2 J (c_i - 2 p) + 2 B s_i for every spin i, odd-window count p and spin."""
    cdef int i, p, b
    cdef double dE
    for i in range(N):
        for p in range(65):
            for b in range(2):
                dE = 2.0 * J * (c[i] - 2 * p) + 2.0 * B * (1 - 2 * b)
                ok[(i * 65 + p) * 2 + b] = (dE > 0.0) if strict else (dE >= 0.0)


cdef void _masks(int N, int n, uint64_t* M, int* c, uint64_t* wmask) noexcept nogil:
    cdef int i, k, W = N - n + 1
    wmask[0] = 0
    for k in range(W if W > 0 else 0):
        wmask[0] |= (<uint64_t>1) << k
    for i in range(N):
        M[i] = 0
        c[i] = 0
        for k in range(i - n + 1, i + 1):
            if 0 <= k < W:
                M[i] |= (<uint64_t>1) << k
                c[i] += 1


@cython.boundscheck(False)
@cython.wraparound(False)
def energies(int N, int n, double J, double B, int64_t start,
             double[::1] out,                   # OUT (stop - start,) energies
             int n_threads):
    """H of the states start .. start + len(out) - 1."""
    cdef uint64_t M[64]
    cdef int c[64]
    cdef uint64_t wmask
    cdef Py_ssize_t i, m = out.shape[0]
    cdef uint64_t x, w
    cdef int W = N - n + 1 if N - n + 1 > 0 else 0
    _masks(N, n, M, c, &wmask)
    for i in prange(m, nogil=True, schedule="static", num_threads=n_threads):
        x = <uint64_t>(start + i)
        w = _windows(x, n, wmask)
        out[i] = -J * (W - 2 * sf_popcount64(w)) - B * (N - 2 * sf_popcount64(x))


@cython.boundscheck(False)
@cython.wraparound(False)
def metastable(int N, int n, double J, double B, int strict, int64_t start,
               unsigned char[::1] out,          # OUT (stop - start,) 1 = (meta)stable
               int n_threads):
    """Stability of the states start .. start + len(out) - 1."""
    cdef uint64_t M[64]
    cdef int c[64]
    cdef unsigned char ok[64 * 65 * 2]
    cdef uint64_t wmask
    cdef Py_ssize_t i, m = out.shape[0]
    cdef uint64_t x
    _masks(N, n, M, c, &wmask)
    _ok_table(N, c, J, B, strict, ok)
    for i in prange(m, nogil=True, schedule="static", num_threads=n_threads):
        x = <uint64_t>(start + i)
        out[i] = _stable(x, _windows(x, n, wmask), N, M, ok)


@cython.boundscheck(False)
@cython.wraparound(False)
def count_stable(int N, int n, double J, double B, int strict, int64_t start, int64_t stop,
                 int n_threads):
    """Number of (meta)stable states in [start, stop), streaming: no array at all."""
    cdef uint64_t M[64]
    cdef int c[64]
    cdef unsigned char ok[64 * 65 * 2]
    cdef uint64_t wmask
    cdef int64_t i, total = 0
    cdef uint64_t x
    _masks(N, n, M, c, &wmask)
    _ok_table(N, c, J, B, strict, ok)
    for i in prange(start, stop, nogil=True, schedule="static", num_threads=n_threads):
        x = <uint64_t>i
        total += _stable(x, _windows(x, n, wmask), N, M, ok)
    return total

# cython: language_level=3
"""Multi-spin-coded checkerboard Metropolis for the 2D Ising model (see _ising_msc.h).

Layout: ``lat`` of shape (n_blocks, L, L), uint64; bit r of lat[b, y, x] is the
spin of replica 64 b + r at (y, x), set when that spin is -1.  ``rng`` of
shape (n_blocks * L, STATE_WORDS): the xoshiro256++ streams of each (block, row).

Prior validation assumed: L even and >= 4, T > 0, finite J, C-contiguous arrays.
"""

cimport cython
from cython.parallel cimport prange
from libc.math cimport exp, ldexp
from libc.stdint cimport int8_t, int64_t, uint64_t

from _rng cimport rng_seed

cdef extern from "_omp_compat.h":
    int sf_omp_max_threads() nogil
    int sf_has_openmp() nogil

cdef extern from "_ising_msc.h":
    ctypedef struct sf_msc_params:
        uint64_t sel_always[5]
        uint64_t sel_a[5]
        uint64_t sel_b[5]
        uint64_t p_a
        uint64_t p_b
    void sf_msc_row(uint64_t* lat, int L, int y, int colour, const sf_msc_params* prm,
                    uint64_t* rng) nogil
    int SF_RNG_STATE
    int SF_RNG_WAYS


def openmp_max_threads():
    """Number of threads OpenMP would use by default (1 without OpenMP)."""
    return sf_omp_max_threads()


def has_openmp():
    """Whether this extension was compiled with OpenMP."""
    return bool(sf_has_openmp())


cdef sf_msc_params _params(double T, double J) except *:
    """Classes m = 0..4 (antiparallel neighbours), dE = 2 J (4 - 2 m): which flip always,
    which never (P = 0 after rounding), and the fixed-point thresholds of the rest."""
    cdef sf_msc_params prm
    cdef int m, n_lazy = 0
    cdef double dE, p
    cdef uint64_t P
    cdef uint64_t ONES = ~(<uint64_t>0)
    for m in range(5):
        prm.sel_always[m] = 0
        prm.sel_a[m] = 0
        prm.sel_b[m] = 0
    prm.p_a = 0
    prm.p_b = 0
    for m in range(5):
        dE = 2.0 * J * (4 - 2 * m)
        if dE <= 0.0:
            prm.sel_always[m] = ONES
            continue
        p = exp(-dE / T)
        # p < 1 has at most 53 significant bits, so p 2^64 <= 2^64 - 2^11 fits exactly
        P = <uint64_t>ldexp(p, 64)
        if P == 0:
            continue                            # never flips (exp underflowed)
        if n_lazy == 0:
            prm.sel_a[m] = ONES
            prm.p_a = P
        elif n_lazy == 1:
            prm.sel_b[m] = ONES
            prm.p_b = P
        else:
            raise AssertionError("more than two classes with 0 < p < 1")
        n_lazy += 1
    return prm


def acceptance(double T, double J):
    """The acceptance probability of each class m = 0..4 as the kernel applies it."""
    cdef sf_msc_params prm = _params(T, J)
    out = []
    for m in range(5):
        if prm.sel_always[m]:
            out.append(1.0)
        elif prm.sel_a[m]:
            out.append(ldexp(<double>prm.p_a, -64))
        elif prm.sel_b[m]:
            out.append(ldexp(<double>prm.p_b, -64))
        else:
            out.append(0.0)
    return out


STATE_WORDS = SF_RNG_STATE


def seed_streams(uint64_t[:, ::1] rng, uint64_t seed):
    """Seed row i of ``rng`` (shape (n, STATE_WORDS)): way j is stream WAYS i + j of seed,
    stored way-minor (word k of way j at k * WAYS + j)."""
    cdef Py_ssize_t i, j, k
    cdef uint64_t s[4]
    if rng.shape[1] != SF_RNG_STATE:
        raise ValueError(f"rng must have {SF_RNG_STATE} columns")
    for i in range(rng.shape[0]):
        for j in range(SF_RNG_WAYS):
            rng_seed(s, seed, <uint64_t>(i * SF_RNG_WAYS + j))
            for k in range(4):
                rng[i, k * SF_RNG_WAYS + j] = s[k]


@cython.boundscheck(False)
@cython.wraparound(False)
def sweeps(uint64_t[:, :, ::1] lat,   # IN/OUT (n_blocks, L, L)
           uint64_t[:, ::1] rng,      # IN/OUT (n_blocks * L, STATE_WORDS)
           double T, double J, int64_t n_sweeps, int n_threads):
    """Advance every replica by ``n_sweeps`` checkerboard sweeps, in place."""
    cdef sf_msc_params prm = _params(T, J)
    cdef int L = lat.shape[1]
    cdef Py_ssize_t n_rows = lat.shape[0] * L, r
    cdef int64_t s
    cdef int colour
    if n_rows == 0:
        return
    with nogil:
        for s in range(n_sweeps):
            for colour in range(2):
                for r in prange(n_rows, num_threads=n_threads, schedule="static"):
                    sf_msc_row(&lat[r // L, 0, 0], L, <int>(r % L), colour, &prm, &rng[r, 0])


@cython.boundscheck(False)
@cython.wraparound(False)
def pack(const int8_t[:, :, ::1] spins,   # IN (R, L, L), +-1
         uint64_t[:, :, ::1] lat):        # OUT (ceil(R / 64), L, L), zeroed by the caller
    """Replica r -> bit r % 64 of block r // 64 (set for -1)."""
    cdef Py_ssize_t R = spins.shape[0], L = spins.shape[1], r, y, x
    cdef uint64_t bit
    with nogil:
        for r in range(R):
            bit = (<uint64_t>1) << (r & 63)
            for y in range(L):
                for x in range(L):
                    if spins[r, y, x] < 0:
                        lat[r >> 6, y, x] |= bit


@cython.boundscheck(False)
@cython.wraparound(False)
def unpack(const uint64_t[:, :, ::1] lat,   # IN (n_blocks, L, L)
           int8_t[:, :, ::1] out,          # OUT (count, L, L)
           Py_ssize_t first):
    """out[i] = replica first + i, as +-1."""
    cdef Py_ssize_t n = out.shape[0], L = out.shape[1], i, r, y, x
    cdef int lane
    with nogil:
        for i in range(n):
            r = first + i
            lane = r & 63
            for y in range(L):
                for x in range(L):
                    out[i, y, x] = <int8_t>(1 - 2 * <int>((lat[r >> 6, y, x] >> lane) & 1))


@cython.boundscheck(False)
@cython.wraparound(False)
def fingerprint(const uint64_t[:, :, ::1] lat):
    """A 64-bit hash of the packed lattice (FNV-1a over words, then mixed)."""
    cdef uint64_t h = 0xCBF29CE484222325ULL
    cdef Py_ssize_t b, y, x
    with nogil:
        for b in range(lat.shape[0]):
            for y in range(lat.shape[1]):
                for x in range(lat.shape[2]):
                    h = (h ^ lat[b, y, x]) * <uint64_t>0x100000001B3ULL
    h ^= h >> 33
    h *= <uint64_t>0xFF51AFD7ED558CCDULL
    h ^= h >> 33
    return h

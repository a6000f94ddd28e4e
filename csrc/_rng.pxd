# Counter-seeded xoshiro256** streams, shared by the compiled kernels.
#
# Every stream is seeded from (seed, stream index) through splitmix64, so a
# kernel that gives stream i to work item i produces the same numbers whatever
# the number of threads or the schedule.
from libc.stdint cimport uint64_t
from libc.math cimport sqrt, log, cos, sin

cdef inline uint64_t _splitmix64(uint64_t* x) noexcept nogil:
    x[0] += <uint64_t>0x9E3779B97F4A7C15ULL
    cdef uint64_t z = x[0]
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EBULL
    return z ^ (z >> 31)

cdef inline void rng_seed(uint64_t* s, uint64_t seed, uint64_t stream) noexcept nogil:
    # Mix seed and stream index before expanding, so nearby (seed, stream)
    # pairs give unrelated states.
    cdef uint64_t x = seed * <uint64_t>0xD1342543DE82EF95ULL + stream
    x = _splitmix64(&x) ^ stream
    s[0] = _splitmix64(&x)
    s[1] = _splitmix64(&x)
    s[2] = _splitmix64(&x)
    s[3] = _splitmix64(&x)

cdef inline uint64_t _rotl(uint64_t x, int k) noexcept nogil:
    return (x << k) | (x >> (64 - k))

cdef inline uint64_t rng_next(uint64_t* s) noexcept nogil:
    cdef uint64_t result = _rotl(s[1] * 5, 7) * 9
    cdef uint64_t t = s[1] << 17
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result

cdef inline double rng_uniform(uint64_t* s) noexcept nogil:
    """Uniform double in [0, 1) with 53 random bits."""
    return <double>(rng_next(s) >> 11) * (1.0 / 9007199254740992.0)

cdef inline void rng_normal_fill(uint64_t* s, double* out, int n) noexcept nogil:
    """Fill out[0:n] with standard normal draws (Box-Muller)."""
    cdef int i = 0
    cdef double u1, u2, r
    while i < n:
        u1 = 1.0 - rng_uniform(s)          # in (0, 1]: log is finite
        u2 = rng_uniform(s)
        r = sqrt(-2.0 * log(u1))
        out[i] = r * cos(6.283185307179586 * u2)
        if i + 1 < n:
            out[i + 1] = r * sin(6.283185307179586 * u2)
        i += 2

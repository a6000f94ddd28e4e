/* Multi-spin-coded Metropolis for the 2D Ising model: 64 independent replicas per word.
 *
 * A block is an L x L array of uint64 words; bit r of word (y, x) is the spin of
 * replica r at site (y, x), set when the spin is -1.  A checkerboard half-sweep
 * updates every site of one colour; a site's four neighbours have the other
 * colour, so the rows of one colour are independent and may run in parallel.
 *
 * Per site (64 replicas at once):
 *   a_k = s ^ neighbour_k            antiparallel neighbours, one bit per replica
 *   m   = a_1 + a_2 + a_3 + a_4      bit-sliced adder: m = b0 + 2 b1 + 4 b2
 *   dE  = 2 J (4 - 2 m)              so the five classes m = 0..4 have fixed dE
 * A class with dE <= 0 flips always.  For the other classes the flip is accepted
 * when U < P_m, U a uniform 64-bit integer and P_m = floor(exp(-dE_m / T) 2^64);
 * the comparison runs lazily from the most significant bit, all lanes together:
 * each round draws one random word, decides every lane whose random bit differs
 * from its threshold bit, and stops as soon as no lane is undecided.  The
 * acceptance probability is P_m / 2^64, exact up to the rounding of exp().
 *
 * Random numbers: xoshiro256++, SF_RNG_WAYS interleaved streams per (block, row),
 * generated into a buffer by a loop the compiler vectorises; results do not depend
 * on the number of threads.
 */
#ifndef SF_ISING_MSC_H
#define SF_ISING_MSC_H

#include <stdint.h>

#ifndef SF_MSC_FIXED_ROUNDS
#define SF_MSC_FIXED_ROUNDS 8
#endif

static inline uint64_t sf_rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && !defined(SYMFAST_NO_MULTIVERSION)
#define SF_ISING_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SF_ISING_CLONES
#endif

#define SF_RNG_WAYS 4          /* interleaved xoshiro256++ streams per (block, row) */
#define SF_RNG_BUF 128         /* random words buffered per row */
#define SF_RNG_STATE (4 * SF_RNG_WAYS)

/* Lazy-comparison parameters.  sel_*[m] is all ones when class m belongs to the set:
 * flips always, or is lazy class a / b (at most two classes have 0 < P < 2^64: 0 and 1
 * when J > 0, 3 and 4 when J < 0). */
typedef struct {
    uint64_t sel_always[5], sel_a[5], sel_b[5];
    uint64_t p_a, p_b;           /* thresholds, fixed point */
} sf_msc_params;

/* Fill buf[0:n] (n a multiple of SF_RNG_WAYS) from SF_RNG_WAYS interleaved xoshiro256++
 * streams; the state is laid out way-minor (st[word * WAYS + way]) so the loop
 * vectorises. */
typedef uint64_t sf_v4u __attribute__((vector_size(32)));   /* SF_RNG_WAYS lanes */

static inline sf_v4u sf_rotl_v4(sf_v4u x, int k) { return (x << k) | (x >> (64 - k)); }

static inline void sf_rng_fill(uint64_t *restrict st, uint64_t *restrict buf, int n) {
    sf_v4u s0, s1, s2, s3;
    __builtin_memcpy(&s0, st, 32);
    __builtin_memcpy(&s1, st + 4, 32);
    __builtin_memcpy(&s2, st + 8, 32);
    __builtin_memcpy(&s3, st + 12, 32);
    for (int i = 0; i < n; i += SF_RNG_WAYS) {
        const sf_v4u w = sf_rotl_v4(s0 + s3, 23) + s0;
        const sf_v4u t = s1 << 17;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
        s2 ^= t; s3 = sf_rotl_v4(s3, 45);
        __builtin_memcpy(buf + i, &w, 32);
    }
    __builtin_memcpy(st, &s0, 32);
    __builtin_memcpy(st + 4, &s1, 32);
    __builtin_memcpy(st + 8, &s2, 32);
    __builtin_memcpy(st + 12, &s3, 32);
}

/* One colour of one row.  lat: the block (L*L words), rng: SF_RNG_STATE words.
 * Random words come from a buffer; a site consumes at most 64 (one per bit of the
 * threshold), so refilling before a site when fewer than 64 remain never runs dry.
 * The first rounds of the comparison run without a branch: nearly every site needs
 * several, and a data-dependent exit after each one mispredicts. */
SF_ISING_CLONES
static void sf_msc_row(uint64_t *restrict lat, int L, int y, int colour,
                       const sf_msc_params *restrict prm, uint64_t *restrict rng) {
    uint64_t buf[SF_RNG_BUF];
    int pos = SF_RNG_BUF;
    const sf_msc_params P = *prm;                 /* loop invariants in registers */
    uint64_t *row = lat + (int64_t)y * L;
    const uint64_t *up = lat + (int64_t)(y == 0 ? L - 1 : y - 1) * L;
    const uint64_t *dn = lat + (int64_t)(y == L - 1 ? 0 : y + 1) * L;
    const int x0 = (y + colour) & 1;
    /* the usual case gets its class masks without the table (the branch is invariant) */
    const int ferro = P.sel_a[0] && P.sel_b[1] && P.sel_always[2] && P.sel_always[3]
                      && P.sel_always[4];
    for (int x = x0; x < L; x += 2) {
        const uint64_t s = row[x];
        const uint64_t a1 = s ^ row[x == 0 ? L - 1 : x - 1];
        const uint64_t a2 = s ^ row[x == L - 1 ? 0 : x + 1];
        const uint64_t a3 = s ^ up[x];
        const uint64_t a4 = s ^ dn[x];
        const uint64_t h1 = a1 ^ a2, c1 = a1 & a2;
        const uint64_t h2 = a3 ^ a4, c2 = a3 & a4;
        const uint64_t b0 = h1 ^ h2, k = h1 & h2;
        const uint64_t b1 = c1 ^ c2 ^ k;
        const uint64_t b2 = (c1 & c2) | ((c1 ^ c2) & k);
        uint64_t flip, ea, eb;
        if (ferro) {        /* J > 0: m >= 2 flips always, m = 0 and m = 1 are lazy */
            const uint64_t high = b1 | b2;
            flip = high;
            ea = ~(b0 | high);
            eb = b0 & ~high;
        } else {
            const uint64_t eq[5] = {~(b0 | b1 | b2), b0 & ~b1 & ~b2, ~b0 & b1, b0 & b1, b2};
            flip = 0; ea = 0; eb = 0;
            for (int m = 0; m < 5; m++) {
                flip |= eq[m] & P.sel_always[m];
                ea |= eq[m] & P.sel_a[m];
                eb |= eq[m] & P.sel_b[m];
            }
        }
        uint64_t undecided = ea | eb;
        if (!undecided) { row[x] = s ^ flip; continue; }
        if (pos > SF_RNG_BUF - 64) {          /* keep the unused words, top up the rest */
            const int left = SF_RNG_BUF - pos;
            const int n = (SF_RNG_BUF - left) & ~(SF_RNG_WAYS - 1);
            const int start = SF_RNG_BUF - left - n;
            for (int i = 0; i < left; i++) buf[start + i] = buf[pos + i];
            sf_rng_fill(rng, buf + start + left, n);
            pos = start;
        }
        int bit = 63;
#define SF_ROUND                                                                     \
        {                                                                            \
            const uint64_t w = buf[pos++];                                           \
            const uint64_t th = (ea & (0 - ((P.p_a >> bit) & 1)))                    \
                              | (eb & (0 - ((P.p_b >> bit) & 1)));                   \
            flip |= undecided & th & ~w;       /* U has 0 where P has 1: U < P */     \
            undecided &= ~(th ^ w);            /* equal bits: still undecided */      \
            bit--;                                                                   \
        }
        for (int r = 0; r < SF_MSC_FIXED_ROUNDS; r++) SF_ROUND
        while (undecided && bit >= 0) SF_ROUND
#undef SF_ROUND
        row[x] = s ^ flip;
    }
}

#endif

/* The plane filter's scan over the cloud, in C: `restrict`, fixed-size inner loops
 * and function multiversioning let the compiler keep the projections in registers
 * and vectorise over planes with the widest instructions the running CPU has
 * (AVX2 and FMA where present, chosen at load time), while the build stays portable. */
#ifndef SYMFAST_PLANE_FILTER_H
#define SYMFAST_PLANE_FILTER_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && !defined(SYMFAST_NO_MULTIVERSION)
#define SF_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SF_CLONES
#endif

/* Squared distances of x to planes p < nb into out, |x|^2 - <x,e1_p>^2 - <x,e2_p>^2;
 * returns whether any is below delta2 (an integer OR, which vectorises; a floating
 * min would not without -ffast-math).  E1, E2 are plane-major: E1[r * nb + p] is
 * coordinate r of e1 of plane p. */
#define SF_PLANE_DIST(D)                                                             \
static inline int sf_dist2_##D(const double *restrict x, const double *restrict E1,  \
        const double *restrict E2, size_t nb, double norm2, double delta2,          \
        double *restrict out)                                                        \
{                                                                                    \
    int hit = 0;                                                                     \
    for (size_t p = 0; p < nb; ++p) {                                                \
        double a = 0.0, b = 0.0;                                                     \
        for (size_t r = 0; r < D; ++r) {                                             \
            a += x[r] * E1[r * nb + p];                                              \
            b += x[r] * E2[r * nb + p];                                              \
        }                                                                            \
        const double dist = norm2 - a * a - b * b;                                   \
        out[p] = dist;                                                               \
        hit |= dist < delta2;                                                        \
    }                                                                                \
    return hit;                                                                      \
}

SF_PLANE_DIST(2)
SF_PLANE_DIST(3)
SF_PLANE_DIST(4)
SF_PLANE_DIST(5)
SF_PLANE_DIST(6)
SF_PLANE_DIST(7)
SF_PLANE_DIST(8)

static inline int sf_dist2_any(const double *restrict x, size_t d,
        const double *restrict E1, const double *restrict E2, size_t nb, double norm2,
        double delta2, double *restrict out)
{
    int hit = 0;
    for (size_t p = 0; p < nb; ++p) {
        double a = 0.0, b = 0.0;
        for (size_t r = 0; r < d; ++r) {
            a += x[r] * E1[r * nb + p];
            b += x[r] * E2[r * nb + p];
        }
        out[p] = norm2 - a * a - b * b;
        hit |= out[p] < delta2;
    }
    return hit;
}

#define SF_MAX_BLOCK 64

/* Scan points 0..n-1 of X (n, d) against nb <= SF_MAX_BLOCK planes; append the index of
 * every point closer than sqrt(delta2) to plane p to idx[p * max_kept + ...] while
 * counts[p] < max_kept.  Stops early once every plane is full. */
SF_CLONES
static void sf_filter_points(const double *restrict X, int64_t n, int64_t d,
        const double *restrict norms2, const double *restrict E1,
        const double *restrict E2, int64_t nb, double delta2, int64_t max_kept,
        int64_t *restrict idx, int64_t *restrict counts)
{
    double out[SF_MAX_BLOCK];
    int64_t full = 0;
    for (int64_t p = 0; p < nb; ++p) counts[p] = 0;
    for (int64_t i = 0; i < n; ++i) {
        const double *x = X + i * d;
        int hit;
        switch (d) {
        case 2: hit = sf_dist2_2(x, E1, E2, (size_t)nb, norms2[i], delta2, out); break;
        case 3: hit = sf_dist2_3(x, E1, E2, (size_t)nb, norms2[i], delta2, out); break;
        case 4: hit = sf_dist2_4(x, E1, E2, (size_t)nb, norms2[i], delta2, out); break;
        case 5: hit = sf_dist2_5(x, E1, E2, (size_t)nb, norms2[i], delta2, out); break;
        case 6: hit = sf_dist2_6(x, E1, E2, (size_t)nb, norms2[i], delta2, out); break;
        case 7: hit = sf_dist2_7(x, E1, E2, (size_t)nb, norms2[i], delta2, out); break;
        case 8: hit = sf_dist2_8(x, E1, E2, (size_t)nb, norms2[i], delta2, out); break;
        default: hit = sf_dist2_any(x, (size_t)d, E1, E2, (size_t)nb, norms2[i], delta2, out);
        }
        if (!hit) continue;               /* the common case: near no plane of the block */
        for (int64_t p = 0; p < nb; ++p) {
            if (out[p] < delta2 && counts[p] < max_kept) {
                idx[p * max_kept + counts[p]] = i;
                if (++counts[p] == max_kept) ++full;
            }
        }
        if (full == nb) break;
    }
}

#endif

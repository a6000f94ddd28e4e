/* OpenMP shims so that the kernels build (single-threaded) without OpenMP. */
#ifndef SYMFAST_OMP_COMPAT_H
#define SYMFAST_OMP_COMPAT_H
#ifdef _OPENMP
#include <omp.h>
static int sf_omp_max_threads(void) { return omp_get_max_threads(); }
static int sf_has_openmp(void) { return 1; }
#else
static int sf_omp_max_threads(void) { return 1; }
static int sf_has_openmp(void) { return 0; }
#endif
#endif

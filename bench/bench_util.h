/* bench_util.h - timing helpers shared by the benchmark programs. */
#ifndef VIGIL_BENCH_UTIL_H
#define VIGIL_BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

static inline double bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int bench_compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts times in place and returns the value at quantile q (0.5 = median). */
static inline double bench_quantile(double *times, int n, double q)
{
    qsort(times, (size_t)n, sizeof *times, bench_compare_doubles);
    int i = (int)(q * (n - 1) + 0.5);
    return times[i];
}

#endif

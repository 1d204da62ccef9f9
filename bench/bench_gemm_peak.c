/*
 * bench_gemm_peak.c - this machine's single-precision matrix product peak,
 * the yardstick for the backbone benchmark: the best GFLOP/s of OpenBLAS's
 * serial sgemm on large square matrices, on 1 thread and on N threads each
 * multiplying its own share of rows (the way the runtime uses it).
 *
 *   bench_gemm_peak [SIZE] [RUNS] [THREADS]
 */
#include "bench_util.h"

#include <cblas.h>
#include <omp.h>
#include <stdio.h>

static double gflops(int n, const float *a, const float *b, float *c, int threads, int runs)
{
    double *times = malloc((size_t)runs * sizeof *times);
    for (int r = 0; r < runs; r++) {
        double t0 = bench_now_ms();
#pragma omp parallel for num_threads(threads) schedule(static)
        for (int part = 0; part < threads; part++) {
            int begin = n * part / threads, end = n * (part + 1) / threads;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, end - begin, n, n, 1.0f,
                        a + (size_t)begin * n, n, b, n, 0.0f, c + (size_t)begin * n, n);
        }
        times[r] = bench_now_ms() - t0;
    }
    double best = bench_quantile(times, runs, 0.0);
    free(times);
    return 2.0 * n * n * (double)n / (best * 1e6);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1024;
    int runs = argc > 2 ? atoi(argv[2]) : 10;
    int max_threads = argc > 3 ? atoi(argv[3]) : 2;
    openblas_set_num_threads(1); /* as the engine does: threads are ours */
    float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n),
          *c = malloc(sizeof(float) * n * n);
    for (size_t i = 0; i < (size_t)n * n; i++)
        a[i] = (float)(i % 7) * 0.1f, b[i] = (float)(i % 5) * 0.2f;
    printf("{\"size\":%d", n);
    for (int t = 1; t <= max_threads; t++)
        printf(",\"gflops_%dt\":%.1f", t, gflops(n, a, b, c, t, runs));
    printf("}\n");
    free(a), free(b), free(c);
    return 0;
}

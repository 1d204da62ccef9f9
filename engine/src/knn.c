/*
 * knn.c - brute-force nearest neighbour search as blocked matrix products.
 *
 * Queries are shared out among threads; each thread walks the bank in
 * blocks small enough that the block of dot products stays in cache, and
 * keeps a running minimum per query.  Returns 0, or -1 when out of memory.
 */
#include "knn.h"

#include "blas_threads.h"
#include "simd.h"

#include <cblas.h>
#include <float.h>
#include <stdlib.h>

#define QUERY_BLOCK 256
#define BANK_BLOCK 1024

void vgl_knn_norms(const float *rows, size_t n, int dim, float *norms)
{
    for (size_t i = 0; i < n; i++) {
        const float *r = rows + i * (size_t)dim;
        float s = 0;
        for (int k = 0; k < dim; k++)
            s += r[k] * r[k];
        norms[i] = s;
    }
}

VGL_HOT static void update_minimum(const float *dots, size_t rows, size_t cols,
                                   const float *bank_norms, size_t bank_offset,
                                   const vgl_knn_exclusion *exclude, float *best,
                                   int32_t *best_index)
{
    const int32_t *sources = exclude ? exclude->row_sources + bank_offset : NULL;
    for (size_t i = 0; i < rows; i++) {
        const float *row = dots + i * cols;
        float b = best[i];
        size_t at = (size_t)-1;
        for (size_t j = 0; j < cols; j++) {
            float d = bank_norms[j] - 2.0f * row[j];
            if (d < b && !(sources && sources[j] == exclude->source))
                b = d, at = j;
        }
        if (at != (size_t)-1) {
            best[i] = b;
            if (best_index)
                best_index[i] = (int32_t)(bank_offset + at);
        }
    }
}

int vgl_knn_nearest(const float *queries, size_t n, const float *bank, const float *bank_norms,
                    size_t m, int dim, const vgl_knn_exclusion *exclude, int threads, float *dist2,
                    int32_t *index)
{
    size_t blocks = (n + QUERY_BLOCK - 1) / QUERY_BLOCK;
    int failed = 0;
#pragma omp parallel num_threads(threads)
    {
        float *dots = malloc(sizeof(float) * QUERY_BLOCK * BANK_BLOCK);
        float *qnorm = malloc(sizeof(float) * QUERY_BLOCK);
        if (!dots || !qnorm) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t blk = 0; blk < blocks; blk++) {
            if (!dots || !qnorm)
                continue;
            size_t q0 = blk * QUERY_BLOCK;
            size_t rows = n - q0 < QUERY_BLOCK ? n - q0 : QUERY_BLOCK;
            const float *q = queries + q0 * (size_t)dim;
            vgl_knn_norms(q, rows, dim, qnorm);
            for (size_t i = 0; i < rows; i++)
                dist2[q0 + i] = FLT_MAX;
            for (size_t b0 = 0; b0 < m; b0 += BANK_BLOCK) {
                size_t cols = m - b0 < BANK_BLOCK ? m - b0 : BANK_BLOCK;
                blas_on_calling_thread_only();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)cols, dim,
                            1.0f, q, dim, bank + b0 * (size_t)dim, dim, 0.0f, dots, (int)cols);
                update_minimum(dots, rows, cols, bank_norms + b0, b0, exclude, dist2 + q0,
                               index ? index + q0 : NULL);
            }
            /* the minimum above left out |q|^2, the same for every bank row */
            for (size_t i = 0; i < rows; i++) {
                float d = dist2[q0 + i] + qnorm[i];
                dist2[q0 + i] = d > 0 ? d : 0;
            }
        }
        free(dots);
        free(qnorm);
    }
    return failed ? -1 : 0;
}

/*
 * knn.c - exact nearest-neighbour search in a prepared bank (knn.h).
 *
 * Queries go in fixed blocks, shared out among threads.  For a block, the
 * projected queries times the projected bank give every query's lower
 * bounds in one matrix product.  Each query then starts from the row its
 * predecessor found (neighbouring patches look alike), or from the row of
 * smallest bound, and measures in full only the rows whose bound is not
 * above the best distance so far.  Blocks never depend on the thread
 * count, and each query's result on nothing but the query and the bank.
 */
#include "knn.h"

#include "blas_threads.h"
#include "simd.h"

#include <cblas.h>
#include <float.h>
#include <stdlib.h>

#define QUERY_BLOCK 32

typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));
typedef unsigned long long v4u64 __attribute__((vector_size(32)));

/* Four accumulators: one would wait on each addition in turn. */
static inline float squared_distance(const float *a, const float *b, int dim)
{
    v8 acc[4] = {{0}, {0}, {0}, {0}};
    int k = 0;
    for (; k + 32 <= dim; k += 32)
        for (int u = 0; u < 4; u++) {
            v8 d = *(const v8u *)(a + k + 8 * u) - *(const v8u *)(b + k + 8 * u);
            acc[u] += d * d;
        }
    for (; k + 8 <= dim; k += 8) {
        v8 d = *(const v8u *)(a + k) - *(const v8u *)(b + k);
        acc[0] += d * d;
    }
    v8 t = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    float s = ((t[0] + t[4]) + (t[1] + t[5])) + ((t[2] + t[6]) + (t[3] + t[7]));
    for (; k < dim; k++)
        s += (a[k] - b[k]) * (a[k] - b[k]);
    return s;
}

static int excluded(const vgl_knn_exclusion *exclude, size_t row)
{
    return exclude && exclude->row_sources[row] == exclude->source;
}

/* The allowed row of smallest bound, or -1. */
static int32_t smallest_bound(const float *bounds, size_t size, const vgl_knn_exclusion *exclude)
{
    int32_t at = -1;
    float best = FLT_MAX;
    for (size_t j = 0; j < size; j++)
        if (bounds[j] < best && !excluded(exclude, j))
            best = bounds[j], at = (int32_t)j;
    return at;
}

/* Starts a row of bounds as |q|^2 + |b|^2 (both shrunk by the margin);
 * the product then adds -2 q.b to it (beta = 1 spares BLAS a pass that
 * would clear the output first). */
VGL_HOT static void start_bounds(float *bounds, size_t size, const float *bank_norms,
                                 float query_norm)
{
    for (size_t j = 0; j < size; j++)
        bounds[j] = query_norm + bank_norms[j];
}

/* The rows whose bound is at most limit, in order; returns how many.
 * Bounds are tested 16 at a time: most such blocks hold none. */
VGL_HOT static size_t candidates(const float *bounds, size_t size, float limit, int32_t *out)
{
    size_t count = 0, j = 0;
    const v8 l = {limit, limit, limit, limit, limit, limit, limit, limit};
    for (; j + 16 <= size; j += 16) {
        /* comparisons give all-ones lanes where true */
        v4u64 any =
            (v4u64)((*(const v8u *)(bounds + j) <= l) | (*(const v8u *)(bounds + j + 8) <= l));
        if (!(any[0] | any[1] | any[2] | any[3]))
            continue;
        for (size_t k = j; k < j + 16; k++)
            if (bounds[k] <= limit)
                out[count++] = (int32_t)k;
    }
    for (; j < size; j++)
        if (bounds[j] <= limit)
            out[count++] = (int32_t)j;
    return count;
}

/* Rows ahead of the one being measured that are fetched meanwhile: the
 * rows are scattered over a bank larger than the core's cache. */
#define PREFETCH_AHEAD 2

/* One query: its nearest allowed row (first on ties), starting from `seed`
 * (-1: none).  Returns the row, or -1 when every row is excluded.  The
 * candidates are the rows whose bound is within the seed's distance; as
 * nearer rows turn up, fewer of them still need measuring. */
VGL_HOT static int32_t nearest_one(const vgl_knn_bank *bank, const float *query,
                                   const float *bounds, int32_t seed,
                                   const vgl_knn_exclusion *exclude, int32_t *list, float *dist2)
{
    const int dim = bank->dim;
    if (seed < 0)
        seed = smallest_bound(bounds, bank->size, exclude);
    float best = FLT_MAX;
    if (seed >= 0)
        best = squared_distance(query, bank->rows + (size_t)seed * dim, dim);
    float limit = best * (1 + VGL_KNN_MARGIN);
    int32_t at = seed;
    size_t count = candidates(bounds, bank->size, limit, list);
    for (size_t i = 0; i < count; i++) {
        if (i + PREFETCH_AHEAD < count) {
            const char *ahead = (const char *)(bank->rows + (size_t)list[i + PREFETCH_AHEAD] * dim);
            for (size_t byte = 0; byte < sizeof(float) * (size_t)dim; byte += 64)
                __builtin_prefetch(ahead + byte);
        }
        int32_t j = list[i];
        if (bounds[j] > limit || excluded(exclude, (size_t)j))
            continue;
        float d = squared_distance(query, bank->rows + (size_t)j * dim, dim);
        if (d < best || (d == best && j < at)) {
            best = d, at = j;
            limit = d * (1 + VGL_KNN_MARGIN);
        }
    }
    *dist2 = best;
    return at;
}

typedef struct workspace {
    float *centred, *projected, *bounds;
    int32_t *candidates;
} workspace;

static void search_block(const vgl_knn_bank *bank, const float *queries, size_t rows,
                         const vgl_knn_exclusion *exclude, const workspace *w, float *dist2,
                         int32_t *index)
{
    int dim = bank->dim, p = bank->projected_dim;
    for (size_t i = 0; i < rows; i++)
        for (int k = 0; k < dim; k++)
            w->centred[i * dim + k] = queries[i * dim + k] - bank->mean[k];
    blas_on_calling_thread_only();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, p, dim, 1.0f, w->centred, dim,
                bank->basis, dim, 0.0f, w->projected, p);
    for (size_t i = 0; i < rows; i++) {
        const float *pq = w->projected + i * p;
        float norm = 0;
        for (int k = 0; k < p; k++)
            norm += pq[k] * pq[k];
        start_bounds(w->bounds + i * bank->size, bank->size, bank->projected_norms,
                     norm * (1 - VGL_KNN_MARGIN));
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)bank->size, p, -2.0f,
                w->projected, p, bank->projected, p, 1.0f, w->bounds, (int)bank->size);
    int32_t seed = -1;
    for (size_t i = 0; i < rows; i++) {
        const float *bounds = w->bounds + i * bank->size;
        seed = nearest_one(bank, queries + i * dim, bounds, seed, exclude, w->candidates,
                           &dist2[i]);
        if (index && seed >= 0)
            index[i] = seed;
    }
}

int vgl_knn_nearest(const vgl_knn_bank *bank, const float *queries, size_t n,
                    const vgl_knn_exclusion *exclude, int threads, float *dist2, int32_t *index)
{
    if (bank->size == 0) {
        for (size_t i = 0; i < n; i++)
            dist2[i] = FLT_MAX;
        return 0;
    }
    size_t blocks = (n + QUERY_BLOCK - 1) / QUERY_BLOCK;
    int failed = 0;
#pragma omp parallel num_threads(threads)
    {
        workspace w = {malloc(sizeof(float) * QUERY_BLOCK * (size_t)bank->dim),
                       malloc(sizeof(float) * QUERY_BLOCK * (size_t)bank->projected_dim),
                       malloc(sizeof(float) * QUERY_BLOCK * bank->size),
                       malloc(sizeof(int32_t) * bank->size)};
        int ready = w.centred && w.projected && w.bounds && w.candidates;
        if (!ready) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t blk = 0; blk < blocks; blk++) {
            size_t q0 = blk * QUERY_BLOCK;
            if (ready)
                search_block(bank, queries + q0 * bank->dim,
                             n - q0 < QUERY_BLOCK ? n - q0 : QUERY_BLOCK, exclude, &w, dist2 + q0,
                             index ? index + q0 : NULL);
        }
        free(w.centred), free(w.projected), free(w.bounds), free(w.candidates);
    }
    return failed ? -1 : 0;
}

/*
 * knn_bank.c - a bank prepared for search (knn.h): its mean, an orthonormal
 * basis of its leading principal directions, and its rows projected on it.
 *
 * The basis comes from a few steps of subspace iteration on the rows'
 * covariance, started from a fixed pseudo-random matrix (Halko, Martinsson
 * and Tropp's randomized range finder): the search stays exact with any
 * orthonormal basis, so the basis only has to be good, not converged, and
 * costs a few milliseconds even for 1000-dimensional features.
 */
#include "knn.h"

#include "blas_threads.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define POWER_STEPS 4
#define ROW_CHUNK 1024

/* A quarter of the dimensions, in whole vectors of 8: 32 for 128. */
static int projected_dim_for(int dim)
{
    int p = (dim / 4 + 7) / 8 * 8;
    p = p < 8 ? 8 : p;
    return p > dim ? dim : p;
}

static double uniform(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0 * 2 - 1;
}

/* Makes the p rows of v (each dim long) orthonormal, Gram-Schmidt applied
 * twice; a row that the others span (a bank of rank below p) is replaced
 * by a random one, so the basis is always complete. */
static void orthonormalise(double *v, int p, int dim, uint64_t *rng)
{
    for (int k = 0; k < p; k++) {
        double *row = v + (size_t)k * dim;
        for (;;) {
            double before = 0, after = 0;
            for (int i = 0; i < dim; i++)
                before += row[i] * row[i];
            for (int pass = 0; pass < 2; pass++)
                for (int j = 0; j < k; j++) {
                    const double *other = v + (size_t)j * dim;
                    double dot = 0;
                    for (int i = 0; i < dim; i++)
                        dot += row[i] * other[i];
                    for (int i = 0; i < dim; i++)
                        row[i] -= dot * other[i];
                }
            for (int i = 0; i < dim; i++)
                after += row[i] * row[i];
            if (before > 0 && after > 1e-12 * before) {
                double scale = 1 / sqrt(after);
                for (int i = 0; i < dim; i++)
                    row[i] *= scale;
                break;
            }
            for (int i = 0; i < dim; i++)
                row[i] = uniform(rng);
        }
    }
}

/* Rows r0.. (at most ROW_CHUNK) less the mean; returns how many. */
static size_t centre_chunk(const vgl_knn_bank *bank, size_t r0, float *centred)
{
    size_t rows = bank->size - r0 < ROW_CHUNK ? bank->size - r0 : ROW_CHUNK;
    int dim = bank->dim;
    for (size_t i = 0; i < rows; i++)
        for (int k = 0; k < dim; k++)
            centred[i * dim + k] = bank->rows[(r0 + i) * dim + k] - bank->mean[k];
    return rows;
}

/* The rows' covariance (up to a factor, which the basis does not see). */
static double *covariance(const vgl_knn_bank *bank)
{
    int dim = bank->dim;
    float *centred = malloc(sizeof(float) * ROW_CHUNK * (size_t)dim);
    float *c = calloc((size_t)dim * dim, sizeof(float));
    double *out = malloc(sizeof(double) * (size_t)dim * dim);
    if (!centred || !c || !out) {
        free(centred), free(c), free(out);
        return NULL;
    }
    for (size_t r0 = 0; r0 < bank->size; r0 += ROW_CHUNK) {
        size_t rows = centre_chunk(bank, r0, centred);
        blas_on_calling_thread_only();
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, dim, (int)rows, 1.0f, centred, dim,
                    1.0f, c, dim);
    }
    for (int i = 0; i < dim; i++)
        for (int j = 0; j < dim; j++)
            out[(size_t)i * dim + j] = c[i <= j ? (size_t)i * dim + j : (size_t)j * dim + i];
    free(centred), free(c);
    return out;
}

static int build_basis(vgl_knn_bank *bank)
{
    int dim = bank->dim, p = bank->projected_dim;
    double *c = covariance(bank);
    double *v = malloc(sizeof(double) * (size_t)p * dim);
    double *next = malloc(sizeof(double) * (size_t)p * dim);
    if (!c || !v || !next) {
        free(c), free(v), free(next);
        return -1;
    }
    uint64_t rng = 0x5eed;
    for (size_t i = 0; i < (size_t)p * dim; i++)
        v[i] = uniform(&rng);
    orthonormalise(v, p, dim, &rng);
    for (int step = 0; step < POWER_STEPS; step++) {
        blas_on_calling_thread_only();
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, p, dim, dim, 1.0, v, dim, c, dim,
                    0.0, next, dim); /* each row times the (symmetric) covariance */
        double *t = v;
        v = next, next = t;
        orthonormalise(v, p, dim, &rng);
    }
    for (size_t i = 0; i < (size_t)p * dim; i++)
        bank->basis[i] = (float)v[i];
    free(c), free(v), free(next);
    return 0;
}

static void project_rows(vgl_knn_bank *bank, float *centred)
{
    int dim = bank->dim, p = bank->projected_dim;
    for (size_t r0 = 0; r0 < bank->size; r0 += ROW_CHUNK) {
        size_t rows = centre_chunk(bank, r0, centred);
        blas_on_calling_thread_only();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, p, dim, 1.0f, centred,
                    dim, bank->basis, dim, 0.0f, bank->projected + r0 * p, p);
    }
    for (size_t i = 0; i < bank->size; i++) {
        const float *row = bank->projected + i * p;
        float s = 0;
        for (int k = 0; k < p; k++)
            s += row[k] * row[k];
        bank->projected_norms[i] = s * (1 - VGL_KNN_MARGIN);
    }
}

int vgl_knn_bank_init(vgl_knn_bank *bank, const float *rows, size_t size, int dim)
{
    memset(bank, 0, sizeof *bank);
    bank->rows = rows, bank->size = size, bank->dim = dim;
    if (size == 0)
        return 0;
    double *sum = calloc((size_t)dim, sizeof(double));
    if (!sum)
        return -1;
    for (size_t i = 0; i < size * (size_t)dim; i++) {
        if (!isfinite(rows[i])) {
            free(sum);
            return -2;
        }
        sum[i % (size_t)dim] += rows[i];
    }
    int p = bank->projected_dim = projected_dim_for(dim);
    bank->mean = malloc(sizeof(float) * (size_t)dim);
    bank->basis = malloc(sizeof(float) * (size_t)p * dim);
    bank->projected = malloc(sizeof(float) * size * (size_t)p);
    bank->projected_norms = malloc(sizeof(float) * size);
    float *centred = malloc(sizeof(float) * ROW_CHUNK * (size_t)dim);
    int status = bank->mean && bank->basis && bank->projected && bank->projected_norms && centred
                     ? 0
                     : -1;
    for (int k = 0; !status && k < dim; k++)
        bank->mean[k] = (float)(sum[k] / (double)size);
    if (!status)
        status = build_basis(bank);
    if (!status)
        project_rows(bank, centred);
    free(sum), free(centred);
    if (status)
        vgl_knn_bank_free(bank);
    return status;
}

void vgl_knn_bank_free(vgl_knn_bank *bank)
{
    free(bank->mean);
    free(bank->basis);
    free(bank->projected);
    free(bank->projected_norms);
    memset(bank, 0, sizeof *bank);
}

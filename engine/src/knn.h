/*
 * knn.h - nearest neighbours of patch features in a bank, with BLAS.
 *
 * |q - b|^2 = |q|^2 + |b|^2 - 2 q.b: the dot products of a block of queries
 * with a block of the bank are one matrix product, so a search costs about
 * as much as a small convolution layer.
 */
#ifndef VGL_KNN_H
#define VGL_KNN_H

#include <stddef.h>
#include <stdint.h>

/* Squared norms of n rows of dimension dim. */
void vgl_knn_norms(const float *rows, size_t n, int dim, float *norms);

/* Bank rows a search must not return: those whose source is `source`
 * (training scores an image against a bank without its own patches). */
typedef struct vgl_knn_exclusion {
    const int32_t *row_sources; /* the source of every bank row */
    int32_t source;
} vgl_knn_exclusion;

/* For each of n query rows: the squared distance to its nearest bank row
 * (clamped at 0 against rounding) and, when index is not NULL, that row.
 * exclude may be NULL; a query for which every row is excluded gets
 * FLT_MAX and an untouched index.  Returns 0, or -1 when out of memory. */
int vgl_knn_nearest(const float *queries, size_t n, const float *bank, const float *bank_norms,
                    size_t m, int dim, const vgl_knn_exclusion *exclude, int threads, float *dist2,
                    int32_t *index);

#endif

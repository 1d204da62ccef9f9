/*
 * knn.h - exact nearest neighbours of patch features in a bank.
 *
 * A bank is prepared once (knn_bank.c): its rows are also projected on the
 * leading principal directions of the bank, a few times fewer dimensions.
 * A projection never lengthens a difference, so the projected distance is
 * a lower bound of the true one: a search (knn.c) takes all projected
 * distances at once as a matrix product, then measures in full only the
 * rows whose bound is below the best distance found so far - about 1% of
 * them on patch features.  Results are exact: the squared distance to the
 * nearest row, summed from the differences, and the first such row on ties,
 * whatever the projection or the number of threads.
 */
#ifndef VGL_KNN_H
#define VGL_KNN_H

#include <stddef.h>
#include <stdint.h>

/* How much bounds are shrunk, relative to the squared lengths they come
 * from, so that float rounding (in the projections and their products)
 * can never push a bound above the distance it bounds. */
#define VGL_KNN_MARGIN 1e-3f

typedef struct vgl_knn_bank {
    const float *rows; /* size x dim, not owned */
    size_t size;
    int dim;
    int projected_dim;
    float *mean;            /* dim: the rows' mean, subtracted before projecting */
    float *basis;           /* projected_dim x dim, orthonormal rows */
    float *projected;       /* size x projected_dim */
    float *projected_norms; /* size: squared norms of the projected rows, shrunk by the margin */
} vgl_knn_bank;

/* Prepares a bank of `size` rows (which it points to, and which must
 * outlive it).  Returns 0, -1 when out of memory, or -2 when a row holds a
 * value that is not finite.  size may be 0: searches then find nothing. */
int vgl_knn_bank_init(vgl_knn_bank *bank, const float *rows, size_t size, int dim);
void vgl_knn_bank_free(vgl_knn_bank *bank);

/* Bank rows a search must not return: those whose source is `source`
 * (training scores an image against a bank without its own patches). */
typedef struct vgl_knn_exclusion {
    const int32_t *row_sources; /* the source of every bank row */
    int32_t source;
} vgl_knn_exclusion;

/* For each of n query rows (of the bank's dim): the squared distance to its
 * nearest bank row and, when index is not NULL, that row.  exclude may be
 * NULL; a query for which no row is left gets FLT_MAX and an untouched
 * index.  Returns 0, or -1 when out of memory. */
int vgl_knn_nearest(const vgl_knn_bank *bank, const float *queries, size_t n,
                    const vgl_knn_exclusion *exclude, int threads, float *dist2, int32_t *index);

#endif

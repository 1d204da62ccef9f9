/*
 * coreset.h - greedy k-centre selection of a memory bank (PatchCore).
 *
 * Repeatedly takes the point farthest from everything taken so far, so a
 * tenth of the patches covers the feature space almost as well as all of
 * them: nearest-neighbour scores barely change while search gets ten times
 * cheaper and the model ten times smaller.
 */
#ifndef VGL_CORESET_H
#define VGL_CORESET_H

#include <stddef.h>

/* Writes up to k distinct row indices of x (n rows of dim) into chosen,
 * starting from row `start`; fewer when the rest duplicate chosen rows.
 * Returns how many, or -1 when out of memory. */
long vgl_coreset_select(const float *x, size_t n, int dim, size_t k, size_t start,
                        size_t *chosen);

#endif

/*
 * coreset.c - greedy k-centre (farthest point) selection; see coreset.h.
 *
 * Each step measures every point against the newest centre only (the
 * distance to the set is the running minimum), which is n * dim work a
 * step, spread over threads, with a per-thread arg-max merged after.
 */
#include "coreset.h"

#include "simd.h"

#include <float.h>
#include <stdlib.h>

VGL_HOT static float distance2(const float *a, const float *b, int dim)
{
    float s = 0;
    for (int k = 0; k < dim; k++) {
        float d = a[k] - b[k];
        s += d * d;
    }
    return s;
}

long vgl_coreset_select(const float *x, size_t n, int dim, size_t k, size_t start, int threads,
                        size_t *chosen)
{
    float *nearest = malloc(sizeof(float) * (n ? n : 1));
    if (!nearest)
        return -1;
    for (size_t i = 0; i < n; i++)
        nearest[i] = FLT_MAX;
    size_t current = start, step = 0;
    for (; step < k; step++) {
        chosen[step] = current;
        const float *centre = x + current * (size_t)dim;
        float best = -1;
        size_t best_at = current;
#pragma omp parallel num_threads(threads)
        {
            float my_best = -1;
            size_t my_at = current;
#pragma omp for schedule(static)
            for (size_t i = 0; i < n; i++) {
                float d = distance2(x + i * (size_t)dim, centre, dim);
                if (d < nearest[i])
                    nearest[i] = d;
                if (nearest[i] > my_best)
                    my_best = nearest[i], my_at = i;
            }
#pragma omp critical
            if (my_best > best || (my_best == best && my_at < best_at))
                best = my_best, best_at = my_at;
        }
        current = best_at;
        if (best <= 0) { /* every point coincides with a centre: nothing new to cover */
            step++;
            break;
        }
    }
    free(nearest);
    return (long)step;
}

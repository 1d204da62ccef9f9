/*
 * coreset.c - greedy k-centre (farthest point) selection; see coreset.h.
 *
 * Each step measures every point against the newest centre only (the
 * distance to the set is the running minimum): n * dim work a step, a
 * fraction of a millisecond, too little to share among threads (waking
 * them every step cost more than the work).  Distances are measured after a
 * fixed random projection to PROJECTED_DIM dimensions, which keeps them
 * (Johnson-Lindenstrauss) close enough to pick nearly the same centres at a
 * fraction of the cost, as PatchCore does.
 */
#include "coreset.h"

#include "simd.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define PROJECTED_DIM 32

VGL_HOT static float distance2(const float *a, const float *b, int dim)
{
    float s = 0;
    for (int k = 0; k < dim; k++) {
        float d = a[k] - b[k];
        s += d * d;
    }
    return s;
}

/* x (n x dim) times a Gaussian matrix from a fixed seed, scaled by
 * 1/sqrt(PROJECTED_DIM) so distances keep their size. */
static float *project(const float *x, size_t n, int dim)
{
    float *matrix = malloc(sizeof(float) * (size_t)dim * PROJECTED_DIM);
    float *out = malloc(sizeof(float) * n * PROJECTED_DIM);
    if (!matrix || !out) {
        free(matrix), free(out);
        return NULL;
    }
    uint64_t state = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < dim * PROJECTED_DIM; i++) {
        double u[2];
        for (int j = 0; j < 2; j++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            u[j] = ((double)(state >> 11) + 0.5) / 9007199254740992.0;
        }
        matrix[i] = (float)(sqrt(-2 * log(u[0])) * cos(2 * M_PI * u[1]) / sqrt(PROJECTED_DIM));
    }
    for (size_t r = 0; r < n; r++)
        for (int j = 0; j < PROJECTED_DIM; j++) {
            float acc = 0;
            for (int i = 0; i < dim; i++)
                acc += x[r * (size_t)dim + i] * matrix[(size_t)i * PROJECTED_DIM + j];
            out[r * PROJECTED_DIM + j] = acc;
        }
    free(matrix);
    return out;
}

long vgl_coreset_select(const float *points, size_t n, int full_dim, size_t k, size_t start,
                        size_t *chosen)
{
    if (n == 0 || k == 0)
        return 0;
    int dim = full_dim > PROJECTED_DIM ? PROJECTED_DIM : full_dim;
    float *projected = full_dim > PROJECTED_DIM ? project(points, n, full_dim) : NULL;
    const float *x = projected ? projected : points;
    if (full_dim > PROJECTED_DIM && !projected)
        return -1;
    float *nearest = malloc(sizeof(float) * (n ? n : 1));
    if (!nearest) {
        free(projected);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        nearest[i] = FLT_MAX;
    size_t current = start, step = 0;
    for (; step < k; step++) {
        chosen[step] = current;
        const float *centre = x + current * (size_t)dim;
        float best = -1;
        size_t best_at = current;
        for (size_t i = 0; i < n; i++) {
            float d = distance2(x + i * (size_t)dim, centre, dim);
            if (d < nearest[i])
                nearest[i] = d;
            if (nearest[i] > best)
                best = nearest[i], best_at = i;
        }
        current = best_at;
        if (best <= 0) { /* every point coincides with a centre: nothing new to cover */
            step++;
            break;
        }
    }
    free(nearest);
    free(projected);
    return (long)step;
}

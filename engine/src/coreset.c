/*
 * coreset.c - greedy k-centre (farthest point) selection; see coreset.h.
 *
 * Every point belongs to the cluster of its nearest centre.  A new centre
 * measures only the points that could be nearer to it than to their own
 * centre: by the triangle inequality, none of a cluster whose centre is at
 * least twice the cluster's radius away, and none of the points of the
 * other clusters lying within half the distance between the centres.  As
 * centres multiply, clusters shrink and each step measures a small part of
 * the points instead of all of them.  The choices are those of measuring
 * every point (up to the rounding of float distances): the farthest point
 * from the centres so far, the smallest index on ties.  Distances are
 * measured after a fixed random projection to PROJECTED_DIM dimensions,
 * which keeps them (Johnson-Lindenstrauss) close enough to pick nearly the
 * same centres at a fraction of the cost, as PatchCore does.
 */
#include "coreset.h"

#include "simd.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* The points nearest to one centre, with the farthest of them. */
typedef struct cluster {
    size_t *members;
    size_t count;
    float radius; /* the largest squared distance of a member to the centre */
    size_t far;   /* that member (the smallest index on ties) */
} cluster;

static void update_far(cluster *c, const float *nearest)
{
    c->radius = -1;
    c->far = SIZE_MAX;
    for (size_t m = 0; m < c->count; m++) {
        size_t i = c->members[m];
        if (nearest[i] > c->radius || (nearest[i] == c->radius && i < c->far))
            c->radius = nearest[i], c->far = i;
    }
}

/* Moves to the new centre `fresh` (whose cluster collects them) the members
 * of c that are nearer to it.  Triangle inequality: a member at distance r
 * from its centre can only move when the centres are less than 2r apart, so
 * members (and whole clusters) beyond that are never measured. */
static void take_nearer(cluster *c, float centres_d2, const float *x, int dim, size_t centre,
                        float *nearest, cluster *target)
{
    /* (2r)^2 = 4 r^2, with a margin for the rounding of float distances */
    if (centres_d2 > 4.0f * c->radius * (1 + 1e-4f))
        return;
    size_t kept = 0, moved = 0;
    for (size_t m = 0; m < c->count; m++) {
        size_t i = c->members[m];
        if (centres_d2 <= 4.0f * nearest[i] * (1 + 1e-4f)) {
            float d = distance2(x + i * (size_t)dim, x + centre * (size_t)dim, dim);
            if (d < nearest[i]) {
                nearest[i] = d;
                target->members[target->count++] = i;
                moved++;
                continue;
            }
        }
        c->members[kept++] = i;
    }
    c->count = kept;
    if (moved)
        update_far(c, nearest);
}

long vgl_coreset_select(const float *points, size_t n, int full_dim, size_t k, size_t start,
                        size_t *chosen)
{
    if (n == 0 || k == 0)
        return 0;
    int dim = full_dim > PROJECTED_DIM ? PROJECTED_DIM : full_dim;
    float *projected = full_dim > PROJECTED_DIM ? project(points, n, full_dim) : NULL;
    const float *x = projected ? projected : points;
    float *nearest = malloc(sizeof(float) * n), *centre_d2 = malloc(sizeof(float) * k);
    size_t *scratch = malloc(sizeof(size_t) * n);
    cluster *clusters = calloc(k, sizeof *clusters);
    long result = -1;
    if ((full_dim > PROJECTED_DIM && !projected) || !nearest || !centre_d2 || !scratch ||
        !clusters)
        goto done;
    /* the first centre owns every point */
    clusters[0].members = malloc(sizeof(size_t) * n);
    if (!clusters[0].members)
        goto done;
    for (size_t i = 0; i < n; i++) {
        nearest[i] = distance2(x + i * (size_t)dim, x + start * (size_t)dim, dim);
        clusters[0].members[i] = i;
    }
    clusters[0].count = n;
    update_far(&clusters[0], nearest);
    chosen[0] = start;
    size_t step = 1;
    for (; step < k; step++) {
        size_t widest = 0;
        for (size_t j = 1; j < step; j++)
            if (clusters[j].radius > clusters[widest].radius ||
                (clusters[j].radius == clusters[widest].radius &&
                 clusters[j].far < clusters[widest].far))
                widest = j;
        if (clusters[widest].radius <= 0)
            break; /* every point coincides with a centre: nothing new to cover */
        size_t centre = clusters[widest].far;
        chosen[step] = centre;
        cluster *fresh = &clusters[step];
        fresh->members = scratch;
        for (size_t j = 0; j < step; j++)
            centre_d2[j] = distance2(x + chosen[j] * (size_t)dim, x + centre * (size_t)dim, dim);
        for (size_t j = 0; j < step; j++)
            take_nearer(&clusters[j], centre_d2[j], x, dim, centre, nearest, fresh);
        /* the new cluster's members move from the scratch list to their own */
        fresh->members = malloc(sizeof(size_t) * (fresh->count ? fresh->count : 1));
        if (!fresh->members)
            goto done;
        memcpy(fresh->members, scratch, sizeof(size_t) * fresh->count);
        update_far(fresh, nearest);
    }
    result = (long)step;
done:
    for (size_t j = 0; clusters && j < k; j++)
        free(clusters[j].members);
    free(clusters);
    free(nearest), free(centre_d2), free(scratch);
    free(projected);
    return result;
}

/* split.c - deterministic stratified train/test split; see split.h. */
#include "split.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define TEST_FRACTION 0.2
#define TEST_FLOOR 10

typedef struct keyed {
    uint64_t hash;
    size_t index;
} keyed;

static int by_hash(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* Test images for a group of `count`: 20%, raised to the floor, at most half. */
static size_t test_count(size_t count)
{
    size_t want = (size_t)ceil(TEST_FRACTION * (double)count);
    if (want < TEST_FLOOR)
        want = TEST_FLOOR;
    return want > count / 2 ? count / 2 : want;
}

int vgl_split(const uint64_t *keys, const int *stratum, size_t n, int n_strata, int *is_test)
{
    if (n_strata < 1)
        return -1;
    keyed *order = malloc(sizeof *order * (n ? n : 1));
    size_t *sizes = calloc((size_t)n_strata, sizeof *sizes);
    size_t *quota = calloc((size_t)n_strata, sizeof *quota);
    if (!order || !sizes || !quota) {
        free(order), free(sizes), free(quota);
        return -1;
    }
    size_t anomalies = 0;
    for (size_t i = 0; i < n; i++) {
        is_test[i] = 0;
        if (stratum[i] >= 0 && stratum[i] < n_strata)
            sizes[stratum[i]]++, anomalies += stratum[i] > 0;
        order[i] = (keyed){keys[i], i};
    }
    quota[0] = test_count(sizes[0]);
    /* anomalies: the total quota shared among classes in proportion, one
     * image at a time to the class furthest below its share, but no class
     * gives more than half of its images (so each keeps training examples) */
    size_t total = test_count(anomalies);
    for (size_t given = 0; given < total; given++) {
        int best = -1;
        double best_gap = 0;
        for (int s = 1; s < n_strata; s++) {
            if (quota[s] >= sizes[s] / 2)
                continue;
            double gap = (double)total * (double)sizes[s] / (double)anomalies - (double)quota[s];
            if (best < 0 || gap > best_gap)
                best = s, best_gap = gap;
        }
        if (best < 0)
            break;
        quota[best]++;
    }
    qsort(order, n, sizeof *order, by_hash);
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k].index;
        int s = stratum[i];
        if (s >= 0 && s < n_strata && quota[s] > 0) {
            is_test[i] = 1;
            quota[s]--;
        }
    }
    free(order), free(sizes), free(quota);
    return 0;
}

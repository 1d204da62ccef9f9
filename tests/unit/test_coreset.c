/*
 * test_coreset.c - greedy k-centre (farthest point) selection: distinct
 * indices starting at `start`; every further pick is a point farthest from
 * those already taken (checked exactly for dim <= 32, where distances are
 * not projected); on well separated clusters one point per cluster comes
 * before a second from any cluster, also at dim 128 (projected); with
 * k >= n it stops after the n distinct points, or earlier when rows repeat;
 * and its covering radius is at most twice the optimum found by brute force
 * over all k-subsets (dim <= 32), at most 2.5x it at dim 128.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "coreset.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------ helpers */

static double uniform(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

static float *random_points(size_t n, int dim, uint64_t seed)
{
    float *x = malloc(sizeof(float) * n * (size_t)dim);
    assert_non_null(x);
    uint64_t s = seed;
    for (size_t i = 0; i < n * (size_t)dim; i++)
        x[i] = (float)(uniform(&s) * 2 - 1);
    return x;
}

static double distance2(const float *x, int dim, size_t a, size_t b)
{
    double s = 0;
    for (int k = 0; k < dim; k++) {
        double d = (double)x[a * (size_t)dim + k] - x[b * (size_t)dim + k];
        s += d * d;
    }
    return s;
}

/* Squared distance from point i to the nearest of the first `count` centres. */
static double to_centres(const float *x, int dim, size_t i, const size_t *centres, size_t count)
{
    double best = INFINITY;
    for (size_t c = 0; c < count; c++)
        best = fmin(best, distance2(x, dim, i, centres[c]));
    return best;
}

/* Covering radius (not squared) of a set of centres. */
static double covering_radius(const float *x, size_t n, int dim, const size_t *centres, size_t k)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, to_centres(x, dim, i, centres, k));
    return sqrt(worst);
}

/* The best covering radius over all k-subsets, by enumeration. */
static double optimal_radius(const float *x, size_t n, int dim, size_t k)
{
    size_t idx[8];
    for (size_t i = 0; i < k; i++)
        idx[i] = i;
    double best = INFINITY;
    for (;;) {
        best = fmin(best, covering_radius(x, n, dim, idx, k));
        /* next combination in lexicographic order */
        size_t i = k;
        while (i > 0 && idx[i - 1] == n - k + i - 1)
            i--;
        if (i == 0)
            return best;
        idx[i - 1]++;
        for (size_t j = i; j < k; j++)
            idx[j] = idx[j - 1] + 1;
    }
}

static long select_ok(const float *x, size_t n, int dim, size_t k, size_t start, size_t *chosen)
{
    long got = vgl_coreset_select(x, n, dim, k, start, chosen);
    assert_true(got >= 0);
    assert_true((size_t)got <= k && (size_t)got <= n);
    assert_int_equal(chosen[0], start);
    for (long i = 0; i < got; i++) {
        assert_true(chosen[i] < n);
        for (long j = 0; j < i; j++)
            if (chosen[i] == chosen[j])
                fail_msg("index %zu chosen twice (picks %ld and %ld)", chosen[i], j, i);
    }
    return got;
}

/* ------------------------------------------------------ basics */

static void test_distinct_and_starts_at_start(void **state)
{
    (void)state;
    const int dims[] = {1, 3, 32, 33, 128};
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
        size_t n = 200, chosen[50];
        float *x = random_points(n, dims[d], 7 + d);
        for (size_t start = 0; start < n; start += 67)
            assert_int_equal(select_ok(x, n, dims[d], 50, start, chosen), 50);
        free(x);
    }
}

/* Each pick after the first is a point farthest from the picks before it
 * (exact distances below 33 dimensions; float rounding allowed). */
static void test_farthest_point_property(void **state)
{
    (void)state;
    const int dims[] = {2, 8, 32};
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
        size_t n = 150, k = 40, chosen[40];
        float *x = random_points(n, dims[d], 100 + d);
        assert_int_equal(select_ok(x, n, dims[d], k, 3, chosen), (long)k);
        for (size_t step = 1; step < k; step++) {
            double farthest = 0;
            for (size_t i = 0; i < n; i++)
                farthest = fmax(farthest, to_centres(x, dims[d], i, chosen, step));
            double got = to_centres(x, dims[d], chosen[step], chosen, step);
            if (got < farthest * (1 - 1e-5))
                fail_msg("dim %d step %zu: picked a point at %g, the farthest is at %g", dims[d],
                         step, got, farthest);
        }
        free(x);
    }
}

/* ------------------------------------------------------ clusters */

/* `clusters` tight clusters of `per` points, centres 100 apart on the axes. */
static float *clustered_points(int clusters, int per, int dim, uint64_t seed)
{
    float *x = calloc((size_t)clusters * per * dim, sizeof(float));
    assert_non_null(x);
    uint64_t s = seed;
    for (int c = 0; c < clusters; c++)
        for (int p = 0; p < per; p++) {
            float *row = x + ((size_t)c * per + p) * dim;
            for (int k = 0; k < dim; k++)
                row[k] = (float)(uniform(&s) - 0.5);
            row[c % dim] += 100.0f * (float)(1 + c / dim);
        }
    return x;
}

static void check_one_per_cluster_first(int dim)
{
    const int clusters = 6, per = 9;
    float *x = clustered_points(clusters, per, dim, 5 + (uint64_t)dim);
    size_t chosen[18];
    assert_int_equal(select_ok(x, (size_t)clusters * per, dim, 18, 4, chosen), 18);
    int seen[6] = {0};
    for (int i = 0; i < clusters; i++) {
        int c = (int)(chosen[i] / per);
        if (seen[c]++)
            fail_msg("dim %d: cluster %d picked twice among the first %d", dim, c, clusters);
    }
    free(x);
}

static void test_one_per_cluster_first(void **state)
{
    (void)state;
    check_one_per_cluster_first(4);
    check_one_per_cluster_first(32);
    check_one_per_cluster_first(128); /* through the random projection */
}

/* ------------------------------------------------------ k >= n */

static void test_stops_after_all_distinct(void **state)
{
    (void)state;
    const int dims[] = {3, 64};
    for (size_t d = 0; d < 2; d++) {
        size_t n = 10, chosen[25];
        float *x = random_points(n, dims[d], 11 + d);
        assert_int_equal(select_ok(x, n, dims[d], 25, 6, chosen), 10);
        assert_int_equal(select_ok(x, n, dims[d], 10, 0, chosen), 10);
        free(x);
    }
}

static void test_stops_early_on_duplicates(void **state)
{
    (void)state;
    const int dims[] = {5, 48};
    for (size_t d = 0; d < 2; d++) {
        int dim = dims[d];
        size_t n = 12, chosen[20];
        float *x = random_points(n, dim, 21 + d);
        /* rows 8..11 copy rows 0..3: only 8 distinct points */
        memcpy(x + 8 * (size_t)dim, x, sizeof(float) * 4 * (size_t)dim);
        long got = select_ok(x, n, dim, 20, 9, chosen);
        assert_int_equal(got, 8);
        /* distinct as points too, not only as indices */
        for (long i = 0; i < got; i++)
            for (long j = 0; j < i; j++)
                assert_true(distance2(x, dim, chosen[i], chosen[j]) > 0);
        free(x);
    }
}

/* All rows equal: the start alone covers everything. */
static void test_all_equal(void **state)
{
    (void)state;
    float x[7 * 3];
    for (size_t i = 0; i < 21; i++)
        x[i] = 2.5f;
    size_t chosen[7];
    assert_int_equal(select_ok(x, 7, 3, 7, 2, chosen), 1);
}

static void test_k_zero(void **state)
{
    (void)state;
    float x[4] = {0, 1, 2, 3};
    size_t chosen[1] = {99};
    assert_int_equal(vgl_coreset_select(x, 4, 1, 0, 0, chosen), 0);
    assert_int_equal(chosen[0], 99);
}

/* ------------------------------------------------------ approximation */

static void check_radius(int dim, double factor, uint64_t seed)
{
    const size_t n = 13, k = 3;
    float *x = random_points(n, dim, seed);
    size_t chosen[3];
    assert_int_equal(select_ok(x, n, dim, k, (size_t)(seed % n), chosen), (long)k);
    double greedy = covering_radius(x, n, dim, chosen, k);
    double optimum = optimal_radius(x, n, dim, k);
    if (greedy > factor * optimum * (1 + 1e-6))
        fail_msg("dim %d seed %llu: greedy radius %g, optimum %g (more than %gx)", dim,
                 (unsigned long long)seed, greedy, optimum, factor);
    free(x);
}

static void test_radius_within_twice_optimum(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 15; seed++) {
        check_radius(2, 2.0, seed);
        check_radius(32, 2.0, seed + 100);
    }
}

static void test_radius_projected_dim_128(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 15; seed++)
        check_radius(128, 2.5, seed + 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distinct_and_starts_at_start),
        cmocka_unit_test(test_farthest_point_property),
        cmocka_unit_test(test_one_per_cluster_first),
        cmocka_unit_test(test_stops_after_all_distinct),
        cmocka_unit_test(test_stops_early_on_duplicates),
        cmocka_unit_test(test_all_equal),
        cmocka_unit_test(test_k_zero),
        cmocka_unit_test(test_radius_within_twice_optimum),
        cmocka_unit_test(test_radius_projected_dim_128),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_knn.c - nearest neighbours by blocked matrix products against a
 * brute-force search in double precision: on random data of many shapes
 * (banks larger than the 1024-row blocks, more than 256 queries, tiny and
 * odd dimensions; 1 and 2 threads) the squared distances agree within 1e-3
 * relative and the returned rows are nearest (equal distances within the
 * tolerance may go either way); a nearest row planted in a later bank block
 * is found; the exclusion never returns rows of the excluded source and
 * returns the next nearest instead; vgl_knn_norms by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "knn.h"

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

static float *random_rows(size_t n, int dim, uint64_t seed)
{
    float *x = malloc(sizeof(float) * (n ? n : 1) * (size_t)dim);
    assert_non_null(x);
    uint64_t s = seed;
    for (size_t i = 0; i < n * (size_t)dim; i++)
        x[i] = (float)(uniform(&s) * 2 - 1);
    return x;
}

static double distance2(const float *a, const float *b, int dim)
{
    double s = 0;
    for (int k = 0; k < dim; k++) {
        double d = (double)a[k] - b[k];
        s += d * d;
    }
    return s;
}

/* Tolerance on a squared distance: 1e-3 relative, with a floor for the
 * rounding of |q|^2 + |b|^2 - 2 q.b when the distance itself is tiny. */
static double tolerance(double d2, int dim)
{
    return 1e-3 * d2 + 1e-5 * dim;
}

typedef struct search {
    const float *queries, *bank;
    size_t n, m;
    int dim;
    const vgl_knn_exclusion *exclude;
} search;

static int excluded(const search *s, size_t row)
{
    return s->exclude && s->exclude->row_sources[row] == s->exclude->source;
}

/* Squared distance between query q and bank row j, in double. */
static double pair_distance2(const search *s, size_t q, size_t j)
{
    return distance2(s->queries + q * (size_t)s->dim, s->bank + j * (size_t)s->dim, s->dim);
}

/* Brute force: the nearest allowed row's squared distance for query q. */
static double brute_nearest(const search *s, size_t q)
{
    double best = INFINITY;
    for (size_t j = 0; j < s->m; j++)
        if (!excluded(s, j))
            best = fmin(best, pair_distance2(s, q, j));
    return best;
}

/* Runs the search and compares every query with brute force. */
static void check_search(const search *s, int threads)
{
    float *norms = malloc(sizeof(float) * (s->m ? s->m : 1));
    float *dist2 = malloc(sizeof(float) * s->n), *dist2_only = malloc(sizeof(float) * s->n);
    int32_t *index = malloc(sizeof(int32_t) * s->n);
    assert_true(norms && dist2 && dist2_only && index);
    vgl_knn_norms(s->bank, s->m, s->dim, norms);
    assert_int_equal(vgl_knn_nearest(s->queries, s->n, s->bank, norms, s->m, s->dim, s->exclude,
                                     threads, dist2, index), 0);
    /* without indices the distances are the same */
    assert_int_equal(vgl_knn_nearest(s->queries, s->n, s->bank, norms, s->m, s->dim, s->exclude,
                                     threads, dist2_only, NULL), 0);
    assert_memory_equal(dist2, dist2_only, sizeof(float) * s->n);
    for (size_t q = 0; q < s->n; q++) {
        double want = brute_nearest(s, q), tol = tolerance(want, s->dim);
        if (!(fabs(dist2[q] - want) <= tol) || dist2[q] < 0)
            fail_msg("n %zu m %zu dim %d threads %d query %zu: distance %.9g, brute force %.9g",
                     s->n, s->m, s->dim, threads, q, dist2[q], want);
        if (index[q] < 0 || (size_t)index[q] >= s->m)
            fail_msg("query %zu: index %d out of range", q, index[q]);
        if (excluded(s, (size_t)index[q]))
            fail_msg("query %zu: returned row %d of the excluded source", q, index[q]);
        double at = pair_distance2(s, q, (size_t)index[q]);
        if (at > want + tol)
            fail_msg("n %zu m %zu dim %d query %zu: row %d at %.9g, the nearest is at %.9g", s->n,
                     s->m, s->dim, q, index[q], at, want);
    }
    free(norms), free(dist2), free(dist2_only), free(index);
}

static void check_random(size_t n, size_t m, int dim, uint64_t seed)
{
    float *queries = random_rows(n, dim, seed), *bank = random_rows(m, dim, seed * 7919 + 1);
    search s = {queries, bank, n, m, dim, NULL};
    check_search(&s, 1);
    check_search(&s, 2);
    free(queries), free(bank);
}

/* ------------------------------------------------------ brute force */

static void test_small_shapes(void **state)
{
    (void)state;
    check_random(1, 1, 1, 1);
    check_random(3, 1, 5, 2);
    check_random(1, 7, 2, 3);
    check_random(17, 29, 3, 4);
    check_random(64, 100, 128, 5);
}

/* More bank rows than one 1024-row block, including 1025 (a block of one). */
static void test_bank_over_blocks(void **state)
{
    (void)state;
    check_random(40, 1025, 16, 6);
    check_random(50, 2500, 33, 7);
}

/* More queries than one 256-query block, shared between threads. */
static void test_queries_over_blocks(void **state)
{
    (void)state;
    check_random(257, 300, 8, 8);
    check_random(700, 1100, 24, 9);
}

/* The nearest row in the second bank block, a near miss in the first. */
static void test_planted_nearest_in_later_block(void **state)
{
    (void)state;
    const int dim = 12;
    const size_t m = 2100, n = 3;
    float *bank = random_rows(m, dim, 31), *queries = random_rows(n, dim, 32);
    for (size_t q = 0; q < n; q++) {
        for (int k = 0; k < dim; k++) {
            bank[(1024 + 5 + q) * dim + k] = queries[q * dim + k] + 0.001f;
            bank[(3 + q) * dim + k] = queries[q * dim + k] + 0.01f;
        }
    }
    float norms[2100], dist2[3];
    int32_t index[3];
    vgl_knn_norms(bank, m, dim, norms);
    for (int threads = 1; threads <= 2; threads++) {
        assert_int_equal(
            vgl_knn_nearest(queries, n, bank, norms, m, dim, NULL, threads, dist2, index), 0);
        for (size_t q = 0; q < n; q++) {
            assert_int_equal(index[q], (int32_t)(1024 + 5 + q));
            /* 12 * 0.001^2 = 1.2e-5, rounding of the expansion allowed */
            assert_true(dist2[q] >= 0 && dist2[q] < 1e-4);
        }
    }
    free(bank), free(queries);
}

/* Queries that are bank rows: distance 0 (clamped, never negative), that row. */
static void test_exact_matches(void **state)
{
    (void)state;
    const int dim = 20;
    const size_t m = 300;
    float *bank = random_rows(m, dim, 41);
    float norms[300], dist2[300];
    int32_t index[300];
    vgl_knn_norms(bank, m, dim, norms);
    assert_int_equal(vgl_knn_nearest(bank, m, bank, norms, m, dim, NULL, 2, dist2, index), 0);
    for (size_t q = 0; q < m; q++) {
        assert_int_equal(index[q], (int32_t)q);
        assert_true(dist2[q] >= 0 && dist2[q] < 1e-4);
    }
    free(bank);
}

/* ------------------------------------------------------ exclusion */

/* The bank is made of the queries' own rows (as when training scores an image
 * against a bank that includes its patches): excluding the query's source
 * must skip its exact copy and return the nearest row of another source. */
static void test_exclusion_skips_own_rows(void **state)
{
    (void)state;
    const int dim = 10, sources = 5;
    const size_t per = 250, m = per * sources; /* 1250 rows: over one block */
    float *bank = random_rows(m, dim, 51);
    int32_t *row_sources = malloc(sizeof(int32_t) * m);
    assert_non_null(row_sources);
    for (size_t j = 0; j < m; j++)
        row_sources[j] = (int32_t)(j % sources); /* interleaved, so every block holds each source */
    for (int32_t src = 0; src < sources; src++) {
        /* the queries: every row of source src, an exact copy of itself in the bank */
        float *queries = malloc(sizeof(float) * per * dim);
        assert_non_null(queries);
        for (size_t q = 0; q < per; q++)
            memcpy(queries + q * dim, bank + (q * sources + (size_t)src) * dim,
                   sizeof(float) * dim);
        vgl_knn_exclusion ex = {row_sources, src};
        search s = {queries, bank, per, m, dim, &ex};
        check_search(&s, 1 + src % 2); /* both thread counts over the sources */
        free(queries);
    }
    free(bank), free(row_sources);
}

/* A source no row has excludes nothing. */
static void test_exclusion_of_absent_source(void **state)
{
    (void)state;
    const int dim = 6;
    const size_t m = 400, n = 30;
    float *bank = random_rows(m, dim, 61), *queries = random_rows(n, dim, 62);
    int32_t row_sources[400];
    for (size_t j = 0; j < m; j++)
        row_sources[j] = (int32_t)(j / 100);
    vgl_knn_exclusion ex = {row_sources, 9};
    search with = {queries, bank, n, m, dim, &ex};
    check_search(&with, 2);
    free(bank), free(queries);
}

/* Hand-made: the nearest row belongs to the excluded source; the second
 * nearest must come back, with its distance. */
static void test_exclusion_by_hand(void **state)
{
    (void)state;
    /* 1-d bank: 0, 1, 3, 10; the query 0.9 is nearest to 1 (source 7), then 0 */
    const float bank[] = {0, 1, 3, 10}, query[] = {0.9f};
    const int32_t row_sources[] = {1, 7, 2, 7};
    float norms[4], dist2[1];
    int32_t index[1];
    vgl_knn_norms(bank, 4, 1, norms);
    vgl_knn_exclusion ex = {row_sources, 7};
    assert_int_equal(vgl_knn_nearest(query, 1, bank, norms, 4, 1, &ex, 1, dist2, index), 0);
    assert_int_equal(index[0], 0);
    assert_float_equal(dist2[0], 0.81f, 1e-5);
    assert_int_equal(vgl_knn_nearest(query, 1, bank, norms, 4, 1, NULL, 1, dist2, index), 0);
    assert_int_equal(index[0], 1);
    assert_float_equal(dist2[0], 0.01f, 1e-5);
}

/* ------------------------------------------------------ norms */

static void test_norms_by_hand(void **state)
{
    (void)state;
    const float rows[] = {1, 2, 2, 0, 0, 0, -1, -1, -1, 3, 4, 0};
    float norms[4] = {-1, -1, -1, -1};
    vgl_knn_norms(rows, 4, 3, norms);
    assert_float_equal(norms[0], 9, 0);
    assert_float_equal(norms[1], 0, 0);
    assert_float_equal(norms[2], 3, 0);
    assert_float_equal(norms[3], 25, 0);
    vgl_knn_norms(rows, 0, 3, norms + 3); /* no rows: nothing written */
    assert_float_equal(norms[3], 25, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_shapes),
        cmocka_unit_test(test_bank_over_blocks),
        cmocka_unit_test(test_queries_over_blocks),
        cmocka_unit_test(test_planted_nearest_in_later_block),
        cmocka_unit_test(test_exact_matches),
        cmocka_unit_test(test_exclusion_skips_own_rows),
        cmocka_unit_test(test_exclusion_of_absent_source),
        cmocka_unit_test(test_exclusion_by_hand),
        cmocka_unit_test(test_norms_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

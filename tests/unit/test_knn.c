/*
 * test_knn.c - the pruned nearest-neighbour search against brute force in
 * double precision.  On random and on structured data (low-rank patches
 * with noise, a large common offset, near-duplicates, banks of rank below
 * the projection, odd dimensions, banks and query counts over the block
 * sizes) every query gets the brute-force nearest row, the first one on
 * exact ties, and its squared distance within float rounding; 1, 2 and 3
 * threads give bit-identical results; the exclusion never returns rows of
 * the excluded source; an empty or fully excluded bank gives FLT_MAX; a
 * bank with a value that is not finite is refused; the projected basis is
 * orthonormal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "knn.h"

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

static float *random_rows(size_t n, int dim, uint64_t seed)
{
    float *x = malloc(sizeof(float) * (n ? n : 1) * (size_t)dim);
    assert_non_null(x);
    uint64_t s = seed;
    for (size_t i = 0; i < n * (size_t)dim; i++)
        x[i] = (float)(uniform(&s) * 2 - 1);
    return x;
}

/* Rows like patch features: `rank` random directions mixed, a little
 * noise, and `offset` added to every value. */
static float *structured_rows(size_t n, int dim, int rank, float noise, float offset,
                              uint64_t seed)
{
    float *directions = random_rows((size_t)rank, dim, seed);
    float *x = malloc(sizeof(float) * (n ? n : 1) * (size_t)dim);
    assert_non_null(x);
    uint64_t s = seed * 31 + 7;
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < dim; k++)
            x[i * dim + k] = offset + noise * (float)(uniform(&s) * 2 - 1);
        for (int r = 0; r < rank; r++) {
            float weight = (float)(uniform(&s) * 2 - 1) * 3 / (float)(r + 1);
            for (int k = 0; k < dim; k++)
                x[i * dim + k] += weight * directions[r * dim + k];
        }
    }
    free(directions);
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

static double pair_distance2(const search *s, size_t q, size_t j)
{
    return distance2(s->queries + q * (size_t)s->dim, s->bank + j * (size_t)s->dim, s->dim);
}

/* Float rounding of a squared distance summed over dim terms. */
static double tolerance(double d2, int dim)
{
    return 4 * dim * FLT_EPSILON * d2 + 1e-30;
}

/* Runs the search with 1, 2 and 3 threads and compares every query with
 * brute force: the row must be nearest, and the first nearest unless
 * another row is within rounding of it. */
static void check_search(const search *s)
{
    vgl_knn_bank bank;
    assert_int_equal(vgl_knn_bank_init(&bank, s->bank, s->m, s->dim), 0);
    float *dist2[3], *dist2_only = malloc(sizeof(float) * s->n);
    int32_t *index[3];
    for (int t = 0; t < 3; t++) {
        dist2[t] = malloc(sizeof(float) * s->n);
        index[t] = malloc(sizeof(int32_t) * s->n);
        assert_true(dist2[t] && index[t]);
        assert_int_equal(
            vgl_knn_nearest(&bank, s->queries, s->n, s->exclude, t + 1, dist2[t], index[t]), 0);
        assert_memory_equal(dist2[t], dist2[0], sizeof(float) * s->n);
        assert_memory_equal(index[t], index[0], sizeof(int32_t) * s->n);
    }
    assert_int_equal(vgl_knn_nearest(&bank, s->queries, s->n, s->exclude, 2, dist2_only, NULL), 0);
    assert_memory_equal(dist2_only, dist2[0], sizeof(float) * s->n);
    for (size_t q = 0; q < s->n; q++) {
        double best = INFINITY, second = INFINITY;
        size_t best_at = 0;
        for (size_t j = 0; j < s->m; j++) {
            if (excluded(s, j))
                continue;
            double d = pair_distance2(s, q, j);
            if (d < best)
                second = best, best = d, best_at = j;
            else if (d < second)
                second = d;
        }
        double tol = tolerance(best, s->dim);
        if (!(fabs(dist2[0][q] - best) <= tol))
            fail_msg("n %zu m %zu dim %d query %zu: distance %.9g, brute force %.9g", s->n, s->m,
                     s->dim, q, dist2[0][q], best);
        int32_t at = index[0][q];
        if (at < 0 || (size_t)at >= s->m || excluded(s, (size_t)at))
            fail_msg("query %zu: row %d out of range or excluded", q, at);
        if ((size_t)at != best_at && second - best > 2 * tol)
            fail_msg("n %zu m %zu dim %d query %zu: row %d, brute force row %zu (%.9g, next %.9g)",
                     s->n, s->m, s->dim, q, at, best_at, best, second);
    }
    for (int t = 0; t < 3; t++)
        free(dist2[t]), free(index[t]);
    free(dist2_only);
    vgl_knn_bank_free(&bank);
}

static void check_rows(const float *queries, size_t n, const float *bank, size_t m, int dim)
{
    search s = {queries, bank, n, m, dim, NULL};
    check_search(&s);
}

static void check_random(size_t n, size_t m, int dim, uint64_t seed)
{
    float *queries = random_rows(n, dim, seed), *bank = random_rows(m, dim, seed * 7919 + 1);
    check_rows(queries, n, bank, m, dim);
    free(queries), free(bank);
}

/* ------------------------------------------------------ search */

static void test_small_shapes(void **state)
{
    (void)state;
    check_random(1, 1, 1, 1);
    check_random(3, 1, 5, 2);
    check_random(1, 7, 2, 3);
    check_random(17, 29, 3, 4);
    check_random(64, 100, 128, 5);
    check_random(40, 60, 13, 6); /* a dimension that is no multiple of 8 */
}

/* More queries than one block, and more bank rows than many. */
static void test_over_blocks(void **state)
{
    (void)state;
    check_random(257, 1100, 24, 8);
    check_random(700, 2500, 33, 9);
}

/* Patch-like data, where the projection prunes most rows: the search must
 * still return exactly the nearest. */
static void test_structured_data(void **state)
{
    (void)state;
    const int dim = 128;
    float *bank = structured_rows(3000, dim, 20, 0.05f, 0, 11);
    float *queries = structured_rows(768, dim, 20, 0.05f, 0, 11); /* same directions */
    check_rows(queries, 768, bank, 3000, dim);
    float *far = structured_rows(200, dim, 20, 2.0f, 0, 12); /* unlike the bank */
    check_rows(far, 200, bank, 3000, dim);
    free(bank), free(queries), free(far);
}

/* A large common offset makes the norms dwarf the distances: the margin on
 * the bounds must still cover the rounding. */
static void test_large_offset(void **state)
{
    (void)state;
    const int dim = 64;
    const size_t m = 1500, n = 300;
    float *bank = structured_rows(m, dim, 8, 0.01f, 1000, 21);
    float *queries = malloc(sizeof(float) * n * dim);
    assert_non_null(queries);
    uint64_t s = 22;
    for (size_t q = 0; q < n; q++) /* near-duplicates of bank rows */
        for (int k = 0; k < dim; k++)
            queries[q * dim + k] = bank[(q * 5) * dim + k] + 1e-3f * (float)(uniform(&s) - 0.5);
    check_rows(queries, n, bank, m, dim);
    free(bank), free(queries);
}

/* Features as wide as InceptionV3's (1056). */
static void test_wide_features(void **state)
{
    (void)state;
    const int dim = 1056;
    float *bank = structured_rows(600, dim, 30, 0.05f, 0.5f, 31);
    float *queries = structured_rows(100, dim, 30, 0.05f, 0.5f, 31);
    check_rows(queries, 100, bank, 600, dim);
    free(bank), free(queries);
}

/* Fewer rows than projected dimensions, and every row the same. */
static void test_rank_deficient_banks(void **state)
{
    (void)state;
    const int dim = 64;
    check_random(50, 5, dim, 41);
    float *same = random_rows(1, dim, 42), *bank = malloc(sizeof(float) * 40 * dim);
    float *queries = random_rows(10, dim, 43);
    assert_non_null(bank);
    for (int i = 0; i < 40; i++)
        memcpy(bank + i * dim, same, sizeof(float) * dim);
    float dist2[10];
    int32_t index[10];
    vgl_knn_bank b;
    assert_int_equal(vgl_knn_bank_init(&b, bank, 40, dim), 0);
    assert_int_equal(vgl_knn_nearest(&b, queries, 10, NULL, 2, dist2, index), 0);
    for (int q = 0; q < 10; q++) {
        assert_int_equal(index[q], 0); /* all tie: the first row */
        assert_float_equal(dist2[q], distance2(queries + q * dim, same, dim), 1e-4);
    }
    vgl_knn_bank_free(&b);
    free(same), free(bank), free(queries);
}

/* Exact ties: copies of one row at 3 places; the first wins. */
static void test_ties_take_the_first_row(void **state)
{
    (void)state;
    const int dim = 16;
    const size_t m = 2000;
    float *bank = random_rows(m, dim, 51), *query = random_rows(1, dim, 52);
    for (int k = 0; k < dim; k++)
        bank[1500 * dim + k] = bank[700 * dim + k] = bank[1900 * dim + k] = query[k] + 0.01f;
    vgl_knn_bank b;
    assert_int_equal(vgl_knn_bank_init(&b, bank, m, dim), 0);
    float dist2;
    int32_t index;
    assert_int_equal(vgl_knn_nearest(&b, query, 1, NULL, 1, &dist2, &index), 0);
    assert_int_equal(index, 700);
    vgl_knn_bank_free(&b);
    free(bank), free(query);
}

/* Queries that are bank rows: distance exactly 0, that row. */
static void test_exact_matches(void **state)
{
    (void)state;
    const int dim = 20;
    const size_t m = 300;
    float *bank = random_rows(m, dim, 61);
    float dist2[300];
    int32_t index[300];
    vgl_knn_bank b;
    assert_int_equal(vgl_knn_bank_init(&b, bank, m, dim), 0);
    assert_int_equal(vgl_knn_nearest(&b, bank, m, NULL, 2, dist2, index), 0);
    for (size_t q = 0; q < m; q++) {
        assert_int_equal(index[q], (int32_t)q);
        assert_true(dist2[q] == 0);
    }
    vgl_knn_bank_free(&b);
    free(bank);
}

/* ------------------------------------------------------ exclusion */

/* The bank holds the queries' own rows (as when training scores an image
 * against a bank that includes its patches): excluding the query's source
 * skips its exact copy and returns the nearest row of another source. */
static void test_exclusion_skips_own_rows(void **state)
{
    (void)state;
    const int dim = 10, sources = 5;
    const size_t per = 250, m = per * sources;
    float *bank = random_rows(m, dim, 71);
    int32_t *row_sources = malloc(sizeof(int32_t) * m);
    assert_non_null(row_sources);
    for (size_t j = 0; j < m; j++)
        row_sources[j] = (int32_t)(j % sources);
    for (int32_t src = 0; src < sources; src++) {
        float *queries = malloc(sizeof(float) * per * dim);
        assert_non_null(queries);
        for (size_t q = 0; q < per; q++)
            memcpy(queries + q * dim, bank + (q * sources + (size_t)src) * dim,
                   sizeof(float) * dim);
        vgl_knn_exclusion ex = {row_sources, src};
        search s = {queries, bank, per, m, dim, &ex};
        check_search(&s);
        free(queries);
    }
    free(bank), free(row_sources);
}

/* Hand-made: the nearest row belongs to the excluded source; the second
 * nearest comes back, with its distance; excluding every row gives
 * FLT_MAX and leaves the index alone. */
static void test_exclusion_by_hand(void **state)
{
    (void)state;
    /* 1-d bank: 0, 1, 3, 10; the query 0.9 is nearest to 1 (source 7), then 0 */
    const float bank[] = {0, 1, 3, 10}, query[] = {0.9f};
    const int32_t row_sources[] = {1, 7, 2, 7}, all_seven[] = {7, 7, 7, 7};
    float dist2[1];
    int32_t index[1];
    vgl_knn_bank b;
    assert_int_equal(vgl_knn_bank_init(&b, bank, 4, 1), 0);
    vgl_knn_exclusion ex = {row_sources, 7};
    assert_int_equal(vgl_knn_nearest(&b, query, 1, &ex, 1, dist2, index), 0);
    assert_int_equal(index[0], 0);
    assert_float_equal(dist2[0], 0.81f, 1e-6);
    assert_int_equal(vgl_knn_nearest(&b, query, 1, NULL, 1, dist2, index), 0);
    assert_int_equal(index[0], 1);
    assert_float_equal(dist2[0], 0.01f, 1e-6);
    vgl_knn_exclusion everything = {all_seven, 7};
    index[0] = -5;
    assert_int_equal(vgl_knn_nearest(&b, query, 1, &everything, 1, dist2, index), 0);
    assert_true(dist2[0] == FLT_MAX);
    assert_int_equal(index[0], -5);
    vgl_knn_bank_free(&b);
}

/* ------------------------------------------------------ the bank */

static void test_empty_bank(void **state)
{
    (void)state;
    const float query[3] = {1, 2, 3};
    vgl_knn_bank b;
    assert_int_equal(vgl_knn_bank_init(&b, NULL, 0, 3), 0);
    float dist2[1];
    int32_t index[1] = {-5};
    assert_int_equal(vgl_knn_nearest(&b, query, 1, NULL, 2, dist2, index), 0);
    assert_true(dist2[0] == FLT_MAX);
    assert_int_equal(index[0], -5);
    vgl_knn_bank_free(&b);
}

static void test_non_finite_rows_are_refused(void **state)
{
    (void)state;
    float *rows = random_rows(100, 8, 81);
    vgl_knn_bank b;
    rows[433] = NAN;
    assert_int_equal(vgl_knn_bank_init(&b, rows, 100, 8), -2);
    rows[433] = INFINITY;
    assert_int_equal(vgl_knn_bank_init(&b, rows, 100, 8), -2);
    rows[433] = 0;
    assert_int_equal(vgl_knn_bank_init(&b, rows, 100, 8), 0);
    vgl_knn_bank_free(&b);
    free(rows);
}

/* The projection's rows are orthonormal (what makes its bounds bounds). */
static void test_basis_is_orthonormal(void **state)
{
    (void)state;
    const int dim = 128;
    float *rows = structured_rows(1000, dim, 10, 0.05f, 0, 91);
    vgl_knn_bank b;
    assert_int_equal(vgl_knn_bank_init(&b, rows, 1000, dim), 0);
    assert_int_equal(b.projected_dim, 32);
    for (int i = 0; i < b.projected_dim; i++)
        for (int j = 0; j < b.projected_dim; j++) {
            double dot = 0;
            for (int k = 0; k < dim; k++)
                dot += (double)b.basis[i * dim + k] * b.basis[j * dim + k];
            assert_float_equal(dot, i == j ? 1 : 0, 1e-5);
        }
    vgl_knn_bank_free(&b);
    free(rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_shapes),
        cmocka_unit_test(test_over_blocks),
        cmocka_unit_test(test_structured_data),
        cmocka_unit_test(test_large_offset),
        cmocka_unit_test(test_wide_features),
        cmocka_unit_test(test_rank_deficient_banks),
        cmocka_unit_test(test_ties_take_the_first_row),
        cmocka_unit_test(test_exact_matches),
        cmocka_unit_test(test_exclusion_skips_own_rows),
        cmocka_unit_test(test_exclusion_by_hand),
        cmocka_unit_test(test_empty_bank),
        cmocka_unit_test(test_non_finite_rows_are_refused),
        cmocka_unit_test(test_basis_is_orthonormal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

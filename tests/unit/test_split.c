/*
 * test_split.c - the deterministic stratified train/test split.  Each image
 * here is a name whose hash is its key (training keys images by a hash of
 * their content): the same keys give the same split whatever their order
 * (shuffled and compared by name); the normal images give ceil(20%) of themselves to the test part,
 * raised to 10 and capped at half (counts by hand); the anomalous images
 * likewise as a whole, shared among anomaly classes in proportion by
 * largest remainder (by hand, and against an integer reference on random
 * class sizes); unused images (stratum -1 or out of range) never go to the
 * test part; every image is in exactly one part; renaming an image keeps
 * the counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "split.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IMAGES 2000
#define MAX_STRATA 8

typedef struct dataset {
    size_t n;
    int n_strata;
    char names[MAX_IMAGES][64];
    uint64_t keys[MAX_IMAGES];
    int stratum[MAX_IMAGES];
    int is_test[MAX_IMAGES];
} dataset;

/* The datasets are large; keep them off the stack. */
static dataset first, second;

static uint64_t next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* sizes[s] images of stratum s, named after a prefix and their position. */
static void make_dataset(dataset *d, const size_t *sizes, int n_strata, const char *prefix)
{
    d->n = 0;
    d->n_strata = n_strata;
    for (int s = 0; s < n_strata; s++)
        for (size_t k = 0; k < sizes[s]; k++) {
            snprintf(d->names[d->n], sizeof d->names[d->n], "%s/%d/img_%04u.jpg", prefix, s,
                     (unsigned)k);
            d->stratum[d->n] = s;
            d->n++;
        }
    assert_true(d->n <= MAX_IMAGES);
}

/* An image's key: FNV-1a of its name. */
static uint64_t key_of(const char *name)
{
    uint64_t h = 1469598103934665603ull;
    for (; *name; name++)
        h = (h ^ (unsigned char)*name) * 1099511628211ull;
    return h;
}

static void run_split(dataset *d)
{
    for (size_t i = 0; i < d->n; i++) {
        d->keys[i] = key_of(d->names[i]);
        d->is_test[i] = -7; /* must be overwritten */
    }
    assert_int_equal(vgl_split(d->keys, d->stratum, d->n, d->n_strata, d->is_test), 0);
    for (size_t i = 0; i < d->n; i++)
        if (d->is_test[i] != 0 && d->is_test[i] != 1)
            fail_msg("image %zu: is_test %d is neither 0 nor 1", i, d->is_test[i]);
}

static size_t test_in_stratum(const dataset *d, int s)
{
    size_t count = 0;
    for (size_t i = 0; i < d->n; i++)
        count += d->stratum[i] == s && d->is_test[i];
    return count;
}

static size_t test_anomalies(const dataset *d)
{
    size_t count = 0;
    for (size_t i = 0; i < d->n; i++)
        count += d->stratum[i] > 0 && d->stratum[i] < d->n_strata && d->is_test[i];
    return count;
}

/* Fisher-Yates on names and strata together. */
static void shuffle(dataset *d, uint64_t seed)
{
    uint64_t state = seed;
    for (size_t i = d->n - 1; i > 0; i--) {
        size_t j = (size_t)(next(&state) % (i + 1));
        char name[64];
        memcpy(name, d->names[i], sizeof name);
        memcpy(d->names[i], d->names[j], sizeof name);
        memcpy(d->names[j], name, sizeof name);
        int s = d->stratum[i];
        d->stratum[i] = d->stratum[j];
        d->stratum[j] = s;
    }
}

/* The same image (by name) is in the same part in a and b. */
static void assert_same_split_by_name(const dataset *a, const dataset *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        size_t j = 0;
        while (j < b->n && strcmp(a->names[i], b->names[j]))
            j++;
        if (j == b->n)
            fail_msg("%s missing", a->names[i]);
        if (a->is_test[i] != b->is_test[j])
            fail_msg("%s: test %d in one order, %d in the other", a->names[i], a->is_test[i],
                     b->is_test[j]);
    }
}

/* ------------------------------------------------------ determinism */

static void test_same_names_same_split(void **state)
{
    (void)state;
    const size_t sizes[] = {120, 30, 17, 9};
    make_dataset(&first, sizes, 4, "cookies");
    make_dataset(&second, sizes, 4, "cookies");
    run_split(&first);
    run_split(&second);
    assert_memory_equal(first.is_test, second.is_test, sizeof(int) * first.n);
}

static void test_independent_of_order(void **state)
{
    (void)state;
    const size_t sizes[] = {120, 30, 17, 9};
    make_dataset(&first, sizes, 4, "cookies");
    run_split(&first);
    for (uint64_t seed = 1; seed <= 5; seed++) {
        make_dataset(&second, sizes, 4, "cookies");
        shuffle(&second, seed);
        run_split(&second);
        assert_same_split_by_name(&first, &second);
    }
}

/* The split follows the names: a test part is not simply the first 20%. */
static void test_depends_on_names(void **state)
{
    (void)state;
    const size_t sizes[] = {200};
    make_dataset(&first, sizes, 1, "a");
    run_split(&first);
    size_t prefix = 0;
    for (size_t i = 0; i < 40; i++)
        prefix += first.is_test[i];
    assert_int_equal(test_in_stratum(&first, 0), 40);
    assert_true(prefix < 40);
}

/* Renaming one image may move images about but keeps every count. */
static void test_rename_keeps_counts(void **state)
{
    (void)state;
    const size_t sizes[] = {73, 21, 12};
    make_dataset(&first, sizes, 3, "x");
    run_split(&first);
    make_dataset(&second, sizes, 3, "x");
    snprintf(second.names[5], sizeof second.names[5], "renamed.png");
    snprintf(second.names[80], sizeof second.names[80], "renamed-anomaly.png");
    run_split(&second);
    for (int s = 0; s < 3; s++)
        assert_int_equal(test_in_stratum(&first, s), test_in_stratum(&second, s));
}

/* ------------------------------------------------------ counts */

/* Normal test images for a stratum of `count`, by the rule in split.h. */
static void check_normal_count(size_t count, size_t expected)
{
    size_t sizes[] = {count};
    make_dataset(&first, sizes, 1, "n");
    run_split(&first);
    size_t got = test_in_stratum(&first, 0);
    if (got != expected)
        fail_msg("%zu normal images: %zu in test, expected %zu", count, got, expected);
    assert_true(got <= count / 2);
}

/*
 * 100 -> ceil(20) = 20;  101 -> ceil(20.2) = 21;  60 -> 12;
 * 30 -> 6, raised to the floor of 10;  21 -> 10 (<= 10 = half);
 * 15 -> 10 capped at half: 7;  5 -> 2;  1 -> 0;  0 -> 0.
 */
static void test_normal_counts_by_hand(void **state)
{
    (void)state;
    check_normal_count(100, 20);
    check_normal_count(101, 21);
    check_normal_count(60, 12);
    check_normal_count(30, 10);
    check_normal_count(21, 10);
    check_normal_count(15, 7);
    check_normal_count(5, 2);
    check_normal_count(1, 0);
    check_normal_count(0, 0);
}

/*
 * Anomaly classes of 13, 7 and 5 images: 25 anomalies, ceil(5) raised to 10
 * (<= 12).  Shares 10 * 13/25 = 5.2, 2.8, 2.0: floors 5 + 2 + 2 = 9; the
 * largest remainder (0.8) gets the last: 5, 3, 2.  Normals: 40 -> 10.
 */
static void test_classes_by_hand(void **state)
{
    (void)state;
    const size_t sizes[] = {40, 13, 7, 5};
    make_dataset(&first, sizes, 4, "c");
    run_split(&first);
    assert_int_equal(test_in_stratum(&first, 0), 10);
    assert_int_equal(test_in_stratum(&first, 1), 5);
    assert_int_equal(test_in_stratum(&first, 2), 3);
    assert_int_equal(test_in_stratum(&first, 3), 2);
}

/* 100 anomalies in classes of 50, 30, 20: 20 test images, 10 + 6 + 4 exactly. */
static void test_classes_exact_shares(void **state)
{
    (void)state;
    const size_t sizes[] = {500, 50, 30, 20};
    make_dataset(&first, sizes, 4, "e");
    run_split(&first);
    assert_int_equal(test_in_stratum(&first, 0), 100);
    assert_int_equal(test_in_stratum(&first, 1), 10);
    assert_int_equal(test_in_stratum(&first, 2), 6);
    assert_int_equal(test_in_stratum(&first, 3), 4);
}

/* Too few anomalies for the floor: 12 anomalies give at most 6. */
static void test_anomaly_floor_capped_at_half(void **state)
{
    (void)state;
    const size_t sizes[] = {50, 12};
    make_dataset(&first, sizes, 2, "f");
    run_split(&first);
    assert_int_equal(test_in_stratum(&first, 0), 10);
    assert_int_equal(test_in_stratum(&first, 1), 6);
}

/* No anomaly class gives more than half its images: 13 + 1 anomalies have a
 * quota of 7 (6.5 + 0.5 by share), but the 13 may give only 6 and the lone
 * image none; 18 + 3 + 1 (quota 10, shares 8.2 + 1.4 + 0.5) give 9 + 1 + 0,
 * the unit the capped classes cannot take going to the one that can. */
static void test_class_shares_capped_at_half(void **state)
{
    (void)state;
    const size_t two[] = {22, 13, 1};
    make_dataset(&first, two, 3, "h");
    run_split(&first);
    assert_int_equal(test_in_stratum(&first, 1), 6);
    assert_int_equal(test_in_stratum(&first, 2), 0);
    const size_t three[] = {54, 18, 3, 1};
    make_dataset(&first, three, 4, "i");
    run_split(&first);
    assert_int_equal(test_in_stratum(&first, 1), 9);
    assert_int_equal(test_in_stratum(&first, 2), 1);
    assert_int_equal(test_in_stratum(&first, 3), 0);
}

/* The integer reference for a group's total: ceil(20%), raised to 10, at most half. */
static size_t reference_total(size_t count)
{
    size_t want = (count + 4) / 5;
    want = want < 10 ? 10 : want;
    return want > count / 2 ? count / 2 : want;
}

/*
 * Checks that the classes' test counts are a largest-remainder share of the
 * anomalies' total, in exact integers: each class gets the floor of its
 * share total * size / anomalies or one more, the counts add up, and no
 * class left at its floor has a larger remainder than one given the extra
 * (equal remainders may go either way).
 */
static void assert_largest_remainder(const size_t *sizes, const size_t *got, int n_strata)
{
    size_t anomalies = 0, sum = 0;
    for (int s = 1; s < n_strata; s++)
        anomalies += sizes[s];
    size_t total = reference_total(anomalies);
    size_t min_raised = (size_t)-1, max_floored = 0;
    for (int s = 1; s < n_strata; s++) {
        size_t floor_share = anomalies ? total * sizes[s] / anomalies : 0;
        size_t remainder = anomalies ? total * sizes[s] % anomalies : 0;
        if (got[s] == floor_share + 1)
            min_raised = remainder < min_raised ? remainder : min_raised;
        else if (got[s] == floor_share)
            max_floored = remainder > max_floored ? remainder : max_floored;
        else
            fail_msg("class %d of %zu (of %zu anomalies, %zu to test): %zu test images, share "
                     "%zu + %zu/%zu", s, sizes[s], anomalies, total, got[s], floor_share,
                     remainder, anomalies);
        sum += got[s];
    }
    assert_int_equal(sum, total);
    if (min_raised != (size_t)-1 && max_floored > min_raised)
        fail_msg("a class with remainder %zu/%zu got no extra image, one with %zu/%zu did",
                 max_floored, anomalies, min_raised, anomalies);
}

static void test_classes_against_reference(void **state)
{
    (void)state;
    uint64_t rng = 42;
    for (int trial = 0; trial < 60; trial++) {
        int n_strata = 2 + (int)(next(&rng) % (MAX_STRATA - 1));
        size_t sizes[MAX_STRATA], got[MAX_STRATA];
        for (int s = 0; s < n_strata; s++)
            sizes[s] = (size_t)(next(&rng) % (s ? 90 : 400));
        make_dataset(&first, sizes, n_strata, "r");
        run_split(&first);
        size_t anomalies = 0;
        for (int s = 0; s < n_strata; s++) {
            got[s] = test_in_stratum(&first, s);
            anomalies += s ? sizes[s] : 0;
        }
        assert_int_equal(got[0], reference_total(sizes[0]));
        assert_largest_remainder(sizes, got, n_strata);
        /* never more than half of the normal or of the anomalous images */
        assert_true(got[0] <= sizes[0] / 2);
        assert_true(test_anomalies(&first) <= anomalies / 2);
    }
}

/* ------------------------------------------------------ unused images */

static void test_unused_never_in_test(void **state)
{
    (void)state;
    const size_t sizes[] = {60, 40};
    make_dataset(&first, sizes, 2, "u");
    /* every third image unlabelled, and two with a stratum beyond n_strata */
    for (size_t i = 0; i < first.n; i += 3)
        first.stratum[i] = -1;
    first.stratum[1] = 5;
    first.stratum[61] = 2;
    run_split(&first);
    for (size_t i = 0; i < first.n; i++)
        if ((first.stratum[i] < 0 || first.stratum[i] >= 2) && first.is_test[i])
            fail_msg("unused image %s (stratum %d) in the test part", first.names[i],
                     first.stratum[i]);
    /* labelled: 60 - 20 - 1 = 39 normals -> 10; 40 - 14 - 1 = 25 anomalies -> 10 */
    size_t normals = 0, anomalies = 0;
    for (size_t i = 0; i < first.n; i++)
        normals += first.stratum[i] == 0, anomalies += first.stratum[i] == 1;
    assert_int_equal(test_in_stratum(&first, 0), reference_total(normals));
    assert_int_equal(test_in_stratum(&first, 1), reference_total(anomalies));
}

static void test_empty(void **state)
{
    (void)state;
    int is_test[1] = {7};
    int stratum[1] = {0};
    uint64_t keys[1] = {1};
    assert_int_equal(vgl_split(keys, stratum, 0, 2, is_test), 0);
    assert_int_equal(is_test[0], 7); /* nothing written for n = 0 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_names_same_split),
        cmocka_unit_test(test_independent_of_order),
        cmocka_unit_test(test_depends_on_names),
        cmocka_unit_test(test_rename_keeps_counts),
        cmocka_unit_test(test_normal_counts_by_hand),
        cmocka_unit_test(test_classes_by_hand),
        cmocka_unit_test(test_classes_exact_shares),
        cmocka_unit_test(test_anomaly_floor_capped_at_half),
        cmocka_unit_test(test_class_shares_capped_at_half),
        cmocka_unit_test(test_classes_against_reference),
        cmocka_unit_test(test_unused_never_in_test),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

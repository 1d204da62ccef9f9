/*
 * test_calibration.c - the decision threshold and the Platt confidence:
 * with perfectly separated validation scores the threshold lies strictly in
 * the gap, at the point as many standard deviations from each class's mean
 * (checked by hand), p = 1/2 exactly there, p rises with z and every
 * validation image falls on its own side; with overlapping scores the
 * threshold reaches the best F1 of a brute-force search over all cuts and
 * never sits on a score (so tied images are never split); the slope is
 * finite, positive and maximises Platt's likelihood; with only normal
 * scores the threshold is above their maximum and mean + 3 sd (values by
 * hand); only anomalies or fewer than 2 images are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "calibration.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static void assert_near(double actual, double expected, double tolerance)
{
    if (!(fabs(actual - expected) <= tolerance))
        fail_msg("got %.15g, expected %.15g (tolerance %g)", actual, expected, tolerance);
}

static vgl_calibration fit_ok(const double *z, const int *anomaly, size_t n)
{
    vgl_calibration c = {0, 0};
    vgl_error err = {0};
    if (vgl_calibration_fit(z, anomaly, n, &c, &err) != VGL_OK)
        fail_msg("fit failed: %s", err.message);
    if (!isfinite(c.slope) || !(c.slope > 0) || !isfinite(c.threshold))
        fail_msg("threshold %g, slope %g: not finite or slope not positive", c.threshold, c.slope);
    return c;
}

/* ------------------------------------------------------ helpers */

/* A small deterministic generator (SplitMix64), uniform in [0, 1). */
static double uniform(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

static double gaussian(uint64_t *state)
{
    double u = uniform(state), v = uniform(state);
    return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

/* F1 of calling anomalous every image with z > t. */
static double f1_at(const double *z, const int *anomaly, size_t n, double t)
{
    size_t tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < n; i++) {
        int called = z[i] > t;
        tp += called && anomaly[i], fp += called && !anomaly[i], fn += !called && anomaly[i];
    }
    return tp ? 2.0 * tp / (2.0 * tp + fp + fn) : 0.0;
}

/* Brute force: the best F1 over every achievable decision, i.e. a cut just
 * below each distinct score (plus "nothing anomalous"). */
static double best_f1_brute_force(const double *z, const int *anomaly, size_t n)
{
    double best = f1_at(z, anomaly, n, INFINITY);
    for (size_t i = 0; i < n; i++)
        best = fmax(best, f1_at(z, anomaly, n, nextafter(z[i], -INFINITY)));
    return best;
}

/* Platt's log-likelihood of the smoothed targets under slope a. */
static double platt_log_likelihood(const double *z, const int *anomaly, size_t n, double t,
                                   double a)
{
    size_t positives = 0;
    for (size_t i = 0; i < n; i++)
        positives += anomaly[i] != 0;
    double hi = (positives + 1.0) / (positives + 2.0), lo = 1.0 / (n - positives + 2.0), ll = 0;
    for (size_t i = 0; i < n; i++) {
        double p = 1 / (1 + exp(-a * (z[i] - t)));
        double y = anomaly[i] ? hi : lo;
        ll += y * log(p) + (1 - y) * log1p(-p);
    }
    return ll;
}

/* The fitted slope must beat nearby slopes (the likelihood is concave in a). */
static void assert_slope_maximises_likelihood(const double *z, const int *anomaly, size_t n,
                                              const vgl_calibration *c)
{
    double at = platt_log_likelihood(z, anomaly, n, c->threshold, c->slope);
    const double factors[] = {0.5, 0.9, 0.99, 1.01, 1.1, 2.0};
    for (size_t k = 0; k < sizeof factors / sizeof factors[0]; k++) {
        double other = platt_log_likelihood(z, anomaly, n, c->threshold, c->slope * factors[k]);
        if (other > at + 1e-9)
            fail_msg("slope %g x %g has a higher likelihood (%.12g > %.12g)", c->slope, factors[k],
                     other, at);
    }
}

/* ------------------------------------------------------ separated scores */

static const double separated_z[] = {-1.2, 0.6, -0.8, 1.5, -1.0, -0.5, 0.9, -0.9, 2.0, -1.1};
static const int separated_a[] = {0, 1, 0, 1, 0, 0, 1, 0, 1, 0};
#define SEPARATED_N (sizeof separated_z / sizeof separated_z[0])

static void test_separated_threshold_in_gap(void **state)
{
    (void)state;
    vgl_calibration c = fit_ok(separated_z, separated_a, SEPARATED_N);
    /* max normal -0.5, min anomaly 0.6 */
    if (!(c.threshold > -0.5 && c.threshold < 0.6))
        fail_msg("threshold %g is not strictly inside (-0.5, 0.6)", c.threshold);
    assert_near(f1_at(separated_z, separated_a, SEPARATED_N, c.threshold), 1.0, 1e-15);
}

static void test_probability_half_at_threshold_and_increasing(void **state)
{
    (void)state;
    vgl_calibration c = fit_ok(separated_z, separated_a, SEPARATED_N);
    /* exactly 1/2: exp(0) = 1, so decisions and confidences agree */
    assert_true(vgl_calibration_probability(&c, c.threshold) == 0.5);
    double previous = -1;
    for (int k = -40; k <= 40; k++) {
        double z = c.threshold + 0.1 * k;
        double p = vgl_calibration_probability(&c, z);
        assert_true(p >= 0 && p <= 1);
        if (!(p >= previous))
            fail_msg("p(%g) = %g below p at a smaller z (%g)", z, p, previous);
        previous = p;
    }
    assert_true(vgl_calibration_probability(&c, c.threshold + 0.1) >
                vgl_calibration_probability(&c, c.threshold - 0.1));
}

static void test_validation_images_on_their_side(void **state)
{
    (void)state;
    vgl_calibration c = fit_ok(separated_z, separated_a, SEPARATED_N);
    for (size_t i = 0; i < SEPARATED_N; i++) {
        double p = vgl_calibration_probability(&c, separated_z[i]);
        /* the confidence of the right decision is p for anomalies, 1 - p for normals */
        double confidence = separated_a[i] ? p : 1 - p;
        if (!(confidence > 0.5))
            fail_msg("image %zu (z %g, anomaly %d): confidence %g", i, separated_z[i],
                     separated_a[i], confidence);
    }
    assert_slope_maximises_likelihood(separated_z, separated_a, SEPARATED_N, &c);
}

/*
 * Normals {0, 1, 2}: mean 1, sd 1.  Anomalies {4, 6, 8}: mean 6, sd 2.
 * The point as many sds from both means: (t - 1) / 1 = (6 - t) / 2, so
 * t = 8/3 (= (1*2 + 6*1) / 3), 5/3 sd from each.  The gap is (2, 4) and its
 * inner tenth-margins (2.2, 3.8) contain 8/3, so no clamping.
 */
static void test_threshold_by_class_spread_by_hand(void **state)
{
    (void)state;
    const double z[] = {4, 0, 8, 1, 6, 2};
    const int a[] = {1, 0, 1, 0, 1, 0};
    vgl_calibration c = fit_ok(z, a, 6);
    assert_near(c.threshold, 8.0 / 3.0, 1e-12);
}

/*
 * When the class-spread point falls outside the gap it is kept a tenth of
 * the gap inside it.  Normals {0, 10}: mean 5, sd 7.07; anomalies {10.5, 11}:
 * mean 10.75, sd 0.354.  The spread point is (5 * 0.354 + 10.75 * 7.07) /
 * 7.42 = 10.48, beyond the gap (10, 10.5) minus its margin 0.05: 10.45.
 */
static void test_threshold_kept_off_gap_edges(void **state)
{
    (void)state;
    const double z[] = {0, 10, 10.5, 11};
    const int a[] = {0, 0, 1, 1};
    vgl_calibration c = fit_ok(z, a, 4);
    assert_near(c.threshold, 10.45, 1e-12);
}

/* ------------------------------------------------------ overlapping scores */

/*
 * z: 0 (N), 1 (N), 1 (A), 2 (A).  Cuts between distinct scores:
 *   below 1: {1N, 1A, 2A} anomalous: TP 2, FP 1, FN 0: F1 = 4/5
 *   below 2: {2A}:                   TP 1, FP 0, FN 1: F1 = 2/3
 *   below 0: everything:             TP 2, FP 2:       F1 = 2/3
 * A cut between the two equal scores would give F1 = 1 but is no cut at all.
 */
static void test_equal_scores_never_split_by_hand(void **state)
{
    (void)state;
    const double z[] = {1, 0, 2, 1};
    const int a[] = {0, 0, 1, 1};
    vgl_calibration c = fit_ok(z, a, 4);
    if (!(c.threshold > 0 && c.threshold < 1))
        fail_msg("threshold %g is not inside (0, 1)", c.threshold);
}

/* Scores rounded to a coarse grid, so many normal and anomalous images tie. */
static size_t overlapping_scores(uint64_t seed, double *z, int *a, size_t n, double step)
{
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        a[i] = uniform(&s) < 0.35;
        z[i] = gaussian(&s) + (a[i] ? 1.3 : 0.0);
        if (step > 0)
            z[i] = round(z[i] / step) * step;
    }
    a[0] = 0, a[1] = 1; /* both classes present */
    return n;
}

static void check_overlapping(uint64_t seed, size_t n, double step)
{
    double z[200] = {0}; /* filled up to n; zeroed for the compiler, which cannot see that */
    int a[200] = {0};
    overlapping_scores(seed, z, a, n, step);
    vgl_calibration c = fit_ok(z, a, n);
    double best = best_f1_brute_force(z, a, n);
    double got = f1_at(z, a, n, c.threshold);
    if (fabs(got - best) > 1e-12)
        fail_msg("seed %llu n %zu: threshold %g gives F1 %.12g, the best cut %.12g",
                 (unsigned long long)seed, n, c.threshold, got, best);
    /* the threshold sits on no score: '>' and '>=' decide alike, ties go together */
    for (size_t i = 0; i < n; i++)
        if (z[i] == c.threshold)
            fail_msg("seed %llu: threshold %g equals a validation score", (unsigned long long)seed,
                     c.threshold);
    assert_true(vgl_calibration_probability(&c, c.threshold) == 0.5);
    assert_slope_maximises_likelihood(z, a, n, &c);
}

static void test_overlapping_threshold_maximises_f1(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 40; seed++)
        check_overlapping(seed, 20 + (size_t)(seed * 37 % 180), 0);
}

static void test_overlapping_with_ties_maximises_f1(void **state)
{
    (void)state;
    for (uint64_t seed = 100; seed < 140; seed++)
        check_overlapping(seed, 10 + (size_t)(seed * 53 % 190), 0.25 + 0.25 * (double)(seed % 3));
}

/* ------------------------------------------------------ only normal scores */

/* {0, 1, 2, 3, 4}: mean 2, sd sqrt(10/4) = 1.5811; mean + 3 sd = 6.7434
 * beats max + sd = 5.5811. */
static void test_only_normals_mean_plus_three_sd(void **state)
{
    (void)state;
    const double z[] = {3, 0, 4, 1, 2};
    const int a[] = {0, 0, 0, 0, 0};
    vgl_calibration c = fit_ok(z, a, 5);
    assert_near(c.threshold, 2 + 3 * sqrt(2.5), 1e-12);
    assert_true(c.threshold > 4);
    /* the slope puts the normals' mean at Platt's target 1 / (n + 2) */
    assert_near(vgl_calibration_probability(&c, 2.0), 1.0 / 7.0, 1e-12);
}

/* Nine zeros and a 10: mean 1, sd sqrt((9 + 81) / 9) = sqrt(10); max + sd =
 * 13.162 beats mean + 3 sd = 10.487, so the threshold stays above the maximum. */
static void test_only_normals_above_maximum(void **state)
{
    (void)state;
    double z[10] = {0};
    int a[10] = {0};
    z[6] = 10;
    vgl_calibration c = fit_ok(z, a, 10);
    assert_near(c.threshold, 10 + sqrt(10), 1e-12);
    assert_true(c.threshold >= 1 + 3 * sqrt(10));
    for (size_t i = 0; i < 10; i++)
        assert_true(vgl_calibration_probability(&c, z[i]) < 0.5);
}

/* Identical scores have sd 0: the threshold must still lie above them and the slope stay finite. */
static void test_only_normals_constant(void **state)
{
    (void)state;
    const double z[] = {1.5, 1.5, 1.5};
    const int a[] = {0, 0, 0};
    vgl_calibration c = fit_ok(z, a, 3);
    assert_true(c.threshold > 1.5);
    assert_true(vgl_calibration_probability(&c, 1.5) < 0.5);
}

static void test_only_normals_random(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        uint64_t s = seed;
        double z[64];
        int a[64] = {0};
        size_t n = 2 + seed * 3;
        double mean = 0, var = 0, max = -INFINITY;
        for (size_t i = 0; i < n; i++)
            z[i] = gaussian(&s) * 0.3 - 2, mean += z[i] / (double)n, max = fmax(max, z[i]);
        for (size_t i = 0; i < n; i++)
            var += (z[i] - mean) * (z[i] - mean) / (double)(n - 1);
        vgl_calibration c = fit_ok(z, a, n);
        assert_true(c.threshold > max);
        assert_true(c.threshold >= mean + 3 * sqrt(var) - 1e-12);
    }
}

/* ------------------------------------------------------ refusals */

static void assert_refused(const double *z, const int *a, size_t n)
{
    vgl_calibration c = {0, 0};
    vgl_error err = {0};
    assert_int_equal(vgl_calibration_fit(z, a, n, &c, &err), VGL_EINVAL);
    assert_int_equal(err.status, VGL_EINVAL);
    assert_true(err.message[0] != '\0');
}

static void test_refusals(void **state)
{
    (void)state;
    const double z[] = {1, 2, 3};
    const int anomalies[] = {1, 1, 1}, normal[] = {0};
    assert_refused(z, anomalies, 3);
    assert_refused(z, anomalies, 1);
    assert_refused(z, normal, 1);
    assert_refused(z, normal, 0);
    /* a NULL error is allowed */
    vgl_calibration c;
    assert_int_equal(vgl_calibration_fit(z, anomalies, 3, &c, NULL), VGL_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_separated_threshold_in_gap),
        cmocka_unit_test(test_probability_half_at_threshold_and_increasing),
        cmocka_unit_test(test_validation_images_on_their_side),
        cmocka_unit_test(test_threshold_by_class_spread_by_hand),
        cmocka_unit_test(test_threshold_kept_off_gap_edges),
        cmocka_unit_test(test_equal_scores_never_split_by_hand),
        cmocka_unit_test(test_overlapping_threshold_maximises_f1),
        cmocka_unit_test(test_overlapping_with_ties_maximises_f1),
        cmocka_unit_test(test_only_normals_mean_plus_three_sd),
        cmocka_unit_test(test_only_normals_above_maximum),
        cmocka_unit_test(test_only_normals_constant),
        cmocka_unit_test(test_only_normals_random),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

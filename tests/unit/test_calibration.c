/*
 * test_calibration.c - the decision threshold and the Platt confidence.
 * From normal scores alone the threshold is the 99% quantile of a Gumbel law
 * fitted by median and interquartile range (values by hand), an outlier
 * barely moves it, and on many Gumbel samples about 1% lie above it; with
 * labelled anomalies it never rises above that quantile, stays there when
 * the anomalies lie far above, and moves below a cluster of anomalies that
 * the quantile would miss; p = 1/2 exactly at the threshold and rises with
 * z; the slope is finite, positive and (with anomalies) maximises Platt's
 * likelihood; only anomalies or fewer than 2 images are refused.
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


/* A standard Gumbel sample: -ln(-ln u). */
static double gumbel_draw(uint64_t *state)
{
    return -log(-log(uniform(state) * (1 - 2e-12) + 1e-12));
}

/* The threshold of the normal scores alone (z[i] with a[i] == 0). */
static double normal_only_threshold(const double *z, const int *a, size_t n)
{
    double *normal = malloc(sizeof *normal * n);
    int *zeros = calloc(n, sizeof *zeros);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!a[i])
            normal[k++] = z[i];
    double t = fit_ok(normal, zeros, k).threshold;
    free(normal), free(zeros);
    return t;
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

/* ------------------------------------------------------ only normal scores */

/*
 * 0, 1, ..., 10: median 5, quartiles 2.5 and 7.5.  Gumbel(mu, beta) has
 * quartiles mu - beta ln ln 4 and mu - beta ln ln(4/3), so beta = 5 /
 * (ln ln 4 - ln ln(4/3)) = 5 / 1.57254 = 3.17958, and median mu - beta ln ln 2,
 * so mu = 5 + beta ln ln 2 = 5 - 0.36651 beta = 3.83464.  The 99% quantile:
 * mu - beta ln(-ln 0.99) = mu + 4.60015 beta = 18.46120.  From 11 scores its
 * distance from the median is widened by t(0.99, 10 dof) sqrt(1 + 1/11) /
 * z(0.99) = 2.76377 * 1.04447 / 2.32635 = 1.24084: 5 + 13.46120 * 1.24084 =
 * 21.70320.
 */
static void test_only_normals_by_hand(void **state)
{
    (void)state;
    const double z[] = {7, 0, 3, 10, 1, 9, 2, 8, 4, 6, 5};
    const int a[11] = {0};
    vgl_calibration c = fit_ok(z, a, 11);
    double beta = 5 / (log(log(4.0)) - log(log(4.0 / 3.0)));
    double mu = 5 + beta * log(log(2.0));
    assert_near(beta, 3.17958, 1e-5);
    assert_near(mu - beta * log(-log(0.99)), 18.46120, 1e-4);
    assert_near(c.threshold, 21.70320, 2e-4);
    /* the slope gives the median Platt's target for a normal image, 1 / (n + 2) */
    assert_near(vgl_calibration_probability(&c, 5.0), 1.0 / 13.0, 1e-12);
}

/* One wild score among thirty barely moves the threshold (a mean and a
 * standard deviation, or a maximum, would follow it). */
static void test_only_normals_outlier(void **state)
{
    (void)state;
    uint64_t s = 7;
    double z[31];
    int a[31] = {0};
    for (size_t i = 0; i < 30; i++)
        z[i] = 2.5 + 0.1 * gaussian(&s);
    double without = fit_ok(z, a, 30).threshold;
    z[30] = 40;
    double with = fit_ok(z, a, 31).threshold;
    assert_true(with < 4);
    assert_near(with, without, 0.05);
}

/* On many draws of a Gumbel law, about VGL_FALSE_ALARM_RATE lie above. */
static void test_only_normals_false_alarm_rate(void **state)
{
    (void)state;
    enum { N = 20000 };
    static double z[N];
    static int a[N];
    uint64_t s = 11;
    for (size_t i = 0; i < N; i++)
        z[i] = 3 + 0.2 * gumbel_draw(&s);
    vgl_calibration c = fit_ok(z, a, N);
    size_t above = 0;
    for (size_t i = 0; i < N; i++)
        above += z[i] > c.threshold;
    double rate = (double)above / N;
    if (!(rate > 0.007 && rate < 0.013))
        fail_msg("%.4f of the normal scores lie above the threshold", rate);
}

/* Identical scores have no spread: the threshold must still lie above them and the slope stay finite. */
static void test_only_normals_constant(void **state)
{
    (void)state;
    const double z[] = {1.5, 1.5, 1.5};
    const int a[] = {0, 0, 0};
    vgl_calibration c = fit_ok(z, a, 3);
    assert_true(c.threshold > 1.5);
    assert_true(vgl_calibration_probability(&c, 1.5) < 0.5);
}

/* ------------------------------------------------------ with anomalies */

/* Anomalies far above the normal quantile leave it where it is. */
static void test_far_anomalies_keep_normal_quantile(void **state)
{
    (void)state;
    uint64_t s = 3;
    double z[60];
    int a[60] = {0};
    for (size_t i = 0; i < 60; i++) {
        a[i] = i >= 45;
        z[i] = a[i] ? 10 + gaussian(&s) * 0.2 : 2 + 0.1 * gumbel_draw(&s);
    }
    vgl_calibration c = fit_ok(z, a, 60);
    assert_near(c.threshold, normal_only_threshold(z, a, 60), 1e-12);
    assert_slope_maximises_likelihood(z, a, 60, &c);
}

/* A cluster of anomalies just below the normal quantile: the threshold
 * moves below it, since catching them costs few false alarms. */
static void test_threshold_moves_below_near_anomalies(void **state)
{
    (void)state;
    uint64_t s = 5;
    double z[80];
    int a[80] = {0};
    for (size_t i = 0; i < 60; i++)
        z[i] = 2 + 0.1 * gumbel_draw(&s);
    double quantile = normal_only_threshold(z, a, 60);
    for (size_t i = 60; i < 80; i++)
        a[i] = 1, z[i] = quantile - 0.1 + 0.01 * gaussian(&s);
    vgl_calibration c = fit_ok(z, a, 80);
    for (size_t i = 60; i < 80; i++)
        if (!(z[i] > c.threshold))
            fail_msg("anomaly %g at or below the threshold %g (quantile %g)", z[i], c.threshold,
                     quantile);
    assert_true(c.threshold < quantile);
    assert_slope_maximises_likelihood(z, a, 80, &c);
}

/* Whatever the anomalies, the threshold never rises above the normal
 * quantile, and decisions agree with confidences. */
static void test_never_above_normal_quantile(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        uint64_t s = seed;
        size_t n = 20 + (size_t)(seed * 37 % 180);
        double z[200];
        int a[200];
        for (size_t i = 0; i < n; i++) {
            a[i] = i < 2 ? (int)i : uniform(&s) < 0.35;
            z[i] = gaussian(&s) + (a[i] ? 1.3 * uniform(&s) * 3 : 0.0);
        }
        vgl_calibration c = fit_ok(z, a, n);
        double quantile = normal_only_threshold(z, a, n);
        if (c.threshold > quantile + 1e-12)
            fail_msg("seed %llu: threshold %g above the normal quantile %g",
                     (unsigned long long)seed, c.threshold, quantile);
        assert_true(vgl_calibration_probability(&c, c.threshold) == 0.5);
        assert_slope_maximises_likelihood(z, a, n, &c);
    }
}

static void test_probability_half_at_threshold_and_increasing(void **state)
{
    (void)state;
    const double z[] = {-1.2, 0.6, -0.8, 1.5, -1.0, -0.5, 0.9, -0.9, 2.0, -1.1};
    const int a[] = {0, 1, 0, 1, 0, 0, 1, 0, 1, 0};
    vgl_calibration c = fit_ok(z, a, 10);
    /* exactly 1/2: exp(0) = 1, so decisions and confidences agree */
    assert_true(vgl_calibration_probability(&c, c.threshold) == 0.5);
    double previous = -1;
    for (int k = -40; k <= 40; k++) {
        double x = c.threshold + 0.1 * k;
        double p = vgl_calibration_probability(&c, x);
        assert_true(p >= 0 && p <= 1);
        if (!(p >= previous))
            fail_msg("p(%g) = %g below p at a smaller z (%g)", x, p, previous);
        previous = p;
    }
    assert_true(vgl_calibration_probability(&c, c.threshold + 0.1) >
                vgl_calibration_probability(&c, c.threshold - 0.1));
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
        cmocka_unit_test(test_only_normals_by_hand),
        cmocka_unit_test(test_only_normals_outlier),
        cmocka_unit_test(test_only_normals_false_alarm_rate),
        cmocka_unit_test(test_only_normals_constant),
        cmocka_unit_test(test_far_anomalies_keep_normal_quantile),
        cmocka_unit_test(test_threshold_moves_below_near_anomalies),
        cmocka_unit_test(test_never_above_normal_quantile),
        cmocka_unit_test(test_probability_half_at_threshold_and_increasing),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

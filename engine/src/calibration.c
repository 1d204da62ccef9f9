/* calibration.c - threshold and Platt slope; see calibration.h. */
#include "calibration.h"

#include "error.h"

#include <math.h>
#include <stdlib.h>

/* Steps of the search for the threshold below the normal quantile. */
#define SEARCH_STEPS 2048
/* The smallest scale a Gumbel fit may have: scores are logs, so this is a
 * 0.1% change of the raw score (identical normal scores would give 0). */
#define MIN_SCALE 1e-3

typedef struct gumbel {
    double location, scale;
} gumbel;

static int ascending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-quantile of sorted values, interpolated between order statistics. */
static double quantile(const double *sorted, size_t n, double p)
{
    double at = p * (double)(n - 1);
    size_t i = (size_t)at;
    if (i + 1 >= n)
        return sorted[n - 1];
    return sorted[i] + (at - (double)i) * (sorted[i + 1] - sorted[i]);
}

/* A Gumbel law with the median and interquartile range of the sorted
 * normal scores: for Gumbel(mu, beta) the quartiles are mu - beta ln ln 4
 * and mu - beta ln ln(4/3), the median mu - beta ln ln 2.  Without spread
 * (too few distinct scores) the standard deviation gives the scale. */
static gumbel fit_gumbel(const double *sorted, size_t n)
{
    double iqr = quantile(sorted, n, 0.75) - quantile(sorted, n, 0.25);
    double scale = iqr / (log(log(4.0)) - log(log(4.0 / 3.0)));
    if (scale < MIN_SCALE && n > 1) {
        double mean = 0, var = 0;
        for (size_t i = 0; i < n; i++)
            mean += sorted[i] / (double)n;
        for (size_t i = 0; i < n; i++)
            var += (sorted[i] - mean) * (sorted[i] - mean) / (double)(n - 1);
        scale = sqrt(6 * var) / M_PI;
    }
    scale = scale < MIN_SCALE ? MIN_SCALE : scale;
    return (gumbel){quantile(sorted, n, 0.5) + scale * log(log(2.0)), scale};
}

static double gumbel_quantile(gumbel g, double p)
{
    return g.location - g.scale * log(-log(p));
}

/* Student's t quantile for p near 1 and dof >= 1 (Cornish-Fisher expansion
 * about the normal quantile x; within 1% of the exact value from 3 degrees
 * of freedom, and exact as dof grows). */
static double student_quantile(double p, double dof)
{
    /* the normal quantile by bisection on erfc: p is fixed, so a few
     * dozen halvings are cheap and exact enough */
    double lo = 0, hi = 10;
    for (int i = 0; i < 80; i++) {
        double mid = (lo + hi) / 2;
        if (0.5 * erfc(mid / M_SQRT2) > 1 - p)
            lo = mid;
        else
            hi = mid;
    }
    double x = (lo + hi) / 2, x2 = x * x;
    double g1 = (x2 + 1) * x / 4;
    double g2 = ((5 * x2 + 16) * x2 + 3) * x / 96;
    double g3 = (((3 * x2 + 19) * x2 + 17) * x2 - 15) * x / 384;
    double g4 = ((((79 * x2 + 776) * x2 + 1482) * x2 - 1920) * x2 - 945) * x / 92160;
    return x + g1 / dof + g2 / (dof * dof) + g3 / (dof * dof * dof) +
           g4 / (dof * dof * dof * dof);
}

/* How much farther from the median a quantile estimated from n scores
 * must be put to hold for the next image: the ratio of the predictive
 * quantile of a normal law fitted to n values (Student's t with n - 1
 * degrees of freedom, widened by sqrt(1 + 1/n)) to the known-law one. */
static double small_sample_widening(size_t n, double p)
{
    if (n < 4)
        n = 4; /* beyond this the expansion no longer holds: keep its widening */
    return student_quantile(p, (double)(n - 1)) * sqrt(1 + 1.0 / (double)n) /
           student_quantile(p, 1e12);
}

/* The share of normal images scoring above t. */
static double gumbel_survival(gumbel g, double t)
{
    return -expm1(-exp(-(t - g.location) / g.scale));
}

/* Expected F1 at threshold t: anomalies detected as their smoothed scores
 * say, false alarms as the normal tail says. */
static double expected_f1(double t, const double *anomalies, size_t n_anomalies,
                          size_t n_normal, gumbel g)
{
    double tp = 0;
    for (size_t i = 0; i < n_anomalies; i++)
        tp += 0.5 * erfc((t - anomalies[i]) / (g.scale * M_SQRT2));
    double fp = (double)n_normal * gumbel_survival(g, t);
    double fn = (double)n_anomalies - tp;
    return tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0;
}

/* From the normal quantile down to below every validation score, the
 * threshold with the best expected F1; the highest of equally good ones. */
static double lower_for_anomalies(double normal_quantile, const double *anomalies,
                                  size_t n_anomalies, size_t n_normal, gumbel g)
{
    double lowest = normal_quantile;
    for (size_t i = 0; i < n_anomalies; i++)
        lowest = anomalies[i] < lowest ? anomalies[i] : lowest;
    lowest -= 3 * g.scale;
    double best_t = normal_quantile;
    double best = expected_f1(best_t, anomalies, n_anomalies, n_normal, g);
    for (int step = 1; step <= SEARCH_STEPS; step++) {
        double t = normal_quantile - (normal_quantile - lowest) * step / SEARCH_STEPS;
        double f1 = expected_f1(t, anomalies, n_anomalies, n_normal, g);
        if (f1 > best + 1e-12)
            best = f1, best_t = t;
    }
    return best_t;
}

/* Platt: maximise the likelihood of smoothed targets under p = sigmoid(a (z - t)).
 * The log-likelihood is concave in a, so bisection on its derivative finds it. */
static double fit_slope(const double *z, const int *is_anomaly, size_t n, size_t positives,
                        double t)
{
    double hi_target = (positives + 1.0) / (positives + 2.0);
    double lo_target = 1.0 / (n - positives + 2.0);
    double lo = 0, hi = 1e4;
    for (int iter = 0; iter < 200; iter++) {
        double a = (lo + hi) / 2, derivative = 0;
        for (size_t i = 0; i < n; i++) {
            double p = 1 / (1 + exp(-a * (z[i] - t)));
            double y = is_anomaly[i] ? hi_target : lo_target;
            derivative += (y - p) * (z[i] - t);
        }
        if (derivative > 0)
            lo = a;
        else
            hi = a;
    }
    return (lo + hi) / 2;
}

vgl_status vgl_calibration_fit(const double *z, const int *is_anomaly, size_t n,
                               vgl_calibration *out, vgl_error *err)
{
    if (n < 2)
        return vgl_error_set(err, VGL_EINVAL, "calibration needs at least 2 validation images");
    double *normal = malloc(sizeof *normal * n), *anomalies = malloc(sizeof *anomalies * n);
    if (!normal || !anomalies) {
        free(normal), free(anomalies);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory calibrating");
    }
    size_t n_normal = 0, n_anomalies = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_anomaly[i])
            anomalies[n_anomalies++] = z[i];
        else
            normal[n_normal++] = z[i];
    }
    if (n_normal == 0) {
        free(normal), free(anomalies);
        return vgl_error_set(err, VGL_EINVAL, "calibration needs normal validation images");
    }
    qsort(normal, n_normal, sizeof *normal, ascending);
    gumbel g = fit_gumbel(normal, n_normal);
    double median = quantile(normal, n_normal, 0.5);
    double t = median + (gumbel_quantile(g, 1 - VGL_FALSE_ALARM_RATE) - median) *
                            small_sample_widening(n_normal, 1 - VGL_FALSE_ALARM_RATE);
    if (n_anomalies)
        t = lower_for_anomalies(t, anomalies, n_anomalies, n_normal, g);
    out->threshold = t;
    if (n_anomalies) {
        out->slope = fit_slope(z, is_anomaly, n, n_anomalies, t);
    } else {
        /* t lies a few scales above the median, so the slope is finite */
        out->slope = log(n_normal + 1.0) / (t - median);
    }
    free(normal), free(anomalies);
    return VGL_OK;
}

double vgl_calibration_probability(const vgl_calibration *calibration, double z)
{
    return 1 / (1 + exp(-calibration->slope * (z - calibration->threshold)));
}

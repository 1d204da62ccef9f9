/* calibration.c - threshold and Platt slope; see calibration.h. */
#include "calibration.h"

#include "error.h"

#include <math.h>
#include <stdlib.h>

typedef struct scored {
    double z;
    int anomaly;
} scored;

static int by_score(const void *a, const void *b)
{
    double x = ((const scored *)a)->z, y = ((const scored *)b)->z;
    return (x > y) - (x < y);
}

/* F1 when every image scoring above position i (in sorted order) is called anomalous. */
static double f1_above(const scored *s, size_t n, size_t i, size_t positives)
{
    size_t tp = 0, fp = 0;
    for (size_t k = i; k < n; k++)
        s[k].anomaly ? tp++ : fp++;
    size_t fn = positives - tp;
    return tp ? 2.0 * tp / (2.0 * tp + fp + fn) : 0.0;
}

typedef struct class_stats {
    double mean[2], sd[2];
} class_stats;

static class_stats stats_of(const scored *s, size_t n)
{
    class_stats st = {{0, 0}, {0, 0}};
    size_t count[2] = {0, 0};
    for (size_t i = 0; i < n; i++)
        st.mean[s[i].anomaly] += s[i].z, count[s[i].anomaly]++;
    for (int c = 0; c < 2; c++)
        st.mean[c] /= count[c] ? (double)count[c] : 1.0;
    for (size_t i = 0; i < n; i++)
        st.sd[s[i].anomaly] += (s[i].z - st.mean[s[i].anomaly]) * (s[i].z - st.mean[s[i].anomaly]);
    for (int c = 0; c < 2; c++)
        st.sd[c] = count[c] > 1 ? sqrt(st.sd[c] / (double)(count[c] - 1)) : 0;
    return st;
}

/* Where to cut inside the gap (lo, hi) between two validation scores: as
 * many of its own standard deviations from each class's mean (the tighter
 * class gets the closer boundary), kept off both edges of the gap. */
static double place_in_gap(double lo, double hi, const class_stats *st)
{
    double spread = st->sd[0] + st->sd[1];
    double t = spread > 0 ? (st->mean[0] * st->sd[1] + st->mean[1] * st->sd[0]) / spread
                          : (lo + hi) / 2;
    double margin = (hi - lo) / 10;
    return t < lo + margin ? lo + margin : t > hi - margin ? hi - margin : t;
}

static double best_threshold(const scored *s, size_t n, size_t positives)
{
    double best_f1 = -1, best_gap = -1, threshold = s[n - 1].z + 1;
    size_t best_cut = n;
    /* cut i: images i..n-1 are anomalous; cuts between equal scores are not cuts */
    for (size_t i = 1; i < n; i++) {
        double gap = s[i].z - s[i - 1].z;
        if (gap <= 0)
            continue;
        double f1 = f1_above(s, n, i, positives);
        if (f1 > best_f1 + 1e-12 || (fabs(f1 - best_f1) <= 1e-12 && gap > best_gap))
            best_f1 = f1, best_gap = gap, best_cut = i;
    }
    /* calling every image anomalous is also a cut */
    if (f1_above(s, n, 0, positives) > best_f1 + 1e-12)
        return s[0].z - 1;
    if (best_cut < n) {
        class_stats st = stats_of(s, n);
        threshold = place_in_gap(s[best_cut - 1].z, s[best_cut].z, &st);
    }
    return threshold;
}

/* Platt: maximise the likelihood of smoothed targets under p = sigmoid(a (z - t)).
 * The log-likelihood is concave in a, so bisection on its derivative finds it. */
static double fit_slope(const scored *s, size_t n, size_t positives, double t)
{
    double hi_target = (positives + 1.0) / (positives + 2.0);
    double lo_target = 1.0 / (n - positives + 2.0);
    double lo = 0, hi = 1e4;
    for (int iter = 0; iter < 200; iter++) {
        double a = (lo + hi) / 2, derivative = 0;
        for (size_t i = 0; i < n; i++) {
            double p = 1 / (1 + exp(-a * (s[i].z - t)));
            double y = s[i].anomaly ? hi_target : lo_target;
            derivative += (y - p) * (s[i].z - t);
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
    scored *s = malloc(sizeof *s * n);
    if (!s)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory calibrating");
    size_t positives = 0;
    for (size_t i = 0; i < n; i++) {
        s[i] = (scored){z[i], is_anomaly[i] != 0};
        positives += s[i].anomaly;
    }
    qsort(s, n, sizeof *s, by_score);
    if (positives == 0) {
        double mean = 0, var = 0;
        for (size_t i = 0; i < n; i++)
            mean += s[i].z / (double)n;
        for (size_t i = 0; i < n; i++)
            var += (s[i].z - mean) * (s[i].z - mean) / (double)(n - 1);
        double sd = sqrt(var) > 1e-6 ? sqrt(var) : 1e-6;
        out->threshold = fmax(mean + 3 * sd, s[n - 1].z + sd);
        /* the normal images' mean then gets probability 1 / (n + 2), as Platt's target */
        out->slope = log(n + 1.0) / (out->threshold - mean);
    } else if (positives == n) {
        free(s);
        return vgl_error_set(err, VGL_EINVAL, "calibration needs normal validation images");
    } else {
        out->threshold = best_threshold(s, n, positives);
        out->slope = fit_slope(s, n, positives, out->threshold);
    }
    free(s);
    return VGL_OK;
}

double vgl_calibration_probability(const vgl_calibration *calibration, double z)
{
    return 1 / (1 + exp(-calibration->slope * (z - calibration->threshold)));
}

/*
 * metrics.c - evaluation metrics of a trained model over its test set:
 * image-level confusion matrix, Precision/Recall/F1, ROC AUC and average
 * precision; per-class pixel Precision/Recall/F1 and AIOU; a histogram
 * pixel ROC AUC.  See metrics.h for the definitions and choices.
 */
#include "metrics.h"

#include "error.h"

#include <math.h>
#include <stdlib.h>

/* 0.0 instead of 0/0: the service's recommendation for undefined ratios. */
static double ratio(double num, double den)
{
    return den > 0 ? num / den : 0.0;
}

vgl_metrics_prf vgl_metrics_prf_from_counts(uint64_t tp, uint64_t fp, uint64_t fn)
{
    vgl_metrics_prf r;
    r.precision = ratio((double)tp, (double)tp + (double)fp);
    r.recall = ratio((double)tp, (double)tp + (double)fn);
    /* 2TP/(2TP+FP+FN) is the harmonic mean of P and R without the 0/0 when
     * both are 0, and without rounding P and R first. */
    r.f1 = ratio(2.0 * (double)tp, 2.0 * (double)tp + (double)fp + (double)fn);
    return r;
}

/* ------------------------------------------------------ image level */

typedef struct scored {
    double score;
    uint8_t positive;
} scored;

/* Descending by score; the order within ties does not matter because
 * every walk below takes a run of equal scores as one group. */
static int compare_descending(const void *a, const void *b)
{
    double x = ((const scored *)a)->score;
    double y = ((const scored *)b)->score;
    return (x < y) - (x > y);
}

static vgl_status check_labels(const uint8_t *labels, size_t n, const char *what, vgl_error *err)
{
    if (n > 0 && !labels)
        return vgl_error_set(err, VGL_EINVAL, "metrics: no %s given for %zu images", what, n);
    for (size_t i = 0; i < n; i++)
        if (labels[i] > 1)
            return vgl_error_set(err, VGL_EINVAL,
                                 "metrics: %s of image %zu is %u; it must be 0 or 1", what, i,
                                 (unsigned)labels[i]);
    return VGL_OK;
}

/* Validates truth and scores and returns them paired and sorted by
 * descending score (*out is NULL when n is 0). */
static vgl_status sort_scored(const uint8_t *truth, const double *scores, size_t n, scored **out,
                              vgl_error *err)
{
    *out = NULL;
    vgl_status st = check_labels(truth, n, "true label", err);
    if (st != VGL_OK)
        return st;
    if (n > 0 && !scores)
        return vgl_error_set(err, VGL_EINVAL, "metrics: no scores given for %zu images", n);
    for (size_t i = 0; i < n; i++)
        if (isnan(scores[i]))
            return vgl_error_set(err, VGL_EINVAL, "metrics: the score of image %zu is NaN", i);
    if (n == 0)
        return VGL_OK;
    scored *s = malloc(n * sizeof *s);
    if (!s)
        return vgl_error_set(err, VGL_ENOMEM, "metrics: out of memory sorting %zu scores", n);
    for (size_t i = 0; i < n; i++) {
        s[i].score = scores[i];
        s[i].positive = truth[i];
    }
    qsort(s, n, sizeof *s, compare_descending);
    *out = s;
    return VGL_OK;
}

/* Counts positives and negatives in the run of equal scores starting at
 * i; returns the index after the run. */
static size_t tie_group(const scored *s, size_t n, size_t i, double *pos, double *neg)
{
    size_t j = i;
    *pos = *neg = 0;
    while (j < n && s[j].score == s[i].score) {
        if (s[j].positive)
            *pos += 1;
        else
            *neg += 1;
        j++;
    }
    return j;
}

static void count_classes(const scored *s, size_t n, double *pos, double *neg)
{
    *pos = *neg = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].positive)
            *pos += 1;
        else
            *neg += 1;
    }
}

/* Mann-Whitney over score-descending groups: a positive beats every
 * negative in later (lower) groups and ties half of those in its own. */
static double auc_of_sorted(const scored *s, size_t n)
{
    double total_pos, total_neg;
    count_classes(s, n, &total_pos, &total_neg);
    if (total_pos == 0 || total_neg == 0)
        return NAN;
    double neg_seen = 0, wins = 0;
    for (size_t i = 0; i < n;) {
        double pos, neg;
        i = tie_group(s, n, i, &pos, &neg);
        neg_seen += neg;
        wins += pos * ((total_neg - neg_seen) + 0.5 * neg);
    }
    return wins / (total_pos * total_neg);
}

/* One threshold per group: R_n - R_{n-1} is the group's share of all
 * positives, P_n the precision of everything scored at or above it. */
static double ap_of_sorted(const scored *s, size_t n)
{
    double total_pos, total_neg;
    count_classes(s, n, &total_pos, &total_neg);
    if (total_pos == 0)
        return NAN;
    double tp = 0, fp = 0, ap = 0;
    for (size_t i = 0; i < n;) {
        double pos, neg;
        i = tie_group(s, n, i, &pos, &neg);
        tp += pos;
        fp += neg;
        ap += pos * (tp / (tp + fp));
    }
    /* one division at the end: summing pos / total_pos could round past 1 */
    ap /= total_pos;
    return ap < 1 ? ap : 1;
}

vgl_status vgl_metrics_roc_auc(const uint8_t *truth, const double *scores, size_t n, double *auc,
                               vgl_error *err)
{
    scored *s;
    vgl_status st = sort_scored(truth, scores, n, &s, err);
    if (st != VGL_OK)
        return st;
    *auc = auc_of_sorted(s, n);
    free(s);
    return VGL_OK;
}

vgl_status vgl_metrics_average_precision(const uint8_t *truth, const double *scores, size_t n,
                                         double *ap, vgl_error *err)
{
    scored *s;
    vgl_status st = sort_scored(truth, scores, n, &s, err);
    if (st != VGL_OK)
        return st;
    *ap = ap_of_sorted(s, n);
    free(s);
    return VGL_OK;
}

vgl_status vgl_metrics_image_compute(const uint8_t *truth, const uint8_t *predicted,
                                     const double *scores, size_t n, vgl_metrics_image *out,
                                     vgl_error *err)
{
    vgl_status st = check_labels(predicted, n, "predicted label", err);
    if (st != VGL_OK)
        return st;
    scored *s;
    st = sort_scored(truth, scores, n, &s, err); /* also validates truth */
    if (st != VGL_OK)
        return st;
    out->tp = out->fp = out->tn = out->fn = 0;
    for (size_t i = 0; i < n; i++) {
        if (truth[i] && predicted[i])
            out->tp++;
        else if (truth[i])
            out->fn++;
        else if (predicted[i])
            out->fp++;
        else
            out->tn++;
    }
    vgl_metrics_prf prf = vgl_metrics_prf_from_counts(out->tp, out->fp, out->fn);
    out->precision = prf.precision;
    out->recall = prf.recall;
    out->f1 = prf.f1;
    out->roc_auc = auc_of_sorted(s, n);
    out->average_precision = ap_of_sorted(s, n);
    free(s);
    return VGL_OK;
}

/* ------------------------------------------- pixel level, per class */

vgl_status vgl_pixel_metrics_init(vgl_pixel_metrics *m, int n_classes, vgl_error *err)
{
    if (n_classes < 1 || n_classes > VGL_MAX_CLASSES)
        return vgl_error_set(err, VGL_EINVAL,
                             "pixel metrics: %d anomaly classes; there must be 1 to %d", n_classes,
                             VGL_MAX_CLASSES);
    *m = (vgl_pixel_metrics){.n_classes = n_classes};
    return VGL_OK;
}

/* One image's pixel counts per class index, all 256 indices so a bad one
 * can be counted before it is refused. */
typedef struct image_counts {
    size_t truth[256];
    size_t pred[256];
    size_t both[256];
    unsigned max_index;
} image_counts;

static void count_image(const uint8_t *truth, const uint8_t *pred, size_t n, image_counts *c)
{
    *c = (image_counts){0};
    for (size_t i = 0; i < n; i++) {
        uint8_t t = truth[i], p = pred[i];
        c->truth[t]++;
        c->pred[p]++;
        c->both[t] += t == p;
        if (t > c->max_index)
            c->max_index = t;
        if (p > c->max_index)
            c->max_index = p;
    }
}

static void add_class(vgl_pixel_class_sums *sums, size_t truth, size_t pred, size_t both)
{
    sums->tp += both;
    sums->fp += pred - both;
    sums->fn += truth - both;
    if (pred > 0)
        sums->images_predicted++;
    if (truth > 0) {
        /* union = truth + pred - both > 0 here */
        sums->iou_sum += (double)both / (double)(truth + pred - both);
        sums->images_in_truth++;
    }
}

vgl_status vgl_pixel_metrics_add(vgl_pixel_metrics *m, const uint8_t *truth,
                                 const uint8_t *predicted, size_t n_pixels, vgl_error *err)
{
    if (n_pixels > 0 && (!truth || !predicted))
        return vgl_error_set(err, VGL_EINVAL, "pixel metrics: a class map is missing");
    image_counts c;
    count_image(truth, predicted, n_pixels, &c);
    if (c.max_index > (unsigned)m->n_classes)
        return vgl_error_set(err, VGL_EINVAL,
                             "pixel metrics: class index %u in a map, but there are only %d classes",
                             c.max_index, m->n_classes);
    for (int k = 1; k <= m->n_classes; k++)
        add_class(&m->classes[k], c.truth[k], c.pred[k], c.both[k]);
    m->n_images++;
    return VGL_OK;
}

vgl_pixel_class_metrics vgl_pixel_metrics_class(const vgl_pixel_metrics *m, int k)
{
    vgl_pixel_class_metrics r = {0};
    if (k < 1 || k > m->n_classes)
        return r;
    const vgl_pixel_class_sums *s = &m->classes[k];
    vgl_metrics_prf prf = vgl_metrics_prf_from_counts(s->tp, s->fp, s->fn);
    r.precision = prf.precision;
    r.recall = prf.recall;
    r.f1 = prf.f1;
    r.aiou = ratio(s->iou_sum, (double)s->images_in_truth);
    r.tp = s->tp;
    r.fp = s->fp;
    r.fn = s->fn;
    r.images_in_truth = s->images_in_truth;
    r.images_predicted = s->images_predicted;
    return r;
}

/* ------------------------------------------------- pixel-level ROC AUC */

struct vgl_pixel_auc {
    double lo;
    double bins_per_unit; /* n_bins / (hi - lo) */
    int n_bins;
    uint64_t *pos; /* anomalous pixels per bin */
    uint64_t *neg; /* normal pixels per bin */
};

vgl_status vgl_pixel_auc_create(double lo, double hi, int n_bins, vgl_pixel_auc **out,
                                vgl_error *err)
{
    *out = NULL;
    if (!isfinite(lo) || !isfinite(hi) || !(lo < hi))
        return vgl_error_set(err, VGL_EINVAL,
                             "pixel AUC: score range [%g, %g] is empty or not finite", lo, hi);
    if (n_bins < 2 || n_bins > VGL_PIXEL_AUC_MAX_BINS)
        return vgl_error_set(err, VGL_EINVAL, "pixel AUC: %d bins; there must be 2 to %d", n_bins,
                             VGL_PIXEL_AUC_MAX_BINS);
    vgl_pixel_auc *a = calloc(1, sizeof *a);
    if (a) {
        a->pos = calloc((size_t)n_bins, sizeof *a->pos);
        a->neg = calloc((size_t)n_bins, sizeof *a->neg);
    }
    if (!a || !a->pos || !a->neg) {
        vgl_pixel_auc_free(a);
        return vgl_error_set(err, VGL_ENOMEM, "pixel AUC: out of memory for %d bins", n_bins);
    }
    a->lo = lo;
    /* hi - lo can overflow to inf for extreme finite ends; the scale is
     * then 0 and every score lands in bin 0, a degenerate but safe result. */
    a->bins_per_unit = (double)n_bins / (hi - lo);
    a->n_bins = n_bins;
    *out = a;
    return VGL_OK;
}

void vgl_pixel_auc_free(vgl_pixel_auc *auc)
{
    if (!auc)
        return;
    free(auc->pos);
    free(auc->neg);
    free(auc);
}

/* Clamps in floating point before converting, since converting an
 * out-of-range double (or infinity) to int is undefined. */
static int bin_of(const vgl_pixel_auc *a, float score)
{
    double x = ((double)score - a->lo) * a->bins_per_unit;
    if (!(x > 0))
        return 0;
    if (x >= a->n_bins)
        return a->n_bins - 1;
    return (int)x;
}

vgl_status vgl_pixel_auc_add(vgl_pixel_auc *auc, const float *scores, const uint8_t *truth,
                             size_t n_pixels, vgl_error *err)
{
    if (n_pixels > 0 && (!scores || !truth))
        return vgl_error_set(err, VGL_EINVAL, "pixel AUC: a score or truth map is missing");
    /* A separate pass so a bad map changes nothing. */
    for (size_t i = 0; i < n_pixels; i++)
        if (isnan(scores[i]))
            return vgl_error_set(err, VGL_EINVAL, "pixel AUC: the score of pixel %zu is NaN", i);
    for (size_t i = 0; i < n_pixels; i++) {
        int b = bin_of(auc, scores[i]);
        if (truth[i])
            auc->pos[b]++;
        else
            auc->neg[b]++;
    }
    return VGL_OK;
}

/* The same Mann-Whitney walk as auc_of_sorted, over bins from the
 * highest down, each bin a group of tied scores. */
double vgl_pixel_auc_value(const vgl_pixel_auc *auc, double *error_bound)
{
    double total_pos = 0, total_neg = 0;
    for (int b = 0; b < auc->n_bins; b++) {
        total_pos += (double)auc->pos[b];
        total_neg += (double)auc->neg[b];
    }
    if (total_pos == 0 || total_neg == 0) {
        if (error_bound)
            *error_bound = NAN;
        return NAN;
    }
    double neg_seen = 0, wins = 0, tied = 0;
    for (int b = auc->n_bins - 1; b >= 0; b--) {
        double pos = (double)auc->pos[b], neg = (double)auc->neg[b];
        neg_seen += neg;
        wins += pos * ((total_neg - neg_seen) + 0.5 * neg);
        tied += pos * neg;
    }
    double pairs = total_pos * total_neg;
    if (error_bound)
        *error_bound = 0.5 * tied / pairs;
    return wins / pairs;
}

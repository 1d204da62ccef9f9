/*
 * metrics.h - the evaluation metrics Lookout for Vision reported for a
 * trained model (lookout-behaviour.md 5.3.1 and 5.4), computed over a test
 * set: image-level Precision, Recall, F1, ROC AUC and average precision,
 * and per anomaly class pixel-level Precision, Recall, F1 and AIOU for
 * segmentation models, plus a pixel-level ROC AUC.
 *
 * Conventions:
 * - "anomaly" is the positive class everywhere.
 * - A ratio with a zero denominator (no predicted positives, no actual
 *   positives) is 0.0, as the behaviour notes recommend, so it can always
 *   be written into EvaluationResult JSON.
 * - ROC AUC and average precision are NAN when undefined (a class absent
 *   from the truth); the caller omits them from EvaluationResult rather
 *   than report a made-up number.  Both are optional there.
 * - The accumulators are plain state without locks: feed each from one
 *   thread at a time.  Nothing here prints or keeps global state.
 */
#ifndef VGL_METRICS_H
#define VGL_METRICS_H

#include "vigil.h"

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------- shared definitions */

typedef struct vgl_metrics_prf {
    double precision; /* TP / (TP + FP), 0.0 when nothing was predicted positive */
    double recall;    /* TP / (TP + FN), 0.0 when nothing is actually positive */
    double f1;        /* 2TP / (2TP + FP + FN): the harmonic mean; 0.0 when both are 0 */
} vgl_metrics_prf;

vgl_metrics_prf vgl_metrics_prf_from_counts(uint64_t tp, uint64_t fp, uint64_t fn);

/* ------------------------------------------------------ image level */

typedef struct vgl_metrics_image {
    size_t tp, fp, tn, fn;
    double precision, recall, f1;
    double roc_auc;           /* NAN when no image, or only one class, is in the truth */
    double average_precision; /* NAN when no image is actually anomalous */
} vgl_metrics_image;

/*
 * ROC AUC of `scores` (higher = more anomalous) against `truth` (0 normal,
 * 1 anomalous) over n images: the Mann-Whitney statistic, the share of
 * (anomalous, normal) pairs the scores order correctly, a tied pair
 * counting 1/2.  This equals scikit-learn's roc_auc_score.  *auc is NAN
 * when either class is absent.  VGL_EINVAL for a label other than 0/1, a
 * NaN score or a NULL array with n > 0; VGL_ENOMEM when sorting cannot
 * allocate.
 */
vgl_status vgl_metrics_roc_auc(const uint8_t *truth, const double *scores, size_t n, double *auc,
                               vgl_error *err);

/*
 * Average precision as scikit-learn's average_precision_score defines it:
 * AP = sum_n (R_n - R_{n-1}) P_n over the thresholds in descending score
 * order, all images of one score forming one threshold.  No interpolation.
 * *ap is NAN when no image is anomalous (scikit-learn warns and returns 0
 * there; a meaningless number is better omitted).  Errors as for
 * vgl_metrics_roc_auc.
 */
vgl_status vgl_metrics_average_precision(const uint8_t *truth, const double *scores, size_t n,
                                         double *ap, vgl_error *err);

/*
 * Everything at once: the confusion matrix of `predicted` (0/1 decisions)
 * against `truth`, Precision/Recall/F1 from it, and ROC AUC and average
 * precision from `scores`.  The arrays may be NULL when n is 0.  On error
 * *out is unspecified.
 */
vgl_status vgl_metrics_image_compute(const uint8_t *truth, const uint8_t *predicted,
                                     const double *scores, size_t n, vgl_metrics_image *out,
                                     vgl_error *err);

/* ------------------------------------------- pixel level, per class */

/*
 * What one anomaly class accumulated over the test images.  Pixels are
 * compared by class index: a pixel of true class 1 predicted as class 2 is
 * a false negative of class 1 and a false positive of class 2.
 * Background pixels (index 0) count for no class, so there is no TN.
 */
typedef struct vgl_pixel_class_sums {
    uint64_t tp, fp, fn;     /* pixels, over all images */
    double iou_sum;          /* sum of per-image IoU over images_in_truth */
    size_t images_in_truth;  /* images whose ground truth has the class */
    size_t images_predicted; /* images where the class was predicted (the console's count) */
} vgl_pixel_class_sums;

/*
 * The accumulator, fed image by image.  It is plain data (about 5 KB), so
 * it may live on the stack and needs no freeing.
 */
typedef struct vgl_pixel_metrics {
    int n_classes;   /* 1..VGL_MAX_CLASSES */
    size_t n_images; /* images added */
    vgl_pixel_class_sums classes[VGL_MAX_CLASSES + 1]; /* [k] for class k; [0] unused */
} vgl_pixel_metrics;

/* The per-class result.  AIOU choice: each image whose *ground truth*
 * contains the class contributes IoU = |pred ∩ truth| / |pred ∪ truth| for
 * that class (0 when the class was not predicted there), and AIOU is the
 * mean over those images.  An image where only the prediction has the
 * class adds its pixels to FP (so lowers Precision) but is not in the
 * average: its IoU would be 0 whatever the size of the false alarm, which
 * Precision measures better, and an image set with few instances of a
 * class would otherwise have its AIOU swamped by stray specks.  AIOU is
 * 0.0 when no ground truth has the class. */
typedef struct vgl_pixel_class_metrics {
    double precision, recall, f1;
    double aiou;
    uint64_t tp, fp, fn;
    size_t images_in_truth;
    size_t images_predicted;
} vgl_pixel_class_metrics;

/* Empties *m for n_classes anomaly classes (1..VGL_MAX_CLASSES). */
vgl_status vgl_pixel_metrics_init(vgl_pixel_metrics *m, int n_classes, vgl_error *err);

/*
 * Adds one test image: truth and predicted are class-index maps of the
 * same n_pixels pixels (0 = background, k = class k, 1 <= k <= n_classes).
 * VGL_EINVAL, leaving *m unchanged, for an index above n_classes or a NULL
 * map.
 */
vgl_status vgl_pixel_metrics_add(vgl_pixel_metrics *m, const uint8_t *truth,
                                 const uint8_t *predicted, size_t n_pixels, vgl_error *err);

/* Metrics of class k (1..m->n_classes); all zeros for any other k. */
vgl_pixel_class_metrics vgl_pixel_metrics_class(const vgl_pixel_metrics *m, int k);

/* ------------------------------------------------- pixel-level ROC AUC */

/*
 * ROC AUC of per-pixel scores for "anomalous vs not" over all pixels of
 * all test images, without keeping or sorting millions of scores: each
 * score falls into one of n_bins equal bins over [lo, hi] (scores outside
 * are clamped into the end bins), counted separately for anomalous and
 * normal pixels.  The AUC is then the Mann-Whitney statistic of the binned
 * scores: pairs in different bins are ordered exactly, a pair in the same
 * bin counts 1/2 as a tie would.  That is the only approximation, so the
 * result is within error_bound = sum_b pos_b * neg_b / (2 P N) of the
 * exact AUC of the unbinned scores (0 when no bin holds both classes).
 * With VGL_PIXEL_AUC_BINS bins over the true score range the error is
 * typically below 1e-4.
 */
#define VGL_PIXEL_AUC_BINS 4096
#define VGL_PIXEL_AUC_MAX_BINS (1 << 24)

typedef struct vgl_pixel_auc vgl_pixel_auc;

/* lo < hi, both finite; 2 <= n_bins <= VGL_PIXEL_AUC_MAX_BINS. */
vgl_status vgl_pixel_auc_create(double lo, double hi, int n_bins, vgl_pixel_auc **out,
                                vgl_error *err);
void vgl_pixel_auc_free(vgl_pixel_auc *auc);

/* Adds n_pixels pixels: scores (higher = more anomalous) and truth, where
 * any non-zero value is anomalous, so a class-index map can be passed as
 * it is.  VGL_EINVAL, leaving the counts unchanged, for a NaN score or a
 * NULL map. */
vgl_status vgl_pixel_auc_add(vgl_pixel_auc *auc, const float *scores, const uint8_t *truth,
                             size_t n_pixels, vgl_error *err);

/* The AUC so far, NAN when no anomalous or no normal pixel was added.
 * error_bound (may be NULL) receives the bound above (NAN with the AUC). */
double vgl_pixel_auc_value(const vgl_pixel_auc *auc, double *error_bound);

#endif

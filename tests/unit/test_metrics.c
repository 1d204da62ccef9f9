/*
 * test_metrics.c - the evaluation metrics against cases computed by hand
 * (the arithmetic is in the comments): a confusion matrix with its ROC AUC
 * and average precision, perfect, inverted and tied rankings,
 * scikit-learn's documented AP example, undefined cases, per-class pixel
 * metrics on 4x4 maps, and the histogram pixel AUC against the exact one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EPS 1e-12

static void assert_near(double actual, double expected, double tolerance)
{
    if (!(fabs(actual - expected) <= tolerance))
        fail_msg("got %.15g, expected %.15g (tolerance %g)", actual, expected, tolerance);
}

/* ------------------------------------------------------ image level */

/*
 * i      0    1    2    3    4    5    6    7    8    9
 * truth  1    1    1    0    0    0    0    1    0    1
 * pred   1    0    1    0    1    0    0    1    0    0
 * score  0.9  0.3  0.8  0.1  0.7  0.2  0.4  0.6  0.5  0.45
 *
 * TP = {0,2,7} = 3, FN = {1,9} = 2, FP = {4} = 1, TN = {3,5,6,8} = 4.
 * Precision = 3/4 = 0.75, Recall = 3/5 = 0.6,
 * F1 = 2 * 0.75 * 0.6 / 1.35 = 0.9 / 1.35 = 2/3.
 *
 * AUC: positives 0.9, 0.8, 0.6, 0.45, 0.3; negatives 0.7, 0.5, 0.4, 0.2,
 * 0.1.  Negatives below each positive: 5 + 5 + 4 + 3 + 2 = 19 of 25 pairs
 * = 0.76.
 *
 * AP: descending 0.9 P, 0.8 P, 0.7 N, 0.6 P, 0.5 N, 0.45 P, 0.4 N, 0.3 P,
 * ...  Precision at each positive: 1/1, 2/2, 3/4, 4/6, 5/8; each step
 * raises recall by 1/5, so AP = (1 + 1 + 3/4 + 2/3 + 5/8) / 5
 * = (97/24) / 5 = 97/120 = 0.808333...
 */
static void test_confusion_matrix_by_hand(void **state)
{
    (void)state;
    const uint8_t truth[] = {1, 1, 1, 0, 0, 0, 0, 1, 0, 1};
    const uint8_t pred[] = {1, 0, 1, 0, 1, 0, 0, 1, 0, 0};
    const double score[] = {0.9, 0.3, 0.8, 0.1, 0.7, 0.2, 0.4, 0.6, 0.5, 0.45};
    vgl_metrics_image m;
    assert_int_equal(vgl_metrics_image_compute(truth, pred, score, 10, &m, NULL), VGL_OK);
    assert_int_equal(m.tp, 3);
    assert_int_equal(m.fp, 1);
    assert_int_equal(m.tn, 4);
    assert_int_equal(m.fn, 2);
    assert_near(m.precision, 0.75, EPS);
    assert_near(m.recall, 0.6, EPS);
    assert_near(m.f1, 2.0 / 3.0, EPS);
    assert_near(m.roc_auc, 0.76, EPS);
    assert_near(m.average_precision, 97.0 / 120.0, EPS);

    /* The separate functions agree with the combined one. */
    double auc, ap;
    assert_int_equal(vgl_metrics_roc_auc(truth, score, 10, &auc, NULL), VGL_OK);
    assert_int_equal(vgl_metrics_average_precision(truth, score, 10, &ap, NULL), VGL_OK);
    assert_near(auc, 0.76, EPS);
    assert_near(ap, 97.0 / 120.0, EPS);
}

/* F1 = 2TP/(2TP+FP+FN) is the harmonic mean: TP 6, FP 2, FN 4 gives
 * P = 0.75, R = 0.6, 2PR/(P+R) = 0.9/1.35 = 2/3 = 12/18. */
static void test_prf_from_counts(void **state)
{
    (void)state;
    vgl_metrics_prf r = vgl_metrics_prf_from_counts(6, 2, 4);
    assert_near(r.precision, 0.75, EPS);
    assert_near(r.recall, 0.6, EPS);
    assert_near(r.f1, 2 * r.precision * r.recall / (r.precision + r.recall), EPS);
    r = vgl_metrics_prf_from_counts(0, 0, 0);
    assert_true(r.precision == 0.0 && r.recall == 0.0 && r.f1 == 0.0);
}

/* Scores 0.1..0.4 rank the two anomalies above (or below) both normals. */
static void test_perfect_and_inverted(void **state)
{
    (void)state;
    const uint8_t truth[] = {0, 0, 1, 1};
    const double up[] = {0.1, 0.2, 0.3, 0.4};
    const double down[] = {0.4, 0.3, 0.2, 0.1};
    double auc, ap;
    assert_int_equal(vgl_metrics_roc_auc(truth, up, 4, &auc, NULL), VGL_OK);
    assert_near(auc, 1.0, EPS);
    assert_int_equal(vgl_metrics_average_precision(truth, up, 4, &ap, NULL), VGL_OK);
    assert_near(ap, 1.0, EPS);

    assert_int_equal(vgl_metrics_roc_auc(truth, down, 4, &auc, NULL), VGL_OK);
    assert_near(auc, 0.0, EPS);
    /* Descending: N, N, P, P: precision 1/3 then 2/4, each half the
     * recall: AP = (1/3 + 1/2) / 2 = 5/12. */
    assert_int_equal(vgl_metrics_average_precision(truth, down, 4, &ap, NULL), VGL_OK);
    assert_near(ap, 5.0 / 12.0, EPS);
}

/* All scores equal: every pair ties (AUC 1/2) and there is one threshold
 * at which everything is positive: AP = 2/5, the prevalence. */
static void test_all_tied(void **state)
{
    (void)state;
    const uint8_t truth[] = {1, 0, 0, 1, 0};
    const double score[] = {0.7, 0.7, 0.7, 0.7, 0.7};
    double auc, ap;
    assert_int_equal(vgl_metrics_roc_auc(truth, score, 5, &auc, NULL), VGL_OK);
    assert_near(auc, 0.5, EPS);
    assert_int_equal(vgl_metrics_average_precision(truth, score, 5, &ap, NULL), VGL_OK);
    assert_near(ap, 0.4, EPS);
}

/*
 * scikit-learn's average_precision_score doc example: y = [0, 0, 1, 1],
 * scores [0.1, 0.4, 0.35, 0.8]: descending 0.8 P (P 1, R 1/2), 0.4 N,
 * 0.35 P (P 2/3, R 1), 0.1 N: AP = 1/2 * 1 + 1/2 * 2/3 = 0.8333...
 * Its roc_auc_score doc gives 0.75 for the same data: 3 of 4 pairs.
 */
static void test_sklearn_example(void **state)
{
    (void)state;
    const uint8_t truth[] = {0, 0, 1, 1};
    const double score[] = {0.1, 0.4, 0.35, 0.8};
    double auc, ap;
    assert_int_equal(vgl_metrics_average_precision(truth, score, 4, &ap, NULL), VGL_OK);
    assert_near(ap, 5.0 / 6.0, EPS);
    assert_int_equal(vgl_metrics_roc_auc(truth, score, 4, &auc, NULL), VGL_OK);
    assert_near(auc, 0.75, EPS);
}

/*
 * A tie across classes inside a ranking: truth [0, 1, 0, 1], scores
 * [0.5, 0.5, 0.2, 0.9].  AUC pairs: 0.5P vs 0.5N tie 1/2, vs 0.2N 1;
 * 0.9P beats both: 3.5 / 4 = 0.875.  AP: threshold 0.9 {P}: P 1, dR 1/2;
 * threshold 0.5 {P, N} together: P 2/3, dR 1/2; AP = 5/6.  (Had the tie
 * been split P first, AP would be 1.)
 */
static void test_partial_ties(void **state)
{
    (void)state;
    const uint8_t truth[] = {0, 1, 0, 1};
    const double score[] = {0.5, 0.5, 0.2, 0.9};
    double auc, ap;
    assert_int_equal(vgl_metrics_roc_auc(truth, score, 4, &auc, NULL), VGL_OK);
    assert_near(auc, 0.875, EPS);
    assert_int_equal(vgl_metrics_average_precision(truth, score, 4, &ap, NULL), VGL_OK);
    assert_near(ap, 5.0 / 6.0, EPS);
}

/* No anomalous image: recall and precision 0 (TP 0), AUC and AP NAN.
 * No image predicted anomalous: precision 0 though recall is defined. */
static void test_undefined_cases(void **state)
{
    (void)state;
    const uint8_t none[] = {0, 0, 0};
    const uint8_t some[] = {0, 1, 0};
    const double score[] = {0.2, 0.9, 0.4};
    vgl_metrics_image m;
    assert_int_equal(vgl_metrics_image_compute(none, some, score, 3, &m, NULL), VGL_OK);
    assert_int_equal(m.tp, 0);
    assert_int_equal(m.fp, 1);
    assert_int_equal(m.tn, 2);
    assert_int_equal(m.fn, 0);
    assert_true(m.precision == 0.0 && m.recall == 0.0 && m.f1 == 0.0);
    assert_true(isnan(m.roc_auc));
    assert_true(isnan(m.average_precision));

    /* Truth {0,1,0}, nothing predicted: TP 0, FN 1, precision 0/0 -> 0. */
    assert_int_equal(vgl_metrics_image_compute(some, none, score, 3, &m, NULL), VGL_OK);
    assert_int_equal(m.fn, 1);
    assert_int_equal(m.tn, 2);
    assert_true(m.precision == 0.0 && m.recall == 0.0 && m.f1 == 0.0);
    assert_near(m.roc_auc, 1.0, EPS); /* 0.9 above 0.2 and 0.4 */
    assert_near(m.average_precision, 1.0, EPS);

    /* Only anomalies: AUC undefined, AP 1 (every threshold is all TP). */
    const uint8_t all[] = {1, 1, 1};
    assert_int_equal(vgl_metrics_image_compute(all, all, score, 3, &m, NULL), VGL_OK);
    assert_true(isnan(m.roc_auc));
    assert_near(m.average_precision, 1.0, EPS);
    assert_near(m.f1, 1.0, EPS);

    /* No images at all. */
    assert_int_equal(vgl_metrics_image_compute(NULL, NULL, NULL, 0, &m, NULL), VGL_OK);
    assert_int_equal(m.tp + m.fp + m.tn + m.fn, 0);
    assert_true(m.precision == 0.0 && m.recall == 0.0 && m.f1 == 0.0);
    assert_true(isnan(m.roc_auc) && isnan(m.average_precision));
}

static void test_invalid_image_input(void **state)
{
    (void)state;
    const uint8_t good[] = {0, 1};
    const uint8_t bad[] = {0, 2};
    const double score[] = {0.1, 0.2};
    const double nan_score[] = {0.1, NAN};
    vgl_metrics_image m;
    vgl_error err = {0};
    double v;
    assert_int_equal(vgl_metrics_image_compute(bad, good, score, 2, &m, &err), VGL_EINVAL);
    assert_int_equal(err.status, VGL_EINVAL);
    assert_non_null(strstr(err.message, "must be 0 or 1"));
    assert_int_equal(vgl_metrics_image_compute(good, bad, score, 2, &m, NULL), VGL_EINVAL);
    assert_int_equal(vgl_metrics_image_compute(good, good, nan_score, 2, &m, NULL), VGL_EINVAL);
    assert_int_equal(vgl_metrics_image_compute(good, good, NULL, 2, &m, NULL), VGL_EINVAL);
    assert_int_equal(vgl_metrics_roc_auc(NULL, score, 2, &v, NULL), VGL_EINVAL);
    assert_int_equal(vgl_metrics_average_precision(good, nan_score, 2, &v, NULL), VGL_EINVAL);
}

/* ------------------------------------------- pixel level, per class */

/* Three 4x4 test images, classes 1 and 2 (see test_pixel_metrics_by_hand). */
static const uint8_t truth_a[16] = {1, 1, 0, 0, /**/ 1, 1, 0, 0, /**/ 0, 0, 2, 2, /**/ 0, 0, 2, 2};
static const uint8_t pred_a[16] = {1, 1, 1, 0, /**/ 1, 0, 0, 0, /**/ 0, 0, 2, 2, /**/ 0, 0, 0, 0};
static const uint8_t truth_b[16] = {2, 2, 0, 0, /**/ 0, 0, 0, 0, /**/ 0, 0, 0, 0, /**/ 0, 0, 0, 0};
static const uint8_t pred_b[16] = {2, 1, 2, 0, /**/ 0, 1, 1, 0, /**/ 0, 0, 0, 0, /**/ 0, 0, 0, 0};
static const uint8_t truth_c[16] = {0, 0, 0, 0, /**/ 0, 0, 0, 0, /**/ 0, 0, 0, 0, /**/ 0, 0, 0, 1};
static const uint8_t pred_c[16] = {0};

/*
 * Image A: class 1 truth {0,1,4,5}, pred {0,1,2,4}: TP 3, FP 1, FN 1,
 *          IoU 3/5.  Class 2 truth {10,11,14,15}, pred {10,11}: TP 2,
 *          FP 0, FN 2, IoU 2/4.
 * Image B: class 2 truth {0,1}, pred {0,2}: TP 1, FP 1, FN 1 (pixel 1 was
 *          predicted class 1), IoU 1/3.  Class 1 only predicted, {1,5,6}:
 *          FP 3, not in class 1's AIOU, but counts as predicted there.
 * Image C: class 1 truth {15}, nothing predicted: FN 1, IoU 0.
 *
 * Class 1: TP 3, FP 4, FN 2: P 3/7, R 3/5, F1 6/12 = 0.5;
 *          AIOU over A and C = (0.6 + 0) / 2 = 0.3; predicted in A, B.
 * Class 2: TP 3, FP 1, FN 3: P 3/4, R 3/6, F1 6/10 = 0.6;
 *          AIOU over A and B = (1/2 + 1/3) / 2 = 5/12; predicted in A, B.
 * Class 3 (declared, never seen): all 0.
 */
static void test_pixel_metrics_by_hand(void **state)
{
    (void)state;
    vgl_pixel_metrics m;
    assert_int_equal(vgl_pixel_metrics_init(&m, 3, NULL), VGL_OK);
    assert_int_equal(vgl_pixel_metrics_add(&m, truth_a, pred_a, 16, NULL), VGL_OK);
    assert_int_equal(vgl_pixel_metrics_add(&m, truth_b, pred_b, 16, NULL), VGL_OK);
    assert_int_equal(vgl_pixel_metrics_add(&m, truth_c, pred_c, 16, NULL), VGL_OK);
    assert_int_equal(m.n_images, 3);

    vgl_pixel_class_metrics c1 = vgl_pixel_metrics_class(&m, 1);
    assert_int_equal(c1.tp, 3);
    assert_int_equal(c1.fp, 4);
    assert_int_equal(c1.fn, 2);
    assert_near(c1.precision, 3.0 / 7.0, EPS);
    assert_near(c1.recall, 0.6, EPS);
    assert_near(c1.f1, 0.5, EPS);
    assert_near(c1.aiou, 0.3, EPS);
    assert_int_equal(c1.images_in_truth, 2);
    assert_int_equal(c1.images_predicted, 2);

    vgl_pixel_class_metrics c2 = vgl_pixel_metrics_class(&m, 2);
    assert_int_equal(c2.tp, 3);
    assert_int_equal(c2.fp, 1);
    assert_int_equal(c2.fn, 3);
    assert_near(c2.precision, 0.75, EPS);
    assert_near(c2.recall, 0.5, EPS);
    assert_near(c2.f1, 0.6, EPS);
    assert_near(c2.aiou, 5.0 / 12.0, EPS);
    assert_int_equal(c2.images_in_truth, 2);
    assert_int_equal(c2.images_predicted, 2);

    vgl_pixel_class_metrics c3 = vgl_pixel_metrics_class(&m, 3);
    assert_true(c3.precision == 0.0 && c3.recall == 0.0 && c3.f1 == 0.0 && c3.aiou == 0.0);
    assert_int_equal(c3.tp + c3.fp + c3.fn + c3.images_in_truth + c3.images_predicted, 0);

    /* Out-of-range class numbers give zeros rather than reading garbage. */
    vgl_pixel_class_metrics none = vgl_pixel_metrics_class(&m, 0);
    assert_int_equal(none.tp + none.fp + none.fn, 0);
    none = vgl_pixel_metrics_class(&m, 4);
    assert_int_equal(none.tp + none.fp + none.fn, 0);
}

/* A perfect prediction: IoU 1 per image, P = R = F1 = AIOU = 1. */
static void test_pixel_metrics_perfect(void **state)
{
    (void)state;
    vgl_pixel_metrics m;
    assert_int_equal(vgl_pixel_metrics_init(&m, 2, NULL), VGL_OK);
    assert_int_equal(vgl_pixel_metrics_add(&m, truth_a, truth_a, 16, NULL), VGL_OK);
    assert_int_equal(vgl_pixel_metrics_add(&m, truth_b, truth_b, 16, NULL), VGL_OK);
    for (int k = 1; k <= 2; k++) {
        vgl_pixel_class_metrics c = vgl_pixel_metrics_class(&m, k);
        assert_near(c.precision, 1.0, EPS);
        assert_near(c.recall, 1.0, EPS);
        assert_near(c.f1, 1.0, EPS);
        assert_near(c.aiou, 1.0, EPS);
    }
    assert_int_equal(vgl_pixel_metrics_class(&m, 2).images_in_truth, 2);
}

/* A class index above n_classes is refused and changes nothing. */
static void test_pixel_metrics_invalid(void **state)
{
    (void)state;
    vgl_pixel_metrics m;
    vgl_error err = {0};
    assert_int_equal(vgl_pixel_metrics_init(&m, 0, NULL), VGL_EINVAL);
    assert_int_equal(vgl_pixel_metrics_init(&m, VGL_MAX_CLASSES + 1, NULL), VGL_EINVAL);
    assert_int_equal(vgl_pixel_metrics_init(&m, 1, NULL), VGL_OK);
    assert_int_equal(vgl_pixel_metrics_add(&m, truth_a, pred_a, 16, &err), VGL_EINVAL);
    assert_non_null(strstr(err.message, "class index 2"));
    assert_int_equal(vgl_pixel_metrics_add(&m, NULL, pred_c, 16, NULL), VGL_EINVAL);
    assert_int_equal(m.n_images, 0);
    vgl_pixel_class_metrics c = vgl_pixel_metrics_class(&m, 1);
    assert_int_equal(c.tp + c.fp + c.fn + c.images_in_truth + c.images_predicted, 0);
}

/* ------------------------------------------------- pixel-level ROC AUC */

static unsigned next_random(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

static double uniform(unsigned *state)
{
    return (double)(next_random(state) & 0xffffff) / 16777216.0;
}

/* The definition itself, pair by pair: O(P N), for checking. */
static double brute_force_auc(const uint8_t *truth, const double *scores, int n)
{
    double wins = 0, pairs = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (truth[i] && !truth[j]) {
                wins += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
                pairs += 1;
            }
    return wins / pairs;
}

/* The histogram AUC is within 1e-3 of the exact (sorted) AUC, and within
 * its own error bound, on overlapping random score distributions fed as
 * several "images"; the sorted AUC matches the pairwise definition. */
static void test_pixel_auc_vs_exact(void **state)
{
    (void)state;
    enum { N = 6000, IMAGES = 6 };
    float *scores = malloc(N * sizeof *scores);
    double *scores_d = malloc(N * sizeof *scores_d);
    uint8_t *truth = malloc(N);
    assert_true(scores && scores_d && truth);
    for (unsigned seed = 1; seed <= 5; seed++) {
        unsigned rng = seed;
        for (int i = 0; i < N; i++) {
            truth[i] = (uint8_t)(uniform(&rng) < 0.2 ? 1 + (next_random(&rng) % 3) : 0);
            /* anomalous pixels score higher on average, overlapping */
            scores[i] = (float)(uniform(&rng) * 2.0 - 1.0 + (truth[i] ? 0.6 : 0.0));
            scores_d[i] = scores[i];
        }
        uint8_t *binary = malloc(N);
        assert_non_null(binary);
        for (int i = 0; i < N; i++)
            binary[i] = truth[i] != 0;
        double exact;
        assert_int_equal(vgl_metrics_roc_auc(binary, scores_d, N, &exact, NULL), VGL_OK);
        assert_near(exact, brute_force_auc(binary, scores_d, N), 1e-9);
        free(binary);

        vgl_pixel_auc *auc;
        assert_int_equal(vgl_pixel_auc_create(-1.0, 1.6, VGL_PIXEL_AUC_BINS, &auc, NULL), VGL_OK);
        for (int im = 0; im < IMAGES; im++)
            assert_int_equal(vgl_pixel_auc_add(auc, scores + im * (N / IMAGES),
                                               truth + im * (N / IMAGES), N / IMAGES, NULL),
                             VGL_OK);
        double bound;
        double approx = vgl_pixel_auc_value(auc, &bound);
        vgl_pixel_auc_free(auc);
        assert_true(exact > 0.6 && exact < 0.95); /* a non-trivial case */
        assert_near(approx, exact, 1e-3);
        assert_true(fabs(approx - exact) <= bound + 1e-12);
    }
    free(scores);
    free(scores_d);
    free(truth);
}

/* Separated scores land in different bins, so the result is exact; scores
 * outside [lo, hi] (even infinite) are clamped into the end bins. */
static void test_pixel_auc_exact_cases(void **state)
{
    (void)state;
    const float scores[] = {0.1f, 0.2f, 0.8f, 0.9f, -5.0f, INFINITY};
    const uint8_t truth[] = {0, 0, 1, 2, 0, 1};
    vgl_pixel_auc *auc;
    assert_int_equal(vgl_pixel_auc_create(0.0, 1.0, 16, &auc, NULL), VGL_OK);
    assert_int_equal(vgl_pixel_auc_add(auc, scores, truth, 6, NULL), VGL_OK);
    double bound;
    assert_near(vgl_pixel_auc_value(auc, &bound), 1.0, EPS);
    assert_near(bound, 0.0, EPS);
    vgl_pixel_auc_free(auc);

    /* Inverted, and all in one bin (every pair a tie: 1/2, bound 1/2). */
    const float low[] = {0.9f, 0.1f};
    const uint8_t lt[] = {0, 1};
    assert_int_equal(vgl_pixel_auc_create(0.0, 1.0, 16, &auc, NULL), VGL_OK);
    assert_int_equal(vgl_pixel_auc_add(auc, low, lt, 2, NULL), VGL_OK);
    assert_near(vgl_pixel_auc_value(auc, NULL), 0.0, EPS);
    vgl_pixel_auc_free(auc);
    const float same[] = {0.5f, 0.5f, 0.5f};
    const uint8_t st[] = {1, 0, 0};
    assert_int_equal(vgl_pixel_auc_create(0.0, 1.0, 16, &auc, NULL), VGL_OK);
    assert_int_equal(vgl_pixel_auc_add(auc, same, st, 3, NULL), VGL_OK);
    assert_near(vgl_pixel_auc_value(auc, &bound), 0.5, EPS);
    assert_near(bound, 0.5, EPS);
    vgl_pixel_auc_free(auc);
}

static void test_pixel_auc_undefined_and_invalid(void **state)
{
    (void)state;
    vgl_pixel_auc *auc;
    assert_int_equal(vgl_pixel_auc_create(1.0, 1.0, 16, &auc, NULL), VGL_EINVAL);
    assert_null(auc);
    assert_int_equal(vgl_pixel_auc_create(0.0, NAN, 16, &auc, NULL), VGL_EINVAL);
    assert_int_equal(vgl_pixel_auc_create(0.0, 1.0, 1, &auc, NULL), VGL_EINVAL);

    assert_int_equal(vgl_pixel_auc_create(0.0, 1.0, 16, &auc, NULL), VGL_OK);
    double bound = 0;
    assert_true(isnan(vgl_pixel_auc_value(auc, &bound))); /* nothing added */
    assert_true(isnan(bound));
    const float scores[] = {0.2f, 0.4f, NAN};
    const uint8_t normal[] = {0, 0, 0};
    assert_int_equal(vgl_pixel_auc_add(auc, scores, normal, 2, NULL), VGL_OK);
    assert_true(isnan(vgl_pixel_auc_value(auc, NULL))); /* no anomalous pixel */
    /* The NaN map is refused whole: had pixel 0 (anomalous, 0.2) been
     * counted, the AUC below would be defined. */
    const uint8_t anomalous[] = {1, 1, 1};
    vgl_error err = {0};
    assert_int_equal(vgl_pixel_auc_add(auc, scores, anomalous, 3, &err), VGL_EINVAL);
    assert_non_null(strstr(err.message, "NaN"));
    assert_true(isnan(vgl_pixel_auc_value(auc, NULL)));
    assert_int_equal(vgl_pixel_auc_add(auc, NULL, anomalous, 3, NULL), VGL_EINVAL);
    vgl_pixel_auc_free(auc);
    vgl_pixel_auc_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confusion_matrix_by_hand),
        cmocka_unit_test(test_prf_from_counts),
        cmocka_unit_test(test_perfect_and_inverted),
        cmocka_unit_test(test_all_tied),
        cmocka_unit_test(test_sklearn_example),
        cmocka_unit_test(test_partial_ties),
        cmocka_unit_test(test_undefined_cases),
        cmocka_unit_test(test_invalid_image_input),
        cmocka_unit_test(test_pixel_metrics_by_hand),
        cmocka_unit_test(test_pixel_metrics_perfect),
        cmocka_unit_test(test_pixel_metrics_invalid),
        cmocka_unit_test(test_pixel_auc_vs_exact),
        cmocka_unit_test(test_pixel_auc_exact_cases),
        cmocka_unit_test(test_pixel_auc_undefined_and_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

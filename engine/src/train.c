/*
 * train.c - vgl_train: from labelled images to a calibrated model and its
 * evaluation.
 *
 *  1. Every labelled training image's patch features are computed once.
 *  2. Without a test dataset, the images are split (split.h).
 *  3. The memory bank is a coreset of the training part's normal patches:
 *     all of the normal images', and those of annotated anomalous images
 *     that lie away from every annotated defect (a mask says where the
 *     defect is, so the rest of the image is a normal example too).  With
 *     annotated anomalies, their annotated patches form a defect bank.
 *  4. Validation, for the threshold and confidence: every training image
 *     is scored against the banks with its own patches left out, so no
 *     score comes from a bank that contains the image itself, the scores
 *     are those of the model being trained (not of smaller fold models),
 *     and no test image is ever looked at.
 *  5. With a defect bank, a patch's score may also weigh how much closer it
 *     is to a defect than to anything normal (model.h); the validation
 *     images decide which score kind ranks them best.
 *  6. Segmentation: the pixel threshold is the one that best separates the
 *     validation images' annotated pixels, and the features of annotated
 *     patches per class tell classes apart.
 *  7. The test images go through detection and are measured (evaluate.c).
 */
#include "anomaly_map.h"
#include "coreset.h"
#include "error.h"
#include "evaluate.h"
#include "knn.h"
#include "metrics.h"
#include "model.h"
#include "split.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Lookout for Vision's minimum labelled images, by dataset configuration. */
#define MIN_SPLIT_NORMAL 20
#define MIN_SPLIT_ANOMALY 10
#define MIN_TRAIN_NORMAL 10
#define MIN_TEST_NORMAL 10
#define MIN_TEST_ANOMALY 10

#define VALIDATION_FOLDS 7
/* Memory bank: a tenth of the patches (PatchCore's ratio), but no fewer
 * than BANK_MIN when there are that many, and at most BANK_MAX; patches
 * beyond POOL_MAX are subsampled before selection to bound training time. */
#define BANK_RATIO 0.1
#define BANK_MIN 1000
#define BANK_MAX 10000
#define POOL_MAX 200000
/* A grid cell belongs to a class when the class covers this much of it. */
#define CLASS_CELL_COVER 0.5
#define CLASS_BANK_MAX 4096
#define PIXEL_BINS 2048

typedef struct train_sample {
    size_t index; /* in the dataset */
    int anomaly;
    int stratum;     /* 0 normal, 1 anomalous (classification), k anomalous of class k */
    float *features; /* grid cells x dim */
    uint8_t *truth;  /* class map at working resolution, or NULL */
    uint8_t *clean;  /* anomalous images with a mask: 1 for cells away from any defect */
    uint8_t *defect; /* anomalous images with a mask: 1 for cells with annotated pixels */
} train_sample;

typedef struct trainer {
    const vgl_dataset *dataset;
    const vgl_train_options *options;
    vgl_model *model;
    train_sample *samples;
    size_t n_samples;
    int *is_test;
} trainer;

static void progress(const trainer *t, const char *stage, size_t done, size_t total)
{
    if (t->options->progress)
        t->options->progress(t->options->progress_context, stage, done, total);
}

/* ------------------------------------------------------------- checks */

static vgl_status check_counts(const vgl_dataset *train, const vgl_dataset *test, vgl_error *err)
{
    size_t normal = 0, anomaly = 0, test_normal = 0, test_anomaly = 0;
    for (size_t i = 0; i < train->count; i++) {
        normal += train->samples[i].label == VGL_LABEL_NORMAL;
        anomaly += train->samples[i].label == VGL_LABEL_ANOMALY;
        if (train->n_classes > 0 && train->samples[i].label == VGL_LABEL_ANOMALY &&
            !train->samples[i].has_mask)
            return vgl_error_set(err, VGL_EINVAL, "%s: anomalous images of a segmentation "
                                 "dataset need a mask", train->samples[i].name);
    }
    for (size_t i = 0; test && i < test->count; i++) {
        test_normal += test->samples[i].label == VGL_LABEL_NORMAL;
        test_anomaly += test->samples[i].label == VGL_LABEL_ANOMALY;
    }
    if (!test && (normal < MIN_SPLIT_NORMAL || anomaly < MIN_SPLIT_ANOMALY))
        return vgl_error_set(err, VGL_EINVAL,
                             "a single training dataset needs at least %d normal and %d anomalous "
                             "labelled images; it has %zu and %zu",
                             MIN_SPLIT_NORMAL, MIN_SPLIT_ANOMALY, normal, anomaly);
    if (test && (normal < MIN_TRAIN_NORMAL || test_normal < MIN_TEST_NORMAL ||
                 test_anomaly < MIN_TEST_ANOMALY))
        return vgl_error_set(err, VGL_EINVAL,
                             "separate datasets need at least %d normal training images and %d "
                             "normal and %d anomalous test images; they have %zu, %zu and %zu",
                             MIN_TRAIN_NORMAL, MIN_TEST_NORMAL, MIN_TEST_ANOMALY, normal,
                             test_normal, test_anomaly);
    return VGL_OK;
}

/* ------------------------------------------------------------- features */

/* Nearest-neighbour downsizing of a class map to the working resolution. */
static uint8_t *shrink_mask(const uint8_t *mask, int w, int h, int out_w, int out_h)
{
    uint8_t *out = malloc((size_t)out_w * out_h);
    if (!out)
        return NULL;
    for (int y = 0; y < out_h; y++) {
        const uint8_t *row = mask + (size_t)((2 * y + 1) * h / (2 * out_h)) * w;
        for (int x = 0; x < out_w; x++)
            out[(size_t)y * out_w + x] = row[(2 * x + 1) * w / (2 * out_w)];
    }
    return out;
}

/* Marks the cells with annotated pixels (defect) and the cells whose
 * neighbourhood (the cell and the 8 around it: a patch feature sees that
 * far) holds none (clean).  Returns 0, or -1 when out of memory. */
static int mark_cells(const uint8_t *truth, const vgl_features *f, uint8_t **clean,
                      uint8_t **defect)
{
    int gw = f->grid_width, gh = f->grid_height;
    *defect = calloc((size_t)gw * gh, 1);
    *clean = malloc((size_t)gw * gh);
    if (!*defect || !*clean)
        return -1;
    for (int y = 0; y < f->work_height; y++)
        for (int x = 0; x < f->work_width; x++)
            if (truth[(size_t)y * f->work_width + x])
                (*defect)[(size_t)(y * gh / f->work_height) * gw + x * gw / f->work_width] = 1;
    for (int gy = 0; gy < gh; gy++)
        for (int gx = 0; gx < gw; gx++) {
            int near = 0;
            for (int y = gy - 1; y <= gy + 1; y++)
                for (int x = gx - 1; x <= gx + 1; x++)
                    near |= y >= 0 && y < gh && x >= 0 && x < gw && (*defect)[(size_t)y * gw + x];
            (*clean)[(size_t)gy * gw + gx] = !near;
        }
    return 0;
}

static int dominant_class(const uint8_t *map, size_t pixels, int n_classes)
{
    size_t counts[VGL_MAX_CLASSES + 1] = {0};
    for (size_t p = 0; p < pixels; p++)
        counts[map[p]]++;
    int best = 0;
    for (int c = 1; c <= n_classes; c++)
        if (counts[c] > counts[best] || best == 0)
            best = counts[c] ? c : best;
    return best;
}

static vgl_status describe_sample(trainer *t, train_sample *s, vgl_error *err)
{
    const vgl_dataset *ds = t->dataset;
    const vgl_sample *sample = &ds->samples[s->index];
    vgl_model *model = t->model;
    int want_mask = ds->n_classes > 0 && sample->has_mask;
    vgl_image image = {0};
    uint8_t *mask = NULL;
    vgl_status status = ds->load(ds->context, s->index, &image, want_mask ? &mask : NULL, err);
    if (status)
        return status;
    if (model->image_width == 0) {
        model->image_width = image.width;
        model->image_height = image.height;
        status = vgl_features_init(&model->features, model->network, image.width, image.height, err);
    }
    if (!status && (image.width != model->image_width || image.height != model->image_height))
        status = vgl_error_set(err, VGL_EINVAL,
                               "%s is %dx%d pixels but the other images are %dx%d; all images of "
                               "a project must have the same size",
                               sample->name, image.width, image.height, model->image_width,
                               model->image_height);
    const vgl_features *f = &model->features;
    if (!status && !(s->features = malloc(sizeof(float) * vgl_features_count(f) * (size_t)f->dim)))
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory");
    if (!status)
        status = vgl_features_extract(f, &image, t->options->threads, s->features, err);
    if (!status && mask)
        status = vgl_mask_check(mask, (size_t)image.width * image.height, ds->n_classes,
                            sample->name, err);
    if (!status && mask) {
        s->truth = shrink_mask(mask, image.width, image.height, f->work_width, f->work_height);
        if (!s->truth || mark_cells(s->truth, f, &s->clean, &s->defect))
            status = vgl_error_set(err, VGL_ENOMEM, "out of memory");
        else
            s->stratum = dominant_class(mask, (size_t)image.width * image.height, ds->n_classes);
    }
    if (s->anomaly && s->stratum == 0)
        s->stratum = 1;
    free(mask);
    vgl_image_free(&image);
    return status;
}

static vgl_status describe_all(trainer *t, vgl_error *err)
{
    const vgl_dataset *ds = t->dataset;
    t->samples = calloc(ds->count ? ds->count : 1, sizeof *t->samples);
    if (!t->samples)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    for (size_t i = 0; i < ds->count; i++)
        if (ds->samples[i].label != VGL_LABEL_NONE)
            t->samples[t->n_samples++] =
                (train_sample){.index = i, .anomaly = ds->samples[i].label == VGL_LABEL_ANOMALY};
    for (size_t k = 0; k < t->n_samples; k++) {
        vgl_status status = describe_sample(t, &t->samples[k], err);
        if (status)
            return status;
        progress(t, "extracting features", k + 1, t->n_samples);
    }
    return VGL_OK;
}

static vgl_status split_samples(trainer *t, int split, vgl_error *err)
{
    t->is_test = calloc(t->n_samples, sizeof *t->is_test);
    const char **names = malloc(sizeof *names * t->n_samples);
    int *strata = malloc(sizeof *strata * t->n_samples);
    vgl_status status = VGL_OK;
    if (!t->is_test || !names || !strata) {
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory");
    } else if (split) {
        for (size_t k = 0; k < t->n_samples; k++) {
            names[k] = t->dataset->samples[t->samples[k].index].name;
            strata[k] = t->samples[k].stratum;
        }
        int n_strata = t->dataset->n_classes > 0 ? t->dataset->n_classes + 1 : 2;
        if (vgl_split(names, strata, t->n_samples, n_strata, t->is_test))
            status = vgl_error_set(err, VGL_ENOMEM, "out of memory");
    }
    free(names);
    free(strata);
    return status;
}

/* ------------------------------------------------------------- banks */

typedef struct bank {
    float *rows;
    int32_t *sources; /* the sample each row came from */
    size_t size;
    vgl_knn_bank search; /* the rows prepared for search */
} bank;

static void bank_free(bank *b)
{
    vgl_knn_bank_free(&b->search);
    free(b->rows);
    free(b->sources);
    memset(b, 0, sizeof *b);
}

typedef int (*cell_filter)(const train_sample *s, size_t c);

/* Whether cell c of sample s may stand in the memory bank. */
static int normal_cell(const train_sample *s, size_t c)
{
    return !s->anomaly || (s->clean && s->clean[c]);
}

static int defect_cell(const train_sample *s, size_t c)
{
    return s->defect && s->defect[c];
}

/* A coreset of the patches that `wanted` selects (normal or defect cells)
 * of the training part's images.  An empty selection gives an empty bank. */
static vgl_status build_bank(const trainer *t, cell_filter wanted, bank *out, vgl_error *err)
{
    const vgl_features *f = &t->model->features;
    size_t cells = vgl_features_count(f), dim = (size_t)f->dim, total = 0;
    for (size_t k = 0; k < t->n_samples; k++)
        if (!t->is_test[k])
            for (size_t c = 0; c < cells; c++)
                total += wanted(&t->samples[k], c);
    size_t pool = total < POOL_MAX ? total : POOL_MAX;
    float *rows = malloc(sizeof(float) * (pool ? pool : 1) * dim);
    int32_t *sources = malloc(sizeof(int32_t) * (pool ? pool : 1));
    size_t *chosen = NULL;
    memset(out, 0, sizeof *out);
    if (total == 0 || !rows || !sources) {
        free(rows), free(sources);
        return total ? vgl_error_set(err, VGL_ENOMEM, "out of memory building the memory bank")
                     : VGL_OK;
    }
    /* keep every patch, or an evenly spaced subset of them when there are too many */
    size_t taken = 0, seen = 0;
    for (size_t k = 0; k < t->n_samples; k++) {
        const train_sample *s = &t->samples[k];
        if (t->is_test[k])
            continue;
        for (size_t c = 0; c < cells; c++) {
            if (!wanted(s, c))
                continue;
            if (taken < pool && seen * pool / total == taken) {
                sources[taken] = (int32_t)k;
                memcpy(rows + dim * taken++, s->features + dim * c, sizeof(float) * dim);
            }
            seen++;
        }
    }
    size_t want = (size_t)ceil(BANK_RATIO * (double)taken);
    want = want < BANK_MIN ? (taken < BANK_MIN ? taken : BANK_MIN) : want;
    want = want > BANK_MAX ? BANK_MAX : want;
    chosen = malloc(sizeof *chosen * (want ? want : 1));
    out->rows = malloc(sizeof(float) * want * dim);
    out->sources = malloc(sizeof(int32_t) * want);
    long got = chosen && out->rows && out->sources && taken
                   ? vgl_coreset_select(rows, taken, (int)dim, want, 0, chosen)
                   : -1;
    if (got > 0) {
        for (long i = 0; i < got; i++) {
            memcpy(out->rows + dim * (size_t)i, rows + dim * chosen[i], sizeof(float) * dim);
            out->sources[i] = sources[chosen[i]];
        }
        out->size = (size_t)got;
    }
    free(rows);
    free(sources);
    free(chosen);
    if (got <= 0) {
        bank_free(out);
        return vgl_error_set(err, VGL_ENOMEM, "could not build the memory bank");
    }
    vgl_status status = vgl_model_prepare_bank(&out->search, out->rows, out->size, (int)dim,
                                               "memory bank", err);
    if (status)
        bank_free(out);
    return status;
}

/* ------------------------------------------------------------- validation */

#define SCORE_KINDS VGL_SCORE_KINDS

/* Validation scores of each patch-score kind. */
typedef struct validation {
    double *z[SCORE_KINDS];
    uint8_t *anomaly;
    size_t n;
    int kinds; /* 1, or all of them when there are annotated defects to compare with */
    /* segmentation: pixel scores and whether each pixel is annotated */
    float *pixel_scores[SCORE_KINDS];
    uint8_t *pixel_truth;
    size_t n_pixels, max_pixels;
} validation;

/* Scores sample k with a patch score kind, its own patches left out. */
static vgl_status score_left_out(const trainer *t, const bank *normal, const bank *defect,
                                 vgl_patch_score kind, size_t k, float *grid, vgl_error *err)
{
    vgl_model view = *t->model; /* the model as it would be with these banks */
    view.bank = normal->search;
    view.defect_bank = defect->search;
    view.patch_score = kind;
    vgl_score_exclusion exclude = {normal->sources, defect->sources, (int32_t)k};
    return vgl_model_score_grid(&view, t->samples[k].features, &exclude, t->options->threads,
                                grid, err);
}

static vgl_status record_pixels(const trainer *t, const float *grid, float *scores,
                                vgl_error *err)
{
    const vgl_features *f = &t->model->features;
    if (vgl_anomaly_map_upsample(grid, f->grid_height, f->grid_width, scores, f->work_height,
                                 f->work_width))
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    return VGL_OK;
}

static vgl_status validate_sample(const trainer *t, const bank *normal, const bank *defect,
                                  size_t k, validation *v, float *grid, vgl_error *err)
{
    const train_sample *s = &t->samples[k];
    const vgl_features *f = &t->model->features;
    size_t pixels = (size_t)f->work_width * f->work_height;
    /* enough pixels to place one threshold: later images only add image scores */
    int keep_pixels = t->model->n_classes > 0 && v->n_pixels + pixels <= v->max_pixels;
    for (int kind = 0; kind < v->kinds; kind++) {
        vgl_status status = score_left_out(t, normal, defect, (vgl_patch_score)kind, k, grid, err);
        if (!status && keep_pixels)
            status = record_pixels(t, grid, v->pixel_scores[kind] + v->n_pixels, err);
        if (status)
            return status;
        v->z[kind][v->n] = vgl_model_image_score(t->model, grid);
    }
    v->anomaly[v->n++] = (uint8_t)s->anomaly;
    if (keep_pixels) {
        for (size_t p = 0; p < pixels; p++)
            v->pixel_truth[v->n_pixels + p] = s->truth ? s->truth[p] != 0 : 0;
        v->n_pixels += pixels;
    }
    return VGL_OK;
}

/* The pixel score threshold with the best pixel F1 on the validation images. */
static float fit_pixel_threshold(const validation *v, const float *scores, float *score_max)
{
    float hi = 0;
    for (size_t p = 0; p < v->n_pixels; p++)
        hi = scores[p] > hi ? scores[p] : hi;
    *score_max = hi;
    size_t pos[PIXEL_BINS] = {0}, neg[PIXEL_BINS] = {0}, positives = 0;
    for (size_t p = 0; p < v->n_pixels; p++) {
        int bin = hi > 0 ? (int)(scores[p] / hi * (PIXEL_BINS - 1)) : 0;
        v->pixel_truth[p] ? (pos[bin]++, positives++) : neg[bin]++;
    }
    /* predicted anomalous: bins >= b */
    double best = -1;
    int best_bin = PIXEL_BINS - 1;
    size_t tp = 0, fp = 0;
    for (int b = PIXEL_BINS - 1; b >= 0; b--) {
        tp += pos[b], fp += neg[b];
        double f1 = tp ? 2.0 * tp / (2.0 * tp + fp + (positives - tp)) : 0;
        if (f1 > best)
            best = f1, best_bin = b;
    }
    return hi * (float)best_bin / (PIXEL_BINS - 1);
}

/* ROC AUC of a kind's validation pixel scores against the annotations: how
 * well it localises the annotated defects (NAN without annotated pixels). */
static double pixel_auc(const validation *v, int kind)
{
    float hi = 0;
    for (size_t p = 0; p < v->n_pixels; p++)
        hi = v->pixel_scores[kind][p] > hi ? v->pixel_scores[kind][p] : hi;
    vgl_pixel_auc *auc = NULL;
    double value = NAN;
    if (hi > 0 && !vgl_pixel_auc_create(0, hi, VGL_PIXEL_AUC_BINS, &auc, NULL) &&
        !vgl_pixel_auc_add(auc, v->pixel_scores[kind], v->pixel_truth, v->n_pixels, NULL))
        value = vgl_pixel_auc_value(auc, NULL);
    vgl_pixel_auc_free(auc);
    return value;
}

/* The patch score that ranks the validation images best by ROC AUC; among
 * equally good ones, the one that best localises the annotated defects
 * (pixel ROC AUC over thousands of pixels says more than a few dozen image
 * scores).  The plain distance unless another is strictly better. */
static vgl_patch_score choose_patch_score(const validation *v)
{
    vgl_patch_score best = VGL_SCORE_NORMAL_DISTANCE;
    double best_auc = -1, best_pixel_auc = -1;
    for (int kind = 0; kind < v->kinds; kind++) {
        double auc;
        if (vgl_metrics_roc_auc(v->anomaly, v->z[kind], v->n, &auc, NULL) || isnan(auc))
            return VGL_SCORE_NORMAL_DISTANCE;
        double pixels = pixel_auc(v, kind);
        pixels = isnan(pixels) ? 0 : pixels;
        if (auc > best_auc + 1e-9 || (auc > best_auc - 1e-9 && pixels > best_pixel_auc))
            best_auc = auc, best_pixel_auc = pixels, best = (vgl_patch_score)kind;
    }
    return best;
}

static vgl_status allocate_validation(validation *v, size_t members, int kinds)
{
    v->kinds = kinds;
    v->anomaly = malloc(members);
    v->pixel_truth = malloc(v->max_pixels ? v->max_pixels : 1);
    int ok = v->anomaly && v->pixel_truth;
    for (int kind = 0; kind < SCORE_KINDS; kind++) {
        v->z[kind] = malloc(sizeof(double) * members);
        v->pixel_scores[kind] = malloc(sizeof(float) * (v->max_pixels ? v->max_pixels : 1));
        ok = ok && v->z[kind] && v->pixel_scores[kind];
    }
    return ok ? VGL_OK : VGL_ENOMEM;
}

static void free_validation(validation *v)
{
    free(v->anomaly), free(v->pixel_truth);
    for (int kind = 0; kind < SCORE_KINDS; kind++)
        free(v->z[kind]), free(v->pixel_scores[kind]);
}

/* Scores every training image against the banks (its own patches left
 * out), picks the patch score kind and fits the calibration and, for
 * segmentation, the pixel threshold. */
static vgl_status validate(trainer *t, const bank *normal, const bank *defect, vgl_error *err)
{
    size_t members = 0;
    for (size_t k = 0; k < t->n_samples; k++)
        members += !t->is_test[k];
    const vgl_features *f = &t->model->features;
    validation v = {0};
    size_t pixels = (size_t)f->work_width * f->work_height;
    v.max_pixels = t->model->n_classes > 0 ? (members < 200 ? members : 200) * pixels : 0;
    float *grid = malloc(sizeof(float) * vgl_features_count(f));
    vgl_status status = VGL_OK;
    if (!grid || allocate_validation(&v, members, defect->size > 0 ? SCORE_KINDS : 1))
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory validating");
    for (size_t k = 0; k < t->n_samples && !status; k++) {
        if (t->is_test[k])
            continue;
        status = validate_sample(t, normal, defect, k, &v, grid, err);
        progress(t, "validating", v.n, members);
    }
    vgl_model *m = t->model;
    if (!status) {
        m->patch_score = choose_patch_score(&v);
        int *labels = malloc(sizeof(int) * (v.n ? v.n : 1));
        for (size_t i = 0; labels && i < v.n; i++)
            labels[i] = v.anomaly[i];
        status = labels ? vgl_calibration_fit(v.z[m->patch_score], labels, v.n, &m->calibration, err)
                        : vgl_error_set(err, VGL_ENOMEM, "out of memory");
        free(labels);
    }
    if (!status && m->n_classes > 0)
        m->pixel_threshold = fit_pixel_threshold(&v, v.pixel_scores[m->patch_score],
                                                 &m->pixel_score_max);
    free_validation(&v);
    free(grid);
    return status;
}

/* ------------------------------------------------------------- classes */

/* Features of training anomalies' cells that one class mostly covers. */
static vgl_status build_class_bank(trainer *t, vgl_error *err)
{
    vgl_model *m = t->model;
    const vgl_features *f = &m->features;
    if (m->n_classes < 2)
        return VGL_OK; /* one class: every anomalous pixel is of it */
    size_t cells = vgl_features_count(f), dim = (size_t)f->dim, cap = CLASS_BANK_MAX;
    m->owned_class_bank = malloc(sizeof(float) * cap * dim);
    m->owned_class_labels = malloc(sizeof(int32_t) * cap);
    if (!m->owned_class_bank || !m->owned_class_labels)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    int cell_w = f->work_width / f->grid_width, cell_h = f->work_height / f->grid_height;
    size_t n = 0;
    for (size_t k = 0; k < t->n_samples && n < cap; k++) {
        const train_sample *s = &t->samples[k];
        if (t->is_test[k] || !s->truth)
            continue;
        for (size_t c = 0; c < cells && n < cap; c++) {
            int gx = (int)(c % (size_t)f->grid_width), gy = (int)(c / (size_t)f->grid_width);
            int counts[VGL_MAX_CLASSES + 1] = {0};
            for (int y = gy * cell_h; y < (gy + 1) * cell_h; y++)
                for (int x = gx * cell_w; x < (gx + 1) * cell_w; x++)
                    counts[s->truth[(size_t)y * f->work_width + x]]++;
            for (int cls = 1; cls <= m->n_classes; cls++)
                if (counts[cls] >= CLASS_CELL_COVER * cell_w * cell_h) {
                    memcpy(m->owned_class_bank + n * dim, s->features + c * dim, sizeof(float) * dim);
                    m->owned_class_labels[n++] = cls;
                }
        }
    }
    m->class_labels = m->owned_class_labels;
    return vgl_model_prepare_bank(&m->class_bank, m->owned_class_bank, n, (int)dim, "class bank",
                                  err);
}

/* ------------------------------------------------------------- the whole */

static vgl_status check_arguments(const vgl_dataset *train, const vgl_train_options *options,
                                  vgl_model **model, vgl_evaluation *evaluation, vgl_error *err)
{
    if (!train || !options || !options->backbone_path || options->threads < 1 || !model ||
        !evaluation || !train->load || (train->count && !train->samples))
        return vgl_error_set(err, VGL_EINVAL, "training needs a dataset, a backbone, threads, "
                             "and places for the model and its evaluation");
    if (train->n_classes < 0 || train->n_classes > VGL_MAX_CLASSES ||
        (train->n_classes > 0 && !train->classes))
        return vgl_error_set(err, VGL_EINVAL, "a dataset may have 0 to %d anomaly classes",
                             VGL_MAX_CLASSES);
    return VGL_OK;
}

static vgl_status evaluate_model(trainer *t, const vgl_dataset *test, vgl_test_callback on_test,
                                 void *context, vgl_evaluation *evaluation, vgl_error *err)
{
    evaluation->n_training_images = t->model->n_training_images;
    if (test)
        return vgl_evaluate(t->model, test, t->options->threads, on_test, context, evaluation, err);
    size_t *indices = malloc(sizeof(size_t) * t->n_samples), n = 0;
    if (!indices)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    for (size_t k = 0; k < t->n_samples; k++)
        if (t->is_test[k])
            indices[n++] = t->samples[k].index;
    vgl_status status = vgl_evaluate_samples(t->model, t->dataset, indices, n, t->options->threads,
                                             t->options, on_test, context, evaluation, err);
    free(indices);
    return status;
}

/* Builds the banks, validates, and gives the model what it keeps. */
static vgl_status fit_model(trainer *t, vgl_error *err)
{
    vgl_model *m = t->model;
    bank normal = {0}, defect = {0};
    vgl_status status = build_bank(t, normal_cell, &normal, err);
    if (!status && normal.size == 0)
        status = vgl_error_set(err, VGL_EINVAL, "training needs normal images");
    if (!status)
        status = build_bank(t, defect_cell, &defect, err);
    if (!status)
        status = validate(t, &normal, &defect, err);
    if (status) {
        bank_free(&normal);
        bank_free(&defect);
        return status;
    }
    /* the model takes the rows and their search over */
    m->owned_bank = normal.rows, m->bank = normal.search;
    free(normal.sources);
    if (m->patch_score != VGL_SCORE_NORMAL_DISTANCE) {
        m->owned_defect_bank = defect.rows, m->defect_bank = defect.search;
        free(defect.sources);
    } else {
        bank_free(&defect);
    }
    for (size_t k = 0; k < t->n_samples; k++)
        m->n_training_images += !t->is_test[k];
    return build_class_bank(t, err);
}

vgl_status vgl_train(const vgl_dataset *train, const vgl_dataset *test,
                     const vgl_train_options *options, vgl_test_callback on_test,
                     void *test_context, vgl_model **model, vgl_evaluation *evaluation,
                     vgl_error *err)
{
    vgl_status status = check_arguments(train, options, model, evaluation, err);
    if (status)
        return status;
    *model = NULL;
    if ((status = check_counts(train, test, err)))
        return status;
    trainer t = {.dataset = train, .options = options};
    t.model = calloc(1, sizeof *t.model);
    if (!t.model)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    t.model->n_classes = train->n_classes;
    if (train->n_classes)
        memcpy(t.model->classes, train->classes, sizeof(vgl_class) * (size_t)train->n_classes);
    status = vgl_network_load(options->backbone_path, &t.model->network, err);
    if (!status)
        status = describe_all(&t, err);
    if (!status)
        status = split_samples(&t, test == NULL, err);
    if (!status)
        status = fit_model(&t, err);
    if (!status)
        status = evaluate_model(&t, test, on_test, test_context, evaluation, err);
    for (size_t k = 0; k < t.n_samples; k++) {
        free(t.samples[k].features);
        free(t.samples[k].truth);
        free(t.samples[k].clean);
        free(t.samples[k].defect);
    }
    free(t.samples);
    free(t.is_test);
    if (status)
        vgl_model_free(t.model);
    else
        *model = t.model;
    return status;
}

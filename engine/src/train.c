/*
 * train.c - vgl_train: from labelled images to a calibrated model and its
 * evaluation.
 *
 *  1. Every labelled training image's patch features are computed once, and
 *     the images put in their canonical order (train_samples.c).
 *  2. Without a test dataset, the images are split (split.h).
 *  3. The memory bank, and with annotated anomalies the defect bank, are
 *     built from the training part (train_banks.c).
 *  4. Validation on the training part, each image scored as if it had been
 *     left out: the patch score kind, the threshold and confidence, and for
 *     segmentation the pixel threshold (train_validate.c, train_pixels.c).
 *  5. Segmentation with two or more classes: the class bank.
 *  6. The test images join the threshold, and go through detection with
 *     cross-fitted thresholds to be measured (train_crossfit.c, evaluate.c).
 */
#include "error.h"
#include "evaluate.h"
#include "split.h"
#include "train_internal.h"

#include <stdlib.h>
#include <string.h>

/* Lookout for Vision's minimum labelled images, by dataset configuration. */
#define MIN_SPLIT_NORMAL 20
#define MIN_SPLIT_ANOMALY 10
#define MIN_TRAIN_NORMAL 10
#define MIN_TEST_NORMAL 10
#define MIN_TEST_ANOMALY 10

void train_progress(const trainer *t, const char *stage, size_t done, size_t total)
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

static vgl_status split_samples(trainer *t, int split, vgl_error *err)
{
    t->is_test = calloc(t->n_samples ? t->n_samples : 1, sizeof *t->is_test);
    uint64_t *keys = malloc(sizeof *keys * (t->n_samples ? t->n_samples : 1));
    int *strata = malloc(sizeof *strata * (t->n_samples ? t->n_samples : 1));
    vgl_status status = VGL_OK;
    if (!t->is_test || !keys || !strata) {
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory");
    } else if (split) {
        for (size_t k = 0; k < t->n_samples; k++) {
            keys[k] = t->samples[k].content;
            strata[k] = t->samples[k].stratum;
        }
        int n_strata = t->dataset->n_classes > 0 ? t->dataset->n_classes + 1 : 2;
        if (vgl_split(keys, strata, t->n_samples, n_strata, t->is_test))
            status = vgl_error_set(err, VGL_ENOMEM, "out of memory");
    }
    free(keys);
    free(strata);
    return status;
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

/* The test images (the split's test part, or the labelled images of the
 * test dataset) join the threshold and are decided cross-fitted
 * (train_crossfit.c), then measured. */
static vgl_status evaluate_model(trainer *t, const vgl_dataset *test, vgl_test_callback on_test,
                                 void *context, vgl_evaluation *evaluation, vgl_error *err)
{
    const vgl_dataset *ds = test ? test : t->dataset;
    size_t count = test ? test->count : t->n_samples, n = 0;
    size_t *indices = malloc(sizeof(size_t) * (count ? count : 1));
    uint8_t *fold = malloc(count ? count : 1);
    vgl_model *fold_models = malloc(sizeof *fold_models * VGL_CROSSFIT_FOLDS);
    if (!indices || !fold || !fold_models) {
        free(indices), free(fold), free(fold_models);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < count; k++) {
        if (test && test->samples[k].label != VGL_LABEL_NONE)
            indices[n++] = k;
        else if (!test && t->is_test[k])
            indices[n++] = t->samples[k].index;
    }
    vgl_status status = n ? train_crossfit(t, ds, indices, n, fold, fold_models, err)
                          : vgl_error_set(err, VGL_EINVAL, "there are no labelled test images");
    const vgl_model *deciders[VGL_CROSSFIT_FOLDS];
    for (int h = 0; h < VGL_CROSSFIT_FOLDS; h++)
        deciders[h] = &fold_models[h];
    evaluation->n_training_images = t->model->n_training_images;
    if (!status)
        status = vgl_evaluate_samples(deciders, fold, ds, indices, n, t->options->threads,
                                      t->options, on_test, context, evaluation, err);
    free(indices);
    free(fold);
    free(fold_models); /* shallow copies: the model owns what they point to */
    return status;
}

/* Builds the banks, validates, and gives the model what it keeps. */
static vgl_status fit_model(trainer *t, vgl_error *err)
{
    vgl_model *m = t->model;
    train_bank normal = {0}, defect = {0};
    vgl_status status = train_build_bank(t, train_normal_cell, &normal, err);
    if (!status && normal.size == 0)
        status = vgl_error_set(err, VGL_EINVAL, "training needs normal images");
    if (!status)
        status = train_build_bank(t, train_defect_cell, &defect, err);
    if (!status)
        status = train_validate(t, &normal, &defect, err);
    if (status) {
        train_bank_free(&normal);
        train_bank_free(&defect);
        return status;
    }
    /* the model takes the rows and their search over */
    m->owned_bank = normal.rows, m->bank = normal.search;
    free(normal.sources);
    if (m->patch_score != VGL_SCORE_NORMAL_DISTANCE) {
        m->owned_defect_bank = defect.rows, m->defect_bank = defect.search;
        free(defect.sources);
    } else {
        train_bank_free(&defect);
    }
    for (size_t k = 0; k < t->n_samples; k++)
        m->n_training_images += !t->is_test[k];
    return train_build_class_bank(t, err);
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
        status = train_describe_samples(&t, err);
    if (!status)
        status = split_samples(&t, test == NULL, err);
    if (!status)
        status = fit_model(&t, err);
    if (!status)
        status = evaluate_model(&t, test, on_test, test_context, evaluation, err);
    train_free_samples(&t);
    free(t.is_test);
    free(t.validation_z);
    free(t.validation_anomaly);
    if (status)
        vgl_model_free(t.model);
    else
        *model = t.model;
    return status;
}

/*
 * train_internal.h - what the stages of training (train.c) share: the
 * labelled images with their features, and the banks built from them.
 *
 *   train_samples.c   features, masks and the canonical order of the images
 *   train_banks.c     the memory, defect and class banks
 *   train_validate.c  scores of the training images the model has not seen,
 *                     the patch score kind and the calibration
 *   train_pixels.c    the pixel threshold of segmentation models
 *   train_crossfit.c  the test images' share in the threshold, and the
 *                     cross-fitted models that decide them
 *
 * Every stage works on the images in their canonical order (train_samples.c),
 * which depends on their content only: the order of a manifest and the names
 * of its files change nothing that training decides.
 */
#ifndef VGL_TRAIN_INTERNAL_H
#define VGL_TRAIN_INTERNAL_H

#include "knn.h"
#include "model.h"

#include <stddef.h>
#include <stdint.h>

typedef struct train_sample {
    size_t index; /* in the dataset */
    int anomaly;
    int stratum;      /* 0 normal, 1 anomalous (classification), k anomalous of class k */
    uint64_t content; /* a hash of the label, pixels and mask: the canonical order */
    float *features;  /* grid cells x dim */
    uint8_t *truth;   /* class map at working resolution, or NULL */
    uint8_t *clean;   /* anomalous images with a mask: 1 for cells away from any defect */
    uint8_t *defect;  /* anomalous images with a mask: 1 for cells with annotated pixels */
} train_sample;

typedef struct trainer {
    const vgl_dataset *dataset;
    const vgl_train_options *options;
    vgl_model *model;
    train_sample *samples; /* the labelled images, in canonical order */
    size_t n_samples;
    int *is_test; /* per sample: in the test part of a split dataset */
    /* The training part's validation scores (of the model's patch score
     * kind) and labels, which the test images join in the threshold. */
    double *validation_z;
    int *validation_anomaly;
    size_t n_validation;
    /* Segmentation: the pixel threshold fitted on annotated pixels (when
     * pixel_annotated), which no threshold may raise above the decision's. */
    float pixel_fit;
    int pixel_annotated;
} trainer;

void train_progress(const trainer *t, const char *stage, size_t done, size_t total);

/* Loads every labelled image, extracts its features, shrinks its mask to the
 * working resolution and puts the samples in canonical order. */
vgl_status train_describe_samples(trainer *t, vgl_error *err);
void train_free_samples(trainer *t);

/* A hash of an image's label, pixels and mask (NULL: none). */
uint64_t train_content_hash(int anomaly, const vgl_image *image, const uint8_t *mask);

/* A bank as training builds it: rows with the sample each came from. */
typedef struct train_bank {
    float *rows;
    int32_t *sources;
    size_t size;
    vgl_knn_bank search; /* the rows prepared for search */
} train_bank;

void train_bank_free(train_bank *bank);

/* Whether cell c of sample s belongs in a bank. */
typedef int (*train_cell_filter)(const train_sample *s, size_t c);
int train_normal_cell(const train_sample *s, size_t c);
int train_defect_cell(const train_sample *s, size_t c);

/* A coreset of the training part's cells that `wanted` selects; an empty
 * selection gives an empty bank. */
vgl_status train_build_bank(const trainer *t, train_cell_filter wanted, train_bank *out,
                            vgl_error *err);

/* With two or more classes: the class bank of the model. */
vgl_status train_build_class_bank(trainer *t, vgl_error *err);

/* Scores of the training part's images, each against the banks without its
 * own patches, for every patch score kind the banks allow. */
typedef struct train_validation {
    size_t n;
    size_t *sample; /* the sample behind each score */
    uint8_t *anomaly;
    int kinds;
    double *z[VGL_SCORE_KINDS];
    /* the smoothed score grids (n x cells), kept where pixels are needed:
     * with annotated defects (to compare kinds) or for segmentation */
    float *grids[VGL_SCORE_KINDS];
} train_validation;

/* Validates, chooses the model's patch score kind and fits its
 * calibration, then (segmentation) its pixel threshold. */
vgl_status train_validate(trainer *t, const train_bank *normal, const train_bank *defect,
                          vgl_error *err);

/* Pixel ROC AUC of a kind's validation grids against the annotations (NAN
 * without annotated pixels). */
double train_pixel_auc(const trainer *t, const train_validation *v, int kind);

/* The model's pixel threshold and pixel score scale from the validation
 * grids of its patch score kind. */
vgl_status train_fit_pixel_threshold(trainer *t, const train_validation *v, vgl_error *err);

/* The pixel threshold that goes with a decision threshold: the fitted one,
 * never above the decision's own score, or that score without annotations. */
float train_pixel_threshold(const trainer *t, double decision_threshold);

#define VGL_CROSSFIT_FOLDS 10

/* Scores the test images indices[0..n) of ds, puts each in a fold
 * (fold[k]), fits the model's calibration on the validation scores and all
 * test scores, and each fold model's (shallow copies of the model) on the
 * validation scores and the other folds'. */
vgl_status train_crossfit(trainer *t, const vgl_dataset *ds, const size_t *indices, size_t n,
                          uint8_t *fold, vgl_model fold_models[VGL_CROSSFIT_FOLDS],
                          vgl_error *err);

#endif

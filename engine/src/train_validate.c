/*
 * train_validate.c - what the model would answer on images it has never
 * seen, measured on the training images themselves.
 *
 * Every image of the training part is scored against the banks without its
 * own patches (each bank row remembers its image): the scores of the very
 * model being trained, as if the image had been left out of it (leave one
 * out, on every image, so the threshold rests on all of them and not on a
 * slice), and no test image is ever looked at.  On these scores:
 *  - the patch score kind: the best image ROC AUC; among equal ones the
 *    best pixel ROC AUC against the annotations; the plain distance unless
 *    another is strictly better;
 *  - the calibration (calibration.h);
 *  - segmentation: the pixel threshold (train_pixels.c).
 */
#include "anomaly_map.h"
#include "calibration.h"
#include "error.h"
#include "metrics.h"
#include "train_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Scores sample k with a patch score kind, its own patches left out. */
static vgl_status score_left_out(const trainer *t, const train_bank *normal,
                                 const train_bank *defect, vgl_patch_score kind, size_t k,
                                 float *grid, vgl_error *err)
{
    vgl_model view = *t->model; /* the model as it would be with these banks */
    view.bank = normal->search;
    view.defect_bank = defect->search;
    view.patch_score = kind;
    vgl_score_exclusion exclude = {normal->sources, defect->sources, (int32_t)k};
    return vgl_model_score_grid(&view, t->samples[k].features, &exclude, t->options->threads,
                                grid, err);
}

static int has_annotations(const trainer *t)
{
    for (size_t k = 0; k < t->n_samples; k++)
        if (!t->is_test[k] && t->samples[k].truth)
            return 1;
    return 0;
}

static vgl_status allocate(train_validation *v, size_t members, size_t cells, int kinds,
                           int keep_grids)
{
    v->kinds = kinds;
    v->sample = malloc(sizeof(size_t) * (members ? members : 1));
    v->anomaly = malloc(members ? members : 1);
    int ok = v->sample && v->anomaly;
    for (int kind = 0; kind < kinds; kind++) {
        v->z[kind] = malloc(sizeof(double) * (members ? members : 1));
        if (keep_grids)
            ok = ok && (v->grids[kind] = malloc(sizeof(float) * (members ? members : 1) * cells));
        ok = ok && v->z[kind];
    }
    return ok ? VGL_OK : VGL_ENOMEM;
}

static void free_validation(train_validation *v)
{
    free(v->sample), free(v->anomaly);
    for (int kind = 0; kind < VGL_SCORE_KINDS; kind++)
        free(v->z[kind]), free(v->grids[kind]);
}

static vgl_status score_all(const trainer *t, const train_bank *normal, const train_bank *defect,
                            train_validation *v, size_t members, vgl_error *err)
{
    size_t cells = vgl_features_count(&t->model->features);
    float *grid = malloc(sizeof(float) * cells);
    if (!grid)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory validating");
    vgl_status status = VGL_OK;
    for (size_t k = 0; k < t->n_samples && !status; k++) {
        if (t->is_test[k])
            continue;
        for (int kind = 0; kind < v->kinds && !status; kind++) {
            status = score_left_out(t, normal, defect, (vgl_patch_score)kind, k, grid, err);
            v->z[kind][v->n] = vgl_model_image_score(t->model, grid);
            if (v->grids[kind])
                memcpy(v->grids[kind] + v->n * cells, grid, sizeof(float) * cells);
        }
        v->sample[v->n] = k;
        v->anomaly[v->n++] = (uint8_t)t->samples[k].anomaly;
        train_progress(t, "validating", v->n, members);
    }
    free(grid);
    return status;
}

/* The patch score kind that ranks the validation images best by ROC AUC;
 * among equally good ones, the one that best localises the annotated
 * defects (pixel ROC AUC over thousands of pixels says more than a few
 * dozen image scores).  The plain distance unless another is strictly
 * better. */
static vgl_patch_score choose_patch_score(const trainer *t, const train_validation *v)
{
    vgl_patch_score best = VGL_SCORE_NORMAL_DISTANCE;
    double best_auc = -1, best_pixel_auc = -1;
    for (int kind = 0; kind < v->kinds; kind++) {
        double auc;
        if (vgl_metrics_roc_auc(v->anomaly, v->z[kind], v->n, &auc, NULL) || isnan(auc))
            return VGL_SCORE_NORMAL_DISTANCE;
        double pixels = train_pixel_auc(t, v, kind);
        pixels = isnan(pixels) ? 0 : pixels;
        if (auc > best_auc + 1e-9 || (auc > best_auc - 1e-9 && pixels > best_pixel_auc))
            best_auc = auc, best_pixel_auc = pixels, best = (vgl_patch_score)kind;
    }
    return best;
}

/* Keeps the chosen kind's scores for the threshold, and fits it on them. */
static vgl_status calibrate(trainer *t, const train_validation *v, vgl_error *err)
{
    vgl_model *m = t->model;
    t->validation_z = malloc(sizeof(double) * (v->n ? v->n : 1));
    t->validation_anomaly = malloc(sizeof(int) * (v->n ? v->n : 1));
    if (!t->validation_z || !t->validation_anomaly)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    for (size_t i = 0; i < v->n; i++) {
        t->validation_z[i] = v->z[m->patch_score][i];
        t->validation_anomaly[i] = v->anomaly[i];
    }
    t->n_validation = v->n;
    return vgl_calibration_fit(t->validation_z, t->validation_anomaly, v->n, &m->calibration,
                               err);
}

/* The largest patch score of any validation image (vgl_model_image_score's
 * inverse of the largest image score): the scale of pixel scores. */
static double largest_grid_value(const train_validation *v, int kind)
{
    double top = -INFINITY;
    for (size_t i = 0; i < v->n; i++)
        top = v->z[kind][i] > top ? v->z[kind][i] : top;
    return v->n ? exp(top) - 1e-6 : 0;
}

vgl_status train_validate(trainer *t, const train_bank *normal, const train_bank *defect,
                          vgl_error *err)
{
    vgl_model *m = t->model;
    size_t members = 0, cells = vgl_features_count(&m->features);
    for (size_t k = 0; k < t->n_samples; k++)
        members += !t->is_test[k];
    int annotated = has_annotations(t);
    train_validation v = {0};
    vgl_status status = VGL_OK;
    if (allocate(&v, members, cells, defect->size > 0 ? VGL_SCORE_KINDS : 1,
                 annotated || m->n_classes > 0))
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory validating");
    if (!status)
        status = score_all(t, normal, defect, &v, members, err);
    if (!status) {
        m->patch_score = choose_patch_score(t, &v);
        status = calibrate(t, &v, err);
        m->pixel_score_max = (float)largest_grid_value(&v, m->patch_score);
    }
    if (!status && m->n_classes > 0)
        status = train_fit_pixel_threshold(t, &v, err);
    free_validation(&v);
    return status;
}

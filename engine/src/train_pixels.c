/*
 * train_pixels.c - pixel scores of the validation images: how well a patch
 * score kind localises the annotated defects, and the pixel threshold of
 * a segmentation model.
 *
 * Pixel scores are the validation grids resized to the working resolution,
 * as detection resizes them to the image.  Every training image takes part:
 * the annotated anomalous images and the normal ones (all background).
 *
 * Detection paints pixels only in images it calls anomalous (detect.c), so
 * the pixel threshold is fitted on the validation images that the model's
 * own threshold calls anomalous: the best pixel F1 over their pixels.  It
 * never lies above the score of the decision threshold itself, so every
 * image called anomalous shows where; without annotated pixels it is that
 * score (a pixel is anomalous when it scores as an anomalous image does).
 */
#include "anomaly_map.h"
#include "error.h"
#include "metrics.h"
#include "train_internal.h"

#include <math.h>
#include <stdlib.h>

#define PIXEL_BINS 2048

/* The training image's pixels in the validation, or NULL when they say
 * nothing (an anomalous image without a mask: where is its defect?). */
static int pixels_known(const train_sample *s)
{
    return !s->anomaly || s->truth;
}

static float grids_max(const trainer *t, const train_validation *v, int kind)
{
    size_t cells = vgl_features_count(&t->model->features);
    float hi = 0;
    for (size_t i = 0; i < v->n * cells; i++)
        hi = v->grids[kind][i] > hi ? v->grids[kind][i] : hi;
    return hi;
}

/* Resizes validation image i's grid of `kind` into scores (working size). */
static int upsample(const trainer *t, const train_validation *v, int kind, size_t i,
                    float *scores)
{
    const vgl_features *f = &t->model->features;
    const float *grid = v->grids[kind] + i * vgl_features_count(f);
    return vgl_anomaly_map_upsample(grid, f->grid_height, f->grid_width, scores, f->work_height,
                                    f->work_width);
}

double train_pixel_auc(const trainer *t, const train_validation *v, int kind)
{
    if (!v->grids[kind])
        return NAN;
    const vgl_features *f = &t->model->features;
    size_t pixels = (size_t)f->work_width * f->work_height;
    float hi = grids_max(t, v, kind);
    float *scores = malloc(sizeof(float) * pixels);
    uint8_t *background = calloc(pixels, 1);
    vgl_pixel_auc *auc = NULL;
    double value = NAN;
    int ok = scores && background && hi > 0 &&
             !vgl_pixel_auc_create(0, hi, VGL_PIXEL_AUC_BINS, &auc, NULL);
    for (size_t i = 0; ok && i < v->n; i++) {
        const train_sample *s = &t->samples[v->sample[i]];
        if (!pixels_known(s))
            continue;
        ok = !upsample(t, v, kind, i, scores) &&
             !vgl_pixel_auc_add(auc, scores, s->truth ? s->truth : background, pixels, NULL);
    }
    if (ok)
        value = vgl_pixel_auc_value(auc, NULL);
    vgl_pixel_auc_free(auc);
    free(scores);
    free(background);
    return value;
}

/* The best pixel F1 threshold from binned counts, at most `ceiling`. */
static float best_f1_threshold(const size_t *pos, const size_t *neg, size_t positives, float hi,
                               float ceiling)
{
    double best = -1;
    float threshold = ceiling;
    size_t tp = 0, fp = 0;
    /* predicted anomalous: bins >= b */
    for (int b = PIXEL_BINS - 1; b >= 0; b--) {
        tp += pos[b], fp += neg[b];
        float at = hi * (float)b / (PIXEL_BINS - 1);
        double f1 = tp ? 2.0 * tp / (2.0 * tp + fp + (positives - tp)) : 0;
        if (at <= ceiling && f1 > best)
            best = f1, threshold = at;
    }
    return threshold;
}

float train_pixel_threshold(const trainer *t, double decision_threshold)
{
    float decision = (float)(exp(decision_threshold) - 1e-6); /* image_score's inverse */
    return t->pixel_annotated && t->pixel_fit < decision ? t->pixel_fit : decision;
}

vgl_status train_fit_pixel_threshold(trainer *t, const train_validation *v, vgl_error *err)
{
    vgl_model *m = t->model;
    int kind = m->patch_score;
    const vgl_features *f = &m->features;
    size_t pixels = (size_t)f->work_width * f->work_height, positives = 0;
    float decision = (float)(exp(m->calibration.threshold) - 1e-6);
    float hi = grids_max(t, v, kind);
    size_t *pos = calloc(PIXEL_BINS, sizeof *pos), *neg = calloc(PIXEL_BINS, sizeof *neg);
    float *scores = malloc(sizeof(float) * pixels);
    if (!pos || !neg || !scores) {
        free(pos), free(neg), free(scores);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory fitting the pixel threshold");
    }
    vgl_status status = VGL_OK;
    for (size_t i = 0; i < v->n && !status && hi > 0; i++) {
        const train_sample *s = &t->samples[v->sample[i]];
        if (!pixels_known(s) || !(v->z[kind][i] > m->calibration.threshold))
            continue;
        if (upsample(t, v, kind, i, scores)) {
            status = vgl_error_set(err, VGL_ENOMEM, "out of memory fitting the pixel threshold");
            break;
        }
        for (size_t p = 0; p < pixels; p++) {
            int bin = (int)(scores[p] / hi * (PIXEL_BINS - 1));
            bin = bin < 0 ? 0 : bin > PIXEL_BINS - 1 ? PIXEL_BINS - 1 : bin;
            if (s->truth && s->truth[p])
                pos[bin]++, positives++;
            else
                neg[bin]++;
        }
    }
    t->pixel_annotated = positives > 0;
    t->pixel_fit = positives ? best_f1_threshold(pos, neg, positives, hi, decision) : decision;
    m->pixel_threshold = train_pixel_threshold(t, m->calibration.threshold);
    free(pos), free(neg), free(scores);
    return status;
}

/*
 * detect.c - DetectAnomalies on one image: features, nearest-neighbour
 * scores and the calibrated decision; segmentation models then paint the
 * anomalous pixels of images they call anomalous (segment.c).
 */
#include "anomaly_map.h"
#include "error.h"
#include "knn.h"
#include "model.h"
#include "segment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Turns distances to the nearest normal patch into scores that weigh the
 * distance to the nearest defect patch too (model.h). */
static vgl_status contrast_with_defects(const vgl_model *model, const float *features,
                                        const vgl_knn_exclusion *exclude, int threads, float *grid,
                                        vgl_error *err)
{
    size_t cells = vgl_features_count(&model->features);
    float *defect = malloc(sizeof(float) * cells);
    if (!defect ||
        vgl_knn_nearest(&model->defect_bank, features, cells, exclude, threads, defect, NULL)) {
        free(defect);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory scoring patches");
    }
    for (size_t i = 0; i < cells; i++) {
        float a = grid[i], b = sqrtf(defect[i]);
        float ratio = a + b > 0 ? a / (a + b) : 0;
        grid[i] = model->patch_score == VGL_SCORE_DEFECT_CONTRAST ? a * ratio : ratio;
    }
    free(defect);
    return VGL_OK;
}

vgl_status vgl_model_score_grid(const vgl_model *model, const float *features,
                                const vgl_score_exclusion *exclude, int threads, float *grid,
                                vgl_error *err)
{
    size_t cells = vgl_features_count(&model->features);
    vgl_knn_exclusion normal_exclusion, defect_exclusion;
    if (exclude) {
        normal_exclusion = (vgl_knn_exclusion){exclude->bank_sources, exclude->source};
        defect_exclusion = (vgl_knn_exclusion){exclude->defect_sources, exclude->source};
    }
    if (vgl_knn_nearest(&model->bank, features, cells, exclude ? &normal_exclusion : NULL,
                        threads, grid, NULL))
        return vgl_error_set(err, VGL_ENOMEM, "out of memory scoring patches");
    for (size_t i = 0; i < cells; i++)
        grid[i] = sqrtf(grid[i]);
    if (model->patch_score != VGL_SCORE_NORMAL_DISTANCE) {
        vgl_status status = contrast_with_defects(
            model, features, exclude ? &defect_exclusion : NULL, threads, grid, err);
        if (status)
            return status;
    }
    if (vgl_anomaly_map_smooth(grid, model->features.grid_height, model->features.grid_width,
                               VGL_SMOOTHING_SIGMA))
        return vgl_error_set(err, VGL_ENOMEM, "out of memory smoothing scores");
    return VGL_OK;
}

double vgl_model_image_score(const vgl_model *model, const float *grid)
{
    float top = vgl_anomaly_map_max(grid, (int)vgl_features_count(&model->features));
    return log((double)top + 1e-6);
}

vgl_status vgl_model_score_image(const vgl_model *model, const vgl_image *image, int threads,
                                 double *score, vgl_error *err)
{
    const vgl_features *f = &model->features;
    float *features = malloc(sizeof(float) * vgl_features_count(f) * (size_t)f->dim);
    float *grid = malloc(sizeof(float) * vgl_features_count(f));
    vgl_status status = VGL_OK;
    if (!features || !grid)
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory scoring an image");
    if (!status)
        status = vgl_features_extract(f, image, threads, features, err);
    if (!status)
        status = vgl_model_score_grid(model, features, NULL, threads, grid, err);
    if (!status)
        *score = vgl_model_image_score(model, grid);
    free(features);
    free(grid);
    return status;
}

vgl_status vgl_model_detect_full(const vgl_model *model, const vgl_image *image, int threads,
                                 int want_score_map, vgl_detection *out, vgl_error *err)
{
    memset(out, 0, sizeof *out);
    if (!image || !image->pixels || threads < 1)
        return vgl_error_set(err, VGL_EINVAL, "detection needs an image and threads >= 1");
    if (image->width != model->image_width || image->height != model->image_height)
        return vgl_error_set(err, VGL_EINVAL,
                             "image is %dx%d pixels but the model was trained on %dx%d images",
                             image->width, image->height, model->image_width,
                             model->image_height);
    const vgl_features *f = &model->features;
    float *features = malloc(sizeof(float) * vgl_features_count(f) * (size_t)f->dim);
    float *grid = malloc(sizeof(float) * vgl_features_count(f));
    vgl_status status = VGL_OK;
    if (!features || !grid)
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory detecting anomalies");
    if (!status)
        status = vgl_features_extract(f, image, threads, features, err);
    if (!status)
        status = vgl_model_score_grid(model, features, NULL, threads, grid, err);
    if (!status) {
        out->width = image->width;
        out->height = image->height;
        out->score = vgl_model_image_score(model, grid);
        double p = vgl_calibration_probability(&model->calibration, out->score);
        out->is_anomalous = out->score > model->calibration.threshold;
        out->confidence = out->is_anomalous ? p : 1 - p;
        if (model->n_classes > 0)
            status = vgl_segment(model, features, grid, threads, out, err);
        if (!status && want_score_map)
            status = vgl_detection_score_map(model, grid, out, err);
    }
    if (!status && !want_score_map) {
        free(out->score_map);
        out->score_map = NULL;
    }
    free(features);
    free(grid);
    if (status)
        vgl_detection_free(out);
    return status;
}

vgl_status vgl_model_detect(const vgl_model *model, const vgl_image *image, int threads,
                            vgl_detection *out, vgl_error *err)
{
    return vgl_model_detect_full(model, image, threads, 0, out, err);
}

void vgl_detection_free(vgl_detection *detection)
{
    if (!detection)
        return;
    free(detection->class_map);
    free(detection->class_fraction);
    free(detection->score_map);
    memset(detection, 0, sizeof *detection);
}

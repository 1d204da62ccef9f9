/*
 * detect.c - DetectAnomalies on one image: features, nearest-neighbour
 * scores, the calibrated decision, and for segmentation models the pixel
 * classes and the AnomalyMask.
 *
 * As in Lookout for Vision, the image decision and the mask are computed
 * independently: the decision thresholds the image score, the mask
 * thresholds each pixel's score and names each anomalous pixel's class by
 * the nearest annotated patch feature.
 */
#include "anomaly_map.h"
#include "error.h"
#include "knn.h"
#include "model.h"

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

/* The class (1..n) of every grid cell: its nearest annotated patch's class. */
static vgl_status cell_classes(const vgl_model *model, const float *features, int threads,
                               uint8_t *classes, vgl_error *err)
{
    size_t cells = vgl_features_count(&model->features);
    if (model->n_classes == 1 || model->class_bank.size == 0) {
        memset(classes, 1, cells);
        return VGL_OK;
    }
    float *dist2 = malloc(sizeof(float) * cells);
    int32_t *nearest = malloc(sizeof(int32_t) * cells);
    vgl_status status = VGL_OK;
    if (!dist2 || !nearest ||
        vgl_knn_nearest(&model->class_bank, features, cells, NULL, threads, dist2, nearest))
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory classifying pixels");
    for (size_t i = 0; !status && i < cells; i++)
        classes[i] = (uint8_t)model->class_labels[nearest[i]];
    free(dist2);
    free(nearest);
    return status;
}

static vgl_status segment(const vgl_model *model, const float *features, const float *grid,
                          int threads, vgl_detection *out, vgl_error *err)
{
    int w = out->width, h = out->height;
    const vgl_features *f = &model->features;
    size_t pixels = (size_t)w * h;
    out->score_map = malloc(sizeof(float) * pixels);
    out->class_map = malloc(pixels);
    out->class_fraction = calloc((size_t)model->n_classes + 1, sizeof(double));
    uint8_t *classes = malloc(vgl_features_count(f));
    vgl_status status = VGL_OK;
    if (!out->score_map || !out->class_map || !out->class_fraction || !classes ||
        vgl_anomaly_map_upsample(grid, f->grid_height, f->grid_width, out->score_map, h, w))
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory segmenting");
    if (!status)
        status = cell_classes(model, features, threads, classes, err);
    int *cell_x = status ? NULL : malloc(sizeof(int) * (size_t)w);
    if (!status && !cell_x)
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory segmenting");
    if (!status) {
        for (int x = 0; x < w; x++)
            cell_x[x] = x * f->grid_width / w;
        size_t counts[VGL_MAX_CLASSES + 1] = {0};
        for (int y = 0; y < h; y++) {
            const uint8_t *cell_row = classes + (size_t)(y * f->grid_height / h) * f->grid_width;
            const float *scores = out->score_map + (size_t)y * w;
            uint8_t *row = out->class_map + (size_t)y * w;
            for (int x = 0; x < w; x++) {
                uint8_t c = scores[x] > model->pixel_threshold ? cell_row[cell_x[x]] : 0;
                row[x] = c;
                counts[c]++;
            }
        }
        for (int c = 0; c <= model->n_classes; c++)
            out->class_fraction[c] = (double)counts[c] / (double)pixels;
    }
    free(cell_x);
    free(classes);
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
            status = segment(model, features, grid, threads, out, err);
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

vgl_status vgl_detection_paint_mask(const vgl_model *model, const vgl_detection *detection,
                                    uint8_t *rgb, size_t size, vgl_error *err)
{
    if (!detection->class_map)
        return vgl_error_set(err, VGL_EINVAL, "a classification model produces no mask");
    size_t pixels = (size_t)detection->width * detection->height;
    if (!rgb || size < pixels * 3)
        return vgl_error_set(err, VGL_EINVAL, "a %dx%d mask needs %zu bytes, not %zu",
                             detection->width, detection->height, pixels * 3, size);
    uint8_t palette[VGL_MAX_CLASSES + 1][3];
    memset(palette[0], 0xff, 3); /* background is white, as the service answered */
    for (int c = 0; c < model->n_classes; c++)
        memcpy(palette[c + 1], model->classes[c].color, 3);
    for (size_t p = 0; p < pixels; p++)
        memcpy(rgb + 3 * p, palette[detection->class_map[p]], 3);
    return VGL_OK;
}

vgl_status vgl_detection_mask_rgb(const vgl_model *model, const vgl_detection *detection,
                                  vgl_image *mask, vgl_error *err)
{
    if (!detection->class_map)
        return vgl_error_set(err, VGL_EINVAL, "a classification model produces no mask");
    vgl_status status = vgl_image_alloc(detection->width, detection->height, mask, err);
    if (!status)
        status = vgl_detection_paint_mask(model, detection, mask->pixels,
                                          (size_t)mask->width * mask->height * 3, err);
    return status;
}

vgl_status vgl_detection_mask_png(const vgl_model *model, const vgl_detection *detection,
                                  uint8_t **png, size_t *png_size, vgl_error *err)
{
    vgl_image mask;
    vgl_status status = vgl_detection_mask_rgb(model, detection, &mask, err);
    if (status)
        return status;
    status = vgl_png_encode_rgb(&mask, png, png_size, err);
    vgl_image_free(&mask);
    return status;
}

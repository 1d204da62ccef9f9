/*
 * segment.c - the pixel classes of a segmentation model's detection, and
 * the AnomalyMask painted from them.
 *
 * Pixels are painted only in an image the model calls anomalous, so an
 * image called normal never shows a defect: there, a pixel is anomalous
 * when its score (the score grid resized to the image) is above the pixel
 * threshold.  A defect is one class: the grid cells above the threshold
 * form connected regions (8-neighbourhood), each cell votes for the class
 * of its nearest annotated patch (the class bank) with the weight of its
 * score above the threshold, and the whole region takes the winning class,
 * so one defect is not painted as a patchwork of kinds.  Cells next to a
 * region (whose pixels can pass the threshold by interpolation) take the
 * class of their strongest neighbouring region.
 */
#include "anomaly_map.h"
#include "error.h"
#include "knn.h"
#include "model.h"
#include "segment.h"

#include <stdlib.h>
#include <string.h>

/* The nearest class-bank row's class of every hot cell (others: 0). */
static vgl_status vote_cells(const vgl_model *model, const float *features, const float *grid,
                             int threads, uint8_t *votes, vgl_error *err)
{
    size_t cells = vgl_features_count(&model->features), dim = (size_t)model->features.dim, n = 0;
    memset(votes, 0, cells);
    if (model->n_classes == 1 || model->class_bank.size == 0) {
        for (size_t c = 0; c < cells; c++)
            votes[c] = grid[c] > model->pixel_threshold;
        return VGL_OK;
    }
    for (size_t c = 0; c < cells; c++)
        n += grid[c] > model->pixel_threshold;
    float *queries = malloc(sizeof(float) * (n ? n : 1) * dim);
    float *dist2 = malloc(sizeof(float) * (n ? n : 1));
    int32_t *nearest = malloc(sizeof(int32_t) * (n ? n : 1));
    vgl_status status = VGL_OK;
    if (!queries || !dist2 || !nearest) {
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory classifying pixels");
    } else {
        size_t q = 0;
        for (size_t c = 0; c < cells; c++)
            if (grid[c] > model->pixel_threshold)
                memcpy(queries + dim * q++, features + dim * c, sizeof(float) * dim);
        if (n && vgl_knn_nearest(&model->class_bank, queries, n, NULL, threads, dist2, nearest))
            status = vgl_error_set(err, VGL_ENOMEM, "out of memory classifying pixels");
        for (size_t c = 0, i = 0; !status && c < cells; c++)
            if (grid[c] > model->pixel_threshold)
                votes[c] = (uint8_t)model->class_labels[nearest[i++]];
    }
    free(queries), free(dist2), free(nearest);
    return status;
}

/* Labels the connected regions of hot cells (1, 2, ...; 0 elsewhere) and
 * gives each the class with the largest vote.  classes: per cell. */
static vgl_status classify_regions(const vgl_model *model, const float *grid,
                                   const uint8_t *votes, uint8_t *classes, vgl_error *err)
{
    int gw = model->features.grid_width, gh = model->features.grid_height;
    size_t cells = (size_t)gw * gh;
    int32_t *region = calloc(cells, sizeof *region);
    size_t *stack = malloc(sizeof *stack * cells), *members = malloc(sizeof *members * cells);
    double *weight = malloc(sizeof *weight * ((size_t)model->n_classes + 1));
    if (!region || !stack || !members || !weight) {
        free(region), free(stack), free(members), free(weight);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory classifying pixels");
    }
    memset(classes, 0, cells);
    int32_t regions = 0;
    for (size_t seed = 0; seed < cells; seed++) {
        if (!votes[seed] || region[seed])
            continue;
        size_t top = 0, n = 0;
        region[seed] = ++regions;
        stack[top++] = seed;
        memset(weight, 0, sizeof *weight * ((size_t)model->n_classes + 1));
        while (top) {
            size_t c = stack[--top];
            members[n++] = c;
            weight[votes[c]] += grid[c] - model->pixel_threshold;
            int x = (int)(c % (size_t)gw), y = (int)(c / (size_t)gw);
            for (int yy = y - 1; yy <= y + 1; yy++)
                for (int xx = x - 1; xx <= x + 1; xx++) {
                    size_t d = (size_t)yy * gw + xx;
                    if (yy >= 0 && yy < gh && xx >= 0 && xx < gw && votes[d] && !region[d]) {
                        region[d] = regions;
                        stack[top++] = d;
                    }
                }
        }
        int best = 1;
        for (int k = 2; k <= model->n_classes; k++)
            best = weight[k] > weight[best] ? k : best;
        for (size_t i = 0; i < n; i++)
            classes[members[i]] = (uint8_t)best;
    }
    /* cells beside a region: the class of their hottest region neighbour */
    for (size_t c = 0; c < cells; c++) {
        if (votes[c])
            continue;
        int x = (int)(c % (size_t)gw), y = (int)(c / (size_t)gw);
        float hottest = -1;
        for (int yy = y - 1; yy <= y + 1; yy++)
            for (int xx = x - 1; xx <= x + 1; xx++) {
                size_t d = (size_t)yy * gw + xx;
                if (yy >= 0 && yy < gh && xx >= 0 && xx < gw && votes[d] && grid[d] > hottest)
                    hottest = grid[d], classes[c] = classes[d];
            }
    }
    free(region), free(stack), free(members), free(weight);
    return VGL_OK;
}

/* Paints the class map from the pixel scores and the cells' classes. */
static vgl_status paint_classes(const vgl_model *model, const uint8_t *classes, vgl_detection *out,
                                vgl_error *err)
{
    const vgl_features *f = &model->features;
    int w = out->width, h = out->height;
    int *cell_x = malloc(sizeof(int) * (size_t)w);
    if (!cell_x)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory segmenting");
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
        out->class_fraction[c] = (double)counts[c] / ((double)w * h);
    free(cell_x);
    return VGL_OK;
}

vgl_status vgl_segment(const vgl_model *model, const float *features, const float *grid,
                       int threads, vgl_detection *out, vgl_error *err)
{
    size_t pixels = (size_t)out->width * out->height, cells = vgl_features_count(&model->features);
    out->class_map = calloc(pixels, 1);
    out->class_fraction = calloc((size_t)model->n_classes + 1, sizeof(double));
    if (!out->class_map || !out->class_fraction)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory segmenting");
    if (!out->is_anomalous) {
        out->class_fraction[0] = 1;
        return VGL_OK;
    }
    vgl_status status = vgl_detection_score_map(model, grid, out, err);
    uint8_t *votes = malloc(cells), *classes = malloc(cells);
    if (!status && (!votes || !classes))
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory segmenting");
    if (!status)
        status = vote_cells(model, features, grid, threads, votes, err);
    if (!status)
        status = classify_regions(model, grid, votes, classes, err);
    if (!status)
        status = paint_classes(model, classes, out, err);
    free(votes), free(classes);
    return status;
}

vgl_status vgl_detection_score_map(const vgl_model *model, const float *grid, vgl_detection *out,
                                   vgl_error *err)
{
    const vgl_features *f = &model->features;
    if (out->score_map)
        return VGL_OK;
    out->score_map = malloc(sizeof(float) * (size_t)out->width * out->height);
    if (!out->score_map || vgl_anomaly_map_upsample(grid, f->grid_height, f->grid_width,
                                                    out->score_map, out->height, out->width))
        return vgl_error_set(err, VGL_ENOMEM, "out of memory resizing the score map");
    return VGL_OK;
}

/* ------------------------------------------------------------- the mask */

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

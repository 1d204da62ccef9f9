/*
 * patch_features.c - patch features from a backbone (see patch_features.h).
 *
 * The layer pair per architecture is a fact about the network, not about
 * any dataset: the last residual outputs at strides 8 and 16 for
 * MobileNetV2, the matching mixed blocks for InceptionV3.
 */
#include "patch_features.h"

#include "error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *architecture, *fine, *coarse;
} layer_table[] = {
    {"mobilenet_v2", "block_5_add", "block_12_add"},
    {"inception_v3", "mixed2", "mixed4"},
};

/* Pixels the backbone works on: its training size (224^2) for images up to
 * about 670^2, growing with the image up to 448^2 so that a defect in a
 * large photo still covers a few pixels of the stride-8 map. */
#define BASE_SIDE 224.0
#define MAX_SIDE 448.0
#define SIDE_ALIGN 16

static int aligned_side(double side)
{
    int aligned = (int)lround(side / SIDE_ALIGN) * SIDE_ALIGN;
    return aligned < 4 * SIDE_ALIGN ? 4 * SIDE_ALIGN : aligned;
}

static vgl_status probe_shapes(vgl_features *features, vgl_error *err)
{
    const char *names[2] = {features->layers[0], features->layers[1]};
    size_t count = (size_t)features->work_width * features->work_height * 3;
    float *input = calloc(count, sizeof *input);
    if (!input)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    vgl_tensor out[2];
    vgl_status status = vgl_network_run(features->network, input, 1, features->work_height,
                                        features->work_width, names, 2, 1, out, err);
    free(input);
    if (status)
        return status;
    features->grid_height = out[0].h;
    features->grid_width = out[0].w;
    features->dim = out[0].c + out[1].c;
    vgl_tensor_free(&out[0]);
    vgl_tensor_free(&out[1]);
    return VGL_OK;
}

vgl_status vgl_features_init_fixed(vgl_features *features, const vgl_network *network,
                                   const char *fine, const char *coarse, int work_width,
                                   int work_height, vgl_error *err)
{
    memset(features, 0, sizeof *features);
    features->network = network;
    if (!vgl_network_has_layer(network, fine) || !vgl_network_has_layer(network, coarse))
        return vgl_error_set(err, VGL_EFORMAT, "the backbone lacks the feature layers %s and %s",
                             fine, coarse);
    if (work_width < 32 || work_height < 32 || work_width > 4096 || work_height > 4096)
        return vgl_error_set(err, VGL_EFORMAT, "working size %dx%d out of range", work_width,
                             work_height);
    snprintf(features->layers[0], sizeof features->layers[0], "%s", fine);
    snprintf(features->layers[1], sizeof features->layers[1], "%s", coarse);
    features->work_width = work_width;
    features->work_height = work_height;
    return probe_shapes(features, err);
}

vgl_status vgl_features_init(vgl_features *features, const vgl_network *network, int image_width,
                             int image_height, vgl_error *err)
{
    const char *arch = vgl_modelfile_get_string(vgl_network_file(network), "general.architecture");
    for (size_t i = 0; arch && i < sizeof layer_table / sizeof layer_table[0]; i++) {
        if (strcmp(arch, layer_table[i].architecture))
            continue;
        double side = sqrt((double)image_width * image_height) / 3.0;
        side = side < BASE_SIDE ? BASE_SIDE : side > MAX_SIDE ? MAX_SIDE : side;
        double scale = side / sqrt((double)image_width * image_height);
        return vgl_features_init_fixed(features, network, layer_table[i].fine,
                                       layer_table[i].coarse, aligned_side(image_width * scale),
                                       aligned_side(image_height * scale), err);
    }
    return vgl_error_set(err, VGL_EUNSUPPORTED, "no feature layers are known for backbone '%s'",
                         arch ? arch : "(unnamed)");
}

/* 3x3 mean over each position's neighbours inside the map. */
static void local_mean(const vgl_tensor *t, float *out)
{
    for (int y = 0; y < t->h; y++)
        for (int x = 0; x < t->w; x++) {
            float *dst = out + ((size_t)y * t->w + x) * t->c;
            memset(dst, 0, sizeof(float) * (size_t)t->c);
            int n = 0;
            for (int yy = y - 1; yy <= y + 1; yy++)
                for (int xx = x - 1; xx <= x + 1; xx++) {
                    if (yy < 0 || yy >= t->h || xx < 0 || xx >= t->w)
                        continue;
                    const float *src = t->data + ((size_t)yy * t->w + xx) * t->c;
                    for (int c = 0; c < t->c; c++)
                        dst[c] += src[c];
                    n++;
                }
            for (int c = 0; c < t->c; c++)
                dst[c] /= (float)n;
        }
}

/* Source coordinate of a destination pixel centre, for bilinear resizing. */
static void source_position(int dst, int dst_size, int src_size, int *i0, int *i1, float *frac)
{
    float pos = ((float)dst + 0.5f) * (float)src_size / (float)dst_size - 0.5f;
    if (pos < 0)
        pos = 0;
    *i0 = (int)pos;
    if (*i0 > src_size - 1)
        *i0 = src_size - 1;
    *i1 = *i0 + 1 < src_size ? *i0 + 1 : src_size - 1;
    *frac = pos - (float)*i0;
    if (*frac > 1)
        *frac = 1;
}

/* Writes the features: fine channels, then the coarse map resized onto the fine grid. */
static void assemble(const vgl_features *f, const float *fine, const vgl_tensor *fine_t,
                     const float *coarse, const vgl_tensor *coarse_t, float *out)
{
    int cf = fine_t->c, cc = coarse_t->c;
    for (int y = 0; y < f->grid_height; y++) {
        int y0, y1;
        float fy;
        source_position(y, f->grid_height, coarse_t->h, &y0, &y1, &fy);
        for (int x = 0; x < f->grid_width; x++) {
            int x0, x1;
            float fx;
            source_position(x, f->grid_width, coarse_t->w, &x0, &x1, &fx);
            float *dst = out + ((size_t)y * f->grid_width + x) * f->dim;
            memcpy(dst, fine + ((size_t)y * f->grid_width + x) * cf, sizeof(float) * (size_t)cf);
            const float *a = coarse + ((size_t)y0 * coarse_t->w + x0) * cc;
            const float *b = coarse + ((size_t)y0 * coarse_t->w + x1) * cc;
            const float *c = coarse + ((size_t)y1 * coarse_t->w + x0) * cc;
            const float *d = coarse + ((size_t)y1 * coarse_t->w + x1) * cc;
            for (int k = 0; k < cc; k++)
                dst[cf + k] = (1 - fy) * ((1 - fx) * a[k] + fx * b[k]) + fy * ((1 - fx) * c[k] + fx * d[k]);
        }
    }
}

vgl_status vgl_features_extract(const vgl_features *f, const vgl_image *image, int threads,
                                float *out, vgl_error *err)
{
    vgl_image sized = {0};
    vgl_tensor maps[2] = {{0}};
    float *input = NULL, *fine = NULL, *coarse = NULL;
    const char *names[2] = {f->layers[0], f->layers[1]};
    vgl_status status = vgl_image_resize(image, f->work_width, f->work_height, &sized, err);
    if (status)
        return status;
    input = malloc(sizeof(float) * (size_t)f->work_width * f->work_height * 3);
    if (!input) {
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory extracting features");
        goto done;
    }
    vgl_network_prepare_input(f->network, &sized, input);
    status = vgl_network_run(f->network, input, 1, f->work_height, f->work_width, names, 2,
                             threads, maps, err);
    if (status)
        goto done;
    if (maps[0].h != f->grid_height || maps[0].w != f->grid_width ||
        maps[0].c + maps[1].c != f->dim) {
        status = vgl_error_set(err, VGL_EFORMAT, "backbone output does not match the model");
        goto done;
    }
    fine = malloc(sizeof(float) * (size_t)maps[0].h * maps[0].w * maps[0].c);
    coarse = malloc(sizeof(float) * (size_t)maps[1].h * maps[1].w * maps[1].c);
    if (!fine || !coarse) {
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory extracting features");
        goto done;
    }
    local_mean(&maps[0], fine);
    local_mean(&maps[1], coarse);
    assemble(f, fine, &maps[0], coarse, &maps[1], out);
done:
    free(fine);
    free(coarse);
    free(input);
    vgl_tensor_free(&maps[0]);
    vgl_tensor_free(&maps[1]);
    vgl_image_free(&sized);
    return status;
}

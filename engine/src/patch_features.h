/*
 * patch_features.h - patch features of an image, the input of every anomaly score.
 *
 * Two middle layers of the backbone (strides about 8 and 16: local texture
 * and some context), each averaged over its 3x3 neighbourhood so a patch
 * feature describes a little more than one receptive field, the coarse map
 * resized onto the fine grid, and the two concatenated: one `dim`-vector per
 * cell of a grid_height x grid_width grid covering the image.
 */
#ifndef VGL_FEATURES_H
#define VGL_FEATURES_H

#include "vigil.h"

typedef struct vgl_features {
    const vgl_network *network;
    char layers[2][128]; /* fine, coarse */
    int work_width, work_height; /* the image is resized to this before the network */
    int grid_width, grid_height;
    int dim;
} vgl_features;

/* The working resolution for images of image_width x image_height: the
 * aspect ratio kept, about as many pixels as the backbone was trained on
 * (more for large images, so small defects keep a few pixels), sides
 * multiples of 16.  Fills work size, grid size and dim. */
vgl_status vgl_features_init(vgl_features *features, const vgl_network *network, int image_width,
                             int image_height, vgl_error *err);

/* Initialises from values stored in a model file (no size rule applied). */
vgl_status vgl_features_init_fixed(vgl_features *features, const vgl_network *network,
                                   const char *fine, const char *coarse, int work_width,
                                   int work_height, vgl_error *err);

/* out: grid_height * grid_width * dim floats. */
vgl_status vgl_features_extract(const vgl_features *features, const vgl_image *image, int threads,
                                float *out, vgl_error *err);

static inline size_t vgl_features_count(const vgl_features *features)
{
    return (size_t)features->grid_width * (size_t)features->grid_height;
}

#endif

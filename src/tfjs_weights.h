/*
 * tfjs_weights.h - the weights of a TF.js model, dequantised to float32.
 */
#ifndef VIGIL_TFJS_WEIGHTS_H
#define VIGIL_TFJS_WEIGHTS_H

#include "vigil.h"

#include <jansson.h>

typedef struct tfjs_weight {
    char *name;
    int ndim;
    int64_t shape[VGL_TENSOR_MAX_DIMS];
    size_t count;
    float *values;
} tfjs_weight;

typedef struct tfjs_weights {
    size_t count;
    tfjs_weight *items;
} tfjs_weights;

/* Reads every weight listed in `manifest` (the weightsManifest array) from
 * weights_path, whose size must be exactly what the manifest describes.
 * Handles float32 and uint8/uint16 affine quantisation (min + scale * q). */
vgl_status tfjs_weights_load(json_t *manifest, const char *weights_path, tfjs_weights *out,
                             vgl_error *err);
void tfjs_weights_free(tfjs_weights *weights);

/* The weight "<layer>/<param>" (or one whose name ends in "/<layer>/<param>"),
 * or NULL. */
const tfjs_weight *tfjs_weights_find(const tfjs_weights *weights, const char *layer,
                                     const char *param);

#endif

/*
 * tfjs_import.h - converting a TF.js Keras layers model into a Vigil backbone
 * model file.
 *
 * Input: a folder with model.json ({modelTopology, weightsManifest}, as
 * tools/tfjs/extract.cjs writes it) and weights.bin (all weight groups'
 * bytes joined in manifest order).  The importer dequantises the weights,
 * folds batch normalisation and activations into the convolutions before
 * them and zero padding into the convolutions after it, drops the
 * classification head, and stores the rest as a graph (graph.h).
 */
#ifndef VIGIL_TFJS_IMPORT_H
#define VIGIL_TFJS_IMPORT_H

#include "vigil.h"

typedef struct tfjs_import_options {
    const char *tfjs_dir;
    const char *output_path;
    const char *architecture; /* e.g. "mobilenet_v2" */
    const char *source;       /* provenance, e.g. the npm package and its checksum */
    const char *license;      /* licence of the weights */
    double input_scale;       /* network input = (pixel * scale - mean) / std */
    double input_mean[3];
    double input_std[3];
} tfjs_import_options;

/* Converts and writes the model file; on success *n_nodes tells the size of
 * the stored graph. */
vgl_status tfjs_import(const tfjs_import_options *options, int *n_nodes, vgl_error *err);

#endif

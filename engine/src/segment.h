/*
 * segment.h - pixel classes and score maps of a detection (segment.c).
 */
#ifndef VGL_SEGMENT_H
#define VGL_SEGMENT_H

#include "model.h"

/* Fills out's class_map and class_fraction (a segmentation model's answer)
 * from the image's features and smoothed score grid; out->is_anomalous,
 * width and height must be set.  Computes out->score_map when it paints. */
vgl_status vgl_segment(const vgl_model *model, const float *features, const float *grid,
                       int threads, vgl_detection *out, vgl_error *err);

/* out->score_map (unless already there): the grid resized to the image. */
vgl_status vgl_detection_score_map(const vgl_model *model, const float *grid, vgl_detection *out,
                                   vgl_error *err);

#endif

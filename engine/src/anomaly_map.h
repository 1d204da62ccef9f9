/*
 * anomaly_map.h - from patch scores on the feature grid to an image score
 * and a per-pixel map.
 */
#ifndef VGL_ANOMALY_MAP_H
#define VGL_ANOMALY_MAP_H

/* Gaussian smoothing of a grid in place (separable, borders clamped), so
 * that a single odd patch does not decide the image and a defect's score
 * spreads over its neighbourhood as its pixels do. */
int vgl_anomaly_map_smooth(float *grid, int height, int width, float sigma);

/* Bilinear resize of a grid onto out_height x out_width (pixel centres
 * aligned).  Returns 0, or -1 when out of memory. */
int vgl_anomaly_map_upsample(const float *grid, int height, int width, float *out,
                             int out_height, int out_width);

float vgl_anomaly_map_max(const float *grid, int count);

#endif

/*
 * synthetic_dataset.h - a labelled dataset generated on the fly for the
 * engine's training, detection and model-file tests: 128x96 images of a
 * noise-textured "product", each shifted a little, and anomalous ones with a
 * dark scratch (class 1) or a bright blob (class 2) and their class masks.
 * Header-only (static inline) so that each test program takes what it uses.
 */
#ifndef VIGIL_TEST_SYNTHETIC_DATASET_H
#define VIGIL_TEST_SYNTHETIC_DATASET_H

#include "vigil.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define IMAGE_W 128
#define IMAGE_H 96
#define MAX_SAMPLES 64

typedef enum defect { NO_DEFECT = 0, SCRATCH = 1, BLOB = 2 } defect;

typedef struct synth {
    vgl_dataset dataset;
    vgl_sample samples[MAX_SAMPLES];
    char names[MAX_SAMPLES][48];
    defect kinds[MAX_SAMPLES];
    int widths[MAX_SAMPLES], heights[MAX_SAMPLES];
    uint64_t seed;
    long fail_at; /* the loader fails on this sample (-1: never) */
    vgl_class classes[2];
} synth;

static inline uint64_t splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline double uniform(uint64_t *state)
{
    return (double)(splitmix(state) >> 11) * 0x1p-53;
}

/* A random value per lattice point: the same product surface in every image. */
static inline double lattice(int x, int y, int octave)
{
    uint64_t state = ((uint64_t)(uint32_t)x << 32 | (uint32_t)y) * 31 + (uint64_t)octave;
    return uniform(&state);
}

static inline double value_noise(double x, double y, double cell, int octave)
{
    double fx = x / cell, fy = y / cell;
    int ix = (int)floor(fx), iy = (int)floor(fy);
    double tx = fx - ix, ty = fy - iy;
    tx = tx * tx * (3 - 2 * tx), ty = ty * ty * (3 - 2 * ty);
    double top = lattice(ix, iy, octave) * (1 - tx) + lattice(ix + 1, iy, octave) * tx;
    double bottom = lattice(ix, iy + 1, octave) * (1 - tx) + lattice(ix + 1, iy + 1, octave) * tx;
    return top * (1 - ty) + bottom * ty;
}

static inline uint8_t clamp_byte(double v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
}

/* The product's surface, shifted by a few pixels and with a little sensor noise. */
static inline void paint_texture(vgl_image *image, uint64_t *rng)
{
    static const double base[3] = {190, 150, 100};
    double dx = 12 * uniform(rng), dy = 12 * uniform(rng);
    for (int y = 0; y < image->height; y++)
        for (int x = 0; x < image->width; x++) {
            double v = 0.6 * value_noise(x + dx, y + dy, 12, 0) +
                       0.4 * value_noise(x + dx, y + dy, 5, 1);
            uint8_t *p = image->pixels + 3 * ((size_t)y * image->width + x);
            for (int c = 0; c < 3; c++)
                p[c] = clamp_byte(base[c] * (0.7 + 0.6 * v) + 6 * (uniform(rng) - 0.5));
        }
}

static inline double segment_distance(double px, double py, const double seg[4])
{
    double vx = seg[2] - seg[0], vy = seg[3] - seg[1];
    double t = ((px - seg[0]) * vx + (py - seg[1]) * vy) / (vx * vx + vy * vy);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return hypot(px - seg[0] - t * vx, py - seg[1] - t * vy);
}

/* A dark scratch (a thick segment) or a bright blob (a disc) at a random
 * place; its pixels get `cls` in classes. */
static inline void draw_defect(vgl_image *image, uint8_t *classes, defect kind, uint8_t cls, uint64_t *rng)
{
    static const uint8_t dark[3] = {45, 35, 30}, bright[3] = {250, 245, 230};
    int w = image->width, h = image->height;
    double cx = 24 + (w - 48) * uniform(rng), cy = 24 + (h - 48) * uniform(rng);
    double angle = M_PI * uniform(rng), half = 18;
    double seg[4] = {cx - half * cos(angle), cy - half * sin(angle), cx + half * cos(angle),
                     cy + half * sin(angle)};
    double radius = 6 + 2 * uniform(rng);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int hit = kind == SCRATCH ? segment_distance(x, y, seg) <= 2.5
                                      : hypot(x - cx, y - cy) <= radius;
            if (!hit)
                continue;
            memcpy(image->pixels + 3 * ((size_t)y * w + x), kind == SCRATCH ? dark : bright, 3);
            classes[(size_t)y * w + x] = cls;
        }
}

static inline vgl_status load_error(vgl_error *err, vgl_status status, const char *message,
                             const char *name)
{
    if (err) {
        err->status = status;
        snprintf(err->message, sizeof err->message, "%s: %s", name, message);
    }
    return status;
}

/* The dataset's loader: the same pixels and mask every time it is asked. */
static inline vgl_status synth_load(void *context, size_t index, vgl_image *image, uint8_t **mask,
                             vgl_error *err)
{
    synth *s = context;
    if (mask)
        *mask = NULL;
    if ((long)index == s->fail_at)
        return load_error(err, VGL_EIO, "synthetic read failure", s->names[index]);
    vgl_status status = vgl_image_alloc(s->widths[index], s->heights[index], image, err);
    if (status)
        return status;
    uint8_t *classes = calloc((size_t)image->width * image->height, 1);
    if (!classes) {
        vgl_image_free(image);
        return load_error(err, VGL_ENOMEM, "out of memory", s->names[index]);
    }
    uint64_t rng = s->seed * 1000003u + index;
    paint_texture(image, &rng);
    if (s->kinds[index] != NO_DEFECT) {
        uint8_t cls = s->dataset.n_classes == 2 ? (uint8_t)s->kinds[index] : 1;
        draw_defect(image, classes, s->kinds[index], cls, &rng);
    }
    if (mask && s->samples[index].has_mask)
        *mask = classes;
    else
        free(classes);
    return VGL_OK;
}

/* n_normal then n_anomalous samples (scratches and blobs in turn); anomalous
 * ones have masks in a segmentation dataset.  s must not move afterwards. */
static inline void synth_init(synth *s, const char *prefix, int n_normal, int n_anomalous, int n_classes,
                       uint64_t seed)
{
    assert_true(n_normal + n_anomalous <= MAX_SAMPLES);
    memset(s, 0, sizeof *s);
    s->seed = seed;
    s->fail_at = -1;
    s->classes[0] = (vgl_class){"scratch", {255, 0, 0}};
    s->classes[1] = (vgl_class){"blob", {0, 0, 255}};
    if (n_classes == 1)
        s->classes[0] = (vgl_class){"defect", {0, 200, 0}};
    for (int i = 0; i < n_normal + n_anomalous; i++) {
        int anomalous = i >= n_normal;
        s->kinds[i] = anomalous ? (i - n_normal) % 2 ? BLOB : SCRATCH : NO_DEFECT;
        snprintf(s->names[i], sizeof s->names[i], "%s/%s-%02d.png", prefix,
                 anomalous ? "anomaly" : "normal", i);
        s->widths[i] = IMAGE_W, s->heights[i] = IMAGE_H;
        s->samples[i] = (vgl_sample){s->names[i], anomalous ? VGL_LABEL_ANOMALY : VGL_LABEL_NORMAL,
                                     anomalous && n_classes > 0};
    }
    s->dataset = (vgl_dataset){(size_t)(n_normal + n_anomalous), s->samples, synth_load, s,
                               n_classes, n_classes ? s->classes : NULL};
}

#endif

/*
 * image_resize.c - resizing RGB images: area averaging along an axis that
 * shrinks, bilinear interpolation with pixel centres aligned along one that
 * grows, each axis on its own.
 *
 * Every axis gets a table of integer weights over an integer denominator
 * (source length when shrinking, twice the output length when growing), so
 * an output pixel is an exact weighted sum rounded once at the end: integer
 * factors give exact block means, and nothing depends on float rounding.
 * Rows stream through one accumulator row: vertical pass into it, then the
 * horizontal pass out of it, O(pixels) with no intermediate image.
 */
#include "error.h"

#include <stdlib.h>
#include <string.h>

/* Keeps every sum within 64 bits: 255 * (2 * 2^20)^2 < 2^50. */
#define MAX_SIDE (1 << 20)

/* Output index i reads taps count[i] source indices from first[i] on, with
 * weights weight[i * taps ...]; each output's weights sum to denom. */
struct axis {
    int taps;
    uint32_t denom;
    int *first;
    int *count;
    uint32_t *weight;
};

static void axis_free(struct axis *a)
{
    free(a->first);
    free(a->count);
    free(a->weight);
}

/* Area average: output i covers source [i*in/out, (i+1)*in/out), which in
 * units of 1/out source pixels is [i*in, (i+1)*in). */
static void area_weights(struct axis *a, int in, int out)
{
    for (int i = 0; i < out; i++) {
        uint64_t lo = (uint64_t)i * (uint64_t)in, hi = lo + (uint64_t)in;
        int j0 = (int)(lo / (uint64_t)out), j1 = (int)((hi - 1) / (uint64_t)out);
        a->first[i] = j0;
        a->count[i] = j1 - j0 + 1;
        for (int j = j0; j <= j1; j++) {
            uint64_t start = (uint64_t)j * (uint64_t)out, end = start + (uint64_t)out;
            uint64_t overlap = (end < hi ? end : hi) - (start > lo ? start : lo);
            a->weight[(size_t)i * (size_t)a->taps + (size_t)(j - j0)] = (uint32_t)overlap;
        }
    }
}

/* Bilinear: output i's centre (i + 0.5) * in / out - 0.5 in source pixels is
 * ((2i + 1) * in - out) / (2 * out), clamped to the first and last pixel. */
static void bilinear_weights(struct axis *a, int in, int out)
{
    int64_t scale = 2 * (int64_t)out, last = (int64_t)(in - 1) * scale;
    for (int i = 0; i < out; i++) {
        int64_t pos = (2 * (int64_t)i + 1) * in - out;
        pos = pos < 0 ? 0 : pos > last ? last : pos;
        int64_t frac = pos % scale;
        uint32_t *w = a->weight + (size_t)i * 2;
        a->first[i] = (int)(pos / scale);
        a->count[i] = frac ? 2 : 1;
        w[0] = (uint32_t)(scale - frac);
        w[1] = (uint32_t)frac;
    }
}

static int axis_init(struct axis *a, int in, int out)
{
    if (out < in) {
        a->taps = (in + out - 1) / out + 1;
        a->denom = (uint32_t)in;
    } else if (out > in) {
        a->taps = 2;
        a->denom = 2 * (uint32_t)out;
    } else {
        a->taps = 1;
        a->denom = 1;
    }
    a->first = malloc((size_t)out * sizeof *a->first);
    a->count = malloc((size_t)out * sizeof *a->count);
    a->weight = malloc((size_t)out * (size_t)a->taps * sizeof *a->weight);
    if (!a->first || !a->count || !a->weight)
        return -1;
    if (out < in) {
        area_weights(a, in, out);
    } else if (out > in) {
        bilinear_weights(a, in, out);
    } else {
        for (int i = 0; i < out; i++) {
            a->first[i] = i;
            a->count[i] = 1;
            a->weight[i] = 1;
        }
    }
    return 0;
}

/* acc = weighted sum over the source rows of output row y. */
static void vertical(const vgl_image *src, const struct axis *ay, int y, uint32_t *acc)
{
    size_t stride = (size_t)src->width * 3;
    const uint32_t *w = ay->weight + (size_t)y * (size_t)ay->taps;
    memset(acc, 0, stride * sizeof *acc);
    for (int k = 0; k < ay->count[y]; k++) {
        const uint8_t *row = src->pixels + (size_t)(ay->first[y] + k) * stride;
        uint32_t wk = w[k];
        for (size_t i = 0; i < stride; i++)
            acc[i] += wk * row[i];
    }
}

/* Output row = horizontal weighted sums of acc, divided by denom, rounded. */
static void horizontal(const uint32_t *acc, const struct axis *ax, uint64_t denom, uint8_t *row,
                       int width)
{
    for (int x = 0; x < width; x++) {
        const uint32_t *w = ax->weight + (size_t)x * (size_t)ax->taps;
        const uint32_t *p = acc + (size_t)ax->first[x] * 3;
        uint64_t r = denom / 2, g = denom / 2, b = denom / 2;
        for (int k = 0; k < ax->count[x]; k++, p += 3) {
            r += (uint64_t)w[k] * p[0];
            g += (uint64_t)w[k] * p[1];
            b += (uint64_t)w[k] * p[2];
        }
        row[x * 3 + 0] = (uint8_t)(r / denom);
        row[x * 3 + 1] = (uint8_t)(g / denom);
        row[x * 3 + 2] = (uint8_t)(b / denom);
    }
}

vgl_status vgl_image_resize(const vgl_image *src, int width, int height, vgl_image *dst,
                            vgl_error *err)
{
    if (!dst || dst == src)
        return vgl_error_set(err, VGL_EINVAL, "vgl_image_resize: dst must be a separate image");
    memset(dst, 0, sizeof *dst);
    if (!src || !src->pixels || src->width <= 0 || src->height <= 0)
        return vgl_error_set(err, VGL_EINVAL, "vgl_image_resize: no image to resize");
    if (width <= 0 || height <= 0)
        return vgl_error_set(err, VGL_EINVAL, "cannot resize to %dx%d pixels", width, height);
    if (width > MAX_SIDE || height > MAX_SIDE || src->width > MAX_SIDE || src->height > MAX_SIDE)
        return vgl_error_set(err, VGL_ELIMIT,
                             "cannot resize %dx%d to %dx%d pixels; sides must be at most %d",
                             src->width, src->height, width, height, MAX_SIDE);

    struct axis ax = {0}, ay = {0};
    uint32_t *acc = malloc((size_t)src->width * 3 * sizeof *acc);
    vgl_status status = VGL_ENOMEM;
    if (acc && axis_init(&ax, src->width, width) == 0 && axis_init(&ay, src->height, height) == 0)
        status = vgl_image_alloc(width, height, dst, err);
    else
        vgl_error_set(err, status, "out of memory resizing %dx%d to %dx%d pixels", src->width,
                      src->height, width, height);
    if (status == VGL_OK) {
        uint64_t denom = (uint64_t)ax.denom * ay.denom;
        for (int y = 0; y < height; y++) {
            vertical(src, &ay, y, acc);
            horizontal(acc, &ax, denom, dst->pixels + (size_t)y * (size_t)width * 3, width);
        }
    }
    axis_free(&ax);
    axis_free(&ay);
    free(acc);
    return status;
}

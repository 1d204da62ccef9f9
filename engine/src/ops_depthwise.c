/*
 * ops_depthwise.c - depthwise convolution (one filter per channel).
 *
 * NHWC puts a pixel's channels side by side, so the kernel works on blocks
 * of 8 channels held in a vector register: each output block starts as the
 * bias, takes every kernel tap's input times weight, and is written once.
 * GCC's vector extensions keep this portable (VGL_HOT builds an AVX2 copy).
 * 3x3 kernels, MobileNet's only kind, go channel block by channel block
 * instead, the nine weights held in registers along the whole row.
 */
#include "ops.h"
#include "simd.h"

typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
/* The same, at any float's address, for loads and stores. */
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));

#define LOAD8(p) (*(const v8u *)(p))

/* acc after the node's activation; comparisons give all-ones lanes where
 * true, so selections are masks (a macro: vectors cannot cross calls in
 * the baseline build). */
#define ACTIVATED(acc, activation)                                                             \
    do {                                                                                       \
        const v8 six_ = {6, 6, 6, 6, 6, 6, 6, 6};                                              \
        if ((activation) != VGL_ACT_NONE)                                                      \
            (acc) = (v8)((v8i)(acc) & ((acc) > 0.0f));                                         \
        if ((activation) == VGL_ACT_RELU6) {                                                   \
            v8i below_ = (acc) < six_;                                                         \
            (acc) = (v8)(((v8i)(acc) & below_) | ((v8i)six_ & ~below_));                       \
        }                                                                                      \
    } while (0)

VGL_HOT static void depthwise_row(const vgl_node *node, const float *image, vgl_shape in_shape,
                                  float *dst, int oy, int out_w, int pad_h, int pad_w)
{
    const int c = in_shape.c, kw = node->kernel_w;
    const int c8 = c & ~7;
    for (int ox = 0; ox < out_w; ox++) {
        float *out = dst + (size_t)ox * c;
        int x0 = ox * node->stride_w - pad_w;
        for (int ch = 0; ch < c8; ch += 8) {
            v8 acc = LOAD8(node->bias + ch);
            for (int ky = 0; ky < node->kernel_h; ky++) {
                int iy = oy * node->stride_h - pad_h + ky;
                if (iy < 0 || iy >= in_shape.h)
                    continue;
                const float *in_row = image + (size_t)iy * in_shape.w * c;
                const float *w_row = node->weight + (size_t)ky * kw * c;
                for (int kx = 0; kx < kw; kx++) {
                    int ix = x0 + kx;
                    if (ix >= 0 && ix < in_shape.w)
                        acc += LOAD8(in_row + (size_t)ix * c + ch) * LOAD8(w_row + (size_t)kx * c + ch);
                }
            }
            ACTIVATED(acc, node->activation);
            *(v8u *)(out + ch) = acc;
        }
        for (int ch = c8; ch < c; ch++) {
            float acc = node->bias[ch];
            for (int ky = 0; ky < node->kernel_h; ky++) {
                int iy = oy * node->stride_h - pad_h + ky;
                for (int kx = 0; kx < kw && iy >= 0 && iy < in_shape.h; kx++) {
                    int ix = x0 + kx;
                    if (ix >= 0 && ix < in_shape.w)
                        acc += image[((size_t)iy * in_shape.w + ix) * c + ch] *
                               node->weight[((size_t)ky * kw + kx) * c + ch];
                }
            }
            if (node->activation != VGL_ACT_NONE)
                acc = acc > 0.0f ? acc : 0.0f;
            if (node->activation == VGL_ACT_RELU6)
                acc = acc < 6.0f ? acc : 6.0f;
            out[ch] = acc;
        }
    }
}

/* A 3x3 output row.  A kernel row above or below the image reads a row
 * inside it with weights of zero: adding 0 * x changes no sum, so the
 * results are those of depthwise_row, tap for tap. */
VGL_HOT static void depthwise3x3_row(const vgl_node *node, const float *image, vgl_shape in_shape,
                                     float *dst, int oy, int out_w, int pad_h, int pad_w)
{
    const int c = in_shape.c, c8 = c & ~7, sx = node->stride_w;
    const float *rows[3];
    int inside[3];
    for (int ky = 0; ky < 3; ky++) {
        int iy = oy * node->stride_h - pad_h + ky;
        inside[ky] = iy >= 0 && iy < in_shape.h;
        rows[ky] = image + (size_t)(inside[ky] ? iy : oy * node->stride_h - pad_h + 1) *
                               in_shape.w * c;
    }
    /* output pixels whose three columns all lie inside the image */
    int first = (pad_w + sx - 1) / sx, last = (in_shape.w - 3 + pad_w) / sx;
    for (int ch = 0; ch < c8; ch += 8) {
        v8 w[9];
        for (int k = 0; k < 9; k++) {
            w[k] = (v8){0};
            if (inside[k / 3])
                w[k] = LOAD8(node->weight + (size_t)k * c + ch);
        }
        const v8 bias = LOAD8(node->bias + ch);
        for (int ox = 0; ox < out_w; ox++) {
            int x0 = ox * sx - pad_w;
            v8 acc = bias;
            if (ox >= first && ox <= last) {
                for (int ky = 0; ky < 3; ky++) {
                    const float *p = rows[ky] + (size_t)x0 * c + ch;
                    acc += LOAD8(p) * w[ky * 3];
                    acc += LOAD8(p + c) * w[ky * 3 + 1];
                    acc += LOAD8(p + 2 * c) * w[ky * 3 + 2];
                }
            } else { /* taps checked against the image's sides */
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++)
                        if (x0 + kx >= 0 && x0 + kx < in_shape.w)
                            acc += LOAD8(rows[ky] + (size_t)(x0 + kx) * c + ch) * w[ky * 3 + kx];
            }
            ACTIVATED(acc, node->activation);
            *(v8u *)(dst + (size_t)ox * c + ch) = acc;
        }
    }
}

void vgl_op_depthwise(const vgl_node *node, const float *in, vgl_shape in_shape, float *out,
                      vgl_shape out_shape, int pad_h, int pad_w, int threads)
{
    size_t in_image = (size_t)in_shape.h * (size_t)in_shape.w * (size_t)in_shape.c;
    size_t out_row = (size_t)out_shape.w * (size_t)out_shape.c;
    int rows = out_shape.n * out_shape.h;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int row = 0; row < rows; row++) {
        int image = row / out_shape.h;
        const float *src = in + in_image * (size_t)image;
        float *dst = out + out_row * (size_t)row;
        if (node->kernel_h == 3 && node->kernel_w == 3 && in_shape.c % 8 == 0 && in_shape.h > 1)
            depthwise3x3_row(node, src, in_shape, dst, row % out_shape.h, out_shape.w, pad_h,
                             pad_w);
        else
            depthwise_row(node, src, in_shape, dst, row % out_shape.h, out_shape.w, pad_h, pad_w);
    }
}

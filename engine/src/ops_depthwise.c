/*
 * ops_depthwise.c - depthwise convolution (one filter per channel).
 *
 * NHWC puts a pixel's channels side by side, so the kernel works on blocks
 * of 8 channels held in a vector register: each output block starts as the
 * bias, takes every kernel tap's input times weight, and is written once.
 * GCC's vector extensions keep this portable (VGL_HOT builds an AVX2 copy).
 */
#include "ops.h"
#include "simd.h"

typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
/* The same, at any float's address, for loads and stores. */
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));

#define LOAD8(p) (*(const v8u *)(p))

VGL_HOT static void depthwise_row(const vgl_node *node, const float *image, vgl_shape in_shape,
                                  float *dst, int oy, int out_w, int pad_h, int pad_w)
{
    const int c = in_shape.c, kw = node->kernel_w;
    const int c8 = c & ~7;
    const v8 six = {6, 6, 6, 6, 6, 6, 6, 6};
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
            /* comparisons give all-ones lanes where true: select with masks */
            if (node->activation != VGL_ACT_NONE)
                acc = (v8)((v8i)acc & (acc > 0.0f));
            if (node->activation == VGL_ACT_RELU6) {
                v8i below = acc < six;
                acc = (v8)(((v8i)acc & below) | ((v8i)six & ~below));
            }
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

void vgl_op_depthwise(const vgl_node *node, const float *in, vgl_shape in_shape, float *out,
                      vgl_shape out_shape, int pad_h, int pad_w, int threads)
{
    size_t in_image = (size_t)in_shape.h * (size_t)in_shape.w * (size_t)in_shape.c;
    size_t out_row = (size_t)out_shape.w * (size_t)out_shape.c;
    int rows = out_shape.n * out_shape.h;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int row = 0; row < rows; row++) {
        int image = row / out_shape.h;
        depthwise_row(node, in + in_image * (size_t)image, in_shape, out + out_row * (size_t)row,
                      row % out_shape.h, out_shape.w, pad_h, pad_w);
    }
}

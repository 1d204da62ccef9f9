/*
 * ops_depthwise.c - depthwise convolution (one filter per channel).
 *
 * Memory-bound rather than compute-bound, so it works on whole output rows:
 * the row starts as the bias, then every kernel tap adds one input row times
 * one weight vector, channels innermost so the loop runs on contiguous,
 * vectorisable memory.  Built for AVX2+FMA and for the baseline, picked at
 * load time.
 */
#include "ops.h"

#define HOT __attribute__((target_clones("arch=haswell", "default")))

HOT static void depthwise_row(const vgl_node *node, const float *image, vgl_shape in_shape,
                              float *dst, int oy, int out_w, int pad_h, int pad_w)
{
    int c = in_shape.c;
    for (int ox = 0; ox < out_w; ox++)
        for (int ch = 0; ch < c; ch++)
            dst[(size_t)ox * c + ch] = node->bias[ch];
    for (int ky = 0; ky < node->kernel_h; ky++) {
        int iy = oy * node->stride_h - pad_h + ky;
        if (iy < 0 || iy >= in_shape.h)
            continue;
        const float *in_row = image + (size_t)iy * (size_t)in_shape.w * (size_t)c;
        for (int kx = 0; kx < node->kernel_w; kx++) {
            const float *w = node->weight + ((size_t)ky * node->kernel_w + kx) * (size_t)c;
            for (int ox = 0; ox < out_w; ox++) {
                int ix = ox * node->stride_w - pad_w + kx;
                if (ix < 0 || ix >= in_shape.w)
                    continue;
                const float *restrict src = in_row + (size_t)ix * c;
                float *restrict out = dst + (size_t)ox * c;
                for (int ch = 0; ch < c; ch++)
                    out[ch] += src[ch] * w[ch];
            }
        }
    }
    size_t count = (size_t)out_w * (size_t)c;
    if (node->activation == VGL_ACT_RELU6) {
        for (size_t i = 0; i < count; i++)
            dst[i] = dst[i] < 0.0f ? 0.0f : dst[i] > 6.0f ? 6.0f : dst[i];
    } else if (node->activation == VGL_ACT_RELU) {
        for (size_t i = 0; i < count; i++)
            dst[i] = dst[i] < 0.0f ? 0.0f : dst[i];
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

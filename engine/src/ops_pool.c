/*
 * ops_pool.c - max and average pooling, TF semantics: padding never wins a
 * max and is excluded from an average's count.
 */
#include "ops.h"
#include "simd.h"

#include <float.h>

VGL_HOT static void pool_row(const vgl_node *node, const float *image, vgl_shape in_shape, float *dst,
                     int oy, int out_w, int pad_h, int pad_w)
{
    int c = in_shape.c;
    int is_max = node->op == VGL_OP_MAX_POOL;
    int y0 = oy * node->stride_h - pad_h;
    int y1 = y0 + node->kernel_h;
    y0 = y0 < 0 ? 0 : y0;
    y1 = y1 > in_shape.h ? in_shape.h : y1;
    for (int ox = 0; ox < out_w; ox++) {
        int x0 = ox * node->stride_w - pad_w;
        int x1 = x0 + node->kernel_w;
        x0 = x0 < 0 ? 0 : x0;
        x1 = x1 > in_shape.w ? in_shape.w : x1;
        float *out = dst + (size_t)ox * c;
        for (int ch = 0; ch < c; ch++)
            out[ch] = is_max ? -FLT_MAX : 0.0f;
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++) {
                const float *src = image + ((size_t)y * in_shape.w + x) * c;
                if (is_max)
                    for (int ch = 0; ch < c; ch++)
                        out[ch] = src[ch] > out[ch] ? src[ch] : out[ch];
                else
                    for (int ch = 0; ch < c; ch++)
                        out[ch] += src[ch];
            }
        if (!is_max) {
            float inv = 1.0f / (float)((y1 - y0) * (x1 - x0));
            for (int ch = 0; ch < c; ch++)
                out[ch] *= inv;
        }
    }
}

void vgl_op_pool(const vgl_node *node, const float *in, vgl_shape in_shape, float *out,
                 vgl_shape out_shape, int pad_h, int pad_w, int threads)
{
    size_t in_image = (size_t)in_shape.h * (size_t)in_shape.w * (size_t)in_shape.c;
    size_t out_row = (size_t)out_shape.w * (size_t)out_shape.c;
    int rows = out_shape.n * out_shape.h;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int row = 0; row < rows; row++)
        pool_row(node, in + in_image * (size_t)(row / out_shape.h), in_shape,
                 out + out_row * (size_t)row, row % out_shape.h, out_shape.w, pad_h, pad_w);
}

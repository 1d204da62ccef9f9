/*
 * ops.h - the kernels the network runtime executes, NHWC float32.
 *
 * Each kernel runs one node over a whole batch with `threads` OpenMP
 * threads.  Shapes, output sizes and leading paddings come from the caller
 * (network.c), which has validated them; the kernels do no checking.
 */
#ifndef VGL_OPS_H
#define VGL_OPS_H

#include "graph.h"

#include <stddef.h>

/* A batch of feature maps: n images of h x w pixels, c channels each. */
typedef struct vgl_shape {
    int n, h, w, c;
} vgl_shape;

static inline size_t vgl_shape_size(vgl_shape s)
{
    return (size_t)s.n * (size_t)s.h * (size_t)s.w * (size_t)s.c;
}

/* Convolution (1x1 as one matrix product, others through im2col bands),
 * plus bias and activation.  pad_h/pad_w: zeros before the first row/column. */
vgl_status vgl_op_conv(const vgl_node *node, const float *in, vgl_shape in_shape, float *out,
                       vgl_shape out_shape, int pad_h, int pad_w, int threads, vgl_error *err);

void vgl_op_depthwise(const vgl_node *node, const float *in, vgl_shape in_shape, float *out,
                      vgl_shape out_shape, int pad_h, int pad_w, int threads);

void vgl_op_pool(const vgl_node *node, const float *in, vgl_shape in_shape, float *out,
                 vgl_shape out_shape, int pad_h, int pad_w, int threads);

void vgl_op_add(const float *const *ins, int n_ins, float *out, size_t count, int threads);

/* Copies each input's channels into its slice of the output's channels. */
void vgl_op_concat(const float *const *ins, const int *in_channels, int n_ins, float *out,
                   size_t pixels, int threads);

#endif

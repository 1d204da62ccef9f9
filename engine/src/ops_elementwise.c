/* ops_elementwise.c - residual addition and channel concatenation. */
#include "ops.h"
#include "simd.h"

#include <string.h>

VGL_HOT void vgl_op_add(const float *const *ins, int n_ins, float *out, size_t count, int threads)
{
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t i = 0; i < count; i++) {
        float sum = ins[0][i];
        for (int k = 1; k < n_ins; k++)
            sum += ins[k][i];
        out[i] = sum;
    }
}

void vgl_op_concat(const float *const *ins, const int *in_channels, int n_ins, float *out,
                   size_t pixels, int threads)
{
    int total = 0;
    for (int k = 0; k < n_ins; k++)
        total += in_channels[k];
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t p = 0; p < pixels; p++) {
        float *dst = out + p * (size_t)total;
        for (int k = 0; k < n_ins; k++) {
            memcpy(dst, ins[k] + p * (size_t)in_channels[k], (size_t)in_channels[k] * sizeof *dst);
            dst += in_channels[k];
        }
    }
}

/*
 * ops_conv.c - convolution as matrix products with OpenBLAS.
 *
 * NHWC makes a 1x1 convolution with stride 1 a single product
 * [pixels x cin] * [cin x cout] on the input as it lies in memory.  Other
 * kernels go through im2col in bands of output rows, each band small enough
 * to stay in cache, the bands shared out among threads; each thread calls
 * the serial OpenBLAS on its own rows, so BLAS never starts threads itself.
 */
#include "ops.h"

#include "blas_threads.h"
#include "error.h"
#include "simd.h"

#include <cblas.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of im2col matrix a band may use (per thread). */
#define BAND_BYTES (512 * 1024)

/* Rows start as the bias and the product is added to them (beta = 1): that
 * spares BLAS its own pass to clear the output and us a pass to add bias. */
static void fill_bias(float *data, size_t rows, int channels, const float *bias)
{
    for (size_t r = 0; r < rows; r++)
        memcpy(data + r * (size_t)channels, bias, (size_t)channels * sizeof *data);
}

/* One branch-free loop per activation, so each vectorises; the ternaries
 * map onto the processor's min/max (fminf/fmaxf would be calls). */
VGL_HOT static void activate(float *restrict data, size_t count, vgl_activation activation)
{
    if (activation == VGL_ACT_RELU6)
        for (size_t i = 0; i < count; i++) {
            float v = data[i] > 0.0f ? data[i] : 0.0f;
            data[i] = v < 6.0f ? v : 6.0f;
        }
    else if (activation == VGL_ACT_RELU)
        for (size_t i = 0; i < count; i++)
            data[i] = data[i] > 0.0f ? data[i] : 0.0f;
}

/* C = bias + A * B, then the activation, on `rows` rows of C. */
static void gemm_bias_activation(const vgl_node *node, size_t rows, int cout, int k,
                                 const float *a, float *c)
{
    fill_bias(c, rows, cout, node->bias);
    blas_on_calling_thread_only();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, cout, k, 1.0f, a, k,
                node->weight, cout, 1.0f, c, cout);
    activate(c, rows * (size_t)cout, node->activation);
}

static void conv_pointwise(const vgl_node *node, const float *in, vgl_shape in_shape, float *out,
                           int cout, int threads)
{
    size_t rows = (size_t)in_shape.n * (size_t)in_shape.h * (size_t)in_shape.w;
    int cin = in_shape.c;
    int parts = threads;
    if ((size_t)parts > rows / 16)
        parts = rows / 16 > 0 ? (int)(rows / 16) : 1;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int part = 0; part < parts; part++) {
        size_t begin = rows * (size_t)part / (size_t)parts;
        size_t end = rows * (size_t)(part + 1) / (size_t)parts;
        if (end == begin)
            continue;
        gemm_bias_activation(node, end - begin, cout, cin, in + begin * (size_t)cin,
                             out + begin * (size_t)cout);
    }
}

/* Fills the im2col rows of output rows [oy0, oy1) of one image. */
static void im2col_band(const vgl_node *node, const float *image, vgl_shape in_shape, int oy0,
                        int oy1, int out_w, int pad_h, int pad_w, float *cols)
{
    int cin = in_shape.c;
    size_t k = (size_t)node->kernel_h * (size_t)node->kernel_w * (size_t)cin;
    for (int oy = oy0; oy < oy1; oy++) {
        for (int ox = 0; ox < out_w; ox++) {
            float *dst = cols + ((size_t)(oy - oy0) * (size_t)out_w + (size_t)ox) * k;
            for (int ky = 0; ky < node->kernel_h; ky++) {
                int iy = oy * node->stride_h - pad_h + ky;
                for (int kx = 0; kx < node->kernel_w; kx++, dst += cin) {
                    int ix = ox * node->stride_w - pad_w + kx;
                    /* plain loops: a memcpy call costs more than the 3 floats of an RGB input */
                    if (iy < 0 || iy >= in_shape.h || ix < 0 || ix >= in_shape.w) {
                        for (int c = 0; c < cin; c++)
                            dst[c] = 0.0f;
                        continue;
                    }
                    const float *src =
                        image + ((size_t)iy * (size_t)in_shape.w + (size_t)ix) * (size_t)cin;
                    for (int c = 0; c < cin; c++)
                        dst[c] = src[c];
                }
            }
        }
    }
}

static vgl_status conv_im2col(const vgl_node *node, const float *in, vgl_shape in_shape,
                              float *out, vgl_shape out_shape, int pad_h, int pad_w, int threads,
                              vgl_error *err)
{
    size_t k = (size_t)node->kernel_h * (size_t)node->kernel_w * (size_t)in_shape.c;
    size_t row_bytes = (size_t)out_shape.w * k * sizeof(float);
    int band_rows = (int)(BAND_BYTES / row_bytes);
    if (band_rows < 1)
        band_rows = 1;
    if (band_rows > out_shape.h)
        band_rows = out_shape.h;
    int bands_per_image = (out_shape.h + band_rows - 1) / band_rows;
    int bands = bands_per_image * out_shape.n;
    size_t cols_floats = (size_t)band_rows * (size_t)out_shape.w * k;
    float *cols = malloc(cols_floats * sizeof(float) * (size_t)threads);
    if (!cols)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory in layer '%s'", node->name);
    size_t in_image = (size_t)in_shape.h * (size_t)in_shape.w * (size_t)in_shape.c;
    size_t out_image = (size_t)out_shape.h * (size_t)out_shape.w * (size_t)out_shape.c;
    int cout = out_shape.c;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int band = 0; band < bands; band++) {
        int image = band / bands_per_image;
        int oy0 = (band % bands_per_image) * band_rows;
        int oy1 = oy0 + band_rows < out_shape.h ? oy0 + band_rows : out_shape.h;
        float *my_cols = cols + cols_floats * (size_t)omp_get_thread_num();
        im2col_band(node, in + in_image * (size_t)image, in_shape, oy0, oy1, out_shape.w, pad_h,
                    pad_w, my_cols);
        int m = (oy1 - oy0) * out_shape.w;
        float *dst = out + out_image * (size_t)image + (size_t)oy0 * (size_t)out_shape.w * (size_t)cout;
        gemm_bias_activation(node, (size_t)m, cout, (int)k, my_cols, dst);
    }
    free(cols);
    return VGL_OK;
}

vgl_status vgl_op_conv(const vgl_node *node, const float *in, vgl_shape in_shape, float *out,
                       vgl_shape out_shape, int pad_h, int pad_w, int threads, vgl_error *err)
{
    int pointwise = node->kernel_h == 1 && node->kernel_w == 1 && node->stride_h == 1 &&
                    node->stride_w == 1 && pad_h == 0 && pad_w == 0 &&
                    out_shape.h == in_shape.h && out_shape.w == in_shape.w;
    if (pointwise) {
        conv_pointwise(node, in, in_shape, out, out_shape.c, threads);
        return VGL_OK;
    }
    return conv_im2col(node, in, in_shape, out, out_shape, pad_h, pad_w, threads, err);
}

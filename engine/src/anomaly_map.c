/* anomaly_map.c - smoothing and resizing of anomaly score grids. */
#include "anomaly_map.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RADIUS 16

static void blur_line(const float *in, float *out, int count, int stride, const float *kernel,
                      int radius)
{
    for (int i = 0; i < count; i++) {
        float s = 0;
        for (int k = -radius; k <= radius; k++) {
            int j = i + k < 0 ? 0 : i + k >= count ? count - 1 : i + k;
            s += kernel[k + radius] * in[(size_t)j * stride];
        }
        out[(size_t)i * stride] = s;
    }
}

int vgl_anomaly_map_smooth(float *grid, int height, int width, float sigma)
{
    if (sigma <= 0)
        return 0;
    int radius = (int)ceilf(3 * sigma);
    radius = radius > MAX_RADIUS ? MAX_RADIUS : radius;
    float kernel[2 * MAX_RADIUS + 1], total = 0;
    for (int k = -radius; k <= radius; k++)
        total += kernel[k + radius] = expf(-(float)(k * k) / (2 * sigma * sigma));
    for (int k = 0; k <= 2 * radius; k++)
        kernel[k] /= total;
    float *tmp = malloc(sizeof(float) * (size_t)height * width);
    if (!tmp)
        return -1;
    for (int y = 0; y < height; y++)
        blur_line(grid + (size_t)y * width, tmp + (size_t)y * width, width, 1, kernel, radius);
    for (int x = 0; x < width; x++)
        blur_line(tmp + x, grid + x, height, width, kernel, radius);
    free(tmp);
    return 0;
}

static void position(int dst, int dst_size, int src_size, int *i0, int *i1, float *frac)
{
    float pos = ((float)dst + 0.5f) * (float)src_size / (float)dst_size - 0.5f;
    pos = pos < 0 ? 0 : pos;
    *i0 = (int)pos < src_size - 1 ? (int)pos : src_size - 1;
    *i1 = *i0 + 1 < src_size ? *i0 + 1 : src_size - 1;
    *frac = pos - (float)*i0;
    *frac = *frac > 1 ? 1 : *frac;
}

/* Separable: every grid row is first resized along x, then each output row
 * mixes two of those rows, a loop the compiler vectorises.  The sums are
 * those of the direct formula, operation for operation. */
int vgl_anomaly_map_upsample(const float *grid, int height, int width, float *out,
                             int out_height, int out_width)
{
    float *wide = malloc(sizeof(float) * (size_t)height * out_width);
    if (!wide)
        return -1;
    for (int x = 0; x < out_width; x++) {
        int a, b;
        float fx;
        position(x, out_width, width, &a, &b, &fx);
        for (int r = 0; r < height; r++) {
            const float *row = grid + (size_t)r * width;
            wide[(size_t)r * out_width + x] = row[a] + fx * (row[b] - row[a]);
        }
    }
    for (int y = 0; y < out_height; y++) {
        int y0, y1;
        float fy;
        position(y, out_height, height, &y0, &y1, &fy);
        const float *top = wide + (size_t)y0 * out_width, *bottom = wide + (size_t)y1 * out_width;
        float *dst = out + (size_t)y * out_width;
        for (int x = 0; x < out_width; x++)
            dst[x] = top[x] + fy * (bottom[x] - top[x]);
    }
    free(wide);
    return 0;
}

float vgl_anomaly_map_max(const float *grid, int count)
{
    float m = grid[0];
    for (int i = 1; i < count; i++)
        m = grid[i] > m ? grid[i] : m;
    return m;
}

/*
 * test_anomaly_map.c - smoothing and resizing of score grids: Gaussian
 * smoothing keeps a constant grid constant (also when the kernel is wider
 * than the grid), spreads an impulse away from the borders into the
 * separable normalised Gaussian (sum 1, symmetric, values by formula), clamps
 * at the borders (a corner by hand), and does nothing for sigma <= 0;
 * bilinear upsampling keeps constants, puts a 2x2 grid's corner values at
 * the image corners with the interpolated values between (4x4 by hand, and
 * other sizes by formula), handles 1xN and Nx1 grids and 1x1 outputs; the
 * maximum of a grid.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "anomaly_map.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void assert_near(double actual, double expected, double tolerance, const char *what, int i)
{
    if (!(fabs(actual - expected) <= tolerance))
        fail_msg("%s [%d]: got %.9g, expected %.9g (tolerance %g)", what, i, actual, expected,
                 tolerance);
}

/* ------------------------------------------------------ smoothing */

static void check_constant_stays(int h, int w, float sigma)
{
    float *grid = malloc(sizeof(float) * (size_t)h * w);
    assert_non_null(grid);
    for (int i = 0; i < h * w; i++)
        grid[i] = 3.25f;
    assert_int_equal(vgl_anomaly_map_smooth(grid, h, w, sigma), 0);
    for (int i = 0; i < h * w; i++)
        assert_near(grid[i], 3.25, 1e-5, "constant", i);
    free(grid);
}

static void test_smooth_keeps_constant(void **state)
{
    (void)state;
    check_constant_stays(7, 9, 1.0f);
    check_constant_stays(1, 12, 2.0f);
    check_constant_stays(12, 1, 2.0f);
    check_constant_stays(5, 4, 10.0f); /* radius capped, wider than the grid */
    check_constant_stays(1, 1, 3.0f);
}

/* The normalised, truncated 1-d kernel the smoothing uses: radius ceil(3 sigma) (at most 16). */
static double kernel_value(int k, double sigma)
{
    int radius = (int)ceil(3 * sigma);
    radius = radius > 16 ? 16 : radius;
    if (abs(k) > radius)
        return 0;
    double total = 0;
    for (int j = -radius; j <= radius; j++)
        total += exp(-(double)(j * j) / (2 * sigma * sigma));
    return exp(-(double)(k * k) / (2 * sigma * sigma)) / total;
}

static void check_impulse(int size, float sigma)
{
    int c = size / 2;
    float *grid = calloc((size_t)size * size, sizeof(float));
    assert_non_null(grid);
    grid[c * size + c] = 1;
    assert_int_equal(vgl_anomaly_map_smooth(grid, size, size, sigma), 0);
    double sum = 0;
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            float v = grid[y * size + x];
            sum += v;
            /* separable: the product of the two 1-d kernels */
            double want = kernel_value(y - c, sigma) * kernel_value(x - c, sigma);
            assert_near(v, want, 1e-6, "impulse", y * size + x);
            /* symmetric under reflection of either axis and under transposition */
            assert_true(v == grid[(2 * c - y) * size + x]);
            assert_true(v == grid[y * size + (2 * c - x)]);
            assert_near(v, grid[x * size + y], 1e-7, "transposed", y * size + x);
        }
    assert_near(sum, 1.0, 1e-5, "impulse sum", 0);
    /* the peak stays at the impulse and falls off along an axis */
    for (int d = 1; d <= 3; d++)
        assert_true(grid[c * size + c + d] < grid[c * size + c + d - 1]);
    free(grid);
}

static void test_smooth_impulse(void **state)
{
    (void)state;
    check_impulse(21, 1.0f);
    check_impulse(33, 1.5f);
    check_impulse(41, 8.0f); /* radius capped at 16, still inside the grid */
}

/*
 * A 1x3 row [0, 0, 1] with sigma 0.5: radius 2, weights w(k) = exp(-2 k^2) / Z
 * with Z = 1 + 2e^-2 + 2e^-8.  Clamped borders: the right end sees
 * in[2] for k = 0, 1, 2 and in[1], in[0] = 0 for k = -1, -2, so
 * out[2] = (1 + e^-2 + e^-8) / Z;  out[1] = (e^-2 + e^-8) / Z (k = 1, 2 clamp
 * to 2);  out[0] = e^-8 / Z.  The column pass on one row changes nothing.
 */
static void test_smooth_clamps_borders_by_hand(void **state)
{
    (void)state;
    float row[3] = {0, 0, 1};
    assert_int_equal(vgl_anomaly_map_smooth(row, 1, 3, 0.5f), 0);
    double e2 = exp(-2.0), e8 = exp(-8.0), z = 1 + 2 * e2 + 2 * e8;
    assert_near(row[0], e8 / z, 1e-6, "border", 0);
    assert_near(row[1], (e2 + e8) / z, 1e-6, "border", 1);
    assert_near(row[2], (1 + e2 + e8) / z, 1e-6, "border", 2);
}

static void test_smooth_nonpositive_sigma_does_nothing(void **state)
{
    (void)state;
    float grid[12], copy[12];
    for (int i = 0; i < 12; i++)
        grid[i] = copy[i] = (float)((i * 7) % 5) - 1.5f;
    assert_int_equal(vgl_anomaly_map_smooth(grid, 3, 4, 0.0f), 0);
    assert_memory_equal(grid, copy, sizeof grid);
    assert_int_equal(vgl_anomaly_map_smooth(grid, 3, 4, -2.0f), 0);
    assert_memory_equal(grid, copy, sizeof grid);
}

/* ------------------------------------------------------ upsampling */

/* Reference: pixel centres aligned, positions clamped to the grid. */
static double source_position(int dst, int dst_size, int src_size)
{
    double pos = (dst + 0.5) * src_size / dst_size - 0.5;
    return pos < 0 ? 0 : pos > src_size - 1 ? src_size - 1 : pos;
}

static double bilinear(const float *grid, int h, int w, double py, double px)
{
    int y0 = (int)py, x0 = (int)px;
    int y1 = y0 + 1 < h ? y0 + 1 : h - 1, x1 = x0 + 1 < w ? x0 + 1 : w - 1;
    double fy = py - y0, fx = px - x0;
    double top = grid[y0 * w + x0] * (1 - fx) + grid[y0 * w + x1] * fx;
    double bottom = grid[y1 * w + x0] * (1 - fx) + grid[y1 * w + x1] * fx;
    return top * (1 - fy) + bottom * fy;
}

static float *upsample_ok(const float *grid, int h, int w, int oh, int ow)
{
    float *out = malloc(sizeof(float) * (size_t)oh * ow);
    assert_non_null(out);
    assert_int_equal(vgl_anomaly_map_upsample(grid, h, w, out, oh, ow), 0);
    return out;
}

static void check_against_formula(const float *grid, int h, int w, int oh, int ow)
{
    float *out = upsample_ok(grid, h, w, oh, ow);
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            double py = source_position(y, oh, h), px = source_position(x, ow, w);
            double want = bilinear(grid, h, w, py, px);
            assert_near(out[y * ow + x], want, 1e-5, "bilinear", y * ow + x);
        }
    free(out);
}

static void test_upsample_constant(void **state)
{
    (void)state;
    float grid[15];
    for (int i = 0; i < 15; i++)
        grid[i] = -0.75f;
    float *out = upsample_ok(grid, 3, 5, 17, 11);
    for (int i = 0; i < 17 * 11; i++)
        assert_near(out[i], -0.75, 1e-6, "constant", i);
    free(out);
}

/*
 * [[0, 1], [2, 3]] onto 4x4: source positions (d + 0.5) / 2 - 0.5 =
 * -0.25 -> 0, 0.25, 0.75, 1.25 -> 1 (clamped) along each axis, so
 * out[y][x] = fx + 2 fy with f = 0, 0.25, 0.75, 1.
 */
static void test_upsample_2x2_by_hand(void **state)
{
    (void)state;
    const float grid[4] = {0, 1, 2, 3};
    const float want[16] = {
        0.0f, 0.25f, 0.75f, 1.0f,
        0.5f, 0.75f, 1.25f, 1.5f,
        1.5f, 1.75f, 2.25f, 2.5f,
        2.0f, 2.25f, 2.75f, 3.0f,
    };
    float *out = upsample_ok(grid, 2, 2, 4, 4);
    for (int i = 0; i < 16; i++)
        assert_near(out[i], want[i], 1e-6, "2x2 -> 4x4", i);
    free(out);
}

static void test_upsample_2x2_corners_and_between(void **state)
{
    (void)state;
    const float grid[4] = {1, -2, 5, 0.5f};
    const int sizes[][2] = {{8, 6}, {3, 9}, {64, 48}, {2, 2}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int oh = sizes[s][0], ow = sizes[s][1];
        float *out = upsample_ok(grid, 2, 2, oh, ow);
        /* the grid's corners at the image's corners */
        assert_near(out[0], 1, 1e-6, "top left", (int)s);
        assert_near(out[ow - 1], -2, 1e-6, "top right", (int)s);
        assert_near(out[(oh - 1) * ow], 5, 1e-6, "bottom left", (int)s);
        assert_near(out[oh * ow - 1], 0.5, 1e-6, "bottom right", (int)s);
        /* every value between the grid's extremes */
        for (int i = 0; i < oh * ow; i++)
            assert_true(out[i] >= -2 - 1e-6 && out[i] <= 5 + 1e-6);
        free(out);
        check_against_formula(grid, 2, 2, oh, ow);
    }
}

/*
 * A 1x4 row [0, 4, 8, 12] onto 3x8: positions d / 2 - 0.25 give
 * 0 (clamped), 0.25, 0.75, ..., 3.25 -> 3 (clamped): values
 * 0, 1, 3, 5, 7, 9, 11, 12 on every row.
 */
static void test_upsample_1xn_by_hand(void **state)
{
    (void)state;
    const float grid[4] = {0, 4, 8, 12};
    const float want[8] = {0, 1, 3, 5, 7, 9, 11, 12};
    float *out = upsample_ok(grid, 1, 4, 3, 8);
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 8; x++)
            assert_near(out[y * 8 + x], want[x], 1e-5, "1x4 -> 3x8", y * 8 + x);
    free(out);
    /* the same grid as a column */
    out = upsample_ok(grid, 4, 1, 8, 3);
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 3; x++)
            assert_near(out[y * 3 + x], want[y], 1e-5, "4x1 -> 8x3", y * 3 + x);
    free(out);
}

/* Onto a single pixel: the centre of the grid, between 4 and 8. */
static void test_upsample_to_one_pixel(void **state)
{
    (void)state;
    const float grid[4] = {0, 4, 8, 12};
    float *out = upsample_ok(grid, 1, 4, 1, 1);
    assert_near(out[0], 6, 1e-6, "1x4 -> 1x1", 0);
    free(out);
    const float one = 2.5f;
    out = upsample_ok(&one, 1, 1, 5, 3);
    for (int i = 0; i < 15; i++)
        assert_near(out[i], 2.5, 0, "1x1 -> 5x3", i);
    free(out);
}

static void test_upsample_random_grids(void **state)
{
    (void)state;
    float grid[7 * 5];
    for (int i = 0; i < 35; i++)
        grid[i] = (float)((i * 37) % 11) - 5;
    check_against_formula(grid, 7, 5, 56, 40);
    check_against_formula(grid, 7, 5, 23, 31);
    check_against_formula(grid, 7, 5, 7, 5); /* same size: the grid itself */
    check_against_formula(grid, 7, 5, 3, 2); /* smaller */
    float *same = upsample_ok(grid, 7, 5, 7, 5);
    for (int i = 0; i < 35; i++)
        assert_near(same[i], grid[i], 1e-6, "identity", i);
    free(same);
}

/* ------------------------------------------------------ max */

static void test_max(void **state)
{
    (void)state;
    const float negative[] = {-3, -1, -2};
    const float first[] = {9, 1, 2, 8};
    const float last[] = {0, 1, 2, 8.5f};
    assert_true(vgl_anomaly_map_max(negative, 3) == -1);
    assert_true(vgl_anomaly_map_max(first, 4) == 9);
    assert_true(vgl_anomaly_map_max(last, 4) == 8.5f);
    assert_true(vgl_anomaly_map_max(last, 1) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_smooth_keeps_constant),
        cmocka_unit_test(test_smooth_impulse),
        cmocka_unit_test(test_smooth_clamps_borders_by_hand),
        cmocka_unit_test(test_smooth_nonpositive_sigma_does_nothing),
        cmocka_unit_test(test_upsample_constant),
        cmocka_unit_test(test_upsample_2x2_by_hand),
        cmocka_unit_test(test_upsample_2x2_corners_and_between),
        cmocka_unit_test(test_upsample_1xn_by_hand),
        cmocka_unit_test(test_upsample_to_one_pixel),
        cmocka_unit_test(test_upsample_random_grids),
        cmocka_unit_test(test_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

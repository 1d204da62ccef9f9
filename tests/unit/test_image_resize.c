/* test_image_resize.c - vgl_image_resize: exact block means, bilinear
 * endpoints and monotonicity, mixed axes, identity, argument errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vigil.h"

static vgl_image make_image(int width, int height)
{
    vgl_image image;
    assert_int_equal(vgl_image_alloc(width, height, &image, NULL), VGL_OK);
    return image;
}

/* A deterministic pseudo-random image. */
static vgl_image noise_image(int width, int height, uint32_t seed)
{
    vgl_image image = make_image(width, height);
    for (size_t i = 0; i < (size_t)width * height * 3; i++) {
        seed = seed * 1664525u + 1013904223u;
        image.pixels[i] = (uint8_t)(seed >> 24);
    }
    return image;
}

static uint8_t px(const vgl_image *image, int x, int y, int c)
{
    return image->pixels[((size_t)y * image->width + x) * 3 + c];
}

static vgl_image resized(const vgl_image *src, int width, int height)
{
    vgl_image dst;
    vgl_error err;
    assert_int_equal(vgl_image_resize(src, width, height, &dst, &err), VGL_OK);
    assert_int_equal(dst.width, width);
    assert_int_equal(dst.height, height);
    return dst;
}

static void test_constant_stays_constant(void **state)
{
    (void)state;
    static const int sizes[][2] = {
        {10, 7}, {1, 1}, {64, 3}, {3, 64}, {37, 41}, {200, 150}, {17, 17}};
    vgl_image src = make_image(17, 17);
    for (size_t i = 0; i < (size_t)17 * 17; i++) {
        src.pixels[i * 3 + 0] = 200;
        src.pixels[i * 3 + 1] = 31;
        src.pixels[i * 3 + 2] = 255;
    }
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        vgl_image dst = resized(&src, sizes[s][0], sizes[s][1]);
        for (int y = 0; y < dst.height; y++)
            for (int x = 0; x < dst.width; x++) {
                assert_int_equal(px(&dst, x, y, 0), 200);
                assert_int_equal(px(&dst, x, y, 1), 31);
                assert_int_equal(px(&dst, x, y, 2), 255);
            }
        vgl_image_free(&dst);
    }
    vgl_image_free(&src);
}

/* Shrinking by k along both axes gives the k x k block means, rounded half up. */
static void check_block_means(int k)
{
    vgl_image src = noise_image(12 * k, 9 * k, (uint32_t)k);
    vgl_image dst = resized(&src, 12, 9);
    for (int y = 0; y < 9; y++)
        for (int x = 0; x < 12; x++)
            for (int c = 0; c < 3; c++) {
                int sum = 0;
                for (int dy = 0; dy < k; dy++)
                    for (int dx = 0; dx < k; dx++)
                        sum += px(&src, x * k + dx, y * k + dy, c);
                assert_int_equal(px(&dst, x, y, c), (sum + k * k / 2) / (k * k));
            }
    vgl_image_free(&src);
    vgl_image_free(&dst);
}

static void test_area_average_integer_factors(void **state)
{
    (void)state;
    for (int k = 2; k <= 8; k++)
        check_block_means(k);
}

/* 5 -> 3: output 0 covers source [0, 5/3): pixel 0 fully, pixel 1 for 2/3. */
static void test_area_average_fractional(void **state)
{
    (void)state;
    vgl_image src = make_image(5, 1);
    static const uint8_t values[5] = {0, 90, 30, 150, 255};
    for (int x = 0; x < 5; x++)
        memset(src.pixels + x * 3, values[x], 3);
    vgl_image dst = resized(&src, 3, 1);
    /* (3*0 + 2*90) / 5 = 36; (1*90 + 3*30 + 1*150) / 5 = 66; (2*150 + 3*255) / 5 = 213 */
    assert_int_equal(px(&dst, 0, 0, 0), 36);
    assert_int_equal(px(&dst, 1, 0, 1), 66);
    assert_int_equal(px(&dst, 2, 0, 2), 213);
    vgl_image_free(&src);
    vgl_image_free(&dst);
}

static void test_bilinear_two_pixel_gradient(void **state)
{
    (void)state;
    vgl_image src = make_image(2, 1);
    memset(src.pixels, 0, 3);
    memset(src.pixels + 3, 255, 3);
    for (int width = 3; width <= 50; width++) {
        vgl_image dst = resized(&src, width, 1);
        assert_int_equal(px(&dst, 0, 0, 0), 0);
        assert_int_equal(px(&dst, width - 1, 0, 0), 255);
        for (int x = 1; x < width; x++) {
            assert_true(px(&dst, x, 0, 0) >= px(&dst, x - 1, 0, 0));
            assert_int_equal(px(&dst, x, 0, 1), px(&dst, x, 0, 0));
        }
        vgl_image_free(&dst);
    }
    vgl_image_free(&src);
}

/* 2x: centres at -0.25, 0.25, 0.75, 1.25 source pixels; the outer two clamp. */
static void test_bilinear_exact_values(void **state)
{
    (void)state;
    vgl_image src = make_image(2, 2);
    static const uint8_t values[4] = {0, 100, 200, 40};
    for (int i = 0; i < 4; i++)
        memset(src.pixels + i * 3, values[i], 3);
    vgl_image dst = resized(&src, 4, 1);
    /* The single output row averages the two source rows: 100 and 70. */
    assert_int_equal(px(&dst, 0, 0, 0), 100);
    assert_int_equal(px(&dst, 1, 0, 0), 93); /* 0.75*100 + 0.25*70 = 92.5 */
    assert_int_equal(px(&dst, 2, 0, 0), 78); /* 0.25*100 + 0.75*70 = 77.5 */
    assert_int_equal(px(&dst, 3, 0, 0), 70);
    vgl_image_free(&dst);

    dst = resized(&src, 4, 4);
    assert_int_equal(px(&dst, 0, 0, 2), 0);
    assert_int_equal(px(&dst, 3, 0, 2), 100);
    assert_int_equal(px(&dst, 0, 3, 2), 200);
    assert_int_equal(px(&dst, 3, 3, 2), 40);
    assert_int_equal(px(&dst, 1, 0, 2), 25);
    assert_int_equal(px(&dst, 0, 1, 2), 50);
    vgl_image_free(&dst);
    vgl_image_free(&src);
}

/* Width shrinks by 2 while height grows by 2: each axis keeps its method. */
static void test_mixed_axes(void **state)
{
    (void)state;
    vgl_image src = noise_image(8, 3, 7);
    vgl_image dst = resized(&src, 4, 6);
    vgl_image narrow = resized(&src, 4, 3);
    vgl_image tall = resized(&narrow, 4, 6);
    for (int y = 0; y < 6; y++)
        for (int x = 0; x < 4; x++)
            for (int c = 0; c < 3; c++) {
                /* Exact value: mean of the pair on the rows the bilinear weights pick. */
                int sy = y == 0 ? 0 : y == 5 ? 2 : (y - 1) / 2;
                int w1 = y == 0 || y == 5 ? 0 : (y % 2 ? 1 : 3);
                int a = px(&src, 2 * x, sy, c) + px(&src, 2 * x + 1, sy, c);
                int b = w1 ? px(&src, 2 * x, sy + 1, c) + px(&src, 2 * x + 1, sy + 1, c) : 0;
                int want = (a * (4 - w1) + b * w1 + 4) / 8;
                assert_int_equal(px(&dst, x, y, c), want);
                /* Resizing the axes one after the other differs by rounding only. */
                assert_true(abs(px(&dst, x, y, c) - px(&tall, x, y, c)) <= 1);
            }
    vgl_image_free(&src);
    vgl_image_free(&dst);
    vgl_image_free(&narrow);
    vgl_image_free(&tall);
}

static void test_same_size_is_identity(void **state)
{
    (void)state;
    vgl_image src = noise_image(33, 20, 3);
    vgl_image dst = resized(&src, 33, 20);
    assert_memory_equal(dst.pixels, src.pixels, (size_t)33 * 20 * 3);
    vgl_image_free(&dst);
    /* One axis untouched: columns keep their exact values when only height shrinks by 2. */
    dst = resized(&src, 33, 10);
    for (int x = 0; x < 33; x++)
        assert_int_equal(px(&dst, x, 4, 1), (px(&src, x, 8, 1) + px(&src, x, 9, 1) + 1) / 2);
    vgl_image_free(&dst);
    vgl_image_free(&src);
}

/* Area averaging by integer factors keeps the mean of a real photo. */
static void test_real_image_mean(void **state)
{
    (void)state;
    vgl_image src;
    vgl_error err;
    assert_int_equal(vgl_image_read_file(VIGIL_DATASETS_DIR "/cookies/training-images/normal-1.jpg",
                                         NULL, &src, &err),
                     VGL_OK);
    vgl_image dst = resized(&src, src.width / 4, src.height / 3);
    for (int c = 0; c < 3; c++) {
        double a = 0, b = 0;
        for (size_t i = 0; i < (size_t)src.width * src.height; i++)
            a += src.pixels[i * 3 + c];
        for (size_t i = 0; i < (size_t)dst.width * dst.height; i++)
            b += dst.pixels[i * 3 + c];
        a /= (double)src.width * src.height;
        b /= (double)dst.width * dst.height;
        assert_true(a - b < 0.5 && b - a < 0.5);
    }
    vgl_image_free(&dst);
    vgl_image_free(&src);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    vgl_image src = noise_image(4, 4, 1), dst;
    vgl_error err;
    assert_int_equal(vgl_image_resize(&src, 0, 4, &dst, &err), VGL_EINVAL);
    assert_null(dst.pixels);
    assert_int_equal(dst.width, 0);
    assert_int_equal(vgl_image_resize(&src, 4, -1, &dst, &err), VGL_EINVAL);
    assert_int_equal(vgl_image_resize(NULL, 4, 4, &dst, &err), VGL_EINVAL);
    assert_int_equal(vgl_image_resize(&src, 4, 4, NULL, &err), VGL_EINVAL);
    assert_int_equal(vgl_image_resize(&src, 4, 4, &src, &err), VGL_EINVAL);
    assert_non_null(src.pixels);
    assert_int_equal(vgl_image_resize(&src, 1 << 21, 4, &dst, &err), VGL_ELIMIT);
    assert_non_null(strstr(err.message, "2097152x4"));
    vgl_image empty = {0};
    assert_int_equal(vgl_image_resize(&empty, 4, 4, &dst, &err), VGL_EINVAL);
    vgl_image_free(&src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_stays_constant),
        cmocka_unit_test(test_area_average_integer_factors),
        cmocka_unit_test(test_area_average_fractional),
        cmocka_unit_test(test_bilinear_two_pixel_gradient),
        cmocka_unit_test(test_bilinear_exact_values),
        cmocka_unit_test(test_mixed_axes),
        cmocka_unit_test(test_same_size_is_identity),
        cmocka_unit_test(test_real_image_mean),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

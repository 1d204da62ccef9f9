/* test_image_png.c - PNG decoding of every colour type and bit depth (from
 * hand-built files), interlacing, tRNS, hostile and truncated files, the
 * real dataset masks, and the RGB and palette encoders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "vigil.h"

#define REAL_MASK VIGIL_DATASETS_DIR "/cookies/mask-images/anomaly-1.png"

/* Small hand-built fixtures need sides under Vigil's minimum of 64. */
static const vgl_image_limits any_size = {1, 4096, VGL_IMAGE_MAX_BYTES};

/* ------------------------------------------------------ building PNG files */

struct buffer {
    uint8_t *data;
    size_t size;
};

/* Buffers hold a power of two bytes, so appending a byte at a time is cheap. */
static size_t capacity(size_t size)
{
    size_t cap = 64;
    while (cap < size)
        cap *= 2;
    return cap;
}

static void append(struct buffer *b, const void *data, size_t size)
{
    if (!b->data || capacity(b->size + size) != capacity(b->size))
        b->data = realloc(b->data, capacity(b->size + size));
    if (size)
        memcpy(b->data + b->size, data, size);
    b->size += size;
}

static void append32(struct buffer *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    append(b, p, 4);
}

static void add_chunk(struct buffer *png, const char *type, const void *data, size_t size)
{
    append32(png, (uint32_t)size);
    size_t start = png->size;
    append(png, type, 4);
    append(png, data, size);
    append32(png, (uint32_t)crc32(0, png->data + start, (uInt)(size + 4)));
}

static struct buffer png_start(uint32_t width, uint32_t height, int depth, int color_type,
                               int interlace)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    struct buffer png = {0};
    append(&png, sig, 8);
    uint8_t ihdr[13] = {(uint8_t)(width >> 24),  (uint8_t)(width >> 16),  (uint8_t)(width >> 8),
                        (uint8_t)width,          (uint8_t)(height >> 24), (uint8_t)(height >> 16),
                        (uint8_t)(height >> 8),  (uint8_t)height,         (uint8_t)depth,
                        (uint8_t)color_type,     0,                       0,
                        (uint8_t)interlace};
    add_chunk(&png, "IHDR", ihdr, sizeof ihdr);
    return png;
}

static struct buffer deflate_all(const struct buffer *raw)
{
    uLongf size = compressBound((uLong)raw->size);
    struct buffer z = {malloc(size), 0};
    assert_int_equal(compress2(z.data, &size, raw->data, (uLong)raw->size, 9), Z_OK);
    z.size = size;
    return z;
}

/* An image to write: channels samples a pixel, each < 2^depth. */
struct samples {
    int width, height, channels, depth;
    const uint16_t *values;
};

/* Appends one filter-0 scanline of the pixels x0, x0+dx, ... of row y. */
static void append_row(struct buffer *raw, const struct samples *s, int y, int x0, int dx)
{
    uint8_t filter = 0, acc = 0;
    int bits = 0;
    append(raw, &filter, 1);
    for (int x = x0; x < s->width; x += dx)
        for (int c = 0; c < s->channels; c++) {
            uint16_t v = s->values[((size_t)y * s->width + x) * s->channels + c];
            if (s->depth == 16) {
                uint8_t two[2] = {(uint8_t)(v >> 8), (uint8_t)v};
                append(raw, two, 2);
            } else if (s->depth == 8) {
                uint8_t one = (uint8_t)v;
                append(raw, &one, 1);
            } else {
                acc = (uint8_t)(acc | v << (8 - s->depth - bits));
                bits += s->depth;
                if (bits == 8) {
                    append(raw, &acc, 1);
                    acc = 0;
                    bits = 0;
                }
            }
        }
    if (bits)
        append(raw, &acc, 1);
}

/* The filtered image data, in Adam7 pass order when interlaced. */
static struct buffer raw_data(const struct samples *s, int interlace)
{
    static const int adam7[7][4] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                    {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};
    struct buffer raw = {0};
    if (!interlace) {
        for (int y = 0; y < s->height; y++)
            append_row(&raw, s, y, 0, 1);
        return raw;
    }
    for (int p = 0; p < 7; p++) {
        if (adam7[p][0] >= s->width)
            continue; /* an empty pass has no rows at all */
        for (int y = adam7[p][1]; y < s->height; y += adam7[p][3])
            append_row(&raw, s, y, adam7[p][0], adam7[p][2]);
    }
    return raw;
}

/* A whole PNG; plte (n_plte RGB triples) and trns may be NULL. */
static struct buffer build_png(const struct samples *s, int color_type, int interlace,
                               const uint8_t *plte, size_t n_plte, const uint8_t *trns,
                               size_t n_trns)
{
    struct buffer png = png_start((uint32_t)s->width, (uint32_t)s->height, s->depth, color_type,
                                  interlace);
    if (plte)
        add_chunk(&png, "PLTE", plte, n_plte * 3);
    if (trns)
        add_chunk(&png, "tRNS", trns, n_trns);
    struct buffer raw = raw_data(s, interlace);
    struct buffer z = deflate_all(&raw);
    add_chunk(&png, "IDAT", z.data, z.size);
    add_chunk(&png, "IEND", NULL, 0);
    free(raw.data);
    free(z.data);
    return png;
}

static vgl_image decode_ok(const struct buffer *png, const vgl_image_limits *limits)
{
    vgl_image image;
    vgl_error err = {0};
    vgl_status status = vgl_image_decode(png->data, png->size, limits, &image, &err);
    if (status != VGL_OK)
        fail_msg("decode failed: %s", err.message);
    return image;
}

static vgl_status decode_fails(const uint8_t *data, size_t size, const vgl_image_limits *limits)
{
    vgl_image out;
    vgl_error err = {0};
    vgl_status status = vgl_image_decode(data, size, limits, &out, &err);
    assert_int_not_equal(status, VGL_OK);
    assert_int_equal(err.status, status);
    assert_true(strlen(err.message) > 0);
    assert_null(out.pixels);
    assert_int_equal(out.width, 0);
    return status;
}

static uint32_t next_random(uint32_t *seed)
{
    *seed = *seed * 1664525u + 1013904223u;
    return *seed >> 8;
}

/* v scaled from depth bits to 8, rounded to nearest. */
static int to8(unsigned v, int depth)
{
    unsigned max = (1u << depth) - 1;
    return (int)((v * 255u + max / 2) / max);
}

/* ------------------------------------------------------ colour types */

/* All 65536 16-bit grey levels, with an alpha that must be ignored. */
static void test_grey_alpha_16(void **state)
{
    (void)state;
    uint16_t *values = malloc((size_t)256 * 256 * 2 * sizeof *values);
    for (int i = 0; i < 256 * 256; i++) {
        values[i * 2] = (uint16_t)i;
        values[i * 2 + 1] = (uint16_t)(i * 7919);
    }
    struct samples s = {256, 256, 2, 16, values};
    struct buffer png = build_png(&s, 4, 0, NULL, 0, NULL, 0);
    vgl_image image = decode_ok(&png, NULL);
    for (int i = 0; i < 256 * 256; i++) {
        const uint8_t *p = image.pixels + (size_t)i * 3;
        assert_int_equal(p[0], to8((unsigned)i, 16));
        assert_int_equal(p[1], p[0]);
        assert_int_equal(p[2], p[0]);
    }
    vgl_image_free(&image);
    free(png.data);
    free(values);
}

static void test_rgb_16_and_rgba(void **state)
{
    (void)state;
    static const uint16_t rgb16[2 * 4 * 3] = {0,     65535, 0x12ff, 0x8000, 0x7f7f, 0x0080,
                                             257,   514,   1000,   60000,  30000,  12345,
                                             65534, 1,     128,    0x80ff, 0xfe80, 0x4321,
                                             5,     50000, 32767,  32768,  11111,  22222};
    struct samples s = {4, 2, 3, 16, rgb16};
    struct buffer png = build_png(&s, 2, 0, NULL, 0, NULL, 0);
    vgl_image image = decode_ok(&png, &any_size);
    for (int i = 0; i < 8 * 3; i++)
        assert_int_equal(image.pixels[i], to8(rgb16[i], 16));
    vgl_image_free(&image);
    free(png.data);

    /* 8-bit RGBA: colours as stored, alpha dropped rather than composited. */
    static const uint16_t rgba[2 * 4] = {10, 20, 30, 0, 200, 100, 50, 128};
    struct samples s8 = {2, 1, 4, 8, rgba};
    png = build_png(&s8, 6, 0, NULL, 0, NULL, 0);
    image = decode_ok(&png, &any_size);
    static const uint8_t want[6] = {10, 20, 30, 200, 100, 50};
    assert_memory_equal(image.pixels, want, 6);
    vgl_image_free(&image);
    free(png.data);

    /* 16-bit RGBA. */
    static const uint16_t rgba16[4] = {0x12ff, 0xff00, 0x0101, 0};
    struct samples s16 = {1, 1, 4, 16, rgba16};
    png = build_png(&s16, 6, 0, NULL, 0, NULL, 0);
    image = decode_ok(&png, &any_size);
    assert_int_equal(image.pixels[0], 19); /* 4863 * 255 / 65535 = 18.9, where >> 8 gives 18 */
    assert_int_equal(image.pixels[1], to8(0xff00, 16));
    assert_int_equal(image.pixels[2], 1);
    vgl_image_free(&image);
    free(png.data);
}

static void test_grey_bit_depths(void **state)
{
    (void)state;
    static const int depths[] = {1, 2, 4, 8, 16};
    for (size_t d = 0; d < sizeof depths / sizeof depths[0]; d++) {
        int depth = depths[d];
        uint16_t values[11 * 3];
        for (int i = 0; i < 11 * 3; i++)
            values[i] = (uint16_t)((i * 37u) & ((1u << depth) - 1));
        struct samples s = {11, 3, 1, depth, values};
        /* A tRNS grey level must not change any colour either. */
        uint8_t trns[2] = {0, (uint8_t)(values[4] & 0xff)};
        struct buffer png = build_png(&s, 0, 0, NULL, 0, trns, 2);
        vgl_image image = decode_ok(&png, &any_size);
        for (int i = 0; i < 11 * 3; i++)
            for (int c = 0; c < 3; c++)
                assert_int_equal(image.pixels[i * 3 + c], to8(values[i], depth));
        vgl_image_free(&image);
        free(png.data);
    }
}

static void test_palette_with_trns(void **state)
{
    (void)state;
    static const int depths[] = {1, 2, 4, 8};
    uint8_t plte[256 * 3];
    for (int i = 0; i < 256 * 3; i++)
        plte[i] = (uint8_t)(i * 101 + 7);
    uint8_t trns[256];
    for (int i = 0; i < 256; i++)
        trns[i] = (uint8_t)(i * 3); /* index 0 fully transparent */
    for (size_t d = 0; d < sizeof depths / sizeof depths[0]; d++) {
        int depth = depths[d], n = 1 << depth;
        uint16_t values[13 * 5];
        uint32_t seed = (uint32_t)depth;
        for (int i = 0; i < 13 * 5; i++)
            values[i] = (uint16_t)(next_random(&seed) % (uint32_t)n);
        struct samples s = {13, 5, 1, depth, values};
        struct buffer png = build_png(&s, 3, 0, plte, (size_t)n, trns, (size_t)n / 2 + 1);
        vgl_image image = decode_ok(&png, &any_size);
        for (int i = 0; i < 13 * 5; i++)
            assert_memory_equal(image.pixels + i * 3, plte + values[i] * 3, 3);
        vgl_image_free(&image);
        free(png.data);
    }
}

/* Interlaced and plain files of the same pixels decode the same. */
static void check_interlace(int width, int height, int channels, int depth, int color_type)
{
    uint16_t *values = malloc((size_t)width * height * channels * sizeof *values);
    uint32_t seed = (uint32_t)(width * 31 + depth);
    for (size_t i = 0; i < (size_t)width * height * channels; i++)
        values[i] = (uint16_t)(next_random(&seed) & ((1u << depth) - 1));
    uint8_t plte[16 * 3];
    for (int i = 0; i < 16 * 3; i++)
        plte[i] = (uint8_t)(i * 17);
    const uint8_t *p = color_type == 3 ? plte : NULL;
    struct samples s = {width, height, channels, depth, values};
    struct buffer plain = build_png(&s, color_type, 0, p, 16, NULL, 0);
    struct buffer adam7 = build_png(&s, color_type, 1, p, 16, NULL, 0);
    vgl_image a = decode_ok(&plain, &any_size), b = decode_ok(&adam7, &any_size);
    assert_int_equal(b.width, width);
    assert_int_equal(b.height, height);
    assert_memory_equal(a.pixels, b.pixels, (size_t)width * height * 3);
    if (color_type == 2 && depth == 8)
        for (size_t i = 0; i < (size_t)width * height * 3; i++)
            assert_int_equal(b.pixels[i], values[i]);
    vgl_image_free(&a);
    vgl_image_free(&b);
    free(plain.data);
    free(adam7.data);
    free(values);
}

static void test_interlaced(void **state)
{
    (void)state;
    check_interlace(13, 7, 3, 8, 2);
    check_interlace(1, 1, 3, 8, 2);
    check_interlace(3, 9, 3, 8, 2); /* passes with no columns */
    check_interlace(70, 66, 2, 16, 4);
    check_interlace(9, 10, 1, 4, 3);
    check_interlace(17, 3, 1, 1, 0);
}

/* ------------------------------------------------------ the real masks */

static void test_real_mask(void **state)
{
    (void)state;
    static const uint8_t defect[3] = {0x23, 0xa4, 0x36}, black[3] = {0, 0, 0};
    vgl_image mask;
    vgl_error err;
    assert_int_equal(vgl_image_read_file(REAL_MASK, NULL, &mask, &err), VGL_OK);
    assert_int_equal(mask.width, 576);
    assert_int_equal(mask.height, 768);
    int defects = 0, first = -1;
    uint8_t *indices = malloc((size_t)576 * 768);
    for (int i = 0; i < 576 * 768; i++) {
        const uint8_t *p = mask.pixels + (size_t)i * 3;
        int is_defect = memcmp(p, defect, 3) == 0;
        assert_true(is_defect || memcmp(p, black, 3) == 0);
        defects += is_defect;
        if (is_defect && first < 0)
            first = i;
        indices[i] = (uint8_t)is_defect;
    }
    /* Counted from the file's IDAT independently of libpng. */
    assert_int_equal(defects, 9278);
    assert_int_equal(first, 382 * 576 + 355);

    /* Written back as a two-colour palette PNG, it decodes to the same pixels. */
    const uint8_t palette[2][3] = {{0, 0, 0}, {0x23, 0xa4, 0x36}};
    uint8_t *png;
    size_t png_size;
    assert_int_equal(vgl_png_encode_palette(indices, 576, 768, palette, 2, &png, &png_size, &err),
                     VGL_OK);
    vgl_image again;
    assert_int_equal(vgl_image_decode(png, png_size, NULL, &again, &err), VGL_OK);
    assert_memory_equal(again.pixels, mask.pixels, (size_t)576 * 768 * 3);
    vgl_image_free(&again);
    vgl_image_free(&mask);
    free(indices);
    free(png);
}

/* ------------------------------------------------------ encoders */

static void test_encode_rgb_roundtrip(void **state)
{
    (void)state;
    vgl_image image;
    vgl_error err;
    assert_int_equal(vgl_image_alloc(67, 65, &image, &err), VGL_OK);
    uint32_t seed = 5;
    for (size_t i = 0; i < (size_t)67 * 65 * 3; i++)
        image.pixels[i] = (uint8_t)next_random(&seed);
    uint8_t *png;
    size_t png_size;
    assert_int_equal(vgl_png_encode_rgb(&image, &png, &png_size, &err), VGL_OK);
    assert_int_equal(vgl_image_sniff(png, png_size), VGL_IMAGE_PNG);
    struct buffer b = {png, png_size};
    vgl_image back = decode_ok(&b, NULL);
    assert_int_equal(back.width, 67);
    assert_int_equal(back.height, 65);
    assert_memory_equal(back.pixels, image.pixels, (size_t)67 * 65 * 3);
    vgl_image_free(&back);
    vgl_image_free(&image);
    free(png);
}

static void test_encode_palette_roundtrip(void **state)
{
    (void)state;
    static const int counts[] = {1, 2, 3, 4, 5, 16, 17, 256};
    static const int depths[] = {1, 1, 2, 2, 4, 4, 8, 8};
    uint8_t palette[256][3];
    for (int i = 0; i < 256; i++) {
        palette[i][0] = (uint8_t)i;
        palette[i][1] = (uint8_t)(255 - i);
        palette[i][2] = (uint8_t)(i * 13);
    }
    uint8_t indices[67 * 64];
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        uint32_t seed = (uint32_t)k;
        for (int i = 0; i < 67 * 64; i++)
            indices[i] = (uint8_t)(next_random(&seed) % (uint32_t)counts[k]);
        uint8_t *png;
        size_t png_size;
        vgl_error err;
        assert_int_equal(vgl_png_encode_palette(indices, 67, 64, (const uint8_t(*)[3])palette,
                                                counts[k], &png, &png_size, &err),
                         VGL_OK);
        assert_int_equal(png[24], depths[k]); /* IHDR bit depth: the smallest that fits */
        assert_int_equal(png[25], 3);
        struct buffer b = {png, png_size};
        vgl_image image = decode_ok(&b, NULL);
        for (int i = 0; i < 67 * 64; i++)
            assert_memory_equal(image.pixels + i * 3, palette[indices[i]], 3);
        vgl_image_free(&image);
        free(png);
    }
}

static void test_encode_errors(void **state)
{
    (void)state;
    const uint8_t palette[2][3] = {{0, 0, 0}, {255, 255, 255}};
    uint8_t indices[4 * 3] = {0};
    uint8_t *png = (uint8_t *)1;
    size_t png_size = 1;
    vgl_error err;
    indices[7] = 2;
    assert_int_equal(vgl_png_encode_palette(indices, 4, 3, palette, 2, &png, &png_size, &err),
                     VGL_EINVAL);
    assert_string_equal(err.message, "pixel (3, 1) has colour index 2; the palette has 2 colours");
    assert_null(png);
    assert_int_equal(png_size, 0);
    indices[7] = 0;
    assert_int_equal(vgl_png_encode_palette(indices, 4, 3, palette, 0, &png, &png_size, &err),
                     VGL_EINVAL);
    assert_int_equal(vgl_png_encode_palette(indices, 4, 3, palette, 257, &png, &png_size, &err),
                     VGL_EINVAL);
    assert_int_equal(vgl_png_encode_palette(indices, 0, 3, palette, 2, &png, &png_size, &err),
                     VGL_EINVAL);
    assert_int_equal(vgl_png_encode_palette(NULL, 4, 3, palette, 2, &png, &png_size, &err),
                     VGL_EINVAL);
    assert_int_equal(vgl_png_encode_palette(indices, 4, 3, NULL, 2, &png, &png_size, &err),
                     VGL_EINVAL);
    assert_int_equal(vgl_png_encode_palette(indices, 4, 3, palette, 2, NULL, &png_size, &err),
                     VGL_EINVAL);

    vgl_image empty = {0};
    assert_int_equal(vgl_png_encode_rgb(&empty, &png, &png_size, &err), VGL_EINVAL);
    assert_int_equal(vgl_png_encode_rgb(NULL, &png, &png_size, &err), VGL_EINVAL);
    vgl_image image;
    assert_int_equal(vgl_image_alloc(2, 2, &image, &err), VGL_OK);
    assert_int_equal(vgl_png_encode_rgb(&image, NULL, &png_size, &err), VGL_EINVAL);
    vgl_image_free(&image);
}

/* ------------------------------------------------------ hostile files */

static struct buffer small_png(int width, int height)
{
    vgl_image image;
    assert_int_equal(vgl_image_alloc(width, height, &image, NULL), VGL_OK);
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            uint8_t *p = image.pixels + ((size_t)y * width + x) * 3;
            p[0] = (uint8_t)(x * 4);
            p[1] = (uint8_t)(y * 4);
            p[2] = (uint8_t)((x ^ y) * 4);
        }
    struct buffer b;
    assert_int_equal(vgl_png_encode_rgb(&image, &b.data, &b.size, NULL), VGL_OK);
    vgl_image_free(&image);
    return b;
}

static void test_truncated_every_prefix(void **state)
{
    (void)state;
    struct buffer png = small_png(64, 64);
    for (size_t n = 0; n < png.size; n++)
        assert_int_equal(decode_fails(png.data, n, NULL), VGL_EFORMAT);
    vgl_image out;
    vgl_error err;
    assert_int_equal(vgl_image_decode(png.data, png.size - 1, NULL, &out, &err), VGL_EFORMAT);
    assert_non_null(strstr(err.message, "truncated"));
    free(png.data);

    /* An interlaced file, cut anywhere. */
    uint16_t values[70 * 66 * 3];
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        values[i] = (uint16_t)(i * 7 % 256);
    struct samples s = {70, 66, 3, 8, values};
    png = build_png(&s, 2, 1, NULL, 0, NULL, 0);
    for (size_t n = 0; n < png.size; n++)
        assert_int_equal(decode_fails(png.data, n, NULL), VGL_EFORMAT);
    free(png.data);
}

/* Complete, well-formed chunks whose compressed image data stops early. */
static void test_truncated_idat(void **state)
{
    (void)state;
    uint16_t values[64 * 64];
    for (int i = 0; i < 64 * 64; i++)
        values[i] = (uint16_t)(i % 251);
    struct samples s = {64, 64, 1, 8, values};
    struct buffer raw = raw_data(&s, 0);
    struct buffer z = deflate_all(&raw);

    /* The zlib stream cut in half. */
    struct buffer png = png_start(64, 64, 8, 0, 0);
    add_chunk(&png, "IDAT", z.data, z.size / 2);
    add_chunk(&png, "IEND", NULL, 0);
    assert_int_equal(decode_fails(png.data, png.size, NULL), VGL_EFORMAT);
    free(png.data);

    /* The zlib stream without its checksum. */
    png = png_start(64, 64, 8, 0, 0);
    add_chunk(&png, "IDAT", z.data, z.size - 4);
    add_chunk(&png, "IEND", NULL, 0);
    assert_int_equal(decode_fails(png.data, png.size, NULL), VGL_EFORMAT);
    free(png.data);

    /* A complete zlib stream of too few rows. */
    struct buffer short_raw = {raw.data, raw.size - 65 * 3};
    struct buffer short_z = deflate_all(&short_raw);
    png = png_start(64, 64, 8, 0, 0);
    add_chunk(&png, "IDAT", short_z.data, short_z.size);
    add_chunk(&png, "IEND", NULL, 0);
    assert_int_equal(decode_fails(png.data, png.size, NULL), VGL_EFORMAT);
    free(png.data);

    /* No IDAT at all. */
    png = png_start(64, 64, 8, 0, 0);
    add_chunk(&png, "IEND", NULL, 0);
    assert_int_equal(decode_fails(png.data, png.size, NULL), VGL_EFORMAT);
    free(png.data);

    /* Sanity: the same stream whole decodes. */
    png = png_start(64, 64, 8, 0, 0);
    add_chunk(&png, "IDAT", z.data, z.size);
    add_chunk(&png, "IEND", NULL, 0);
    vgl_image image = decode_ok(&png, NULL);
    assert_int_equal(image.pixels[3 * 100], 100);
    vgl_image_free(&image);
    free(png.data);
    free(raw.data);
    free(z.data);
    free(short_z.data);
}

static void test_header_dimensions(void **state)
{
    (void)state;
    static const uint32_t sizes[][2] = {
        {60000, 60000}, {1, 1}, {100000, 2}, {5000, 300}, {64, 4097}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        /* Only a header: the check must come before anything else is read. */
        struct buffer png = png_start(sizes[i][0], sizes[i][1], 8, 2, 0);
        vgl_image out;
        vgl_error err;
        assert_int_equal(vgl_image_decode(png.data, png.size, NULL, &out, &err), VGL_ELIMIT);
        char want[128];
        snprintf(want, sizeof want, "image is %ux%u pixels; each side must be 64 to 4096",
                 (unsigned)sizes[i][0], (unsigned)sizes[i][1]);
        assert_string_equal(err.message, want);
        assert_null(out.pixels);
        free(png.data);
    }
    static const uint32_t invalid[][2] = {{0, 100}, {100, 0}, {0x80000000u, 100}};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        struct buffer png = png_start(invalid[i][0], invalid[i][1], 8, 2, 0);
        assert_int_equal(decode_fails(png.data, png.size, NULL), VGL_EFORMAT);
        free(png.data);
    }
    /* A bit depth that does not exist for the colour type. */
    struct buffer png = png_start(64, 64, 16, 3, 0);
    add_chunk(&png, "IEND", NULL, 0);
    assert_int_equal(decode_fails(png.data, png.size, NULL), VGL_EFORMAT);
    free(png.data);
    /* A first chunk other than IHDR. */
    png = small_png(64, 64);
    memcpy(png.data + 12, "IHDX", 4);
    assert_int_equal(decode_fails(png.data, png.size, NULL), VGL_EFORMAT);
    free(png.data);
}

static void test_bad_crc(void **state)
{
    (void)state;
    struct buffer png = small_png(64, 64);
    png.data[29] ^= 1; /* IHDR's CRC */
    assert_int_equal(decode_fails(png.data, png.size, NULL), VGL_EFORMAT);
    png.data[29] ^= 1;
    png.data[png.size - 20] ^= 1; /* inside IDAT */
    assert_int_equal(decode_fails(png.data, png.size, NULL), VGL_EFORMAT);
    free(png.data);
}

/* Damaged bytes anywhere: an error or an image, never a crash or a leak. */
static void test_corrupt_bytes(void **state)
{
    (void)state;
    struct buffer png = small_png(64, 64);
    uint8_t *copy = malloc(png.size);
    int failures = 0;
    for (size_t i = 0; i < png.size; i++) {
        memcpy(copy, png.data, png.size);
        copy[i] ^= 0x5a;
        vgl_image out;
        vgl_status status = vgl_image_decode(copy, png.size, NULL, &out, NULL);
        if (status == VGL_OK) {
            vgl_image_free(&out);
            continue;
        }
        assert_true(status == VGL_EFORMAT || status == VGL_ELIMIT);
        assert_null(out.pixels);
        failures++;
    }
    /* Every byte is covered by a CRC, so every flip is caught. */
    assert_int_equal(failures, (int)png.size);
    free(copy);
    free(png.data);
}

/* A zTXt chunk inflating to 16 MB is skipped, not expanded. */
static void test_compressed_text_bomb(void **state)
{
    (void)state;
    struct buffer zeros = {calloc(16u << 20, 1), 16u << 20};
    struct buffer z = deflate_all(&zeros);
    struct buffer text = {0};
    append(&text, "Comment\0\0", 9); /* keyword, NUL, compression method 0 */
    append(&text, z.data, z.size);

    uint16_t values[64 * 64 * 3] = {0};
    values[5] = 77;
    struct samples s = {64, 64, 3, 8, values};
    struct buffer raw = raw_data(&s, 0);
    struct buffer idat = deflate_all(&raw);
    struct buffer png = png_start(64, 64, 8, 2, 0);
    add_chunk(&png, "zTXt", text.data, text.size);
    add_chunk(&png, "IDAT", idat.data, idat.size);
    add_chunk(&png, "IEND", NULL, 0);
    vgl_image image = decode_ok(&png, NULL);
    assert_int_equal(image.pixels[5], 77);
    vgl_image_free(&image);
    free(png.data);
    free(idat.data);
    free(raw.data);
    free(text.data);
    free(z.data);
    free(zeros.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grey_alpha_16),
        cmocka_unit_test(test_rgb_16_and_rgba),
        cmocka_unit_test(test_grey_bit_depths),
        cmocka_unit_test(test_palette_with_trns),
        cmocka_unit_test(test_interlaced),
        cmocka_unit_test(test_real_mask),
        cmocka_unit_test(test_encode_rgb_roundtrip),
        cmocka_unit_test(test_encode_palette_roundtrip),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_truncated_every_prefix),
        cmocka_unit_test(test_truncated_idat),
        cmocka_unit_test(test_header_dimensions),
        cmocka_unit_test(test_bad_crc),
        cmocka_unit_test(test_corrupt_bytes),
        cmocka_unit_test(test_compressed_text_bomb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_image_decode.c - format sniffing, limits, file reading and JPEG
 * decoding: real photos, colour spaces, truncated, corrupt and hostile data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jpeglib.h>

#include "vigil.h"

#define REAL_JPEG VIGIL_DATASETS_DIR "/cookies/training-images/normal-1.jpg"
#define REAL_PNG VIGIL_DATASETS_DIR "/cookies/mask-images/anomaly-1.png"

/* ------------------------------------------------------------- fixtures */

struct buffer {
    uint8_t *data;
    size_t size;
};

struct jpeg_spec {
    int width, height, components;
    J_COLOR_SPACE in_space;
    J_COLOR_SPACE jpeg_space; /* JCS_UNKNOWN: libjpeg's default for in_space */
    int adobe_marker;         /* -1: libjpeg's default */
    int progressive;
    const jpeg_scan_info *scans; /* a custom progressive scan script, or NULL */
    int n_scans;
};

/* Encodes pixels (components bytes a pixel) at quality 100. */
static struct buffer encode_jpeg(const struct jpeg_spec *spec, const uint8_t *pixels)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    unsigned char *out = NULL;
    unsigned long out_size = 0;
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &out, &out_size);
    c.image_width = (JDIMENSION)spec->width;
    c.image_height = (JDIMENSION)spec->height;
    c.input_components = spec->components;
    c.in_color_space = spec->in_space;
    jpeg_set_defaults(&c);
    if (spec->jpeg_space != JCS_UNKNOWN)
        jpeg_set_colorspace(&c, spec->jpeg_space);
    if (spec->adobe_marker >= 0)
        c.write_Adobe_marker = spec->adobe_marker;
    jpeg_set_quality(&c, 100, TRUE);
    if (spec->progressive)
        jpeg_simple_progression(&c);
    if (spec->scans) {
        c.scan_info = spec->scans;
        c.num_scans = spec->n_scans;
    }
    jpeg_start_compress(&c, TRUE);
    size_t stride = (size_t)spec->width * spec->components;
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + c.next_scanline * stride);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    struct buffer b = {malloc(out_size), out_size};
    memcpy(b.data, out, out_size);
    free(out);
    return b;
}

/* A smooth RGB gradient, width x height. */
static uint8_t *gradient_rgb(int width, int height)
{
    uint8_t *p = malloc((size_t)width * height * 3);
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            uint8_t *q = p + ((size_t)y * width + x) * 3;
            q[0] = (uint8_t)(x * 255 / (width - 1));
            q[1] = (uint8_t)(y * 255 / (height - 1));
            q[2] = (uint8_t)(128 + (x - y) / 4);
        }
    return p;
}

static struct buffer small_jpeg(int progressive)
{
    uint8_t *pixels = gradient_rgb(64, 64);
    struct jpeg_spec spec = {64, 64, 3, JCS_RGB, JCS_UNKNOWN, -1, progressive, NULL, 0};
    struct buffer b = encode_jpeg(&spec, pixels);
    free(pixels);
    return b;
}

static struct buffer read_whole(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    struct buffer b = {malloc((size_t)size), (size_t)size};
    assert_int_equal(fread(b.data, 1, b.size, f), b.size);
    fclose(f);
    return b;
}

/* Offset of the SOF0 or SOF2 marker. */
static size_t find_sof(const struct buffer *b)
{
    for (size_t i = 2; i + 9 < b->size; i++)
        if (b->data[i] == 0xff && (b->data[i + 1] == 0xc0 || b->data[i + 1] == 0xc2))
            return i;
    fail_msg("no SOF marker");
    return 0;
}

/* Offset of the first byte of entropy-coded data (after the SOS segment). */
static size_t find_scan(const struct buffer *b)
{
    for (size_t i = 2; i + 4 < b->size; i++)
        if (b->data[i] == 0xff && b->data[i + 1] == 0xda)
            return i + 2 + ((size_t)b->data[i + 2] << 8 | b->data[i + 3]);
    fail_msg("no SOS marker");
    return 0;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static int max_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
    int worst = 0;
    for (size_t i = 0; i < n; i++) {
        int d = abs((int)a[i] - (int)b[i]);
        worst = d > worst ? d : worst;
    }
    return worst;
}

/* Decoding must fail with a message and leave out empty. */
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
    assert_int_equal(out.height, 0);
    return status;
}

/* ---------------------------------------------------------------- tests */

static void test_limits_default(void **state)
{
    (void)state;
    vgl_image_limits limits = vgl_image_limits_default();
    assert_int_equal(limits.min_side, 64);
    assert_int_equal(limits.max_side, 4096);
    assert_int_equal(limits.max_bytes, 8 * 1024 * 1024);
}

static void test_sniff(void **state)
{
    (void)state;
    static const uint8_t jpeg[] = {0xff, 0xd8, 0xff, 0xe0};
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0};
    static const uint8_t gif[] = "GIF89a";
    assert_int_equal(vgl_image_sniff(jpeg, sizeof jpeg), VGL_IMAGE_JPEG);
    assert_int_equal(vgl_image_sniff(jpeg, 2), VGL_IMAGE_UNKNOWN);
    assert_int_equal(vgl_image_sniff(png, sizeof png), VGL_IMAGE_PNG);
    assert_int_equal(vgl_image_sniff(png, 7), VGL_IMAGE_UNKNOWN);
    assert_int_equal(vgl_image_sniff(gif, sizeof gif), VGL_IMAGE_UNKNOWN);
    assert_int_equal(vgl_image_sniff(NULL, 10), VGL_IMAGE_UNKNOWN);
    assert_int_equal(vgl_image_sniff(jpeg, 0), VGL_IMAGE_UNKNOWN);
}

static void test_alloc_free(void **state)
{
    (void)state;
    vgl_image image;
    vgl_error err;
    assert_int_equal(vgl_image_alloc(5, 3, &image, &err), VGL_OK);
    assert_int_equal(image.width, 5);
    assert_int_equal(image.height, 3);
    memset(image.pixels, 7, 5 * 3 * 3);
    vgl_image_free(&image);
    assert_null(image.pixels);
    vgl_image_free(&image);
    vgl_image_free(NULL);
    assert_int_equal(vgl_image_alloc(0, 3, &image, &err), VGL_EINVAL);
    assert_null(image.pixels);
    assert_int_equal(vgl_image_alloc(3, -1, &image, &err), VGL_EINVAL);
    assert_int_equal(vgl_image_alloc(3, 3, NULL, &err), VGL_EINVAL);
}

/* The real photo decodes exactly as plain libjpeg decodes it. */
static void test_real_jpeg(void **state)
{
    (void)state;
    vgl_image image;
    vgl_error err;
    assert_int_equal(vgl_image_read_file(REAL_JPEG, NULL, &image, &err), VGL_OK);
    assert_int_equal(image.width, 576);
    assert_int_equal(image.height, 768);

    struct buffer file = read_whole(REAL_JPEG);
    struct jpeg_decompress_struct d;
    struct jpeg_error_mgr jerr;
    d.err = jpeg_std_error(&jerr);
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, file.data, file.size);
    jpeg_read_header(&d, TRUE);
    d.out_color_space = JCS_RGB;
    jpeg_start_decompress(&d);
    uint8_t *want = malloc((size_t)576 * 768 * 3);
    while (d.output_scanline < d.output_height) {
        JSAMPROW row = want + (size_t)d.output_scanline * 576 * 3;
        jpeg_read_scanlines(&d, &row, 1);
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    assert_memory_equal(image.pixels, want, (size_t)576 * 768 * 3);

    vgl_image again;
    assert_int_equal(vgl_image_decode(file.data, file.size, NULL, &again, &err), VGL_OK);
    assert_memory_equal(again.pixels, want, (size_t)576 * 768 * 3);
    vgl_image_free(&again);
    vgl_image_free(&image);
    free(want);
    free(file.data);
}

static void test_rgb_jpeg(void **state)
{
    (void)state;
    vgl_image_limits limits = {1, 4096, 1 << 20};
    for (int progressive = 0; progressive <= 1; progressive++) {
        uint8_t *pixels = gradient_rgb(80, 72);
        struct jpeg_spec spec = {80, 72, 3, JCS_RGB, JCS_UNKNOWN, -1, progressive, NULL, 0};
        struct buffer jpeg = encode_jpeg(&spec, pixels);
        vgl_image image;
        assert_int_equal(vgl_image_decode(jpeg.data, jpeg.size, &limits, &image, NULL), VGL_OK);
        assert_int_equal(image.width, 80);
        assert_int_equal(image.height, 72);
        assert_true(max_diff(image.pixels, pixels, (size_t)80 * 72 * 3) <= 8);
        vgl_image_free(&image);
        free(jpeg.data);
        free(pixels);
    }
}

static void test_grey_jpeg(void **state)
{
    (void)state;
    uint8_t grey[64 * 64];
    for (int i = 0; i < 64 * 64; i++)
        grey[i] = (uint8_t)(i % 64 * 4);
    struct jpeg_spec spec = {64, 64, 1, JCS_GRAYSCALE, JCS_UNKNOWN, -1, 0, NULL, 0};
    struct buffer jpeg = encode_jpeg(&spec, grey);
    vgl_image image;
    assert_int_equal(vgl_image_decode(jpeg.data, jpeg.size, NULL, &image, NULL), VGL_OK);
    for (int i = 0; i < 64 * 64; i++) {
        assert_int_equal(image.pixels[i * 3], image.pixels[i * 3 + 1]);
        assert_int_equal(image.pixels[i * 3], image.pixels[i * 3 + 2]);
        assert_true(abs(image.pixels[i * 3] - grey[i]) <= 3);
    }
    vgl_image_free(&image);
    free(jpeg.data);
}

/* Ink amounts (0 none, 255 full) of four 16-pixel-wide bars and their RGB. */
static const uint8_t bar_ink[4][4] = {
    {0, 255, 255, 0}, {0, 0, 0, 0}, {0, 0, 0, 255}, {255, 0, 255, 0}};
static const uint8_t bar_rgb[4][3] = {{255, 0, 0}, {255, 255, 255}, {0, 0, 0}, {0, 255, 0}};

/* CMYK bars written with or without Adobe's inversion, as CMYK or YCCK. */
static void check_cmyk(J_COLOR_SPACE jpeg_space, int adobe)
{
    uint8_t cmyk[64 * 64 * 4];
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++)
            for (int c = 0; c < 4; c++) {
                uint8_t ink = bar_ink[x / 16][c];
                cmyk[(y * 64 + x) * 4 + c] = adobe ? (uint8_t)(255 - ink) : ink;
            }
    struct jpeg_spec spec = {64, 64, 4, JCS_CMYK, jpeg_space, adobe, 0, NULL, 0};
    struct buffer jpeg = encode_jpeg(&spec, cmyk);
    vgl_image image;
    vgl_error err;
    assert_int_equal(vgl_image_decode(jpeg.data, jpeg.size, NULL, &image, &err), VGL_OK);
    for (int bar = 0; bar < 4; bar++)
        for (int c = 0; c < 3; c++) {
            const uint8_t *p = image.pixels + ((size_t)32 * 64 + (size_t)bar * 16 + 8) * 3;
            assert_true(abs(p[c] - bar_rgb[bar][c]) <= 6);
        }
    vgl_image_free(&image);
    free(jpeg.data);
}

static void test_cmyk_jpeg(void **state)
{
    (void)state;
    check_cmyk(JCS_CMYK, 1);
    check_cmyk(JCS_CMYK, 0);
    check_cmyk(JCS_YCCK, 1);
}

static void test_unknown_colour_space(void **state)
{
    (void)state;
    uint8_t two[64 * 64 * 2];
    memset(two, 100, sizeof two);
    struct jpeg_spec spec = {64, 64, 2, JCS_UNKNOWN, JCS_UNKNOWN, -1, 0, NULL, 0};
    struct buffer jpeg = encode_jpeg(&spec, two);
    assert_int_equal(decode_fails(jpeg.data, jpeg.size, NULL), VGL_EUNSUPPORTED);
    free(jpeg.data);
}

/* Every prefix of a baseline and a progressive JPEG is refused. */
static void test_truncated_jpeg_every_prefix(void **state)
{
    (void)state;
    for (int progressive = 0; progressive <= 1; progressive++) {
        struct buffer jpeg = small_jpeg(progressive);
        for (size_t n = 0; n < jpeg.size; n++)
            assert_int_equal(decode_fails(jpeg.data, n, NULL), VGL_EFORMAT);
        vgl_error err;
        vgl_image out;
        assert_int_equal(vgl_image_decode(jpeg.data, jpeg.size - 2, NULL, &out, &err), VGL_EFORMAT);
        assert_non_null(strstr(err.message, "truncated"));
        free(jpeg.data);
    }
}

static void test_truncated_real_jpeg(void **state)
{
    (void)state;
    struct buffer file = read_whole(REAL_JPEG);
    for (size_t n = 0; n < file.size; n += file.size / 97)
        assert_int_equal(decode_fails(file.data, n, NULL), VGL_EFORMAT);
    for (size_t cut = 1; cut <= 4; cut++)
        assert_int_equal(decode_fails(file.data, file.size - cut, NULL), VGL_EFORMAT);
    free(file.data);
}

/* Damaged bytes anywhere: an error or an image, never a crash or a leak. */
static void test_corrupt_jpeg_bytes(void **state)
{
    (void)state;
    static const uint8_t patterns[] = {0xff, 0x55, 0x80};
    struct buffer jpeg = small_jpeg(1);
    uint8_t *copy = malloc(jpeg.size);
    for (size_t i = 0; i < jpeg.size; i++)
        for (size_t p = 0; p < sizeof patterns; p++) {
            memcpy(copy, jpeg.data, jpeg.size);
            copy[i] ^= patterns[p];
            vgl_image out;
            vgl_error err;
            vgl_status status = vgl_image_decode(copy, jpeg.size, NULL, &out, &err);
            if (status == VGL_OK) {
                assert_true(out.width >= 64 && out.width <= 4096);
                assert_true(out.height >= 64 && out.height <= 4096);
                vgl_image_free(&out);
            } else {
                assert_true(status == VGL_EFORMAT || status == VGL_ELIMIT ||
                            status == VGL_EUNSUPPORTED);
                assert_null(out.pixels);
            }
        }
    free(copy);
    free(jpeg.data);
}

/* A marker in the middle of the entropy-coded data is damage, not grey pixels. */
static void test_marker_inside_scan(void **state)
{
    (void)state;
    struct buffer jpeg = small_jpeg(0);
    size_t scan = find_scan(&jpeg);
    jpeg.data[scan + 20] = 0xff;
    jpeg.data[scan + 21] = 0xd9;
    vgl_error err;
    vgl_image out;
    assert_int_equal(vgl_image_decode(jpeg.data, jpeg.size, NULL, &out, &err), VGL_EFORMAT);
    assert_non_null(strstr(err.message, "JPEG"));
    free(jpeg.data);
}

/* A progressive script refining each AC coefficient of each component in
 * `bits` + 1 scans: 1 + 3 * 63 * (bits + 1) valid scans in all. */
static struct buffer many_scans_jpeg(int bits, int *n_scans)
{
    static jpeg_scan_info scans[1 + 3 * 63 * 3];
    int n = 0;
    scans[n++] = (jpeg_scan_info){3, {0, 1, 2, 0}, 0, 0, 0, 0};
    for (int c = 0; c < 3; c++)
        for (int k = 1; k < 64; k++)
            for (int al = bits; al >= 0; al--)
                scans[n++] = (jpeg_scan_info){1, {c, 0, 0, 0}, k, k, al == bits ? 0 : al + 1, al};
    uint8_t *pixels = gradient_rgb(64, 64);
    struct jpeg_spec spec = {64, 64, 3, JCS_RGB, JCS_UNKNOWN, -1, 0, scans, n};
    struct buffer b = encode_jpeg(&spec, pixels);
    free(pixels);
    *n_scans = n;
    return b;
}

static void test_scan_limit(void **state)
{
    (void)state;
    int n_scans;
    struct buffer jpeg = many_scans_jpeg(1, &n_scans);
    assert_int_equal(n_scans, 379);
    vgl_image out;
    vgl_error err;
    assert_int_equal(vgl_image_decode(jpeg.data, jpeg.size, NULL, &out, &err), VGL_OK);
    vgl_image_free(&out);
    free(jpeg.data);

    jpeg = many_scans_jpeg(2, &n_scans);
    assert_int_equal(n_scans, 568);
    assert_int_equal(vgl_image_decode(jpeg.data, jpeg.size, NULL, &out, &err), VGL_EFORMAT);
    assert_string_equal(err.message, "corrupt JPEG: more than 500 scans");
    free(jpeg.data);
}

/* 12-bit samples and the lossless process are valid JPEG that Vigil does not decode. */
static void test_unsupported_jpeg(void **state)
{
    (void)state;
    struct buffer jpeg = small_jpeg(0);
    size_t sof = find_sof(&jpeg);
    jpeg.data[sof + 4] = 12;
    assert_int_equal(decode_fails(jpeg.data, jpeg.size, NULL), VGL_EUNSUPPORTED);
    jpeg.data[sof + 4] = 8;
    jpeg.data[sof + 1] = 0xc3;
    assert_int_equal(decode_fails(jpeg.data, jpeg.size, NULL), VGL_EUNSUPPORTED);
    free(jpeg.data);
}

static void test_header_dimensions(void **state)
{
    (void)state;
    static const unsigned sizes[][2] = {{60000, 60000}, {1, 1}, {5000, 300}, {64, 63}, {4097, 64}};
    for (int progressive = 0; progressive <= 1; progressive++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            struct buffer jpeg = small_jpeg(progressive);
            size_t sof = find_sof(&jpeg);
            put16(jpeg.data + sof + 5, sizes[s][1]);
            put16(jpeg.data + sof + 7, sizes[s][0]);
            vgl_error err;
            vgl_image out;
            assert_int_equal(vgl_image_decode(jpeg.data, jpeg.size, NULL, &out, &err), VGL_ELIMIT);
            char want[128];
            snprintf(want, sizeof want, "image is %ux%u pixels; each side must be 64 to 4096",
                     sizes[s][0], sizes[s][1]);
            assert_string_equal(err.message, want);
            assert_null(out.pixels);
            free(jpeg.data);
        }
    struct buffer jpeg = small_jpeg(0);
    put16(jpeg.data + find_sof(&jpeg) + 5, 0);
    assert_int_equal(decode_fails(jpeg.data, jpeg.size, NULL), VGL_EFORMAT);
    free(jpeg.data);
}

static void test_custom_limits(void **state)
{
    (void)state;
    struct buffer jpeg = small_jpeg(0);
    vgl_image out;
    vgl_error err;
    vgl_image_limits limits = {100, 4096, VGL_IMAGE_MAX_BYTES};
    assert_int_equal(vgl_image_decode(jpeg.data, jpeg.size, &limits, &out, &err), VGL_ELIMIT);
    assert_string_equal(err.message, "image is 64x64 pixels; each side must be 100 to 4096");
    limits = (vgl_image_limits){16, 32, VGL_IMAGE_MAX_BYTES};
    assert_int_equal(decode_fails(jpeg.data, jpeg.size, &limits), VGL_ELIMIT);
    limits = (vgl_image_limits){64, 64, jpeg.size - 1};
    assert_int_equal(vgl_image_decode(jpeg.data, jpeg.size, &limits, &out, &err), VGL_ELIMIT);
    char want[128];
    snprintf(want, sizeof want, "image file is %zu bytes; the limit is %zu bytes", jpeg.size,
             jpeg.size - 1);
    assert_string_equal(err.message, want);
    limits.max_bytes = jpeg.size;
    assert_int_equal(vgl_image_decode(jpeg.data, jpeg.size, &limits, &out, &err), VGL_OK);
    vgl_image_free(&out);

    vgl_image_limits bad[] = {{0, 10, 100}, {20, 10, 100}, {64, 4096, 0}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(decode_fails(jpeg.data, jpeg.size, &bad[i]), VGL_EINVAL);
    free(jpeg.data);
}

static void test_not_an_image(void **state)
{
    (void)state;
    static const uint8_t gif[] = "GIF89a and then some bytes that are no image at all";
    static const uint8_t soi_then_junk[] = {0xff, 0xd8, 0xff, 0x00, 1, 2, 3, 4, 5, 6, 7, 8};
    vgl_image out;
    vgl_error err;
    assert_int_equal(vgl_image_decode(gif, sizeof gif, NULL, &out, &err), VGL_EFORMAT);
    assert_string_equal(err.message, "not a JPEG or PNG image");
    assert_int_equal(decode_fails(soi_then_junk, sizeof soi_then_junk, NULL), VGL_EFORMAT);
    assert_int_equal(decode_fails(gif, 0, NULL), VGL_EFORMAT);
    assert_int_equal(decode_fails(NULL, 0, NULL), VGL_EFORMAT);
    assert_int_equal(decode_fails(NULL, 10, NULL), VGL_EINVAL);
    assert_int_equal(vgl_image_decode(gif, sizeof gif, NULL, NULL, &err), VGL_EINVAL);
}

/* A temporary file holding size bytes of data (sparse when data is NULL). */
static void temp_file(char *path, const void *data, size_t size)
{
    strcpy(path, "/tmp/vigil-test-image-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    if (data)
        assert_int_equal(write(fd, data, size), (ssize_t)size);
    else
        assert_int_equal(ftruncate(fd, (off_t)size), 0);
    close(fd);
}

static void test_read_file_errors(void **state)
{
    (void)state;
    vgl_image out;
    vgl_error err;
    char path[64];

    assert_int_equal(vgl_image_read_file("/nonexistent/vigil.jpg", NULL, &out, &err), VGL_EIO);
    assert_non_null(strstr(err.message, "/nonexistent/vigil.jpg"));
    assert_int_equal(vgl_image_read_file("/tmp", NULL, &out, &err), VGL_EIO);
    assert_null(out.pixels);
    assert_int_equal(vgl_image_read_file(NULL, NULL, &out, &err), VGL_EINVAL);
    assert_int_equal(vgl_image_read_file(REAL_JPEG, NULL, NULL, &err), VGL_EINVAL);

    /* A FIFO with no writer: refused at once, not waited on. */
    strcpy(path, "/tmp/vigil-test-fifo-XXXXXX");
    assert_non_null(mkdtemp(path));
    char fifo[96];
    snprintf(fifo, sizeof fifo, "%s/fifo", path);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(vgl_image_read_file(fifo, NULL, &out, &err), VGL_EIO);
    assert_non_null(strstr(err.message, "not a regular file"));
    unlink(fifo);
    rmdir(path);

    temp_file(path, "", 0);
    assert_int_equal(vgl_image_read_file(path, NULL, &out, &err), VGL_EFORMAT);
    assert_non_null(strstr(err.message, "empty"));
    unlink(path);

    /* 9 MB of nothing: refused by size, before anything is read. */
    temp_file(path, NULL, (size_t)9 * 1024 * 1024);
    assert_int_equal(vgl_image_read_file(path, NULL, &out, &err), VGL_ELIMIT);
    assert_non_null(strstr(err.message, "9437184 bytes; the limit is 8388608 bytes"));
    unlink(path);

    struct buffer jpeg = small_jpeg(0);
    temp_file(path, jpeg.data, jpeg.size);
    vgl_image_limits limits = {64, 4096, 100};
    assert_int_equal(vgl_image_read_file(path, &limits, &out, &err), VGL_ELIMIT);
    assert_int_equal(vgl_image_read_file(path, NULL, &out, &err), VGL_OK);
    assert_int_equal(out.width, 64);
    vgl_image_free(&out);
    unlink(path);
    free(jpeg.data);

    assert_int_equal(vgl_image_read_file(REAL_PNG, NULL, &out, &err), VGL_OK);
    assert_int_equal(out.width, 576);
    assert_int_equal(out.height, 768);
    vgl_image_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_default),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_alloc_free),
        cmocka_unit_test(test_real_jpeg),
        cmocka_unit_test(test_rgb_jpeg),
        cmocka_unit_test(test_grey_jpeg),
        cmocka_unit_test(test_cmyk_jpeg),
        cmocka_unit_test(test_unknown_colour_space),
        cmocka_unit_test(test_truncated_jpeg_every_prefix),
        cmocka_unit_test(test_truncated_real_jpeg),
        cmocka_unit_test(test_corrupt_jpeg_bytes),
        cmocka_unit_test(test_marker_inside_scan),
        cmocka_unit_test(test_scan_limit),
        cmocka_unit_test(test_unsupported_jpeg),
        cmocka_unit_test(test_header_dimensions),
        cmocka_unit_test(test_custom_limits),
        cmocka_unit_test(test_not_an_image),
        cmocka_unit_test(test_read_file_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

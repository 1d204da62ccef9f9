/* test_dataset_local.c - datasets over local files: the real cookies
 * manifest through the loader, the path rules (relative, absolute, s3://,
 * --root), the up-front check, a file reader in place of the disk (as for
 * encrypted copies), and the normal/ + anomaly/ + masks/ folder
 * form built from generated images in a temporary folder. */
#include <fcntl.h>
#include <ftw.h>
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

/* The tests link only the engine, so the modules under test are compiled in. */
#include "dataset_local.h"
#include "error.h"
#include "manifest.h"

#define COOKIES VIGIL_DATASETS_DIR "/cookies"

/* ------------------------------------------------------------- fixtures */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static char *make_tmpdir(void)
{
    char *dir = strdup("/tmp/vigil-test-dataset-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static void remove_tree(char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

static char *path_in(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static void make_dir(const char *dir, const char *name)
{
    char *p = path_in(dir, name);
    assert_int_equal(mkdir(p, 0755), 0);
    free(p);
}

static void write_bytes(const char *dir, const char *name, const void *data, size_t size)
{
    char *p = path_in(dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, size, f), size);
    fclose(f);
    free(p);
}

static void write_text(const char *dir, const char *name, const char *text)
{
    write_bytes(dir, name, text, strlen(text));
}

/* An image filled with one colour. */
static vgl_image solid(int width, int height, uint32_t rgb)
{
    vgl_image image;
    assert_int_equal(vgl_image_alloc(width, height, &image, NULL), VGL_OK);
    for (size_t p = 0; p < (size_t)width * height; p++) {
        image.pixels[3 * p] = (uint8_t)(rgb >> 16);
        image.pixels[3 * p + 1] = (uint8_t)(rgb >> 8);
        image.pixels[3 * p + 2] = (uint8_t)rgb;
    }
    return image;
}

static void paint(vgl_image *image, int x0, int y0, int x1, int y1, uint32_t rgb)
{
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            uint8_t *q = image->pixels + 3 * ((size_t)y * image->width + x);
            q[0] = (uint8_t)(rgb >> 16), q[1] = (uint8_t)(rgb >> 8), q[2] = (uint8_t)rgb;
        }
}

static void write_png(const char *dir, const char *name, const vgl_image *image)
{
    uint8_t *png;
    size_t size;
    assert_int_equal(vgl_png_encode_rgb(image, &png, &size, NULL), VGL_OK);
    write_bytes(dir, name, png, size);
    free(png);
}

static void write_jpeg(const char *dir, const char *name, const vgl_image *image)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    unsigned char *out = NULL;
    unsigned long out_size = 0;
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &out, &out_size);
    c.image_width = (JDIMENSION)image->width;
    c.image_height = (JDIMENSION)image->height;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = image->pixels + (size_t)c.next_scanline * image->width * 3;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    write_bytes(dir, name, out, out_size);
    free(out);
}

static void write_solid_png(const char *dir, const char *name, int w, int h, uint32_t rgb)
{
    vgl_image image = solid(w, h, rgb);
    write_png(dir, name, &image);
    vgl_image_free(&image);
}

static void expect_ok(vgl_status status, const vgl_error *err)
{
    if (status != VGL_OK)
        fail_msg("unexpected error: %s", err->message);
}

static void expect_error(vgl_status got, vgl_status want, const vgl_error *err, const char *a,
                         const char *b)
{
    if (got != want || (a && !strstr(err->message, a)) || (b && !strstr(err->message, b)))
        fail_msg("expected status %d with \"%s\" and \"%s\"; got %d: %s", want, a ? a : "",
                 b ? b : "", got, err->message);
}

static size_t count_value(const uint8_t *map, size_t n, uint8_t value)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += map[i] == value;
    return c;
}

/* ------------------------------------------------------------ real data */

static void test_cookies(void **state)
{
    (void)state;
    dataset_local *d;
    vgl_error err = {0};
    expect_ok(dataset_local_from_manifest(COOKIES "/train.manifest", NULL, &d, &err), &err);
    expect_ok(dataset_local_check(d, &err), &err);
    const vgl_dataset *ds = dataset_local_dataset(d);
    assert_int_equal(ds->count, 63);
    assert_int_equal(ds->n_classes, 1);
    assert_string_equal(ds->classes[0].name, "cracked");
    assert_int_equal(ds->classes[0].color[1], 0xa4);
    assert_ptr_equal(ds->context, d);
    int normal = 0, anomaly = 0, masks = 0;
    for (size_t i = 0; i < ds->count; i++) {
        normal += ds->samples[i].label == VGL_LABEL_NORMAL;
        anomaly += ds->samples[i].label == VGL_LABEL_ANOMALY;
        masks += ds->samples[i].has_mask;
    }
    assert_int_equal(normal, 31);
    assert_int_equal(anomaly, 32);
    assert_int_equal(masks, 32);

    /* line 1 is anomaly-1 with its mask */
    assert_string_equal(ds->samples[0].name, "training-images/anomaly-1.jpg");
    assert_string_equal(dataset_local_image_path(d, 0),
                        COOKIES "/training-images/anomaly-1.jpg");
    assert_string_equal(dataset_local_mask_path(d, 0), COOKIES "/mask-images/anomaly-1.png");
    vgl_image image;
    uint8_t *mask;
    expect_ok(ds->load(ds->context, 0, &image, &mask, &err), &err);
    assert_int_equal(image.width, 576);
    assert_int_equal(image.height, 768);
    assert_non_null(mask);
    size_t n = (size_t)image.width * image.height;
    size_t cracked = count_value(mask, n, 1), background = count_value(mask, n, 0);
    assert_int_equal(cracked + background, n);
    assert_true(cracked > 100);
    assert_true(background > n / 2);
    /* the class-1 pixels are exactly the mask's #23A436 pixels */
    vgl_image raw;
    assert_int_equal(vgl_image_read_file(COOKIES "/mask-images/anomaly-1.png", NULL, &raw, NULL),
                     VGL_OK);
    size_t green = 0;
    for (size_t p = 0; p < n; p++)
        green += raw.pixels[3 * p] == 0x23 && raw.pixels[3 * p + 1] == 0xa4 &&
                 raw.pixels[3 * p + 2] == 0x36;
    assert_int_equal(green, cracked);
    vgl_image_free(&raw);
    vgl_image_free(&image);
    free(mask);

    /* a normal sample has no mask; mask may also be NULL */
    size_t normal_index = 0;
    while (ds->samples[normal_index].label != VGL_LABEL_NORMAL)
        normal_index++;
    mask = (uint8_t *)&err; /* must be reset */
    expect_ok(ds->load(ds->context, normal_index, &image, &mask, &err), &err);
    assert_null(mask);
    assert_int_equal(image.width, 576);
    vgl_image_free(&image);
    expect_ok(ds->load(ds->context, 1, &image, NULL, &err), &err);
    vgl_image_free(&image);
    expect_error(ds->load(ds->context, 63, &image, NULL, &err), VGL_EINVAL, &err, "63", NULL);
    dataset_local_free(d);
}

/* The cookies files through s3:// references, with --root. */
static void test_s3_refs_and_root(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char line[1024];
    snprintf(line, sizeof line,
             "{\"source-ref\":\"s3://my-bucket/training-images/anomaly-2.jpg\",\"anomaly-label\":1,"
             "\"anomaly-label-metadata\":{\"class-name\":\"anomaly\",\"type\":\"groundtruth/image-"
             "classification\"},\"anomaly-mask-ref\":\"s3://my-bucket/mask-images/anomaly-2.png\","
             "\"anomaly-mask-ref-metadata\":{\"internal-color-map\":{\"0\":{\"class-name\":"
             "\"cracked\",\"hex-color\":\"#23a436\"}},\"type\":\"groundtruth/semantic-segmentation\"}}\n"
             "{\"source-ref\":\"%s/training-images/normal-2.jpg\"}\n",
             COOKIES);
    write_text(dir, "train.manifest", line);
    char *manifest_path = path_in(dir, "train.manifest");
    dataset_local *d;
    vgl_error err = {0};
    expect_ok(dataset_local_from_manifest(manifest_path, COOKIES "/", &d, &err), &err);
    assert_string_equal(dataset_local_image_path(d, 0), COOKIES "/training-images/anomaly-2.jpg");
    assert_string_equal(dataset_local_mask_path(d, 0), COOKIES "/mask-images/anomaly-2.png");
    assert_string_equal(dataset_local_image_path(d, 1), COOKIES "/training-images/normal-2.jpg");
    assert_null(dataset_local_mask_path(d, 1));
    assert_int_equal(dataset_local_dataset(d)->samples[1].label, VGL_LABEL_NONE);
    expect_ok(dataset_local_check(d, &err), &err);
    const vgl_dataset *ds = dataset_local_dataset(d);
    vgl_image image;
    uint8_t *mask;
    expect_ok(ds->load(ds->context, 0, &image, &mask, &err), &err);
    assert_true(count_value(mask, (size_t)image.width * image.height, 1) > 0);
    vgl_image_free(&image);
    free(mask);
    dataset_local_free(d);

    /* without --root the manifest's folder is the root, where nothing is */
    expect_ok(dataset_local_from_manifest(manifest_path, NULL, &d, &err), &err);
    char *expected = path_in(dir, "training-images/anomaly-2.jpg");
    assert_string_equal(dataset_local_image_path(d, 0), expected);
    expect_error(dataset_local_check(d, &err), VGL_EIO, &err, expected, "manifest line 1");
    free(expected);
    dataset_local_free(d);

    expect_error(dataset_local_from_manifest(manifest_path, "/nonexistent-root", &d, &err),
                 VGL_ENOTFOUND, &err, "/nonexistent-root", NULL);
    assert_null(d);
    free(manifest_path);
    remove_tree(dir);
}

/* ROOT/BUCKET/KEY wins when it exists, else ROOT/KEY; ".." keys are refused. */
static void test_s3_bucket_folder(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    make_dir(dir, "b1");
    write_solid_png(dir, "b1/x.png", 64, 64, 0x808080);
    write_solid_png(dir, "x.png", 64, 64, 0x808080);
    write_solid_png(dir, "y.png", 64, 64, 0x808080);
    const char *text = "{\"source-ref\":\"s3://b1/x.png\"}\n{\"source-ref\":\"s3://b1/y.png\"}\n";
    manifest m;
    vgl_error err = {0};
    expect_ok(manifest_parse(text, strlen(text), &m, &err), &err);
    dataset_local *d;
    expect_ok(dataset_local_from_parsed(&m, dir, &d, &err), &err);
    manifest_free(&m);
    char *bx = path_in(dir, "b1/x.png"), *y = path_in(dir, "y.png");
    assert_string_equal(dataset_local_image_path(d, 0), bx);
    assert_string_equal(dataset_local_image_path(d, 1), y);
    free(bx);
    free(y);
    dataset_local_free(d);

    text = "{\"source-ref\":\"s3://b1/x.png\"}\n{\"source-ref\":\"s3://b1/a/../../etc/passwd\"}\n";
    expect_ok(manifest_parse(text, strlen(text), &m, &err), &err);
    expect_error(dataset_local_from_parsed(&m, dir, &d, &err), VGL_EINVAL, &err,
                 "manifest line 2:", "\"..\"");
    assert_null(d);
    manifest_free(&m);
    remove_tree(dir);
}

/* Every check and loader failure names the file (and the manifest line). */
static void test_check_and_loader_errors(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    vgl_image image = solid(64, 64, 0x808080);
    write_png(dir, "ok.png", &image);
    write_png(dir, "first.png", &image);
    write_jpeg(dir, "photo.jpg", &image);
    write_jpeg(dir, "jpeg-mask.png", &image);
    write_text(dir, "text.jpg", "not an image at all");
    write_text(dir, "empty.jpg", "");
    write_solid_png(dir, "small-mask.png", 64, 32, 0);
    /* sparse, so 9 MB cost nothing */
    char *big = path_in(dir, "big.jpg");
    int fd = open(big, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 9 << 20), 0);
    close(fd);
    vgl_image_free(&image);

#define SEG(src, mask)                                                                             \
    "{\"source-ref\":\"" src "\",\"anomaly-mask-ref\":\"" mask "\",\"anomaly-mask-ref-metadata\":{"  \
    "\"internal-color-map\":{},\"type\":\"groundtruth/semantic-segmentation\"}}\n"
    struct {
        const char *manifest;
        vgl_status check;
        const char *check_text;
        vgl_status load;
        const char *load_text;
    } cases[] = {
        {"{\"source-ref\":\"missing.jpg\"}\n", VGL_EIO, "missing.jpg", VGL_EIO, "missing.jpg"},
        {"{\"source-ref\":\"text.jpg\"}\n", VGL_EFORMAT, "text.jpg", VGL_EFORMAT, "text.jpg"},
        {"{\"source-ref\":\"empty.jpg\"}\n", VGL_EFORMAT, "empty.jpg", VGL_EFORMAT, "empty.jpg"},
        {"{\"source-ref\":\"big.jpg\"}\n", VGL_ELIMIT, "big.jpg", VGL_ELIMIT, "big.jpg"},
        {SEG("ok.png", "jpeg-mask.png"), VGL_EFORMAT, "jpeg-mask.png", VGL_EFORMAT, "must be a PNG"},
        {SEG("ok.png", "nomask.png"), VGL_EIO, "nomask.png", VGL_EIO, "nomask.png"},
        {SEG("photo.jpg", "small-mask.png"), VGL_OK, NULL, VGL_EFORMAT, "is 64x32 but its image"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[1024];
        /* a good first line, so the bad one is line 2 */
        snprintf(text, sizeof text, "{\"source-ref\":\"first.png\"}\n%s", cases[i].manifest);
        manifest m;
        vgl_error err = {0};
        expect_ok(manifest_parse(text, strlen(text), &m, &err), &err);
        dataset_local *d;
        expect_ok(dataset_local_from_parsed(&m, dir, &d, &err), &err);
        manifest_free(&m);
        if (cases[i].check == VGL_OK)
            expect_ok(dataset_local_check(d, &err), &err);
        else
            expect_error(dataset_local_check(d, &err), cases[i].check, &err, cases[i].check_text,
                         "manifest line 2");
        const vgl_dataset *ds = dataset_local_dataset(d);
        vgl_image loaded;
        uint8_t *mask = NULL;
        expect_ok(ds->load(ds->context, 0, &loaded, &mask, &err), &err);
        vgl_image_free(&loaded);
        expect_error(ds->load(ds->context, 1, &loaded, &mask, &err), cases[i].load, &err,
                     cases[i].load_text, "manifest line 2");
        assert_null(loaded.pixels);
        assert_null(mask);
        dataset_local_free(d);
    }
#undef SEG
    /* the wrong-size message names both files and sizes */
    {
        const char *text = "{\"source-ref\":\"photo.jpg\",\"m-ref\":\"small-mask.png\",\"m-ref-metadata\":"
                           "{\"internal-color-map\":{},\"type\":\"groundtruth/semantic-segmentation\"}}";
        manifest m;
        vgl_error err = {0};
        expect_ok(manifest_parse(text, strlen(text), &m, &err), &err);
        dataset_local *d;
        expect_ok(dataset_local_from_parsed(&m, dir, &d, &err), &err);
        manifest_free(&m);
        vgl_image loaded;
        uint8_t *mask;
        const vgl_dataset *ds = dataset_local_dataset(d);
        vgl_status st = ds->load(ds->context, 0, &loaded, &mask, &err);
        expect_error(st, VGL_EFORMAT, &err, "small-mask.png (manifest line 1) is 64x32", "photo.jpg is 64x64");
        dataset_local_free(d);
    }
    /* an empty manifest makes an empty dataset, which the check refuses */
    manifest m;
    vgl_error err = {0};
    expect_ok(manifest_parse("\n", 1, &m, &err), &err);
    dataset_local *d;
    expect_ok(dataset_local_from_parsed(&m, dir, &d, &err), &err);
    manifest_free(&m);
    expect_error(dataset_local_check(d, &err), VGL_EINVAL, &err, "no images", NULL);
    dataset_local_free(d);
    /* manifest errors name the manifest file and the line */
    write_text(dir, "bad.manifest", "{\"source-ref\":\"ok.png\"}\n{\"source-ref\":1}\n");
    char *bad = path_in(dir, "bad.manifest");
    expect_error(dataset_local_from_manifest(bad, NULL, &d, &err), VGL_EFORMAT, &err,
                 "bad.manifest: manifest line 2:", "not a string");
    free(bad);
    expect_error(dataset_local_from_manifest("/nonexistent/x.manifest", NULL, &d, &err), VGL_EIO,
                 &err, "/nonexistent/x.manifest", NULL);
    free(big);
    remove_tree(dir);
}

/* Mask colours map through the line's own colour map; others are background. */
static void test_manifest_mask_mapping(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    write_solid_png(dir, "a.png", 64, 64, 0x808080);
    vgl_image mask = solid(64, 64, 0x000000);
    paint(&mask, 0, 0, 10, 10, 0x7ed321);  /* scratch: 100 px */
    paint(&mask, 10, 0, 30, 10, 0x4dd8ff); /* dent: 200 px */
    paint(&mask, 30, 0, 40, 10, 0x123456); /* unknown colour: background */
    paint(&mask, 40, 0, 50, 10, 0xffffff); /* white: background */
    write_png(dir, "a-mask.png", &mask);
    vgl_image_free(&mask);
    const char *text =
        "{\"source-ref\":\"b.png\",\"m-ref\":\"a-mask.png\",\"m-ref-metadata\":{\"internal-color-map\":"
        "{\"0\":{\"class-name\":\"dent\",\"hex-color\":\"#4DD8FF\"}},\"type\":\"groundtruth/semantic-"
        "segmentation\"}}\n"
        "{\"source-ref\":\"a.png\",\"m-ref\":\"a-mask.png\",\"m-ref-metadata\":{\"internal-color-map\":"
        "{\"0\":{\"class-name\":\"BACKGROUND\",\"hex-color\":\"#ffffff\"},\"1\":{\"class-name\":"
        "\"scratch\",\"hex-color\":\"#7ed321\"},\"2\":{\"class-name\":\"dent\",\"hex-color\":\"#4dd8ff\"}},"
        "\"type\":\"groundtruth/semantic-segmentation\"}}\n";
    write_text(dir, "m.manifest", text);
    char *path = path_in(dir, "m.manifest");
    dataset_local *d;
    vgl_error err = {0};
    expect_ok(dataset_local_from_manifest(path, NULL, &d, &err), &err);
    free(path);
    const vgl_dataset *ds = dataset_local_dataset(d);
    assert_int_equal(ds->n_classes, 2);
    assert_string_equal(ds->classes[0].name, "dent");
    assert_string_equal(ds->classes[1].name, "scratch");
    vgl_image image;
    uint8_t *map;
    expect_ok(ds->load(ds->context, 1, &image, &map, &err), &err);
    assert_int_equal(count_value(map, 64 * 64, 2), 100); /* scratch is class 2 */
    assert_int_equal(count_value(map, 64 * 64, 1), 200); /* dent is class 1 */
    assert_int_equal(count_value(map, 64 * 64, 0), 64 * 64 - 300);
    assert_int_equal(map[0], 2);
    assert_int_equal(map[10], 1);
    assert_int_equal(map[35], 0);
    vgl_image_free(&image);
    free(map);
    dataset_local_free(d);
    remove_tree(dir);
}

/* ------------------------------------------------------------ file reader */

#define DISGUISE 0x5a

/* Rewrites a file with every byte XORed, as a stand-in for encryption. */
static void disguise_file(const char *dir, const char *name)
{
    char *p = path_in(dir, name);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    free(p);
    for (size_t i = 0; i < n; i++)
        buf[i] ^= DISGUISE;
    write_bytes(dir, name, buf, n);
}

typedef struct reader_log {
    int calls;
    int fail;
} reader_log;

static vgl_status undisguise(void *context, const char *path, uint8_t **data, size_t *size,
                             vgl_error *err)
{
    reader_log *log = context;
    log->calls++;
    if (log->fail)
        return vgl_error_set(err, VGL_EFORMAT, "refused by the reader");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    *data = malloc(1 << 16);
    *size = fread(*data, 1, 1 << 16, f);
    fclose(f);
    for (size_t i = 0; i < *size; i++)
        (*data)[i] ^= DISGUISE;
    return VGL_OK;
}

/* With a reader the check and the loader see the files only through it. */
static void test_reader(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    write_solid_png(dir, "a.png", 64, 64, 0x808080);
    vgl_image mask = solid(64, 64, 0x000000);
    paint(&mask, 0, 0, 10, 10, 0x7ed321);
    write_png(dir, "a-mask.png", &mask);
    vgl_image_free(&mask);
    disguise_file(dir, "a.png");
    disguise_file(dir, "a-mask.png");
    write_text(dir, "m.manifest",
               "{\"source-ref\":\"a.png\",\"m-ref\":\"a-mask.png\",\"m-ref-metadata\":{"
               "\"internal-color-map\":{\"0\":{\"class-name\":\"BACKGROUND\",\"hex-color\":"
               "\"#ffffff\"},\"1\":{\"class-name\":\"scratch\",\"hex-color\":\"#7ed321\"}},"
               "\"type\":\"groundtruth/semantic-segmentation\"}}\n");
    char *path = path_in(dir, "m.manifest");
    dataset_local *d;
    vgl_error err = {0};
    expect_ok(dataset_local_from_manifest(path, NULL, &d, &err), &err);
    free(path);
    expect_error(dataset_local_check(d, &err), VGL_EFORMAT, &err, "a.png", "not a JPEG or PNG");
    reader_log log = {0};
    dataset_local_set_reader(d, undisguise, &log);
    expect_ok(dataset_local_check(d, &err), &err);
    assert_int_equal(log.calls, 2);
    const vgl_dataset *ds = dataset_local_dataset(d);
    vgl_image image;
    uint8_t *map;
    expect_ok(ds->load(ds->context, 0, &image, &map, &err), &err);
    assert_int_equal(image.width, 64);
    assert_int_equal(count_value(map, 64 * 64, 1), 100);
    vgl_image_free(&image);
    free(map);
    log.fail = 1;
    expect_error(ds->load(ds->context, 0, &image, &map, &err), VGL_EFORMAT, &err, "a.png",
                 "refused by the reader");
    expect_error(dataset_local_check(d, &err), VGL_EFORMAT, &err, "a.png",
                 "refused by the reader");
    dataset_local_free(d);
    remove_tree(dir);
}

/* ------------------------------------------------------------ folder form */

/* normal/{b.png,a.jpg,notes.txt,.hidden.png}, anomaly/{x.png,y.JPG,z.png},
 * masks/{x.png (two colours), z.png (wrong size)}. */
static char *make_folder(void)
{
    char *dir = make_tmpdir();
    make_dir(dir, "normal");
    make_dir(dir, "anomaly");
    make_dir(dir, "masks");
    make_dir(dir, "normal/sub.png");
    vgl_image image = solid(64, 64, 0x808080);
    write_png(dir, "normal/b.png", &image);
    write_jpeg(dir, "normal/a.jpg", &image);
    write_text(dir, "normal/notes.txt", "ignored");
    write_png(dir, "normal/.hidden.png", &image);
    write_png(dir, "anomaly/x.png", &image);
    write_jpeg(dir, "anomaly/y.JPG", &image);
    write_png(dir, "anomaly/z.png", &image);
    vgl_image_free(&image);
    vgl_image mask = solid(64, 64, 0x000000);
    paint(&mask, 0, 0, 64, 1, 0xffffff);  /* white is background too */
    paint(&mask, 5, 5, 10, 10, 0x23a436); /* class1: 25 px, seen first */
    paint(&mask, 0, 20, 4, 30, 0xff0000); /* class2: 40 px */
    write_png(dir, "masks/x.png", &mask);
    vgl_image_free(&mask);
    write_solid_png(dir, "masks/z.png", 64, 80, 0x000000);
    write_solid_png(dir, "masks/unused.png", 64, 64, 0x0000ff);
    return dir;
}

static void test_folder_classes_from_masks(void **state)
{
    (void)state;
    char *dir = make_folder();
    dataset_local *d;
    vgl_error err = {0};
    expect_ok(dataset_local_from_folder(dir, NULL, 0, &d, &err), &err);
    expect_ok(dataset_local_check(d, &err), &err);
    const vgl_dataset *ds = dataset_local_dataset(d);
    assert_int_equal(ds->count, 5);
    const char *names[] = {"normal/a.jpg", "normal/b.png", "anomaly/x.png", "anomaly/y.JPG",
                           "anomaly/z.png"};
    const int labels[] = {VGL_LABEL_NORMAL, VGL_LABEL_NORMAL, VGL_LABEL_ANOMALY, VGL_LABEL_ANOMALY,
                          VGL_LABEL_ANOMALY};
    const int has_mask[] = {0, 0, 1, 0, 1};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(ds->samples[i].name, names[i]);
        assert_int_equal(ds->samples[i].label, labels[i]);
        assert_int_equal(ds->samples[i].has_mask, has_mask[i]);
    }
    char *x_mask = path_in(dir, "masks/x.png");
    assert_string_equal(dataset_local_mask_path(d, 2), x_mask);
    free(x_mask);
    /* the masks' colours, in order of first appearance */
    assert_int_equal(ds->n_classes, 2);
    assert_string_equal(ds->classes[0].name, "class1");
    assert_int_equal(ds->classes[0].color[0], 0x23);
    assert_string_equal(ds->classes[1].name, "class2");
    assert_int_equal(ds->classes[1].color[0], 0xff);

    vgl_image image;
    uint8_t *map;
    expect_ok(ds->load(ds->context, 0, &image, &map, &err), &err); /* JPEG, no mask */
    assert_int_equal(image.width, 64);
    assert_null(map);
    vgl_image_free(&image);
    expect_ok(ds->load(ds->context, 2, &image, &map, &err), &err);
    assert_int_equal(count_value(map, 64 * 64, 1), 25);
    assert_int_equal(count_value(map, 64 * 64, 2), 40);
    assert_int_equal(count_value(map, 64 * 64, 0), 64 * 64 - 65);
    vgl_image_free(&image);
    free(map);
    /* the wrong-size mask: an error naming both files and sizes */
    vgl_status status = ds->load(ds->context, 4, &image, &map, &err);
    expect_error(status, VGL_EFORMAT, &err, "masks/z.png is 64x80", "anomaly/z.png is 64x64");
    assert_null(image.pixels);
    assert_null(map);
    dataset_local_free(d);
    remove_tree(dir);
}

static void test_folder_caller_classes(void **state)
{
    (void)state;
    char *dir = make_folder();
    vgl_class classes[2] = {{"crack", {0x23, 0xa4, 0x36}}, {"hole", {0, 0, 0xff}}};
    dataset_local *d;
    vgl_error err = {0};
    expect_ok(dataset_local_from_folder(dir, classes, 2, &d, &err), &err);
    const vgl_dataset *ds = dataset_local_dataset(d);
    assert_int_equal(ds->n_classes, 2);
    assert_string_equal(ds->classes[1].name, "hole");
    vgl_image image;
    uint8_t *map;
    expect_ok(ds->load(ds->context, 2, &image, &map, &err), &err);
    assert_int_equal(count_value(map, 64 * 64, 1), 25);
    assert_int_equal(count_value(map, 64 * 64, 2), 0); /* red is not a class here */
    vgl_image_free(&image);
    free(map);
    dataset_local_free(d);

    vgl_class bad[2] = {{"crack", {1, 2, 3}}, {"crack", {4, 5, 6}}};
    expect_error(dataset_local_from_folder(dir, bad, 2, &d, &err), VGL_EINVAL, &err, "\"crack\"",
                 "share");
    vgl_class bad_name[1] = {{"a-b", {1, 2, 3}}};
    expect_error(dataset_local_from_folder(dir, bad_name, 1, &d, &err), VGL_EFORMAT, &err, "a-b",
                 NULL);
    expect_error(dataset_local_from_folder(dir, NULL, 3, &d, &err), VGL_EINVAL, &err, NULL, NULL);
    assert_null(d);
    remove_tree(dir);
}

static void test_folder_errors(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    dataset_local *d;
    vgl_error err = {0};
    expect_error(dataset_local_from_folder(dir, NULL, 0, &d, &err), VGL_ENOTFOUND, &err,
                 "neither a normal/ nor an anomaly/", NULL);
    make_dir(dir, "anomaly");
    write_text(dir, "anomaly/readme.txt", "x");
    expect_error(dataset_local_from_folder(dir, NULL, 0, &d, &err), VGL_ENOTFOUND, &err,
                 "hold no .jpg", NULL);
    expect_error(dataset_local_from_folder("/nonexistent-folder", NULL, 0, &d, &err),
                 VGL_ENOTFOUND, &err, "/nonexistent-folder", NULL);
    /* anomaly/ alone is enough; a mask that is no PNG fails naming it */
    write_solid_png(dir, "anomaly/a.png", 64, 64, 0x808080);
    make_dir(dir, "masks");
    vgl_image black = solid(64, 64, 0);
    write_jpeg(dir, "masks/a.png", &black);
    vgl_image_free(&black);
    expect_error(dataset_local_from_folder(dir, NULL, 0, &d, &err), VGL_EFORMAT, &err,
                 "masks/a.png", "must be a PNG");
    vgl_class one = {"crack", {1, 2, 3}};
    expect_ok(dataset_local_from_folder(dir, &one, 1, &d, &err), &err);
    expect_error(dataset_local_check(d, &err), VGL_EFORMAT, &err, "mask ", "masks/a.png");
    dataset_local_free(d);
    remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookies),
        cmocka_unit_test(test_s3_refs_and_root),
        cmocka_unit_test(test_s3_bucket_folder),
        cmocka_unit_test(test_check_and_loader_errors),
        cmocka_unit_test(test_manifest_mask_mapping),
        cmocka_unit_test(test_reader),
        cmocka_unit_test(test_folder_classes_from_masks),
        cmocka_unit_test(test_folder_caller_classes),
        cmocka_unit_test(test_folder_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_patch_features.c - patch features from the real MobileNetV2 backbone
 * (VIGIL_MODELS_DIR/mobilenet_v2.vgm, made by `make models`): the working
 * size rule (aspect ratio kept, sides multiples of 16, about 224^2 pixels
 * for small and medium images, capped about 448^2 for large photos; sizes
 * by hand), the grid (stride 8) and dim (32 + 96 = 128); extraction is
 * deterministic, finite, and equals the 3x3 neighbourhood means of the two
 * layers (the coarse one resized bilinearly) computed here from the raw
 * network outputs; an image shifted by 8 pixels (one cell) gives nearly the
 * same features one cell over in the interior; an unknown or missing
 * architecture is VGL_EUNSUPPORTED; init_fixed refuses bad sizes and layers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "graph.h"
#include "patch_features.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BACKBONE VIGIL_MODELS_DIR "/mobilenet_v2.vgm"

static vgl_network *backbone;

/* Loads the backbone once for every test; a missing file says what to run. */
static int load_backbone(void **state)
{
    (void)state;
    vgl_error err = {0};
    if (access(BACKBONE, R_OK) != 0) {
        print_error("missing backbone %s: run 'make models' first\n", BACKBONE);
        return -1;
    }
    if (vgl_network_load(BACKBONE, &backbone, &err) != VGL_OK) {
        print_error("cannot load %s: %s (run 'make models')\n", BACKBONE, err.message);
        return -1;
    }
    return 0;
}

static int free_backbone(void **state)
{
    (void)state;
    vgl_network_free(backbone);
    return 0;
}

/* ------------------------------------------------------ helpers */

static vgl_features init_ok(int width, int height)
{
    vgl_features f;
    vgl_error err = {0};
    if (vgl_features_init(&f, backbone, width, height, &err) != VGL_OK)
        fail_msg("init %dx%d: %s", width, height, err.message);
    return f;
}

static vgl_features init_fixed_ok(int width, int height)
{
    vgl_features f;
    vgl_error err = {0};
    if (vgl_features_init_fixed(&f, backbone, "block_5_add", "block_12_add", width, height, &err))
        fail_msg("init_fixed %dx%d: %s", width, height, err.message);
    return f;
}

/* A smooth, textured test picture of a canvas, cropped at (x0, 0). */
static vgl_image picture(int width, int height, int x0)
{
    vgl_image image;
    assert_int_equal(vgl_image_alloc(width, height, &image, NULL), VGL_OK);
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            double u = x + x0, v = y;
            double blobs = sin(u * 0.11) * cos(v * 0.07) + 0.6 * sin((u + 2 * v) * 0.23) +
                           0.4 * cos(u * 0.031 - v * 0.053);
            for (int c = 0; c < 3; c++) {
                double value = 128 + 60 * blobs + 30 * sin(u * 0.05 * (c + 1) + v * 0.02 * c);
                uint8_t *p = image.pixels + ((size_t)y * width + x) * 3 + c;
                *p = (uint8_t)(value < 0 ? 0 : value > 255 ? 255 : value);
            }
        }
    return image;
}

static float *extract_ok(const vgl_features *f, const vgl_image *image, int threads)
{
    float *out = malloc(sizeof(float) * vgl_features_count(f) * (size_t)f->dim);
    assert_non_null(out);
    vgl_error err = {0};
    if (vgl_features_extract(f, image, threads, out, &err) != VGL_OK)
        fail_msg("extract: %s", err.message);
    return out;
}

/* ------------------------------------------------------ working size */

static vgl_features check_size(int width, int height, int want_width, int want_height)
{
    vgl_features f = init_ok(width, height);
    if (f.work_width != want_width || f.work_height != want_height)
        fail_msg("%dx%d: working size %dx%d, expected %dx%d", width, height, f.work_width,
                 f.work_height, want_width, want_height);
    assert_int_equal(f.work_width % 16, 0);
    assert_int_equal(f.work_height % 16, 0);
    /* the aspect ratio within the rounding of a side to 16 */
    double aspect = (double)width / height, got = (double)f.work_width / f.work_height;
    int short_side = f.work_width < f.work_height ? f.work_width : f.work_height;
    assert_true(fabs(got - aspect) / aspect < 16.0 / short_side);
    /* stride 8 grid, 32 + 96 channels */
    assert_int_equal(f.grid_width, f.work_width / 8);
    assert_int_equal(f.grid_height, f.work_height / 8);
    assert_int_equal(f.dim, 128);
    assert_string_equal(f.layers[0], "block_5_add");
    assert_string_equal(f.layers[1], "block_12_add");
    assert_true(f.network == backbone);
    return f;
}

/*
 * 576x768: sqrt(576 * 768) = 665.1, a third of it 221.7 -> 224; scale
 * 224 / 665.1: 194.0 x 258.7 -> 192 x 256 (12 and 16 times 16).
 * 100x80: 89.4 / 3 below 224 -> 224; scale 2.504: 250.4 x 200.3 -> 256 x 208
 * (53248 pixels, 6% over 224^2).
 * 4000x3000: 3464 / 3 = 1155 capped at 448; scale 0.1293: 517.3 x 388.0
 * -> 512 x 384 (196608 pixels, 2% under 448^2).
 */
static void test_working_size_rule(void **state)
{
    (void)state;
    check_size(576, 768, 192, 256);
    check_size(100, 80, 256, 208);
    check_size(4000, 3000, 512, 384);
}

/* Between the limits the side grows with the image: 1200x1200 -> a third, 400
 * (25 x 16); 900x1350 -> 1102.7 / 3 = 367.4: 300 x 450 -> 304 x 448. */
static void test_working_size_grows_between_limits(void **state)
{
    (void)state;
    check_size(900, 1350, 304, 448);
    vgl_features f = check_size(1200, 1200, 400, 400);
    double pixels = (double)f.work_width * f.work_height;
    assert_true(pixels > 224.0 * 224 && pixels <= 448.0 * 448 * 1.05);
}

/* ------------------------------------------------------ extraction */

static void test_extract_deterministic_and_finite(void **state)
{
    (void)state;
    vgl_features f = init_fixed_ok(128, 96);
    assert_int_equal(f.grid_width, 16);
    assert_int_equal(f.grid_height, 12);
    vgl_image image = picture(200, 150, 0); /* resized to 128x96 first */
    float *a = extract_ok(&f, &image, 2), *b = extract_ok(&f, &image, 2),
          *c = extract_ok(&f, &image, 1);
    size_t count = vgl_features_count(&f) * (size_t)f.dim;
    assert_memory_equal(a, b, sizeof(float) * count);
    double energy = 0;
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(a[i]))
            fail_msg("feature %zu is %g", i, a[i]);
        if (fabs(a[i] - c[i]) > 1e-4 * (1 + fabs(a[i])))
            fail_msg("feature %zu: %g with 2 threads, %g with 1", i, a[i], c[i]);
        energy += fabs(a[i]);
    }
    assert_true(energy > 0); /* a textured picture gives non-zero features */
    free(a), free(b), free(c);
    vgl_image_free(&image);
}

/* The 3x3 mean over the in-map neighbours of (y, x), channel k. */
static double neighbourhood_mean(const vgl_tensor *t, int y, int x, int k)
{
    double sum = 0;
    int n = 0;
    for (int yy = y - 1; yy <= y + 1; yy++)
        for (int xx = x - 1; xx <= x + 1; xx++)
            if (yy >= 0 && yy < t->h && xx >= 0 && xx < t->w)
                sum += t->data[((size_t)yy * t->w + xx) * t->c + k], n++;
    return sum / n;
}

/* Bilinear sample (pixel centres aligned, clamped) of the smoothed coarse map. */
static double coarse_at(const vgl_tensor *t, int gy, int gx, int gh, int gw, int k)
{
    double py = fmin(fmax((gy + 0.5) * t->h / gh - 0.5, 0), t->h - 1);
    double px = fmin(fmax((gx + 0.5) * t->w / gw - 0.5, 0), t->w - 1);
    int y0 = (int)py, x0 = (int)px;
    int y1 = y0 + 1 < t->h ? y0 + 1 : y0, x1 = x0 + 1 < t->w ? x0 + 1 : x0;
    double fy = py - y0, fx = px - x0;
    double a = neighbourhood_mean(t, y0, x0, k), b = neighbourhood_mean(t, y0, x1, k);
    double c = neighbourhood_mean(t, y1, x0, k), d = neighbourhood_mean(t, y1, x1, k);
    return (1 - fy) * ((1 - fx) * a + fx * b) + fy * ((1 - fx) * c + fx * d);
}

/* The features are the layers' outputs, smoothed, resized and concatenated. */
static void test_extract_matches_layers(void **state)
{
    (void)state;
    const int w = 96, h = 80; /* fine 12x10, coarse 6x5 */
    vgl_features f = init_fixed_ok(w, h);
    vgl_image image = picture(w, h, 3);
    float *features = extract_ok(&f, &image, 1);
    float *input = malloc(sizeof(float) * (size_t)w * h * 3);
    assert_non_null(input);
    vgl_network_prepare_input(backbone, &image, input);
    const char *layers[2] = {"block_5_add", "block_12_add"};
    vgl_tensor maps[2];
    assert_int_equal(vgl_network_run(backbone, input, 1, h, w, layers, 2, 1, maps, NULL), VGL_OK);
    assert_int_equal(maps[0].c, 32);
    assert_int_equal(maps[1].c, 96);
    assert_int_equal(maps[0].h, f.grid_height);
    assert_int_equal(maps[0].w, f.grid_width);
    for (int y = 0; y < f.grid_height; y++)
        for (int x = 0; x < f.grid_width; x++) {
            const float *got = features + ((size_t)y * f.grid_width + x) * f.dim;
            for (int k = 0; k < f.dim; k++) {
                double want = k < 32 ? neighbourhood_mean(&maps[0], y, x, k)
                                     : coarse_at(&maps[1], y, x, f.grid_height, f.grid_width,
                                                 k - 32);
                if (fabs(got[k] - want) > 1e-4 * (1 + fabs(want)))
                    fail_msg("cell (%d, %d) channel %d: %g, expected %g", y, x, k, got[k], want);
            }
        }
    vgl_tensor_free(&maps[0]);
    vgl_tensor_free(&maps[1]);
    free(input), free(features);
    vgl_image_free(&image);
}

/* Distance between two feature vectors relative to their size. */
static double relative_distance(const float *a, const float *b, int dim)
{
    double d = 0, na = 0, nb = 0;
    for (int k = 0; k < dim; k++) {
        double diff = (double)a[k] - b[k];
        d += diff * diff, na += (double)a[k] * a[k], nb += (double)b[k] * b[k];
    }
    return sqrt(d) / sqrt(0.5 * (na + nb) + 1e-12);
}

/*
 * Shift tolerance: crop B starts 8 pixels right of crop A, so B's cell x
 * shows what A's cell x + 1 shows.  In the interior (away from the zero
 * padding) these features must be close, and much closer than the features
 * of the same cell index, which show different content.
 */
static void test_shift_by_one_cell(void **state)
{
    (void)state;
    const int w = 192, h = 128;
    vgl_features f = init_fixed_ok(w, h);
    vgl_image a = picture(w, h, 0), b = picture(w, h, 8);
    float *fa = extract_ok(&f, &a, 2), *fb = extract_ok(&f, &b, 2);
    double shifted = 0, unshifted = 0;
    int cells = 0;
    for (int y = 3; y < f.grid_height - 3; y++)
        for (int x = 3; x < f.grid_width - 4; x++) {
            const float *pa = fa + ((size_t)y * f.grid_width + x + 1) * f.dim;
            const float *pb = fb + ((size_t)y * f.grid_width + x) * f.dim;
            const float *same = fa + ((size_t)y * f.grid_width + x) * f.dim;
            double d = relative_distance(pa, pb, f.dim);
            if (d > 0.25)
                fail_msg("cell (%d, %d): shifted features differ by %.3f of their size", y, x, d);
            shifted += d, unshifted += relative_distance(same, pb, f.dim), cells++;
        }
    shifted /= cells, unshifted /= cells;
    if (!(shifted < 0.1 && shifted < 0.5 * unshifted))
        fail_msg("mean relative difference %.3f one cell over, %.3f at the same cell", shifted,
                 unshifted);
    free(fa), free(fb);
    vgl_image_free(&a), vgl_image_free(&b);
}

/* ------------------------------------------------------ refusals */

/* A one-convolution network whose file names another architecture (or none). */
static vgl_network *tiny_network(const char *architecture, const char *path)
{
    static float weight[3 * 4], bias[4];
    vgl_node nodes[2] = {
        {.name = "input", .op = VGL_OP_INPUT, .out_channels = 3},
        {.name = "c1", .op = VGL_OP_CONV, .n_inputs = 1, .inputs = {0}, .kernel_h = 1,
         .kernel_w = 1, .stride_h = 1, .stride_w = 1, .out_channels = 4, .weight = weight,
         .bias = bias},
    };
    vgl_graph graph = {2, nodes, NULL};
    assert_int_equal(vgl_graph_validate(&graph, NULL), VGL_OK);
    vgl_modelfile_writer *w = vgl_modelfile_writer_create();
    double mean[3] = {0, 0, 0}, std[3] = {1, 1, 1};
    assert_int_equal(vgl_modelfile_set_float(w, "input.scale", 1.0 / 255, NULL), VGL_OK);
    assert_int_equal(vgl_modelfile_set_floats(w, "input.mean", mean, 3, NULL), VGL_OK);
    assert_int_equal(vgl_modelfile_set_floats(w, "input.std", std, 3, NULL), VGL_OK);
    if (architecture)
        assert_int_equal(
            vgl_modelfile_set_string(w, "general.architecture", architecture, NULL), VGL_OK);
    assert_int_equal(vgl_graph_store(&graph, w, NULL), VGL_OK);
    assert_int_equal(vgl_modelfile_write(w, path, NULL), VGL_OK);
    vgl_modelfile_writer_free(w);
    free(graph.channels);
    vgl_network *net = NULL;
    vgl_error err = {0};
    if (vgl_network_load(path, &net, &err))
        fail_msg("tiny network: %s", err.message);
    return net;
}

static void check_unsupported(const char *architecture)
{
    char dir[] = "/tmp/vigil-test-features-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/net.vgm", dir);
    vgl_network *net = tiny_network(architecture, path);
    vgl_features f;
    vgl_error err = {0};
    assert_int_equal(vgl_features_init(&f, net, 640, 480, &err), VGL_EUNSUPPORTED);
    assert_int_equal(err.status, VGL_EUNSUPPORTED);
    if (architecture && !strstr(err.message, architecture))
        fail_msg("message \"%s\" does not name the architecture", err.message);
    vgl_network_free(net);
    unlink(path);
    rmdir(dir);
}

static void test_unknown_architecture(void **state)
{
    (void)state;
    check_unsupported("resnet50");
    check_unsupported(NULL);
}

static void check_fixed_refused(const char *fine, const char *coarse, int width, int height)
{
    vgl_features f;
    vgl_error err = {0};
    vgl_status status = vgl_features_init_fixed(&f, backbone, fine, coarse, width, height, &err);
    if (status == VGL_OK)
        fail_msg("init_fixed %s %s %dx%d accepted", fine, coarse, width, height);
    assert_int_equal(err.status, status);
    assert_true(err.message[0] != '\0');
}

static void test_init_fixed_refusals(void **state)
{
    (void)state;
    check_fixed_refused("block_5_add", "block_12_add", 31, 64);
    check_fixed_refused("block_5_add", "block_12_add", 64, 16);
    check_fixed_refused("block_5_add", "block_12_add", 64, 4097);
    check_fixed_refused("block_5_add", "block_12_add", 0, -5);
    check_fixed_refused("no_such_layer", "block_12_add", 128, 128);
    check_fixed_refused("block_5_add", "", 128, 128);
    /* the limits themselves are accepted */
    vgl_features f = init_fixed_ok(32, 32);
    assert_int_equal(f.grid_width, 4);
    assert_int_equal(f.dim, 128);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_working_size_rule),
        cmocka_unit_test(test_working_size_grows_between_limits),
        cmocka_unit_test(test_extract_deterministic_and_finite),
        cmocka_unit_test(test_extract_matches_layers),
        cmocka_unit_test(test_shift_by_one_cell),
        cmocka_unit_test(test_unknown_architecture),
        cmocka_unit_test(test_init_fixed_refusals),
    };
    return cmocka_run_group_tests(tests, load_backbone, free_backbone);
}

/*
 * test_tfjs_import.c - the TF.js importer on small hand-written Keras
 * models: batch norm, activations and zero padding folded as their maths
 * says, the classification head dropped, quantised and float weights read
 * exactly as TF.js reads them, and every malformed input refused with a
 * message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "graph.h"
#include "tfjs_import.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/vigil-test-tfjs-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    const char *names[] = {"model.json", "weights.bin", "out.vgm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    return rmdir(dir);
}

static void write_file(const char *name, const void *data, size_t size)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, size, f), size);
    fclose(f);
}

/* input(3) -> pad ((0,1),(0,1)) -> conv 3x3/2 valid, 2 filters, no bias ->
 * bn -> relu6 -> dense head (flatten, dense) */
static const char *model_json =
    "{\"modelTopology\":{\"model_config\":{\"class_name\":\"Model\",\"config\":{\"layers\":["
    "{\"name\":\"in\",\"class_name\":\"InputLayer\",\"config\":{\"batch_input_shape\":[null,8,8,3]},"
    "\"inbound_nodes\":[]},"
    "{\"name\":\"pad\",\"class_name\":\"ZeroPadding2D\",\"config\":{\"padding\":[[0,1],[0,1]]},"
    "\"inbound_nodes\":[[[\"in\",0,0,{}]]]},"
    "{\"name\":\"conv\",\"class_name\":\"Conv2D\",\"config\":{\"kernel_size\":[3,3],\"strides\":[2,2],"
    "\"padding\":\"valid\",\"activation\":\"linear\",\"use_bias\":false,\"dilation_rate\":[1,1]},"
    "\"inbound_nodes\":[[[\"pad\",0,0,{}]]]},"
    "{\"name\":\"bn\",\"class_name\":\"BatchNormalization\",\"config\":{\"epsilon\":0.001,"
    "\"scale\":true,\"center\":true},\"inbound_nodes\":[[[\"conv\",0,0,{}]]]},"
    "{\"name\":\"relu\",\"class_name\":\"ReLU\",\"config\":{\"max_value\":6,\"negative_slope\":0,"
    "\"threshold\":0},\"inbound_nodes\":[[[\"bn\",0,0,{}]]]},"
    "{\"name\":\"flat\",\"class_name\":\"Flatten\",\"config\":{},\"inbound_nodes\":[[[\"relu\",0,0,{}]]]},"
    "{\"name\":\"fc\",\"class_name\":\"Dense\",\"config\":{},\"inbound_nodes\":[[[\"flat\",0,0,{}]]]}"
    "]}}},\"weightsManifest\":[{\"paths\":[\"weights.bin\"],\"weights\":["
    "{\"name\":\"conv/kernel\",\"shape\":[3,3,3,2],\"dtype\":\"float32\","
    "\"quantization\":{\"min\":-1.0,\"scale\":0.01,\"dtype\":\"uint8\"}},"
    "{\"name\":\"bn/gamma\",\"shape\":[2],\"dtype\":\"float32\"},"
    "{\"name\":\"bn/beta\",\"shape\":[2],\"dtype\":\"float32\"},"
    "{\"name\":\"bn/moving_mean\",\"shape\":[2],\"dtype\":\"float32\"},"
    "{\"name\":\"bn/moving_variance\",\"shape\":[2],\"dtype\":\"float32\"}"
    "]}]}";

#define KERNEL_COUNT (3 * 3 * 3 * 2)
static const float gamma_[2] = {2.0f, 0.5f}, beta_[2] = {0.1f, -0.2f};
static const float mean_[2] = {0.3f, -0.4f}, var_[2] = {0.25f, 4.0f};

static void write_model(const char *json, size_t weight_bytes)
{
    write_file("model.json", json, strlen(json));
    /* room for the longer-than-described file of the refusal tests */
    uint8_t weights[KERNEL_COUNT + 8 * 4 + 16] = {0};
    assert_true(weight_bytes <= sizeof weights);
    for (int i = 0; i < KERNEL_COUNT; i++)
        weights[i] = (uint8_t)(i * 7 % 200);
    const float *vectors[4] = {gamma_, beta_, mean_, var_};
    for (int v = 0; v < 4; v++)
        memcpy(weights + KERNEL_COUNT + v * 8, vectors[v], 8);
    write_file("weights.bin", weights, weight_bytes);
}

static vgl_status import(vgl_error *err)
{
    char out[128];
    snprintf(out, sizeof out, "%s/out.vgm", dir);
    tfjs_import_options options = {.tfjs_dir = dir, .output_path = out, .architecture = "tiny",
                                   .source = "test", .license = "MIT", .input_scale = 1.0 / 255,
                                   .input_mean = {0, 0, 0}, .input_std = {1, 1, 1}};
    int n_nodes = 0;
    return tfjs_import(&options, &n_nodes, err);
}

static void test_folds_and_drops_the_head(void **state)
{
    (void)state;
    write_model(model_json, KERNEL_COUNT + 32);
    vgl_error err = {0};
    assert_int_equal(import(&err), VGL_OK);
    char path[128];
    snprintf(path, sizeof path, "%s/out.vgm", dir);
    vgl_modelfile *file = NULL;
    assert_int_equal(vgl_modelfile_open(path, &file, &err), VGL_OK);
    vgl_graph graph;
    assert_int_equal(vgl_graph_load(file, &graph, &err), VGL_OK);
    /* input + one conv carrying pad, bn and relu6; flatten and dense gone */
    assert_int_equal(graph.n_nodes, 2);
    const vgl_node *conv = &graph.nodes[1];
    assert_string_equal(conv->name, "relu");
    assert_int_equal(conv->op, VGL_OP_CONV);
    assert_int_equal(conv->activation, VGL_ACT_RELU6);
    assert_int_equal(conv->pad_bottom, 1);
    assert_int_equal(conv->pad_right, 1);
    assert_int_equal(conv->pad_top, 0);
    for (int i = 0; i < KERNEL_COUNT; i++) {
        int channel = i % 2;
        double q = (double)(i * 7 % 200) * 0.01 - 1.0; /* TF.js: q * scale + min */
        double factor = gamma_[channel] / sqrt((double)var_[channel] + 0.001);
        assert_true(fabs(conv->weight[i] - q * factor) < 1e-5);
    }
    for (int c = 0; c < 2; c++) {
        double factor = gamma_[c] / sqrt((double)var_[c] + 0.001);
        assert_true(fabs(conv->bias[c] - ((0 - mean_[c]) * factor + beta_[c])) < 1e-5);
    }
    const char *arch = vgl_modelfile_get_string(file, "general.architecture");
    assert_string_equal(arch, "tiny");
    vgl_graph_free(&graph);
    vgl_modelfile_close(file);
}

/* Replaces the first occurrence of `from` in the model text. */
static char *edited(const char *from, const char *to)
{
    const char *at = strstr(model_json, from);
    assert_non_null(at);
    size_t head = (size_t)(at - model_json);
    char *text = malloc(strlen(model_json) + strlen(to) + 1);
    memcpy(text, model_json, head);
    strcpy(text + head, to);
    strcat(text, at + strlen(from));
    return text;
}

static void expect_refused(const char *json, size_t weight_bytes, vgl_status status,
                           const char *words)
{
    write_model(json, weight_bytes);
    vgl_error err = {0};
    assert_int_equal(import(&err), status);
    if (!strstr(err.message, words))
        fail_msg("message '%s' lacks '%s'", err.message, words);
}

static void test_refuses_bad_models(void **state)
{
    (void)state;
    size_t full = KERNEL_COUNT + 32;
    expect_refused(model_json, full - 1, VGL_EFORMAT, "too short");
    expect_refused(model_json, full + 4, VGL_EFORMAT, "manifest describes");
    expect_refused("{not json", full, VGL_EFORMAT, "model.json");
    char *text = edited("\"class_name\":\"ReLU\"", "\"class_name\":\"LSTM\"");
    expect_refused(text, full, VGL_EUNSUPPORTED, "LSTM");
    free(text);
    text = edited("\"dilation_rate\":[1,1]", "\"dilation_rate\":[2,2]");
    expect_refused(text, full, VGL_EUNSUPPORTED, "dilation");
    free(text);
    text = edited("\"name\":\"bn/gamma\"", "\"name\":\"other/gamma\"");
    expect_refused(text, full, VGL_EFORMAT, "bn");
    free(text);
    text = edited("[[\"conv\",0,0,{}]]", "[[\"nowhere\",0,0,{}]]");
    expect_refused(text, full, VGL_EFORMAT, "nowhere");
    free(text);
    text = edited("\"max_value\":6", "\"max_value\":4");
    expect_refused(text, full, VGL_EUNSUPPORTED, "ReLU6");
    free(text);
    text = edited("\"dtype\":\"uint8\"", "\"dtype\":\"int4\"");
    expect_refused(text, full, VGL_EUNSUPPORTED, "int4");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_folds_and_drops_the_head),
        cmocka_unit_test(test_refuses_bad_models),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

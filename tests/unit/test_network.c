/*
 * test_network.c - graphs through model files and the runtime's planner:
 * a small graph built here, stored, loaded and run must give what the
 * kernels give when chained by hand; batches, thread counts and damaged
 * graphs behave; and the real converted backbones run at any size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "graph.h"
#include "ops.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch[64];

static int setup(void **state)
{
    (void)state;
    strcpy(scratch, "/tmp/vigil-test-network-XXXXXX");
    return mkdtemp(scratch) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/net.vgm", scratch);
    unlink(path);
    return rmdir(scratch);
}

static float weights[4][3 * 3 * 4 * 4], biases[4][4];

static vgl_node spatial(const char *name, vgl_op op, int input, int k, int s, vgl_padding padding,
                        vgl_activation activation, int channels, int index)
{
    vgl_node n = {.op = op, .n_inputs = 1, .inputs = {input}, .kernel_h = k, .kernel_w = k,
                  .stride_h = s, .stride_w = s, .padding = padding, .activation = activation,
                  .out_channels = channels};
    snprintf(n.name, sizeof n.name, "%s", name);
    if (op == VGL_OP_CONV || op == VGL_OP_DEPTHWISE)
        n.weight = weights[index], n.bias = biases[index];
    return n;
}

/* input(3) -> c1 conv3x3/2 relu (4) -> d1 dw3x3 relu6 -> p1 conv1x1 (4)
 * a1 = c1 + p1;  cat = concat(a1, d1);  m1 = maxpool3x3/2(a1) */
static void build_graph(vgl_node *nodes)
{
    for (int i = 0; i < 4; i++) {
        for (size_t k = 0; k < sizeof weights[i] / sizeof(float); k++)
            weights[i][k] = (float)((k * 37 + i * 11) % 17) / 17.0f - 0.4f;
        for (int k = 0; k < 4; k++)
            biases[i][k] = 0.1f * (float)(k - i);
    }
    nodes[0] = (vgl_node){.name = "input", .op = VGL_OP_INPUT, .out_channels = 3};
    nodes[1] = spatial("c1", VGL_OP_CONV, 0, 3, 2, VGL_PAD_SAME, VGL_ACT_RELU, 4, 0);
    nodes[2] = spatial("d1", VGL_OP_DEPTHWISE, 1, 3, 1, VGL_PAD_SAME, VGL_ACT_RELU6, 0, 1);
    nodes[3] = spatial("p1", VGL_OP_CONV, 2, 1, 1, VGL_PAD_VALID, VGL_ACT_NONE, 4, 2);
    nodes[4] = (vgl_node){.name = "a1", .op = VGL_OP_ADD, .n_inputs = 2, .inputs = {1, 3}};
    nodes[5] = (vgl_node){.name = "cat", .op = VGL_OP_CONCAT, .n_inputs = 2, .inputs = {4, 2}};
    nodes[6] = spatial("m1", VGL_OP_MAX_POOL, 4, 3, 2, VGL_PAD_VALID, VGL_ACT_NONE, 0, 0);
}

static void write_graph(vgl_node *nodes, int n_nodes, int validate)
{
    vgl_graph graph = {n_nodes, nodes, NULL};
    if (validate)
        assert_int_equal(vgl_graph_validate(&graph, NULL), VGL_OK);
    vgl_modelfile_writer *w = vgl_modelfile_writer_create();
    double mean[3] = {0, 0, 0}, std[3] = {1, 1, 1};
    assert_int_equal(vgl_modelfile_set_float(w, "input.scale", 1.0 / 255, NULL), VGL_OK);
    assert_int_equal(vgl_modelfile_set_floats(w, "input.mean", mean, 3, NULL), VGL_OK);
    assert_int_equal(vgl_modelfile_set_floats(w, "input.std", std, 3, NULL), VGL_OK);
    if (graph.channels) {
        assert_int_equal(vgl_graph_store(&graph, w, NULL), VGL_OK);
    } else {
        /* an invalid graph: store what we can without validation */
        int channels[8] = {3, 4, 4, 4, 4, 8, 4, 4};
        graph.channels = channels;
        assert_int_equal(vgl_graph_store(&graph, w, NULL), VGL_OK);
        graph.channels = NULL;
    }
    char path[128];
    snprintf(path, sizeof path, "%s/net.vgm", scratch);
    assert_int_equal(vgl_modelfile_write(w, path, NULL), VGL_OK);
    vgl_modelfile_writer_free(w);
    free(graph.channels);
}

static vgl_network *load(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/net.vgm", scratch);
    vgl_network *net = NULL;
    vgl_error err = {0};
    if (vgl_network_load(path, &net, &err))
        fail_msg("load: %s", err.message);
    return net;
}

static float *input_values(int n, int h, int w)
{
    float *in = malloc(sizeof(float) * (size_t)n * h * w * 3);
    for (size_t i = 0; i < (size_t)n * h * w * 3; i++)
        in[i] = (float)((i * 7919) % 255) / 255.0f;
    return in;
}

static void test_graph_runs_like_kernels_chained_by_hand(void **state)
{
    (void)state;
    vgl_node nodes[7];
    build_graph(nodes);
    write_graph(nodes, 7, 1);
    vgl_network *net = load();
    int h = 13, w = 10;
    float *in = input_values(1, h, w);
    const char *layers[] = {"a1", "cat", "m1"};
    vgl_tensor out[3];
    assert_int_equal(vgl_network_run(net, in, 1, h, w, layers, 3, 2, out, NULL), VGL_OK);
    assert_int_equal(out[0].h, 7), assert_int_equal(out[0].w, 5), assert_int_equal(out[0].c, 4);
    assert_int_equal(out[1].c, 8);
    assert_int_equal(out[2].h, 3), assert_int_equal(out[2].w, 2);

    /* by hand */
    vgl_shape s0 = {1, h, w, 3}, s1 = {1, 7, 5, 4};
    int oh, ow, ph, pw;
    float c1[140], d1[140], p1[140], a1[140];
    vgl_node_output_size(&nodes[1], h, w, &oh, &ow, &ph, &pw, NULL);
    vgl_op_conv(&nodes[1], in, s0, c1, s1, ph, pw, 1, NULL);
    vgl_node_output_size(&nodes[2], 7, 5, &oh, &ow, &ph, &pw, NULL);
    vgl_op_depthwise(&nodes[2], c1, s1, d1, s1, ph, pw, 1);
    vgl_op_conv(&nodes[3], d1, s1, p1, s1, 0, 0, 1, NULL);
    const float *ins[2] = {c1, p1};
    vgl_op_add(ins, 2, a1, 140, 1);
    for (int i = 0; i < 140; i++)
        assert_true(fabsf(out[0].data[i] - a1[i]) < 1e-5f);
    for (int p = 0; p < 35; p++)
        for (int c = 0; c < 4; c++) {
            assert_true(out[1].data[p * 8 + c] == out[0].data[p * 4 + c]);
            assert_true(fabsf(out[1].data[p * 8 + 4 + c] - d1[p * 4 + c]) < 1e-5f);
        }
    for (int k = 0; k < 3; k++)
        vgl_tensor_free(&out[k]);
    free(in);
    vgl_network_free(net);
}

static void test_batch_and_threads_agree(void **state)
{
    (void)state;
    vgl_node nodes[7];
    build_graph(nodes);
    write_graph(nodes, 7, 1);
    vgl_network *net = load();
    int h = 16, w = 21;
    float *in = input_values(2, h, w);
    const char *layers[] = {"cat", "cat"};
    vgl_tensor both[2], single[2];
    assert_int_equal(vgl_network_run(net, in, 2, h, w, layers, 2, 2, both, NULL), VGL_OK);
    size_t per_image = (size_t)both[0].h * both[0].w * both[0].c;
    for (int img = 0; img < 2; img++) {
        assert_int_equal(vgl_network_run(net, in + (size_t)img * h * w * 3, 1, h, w, layers, 1,
                                         1, single, NULL),
                         VGL_OK);
        for (size_t i = 0; i < per_image; i++)
            assert_true(fabsf(single[0].data[i] - both[0].data[img * per_image + i]) < 1e-5f);
        vgl_tensor_free(&single[0]);
    }
    /* a layer asked for twice comes back twice */
    assert_memory_equal(both[0].data, both[1].data, per_image * 2 * sizeof(float));
    vgl_tensor_free(&both[0]);
    vgl_tensor_free(&both[1]);
    free(in);
    vgl_network_free(net);
}

static void test_run_errors(void **state)
{
    (void)state;
    vgl_node nodes[7];
    build_graph(nodes);
    write_graph(nodes, 7, 1);
    vgl_network *net = load();
    float *in = input_values(1, 16, 16);
    vgl_tensor out[1];
    vgl_error err = {0};
    const char *unknown[] = {"no_such_layer"};
    assert_int_equal(vgl_network_run(net, in, 1, 16, 16, unknown, 1, 1, out, &err), VGL_ENOTFOUND);
    assert_non_null(strstr(err.message, "no_such_layer"));
    const char *pool[] = {"m1"};
    /* 3x3 input -> c1 is 2x2, too small for the 3x3 valid pool */
    assert_int_equal(vgl_network_run(net, in, 1, 3, 3, pool, 1, 1, out, &err), VGL_ELIMIT);
    assert_int_equal(vgl_network_run(net, in, 1, 0, 3, pool, 1, 1, out, &err), VGL_ELIMIT);
    assert_int_equal(vgl_network_run(net, in, 1, 16, 16, pool, 1, 0, out, &err), VGL_EINVAL);
    free(in);
    vgl_network_free(net);
}

static void test_damaged_graphs_are_refused(void **state)
{
    (void)state;
    vgl_node nodes[7];
    char path[128];
    snprintf(path, sizeof path, "%s/net.vgm", scratch);
    vgl_network *net = NULL;
    vgl_error err = {0};
    build_graph(nodes);
    nodes[3].inputs[0] = 5; /* a forward edge: not topological */
    write_graph(nodes, 7, 0);
    assert_int_equal(vgl_network_load(path, &net, &err), VGL_EFORMAT);
    assert_null(net);
    assert_non_null(strstr(err.message, "topological"));
    build_graph(nodes);
    nodes[6].kernel_h = 0;
    write_graph(nodes, 7, 0);
    assert_int_equal(vgl_network_load(path, &net, &err), VGL_EFORMAT);
    build_graph(nodes);
    nodes[4].inputs[0] = 0; /* adds the 3-channel input to the 4-channel p1 */
    write_graph(nodes, 7, 0);
    assert_int_equal(vgl_network_load(path, &net, &err), VGL_EFORMAT);
    assert_non_null(strstr(err.message, "channels"));
}

/* MobileNetV2 halves a side with zero padding (0, 1) and a 3x3 valid
 * stride-2 window: (side + 1 - 3) / 2 + 1. */
static int halve(int side)
{
    return (side - 2) / 2 + 1;
}

static void test_real_backbones(void **state)
{
    (void)state;
    vgl_network *net = NULL;
    vgl_error err = {0};
    if (vgl_network_load(VIGIL_MODELS_DIR "/mobilenet_v2.vgm", &net, &err))
        fail_msg("%s (run 'make models')", err.message);
    const char *layers[] = {"block_5_add", "block_12_add"};
    static const int sizes[][2] = {{224, 224}, {576, 768}, {100, 130}, {64, 64}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int h = sizes[s][0], w = sizes[s][1];
        float *in = input_values(2, h, w);
        vgl_tensor out[2], one[2];
        assert_int_equal(vgl_network_run(net, in, 2, h, w, layers, 2, 2, out, &err), VGL_OK);
        assert_int_equal(out[0].c, 32);
        assert_int_equal(out[1].c, 96);
        assert_int_equal(out[0].h, halve(halve(halve(h))));
        assert_int_equal(out[1].w, halve(halve(halve(halve(w)))));
        assert_int_equal(vgl_network_run(net, in + (size_t)h * w * 3, 1, h, w, layers, 2, 1, one,
                                         &err),
                         VGL_OK);
        size_t per = (size_t)one[1].h * one[1].w * one[1].c;
        for (size_t i = 0; i < per; i++)
            assert_true(fabsf(one[1].data[i] - out[1].data[per + i]) <=
                        1e-4f * (1 + fabsf(one[1].data[i])));
        for (int k = 0; k < 2; k++)
            vgl_tensor_free(&out[k]), vgl_tensor_free(&one[k]);
        free(in);
    }
    vgl_network_free(net);
    assert_int_equal(vgl_network_load(VIGIL_MODELS_DIR "/inception_v3.vgm", &net, &err), VGL_OK);
    const char *mixed[] = {"mixed2", "mixed4"};
    float *in = input_values(1, 299, 299);
    vgl_tensor out[2];
    assert_int_equal(vgl_network_run(net, in, 1, 299, 299, mixed, 2, 2, out, &err), VGL_OK);
    assert_int_equal(out[0].h, 35), assert_int_equal(out[0].c, 288);
    assert_int_equal(out[1].h, 17), assert_int_equal(out[1].c, 768);
    vgl_tensor_free(&out[0]), vgl_tensor_free(&out[1]);
    free(in);
    vgl_network_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_graph_runs_like_kernels_chained_by_hand),
        cmocka_unit_test(test_batch_and_threads_agree),
        cmocka_unit_test(test_run_errors),
        cmocka_unit_test(test_damaged_graphs_are_refused),
        cmocka_unit_test(test_real_backbones),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

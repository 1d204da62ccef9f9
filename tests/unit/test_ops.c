/*
 * test_ops.c - each runtime kernel against a direct, obviously correct
 * implementation of TF's definition, over kernel sizes, strides, both
 * padding modes, explicit padding, batches and thread counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static float frand(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (float)((*state >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static float *random_floats(size_t count, unsigned seed)
{
    float *v = malloc(count * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < count; i++)
        v[i] = frand(&seed);
    return v;
}

static float at(const float *t, vgl_shape s, int n, int y, int x, int c)
{
    if (y < 0 || y >= s.h || x < 0 || x >= s.w)
        return 0.0f;
    return t[(((size_t)n * s.h + y) * s.w + x) * s.c + c];
}

static float act(float v, vgl_activation a)
{
    if (a == VGL_ACT_NONE)
        return v;
    v = v < 0 ? 0 : v;
    return a == VGL_ACT_RELU6 && v > 6 ? 6 : v;
}

/* Direct convolution / depthwise / pool over the definition. */
static void reference(const vgl_node *node, const float *in, vgl_shape is, float *out, vgl_shape os,
                      int pad_h, int pad_w)
{
    for (int n = 0; n < os.n; n++)
        for (int oy = 0; oy < os.h; oy++)
            for (int ox = 0; ox < os.w; ox++)
                for (int co = 0; co < os.c; co++) {
                    double acc = 0;
                    double best = -1e30;
                    int count = 0;
                    for (int ky = 0; ky < node->kernel_h; ky++)
                        for (int kx = 0; kx < node->kernel_w; kx++) {
                            int iy = oy * node->stride_h - pad_h + ky;
                            int ix = ox * node->stride_w - pad_w + kx;
                            int inside = iy >= 0 && iy < is.h && ix >= 0 && ix < is.w;
                            if (node->op == VGL_OP_CONV) {
                                for (int ci = 0; ci < is.c; ci++)
                                    acc += at(in, is, n, iy, ix, ci) *
                                           node->weight[(((size_t)ky * node->kernel_w + kx) * is.c + ci) * os.c + co];
                            } else if (node->op == VGL_OP_DEPTHWISE) {
                                acc += at(in, is, n, iy, ix, co) *
                                       node->weight[((size_t)ky * node->kernel_w + kx) * os.c + co];
                            } else if (inside) {
                                float v = at(in, is, n, iy, ix, co);
                                acc += v;
                                best = v > best ? v : best;
                                count++;
                            }
                        }
                    float result;
                    if (node->op == VGL_OP_MAX_POOL)
                        result = (float)best;
                    else if (node->op == VGL_OP_AVG_POOL)
                        result = (float)(acc / count);
                    else
                        result = act((float)(acc + node->bias[co]), node->activation);
                    out[(((size_t)n * os.h + oy) * os.w + ox) * os.c + co] = result;
                }
}

static void check_close(const float *got, const float *want, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (fabsf(got[i] - want[i]) > 1e-4f * (1.0f + fabsf(want[i])))
            fail_msg("element %zu: got %g, want %g", i, got[i], want[i]);
}

typedef struct op_case {
    vgl_op op;
    int kh, kw, sh, sw;
    vgl_padding padding;
    int pads[4];
    vgl_activation activation;
    int n, h, w, cin, cout;
} op_case;

static void run_case(const op_case *c, int threads)
{
    vgl_node node = {.op = c->op, .kernel_h = c->kh, .kernel_w = c->kw, .stride_h = c->sh,
                     .stride_w = c->sw, .padding = c->padding, .pad_top = c->pads[0],
                     .pad_bottom = c->pads[1], .pad_left = c->pads[2], .pad_right = c->pads[3],
                     .activation = c->activation};
    strcpy(node.name, "case");
    int cout = c->op == VGL_OP_CONV ? c->cout : c->cin;
    vgl_shape is = {c->n, c->h, c->w, c->cin};
    vgl_shape os = {c->n, 0, 0, cout};
    int pad_h, pad_w;
    assert_int_equal(vgl_node_output_size(&node, c->h, c->w, &os.h, &os.w, &pad_h, &pad_w, NULL),
                     VGL_OK);
    size_t wcount = (size_t)c->kh * c->kw * c->cin * (c->op == VGL_OP_CONV ? cout : 1);
    float *weight = random_floats(wcount, 7), *bias = random_floats((size_t)cout, 9);
    for (int i = 0; i < cout; i++)
        bias[i] *= 3; /* so that ReLU6 clips some values */
    node.weight = weight, node.bias = bias;
    float *in = random_floats(vgl_shape_size(is), 11);
    for (size_t i = 0; i < vgl_shape_size(is); i++)
        in[i] *= 4;
    float *got = malloc(vgl_shape_size(os) * sizeof *got);
    float *want = malloc(vgl_shape_size(os) * sizeof *want);
    reference(&node, in, is, want, os, pad_h, pad_w);
    if (c->op == VGL_OP_CONV)
        assert_int_equal(vgl_op_conv(&node, in, is, got, os, pad_h, pad_w, threads, NULL), VGL_OK);
    else if (c->op == VGL_OP_DEPTHWISE)
        vgl_op_depthwise(&node, in, is, got, os, pad_h, pad_w, threads);
    else
        vgl_op_pool(&node, in, is, got, os, pad_h, pad_w, threads);
    check_close(got, want, vgl_shape_size(os));
    free(weight), free(bias), free(in), free(got), free(want);
}

static const op_case cases[] = {
    /* pointwise, as one matrix product */
    {VGL_OP_CONV, 1, 1, 1, 1, VGL_PAD_SAME, {0}, VGL_ACT_RELU6, 2, 7, 9, 16, 24},
    /* MobileNetV2's first layer: explicit (0,1),(0,1) zeros then 3x3/2 valid */
    {VGL_OP_CONV, 3, 3, 2, 2, VGL_PAD_VALID, {0, 1, 0, 1}, VGL_ACT_RELU6, 1, 16, 12, 3, 8},
    {VGL_OP_CONV, 3, 3, 1, 1, VGL_PAD_SAME, {0}, VGL_ACT_RELU, 2, 9, 11, 5, 7},
    {VGL_OP_CONV, 1, 7, 1, 1, VGL_PAD_SAME, {0}, VGL_ACT_NONE, 1, 8, 10, 4, 6},
    {VGL_OP_CONV, 7, 1, 1, 1, VGL_PAD_SAME, {0}, VGL_ACT_RELU, 1, 10, 8, 4, 6},
    {VGL_OP_CONV, 5, 5, 1, 1, VGL_PAD_SAME, {0}, VGL_ACT_RELU, 1, 9, 9, 3, 5},
    {VGL_OP_CONV, 3, 3, 2, 2, VGL_PAD_SAME, {0}, VGL_ACT_NONE, 1, 9, 10, 3, 4},
    {VGL_OP_CONV, 1, 1, 2, 2, VGL_PAD_VALID, {0}, VGL_ACT_NONE, 1, 9, 10, 3, 4},
    {VGL_OP_DEPTHWISE, 3, 3, 1, 1, VGL_PAD_SAME, {0}, VGL_ACT_RELU6, 2, 7, 6, 19, 0},
    {VGL_OP_DEPTHWISE, 3, 3, 2, 2, VGL_PAD_VALID, {0, 1, 0, 1}, VGL_ACT_RELU6, 1, 12, 14, 33, 0},
    {VGL_OP_DEPTHWISE, 3, 3, 2, 2, VGL_PAD_SAME, {0}, VGL_ACT_NONE, 1, 11, 9, 8, 0},
    {VGL_OP_MAX_POOL, 3, 3, 2, 2, VGL_PAD_VALID, {0}, VGL_ACT_NONE, 2, 11, 13, 6, 0},
    {VGL_OP_AVG_POOL, 3, 3, 1, 1, VGL_PAD_SAME, {0}, VGL_ACT_NONE, 2, 7, 8, 5, 0},
    {VGL_OP_MAX_POOL, 3, 3, 2, 2, VGL_PAD_SAME, {0}, VGL_ACT_NONE, 1, 8, 9, 3, 0},
};

static void test_kernels_match_reference(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int threads = 1; threads <= 3; threads++)
            run_case(&cases[i], threads);
}

static void test_same_padding_matches_tf(void **state)
{
    (void)state;
    vgl_node node = {.op = VGL_OP_CONV, .kernel_h = 3, .kernel_w = 3, .stride_h = 2,
                     .stride_w = 2, .padding = VGL_PAD_SAME};
    int oh, ow, ph, pw;
    /* TF: out = ceil(in / stride); total pad = (out-1)*s + k - in; before = total / 2 */
    assert_int_equal(vgl_node_output_size(&node, 224, 225, &oh, &ow, &ph, &pw, NULL), VGL_OK);
    assert_int_equal(oh, 112);
    assert_int_equal(ph, 0); /* total 1: all of it after */
    assert_int_equal(ow, 113);
    assert_int_equal(pw, 1); /* total 2 */
    node.padding = VGL_PAD_VALID;
    assert_int_equal(vgl_node_output_size(&node, 2, 5, &oh, &ow, &ph, &pw, NULL), VGL_ELIMIT);
}

static void test_add_and_concat(void **state)
{
    (void)state;
    float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {10, 20, 30, 40, 50, 60}, sum[6];
    const float *ins[2] = {a, b};
    vgl_op_add(ins, 2, sum, 6, 2);
    for (int i = 0; i < 6; i++)
        assert_true(sum[i] == a[i] + b[i]);
    /* 3 pixels: a has 2 channels, b has 2: output interleaves per pixel */
    int channels[2] = {2, 2};
    float cat[12];
    vgl_op_concat(ins, channels, 2, cat, 3, 2);
    const float want[12] = {1, 2, 10, 20, 3, 4, 30, 40, 5, 6, 50, 60};
    for (int i = 0; i < 12; i++)
        assert_true(cat[i] == want[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernels_match_reference),
        cmocka_unit_test(test_same_padding_matches_tf),
        cmocka_unit_test(test_add_and_concat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

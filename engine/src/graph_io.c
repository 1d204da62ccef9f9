/*
 * graph_io.c - a graph in a model file and back (the keys are listed in
 * graph.h and docs/model-format.md).
 *
 * Ops, paddings and activations are stored by name rather than by number so
 * that a file says what it holds to anyone who lists its metadata.
 */
#include "graph.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 64

static void node_key(char *key, int index, const char *field)
{
    snprintf(key, KEY_MAX, "graph.node.%d.%s", index, field);
}

static int has_weights(vgl_op op)
{
    return op == VGL_OP_CONV || op == VGL_OP_DEPTHWISE;
}

static int is_spatial(vgl_op op)
{
    return has_weights(op) || op == VGL_OP_MAX_POOL || op == VGL_OP_AVG_POOL;
}

static vgl_status store_weights(const vgl_graph *graph, int index, vgl_modelfile_writer *writer,
                                vgl_error *err)
{
    const vgl_node *node = &graph->nodes[index];
    int cin = graph->channels[node->inputs[0]];
    int cout = graph->channels[index];
    char name[VGL_NODE_NAME_MAX + 16];
    int64_t conv_shape[4] = {node->kernel_h, node->kernel_w, cin, cout};
    int64_t dw_shape[3] = {node->kernel_h, node->kernel_w, cin};
    int64_t bias_shape[1] = {cout};
    snprintf(name, sizeof name, "%s.weight", node->name);
    vgl_status status =
        node->op == VGL_OP_CONV
            ? vgl_modelfile_add_tensor(writer, name, VGL_DTYPE_F32, 4, conv_shape, node->weight, err)
            : vgl_modelfile_add_tensor(writer, name, VGL_DTYPE_F32, 3, dw_shape, node->weight, err);
    if (status)
        return status;
    snprintf(name, sizeof name, "%s.bias", node->name);
    return vgl_modelfile_add_tensor(writer, name, VGL_DTYPE_F32, 1, bias_shape, node->bias, err);
}

static vgl_status store_node(const vgl_graph *graph, int index, vgl_modelfile_writer *writer,
                             vgl_error *err)
{
    const vgl_node *node = &graph->nodes[index];
    char key[KEY_MAX];
    vgl_status status;
#define TRY(call)                                                                                  \
    do {                                                                                           \
        if ((status = (call)))                                                                     \
            return status;                                                                         \
    } while (0)
    node_key(key, index, "name");
    TRY(vgl_modelfile_set_string(writer, key, node->name, err));
    node_key(key, index, "op");
    TRY(vgl_modelfile_set_string(writer, key, vgl_op_name(node->op), err));
    if (node->n_inputs > 0) {
        int64_t inputs[VGL_NODE_MAX_INPUTS];
        for (int i = 0; i < node->n_inputs; i++)
            inputs[i] = node->inputs[i];
        node_key(key, index, "inputs");
        TRY(vgl_modelfile_set_ints(writer, key, inputs, (size_t)node->n_inputs, err));
    }
    if (node->op == VGL_OP_INPUT || node->op == VGL_OP_CONV) {
        node_key(key, index, "channels");
        TRY(vgl_modelfile_set_int(writer, key, node->out_channels, err));
    }
    if (is_spatial(node->op)) {
        int64_t kernel[2] = {node->kernel_h, node->kernel_w};
        int64_t strides[2] = {node->stride_h, node->stride_w};
        int64_t pads[4] = {node->pad_top, node->pad_bottom, node->pad_left, node->pad_right};
        node_key(key, index, "kernel");
        TRY(vgl_modelfile_set_ints(writer, key, kernel, 2, err));
        node_key(key, index, "strides");
        TRY(vgl_modelfile_set_ints(writer, key, strides, 2, err));
        node_key(key, index, "padding");
        TRY(vgl_modelfile_set_string(writer, key, vgl_padding_name(node->padding), err));
        node_key(key, index, "pads");
        TRY(vgl_modelfile_set_ints(writer, key, pads, 4, err));
    }
    if (has_weights(node->op)) {
        node_key(key, index, "activation");
        TRY(vgl_modelfile_set_string(writer, key, vgl_activation_name(node->activation), err));
        TRY(store_weights(graph, index, writer, err));
    }
#undef TRY
    return VGL_OK;
}

vgl_status vgl_graph_store(const vgl_graph *graph, vgl_modelfile_writer *writer, vgl_error *err)
{
    vgl_status status = vgl_modelfile_set_int(writer, "graph.node_count", graph->n_nodes, err);
    for (int i = 0; i < graph->n_nodes && !status; i++)
        status = store_node(graph, i, writer, err);
    return status;
}

/* ------------------------------------------------------------------ load */

static int lookup_name(const char *value, const char *const *names, int count)
{
    for (int i = 0; i < count; i++)
        if (value && !strcmp(value, names[i]))
            return i;
    return -1;
}

static vgl_status load_enum(const vgl_modelfile *file, int index, const char *field,
                            const char *(*name_of)(int), int count, int *out, vgl_error *err)
{
    char key[KEY_MAX];
    node_key(key, index, field);
    const char *value = vgl_modelfile_get_string(file, key);
    const char *names[16];
    for (int i = 0; i < count; i++)
        names[i] = name_of(i);
    int found = lookup_name(value, names, count);
    if (found < 0)
        return vgl_error_set(err, VGL_EFORMAT, "graph node %d: %s '%s' is missing or unknown",
                             index, field, value ? value : "");
    *out = found;
    return VGL_OK;
}

static const char *op_name_of(int i) { return vgl_op_name((vgl_op)i); }
static const char *activation_name_of(int i) { return vgl_activation_name((vgl_activation)i); }
static const char *padding_name_of(int i) { return vgl_padding_name((vgl_padding)i); }

static vgl_status load_ints(const vgl_modelfile *file, int index, const char *field, int *out,
                            size_t want, vgl_error *err)
{
    char key[KEY_MAX];
    node_key(key, index, field);
    size_t count = 0;
    const int64_t *values = vgl_modelfile_get_ints(file, key, &count);
    if (!values || count != want)
        return vgl_error_set(err, VGL_EFORMAT, "graph node %d: %s must be %zu integers", index,
                             field, want);
    for (size_t i = 0; i < want; i++) {
        if (values[i] < -1000000 || values[i] > 1000000)
            return vgl_error_set(err, VGL_EFORMAT, "graph node %d: %s out of range", index, field);
        out[i] = (int)values[i];
    }
    return VGL_OK;
}

static vgl_status load_node(const vgl_modelfile *file, int index, vgl_node *node, vgl_error *err)
{
    char key[KEY_MAX];
    vgl_status status;
    node_key(key, index, "name");
    const char *name = vgl_modelfile_get_string(file, key);
    if (!name || !name[0] || strlen(name) >= sizeof node->name)
        return vgl_error_set(err, VGL_EFORMAT, "graph node %d has no valid name", index);
    strcpy(node->name, name);
    int op = 0;
    if ((status = load_enum(file, index, "op", op_name_of, VGL_OP_COUNT, &op, err)))
        return status;
    node->op = (vgl_op)op;
    node_key(key, index, "inputs");
    size_t n_inputs = 0;
    if (vgl_modelfile_get_ints(file, key, &n_inputs)) {
        if (n_inputs > VGL_NODE_MAX_INPUTS)
            return vgl_error_set(err, VGL_EFORMAT, "graph node %d has too many inputs", index);
        if ((status = load_ints(file, index, "inputs", node->inputs, n_inputs, err)))
            return status;
        node->n_inputs = (int)n_inputs;
    }
    if (node->op == VGL_OP_INPUT || node->op == VGL_OP_CONV) {
        node_key(key, index, "channels");
        int64_t channels = 0;
        if (vgl_modelfile_get_int(file, key, &channels) || channels < 1 || channels > 1 << 20)
            return vgl_error_set(err, VGL_EFORMAT, "graph node %d: bad channel count", index);
        node->out_channels = (int)channels;
    }
    if (is_spatial(node->op)) {
        int pair[2] = {0}, pads[4] = {0}, padding = 0;
        if ((status = load_ints(file, index, "kernel", pair, 2, err)))
            return status;
        node->kernel_h = pair[0], node->kernel_w = pair[1];
        if ((status = load_ints(file, index, "strides", pair, 2, err)))
            return status;
        node->stride_h = pair[0], node->stride_w = pair[1];
        if ((status = load_ints(file, index, "pads", pads, 4, err)))
            return status;
        node->pad_top = pads[0], node->pad_bottom = pads[1];
        node->pad_left = pads[2], node->pad_right = pads[3];
        if ((status = load_enum(file, index, "padding", padding_name_of, VGL_PAD_COUNT, &padding,
                                err)))
            return status;
        node->padding = (vgl_padding)padding;
    }
    if (has_weights(node->op)) {
        int activation = 0;
        if ((status = load_enum(file, index, "activation", activation_name_of, VGL_ACT_COUNT,
                                &activation, err)))
            return status;
        node->activation = (vgl_activation)activation;
    }
    return VGL_OK;
}

/* Finds a float tensor of exactly the given shape. */
static const float *find_weights(const vgl_modelfile *file, const char *node_name,
                                 const char *suffix, int ndim, const int64_t *shape,
                                 vgl_error *err)
{
    char name[VGL_NODE_NAME_MAX + 16];
    snprintf(name, sizeof name, "%s.%s", node_name, suffix);
    const vgl_tensor_info *tensor = vgl_modelfile_find_tensor(file, name);
    int ok = tensor && tensor->dtype == VGL_DTYPE_F32 && tensor->ndim == ndim;
    for (int i = 0; ok && i < ndim; i++)
        ok = tensor->shape[i] == shape[i];
    if (!ok) {
        vgl_error_set(err, VGL_EFORMAT, "tensor '%s' is missing or not float32 of the shape its "
                      "node needs", name);
        return NULL;
    }
    return tensor->data;
}

static vgl_status attach_weights(const vgl_modelfile *file, vgl_graph *graph, vgl_error *err)
{
    for (int i = 0; i < graph->n_nodes; i++) {
        vgl_node *node = &graph->nodes[i];
        if (!has_weights(node->op))
            continue;
        int cin = graph->channels[node->inputs[0]];
        int cout = graph->channels[i];
        int64_t conv_shape[4] = {node->kernel_h, node->kernel_w, cin, cout};
        int64_t bias_shape[1] = {cout};
        node->weight = find_weights(file, node->name, "weight", node->op == VGL_OP_CONV ? 4 : 3,
                                    conv_shape, err);
        node->bias = find_weights(file, node->name, "bias", 1, bias_shape, err);
        if (!node->weight || !node->bias)
            return VGL_EFORMAT;
    }
    return VGL_OK;
}

/* A placeholder the validator accepts until the real weights, whose shapes
 * depend on the channel counts it computes, are attached. */
static const float pending_weights[1];

vgl_status vgl_graph_load(const vgl_modelfile *file, vgl_graph *graph, vgl_error *err)
{
    memset(graph, 0, sizeof *graph);
    int64_t count = 0;
    if (vgl_modelfile_get_int(file, "graph.node_count", &count) || count < 2 || count > 100000)
        return vgl_error_set(err, VGL_EFORMAT, "model file holds no network graph");
    graph->nodes = calloc((size_t)count, sizeof *graph->nodes);
    if (!graph->nodes)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory loading a graph");
    graph->n_nodes = (int)count;
    vgl_status status = VGL_OK;
    for (int i = 0; i < graph->n_nodes && !status; i++) {
        status = load_node(file, i, &graph->nodes[i], err);
        if (has_weights(graph->nodes[i].op))
            graph->nodes[i].weight = graph->nodes[i].bias = pending_weights;
    }
    if (!status)
        status = vgl_graph_validate(graph, err);
    if (!status)
        status = attach_weights(file, graph, err);
    if (status)
        vgl_graph_free(graph);
    return status;
}

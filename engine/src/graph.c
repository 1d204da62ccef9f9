/*
 * graph.c - structural checks and shape rules of a network graph (graph.h).
 *
 * Everything the runtime relies on is checked here once, so a graph read
 * from a damaged or hostile model file is refused before it runs.
 */
#include "graph.h"

#include "error.h"

#include <stdlib.h>
#include <string.h>

static const char *const op_names[VGL_OP_COUNT] = {
    "input", "conv2d", "depthwise_conv2d", "add", "concat", "max_pool", "avg_pool",
};
static const char *const activation_names[VGL_ACT_COUNT] = {"none", "relu", "relu6"};
static const char *const padding_names[VGL_PAD_COUNT] = {"valid", "same"};

const char *vgl_op_name(vgl_op op)
{
    return (unsigned)op < VGL_OP_COUNT ? op_names[op] : "?";
}

const char *vgl_activation_name(vgl_activation activation)
{
    return (unsigned)activation < VGL_ACT_COUNT ? activation_names[activation] : "?";
}

const char *vgl_padding_name(vgl_padding padding)
{
    return (unsigned)padding < VGL_PAD_COUNT ? padding_names[padding] : "?";
}

int vgl_graph_find(const vgl_graph *graph, const char *name)
{
    for (int i = 0; i < graph->n_nodes; i++)
        if (!strcmp(graph->nodes[i].name, name))
            return i;
    return -1;
}

static int is_spatial(vgl_op op)
{
    return op == VGL_OP_CONV || op == VGL_OP_DEPTHWISE || op == VGL_OP_MAX_POOL ||
           op == VGL_OP_AVG_POOL;
}

/* Kernels, strides and paddings beyond these are not networks we import. */
#define MAX_KERNEL 15
#define MAX_STRIDE 8
#define MAX_PAD 16
#define MAX_CHANNELS 16384

static vgl_status validate_spatial(const vgl_node *node, vgl_error *err)
{
    if (node->kernel_h < 1 || node->kernel_h > MAX_KERNEL || node->kernel_w < 1 ||
        node->kernel_w > MAX_KERNEL)
        return vgl_error_set(err, VGL_EFORMAT, "node '%s': kernel %dx%d out of range", node->name,
                             node->kernel_h, node->kernel_w);
    if (node->stride_h < 1 || node->stride_h > MAX_STRIDE || node->stride_w < 1 ||
        node->stride_w > MAX_STRIDE)
        return vgl_error_set(err, VGL_EFORMAT, "node '%s': stride %dx%d out of range", node->name,
                             node->stride_h, node->stride_w);
    if ((unsigned)node->padding >= VGL_PAD_COUNT)
        return vgl_error_set(err, VGL_EFORMAT, "node '%s': unknown padding mode", node->name);
    int pads[4] = {node->pad_top, node->pad_bottom, node->pad_left, node->pad_right};
    for (int i = 0; i < 4; i++)
        if (pads[i] < 0 || pads[i] > MAX_PAD)
            return vgl_error_set(err, VGL_EFORMAT, "node '%s': explicit padding out of range",
                                 node->name);
    /* Explicit zeros would change a pool's result (max of zeros, average
     * including them); only convolutions take them. */
    if ((node->op == VGL_OP_MAX_POOL || node->op == VGL_OP_AVG_POOL) &&
        (pads[0] || pads[1] || pads[2] || pads[3]))
        return vgl_error_set(err, VGL_EFORMAT, "node '%s': pools take no explicit padding",
                             node->name);
    return VGL_OK;
}

static vgl_status node_channels(const vgl_graph *graph, int index, vgl_error *err)
{
    const vgl_node *node = &graph->nodes[index];
    int first = node->n_inputs > 0 ? graph->channels[node->inputs[0]] : 0;
    int channels = first;
    switch (node->op) {
    case VGL_OP_INPUT:
        channels = node->out_channels;
        break;
    case VGL_OP_CONV:
        channels = node->out_channels;
        break;
    case VGL_OP_ADD:
        for (int i = 1; i < node->n_inputs; i++)
            if (graph->channels[node->inputs[i]] != first)
                return vgl_error_set(err, VGL_EFORMAT,
                                     "node '%s': adds tensors of %d and %d channels", node->name,
                                     first, graph->channels[node->inputs[i]]);
        break;
    case VGL_OP_CONCAT:
        channels = 0;
        for (int i = 0; i < node->n_inputs; i++)
            channels += graph->channels[node->inputs[i]];
        break;
    default:
        break;
    }
    if (channels < 1 || channels > MAX_CHANNELS)
        return vgl_error_set(err, VGL_EFORMAT, "node '%s': %d channels out of range", node->name,
                             channels);
    graph->channels[index] = channels;
    return VGL_OK;
}

static vgl_status validate_node(vgl_graph *graph, int index, vgl_error *err)
{
    const vgl_node *node = &graph->nodes[index];
    if (!node->name[0] || !memchr(node->name, 0, sizeof node->name))
        return vgl_error_set(err, VGL_EFORMAT, "node %d has no valid name", index);
    if ((unsigned)node->op >= VGL_OP_COUNT)
        return vgl_error_set(err, VGL_EFORMAT, "node '%s': unknown op", node->name);
    int want_min = 1, want_max = 1;
    if (node->op == VGL_OP_INPUT)
        want_min = want_max = 0;
    else if (node->op == VGL_OP_ADD || node->op == VGL_OP_CONCAT)
        want_min = 2, want_max = VGL_NODE_MAX_INPUTS;
    if (node->n_inputs < want_min || node->n_inputs > want_max)
        return vgl_error_set(err, VGL_EFORMAT, "node '%s': %s takes %d to %d inputs, has %d",
                             node->name, vgl_op_name(node->op), want_min, want_max,
                             node->n_inputs);
    for (int i = 0; i < node->n_inputs; i++)
        if (node->inputs[i] < 0 || node->inputs[i] >= index)
            return vgl_error_set(err, VGL_EFORMAT,
                                 "node '%s': input %d is not an earlier node (graph must be in "
                                 "topological order)",
                                 node->name, node->inputs[i]);
    if (node->op == VGL_OP_INPUT && index != 0)
        return vgl_error_set(err, VGL_EFORMAT, "node '%s': the input must be node 0", node->name);
    if (is_spatial(node->op)) {
        vgl_status status = validate_spatial(node, err);
        if (status)
            return status;
    }
    if ((unsigned)node->activation >= VGL_ACT_COUNT ||
        (node->activation != VGL_ACT_NONE && node->op != VGL_OP_CONV &&
         node->op != VGL_OP_DEPTHWISE))
        return vgl_error_set(err, VGL_EFORMAT, "node '%s': bad activation", node->name);
    if ((node->op == VGL_OP_CONV || node->op == VGL_OP_DEPTHWISE) && (!node->weight || !node->bias))
        return vgl_error_set(err, VGL_EFORMAT, "node '%s': missing weights", node->name);
    return node_channels(graph, index, err);
}

vgl_status vgl_graph_validate(vgl_graph *graph, vgl_error *err)
{
    if (graph->n_nodes < 2)
        return vgl_error_set(err, VGL_EFORMAT, "graph has %d nodes; it needs an input and an op",
                             graph->n_nodes);
    if (graph->nodes[0].op != VGL_OP_INPUT)
        return vgl_error_set(err, VGL_EFORMAT, "graph's first node is not its input");
    free(graph->channels);
    graph->channels = calloc((size_t)graph->n_nodes, sizeof *graph->channels);
    if (!graph->channels)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory validating a graph");
    for (int i = 0; i < graph->n_nodes; i++) {
        vgl_status status = validate_node(graph, i, err);
        if (status)
            return status;
        for (int j = 0; j < i; j++)
            if (!strcmp(graph->nodes[j].name, graph->nodes[i].name))
                return vgl_error_set(err, VGL_EFORMAT, "two nodes are named '%s'",
                                     graph->nodes[i].name);
    }
    return VGL_OK;
}

static vgl_status axis_output(const vgl_node *node, int in, int kernel, int stride, int pad_before,
                              int pad_after, int *out, int *pad, vgl_error *err)
{
    int padded = in + pad_before + pad_after;
    if (node->padding == VGL_PAD_SAME) {
        *out = (padded + stride - 1) / stride;
        int total = (*out - 1) * stride + kernel - padded;
        *pad = pad_before + (total > 0 ? total / 2 : 0);
        return VGL_OK;
    }
    if (padded < kernel)
        return vgl_error_set(err, VGL_ELIMIT,
                             "input too small: layer '%s' needs at least %d pixels, gets %d",
                             node->name, kernel, padded);
    *out = (padded - kernel) / stride + 1;
    *pad = pad_before;
    return VGL_OK;
}

vgl_status vgl_node_output_size(const vgl_node *node, int in_h, int in_w, int *out_h, int *out_w,
                                int *pad_h, int *pad_w, vgl_error *err)
{
    if (!is_spatial(node->op)) {
        *out_h = in_h, *out_w = in_w, *pad_h = *pad_w = 0;
        return VGL_OK;
    }
    vgl_status status = axis_output(node, in_h, node->kernel_h, node->stride_h, node->pad_top,
                                    node->pad_bottom, out_h, pad_h, err);
    if (status)
        return status;
    return axis_output(node, in_w, node->kernel_w, node->stride_w, node->pad_left,
                       node->pad_right, out_w, pad_w, err);
}

void vgl_graph_free(vgl_graph *graph)
{
    free(graph->nodes);
    free(graph->channels);
    graph->nodes = NULL;
    graph->channels = NULL;
    graph->n_nodes = 0;
}

vgl_status vgl_graph_prune(const vgl_graph *graph, const char *const *names, int n_names,
                           vgl_graph *out, vgl_error *err)
{
    memset(out, 0, sizeof *out);
    int *new_index = calloc((size_t)graph->n_nodes, sizeof *new_index);
    if (!new_index)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory pruning a graph");
    /* new_index: 1 marks a needed node, then becomes index + 1 */
    new_index[0] = 1;
    for (int k = 0; k < n_names; k++) {
        int found = vgl_graph_find(graph, names[k]);
        if (found < 0) {
            free(new_index);
            return vgl_error_set(err, VGL_ENOTFOUND, "the network has no layer '%s'", names[k]);
        }
        new_index[found] = 1;
    }
    for (int i = graph->n_nodes - 1; i >= 0; i--)
        if (new_index[i])
            for (int k = 0; k < graph->nodes[i].n_inputs; k++)
                new_index[graph->nodes[i].inputs[k]] = 1;
    int count = 0;
    for (int i = 0; i < graph->n_nodes; i++)
        if (new_index[i])
            new_index[i] = ++count;
    out->nodes = calloc((size_t)count, sizeof *out->nodes);
    if (!out->nodes) {
        free(new_index);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory pruning a graph");
    }
    for (int i = 0; i < graph->n_nodes; i++) {
        if (!new_index[i])
            continue;
        vgl_node *node = &out->nodes[out->n_nodes++];
        *node = graph->nodes[i];
        for (int k = 0; k < node->n_inputs; k++)
            node->inputs[k] = new_index[node->inputs[k]] - 1;
    }
    free(new_index);
    vgl_status status = vgl_graph_validate(out, err);
    if (status)
        vgl_graph_free(out);
    return status;
}

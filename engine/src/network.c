/*
 * network.c - loading a backbone and executing it up to requested layers.
 *
 * A run plans before it computes: it marks the nodes the requested layers
 * depend on, works out every shape for this input size (failing cleanly if
 * the input is too small), counts each node's remaining consumers, and then
 * executes in file order, freeing each intermediate buffer as soon as its
 * last consumer has run, so memory stays near the few largest live maps.
 */
#include "error.h"
#include "graph.h"
#include "network_internal.h"
#include "ops.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUT_SIDE 16384

/* From OpenBLAS's cblas.h; declared here so only the kernels include it. */
void openblas_set_num_threads(int num_threads);

/* The engine shares work among its own OpenMP threads and calls BLAS from
 * inside them; BLAS starting threads of its own on top would only
 * oversubscribe the cores.  This is OpenBLAS's one process-wide setting,
 * made once, before the first network runs; blas_threads.h makes the
 * per-thread one its OpenMP build also reads. */
static void blas_on_calling_thread(void)
{
    openblas_set_num_threads(1);
}

struct vgl_network {
    vgl_modelfile *file;
    int owns_file;
    vgl_graph graph;
    float scale;
    float mean[3];
    float std[3];
};

void vgl_tensor_free(vgl_tensor *tensor)
{
    if (!tensor)
        return;
    free(tensor->data);
    memset(tensor, 0, sizeof *tensor);
}

static vgl_status read_normalisation(vgl_network *network, vgl_error *err)
{
    double scale = 0;
    size_t n_mean = 0, n_std = 0;
    const double *mean = vgl_modelfile_get_floats(network->file, "input.mean", &n_mean);
    const double *std = vgl_modelfile_get_floats(network->file, "input.std", &n_std);
    int channels = network->graph.nodes[0].out_channels;
    if (vgl_modelfile_get_float(network->file, "input.scale", &scale) || !(scale > 0) ||
        !mean || !std || n_mean != (size_t)channels || n_std != (size_t)channels || channels > 3)
        return vgl_error_set(err, VGL_EFORMAT,
                             "model file lacks a valid input normalisation (input.scale, "
                             "input.mean, input.std)");
    network->scale = (float)scale;
    for (int c = 0; c < channels; c++) {
        if (!(std[c] > 0))
            return vgl_error_set(err, VGL_EFORMAT, "input.std must be positive");
        network->mean[c] = (float)mean[c];
        network->std[c] = (float)std[c];
    }
    return VGL_OK;
}

vgl_status vgl_network_from_file(vgl_modelfile *file, int owns_file, vgl_network **out,
                                 vgl_error *err)
{
    static pthread_once_t blas_once = PTHREAD_ONCE_INIT;
    pthread_once(&blas_once, blas_on_calling_thread);
    *out = NULL;
    vgl_network *network = calloc(1, sizeof *network);
    if (!network) {
        if (owns_file)
            vgl_modelfile_close(file);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory loading a network");
    }
    network->file = file;
    network->owns_file = owns_file;
    vgl_status status = vgl_graph_load(network->file, &network->graph, err);
    if (!status)
        status = read_normalisation(network, err);
    if (status) {
        vgl_network_free(network);
        return status;
    }
    *out = network;
    return VGL_OK;
}

vgl_status vgl_network_load(const char *path, vgl_network **out, vgl_error *err)
{
    vgl_modelfile *file = NULL;
    *out = NULL;
    vgl_status status = vgl_modelfile_open(path, &file, err);
    return status ? status : vgl_network_from_file(file, 1, out, err);
}

const vgl_graph *vgl_network_graph(const vgl_network *network)
{
    return &network->graph;
}

void vgl_network_free(vgl_network *network)
{
    if (!network)
        return;
    vgl_graph_free(&network->graph);
    if (network->owns_file)
        vgl_modelfile_close(network->file);
    free(network);
}

const vgl_modelfile *vgl_network_file(const vgl_network *network)
{
    return network->file;
}

int vgl_network_has_layer(const vgl_network *network, const char *name)
{
    return vgl_graph_find(&network->graph, name) >= 0;
}

int vgl_network_input_channels(const vgl_network *network)
{
    return network->graph.nodes[0].out_channels;
}

void vgl_network_prepare_input(const vgl_network *network, const vgl_image *image, float *input)
{
    size_t pixels = (size_t)image->width * (size_t)image->height;
    for (size_t p = 0; p < pixels; p++)
        for (int c = 0; c < 3; c++)
            input[p * 3 + c] =
                ((float)image->pixels[p * 3 + c] * network->scale - network->mean[c]) /
                network->std[c];
}

/* ------------------------------------------------------------------ runs */

typedef struct plan_node {
    int needed;
    int consumers; /* remaining uses, +1 while it is a requested output */
    vgl_shape shape;
    int pad_h, pad_w;
    float *data;
} plan_node;

static vgl_status plan(const vgl_graph *graph, plan_node *nodes, const int *wanted, int n_wanted,
                       int batch, int height, int width, vgl_error *err)
{
    for (int k = 0; k < n_wanted; k++)
        nodes[wanted[k]].needed = 1;
    for (int i = graph->n_nodes - 1; i >= 0; i--)
        if (nodes[i].needed)
            for (int k = 0; k < graph->nodes[i].n_inputs; k++)
                nodes[graph->nodes[i].inputs[k]].needed = 1;
    nodes[0].shape = (vgl_shape){batch, height, width, graph->channels[0]};
    for (int i = 1; i < graph->n_nodes; i++) {
        if (!nodes[i].needed)
            continue;
        const vgl_node *node = &graph->nodes[i];
        vgl_shape in = nodes[node->inputs[0]].shape;
        vgl_shape out = {batch, 0, 0, graph->channels[i]};
        vgl_status status = vgl_node_output_size(node, in.h, in.w, &out.h, &out.w, &nodes[i].pad_h,
                                                 &nodes[i].pad_w, err);
        if (status)
            return status;
        for (int k = 1; k < node->n_inputs; k++) {
            vgl_shape other = nodes[node->inputs[k]].shape;
            if (other.h != in.h || other.w != in.w)
                return vgl_error_set(err, VGL_EINVAL,
                                     "layer '%s' joins maps of %dx%d and %dx%d at this input "
                                     "size; try a size divisible by the network's total stride",
                                     node->name, in.h, in.w, other.h, other.w);
        }
        nodes[i].shape = out;
        for (int k = 0; k < node->n_inputs; k++)
            nodes[node->inputs[k]].consumers++;
    }
    for (int k = 0; k < n_wanted; k++)
        nodes[wanted[k]].consumers++;
    return VGL_OK;
}

static vgl_status execute_node(const vgl_graph *graph, plan_node *nodes, int i, int threads,
                               vgl_error *err)
{
    const vgl_node *node = &graph->nodes[i];
    plan_node *self = &nodes[i];
    const plan_node *first = &nodes[node->inputs[0]];
    self->data = malloc(vgl_shape_size(self->shape) * sizeof(float));
    if (!self->data)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory in layer '%s'", node->name);
    const float *ins[VGL_NODE_MAX_INPUTS];
    int in_channels[VGL_NODE_MAX_INPUTS];
    for (int k = 0; k < node->n_inputs; k++) {
        ins[k] = nodes[node->inputs[k]].data;
        in_channels[k] = nodes[node->inputs[k]].shape.c;
    }
    size_t pixels = (size_t)self->shape.n * (size_t)self->shape.h * (size_t)self->shape.w;
    switch (node->op) {
    case VGL_OP_CONV:
        return vgl_op_conv(node, first->data, first->shape, self->data, self->shape, self->pad_h,
                           self->pad_w, threads, err);
    case VGL_OP_DEPTHWISE:
        vgl_op_depthwise(node, first->data, first->shape, self->data, self->shape, self->pad_h,
                         self->pad_w, threads);
        break;
    case VGL_OP_MAX_POOL:
    case VGL_OP_AVG_POOL:
        vgl_op_pool(node, first->data, first->shape, self->data, self->shape, self->pad_h,
                    self->pad_w, threads);
        break;
    case VGL_OP_ADD:
        vgl_op_add(ins, node->n_inputs, self->data, vgl_shape_size(self->shape), threads);
        break;
    case VGL_OP_CONCAT:
        vgl_op_concat(ins, in_channels, node->n_inputs, self->data, pixels, threads);
        break;
    default:
        return vgl_error_set(err, VGL_EFORMAT, "layer '%s' has an op the runtime cannot execute",
                             node->name);
    }
    return VGL_OK;
}

static void release_inputs(const vgl_graph *graph, plan_node *nodes, int i)
{
    for (int k = 0; k < graph->nodes[i].n_inputs; k++) {
        plan_node *in = &nodes[graph->nodes[i].inputs[k]];
        if (--in->consumers == 0 && in != &nodes[0]) {
            free(in->data);
            in->data = NULL;
        }
    }
}

static vgl_status check_run_arguments(const float *input, int batch, int height, int width,
                                      int n_layers, int threads, vgl_tensor *outputs,
                                      vgl_error *err)
{
    if (!input || !outputs || n_layers < 1 || threads < 1 || batch < 1)
        return vgl_error_set(err, VGL_EINVAL, "network run needs input, layers, outputs, "
                             "threads >= 1 and batch >= 1");
    if (height < 1 || width < 1 || height > MAX_INPUT_SIDE || width > MAX_INPUT_SIDE)
        return vgl_error_set(err, VGL_ELIMIT, "input of %dx%d is outside 1 to %d pixels a side",
                             width, height, MAX_INPUT_SIDE);
    return VGL_OK;
}

vgl_status vgl_network_run(const vgl_network *network, const float *input, int batch, int height,
                           int width, const char *const *layers, int n_layers, int threads,
                           vgl_tensor *outputs, vgl_error *err)
{
    vgl_status status =
        check_run_arguments(input, batch, height, width, n_layers, threads, outputs, err);
    if (status)
        return status;
    const vgl_graph *graph = &network->graph;
    int *wanted = calloc((size_t)n_layers, sizeof *wanted);
    plan_node *nodes = calloc((size_t)graph->n_nodes, sizeof *nodes);
    if (!wanted || !nodes) {
        free(wanted);
        free(nodes);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory planning a network run");
    }
    for (int k = 0; k < n_layers && !status; k++) {
        memset(&outputs[k], 0, sizeof outputs[k]);
        wanted[k] = vgl_graph_find(graph, layers[k]);
        if (wanted[k] <= 0)
            status = vgl_error_set(err, VGL_ENOTFOUND, "the network has no layer '%s'", layers[k]);
    }
    if (!status)
        status = plan(graph, nodes, wanted, n_layers, batch, height, width, err);
    /* The caller's input is node 0's data; it is never freed or written. */
    nodes[0].data = (float *)input;
    for (int i = 1; i < graph->n_nodes && !status; i++) {
        if (!nodes[i].needed)
            continue;
        status = execute_node(graph, nodes, i, threads, err);
        release_inputs(graph, nodes, i);
    }
    for (int k = 0; k < n_layers && !status; k++) {
        plan_node *node = &nodes[wanted[k]];
        vgl_tensor *t = &outputs[k];
        *t = (vgl_tensor){node->shape.n, node->shape.h, node->shape.w, node->shape.c, NULL};
        size_t bytes = vgl_shape_size(node->shape) * sizeof(float);
        /* The last request for a buffer takes it; earlier duplicates copy. */
        if (--node->consumers == 0) {
            t->data = node->data;
            node->data = NULL;
        } else if ((t->data = malloc(bytes))) {
            memcpy(t->data, node->data, bytes);
        } else {
            status = vgl_error_set(err, VGL_ENOMEM, "out of memory returning layer outputs");
        }
    }
    for (int i = 1; i < graph->n_nodes; i++)
        free(nodes[i].data);
    if (status)
        for (int k = 0; k < n_layers; k++)
            vgl_tensor_free(&outputs[k]);
    free(nodes);
    free(wanted);
    return status;
}

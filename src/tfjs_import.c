/*
 * tfjs_import.c - TF.js Keras layers topology to a Vigil graph (see
 * tfjs_import.h for what is folded and dropped).
 *
 * Layers are visited in file order, which Keras writes topologically.  Each
 * becomes a node of its own (convolutions, pools, add, concat), is folded
 * into the node that produced its input (batch norm, activations; the node
 * then takes the layer's name, so a requested layer name means the same
 * tensor in Vigil as in TF.js), is held to be folded into its consumer (zero
 * padding), or belongs to the classification head and is dropped.
 */
#include "tfjs_import.h"

#include "commands.h"
#include "error.h"
#include "graph.h"
#include "tfjs_weights.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct layer {
    const char *name;
    const char *class_name;
    json_t *config;
    int n_inputs;
    int inputs[VGL_NODE_MAX_INPUTS];
    int consumers;
    int head;    /* part of the classification head: dropped */
    int node;    /* graph node holding this layer's output, or -1 */
    int pads[4]; /* ZeroPadding2D: top, bottom, left, right */
} layer;

/* Per-node data the importer owns while it builds the graph. */
typedef struct node_data {
    float *weight;
    float *bias;
    size_t weight_count;
    int channels; /* last weight dimension (conv: cout, depthwise: c) */
} node_data;

typedef struct importer {
    layer *layers;
    int n_layers;
    vgl_node *nodes;
    node_data *data;
    int n_nodes;
    tfjs_weights weights;
    int native_height, native_width;
} importer;

/* ------------------------------------------------------------ topology */

static int find_layer(const importer *im, const char *name, int before)
{
    for (int i = 0; i < before; i++)
        if (!strcmp(im->layers[i].name, name))
            return i;
    return -1;
}

static vgl_status read_inbound(importer *im, int index, json_t *json, vgl_error *err)
{
    layer *l = &im->layers[index];
    json_t *inbound = json_object_get(json, "inbound_nodes");
    if (json_array_size(inbound) == 0)
        return VGL_OK;
    if (json_array_size(inbound) > 1)
        return vgl_error_set(err, VGL_EUNSUPPORTED, "layer '%s' is called more than once (shared "
                             "layers are not supported)", l->name);
    json_t *calls = json_array_get(inbound, 0);
    if (json_array_size(calls) > VGL_NODE_MAX_INPUTS)
        return vgl_error_set(err, VGL_EUNSUPPORTED, "layer '%s' has too many inputs", l->name);
    size_t i;
    json_t *call;
    json_array_foreach(calls, i, call) {
        const char *source = json_string_value(json_array_get(call, 0));
        int found = source ? find_layer(im, source, index) : -1;
        if (found < 0)
            return vgl_error_set(err, VGL_EFORMAT, "layer '%s' takes input from '%s', which is not "
                                 "an earlier layer", l->name, source ? source : "?");
        l->inputs[l->n_inputs++] = found;
        im->layers[found].consumers++;
    }
    return VGL_OK;
}

static vgl_status read_layers(importer *im, json_t *model, vgl_error *err)
{
    json_t *topology = json_object_get(model, "modelTopology");
    json_t *config = json_object_get(json_object_get(topology, "model_config"), "config");
    if (!config)
        config = json_object_get(topology, "config");
    json_t *layers = json_object_get(config, "layers");
    if (!json_is_array(layers) || json_array_size(layers) < 2 || json_array_size(layers) > 10000)
        return vgl_error_set(err, VGL_EFORMAT, "model.json has no Keras layer list");
    im->n_layers = (int)json_array_size(layers);
    im->layers = calloc((size_t)im->n_layers, sizeof *im->layers);
    im->nodes = calloc((size_t)im->n_layers, sizeof *im->nodes);
    im->data = calloc((size_t)im->n_layers, sizeof *im->data);
    if (!im->layers || !im->nodes || !im->data)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory importing");
    for (int i = 0; i < im->n_layers; i++) {
        json_t *json = json_array_get(layers, (size_t)i);
        layer *l = &im->layers[i];
        l->name = json_string_value(json_object_get(json, "name"));
        l->class_name = json_string_value(json_object_get(json, "class_name"));
        l->config = json_object_get(json, "config");
        l->node = -1;
        if (!l->name || !l->class_name || !json_is_object(l->config))
            return vgl_error_set(err, VGL_EFORMAT, "layer %d lacks name, class_name or config", i);
        if (strlen(l->name) >= VGL_NODE_NAME_MAX)
            return vgl_error_set(err, VGL_EUNSUPPORTED, "layer name '%s' is too long", l->name);
        vgl_status status = read_inbound(im, i, json, err);
        if (status)
            return status;
    }
    return VGL_OK;
}

static int is_head_class(const char *class_name)
{
    static const char *const head[] = {"Flatten", "Dense", "Dropout", "GlobalAveragePooling2D",
                                       "GlobalMaxPooling2D", "Softmax", "Reshape"};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        if (!strcmp(class_name, head[i]))
            return 1;
    return 0;
}

static int is_pool_class(const char *class_name)
{
    return !strcmp(class_name, "AveragePooling2D") || !strcmp(class_name, "MaxPooling2D");
}

/* The head is every head-class layer and all that follows it, plus pools
 * whose only consumers are in the head (the global pool before a Flatten). */
static void mark_head(importer *im)
{
    for (int i = 0; i < im->n_layers; i++) {
        layer *l = &im->layers[i];
        l->head = is_head_class(l->class_name);
        for (int k = 0; k < l->n_inputs; k++)
            l->head |= im->layers[l->inputs[k]].head;
    }
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < im->n_layers; i++) {
            layer *l = &im->layers[i];
            if (l->head || !is_pool_class(l->class_name) || l->consumers == 0)
                continue;
            int all_head = 1;
            for (int j = i + 1; j < im->n_layers; j++)
                for (int k = 0; k < im->layers[j].n_inputs; k++)
                    if (im->layers[j].inputs[k] == i && !im->layers[j].head)
                        all_head = 0;
            if (all_head)
                l->head = changed = 1;
        }
    }
}

/* ------------------------------------------------------------ config values */

static int config_pair(json_t *config, const char *key, int *a, int *b)
{
    json_t *v = json_object_get(config, key);
    if (json_is_integer(v)) {
        *a = *b = (int)json_integer_value(v);
        return 1;
    }
    if (json_array_size(v) != 2 || !json_is_integer(json_array_get(v, 0)) ||
        !json_is_integer(json_array_get(v, 1)))
        return 0;
    *a = (int)json_integer_value(json_array_get(v, 0));
    *b = (int)json_integer_value(json_array_get(v, 1));
    return 1;
}

static const char *config_string(json_t *config, const char *key)
{
    const char *value = json_string_value(json_object_get(config, key));
    return value ? value : "";
}

static vgl_status parse_padding(const layer *l, vgl_padding *padding, vgl_error *err)
{
    const char *mode = config_string(l->config, "padding");
    if (!strcmp(mode, "same"))
        *padding = VGL_PAD_SAME;
    else if (!strcmp(mode, "valid"))
        *padding = VGL_PAD_VALID;
    else
        return vgl_error_set(err, VGL_EUNSUPPORTED, "layer '%s': padding '%s' is not supported",
                             l->name, mode);
    return VGL_OK;
}

static vgl_status parse_activation(const layer *l, const char *name, vgl_activation *activation,
                                   vgl_error *err)
{
    if (!strcmp(name, "linear"))
        *activation = VGL_ACT_NONE;
    else if (!strcmp(name, "relu"))
        *activation = VGL_ACT_RELU;
    else
        return vgl_error_set(err, VGL_EUNSUPPORTED, "layer '%s': activation '%s' is not supported",
                             l->name, name);
    return VGL_OK;
}

/* ------------------------------------------------------------ layers */

static vgl_node *new_node(importer *im, layer *l, vgl_op op)
{
    vgl_node *node = &im->nodes[im->n_nodes];
    snprintf(node->name, sizeof node->name, "%s", l->name);
    node->op = op;
    l->node = im->n_nodes++;
    return node;
}

static vgl_status input_node_of(importer *im, const layer *l, int k, int *node, vgl_error *err)
{
    *node = im->layers[l->inputs[k]].node;
    if (*node < 0)
        return vgl_error_set(err, VGL_EUNSUPPORTED, "layer '%s' consumes '%s', which the importer "
                             "could not fold into a node", l->name, im->layers[l->inputs[k]].name);
    return VGL_OK;
}

static vgl_status import_input(importer *im, layer *l, vgl_error *err)
{
    json_t *shape = json_object_get(l->config, "batch_input_shape");
    json_int_t channels = json_integer_value(json_array_get(shape, 3));
    if (im->n_nodes != 0 || json_array_size(shape) != 4 || channels != 3)
        return vgl_error_set(err, VGL_EUNSUPPORTED, "input layer '%s' must come first and take "
                             "NHWC images of 3 channels", l->name);
    im->native_height = (int)json_integer_value(json_array_get(shape, 1));
    im->native_width = (int)json_integer_value(json_array_get(shape, 2));
    vgl_node *node = new_node(im, l, VGL_OP_INPUT);
    node->out_channels = (int)channels;
    return VGL_OK;
}

static vgl_status import_zero_padding(importer *im, layer *l, vgl_error *err)
{
    json_t *pad = json_object_get(l->config, "padding");
    int ok = json_array_size(pad) == 2;
    for (int axis = 0; ok && axis < 2; axis++) {
        json_t *pair = json_array_get(pad, (size_t)axis);
        ok = json_array_size(pair) == 2;
        for (int side = 0; ok && side < 2; side++)
            l->pads[axis * 2 + side] = (int)json_integer_value(json_array_get(pair, (size_t)side));
    }
    if (!ok || l->consumers != 1)
        return vgl_error_set(err, VGL_EUNSUPPORTED, "zero padding '%s' must be ((t,b),(l,r)) and "
                             "feed exactly one convolution", l->name);
    (void)im;
    return VGL_OK;
}

static vgl_status copy_weight(const importer *im, const layer *l, const char *param, size_t count,
                              float **out, vgl_error *err)
{
    const tfjs_weight *w = tfjs_weights_find(&im->weights, l->name, param);
    if (!w || w->count != count)
        return vgl_error_set(err, VGL_EFORMAT, "layer '%s': weight '%s' missing or of the wrong "
                             "size", l->name, param);
    *out = malloc(count * sizeof(float));
    if (!*out)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory importing");
    memcpy(*out, w->values, count * sizeof(float));
    return VGL_OK;
}

static vgl_status import_conv(importer *im, layer *l, int depthwise, vgl_error *err)
{
    int source = l->inputs[0];
    const int *pads = NULL;
    if (!strcmp(im->layers[source].class_name, "ZeroPadding2D")) {
        pads = im->layers[source].pads;
        source = im->layers[source].inputs[0];
    }
    int input = im->layers[source].node;
    if (input < 0)
        return vgl_error_set(err, VGL_EUNSUPPORTED, "layer '%s' has an input the importer cannot "
                             "map", l->name);
    int kh, kw, sh, sw, dh = 1, dw = 1;
    if (!config_pair(l->config, "kernel_size", &kh, &kw) ||
        !config_pair(l->config, "strides", &sh, &sw))
        return vgl_error_set(err, VGL_EFORMAT, "layer '%s' lacks kernel_size or strides", l->name);
    config_pair(l->config, "dilation_rate", &dh, &dw);
    json_int_t multiplier = json_integer_value(json_object_get(l->config, "depth_multiplier"));
    if (dh != 1 || dw != 1 || (depthwise && multiplier != 1))
        return vgl_error_set(err, VGL_EUNSUPPORTED, "layer '%s': dilation and depth multipliers "
                             "other than 1 are not supported", l->name);
    vgl_node *node = new_node(im, l, depthwise ? VGL_OP_DEPTHWISE : VGL_OP_CONV);
    node_data *data = &im->data[l->node];
    node->n_inputs = 1;
    node->inputs[0] = input;
    node->kernel_h = kh, node->kernel_w = kw, node->stride_h = sh, node->stride_w = sw;
    if (pads) {
        node->pad_top = pads[0], node->pad_bottom = pads[1];
        node->pad_left = pads[2], node->pad_right = pads[3];
    }
    vgl_status status = parse_padding(l, &node->padding, err);
    if (!status)
        status = parse_activation(l, config_string(l->config, "activation"), &node->activation,
                                  err);
    if (status)
        return status;
    const tfjs_weight *kernel =
        tfjs_weights_find(&im->weights, l->name, depthwise ? "depthwise_kernel" : "kernel");
    if (!kernel || kernel->ndim != 4 || kernel->shape[0] != kh || kernel->shape[1] != kw)
        return vgl_error_set(err, VGL_EFORMAT, "layer '%s': kernel weight missing or misshapen",
                             l->name);
    data->channels = (int)(depthwise ? kernel->shape[2] : kernel->shape[3]);
    data->weight_count = kernel->count;
    node->out_channels = depthwise ? 0 : data->channels;
    status = copy_weight(im, l, depthwise ? "depthwise_kernel" : "kernel", kernel->count,
                         &data->weight, err);
    if (status)
        return status;
    if (json_is_true(json_object_get(l->config, "use_bias")))
        return copy_weight(im, l, "bias", (size_t)data->channels, &data->bias, err);
    data->bias = calloc((size_t)data->channels, sizeof(float));
    return data->bias ? VGL_OK : vgl_error_set(err, VGL_ENOMEM, "out of memory importing");
}

/* The node a batch norm or activation may be folded into: a convolution
 * whose output nothing else reads and that has no activation yet. */
static vgl_status foldable_node(importer *im, const layer *l, int *node, vgl_error *err)
{
    const layer *producer = &im->layers[l->inputs[0]];
    *node = producer->node;
    if (*node < 0 || producer->consumers != 1 ||
        (im->nodes[*node].op != VGL_OP_CONV && im->nodes[*node].op != VGL_OP_DEPTHWISE) ||
        im->nodes[*node].activation != VGL_ACT_NONE)
        return vgl_error_set(err, VGL_EUNSUPPORTED, "layer '%s' (%s) does not follow a "
                             "convolution it could be folded into", l->name, l->class_name);
    return VGL_OK;
}

static vgl_status import_batch_norm(importer *im, layer *l, vgl_error *err)
{
    int n;
    vgl_status status = foldable_node(im, l, &n, err);
    if (status)
        return status;
    node_data *data = &im->data[n];
    size_t c = (size_t)data->channels;
    const tfjs_weight *mean = tfjs_weights_find(&im->weights, l->name, "moving_mean");
    const tfjs_weight *var = tfjs_weights_find(&im->weights, l->name, "moving_variance");
    const tfjs_weight *gamma = tfjs_weights_find(&im->weights, l->name, "gamma");
    const tfjs_weight *beta = tfjs_weights_find(&im->weights, l->name, "beta");
    int scale = !json_is_false(json_object_get(l->config, "scale"));
    int center = !json_is_false(json_object_get(l->config, "center"));
    json_t *eps_json = json_object_get(l->config, "epsilon");
    if (!mean || !var || mean->count != c || var->count != c || (scale && (!gamma || gamma->count != c)) ||
        (center && (!beta || beta->count != c)) || !json_is_number(eps_json))
        return vgl_error_set(err, VGL_EFORMAT, "batch norm '%s' lacks weights for %zu channels",
                             l->name, c);
    double eps = json_number_value(eps_json);
    /* y = gamma * (x - mean) / sqrt(var + eps) + beta, with x = w.in + b */
    for (size_t ch = 0; ch < c; ch++) {
        double factor = (scale ? gamma->values[ch] : 1.0) / sqrt((double)var->values[ch] + eps);
        double shift = center ? beta->values[ch] : 0.0;
        data->bias[ch] = (float)(((double)data->bias[ch] - mean->values[ch]) * factor + shift);
        for (size_t i = ch; i < data->weight_count; i += c)
            data->weight[i] = (float)(data->weight[i] * factor);
    }
    snprintf(im->nodes[n].name, sizeof im->nodes[n].name, "%s", l->name);
    l->node = n;
    return VGL_OK;
}

static vgl_status import_activation(importer *im, layer *l, vgl_error *err)
{
    vgl_activation activation = VGL_ACT_NONE;
    vgl_status status;
    if (!strcmp(l->class_name, "Activation")) {
        status = parse_activation(l, config_string(l->config, "activation"), &activation, err);
    } else {
        json_t *max = json_object_get(l->config, "max_value");
        double slope = json_number_value(json_object_get(l->config, "negative_slope"));
        double threshold = json_number_value(json_object_get(l->config, "threshold"));
        status = VGL_OK;
        activation = json_is_null(max) || !max ? VGL_ACT_RELU : VGL_ACT_RELU6;
        if (slope != 0 || threshold != 0 || (max && !json_is_null(max) && json_number_value(max) != 6))
            status = vgl_error_set(err, VGL_EUNSUPPORTED, "ReLU '%s': only plain ReLU and ReLU6 "
                                   "are supported", l->name);
    }
    if (status)
        return status;
    if (activation == VGL_ACT_NONE)
        return input_node_of(im, l, 0, &l->node, err);
    int n;
    if ((status = foldable_node(im, l, &n, err)))
        return status;
    im->nodes[n].activation = activation;
    snprintf(im->nodes[n].name, sizeof im->nodes[n].name, "%s", l->name);
    l->node = n;
    return VGL_OK;
}

static vgl_status import_join(importer *im, layer *l, vgl_op op, vgl_error *err)
{
    if (op == VGL_OP_CONCAT) {
        json_int_t axis = json_integer_value(json_object_get(l->config, "axis"));
        if (axis != -1 && axis != 3)
            return vgl_error_set(err, VGL_EUNSUPPORTED, "concatenate '%s' must join channels",
                                 l->name);
    }
    int inputs[VGL_NODE_MAX_INPUTS];
    for (int k = 0; k < l->n_inputs; k++) {
        vgl_status status = input_node_of(im, l, k, &inputs[k], err);
        if (status)
            return status;
    }
    vgl_node *node = new_node(im, l, op);
    node->n_inputs = l->n_inputs;
    memcpy(node->inputs, inputs, sizeof inputs);
    return VGL_OK;
}

static vgl_status import_pool(importer *im, layer *l, vgl_error *err)
{
    int input;
    vgl_status status = input_node_of(im, l, 0, &input, err);
    if (status)
        return status;
    int kh, kw, sh, sw;
    if (!config_pair(l->config, "pool_size", &kh, &kw))
        return vgl_error_set(err, VGL_EFORMAT, "pool '%s' lacks pool_size", l->name);
    if (!config_pair(l->config, "strides", &sh, &sw))
        sh = kh, sw = kw; /* Keras: strides default to the pool size */
    vgl_node *node =
        new_node(im, l, !strcmp(l->class_name, "MaxPooling2D") ? VGL_OP_MAX_POOL : VGL_OP_AVG_POOL);
    node->n_inputs = 1;
    node->inputs[0] = input;
    node->kernel_h = kh, node->kernel_w = kw, node->stride_h = sh, node->stride_w = sw;
    return parse_padding(l, &node->padding, err);
}

static vgl_status import_layer(importer *im, layer *l, vgl_error *err)
{
    const char *c = l->class_name;
    if (!strcmp(c, "InputLayer"))
        return import_input(im, l, err);
    if (im->n_nodes == 0)
        return vgl_error_set(err, VGL_EUNSUPPORTED, "the first layer must be an InputLayer");
    if (!strcmp(c, "ZeroPadding2D"))
        return import_zero_padding(im, l, err);
    if (!strcmp(c, "Conv2D"))
        return import_conv(im, l, 0, err);
    if (!strcmp(c, "DepthwiseConv2D"))
        return import_conv(im, l, 1, err);
    if (!strcmp(c, "BatchNormalization"))
        return import_batch_norm(im, l, err);
    if (!strcmp(c, "ReLU") || !strcmp(c, "Activation"))
        return import_activation(im, l, err);
    if (!strcmp(c, "Add"))
        return import_join(im, l, VGL_OP_ADD, err);
    if (!strcmp(c, "Concatenate"))
        return import_join(im, l, VGL_OP_CONCAT, err);
    if (is_pool_class(c))
        return import_pool(im, l, err);
    return vgl_error_set(err, VGL_EUNSUPPORTED, "layer '%s' is a %s, which Vigil cannot import",
                         l->name, c);
}

/* ------------------------------------------------------------ output */

static vgl_status write_model(const importer *im, vgl_graph *graph,
                              const tfjs_import_options *options, vgl_error *err)
{
    vgl_modelfile_writer *writer = vgl_modelfile_writer_create();
    if (!writer)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory writing the model");
    double mean[3], std[3];
    memcpy(mean, options->input_mean, sizeof mean);
    memcpy(std, options->input_std, sizeof std);
    vgl_status status = vgl_modelfile_set_string(writer, "general.kind", "backbone", err);
    if (!status)
        status = vgl_modelfile_set_string(writer, "general.architecture", options->architecture, err);
    if (!status)
        status = vgl_modelfile_set_string(writer, "general.source", options->source, err);
    if (!status)
        status = vgl_modelfile_set_string(writer, "general.license", options->license, err);
    if (!status)
        status = vgl_modelfile_set_string(writer, "general.converter",
                                          "vigil " VIGIL_VERSION " backbone import (TF.js layers "
                                          "model; batch norm folded, head dropped)", err);
    if (!status)
        status = vgl_modelfile_set_int(writer, "backbone.native_height", im->native_height, err);
    if (!status)
        status = vgl_modelfile_set_int(writer, "backbone.native_width", im->native_width, err);
    if (!status)
        status = vgl_modelfile_set_float(writer, "input.scale", options->input_scale, err);
    if (!status)
        status = vgl_modelfile_set_floats(writer, "input.mean", mean, 3, err);
    if (!status)
        status = vgl_modelfile_set_floats(writer, "input.std", std, 3, err);
    if (!status)
        status = vgl_graph_store(graph, writer, err);
    if (!status)
        status = vgl_modelfile_write(writer, options->output_path, err);
    vgl_modelfile_writer_free(writer);
    return status;
}

static void importer_free(importer *im)
{
    for (int i = 0; i < im->n_nodes; i++) {
        free(im->data[i].weight);
        free(im->data[i].bias);
    }
    free(im->layers);
    free(im->nodes);
    free(im->data);
    tfjs_weights_free(&im->weights);
}

static vgl_status load_json(const char *dir, json_t **model, vgl_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/model.json", dir);
    json_error_t json_err;
    *model = json_load_file(path, 0, &json_err);
    if (!*model)
        return vgl_error_set(err, VGL_EFORMAT, "%s: %s (line %d)", path, json_err.text,
                             json_err.line);
    return VGL_OK;
}

vgl_status tfjs_import(const tfjs_import_options *options, int *n_nodes, vgl_error *err)
{
    importer im = {0};
    json_t *model = NULL;
    char weights_path[4096];
    snprintf(weights_path, sizeof weights_path, "%s/weights.bin", options->tfjs_dir);
    vgl_status status = load_json(options->tfjs_dir, &model, err);
    if (!status)
        status = tfjs_weights_load(json_object_get(model, "weightsManifest"), weights_path,
                                   &im.weights, err);
    if (!status)
        status = read_layers(&im, model, err);
    if (!status) {
        mark_head(&im);
        for (int i = 0; i < im.n_layers && !status; i++)
            if (!im.layers[i].head)
                status = import_layer(&im, &im.layers[i], err);
    }
    vgl_graph graph = {im.n_nodes, im.nodes, NULL};
    for (int i = 0; i < im.n_nodes; i++) {
        im.nodes[i].weight = im.data[i].weight;
        im.nodes[i].bias = im.data[i].bias;
    }
    if (!status)
        status = vgl_graph_validate(&graph, err);
    if (!status)
        status = write_model(&im, &graph, options, err);
    if (!status)
        *n_nodes = im.n_nodes;
    free(graph.channels);
    importer_free(&im);
    json_decref(model);
    return status;
}

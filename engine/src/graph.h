/*
 * graph.h - a feed-forward CNN as a list of nodes in topological order.
 *
 * Layout is NHWC throughout.  Batch normalisation and activations have been
 * folded into the convolutions that precede them by the importer, and
 * explicit zero padding into the convolution that consumes it, so the
 * runtime only knows a handful of ops.  Weights point into the mapped model
 * file (or, while importing, into the importer's arrays).
 *
 * In a model file, node i is stored as metadata keys "graph.node.<i>.<field>"
 * and tensors "<node name>.weight" / "<node name>.bias"; graph_io.c reads and
 * writes that form and docs/model-format.md lists it.
 */
#ifndef VGL_GRAPH_H
#define VGL_GRAPH_H

#include "vigil.h"

typedef enum vgl_op {
    VGL_OP_INPUT = 0,
    VGL_OP_CONV,       /* weight [kh][kw][cin][cout], bias [cout] */
    VGL_OP_DEPTHWISE,  /* weight [kh][kw][c], bias [c]; depth multiplier 1 */
    VGL_OP_ADD,        /* element-wise sum of all inputs */
    VGL_OP_CONCAT,     /* along channels, in input order */
    VGL_OP_MAX_POOL,
    VGL_OP_AVG_POOL,   /* padding excluded from the average, as TF does */
    VGL_OP_COUNT
} vgl_op;

typedef enum vgl_activation {
    VGL_ACT_NONE = 0,
    VGL_ACT_RELU,
    VGL_ACT_RELU6,
    VGL_ACT_COUNT
} vgl_activation;

/* TensorFlow's padding modes; "same" pads so that out = ceil(in / stride). */
typedef enum vgl_padding {
    VGL_PAD_VALID = 0,
    VGL_PAD_SAME,
    VGL_PAD_COUNT
} vgl_padding;

#define VGL_NODE_MAX_INPUTS 8
#define VGL_NODE_NAME_MAX 128

typedef struct vgl_node {
    char name[VGL_NODE_NAME_MAX];
    vgl_op op;
    int n_inputs;
    int inputs[VGL_NODE_MAX_INPUTS]; /* indices of earlier nodes */
    /* Spatial ops (conv, depthwise, pools). */
    int kernel_h, kernel_w;
    int stride_h, stride_w;
    vgl_padding padding;
    int pad_top, pad_bottom, pad_left, pad_right; /* explicit zeros added before `padding` applies */
    vgl_activation activation;                  /* conv and depthwise only */
    int out_channels;                           /* conv: cout; input: image channels */
    const float *weight;
    const float *bias;
} vgl_node;

typedef struct vgl_graph {
    int n_nodes;
    vgl_node *nodes;
    int *channels; /* output channels of each node, known without the spatial size */
} vgl_graph;

/* Checks a graph's structure (op codes, input indices, attributes, channel
 * counts along every edge) and fills graph->channels.  The importer calls it
 * before writing, the loader after reading. */
vgl_status vgl_graph_validate(vgl_graph *graph, vgl_error *err);

/* Output size of a spatial op for an input size, with TF's padding rules;
 * also gives the leading padding the op applies.  Fails when the input is
 * too small for the kernel. */
vgl_status vgl_node_output_size(const vgl_node *node, int in_h, int in_w, int *out_h, int *out_w,
                                int *pad_h, int *pad_w, vgl_error *err);

int vgl_graph_find(const vgl_graph *graph, const char *name);

/* The smallest graph that computes the named nodes: the nodes they depend
 * on, renumbered in the same order.  Weights are shared with `graph`. */
vgl_status vgl_graph_prune(const vgl_graph *graph, const char *const *names, int n_names,
                           vgl_graph *out, vgl_error *err);

const char *vgl_op_name(vgl_op op);
const char *vgl_activation_name(vgl_activation activation);
const char *vgl_padding_name(vgl_padding padding);

/* Writes the graph's nodes and weights into a model file being built. */
vgl_status vgl_graph_store(const vgl_graph *graph, vgl_modelfile_writer *writer, vgl_error *err);

/* Reads a graph from an open model file; weights point into the mapping, so
 * the file must stay open while the graph is used.  Free with vgl_graph_free. */
vgl_status vgl_graph_load(const vgl_modelfile *file, vgl_graph *graph, vgl_error *err);
void vgl_graph_free(vgl_graph *graph);

#endif

/*
 * cmd_backbone.c - `vigil backbone import|info|run`.
 *
 *   import  converts a TF.js layers model (tools/tfjs/extract.cjs output)
 *           into a Vigil model file;
 *   info    lists a model file's metadata, tensors and graph;
 *   run     runs a backbone on one image up to named layers and writes the
 *           exact network input and each layer's output as raw float32
 *           NHWC files with a JSON shape beside them (used by the TF.js
 *           parity test and for debugging).
 */
#include "commands.h"
#include "graph.h"
#include "tfjs_import.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int parse_triple(const char *text, double out[3])
{
    char extra;
    return sscanf(text, "%lf,%lf,%lf%c", &out[0], &out[1], &out[2], &extra) == 3;
}

static int backbone_import(int argc, char **argv)
{
    tfjs_import_options options = {
        .source = "unknown",
        .license = "unknown",
        /* nsfwjs feeds its networks pixel / 255. */
        .input_scale = 1.0 / 255.0,
        .input_mean = {0, 0, 0},
        .input_std = {1, 1, 1},
    };
    static const struct option long_options[] = {
        {"tfjs-dir", required_argument, 0, 'd'}, {"output", required_argument, 0, 'o'},
        {"name", required_argument, 0, 'n'},     {"source", required_argument, 0, 's'},
        {"license", required_argument, 0, 'l'},  {"input-scale", required_argument, 0, 'S'},
        {"input-mean", required_argument, 0, 'M'}, {"input-std", required_argument, 0, 'D'},
        {0, 0, 0, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (opt) {
        case 'd': options.tfjs_dir = optarg; break;
        case 'o': options.output_path = optarg; break;
        case 'n': options.architecture = optarg; break;
        case 's': options.source = optarg; break;
        case 'l': options.license = optarg; break;
        case 'S': options.input_scale = atof(optarg); break;
        case 'M':
            if (!parse_triple(optarg, options.input_mean))
                goto usage;
            break;
        case 'D':
            if (!parse_triple(optarg, options.input_std))
                goto usage;
            break;
        default: goto usage;
        }
    }
    if (!options.tfjs_dir || !options.output_path || !options.architecture || optind != argc)
        goto usage;
    vgl_error err = {0};
    int n_nodes = 0;
    if (tfjs_import(&options, &n_nodes, &err)) {
        fprintf(stderr, "vigil backbone import: %s\n", err.message);
        return 1;
    }
    printf("wrote %s: %s, %d nodes\n", options.output_path, options.architecture, n_nodes);
    return 0;
usage:
    fprintf(stderr, "usage: vigil backbone import --tfjs-dir DIR --output FILE --name ARCH\n"
                    "         [--source TEXT] [--license TEXT] [--input-scale S]\n"
                    "         [--input-mean M0,M1,M2] [--input-std S0,S1,S2]\n");
    return 2;
}

static void print_kv(const vgl_modelfile *file, size_t i)
{
    const char *key = vgl_modelfile_kv_key(file, i);
    size_t count = 0;
    int64_t integer;
    double real;
    printf("  %-40s ", key);
    switch (vgl_modelfile_kv_type(file, i)) {
    case VGL_KV_STRING: printf("%s\n", vgl_modelfile_get_string(file, key)); break;
    case VGL_KV_INT:
        vgl_modelfile_get_int(file, key, &integer);
        printf("%lld\n", (long long)integer);
        break;
    case VGL_KV_FLOAT:
        vgl_modelfile_get_float(file, key, &real);
        printf("%.9g\n", real);
        break;
    case VGL_KV_INT_ARRAY: {
        const int64_t *values = vgl_modelfile_get_ints(file, key, &count);
        for (size_t k = 0; k < count; k++)
            printf("%s%lld", k ? "," : "[", (long long)values[k]);
        printf("]\n");
        break;
    }
    case VGL_KV_FLOAT_ARRAY: {
        const double *values = vgl_modelfile_get_floats(file, key, &count);
        for (size_t k = 0; k < count; k++)
            printf("%s%.9g", k ? "," : "[", values[k]);
        printf("]\n");
        break;
    }
    }
}

static int backbone_info(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: vigil backbone info FILE\n");
        return 2;
    }
    vgl_error err = {0};
    vgl_modelfile *file = NULL;
    if (vgl_modelfile_open(argv[1], &file, &err)) {
        fprintf(stderr, "vigil backbone info: %s\n", err.message);
        return 1;
    }
    printf("%s: format version %u\nmetadata (%zu):\n", argv[1], vgl_modelfile_version(file),
           vgl_modelfile_kv_count(file));
    for (size_t i = 0; i < vgl_modelfile_kv_count(file); i++)
        if (strncmp(vgl_modelfile_kv_key(file, i), "graph.node.", 11))
            print_kv(file, i);
    size_t parameters = 0;
    for (size_t i = 0; i < vgl_modelfile_tensor_count(file); i++)
        parameters += vgl_modelfile_tensor_at(file, i)->nbytes / 4;
    printf("tensors: %zu (%zu values)\n", vgl_modelfile_tensor_count(file), parameters);
    vgl_graph graph;
    int status = 0;
    if (vgl_graph_load(file, &graph, &err)) {
        fprintf(stderr, "vigil backbone info: %s\n", err.message);
        status = 1;
    } else {
        printf("graph (%d nodes):\n", graph.n_nodes);
        for (int i = 0; i < graph.n_nodes; i++) {
            const vgl_node *n = &graph.nodes[i];
            printf("  %3d %-24s %-16s c=%-5d", i, n->name, vgl_op_name(n->op), graph.channels[i]);
            if (n->kernel_h)
                printf(" k=%dx%d s=%dx%d %s pads=%d,%d,%d,%d %s", n->kernel_h, n->kernel_w,
                       n->stride_h, n->stride_w, vgl_padding_name(n->padding), n->pad_top,
                       n->pad_bottom, n->pad_left, n->pad_right, vgl_activation_name(n->activation));
            for (int k = 0; k < n->n_inputs; k++)
                printf("%s%s", k ? "," : " <- ", graph.nodes[n->inputs[k]].name);
            printf("\n");
        }
        vgl_graph_free(&graph);
    }
    vgl_modelfile_close(file);
    return status;
}

static int write_tensor(const char *dir, const char *name, const float *data, int n, int h, int w,
                        int c)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.f32", dir, name);
    FILE *f = fopen(path, "wb");
    size_t count = (size_t)n * h * w * c;
    int ok = f && fwrite(data, sizeof(float), count, f) == count;
    if (f)
        ok = !fclose(f) && ok;
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    f = fopen(path, "w");
    ok = ok && f && fprintf(f, "{\"shape\":[%d,%d,%d,%d]}\n", n, h, w, c) > 0;
    if (f)
        ok = !fclose(f) && ok;
    if (!ok)
        fprintf(stderr, "vigil backbone run: cannot write %s\n", path);
    return ok;
}

/* mkdir -p: creates dir and any missing parents. */
static void make_dirs(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(path, 0755);
            *p = '/';
        }
    mkdir(path, 0755);
}

/* Splits "a,b,c" in place into at most max names. */
static int split_layers(char *list, const char **names, int max)
{
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok && n < max;
         tok = strtok_r(NULL, ",", &save))
        names[n++] = tok;
    return n;
}

static int backbone_run(int argc, char **argv)
{
    const char *model = NULL, *image_path = NULL, *out_dir = NULL;
    char *layer_list = NULL;
    int height = 0, width = 0, threads = 1;
    static const struct option long_options[] = {
        {"model", required_argument, 0, 'm'}, {"image", required_argument, 0, 'i'},
        {"height", required_argument, 0, 'H'}, {"width", required_argument, 0, 'W'},
        {"layers", required_argument, 0, 'l'}, {"out", required_argument, 0, 'o'},
        {"threads", required_argument, 0, 't'}, {0, 0, 0, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (opt) {
        case 'm': model = optarg; break;
        case 'i': image_path = optarg; break;
        case 'H': height = atoi(optarg); break;
        case 'W': width = atoi(optarg); break;
        case 'l': layer_list = optarg; break;
        case 'o': out_dir = optarg; break;
        case 't': threads = atoi(optarg); break;
        default: goto usage;
        }
    }
    if (!model || !image_path || !out_dir || !layer_list || optind != argc || threads < 1)
        goto usage;
    const char *layers[64];
    int n_layers = split_layers(layer_list, layers, 64);
    vgl_error err = {0};
    vgl_network *network = NULL;
    vgl_image image = {0}, sized = {0};
    vgl_tensor outputs[64] = {0};
    float *input = NULL;
    int status = 1;
    if (vgl_network_load(model, &network, &err) || vgl_image_read_file(image_path, NULL, &image, &err))
        goto fail;
    if (height <= 0 || width <= 0) {
        int64_t h = 0, w = 0;
        vgl_modelfile_get_int(vgl_network_file(network), "backbone.native_height", &h);
        vgl_modelfile_get_int(vgl_network_file(network), "backbone.native_width", &w);
        height = height > 0 ? height : (int)h;
        width = width > 0 ? width : (int)w;
    }
    if (vgl_image_resize(&image, width, height, &sized, &err))
        goto fail;
    input = malloc((size_t)width * height * 3 * sizeof *input);
    if (!input)
        goto fail;
    vgl_network_prepare_input(network, &sized, input);
    make_dirs(out_dir);
    if (!write_tensor(out_dir, "input", input, 1, height, width, 3))
        goto done;
    if (vgl_network_run(network, input, 1, height, width, layers, n_layers, threads, outputs, &err))
        goto fail;
    status = 0;
    for (int k = 0; k < n_layers; k++) {
        const vgl_tensor *t = &outputs[k];
        if (!write_tensor(out_dir, layers[k], t->data, t->n, t->h, t->w, t->c))
            status = 1;
        else
            printf("%s: %dx%dx%d\n", layers[k], t->h, t->w, t->c);
    }
    goto done;
fail:
    fprintf(stderr, "vigil backbone run: %s\n", err.message[0] ? err.message : "out of memory");
done:
    for (int k = 0; k < n_layers; k++)
        vgl_tensor_free(&outputs[k]);
    free(input);
    vgl_image_free(&image);
    vgl_image_free(&sized);
    vgl_network_free(network);
    return status;
usage:
    fprintf(stderr, "usage: vigil backbone run --model FILE --image IMAGE --layers A,B,...\n"
                    "         --out DIR [--height H --width W] [--threads N]\n");
    return 2;
}

int cmd_backbone(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    if (!strcmp(sub, "import"))
        return backbone_import(argc - 1, argv + 1);
    if (!strcmp(sub, "info"))
        return backbone_info(argc - 1, argv + 1);
    if (!strcmp(sub, "run"))
        return backbone_run(argc - 1, argv + 1);
    fprintf(stderr, "usage: vigil backbone import|info|run ...\n");
    return 2;
}

/*
 * cmd_detect.c - `vigil detect`: runs a trained model on image files and
 * prints, one line per image, the DetectAnomalyResult JSON that
 * DetectAnomalies answered; with --mask-dir it also writes each
 * segmentation model's AnomalyMask as <image name>.png.  A bad image is
 * reported and skipped; the exit code says whether any was.
 */
#include "commands.h"
#include "error.h"
#include "offline_cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct detect_args {
    const char *model, *mask_dir;
    int threads;
    char **images;
    int n_images;
} detect_args;

static void usage(FILE *to)
{
    fprintf(to, "usage: vigil detect --model MODEL.vgm [--mask-dir DIR] [--threads N] IMAGE...\n\n"
                "Prints one DetectAnomalyResult JSON line per image (JPEG or PNG of the\n"
                "training images' size).\n\n"
                "  --mask-dir DIR   also write segmentation masks there as NAME.png\n"
                "  --threads N      worker threads (default: the number of cores)\n");
}

/* Returns -1 to go on, or the exit code. */
static int parse_args(int argc, char **argv, detect_args *a)
{
    *a = (detect_args){.threads = cli_default_threads()};
    const cli_option options[] = {
        {"model", CLI_TEXT, &a->model, 0},
        {"mask-dir", CLI_TEXT, &a->mask_dir, 0},
        {"threads", CLI_INT, &a->threads, 1},
    };
    int first_image;
    int code = cli_parse_options("detect", argc, argv, options, sizeof options / sizeof *options,
                                 usage, &first_image);
    if (code != -1)
        return code;
    a->images = argv + first_image;
    a->n_images = argc - first_image;
    const char *problem = !a->model      ? "--model is required"
                          : !a->n_images ? "no images given"
                                         : NULL;
    if (problem) {
        fprintf(stderr, "vigil detect: %s\nRun 'vigil detect --help' for its options.\n", problem);
        return CLI_USAGE;
    }
    return -1;
}

/* DIR/<file name without its extension>.png */
static void mask_path(const char *dir, const char *image, char *out, size_t size)
{
    const char *base = strrchr(image, '/');
    base = base ? base + 1 : image;
    const char *dot = strrchr(base, '.');
    int stem = (int)(dot && dot != base ? (size_t)(dot - base) : strlen(base));
    snprintf(out, size, "%s/%.*s.png", dir, stem, base);
}

typedef struct detector {
    const detect_args *args;
    const vgl_model *model;
    vgl_class classes[VGL_MAX_CLASSES];
    int n_classes;
} detector;

/* Detects one image and prints its line; the error names no file (the
 * caller adds it). */
static vgl_status detect_one(const detector *d, const char *path, vgl_error *err)
{
    vgl_image image = {0};
    vgl_detection detection = {0};
    uint8_t *png = NULL;
    size_t png_size = 0;
    vgl_status status = vgl_image_read_file(path, NULL, &image, err);
    if (!status)
        status = vgl_model_detect(d->model, &image, d->args->threads, &detection, err);
    if (!status && detection.class_map)
        status = vgl_detection_mask_png(d->model, &detection, &png, &png_size, err);
    json_t *result = status ? NULL : detection_result_json(&detection, d->classes, d->n_classes,
                                                           png, png_size);
    char *line = result ? json_dumps(result, JSON_COMPACT | OUTPUT_JSON_PRECISION) : NULL;
    if (!status && !line)
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory");
    if (!status && png && d->args->mask_dir) {
        char file[PATH_MAX];
        mask_path(d->args->mask_dir, path, file, sizeof file);
        status = cli_write_file(file, png, png_size, err);
    }
    if (!status) {
        /* Flushed line by line, so a consumer reading the pipe sees each
         * result as soon as it is ready. */
        printf("%s\n", line);
        fflush(stdout);
    }
    free(line);
    json_decref(result);
    free(png);
    vgl_detection_free(&detection);
    vgl_image_free(&image);
    return status;
}

static int detect(const detect_args *a)
{
    detector d = {.args = a};
    vgl_model *model = NULL;
    vgl_error err = {0};
    if (vgl_model_load(a->model, &model, &err) ||
        (a->mask_dir && cli_make_dirs(a->mask_dir, &err))) {
        fprintf(stderr, "vigil detect: %s\n", err.message);
        vgl_model_free(model);
        return CLI_FAILED;
    }
    d.model = model;
    d.n_classes = cli_model_classes(model, d.classes);
    int failed = 0;
    for (int i = 0; i < a->n_images; i++) {
        err = (vgl_error){0};
        if (detect_one(&d, a->images[i], &err)) {
            fprintf(stderr, "vigil detect: %s: %s\n", a->images[i], err.message);
            failed++;
        }
    }
    if (failed)
        fprintf(stderr, "vigil detect: %d of %d images failed\n", failed, a->n_images);
    vgl_model_free(model);
    return failed ? CLI_FAILED : 0;
}

int cmd_detect(int argc, char **argv)
{
    detect_args args;
    int exit_code = parse_args(argc, argv, &args);
    return exit_code >= 0 ? exit_code : detect(&args);
}

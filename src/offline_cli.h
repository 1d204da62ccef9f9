/*
 * offline_cli.h - what `vigil train`, `vigil evaluate` and `vigil detect`
 * share: defaults (threads, backbone), opening a local
 * dataset, the evaluation summary on stdout, and writing the evaluation
 * files (EvaluationResult, EvaluationManifest, predicted masks) into a
 * folder.
 */
#ifndef VIGIL_OFFLINE_CLI_H
#define VIGIL_OFFLINE_CLI_H

#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>

#include "cli_options.h"
#include "dataset_local.h"
#include "evaluation_output.h"
#include "progress.h"
#include "vigil.h"

/* The number of online processors, at least 1. */
int cli_default_threads(void);

/* The backbone when --backbone is not given: $VIGIL_MODELS_DIR/mobilenet_v2.vgm,
 * else <the vigil binary's folder>/../models/mobilenet_v2.vgm when it
 * exists, else ./models/mobilenet_v2.vgm. */
void cli_default_backbone(char *out, size_t size);

/* 1 to 255 of [a-zA-Z0-9_-], starting with a letter or digit (the API's
 * project name pattern: it goes into file names and ARNs); else prints why
 * and returns -1. */
int cli_check_project_name(const char *command, const char *name);

/* mkdir -p. */
vgl_status cli_make_dirs(const char *dir, vgl_error *err);

/* Writes size bytes into path, replacing the file. */
vgl_status cli_write_file(const char *path, const void *data, size_t size, vgl_error *err);

/* Copies the model's anomaly classes; returns their number. */
int cli_model_classes(const vgl_model *model, vgl_class classes[VGL_MAX_CLASSES]);

/* Opens a dataset from a manifest (root may be NULL) or a folder (exactly
 * one of the two) and checks its files.  classes/n_classes are a folder's
 * class table (NULL, 0: from its masks). */
vgl_status cli_open_dataset(const char *manifest_path, const char *root, const char *folder,
                            const vgl_class *classes, int n_classes, dataset_local **out,
                            vgl_error *err);

/* The images the engine tests in a dataset: the labelled ones. */
size_t cli_labelled_count(const vgl_dataset *dataset);

/* Prints the image counts, the image metrics and the per-class pixel metrics. */
void cli_print_evaluation(const vgl_evaluation *evaluation);

/* Writing an evaluation into a folder while the engine tests.  The test
 * callback (cli_on_test, context: the cli_evaluation) shows progress and,
 * when a folder was given, records every test image. */
typedef struct cli_evaluation {
    const char *dir; /* NULL: progress only, nothing written */
    char absolute_dir[PATH_MAX];
    char model_arn[512];
    char creation_date[EVALUATION_TIMESTAMP_SIZE];
    model_identity model;
    const dataset_local *datasets[2]; /* where test samples may come from */
    size_t expected_tests;            /* for the progress line */
    atomic_size_t n_tests;
    progress *progress;
    int masks_dir_made;
    evaluation_recorder recorder;
} cli_evaluation;

/* dir may be NULL.  classes are the model's (or the training dataset's).
 * datasets: the one or two datasets test samples come from (second may be
 * NULL).  progress may be NULL when the engine reports testing itself.
 * Creates dir. */
vgl_status cli_evaluation_begin(cli_evaluation *e, const char *dir, const char *project_name,
                                int model_version, const vgl_class *classes, int n_classes,
                                const dataset_local *first, const dataset_local *second,
                                size_t expected_tests, progress *progress, vgl_error *err);

/* A vgl_test_callback. */
void cli_on_test(void *context, const vgl_sample *sample, const vgl_detection *detection,
                 const uint8_t *truth_mask);

/* Writes EvaluationResult-<project>-<version>.json and
 * EvaluationManifest-<project>-<version>.json into the folder and prints
 * their paths; a failure while recording is reported here. */
vgl_status cli_evaluation_write(cli_evaluation *e, const vgl_evaluation *evaluation,
                                vgl_error *err);

void cli_evaluation_end(cli_evaluation *e);

#endif

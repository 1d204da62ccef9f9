/*
 * cmd_train.c - `vigil train`: trains an anomaly model offline from a local
 * manifest or normal/ anomaly/ folder (tested on a second dataset, or on a
 * part split off the first as Lookout for Vision did for single-dataset
 * projects), writes the model file, prints the test metrics and, with
 * --evaluation-dir, writes the EvaluationResult and EvaluationManifest
 * files (and predicted masks) that the service wrote to S3.
 */
#include "commands.h"
#include "offline_cli.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

typedef struct train_args {
    const char *manifest, *root, *folder;
    const char *test_manifest, *test_folder;
    const char *output, *backbone, *evaluation_dir, *project_name;
    int threads, model_version;
} train_args;

static void usage(FILE *to)
{
    fprintf(to,
            "usage: vigil train (--manifest FILE [--root DIR] | --folder DIR)\n"
            "         [--test-manifest FILE | --test-folder DIR] --output MODEL.vgm\n"
            "         [--backbone FILE] [--threads N] [--evaluation-dir DIR]\n"
            "         [--project-name NAME] [--model-version N]\n\n"
            "Trains an anomaly model on a Ground Truth manifest (image paths relative to\n"
            "--root, by default the manifest's folder; s3:// references map into --root;\n"
            "--root serves --test-manifest too) or on a folder with normal/, anomaly/ and\n"
            "optionally masks/.  Without a test dataset a fifth or so of the images is set\n"
            "aside for testing.\n\n"
            "  --output FILE         the model file to write\n"
            "  --backbone FILE       pretrained backbone (default:\n"
            "                        $VIGIL_MODELS_DIR/mobilenet_v2.vgm, else\n"
            "                        ../models/mobilenet_v2.vgm beside the vigil binary,\n"
            "                        else ./models/mobilenet_v2.vgm)\n"
            "  --threads N           worker threads (default: the number of cores)\n"
            "  --evaluation-dir DIR  write EvaluationResult-NAME-N.json,\n"
            "                        EvaluationManifest-NAME-N.json and the predicted\n"
            "                        masks (masks/) there\n"
            "  --project-name NAME   the project in file names and ARNs (default: vigil)\n"
            "  --model-version N     the model version in them (default: 1)\n");
}

static int check_args(const train_args *a)
{
    const char *problem = NULL;
    if (!a->manifest == !a->folder)
        problem = "give one of --manifest and --folder";
    else if (a->root && !a->manifest)
        problem = "--root goes with --manifest";
    else if (a->test_manifest && a->test_folder)
        problem = "give at most one of --test-manifest and --test-folder";
    else if (!a->output)
        problem = "--output is required";
    if (problem) {
        fprintf(stderr, "vigil train: %s\nRun 'vigil train --help' for its options.\n", problem);
        return -1;
    }
    return cli_check_project_name("train", a->project_name);
}

/* Returns -1 to go on, or the exit code. */
static int parse_args(int argc, char **argv, train_args *a)
{
    *a = (train_args){.project_name = "vigil", .model_version = 1,
                      .threads = cli_default_threads()};
    const cli_option options[] = {
        {"manifest", CLI_TEXT, &a->manifest, 0},
        {"root", CLI_TEXT, &a->root, 0},
        {"folder", CLI_TEXT, &a->folder, 0},
        {"test-manifest", CLI_TEXT, &a->test_manifest, 0},
        {"test-folder", CLI_TEXT, &a->test_folder, 0},
        {"output", CLI_TEXT, &a->output, 0},
        {"backbone", CLI_TEXT, &a->backbone, 0},
        {"threads", CLI_INT, &a->threads, 1},
        {"evaluation-dir", CLI_TEXT, &a->evaluation_dir, 0},
        {"project-name", CLI_TEXT, &a->project_name, 0},
        {"model-version", CLI_INT, &a->model_version, 1},
    };
    int code = cli_parse_options("train", argc, argv, options, sizeof options / sizeof *options,
                                 usage, NULL);
    if (code != -1)
        return code;
    return check_args(a) ? CLI_USAGE : -1;
}

static void print_model(const vgl_model *model, const char *path)
{
    int width, height;
    vgl_model_image_size(model, &width, &height);
    printf("wrote %s: %s model for %dx%d images", path,
           vgl_model_is_segmentation(model) ? "segmentation" : "classification", width, height);
    for (int k = 0; k < vgl_model_class_count(model); k++)
        printf("%s%s", k ? ", " : "; classes ", vgl_model_class(model, k)->name);
    printf("\n");
}

/* Opens the training dataset and, when given, the test dataset (a test
 * folder's masks read with the training classes, so colours mean the same). */
static vgl_status open_datasets(const train_args *a, dataset_local **train, dataset_local **test,
                                vgl_error *err)
{
    vgl_status status = cli_open_dataset(a->manifest, a->root, a->folder, NULL, 0, train, err);
    if (status || (!a->test_manifest && !a->test_folder))
        return status;
    const vgl_dataset *d = dataset_local_dataset(*train);
    return cli_open_dataset(a->test_manifest, a->root, a->test_folder, d->classes, d->n_classes,
                            test, err);
}

static int train(const train_args *a)
{
    char default_backbone[PATH_MAX];
    if (!a->backbone)
        cli_default_backbone(default_backbone, sizeof default_backbone);
    dataset_local *train_data = NULL, *test_data = NULL;
    vgl_model *model = NULL;
    vgl_evaluation evaluation;
    vgl_error err = {0};
    progress progress;
    progress_init(&progress);
    vgl_train_options options = {
        .backbone_path = a->backbone ? a->backbone : default_backbone,
        .threads = a->threads,
        .progress = progress_report,
        .progress_context = &progress,
    };
    cli_evaluation output;
    int exit_code = CLI_FAILED;
    if (open_datasets(a, &train_data, &test_data, &err))
        goto fail;
    const vgl_dataset *train_set = dataset_local_dataset(train_data);
    const vgl_dataset *test_set = test_data ? dataset_local_dataset(test_data) : NULL;
    /* The engine reports the testing of a part it split off, not that of a
     * test dataset: the test callback shows that one. */
    if (cli_evaluation_begin(&output, a->evaluation_dir, a->project_name, a->model_version,
                             train_set->classes, train_set->n_classes, train_data, test_data,
                             test_set ? cli_labelled_count(test_set) : 0,
                             test_set ? &progress : NULL, &err))
        goto end_output;
    vgl_status status = vgl_train(train_set, test_set, &options, cli_on_test, &output, &model,
                                  &evaluation, &err);
    progress_finish(&progress);
    if (status || vgl_model_save(model, a->output, &err))
        goto end_output;
    print_model(model, a->output);
    cli_print_evaluation(&evaluation);
    if (a->evaluation_dir && cli_evaluation_write(&output, &evaluation, &err))
        goto end_output;
    exit_code = 0;
end_output:
    cli_evaluation_end(&output);
fail:
    progress_destroy(&progress);
    if (exit_code)
        fprintf(stderr, "vigil train: %s\n", err.message);
    vgl_model_free(model);
    dataset_local_free(test_data);
    dataset_local_free(train_data);
    return exit_code;
}

int cmd_train(int argc, char **argv)
{
    train_args args;
    int exit_code = parse_args(argc, argv, &args);
    return exit_code >= 0 ? exit_code : train(&args);
}

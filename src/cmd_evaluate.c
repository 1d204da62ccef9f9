/*
 * cmd_evaluate.c - `vigil evaluate`: tests an existing model on a labelled
 * local dataset (manifest or normal/ anomaly/ folder), prints the metrics
 * and writes the same EvaluationResult and EvaluationManifest files (and
 * predicted masks) as `vigil train --evaluation-dir`.
 */
#include "commands.h"
#include "offline_cli.h"

#include <stdio.h>

typedef struct evaluate_args {
    const char *model, *manifest, *root, *folder, *output_dir, *project_name;
    int threads, model_version;
} evaluate_args;

static void usage(FILE *to)
{
    fprintf(to,
            "usage: vigil evaluate --model MODEL.vgm\n"
            "         (--manifest FILE [--root DIR] | --folder DIR) [--output-dir DIR]\n"
            "         [--threads N] [--project-name NAME] [--model-version N]\n\n"
            "Tests a trained model on labelled images: a Ground Truth manifest (paths\n"
            "relative to --root, by default the manifest's folder) or a folder with\n"
            "normal/, anomaly/ and optionally masks/ (painted in the model's colours).\n\n"
            "  --output-dir DIR      where EvaluationResult-NAME-N.json,\n"
            "                        EvaluationManifest-NAME-N.json and the predicted\n"
            "                        masks (masks/) go (default: .)\n"
            "  --threads N           worker threads (default: the number of cores)\n"
            "  --project-name NAME   the project in file names and ARNs (default: vigil)\n"
            "  --model-version N     the model version in them (default: 1)\n");
}

static int check_args(const evaluate_args *a)
{
    const char *problem = NULL;
    if (!a->model)
        problem = "--model is required";
    else if (!a->manifest == !a->folder)
        problem = "give one of --manifest and --folder";
    else if (a->root && !a->manifest)
        problem = "--root goes with --manifest";
    if (problem) {
        fprintf(stderr, "vigil evaluate: %s\nRun 'vigil evaluate --help' for its options.\n",
                problem);
        return -1;
    }
    return cli_check_project_name("evaluate", a->project_name);
}

/* Returns -1 to go on, or the exit code. */
static int parse_args(int argc, char **argv, evaluate_args *a)
{
    *a = (evaluate_args){.output_dir = ".", .project_name = "vigil", .model_version = 1,
                         .threads = cli_default_threads()};
    const cli_option options[] = {
        {"model", CLI_TEXT, &a->model, 0},
        {"manifest", CLI_TEXT, &a->manifest, 0},
        {"root", CLI_TEXT, &a->root, 0},
        {"folder", CLI_TEXT, &a->folder, 0},
        {"output-dir", CLI_TEXT, &a->output_dir, 0},
        {"threads", CLI_INT, &a->threads, 1},
        {"project-name", CLI_TEXT, &a->project_name, 0},
        {"model-version", CLI_INT, &a->model_version, 1},
    };
    int code = cli_parse_options("evaluate", argc, argv, options,
                                 sizeof options / sizeof *options, usage, NULL);
    if (code != -1)
        return code;
    return check_args(a) ? CLI_USAGE : -1;
}

static int evaluate(const evaluate_args *a)
{
    vgl_model *model = NULL;
    dataset_local *data = NULL;
    vgl_class classes[VGL_MAX_CLASSES];
    vgl_evaluation evaluation;
    vgl_error err = {0};
    progress progress;
    progress_init(&progress);
    cli_evaluation output;
    int exit_code = CLI_FAILED;
    if (vgl_model_load(a->model, &model, &err))
        goto fail;
    /* A folder's masks are read in the model's colours, so its classes are
     * the model's. */
    int n_classes = cli_model_classes(model, classes);
    if (cli_open_dataset(a->manifest, a->root, a->folder, classes, n_classes, &data, &err))
        goto fail;
    const vgl_dataset *test = dataset_local_dataset(data);
    if (cli_evaluation_begin(&output, a->output_dir, a->project_name, a->model_version, classes,
                             n_classes, data, NULL, cli_labelled_count(test), &progress, &err))
        goto end_output;
    vgl_status status = vgl_evaluate(model, test, a->threads, cli_on_test, &output, &evaluation,
                                     &err);
    progress_finish(&progress);
    if (status)
        goto end_output;
    cli_print_evaluation(&evaluation);
    if (cli_evaluation_write(&output, &evaluation, &err))
        goto end_output;
    exit_code = 0;
end_output:
    cli_evaluation_end(&output);
fail:
    progress_destroy(&progress);
    if (exit_code)
        fprintf(stderr, "vigil evaluate: %s\n", err.message);
    dataset_local_free(data);
    vgl_model_free(model);
    return exit_code;
}

int cmd_evaluate(int argc, char **argv)
{
    evaluate_args args;
    int exit_code = parse_args(argc, argv, &args);
    return exit_code >= 0 ? exit_code : evaluate(&args);
}

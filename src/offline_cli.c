/*
 * offline_cli.c - the parts `vigil train`, `vigil evaluate` and `vigil
 * detect` share; see offline_cli.h.
 */
#include "offline_cli.h"

#include "error.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_BACKBONE "mobilenet_v2.vgm"
/* Offline there is no service and no AWS account: the ModelArn in the
 * evaluation files only names the model in the form clients parse, with
 * this account and the region of AWS_REGION (default us-east-1). */
#define OFFLINE_ACCOUNT "000000000000"

int cli_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n >= 1 && n <= INT_MAX ? (int)n : 1;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

void cli_default_backbone(char *out, size_t size)
{
    const char *models_dir = getenv("VIGIL_MODELS_DIR");
    if (models_dir && *models_dir) {
        snprintf(out, size, "%s/%s", models_dir, DEFAULT_BACKBONE);
        return;
    }
    /* An installed or built binary finds the models folder beside its own. */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(out, size, "%s/../models/%s", exe, DEFAULT_BACKBONE);
            if (file_exists(out))
                return;
        }
    }
    snprintf(out, size, "models/%s", DEFAULT_BACKBONE);
}

int cli_check_project_name(const char *command, const char *name)
{
    size_t n = strlen(name);
    int ok = n >= 1 && n <= 255 && isalnum((unsigned char)name[0]);
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)name[i]) || name[i] == '_' || name[i] == '-';
    if (!ok)
        fprintf(stderr, "vigil %s: project name '%s' is not 1 to 255 letters, digits, '_' or '-' "
                        "starting with a letter or digit\n", command, name);
    return ok ? 0 : -1;
}

int cli_model_classes(const vgl_model *model, vgl_class classes[VGL_MAX_CLASSES])
{
    int n = vgl_model_class_count(model);
    for (int k = 0; k < n; k++)
        classes[k] = *vgl_model_class(model, k);
    return n;
}

vgl_status cli_open_dataset(const char *manifest_path, const char *root, const char *folder,
                            const vgl_class *classes, int n_classes, dataset_local **out,
                            vgl_error *err)
{
    vgl_status status = manifest_path
                            ? dataset_local_from_manifest(manifest_path, root, out, err)
                            : dataset_local_from_folder(folder, classes, n_classes, out, err);
    if (!status && (status = dataset_local_check(*out, err))) {
        dataset_local_free(*out);
        *out = NULL;
    }
    return status;
}

size_t cli_labelled_count(const vgl_dataset *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->count; i++)
        n += d->samples[i].label != VGL_LABEL_NONE;
    return n;
}

/* "0.875", or "n/a" for an undefined metric. */
static const char *format_metric(double value, char out[16])
{
    if (isfinite(value))
        snprintf(out, 16, "%.3f", value);
    else
        snprintf(out, 16, "n/a");
    return out;
}

void cli_print_evaluation(const vgl_evaluation *e)
{
    char a[16], b[16], c[16], d[16], f[16];
    printf("images: %zu training, %zu test\n", e->n_training_images, e->n_test_images);
    printf("image level: precision %s  recall %s  F1 %s  ROC AUC %s  AP %s\n",
           format_metric(e->precision, a), format_metric(e->recall, b), format_metric(e->f1, c),
           format_metric(e->roc_auc, d), format_metric(e->average_precision, f));
    printf("  TP %d  FP %d  TN %d  FN %d\n", e->tp, e->fp, e->tn, e->fn);
    if (e->n_classes == 0 && !isfinite(e->pixel_roc_auc))
        return;
    printf("pixel level: ROC AUC %s\n", format_metric(e->pixel_roc_auc, a));
    for (int k = 0; k < e->n_classes; k++) {
        const vgl_class_metrics *m = &e->classes[k];
        printf("  %s: precision %s  recall %s  F1 %s  AIOU %s  found in %d test images\n", m->name,
               format_metric(m->precision, a), format_metric(m->recall, b),
               format_metric(m->f1, c), format_metric(m->aiou, d), m->images_found);
    }
}

/* ------------------------------------------------------ evaluation files */

static vgl_status make_dir(const char *path, vgl_error *err)
{
    if (mkdir(path, 0777) && errno != EEXIST)
        return vgl_error_set(err, VGL_EIO, "cannot create folder %s: %s", path, strerror(errno));
    return VGL_OK;
}

vgl_status cli_make_dirs(const char *dir, vgl_error *err)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return vgl_error_set(err, VGL_EINVAL, "folder name too long: %s", dir);
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            vgl_status status = make_dir(path, err);
            *p = '/';
            if (status)
                return status;
        }
    return make_dir(path, err);
}

vgl_status cli_write_file(const char *path, const void *data, size_t size, vgl_error *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return vgl_error_set(err, VGL_EIO, "cannot write %s: %s", path, strerror(errno));
    int ok = fwrite(data, 1, size, f) == size;
    ok = !fclose(f) && ok;
    if (!ok)
        return vgl_error_set(err, VGL_EIO, "cannot write %s: %s", path, strerror(errno));
    return VGL_OK;
}

/* An evaluation_mask_store: DIR/masks/NAME.  Like every file the offline
 * EvaluationManifest names, it is named by its absolute path, the local
 * counterpart of the service's s3:// URIs: the manifest reads the same from
 * any folder. */
static vgl_status store_mask_file(void *context, const char *file_name, const uint8_t *png,
                                  size_t size, char *ref, size_t ref_size, vgl_error *err)
{
    cli_evaluation *e = context;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/masks", e->dir);
    if (!e->masks_dir_made) {
        vgl_status status = make_dir(path, err);
        if (status)
            return status;
        e->masks_dir_made = 1;
    }
    snprintf(path, sizeof path, "%s/masks/%s", e->dir, file_name);
    snprintf(ref, ref_size, "%s/masks/%s", e->absolute_dir, file_name);
    return cli_write_file(path, png, size, err);
}

/* The absolute path of a file (as it is when it cannot be resolved). */
static void absolute_path(const char *path, char *out, size_t size)
{
    char resolved[PATH_MAX];
    snprintf(out, size, "%s", realpath(path, resolved) ? resolved : path);
}

/* An evaluation_sample_refs: the sample's image and mask files.  The engine
 * hands over pointers into the datasets' sample arrays, so the pointer
 * tells the dataset and the index. */
static void sample_files(void *context, const vgl_sample *sample, char *source_ref,
                         char *mask_ref, size_t size)
{
    const cli_evaluation *e = context;
    snprintf(source_ref, size, "%s", sample->name);
    for (int i = 0; i < 2 && e->datasets[i]; i++) {
        size_t index;
        if (!dataset_local_find_sample(e->datasets[i], sample, &index))
            continue;
        const char *mask = dataset_local_mask_path(e->datasets[i], index);
        absolute_path(dataset_local_image_path(e->datasets[i], index), source_ref, size);
        if (mask)
            absolute_path(mask, mask_ref, size);
        return;
    }
}

vgl_status cli_evaluation_begin(cli_evaluation *e, const char *dir, const char *project_name,
                                int model_version, const vgl_class *classes, int n_classes,
                                const dataset_local *first, const dataset_local *second,
                                size_t expected_tests, progress *progress, vgl_error *err)
{
    memset(e, 0, sizeof *e);
    atomic_init(&e->n_tests, 0);
    e->dir = dir;
    e->datasets[0] = first;
    e->datasets[1] = second;
    e->expected_tests = expected_tests;
    e->progress = progress;
    const char *region = getenv("AWS_REGION");
    if (!region || !*region)
        region = "us-east-1";
    evaluation_model_arn(e->model_arn, sizeof e->model_arn, region, OFFLINE_ACCOUNT, project_name,
                         model_version);
    evaluation_timestamp(time(NULL), e->creation_date);
    e->model = (model_identity){project_name, model_version, e->model_arn};
    evaluation_recorder_config config = {
        .model = e->model,
        .creation_date = e->creation_date,
        .classes = classes,
        .n_classes = n_classes,
        .store_mask = store_mask_file,
        .store_context = e,
        .sample_refs = sample_files,
        .refs_context = e,
    };
    evaluation_recorder_init(&e->recorder, &config);
    if (!dir)
        return VGL_OK;
    vgl_status status = cli_make_dirs(dir, err);
    if (!status)
        absolute_path(dir, e->absolute_dir, sizeof e->absolute_dir);
    return status;
}

void cli_on_test(void *context, const vgl_sample *sample, const vgl_detection *detection,
                 const uint8_t *truth_mask)
{
    cli_evaluation *e = context;
    if (e->dir)
        evaluation_recorder_on_test(&e->recorder, sample, detection, truth_mask);
    if (e->progress)
        progress_report(e->progress, "evaluating", atomic_fetch_add(&e->n_tests, 1) + 1,
                        e->expected_tests);
}

vgl_status cli_evaluation_write(cli_evaluation *e, const vgl_evaluation *evaluation,
                                vgl_error *err)
{
    if (e->recorder.error.status) {
        *err = e->recorder.error;
        return err->status;
    }
    char end[EVALUATION_TIMESTAMP_SIZE], name[512], path[PATH_MAX];
    evaluation_timestamp(time(NULL), end);
    json_t *result = evaluation_result_json(&e->model, end, evaluation);
    char *text = result ? json_dumps(result, JSON_INDENT(2) | OUTPUT_JSON_PRECISION) : NULL;
    json_decref(result);
    size_t length = text ? strlen(text) : 0;
    char *grown = text ? realloc(text, length + 2) : NULL; /* room for a final newline */
    if (!grown) {
        free(text);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory writing the evaluation result");
    }
    text = grown;
    memcpy(text + length, "\n", 2);
    evaluation_file_name(name, sizeof name, "EvaluationResult", e->model.project_name,
                         e->model.model_version);
    snprintf(path, sizeof path, "%s/%s", e->dir, name);
    vgl_status status = cli_write_file(path, text, length + 1, err);
    free(text);
    if (status)
        return status;
    printf("wrote %s\n", path);
    evaluation_file_name(name, sizeof name, "EvaluationManifest", e->model.project_name,
                         e->model.model_version);
    snprintf(path, sizeof path, "%s/%s", e->dir, name);
    if ((status = cli_write_file(path, e->recorder.manifest ? e->recorder.manifest : "",
                             e->recorder.size, err)))
        return status;
    printf("wrote %s (%zu test images)\n", path, e->recorder.n_lines);
    return VGL_OK;
}

void cli_evaluation_end(cli_evaluation *e)
{
    evaluation_recorder_free(&e->recorder);
}

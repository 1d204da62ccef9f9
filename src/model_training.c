/*
 * model_training.c - CreateModel's training job (model_training.h).
 *
 * The job works on a snapshot: the datasets' entries as they are when
 * CreateModel answers (read before the job starts), and their images and
 * masks copied from the object store into a scratch folder under the data directory, laid out as BUCKET/KEY so that
 * dataset_local (the loader `vigil train` uses, with its mask colour
 * mapping) reads them unchanged.  Later changes to the datasets or the
 * bucket cannot reach a training under way.  The folder is removed after.
 *
 * The copies and the model file are encrypted at rest (sealed_file.h)
 * under the model's KmsKeyId, or the service-owned key without one; the
 * loader decrypts each image into memory as the engine asks for it.
 */
#define _XOPEN_SOURCE 700
#include "model_training.h"

#include "background_jobs.h"

#include "dataset_local.h"
#include "error.h"
#include "evaluation_output.h"
#include "manifest.h"
#include "offline_cli.h"
#include "sealed_file.h"
#include "sealed_model.h"

#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ENTRY_PAGE 1000

typedef struct training_job {
    const service *svc;
    store_model model;          /* this thread's copy, written back to the store */
    char scratch[PATH_MAX];     /* the snapshot folder */
    char model_arn[512];
    char last_stage[64];        /* progress: the stage last written */
    double last_report;
    char *train_lines;          /* the entries of each dataset; NULL: no test dataset */
    char *test_lines;
    vgl_dataset train, test;    /* the snapshots behind a loader that heeds a stop */
    const vgl_dataset *inner_train, *inner_test;
    const dataset_local *snapshots[2]; /* the training and test snapshots, for their refs */
    kms_ring ring;
    kms_key key;                /* encrypts the snapshot and the model */
} training_job;

void model_training_file(const char *project, int version, char *out, size_t size)
{
    snprintf(out, size, "models/%s-%d.vgm", project, version);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000.0;
}

/* ------------------------------------------------------------ snapshot */

/* Copies s3://BUCKET/KEY into SCRATCH/BUCKET/KEY. */
static vgl_status copy_object(const training_job *job, const char *ref, vgl_error *err)
{
    const char *bucket = ref + 5, *slash = NULL;
    if (strncmp(ref, "s3://", 5) != 0 || !(slash = strchr(bucket, '/')) || !slash[1])
        return vgl_error_set(err, VGL_EFORMAT, "%s is not an s3://BUCKET/KEY reference", ref);
    const char *key = slash + 1;
    /* KEY becomes a path: a ".." segment must not climb out of the snapshot */
    if (strcmp(key, "..") == 0 || strncmp(key, "../", 3) == 0 || strstr(key, "/../") ||
        (strlen(key) >= 3 && strcmp(key + strlen(key) - 3, "/..") == 0))
        return vgl_error_set(err, VGL_EFORMAT, "%s: a key with a '..' segment is refused", ref);
    char bucket_name[64];
    snprintf(bucket_name, sizeof bucket_name, "%.*s", (int)(slash - bucket), bucket);
    uint8_t *data = NULL;
    size_t size = 0;
    blob_store *blobs = job->svc->blobs;
    vgl_status status = blobs->ops->get(blobs, bucket_name, key, &data, &size, NULL, err);
    char path[PATH_MAX * 2], dir[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/%s/%s", job->scratch, bucket_name, key);
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = 0;
    if (status == VGL_OK)
        status = cli_make_dirs(dir, err);
    if (status == VGL_OK)
        status = sealed_file_write(path, &job->key, data, size, err);
    free(data);
    return status;
}

/* The dataset's entry lines, one a line, in *text (the caller frees it). */
static vgl_status read_lines(const service *svc, const char *project, const char *type,
                             char **text, vgl_error *err)
{
    metadata_store *store = svc->store;
    store_entry_filter filter = {.labeled = -1, .label = -1, .limit = ENTRY_PAGE};
    size_t length = 0;
    *text = calloc(1, 1);
    vgl_status status = *text ? VGL_OK : vgl_error_set(err, VGL_ENOMEM, "out of memory");
    size_t count = ENTRY_PAGE;
    while (status == VGL_OK && count == ENTRY_PAGE) {
        store_entry *entries = NULL;
        status = store->ops->entry_list(store, project, type, &filter, &entries, &count, err);
        for (size_t i = 0; i < count && status == VGL_OK; i++) {
            size_t add = strlen(entries[i].line);
            char *grown = realloc(*text, length + add + 2);
            if (!grown) {
                status = vgl_error_set(err, VGL_ENOMEM, "out of memory reading the dataset");
                break;
            }
            *text = grown;
            memcpy(*text + length, entries[i].line, add);
            length += add;
            memcpy(*text + length, "\n", 2);
            length += 1;
            filter.after_id = entries[i].id;
        }
        store_entries_free(entries, count);
    }
    return status;
}

/* The snapshot's loader reads its encrypted copies (dataset_file_reader). */
static vgl_status read_copy(void *context, const char *path, uint8_t **data, size_t *size,
                            vgl_error *err)
{
    const training_job *job = context;
    return sealed_file_read_all(path, &job->ring, VGL_IMAGE_MAX_BYTES, data, size, err);
}

/* The dataset of the entry lines `text`, its files in the scratch folder. */
static vgl_status snapshot(training_job *job, const char *text, dataset_local **out,
                           vgl_error *err)
{
    manifest m;
    vgl_status status = manifest_parse(text, strlen(text), &m, err);
    if (status != VGL_OK)
        return status;
    for (size_t i = 0; i < m.count && status == VGL_OK && !background_jobs_stopping(); i++) {
        status = copy_object(job, m.entries[i].source_ref, err);
        if (status == VGL_OK && m.entries[i].mask_ref)
            status = copy_object(job, m.entries[i].mask_ref, err);
    }
    if (status == VGL_OK)
        status = dataset_local_from_parsed(&m, job->scratch, out, err);
    if (status == VGL_OK)
        dataset_local_set_reader(*out, read_copy, job);
    manifest_free(&m);
    return status;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* ------------------------------------------------------------ engine hooks */

/* The snapshot's loader, refusing to go on once the service is stopping:
 * the engine then returns at once instead of finishing a long training. */
static vgl_status load_train(void *context, size_t index, vgl_image *image, uint8_t **mask,
                             vgl_error *err)
{
    training_job *job = context;
    if (background_jobs_stopping())
        return vgl_error_set(err, VGL_EIO, "the service is stopping");
    return job->inner_train->load(job->inner_train->context, index, image, mask, err);
}

static vgl_status load_test(void *context, size_t index, vgl_image *image, uint8_t **mask,
                            vgl_error *err)
{
    training_job *job = context;
    if (background_jobs_stopping())
        return vgl_error_set(err, VGL_EIO, "the service is stopping");
    return job->inner_test->load(job->inner_test->context, index, image, mask, err);
}

/* Shows the stage in StatusMessage, at most once a second within a stage. */
static void on_progress(void *context, const char *stage, size_t done, size_t total)
{
    training_job *job = context;
    double now = now_seconds();
    if (strcmp(stage, job->last_stage) == 0 && now - job->last_report < 1.0 && done < total)
        return;
    snprintf(job->last_stage, sizeof job->last_stage, "%s", stage);
    job->last_report = now;
    snprintf(job->model.status_message, sizeof job->model.status_message,
             "Training: %s (%zu of %zu).", stage, done, total);
    vgl_error err = {0};
    /* progress is informative: a failed write only leaves an older message */
    job->svc->store->ops->model_update(job->svc->store, &job->model, 0, &err);
}

/* Predicted masks of a segmentation model go beside the manifest. */
static vgl_status store_mask(void *context, const char *file_name, const uint8_t *png,
                             size_t size, char *ref, size_t ref_size, vgl_error *err)
{
    training_job *job = context;
    char key[2048];
    snprintf(key, sizeof key, "%smasks/%s", job->model.output_prefix, file_name);
    snprintf(ref, ref_size, "s3://%s/%s", job->model.output_bucket, key);
    blob_store *blobs = job->svc->blobs;
    return blobs->ops->put(blobs, job->model.output_bucket, key, png, size, "image/png", NULL,
                           err);
}

/* ------------------------------------------------------------ outputs */

static vgl_status put_text(const training_job *job, const char *key, const char *text,
                           size_t size, const char *content_type, vgl_error *err)
{
    blob_store *blobs = job->svc->blobs;
    return blobs->ops->put(blobs, job->model.output_bucket, key, text, size, content_type, NULL,
                           err);
}

/* EvaluationResult and EvaluationManifest at the output prefix. */
static vgl_status write_evaluation(training_job *job, const evaluation_recorder *recorder,
                                   const vgl_evaluation *evaluation, vgl_error *err)
{
    if (recorder->error.status) {
        *err = recorder->error;
        return err->status;
    }
    store_model *m = &job->model;
    model_identity identity = {m->project, m->version, job->model_arn};
    char end[EVALUATION_TIMESTAMP_SIZE], name[600];
    time_t end_time = time(NULL);
    evaluation_timestamp(end_time, end);
    json_t *result = evaluation_result_json(&identity, end, evaluation);
    char *text = result ? json_dumps(result, JSON_INDENT(2) | OUTPUT_JSON_PRECISION) : NULL;
    json_decref(result);
    if (!text)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory writing the evaluation result");
    evaluation_file_name(name, sizeof name, "EvaluationResult", m->project, m->version);
    snprintf(m->evaluation_result_key, sizeof m->evaluation_result_key, "%s%s", m->output_prefix,
             name);
    vgl_status status = put_text(job, m->evaluation_result_key, text, strlen(text),
                                 "application/json", err);
    free(text);
    evaluation_file_name(name, sizeof name, "EvaluationManifest", m->project, m->version);
    snprintf(m->evaluation_manifest_key, sizeof m->evaluation_manifest_key, "%s%s",
             m->output_prefix, name);
    if (status == VGL_OK)
        status = put_text(job, m->evaluation_manifest_key,
                          recorder->manifest ? recorder->manifest : "", recorder->size,
                          "application/json", err);
    m->evaluation_end = (double)end_time;
    return status;
}

static vgl_status save_model(training_job *job, const vgl_model *model, vgl_error *err)
{
    char dir[PATH_MAX], path[PATH_MAX * 2];
    snprintf(dir, sizeof dir, "%s/models", job->svc->data_dir);
    model_training_file(job->model.project, job->model.version, job->model.model_file,
                        sizeof job->model.model_file);
    snprintf(path, sizeof path, "%s/%s", job->svc->data_dir, job->model.model_file);
    vgl_status status = cli_make_dirs(dir, err);
    return status ? status : sealed_model_save(model, path, &job->key, err);
}

/* ------------------------------------------------------------ the job */

static vgl_status open_snapshots(training_job *job, dataset_local **train, dataset_local **test,
                                 vgl_error *err)
{
    vgl_status status = snapshot(job, job->train_lines, train, err);
    if (status == VGL_OK && job->test_lines)
        status = snapshot(job, job->test_lines, test, err);
    if (status == VGL_OK)
        status = dataset_local_check(*train, err);
    if (status == VGL_OK && *test)
        status = dataset_local_check(*test, err);
    if (status != VGL_OK)
        return status;
    job->inner_train = dataset_local_dataset(*train);
    job->train = *job->inner_train;
    job->train.load = load_train;
    job->train.context = job;
    if (*test) {
        job->inner_test = dataset_local_dataset(*test);
        job->test = *job->inner_test;
        job->test.load = load_test;
        job->test.context = job;
    }
    return VGL_OK;
}

/* An evaluation_sample_refs: a test image's source-ref and its ground-truth
 * mask as the dataset's entry names them (s3://...). */
static void sample_refs(void *context, const vgl_sample *sample, char *source_ref,
                        char *mask_ref, size_t size)
{
    const training_job *job = context;
    snprintf(source_ref, size, "%s", sample->name);
    for (int i = 0; i < 2; i++) {
        size_t index;
        if (!dataset_local_find_sample(job->snapshots[i], sample, &index))
            continue;
        const char *mask = dataset_local_mask_ref(job->snapshots[i], index);
        if (mask)
            snprintf(mask_ref, size, "%s", mask);
        return;
    }
}

static vgl_status train(training_job *job, vgl_error *err)
{
    dataset_local *train_data = NULL, *test_data = NULL;
    vgl_model *model = NULL;
    vgl_evaluation evaluation;
    char backbone[PATH_MAX], created[EVALUATION_TIMESTAMP_SIZE];
    cli_default_backbone(backbone, sizeof backbone);
    evaluation_timestamp((time_t)job->model.created, created);
    vgl_status status = open_snapshots(job, &train_data, &test_data, err);
    job->snapshots[0] = train_data, job->snapshots[1] = test_data;
    evaluation_recorder recorder;
    evaluation_recorder_config config = {
        .model = {job->model.project, job->model.version, job->model_arn},
        .creation_date = created,
        .classes = job->train.classes,
        .n_classes = job->train.n_classes,
        .store_mask = store_mask,
        .store_context = job,
        .sample_refs = sample_refs,
        .refs_context = job,
    };
    evaluation_recorder_init(&recorder, &config);
    vgl_train_options options = {.backbone_path = backbone,
                                 .threads = cli_default_threads(),
                                 .progress = on_progress,
                                 .progress_context = job};
    if (status == VGL_OK)
        status = vgl_train(&job->train, test_data ? &job->test : NULL, &options,
                           evaluation_recorder_on_test, &recorder, &model, &evaluation, err);
    if (status == VGL_OK)
        status = save_model(job, model, err);
    if (status == VGL_OK)
        status = write_evaluation(job, &recorder, &evaluation, err);
    if (status == VGL_OK) {
        job->model.has_performance = 1;
        job->model.f1 = evaluation.f1;
        job->model.recall = evaluation.recall;
        job->model.precision = evaluation.precision;
    }
    evaluation_recorder_free(&recorder);
    vgl_model_free(model);
    dataset_local_free(test_data);
    dataset_local_free(train_data);
    return status;
}

void model_training_clean(const char *data_dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/training", data_dir);
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void run_job(training_job *job)
{
    vgl_error err = {0};
    snprintf(job->scratch, sizeof job->scratch, "%s/training/%s-%d", job->svc->data_dir,
             job->model.project, job->model.version);
    /* a key disabled or deleted since CreateModel fails the training */
    vgl_status status = kms_usable_key(&job->ring, job->model.kms_key_id, &job->key, &err);
    if (status == VGL_OK)
        status = cli_make_dirs(job->scratch, &err);
    if (status == VGL_OK)
        status = train(job, &err);
    kms_key_clear(&job->key);
    nftw(job->scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (background_jobs_stopping())
        return; /* left recorded: the next start fails it as interrupted */
    store_model *m = &job->model;
    snprintf(m->status, sizeof m->status, "%s", status ? "TRAINING_FAILED" : "TRAINED");
    if (status)
        snprintf(m->status_message, sizeof m->status_message, "Training failed: %.990s",
                 err.message);
    else
        snprintf(m->status_message, sizeof m->status_message, "Training completed.");
    vgl_error store_err = {0};
    if (job->svc->store->ops->model_update(job->svc->store, m, 1, &store_err) != VGL_OK)
        fprintf(stderr, "vigil serve: recording model %s/%d: %s\n", m->project, m->version,
                store_err.message);
}

static void job_free(training_job *job)
{
    if (!job)
        return;
    free(job->train_lines);
    free(job->test_lines);
    free(job);
}

/* Reads the entries of the train dataset, and of the test dataset when the
 * project has one. */
static vgl_status read_datasets(training_job *job, vgl_error *err)
{
    const char *project = job->model.project;
    store_dataset test;
    vgl_error ignored = {0};
    metadata_store *store = job->svc->store;
    int has_test = store->ops->dataset_get(store, project, "test", &test, &ignored) == VGL_OK;
    vgl_status status = read_lines(job->svc, project, "train", &job->train_lines, err);
    if (status == VGL_OK && has_test)
        status = read_lines(job->svc, project, "test", &job->test_lines, err);
    return status;
}

static void run_and_free(void *arg)
{
    training_job *job = arg;
    run_job(job);
    job_free(job);
}

/* Records the model TRAINING_FAILED because its job could not start. */
static void fail_start(const service *svc, const store_model *model, const char *why)
{
    store_model failed = *model;
    snprintf(failed.status, sizeof failed.status, "TRAINING_FAILED");
    snprintf(failed.status_message, sizeof failed.status_message,
             "The training could not be started: %.900s", why);
    vgl_error err = {0};
    svc->store->ops->model_update(svc->store, &failed, 1, &err);
}

void model_training_start(const service *svc, const store_model *model)
{
    training_job *job = calloc(1, sizeof *job);
    if (!job) {
        fail_start(svc, model, "out of memory");
        return;
    }
    job->svc = svc;
    job->model = *model;
    job->ring = (kms_ring){svc->data_dir, svc->region, svc->account_id};
    vgl_error err = {0};
    if (read_datasets(job, &err) != VGL_OK) {
        fail_start(svc, model, err.message);
        job_free(job);
        return;
    }
    evaluation_model_arn(job->model_arn, sizeof job->model_arn, svc->region, svc->account_id,
                         model->project, model->version);
    background_start started = background_job_start(run_and_free, job);
    if (started == BACKGROUND_STARTED)
        return;
    if (started == BACKGROUND_NO_THREAD) /* when stopping it stays recorded: failed at next start */
        fail_start(svc, model, "no thread could be created");
    job_free(job);
}

/*
 * model_packaging.c - StartModelPackagingJob's job (model_packaging.h).
 *
 * A package is small (one model file and two JSON documents), so a job
 * builds it in memory and writes its four objects; only the model is
 * staged on disk, because libvigil loads models from files and the job
 * loads it to check it and to read its input size and classes.
 */
#include "model_packaging.h"

#include "error.h"
#include "evaluation_output.h"
#include "offline_cli.h"
#include "package_bundle.h"
#include "package_tar.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t jobs_done = PTHREAD_COND_INITIALIZER;
static int jobs_running;
static int jobs_stopping;

typedef struct packaging_job {
    const service *svc;
    store_packaging_job record; /* this thread's copy, written back to the store */
    json_t *greengrass;         /* the job's Configuration.Greengrass */
    char bucket[64];
    char key_prefix[1400];      /* of the package's objects */
} packaging_job;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000.0;
}

void model_packaging_key_prefix(const char *prefix, const char *component, const char *version,
                                char *out, size_t size)
{
    size_t length = strlen(prefix);
    snprintf(out, size, "%s%s%s/%s/", prefix, length && prefix[length - 1] != '/' ? "/" : "",
             component, version);
}

void model_packaging_component_arn(const service *svc, const char *component,
                                   const char *version, char *out, size_t size)
{
    snprintf(out, size, "arn:aws:greengrass:%s:%s:components:%s:versions:%s", svc->region,
             svc->account_id, component, version);
}

/* The trained model file of the job's model version, whole, as the device
 * gets it.  Every read of a model file by packaging goes through here. */
static vgl_status packaging_read_model(const service *svc, const store_model *model,
                                       uint8_t **data, size_t *size, vgl_error *err)
{
    char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/%s", svc->data_dir, model->model_file);
    FILE *file = fopen(path, "rb");
    long length = -1;
    if (file && fseek(file, 0, SEEK_END) == 0)
        length = ftell(file);
    *data = length >= 0 && fseek(file, 0, SEEK_SET) == 0 ? malloc((size_t)length + 1) : NULL;
    int complete = *data && fread(*data, 1, (size_t)length, file) == (size_t)length;
    if (file)
        fclose(file);
    if (!complete) {
        free(*data);
        *data = NULL;
        return vgl_error_set(err, VGL_EIO, "cannot read the model file of model version %d of"
                             " project %s", model->version, model->project);
    }
    *size = (size_t)length;
    return VGL_OK;
}

/* Loads the model bytes through a staging file the engine can map. */
static vgl_status load_model(const packaging_job *job, const uint8_t *bytes, size_t size,
                             vgl_model **model, vgl_error *err)
{
    char dir[PATH_MAX], path[PATH_MAX * 2];
    snprintf(dir, sizeof dir, "%s/packaging", job->svc->data_dir);
    snprintf(path, sizeof path, "%s/job-%lld.vgm", dir, (long long)job->record.id);
    vgl_status status = cli_make_dirs(dir, err);
    if (status == VGL_OK)
        status = cli_write_file(path, bytes, size, err);
    if (status == VGL_OK)
        status = vgl_model_load(path, model, err);
    unlink(path);
    return status;
}

static const char *architecture(const json_t *greengrass)
{
    const char *arch = json_string_value(
        json_object_get(json_object_get(greengrass, "TargetPlatform"), "Arch"));
    /* jetson_xavier, the only TargetDevice, is an ARM64 board */
    return arch && strcmp(arch, "X86_64") == 0 ? "amd64" : "aarch64";
}

static vgl_status put(const packaging_job *job, const char *file, const void *data, size_t size,
                      const char *content_type, vgl_error *err)
{
    char key[sizeof job->key_prefix + 320];
    snprintf(key, sizeof key, "%s%s", job->key_prefix, file);
    blob_store *blobs = job->svc->blobs;
    return blobs->ops->put(blobs, job->bucket, key, data, size, content_type, NULL, err);
}

static char *dump(const json_t *document)
{
    return document ? json_dumps(document, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
}

/* Builds the package of `model_bytes` and writes its objects. */
static vgl_status write_package(packaging_job *job, const uint8_t *model_bytes,
                                size_t model_size, vgl_error *err)
{
    const store_packaging_job *r = &job->record;
    vgl_model *model = NULL;
    vgl_status status = load_model(job, model_bytes, model_size, &model, err);
    if (status != VGL_OK)
        return status;
    char model_arn[STORE_ARN_MAX], archive_name[300];
    evaluation_model_arn(model_arn, sizeof model_arn, job->svc->region, job->svc->account_id,
                         r->project, r->model_version);
    json_t *tags = json_object_get(job->greengrass, "Tags");
    package_identity id = {
        .model_arn = model_arn,
        .project = r->project,
        .model_version = r->model_version,
        .component_name = r->component_name,
        .component_version = r->component_version,
        .component_description =
            json_string_value(json_object_get(job->greengrass, "ComponentDescription")),
        .architecture = architecture(job->greengrass),
        .bucket = job->bucket,
        .key_prefix = job->key_prefix,
        .tags = json_array_size(tags) ? tags : NULL,
    };
    json_t *manifest_json = package_manifest_json(&id, model, model_bytes, model_size);
    vgl_model_free(model);
    char *manifest = dump(manifest_json);
    json_decref(manifest_json);
    json_t *recipe_json = manifest ? package_recipe_json(&id, model_bytes, model_size, manifest)
                                   : NULL;
    char *recipe = dump(recipe_json);
    json_decref(recipe_json);
    uint8_t *archive = NULL;
    size_t archive_size = 0;
    if (!manifest || !recipe)
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory building the package");
    package_file files[] = {
        {PACKAGE_MODEL_FILE, model_bytes, model_size},
        {PACKAGE_MANIFEST_FILE, (const uint8_t *)manifest, manifest ? strlen(manifest) : 0},
        {PACKAGE_RECIPE_FILE, (const uint8_t *)recipe, recipe ? strlen(recipe) : 0},
    };
    if (status == VGL_OK)
        status = package_tar_gz(r->component_name, files, 3, (time_t)r->created, &archive,
                                &archive_size, err);
    snprintf(archive_name, sizeof archive_name, "%s-%s.tar.gz", r->component_name,
             r->component_version);
    if (status == VGL_OK)
        status = put(job, PACKAGE_MODEL_FILE, model_bytes, model_size,
                     "application/octet-stream", err);
    if (status == VGL_OK)
        status = put(job, PACKAGE_MANIFEST_FILE, manifest, strlen(manifest), "application/json",
                     err);
    if (status == VGL_OK)
        status = put(job, PACKAGE_RECIPE_FILE, recipe, strlen(recipe), "application/json", err);
    if (status == VGL_OK)
        status = put(job, archive_name, archive, archive_size, "application/gzip", err);
    free(archive);
    free(recipe);
    free(manifest);
    return status;
}

static vgl_status package(packaging_job *job, vgl_error *err)
{
    const store_packaging_job *r = &job->record;
    store_model model;
    metadata_store *store = job->svc->store;
    vgl_status status = store->ops->model_get(store, r->project, r->model_version, &model, err);
    if (status == VGL_OK && !model.model_file[0])
        status = vgl_error_set(err, VGL_EINVAL, "model version %d of project %s has no trained"
                               " model file", r->model_version, r->project);
    uint8_t *bytes = NULL;
    size_t size = 0;
    if (status == VGL_OK)
        status = packaging_read_model(job->svc, &model, &bytes, &size, err);
    if (status == VGL_OK)
        status = write_package(job, bytes, size, err);
    free(bytes);
    return status;
}

static void record(packaging_job *job, const char *status, const char *message)
{
    store_packaging_job *r = &job->record;
    snprintf(r->status, sizeof r->status, "%s", status);
    snprintf(r->status_message, sizeof r->status_message, "%s", message);
    r->updated = now_seconds();
    vgl_error err = {0};
    if (job->svc->store->ops->packaging_job_update(job->svc->store, r, &err) != VGL_OK)
        fprintf(stderr, "vigil serve: recording packaging job %s/%s: %s\n", r->project, r->name,
                err.message);
}

static void run_job(packaging_job *job)
{
    store_packaging_job *r = &job->record;
    record(job, "RUNNING", "Building the model package.");
    vgl_error err = {0};
    vgl_status status = package(job, &err);
    if (status == VGL_OK) {
        char message[STORE_MESSAGE_MAX];
        model_packaging_component_arn(job->svc, r->component_name, r->component_version,
                                      r->component_version_arn, sizeof r->component_version_arn);
        snprintf(message, sizeof message, "The model package is in s3://%s/%.900s", job->bucket,
                 job->key_prefix);
        record(job, "SUCCEEDED", message);
    } else {
        char message[STORE_MESSAGE_MAX];
        snprintf(message, sizeof message, "Packaging failed: %.990s", err.message);
        record(job, "FAILED", message);
    }
}

static void job_free(packaging_job *job)
{
    if (!job)
        return;
    json_decref(job->greengrass);
    store_packaging_job_clear(&job->record);
    free(job);
}

static void job_leave(void)
{
    pthread_mutex_lock(&jobs_lock);
    if (--jobs_running == 0)
        pthread_cond_broadcast(&jobs_done);
    pthread_mutex_unlock(&jobs_lock);
}

static void *job_thread(void *arg)
{
    packaging_job *job = arg;
    run_job(job);
    job_free(job);
    job_leave();
    return NULL;
}

void model_packaging_drain(void)
{
    pthread_mutex_lock(&jobs_lock);
    jobs_stopping = 1;
    while (jobs_running > 0)
        pthread_cond_wait(&jobs_done, &jobs_lock);
    pthread_mutex_unlock(&jobs_lock);
}

/* The job's copy of the record and its parsed output location. */
static packaging_job *job_new(const service *svc, const store_packaging_job *record)
{
    packaging_job *job = calloc(1, sizeof *job);
    if (!job)
        return NULL;
    job->svc = svc;
    job->record = *record;
    job->record.configuration = strdup(record->configuration);
    json_t *configuration = json_loads(record->configuration, 0, NULL);
    job->greengrass = json_incref(json_object_get(configuration, "Greengrass"));
    json_decref(configuration);
    const json_t *location = json_object_get(job->greengrass, "S3OutputLocation");
    const char *bucket = json_string_value(json_object_get(location, "Bucket"));
    const char *prefix = json_string_value(json_object_get(location, "Prefix"));
    if (!job->record.configuration || !bucket) {
        job_free(job);
        return NULL;
    }
    snprintf(job->bucket, sizeof job->bucket, "%s", bucket);
    model_packaging_key_prefix(prefix ? prefix : "", record->component_name,
                               record->component_version, job->key_prefix,
                               sizeof job->key_prefix);
    return job;
}

void model_packaging_start(const service *svc, const store_packaging_job *recorded)
{
    packaging_job *job = job_new(svc, recorded);
    pthread_mutex_lock(&jobs_lock);
    int allowed = job && !jobs_stopping;
    jobs_running += allowed;
    pthread_mutex_unlock(&jobs_lock);
    if (!allowed) {
        if (job) {
            job_free(job);
            return; /* stopping: the next start fails it as interrupted */
        }
        store_packaging_job failed = *recorded;
        snprintf(failed.status, sizeof failed.status, "FAILED");
        snprintf(failed.status_message, sizeof failed.status_message,
                 "The packaging job could not be started: out of memory.");
        failed.updated = now_seconds();
        vgl_error err = {0};
        svc->store->ops->packaging_job_update(svc->store, &failed, &err);
        return;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int started = pthread_create(&thread, &attr, job_thread, job) == 0;
    pthread_attr_destroy(&attr);
    if (started)
        return;
    record(job, "FAILED", "The packaging job could not be started: no thread could be created.");
    job_free(job);
    job_leave();
}

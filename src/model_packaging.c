/*
 * model_packaging.c - StartModelPackagingJob's job (model_packaging.h).
 *
 * A package is small (one model file and two JSON documents), so a job
 * builds it in memory and writes its four objects.  The model file is
 * sealed at rest (sealed_model.h); the package holds it decrypted, for the
 * device, and the job loads it (through memory, never plaintext on disk)
 * to check it and to read its input size and classes.
 */
#include "model_packaging.h"

#include "background_jobs.h"
#include "error.h"
#include "evaluation_output.h"
#include "package_bundle.h"
#include "package_tar.h"
#include "sealed_file.h"
#include "sealed_model.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest model file a job packages: far above any model the engine
 * writes (a few MB), a bound on what one job holds in memory. */
#define PACKAGE_MODEL_MAX_BYTES ((size_t)1 << 30)
#include <time.h>

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

/* The key ring the service's model files are sealed under (sealed_model.h). */
static kms_ring service_ring(const service *svc)
{
    return (kms_ring){svc->data_dir, svc->region, svc->account_id};
}

static void model_path(const service *svc, const store_model *model, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", svc->data_dir, model->model_file);
}

/* The trained model file of the job's model version, decrypted whole: the
 * device gets it in the clear.  Every read of a model file's bytes by
 * packaging goes through here. */
static vgl_status packaging_read_model(const service *svc, const store_model *model,
                                       uint8_t **data, size_t *size, vgl_error *err)
{
    char path[PATH_MAX * 2];
    model_path(svc, model, path, sizeof path);
    kms_ring ring = service_ring(svc);
    return sealed_file_read_all(path, &ring, PACKAGE_MODEL_MAX_BYTES, data, size, err);
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
static vgl_status write_package(packaging_job *job, const store_model *stored,
                                const uint8_t *model_bytes, size_t model_size, vgl_error *err)
{
    const store_packaging_job *r = &job->record;
    vgl_model *model = NULL;
    char path[PATH_MAX * 2];
    model_path(job->svc, stored, path, sizeof path);
    kms_ring ring = service_ring(job->svc);
    vgl_status status = sealed_model_load_with(&ring, path, &model, err);
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
        status = write_package(job, &model, bytes, size, err);
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

static void run_and_free(void *arg)
{
    packaging_job *job = arg;
    run_job(job);
    job_free(job);
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
    if (!job) {
        store_packaging_job failed = *recorded;
        snprintf(failed.status, sizeof failed.status, "FAILED");
        snprintf(failed.status_message, sizeof failed.status_message,
                 "The packaging job could not be started: out of memory.");
        failed.updated = now_seconds();
        vgl_error err = {0};
        svc->store->ops->packaging_job_update(svc->store, &failed, &err);
        return;
    }
    background_start started = background_job_start(run_and_free, job);
    if (started == BACKGROUND_STARTED)
        return;
    if (started == BACKGROUND_NO_THREAD) /* when stopping it stays recorded: failed at next start */
        record(job, "FAILED",
               "The packaging job could not be started: no thread could be created.");
    job_free(job);
}

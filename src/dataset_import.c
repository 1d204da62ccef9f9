/*
 * dataset_import.c - background dataset jobs: importing a Ground Truth
 * manifest (CreateDataset with a DatasetSource) and applying
 * UpdateDatasetEntries' changes.
 *
 * Every line is parsed with manifest.h, then every image and mask it names
 * is read from the object store and checked the way training will need it:
 * an s3:// URI in the dataset's one bucket, at most 8 MB, decodable with the
 * default image limits, and a mask that is a PNG of its image's size.  The
 * first problem ends the job with a message naming the line and the object;
 * nothing is kept of a failed job (the store applies a job's entries in the
 * transaction that ends it).
 *
 * The service reads the objects on the caller's behalf, so each needs the
 * caller's s3:GetObject, and an object the caller may not read gets the
 * answer a missing one gets: an import must not tell a key holder what it
 * could not find out by reading.
 */
#include "dataset_import.h"

#include "authorize.h"
#include "background_jobs.h"

#include "error.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct dataset_job {
    const service *svc;
    auth_identity caller; /* whose permissions the reads need */
    int64_t id;
    store_job_kind kind;
    char *project;
    char *type;
    char *payload;
} dataset_job;

/* ------------------------------------------------------------ lines */

void dataset_lines_free(dataset_lines *lines)
{
    for (size_t i = 0; lines->lines && i < lines->m.count; i++)
        free(lines->lines[i]);
    free(lines->lines);
    lines->lines = NULL;
    manifest_free(&lines->m);
}

/* The line as the dataset keeps it: compact JSON, members in order. */
static char *normalise_line(const char *text, size_t length)
{
    json_t *object = json_loadb(text, length, 0, NULL);
    char *line = object ? json_dumps(object, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(object);
    return line;
}

static vgl_status add_line(dataset_lines *out, const char *text, size_t length, size_t line_no,
                           vgl_error *err)
{
    int added = 0;
    vgl_status status = manifest_add_line(&out->m, text, length, line_no, &added, err);
    if (status != VGL_OK || !added)
        return status;
    char **grown = realloc(out->lines, out->m.count * sizeof *grown);
    if (grown)
        out->lines = grown;
    char *line = grown ? normalise_line(text, length) : NULL;
    if (!line) {
        /* keep lines and entries the same length for dataset_lines_free */
        manifest_entry_free(&out->m.entries[--out->m.count]);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory reading manifest line %zu", line_no);
    }
    out->lines[out->m.count - 1] = line;
    return VGL_OK;
}

vgl_status dataset_lines_parse(const char *text, size_t size, dataset_lines *out, vgl_error *err)
{
    memset(out, 0, sizeof *out);
    manifest_init(&out->m);
    if (size >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        text += 3;
        size -= 3;
    }
    vgl_status status = VGL_OK;
    size_t line_no = 1;
    for (size_t start = 0; status == VGL_OK && start < size; line_no++) {
        const char *newline = memchr(text + start, '\n', size - start);
        size_t end = newline ? (size_t)(newline - text) : size;
        status = add_line(out, text + start, end - start, line_no, err);
        start = end + 1;
    }
    if (status == VGL_OK && out->m.count == 0)
        status = vgl_error_set(err, VGL_EFORMAT, "the manifest has no entries");
    if (status != VGL_OK)
        dataset_lines_free(out);
    return status;
}

char *dataset_import_payload(const char *bucket, const char *key)
{
    json_t *payload = json_pack("{s:s, s:s}", "Bucket", bucket, "Key", key);
    char *text = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
    json_decref(payload);
    return text;
}

/* ------------------------------------------------------------ objects */

/* Splits s3://BUCKET/KEY; -1 when ref is not of that form. */
static int split_s3_uri(const char *ref, char *bucket, size_t bucket_size, const char **key)
{
    if (strncmp(ref, "s3://", 5) != 0)
        return -1;
    const char *slash = strchr(ref + 5, '/');
    size_t length = slash ? (size_t)(slash - ref - 5) : 0;
    if (!slash || length == 0 || length >= bucket_size || !slash[1])
        return -1;
    memcpy(bucket, ref + 5, length);
    bucket[length] = 0;
    *key = slash + 1;
    return 0;
}

#define UNREADABLE "the object does not exist, or the caller may not read it (s3:GetObject)"

/* Reads an object of at most 8 MB (checked before reading it) that the
 * caller may read. */
static vgl_status fetch_object(const dataset_job *job, const char *bucket, const char *key,
                               uint8_t **data, size_t *size, vgl_error *err)
{
    const service *svc = job->svc;
    char resource[1200], denied[1600];
    snprintf(resource, sizeof resource, "arn:aws:s3:::%s/%s", bucket, key);
    if (!service_authorize(svc, &job->caller, "s3:GetObject", resource, denied, sizeof denied))
        return vgl_error_set(err, VGL_ENOTFOUND, UNREADABLE);
    blob_info info;
    vgl_status status = svc->blobs->ops->head(svc->blobs, bucket, key, &info, err);
    if (status == VGL_ENOTFOUND)
        return vgl_error_set(err, status, UNREADABLE);
    if (status != VGL_OK)
        return status;
    if (info.size > VGL_IMAGE_MAX_BYTES)
        return vgl_error_set(err, VGL_ELIMIT, "the object is %llu bytes; an image holds at most 8 MB",
                             (unsigned long long)info.size);
    return svc->blobs->ops->get(svc->blobs, bucket, key, data, size, NULL, err);
}

/* Reads and decodes an image (or a mask: a PNG of width x height). */
static vgl_status check_picture(const dataset_job *job, const char *bucket, const char *key,
                                int mask_width, int mask_height, int *width, int *height,
                                vgl_error *err)
{
    uint8_t *data = NULL;
    size_t size = 0;
    vgl_status status = fetch_object(job, bucket, key, &data, &size, err);
    if (status != VGL_OK)
        return status;
    vgl_image image = {0};
    if (mask_width && vgl_image_sniff(data, size) != VGL_IMAGE_PNG)
        status = vgl_error_set(err, VGL_EFORMAT, "a mask must be a PNG image");
    if (status == VGL_OK)
        status = vgl_image_decode(data, size, NULL, &image, err);
    free(data);
    if (status == VGL_OK && mask_width && (image.width != mask_width || image.height != mask_height))
        status = vgl_error_set(err, VGL_EFORMAT, "the mask is %dx%d but its image is %dx%d",
                               image.width, image.height, mask_width, mask_height);
    if (status == VGL_OK && width) {
        *width = image.width;
        *height = image.height;
    }
    vgl_image_free(&image);
    return status;
}

/* One reference of a line: an s3:// URI in the dataset's bucket (set by the
 * first reference when empty), then the picture itself. */
static vgl_status check_reference(const dataset_job *job, const manifest_entry *e, const char *ref,
                                  char *bucket, int mask_width, int mask_height, int *width,
                                  int *height, vgl_error *err)
{
    char ref_bucket[64];
    const char *key;
    if (split_s3_uri(ref, ref_bucket, sizeof ref_bucket, &key) != 0)
        return vgl_error_set(err, VGL_EFORMAT, "manifest line %zu: %.300s is not an s3://bucket/key URI",
                             e->line, ref);
    if (!bucket[0])
        snprintf(bucket, 64, "%s", ref_bucket);
    if (strcmp(bucket, ref_bucket) != 0)
        return vgl_error_set(err, VGL_EINVAL,
                             "manifest line %zu: %.300s is not in the bucket %s of the dataset's"
                             " other images",
                             e->line, ref, bucket);
    vgl_error detail = {0};
    vgl_status status = check_picture(job, ref_bucket, key, mask_width, mask_height, width,
                                      height, &detail);
    if (status != VGL_OK)
        return vgl_error_set(err, status, "manifest line %zu: %.300s: %s", e->line, ref,
                             detail.message);
    return VGL_OK;
}

static vgl_status check_entries(const dataset_job *job, const dataset_lines *lines, char *bucket,
                                vgl_error *err)
{
    for (size_t i = 0; i < lines->m.count; i++) {
        if (background_jobs_stopping())
            return vgl_error_set(err, VGL_EIO, "the service is stopping");
        const manifest_entry *e = &lines->m.entries[i];
        int width = 0, height = 0;
        vgl_status status = check_reference(job, e, e->source_ref, bucket, 0, 0, &width,
                                            &height, err);
        if (status == VGL_OK && e->mask_ref)
            status = check_reference(job, e, e->mask_ref, bucket, width, height, NULL, NULL, err);
        if (status != VGL_OK)
            return status;
    }
    return VGL_OK;
}

/* ------------------------------------------------------------ jobs */

static vgl_status load_manifest(const dataset_job *job, dataset_lines *lines, vgl_error *err)
{
    json_t *payload = json_loads(job->payload, 0, NULL);
    const char *bucket = NULL, *key = NULL;
    if (!payload || json_unpack(payload, "{s:s, s:s}", "Bucket", &bucket, "Key", &key) != 0) {
        json_decref(payload);
        return vgl_error_set(err, VGL_EFORMAT, "the import job's record is damaged");
    }
    uint8_t *data = NULL;
    size_t size = 0;
    vgl_error detail = {0};
    vgl_status status = job->svc->blobs->ops->get(job->svc->blobs, bucket, key, &data, &size,
                                                  NULL, &detail);
    if (status != VGL_OK)
        vgl_error_set(err, status, "cannot read the manifest s3://%s/%s: %s", bucket, key,
                      status == VGL_ENOTFOUND ? "it does not exist" : detail.message);
    else if (size > MANIFEST_MAX_BYTES)
        status = vgl_error_set(err, VGL_ELIMIT, "the manifest s3://%s/%s is larger than 1 GB",
                               bucket, key);
    else
        status = dataset_lines_parse((const char *)data, size, lines, err);
    free(data);
    json_decref(payload);
    return status;
}

/* The bucket an update's images must be in: the dataset's. */
static vgl_status dataset_bucket(const dataset_job *job, char *bucket, vgl_error *err)
{
    store_dataset d;
    metadata_store *store = job->svc->store;
    vgl_status status = store->ops->dataset_get(store, job->project, job->type, &d, err);
    if (status == VGL_OK)
        snprintf(bucket, 64, "%s", d.bucket);
    return status;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000.0;
}

/* Ends the job in the store: the entries on success, nothing on failure. */
static void finish_job(const dataset_job *job, vgl_status status, const dataset_lines *lines,
                       const char *bucket, const vgl_error *job_err)
{
    int import = job->kind == STORE_JOB_IMPORT;
    size_t count = status == VGL_OK ? lines->m.count : 0;
    store_entry_in *entries = calloc(count + 1, sizeof *entries);
    for (size_t i = 0; entries && i < count; i++)
        entries[i] = (store_entry_in){lines->m.entries[i].source_ref, lines->lines[i],
                                      (int)lines->m.entries[i].label};
    char message[STORE_MESSAGE_MAX];
    if (status == VGL_OK)
        snprintf(message, sizeof message, "%s %zu images.", import ? "Imported" : "Added or updated",
                 count);
    else
        snprintf(message, sizeof message, "%s", job_err->message);
    const char *final = status == VGL_OK ? (import ? "CREATE_COMPLETE" : "UPDATE_COMPLETE")
                                         : (import ? "CREATE_FAILED" : "UPDATE_FAILED_ROLLBACK_COMPLETE");
    vgl_error err = {0};
    metadata_store *store = job->svc->store;
    /* nothing to do when it fails: the dataset was deleted meanwhile, or
     * the store is down and a restart fails the recorded job */
    store->ops->dataset_finish_job(store, job->id, job->project, job->type, entries, count,
                                   status == VGL_OK && bucket[0] ? bucket : NULL, final, message,
                                   now_seconds(), &err);
    free(entries);
}

/* Lookout's dataset quotas (behaviour reference 4.1): 16,000 training and
 * 4,000 test images. */
static vgl_status check_import_size(const dataset_job *job, const dataset_lines *lines,
                                    vgl_error *err)
{
    size_t limit = strcmp(job->type, "train") == 0 ? 16000 : 4000;
    if (lines->m.count > limit)
        return vgl_error_set(err, VGL_ELIMIT,
                             "the manifest has %zu images; a %s dataset holds at most %zu",
                             lines->m.count, job->type, limit);
    return VGL_OK;
}

static void run_job(const dataset_job *job)
{
    dataset_lines lines = {0};
    manifest_init(&lines.m);
    char bucket[64] = "";
    vgl_error err = {0};
    vgl_status status;
    if (job->kind == STORE_JOB_IMPORT) {
        status = load_manifest(job, &lines, &err);
    } else {
        status = dataset_bucket(job, bucket, &err);
        if (status == VGL_OK)
            status = dataset_lines_parse(job->payload, strlen(job->payload), &lines, &err);
    }
    if (status == VGL_OK && job->kind == STORE_JOB_IMPORT)
        status = check_import_size(job, &lines, &err);
    if (status == VGL_OK)
        status = check_entries(job, &lines, bucket, &err);
    /* a job cut short by a stop stays recorded: the next start fails it */
    if (!background_jobs_stopping())
        finish_job(job, status, &lines, bucket, &err);
    dataset_lines_free(&lines);
}

static void job_free(dataset_job *job)
{
    free(job->project);
    free(job->type);
    free(job->payload);
    free(job);
}

static void fail_unstarted(const service *svc, int64_t job_id, store_job_kind kind,
                           const char *project, const char *type)
{
    vgl_error err = {0};
    svc->store->ops->dataset_finish_job(
        svc->store, job_id, project, type, NULL, 0, NULL,
        kind == STORE_JOB_IMPORT ? "CREATE_FAILED" : "UPDATE_FAILED_ROLLBACK_COMPLETE",
        "The service could not start the job (out of memory or threads); try again.",
        now_seconds(), &err);
}

static void run_and_free(void *arg)
{
    dataset_job *job = arg;
    run_job(job);
    job_free(job);
}

void dataset_job_start(const service *svc, const auth_identity *caller, int64_t job_id,
                       store_job_kind kind, const char *project, const char *type,
                       const char *payload)
{
    dataset_job *job = calloc(1, sizeof *job);
    if (job)
        *job = (dataset_job){svc, *caller, job_id, kind, strdup(project), strdup(type),
                             strdup(payload)};
    background_start started = BACKGROUND_NO_THREAD;
    if (job && job->project && job->type && job->payload)
        started = background_job_start(run_and_free, job);
    if (started == BACKGROUND_STARTED)
        return;
    if (job)
        job_free(job);
    if (started == BACKGROUND_NO_THREAD)
        fail_unstarted(svc, job_id, kind, project, type);
}

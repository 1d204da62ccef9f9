/*
 * lfv_datasets.c - CreateDataset, DescribeDataset, DeleteDataset,
 * ListDatasetEntries and UpdateDatasetEntries.
 *
 * A dataset is (project, train|test).  Creating one from a manifest and
 * updating its entries are background jobs (dataset_import.c): the handler
 * checks what it can at once, records the job with the *_IN_PROGRESS status
 * and answers 202; DescribeDataset shows the outcome.  Entries are listed
 * in insertion order, by id, which is also the pagination cursor.
 */
#include "lfv.h"

#include "dataset_import.h"
#include "error.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHANGES_MAX_BYTES 10485760
/* UpdateDatasetEntries may start from these statuses only. */
#define UPDATABLE "CREATE_COMPLETE|UPDATE_COMPLETE|UPDATE_FAILED_ROLLBACK_COMPLETE"

static void dataset_id(const char *project, const char *type, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", project, type);
}

/* Answers ResourceNotFoundException (PROJECT) unless the project exists. */
static int require_project(lfv_call *call, const char *project)
{
    store_project p;
    vgl_error err = {0};
    vgl_status status = call->svc->store->ops->project_get(call->svc->store, project, &p, &err);
    if (status != VGL_OK)
        lfv_store_error(call, status, &err, project, LFV_RESOURCE_PROJECT);
    return status == VGL_OK ? 0 : -1;
}

/* Answers a store failure about the dataset of the call's labels. */
static void dataset_error(lfv_call *call, vgl_status status, const vgl_error *err)
{
    char id[STORE_NAME_MAX + 16];
    dataset_id(call->labels[0], call->labels[1], id, sizeof id);
    lfv_store_error(call, status, err, id, LFV_RESOURCE_DATASET);
}

/* ------------------------------------------------------------ create */

typedef struct create_input {
    const char *type;
    const char *bucket; /* NULL: an empty dataset */
    const char *key;
    json_t *source;     /* borrowed DatasetSource, for the idempotency record */
} create_input;

/* An optional object member; -1 with call->msg when it is something else. */
static int object_member(lfv_call *call, const json_t *parent, const char *name, json_t **out)
{
    *out = json_object_get(parent, name);
    if (*out && json_is_null(*out))
        *out = NULL;
    if (*out && !json_is_object(*out)) {
        snprintf(call->msg, sizeof call->msg, "1 validation error detected: Value at '%s' failed"
                 " to satisfy constraint: Member must be a structure", name);
        return -1;
    }
    return 0;
}

static int read_s3_object(lfv_call *call, const json_t *object, create_input *in)
{
    const char *version;
    return lfv_string_member(object, "Bucket", 1, &in->bucket, call->msg) != 0 ||
                   lfv_check_string(&LFV_RULE_BUCKET, in->bucket, call->msg) != 0 ||
                   lfv_string_member(object, "Key", 1, &in->key, call->msg) != 0 ||
                   lfv_check_string(&LFV_RULE_OBJECT_KEY, in->key, call->msg) != 0 ||
                   lfv_string_member(object, "VersionId", 0, &version, call->msg) != 0 ||
                   (version && lfv_check_string(&LFV_RULE_VERSION_ID, version, call->msg) != 0)
               ? -1
               : 0;
}

static int read_create_input(lfv_call *call, const json_t *body, create_input *in)
{
    json_t *manifest = NULL, *object = NULL;
    memset(in, 0, sizeof *in);
    if (lfv_string_member(body, "DatasetType", 1, &in->type, call->msg) != 0 ||
        lfv_check_string(&LFV_RULE_DATASET_TYPE, in->type, call->msg) != 0 ||
        object_member(call, body, "DatasetSource", &in->source) != 0 ||
        (in->source && object_member(call, in->source, "GroundTruthManifest", &manifest) != 0) ||
        (manifest && object_member(call, manifest, "S3Object", &object) != 0) ||
        (object && read_s3_object(call, object, in) != 0))
        return -1;
    return 0;
}

static json_t *dataset_metadata(const store_dataset *d)
{
    json_t *m = json_pack("{s:s, s:o, s:s}", "DatasetType", d->type, "CreationTimestamp",
                          lfv_timestamp(d->created), "Status", d->status);
    if (d->status_message[0])
        json_object_set_new(m, "StatusMessage", json_string(d->status_message));
    return m;
}

static void create_dataset(lfv_call *call, const char *project, const create_input *in)
{
    store_dataset d = {.created = lfv_now()};
    d.updated = d.created;
    snprintf(d.project, sizeof d.project, "%s", project);
    snprintf(d.type, sizeof d.type, "%s", in->type);
    snprintf(d.status, sizeof d.status, "%s", in->bucket ? "CREATE_IN_PROGRESS" : "CREATE_COMPLETE");
    snprintf(d.status_message, sizeof d.status_message, "%s",
             in->bucket ? "Dataset creation in progress." : "Created an empty dataset.");
    char *payload = in->bucket ? dataset_import_payload(in->bucket, in->key) : NULL;
    int64_t job_id = 0;
    vgl_error err = {0};
    metadata_store *store = call->svc->store;
    vgl_status status = in->bucket && !payload
                            ? vgl_error_set(&err, VGL_ENOMEM, "out of memory")
                            : store->ops->dataset_create(store, &d, STORE_JOB_IMPORT, payload,
                                                         &job_id, &err);
    if (status == VGL_OK && payload)
        dataset_job_start(call->svc, call->caller, job_id, STORE_JOB_IMPORT, project, in->type,
                          payload);
    free(payload);
    char id[STORE_NAME_MAX + 16];
    dataset_id(project, in->type, id, sizeof id);
    if (status == VGL_ENOTFOUND)
        lfv_store_error(call, status, &err, project, LFV_RESOURCE_PROJECT);
    else if (status != VGL_OK)
        lfv_store_error(call, status, &err, id, LFV_RESOURCE_DATASET);
    else
        lfv_json_response(call->response, 202, json_pack("{s:o}", "DatasetMetadata",
                                                         dataset_metadata(&d)));
}

void lfv_create_dataset(lfv_call *call)
{
    const char *project = call->labels[0];
    json_t *body = NULL;
    create_input in;
    if (lfv_parse_body(call->request, &body, call->msg) != 0 ||
        read_create_input(call, body, &in) != 0) {
        lfv_invalid(call);
        json_decref(body);
        return;
    }
    json_t *params = json_pack("{s:s, s:s, s:O?}", "ProjectName", project, "DatasetType", in.type,
                               "DatasetSource", in.source);
    lfv_idempotency idem;
    if (!lfv_idempotency_begin(call, "CreateDataset", params, project, LFV_RESOURCE_DATASET,
                               &idem)) {
        create_dataset(call, project, &in);
        lfv_idempotency_end(call, &idem);
    }
    json_decref(params);
    json_decref(body);
}

/* ------------------------------------------------------------ describe */

void lfv_describe_dataset(lfv_call *call)
{
    if (require_project(call, call->labels[0]) != 0)
        return;
    store_dataset d;
    vgl_error err = {0};
    vgl_status status = call->svc->store->ops->dataset_get(call->svc->store, call->labels[0],
                                                           call->labels[1], &d, &err);
    if (status != VGL_OK) {
        dataset_error(call, status, &err);
        return;
    }
    json_t *description = dataset_metadata(&d);
    json_object_set_new(description, "ProjectName", json_string(d.project));
    json_object_set_new(description, "LastUpdatedTimestamp", lfv_timestamp(d.updated));
    json_object_set_new(description, "ImageStats",
                        json_pack("{s:I, s:I, s:I, s:I}", "Total", (json_int_t)d.total, "Labeled",
                                  (json_int_t)d.labeled, "Normal", (json_int_t)d.normal, "Anomaly",
                                  (json_int_t)d.anomaly));
    lfv_json_response(call->response, 200, json_pack("{s:o}", "DatasetDescription", description));
}

/* ------------------------------------------------------------ delete */

static void delete_dataset(lfv_call *call)
{
    if (require_project(call, call->labels[0]) != 0)
        return;
    vgl_error err = {0};
    vgl_status status = call->svc->store->ops->dataset_delete(call->svc->store, call->labels[0],
                                                              call->labels[1], &err);
    if (status != VGL_OK)
        dataset_error(call, status, &err);
    else
        lfv_json_response(call->response, 202, json_object());
}

void lfv_delete_dataset(lfv_call *call)
{
    json_t *params = json_pack("{s:s, s:s}", "ProjectName", call->labels[0], "DatasetType",
                               call->labels[1]);
    lfv_idempotency idem;
    if (!lfv_idempotency_begin(call, "DeleteDataset", params, call->labels[0],
                               LFV_RESOURCE_DATASET, &idem)) {
        delete_dataset(call);
        lfv_idempotency_end(call, &idem);
    }
    json_decref(params);
}

/* ------------------------------------------------------------ list entries */

typedef struct entry_query {
    store_entry_filter filter;
    char *values[7]; /* the raw query values, freed together */
    int max_results;
} entry_query;

enum { Q_LABELED, Q_CLASS, Q_BEFORE, Q_AFTER, Q_CONTAINS, Q_MAX, Q_TOKEN };
static const char *const QUERY_NAMES[] = {"labeled",       "anomalyClass", "createdBefore",
                                          "createdAfter",  "sourceRefContains", "maxResults",
                                          "nextToken"};

static void entry_query_free(entry_query *q)
{
    for (int i = 0; i < 7; i++)
        free(q->values[i]);
}

/* Parses every filter; -1 with call->msg on a bad one. */
static int read_entry_filters(lfv_call *call, entry_query *q)
{
    char **v = q->values;
    store_entry_filter *f = &q->filter;
    f->labeled = f->label = -1;
    for (int i = 0; i < 7; i++)
        v[i] = http_request_query_param(call->request, QUERY_NAMES[i]);
    if (v[Q_LABELED] && lfv_parse_bool("labeled", v[Q_LABELED], &f->labeled, call->msg) != 0)
        return -1;
    if (v[Q_CLASS] && lfv_check_string(&LFV_RULE_ANOMALY_CLASS, v[Q_CLASS], call->msg) != 0)
        return -1;
    if (v[Q_CLASS])
        f->label = strcmp(v[Q_CLASS], "anomaly") == 0;
    if ((f->has_before = v[Q_BEFORE] != NULL) &&
        lfv_parse_timestamp("createdBefore", v[Q_BEFORE], &f->before, call->msg) != 0)
        return -1;
    if ((f->has_after = v[Q_AFTER] != NULL) &&
        lfv_parse_timestamp("createdAfter", v[Q_AFTER], &f->after, call->msg) != 0)
        return -1;
    if (v[Q_CONTAINS] &&
        lfv_check_string(&LFV_RULE_SOURCE_REF_CONTAINS, v[Q_CONTAINS], call->msg) != 0)
        return -1;
    f->source_ref_contains = v[Q_CONTAINS];
    return lfv_parse_max_results(v[Q_MAX], &q->max_results, call->msg);
}

/* The token scope: the dataset and every filter, so a token only
 * continues the listing it came from. */
static char *entry_scope(lfv_call *call, const entry_query *q)
{
    size_t size = 64;
    for (int i = 0; i < Q_MAX; i++)
        size += (q->values[i] ? strlen(q->values[i]) : 0) + 2;
    size += strlen(call->labels[0]) + strlen(call->labels[1]);
    char *scope = malloc(size);
    if (scope)
        snprintf(scope, size, "ListDatasetEntries\n%s\n%s\n%s\n%s\n%s\n%s\n%s", call->labels[0],
                 call->labels[1], q->values[0] ? q->values[0] : "", q->values[1] ? q->values[1] : "",
                 q->values[2] ? q->values[2] : "", q->values[3] ? q->values[3] : "",
                 q->values[4] ? q->values[4] : "");
    return scope;
}

/* The cursor of nextToken; -1 when answered. */
static int read_entry_cursor(lfv_call *call, const entry_query *q, const char *scope,
                             int64_t *after_id)
{
    *after_id = 0;
    const char *token = q->values[Q_TOKEN];
    if (!token || !token[0])
        return 0;
    char *cursor = NULL;
    if (lfv_token_decode(call, token, scope, &cursor) != 0)
        return -1;
    char *end;
    *after_id = strtoll(cursor, &end, 10);
    int bad = !cursor[0] || *end || *after_id < 0;
    free(cursor);
    if (bad) {
        lfv_error(call->response, LFV_VALIDATION, NULL, NULL, "The NextToken is not valid.");
        return -1;
    }
    return 0;
}

static void entry_page(lfv_call *call, entry_query *q, const char *scope)
{
    q->filter.limit = (size_t)q->max_results + 1; /* one more tells a next page exists */
    store_entry *entries = NULL;
    size_t count = 0;
    vgl_error err = {0};
    vgl_status status = call->svc->store->ops->entry_list(
        call->svc->store, call->labels[0], call->labels[1], &q->filter, &entries, &count, &err);
    if (status != VGL_OK) {
        dataset_error(call, status, &err);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < count && i < (size_t)q->max_results; i++)
        json_array_append_new(list, json_string(entries[i].line));
    json_t *result = json_pack("{s:o}", "DatasetEntries", list);
    if (count > (size_t)q->max_results) {
        char cursor[32];
        snprintf(cursor, sizeof cursor, "%" PRId64, entries[q->max_results - 1].id);
        char *token = lfv_token_encode(scope, cursor);
        json_object_set_new(result, "NextToken", json_string(token));
        free(token);
    }
    store_entries_free(entries, count);
    lfv_json_response(call->response, 200, result);
}

void lfv_list_dataset_entries(lfv_call *call)
{
    entry_query q = {0};
    char *scope = NULL;
    if (read_entry_filters(call, &q) != 0)
        lfv_invalid(call);
    else if (require_project(call, call->labels[0]) == 0 && (scope = entry_scope(call, &q)) &&
             read_entry_cursor(call, &q, scope, &q.filter.after_id) == 0)
        entry_page(call, &q, scope);
    free(scope);
    entry_query_free(&q);
}

/* ------------------------------------------------------------ update entries */

/* The decoded Changes member, checked line by line now so that a malformed
 * line is a ValidationException rather than a failed update. */
static int read_changes(lfv_call *call, const json_t *body, char **text)
{
    const char *encoded;
    uint8_t *bytes = NULL;
    size_t size = 0;
    *text = NULL;
    if (lfv_string_member(body, "Changes", 1, &encoded, call->msg) != 0 ||
        lfv_base64_decode(encoded, &bytes, &size, call->msg) != 0)
        return -1;
    if (size < 1 || size > CHANGES_MAX_BYTES || memchr(bytes, 0, size)) {
        free(bytes);
        snprintf(call->msg, sizeof call->msg, "Changes must be 1 to %d bytes of JSON Lines.",
                 CHANGES_MAX_BYTES);
        return -1;
    }
    dataset_lines lines;
    vgl_error err = {0};
    if (dataset_lines_parse((const char *)bytes, size, &lines, &err) != VGL_OK) {
        free(bytes);
        snprintf(call->msg, sizeof call->msg, "Changes: %.480s", err.message);
        return -1;
    }
    dataset_lines_free(&lines);
    *text = (char *)bytes;
    return 0;
}

static void update_entries(lfv_call *call, const char *changes)
{
    if (require_project(call, call->labels[0]) != 0)
        return;
    int64_t job_id = 0;
    vgl_error err = {0};
    metadata_store *store = call->svc->store;
    vgl_status status = store->ops->dataset_begin_job(store, call->labels[0], call->labels[1],
                                                      UPDATABLE, "UPDATE_IN_PROGRESS",
                                                      STORE_JOB_UPDATE, changes, &job_id, &err);
    if (status != VGL_OK) {
        dataset_error(call, status, &err);
        return;
    }
    dataset_job_start(call->svc, call->caller, job_id, STORE_JOB_UPDATE, call->labels[0],
                      call->labels[1], changes);
    lfv_json_response(call->response, 202, json_pack("{s:s}", "Status", "UPDATE_IN_PROGRESS"));
}

void lfv_update_dataset_entries(lfv_call *call)
{
    json_t *body = NULL;
    char *changes = NULL;
    if (lfv_parse_body(call->request, &body, call->msg) != 0 ||
        read_changes(call, body, &changes) != 0) {
        lfv_invalid(call);
        json_decref(body);
        return;
    }
    json_t *params = json_pack("{s:s, s:s, s:O}", "ProjectName", call->labels[0], "DatasetType",
                               call->labels[1], "Changes", json_object_get(body, "Changes"));
    lfv_idempotency idem;
    if (!lfv_idempotency_begin(call, "UpdateDatasetEntries", params, call->labels[0],
                               LFV_RESOURCE_DATASET, &idem)) {
        update_entries(call, changes);
        lfv_idempotency_end(call, &idem);
    }
    json_decref(params);
    json_decref(body);
    free(changes);
}

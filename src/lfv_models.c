/*
 * lfv_models.c - CreateModel, DescribeModel, ListModels, DeleteModel,
 * StartModel, StopModel and DetectAnomalies.
 *
 * Training is a background job (model_training.c): CreateModel checks what
 * it can at once (project, datasets, labelled-image minimums, the output
 * bucket, the training quota), records the model TRAINING with its job and
 * answers 202.  Hosting keeps the model file loaded in svc->models
 * (model_hosting.c); loading takes well under a second, so StartModel
 * loads it before answering STARTING_HOSTING and the model is HOSTED by the
 * time a client first polls.  DetectAnomalies decodes and checks the image
 * on the connection's thread, then waits while one of the model's inference
 * units (inference_pool.c) runs the detection, and counts the outcome for
 * /metrics (detect_metrics.c).  Model versions are 1, 2, ... per project,
 * never given twice.
 */
#include "lfv.h"

#include "detect_metrics.h"
#include "evaluation_output.h"
#include "kms.h"
#include "model_hosting.h"
#include "model_hosting_start.h"
#include "model_training.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_TAGS 200
#define MAX_TAGS_PER_RESOURCE 50
/* The engine's minimums (docs/engine.md, the split): a single dataset gives
 * at least 10 of each label to the test part and needs some left to train. */
#define SINGLE_MIN_NORMAL 20
#define SINGLE_MIN_ANOMALY 10
#define SEPARATE_MIN 10

/* ------------------------------------------------------------ shapes */

static int all_of(const char *v, const char *extra)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (!(*p < 128 && ((*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'z') ||
                           strchr(extra, *p))))
            return 0;
    return 1;
}

static int match_description(const char *v) { return all_of(v, ".-_"); }
static int match_prefix(const char *v) { return v[0] != '/' && all_of(v, "!_.*'()-/"); }
static int match_kms(const char *v)
{
    char first[2] = {v[0], 0}; /* the first character is a letter or digit */
    return all_of(first, "") && all_of(v, ":_/+=,@.-");
}
static int match_version(const char *v)
{
    return strcmp(v, "latest") == 0 ||
           (v[0] >= '1' && v[0] <= '9' && strspn(v, "0123456789") == strlen(v));
}

static const lfv_string_rule RULE_DESCRIPTION = {"Description", 1, 500, match_description,
                                                 "[0-9A-Za-z\\.\\-_]*"};
static const lfv_string_rule RULE_PREFIX = {"Prefix", 0, 1024, match_prefix,
                                            "^([a-zA-Z0-9!_.*'()-][/a-zA-Z0-9!_.*'()-]*)?$"};
static const lfv_string_rule RULE_KMS = {"KmsKeyId", 1, 2048, match_kms,
                                         "^[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,2048}$"};
static const lfv_string_rule RULE_VERSION = {"ModelVersion", 1, 10, match_version,
                                             "([1-9][0-9]*|latest)"};

/* ------------------------------------------------------------ helpers */

static void model_arn(const service *svc, const char *project, int version, char *out,
                      size_t size)
{
    evaluation_model_arn(out, size, svc->region, svc->account_id, project, version);
}

static void model_id(const char *project, int version, char *out, size_t size)
{
    snprintf(out, size, "%s/%d", project, version);
}

static int require_project(lfv_call *call, const char *project)
{
    store_project p;
    vgl_error err = {0};
    vgl_status status = call->svc->store->ops->project_get(call->svc->store, project, &p, &err);
    if (status != VGL_OK)
        lfv_store_error(call, status, &err, project, LFV_RESOURCE_PROJECT);
    return status == VGL_OK ? 0 : -1;
}

/* The newest version of the project, 0 when it has none. */
static vgl_status latest_version(lfv_call *call, const char *project, int *version,
                                 vgl_error *err)
{
    *version = 0;
    for (;;) {
        store_model *models = NULL;
        size_t count = 0;
        vgl_status status = call->svc->store->ops->model_list(call->svc->store, project,
                                                               *version, 100, &models, &count,
                                                               err);
        if (status == VGL_OK && count)
            *version = models[count - 1].version;
        free(models);
        if (status != VGL_OK || count < 100)
            return status;
    }
}

/* The model of the call's labels (project, version or "latest"); -1 when
 * answered.  allow_latest: the path takes ModelVersion, not
 * ModelVersionNoLatest. */
static int load_model(lfv_call *call, int allow_latest, store_model *out)
{
    const char *project = call->labels[0], *text = call->labels[1];
    if (lfv_check_string(&RULE_VERSION, text, call->msg) != 0)
        return lfv_invalid(call), -1;
    if (!allow_latest && strcmp(text, "latest") == 0) {
        lfv_error(call->response, LFV_VALIDATION, NULL, NULL,
                  "ModelVersion must be a version number here, not latest.");
        return -1;
    }
    if (require_project(call, project) != 0)
        return -1;
    vgl_error err = {0};
    int version = atoi(text);
    vgl_status status = strcmp(text, "latest") == 0 ? latest_version(call, project, &version, &err)
                                                    : VGL_OK;
    if (status == VGL_OK)
        status = call->svc->store->ops->model_get(call->svc->store, project, version, out, &err);
    if (status != VGL_OK) {
        char id[STORE_NAME_MAX + 16];
        model_id(project, version, id, sizeof id);
        lfv_store_error(call, status, &err, id, LFV_RESOURCE_MODEL);
        return -1;
    }
    return 0;
}

static json_t *model_metadata(const service *svc, const store_model *m)
{
    char arn[STORE_ARN_MAX], version[16];
    model_arn(svc, m->project, m->version, arn, sizeof arn);
    snprintf(version, sizeof version, "%d", m->version);
    json_t *j = json_pack("{s:o, s:s, s:s, s:s}", "CreationTimestamp", lfv_timestamp(m->created),
                          "ModelVersion", version, "ModelArn", arn, "Status", m->status);
    if (m->description[0])
        json_object_set_new(j, "Description", json_string(m->description));
    if (m->status_message[0])
        json_object_set_new(j, "StatusMessage", json_string(m->status_message));
    if (m->has_performance)
        json_object_set_new(j, "Performance",
                            json_pack("{s:f, s:f, s:f}", "F1Score", m->f1, "Recall", m->recall,
                                      "Precision", m->precision));
    return j;
}

static json_t *s3_object(const char *bucket, const char *key)
{
    return json_pack("{s:s, s:s}", "Bucket", bucket, "Key", key);
}

/* ------------------------------------------------------------ create */

typedef struct create_input {
    const char *description, *bucket, *prefix, *kms;
    json_t *output_config, *tags_json; /* borrowed, for the idempotency record */
    store_tag *tags;
    size_t n_tags;
} create_input;

static int structure_member(lfv_call *call, const json_t *parent, const char *name, int required,
                            json_t **out)
{
    *out = json_object_get(parent, name);
    if (*out && json_is_null(*out))
        *out = NULL;
    if ((*out && !json_is_object(*out)) || (!*out && required)) {
        snprintf(call->msg, sizeof call->msg, "1 validation error detected: Value at '%s' failed"
                 " to satisfy constraint: Member must be %s", name,
                 *out ? "a structure" : "not null");
        return -1;
    }
    return 0;
}

static int read_tags(lfv_call *call, create_input *in)
{
    if (!in->tags_json)
        return 0;
    size_t n = json_array_size(in->tags_json);
    if (!json_is_array(in->tags_json) || n > MAX_TAGS) {
        snprintf(call->msg, sizeof call->msg,
                 "1 validation error detected: Value at 'Tags' failed to satisfy constraint:"
                 " Member must be a list of at most %d tags", MAX_TAGS);
        return -1;
    }
    in->tags = calloc(n + 1, sizeof *in->tags);
    for (size_t i = 0; in->tags && i < n; i++) {
        const json_t *item = json_array_get(in->tags_json, i);
        const char *key = NULL, *value = NULL;
        if (!json_is_object(item) || lfv_string_member(item, "Key", 1, &key, call->msg) != 0 ||
            lfv_string_member(item, "Value", 1, &value, call->msg) != 0 ||
            lfv_check_tag_key(key, call->msg) != 0 ||
            lfv_check_string(&LFV_RULE_TAG_VALUE, value, call->msg) != 0) {
            if (!json_is_object(item))
                snprintf(call->msg, sizeof call->msg, "Each member of Tags must be an object.");
            return -1;
        }
        in->tags[i] = (store_tag){(char *)key, (char *)value};
    }
    in->n_tags = n;
    return 0;
}

static int read_create_input(lfv_call *call, const json_t *body, create_input *in)
{
    json_t *location = NULL;
    memset(in, 0, sizeof *in);
    in->tags_json = json_object_get(body, "Tags");
    if (json_is_null(in->tags_json))
        in->tags_json = NULL;
    return lfv_string_member(body, "Description", 0, &in->description, call->msg) != 0 ||
                   (in->description &&
                    lfv_check_string(&RULE_DESCRIPTION, in->description, call->msg) != 0) ||
                   structure_member(call, body, "OutputConfig", 1, &in->output_config) != 0 ||
                   structure_member(call, in->output_config, "S3Location", 1, &location) != 0 ||
                   lfv_string_member(location, "Bucket", 1, &in->bucket, call->msg) != 0 ||
                   lfv_check_string(&LFV_RULE_BUCKET, in->bucket, call->msg) != 0 ||
                   lfv_string_member(location, "Prefix", 0, &in->prefix, call->msg) != 0 ||
                   (in->prefix && lfv_check_string(&RULE_PREFIX, in->prefix, call->msg) != 0) ||
                   lfv_string_member(body, "KmsKeyId", 0, &in->kms, call->msg) != 0 ||
                   (in->kms && lfv_check_string(&RULE_KMS, in->kms, call->msg) != 0) ||
                   read_tags(call, in) != 0
               ? -1
               : 0;
}

/* The dataset of `type` when it can be trained on: 1 when it exists, 0
 * when it does not, -1 when answered (busy or failed). */
static int usable_dataset(lfv_call *call, const char *project, const char *type,
                          store_dataset *d)
{
    vgl_error err = {0};
    vgl_status status = call->svc->store->ops->dataset_get(call->svc->store, project, type, d,
                                                           &err);
    char id[STORE_NAME_MAX + 16];
    snprintf(id, sizeof id, "%s/%s", project, type);
    if (status == VGL_ENOTFOUND)
        return 0;
    if (status != VGL_OK)
        return lfv_store_error(call, status, &err, id, LFV_RESOURCE_DATASET), -1;
    if (strstr(d->status, "IN_PROGRESS"))
        return lfv_error(call->response, LFV_CONFLICT, id, LFV_RESOURCE_DATASET,
                         "The %s dataset of project %s is %s; wait until it is complete.", type,
                         project, d->status), -1;
    if (strcmp(d->status, "CREATE_COMPLETE") != 0 && strcmp(d->status, "UPDATE_COMPLETE") != 0)
        return lfv_error(call->response, LFV_VALIDATION, NULL, NULL,
                         "The %s dataset of project %s is %s; it must be CREATE_COMPLETE or"
                         " UPDATE_COMPLETE to train a model.", type, project, d->status), -1;
    return 1;
}

/* The labelled-image minimums the engine needs; -1 when answered. */
static int check_minimums(lfv_call *call, const store_dataset *train, const store_dataset *test)
{
    const char *problem = NULL;
    if (!test && (train->normal < SINGLE_MIN_NORMAL || train->anomaly < SINGLE_MIN_ANOMALY))
        problem = "a train dataset alone needs at least 20 normal and 10 anomalous labelled"
                  " images";
    else if (test && train->normal < SEPARATE_MIN)
        problem = "with a test dataset, the train dataset needs at least 10 normal labelled"
                  " images";
    else if (test && (test->normal < SEPARATE_MIN || test->anomaly < SEPARATE_MIN))
        problem = "the test dataset needs at least 10 normal and 10 anomalous labelled images";
    if (!problem)
        return 0;
    lfv_error(call->response, LFV_VALIDATION, NULL, NULL,
              "Not enough labelled images to train: %s (train: %lld normal, %lld anomalous;"
              " test: %lld normal, %lld anomalous).", problem, (long long)train->normal,
              (long long)train->anomaly, test ? (long long)test->normal : 0LL,
              test ? (long long)test->anomaly : 0LL);
    return -1;
}

/* A KmsKeyId must name an enabled key of the ring (kms.h); -1 when answered.
 * An unknown or disabled key is a ValidationException: the request names
 * something that cannot be used, as AWS services answer for a bad KMS key
 * argument; AccessDeniedException stays for what the caller's permissions
 * forbid, so that a mistyped alias is not taken for a credentials problem. */
static int check_kms_key(lfv_call *call, const char *kms_key_id)
{
    if (!kms_key_id)
        return 0; /* the service-owned key, created when the training starts */
    kms_ring ring = {call->svc->data_dir, call->svc->region, call->svc->account_id};
    kms_key key;
    vgl_error err = {0};
    vgl_status status = kms_usable_key(&ring, kms_key_id, &key, &err);
    kms_key_clear(&key);
    if (status == VGL_OK)
        return 0;
    if (status == VGL_ENOTFOUND || status == VGL_EINVAL)
        lfv_error(call->response, LFV_VALIDATION, NULL, NULL, "%s", err.message);
    else
        lfv_error(call->response, LFV_INTERNAL, NULL, NULL, "Reading the KMS key ring: %s",
                  err.message);
    return -1;
}

/* Every synchronous check of CreateModel; -1 when answered. */
static int check_can_train(lfv_call *call, const char *project, const create_input *in)
{
    store_dataset train, test;
    if (require_project(call, project) != 0)
        return -1;
    int has_train = usable_dataset(call, project, "train", &train);
    if (has_train == 0)
        lfv_error(call->response, LFV_VALIDATION, NULL, NULL,
                  "The project %s has no train dataset; create one before training a model.",
                  project);
    if (has_train <= 0)
        return -1;
    int has_test = usable_dataset(call, project, "test", &test);
    if (has_test < 0 || check_minimums(call, &train, has_test ? &test : NULL) != 0)
        return -1;
    vgl_error err = {0};
    blob_store *blobs = call->svc->blobs;
    if (blobs->ops->bucket_exists(blobs, in->bucket, &err) != VGL_OK) {
        lfv_error(call->response, LFV_VALIDATION, NULL, NULL,
                  "The output bucket %s does not exist.", in->bucket);
        return -1;
    }
    return check_kms_key(call, in->kms);
}

static void create_model(lfv_call *call, const char *project, const create_input *in)
{
    if (check_can_train(call, project, in) != 0)
        return;
    store_model m = {.created = lfv_now()};
    snprintf(m.project, sizeof m.project, "%s", project);
    snprintf(m.status, sizeof m.status, "TRAINING");
    snprintf(m.status_message, sizeof m.status_message, "Training is queued.");
    snprintf(m.description, sizeof m.description, "%s", in->description ? in->description : "");
    snprintf(m.output_bucket, sizeof m.output_bucket, "%s", in->bucket);
    snprintf(m.output_prefix, sizeof m.output_prefix, "%s", in->prefix ? in->prefix : "");
    snprintf(m.kms_key_id, sizeof m.kms_key_id, "%s", in->kms ? in->kms : "");
    vgl_error err = {0};
    metadata_store *store = call->svc->store;
    vgl_status status = store->ops->model_create(store, &m, MODEL_TRAINING_MAX_CONCURRENT, &err);
    int recorded = status == VGL_OK;
    char arn[STORE_ARN_MAX];
    model_arn(call->svc, project, m.version, arn, sizeof arn);
    if (status == VGL_OK && in->n_tags)
        status = store->ops->tag_set(store, arn, in->tags, in->n_tags, MAX_TAGS_PER_RESOURCE,
                                     &err);
    if (status == VGL_OK) {
        model_training_start(call->svc, &m);
        lfv_json_response(call->response, 202,
                          json_pack("{s:o}", "ModelMetadata", model_metadata(call->svc, &m)));
        return;
    }
    if (status == VGL_ENOTFOUND)
        lfv_store_error(call, status, &err, project, LFV_RESOURCE_PROJECT);
    else
        lfv_store_error(call, status, &err, project, LFV_RESOURCE_MODEL);
    if (recorded) { /* the tags were refused: the model must not stay TRAINING */
        snprintf(m.status, sizeof m.status, "TRAINING_FAILED");
        snprintf(m.status_message, sizeof m.status_message, "%s", err.message);
        vgl_error ignored = {0};
        store->ops->model_update(store, &m, 1, &ignored);
    }
}

void lfv_create_model(lfv_call *call)
{
    const char *project = call->labels[0];
    json_t *body = NULL;
    create_input in = {0};
    if (lfv_parse_body(call->request, &body, call->msg) != 0 ||
        read_create_input(call, body, &in) != 0) {
        lfv_invalid(call);
    } else {
        json_t *params = json_pack("{s:s, s:s?, s:O, s:s?, s:O?}", "ProjectName", project,
                                   "Description", in.description, "OutputConfig",
                                   in.output_config, "KmsKeyId", in.kms, "Tags", in.tags_json);
        lfv_idempotency idem;
        if (!lfv_idempotency_begin(call, "CreateModel", params, project, LFV_RESOURCE_MODEL,
                                   &idem)) {
            create_model(call, project, &in);
            lfv_idempotency_end(call, &idem);
        }
        json_decref(params);
    }
    free(in.tags);
    json_decref(body);
}

/* ------------------------------------------------------------ describe, list */

void lfv_describe_model(lfv_call *call)
{
    store_model m;
    if (load_model(call, 1, &m) != 0)
        return;
    json_t *d = model_metadata(call->svc, &m);
    json_object_set_new(d, "OutputConfig",
                        json_pack("{s:{s:s, s:s}}", "S3Location", "Bucket", m.output_bucket,
                                  "Prefix", m.output_prefix));
    if (m.evaluation_result_key[0]) {
        json_object_set_new(d, "EvaluationManifest",
                            s3_object(m.output_bucket, m.evaluation_manifest_key));
        json_object_set_new(d, "EvaluationResult",
                            s3_object(m.output_bucket, m.evaluation_result_key));
        json_object_set_new(d, "EvaluationEndTimestamp", lfv_timestamp(m.evaluation_end));
    }
    if (m.kms_key_id[0])
        json_object_set_new(d, "KmsKeyId", json_string(m.kms_key_id));
    if (m.min_units)
        json_object_set_new(d, "MinInferenceUnits", json_integer(m.min_units));
    if (m.max_units)
        json_object_set_new(d, "MaxInferenceUnits", json_integer(m.max_units));
    lfv_json_response(call->response, 200, json_pack("{s:o}", "ModelDescription", d));
}

static void list_page(lfv_call *call, const char *scope, int after, int max_results)
{
    store_model *models = NULL;
    size_t count = 0;
    vgl_error err = {0};
    vgl_status status = call->svc->store->ops->model_list(call->svc->store, call->labels[0],
                                                           after, (size_t)max_results + 1,
                                                           &models, &count, &err);
    if (status != VGL_OK) {
        lfv_store_error(call, status, &err, call->labels[0], LFV_RESOURCE_PROJECT);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < count && i < (size_t)max_results; i++)
        json_array_append_new(list, model_metadata(call->svc, &models[i]));
    json_t *result = json_pack("{s:o}", "Models", list);
    if (count > (size_t)max_results) {
        char cursor[16];
        snprintf(cursor, sizeof cursor, "%d", models[max_results - 1].version);
        char *token = lfv_token_encode(scope, cursor);
        json_object_set_new(result, "NextToken", json_string(token));
        free(token);
    }
    free(models);
    lfv_json_response(call->response, 200, result);
}

void lfv_list_models(lfv_call *call)
{
    char *max_text = http_request_query_param(call->request, "maxResults");
    char *token = http_request_query_param(call->request, "nextToken");
    char *cursor = NULL, scope[STORE_NAME_MAX + 16];
    snprintf(scope, sizeof scope, "ListModels\n%s", call->labels[0]);
    int max_results = 0;
    if (lfv_parse_max_results(max_text, &max_results, call->msg) != 0)
        lfv_invalid(call);
    else if (require_project(call, call->labels[0]) == 0 &&
             (!token || !token[0] || lfv_token_decode(call, token, scope, &cursor) == 0))
        list_page(call, scope, cursor ? atoi(cursor) : 0, max_results);
    free(cursor);
    free(token);
    free(max_text);
}

/* ------------------------------------------------------------ delete */

static void delete_model(lfv_call *call)
{
    store_model m;
    if (load_model(call, 0, &m) != 0)
        return;
    char arn[STORE_ARN_MAX], id[STORE_NAME_MAX + 16], path[PATH_MAX * 2];
    model_arn(call->svc, m.project, m.version, arn, sizeof arn);
    model_id(m.project, m.version, id, sizeof id);
    vgl_error err = {0};
    vgl_status status = call->svc->store->ops->model_delete(call->svc->store, m.project,
                                                             m.version, arn, &err);
    if (status != VGL_OK) {
        lfv_store_error(call, status, &err, id, LFV_RESOURCE_MODEL);
        return;
    }
    if (m.model_file[0]) { /* the evaluation objects belong to the user and stay */
        snprintf(path, sizeof path, "%s/%s", call->svc->data_dir, m.model_file);
        unlink(path);
    }
    lfv_json_response(call->response, 202, json_pack("{s:s}", "ModelArn", arn));
}

void lfv_delete_model(lfv_call *call)
{
    json_t *params = json_pack("{s:s, s:s}", "ProjectName", call->labels[0], "ModelVersion",
                               call->labels[1]);
    lfv_idempotency idem;
    if (!lfv_idempotency_begin(call, "DeleteModel", params, call->labels[0], LFV_RESOURCE_MODEL,
                               &idem)) {
        delete_model(call);
        lfv_idempotency_end(call, &idem);
    }
    json_decref(params);
}

/* ------------------------------------------------------------ start, stop */

/* A positive integer member; 0 when absent and optional. */
static int units_member(lfv_call *call, const json_t *body, const char *name, int required,
                        int *out)
{
    const json_t *v = json_object_get(body, name);
    *out = 0;
    if (!v && !required)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > INT_MAX) {
        snprintf(call->msg, sizeof call->msg, "1 validation error detected: Value at '%s' failed"
                 " to satisfy constraint: Member must be an integer greater than or equal to 1",
                 name);
        return -1;
    }
    *out = (int)json_integer_value(v);
    return 0;
}

static void transition_error(lfv_call *call, const store_model *m, vgl_status status,
                             const vgl_error *err)
{
    char id[STORE_NAME_MAX + 16];
    model_id(m->project, m->version, id, sizeof id);
    lfv_store_error(call, status, err, id, LFV_RESOURCE_MODEL);
}

static void start_model(lfv_call *call, int min_units, int max_units)
{
    store_model m;
    if (load_model(call, 1, &m) != 0)
        return;
    vgl_error err = {0};
    metadata_store *store = call->svc->store;
    vgl_status status = store->ops->model_transition(store, m.project, m.version,
                                                     "TRAINED|HOSTING_FAILED", "STARTING_HOSTING",
                                                     "Loading the model.", min_units, max_units,
                                                     &m, &err);
    if (status != VGL_OK) {
        transition_error(call, &m, status, &err);
        return;
    }
    /* the outcome shows in DescribeModel; the call itself has succeeded */
    model_hosting_start(call->svc, &m);
    lfv_json_response(call->response, 202, json_pack("{s:s}", "Status", "STARTING_HOSTING"));
}

void lfv_start_model(lfv_call *call)
{
    json_t *body = NULL;
    int min_units = 0, max_units = 0;
    int valid = lfv_parse_body(call->request, &body, call->msg) == 0 &&
                units_member(call, body, "MinInferenceUnits", 1, &min_units) == 0 &&
                units_member(call, body, "MaxInferenceUnits", 0, &max_units) == 0;
    if (valid && max_units && max_units < min_units) {
        snprintf(call->msg, sizeof call->msg,
                 "MaxInferenceUnits (%d) must not be less than MinInferenceUnits (%d).", max_units,
                 min_units);
        valid = 0;
    }
    if (!valid) {
        lfv_invalid(call);
        json_decref(body);
        return;
    }
    json_t *params = json_pack("{s:s, s:s, s:i, s:i}", "ProjectName", call->labels[0],
                               "ModelVersion", call->labels[1], "MinInferenceUnits", min_units,
                               "MaxInferenceUnits", max_units);
    lfv_idempotency idem;
    if (!lfv_idempotency_begin(call, "StartModel", params, call->labels[0], LFV_RESOURCE_MODEL,
                               &idem)) {
        start_model(call, min_units, max_units);
        lfv_idempotency_end(call, &idem);
    }
    json_decref(params);
    json_decref(body);
}

static void stop_model(lfv_call *call)
{
    store_model m;
    if (load_model(call, 1, &m) != 0)
        return;
    vgl_error err = {0};
    metadata_store *store = call->svc->store;
    vgl_status status = store->ops->model_transition(store, m.project, m.version,
                                                     "HOSTED|STARTING_HOSTING|HOSTING_FAILED",
                                                     "STOPPING_HOSTING", "Stopping the model.",
                                                     0, 0, NULL, &err);
    if (status != VGL_OK) {
        transition_error(call, &m, status, &err);
        return;
    }
    model_registry_unhost(call->svc->models, m.project, m.version);
    store->ops->model_transition(store, m.project, m.version, "STOPPING_HOSTING", "TRAINED",
                                 "The model was stopped.", 0, 0, NULL, &err);
    lfv_json_response(call->response, 202, json_pack("{s:s}", "Status", "STOPPING_HOSTING"));
}

void lfv_stop_model(lfv_call *call)
{
    json_t *params = json_pack("{s:s, s:s}", "ProjectName", call->labels[0], "ModelVersion",
                               call->labels[1]);
    lfv_idempotency idem;
    if (!lfv_idempotency_begin(call, "StopModel", params, call->labels[0], LFV_RESOURCE_MODEL,
                               &idem)) {
        stop_model(call);
        lfv_idempotency_end(call, &idem);
    }
    json_decref(params);
}

/* ------------------------------------------------------------ detect */

/* The declared image format: image/jpeg or image/png in any case, with any
 * parameters; VGL_IMAGE_UNKNOWN for anything else. */
static vgl_image_format declared_format(const char *content_type)
{
    if (!content_type)
        return VGL_IMAGE_UNKNOWN;
    size_t length = strcspn(content_type, ";");
    while (length && (content_type[length - 1] == ' ' || content_type[length - 1] == '\t'))
        length--;
    while (length && (*content_type == ' ' || *content_type == '\t'))
        content_type++, length--;
    if (length == 10 && strncasecmp(content_type, "image/jpeg", 10) == 0)
        return VGL_IMAGE_JPEG;
    if (length == 9 && strncasecmp(content_type, "image/png", 9) == 0)
        return VGL_IMAGE_PNG;
    return VGL_IMAGE_UNKNOWN;
}

/* The image of the body, of the model's size; -1 when answered. */
static int read_image(lfv_call *call, const vgl_model *model, vgl_image_format format,
                      vgl_image *image)
{
    const http_request *r = call->request;
    vgl_error err = {0};
    if (vgl_image_sniff(r->body, r->body_size) != format) {
        lfv_error(call->response, LFV_VALIDATION, NULL, NULL,
                  "The body is not a %s image, as its content-type says.",
                  format == VGL_IMAGE_JPEG ? "JPEG" : "PNG");
        return -1;
    }
    if (vgl_image_decode(r->body, r->body_size, NULL, image, &err) != VGL_OK) {
        lfv_error(call->response, LFV_VALIDATION, NULL, NULL, "The image cannot be used: %s",
                  err.message);
        return -1;
    }
    int width, height;
    vgl_model_image_size(model, &width, &height);
    if (image->width != width || image->height != height) {
        lfv_error(call->response, LFV_VALIDATION, NULL, NULL,
                  "The image is %dx%d pixels but the model was trained on %dx%d images.",
                  image->width, image->height, width, height);
        vgl_image_free(image);
        return -1;
    }
    return 0;
}

static detect_outcome detect(lfv_call *call, hosted_model *hosted, vgl_image_format format)
{
    const vgl_model *model = hosted_model_get(hosted);
    vgl_image image = {0};
    if (read_image(call, model, format, &image) != 0)
        return DETECT_INVALID_IMAGE;
    detect_job job = {.image = &image};
    inference_result run = hosted_model_detect(hosted, &job);
    vgl_class classes[VGL_MAX_CLASSES];
    int n_classes = vgl_model_class_count(model);
    for (int k = 0; k < n_classes && k < VGL_MAX_CLASSES; k++)
        classes[k] = *vgl_model_class(model, k);
    json_t *result = run == INFERENCE_DONE && job.status == VGL_OK
                         ? detection_result_json(&job.detection, classes, n_classes, job.mask,
                                                 job.mask_size)
                         : NULL;
    detect_outcome outcome = job.detection.is_anomalous ? DETECT_ANOMALOUS : DETECT_NORMAL;
    if (result) {
        lfv_json_response(call->response, 200, result);
    } else if (run == INFERENCE_THROTTLED) {
        lfv_error(call->response, LFV_THROTTLING, NULL, NULL,
                  "Every inference unit of the model is busy and its queue is full; try again"
                  " later, or start the model with more inference units.");
        outcome = DETECT_THROTTLED;
    } else {
        lfv_error(call->response, LFV_INTERNAL, NULL, NULL, "Detection failed: %s",
                  run == INFERENCE_STOPPED ? "the model is being stopped"
                  : job.err.message[0]     ? job.err.message
                                           : "out of memory");
        outcome = DETECT_ERROR;
    }
    free(job.mask);
    vgl_detection_free(&job.detection);
    vgl_image_free(&image);
    return outcome;
}

/* Counts an image refused for its content type, checked before the model
 * is looked up, against the model when it exists. */
static void count_refused_image(lfv_call *call, double seconds)
{
    const char *version = call->labels[1];
    store_model m;
    vgl_error err = {0};
    if (version[0] && strspn(version, "0123456789") == strlen(version) &&
        call->svc->store->ops->model_get(call->svc->store, call->labels[0], atoi(version), &m,
                                         &err) == VGL_OK)
        detect_metrics_record(call->svc->metrics, m.project, m.version, DETECT_INVALID_IMAGE,
                              seconds);
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void lfv_detect_anomalies(lfv_call *call)
{
    double start = seconds_now();
    vgl_image_format format = declared_format(http_request_header(call->request, "Content-Type"));
    store_model m;
    if (format == VGL_IMAGE_UNKNOWN) {
        lfv_error(call->response, LFV_VALIDATION, NULL, NULL,
                  "content-type must be one of the following. image/jpeg, image/png");
        count_refused_image(call, seconds_now() - start);
        return;
    }
    if (load_model(call, 1, &m) != 0)
        return; /* no such model: nothing to count it against */
    detect_outcome outcome;
    char id[STORE_NAME_MAX + 16];
    model_id(m.project, m.version, id, sizeof id);
    hosted_model *hosted = strcmp(m.status, "HOSTED") == 0
                               ? model_registry_acquire(call->svc->models, m.project, m.version)
                               : NULL;
    if (!hosted) {
        lfv_error(call->response, LFV_CONFLICT, id, LFV_RESOURCE_MODEL,
                  "Model version %d of project %s is not hosted (it is %s); start it first.",
                  m.version, m.project, m.status);
        outcome = DETECT_ERROR;
    } else {
        outcome = detect(call, hosted, format);
    }
    if (hosted)
        model_registry_release(call->svc->models, hosted);
    detect_metrics_record(call->svc->metrics, m.project, m.version, outcome,
                          seconds_now() - start);
}

/*
 * lfv_router.c - lfv_handle: routes a Lookout for Vision request (method and
 * path of the rest-json model) to its operation, and the helpers the
 * operations share.
 *
 * Routing works on the raw path split at '/', each segment percent-decoded
 * on its own: a tags ARN arrives as one segment with %2F inside it
 * (behaviour reference 1.3), so decoding before splitting would break it.
 * Path labels are validated here by name, once for every operation.
 */
#include "lfv.h"

#include "base64.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define API_PREFIX "/2020-11-20/"

typedef struct lfv_route {
    const char *method;
    const char *pattern; /* segments; {name} is a label */
    lfv_operation operation;
    const char *name; /* the operation's name in the API model, and its IAM action */
} lfv_route;

static const lfv_route ROUTES[] = {
    {"POST", "projects", lfv_create_project, "CreateProject"},
    {"GET", "projects", lfv_list_projects, "ListProjects"},
    {"GET", "projects/{projectName}", lfv_describe_project, "DescribeProject"},
    {"DELETE", "projects/{projectName}", lfv_delete_project, "DeleteProject"},
    {"POST", "projects/{projectName}/datasets", lfv_create_dataset, "CreateDataset"},
    {"GET", "projects/{projectName}/datasets/{datasetType}", lfv_describe_dataset, "DescribeDataset"},
    {"DELETE", "projects/{projectName}/datasets/{datasetType}", lfv_delete_dataset, "DeleteDataset"},
    {"GET", "projects/{projectName}/datasets/{datasetType}/entries", lfv_list_dataset_entries, "ListDatasetEntries"},
    {"PATCH", "projects/{projectName}/datasets/{datasetType}/entries", lfv_update_dataset_entries, "UpdateDatasetEntries"},
    /* models (lfv_models.c); {modelVersion} is checked there */
    {"POST", "projects/{projectName}/models", lfv_create_model, "CreateModel"},
    {"GET", "projects/{projectName}/models", lfv_list_models, "ListModels"},
    {"GET", "projects/{projectName}/models/{modelVersion}", lfv_describe_model, "DescribeModel"},
    {"DELETE", "projects/{projectName}/models/{modelVersion}", lfv_delete_model, "DeleteModel"},
    {"POST", "projects/{projectName}/models/{modelVersion}/start", lfv_start_model, "StartModel"},
    {"POST", "projects/{projectName}/models/{modelVersion}/stop", lfv_stop_model, "StopModel"},
    {"POST", "projects/{projectName}/models/{modelVersion}/detect", lfv_detect_anomalies, "DetectAnomalies"},
    /* model packaging jobs (lfv_packaging.c); {jobName} is checked there */
    {"POST", "projects/{projectName}/modelpackagingjobs", lfv_start_model_packaging_job,
     "StartModelPackagingJob"},
    {"GET", "projects/{projectName}/modelpackagingjobs", lfv_list_model_packaging_jobs,
     "ListModelPackagingJobs"},
    {"GET", "projects/{projectName}/modelpackagingjobs/{jobName}",
     lfv_describe_model_packaging_job, "DescribeModelPackagingJob"},
    {"POST", "tags/{resourceArn}", lfv_tag_resource, "TagResource"},
    {"DELETE", "tags/{resourceArn}", lfv_untag_resource, "UntagResource"},
    {"GET", "tags/{resourceArn}", lfv_list_tags_for_resource, "ListTagsForResource"},
};

typedef struct label_rule {
    const char *name;
    const lfv_string_rule *rule;
} label_rule;

static const label_rule LABEL_RULES[] = {
    {"{projectName}", &LFV_RULE_PROJECT_NAME},
    {"{datasetType}", &LFV_RULE_DATASET_TYPE},
    {"{resourceArn}", &LFV_RULE_TAG_ARN},
};

#define MAX_SEGMENTS 8

typedef struct split_path {
    char *segments[MAX_SEGMENTS]; /* percent-decoded */
    size_t count;
} split_path;

static void split_path_free(split_path *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->segments[i]);
    p->count = 0;
}

/* Splits what follows the API prefix; -1 on a bad escape or too many
 * segments. */
static int split_request_path(const char *path, split_path *out)
{
    out->count = 0;
    const char *p = path + strlen(API_PREFIX);
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t length = slash ? (size_t)(slash - p) : strlen(p);
        if (out->count == MAX_SEGMENTS)
            return split_path_free(out), -1;
        char *segment = http_percent_decode(p, length, 0);
        if (!segment)
            return split_path_free(out), -1;
        out->segments[out->count++] = segment;
        if (!slash)
            return 0;
        p = slash + 1;
    }
}

/* 1 when the pattern matches the path; fills the labels' positions. */
static int pattern_matches(const char *pattern, const split_path *path, size_t *label_at,
                           size_t *n_labels)
{
    char copy[128];
    snprintf(copy, sizeof copy, "%s", pattern);
    size_t i = 0;
    *n_labels = 0;
    char *save = NULL;
    for (char *seg = strtok_r(copy, "/", &save); seg; seg = strtok_r(NULL, "/", &save), i++) {
        if (i >= path->count)
            return 0;
        if (seg[0] == '{')
            label_at[(*n_labels)++] = i;
        else if (strcmp(seg, path->segments[i]) != 0)
            return 0;
    }
    return i == path->count;
}

/* The rule of the n-th label of a pattern, or NULL. */
static const lfv_string_rule *label_rule_of(const char *pattern, size_t n)
{
    const char *p = pattern;
    for (size_t seen = 0; (p = strchr(p, '{')); p++, seen++) {
        if (seen != n)
            continue;
        for (size_t r = 0; r < sizeof LABEL_RULES / sizeof LABEL_RULES[0]; r++)
            if (strncmp(p, LABEL_RULES[r].name, strlen(LABEL_RULES[r].name)) == 0)
                return LABEL_RULES[r].rule;
        return NULL;
    }
    return NULL;
}

static int labels_valid(lfv_call *call, const char *pattern)
{
    for (size_t i = 0; i < call->n_labels; i++) {
        const lfv_string_rule *rule = label_rule_of(pattern, i);
        if (rule && lfv_check_string(rule, call->labels[i], call->msg) != 0)
            return 0;
    }
    return 1;
}

/* The route for method and path, or NULL. */
static const lfv_route *find_route(const char *method, const split_path *path, size_t *label_at,
                                   size_t *n_labels)
{
    for (size_t r = 0; r < sizeof ROUTES / sizeof ROUTES[0]; r++)
        if (strcmp(ROUTES[r].method, method) == 0 &&
            pattern_matches(ROUTES[r].pattern, path, label_at, n_labels))
            return &ROUTES[r];
    return NULL;
}

void lfv_handle(const service *svc, const http_request *request, const auth_identity *caller,
                http_response *response)
{
    lfv_call call = {.svc = svc, .request = request, .caller = caller, .response = response};
    split_path path = {0};
    if (strncmp(request->path, API_PREFIX, strlen(API_PREFIX)) != 0 ||
        split_request_path(request->path, &path) != 0) {
        lfv_error(response, LFV_UNKNOWN_OPERATION, NULL, NULL, "No operation at %s %s.",
                  request->method, request->path);
        return;
    }
    size_t label_at[LFV_MAX_LABELS];
    const lfv_route *route = find_route(request->method, &path, label_at, &call.n_labels);
    if (!route) {
        lfv_error(response, LFV_UNKNOWN_OPERATION, NULL, NULL, "No operation at %s %s.",
                  request->method, request->path);
    } else {
        for (size_t i = 0; i < call.n_labels; i++)
            call.labels[i] = path.segments[label_at[i]];
        if (!labels_valid(&call, route->pattern))
            lfv_invalid(&call);
        else if (lfv_authorize(&call, route->name) == 0)
            route->operation(&call);
    }
    split_path_free(&path);
}

/* ------------------------------------------------------------ helpers */

double lfv_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000.0;
}

json_t *lfv_timestamp(double seconds) { return json_real(seconds); }

void lfv_project_arn(const service *svc, const char *project, char *out, size_t size)
{
    snprintf(out, size, "arn:aws:lookoutvision:%s:%s:project/%s", svc->region, svc->account_id,
             project);
}

void lfv_store_error(lfv_call *call, vgl_status status, const vgl_error *err,
                     const char *resource_id, const char *resource_type)
{
    const char *message = err->message[0] ? err->message : "The metadata store failed.";
    switch (status) {
    case VGL_ENOTFOUND:
        lfv_error(call->response, LFV_NOT_FOUND, resource_id, resource_type, "%s", message);
        break;
    case VGL_EINVAL:
        lfv_error(call->response, LFV_CONFLICT, resource_id, resource_type, "%s", message);
        break;
    case VGL_ELIMIT:
        lfv_error(call->response, LFV_QUOTA_EXCEEDED, resource_id, resource_type, "%s", message);
        break;
    default:
        lfv_error(call->response, LFV_INTERNAL, NULL, NULL, "%s", message);
    }
}

void lfv_invalid(lfv_call *call)
{
    lfv_error(call->response, LFV_VALIDATION, NULL, NULL, "%s", call->msg);
}

/* ------------------------------------------------------------ pagination */

/* Tokens carry a hash of the scope, not the scope: filters may be long and
 * a token must stay within 2048 characters.  FNV-1a is enough to tell
 * requests apart; it is no secret. */
static void scope_hash(const char *scope, char out[17])
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *c = (const unsigned char *)scope; *c; c++)
        h = (h ^ *c) * 1099511628211ULL;
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

char *lfv_token_encode(const char *scope, const char *cursor)
{
    char hash[17];
    scope_hash(scope, hash);
    json_t *token = json_pack("{s:s, s:s}", "s", hash, "c", cursor);
    char *text = token ? json_dumps(token, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(token);
    char *encoded = text ? base64_encode_alloc((const uint8_t *)text, strlen(text)) : NULL;
    free(text);
    return encoded;
}

static int token_refused(lfv_call *call)
{
    lfv_error(call->response, LFV_VALIDATION, NULL, NULL,
              "The NextToken is not valid for this request: pass the NextToken of the previous"
              " response of the same request.");
    return -1;
}

int lfv_token_decode(lfv_call *call, const char *token, const char *scope, char **cursor)
{
    *cursor = NULL;
    if (lfv_check_string(&LFV_RULE_NEXT_TOKEN, token, call->msg) != 0) {
        lfv_invalid(call);
        return -1;
    }
    uint8_t *bytes;
    size_t size;
    if (lfv_base64_decode(token, &bytes, &size, call->msg) != 0)
        return token_refused(call);
    json_t *object = json_loadb((const char *)bytes, size, 0, NULL);
    free(bytes);
    const char *token_scope = NULL, *token_cursor = NULL;
    char hash[17];
    scope_hash(scope, hash);
    if (!object || json_unpack(object, "{s:s, s:s}", "s", &token_scope, "c", &token_cursor) != 0 ||
        strcmp(token_scope, hash) != 0) {
        json_decref(object);
        return token_refused(call);
    }
    *cursor = strdup(token_cursor);
    json_decref(object);
    return 0;
}

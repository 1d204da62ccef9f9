/*
 * lfv_tags.c - TagResource, UntagResource and ListTagsForResource.
 *
 * Tags are kept by resource ARN.  A project ARN names an existing project,
 * a model ARN (model/PROJECT/VERSION) an existing model version; anything
 * else is a ResourceNotFoundException
 * like any other unknown resource.  A resource holds at most 50 tags (the
 * AWS-wide convention the behaviour reference recommends, section 8), and
 * keys in the reserved aws: namespace are refused.
 */
#include "lfv.h"

#include <stdlib.h>
#include <string.h>

#define MAX_TAGS_PER_RESOURCE 50
#define MAX_TAGS_PER_CALL 200

/* Checks that the ARN names an existing resource of this service; fills
 * the canonical ARN the tags are kept under.  -1 when answered. */
static int resolve_resource(lfv_call *call, const char *arn, char *canonical, size_t size)
{
    char partition[32], service[32], region[64], account[32], resource[1024];
    if (sscanf(arn, "arn:%31[^:]:%31[^:]:%63[^:]:%31[^:]:%1023s", partition, service, region,
               account, resource) != 5) {
        lfv_error(call->response, LFV_VALIDATION, NULL, NULL, "%s is not a valid ARN.", arn);
        return -1;
    }
    const char *name = strncmp(resource, "project/", 8) == 0 ? resource + 8 : NULL;
    const char *type = strncmp(resource, "model/", 6) == 0 ? LFV_RESOURCE_MODEL : LFV_RESOURCE_PROJECT;
    int ours = strcmp(service, "lookoutvision") == 0 && strcmp(region, call->svc->region) == 0 &&
               strcmp(account, call->svc->account_id) == 0;
    vgl_error err = {0};
    store_project p;
    if (ours && name && call->svc->store->ops->project_get(call->svc->store, name, &p, &err) == VGL_OK) {
        snprintf(canonical, size, "%s", p.arn);
        return 0;
    }
    char project[STORE_NAME_MAX], extra;
    int version = 0;
    store_model m;
    if (ours && !strncmp(resource, "model/", 6) &&
        sscanf(resource + 6, "%255[^/]/%d%c", project, &version, &extra) == 2 && version > 0 &&
        call->svc->store->ops->model_get(call->svc->store, project, version, &m, &err) == VGL_OK) {
        snprintf(canonical, size, "%s", arn);
        return 0;
    }
    lfv_error(call->response, LFV_NOT_FOUND, arn, type, "The resource %s does not exist.", arn);
    return -1;
}

/* One {"Key", "Value"} object of a Tags list; -1 with call->msg when bad. */
static int read_tag(lfv_call *call, const json_t *item, store_tag *out)
{
    const char *key, *value;
    if (!json_is_object(item)) {
        snprintf(call->msg, sizeof call->msg, "Each member of Tags must be an object with Key and Value.");
        return -1;
    }
    if (lfv_string_member(item, "Key", 1, &key, call->msg) != 0 ||
        lfv_string_member(item, "Value", 1, &value, call->msg) != 0 ||
        lfv_check_tag_key(key, call->msg) != 0 ||
        lfv_check_string(&LFV_RULE_TAG_VALUE, value, call->msg) != 0)
        return -1;
    out->key = (char *)key;
    out->value = (char *)value;
    return 0;
}

/* The Tags member of a TagResource body (strings borrowed from body). */
static int read_tags(lfv_call *call, const json_t *body, store_tag **tags, size_t *count)
{
    const json_t *list = json_object_get(body, "Tags");
    *tags = NULL;
    *count = 0;
    if (!json_is_array(list)) {
        snprintf(call->msg, sizeof call->msg, "1 validation error detected: Value at 'Tags' failed"
                 " to satisfy constraint: Member must be a list of tags");
        return -1;
    }
    if (json_array_size(list) > MAX_TAGS_PER_CALL) {
        snprintf(call->msg, sizeof call->msg, "1 validation error detected: Value at 'Tags' failed"
                 " to satisfy constraint: Member must have length less than or equal to 200");
        return -1;
    }
    *tags = calloc(json_array_size(list) + 1, sizeof **tags);
    for (size_t i = 0; *tags && i < json_array_size(list); i++)
        if (read_tag(call, json_array_get(list, i), &(*tags)[i]) != 0)
            return -1;
    *count = json_array_size(list);
    return 0;
}

void lfv_tag_resource(lfv_call *call)
{
    char arn[STORE_ARN_MAX];
    json_t *body = NULL;
    store_tag *tags = NULL;
    size_t count = 0;
    if (lfv_parse_body(call->request, &body, call->msg) != 0 ||
        read_tags(call, body, &tags, &count) != 0) {
        lfv_invalid(call);
    } else if (resolve_resource(call, call->labels[0], arn, sizeof arn) == 0) {
        vgl_error err = {0};
        vgl_status status = call->svc->store->ops->tag_set(call->svc->store, arn, tags, count,
                                                           MAX_TAGS_PER_RESOURCE, &err);
        if (status == VGL_OK)
            lfv_json_response(call->response, 200, json_object());
        else
            lfv_store_error(call, status, &err, arn, LFV_RESOURCE_PROJECT);
    }
    free(tags);
    json_decref(body);
}

static void free_keys(char **keys, size_t count)
{
    for (size_t i = 0; keys && i < count; i++)
        free(keys[i]);
    free(keys);
}

/* Every tagKeys value of the query string, decoded; NULL on a bad escape. */
static char **query_tag_keys(const char *query, size_t *count)
{
    size_t capacity = 1;
    for (const char *c = query; *c; c++)
        capacity += *c == '&';
    char **keys = calloc(capacity, sizeof *keys);
    *count = 0;
    for (const char *p = query; keys && *p;) {
        size_t length = strcspn(p, "&");
        if (length >= 8 && strncmp(p, "tagKeys=", 8) == 0) {
            keys[*count] = http_percent_decode(p + 8, length - 8, 1);
            if (!keys[(*count)++]) {
                free_keys(keys, *count);
                return NULL;
            }
        }
        p += length + (p[length] == '&');
    }
    return keys;
}

static int check_keys(lfv_call *call, char *const *keys, size_t count)
{
    if (count > MAX_TAGS_PER_CALL) {
        snprintf(call->msg, sizeof call->msg, "1 validation error detected: Value at 'tagKeys'"
                 " failed to satisfy constraint: Member must have length less than or equal to 200");
        return -1;
    }
    for (size_t i = 0; i < count; i++)
        if (lfv_check_string(&LFV_RULE_TAG_KEY, keys[i], call->msg) != 0)
            return -1;
    return 0;
}

void lfv_untag_resource(lfv_call *call)
{
    char arn[STORE_ARN_MAX];
    size_t count = 0;
    char **keys = query_tag_keys(call->request->query, &count);
    if (!keys) {
        lfv_error(call->response, LFV_VALIDATION, NULL, NULL, "A tagKeys value is not valid.");
        return;
    }
    if (check_keys(call, keys, count) != 0) {
        lfv_invalid(call);
    } else if (resolve_resource(call, call->labels[0], arn, sizeof arn) == 0) {
        vgl_error err = {0};
        vgl_status status = call->svc->store->ops->tag_remove(
            call->svc->store, arn, (const char *const *)keys, count, &err);
        if (status == VGL_OK)
            lfv_json_response(call->response, 200, json_object());
        else
            lfv_store_error(call, status, &err, arn, LFV_RESOURCE_PROJECT);
    }
    free_keys(keys, count);
}

void lfv_list_tags_for_resource(lfv_call *call)
{
    char arn[STORE_ARN_MAX];
    if (resolve_resource(call, call->labels[0], arn, sizeof arn) != 0)
        return;
    store_tag *tags = NULL;
    size_t count = 0;
    vgl_error err = {0};
    vgl_status status = call->svc->store->ops->tag_list(call->svc->store, arn, &tags, &count, &err);
    if (status != VGL_OK) {
        lfv_store_error(call, status, &err, arn, LFV_RESOURCE_PROJECT);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(list, json_pack("{s:s, s:s}", "Key", tags[i].key, "Value",
                                              tags[i].value));
    store_tags_free(tags, count);
    lfv_json_response(call->response, 200, json_pack("{s:o}", "Tags", list));
}

/*
 * lfv_projects.c - CreateProject, DescribeProject, ListProjects and
 * DeleteProject.
 *
 * A project is a name (unique, case-sensitive) and its ARN.  DeleteProject
 * is refused with ConflictException while datasets or models remain
 * (section 9): the store's foreign keys enforce it.
 */
#include "lfv.h"

#include <stdlib.h>
#include <string.h>

static json_t *project_metadata(const store_project *p)
{
    return json_pack("{s:s, s:s, s:o}", "ProjectArn", p->arn, "ProjectName", p->name,
                     "CreationTimestamp", lfv_timestamp(p->created));
}

static json_t *dataset_metadata(const store_dataset *d)
{
    json_t *m = json_pack("{s:s, s:o, s:s}", "DatasetType", d->type, "CreationTimestamp",
                          lfv_timestamp(d->created), "Status", d->status);
    if (d->status_message[0])
        json_object_set_new(m, "StatusMessage", json_string(d->status_message));
    return m;
}

/* ProjectName of a CreateProject body, validated; NULL when answered. */
static const char *create_project_name(lfv_call *call, const json_t *body)
{
    const char *name;
    if (lfv_string_member(body, "ProjectName", 1, &name, call->msg) != 0 ||
        lfv_check_string(&LFV_RULE_PROJECT_NAME, name, call->msg) != 0) {
        lfv_invalid(call);
        return NULL;
    }
    return name;
}

static void create_project(lfv_call *call, const char *name)
{
    store_project p = {.created = lfv_now()};
    snprintf(p.name, sizeof p.name, "%s", name);
    lfv_project_arn(call->svc, name, p.arn, sizeof p.arn);
    vgl_error err = {0};
    metadata_store *store = call->svc->store;
    vgl_status status = store->ops->project_create(store, &p, &err);
    if (status != VGL_OK) {
        lfv_store_error(call, status, &err, name, LFV_RESOURCE_PROJECT);
        return;
    }
    lfv_json_response(call->response, 200,
                      json_pack("{s:o}", "ProjectMetadata", project_metadata(&p)));
}

void lfv_create_project(lfv_call *call)
{
    json_t *body;
    if (lfv_parse_body(call->request, &body, call->msg) != 0) {
        lfv_invalid(call);
        return;
    }
    const char *name = create_project_name(call, body);
    if (name) {
        json_t *params = json_pack("{s:s}", "ProjectName", name);
        lfv_idempotency idem;
        if (!lfv_idempotency_begin(call, "CreateProject", params, name, LFV_RESOURCE_PROJECT,
                                   &idem)) {
            create_project(call, name);
            lfv_idempotency_end(call, &idem);
        }
        json_decref(params);
    }
    json_decref(body);
}

static json_t *project_datasets(lfv_call *call, const char *name, vgl_status *status,
                                vgl_error *err)
{
    store_dataset *datasets = NULL;
    size_t count = 0;
    metadata_store *store = call->svc->store;
    *status = store->ops->dataset_list(store, name, &datasets, &count, err);
    if (*status != VGL_OK)
        return NULL;
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(list, dataset_metadata(&datasets[i]));
    free(datasets);
    return list;
}

void lfv_describe_project(lfv_call *call)
{
    const char *name = call->labels[0];
    store_project p;
    vgl_error err = {0};
    metadata_store *store = call->svc->store;
    vgl_status status = store->ops->project_get(store, name, &p, &err);
    json_t *datasets = status == VGL_OK ? project_datasets(call, name, &status, &err) : NULL;
    if (status != VGL_OK) {
        lfv_store_error(call, status, &err, name, LFV_RESOURCE_PROJECT);
        return;
    }
    json_t *description = project_metadata(&p);
    json_object_set_new(description, "Datasets", datasets);
    lfv_json_response(call->response, 200, json_pack("{s:o}", "ProjectDescription", description));
}

/* MaxResults and the cursor of ListProjects; -1 when answered. */
static int list_projects_input(lfv_call *call, int *limit, char **after)
{
    char *max_text = http_request_query_param(call->request, "maxResults");
    char *token = http_request_query_param(call->request, "nextToken");
    int rc = lfv_parse_max_results(max_text, limit, call->msg);
    if (rc != 0)
        lfv_invalid(call);
    else if (token && token[0])
        rc = lfv_token_decode(call, token, "ListProjects", after);
    else
        *after = strdup("");
    free(max_text);
    free(token);
    return rc;
}

static void list_projects_page(lfv_call *call, int limit, const char *after)
{
    store_project *projects = NULL;
    size_t count = 0;
    vgl_error err = {0};
    metadata_store *store = call->svc->store;
    /* one more than asked tells whether a next page exists */
    vgl_status status = store->ops->project_list(store, after, (size_t)limit + 1, &projects,
                                                 &count, &err);
    if (status != VGL_OK) {
        lfv_store_error(call, status, &err, NULL, NULL);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < count && i < (size_t)limit; i++)
        json_array_append_new(list, project_metadata(&projects[i]));
    json_t *result = json_pack("{s:o}", "Projects", list);
    if (count > (size_t)limit) {
        char *token = lfv_token_encode("ListProjects", projects[limit - 1].name);
        json_object_set_new(result, "NextToken", json_string(token));
        free(token);
    }
    free(projects);
    lfv_json_response(call->response, 200, result);
}

void lfv_list_projects(lfv_call *call)
{
    int limit;
    char *after = NULL;
    if (list_projects_input(call, &limit, &after) == 0)
        list_projects_page(call, limit, after);
    free(after);
}

static void delete_project(lfv_call *call, const char *name)
{
    store_project p;
    vgl_error err = {0};
    metadata_store *store = call->svc->store;
    vgl_status status = store->ops->project_get(store, name, &p, &err);
    if (status == VGL_OK)
        status = store->ops->project_delete(store, name, &err);
    if (status != VGL_OK) {
        lfv_store_error(call, status, &err, name, LFV_RESOURCE_PROJECT);
        return;
    }
    lfv_json_response(call->response, 200, json_pack("{s:s}", "ProjectArn", p.arn));
}

void lfv_delete_project(lfv_call *call)
{
    const char *name = call->labels[0];
    json_t *params = json_pack("{s:s}", "ProjectName", name);
    lfv_idempotency idem;
    if (!lfv_idempotency_begin(call, "DeleteProject", params, name, LFV_RESOURCE_PROJECT, &idem)) {
        delete_project(call, name);
        lfv_idempotency_end(call, &idem);
    }
    json_decref(params);
}

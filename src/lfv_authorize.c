/*
 * lfv_authorize.c - lfv_authorize: the permissions a Lookout for Vision
 * operation needs, checked before it runs (so a denied request changes
 * nothing and records no idempotency token).
 *
 * Each operation is the action lookoutvision:<OperationName> on the
 * resource IAM documents for it (behaviour reference 2.2 and 13):
 *   - CreateProject, DescribeProject, DeleteProject, the dataset operations,
 *     CreateModel and ListModels: the project's ARN;
 *   - DescribeModel, DeleteModel, StartModel, StopModel, DetectAnomalies:
 *     the model's ARN, model/PROJECT/VERSION with the version as given
 *     ("latest" included, which a model/PROJECT/ * pattern matches);
 *   - the tags operations: the ARN in the path;
 *   - ListProjects: "*".
 * Some operations need more, as the service required:
 *   - CreateModel with Tags also needs lookoutvision:TagResource, on the
 *     project as well (the model version does not exist yet);
 *   - the service acted on S3 with the caller's permissions, so
 *     CreateDataset needs s3:GetObject on its manifest, CreateModel and
 *     StartModelPackagingJob s3:PutObject on their output location
 *     (arn:aws:s3:::BUCKET/PREFIX); the images a manifest or an update
 *     names are checked one by one as the import reads them
 *     (dataset_import.c).
 */
#include "lfv.h"

#include "authorize.h"

#include <stdio.h>
#include <string.h>

#define ACTION_MAX 96
#define RESOURCE_MAX 2400

typedef struct permission {
    char action[ACTION_MAX];
    char resource[RESOURCE_MAX];
} permission;

static int is_model_operation(const char *operation)
{
    static const char *const names[] = {"DescribeModel", "DeleteModel", "StartModel",
                                        "StopModel", "DetectAnomalies"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(operation, names[i]))
            return 1;
    return 0;
}

/* The resource of the operation itself. */
static void operation_resource(const lfv_call *call, const char *operation,
                               const json_t *body, char *out, size_t size)
{
    const service *svc = call->svc;
    const char *project = call->n_labels > 0 ? call->labels[0] : NULL;
    if (!strcmp(operation, "TagResource") || !strcmp(operation, "UntagResource") ||
        !strcmp(operation, "ListTagsForResource")) {
        snprintf(out, size, "%s", call->labels[0]);
    } else if (is_model_operation(operation) && call->n_labels >= 2) {
        snprintf(out, size, "arn:aws:lookoutvision:%s:%s:model/%s/%s", svc->region,
                 svc->account_id, call->labels[0], call->labels[1]);
    } else if (project) {
        lfv_project_arn(svc, project, out, size);
    } else if (!strcmp(operation, "CreateProject") &&
               json_is_string(json_object_get(body, "ProjectName"))) {
        lfv_project_arn(svc, json_string_value(json_object_get(body, "ProjectName")), out,
                        size);
    } else {
        snprintf(out, size, "*");
    }
}

/* The S3 object named by {"Bucket": ..., KEY_MEMBER: ...} under the path of
 * members, as an S3 ARN; 0 when the body has no such object (the handler
 * then refuses the request itself). */
static int s3_resource(const json_t *body, const char *const *path, size_t depth,
                       const char *key_member, char *out, size_t size)
{
    const json_t *object = body;
    for (size_t i = 0; i < depth; i++)
        object = json_object_get(object, path[i]);
    const char *bucket = json_string_value(json_object_get(object, "Bucket"));
    const json_t *key = json_object_get(object, key_member);
    if (!bucket || (key && !json_is_string(key)))
        return 0;
    snprintf(out, size, "arn:aws:s3:::%s/%s", bucket, key ? json_string_value(key) : "");
    return 1;
}

/* Fills the permissions the call needs; returns their number. */
static size_t needed(const lfv_call *call, const char *operation, const json_t *body,
                     permission out[3])
{
    size_t n = 0;
    snprintf(out[n].action, ACTION_MAX, "lookoutvision:%s", operation);
    operation_resource(call, operation, body, out[n].resource, RESOURCE_MAX);
    n++;
    const json_t *tags = json_object_get(body, "Tags");
    if (!strcmp(operation, "CreateModel") && json_is_array(tags) && json_array_size(tags) > 0) {
        out[n] = out[0]; /* the same resource */
        snprintf(out[n++].action, ACTION_MAX, "lookoutvision:TagResource");
    }
    static const char *const output[] = {"OutputConfig", "S3Location"};
    if (!strcmp(operation, "CreateModel") &&
        s3_resource(body, output, 2, "Prefix", out[n].resource, RESOURCE_MAX))
        snprintf(out[n++].action, ACTION_MAX, "s3:PutObject");
    static const char *const package[] = {"Configuration", "Greengrass", "S3OutputLocation"};
    if (!strcmp(operation, "StartModelPackagingJob") &&
        s3_resource(body, package, 3, "Prefix", out[n].resource, RESOURCE_MAX))
        snprintf(out[n++].action, ACTION_MAX, "s3:PutObject");
    static const char *const manifest[] = {"DatasetSource", "GroundTruthManifest", "S3Object"};
    if (!strcmp(operation, "CreateDataset") &&
        s3_resource(body, manifest, 3, "Key", out[n].resource, RESOURCE_MAX))
        snprintf(out[n++].action, ACTION_MAX, "s3:GetObject");
    return n;
}

int lfv_authorize(lfv_call *call, const char *operation)
{
    /* Only the create and start-packaging operations need the body; a body
     * that is not JSON is refused by the handler, after this check of the
     * operation alone. */
    json_t *body = NULL;
    if (!strncmp(operation, "Create", 6) || !strcmp(operation, "StartModelPackagingJob"))
        body = json_loadb((const char *)call->request->body, call->request->body_size, 0, NULL);
    permission permissions[3];
    size_t n = needed(call, operation, body, permissions);
    json_decref(body);
    char message[RESOURCE_MAX + 512];
    for (size_t i = 0; i < n; i++)
        if (!service_authorize(call->svc, call->caller, permissions[i].action,
                               permissions[i].resource, message, sizeof message)) {
            lfv_error(call->response, LFV_ACCESS_DENIED, NULL, NULL, "%s", message);
            return -1;
        }
    return 0;
}

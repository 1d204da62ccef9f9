/*
 * lfv_packaging.c - StartModelPackagingJob, DescribeModelPackagingJob and
 * ListModelPackagingJobs (behaviour reference 7.1).
 *
 * StartModelPackagingJob checks the whole Configuration against the API
 * model and the documented rules (exactly one of TargetDevice and
 * TargetPlatform, no CompilerOptions with TargetDevice, the NVIDIA compiler
 * options), that the model version is trained and the output bucket
 * exists, records the job CREATED and starts it (model_packaging.c).  A job
 * without a JobName gets a UUID; ComponentVersion defaults to
 * "<ModelVersion>.0.0".  ModelPackagingMethod is always "Greengrass".
 */
#include "lfv.h"

#include "error.h"
#include "model_packaging.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_TAGS 200
#define PACKAGING_METHOD "Greengrass"

/* ------------------------------------------------------------ shapes */

static int all_of(const char *v, const char *extra)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (!(*p < 128 && ((*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'z') ||
                           strchr(extra, *p))))
            return 0;
    return 1;
}

static int match_job_name(const char *v) { return all_of(v, "-"); }
static int match_text(const char *v) { return all_of(v, "-_. ()':,;?"); }
static int match_component_name(const char *v) { return all_of(v, "-_."); }
static int match_prefix(const char *v) { return v[0] != '/' && all_of(v, "!_.*'()-/"); }
static int match_version(const char *v)
{
    return strcmp(v, "latest") == 0 ||
           (v[0] >= '1' && v[0] <= '9' && strspn(v, "0123456789") == strlen(v));
}
/* 1 to max_digits digits, then `then` (a character, or 0 for the end). */
static const char *digits(const char *v, size_t max_digits, char then)
{
    size_t n = strspn(v, "0123456789");
    return n >= 1 && n <= max_digits && v[n] == then ? v + n + (then != 0) : NULL;
}
static int match_component_version(const char *v)
{
    const char *p = digits(v, 6, '.');
    p = p ? digits(p, 6, '.') : NULL;
    return p && digits(p, 6, 0) != NULL;
}

static const lfv_string_rule RULE_JOB_NAME = {"JobName", 1, 64, match_job_name, "[a-zA-Z0-9-]+"};
static const lfv_string_rule RULE_DESCRIPTION = {"Description", 1, 256, match_text,
                                                 "[a-zA-Z0-9-_. ()':,;?]+"};
static const lfv_string_rule RULE_COMPONENT_DESCRIPTION = {
    "ComponentDescription", 1, 256, match_text, "[a-zA-Z0-9-_. ()':,;?]+"};
static const lfv_string_rule RULE_COMPONENT_NAME = {"ComponentName", 1, 128,
                                                    match_component_name, "[a-zA-Z0-9-_.]+"};
static const lfv_string_rule RULE_COMPONENT_VERSION = {
    "ComponentVersion", 1, 64, match_component_version,
    "^([0-9]{1,6})\\.([0-9]{1,6})\\.([0-9]{1,6})$"};
static const lfv_string_rule RULE_COMPILER_OPTIONS = {"CompilerOptions", 3, 1024, NULL, ".*"};
static const lfv_string_rule RULE_PREFIX = {"Prefix", 0, 1024, match_prefix,
                                            "^([a-zA-Z0-9!_.*'()-][/a-zA-Z0-9!_.*'()-]*)?$"};
static const lfv_string_rule RULE_VERSION = {"ModelVersion", 1, 10, match_version,
                                             "([1-9][0-9]*|latest)"};

/* ------------------------------------------------------------ input */

typedef struct packaging_input {
    const char *model_version, *job_name, *description;
    json_t *configuration; /* borrowed */
    const json_t *greengrass;
    const char *bucket, *prefix, *component_name, *component_version, *component_description;
    const char *target_device, *compiler_options;
    const json_t *target_platform;
    const char *accelerator;
} packaging_input;

static int invalid(lfv_call *call, const char *fmt, const char *value)
{
    snprintf(call->msg, sizeof call->msg, fmt, value);
    return -1;
}

/* An optional structure member (required: it must be there). */
static int structure_member(lfv_call *call, const json_t *parent, const char *path,
                            const char *name, int required, const json_t **out)
{
    *out = json_object_get(parent, name);
    if (*out && json_is_null(*out))
        *out = NULL;
    if ((*out && !json_is_object(*out)) || (!*out && required)) {
        snprintf(call->msg, sizeof call->msg, "1 validation error detected: Value at '%s%s'"
                 " failed to satisfy constraint: Member must be %s", path, name,
                 *out ? "a structure" : "not null");
        return -1;
    }
    return 0;
}

static int optional_string(lfv_call *call, const json_t *object, const char *name, int required,
                           const lfv_string_rule *rule, const char **out)
{
    return lfv_string_member(object, name, required, out, call->msg) != 0 ||
                   (*out && rule && lfv_check_string(rule, *out, call->msg) != 0)
               ? -1
               : 0;
}

static int enum_member(lfv_call *call, const json_t *object, const char *name, int required,
                       const char *const *values, const char **out)
{
    if (lfv_string_member(object, name, required, out, call->msg) != 0)
        return -1;
    if (!*out)
        return 0;
    char allowed[128] = "";
    for (size_t i = 0; values[i]; i++) {
        if (strcmp(*out, values[i]) == 0)
            return 0;
        snprintf(allowed + strlen(allowed), sizeof allowed - strlen(allowed), "%s%s",
                 i ? ", " : "", values[i]);
    }
    snprintf(call->msg, sizeof call->msg, "1 validation error detected: Value '%.100s' at '%s'"
             " failed to satisfy constraint: Member must satisfy enum value set: [%s]", *out,
             name, allowed);
    return -1;
}

static int read_tags(lfv_call *call, const json_t *tags)
{
    if (!tags || json_is_null(tags))
        return 0;
    if (!json_is_array(tags) || json_array_size(tags) > MAX_TAGS)
        return invalid(call, "1 validation error detected: Value at 'Tags' failed to satisfy"
                       " constraint: Member must be a list of at most %s tags", "200");
    size_t i;
    const json_t *item;
    json_array_foreach(tags, i, item) {
        const char *key = NULL, *value = NULL;
        if (!json_is_object(item))
            return invalid(call, "Each member of %s must be an object.", "Tags");
        if (lfv_string_member(item, "Key", 1, &key, call->msg) != 0 ||
            lfv_string_member(item, "Value", 1, &value, call->msg) != 0 ||
            lfv_check_tag_key(key, call->msg) != 0 ||
            lfv_check_string(&LFV_RULE_TAG_VALUE, value, call->msg) != 0)
            return -1;
    }
    return 0;
}

static const char *const TARGET_DEVICES[] = {"jetson_xavier", NULL};
static const char *const OSES[] = {"LINUX", NULL};
static const char *const ARCHES[] = {"ARM64", "X86_64", NULL};
static const char *const ACCELERATORS[] = {"NVIDIA", NULL};

static int read_target_platform(lfv_call *call, packaging_input *in)
{
    const char *os = NULL, *arch = NULL;
    return enum_member(call, in->target_platform, "Os", 1, OSES, &os) != 0 ||
                   enum_member(call, in->target_platform, "Arch", 1, ARCHES, &arch) != 0 ||
                   enum_member(call, in->target_platform, "Accelerator", 0, ACCELERATORS,
                               &in->accelerator) != 0
               ? -1
               : 0;
}

static int is_version_text(const char *v, int parts)
{
    const char *p = v;
    for (int i = 0; p && i < parts; i++)
        p = digits(p, 6, i + 1 < parts ? '.' : 0);
    return p != NULL;
}

/* CompilerOptions is JSON text; its members depend on the accelerator
 * (behaviour reference 7.1): NVIDIA needs gpu-code, trt-ver (x.y.z) and
 * cuda-ver (x.y); a CPU takes mcpu and mattr. */
static int check_compiler_options(lfv_call *call, const packaging_input *in)
{
    int nvidia = in->accelerator != NULL;
    if (!in->compiler_options)
        return nvidia ? invalid(call, "CompilerOptions are required with Accelerator %s: give"
                                " gpu-code, trt-ver and cuda-ver, e.g. {\"gpu-code\": \"sm_75\","
                                " \"trt-ver\": \"7.1.3\", \"cuda-ver\": \"10.2\"}.", "NVIDIA")
                      : 0;
    json_t *options = json_loads(in->compiler_options, JSON_REJECT_DUPLICATES, NULL);
    int result = 0;
    if (!json_is_object(options)) {
        result = invalid(call, "CompilerOptions must be a JSON object, not %.200s",
                         in->compiler_options);
    } else if (nvidia) {
        const char *gpu = json_string_value(json_object_get(options, "gpu-code"));
        const char *trt = json_string_value(json_object_get(options, "trt-ver"));
        const char *cuda = json_string_value(json_object_get(options, "cuda-ver"));
        if (!gpu || strncmp(gpu, "sm_", 3) != 0 || !digits(gpu + 3, 3, 0))
            result = invalid(call, "CompilerOptions for %s need gpu-code, the GPU's compute"
                             " capability such as \"sm_75\".", "NVIDIA");
        else if (!trt || !is_version_text(trt, 3))
            result = invalid(call, "CompilerOptions for %s need trt-ver, the TensorRT version as"
                             " x.y.z such as \"7.1.3\".", "NVIDIA");
        else if (!cuda || !is_version_text(cuda, 2))
            result = invalid(call, "CompilerOptions for %s need cuda-ver, the CUDA version as"
                             " x.y such as \"10.2\".", "NVIDIA");
    }
    const char *key;
    json_t *value;
    json_object_foreach(json_is_object(options) ? options : NULL, key, value) {
        if (result != 0)
            break;
        int known = nvidia ? (strcmp(key, "gpu-code") == 0 || strcmp(key, "trt-ver") == 0 ||
                              strcmp(key, "cuda-ver") == 0)
                           : strcmp(key, "mcpu") == 0 || strcmp(key, "mattr") == 0;
        if (!known)
            result = invalid(call, "CompilerOptions has an unknown option %.100s: a GPU takes"
                             " gpu-code, trt-ver and cuda-ver, a CPU mcpu and mattr.", key);
        else if (strcmp(key, "mcpu") == 0 && !json_is_string(value))
            result = invalid(call, "CompilerOptions: %s must be a string.", "mcpu");
        else if (strcmp(key, "mattr") == 0) {
            size_t i;
            json_t *item;
            int strings = json_is_array(value);
            json_array_foreach(value, i, item) strings = strings && json_is_string(item);
            if (!strings)
                result = invalid(call, "CompilerOptions: %s must be a list of strings such as"
                                 " [\"+neon\", \"+vfpv4\"].", "mattr");
        }
    }
    json_decref(options);
    return result;
}

static int read_greengrass(lfv_call *call, packaging_input *in)
{
    const json_t *g = in->greengrass, *location = NULL;
    if (optional_string(call, g, "CompilerOptions", 0, &RULE_COMPILER_OPTIONS,
                        &in->compiler_options) != 0 ||
        enum_member(call, g, "TargetDevice", 0, TARGET_DEVICES, &in->target_device) != 0 ||
        structure_member(call, g, "Configuration.Greengrass.", "TargetPlatform", 0,
                         &in->target_platform) != 0 ||
        (in->target_platform && read_target_platform(call, in) != 0) ||
        structure_member(call, g, "Configuration.Greengrass.", "S3OutputLocation", 1,
                         &location) != 0 ||
        optional_string(call, location, "Bucket", 1, &LFV_RULE_BUCKET, &in->bucket) != 0 ||
        optional_string(call, location, "Prefix", 0, &RULE_PREFIX, &in->prefix) != 0 ||
        optional_string(call, g, "ComponentName", 1, &RULE_COMPONENT_NAME,
                        &in->component_name) != 0 ||
        optional_string(call, g, "ComponentVersion", 0, &RULE_COMPONENT_VERSION,
                        &in->component_version) != 0 ||
        optional_string(call, g, "ComponentDescription", 0, &RULE_COMPONENT_DESCRIPTION,
                        &in->component_description) != 0 ||
        read_tags(call, json_object_get(g, "Tags")) != 0)
        return -1;
    if (!in->target_device == !in->target_platform)
        return invalid(call, "Give exactly one of TargetDevice and TargetPlatform in"
                       " Configuration.Greengrass%s.", in->target_device ? ", not both" : "");
    if (in->target_device && in->compiler_options)
        return invalid(call, "CompilerOptions cannot be given with TargetDevice %s: the device"
                       " fixes them.", in->target_device);
    return check_compiler_options(call, in);
}

static int read_input(lfv_call *call, json_t *body, packaging_input *in)
{
    memset(in, 0, sizeof *in);
    const json_t *configuration = NULL;
    if (optional_string(call, body, "ModelVersion", 1, &RULE_VERSION, &in->model_version) != 0 ||
        optional_string(call, body, "JobName", 0, &RULE_JOB_NAME, &in->job_name) != 0 ||
        optional_string(call, body, "Description", 0, &RULE_DESCRIPTION, &in->description) != 0 ||
        structure_member(call, body, "", "Configuration", 1, &configuration) != 0 ||
        structure_member(call, configuration, "Configuration.", "Greengrass", 1,
                         &in->greengrass) != 0)
        return -1;
    in->configuration = (json_t *)configuration;
    return read_greengrass(call, in);
}

/* ------------------------------------------------------------ start */

static int require_project(lfv_call *call, const char *project)
{
    store_project p;
    vgl_error err = {0};
    vgl_status status = call->svc->store->ops->project_get(call->svc->store, project, &p, &err);
    if (status != VGL_OK)
        lfv_store_error(call, status, &err, project, LFV_RESOURCE_PROJECT);
    return status == VGL_OK ? 0 : -1;
}

/* The model of `text` (a version or "latest": the newest); -1 when answered. */
static int find_model(lfv_call *call, const char *project, const char *text, store_model *out)
{
    metadata_store *store = call->svc->store;
    vgl_error err = {0};
    vgl_status status = VGL_OK;
    int version = atoi(text);
    for (int after = 0; strcmp(text, "latest") == 0 && status == VGL_OK;) {
        store_model *models = NULL;
        size_t count = 0;
        status = store->ops->model_list(store, project, after, 100, &models, &count, &err);
        if (status == VGL_OK && count)
            after = version = models[count - 1].version;
        free(models);
        if (count < 100)
            break;
    }
    if (status == VGL_OK)
        status = store->ops->model_get(store, project, version, out, &err);
    if (status == VGL_OK)
        return 0;
    char id[STORE_NAME_MAX + 16];
    snprintf(id, sizeof id, "%s/%s", project, text);
    if (status == VGL_ENOTFOUND && version == 0)
        snprintf(err.message, sizeof err.message, "The project %s has no models.", project);
    lfv_store_error(call, status, &err, id, LFV_RESOURCE_MODEL);
    return -1;
}

/* Only a trained model has a file to package; a hosted one still does. */
static int check_packageable(lfv_call *call, const store_model *m)
{
    static const char *const TRAINED[] = {"TRAINED", "STARTING_HOSTING", "HOSTED",
                                          "HOSTING_FAILED", "STOPPING_HOSTING", NULL};
    for (size_t i = 0; TRAINED[i]; i++)
        if (strcmp(m->status, TRAINED[i]) == 0 && m->model_file[0])
            return 0;
    char id[STORE_NAME_MAX + 16];
    snprintf(id, sizeof id, "%s/%d", m->project, m->version);
    lfv_error(call->response, LFV_CONFLICT, id, LFV_RESOURCE_MODEL,
              "Model version %d of project %s is %s; only a trained model can be packaged.",
              m->version, m->project, m->status);
    return -1;
}

/* A random (version 4) UUID, as AWS generated JobNames. */
static void uuid4(char out[37])
{
    uint8_t b[16];
    if (RAND_bytes(b, sizeof b) != 1) { /* never seen; the name must still be unique */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (uint8_t)((uint64_t)ts.tv_nsec >> (i % 4 * 8) ^ (uint64_t)ts.tv_sec >> i);
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

static void start_job(lfv_call *call, const char *project, const packaging_input *in)
{
    store_model m;
    if (require_project(call, project) != 0 || find_model(call, project, in->model_version, &m) ||
        check_packageable(call, &m) != 0)
        return;
    vgl_error err = {0};
    blob_store *blobs = call->svc->blobs;
    if (blobs->ops->bucket_exists(blobs, in->bucket, &err) != VGL_OK) {
        lfv_error(call->response, LFV_VALIDATION, NULL, NULL,
                  "The output bucket %s does not exist.", in->bucket);
        return;
    }
    store_packaging_job job = {.model_version = m.version, .created = lfv_now()};
    job.updated = job.created;
    snprintf(job.project, sizeof job.project, "%s", project);
    if (in->job_name)
        snprintf(job.name, sizeof job.name, "%s", in->job_name);
    else
        uuid4(job.name);
    snprintf(job.description, sizeof job.description, "%s", in->description ? in->description : "");
    snprintf(job.component_name, sizeof job.component_name, "%s", in->component_name);
    if (in->component_version)
        snprintf(job.component_version, sizeof job.component_version, "%s",
                 in->component_version);
    else
        snprintf(job.component_version, sizeof job.component_version, "%d.0.0", m.version);
    snprintf(job.status, sizeof job.status, "CREATED");
    snprintf(job.status_message, sizeof job.status_message, "The packaging job is queued.");
    job.configuration = json_dumps(in->configuration, JSON_COMPACT | JSON_SORT_KEYS);
    vgl_status status = job.configuration
                            ? call->svc->store->ops->packaging_job_create(call->svc->store, &job,
                                                                          &err)
                            : vgl_error_set(&err, VGL_ENOMEM, "out of memory");
    if (status == VGL_OK) {
        model_packaging_start(call->svc, &job);
        lfv_json_response(call->response, 200, json_pack("{s:s}", "JobName", job.name));
    } else {
        lfv_store_error(call, status, &err, status == VGL_ENOTFOUND ? project : job.name,
                        status == VGL_ENOTFOUND ? LFV_RESOURCE_PROJECT
                                                : LFV_RESOURCE_MODEL_PACKAGE_JOB);
    }
    store_packaging_job_clear(&job);
}

void lfv_start_model_packaging_job(lfv_call *call)
{
    const char *project = call->labels[0];
    json_t *body = NULL;
    packaging_input in;
    if (lfv_parse_body(call->request, &body, call->msg) != 0 || read_input(call, body, &in) != 0) {
        lfv_invalid(call);
        json_decref(body);
        return;
    }
    json_t *params = json_pack("{s:s, s:s, s:s?, s:s?, s:O}", "ProjectName", project,
                               "ModelVersion", in.model_version, "JobName", in.job_name,
                               "Description", in.description, "Configuration",
                               in.configuration);
    lfv_idempotency idem;
    if (!lfv_idempotency_begin(call, "StartModelPackagingJob", params, project,
                               LFV_RESOURCE_MODEL_PACKAGE_JOB, &idem)) {
        start_job(call, project, &in);
        lfv_idempotency_end(call, &idem);
    }
    json_decref(params);
    json_decref(body);
}

/* ------------------------------------------------------------ describe, list */

static json_t *job_metadata(const store_packaging_job *j)
{
    char version[16];
    snprintf(version, sizeof version, "%d", j->model_version);
    json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "JobName", j->name,
                          "ProjectName", j->project, "ModelVersion", version,
                          "ModelPackagingMethod", PACKAGING_METHOD, "Status", j->status,
                          "StatusMessage", j->status_message, "CreationTimestamp",
                          lfv_timestamp(j->created), "LastUpdatedTimestamp",
                          lfv_timestamp(j->updated));
    if (j->description[0])
        json_object_set_new(d, "ModelPackagingJobDescription", json_string(j->description));
    return d;
}

void lfv_describe_model_packaging_job(lfv_call *call)
{
    const char *project = call->labels[0], *name = call->labels[1];
    if (lfv_check_string(&RULE_JOB_NAME, name, call->msg) != 0) {
        lfv_invalid(call);
        return;
    }
    if (require_project(call, project) != 0)
        return;
    store_packaging_job j = {0};
    vgl_error err = {0};
    vgl_status status = call->svc->store->ops->packaging_job_get(call->svc->store, project, name,
                                                                 &j, &err);
    if (status != VGL_OK) {
        lfv_store_error(call, status, &err, name, LFV_RESOURCE_MODEL_PACKAGE_JOB);
        return;
    }
    json_t *d = job_metadata(&j);
    json_t *configuration = json_loads(j.configuration, 0, NULL);
    if (configuration)
        json_object_set_new(d, "ModelPackagingConfiguration", configuration);
    json_t *greengrass = json_pack("{s:s, s:s}", "ComponentName", j.component_name,
                                   "ComponentVersion", j.component_version);
    if (j.component_version_arn[0])
        json_object_set_new(greengrass, "ComponentVersionArn",
                            json_string(j.component_version_arn));
    json_object_set_new(d, "ModelPackagingOutputDetails",
                        json_pack("{s:o}", "Greengrass", greengrass));
    store_packaging_job_clear(&j);
    lfv_json_response(call->response, 200, json_pack("{s:o}", "ModelPackagingDescription", d));
}

static void list_page(lfv_call *call, const char *scope, int64_t after, int max_results)
{
    store_packaging_job *jobs = NULL;
    size_t count = 0;
    vgl_error err = {0};
    vgl_status status = call->svc->store->ops->packaging_job_list(
        call->svc->store, call->labels[0], after, (size_t)max_results + 1, &jobs, &count, &err);
    if (status != VGL_OK) {
        lfv_store_error(call, status, &err, call->labels[0], LFV_RESOURCE_PROJECT);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < count && i < (size_t)max_results; i++)
        json_array_append_new(list, job_metadata(&jobs[i]));
    json_t *result = json_pack("{s:o}", "ModelPackagingJobs", list);
    if (count > (size_t)max_results) {
        char cursor[24];
        snprintf(cursor, sizeof cursor, "%lld", (long long)jobs[max_results - 1].id);
        char *token = lfv_token_encode(scope, cursor);
        json_object_set_new(result, "NextToken", json_string(token));
        free(token);
    }
    store_packaging_jobs_free(jobs, count);
    lfv_json_response(call->response, 200, result);
}

void lfv_list_model_packaging_jobs(lfv_call *call)
{
    char *max_text = http_request_query_param(call->request, "maxResults");
    char *token = http_request_query_param(call->request, "nextToken");
    char *cursor = NULL, scope[STORE_NAME_MAX + 32];
    snprintf(scope, sizeof scope, "ListModelPackagingJobs\n%s", call->labels[0]);
    int max_results = 0;
    if (lfv_parse_max_results(max_text, &max_results, call->msg) != 0)
        lfv_invalid(call);
    else if (require_project(call, call->labels[0]) == 0 &&
             (!token || !token[0] || lfv_token_decode(call, token, scope, &cursor) == 0))
        list_page(call, scope, cursor ? strtoll(cursor, NULL, 10) : 0, max_results);
    free(cursor);
    free(token);
    free(max_text);
}

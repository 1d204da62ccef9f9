/*
 * lfv_errors.c - error and success responses of the Lookout for Vision API,
 * in the shape botocore and the other SDKs decode (behaviour reference 1.5):
 * the code in x-amzn-ErrorType, the message under both Message (the modeled
 * member) and message (what the generic parsers read).
 */
#include "lfv_errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct error_kind {
    const char *name;
    int status;
    int has_resource; /* the shape has ResourceId and ResourceType */
} error_kind;

static const error_kind KINDS[] = {
    [LFV_ACCESS_DENIED] = {"AccessDeniedException", 403, 0},
    [LFV_CONFLICT] = {"ConflictException", 409, 1},
    [LFV_INTERNAL] = {"InternalServerException", 500, 0},
    [LFV_NOT_FOUND] = {"ResourceNotFoundException", 404, 1},
    [LFV_QUOTA_EXCEEDED] = {"ServiceQuotaExceededException", 402, 1},
    [LFV_THROTTLING] = {"ThrottlingException", 429, 0},
    [LFV_VALIDATION] = {"ValidationException", 400, 0},
    [LFV_UNKNOWN_OPERATION] = {"UnknownOperationException", 404, 0},
};

void lfv_json_response(http_response *response, int status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) {
        http_response_text(response, 500, "application/json",
                           "{\"Message\":\"out of memory\",\"message\":\"out of memory\"}");
        http_response_header(response, "x-amzn-ErrorType", "InternalServerException");
        return;
    }
    http_response_body(response, status, "application/json", (uint8_t *)text, strlen(text));
}

/* QuotaCode and ServiceCode are required members of the quota error.  Two
 * quotas exist: concurrent trainings (raised for a MODEL) and tags per
 * resource; the codes are Vigil's own, stable across versions. */
static void add_quota_members(json_t *body, const char *resource_type)
{
    int trainings = resource_type && !strcmp(resource_type, "MODEL");
    json_object_set_new(body, "QuotaCode",
                        json_string(trainings ? "L-VIGIL-CONCURRENT-TRAININGS" : "L-VIGIL-TAGS"));
    json_object_set_new(body, "ServiceCode", json_string("lookoutvision"));
}

void lfv_error(http_response *response, lfv_error_code code, const char *resource_id,
               const char *resource_type, const char *fmt, ...)
{
    char message[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);

    const error_kind *kind = &KINDS[code];
    /* a message quoting a client's bytes may not be UTF-8, which JSON needs */
    json_t *text = json_string(message);
    if (!text)
        text = json_string("The request holds text that is not valid UTF-8.");
    json_t *body = json_object();
    json_object_set(body, "Message", text);
    json_object_set_new(body, "message", text);
    if (kind->has_resource && resource_id && resource_type) {
        json_object_set_new(body, "ResourceId", json_string(resource_id));
        json_object_set_new(body, "ResourceType", json_string(resource_type));
    }
    if (code == LFV_QUOTA_EXCEEDED)
        add_quota_members(body, resource_type);
    lfv_json_response(response, kind->status, body);
    http_response_header(response, "x-amzn-ErrorType", kind->name);
}

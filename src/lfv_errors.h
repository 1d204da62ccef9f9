/*
 * lfv_errors.h - the Lookout for Vision API's responses: its error responses
 * (section 1.5 of the behaviour reference: the x-amzn-ErrorType header, the
 * HTTP status, a JSON body with Message and message, and ResourceId and
 * ResourceType where the model has them) and its JSON success responses.
 */
#ifndef VIGIL_LFV_ERRORS_H
#define VIGIL_LFV_ERRORS_H

#include "http.h"

#include <jansson.h>

typedef enum lfv_error_code {
    LFV_ACCESS_DENIED,      /* 403 */
    LFV_CONFLICT,           /* 409, with ResourceId and ResourceType */
    LFV_INTERNAL,           /* 500 */
    LFV_NOT_FOUND,          /* 404, with ResourceId and ResourceType */
    LFV_QUOTA_EXCEEDED,     /* 402, with ResourceId, ResourceType, QuotaCode, ServiceCode */
    LFV_THROTTLING,         /* 429 */
    LFV_VALIDATION,         /* 400 */
    LFV_UNKNOWN_OPERATION,  /* 404: no operation has this method and path */
} lfv_error_code;

/* ResourceType values of the model. */
#define LFV_RESOURCE_PROJECT "PROJECT"
#define LFV_RESOURCE_DATASET "DATASET"
#define LFV_RESOURCE_MODEL "MODEL"
#define LFV_RESOURCE_MODEL_PACKAGE_JOB "MODEL_PACKAGE_JOB"

/* Fills response with the error; resource_id and resource_type are used by
 * the codes that carry them (NULL otherwise). */
void lfv_error(http_response *response, lfv_error_code code, const char *resource_id,
               const char *resource_type, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* A JSON success response; takes the reference to body. */
void lfv_json_response(http_response *response, int status, json_t *body);

#endif

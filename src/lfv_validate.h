/*
 * lfv_validate.h - the API model's constraints on input members (lengths,
 * patterns, enums, ranges, types), checked before a handler touches state:
 * botocore checks only `required` and `min`, so the server enforces the rest
 * and answers ValidationException.
 *
 * Every check returns 0 when the value is valid, else -1 with a sentence for
 * the client in msg (LFV_MSG_MAX bytes is always enough).
 */
#ifndef VIGIL_LFV_VALIDATE_H
#define VIGIL_LFV_VALIDATE_H

#include "http.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define LFV_MSG_MAX 512

/* A string shape of the model: length bounds in characters and the
 * pattern, which matches the whole value. */
typedef struct lfv_string_rule {
    const char *field;
    size_t min, max;
    int (*matches)(const char *value); /* NULL: any text */
    const char *pattern;               /* the model's pattern, quoted in messages */
} lfv_string_rule;

extern const lfv_string_rule LFV_RULE_PROJECT_NAME;
extern const lfv_string_rule LFV_RULE_DATASET_TYPE;
extern const lfv_string_rule LFV_RULE_CLIENT_TOKEN;
extern const lfv_string_rule LFV_RULE_NEXT_TOKEN;
extern const lfv_string_rule LFV_RULE_ANOMALY_CLASS;
extern const lfv_string_rule LFV_RULE_SOURCE_REF_CONTAINS;
extern const lfv_string_rule LFV_RULE_BUCKET;
extern const lfv_string_rule LFV_RULE_OBJECT_KEY;
extern const lfv_string_rule LFV_RULE_VERSION_ID;
extern const lfv_string_rule LFV_RULE_TAG_ARN;
extern const lfv_string_rule LFV_RULE_TAG_KEY;
extern const lfv_string_rule LFV_RULE_TAG_VALUE;

/* Characters (code points) of UTF-8 text, or (size_t)-1 when it is not
 * valid UTF-8. */
size_t lfv_utf8_length(const char *text);

int lfv_check_string(const lfv_string_rule *rule, const char *value, char *msg);

/* A tag key: the TagKey shape, and not in the reserved aws: namespace. */
int lfv_check_tag_key(const char *key, char *msg);

/* MaxResults from its query text (NULL: the default, 100), 1..100. */
int lfv_parse_max_results(const char *text, int *out, char *msg);

/* A query boolean: "true" or "false". */
int lfv_parse_bool(const char *field, const char *text, int *out, char *msg);

/* A query timestamp: ISO 8601 (2020-06-23T00:00:00Z, optional fraction
 * and offset) or epoch seconds; to epoch seconds. */
int lfv_parse_timestamp(const char *field, const char *text, double *out, char *msg);

/* The request's JSON body as an object (an empty body is {}); bad JSON or
 * any other type is a ValidationException. */
int lfv_parse_body(const http_request *request, json_t **out, char *msg);

/* A member of a JSON object that must be a string when present; *out is
 * NULL when absent and not required. */
int lfv_string_member(const json_t *object, const char *name, int required, const char **out,
                      char *msg);

/* Strict base64 (RFC 4648 with padding) into a malloc'ed buffer, plus a
 * NUL after the bytes. */
int lfv_base64_decode(const char *text, uint8_t **out, size_t *size, char *msg);

#endif

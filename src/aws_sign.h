/*
 * aws_sign.h - signs a client request with AWS Signature Version 4
 * (AWS4-HMAC-SHA256), as botocore does, through the canonicalisation the
 * server's verifier uses (sigv4_signature in sigv4.c).
 */
#ifndef VIGIL_AWS_SIGN_H
#define VIGIL_AWS_SIGN_H

#include "http.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define AWS_SIGN_MAX_HEADERS 16

/* The headers of a request being built; names as they will be sent. */
typedef struct aws_header_list {
    http_header headers[AWS_SIGN_MAX_HEADERS];
    size_t count;
} aws_header_list;

/* Adds a copy of name: value; 0 when full or out of memory. */
int aws_header_add(aws_header_list *list, const char *name, const char *value);
void aws_header_list_free(aws_header_list *list);

typedef struct aws_signing {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* or NULL */
    const char *region;
    const char *service;       /* "lookoutvision" */
    time_t now;
} aws_signing;

/* Adds X-Amz-Date (and X-Amz-Security-Token) to headers, then an
 * Authorization header signing every header in the list (Host must be
 * there) and the body's SHA-256.  path and query as they will be sent
 * (percent-encoded).  0 on failure. */
int aws_sign(const char *method, const char *path, const char *query, aws_header_list *headers,
             const uint8_t *body, size_t body_size, const aws_signing *signing);

#endif

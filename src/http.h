/*
 * http.h - a request and a response as every handler of `vigil serve` sees
 * them, independent of the HTTP library underneath (http_server.c).
 *
 * The server reads a whole request (within its size limits) before calling a
 * handler, into memory or, for an object's bytes, into a file (body_path);
 * a handler fills the response and returns.  Strings in a request
 * live until the handler returns; a response owns what it holds.
 */
#ifndef VIGIL_HTTP_H
#define VIGIL_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_RESPONSE_HEADERS 32

typedef struct http_header {
    char *name;
    char *value;
} http_header;

typedef struct http_request {
    const char *method;      /* "GET", "PUT", ... */
    const char *path;        /* as sent: percent-encoded, without the query */
    const char *query;       /* as sent, without the '?'; "" when none */
    const http_header *headers;
    size_t n_headers;
    const uint8_t *body;
    size_t body_size;
    const char *request_id;  /* a fresh id for x-amzn-RequestId / x-amz-request-id */
    /* An object's body may arrive in a file instead (body is then empty and
     * body_size its length), with its digests taken as it streamed in. */
    const char *body_path;
    const char *body_sha256;         /* 64 lower-case hex digits, or NULL */
    const unsigned char *body_md5;   /* 16 bytes, or NULL */
} http_request;

/* A header's value (names compare case-insensitively), or NULL. */
const char *http_request_header(const http_request *request, const char *name);

/* Decodes a query parameter (application/x-www-form-urlencoded rules, '+'
 * is a space); returns a malloc'ed string ("" for `?name` or `?name=`), or
 * NULL when absent. */
char *http_request_query_param(const http_request *request, const char *name);

typedef struct http_response {
    int status;
    http_header headers[HTTP_MAX_RESPONSE_HEADERS];
    size_t n_headers;
    uint8_t *body; /* malloc'ed, or NULL */
    size_t body_size;
} http_response;

/* Adds (or replaces) a header; copies both strings. */
void http_response_header(http_response *response, const char *name, const char *value);

/* Sets status, Content-Type and body; takes ownership of body (malloc'ed). */
void http_response_body(http_response *response, int status, const char *content_type,
                        uint8_t *body, size_t body_size);

/* The same with a copy of a NUL-terminated text. */
void http_response_text(http_response *response, int status, const char *content_type,
                        const char *text);

void http_response_free(http_response *response);

/* Percent-decodes src (a path segment or query value) into a malloc'ed
 * string; '+' becomes a space only when plus_is_space.  NULL on a bad
 * escape or an embedded NUL. */
char *http_percent_decode(const char *src, size_t length, int plus_is_space);

#endif

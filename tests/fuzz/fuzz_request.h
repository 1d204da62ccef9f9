/*
 * fuzz_request.h - an HTTP request from a fuzzer's bytes, for the targets
 * that exercise request handling without a socket:
 *
 *   METHOD SP TARGET LF
 *   NAME: VALUE LF        (any number)
 *   LF
 *   BODY
 *
 * The target is split at its first '?' into path and query.  Missing parts
 * are empty.  Header-only (static inline) like the unit tests' helpers.
 */
#ifndef VIGIL_FUZZ_REQUEST_H
#define VIGIL_FUZZ_REQUEST_H

#include "http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_HEADERS 32

typedef struct fuzz_request {
    http_request request;
    http_header headers[FUZZ_MAX_HEADERS];
    char *text; /* a NUL-terminated copy the strings point into */
} fuzz_request;

/* The next line of *p (its LF replaced by NUL), or NULL at the end. */
static inline char *fuzz_next_line(char **p, char *end)
{
    if (*p >= end)
        return NULL;
    char *line = *p, *lf = memchr(line, '\n', (size_t)(end - line));
    if (!lf)
        lf = end;
    *lf = '\0';
    *p = lf + 1;
    return line;
}

/* Fills r from data; 0 when out of memory.  Free with fuzz_request_free. */
static inline int fuzz_request_parse(const uint8_t *data, size_t size, fuzz_request *r)
{
    memset(r, 0, sizeof *r);
    r->text = malloc(size + 1);
    if (!r->text)
        return 0;
    memcpy(r->text, data, size);
    r->text[size] = '\0';
    char *p = r->text, *end = r->text + size;
    char *line = fuzz_next_line(&p, end);
    char *space = line ? strchr(line, ' ') : NULL;
    r->request.method = "GET";
    r->request.path = "/";
    r->request.query = "";
    if (space) {
        *space = '\0';
        r->request.method = line;
        char *target = space + 1, *question = strchr(target, '?');
        if (question) {
            *question = '\0';
            r->request.query = question + 1;
        }
        r->request.path = target;
    }
    while ((line = fuzz_next_line(&p, end)) && *line && r->request.n_headers < FUZZ_MAX_HEADERS) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        char *value = colon + 1;
        while (*value == ' ')
            value++;
        r->headers[r->request.n_headers].name = line;
        r->headers[r->request.n_headers].value = value;
        r->request.n_headers++;
    }
    r->request.headers = r->headers;
    r->request.body = (const uint8_t *)(p < end ? p : end);
    r->request.body_size = p < end ? (size_t)(end - p) : 0;
    r->request.request_id = "00000000-0000-4000-8000-000000000000";
    return 1;
}

static inline void fuzz_request_free(fuzz_request *r)
{
    free(r->text);
}

#endif

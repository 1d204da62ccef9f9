/*
 * http.c - the request and response helpers of http.h: header lookup,
 * query parameters, percent-decoding and building a response.
 *
 * Nothing here knows about the HTTP library: http_server.c fills a request
 * from libmicrohttpd and sends the response a handler built, so handlers and
 * their unit tests only ever see these plain structs.
 */
#include "http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *http_request_header(const http_request *request, const char *name)
{
    for (size_t i = 0; i < request->n_headers; i++)
        if (!strcasecmp(request->headers[i].name, name))
            return request->headers[i].value;
    return NULL;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *http_percent_decode(const char *src, size_t length, int plus_is_space)
{
    char *out = malloc(length + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < length; i++) {
        char c = src[i];
        if (c == '%') {
            int hi = i + 2 < length ? hex_value(src[i + 1]) : -1;
            int lo = i + 2 < length ? hex_value(src[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                free(out);
                return NULL;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        /* An embedded NUL would silently cut the C string short: refuse it
         * rather than let a handler act on a different name. */
        if (c == '\0') {
            free(out);
            return NULL;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    return out;
}

char *http_request_query_param(const http_request *request, const char *name)
{
    const char *query = request->query ? request->query : "";
    size_t name_length = strlen(name);
    while (*query) {
        size_t pair_length = strcspn(query, "&");
        const char *equals = memchr(query, '=', pair_length);
        size_t key_length = equals ? (size_t)(equals - query) : pair_length;
        char *key = http_percent_decode(query, key_length, 1);
        int match = key && strlen(key) == name_length && !memcmp(key, name, name_length);
        free(key);
        if (match) {
            if (!equals)
                return strdup("");
            /* The first occurrence wins; lists are read by handlers that
             * walk the query themselves. */
            return http_percent_decode(equals + 1, pair_length - key_length - 1, 1);
        }
        query += pair_length;
        if (*query == '&')
            query++;
    }
    return NULL;
}

void http_response_header(http_response *response, const char *name, const char *value)
{
    char *value_copy = strdup(value);
    if (!value_copy)
        return;
    for (size_t i = 0; i < response->n_headers; i++) {
        if (!strcasecmp(response->headers[i].name, name)) {
            free(response->headers[i].value);
            response->headers[i].value = value_copy;
            return;
        }
    }
    char *name_copy = strdup(name);
    /* A full table is a programming error in a handler (32 headers is far
     * more than any operation sends); dropping the header keeps the server
     * up, and the tests of that handler would show the missing header. */
    if (!name_copy || response->n_headers == HTTP_MAX_RESPONSE_HEADERS) {
        free(name_copy);
        free(value_copy);
        return;
    }
    response->headers[response->n_headers].name = name_copy;
    response->headers[response->n_headers].value = value_copy;
    response->n_headers++;
}

void http_response_body(http_response *response, int status, const char *content_type,
                        uint8_t *body, size_t body_size)
{
    free(response->body);
    response->status = status;
    response->body = body;
    response->body_size = body ? body_size : 0;
    if (content_type)
        http_response_header(response, "Content-Type", content_type);
}

void http_response_text(http_response *response, int status, const char *content_type,
                        const char *text)
{
    size_t length = strlen(text);
    uint8_t *copy = malloc(length + 1);
    if (copy)
        memcpy(copy, text, length + 1);
    http_response_body(response, copy ? status : 500, content_type, copy, copy ? length : 0);
}

void http_response_free(http_response *response)
{
    for (size_t i = 0; i < response->n_headers; i++) {
        free(response->headers[i].name);
        free(response->headers[i].value);
    }
    free(response->body);
    memset(response, 0, sizeof *response);
}

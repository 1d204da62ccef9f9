/*
 * client_http.h - one HTTP exchange of the `vigil lookoutvision` client,
 * over libcurl (HTTP or HTTPS).
 */
#ifndef VIGIL_CLIENT_HTTP_H
#define VIGIL_CLIENT_HTTP_H

#include "http.h"

#include <stddef.h>
#include <stdint.h>

typedef struct client_http_options {
    int verify_tls;          /* 0: --no-verify-ssl */
    const char *ca_bundle;   /* --ca-bundle, or NULL */
    long connect_timeout;    /* seconds; 0: libcurl's default */
    long read_timeout;       /* seconds without data before giving up; 0: none */
    int debug;               /* --debug: the exchange on stderr */
} client_http_options;

typedef struct client_http_response {
    long status;
    char *body;              /* NUL-terminated for convenience */
    size_t body_size;
    char *error_type;        /* x-amzn-ErrorType, or NULL */
} client_http_response;

/* Sends the request; 0 with *error set (a sentence) when no response came
 * back (connection refused, TLS failure, timeout). */
int client_http_send(const char *method, const char *url, const http_header *headers,
                     size_t n_headers, const uint8_t *body, size_t body_size,
                     const client_http_options *options, client_http_response *response,
                     char *error, size_t error_size);
void client_http_response_free(client_http_response *response);

#endif

/*
 * http_server.h - the HTTP front of `vigil serve`: listens, reads each
 * request whole within its limits, authenticates it and hands it to the
 * Lookout for Vision API (lfv_handle) or the S3 endpoint (s3_handle).
 *
 * The library underneath (libmicrohttpd) stays inside http_server.c;
 * http_server_dispatch is the part after reading, exposed so it can be
 * exercised without a socket.
 */
#ifndef VIGIL_HTTP_SERVER_H
#define VIGIL_HTTP_SERVER_H

#include "http.h"
#include "http_guard.h"
#include "service.h"
#include "vigil.h"

#include <stdint.h>

/* Request limits besides service.max_body_bytes: longer URLs are answered
 * 414, larger header sections 431. */
#define HTTP_SERVER_MAX_URL_BYTES 8192
#define HTTP_SERVER_MAX_HEADER_BYTES 16384

/* The API's path prefix: everything under it goes to lfv_handle. */
#define HTTP_SERVER_API_PREFIX "/2020-11-20/"

typedef struct http_server http_server;

/* Starts serving on host:port (port 0 picks a free one) within the
 * connection limits and deadlines (http_guard.h); svc must outlive the
 * server. */
vgl_status http_server_start(const service *svc, const char *host, uint16_t port,
                             const http_guard_limits *limits, http_server **out,
                             vgl_error *err);

/* The port actually bound. */
uint16_t http_server_port(const http_server *server);

/* Stops accepting, finishes the requests in flight, frees the server. */
void http_server_stop(http_server *server);

/* Health check, query check, authentication, routing and the request-id
 * headers for one fully read request (of a known method: the server refuses
 * others before reading their body). */
void http_server_dispatch(const service *svc, const http_request *request,
                          http_response *response);

#endif

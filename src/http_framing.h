/*
 * http_framing.h - whether a request says unambiguously where its body
 * ends (RFC 9112, sections 3.2 and 6).
 *
 * A request a proxy in front could read one way and this server another is
 * the shape of request smuggling, so these are refused before anything
 * else and the connection is closed:
 *  - Content-Length together with Transfer-Encoding (400);
 *  - a transfer coding other than a single "chunked" (501), or any
 *    Transfer-Encoding in an HTTP/1.0 request (400);
 *  - Content-Length headers (or list members) that differ, or are not
 *    decimal digits (400);
 *  - HTTP/1.1 without exactly one Host header (400).
 */
#ifndef VIGIL_HTTP_FRAMING_H
#define VIGIL_HTTP_FRAMING_H

#include "http.h"

#include <stddef.h>

/* 0 when the framing is sound; else the status to answer (400 or 501),
 * with a sentence for the client in message. */
int http_framing_check(const http_header *headers, size_t n_headers, const char *version,
                       char *message, size_t message_size);

#endif

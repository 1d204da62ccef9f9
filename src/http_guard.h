/*
 * http_guard.h - what keeps one client from holding the HTTP server.
 *
 * Every connection is known from its accept to its close, with the phase it
 * is in:
 *  - awaiting a request's header section: it must arrive whole within
 *    header_seconds of the connection's start or of the previous answer
 *    (so an idle keep-alive connection closes after that long too), however
 *    slowly its bytes trickle in;
 *  - receiving a body: after BODY_GRACE_SECONDS its average rate must stay
 *    above min_body_rate bytes a second;
 *  - being answered: no deadline (a detection may wait for its model).
 * A watchdog thread shuts down (shutdown(2)) the connections past their
 * deadline; libmicrohttpd then sees the end of the stream and closes them.
 *
 * Request bodies are held in memory while they arrive; together they may
 * take at most body_memory bytes, and a request whose body would pass that
 * is refused (retryable) before its body is read.
 *
 * Connections beyond max_connections, or beyond max_per_client from one
 * address, are still accepted (up to a margin, past which libmicrohttpd
 * drops them unanswered, http_guard_*_margin) so that their request can be
 * refused in the format its client reads: 503 SlowDown on S3, 429
 * ThrottlingException on the API.
 */
#ifndef VIGIL_HTTP_GUARD_H
#define VIGIL_HTTP_GUARD_H

#include <stddef.h>
#include <sys/socket.h>

/* A body must average min_body_rate bytes a second after this long. */
#define BODY_GRACE_SECONDS 10

typedef struct http_guard_limits {
    unsigned max_connections; /* served at once */
    unsigned max_per_client;  /* served at once from one client address */
    unsigned header_seconds;  /* for a whole header section */
    unsigned min_body_rate;   /* bytes a second, 0: none */
    size_t body_memory;       /* bytes of request bodies held at once */
} http_guard_limits;

typedef struct http_guard http_guard;
typedef struct guard_connection guard_connection;

/* Starts the watchdog; NULL when out of memory or threads. */
http_guard *http_guard_create(const http_guard_limits *limits);
void http_guard_free(http_guard *guard);

/* How many connections past the limits libmicrohttpd should accept (to
 * refuse them with an answer) before dropping further ones. */
unsigned http_guard_total_margin(const http_guard_limits *limits);
unsigned http_guard_client_margin(const http_guard_limits *limits);

/* A connection accepted on socket fd from addr; NULL when out of memory
 * (the connection is then not watched). */
guard_connection *http_guard_opened(http_guard *guard, int fd, const struct sockaddr *addr,
                                    socklen_t addr_length);
void http_guard_closed(http_guard *guard, guard_connection *connection);

/* Phase changes: the header section is in, body bytes arrived, the request
 * is being answered, the answer is sent (awaiting the next request). */
void http_guard_headers_received(http_guard *guard, guard_connection *connection);
void http_guard_body_received(http_guard *guard, guard_connection *connection, size_t bytes);
void http_guard_answering(http_guard *guard, guard_connection *connection);
void http_guard_answered(http_guard *guard, guard_connection *connection);

/* Reserves bytes of the body budget; 0 (nothing reserved) when they do
 * not fit.  Every reservation is given back with http_guard_release. */
int http_guard_reserve(http_guard *guard, size_t bytes);
void http_guard_release(http_guard *guard, size_t bytes);

/* Whether the connection came in over a limit; message says which. */
int http_guard_over_limit(const guard_connection *connection, char *message, size_t size);

#endif

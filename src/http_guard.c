/*
 * http_guard.c - connection deadlines and limits; see http_guard.h.
 *
 * The connections are a list under one mutex.  libmicrohttpd reports a
 * connection's close before it closes the socket, and the list entry goes
 * under the same mutex the watchdog holds while it shuts sockets down, so
 * the watchdog never touches a descriptor that may have been reused.
 */
#include "http_guard.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How often the watchdog looks. */
#define WATCH_INTERVAL_MS 250

typedef enum phase { AWAITING_HEADERS, RECEIVING_BODY, ANSWERING, DEADLINE_PASSED } phase;

struct guard_connection {
    guard_connection *prev, *next;
    int fd;
    struct sockaddr_storage address;
    socklen_t address_length;
    phase phase;
    double since;    /* when the phase began (monotonic seconds) */
    size_t received; /* body bytes in this phase */
    int over_limit;  /* 0, or 1: too many in all, 2: too many from its address */
};

struct http_guard {
    http_guard_limits limits;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t watchdog;
    int stopping;
    guard_connection *head;
    unsigned count;
    size_t body_bytes; /* reserved by bodies in flight */
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The client's address without its port: IPv4 and IPv6 (mapped included). */
static int same_client(const guard_connection *a, const struct sockaddr_storage *b)
{
    if (a->address.ss_family != b->ss_family)
        return 0;
    if (b->ss_family == AF_INET)
        return !memcmp(&((const struct sockaddr_in *)&a->address)->sin_addr,
                       &((const struct sockaddr_in *)b)->sin_addr, sizeof(struct in_addr));
    if (b->ss_family == AF_INET6)
        return !memcmp(&((const struct sockaddr_in6 *)&a->address)->sin6_addr,
                       &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
    return 0;
}

/* Whether c has outlived its phase's deadline at `now`. */
static int past_deadline(const http_guard *g, const guard_connection *c, double now)
{
    double elapsed = now - c->since;
    if (c->phase == AWAITING_HEADERS)
        return elapsed > g->limits.header_seconds;
    if (c->phase == RECEIVING_BODY && g->limits.min_body_rate && elapsed > BODY_GRACE_SECONDS)
        return (double)c->received < elapsed * g->limits.min_body_rate;
    return 0;
}

static void *watch(void *arg)
{
    http_guard *g = arg;
    pthread_mutex_lock(&g->lock);
    while (!g->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += WATCH_INTERVAL_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&g->wake, &g->lock, &until);
        double now = now_seconds();
        for (guard_connection *c = g->head; c && !g->stopping; c = c->next)
            if (c->phase != DEADLINE_PASSED && past_deadline(g, c, now)) {
                /* the connection's own thread sees the end and closes it */
                shutdown(c->fd, SHUT_RDWR);
                c->phase = DEADLINE_PASSED;
            }
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

http_guard *http_guard_create(const http_guard_limits *limits)
{
    http_guard *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->limits = *limits;
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->wake, NULL);
    if (pthread_create(&g->watchdog, NULL, watch, g) != 0) {
        pthread_mutex_destroy(&g->lock);
        pthread_cond_destroy(&g->wake);
        free(g);
        return NULL;
    }
    return g;
}

void http_guard_free(http_guard *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->lock);
    g->stopping = 1;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->lock);
    pthread_join(g->watchdog, NULL);
    while (g->head) {
        guard_connection *c = g->head;
        g->head = c->next;
        free(c);
    }
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->wake);
    free(g);
}

unsigned http_guard_total_margin(const http_guard_limits *limits)
{
    return limits->max_connections / 4 + 16;
}

unsigned http_guard_client_margin(const http_guard_limits *limits)
{
    (void)limits;
    return 8;
}

guard_connection *http_guard_opened(http_guard *g, int fd, const struct sockaddr *addr,
                                    socklen_t addr_length)
{
    guard_connection *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    if (addr && addr_length <= sizeof c->address) {
        memcpy(&c->address, addr, addr_length);
        c->address_length = addr_length;
    }
    c->phase = AWAITING_HEADERS;
    c->since = now_seconds();
    pthread_mutex_lock(&g->lock);
    unsigned same = 0;
    for (const guard_connection *o = g->head; o; o = o->next)
        same += !o->over_limit && same_client(o, &c->address);
    if (g->count >= g->limits.max_connections)
        c->over_limit = 1;
    else if (same >= g->limits.max_per_client)
        c->over_limit = 2;
    c->next = g->head;
    if (g->head)
        g->head->prev = c;
    g->head = c;
    g->count += !c->over_limit;
    pthread_mutex_unlock(&g->lock);
    return c;
}

void http_guard_closed(http_guard *g, guard_connection *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        g->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    g->count -= !c->over_limit;
    pthread_mutex_unlock(&g->lock);
    free(c);
}

static void enter(http_guard *g, guard_connection *c, phase p)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->lock);
    if (c->phase != DEADLINE_PASSED) {
        c->phase = p;
        c->since = now_seconds();
        c->received = 0;
    }
    pthread_mutex_unlock(&g->lock);
}

void http_guard_headers_received(http_guard *g, guard_connection *c)
{
    enter(g, c, RECEIVING_BODY);
}

void http_guard_body_received(http_guard *g, guard_connection *c, size_t bytes)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->lock);
    c->received += bytes;
    pthread_mutex_unlock(&g->lock);
}

void http_guard_answering(http_guard *g, guard_connection *c)
{
    enter(g, c, ANSWERING);
}

void http_guard_answered(http_guard *g, guard_connection *c)
{
    enter(g, c, AWAITING_HEADERS);
}

int http_guard_reserve(http_guard *g, size_t bytes)
{
    pthread_mutex_lock(&g->lock);
    int fits = bytes <= g->limits.body_memory - g->body_bytes;
    if (fits)
        g->body_bytes += bytes;
    pthread_mutex_unlock(&g->lock);
    return fits;
}

void http_guard_release(http_guard *g, size_t bytes)
{
    pthread_mutex_lock(&g->lock);
    g->body_bytes -= bytes;
    pthread_mutex_unlock(&g->lock);
}

int http_guard_over_limit(const guard_connection *c, char *message, size_t size)
{
    if (!c || !c->over_limit)
        return 0;
    snprintf(message, size, "%s", c->over_limit == 1
                                      ? "The server is serving as many connections as it may; "
                                        "retry later."
                                      : "This client address has as many connections open as "
                                        "it may; retry later or reuse a connection.");
    return 1;
}

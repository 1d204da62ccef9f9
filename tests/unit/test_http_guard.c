/*
 * test_http_guard.c - connection deadlines and limits on socket pairs: a
 * connection whose header section does not arrive in time is shut down
 * (its peer reads the end of the stream); one that received its headers
 * and is being answered is not; a body below the minimum rate after the
 * grace period is shut down; connections past the total cap and past the
 * per-address cap are marked over the limit, others not; the body budget
 * reserves and gives back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "http_guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Whether the peer of a watched socket sees the end within ms. */
static int peer_closed_within(int peer, int ms)
{
    struct pollfd p = {peer, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0)
        return 0;
    char byte;
    return read(peer, &byte, 1) == 0;
}

static struct sockaddr_in address(const char *ip)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static void test_header_deadline(void **state)
{
    (void)state;
    http_guard_limits limits = {16, 16, 1, 0, 1 << 20};
    http_guard *g = http_guard_create(&limits);
    assert_non_null(g);
    int slow[2], answered[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, slow), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, answered), 0);
    struct sockaddr_in a = address("10.0.0.1");
    guard_connection *c1 = http_guard_opened(g, slow[0], (struct sockaddr *)&a, sizeof a);
    guard_connection *c2 = http_guard_opened(g, answered[0], (struct sockaddr *)&a, sizeof a);
    http_guard_headers_received(g, c2);
    http_guard_answering(g, c2);
    assert_true(peer_closed_within(slow[1], 3000));
    assert_false(peer_closed_within(answered[1], 500));
    http_guard_closed(g, c1);
    http_guard_closed(g, c2);
    http_guard_free(g);
    close(slow[0]), close(slow[1]), close(answered[0]), close(answered[1]);
}

static void test_body_rate(void **state)
{
    (void)state;
    /* the grace period is BODY_GRACE_SECONDS; a body of 0 bytes fails any rate after it */
    http_guard_limits limits = {16, 16, 60, 1000000, 1 << 20};
    http_guard *g = http_guard_create(&limits);
    int pair[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    struct sockaddr_in a = address("10.0.0.1");
    guard_connection *c = http_guard_opened(g, pair[0], (struct sockaddr *)&a, sizeof a);
    http_guard_headers_received(g, c);
    http_guard_body_received(g, c, 10);
    assert_false(peer_closed_within(pair[1], 1000));
    assert_true(peer_closed_within(pair[1], (BODY_GRACE_SECONDS + 2) * 1000));
    http_guard_closed(g, c);
    http_guard_free(g);
    close(pair[0]), close(pair[1]);
}

static void test_limits(void **state)
{
    (void)state;
    http_guard_limits limits = {3, 2, 60, 0, 100};
    http_guard *g = http_guard_create(&limits);
    struct sockaddr_in a = address("10.0.0.1"), b = address("10.0.0.2");
    char message[200];
    guard_connection *c[5];
    c[0] = http_guard_opened(g, -1, (struct sockaddr *)&a, sizeof a);
    c[1] = http_guard_opened(g, -1, (struct sockaddr *)&a, sizeof a);
    c[2] = http_guard_opened(g, -1, (struct sockaddr *)&a, sizeof a); /* third from a */
    c[3] = http_guard_opened(g, -1, (struct sockaddr *)&b, sizeof b);
    c[4] = http_guard_opened(g, -1, (struct sockaddr *)&b, sizeof b); /* fourth in all */
    assert_false(http_guard_over_limit(c[0], message, sizeof message));
    assert_false(http_guard_over_limit(c[1], message, sizeof message));
    assert_true(http_guard_over_limit(c[2], message, sizeof message));
    assert_non_null(strstr(message, "client address"));
    assert_false(http_guard_over_limit(c[3], message, sizeof message));
    assert_true(http_guard_over_limit(c[4], message, sizeof message));
    assert_non_null(strstr(message, "as many connections"));
    /* a slot freed is taken by the next connection */
    http_guard_closed(g, c[0]);
    guard_connection *next = http_guard_opened(g, -1, (struct sockaddr *)&b, sizeof b);
    assert_false(http_guard_over_limit(next, message, sizeof message));
    for (int i = 1; i < 5; i++)
        http_guard_closed(g, c[i]);
    http_guard_closed(g, next);
    /* the body budget */
    assert_true(http_guard_reserve(g, 60));
    assert_false(http_guard_reserve(g, 41));
    assert_true(http_guard_reserve(g, 40));
    http_guard_release(g, 60);
    assert_true(http_guard_reserve(g, 60));
    http_guard_release(g, 100);
    http_guard_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_deadline),
        cmocka_unit_test(test_body_rate),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

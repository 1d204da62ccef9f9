/*
 * test_http_framing.c - the request framing rules: a plain request, one
 * with a body by length and one chunked pass; Content-Length with
 * Transfer-Encoding, two different lengths, a malformed or empty length,
 * an HTTP/1.1 request with no or two Host headers, Transfer-Encoding in
 * HTTP/1.0 are 400; gzip, a repeated chunked and "chunked, gzip" are 501;
 * equal repeated lengths and an HTTP/1.0 request without Host pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "http_framing.h"

#include <string.h>

static int check(const char *version, const char *const *pairs)
{
    http_header headers[8];
    size_t n = 0;
    for (; pairs[2 * n]; n++)
        headers[n] = (http_header){(char *)pairs[2 * n], (char *)pairs[2 * n + 1]};
    char message[200] = "";
    int status = http_framing_check(headers, n, version, message, sizeof message);
    if (status)
        assert_true(strlen(message) > 10);
    return status;
}

#define HEADERS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_sound(void **state)
{
    (void)state;
    assert_int_equal(check("HTTP/1.1", HEADERS("Host", "h")), 0);
    assert_int_equal(check("HTTP/1.1", HEADERS("Host", "h", "Content-Length", "12")), 0);
    assert_int_equal(check("HTTP/1.1", HEADERS("Host", "h", "transfer-encoding", " Chunked ")), 0);
    assert_int_equal(check("HTTP/1.1", HEADERS("Host", "h", "Content-Length", "5",
                                               "content-length", "5")), 0);
    assert_int_equal(check("HTTP/1.1", HEADERS("Host", "h", "Content-Length", "5, 5")), 0);
    assert_int_equal(check("HTTP/1.0", HEADERS("Content-Length", "3")), 0);
}

static void test_refused_400(void **state)
{
    (void)state;
    assert_int_equal(check("HTTP/1.1", HEADERS("Host", "h", "Content-Length", "5",
                                               "Transfer-Encoding", "chunked")), 400);
    assert_int_equal(check("HTTP/1.1", HEADERS("Host", "h", "Content-Length", "5",
                                               "Content-Length", "6")), 400);
    assert_int_equal(check("HTTP/1.1", HEADERS("Host", "h", "Content-Length", "5, 6")), 400);
    assert_int_equal(check("HTTP/1.1", HEADERS("Host", "h", "Content-Length", "-5")), 400);
    assert_int_equal(check("HTTP/1.1", HEADERS("Host", "h", "Content-Length", "")), 400);
    assert_int_equal(check("HTTP/1.1", HEADERS("Content-Length", "5")), 400);
    assert_int_equal(check("HTTP/1.1", HEADERS("Host", "a", "Host", "b")), 400);
    assert_int_equal(check("HTTP/1.0", HEADERS("Transfer-Encoding", "chunked")), 400);
}

static void test_refused_501(void **state)
{
    (void)state;
    assert_int_equal(check("HTTP/1.1", HEADERS("Host", "h", "Transfer-Encoding", "gzip, chunked")),
                     501);
    assert_int_equal(check("HTTP/1.1", HEADERS("Host", "h", "Transfer-Encoding", "gzip")), 501);
    assert_int_equal(check("HTTP/1.1", HEADERS("Host", "h", "Transfer-Encoding", "chunked",
                                               "Transfer-Encoding", "chunked")), 501);
    assert_int_equal(check("HTTP/1.1", HEADERS("Host", "h", "Transfer-Encoding", "chunked, gzip")),
                     501);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sound),
        cmocka_unit_test(test_refused_400),
        cmocka_unit_test(test_refused_501),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_http.c - the request and response helpers every handler of `vigil
 * serve` uses (http.c): query parameters and percent-decoding, header
 * lookup, response headers and body ownership. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"

static http_request request_with_query(const char *query)
{
    http_request request;
    memset(&request, 0, sizeof request);
    request.method = "GET";
    request.path = "/";
    request.query = query;
    return request;
}

/* Checks a parameter's decoded value (NULL: absent). */
static void assert_param(const char *query, const char *name, const char *expected)
{
    http_request request = request_with_query(query);
    char *value = http_request_query_param(&request, name);
    if (!expected) {
        assert_null(value);
        return;
    }
    assert_non_null(value);
    assert_string_equal(value, expected);
    free(value);
}

static void test_query_plain_and_absent(void **state)
{
    (void)state;
    assert_param("maxResults=50&nextToken=abc", "maxResults", "50");
    assert_param("maxResults=50&nextToken=abc", "nextToken", "abc");
    assert_param("maxResults=50&nextToken=abc", "next", NULL);
    assert_param("maxResults=50", "maxResults=50", NULL);
    assert_param("", "a", NULL);
    http_request no_query = request_with_query(NULL);
    assert_null(http_request_query_param(&no_query, "a"));
}

static void test_query_decoding(void **state)
{
    (void)state;
    assert_param("q=a+b", "q", "a b");
    assert_param("q=a%2Bb", "q", "a+b");
    assert_param("q=%2fx%2F", "q", "/x/");
    assert_param("q=caf%C3%A9", "q", "caf\xc3\xa9");
    /* Keys are decoded before they are compared. */
    assert_param("source%2Dref=x&a+b=y", "source-ref", "x");
    assert_param("source%2Dref=x&a+b=y", "a b", "y");
    /* '=' inside a value belongs to the value (base64 tokens end in '='). */
    assert_param("nextToken=eyJvIjo1MH0=", "nextToken", "eyJvIjo1MH0=");
}

static void test_query_bad_escapes(void **state)
{
    (void)state;
    assert_param("q=%", "q", NULL);
    assert_param("q=%4", "q", NULL);
    assert_param("q=%zz", "q", NULL);
    assert_param("q=a%00b", "q", NULL);
    /* A bad escape elsewhere does not hide a good parameter. */
    assert_param("bad=%G0&q=1", "q", "1");
}

static void test_query_repeated_and_empty(void **state)
{
    (void)state;
    assert_param("tagKeys=a&tagKeys=b", "tagKeys", "a");
    assert_param("labeled&x=1", "labeled", "");
    assert_param("labeled=&x=1", "labeled", "");
    assert_param("x=1&&labeled", "labeled", "");
    assert_param("x=1&", "x", "1");
}

static void test_percent_decode(void **state)
{
    (void)state;
    char *decoded = http_percent_decode("a+b%20c", 7, 0);
    assert_string_equal(decoded, "a+b c");
    free(decoded);
    decoded = http_percent_decode("a+b%20c", 7, 1);
    assert_string_equal(decoded, "a b c");
    free(decoded);
    /* Only `length` bytes are read: "%41" cut after "%4" is a bad escape. */
    assert_null(http_percent_decode("x%41", 3, 0));
    decoded = http_percent_decode("x%41yz", 4, 0);
    assert_string_equal(decoded, "xA");
    free(decoded);
    decoded = http_percent_decode("", 0, 1);
    assert_string_equal(decoded, "");
    free(decoded);
    /* The tags operations' ARN arrives as one segment with %3A and %2F. */
    const char *arn = "arn%3Aaws%3Alookoutvision%3Aus-east-1%3A123456789012%3Amodel%2Fp%2F1";
    decoded = http_percent_decode(arn, strlen(arn), 0);
    assert_string_equal(decoded, "arn:aws:lookoutvision:us-east-1:123456789012:model/p/1");
    free(decoded);
}

static void test_header_lookup(void **state)
{
    (void)state;
    http_header headers[] = {{"Content-Type", "image/png"},
                             {"X-Amz-Date", "20240101T000000Z"},
                             {"x-amz-date", "second"}};
    http_request request = request_with_query("");
    request.headers = headers;
    request.n_headers = 3;
    assert_string_equal(http_request_header(&request, "content-type"), "image/png");
    assert_string_equal(http_request_header(&request, "CONTENT-TYPE"), "image/png");
    /* The first of repeated headers is the one returned. */
    assert_string_equal(http_request_header(&request, "x-amz-date"), "20240101T000000Z");
    assert_null(http_request_header(&request, "Authorization"));
    assert_null(http_request_header(&request, "Content-Typ"));
}

static void test_response_headers(void **state)
{
    (void)state;
    http_response response;
    memset(&response, 0, sizeof response);
    http_response_header(&response, "ETag", "\"a\"");
    http_response_header(&response, "x-amzn-RequestId", "1");
    http_response_header(&response, "etag", "\"b\"");
    assert_int_equal(response.n_headers, 2);
    /* Replacing keeps the first spelling of the name and its place. */
    assert_string_equal(response.headers[0].name, "ETag");
    assert_string_equal(response.headers[0].value, "\"b\"");
    /* A full table drops further headers instead of overflowing. */
    char name[16];
    for (int i = 0; i < HTTP_MAX_RESPONSE_HEADERS + 4; i++) {
        snprintf(name, sizeof name, "x-h-%d", i);
        http_response_header(&response, name, "v");
    }
    assert_int_equal(response.n_headers, HTTP_MAX_RESPONSE_HEADERS);
    /* ...but replacing one still works. */
    http_response_header(&response, "ETag", "\"c\"");
    assert_string_equal(response.headers[0].value, "\"c\"");
    http_response_free(&response);
    assert_int_equal(response.n_headers, 0);
}

static void test_response_body_ownership(void **state)
{
    (void)state;
    http_response response;
    memset(&response, 0, sizeof response);
    http_response_text(&response, 200, "application/json", "{}");
    assert_int_equal(response.status, 200);
    assert_int_equal(response.body_size, 2);
    assert_memory_equal(response.body, "{}", 2);
    /* A second body replaces (and frees) the first; the response owns it. */
    uint8_t *png = malloc(4);
    memcpy(png, "\x89PNG", 4);
    http_response_body(&response, 201, "image/png", png, 4);
    assert_ptr_equal(response.body, png);
    assert_int_equal(response.status, 201);
    assert_int_equal(response.n_headers, 1);
    assert_string_equal(response.headers[0].value, "image/png");
    /* No body and no content type: the header stays as it was. */
    http_response_body(&response, 204, NULL, NULL, 17);
    assert_null(response.body);
    assert_int_equal(response.body_size, 0);
    assert_int_equal(response.status, 204);
    assert_string_equal(response.headers[0].value, "image/png");
    http_response_free(&response);
    assert_null(response.body);
    assert_int_equal(response.status, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_plain_and_absent),
        cmocka_unit_test(test_query_decoding),
        cmocka_unit_test(test_query_bad_escapes),
        cmocka_unit_test(test_query_repeated_and_empty),
        cmocka_unit_test(test_percent_decode),
        cmocka_unit_test(test_header_lookup),
        cmocka_unit_test(test_response_headers),
        cmocka_unit_test(test_response_body_ownership),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

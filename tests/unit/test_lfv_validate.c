/* test_lfv_validate.c - the API model's member constraints as the server
 * enforces them: names, tokens, MaxResults, tags (aws: keys, any script,
 * no control characters), query booleans and timestamps, JSON bodies and
 * base64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lfv_validate.h"

static int check(const lfv_string_rule *rule, const char *value)
{
    char msg[LFV_MSG_MAX];
    return lfv_check_string(rule, value, msg);
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    memset(s, c, n);
    s[n] = 0;
    return s;
}

static void test_project_name(void **state)
{
    (void)state;
    assert_int_equal(check(&LFV_RULE_PROJECT_NAME, "cookies"), 0);
    assert_int_equal(check(&LFV_RULE_PROJECT_NAME, "A1_b-2"), 0);
    assert_int_equal(check(&LFV_RULE_PROJECT_NAME, ""), -1);
    assert_int_equal(check(&LFV_RULE_PROJECT_NAME, "-dash"), -1);
    assert_int_equal(check(&LFV_RULE_PROJECT_NAME, "_under"), -1);
    assert_int_equal(check(&LFV_RULE_PROJECT_NAME, "with space"), -1);
    assert_int_equal(check(&LFV_RULE_PROJECT_NAME, "caf\xc3\xa9"), -1);
    char *name = repeat('a', 255);
    assert_int_equal(check(&LFV_RULE_PROJECT_NAME, name), 0);
    free(name);
    name = repeat('a', 256);
    char msg[LFV_MSG_MAX];
    assert_int_equal(lfv_check_string(&LFV_RULE_PROJECT_NAME, name, msg), -1);
    assert_non_null(strstr(msg, "less than or equal to 255"));
    free(name);
}

static void test_enums_and_tokens(void **state)
{
    (void)state;
    assert_int_equal(check(&LFV_RULE_DATASET_TYPE, "train"), 0);
    assert_int_equal(check(&LFV_RULE_DATASET_TYPE, "test"), 0);
    assert_int_equal(check(&LFV_RULE_DATASET_TYPE, "trains"), -1);
    assert_int_equal(check(&LFV_RULE_ANOMALY_CLASS, "normal"), 0);
    assert_int_equal(check(&LFV_RULE_ANOMALY_CLASS, "Normal"), -1);
    assert_int_equal(check(&LFV_RULE_CLIENT_TOKEN, "0b9c1f7e-1234-4abc-8def-0123456789ab"), 0);
    assert_int_equal(check(&LFV_RULE_CLIENT_TOKEN, "bad_token"), -1);
    char *token = repeat('a', 65);
    assert_int_equal(check(&LFV_RULE_CLIENT_TOKEN, token), -1);
    free(token);
    assert_int_equal(check(&LFV_RULE_NEXT_TOKEN, "eyJjIjoiMTAifQ=="), 0);
    assert_int_equal(check(&LFV_RULE_NEXT_TOKEN, "a b"), -1);
    token = repeat('a', 2049);
    assert_int_equal(check(&LFV_RULE_NEXT_TOKEN, token), -1);
    free(token);
    assert_int_equal(check(&LFV_RULE_SOURCE_REF_CONTAINS, "IMG_17"), 0);
    assert_int_equal(check(&LFV_RULE_SOURCE_REF_CONTAINS, "   "), -1);
    assert_int_equal(check(&LFV_RULE_BUCKET, "my-bucket.1"), 0);
    assert_int_equal(check(&LFV_RULE_BUCKET, "ab"), -1);
    assert_int_equal(check(&LFV_RULE_OBJECT_KEY, "cookies/train.manifest"), 0);
    assert_int_equal(check(&LFV_RULE_OBJECT_KEY, "/leading"), -1);
    assert_int_equal(check(&LFV_RULE_OBJECT_KEY, "sp ace"), -1);
}

static void test_max_results(void **state)
{
    (void)state;
    char msg[LFV_MSG_MAX];
    int value;
    assert_int_equal(lfv_parse_max_results(NULL, &value, msg), 0);
    assert_int_equal(value, 100);
    assert_int_equal(lfv_parse_max_results("1", &value, msg), 0);
    assert_int_equal(value, 1);
    assert_int_equal(lfv_parse_max_results("100", &value, msg), 0);
    assert_int_equal(lfv_parse_max_results("0", &value, msg), -1);
    assert_int_equal(lfv_parse_max_results("101", &value, msg), -1);
    assert_int_equal(lfv_parse_max_results("ten", &value, msg), -1);
    assert_int_equal(lfv_parse_max_results("", &value, msg), -1);
}

static void test_tags(void **state)
{
    (void)state;
    char msg[LFV_MSG_MAX];
    assert_int_equal(lfv_check_tag_key("team:vision/a=b+c-d@e_f.g", msg), 0);
    assert_int_equal(lfv_check_tag_key("with space", msg), 0);
    assert_int_equal(lfv_check_tag_key("\xe6\x97\xa5\xe6\x9c\xac", msg), 0); /* 日本 */
    assert_int_equal(lfv_check_tag_key("aws:reserved", msg), -1);
    assert_int_equal(lfv_check_tag_key("AWS:reserved", msg), -1);
    assert_int_equal(lfv_check_tag_key("", msg), -1);
    assert_int_equal(lfv_check_tag_key("star*", msg), -1);
    assert_int_equal(lfv_check_tag_key("tab\there", msg), -1);
    assert_int_equal(lfv_check_tag_key("\xc2\x85", msg), -1);  /* C1 control */
    assert_int_equal(lfv_check_tag_key("\xff", msg), -1);      /* not UTF-8 */
    assert_int_equal(check(&LFV_RULE_TAG_VALUE, ""), 0);
    char *value = repeat('v', 257);
    assert_int_equal(check(&LFV_RULE_TAG_VALUE, value), -1);
    value[256] = 0;
    assert_int_equal(check(&LFV_RULE_TAG_VALUE, value), 0);
    free(value);
}

static void test_utf8_length(void **state)
{
    (void)state;
    assert_int_equal(lfv_utf8_length("abc"), 3);
    assert_int_equal(lfv_utf8_length("\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80"), 3);
    assert_int_equal(lfv_utf8_length("\xc0\xaf"), (size_t)-1);     /* overlong */
    assert_int_equal(lfv_utf8_length("\xed\xa0\x80"), (size_t)-1); /* surrogate */
    assert_int_equal(lfv_utf8_length("\xe6\x97"), (size_t)-1);     /* truncated */
}

static void test_query_values(void **state)
{
    (void)state;
    char msg[LFV_MSG_MAX];
    int flag;
    assert_int_equal(lfv_parse_bool("labeled", "true", &flag, msg), 0);
    assert_int_equal(flag, 1);
    assert_int_equal(lfv_parse_bool("labeled", "false", &flag, msg), 0);
    assert_int_equal(flag, 0);
    assert_int_equal(lfv_parse_bool("labeled", "yes", &flag, msg), -1);
    double t;
    assert_int_equal(lfv_parse_timestamp("t", "2020-06-23T00:00:00Z", &t, msg), 0);
    assert_true(t == 1592870400.0);
    assert_int_equal(lfv_parse_timestamp("t", "2020-06-23T00:00:00.5Z", &t, msg), 0);
    assert_true(t == 1592870400.5);
    assert_int_equal(lfv_parse_timestamp("t", "2020-06-23T02:00:00+02:00", &t, msg), 0);
    assert_true(t == 1592870400.0);
    assert_int_equal(lfv_parse_timestamp("t", "1592870400", &t, msg), 0);
    assert_true(t == 1592870400.0);
    assert_int_equal(lfv_parse_timestamp("t", "yesterday", &t, msg), -1);
    assert_int_equal(lfv_parse_timestamp("t", "2020-13-01T00:00:00Z", &t, msg), -1);
}

static http_request body_request(const char *body)
{
    http_request r = {.method = "POST", .path = "/", .query = "", .body = (const uint8_t *)body,
                      .body_size = strlen(body)};
    return r;
}

static void test_json_body(void **state)
{
    (void)state;
    char msg[LFV_MSG_MAX];
    json_t *body;
    http_request r = body_request("");
    assert_int_equal(lfv_parse_body(&r, &body, msg), 0);
    assert_true(json_is_object(body));
    json_decref(body);
    r = body_request("{\"ProjectName\": ");
    assert_int_equal(lfv_parse_body(&r, &body, msg), -1);
    assert_null(body);
    assert_non_null(strstr(msg, "not valid JSON"));
    r = body_request("[1]");
    assert_int_equal(lfv_parse_body(&r, &body, msg), -1);
    r = body_request("{\"ProjectName\": 5, \"Other\": \"x\"}");
    assert_int_equal(lfv_parse_body(&r, &body, msg), 0);
    const char *value;
    assert_int_equal(lfv_string_member(body, "ProjectName", 1, &value, msg), -1);
    assert_int_equal(lfv_string_member(body, "Missing", 1, &value, msg), -1);
    assert_int_equal(lfv_string_member(body, "Missing", 0, &value, msg), 0);
    assert_null(value);
    assert_int_equal(lfv_string_member(body, "Other", 1, &value, msg), 0);
    assert_string_equal(value, "x");
    json_decref(body);
}

static void test_base64(void **state)
{
    (void)state;
    char msg[LFV_MSG_MAX];
    uint8_t *bytes;
    size_t size;
    assert_int_equal(lfv_base64_decode("eyJhIjoxfQ==", &bytes, &size, msg), 0);
    assert_int_equal(size, 7);
    assert_memory_equal(bytes, "{\"a\":1}", 7);
    free(bytes);
    assert_int_equal(lfv_base64_decode("", &bytes, &size, msg), 0);
    assert_int_equal(size, 0);
    free(bytes);
    assert_int_equal(lfv_base64_decode("abc", &bytes, &size, msg), -1);
    assert_int_equal(lfv_base64_decode("ab=c", &bytes, &size, msg), -1);
    assert_int_equal(lfv_base64_decode("YQ==YQ==", &bytes, &size, msg), -1);
    assert_int_equal(lfv_base64_decode("a!b=", &bytes, &size, msg), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_project_name), cmocka_unit_test(test_enums_and_tokens),
        cmocka_unit_test(test_max_results),  cmocka_unit_test(test_tags),
        cmocka_unit_test(test_utf8_length),  cmocka_unit_test(test_query_values),
        cmocka_unit_test(test_json_body),    cmocka_unit_test(test_base64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_access_policy.c - IAM-shaped policy documents: wildcard matching of
 * actions (case-insensitive) and resources (case-sensitive), an explicit
 * Deny winning over any Allow, default deny, a single statement or a list,
 * and malformed documents refused with a message naming what is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "access_policy.h"

#define PROJECT "arn:aws:lookoutvision:us-east-1:000000000000:project/cookies"
#define MODEL "arn:aws:lookoutvision:us-east-1:000000000000:model/cookies/1"

static access_policy *parse_ok(const char *text)
{
    json_error_t json_err;
    json_t *doc = json_loads(text, 0, &json_err);
    if (!doc)
        fail_msg("test policy is not JSON: %s", json_err.text);
    access_policy *policy = NULL;
    vgl_error err = {0};
    if (access_policy_parse(doc, &policy, &err) != VGL_OK)
        fail_msg("policy refused: %s", err.message);
    json_decref(doc);
    return policy;
}

static void expect_refused(const char *text, const char *needle)
{
    json_t *doc = json_loads(text, JSON_DECODE_ANY, NULL);
    assert_non_null(doc);
    access_policy *policy = (access_policy *)1;
    vgl_error err = {0};
    assert_int_equal(access_policy_parse(doc, &policy, &err), VGL_EFORMAT);
    assert_null(policy);
    if (!strstr(err.message, needle))
        fail_msg("message <%s> lacks <%s> for %s", err.message, needle, text);
    json_decref(doc);
}

static void test_patterns(void **state)
{
    (void)state;
    assert_true(access_pattern_matches("*", "", 0));
    assert_true(access_pattern_matches("*", "anything:at/all", 0));
    assert_true(access_pattern_matches("lookoutvision:Describe*", "lookoutvision:DescribeModel", 0));
    assert_false(access_pattern_matches("lookoutvision:Describe*", "lookoutvision:ListModels", 0));
    assert_true(access_pattern_matches("s3:?etObject", "s3:GetObject", 0));
    assert_false(access_pattern_matches("s3:?etObject", "s3:etObject", 0));
    assert_true(access_pattern_matches("a*b*c", "aXXbYYbc", 0));
    assert_false(access_pattern_matches("a*b*c", "aXXbYYb", 0));
    assert_true(access_pattern_matches("*model/*/1", MODEL, 0));
    assert_false(access_pattern_matches("exact", "exactly", 0));
    assert_false(access_pattern_matches("exactly", "exact", 0));
    assert_true(access_pattern_matches("LookoutVision:createMODEL", "lookoutvision:CreateModel", 1));
    assert_false(access_pattern_matches("LookoutVision:createMODEL", "lookoutvision:CreateModel", 0));
    /* Many stars stay fast: no exponential backtracking. */
    char text[4001];
    memset(text, 'a', 4000);
    text[4000] = '\0';
    assert_false(access_pattern_matches("*a*a*a*a*a*a*a*a*a*a*a*a*b", text, 0));
}

static void test_allow_and_default_deny(void **state)
{
    (void)state;
    access_policy *p = parse_ok(
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"ReadModels\",\"Effect\":\"Allow\","
        "\"Action\":[\"lookoutvision:Describe*\",\"lookoutvision:List*\"],"
        "\"Resource\":\"arn:aws:lookoutvision:*:*:model/cookies/*\"},"
        "{\"Effect\":\"Allow\",\"Action\":\"LOOKOUTVISION:createmodel\",\"Resource\":\"" PROJECT
        "\"}]}");
    assert_int_equal(access_policy_evaluate(p, "lookoutvision:DescribeModel", MODEL), ACCESS_ALLOWED);
    /* Actions ignore case, resources do not. */
    assert_int_equal(access_policy_evaluate(p, "lookoutvision:CreateModel", PROJECT), ACCESS_ALLOWED);
    assert_int_equal(access_policy_evaluate(p, "lookoutvision:CreateModel",
                                            "arn:aws:lookoutvision:us-east-1:000000000000:project/Cookies"),
                     ACCESS_IMPLICIT_DENY);
    assert_int_equal(access_policy_evaluate(p, "lookoutvision:DescribeModel",
                                            "arn:aws:lookoutvision:us-east-1:000000000000:model/other/1"),
                     ACCESS_IMPLICIT_DENY);
    assert_int_equal(access_policy_evaluate(p, "lookoutvision:TagResource", PROJECT),
                     ACCESS_IMPLICIT_DENY);
    assert_int_equal(access_policy_evaluate(p, "s3:GetObject", "arn:aws:s3:::b/k"),
                     ACCESS_IMPLICIT_DENY);
    access_policy_free(p);
    /* No policy at all allows nothing. */
    assert_int_equal(access_policy_evaluate(NULL, "lookoutvision:ListProjects", "*"),
                     ACCESS_IMPLICIT_DENY);
}

static void test_deny_wins(void **state)
{
    (void)state;
    /* The Deny comes first and last: order does not matter. */
    static const char *const docs[] = {
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"lookoutvision:*\",\"Resource\":\"*\"},"
        "{\"Effect\":\"Deny\",\"Action\":\"lookoutvision:TagResource\",\"Resource\":\"*\"}]}",
        "{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"lookoutvision:TagResource\",\"Resource\":\"*\"},"
        "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        access_policy *p = parse_ok(docs[i]);
        assert_int_equal(access_policy_evaluate(p, "lookoutvision:TagResource", MODEL),
                         ACCESS_EXPLICIT_DENY);
        assert_int_equal(access_policy_evaluate(p, "lookoutvision:CreateModel", PROJECT),
                         ACCESS_ALLOWED);
        access_policy_free(p);
    }
    /* A Deny limited to some resources leaves the others allowed. */
    access_policy *p = parse_ok(
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::data/*\"},"
        "{\"Effect\":\"Deny\",\"Action\":\"s3:Delete*\",\"Resource\":\"arn:aws:s3:::data/keep/*\"}]}");
    assert_int_equal(access_policy_evaluate(p, "s3:DeleteObject", "arn:aws:s3:::data/tmp/x"),
                     ACCESS_ALLOWED);
    assert_int_equal(access_policy_evaluate(p, "s3:DeleteObject", "arn:aws:s3:::data/keep/x"),
                     ACCESS_EXPLICIT_DENY);
    assert_int_equal(access_policy_evaluate(p, "s3:GetObject", "arn:aws:s3:::data/keep/x"),
                     ACCESS_ALLOWED);
    assert_int_equal(access_policy_evaluate(p, "s3:GetObject", "arn:aws:s3:::other/x"),
                     ACCESS_IMPLICIT_DENY);
    access_policy_free(p);
}

static void test_single_statement(void **state)
{
    (void)state;
    access_policy *p = parse_ok("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
                                "\"Resource\":\"arn:aws:s3:::b/*\"}}");
    assert_int_equal(access_policy_evaluate(p, "s3:GetObject", "arn:aws:s3:::b/k"), ACCESS_ALLOWED);
    access_policy_free(p);
    /* An empty list of statements is valid and allows nothing. */
    p = parse_ok("{\"Version\":\"2008-10-17\",\"Id\":\"none\",\"Statement\":[]}");
    assert_int_equal(access_policy_evaluate(p, "s3:GetObject", "*"), ACCESS_IMPLICIT_DENY);
    access_policy_free(p);
}

static void test_malformed_refused(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"[]", "a policy must be a JSON object"},
        {"{}", "\"Statement\" must be a list of statements or one statement"},
        {"{\"Statement\":\"Allow\"}", "\"Statement\" must be a list"},
        {"{\"Version\":\"2024-01-01\",\"Statement\":[]}", "\"Version\" must be \"2012-10-17\""},
        {"{\"Statment\":[]}", "unknown member \"Statment\""},
        {"{\"Statement\":[42]}", "Statement[0] must be an object"},
        {"{\"Statement\":[{\"Action\":\"s3:*\",\"Resource\":\"*\"}]}",
         "Statement[0]: \"Effect\" must be \"Allow\" or \"Deny\""},
        {"{\"Statement\":[{\"Effect\":\"allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}",
         "\"Effect\" must be \"Allow\" or \"Deny\""},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Resource\":\"*\"}]}",
         "Statement[0]: \"Action\" must be a string or a non-empty list of strings"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[],\"Resource\":\"*\"}]}",
         "\"Action\" must be a string or a non-empty list"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:*\",7],\"Resource\":\"*\"}]}",
         "\"Action\" (not a string) is not"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"CreateModel\",\"Resource\":\"*\"}]}",
         "\"Action\" \"CreateModel\" is not \"*\" or SERVICE:ACTION"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"lookoutvision:Create Model\","
         "\"Resource\":\"*\"}]}",
         "is not \"*\" or SERVICE:ACTION"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\"}]}",
         "\"Resource\" must be a string or a non-empty list"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"my-bucket\"}]}",
         "\"Resource\" \"my-bucket\" is not \"*\" or an ARN"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3\"}]}",
         "is not \"*\" or an ARN"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":\"s3:*\",\"Resource\":\"*\"}]}",
         "\"NotAction\" is not supported"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\","
         "\"Condition\":{}}]}",
         "Statement[0]: \"Condition\" is not supported"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"},"
         "{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resources\":\"*\"}]}",
         "Statement[1]: unknown member \"Resources\""},
        {"{\"Statement\":[{\"Sid\":1,\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}",
         "\"Sid\" must be a string"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_refused(bad[i][0], bad[i][1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_allow_and_default_deny),
        cmocka_unit_test(test_deny_wins),
        cmocka_unit_test(test_single_statement),
        cmocka_unit_test(test_malformed_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

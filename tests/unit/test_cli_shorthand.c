/* test_cli_shorthand.c - the AWS CLI's shorthand syntax: each case's
 * expected value or error message is what the AWS CLI 2's own parser
 * (awscli/shorthand.py) gives for the same input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli_shorthand.h"

typedef struct shorthand_case {
    const char *input;
    const char *expected_json; /* NULL: a parse error */
    const char *expected_error;
} shorthand_case;

static const shorthand_case valid_cases[] = {
    {"Key=k,Value=v", "{\"Key\": \"k\", \"Value\": \"v\"}", NULL},
    {"S3Location={Bucket=b,Prefix=p}", "{\"S3Location\": {\"Bucket\": \"b\", \"Prefix\": \"p\"}}",
     NULL},
    {"a=b,c,d", "{\"a\": [\"b\", \"c\", \"d\"]}", NULL},
    {"a=b,c=d", "{\"a\": \"b\", \"c\": \"d\"}", NULL},
    {"foo=a,b,c=d,e=f", "{\"foo\": [\"a\", \"b\"], \"c\": \"d\", \"e\": \"f\"}", NULL},
    {"a=[x,y,z]", "{\"a\": [\"x\", \"y\", \"z\"]}", NULL},
    {"a=[]", "{\"a\": []}", NULL},
    {"a=", "{\"a\": \"\"}", NULL},
    {"a=,b=c", "{\"a\": \"\", \"b\": \"c\"}", NULL},
    {"a={b={c=d}}", "{\"a\": {\"b\": {\"c\": \"d\"}}}", NULL},
    {"a=[{b=c},{d=e}]", "{\"a\": [{\"b\": \"c\"}, {\"d\": \"e\"}]}", NULL},
    {"a={b=[c,d],e=f}", "{\"a\": {\"b\": [\"c\", \"d\"], \"e\": \"f\"}}", NULL},
    {"a=[[x,y],[z]]", "{\"a\": [[\"x\", \"y\"], [\"z\"]]}", NULL},
    {"Value='x, y'", "{\"Value\": \"x, y\"}", NULL},
    {"Value=\"a \\\" b\"", "{\"Value\": \"a \\\" b\"}", NULL},
    {"Value='it\\'s'", "{\"Value\": \"it's\"}", NULL},
    {"a=b\\,c", "{\"a\": \"b,c\"}", NULL},
    {"a = b , c = d", "{\"a\": \"b\", \"c\": \"d\"}", NULL},
    {"a=x y z", "{\"a\": \"x y z\"}", NULL},
    {"a=[ 'q, r' , s ]", "{\"a\": [\"q, r\", \"s\"]}", NULL},
    {"k=v=w", "{\"k\": \"v=w\"}", NULL},
    {"=x", "{\"\": \"x\"}", NULL},
    {"a=b,\nc", "{\"a\": [\"b\", \"c\"]}", NULL},
};

static const shorthand_case error_cases[] = {
    {"S3Location={Bucket=b", NULL,
     "Expected: ',', received: 'EOF' for input:\nS3Location={Bucket=b\n                    ^"},
    {"Key=a,Key=b", NULL,
     "Second instance of key \"Key\" encountered for input:\nKey=a,Key=b\n      ^\n"
     "This is often because there is a preceding \",\" instead of a space."},
    {"a=b,", NULL, "Expected: '<second>', received: '<none>' for input:\na=b,\n    ^"},
    {"a", NULL, "Expected: '=', received: 'EOF' for input:\na\n ^"},
    {"a='unterminated", NULL,
     "Expected: '<singled quoted>', received: '<none>' for input:\na='unterminated\n  ^"},
    {"a=b\n,c==d", NULL, "Expected: ',', received: '=' for input:\na=b\n,c==d\n   ^"},
    {"x=[a,b", NULL, "Expected: ',', received: 'EOF' for input:\nx=[a,b\n      ^"},
};

static void test_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++) {
        char error[1024] = "";
        json_t *got = cli_shorthand_parse(valid_cases[i].input, error, sizeof error);
        json_t *expected = json_loads(valid_cases[i].expected_json, 0, NULL);
        if (!got || !json_equal(got, expected))
            fail_msg("%s: got %s (%s)", valid_cases[i].input,
                     got ? json_dumps(got, JSON_COMPACT) : "an error", error);
        json_decref(got);
        json_decref(expected);
    }
}

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        char error[1024] = "";
        json_t *got = cli_shorthand_parse(error_cases[i].input, error, sizeof error);
        if (got)
            fail_msg("%s parsed", error_cases[i].input);
        assert_string_equal(error, error_cases[i].expected_error);
    }
}

/* Keys keep their order: the CLI sends members in the order typed. */
static void test_order(void **state)
{
    (void)state;
    char error[256];
    json_t *got = cli_shorthand_parse("z=1,a=2,m=3", error, sizeof error);
    assert_non_null(got);
    char *text = json_dumps(got, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(text, "{\"z\":\"1\",\"a\":\"2\",\"m\":\"3\"}");
    free(text);
    json_decref(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_cli_input.c - what the client makes of its inputs before sending:
 * YAML input files (types, quoting, nesting, !!binary, bad syntax), option
 * values (shorthand typed by the member, JSON, file://, fileb://, lists of
 * words) and botocore's validation messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli_input.h"
#include "cli_param.h"
#include "cli_validate.h"
#include "client_operations.h"

static void assert_json(json_t *got, const char *expected)
{
    json_t *want = json_loads(expected, JSON_DECODE_ANY, NULL);
    assert_non_null(want);
    if (!got || !json_equal(got, want))
        fail_msg("got %s, expected %s", got ? json_dumps(got, JSON_COMPACT) : "NULL", expected);
    json_decref(want);
}

static void test_yaml_types(void **state)
{
    (void)state;
    char *error = NULL;
    const char *text = "ProjectName: cookies\n"
                       "MaxResults: 10\n"
                       "Labeled: true\n"
                       "Quoted: '10'\n"
                       "Double: \"true\"\n"
                       "Empty: ''\n"
                       "Nothing: null\n"
                       "Score: 0.5\n"
                       "OutputConfig:\n"
                       "  S3Location:\n"
                       "    Bucket: b  # a comment\n"
                       "    Prefix: out/\n"
                       "Tags:\n"
                       "- Key: k\n"
                       "  Value: v\n"
                       "- {Key: k2, Value: 'v: 2'}\n"
                       "TagKeys: [a, b]\n"
                       "Body: !!binary |\n"
                       "  aGVs\n"
                       "  bG8=\n";
    json_t *got = cli_yaml_parse(text, strlen(text), &error);
    assert_json(got,
                "{\"ProjectName\": \"cookies\", \"MaxResults\": 10, \"Labeled\": true,"
                " \"Quoted\": \"10\", \"Double\": \"true\", \"Empty\": \"\", \"Nothing\": null,"
                " \"Score\": 0.5, \"OutputConfig\": {\"S3Location\": {\"Bucket\": \"b\","
                " \"Prefix\": \"out/\"}}, \"Tags\": [{\"Key\": \"k\", \"Value\": \"v\"},"
                " {\"Key\": \"k2\", \"Value\": \"v: 2\"}], \"TagKeys\": [\"a\", \"b\"],"
                " \"Body\": \"aGVsbG8=\"}");
    json_decref(got);
}

static void test_yaml_errors(void **state)
{
    (void)state;
    char *error = NULL;
    const char *bad = "a: [unclosed\n";
    assert_null(cli_yaml_parse(bad, strlen(bad), &error));
    assert_non_null(strstr(error, "Invalid YAML"));
    free(error);
    /* A list at the top is not an input. */
    assert_null(cli_input_load("- a\n- b\n", 1, &error));
    assert_non_null(error);
    free(error);
    json_t *empty = cli_input_load("", 1, &error);
    assert_json(empty, "{}");
    json_decref(empty);
    assert_null(cli_input_load("{\"a\": ", 0, &error));
    assert_non_null(strstr(error, "Invalid JSON"));
    free(error);
}

static const cli_member *member(const char *command, const char *name)
{
    const cli_operation *op = cli_find_operation(command);
    assert_non_null(op);
    const cli_member *m = cli_find_member(op->input, name);
    assert_non_null(m);
    return m;
}

static json_t *value_of(const char *command, const char *name, char **values, size_t n,
                        client_status expected_status, char **error)
{
    json_t *out = NULL;
    *error = NULL;
    client_status status = cli_param_value(member(command, name), "--x", values, n, &out, error);
    assert_int_equal(status, expected_status);
    return out;
}

static void test_param_values(void **state)
{
    (void)state;
    char *error;
    char *tags[] = {"Key=a,Value=b", "Key=c,Value='d, e'"};
    json_t *v = value_of("tag-resource", "Tags", tags, 2, CLIENT_OK, &error);
    assert_json(v, "[{\"Key\": \"a\", \"Value\": \"b\"}, {\"Key\": \"c\", \"Value\": \"d, e\"}]");
    json_decref(v);
    char *json_tags[] = {"[{\"Key\": \"j\", \"Value\": \"1\"}]"};
    v = value_of("tag-resource", "Tags", json_tags, 1, CLIENT_OK, &error);
    assert_json(v, "[{\"Key\": \"j\", \"Value\": \"1\"}]");
    json_decref(v);
    char *keys[] = {"a", "b c"};
    v = value_of("untag-resource", "TagKeys", keys, 2, CLIENT_OK, &error);
    assert_json(v, "[\"a\", \"b c\"]");
    json_decref(v);
    char *config[] = {"S3Location={Bucket=b,Prefix=p/}"};
    v = value_of("create-model", "OutputConfig", config, 1, CLIENT_OK, &error);
    assert_json(v, "{\"S3Location\": {\"Bucket\": \"b\", \"Prefix\": \"p/\"}}");
    json_decref(v);
    /* Shorthand scalars take their member's type. */
    char *greengrass[] = {"Greengrass={TargetPlatform={Os=LINUX,Arch=X86_64},ComponentName=c,"
                          "S3OutputLocation={Bucket=b}}"};
    v = value_of("start-model-packaging-job", "Configuration", greengrass, 1, CLIENT_OK, &error);
    assert_json(v, "{\"Greengrass\": {\"TargetPlatform\": {\"Os\": \"LINUX\", \"Arch\": "
                   "\"X86_64\"}, \"ComponentName\": \"c\", \"S3OutputLocation\": "
                   "{\"Bucket\": \"b\"}}}");
    json_decref(v);
    char *units[] = {"3"};
    v = value_of("start-model", "MinInferenceUnits", units, 1, CLIENT_OK, &error);
    assert_json(v, "3");
    json_decref(v);
    char *bad_units[] = {"x"};
    assert_null(value_of("start-model", "MinInferenceUnits", bad_units, 1, CLIENT_FAILED, &error));
    assert_string_equal(error, "invalid literal for int() with base 10: 'x'");
    free(error);
    char *bad_shorthand[] = {"S3Location={Bucket=b"};
    assert_null(value_of("create-model", "OutputConfig", bad_shorthand, 1, CLIENT_USAGE, &error));
    assert_string_equal(error, "Error parsing parameter '--x': Expected: ',', received: 'EOF' "
                               "for input:\nS3Location={Bucket=b\n                    ^");
    free(error);
    char *bad_base64[] = {"not base64!"};
    assert_null(value_of("update-dataset-entries", "Changes", bad_base64, 1, CLIENT_FAILED,
                         &error));
    assert_string_equal(error, "Invalid base64: \"not base64!\"");
    free(error);
}

static void test_param_files(void **state)
{
    (void)state;
    char path[] = "/tmp/vigil-cli-input-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "{\"a\":1}\n", 8), 8);
    close(fd);
    char *error;
    char fileb[128], file[128], missing[128];
    snprintf(fileb, sizeof fileb, "fileb://%s", path);
    snprintf(file, sizeof file, "file://%s", path);
    snprintf(missing, sizeof missing, "file://%s.missing", path);
    char *changes[] = {fileb};
    json_t *v = value_of("update-dataset-entries", "Changes", changes, 1, CLIENT_OK, &error);
    assert_json(v, "\"eyJhIjoxfQo=\""); /* base64 of the file's bytes */
    json_decref(v);
    char *description[] = {file};
    v = value_of("create-model", "Description", description, 1, CLIENT_OK, &error);
    assert_json(v, "\"{\\\"a\\\":1}\\n\"");
    json_decref(v);
    char *body[] = {path};
    v = value_of("detect-anomalies", "Body", body, 1, CLIENT_OK, &error);
    assert_json(v, "\"eyJhIjoxfQo=\"");
    json_decref(v);
    char *absent[] = {missing};
    assert_null(value_of("create-model", "Description", absent, 1, CLIENT_USAGE, &error));
    assert_non_null(strstr(error, "Unable to load paramfile file://"));
    assert_non_null(strstr(error, "[Errno 2] No such file or directory"));
    free(error);
    char *no_image[] = {missing + 7};
    assert_null(value_of("detect-anomalies", "Body", no_image, 1, CLIENT_USAGE, &error));
    assert_string_equal(error,
                        "Error parsing parameter '--x': Blob values must be a path to a file.");
    free(error);
    unlink(path);
}

static void test_validation(void **state)
{
    (void)state;
    const cli_operation *op = cli_find_operation("create-model");
    json_t *params = json_loads("{\"ProjectName\": \"p\", \"OutputConfig\": {\"S3Location\": "
                                "{\"Bucket\": \"b\", \"Foo\": \"x\"}}, \"Tags\": [{\"Key\": \"k\"}],"
                                " \"Description\": 5}",
                                0, NULL);
    char *report = cli_validate(params, op->input);
    assert_string_equal(report,
                        "Parameter validation failed:\n"
                        "Unknown parameter in OutputConfig.S3Location: \"Foo\", must be one of: "
                        "Bucket, Prefix\n"
                        "Invalid length for parameter OutputConfig.S3Location.Bucket, value: 1, "
                        "valid min length: 3\n"
                        "Missing required parameter in Tags[0]: \"Value\"\n"
                        "Invalid type for parameter Description, value: 5, type: <class 'int'>, "
                        "valid types: <class 'str'>");
    free(report);
    json_decref(params);
    json_t *empty = json_object();
    report = cli_validate(empty, cli_find_operation("describe-dataset")->input);
    assert_string_equal(report, "Parameter validation failed:\n"
                                "Missing required parameter in input: \"ProjectName\"\n"
                                "Missing required parameter in input: \"DatasetType\"");
    free(report);
    json_decref(empty);
}

/* The 22 operations, each with a unique command and a skeleton. */
static void test_operations(void **state)
{
    (void)state;
    assert_int_equal(cli_n_operations, 22);
    for (size_t i = 0; i < cli_n_operations; i++) {
        assert_ptr_equal(cli_find_operation(cli_operations[i].command), &cli_operations[i]);
        json_t *skeleton = cli_skeleton_input(cli_operations[i].input);
        assert_int_equal(json_object_size(skeleton), cli_operations[i].input->n_members);
        json_decref(skeleton);
    }
    assert_null(cli_find_operation("describe-everything"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml_types),   cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_param_values), cmocka_unit_test(test_param_files),
        cmocka_unit_test(test_validation),   cmocka_unit_test(test_operations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

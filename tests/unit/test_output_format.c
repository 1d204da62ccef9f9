/* test_output_format.c - --output json, text, yaml and table on one
 * response with nested dicts, a list of dicts with different keys, a
 * scalar list, booleans and floats; each expected text is what the AWS CLI
 * 2's formatters (awscli text.py, table.py, YAMLDumper, json.dumps) print
 * for the same data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "output_format.h"

static const char response[] =
    "{\"DatasetDescription\": {\"ProjectName\": \"p\", \"Status\": \"CREATE_COMPLETE\", "
    "\"ImageStats\": {\"Total\": 63, \"Labeled\": 63}, \"Flag\": true, \"Score\": 0.5, "
    "\"Tags\": [\"a\", \"b\"]}, \"Models\": [{\"ModelVersion\": \"1\", \"Performance\": "
    "{\"F1Score\": 0.95}}, {\"ModelVersion\": \"2\", \"Status\": \"TRAINED\"}]}";

typedef void (*formatter)(FILE *, const json_t *);

static char *render(void (*format)(FILE *, const json_t *), const char *table_title)
{
    json_t *value = json_loads(response, 0, NULL);
    assert_non_null(value);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (table_title)
        output_table(out, value, table_title);
    else
        format(out, value);
    fclose(out);
    json_decref(value);
    return text;
}

static void test_json(void **state)
{
    (void)state;
    char *text = render(output_json, NULL);
    assert_string_equal(text,
                        "{\n    \"DatasetDescription\": {\n        \"ProjectName\": \"p\",\n"
                        "        \"Status\": \"CREATE_COMPLETE\",\n        \"ImageStats\": {\n"
                        "            \"Total\": 63,\n            \"Labeled\": 63\n        },\n"
                        "        \"Flag\": true,\n        \"Score\": 0.5,\n        \"Tags\": [\n"
                        "            \"a\",\n            \"b\"\n        ]\n    },\n"
                        "    \"Models\": [\n        {\n            \"ModelVersion\": \"1\",\n"
                        "            \"Performance\": {\n                \"F1Score\": 0.95\n"
                        "            }\n        },\n        {\n"
                        "            \"ModelVersion\": \"2\",\n"
                        "            \"Status\": \"TRAINED\"\n        }\n    ]\n}\n");
    free(text);
}

static void test_text(void **state)
{
    (void)state;
    char *text = render(output_text, NULL);
    assert_string_equal(text, "DATASETDESCRIPTION\tTrue\tp\t0.5\tCREATE_COMPLETE\n"
                              "IMAGESTATS\t63\t63\nTAGS\ta\nTAGS\tb\nMODELS\t1\t\n"
                              "PERFORMANCE\t0.95\nMODELS\t2\tTRAINED\n");
    free(text);
}

static void test_yaml(void **state)
{
    (void)state;
    char *text = render(output_yaml, NULL);
    assert_string_equal(text, "DatasetDescription:\n  Flag: true\n  ImageStats:\n"
                              "    Labeled: 63\n    Total: 63\n  ProjectName: p\n"
                              "  Score: 0.5\n  Status: CREATE_COMPLETE\n  Tags:\n  - a\n"
                              "  - b\nModels:\n- ModelVersion: '1'\n  Performance:\n"
                              "    F1Score: 0.95\n- ModelVersion: '2'\n  Status: TRAINED\n");
    free(text);
}

static void test_table(void **state)
{
    (void)state;
    char *text = render(NULL, "Op");
    assert_string_equal(
        text,
        "-------------------------------------------------------\n"
        "|                         Op                          |\n"
        "+-----------------------------------------------------+\n"
        "||                DatasetDescription                 ||\n"
        "|+------+---------------+--------+-------------------+|\n"
        "|| Flag |  ProjectName  | Score  |      Status       ||\n"
        "|+------+---------------+--------+-------------------+|\n"
        "||  True|  p            |  0.5   |  CREATE_COMPLETE  ||\n"
        "|+------+---------------+--------+-------------------+|\n"
        "|||                   ImageStats                    |||\n"
        "||+--------------------------+----------------------+||\n"
        "|||          Labeled         |        Total         |||\n"
        "||+--------------------------+----------------------+||\n"
        "|||  63                      |  63                  |||\n"
        "||+--------------------------+----------------------+||\n"
        "|||                      Tags                       |||\n"
        "||+-------------------------------------------------+||\n"
        "|||  a                                              |||\n"
        "|||  b                                              |||\n"
        "||+-------------------------------------------------+||\n"
        "||                      Models                       ||\n"
        "|+-------------------------------+-------------------+|\n"
        "||         ModelVersion          |      Status       ||\n"
        "|+-------------------------------+-------------------+|\n"
        "||  1                            |                   ||\n"
        "|+-------------------------------+-------------------+|\n"
        "|||                   Performance                   |||\n"
        "||+----------------------------+--------------------+||\n"
        "|||  F1Score                   |  0.95              |||\n"
        "||+----------------------------+--------------------+||\n"
        "||                      Models                       ||\n"
        "|+-----------------------------+---------------------+|\n"
        "||        ModelVersion         |       Status        ||\n"
        "|+-----------------------------+---------------------+|\n"
        "||  2                          |  TRAINED            ||\n"
        "|+-----------------------------+---------------------+|\n");
    free(text);
}

/* Python's repr() of floats, which the CLI prints in every format. */
static void test_python_float(void **state)
{
    (void)state;
    static const struct {
        double value;
        const char *text;
    } cases[] = {{0.5, "0.5"}, {1e-05, "1e-05"}, {1e16, "1e+16"},
                 {123456789.125, "123456789.125"}, {0.1, "0.1"}, {100.0, "100.0"},
                 {2.5e-7, "2.5e-07"}, {1234.5678, "1234.5678"}, {-0.25, "-0.25"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[64];
        output_python_float(cases[i].value, text, sizeof text);
        assert_string_equal(text, cases[i].text);
    }
}

/* An empty response (TagResource) prints nothing in any format. */
static void test_empty(void **state)
{
    (void)state;
    json_t *empty = json_object();
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    output_json(out, empty);
    output_yaml(out, empty);
    output_text(out, empty);
    output_table(out, empty, "TagResource");
    fclose(out);
    assert_int_equal(size, 0);
    free(text);
    json_decref(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json),         cmocka_unit_test(test_text),
        cmocka_unit_test(test_yaml),         cmocka_unit_test(test_table),
        cmocka_unit_test(test_python_float), cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

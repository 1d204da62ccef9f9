/*
 * test_cli_options.c - the option table of the `vigil` commands: text and
 * integer values (as --name VALUE and --name=VALUE), --help, positionals
 * when allowed and refused when not, and each mistake answered with exit
 * code 2: an unknown option, a missing value, a number that is no number
 * or below its minimum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cli_options.h"

#include <stdio.h>

typedef struct parsed {
    const char *name;
    int count;
} parsed;

static int usage_calls;
static void usage(FILE *to)
{
    (void)to;
    usage_calls++;
}

/* Parses argv (NULL-terminated) into *p; positionals as cli_parse_options. */
static int parse(char **argv, parsed *p, int *positionals)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    *p = (parsed){.name = "default", .count = 7};
    const cli_option options[] = {
        {"name", CLI_TEXT, &p->name, 0},
        {"count", CLI_INT, &p->count, 1},
    };
    return cli_parse_options("test", argc, argv, options, 2, usage, positionals);
}

static void test_values_and_defaults(void **state)
{
    (void)state;
    parsed p;
    char *none[] = {"test", NULL};
    assert_int_equal(parse(none, &p, NULL), -1);
    assert_string_equal(p.name, "default");
    assert_int_equal(p.count, 7);
    char *both[] = {"test", "--name", "cookies", "--count=3", NULL};
    assert_int_equal(parse(both, &p, NULL), -1);
    assert_string_equal(p.name, "cookies");
    assert_int_equal(p.count, 3);
}

static void test_help_prints_usage_and_ends(void **state)
{
    (void)state;
    parsed p;
    char *help[] = {"test", "--help", "--count", "x", NULL};
    usage_calls = 0;
    assert_int_equal(parse(help, &p, NULL), 0);
    assert_int_equal(usage_calls, 1);
}

static void test_positionals(void **state)
{
    (void)state;
    parsed p;
    int first = -1;
    char *args[] = {"test", "--name", "n", "a.jpg", "b.jpg", NULL};
    assert_int_equal(parse(args, &p, &first), -1);
    assert_int_equal(first, 3);
    assert_string_equal(args[first], "a.jpg");
    assert_int_equal(parse(args, &p, NULL), CLI_USAGE); /* not allowed */
}

static void test_mistakes(void **state)
{
    (void)state;
    parsed p;
    char *unknown[] = {"test", "--colour", "red", NULL};
    char *short_option[] = {"test", "-x", NULL};
    char *missing[] = {"test", "--name", NULL};
    char *not_a_number[] = {"test", "--count", "3x", NULL};
    char *below_minimum[] = {"test", "--count", "0", NULL};
    char *too_big[] = {"test", "--count", "99999999999", NULL};
    assert_int_equal(parse(unknown, &p, NULL), CLI_USAGE);
    assert_int_equal(parse(short_option, &p, NULL), CLI_USAGE);
    assert_int_equal(parse(missing, &p, NULL), CLI_USAGE);
    assert_int_equal(parse(not_a_number, &p, NULL), CLI_USAGE);
    assert_int_equal(parse(below_minimum, &p, NULL), CLI_USAGE);
    assert_int_equal(parse(too_big, &p, NULL), CLI_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_and_defaults),
        cmocka_unit_test(test_help_prints_usage_and_ends),
        cmocka_unit_test(test_positionals),
        cmocka_unit_test(test_mistakes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

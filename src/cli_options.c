/*
 * cli_options.c - table-driven long options (cli_options.h) over
 * getopt_long.
 */
#include "cli_options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>

int cli_option_error(const char *command, int opt, char **argv)
{
    if (opt == ':') /* optind has moved past the option that lacks its value */
        fprintf(stderr, "vigil %s: option '%s' needs a value\n", command, argv[optind - 1]);
    else if (optopt > 0 && optopt < 256) /* a short option, maybe one of a bundle like -xv */
        fprintf(stderr, "vigil %s: unknown option '-%c'\n", command, optopt);
    else
        fprintf(stderr, "vigil %s: unknown option '%s'\n", command, argv[optind - 1]);
    fprintf(stderr, "Run 'vigil %s --help' for its options.\n", command);
    return CLI_USAGE;
}

int cli_parse_int(const char *command, const char *option, const char *text, int min, int *out)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno || end == text || *end || value < min || value > INT_MAX) {
        fprintf(stderr, "vigil %s: %s wants a whole number of at least %d, not '%s'\n", command,
                option, min, text);
        return -1;
    }
    *out = (int)value;
    return 0;
}

/* Stores one option's value; -1 when it is refused. */
static int take_value(const char *command, const cli_option *option, const char *value)
{
    if (option->kind == CLI_TEXT) {
        *(const char **)option->target = value;
        return 0;
    }
    char name[128];
    snprintf(name, sizeof name, "--%s", option->name);
    return cli_parse_int(command, name, value, option->min, option->target);
}

/* getopt_long's value for options[i]; above any character. */
#define OPTION_BASE 256

int cli_parse_options(const char *command, int argc, char **argv, const cli_option *options,
                      size_t count, void (*usage)(FILE *to), int *positionals)
{
    struct option *table = calloc(count + 2, sizeof *table);
    if (!table) {
        fprintf(stderr, "vigil %s: out of memory\n", command);
        return CLI_FAILED;
    }
    for (size_t i = 0; i < count; i++)
        table[i] = (struct option){options[i].name, required_argument, 0, OPTION_BASE + (int)i};
    table[count] = (struct option){"help", no_argument, 0, OPTION_BASE + (int)count};
    opterr = 0;
    optind = 0; /* glibc: start afresh, so that a process may parse more than once */
    int opt, code = -1;
    while (code == -1 && (opt = getopt_long(argc, argv, ":", table, NULL)) != -1) {
        if (opt == OPTION_BASE + (int)count) {
            usage(stdout);
            code = 0;
        } else if (opt >= OPTION_BASE && opt < OPTION_BASE + (int)count) {
            if (take_value(command, &options[opt - OPTION_BASE], optarg))
                code = CLI_USAGE;
        } else {
            code = cli_option_error(command, opt, argv);
        }
    }
    free(table);
    if (code != -1)
        return code;
    if (positionals) {
        *positionals = optind;
    } else if (optind < argc) {
        fprintf(stderr, "vigil %s: unexpected argument '%s'\n", command, argv[optind]);
        return CLI_USAGE;
    }
    return -1;
}

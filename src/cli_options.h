/*
 * cli_options.h - the long options of the `vigil` commands, read from a
 * table instead of a getopt switch in every command, with one wording for
 * every mistake ("vigil train: option '--threads' needs a value").
 */
#ifndef VIGIL_CLI_OPTIONS_H
#define VIGIL_CLI_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

/* Exit codes of the commands. */
#define CLI_FAILED 1
#define CLI_USAGE 2

typedef enum cli_option_kind {
    CLI_TEXT, /* target is a const char **: the value as given */
    CLI_INT,  /* target is an int *: a whole number of at least min */
} cli_option_kind;

typedef struct cli_option {
    const char *name; /* without the leading "--" */
    cli_option_kind kind;
    void *target;
    int min;
} cli_option;

/* Reads argv[1..] (argv[0] is the command's name) against options, plus
 * --help, which prints usage to stdout.  With positionals NULL no other
 * arguments are allowed; else *positionals is the index of the first.
 * Returns -1 to go on, or the exit code: 0 after --help, CLI_USAGE after a
 * message on stderr. */
int cli_parse_options(const char *command, int argc, char **argv, const cli_option *options,
                      size_t count, void (*usage)(FILE *to), int *positionals);

/* getopt_long's answer for an option it refused (run with ":" leading the
 * option string and opterr 0): prints "vigil COMMAND: unknown option 'X'"
 * or "... option 'X' needs a value".  Returns CLI_USAGE. */
int cli_option_error(const char *command, int opt, char **argv);

/* Parses a whole decimal integer of at least min; 0 on success, else prints
 * "vigil COMMAND: OPTION wants ..." and returns -1. */
int cli_parse_int(const char *command, const char *option, const char *text, int min, int *out);

#endif

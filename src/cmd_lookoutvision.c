/*
 * cmd_lookoutvision.c - `vigil lookoutvision`: the 22 Lookout for Vision
 * commands with the AWS CLI 2's options, values, global options, output
 * formats and exit codes (252 bad usage or parameters, 253 no region or
 * credentials, 254 a service error, 255 anything else), so scripts written
 * for `aws lookoutvision` run with `vigil lookoutvision`.
 */
#include "commands.h"

#include "aws_config.h"
#include "cli_input.h"
#include "cli_param.h"
#include "cli_validate.h"
#include "client_call.h"
#include "client_operations.h"
#include "client_paginate.h"
#include "output_format.h"

#include <openssl/rand.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_CONFIG 253

typedef struct global_options {
    const char *endpoint_url;
    const char *region;
    const char *profile;
    const char *output;
    const char *ca_bundle;
    long connect_timeout;
    long read_timeout;
    int debug;
    int no_paginate;
    int no_verify_ssl;
} global_options;

/* One option given to the operation: its member (NULL for the CLI's own
 * options), its values, and for booleans which of --x / --no-x. */
typedef struct given_option {
    const char *name;          /* "--project-name" as typed, without "=value" */
    const cli_member *member;
    char **values;
    size_t n_values;
} given_option;

typedef struct operation_args {
    given_option *options;
    size_t n_options;
    const char *cli_input_json;
    const char *cli_input_yaml;
    const char *skeleton;      /* "input", "yaml-input", "output", or NULL */
    const char *starting_token;
    long max_items;
    long page_size;
    int help;
} operation_args;

/* ------------------------------------------------------------- usage */

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    fprintf(stderr, "\nusage: vigil lookoutvision [options] <command> [parameters]\n"
                    "To see help text, you can run:\n\n"
                    "  vigil lookoutvision help\n"
                    "  vigil lookoutvision <command> help\n\n"
                    "vigil: error: ");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    return CLIENT_USAGE;
}

/* argparse's invalid-choice error as the AWS CLI words it: the choices two
 * a line, each padded to 40 columns. */
static int invalid_choice(const char *argument, const char *const *choices, size_t n)
{
    char text[4096];
    size_t used = (size_t)snprintf(text, sizeof text,
                                   "argument %s: Invalid choice, valid choices are:\n", argument);
    for (size_t i = 0; i < n && used < sizeof text; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s%-40s",
                                 i % 2 ? " | " : "\n", choices[i]);
    return usage_error("%s\n", text);
}

/* "MinInferenceUnits" -> "min-inference-units" (botocore's xform_name). */
static void kebab(const char *name, char *out, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; name[i] && n + 2 < size; i++) {
        char c = name[i];
        int upper = isupper((unsigned char)c);
        if (upper && i > 0 &&
            (!isupper((unsigned char)name[i - 1]) ||
             (name[i + 1] && islower((unsigned char)name[i + 1]))))
            out[n++] = '-';
        out[n++] = (char)tolower((unsigned char)c);
    }
    out[n] = '\0';
}

static const char *type_name(const cli_shape *shape)
{
    switch (shape->type) {
    case CLI_STRING: return "string";
    case CLI_INTEGER: return "integer";
    case CLI_BOOLEAN: return "boolean";
    case CLI_BLOB: return "blob";
    case CLI_TIMESTAMP: return "timestamp";
    case CLI_FLOAT: return "float";
    case CLI_STRUCTURE: return "structure";
    case CLI_LIST: return "list";
    case CLI_MAP: return "map";
    }
    return "";
}

static void print_operations(FILE *out)
{
    for (size_t i = 0; i < cli_n_operations; i++)
        fprintf(out, "  %s\n", cli_operations[i].command);
}

static int help_service(void)
{
    printf("vigil lookoutvision - the Amazon Lookout for Vision API (2020-11-20) of a Vigil\n"
           "server, with the commands and options of `aws lookoutvision`.\n\n"
           "usage: vigil lookoutvision [global options] <command> [parameters]\n\n"
           "global options:\n"
           "  --endpoint-url URL   the service (default https://lookoutvision.REGION.amazonaws.com)\n"
           "  --region REGION      --profile NAME      --output json|text|table|yaml|yaml-stream\n"
           "  --no-paginate        --debug             --no-verify-ssl      --ca-bundle FILE\n"
           "  --cli-connect-timeout SECONDS            --cli-read-timeout SECONDS\n\n"
           "Credentials and region come from the environment (AWS_ACCESS_KEY_ID,\n"
           "AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, AWS_DEFAULT_REGION),\n"
           "~/.aws/credentials and ~/.aws/config, as for the aws CLI.\n\n"
           "commands:\n");
    print_operations(stdout);
    printf("\nRun 'vigil lookoutvision <command> help' for a command's options.\n");
    return 0;
}

static int help_operation(const cli_operation *op)
{
    printf("NAME\n  %s\n\nSYNOPSIS\n  vigil lookoutvision %s\n", op->command, op->command);
    const cli_shape *input = op->input;
    for (size_t i = 0; i < input->n_members; i++) {
        const cli_member *m = &input->members[i];
        char name[128];
        kebab(m->name, name, sizeof name);
        const char *open = m->required ? "" : "[", *close = m->required ? "" : "]";
        if (m->shape->type == CLI_BOOLEAN)
            printf("    %s--%s | --no-%s%s\n", open, name, name, close);
        else
            printf("    %s--%s <%s>%s\n", open, name, type_name(m->shape), close);
    }
    printf("    [--cli-input-json <value> | --cli-input-yaml <value>]\n");
    if (op->result_key)
        printf("    [--starting-token <value>]\n    [--page-size <value>]\n"
               "    [--max-items <value>]\n");
    printf("    [--generate-cli-skeleton <input|yaml-input|output>]\n\nOPTIONS\n");
    for (size_t i = 0; i < input->n_members; i++) {
        const cli_member *m = &input->members[i];
        char name[128];
        kebab(m->name, name, sizeof name);
        printf("  --%s (%s%s%s)%s\n", name, type_name(m->shape),
               m->shape->type == CLI_LIST ? " of " : "",
               m->shape->type == CLI_LIST ? type_name(m->shape->element) : "",
               m->required ? " [required]" : "");
        if (m->shape->enum_values) {
            printf("      one of:");
            for (const char *const *v = m->shape->enum_values; *v; v++)
                printf(" %s", *v);
            printf("\n");
        }
        if (m->shape->type == CLI_STRUCTURE || (m->shape->type == CLI_LIST &&
                                                m->shape->element->type == CLI_STRUCTURE)) {
            const cli_shape *s =
                m->shape->type == CLI_LIST ? m->shape->element : m->shape;
            json_t *sample = cli_skeleton_input(s);
            char *text = json_dumps(sample, JSON_COMPACT);
            printf("      JSON: %s\n", text ? text : "");
            free(text);
            json_decref(sample);
        }
        if (m->idempotency_token)
            printf("      (a UUID is generated when not given)\n");
        if (m->shape->streaming)
            printf("      the path of the image file\n");
    }
    return 0;
}

/* ------------------------------------------------------ global options */

static int is_option(const char *arg)
{
    return strncmp(arg, "--", 2) == 0;
}

/* Takes a global option at argv[*i] (advancing past its value); 1 taken,
 * 0 not a global option, -1 a usage error already reported. */
static int take_global(int argc, char **argv, int *i, global_options *g)
{
    static const char *const valued[] = {"--endpoint-url", "--region", "--profile", "--output",
                                         "--ca-bundle", "--cli-connect-timeout",
                                         "--cli-read-timeout", "--color", NULL};
    const char *arg = argv[*i];
    if (!strcmp(arg, "--debug"))
        return g->debug = 1;
    if (!strcmp(arg, "--no-paginate"))
        return g->no_paginate = 1;
    if (!strcmp(arg, "--no-verify-ssl"))
        return g->no_verify_ssl = 1;
    if (!strcmp(arg, "--no-cli-pager") || !strcmp(arg, "--no-cli-auto-prompt"))
        return 1; /* vigil never pages nor prompts */
    for (int k = 0; valued[k]; k++) {
        size_t length = strlen(valued[k]);
        if (strncmp(arg, valued[k], length) != 0 || (arg[length] && arg[length] != '='))
            continue;
        const char *value;
        if (arg[length] == '=') {
            value = arg + length + 1;
        } else {
            if (*i + 1 >= argc || is_option(argv[*i + 1])) {
                usage_error("argument %s: expected one argument", valued[k]);
                return -1;
            }
            value = argv[++*i];
        }
        if (k == 0)
            g->endpoint_url = value;
        else if (k == 1)
            g->region = value;
        else if (k == 2)
            g->profile = value;
        else if (k == 3)
            g->output = value;
        else if (k == 4)
            g->ca_bundle = value;
        else if (k == 5 || k == 6) {
            char *end;
            long seconds = strtol(value, &end, 10);
            if (*end || end == value) {
                usage_error("argument %s: invalid int value: '%s'", valued[k], value);
                return -1;
            }
            if (k == 5)
                g->connect_timeout = seconds;
            else
                g->read_timeout = seconds;
        }
        return 1;
    }
    return 0;
}

/* --------------------------------------------------- operation options */

static const cli_member *member_for(const cli_operation *op, const char *name, int *negated)
{
    *negated = 0;
    for (size_t i = 0; i < op->input->n_members; i++) {
        const cli_member *m = &op->input->members[i];
        char kebab_name[128];
        kebab(m->name, kebab_name, sizeof kebab_name);
        if (!strcmp(name, kebab_name))
            return m;
        if (m->shape->type == CLI_BOOLEAN && !strncmp(name, "no-", 3) &&
            !strcmp(name + 3, kebab_name)) {
            *negated = 1;
            return m;
        }
    }
    return NULL;
}

static int parse_count(const char *option, const char *value, long *out)
{
    char *end;
    long n = strtol(value, &end, 10);
    if (end == value || *end) {
        usage_error("argument %s: invalid int value: '%s'", option, value);
        return 0;
    }
    *out = n;
    return 1;
}

static void free_args(operation_args *args)
{
    for (size_t i = 0; i < args->n_options; i++)
        free(args->options[i].values);
    free(args->options);
}

/* Parses the operation's arguments (global options already removed);
 * 0, or an exit code after reporting. */
static int parse_operation_args(const cli_operation *op, int argc, char **argv,
                                operation_args *args)
{
    memset(args, 0, sizeof *args);
    args->max_items = args->page_size = -1;
    args->options = calloc((size_t)argc + 1, sizeof *args->options);
    if (!args->options)
        return 255;
    char unknown[2048] = "";
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "help")) {
            args->help = 1;
            continue;
        }
        if (!is_option(arg)) {
            snprintf(unknown + strlen(unknown), sizeof unknown - strlen(unknown), "%s%s",
                     *unknown ? ", " : "", arg);
            continue;
        }
        char name[256];
        const char *equals = strchr(arg, '=');
        snprintf(name, sizeof name, "%.*s", (int)(equals ? (size_t)(equals - arg) : strlen(arg)),
                 arg);
        /* The option's values: "=value", or the following non-option words. */
        char **values = calloc((size_t)argc + 1, sizeof *values);
        size_t n_values = 0;
        if (!values)
            return 255;
        if (equals)
            values[n_values++] = (char *)equals + 1;
        int negated;
        const cli_member *member = member_for(op, name + 2, &negated);
        int takes_list = member && member->shape->type == CLI_LIST;
        int takes_none = member && member->shape->type == CLI_BOOLEAN;
        int optional_value = !strcmp(name, "--generate-cli-skeleton");
        if (!equals && !takes_none) {
            while (i + 1 < argc && !is_option(argv[i + 1]) && (takes_list || n_values == 0)) {
                /* --generate-cli-skeleton's value is optional ("help" follows). */
                if (optional_value && !strcmp(argv[i + 1], "help"))
                    break;
                values[n_values++] = argv[++i];
            }
        }
        int known = member != NULL;
        if (!known && !strcmp(name, "--generate-cli-skeleton")) {
            known = 1;
            const char *value = n_values ? values[0] : "input";
            if (strcmp(value, "input") && strcmp(value, "yaml-input") && strcmp(value, "output")) {
                static const char *const choices[] = {"input", "output", "yaml-input"};
                free(values);
                free_args(args);
                return invalid_choice("--generate-cli-skeleton", choices, 3);
            }
            args->skeleton = value;
        } else if (!known && (!strcmp(name, "--cli-input-json") ||
                              !strcmp(name, "--cli-input-yaml") ||
                              (op->result_key && (!strcmp(name, "--starting-token") ||
                                                  !strcmp(name, "--max-items") ||
                                                  !strcmp(name, "--page-size"))))) {
            known = 1;
            if (n_values != 1) {
                free(values);
                free_args(args);
                return usage_error("argument %s: expected one argument", name);
            }
            int ok = 1;
            if (!strcmp(name, "--cli-input-json"))
                args->cli_input_json = values[0];
            else if (!strcmp(name, "--cli-input-yaml"))
                args->cli_input_yaml = values[0];
            else if (!strcmp(name, "--starting-token"))
                args->starting_token = values[0];
            else if (!strcmp(name, "--max-items"))
                ok = parse_count(name, values[0], &args->max_items);
            else
                ok = parse_count(name, values[0], &args->page_size);
            if (!ok) {
                free(values);
                free_args(args);
                return CLIENT_USAGE;
            }
        }
        if (!known) {
            snprintf(unknown + strlen(unknown), sizeof unknown - strlen(unknown), "%s%s",
                     *unknown ? ", " : "", arg);
            for (size_t k = 0; k < n_values; k++)
                snprintf(unknown + strlen(unknown), sizeof unknown - strlen(unknown), ", %s",
                         values[k]);
            free(values);
            continue;
        }
        if (!member) {
            free(values);
            continue;
        }
        if (takes_none && equals) {
            free(values);
            free_args(args);
            return usage_error("argument %s: ignored explicit argument '%s'", name, equals + 1);
        }
        if (!takes_none && n_values == 0) {
            free(values);
            free_args(args);
            return usage_error("argument %s: expected %s argument", name,
                               takes_list ? "at least one" : "one");
        }
        /* A repeated option: the last one counts, as with argparse. */
        given_option *slot = NULL;
        for (size_t k = 0; k < args->n_options; k++)
            if (args->options[k].member == member) {
                slot = &args->options[k];
                free(slot->values);
            }
        if (!slot)
            slot = &args->options[args->n_options++];
        slot->name = arg;
        slot->member = member;
        slot->values = values;
        slot->n_values = n_values;
        if (takes_none) {
            /* --x / --no-x: "true" / "false" for the conversion below. */
            values[0] = (char *)(negated ? "false" : "true");
            slot->n_values = 1;
        }
    }
    if (args->help)
        return 0;
    /* Required options, unless an input file or an input skeleton stands
     * in for them. */
    int inputs_elsewhere = args->cli_input_json || args->cli_input_yaml ||
                           (args->skeleton && strcmp(args->skeleton, "output"));
    char missing[1024] = "";
    for (size_t i = 0; !inputs_elsewhere && i < op->input->n_members; i++) {
        const cli_member *m = &op->input->members[i];
        if (!m->required)
            continue;
        int given = 0;
        for (size_t k = 0; k < args->n_options; k++)
            given |= args->options[k].member == m;
        if (!given) {
            char name[128];
            kebab(m->name, name, sizeof name);
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s--%s",
                     *missing ? ", " : "", name);
        }
    }
    if (*missing) {
        free_args(args);
        return usage_error("the following arguments are required: %s", missing);
    }
    if (*unknown) {
        free_args(args);
        fprintf(stderr, "\nusage: vigil lookoutvision [options] <command> [parameters]\n"
                        "To see help text, you can run:\n\n"
                        "  vigil lookoutvision help\n"
                        "  vigil lookoutvision <command> help\n\n"
                        "Unknown options: %s\n",
                unknown);
        return CLIENT_USAGE;
    }
    return 0;
}

/* ------------------------------------------------------------ params */

/* A UUID v4 for ClientToken, as botocore's idempotency token. */
static void uuid4(char out[37])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (unsigned char)rand();
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
}

/* The input: the --cli-input-json/yaml object, each explicit option
 * replacing its member.  0 or an exit code after reporting. */
static int build_params(const operation_args *args, json_t **params)
{
    char *error = NULL;
    *params = NULL;
    if (args->cli_input_json || args->cli_input_yaml) {
        if (args->cli_input_json && args->cli_input_yaml) {
            fprintf(stderr, "\nOnly one --cli-input-json or --cli-input-yaml may be given.\n");
            return CLIENT_USAGE;
        }
        *params = args->cli_input_json ? cli_input_load(args->cli_input_json, 0, &error)
                                       : cli_input_load(args->cli_input_yaml, 1, &error);
        if (!*params) {
            fprintf(stderr, "\n%s\n", error ? error : "out of memory");
            free(error);
            return CLIENT_USAGE;
        }
    } else {
        *params = json_object();
    }
    for (size_t i = 0; i < args->n_options; i++) {
        const given_option *given = &args->options[i];
        char option[256];
        snprintf(option, sizeof option, "%.*s", (int)strcspn(given->name, "="), given->name);
        json_t *value;
        client_status status;
        if (given->member->shape->type == CLI_BOOLEAN) {
            value = json_boolean(!strcmp(given->values[0], "true"));
            status = CLIENT_OK;
        } else {
            status = cli_param_value(given->member, option, given->values, given->n_values,
                                     &value, &error);
        }
        if (status != CLIENT_OK) {
            fprintf(stderr, "\n%s\n", error ? error : "out of memory");
            free(error);
            json_decref(*params);
            *params = NULL;
            return status;
        }
        json_object_set_new(*params, given->member->name, value);
    }
    return 0;
}

/* ------------------------------------------------------------- output */

static int print_result(const char *format, const cli_operation *op, const json_t *result,
                        const json_t *pages)
{
    if (!strcmp(format, "json")) {
        output_json(stdout, result);
    } else if (!strcmp(format, "text")) {
        if (pages) {
            size_t i;
            const json_t *page;
            json_array_foreach(pages, i, page)
                output_text(stdout, page);
            const json_t *token = json_object_get(result, "NextToken");
            if (token) {
                json_t *wrapped = json_pack("{s:{s:O}}", "NextToken", "NextToken", token);
                output_text(stdout, wrapped);
                json_decref(wrapped);
            }
        } else {
            output_text(stdout, result);
        }
    } else if (!strcmp(format, "yaml") || !strcmp(format, "yaml-stream")) {
        output_yaml(stdout, result);
    } else {
        output_table(stdout, result, op->name);
    }
    return 0;
}

static int valid_output(const char *format)
{
    return !strcmp(format, "json") || !strcmp(format, "text") || !strcmp(format, "table") ||
           !strcmp(format, "yaml") || !strcmp(format, "yaml-stream");
}

/* ------------------------------------------------------------- entry */

static int run_operation(const cli_operation *op, const global_options *g, int argc, char **argv)
{
    operation_args args;
    int status = parse_operation_args(op, argc, argv, &args);
    if (status != 0)
        return status;
    if (args.help) {
        free_args(&args);
        return help_operation(op);
    }
    if (args.skeleton && strcmp(args.skeleton, "output")) {
        if (!strcmp(args.skeleton, "yaml-input")) {
            cli_skeleton_yaml(stdout, op->input);
        } else {
            json_t *skeleton = cli_skeleton_input(op->input);
            output_json(stdout, skeleton);
            json_decref(skeleton);
        }
        free_args(&args);
        return 0;
    }
    int paging_given = args.starting_token || args.max_items >= 0 || args.page_size >= 0;
    int paginate = op->result_key && !g->no_paginate;
    json_t *params = NULL;
    status = build_params(&args, &params);
    if (status == 0 && op->result_key && g->no_paginate && paging_given) {
        fprintf(stderr, "\nCannot specify --no-paginate along with pagination arguments: %s\n",
                args.max_items >= 0 ? "--max-items"
                : args.page_size >= 0 ? "--page-size" : "--starting-token");
        status = CLIENT_USAGE;
    }
    /* NextToken or MaxResults given (as an option or in an input file)
     * turns pagination off, as in the CLI. */
    if (status == 0 && paginate &&
        (json_object_get(params, "NextToken") || json_object_get(params, "MaxResults")))
        paginate = 0;
    for (size_t i = 0; status == 0 && i < op->input->n_members; i++) {
        const cli_member *m = &op->input->members[i];
        if (m->idempotency_token && !json_object_get(params, m->name)) {
            char token[37];
            uuid4(token);
            json_object_set_new(params, m->name, json_string(token));
        }
    }
    char *invalid = status == 0 ? cli_validate(params, op->input) : NULL;
    if (invalid) {
        fprintf(stderr, "\n%s\n", invalid);
        free(invalid);
        status = CLIENT_USAGE;
    }
    aws_settings settings = {0};
    const char *format = g->output;
    if (status == 0 && args.skeleton) {
        /* Validates a sample output as botocore does, then prints it. */
        json_t *sample = cli_skeleton_output(op->output);
        char *bad = cli_validate(sample, op->output);
        if (bad) {
            fprintf(stderr, "\n%s\n", bad);
            free(bad);
            status = CLIENT_USAGE;
        } else {
            output_json(stdout, sample);
        }
        json_decref(sample);
        json_decref(params);
        free_args(&args);
        return status;
    }
    if (status == 0) {
        aws_config_status loaded = aws_settings_load(&settings, g->profile, g->region, g->output);
        format = settings.output;
        if (loaded == AWS_CONFIG_NO_PROFILE) {
            fprintf(stderr, "\nThe config profile (%s) could not be found\n", settings.profile);
            status = 255;
        } else if (loaded != AWS_CONFIG_OK) {
            status = 255;
        } else if (!valid_output(format)) {
            static const char *const formats[] = {"json", "text", "table", "yaml",
                                                  "yaml-stream"};
            status = invalid_choice("--output", formats, 5);
        } else if (!settings.region) {
            fprintf(stderr, "\nYou must specify a region. You can also configure your region by "
                            "running \"aws configure\".\n");
            status = EXIT_CONFIG;
        } else if (!settings.access_key_id || !settings.secret_access_key) {
            fprintf(stderr, "\nUnable to locate credentials. You can configure credentials by "
                            "running \"aws configure\".\n");
            status = EXIT_CONFIG;
        }
    }
    if (status == 0) {
        char *endpoint = NULL;
        if (g->endpoint_url)
            endpoint = strdup(g->endpoint_url);
        else if (asprintf(&endpoint, "https://lookoutvision.%s.amazonaws.com", settings.region) < 0)
            endpoint = NULL;
        size_t length = endpoint ? strlen(endpoint) : 0;
        while (length && endpoint[length - 1] == '/')
            endpoint[--length] = '\0';
        client_context context = {.endpoint = endpoint, .settings = &settings,
                                  .http = {.verify_tls = !g->no_verify_ssl,
                                           .ca_bundle = g->ca_bundle,
                                           .connect_timeout = g->connect_timeout,
                                           .read_timeout = g->read_timeout,
                                           .debug = g->debug}};
        json_t *result = NULL, *pages = NULL;
        if (!endpoint) {
            status = 255;
        } else if (paginate) {
            paginate_options options = {.starting_token = args.starting_token,
                                        .max_items = args.max_items,
                                        .page_size = args.page_size};
            status = client_paginate(&context, op, params, &options, &result, &pages);
        } else {
            status = client_call(&context, op, params, &result);
        }
        if (status == 0)
            print_result(format, op, result, pages);
        json_decref(result);
        json_decref(pages);
        free(endpoint);
    }
    aws_settings_free(&settings);
    json_decref(params);
    free_args(&args);
    return status;
}

int cmd_lookoutvision(int argc, char **argv)
{
    global_options g = {0};
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest)
        return 255;
    int n_rest = 0;
    const char *command = NULL;
    for (int i = 1; i < argc; i++) {
        int taken = take_global(argc, argv, &i, &g);
        if (taken < 0) {
            free(rest);
            return CLIENT_USAGE;
        }
        if (taken)
            continue;
        if (!command && !is_option(argv[i]))
            command = argv[i];
        else
            rest[n_rest++] = argv[i];
    }
    int status;
    if (!command) {
        status = usage_error("the following arguments are required: operation");
    } else if (!strcmp(command, "help")) {
        status = help_service();
    } else {
        const cli_operation *op = cli_find_operation(command);
        if (!op) {
            const char *choices[64];
            size_t n = 0;
            for (size_t i = 0; i < cli_n_operations; i++)
                choices[n++] = cli_operations[i].command;
            choices[n++] = "help"; /* the AWS CLI lists it last */
            status = invalid_choice("operation", choices, n);
        } else {
            status = run_operation(op, &g, n_rest, rest);
        }
    }
    free(rest);
    fflush(stdout);
    return status;
}

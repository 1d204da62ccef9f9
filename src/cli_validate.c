/*
 * cli_validate.c - botocore's ParamValidator over a JSON input: for a
 * structure, its missing required members, then its unknown members, then
 * each known member in the order given; for a list, its length and each
 * element; for strings and lists the min length, for integers the min
 * value.  Names read like botocore's ("OutputConfig.S3Location.Bucket",
 * "Tags[0].Key", "input" for the top).
 */
#include "cli_validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct report {
    char *text;
    size_t length;
    int failed;
} report;

static void add_line(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_line(report *r, const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t add = strlen(line);
    char *text = realloc(r->text, r->length + add + 2);
    if (!text) {
        r->failed = 1;
        return;
    }
    r->text = text;
    memcpy(r->text + r->length, line, add);
    r->length += add;
    r->text[r->length++] = '\n';
    r->text[r->length] = '\0';
}

/* ------------------------------------------------------ python str() */

typedef struct growing {
    char *data;
    size_t length;
} growing;

static void put(growing *g, const char *text, size_t n)
{
    char *data = realloc(g->data, g->length + n + 1);
    if (!data)
        return;
    g->data = data;
    memcpy(g->data + g->length, text, n);
    g->length += n;
    g->data[g->length] = '\0';
}

static void puts_g(growing *g, const char *text)
{
    put(g, text, strlen(text));
}

static void python_repr(growing *g, const json_t *value, int top)
{
    char number[64];
    switch (json_typeof(value)) {
    case JSON_STRING:
        if (!top)
            puts_g(g, "'");
        put(g, json_string_value(value), json_string_length(value));
        if (!top)
            puts_g(g, "'");
        break;
    case JSON_INTEGER:
        snprintf(number, sizeof number, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        puts_g(g, number);
        break;
    case JSON_REAL:
        snprintf(number, sizeof number, "%.17g", json_real_value(value));
        puts_g(g, number);
        break;
    case JSON_TRUE:
        puts_g(g, "True");
        break;
    case JSON_FALSE:
        puts_g(g, "False");
        break;
    case JSON_NULL:
        puts_g(g, "None");
        break;
    case JSON_ARRAY: {
        puts_g(g, "[");
        size_t i;
        const json_t *item;
        json_array_foreach(value, i, item) {
            if (i)
                puts_g(g, ", ");
            python_repr(g, item, 0);
        }
        puts_g(g, "]");
        break;
    }
    case JSON_OBJECT: {
        puts_g(g, "{");
        const char *key;
        const json_t *item;
        int first = 1;
        json_object_foreach((json_t *)value, key, item) {
            if (!first)
                puts_g(g, ", ");
            first = 0;
            puts_g(g, "'");
            puts_g(g, key);
            puts_g(g, "': ");
            python_repr(g, item, 0);
        }
        puts_g(g, "}");
        break;
    }
    }
}

char *cli_python_str(const json_t *value)
{
    growing g = {0};
    puts_g(&g, "");
    python_repr(&g, value, 1);
    return g.data;
}

/* ------------------------------------------------------------ checks */

static const char *python_type(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_STRING: return "<class 'str'>";
    case JSON_INTEGER: return "<class 'int'>";
    case JSON_REAL: return "<class 'float'>";
    case JSON_TRUE:
    case JSON_FALSE: return "<class 'bool'>";
    case JSON_ARRAY: return "<class 'list'>";
    case JSON_OBJECT: return "<class 'dict'>";
    default: return "<class 'NoneType'>";
    }
}

static const char *valid_types(cli_type type)
{
    switch (type) {
    case CLI_STRING: return "<class 'str'>";
    case CLI_INTEGER: return "<class 'int'>";
    case CLI_BOOLEAN: return "<class 'bool'>";
    case CLI_BLOB: return "<class 'bytes'>, <class 'bytearray'>, file-like object";
    case CLI_TIMESTAMP: return "<class 'datetime.datetime'>, timestamp-string";
    case CLI_FLOAT: return "<class 'float'>, <class 'decimal.Decimal'>, <class 'int'>";
    case CLI_LIST: return "<class 'list'>, <class 'tuple'>";
    case CLI_STRUCTURE:
    case CLI_MAP: return "<class 'dict'>";
    }
    return "";
}

static int type_fits(const json_t *value, cli_type type)
{
    switch (type) {
    case CLI_STRING:
    case CLI_BLOB:
    case CLI_TIMESTAMP: return json_is_string(value);
    case CLI_INTEGER: return json_is_integer(value);
    case CLI_BOOLEAN: return json_is_boolean(value);
    case CLI_FLOAT: return json_is_number(value);
    case CLI_LIST: return json_is_array(value);
    case CLI_STRUCTURE:
    case CLI_MAP: return json_is_object(value);
    }
    return 0;
}

static const char *display_name(const char *name)
{
    return *name ? name : "input";
}

static void validate(const json_t *value, const cli_shape *shape, const char *name, report *r);

static void validate_structure(const json_t *value, const cli_shape *shape, const char *name,
                               report *r)
{
    for (size_t i = 0; i < shape->n_members; i++)
        if (shape->members[i].required && !json_object_get(value, shape->members[i].name))
            add_line(r, "Missing required parameter in %s: \"%s\"", display_name(name),
                     shape->members[i].name);
    const char *key;
    const json_t *item;
    json_object_foreach((json_t *)value, key, item) {
        if (cli_find_member(shape, key))
            continue;
        char valid[1024] = "";
        for (size_t i = 0; i < shape->n_members; i++) {
            if (i)
                strncat(valid, ", ", sizeof valid - strlen(valid) - 1);
            strncat(valid, shape->members[i].name, sizeof valid - strlen(valid) - 1);
        }
        add_line(r, "Unknown parameter in %s: \"%s\", must be one of: %s", display_name(name),
                 key, valid);
    }
    json_object_foreach((json_t *)value, key, item) {
        const cli_member *member = cli_find_member(shape, key);
        if (!member)
            continue;
        char *child = NULL;
        if (asprintf(&child, "%s%s%s", name, *name ? "." : "", key) < 0) {
            r->failed = 1;
            return;
        }
        validate(item, member->shape, child, r);
        free(child);
    }
}

static void validate(const json_t *value, const cli_shape *shape, const char *name, report *r)
{
    if (!type_fits(value, shape->type)) {
        char *text = cli_python_str(value);
        add_line(r, "Invalid type for parameter %s, value: %s, type: %s, valid types: %s",
                 display_name(name), text ? text : "", python_type(value),
                 valid_types(shape->type));
        free(text);
        return;
    }
    if (shape->type == CLI_STRUCTURE) {
        validate_structure(value, shape, name, r);
    } else if (shape->type == CLI_LIST) {
        if (shape->has_min && (long)json_array_size(value) < shape->min)
            add_line(r, "Invalid length for parameter %s, value: %zu, valid min length: %ld",
                     display_name(name), json_array_size(value), shape->min);
        size_t i;
        const json_t *item;
        json_array_foreach(value, i, item) {
            char *child = NULL;
            if (asprintf(&child, "%s[%zu]", name, i) < 0) {
                r->failed = 1;
                return;
            }
            validate(item, shape->element, child, r);
            free(child);
        }
    } else if (shape->type == CLI_STRING && shape->has_min &&
               (long)json_string_length(value) < shape->min) {
        add_line(r, "Invalid length for parameter %s, value: %zu, valid min length: %ld",
                 display_name(name), json_string_length(value), shape->min);
    } else if (shape->type == CLI_INTEGER && shape->has_min &&
               json_integer_value(value) < shape->min) {
        add_line(r, "Invalid value for parameter %s, value: %" JSON_INTEGER_FORMAT
                    ", valid min value: %ld",
                 display_name(name), json_integer_value(value), shape->min);
    }
}

char *cli_validate(const json_t *params, const cli_shape *shape)
{
    report r = {0};
    validate(params, shape, "", &r);
    if (!r.text)
        return NULL;
    if (r.failed) {
        free(r.text);
        return strdup("Parameter validation failed:\nout of memory");
    }
    r.text[r.length - 1] = '\0'; /* the last newline */
    char *message = NULL;
    if (asprintf(&message, "Parameter validation failed:\n%s", r.text) < 0)
        message = NULL;
    free(r.text);
    return message;
}

/*
 * output_format.c - the AWS CLI's json and text output formats.
 */
#include "output_format.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void output_python_float(double value, char *out, size_t size)
{
    if (isnan(value)) {
        snprintf(out, size, "NaN");
        return;
    }
    if (isinf(value)) {
        snprintf(out, size, value < 0 ? "-Infinity" : "Infinity");
        return;
    }
    /* The shortest %.*e that reads back as the same double. */
    char sci[64];
    for (int precision = 0; precision < 17; precision++) {
        snprintf(sci, sizeof sci, "%.*e", precision, value);
        if (strtod(sci, NULL) == value)
            break;
    }
    /* sci is [-]d[.ddd]e[+-]XX: split into digits and exponent. */
    char digits[32];
    size_t n = 0;
    const char *p = sci;
    int negative = *p == '-';
    if (negative)
        p++;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[n++] = *p;
    digits[n] = '\0';
    int exponent = atoi(p + 1);
    while (n > 1 && digits[n - 1] == '0')
        digits[--n] = '\0';
    char body[64];
    if (exponent < -4 || exponent >= 16) {
        snprintf(body, sizeof body, "%c%s%s%se%c%02d", digits[0], n > 1 ? "." : "",
                 digits + 1, "", exponent < 0 ? '-' : '+', abs(exponent));
    } else if (exponent < 0) {
        snprintf(body, sizeof body, "0.%0*d%s", -exponent - 1, 0, digits);
        if (-exponent - 1 == 0)
            snprintf(body, sizeof body, "0.%s", digits);
    } else if ((size_t)exponent + 1 >= n) {
        snprintf(body, sizeof body, "%s%0*d.0", digits, exponent + 1 - (int)n, 0);
        if ((size_t)exponent + 1 == n)
            snprintf(body, sizeof body, "%s.0", digits);
    } else {
        snprintf(body, sizeof body, "%.*s.%s", exponent + 1, digits, digits + exponent + 1);
    }
    snprintf(out, size, "%s%s", negative ? "-" : "", body);
}

char *output_python_scalar(const json_t *value)
{
    char number[64];
    switch (json_typeof(value)) {
    case JSON_STRING:
        return strndup(json_string_value(value), json_string_length(value));
    case JSON_INTEGER:
        snprintf(number, sizeof number, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        return strdup(number);
    case JSON_REAL:
        output_python_float(json_real_value(value), number, sizeof number);
        return strdup(number);
    case JSON_TRUE:
        return strdup("True");
    case JSON_FALSE:
        return strdup("False");
    default:
        return strdup("None");
    }
}

/* ----------------------------------------------------------------- json */

static void json_string_out(FILE *out, const char *text, size_t length)
{
    fputc('"', out);
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        case '\b': fputs("\\b", out); break;
        case '\f': fputs("\\f", out); break;
        default:
            if (c < 0x20)
                fprintf(out, "\\u%04x", c);
            else
                fputc(c, out);
        }
    }
    fputc('"', out);
}

static void json_value_out(FILE *out, const json_t *value, int depth)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT: {
        if (json_object_size(value) == 0) {
            fputs("{}", out);
            return;
        }
        fputs("{", out);
        const char *key;
        const json_t *item;
        int first = 1;
        json_object_foreach((json_t *)value, key, item) {
            fprintf(out, "%s\n%*s", first ? "" : ",", 4 * (depth + 1), "");
            first = 0;
            json_string_out(out, key, strlen(key));
            fputs(": ", out);
            json_value_out(out, item, depth + 1);
        }
        fprintf(out, "\n%*s}", 4 * depth, "");
        return;
    }
    case JSON_ARRAY: {
        if (json_array_size(value) == 0) {
            fputs("[]", out);
            return;
        }
        fputs("[", out);
        size_t i;
        const json_t *item;
        json_array_foreach(value, i, item) {
            fprintf(out, "%s\n%*s", i ? "," : "", 4 * (depth + 1), "");
            json_value_out(out, item, depth + 1);
        }
        fprintf(out, "\n%*s]", 4 * depth, "");
        return;
    }
    case JSON_STRING:
        json_string_out(out, json_string_value(value), json_string_length(value));
        return;
    case JSON_REAL: {
        char number[64];
        output_python_float(json_real_value(value), number, sizeof number);
        fputs(number, out);
        return;
    }
    case JSON_INTEGER:
        fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        return;
    case JSON_TRUE:
        fputs("true", out);
        return;
    case JSON_FALSE:
        fputs("false", out);
        return;
    case JSON_NULL:
        fputs("null", out);
        return;
    }
}

void output_json(FILE *out, const json_t *value)
{
    /* The CLI prints nothing for an empty response (TagResource). */
    if (json_is_object(value) && json_object_size(value) == 0)
        return;
    json_value_out(out, value, 0);
    fputc('\n', out);
}

/* ----------------------------------------------------------------- text */

static int is_container(const json_t *value)
{
    return json_is_object(value) || json_is_array(value);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The object's keys, sorted; *n set.  which: 0 all, 1 scalars, 2 containers. */
static const char **sorted_keys(const json_t *object, size_t *n, int which)
{
    const char **keys = malloc((json_object_size(object) + 1) * sizeof *keys);
    *n = 0;
    if (!keys)
        return NULL;
    const char *key;
    const json_t *item;
    json_object_foreach((json_t *)object, key, item) {
        if (which == 0 || (which == 1) == !is_container(item))
            keys[(*n)++] = key;
    }
    qsort(keys, *n, sizeof *keys, compare_strings);
    return keys;
}

static void text_value(FILE *out, const json_t *value, const char *identifier,
                       const char **scalar_keys, size_t n_scalar_keys);

static void upper_out(FILE *out, const char *text)
{
    for (; *text; text++)
        fputc(*text >= 'a' && *text <= 'z' ? *text - 32 : *text, out);
}

static void scalar_out(FILE *out, const json_t *value)
{
    char *text = output_python_scalar(value);
    if (text)
        fputs(text, out);
    free(text);
}

static void text_dict(FILE *out, const json_t *object, const char *identifier,
                      const char **scalar_keys, size_t n_scalar_keys)
{
    size_t n_own = 0;
    const char **own = NULL;
    const char **scalars = scalar_keys;
    size_t n_scalars = n_scalar_keys;
    if (!scalar_keys) {
        own = sorted_keys(object, &n_own, 1);
        scalars = own;
        n_scalars = n_own;
    }
    if (n_scalars > 0) {
        int first = 1;
        if (identifier) {
            upper_out(out, identifier);
            first = 0;
        }
        for (size_t i = 0; i < n_scalars; i++) {
            if (!first)
                fputc('\t', out);
            first = 0;
            const json_t *item = json_object_get(object, scalars[i]);
            if (item)
                scalar_out(out, item);
        }
        fputc('\n', out);
    }
    /* Then every other key (containers, and with shared columns any
     * scalar outside them), sorted. */
    size_t n_all;
    const char **all = sorted_keys(object, &n_all, 0);
    for (size_t i = 0; all && i < n_all; i++) {
        const json_t *item = json_object_get(object, all[i]);
        int is_scalar_column = 0;
        for (size_t j = 0; j < n_scalars; j++)
            is_scalar_column |= strcmp(scalars[j], all[i]) == 0;
        if (is_scalar_column || (!scalar_keys && !is_container(item)))
            continue;
        text_value(out, item, all[i], NULL, 0);
    }
    free(all);
    free(own);
}

static void text_list(FILE *out, const json_t *list, const char *identifier)
{
    if (json_array_size(list) == 0)
        return;
    size_t i;
    const json_t *item;
    int has_dict = 0, has_list = 0;
    json_array_foreach(list, i, item) {
        has_dict |= json_is_object(item);
        has_list |= json_is_array(item);
    }
    if (has_dict) {
        /* The union of the dicts' scalar keys, sorted: one column set. */
        json_t *seen = json_object();
        json_array_foreach(list, i, item) {
            if (!json_is_object(item))
                continue;
            const char *key;
            const json_t *v;
            json_object_foreach((json_t *)item, key, v)
                if (!is_container(v))
                    json_object_set_new(seen, key, json_true());
        }
        size_t n;
        const char **keys = sorted_keys(seen, &n, 0);
        json_array_foreach(list, i, item)
            text_value(out, item, identifier, keys, n);
        free(keys);
        json_decref(seen);
        return;
    }
    if (has_list) {
        json_t *scalars = json_array();
        json_array_foreach(list, i, item)
            if (!is_container(item))
                json_array_append(scalars, (json_t *)item);
        if (json_array_size(scalars))
            text_list(out, scalars, identifier);
        json_decref(scalars);
        json_array_foreach(list, i, item)
            if (is_container(item))
                text_value(out, item, identifier, NULL, 0);
        return;
    }
    if (identifier) {
        json_array_foreach(list, i, item) {
            upper_out(out, identifier);
            fputc('\t', out);
            scalar_out(out, item);
            fputc('\n', out);
        }
    } else {
        json_array_foreach(list, i, item) {
            if (i)
                fputc('\t', out);
            scalar_out(out, item);
        }
        fputc('\n', out);
    }
}

static void text_value(FILE *out, const json_t *value, const char *identifier,
                       const char **scalar_keys, size_t n_scalar_keys)
{
    if (json_is_object(value))
        text_dict(out, value, identifier, scalar_keys, n_scalar_keys);
    else if (json_is_array(value))
        text_list(out, value, identifier);
    else {
        scalar_out(out, value);
        fputc('\n', out);
    }
}

void output_text(FILE *out, const json_t *value)
{
    text_value(out, value, NULL, NULL, 0);
}

/* ----------------------------------------------------------------- yaml */

/* Whether a string must be quoted to stay a string (it would read back as
 * null, a boolean, a number or a date, or starts or holds YAML syntax). */
static int yaml_needs_quotes(const char *text)
{
    static const char *const words[] = {"", "~", "null", "Null", "NULL", "true", "True", "TRUE",
                                        "false", "False", "FALSE", "yes", "Yes", "YES", "no",
                                        "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y",
                                        "Y", "n", "N", NULL};
    for (int i = 0; words[i]; i++)
        if (!strcmp(text, words[i]))
            return 1;
    if (strchr("-?:,[]{}#&*!|>'\"%@` ", text[0]) || text[strlen(text) - 1] == ' ' ||
        text[strlen(text) - 1] == ':')
        return 1;
    if (strstr(text, ": ") || strstr(text, " #") || strpbrk(text, "\n\t\r"))
        return 1;
    /* Numbers (ints, floats, 0x/0o, sexagesimal) and dates: a digit or a
     * sign or dot followed by digits start them. */
    char *end;
    strtod(text, &end);
    if (*end == '\0')
        return 1;
    if (isdigit((unsigned char)text[0]) && strlen(text) >= 10 && text[4] == '-' &&
        text[7] == '-')
        return 1;
    return 0;
}

static void yaml_scalar_out(FILE *out, const json_t *value)
{
    if (json_is_string(value)) {
        const char *text = json_string_value(value);
        if (!yaml_needs_quotes(text)) {
            fputs(text, out);
            return;
        }
        fputc('\'', out);
        for (const char *p = text; *p; p++) {
            if (*p == '\'')
                fputc('\'', out);
            fputc(*p, out);
        }
        fputc('\'', out);
    } else if (json_is_null(value)) {
        fputs("null", out);
    } else if (json_is_boolean(value)) {
        fputs(json_is_true(value) ? "true" : "false", out);
    } else {
        char *text = output_python_scalar(value);
        if (text)
            fputs(text, out);
        free(text);
    }
}

static void yaml_value_out(FILE *out, const json_t *value, int indent);

static int yaml_inline(const json_t *value)
{
    return !is_container(value) || (json_is_object(value) && json_object_size(value) == 0) ||
           (json_is_array(value) && json_array_size(value) == 0);
}

static void yaml_inline_out(FILE *out, const json_t *value)
{
    if (json_is_object(value))
        fputs("{}", out);
    else if (json_is_array(value))
        fputs("[]", out);
    else
        yaml_scalar_out(out, value);
}

/* A mapping's entries; the first line's indentation was already written
 * when first_written (a list item's "- "). */
static void yaml_mapping_out(FILE *out, const json_t *object, int indent, int first_written)
{
    /* ruamel's safe dumper sorts a mapping's keys. */
    size_t n;
    const char **keys = sorted_keys(object, &n, 0);
    int first = 1;
    for (size_t i = 0; keys && i < n; i++) {
        const char *key = keys[i];
        const json_t *item = json_object_get(object, key);
        if (!(first && first_written))
            fprintf(out, "%*s", indent, "");
        first = 0;
        json_t *key_value = json_string(key);
        yaml_scalar_out(out, key_value);
        json_decref(key_value);
        if (yaml_inline(item)) {
            fputs(": ", out);
            yaml_inline_out(out, item);
            fputc('\n', out);
        } else {
            fputs(":\n", out);
            /* ruamel writes a mapping's list items at the key's indent. */
            yaml_value_out(out, item, json_is_array(item) ? indent : indent + 2);
        }
    }
    free(keys);
}

static void yaml_value_out(FILE *out, const json_t *value, int indent)
{
    if (json_is_object(value)) {
        yaml_mapping_out(out, value, indent, 0);
        return;
    }
    size_t i;
    const json_t *item;
    json_array_foreach(value, i, item) {
        fprintf(out, "%*s- ", indent, "");
        if (yaml_inline(item)) {
            yaml_inline_out(out, item);
            fputc('\n', out);
        } else if (json_is_object(item)) {
            yaml_mapping_out(out, item, indent + 2, 1);
        } else {
            fputc('\n', out);
            yaml_value_out(out, item, indent + 2);
        }
    }
}

void output_yaml(FILE *out, const json_t *value)
{
    if (json_is_object(value) && json_object_size(value) == 0)
        return;
    if (yaml_inline(value)) {
        output_json(out, value);
        return;
    }
    yaml_value_out(out, value, 0);
}

/*
 * cli_param.c - turns an option's text into its member's JSON value the
 * way the AWS CLI 2 does (awscli's argprocess and paramfile rules).
 */
#include "cli_param.h"

#include "base64.h"
#include "cli_shorthand.h"

#include <ctype.h>
#include <stdarg.h>
#include <strings.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    if (vasprintf(&text, fmt, ap) < 0)
        text = NULL;
    va_end(ap);
    return text;
}

static int read_all(const char *path, char **contents, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return 0;
    char *data = NULL;
    size_t length = 0, capacity = 0;
    for (;;) {
        if (length + 65536 + 1 > capacity) {
            capacity = (length + 65536 + 1) * 2;
            char *grown = realloc(data, capacity);
            if (!grown) {
                free(data);
                fclose(file);
                errno = ENOMEM;
                return 0;
            }
            data = grown;
        }
        size_t n = fread(data + length, 1, 65536, file);
        length += n;
        if (n < 65536)
            break;
    }
    int ok = !ferror(file);
    fclose(file);
    if (!ok) {
        free(data);
        return 0;
    }
    data[length] = '\0';
    *contents = data;
    *size = length;
    return 1;
}

int cli_param_file(const char *value, char **contents, size_t *size, char **error)
{
    const char *path;
    if (strncmp(value, "file://", 7) == 0)
        path = value + 7;
    else if (strncmp(value, "fileb://", 8) == 0)
        path = value + 8;
    else
        return 0;
    *contents = NULL;
    *error = NULL;
    char *expanded = NULL;
    const char *home = getenv("HOME");
    if (path[0] == '~' && home)
        expanded = format("%s%s", home, path + 1);
    const char *open_path = expanded ? expanded : path;
    if (!read_all(open_path, contents, size))
        *error = format("Unable to load paramfile %s: [Errno %d] %s: '%s'", value, errno,
                        strerror(errno), open_path);
    free(expanded);
    return 1;
}

/* botocore's blob check: text is base64. */
static int is_base64(const char *text, size_t length)
{
    if (length % 4 != 0)
        return 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        int pad_ok = c == '=' && i >= length - 2 && (i == length - 1 || text[length - 1] == '=');
        if (!isalnum(c) && c != '+' && c != '/' && !pad_ok)
            return 0;
    }
    return 1;
}

/* Python's int(): optional sign, digits with single underscores between
 * them, surrounding whitespace. */
static int python_int(const char *text, json_int_t *out)
{
    while (isspace((unsigned char)*text))
        text++;
    int negative = *text == '-';
    if (*text == '-' || *text == '+')
        text++;
    json_int_t value = 0;
    int digits = 0, last_underscore = 0;
    for (; *text && !isspace((unsigned char)*text); text++) {
        if (*text == '_' && digits && !last_underscore) {
            last_underscore = 1;
            continue;
        }
        if (!isdigit((unsigned char)*text))
            return 0;
        value = value * 10 + (*text - '0');
        digits++;
        last_underscore = 0;
    }
    while (isspace((unsigned char)*text))
        text++;
    if (!digits || last_underscore || *text)
        return 0;
    *out = negative ? -value : value;
    return 1;
}

/* Shorthand's strings given their member types ("1" -> 1 for integers,
 * "true" -> true, "x" -> ["x"] for lists), as the AWS CLI's
 * BackCompatVisitor converts them; takes value, returns the result. */
static json_t *typed(json_t *value, const cli_shape *shape)
{
    if (!value)
        return NULL;
    switch (shape->type) {
    case CLI_STRUCTURE: {
        if (!json_is_object(value))
            return value;
        for (size_t i = 0; i < shape->n_members; i++) {
            json_t *item = json_object_get(value, shape->members[i].name);
            if (item) {
                json_incref(item);
                json_object_set_new(value, shape->members[i].name,
                                    typed(item, shape->members[i].shape));
            }
        }
        return value;
    }
    case CLI_LIST:
        if (!json_is_array(value)) {
            json_t *list = json_array();
            json_array_append_new(list, value);
            return list;
        }
        for (size_t i = 0; i < json_array_size(value); i++) {
            json_t *item = json_incref(json_array_get(value, i));
            json_array_set_new(value, i, typed(item, shape->element));
        }
        return value;
    case CLI_INTEGER: {
        json_int_t number;
        if (json_is_string(value) && python_int(json_string_value(value), &number)) {
            json_decref(value);
            return json_integer(number);
        }
        return value;
    }
    case CLI_FLOAT:
        if (json_is_string(value)) {
            char *end;
            double number = strtod(json_string_value(value), &end);
            if (end != json_string_value(value) && *end == '\0') {
                json_decref(value);
                return json_real(number);
            }
        }
        return value;
    case CLI_BOOLEAN:
        if (json_is_string(value)) {
            const char *text = json_string_value(value);
            if (strcasecmp(text, "true") == 0 || strcasecmp(text, "false") == 0) {
                int truth = strcasecmp(text, "true") == 0;
                json_decref(value);
                return json_boolean(truth);
            }
        }
        return value;
    default:
        return value;
    }
}

static int is_complex(const cli_shape *shape)
{
    return shape->type == CLI_STRUCTURE || shape->type == CLI_MAP || shape->type == CLI_LIST;
}

static const char *skip_space(const char *text)
{
    while (isspace((unsigned char)*text))
        text++;
    return text;
}

static client_status parse_json(const char *option, const char *text, json_t **out, char **error)
{
    json_error_t json_error;
    *out = json_loads(text, JSON_DECODE_ANY, &json_error);
    if (*out)
        return CLIENT_OK;
    *error = format("Error parsing parameter '%s': Invalid JSON: %s: line %d column %d\n"
                    "JSON received: %s",
                    option, json_error.text, json_error.line, json_error.column, text);
    return CLIENT_USAGE;
}

/* A structure (or list element structure) given as JSON or shorthand. */
static client_status parse_complex(const char *option, const char *text, const cli_shape *shape,
                                json_t **out, char **error)
{
    const char *start = skip_space(text);
    if (*start == '{' || *start == '[')
        return parse_json(option, text, out, error);
    char message[4096];
    json_t *parsed = cli_shorthand_parse(text, message, sizeof message);
    if (!parsed) {
        *error = format("Error parsing parameter '%s': %s", option, message);
        return CLIENT_USAGE;
    }
    *out = typed(parsed, shape);
    return CLIENT_OK;
}

/* A scalar, as unpack_scalar_cli_arg converts it (blobs are dealt with
 * by blob_value). */
static client_status parse_scalar(const char *text, const cli_shape *shape, json_t **out,
                               char **error)
{
    json_int_t number;
    if (shape->type == CLI_INTEGER) {
        if (!python_int(text, &number)) {
            *error = format("invalid literal for int() with base 10: '%s'", text);
            return CLIENT_FAILED;
        }
        *out = json_integer(number);
    } else if (shape->type == CLI_FLOAT) {
        char *end;
        double value = strtod(text, &end);
        if (end == text || *skip_space(end)) {
            *error = format("could not convert string to float: '%s'", text);
            return CLIENT_FAILED;
        }
        *out = json_real(value);
    } else {
        *out = json_string(text);
    }
    if (!*out) {
        *error = format("the value '%s' is not UTF-8 text", text);
        return CLIENT_FAILED;
    }
    return CLIENT_OK;
}

/* A blob: fileb:// bytes as they are; the streaming image body from the
 * path it names; any other text must already be base64, as the AWS CLI
 * 2's default cli_binary_format (base64) wants. */
static client_status blob_value(const char *option, const char *text, const char *bytes,
                             size_t size, const cli_shape *shape, json_t **out, char **error)
{
    char *read = NULL;
    if (!bytes && shape->streaming) {
        struct stat st;
        if (stat(text, &st) != 0 || !S_ISREG(st.st_mode) || !read_all(text, &read, &size)) {
            *error = format("Error parsing parameter '%s': Blob values must be a path to a file.",
                            option);
            return CLIENT_USAGE;
        }
        bytes = read;
    }
    if (!bytes) {
        if (!is_base64(text, strlen(text))) {
            *error = format("Invalid base64: \"%s\"", text);
            return CLIENT_FAILED;
        }
        *out = json_string(text);
        return CLIENT_OK;
    }
    char *encoded = base64_encode_alloc((const uint8_t *)bytes, size);
    free(read);
    *out = encoded ? json_string(encoded) : NULL;
    free(encoded);
    if (!*out) {
        *error = format("out of memory reading %s", option);
        return CLIENT_FAILED;
    }
    return CLIENT_OK;
}

/* One argument: its paramfile contents first, then by the shape. */
static client_status one_value(const cli_shape *shape, const char *option, const char *value,
                            json_t **out, char **error)
{
    char *contents = NULL;
    size_t size = 0;
    if (cli_param_file(value, &contents, &size, error)) {
        if (!contents) {
            char *message = format("Error parsing parameter '%s': %s", option, *error);
            free(*error);
            *error = message;
            return CLIENT_USAGE;
        }
    }
    int binary = contents && strncmp(value, "fileb://", 8) == 0;
    const char *text = contents ? contents : value;
    client_status status;
    if (shape->type == CLI_BLOB)
        status = blob_value(option, text, binary ? contents : NULL, size, shape, out, error);
    else if (is_complex(shape))
        status = parse_complex(option, text, shape, out, error);
    else
        status = parse_scalar(text, shape, out, error);
    free(contents);
    return status;
}

client_status cli_param_value(const cli_member *member, const char *option, char *const *values,
                           size_t n_values, json_t **out, char **error)
{
    const cli_shape *shape = member->shape;
    *out = NULL;
    *error = NULL;
    if (shape->type != CLI_LIST)
        return one_value(shape, option, values[0], out, error);
    /* Lists take several arguments; one that starts with '[' is the whole
     * list as JSON. */
    if (n_values == 1) {
        char *contents = NULL;
        size_t size;
        if (cli_param_file(values[0], &contents, &size, error) && !contents) {
            char *message = format("Error parsing parameter '%s': %s", option, *error);
            free(*error);
            *error = message;
            return CLIENT_USAGE;
        }
        const char *text = contents ? contents : values[0];
        if (*skip_space(text) == '[') {
            client_status status = parse_json(option, text, out, error);
            free(contents);
            return status;
        }
        free(contents);
    }
    json_t *list = json_array();
    if (!list)
        return CLIENT_FAILED;
    for (size_t i = 0; i < n_values; i++) {
        json_t *item;
        client_status status = one_value(shape->element, option, values[i], &item, error);
        if (status != CLIENT_OK) {
            json_decref(list);
            return status;
        }
        json_array_append_new(list, item);
    }
    *out = list;
    return CLIENT_OK;
}

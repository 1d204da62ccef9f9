/*
 * client_request.c - botocore's rest-json serialiser and parser for the
 * Lookout for Vision operations: URI labels percent-encoded with only
 * "-._~" kept, query members repeated for lists, "true"/"false" and ISO
 * 8601 timestamps; header members; a JSON body of the remaining members
 * ("{}" when the operation has body members but none is set), or the raw
 * payload member (DetectAnomalies' image).
 */
#include "client_request.h"

#include <openssl/evp.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* ---------------------------------------------------------- timestamps */

static int digits(const char *text, int n, int *value)
{
    *value = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)text[i]))
            return 0;
        *value = *value * 10 + (text[i] - '0');
    }
    return 1;
}

int client_parse_timestamp(const char *text, long long *seconds, long *micros)
{
    char *end;
    double epoch = strtod(text, &end);
    if (end != text && *end == '\0' && isdigit((unsigned char)text[0])) {
        *seconds = (long long)epoch;
        *micros = (long)((epoch - (double)*seconds) * 1e6 + 0.5);
        return 1;
    }
    int year, month, day, hour = 0, minute = 0, second = 0;
    if (strlen(text) < 10 || !digits(text, 4, &year) || text[4] != '-' ||
        !digits(text + 5, 2, &month) || text[7] != '-' || !digits(text + 8, 2, &day))
        return 0;
    const char *p = text + 10;
    long fraction = 0;
    if (*p == 'T' || *p == ' ') {
        if (!digits(p + 1, 2, &hour) || p[3] != ':' || !digits(p + 4, 2, &minute))
            return 0;
        p += 6;
        if (*p == ':') {
            if (!digits(p + 1, 2, &second))
                return 0;
            p += 3;
            if (*p == '.') {
                long scale = 100000;
                for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
                    fraction += (*p - '0') * scale;
            }
        }
    }
    long offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh))
            return 0;
        const char *q = p + 3;
        if (*q == ':')
            q++;
        if (!digits(q, 2, &om))
            return 0;
        offset = (*p == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
        p = q + 2;
    }
    if (*p || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
        second > 60)
        return 0;
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
                    .tm_hour = hour, .tm_min = minute, .tm_sec = second};
    *seconds = (long long)timegm(&tm) - offset;
    *micros = fraction;
    return 1;
}

void client_format_timestamp(long long seconds, long micros, char *out, size_t size)
{
    time_t t = (time_t)seconds;
    struct tm tm;
    localtime_r(&t, &tm);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    long offset = tm.tm_gmtoff;
    char sign = offset < 0 ? '-' : '+';
    if (offset < 0)
        offset = -offset;
    if (micros)
        snprintf(out, size, "%s.%06ld%c%02ld:%02ld", date, micros, sign, offset / 3600,
                 offset / 60 % 60);
    else
        snprintf(out, size, "%s%c%02ld:%02ld", date, sign, offset / 3600, offset / 60 % 60);
}

/* botocore's iso8601 serialisation of a query timestamp, in UTC. */
static char *query_timestamp(const char *text)
{
    long long seconds;
    long micros;
    if (!client_parse_timestamp(text, &seconds, &micros))
        return NULL;
    time_t t = (time_t)seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    return micros ? format("%s.%06ldZ", date, micros) : format("%sZ", date);
}

/* ------------------------------------------------------------ encoding */

static void append(char **text, size_t *length, const char *more, size_t n)
{
    char *grown = realloc(*text, *length + n + 1);
    if (!grown)
        return;
    memcpy(grown + *length, more, n);
    *length += n;
    grown[*length] = '\0';
    *text = grown;
}

/* percent_encode(value, safe='-._~') */
static void append_encoded(char **text, size_t *length, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p)) {
            append(text, length, (const char *)p, 1);
        } else {
            char escape[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            append(text, length, escape, 3);
        }
    }
}

/* A scalar member's text: strings as they are, booleans as true/false,
 * numbers in decimal, timestamps as ISO 8601 (NULL when unparsable). */
static char *scalar_text(const json_t *value, const cli_shape *shape)
{
    if (shape->type == CLI_TIMESTAMP)
        return query_timestamp(json_string_value(value));
    if (json_is_string(value))
        return strdup(json_string_value(value));
    if (json_is_boolean(value))
        return strdup(json_is_true(value) ? "true" : "false");
    if (json_is_integer(value))
        return format("%" JSON_INTEGER_FORMAT, json_integer_value(value));
    if (json_is_real(value))
        return format("%.17g", json_real_value(value));
    return NULL;
}

static void add_query(char **query, size_t *length, const char *name, const char *value)
{
    if (*length)
        append(query, length, "&", 1);
    append_encoded(query, length, name);
    append(query, length, "=", 1);
    append_encoded(query, length, value);
}

/* The URI template with each {label} replaced by its encoded member. */
static char *fill_uri(const char *template, const cli_shape *input, const json_t *params)
{
    char *path = NULL;
    size_t length = 0;
    append(&path, &length, "", 0);
    for (const char *p = template; *p;) {
        const char *open = strchr(p, '{');
        if (!open) {
            append(&path, &length, p, strlen(p));
            break;
        }
        append(&path, &length, p, (size_t)(open - p));
        const char *close = strchr(open, '}');
        size_t label_length = (size_t)(close - open - 1);
        for (size_t i = 0; i < input->n_members; i++) {
            const cli_member *m = &input->members[i];
            if (m->location == CLI_IN_URI && strlen(m->location_name) == label_length &&
                strncmp(m->location_name, open + 1, label_length) == 0) {
                const json_t *value = json_object_get(params, m->name);
                char *text = value ? scalar_text(value, m->shape) : NULL;
                append_encoded(&path, &length, text ? text : "");
                free(text);
            }
        }
        p = close + 1;
    }
    return path;
}

static uint8_t *decode_base64(const char *text, size_t *size)
{
    size_t length = strlen(text);
    uint8_t *bytes = malloc(length / 4 * 3 + 3);
    if (!bytes)
        return NULL;
    int n = length ? EVP_DecodeBlock(bytes, (const unsigned char *)text, (int)length) : 0;
    if (n < 0) {
        free(bytes);
        return NULL;
    }
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    if (length >= 1 && text[length - 1] == '=')
        n--;
    if (length >= 2 && text[length - 2] == '=')
        n--;
    *size = (size_t)n;
    return bytes;
}

client_status client_request_build(const cli_operation *operation, const json_t *params,
                                client_request *request, char **error)
{
    memset(request, 0, sizeof *request);
    const cli_shape *input = operation->input;
    *error = NULL;
    request->path = fill_uri(operation->uri, input, params);
    size_t query_length = 0;
    append(&request->query, &query_length, "", 0);
    json_t *body = json_object();
    int has_body_members = 0;
    for (size_t i = 0; i < input->n_members && !*error; i++) {
        const cli_member *m = &input->members[i];
        const json_t *value = json_object_get(params, m->name);
        if (m->location == CLI_IN_BODY && !(input->payload && !strcmp(input->payload, m->name)))
            has_body_members = 1;
        if (!value)
            continue;
        if (input->payload && strcmp(input->payload, m->name) == 0) {
            request->body = decode_base64(json_string_value(value), &request->body_size);
            if (!request->body)
                *error = format("The value of %s is not base64.", m->name);
        } else if (m->location == CLI_IN_QUERY) {
            if (m->shape->type == CLI_LIST) {
                size_t j;
                const json_t *item;
                json_array_foreach(value, j, item) {
                    char *text = scalar_text(item, m->shape->element);
                    if (text)
                        add_query(&request->query, &query_length, m->location_name, text);
                    free(text);
                }
            } else {
                char *text = scalar_text(value, m->shape);
                if (!text)
                    *error = format("Invalid timestamp \"%s\" for %s: use ISO 8601 "
                                    "(2020-06-23T00:00:00Z) or epoch seconds.",
                                    json_string_value(value), m->name);
                else
                    add_query(&request->query, &query_length, m->location_name, text);
                free(text);
            }
        } else if (m->location == CLI_IN_HEADER) {
            char *text = scalar_text(value, m->shape);
            if (!text || !aws_header_add(&request->headers, m->location_name, text))
                *error = format("out of memory");
            free(text);
        } else if (m->location == CLI_IN_BODY) {
            json_object_set(body, m->name, (json_t *)value);
        }
    }
    if (!*error && !input->payload && (has_body_members || json_object_size(body))) {
        /* json.dumps' separators and ASCII escapes, as botocore writes it. */
        char *text = json_dumps(body, JSON_ENSURE_ASCII);
        request->body = (uint8_t *)text;
        request->body_size = text ? strlen(text) : 0;
        if (!text || !aws_header_add(&request->headers, "Content-Type", "application/json"))
            *error = format("out of memory");
    }
    json_decref(body);
    if (!*error && !request->path)
        *error = format("out of memory");
    if (*error) {
        client_request_free(request);
        return CLIENT_FAILED;
    }
    return CLIENT_OK;
}

void client_request_free(client_request *request)
{
    free(request->path);
    free(request->query);
    free(request->body);
    aws_header_list_free(&request->headers);
    memset(request, 0, sizeof *request);
}

/* ------------------------------------------------------------ parsing */

static json_t *parse_value(const json_t *value, const cli_shape *shape)
{
    switch (shape->type) {
    case CLI_STRUCTURE: {
        if (!json_is_object(value))
            return NULL;
        json_t *out = json_object();
        for (size_t i = 0; i < shape->n_members; i++) {
            const json_t *item = json_object_get(value, shape->members[i].name);
            json_t *parsed = item && !json_is_null(item)
                                 ? parse_value(item, shape->members[i].shape)
                                 : NULL;
            if (parsed)
                json_object_set_new(out, shape->members[i].name, parsed);
        }
        return out;
    }
    case CLI_LIST: {
        if (!json_is_array(value))
            return NULL;
        json_t *out = json_array();
        size_t i;
        const json_t *item;
        json_array_foreach(value, i, item) {
            json_t *parsed = parse_value(item, shape->element);
            if (parsed)
                json_array_append_new(out, parsed);
        }
        return out;
    }
    case CLI_TIMESTAMP: {
        long long seconds;
        long micros = 0;
        if (json_is_number(value)) {
            double epoch = json_number_value(value);
            seconds = (long long)epoch;
            /* Python's fromtimestamp rounds to the microsecond. */
            micros = (long)((epoch - (double)seconds) * 1e6 + 0.5);
            if (micros >= 1000000) {
                seconds++;
                micros -= 1000000;
            }
        } else if (!json_is_string(value) ||
                   !client_parse_timestamp(json_string_value(value), &seconds, &micros)) {
            return NULL;
        }
        char text[64];
        client_format_timestamp(seconds, micros, text, sizeof text);
        return json_string(text);
    }
    default:
        return json_deep_copy(value);
    }
}

json_t *client_response_parse(const cli_shape *output, const char *body, size_t body_size)
{
    if (body_size == 0)
        return json_object();
    json_t *raw = json_loadb(body, body_size, 0, NULL);
    json_t *parsed = raw ? parse_value(raw, output) : NULL;
    json_decref(raw);
    return parsed;
}

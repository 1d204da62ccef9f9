/*
 * lfv_validate.c - the API model's member constraints, checked by hand.
 *
 * The model's patterns are small character classes, so each is a plain
 * function rather than a regular expression engine.  Lengths count
 * characters (code points), as the model means them.  The tag pattern's
 * \p{L} \p{Z} \p{N} classes are approximated for non-ASCII text: any code
 * point from U+00A0 up is accepted (C1 controls are not), so a tag in any
 * script passes and control characters never do.
 */
#include "lfv_validate.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ UTF-8 */

/* Decodes one code point at *p and advances it; -1 on a bad sequence. */
static long utf8_next(const unsigned char **p)
{
    const unsigned char *s = *p;
    long cp;
    int extra;
    if (s[0] < 0x80) {
        cp = s[0];
        extra = 0;
    } else if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2) {
        cp = s[0] & 0x1f;
        extra = 1;
    } else if ((s[0] & 0xf0) == 0xe0) {
        cp = s[0] & 0x0f;
        extra = 2;
    } else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4) {
        cp = s[0] & 0x07;
        extra = 3;
    } else {
        return -1;
    }
    for (int i = 1; i <= extra; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    static const long MIN_FOR_LENGTH[] = {0, 0x80, 0x800, 0x10000};
    if (cp < MIN_FOR_LENGTH[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    *p = s + 1 + extra;
    return cp;
}

size_t lfv_utf8_length(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t n = 0;
    while (*p) {
        if (utf8_next(&p) < 0)
            return (size_t)-1;
        n++;
    }
    return n;
}

/* ------------------------------------------------------------ patterns */

static int all_chars(const char *value, const char *extra)
{
    for (const char *c = value; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr(extra, *c))
            return 0;
    return 1;
}

/* [a-zA-Z0-9][a-zA-Z0-9_\-]* */
static int match_project_name(const char *v)
{
    return isalnum((unsigned char)v[0]) && all_chars(v, "_-");
}

/* train|test */
static int match_dataset_type(const char *v)
{
    return strcmp(v, "train") == 0 || strcmp(v, "test") == 0;
}

/* ^[a-zA-Z0-9-]+$ */
static int match_client_token(const char *v) { return v[0] && all_chars(v, "-"); }

/* ^[a-zA-Z0-9\/\+\=]{0,2048}$ */
static int match_next_token(const char *v) { return all_chars(v, "/+="); }

/* (normal|anomaly) */
static int match_anomaly_class(const char *v)
{
    return strcmp(v, "normal") == 0 || strcmp(v, "anomaly") == 0;
}

/* .*\S.* : at least one character that is not white space */
static int match_not_blank(const char *v)
{
    for (const char *c = v; *c; c++)
        if (!isspace((unsigned char)*c))
            return 1;
    return 0;
}

/* [0-9A-Za-z\.\-_]* */
static int match_bucket(const char *v) { return all_chars(v, ".-_"); }

/* ^([a-zA-Z0-9!_.*'()-][/a-zA-Z0-9!_.*'()-]*)?$ */
static int match_object_key(const char *v)
{
    return v[0] != '/' && all_chars(v, "!_.*'()-/");
}

/* ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$, non-ASCII approximated (file comment) */
static int match_tag_text(const char *v)
{
    const unsigned char *p = (const unsigned char *)v;
    while (*p) {
        long cp = utf8_next(&p);
        if (cp < 0)
            return 0;
        if (cp < 0x80 ? !(isalnum((int)cp) || strchr(" _.:/=+-@", (int)cp)) : cp < 0xa0)
            return 0;
    }
    return 1;
}

const lfv_string_rule LFV_RULE_PROJECT_NAME = {"ProjectName", 1, 255, match_project_name,
                                               "[a-zA-Z0-9][a-zA-Z0-9_\\-]*"};
const lfv_string_rule LFV_RULE_DATASET_TYPE = {"DatasetType", 1, 10, match_dataset_type,
                                               "train|test"};
const lfv_string_rule LFV_RULE_CLIENT_TOKEN = {"ClientToken", 1, 64, match_client_token,
                                               "^[a-zA-Z0-9-]+$"};
const lfv_string_rule LFV_RULE_NEXT_TOKEN = {"NextToken", 0, 2048, match_next_token,
                                             "^[a-zA-Z0-9\\/\\+\\=]{0,2048}$"};
const lfv_string_rule LFV_RULE_ANOMALY_CLASS = {"AnomalyClass", 1, 10, match_anomaly_class,
                                                "(normal|anomaly)"};
const lfv_string_rule LFV_RULE_SOURCE_REF_CONTAINS = {"SourceRefContains", 1, 2048,
                                                      match_not_blank, ".*\\S.*"};
const lfv_string_rule LFV_RULE_BUCKET = {"Bucket", 3, 63, match_bucket, "[0-9A-Za-z\\.\\-_]*"};
const lfv_string_rule LFV_RULE_OBJECT_KEY = {"Key", 1, 1024, match_object_key,
                                             "^([a-zA-Z0-9!_.*'()-][/a-zA-Z0-9!_.*'()-]*)?$"};
const lfv_string_rule LFV_RULE_VERSION_ID = {"VersionId", 1, 1024, NULL, ".*"};
const lfv_string_rule LFV_RULE_TAG_ARN = {"ResourceArn", 1, 1011, NULL, NULL};
const lfv_string_rule LFV_RULE_TAG_KEY = {"Key", 1, 128, match_tag_text,
                                          "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$"};
const lfv_string_rule LFV_RULE_TAG_VALUE = {"Value", 0, 256, match_tag_text,
                                            "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$"};

/* ------------------------------------------------------------ checks */

/* AWS's wording, which scripts sometimes match on. */
static int constraint_error(char *msg, const char *field, const char *constraint)
{
    snprintf(msg, LFV_MSG_MAX,
             "1 validation error detected: Value at '%s' failed to satisfy constraint: %s", field,
             constraint);
    return -1;
}

int lfv_check_string(const lfv_string_rule *rule, const char *value, char *msg)
{
    char constraint[LFV_MSG_MAX - 128];
    size_t length = lfv_utf8_length(value);
    if (length == (size_t)-1)
        return constraint_error(msg, rule->field, "Member must be valid UTF-8");
    if (length < rule->min) {
        snprintf(constraint, sizeof constraint,
                 "Member must have length greater than or equal to %zu", rule->min);
        return constraint_error(msg, rule->field, constraint);
    }
    if (length > rule->max) {
        snprintf(constraint, sizeof constraint,
                 "Member must have length less than or equal to %zu", rule->max);
        return constraint_error(msg, rule->field, constraint);
    }
    if (rule->matches && !rule->matches(value)) {
        snprintf(constraint, sizeof constraint,
                 "Member must satisfy regular expression pattern: %s", rule->pattern);
        return constraint_error(msg, rule->field, constraint);
    }
    return 0;
}

int lfv_check_tag_key(const char *key, char *msg)
{
    if (lfv_check_string(&LFV_RULE_TAG_KEY, key, msg) != 0)
        return -1;
    if (strncasecmp(key, "aws:", 4) == 0) {
        snprintf(msg, LFV_MSG_MAX,
                 "The tag key '%.128s' is not allowed: keys beginning with aws: are reserved.",
                 key);
        return -1;
    }
    return 0;
}

int lfv_parse_max_results(const char *text, int *out, char *msg)
{
    *out = 100;
    if (!text)
        return 0;
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (!text[0] || *end || errno)
        return constraint_error(msg, "maxResults", "Member must be an integer");
    if (value < 1)
        return constraint_error(msg, "maxResults", "Member must have value greater than or equal to 1");
    if (value > 100)
        return constraint_error(msg, "maxResults", "Member must have value less than or equal to 100");
    *out = (int)value;
    return 0;
}

int lfv_parse_bool(const char *field, const char *text, int *out, char *msg)
{
    if (strcmp(text, "true") == 0)
        *out = 1;
    else if (strcmp(text, "false") == 0)
        *out = 0;
    else
        return constraint_error(msg, field, "Member must be true or false");
    return 0;
}

/* Seconds east of UTC of a "Z", "+hh:mm", "+hhmm" or "-hh" suffix; -1 on
 * anything else. */
static int parse_zone(const char *s, long *offset)
{
    if (strcmp(s, "Z") == 0 || strcmp(s, "z") == 0 || !*s) {
        *offset = 0;
        return 0;
    }
    int hours, minutes = 0;
    char sign;
    if (sscanf(s, "%c%2d:%2d", &sign, &hours, &minutes) < 2 &&
        sscanf(s, "%c%2d%2d", &sign, &hours, &minutes) < 2)
        return -1;
    if ((sign != '+' && sign != '-') || hours > 23 || minutes > 59)
        return -1;
    *offset = (sign == '-' ? -1 : 1) * (hours * 3600L + minutes * 60L);
    return 0;
}

static int parse_iso8601(const char *text, double *out)
{
    struct tm tm = {0};
    int consumed = 0;
    if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6)
        return -1;
    const char *rest = text + consumed;
    double fraction = 0;
    if (*rest == '.') {
        char *end;
        fraction = strtod(rest, &end);
        rest = end;
    }
    long offset;
    if (parse_zone(rest, &offset) != 0 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
        tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = (double)timegm(&tm) - (double)offset + fraction;
    return 0;
}

int lfv_parse_timestamp(const char *field, const char *text, double *out, char *msg)
{
    char *end;
    double epoch = strtod(text, &end);
    if (text[0] && !*end && isfinite(epoch)) {
        *out = epoch;
        return 0;
    }
    if (parse_iso8601(text, out) == 0)
        return 0;
    return constraint_error(msg, field, "Member must be a timestamp (ISO 8601 or epoch seconds)");
}

int lfv_parse_body(const http_request *request, json_t **out, char *msg)
{
    *out = NULL;
    if (request->body_size == 0) {
        *out = json_object();
        return 0;
    }
    json_error_t error;
    json_t *body = json_loadb((const char *)request->body, request->body_size, 0, &error);
    if (!body) {
        snprintf(msg, LFV_MSG_MAX, "The request body is not valid JSON: %s (line %d, column %d).",
                 error.text, error.line, error.column);
        return -1;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        snprintf(msg, LFV_MSG_MAX, "The request body must be a JSON object.");
        return -1;
    }
    *out = body;
    return 0;
}

int lfv_string_member(const json_t *object, const char *name, int required, const char **out,
                      char *msg)
{
    const json_t *value = json_object_get(object, name);
    *out = NULL;
    if (!value || json_is_null(value)) {
        if (!required)
            return 0;
        snprintf(msg, LFV_MSG_MAX, "1 validation error detected: Value null at '%s' failed to"
                 " satisfy constraint: Member must not be null", name);
        return -1;
    }
    if (!json_is_string(value))
        return constraint_error(msg, name, "Member must be a string");
    *out = json_string_value(value);
    return 0;
}

/* ------------------------------------------------------------ base64 */

static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes one group of four characters into up to three bytes; returns the
 * byte count, or -1.  Padding is allowed only in the last group. */
static int base64_group(const char *g, int last, uint8_t *dst)
{
    int v[4];
    int pad = (g[3] == '=') + (g[2] == '=' && g[3] == '=');
    if (pad && !last)
        return -1;
    for (int i = 0; i < 4 - pad; i++)
        if ((v[i] = base64_value(g[i])) < 0)
            return -1;
    for (int i = 4 - pad; i < 4; i++)
        v[i] = 0;
    uint32_t bits = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    dst[0] = (uint8_t)(bits >> 16);
    dst[1] = (uint8_t)(bits >> 8);
    dst[2] = (uint8_t)bits;
    return 3 - pad;
}

int lfv_base64_decode(const char *text, uint8_t **out, size_t *size, char *msg)
{
    size_t length = strlen(text);
    *out = NULL;
    if (length % 4) {
        snprintf(msg, LFV_MSG_MAX, "The value is not valid base64.");
        return -1;
    }
    uint8_t *bytes = malloc(length / 4 * 3 + 1);
    if (!bytes) {
        snprintf(msg, LFV_MSG_MAX, "Out of memory decoding base64.");
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < length; i += 4) {
        int got = base64_group(text + i, i + 4 == length, bytes + n);
        if (got < 0) {
            free(bytes);
            snprintf(msg, LFV_MSG_MAX, "The value is not valid base64.");
            return -1;
        }
        n += (size_t)got;
    }
    bytes[n] = 0;
    *out = bytes;
    *size = n;
    return 0;
}

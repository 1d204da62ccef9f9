/*
 * sigv4.c - verifies AWS Signature Version 4 (AWS4-HMAC-SHA256) exactly as
 * botocore signs, for the Lookout for Vision API and the S3 endpoint: the
 * Authorization header form and the presigned-URL (X-Amz-* query) form.
 *
 * The server rebuilds the canonical request from what it received, signs it
 * with the secret of the access key named in the credential scope, and
 * compares in constant time.  The one service-dependent rule is the
 * canonical URI: botocore's S3 signers use the path as sent, every other
 * service's signer removes dot segments and empty segments and URI-encodes
 * the (already encoded) path a second time.
 */
#include "auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ALGORITHM "AWS4-HMAC-SHA256"
#define MAX_SKEW_SECONDS (15 * 60)
#define MAX_PRESIGN_EXPIRES 604800 /* one week, as AWS allows */
#define UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
/* botocore's flexible-checksum uploads: an unsigned aws-chunked body whose
 * integrity rides in a trailing checksum the S3 handler verifies. */
#define STREAMING_UNSIGNED_TRAILER "STREAMING-UNSIGNED-PAYLOAD-TRAILER"

static const char bad_signature_message[] =
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation "
    "for details.";
static const char bad_signature_message_s3[] =
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method.";

/* ------------------------------------------------------------ messages */

static auth_result fail(char *message, size_t message_size, auth_result result, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));

static auth_result fail(char *message, size_t message_size, auth_result result, const char *fmt,
                        ...)
{
    if (message && message_size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(message, message_size, fmt, ap);
        va_end(ap);
    }
    return result;
}

/* ------------------------------------------------------ growable string */

/* The canonical request is built in one of these; an allocation failure
 * sticks, so callers check once at the end. */
typedef struct strbuf {
    char *data;
    size_t length;
    size_t capacity;
    int failed;
} strbuf;

static void sb_append(strbuf *sb, const char *text, size_t length)
{
    if (sb->failed)
        return;
    if (sb->length + length + 1 > sb->capacity) {
        size_t capacity = sb->capacity ? sb->capacity : 256;
        while (capacity < sb->length + length + 1)
            capacity *= 2;
        char *data = realloc(sb->data, capacity);
        if (!data) {
            sb->failed = 1;
            return;
        }
        sb->data = data;
        sb->capacity = capacity;
    }
    memcpy(sb->data + sb->length, text, length);
    sb->length += length;
    sb->data[sb->length] = '\0';
}

static void sb_puts(strbuf *sb, const char *text)
{
    sb_append(sb, text, strlen(text));
}

static void sb_putc(strbuf *sb, char c)
{
    sb_append(sb, &c, 1);
}

/* ------------------------------------------------------------ encoding */

static int is_unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

static void sb_percent_byte(strbuf *sb, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    char escape[3] = {'%', hex[c >> 4], hex[c & 15]};
    sb_append(sb, escape, 3);
}

/* AWS's UriEncode: unreserved characters stay, every other byte becomes
 * %XX with upper-case hex (Python's quote(s, safe='-_.~'), and with '/'
 * kept when keep_slash, quote(s, safe='/~')). */
static void sb_uri_encode(strbuf *sb, const char *text, size_t length, int keep_slash)
{
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (is_unreserved(c) || (keep_slash && c == '/'))
            sb_putc(sb, (char)c);
        else
            sb_percent_byte(sb, c);
    }
}

static void hex_encode(const unsigned char *bytes, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

static int is_lower_hex(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (!isdigit((unsigned char)text[i]) && !(text[i] >= 'a' && text[i] <= 'f'))
            return 0;
    return 1;
}

static void sha256_hex(const void *data, size_t size, char out[65])
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(size ? data : (const void *)"", size, digest);
    hex_encode(digest, sizeof digest, out);
}

/* ---------------------------------------------------------------- time */

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

/* time_t of a broken-down UTC time, refusing dates that do not exist
 * (timegm would roll 30 February over into March). */
static int utc_time(int year, int month, int day, int hour, int minute, int second, time_t *out)
{
    if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 ||
        second > 59)
        return 0;
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
                    .tm_hour = hour, .tm_min = minute, .tm_sec = second};
    time_t t = timegm(&tm);
    if (t == (time_t)-1 || tm.tm_mday != day || tm.tm_mon != month - 1)
        return 0;
    *out = t;
    return 1;
}

/* YYYYMMDDTHHMMSSZ, the X-Amz-Date form. */
static int parse_iso_basic(const char *text, time_t *out)
{
    int year, month, day, hour, minute, second;
    return text && strlen(text) == 16 && text[8] == 'T' && text[15] == 'Z' &&
           digits(text, 4, &year) && digits(text + 4, 2, &month) && digits(text + 6, 2, &day) &&
           digits(text + 9, 2, &hour) && digits(text + 11, 2, &minute) &&
           digits(text + 13, 2, &second) &&
           utc_time(year, month, day, hour, minute, second, out);
}

/* "Fri, 24 May 2013 00:00:00 GMT", the HTTP Date form (IMF-fixdate), or
 * with " -0000" for GMT as botocore writes it (email.utils.formatdate);
 * parsed by hand so the result does not depend on the locale. */
static int parse_http_date(const char *text, time_t *out)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int day, year, hour, minute, second;
    if (!text || strlen(text) < 25 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' ||
        text[11] != ' ' || text[16] != ' ' || text[19] != ':' || text[22] != ':' ||
        (strcmp(text + 25, " GMT") != 0 && strcmp(text + 25, " -0000") != 0 &&
         strcmp(text + 25, " +0000") != 0))
        return 0;
    int month = 0;
    for (int m = 0; m < 12; m++)
        if (memcmp(text + 8, months + 3 * m, 3) == 0)
            month = m + 1;
    return month && digits(text + 5, 2, &day) && digits(text + 12, 4, &year) &&
           digits(text + 17, 2, &hour) && digits(text + 20, 2, &minute) &&
           digits(text + 23, 2, &second) && utc_time(year, month, day, hour, minute, second, out);
}

static void format_iso_basic(time_t t, char out[17])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* --------------------------------------------------------- query string */

/* One query parameter: decoded for lookups, re-encoded for the canonical
 * query string. */
typedef struct query_param {
    char *name;
    char *value;
    char *encoded_name;
    char *encoded_value;
} query_param;

typedef struct query_list {
    query_param *params;
    size_t count;
} query_list;

static void query_free(query_list *query)
{
    for (size_t i = 0; i < query->count; i++) {
        free(query->params[i].name);
        free(query->params[i].value);
        free(query->params[i].encoded_name);
        free(query->params[i].encoded_value);
    }
    free(query->params);
    query->params = NULL;
    query->count = 0;
}

static char *encode_copy(const char *text)
{
    strbuf sb = {0};
    sb_uri_encode(&sb, text, strlen(text), 0);
    if (!sb.failed && !sb.data)
        sb_puts(&sb, "");
    if (sb.failed) {
        free(sb.data);
        return NULL;
    }
    return sb.data;
}

/* Splits a query at '&' and each piece at its first '='; a piece without
 * '=' is a name with an empty value ("?uploads").  Decoding does not turn
 * '+' into a space: SigV4 clients send a space as %20.  0 on a bad escape. */
static int query_parse(const char *raw, query_list *query)
{
    size_t pieces = 1;
    for (const char *p = raw; *p; p++)
        pieces += *p == '&';
    query->params = calloc(pieces, sizeof *query->params);
    query->count = 0;
    if (!query->params)
        return 0;
    const char *piece = raw;
    while (*piece) {
        size_t length = strcspn(piece, "&");
        const char *equals = memchr(piece, '=', length);
        size_t name_length = equals ? (size_t)(equals - piece) : length;
        if (length > 0) {
            query_param *param = &query->params[query->count++];
            param->name = http_percent_decode(piece, name_length, 0);
            param->value = equals ? http_percent_decode(equals + 1, length - name_length - 1, 0)
                                  : http_percent_decode("", 0, 0);
            if (!param->name || !param->value)
                return 0;
            param->encoded_name = encode_copy(param->name);
            param->encoded_value = encode_copy(param->value);
            if (!param->encoded_name || !param->encoded_value)
                return 0;
        }
        piece += length + (piece[length] == '&');
    }
    return 1;
}

/* The decoded value of a parameter; *count tells how often it appears. */
static const char *query_get(const query_list *query, const char *name, int *count)
{
    const char *value = NULL;
    *count = 0;
    for (size_t i = 0; i < query->count; i++)
        if (strcmp(query->params[i].name, name) == 0) {
            value = query->params[i].value;
            (*count)++;
        }
    return value;
}

static int compare_params(const void *a, const void *b)
{
    const query_param *x = a, *y = b;
    int c = strcmp(x->encoded_name, y->encoded_name);
    return c ? c : strcmp(x->encoded_value, y->encoded_value);
}

/* Sorted by encoded name, then encoded value; a presigned URL's
 * X-Amz-Signature is left out (it cannot sign itself). */
static void sb_canonical_query(strbuf *sb, query_list *query, int presigned)
{
    qsort(query->params, query->count, sizeof *query->params, compare_params);
    int first = 1;
    for (size_t i = 0; i < query->count; i++) {
        const query_param *param = &query->params[i];
        if (presigned && strcmp(param->name, "X-Amz-Signature") == 0)
            continue;
        if (!first)
            sb_putc(sb, '&');
        first = 0;
        sb_puts(sb, param->encoded_name);
        sb_putc(sb, '=');
        sb_puts(sb, param->encoded_value);
    }
}

/* ---------------------------------------------------------------- path */

/* botocore's remove_dot_segments (RFC 3986 5.2.4, and empty segments
 * dropped too), then quote(path, safe='/~'): the path as sent is encoded a
 * second time, so "%20" signs as "%2520". */
static void sb_normalized_path(strbuf *sb, const char *path)
{
    size_t length = strlen(path);
    if (length == 0) {
        sb_putc(sb, '/');
        return;
    }
    /* Kept segments as (offset, length) pairs; '..' pops one. */
    size_t max_segments = 1;
    for (size_t i = 0; i < length; i++)
        max_segments += path[i] == '/';
    size_t (*kept)[2] = malloc(max_segments * sizeof *kept);
    if (!kept) {
        sb->failed = 1;
        return;
    }
    size_t n_kept = 0;
    for (size_t start = 0; start <= length;) {
        size_t seg = strcspn(path + start, "/");
        if (seg == 2 && memcmp(path + start, "..", 2) == 0) {
            if (n_kept > 0)
                n_kept--;
        } else if (seg > 0 && !(seg == 1 && path[start] == '.')) {
            kept[n_kept][0] = start;
            kept[n_kept][1] = seg;
            n_kept++;
        }
        start += seg + 1;
    }
    if (path[0] == '/')
        sb_putc(sb, '/');
    for (size_t i = 0; i < n_kept; i++) {
        if (i > 0)
            sb_putc(sb, '/');
        sb_uri_encode(sb, path + kept[i][0], kept[i][1], 0);
    }
    if (path[length - 1] == '/' && n_kept > 0)
        sb_putc(sb, '/');
    free(kept);
}

static void sb_canonical_uri(strbuf *sb, const char *path, const char *service)
{
    if (strcmp(service, "s3") == 0)
        sb_puts(sb, *path ? path : "/");
    else
        sb_normalized_path(sb, path);
}

/* ------------------------------------------------------------- headers */

/* Python's str.split() whitespace within ASCII, which botocore's
 * ' '.join(value.split()) uses to trim and collapse header values. */
static int is_py_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static void sb_trimmed_value(strbuf *sb, const char *value)
{
    int pending_space = 0, started = 0;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (is_py_space(*p)) {
            pending_space = started;
            continue;
        }
        if (pending_space)
            sb_putc(sb, ' ');
        pending_space = 0;
        started = 1;
        sb_putc(sb, (char)*p);
    }
}

/* "name:value\n" for one signed header; repeated headers join with ','. */
static void sb_canonical_header(strbuf *sb, const http_request *request, const char *name,
                                size_t name_length)
{
    sb_append(sb, name, name_length);
    sb_putc(sb, ':');
    int first = 1;
    for (size_t i = 0; i < request->n_headers; i++) {
        const char *header = request->headers[i].name;
        if (strlen(header) != name_length || strncasecmp(header, name, name_length) != 0)
            continue;
        if (!first)
            sb_putc(sb, ',');
        first = 0;
        sb_trimmed_value(sb, request->headers[i].value);
    }
    sb_putc(sb, '\n');
}

static void sb_canonical_headers(strbuf *sb, const http_request *request,
                                 const char *signed_headers)
{
    for (const char *name = signed_headers; *name;) {
        size_t length = strcspn(name, ";");
        sb_canonical_header(sb, request, name, length);
        name += length + (name[length] == ';');
    }
}

static size_t count_headers(const http_request *request, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < request->n_headers; i++)
        n += strcasecmp(request->headers[i].name, name) == 0;
    return n;
}

/* ------------------------------------------------------------- parsing */

/* Everything the client claims: from the Authorization header or the
 * presigned query. */
typedef struct sigv4_claim {
    char access_key_id[129];
    char scope_date[9];
    char region[64];
    char service[64];
    char *signed_headers; /* malloc'ed, "host;x-amz-date" */
    char signature[65];
    char timestamp[17];   /* YYYYMMDDTHHMMSSZ, as in the string to sign */
    time_t time;
    long expires;         /* presigned only */
    int presigned;
} sigv4_claim;

static int is_scope_char(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.';
}

/* Copies one '/'-separated credential field of at most max-1 characters,
 * all accepted by ok; advances *text past the field and its '/'. */
static int take_field(const char **text, const char *end, char *out, size_t max,
                      int (*ok)(unsigned char))
{
    size_t n = 0;
    const char *p = *text;
    while (p < end && *p != '/') {
        if (n + 1 >= max || !ok((unsigned char)*p))
            return 0;
        out[n++] = *p++;
    }
    out[n] = '\0';
    if (n == 0)
        return 0;
    *text = p < end ? p + 1 : p;
    return p < end;
}

static int is_key_char(unsigned char c)
{
    return isalnum(c);
}

static int is_digit_char(unsigned char c)
{
    return isdigit(c);
}

/* AKID/YYYYMMDD/region/service/aws4_request */
static int parse_credential(const char *text, size_t length, sigv4_claim *claim)
{
    const char *end = text + length;
    const char *p = text;
    static const char terminator[] = "aws4_request";
    return take_field(&p, end, claim->access_key_id, sizeof claim->access_key_id, is_key_char) &&
           take_field(&p, end, claim->scope_date, sizeof claim->scope_date, is_digit_char) &&
           strlen(claim->scope_date) == 8 &&
           take_field(&p, end, claim->region, sizeof claim->region, is_scope_char) &&
           take_field(&p, end, claim->service, sizeof claim->service, is_scope_char) &&
           (size_t)(end - p) == sizeof terminator - 1 &&
           memcmp(p, terminator, sizeof terminator - 1) == 0;
}

/* Lower-case header names (RFC 9110 token characters) joined by ';'. */
static int valid_signed_headers(const char *text, size_t length)
{
    static const char token_extra[] = "!#$%&'*+-.^_`|~";
    if (length == 0 || text[0] == ';' || text[length - 1] == ';')
        return 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == ';' ? text[i + 1] == ';'
                     : !(islower(c) || isdigit(c) || (c && strchr(token_extra, c))))
            return 0;
    }
    return 1;
}

static int has_signed_header(const char *signed_headers, const char *name)
{
    size_t name_length = strlen(name);
    for (const char *p = signed_headers; *p;) {
        size_t length = strcspn(p, ";");
        if (length == name_length && memcmp(p, name, length) == 0)
            return 1;
        p += length + (p[length] == ';');
    }
    return 0;
}

static int set_signed_headers(sigv4_claim *claim, const char *text, size_t length)
{
    if (!valid_signed_headers(text, length))
        return 0;
    claim->signed_headers = strndup(text, length);
    return claim->signed_headers != NULL;
}

static int set_signature(sigv4_claim *claim, const char *text, size_t length)
{
    if (length != 64 || !is_lower_hex(text, length))
        return 0;
    memcpy(claim->signature, text, 64);
    claim->signature[64] = '\0';
    return 1;
}

/* One "Name=value" component of the Authorization header. */
static int parse_component(const char *name, size_t name_length, const char *value,
                           size_t value_length, sigv4_claim *claim, unsigned *seen)
{
    static const char *const names[] = {"Credential", "SignedHeaders", "Signature"};
    for (unsigned i = 0; i < 3; i++) {
        if (strlen(names[i]) != name_length || memcmp(names[i], name, name_length) != 0)
            continue;
        if (*seen & (1u << i))
            return 0; /* given twice */
        *seen |= 1u << i;
        if (i == 0)
            return parse_credential(value, value_length, claim);
        if (i == 1)
            return set_signed_headers(claim, value, value_length);
        return set_signature(claim, value, value_length);
    }
    return 0;
}

/* "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." with
 * the three components in any order, each once, separated by ',' and
 * optional spaces (botocore writes ", ", some SDKs ","). */
static int parse_authorization(const char *header, sigv4_claim *claim)
{
    size_t algorithm_length = strlen(ALGORITHM);
    if (strncmp(header, ALGORITHM, algorithm_length) != 0 || header[algorithm_length] != ' ')
        return 0;
    const char *p = header + algorithm_length;
    unsigned seen = 0;
    for (;;) {
        while (*p == ' ')
            p++;
        const char *name = p;
        while (isalpha((unsigned char)*p))
            p++;
        size_t name_length = (size_t)(p - name);
        if (name_length == 0 || *p != '=')
            return 0;
        const char *value = ++p;
        p += strcspn(p, ", \t");
        if (!parse_component(name, name_length, value, (size_t)(p - value), claim, &seen))
            return 0;
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        if (*p != ',')
            return 0;
        p++;
    }
    return seen == 7;
}

/* X-Amz-Expires: a decimal 1..604800 without sign or leading junk. */
static int parse_expires(const char *text, long *out)
{
    size_t length = text ? strlen(text) : 0;
    if (length == 0 || length > 6 || text[0] == '0')
        return 0;
    long value = 0;
    for (size_t i = 0; i < length; i++) {
        if (!isdigit((unsigned char)text[i]))
            return 0;
        value = value * 10 + (text[i] - '0');
    }
    *out = value;
    return value <= MAX_PRESIGN_EXPIRES;
}

static const char *const presign_params[] = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
                                             "X-Amz-Expires", "X-Amz-SignedHeaders",
                                             "X-Amz-Signature"};

static auth_result parse_presigned(const query_list *query, sigv4_claim *claim, char *message,
                                   size_t message_size)
{
    const char *values[6];
    for (int i = 0; i < 6; i++) {
        int count;
        values[i] = query_get(query, presign_params[i], &count);
        if (count != 1)
            return fail(message, message_size, AUTH_MALFORMED,
                        "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                        "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
                        "and X-Amz-Expires parameters, each once.");
    }
    if (strcmp(values[0], ALGORITHM) != 0)
        return fail(message, message_size, AUTH_MALFORMED,
                    "X-Amz-Algorithm only supports \"" ALGORITHM "\".");
    if (!parse_credential(values[1], strlen(values[1]), claim))
        return fail(message, message_size, AUTH_MALFORMED,
                    "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; "
                    "expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
    if (!parse_iso_basic(values[2], &claim->time))
        return fail(message, message_size, AUTH_MALFORMED,
                    "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".");
    if (!parse_expires(values[3], &claim->expires))
        return fail(message, message_size, AUTH_MALFORMED,
                    "X-Amz-Expires must be a number of seconds from 1 to 604800 (one week).");
    if (!set_signed_headers(claim, values[4], strlen(values[4])) ||
        !set_signature(claim, values[5], strlen(values[5])))
        return fail(message, message_size, AUTH_MALFORMED,
                    "X-Amz-SignedHeaders or X-Amz-Signature is malformed.");
    claim->presigned = 1;
    return AUTH_OK;
}

/* The request time: X-Amz-Date, else the HTTP Date header (as botocore,
 * which signs with one or the other). */
static int header_time(const http_request *request, time_t *out)
{
    const char *amz_date = http_request_header(request, "x-amz-date");
    if (amz_date)
        return parse_iso_basic(amz_date, out);
    return parse_http_date(http_request_header(request, "date"), out);
}

/* A presigned URL announces itself with any of these (AWS's rule); the
 * others are then required. */
static int has_presign_param(const query_list *query)
{
    int count, total = 0;
    query_get(query, "X-Amz-Algorithm", &count);
    total += count;
    query_get(query, "X-Amz-Credential", &count);
    total += count;
    query_get(query, "X-Amz-Signature", &count);
    return total + count > 0;
}

/* Reads the claim from whichever of the two forms the request uses. */
static auth_result parse_claim(const http_request *request, const query_list *query,
                               sigv4_claim *claim, char *message, size_t message_size)
{
    size_t n_authorization = count_headers(request, "authorization");
    int presigned = has_presign_param(query);
    if (n_authorization == 0 && !presigned)
        return fail(message, message_size, AUTH_MISSING, "Missing Authentication Token");
    if (n_authorization > 0 && presigned)
        return fail(message, message_size, AUTH_MALFORMED,
                    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter "
                    "or the Authorization header should be specified.");
    if (presigned)
        return parse_presigned(query, claim, message, message_size);
    if (n_authorization > 1 ||
        !parse_authorization(http_request_header(request, "authorization"), claim))
        return fail(message, message_size, AUTH_MALFORMED,
                    "The Authorization header is malformed; expecting \"" ALGORITHM
                    " Credential=<AKID>/YYYYMMDD/REGION/SERVICE/aws4_request, "
                    "SignedHeaders=<headers>, Signature=<64 hex digits>\".");
    if (!header_time(request, &claim->time))
        return fail(message, message_size, AUTH_MALFORMED,
                    "Authorization requires a valid X-Amz-Date (yyyyMMdd'T'HHmmss'Z') or Date "
                    "header.");
    return AUTH_OK;
}

/* ---------------------------------------------------------- time checks */

static auth_result check_time(const sigv4_claim *claim, time_t now, char *message,
                              size_t message_size)
{
    char now_text[17], limit[17];
    format_iso_basic(now, now_text);
    if (claim->time > now + MAX_SKEW_SECONDS) {
        format_iso_basic(now + MAX_SKEW_SECONDS, limit);
        return fail(message, message_size, AUTH_SKEW,
                    "Signature not yet current: %s is still later than %s (%s + 15 min.)",
                    claim->timestamp, limit, now_text);
    }
    if (claim->presigned) {
        if (now > claim->time + claim->expires) {
            format_iso_basic(claim->time + claim->expires, limit);
            return fail(message, message_size, AUTH_EXPIRED,
                        "Request has expired: the URL signed at %s was valid for %ld seconds, "
                        "until %s; it is now %s.",
                        claim->timestamp, claim->expires, limit, now_text);
        }
    } else if (claim->time < now - MAX_SKEW_SECONDS) {
        format_iso_basic(now - MAX_SKEW_SECONDS, limit);
        return fail(message, message_size, AUTH_SKEW,
                    "Signature expired: %s is now earlier than %s (%s - 15 min.)",
                    claim->timestamp, limit, now_text);
    }
    return AUTH_OK;
}

/* -------------------------------------------------------- payload hash */

/* The body's SHA-256 in hex: taken as it streamed in, or computed now. */
static void body_hash(const http_request *request, char out[65])
{
    if (request->body_sha256)
        memcpy(out, request->body_sha256, 65);
    else
        sha256_hex(request->body, request->body_size, out);
}

/* The payload line of the canonical request.  x-amz-content-sha256, when
 * the client sent (header form) or signed (presigned form) it, is what was
 * signed, so it goes into the line as is; a hex digest must also be the
 * body's, else a tampered body would pass under the old header: that is
 * AUTH_PAYLOAD_MISMATCH, with out still filled so the caller can check the
 * signature first.  Without the header: UNSIGNED-PAYLOAD for a presigned
 * S3 URL, else the body's hash. */
static auth_result payload_hash(const http_request *request, const sigv4_claim *claim,
                                int headers_only, int *deferred, char out[65], char *message,
                                size_t message_size)
{
    const char *header = http_request_header(request, "x-amz-content-sha256");
    if (header && claim->presigned &&
        !has_signed_header(claim->signed_headers, "x-amz-content-sha256"))
        header = NULL;
    if (!header) {
        if (claim->presigned && strcmp(claim->service, "s3") == 0)
            snprintf(out, 65, "%s", UNSIGNED_PAYLOAD);
        else if (headers_only)
            *deferred = 1; /* the body's hash is part of what was signed */
        else
            body_hash(request, out);
        return AUTH_OK;
    }
    if (strcmp(header, UNSIGNED_PAYLOAD) == 0 || strcmp(header, STREAMING_UNSIGNED_TRAILER) == 0) {
        snprintf(out, 65, "%s", header);
        return AUTH_OK;
    }
    if (strlen(header) != 64 || !is_lower_hex(header, 64))
        return fail(message, message_size, AUTH_MALFORMED,
                    "x-amz-content-sha256 must be " UNSIGNED_PAYLOAD ", " STREAMING_UNSIGNED_TRAILER
                    " or the lower-case hex SHA-256 of the body (signed aws-chunked uploads are "
                    "not supported).");
    char computed[65];
    memcpy(out, header, 65);
    if (headers_only)
        return AUTH_OK; /* the body is checked against it once it is in */
    body_hash(request, computed);
    if (strcmp(computed, header) != 0)
        return fail(message, message_size, AUTH_PAYLOAD_MISMATCH,
                    "The provided 'x-amz-content-sha256' header does not match what was "
                    "computed.");
    return AUTH_OK;
}

/* ------------------------------------------------------------ signature */

static int hmac(const void *key, size_t key_length, const char *data, unsigned char out[32])
{
    unsigned int length = 32;
    return HMAC(EVP_sha256(), key, (int)key_length, (const unsigned char *)data, strlen(data), out,
                &length) != NULL;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
 * "aws4_request"), then the hex HMAC of the string to sign. */
static int compute_signature(const char *secret, const sigv4_claim *claim,
                             const char *string_to_sign, char out[65])
{
    size_t secret_length = strlen(secret);
    char *key = malloc(secret_length + 5);
    if (!key)
        return 0;
    memcpy(key, "AWS4", 4);
    memcpy(key + 4, secret, secret_length + 1);
    /* Two buffers in turn: HMAC's key and output never overlap. */
    unsigned char k1[32], k2[32], signature[32];
    int ok = hmac(key, secret_length + 4, claim->scope_date, k1) &&
             hmac(k1, 32, claim->region, k2) && hmac(k2, 32, claim->service, k1) &&
             hmac(k1, 32, "aws4_request", k2) && hmac(k2, 32, string_to_sign, signature);
    OPENSSL_cleanse(key, secret_length + 4);
    OPENSSL_cleanse(k1, sizeof k1);
    OPENSSL_cleanse(k2, sizeof k2);
    free(key);
    hex_encode(signature, 32, out);
    return ok;
}

/* Method, URI, query, headers, signed header list and payload hash, each
 * on its own line. */
static int build_canonical_request(const http_request *request, query_list *query,
                                   const sigv4_claim *claim, const char *payload, strbuf *sb)
{
    sb_puts(sb, request->method);
    sb_putc(sb, '\n');
    sb_canonical_uri(sb, request->path, claim->service);
    sb_putc(sb, '\n');
    sb_canonical_query(sb, query, claim->presigned);
    sb_putc(sb, '\n');
    sb_canonical_headers(sb, request, claim->signed_headers);
    sb_putc(sb, '\n');
    sb_puts(sb, claim->signed_headers);
    sb_putc(sb, '\n');
    sb_puts(sb, payload);
    return !sb->failed;
}

static int build_string_to_sign(const sigv4_claim *claim, const strbuf *canonical,
                                strbuf *sts)
{
    char hash[65];
    sha256_hex(canonical->data, canonical->length, hash);
    sb_puts(sts, ALGORITHM "\n");
    sb_puts(sts, claim->timestamp);
    sb_putc(sts, '\n');
    sb_puts(sts, claim->scope_date);
    sb_putc(sts, '/');
    sb_puts(sts, claim->region);
    sb_putc(sts, '/');
    sb_puts(sts, claim->service);
    sb_puts(sts, "/aws4_request\n");
    sb_puts(sts, hash);
    return !sts->failed;
}

/* The signature of the request under the claim: canonical request, string
 * to sign, HMAC chain.  Shared by the verifier and sigv4_signature (the
 * client's signer), so both canonicalise the same way.  0 without memory. */
static int sign_claim(const http_request *request, query_list *query, const sigv4_claim *claim,
                      const char *secret, const char *payload, char out[65])
{
    strbuf canonical = {0}, sts = {0};
    int built = build_canonical_request(request, query, claim, payload, &canonical) &&
                build_string_to_sign(claim, &canonical, &sts) &&
                compute_signature(secret, claim, sts.data, out);
    free(canonical.data);
    free(sts.data);
    return built;
}

static auth_result check_signature(const http_request *request, query_list *query,
                                   const sigv4_claim *claim, const char *secret,
                                   const char *payload, char *message, size_t message_size)
{
    char expected[65];
    if (!sign_claim(request, query, claim, secret, payload, expected))
        return fail(message, message_size, AUTH_MALFORMED,
                    "Out of memory while checking the request signature.");
    if (CRYPTO_memcmp(expected, claim->signature, 64) != 0)
        return fail(message, message_size, AUTH_BAD_SIGNATURE, "%s",
                    strcmp(claim->service, "s3") == 0 ? bad_signature_message_s3
                                                      : bad_signature_message);
    return AUTH_OK;
}

int sigv4_signature(const http_request *request, const char *signed_headers,
                    const char *timestamp, const char *region, const char *service,
                    const char *payload_hash, const char *secret, char out[65])
{
    sigv4_claim claim = {0};
    if (strlen(timestamp) != 16 || strlen(region) >= sizeof claim.region ||
        strlen(service) >= sizeof claim.service)
        return 0;
    memcpy(claim.timestamp, timestamp, 17);
    memcpy(claim.scope_date, timestamp, 8);
    snprintf(claim.region, sizeof claim.region, "%s", region);
    snprintf(claim.service, sizeof claim.service, "%s", service);
    claim.signed_headers = (char *)signed_headers; /* read only here */
    query_list query = {0};
    int ok = query_parse(request->query ? request->query : "", &query) &&
             sign_claim(request, &query, &claim, secret, payload_hash, out);
    query_free(&query);
    return ok;
}

/* ------------------------------------------------------------- verify */

/* Checks made once the claim is parsed: scope, required signed headers,
 * key, time, signature, then the body against its declared hash.  With
 * headers_only, the body is not there yet: a declared hash is taken as
 * signed, and when the body's own hash is what was signed the signature is
 * left for later (*deferred). */
static auth_result verify_claim(const http_request *request, query_list *query,
                                sigv4_claim *claim, const keyring *ring, time_t now,
                                int headers_only, int *deferred, char *message,
                                size_t message_size)
{
    format_iso_basic(claim->time, claim->timestamp);
    if (memcmp(claim->timestamp, claim->scope_date, 8) != 0)
        return fail(message, message_size, AUTH_MALFORMED,
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                    "date from HTTP: '%s' != '%.8s'.",
                    claim->scope_date, claim->timestamp);
    if (!has_signed_header(claim->signed_headers, "host"))
        return fail(message, message_size, AUTH_MALFORMED,
                    "'Host' must be a 'SignedHeader' in the AWS Authorization.");
    char secret[1025]; /* the longest secret the ring accepts */
    if (!keyring_secret(ring, claim->access_key_id, secret, sizeof secret))
        return fail(message, message_size, AUTH_UNKNOWN_KEY, "%s",
                    strcmp(claim->service, "s3") == 0
                        ? "The AWS Access Key Id you provided does not exist in our records."
                        : "The security token included in the request is invalid.");
    auth_result result = check_time(claim, now, message, message_size);
    char payload[65];
    auth_result payload_result =
        result == AUTH_OK ? payload_hash(request, claim, headers_only, deferred, payload, message,
                                         message_size)
                          : result;
    if (result != AUTH_OK || payload_result == AUTH_MALFORMED || *deferred) {
        OPENSSL_cleanse(secret, sizeof secret);
        return result != AUTH_OK ? result : payload_result;
    }
    /* A wrong signature is reported before a body mismatch, so only a
     * correctly signed request learns that its body does not match; a
     * correct signature leaves the mismatch message in place. */
    result = check_signature(request, query, claim, secret, payload, message, message_size);
    OPENSSL_cleanse(secret, sizeof secret);
    return result != AUTH_OK ? result : payload_result;
}

auth_result sigv4_check_scope(const auth_identity *caller, const char *region,
                              const char *service, char *message, size_t message_size)
{
    if (strcmp(caller->region, region) != 0)
        return fail(message, message_size, AUTH_WRONG_SCOPE,
                    "The credential scope's region '%s' is wrong; expecting '%s'.",
                    caller->region, region);
    if (strcmp(caller->service, service) != 0)
        return fail(message, message_size, AUTH_WRONG_SCOPE,
                    "The credential scope's service '%s' is wrong; this endpoint is '%s'.",
                    caller->service, service);
    return AUTH_OK;
}

static auth_result verify(const http_request *request, const keyring *ring, time_t now,
                          int headers_only, int *deferred, auth_identity *identity,
                          char *message, size_t message_size)
{
    memset(identity, 0, sizeof *identity);
    *deferred = 0;
    if (message && message_size > 0)
        message[0] = '\0';
    query_list query = {0};
    sigv4_claim claim = {0};
    auth_result result;
    if (!query_parse(request->query ? request->query : "", &query))
        result = fail(message, message_size, AUTH_MALFORMED,
                      "The query string has a malformed percent-escape.");
    else
        result = parse_claim(request, &query, &claim, message, message_size);
    if (result == AUTH_OK)
        result = verify_claim(request, &query, &claim, ring, now, headers_only, deferred, message,
                              message_size);
    if (result == AUTH_OK) {
        snprintf(identity->access_key_id, sizeof identity->access_key_id, "%s",
                 claim.access_key_id);
        snprintf(identity->region, sizeof identity->region, "%s", claim.region);
        snprintf(identity->service, sizeof identity->service, "%s", claim.service);
    }
    free(claim.signed_headers);
    query_free(&query);
    return result;
}

auth_result sigv4_verify(const http_request *request, const keyring *ring, time_t now,
                         auth_identity *identity, char *message, size_t message_size)
{
    int deferred;
    return verify(request, ring, now, 0, &deferred, identity, message, message_size);
}

auth_result sigv4_verify_headers(const http_request *request, const keyring *ring, time_t now,
                                 int *needs_body, auth_identity *identity, char *message,
                                 size_t message_size)
{
    return verify(request, ring, now, 1, needs_body, identity, message, message_size);
}

/* http_framing.c - the request framing rules; see http_framing.h. */
#include "http_framing.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The members of a comma-separated header value, trimmed of spaces and
 * tabs, each passed to `each` until it returns nonzero (which is returned). */
static int each_member(const char *value, int (*each)(const char *member, size_t length,
                                                       void *context),
                       void *context)
{
    while (*value) {
        size_t length = strcspn(value, ",");
        const char *start = value, *end = value + length;
        while (start < end && (*start == ' ' || *start == '\t'))
            start++;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        int result = each(start, (size_t)(end - start), context);
        if (result)
            return result;
        value += length + (value[length] == ',');
    }
    return 0;
}

typedef struct codings {
    int count, chunked_last, others;
} codings;

static int add_coding(const char *member, size_t length, void *context)
{
    codings *c = context;
    if (length == 0)
        return 0;
    c->count++;
    c->chunked_last = length == 7 && !strncasecmp(member, "chunked", 7);
    c->others += !c->chunked_last;
    return 0;
}

typedef struct lengths {
    char first[32];
    int seen, bad, members;
} lengths;

static int add_length(const char *member, size_t length, void *context)
{
    lengths *l = context;
    l->members++;
    int digits = length > 0 && length < sizeof l->first;
    for (size_t i = 0; digits && i < length; i++)
        digits = isdigit((unsigned char)member[i]);
    if (!digits)
        return l->bad = 1;
    if (!l->seen) {
        memcpy(l->first, member, length);
        l->first[length] = '\0';
        l->seen = 1;
    } else if (strlen(l->first) != length || strncmp(l->first, member, length)) {
        return l->bad = 1;
    }
    return 0;
}

int http_framing_check(const http_header *headers, size_t n_headers, const char *version,
                       char *message, size_t message_size)
{
    codings te = {0, 0, 0};
    lengths cl = {"", 0, 0, 0};
    size_t hosts = 0, te_headers = 0, cl_headers = 0;
    for (size_t i = 0; i < n_headers; i++) {
        if (!strcasecmp(headers[i].name, "Host")) {
            hosts++;
        } else if (!strcasecmp(headers[i].name, "Transfer-Encoding")) {
            te_headers++;
            each_member(headers[i].value, add_coding, &te);
        } else if (!strcasecmp(headers[i].name, "Content-Length")) {
            int before = cl.members;
            cl_headers++;
            each_member(headers[i].value, add_length, &cl);
            cl.bad |= cl.members == before; /* an empty value */
        }
    }
    int http11 = version && !strcmp(version, "HTTP/1.1");
    if (http11 && hosts != 1) {
        snprintf(message, message_size, "An HTTP/1.1 request must carry exactly one Host header; "
                 "this one has %zu.", hosts);
        return 400;
    }
    if (te_headers && cl_headers) {
        snprintf(message, message_size, "A request must not carry both Content-Length and "
                 "Transfer-Encoding.");
        return 400;
    }
    if (te_headers && !http11) {
        snprintf(message, message_size, "Transfer-Encoding is not allowed in an HTTP/1.0 request.");
        return 400;
    }
    if (te_headers && (te.count != 1 || te.others)) {
        snprintf(message, message_size, "Only the chunked transfer coding is supported: a body is "
                 "sent with Content-Length or with Transfer-Encoding: chunked alone.");
        return 501;
    }
    if (cl_headers && cl.bad) {
        snprintf(message, message_size, "Content-Length must be one decimal number; this request "
                 "gives several or a malformed one.");
        return 400;
    }
    return 0;
}

/*
 * s3_preconditions.c - conditional GetObject and HeadObject: If-Match,
 * If-None-Match, If-Modified-Since and If-Unmodified-Since, with S3's
 * precedence (an ETag condition that holds overrides the date condition
 * paired with it).
 *
 * A failed If-Match / If-Unmodified-Since is 412 PreconditionFailed; a
 * failed If-None-Match / If-Modified-Since is 304 Not Modified, which
 * carries the ETag and Last-Modified so a cache can refresh them.  Dates
 * that do not parse are ignored, as HTTP says.
 */
#include "s3_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Parses an HTTP date (RFC 1123, the only form clients send today); -1 when
 * it is not one. */
static time_t http_date_parse(const char *text)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char month[4];
    struct tm tm = {0};
    if (sscanf(text, "%*3s, %d %3s %d %d:%d:%d GMT", &tm.tm_mday, month, &tm.tm_year, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    tm.tm_mon = -1;
    for (int i = 0; i < 12; i++)
        if (strcmp(month, months[i]) == 0)
            tm.tm_mon = i;
    if (tm.tm_mon < 0)
        return -1;
    tm.tm_year -= 1900;
    return timegm(&tm);
}

/* Whether a comma-separated list of entity tags (quoted or not, maybe weak,
 * or "*") names etag. */
static int etag_listed(const char *list, const char *etag)
{
    const char *bare = etag + (*etag == '"');
    size_t bare_len = strlen(bare) - (*etag == '"');
    while (*list) {
        list += strspn(list, " \t,");
        if (strncmp(list, "W/", 2) == 0)
            list += 2;
        size_t n = strcspn(list, ",");
        while (n && (list[n - 1] == ' ' || list[n - 1] == '\t'))
            n--;
        const char *token = list;
        if (n >= 2 && token[0] == '"' && token[n - 1] == '"') {
            token++;
            n -= 2;
        }
        if ((n == 1 && *token == '*') || (n == bare_len && strncmp(token, bare, n) == 0))
            return 1;
        list += strcspn(list, ",");
    }
    return 0;
}

static void not_modified(s3_call *call, const blob_info *info)
{
    char date[32];
    s3_date_http(info->modified, date);
    http_response_header(call->response, "ETag", info->etag);
    http_response_header(call->response, "Last-Modified", date);
    s3_reply_empty(call, 304);
}

int s3_preconditions_met(s3_call *call, const blob_info *info)
{
    const char *if_match = http_request_header(call->request, "If-Match");
    const char *if_none_match = http_request_header(call->request, "If-None-Match");
    const char *if_modified = http_request_header(call->request, "If-Modified-Since");
    const char *if_unmodified = http_request_header(call->request, "If-Unmodified-Since");
    time_t since;
    if (if_match && !etag_listed(if_match, info->etag)) {
        s3_error(call, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
        return 0;
    }
    if (!if_match && if_unmodified && (since = http_date_parse(if_unmodified)) >= 0 && info->modified > since) {
        s3_error(call, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
        return 0;
    }
    if (if_none_match && etag_listed(if_none_match, info->etag)) {
        not_modified(call, info);
        return 0;
    }
    if (!if_none_match && if_modified && (since = http_date_parse(if_modified)) >= 0 && info->modified <= since) {
        not_modified(call, info);
        return 0;
    }
    return 1;
}

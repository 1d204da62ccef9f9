/*
 * aws_sign.c - the client half of SigV4: lists the headers to sign (every
 * header sent, lower-cased and sorted), hashes the body, and asks
 * sigv4_signature for the signature the server will recompute.
 */
#include "aws_sign.h"

#include "auth.h"

#include <openssl/sha.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int aws_header_add(aws_header_list *list, const char *name, const char *value)
{
    if (list->count == AWS_SIGN_MAX_HEADERS)
        return 0;
    http_header *header = &list->headers[list->count];
    header->name = strdup(name);
    header->value = strdup(value);
    if (!header->name || !header->value) {
        free(header->name);
        free(header->value);
        return 0;
    }
    list->count++;
    return 1;
}

void aws_header_list_free(aws_header_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->headers[i].name);
        free(list->headers[i].value);
    }
    list->count = 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "content-type;host;x-amz-date", from the list's names. */
static char *signed_header_names(const aws_header_list *list)
{
    char *names[AWS_SIGN_MAX_HEADERS];
    size_t total = 1;
    for (size_t i = 0; i < list->count; i++) {
        names[i] = strdup(list->headers[i].name);
        if (!names[i]) {
            while (i--)
                free(names[i]);
            return NULL;
        }
        for (char *p = names[i]; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        total += strlen(names[i]) + 1;
    }
    qsort(names, list->count, sizeof names[0], compare_names);
    char *joined = malloc(total);
    if (joined) {
        joined[0] = '\0';
        for (size_t i = 0; i < list->count; i++) {
            if (i)
                strcat(joined, ";");
            strcat(joined, names[i]);
        }
    }
    for (size_t i = 0; i < list->count; i++)
        free(names[i]);
    return joined;
}

int aws_sign(const char *method, const char *path, const char *query, aws_header_list *headers,
             const uint8_t *body, size_t body_size, const aws_signing *signing)
{
    char timestamp[17];
    struct tm tm;
    gmtime_r(&signing->now, &tm);
    strftime(timestamp, sizeof timestamp, "%Y%m%dT%H%M%SZ", &tm);
    if (!aws_header_add(headers, "X-Amz-Date", timestamp))
        return 0;
    if (signing->session_token &&
        !aws_header_add(headers, "X-Amz-Security-Token", signing->session_token))
        return 0;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(body_size ? body : (const uint8_t *)"", body_size, digest);
    char payload[65];
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(payload + 2 * i, 3, "%02x", digest[i]);
    char *names = signed_header_names(headers);
    if (!names)
        return 0;
    http_request request = {.method = method, .path = path, .query = query ? query : "",
                            .headers = headers->headers, .n_headers = headers->count,
                            .body = body, .body_size = body_size};
    char signature[65];
    int ok = sigv4_signature(&request, names, timestamp, signing->region, signing->service,
                             payload, signing->secret_access_key, signature);
    char *authorization = NULL;
    if (ok && asprintf(&authorization,
                       "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, "
                       "SignedHeaders=%s, Signature=%s",
                       signing->access_key_id, timestamp, signing->region, signing->service,
                       names, signature) < 0)
        authorization = NULL;
    free(names);
    ok = authorization && aws_header_add(headers, "Authorization", authorization);
    free(authorization);
    return ok;
}

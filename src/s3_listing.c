/*
 * s3_listing.c - ListObjectsV2 (GET /bucket?list-type=2) and the original
 * ListObjects (marker-based), over the blob store's listing.
 *
 * A continuation token is the base64 of the last key or common prefix of
 * the previous page: opaque to clients, and resuming needs nothing kept on
 * the server.  With encoding-type=url (the aws CLI always asks for it) keys
 * and prefixes are percent-encoded in the XML, so any byte survives it.
 */
#include "s3_internal.h"

#include "base64.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 1000

typedef struct list_params {
    char *prefix, *delimiter, *start_after, *token, *marker, *encoding, *max_keys_text;
    char *resume;      /* decoded token, start-after or marker: where the page starts */
    size_t max_keys;
    int url_encode;
} list_params;

static void params_free(list_params *p)
{
    free(p->prefix);
    free(p->delimiter);
    free(p->start_after);
    free(p->token);
    free(p->marker);
    free(p->encoding);
    free(p->max_keys_text);
    free(p->resume);
}

static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes a continuation token into a malloc'ed key; NULL when it is not
 * one of ours. */
static char *token_decode(const char *token)
{
    size_t n = strlen(token);
    if (n == 0 || n % 4)
        return NULL;
    char *out = malloc(n / 4 * 3 + 1);
    size_t size = 0;
    for (size_t i = 0; out && i < n; i += 4) {
        int v[4];
        for (int j = 0; j < 4; j++)
            v[j] = token[i + j] == '=' && i + 4 == n && j >= 2 ? 0 : base64_value(token[i + j]);
        if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0 || (token[i + 2] == '=' && token[i + 3] != '=')) {
            free(out);
            return NULL;
        }
        uint32_t bits = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        out[size++] = (char)(bits >> 16);
        if (token[i + 2] != '=')
            out[size++] = (char)(bits >> 8 & 0xff);
        if (token[i + 3] != '=')
            out[size++] = (char)(bits & 0xff);
    }
    if (out)
        out[size] = 0;
    if (out && strlen(out) != size) { /* an embedded NUL: not a key */
        free(out);
        return NULL;
    }
    return out;
}

/* Reads and checks the query; 0 when it answered with an error. */
static int params_read(s3_call *call, int version2, list_params *p)
{
    memset(p, 0, sizeof *p);
    p->prefix = s3_query(call, "prefix");
    p->delimiter = s3_query(call, "delimiter");
    p->encoding = s3_query(call, "encoding-type");
    p->max_keys_text = s3_query(call, "max-keys");
    p->max_keys = MAX_KEYS;
    if (p->max_keys_text) {
        char *end;
        long long n = strtoll(p->max_keys_text, &end, 10);
        if (!*p->max_keys_text || *end || n < 0) {
            s3_error(call, 400, "InvalidArgument", "max-keys must be an integer from 0 to 2147483647.");
            return 0;
        }
        p->max_keys = n < MAX_KEYS ? (size_t)n : MAX_KEYS;
    }
    if (p->encoding && strcmp(p->encoding, "url") != 0) {
        s3_error(call, 400, "InvalidArgument", "Invalid Encoding Method specified in Request.");
        return 0;
    }
    p->url_encode = p->encoding != NULL;
    if (version2) {
        p->start_after = s3_query(call, "start-after");
        p->token = s3_query(call, "continuation-token");
        if (p->token && !(p->resume = token_decode(p->token))) {
            s3_error(call, 400, "InvalidArgument", "The continuation token provided is incorrect.");
            return 0;
        }
        /* A token wins over start-after, which only applies to the first page. */
        if (!p->resume && p->start_after)
            p->resume = strdup(p->start_after);
    } else {
        p->marker = s3_query(call, "marker");
        if (p->marker)
            p->resume = strdup(p->marker);
    }
    return 1;
}

/* Appends a key or prefix, percent-encoded when asked (all but unreserved
 * characters and '/', as S3 does). */
static void key_element(s3_xml *x, const char *name, const char *key, int url_encode)
{
    if (!url_encode) {
        s3_xml_element(x, name, key);
        return;
    }
    size_t n = strlen(key);
    char *encoded = malloc(3 * n + 1), *o = encoded;
    if (!encoded) {
        x->failed = 1;
        return;
    }
    for (const unsigned char *k = (const unsigned char *)key; *k; k++) {
        if ((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9')
            || strchr("-_.~/", *k))
            *o++ = (char)*k;
        else
            o += sprintf(o, "%%%02X", *k);
    }
    *o = 0;
    s3_xml_element(x, name, encoded);
    free(encoded);
}

static void contents_write(s3_xml *x, const blob_listing *l, const list_params *p)
{
    for (size_t i = 0; i < l->count; i++) {
        const blob_entry *e = &l->entries[i];
        char date[32];
        s3_date_iso(e->info.modified, date);
        s3_xml_open(x, "Contents");
        key_element(x, "Key", e->key, p->url_encode);
        s3_xml_element(x, "LastModified", date);
        s3_xml_element(x, "ETag", e->info.etag);
        s3_xml_elementf(x, "Size", "%llu", (unsigned long long)e->info.size);
        s3_xml_element(x, "StorageClass", "STANDARD");
        s3_xml_close(x, "Contents");
    }
    for (size_t i = 0; i < l->n_prefixes; i++) {
        s3_xml_open(x, "CommonPrefixes");
        key_element(x, "Prefix", l->common_prefixes[i], p->url_encode);
        s3_xml_close(x, "CommonPrefixes");
    }
}

/* The elements ahead of the contents, in the order S3 writes them. */
static void header_write(s3_xml *x, const s3_call *call, const blob_listing *l, const list_params *p,
                         int version2)
{
    s3_xml_element(x, "Name", call->bucket);
    key_element(x, "Prefix", p->prefix ? p->prefix : "", p->url_encode);
    if (!version2)
        key_element(x, "Marker", p->marker ? p->marker : "", p->url_encode);
    if (!version2 && l->truncated && p->delimiter && l->next_key)
        key_element(x, "NextMarker", l->next_key, p->url_encode);
    s3_xml_elementf(x, "MaxKeys", "%zu", p->max_keys);
    if (p->delimiter)
        key_element(x, "Delimiter", p->delimiter, p->url_encode);
    if (p->url_encode)
        s3_xml_element(x, "EncodingType", "url");
    if (version2) {
        s3_xml_elementf(x, "KeyCount", "%zu", l->count + l->n_prefixes);
        if (p->token)
            s3_xml_element(x, "ContinuationToken", p->token);
        if (p->start_after)
            key_element(x, "StartAfter", p->start_after, p->url_encode);
    }
    s3_xml_element(x, "IsTruncated", l->truncated ? "true" : "false");
    if (version2 && l->truncated && l->next_key) {
        char *next = base64_encode_alloc((const uint8_t *)l->next_key, strlen(l->next_key));
        if (!next)
            x->failed = 1;
        else
            s3_xml_element(x, "NextContinuationToken", next);
        free(next);
    }
}

void s3_objects_list(s3_call *call, int version2)
{
    list_params p;
    blob_listing listing;
    vgl_error err;
    if (!params_read(call, version2, &p)) {
        params_free(&p);
        return;
    }
    if (call->blobs->ops->list(call->blobs, call->bucket, p.prefix, p.delimiter,
                               p.resume ? p.resume : "", p.max_keys, &listing, &err) != VGL_OK) {
        s3_blob_error(call, &err, "NoSuchBucket");
        params_free(&p);
        return;
    }
    s3_xml x;
    s3_xml_begin(&x, "ListBucketResult");
    header_write(&x, call, &listing, &p, version2);
    contents_write(&x, &listing, &p);
    s3_reply_xml(call, 200, &x, "ListBucketResult");
    blob_listing_free(&listing);
    params_free(&p);
}

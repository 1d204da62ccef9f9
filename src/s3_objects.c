/*
 * s3_objects.c - the S3 object operations: PutObject, GetObject (with a
 * byte Range), HeadObject, DeleteObject, DeleteObjects, CopyObject and an
 * always empty GetObjectTagging.
 *
 * Bodies travel whole in memory (the server reads a request entirely and
 * bounds it by max_body_bytes), which keeps every operation a single blob
 * store call.  Only a single "bytes=" range is honoured; a syntactically
 * bad or multi-range Range header is ignored and the whole object sent, as
 * S3 does.  Conditional requests are checked in s3_preconditions.c.
 */
#include "s3_internal.h"

#include "base64.h"

#include <openssl/evp.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DELETE_KEYS 1000

/* Maps a blob failure on a key to S3's error for it. */
static void key_error(s3_call *call, const vgl_error *err)
{
    if (err->status == VGL_EINVAL && strlen(call->key) > 1024)
        s3_error(call, 400, "KeyTooLongError", "Your key is too long.");
    else
        s3_blob_error(call, err, "NoSuchKey");
}

/* Checks an optional Content-MD5 against the body; 0 when it answered. */
static int content_md5_matches(s3_call *call)
{
    const char *given = http_request_header(call->request, "Content-MD5");
    if (!given)
        return 1;
    unsigned char digest[16];
    char expected[25];
    if (call->request->body_md5)
        memcpy(digest, call->request->body_md5, sizeof digest);
    else
        EVP_Digest(call->request->body, call->request->body_size, digest, NULL, EVP_md5(), NULL);
    base64_encode(digest, sizeof digest, expected);
    if (strlen(given) != 24) {
        s3_error(call, 400, "InvalidDigest", "The Content-MD5 you specified was invalid.");
        return 0;
    }
    if (strcmp(given, expected) != 0) {
        s3_error(call, 400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
        return 0;
    }
    return 1;
}

/* Refuses a body over the service's limit (the server normally does so
 * before reading it); 0 when it answered. */
int s3_body_size_ok(s3_call *call)
{
    size_t limit = call->svc->max_body_bytes;
    if (limit && call->request->body_size > limit) {
        s3_error(call, 400, "EntityTooLarge",
                 "Your proposed upload exceeds the maximum allowed size of %zu bytes.", limit);
        return 0;
    }
    return 1;
}

void s3_object_put(s3_call *call)
{
    blob_info info;
    vgl_error err;
    if (!s3_body_size_ok(call) || !content_md5_matches(call))
        return;
    const char *type = http_request_header(call->request, "Content-Type");
    const http_request *r = call->request;
    vgl_status status =
        r->body_path ? call->blobs->ops->put_file(call->blobs, call->bucket, call->key,
                                                  r->body_path, r->body_size, r->body_md5, type,
                                                  &info, &err)
                     : call->blobs->ops->put(call->blobs, call->bucket, call->key, r->body,
                                             r->body_size, type, &info, &err);
    if (status != VGL_OK) {
        key_error(call, &err);
        return;
    }
    http_response_header(call->response, "ETag", info.etag);
    s3_reply_empty(call, 200);
}

typedef enum range_kind { RANGE_NONE, RANGE_OK, RANGE_UNSATISFIABLE } range_kind;

/* Parses "bytes=first-last", "bytes=first-" or "bytes=-suffix" against the
 * object's size into [*offset, *offset + *length). */
static range_kind range_parse(const char *header, uint64_t size, uint64_t *offset, uint64_t *length)
{
    unsigned long long first, last;
    int used = 0;
    if (!header || strncasecmp(header, "bytes=", 6) != 0 || strchr(header, ','))
        return RANGE_NONE;
    const char *spec = header + 6;
    if (sscanf(spec, "-%llu%n", &last, &used) == 1 && !spec[used]) {
        if (last == 0 || size == 0)
            return RANGE_UNSATISFIABLE;
        *length = last < size ? last : size;
        *offset = size - *length;
        return RANGE_OK;
    }
    if (sscanf(spec, "%llu-%n", &first, &used) == 1 && !spec[used])
        last = UINT64_MAX;
    else if (!(sscanf(spec, "%llu-%llu%n", &first, &last, &used) == 2 && !spec[used]) || last < first)
        return RANGE_NONE;
    if (first >= size)
        return RANGE_UNSATISFIABLE;
    *offset = first;
    *length = (last >= size ? size - 1 : last) - first + 1;
    return RANGE_OK;
}

/* The response-* query parameters of GetObject (presigned download links
 * use them) override the headers sent back. */
static void response_overrides(s3_call *call)
{
    static const char *const overrides[][2] = {
        {"response-content-type", "Content-Type"},
        {"response-content-language", "Content-Language"},
        {"response-expires", "Expires"},
        {"response-cache-control", "Cache-Control"},
        {"response-content-disposition", "Content-Disposition"},
        {"response-content-encoding", "Content-Encoding"},
    };
    for (size_t i = 0; i < sizeof overrides / sizeof *overrides; i++) {
        char *value = s3_query(call, overrides[i][0]);
        if (value && !strpbrk(value, "\r\n"))
            http_response_header(call->response, overrides[i][1], value);
        free(value);
    }
}

static void get_range(s3_call *call, const blob_info *info, uint64_t offset, uint64_t length)
{
    uint8_t *data;
    vgl_error err;
    char content_range[96];
    if (call->blobs->ops->get_range(call->blobs, call->bucket, call->key, offset, length, &data, &err)
        != VGL_OK) {
        key_error(call, &err);
        return;
    }
    snprintf(content_range, sizeof content_range, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, offset,
             offset + length - 1, info->size);
    s3_object_headers(call, info);
    response_overrides(call);
    http_response_header(call->response, "Content-Range", content_range);
    http_response_body(call->response, 206, NULL, data, (size_t)length);
}

void s3_object_get(s3_call *call, int head)
{
    blob_info info;
    vgl_error err;
    uint64_t offset = 0, length = 0;
    if (call->blobs->ops->head(call->blobs, call->bucket, call->key, &info, &err) != VGL_OK) {
        key_error(call, &err);
        return;
    }
    if (!s3_preconditions_met(call, &info))
        return;
    range_kind range = range_parse(http_request_header(call->request, "Range"), info.size, &offset, &length);
    if (head || range == RANGE_NONE) {
        uint8_t *data = NULL;
        size_t size = 0;
        if (!head && call->blobs->ops->get(call->blobs, call->bucket, call->key, &data, &size, &info, &err)
                         != VGL_OK) {
            key_error(call, &err);
            return;
        }
        char length_text[32];
        snprintf(length_text, sizeof length_text, "%" PRIu64, info.size);
        s3_object_headers(call, &info);
        response_overrides(call);
        if (head) /* the object's size, with no body sent */
            http_response_header(call->response, "Content-Length", length_text);
        http_response_body(call->response, 200, NULL, data, size);
    } else if (range == RANGE_UNSATISFIABLE) {
        char content_range[48];
        snprintf(content_range, sizeof content_range, "bytes */%" PRIu64, info.size);
        http_response_header(call->response, "Content-Range", content_range);
        s3_error(call, 416, "InvalidRange", "The requested range is not satisfiable");
    } else {
        get_range(call, &info, offset, length);
    }
}

void s3_object_delete(s3_call *call)
{
    vgl_error err;
    if (call->blobs->ops->remove(call->blobs, call->bucket, call->key, &err) != VGL_OK)
        key_error(call, &err);
    else
        s3_reply_empty(call, 204);
}

/* GetObjectTagging: objects carry no tags here, so an existing one has an
 * empty set. */
void s3_object_tagging(s3_call *call)
{
    blob_info info;
    vgl_error err;
    if (call->blobs->ops->head(call->blobs, call->bucket, call->key, &info, &err) != VGL_OK) {
        key_error(call, &err);
        return;
    }
    s3_xml x;
    s3_xml_begin(&x, "Tagging");
    s3_xml_element(&x, "TagSet", "");
    s3_reply_xml(call, 200, &x, "Tagging");
}

/* ------------------------------------------------------------ CopyObject */

int s3_copy_source_parse(const char *header, char **bucket, char **key)
{
    if (!header)
        return 0;
    if (*header == '/')
        header++;
    size_t n = strcspn(header, "?");
    char *decoded = http_percent_decode(header, n, 0);
    char *slash = decoded ? strchr(decoded, '/') : NULL;
    if (!slash || slash == decoded || !slash[1]) {
        free(decoded);
        return 0;
    }
    *slash = 0;
    *bucket = decoded;
    *key = strdup(slash + 1);
    return *key != NULL;
}

void s3_object_copy(s3_call *call)
{
    char *bucket = NULL, *key = NULL;
    uint8_t *data = NULL;
    size_t size;
    blob_info info;
    vgl_error err;
    if (!s3_copy_source_parse(http_request_header(call->request, "x-amz-copy-source"), &bucket, &key)) {
        free(bucket);
        s3_error(call, 400, "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey.");
        return;
    }
    vgl_status status = call->blobs->ops->get(call->blobs, bucket, key, &data, &size, &info, &err);
    if (status == VGL_ENOTFOUND && call->blobs->ops->bucket_exists(call->blobs, bucket, NULL) != VGL_OK)
        s3_error(call, 404, "NoSuchBucket", "The source bucket %s does not exist.", bucket);
    else if (status != VGL_OK)
        s3_blob_error(call, &err, "NoSuchKey");
    free(bucket);
    free(key);
    if (status != VGL_OK)
        return;
    /* COPY (the default) keeps the source's content type; REPLACE takes the request's. */
    const char *directive = http_request_header(call->request, "x-amz-metadata-directive");
    const char *type = directive && strcasecmp(directive, "REPLACE") == 0
                           ? http_request_header(call->request, "Content-Type")
                           : info.content_type;
    status = call->blobs->ops->put(call->blobs, call->bucket, call->key, data, size, type, &info, &err);
    free(data);
    if (status != VGL_OK) {
        key_error(call, &err);
        return;
    }
    char date[32];
    s3_date_iso(info.modified, date);
    s3_xml x;
    s3_xml_begin(&x, "CopyObjectResult");
    s3_xml_element(&x, "LastModified", date);
    s3_xml_element(&x, "ETag", info.etag);
    s3_reply_xml(call, 200, &x, "CopyObjectResult");
}

/* ------------------------------------------------------------ DeleteObjects */

static int is_true(const s3_xml_node *node)
{
    return node && strcasecmp(node->text, "true") == 0;
}

/* Deletes one listed object and reports it (errors even in quiet mode). */
static void delete_one(s3_call *call, const s3_xml_node *object, int quiet, s3_xml *x)
{
    const s3_xml_node *key = s3_xml_child(object, "Key");
    vgl_error err;
    if (call->blobs->ops->remove(call->blobs, call->bucket, key->text, &err) == VGL_OK) {
        if (!quiet) {
            s3_xml_open(x, "Deleted");
            s3_xml_element(x, "Key", key->text);
            s3_xml_close(x, "Deleted");
        }
        return;
    }
    s3_xml_open(x, "Error");
    s3_xml_element(x, "Key", key->text);
    s3_xml_element(x, "Code", err.status == VGL_EINVAL ? "InvalidArgument" : "InternalError");
    s3_xml_element(x, "Message", err.message);
    s3_xml_close(x, "Error");
}

/* A <Delete> with 1..1000 <Object> elements, each with a <Key>. */
static int delete_request_valid(const s3_xml_node *root)
{
    size_t objects = 0;
    if (strcmp(root->name, "Delete") != 0)
        return 0;
    for (size_t i = 0; i < root->n_children; i++) {
        const s3_xml_node *child = &root->children[i];
        if (strcmp(child->name, "Object") == 0) {
            if (!s3_xml_child(child, "Key"))
                return 0;
            objects++;
        }
    }
    return objects >= 1 && objects <= MAX_DELETE_KEYS;
}

void s3_objects_delete(s3_call *call)
{
    /* A damaged body could name other keys: check its digest before acting. */
    if (!content_md5_matches(call))
        return;
    s3_xml_node *root = NULL;
    vgl_error err;
    vgl_status status = s3_xml_parse(call->request->body, call->request->body_size, &root, &err);
    if (status == VGL_ENOMEM) {
        s3_blob_error(call, &err, "NoSuchKey");
        return;
    }
    if (status != VGL_OK || !delete_request_valid(root)) {
        s3_xml_free(root);
        s3_error(call, 400, "MalformedXML", "The XML you provided was not well-formed or did not "
                                            "validate against our published schema.");
        return;
    }
    int quiet = is_true(s3_xml_child(root, "Quiet"));
    s3_xml x;
    s3_xml_begin(&x, "DeleteResult");
    for (size_t i = 0; i < root->n_children; i++)
        if (strcmp(root->children[i].name, "Object") == 0)
            delete_one(call, &root->children[i], quiet, &x);
    s3_xml_free(root);
    s3_reply_xml(call, 200, &x, "DeleteResult");
}

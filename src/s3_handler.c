/*
 * s3_handler.c - the S3-compatible endpoint's front: which bucket and key a
 * request addresses, which operation it is, and the replies every operation
 * shares (errors, XML, dates); see s3_internal.h.
 *
 * Addressing: path-style (/bucket/key) unless the Host header names an
 * existing bucket as its first label (virtual-host-style,
 * bucket.vigil.example:9000).  A Host that is an IP address or localhost is
 * always path-style, so a bucket cannot capture those.  The path arrives
 * percent-encoded, exactly as signed; the key is decoded here and never
 * normalised ("a/../b" and "a//b" are keys of their own).
 *
 * Operations are told apart by method and query, the way S3 does: a
 * subresource this endpoint does not implement (?acl, ?tagging, ...) is
 * refused with NotImplemented rather than mistaken for a plain GET or PUT.
 */
#include "s3_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ replies */

void s3_reply_empty(s3_call *call, int status)
{
    http_response_body(call->response, status, NULL, NULL, 0);
}

void s3_reply_xml(s3_call *call, int status, s3_xml *x, const char *root)
{
    size_t size;
    uint8_t *body = s3_xml_finish(x, root, &size);
    if (!body) {
        http_response_text(call->response, 500, "application/xml",
                           "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code>"
                           "<Message>Out of memory.</Message></Error>");
        return;
    }
    http_response_body(call->response, status, "application/xml", body, size);
}

void s3_error(s3_call *call, int status, const char *code, const char *fmt, ...)
{
    char message[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (strcmp(call->request->method, "HEAD") == 0) {
        /* A HEAD answer has no body: botocore reads the status alone. */
        s3_reply_empty(call, status);
        return;
    }
    s3_xml x;
    s3_xml_begin_bare(&x, "Error"); /* S3's <Error> carries no namespace */
    s3_xml_element(&x, "Code", code);
    s3_xml_element(&x, "Message", message);
    if (call->bucket)
        s3_xml_element(&x, "BucketName", call->bucket);
    if (call->key)
        s3_xml_element(&x, "Key", call->key);
    s3_xml_element(&x, "Resource", call->request->path);
    s3_xml_element(&x, "RequestId", call->request->request_id ? call->request->request_id : "");
    s3_reply_xml(call, status, &x, "Error");
}

void s3_blob_error(s3_call *call, const vgl_error *err, const char *not_found_code)
{
    switch (err->status) {
    case VGL_ENOTFOUND: s3_error(call, 404, not_found_code, "%s", err->message); break;
    case VGL_EINVAL: s3_error(call, 400, "InvalidArgument", "%s", err->message); break;
    default: s3_error(call, 500, "InternalError", "%s", err->message); break;
    }
}

/* ------------------------------------------------------------ small shared helpers */

char *s3_query(const s3_call *call, const char *name)
{
    return http_request_query_param(call->request, name);
}

int s3_query_has(const s3_call *call, const char *name)
{
    char *value = s3_query(call, name);
    free(value);
    return value != NULL;
}

void s3_date_http(time_t t, char out[32])
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&t, &tm);
    /* Names spelled out: strftime's %a and %b follow the locale. */
    snprintf(out, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], (tm.tm_year + 1900) % 10000, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void s3_date_iso(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

void s3_object_headers(s3_call *call, const blob_info *info)
{
    char date[32];
    s3_date_http(info->modified, date);
    http_response_header(call->response, "ETag", info->etag);
    http_response_header(call->response, "Last-Modified", date);
    http_response_header(call->response, "Content-Type", info->content_type);
    http_response_header(call->response, "Accept-Ranges", "bytes");
}

/* ------------------------------------------------------------ addressing */

/* The Host header's first label, lowercased, when the host may name a
 * bucket: it has a dot and is neither an IP address (v4 or bracketed v6)
 * nor localhost. */
static int host_first_label(const http_request *request, char *label, size_t size)
{
    const char *host = http_request_header(request, "Host");
    if (!host || host[0] == '[')
        return 0;
    size_t n = strcspn(host, ":");
    if (strspn(host, "0123456789.") == n || (n == 9 && strncasecmp(host, "localhost", 9) == 0))
        return 0;
    size_t dot = strcspn(host, ".:");
    if (dot >= n || dot >= size)
        return 0;
    for (size_t i = 0; i < dot; i++)
        label[i] = (char)((host[i] >= 'A' && host[i] <= 'Z') ? host[i] - 'A' + 'a' : host[i]);
    label[dot] = 0;
    return 1;
}

/* Fills call->bucket and call->key from Host and path; 0 on a bad escape. */
static int resolve_address(s3_call *call)
{
    const char *path = call->request->path;
    char label[64];
    vgl_error err;
    if (*path == '/')
        path++;
    if (host_first_label(call->request, label, sizeof label)
        && call->blobs->ops->bucket_exists(call->blobs, label, &err) == VGL_OK) {
        call->bucket = strdup(label);
    } else {
        size_t n = strcspn(path, "/");
        if (n == 0)
            return 1; /* the service itself */
        if (!(call->bucket = http_percent_decode(path, n, 0)))
            return 0;
        path += n;
        if (*path == '/')
            path++;
    }
    if (*path && !(call->key = http_percent_decode(path, strlen(path), 0)))
        return 0;
    return call->bucket != NULL;
}

/* ------------------------------------------------------------ dispatch */

/* Subresources S3 has and this endpoint does not. */
static const char *unsupported_subresource(const s3_call *call)
{
    static const char *const names[] = {
        "acl", "policy", "policyStatus", "tagging", "cors", "lifecycle", "versioning", "versions",
        "website", "logging", "notification", "replication", "encryption", "object-lock",
        "retention", "legal-hold", "accelerate", "requestPayment", "ownershipControls",
        "publicAccessBlock", "torrent", "restore", "select", "analytics", "metrics", "inventory",
        "intelligent-tiering", "attributes"};
    int get = strcmp(call->request->method, "GET") == 0;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        /* Reading tags is answered (there are none): the aws CLI reads an
         * object's tags before a multipart copy. */
        if (s3_query_has(call, names[i]) && !(get && strcmp(names[i], "tagging") == 0))
            return names[i];
    return NULL;
}

static void method_not_allowed(s3_call *call)
{
    s3_error(call, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
}

static void dispatch_service(s3_call *call)
{
    if (strcmp(call->request->method, "GET") == 0)
        s3_buckets_list(call);
    else
        method_not_allowed(call);
}

static void dispatch_bucket(s3_call *call)
{
    const char *method = call->request->method;
    if (strcmp(method, "PUT") == 0) {
        s3_bucket_create(call);
    } else if (strcmp(method, "HEAD") == 0) {
        s3_bucket_head(call);
    } else if (strcmp(method, "DELETE") == 0) {
        s3_bucket_delete(call);
    } else if (strcmp(method, "GET") == 0) {
        if (s3_query_has(call, "location"))
            s3_bucket_location(call);
        else if (s3_query_has(call, "tagging"))
            s3_error(call, 404, "NoSuchTagSet", "The TagSet does not exist.");
        else if (s3_query_has(call, "uploads"))
            s3_error(call, 501, "NotImplemented", "ListMultipartUploads is not implemented.");
        else
            s3_objects_list(call, s3_query_has(call, "list-type"));
    } else if (strcmp(method, "POST") == 0 && s3_query_has(call, "delete")) {
        s3_objects_delete(call);
    } else {
        method_not_allowed(call);
    }
}

static void dispatch_object(s3_call *call)
{
    const char *method = call->request->method;
    int upload = s3_query_has(call, "uploadId");
    int copy = http_request_header(call->request, "x-amz-copy-source") != NULL;
    if (strcmp(method, "PUT") == 0) {
        if (upload && copy)
            s3_multipart_copy_part(call);
        else if (upload)
            s3_multipart_upload_part(call);
        else if (copy)
            s3_object_copy(call);
        else
            s3_object_put(call);
    } else if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
        if (upload)
            s3_error(call, 501, "NotImplemented", "ListParts is not implemented.");
        else if (s3_query_has(call, "tagging") && method[0] == 'G')
            s3_object_tagging(call);
        else
            s3_object_get(call, method[0] == 'H');
    } else if (strcmp(method, "DELETE") == 0) {
        if (upload)
            s3_multipart_abort(call);
        else
            s3_object_delete(call);
    } else if (strcmp(method, "POST") == 0 && s3_query_has(call, "uploads")) {
        s3_multipart_create(call);
    } else if (strcmp(method, "POST") == 0 && upload) {
        s3_multipart_complete(call);
    } else {
        method_not_allowed(call);
    }
}

/* Every operation but CreateBucket needs the bucket to exist. */
static int bucket_checked(s3_call *call)
{
    vgl_error err;
    int creating = !call->key && strcmp(call->request->method, "PUT") == 0;
    if (creating)
        return 1;
    vgl_status status = call->blobs->ops->bucket_exists(call->blobs, call->bucket, &err);
    if (status == VGL_OK)
        return 1;
    if (status == VGL_EINVAL)
        s3_error(call, 400, "InvalidBucketName", "The specified bucket is not valid.");
    else if (status == VGL_ENOTFOUND)
        s3_error(call, 404, "NoSuchBucket", "The specified bucket does not exist.");
    else
        s3_blob_error(call, &err, "NoSuchBucket");
    return 0;
}

static void dispatch_bucket_or_object(s3_call *call)
{
    if (call->key)
        dispatch_object(call);
    else
        dispatch_bucket(call);
}

/* Permissions first, then the bucket, then the operation. */
static void dispatch_authorized(s3_call *call)
{
    if (!s3_authorized(call))
        return;
    if (!call->bucket)
        dispatch_service(call);
    else if (bucket_checked(call))
        dispatch_bucket_or_object(call);
}

void s3_handle(const service *svc, const http_request *request, const auth_identity *caller,
               http_response *response)
{
    s3_call call = {.svc = svc, .request = request, .caller = caller, .response = response,
                    .blobs = svc->blobs};
    const char *unsupported;
    if (!resolve_address(&call))
        s3_error(&call, 400, "InvalidURI", "Couldn't parse the specified URI.");
    else if ((unsupported = unsupported_subresource(&call)))
        s3_error(&call, 501, "NotImplemented", "The ?%s subresource is not implemented.", unsupported);
    else
        dispatch_authorized(&call);
    free(call.bucket);
    free(call.key);
}

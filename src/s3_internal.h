/*
 * s3_internal.h - what the files of the S3 endpoint share: one call's
 * context, S3 error responses, XML replies, dates.
 *
 * s3_handler.c resolves the addressing (path-style or virtual-host-style)
 * and checks the bucket exists before it dispatches to an operation in
 * s3_buckets.c, s3_listing.c, s3_objects.c or s3_multipart.c; operations
 * answer through s3_error and s3_reply_xml.
 */
#ifndef VIGIL_S3_INTERNAL_H
#define VIGIL_S3_INTERNAL_H

#include "s3_xml.h"
#include "service.h"

#include <time.h>

/* S3's smallest part of a multipart upload, but for the last one. */
#define S3_MIN_PART_SIZE ((uint64_t)5 << 20)

typedef struct s3_call {
    const service *svc;
    const http_request *request;
    const auth_identity *caller;
    http_response *response;
    blob_store *blobs;
    char *bucket; /* decoded; NULL for the service itself (ListBuckets) */
    char *key;    /* decoded; NULL for a bucket operation */
} s3_call;

/* An S3 <Error> document (no body for HEAD). */
void s3_error(s3_call *call, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The error for a blob store failure: ENOTFOUND becomes not_found_code
 * (404), EINVAL InvalidArgument (400), anything else InternalError (500). */
void s3_blob_error(s3_call *call, const vgl_error *err, const char *not_found_code);
/* Finishes x under root and sends it with status. */
void s3_reply_xml(s3_call *call, int status, s3_xml *x, const char *root);
/* An empty response with status. */
void s3_reply_empty(s3_call *call, int status);

/* A decoded query parameter (malloc'ed) or NULL; s3_query_has tells whether
 * it is present at all. */
char *s3_query(const s3_call *call, const char *name);
int s3_query_has(const s3_call *call, const char *name);

/* "Wed, 12 Oct 2009 17:50:00 GMT" (headers) and "2009-10-12T17:50:00.000Z" (XML). */
void s3_date_http(time_t t, char out[32]);
void s3_date_iso(time_t t, char out[32]);
/* ETag, Last-Modified, Content-Type of an object. */
void s3_object_headers(s3_call *call, const blob_info *info);

/* Refuses (EntityTooLarge) a body over service.max_body_bytes; 0 when it
 * answered. */
int s3_body_size_ok(s3_call *call);

/* Checks If-Match, If-None-Match, If-Modified-Since and
 * If-Unmodified-Since against an object; answers 412 or 304 and returns 0
 * when they do not hold. */
int s3_preconditions_met(s3_call *call, const blob_info *info);

/* Splits x-amz-copy-source ("[/]bucket/key[?versionId=...]",
 * percent-encoded) into malloc'ed parts; 0 when absent or malformed. */
int s3_copy_source_parse(const char *header, char **bucket, char **key);

/* Checks the caller's permissions for the request (s3_authorize.c); 0 when
 * it answered AccessDenied. */
int s3_authorized(s3_call *call);

/* Operations. */
void s3_buckets_list(s3_call *call);
void s3_bucket_create(s3_call *call);
void s3_bucket_head(s3_call *call);
void s3_bucket_delete(s3_call *call);
void s3_bucket_location(s3_call *call);
void s3_objects_list(s3_call *call, int version2);
void s3_object_put(s3_call *call);
void s3_object_get(s3_call *call, int head);
void s3_object_delete(s3_call *call);
void s3_object_tagging(s3_call *call);
void s3_object_copy(s3_call *call);
void s3_objects_delete(s3_call *call);
void s3_multipart_create(s3_call *call);
void s3_multipart_upload_part(s3_call *call);
void s3_multipart_copy_part(s3_call *call);
void s3_multipart_complete(s3_call *call);
void s3_multipart_abort(s3_call *call);

#endif

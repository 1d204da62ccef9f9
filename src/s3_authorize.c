/*
 * s3_authorize.c - s3_authorized: the S3 actions a request needs, checked
 * before the bucket is looked up (a denied request learns nothing about
 * whether the bucket exists) and before anything changes.
 *
 * Actions are IAM's for the operation the dispatcher in s3_handler.c will
 * choose, on arn:aws:s3:::BUCKET (bucket operations), arn:aws:s3:::BUCKET/KEY
 * (object operations) or "*" (ListBuckets):
 *   ListBuckets s3:ListAllMyBuckets; CreateBucket, DeleteBucket,
 *   GetBucketLocation as named; HeadBucket and the listings s3:ListBucket;
 *   GetObject and HeadObject s3:GetObject; PutObject, the multipart upload
 *   operations but abort, and the copies s3:PutObject, the copies also
 *   s3:GetObject on their source; DeleteObject s3:DeleteObject; abort
 *   s3:AbortMultipartUpload; object tags s3:GetObjectTagging.
 * DeleteObjects is checked as s3:DeleteObject on every key of the bucket
 * (arn:aws:s3:::BUCKET/ and a star): its keys are in the body, and a key
 * allowed to delete only part of a bucket must delete object by object.  Requests the dispatcher refuses
 * anyway (unknown methods, subresources) need nothing.
 */
#include "s3_internal.h"

#include "authorize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESOURCE_MAX 2200

static const char *bucket_action(const s3_call *call)
{
    const char *method = call->request->method;
    if (!strcmp(method, "PUT"))
        return "s3:CreateBucket";
    if (!strcmp(method, "DELETE"))
        return "s3:DeleteBucket";
    if (!strcmp(method, "HEAD"))
        return "s3:ListBucket";
    if (!strcmp(method, "GET"))
        return s3_query_has(call, "location")  ? "s3:GetBucketLocation"
               : s3_query_has(call, "tagging") ? "s3:GetBucketTagging"
               : s3_query_has(call, "uploads") ? "s3:ListBucketMultipartUploads"
                                               : "s3:ListBucket";
    if (!strcmp(method, "POST") && s3_query_has(call, "delete"))
        return "s3:DeleteObject";
    return NULL;
}

static const char *object_action(const s3_call *call)
{
    const char *method = call->request->method;
    int upload = s3_query_has(call, "uploadId");
    if (!strcmp(method, "PUT") || (!strcmp(method, "POST") && (upload || s3_query_has(call, "uploads"))))
        return "s3:PutObject";
    if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
        return upload                              ? "s3:ListMultipartUploadParts"
               : s3_query_has(call, "tagging")     ? "s3:GetObjectTagging"
                                                   : "s3:GetObject";
    if (!strcmp(method, "DELETE"))
        return upload ? "s3:AbortMultipartUpload" : "s3:DeleteObject";
    return NULL;
}

static int allowed(s3_call *call, const char *action, const char *resource)
{
    char message[RESOURCE_MAX + 512];
    if (service_authorize(call->svc, call->caller, action, resource, message, sizeof message))
        return 1;
    s3_error(call, 403, "AccessDenied", "%s", message);
    return 0;
}

/* A copy's source (x-amz-copy-source) must be readable; a malformed header
 * is left to the operation to refuse. */
static int copy_source_allowed(s3_call *call)
{
    char *bucket = NULL, *key = NULL;
    if (!s3_copy_source_parse(http_request_header(call->request, "x-amz-copy-source"), &bucket,
                              &key)) {
        free(bucket);
        return 1;
    }
    char resource[RESOURCE_MAX];
    snprintf(resource, sizeof resource, "arn:aws:s3:::%s/%s", bucket, key);
    free(bucket);
    free(key);
    return allowed(call, "s3:GetObject", resource);
}

int s3_authorized(s3_call *call)
{
    if (!call->bucket)
        return strcmp(call->request->method, "GET") || allowed(call, "s3:ListAllMyBuckets", "*");
    const char *action = call->key ? object_action(call) : bucket_action(call);
    if (!action)
        return 1;
    char resource[RESOURCE_MAX];
    int delete_objects = !call->key && !strcmp(action, "s3:DeleteObject");
    snprintf(resource, sizeof resource, "arn:aws:s3:::%s%s%s", call->bucket,
             call->key || delete_objects ? "/" : "",
             call->key ? call->key : delete_objects ? "*" : "");
    if (!allowed(call, action, resource))
        return 0;
    int copy = call->key && !strcmp(call->request->method, "PUT") &&
               http_request_header(call->request, "x-amz-copy-source");
    return !copy || copy_source_allowed(call);
}

/*
 * s3_buckets.c - the S3 bucket operations: ListBuckets, CreateBucket,
 * HeadBucket, DeleteBucket and GetBucketLocation.
 *
 * One installation is one account, so an existing bucket is always the
 * caller's own: creating it again is BucketAlreadyOwnedByYou (409), as S3
 * answers outside us-east-1.  A CreateBucketConfiguration may only name the
 * service's region, which is the only one there is.
 */
#include "s3_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void s3_buckets_list(s3_call *call)
{
    char **names;
    time_t *created;
    size_t count;
    vgl_error err;
    if (call->blobs->ops->bucket_list(call->blobs, &names, &created, &count, &err) != VGL_OK) {
        s3_blob_error(call, &err, "NoSuchBucket");
        return;
    }
    s3_xml x;
    s3_xml_begin(&x, "ListAllMyBucketsResult");
    s3_xml_open(&x, "Owner");
    s3_xml_element(&x, "ID", call->svc->account_id ? call->svc->account_id : "");
    s3_xml_element(&x, "DisplayName", call->caller ? call->caller->access_key_id : "");
    s3_xml_close(&x, "Owner");
    s3_xml_open(&x, "Buckets");
    for (size_t i = 0; i < count; i++) {
        char date[32];
        s3_date_iso(created[i], date);
        s3_xml_open(&x, "Bucket");
        s3_xml_element(&x, "Name", names[i]);
        s3_xml_element(&x, "CreationDate", date);
        s3_xml_close(&x, "Bucket");
        free(names[i]);
    }
    s3_xml_close(&x, "Buckets");
    free(names);
    free(created);
    s3_reply_xml(call, 200, &x, "ListAllMyBucketsResult");
}

/* Checks an optional CreateBucketConfiguration body; 0 when it answered. */
static int location_accepted(s3_call *call)
{
    const http_request *request = call->request;
    s3_xml_node *root = NULL;
    vgl_error err;
    if (request->body_size == 0)
        return 1;
    vgl_status status = s3_xml_parse(request->body, request->body_size, &root, &err);
    if (status == VGL_ENOMEM) {
        s3_blob_error(call, &err, "NoSuchBucket");
        return 0;
    }
    if (status != VGL_OK || strcmp(root->name, "CreateBucketConfiguration") != 0) {
        s3_xml_free(root);
        s3_error(call, 400, "MalformedXML", "The XML you provided was not well-formed.");
        return 0;
    }
    const s3_xml_node *location = s3_xml_child(root, "LocationConstraint");
    const char *region = call->svc->region ? call->svc->region : "us-east-1";
    int accepted = !location || !*location->text || strcmp(location->text, region) == 0;
    if (!accepted)
        s3_error(call, 400, "IllegalLocationConstraintException",
                 "The %s location constraint is incompatible with this endpoint's region %s.",
                 location->text, region);
    s3_xml_free(root);
    return accepted;
}

void s3_bucket_create(s3_call *call)
{
    vgl_error err;
    vgl_status status = call->blobs->ops->bucket_exists(call->blobs, call->bucket, &err);
    if (status == VGL_EINVAL) {
        s3_error(call, 400, "InvalidBucketName", "The specified bucket is not valid.");
        return;
    }
    if (status == VGL_OK) {
        s3_error(call, 409, "BucketAlreadyOwnedByYou",
                 "Your previous request to create the named bucket succeeded and you already own it.");
        return;
    }
    if (!location_accepted(call))
        return;
    status = call->blobs->ops->bucket_create(call->blobs, call->bucket, &err);
    if (status == VGL_EINVAL) /* created by a concurrent request since the check */
        s3_error(call, 409, "BucketAlreadyOwnedByYou", "%s", err.message);
    else if (status != VGL_OK)
        s3_blob_error(call, &err, "NoSuchBucket");
    else {
        char location[80];
        snprintf(location, sizeof location, "/%s", call->bucket);
        http_response_header(call->response, "Location", location);
        s3_reply_empty(call, 200);
    }
}

void s3_bucket_head(s3_call *call)
{
    /* s3_handle has already checked that the bucket exists. */
    http_response_header(call->response, "x-amz-bucket-region",
                         call->svc->region ? call->svc->region : "us-east-1");
    s3_reply_empty(call, 200);
}

void s3_bucket_delete(s3_call *call)
{
    vgl_error err;
    vgl_status status = call->blobs->ops->bucket_delete(call->blobs, call->bucket, &err);
    if (status == VGL_EINVAL)
        s3_error(call, 409, "BucketNotEmpty", "The bucket you tried to delete is not empty.");
    else if (status != VGL_OK)
        s3_blob_error(call, &err, "NoSuchBucket");
    else
        s3_reply_empty(call, 204);
}

void s3_bucket_location(s3_call *call)
{
    /* us-east-1 is spelled as an empty constraint, as S3 does. */
    const char *region = call->svc->region ? call->svc->region : "us-east-1";
    s3_xml x;
    s3_xml_begin(&x, "LocationConstraint");
    if (strcmp(region, "us-east-1") != 0)
        s3_xml_escaped(&x, region);
    s3_reply_xml(call, 200, &x, "LocationConstraint");
}

/*
 * s3_multipart.c - S3 multipart uploads: CreateMultipartUpload,
 * UploadPart, UploadPartCopy, CompleteMultipartUpload and
 * AbortMultipartUpload.
 *
 * The aws CLI and boto3 switch to multipart uploads above 8 MB.  The parts
 * live in the blob store until the upload completes; completing checks the
 * listed parts are in ascending order (InvalidPartOrder), that every part
 * but the last holds at least 5 MiB (EntityTooSmall, S3's rule) and that each was
 * uploaded with the ETag given (InvalidPart), then joins them into one
 * object whose ETag is S3's MD5-of-MD5s "-N".
 */
#include "s3_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARTS 10000

static void no_such_upload(s3_call *call)
{
    s3_error(call, 404, "NoSuchUpload",
             "The specified upload does not exist. The upload ID may be invalid, or the upload may "
             "have been aborted or completed.");
}

/* The upload id query parameter (malloc'ed); never NULL when dispatched here. */
static char *upload_id(const s3_call *call)
{
    char *id = s3_query(call, "uploadId");
    return id ? id : strdup("");
}

void s3_multipart_create(s3_call *call)
{
    char id[64];
    vgl_error err;
    const char *type = http_request_header(call->request, "Content-Type");
    if (call->blobs->ops->multipart_create(call->blobs, call->bucket, call->key, type, id, sizeof id,
                                           &err) != VGL_OK) {
        s3_blob_error(call, &err, "NoSuchBucket");
        return;
    }
    s3_xml x;
    s3_xml_begin(&x, "InitiateMultipartUploadResult");
    s3_xml_element(&x, "Bucket", call->bucket);
    s3_xml_element(&x, "Key", call->key);
    s3_xml_element(&x, "UploadId", id);
    s3_reply_xml(call, 200, &x, "InitiateMultipartUploadResult");
}

/* A part number 1..10000 from text; 0 when it is not one. */
static int part_number(const char *text)
{
    char *end;
    errno = 0;
    long n = text ? strtol(text, &end, 10) : 0;
    return text && *text && !*end && !errno && n >= 1 && n <= MAX_PARTS ? (int)n : 0;
}

void s3_multipart_upload_part(s3_call *call)
{
    char *id = upload_id(call), *number_text = s3_query(call, "partNumber");
    int part = part_number(number_text);
    char etag[68];
    vgl_error err;
    free(number_text);
    if (!part) {
        s3_error(call, 400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive");
    } else if (s3_body_size_ok(call)) {
        const http_request *r = call->request;
        vgl_status status =
            r->body_path
                ? call->blobs->ops->multipart_put_file(call->blobs, call->bucket, call->key, id,
                                                       part, r->body_path, r->body_size,
                                                       r->body_md5, etag, sizeof etag, &err)
                : call->blobs->ops->multipart_put(call->blobs, call->bucket, call->key, id, part,
                                                  r->body, r->body_size, etag, sizeof etag,
                                                  &err);
        if (status == VGL_ENOTFOUND) {
            no_such_upload(call);
        } else if (status != VGL_OK) {
            s3_blob_error(call, &err, "NoSuchUpload");
        } else {
            http_response_header(call->response, "ETag", etag);
            s3_reply_empty(call, 200);
        }
    }
    free(id);
}

/* Parses x-amz-copy-source-range ("bytes=first-last", both inclusive and
 * within the source) into [*offset, *offset + *length); absent means the
 * whole source.  0 when it is malformed or out of the source. */
static int copy_range(const char *header, uint64_t size, uint64_t *offset, uint64_t *length)
{
    unsigned long long first, last;
    int used = 0;
    if (!header) {
        *offset = 0;
        *length = size;
        return 1;
    }
    if (sscanf(header, "bytes=%llu-%llu%n", &first, &last, &used) != 2 || header[used] || last < first
        || last >= size)
        return 0;
    *offset = first;
    *length = last - first + 1;
    return 1;
}

/* Reads the bytes UploadPartCopy names into a malloc'ed buffer; 0 when it
 * answered with an error. */
static int copy_source_read(s3_call *call, uint8_t **data, size_t *size)
{
    char *bucket = NULL, *key = NULL;
    blob_info info;
    uint64_t offset, length;
    vgl_error err;
    int ok = 0;
    if (!s3_copy_source_parse(http_request_header(call->request, "x-amz-copy-source"), &bucket, &key))
        s3_error(call, 400, "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey.");
    else if (call->blobs->ops->head(call->blobs, bucket, key, &info, &err) != VGL_OK)
        s3_blob_error(call, &err, "NoSuchKey");
    else if (!copy_range(http_request_header(call->request, "x-amz-copy-source-range"), info.size, &offset,
                         &length))
        s3_error(call, 400, "InvalidArgument", "The x-amz-copy-source-range value must be of the form "
                                               "bytes=first-last where first and last are within the source.");
    else if (call->blobs->ops->get_range(call->blobs, bucket, key, offset, length, data, &err) != VGL_OK)
        s3_blob_error(call, &err, "NoSuchKey");
    else {
        *size = (size_t)length;
        ok = 1;
    }
    free(bucket);
    free(key);
    return ok;
}

/* UploadPartCopy: a part taken from (a range of) an existing object, as the
 * aws CLI does for copies over 8 MB. */
void s3_multipart_copy_part(s3_call *call)
{
    char *id = upload_id(call), *number_text = s3_query(call, "partNumber");
    int part = part_number(number_text);
    uint8_t *data = NULL;
    size_t size = 0;
    char etag[68];
    vgl_error err;
    free(number_text);
    if (!part) {
        s3_error(call, 400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive");
    } else if (copy_source_read(call, &data, &size)) {
        vgl_status status = call->blobs->ops->multipart_put(call->blobs, call->bucket, call->key, id, part,
                                                            data, size, etag, sizeof etag, &err);
        if (status == VGL_ENOTFOUND) {
            no_such_upload(call);
        } else if (status != VGL_OK) {
            s3_blob_error(call, &err, "NoSuchUpload");
        } else {
            char date[32];
            s3_date_iso(time(NULL), date);
            s3_xml x;
            s3_xml_begin(&x, "CopyPartResult");
            s3_xml_element(&x, "LastModified", date);
            s3_xml_element(&x, "ETag", etag);
            s3_reply_xml(call, 200, &x, "CopyPartResult");
        }
    }
    free(data);
    free(id);
}

/* The parts a CompleteMultipartUpload lists, in document order. */
typedef struct part_list {
    int *numbers;
    const char **etags; /* point into the parsed document */
    size_t count;
} part_list;

/* Reads <CompleteMultipartUpload><Part><PartNumber/><ETag/></Part>...; 0
 * when the document does not have that shape. */
static int parts_read(const s3_xml_node *root, part_list *parts)
{
    if (strcmp(root->name, "CompleteMultipartUpload") != 0 || root->n_children == 0
        || root->n_children > MAX_PARTS)
        return 0;
    parts->numbers = calloc(root->n_children, sizeof *parts->numbers);
    parts->etags = calloc(root->n_children, sizeof *parts->etags);
    if (!parts->numbers || !parts->etags)
        return 0;
    for (size_t i = 0; i < root->n_children; i++) {
        const s3_xml_node *part = &root->children[i];
        const s3_xml_node *number = s3_xml_child(part, "PartNumber"), *etag = s3_xml_child(part, "ETag");
        if (strcmp(part->name, "Part") != 0 || !number || !etag || !part_number(number->text))
            return 0;
        parts->numbers[parts->count] = part_number(number->text);
        parts->etags[parts->count++] = etag->text;
    }
    return 1;
}

static void complete_reply(s3_call *call, const blob_info *info)
{
    const char *host = http_request_header(call->request, "Host");
    char *location = malloc(strlen(host ? host : "") + strlen(call->bucket) + strlen(call->key) + 16);
    s3_xml x;
    s3_xml_begin(&x, "CompleteMultipartUploadResult");
    if (location) {
        sprintf(location, "http://%s/%s/%s", host ? host : "", call->bucket, call->key);
        s3_xml_element(&x, "Location", location);
        free(location);
    }
    s3_xml_element(&x, "Bucket", call->bucket);
    s3_xml_element(&x, "Key", call->key);
    s3_xml_element(&x, "ETag", info->etag);
    s3_reply_xml(call, 200, &x, "CompleteMultipartUploadResult");
}

static void complete_parts(s3_call *call, const char *id, const part_list *parts)
{
    blob_info info;
    vgl_error err;
    for (size_t i = 1; i < parts->count; i++)
        if (parts->numbers[i] <= parts->numbers[i - 1]) {
            s3_error(call, 400, "InvalidPartOrder", "The list of parts was not in ascending order. "
                                                    "Parts must be ordered by part number.");
            return;
        }
    vgl_status status = call->blobs->ops->multipart_complete(call->blobs, call->bucket, call->key, id,
                                                             parts->numbers, parts->etags, parts->count,
                                                             S3_MIN_PART_SIZE, &info, &err);
    if (status == VGL_ENOTFOUND)
        no_such_upload(call);
    else if (status == VGL_ELIMIT)
        s3_error(call, 400, "EntityTooSmall",
                 "Your proposed upload is smaller than the minimum allowed object size: %s",
                 err.message);
    else if (status == VGL_EINVAL)
        s3_error(call, 400, "InvalidPart", "One or more of the specified parts could not be found or its "
                                           "entity tag did not match: %s", err.message);
    else if (status != VGL_OK)
        s3_blob_error(call, &err, "NoSuchUpload");
    else
        complete_reply(call, &info);
}

void s3_multipart_complete(s3_call *call)
{
    char *id = upload_id(call);
    s3_xml_node *root = NULL;
    part_list parts = {0};
    vgl_error err;
    vgl_status status = s3_xml_parse(call->request->body, call->request->body_size, &root, &err);
    if (status == VGL_ENOMEM)
        s3_blob_error(call, &err, "NoSuchUpload");
    else if (status != VGL_OK || !parts_read(root, &parts))
        s3_error(call, 400, "MalformedXML", "The XML you provided was not well-formed or did not "
                                            "validate against our published schema.");
    else
        complete_parts(call, id, &parts);
    free(parts.numbers);
    free(parts.etags);
    s3_xml_free(root);
    free(id);
}

void s3_multipart_abort(s3_call *call)
{
    char *id = upload_id(call);
    vgl_error err;
    vgl_status status = call->blobs->ops->multipart_abort(call->blobs, call->bucket, call->key, id, &err);
    if (status == VGL_ENOTFOUND)
        no_such_upload(call);
    else if (status != VGL_OK)
        s3_blob_error(call, &err, "NoSuchUpload");
    else
        s3_reply_empty(call, 204);
    free(id);
}

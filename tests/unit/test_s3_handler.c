/*
 * test_s3_handler.c - s3_handle on hand-built requests over a local blob
 * store, for what the aws CLI and boto3 rarely send: addressing (virtual
 * host by the Host header, IP and localhost hosts always path-style, bad
 * escapes), Range edge cases (zero-length objects, suffixes, reversed and
 * multiple ranges), the <Error> document and its absence on HEAD,
 * unimplemented subresources and methods, bad listing parameters,
 * encoding-type=url, Content-MD5, a foreign location constraint,
 * malformed request XML, UploadPartCopy with a source range, conditional
 * GETs (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since)
 * and response-* header overrides; and the permissions of a key limited by
 * its policy to reading one bucket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "service.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char dir[64];
static service svc;
#define ROOT_KEY "AKIATESTROOT00000001"
#define LIMITED_KEY "AKIATESTLIMITED00001"
static auth_identity caller = {.access_key_id = ROOT_KEY, .region = "us-east-1", .service = "s3"};

typedef struct call {
    const char *method, *path, *query, *host, *body;
    const char *header_name, *header_value; /* one extra header, optional */
} call;

static http_response run(call c)
{
    http_header headers[2] = {{(char *)"Host", (char *)(c.host ? c.host : "127.0.0.1:9000")}};
    size_t n_headers = 1;
    if (c.header_name)
        headers[n_headers++] = (http_header){(char *)c.header_name, (char *)c.header_value};
    http_request request = {
        .method = c.method, .path = c.path, .query = c.query ? c.query : "", .headers = headers,
        .n_headers = n_headers, .body = (const uint8_t *)(c.body ? c.body : ""),
        .body_size = c.body ? strlen(c.body) : 0, .request_id = "test-request"};
    http_response response;
    memset(&response, 0, sizeof response);
    s3_handle(&svc, &request, &caller, &response);
    return response;
}

static const char *header(const http_response *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

/* The body as a string (for XML bodies). */
static char *body_text(const http_response *r)
{
    char *text = malloc(r->body_size + 1);
    memcpy(text, r->body ? r->body : (const uint8_t *)"", r->body_size);
    text[r->body_size] = 0;
    return text;
}

/* Runs a call and checks its status and that the body contains `needle`
 * (NULL: any body). */
static void expect(call c, int status, const char *needle)
{
    http_response r = run(c);
    char *text = body_text(&r);
    if (r.status != status || (needle && !strstr(text, needle)))
        fail_msg("%s %s?%s: %d %s (expected %d with %s)", c.method, c.path, c.query ? c.query : "",
                 r.status, text, status, needle ? needle : "any body");
    free(text);
    http_response_free(&r);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    vgl_error err;
    snprintf(dir, sizeof dir, "/tmp/test_s3_handler.XXXXXX");
    assert_non_null(mkdtemp(dir));
    svc = (service){.data_dir = dir, .region = "us-east-1", .account_id = "000000000000",
                    .max_body_bytes = 1 << 20};
    assert_int_equal(blob_local_open(dir, &svc.blobs, &err), VGL_OK);
    setenv("VIGIL_ROOT_ACCESS_KEY_ID", ROOT_KEY, 1);
    setenv("VIGIL_ROOT_SECRET_ACCESS_KEY", "root-secret-0123456789", 1);
    int created;
    assert_int_equal(keyring_open(dir, &svc.keys, &created, &err), VGL_OK);
    snprintf(caller.access_key_id, sizeof caller.access_key_id, ROOT_KEY);
    expect((call){.method = "PUT", .path = "/photos"}, 200, NULL);
    expect((call){.method = "PUT", .path = "/photos/a b+c/\xc3\xbc.txt", .body = "hello"}, 200, NULL);
    expect((call){.method = "PUT", .path = "/photos/empty"}, 200, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    svc.blobs->ops->close(svc.blobs);
    keyring_free(svc.keys);
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static void test_addressing(void **state)
{
    (void)state;
    /* Virtual host: the first label names an existing bucket. */
    expect((call){.method = "GET", .path = "/", .host = "photos.vigil.example:9000"}, 200, "<Name>photos</Name>");
    expect((call){.method = "GET", .path = "/empty", .host = "PHOTOS.vigil.example"}, 200, NULL);
    /* Not a bucket, an IP address or localhost: path-style. */
    expect((call){.method = "GET", .path = "/", .host = "other.vigil.example"}, 200, "<ListAllMyBucketsResult");
    expect((call){.method = "GET", .path = "/photos/empty", .host = "other.vigil.example"}, 200, NULL);
    expect((call){.method = "GET", .path = "/", .host = "127.0.0.1"}, 200, "<Bucket><Name>photos</Name>");
    expect((call){.method = "GET", .path = "/", .host = "localhost:9000"}, 200, "<ListAllMyBucketsResult");
    expect((call){.method = "GET", .path = "/", .host = "[::1]:9000"}, 200, "<ListAllMyBucketsResult");
    /* The key is percent-decoded, '+' kept. */
    expect((call){.method = "GET", .path = "/photos/a%20b+c/%C3%BC.txt"}, 200, "hello");
    expect((call){.method = "GET", .path = "/photos/a%zz"}, 400, "<Code>InvalidURI</Code>");
}

static void test_ranges(void **state)
{
    (void)state;
    struct {
        const char *range;
        int status;
        const char *body, *content_range;
    } cases[] = {
        {"bytes=0-0", 206, "h", "bytes 0-0/5"},
        {"bytes=1-", 206, "ello", "bytes 1-4/5"},
        {"bytes=3-100", 206, "lo", "bytes 3-4/5"},
        {"bytes=-2", 206, "lo", "bytes 3-4/5"},
        {"bytes=-99", 206, "hello", "bytes 0-4/5"},
        {"bytes=5-", 416, "InvalidRange", "bytes */5"},
        {"bytes=-0", 416, "InvalidRange", "bytes */5"},
        {"bytes=3-1", 200, "hello", NULL},      /* reversed: ignored */
        {"bytes=0-1,3-4", 200, "hello", NULL},  /* several: ignored */
        {"items=0-1", 200, "hello", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        http_response r = run((call){.method = "GET", .path = "/photos/a%20b+c/%C3%BC.txt", .header_name = "Range",
                                     .header_value = cases[i].range});
        char *text = body_text(&r);
        if (r.status != cases[i].status || !strstr(text, cases[i].body))
            fail_msg("%s: %d %s", cases[i].range, r.status, text);
        const char *content_range = header(&r, "Content-Range");
        if (cases[i].content_range)
            assert_string_equal(content_range, cases[i].content_range);
        else
            assert_null(content_range);
        free(text);
        http_response_free(&r);
    }
    expect((call){.method = "GET", .path = "/photos/empty", .header_name = "Range", .header_value = "bytes=0-"}, 416,
           "InvalidRange");
}

/* A key allowed to list and read the photos bucket, with an explicit deny
 * on its private/ folder: everything else is refused with AccessDenied
 * before the bucket is looked up. */
static void test_permissions(void **state)
{
    (void)state;
    expect((call){.method = "PUT", .path = "/secret"}, 200, NULL);
    expect((call){.method = "PUT", .path = "/secret/plans", .body = "hidden"}, 200, NULL);
    expect((call){.method = "PUT", .path = "/photos/private/x", .body = "x"}, 200, NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/keys.json", dir);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs("{\"keys\":[{\"access_key_id\":\"" LIMITED_KEY "\",\"secret_access_key\":"
          "\"limited-secret-0123456789\",\"policy\":{\"Version\":\"2012-10-17\",\"Statement\":["
          "{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:ListBucket\"],"
          "\"Resource\":[\"arn:aws:s3:::photos\",\"arn:aws:s3:::photos/*\"]},"
          "{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::photos/private/*\"}"
          "]}}]}",
          file);
    assert_int_equal(fclose(file), 0);
    assert_int_equal(chmod(path, 0600), 0);
    snprintf(caller.access_key_id, sizeof caller.access_key_id, LIMITED_KEY);

    expect((call){.method = "GET", .path = "/photos/empty"}, 200, NULL);
    expect((call){.method = "GET", .path = "/photos", .query = "list-type=2"}, 200, "<Key>empty</Key>");
    expect((call){.method = "HEAD", .path = "/photos"}, 200, NULL);
    expect((call){.method = "GET", .path = "/photos/private/x"}, 403,
           "not authorized to perform: s3:GetObject on resource: arn:aws:s3:::photos/private/x "
           "with an explicit deny");
    expect((call){.method = "GET", .path = "/secret/plans"}, 403,
           "<Code>AccessDenied</Code><Message>User: arn:aws:iam::000000000000:user/" LIMITED_KEY
           " is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::secret/plans "
           "because no identity-based policy allows the s3:GetObject action");
    expect((call){.method = "GET", .path = "/nosuch/plans"}, 403, "AccessDenied");
    expect((call){.method = "HEAD", .path = "/secret"}, 403, NULL);
    expect((call){.method = "GET", .path = "/"}, 403, "s3:ListAllMyBuckets on resource: *");
    expect((call){.method = "PUT", .path = "/photos/new", .body = "x"}, 403, "s3:PutObject");
    expect((call){.method = "DELETE", .path = "/photos/empty"}, 403, "s3:DeleteObject");
    expect((call){.method = "PUT", .path = "/mine"}, 403, "s3:CreateBucket on resource: arn:aws:s3:::mine ");
    expect((call){.method = "POST", .path = "/photos", .query = "delete", .body = "<Delete/>"}, 403,
           "s3:DeleteObject on resource: arn:aws:s3:::photos/*");

    /* Nothing changed: the root still finds the object and no new bucket. */
    snprintf(caller.access_key_id, sizeof caller.access_key_id, ROOT_KEY);
    expect((call){.method = "GET", .path = "/photos/empty"}, 200, NULL);
    expect((call){.method = "HEAD", .path = "/mine"}, 404, NULL);
    expect((call){.method = "HEAD", .path = "/photos/new"}, 404, NULL);

    /* A copy needs s3:GetObject on its source too. */
    file = fopen(path, "w");
    assert_non_null(file);
    fputs("{\"keys\":[{\"access_key_id\":\"" LIMITED_KEY "\",\"secret_access_key\":"
          "\"limited-secret-0123456789\",\"policy\":{\"Statement\":{\"Effect\":\"Allow\","
          "\"Action\":\"s3:*Object\",\"Resource\":\"arn:aws:s3:::photos/*\"}}}]}",
          file);
    assert_int_equal(fclose(file), 0);
    snprintf(caller.access_key_id, sizeof caller.access_key_id, LIMITED_KEY);
    expect((call){.method = "PUT", .path = "/photos/copy", .header_name = "x-amz-copy-source",
                  .header_value = "/secret/plans"},
           403, "s3:GetObject on resource: arn:aws:s3:::secret/plans");
    expect((call){.method = "PUT", .path = "/photos/copy", .header_name = "x-amz-copy-source",
                  .header_value = "/photos/empty"},
           200, NULL);
    snprintf(caller.access_key_id, sizeof caller.access_key_id, ROOT_KEY);
}

static void test_errors(void **state)
{
    (void)state;
    http_response r = run((call){.method = "GET", .path = "/photos/missing%2Fkey"});
    char *text = body_text(&r);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(text, "<Error><Code>NoSuchKey</Code>"));
    assert_non_null(strstr(text, "<Key>missing/key</Key>"));
    assert_non_null(strstr(text, "<RequestId>test-request</RequestId>"));
    free(text);
    http_response_free(&r);
    r = run((call){.method = "HEAD", .path = "/photos/missing"});
    assert_int_equal(r.status, 404);
    assert_int_equal(r.body_size, 0);
    http_response_free(&r);

    expect((call){.method = "GET", .path = "/nosuch/k"}, 404, "<Code>NoSuchBucket</Code>");
    expect((call){.method = "GET", .path = "/Bad_Name/k"}, 400, "<Code>InvalidBucketName</Code>");
    expect((call){.method = "PUT", .path = "/Bad_Name"}, 400, "<Code>InvalidBucketName</Code>");
    expect((call){.method = "PUT", .path = "/photos"}, 409, "<Code>BucketAlreadyOwnedByYou</Code>");
    expect((call){.method = "DELETE", .path = "/photos"}, 409, "<Code>BucketNotEmpty</Code>");
    expect((call){.method = "GET", .path = "/photos", .query = "acl"}, 501, "<Code>NotImplemented</Code>");
    expect((call){.method = "PUT", .path = "/photos/k", .query = "tagging"}, 501, "<Code>NotImplemented</Code>");
    expect((call){.method = "POST", .path = "/photos"}, 405, "<Code>MethodNotAllowed</Code>");
    expect((call){.method = "PUT", .path = "/"}, 405, "<Code>MethodNotAllowed</Code>");
    expect((call){.method = "PATCH", .path = "/photos/k"}, 405, "<Code>MethodNotAllowed</Code>");
    expect((call){.method = "PUT", .path = "/photos/k", .body = "abc", .header_name = "Content-MD5",
                  .header_value = "AAAAAAAAAAAAAAAAAAAAAA=="}, 400, "<Code>BadDigest</Code>");
    expect((call){.method = "PUT", .path = "/photos/k", .body = "abc", .header_name = "Content-MD5",
                  .header_value = "kAFQmDzST7DWlj99KOF/cg=="}, 200, NULL);
    expect((call){.method = "PUT", .path = "/other", .body = "<CreateBucketConfiguration><LocationConstraint>eu-west-1"
                                           "</LocationConstraint></CreateBucketConfiguration>"},
           400, "IllegalLocationConstraintException");
    expect((call){.method = "PUT", .path = "/other", .body = "<CreateBucketConfiguration>"}, 400, "<Code>MalformedXML</Code>");
    expect((call){.method = "POST", .path = "/photos", .query = "delete", .body = "<Delete></Delete>"}, 400, "<Code>MalformedXML</Code>");
    expect((call){.method = "POST", .path = "/photos/k", .query = "uploadId=0123", .body = "<CompleteMultipartUpload><Part>"
                                                             "<PartNumber>1</PartNumber><ETag>x</ETag>"
                                                             "</Part></CompleteMultipartUpload>"},
           404, "<Code>NoSuchUpload</Code>");
    expect((call){.method = "PUT", .path = "/photos/k", .query = "partNumber=10001&uploadId=0123"}, 400, "<Code>InvalidArgument</Code>");
}

static void test_listing_parameters(void **state)
{
    (void)state;
    expect((call){.method = "GET", .path = "/photos", .query = "list-type=2&encoding-type=url"}, 200, "<Key>a%20b%2Bc/%C3%BC.txt</Key>");
    expect((call){.method = "GET", .path = "/photos", .query = "list-type=2"}, 200, "<Key>a b+c/\xc3\xbc.txt</Key>");
    expect((call){.method = "GET", .path = "/photos", .query = "list-type=2&max-keys=1"}, 200,
           "<NextContinuationToken>YSBiK2Mvw7wudHh0</NextContinuationToken>");
    expect((call){.method = "GET", .path = "/photos", .query = "list-type=2&continuation-token=YSBiK2Mvw7wudHh0"}, 200,
           "<KeyCount>1</KeyCount>");
    expect((call){.method = "GET", .path = "/photos", .query = "list-type=2&continuation-token=%25%25"}, 400, "InvalidArgument");
    expect((call){.method = "GET", .path = "/photos", .query = "list-type=2&max-keys=ten"}, 400, "InvalidArgument");
    expect((call){.method = "GET", .path = "/photos", .query = "list-type=2&encoding-type=base64"}, 400, "InvalidArgument");
    expect((call){.method = "GET", .path = "/photos", .query = "delimiter=%2F&max-keys=1"}, 200, "<NextMarker>a b+c/</NextMarker>");
    expect((call){.method = "GET", .path = "/photos", .query = "location"}, 200, "<LocationConstraint xmlns=");
}

/* UploadPartCopy with x-amz-copy-source-range, then the upload completed. */
static void test_copy_part(void **state)
{
    (void)state;
    http_response r = run((call){.method = "POST", .path = "/photos/joined", .query = "uploads"});
    char *text = body_text(&r), id[40] = "", query[128], complete[512];
    const char *start = strstr(text, "<UploadId>");
    assert_non_null(start);
    sscanf(start, "<UploadId>%32[0-9a-f]", id);
    free(text);
    http_response_free(&r);
    snprintf(query, sizeof query, "partNumber=1&uploadId=%s", id);
    http_header headers[] = {{(char *)"Host", (char *)"127.0.0.1"},
                             {(char *)"x-amz-copy-source", (char *)"/photos/a%20b%2Bc/%C3%BC.txt"},
                             {(char *)"x-amz-copy-source-range", (char *)"bytes=1-3"}};
    http_request request = {.method = "PUT", .path = "/photos/joined", .query = query, .headers = headers,
                            .n_headers = 3, .body = (const uint8_t *)"", .request_id = "r"};
    memset(&r, 0, sizeof r);
    s3_handle(&svc, &request, &caller, &r);
    text = body_text(&r);
    assert_int_equal(r.status, 200);
    /* md5("ell") */
    assert_non_null(strstr(text, "<CopyPartResult"));
    assert_non_null(strstr(text, "<ETag>&quot;3123059c1c816471780539f6b6b738dc&quot;</ETag>"));
    free(text);
    http_response_free(&r);
    headers[2].value = (char *)"bytes=3-5";
    memset(&r, 0, sizeof r);
    s3_handle(&svc, &request, &caller, &r);
    assert_int_equal(r.status, 400);
    http_response_free(&r);
    snprintf(query, sizeof query, "uploadId=%s", id);
    snprintf(complete, sizeof complete, "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
                                        "<ETag>\"3123059c1c816471780539f6b6b738dc\"</ETag></Part>"
                                        "</CompleteMultipartUpload>");
    expect((call){.method = "POST", .path = "/photos/joined", .query = query, .body = complete}, 200,
           "-1&quot;</ETag>");
    expect((call){.method = "GET", .path = "/photos/joined"}, 200, "ell");
}

static void test_conditions_and_overrides(void **state)
{
    (void)state;
    /* md5("hello") */
    const char *etag = "\"5d41402abc4b2a76b9719d911017c592\"";
    const char *path = "/photos/a%20b+c/%C3%BC.txt";
    expect((call){.method = "GET", .path = path, .header_name = "If-Match", .header_value = etag}, 200, "hello");
    expect((call){.method = "GET", .path = path, .header_name = "If-Match", .header_value = "\"other\", *"}, 200,
           "hello");
    expect((call){.method = "GET", .path = path, .header_name = "If-Match", .header_value = "\"other\""}, 412,
           "PreconditionFailed");
    expect((call){.method = "GET", .path = path, .header_name = "If-None-Match",
                  .header_value = "W/\"x\", 5d41402abc4b2a76b9719d911017c592"}, 304, NULL);
    expect((call){.method = "HEAD", .path = path, .header_name = "If-None-Match", .header_value = "\"x\""}, 200,
           NULL);
    expect((call){.method = "GET", .path = path, .header_name = "If-Modified-Since",
                  .header_value = "Fri, 01 Jan 2100 00:00:00 GMT"}, 304, NULL);
    expect((call){.method = "GET", .path = path, .header_name = "If-Modified-Since",
                  .header_value = "Thu, 01 Jan 1970 00:00:00 GMT"}, 200, "hello");
    expect((call){.method = "GET", .path = path, .header_name = "If-Unmodified-Since",
                  .header_value = "Thu, 01 Jan 1970 00:00:00 GMT"}, 412, "PreconditionFailed");
    expect((call){.method = "GET", .path = path, .header_name = "If-Unmodified-Since",
                  .header_value = "not a date"}, 200, "hello");

    http_response r = run((call){.method = "GET", .path = path,
                                 .query = "response-content-type=image%2Fpng&response-content-disposition="
                                          "attachment%3B%20filename%3D%22u.txt%22"});
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type"), "image/png");
    assert_string_equal(header(&r, "Content-Disposition"), "attachment; filename=\"u.txt\"");
    http_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_addressing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listing_parameters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_part, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conditions_and_overrides, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_client_request.c - the client's requests, byte for byte as botocore
 * builds and signs them: two requests botocore 1.29.27 signed (recorded in
 * test_sigv4.c: CreateDataset with a JSON body, an idempotency header and
 * a project name that needs escaping, and ListDatasetEntries with query
 * members) are rebuilt from their parameters by client_request_build and
 * signed by aws_sign at botocore's clock, and must carry botocore's exact
 * Authorization header; then the verifier accepts what the signer made,
 * and the response parser orders members and converts timestamps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cmocka.h>

#include "auth.h"
#include "aws_sign.h"
#include "client_request.h"

#define BOTO_TIME ((time_t)1779010215) /* 20260517T093015Z */
#define BOTO_KEY "VKTESTKEY00000000001"
#define BOTO_SECRET "vigil-test-secret-0123456789abcdefABCDEF"

/* The verifier's key ring, as a link-time seam (see test_sigv4.c). */
int keyring_secret(const keyring *ring, const char *access_key_id, char *out, size_t size)
{
    (void)ring;
    if (strcmp(access_key_id, BOTO_KEY) != 0)
        return 0;
    snprintf(out, size, "%s", BOTO_SECRET);
    return 1;
}

static const char *header(const aws_header_list *list, const char *name)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcasecmp(list->headers[i].name, name) == 0)
            return list->headers[i].value;
    return NULL;
}

/* Builds and signs the operation's request as `vigil lookoutvision` does;
 * returns the headers sent. */
static void sign(const char *command, const char *params_json, client_request *request,
                 aws_header_list *sent)
{
    json_t *params = json_loads(params_json, 0, NULL);
    assert_non_null(params);
    char *error = NULL;
    assert_int_equal(client_request_build(cli_find_operation(command), params, request, &error),
                     CLIENT_OK);
    json_decref(params);
    memset(sent, 0, sizeof *sent);
    assert_true(aws_header_add(sent, "host", "localhost:8080"));
    for (size_t i = 0; i < request->headers.count; i++)
        assert_true(aws_header_add(sent, request->headers.headers[i].name,
                                   request->headers.headers[i].value));
    aws_signing signing = {.access_key_id = BOTO_KEY, .secret_access_key = BOTO_SECRET,
                           .region = "us-east-1", .service = "lookoutvision",
                           .now = BOTO_TIME};
    assert_true(aws_sign(cli_find_operation(command)->method, request->path, request->query,
                         sent, request->body, request->body_size, &signing));
}

static void expect_verified(const char *method, const client_request *request,
                            const aws_header_list *sent)
{
    http_request received = {.method = method, .path = request->path, .query = request->query,
                             .headers = sent->headers, .n_headers = sent->count,
                             .body = request->body, .body_size = request->body_size};
    auth_identity identity;
    char message[256];
    auth_result result = sigv4_verify(&received, NULL, BOTO_TIME + 5, &identity, message,
                                      sizeof message);
    if (result != AUTH_OK)
        fail_msg("the verifier refused the client's signature: %s", message);
    assert_string_equal(identity.access_key_id, BOTO_KEY);
}

static void test_create_dataset_as_botocore(void **state)
{
    (void)state;
    client_request request;
    aws_header_list sent;
    sign("create-dataset",
         "{\"ProjectName\": \"pcb line:1\", \"DatasetType\": \"train\", \"ClientToken\": "
         "\"00000000-0000-4000-8000-000000000001\", \"DatasetSource\": {\"GroundTruthManifest\": "
         "{\"S3Object\": {\"Bucket\": \"my-bucket\", \"Key\": \"pcb/train.manifest\"}}}}",
         &request, &sent);
    assert_string_equal(request.path, "/2020-11-20/projects/pcb%20line%3A1/datasets");
    assert_string_equal(request.query, "");
    assert_memory_equal(request.body,
                        "{\"DatasetType\": \"train\", \"DatasetSource\": {\"GroundTruthManifest\": "
                        "{\"S3Object\": {\"Bucket\": \"my-bucket\", \"Key\": "
                        "\"pcb/train.manifest\"}}}}",
                        request.body_size);
    assert_string_equal(header(&sent, "X-Amzn-Client-Token"),
                        "00000000-0000-4000-8000-000000000001");
    assert_string_equal(header(&sent, "X-Amz-Date"), "20260517T093015Z");
    assert_string_equal(header(&sent, "Authorization"),
                        "AWS4-HMAC-SHA256 Credential=VKTESTKEY00000000001/20260517/us-east-1/"
                        "lookoutvision/aws4_request, SignedHeaders=content-type;host;x-amz-date;"
                        "x-amzn-client-token, Signature="
                        "663e375c11221500e0c52d83865dad20990966abda3c27d6e59832e996343b03");
    expect_verified("POST", &request, &sent);
    aws_header_list_free(&sent);
    client_request_free(&request);
}

static void test_list_entries_as_botocore(void **state)
{
    (void)state;
    client_request request;
    aws_header_list sent;
    sign("list-dataset-entries",
         "{\"ProjectName\": \"pcb\", \"DatasetType\": \"train\", \"MaxResults\": 5, "
         "\"NextToken\": \"ab+c/d==\", \"SourceRefContains\": \"IMG 17\"}",
         &request, &sent);
    assert_string_equal(request.path, "/2020-11-20/projects/pcb/datasets/train/entries");
    assert_string_equal(request.query,
                        "nextToken=ab%2Bc%2Fd%3D%3D&maxResults=5&sourceRefContains=IMG%2017");
    assert_int_equal(request.body_size, 0);
    assert_string_equal(header(&sent, "Authorization"),
                        "AWS4-HMAC-SHA256 Credential=VKTESTKEY00000000001/20260517/us-east-1/"
                        "lookoutvision/aws4_request, SignedHeaders=host;x-amz-date, Signature="
                        "fabfde78a155360a845c988fe699921c91d7963285c697ce62fe4b81bcbd7986");
    expect_verified("GET", &request, &sent);
    aws_header_list_free(&sent);
    client_request_free(&request);
}

/* Query booleans, timestamps in UTC ISO 8601, repeated list members, an
 * ARN label with every reserved character escaped. */
static void test_query_and_labels(void **state)
{
    (void)state;
    client_request request;
    char *error = NULL;
    json_t *params = json_loads("{\"ProjectName\": \"p\", \"DatasetType\": \"test\", "
                                "\"Labeled\": false, \"AfterCreationDate\": "
                                "\"2020-06-23T02:00:00+02:00\"}",
                                0, NULL);
    assert_int_equal(client_request_build(cli_find_operation("list-dataset-entries"), params,
                                          &request, &error),
                     CLIENT_OK);
    assert_string_equal(request.query, "labeled=false&createdAfter=2020-06-23T00%3A00%3A00Z");
    client_request_free(&request);
    json_decref(params);
    params = json_loads("{\"ResourceArn\": \"arn:aws:lookoutvision:us-east-1:1:model/p/1\", "
                        "\"TagKeys\": [\"a\", \"b c\"]}",
                        0, NULL);
    assert_int_equal(client_request_build(cli_find_operation("untag-resource"), params,
                                          &request, &error),
                     CLIENT_OK);
    assert_string_equal(request.path,
                        "/2020-11-20/tags/arn%3Aaws%3Alookoutvision%3Aus-east-1%3A1%3Amodel%2Fp%2F1");
    assert_string_equal(request.query, "tagKeys=a&tagKeys=b%20c");
    client_request_free(&request);
    json_decref(params);
    params = json_loads("{\"ProjectName\": \"p\", \"DatasetType\": \"test\", "
                        "\"BeforeCreationDate\": \"yesterday\"}",
                        0, NULL);
    assert_int_equal(client_request_build(cli_find_operation("list-dataset-entries"), params,
                                          &request, &error),
                     CLIENT_FAILED);
    assert_non_null(strstr(error, "Invalid timestamp"));
    free(error);
    json_decref(params);
}

/* Output members in the model's order, unknown ones dropped, epoch
 * timestamps as the CLI prints them (UTC here). */
static void test_response_parse(void **state)
{
    (void)state;
    setenv("TZ", "UTC", 1);
    tzset();
    const char body[] = "{\"ProjectMetadata\": {\"CreationTimestamp\": 1779010215.25, "
                        "\"Extra\": 1, \"ProjectName\": \"p\", \"ProjectArn\": \"arn\"}}";
    json_t *parsed = client_response_parse(cli_find_operation("create-project")->output, body,
                                           strlen(body));
    char *text = json_dumps(parsed, JSON_COMPACT);
    assert_string_equal(text, "{\"ProjectMetadata\":{\"ProjectArn\":\"arn\",\"ProjectName\":\"p\","
                              "\"CreationTimestamp\":\"2026-05-17T09:30:15.250000+00:00\"}}");
    free(text);
    json_decref(parsed);
    char out[64];
    client_format_timestamp(BOTO_TIME, 0, out, sizeof out);
    assert_string_equal(out, "2026-05-17T09:30:15+00:00");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_dataset_as_botocore),
        cmocka_unit_test(test_list_entries_as_botocore),
        cmocka_unit_test(test_query_and_labels),
        cmocka_unit_test(test_response_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

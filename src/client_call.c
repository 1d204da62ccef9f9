/*
 * client_call.c - builds, signs and sends one request, with botocore's
 * standard retry policy (three attempts; 429, 500, 502, 503, 504,
 * throttling codes and connection failures retried after a random
 * exponential back-off), then parses the answer or reports the error.
 */
#include "client_call.h"

#include "aws_sign.h"
#include "client_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_ATTEMPTS 3

static const char *const throttling_codes[] = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException", "RequestTimeout", "RequestTimeoutException", NULL};

static int retryable(long status, const char *code)
{
    if (status == 429 || status == 500 || status == 502 || status == 503 || status == 504)
        return 1;
    for (int i = 0; code && throttling_codes[i]; i++)
        if (strcmp(code, throttling_codes[i]) == 0)
            return 1;
    return 0;
}

/* rand * 2^attempt seconds, at most 20. */
static void back_off(int attempt)
{
    double seconds = (double)rand() / RAND_MAX * (double)(1 << attempt);
    if (seconds > 20)
        seconds = 20;
    usleep((useconds_t)(seconds * 1e6));
}

/* botocore's error code: x-amzn-ErrorType up to ':', else the body's
 * __type after '#', else its code; the message from message or Message. */
static void error_of(const client_http_response *response, char **code, char **message)
{
    json_t *body = response->body_size ? json_loadb(response->body, response->body_size, 0, NULL)
                                       : NULL;
    const char *type = response->error_type;
    if (!type || !*type)
        type = json_string_value(json_object_get(body, "__type"));
    if (!type || !*type)
        type = json_string_value(json_object_get(body, "code"));
    if (type) {
        const char *hash = strchr(type, '#');
        if (hash)
            type = hash + 1;
        *code = strndup(type, strcspn(type, ":"));
    } else if (asprintf(code, "%ld", response->status) < 0) {
        *code = NULL;
    }
    const char *text = json_string_value(json_object_get(body, "message"));
    if (!text)
        text = json_string_value(json_object_get(body, "Message"));
    *message = strdup(text ? text : "");
    json_decref(body);
}

/* "host[:port]" of the endpoint, as the Host header carries it. */
static char *host_of(const char *endpoint)
{
    const char *start = strstr(endpoint, "://");
    start = start ? start + 3 : endpoint;
    size_t length = strcspn(start, "/?#");
    return strndup(start, length);
}

/* One signed exchange; 0 when nothing came back. */
static int exchange(const client_context *context, const cli_operation *operation,
                    const client_request *request, client_http_response *response,
                    char *error, size_t error_size)
{
    aws_header_list headers = {0};
    char *host = host_of(context->endpoint);
    int ok = host && aws_header_add(&headers, "Host", host);
    for (size_t i = 0; ok && i < request->headers.count; i++)
        ok = aws_header_add(&headers, request->headers.headers[i].name,
                            request->headers.headers[i].value);
    aws_signing signing = {.access_key_id = context->settings->access_key_id,
                           .secret_access_key = context->settings->secret_access_key,
                           .session_token = context->settings->session_token,
                           .region = context->settings->region,
                           .service = "lookoutvision",
                           .now = time(NULL)};
    ok = ok && aws_sign(operation->method, request->path, request->query, &headers,
                        request->body, request->body_size, &signing);
    char *url = NULL;
    if (ok && asprintf(&url, "%s%s%s%s", context->endpoint, request->path,
                       *request->query ? "?" : "", request->query) < 0)
        url = NULL;
    if (!url) {
        snprintf(error, error_size, "out of memory");
        ok = 0;
    } else {
        ok = client_http_send(operation->method, url, headers.headers, headers.count,
                              request->body, request->body_size, &context->http, response,
                              error, error_size);
        if (!ok)
            snprintf(error, error_size, "Could not connect to the endpoint URL: \"%s%s%s%s\"",
                     context->endpoint, request->path, *request->query ? "?" : "",
                     request->query);
    }
    free(url);
    free(host);
    aws_header_list_free(&headers);
    return ok;
}

int client_call(const client_context *context, const cli_operation *operation,
                const json_t *params, json_t **output)
{
    *output = NULL;
    client_request request;
    char *build_error = NULL;
    if (client_request_build(operation, params, &request, &build_error) != 0) {
        fprintf(stderr, "\n%s\n", build_error ? build_error : "out of memory");
        free(build_error);
        return 255;
    }
    int status = 255;
    for (int attempt = 1;; attempt++) {
        client_http_response response;
        char error[1024];
        if (!exchange(context, operation, &request, &response, error, sizeof error)) {
            if (attempt < MAX_ATTEMPTS) {
                back_off(attempt);
                continue;
            }
            fprintf(stderr, "\n%s\n", error);
            break;
        }
        if (response.status < 300) {
            *output = client_response_parse(operation->output, response.body,
                                            response.body_size);
            if (*output)
                status = 0;
            else
                fprintf(stderr, "\nThe %s operation answered HTTP %ld with a body that is not "
                                "its JSON output.\n", operation->name, response.status);
            client_http_response_free(&response);
            break;
        }
        char *code = NULL, *message = NULL;
        error_of(&response, &code, &message);
        long http_status = response.status;
        client_http_response_free(&response);
        if (retryable(http_status, code) && attempt < MAX_ATTEMPTS) {
            free(code);
            free(message);
            back_off(attempt);
            continue;
        }
        char retries[64] = "";
        if (retryable(http_status, code))
            snprintf(retries, sizeof retries, " (reached max retries: %d)", MAX_ATTEMPTS - 1);
        fprintf(stderr, "\nAn error occurred (%s) when calling the %s operation%s: %s\n",
                code ? code : "", operation->name, retries, message ? message : "");
        free(code);
        free(message);
        status = CLIENT_SERVICE_ERROR;
        break;
    }
    client_request_free(&request);
    return status;
}

/*
 * client_call.h - one call of an operation against the service: signed,
 * sent, retried as botocore's standard retry mode retries, and its answer
 * parsed or its error printed as the AWS CLI prints it.
 */
#ifndef VIGIL_CLIENT_CALL_H
#define VIGIL_CLIENT_CALL_H

#include "aws_config.h"
#include "client_http.h"
#include "client_operations.h"

#include <jansson.h>

/* The AWS CLI's exit code for an error the service returned. */
#define CLIENT_SERVICE_ERROR 254

typedef struct client_context {
    const char *endpoint;    /* "http://127.0.0.1:9000", no trailing '/' */
    const aws_settings *settings;
    client_http_options http;
} client_context;

/* 0 with *output (a new reference) on success; otherwise the message is
 * printed on stderr and the AWS CLI's exit code returned: 254 for a
 * service error ("An error occurred (Code) when calling the Op operation:
 * message"), 255 when no answer came. */
int client_call(const client_context *context, const cli_operation *operation,
                const json_t *params, json_t **output);

#endif

/*
 * client_request.h - an operation's input as an HTTP request (the
 * rest-json protocol, as botocore serialises it) and its response body as
 * the output botocore parses.
 */
#ifndef VIGIL_CLIENT_REQUEST_H
#define VIGIL_CLIENT_REQUEST_H

#include "aws_sign.h"
#include "cli_param.h"
#include "client_operations.h"

#include <jansson.h>
#include <stdint.h>

typedef struct client_request {
    char *path;              /* the URI template filled, percent-encoded */
    char *query;             /* percent-encoded, "" when none */
    aws_header_list headers; /* from header members and Content-Type */
    uint8_t *body;
    size_t body_size;
} client_request;

/* Fills request from validated params (blobs as base64, timestamps as
 * text); CLIENT_FAILED with *error (malloc'ed) on a bad timestamp or base64. */
client_status client_request_build(const cli_operation *operation, const json_t *params,
                                client_request *request, char **error);
void client_request_free(client_request *request);

/* The output as botocore hands it to the CLI: members of the output shape
 * only, in the model's order; timestamps (epoch seconds) as ISO 8601 in the
 * local time zone, "2026-11-27T02:46:38.123000+00:00".  A new reference,
 * or NULL when body is not a JSON object. */
json_t *client_response_parse(const cli_shape *output, const char *body, size_t body_size);

/* Parses a timestamp as botocore accepts one (ISO 8601 date or date-time,
 * with or without zone; epoch seconds) to UTC seconds and microseconds. */
int client_parse_timestamp(const char *text, long long *seconds, long *micros);

/* A timestamp as the AWS CLI prints it (isoformat() in the local zone). */
void client_format_timestamp(long long seconds, long micros, char *out, size_t size);

#endif

/*
 * cli_param.h - one command-line option's value(s) to the JSON value of
 * its input member, as the AWS CLI 2 reads them: file:// and fileb://
 * contents, JSON for structures and lists when the text starts with { or
 * [, shorthand otherwise, scalars converted by the member's type, base64
 * for blobs, a file path for the streaming image body.
 */
#ifndef VIGIL_CLI_PARAM_H
#define VIGIL_CLI_PARAM_H

#include "client_operations.h"

#include <jansson.h>

typedef enum client_status {
    CLIENT_OK = 0,
    CLIENT_USAGE = 252,   /* the AWS CLI's exit code for bad parameters */
    CLIENT_FAILED = 255,  /* the AWS CLI's exit code for anything else */
} client_status;

/* *out gets a new reference; on failure *error a malloc'ed message
 * ("Error parsing parameter '--output-config': ...").  A blob member's
 * value becomes the base64 of its bytes. */
client_status cli_param_value(const cli_member *member, const char *option, char *const *values,
                           size_t n_values, json_t **out, char **error);

/* Reads a file:// (text) or fileb:// (bytes) value; 1 when value had such a
 * prefix, with *contents malloc'ed (and *size set) or *error set. */
int cli_param_file(const char *value, char **contents, size_t *size, char **error);

#endif

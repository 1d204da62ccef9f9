/*
 * cli_validate.h - botocore's client-side check of an operation's input
 * (required members, unknown members, types, and the model's min length or
 * value), with botocore's messages, before anything is sent.
 */
#ifndef VIGIL_CLI_VALIDATE_H
#define VIGIL_CLI_VALIDATE_H

#include "client_operations.h"

#include <jansson.h>

/* NULL when params fit shape; else a malloc'ed report starting
 * "Parameter validation failed:\n", one problem a line.  Blobs are held as
 * base64 strings, timestamps as strings. */
char *cli_validate(const json_t *params, const cli_shape *shape);

/* Python's str() of a JSON value as botocore prints it in messages:
 * strings bare at the top and quoted inside containers, True/False/None,
 * {'a': 1}, ['x']. */
char *cli_python_str(const json_t *value);

#endif

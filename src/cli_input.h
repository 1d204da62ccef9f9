/*
 * cli_input.h - --cli-input-json, --cli-input-yaml and
 * --generate-cli-skeleton of the `vigil lookoutvision` commands.
 */
#ifndef VIGIL_CLI_INPUT_H
#define VIGIL_CLI_INPUT_H

#include "client_operations.h"

#include <jansson.h>
#include <stdio.h>

/* The object a --cli-input-json (yaml 0) or --cli-input-yaml (yaml 1)
 * value describes (the value may be file://...); NULL with *error
 * (malloc'ed) set.  YAML !!binary values stay base64 text. */
json_t *cli_input_load(const char *value, int yaml, char **error);

/* YAML text to JSON: mappings, sequences, and scalars typed by the YAML
 * 1.2 core schema unless quoted.  NULL with *error set. */
json_t *cli_yaml_parse(const char *text, size_t length, char **error);

/* The input skeleton of a shape: "" for strings, 0, true, null for blobs,
 * "1970-01-01T00:00:00" for timestamps, one element per list. */
json_t *cli_skeleton_input(const cli_shape *shape);

/* The output skeleton: strings hold their member's name. */
json_t *cli_skeleton_output(const cli_shape *shape);

/* The input skeleton as YAML, each member with a "# [REQUIRED]" comment
 * when required and its type otherwise. */
void cli_skeleton_yaml(FILE *out, const cli_shape *shape);

#endif

/*
 * output_format.h - a command's result printed as the AWS CLI 2 prints it
 * with --output json, text, yaml or table.
 */
#ifndef VIGIL_OUTPUT_FORMAT_H
#define VIGIL_OUTPUT_FORMAT_H

#include <jansson.h>
#include <stdio.h>

/* json.dumps(value, indent=4, ensure_ascii=False) and a newline; an empty
 * result prints nothing, as the CLI prints nothing for {}. */
void output_json(FILE *out, const json_t *value);

/* The text format: per dict its scalar values (sorted keys) on one
 * tab-separated line prefixed by the upper-cased key that holds it, then
 * its lists and dicts; lists of dicts share one column set. */
void output_text(FILE *out, const json_t *value);

/* Block-style YAML as ruamel's safe dumper writes it. */
void output_yaml(FILE *out, const json_t *value);

/* The bordered table, titled with the operation name. */
void output_table(FILE *out, const json_t *value, const char *title);

/* Python's repr() of a float ("0.5", "1e-05", "1e+16"). */
void output_python_float(double value, char *out, size_t size);

/* Python's str() of a scalar (True, None, 0.5, text as it is); malloc'ed. */
char *output_python_scalar(const json_t *value);

#endif

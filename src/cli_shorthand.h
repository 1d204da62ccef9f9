/*
 * cli_shorthand.h - the AWS CLI's shorthand syntax for structure and list
 * values ("S3Location={Bucket=b,Prefix=p}", "Key=k,Value=v", "a=[x,y]",
 * quoting with ' and ", "\," for a literal comma), parsed to JSON exactly
 * as the AWS CLI 2 parses it: every scalar stays a string (the caller
 * converts them by the member's type), nested {} and [], and "a=x,y" is
 * a list unless what follows the comma is a new key.
 */
#ifndef VIGIL_CLI_SHORTHAND_H
#define VIGIL_CLI_SHORTHAND_H

#include <jansson.h>
#include <stddef.h>

/* The object the text describes (a new reference), or NULL with the AWS
 * CLI's message in error ("Expected: ',', received: 'EOF' for input:\n"
 * the input, and a caret under the offending character). */
json_t *cli_shorthand_parse(const char *text, char *error, size_t error_size);

#endif

/*
 * client_paginate.h - the AWS CLI's automatic pagination of the four List
 * operations: every page fetched and merged, or --max-items items with a
 * resume token to pass back as --starting-token.
 */
#ifndef VIGIL_CLIENT_PAGINATE_H
#define VIGIL_CLIENT_PAGINATE_H

#include "client_call.h"

typedef struct paginate_options {
    const char *starting_token; /* --starting-token, or NULL */
    long max_items;             /* --max-items, or -1 */
    long page_size;             /* --page-size, or -1 */
} paginate_options;

/* Calls the operation page after page as botocore's PageIterator does.
 * *result: the merged output ({ResultKey: [...]} and "NextToken" when
 * stopped by --max-items); *pages: each page's {ResultKey: [...]} as the
 * text format prints them.  Returns as client_call. */
int client_paginate(const client_context *context, const cli_operation *operation,
                    const json_t *params, const paginate_options *options, json_t **result,
                    json_t **pages);

/* The CLI's resume token: base64 of {"NextToken": token} (null when the
 * cut page was the first) and, when a page was cut,
 * "boto_truncate_amount" (truncate_amount >= 0).  malloc'ed. */
char *client_encode_token(const char *next_token, long truncate_amount);

/* Reads a --starting-token back; 0 when it is not one. */
int client_decode_token(const char *token, char **next_token, long *truncate_amount);

#endif

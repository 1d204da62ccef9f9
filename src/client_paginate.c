/*
 * client_paginate.c - botocore's PageIterator and build_full_result for
 * the List operations (input and output token NextToken, limit MaxResults):
 * --page-size sets MaxResults on each call; --max-items cuts the page that
 * passes it and returns a resume token that remembers how many of that
 * page's items were already shown; --starting-token resumes there.
 */
#include "client_paginate.h"

#include "base64.h"

#include <openssl/evp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *client_encode_token(const char *next_token, long truncate_amount)
{
    json_t *token_text = next_token ? json_string(next_token) : json_null();
    char *quoted = token_text ? json_dumps(token_text, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;
    json_decref(token_text);
    if (!quoted)
        return NULL;
    /* json.dumps' separators, as the AWS CLI writes the token. */
    char *json = NULL;
    int n = truncate_amount >= 0
                ? asprintf(&json, "{\"NextToken\": %s, \"boto_truncate_amount\": %ld}", quoted,
                           truncate_amount)
                : asprintf(&json, "{\"NextToken\": %s}", quoted);
    free(quoted);
    if (n < 0)
        return NULL;
    char *encoded = base64_encode_alloc((const uint8_t *)json, strlen(json));
    free(json);
    return encoded;
}

int client_decode_token(const char *token, char **next_token, long *truncate_amount)
{
    size_t length = strlen(token);
    *next_token = NULL;
    *truncate_amount = 0;
    if (length == 0 || length % 4 != 0)
        return 0;
    unsigned char *decoded = malloc(length / 4 * 3 + 1);
    if (!decoded)
        return 0;
    int n = EVP_DecodeBlock(decoded, (const unsigned char *)token, (int)length);
    if (n < 0) {
        free(decoded);
        return 0;
    }
    while (n > 0 && decoded[n - 1] == '\0')
        n--;
    json_t *object = json_loadb((const char *)decoded, (size_t)n, 0, NULL);
    free(decoded);
    const json_t *value = json_object_get(object, "NextToken");
    if (json_is_string(value))
        *next_token = strdup(json_string_value(value));
    const json_t *amount = json_object_get(object, "boto_truncate_amount");
    if (json_is_integer(amount))
        *truncate_amount = (long)json_integer_value(amount);
    int ok = json_is_object(object) && (!value || json_is_null(value) || *next_token);
    json_decref(object);
    return ok;
}

/* A page of just its result list, as the text format prints it. */
static json_t *page_of(const char *result_key, json_t *items)
{
    json_t *page = json_object();
    json_object_set(page, result_key, items);
    return page;
}

int client_paginate(const client_context *context, const cli_operation *operation,
                    const json_t *params, const paginate_options *options, json_t **result,
                    json_t **pages)
{
    const char *key = operation->result_key;
    json_t *call_params = json_deep_copy(params);
    json_t *all = json_array();
    *pages = json_array();
    *result = NULL;
    char *next_token = NULL;
    long starting_truncation = 0;
    if (options->starting_token) {
        if (!client_decode_token(options->starting_token, &next_token, &starting_truncation)) {
            /* Not the CLI's encoding: botocore passes it on as it is. */
            next_token = strdup(options->starting_token);
            starting_truncation = 0;
        }
        if (next_token)
            json_object_set_new(call_params, "NextToken", json_string(next_token));
    }
    if (options->page_size >= 0)
        json_object_set_new(call_params, "MaxResults", json_integer(options->page_size));
    long total = 0;
    int first = 1, status = 0;
    char *resume = NULL;
    char *previous = NULL;
    for (;;) {
        json_t *output;
        status = client_call(context, operation, call_params, &output);
        if (status != 0)
            break;
        json_t *items = json_object_get(output, key);
        json_t *kept = json_array();
        size_t skip = first ? (size_t)starting_truncation : 0;
        for (size_t i = skip; i < json_array_size(items); i++)
            json_array_append(kept, json_array_get(items, i));
        first = 0;
        long count = (long)json_array_size(kept);
        const char *page_token = json_string_value(json_object_get(output, "NextToken"));
        if (options->max_items >= 0 && total + count > options->max_items) {
            /* Cut this page; the token resumes it after the items shown. */
            long keep = options->max_items - total;
            while ((long)json_array_size(kept) > keep)
                json_array_remove(kept, json_array_size(kept) - 1);
            resume = client_encode_token(next_token, keep + (long)skip);
            json_array_extend(all, kept);
            json_array_append_new(*pages, page_of(key, kept));
            json_decref(kept);
            json_decref(output);
            break;
        }
        json_array_extend(all, kept);
        json_array_append_new(*pages, page_of(key, kept));
        json_decref(kept);
        total += count;
        free(next_token);
        next_token = page_token ? strdup(page_token) : NULL;
        json_decref(output);
        if (!next_token)
            break;
        if (options->max_items >= 0 && total == options->max_items) {
            resume = client_encode_token(next_token, -1);
            break;
        }
        if (previous && strcmp(previous, next_token) == 0) {
            fprintf(stderr, "\nThe same next token was received twice: {'NextToken': '%s'}\n",
                    next_token);
            status = 255;
            break;
        }
        free(previous);
        previous = strdup(next_token);
        json_object_set_new(call_params, "NextToken", json_string(next_token));
    }
    if (status == 0) {
        *result = json_object();
        json_object_set(*result, key, all);
        if (resume)
            json_object_set_new(*result, "NextToken", json_string(resume));
    } else {
        json_decref(*pages);
        *pages = NULL;
    }
    free(resume);
    free(previous);
    free(next_token);
    json_decref(all);
    json_decref(call_params);
    return status;
}

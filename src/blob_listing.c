/*
 * blob_listing.c - one page of an S3 listing from a bucket's sorted entries;
 * see blob_listing.h.
 *
 * With a delimiter, every key whose remainder after the prefix contains it
 * rolls up into one common prefix (prefix + remainder up to and including
 * the delimiter), which counts once against max-keys.  A page that ends on
 * a common prefix reports that prefix as next_key; continuing after it must
 * skip the whole group, which is why a key is dropped when its group sorts
 * at or before start_after.
 */
#include "blob_listing.h"

#include "error.h"

#include <stdlib.h>
#include <string.h>

void blob_listing_free(blob_listing *listing)
{
    for (size_t i = 0; i < listing->count; i++)
        free(listing->entries[i].key);
    free(listing->entries);
    for (size_t i = 0; i < listing->n_prefixes; i++)
        free(listing->common_prefixes[i]);
    free(listing->common_prefixes);
    free(listing->next_key);
    memset(listing, 0, sizeof *listing);
}

static int entry_compare(const void *a, const void *b)
{
    /* strcmp compares as unsigned char: UTF-8 byte order, as S3 sorts. */
    return strcmp(((const blob_entry *)a)->key, ((const blob_entry *)b)->key);
}

void blob_entries_sort(blob_entry *entries, size_t count)
{
    if (count > 1)
        qsort(entries, count, sizeof *entries, entry_compare);
}

void blob_entries_free(blob_entry *entries, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(entries[i].key);
    free(entries);
}

/* The common prefix key rolls up into (malloc'ed), or NULL when it stands
 * alone. */
static char *rollup_prefix(const char *key, size_t prefix_len, const char *delimiter)
{
    if (!delimiter || !*delimiter)
        return NULL;
    const char *hit = strstr(key + prefix_len, delimiter);
    if (!hit)
        return NULL;
    return strndup(key, (size_t)(hit - key) + strlen(delimiter));
}

static vgl_status push_prefix(blob_listing *out, char *prefix, vgl_error *err)
{
    char **grown = realloc(out->common_prefixes, (out->n_prefixes + 1) * sizeof *grown);
    if (!grown) {
        free(prefix);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory listing a bucket");
    }
    out->common_prefixes = grown;
    out->common_prefixes[out->n_prefixes++] = prefix;
    return VGL_OK;
}

vgl_status blob_listing_select(blob_entry *entries, size_t count, const char *prefix,
                               const char *delimiter, const char *start_after, size_t max_keys,
                               blob_listing *out, vgl_error *err)
{
    memset(out, 0, sizeof *out);
    size_t prefix_len = prefix ? strlen(prefix) : 0;
    const char *after = start_after ? start_after : "";
    out->entries = calloc(count ? count : 1, sizeof *out->entries);
    if (!out->entries)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory listing a bucket");
    const char *last = NULL; /* the last key or prefix on the page */
    for (size_t i = 0; i < count; i++) {
        const char *key = entries[i].key;
        if (strncmp(key, prefix ? prefix : "", prefix_len) != 0 || strcmp(key, after) <= 0)
            continue;
        char *group = rollup_prefix(key, prefix_len, delimiter);
        if (group && ((out->n_prefixes && strcmp(group, out->common_prefixes[out->n_prefixes - 1]) == 0)
                      || strcmp(group, after) <= 0)) {
            free(group); /* its group is already on this page or an earlier one */
            continue;
        }
        if (out->count + out->n_prefixes == max_keys) {
            free(group);
            out->truncated = 1;
            break;
        }
        if (group) {
            vgl_status status = push_prefix(out, group, err);
            if (status != VGL_OK) {
                blob_listing_free(out);
                return status;
            }
            last = group;
        } else {
            out->entries[out->count] = entries[i];
            entries[i].key = NULL;
            last = out->entries[out->count++].key;
        }
    }
    if (out->truncated && last && !(out->next_key = strdup(last))) {
        blob_listing_free(out);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory listing a bucket");
    }
    return VGL_OK;
}

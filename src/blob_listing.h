/*
 * blob_listing.h - turning a bucket's sorted entries into one page of an S3
 * listing (prefix, delimiter roll-up into common prefixes, start-after,
 * max-keys), the same for every blob backend.
 */
#ifndef VIGIL_BLOB_LISTING_H
#define VIGIL_BLOB_LISTING_H

#include "blob.h"

/* Fills out from entries (sorted by key, byte order).  The keys it keeps
 * move into out and are set to NULL in entries, so the caller always frees
 * entries with blob_entries_free.  delimiter may be NULL or "". */
vgl_status blob_listing_select(blob_entry *entries, size_t count, const char *prefix,
                               const char *delimiter, const char *start_after, size_t max_keys,
                               blob_listing *out, vgl_error *err);

/* Sorts entries by key, in the byte order S3 lists keys in. */
void blob_entries_sort(blob_entry *entries, size_t count);

/* Frees the keys (NULL ones are skipped) and the array. */
void blob_entries_free(blob_entry *entries, size_t count);

#endif

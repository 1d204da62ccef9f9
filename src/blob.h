/*
 * blob.h - the object store behind the S3 endpoint and everything the
 * service keeps as objects (images, manifests, models, evaluation output).
 *
 * One small interface, two backends: a local directory (blob_local.c, the
 * embedded default) and, later, any S3-compatible store.  Buckets follow S3's
 * naming rules; keys are any UTF-8 string of 1 to 1024 bytes.  Writes are
 * atomic: a reader sees the old object or the new one, never a part.
 * Errors: VGL_ENOTFOUND for a missing bucket or object, VGL_EINVAL for bad
 * names, VGL_EIO for storage failures; the message says which.
 */
#ifndef VIGIL_BLOB_H
#define VIGIL_BLOB_H

#include "vigil.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct blob_store blob_store;

typedef struct blob_info {
    uint64_t size;
    time_t modified;
    char etag[68];          /* quoted, as S3 returns it: "\"<md5 hex>\"" or multipart "\"<hex>-N\"" */
    char content_type[128];
} blob_info;

typedef struct blob_entry {
    char *key;
    blob_info info;
} blob_entry;

typedef struct blob_listing {
    blob_entry *entries;
    size_t count;
    char **common_prefixes; /* with a delimiter */
    size_t n_prefixes;
    int truncated;
    char *next_key;         /* last key or prefix returned, for the continuation */
} blob_listing;

void blob_listing_free(blob_listing *listing);

typedef struct blob_ops {
    vgl_status (*bucket_create)(blob_store *store, const char *bucket, vgl_error *err);
    vgl_status (*bucket_exists)(blob_store *store, const char *bucket, vgl_error *err);
    /* VGL_EINVAL when not empty */
    vgl_status (*bucket_delete)(blob_store *store, const char *bucket, vgl_error *err);
    vgl_status (*bucket_list)(blob_store *store, char ***names, time_t **created, size_t *count,
                              vgl_error *err);
    vgl_status (*put)(blob_store *store, const char *bucket, const char *key, const void *data,
                      size_t size, const char *content_type, blob_info *info, vgl_error *err);
    /* Whole object into a malloc'ed buffer (info may be NULL). */
    vgl_status (*get)(blob_store *store, const char *bucket, const char *key, uint8_t **data,
                      size_t *size, blob_info *info, vgl_error *err);
    /* Bytes [offset, offset + length) of an object. */
    vgl_status (*get_range)(blob_store *store, const char *bucket, const char *key,
                            uint64_t offset, uint64_t length, uint8_t **data, vgl_error *err);
    vgl_status (*head)(blob_store *store, const char *bucket, const char *key, blob_info *info,
                       vgl_error *err);
    /* Deleting a missing object succeeds, as in S3. */
    vgl_status (*remove)(blob_store *store, const char *bucket, const char *key, vgl_error *err);
    /* Keys after `start_after` ("" for the start) with the prefix, sorted,
     * at most max_keys entries + prefixes; delimiter may be NULL. */
    vgl_status (*list)(blob_store *store, const char *bucket, const char *prefix,
                       const char *delimiter, const char *start_after, size_t max_keys,
                       blob_listing *out, vgl_error *err);
    /* Multipart upload: create gives an upload id; parts are numbered 1..10000;
     * complete joins the listed parts in order into the object, every part
     * but the last holding at least min_part_size bytes (else VGL_ELIMIT). */
    vgl_status (*multipart_create)(blob_store *store, const char *bucket, const char *key,
                                   const char *content_type, char *upload_id, size_t id_size,
                                   vgl_error *err);
    vgl_status (*multipart_put)(blob_store *store, const char *bucket, const char *key,
                                const char *upload_id, int part, const void *data, size_t size,
                                char *etag, size_t etag_size, vgl_error *err);
    vgl_status (*multipart_complete)(blob_store *store, const char *bucket, const char *key,
                                     const char *upload_id, const int *parts,
                                     const char *const *etags, size_t n_parts,
                                     uint64_t min_part_size, blob_info *info, vgl_error *err);
    vgl_status (*multipart_abort)(blob_store *store, const char *bucket, const char *key,
                                  const char *upload_id, vgl_error *err);
    /* put and multipart_put from a file of `size` bytes whose MD5 is known
     * (a request body the server streamed to disk instead of memory); the
     * file is read, not moved or changed. */
    vgl_status (*put_file)(blob_store *store, const char *bucket, const char *key,
                           const char *path, uint64_t size, const unsigned char md5[16],
                           const char *content_type, blob_info *info, vgl_error *err);
    vgl_status (*multipart_put_file)(blob_store *store, const char *bucket, const char *key,
                                     const char *upload_id, int part, const char *path,
                                     uint64_t size, const unsigned char md5[16], char *etag,
                                     size_t etag_size, vgl_error *err);
    void (*close)(blob_store *store);
} blob_ops;

struct blob_store {
    const blob_ops *ops;
};

/* The embedded backend: buckets and objects under `dir` (created if needed). */
vgl_status blob_local_open(const char *dir, blob_store **out, vgl_error *err);

#endif

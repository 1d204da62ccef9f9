/*
 * http_body_file.h - a request body written to a file as it arrives, with
 * its SHA-256 (for the signature) and MD5 (for Content-MD5 and the ETag)
 * taken on the way, so that an object's bytes never have to be held in
 * memory whole.  The file is the server's until the request is answered;
 * then it is removed.
 */
#ifndef VIGIL_HTTP_BODY_FILE_H
#define VIGIL_HTTP_BODY_FILE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

typedef struct http_body_file {
    int fd;
    char path[PATH_MAX];
    void *sha256, *md5; /* OpenSSL digest contexts */
    uint64_t size;
    char sha256_hex[65];
    unsigned char md5_digest[16];
} http_body_file;

/* A new empty body file in dir (0600); NULL when it cannot be made. */
http_body_file *http_body_file_create(const char *dir);

/* Appends bytes; 0 when the disk refused them. */
int http_body_file_append(http_body_file *file, const void *data, size_t size);

/* Closes the file and fills the digests; 0 on a failure. */
int http_body_file_finish(http_body_file *file);

/* Removes the file and frees everything (NULL is ignored). */
void http_body_file_discard(http_body_file *file);

#endif

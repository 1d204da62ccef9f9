/* http_body_file.c - see http_body_file.h. */
#include "http_body_file.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

http_body_file *http_body_file_create(const char *dir)
{
    http_body_file *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    snprintf(f->path, sizeof f->path, "%s/body-XXXXXX", dir);
    f->fd = mkstemp(f->path);
    f->sha256 = EVP_MD_CTX_new();
    f->md5 = EVP_MD_CTX_new();
    if (f->fd < 0 || !f->sha256 || !f->md5 ||
        !EVP_DigestInit_ex(f->sha256, EVP_sha256(), NULL) ||
        !EVP_DigestInit_ex(f->md5, EVP_md5(), NULL)) {
        if (f->fd < 0)
            f->path[0] = '\0';
        http_body_file_discard(f);
        return NULL;
    }
    return f;
}

int http_body_file_append(http_body_file *f, const void *data, size_t size)
{
    const uint8_t *p = data;
    EVP_DigestUpdate(f->sha256, data, size);
    EVP_DigestUpdate(f->md5, data, size);
    f->size += size;
    while (size) {
        ssize_t n = write(f->fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        p += n;
        size -= (size_t)n;
    }
    return 1;
}

int http_body_file_finish(http_body_file *f)
{
    unsigned char sha[32];
    unsigned int length = 0;
    int ok = close(f->fd) == 0;
    f->fd = -1;
    ok = ok && EVP_DigestFinal_ex(f->sha256, sha, &length) && length == 32 &&
         EVP_DigestFinal_ex(f->md5, f->md5_digest, &length) && length == 16;
    for (int i = 0; ok && i < 32; i++)
        snprintf(f->sha256_hex + 2 * i, 3, "%02x", sha[i]);
    return ok;
}

void http_body_file_discard(http_body_file *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    if (f->path[0])
        unlink(f->path);
    EVP_MD_CTX_free(f->sha256);
    EVP_MD_CTX_free(f->md5);
    free(f);
}

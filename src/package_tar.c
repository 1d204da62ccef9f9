/*
 * package_tar.c - package_tar_gz: a ustar archive of one folder, compressed
 * with zlib's gzip framing.  A folder entry comes first, then each file's
 * 512-byte header and its data padded to 512, then the two zero blocks that
 * end an archive.  The folder goes in the header's prefix field and the file
 * name in its name field, so a 128-character component name still fits.
 */
#include "package_tar.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define BLOCK 512

typedef struct growing {
    uint8_t *data;
    size_t size, capacity;
} growing;

static int reserve(growing *g, size_t more)
{
    if (g->size + more <= g->capacity)
        return 0;
    size_t capacity = g->capacity ? g->capacity : 1 << 16;
    while (capacity < g->size + more)
        capacity *= 2;
    uint8_t *data = realloc(g->data, capacity);
    if (!data)
        return -1;
    g->data = data;
    g->capacity = capacity;
    return 0;
}

/* An octal number of width - 1 digits and a NUL, as ustar wants it. */
static void octal(char *field, size_t width, unsigned long long value)
{
    snprintf(field, width, "%0*llo", (int)width - 1, value);
}

static void header(uint8_t block[BLOCK], const char *folder, const char *name, size_t size,
                   char type, time_t mtime)
{
    memset(block, 0, BLOCK);
    char *h = (char *)block;
    memcpy(h, name, strnlen(name, 100));
    octal(h + 100, 8, type == '5' ? 0755 : 0644);
    octal(h + 108, 8, 0);
    octal(h + 116, 8, 0);
    octal(h + 124, 12, size);
    octal(h + 136, 12, (unsigned long long)mtime);
    h[156] = type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memcpy(h + 265, "root", 4);
    memcpy(h + 297, "root", 4);
    memcpy(h + 345, folder, strnlen(folder, 155));
    memset(h + 148, ' ', 8); /* the checksum counts its own field as spaces */
    unsigned sum = 0;
    for (size_t i = 0; i < BLOCK; i++)
        sum += block[i];
    snprintf(h + 148, 8, "%06o", sum);
}

static int append_entry(growing *tar, const char *folder, const char *name, const uint8_t *data,
                        size_t size, char type, time_t mtime)
{
    size_t padded = (size + BLOCK - 1) / BLOCK * BLOCK;
    if (reserve(tar, BLOCK + padded) != 0)
        return -1;
    header(tar->data + tar->size, folder, name, size, type, mtime);
    tar->size += BLOCK;
    if (size)
        memcpy(tar->data + tar->size, data, size);
    memset(tar->data + tar->size + size, 0, padded - size);
    tar->size += padded;
    return 0;
}

static vgl_status gzip(const growing *tar, uint8_t **out, size_t *size, vgl_error *err)
{
    z_stream z = {0};
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory compressing the package");
    uLong bound = deflateBound(&z, (uLong)tar->size);
    uint8_t *buffer = malloc(bound);
    int rc = Z_STREAM_ERROR;
    if (buffer) {
        z.next_in = tar->data;
        z.avail_in = (uInt)tar->size;
        z.next_out = buffer;
        z.avail_out = (uInt)bound;
        rc = deflate(&z, Z_FINISH);
    }
    *size = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(buffer);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory compressing the package");
    }
    *out = buffer;
    return VGL_OK;
}

vgl_status package_tar_gz(const char *folder, const package_file *files, size_t count,
                          time_t mtime, uint8_t **out, size_t *size, vgl_error *err)
{
    if (strlen(folder) > 155)
        return vgl_error_set(err, VGL_EINVAL, "the folder name %s is too long for a tar archive",
                             folder);
    for (size_t i = 0; i < count; i++)
        if (strlen(files[i].name) > 100)
            return vgl_error_set(err, VGL_EINVAL, "the file name %s is too long for a tar"
                                 " archive", files[i].name);
    growing tar = {0};
    char folder_name[160];
    snprintf(folder_name, sizeof folder_name, "%s/", folder);
    /* the folder itself: its whole name fits the name field when short */
    int failed = strlen(folder_name) <= 100
                     ? append_entry(&tar, "", folder_name, NULL, 0, '5', mtime)
                     : 0;
    for (size_t i = 0; !failed && i < count; i++)
        failed = append_entry(&tar, folder, files[i].name, files[i].data, files[i].size, '0',
                              mtime);
    if (!failed && reserve(&tar, 2 * BLOCK) == 0) {
        memset(tar.data + tar.size, 0, 2 * BLOCK);
        tar.size += 2 * BLOCK;
    } else {
        failed = 1;
    }
    vgl_status status = failed ? vgl_error_set(err, VGL_ENOMEM, "out of memory building the"
                                               " package archive")
                               : gzip(&tar, out, size, err);
    free(tar.data);
    return status;
}

/*
 * package_tar.h - a gzip-compressed tar archive (POSIX ustar) built in
 * memory: the single file of a model package, for a user without Greengrass
 * to copy to a device and unpack with `tar xzf`.
 */
#ifndef VIGIL_PACKAGE_TAR_H
#define VIGIL_PACKAGE_TAR_H

#include "vigil.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct package_file {
    const char *name;     /* within the archive's folder; at most 100 bytes */
    const uint8_t *data;
    size_t size;
} package_file;

/* The archive of one folder `folder` (at most 155 bytes) holding the files,
 * each with mode 0644 and modification time mtime, gzip-compressed, in a
 * malloc'ed buffer. */
vgl_status package_tar_gz(const char *folder, const package_file *files, size_t count,
                          time_t mtime, uint8_t **out, size_t *size, vgl_error *err);

#endif

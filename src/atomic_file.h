/*
 * atomic_file.h - a file written whole or not at all: the bytes go to a
 * private (mode 0600) temporary file beside the target, which is synced and
 * renamed over it on commit, so a crash or a failed write never leaves a
 * half-written file and readers see the old file or the new one.
 */
#ifndef VIGIL_ATOMIC_FILE_H
#define VIGIL_ATOMIC_FILE_H

#include "vigil.h"

#include <stddef.h>

typedef struct atomic_file {
    int fd;
    char *path;
    char *tmp;
} atomic_file;

vgl_status atomic_file_open(atomic_file *file, const char *path, vgl_error *err);
vgl_status atomic_file_write(atomic_file *file, const void *data, size_t size, vgl_error *err);

/* Syncs, renames over the target and syncs its folder; on failure the
 * temporary file is removed.  Either way the atomic_file is finished. */
vgl_status atomic_file_commit(atomic_file *file, vgl_error *err);

/* Drops the temporary file; the target is untouched. */
void atomic_file_abort(atomic_file *file);

#endif

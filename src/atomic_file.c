/*
 * atomic_file.c - whole-or-nothing private files (atomic_file.h).
 */
#include "atomic_file.h"

#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

vgl_status atomic_file_open(atomic_file *file, const char *path, vgl_error *err)
{
    size_t tmp_size = strlen(path) + sizeof ".tmp.XXXXXX";
    file->fd = -1;
    file->path = strdup(path);
    file->tmp = malloc(tmp_size);
    if (!file->path || !file->tmp) {
        atomic_file_abort(file);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory writing %s", path);
    }
    snprintf(file->tmp, tmp_size, "%s.tmp.XXXXXX", path);
    /* mkstemp creates the file 0600 whatever the umask */
    file->fd = mkstemp(file->tmp);
    if (file->fd < 0) {
        vgl_status status = vgl_error_set(err, VGL_EIO, "cannot create a file beside %s: %s",
                                          path, strerror(errno));
        free(file->tmp);
        file->tmp = NULL;
        atomic_file_abort(file);
        return status;
    }
    return VGL_OK;
}

vgl_status atomic_file_write(atomic_file *file, const void *data, size_t size, vgl_error *err)
{
    const char *p = data;
    while (size > 0) {
        ssize_t n = write(file->fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return vgl_error_set(err, VGL_EIO, "cannot write %s: %s", file->tmp,
                                 n < 0 ? strerror(errno) : "no space written");
        p += n;
        size -= (size_t)n;
    }
    return VGL_OK;
}

static void sync_folder(const char *path)
{
    char *dir = strdup(path);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash) {
        *slash = 0;
        int fd = open(slash == dir ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
    }
    free(dir);
}

vgl_status atomic_file_commit(atomic_file *file, vgl_error *err)
{
    vgl_status status = VGL_OK;
    if (fsync(file->fd) != 0)
        status = vgl_error_set(err, VGL_EIO, "cannot sync %s: %s", file->tmp, strerror(errno));
    if (close(file->fd) != 0 && status == VGL_OK)
        status = vgl_error_set(err, VGL_EIO, "cannot write %s: %s", file->tmp, strerror(errno));
    file->fd = -1;
    if (status == VGL_OK && rename(file->tmp, file->path) != 0)
        status = vgl_error_set(err, VGL_EIO, "cannot rename %s to %s: %s", file->tmp,
                               file->path, strerror(errno));
    if (status == VGL_OK) {
        sync_folder(file->path); /* the rename is durable once the folder is */
        free(file->tmp);
        file->tmp = NULL;
    }
    atomic_file_abort(file);
    return status;
}

void atomic_file_abort(atomic_file *file)
{
    if (file->fd >= 0)
        close(file->fd);
    if (file->tmp)
        unlink(file->tmp);
    free(file->tmp);
    free(file->path);
    *file = (atomic_file){.fd = -1};
}

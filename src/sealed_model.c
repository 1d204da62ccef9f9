/*
 * sealed_model.c - encrypted model files (sealed_model.h).  The engine
 * writes and maps model files by file descriptor or path; a memfd gives it
 * both without a name on any filesystem.
 */
#include "sealed_model.h"

#include "error.h"
#include "sealed_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define COPY_BUFFER (1 << 20)

static kms_ring hosting_ring;

void sealed_model_use_ring(const kms_ring *ring) { hosting_ring = *ring; }

static vgl_status memory_file(int *fd, vgl_error *err)
{
    *fd = memfd_create("vigil-model", MFD_CLOEXEC);
    return *fd >= 0 ? VGL_OK
                    : vgl_error_set(err, VGL_EIO, "cannot create an in-memory file: %s",
                                    strerror(errno));
}

/* Copies the memfd's bytes from its start into the sealed writer. */
static vgl_status seal_memory(int fd, sealed_writer *writer, vgl_error *err)
{
    uint8_t *buffer = malloc(COPY_BUFFER);
    if (!buffer)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory saving a model");
    vgl_status status = VGL_OK;
    off_t offset = 0;
    for (;;) {
        ssize_t n = pread(fd, buffer, COPY_BUFFER, offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            status = vgl_error_set(err, VGL_EIO, "cannot read the in-memory model: %s",
                                   strerror(errno));
        if (n <= 0)
            break;
        status = sealed_writer_write(writer, buffer, (size_t)n, err);
        if (status != VGL_OK)
            break;
        offset += n;
    }
    free(buffer);
    return status;
}

vgl_status sealed_model_save(const vgl_model *model, const char *path, const kms_key *key,
                             vgl_error *err)
{
    int fd = -1;
    sealed_writer *writer = NULL;
    vgl_status status = memory_file(&fd, err);
    if (status == VGL_OK)
        status = vgl_model_save_fd(model, fd, err);
    if (status == VGL_OK)
        status = sealed_writer_open(path, key, &writer, err);
    if (status == VGL_OK && (status = seal_memory(fd, writer, err)) != VGL_OK)
        sealed_writer_abort(writer);
    else if (status == VGL_OK)
        status = sealed_writer_commit(writer, err);
    if (fd >= 0)
        close(fd);
    return status;
}

static vgl_status write_to_fd(void *context, const uint8_t *data, size_t size, vgl_error *err)
{
    int fd = *(int *)context;
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return vgl_error_set(err, VGL_ENOMEM, "cannot fill the in-memory model: %s",
                                 n < 0 ? strerror(errno) : "nothing written");
        data += n;
        size -= (size_t)n;
    }
    return VGL_OK;
}

vgl_status sealed_model_load_with(const kms_ring *ring, const char *path, vgl_model **out,
                                  vgl_error *err)
{
    int fd = -1;
    *out = NULL;
    vgl_status status = memory_file(&fd, err);
    if (status == VGL_OK)
        status = sealed_file_read(path, ring, write_to_fd, &fd, err);
    if (status == VGL_OK) {
        /* the engine maps the file; the mapping outlives the descriptor */
        char proc_path[64];
        vgl_error inner;
        snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", fd);
        if (vgl_model_load(proc_path, out, &inner) != VGL_OK)
            status = vgl_error_set(err, inner.status, "model %s, decrypted: %s", path,
                                   inner.message);
    }
    if (fd >= 0)
        close(fd);
    return status;
}

vgl_status sealed_model_load(const char *path, vgl_model **out, vgl_error *err)
{
    if (!hosting_ring.data_dir)
        return vgl_error_set(err, VGL_EINVAL, "sealed_model_load: no key ring was set");
    return sealed_model_load_with(&hosting_ring, path, out, err);
}

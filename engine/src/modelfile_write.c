/*
 * modelfile_write.c - collects metadata and tensors in memory and writes them
 * as one model file (layout in modelfile_format.h), atomically: a temporary
 * file in the same directory, fsync, rename over the target, fsync the
 * directory.  A failed write leaves the old file as it was.
 */
#include "error.h"
#include "modelfile_format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct writer_kv {
    char *key;
    vgl_kv_type type;
    uint64_t count;    /* as stored in the file: string length, 1, or elements */
    uint8_t *value;    /* the value's bytes as stored (a string with its NUL) */
    size_t value_size; /* before padding */
} writer_kv;

typedef struct writer_tensor {
    char *name;
    vgl_dtype dtype;
    int ndim;
    int64_t shape[VGL_TENSOR_MAX_DIMS];
    uint8_t *data;
    size_t nbytes;
} writer_tensor;

struct vgl_modelfile_writer {
    writer_kv *kvs;
    size_t kv_count, kv_capacity;
    writer_tensor *tensors;
    size_t tensor_count, tensor_capacity;
};

static const uint8_t zeros[VGL_MF_DATA_ALIGN];

vgl_modelfile_writer *vgl_modelfile_writer_create(void)
{
    return calloc(1, sizeof(vgl_modelfile_writer));
}

void vgl_modelfile_writer_free(vgl_modelfile_writer *writer)
{
    if (!writer)
        return;
    for (size_t i = 0; i < writer->kv_count; i++) {
        free(writer->kvs[i].key);
        free(writer->kvs[i].value);
    }
    for (size_t i = 0; i < writer->tensor_count; i++) {
        free(writer->tensors[i].name);
        free(writer->tensors[i].data);
    }
    free(writer->kvs);
    free(writer->tensors);
    free(writer);
}

/* Makes room for one more element; 0 on allocation failure. */
static int grow(void **array, size_t *capacity, size_t count, size_t elem_size)
{
    if (count < *capacity)
        return 1;
    size_t wanted = *capacity ? *capacity * 2 : 16;
    if (wanted > SIZE_MAX / elem_size)
        return 0;
    void *bigger = realloc(*array, wanted * elem_size);
    if (!bigger)
        return 0;
    *array = bigger;
    *capacity = wanted;
    return 1;
}

static vgl_status check_name(const char *name, const char *what, vgl_error *err)
{
    if (!name)
        return vgl_error_set(err, VGL_EINVAL, "a model file %s is missing", what);
    /* The name itself is left out of the message: it may hold control bytes. */
    if (!vgl_mf_name_valid(name, strnlen(name, VGL_MF_NAME_MAX + 1)))
        return vgl_error_set(err, VGL_EINVAL, "a model file %s must be 1 to %d printable ASCII "
                             "characters", what, VGL_MF_NAME_MAX);
    return VGL_OK;
}

/* Stores a copy of value (value_size bytes) under key, replacing any value
 * the key had. */
static vgl_status set_kv(vgl_modelfile_writer *writer, const char *key, vgl_kv_type type,
                         uint64_t count, const void *value, size_t value_size, vgl_error *err)
{
    if (!writer)
        return vgl_error_set(err, VGL_EINVAL, "no model file writer given");
    vgl_status status = check_name(key, "key", err);
    if (status != VGL_OK)
        return status;

    uint8_t *copy = NULL;
    if (value_size > 0) {
        copy = malloc(value_size);
        if (!copy)
            return vgl_error_set(err, VGL_ENOMEM, "out of memory storing model file key \"%s\"",
                                 key);
        memcpy(copy, value, value_size);
    }

    writer_kv *kv = NULL;
    for (size_t i = 0; i < writer->kv_count && !kv; i++)
        if (!strcmp(writer->kvs[i].key, key))
            kv = &writer->kvs[i];
    if (kv) {
        free(kv->value);
    } else {
        char *key_copy = strdup(key);
        if (!key_copy ||
            !grow((void **)&writer->kvs, &writer->kv_capacity, writer->kv_count, sizeof *kv)) {
            free(key_copy);
            free(copy);
            return vgl_error_set(err, VGL_ENOMEM, "out of memory storing model file key \"%s\"",
                                 key);
        }
        kv = &writer->kvs[writer->kv_count++];
        kv->key = key_copy;
    }
    kv->type = type;
    kv->count = count;
    kv->value = copy;
    kv->value_size = value_size;
    return VGL_OK;
}

vgl_status vgl_modelfile_set_string(vgl_modelfile_writer *writer, const char *key, const char *value,
                                    vgl_error *err)
{
    if (!value)
        return vgl_error_set(err, VGL_EINVAL, "no string given for model file key \"%.64s\"",
                             key ? key : "");
    size_t len = strlen(value);
    return set_kv(writer, key, VGL_KV_STRING, len, value, len + 1, err);
}

vgl_status vgl_modelfile_set_int(vgl_modelfile_writer *writer, const char *key, int64_t value,
                                 vgl_error *err)
{
    return set_kv(writer, key, VGL_KV_INT, 1, &value, sizeof value, err);
}

vgl_status vgl_modelfile_set_float(vgl_modelfile_writer *writer, const char *key, double value,
                                   vgl_error *err)
{
    return set_kv(writer, key, VGL_KV_FLOAT, 1, &value, sizeof value, err);
}

static vgl_status set_array(vgl_modelfile_writer *writer, const char *key, vgl_kv_type type,
                            const void *values, size_t count, vgl_error *err)
{
    if (count > 0 && !values)
        return vgl_error_set(err, VGL_EINVAL, "no values given for model file key \"%.64s\"",
                             key ? key : "");
    if (count > SIZE_MAX / 8)
        return vgl_error_set(err, VGL_ELIMIT, "too many values for model file key \"%.64s\"",
                             key ? key : "");
    return set_kv(writer, key, type, count, values, count * 8, err);
}

vgl_status vgl_modelfile_set_ints(vgl_modelfile_writer *writer, const char *key,
                                  const int64_t *values, size_t count, vgl_error *err)
{
    return set_array(writer, key, VGL_KV_INT_ARRAY, values, count, err);
}

vgl_status vgl_modelfile_set_floats(vgl_modelfile_writer *writer, const char *key,
                                    const double *values, size_t count, vgl_error *err)
{
    return set_array(writer, key, VGL_KV_FLOAT_ARRAY, values, count, err);
}

vgl_status vgl_modelfile_add_tensor(vgl_modelfile_writer *writer, const char *name, vgl_dtype dtype,
                                    int ndim, const int64_t *shape, const void *data,
                                    vgl_error *err)
{
    if (!writer)
        return vgl_error_set(err, VGL_EINVAL, "no model file writer given");
    vgl_status status = check_name(name, "tensor name", err);
    if (status != VGL_OK)
        return status;
    size_t elem_size = vgl_dtype_size(dtype);
    if (elem_size == 0)
        return vgl_error_set(err, VGL_EINVAL, "tensor \"%s\": unknown dtype %d", name, (int)dtype);
    if (ndim < 1 || ndim > VGL_TENSOR_MAX_DIMS || !shape)
        return vgl_error_set(err, VGL_EINVAL, "tensor \"%s\": %d dimensions (1 to %d allowed)",
                             name, ndim, VGL_TENSOR_MAX_DIMS);
    size_t nbytes = elem_size;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return vgl_error_set(err, VGL_EINVAL, "tensor \"%s\": dimension %d is negative (%lld)",
                                 name, i, (long long)shape[i]);
        if ((uint64_t)shape[i] > SIZE_MAX ||
            __builtin_mul_overflow(nbytes, (size_t)shape[i], &nbytes))
            return vgl_error_set(err, VGL_ELIMIT, "tensor \"%s\" is too large", name);
    }
    if (nbytes > 0 && !data)
        return vgl_error_set(err, VGL_EINVAL, "tensor \"%s\": no data given", name);
    for (size_t i = 0; i < writer->tensor_count; i++)
        if (!strcmp(writer->tensors[i].name, name))
            return vgl_error_set(err, VGL_EINVAL, "a tensor named \"%s\" is already in the model",
                                 name);

    writer_tensor tensor = {.dtype = dtype, .ndim = ndim, .nbytes = nbytes};
    memcpy(tensor.shape, shape, (size_t)ndim * sizeof *shape);
    tensor.name = strdup(name);
    tensor.data = nbytes > 0 ? malloc(nbytes) : NULL;
    if (!tensor.name || (nbytes > 0 && !tensor.data) ||
        !grow((void **)&writer->tensors, &writer->tensor_capacity, writer->tensor_count,
              sizeof tensor)) {
        free(tensor.name);
        free(tensor.data);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory storing tensor \"%s\"", name);
    }
    if (nbytes > 0)
        memcpy(tensor.data, data, nbytes);
    writer->tensors[writer->tensor_count++] = tensor;
    return VGL_OK;
}

/* Serialises the header and both tables into a zeroed buffer of
 * *data_offset bytes, the CRCs included.  *data_offset and *file_size come
 * back set. */
static vgl_status build_table(const vgl_modelfile_writer *writer, uint8_t **table,
                              uint64_t *data_offset, uint64_t *file_size, vgl_error *err)
{
    /* Every size below is a sum of sizes of objects in memory, each entry's
     * no bigger in the file than in memory, so none can overflow; the tables
     * even fit in a size_t on 32-bit hosts. */
    uint64_t table_end = VGL_MF_HEADER_SIZE;
    for (size_t i = 0; i < writer->kv_count; i++)
        table_end += VGL_MF_KV_FIXED + vgl_mf_pad8(strlen(writer->kvs[i].key) + 1) +
                     vgl_mf_pad8(writer->kvs[i].value_size);
    for (size_t i = 0; i < writer->tensor_count; i++)
        table_end += VGL_MF_T_FIXED + 8 * (uint64_t)writer->tensors[i].ndim +
                     vgl_mf_pad8(strlen(writer->tensors[i].name) + 1);
    *data_offset = vgl_mf_pad_data(table_end);

    uint8_t *buf = calloc(1, (size_t)*data_offset);
    if (!buf)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory writing a model file");

    uint8_t *p = buf + VGL_MF_HEADER_SIZE;
    for (size_t i = 0; i < writer->kv_count; i++) {
        const writer_kv *kv = &writer->kvs[i];
        size_t key_len = strlen(kv->key);
        vgl_mf_store_u32(p + VGL_MF_KV_OFF_KEY_LEN, (uint32_t)key_len);
        vgl_mf_store_u32(p + VGL_MF_KV_OFF_TYPE, (uint32_t)kv->type);
        vgl_mf_store_u64(p + VGL_MF_KV_OFF_COUNT, kv->count);
        p += VGL_MF_KV_FIXED;
        memcpy(p, kv->key, key_len);
        p += vgl_mf_pad8(key_len + 1);
        if (kv->value_size > 0)
            memcpy(p, kv->value, kv->value_size);
        p += vgl_mf_pad8(kv->value_size);
    }
    uint64_t data_size = 0;
    uint32_t data_crc = 0;
    for (size_t i = 0; i < writer->tensor_count; i++) {
        const writer_tensor *t = &writer->tensors[i];
        size_t name_len = strlen(t->name);
        vgl_mf_store_u32(p + VGL_MF_T_OFF_NAME_LEN, (uint32_t)name_len);
        vgl_mf_store_u32(p + VGL_MF_T_OFF_DTYPE, (uint32_t)t->dtype);
        vgl_mf_store_u32(p + VGL_MF_T_OFF_NDIM, (uint32_t)t->ndim);
        vgl_mf_store_u64(p + VGL_MF_T_OFF_OFFSET, data_size);
        vgl_mf_store_u64(p + VGL_MF_T_OFF_NBYTES, t->nbytes);
        p += VGL_MF_T_OFF_SHAPE;
        for (int d = 0; d < t->ndim; d++, p += 8)
            vgl_mf_store_u64(p, (uint64_t)t->shape[d]);
        memcpy(p, t->name, name_len);
        p += vgl_mf_pad8(name_len + 1);

        uint64_t padded = vgl_mf_pad_data(t->nbytes);
        data_size += padded;
        if (t->nbytes > 0)
            data_crc = (uint32_t)crc32_z(data_crc, t->data, t->nbytes);
        data_crc = (uint32_t)crc32_z(data_crc, zeros, (z_size_t)(padded - t->nbytes));
    }
    *file_size = *data_offset + data_size;

    memcpy(buf + VGL_MF_OFF_MAGIC, VGL_MF_MAGIC, VGL_MF_MAGIC_SIZE);
    vgl_mf_store_u32(buf + VGL_MF_OFF_VERSION, VGL_MF_VERSION);
    vgl_mf_store_u64(buf + VGL_MF_OFF_FILE_SIZE, *file_size);
    vgl_mf_store_u64(buf + VGL_MF_OFF_KV_COUNT, writer->kv_count);
    vgl_mf_store_u64(buf + VGL_MF_OFF_TENSOR_COUNT, writer->tensor_count);
    vgl_mf_store_u64(buf + VGL_MF_OFF_DATA_OFFSET, *data_offset);
    vgl_mf_store_u32(buf + VGL_MF_OFF_TABLE_CRC, vgl_mf_table_crc(buf, *data_offset));
    vgl_mf_store_u32(buf + VGL_MF_OFF_DATA_CRC, data_crc);
    *table = buf;
    return VGL_OK;
}

/* write() until done; -1 with errno set on failure. */
static int write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int write_contents(int fd, const vgl_modelfile_writer *writer, const uint8_t *table,
                          size_t table_size)
{
    if (write_all(fd, table, table_size))
        return -1;
    for (size_t i = 0; i < writer->tensor_count; i++) {
        const writer_tensor *t = &writer->tensors[i];
        if ((t->nbytes > 0 && write_all(fd, t->data, t->nbytes)) ||
            write_all(fd, zeros, (size_t)(vgl_mf_pad_data(t->nbytes) - t->nbytes)))
            return -1;
    }
    return 0;
}

/* Makes the rename durable: fsync the directory that holds path. */
static int sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

vgl_status vgl_modelfile_write_fd(const vgl_modelfile_writer *writer, int fd, vgl_error *err)
{
    if (!writer || fd < 0)
        return vgl_error_set(err, VGL_EINVAL, "no model file writer or file descriptor given");
    uint8_t *table = NULL;
    uint64_t data_offset = 0, file_size = 0;
    vgl_status status = build_table(writer, &table, &data_offset, &file_size, err);
    if (status == VGL_OK && write_contents(fd, writer, table, (size_t)data_offset))
        status = vgl_error_set(err, VGL_EIO, "cannot write a model file (%llu bytes): %s",
                               (unsigned long long)file_size, strerror(errno));
    free(table);
    return status;
}

vgl_status vgl_modelfile_write(const vgl_modelfile_writer *writer, const char *path, vgl_error *err)
{
    if (!writer || !path || !*path)
        return vgl_error_set(err, VGL_EINVAL, "no model file writer or path given");

    uint8_t *table = NULL;
    uint64_t data_offset = 0, file_size = 0;
    vgl_status status = build_table(writer, &table, &data_offset, &file_size, err);
    if (status != VGL_OK)
        return status;

    size_t tmp_size = strlen(path) + 32;
    char *tmp = malloc(tmp_size);
    if (!tmp) {
        free(table);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory writing %s", path);
    }
    snprintf(tmp, tmp_size, "%s.tmp.%ld", path, (long)getpid());

    /* O_TRUNC rather than O_EXCL: a temporary file left by a crashed process
     * that had the same pid (always the case for pid 1 in a container) must
     * not block writing forever.  O_NOFOLLOW: never write through a link. */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) {
        status = vgl_error_set(err, VGL_EIO, "cannot create %s: %s", tmp, strerror(errno));
    } else {
        const char *failed = write_contents(fd, writer, table, (size_t)data_offset) ? "write"
                             : fsync(fd)                                             ? "sync"
                                                                                     : NULL;
        int saved = errno;
        if (close(fd) && !failed) {
            failed = "write";
            saved = errno;
        }
        if (!failed && rename(tmp, path)) {
            failed = "rename";
            saved = errno;
        }
        if (failed) {
            unlink(tmp);
            status = vgl_error_set(err, VGL_EIO, "cannot %s %s (%llu bytes): %s", failed, path,
                                   (unsigned long long)file_size, strerror(saved));
        } else if (sync_parent_dir(path)) {
            status = vgl_error_set(err, VGL_EIO, "wrote %s but cannot sync its directory: %s",
                                   path, strerror(errno));
        }
    }
    free(tmp);
    free(table);
    return status;
}

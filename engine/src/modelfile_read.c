/*
 * modelfile_read.c - opens a model file (layout in modelfile_format.h): maps
 * it read-only, checks every byte of its structure and both CRCs before
 * anything is exposed, then answers lookups with pointers into the mapping.
 *
 * Files are replaced by rename, never rewritten in place, so a mapping stays
 * valid while the file is open.
 */
#include "error.h"
#include "modelfile_format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct reader_kv {
    const char *key;
    vgl_kv_type type;
    size_t count; /* string length, 1, or elements */
    const void *value;
} reader_kv;

struct vgl_modelfile {
    const uint8_t *map;
    size_t size;
    uint32_t version;
    size_t kv_count;
    reader_kv *kvs;             /* file order */
    const reader_kv **kv_index; /* sorted by key, for bsearch */
    size_t tensor_count;
    vgl_tensor_info *tensors;               /* file order */
    const vgl_tensor_info **tensor_index;   /* sorted by name, for bsearch */
};

size_t vgl_dtype_size(vgl_dtype dtype)
{
    switch (dtype) {
    case VGL_DTYPE_F32: return 4;
    case VGL_DTYPE_U8: return 1;
    case VGL_DTYPE_I32: return 4;
    case VGL_DTYPE_I64: return 8;
    }
    return 0;
}

/* The parse state: the mapping, the end of the tables (the data offset) and
 * the file's name for messages. */
typedef struct cursor {
    const uint8_t *map;
    uint64_t pos;
    uint64_t end;
    const char *path;
    vgl_error *err;
} cursor;

static vgl_status malformed(const cursor *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static vgl_status malformed(const cursor *c, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return vgl_error_set(c->err, VGL_EFORMAT, "%s: malformed model file: %s", c->path, what);
}

/* A key or tensor name of len bytes at the cursor: printable, NUL-terminated,
 * padded to 8. */
static vgl_status take_name(cursor *c, uint32_t len, const char *what, size_t index,
                            const char **out)
{
    if (len < 1 || len > VGL_MF_NAME_MAX)
        return malformed(c, "%s %zu has a name of %u bytes (1 to %d allowed)", what, index, len,
                         VGL_MF_NAME_MAX);
    uint64_t span = vgl_mf_pad8((uint64_t)len + 1);
    if (span > c->end - c->pos)
        return malformed(c, "%s %zu runs past the end of the tables", what, index);
    const char *name = (const char *)c->map + c->pos;
    if (!vgl_mf_name_valid(name, len) || name[len] != '\0')
        return malformed(c, "%s %zu has a name that is not printable ASCII ending in a NUL", what,
                         index);
    *out = name;
    c->pos += span;
    return VGL_OK;
}

static vgl_status parse_kv(cursor *c, size_t index, reader_kv *kv)
{
    if (c->end - c->pos < VGL_MF_KV_FIXED)
        return malformed(c, "metadata entry %zu runs past the end of the tables", index);
    const uint8_t *fixed = c->map + c->pos;
    uint32_t key_len = vgl_mf_load_u32(fixed + VGL_MF_KV_OFF_KEY_LEN);
    uint32_t type = vgl_mf_load_u32(fixed + VGL_MF_KV_OFF_TYPE);
    uint64_t count = vgl_mf_load_u64(fixed + VGL_MF_KV_OFF_COUNT);
    c->pos += VGL_MF_KV_FIXED;
    vgl_status status = take_name(c, key_len, "metadata entry", index, &kv->key);
    if (status != VGL_OK)
        return status;

    /* span: the value's bytes with padding, checked against what is left
     * without computing anything that could overflow. */
    uint64_t left = c->end - c->pos;
    uint64_t span;
    const uint8_t *value = c->map + c->pos;
    switch (type) {
    case VGL_KV_STRING:
        span = count < left ? vgl_mf_pad8(count + 1) : UINT64_MAX;
        if (span > left)
            return malformed(c, "string \"%s\" of %llu bytes runs past the end of the tables",
                             kv->key, (unsigned long long)count);
        if (memchr(value, '\0', (size_t)count) || value[count] != '\0')
            return malformed(c, "string \"%s\" does not end in its NUL", kv->key);
        break;
    case VGL_KV_INT:
    case VGL_KV_FLOAT:
        if (count != 1)
            return malformed(c, "scalar \"%s\" has a count of %llu", kv->key,
                             (unsigned long long)count);
        span = 8;
        if (span > left)
            return malformed(c, "scalar \"%s\" runs past the end of the tables", kv->key);
        break;
    case VGL_KV_INT_ARRAY:
    case VGL_KV_FLOAT_ARRAY:
        if (count > left / 8)
            return malformed(c, "array \"%s\" of %llu values runs past the end of the tables",
                             kv->key, (unsigned long long)count);
        span = count * 8;
        break;
    default:
        return malformed(c, "metadata entry \"%s\" has unknown type %u", kv->key, type);
    }
    kv->type = (vgl_kv_type)type;
    kv->count = (size_t)count;
    kv->value = value;
    c->pos += span;
    return VGL_OK;
}

/* Parses one tensor entry; data_size is the size of the data section, which
 * starts at data. */
static vgl_status parse_tensor(cursor *c, size_t index, const uint8_t *data, uint64_t data_size,
                               vgl_tensor_info *t)
{
    if (c->end - c->pos < VGL_MF_T_FIXED)
        return malformed(c, "tensor entry %zu runs past the end of the tables", index);
    const uint8_t *fixed = c->map + c->pos;
    uint32_t name_len = vgl_mf_load_u32(fixed + VGL_MF_T_OFF_NAME_LEN);
    uint32_t dtype = vgl_mf_load_u32(fixed + VGL_MF_T_OFF_DTYPE);
    uint32_t ndim = vgl_mf_load_u32(fixed + VGL_MF_T_OFF_NDIM);
    uint32_t reserved = vgl_mf_load_u32(fixed + VGL_MF_T_OFF_RESERVED);
    uint64_t offset = vgl_mf_load_u64(fixed + VGL_MF_T_OFF_OFFSET);
    uint64_t nbytes = vgl_mf_load_u64(fixed + VGL_MF_T_OFF_NBYTES);
    c->pos += VGL_MF_T_FIXED;
    if (ndim < 1 || ndim > VGL_TENSOR_MAX_DIMS)
        return malformed(c, "tensor entry %zu has %u dimensions (1 to %d allowed)", index, ndim,
                         VGL_TENSOR_MAX_DIMS);
    if (8 * (uint64_t)ndim > c->end - c->pos)
        return malformed(c, "tensor entry %zu runs past the end of the tables", index);
    const uint8_t *shape = c->map + c->pos;
    c->pos += 8 * (uint64_t)ndim;
    vgl_status status = take_name(c, name_len, "tensor entry", index, &t->name);
    if (status != VGL_OK)
        return status;

    if (reserved != 0)
        return malformed(c, "tensor \"%s\" has a nonzero reserved field", t->name);
    if (dtype > VGL_DTYPE_I64)
        return malformed(c, "tensor \"%s\" has unknown dtype %u", t->name, dtype);
    t->dtype = (vgl_dtype)dtype;
    t->ndim = (int)ndim;
    uint64_t expected = vgl_dtype_size(t->dtype);
    int overflow = 0;
    for (uint32_t d = 0; d < ndim; d++) {
        t->shape[d] = (int64_t)vgl_mf_load_u64(shape + 8 * d);
        if (t->shape[d] < 0)
            return malformed(c, "tensor \"%s\" has negative dimension %lld", t->name,
                             (long long)t->shape[d]);
        overflow |= __builtin_mul_overflow(expected, (uint64_t)t->shape[d], &expected);
    }
    if (overflow)
        return malformed(c, "tensor \"%s\" has a shape too large to address", t->name);
    if (expected != nbytes)
        return malformed(c, "tensor \"%s\" claims %llu bytes, which is not its shape times %zu",
                         t->name, (unsigned long long)nbytes, vgl_dtype_size(t->dtype));
    if (offset % VGL_MF_DATA_ALIGN != 0)
        return malformed(c, "tensor \"%s\" data at offset %llu is not %d-byte aligned", t->name,
                         (unsigned long long)offset, VGL_MF_DATA_ALIGN);
    if (offset > data_size || nbytes > data_size - offset)
        return malformed(c, "tensor \"%s\" (%llu bytes at offset %llu) runs past the %llu-byte "
                            "data section", t->name, (unsigned long long)nbytes,
                         (unsigned long long)offset, (unsigned long long)data_size);
    t->data = data + offset;
    t->nbytes = (size_t)nbytes;
    return VGL_OK;
}

static int compare_kv_keys(const void *a, const void *b)
{
    return strcmp((*(const reader_kv *const *)a)->key, (*(const reader_kv *const *)b)->key);
}

static int compare_tensor_names(const void *a, const void *b)
{
    return strcmp((*(const vgl_tensor_info *const *)a)->name,
                  (*(const vgl_tensor_info *const *)b)->name);
}

/* By start, then by end, so an empty tensor sharing a start with the next
 * one sorts first and is not taken for an overlap. */
static int compare_tensor_offsets(const void *a, const void *b)
{
    const vgl_tensor_info *x = *(const vgl_tensor_info *const *)a;
    const vgl_tensor_info *y = *(const vgl_tensor_info *const *)b;
    const uint8_t *xe = (const uint8_t *)x->data + x->nbytes;
    const uint8_t *ye = (const uint8_t *)y->data + y->nbytes;
    if (x->data != y->data)
        return (const uint8_t *)x->data < (const uint8_t *)y->data ? -1 : 1;
    return xe < ye ? -1 : xe > ye;
}

/* Checks the header and both CRCs; on success c->end is the data offset. */
static vgl_status check_header(cursor *c, size_t size, uint64_t *kv_count,
                               uint64_t *tensor_count)
{
    const uint8_t *h = c->map;
    if (memcmp(h, VGL_MF_MAGIC, size < VGL_MF_MAGIC_SIZE ? size : VGL_MF_MAGIC_SIZE) != 0)
        return vgl_error_set(c->err, VGL_EFORMAT, "%s: not a Vigil model file", c->path);
    if (size < VGL_MF_HEADER_SIZE)
        return vgl_error_set(c->err, VGL_EFORMAT,
                             "%s: truncated: %zu bytes, shorter than the %d-byte header", c->path,
                             size, VGL_MF_HEADER_SIZE);
    uint32_t version = vgl_mf_load_u32(h + VGL_MF_OFF_VERSION);
    if (version != VGL_MF_VERSION)
        return vgl_error_set(c->err, VGL_EFORMAT,
                             "%s: model format version %u is not supported (this Vigil reads "
                             "version %u only)",
                             c->path, version, VGL_MF_VERSION);
    uint64_t file_size = vgl_mf_load_u64(h + VGL_MF_OFF_FILE_SIZE);
    if (file_size > size)
        return vgl_error_set(c->err, VGL_EFORMAT, "%s: truncated: %zu bytes of %llu", c->path,
                             size, (unsigned long long)file_size);
    if (file_size < size)
        return vgl_error_set(c->err, VGL_EFORMAT, "%s: corrupt: %zu bytes, the header says %llu",
                             c->path, size, (unsigned long long)file_size);
    uint64_t data_offset = vgl_mf_load_u64(h + VGL_MF_OFF_DATA_OFFSET);
    if (data_offset < VGL_MF_HEADER_SIZE || data_offset > size ||
        data_offset % VGL_MF_DATA_ALIGN != 0)
        return vgl_error_set(c->err, VGL_EFORMAT,
                             "%s: corrupt: data section offset %llu is not a multiple of %d "
                             "between the header and the end of the file",
                             c->path, (unsigned long long)data_offset, VGL_MF_DATA_ALIGN);
    if (vgl_mf_table_crc(h, data_offset) != vgl_mf_load_u32(h + VGL_MF_OFF_TABLE_CRC))
        return vgl_error_set(c->err, VGL_EFORMAT,
                             "%s: corrupt: the header and metadata fail their checksum", c->path);
    if ((uint32_t)crc32_z(0, h + data_offset, (z_size_t)(size - data_offset)) !=
        vgl_mf_load_u32(h + VGL_MF_OFF_DATA_CRC))
        return vgl_error_set(c->err, VGL_EFORMAT,
                             "%s: corrupt: the tensor data fails its checksum", c->path);

    c->pos = VGL_MF_HEADER_SIZE;
    c->end = data_offset;
    if (vgl_mf_load_u32(h + VGL_MF_OFF_RESERVED0) != 0 ||
        vgl_mf_load_u64(h + VGL_MF_OFF_RESERVED1) != 0)
        return malformed(c, "reserved header fields are not zero");
    /* Counts are bounded by the bytes they need before anything is
     * allocated or looped over. */
    uint64_t room = data_offset - VGL_MF_HEADER_SIZE;
    *kv_count = vgl_mf_load_u64(h + VGL_MF_OFF_KV_COUNT);
    if (*kv_count > room / VGL_MF_KV_MIN)
        return malformed(c, "%llu metadata entries cannot fit in %llu bytes",
                         (unsigned long long)*kv_count, (unsigned long long)room);
    room -= *kv_count * VGL_MF_KV_MIN;
    *tensor_count = vgl_mf_load_u64(h + VGL_MF_OFF_TENSOR_COUNT);
    if (*tensor_count > room / VGL_MF_T_MIN)
        return malformed(c, "%llu tensor entries cannot fit in %llu bytes",
                         (unsigned long long)*tensor_count, (unsigned long long)room);
    return VGL_OK;
}

/* Parses and checks everything after the header into file. */
static vgl_status parse(vgl_modelfile *file, cursor *c, size_t kv_count, size_t tensor_count)
{
    if (kv_count > 0) {
        file->kvs = calloc(kv_count, sizeof *file->kvs);
        file->kv_index = calloc(kv_count, sizeof *file->kv_index);
        if (!file->kvs || !file->kv_index)
            return vgl_error_set(c->err, VGL_ENOMEM, "%s: out of memory", c->path);
    }
    if (tensor_count > 0) {
        file->tensors = calloc(tensor_count, sizeof *file->tensors);
        file->tensor_index = calloc(tensor_count, sizeof *file->tensor_index);
        if (!file->tensors || !file->tensor_index)
            return vgl_error_set(c->err, VGL_ENOMEM, "%s: out of memory", c->path);
    }

    const uint8_t *data = c->map + c->end;
    uint64_t data_size = file->size - c->end;
    vgl_status status;
    for (size_t i = 0; i < kv_count; i++) {
        if ((status = parse_kv(c, i, &file->kvs[i])) != VGL_OK)
            return status;
        file->kv_index[i] = &file->kvs[i];
    }
    for (size_t i = 0; i < tensor_count; i++) {
        if ((status = parse_tensor(c, i, data, data_size, &file->tensors[i])) != VGL_OK)
            return status;
        file->tensor_index[i] = &file->tensors[i];
    }
    /* The writer pads the tables to the data section and each tensor to 64
     * bytes and adds nothing else, so any other size is damage. */
    if (vgl_mf_pad_data(c->pos) != c->end)
        return malformed(c, "the tables end at byte %llu but the data starts at %llu",
                         (unsigned long long)c->pos, (unsigned long long)c->end);

    uint64_t data_end = 0;
    if (tensor_count > 0) {
        qsort(file->tensor_index, tensor_count, sizeof *file->tensor_index,
              compare_tensor_offsets);
        for (size_t i = 1; i < tensor_count; i++) {
            const vgl_tensor_info *prev = file->tensor_index[i - 1], *t = file->tensor_index[i];
            if ((const uint8_t *)t->data < (const uint8_t *)prev->data + prev->nbytes)
                return malformed(c, "the data of tensors \"%s\" and \"%s\" overlap", prev->name,
                                 t->name);
        }
        const vgl_tensor_info *last = file->tensor_index[tensor_count - 1];
        data_end = vgl_mf_pad_data((uint64_t)((const uint8_t *)last->data - data) + last->nbytes);
    }
    if (data_end != data_size)
        return malformed(c, "the data section is %llu bytes but its tensors need %llu",
                         (unsigned long long)data_size, (unsigned long long)data_end);

    if (kv_count > 0) {
        qsort(file->kv_index, kv_count, sizeof *file->kv_index, compare_kv_keys);
        for (size_t i = 1; i < kv_count; i++)
            if (!strcmp(file->kv_index[i - 1]->key, file->kv_index[i]->key))
                return malformed(c, "metadata key \"%s\" appears twice", file->kv_index[i]->key);
    }
    if (tensor_count > 0) {
        qsort(file->tensor_index, tensor_count, sizeof *file->tensor_index,
              compare_tensor_names);
        for (size_t i = 1; i < tensor_count; i++)
            if (!strcmp(file->tensor_index[i - 1]->name, file->tensor_index[i]->name))
                return malformed(c, "tensor name \"%s\" appears twice",
                                 file->tensor_index[i]->name);
    }
    file->kv_count = kv_count;
    file->tensor_count = tensor_count;
    return VGL_OK;
}

vgl_status vgl_modelfile_open(const char *path, vgl_modelfile **out, vgl_error *err)
{
    if (!out)
        return vgl_error_set(err, VGL_EINVAL, "no place for the opened model file given");
    *out = NULL;
    if (!path)
        return vgl_error_set(err, VGL_EINVAL, "no model file path given");

    /* O_NONBLOCK so that a FIFO at path cannot hang us before fstat. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return vgl_error_set(err, VGL_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st)) {
        int saved = errno;
        close(fd);
        return vgl_error_set(err, VGL_EIO, "%s: cannot stat: %s", path, strerror(saved));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return vgl_error_set(err, VGL_EIO, "%s: %s", path,
                             S_ISDIR(st.st_mode) ? "is a directory" : "is not a regular file");
    }
    if (st.st_size == 0) {
        close(fd);
        return vgl_error_set(err, VGL_EFORMAT, "%s: truncated: the file is empty", path);
    }
    if ((uint64_t)st.st_size != (size_t)st.st_size) {
        close(fd);
        return vgl_error_set(err, VGL_ELIMIT, "%s: too large to map on this machine", path);
    }
    size_t size = (size_t)st.st_size;
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int saved = errno;
    close(fd);
    if (map == MAP_FAILED)
        return vgl_error_set(err, VGL_EIO, "%s: cannot map: %s", path, strerror(saved));

    vgl_modelfile *file = calloc(1, sizeof *file);
    if (!file) {
        munmap(map, size);
        return vgl_error_set(err, VGL_ENOMEM, "%s: out of memory", path);
    }
    file->map = map;
    file->size = size;
    file->version = VGL_MF_VERSION;

    cursor c = {.map = map, .path = path, .err = err};
    uint64_t kv_count = 0, tensor_count = 0;
    vgl_status status = check_header(&c, size, &kv_count, &tensor_count);
    if (status == VGL_OK)
        status = parse(file, &c, (size_t)kv_count, (size_t)tensor_count);
    if (status != VGL_OK) {
        vgl_modelfile_close(file);
        return status;
    }
    *out = file;
    return VGL_OK;
}

void vgl_modelfile_close(vgl_modelfile *file)
{
    if (!file)
        return;
    munmap((void *)file->map, file->size);
    free(file->kvs);
    free(file->kv_index);
    free(file->tensors);
    free(file->tensor_index);
    free(file);
}

uint32_t vgl_modelfile_version(const vgl_modelfile *file)
{
    return file ? file->version : 0;
}

size_t vgl_modelfile_kv_count(const vgl_modelfile *file)
{
    return file ? file->kv_count : 0;
}

const char *vgl_modelfile_kv_key(const vgl_modelfile *file, size_t index)
{
    return file && index < file->kv_count ? file->kvs[index].key : NULL;
}

/* 0, which is no vgl_kv_type, for an index out of range. */
vgl_kv_type vgl_modelfile_kv_type(const vgl_modelfile *file, size_t index)
{
    return file && index < file->kv_count ? file->kvs[index].type : (vgl_kv_type)0;
}

static int compare_key_to_kv(const void *key, const void *entry)
{
    return strcmp(key, (*(const reader_kv *const *)entry)->key);
}

/* The entry for key if it has the given type, else NULL. */
static const reader_kv *find_kv(const vgl_modelfile *file, const char *key, vgl_kv_type type)
{
    if (!file || !key || file->kv_count == 0)
        return NULL;
    const reader_kv *const *found =
        bsearch(key, file->kv_index, file->kv_count, sizeof *file->kv_index, compare_key_to_kv);
    return found && (*found)->type == type ? *found : NULL;
}

const char *vgl_modelfile_get_string(const vgl_modelfile *file, const char *key)
{
    const reader_kv *kv = find_kv(file, key, VGL_KV_STRING);
    return kv ? kv->value : NULL;
}

vgl_status vgl_modelfile_get_int(const vgl_modelfile *file, const char *key, int64_t *value)
{
    const reader_kv *kv = find_kv(file, key, VGL_KV_INT);
    if (!value)
        return VGL_EINVAL;
    if (!kv)
        return VGL_ENOTFOUND;
    memcpy(value, kv->value, sizeof *value);
    return VGL_OK;
}

vgl_status vgl_modelfile_get_float(const vgl_modelfile *file, const char *key, double *value)
{
    const reader_kv *kv = find_kv(file, key, VGL_KV_FLOAT);
    if (!value)
        return VGL_EINVAL;
    if (!kv)
        return VGL_ENOTFOUND;
    memcpy(value, kv->value, sizeof *value);
    return VGL_OK;
}

/* Arrays are 8-byte aligned in the file (see modelfile_format.h), so the
 * mapping can be handed out as int64_t / double arrays. */
const int64_t *vgl_modelfile_get_ints(const vgl_modelfile *file, const char *key, size_t *count)
{
    const reader_kv *kv = find_kv(file, key, VGL_KV_INT_ARRAY);
    if (count)
        *count = kv ? kv->count : 0;
    return kv ? kv->value : NULL;
}

const double *vgl_modelfile_get_floats(const vgl_modelfile *file, const char *key, size_t *count)
{
    const reader_kv *kv = find_kv(file, key, VGL_KV_FLOAT_ARRAY);
    if (count)
        *count = kv ? kv->count : 0;
    return kv ? kv->value : NULL;
}

size_t vgl_modelfile_tensor_count(const vgl_modelfile *file)
{
    return file ? file->tensor_count : 0;
}

const vgl_tensor_info *vgl_modelfile_tensor_at(const vgl_modelfile *file, size_t index)
{
    return file && index < file->tensor_count ? &file->tensors[index] : NULL;
}

static int compare_name_to_tensor(const void *name, const void *entry)
{
    return strcmp(name, (*(const vgl_tensor_info *const *)entry)->name);
}

const vgl_tensor_info *vgl_modelfile_find_tensor(const vgl_modelfile *file, const char *name)
{
    if (!file || !name || file->tensor_count == 0)
        return NULL;
    const vgl_tensor_info *const *found =
        bsearch(name, file->tensor_index, file->tensor_count, sizeof *file->tensor_index,
                compare_name_to_tensor);
    return found ? *found : NULL;
}

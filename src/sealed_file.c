/*
 * sealed_file.c - envelope-encrypted files (sealed_file.h).
 *
 * Header (112 bytes, integers little-endian):
 *   0  8   magic "VGLSEAL\0"
 *   8  4   format version (1)
 *   12 4   chunk size C
 *   16 36  id of the key-ring key that wraps the data key
 *   52 12  nonce of the wrap
 *   64 32  data key, encrypted with the key-ring key (AES-256-GCM)
 *   96 16  its tag; the bytes 0..51 are the wrap's additional data, so the
 *          tag authenticates the whole header
 * then the body: chunks of C plaintext bytes, each stored as its ciphertext
 * and a 16-byte tag, under the data key with the nonce 0^32 || chunk index
 * (64 bits, big-endian) and one byte of additional data that says whether
 * it is the last chunk.  The last chunk is shorter than C (possibly empty),
 * so a file cut at a chunk boundary misses its last chunk and is refused,
 * and chunks cannot be reordered, dropped or taken from another file (each
 * file has its own data key).
 */
#include "sealed_file.h"

#include "atomic_file.h"
#include "error.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "VGLSEAL"  /* and its NUL: 8 bytes */
#define FORMAT_VERSION 1
#define NONCE_BYTES 12
#define TAG_BYTES 16
#define KEY_ID_OFFSET 16
#define WRAP_AAD_BYTES (KEY_ID_OFFSET + KMS_KEY_ID_LENGTH) /* 52 */
#define WRAP_NONCE_OFFSET WRAP_AAD_BYTES
#define WRAPPED_KEY_OFFSET (WRAP_NONCE_OFFSET + NONCE_BYTES)
#define WRAP_TAG_OFFSET (WRAPPED_KEY_OFFSET + KMS_KEY_BYTES)
#define HEADER_BYTES (WRAP_TAG_OFFSET + TAG_BYTES) /* 112 */
#define MAX_CHUNK_SIZE (16u << 20)

/* ------------------------------------------------------------ AES-256-GCM */

/* Encrypts (tag written) or decrypts (tag checked) n bytes of in into out;
 * 0 on success, -1 when the tag does not match or OpenSSL fails. */
static int gcm(int encrypt, const uint8_t key[KMS_KEY_BYTES], const uint8_t nonce[NONCE_BYTES],
               const uint8_t *aad, size_t aad_size, const uint8_t *in, size_t n, uint8_t *out,
               uint8_t tag[TAG_BYTES])
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int length = 0, ok = ctx && n <= 0x7fffffff && aad_size <= 0x7fffffff &&
                         EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce, encrypt) == 1;
    if (ok && aad_size)
        ok = EVP_CipherUpdate(ctx, NULL, &length, aad, (int)aad_size) == 1;
    if (ok && n)
        ok = EVP_CipherUpdate(ctx, out, &length, in, (int)n) == 1;
    if (ok && !encrypt)
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, tag) == 1;
    if (ok)
        ok = EVP_CipherFinal_ex(ctx, out + n, &length) == 1;
    if (ok && encrypt)
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, tag) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? 0 : -1;
}

static void chunk_nonce(uint64_t index, uint8_t nonce[NONCE_BYTES])
{
    memset(nonce, 0, NONCE_BYTES);
    for (int i = 0; i < 8; i++)
        nonce[NONCE_BYTES - 1 - i] = (uint8_t)(index >> (8 * i));
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ------------------------------------------------------------ writing */

struct sealed_writer {
    atomic_file file;
    uint8_t data_key[KMS_KEY_BYTES];
    uint64_t index;      /* of the chunk being filled */
    size_t fill;         /* plaintext bytes in plain */
    uint8_t plain[SEALED_CHUNK_SIZE];
    uint8_t sealed[SEALED_CHUNK_SIZE + TAG_BYTES];
};

static vgl_status write_chunk(sealed_writer *w, int final, vgl_error *err)
{
    uint8_t nonce[NONCE_BYTES], aad = (uint8_t)final;
    chunk_nonce(w->index, nonce);
    if (gcm(1, w->data_key, nonce, &aad, 1, w->plain, w->fill, w->sealed,
            w->sealed + w->fill) != 0)
        return vgl_error_set(err, VGL_EIO, "encrypting %s failed (OpenSSL)", w->file.path);
    /* the tag follows the ciphertext */
    vgl_status status = atomic_file_write(&w->file, w->sealed, w->fill + TAG_BYTES, err);
    w->index++;
    w->fill = 0;
    return status;
}

static vgl_status write_header(sealed_writer *w, const kms_key *key, vgl_error *err)
{
    uint8_t header[HEADER_BYTES] = {0};
    memcpy(header, MAGIC, sizeof MAGIC);
    put_u32(header + 8, FORMAT_VERSION);
    put_u32(header + 12, SEALED_CHUNK_SIZE);
    memcpy(header + KEY_ID_OFFSET, key->key_id, KMS_KEY_ID_LENGTH);
    if (RAND_bytes(w->data_key, KMS_KEY_BYTES) != 1 ||
        RAND_bytes(header + WRAP_NONCE_OFFSET, NONCE_BYTES) != 1)
        return vgl_error_set(err, VGL_EIO, "the system random generator failed");
    if (gcm(1, key->material, header + WRAP_NONCE_OFFSET, header, WRAP_AAD_BYTES, w->data_key,
            KMS_KEY_BYTES, header + WRAPPED_KEY_OFFSET, header + WRAP_TAG_OFFSET) != 0)
        return vgl_error_set(err, VGL_EIO, "wrapping the data key of %s failed (OpenSSL)",
                             w->file.path);
    return atomic_file_write(&w->file, header, sizeof header, err);
}

vgl_status sealed_writer_open(const char *path, const kms_key *key, sealed_writer **out,
                              vgl_error *err)
{
    sealed_writer *w = *out = calloc(1, sizeof *w);
    if (!w)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory writing %s", path);
    vgl_status status = atomic_file_open(&w->file, path, err);
    if (status != VGL_OK) {
        free(w);
        *out = NULL;
        return status;
    }
    status = write_header(w, key, err);
    if (status != VGL_OK) {
        sealed_writer_abort(w);
        *out = NULL;
    }
    return status;
}

vgl_status sealed_writer_write(sealed_writer *w, const void *data, size_t size, vgl_error *err)
{
    const uint8_t *p = data;
    while (size > 0) {
        size_t take = SEALED_CHUNK_SIZE - w->fill;
        if (take > size)
            take = size;
        memcpy(w->plain + w->fill, p, take);
        w->fill += take;
        p += take;
        size -= take;
        /* a full chunk is never the last one: the last is always shorter */
        if (w->fill == SEALED_CHUNK_SIZE) {
            vgl_status status = write_chunk(w, 0, err);
            if (status != VGL_OK)
                return status;
        }
    }
    return VGL_OK;
}

static void writer_free(sealed_writer *w)
{
    OPENSSL_cleanse(w, sizeof *w);
    free(w);
}

vgl_status sealed_writer_commit(sealed_writer *w, vgl_error *err)
{
    vgl_status status = write_chunk(w, 1, err);
    if (status == VGL_OK)
        status = atomic_file_commit(&w->file, err);
    else
        atomic_file_abort(&w->file);
    writer_free(w);
    return status;
}

void sealed_writer_abort(sealed_writer *w)
{
    if (!w)
        return;
    atomic_file_abort(&w->file);
    writer_free(w);
}

vgl_status sealed_file_write(const char *path, const kms_key *key, const void *data, size_t size,
                             vgl_error *err)
{
    sealed_writer *w = NULL;
    vgl_status status = sealed_writer_open(path, key, &w, err);
    if (status == VGL_OK && (status = sealed_writer_write(w, data, size, err)) != VGL_OK)
        sealed_writer_abort(w);
    else if (status == VGL_OK)
        status = sealed_writer_commit(w, err);
    return status;
}

/* ------------------------------------------------------------ reading */

/* Reads until size bytes or the end of the file; the count, or -1. */
static ssize_t read_full(int fd, uint8_t *buf, size_t size)
{
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* Checks the header and unwraps the data key with the key it names. */
static vgl_status open_header(int fd, const char *path, const kms_ring *ring,
                              uint8_t data_key[KMS_KEY_BYTES], uint32_t *chunk_size,
                              vgl_error *err)
{
    uint8_t header[HEADER_BYTES];
    ssize_t got = read_full(fd, header, sizeof header);
    if (got < 0)
        return vgl_error_set(err, VGL_EIO, "cannot read %s: %s", path, strerror(errno));
    if ((size_t)got < sizeof MAGIC || memcmp(header, MAGIC, sizeof MAGIC) != 0)
        return vgl_error_set(err, VGL_EFORMAT, "%s is not an encrypted Vigil file", path);
    if ((size_t)got < sizeof header)
        return vgl_error_set(err, VGL_EFORMAT, "%s is truncated: its header is %zd of %d bytes",
                             path, got, HEADER_BYTES);
    if (get_u32(header + 8) != FORMAT_VERSION)
        return vgl_error_set(err, VGL_EFORMAT,
                             "%s: encryption format version %u is not known (this build reads "
                             "version %d); the header may have been tampered with",
                             path, get_u32(header + 8), FORMAT_VERSION);
    *chunk_size = get_u32(header + 12);
    if (*chunk_size == 0 || *chunk_size > MAX_CHUNK_SIZE)
        return vgl_error_set(err, VGL_EFORMAT, "%s: its chunk size %u is out of range; the "
                             "header was tampered with", path, *chunk_size);
    char key_id[KMS_KEY_ID_LENGTH + 1];
    memcpy(key_id, header + KEY_ID_OFFSET, KMS_KEY_ID_LENGTH);
    key_id[KMS_KEY_ID_LENGTH] = 0;
    kms_key key;
    vgl_error key_err;
    if (kms_usable_key(ring, key_id, &key, &key_err) != VGL_OK)
        return vgl_error_set(err, key_err.status, "cannot decrypt %s: %s", path,
                             key_err.message);
    int wrong = gcm(0, key.material, header + WRAP_NONCE_OFFSET, header, WRAP_AAD_BYTES,
                    header + WRAPPED_KEY_OFFSET, KMS_KEY_BYTES, data_key,
                    header + WRAP_TAG_OFFSET) != 0;
    kms_key_clear(&key);
    if (wrong)
        return vgl_error_set(err, VGL_EFORMAT,
                             "%s: its data key does not unwrap with KMS key %s: the header was "
                             "tampered with or the key is not the one it was sealed with",
                             path, key_id);
    return VGL_OK;
}

static vgl_status read_body(int fd, const char *path, const uint8_t data_key[KMS_KEY_BYTES],
                            uint32_t chunk_size, sealed_sink sink, void *context,
                            vgl_error *err)
{
    uint8_t *sealed = malloc((size_t)chunk_size + TAG_BYTES);
    uint8_t *plain = malloc(chunk_size);
    vgl_status status = sealed && plain ? VGL_OK
                                        : vgl_error_set(err, VGL_ENOMEM,
                                                        "out of memory reading %s", path);
    for (uint64_t index = 0; status == VGL_OK; index++) {
        ssize_t got = read_full(fd, sealed, (size_t)chunk_size + TAG_BYTES);
        if (got < 0) {
            status = vgl_error_set(err, VGL_EIO, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        if (got < TAG_BYTES) {
            status = vgl_error_set(err, VGL_EFORMAT,
                                   "%s is truncated: it ends in or before chunk %llu, without "
                                   "its last chunk", path, (unsigned long long)index);
            break;
        }
        uint8_t final = (size_t)got < (size_t)chunk_size + TAG_BYTES, nonce[NONCE_BYTES];
        size_t n = (size_t)got - TAG_BYTES;
        chunk_nonce(index, nonce);
        if (gcm(0, data_key, nonce, &final, 1, sealed, n, plain, sealed + n) != 0) {
            status = vgl_error_set(err, VGL_EFORMAT,
                                   "%s: chunk %llu fails authentication: the file was "
                                   "truncated or tampered with", path, (unsigned long long)index);
            break;
        }
        if (n)
            status = sink(context, plain, n, err);
        if (final)
            break;
    }
    if (plain)
        OPENSSL_cleanse(plain, chunk_size);
    free(plain);
    free(sealed);
    return status;
}

vgl_status sealed_file_read(const char *path, const kms_ring *ring, sealed_sink sink,
                            void *context, vgl_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vgl_error_set(err, errno == ENOENT ? VGL_ENOTFOUND : VGL_EIO,
                             "cannot open %s: %s", path, strerror(errno));
    uint8_t data_key[KMS_KEY_BYTES];
    uint32_t chunk_size = 0;
    vgl_status status = open_header(fd, path, ring, data_key, &chunk_size, err);
    if (status == VGL_OK)
        status = read_body(fd, path, data_key, chunk_size, sink, context, err);
    OPENSSL_cleanse(data_key, sizeof data_key);
    close(fd);
    return status;
}

typedef struct memory_sink {
    const char *path;
    uint8_t *data;
    size_t size, capacity, max_size;
} memory_sink;

static vgl_status append_to_memory(void *context, const uint8_t *data, size_t size,
                                   vgl_error *err)
{
    memory_sink *m = context;
    if (size > m->max_size - m->size)
        return vgl_error_set(err, VGL_ELIMIT, "%s holds more than %zu bytes", m->path,
                             m->max_size);
    if (m->size + size > m->capacity) {
        size_t capacity = m->capacity ? m->capacity : SEALED_CHUNK_SIZE;
        while (capacity < m->size + size)
            capacity *= 2;
        uint8_t *grown = realloc(m->data, capacity);
        if (!grown)
            return vgl_error_set(err, VGL_ENOMEM, "out of memory reading %s", m->path);
        m->data = grown;
        m->capacity = capacity;
    }
    memcpy(m->data + m->size, data, size);
    m->size += size;
    return VGL_OK;
}

vgl_status sealed_file_read_all(const char *path, const kms_ring *ring, size_t max_size,
                                uint8_t **data, size_t *size, vgl_error *err)
{
    memory_sink m = {.path = path, .max_size = max_size};
    vgl_status status = sealed_file_read(path, ring, append_to_memory, &m, err);
    if (status != VGL_OK) {
        free(m.data);
        m.data = NULL;
        m.size = 0;
    }
    *data = m.data;
    *size = m.size;
    return status;
}

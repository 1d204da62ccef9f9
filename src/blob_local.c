/*
 * blob_local.c - the embedded object store: buckets and objects in a local
 * directory; see blob.h.
 *
 * Layout under the store's directory:
 *
 *   buckets/<bucket>/objects/<h0h1>/<sha256(key) hex>   one file per object
 *   uploads/<upload id>/upload                           a multipart upload's header
 *   uploads/<upload id>/part-NNNNN                       its parts, raw bytes
 *   tmp/                                                 files and folders being written or deleted
 *
 * A key never becomes a path: objects are named by the SHA-256 of their key,
 * so '/', "..", spaces and 1024-byte keys are all just bytes.  An object file
 * is a 4 KiB text header block (key, size, mtime, ETag, content type; NUL
 * padded) followed by the bytes, so one rename replaces data and metadata
 * together and a reader sees the old object or the new one.  Every write goes
 * to tmp/ first, is fsync'ed, renamed into place, and the folder fsync'ed.
 * Listing reads the header of every object of the bucket and sorts by key:
 * simple and always consistent, linear in the bucket's size.
 */
#include "blob.h"
#include "blob_listing.h"
#include "error.h"

#include <openssl/evp.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER_BLOCK 4096
#define HEADER_MAGIC "vigil-object 1\n"
#define KEY_MAX 1024
#define PART_MAX 10000
#define TMP_MAX_AGE (24 * 3600) /* leftovers of a crash older than this are removed at open */

typedef struct local_store {
    blob_store base;
    char *dir;
} local_store;

/* What an object file's (or an upload's) header block says. */
typedef struct object_header {
    char bucket[64];
    char key[KEY_MAX + 1];
    blob_info info;
} object_header;

/* ------------------------------------------------------------ names */

/* S3's rules: 3..63 characters of lowercase letters, digits, '.' and '-',
 * starting and ending with a letter or digit, no "..", not an IPv4 address.
 * They also make a bucket name a safe folder name. */
static int bucket_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n < 3 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            return 0;
    }
    if (name[0] == '.' || name[0] == '-' || name[n - 1] == '.' || name[n - 1] == '-')
        return 0;
    if (strstr(name, "..") || strstr(name, ".-") || strstr(name, "-."))
        return 0;
    unsigned a, b, c, d;
    char rest;
    return sscanf(name, "%u.%u.%u.%u%c", &a, &b, &c, &d, &rest) != 4;
}

/* Well-formed UTF-8 without overlong forms or surrogates. */
static int utf8_valid(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s, len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!len)
            return 0;
        unsigned cp = len == 1 ? c : c & (0x7f >> len);
        for (unsigned i = 1; i < len; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i] & 0x3f);
        }
        static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        s += len;
    }
    return 1;
}

static vgl_status check_bucket(const char *bucket, vgl_error *err)
{
    if (!bucket_name_valid(bucket))
        return vgl_error_set(err, VGL_EINVAL, "'%.80s' is not a valid bucket name", bucket);
    return VGL_OK;
}

static vgl_status check_names(const char *bucket, const char *key, vgl_error *err)
{
    if (check_bucket(bucket, err) != VGL_OK)
        return VGL_EINVAL;
    size_t n = strlen(key);
    if (n == 0 || n > KEY_MAX || !utf8_valid((const unsigned char *)key))
        return vgl_error_set(err, VGL_EINVAL, "an object key is 1 to %d bytes of UTF-8", KEY_MAX);
    return VGL_OK;
}

/* ------------------------------------------------------------ paths */

static void hex(const unsigned char *bytes, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", bytes[i]);
}

static void bucket_path(const local_store *s, const char *bucket, char path[PATH_MAX])
{
    snprintf(path, PATH_MAX, "%s/buckets/%s", s->dir, bucket);
}

/* The object file of a key, and its fan-out folder. */
static void object_path(const local_store *s, const char *bucket, const char *key,
                        char path[PATH_MAX], char folder[PATH_MAX])
{
    unsigned char digest[32];
    char name[65];
    EVP_Digest(key, strlen(key), digest, NULL, EVP_sha256(), NULL);
    hex(digest, sizeof digest, name);
    snprintf(folder, PATH_MAX, "%s/buckets/%s/objects/%.2s", s->dir, bucket, name);
    snprintf(path, PATH_MAX, "%s/%s", folder, name);
}

static void upload_path(const local_store *s, const char *upload_id, const char *file,
                        char path[PATH_MAX])
{
    snprintf(path, PATH_MAX, "%s/uploads/%s%s%s", s->dir, upload_id, file ? "/" : "", file ? file : "");
}

/* A fresh name in tmp/: 16 random bytes, so concurrent writers never meet. */
static vgl_status tmp_path(const local_store *s, const char *kind, char path[PATH_MAX], vgl_error *err)
{
    unsigned char bytes[16];
    char name[33];
    if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes)
        return vgl_error_set(err, VGL_EIO, "no random bytes: %s", strerror(errno));
    hex(bytes, sizeof bytes, name);
    snprintf(path, PATH_MAX, "%s/tmp/%s-%s", s->dir, kind, name);
    return VGL_OK;
}

/* ------------------------------------------------------------ file helpers */

static vgl_status io_error(vgl_error *err, const char *what, const char *path)
{
    return vgl_error_set(err, VGL_EIO, "cannot %s %s: %s", what, path, strerror(errno));
}

static vgl_status fsync_dir(const char *path, vgl_error *err)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return io_error(err, "open folder", path);
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? VGL_OK : io_error(err, "sync folder", path);
}

static vgl_status mkdir_if_missing(const char *path, vgl_error *err)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return io_error(err, "create folder", path);
    return VGL_OK;
}

static vgl_status write_all(int fd, const void *data, size_t size, off_t offset, const char *path,
                            vgl_error *err)
{
    const uint8_t *p = data;
    while (size) {
        ssize_t n = pwrite(fd, p, size, offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return io_error(err, "write", path);
        p += n;
        size -= (size_t)n;
        offset += n;
    }
    return VGL_OK;
}

/* Reads up to size bytes at offset; *got says how many (less only at the end). */
static vgl_status read_at(int fd, void *data, size_t size, off_t offset, size_t *got,
                          const char *path, vgl_error *err)
{
    uint8_t *p = data;
    *got = 0;
    while (*got < size) {
        ssize_t n = pread(fd, p + *got, size - *got, offset + (off_t)*got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return io_error(err, "read", path);
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    return VGL_OK;
}

/* Syncs and closes a finished temp file, then renames it to path and syncs
 * path's folder; the temp file is removed on failure. */
static vgl_status commit_file(int fd, const char *tmp, const char *path, const char *folder,
                              vgl_error *err)
{
    if (fsync(fd) != 0) {
        io_error(err, "sync", tmp);
        close(fd);
        unlink(tmp);
        return VGL_EIO;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        io_error(err, "rename into", path);
        unlink(tmp);
        return VGL_EIO;
    }
    return fsync_dir(folder, err);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

/* Removes a folder tree: first renamed into tmp/, so it vanishes at once
 * even if the removal is cut short. */
static vgl_status remove_tree(const local_store *s, const char *path, vgl_error *err)
{
    char doomed[PATH_MAX];
    if (tmp_path(s, "deleted", doomed, err) != VGL_OK)
        return VGL_EIO;
    if (rename(path, doomed) != 0)
        return errno == ENOENT ? vgl_error_set(err, VGL_ENOTFOUND, "%s is gone", path)
                               : io_error(err, "remove", path);
    nftw(doomed, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return VGL_OK;
}

/* ------------------------------------------------------------ header blocks */

/* Content types travel in HTTP headers: keep printable ASCII only. */
static void content_type_copy(char *dst, size_t size, const char *src)
{
    size_t n = 0;
    for (; src && *src && n + 1 < size; src++)
        if (*src >= 0x20 && *src < 0x7f)
            dst[n++] = *src;
    dst[n] = 0;
    if (!n)
        snprintf(dst, size, "binary/octet-stream");
}

static void header_format(const object_header *h, char block[HEADER_BLOCK])
{
    memset(block, 0, HEADER_BLOCK);
    int n = snprintf(block, HEADER_BLOCK,
                     HEADER_MAGIC "size %llu\nmtime %lld\netag %s\ncontent-type %s\nbucket %s\nkey %zu\n",
                     (unsigned long long)h->info.size, (long long)h->info.modified, h->info.etag,
                     h->info.content_type, h->bucket, strlen(h->key));
    /* The longest fields sum to well under the block: the key always fits. */
    memcpy(block + n, h->key, strlen(h->key));
}

/* Reads "name value\n" at *p into value (at most size - 1 bytes). */
static int header_field(const char **p, const char *end, const char *name, char *value, size_t size)
{
    size_t n = strlen(name);
    if ((size_t)(end - *p) <= n || memcmp(*p, name, n) != 0 || (*p)[n] != ' ')
        return 0;
    const char *start = *p + n + 1, *nl = memchr(start, '\n', (size_t)(end - start));
    if (!nl || (size_t)(nl - start) >= size)
        return 0;
    memcpy(value, start, (size_t)(nl - start));
    value[nl - start] = 0;
    *p = nl + 1;
    return 1;
}

static int header_parse(const char *block, size_t size, object_header *h)
{
    const char *p = block, *end = block + size;
    char num[32], num2[32], keylen[16];
    size_t magic = strlen(HEADER_MAGIC);
    if (size < magic || memcmp(p, HEADER_MAGIC, magic) != 0)
        return 0;
    p += magic;
    if (!header_field(&p, end, "size", num, sizeof num) || !header_field(&p, end, "mtime", num2, sizeof num2)
        || !header_field(&p, end, "etag", h->info.etag, sizeof h->info.etag)
        || !header_field(&p, end, "content-type", h->info.content_type, sizeof h->info.content_type)
        || !header_field(&p, end, "bucket", h->bucket, sizeof h->bucket)
        || !header_field(&p, end, "key", keylen, sizeof keylen))
        return 0;
    size_t n = strtoul(keylen, NULL, 10);
    if (n == 0 || n > KEY_MAX || (size_t)(end - p) < n)
        return 0;
    memcpy(h->key, p, n);
    h->key[n] = 0;
    h->info.size = strtoull(num, NULL, 10);
    h->info.modified = (time_t)strtoll(num2, NULL, 10);
    return 1;
}

/* Opens an object or upload file and reads its header; VGL_ENOTFOUND when
 * missing (or not the key asked for: a hash collision counts as missing). */
static vgl_status header_open(const char *path, const char *key, object_header *h, int *fd_out,
                              vgl_error *err)
{
    char block[HEADER_BLOCK];
    size_t got;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return errno == ENOENT ? vgl_error_set(err, VGL_ENOTFOUND, "no such object")
                               : io_error(err, "open", path);
    if (read_at(fd, block, sizeof block, 0, &got, path, err) != VGL_OK) {
        close(fd);
        return VGL_EIO;
    }
    if (got < sizeof block || !header_parse(block, got, h)) {
        close(fd);
        return vgl_error_set(err, VGL_EIO, "%s is not an object file", path);
    }
    if (key && strcmp(h->key, key) != 0) {
        close(fd);
        return vgl_error_set(err, VGL_ENOTFOUND, "no such object");
    }
    if (fd_out)
        *fd_out = fd;
    else
        close(fd);
    return VGL_OK;
}

static void md5_etag(const unsigned char digest[16], int parts, char *etag, size_t size)
{
    char h[33];
    hex(digest, 16, h);
    if (parts)
        snprintf(etag, size, "\"%s-%d\"", h, parts);
    else
        snprintf(etag, size, "\"%s\"", h);
}

/* ------------------------------------------------------------ buckets */

static local_store *local(blob_store *store)
{
    return (local_store *)store;
}

static vgl_status local_bucket_exists(blob_store *store, const char *bucket, vgl_error *err)
{
    char path[PATH_MAX];
    struct stat st;
    if (check_bucket(bucket, err) != VGL_OK)
        return VGL_EINVAL;
    bucket_path(local(store), bucket, path);
    if (stat(path, &st) != 0)
        return vgl_error_set(err, VGL_ENOTFOUND, "the bucket %s does not exist", bucket);
    return VGL_OK;
}

/* Builds the bucket in tmp/ and renames it into place: creation is atomic and
 * the rename itself refuses an existing bucket.  The bucket folder is never
 * written again, so its mtime is the creation date. */
static vgl_status local_bucket_create(blob_store *store, const char *bucket, vgl_error *err)
{
    local_store *s = local(store);
    char tmp[PATH_MAX], objects[PATH_MAX + 8], path[PATH_MAX], parent[PATH_MAX];
    if (check_bucket(bucket, err) != VGL_OK)
        return VGL_EINVAL;
    if (tmp_path(s, "bucket", tmp, err) != VGL_OK || mkdir_if_missing(tmp, err) != VGL_OK)
        return VGL_EIO;
    snprintf(objects, sizeof objects, "%s/objects", tmp);
    if (mkdir_if_missing(objects, err) != VGL_OK) {
        rmdir(tmp);
        return VGL_EIO;
    }
    bucket_path(s, bucket, path);
    if (rename(tmp, path) != 0) {
        int e = errno;
        rmdir(objects);
        rmdir(tmp);
        if (e == EEXIST || e == ENOTEMPTY)
            return vgl_error_set(err, VGL_EINVAL, "the bucket %s already exists", bucket);
        errno = e;
        return io_error(err, "create bucket", path);
    }
    snprintf(parent, sizeof parent, "%s/buckets", s->dir);
    return fsync_dir(parent, err);
}

/* Calls fn on every object file of a bucket (a non-zero return stops). */
static vgl_status bucket_walk(local_store *s, const char *bucket,
                              int (*fn)(const char *path, void *ctx), void *ctx, vgl_error *err)
{
    char objects[PATH_MAX];
    snprintf(objects, sizeof objects, "%s/buckets/%s/objects", s->dir, bucket);
    DIR *top = opendir(objects);
    if (!top)
        return errno == ENOENT ? vgl_error_set(err, VGL_ENOTFOUND, "the bucket %s does not exist", bucket)
                               : io_error(err, "read", objects);
    struct dirent *fan;
    int stop = 0;
    while (!stop && (fan = readdir(top))) {
        if (strlen(fan->d_name) != 2)
            continue;
        char folder[PATH_MAX + 4];
        snprintf(folder, sizeof folder, "%s/%.2s", objects, fan->d_name);
        DIR *d = opendir(folder);
        if (!d)
            continue;
        struct dirent *e;
        while (!stop && (e = readdir(d))) {
            if (strlen(e->d_name) != 64)
                continue;
            char path[PATH_MAX + 72];
            snprintf(path, sizeof path, "%s/%.64s", folder, e->d_name);
            stop = fn(path, ctx);
        }
        closedir(d);
    }
    closedir(top);
    return VGL_OK;
}

static int found_one(const char *path, void *ctx)
{
    (void)path;
    *(int *)ctx = 1;
    return 1;
}

static vgl_status local_bucket_delete(blob_store *store, const char *bucket, vgl_error *err)
{
    local_store *s = local(store);
    int any = 0;
    char path[PATH_MAX];
    if (check_bucket(bucket, err) != VGL_OK)
        return VGL_EINVAL;
    vgl_status status = bucket_walk(s, bucket, found_one, &any, err);
    if (status != VGL_OK)
        return status;
    if (any)
        return vgl_error_set(err, VGL_EINVAL, "the bucket %s is not empty", bucket);
    bucket_path(s, bucket, path);
    return remove_tree(s, path, err);
}

static int name_compare(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static vgl_status local_bucket_list(blob_store *store, char ***names_out, time_t **created_out,
                                    size_t *count_out, vgl_error *err)
{
    local_store *s = local(store);
    char folder[PATH_MAX];
    snprintf(folder, sizeof folder, "%s/buckets", s->dir);
    DIR *d = opendir(folder);
    if (!d)
        return io_error(err, "read", folder);
    char **names = NULL;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!bucket_name_valid(e->d_name))
            continue;
        char **grown = realloc(names, (count + 1) * sizeof *names);
        if (!grown || !(grown[count] = strdup(e->d_name))) {
            names = grown ? grown : names;
            for (size_t i = 0; i < count; i++)
                free(names[i]);
            free(names);
            closedir(d);
            return vgl_error_set(err, VGL_ENOMEM, "out of memory listing buckets");
        }
        names = grown;
        count++;
    }
    closedir(d);
    if (count)
        qsort(names, count, sizeof *names, name_compare);
    time_t *created = calloc(count ? count : 1, sizeof *created);
    if (!created) {
        for (size_t i = 0; i < count; i++)
            free(names[i]);
        free(names);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory listing buckets");
    }
    for (size_t i = 0; i < count; i++) {
        char path[PATH_MAX];
        struct stat st;
        bucket_path(s, names[i], path);
        created[i] = stat(path, &st) == 0 ? st.st_mtime : 0;
    }
    *names_out = names;
    *created_out = created;
    *count_out = count;
    return VGL_OK;
}

/* ------------------------------------------------------------ objects */

/* Creates a new temp file for an object, open for writing; object_commit
 * finishes it. */
static vgl_status tmp_object_create(local_store *s, char tmp[PATH_MAX], int *fd_out, vgl_error *err)
{
    if (tmp_path(s, "object", tmp, err) != VGL_OK)
        return VGL_EIO;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0)
        return io_error(err, "create", tmp);
    *fd_out = fd;
    return VGL_OK;
}

/* Writes the header block of a finished temp object and renames it over the
 * key's object file. */
static vgl_status object_commit(local_store *s, int fd, const char *tmp, const object_header *h,
                                vgl_error *err)
{
    char block[HEADER_BLOCK], path[PATH_MAX], folder[PATH_MAX];
    header_format(h, block);
    if (write_all(fd, block, sizeof block, 0, tmp, err) != VGL_OK) {
        close(fd);
        unlink(tmp);
        return VGL_EIO;
    }
    object_path(s, h->bucket, h->key, path, folder);
    if (mkdir_if_missing(folder, err) != VGL_OK) {
        close(fd);
        unlink(tmp);
        return VGL_EIO;
    }
    return commit_file(fd, tmp, path, folder, err);
}

static void header_init(object_header *h, const char *bucket, const char *key,
                              const char *content_type)
{
    memset(h, 0, sizeof *h);
    snprintf(h->bucket, sizeof h->bucket, "%s", bucket);
    memcpy(h->key, key, strlen(key) + 1);
    content_type_copy(h->info.content_type, sizeof h->info.content_type, content_type);
    h->info.modified = time(NULL);
}

/* Fills a new object file's data part (from HEADER_BLOCK on). */
typedef vgl_status (*object_filler)(int fd, const char *tmp, const void *source, uint64_t size,
                                    vgl_error *err);

/* A new object of size bytes with the given MD5, its bytes from fill. */
static vgl_status object_put(blob_store *store, const char *bucket, const char *key,
                             object_filler fill, const void *source, uint64_t size,
                             const unsigned char md5[16], const char *content_type,
                             blob_info *info, vgl_error *err)
{
    local_store *s = local(store);
    object_header h;
    char tmp[PATH_MAX];
    int fd = -1;
    if (check_names(bucket, key, err) != VGL_OK)
        return VGL_EINVAL;
    vgl_status status = local_bucket_exists(store, bucket, err);
    if (status != VGL_OK)
        return status;
    header_init(&h, bucket, key, content_type);
    h.info.size = size;
    md5_etag(md5, 0, h.info.etag, sizeof h.info.etag);
    if (tmp_object_create(s, tmp, &fd, err) != VGL_OK)
        return VGL_EIO;
    if (fill(fd, tmp, source, size, err) != VGL_OK) {
        close(fd);
        unlink(tmp);
        return VGL_EIO;
    }
    status = object_commit(s, fd, tmp, &h, err);
    if (status == VGL_OK && info)
        *info = h.info;
    return status;
}

static vgl_status fill_from_memory(int fd, const char *tmp, const void *data, uint64_t size,
                                   vgl_error *err)
{
    return write_all(fd, data, (size_t)size, HEADER_BLOCK, tmp, err);
}

static vgl_status local_put(blob_store *store, const char *bucket, const char *key, const void *data,
                            size_t size, const char *content_type, blob_info *info, vgl_error *err)
{
    unsigned char digest[16];
    EVP_Digest(data, size, digest, NULL, EVP_md5(), NULL);
    return object_put(store, bucket, key, fill_from_memory, data, size, digest, content_type, info,
                      err);
}

/* Copies size bytes of the file at src into fd from offset on, in the
 * kernel where it can (copy_file_range), else through a small buffer. */
static vgl_status copy_from_file(int fd, off_t offset, const char *src, uint64_t size,
                                 const char *path, vgl_error *err)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return io_error(err, "open", src);
    off_t in_offset = 0, out_offset = offset;
    uint64_t left = size;
    vgl_status status = VGL_OK;
    while (left && status == VGL_OK) {
        ssize_t n = copy_file_range(in, &in_offset, fd, &out_offset, left, 0);
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL)) {
            uint8_t buffer[1 << 16];
            n = pread(in, buffer, left < sizeof buffer ? left : sizeof buffer, in_offset);
            if (n > 0 && (status = write_all(fd, buffer, (size_t)n, out_offset, path, err)) == VGL_OK)
                in_offset += n, out_offset += n;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (status == VGL_OK && n <= 0)
            status = io_error(err, n == 0 ? "read (it ended early)" : "copy", src);
        else if (status == VGL_OK)
            left -= (uint64_t)n;
    }
    close(in);
    return status;
}

static vgl_status fill_from_file(int fd, const char *tmp, const void *src, uint64_t size,
                                 vgl_error *err)
{
    return copy_from_file(fd, HEADER_BLOCK, src, size, tmp, err);
}

static vgl_status local_put_file(blob_store *store, const char *bucket, const char *key,
                                 const char *src, uint64_t size, const unsigned char md5[16],
                                 const char *content_type, blob_info *info, vgl_error *err)
{
    return object_put(store, bucket, key, fill_from_file, src, size, md5, content_type, info, err);
}

/* Opens a key's object file after checking names and bucket. */
static vgl_status object_open(blob_store *store, const char *bucket, const char *key,
                              object_header *h, int *fd, vgl_error *err)
{
    char path[PATH_MAX], folder[PATH_MAX];
    if (check_names(bucket, key, err) != VGL_OK)
        return VGL_EINVAL;
    vgl_status status = local_bucket_exists(store, bucket, err);
    if (status != VGL_OK)
        return status;
    object_path(local(store), bucket, key, path, folder);
    status = header_open(path, key, h, fd, err);
    if (status == VGL_ENOTFOUND)
        vgl_error_set(err, VGL_ENOTFOUND, "no object %.200s in bucket %s", key, bucket);
    return status;
}

static vgl_status read_body(int fd, uint64_t offset, uint64_t length, uint8_t **data, vgl_error *err)
{
    size_t got;
    uint8_t *buffer = malloc(length ? length : 1);
    if (!buffer)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory reading an object");
    if (read_at(fd, buffer, length, (off_t)(HEADER_BLOCK + offset), &got, "an object", err) != VGL_OK) {
        free(buffer);
        return VGL_EIO;
    }
    if (got != length) {
        free(buffer);
        return vgl_error_set(err, VGL_EIO, "an object file is shorter than its header says");
    }
    *data = buffer;
    return VGL_OK;
}

static vgl_status local_get(blob_store *store, const char *bucket, const char *key, uint8_t **data,
                            size_t *size, blob_info *info, vgl_error *err)
{
    object_header h;
    int fd = -1;
    vgl_status status = object_open(store, bucket, key, &h, &fd, err);
    if (status != VGL_OK)
        return status;
    status = read_body(fd, 0, h.info.size, data, err);
    close(fd);
    if (status == VGL_OK) {
        *size = (size_t)h.info.size;
        if (info)
            *info = h.info;
    }
    return status;
}

static vgl_status local_get_range(blob_store *store, const char *bucket, const char *key,
                                  uint64_t offset, uint64_t length, uint8_t **data, vgl_error *err)
{
    object_header h;
    int fd = -1;
    vgl_status status = object_open(store, bucket, key, &h, &fd, err);
    if (status != VGL_OK)
        return status;
    if (offset > h.info.size || length > h.info.size - offset)
        status = vgl_error_set(err, VGL_EINVAL, "bytes %llu..%llu are outside the object's %llu",
                               (unsigned long long)offset, (unsigned long long)(offset + length),
                               (unsigned long long)h.info.size);
    else
        status = read_body(fd, offset, length, data, err);
    close(fd);
    return status;
}

static vgl_status local_head(blob_store *store, const char *bucket, const char *key, blob_info *info,
                             vgl_error *err)
{
    object_header h;
    vgl_status status = object_open(store, bucket, key, &h, NULL, err);
    if (status == VGL_OK)
        *info = h.info;
    return status;
}

static vgl_status local_remove(blob_store *store, const char *bucket, const char *key, vgl_error *err)
{
    char path[PATH_MAX], folder[PATH_MAX];
    if (check_names(bucket, key, err) != VGL_OK)
        return VGL_EINVAL;
    vgl_status status = local_bucket_exists(store, bucket, err);
    if (status != VGL_OK)
        return status;
    object_path(local(store), bucket, key, path, folder);
    if (unlink(path) == 0)
        return fsync_dir(folder, err);
    return errno == ENOENT ? VGL_OK : io_error(err, "remove", path);
}

/* ------------------------------------------------------------ listing */

typedef struct collect_ctx {
    blob_entry *entries;
    size_t count, capacity;
    const char *prefix;
    int failed;
} collect_ctx;

static int collect_entry(const char *path, void *arg)
{
    collect_ctx *c = arg;
    object_header h;
    /* An object removed or unreadable since readdir is simply not listed. */
    if (header_open(path, NULL, &h, NULL, NULL) != VGL_OK
        || strncmp(h.key, c->prefix, strlen(c->prefix)) != 0)
        return 0;
    if (c->count == c->capacity) {
        size_t capacity = c->capacity ? 2 * c->capacity : 64;
        blob_entry *grown = realloc(c->entries, capacity * sizeof *grown);
        if (!grown)
            return c->failed = 1;
        c->entries = grown;
        c->capacity = capacity;
    }
    if (!(c->entries[c->count].key = strdup(h.key)))
        return c->failed = 1;
    c->entries[c->count++].info = h.info;
    return 0;
}

static vgl_status local_list(blob_store *store, const char *bucket, const char *prefix,
                             const char *delimiter, const char *start_after, size_t max_keys,
                             blob_listing *out, vgl_error *err)
{
    collect_ctx c = {.prefix = prefix ? prefix : ""};
    if (check_bucket(bucket, err) != VGL_OK)
        return VGL_EINVAL;
    vgl_status status = bucket_walk(local(store), bucket, collect_entry, &c, err);
    if (status == VGL_OK && c.failed)
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory listing bucket %s", bucket);
    if (status == VGL_OK) {
        blob_entries_sort(c.entries, c.count);
        status = blob_listing_select(c.entries, c.count, prefix, delimiter, start_after, max_keys,
                                     out, err);
    }
    blob_entries_free(c.entries, c.count);
    return status;
}

/* ------------------------------------------------------------ multipart uploads */

static int upload_id_valid(const char *id)
{
    size_t n = strlen(id);
    return n == 32 && strspn(id, "0123456789abcdef") == n;
}

/* Reads an upload's header and checks it belongs to bucket/key. */
static vgl_status upload_open(local_store *s, const char *bucket, const char *key,
                              const char *upload_id, object_header *h, vgl_error *err)
{
    char path[PATH_MAX];
    if (check_names(bucket, key, err) != VGL_OK)
        return VGL_EINVAL;
    if (!upload_id_valid(upload_id))
        return vgl_error_set(err, VGL_ENOTFOUND, "no such upload");
    upload_path(s, upload_id, "upload", path);
    vgl_status status = header_open(path, key, h, NULL, err);
    if (status == VGL_OK && strcmp(h->bucket, bucket) != 0)
        status = VGL_ENOTFOUND;
    if (status == VGL_ENOTFOUND)
        vgl_error_set(err, VGL_ENOTFOUND, "no upload %s for %.200s in bucket %s", upload_id, key, bucket);
    return status;
}

/* Writes a small file atomically: temp file, fsync, rename, fsync folder. */
static vgl_status file_write_atomic(local_store *s, const char *path, const char *folder,
                                    const void *data, size_t size, vgl_error *err)
{
    char tmp[PATH_MAX];
    int fd = -1;
    if (tmp_object_create(s, tmp, &fd, err) != VGL_OK)
        return VGL_EIO;
    if (write_all(fd, data, size, 0, tmp, err) != VGL_OK) {
        close(fd);
        unlink(tmp);
        return VGL_EIO;
    }
    return commit_file(fd, tmp, path, folder, err);
}

static vgl_status local_multipart_create(blob_store *store, const char *bucket, const char *key,
                                         const char *content_type, char *upload_id, size_t id_size,
                                         vgl_error *err)
{
    local_store *s = local(store);
    object_header h;
    char block[HEADER_BLOCK], tmp[PATH_MAX], file[PATH_MAX + 8], path[PATH_MAX], parent[PATH_MAX];
    if (check_names(bucket, key, err) != VGL_OK)
        return VGL_EINVAL;
    if (id_size < 33)
        return vgl_error_set(err, VGL_EINVAL, "an upload id needs 33 bytes");
    vgl_status status = local_bucket_exists(store, bucket, err);
    if (status != VGL_OK)
        return status;
    header_init(&h, bucket, key, content_type);
    header_format(&h, block);
    /* The upload folder is built in tmp/ and renamed: it appears complete. */
    if (tmp_path(s, "upload", tmp, err) != VGL_OK || mkdir_if_missing(tmp, err) != VGL_OK)
        return VGL_EIO;
    snprintf(file, sizeof file, "%s/upload", tmp);
    status = file_write_atomic(s, file, tmp, block, sizeof block, err);
    snprintf(upload_id, id_size, "%s", strrchr(tmp, '-') + 1);
    upload_path(s, upload_id, NULL, path);
    if (status == VGL_OK && rename(tmp, path) != 0)
        status = io_error(err, "create upload", path);
    if (status != VGL_OK) {
        unlink(file);
        rmdir(tmp);
        return status;
    }
    snprintf(parent, sizeof parent, "%s/uploads", s->dir);
    return fsync_dir(parent, err);
}

static vgl_status local_multipart_put(blob_store *store, const char *bucket, const char *key,
                                      const char *upload_id, int part, const void *data, size_t size,
                                      char *etag, size_t etag_size, vgl_error *err)
{
    local_store *s = local(store);
    object_header h;
    char name[16], path[PATH_MAX], folder[PATH_MAX];
    unsigned char digest[16];
    vgl_status status = upload_open(s, bucket, key, upload_id, &h, err);
    if (status != VGL_OK)
        return status;
    if (part < 1 || part > PART_MAX)
        return vgl_error_set(err, VGL_EINVAL, "part numbers go from 1 to %d", PART_MAX);
    snprintf(name, sizeof name, "part-%05d", part);
    upload_path(s, upload_id, name, path);
    upload_path(s, upload_id, NULL, folder);
    status = file_write_atomic(s, path, folder, data, size, err);
    if (status != VGL_OK)
        return status;
    EVP_Digest(data, size, digest, NULL, EVP_md5(), NULL);
    md5_etag(digest, 0, etag, etag_size);
    return VGL_OK;
}

static vgl_status local_multipart_put_file(blob_store *store, const char *bucket,
                                           const char *key, const char *upload_id, int part,
                                           const char *src, uint64_t size,
                                           const unsigned char md5[16], char *etag,
                                           size_t etag_size, vgl_error *err)
{
    local_store *s = local(store);
    object_header h;
    char name[16], path[PATH_MAX], folder[PATH_MAX], tmp[PATH_MAX];
    int fd = -1;
    vgl_status status = upload_open(s, bucket, key, upload_id, &h, err);
    if (status != VGL_OK)
        return status;
    if (part < 1 || part > PART_MAX)
        return vgl_error_set(err, VGL_EINVAL, "part numbers go from 1 to %d", PART_MAX);
    snprintf(name, sizeof name, "part-%05d", part);
    upload_path(s, upload_id, name, path);
    upload_path(s, upload_id, NULL, folder);
    if (tmp_object_create(s, tmp, &fd, err) != VGL_OK)
        return VGL_EIO;
    if (copy_from_file(fd, 0, src, size, tmp, err) != VGL_OK) {
        close(fd);
        unlink(tmp);
        return VGL_EIO;
    }
    if ((status = commit_file(fd, tmp, path, folder, err)) != VGL_OK)
        return status;
    md5_etag(md5, 0, etag, etag_size);
    return VGL_OK;
}

/* Compares a client's ETag, quoted or not, with a part's MD5 in hex. */
static int etag_matches(const char *given, const unsigned char digest[16])
{
    char h[33];
    hex(digest, 16, h);
    size_t n = strlen(given);
    if (n >= 2 && given[0] == '"' && given[n - 1] == '"')
        return n - 2 == 32 && strncasecmp(given + 1, h, 32) == 0;
    return n == 32 && strcasecmp(given, h) == 0;
}

/* Appends one part file to the temp object at *offset, hashing it. */
static vgl_status append_part(local_store *s, const char *upload_id, int part, const char *etag,
                              int out_fd, uint64_t *offset, EVP_MD_CTX *whole, vgl_error *err)
{
    char name[16], path[PATH_MAX];
    snprintf(name, sizeof name, "part-%05d", part);
    upload_path(s, upload_id, name, path);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return vgl_error_set(err, VGL_EINVAL, "part %d was never uploaded", part);
    EVP_MD_CTX *md5 = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md5, EVP_md5(), NULL);
    uint8_t buffer[1 << 16];
    vgl_status status = VGL_OK;
    for (;;) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            status = io_error(err, "read", path);
            break;
        }
        if (n == 0)
            break;
        EVP_DigestUpdate(md5, buffer, (size_t)n);
        status = write_all(out_fd, buffer, (size_t)n, (off_t)(HEADER_BLOCK + *offset), "an object", err);
        if (status != VGL_OK)
            break;
        *offset += (uint64_t)n;
    }
    close(fd);
    unsigned char digest[16];
    EVP_DigestFinal_ex(md5, digest, NULL);
    EVP_MD_CTX_free(md5);
    if (status == VGL_OK && !etag_matches(etag, digest))
        status = vgl_error_set(err, VGL_EINVAL, "part %d's ETag %.70s is not the uploaded one", part, etag);
    if (status == VGL_OK)
        EVP_DigestUpdate(whole, digest, sizeof digest);
    return status;
}

/* Every listed part but the last holds at least min_size bytes. */
static vgl_status check_part_sizes(local_store *s, const char *upload_id, const int *parts,
                                   size_t n_parts, uint64_t min_size, vgl_error *err)
{
    for (size_t i = 0; i + 1 < n_parts; i++) {
        char name[16], path[PATH_MAX];
        struct stat st;
        snprintf(name, sizeof name, "part-%05d", parts[i]);
        upload_path(s, upload_id, name, path);
        if (stat(path, &st) == 0 && (uint64_t)st.st_size < min_size)
            return vgl_error_set(err, VGL_ELIMIT,
                                 "part %d is %lld bytes; every part but the last must hold at "
                                 "least %llu", parts[i], (long long)st.st_size,
                                 (unsigned long long)min_size);
    }
    return VGL_OK;
}

static vgl_status local_multipart_complete(blob_store *store, const char *bucket, const char *key,
                                           const char *upload_id, const int *parts,
                                           const char *const *etags, size_t n_parts,
                                           uint64_t min_part_size, blob_info *info,
                                           vgl_error *err)
{
    local_store *s = local(store);
    object_header h;
    char tmp[PATH_MAX], folder[PATH_MAX];
    int fd = -1;
    vgl_status status = upload_open(s, bucket, key, upload_id, &h, err);
    if (status != VGL_OK)
        return status;
    if (n_parts == 0 || n_parts > PART_MAX)
        return vgl_error_set(err, VGL_EINVAL, "an upload joins 1 to %d parts", PART_MAX);
    for (size_t i = 1; i < n_parts; i++)
        if (parts[i] <= parts[i - 1])
            return vgl_error_set(err, VGL_EINVAL, "parts must be listed in ascending order");
    if ((status = local_bucket_exists(store, bucket, err)) != VGL_OK ||
        (status = check_part_sizes(s, upload_id, parts, n_parts, min_part_size, err)) != VGL_OK)
        return status;
    if (tmp_object_create(s, tmp, &fd, err) != VGL_OK)
        return VGL_EIO;
    /* The multipart ETag is the MD5 of the parts' binary MD5s, then "-N". */
    EVP_MD_CTX *whole = EVP_MD_CTX_new();
    EVP_DigestInit_ex(whole, EVP_md5(), NULL);
    uint64_t size = 0;
    for (size_t i = 0; i < n_parts && status == VGL_OK; i++)
        status = append_part(s, upload_id, parts[i], etags[i], fd, &size, whole, err);
    unsigned char digest[16];
    EVP_DigestFinal_ex(whole, digest, NULL);
    EVP_MD_CTX_free(whole);
    if (status != VGL_OK) {
        close(fd);
        unlink(tmp);
        return status;
    }
    h.info.size = size;
    h.info.modified = time(NULL);
    md5_etag(digest, (int)n_parts, h.info.etag, sizeof h.info.etag);
    if ((status = object_commit(s, fd, tmp, &h, err)) != VGL_OK)
        return status;
    if (info)
        *info = h.info;
    upload_path(s, upload_id, NULL, folder);
    remove_tree(s, folder, NULL); /* the object is in place; a leftover upload is harmless */
    return VGL_OK;
}

static vgl_status local_multipart_abort(blob_store *store, const char *bucket, const char *key,
                                        const char *upload_id, vgl_error *err)
{
    local_store *s = local(store);
    object_header h;
    char folder[PATH_MAX];
    vgl_status status = upload_open(s, bucket, key, upload_id, &h, err);
    if (status != VGL_OK)
        return status;
    upload_path(s, upload_id, NULL, folder);
    return remove_tree(s, folder, err);
}

/* ------------------------------------------------------------ opening */

static void local_close(blob_store *store)
{
    if (store) {
        free(local(store)->dir);
        free(store);
    }
}

static const blob_ops local_ops = {
    .bucket_create = local_bucket_create,
    .bucket_exists = local_bucket_exists,
    .bucket_delete = local_bucket_delete,
    .bucket_list = local_bucket_list,
    .put = local_put,
    .get = local_get,
    .get_range = local_get_range,
    .head = local_head,
    .remove = local_remove,
    .list = local_list,
    .multipart_create = local_multipart_create,
    .multipart_put = local_multipart_put,
    .put_file = local_put_file,
    .multipart_put_file = local_multipart_put_file,
    .multipart_complete = local_multipart_complete,
    .multipart_abort = local_multipart_abort,
    .close = local_close,
};

/* Removes what a crashed writer left in tmp/ long ago; recent entries may
 * belong to another process writing right now. */
static void tmp_sweep(const local_store *s)
{
    char folder[PATH_MAX];
    snprintf(folder, sizeof folder, "%s/tmp", s->dir);
    DIR *d = opendir(folder);
    if (!d)
        return;
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[PATH_MAX + 256];
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%.64s", folder, e->d_name);
        if (lstat(path, &st) == 0 && now - st.st_mtime > TMP_MAX_AGE)
            nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    closedir(d);
}

vgl_status blob_local_open(const char *dir, blob_store **out, vgl_error *err)
{
    static const char *const folders[] = {"", "/buckets", "/uploads", "/tmp"};
    if (strlen(dir) > PATH_MAX / 2)
        return vgl_error_set(err, VGL_EINVAL, "the blob folder's path is too long");
    for (size_t i = 0; i < sizeof folders / sizeof *folders; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s%s", dir, folders[i]);
        if (mkdir_if_missing(path, err) != VGL_OK)
            return VGL_EIO;
    }
    local_store *s = calloc(1, sizeof *s);
    if (!s || !(s->dir = strdup(dir))) {
        free(s);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory opening the blob store");
    }
    s->base.ops = &local_ops;
    tmp_sweep(s);
    *out = &s->base;
    return VGL_OK;
}

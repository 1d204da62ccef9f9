/*
 * test_blob_local.c - the local object store: keys that would be dangerous
 * as paths ('/', "..", spaces, unicode, 1024 bytes) round-trip and stay
 * inside the store; overwrites replace data and metadata together; ranges;
 * listing with prefix, delimiter and start-after pagination against the
 * expected pages; multipart uploads and their "-N" ETag (against an MD5 of
 * MD5s computed here); bucket rules (names, not empty, already exists);
 * missing objects and uploads; everything survives closing and reopening.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "blob.h"

#include <openssl/evp.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fixture {
    char dir[64];
    blob_store *store;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_blob_local.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    vgl_error err;
    assert_int_equal(blob_local_open(f->dir, &f->store, &err), VGL_OK);
    assert_int_equal(f->store->ops->bucket_create(f->store, "photos", &err), VGL_OK);
    *state = f;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    fixture *f = *state;
    f->store->ops->close(f->store);
    nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static void put_text(blob_store *s, const char *key, const char *text)
{
    vgl_error err;
    assert_int_equal(s->ops->put(s, "photos", key, text, strlen(text), "text/plain", NULL, &err), VGL_OK);
}

static void assert_object(blob_store *s, const char *key, const char *text)
{
    vgl_error err;
    uint8_t *data;
    size_t size;
    blob_info info;
    assert_int_equal(s->ops->get(s, "photos", key, &data, &size, &info, &err), VGL_OK);
    assert_int_equal(size, strlen(text));
    assert_memory_equal(data, text, size);
    assert_int_equal(info.size, size);
    free(data);
}

/* Counts the regular files anywhere under dir. */
static int files_seen;
static int count_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)path;
    (void)st;
    (void)ftw;
    files_seen += type == FTW_F;
    return 0;
}

static void test_odd_keys_round_trip(void **state)
{
    fixture *f = *state;
    char long_key[1025];
    memset(long_key, 'k', 1024);
    long_key[1024] = 0;
    memcpy(long_key, "../", 3);
    const char *keys[] = {"a/b/c.jpg", "../../../etc/passwd", "with space", "ünïcødé/日本.png",
                          "/leading", "a//b", ".", "..", long_key};
    size_t n = sizeof keys / sizeof *keys;
    for (size_t i = 0; i < n; i++)
        put_text(f->store, keys[i], keys[i]);
    for (size_t i = 0; i < n; i++)
        assert_object(f->store, keys[i], keys[i]);
    /* Nothing escaped the store: exactly one file per key inside it. */
    files_seen = 0;
    nftw(f->dir, count_file, 16, FTW_PHYS);
    assert_int_equal(files_seen, n);

    vgl_error err;
    char too_long[1026];
    memset(too_long, 'k', 1025);
    too_long[1025] = 0;
    assert_int_equal(f->store->ops->put(f->store, "photos", too_long, "x", 1, NULL, NULL, &err), VGL_EINVAL);
    assert_int_equal(f->store->ops->put(f->store, "photos", "", "x", 1, NULL, NULL, &err), VGL_EINVAL);
    assert_int_equal(f->store->ops->put(f->store, "photos", "bad\xff", "x", 1, NULL, NULL, &err), VGL_EINVAL);
}

static void test_overwrite_and_metadata(void **state)
{
    fixture *f = *state;
    vgl_error err;
    blob_info info;
    assert_int_equal(f->store->ops->put(f->store, "photos", "k", "hello", 5, "image/jpeg", &info, &err), VGL_OK);
    /* md5("hello") */
    assert_string_equal(info.etag, "\"5d41402abc4b2a76b9719d911017c592\"");
    assert_int_equal(f->store->ops->put(f->store, "photos", "k", "", 0, NULL, &info, &err), VGL_OK);
    assert_int_equal(f->store->ops->head(f->store, "photos", "k", &info, &err), VGL_OK);
    assert_int_equal(info.size, 0);
    assert_string_equal(info.etag, "\"d41d8cd98f00b204e9800998ecf8427e\"");
    assert_string_equal(info.content_type, "binary/octet-stream");
    assert_true(info.modified > 0);
    put_text(f->store, "k", "second");
    assert_object(f->store, "k", "second");
    assert_int_equal(f->store->ops->head(f->store, "photos", "k", &info, &err), VGL_OK);
    assert_string_equal(info.content_type, "text/plain");
    /* No temp file is left behind. */
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%s/tmp", f->dir);
    files_seen = 0;
    nftw(tmp, count_file, 16, FTW_PHYS);
    assert_int_equal(files_seen, 0);
}

static void test_range(void **state)
{
    fixture *f = *state;
    vgl_error err;
    uint8_t *data;
    put_text(f->store, "r", "0123456789");
    assert_int_equal(f->store->ops->get_range(f->store, "photos", "r", 3, 4, &data, &err), VGL_OK);
    assert_memory_equal(data, "3456", 4);
    free(data);
    assert_int_equal(f->store->ops->get_range(f->store, "photos", "r", 8, 3, &data, &err), VGL_EINVAL);
}

static void test_missing(void **state)
{
    fixture *f = *state;
    vgl_error err;
    blob_info info;
    uint8_t *data;
    size_t size;
    assert_int_equal(f->store->ops->head(f->store, "photos", "nope", &info, &err), VGL_ENOTFOUND);
    assert_int_equal(f->store->ops->get(f->store, "photos", "nope", &data, &size, NULL, &err), VGL_ENOTFOUND);
    assert_int_equal(f->store->ops->head(f->store, "nobucket", "k", &info, &err), VGL_ENOTFOUND);
    assert_int_equal(f->store->ops->remove(f->store, "photos", "nope", &err), VGL_OK);
    assert_int_equal(f->store->ops->remove(f->store, "nobucket", "nope", &err), VGL_ENOTFOUND);
    put_text(f->store, "gone", "x");
    assert_int_equal(f->store->ops->remove(f->store, "photos", "gone", &err), VGL_OK);
    assert_int_equal(f->store->ops->head(f->store, "photos", "gone", &info, &err), VGL_ENOTFOUND);
}

static void test_buckets(void **state)
{
    fixture *f = *state;
    blob_store *s = f->store;
    vgl_error err;
    const char *bad[] = {"ab", "Upper", "a..b", "-ab", "ab-", "192.168.1.1", "a_b", "../x", "a/b"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(s->ops->bucket_create(s, bad[i], &err), VGL_EINVAL);
    assert_int_equal(s->ops->bucket_create(s, "photos", &err), VGL_EINVAL);
    assert_int_equal(s->ops->bucket_create(s, "a.b-c", &err), VGL_OK);
    assert_int_equal(s->ops->bucket_exists(s, "a.b-c", &err), VGL_OK);
    assert_int_equal(s->ops->bucket_exists(s, "zzz", &err), VGL_ENOTFOUND);

    char **names;
    time_t *created;
    size_t count;
    assert_int_equal(s->ops->bucket_list(s, &names, &created, &count, &err), VGL_OK);
    assert_int_equal(count, 2);
    assert_string_equal(names[0], "a.b-c");
    assert_string_equal(names[1], "photos");
    assert_true(created[0] > 0);
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    free(created);

    put_text(s, "x", "y");
    assert_int_equal(s->ops->bucket_delete(s, "photos", &err), VGL_EINVAL);
    assert_int_equal(s->ops->remove(s, "photos", "x", &err), VGL_OK);
    assert_int_equal(s->ops->bucket_delete(s, "photos", &err), VGL_OK);
    assert_int_equal(s->ops->bucket_exists(s, "photos", &err), VGL_ENOTFOUND);
    assert_int_equal(s->ops->bucket_delete(s, "photos", &err), VGL_ENOTFOUND);
    assert_int_equal(s->ops->put(s, "photos", "x", "y", 1, NULL, NULL, &err), VGL_ENOTFOUND);
    /* The fixture's teardown expects it back. */
    assert_int_equal(s->ops->bucket_create(s, "photos", &err), VGL_OK);
}

/* Lists one page and checks it against "key,key,prefix/,..." (prefixes end
 * with the delimiter) and the truncation. */
static void assert_page(blob_store *s, const char *prefix, const char *delimiter, const char *after,
                        size_t max_keys, const char *expect_keys, const char *expect_prefixes,
                        int truncated, char **next)
{
    vgl_error err;
    blob_listing l;
    char got[1024] = "";
    assert_int_equal(s->ops->list(s, "photos", prefix, delimiter, after, max_keys, &l, &err), VGL_OK);
    for (size_t i = 0; i < l.count; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "," : "", l.entries[i].key);
    assert_string_equal(got, expect_keys);
    got[0] = 0;
    for (size_t i = 0; i < l.n_prefixes; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "," : "", l.common_prefixes[i]);
    assert_string_equal(got, expect_prefixes);
    assert_int_equal(l.truncated, truncated);
    if (next) {
        free(*next);
        *next = l.next_key ? strdup(l.next_key) : NULL;
    }
    blob_listing_free(&l);
}

static void test_listing(void **state)
{
    fixture *f = *state;
    blob_store *s = f->store;
    const char *keys[] = {"b/2.jpg", "a.txt", "b/1.jpg", "c/x/1", "c/y", "b0", "c/x/2", "d"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        put_text(s, keys[i], "x");
    assert_page(s, "", NULL, "", 1000, "a.txt,b/1.jpg,b/2.jpg,b0,c/x/1,c/x/2,c/y,d", "", 0, NULL);
    assert_page(s, "", "/", "", 1000, "a.txt,b0,d", "b/,c/", 0, NULL);
    assert_page(s, "c/", "/", "", 1000, "c/y", "c/x/", 0, NULL);
    assert_page(s, "b", NULL, "", 1000, "b/1.jpg,b/2.jpg,b0", "", 0, NULL);

    /* Pages of two with a delimiter: a page may end on a common prefix, and
     * the next one must skip the whole group. */
    char *next = NULL;
    assert_page(s, "", "/", "", 2, "a.txt", "b/", 1, &next);
    assert_string_equal(next, "b/");
    assert_page(s, "", "/", next, 2, "b0", "c/", 1, &next);
    assert_string_equal(next, "c/");
    assert_page(s, "", "/", next, 2, "d", "", 0, &next);
    assert_null(next);

    /* Pages of three without one. */
    assert_page(s, "", NULL, "", 3, "a.txt,b/1.jpg,b/2.jpg", "", 1, &next);
    assert_string_equal(next, "b/2.jpg");
    assert_page(s, "", NULL, next, 3, "b0,c/x/1,c/x/2", "", 1, &next);
    assert_page(s, "", NULL, next, 3, "c/y,d", "", 0, &next);
    assert_page(s, "zzz", NULL, "", 3, "", "", 0, &next);
    /* Exactly max-keys left: not truncated. */
    assert_page(s, "b/", NULL, "", 2, "b/1.jpg,b/2.jpg", "", 0, &next);
    free(next);
}

static void md5_bin(const char *text, unsigned char out[16])
{
    EVP_Digest(text, strlen(text), out, NULL, EVP_md5(), NULL);
}

static void test_multipart(void **state)
{
    fixture *f = *state;
    blob_store *s = f->store;
    vgl_error err;
    char id[64], etag1[68], etag2[68], etag3[68];
    assert_int_equal(s->ops->multipart_create(s, "photos", "big/file", "video/mp4", id, sizeof id, &err), VGL_OK);
    assert_int_equal(s->ops->multipart_put(s, "photos", "big/file", id, 2, "world", 5, etag2, sizeof etag2, &err), VGL_OK);
    assert_int_equal(s->ops->multipart_put(s, "photos", "big/file", id, 1, "oops", 4, etag1, sizeof etag1, &err), VGL_OK);
    /* Uploading a part again replaces it. */
    assert_int_equal(s->ops->multipart_put(s, "photos", "big/file", id, 1, "hello ", 6, etag1, sizeof etag1, &err), VGL_OK);
    assert_int_equal(s->ops->multipart_put(s, "photos", "big/file", id, 3, "!", 1, etag3, sizeof etag3, &err), VGL_OK);
    assert_int_equal(s->ops->multipart_put(s, "photos", "other", id, 4, "!", 1, etag3, sizeof etag3, &err), VGL_ENOTFOUND);
    assert_int_equal(s->ops->multipart_put(s, "photos", "big/file", id, 0, "!", 1, etag3, sizeof etag3, &err), VGL_EINVAL);

    int parts[] = {1, 2};
    const char *bad_etags[] = {etag1, etag3};
    blob_info info;
    assert_int_equal(s->ops->multipart_complete(s, "photos", "big/file", id, parts, bad_etags, 2, 0, &info, &err), VGL_EINVAL);
    int missing[] = {1, 5};
    const char *etags[] = {etag1, etag2};
    assert_int_equal(s->ops->multipart_complete(s, "photos", "big/file", id, missing, etags, 2, 0, &info, &err), VGL_EINVAL);
    int unordered[] = {2, 1};
    assert_int_equal(s->ops->multipart_complete(s, "photos", "big/file", id, unordered, etags, 2, 0, &info, &err), VGL_EINVAL);

    /* Part 3 was uploaded but is left out, as S3 allows; an unquoted ETag is accepted. */
    char bare[40];
    snprintf(bare, sizeof bare, "%.32s", etag2 + 1);
    const char *mixed[] = {etag1, bare};
    assert_int_equal(s->ops->multipart_complete(s, "photos", "big/file", id, parts, mixed, 2, 7, &info, &err), VGL_ELIMIT);
    /* every part but the last must hold min_part_size bytes: "hello " is 6 */
    assert_int_equal(s->ops->multipart_complete(s, "photos", "big/file", id, parts, mixed, 2, 6, &info, &err), VGL_OK);
    unsigned char both[32], digest[16];
    md5_bin("hello ", both);
    md5_bin("world", both + 16);
    EVP_Digest(both, 32, digest, NULL, EVP_md5(), NULL);
    char expect[68] = "\"";
    for (int i = 0; i < 16; i++)
        sprintf(expect + 1 + 2 * i, "%02x", digest[i]);
    strcat(expect, "-2\"");
    assert_string_equal(info.etag, expect);
    assert_object(s, "big/file", "hello world");
    assert_int_equal(s->ops->head(s, "photos", "big/file", &info, &err), VGL_OK);
    assert_string_equal(info.etag, expect);
    assert_string_equal(info.content_type, "video/mp4");
    /* The upload is gone once completed. */
    assert_int_equal(s->ops->multipart_complete(s, "photos", "big/file", id, parts, etags, 2, 0, &info, &err), VGL_ENOTFOUND);

    assert_int_equal(s->ops->multipart_create(s, "photos", "x", NULL, id, sizeof id, &err), VGL_OK);
    assert_int_equal(s->ops->multipart_abort(s, "photos", "x", id, &err), VGL_OK);
    assert_int_equal(s->ops->multipart_abort(s, "photos", "x", id, &err), VGL_ENOTFOUND);
    assert_int_equal(s->ops->multipart_abort(s, "photos", "x", "../../etc", &err), VGL_ENOTFOUND);
    assert_int_equal(s->ops->multipart_create(s, "nobucket", "x", NULL, id, sizeof id, &err), VGL_ENOTFOUND);
}

static void test_reopen(void **state)
{
    fixture *f = *state;
    vgl_error err;
    put_text(f->store, "keep/me", "still here");
    f->store->ops->close(f->store);
    assert_int_equal(blob_local_open(f->dir, &f->store, &err), VGL_OK);
    assert_object(f->store, "keep/me", "still here");
    assert_page(f->store, "", NULL, "", 10, "keep/me", "", 0, NULL);
}

/* Objects and parts from files (streamed request bodies): the same bytes,
 * the MD5 given as the ETag, the file left in place. */
static void test_from_files(void **state)
{
    fixture *f = *state;
    blob_store *s = f->store;
    vgl_error err;
    char path[128], id[64], etag[68];
    snprintf(path, sizeof path, "%s/source", f->dir);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    fputs("hello world", out);
    fclose(out);
    /* MD5("hello world") = 5eb63bbbe01eeed093cb22bb8f5acdc3 */
    const unsigned char md5[16] = {0x5e, 0xb6, 0x3b, 0xbb, 0xe0, 0x1e, 0xee, 0xd0,
                                   0x93, 0xcb, 0x22, 0xbb, 0x8f, 0x5a, 0xcd, 0xc3};
    blob_info info;
    assert_int_equal(s->ops->put_file(s, "photos", "from/file", path, 11, md5, "text/plain", &info,
                                      &err), VGL_OK);
    assert_string_equal(info.etag, "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"");
    uint8_t *data = NULL;
    size_t size = 0;
    assert_int_equal(s->ops->get(s, "photos", "from/file", &data, &size, &info, &err), VGL_OK);
    assert_int_equal(size, 11);
    assert_memory_equal(data, "hello world", 11);
    assert_string_equal(info.content_type, "text/plain");
    free(data);
    assert_int_equal(access(path, F_OK), 0);
    /* a file shorter than announced is an error, and nothing is stored */
    assert_int_equal(s->ops->put_file(s, "photos", "short", path, 12, md5, NULL, &info, &err),
                     VGL_EIO);
    assert_int_equal(s->ops->head(s, "photos", "short", &info, &err), VGL_ENOTFOUND);
    assert_int_equal(s->ops->put_file(s, "nobucket", "k", path, 11, md5, NULL, &info, &err),
                     VGL_ENOTFOUND);
    /* a part from a file joins like any other */
    assert_int_equal(s->ops->multipart_create(s, "photos", "joined", NULL, id, sizeof id, &err), VGL_OK);
    assert_int_equal(s->ops->multipart_put_file(s, "photos", "joined", id, 1, path, 11, md5, etag,
                                                sizeof etag, &err), VGL_OK);
    assert_string_equal(etag, "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"");
    const int parts[] = {1};
    const char *etags[] = {etag};
    assert_int_equal(s->ops->multipart_complete(s, "photos", "joined", id, parts, etags, 1, 0,
                                                &info, &err), VGL_OK);
    assert_int_equal(info.size, 11);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_odd_keys_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overwrite_and_metadata, setup, teardown),
        cmocka_unit_test_setup_teardown(test_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buckets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multipart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

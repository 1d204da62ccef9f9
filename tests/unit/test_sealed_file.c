/* test_sealed_file.c - envelope-encrypted files: round trips of every size
 * around the chunk boundaries (whole and streamed in odd pieces), no
 * plaintext in the file, a change to any region of the header or body
 * detected, truncations and appended bytes refused, a wrong key, a disabled
 * key and an unknown key refused, an aborted writer leaving nothing, and the
 * size limit of sealed_file_read_all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sealed_file.h"

#define HEADER_BYTES 112
#define TAG_BYTES 16

typedef struct fixture {
    char dir[64];
    char path[128];
    kms_ring ring;
    kms_key key, other;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/vigil_sealed_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/file.sealed", f->dir);
    f->ring = (kms_ring){f->dir, "us-east-1", "000000000000"};
    vgl_error err = {0};
    const char *alias[] = {"alias/test"};
    if (kms_create_key(&f->ring, "", alias, 1, &f->key, &err) != VGL_OK ||
        kms_create_key(&f->ring, "", NULL, 0, &f->other, &err) != VGL_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char path[160];
    unlink(f->path);
    snprintf(path, sizeof path, "%s/kms-keys.json", f->dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/kms-keys.lock", f->dir);
    unlink(path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static uint8_t *pattern(size_t size)
{
    uint8_t *data = malloc(size ? size : 1);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < size; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        data[i] = (uint8_t)x;
    }
    return data;
}

static uint8_t *read_raw(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    fseek(file, 0, SEEK_END);
    *size = (size_t)ftell(file);
    rewind(file);
    uint8_t *data = malloc(*size ? *size : 1);
    assert_int_equal(fread(data, 1, *size, file), *size);
    fclose(file);
    return data;
}

static void write_raw(const char *path, const uint8_t *data, size_t size)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(data, 1, size, file), size);
    assert_int_equal(fclose(file), 0);
}

/* Reads f->path expecting failure with status; returns nothing it read. */
static void expect_refused(const fixture *f, vgl_status status, const char *words)
{
    uint8_t *data = (uint8_t *)"untouched";
    size_t size = 99;
    vgl_error err = {0};
    assert_int_equal(sealed_file_read_all(f->path, &f->ring, 1 << 24, &data, &size, &err),
                     status);
    assert_null(data);
    assert_int_equal(size, 0);
    if (!strstr(err.message, words))
        fail_msg("expected \"%s\" in: %s", words, err.message);
}

static void test_round_trips(void **state)
{
    fixture *f = *state;
    const size_t sizes[] = {0,
                            1,
                            SEALED_CHUNK_SIZE - 1,
                            SEALED_CHUNK_SIZE,
                            SEALED_CHUNK_SIZE + 1,
                            3 * SEALED_CHUNK_SIZE + 7};
    vgl_error err = {0};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        uint8_t *plain = pattern(sizes[i]);
        assert_int_equal(sealed_file_write(f->path, &f->key, plain, sizes[i], &err), VGL_OK);
        size_t raw_size;
        uint8_t *raw = read_raw(f->path, &raw_size);
        /* header, full chunks, and a last chunk shorter than a chunk */
        size_t chunks = sizes[i] / SEALED_CHUNK_SIZE + 1;
        assert_int_equal(raw_size, HEADER_BYTES + sizes[i] + chunks * TAG_BYTES);
        if (sizes[i] >= 64) /* no run of the plaintext shows in the file */
            assert_null(memmem(raw, raw_size, plain, 64));
        uint8_t *back = NULL;
        size_t back_size = 0;
        assert_int_equal(sealed_file_read_all(f->path, &f->ring, 1 << 24, &back, &back_size,
                                              &err),
                         VGL_OK);
        assert_int_equal(back_size, sizes[i]);
        if (sizes[i])
            assert_memory_equal(back, plain, sizes[i]);
        free(back);
        free(raw);
        free(plain);
    }
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_streamed_writes(void **state)
{
    fixture *f = *state;
    size_t size = 2 * SEALED_CHUNK_SIZE + 12345;
    uint8_t *plain = pattern(size);
    sealed_writer *w = NULL;
    vgl_error err = {0};
    assert_int_equal(sealed_writer_open(f->path, &f->key, &w, &err), VGL_OK);
    for (size_t done = 0, piece = 1; done < size; piece = piece * 3 + 1) {
        size_t n = piece < size - done ? piece : size - done;
        assert_int_equal(sealed_writer_write(w, plain + done, n, &err), VGL_OK);
        done += n;
    }
    assert_int_equal(sealed_writer_commit(w, &err), VGL_OK);
    uint8_t *back = NULL;
    size_t back_size = 0;
    assert_int_equal(sealed_file_read_all(f->path, &f->ring, size, &back, &back_size, &err),
                     VGL_OK);
    assert_int_equal(back_size, size);
    assert_memory_equal(back, plain, size);
    free(back);
    /* one byte over the limit */
    assert_int_equal(sealed_file_read_all(f->path, &f->ring, size - 1, &back, &back_size, &err),
                     VGL_ELIMIT);
    assert_null(back);
    free(plain);
}

static void test_tampering(void **state)
{
    fixture *f = *state;
    size_t size = SEALED_CHUNK_SIZE + 1000;
    uint8_t *plain = pattern(size);
    vgl_error err = {0};
    assert_int_equal(sealed_file_write(f->path, &f->key, plain, size, &err), VGL_OK);
    size_t raw_size;
    uint8_t *raw = read_raw(f->path, &raw_size);
    size_t second_chunk = HEADER_BYTES + SEALED_CHUNK_SIZE + TAG_BYTES;
    struct {
        size_t offset;
        vgl_status status;
        const char *words;
    } regions[] = {
        {0, VGL_EFORMAT, "not an encrypted Vigil file"},     /* magic */
        {8, VGL_EFORMAT, "format version"},                  /* version */
        {12, VGL_EFORMAT, "does not unwrap"},                /* chunk size */
        {13, VGL_EFORMAT, "does not unwrap"},
        {16, VGL_ENOTFOUND, "does not exist"},               /* key id */
        {52, VGL_EFORMAT, "does not unwrap"},                /* wrap nonce */
        {70, VGL_EFORMAT, "does not unwrap"},                /* wrapped data key */
        {100, VGL_EFORMAT, "does not unwrap"},               /* its tag */
        {HEADER_BYTES, VGL_EFORMAT, "chunk 0 fails"},        /* first chunk */
        {second_chunk - 1, VGL_EFORMAT, "chunk 0 fails"},    /* its tag */
        {second_chunk + 5, VGL_EFORMAT, "chunk 1 fails"},    /* the last chunk */
        {raw_size - 1, VGL_EFORMAT, "chunk 1 fails"},        /* its tag */
    };
    for (size_t i = 0; i < sizeof regions / sizeof *regions; i++) {
        uint8_t *copy = malloc(raw_size);
        memcpy(copy, raw, raw_size);
        /* flip a bit; in the key id, change one hex digit into another */
        if (regions[i].offset == 16)
            copy[16] = copy[16] == '0' ? '1' : '0';
        else
            copy[regions[i].offset] ^= 0x01;
        write_raw(f->path, copy, raw_size);
        expect_refused(f, regions[i].status, regions[i].words);
        free(copy);
    }
    free(raw);
    free(plain);
}

static void test_truncation(void **state)
{
    fixture *f = *state;
    size_t size = 2 * SEALED_CHUNK_SIZE; /* a last chunk that is empty */
    uint8_t *plain = pattern(size);
    vgl_error err = {0};
    assert_int_equal(sealed_file_write(f->path, &f->key, plain, size, &err), VGL_OK);
    size_t raw_size;
    uint8_t *raw = read_raw(f->path, &raw_size);
    assert_int_equal(raw_size, HEADER_BYTES + 2 * (SEALED_CHUNK_SIZE + TAG_BYTES) + TAG_BYTES);
    write_raw(f->path, raw, 0);
    expect_refused(f, VGL_EFORMAT, "not an encrypted Vigil file");
    write_raw(f->path, raw, 50);
    expect_refused(f, VGL_EFORMAT, "header is 50 of 112 bytes");
    write_raw(f->path, raw, HEADER_BYTES);
    expect_refused(f, VGL_EFORMAT, "truncated");
    write_raw(f->path, raw, HEADER_BYTES + 100);
    expect_refused(f, VGL_EFORMAT, "chunk 0 fails");
    /* cut at a chunk boundary: the empty last chunk is missing */
    write_raw(f->path, raw, raw_size - TAG_BYTES);
    expect_refused(f, VGL_EFORMAT, "truncated");
    write_raw(f->path, raw, raw_size - 1);
    expect_refused(f, VGL_EFORMAT, "truncated");
    /* cut inside the last full chunk */
    write_raw(f->path, raw, raw_size - TAG_BYTES - 1);
    expect_refused(f, VGL_EFORMAT, "chunk 1 fails");
    /* bytes appended after the last chunk */
    uint8_t *longer = malloc(raw_size + 3);
    memcpy(longer, raw, raw_size);
    memset(longer + raw_size, 0, 3);
    write_raw(f->path, longer, raw_size + 3);
    expect_refused(f, VGL_EFORMAT, "chunk 2 fails");
    free(longer);
    free(raw);
    free(plain);
}

static void test_keys(void **state)
{
    fixture *f = *state;
    uint8_t plain[100] = "a secret image";
    vgl_error err = {0};
    assert_int_equal(sealed_file_write(f->path, &f->key, plain, sizeof plain, &err), VGL_OK);
    size_t raw_size;
    uint8_t *raw = read_raw(f->path, &raw_size);
    /* the header names another key of the ring: it does not unwrap */
    uint8_t *copy = malloc(raw_size);
    memcpy(copy, raw, raw_size);
    memcpy(copy + 16, f->other.key_id, KMS_KEY_ID_LENGTH);
    write_raw(f->path, copy, raw_size);
    expect_refused(f, VGL_EFORMAT, "is not the one it was sealed with");
    free(copy);
    /* the right key, disabled */
    write_raw(f->path, raw, raw_size);
    kms_key out;
    assert_int_equal(kms_set_enabled(&f->ring, "alias/test", 0, &out, &err), VGL_OK);
    expect_refused(f, VGL_EINVAL, "is disabled");
    assert_int_equal(kms_set_enabled(&f->ring, "alias/test", 1, &out, &err), VGL_OK);
    uint8_t *back = NULL;
    size_t back_size = 0;
    assert_int_equal(sealed_file_read_all(f->path, &f->ring, 1000, &back, &back_size, &err),
                     VGL_OK);
    assert_memory_equal(back, plain, sizeof plain);
    free(back);
    /* another ring (another data directory) does not have the key */
    fixture elsewhere = *f;
    elsewhere.ring.data_dir = "/nonexistent-vigil-dir";
    expect_refused(&elsewhere, VGL_ENOTFOUND, "does not exist");
    free(raw);
}

static void test_abort_leaves_nothing(void **state)
{
    fixture *f = *state;
    sealed_writer *w = NULL;
    vgl_error err = {0};
    assert_int_equal(sealed_writer_open(f->path, &f->key, &w, &err), VGL_OK);
    uint8_t data[1000] = {1};
    assert_int_equal(sealed_writer_write(w, data, sizeof data, &err), VGL_OK);
    sealed_writer_abort(w);
    struct stat st;
    assert_int_not_equal(stat(f->path, &st), 0);
    char listing[256];
    snprintf(listing, sizeof listing, "ls %s | grep -c tmp", f->dir);
    FILE *p = popen(listing, "r");
    int temporaries = -1;
    assert_int_equal(fscanf(p, "%d", &temporaries), 1);
    pclose(p);
    assert_int_equal(temporaries, 0);
    expect_refused(f, VGL_ENOTFOUND, "cannot open");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streamed_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_leaves_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_http_body_file.c - a body written to a file as it arrives: the bytes
 * in the file, its size, SHA-256 and MD5 (known values for "hello world"),
 * an empty body's digests, and the file gone once discarded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "http_body_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_digests(void **state)
{
    (void)state;
    char dir[] = "/tmp/vigil-body-XXXXXX";
    assert_non_null(mkdtemp(dir));
    http_body_file *f = http_body_file_create(dir);
    assert_non_null(f);
    assert_int_equal(http_body_file_append(f, "hello ", 6), 1);
    assert_int_equal(http_body_file_append(f, "world", 5), 1);
    assert_int_equal(http_body_file_finish(f), 1);
    assert_int_equal(f->size, 11);
    assert_string_equal(f->sha256_hex,
                        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
    const unsigned char md5[16] = {0x5e, 0xb6, 0x3b, 0xbb, 0xe0, 0x1e, 0xee, 0xd0,
                                   0x93, 0xcb, 0x22, 0xbb, 0x8f, 0x5a, 0xcd, 0xc3};
    assert_memory_equal(f->md5_digest, md5, 16);
    char text[32] = "";
    FILE *in = fopen(f->path, "rb");
    assert_non_null(in);
    assert_int_equal(fread(text, 1, sizeof text, in), 11);
    fclose(in);
    assert_string_equal(text, "hello world");
    char path[sizeof f->path];
    memcpy(path, f->path, sizeof path);
    http_body_file_discard(f);
    assert_int_not_equal(access(path, F_OK), 0);

    f = http_body_file_create(dir);
    assert_int_equal(http_body_file_finish(f), 1);
    assert_string_equal(f->sha256_hex,
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    http_body_file_discard(f);
    http_body_file_discard(NULL);
    assert_null(http_body_file_create("/nonexistent-dir"));
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_digests)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_package_tar.c - package_tar_gz: a gzip stream holding a ustar
 * archive whose folder entry, headers (prefix and name fields, sizes,
 * checksums), contents, padding and end blocks are as POSIX says, and the
 * refusal of names too long for the format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "package_tar.h"

static size_t gunzip(const uint8_t *in, size_t size, uint8_t *out, size_t capacity)
{
    z_stream z = {0};
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (uint8_t *)in;
    z.avail_in = (uInt)size;
    z.next_out = out;
    z.avail_out = (uInt)capacity;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    size_t length = z.total_out;
    inflateEnd(&z);
    return length;
}

static unsigned long octal_field(const uint8_t *field, size_t width)
{
    char text[16] = {0};
    memcpy(text, field, width);
    return strtoul(text, NULL, 8);
}

static void check_header(const uint8_t *h, const char *prefix, const char *name, size_t size,
                         char type)
{
    assert_memory_equal(h + 257, "ustar\0" "00", 8);
    assert_string_equal((const char *)h + 345, prefix);
    assert_int_equal(strncmp((const char *)h, name, 100), 0);
    assert_int_equal(octal_field(h + 124, 12), size);
    assert_int_equal(h[156], type);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    assert_int_equal(octal_field(h + 148, 8), sum);
}

static void test_archive_layout(void **state)
{
    (void)state;
    const uint8_t model[700] = {1, 2, 3};
    package_file files[] = {{"model.vgm", model, sizeof model},
                            {"manifest.json", (const uint8_t *)"{}", 2}};
    uint8_t *gz = NULL;
    size_t gz_size = 0;
    vgl_error err = {0};
    assert_int_equal(package_tar_gz("my-component", files, 2, 1700000000, &gz, &gz_size, &err),
                     VGL_OK);
    static uint8_t tar[16384];
    size_t size = gunzip(gz, gz_size, tar, sizeof tar);
    free(gz);
    /* folder, model header + 2 blocks, manifest header + 1 block, 2 end blocks */
    assert_int_equal(size, 512 * (1 + 3 + 2 + 2));
    check_header(tar, "", "my-component/", 0, '5');
    check_header(tar + 512, "my-component", "model.vgm", sizeof model, '0');
    assert_memory_equal(tar + 1024, model, sizeof model);
    assert_int_equal(tar[1024 + sizeof model], 0);
    check_header(tar + 2048, "my-component", "manifest.json", 2, '0');
    assert_memory_equal(tar + 2560, "{}", 2);
    assert_int_equal(octal_field(tar + 2048 + 136, 12), 1700000000);
    for (size_t i = 512 * 6; i < size; i++)
        assert_int_equal(tar[i], 0);
}

static void test_long_names_refused(void **state)
{
    (void)state;
    char folder[200], name[120];
    memset(folder, 'f', sizeof folder - 1);
    folder[sizeof folder - 1] = 0;
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = 0;
    package_file ok = {"a", (const uint8_t *)"x", 1}, long_name = {name, (const uint8_t *)"x", 1};
    uint8_t *gz = NULL;
    size_t size = 0;
    vgl_error err = {0};
    assert_int_equal(package_tar_gz(folder, &ok, 1, 0, &gz, &size, &err), VGL_EINVAL);
    assert_int_equal(package_tar_gz("f", &long_name, 1, 0, &gz, &size, &err), VGL_EINVAL);
    assert_null(gz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_archive_layout),
        cmocka_unit_test(test_long_names_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

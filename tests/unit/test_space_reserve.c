/*
 * test_space_reserve.c - the space reserve: kept as a file of
 * SPACE_RESERVE_BYTES (0600), kept again without change, released once
 * (then there is nothing to release), taken back when kept again, and a
 * truncated reserve is made whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "space_reserve.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_keep_and_release(void **state)
{
    (void)state;
    char dir[] = "/tmp/vigil-reserve-XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/%s", dir, SPACE_RESERVE_NAME);
    struct stat st;
    space_reserve_keep(path);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, SPACE_RESERVE_BYTES);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_true(st.st_blocks * 512 >= SPACE_RESERVE_BYTES); /* allocated, not sparse */
    space_reserve_keep(path);
    assert_int_equal(space_reserve_release(path), 1);
    assert_int_equal(space_reserve_release(path), 0);
    assert_int_not_equal(stat(path, &st), 0);
    space_reserve_keep(path);
    assert_int_equal(truncate(path, 100), 0);
    space_reserve_keep(path);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, SPACE_RESERVE_BYTES);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_keep_and_release)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

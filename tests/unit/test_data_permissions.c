/*
 * test_data_permissions.c - a data directory made private: a file other
 * users could read and a directory they could enter become 0600 and 0700,
 * a file's owner bits are kept, a symbolic link's target outside is left
 * alone, and files created afterwards are 0600.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "data_permissions.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode & 07777;
}

static void touch(const char *path, mode_t mode)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_restrict(void **state)
{
    (void)state;
    char dir[] = "/tmp/vigil-perm-XXXXXX", outside[] = "/tmp/vigil-perm-out-XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_non_null(mkdtemp(outside));
    char sub[256], file[256], exec[256], link[256], target[256], later[256];
    snprintf(sub, sizeof sub, "%s/objects", dir);
    snprintf(file, sizeof file, "%s/objects/metadata.db", dir);
    snprintf(exec, sizeof exec, "%s/run.sh", dir);
    snprintf(link, sizeof link, "%s/elsewhere", dir);
    snprintf(target, sizeof target, "%s/theirs", outside);
    snprintf(later, sizeof later, "%s/later", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(chmod(dir, 0755), 0);
    touch(file, 0644);
    touch(exec, 0755);
    touch(target, 0644);
    assert_int_equal(symlink(target, link), 0);
    data_permissions_restrict(dir);
    assert_int_equal(mode_of(dir), 0700);
    assert_int_equal(mode_of(sub), 0700);
    assert_int_equal(mode_of(file), 0600);
    assert_int_equal(mode_of(exec), 0700);
    assert_int_equal(mode_of(target), 0644); /* not followed */
    int fd = open(later, O_CREAT | O_WRONLY, 0666);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(mode_of(later), 0600);
    unlink(later), unlink(link), unlink(target), unlink(exec), unlink(file);
    rmdir(sub), rmdir(dir), rmdir(outside);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_restrict)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

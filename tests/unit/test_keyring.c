/* test_keyring.c - the key ring: root keys from the environment, generated
 * keys persisted with mode 0600 and reloaded, further keys from keys.json,
 * and every bad input refused with a clear error (bad environment values,
 * corrupted or foreign keys.json, a keys.json other users can read); each
 * key's policy, and keys.json reread while the ring is in use. */
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

#include "auth.h"

#define ENV_ID "VIGIL_ROOT_ACCESS_KEY_ID"
#define ENV_SECRET "VIGIL_ROOT_SECRET_ACCESS_KEY"
#define GOOD_ID "AKIAIOSFODNN7EXAMPLE"
#define GOOD_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

/* ------------------------------------------------------------- helpers */

typedef struct fixture {
    char dir[64];
    char keys_path[96];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/vigil_keyring_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->keys_path, sizeof f->keys_path, "%s/keys.json", f->dir);
    unsetenv(ENV_ID);
    unsetenv(ENV_SECRET);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    unlink(f->keys_path);
    rmdir(f->dir);
    free(f);
    unsetenv(ENV_ID);
    unsetenv(ENV_SECRET);
    return 0;
}

static void write_keys(const fixture *f, const char *text, mode_t mode)
{
    FILE *file = fopen(f->keys_path, "w");
    assert_non_null(file);
    assert_int_equal(fputs(text, file) >= 0, 1);
    assert_int_equal(fclose(file), 0);
    assert_int_equal(chmod(f->keys_path, mode), 0);
}

static keyring *open_ok(const fixture *f, int *created)
{
    keyring *ring = NULL;
    vgl_error err = {0};
    vgl_status status = keyring_open(f->dir, &ring, created, &err);
    if (status != VGL_OK)
        fail_msg("keyring_open failed: %s", err.message);
    return ring;
}

/* keyring_open must fail with status and a message containing needle. */
static void expect_open_error(const fixture *f, vgl_status status, const char *needle)
{
    keyring *ring = (keyring *)1;
    int created = 1;
    vgl_error err = {0};
    assert_int_equal(keyring_open(f->dir, &ring, &created, &err), status);
    assert_null(ring);
    assert_int_equal(created, 0);
    if (!strstr(err.message, needle))
        fail_msg("message <%s> lacks <%s>", err.message, needle);
}

/* The key's secret, or NULL when the ring does not know it. */
static const char *secret_of(const keyring *ring, const char *id)
{
    static char secret[1025];
    return keyring_secret(ring, id, secret, sizeof secret) ? secret : NULL;
}

static int all_chars_in(const char *text, const char *alphabet)
{
    return strspn(text, alphabet) == strlen(text);
}

/* --------------------------------------------------------------- tests */

static void test_generated_root_persisted(void **state)
{
    fixture *f = *state;
    int created = 0;
    keyring *ring = open_ok(f, &created);
    assert_int_equal(created, 1);
    const char *id = keyring_root_access_key(ring);
    const char *secret = keyring_root_secret(ring);
    assert_int_equal(strlen(id), 20);
    assert_memory_equal(id, "VK", 2);
    assert_true(all_chars_in(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"));
    assert_int_equal(strlen(secret), 40);
    assert_true(all_chars_in(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789"));
    assert_string_equal(secret_of(ring, id), secret);
    assert_null(secret_of(ring, "VKNOTAKEY000000000000"));

    struct stat st;
    assert_int_equal(stat(f->keys_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* Reopening reads the same pair back and creates nothing. */
    char *saved_id = strdup(id), *saved_secret = strdup(secret);
    keyring_free(ring);
    ring = open_ok(f, &created);
    assert_int_equal(created, 0);
    assert_string_equal(keyring_root_access_key(ring), saved_id);
    assert_string_equal(keyring_root_secret(ring), saved_secret);
    keyring_free(ring);
    free(saved_id);
    free(saved_secret);
}

static void test_generated_keys_differ(void **state)
{
    fixture *f = *state;
    int created;
    keyring *ring = open_ok(f, &created);
    char *first = strdup(keyring_root_secret(ring));
    keyring_free(ring);
    unlink(f->keys_path);
    ring = open_ok(f, &created);
    assert_int_equal(created, 1);
    assert_string_not_equal(keyring_root_secret(ring), first);
    keyring_free(ring);
    free(first);
}

static void test_env_root(void **state)
{
    fixture *f = *state;
    setenv(ENV_ID, GOOD_ID, 1);
    setenv(ENV_SECRET, GOOD_SECRET, 1);
    int created = 1;
    keyring *ring = open_ok(f, &created);
    assert_int_equal(created, 0);
    assert_string_equal(keyring_root_access_key(ring), GOOD_ID);
    assert_string_equal(keyring_root_secret(ring), GOOD_SECRET);
    assert_string_equal(secret_of(ring, GOOD_ID), GOOD_SECRET);
    keyring_free(ring);
    /* Nothing is written when the environment names the root. */
    assert_int_equal(access(f->keys_path, F_OK), -1);
}

static void test_env_bad_values(void **state)
{
    fixture *f = *state;
    static const char *const bad[][3] = {
        {GOOD_ID, NULL, "set both"},
        {NULL, GOOD_SECRET, "set both"},
        {"AKIASHORT", GOOD_SECRET, "16 to 128 characters of A-Z and 0-9"},
        {"akiaiosfodnn7example", GOOD_SECRET, "A-Z and 0-9"},
        {"AKIAIOSFODNN7EXAMPLE!", GOOD_SECRET, "A-Z and 0-9"},
        {"", GOOD_SECRET, "A-Z and 0-9"},
        {GOOD_ID, "too-short-secre", "secret access key"},
        {GOOD_ID, "a secret with spaces in it", "secret access key"},
        {GOOD_ID, "", "secret access key"},
    };
    char long_id[130];
    memset(long_id, 'A', 129);
    long_id[129] = '\0';
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsetenv(ENV_ID);
        unsetenv(ENV_SECRET);
        if (bad[i][0])
            setenv(ENV_ID, bad[i][0], 1);
        if (bad[i][1])
            setenv(ENV_SECRET, bad[i][1], 1);
        expect_open_error(f, VGL_EINVAL, bad[i][2]);
    }
    setenv(ENV_ID, long_id, 1);
    setenv(ENV_SECRET, GOOD_SECRET, 1);
    expect_open_error(f, VGL_EINVAL, ENV_ID);
    /* 128 characters are fine. */
    long_id[128] = '\0';
    setenv(ENV_ID, long_id, 1);
    int created;
    keyring *ring = open_ok(f, &created);
    keyring_free(ring);
}

static void test_file_with_more_keys(void **state)
{
    fixture *f = *state;
    write_keys(f,
               "{\"keys\":[{\"access_key_id\":\"" GOOD_ID "\",\"secret_access_key\":\"" GOOD_SECRET
               "\",\"root\":true},{\"access_key_id\":\"VKREADONLY0000000001\","
               "\"secret_access_key\":\"another-secret-0123456789\","
               "\"policy\":{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"lookoutvision:Describe*\","
               "\"Resource\":\"*\"}]}}]}",
               0600);
    int created = 1;
    keyring *ring = open_ok(f, &created);
    assert_int_equal(created, 0);
    assert_string_equal(keyring_root_access_key(ring), GOOD_ID);
    assert_string_equal(secret_of(ring, "VKREADONLY0000000001"), "another-secret-0123456789");
    /* The root may do everything, the other key what its policy allows. */
    assert_int_equal(keyring_authorize(ring, GOOD_ID, "lookoutvision:TagResource", "*"),
                     ACCESS_ALLOWED);
    assert_int_equal(keyring_authorize(ring, "VKREADONLY0000000001", "lookoutvision:DescribeModel",
                                       "arn:aws:lookoutvision:us-east-1:000000000000:model/p/1"),
                     ACCESS_ALLOWED);
    assert_int_equal(keyring_authorize(ring, "VKREADONLY0000000001", "lookoutvision:CreateModel",
                                       "arn:aws:lookoutvision:us-east-1:000000000000:project/p"),
                     ACCESS_IMPLICIT_DENY);
    assert_int_equal(keyring_authorize(ring, "VKNOTAKEY00000000001", "s3:GetObject", "*"),
                     ACCESS_IMPLICIT_DENY);
    assert_true(keyring_is_root(ring, GOOD_ID));
    assert_false(keyring_is_root(ring, "VKREADONLY0000000001"));
    keyring_free(ring);

    /* The environment's root replaces the file's; its other keys stay. */
    setenv(ENV_ID, "VKFROMENVIRONMENT001", 1);
    setenv(ENV_SECRET, "environment-secret-0123456789", 1);
    ring = open_ok(f, &created);
    assert_string_equal(keyring_root_access_key(ring), "VKFROMENVIRONMENT001");
    assert_string_equal(keyring_root_secret(ring), "environment-secret-0123456789");
    assert_null(secret_of(ring, GOOD_ID));
    assert_string_equal(secret_of(ring, "VKREADONLY0000000001"), "another-secret-0123456789");
    keyring_free(ring);
}

static void test_corrupted_file_refused(void **state)
{
    fixture *f = *state;
    static const char *const bad[][2] = {
        {"{\"keys\":[{\"access_key_id\":", "not valid JSON"},
        {"", "not valid JSON"},
        {"[]", "expected {\"keys\": [...]}"},
        {"{\"keys\":{}}", "expected {\"keys\": [...]}"},
        {"{\"keys\":[]}", "exactly one key \"root\""},
        {"{\"keys\":[42]}", "keys[0] must be an object"},
        {"{\"keys\":[{\"access_key_id\":\"" GOOD_ID "\",\"root\":true}]}", "keys[0] must be"},
        {"{\"keys\":[{\"access_key_id\":\"" GOOD_ID "\",\"secret_access_key\":\"" GOOD_SECRET
         "\",\"root\":\"yes\"}]}",
         "optional boolean \"root\""},
        {"{\"keys\":[{\"access_key_id\":\"short\",\"secret_access_key\":\"" GOOD_SECRET
         "\",\"root\":true}]}",
         "keys[0]: the access key id"},
        {"{\"keys\":[{\"access_key_id\":\"" GOOD_ID "\",\"secret_access_key\":\"short\","
         "\"root\":true}]}",
         "keys[0]: the secret access key"},
        {"{\"keys\":[{\"access_key_id\":\"" GOOD_ID "\",\"secret_access_key\":\"" GOOD_SECRET
         "\"}]}",
         "exactly one key \"root\": true (found 0)"},
        {"{\"keys\":[{\"access_key_id\":\"" GOOD_ID "\",\"secret_access_key\":\"" GOOD_SECRET
         "\",\"root\":true},{\"access_key_id\":\"VKSECONDROOT00000001\",\"secret_access_key\":\""
         GOOD_SECRET "\",\"root\":true}]}",
         "(found 2)"},
        {"{\"keys\":[{\"access_key_id\":\"" GOOD_ID "\",\"secret_access_key\":\"" GOOD_SECRET
         "\",\"root\":true},{\"access_key_id\":\"" GOOD_ID "\",\"secret_access_key\":\""
         "different-secret-0123\"}]}",
         "appears twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_keys(f, bad[i][0], 0600);
        expect_open_error(f, VGL_EFORMAT, bad[i][1]);
        expect_open_error(f, VGL_EFORMAT, f->keys_path);
    }
}

/* A key without a policy may do nothing; the root may not carry one; a
 * malformed policy is refused with the key's place in the file. */
static void test_policies_in_file(void **state)
{
    fixture *f = *state;
    write_keys(f,
               "{\"keys\":[{\"access_key_id\":\"" GOOD_ID "\",\"secret_access_key\":\"" GOOD_SECRET
               "\",\"root\":true},{\"access_key_id\":\"VKNOPOLICY0000000001\","
               "\"secret_access_key\":\"another-secret-0123456789\"}]}",
               0600);
    int created;
    keyring *ring = open_ok(f, &created);
    assert_int_equal(keyring_authorize(ring, "VKNOPOLICY0000000001", "s3:GetObject",
                                       "arn:aws:s3:::b/k"),
                     ACCESS_IMPLICIT_DENY);
    keyring_free(ring);

    static const char *const bad[][2] = {
        {"{\"keys\":[{\"access_key_id\":\"" GOOD_ID "\",\"secret_access_key\":\"" GOOD_SECRET
         "\",\"root\":true,\"policy\":{\"Statement\":[]}}]}",
         "keys[0] is the root key, which may do everything"},
        {"{\"keys\":[{\"access_key_id\":\"" GOOD_ID "\",\"secret_access_key\":\"" GOOD_SECRET
         "\",\"root\":true},{\"access_key_id\":\"VKBADPOLICY000000001\",\"secret_access_key\":"
         "\"another-secret-0123456789\",\"policy\":{\"Statement\":[{\"Effect\":\"Permit\"}]}}]}",
         "keys[1].policy: Statement[0]: \"Effect\" must be \"Allow\" or \"Deny\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_keys(f, bad[i][0], 0600);
        expect_open_error(f, VGL_EFORMAT, bad[i][1]);
    }
}

/* Replaces keys.json the way `vigil keys` does: a new file renamed over. */
static void replace_keys(const fixture *f, const char *text)
{
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%s.new", f->keys_path);
    FILE *file = fopen(tmp, "w");
    assert_non_null(file);
    assert_int_equal(fputs(text, file) >= 0, 1);
    assert_int_equal(fclose(file), 0);
    assert_int_equal(chmod(tmp, 0600), 0);
    assert_int_equal(rename(tmp, f->keys_path), 0);
}

/* A running server sees keys added, changed and removed in keys.json, keeps
 * its keys while the file does not read, and keeps its root throughout. */
static void test_reload(void **state)
{
    fixture *f = *state;
    static const char root_entry[] =
        "{\"access_key_id\":\"" GOOD_ID "\",\"secret_access_key\":\"" GOOD_SECRET "\",\"root\":true}";
    char text[1024];
    snprintf(text, sizeof text, "{\"keys\":[%s]}", root_entry);
    write_keys(f, text, 0600);
    int created;
    keyring *ring = open_ok(f, &created);
    assert_null(secret_of(ring, "VKADDEDLATER00000001"));

    snprintf(text, sizeof text,
             "{\"keys\":[%s,{\"access_key_id\":\"VKADDEDLATER00000001\",\"secret_access_key\":"
             "\"added-secret-0123456789\",\"policy\":{\"Statement\":{\"Effect\":\"Allow\","
             "\"Action\":\"s3:*\",\"Resource\":\"*\"}}}]}",
             root_entry);
    replace_keys(f, text);
    assert_string_equal(secret_of(ring, "VKADDEDLATER00000001"), "added-secret-0123456789");
    assert_int_equal(keyring_authorize(ring, "VKADDEDLATER00000001", "s3:PutObject", "*"),
                     ACCESS_ALLOWED);

    replace_keys(f, "{\"keys\":[{\"access_key_id\":");
    assert_string_equal(secret_of(ring, "VKADDEDLATER00000001"), "added-secret-0123456789");

    snprintf(text, sizeof text, "{\"keys\":[%s]}", root_entry);
    replace_keys(f, text);
    assert_null(secret_of(ring, "VKADDEDLATER00000001"));
    assert_string_equal(secret_of(ring, GOOD_ID), GOOD_SECRET);

    unlink(f->keys_path);
    assert_string_equal(secret_of(ring, GOOD_ID), GOOD_SECRET);
    keyring_free(ring);
}

static void test_readable_file_refused(void **state)
{
    fixture *f = *state;
    write_keys(f,
               "{\"keys\":[{\"access_key_id\":\"" GOOD_ID "\",\"secret_access_key\":\"" GOOD_SECRET
               "\",\"root\":true}]}",
               0644);
    expect_open_error(f, VGL_EINVAL, "chmod 600");
    chmod(f->keys_path, 0640);
    expect_open_error(f, VGL_EINVAL, "mode 0640");
    chmod(f->keys_path, 0400);
    int created;
    keyring_free(open_ok(f, &created));
}

static void test_missing_data_dir(void **state)
{
    fixture *f = *state;
    keyring *ring = NULL;
    int created = 0;
    vgl_error err = {0};
    char missing[96];
    snprintf(missing, sizeof missing, "%s/does-not-exist", f->dir);
    assert_int_equal(keyring_open(missing, &ring, &created, &err), VGL_EIO);
    assert_null(ring);
    assert_non_null(strstr(err.message, missing));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_generated_root_persisted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policies_in_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generated_keys_differ, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_with_more_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupted_file_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readable_file_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_data_dir, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

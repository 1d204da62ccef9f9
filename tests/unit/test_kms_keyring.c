/* test_kms_keyring.c - the KMS key ring: keys created with aliases and kept
 * mode 0600, resolved by key id, key ARN, alias name and alias ARN (and not
 * by an ARN of another region or account), disabled and enabled, the
 * service-owned key created once on first use, and bad input refused. */
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

#include "kms.h"

typedef struct fixture {
    char dir[64];
    kms_ring ring;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/vigil_kms_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    f->ring = (kms_ring){f->dir, "eu-west-1", "123456789012"};
    *state = f;
    return 0;
}

static void remove_in(const fixture *f, const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    unlink(path);
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove_in(f, "kms-keys.json");
    remove_in(f, "kms-keys.lock");
    rmdir(f->dir);
    free(f);
    return 0;
}

static void create(const fixture *f, const char *alias, kms_key *key)
{
    vgl_error err = {0};
    const char *aliases[] = {alias};
    assert_int_equal(kms_create_key(&f->ring, "a test key", aliases, alias ? 1 : 0, key, &err),
                     VGL_OK);
}

static void test_create_and_list(void **state)
{
    fixture *f = *state;
    kms_key a, b;
    create(f, "alias/cookies", &a);
    create(f, NULL, &b);
    assert_int_equal(strlen(a.key_id), KMS_KEY_ID_LENGTH);
    assert_int_equal(a.key_id[14], '4'); /* a version 4 UUID */
    assert_string_not_equal(a.key_id, b.key_id);
    assert_memory_not_equal(a.material, b.material, KMS_KEY_BYTES);
    kms_key *keys = NULL;
    size_t count = 0;
    vgl_error err = {0};
    assert_int_equal(kms_list_keys(&f->ring, &keys, &count, &err), VGL_OK);
    assert_int_equal(count, 2);
    assert_string_equal(keys[0].key_id, a.key_id);
    assert_string_equal(keys[0].aliases[0], "alias/cookies");
    assert_string_equal(keys[0].description, "a test key");
    assert_memory_equal(keys[0].material, a.material, KMS_KEY_BYTES);
    assert_int_equal(keys[1].n_aliases, 0);
    assert_true(keys[0].enabled && !keys[0].service_owned);
    kms_keys_free(keys, count);
    char path[128];
    struct stat st;
    snprintf(path, sizeof path, "%s/kms-keys.json", f->dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_resolution(void **state)
{
    fixture *f = *state;
    kms_key key, other, found;
    create(f, "alias/cookies", &key);
    create(f, "alias/other", &other);
    char ref[600];
    const char *by_alias_arn = "arn:aws:kms:eu-west-1:123456789012:alias/cookies";
    snprintf(ref, sizeof ref, "arn:aws:kms:eu-west-1:123456789012:key/%s", key.key_id);
    const char *refs[] = {key.key_id, ref, "alias/cookies", by_alias_arn};
    vgl_error err = {0};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(kms_find_key(&f->ring, refs[i], &found, &err), VGL_OK);
        assert_string_equal(found.key_id, key.key_id);
        assert_int_equal(kms_usable_key(&f->ring, refs[i], &found, &err), VGL_OK);
        assert_memory_equal(found.material, key.material, KMS_KEY_BYTES);
    }
    /* ARNs of another region or account, malformed ARNs and unknown names */
    char foreign[600];
    snprintf(foreign, sizeof foreign, "arn:aws:kms:us-east-1:123456789012:key/%s", key.key_id);
    const char *unknown[] = {foreign,
                             "arn:aws:kms:eu-west-1:999999999999:alias/cookies",
                             "arn:aws:kms:eu-west-1:123456789012:cookies",
                             "alias/nothing",
                             "cookies",
                             "00000000-0000-4000-8000-000000000000"};
    for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
        assert_int_equal(kms_find_key(&f->ring, unknown[i], &found, &err), VGL_ENOTFOUND);
        assert_non_null(strstr(err.message, "does not exist"));
        assert_int_equal(kms_usable_key(&f->ring, unknown[i], &found, &err), VGL_ENOTFOUND);
    }
    /* key/ID is the ARN form only */
    snprintf(ref, sizeof ref, "key/%s", key.key_id);
    assert_int_equal(kms_find_key(&f->ring, ref, &found, &err), VGL_ENOTFOUND);
}

static void test_disable_enable(void **state)
{
    fixture *f = *state;
    kms_key key, out;
    vgl_error err = {0};
    create(f, "alias/cookies", &key);
    assert_int_equal(kms_set_enabled(&f->ring, "alias/cookies", 0, &out, &err), VGL_OK);
    assert_false(out.enabled);
    assert_int_equal(kms_usable_key(&f->ring, key.key_id, &out, &err), VGL_EINVAL);
    assert_non_null(strstr(err.message, "is disabled"));
    /* still found, and listed, but not usable */
    assert_int_equal(kms_find_key(&f->ring, "alias/cookies", &out, &err), VGL_OK);
    assert_false(out.enabled);
    assert_int_equal(kms_set_enabled(&f->ring, key.key_id, 1, &out, &err), VGL_OK);
    assert_int_equal(kms_usable_key(&f->ring, "alias/cookies", &out, &err), VGL_OK);
    assert_int_equal(kms_set_enabled(&f->ring, "alias/none", 0, &out, &err), VGL_ENOTFOUND);
}

static void test_service_key(void **state)
{
    fixture *f = *state;
    kms_key first, again, out;
    vgl_error err = {0};
    assert_int_equal(kms_usable_key(&f->ring, NULL, &first, &err), VGL_OK);
    assert_true(first.service_owned && first.enabled);
    assert_string_equal(first.aliases[0], KMS_SERVICE_ALIAS);
    assert_int_equal(kms_usable_key(&f->ring, "", &again, &err), VGL_OK);
    assert_string_equal(again.key_id, first.key_id);
    assert_memory_equal(again.material, first.material, KMS_KEY_BYTES);
    kms_key *keys = NULL;
    size_t count = 0;
    assert_int_equal(kms_list_keys(&f->ring, &keys, &count, &err), VGL_OK);
    assert_int_equal(count, 1);
    kms_keys_free(keys, count);
    assert_int_equal(kms_set_enabled(&f->ring, KMS_SERVICE_ALIAS, 0, &out, &err), VGL_EINVAL);
    assert_non_null(strstr(err.message, "service's own key"));
}

static void test_bad_aliases(void **state)
{
    fixture *f = *state;
    kms_key key;
    vgl_error err = {0};
    create(f, "alias/cookies", &key);
    const char *bad[] = {"cookies", "alias/", "alias/a b", "alias/aws/mine", "alias/cookies"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *aliases[] = {bad[i]};
        assert_int_equal(kms_create_key(&f->ring, "", aliases, 1, &key, &err), VGL_EINVAL);
    }
    const char *twice[] = {"alias/x", "alias/x"};
    assert_int_equal(kms_create_key(&f->ring, "", twice, 2, &key, &err), VGL_EINVAL);
    kms_key *keys = NULL;
    size_t count = 0;
    assert_int_equal(kms_list_keys(&f->ring, &keys, &count, &err), VGL_OK);
    assert_int_equal(count, 1); /* nothing was added */
    kms_keys_free(keys, count);
}

static void write_ring(const fixture *f, const char *text, mode_t mode)
{
    char path[128];
    snprintf(path, sizeof path, "%s/kms-keys.json", f->dir);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    assert_int_equal(fclose(file), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_bad_files(void **state)
{
    fixture *f = *state;
    kms_key key;
    vgl_error err = {0};
    write_ring(f, "{\"keys\":[]}", 0644);
    assert_int_equal(kms_find_key(&f->ring, "alias/x", &key, &err), VGL_EIO);
    assert_non_null(strstr(err.message, "chmod 600"));
    write_ring(f, "{\"keys\":", 0600);
    assert_int_equal(kms_find_key(&f->ring, "alias/x", &key, &err), VGL_EFORMAT);
    write_ring(f, "{\"keys\":[{\"KeyId\":\"x\"}]}", 0600);
    assert_int_equal(kms_find_key(&f->ring, "alias/x", &key, &err), VGL_EFORMAT);
    assert_non_null(strstr(err.message, "keys[0]"));
    /* a material one digit short */
    write_ring(f,
               "{\"keys\":[{\"KeyId\":\"c8e39002-48cf-4c94-a75e-4d54d8357d6c\","
               "\"Description\":\"\",\"KeyState\":\"Enabled\",\"CreationDate\":1,"
               "\"Aliases\":[],\"ServiceOwned\":false,\"Material\":\"00\"}]}",
               0600);
    assert_int_equal(kms_find_key(&f->ring, "alias/x", &key, &err), VGL_EFORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolution, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disable_enable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_aliases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

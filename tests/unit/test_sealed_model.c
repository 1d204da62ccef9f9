/* test_sealed_model.c - model files encrypted at rest: vgl_model_save_fd
 * writes the bytes vgl_model_save does; a model sealed under a key-ring key
 * holds no plaintext model file and, loaded back through memory, answers as
 * the trained one does; a plain model file, a disabled key and a missing
 * ring are refused.  The model is trained on the synthetic dataset. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sealed_model.h"
#include "synthetic_dataset.h"

#define BACKBONE VIGIL_MODELS_DIR "/mobilenet_v2.vgm"

typedef struct fixture {
    char dir[64];
    kms_ring ring;
    kms_key key;
    synth train, probe;
    vgl_model *model;
} fixture;

static void path_in(const fixture *f, const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", f->dir, name);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    *state = f;
    snprintf(f->dir, sizeof f->dir, "/tmp/vigil_sealed_model_XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    f->ring = (kms_ring){f->dir, "us-east-1", "000000000000"};
    const char *alias[] = {"alias/models"};
    vgl_error err = {0};
    if (kms_create_key(&f->ring, "", alias, 1, &f->key, &err) != VGL_OK)
        return -1;
    synth_init(&f->train, "train", 20, 10, 0, 41);
    synth_init(&f->probe, "probe", 3, 3, 0, 42);
    vgl_train_options options = {.backbone_path = BACKBONE, .threads = 1};
    vgl_evaluation evaluation;
    if (vgl_train(&f->train.dataset, NULL, &options, NULL, NULL, &f->model, &evaluation,
                  &err) != VGL_OK) {
        fprintf(stderr, "training failed: %s\n", err.message);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    vgl_model_free(f->model);
    const char *names[] = {"plain.vgm", "fd.vgm", "sealed.vgm", "kms-keys.json", "kms-keys.lock"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char path[128];
        path_in(f, names[i], path, sizeof path);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static uint8_t *read_all(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    fseek(file, 0, SEEK_END);
    *size = (size_t)ftell(file);
    rewind(file);
    uint8_t *data = malloc(*size);
    assert_int_equal(fread(data, 1, *size, file), *size);
    fclose(file);
    return data;
}

static void test_save_fd_same_bytes(void **state)
{
    fixture *f = *state;
    char plain[128], by_fd[128];
    path_in(f, "plain.vgm", plain, sizeof plain);
    path_in(f, "fd.vgm", by_fd, sizeof by_fd);
    vgl_error err = {0};
    assert_int_equal(vgl_model_save(f->model, plain, &err), VGL_OK);
    int fd = open(by_fd, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(vgl_model_save_fd(f->model, fd, &err), VGL_OK);
    close(fd);
    size_t a_size, b_size;
    uint8_t *a = read_all(plain, &a_size), *b = read_all(by_fd, &b_size);
    assert_int_equal(a_size, b_size);
    assert_memory_equal(a, b, a_size);
    free(a);
    free(b);
    assert_int_equal(vgl_model_save_fd(f->model, -1, &err), VGL_EINVAL);
}

static void test_sealed_round_trip(void **state)
{
    fixture *f = *state;
    char sealed[128];
    path_in(f, "sealed.vgm", sealed, sizeof sealed);
    vgl_error err = {0};
    assert_int_equal(sealed_model_save(f->model, sealed, &f->key, &err), VGL_OK);
    size_t size;
    uint8_t *bytes = read_all(sealed, &size);
    assert_memory_equal(bytes, "VGLSEAL", 7);
    assert_null(memmem(bytes, size, "VIGILMF", 7)); /* the model file's magic */
    free(bytes);
    vgl_model *loaded = NULL;
    assert_int_equal(sealed_model_load_with(&f->ring, sealed, &loaded, &err), VGL_OK);
    for (size_t i = 0; i < f->probe.dataset.count; i++) {
        vgl_image image;
        assert_int_equal(f->probe.dataset.load(f->probe.dataset.context, i, &image, NULL, &err),
                         VGL_OK);
        vgl_detection a, b;
        assert_int_equal(vgl_model_detect(f->model, &image, 1, &a, &err), VGL_OK);
        assert_int_equal(vgl_model_detect(loaded, &image, 1, &b, &err), VGL_OK);
        assert_int_equal(a.is_anomalous, b.is_anomalous);
        assert_true(a.score == b.score && a.confidence == b.confidence);
        vgl_detection_free(&a);
        vgl_detection_free(&b);
        vgl_image_free(&image);
    }
    vgl_model_free(loaded);
}

static void test_refusals(void **state)
{
    fixture *f = *state;
    char plain[128], sealed[128];
    path_in(f, "plain.vgm", plain, sizeof plain);
    path_in(f, "sealed.vgm", sealed, sizeof sealed);
    vgl_error err = {0};
    vgl_model *loaded = NULL;
    /* a plain model file is not taken for an encrypted one */
    assert_int_equal(vgl_model_save(f->model, plain, &err), VGL_OK);
    assert_int_equal(sealed_model_load_with(&f->ring, plain, &loaded, &err), VGL_EFORMAT);
    assert_non_null(strstr(err.message, "not an encrypted Vigil file"));
    assert_null(loaded);
    assert_int_equal(sealed_model_save(f->model, sealed, &f->key, &err), VGL_OK);
    kms_key out;
    assert_int_equal(kms_set_enabled(&f->ring, "alias/models", 0, &out, &err), VGL_OK);
    assert_int_equal(sealed_model_load_with(&f->ring, sealed, &loaded, &err), VGL_EINVAL);
    assert_non_null(strstr(err.message, "is disabled"));
    assert_int_equal(kms_set_enabled(&f->ring, "alias/models", 1, &out, &err), VGL_OK);
    /* without sealed_model_use_ring the process has no ring to decrypt with */
    assert_int_equal(sealed_model_load(sealed, &loaded, &err), VGL_EINVAL);
    sealed_model_use_ring(&f->ring);
    assert_int_equal(sealed_model_load(sealed, &loaded, &err), VGL_OK);
    vgl_model_free(loaded);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_save_fd_same_bytes),
        cmocka_unit_test(test_sealed_round_trip),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* test_store_models.c - the models of the SQLite metadata store: versions
 * 1, 2, ... per project and never given twice, the limit of concurrent
 * trainings, status transitions, the refusal to delete a training or hosted
 * model, pagination, and a restart ending trainings and hosting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store.h"

typedef struct fixture {
    char dir[64];
    metadata_store *store;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/vigil-models-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    vgl_error err = {0};
    assert_int_equal(metadata_store_open(f->dir, &f->store, &err), VGL_OK);
    store_project p = {.created = 1.0};
    snprintf(p.name, sizeof p.name, "cookies");
    snprintf(p.arn, sizeof p.arn, "arn:aws:lookoutvision:us-east-1:123456789012:project/cookies");
    assert_int_equal(f->store->ops->project_create(f->store, &p, &err), VGL_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    metadata_store_close(f->store);
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", f->dir);
    assert_int_equal(system(command), 0);
    free(f);
    return 0;
}

/* Creates a TRAINING model; returns the store's answer and its version. */
static vgl_status create(fixture *f, const char *project, int max_training, int *version)
{
    store_model m = {.created = 2.0};
    snprintf(m.project, sizeof m.project, "%s", project);
    snprintf(m.status, sizeof m.status, "TRAINING");
    snprintf(m.output_bucket, sizeof m.output_bucket, "out");
    vgl_error err = {0};
    vgl_status status = f->store->ops->model_create(f->store, &m, max_training, &err);
    *version = m.version;
    return status;
}

static void finish(fixture *f, int version, const char *status)
{
    store_model m;
    vgl_error err = {0};
    assert_int_equal(f->store->ops->model_get(f->store, "cookies", version, &m, &err), VGL_OK);
    snprintf(m.status, sizeof m.status, "%s", status);
    m.has_performance = 1;
    m.f1 = 0.75;
    snprintf(m.model_file, sizeof m.model_file, "models/cookies-%d.vgm", version);
    assert_int_equal(f->store->ops->model_update(f->store, &m, 1, &err), VGL_OK);
}

static void test_versions_and_quota(void **state)
{
    fixture *f = *state;
    int v1, v2, v3;
    assert_int_equal(create(f, "cookies", 2, &v1), VGL_OK);
    assert_int_equal(create(f, "cookies", 2, &v2), VGL_OK);
    assert_int_equal(v1, 1);
    assert_int_equal(v2, 2);
    assert_int_equal(create(f, "cookies", 2, &v3), VGL_ELIMIT);
    assert_int_equal(create(f, "nothing", 5, &v3), VGL_ENOTFOUND);
    finish(f, 2, "TRAINED");
    vgl_error err = {0};
    /* version 2 deleted: the next one is 3, not 2 again */
    assert_int_equal(f->store->ops->model_delete(f->store, "cookies", 2, "arn", &err), VGL_OK);
    assert_int_equal(create(f, "cookies", 2, &v3), VGL_OK);
    assert_int_equal(v3, 3);
    store_model m;
    assert_int_equal(f->store->ops->model_get(f->store, "cookies", 2, &m, &err), VGL_ENOTFOUND);
}

static void test_transitions_and_delete(void **state)
{
    fixture *f = *state;
    int v;
    vgl_error err = {0};
    assert_int_equal(create(f, "cookies", 2, &v), VGL_OK);
    metadata_store *s = f->store;
    assert_int_equal(s->ops->model_delete(s, "cookies", v, "arn", &err), VGL_EINVAL);
    assert_int_equal(s->ops->model_transition(s, "cookies", v, "TRAINED", "HOSTED", "", 1, 0,
                                              NULL, &err),
                     VGL_EINVAL);
    finish(f, v, "TRAINED");
    store_model m;
    assert_int_equal(s->ops->model_transition(s, "cookies", v, "TRAINED|HOSTING_FAILED", "HOSTED",
                                              "up", 2, 3, &m, &err),
                     VGL_OK);
    assert_string_equal(m.status, "HOSTED");
    assert_int_equal(m.min_units, 2);
    assert_int_equal(m.max_units, 3);
    assert_true(m.has_performance);
    assert_string_equal(m.model_file, "models/cookies-1.vgm");
    assert_int_equal(s->ops->model_delete(s, "cookies", v, "arn", &err), VGL_EINVAL);
    assert_int_equal(s->ops->project_delete(s, "cookies", &err), VGL_EINVAL);
}

static void test_list_pages(void **state)
{
    fixture *f = *state;
    int v;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(create(f, "cookies", 5, &v), VGL_OK);
        finish(f, v, "TRAINED");
    }
    store_model *models = NULL;
    size_t count = 0;
    vgl_error err = {0};
    assert_int_equal(f->store->ops->model_list(f->store, "cookies", 1, 10, &models, &count, &err),
                     VGL_OK);
    assert_int_equal(count, 2);
    assert_int_equal(models[0].version, 2);
    assert_int_equal(models[1].version, 3);
    free(models);
}

static void test_restart_ends_training_and_hosting(void **state)
{
    fixture *f = *state;
    int training, hosted, stopping;
    vgl_error err = {0};
    assert_int_equal(create(f, "cookies", 5, &training), VGL_OK);
    assert_int_equal(create(f, "cookies", 5, &hosted), VGL_OK);
    assert_int_equal(create(f, "cookies", 5, &stopping), VGL_OK);
    finish(f, hosted, "HOSTED");
    finish(f, stopping, "STOPPING_HOSTING");
    metadata_store_close(f->store);
    assert_int_equal(metadata_store_open(f->dir, &f->store, &err), VGL_OK);
    store_model m;
    assert_int_equal(f->store->ops->model_get(f->store, "cookies", training, &m, &err), VGL_OK);
    assert_string_equal(m.status, "TRAINING_FAILED");
    assert_non_null(strstr(m.status_message, "interrupted by a restart"));
    /* a hosted model is to be hosted again, a stopping one is stopped */
    assert_int_equal(f->store->ops->model_get(f->store, "cookies", hosted, &m, &err), VGL_OK);
    assert_string_equal(m.status, "STARTING_HOSTING");
    assert_non_null(strstr(m.status_message, "after a restart"));
    assert_int_equal(f->store->ops->model_get(f->store, "cookies", stopping, &m, &err), VGL_OK);
    assert_string_equal(m.status, "TRAINED");
    /* no training is left counting against the limit */
    assert_int_equal(create(f, "cookies", 1, &training), VGL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_versions_and_quota, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transitions_and_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_ends_training_and_hosting, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

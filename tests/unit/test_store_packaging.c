/* test_store_packaging.c - the model packaging jobs of the SQLite metadata
 * store: a job name once per project, a component version published once
 * (unless its job failed), creation-order pagination, updates, a restart
 * failing the jobs it cut short, and the jobs going with their project. */
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

static void add_project(fixture *f, const char *name)
{
    store_project p = {.created = 1.0};
    snprintf(p.name, sizeof p.name, "%s", name);
    snprintf(p.arn, sizeof p.arn, "arn:aws:lookoutvision:us-east-1:123456789012:project/%s", name);
    vgl_error err = {0};
    assert_int_equal(f->store->ops->project_create(f->store, &p, &err), VGL_OK);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/vigil-packaging-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    vgl_error err = {0};
    assert_int_equal(metadata_store_open(f->dir, &f->store, &err), VGL_OK);
    add_project(f, "cookies");
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

static vgl_status create(fixture *f, const char *project, const char *name,
                         const char *component, const char *version, int64_t *id)
{
    store_packaging_job j = {.model_version = 1, .created = 5.0, .updated = 5.0};
    snprintf(j.project, sizeof j.project, "%s", project);
    snprintf(j.name, sizeof j.name, "%s", name);
    snprintf(j.component_name, sizeof j.component_name, "%s", component);
    snprintf(j.component_version, sizeof j.component_version, "%s", version);
    snprintf(j.status, sizeof j.status, "CREATED");
    j.configuration = (char *)"{\"Greengrass\":{}}";
    vgl_error err = {0};
    vgl_status status = f->store->ops->packaging_job_create(f->store, &j, &err);
    if (id)
        *id = j.id;
    return status;
}

static void set_status(fixture *f, const char *name, const char *status)
{
    store_packaging_job j = {0};
    vgl_error err = {0};
    assert_int_equal(f->store->ops->packaging_job_get(f->store, "cookies", name, &j, &err), VGL_OK);
    snprintf(j.status, sizeof j.status, "%s", status);
    snprintf(j.status_message, sizeof j.status_message, "now %s", status);
    snprintf(j.component_version_arn, sizeof j.component_version_arn, "arn:x");
    j.updated = 9.0;
    assert_int_equal(f->store->ops->packaging_job_update(f->store, &j, &err), VGL_OK);
    store_packaging_job_clear(&j);
}

static void test_create_get_update(void **state)
{
    fixture *f = *state;
    int64_t id = 0;
    assert_int_equal(create(f, "cookies", "job-1", "comp", "1.0.0", &id), VGL_OK);
    assert_true(id > 0);
    set_status(f, "job-1", "SUCCEEDED");
    store_packaging_job j = {0};
    vgl_error err = {0};
    assert_int_equal(f->store->ops->packaging_job_get(f->store, "cookies", "job-1", &j, &err),
                     VGL_OK);
    assert_string_equal(j.status, "SUCCEEDED");
    assert_string_equal(j.status_message, "now SUCCEEDED");
    assert_string_equal(j.component_version_arn, "arn:x");
    assert_string_equal(j.configuration, "{\"Greengrass\":{}}");
    assert_true(j.updated == 9.0 && j.created == 5.0 && j.model_version == 1);
    store_packaging_job_clear(&j);
    assert_int_equal(f->store->ops->packaging_job_get(f->store, "cookies", "nope", &j, &err),
                     VGL_ENOTFOUND);
    assert_int_equal(create(f, "nothing", "job-1", "other", "1.0.0", NULL), VGL_ENOTFOUND);
}

static void test_conflicts(void **state)
{
    fixture *f = *state;
    assert_int_equal(create(f, "cookies", "job-1", "comp", "1.0.0", NULL), VGL_OK);
    /* the name, once per project */
    assert_int_equal(create(f, "cookies", "job-1", "comp2", "1.0.0", NULL), VGL_EINVAL);
    add_project(f, "other");
    assert_int_equal(create(f, "other", "job-1", "comp2", "1.0.0", NULL), VGL_OK);
    /* the component version, once unless its job failed */
    assert_int_equal(create(f, "cookies", "job-2", "comp", "1.0.0", NULL), VGL_EINVAL);
    set_status(f, "job-1", "FAILED");
    assert_int_equal(create(f, "cookies", "job-2", "comp", "1.0.0", NULL), VGL_OK);
}

static void test_list_pages(void **state)
{
    fixture *f = *state;
    char name[16];
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof name, "job-%c", 'e' - i); /* names against creation order */
        assert_int_equal(create(f, "cookies", name, name, "1.0.0", NULL), VGL_OK);
    }
    store_packaging_job *jobs = NULL;
    size_t count = 0;
    vgl_error err = {0};
    assert_int_equal(f->store->ops->packaging_job_list(f->store, "cookies", 0, 3, &jobs, &count,
                                                       &err), VGL_OK);
    assert_int_equal(count, 3);
    assert_string_equal(jobs[0].name, "job-e");
    assert_string_equal(jobs[2].name, "job-c");
    int64_t after = jobs[2].id;
    store_packaging_jobs_free(jobs, count);
    assert_int_equal(f->store->ops->packaging_job_list(f->store, "cookies", after, 3, &jobs,
                                                       &count, &err), VGL_OK);
    assert_int_equal(count, 2);
    assert_string_equal(jobs[1].name, "job-a");
    store_packaging_jobs_free(jobs, count);
}

static void test_restart_fails_unfinished(void **state)
{
    fixture *f = *state;
    assert_int_equal(create(f, "cookies", "queued", "c1", "1.0.0", NULL), VGL_OK);
    assert_int_equal(create(f, "cookies", "running", "c2", "1.0.0", NULL), VGL_OK);
    assert_int_equal(create(f, "cookies", "done", "c3", "1.0.0", NULL), VGL_OK);
    set_status(f, "running", "RUNNING");
    set_status(f, "done", "SUCCEEDED");
    metadata_store_close(f->store);
    vgl_error err = {0};
    assert_int_equal(metadata_store_open(f->dir, &f->store, &err), VGL_OK);
    const char *names[] = {"queued", "running", "done"};
    const char *statuses[] = {"FAILED", "FAILED", "SUCCEEDED"};
    for (int i = 0; i < 3; i++) {
        store_packaging_job j = {0};
        assert_int_equal(f->store->ops->packaging_job_get(f->store, "cookies", names[i], &j,
                                                          &err), VGL_OK);
        assert_string_equal(j.status, statuses[i]);
        if (i < 2)
            assert_non_null(strstr(j.status_message, "interrupted by a restart"));
        store_packaging_job_clear(&j);
    }
}

static void test_jobs_go_with_project(void **state)
{
    fixture *f = *state;
    assert_int_equal(create(f, "cookies", "job-1", "comp", "1.0.0", NULL), VGL_OK);
    vgl_error err = {0};
    assert_int_equal(f->store->ops->project_delete(f->store, "cookies", &err), VGL_OK);
    add_project(f, "cookies");
    store_packaging_job j = {0};
    assert_int_equal(f->store->ops->packaging_job_get(f->store, "cookies", "job-1", &j, &err),
                     VGL_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_get_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_fails_unfinished, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jobs_go_with_project, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

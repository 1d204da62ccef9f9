/* test_store_sqlite.c - the SQLite metadata store: its schema and pragmas,
 * migrations applied on reopen, one transaction per call (a failing call
 * leaves nothing behind), foreign keys, and durability across close and
 * reopen, including jobs a stopped process left unfinished. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"

typedef struct fixture {
    char dir[64];
    char db_path[96];
    metadata_store *store;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/vigil-store-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db_path, sizeof f->db_path, "%s/metadata.db", f->dir);
    vgl_error err = {0};
    assert_int_equal(metadata_store_open(f->dir, &f->store, &err), VGL_OK);
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

static void reopen(fixture *f)
{
    metadata_store_close(f->store);
    vgl_error err = {0};
    assert_int_equal(metadata_store_open(f->dir, &f->store, &err), VGL_OK);
}

/* Runs SQL on the database file directly; returns the first column of the
 * first row as an integer (0 when none). */
static long long raw_sql(const fixture *f, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    long long value = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return value;
}

static void add_project(fixture *f, const char *name)
{
    store_project p = {.created = 1600000000.5};
    snprintf(p.name, sizeof p.name, "%s", name);
    snprintf(p.arn, sizeof p.arn, "arn:aws:lookoutvision:us-east-1:123456789012:project/%s", name);
    vgl_error err = {0};
    assert_int_equal(f->store->ops->project_create(f->store, &p, &err), VGL_OK);
}

static vgl_status add_dataset(fixture *f, const char *project, const char *type,
                              const char *status, const char *job, int64_t *job_id)
{
    store_dataset d = {.created = 1600000001.0};
    snprintf(d.project, sizeof d.project, "%s", project);
    snprintf(d.type, sizeof d.type, "%s", type);
    snprintf(d.status, sizeof d.status, "%s", status);
    vgl_error err = {0};
    return f->store->ops->dataset_create(f->store, &d, STORE_JOB_IMPORT, job, job_id, &err);
}

static void test_schema(void **state)
{
    fixture *f = *state;
    assert_int_equal(raw_sql(f, "SELECT version FROM schema_version"),
                     metadata_store_schema_version());
    assert_int_equal(raw_sql(f, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name"
                                " IN ('projects', 'datasets', 'dataset_entries', 'dataset_jobs',"
                                " 'tags', 'idempotency')"),
                     6);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_migration_on_reopen(void **state)
{
    fixture *f = *state;
    add_project(f, "kept");
    metadata_store_close(f->store);
    f->store = NULL;
    /* make it look like a database written by a build with only migration 1 */
    raw_sql(f, "DROP INDEX dataset_entries_by_id");
    raw_sql(f, "DROP INDEX idempotency_by_age");
    raw_sql(f, "UPDATE schema_version SET version = 1");
    vgl_error err = {0};
    assert_int_equal(metadata_store_open(f->dir, &f->store, &err), VGL_OK);
    assert_int_equal(raw_sql(f, "SELECT version FROM schema_version"),
                     metadata_store_schema_version()); /* every migration ran */
    assert_int_equal(raw_sql(f, "SELECT count(*) FROM sqlite_master WHERE name ="
                                " 'dataset_entries_by_id'"),
                     1);
    store_project p;
    assert_int_equal(f->store->ops->project_get(f->store, "kept", &p, &err), VGL_OK);
}

static void test_newer_schema_refused(void **state)
{
    fixture *f = *state;
    metadata_store_close(f->store);
    f->store = NULL;
    raw_sql(f, "UPDATE schema_version SET version = 99");
    vgl_error err = {0};
    assert_int_equal(metadata_store_open(f->dir, &f->store, &err), VGL_EUNSUPPORTED);
    assert_null(f->store);
    raw_sql(f, "UPDATE schema_version SET version = 2");
    assert_int_equal(metadata_store_open(f->dir, &f->store, &err), VGL_OK);
}

static void test_projects(void **state)
{
    fixture *f = *state;
    vgl_error err = {0};
    add_project(f, "b");
    add_project(f, "a");
    add_project(f, "c");
    store_project p = {.created = 1};
    snprintf(p.name, sizeof p.name, "a");
    snprintf(p.arn, sizeof p.arn, "other");
    assert_int_equal(f->store->ops->project_create(f->store, &p, &err), VGL_EINVAL);
    assert_int_equal(f->store->ops->project_get(f->store, "zz", &p, &err), VGL_ENOTFOUND);
    store_project *list;
    size_t count;
    assert_int_equal(f->store->ops->project_list(f->store, "a", 5, &list, &count, &err), VGL_OK);
    assert_int_equal(count, 2);
    assert_string_equal(list[0].name, "b");
    assert_string_equal(list[1].name, "c");
    free(list);
    assert_int_equal(f->store->ops->project_delete(f->store, "b", &err), VGL_OK);
    assert_int_equal(f->store->ops->project_delete(f->store, "b", &err), VGL_ENOTFOUND);
}

static void test_foreign_keys(void **state)
{
    fixture *f = *state;
    vgl_error err = {0};
    assert_int_equal(add_dataset(f, "nothing", "train", "CREATE_COMPLETE", NULL, NULL),
                     VGL_ENOTFOUND);
    add_project(f, "p");
    assert_int_equal(add_dataset(f, "p", "train", "CREATE_COMPLETE", NULL, NULL), VGL_OK);
    assert_int_equal(add_dataset(f, "p", "train", "CREATE_COMPLETE", NULL, NULL), VGL_EINVAL);
    assert_int_equal(f->store->ops->project_delete(f->store, "p", &err), VGL_EINVAL);
    assert_int_equal(f->store->ops->dataset_delete(f->store, "p", "train", &err), VGL_OK);
    assert_int_equal(f->store->ops->project_delete(f->store, "p", &err), VGL_OK);
}

static void test_failed_call_leaves_nothing(void **state)
{
    fixture *f = *state;
    vgl_error err = {0};
    add_project(f, "p");
    int64_t job = 0;
    assert_int_equal(add_dataset(f, "p", "train", "CREATE_IN_PROGRESS", "{}", &job), VGL_OK);
    /* the second entry breaks the label CHECK: the first must not stay */
    store_entry_in entries[] = {{"s3://b/1.jpg", "{\"source-ref\":\"s3://b/1.jpg\"}", 0},
                                {"s3://b/2.jpg", "{\"source-ref\":\"s3://b/2.jpg\"}", 7}};
    assert_int_not_equal(f->store->ops->dataset_finish_job(f->store, job, "p", "train", entries, 2,
                                                           "b", "CREATE_COMPLETE", "", 2, &err),
                         VGL_OK);
    store_dataset d;
    assert_int_equal(f->store->ops->dataset_get(f->store, "p", "train", &d, &err), VGL_OK);
    assert_string_equal(d.status, "CREATE_IN_PROGRESS");
    assert_int_equal(d.total, 0);
    assert_int_equal(raw_sql(f, "SELECT count(*) FROM dataset_jobs"), 1);
    /* in progress: neither deleted nor updated */
    assert_int_equal(f->store->ops->dataset_delete(f->store, "p", "train", &err), VGL_EINVAL);
    assert_int_equal(f->store->ops->dataset_begin_job(f->store, "p", "train", "CREATE_COMPLETE",
                                                      "UPDATE_IN_PROGRESS", STORE_JOB_UPDATE, "",
                                                      NULL, &err),
                     VGL_EINVAL);
}

/* Finishes an import of n entries, every third unlabelled, odd ones anomalous. */
static void import_entries(fixture *f, const char *project, size_t n)
{
    int64_t job = 0;
    assert_int_equal(add_dataset(f, project, "train", "CREATE_IN_PROGRESS", "{}", &job), VGL_OK);
    store_entry_in *entries = calloc(n, sizeof *entries);
    char (*refs)[48] = calloc(n, sizeof *refs);
    for (size_t i = 0; i < n; i++) {
        snprintf(refs[i], sizeof refs[i], "s3://b/img-%zu.jpg", i);
        entries[i] = (store_entry_in){refs[i], refs[i], i % 3 == 0 ? -1 : (int)(i % 2)};
    }
    vgl_error err = {0};
    assert_int_equal(f->store->ops->dataset_finish_job(f->store, job, project, "train", entries, n,
                                                       "b", "CREATE_COMPLETE", "done",
                                                       1700000000.0, &err),
                     VGL_OK);
    free(entries);
    free(refs);
}

static size_t count_entries(fixture *f, store_entry_filter *filter)
{
    store_entry *entries;
    size_t count;
    vgl_error err = {0};
    if (!filter->limit)
        filter->limit = 1000;
    assert_int_equal(f->store->ops->entry_list(f->store, "p", "train", filter, &entries, &count,
                                               &err),
                     VGL_OK);
    store_entries_free(entries, count);
    return count;
}

static void test_entries_and_stats(void **state)
{
    fixture *f = *state;
    add_project(f, "p");
    import_entries(f, "p", 12);
    store_dataset d;
    vgl_error err = {0};
    assert_int_equal(f->store->ops->dataset_get(f->store, "p", "train", &d, &err), VGL_OK);
    assert_string_equal(d.status, "CREATE_COMPLETE");
    assert_string_equal(d.bucket, "b");
    assert_int_equal(d.total, 12);
    assert_int_equal(d.labeled, 8);
    assert_int_equal(d.normal + d.anomaly, 8);
    store_entry_filter all = {.labeled = -1, .label = -1};
    assert_int_equal(count_entries(f, &all), 12);
    store_entry_filter unlabeled = {.labeled = 0, .label = -1};
    assert_int_equal(count_entries(f, &unlabeled), 4);
    store_entry_filter anomaly = {.labeled = -1, .label = 1};
    assert_int_equal(count_entries(f, &anomaly), (size_t)d.anomaly);
    store_entry_filter contains = {.labeled = -1, .label = -1, .source_ref_contains = "img-1"};
    assert_int_equal(count_entries(f, &contains), 3); /* 1, 10, 11 */
    store_entry_filter before = {.labeled = -1, .label = -1, .has_before = 1, .before = 1.0};
    assert_int_equal(count_entries(f, &before), 0);
    store_entry_filter page = {.labeled = -1, .label = -1, .limit = 5};
    store_entry *entries;
    size_t count;
    assert_int_equal(f->store->ops->entry_list(f->store, "p", "train", &page, &entries, &count, &err),
                     VGL_OK);
    assert_int_equal(count, 5);
    store_entry_filter rest = {.labeled = -1, .label = -1, .after_id = entries[4].id};
    store_entries_free(entries, count);
    assert_int_equal(count_entries(f, &rest), 7);
}

static void test_durable_after_reopen(void **state)
{
    fixture *f = *state;
    add_project(f, "p");
    import_entries(f, "p", 6);
    add_project(f, "q");
    int64_t job = 0;
    assert_int_equal(add_dataset(f, "q", "test", "CREATE_IN_PROGRESS", "{}", &job), VGL_OK);
    reopen(f);
    vgl_error err = {0};
    store_dataset d;
    assert_int_equal(f->store->ops->dataset_get(f->store, "p", "train", &d, &err), VGL_OK);
    assert_int_equal(d.total, 6);
    assert_int_equal(f->store->ops->dataset_get(f->store, "q", "test", &d, &err), VGL_OK);
    assert_string_equal(d.status, "CREATE_FAILED");
    assert_non_null(strstr(d.status_message, "interrupted"));
    assert_int_equal(raw_sql(f, "SELECT count(*) FROM dataset_jobs"), 0);
    /* the interrupted job can no longer finish */
    assert_int_equal(f->store->ops->dataset_finish_job(f->store, job, "q", "test", NULL, 0, NULL,
                                                       "CREATE_COMPLETE", "", 3, &err),
                     VGL_ENOTFOUND);
}

static void test_interrupted_update_rolls_back(void **state)
{
    fixture *f = *state;
    add_project(f, "p");
    import_entries(f, "p", 3);
    vgl_error err = {0};
    int64_t job = 0;
    assert_int_equal(f->store->ops->dataset_begin_job(
                         f->store, "p", "train", "CREATE_COMPLETE|UPDATE_COMPLETE",
                         "UPDATE_IN_PROGRESS", STORE_JOB_UPDATE, "{}", &job, &err),
                     VGL_OK);
    reopen(f);
    store_dataset d;
    assert_int_equal(f->store->ops->dataset_get(f->store, "p", "train", &d, &err), VGL_OK);
    assert_string_equal(d.status, "UPDATE_FAILED_ROLLBACK_COMPLETE");
    assert_int_equal(d.total, 3);
}

static void test_tags(void **state)
{
    fixture *f = *state;
    add_project(f, "p");
    const char *arn = "arn:aws:lookoutvision:us-east-1:123456789012:project/p";
    store_tag tags[] = {{"a", "1"}, {"b", "2"}};
    vgl_error err = {0};
    assert_int_equal(f->store->ops->tag_set(f->store, arn, tags, 2, 50, &err), VGL_OK);
    store_tag again[] = {{"a", "3"}};
    assert_int_equal(f->store->ops->tag_set(f->store, arn, again, 1, 50, &err), VGL_OK);
    store_tag extra[] = {{"c", "x"}};
    assert_int_equal(f->store->ops->tag_set(f->store, arn, extra, 1, 2, &err), VGL_ELIMIT);
    store_tag *list;
    size_t count;
    assert_int_equal(f->store->ops->tag_list(f->store, arn, &list, &count, &err), VGL_OK);
    assert_int_equal(count, 2);
    assert_string_equal(list[0].value, "3");
    store_tags_free(list, count);
    const char *keys[] = {"a", "missing"};
    assert_int_equal(f->store->ops->tag_remove(f->store, arn, keys, 2, &err), VGL_OK);
    assert_int_equal(f->store->ops->project_delete(f->store, "p", &err), VGL_OK);
    assert_int_equal(raw_sql(f, "SELECT count(*) FROM tags"), 0);
}

static void test_idempotency(void **state)
{
    fixture *f = *state;
    vgl_error err = {0};
    store_idempotency record = {.params = "{\"a\":1}", .status = 202, .body = "{}", .created = 1000};
    assert_int_equal(f->store->ops->idempotency_put(f->store, "Op", "tok", &record, &err), VGL_OK);
    store_idempotency got;
    assert_int_equal(f->store->ops->idempotency_get(f->store, "Op", "tok", 1100, 3600, &got, &err),
                     VGL_OK);
    assert_string_equal(got.params, "{\"a\":1}");
    assert_int_equal(got.status, 202);
    store_idempotency_clear(&got);
    assert_int_equal(f->store->ops->idempotency_get(f->store, "Other", "tok", 1100, 3600, &got,
                                                    &err),
                     VGL_ENOTFOUND);
    /* expired after max_age */
    assert_int_equal(f->store->ops->idempotency_get(f->store, "Op", "tok", 5000, 3600, &got, &err),
                     VGL_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_on_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_projects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_call_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entries_and_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_durable_after_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interrupted_update_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotency, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

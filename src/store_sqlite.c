/*
 * store_sqlite.c - the embedded metadata store: one SQLite file,
 * <data_dir>/metadata.db, behind the interface of store.h.
 *
 * The database runs in WAL mode (readers never wait for the writer), with
 * foreign keys on (a project cannot vanish under its datasets; a dataset
 * takes its entries and jobs with it) and a busy timeout, so a second process
 * on the same file waits instead of failing.  The schema is versioned:
 * schema_version holds the last migration applied, and opening applies the
 * missing ones in one transaction.  Every operation is one transaction; a
 * mutex serialises them because the HTTP threads and the import workers
 * share one connection.
 */
#include "store.h"

#include "error.h"
#include "space_reserve.h"

#include <pthread.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct sqlite_store {
    metadata_store base;
    sqlite3 *db;
    pthread_mutex_t lock;
    char reserve[4096]; /* the space reserve's path (space_reserve.h) */
    int disk_full;      /* a statement since the last reset failed with SQLITE_FULL */
} sqlite_store;

/* ------------------------------------------------------------ schema */

/* Migration i brings the schema from version i to version i + 1.  Never
 * edit one that has shipped: append a new one. */
static const char *const MIGRATIONS[] = {
    /* 1: the first schema */
    "CREATE TABLE projects ("
    "  name TEXT PRIMARY KEY,"
    "  arn TEXT NOT NULL UNIQUE,"
    "  created REAL NOT NULL);"
    "CREATE TABLE datasets ("
    "  project TEXT NOT NULL REFERENCES projects(name),"
    "  type TEXT NOT NULL CHECK (type IN ('train', 'test')),"
    "  status TEXT NOT NULL,"
    "  status_message TEXT NOT NULL DEFAULT '',"
    "  created REAL NOT NULL,"
    "  updated REAL NOT NULL,"
    "  bucket TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (project, type));"
    "CREATE TABLE dataset_entries ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  project TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  source_ref TEXT NOT NULL,"
    "  line TEXT NOT NULL,"
    "  label INTEGER NOT NULL CHECK (label IN (-1, 0, 1)),"
    "  created REAL NOT NULL,"
    "  UNIQUE (project, type, source_ref),"
    "  FOREIGN KEY (project, type) REFERENCES datasets(project, type) ON DELETE CASCADE);"
    "CREATE TABLE dataset_jobs ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  project TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  payload TEXT NOT NULL,"
    "  created REAL NOT NULL,"
    "  FOREIGN KEY (project, type) REFERENCES datasets(project, type) ON DELETE CASCADE);"
    "CREATE TABLE tags ("
    "  arn TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  PRIMARY KEY (arn, key));"
    "CREATE TABLE idempotency ("
    "  operation TEXT NOT NULL,"
    "  token TEXT NOT NULL,"
    "  params TEXT NOT NULL,"
    "  status INTEGER NOT NULL,"
    "  body TEXT NOT NULL,"
    "  created REAL NOT NULL,"
    "  PRIMARY KEY (operation, token));",
    /* 2: ListDatasetEntries pages through a dataset in id order */
    "CREATE INDEX dataset_entries_by_id ON dataset_entries(project, type, id);"
    "CREATE INDEX idempotency_by_age ON idempotency(created);",
    /* 3: models and their durable training jobs ("Models over the API"); IF NOT
     * EXISTS because tests replay migrations on a database that has them */
    "CREATE TABLE IF NOT EXISTS models ("
    "  project TEXT NOT NULL REFERENCES projects(name),"
    "  version INTEGER NOT NULL,"
    "  status TEXT NOT NULL,"
    "  status_message TEXT NOT NULL DEFAULT '',"
    "  description TEXT NOT NULL DEFAULT '',"
    "  output_bucket TEXT NOT NULL,"
    "  output_prefix TEXT NOT NULL DEFAULT '',"
    "  kms_key_id TEXT NOT NULL DEFAULT '',"
    "  created REAL NOT NULL,"
    "  has_performance INTEGER NOT NULL DEFAULT 0,"
    "  f1 REAL NOT NULL DEFAULT 0,"
    "  recall REAL NOT NULL DEFAULT 0,"
    "  precision REAL NOT NULL DEFAULT 0,"
    "  evaluation_manifest_key TEXT NOT NULL DEFAULT '',"
    "  evaluation_result_key TEXT NOT NULL DEFAULT '',"
    "  evaluation_end REAL NOT NULL DEFAULT 0,"
    "  min_units INTEGER NOT NULL DEFAULT 0,"
    "  max_units INTEGER NOT NULL DEFAULT 0,"
    "  model_file TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (project, version));"
    "CREATE TABLE IF NOT EXISTS model_jobs ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  project TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  created REAL NOT NULL,"
    "  FOREIGN KEY (project, version) REFERENCES models(project, version) ON DELETE CASCADE);"
    /* the last version given in each project: a deleted model's version
     * (its ARN, its output objects) is never given again */
    "CREATE TABLE IF NOT EXISTS model_versions ("
    "  project TEXT PRIMARY KEY,"
    "  last INTEGER NOT NULL);",
    /* 4: model packaging jobs ("Edge"); the row is the durable job.  No API
     * deletes a job, so the jobs go with their project. */
    "CREATE TABLE IF NOT EXISTS packaging_jobs ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  project TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  model_version INTEGER NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  configuration TEXT NOT NULL,"
    "  component_name TEXT NOT NULL,"
    "  component_version TEXT NOT NULL,"
    "  component_version_arn TEXT NOT NULL DEFAULT '',"
    "  status TEXT NOT NULL,"
    "  status_message TEXT NOT NULL DEFAULT '',"
    "  created REAL NOT NULL,"
    "  updated REAL NOT NULL,"
    "  UNIQUE (project, name));"
    "CREATE INDEX IF NOT EXISTS packaging_jobs_by_component"
    "  ON packaging_jobs(component_name, component_version);",
};

#define N_MIGRATIONS ((int)(sizeof MIGRATIONS / sizeof MIGRATIONS[0]))

int metadata_store_schema_version(void) { return N_MIGRATIONS; }

/* ------------------------------------------------------------ helpers */

static vgl_status db_error(sqlite_store *s, vgl_error *err, const char *what)
{
    s->disk_full |= (sqlite3_errcode(s->db) & 0xff) == SQLITE_FULL;
    return vgl_error_set(err, VGL_EIO, "metadata store: %s: %s", what, sqlite3_errmsg(s->db));
}

static vgl_status exec_sql(sqlite_store *s, const char *sql, vgl_error *err)
{
    char *message = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &message) == SQLITE_OK)
        return VGL_OK;
    s->disk_full |= (sqlite3_errcode(s->db) & 0xff) == SQLITE_FULL;
    vgl_status status = vgl_error_set(err, VGL_EIO, "metadata store: %s", message ? message : "?");
    sqlite3_free(message);
    return status;
}

/* Prepares `sql` and binds the text arguments (NULL binds NULL) in order. */
static vgl_status prepare(sqlite_store *s, sqlite3_stmt **st, vgl_error *err, const char *sql,
                          int n_text, ...)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return db_error(s, err, "prepare");
    va_list args;
    va_start(args, n_text);
    for (int i = 0; i < n_text; i++) {
        const char *text = va_arg(args, const char *);
        sqlite3_bind_text(*st, i + 1, text, -1, SQLITE_TRANSIENT);
    }
    va_end(args);
    return VGL_OK;
}

/* How a list query's rows are read: the size of one, how to fill one from
 * the statement's current row, how to free n filled ones (NULL: free). */
typedef struct row_kind {
    size_t size;
    void (*read)(sqlite3_stmt *st, void *row);
    void (*free_rows)(void *rows, size_t n);
    const char *what; /* "projects", for messages */
} row_kind;

/* Steps st through at most limit rows into a new array and finalizes it. */
static vgl_status collect_rows(sqlite_store *s, sqlite3_stmt *st, const row_kind *kind,
                               size_t limit, void **out, size_t *count, vgl_error *err)
{
    char *rows = calloc(limit ? limit : 1, kind->size);
    size_t n = 0;
    int rc = SQLITE_DONE;
    while (rows && n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW)
        kind->read(st, rows + kind->size * n++);
    vgl_status status = VGL_OK;
    if (!rows)
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory listing %s", kind->what);
    else if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        status = vgl_error_set(err, VGL_EIO, "metadata store: list %s: %s", kind->what,
                               sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    if (status != VGL_OK) {
        if (kind->free_rows)
            kind->free_rows(rows, n);
        else
            free(rows);
        return status;
    }
    *out = rows;
    *count = n;
    return VGL_OK;
}

/* Runs a statement that returns no rows, then finalises it. */
static vgl_status step_done(sqlite_store *s, sqlite3_stmt *st, vgl_error *err)
{
    int rc = sqlite3_step(st);
    vgl_status status = rc == SQLITE_DONE ? VGL_OK : db_error(s, err, "write");
    sqlite3_finalize(st);
    return status;
}

static void copy_column(char *dst, size_t size, sqlite3_stmt *st, int column)
{
    const unsigned char *text = sqlite3_column_text(st, column);
    snprintf(dst, size, "%s", text ? (const char *)text : "");
}

static char *dup_column(sqlite3_stmt *st, int column)
{
    const unsigned char *text = sqlite3_column_text(st, column);
    return strdup(text ? (const char *)text : "");
}

static vgl_status begin(sqlite_store *s, vgl_error *err)
{
    pthread_mutex_lock(&s->lock);
    vgl_status status = exec_sql(s, "BEGIN IMMEDIATE", err);
    if (status != VGL_OK)
        pthread_mutex_unlock(&s->lock);
    return status;
}

/* Commits when status is VGL_OK, else rolls back; unlocks; returns the
 * status of the whole transaction. */
static vgl_status end(sqlite_store *s, vgl_status status, vgl_error *err)
{
    if (status == VGL_OK)
        status = exec_sql(s, "COMMIT", err);
    if (status != VGL_OK)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&s->lock);
    return status;
}

static sqlite_store *as_sqlite(metadata_store *store) { return (sqlite_store *)store; }

/* A delete is the way out of a full disk, yet SQLite needs a little room to
 * write one: when a delete fails for want of space, the space reserve is
 * given up and the delete tried once more (space_reserve.h). */
typedef vgl_status (*remover)(sqlite_store *s, const char *const *names, int number,
                              vgl_error *err);

static vgl_status delete_once(sqlite_store *s, remover remove, const char *const *names,
                              int number, vgl_error *err)
{
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    s->disk_full = 0;
    return end(s, remove(s, names, number, err), err);
}

static vgl_status delete_with_reserve(sqlite_store *s, remover remove, const char *const *names,
                                      int number, vgl_error *err)
{
    space_reserve_keep(s->reserve);
    vgl_status status = delete_once(s, remove, names, number, err);
    if (status != VGL_OK && s->disk_full && space_reserve_release(s->reserve))
        status = delete_once(s, remove, names, number, err);
    return status;
}

/* ------------------------------------------------------------ projects */

static vgl_status project_insert(sqlite_store *s, const store_project *p, vgl_error *err)
{
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err,
                                "INSERT INTO projects(name, arn, created) VALUES (?1, ?2, ?3)"
                                " ON CONFLICT DO NOTHING",
                                2, p->name, p->arn);
    if (status != VGL_OK)
        return status;
    sqlite3_bind_double(st, 3, p->created);
    status = step_done(s, st, err);
    if (status == VGL_OK && sqlite3_changes(s->db) == 0)
        status = vgl_error_set(err, VGL_EINVAL, "A project named %s already exists.", p->name);
    return status;
}

static vgl_status sqlite_project_create(metadata_store *store, const store_project *project,
                                        vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    return end(s, project_insert(s, project, err), err);
}

static void project_from_row(sqlite3_stmt *st, void *row)
{
    store_project *out = row;
    copy_column(out->name, sizeof out->name, st, 0);
    copy_column(out->arn, sizeof out->arn, st, 1);
    out->created = sqlite3_column_double(st, 2);
}

static vgl_status project_select(sqlite_store *s, const char *name, store_project *out,
                                 vgl_error *err)
{
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err,
                                "SELECT name, arn, created FROM projects WHERE name = ?1", 1, name);
    if (status != VGL_OK)
        return status;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (out)
            project_from_row(st, out);
    } else if (rc == SQLITE_DONE) {
        status = vgl_error_set(err, VGL_ENOTFOUND, "The project %s does not exist.", name);
    } else {
        status = db_error(s, err, "read project");
    }
    sqlite3_finalize(st);
    return status;
}

static vgl_status sqlite_project_get(metadata_store *store, const char *name, store_project *out,
                                     vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    return end(s, project_select(s, name, out, err), err);
}

static vgl_status project_rows(sqlite_store *s, const char *after, size_t limit,
                               store_project **out, size_t *count, vgl_error *err)
{
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err,
                                "SELECT name, arn, created FROM projects WHERE name > ?1"
                                " ORDER BY name LIMIT ?2",
                                1, after);
    if (status != VGL_OK)
        return status;
    sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
    static const row_kind projects = {sizeof(store_project), project_from_row, NULL, "projects"};
    void *rows = NULL;
    status = collect_rows(s, st, &projects, limit, &rows, count, err);
    *out = rows;
    return status;
}

static vgl_status sqlite_project_list(metadata_store *store, const char *after, size_t limit,
                                      store_project **out, size_t *count, vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    return end(s, project_rows(s, after, limit, out, count, err), err);
}

/* Deletes the project's tags, then the project; any table that refers to
 * projects (datasets today, models later) makes the foreign key refuse it. */
static vgl_status project_remove(sqlite_store *s, const char *name, vgl_error *err)
{
    store_project project;
    vgl_status status = project_select(s, name, &project, err);
    sqlite3_stmt *st;
    if (status == VGL_OK)
        status = prepare(s, &st, err, "DELETE FROM tags WHERE arn = ?1", 1, project.arn);
    if (status == VGL_OK)
        status = step_done(s, st, err);
    if (status == VGL_OK)
        status = prepare(s, &st, err, "DELETE FROM projects WHERE name = ?1", 1, name);
    if (status != VGL_OK)
        return status;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY || rc == SQLITE_CONSTRAINT)
        return vgl_error_set(err, VGL_EINVAL,
                             "The project %s still has datasets or models; delete them first.",
                             name);
    return rc == SQLITE_DONE ? VGL_OK : db_error(s, err, "delete project");
}

static vgl_status remove_project(sqlite_store *s, const char *const *names, int number,
                                 vgl_error *err)
{
    (void)number;
    return project_remove(s, names[0], err);
}

static vgl_status sqlite_project_delete(metadata_store *store, const char *name, vgl_error *err)
{
    const char *names[] = {name};
    return delete_with_reserve(as_sqlite(store), remove_project, names, 0, err);
}

/* ------------------------------------------------------------ datasets */

static const char DATASET_COLUMNS[] =
    "SELECT d.project, d.type, d.status, d.status_message, d.created, d.updated, d.bucket,"
    " (SELECT count(*) FROM dataset_entries e WHERE e.project = d.project AND e.type = d.type),"
    " (SELECT count(*) FROM dataset_entries e WHERE e.project = d.project AND e.type = d.type"
    "   AND e.label >= 0),"
    " (SELECT count(*) FROM dataset_entries e WHERE e.project = d.project AND e.type = d.type"
    "   AND e.label = 0),"
    " (SELECT count(*) FROM dataset_entries e WHERE e.project = d.project AND e.type = d.type"
    "   AND e.label = 1)"
    " FROM datasets d ";

static void dataset_from_row(sqlite3_stmt *st, void *row)
{
    store_dataset *out = row;
    copy_column(out->project, sizeof out->project, st, 0);
    copy_column(out->type, sizeof out->type, st, 1);
    copy_column(out->status, sizeof out->status, st, 2);
    copy_column(out->status_message, sizeof out->status_message, st, 3);
    out->created = sqlite3_column_double(st, 4);
    out->updated = sqlite3_column_double(st, 5);
    copy_column(out->bucket, sizeof out->bucket, st, 6);
    out->total = sqlite3_column_int64(st, 7);
    out->labeled = sqlite3_column_int64(st, 8);
    out->normal = sqlite3_column_int64(st, 9);
    out->anomaly = sqlite3_column_int64(st, 10);
}

static vgl_status dataset_select(sqlite_store *s, const char *project, const char *type,
                                 store_dataset *out, vgl_error *err)
{
    char sql[sizeof DATASET_COLUMNS + 64];
    snprintf(sql, sizeof sql, "%sWHERE d.project = ?1 AND d.type = ?2", DATASET_COLUMNS);
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err, sql, 2, project, type);
    if (status != VGL_OK)
        return status;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        dataset_from_row(st, out);
    else if (rc == SQLITE_DONE)
        status = vgl_error_set(err, VGL_ENOTFOUND, "The %s dataset of project %s does not exist.",
                               type, project);
    else
        status = db_error(s, err, "read dataset");
    sqlite3_finalize(st);
    return status;
}

static vgl_status job_insert(sqlite_store *s, const char *project, const char *type,
                             store_job_kind kind, const char *payload, double now,
                             int64_t *job_id, vgl_error *err)
{
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err,
                                "INSERT INTO dataset_jobs(project, type, payload, kind, created)"
                                " VALUES (?1, ?2, ?3, ?4, ?5)",
                                3, project, type, payload);
    if (status != VGL_OK)
        return status;
    sqlite3_bind_int(st, 4, (int)kind);
    sqlite3_bind_double(st, 5, now);
    status = step_done(s, st, err);
    if (status == VGL_OK && job_id)
        *job_id = sqlite3_last_insert_rowid(s->db);
    return status;
}

static vgl_status dataset_insert(sqlite_store *s, const store_dataset *d, vgl_error *err)
{
    vgl_status status = project_select(s, d->project, NULL, err);
    sqlite3_stmt *st;
    if (status == VGL_OK)
        status = prepare(s, &st, err,
                         "INSERT INTO datasets(project, type, status, status_message, created,"
                         " updated, bucket) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)"
                         " ON CONFLICT DO NOTHING",
                         4, d->project, d->type, d->status, d->status_message);
    if (status != VGL_OK)
        return status;
    sqlite3_bind_double(st, 5, d->created);
    sqlite3_bind_text(st, 6, d->bucket, -1, SQLITE_TRANSIENT);
    status = step_done(s, st, err);
    if (status == VGL_OK && sqlite3_changes(s->db) == 0)
        status = vgl_error_set(err, VGL_EINVAL, "The project %s already has a %s dataset.",
                               d->project, d->type);
    return status;
}

static vgl_status sqlite_dataset_create(metadata_store *store, const store_dataset *dataset,
                                        store_job_kind job_kind, const char *job_payload,
                                        int64_t *job_id, vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    status = dataset_insert(s, dataset, err);
    if (status == VGL_OK && job_payload)
        status = job_insert(s, dataset->project, dataset->type, job_kind, job_payload,
                            dataset->created, job_id, err);
    return end(s, status, err);
}

static vgl_status sqlite_dataset_get(metadata_store *store, const char *project, const char *type,
                                     store_dataset *out, vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    return end(s, dataset_select(s, project, type, out, err), err);
}

static vgl_status dataset_rows(sqlite_store *s, const char *project, store_dataset **out,
                               size_t *count, vgl_error *err)
{
    char sql[sizeof DATASET_COLUMNS + 64];
    snprintf(sql, sizeof sql, "%sWHERE d.project = ?1 ORDER BY d.type DESC", DATASET_COLUMNS);
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err, sql, 1, project);
    if (status != VGL_OK)
        return status;
    static const row_kind datasets = {sizeof(store_dataset), dataset_from_row, NULL, "datasets"};
    void *rows = NULL;
    status = collect_rows(s, st, &datasets, 2 /* train and test */, &rows, count, err);
    *out = rows;
    return status;
}

static vgl_status sqlite_dataset_list(metadata_store *store, const char *project,
                                      store_dataset **out, size_t *count, vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    status = project_select(s, project, NULL, err);
    if (status == VGL_OK)
        status = dataset_rows(s, project, out, count, err);
    return end(s, status, err);
}

static vgl_status dataset_set_status(sqlite_store *s, const char *project, const char *type,
                                     const char *status_text, const char *message, double now,
                                     vgl_error *err)
{
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err,
                                "UPDATE datasets SET status = ?3, status_message = ?4,"
                                " updated = ?5 WHERE project = ?1 AND type = ?2",
                                4, project, type, status_text, message ? message : "");
    if (status != VGL_OK)
        return status;
    sqlite3_bind_double(st, 5, now);
    return step_done(s, st, err);
}

static double wall_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000.0;
}

/* 1 when status is one of the '|'-separated statuses of list. */
static int status_in(const char *status, const char *list)
{
    size_t length = strlen(status);
    for (const char *p = list; *p; p += strcspn(p, "|"), p += *p == '|')
        if (strncmp(p, status, length) == 0 && (p[length] == '|' || !p[length]))
            return 1;
    return 0;
}

static vgl_status sqlite_dataset_begin_job(metadata_store *store, const char *project,
                                           const char *type, const char *from, const char *to,
                                           store_job_kind job_kind, const char *job_payload,
                                           int64_t *job_id, vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    store_dataset d;
    status = dataset_select(s, project, type, &d, err);
    if (status == VGL_OK && !status_in(d.status, from))
        status = vgl_error_set(err, VGL_EINVAL, "The %s dataset of project %s is %s.", type,
                               project, d.status);
    double now = wall_clock();
    if (status == VGL_OK)
        status = dataset_set_status(s, project, type, to, "", now, err);
    if (status == VGL_OK)
        status = job_insert(s, project, type, job_kind, job_payload, now, job_id, err);
    return end(s, status, err);
}

static vgl_status entry_upsert(sqlite_store *s, const char *project, const char *type,
                               const store_entry_in *e, double now, vgl_error *err)
{
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err,
                                "INSERT INTO dataset_entries(project, type, source_ref, line,"
                                " label, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                                " ON CONFLICT (project, type, source_ref) DO UPDATE SET"
                                " line = excluded.line, label = excluded.label",
                                4, project, type, e->source_ref, e->line);
    if (status != VGL_OK)
        return status;
    sqlite3_bind_int(st, 5, e->label);
    sqlite3_bind_double(st, 6, now);
    return step_done(s, st, err);
}

static vgl_status job_delete(sqlite_store *s, int64_t job_id, vgl_error *err)
{
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err, "DELETE FROM dataset_jobs WHERE id = ?1", 0);
    if (status != VGL_OK)
        return status;
    sqlite3_bind_int64(st, 1, job_id);
    status = step_done(s, st, err);
    if (status == VGL_OK && sqlite3_changes(s->db) == 0)
        status = vgl_error_set(err, VGL_ENOTFOUND, "the dataset job %lld no longer exists",
                               (long long)job_id);
    return status;
}

static vgl_status set_bucket(sqlite_store *s, const char *project, const char *type,
                             const char *bucket, vgl_error *err)
{
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err,
                                "UPDATE datasets SET bucket = ?3 WHERE project = ?1 AND type = ?2",
                                3, project, type, bucket);
    return status == VGL_OK ? step_done(s, st, err) : status;
}

static vgl_status sqlite_dataset_finish_job(metadata_store *store, int64_t job_id,
                                            const char *project, const char *type,
                                            const store_entry_in *entries, size_t count,
                                            const char *bucket, const char *status_text,
                                            const char *message, double now, vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    /* a dataset deleted meanwhile took its job with it: nothing to finish */
    status = job_delete(s, job_id, err);
    for (size_t i = 0; status == VGL_OK && i < count; i++)
        status = entry_upsert(s, project, type, &entries[i], now, err);
    if (status == VGL_OK && bucket)
        status = set_bucket(s, project, type, bucket, err);
    if (status == VGL_OK)
        status = dataset_set_status(s, project, type, status_text, message, now, err);
    return end(s, status, err);
}

/* One integer from a query with one text argument. */
static vgl_status select_int(sqlite_store *s, const char *sql, const char *arg, int *out,
                             vgl_error *err)
{
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err, sql, 1, arg);
    if (status != VGL_OK)
        return status;
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    else
        status = db_error(s, err, "count models");
    sqlite3_finalize(st);
    return status;
}

static vgl_status dataset_remove(sqlite_store *s, const char *project, const char *type,
                                 vgl_error *err)
{
    store_dataset d;
    vgl_status status = dataset_select(s, project, type, &d, err);
    if (status == VGL_OK && strstr(d.status, "_IN_PROGRESS"))
        status = vgl_error_set(err, VGL_EINVAL,
                               "The %s dataset of project %s is %s; wait until it finishes.",
                               type, project, d.status);
    int training = 0;
    if (status == VGL_OK)
        status = select_int(s, "SELECT COUNT(*) FROM models WHERE project = ?1 AND status = 'TRAINING'",
                            project, &training, err);
    /* a training reads the dataset's entries when its job starts */
    if (status == VGL_OK && training)
        status = vgl_error_set(err, VGL_EINVAL,
                               "A model of project %s is training; delete the %s dataset after it"
                               " finishes.", project, type);
    sqlite3_stmt *st;
    if (status == VGL_OK)
        status = prepare(s, &st, err, "DELETE FROM datasets WHERE project = ?1 AND type = ?2", 2,
                         project, type);
    return status == VGL_OK ? step_done(s, st, err) : status;
}

static vgl_status remove_dataset(sqlite_store *s, const char *const *names, int number,
                                 vgl_error *err)
{
    (void)number;
    return dataset_remove(s, names[0], names[1], err);
}

static vgl_status sqlite_dataset_delete(metadata_store *store, const char *project,
                                        const char *type, vgl_error *err)
{
    const char *names[] = {project, type};
    return delete_with_reserve(as_sqlite(store), remove_dataset, names, 0, err);
}

/* ------------------------------------------------------------ entries */

static vgl_status entry_statement(sqlite_store *s, const char *project, const char *type,
                                  const store_entry_filter *f, sqlite3_stmt **st, vgl_error *err)
{
    vgl_status status = prepare(
        s, st, err,
        "SELECT id, line FROM dataset_entries WHERE project = ?1 AND type = ?2 AND id > ?3"
        " AND (?4 < 0 OR (?4 = 1) = (label >= 0))"
        " AND (?5 < 0 OR label = ?5)"
        " AND (?6 IS NULL OR created < ?6)"
        " AND (?7 IS NULL OR created > ?7)"
        " AND (?8 IS NULL OR instr(source_ref, ?8) > 0)"
        " ORDER BY id LIMIT ?9",
        2, project, type);
    if (status != VGL_OK)
        return status;
    sqlite3_bind_int64(*st, 3, f->after_id);
    sqlite3_bind_int(*st, 4, f->labeled);
    sqlite3_bind_int(*st, 5, f->label);
    if (f->has_before)
        sqlite3_bind_double(*st, 6, f->before);
    if (f->has_after)
        sqlite3_bind_double(*st, 7, f->after);
    if (f->source_ref_contains)
        sqlite3_bind_text(*st, 8, f->source_ref_contains, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(*st, 9, (sqlite3_int64)f->limit);
    return VGL_OK;
}

static vgl_status entry_rows(sqlite_store *s, const char *project, const char *type,
                             const store_entry_filter *f, store_entry **out, size_t *count,
                             vgl_error *err)
{
    store_dataset d;
    vgl_status status = dataset_select(s, project, type, &d, err);
    sqlite3_stmt *st;
    if (status == VGL_OK)
        status = entry_statement(s, project, type, f, &st, err);
    if (status != VGL_OK)
        return status;
    store_entry *rows = calloc(f->limit ? f->limit : 1, sizeof *rows);
    size_t n = 0;
    int rc = SQLITE_DONE;
    while (rows && n < f->limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rows[n].id = sqlite3_column_int64(st, 0);
        rows[n].line = dup_column(st, 1);
        n++;
    }
    if (!rows)
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory listing entries");
    else if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        status = db_error(s, err, "list entries");
    sqlite3_finalize(st);
    if (status != VGL_OK) {
        store_entries_free(rows, n);
        return status;
    }
    *out = rows;
    *count = n;
    return VGL_OK;
}

static vgl_status sqlite_entry_list(metadata_store *store, const char *project, const char *type,
                                    const store_entry_filter *filter, store_entry **out,
                                    size_t *count, vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    return end(s, entry_rows(s, project, type, filter, out, count, err), err);
}

void store_entries_free(store_entry *entries, size_t count)
{
    for (size_t i = 0; entries && i < count; i++)
        free(entries[i].line);
    free(entries);
}

/* ------------------------------------------------------------ tags */

static vgl_status tag_count(sqlite_store *s, const char *arn, size_t *count, vgl_error *err)
{
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err, "SELECT count(*) FROM tags WHERE arn = ?1", 1, arn);
    if (status != VGL_OK)
        return status;
    if (sqlite3_step(st) == SQLITE_ROW)
        *count = (size_t)sqlite3_column_int64(st, 0);
    else
        status = db_error(s, err, "count tags");
    sqlite3_finalize(st);
    return status;
}

static vgl_status tag_upsert(sqlite_store *s, const char *arn, const store_tag *tag,
                             vgl_error *err)
{
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err,
                                "INSERT INTO tags(arn, key, value) VALUES (?1, ?2, ?3)"
                                " ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value",
                                3, arn, tag->key, tag->value);
    return status == VGL_OK ? step_done(s, st, err) : status;
}

static vgl_status sqlite_tag_set(metadata_store *store, const char *arn, const store_tag *tags,
                                 size_t count, size_t max_tags, vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    for (size_t i = 0; status == VGL_OK && i < count; i++)
        status = tag_upsert(s, arn, &tags[i], err);
    size_t total = 0;
    if (status == VGL_OK)
        status = tag_count(s, arn, &total, err);
    if (status == VGL_OK && total > max_tags)
        status = vgl_error_set(err, VGL_ELIMIT,
                               "A resource can have at most %zu tags; this request would give it %zu.",
                               max_tags, total);
    return end(s, status, err);
}

static vgl_status tag_delete(sqlite_store *s, const char *arn, const char *key, vgl_error *err)
{
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err, "DELETE FROM tags WHERE arn = ?1 AND key = ?2", 2,
                                arn, key);
    return status == VGL_OK ? step_done(s, st, err) : status;
}

static vgl_status sqlite_tag_remove(metadata_store *store, const char *arn,
                                    const char *const *keys, size_t count, vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    for (size_t i = 0; status == VGL_OK && i < count; i++)
        status = tag_delete(s, arn, keys[i], err);
    return end(s, status, err);
}

static vgl_status tag_rows(sqlite_store *s, const char *arn, store_tag **out, size_t *count,
                           vgl_error *err)
{
    size_t total = 0;
    vgl_status status = tag_count(s, arn, &total, err);
    sqlite3_stmt *st;
    if (status == VGL_OK)
        status = prepare(s, &st, err, "SELECT key, value FROM tags WHERE arn = ?1 ORDER BY key",
                         1, arn);
    if (status != VGL_OK)
        return status;
    store_tag *rows = calloc(total ? total : 1, sizeof *rows);
    size_t n = 0;
    while (rows && n < total && sqlite3_step(st) == SQLITE_ROW) {
        rows[n].key = dup_column(st, 0);
        rows[n].value = dup_column(st, 1);
        n++;
    }
    sqlite3_finalize(st);
    if (!rows)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory listing tags");
    *out = rows;
    *count = n;
    return VGL_OK;
}

static vgl_status sqlite_tag_list(metadata_store *store, const char *arn, store_tag **out,
                                  size_t *count, vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    return end(s, tag_rows(s, arn, out, count, err), err);
}

void store_tags_free(store_tag *tags, size_t count)
{
    for (size_t i = 0; tags && i < count; i++) {
        free(tags[i].key);
        free(tags[i].value);
    }
    free(tags);
}

/* ------------------------------------------------------------ idempotency */

static vgl_status idempotency_forget_old(sqlite_store *s, double oldest, vgl_error *err)
{
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err, "DELETE FROM idempotency WHERE created < ?1", 0);
    if (status != VGL_OK)
        return status;
    sqlite3_bind_double(st, 1, oldest);
    return step_done(s, st, err);
}

static vgl_status idempotency_select(sqlite_store *s, const char *operation, const char *token,
                                     store_idempotency *out, vgl_error *err)
{
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err,
                                "SELECT params, status, body, created FROM idempotency"
                                " WHERE operation = ?1 AND token = ?2",
                                2, operation, token);
    if (status != VGL_OK)
        return status;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->params = dup_column(st, 0);
        out->status = sqlite3_column_int(st, 1);
        out->body = dup_column(st, 2);
        out->created = sqlite3_column_double(st, 3);
    } else {
        status = rc == SQLITE_DONE ? vgl_error_set(err, VGL_ENOTFOUND, "no such token")
                                   : db_error(s, err, "read idempotency record");
    }
    sqlite3_finalize(st);
    return status;
}

static vgl_status sqlite_idempotency_get(metadata_store *store, const char *operation,
                                         const char *token, double now, double max_age,
                                         store_idempotency *out, vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    memset(out, 0, sizeof *out);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    status = idempotency_forget_old(s, now - max_age, err);
    if (status == VGL_OK)
        status = idempotency_select(s, operation, token, out, err);
    status = end(s, status, err);
    if (status != VGL_OK)
        store_idempotency_clear(out);
    return status;
}

static vgl_status sqlite_idempotency_put(metadata_store *store, const char *operation,
                                         const char *token, const store_idempotency *record,
                                         vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    sqlite3_stmt *st;
    status = prepare(s, &st, err,
                     "INSERT OR REPLACE INTO idempotency(operation, token, params, status, body,"
                     " created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                     3, operation, token, record->params);
    if (status == VGL_OK) {
        sqlite3_bind_int(st, 4, record->status);
        sqlite3_bind_text(st, 5, record->body, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(st, 6, record->created);
        status = step_done(s, st, err);
    }
    return end(s, status, err);
}

void store_idempotency_clear(store_idempotency *record)
{
    free(record->params);
    free(record->body);
    record->params = record->body = NULL;
}

/* ------------------------------------------------------------ models */

static const char MODEL_COLUMNS[] =
    "SELECT project, version, status, status_message, description, output_bucket,"
    " output_prefix, kms_key_id, created, has_performance, f1, recall, precision,"
    " evaluation_manifest_key, evaluation_result_key, evaluation_end, min_units, max_units,"
    " model_file FROM models ";

static void model_from_row(sqlite3_stmt *st, void *row)
{
    store_model *m = row;
    copy_column(m->project, sizeof m->project, st, 0);
    m->version = sqlite3_column_int(st, 1);
    copy_column(m->status, sizeof m->status, st, 2);
    copy_column(m->status_message, sizeof m->status_message, st, 3);
    copy_column(m->description, sizeof m->description, st, 4);
    copy_column(m->output_bucket, sizeof m->output_bucket, st, 5);
    copy_column(m->output_prefix, sizeof m->output_prefix, st, 6);
    copy_column(m->kms_key_id, sizeof m->kms_key_id, st, 7);
    m->created = sqlite3_column_double(st, 8);
    m->has_performance = sqlite3_column_int(st, 9);
    m->f1 = sqlite3_column_double(st, 10);
    m->recall = sqlite3_column_double(st, 11);
    m->precision = sqlite3_column_double(st, 12);
    copy_column(m->evaluation_manifest_key, sizeof m->evaluation_manifest_key, st, 13);
    copy_column(m->evaluation_result_key, sizeof m->evaluation_result_key, st, 14);
    m->evaluation_end = sqlite3_column_double(st, 15);
    m->min_units = sqlite3_column_int(st, 16);
    m->max_units = sqlite3_column_int(st, 17);
    copy_column(m->model_file, sizeof m->model_file, st, 18);
}

static vgl_status model_select(sqlite_store *s, const char *project, int version,
                               store_model *out, vgl_error *err)
{
    char sql[sizeof MODEL_COLUMNS + 64];
    snprintf(sql, sizeof sql, "%sWHERE project = ?1 AND version = ?2", MODEL_COLUMNS);
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err, sql, 1, project);
    if (status != VGL_OK)
        return status;
    sqlite3_bind_int(st, 2, version);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        model_from_row(st, out);
    else if (rc == SQLITE_DONE)
        status = vgl_error_set(err, VGL_ENOTFOUND, "Model version %d of project %s does not exist.",
                               version, project);
    else
        status = db_error(s, err, "read model");
    sqlite3_finalize(st);
    return status;
}

static vgl_status model_insert(sqlite_store *s, const store_model *m, vgl_error *err)
{
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err,
                                "INSERT INTO models(project, status, status_message, description,"
                                " output_bucket, output_prefix, kms_key_id, version, created)"
                                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                7, m->project, m->status, m->status_message, m->description,
                                m->output_bucket, m->output_prefix, m->kms_key_id);
    if (status != VGL_OK)
        return status;
    sqlite3_bind_int(st, 8, m->version);
    sqlite3_bind_double(st, 9, m->created);
    status = step_done(s, st, err);
    if (status == VGL_OK)
        status = prepare(s, &st, err,
                         "INSERT INTO model_jobs(project, version, created) VALUES (?1, ?2, ?3)",
                         1, m->project);
    if (status != VGL_OK)
        return status;
    sqlite3_bind_int(st, 2, m->version);
    sqlite3_bind_double(st, 3, m->created);
    return step_done(s, st, err);
}

static vgl_status sqlite_model_create(metadata_store *store, store_model *model,
                                      int max_training, vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    int training = 0;
    status = project_select(s, model->project, NULL, err);
    if (status == VGL_OK)
        status = select_int(s, "SELECT count(*) FROM models WHERE status = ?1", "TRAINING",
                            &training, err);
    if (status == VGL_OK && training >= max_training)
        status = vgl_error_set(err, VGL_ELIMIT,
                               "%d models are training already, the most this service trains at"
                               " once. Try again when one has finished.", training);
    if (status == VGL_OK)
        status = select_int(s, "SELECT max(coalesce((SELECT max(version) FROM models"
                               " WHERE project = ?1), 0), coalesce((SELECT last FROM model_versions"
                               " WHERE project = ?1), 0)) + 1", model->project, &model->version,
                            err);
    sqlite3_stmt *st;
    if (status == VGL_OK &&
        (status = prepare(s, &st, err, "INSERT OR REPLACE INTO model_versions(project, last)"
                                       " VALUES (?1, ?2)", 1, model->project)) == VGL_OK) {
        sqlite3_bind_int(st, 2, model->version);
        status = step_done(s, st, err);
    }
    if (status == VGL_OK)
        status = model_insert(s, model, err);
    return end(s, status, err);
}

static vgl_status sqlite_model_get(metadata_store *store, const char *project, int version,
                                   store_model *out, vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    return end(s, model_select(s, project, version, out, err), err);
}

static vgl_status model_rows(sqlite_store *s, const char *project, int after_version,
                             size_t limit, store_model **out, size_t *count, vgl_error *err)
{
    char sql[sizeof MODEL_COLUMNS + 96];
    snprintf(sql, sizeof sql, "%sWHERE project = ?1 AND version > ?2 ORDER BY version LIMIT ?3",
             MODEL_COLUMNS);
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err, sql, 1, project);
    if (status != VGL_OK)
        return status;
    sqlite3_bind_int(st, 2, after_version);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
    static const row_kind models = {sizeof(store_model), model_from_row, NULL, "models"};
    void *rows = NULL;
    status = collect_rows(s, st, &models, limit, &rows, count, err);
    *out = rows;
    return status;
}

static vgl_status sqlite_model_list(metadata_store *store, const char *project, int after_version,
                                    size_t limit, store_model **out, size_t *count,
                                    vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    return end(s, model_rows(s, project, after_version, limit, out, count, err), err);
}

static vgl_status model_write(sqlite_store *s, const store_model *m, vgl_error *err)
{
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err,
                                "UPDATE models SET status = ?3, status_message = ?4,"
                                " evaluation_manifest_key = ?5, evaluation_result_key = ?6,"
                                " model_file = ?7, has_performance = ?8, f1 = ?9, recall = ?10,"
                                " precision = ?11, evaluation_end = ?12, min_units = ?13,"
                                " max_units = ?14 WHERE project = ?1 AND version = ?2",
                                1, m->project);
    if (status != VGL_OK)
        return status;
    sqlite3_bind_int(st, 2, m->version);
    sqlite3_bind_text(st, 3, m->status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, m->status_message, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, m->evaluation_manifest_key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, m->evaluation_result_key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, m->model_file, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 8, m->has_performance);
    sqlite3_bind_double(st, 9, m->f1);
    sqlite3_bind_double(st, 10, m->recall);
    sqlite3_bind_double(st, 11, m->precision);
    sqlite3_bind_double(st, 12, m->evaluation_end);
    sqlite3_bind_int(st, 13, m->min_units);
    sqlite3_bind_int(st, 14, m->max_units);
    return step_done(s, st, err);
}

static vgl_status sqlite_model_update(metadata_store *store, const store_model *model,
                                      int finish_job, vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    status = model_write(s, model, err);
    sqlite3_stmt *st;
    if (status == VGL_OK && finish_job &&
        (status = prepare(s, &st, err, "DELETE FROM model_jobs WHERE project = ?1 AND version = ?2",
                          1, model->project)) == VGL_OK) {
        sqlite3_bind_int(st, 2, model->version);
        status = step_done(s, st, err);
    }
    return end(s, status, err);
}

static vgl_status sqlite_model_transition(metadata_store *store, const char *project,
                                          int version, const char *from, const char *to,
                                          const char *message, int min_units, int max_units,
                                          store_model *out, vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    store_model m;
    status = model_select(s, project, version, &m, err);
    if (status == VGL_OK && !status_in(m.status, from))
        status = vgl_error_set(err, VGL_EINVAL, "Model version %d of project %s is %s.", version,
                               project, m.status);
    if (status == VGL_OK) {
        snprintf(m.status, sizeof m.status, "%s", to);
        snprintf(m.status_message, sizeof m.status_message, "%s", message);
        if (min_units > 0) {
            m.min_units = min_units;
            m.max_units = max_units;
        }
        status = model_write(s, &m, err);
    }
    if (status == VGL_OK && out)
        *out = m;
    return end(s, status, err);
}

static vgl_status model_remove(sqlite_store *s, const char *project, int version,
                               const char *arn, vgl_error *err)
{
    store_model m;
    vgl_status status = model_select(s, project, version, &m, err);
    if (status == VGL_OK && status_in(m.status, "TRAINING|STARTING_HOSTING|HOSTED|STOPPING_HOSTING"))
        return vgl_error_set(err, VGL_EINVAL, "Model version %d of project %s is %s; %s", version,
                             project, m.status,
                             strcmp(m.status, "TRAINING") == 0
                                 ? "wait until its training ends."
                                 : "stop it first.");
    sqlite3_stmt *st;
    if (status == VGL_OK)
        status = prepare(s, &st, err, "DELETE FROM tags WHERE arn = ?1", 1, arn);
    if (status == VGL_OK)
        status = step_done(s, st, err);
    if (status == VGL_OK)
        status = prepare(s, &st, err, "DELETE FROM models WHERE project = ?1 AND version = ?2", 1,
                         project);
    if (status != VGL_OK)
        return status;
    sqlite3_bind_int(st, 2, version);
    return step_done(s, st, err);
}

static vgl_status remove_model(sqlite_store *s, const char *const *names, int number,
                               vgl_error *err)
{
    return model_remove(s, names[0], number, names[1], err);
}

static vgl_status sqlite_model_delete(metadata_store *store, const char *project, int version,
                                      const char *arn, vgl_error *err)
{
    const char *names[] = {project, arn};
    return delete_with_reserve(as_sqlite(store), remove_model, names, version, err);
}

/* ------------------------------------------------------------ packaging jobs */

static const char PACKAGING_COLUMNS[] =
    "SELECT id, project, name, model_version, description, configuration, component_name,"
    " component_version, component_version_arn, status, status_message, created, updated"
    " FROM packaging_jobs ";

static void packaging_rows_free(void *rows, size_t n)
{
    store_packaging_jobs_free(rows, n);
}

static void packaging_job_from_row(sqlite3_stmt *st, void *row)
{
    store_packaging_job *j = row;
    j->id = sqlite3_column_int64(st, 0);
    copy_column(j->project, sizeof j->project, st, 1);
    copy_column(j->name, sizeof j->name, st, 2);
    j->model_version = sqlite3_column_int(st, 3);
    copy_column(j->description, sizeof j->description, st, 4);
    j->configuration = dup_column(st, 5);
    copy_column(j->component_name, sizeof j->component_name, st, 6);
    copy_column(j->component_version, sizeof j->component_version, st, 7);
    copy_column(j->component_version_arn, sizeof j->component_version_arn, st, 8);
    copy_column(j->status, sizeof j->status, st, 9);
    copy_column(j->status_message, sizeof j->status_message, st, 10);
    j->created = sqlite3_column_double(st, 11);
    j->updated = sqlite3_column_double(st, 12);
}

/* A component version is published once: by the job that did not fail. */
static vgl_status packaging_check_unique(sqlite_store *s, const store_packaging_job *j,
                                         vgl_error *err)
{
    int same_name = 0, same_component = 0;
    vgl_status status = VGL_OK;
    sqlite3_stmt *st;
    if ((status = prepare(s, &st, err, "SELECT count(*) FROM packaging_jobs WHERE project = ?1"
                                       " AND name = ?2", 2, j->project, j->name)) != VGL_OK)
        return status;
    same_name = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if ((status = prepare(s, &st, err, "SELECT count(*) FROM packaging_jobs WHERE"
                                       " component_name = ?1 AND component_version = ?2 AND"
                                       " status <> 'FAILED'", 2, j->component_name,
                          j->component_version)) != VGL_OK)
        return status;
    same_component = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (same_name < 0 || same_component < 0)
        return db_error(s, err, "read packaging jobs");
    if (same_name)
        return vgl_error_set(err, VGL_EINVAL,
                             "The project %s already has a model packaging job named %s.",
                             j->project, j->name);
    if (same_component)
        return vgl_error_set(err, VGL_EINVAL,
                             "Version %s of component %s is already published by another model"
                             " packaging job; give another ComponentVersion.",
                             j->component_version, j->component_name);
    return VGL_OK;
}

static vgl_status packaging_insert(sqlite_store *s, store_packaging_job *j, vgl_error *err)
{
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err,
                                "INSERT INTO packaging_jobs(project, name, description,"
                                " configuration, component_name, component_version, status,"
                                " status_message, model_version, created, updated)"
                                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                                8, j->project, j->name, j->description, j->configuration,
                                j->component_name, j->component_version, j->status,
                                j->status_message);
    if (status != VGL_OK)
        return status;
    sqlite3_bind_int(st, 9, j->model_version);
    sqlite3_bind_double(st, 10, j->created);
    sqlite3_bind_double(st, 11, j->updated);
    status = step_done(s, st, err);
    if (status == VGL_OK)
        j->id = sqlite3_last_insert_rowid(s->db);
    return status;
}

static vgl_status sqlite_packaging_job_create(metadata_store *store, store_packaging_job *job,
                                              vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    status = project_select(s, job->project, NULL, err);
    if (status == VGL_OK)
        status = packaging_check_unique(s, job, err);
    if (status == VGL_OK)
        status = packaging_insert(s, job, err);
    return end(s, status, err);
}

static vgl_status packaging_select(sqlite_store *s, const char *project, const char *name,
                                   store_packaging_job *out, vgl_error *err)
{
    char sql[sizeof PACKAGING_COLUMNS + 64];
    snprintf(sql, sizeof sql, "%sWHERE project = ?1 AND name = ?2", PACKAGING_COLUMNS);
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err, sql, 2, project, name);
    if (status != VGL_OK)
        return status;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        packaging_job_from_row(st, out);
    else if (rc == SQLITE_DONE)
        status = vgl_error_set(err, VGL_ENOTFOUND,
                               "The project %s has no model packaging job named %s.", project,
                               name);
    else
        status = db_error(s, err, "read packaging job");
    sqlite3_finalize(st);
    return status;
}

static vgl_status sqlite_packaging_job_get(metadata_store *store, const char *project,
                                           const char *name, store_packaging_job *out,
                                           vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    return end(s, packaging_select(s, project, name, out, err), err);
}

static vgl_status packaging_rows(sqlite_store *s, const char *project, int64_t after_id,
                                 size_t limit, store_packaging_job **out, size_t *count,
                                 vgl_error *err)
{
    char sql[sizeof PACKAGING_COLUMNS + 96];
    snprintf(sql, sizeof sql, "%sWHERE project = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
             PACKAGING_COLUMNS);
    sqlite3_stmt *st;
    vgl_status status = prepare(s, &st, err, sql, 1, project);
    if (status != VGL_OK)
        return status;
    sqlite3_bind_int64(st, 2, after_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
    static const row_kind jobs = {sizeof(store_packaging_job), packaging_job_from_row,
                                  packaging_rows_free, "packaging jobs"};
    void *rows = NULL;
    status = collect_rows(s, st, &jobs, limit, &rows, count, err);
    *out = rows;
    return status;
}

static vgl_status sqlite_packaging_job_list(metadata_store *store, const char *project,
                                            int64_t after_id, size_t limit,
                                            store_packaging_job **out, size_t *count,
                                            vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    return end(s, packaging_rows(s, project, after_id, limit, out, count, err), err);
}

static vgl_status sqlite_packaging_job_update(metadata_store *store,
                                              const store_packaging_job *job, vgl_error *err)
{
    sqlite_store *s = as_sqlite(store);
    vgl_status status = begin(s, err);
    if (status != VGL_OK)
        return status;
    sqlite3_stmt *st;
    status = prepare(s, &st, err,
                     "UPDATE packaging_jobs SET status = ?3, status_message = ?4,"
                     " component_version_arn = ?5, updated = ?6 WHERE project = ?1 AND name = ?2",
                     5, job->project, job->name, job->status, job->status_message,
                     job->component_version_arn);
    if (status == VGL_OK) {
        sqlite3_bind_double(st, 6, job->updated);
        status = step_done(s, st, err);
    }
    if (status == VGL_OK && sqlite3_changes(s->db) == 0)
        status = vgl_error_set(err, VGL_ENOTFOUND, "The model packaging job %s is gone.",
                               job->name);
    return end(s, status, err);
}

void store_packaging_job_clear(store_packaging_job *job)
{
    free(job->configuration);
    job->configuration = NULL;
}

void store_packaging_jobs_free(store_packaging_job *jobs, size_t count)
{
    for (size_t i = 0; jobs && i < count; i++)
        store_packaging_job_clear(&jobs[i]);
    free(jobs);
}

/* ------------------------------------------------------------ open/close */

static vgl_status schema_version(sqlite_store *s, int *version, vgl_error *err)
{
    vgl_status status = exec_sql(s, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", err);
    sqlite3_stmt *st;
    if (status == VGL_OK)
        status = prepare(s, &st, err, "SELECT coalesce(max(version), 0) FROM schema_version", 0);
    if (status != VGL_OK)
        return status;
    if (sqlite3_step(st) == SQLITE_ROW)
        *version = sqlite3_column_int(st, 0);
    else
        status = db_error(s, err, "read schema version");
    sqlite3_finalize(st);
    return status;
}

static vgl_status migrate(sqlite_store *s, vgl_error *err)
{
    int version = 0;
    vgl_status status = schema_version(s, &version, err);
    if (status == VGL_OK && version > N_MIGRATIONS)
        return vgl_error_set(err, VGL_EUNSUPPORTED,
                             "metadata store: schema version %d is newer than this build (%d)",
                             version, N_MIGRATIONS);
    for (; status == VGL_OK && version < N_MIGRATIONS; version++)
        status = exec_sql(s, MIGRATIONS[version], err);
    if (status == VGL_OK) {
        char sql[96];
        snprintf(sql, sizeof sql, "DELETE FROM schema_version; INSERT INTO schema_version VALUES (%d)",
                 version);
        status = exec_sql(s, sql, err);
    }
    return status;
}

/* Jobs still recorded were running when the last process stopped: their
 * datasets end in a failed status that says why. */
static vgl_status fail_interrupted_jobs(sqlite_store *s, vgl_error *err)
{
    return exec_sql(
        s,
        "UPDATE datasets SET status = 'CREATE_FAILED', updated = (julianday('now') - 2440587.5) * 86400.0,"
        " status_message = 'The import was interrupted because the service stopped before it"
        " finished. Delete the dataset and create it again.'"
        " WHERE (project, type) IN (SELECT project, type FROM dataset_jobs WHERE kind = 1);"
        "UPDATE datasets SET status = 'UPDATE_FAILED_ROLLBACK_COMPLETE',"
        " updated = (julianday('now') - 2440587.5) * 86400.0,"
        " status_message = 'The update was interrupted because the service stopped before it"
        " finished; none of its changes were applied.'"
        " WHERE (project, type) IN (SELECT project, type FROM dataset_jobs WHERE kind = 2);"
        "DELETE FROM dataset_jobs;"
        /* models: a training cut short; hosting lived in memory, so a model
         * being stopped is stopped, and a hosted (or starting) one is left
         * STARTING_HOSTING for the service to host again (model_hosting_restore) */
        "UPDATE models SET status = 'TRAINING_FAILED', status_message = 'The training was"
        " interrupted by a restart of the service. Delete the model and create it again.'"
        " WHERE (project, version) IN (SELECT project, version FROM model_jobs)"
        " OR status = 'TRAINING';"
        "DELETE FROM model_jobs;"
        "UPDATE models SET status = 'TRAINED', status_message = 'The model was stopped.'"
        " WHERE status = 'STOPPING_HOSTING';"
        "UPDATE models SET status = 'STARTING_HOSTING', status_message = 'Hosting the model"
        " again after a restart of the service.'"
        " WHERE status IN ('STARTING_HOSTING', 'HOSTED');"
        "UPDATE packaging_jobs SET status = 'FAILED', updated = (julianday('now') - 2440587.5)"
        " * 86400.0, status_message = 'The packaging job was interrupted by a restart of the"
        " service. Start a new packaging job.' WHERE status IN ('CREATED', 'RUNNING');",
        err);
}

static vgl_status configure(sqlite_store *s, vgl_error *err)
{
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 10000);
    vgl_status status = exec_sql(s, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
                                    " PRAGMA synchronous = NORMAL;", err);
    if (status == VGL_OK)
        status = begin(s, err);
    if (status != VGL_OK)
        return status;
    status = migrate(s, err);
    if (status == VGL_OK)
        status = fail_interrupted_jobs(s, err);
    return end(s, status, err);
}

static void sqlite_close(metadata_store *store)
{
    sqlite_store *s = as_sqlite(store);
    sqlite3_close_v2(s->db);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static const metadata_store_ops SQLITE_OPS = {
    .close = sqlite_close,
    .project_create = sqlite_project_create,
    .project_get = sqlite_project_get,
    .project_list = sqlite_project_list,
    .project_delete = sqlite_project_delete,
    .dataset_create = sqlite_dataset_create,
    .dataset_get = sqlite_dataset_get,
    .dataset_list = sqlite_dataset_list,
    .dataset_begin_job = sqlite_dataset_begin_job,
    .dataset_finish_job = sqlite_dataset_finish_job,
    .dataset_delete = sqlite_dataset_delete,
    .entry_list = sqlite_entry_list,
    .tag_set = sqlite_tag_set,
    .tag_remove = sqlite_tag_remove,
    .tag_list = sqlite_tag_list,
    .idempotency_get = sqlite_idempotency_get,
    .idempotency_put = sqlite_idempotency_put,
    .model_create = sqlite_model_create,
    .model_get = sqlite_model_get,
    .model_list = sqlite_model_list,
    .model_update = sqlite_model_update,
    .model_transition = sqlite_model_transition,
    .model_delete = sqlite_model_delete,
    .packaging_job_create = sqlite_packaging_job_create,
    .packaging_job_get = sqlite_packaging_job_get,
    .packaging_job_list = sqlite_packaging_job_list,
    .packaging_job_update = sqlite_packaging_job_update,
};

vgl_status metadata_store_open(const char *data_dir, metadata_store **out, vgl_error *err)
{
    *out = NULL;
    sqlite_store *s = calloc(1, sizeof *s);
    if (!s)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory opening the metadata store");
    s->base.ops = &SQLITE_OPS;
    pthread_mutex_init(&s->lock, NULL);
    char path[4096];
    snprintf(path, sizeof path, "%s/metadata.db", data_dir);
    snprintf(s->reserve, sizeof s->reserve, "%s/%s", data_dir, SPACE_RESERVE_NAME);
    vgl_status status = VGL_OK;
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK)
        status = vgl_error_set(err, VGL_EIO, "cannot open the metadata store %s: %s", path,
                               s->db ? sqlite3_errmsg(s->db) : "out of memory");
    if (status == VGL_OK)
        status = configure(s, err);
    if (status != VGL_OK) {
        metadata_store_close(&s->base);
        return status;
    }
    space_reserve_keep(s->reserve);
    *out = &s->base;
    return VGL_OK;
}

/* Whatever the backend, closing goes through its ops. */
void metadata_store_close(metadata_store *store)
{
    if (store)
        store->ops->close(store);
}

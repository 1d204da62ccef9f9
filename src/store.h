/*
 * store.h - the metadata store: projects, datasets and their entries, tags,
 * idempotency records and the durable record of background dataset jobs.
 *
 * One interface, several backends: handlers call the functions below, which
 * dispatch through store->ops, so a PostgreSQL backend can be added next to
 * store_sqlite.c without touching a handler.  Every call is one transaction:
 * it either happens entirely or not at all.  Calls are safe from several
 * threads (the import workers and the HTTP threads share one store).
 *
 * Status conventions (vgl_status, so messages travel as everywhere else):
 *   VGL_ENOTFOUND  the project / dataset / record does not exist
 *   VGL_EINVAL     a conflict: the thing exists already, or its state or its
 *                  children forbid the change (the handlers answer 409)
 *   VGL_EIO        the database failed
 * Timestamps are epoch seconds (fractions allowed), as the API returns them.
 */
#ifndef VIGIL_STORE_H
#define VIGIL_STORE_H

#include "vigil.h"

#include <stddef.h>
#include <stdint.h>

typedef struct metadata_store metadata_store;

#define STORE_NAME_MAX 256      /* project names: 255 characters */
#define STORE_ARN_MAX 1024
#define STORE_STATUS_MAX 48
#define STORE_MESSAGE_MAX 1024

typedef struct store_project {
    char name[STORE_NAME_MAX];
    char arn[STORE_ARN_MAX];
    double created;
} store_project;

typedef struct store_dataset {
    char project[STORE_NAME_MAX];
    char type[8];                     /* "train" or "test" */
    char status[STORE_STATUS_MAX];    /* DatasetStatus enum */
    char status_message[STORE_MESSAGE_MAX];
    double created;
    double updated;
    char bucket[64];                  /* the bucket of its images, "" while empty */
    int64_t total, labeled, normal, anomaly; /* ImageStats */
} store_dataset;

/* One dataset entry to add or replace (keyed by source_ref). */
typedef struct store_entry_in {
    const char *source_ref;
    const char *line;   /* the JSON line as listed by ListDatasetEntries */
    int label;          /* -1 unlabelled, 0 normal, 1 anomaly */
} store_entry_in;

typedef struct store_entry {
    int64_t id;         /* insertion order; the pagination cursor */
    char *line;         /* malloc'ed */
} store_entry;

/* ListDatasetEntries' filters; every one optional, all combined with AND. */
typedef struct store_entry_filter {
    int labeled;                   /* -1 any, 0 unlabelled only, 1 labelled only */
    int label;                     /* -1 any, 0 normal, 1 anomaly */
    int has_before, has_after;
    double before, after;          /* creation time, exclusive bounds */
    const char *source_ref_contains; /* NULL for any; case-sensitive */
    int64_t after_id;              /* entries with id > after_id (0: from the start) */
    size_t limit;
} store_entry_filter;

typedef struct store_tag {
    char *key;
    char *value;
} store_tag;

/* A background dataset job (import or update), recorded before it runs so
 * that a restart can tell it was interrupted. */
typedef enum store_job_kind { STORE_JOB_IMPORT = 1, STORE_JOB_UPDATE = 2 } store_job_kind;

/* ---- models (added for "Models over the API") ----
 * A model version of a project (1, 2, ... per project) and, while it
 * trains, its durable job: a job still recorded when the store opens was
 * interrupted, and its model ends TRAINING_FAILED. */
typedef struct store_model {
    char project[STORE_NAME_MAX];
    int version;
    char status[STORE_STATUS_MAX];            /* ModelStatus enum */
    char status_message[STORE_MESSAGE_MAX];
    char description[512];
    char output_bucket[64];
    char output_prefix[1024];
    char kms_key_id[2048];
    double created;
    int has_performance;                      /* F1, recall, precision set once trained */
    double f1, recall, precision;
    char evaluation_manifest_key[1664];       /* in output_bucket; "" until trained */
    char evaluation_result_key[1664];
    double evaluation_end;                    /* 0 until trained */
    int min_units, max_units;                 /* 0 until started */
    char model_file[1024];                    /* relative to the data dir; "" until trained */
} store_model;

/* ---- model packaging jobs (added for "Edge") ----
 * A StartModelPackagingJob: its row is its durable record, so a job found
 * CREATED or RUNNING when the store opens was cut short by a restart and
 * ends FAILED. */
typedef struct store_packaging_job {
    int64_t id;                               /* creation order; the pagination cursor */
    char project[STORE_NAME_MAX];
    char name[72];                            /* JobName: 1..64 */
    int model_version;                        /* the concrete version ("latest" resolved) */
    char description[260];                    /* "" when none */
    char *configuration;                      /* the request's Configuration as JSON; malloc'ed */
    char component_name[132];
    char component_version[72];               /* given or "<ModelVersion>.0.0" */
    char component_version_arn[STORE_ARN_MAX]; /* "" until SUCCEEDED */
    char status[STORE_STATUS_MAX];            /* CREATED, RUNNING, SUCCEEDED, FAILED */
    char status_message[STORE_MESSAGE_MAX];
    double created, updated;
} store_packaging_job;

/* An idempotency record: the canonical parameters of the first call and its
 * response. */
typedef struct store_idempotency {
    char *params;
    int status;
    char *body;
    double created;
} store_idempotency;

typedef struct metadata_store_ops {
    void (*close)(metadata_store *store);

    /* projects; project_create: VGL_EINVAL when the name exists.
     * project_delete: VGL_EINVAL while datasets (or models) refer to it; its
     * tags go with it. */
    vgl_status (*project_create)(metadata_store *store, const store_project *project,
                                 vgl_error *err);
    vgl_status (*project_get)(metadata_store *store, const char *name, store_project *out,
                              vgl_error *err);
    /* Up to `limit` projects with names after `after` ("" from the start), by name. */
    vgl_status (*project_list)(metadata_store *store, const char *after, size_t limit,
                               store_project **out, size_t *count, vgl_error *err);
    vgl_status (*project_delete)(metadata_store *store, const char *name, vgl_error *err);

    /* datasets; dataset_create: VGL_ENOTFOUND without the project, VGL_EINVAL
     * when that type exists.  With job_payload (not NULL), a job of job_kind
     * is recorded in the same transaction and its id returned in *job_id. */
    vgl_status (*dataset_create)(metadata_store *store, const store_dataset *dataset,
                                 store_job_kind job_kind, const char *job_payload,
                                 int64_t *job_id, vgl_error *err);
    vgl_status (*dataset_get)(metadata_store *store, const char *project, const char *type,
                              store_dataset *out, vgl_error *err);
    vgl_status (*dataset_list)(metadata_store *store, const char *project, store_dataset **out,
                               size_t *count, vgl_error *err);
    /* Moves a dataset whose status is one of `from` ("A|B|C") to `to` and
     * records a job (VGL_EINVAL in any other status): starts
     * UpdateDatasetEntries. */
    vgl_status (*dataset_begin_job)(metadata_store *store, const char *project, const char *type,
                                    const char *from, const char *to, store_job_kind job_kind,
                                    const char *job_payload, int64_t *job_id, vgl_error *err);
    /* Ends a job: adds or replaces `entries` (by source_ref; bucket set when
     * not NULL), sets the status, message and update time, deletes the job. */
    vgl_status (*dataset_finish_job)(metadata_store *store, int64_t job_id, const char *project,
                                     const char *type, const store_entry_in *entries,
                                     size_t count, const char *bucket, const char *status,
                                     const char *message, double now, vgl_error *err);
    /* VGL_EINVAL while the dataset is in an *_IN_PROGRESS status. */
    vgl_status (*dataset_delete)(metadata_store *store, const char *project, const char *type,
                                 vgl_error *err);
    vgl_status (*entry_list)(metadata_store *store, const char *project, const char *type,
                             const store_entry_filter *filter, store_entry **out, size_t *count,
                             vgl_error *err);

    /* tags of any resource, keyed by its ARN; tag_set adds or overwrites and
     * fails with VGL_ELIMIT when the resource would hold more than max_tags. */
    vgl_status (*tag_set)(metadata_store *store, const char *arn, const store_tag *tags,
                          size_t count, size_t max_tags, vgl_error *err);
    vgl_status (*tag_remove)(metadata_store *store, const char *arn, const char *const *keys,
                             size_t count, vgl_error *err);
    vgl_status (*tag_list)(metadata_store *store, const char *arn, store_tag **out,
                           size_t *count, vgl_error *err);

    /* idempotency records older than max_age are forgotten (VGL_ENOTFOUND). */
    vgl_status (*idempotency_get)(metadata_store *store, const char *operation,
                                  const char *token, double now, double max_age,
                                  store_idempotency *out, vgl_error *err);
    vgl_status (*idempotency_put)(metadata_store *store, const char *operation,
                                  const char *token, const store_idempotency *record,
                                  vgl_error *err);

    /* ---- models (added for "Models over the API") ----
     * model_create: gives the model the project's next version and records
     * its training job; VGL_ENOTFOUND without the project, VGL_ELIMIT when
     * max_training models of the account are TRAINING already. */
    vgl_status (*model_create)(metadata_store *store, store_model *model, int max_training,
                               vgl_error *err);
    vgl_status (*model_get)(metadata_store *store, const char *project, int version,
                            store_model *out, vgl_error *err);
    /* Up to `limit` models with versions after `after_version`, by version. */
    vgl_status (*model_list)(metadata_store *store, const char *project, int after_version,
                             size_t limit, store_model **out, size_t *count, vgl_error *err);
    /* Writes every mutable member; with finish_job, the training job ends too. */
    vgl_status (*model_update)(metadata_store *store, const store_model *model, int finish_job,
                               vgl_error *err);
    /* Moves a model whose status is one of `from` ("A|B") to `to` with
     * message (VGL_EINVAL otherwise); units > 0 set the inference units.
     * *out (may be NULL) receives the model after the change. */
    vgl_status (*model_transition)(metadata_store *store, const char *project, int version,
                                   const char *from, const char *to, const char *message,
                                   int min_units, int max_units, store_model *out,
                                   vgl_error *err);
    /* VGL_EINVAL while it trains or is hosted; its tags go with it. */
    vgl_status (*model_delete)(metadata_store *store, const char *project, int version,
                               const char *arn, vgl_error *err);

    /* ---- model packaging jobs (added for "Edge") ----
     * packaging_job_create: VGL_ENOTFOUND without the project, VGL_EINVAL
     * when the project has a job of that name, or when a job that has not
     * failed publishes the same component name and version; gives job->id.
     * Jobs read out own their configuration (store_packaging_job_clear). */
    vgl_status (*packaging_job_create)(metadata_store *store, store_packaging_job *job,
                                       vgl_error *err);
    vgl_status (*packaging_job_get)(metadata_store *store, const char *project, const char *name,
                                    store_packaging_job *out, vgl_error *err);
    /* Up to `limit` jobs of the project created after the job `after_id`
     * (0: from the first), in creation order. */
    vgl_status (*packaging_job_list)(metadata_store *store, const char *project, int64_t after_id,
                                     size_t limit, store_packaging_job **out, size_t *count,
                                     vgl_error *err);
    /* Writes status, status_message, component_version_arn and updated. */
    vgl_status (*packaging_job_update)(metadata_store *store, const store_packaging_job *job,
                                       vgl_error *err);
} metadata_store_ops;

struct metadata_store {
    const metadata_store_ops *ops;
};

/* Opens (creating it if needed) the SQLite store `metadata.db` in data_dir,
 * brings its schema up to date, and ends every job a previous process left
 * unfinished: an interrupted import becomes CREATE_FAILED, an interrupted
 * update UPDATE_FAILED_ROLLBACK_COMPLETE, each with a StatusMessage saying so;
 * an interrupted training TRAINING_FAILED.  Hosting lived in the previous
 * process's memory: a model being stopped becomes TRAINED, a hosted or
 * starting one STARTING_HOSTING, to be hosted again by the service.  An
 * unfinished packaging job becomes FAILED. */
vgl_status metadata_store_open(const char *data_dir, metadata_store **out, vgl_error *err);
void metadata_store_close(metadata_store *store);

/* The schema version this build writes. */
int metadata_store_schema_version(void);

void store_entries_free(store_entry *entries, size_t count);
void store_tags_free(store_tag *tags, size_t count);
void store_idempotency_clear(store_idempotency *record);
/* Frees a job's configuration; _free clears count jobs and the array. */
void store_packaging_job_clear(store_packaging_job *job);
void store_packaging_jobs_free(store_packaging_job *jobs, size_t count);

#endif

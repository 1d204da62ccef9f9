/*
 * dataset_import.h - the background half of CreateDataset (importing a
 * Ground Truth manifest from the object store) and of UpdateDatasetEntries
 * (adding or replacing entries), and the checks both apply to every line.
 *
 * The handler records the job in the store first, in the same transaction
 * that sets the dataset's *_IN_PROGRESS status; dataset_job_start then runs
 * it on a detached thread, which ends it in one transaction: the entries and
 * CREATE_COMPLETE / UPDATE_COMPLETE, or no entries and CREATE_FAILED /
 * UPDATE_FAILED_ROLLBACK_COMPLETE with a StatusMessage naming the line and
 * the image.  A job a restart interrupted is failed by metadata_store_open.
 */
#ifndef VIGIL_DATASET_IMPORT_H
#define VIGIL_DATASET_IMPORT_H

#include "manifest.h"
#include "service.h"
#include "store.h"

/* Parsed lines: the manifest and, for each of its entries, the line as the
 * dataset keeps it (compact JSON, members in their order). */
typedef struct dataset_lines {
    manifest m;
    char **lines;
} dataset_lines;

/* Parses JSON Lines text (manifest.h's rules); the error names the line. */
vgl_status dataset_lines_parse(const char *text, size_t size, dataset_lines *out,
                               vgl_error *err);
void dataset_lines_free(dataset_lines *lines);

/* The import payload: where the manifest is. */
char *dataset_import_payload(const char *bucket, const char *key);

/* Runs a recorded job on a detached thread, reading each object with the
 * caller's s3:GetObject (an object it may not read fails the job as a
 * missing one does).  kind STORE_JOB_IMPORT: payload
 * from dataset_import_payload; STORE_JOB_UPDATE: payload is the JSON Lines
 * of the changes.  svc must outlive the job.  When no thread can be
 * started the job is failed at once; while the server stops it is left
 * recorded (background_jobs.h).  A running job stops at its next image
 * when the server does. */
void dataset_job_start(const service *svc, const auth_identity *caller, int64_t job_id,
                       store_job_kind kind, const char *project, const char *type,
                       const char *payload);

#endif

/*
 * evaluation_output.h - the JSON documents through which users read a
 * model's results, built in memory so that the offline tool (local files)
 * and the server (S3 objects, HTTP bodies) produce the same bytes:
 *
 *  - EvaluationResult-<project>-<version>.json: the test metrics
 *    (lookout-behaviour.md 5.3.1);
 *  - EvaluationManifest-<project>-<version>.json: one JSON line per test
 *    image, truth and prediction side by side (5.3.2), with the predicted
 *    masks of segmentation models stored beside it through a callback;
 *  - DetectAnomalyResult: the answer of DetectAnomalies for one image (6.2).
 */
#ifndef VIGIL_EVALUATION_OUTPUT_H
#define VIGIL_EVALUATION_OUTPUT_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "vigil.h"

#define EVALUATION_TIMESTAMP_SIZE 32

/* Dump these documents with this flag (besides JSON_COMPACT or
 * JSON_INDENT): 15 significant digits print 0.9 as 0.9, not as the 17-digit
 * 0.90000000000000002, and lose nothing a metric or a confidence means. */
#define OUTPUT_JSON_PRECISION JSON_REAL_PRECISION(15)

/* What names a model in its outputs. */
typedef struct model_identity {
    const char *project_name;
    int model_version;
    const char *model_arn;
} model_identity;

/* arn:aws:lookoutvision:<region>:<account>:model/<project>/<version>. */
void evaluation_model_arn(char *out, size_t size, const char *region, const char *account,
                          const char *project_name, int model_version);

/* ISO-8601 UTC with milliseconds and a Z, e.g. "2022-08-22T20:52:51.000Z". */
void evaluation_timestamp(time_t when, char out[EVALUATION_TIMESTAMP_SIZE]);

/* "<kind>-<project>-<version>.json", kind being "EvaluationResult" or
 * "EvaluationManifest": the object names Lookout for Vision clients read. */
void evaluation_file_name(char *out, size_t size, const char *kind, const char *project_name,
                          int model_version);

/* The EvaluationResult document; NULL when out of memory. */
json_t *evaluation_result_json(const model_identity *model, const char *end_timestamp,
                               const vgl_evaluation *evaluation);

/* One test image as an EvaluationManifest line tells it. */
typedef struct evaluation_test {
    const char *source_ref;
    vgl_label truth;            /* VGL_LABEL_NONE leaves the truth keys out */
    const char *truth_mask_ref; /* the ground-truth mask, or NULL */
    int is_anomalous;
    double confidence;
    const char *mask_ref; /* the predicted mask; NULL for a classification model */
} evaluation_test;

/* One EvaluationManifest line; classes are the model's (they make the
 * colour maps of the masks).  NULL when out of memory. */
json_t *evaluation_manifest_line(const model_identity *model, const char *creation_date,
                                 const vgl_class *classes, int n_classes,
                                 const evaluation_test *test);

/* {"DetectAnomalyResult": {...}} for one detection.  A segmentation
 * detection (class_fraction set) also gets Anomalies, from classes (the
 * model's), and AnomalyMask, the base64 of mask_png.  NULL when out of
 * memory. */
json_t *detection_result_json(const vgl_detection *detection, const vgl_class *classes,
                              int n_classes, const uint8_t *mask_png, size_t mask_size);

/* Stores a predicted mask PNG under a file name (e.g. "anomaly-1.png") and
 * writes into ref what the manifest line should call it. */
typedef vgl_status (*evaluation_mask_store)(void *context, const char *file_name,
                                            const uint8_t *png, size_t size, char *ref,
                                            size_t ref_size, vgl_error *err);

/* Writes the references a manifest line gives a test sample's image and
 * ground-truth mask (an empty string: no mask) into buffers of size bytes. */
typedef void (*evaluation_sample_refs)(void *context, const vgl_sample *sample, char *source_ref,
                                       char *mask_ref, size_t size);

typedef struct evaluation_recorder_config {
    model_identity model;
    const char *creation_date;
    const vgl_class *classes; /* the model's */
    int n_classes;
    evaluation_mask_store store_mask; /* required for a segmentation model */
    void *store_context;
    /* NULL: the sample's name is its source-ref, and no mask is named. */
    evaluation_sample_refs sample_refs;
    void *refs_context;
} evaluation_recorder_config;

/* Builds the EvaluationManifest as the engine reports test images: its
 * evaluation_recorder_on_test is a vgl_test_callback. */
typedef struct evaluation_recorder {
    evaluation_recorder_config config;
    char *manifest; /* the JSON lines so far, NUL-terminated (NULL before the first) */
    size_t size, capacity;
    char **mask_names; /* file names given so far, to keep them unique */
    size_t n_masks, mask_capacity;
    size_t n_lines;
    vgl_error error; /* the first failure; later test images are skipped */
    pthread_mutex_t lock;
} evaluation_recorder;

void evaluation_recorder_init(evaluation_recorder *recorder,
                              const evaluation_recorder_config *config);
void evaluation_recorder_on_test(void *recorder, const vgl_sample *sample,
                                 const vgl_detection *detection, const uint8_t *truth_mask);
void evaluation_recorder_free(evaluation_recorder *recorder);

#endif

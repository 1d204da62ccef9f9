/*
 * detect_metrics.h - the counters of DetectAnomalies per project and model
 * version, Lookout's CloudWatch metrics (AWS/LookoutVision, dimensions
 * ProjectName and ModelVersion) kept for Prometheus, and their exposition
 * in the text format 0.0.4 served at GET /metrics.
 *
 * Counters live as long as the service: they survive StopModel and
 * StartModel, so a scraper sees them only grow.  Safe from any thread.
 */
#ifndef VIGIL_DETECT_METRICS_H
#define VIGIL_DETECT_METRICS_H

#include "inference_pool.h"
#include "store.h"
#include "vigil.h"

#include <stddef.h>

typedef struct detect_metrics detect_metrics;

/* How a DetectAnomalies request on an existing model ended. */
typedef enum detect_outcome {
    DETECT_NORMAL,        /* a result, not anomalous */
    DETECT_ANOMALOUS,     /* a result, anomalous */
    DETECT_INVALID_IMAGE, /* refused: content type, undecodable or wrong size (400) */
    DETECT_THROTTLED,     /* refused: the model's queue was full (429) */
    DETECT_ERROR,         /* any other failure: not hosted, detection failed */
} detect_outcome;

vgl_status detect_metrics_create(detect_metrics **out, vgl_error *err);
void detect_metrics_free(detect_metrics *metrics);

/* Counts one request; seconds (its time in the handler) feeds the latency
 * histogram for the requests that gave a result. */
void detect_metrics_record(detect_metrics *metrics, const char *project, int version,
                           detect_outcome outcome, double seconds);

/* The inference units of one hosted model, for the gauges. */
typedef struct units_gauge {
    char project[STORE_NAME_MAX];
    int version;
    inference_pool_stats units;
} units_gauge;

/* The exposition text (malloc'ed, NUL-terminated) of every counter and of
 * the gauges given; NULL when out of memory. */
char *detect_metrics_exposition(detect_metrics *metrics, const units_gauge *gauges,
                                size_t n_gauges);

/* The Content-Type of the exposition text. */
#define DETECT_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif

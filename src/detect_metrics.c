/*
 * detect_metrics.c - DetectAnomalies' counters (detect_metrics.h): a list of
 * series sorted by project and version under one mutex, and their
 * Prometheus text exposition.
 */
#include "detect_metrics.h"

#include "error.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds of the latency buckets, in seconds: a detection takes tens
 * of milliseconds on a free unit, seconds when it queues behind others. */
static const double BUCKETS[] = {0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define N_BUCKETS (sizeof BUCKETS / sizeof BUCKETS[0])

typedef struct series {
    char project[STORE_NAME_MAX];
    int version;
    uint64_t processed, anomalous, invalid, successful, errors, throttled;
    uint64_t latency_buckets[N_BUCKETS]; /* not cumulative; summed when written */
    uint64_t latency_count;
    double latency_sum;
    struct series *next;
} series;

struct detect_metrics {
    pthread_mutex_t lock;
    series *first;
};

vgl_status detect_metrics_create(detect_metrics **out, vgl_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory creating the metrics");
    pthread_mutex_init(&(*out)->lock, NULL);
    return VGL_OK;
}

void detect_metrics_free(detect_metrics *metrics)
{
    if (!metrics)
        return;
    while (metrics->first) {
        series *next = metrics->first->next;
        free(metrics->first);
        metrics->first = next;
    }
    pthread_mutex_destroy(&metrics->lock);
    free(metrics);
}

static int series_order(const char *project, int version, const series *s)
{
    int c = strcmp(project, s->project);
    return c ? c : (version > s->version) - (version < s->version);
}

/* The series of (project, version), created in its sorted place; NULL when
 * out of memory.  The caller holds the lock. */
static series *series_for(detect_metrics *metrics, const char *project, int version)
{
    series **p = &metrics->first;
    while (*p && series_order(project, version, *p) > 0)
        p = &(*p)->next;
    if (*p && series_order(project, version, *p) == 0)
        return *p;
    series *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    snprintf(s->project, sizeof s->project, "%s", project);
    s->version = version;
    s->next = *p;
    *p = s;
    return s;
}

static void record_latency(series *s, double seconds)
{
    size_t b = 0;
    while (b < N_BUCKETS && seconds > BUCKETS[b])
        b++;
    if (b < N_BUCKETS) /* beyond the last bound: only in +Inf, which is the count */
        s->latency_buckets[b]++;
    s->latency_count++;
    s->latency_sum += seconds;
}

void detect_metrics_record(detect_metrics *metrics, const char *project, int version,
                           detect_outcome outcome, double seconds)
{
    pthread_mutex_lock(&metrics->lock);
    series *s = series_for(metrics, project, version);
    if (s) {
        switch (outcome) {
        case DETECT_ANOMALOUS:
            s->anomalous++;
            /* fall through */
        case DETECT_NORMAL:
            s->processed++;
            s->successful++;
            record_latency(s, seconds);
            break;
        case DETECT_INVALID_IMAGE:
            s->invalid++;
            s->errors++;
            break;
        case DETECT_THROTTLED: s->throttled++; break;
        case DETECT_ERROR: s->errors++; break;
        }
    }
    pthread_mutex_unlock(&metrics->lock);
}

/* ------------------------------------------------------------ exposition */

/* Label values escaped as the format wants (\\, \" and \n). */
static void write_labels(FILE *out, const char *project, int version)
{
    fputs("{project=\"", out);
    for (const char *c = project; *c; c++) {
        if (*c == '\\' || *c == '"')
            fputc('\\', out);
        if (*c == '\n')
            fputs("\\n", out);
        else
            fputc(*c, out);
    }
    fprintf(out, "\",model_version=\"%d\"", version);
}

static void write_header(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

typedef struct counter {
    const char *name, *help;
    size_t offset; /* of the uint64_t in series */
} counter;

static const counter COUNTERS[] = {
    {"vigil_processed_images_total",
     "Images DetectAnomalies ran detection on (ProcessedImageCount).",
     offsetof(series, processed)},
    {"vigil_detected_anomalies_total",
     "Images DetectAnomalies found anomalous (DetectedAnomalyCount).",
     offsetof(series, anomalous)},
    {"vigil_invalid_images_total",
     "Requests refused because the image could not be used (InvalidImageCount).",
     offsetof(series, invalid)},
    {"vigil_successful_requests_total",
     "DetectAnomalies requests answered with a result (SuccessfulRequestCount).",
     offsetof(series, successful)},
    {"vigil_errors_total",
     "DetectAnomalies requests that failed, invalid images included, throttled ones not"
     " (ErrorCount).",
     offsetof(series, errors)},
    {"vigil_throttled_total",
     "DetectAnomalies requests refused with ThrottlingException because the model's queue"
     " was full (ThrottledCount).",
     offsetof(series, throttled)},
};

static void write_counters(FILE *out, const series *first)
{
    for (size_t c = 0; c < sizeof COUNTERS / sizeof COUNTERS[0]; c++) {
        write_header(out, COUNTERS[c].name, "counter", COUNTERS[c].help);
        for (const series *s = first; s; s = s->next) {
            fputs(COUNTERS[c].name, out);
            write_labels(out, s->project, s->version);
            uint64_t value;
            memcpy(&value, (const char *)s + COUNTERS[c].offset, sizeof value);
            fprintf(out, "} %llu\n", (unsigned long long)value);
        }
    }
}

static void write_histogram(FILE *out, const series *first)
{
    write_header(out, "vigil_detect_seconds", "histogram",
                 "Time of the DetectAnomalies requests that gave a result, from the request to"
                 " the result, waiting for an inference unit included (Time).");
    for (const series *s = first; s; s = s->next) {
        uint64_t cumulative = 0;
        for (size_t b = 0; b < N_BUCKETS; b++) {
            cumulative += s->latency_buckets[b];
            fputs("vigil_detect_seconds_bucket", out);
            write_labels(out, s->project, s->version);
            fprintf(out, ",le=\"%g\"} %llu\n", BUCKETS[b], (unsigned long long)cumulative);
        }
        fputs("vigil_detect_seconds_bucket", out);
        write_labels(out, s->project, s->version);
        fprintf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)s->latency_count);
        fputs("vigil_detect_seconds_sum", out);
        write_labels(out, s->project, s->version);
        fprintf(out, "} %.9g\n", s->latency_sum);
        fputs("vigil_detect_seconds_count", out);
        write_labels(out, s->project, s->version);
        fprintf(out, "} %llu\n", (unsigned long long)s->latency_count);
    }
}

typedef struct gauge {
    const char *name, *help;
} gauge;

static int gauge_value(const inference_pool_stats *units, size_t which)
{
    switch (which) {
    case 0: return units->min_units;
    case 1: return units->max_units;
    case 2: return units->desired_units;
    default: return units->in_service_units;
    }
}

static void write_gauges(FILE *out, const units_gauge *gauges, size_t n_gauges)
{
    static const gauge GAUGES[] = {
        {"vigil_min_inference_units", "MinInferenceUnits of the hosted model."},
        {"vigil_max_inference_units",
         "MaxInferenceUnits of the hosted model (MinInferenceUnits when it has none)."},
        {"vigil_desired_inference_units",
         "Inference units the scaling wants; above in-service while it scales up, below while"
         " it scales down."},
        {"vigil_in_service_inference_units", "Inference units running now."},
    };
    for (size_t g = 0; g < sizeof GAUGES / sizeof GAUGES[0]; g++) {
        write_header(out, GAUGES[g].name, "gauge", GAUGES[g].help);
        for (size_t i = 0; i < n_gauges; i++) {
            fputs(GAUGES[g].name, out);
            write_labels(out, gauges[i].project, gauges[i].version);
            fprintf(out, "} %d\n", gauge_value(&gauges[i].units, g));
        }
    }
}

char *detect_metrics_exposition(detect_metrics *metrics, const units_gauge *gauges,
                                size_t n_gauges)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return NULL;
    pthread_mutex_lock(&metrics->lock);
    write_counters(out, metrics->first);
    write_histogram(out, metrics->first);
    pthread_mutex_unlock(&metrics->lock);
    write_gauges(out, gauges, n_gauges);
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

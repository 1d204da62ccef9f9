/*
 * model_hosting.c - the registry of hosted models (model_hosting.h): a list
 * under one mutex, each entry reference-counted so that unhosting never
 * frees a model a detection is still running on, and each with its pool of
 * inference units.
 */
#include "model_hosting.h"

#include "error.h"
#include "sealed_model.h"
#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Threads of one detection on one unit: one.  Units are the parallelism;
 * two detections side by side keep two cores busy without the barriers of
 * a shared OpenMP team, which cost the most when the cores are shared: on
 * the 2-core machine of docs/benchmarks.md, loaded by other work, one
 * detection took a median 239 ms on one thread and 690 ms on two
 * (bench_detect, 2026-11-27), and an idle unit answers in its one
 * thread's time, 52 to 61 ms of CPU per image over HTTP. */
#define THREADS_PER_UNIT 1

struct hosted_model {
    char project[STORE_NAME_MAX];
    int version;
    vgl_model *model;
    inference_pool *units;
    int references; /* the registry's own (while listed) plus each acquire */
    hosted_model *next;
};

struct model_registry {
    pthread_mutex_t lock;
    hosted_model *first;
};

vgl_status model_registry_create(model_registry **out, vgl_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory creating the model registry");
    pthread_mutex_init(&(*out)->lock, NULL);
    return VGL_OK;
}

/* Stops the units (they finish the queued detections first) and frees the
 * model; called without the registry's lock, as that waits for them. */
static void hosted_free(hosted_model *hosted)
{
    if (!hosted)
        return;
    inference_pool_stop(hosted->units);
    vgl_model_free(hosted->model);
    free(hosted);
}

/* The model to free once the lock is released when this was the last
 * reference, else NULL; the caller holds the lock. */
static hosted_model *drop_reference(hosted_model *hosted)
{
    return --hosted->references == 0 ? hosted : NULL;
}

/* Unlinks (project, version) from the list; the caller holds the lock and
 * frees what this returns after releasing it. */
static hosted_model *unlink_model(model_registry *registry, const char *project, int version)
{
    for (hosted_model **p = &registry->first; *p; p = &(*p)->next) {
        hosted_model *h = *p;
        if (h->version == version && strcmp(h->project, project) == 0) {
            *p = h->next;
            return drop_reference(h);
        }
    }
    return NULL;
}

/* Runs on a unit's thread. */
static void run_detection(void *context, void *job_arg)
{
    const vgl_model *model = context;
    detect_job *job = job_arg;
    job->status = vgl_model_detect(model, job->image, THREADS_PER_UNIT, &job->detection,
                                   &job->err);
    if (job->status == VGL_OK && vgl_model_is_segmentation(model))
        job->status = vgl_detection_mask_png(model, &job->detection, &job->mask,
                                             &job->mask_size, &job->err);
}

vgl_status model_registry_host(model_registry *registry, const char *project, int version,
                               const char *path, int min_units, int max_units, vgl_error *err)
{
    hosted_model *hosted = calloc(1, sizeof *hosted);
    if (!hosted)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory hosting a model");
    vgl_status status = sealed_model_load(path, &hosted->model, err); /* encrypted at rest */
    if (status == VGL_OK) {
        inference_pool_config units = inference_pool_defaults(min_units, max_units);
        status = inference_pool_start(&units, run_detection, hosted->model, &hosted->units, err);
    }
    if (status != VGL_OK) {
        hosted_free(hosted);
        return status;
    }
    snprintf(hosted->project, sizeof hosted->project, "%s", project);
    hosted->version = version;
    hosted->references = 1;
    pthread_mutex_lock(&registry->lock);
    hosted_model *replaced = unlink_model(registry, project, version);
    hosted->next = registry->first;
    registry->first = hosted;
    pthread_mutex_unlock(&registry->lock);
    hosted_free(replaced);
    return VGL_OK;
}

void model_registry_unhost(model_registry *registry, const char *project, int version)
{
    pthread_mutex_lock(&registry->lock);
    hosted_model *unhosted = unlink_model(registry, project, version);
    pthread_mutex_unlock(&registry->lock);
    hosted_free(unhosted);
}

hosted_model *model_registry_acquire(model_registry *registry, const char *project, int version)
{
    pthread_mutex_lock(&registry->lock);
    hosted_model *found = registry->first;
    while (found && (found->version != version || strcmp(found->project, project) != 0))
        found = found->next;
    if (found)
        found->references++;
    pthread_mutex_unlock(&registry->lock);
    return found;
}

const vgl_model *hosted_model_get(const hosted_model *hosted) { return hosted->model; }

void model_registry_release(model_registry *registry, hosted_model *hosted)
{
    pthread_mutex_lock(&registry->lock);
    hosted_model *last = drop_reference(hosted);
    pthread_mutex_unlock(&registry->lock);
    hosted_free(last);
}

inference_result hosted_model_detect(hosted_model *hosted, detect_job *job)
{
    return inference_pool_run(hosted->units, job);
}

int model_registry_units(model_registry *registry, units_gauge **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    pthread_mutex_lock(&registry->lock);
    size_t n = 0;
    for (const hosted_model *h = registry->first; h; h = h->next)
        n++;
    units_gauge *gauges = n ? calloc(n, sizeof *gauges) : NULL;
    if (n && !gauges) {
        pthread_mutex_unlock(&registry->lock);
        return -1;
    }
    size_t i = 0;
    for (const hosted_model *h = registry->first; h; h = h->next, i++) {
        snprintf(gauges[i].project, sizeof gauges[i].project, "%s", h->project);
        gauges[i].version = h->version;
        inference_pool_stats_get(h->units, &gauges[i].units);
    }
    pthread_mutex_unlock(&registry->lock);
    *out = gauges;
    *count = n;
    return 0;
}

void model_registry_free(model_registry *registry)
{
    if (!registry)
        return;
    while (registry->first) {
        hosted_model *h = registry->first;
        registry->first = h->next;
        hosted_free(drop_reference(h));
    }
    pthread_mutex_destroy(&registry->lock);
    free(registry);
}

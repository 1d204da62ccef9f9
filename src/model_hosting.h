/*
 * model_hosting.h - the models StartModel has loaded, kept in memory for
 * DetectAnomalies: a registry owned by the service (svc->models).  Each
 * hosted model has its inference units (inference_pool.h), the threads its
 * detections run on.
 *
 * A detection holds a reference to its model, so StopModel or DeleteModel
 * may unhost a model while requests still use it: the units finish the
 * queued detections and the model is freed when the last of them releases
 * it.  Safe from any thread.
 */
#ifndef VIGIL_MODEL_HOSTING_H
#define VIGIL_MODEL_HOSTING_H

#include "detect_metrics.h"
#include "inference_pool.h"
#include "vigil.h"

#include <stddef.h>
#include <stdint.h>

typedef struct model_registry model_registry;
typedef struct hosted_model hosted_model;

vgl_status model_registry_create(model_registry **out, vgl_error *err);
/* Frees every hosted model; no request may use the registry any more. */
void model_registry_free(model_registry *registry);

/* Loads the model file and hosts it as (project, version) on min_units
 * inference units, scaled up to max_units with the load (0: fixed at
 * min_units), replacing any model hosted under that name. */
vgl_status model_registry_host(model_registry *registry, const char *project, int version,
                               const char *path, int min_units, int max_units, vgl_error *err);

/* Stops hosting (project, version); nothing happens when it is not hosted. */
void model_registry_unhost(model_registry *registry, const char *project, int version);

/* A reference to a hosted model, or NULL; give it back with _release. */
hosted_model *model_registry_acquire(model_registry *registry, const char *project, int version);
const vgl_model *hosted_model_get(const hosted_model *hosted);
void model_registry_release(model_registry *registry, hosted_model *hosted);

/* A detection to run on a unit: the image in, the rest out.  The caller
 * frees detection and mask whatever the status. */
typedef struct detect_job {
    const vgl_image *image;
    vgl_status status;
    vgl_error err;
    vgl_detection detection;
    uint8_t *mask; /* the AnomalyMask PNG of a segmentation model, else NULL */
    size_t mask_size;
} detect_job;

/* Queues job on the model's units and waits for it; INFERENCE_THROTTLED
 * when the queue is full (the job did not run). */
inference_result hosted_model_detect(hosted_model *hosted, detect_job *job);

/* The units of every hosted model, for /metrics: *out is malloc'ed (NULL
 * and 0 when none is hosted); -1 when out of memory. */
int model_registry_units(model_registry *registry, units_gauge **out, size_t *count);

#endif

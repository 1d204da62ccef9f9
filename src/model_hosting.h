/*
 * model_hosting.h - the models StartModel has loaded, kept in memory for
 * DetectAnomalies: a registry owned by the service (svc->models).
 *
 * A detection holds a reference to its model, so StopModel or DeleteModel
 * may unhost a model while requests still use it: the model is freed when
 * the last of them releases it.  Safe from any thread.
 */
#ifndef VIGIL_MODEL_HOSTING_H
#define VIGIL_MODEL_HOSTING_H

#include "vigil.h"

typedef struct model_registry model_registry;
typedef struct hosted_model hosted_model;

vgl_status model_registry_create(model_registry **out, vgl_error *err);
/* Frees every hosted model; no request may use the registry any more. */
void model_registry_free(model_registry *registry);

/* Loads the model file and hosts it as (project, version), replacing any
 * model hosted under that name. */
vgl_status model_registry_host(model_registry *registry, const char *project, int version,
                               const char *path, vgl_error *err);

/* Stops hosting (project, version); nothing happens when it is not hosted. */
void model_registry_unhost(model_registry *registry, const char *project, int version);

/* A reference to a hosted model, or NULL; give it back with _release. */
hosted_model *model_registry_acquire(model_registry *registry, const char *project, int version);
const vgl_model *hosted_model_get(const hosted_model *hosted);
void model_registry_release(model_registry *registry, hosted_model *hosted);

#endif

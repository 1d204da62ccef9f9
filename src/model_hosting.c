/*
 * model_hosting.c - the registry of hosted models (model_hosting.h): a list
 * under one mutex, each entry reference-counted so that unhosting never
 * frees a model a detection is still running on.
 */
#include "model_hosting.h"

#include "error.h"
#include "sealed_model.h"
#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hosted_model {
    char project[STORE_NAME_MAX];
    int version;
    vgl_model *model;
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

static void drop_reference(hosted_model *hosted)
{
    if (--hosted->references == 0) {
        vgl_model_free(hosted->model);
        free(hosted);
    }
}

/* Unlinks (project, version) from the list; the caller holds the lock. */
static void unlink_model(model_registry *registry, const char *project, int version)
{
    for (hosted_model **p = &registry->first; *p; p = &(*p)->next) {
        hosted_model *h = *p;
        if (h->version == version && strcmp(h->project, project) == 0) {
            *p = h->next;
            drop_reference(h);
            return;
        }
    }
}

vgl_status model_registry_host(model_registry *registry, const char *project, int version,
                               const char *path, vgl_error *err)
{
    hosted_model *hosted = calloc(1, sizeof *hosted);
    if (!hosted)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory hosting a model");
    vgl_status status = sealed_model_load(path, &hosted->model, err); /* encrypted at rest */
    if (status != VGL_OK) {
        free(hosted);
        return status;
    }
    snprintf(hosted->project, sizeof hosted->project, "%s", project);
    hosted->version = version;
    hosted->references = 1;
    pthread_mutex_lock(&registry->lock);
    unlink_model(registry, project, version);
    hosted->next = registry->first;
    registry->first = hosted;
    pthread_mutex_unlock(&registry->lock);
    return VGL_OK;
}

void model_registry_unhost(model_registry *registry, const char *project, int version)
{
    pthread_mutex_lock(&registry->lock);
    unlink_model(registry, project, version);
    pthread_mutex_unlock(&registry->lock);
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
    drop_reference(hosted);
    pthread_mutex_unlock(&registry->lock);
}

void model_registry_free(model_registry *registry)
{
    if (!registry)
        return;
    while (registry->first)
        unlink_model(registry, registry->first->project, registry->first->version);
    pthread_mutex_destroy(&registry->lock);
    free(registry);
}

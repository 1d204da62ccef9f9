/*
 * model_hosting_start.c - StartModel's loading and the re-hosting at
 * start-up (model_hosting_start.h).
 */
#include "model_hosting_start.h"

#include "model_hosting.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Page sizes of the start-up scan. */
#define PROJECTS_PAGE 100
#define MODELS_PAGE 100

int model_hosting_start(const service *svc, const store_model *model)
{
    char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/%s", svc->data_dir, model->model_file);
    vgl_error load_err = {0};
    int hosted = model_registry_host(svc->models, model->project, model->version, path,
                                     model->min_units, model->max_units, &load_err) == VGL_OK;
    char message[STORE_MESSAGE_MAX];
    snprintf(message, sizeof message, "%s%.900s",
             hosted ? "The model is hosted." : "The model file could not be loaded: ",
             hosted ? "" : load_err.message);
    vgl_error err = {0};
    if (svc->store->ops->model_transition(svc->store, model->project, model->version,
                                          "STARTING_HOSTING", hosted ? "HOSTED" : "HOSTING_FAILED",
                                          message, 0, 0, NULL, &err) != VGL_OK && hosted) {
        /* stopped or deleted meanwhile: what the store says wins */
        model_registry_unhost(svc->models, model->project, model->version);
        hosted = 0;
    }
    return hosted ? 0 : -1;
}

/* Hosts the project's STARTING_HOSTING models; returns how many. */
static int restore_project(const service *svc, const char *project)
{
    int restored = 0, after = 0;
    for (;;) {
        store_model *models = NULL;
        size_t count = 0;
        vgl_error err = {0};
        if (svc->store->ops->model_list(svc->store, project, after, MODELS_PAGE, &models, &count,
                                        &err) != VGL_OK) {
            printf("vigil serve: cannot list the models of %s to host them again: %s\n", project,
                   err.message);
            return restored;
        }
        for (size_t i = 0; i < count; i++) {
            const store_model *m = &models[i];
            after = m->version;
            if (strcmp(m->status, "STARTING_HOSTING") != 0)
                continue;
            if (model_hosting_start(svc, m) == 0) {
                restored++;
                printf("vigil serve: model %d of %s hosted again (%d to %d inference units)\n",
                       m->version, project, m->min_units,
                       m->max_units > m->min_units ? m->max_units : m->min_units);
            } else {
                printf("vigil serve: model %d of %s could not be hosted again (HOSTING_FAILED)\n",
                       m->version, project);
            }
        }
        free(models);
        if (count < MODELS_PAGE)
            return restored;
    }
}

int model_hosting_restore(const service *svc)
{
    int restored = 0;
    char after[STORE_NAME_MAX] = "";
    for (;;) {
        store_project *projects = NULL;
        size_t count = 0;
        vgl_error err = {0};
        if (svc->store->ops->project_list(svc->store, after, PROJECTS_PAGE, &projects, &count,
                                          &err) != VGL_OK) {
            printf("vigil serve: cannot list the projects to host their models again: %s\n",
                   err.message);
            return restored;
        }
        for (size_t i = 0; i < count; i++)
            restored += restore_project(svc, projects[i].name);
        if (count)
            snprintf(after, sizeof after, "%s", projects[count - 1].name);
        free(projects);
        if (count < PROJECTS_PAGE) {
            fflush(stdout);
            return restored;
        }
    }
}

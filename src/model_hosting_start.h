/*
 * model_hosting_start.h - hosting a model the store has in STARTING_HOSTING,
 * for StartModel and for the models hosted when the service last stopped.
 */
#ifndef VIGIL_MODEL_HOSTING_START_H
#define VIGIL_MODEL_HOSTING_START_H

#include "service.h"
#include "store.h"

/* Loads the model file onto its MinInferenceUnits..MaxInferenceUnits and
 * records the outcome in the store: HOSTED, or HOSTING_FAILED with the
 * reason.  0 when hosted. */
int model_hosting_start(const service *svc, const store_model *model);

/* Hosts again every model the store has in STARTING_HOSTING, which at
 * start-up are the models hosted (or starting) when the service stopped;
 * says on stdout what became of each.  Returns how many are hosted. */
int model_hosting_restore(const service *svc);

#endif

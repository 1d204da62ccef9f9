/*
 * model_training.h - the background half of CreateModel: training a model
 * version on its project's datasets and writing its evaluation.
 *
 * The handler records the model (TRAINING) and its job in one transaction
 * (store.h model_create); model_training_start then runs it on a detached
 * thread, which snapshots the dataset entries and their images from the
 * object store, trains with libvigil, writes the model file under the data
 * directory and EvaluationResult-/EvaluationManifest-<project>-<version>.json
 * to the output location, and ends the model TRAINED with its Performance,
 * or TRAINING_FAILED with a StatusMessage saying why.  A training a restart
 * interrupted is failed by metadata_store_open.
 */
#ifndef VIGIL_MODEL_TRAINING_H
#define VIGIL_MODEL_TRAINING_H

#include "service.h"
#include "store.h"

/* At most this many models train at once (ServiceQuotaExceededException). */
#define MODEL_TRAINING_MAX_CONCURRENT 2

/* Where the model file of (project, version) lives, relative to the data dir. */
void model_training_file(const char *project, int version, char *out, size_t size);

/* Reads the datasets' entries (the snapshot the model is trained on, so
 * that changes after CreateModel answers cannot reach it), then runs the
 * recorded training of model (copied) on a detached thread; svc must
 * outlive it.  When that cannot start the model fails at once. */
void model_training_start(const service *svc, const store_model *model);

/* Removes the snapshot folders a killed process left under data_dir; call
 * before any training starts. */
void model_training_clean(const char *data_dir);

#endif

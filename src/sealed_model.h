/*
 * sealed_model.h - model files encrypted at rest (sealed_file.h): saved
 * through an anonymous in-memory file, and loaded by decrypting into one
 * that the engine maps, so a model's plaintext never reaches the disk.
 */
#ifndef VIGIL_SEALED_MODEL_H
#define VIGIL_SEALED_MODEL_H

#include "kms.h"

vgl_status sealed_model_save(const vgl_model *model, const char *path, const kms_key *key,
                             vgl_error *err);

vgl_status sealed_model_load_with(const kms_ring *ring, const char *path, vgl_model **out,
                                  vgl_error *err);

/* The ring sealed_model_load decrypts with: `vigil serve` sets it once at
 * start, before any model is hosted; its strings must outlive the process's
 * use of it.  The hosting code then needs nothing but the model's path. */
void sealed_model_use_ring(const kms_ring *ring);
vgl_status sealed_model_load(const char *path, vgl_model **out, vgl_error *err);

#endif

/*
 * model_packaging.h - the background half of StartModelPackagingJob:
 * building a model package and writing it to the job's S3 output location.
 *
 * The handler records the job CREATED (store.h packaging_job_create);
 * model_packaging_start runs it on a detached thread, which moves it to
 * RUNNING, reads the model file (the one place that does), builds the
 * package (package_bundle.h, package_tar.h) and writes under
 * s3://Bucket/Prefix/ComponentName/ComponentVersion/:
 *
 *   model.vgm, manifest.json, recipe.json   the Greengrass artifacts and recipe
 *   ComponentName-ComponentVersion.tar.gz   the same three files in one archive
 *
 * then ends the job SUCCEEDED with its ComponentVersionArn, or FAILED with
 * a StatusMessage saying why.  A job a restart interrupted is failed by
 * metadata_store_open.
 */
#ifndef VIGIL_MODEL_PACKAGING_H
#define VIGIL_MODEL_PACKAGING_H

#include "service.h"
#include "store.h"

/* The object key prefix of a package: "<prefix>[/]<component>/<version>/". */
void model_packaging_key_prefix(const char *prefix, const char *component, const char *version,
                                char *out, size_t size);

/* The Greengrass component version ARN the job publishes. */
void model_packaging_component_arn(const service *svc, const char *component,
                                   const char *version, char *out, size_t size);

/* Runs the recorded job (copied) as a background job (background_jobs.h);
 * svc must outlive it.  When that cannot start the job fails at once. */
void model_packaging_start(const service *svc, const store_packaging_job *job);

#endif

/*
 * package_bundle.h - what a model package holds besides the model file:
 * its manifest (what the package contains: the model's ARN, project and
 * version, input size, type, classes and colours, SHA-256 of the model
 * file, format version) and a Greengrass v2 component recipe that installs
 * it next to the edge agent.
 *
 * A package is the folder <ComponentName>/ with model.vgm, manifest.json and
 * recipe.json; `vigil edge-agent` loads such folders, checking the model
 * file against the manifest's checksum.
 */
#ifndef VIGIL_PACKAGE_BUNDLE_H
#define VIGIL_PACKAGE_BUNDLE_H

#include "vigil.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define PACKAGE_FORMAT_VERSION 1
#define PACKAGE_MODEL_FILE "model.vgm"
#define PACKAGE_MANIFEST_FILE "manifest.json"
#define PACKAGE_RECIPE_FILE "recipe.json"
/* The component every model component depends on (behaviour reference 7.1). */
#define PACKAGE_EDGE_AGENT_COMPONENT "aws.iot.lookoutvision.EdgeAgent"

typedef struct package_identity {
    const char *model_arn;
    const char *project;
    int model_version;
    const char *component_name;
    const char *component_version;
    const char *component_description; /* NULL: one is made up */
    const char *architecture;          /* Greengrass platform: "aarch64" or "amd64" */
    const char *bucket;                /* the artifacts are s3://bucket/key_prefix<file> */
    const char *key_prefix;
    const json_t *tags;                /* the job's component Tags, or NULL */
} package_identity;

/* SHA-256 of data as 64 lowercase hex digits and a NUL. */
void package_sha256_hex(const uint8_t *data, size_t size, char out[65]);

/* The manifest of a package of model (loaded from model_bytes). */
json_t *package_manifest_json(const package_identity *id, const vgl_model *model,
                              const uint8_t *model_bytes, size_t model_size);

/* The recipe: artifacts model.vgm and manifest.json (with their digests),
 * the dependency on the edge agent, and an install step copying them into
 * the agent's packages folder. */
json_t *package_recipe_json(const package_identity *id, const uint8_t *model_bytes,
                            size_t model_size, const char *manifest_text);

#endif

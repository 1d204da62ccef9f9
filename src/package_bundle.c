/*
 * package_bundle.c - the manifest and the Greengrass recipe of a model
 * package (package_bundle.h).  The recipe follows Greengrass v2's recipe
 * format 2020-01-25; artifact digests are base64 SHA-256, as Greengrass
 * checks them on download.
 */
#include "package_bundle.h"

#include "base64.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static void sha256(const uint8_t *data, size_t size, uint8_t digest[32])
{
    EVP_Digest(data, size, digest, NULL, EVP_sha256(), NULL);
}

void package_sha256_hex(const uint8_t *data, size_t size, char out[65])
{
    uint8_t digest[32];
    sha256(data, size, digest);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

static json_t *classes_json(const vgl_model *model)
{
    json_t *classes = json_array();
    for (int k = 0; k < vgl_model_class_count(model); k++) {
        const vgl_class *c = vgl_model_class(model, k);
        char color[8];
        snprintf(color, sizeof color, "#%02X%02X%02X", c->color[0], c->color[1], c->color[2]);
        json_array_append_new(classes, json_pack("{s:s, s:s}", "Name", c->name, "Color", color));
    }
    return classes;
}

json_t *package_manifest_json(const package_identity *id, const vgl_model *model,
                              const uint8_t *model_bytes, size_t model_size)
{
    int width = 0, height = 0;
    vgl_model_image_size(model, &width, &height);
    char digest[65];
    package_sha256_hex(model_bytes, model_size, digest);
    json_t *manifest = json_pack(
        "{s:i, s:s, s:s, s:i, s:s, s:s, s:s, s:{s:i, s:i, s:s}, s:o, s:[{s:s, s:I, s:s}]}",
        "FormatVersion", PACKAGE_FORMAT_VERSION, "ModelArn", id->model_arn, "ProjectName",
        id->project, "ModelVersion", id->model_version, "ComponentName", id->component_name,
        "ComponentVersion", id->component_version, "ModelType",
        vgl_model_is_segmentation(model) ? "segmentation" : "classification", "Input", "Width",
        width, "Height", height, "Format", "RGB888", "Classes", classes_json(model), "Files",
        "Name", PACKAGE_MODEL_FILE, "Size", (json_int_t)model_size, "Sha256", digest);
    if (manifest && id->tags)
        json_object_set(manifest, "ComponentTags", (json_t *)id->tags);
    return manifest;
}

static json_t *artifact(const package_identity *id, const char *file, const uint8_t *data,
                        size_t size)
{
    uint8_t digest[32];
    char encoded[48], uri[2300];
    sha256(data, size, digest);
    base64_encode(digest, sizeof digest, encoded);
    snprintf(uri, sizeof uri, "s3://%s/%s%s", id->bucket, id->key_prefix, file);
    return json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "Uri", uri, "Digest", encoded, "Algorithm",
                     "SHA-256", "Unarchive", "NONE", "Permission", "Read", "ALL");
}

json_t *package_recipe_json(const package_identity *id, const uint8_t *model_bytes,
                            size_t model_size, const char *manifest_text)
{
    char description[300], install[1024];
    if (id->component_description)
        snprintf(description, sizeof description, "%s", id->component_description);
    else
        snprintf(description, sizeof description,
                 "Lookout for Vision model %d of project %.200s", id->model_version,
                 id->project);
    /* the agent loads every folder of its packages folder by component name */
    snprintf(install, sizeof install,
             "mkdir -p '{configuration:/PackagesDir}/%s' && cp '{artifacts:path}/%s'"
             " '{artifacts:path}/%s' '{configuration:/PackagesDir}/%s/'",
             id->component_name, PACKAGE_MODEL_FILE, PACKAGE_MANIFEST_FILE, id->component_name);
    json_t *artifacts = json_pack(
        "[o, o]", artifact(id, PACKAGE_MODEL_FILE, model_bytes, model_size),
        artifact(id, PACKAGE_MANIFEST_FILE, (const uint8_t *)manifest_text,
                 strlen(manifest_text)));
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:{s:{s:s}}, s:{s:{s:s, s:s}}, s:[{s:{s:s, s:s}, s:{s:s},"
        " s:o}]}",
        "RecipeFormatVersion", "2020-01-25", "ComponentName", id->component_name,
        "ComponentVersion", id->component_version, "ComponentDescription", description,
        "ComponentPublisher", "Vigil", "ComponentConfiguration", "DefaultConfiguration",
        "PackagesDir", "/greengrass/v2/vigil/packages", "ComponentDependencies",
        PACKAGE_EDGE_AGENT_COMPONENT, "VersionRequirement", ">=1.0.0", "DependencyType", "HARD",
        "Manifests", "Platform", "os", "linux", "architecture", id->architecture, "Lifecycle",
        "Install", install, "Artifacts", artifacts);
}

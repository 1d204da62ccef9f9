/*
 * tfjs_weights.c - parsing a TF.js weight manifest and dequantising.
 *
 * TF.js stores tensors back to back in manifest order, without padding.  A
 * quantised tensor stores one uint8 (or uint16) q per element, and TF.js
 * turns it back into q * scale + min in double precision before rounding to
 * float32; doing the same here keeps us bit-for-bit with TF.js's weights.
 */
#include "tfjs_weights.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void tfjs_weights_free(tfjs_weights *weights)
{
    for (size_t i = 0; i < weights->count; i++) {
        free(weights->items[i].name);
        free(weights->items[i].values);
    }
    free(weights->items);
    memset(weights, 0, sizeof *weights);
}

typedef struct weight_spec {
    size_t bytes_per_value;
    int quantized;
    double min, scale;
} weight_spec;

static vgl_status parse_spec(json_t *entry, tfjs_weight *weight, weight_spec *spec, vgl_error *err)
{
    const char *name = json_string_value(json_object_get(entry, "name"));
    const char *dtype = json_string_value(json_object_get(entry, "dtype"));
    json_t *shape = json_object_get(entry, "shape");
    if (!name || !dtype || !json_is_array(shape) || json_array_size(shape) > VGL_TENSOR_MAX_DIMS)
        return vgl_error_set(err, VGL_EFORMAT, "weight manifest entry without name, dtype or shape");
    if (strcmp(dtype, "float32"))
        return vgl_error_set(err, VGL_EUNSUPPORTED, "weight '%s' has dtype %s; only float32 is "
                             "supported", name, dtype);
    weight->ndim = (int)json_array_size(shape);
    weight->count = 1;
    for (int d = 0; d < weight->ndim; d++) {
        json_int_t dim = json_integer_value(json_array_get(shape, (size_t)d));
        if (dim < 1 || dim > (1 << 24) || weight->count > ((size_t)1 << 32) / (size_t)dim)
            return vgl_error_set(err, VGL_EFORMAT, "weight '%s' has a bad shape", name);
        weight->shape[d] = dim;
        weight->count *= (size_t)dim;
    }
    json_t *quant = json_object_get(entry, "quantization");
    spec->quantized = quant != NULL;
    spec->bytes_per_value = 4;
    if (quant) {
        const char *qtype = json_string_value(json_object_get(quant, "dtype"));
        json_t *min = json_object_get(quant, "min"), *scale = json_object_get(quant, "scale");
        if (!qtype || !json_is_number(min) || !json_is_number(scale))
            return vgl_error_set(err, VGL_EUNSUPPORTED,
                                 "weight '%s': only affine (min, scale) quantisation is supported",
                                 name);
        if (!strcmp(qtype, "uint8"))
            spec->bytes_per_value = 1;
        else if (!strcmp(qtype, "uint16"))
            spec->bytes_per_value = 2;
        else
            return vgl_error_set(err, VGL_EUNSUPPORTED, "weight '%s': quantisation dtype %s is not "
                                 "supported", name, qtype);
        spec->min = json_number_value(min);
        spec->scale = json_number_value(scale);
    }
    weight->name = strdup(name);
    if (!weight->name)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory reading weights");
    return VGL_OK;
}

static void decode_values(const uint8_t *bytes, const weight_spec *spec, tfjs_weight *weight)
{
    for (size_t i = 0; i < weight->count; i++) {
        if (!spec->quantized) {
            memcpy(&weight->values[i], bytes + 4 * i, 4);
        } else {
            unsigned q = spec->bytes_per_value == 1 ? bytes[i]
                                                    : (unsigned)(bytes[2 * i] | bytes[2 * i + 1] << 8);
            weight->values[i] = (float)((double)q * spec->scale + spec->min);
        }
    }
}

static vgl_status read_file(const char *path, uint8_t **data, size_t *size, vgl_error *err)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
        if (f)
            fclose(f);
        return vgl_error_set(err, VGL_EIO, "cannot read %s", path);
    }
    *size = (size_t)st.st_size;
    *data = malloc(*size ? *size : 1);
    vgl_status status = VGL_OK;
    if (!*data)
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory reading %s", path);
    else if (fread(*data, 1, *size, f) != *size)
        status = vgl_error_set(err, VGL_EIO, "short read on %s", path);
    fclose(f);
    return status;
}

vgl_status tfjs_weights_load(json_t *manifest, const char *weights_path, tfjs_weights *out,
                             vgl_error *err)
{
    memset(out, 0, sizeof *out);
    if (!json_is_array(manifest))
        return vgl_error_set(err, VGL_EFORMAT, "model.json has no weightsManifest array");
    size_t total = 0, group_index;
    json_t *group;
    json_array_foreach(manifest, group_index, group)
        total += json_array_size(json_object_get(group, "weights"));
    uint8_t *data = NULL;
    size_t size = 0;
    vgl_status status = read_file(weights_path, &data, &size, err);
    if (status)
        return status;
    out->items = calloc(total ? total : 1, sizeof *out->items);
    if (!out->items) {
        free(data);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory reading weights");
    }
    size_t offset = 0;
    json_array_foreach(manifest, group_index, group) {
        size_t i;
        json_t *entry;
        json_array_foreach(json_object_get(group, "weights"), i, entry) {
            tfjs_weight *weight = &out->items[out->count];
            weight_spec spec = {0};
            if ((status = parse_spec(entry, weight, &spec, err)))
                goto done;
            out->count++;
            size_t bytes = weight->count * spec.bytes_per_value;
            if (bytes > size - offset) {
                status = vgl_error_set(err, VGL_EFORMAT, "%s is too short for weight '%s'",
                                       weights_path, weight->name);
                goto done;
            }
            weight->values = malloc(weight->count * sizeof(float));
            if (!weight->values) {
                status = vgl_error_set(err, VGL_ENOMEM, "out of memory reading weights");
                goto done;
            }
            decode_values(data + offset, &spec, weight);
            offset += bytes;
        }
    }
    if (offset != size)
        status = vgl_error_set(err, VGL_EFORMAT, "%s has %zu bytes but the manifest describes %zu",
                               weights_path, size, offset);
done:
    free(data);
    if (status)
        tfjs_weights_free(out);
    return status;
}

const tfjs_weight *tfjs_weights_find(const tfjs_weights *weights, const char *layer,
                                     const char *param)
{
    char suffix[512];
    snprintf(suffix, sizeof suffix, "/%s/%s", layer, param);
    size_t suffix_len = strlen(suffix);
    for (size_t i = 0; i < weights->count; i++) {
        const char *name = weights->items[i].name;
        size_t len = strlen(name);
        if (!strcmp(name, suffix + 1) ||
            (len > suffix_len && !strcmp(name + len - suffix_len, suffix)))
            return &weights->items[i];
    }
    return NULL;
}

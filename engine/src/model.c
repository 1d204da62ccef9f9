/*
 * model.c - a trained model in its file and back, and its accessors.
 *
 * The file embeds the backbone, pruned to the layers the features use, so
 * a model is one self-contained file that an edge device can run alone.
 * Keys and tensors are listed in docs/model-format.md.
 */
#include "model.h"

#include "error.h"
#include "graph.h"
#include "network_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VIGIL_ENGINE_VERSION "0.2.0"

void vgl_model_free(vgl_model *model)
{
    if (!model)
        return;
    vgl_network_free(model->network);
    vgl_modelfile_close(model->file);
    vgl_knn_bank_free(&model->bank);
    vgl_knn_bank_free(&model->defect_bank);
    vgl_knn_bank_free(&model->class_bank);
    free(model->owned_bank);
    free(model->owned_class_bank);
    free(model->owned_class_labels);
    free(model->owned_defect_bank);
    free(model);
}

vgl_status vgl_model_prepare_bank(vgl_knn_bank *bank, const float *rows, size_t size, int dim,
                                  const char *what, vgl_error *err)
{
    int failed = vgl_knn_bank_init(bank, rows, size, dim);
    if (failed == -2)
        return vgl_error_set(err, VGL_EFORMAT, "the %s holds values that are not finite", what);
    if (failed)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory preparing the %s", what);
    return VGL_OK;
}

int vgl_model_is_segmentation(const vgl_model *model)
{
    return model->n_classes > 0;
}

void vgl_model_image_size(const vgl_model *model, int *width, int *height)
{
    *width = model->image_width;
    *height = model->image_height;
}

int vgl_model_class_count(const vgl_model *model)
{
    return model->n_classes;
}

const vgl_class *vgl_model_class(const vgl_model *model, int index)
{
    return index >= 0 && index < model->n_classes ? &model->classes[index] : NULL;
}

/* ------------------------------------------------------------------ save */

static const char *const patch_score_names[VGL_SCORE_KINDS] = {"normal_distance", "defect_contrast",
                                                               "defect_ratio"};

#define TRY(call)                                                                                  \
    do {                                                                                           \
        vgl_status status_ = (call);                                                               \
        if (status_)                                                                               \
            return status_;                                                                        \
    } while (0)

static vgl_status copy_backbone_metadata(const vgl_modelfile *backbone, vgl_modelfile_writer *w,
                                         vgl_error *err)
{
    static const char *const strings[] = {"general.architecture", "general.source",
                                          "general.license"};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        const char *value = vgl_modelfile_get_string(backbone, strings[i]);
        TRY(vgl_modelfile_set_string(w, strings[i], value ? value : "unknown", err));
    }
    size_t n_mean = 0, n_std = 0;
    double scale = 0;
    const double *mean = vgl_modelfile_get_floats(backbone, "input.mean", &n_mean);
    const double *std = vgl_modelfile_get_floats(backbone, "input.std", &n_std);
    vgl_modelfile_get_float(backbone, "input.scale", &scale);
    TRY(vgl_modelfile_set_float(w, "input.scale", scale, err));
    TRY(vgl_modelfile_set_floats(w, "input.mean", mean, n_mean, err));
    TRY(vgl_modelfile_set_floats(w, "input.std", std, n_std, err));
    return VGL_OK;
}

static vgl_status store_backbone(const vgl_model *model, vgl_modelfile_writer *w, vgl_error *err)
{
    const char *layers[2] = {model->features.layers[0], model->features.layers[1]};
    vgl_graph pruned;
    TRY(vgl_graph_prune(vgl_network_graph(model->network), layers, 2, &pruned, err));
    vgl_status status = vgl_graph_store(&pruned, w, err);
    vgl_graph_free(&pruned);
    if (status)
        return status;
    return copy_backbone_metadata(vgl_network_file(model->network), w, err);
}

static vgl_status store_classes(const vgl_model *model, vgl_modelfile_writer *w, vgl_error *err)
{
    TRY(vgl_modelfile_set_int(w, "model.class_count", model->n_classes, err));
    for (int c = 0; c < model->n_classes; c++) {
        char key[64];
        int64_t color[3] = {model->classes[c].color[0], model->classes[c].color[1],
                            model->classes[c].color[2]};
        snprintf(key, sizeof key, "model.class.%d.name", c + 1);
        TRY(vgl_modelfile_set_string(w, key, model->classes[c].name, err));
        snprintf(key, sizeof key, "model.class.%d.color", c + 1);
        TRY(vgl_modelfile_set_ints(w, key, color, 3, err));
    }
    if (model->n_classes == 0)
        return VGL_OK;
    int64_t rows[2] = {(int64_t)model->class_bank.size, model->features.dim};
    TRY(vgl_modelfile_set_float(w, "model.pixel_threshold", model->pixel_threshold, err));
    if (model->class_bank.size == 0)
        return VGL_OK;
    TRY(vgl_modelfile_add_tensor(w, "class_bank", VGL_DTYPE_F32, 2, rows, model->class_bank.rows,
                                 err));
    TRY(vgl_modelfile_add_tensor(w, "class_labels", VGL_DTYPE_I32, 1, rows, model->class_labels,
                                 err));
    return VGL_OK;
}

static vgl_status store_model(const vgl_model *model, vgl_modelfile_writer *w, vgl_error *err)
{
    int64_t work[2] = {model->features.work_width, model->features.work_height};
    int64_t size[2] = {model->image_width, model->image_height};
    int64_t rows[2] = {(int64_t)model->bank.size, model->features.dim};
    TRY(vgl_modelfile_set_string(w, "general.kind", "anomaly_model", err));
    TRY(vgl_modelfile_set_string(w, "general.engine", "vigil " VIGIL_ENGINE_VERSION, err));
    TRY(store_backbone(model, w, err));
    TRY(vgl_modelfile_set_string(w, "model.feature_fine", model->features.layers[0], err));
    TRY(vgl_modelfile_set_string(w, "model.feature_coarse", model->features.layers[1], err));
    TRY(vgl_modelfile_set_ints(w, "model.work_size", work, 2, err));
    TRY(vgl_modelfile_set_ints(w, "model.image_size", size, 2, err));
    TRY(vgl_modelfile_set_int(w, "model.training_images", (int64_t)model->n_training_images, err));
    TRY(vgl_modelfile_set_float(w, "model.threshold", model->calibration.threshold, err));
    TRY(vgl_modelfile_set_float(w, "model.calibration_slope", model->calibration.slope, err));
    TRY(vgl_modelfile_set_float(w, "model.pixel_score_max", model->pixel_score_max, err));
    TRY(vgl_modelfile_add_tensor(w, "memory_bank", VGL_DTYPE_F32, 2, rows, model->bank.rows, err));
    TRY(vgl_modelfile_set_string(w, "model.patch_score", patch_score_names[model->patch_score],
                                 err));
    if (model->patch_score != VGL_SCORE_NORMAL_DISTANCE) {
        int64_t defects[2] = {(int64_t)model->defect_bank.size, model->features.dim};
        TRY(vgl_modelfile_add_tensor(w, "defect_bank", VGL_DTYPE_F32, 2, defects,
                                     model->defect_bank.rows, err));
    }
    return store_classes(model, w, err);
}

vgl_status vgl_model_save(const vgl_model *model, const char *path, vgl_error *err)
{
    vgl_modelfile_writer *w = vgl_modelfile_writer_create();
    if (!w)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory saving the model");
    vgl_status status = store_model(model, w, err);
    if (!status)
        status = vgl_modelfile_write(w, path, err);
    vgl_modelfile_writer_free(w);
    return status;
}

vgl_status vgl_model_save_fd(const vgl_model *model, int fd, vgl_error *err)
{
    vgl_modelfile_writer *w = vgl_modelfile_writer_create();
    if (!w)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory saving the model");
    vgl_status status = store_model(model, w, err);
    if (!status)
        status = vgl_modelfile_write_fd(w, fd, err);
    vgl_modelfile_writer_free(w);
    return status;
}

/* ------------------------------------------------------------------ load */

static const void *tensor_of(const vgl_modelfile *file, const char *name, vgl_dtype dtype,
                             int ndim, int64_t rows, int64_t cols)
{
    const vgl_tensor_info *t = vgl_modelfile_find_tensor(file, name);
    if (!t || t->dtype != dtype || t->ndim != ndim || t->shape[0] != rows ||
        (ndim == 2 && t->shape[1] != cols))
        return NULL;
    return t->data;
}

static vgl_status load_pair(const vgl_modelfile *file, const char *key, int *a, int *b,
                            vgl_error *err)
{
    size_t n = 0;
    const int64_t *v = vgl_modelfile_get_ints(file, key, &n);
    if (!v || n != 2 || v[0] < 1 || v[1] < 1 || v[0] > 65536 || v[1] > 65536)
        return vgl_error_set(err, VGL_EFORMAT, "model file lacks a valid %s", key);
    *a = (int)v[0], *b = (int)v[1];
    return VGL_OK;
}

static vgl_status load_classes(vgl_model *model, vgl_error *err)
{
    const vgl_modelfile *file = model->file;
    int64_t count = 0;
    if (vgl_modelfile_get_int(file, "model.class_count", &count) || count < 0 ||
        count > VGL_MAX_CLASSES)
        return vgl_error_set(err, VGL_EFORMAT, "model file lacks a valid class count");
    model->n_classes = (int)count;
    for (int c = 0; c < model->n_classes; c++) {
        char key[64];
        snprintf(key, sizeof key, "model.class.%d.name", c + 1);
        const char *name = vgl_modelfile_get_string(file, key);
        snprintf(key, sizeof key, "model.class.%d.color", c + 1);
        size_t n = 0;
        const int64_t *color = vgl_modelfile_get_ints(file, key, &n);
        int valid = name && name[0] && strlen(name) < VGL_CLASS_NAME_MAX && color && n == 3;
        for (size_t k = 0; valid && k < 3; k++)
            valid = color[k] >= 0 && color[k] <= 255;
        if (!valid)
            return vgl_error_set(err, VGL_EFORMAT, "model file has a bad class %d", c + 1);
        snprintf(model->classes[c].name, sizeof model->classes[c].name, "%s", name);
        for (int k = 0; k < 3; k++)
            model->classes[c].color[k] = (uint8_t)color[k];
    }
    /* every model has the scale of its pixel scores; the classification
     * models of engine 0.1.0 did not store it (evaluation then uses e^threshold) */
    double score_max = 0;
    int has_max = !vgl_modelfile_get_float(file, "model.pixel_score_max", &score_max);
    if (has_max && !isfinite(score_max))
        return vgl_error_set(err, VGL_EFORMAT, "model file has a bad pixel score scale");
    model->pixel_score_max = (float)score_max;
    if (model->n_classes == 0)
        return VGL_OK;
    double threshold = 0;
    if (vgl_modelfile_get_float(file, "model.pixel_threshold", &threshold) || !isfinite(threshold) ||
        !has_max)
        return vgl_error_set(err, VGL_EFORMAT, "model file lacks its pixel threshold");
    model->pixel_threshold = (float)threshold;
    const vgl_tensor_info *bank = vgl_modelfile_find_tensor(file, "class_bank");
    if (!bank)
        return VGL_OK;
    int64_t rows = bank->shape[0];
    const float *class_rows =
        tensor_of(file, "class_bank", VGL_DTYPE_F32, 2, rows, model->features.dim);
    model->class_labels = tensor_of(file, "class_labels", VGL_DTYPE_I32, 1, rows, 0);
    if (!class_rows || !model->class_labels)
        return vgl_error_set(err, VGL_EFORMAT, "model file has a malformed class bank");
    for (int64_t i = 0; i < rows; i++)
        if (model->class_labels[i] < 1 || model->class_labels[i] > model->n_classes)
            return vgl_error_set(err, VGL_EFORMAT, "model file has a class label out of range");
    return vgl_model_prepare_bank(&model->class_bank, class_rows, (size_t)rows,
                                  model->features.dim, "model file's class bank", err);
}

static vgl_status load_patch_score(vgl_model *model, vgl_error *err)
{
    const char *kind = vgl_modelfile_get_string(model->file, "model.patch_score");
    int found = -1;
    for (int k = 0; kind && k < VGL_SCORE_KINDS; k++)
        if (!strcmp(kind, patch_score_names[k]))
            found = k;
    if (found < 0)
        return vgl_error_set(err, VGL_EFORMAT, "model file has an unknown patch score");
    model->patch_score = (vgl_patch_score)found;
    if (found == VGL_SCORE_NORMAL_DISTANCE)
        return VGL_OK;
    const vgl_tensor_info *bank = vgl_modelfile_find_tensor(model->file, "defect_bank");
    int64_t rows = bank ? bank->shape[0] : 0;
    const float *defect_rows =
        tensor_of(model->file, "defect_bank", VGL_DTYPE_F32, 2, rows, model->features.dim);
    if (!defect_rows || rows < 1)
        return vgl_error_set(err, VGL_EFORMAT, "model file has a malformed defect bank");
    return vgl_model_prepare_bank(&model->defect_bank, defect_rows, (size_t)rows,
                                  model->features.dim, "model file's defect bank", err);
}

static vgl_status load_model(vgl_model *model, vgl_error *err)
{
    const vgl_modelfile *file = model->file;
    const char *kind = vgl_modelfile_get_string(file, "general.kind");
    if (!kind || strcmp(kind, "anomaly_model"))
        return vgl_error_set(err, VGL_EFORMAT, "not a trained anomaly model (general.kind is %s)",
                             kind ? kind : "missing");
    TRY(vgl_network_from_file(model->file, 0, &model->network, err));
    int work_w = 0, work_h = 0;
    TRY(load_pair(file, "model.work_size", &work_w, &work_h, err));
    TRY(load_pair(file, "model.image_size", &model->image_width, &model->image_height, err));
    const char *fine = vgl_modelfile_get_string(file, "model.feature_fine");
    const char *coarse = vgl_modelfile_get_string(file, "model.feature_coarse");
    if (!fine || !coarse)
        return vgl_error_set(err, VGL_EFORMAT, "model file lacks its feature layers");
    TRY(vgl_features_init_fixed(&model->features, model->network, fine, coarse, work_w, work_h,
                                err));
    int64_t images = 0;
    if (vgl_modelfile_get_int(file, "model.training_images", &images) || images < 0 ||
        vgl_modelfile_get_float(file, "model.threshold", &model->calibration.threshold) ||
        vgl_modelfile_get_float(file, "model.calibration_slope", &model->calibration.slope) ||
        !isfinite(model->calibration.threshold) || !isfinite(model->calibration.slope))
        return vgl_error_set(err, VGL_EFORMAT, "model file lacks its calibration");
    model->n_training_images = (size_t)images;
    const vgl_tensor_info *bank = vgl_modelfile_find_tensor(file, "memory_bank");
    int64_t rows = bank ? bank->shape[0] : 0;
    const float *bank_rows =
        tensor_of(file, "memory_bank", VGL_DTYPE_F32, 2, rows, model->features.dim);
    if (!bank_rows || rows < 1)
        return vgl_error_set(err, VGL_EFORMAT, "model file has a malformed memory bank");
    TRY(vgl_model_prepare_bank(&model->bank, bank_rows, (size_t)rows, model->features.dim,
                               "model file's memory bank", err));
    TRY(load_patch_score(model, err));
    return load_classes(model, err);
}

vgl_status vgl_model_load(const char *path, vgl_model **out, vgl_error *err)
{
    *out = NULL;
    vgl_model *model = calloc(1, sizeof *model);
    if (!model)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory loading %s", path);
    vgl_status status = vgl_modelfile_open(path, &model->file, err);
    if (!status)
        status = load_model(model, err);
    if (status) {
        vgl_model_free(model);
        return status;
    }
    *out = model;
    return VGL_OK;
}

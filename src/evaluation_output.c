/*
 * evaluation_output.c - EvaluationResult, EvaluationManifest and
 * DetectAnomalyResult JSON; see evaluation_output.h.
 *
 * Keys are added in the order the reference documents them (jansson keeps
 * insertion order), so the files read like Lookout for Vision's.
 */
#include "evaluation_output.h"

#include "base64.h"
#include "error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLASSIFICATION_TYPE "groundtruth/image-classification"
#define SEGMENTATION_TYPE "groundtruth/semantic-segmentation"
/* The job names Lookout for Vision's own manifests carry. */
#define TRUTH_LABEL_JOB "labeling-job/anomaly-label"
#define TRUTH_MASK_JOB "labeling-job/object-mask-ref"
#define DETECTION_JOB "training-job/anomaly-detection"

void evaluation_model_arn(char *out, size_t size, const char *region, const char *account,
                          const char *project_name, int model_version)
{
    snprintf(out, size, "arn:aws:lookoutvision:%s:%s:model/%s/%d", region, account, project_name,
             model_version);
}

void evaluation_timestamp(time_t when, char out[EVALUATION_TIMESTAMP_SIZE])
{
    struct tm utc;
    gmtime_r(&when, &utc);
    strftime(out, EVALUATION_TIMESTAMP_SIZE, "%Y-%m-%dT%H:%M:%S.000Z", &utc);
}

void evaluation_file_name(char *out, size_t size, const char *kind, const char *project_name,
                          int model_version)
{
    snprintf(out, size, "%s-%s-%d.json", kind, project_name, model_version);
}

static void color_text(const uint8_t rgb[3], char out[8])
{
    snprintf(out, 8, "#%02X%02X%02X", rgb[0], rgb[1], rgb[2]);
}

/* json_object_set_new that remembers a failure, so builders check once.  It
 * frees value on failure, so children are filled before they are attached. */
static void set(json_t *object, const char *key, json_t *value, int *ok)
{
    if (!value || json_object_set_new(object, key, value))
        *ok = 0;
}

/* JSON has no NaN: a metric left undefined (metrics.h makes ROC AUC and
 * average precision NaN on a test set without both classes) is left out
 * rather than made up. */
static void set_metric(json_t *object, const char *key, double value, int *ok)
{
    if (isfinite(value))
        set(object, key, json_real(value), ok);
}

static json_t *class_metrics_json(const vgl_class_metrics *m)
{
    json_t *o = json_object();
    int ok = o != NULL;
    if (ok) {
        set(o, "ClassName", json_string(m->name), &ok);
        set_metric(o, "Precision", m->precision, &ok);
        set_metric(o, "Recall", m->recall, &ok);
        set_metric(o, "F1Score", m->f1, &ok);
        set_metric(o, "AIOU", m->aiou, &ok);
    }
    if (!ok)
        json_decref(o);
    return ok ? o : NULL;
}

static json_t *metrics_json(const vgl_evaluation *e)
{
    json_t *o = json_object();
    int ok = o != NULL;
    if (!ok)
        return NULL;
    set_metric(o, "ROCAUC", e->roc_auc, &ok);
    set_metric(o, "AveragePrecision", e->average_precision, &ok);
    set_metric(o, "Precision", e->precision, &ok);
    set_metric(o, "Recall", e->recall, &ok);
    set_metric(o, "F1Score", e->f1, &ok);
    /* Vigil's addition (where the test images have masks): how well the
     * pixel scores rank defect pixels above the others. */
    set_metric(o, "PixelROCAUC", e->pixel_roc_auc, &ok);
    /* Only segmentation models have pixel classes. */
    if (e->n_classes > 0) {
        json_t *classes = json_array();
        for (int k = 0; classes && k < e->n_classes; k++)
            if (json_array_append_new(classes, class_metrics_json(&e->classes[k])))
                ok = 0;
        set(o, "PixelAnomalyClassMetrics", classes, &ok);
    }
    if (!ok)
        json_decref(o);
    return ok ? o : NULL;
}

json_t *evaluation_result_json(const model_identity *model, const char *end_timestamp,
                               const vgl_evaluation *evaluation)
{
    json_t *root = json_object(), *details = json_object(), *aggregated = json_object();
    int ok = root && details && aggregated;
    if (ok) {
        set(details, "ModelArn", json_string(model->model_arn), &ok);
        set(details, "EvaluationEndTimestamp", json_string(end_timestamp), &ok);
        set(details, "NumberOfTrainingImages",
            json_integer((json_int_t)evaluation->n_training_images), &ok);
        set(details, "NumberOfTestingImages", json_integer((json_int_t)evaluation->n_test_images),
            &ok);
        set(aggregated, "Metrics", metrics_json(evaluation), &ok);
        set(root, "Version", json_integer(1), &ok);
        set(root, "EvaluationDetails", json_incref(details), &ok);
        set(root, "AggregatedEvaluationResults", json_incref(aggregated), &ok);
    }
    json_decref(details);
    json_decref(aggregated);
    if (!ok)
        json_decref(root);
    return ok ? root : NULL;
}

/* {"0": BACKGROUND, "1": first class, ...}: the internal-color-map of a mask
 * painted with the model's classes, background white as the docs ask. */
static json_t *color_map_json(const vgl_class *classes, int n_classes)
{
    json_t *map = json_object();
    int ok = map != NULL;
    for (int k = 0; ok && k <= n_classes; k++) {
        static const uint8_t white[3] = {255, 255, 255};
        char key[16], color[8];
        snprintf(key, sizeof key, "%d", k);
        color_text(k ? classes[k - 1].color : white, color);
        json_t *entry = json_object();
        ok = entry != NULL;
        if (ok) {
            set(entry, "class-name", json_string(k ? classes[k - 1].name : "BACKGROUND"), &ok);
            set(entry, "hex-color", json_string(color), &ok);
        }
        set(map, key, entry, &ok);
    }
    if (!ok)
        json_decref(map);
    return ok ? map : NULL;
}

static const char *class_name(int anomalous)
{
    return anomalous ? "anomaly" : "normal";
}

/* The keys every prediction metadata object ends with. */
static void add_model_keys(json_t *o, const model_identity *model, int *ok)
{
    char version[16];
    snprintf(version, sizeof version, "%d", model->model_version);
    set(o, "model-arn", json_string(model->model_arn), ok);
    set(o, "project-name", json_string(model->project_name), ok);
    /* A string, like ModelVersion everywhere in the API. */
    set(o, "model-version", json_string(version), ok);
}

static void add_truth(json_t *line, const char *creation_date, const evaluation_test *test,
                      int *ok)
{
    json_t *meta = json_object();
    if (meta) {
        set(meta, "class-name", json_string(class_name(test->truth == VGL_LABEL_ANOMALY)), ok);
        set(meta, "type", json_string(CLASSIFICATION_TYPE), ok);
        set(meta, "human-annotated", json_string("yes"), ok);
        set(meta, "creation-date", json_string(creation_date), ok);
        set(meta, "job-name", json_string(TRUTH_LABEL_JOB), ok);
    }
    set(line, "anomaly-label", json_integer(test->truth == VGL_LABEL_ANOMALY), ok);
    set(line, "anomaly-label-metadata", meta, ok);
}

static void add_prediction(json_t *line, const model_identity *model, const char *creation_date,
                           const evaluation_test *test, int *ok)
{
    json_t *meta = json_object();
    if (meta) {
        set(meta, "class-name", json_string(class_name(test->is_anomalous)), ok);
        set(meta, "confidence", json_real(test->confidence), ok);
        set(meta, "type", json_string(CLASSIFICATION_TYPE), ok);
        set(meta, "human-annotated", json_string("no"), ok);
        set(meta, "creation-date", json_string(creation_date), ok);
        set(meta, "job-name", json_string(DETECTION_JOB), ok);
        add_model_keys(meta, model, ok);
    }
    set(line, "anomaly-label-detected", json_integer(test->is_anomalous != 0), ok);
    set(line, "anomaly-label-detected-metadata", meta, ok);
}

/* key and key-metadata for a mask; model is NULL for the ground truth. */
static void add_mask(json_t *line, const char *key, const char *ref, const model_identity *model,
                     const char *creation_date, const vgl_class *classes, int n_classes, int *ok)
{
    char meta_key[64];
    snprintf(meta_key, sizeof meta_key, "%s-metadata", key);
    json_t *meta = json_object();
    if (meta) {
        set(meta, "internal-color-map", color_map_json(classes, n_classes), ok);
        set(meta, "type", json_string(SEGMENTATION_TYPE), ok);
        set(meta, "human-annotated", json_string(model ? "no" : "yes"), ok);
        set(meta, "creation-date", json_string(creation_date), ok);
        set(meta, "job-name", json_string(model ? DETECTION_JOB : TRUTH_MASK_JOB), ok);
        if (model)
            add_model_keys(meta, model, ok);
    }
    set(line, key, json_string(ref), ok);
    set(line, meta_key, meta, ok);
}

json_t *evaluation_manifest_line(const model_identity *model, const char *creation_date,
                                 const vgl_class *classes, int n_classes,
                                 const evaluation_test *test)
{
    json_t *line = json_object(), *source_meta = json_object();
    int ok = line && source_meta;
    if (!ok) {
        json_decref(line);
        json_decref(source_meta);
        return NULL;
    }
    set(source_meta, "creation-date", json_string(creation_date), &ok);
    set(line, "source-ref", json_string(test->source_ref), &ok);
    set(line, "source-ref-metadata", source_meta, &ok);
    if (test->truth != VGL_LABEL_NONE)
        add_truth(line, creation_date, test, &ok);
    add_prediction(line, model, creation_date, test, &ok);
    /* The predicted mask mirrors the ground truth's naming (the reference's
     * recommendation: the real service's keys are not documented). */
    if (test->truth_mask_ref)
        add_mask(line, "anomaly-mask-ref", test->truth_mask_ref, NULL, creation_date, classes,
                 n_classes, &ok);
    if (test->mask_ref)
        add_mask(line, "anomaly-mask-ref-detected", test->mask_ref, model, creation_date, classes,
                 n_classes, &ok);
    if (!ok)
        json_decref(line);
    return ok ? line : NULL;
}

static json_t *anomaly_json(const char *name, double area, const uint8_t rgb[3])
{
    char color[8];
    color_text(rgb, color);
    json_t *anomaly = json_object(), *pixel = json_object();
    int ok = anomaly && pixel;
    if (ok) {
        set(anomaly, "Name", json_string(name), &ok);
        set(anomaly, "PixelAnomaly", json_incref(pixel), &ok);
        set(pixel, "TotalPercentageArea", json_real(area), &ok);
        set(pixel, "Color", json_string(color), &ok);
    }
    json_decref(pixel);
    if (!ok)
        json_decref(anomaly);
    return ok ? anomaly : NULL;
}

/* Background first, then only the classes found (area > 0), as the docs'
 * samples filter them. */
static json_t *anomalies_json(const vgl_detection *d, const vgl_class *classes, int n_classes)
{
    static const uint8_t white[3] = {255, 255, 255};
    json_t *list = json_array();
    int ok = list && !json_array_append_new(list, anomaly_json("background", d->class_fraction[0],
                                                               white));
    for (int k = 1; ok && k <= n_classes; k++)
        if (d->class_fraction[k] > 0)
            ok = !json_array_append_new(list, anomaly_json(classes[k - 1].name,
                                                           d->class_fraction[k],
                                                           classes[k - 1].color));
    if (!ok)
        json_decref(list);
    return ok ? list : NULL;
}

json_t *detection_result_json(const vgl_detection *detection, const vgl_class *classes,
                              int n_classes, const uint8_t *mask_png, size_t mask_size)
{
    json_t *root = json_object(), *result = json_object(), *source = json_object();
    int ok = root && result && source;
    if (ok) {
        set(root, "DetectAnomalyResult", json_incref(result), &ok);
        set(result, "Source", json_incref(source), &ok);
        set(source, "Type", json_string("direct"), &ok);
        set(result, "IsAnomalous", json_boolean(detection->is_anomalous), &ok);
        set(result, "Confidence", json_real(detection->confidence), &ok);
    }
    if (ok && detection->class_fraction) {
        char *mask = base64_encode_alloc(mask_png, mask_size);
        set(result, "Anomalies", anomalies_json(detection, classes, n_classes), &ok);
        set(result, "AnomalyMask", mask ? json_string(mask) : NULL, &ok);
        free(mask);
    }
    json_decref(result);
    json_decref(source);
    if (!ok)
        json_decref(root);
    return ok ? root : NULL;
}

/* ------------------------------------------------------------- recorder */

void evaluation_recorder_init(evaluation_recorder *recorder,
                              const evaluation_recorder_config *config)
{
    memset(recorder, 0, sizeof *recorder);
    recorder->config = *config;
    pthread_mutex_init(&recorder->lock, NULL);
}

void evaluation_recorder_free(evaluation_recorder *recorder)
{
    free(recorder->manifest);
    for (size_t i = 0; i < recorder->n_masks; i++)
        free(recorder->mask_names[i]);
    free(recorder->mask_names);
    pthread_mutex_destroy(&recorder->lock);
    memset(recorder, 0, sizeof *recorder);
}

static vgl_status append_text(evaluation_recorder *r, const char *text, size_t length,
                              vgl_error *err)
{
    if (r->size + length + 1 > r->capacity) {
        size_t capacity = r->capacity ? r->capacity : 4096;
        while (r->size + length + 1 > capacity)
            capacity *= 2;
        char *grown = realloc(r->manifest, capacity);
        if (!grown)
            return vgl_error_set(err, VGL_ENOMEM, "out of memory building the evaluation manifest");
        r->manifest = grown;
        r->capacity = capacity;
    }
    memcpy(r->manifest + r->size, text, length);
    r->size += length;
    r->manifest[r->size] = 0;
    return VGL_OK;
}

static int mask_name_used(const evaluation_recorder *r, const char *name)
{
    for (size_t i = 0; i < r->n_masks; i++)
        if (!strcmp(r->mask_names[i], name))
            return 1;
    return 0;
}

/* "<stem of the sample's file name>.png", with -2, -3, ... when two test
 * images share a stem (normal/a.jpg and anomaly/a.jpg). */
static vgl_status unique_mask_name(evaluation_recorder *r, const char *sample_name, char *out,
                                   size_t size, vgl_error *err)
{
    const char *base = strrchr(sample_name, '/');
    base = base ? base + 1 : sample_name;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (stem == 0) { /* a name ending in "/": nothing to name the mask after */
        base = "mask";
        stem = 4;
    }
    /* Room for a suffix in a file name of at most 255 bytes. */
    if (stem > 200)
        stem = 200;
    snprintf(out, size, "%.*s.png", (int)stem, base);
    for (int n = 2; mask_name_used(r, out); n++)
        snprintf(out, size, "%.*s-%d.png", (int)stem, base, n);
    if (r->n_masks == r->mask_capacity) {
        size_t capacity = r->mask_capacity ? r->mask_capacity * 2 : 64;
        char **grown = realloc(r->mask_names, capacity * sizeof *grown);
        if (!grown)
            return vgl_error_set(err, VGL_ENOMEM, "out of memory naming masks");
        r->mask_names = grown;
        r->mask_capacity = capacity;
    }
    if (!(r->mask_names[r->n_masks] = strdup(out)))
        return vgl_error_set(err, VGL_ENOMEM, "out of memory naming masks");
    r->n_masks++;
    return VGL_OK;
}

/* Paints the predicted class map as a palette PNG (white background, each
 * class its colour), like the masks of a Ground Truth dataset, and stores it.
 * The model itself is not needed, so this also works during vgl_train. */
static vgl_status store_predicted_mask(evaluation_recorder *r, const vgl_sample *sample,
                                       const vgl_detection *d, char *ref, size_t ref_size,
                                       vgl_error *err)
{
    const evaluation_recorder_config *c = &r->config;
    uint8_t palette[VGL_MAX_CLASSES + 1][3] = {{255, 255, 255}};
    for (int k = 0; k < c->n_classes; k++)
        memcpy(palette[k + 1], c->classes[k].color, 3);
    char name[256];
    uint8_t *png = NULL;
    size_t png_size = 0;
    vgl_status status = unique_mask_name(r, sample->name, name, sizeof name, err);
    if (!status)
        status = vgl_png_encode_palette(d->class_map, d->width, d->height,
                                        (const uint8_t(*)[3])palette, c->n_classes + 1, &png,
                                        &png_size, err);
    if (!status)
        status = c->store_mask(c->store_context, name, png, png_size, ref, ref_size, err);
    free(png);
    return status;
}

static vgl_status record(evaluation_recorder *r, const vgl_sample *sample,
                         const vgl_detection *detection, vgl_error *err)
{
    const evaluation_recorder_config *c = &r->config;
    char source_ref[4096] = "", truth_mask_ref[4096] = "", mask_ref[4096];
    if (c->sample_refs)
        c->sample_refs(c->refs_context, sample, source_ref, truth_mask_ref, sizeof source_ref);
    evaluation_test test = {
        .source_ref = c->sample_refs ? source_ref : sample->name,
        .truth = sample->label,
        .truth_mask_ref = truth_mask_ref[0] ? truth_mask_ref : NULL,
        .is_anomalous = detection->is_anomalous,
        .confidence = detection->confidence,
    };
    if (detection->class_map) {
        vgl_status status = store_predicted_mask(r, sample, detection, mask_ref, sizeof mask_ref,
                                                 err);
        if (status)
            return status;
        test.mask_ref = mask_ref;
    }
    json_t *line = evaluation_manifest_line(&c->model, c->creation_date, c->classes, c->n_classes,
                                            &test);
    char *text = line ? json_dumps(line, JSON_COMPACT | OUTPUT_JSON_PRECISION) : NULL;
    json_decref(line);
    vgl_status status = text ? append_text(r, text, strlen(text), err)
                             : vgl_error_set(err, VGL_ENOMEM, "out of memory building the "
                                                              "evaluation manifest");
    if (!status)
        status = append_text(r, "\n", 1, err);
    free(text);
    return status;
}

void evaluation_recorder_on_test(void *context, const vgl_sample *sample,
                                 const vgl_detection *detection, const uint8_t *truth_mask)
{
    (void)truth_mask; /* the manifest refers to the truth mask's file instead */
    evaluation_recorder *r = context;
    /* The header does not promise one thread: be safe. */
    pthread_mutex_lock(&r->lock);
    if (!r->error.status) {
        vgl_error err = {0};
        if (record(r, sample, detection, &err))
            r->error = err;
        else
            r->n_lines++;
    }
    pthread_mutex_unlock(&r->lock);
}

/*
 * evaluate.c - a model's answers on labelled test images, and the metrics
 * Lookout for Vision reported from them: image-level precision, recall,
 * F1, ROC AUC and average precision; for segmentation, per-class pixel
 * precision, recall, F1 and average IoU, and a pixel ROC AUC.
 *
 * Every test image goes through vgl_model_detect_full, the same path as
 * DetectAnomalies, so the figures describe what users will get.
 */
#include "evaluate.h"

#include "error.h"
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

vgl_status vgl_mask_check(const uint8_t *mask, size_t pixels, int n_classes, const char *name,
                          vgl_error *err)
{
    for (size_t p = 0; p < pixels; p++)
        if (mask[p] > n_classes)
            return vgl_error_set(err, VGL_EINVAL, "%s: its mask has class index %d, but there "
                                 "are %d classes", name, mask[p], n_classes);
    return VGL_OK;
}

typedef struct collected {
    uint8_t *truth;
    uint8_t *predicted;
    double *scores;
    vgl_pixel_metrics pixels;
    vgl_pixel_auc *pixel_auc;
    uint8_t *background; /* an all-background truth map for normal images without a mask */
    int any_masks;       /* the test images have masks: measure pixels */
} collected;

/* The truth of an image's pixels: its mask, all background for a normal
 * image, or NULL (unknown) for an anomalous one without a mask. */
static const uint8_t *pixel_truth(const collected *c, const vgl_sample *sample,
                                  const uint8_t *mask)
{
    if (mask)
        return mask;
    return sample->label == VGL_LABEL_NORMAL ? c->background : NULL;
}

static vgl_status evaluate_one(const vgl_model *model, const vgl_dataset *dataset, size_t index,
                               size_t k, int threads, vgl_test_callback on_test, void *context,
                               collected *c, vgl_error *err)
{
    const vgl_sample *sample = &dataset->samples[index];
    vgl_image image = {0};
    uint8_t *mask = NULL;
    int segmentation = vgl_model_is_segmentation(model);
    vgl_status status = dataset->load(dataset->context, index, &image,
                                      sample->has_mask ? &mask : NULL, err);
    if (status)
        return status;
    if (mask && segmentation &&
        (status = vgl_mask_check(mask, (size_t)image.width * image.height, model->n_classes,
                                 sample->name, err))) {
        free(mask);
        vgl_image_free(&image);
        return status;
    }
    vgl_detection detection;
    status = vgl_model_detect_full(model, &image, threads, segmentation || c->any_masks,
                                   &detection, err);
    if (status && err) {
        char cause[sizeof err->message];
        memcpy(cause, err->message, sizeof cause);
        vgl_error_set(err, status, "%s: %s", sample->name, cause);
    } else if (!status) {
        c->truth[k] = sample->label == VGL_LABEL_ANOMALY;
        c->predicted[k] = (uint8_t)detection.is_anomalous;
        c->scores[k] = detection.score;
        const uint8_t *truth = pixel_truth(c, sample, mask);
        size_t pixels = (size_t)image.width * image.height;
        if (truth && segmentation)
            status = vgl_pixel_metrics_add(&c->pixels, truth, detection.class_map, pixels, err);
        if (!status && truth && (segmentation || c->any_masks))
            status = vgl_pixel_auc_add(c->pixel_auc, detection.score_map, truth, pixels, err);
        if (!status && on_test)
            on_test(context, sample, &detection, mask);
        vgl_detection_free(&detection);
    }
    free(mask);
    vgl_image_free(&image);
    return status;
}

static void fill_evaluation(const vgl_model *model, const collected *c,
                            const vgl_metrics_image *image, size_t n, vgl_evaluation *out)
{
    out->n_test_images = n;
    out->tp = (int)image->tp, out->fp = (int)image->fp;
    out->tn = (int)image->tn, out->fn = (int)image->fn;
    out->precision = image->precision;
    out->recall = image->recall;
    out->f1 = image->f1;
    out->roc_auc = image->roc_auc;
    out->average_precision = image->average_precision;
    out->pixel_roc_auc = c->pixel_auc ? vgl_pixel_auc_value(c->pixel_auc, NULL) : NAN;
    out->n_classes = model->n_classes;
    for (int k = 1; k <= model->n_classes; k++) {
        vgl_pixel_class_metrics m = vgl_pixel_metrics_class(&c->pixels, k);
        vgl_class_metrics *dst = &out->classes[k - 1];
        memcpy(dst->name, model->classes[k - 1].name, sizeof dst->name);
        dst->precision = m.precision;
        dst->recall = m.recall;
        dst->f1 = m.f1;
        dst->aiou = m.aiou;
        dst->images_found = (int)m.images_predicted;
    }
}

static vgl_status prepare(const vgl_model *model, const vgl_dataset *dataset,
                          const size_t *indices, size_t n, collected *c, vgl_error *err)
{
    c->truth = calloc(n, 1);
    c->predicted = calloc(n, 1);
    c->scores = calloc(n, sizeof *c->scores);
    if (!c->truth || !c->predicted || !c->scores)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory evaluating");
    for (size_t k = 0; k < n; k++)
        c->any_masks |= dataset->samples[indices ? indices[k] : k].has_mask;
    if (!model->n_classes && !c->any_masks)
        return VGL_OK;
    c->background = calloc((size_t)model->image_width * model->image_height, 1);
    if (!c->background)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory evaluating");
    vgl_status status = model->n_classes ? vgl_pixel_metrics_init(&c->pixels, model->n_classes, err)
                                         : VGL_OK;
    if (!status) {
        /* the scale of pixel scores; an older model without it: e^threshold */
        double top = model->pixel_score_max > 0 ? model->pixel_score_max
                                                : exp(model->calibration.threshold);
        status = vgl_pixel_auc_create(0.0, 2.0 * top, VGL_PIXEL_AUC_BINS, &c->pixel_auc, err);
    }
    return status;
}

vgl_status vgl_evaluate_samples(const vgl_model *const *models, const uint8_t *fold,
                                const vgl_dataset *dataset,
                                const size_t *indices, size_t n, int threads,
                                const vgl_train_options *progress, vgl_test_callback on_test,
                                void *test_context, vgl_evaluation *evaluation, vgl_error *err)
{
    if (n == 0)
        return vgl_error_set(err, VGL_EINVAL, "there are no labelled test images");
    size_t training_images = evaluation->n_training_images;
    memset(evaluation, 0, sizeof *evaluation);
    evaluation->n_training_images = training_images;
    collected c = {0};
    const vgl_model *model = models[0];
    vgl_status status = prepare(model, dataset, indices, n, &c, err);
    for (size_t k = 0; k < n && !status; k++) {
        size_t index = indices ? indices[k] : k;
        status = evaluate_one(models[fold ? fold[k] : 0], dataset, index, k, threads, on_test,
                              test_context, &c, err);
        if (progress && progress->progress)
            progress->progress(progress->progress_context, "evaluating", k + 1, n);
    }
    vgl_metrics_image image;
    if (!status)
        status = vgl_metrics_image_compute(c.truth, c.predicted, c.scores, n, &image, err);
    if (!status)
        fill_evaluation(model, &c, &image, n, evaluation);
    free(c.truth), free(c.predicted), free(c.scores), free(c.background);
    vgl_pixel_auc_free(c.pixel_auc);
    return status;
}

vgl_status vgl_evaluate(const vgl_model *model, const vgl_dataset *test, int threads,
                        vgl_test_callback on_test, void *test_context,
                        vgl_evaluation *evaluation, vgl_error *err)
{
    if (!model || !test || threads < 1 || !evaluation)
        return vgl_error_set(err, VGL_EINVAL, "evaluation needs a model, a dataset and threads");
    size_t *labelled = malloc(sizeof(size_t) * (test->count ? test->count : 1));
    if (!labelled)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory evaluating");
    size_t n = 0;
    for (size_t i = 0; i < test->count; i++)
        if (test->samples[i].label != VGL_LABEL_NONE)
            labelled[n++] = i;
    evaluation->n_training_images = model->n_training_images;
    vgl_status status = vgl_evaluate_samples(&model, NULL, test, labelled, n, threads, NULL, on_test,
                                             test_context, evaluation, err);
    free(labelled);
    return status;
}

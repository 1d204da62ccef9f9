/*
 * train_crossfit.c - the test images' share in the decision threshold.
 *
 * Many users label anomalies only in the test dataset (Lookout for Vision
 * trains on normal images alone when a test dataset is given), and those
 * labels are the best evidence of where anomalies score.  So the model's
 * threshold is fitted (calibration.h) on every score of an image the model
 * was not trained on: the training images' left-out scores and the test
 * images' scores.
 *
 * The evaluation stays honest by cross-fitting: the test images fall into
 * VGL_CROSSFIT_FOLDS folds by a hash of their content (so an image's fold
 * depends on nothing else), and every test image is decided by a model
 * whose threshold was fitted on the validation scores and the other folds,
 * never on the image itself.  The reported metrics therefore estimate how
 * the model does on images it has never seen, with thresholds fitted on
 * nearly all the scores the final one is; the model keeps the threshold
 * fitted on all of them.
 */
#include "calibration.h"
#include "error.h"
#include "train_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct test_score {
    int anomaly;
    uint64_t content;
    double z;
} test_score;

static vgl_status score_tests(const trainer *t, const vgl_dataset *ds, const size_t *indices,
                              size_t n, test_score *out, vgl_error *err)
{
    for (size_t k = 0; k < n; k++) {
        const vgl_sample *sample = &ds->samples[indices[k]];
        vgl_image image = {0};
        vgl_status status = ds->load(ds->context, indices[k], &image, NULL, err);
        if (!status && (image.width != t->model->image_width ||
                        image.height != t->model->image_height))
            status = vgl_error_set(err, VGL_EINVAL,
                                   "%s: image is %dx%d pixels but the model was trained on "
                                   "%dx%d images",
                                   sample->name, image.width, image.height,
                                   t->model->image_width, t->model->image_height);
        if (!status) {
            out[k] = (test_score){sample->label == VGL_LABEL_ANOMALY,
                                  train_content_hash(sample->label == VGL_LABEL_ANOMALY, &image,
                                                     NULL),
                                  0};
            status = vgl_model_score_image(t->model, &image, t->options->threads, &out[k].z, err);
        }
        vgl_image_free(&image);
        if (status)
            return status;
        train_progress(t, "scoring test images", k + 1, n);
    }
    return VGL_OK;
}

/* Fits a calibration on the validation scores and the test scores whose
 * fold is not `left_out` (-1: all of them). */
static vgl_status fit(const trainer *t, const test_score *tests, const uint8_t *fold, size_t n,
                      int left_out, vgl_calibration *out, vgl_error *err)
{
    size_t total = t->n_validation + n, m = t->n_validation;
    double *z = malloc(sizeof *z * total);
    int *anomaly = malloc(sizeof *anomaly * total);
    vgl_status status = VGL_OK;
    if (!z || !anomaly) {
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory calibrating");
    } else {
        memcpy(z, t->validation_z, sizeof *z * t->n_validation);
        memcpy(anomaly, t->validation_anomaly, sizeof *anomaly * t->n_validation);
        for (size_t i = 0; i < n; i++)
            if ((int)fold[i] != left_out)
                z[m] = tests[i].z, anomaly[m++] = tests[i].anomaly;
        status = vgl_calibration_fit(z, anomaly, m, out, err);
    }
    free(z);
    free(anomaly);
    return status;
}

vgl_status train_crossfit(trainer *t, const vgl_dataset *ds, const size_t *indices, size_t n,
                          uint8_t *fold, vgl_model fold_models[VGL_CROSSFIT_FOLDS],
                          vgl_error *err)
{
    test_score *tests = malloc(sizeof *tests * (n ? n : 1));
    if (!tests)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory scoring test images");
    vgl_status status = score_tests(t, ds, indices, n, tests, err);
    for (size_t k = 0; k < n && !status; k++)
        fold[k] = (uint8_t)(tests[k].content % VGL_CROSSFIT_FOLDS);
    vgl_model *m = t->model;
    for (int h = 0; h < VGL_CROSSFIT_FOLDS && !status; h++) {
        fold_models[h] = *m;
        status = fit(t, tests, fold, n, h, &fold_models[h].calibration, err);
        fold_models[h].pixel_threshold =
            train_pixel_threshold(t, fold_models[h].calibration.threshold);
    }
    if (!status)
        status = fit(t, tests, fold, n, -1, &m->calibration, err);
    if (!status && m->n_classes > 0)
        m->pixel_threshold = train_pixel_threshold(t, m->calibration.threshold);
    free(tests);
    return status;
}

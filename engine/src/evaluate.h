/*
 * evaluate.h - running a model over labelled images and measuring it.
 */
#ifndef VGL_EVALUATE_H
#define VGL_EVALUATE_H

#include "model.h"

/* Evaluates the samples indices[0..n) of dataset (all when indices is NULL),
 * sample k decided by models[fold[k]], or by models[0] when fold is NULL
 * (cross-fitted models differ in their calibration only). */
vgl_status vgl_evaluate_samples(const vgl_model *const *models, const uint8_t *fold,
                                const vgl_dataset *dataset,
                                const size_t *indices, size_t n, int threads,
                                const vgl_train_options *progress, vgl_test_callback on_test,
                                void *test_context, vgl_evaluation *evaluation, vgl_error *err);

/* A loader's class map may only name the dataset's classes (1..n_classes). */
vgl_status vgl_mask_check(const uint8_t *mask, size_t pixels, int n_classes, const char *name,
                          vgl_error *err);

#endif

/*
 * model.h - a trained anomaly model, as the engine's modules share it.
 *
 * Everything detection needs: the backbone (only the layers the features
 * use), the feature layout, the memory bank of normal patch features, the
 * calibration, and for segmentation the pixel threshold and a bank of
 * annotated patch features per class.  Arrays either point into the mapped
 * model file (a loaded model) or are owned (a model just trained); model.c
 * frees only what is owned.
 */
#ifndef VGL_MODEL_H
#define VGL_MODEL_H

#include "calibration.h"
#include "knn.h"
#include "patch_features.h"
#include "vigil.h"

typedef enum vgl_patch_score {
    VGL_SCORE_NORMAL_DISTANCE = 0, /* a: PatchCore's score */
    VGL_SCORE_DEFECT_CONTRAST,     /* a * a / (a + b): unusual, and more like a defect than normal */
    VGL_SCORE_DEFECT_RATIO,        /* a / (a + b): more like a defect than normal, however unusual */
    VGL_SCORE_KINDS
} vgl_patch_score;

/* Patch scores are smoothed with this sigma, in grid cells (about 4 pixels
 * at the working resolution, PatchCore's choice). */
#define VGL_SMOOTHING_SIGMA 0.5f

struct vgl_model {
    vgl_modelfile *file;  /* NULL for a model just trained */
    vgl_network *network; /* owned */
    vgl_features features;
    int image_width, image_height;
    size_t n_training_images;

    vgl_knn_bank bank; /* normal patch features, features.dim long */

    /* How a patch is scored from its distance a to the nearest normal patch
     * and, with annotated anomalies, b to the nearest annotated defect
     * patch; training keeps whichever ranks its validation images better. */
    vgl_patch_score patch_score;
    vgl_knn_bank defect_bank; /* empty unless the patch score uses it */

    vgl_calibration calibration;

    int n_classes;
    vgl_class classes[VGL_MAX_CLASSES];
    float pixel_threshold; /* pixel score above which a pixel is anomalous */
    float pixel_score_max; /* the validation pixels' largest score: a scale for pixel AUC */
    vgl_knn_bank class_bank;     /* with two or more classes: annotated patches */
    const int32_t *class_labels; /* 1..n_classes per class bank row */

    /* the banks' rows this model owns (NULL for a loaded one) */
    float *owned_bank, *owned_class_bank, *owned_defect_bank;
    int32_t *owned_class_labels;
};

/* Prepares one of a model's banks for search; `what` names it in errors. */
vgl_status vgl_model_prepare_bank(vgl_knn_bank *bank, const float *rows, size_t size, int dim,
                                  const char *what, vgl_error *err);

/* Training scores its own images against banks without their patches:
 * the source of every row of both banks, and the image to leave out. */
typedef struct vgl_score_exclusion {
    const int32_t *bank_sources;
    const int32_t *defect_sources;
    int32_t source;
} vgl_score_exclusion;

/* The anomaly score grid of an image's features: patch scores (model.h's
 * kinds), smoothed.  grid: features.grid_height * grid_width floats.
 * exclude is NULL but in training. */
vgl_status vgl_model_score_grid(const vgl_model *model, const float *features,
                                const vgl_score_exclusion *exclude, int threads, float *grid,
                                vgl_error *err);

/* The image's log score from its smoothed grid. */
double vgl_model_image_score(const vgl_model *model, const float *grid);

/* The image's log score alone (no decision, no pixels); the image must be
 * of the model's size. */
vgl_status vgl_model_score_image(const vgl_model *model, const vgl_image *image, int threads,
                                 double *score, vgl_error *err);

/* Detection with the pixel score map kept (evaluation needs it). */
vgl_status vgl_model_detect_full(const vgl_model *model, const vgl_image *image, int threads,
                                 int want_score_map, vgl_detection *out, vgl_error *err);

#endif

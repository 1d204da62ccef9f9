/*
 * synthetic_models.h - the fixture of the detection and model-file tests:
 * a classification and a segmentation model trained once on synthetic data
 * (synthetic_dataset.h) with the converted MobileNetV2 backbone, and probe
 * images neither has seen: PROBE_NORMAL normal ones, then PROBE_ANOMALOUS
 * anomalous ones, scratch and blob in turn.
 */
#ifndef VIGIL_TEST_SYNTHETIC_MODELS_H
#define VIGIL_TEST_SYNTHETIC_MODELS_H

#include "synthetic_dataset.h"

#define SYNTH_BACKBONE VIGIL_MODELS_DIR "/mobilenet_v2.vgm"
#define PROBE_NORMAL 4
#define PROBE_ANOMALOUS 4

typedef struct synth_models {
    synth train_classification, train_segmentation, probe;
    vgl_model *classification, *segmentation;
} synth_models;

static inline vgl_model *synth_train_model(synth *s)
{
    /* one thread: on a busy CI machine OpenMP's waiting threads only slow training down */
    vgl_train_options opt = {.backbone_path = SYNTH_BACKBONE, .threads = 1};
    vgl_model *model = NULL;
    vgl_evaluation e;
    vgl_error err = {0};
    if (vgl_train(&s->dataset, NULL, &opt, NULL, NULL, &model, &e, &err)) {
        fprintf(stderr, "training failed: %s\n", err.message);
        return NULL;
    }
    return model;
}

/* Generates the data from seeds seed+1..seed+3 and trains both models; -1
 * (with a message) when the backbone is missing or training fails.  m must
 * not move afterwards. */
static inline int synth_models_train(synth_models *m, uint64_t seed)
{
    FILE *f = fopen(SYNTH_BACKBONE, "rb");
    if (!f) {
        fprintf(stderr, "missing backbone %s (run 'make models')\n", SYNTH_BACKBONE);
        return -1;
    }
    fclose(f);
    synth_init(&m->train_classification, "train", 20, 10, 0, seed + 1);
    synth_init(&m->train_segmentation, "train", 20, 12, 2, seed + 2);
    synth_init(&m->probe, "probe", PROBE_NORMAL, PROBE_ANOMALOUS, 2, seed + 3);
    m->classification = synth_train_model(&m->train_classification);
    m->segmentation = synth_train_model(&m->train_segmentation);
    return m->classification && m->segmentation ? 0 : -1;
}

static inline void synth_models_free(synth_models *m)
{
    vgl_model_free(m->classification);
    vgl_model_free(m->segmentation);
}

#endif

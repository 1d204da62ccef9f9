/* test_model_hosting.c - hosted models on their inference units, with a real
 * (small, synthetic) segmentation model: detections on the units give what
 * the engine gives on the caller's thread, the units show in the gauges,
 * detections running and queued while the model is unhosted all finish and
 * the model is freed after the last (AddressSanitizer checks the freeing),
 * and a model file that cannot be loaded is not hosted.  The model file is
 * sealed under a key ring in a scratch directory, as `vigil serve` keeps
 * it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "model_hosting.h"
#include "sealed_model.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BACKBONE VIGIL_MODELS_DIR "/mobilenet_v2.vgm"
#include "synthetic_dataset.h"

#define N_PROBES 6

typedef struct fixture {
    char dir[64];
    char path[96];
    kms_ring ring;
    synth probe;
    vgl_image images[N_PROBES];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    *state = fx;
    synth train;
    synth_init(&train, "train", 20, 12, 2, 22);
    synth_init(&fx->probe, "probe", N_PROBES / 2, N_PROBES / 2, 2, 23);
    vgl_train_options opt = {.backbone_path = BACKBONE, .threads = 1};
    vgl_model *model = NULL;
    vgl_evaluation e;
    vgl_error err = {0};
    if (vgl_train(&train.dataset, NULL, &opt, NULL, NULL, &model, &e, &err)) {
        fprintf(stderr, "training failed: %s\n", err.message);
        return -1;
    }
    snprintf(fx->dir, sizeof fx->dir, "/tmp/vigil-hosting-XXXXXX");
    if (!mkdtemp(fx->dir)) {
        vgl_model_free(model);
        return -1;
    }
    snprintf(fx->path, sizeof fx->path, "%s/model.vgm", fx->dir);
    fx->ring = (kms_ring){fx->dir, "us-east-1", "000000000000"};
    sealed_model_use_ring(&fx->ring);
    kms_key key;
    vgl_status status = kms_usable_key(&fx->ring, NULL, &key, &err); /* the service key */
    if (status == VGL_OK)
        status = sealed_model_save(model, fx->path, &key, &err);
    kms_key_clear(&key);
    vgl_model_free(model);
    for (int i = 0; i < N_PROBES && status == VGL_OK; i++)
        status = synth_load(&fx->probe, (size_t)i, &fx->images[i], NULL, &err);
    if (status != VGL_OK)
        fprintf(stderr, "set-up failed: %s\n", err.message);
    return status == VGL_OK ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    for (int i = 0; i < N_PROBES; i++)
        vgl_image_free(&fx->images[i]);
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", fx->dir);
    int removed = system(command);
    free(fx);
    return removed;
}

static model_registry *registry_with(const fixture *fx, int min_units, int max_units)
{
    model_registry *registry = NULL;
    vgl_error err = {0};
    assert_int_equal(model_registry_create(&registry, &err), VGL_OK);
    assert_int_equal(
        model_registry_host(registry, "cookies", 1, fx->path, min_units, max_units, &err),
        VGL_OK);
    return registry;
}

static void job_free(detect_job *job)
{
    free(job->mask);
    vgl_detection_free(&job->detection);
}

static void test_units_detect_as_the_engine_does(void **state)
{
    fixture *fx = *state;
    model_registry *registry = registry_with(fx, 2, 0);
    hosted_model *hosted = model_registry_acquire(registry, "cookies", 1);
    assert_non_null(hosted);
    assert_null(model_registry_acquire(registry, "cookies", 2));
    for (int i = 0; i < N_PROBES; i++) {
        detect_job job = {.image = &fx->images[i]};
        assert_int_equal(hosted_model_detect(hosted, &job), INFERENCE_DONE);
        assert_int_equal(job.status, VGL_OK);
        vgl_detection direct = {0};
        vgl_error err = {0};
        assert_int_equal(vgl_model_detect(hosted_model_get(hosted), &fx->images[i], 1, &direct,
                                          &err),
                         VGL_OK);
        assert_int_equal(job.detection.is_anomalous, direct.is_anomalous);
        assert_true(job.detection.score == direct.score);
        assert_int_equal(job.detection.is_anomalous,
                         fx->probe.samples[i].label == VGL_LABEL_ANOMALY);
        assert_non_null(job.mask); /* a segmentation model: the AnomalyMask PNG */
        assert_memory_equal(job.mask, "\x89PNG", 4);
        vgl_detection_free(&direct);
        job_free(&job);
    }
    units_gauge *gauges = NULL;
    size_t n = 0;
    assert_int_equal(model_registry_units(registry, &gauges, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(gauges[0].project, "cookies");
    assert_int_equal(gauges[0].version, 1);
    assert_int_equal(gauges[0].units.min_units, 2);
    assert_int_equal(gauges[0].units.max_units, 2);
    assert_int_equal(gauges[0].units.desired_units, 2);
    assert_int_equal(gauges[0].units.in_service_units, 2);
    free(gauges);
    model_registry_release(registry, hosted);
    model_registry_free(registry);
}

typedef struct caller {
    model_registry *registry;
    hosted_model *hosted; /* acquired before the thread starts */
    detect_job job;
    inference_result result;
    pthread_t thread;
} caller;

static void *caller_main(void *arg)
{
    caller *c = arg;
    c->result = hosted_model_detect(c->hosted, &c->job);
    model_registry_release(c->registry, c->hosted);
    return NULL;
}

static void test_unhost_while_detections_run(void **state)
{
    fixture *fx = *state;
    model_registry *registry = registry_with(fx, 1, 2);
    caller callers[N_PROBES];
    for (int i = 0; i < N_PROBES; i++) {
        callers[i] = (caller){.registry = registry, .job = {.image = &fx->images[i]}};
        callers[i].hosted = model_registry_acquire(registry, "cookies", 1);
        assert_non_null(callers[i].hosted);
        assert_int_equal(pthread_create(&callers[i].thread, NULL, caller_main, &callers[i]), 0);
    }
    /* StopModel: the model leaves the registry at once; the detections
     * holding it run to their end on its units, and the last one frees it */
    model_registry_unhost(registry, "cookies", 1);
    assert_null(model_registry_acquire(registry, "cookies", 1));
    units_gauge *gauges = NULL;
    size_t n = 1;
    assert_int_equal(model_registry_units(registry, &gauges, &n), 0);
    assert_int_equal(n, 0);
    assert_null(gauges);
    for (int i = 0; i < N_PROBES; i++) {
        pthread_join(callers[i].thread, NULL);
        assert_int_equal(callers[i].result, INFERENCE_DONE);
        assert_int_equal(callers[i].job.status, VGL_OK);
        assert_int_equal(callers[i].job.detection.is_anomalous,
                         fx->probe.samples[i].label == VGL_LABEL_ANOMALY);
        job_free(&callers[i].job);
    }
    model_registry_free(registry);
}

static void test_rehosting_replaces_the_model(void **state)
{
    fixture *fx = *state;
    model_registry *registry = registry_with(fx, 1, 0);
    hosted_model *first = model_registry_acquire(registry, "cookies", 1);
    vgl_error err = {0};
    assert_int_equal(model_registry_host(registry, "cookies", 1, fx->path, 2, 3, &err), VGL_OK);
    hosted_model *second = model_registry_acquire(registry, "cookies", 1);
    assert_ptr_not_equal(first, second);
    detect_job job = {.image = &fx->images[0]};
    assert_int_equal(hosted_model_detect(first, &job), INFERENCE_DONE); /* still usable */
    job_free(&job);
    model_registry_release(registry, first);
    units_gauge *gauges = NULL;
    size_t n = 0;
    assert_int_equal(model_registry_units(registry, &gauges, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(gauges[0].units.min_units, 2);
    assert_int_equal(gauges[0].units.max_units, 3);
    free(gauges);
    model_registry_release(registry, second);
    model_registry_free(registry); /* unhosts what is still hosted */
}

static void test_unloadable_file_not_hosted(void **state)
{
    (void)state;
    model_registry *registry = NULL;
    vgl_error err = {0};
    assert_int_equal(model_registry_create(&registry, &err), VGL_OK);
    assert_int_not_equal(model_registry_host(registry, "cookies", 1, "/nonexistent/model.vgm", 1,
                                             0, &err),
                         VGL_OK);
    assert_non_null(strstr(err.message, "/nonexistent/model.vgm"));
    assert_null(model_registry_acquire(registry, "cookies", 1));
    model_registry_free(registry);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units_detect_as_the_engine_does),
        cmocka_unit_test(test_unhost_while_detections_run),
        cmocka_unit_test(test_rehosting_replaces_the_model),
        cmocka_unit_test(test_unloadable_file_not_hosted),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

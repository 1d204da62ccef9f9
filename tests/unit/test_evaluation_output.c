/*
 * test_evaluation_output.c - the JSON documents of evaluation_output.c
 * (EvaluationResult, EvaluationManifest lines, DetectAnomalyResult) for
 * hand-made evaluations and detections of a classification and a
 * segmentation model, compared byte for byte with the expected text, which
 * checks key names, key order and values at once; the manifest recorder
 * (mask naming and storing, line accumulation, failure); and base64.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base64.h"
#include "error.h"
#include "evaluation_output.h"

#define ARN "arn:aws:lookoutvision:eu-west-1:123456789012:model/cookies/3"
#define DATE "2024-05-06T07:08:09.000Z"

static const model_identity model = {"cookies", 3, ARN};
static const vgl_class classes[2] = {{"cracked", {0x23, 0xa4, 0x36}},
                                     {"burnt", {0x7e, 0xd3, 0x21}}};

/* Dumps json as the outputs are written and compares it with expected. */
static void assert_json(json_t *json, const char *expected)
{
    assert_non_null(json);
    char *text = json_dumps(json, JSON_COMPACT | OUTPUT_JSON_PRECISION);
    assert_non_null(text);
    assert_string_equal(text, expected);
    free(text);
    json_decref(json);
}

/* ------------------------------------------------------------- naming */

static void test_names(void **state)
{
    (void)state;
    char text[256], date[EVALUATION_TIMESTAMP_SIZE];
    evaluation_model_arn(text, sizeof text, "eu-west-1", "123456789012", "cookies", 3);
    assert_string_equal(text, ARN);
    evaluation_timestamp(1714979289, date);
    assert_string_equal(date, DATE);
    evaluation_file_name(text, sizeof text, "EvaluationResult", "cookies", 3);
    assert_string_equal(text, "EvaluationResult-cookies-3.json");
    evaluation_file_name(text, sizeof text, "EvaluationManifest", "cookies", 12);
    assert_string_equal(text, "EvaluationManifest-cookies-12.json");
}

/* ---------------------------------------------------- EvaluationResult */

static void test_result_classification(void **state)
{
    (void)state;
    vgl_evaluation e = {.n_training_images = 43, .n_test_images = 20, .tp = 6, .fp = 2, .tn = 8,
                        .fn = 4, .precision = 0.75, .recall = 0.6, .f1 = 2.0 / 3.0,
                        .roc_auc = 0.9375, .average_precision = 0.875, .pixel_roc_auc = NAN};
    assert_json(evaluation_result_json(&model, DATE, &e),
                "{\"Version\":1,\"EvaluationDetails\":{\"ModelArn\":\"" ARN "\","
                "\"EvaluationEndTimestamp\":\"" DATE "\",\"NumberOfTrainingImages\":43,"
                "\"NumberOfTestingImages\":20},\"AggregatedEvaluationResults\":{\"Metrics\":{"
                "\"ROCAUC\":0.9375,\"AveragePrecision\":0.875,\"Precision\":0.75,\"Recall\":0.6,"
                "\"F1Score\":0.666666666666667}}}");
}

static void test_result_segmentation(void **state)
{
    (void)state;
    vgl_evaluation e = {.n_training_images = 51, .n_test_images = 12, .precision = 1.0,
                        .recall = 0.5, .f1 = 0.0, .roc_auc = NAN, .average_precision = NAN,
                        .pixel_roc_auc = 0.9, .n_classes = 2};
    e.classes[0] = (vgl_class_metrics){"cracked", 0.5, 0.25, 0.375, 0.125, 3};
    e.classes[1] = (vgl_class_metrics){"burnt", 0.0, 0.0, 0.0, 0.0, 0};
    /* NaN metrics (one class only in the test set) are left out. */
    assert_json(evaluation_result_json(&model, DATE, &e),
                "{\"Version\":1,\"EvaluationDetails\":{\"ModelArn\":\"" ARN "\","
                "\"EvaluationEndTimestamp\":\"" DATE "\",\"NumberOfTrainingImages\":51,"
                "\"NumberOfTestingImages\":12},\"AggregatedEvaluationResults\":{\"Metrics\":{"
                "\"Precision\":1.0,\"Recall\":0.5,\"F1Score\":0.0,\"PixelROCAUC\":0.9,"
                "\"PixelAnomalyClassMetrics\":["
                "{\"ClassName\":\"cracked\",\"Precision\":0.5,\"Recall\":0.25,\"F1Score\":0.375,"
                "\"AIOU\":0.125},"
                "{\"ClassName\":\"burnt\",\"Precision\":0.0,\"Recall\":0.0,\"F1Score\":0.0,"
                "\"AIOU\":0.0}]}}}");
}

/* --------------------------------------------------- EvaluationManifest */

#define SOURCE_META "\"source-ref-metadata\":{\"creation-date\":\"" DATE "\"}"
#define MODEL_KEYS \
    "\"model-arn\":\"" ARN "\",\"project-name\":\"cookies\",\"model-version\":\"3\""
#define TRUTH(label, name)                                                                   \
    "\"anomaly-label\":" label ",\"anomaly-label-metadata\":{\"class-name\":\"" name "\","     \
    "\"type\":\"groundtruth/image-classification\",\"human-annotated\":\"yes\","             \
    "\"creation-date\":\"" DATE "\",\"job-name\":\"labeling-job/anomaly-label\"}"
#define DETECTED(label, name, confidence)                                                    \
    "\"anomaly-label-detected\":" label ",\"anomaly-label-detected-metadata\":{"             \
    "\"class-name\":\"" name "\",\"confidence\":" confidence ","                             \
    "\"type\":\"groundtruth/image-classification\",\"human-annotated\":\"no\","              \
    "\"creation-date\":\"" DATE "\",\"job-name\":\"training-job/anomaly-detection\"," MODEL_KEYS "}"
#define COLOR_MAP                                                                            \
    "\"internal-color-map\":{\"0\":{\"class-name\":\"BACKGROUND\",\"hex-color\":\"#FFFFFF\"},"  \
    "\"1\":{\"class-name\":\"cracked\",\"hex-color\":\"#23A436\"},"                           \
    "\"2\":{\"class-name\":\"burnt\",\"hex-color\":\"#7ED321\"}}"

static void test_manifest_line_classification(void **state)
{
    (void)state;
    evaluation_test test = {.source_ref = "s3://bucket/test/normal-1.jpg",
                            .truth = VGL_LABEL_NORMAL, .is_anomalous = 1, .confidence = 0.625};
    assert_json(evaluation_manifest_line(&model, DATE, NULL, 0, &test),
                "{\"source-ref\":\"s3://bucket/test/normal-1.jpg\"," SOURCE_META ","
                TRUTH("0", "normal") "," DETECTED("1", "anomaly", "0.625") "}");
}

static void test_manifest_line_unlabelled(void **state)
{
    (void)state;
    evaluation_test test = {.source_ref = "a.png", .truth = VGL_LABEL_NONE, .confidence = 1.0};
    assert_json(evaluation_manifest_line(&model, DATE, NULL, 0, &test),
                "{\"source-ref\":\"a.png\"," SOURCE_META "," DETECTED("0", "normal", "1.0") "}");
}

static void test_manifest_line_segmentation(void **state)
{
    (void)state;
    evaluation_test test = {.source_ref = "/data/anomaly-1.jpg", .truth = VGL_LABEL_ANOMALY,
                            .truth_mask_ref = "/data/masks/anomaly-1.png", .is_anomalous = 0,
                            .confidence = 0.5, .mask_ref = "/out/masks/anomaly-1.png"};
    assert_json(evaluation_manifest_line(&model, DATE, classes, 2, &test),
                "{\"source-ref\":\"/data/anomaly-1.jpg\"," SOURCE_META ","
                TRUTH("1", "anomaly") "," DETECTED("0", "normal", "0.5") ","
                "\"anomaly-mask-ref\":\"/data/masks/anomaly-1.png\","
                "\"anomaly-mask-ref-metadata\":{" COLOR_MAP ","
                "\"type\":\"groundtruth/semantic-segmentation\",\"human-annotated\":\"yes\","
                "\"creation-date\":\"" DATE "\",\"job-name\":\"labeling-job/object-mask-ref\"},"
                "\"anomaly-mask-ref-detected\":\"/out/masks/anomaly-1.png\","
                "\"anomaly-mask-ref-detected-metadata\":{" COLOR_MAP ","
                "\"type\":\"groundtruth/semantic-segmentation\",\"human-annotated\":\"no\","
                "\"creation-date\":\"" DATE "\",\"job-name\":\"training-job/anomaly-detection\","
                MODEL_KEYS "}}");
}

/* -------------------------------------------------- DetectAnomalyResult */

static void test_detection_classification(void **state)
{
    (void)state;
    vgl_detection d = {.is_anomalous = 0, .confidence = 0.99164, .score = 1.5, .width = 64,
                       .height = 64};
    assert_json(detection_result_json(&d, NULL, 0, NULL, 0),
                "{\"DetectAnomalyResult\":{\"Source\":{\"Type\":\"direct\"},"
                "\"IsAnomalous\":false,\"Confidence\":0.99164}}");
}

static void test_detection_segmentation(void **state)
{
    (void)state;
    /* burnt covers nothing, so only background and cracked are listed. */
    double fractions[3] = {0.75, 0.25, 0.0};
    uint8_t class_map[4] = {0, 0, 0, 1};
    const uint8_t png[4] = {0x89, 'P', 'N', 'G'};
    vgl_detection d = {.is_anomalous = 1, .confidence = 0.875, .width = 2, .height = 2,
                       .class_map = class_map, .class_fraction = fractions};
    assert_json(detection_result_json(&d, classes, 2, png, sizeof png),
                "{\"DetectAnomalyResult\":{\"Source\":{\"Type\":\"direct\"},"
                "\"IsAnomalous\":true,\"Confidence\":0.875,\"Anomalies\":["
                "{\"Name\":\"background\",\"PixelAnomaly\":{\"TotalPercentageArea\":0.75,"
                "\"Color\":\"#FFFFFF\"}},"
                "{\"Name\":\"cracked\",\"PixelAnomaly\":{\"TotalPercentageArea\":0.25,"
                "\"Color\":\"#23A436\"}}],"
                "\"AnomalyMask\":\"iVBORw==\"}}");
}

/* ------------------------------------------------------------ recorder */

typedef struct stored {
    char names[4][64];
    size_t sizes[4];
    int count;
    int fail; /* refuse the next store */
} stored;

static vgl_status store_in_memory(void *context, const char *file_name, const uint8_t *png,
                                  size_t size, char *ref, size_t ref_size, vgl_error *err)
{
    stored *s = context;
    if (s->fail)
        return vgl_error_set(err, VGL_EIO, "disk full");
    assert_true(size > 8 && !memcmp(png, "\x89PNG\r\n\x1a\n", 8));
    snprintf(s->names[s->count], sizeof s->names[0], "%s", file_name);
    s->sizes[s->count++] = size;
    snprintf(ref, ref_size, "s3://out/masks/%s", file_name);
    return VGL_OK;
}

static void test_recorder(void **state)
{
    (void)state;
    stored s = {0};
    evaluation_recorder_config config = {.model = model, .creation_date = DATE,
                                         .classes = classes, .n_classes = 2,
                                         .store_mask = store_in_memory, .store_context = &s};
    evaluation_recorder r;
    evaluation_recorder_init(&r, &config);
    uint8_t class_map[4] = {0, 2, 1, 0};
    double fractions[3] = {0.5, 0.25, 0.25};
    vgl_detection d = {.is_anomalous = 1, .confidence = 0.5, .width = 2, .height = 2,
                       .class_map = class_map, .class_fraction = fractions};
    /* Two images of one stem get two masks. */
    vgl_sample a = {"normal/a.jpg", VGL_LABEL_NORMAL, 0};
    vgl_sample b = {"anomaly/a.jpg", VGL_LABEL_ANOMALY, 0};
    evaluation_recorder_on_test(&r, &a, &d, NULL);
    evaluation_recorder_on_test(&r, &b, &d, NULL);
    assert_int_equal(r.error.status, VGL_OK);
    assert_int_equal(r.n_lines, 2);
    assert_int_equal(s.count, 2);
    assert_string_equal(s.names[0], "a.png");
    assert_string_equal(s.names[1], "a-2.png");
    /* Two lines, each a complete JSON object naming its sample and mask. */
    char *newline = strchr(r.manifest, '\n');
    assert_non_null(newline);
    assert_int_equal(r.manifest[r.size - 1], '\n');
    assert_ptr_equal(strchr(newline + 1, '\n'), r.manifest + r.size - 1);
    json_error_t error;
    json_t *line = json_loadb(newline + 1, r.size - (size_t)(newline + 1 - r.manifest), 0, &error);
    assert_non_null(line);
    assert_string_equal(json_string_value(json_object_get(line, "source-ref")), "anomaly/a.jpg");
    assert_string_equal(json_string_value(json_object_get(line, "anomaly-mask-ref-detected")),
                        "s3://out/masks/a-2.png");
    assert_null(json_object_get(line, "anomaly-mask-ref"));
    json_decref(line);
    /* After a failure, the first error stays and nothing more is added. */
    s.fail = 1;
    evaluation_recorder_on_test(&r, &a, &d, NULL);
    s.fail = 0;
    evaluation_recorder_on_test(&r, &b, &d, NULL);
    assert_int_equal(r.error.status, VGL_EIO);
    assert_string_equal(r.error.message, "disk full");
    assert_int_equal(r.n_lines, 2);
    evaluation_recorder_free(&r);
}

/* ------------------------------------------------------------- base64 */

static void test_base64(void **state)
{
    (void)state;
    /* RFC 4648's test vectors. */
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
                                        "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        size_t n = strlen(plain[i]);
        assert_int_equal(base64_encoded_size(n), strlen(coded[i]));
        char *text = base64_encode_alloc((const uint8_t *)plain[i], n);
        assert_string_equal(text, coded[i]);
        free(text);
    }
    const uint8_t high[3] = {0xfb, 0xff, 0xbf};
    char out[5];
    base64_encode(high, 3, out);
    assert_string_equal(out, "+/+/");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_result_classification),
        cmocka_unit_test(test_result_segmentation),
        cmocka_unit_test(test_manifest_line_classification),
        cmocka_unit_test(test_manifest_line_unlabelled),
        cmocka_unit_test(test_manifest_line_segmentation),
        cmocka_unit_test(test_detection_classification),
        cmocka_unit_test(test_detection_segmentation),
        cmocka_unit_test(test_recorder),
        cmocka_unit_test(test_base64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

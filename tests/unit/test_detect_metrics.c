/* test_detect_metrics.c - DetectAnomalies' counters and their Prometheus
 * text exposition: every metric with its HELP and TYPE lines, one series
 * per project and model version in order, each outcome counted where
 * Lookout counts it, cumulative histogram buckets, the units gauges, and
 * label values escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect_metrics.h"

static void assert_has_line(const char *text, const char *line)
{
    size_t length = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && p[length] == '\n')
            return;
    fail_msg("no line \"%s\" in:\n%s", line, text);
}

static detect_metrics *create(void)
{
    detect_metrics *metrics = NULL;
    vgl_error err = {0};
    assert_int_equal(detect_metrics_create(&metrics, &err), VGL_OK);
    return metrics;
}

static void test_empty_has_every_metric_described(void **state)
{
    (void)state;
    detect_metrics *metrics = create();
    char *text = detect_metrics_exposition(metrics, NULL, 0);
    assert_non_null(text);
    static const char *const COUNTERS[] = {
        "vigil_processed_images_total", "vigil_detected_anomalies_total",
        "vigil_invalid_images_total", "vigil_successful_requests_total", "vigil_errors_total",
        "vigil_throttled_total"};
    char line[128];
    for (size_t i = 0; i < sizeof COUNTERS / sizeof COUNTERS[0]; i++) {
        snprintf(line, sizeof line, "# TYPE %s counter", COUNTERS[i]);
        assert_has_line(text, line);
        snprintf(line, sizeof line, "# HELP %s ", COUNTERS[i]);
        assert_non_null(strstr(text, line));
    }
    assert_has_line(text, "# TYPE vigil_detect_seconds histogram");
    assert_has_line(text, "# TYPE vigil_min_inference_units gauge");
    assert_has_line(text, "# TYPE vigil_max_inference_units gauge");
    assert_has_line(text, "# TYPE vigil_desired_inference_units gauge");
    assert_has_line(text, "# TYPE vigil_in_service_inference_units gauge");
    assert_null(strstr(text, "{")); /* no series yet */
    free(text);
    detect_metrics_free(metrics);
}

static void test_outcomes_counted_per_model(void **state)
{
    (void)state;
    detect_metrics *metrics = create();
    detect_metrics_record(metrics, "cookies", 2, DETECT_NORMAL, 0.04);
    detect_metrics_record(metrics, "cookies", 1, DETECT_NORMAL, 0.02);
    detect_metrics_record(metrics, "cookies", 1, DETECT_ANOMALOUS, 0.06);
    detect_metrics_record(metrics, "cookies", 1, DETECT_ANOMALOUS, 12.0);
    detect_metrics_record(metrics, "cookies", 1, DETECT_INVALID_IMAGE, 0.001);
    detect_metrics_record(metrics, "cookies", 1, DETECT_THROTTLED, 0.0);
    detect_metrics_record(metrics, "cookies", 1, DETECT_THROTTLED, 0.0);
    detect_metrics_record(metrics, "cookies", 1, DETECT_ERROR, 0.0);
    units_gauge gauges[1] = {{.project = "cookies",
                              .version = 1,
                              .units = {.min_units = 1,
                                        .max_units = 3,
                                        .desired_units = 2,
                                        .in_service_units = 1}}};
    char *text = detect_metrics_exposition(metrics, gauges, 1);
    assert_non_null(text);
#define V1 "{project=\"cookies\",model_version=\"1\""
#define V2 "{project=\"cookies\",model_version=\"2\""
    assert_has_line(text, "vigil_processed_images_total" V1 "} 3");
    assert_has_line(text, "vigil_detected_anomalies_total" V1 "} 2");
    assert_has_line(text, "vigil_invalid_images_total" V1 "} 1");
    assert_has_line(text, "vigil_successful_requests_total" V1 "} 3");
    assert_has_line(text, "vigil_errors_total" V1 "} 2"); /* the invalid image and the error */
    assert_has_line(text, "vigil_throttled_total" V1 "} 2");
    assert_has_line(text, "vigil_processed_images_total" V2 "} 1");
    assert_has_line(text, "vigil_detected_anomalies_total" V2 "} 0");
    /* version 1 before version 2 */
    assert_true(strstr(text, "vigil_processed_images_total" V1) <
                strstr(text, "vigil_processed_images_total" V2));
    /* buckets are cumulative; 12 s is beyond the last bound, in +Inf only */
    assert_has_line(text, "vigil_detect_seconds_bucket" V1 ",le=\"0.01\"} 0");
    assert_has_line(text, "vigil_detect_seconds_bucket" V1 ",le=\"0.025\"} 1");
    assert_has_line(text, "vigil_detect_seconds_bucket" V1 ",le=\"0.05\"} 1");
    assert_has_line(text, "vigil_detect_seconds_bucket" V1 ",le=\"0.075\"} 2");
    assert_has_line(text, "vigil_detect_seconds_bucket" V1 ",le=\"10\"} 2");
    assert_has_line(text, "vigil_detect_seconds_bucket" V1 ",le=\"+Inf\"} 3");
    assert_has_line(text, "vigil_detect_seconds_sum" V1 "} 12.08");
    assert_has_line(text, "vigil_detect_seconds_count" V1 "} 3");
    assert_has_line(text, "vigil_detect_seconds_count" V2 "} 1");
    assert_has_line(text, "vigil_min_inference_units" V1 "} 1");
    assert_has_line(text, "vigil_max_inference_units" V1 "} 3");
    assert_has_line(text, "vigil_desired_inference_units" V1 "} 2");
    assert_has_line(text, "vigil_in_service_inference_units" V1 "} 1");
    assert_null(strstr(text, "vigil_min_inference_units" V2)); /* not hosted: no gauges */
#undef V1
#undef V2
    free(text);
    detect_metrics_free(metrics);
}

static void test_label_values_escaped(void **state)
{
    (void)state;
    detect_metrics *metrics = create();
    detect_metrics_record(metrics, "a\"b\\c\nd", 7, DETECT_ERROR, 0.0);
    char *text = detect_metrics_exposition(metrics, NULL, 0);
    assert_has_line(text, "vigil_errors_total{project=\"a\\\"b\\\\c\\nd\",model_version=\"7\"} 1");
    free(text);
    detect_metrics_free(metrics);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_has_every_metric_described),
        cmocka_unit_test(test_outcomes_counted_per_model),
        cmocka_unit_test(test_label_values_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * metrics_endpoint.c - GET /metrics (service.h): the exposition of
 * detect_metrics.h with the units of the models hosted now.
 *
 * Unauthenticated, like /health: Prometheus and similar scrapers cannot
 * sign requests with SigV4, and what is exposed is counts per project and
 * model version, no images, results or keys.  The server listens on the
 * loopback address unless told otherwise; where the port is reachable by
 * others who must not see even the project names, `vigil serve
 * --no-metrics` turns the endpoint off (the path then goes, signed, to the
 * S3 endpoint like any other).
 */
#include "detect_metrics.h"
#include "model_hosting.h"
#include "service.h"

#include <stdlib.h>
#include <string.h>

void metrics_handle(const service *svc, const http_request *request, http_response *response)
{
    if (strcmp(request->method, "GET") && strcmp(request->method, "HEAD")) {
        http_response_text(response, 405, "text/plain; charset=utf-8",
                           "/metrics answers GET and HEAD only\n");
        http_response_header(response, "Allow", "GET, HEAD");
        return;
    }
    units_gauge *gauges = NULL;
    size_t n_gauges = 0;
    char *text = model_registry_units(svc->models, &gauges, &n_gauges) == 0
                     ? detect_metrics_exposition(svc->metrics, gauges, n_gauges)
                     : NULL;
    free(gauges);
    if (!text) {
        http_response_text(response, 500, "text/plain; charset=utf-8",
                           "out of memory writing the metrics\n");
        return;
    }
    http_response_body(response, 200, DETECT_METRICS_CONTENT_TYPE, (uint8_t *)text, strlen(text));
}

/*
 * service.h - what every part of `vigil serve` shares: configuration and
 * the storage backends, passed to each handler.
 *
 * Handlers live one resource per file (lfv_projects.c, s3_objects.c, ...);
 * http_server.c routes a request to them after authenticating it.
 */
#ifndef VIGIL_SERVICE_H
#define VIGIL_SERVICE_H

#include "auth.h"
#include "blob.h"
#include "http.h"

#include <stddef.h>

typedef struct metadata_store metadata_store; /* store.h */
typedef struct model_registry model_registry; /* model_hosting.h */
typedef struct detect_metrics detect_metrics; /* detect_metrics.h */

typedef struct service {
    const char *data_dir;
    const char *region;      /* in ARNs and the credential scope; default us-east-1 */
    const char *account_id;  /* 12 digits, in ARNs */
    size_t max_body_bytes;   /* larger requests are refused before they are read */
    keyring *keys;
    blob_store *blobs;
    metadata_store *store;
    model_registry *models;  /* the hosted models (StartModel .. StopModel) */
    detect_metrics *metrics; /* DetectAnomalies' counters */
    int metrics_endpoint;    /* GET /metrics answers without authentication */
    const char *console_dir; /* the web console's files, served under /console/ */
    /* where objects' bodies are written as they arrive (NULL: in memory) */
    const char *incoming_dir;
} service;

/* The Lookout for Vision API: paths under /2020-11-20/. */
void lfv_handle(const service *svc, const http_request *request, const auth_identity *caller,
                http_response *response);

/* GET /metrics: DetectAnomalies' counters and the inference units in the
 * Prometheus text format, without authentication (metrics_endpoint.c). */
void metrics_handle(const service *svc, const http_request *request, http_response *response);

/* The S3-compatible endpoint: every other path (path-style and
 * virtual-host-style addressing). */
void s3_handle(const service *svc, const http_request *request, const auth_identity *caller,
               http_response *response);

#endif

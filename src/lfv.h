/*
 * lfv.h - what the Lookout for Vision handlers share: the call they serve,
 * the operations (one file per resource), and the helpers every handler
 * uses (store errors, ARNs, timestamps, pagination tokens, idempotency).
 *
 * A handler validates its input against the API model first, then acts on
 * svc->store, and always fills call->response, success or error.
 */
#ifndef VIGIL_LFV_H
#define VIGIL_LFV_H

#include "lfv_errors.h"
#include "lfv_validate.h"
#include "service.h"
#include "store.h"

#include <jansson.h>

#define LFV_MAX_LABELS 4

typedef struct lfv_call {
    const service *svc;
    const http_request *request;
    const auth_identity *caller;
    http_response *response;
    char *labels[LFV_MAX_LABELS]; /* the path labels, percent-decoded, in path order */
    size_t n_labels;
    char msg[LFV_MSG_MAX];        /* scratch for validation messages */
} lfv_call;

typedef void (*lfv_operation)(lfv_call *call);

/* lfv_projects.c */
void lfv_create_project(lfv_call *call);
void lfv_describe_project(lfv_call *call);
void lfv_list_projects(lfv_call *call);
void lfv_delete_project(lfv_call *call);

/* lfv_datasets.c */
void lfv_create_dataset(lfv_call *call);
void lfv_describe_dataset(lfv_call *call);
void lfv_delete_dataset(lfv_call *call);
void lfv_list_dataset_entries(lfv_call *call);
void lfv_update_dataset_entries(lfv_call *call);

/* lfv_tags.c */
void lfv_tag_resource(lfv_call *call);
void lfv_untag_resource(lfv_call *call);
void lfv_list_tags_for_resource(lfv_call *call);

/* lfv_models.c (models and DetectAnomalies) */
void lfv_create_model(lfv_call *call);
void lfv_describe_model(lfv_call *call);
void lfv_list_models(lfv_call *call);
void lfv_delete_model(lfv_call *call);
void lfv_start_model(lfv_call *call);
void lfv_stop_model(lfv_call *call);
void lfv_detect_anomalies(lfv_call *call);

/* lfv_authorize.c: checks the caller's permissions for the operation (its
 * name in the API model); 0 when allowed, else -1 with the response an
 * AccessDeniedException. */
int lfv_authorize(lfv_call *call, const char *operation);

/* lfv_packaging.c (model packaging jobs) */
void lfv_start_model_packaging_job(lfv_call *call);
void lfv_describe_model_packaging_job(lfv_call *call);
void lfv_list_model_packaging_jobs(lfv_call *call);

/* ------------------------------------------------ helpers (lfv_router.c) */

/* Now, in epoch seconds to the millisecond. */
double lfv_now(void);

/* A timestamp member: epoch seconds as a JSON number. */
json_t *lfv_timestamp(double seconds);

/* arn:aws:lookoutvision:REGION:ACCOUNT:project/NAME */
void lfv_project_arn(const service *svc, const char *project, char *out, size_t size);

/* Answers a store failure: VGL_ENOTFOUND -> ResourceNotFoundException,
 * VGL_EINVAL -> ConflictException (both about resource_id/resource_type),
 * VGL_ELIMIT -> ServiceQuotaExceededException, others -> InternalServer. */
void lfv_store_error(lfv_call *call, vgl_status status, const vgl_error *err,
                     const char *resource_id, const char *resource_type);

/* A validation failure with call->msg. */
void lfv_invalid(lfv_call *call);

/* Pagination tokens: base64 of a small JSON object holding the cursor and
 * the request's scope (operation and filters), so a token is refused when
 * replayed on another request.  decode answers ValidationException and
 * returns -1 on a bad token; *cursor is malloc'ed. */
char *lfv_token_encode(const char *scope, const char *cursor);
int lfv_token_decode(lfv_call *call, const char *token, const char *scope, char **cursor);

/* ------------------------------------------ idempotency (lfv_idempotency.c) */

typedef struct lfv_idempotency {
    const char *operation;
    char *token;   /* NULL when the request has none */
    char *params;  /* canonical JSON of every parameter but the token */
} lfv_idempotency;

/* Reads and validates X-Amzn-Client-Token.  Returns 1 when the call is
 * already answered (a bad token, the original response replayed, or a
 * ConflictException for a token reused with other parameters), 0 when the
 * handler must run and then call lfv_idempotency_end.  params is borrowed. */
int lfv_idempotency_begin(lfv_call *call, const char *operation, const json_t *params,
                          const char *resource_id, const char *resource_type,
                          lfv_idempotency *idem);

/* Records a successful response for the token and frees idem. */
void lfv_idempotency_end(lfv_call *call, lfv_idempotency *idem);

#endif

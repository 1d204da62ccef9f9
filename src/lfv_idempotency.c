/*
 * lfv_idempotency.c - ClientToken (behaviour reference 1.7): a repeated call
 * with the same token and the same parameters within 8 hours gets the
 * original response and does nothing; the same token with other parameters
 * is a ConflictException.
 *
 * Records live in the metadata store, keyed by (operation, token), holding
 * the canonical parameters (compact JSON with sorted keys, the token left
 * out) and the original status and body.  Only successful responses are
 * recorded: a failed call changed nothing, so repeating it is a new try.
 */
#include "lfv.h"

#include <stdlib.h>
#include <string.h>

#define TOKEN_LIFETIME_SECONDS (8.0 * 3600.0)

static void replay(lfv_call *call, const store_idempotency *record)
{
    char *body = strdup(record->body);
    if (!body) {
        lfv_error(call->response, LFV_INTERNAL, NULL, NULL, "out of memory");
        return;
    }
    http_response_body(call->response, record->status, "application/json", (uint8_t *)body,
                       strlen(body));
}

/* 1 when a record answers the call (replayed or refused), 0 when there is
 * none, -1 on a store failure (answered). */
static int answer_from_record(lfv_call *call, lfv_idempotency *idem, const char *resource_id,
                              const char *resource_type)
{
    store_idempotency record;
    vgl_error err = {0};
    metadata_store *store = call->svc->store;
    vgl_status status = store->ops->idempotency_get(store, idem->operation, idem->token,
                                                    lfv_now(), TOKEN_LIFETIME_SECONDS, &record,
                                                    &err);
    if (status == VGL_ENOTFOUND)
        return 0;
    if (status != VGL_OK) {
        lfv_store_error(call, status, &err, NULL, NULL);
        return -1;
    }
    if (strcmp(record.params, idem->params) == 0)
        replay(call, &record);
    else
        lfv_error(call->response, LFV_CONFLICT, resource_id, resource_type,
                  "The ClientToken %s was already used with different parameters.", idem->token);
    store_idempotency_clear(&record);
    return 1;
}

static void idempotency_free(lfv_idempotency *idem)
{
    free(idem->token);
    free(idem->params);
    idem->token = idem->params = NULL;
}

int lfv_idempotency_begin(lfv_call *call, const char *operation, const json_t *params,
                          const char *resource_id, const char *resource_type,
                          lfv_idempotency *idem)
{
    memset(idem, 0, sizeof *idem);
    idem->operation = operation;
    const char *token = http_request_header(call->request, "X-Amzn-Client-Token");
    if (!token)
        return 0;
    if (lfv_check_string(&LFV_RULE_CLIENT_TOKEN, token, call->msg) != 0) {
        lfv_invalid(call);
        return 1;
    }
    idem->token = strdup(token);
    idem->params = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
    if (!idem->token || !idem->params) {
        idempotency_free(idem);
        lfv_error(call->response, LFV_INTERNAL, NULL, NULL, "out of memory");
        return 1;
    }
    int answered = answer_from_record(call, idem, resource_id, resource_type);
    if (answered)
        idempotency_free(idem);
    return answered != 0;
}

void lfv_idempotency_end(lfv_call *call, lfv_idempotency *idem)
{
    const http_response *r = call->response;
    if (idem->token && r->status >= 200 && r->status < 300) {
        store_idempotency record = {
            .params = idem->params,
            .status = r->status,
            .body = NULL,
            .created = lfv_now(),
        };
        record.body = strndup(r->body ? (const char *)r->body : "{}", r->body ? r->body_size : 2);
        vgl_error err = {0};
        /* the action is done either way: a lost record only weakens a retry */
        if (record.body)
            call->svc->store->ops->idempotency_put(call->svc->store, idem->operation, idem->token,
                                                   &record, &err);
        free(record.body);
    }
    idempotency_free(idem);
}

/*
 * http_server.c - the HTTP front of `vigil serve` on libmicrohttpd.
 *
 * libmicrohttpd gives every connection a thread of its own: handlers block
 * (a detection waits for an inference unit, an object is read from disk),
 * and a worker polling several connections would hold all the others up
 * meanwhile - two DetectAnomalies callers that landed on one worker of a
 * pool were answered one after the other.  For every request this file:
 *   1. keeps the raw request target as the client sent it (the URI log
 *      callback sees it before libmicrohttpd decodes the path and splits the
 *      query): SigV4 signs the encoded path, and the tags operations carry a
 *      whole ARN with %2F inside one path segment;
 *   2. refuses, before reading the body, an unknown method (405), a URL or
 *      header section over its limit (414, 431) and a Content-Length over
 *      service.max_body_bytes (413);
 *   3. reads the body whole into memory (a chunked body over the limit is
 *      read to its end and dropped, then refused with 413);
 *   4. dispatches: /health, /metrics (unless --no-metrics) and the
 *      console's static files (/console/) answer without authentication;
 *      anything else is
 *      verified with SigV4 and goes to lfv_handle (paths under /2020-11-20/)
 *      or s3_handle (every other path).
 * Errors use the format each client parses: Lookout's JSON with
 * x-amzn-ErrorType for the API, S3's XML <Error> for the S3 endpoint.
 */
#include "http_server.h"

#include "console_files.h"
#include "error.h"
#include "http_body_file.h"
#include "http_framing.h"

#include <jansson.h>
#include <microhttpd.h>

#include <errno.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* libmicrohttpd's per-connection memory pool holds the request line and the
 * headers; it is larger than our own limits so that we, not the library,
 * answer oversized requests, in the format the client parses. */
#define MHD_CONNECTION_MEMORY (4 * (HTTP_SERVER_MAX_URL_BYTES + HTTP_SERVER_MAX_HEADER_BYTES))
/* Idle keep-alive connections are closed after this many seconds. */
#define CONNECTION_TIMEOUT_SECONDS 120
/* How long a stopping server lets requests in flight finish. */
#define SHUTDOWN_GRACE_MS 5000

struct http_server {
    const service *svc;
    struct MHD_Daemon *daemon;
    http_guard *guard;
    atomic_int in_flight; /* requests between their first callback and completion */
};

/* One request, from the URI log callback to the completion callback. */
typedef struct request_context {
    char *target;         /* the raw request target, split in place into path and query */
    const char *path;
    const char *query;
    char request_id[37];
    int started;          /* the access handler has seen this request */
    int answered;         /* a response is queued; further body bytes are dropped */
    int too_large;        /* the (chunked) body went past the limit */
    int out_of_memory;    /* collecting the headers failed */
    uint8_t *body;
    size_t body_size, body_capacity;
    size_t reserved; /* of the server's body budget (http_guard_reserve) */
    http_body_file *streamed; /* an object's body, going to a file instead of memory */
    int unstored;             /* writing it failed (a full disk): the rest is dropped */
    http_header *headers; /* pointers into libmicrohttpd's connection memory */
    size_t n_headers, headers_capacity;
} request_context;

/* ---- request ids --------------------------------------------------------- */

/* A random (version 4) UUID, the shape AWS request ids have. */
static void request_id_generate(char out[37])
{
    uint8_t bytes[16];
    if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) {
        /* Ids only need to be unique enough to find a request in a log. */
        static atomic_uint counter;
        uint64_t mix = (uint64_t)time(NULL) * 2654435761u + atomic_fetch_add(&counter, 1);
        for (size_t i = 0; i < sizeof bytes; i++)
            bytes[i] = (uint8_t)(mix >> (8 * (i % 8))) ^ (uint8_t)i;
    }
    bytes[6] = (uint8_t)((bytes[6] & 0x0f) | 0x40);
    bytes[8] = (uint8_t)((bytes[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
             bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
}

/* ---- error responses ------------------------------------------------------- */

static int is_api_path(const char *path)
{
    size_t prefix_length = strlen(HTTP_SERVER_API_PREFIX);
    /* "/2020-11-20" alone is the API's root, not an S3 bucket. */
    return !strncmp(path, HTTP_SERVER_API_PREFIX, prefix_length) ||
           (!strncmp(path, HTTP_SERVER_API_PREFIX, prefix_length - 1) &&
            path[prefix_length - 1] == '\0');
}

/* Lookout's error: the type in x-amzn-ErrorType (botocore's first choice)
 * and the message under both spellings botocore reads. */
static void api_error(http_response *response, int status, const char *type, const char *message)
{
    json_t *body = json_pack("{s:s, s:s}", "Message", message, "message", message);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    http_response_text(response, status, "application/json", text ? text : "{}");
    free(text);
    http_response_header(response, "x-amzn-ErrorType", type);
}

static void xml_escape(FILE *out, const char *text)
{
    for (; *text; text++) {
        switch (*text) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        default: fputc(*text, out);
        }
    }
}

/* S3's error document; botocore takes Code and Message from it. */
static void s3_error(http_response *response, int status, const char *code, const char *message,
                     const http_request *request)
{
    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    if (!out) {
        http_response_body(response, 500, NULL, NULL, 0);
        return;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>", out);
    xml_escape(out, code);
    fputs("</Code><Message>", out);
    xml_escape(out, message);
    fputs("</Message><Resource>", out);
    xml_escape(out, request->path);
    fputs("</Resource><RequestId>", out);
    xml_escape(out, request->request_id);
    fputs("</RequestId></Error>", out);
    fclose(out);
    http_response_body(response, status, "application/xml", (uint8_t *)text, length);
}

/* One refusal, worded for whichever endpoint the path belongs to. */
static void refuse(const http_request *request, http_response *response, int status,
                   const char *api_type, const char *s3_code, const char *message)
{
    if (is_api_path(request->path))
        api_error(response, status, api_type, message);
    else
        s3_error(response, status, s3_code, message, request);
}

/* A server-side failure (500) tells the client only that it happened and
 * the request id: its detail (a file path, a store's message) goes to the
 * log under that id. */
static void hide_internal_error(const http_request *request, http_response *response)
{
    if (response->status != 500)
        return;
    fprintf(stderr, "vigil serve: request %s (%s %s) failed with %d: %.*s\n",
            request->request_id, request->method, request->path, response->status,
            (int)(response->body_size < 2000 ? response->body_size : 2000),
            response->body ? (const char *)response->body : "");
    char message[160];
    snprintf(message, sizeof message,
             "We encountered an internal error; the server's log has its detail under request "
             "id %s.", request->request_id);
    int status = response->status;
    http_response_free(response);
    memset(response, 0, sizeof *response);
    refuse(request, response, status, "InternalServerException", "InternalError", message);
}

/* The request id under the name each client family reads, and a 500 for a
 * handler that returned without answering. */
static void response_finish(const http_request *request, http_response *response)
{
    if (response->status == 0)
        refuse(request, response, 500, "InternalServerException", "InternalError",
               "The server did not produce a response.");
    hide_internal_error(request, response);
    if (is_api_path(request->path)) {
        http_response_header(response, "x-amzn-RequestId", request->request_id);
    } else {
        http_response_header(response, "x-amz-request-id", request->request_id);
        http_response_header(response, "x-amz-id-2", request->request_id);
    }
}

/* ---- dispatch ------------------------------------------------------------- */

static int method_known(const char *method)
{
    static const char *const known[] = {"GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(method, known[i]))
            return 1;
    return 0;
}

/* Every key and value of the query must percent-decode, so a handler never
 * mistakes a garbled parameter for an absent one. */
static int query_well_formed(const char *query)
{
    while (*query) {
        size_t pair_length = strcspn(query, "&");
        char *decoded = http_percent_decode(query, pair_length, 1);
        if (!decoded)
            return 0;
        free(decoded);
        query += pair_length;
        if (*query == '&')
            query++;
    }
    return 1;
}

/* How S3 names each authentication failure; the API answers all of them
 * with its one modeled type, AccessDeniedException (403), so botocore
 * raises client.exceptions.AccessDeniedException. */
static void refuse_auth(const http_request *request, http_response *response, auth_result result,
                        const char *message)
{
    int status = 403;
    const char *code = "AccessDenied";
    const char *fallback = "Access Denied";
    switch (result) {
    case AUTH_MISSING:
        fallback = "The request is not signed: it has no Authorization header and no "
                   "X-Amz-Signature parameter.";
        break;
    case AUTH_MALFORMED:
    case AUTH_WRONG_SCOPE: /* S3 words a scope of another region or service so too */
        status = 400;
        code = http_request_header(request, "Authorization") ? "AuthorizationHeaderMalformed"
                                                             : "AuthorizationQueryParametersError";
        fallback = "The request's signature information is malformed.";
        break;
    case AUTH_UNKNOWN_KEY:
        code = "InvalidAccessKeyId";
        fallback = "The access key id you provided does not exist in our records.";
        break;
    case AUTH_BAD_SIGNATURE:
        code = "SignatureDoesNotMatch";
        fallback = "The request signature we calculated does not match the signature you "
                   "provided. Check your key and signing method.";
        break;
    case AUTH_SKEW:
        code = "RequestTimeTooSkewed";
        fallback = "The difference between the request time and the server's time is too large.";
        break;
    case AUTH_EXPIRED:
        fallback = "Request has expired.";
        break;
    case AUTH_PAYLOAD_MISMATCH:
        status = 400;
        code = "XAmzContentSHA256Mismatch";
        fallback = "The provided 'x-amz-content-sha256' header does not match what was computed.";
        break;
    case AUTH_OK:
        break;
    }
    const char *text = message && *message ? message : fallback;
    if (is_api_path(request->path))
        api_error(response, 403, "AccessDeniedException", text);
    else
        s3_error(response, status, code, text, request);
}

static void health(const http_request *request, http_response *response)
{
    if (strcmp(request->method, "GET") && strcmp(request->method, "HEAD")) {
        http_response_text(response, 405, "application/json",
                           "{\"message\":\"/health answers GET and HEAD only\"}");
        http_response_header(response, "Allow", "GET, HEAD");
        return;
    }
    http_response_text(response, 200, "application/json", "{\"status\":\"ok\"}");
}

/* Whether a path is served without a signature: health, metrics (unless
 * turned off) and the console's static files. */
static int is_open_path(const service *svc, const char *path)
{
    return !strcmp(path, "/health") || (svc->metrics_endpoint && !strcmp(path, "/metrics")) ||
           console_path(path);
}

void http_server_dispatch(const service *svc, const http_request *request,
                          http_response *response)
{
    if (!strcmp(request->path, "/health")) {
        health(request, response);
    } else if (svc->metrics_endpoint && !strcmp(request->path, "/metrics")) {
        metrics_handle(svc, request, response);
    } else if (console_path(request->path)) {
        console_serve(svc->console_dir, request, response);
    } else if (!query_well_formed(request->query)) {
        refuse(request, response, 400, "ValidationException", "InvalidArgument",
               "The query string has a malformed percent-escape.");
    } else {
        auth_identity caller;
        char message[512] = "";
        memset(&caller, 0, sizeof caller);
        auth_result result =
            sigv4_verify(request, svc->keys, time(NULL), &caller, message, sizeof message);
        if (result == AUTH_OK)
            result = sigv4_check_scope(&caller, svc->region,
                                       is_api_path(request->path) ? "lookoutvision" : "s3",
                                       message, sizeof message);
        if (result != AUTH_OK)
            refuse_auth(request, response, result, message);
        else if (is_api_path(request->path))
            lfv_handle(svc, request, &caller, response);
        else
            s3_handle(svc, request, &caller, response);
    }
    response_finish(request, response);
}

/* ---- libmicrohttpd glue -------------------------------------------------- */

static void context_free(request_context *ctx)
{
    http_body_file_discard(ctx->streamed);
    free(ctx->target);
    free(ctx->body);
    free(ctx->headers);
    free(ctx);
}

/* The connection's watch (http_guard.h), or NULL. */
static guard_connection *guard_of(struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    http_server *server = cls;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        http_guard_closed(server->guard, *socket_context);
        *socket_context = NULL;
        return;
    }
    const union MHD_ConnectionInfo *fd =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *address =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *client = address ? address->client_addr : NULL;
    socklen_t length = client && client->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                                 : sizeof(struct sockaddr_in);
    *socket_context = fd ? http_guard_opened(server->guard, fd->connect_fd, client, length)
                         : NULL;
}

/* Called with the request target exactly as sent, before any decoding; its
 * return value becomes the request's context. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *connection)
{
    (void)cls;
    (void)connection;
    request_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->target = strdup(uri ? uri : "");
    if (!ctx->target) {
        free(ctx);
        return NULL;
    }
    char *question = strchr(ctx->target, '?');
    ctx->query = "";
    if (question) {
        *question = '\0';
        ctx->query = question + 1;
    }
    ctx->path = ctx->target;
    request_id_generate(ctx->request_id);
    return ctx;
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **req_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)code;
    http_server *server = cls;
    request_context *ctx = *req_cls;
    http_guard_answered(server->guard, guard_of(connection));
    if (!ctx)
        return;
    if (ctx->started)
        atomic_fetch_sub(&server->in_flight, 1);
    http_guard_release(server->guard, ctx->reserved);
    context_free(ctx);
    *req_cls = NULL;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    request_context *ctx = cls;
    if (ctx->n_headers == ctx->headers_capacity) {
        size_t capacity = ctx->headers_capacity ? 2 * ctx->headers_capacity : 16;
        http_header *grown = realloc(ctx->headers, capacity * sizeof *grown);
        if (!grown) {
            ctx->out_of_memory = 1;
            return MHD_NO;
        }
        ctx->headers = grown;
        ctx->headers_capacity = capacity;
    }
    /* The request's strings are read-only for handlers; http_header is
     * shared with responses, which own theirs, hence the casts. */
    ctx->headers[ctx->n_headers].name = (char *)key;
    ctx->headers[ctx->n_headers].value = (char *)(value ? value : "");
    ctx->n_headers++;
    return MHD_YES;
}

static void request_build(request_context *ctx, const char *method, http_request *request)
{
    memset(request, 0, sizeof *request);
    request->method = method;
    request->path = ctx->path;
    request->query = ctx->query;
    request->headers = ctx->headers;
    request->n_headers = ctx->n_headers;
    request->body = ctx->body ? ctx->body : (const uint8_t *)"";
    request->body_size = ctx->body_size;
    request->request_id = ctx->request_id;
    if (ctx->streamed && ctx->streamed->fd < 0) { /* finished */
        request->body_path = ctx->streamed->path;
        request->body_size = ctx->streamed->size;
        request->body_sha256 = ctx->streamed->sha256_hex;
        request->body_md5 = ctx->streamed->md5_digest;
    }
}

/* A HEAD response's body is never sent, so this is never called; it exists
 * to give libmicrohttpd a length to announce without holding the bytes. */
static ssize_t head_body_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    (void)pos;
    (void)buf;
    (void)max;
    return MHD_CONTENT_READER_END_WITH_ERROR;
}

/* libmicrohttpd writes Content-Length itself, from the body's size; a HEAD
 * answer (HeadObject) announces the object's size through the handler's
 * Content-Length header instead. */
static struct MHD_Response *reply_create(const char *method, http_response *response)
{
    const char *announced = NULL;
    for (size_t i = 0; i < response->n_headers; i++)
        if (!strcasecmp(response->headers[i].name, "Content-Length"))
            announced = response->headers[i].value;
    if (!strcmp(method, "HEAD") && announced && !response->body) {
        uint64_t length = strtoull(announced, NULL, 10);
        return MHD_create_response_from_callback(length, 4096, head_body_reader, NULL, NULL);
    }
    struct MHD_Response *reply = MHD_create_response_from_buffer(
        response->body_size, response->body, MHD_RESPMEM_MUST_FREE);
    if (reply)
        response->body = NULL; /* libmicrohttpd frees it now */
    return reply;
}

static enum MHD_Result send_response(struct MHD_Connection *connection, const char *method,
                                     http_response *response)
{
    struct MHD_Response *reply = reply_create(method, response);
    if (!reply) {
        http_response_free(response);
        return MHD_NO;
    }
    for (size_t i = 0; i < response->n_headers; i++)
        if (strcasecmp(response->headers[i].name, "Content-Length"))
            MHD_add_response_header(reply, response->headers[i].name, response->headers[i].value);
    enum MHD_Result queued = MHD_queue_response(connection, (unsigned)response->status, reply);
    MHD_destroy_response(reply);
    http_response_free(response);
    return queued;
}

/* Answers a request the server refuses before its body is read; with
 * close, the connection closes after the answer (its framing cannot be
 * trusted, or it should not have been open). */
static enum MHD_Result refuse_early(struct MHD_Connection *connection, const char *method,
                                    request_context *ctx, int status, const char *api_type,
                                    const char *s3_code, const char *message, int close)
{
    http_request request;
    http_response response;
    request_build(ctx, method, &request);
    memset(&response, 0, sizeof response);
    refuse(&request, &response, status, api_type, s3_code, message);
    response_finish(&request, &response);
    if (close)
        http_response_header(&response, "Connection", "close");
    ctx->answered = 1;
    return send_response(connection, method, &response);
}

/* Refuses, before its body is read (and without 100 Continue), a request
 * that is unsigned, wrongly signed or signed for another scope, as far as
 * its headers tell (sigv4_verify_headers); 1 when it did. */
static int refuse_unauthenticated(http_server *server, struct MHD_Connection *connection,
                                  const char *method, request_context *ctx,
                                  enum MHD_Result *refused)
{
    http_request request;
    request_build(ctx, method, &request);
    request.body = NULL;
    request.body_size = 0;
    auth_identity caller;
    char message[512] = "";
    int needs_body = 0;
    auth_result result = sigv4_verify_headers(&request, server->svc->keys, time(NULL),
                                              &needs_body, &caller, message, sizeof message);
    if (result == AUTH_OK)
        result = sigv4_check_scope(&caller, server->svc->region,
                                   is_api_path(ctx->path) ? "lookoutvision" : "s3", message,
                                   sizeof message);
    if (result == AUTH_OK)
        return 0;
    http_response response;
    memset(&response, 0, sizeof response);
    refuse_auth(&request, &response, result, message);
    response_finish(&request, &response);
    http_response_header(&response, "Connection", "close");
    ctx->answered = 1;
    *refused = send_response(connection, method, &response);
    return 1;
}

/* Whether a request carries an object's bytes (PutObject, UploadPart),
 * which go to a file instead of memory: a PUT to BUCKET/KEY with no query
 * but x-id, partNumber and uploadId, and not a copy (which has no body). */
static int streams_to_file(const http_server *server, const char *method,
                           const request_context *ctx)
{
    const char *slash = strchr(ctx->path + 1, '/');
    if (!server->svc->incoming_dir || strcmp(method, "PUT") || is_api_path(ctx->path) ||
        !slash || !slash[1])
        return 0;
    for (size_t i = 0; i < ctx->n_headers; i++)
        if (!strcasecmp(ctx->headers[i].name, "x-amz-copy-source"))
            return 0;
    for (const char *q = ctx->query; *q;) {
        size_t length = strcspn(q, "=&");
        if (!((length == 4 && !strncmp(q, "x-id", 4)) ||
              (length == 10 && !strncmp(q, "partNumber", 10)) ||
              (length == 8 && !strncmp(q, "uploadId", 8))))
            return 0;
        q += strcspn(q, "&");
        q += *q == '&';
    }
    return 1;
}

static size_t header_section_size(const request_context *ctx)
{
    size_t total = 0;
    for (size_t i = 0; i < ctx->n_headers; i++)
        total += strlen(ctx->headers[i].name) + strlen(ctx->headers[i].value) + 4;
    return total;
}

/* The checks that need only the request line and headers; on success the
 * body buffer is sized from Content-Length. */
static enum MHD_Result check_before_body(http_server *server, struct MHD_Connection *connection,
                                         const char *method, const char *version,
                                         request_context *ctx)
{
    char message[200];
    MHD_get_connection_values(connection, MHD_HEADER_KIND, collect_header, ctx);
    if (ctx->out_of_memory)
        return MHD_NO;
    guard_connection *guarded = guard_of(connection);
    http_guard_headers_received(server->guard, guarded);
    int framing = http_framing_check(ctx->headers, ctx->n_headers, version, message,
                                     sizeof message);
    if (framing)
        return refuse_early(connection, method, ctx, framing, "ValidationException",
                            framing == 501 ? "NotImplemented" : "InvalidRequest", message, 1);
    /* the API's model has ThrottlingException (429); S3 clients back off on 503 SlowDown */
    if (http_guard_over_limit(guarded, message, sizeof message))
        return refuse_early(connection, method, ctx, is_api_path(ctx->path) ? 429 : 503,
                            "ThrottlingException", "SlowDown", message, 1);
    if (ctx->path[0] != '/')
        return refuse_early(connection, method, ctx, 400, "ValidationException", "InvalidURI",
                            "The request target must be a path starting with '/'.", 1);
    if (!method_known(method))
        return refuse_early(connection, method, ctx, 405, "UnknownOperationException",
                            "MethodNotAllowed",
                            "The specified method is not allowed against this resource.", 0);
    if (strlen(ctx->path) + strlen(ctx->query) + 1 > HTTP_SERVER_MAX_URL_BYTES) {
        snprintf(message, sizeof message, "The request URL is longer than %d bytes.",
                 HTTP_SERVER_MAX_URL_BYTES);
        return refuse_early(connection, method, ctx, 414, "ValidationException", "InvalidURI",
                            message, 1);
    }
    if (header_section_size(ctx) > HTTP_SERVER_MAX_HEADER_BYTES) {
        snprintf(message, sizeof message, "The request headers are larger than %d bytes.",
                 HTTP_SERVER_MAX_HEADER_BYTES);
        return refuse_early(connection, method, ctx, 431, "ValidationException",
                            "RequestHeaderSectionTooLarge", message, 1);
    }
    const char *length_text =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    unsigned long long length = length_text ? strtoull(length_text, NULL, 10) : 0;
    if (length > server->svc->max_body_bytes) {
        snprintf(message, sizeof message,
                 "The request body of %llu bytes is larger than the limit of %zu bytes.", length,
                 server->svc->max_body_bytes);
        return refuse_early(connection, method, ctx, 413, "ValidationException",
                            "EntityTooLarge", message, 1);
    }
    if (!is_open_path(server->svc, ctx->path) && !query_well_formed(ctx->query))
        return refuse_early(connection, method, ctx, 400, "ValidationException", "InvalidArgument",
                            "The query string has a malformed percent-escape.", 1);
    if (!is_open_path(server->svc, ctx->path)) {
        enum MHD_Result refused;
        if (refuse_unauthenticated(server, connection, method, ctx, &refused))
            return refused;
    }
    if (streams_to_file(server, method, ctx)) {
        ctx->streamed = http_body_file_create(server->svc->incoming_dir);
        return ctx->streamed ? MHD_YES : MHD_NO;
    }
    if (!length_text)
        return MHD_YES;
    if (!http_guard_reserve(server->guard, (size_t)length + 1))
        return refuse_early(connection, method, ctx, is_api_path(ctx->path) ? 429 : 503,
                            "ThrottlingException", "SlowDown",
                            "The server holds as many request bodies as its memory budget "
                            "allows; retry later.", 1);
    ctx->reserved = (size_t)length + 1;
    ctx->body = malloc((size_t)length + 1);
    if (!ctx->body)
        return MHD_NO;
    ctx->body_capacity = (size_t)length + 1;
    return MHD_YES;
}

/* Appends a piece of the body, keeping one spare byte for the NUL that
 * makes a body safe to treat as text.  A chunked body reserves its budget
 * as it grows; one that no longer fits is dropped like an oversized one. */
static int body_append(http_guard *guard, request_context *ctx, size_t limit, const char *data,
                       size_t size)
{
    size_t so_far = ctx->streamed ? (size_t)ctx->streamed->size : ctx->body_size;
    if (ctx->too_large || size > limit - so_far) {
        ctx->too_large = 1;
        return 1;
    }
    if (ctx->streamed) {
        ctx->unstored = ctx->unstored || !http_body_file_append(ctx->streamed, data, size);
        return 1;
    }
    if (ctx->body_size + size + 1 > ctx->body_capacity) {
        size_t capacity = ctx->body_capacity ? ctx->body_capacity : 65536;
        while (capacity < ctx->body_size + size + 1)
            capacity *= 2;
        if (capacity > limit + 1)
            capacity = limit + 1;
        if (capacity > ctx->reserved) {
            if (!http_guard_reserve(guard, capacity - ctx->reserved)) {
                ctx->too_large = 1;
                return 1;
            }
            ctx->reserved = capacity;
        }
        uint8_t *grown = realloc(ctx->body, capacity);
        if (!grown)
            return 0;
        ctx->body = grown;
        ctx->body_capacity = capacity;
    }
    memcpy(ctx->body + ctx->body_size, data, size);
    ctx->body_size += size;
    ctx->body[ctx->body_size] = '\0';
    return 1;
}

static enum MHD_Result answer(http_server *server, struct MHD_Connection *connection,
                              const char *method, request_context *ctx)
{
    if (ctx->too_large) {
        char message[160];
        snprintf(message, sizeof message, "The request body is larger than the limit of %zu bytes.",
                 server->svc->max_body_bytes);
        return refuse_early(connection, method, ctx, 413, "ValidationException",
                            "EntityTooLarge", message, 1);
    }
    if (ctx->streamed && (!http_body_file_finish(ctx->streamed) || ctx->unstored))
        return refuse_early(connection, method, ctx, 500, "InternalServerException",
                            "InternalError", "The request body could not be stored.", 1);
    http_request request;
    http_response response;
    request_build(ctx, method, &request);
    memset(&response, 0, sizeof response);
    http_guard_answering(server->guard, guard_of(connection));
    http_server_dispatch(server->svc, &request, &response);
    ctx->answered = 1;
    return send_response(connection, method, &response);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)url; /* decoded by libmicrohttpd; the raw target is in the context */
    http_server *server = cls;
    request_context *ctx = *req_cls;
    if (!ctx)
        return MHD_NO; /* the URI callback ran out of memory */
    if (!ctx->started) {
        ctx->started = 1;
        atomic_fetch_add(&server->in_flight, 1);
        return check_before_body(server, connection, method, version, ctx);
    }
    if (*upload_data_size) {
        size_t size = *upload_data_size;
        *upload_data_size = 0;
        http_guard_body_received(server->guard, guard_of(connection), size);
        if (ctx->answered)
            return MHD_YES;
        return body_append(server->guard, ctx, server->svc->max_body_bytes, upload_data, size)
                   ? MHD_YES
                   : MHD_NO;
    }
    if (ctx->answered)
        return MHD_YES;
    return answer(server, connection, method, ctx);
}

/* ---- start and stop -------------------------------------------------------- */

static vgl_status address_resolve(const char *host, uint16_t port, struct sockaddr_storage *out,
                                  vgl_error *err)
{
    struct addrinfo hints, *found = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char port_text[8];
    snprintf(port_text, sizeof port_text, "%u", (unsigned)port);
    int rc = getaddrinfo(host, port_text, &hints, &found);
    if (rc != 0)
        return vgl_error_set(err, VGL_EINVAL, "cannot resolve listen address '%s': %s", host,
                             gai_strerror(rc));
    memcpy(out, found->ai_addr, found->ai_addrlen);
    freeaddrinfo(found);
    return VGL_OK;
}

vgl_status http_server_start(const service *svc, const char *host, uint16_t port,
                             const http_guard_limits *limits, http_server **out,
                             vgl_error *err)
{
    struct sockaddr_storage address;
    vgl_status status = address_resolve(host, port, &address, err);
    if (status != VGL_OK)
        return status;
    http_server *server = calloc(1, sizeof *server);
    if (!server)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory starting the HTTP server");
    server->svc = svc;
    atomic_init(&server->in_flight, 0);
    server->guard = http_guard_create(limits);
    if (!server->guard) {
        free(server);
        return vgl_error_set(err, VGL_ENOMEM, "cannot start the connection watchdog");
    }
    /* MHD_USE_ITC lets MHD_quiesce_daemon stop the listening safely. */
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG;
    if (address.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    server->daemon = MHD_start_daemon(
        flags, port, NULL, NULL, on_request, server,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address,
        MHD_OPTION_CONNECTION_LIMIT, limits->max_connections + http_guard_total_margin(limits),
        MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        limits->max_per_client + http_guard_client_margin(limits),
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, server,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MHD_CONNECTION_MEMORY,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_SECONDS,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, server,
        MHD_OPTION_END);
    if (!server->daemon) {
        int saved = errno;
        http_guard_free(server->guard);
        free(server);
        return vgl_error_set(err, VGL_EIO, "cannot listen on %s:%u: %s", host, (unsigned)port,
                             saved ? strerror(saved) : "libmicrohttpd refused to start");
    }
    *out = server;
    return VGL_OK;
}

uint16_t http_server_port(const http_server *server)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(server->daemon,
                                                           MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

void http_server_stop(http_server *server)
{
    if (!server)
        return;
    /* Stop accepting first; the listening socket is then ours to close. */
    MHD_socket listener = MHD_quiesce_daemon(server->daemon);
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
    for (int waited = 0; atomic_load(&server->in_flight) > 0 && waited < SHUTDOWN_GRACE_MS;
         waited += 10)
        usleep(10000);
    MHD_stop_daemon(server->daemon);
    http_guard_free(server->guard);
    free(server);
}

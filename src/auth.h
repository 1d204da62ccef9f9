/*
 * auth.h - who may call the service: access keys and AWS Signature
 * Version 4 verification, for the Lookout for Vision API and the S3
 * endpoint alike.
 *
 * The key ring holds the root key pair (VIGIL_ROOT_ACCESS_KEY_ID and
 * VIGIL_ROOT_SECRET_ACCESS_KEY when set, else one generated on first start,
 * stored with mode 0600 in the data directory) and any further keys.
 */
#ifndef VIGIL_AUTH_H
#define VIGIL_AUTH_H

#include "access_policy.h"
#include "http.h"
#include "vigil.h"

#include <jansson.h>
#include <time.h>

typedef struct keyring keyring;

/* Loads or creates the data directory's key file; *created_root tells the
 * caller to print the new root key once.  With created_root NULL no root
 * key is ever created: without one in the file or the environment the
 * ring is refused (VGL_ENOTFOUND), so a tool run without the server's
 * environment cannot make a second root key beside it. */
vgl_status keyring_open(const char *data_dir, keyring **out, int *created_root, vgl_error *err);
void keyring_free(keyring *ring);
/* Copies the secret of an access key into out; 0 when the key is unknown.
 * Keys added or removed in keys.json since the last call are seen. */
int keyring_secret(const keyring *ring, const char *access_key_id, char *out, size_t size);
/* Whether the key may perform action on resource: the root key may do
 * everything, another key what its policy allows (nothing without one). */
access_decision keyring_authorize(const keyring *ring, const char *access_key_id,
                                  const char *action, const char *resource);
int keyring_is_root(const keyring *ring, const char *access_key_id);
const char *keyring_root_access_key(const keyring *ring);
const char *keyring_root_secret(const keyring *ring);

/* For `vigil keys`: keys.json as a document (NULL when there is none; a
 * file other users may read is refused), its atomic 0600 replacement, a new
 * key pair ("VK" and 18 of A-Z0-9; 40 alphanumerics) and the id rule. */
#define KEYRING_ACCESS_KEY_LENGTH 20
#define KEYRING_SECRET_LENGTH 40
vgl_status keyring_file_read(const char *data_dir, json_t **doc, vgl_error *err);
vgl_status keyring_file_write(const char *data_dir, const json_t *doc, vgl_error *err);
vgl_status keyring_generate_pair(char id[KEYRING_ACCESS_KEY_LENGTH + 1],
                                 char secret[KEYRING_SECRET_LENGTH + 1], vgl_error *err);
int keyring_valid_access_key(const char *id);

typedef enum auth_result {
    AUTH_OK = 0,
    AUTH_MISSING,          /* no Authorization header or presigned query */
    AUTH_MALFORMED,        /* unparsable header, unknown algorithm, missing signed host... */
    AUTH_UNKNOWN_KEY,      /* access key id not in the ring */
    AUTH_BAD_SIGNATURE,
    AUTH_SKEW,             /* request time more than 15 minutes from now */
    AUTH_EXPIRED,          /* presigned URL past its expiry */
    AUTH_PAYLOAD_MISMATCH, /* x-amz-content-sha256 differs from the body's hash */
    AUTH_WRONG_SCOPE,      /* signed for another region or service than the one called */
} auth_result;

typedef struct auth_identity {
    char access_key_id[129];
    char region[64];
    char service[64];      /* from the credential scope: "lookoutvision", "s3" */
} auth_identity;

/* Verifies a request's SigV4 signature (Authorization header, or X-Amz-*
 * query parameters of a presigned URL) against the ring at time `now`;
 * fills identity on success and message (a sentence for the client) on
 * failure. */
auth_result sigv4_verify(const http_request *request, const keyring *ring, time_t now,
                         auth_identity *identity, char *message, size_t message_size);

/* What can be checked before the body arrives, so that an unsigned or
 * wrongly signed request is refused before a byte of its body is read: the
 * claim, key, time and, when the payload line of the signature is known
 * without the body (presigned S3 URLs, UNSIGNED-PAYLOAD, or a declared
 * x-amz-content-sha256, which the body must later match), the signature.
 * When the body's own hash was signed (botocore's requests to the API),
 * *needs_body is set and the signature waits for sigv4_verify.  AUTH_OK
 * means the request may send its body; sigv4_verify still decides. */
auth_result sigv4_verify_headers(const http_request *request, const keyring *ring, time_t now,
                                 int *needs_body, auth_identity *identity, char *message,
                                 size_t message_size);

/* The credential scope of a verified request must name this server's
 * region and the service of the endpoint called ("lookoutvision" or "s3"):
 * a signature for another region or service is AWS's error too, and a key
 * holder's signature for one service must not open the other.  (Its date
 * was checked by sigv4_verify: the request's own, within 15 minutes.)
 * AUTH_OK, or AUTH_WRONG_SCOPE with a message naming what was expected. */
auth_result sigv4_check_scope(const auth_identity *caller, const char *region,
                              const char *service, char *message, size_t message_size);

/* The SigV4 signature (64 lower-case hex digits) of a request, computed as
 * the verifier computes it: the canonical request of its method, path and
 * query as sent, the headers named in signed_headers (lower case, sorted,
 * ';'-separated) and payload_hash, signed with secret in the scope of
 * timestamp's date (YYYYMMDDTHHMMSSZ), region and service.  The client's
 * signer (aws_sign.c) uses it; 0 on a malformed query or no memory. */
int sigv4_signature(const http_request *request, const char *signed_headers,
                    const char *timestamp, const char *region, const char *service,
                    const char *payload_hash, const char *secret, char out[65]);

#endif

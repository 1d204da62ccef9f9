/*
 * fuzz_sigv4.c - SigV4's parsers and canonicalisation (sigv4_verify and the
 * header-only sigv4_verify_headers: the Authorization header, presigned
 * query parameters, dates, the canonical URI, query and headers) and the
 * request framing rules, on any request (fuzz_request.h), against a key
 * ring holding the root key the seeds sign with.
 */
#include "auth.h"
#include "fuzz_request.h"
#include "http_framing.h"

#include <stdio.h>
#include <stdlib.h>

static keyring *ring;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char dir[] = "/tmp/vigil-fuzz-sigv4-XXXXXX";
    if (!mkdtemp(dir))
        abort();
    setenv("VIGIL_ROOT_ACCESS_KEY_ID", "AKIAFUZZFUZZFUZZ0001", 1);
    setenv("VIGIL_ROOT_SECRET_ACCESS_KEY", "fuzz/secret/key/0000000000000000000000000", 1);
    vgl_error err;
    if (keyring_open(dir, &ring, NULL, &err) != VGL_OK) {
        fprintf(stderr, "keyring: %s\n", err.message);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_request r;
    if (!fuzz_request_parse(data, size, &r))
        return 0;
    auth_identity identity;
    char message[512];
    int needs_body;
    /* 20260517T093015Z: the seeds' signing time */
    time_t now = 1779010215;
    sigv4_verify(&r.request, ring, now, &identity, message, sizeof message);
    sigv4_verify_headers(&r.request, ring, now, &needs_body, &identity, message, sizeof message);
    http_framing_check(r.request.headers, r.request.n_headers, "HTTP/1.1", message,
                       sizeof message);
    fuzz_request_free(&r);
    return 0;
}

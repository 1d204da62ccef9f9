/*
 * fuzz_lfv.c - the Lookout for Vision API's request handling behind the
 * signature (lfv_handle: routing, the API model's constraints on every
 * member, JSON bodies, pagination tokens, ARNs, ClientToken, tags), as the
 * root key, on a service with a SQLite store and a local object store in a
 * temporary directory.  Inputs are requests (fuzz_request.h).
 *
 * Operations that start background work (CreateDataset from a manifest,
 * UpdateDatasetEntries, CreateModel, StartModel, StartModelPackagingJob)
 * run it on threads of their own; they fail quickly here (no objects, no
 * backbone) and the fuzzer waits for none of them.
 */
#include "blob.h"
#include "detect_metrics.h"
#include "fuzz_request.h"
#include "model_hosting.h"
#include "service.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>

static service svc;
static auth_identity root = {.access_key_id = "AKIAFUZZFUZZFUZZ0001",
                             .region = "us-east-1",
                             .service = "lookoutvision"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    static char dir[] = "/tmp/vigil-fuzz-lfv-XXXXXX";
    if (!mkdtemp(dir))
        abort();
    setenv("VIGIL_ROOT_ACCESS_KEY_ID", root.access_key_id, 1);
    setenv("VIGIL_ROOT_SECRET_ACCESS_KEY", "fuzz/secret/key/0000000000000000000000000", 1);
    svc = (service){.data_dir = dir, .region = "us-east-1", .account_id = "000000000000",
                    .max_body_bytes = 1 << 20};
    vgl_error err;
    char objects[256];
    snprintf(objects, sizeof objects, "%s/objects", dir);
    if (keyring_open(dir, &svc.keys, NULL, &err) != VGL_OK ||
        blob_local_open(objects, &svc.blobs, &err) != VGL_OK ||
        metadata_store_open(dir, &svc.store, &err) != VGL_OK ||
        detect_metrics_create(&svc.metrics, &err) != VGL_OK ||
        model_registry_create(&svc.models, &err) != VGL_OK) {
        fprintf(stderr, "set-up: %s\n", err.message);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_request r;
    if (!fuzz_request_parse(data, size, &r))
        return 0;
    http_response response = {0};
    lfv_handle(&svc, &r.request, &root, &response);
    http_response_free(&response);
    fuzz_request_free(&r);
    return 0;
}

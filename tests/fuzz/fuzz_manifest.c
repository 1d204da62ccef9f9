/* fuzz_manifest.c - the Ground Truth manifest parser (manifest_parse: JSON
 * Lines, labels, masks and colour maps, the cross-line checks). */
#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    manifest m;
    vgl_error err;
    if (manifest_parse((const char *)data, size, &m, &err) == VGL_OK)
        manifest_free(&m);
    return 0;
}

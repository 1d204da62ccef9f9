/* fuzz_s3_xml.c - the S3 endpoint's XML parser (s3_xml_parse: the bodies of
 * DeleteObjects, CompleteMultipartUpload, CreateBucket). */
#include "s3_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s3_xml_node *root = NULL;
    vgl_error err;
    if (s3_xml_parse(data, size, &root, &err) == VGL_OK)
        s3_xml_free(root);
    return 0;
}

/* fuzz_image.c - the image decoders (vgl_image_decode: JPEG through
 * libjpeg-turbo, PNG through libpng, with the default size limits). */
#include "vigil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vgl_image image = {0};
    vgl_error err;
    if (vgl_image_decode(data, size, NULL, &image, &err) == VGL_OK)
        vgl_image_free(&image);
    return 0;
}

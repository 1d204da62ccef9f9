/*
 * image_internal.h - what the image modules share: the per-format decoders
 * that vgl_image_decode dispatches to, and the header dimension check they
 * all run before allocating pixel memory.
 */
#ifndef VGL_IMAGE_INTERNAL_H
#define VGL_IMAGE_INTERNAL_H

#include "vigil.h"

/* VGL_ELIMIT with a message naming the size when width x height (as read
 * from a file header) is outside limits; VGL_OK otherwise. */
vgl_status vgl_image_check_dims(uint32_t width, uint32_t height, const vgl_image_limits *limits,
                                vgl_error *err);

/* Decoders: data is a whole file of the right magic, limits are valid and
 * not NULL, *out is empty on entry and left empty on failure. */
vgl_status vgl_jpeg_decode(const uint8_t *data, size_t size, const vgl_image_limits *limits,
                           vgl_image *out, vgl_error *err);
vgl_status vgl_png_decode(const uint8_t *data, size_t size, const vgl_image_limits *limits,
                          vgl_image *out, vgl_error *err);

#endif

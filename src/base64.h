/* base64.h - standard base64 (RFC 4648, '+' '/' and '=' padding), as JSON
 * carries binary blobs such as DetectAnomalies' AnomalyMask. */
#ifndef VIGIL_BASE64_H
#define VIGIL_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Characters base64_encode writes for size bytes, without the final NUL. */
size_t base64_encoded_size(size_t size);

/* Encodes size bytes into out, which must hold base64_encoded_size(size) + 1
 * characters; out ends with a NUL. */
void base64_encode(const uint8_t *data, size_t size, char *out);

/* The same into a malloc'ed string; NULL when out of memory. */
char *base64_encode_alloc(const uint8_t *data, size_t size);

#endif

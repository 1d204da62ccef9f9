/* base64.c - standard base64 encoding; see base64.h. */
#include "base64.h"

#include <stdlib.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_size(size_t size)
{
    return (size + 2) / 3 * 4;
}

void base64_encode(const uint8_t *data, size_t size, char *out)
{
    size_t i = 0;
    for (; i + 3 <= size; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        *out++ = alphabet[v >> 18];
        *out++ = alphabet[v >> 12 & 63];
        *out++ = alphabet[v >> 6 & 63];
        *out++ = alphabet[v & 63];
    }
    /* One or two bytes left: pad the last group of four with '='. */
    if (i < size) {
        uint32_t v = (uint32_t)data[i] << 16;
        if (i + 1 < size)
            v |= (uint32_t)data[i + 1] << 8;
        *out++ = alphabet[v >> 18];
        *out++ = alphabet[v >> 12 & 63];
        *out++ = i + 1 < size ? alphabet[v >> 6 & 63] : '=';
        *out++ = '=';
    }
    *out = 0;
}

char *base64_encode_alloc(const uint8_t *data, size_t size)
{
    char *out = malloc(base64_encoded_size(size) + 1);
    if (out)
        base64_encode(data, size, out);
    return out;
}

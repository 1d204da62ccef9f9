/*
 * fuzz_modelfile.c - the model file reader (vgl_model_load: header, key
 * table, tensor table, then the model's keys, banks and backbone graph).
 *
 * Each input's two CRC32s are set right before it is read, as the format
 * defines them (docs/model-format.md), so that mutations reach the checks
 * behind the checksums instead of all failing there; a file with wrong
 * checksums is refused before anything else is looked at.
 */
#include "vigil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Sets table_crc and data_crc when the header's offsets fit the input. */
static void fix_crcs(uint8_t *file, size_t size)
{
    if (size < 64 || memcmp(file, "VIGILMF", 8) != 0)
        return;
    uint64_t data_offset = get_u64(file + 40);
    if (data_offset < 64 || data_offset > size)
        return;
    uLong table = crc32(crc32(0, file, 56), file + 64, (uInt)(data_offset - 64));
    put_u32(file + 56, (uint32_t)table);
    put_u32(file + 60, (uint32_t)crc32(0, file + data_offset, (uInt)(size - data_offset)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("vigil-fuzz-model", 0);
    if (fd < 0)
        return 0;
    uint8_t *copy = malloc(size ? size : 1);
    if (copy) {
        memcpy(copy, data, size);
        fix_crcs(copy, size);
        if (write(fd, copy, size) == (ssize_t)size) {
            char path[64];
            snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
            vgl_model *model = NULL;
            vgl_error err;
            if (vgl_model_load(path, &model, &err) == VGL_OK)
                vgl_model_free(model);
        }
    }
    free(copy);
    close(fd);
    return 0;
}

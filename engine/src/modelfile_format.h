/*
 * modelfile_format.h - the on-disk layout of a Vigil model file (format
 * version 1), shared by modelfile_write.c and modelfile_read.c.
 * docs/model-format.md describes the same bytes; change both together.
 *
 * All integers are little-endian.  Layout:
 *   header (64 bytes) | kv entries | tensor entries | zero padding to 64 |
 *   data section: every tensor's bytes at a multiple of 64, zero padded.
 */
#ifndef VGL_MODELFILE_FORMAT_H
#define VGL_MODELFILE_FORMAT_H

#include "vigil.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

/* Readers hand out int64/double/float pointers straight into the mapping,
 * which is only right when the host byte order is the file's. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "Vigil model files are little-endian and read in place: big-endian hosts are not supported"
#endif

#define VGL_MF_MAGIC "VIGILMF" /* with its terminating NUL: 8 bytes */
#define VGL_MF_MAGIC_SIZE 8
#define VGL_MF_VERSION 1u
#define VGL_MF_HEADER_SIZE 64
#define VGL_MF_DATA_ALIGN 64 /* the data section and every tensor in it */
#define VGL_MF_NAME_MAX 255  /* keys and tensor names: 1 to 255 bytes */

/* Header fields (byte offsets). */
#define VGL_MF_OFF_MAGIC 0         /* char[8] "VIGILMF\0" */
#define VGL_MF_OFF_VERSION 8       /* u32, VGL_MF_VERSION */
#define VGL_MF_OFF_RESERVED0 12    /* u32, 0 */
#define VGL_MF_OFF_FILE_SIZE 16    /* u64, the whole file */
#define VGL_MF_OFF_KV_COUNT 24     /* u64 */
#define VGL_MF_OFF_TENSOR_COUNT 32 /* u64 */
#define VGL_MF_OFF_DATA_OFFSET 40  /* u64, multiple of 64 */
#define VGL_MF_OFF_RESERVED1 48    /* u64, 0 */
#define VGL_MF_OFF_TABLE_CRC 56    /* u32, see vgl_mf_table_crc */
#define VGL_MF_OFF_DATA_CRC 60     /* u32, crc32 of [data_offset, file_size) */

/* A kv entry, 8-byte aligned: u32 key_len, u32 type (vgl_kv_type), u64 count,
 * then the key and a NUL padded with zeros to 8, then the value padded to 8.
 * count is the string length (the value is the bytes and a NUL), 1 for a
 * scalar, or the number of elements of an array (8 bytes each). */
#define VGL_MF_KV_OFF_KEY_LEN 0
#define VGL_MF_KV_OFF_TYPE 4
#define VGL_MF_KV_OFF_COUNT 8
#define VGL_MF_KV_FIXED 16
/* The smallest entry: a 1-byte key (8 with NUL and padding) and an 8-byte value. */
#define VGL_MF_KV_MIN 32

/* A tensor entry, 8-byte aligned: u32 name_len, u32 dtype (vgl_dtype), u32
 * ndim, u32 reserved (0), u64 offset (from the data section's start), u64
 * nbytes, i64 shape[ndim], then the name and a NUL padded with zeros to 8. */
#define VGL_MF_T_OFF_NAME_LEN 0
#define VGL_MF_T_OFF_DTYPE 4
#define VGL_MF_T_OFF_NDIM 8
#define VGL_MF_T_OFF_RESERVED 12
#define VGL_MF_T_OFF_OFFSET 16
#define VGL_MF_T_OFF_NBYTES 24
#define VGL_MF_T_OFF_SHAPE 32
#define VGL_MF_T_FIXED 32
/* The smallest entry: one dimension and a 1-byte name. */
#define VGL_MF_T_MIN 48

/* memcpy keeps unaligned reads and writes defined. */
static inline uint32_t vgl_mf_load_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint64_t vgl_mf_load_u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void vgl_mf_store_u32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, sizeof v);
}

static inline void vgl_mf_store_u64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, sizeof v);
}

/* Rounds up to a multiple of 8; callers keep n far below 2^64. */
static inline uint64_t vgl_mf_pad8(uint64_t n)
{
    return (n + 7) & ~(uint64_t)7;
}

static inline uint64_t vgl_mf_pad_data(uint64_t n)
{
    return (n + VGL_MF_DATA_ALIGN - 1) & ~(uint64_t)(VGL_MF_DATA_ALIGN - 1);
}

/* Keys and tensor names: 1 to 255 printable ASCII bytes (0x20 to 0x7e). */
static inline int vgl_mf_name_valid(const char *name, size_t len)
{
    if (len < 1 || len > VGL_MF_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (name[i] < 0x20 || name[i] > 0x7e)
            return 0;
    return 1;
}

/* The table CRC covers the header up to the CRC fields and everything
 * between the header and the data section (entries and padding).
 * file points at the file's first byte, data_offset bytes of it readable. */
static inline uint32_t vgl_mf_table_crc(const uint8_t *file, uint64_t data_offset)
{
    uLong crc = crc32_z(0, file, VGL_MF_OFF_TABLE_CRC);
    crc = crc32_z(crc, file + VGL_MF_HEADER_SIZE, (z_size_t)(data_offset - VGL_MF_HEADER_SIZE));
    return (uint32_t)crc;
}

#endif

/*
 * image_png.c - PNG with libpng: decoding any PNG to 8-bit RGB, and
 * encoding RGB and palette PNGs into memory.
 *
 * libpng reports errors by longjmp; the callbacks below record why (data
 * ended early, memory ran out, libpng's own message) so that the caller gets
 * a vgl_status and a sentence, never a crash or a printed warning.
 */
#include "error.h"
#include "image_internal.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Vigil needs no ancillary chunk (text, ICC profile); capping what one may
 * allocate also caps what a compressed one can expand to.  libpng skips a
 * chunk over the cap with a warning. */
#define CHUNK_MALLOC_MAX ((png_alloc_size_t)1 << 20)

/* The PNG signature, then IHDR's length, type, width and height. */
#define HEADER_BYTES 24

struct png_io {
    const uint8_t *in; /* decoding: the file and how much of it libpng has read */
    size_t in_size, in_pos;
    uint8_t *out; /* encoding: the growing output buffer */
    size_t out_size, out_cap;
    png_bytep *rows;
    vgl_status status; /* set by a callback that knows why it is failing */
    char message[256];
};

static png_voidp on_malloc(png_structp png, png_alloc_size_t size)
{
    void *block = malloc(size);
    if (!block)
        ((struct png_io *)png_get_mem_ptr(png))->status = VGL_ENOMEM;
    return block;
}

static void on_free(png_structp png, png_voidp block)
{
    (void)png;
    free(block);
}

static void on_error(png_structp png, png_const_charp message)
{
    struct png_io *io = png_get_error_ptr(png);
    if (!io->message[0])
        snprintf(io->message, sizeof io->message, "%s", message);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message)
{
    (void)png;
    (void)message;
}

static void read_bytes(png_structp png, png_bytep dest, size_t length)
{
    struct png_io *io = png_get_io_ptr(png);
    if (length > io->in_size - io->in_pos) {
        io->status = VGL_EFORMAT;
        snprintf(io->message, sizeof io->message,
                 "truncated PNG: the data ends before the image is complete");
        png_error(png, io->message);
    }
    memcpy(dest, io->in + io->in_pos, length);
    io->in_pos += length;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Checks the dimensions straight from IHDR's bytes, so that they are refused
 * with a message naming them before libpng allocates anything for them. */
static vgl_status check_header(const uint8_t *data, size_t size, const vgl_image_limits *limits,
                               vgl_error *err)
{
    if (size < HEADER_BYTES)
        return vgl_error_set(err, VGL_EFORMAT, "truncated PNG: only %zu bytes", size);
    if (be32(data + 8) != 13 || memcmp(data + 12, "IHDR", 4) != 0)
        return vgl_error_set(err, VGL_EFORMAT, "corrupt PNG: it does not start with an IHDR chunk");
    uint32_t width = be32(data + 16), height = be32(data + 20);
    if (width == 0 || height == 0 || width > PNG_UINT_31_MAX || height > PNG_UINT_31_MAX)
        return vgl_error_set(err, VGL_EFORMAT, "corrupt PNG: the header says %lux%lu pixels",
                             (unsigned long)width, (unsigned long)height);
    return vgl_image_check_dims(width, height, limits, err);
}

/* Asks libpng for 8-bit RGB whatever the file holds; alpha is dropped, not
 * composited, and values are left as stored (no gamma correction). */
static void set_transforms(png_structp png, png_infop info)
{
    int color = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16)
        png_set_scale_16(png); /* rounds v * 255 / 65535, unlike strip_16's v >> 8 */
    if (!(color & PNG_COLOR_MASK_COLOR))
        png_set_gray_to_rgb(png);
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
}

/* Everything that may longjmp. */
static vgl_status read_png(png_structp png, png_infop info, struct png_io *io,
                           const vgl_image_limits *limits, vgl_image *out, vgl_error *err)
{
    if (setjmp(png_jmpbuf(png)))
        return io->status != VGL_OK ? io->status : VGL_EFORMAT;
    png_set_user_limits(png, (png_uint_32)limits->max_side, (png_uint_32)limits->max_side);
    png_set_chunk_malloc_max(png, CHUNK_MALLOC_MAX);
    png_set_benign_errors(png, 1);
    png_set_read_fn(png, io, read_bytes);
    png_read_info(png, info);
    set_transforms(png, info);
    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    /* Guards the row buffers below: the transforms must have produced RGB8. */
    if (png_get_bit_depth(png, info) != 8 || png_get_channels(png, info) != 3)
        return vgl_error_set(err, VGL_EUNSUPPORTED,
                             "PNG of colour type %d and bit depth %d is not supported",
                             png_get_color_type(png, info), png_get_bit_depth(png, info));
    vgl_status status = vgl_image_alloc((int)width, (int)height, out, err);
    if (status != VGL_OK)
        return status;
    io->rows = malloc(height * sizeof *io->rows);
    if (!io->rows)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory decoding a PNG");
    for (png_uint_32 y = 0; y < height; y++)
        io->rows[y] = out->pixels + (size_t)y * width * 3;
    png_read_image(png, io->rows);
    /* Reading on to IEND catches a file cut after the last row. */
    png_read_end(png, NULL);
    return VGL_OK;
}

vgl_status vgl_png_decode(const uint8_t *data, size_t size, const vgl_image_limits *limits,
                          vgl_image *out, vgl_error *err)
{
    vgl_status status = check_header(data, size, limits, err);
    if (status != VGL_OK)
        return status;
    struct png_io io = {.in = data, .in_size = size};
    png_structp png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, &io, on_error, on_warning,
                                               &io, on_malloc, on_free);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory starting the PNG decoder");
    }
    status = read_png(png, info, &io, limits, out, err);
    png_destroy_read_struct(&png, &info, NULL);
    free(io.rows);
    if (status == VGL_OK)
        return VGL_OK;
    vgl_image_free(out);
    /* A message in io means the failure came through libpng's longjmp;
     * without one, read_png has set err itself. */
    if (!io.message[0])
        return status;
    if (io.status == VGL_EFORMAT)
        return vgl_error_set(err, status, "%s", io.message);
    if (io.status == VGL_ENOMEM)
        return vgl_error_set(err, status, "out of memory decoding a PNG");
    return vgl_error_set(err, status, "corrupt PNG: %s", io.message);
}

/* ---------------------------------------------------------------- encoding */

static void write_bytes(png_structp png, png_bytep data, size_t length)
{
    struct png_io *io = png_get_io_ptr(png);
    if (length > io->out_cap - io->out_size) {
        size_t cap = io->out_cap ? io->out_cap : 4096;
        while (cap - io->out_size < length && cap <= SIZE_MAX / 2)
            cap *= 2;
        uint8_t *grown = cap - io->out_size < length ? NULL : realloc(io->out, cap);
        if (!grown) {
            io->status = VGL_ENOMEM;
            png_error(png, "out of memory for the encoded PNG");
        }
        io->out = grown;
        io->out_cap = cap;
    }
    memcpy(io->out + io->out_size, data, length);
    io->out_size += length;
}

static void flush_bytes(png_structp png)
{
    (void)png;
}

struct png_spec {
    int width, height, color_type, bit_depth;
    const png_color *palette;
    int n_colors;
};

static vgl_status write_png(png_structp png, png_infop info, const struct png_spec *spec,
                            struct png_io *io)
{
    if (setjmp(png_jmpbuf(png)))
        return io->status != VGL_OK ? io->status : VGL_EINVAL;
    png_set_write_fn(png, io, write_bytes, flush_bytes);
    png_set_IHDR(png, info, (png_uint_32)spec->width, (png_uint_32)spec->height, spec->bit_depth,
                 spec->color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (spec->palette)
        png_set_PLTE(png, info, spec->palette, spec->n_colors);
    /* Vigil writes masks: large areas of one colour.  Unfiltered rows and
     * zlib's run-length strategy encode a 576x768 RGB mask in about 3 ms
     * against 10 ms for libpng's per-row filter search, for 16 KB instead
     * of 9 KB. */
    png_set_compression_level(png, 3);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_set_compression_strategy(png, Z_RLE);
    png_write_info(png, info);
    /* Rows hold a byte a pixel; libpng packs them into smaller depths. */
    if (spec->bit_depth < 8)
        png_set_packing(png);
    png_write_image(png, io->rows);
    png_write_end(png, NULL);
    return VGL_OK;
}

/* Encodes height rows of stride bytes from pixels into *png. */
static vgl_status encode(const struct png_spec *spec, const uint8_t *pixels, size_t stride,
                         uint8_t **png_out, size_t *png_size, vgl_error *err)
{
    struct png_io io = {0};
    io.rows = malloc((size_t)spec->height * sizeof *io.rows);
    if (!io.rows)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory encoding a PNG");
    /* libpng copies each row before transforming it, so the input is
     * never written through these non-const pointers. */
    for (int y = 0; y < spec->height; y++)
        io.rows[y] = (png_bytep)(uintptr_t)(pixels + (size_t)y * stride);
    png_structp png = png_create_write_struct_2(PNG_LIBPNG_VER_STRING, &io, on_error, on_warning,
                                                &io, on_malloc, on_free);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    vgl_status status = VGL_ENOMEM;
    if (info)
        status = write_png(png, info, spec, &io);
    png_destroy_write_struct(&png, &info);
    free(io.rows);
    if (status != VGL_OK) {
        free(io.out);
        return vgl_error_set(err, status, "cannot encode a %dx%d PNG: %s", spec->width,
                             spec->height, io.message[0] ? io.message : "out of memory");
    }
    *png_out = io.out;
    *png_size = io.out_size;
    return VGL_OK;
}

vgl_status vgl_png_encode_rgb(const vgl_image *image, uint8_t **png, size_t *png_size,
                              vgl_error *err)
{
    if (!png || !png_size)
        return vgl_error_set(err, VGL_EINVAL, "vgl_png_encode_rgb: png and png_size are required");
    *png = NULL;
    *png_size = 0;
    if (!image || !image->pixels || image->width <= 0 || image->height <= 0)
        return vgl_error_set(err, VGL_EINVAL, "vgl_png_encode_rgb: no image to encode");
    struct png_spec spec = {image->width, image->height, PNG_COLOR_TYPE_RGB, 8, NULL, 0};
    return encode(&spec, image->pixels, (size_t)image->width * 3, png, png_size, err);
}

/* The smallest PNG bit depth that holds n_colors indices. */
static int palette_depth(int n_colors)
{
    return n_colors <= 2 ? 1 : n_colors <= 4 ? 2 : n_colors <= 16 ? 4 : 8;
}

vgl_status vgl_png_encode_palette(const uint8_t *indices, int width, int height,
                                  const uint8_t (*palette)[3], int n_colors, uint8_t **png,
                                  size_t *png_size, vgl_error *err)
{
    if (!png || !png_size)
        return vgl_error_set(err, VGL_EINVAL,
                             "vgl_png_encode_palette: png and png_size are required");
    *png = NULL;
    *png_size = 0;
    if (!indices || !palette || width <= 0 || height <= 0)
        return vgl_error_set(err, VGL_EINVAL,
                             "vgl_png_encode_palette: no %dx%d image or no palette", width, height);
    if (n_colors < 1 || n_colors > PNG_MAX_PALETTE_LENGTH)
        return vgl_error_set(err, VGL_EINVAL, "a PNG palette has 1 to 256 colours, not %d",
                             n_colors);
    size_t count = (size_t)width * (size_t)height;
    for (size_t i = 0; i < count; i++)
        if (indices[i] >= n_colors)
            return vgl_error_set(err, VGL_EINVAL,
                                 "pixel (%zu, %zu) has colour index %d; the palette has %d colours",
                                 i % (size_t)width, i / (size_t)width, indices[i], n_colors);
    png_color colors[PNG_MAX_PALETTE_LENGTH];
    for (int i = 0; i < n_colors; i++) {
        colors[i].red = palette[i][0];
        colors[i].green = palette[i][1];
        colors[i].blue = palette[i][2];
    }
    struct png_spec spec = {width,  height, PNG_COLOR_TYPE_PALETTE, palette_depth(n_colors),
                            colors, n_colors};
    return encode(&spec, indices, (size_t)width, png, png_size, err);
}

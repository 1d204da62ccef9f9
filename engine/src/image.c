/*
 * image.c - image buffers, limits, format sniffing, reading image files and
 * dispatching to the JPEG and PNG decoders.
 */
#include "error.h"
#include "image_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

vgl_image_limits vgl_image_limits_default(void)
{
    vgl_image_limits limits = {VGL_IMAGE_MIN_SIDE, VGL_IMAGE_MAX_SIDE, VGL_IMAGE_MAX_BYTES};
    return limits;
}

vgl_status vgl_image_alloc(int width, int height, vgl_image *out, vgl_error *err)
{
    if (!out)
        return vgl_error_set(err, VGL_EINVAL, "vgl_image_alloc: out is NULL");
    memset(out, 0, sizeof *out);
    if (width <= 0 || height <= 0)
        return vgl_error_set(err, VGL_EINVAL,
                             "cannot allocate a %dx%d image; sides must be positive", width,
                             height);
    if ((size_t)width > SIZE_MAX / 3 / (size_t)height)
        return vgl_error_set(err, VGL_ENOMEM, "a %dx%d image does not fit in memory", width,
                             height);
    size_t bytes = (size_t)width * (size_t)height * 3;
    out->pixels = malloc(bytes);
    if (!out->pixels)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory allocating a %dx%d image (%zu bytes)",
                             width, height, bytes);
    out->width = width;
    out->height = height;
    return VGL_OK;
}

void vgl_image_free(vgl_image *image)
{
    if (!image)
        return;
    free(image->pixels);
    memset(image, 0, sizeof *image);
}

vgl_image_format vgl_image_sniff(const uint8_t *data, size_t size)
{
    static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (!data)
        return VGL_IMAGE_UNKNOWN;
    /* SOI followed by the first marker's 0xFF. */
    if (size >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
        return VGL_IMAGE_JPEG;
    if (size >= sizeof png_magic && memcmp(data, png_magic, sizeof png_magic) == 0)
        return VGL_IMAGE_PNG;
    return VGL_IMAGE_UNKNOWN;
}

vgl_status vgl_image_check_dims(uint32_t width, uint32_t height, const vgl_image_limits *limits,
                                vgl_error *err)
{
    uint32_t lo = (uint32_t)limits->min_side, hi = (uint32_t)limits->max_side;
    if (width < lo || width > hi || height < lo || height > hi)
        return vgl_error_set(err, VGL_ELIMIT, "image is %ux%u pixels; each side must be %d to %d",
                             (unsigned)width, (unsigned)height, limits->min_side, limits->max_side);
    return VGL_OK;
}

/* Resolves NULL to the defaults and refuses limits that make no sense. */
static vgl_status resolve_limits(const vgl_image_limits *limits, vgl_image_limits *resolved,
                                 vgl_error *err)
{
    *resolved = limits ? *limits : vgl_image_limits_default();
    if (resolved->min_side < 1 || resolved->max_side < resolved->min_side ||
        resolved->max_bytes == 0)
        return vgl_error_set(err, VGL_EINVAL,
                             "invalid image limits: sides %d to %d, at most %zu bytes",
                             resolved->min_side, resolved->max_side, resolved->max_bytes);
    return VGL_OK;
}

/* vgl_image_decode once the arguments are known to be good. */
static vgl_status decode_checked(const uint8_t *data, size_t size, const vgl_image_limits *limits,
                                 vgl_image *out, vgl_error *err)
{
    if (size == 0)
        return vgl_error_set(err, VGL_EFORMAT, "the image is empty (0 bytes)");
    if (size > limits->max_bytes)
        return vgl_error_set(err, VGL_ELIMIT, "image file is %zu bytes; the limit is %zu bytes",
                             size, limits->max_bytes);
    switch (vgl_image_sniff(data, size)) {
    case VGL_IMAGE_JPEG: return vgl_jpeg_decode(data, size, limits, out, err);
    case VGL_IMAGE_PNG: return vgl_png_decode(data, size, limits, out, err);
    case VGL_IMAGE_UNKNOWN: break;
    }
    return vgl_error_set(err, VGL_EFORMAT, "not a JPEG or PNG image");
}

vgl_status vgl_image_decode(const uint8_t *data, size_t size, const vgl_image_limits *limits,
                            vgl_image *out, vgl_error *err)
{
    if (!out)
        return vgl_error_set(err, VGL_EINVAL, "vgl_image_decode: out is NULL");
    memset(out, 0, sizeof *out);
    if (!data && size > 0)
        return vgl_error_set(err, VGL_EINVAL, "vgl_image_decode: data is NULL");
    vgl_image_limits resolved;
    vgl_status status = resolve_limits(limits, &resolved, err);
    if (status != VGL_OK)
        return status;
    return decode_checked(data, size, &resolved, out, err);
}

/* Reads up to size bytes; *got is less than size only at end of file. */
static int read_all(int fd, uint8_t *buf, size_t size, size_t *got)
{
    *got = 0;
    while (*got < size) {
        ssize_t n = read(fd, buf + *got, size - *got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    return 0;
}

/* Checks and reads the open file fd, then decodes it. */
static vgl_status read_fd(int fd, const char *path, const vgl_image_limits *limits, vgl_image *out,
                          vgl_error *err)
{
    /* fstat on the open descriptor, so the size checked is that of the file read. */
    struct stat st;
    if (fstat(fd, &st) != 0)
        return vgl_error_set(err, VGL_EIO, "cannot stat %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return vgl_error_set(err, VGL_EIO, "%s is not a regular file", path);
    if ((uintmax_t)st.st_size > limits->max_bytes)
        return vgl_error_set(err, VGL_ELIMIT, "%s is %jd bytes; the limit is %zu bytes", path,
                             (intmax_t)st.st_size, limits->max_bytes);
    size_t size = (size_t)st.st_size, got = 0;
    uint8_t *data = malloc(size ? size : 1);
    if (!data)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory reading %s (%zu bytes)", path, size);
    vgl_status status;
    if (read_all(fd, data, size, &got) != 0)
        status = vgl_error_set(err, VGL_EIO, "cannot read %s: %s", path, strerror(errno));
    else
        status = decode_checked(data, got, limits, out, err);
    free(data);
    return status;
}

vgl_status vgl_image_read_file(const char *path, const vgl_image_limits *limits, vgl_image *out,
                               vgl_error *err)
{
    if (!out)
        return vgl_error_set(err, VGL_EINVAL, "vgl_image_read_file: out is NULL");
    memset(out, 0, sizeof *out);
    if (!path)
        return vgl_error_set(err, VGL_EINVAL, "vgl_image_read_file: path is NULL");
    vgl_image_limits resolved;
    vgl_status status = resolve_limits(limits, &resolved, err);
    if (status != VGL_OK)
        return status;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer (read_fd then refuses it). */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return vgl_error_set(err, VGL_EIO, "cannot open %s: %s", path, strerror(errno));
    status = read_fd(fd, path, &resolved, out, err);
    close(fd);
    return status;
}

/*
 * image_jpeg.c - decoding JPEG to 8-bit RGB with libjpeg-turbo.
 *
 * libjpeg reports fatal errors by calling exit() and tolerates damaged data
 * with a warning; here both become a longjmp back to the decoder, so a
 * corrupt, truncated or hostile file gives VGL_EFORMAT and never a crash, a
 * process exit or a silently grey image.
 */
#include "error.h"
#include "image_internal.h"

#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

/* Progressive JPEGs may hold any number of scans and each costs a pass over
 * the whole image; libjpeg-turbo's TurboJPEG API refuses more than 500. */
#define MAX_SCANS 500

struct jpeg_guard {
    struct jpeg_error_mgr mgr; /* first, so the error manager pointer is the guard */
    jmp_buf jump;
    vgl_status status;
    int scans;
    char message[JMSG_LENGTH_MAX + 64];
};

/* Ends decoding: status, and prefix followed by text or, when text is NULL,
 * by libjpeg's own message. */
static _Noreturn void stop(j_common_ptr cinfo, vgl_status status, const char *prefix,
                           const char *text)
{
    struct jpeg_guard *guard = (struct jpeg_guard *)cinfo->err;
    char detail[JMSG_LENGTH_MAX];
    if (!text) {
        cinfo->err->format_message(cinfo, detail);
        text = detail;
    }
    guard->status = status;
    snprintf(guard->message, sizeof guard->message, "%s%s", prefix, text);
    longjmp(guard->jump, 1);
}

static void on_error(j_common_ptr cinfo)
{
    int code = cinfo->err->msg_code;
    if (code == JERR_OUT_OF_MEMORY)
        stop(cinfo, VGL_ENOMEM, "JPEG decoder: ", NULL);
    /* 12-bit samples and the lossless and hierarchical processes. */
    if (code == JERR_BAD_PRECISION || code == JERR_SOF_UNSUPPORTED)
        stop(cinfo, VGL_EUNSUPPORTED, "unsupported JPEG: ", NULL);
    stop(cinfo, VGL_EFORMAT, "corrupt JPEG: ", NULL);
}

/* Warnings that leave the decoded pixels intact. */
static int harmless_warning(int code)
{
    return code == JWRN_ADOBE_XFORM || code == JWRN_EXTRANEOUS_DATA || code == JWRN_JFIF_MAJOR ||
           code == JWRN_BOGUS_ICC;
}

/* level -1 is a warning about damaged data; levels 0 and up are traces. */
static void on_message(j_common_ptr cinfo, int level)
{
    struct jpeg_guard *guard = (struct jpeg_guard *)cinfo->err;
    int code = cinfo->err->msg_code;
    if (level < 0 && code == JWRN_JPEG_EOF)
        stop(cinfo, VGL_EFORMAT, "truncated JPEG: ", "the data ends before the image is complete");
    if (level < 0 && !harmless_warning(code))
        stop(cinfo, VGL_EFORMAT, "corrupt JPEG: ", NULL);
    if (code == JTRC_SOS && ++guard->scans > MAX_SCANS) {
        char text[64];
        snprintf(text, sizeof text, "more than %d scans", MAX_SCANS);
        stop(cinfo, VGL_EFORMAT, "corrupt JPEG: ", text);
    }
}

/* Picks the output colour space; 0 when the JPEG's cannot become RGB. */
static int choose_output(j_decompress_ptr cinfo)
{
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_RGB:
    case JCS_YCbCr:
        cinfo->out_color_space = JCS_RGB;
        return 1;
    case JCS_CMYK:
    case JCS_YCCK: /* libjpeg turns YCCK into CMYK; cmyk_to_rgb does the rest */
        cinfo->out_color_space = JCS_CMYK;
        return 1;
    default:
        return 0;
    }
}

/* Naive CMYK to RGB, as browsers do.  Adobe applications write CMYK JPEGs
 * (the ones with an Adobe marker) with every channel inverted. */
static void cmyk_to_rgb(const JSAMPLE *cmyk, uint8_t *rgb, JDIMENSION width, int inverted)
{
    for (JDIMENSION x = 0; x < width; x++, cmyk += 4, rgb += 3) {
        unsigned c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        rgb[0] = (uint8_t)((c * k + 127) / 255);
        rgb[1] = (uint8_t)((m * k + 127) / 255);
        rgb[2] = (uint8_t)((y * k + 127) / 255);
    }
}

static void read_rows(j_decompress_ptr cinfo, vgl_image *out)
{
    size_t stride = (size_t)out->width * 3;
    if (cinfo->out_color_space == JCS_RGB) {
        while (cinfo->output_scanline < cinfo->output_height) {
            JSAMPROW row = out->pixels + cinfo->output_scanline * stride;
            jpeg_read_scanlines(cinfo, &row, 1);
        }
        return;
    }
    /* Freed with the decompressor, also when a longjmp leaves early. */
    JSAMPARRAY cmyk = cinfo->mem->alloc_sarray((j_common_ptr)cinfo, JPOOL_IMAGE,
                                               cinfo->output_width * 4, 1);
    while (cinfo->output_scanline < cinfo->output_height) {
        uint8_t *dest = out->pixels + cinfo->output_scanline * stride;
        jpeg_read_scanlines(cinfo, cmyk, 1);
        cmyk_to_rgb(cmyk[0], dest, cinfo->output_width, cinfo->saw_Adobe_marker);
    }
}

/* Everything that may longjmp; returns the status, the message is in guard. */
static vgl_status decode(j_decompress_ptr cinfo, struct jpeg_guard *guard, const uint8_t *data,
                         size_t size, const vgl_image_limits *limits, vgl_image *out,
                         vgl_error *err)
{
    if (setjmp(guard->jump))
        return guard->status;
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    jpeg_read_header(cinfo, TRUE);
    vgl_status status = vgl_image_check_dims(cinfo->image_width, cinfo->image_height, limits, err);
    if (status != VGL_OK)
        return status;
    if (!choose_output(cinfo))
        return vgl_error_set(err, VGL_EUNSUPPORTED,
                             "JPEG with %d colour components of unknown meaning is not supported",
                             cinfo->num_components);
    jpeg_start_decompress(cinfo);
    status = vgl_image_alloc((int)cinfo->output_width, (int)cinfo->output_height, out, err);
    if (status != VGL_OK)
        return status;
    read_rows(cinfo, out);
    jpeg_finish_decompress(cinfo);
    return VGL_OK;
}

vgl_status vgl_jpeg_decode(const uint8_t *data, size_t size, const vgl_image_limits *limits,
                           vgl_image *out, vgl_error *err)
{
    struct jpeg_decompress_struct cinfo;
    struct jpeg_guard guard;
    memset(&guard, 0, sizeof guard);
    cinfo.err = jpeg_std_error(&guard.mgr);
    guard.mgr.error_exit = on_error;
    guard.mgr.emit_message = on_message;
    /* jpeg_create_decompress reports out of memory through error_exit. */
    if (setjmp(guard.jump))
        return vgl_error_set(err, guard.status, "%s", guard.message);
    jpeg_create_decompress(&cinfo);

    vgl_status status = decode(&cinfo, &guard, data, size, limits, out, err);
    jpeg_destroy_decompress(&cinfo);
    if (status == VGL_OK)
        return VGL_OK;
    vgl_image_free(out);
    /* A non-empty guard message means the failure came through a longjmp. */
    if (guard.message[0])
        vgl_error_set(err, status, "%s", guard.message);
    return status;
}

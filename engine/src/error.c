/* error.c - filling vgl_error; see error.h. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

vgl_status vgl_error_set(vgl_error *err, vgl_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

const char *vgl_status_name(vgl_status status)
{
    switch (status) {
    case VGL_OK: return "ok";
    case VGL_EINVAL: return "invalid argument";
    case VGL_EIO: return "i/o error";
    case VGL_ENOMEM: return "out of memory";
    case VGL_EFORMAT: return "bad format";
    case VGL_ELIMIT: return "limit exceeded";
    case VGL_ENOTFOUND: return "not found";
    case VGL_EUNSUPPORTED: return "unsupported";
    }
    return "unknown status";
}

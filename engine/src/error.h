/*
 * error.h - status codes and error messages shared by every engine module.
 *
 * Every function that can fail returns a vgl_status and, when given a
 * vgl_error, fills it with a sentence a user can act on.  Nothing in the
 * engine prints or exits.
 */
#ifndef VGL_ERROR_H
#define VGL_ERROR_H

#include "vigil.h"

/* Sets err (when not NULL) and returns status, so callers can write
 * `return vgl_error_set(err, VGL_EFORMAT, "...", ...);`. */
vgl_status vgl_error_set(vgl_error *err, vgl_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

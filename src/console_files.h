/*
 * console_files.h - the web console's static files (web/console/) under
 * /console/ on the server's port.
 *
 * The files hold no data: the console is a client of the public API and
 * the S3 endpoint, signing its own requests, so they are served without
 * authentication like any static site.
 */
#ifndef VIGIL_CONSOLE_FILES_H
#define VIGIL_CONSOLE_FILES_H

#include "http.h"

#define CONSOLE_PREFIX "/console"

/* Whether a request path ("/console" or below it) belongs to the console. */
int console_path(const char *path);

/* Answers GET and HEAD from the files under root: "/console" redirects to
 * "/console/", a path ending in '/' means its index.html.  Paths with a
 * segment that is empty or starts with '.', or with a character outside
 * [A-Za-z0-9._-], are refused (404), so nothing outside root is reachable. */
void console_serve(const char *root, const http_request *request, http_response *response);

/* The Content-Type for a file name, from its extension. */
const char *console_content_type(const char *name);

#endif

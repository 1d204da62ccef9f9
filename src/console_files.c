/*
 * console_files.c - serves the web console's files; see console_files.h.
 *
 * The files are small (a few tens of kilobytes) and read whole per request;
 * the browser revalidates them (no-cache) so an upgraded console is picked
 * up at the next load.
 */
#include "console_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Larger files are not console files; refusing them bounds the memory. */
#define CONSOLE_MAX_FILE_BYTES ((size_t)4 << 20)

/* Scripts and styles only from the console itself; images also from the
 * S3 endpoint (same origin), data: (AnomalyMask) and blob: (local files). */
#define CONSOLE_CSP                                                                          \
    "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; " \
    "frame-ancestors 'none'"

int console_path(const char *path)
{
    size_t length = strlen(CONSOLE_PREFIX);
    return !strncmp(path, CONSOLE_PREFIX, length) && (path[length] == '\0' || path[length] == '/');
}

const char *console_content_type(const char *name)
{
    static const struct {
        const char *extension, *type;
    } types[] = {{".html", "text/html; charset=utf-8"},
                 {".js", "text/javascript; charset=utf-8"},
                 {".mjs", "text/javascript; charset=utf-8"},
                 {".css", "text/css; charset=utf-8"},
                 {".json", "application/json"},
                 {".svg", "image/svg+xml"},
                 {".png", "image/png"},
                 {".ico", "image/x-icon"},
                 {".txt", "text/plain; charset=utf-8"}};
    const char *dot = strrchr(name, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (!strcmp(dot, types[i].extension))
                return types[i].type;
    return "application/octet-stream";
}

static int segment_allowed(const char *segment, size_t length)
{
    static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
    if (length == 0 || segment[0] == '.')
        return 0;
    for (size_t i = 0; i < length; i++)
        if (!strchr(allowed, segment[i]))
            return 0;
    return 1;
}

/* The file's path relative to root (malloc'ed), or NULL when the path is
 * not one the console could hold.  Percent-escapes are refused with every
 * other character outside the allowed set: the console's names need none. */
static char *relative_file(const char *path)
{
    const char *rest = path + strlen(CONSOLE_PREFIX) + 1; /* after "/console/" */
    size_t length = strlen(rest);
    int directory = length == 0 || rest[length - 1] == '/';
    size_t size = length + (directory ? sizeof "index.html" : 1);
    char *file = malloc(size);
    if (!file)
        return NULL;
    snprintf(file, size, "%s%s", rest, directory ? "index.html" : "");
    for (const char *segment = file; *segment;) {
        size_t n = strcspn(segment, "/");
        if (!segment_allowed(segment, n)) {
            free(file);
            return NULL;
        }
        segment += n + (segment[n] == '/');
    }
    return file;
}

static void not_found(http_response *response)
{
    http_response_text(response, 404, "text/plain; charset=utf-8",
                       "There is no such file in the console.\n");
}

/* The whole file, or NULL when it is not a readable regular
 * file within the size limit. */
static uint8_t *file_read(const char *name, size_t *size)
{
    FILE *in = fopen(name, "rb");
    if (!in)
        return NULL;
    struct stat info;
    uint8_t *bytes = NULL;
    if (fstat(fileno(in), &info) == 0 && S_ISREG(info.st_mode) &&
        (size_t)info.st_size <= CONSOLE_MAX_FILE_BYTES) {
        *size = (size_t)info.st_size;
        bytes = malloc(*size ? *size : 1);
        if (bytes && fread(bytes, 1, *size, in) != *size) {
            free(bytes);
            bytes = NULL;
        }
    }
    fclose(in);
    return bytes;
}

void console_serve(const char *root, const http_request *request, http_response *response)
{
    if (strcmp(request->method, "GET") && strcmp(request->method, "HEAD")) {
        http_response_text(response, 405, "text/plain; charset=utf-8",
                           "The console's files answer GET and HEAD only.\n");
        http_response_header(response, "Allow", "GET, HEAD");
        return;
    }
    if (!strcmp(request->path, CONSOLE_PREFIX)) {
        http_response_text(response, 301, "text/plain; charset=utf-8", "/console/\n");
        http_response_header(response, "Location", CONSOLE_PREFIX "/");
        return;
    }
    char *relative = relative_file(request->path);
    if (!relative) {
        not_found(response);
        return;
    }
    size_t name_size = strlen(root) + strlen(relative) + 2;
    char *name = malloc(name_size);
    size_t size = 0;
    uint8_t *bytes = NULL;
    if (name) {
        snprintf(name, name_size, "%s/%s", root, relative);
        bytes = file_read(name, &size);
    }
    if (bytes) {
        http_response_body(response, 200, console_content_type(relative), bytes, size);
        http_response_header(response, "Cache-Control", "no-cache");
        http_response_header(response, "X-Content-Type-Options", "nosniff");
        http_response_header(response, "Content-Security-Policy", CONSOLE_CSP);
    } else {
        not_found(response);
    }
    free(name);
    free(relative);
}

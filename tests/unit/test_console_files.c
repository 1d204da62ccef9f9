/* test_console_files.c - the web console's static files (console_files.c):
 * which paths are the console's, index.html for directories, the redirect
 * of /console, Content-Types and security headers, and the refusal of
 * traversal, hidden files, escapes and non-GET methods, over a temporary
 * directory with a secret file next to the console's root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "console_files.h"

typedef struct fixture {
    char base[64]; /* holds secret.txt and root/ */
    char root[96];
} fixture;

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->base, sizeof f->base, "/tmp/vigil-console-XXXXXX");
    if (!mkdtemp(f->base))
        return -1;
    snprintf(f->root, sizeof f->root, "%s/root", f->base);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/js", f->root);
    if (mkdir(f->root, 0700) || mkdir(sub, 0700))
        return -1;
    write_file(f->base, "secret.txt", "secret");
    write_file(f->root, "index.html", "<!doctype html>");
    write_file(f->root, ".hidden", "hidden");
    write_file(sub, "app.js", "export {};");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char command[160];
    snprintf(command, sizeof command, "rm -rf '%s'", f->base);
    int rc = system(command);
    free(f);
    return rc == 0 ? 0 : -1;
}

static http_response serve(const fixture *f, const char *method, const char *path)
{
    http_request request;
    memset(&request, 0, sizeof request);
    request.method = method;
    request.path = path;
    request.query = "";
    http_response response;
    memset(&response, 0, sizeof response);
    console_serve(f->root, &request, &response);
    return response;
}

static const char *header(const http_response *response, const char *name)
{
    for (size_t i = 0; i < response->n_headers; i++)
        if (!strcmp(response->headers[i].name, name))
            return response->headers[i].value;
    return NULL;
}

static void assert_body(const http_response *response, const char *expected)
{
    assert_int_equal(response->body_size, strlen(expected));
    assert_memory_equal(response->body, expected, strlen(expected));
}

static void test_console_paths(void **state)
{
    (void)state;
    assert_true(console_path("/console"));
    assert_true(console_path("/console/"));
    assert_true(console_path("/console/js/app.js"));
    assert_false(console_path("/consoles"));
    assert_false(console_path("/console-bucket/key"));
    assert_false(console_path("/2020-11-20/projects"));
    assert_false(console_path("/"));
}

static void test_index_and_files(void **state)
{
    fixture *f = *state;
    http_response response = serve(f, "GET", "/console/");
    assert_int_equal(response.status, 200);
    assert_string_equal(header(&response, "Content-Type"), "text/html; charset=utf-8");
    assert_string_equal(header(&response, "X-Content-Type-Options"), "nosniff");
    assert_non_null(strstr(header(&response, "Content-Security-Policy"), "default-src 'self'"));
    assert_body(&response, "<!doctype html>");
    http_response_free(&response);

    response = serve(f, "HEAD", "/console/js/app.js");
    assert_int_equal(response.status, 200);
    assert_string_equal(header(&response, "Content-Type"), "text/javascript; charset=utf-8");
    assert_body(&response, "export {};");
    http_response_free(&response);
}

static void test_redirect_to_directory(void **state)
{
    fixture *f = *state;
    http_response response = serve(f, "GET", "/console");
    assert_int_equal(response.status, 301);
    assert_string_equal(header(&response, "Location"), "/console/");
    http_response_free(&response);
}

static void test_refusals(void **state)
{
    fixture *f = *state;
    static const char *const refused[] = {
        "/console/../secret.txt", "/console/js/../../secret.txt", "/console/%2e%2e/secret.txt",
        "/console/.hidden",       "/console//etc/passwd",         "/console/js/missing.js",
        "/console/js",            "/console/a\\b",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        http_response response = serve(f, "GET", refused[i]);
        if (response.status != 404)
            fail_msg("%s answered %d, not 404", refused[i], response.status);
        http_response_free(&response);
    }
    http_response response = serve(f, "PUT", "/console/index.html");
    assert_int_equal(response.status, 405);
    assert_string_equal(header(&response, "Allow"), "GET, HEAD");
    http_response_free(&response);
}

static void test_content_types(void **state)
{
    (void)state;
    assert_string_equal(console_content_type("a/b.css"), "text/css; charset=utf-8");
    assert_string_equal(console_content_type("logo.svg"), "image/svg+xml");
    assert_string_equal(console_content_type("shot.png"), "image/png");
    assert_string_equal(console_content_type("data.json"), "application/json");
    assert_string_equal(console_content_type("README"), "application/octet-stream");
    assert_string_equal(console_content_type("v1.0/README"), "application/octet-stream");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_console_paths),
        cmocka_unit_test_setup_teardown(test_index_and_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redirect_to_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test(test_content_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

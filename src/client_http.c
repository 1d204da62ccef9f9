/*
 * client_http.c - the client's HTTP exchange with libcurl: exactly the
 * signed headers go out (curl's own Accept and Expect are removed), the
 * body is sent from memory, and the response body and error-type header
 * are collected.
 */
#include "client_http.h"

#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct collected {
    client_http_response *response;
    int failed;
} collected;

static size_t on_body(char *data, size_t size, size_t count, void *user)
{
    collected *c = user;
    size_t n = size * count;
    char *body = realloc(c->response->body, c->response->body_size + n + 1);
    if (!body) {
        c->failed = 1;
        return 0;
    }
    memcpy(body + c->response->body_size, data, n);
    c->response->body = body;
    c->response->body_size += n;
    body[c->response->body_size] = '\0';
    return n;
}

static size_t on_header(char *data, size_t size, size_t count, void *user)
{
    collected *c = user;
    size_t n = size * count;
    static const char name[] = "x-amzn-errortype:";
    if (n > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        const char *value = data + sizeof name - 1;
        size_t length = n - (sizeof name - 1);
        while (length && (*value == ' ' || *value == '\t')) {
            value++;
            length--;
        }
        while (length && (value[length - 1] == '\r' || value[length - 1] == '\n' ||
                          value[length - 1] == ' '))
            length--;
        free(c->response->error_type);
        c->response->error_type = strndup(value, length);
    }
    return n;
}

static int on_debug(CURL *curl, curl_infotype type, char *data, size_t size, void *user)
{
    (void)curl;
    (void)user;
    const char *prefix = type == CURLINFO_HEADER_OUT  ? "> "
                         : type == CURLINFO_HEADER_IN ? "< "
                         : type == CURLINFO_TEXT      ? "* "
                                                      : NULL;
    /* One prefix a line: curl hands over a whole header block at once. */
    for (size_t start = 0; prefix && start < size;) {
        const char *newline = memchr(data + start, '\n', size - start);
        size_t end = newline ? (size_t)(newline - data) + 1 : size;
        fprintf(stderr, "%s%.*s", prefix, (int)(end - start), data + start);
        start = end;
    }
    return 0;
}

int client_http_send(const char *method, const char *url, const http_header *headers,
                     size_t n_headers, const uint8_t *body, size_t body_size,
                     const client_http_options *options, client_http_response *response,
                     char *error, size_t error_size)
{
    memset(response, 0, sizeof *response);
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(error, error_size, "libcurl could not start");
        return 0;
    }
    struct curl_slist *list = curl_slist_append(NULL, "Accept:");
    list = curl_slist_append(list, "Expect:");
    for (size_t i = 0; i < n_headers && list; i++) {
        char *line = NULL;
        if (asprintf(&line, "%s: %s", headers[i].name, headers[i].value) < 0)
            break;
        list = curl_slist_append(list, line);
        free(line);
    }
    collected c = {.response = response};
    char curl_error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    if (body_size || strcmp(method, "GET") != 0) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_size);
    }
    if (strcmp(method, "GET") == 0 && !body_size)
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &c);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &c);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options->verify_tls ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options->verify_tls ? 2L : 0L);
    if (options->ca_bundle)
        curl_easy_setopt(curl, CURLOPT_CAINFO, options->ca_bundle);
    if (options->connect_timeout > 0)
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, options->connect_timeout);
    if (options->read_timeout > 0) {
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, options->read_timeout);
    }
    if (options->debug) {
        curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
        curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, on_debug);
    }
    CURLcode code = curl_easy_perform(curl);
    if (code == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
    else
        snprintf(error, error_size, "%s", *curl_error ? curl_error : curl_easy_strerror(code));
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    if (code == CURLE_OK && c.failed) {
        snprintf(error, error_size, "out of memory reading the response");
        code = CURLE_WRITE_ERROR;
    }
    if (code != CURLE_OK) {
        client_http_response_free(response);
        return 0;
    }
    return 1;
}

void client_http_response_free(client_http_response *response)
{
    free(response->body);
    free(response->error_type);
    memset(response, 0, sizeof *response);
}

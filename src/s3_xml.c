/*
 * s3_xml.c - writing S3's XML responses and reading its request bodies; see
 * s3_xml.h.
 *
 * The reader is recursive descent over the bytes: element, attributes
 * (skipped), content (text, entity and character references, comments,
 * CDATA, child elements).  Request bodies are small (a Delete lists at most
 * 1000 keys), so a tree is simpler than a streaming interface.
 */
#include "s3_xml.h"

#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32

/* ------------------------------------------------------------ writer */

static void append(s3_xml *x, const char *text, size_t n)
{
    if (x->failed)
        return;
    if (x->size + n + 1 > x->capacity) {
        size_t capacity = x->capacity ? x->capacity : 1024;
        while (capacity < x->size + n + 1)
            capacity *= 2;
        char *grown = realloc(x->data, capacity);
        if (!grown) {
            x->failed = 1;
            return;
        }
        x->data = grown;
        x->capacity = capacity;
    }
    memcpy(x->data + x->size, text, n);
    x->size += n;
    x->data[x->size] = 0;
}

static void append_str(s3_xml *x, const char *text)
{
    append(x, text, strlen(text));
}

/* Bytes in the valid UTF-8 sequence at p, 0 when it is not one.  Text
 * echoed from a request (a key given as %FF in an error's <Key>) may not
 * be UTF-8, and one bad byte makes the whole document unparsable. */
static size_t utf8_sequence(const unsigned char *p)
{
    size_t n = p[0] < 0x80 ? 1 : p[0] < 0xc2 ? 0 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3
             : p[0] < 0xf5 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80) /* also stops at the NUL */
            return 0;
    return n;
}

void s3_xml_escaped(s3_xml *x, const char *text)
{
    for (const char *p = text; *p; p++) {
        size_t n = utf8_sequence((const unsigned char *)p);
        if (n != 1) {
            if (n)
                append(x, p, n);
            else
                append_str(x, "\xef\xbf\xbd"); /* U+FFFD REPLACEMENT CHARACTER */
            p += n ? n - 1 : 0;
            continue;
        }
        switch (*p) {
        case '&': append_str(x, "&amp;"); break;
        case '<': append_str(x, "&lt;"); break;
        case '>': append_str(x, "&gt;"); break;
        case '"': append_str(x, "&quot;"); break;
        case '\'': append_str(x, "&apos;"); break;
        case '\r': append_str(x, "&#13;"); break; /* a literal CR would be normalised away */
        default: append(x, p, 1);
        }
    }
}

static void begin(s3_xml *x, const char *root, const char *attributes)
{
    memset(x, 0, sizeof *x);
    append_str(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<");
    append_str(x, root);
    append_str(x, attributes);
    append_str(x, ">");
}

void s3_xml_begin(s3_xml *x, const char *root)
{
    begin(x, root, " xmlns=\"" S3_XMLNS "\"");
}

void s3_xml_begin_bare(s3_xml *x, const char *root)
{
    begin(x, root, "");
}

void s3_xml_open(s3_xml *x, const char *name)
{
    append_str(x, "<");
    append_str(x, name);
    append_str(x, ">");
}

void s3_xml_close(s3_xml *x, const char *name)
{
    append_str(x, "</");
    append_str(x, name);
    append_str(x, ">");
}

void s3_xml_element(s3_xml *x, const char *name, const char *text)
{
    s3_xml_open(x, name);
    s3_xml_escaped(x, text);
    s3_xml_close(x, name);
}

void s3_xml_elementf(s3_xml *x, const char *name, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    s3_xml_element(x, name, text);
}

uint8_t *s3_xml_finish(s3_xml *x, const char *root, size_t *size)
{
    s3_xml_close(x, root);
    if (x->failed) {
        free(x->data);
        return NULL;
    }
    *size = x->size;
    return (uint8_t *)x->data;
}

/* ------------------------------------------------------------ reader */

typedef struct reader {
    const char *p, *end;
    vgl_error *err;
} reader;

static vgl_status fail(reader *r, const char *what)
{
    return vgl_error_set(r->err, VGL_EFORMAT, "the XML is not well-formed: %s", what);
}

static int starts(const reader *r, const char *text)
{
    size_t n = strlen(text);
    return (size_t)(r->end - r->p) >= n && memcmp(r->p, text, n) == 0;
}

static void skip_space(reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\r' || *r->p == '\n'))
        r->p++;
}

/* Skips past the next occurrence of text; 0 when there is none. */
static int skip_past(reader *r, const char *text)
{
    size_t n = strlen(text);
    for (; r->p + n <= r->end; r->p++)
        if (memcmp(r->p, text, n) == 0) {
            r->p += n;
            return 1;
        }
    return 0;
}

static int name_char(char c)
{
    return c && !strchr(" \t\r\n/>=<\"'&", c);
}

/* Reads a name into a malloc'ed string, without any namespace prefix. */
static vgl_status read_name(reader *r, char **name)
{
    const char *start = r->p;
    while (r->p < r->end && name_char(*r->p))
        r->p++;
    if (r->p == start)
        return fail(r, "a name is missing");
    const char *colon = memchr(start, ':', (size_t)(r->p - start));
    const char *local = colon ? colon + 1 : start;
    if (!(*name = strndup(local, (size_t)(r->p - local))))
        return vgl_error_set(r->err, VGL_ENOMEM, "out of memory reading XML");
    return VGL_OK;
}

/* Appends a code point as UTF-8. */
static void append_utf8(s3_xml *text, unsigned long cp)
{
    char out[4];
    size_t n;
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        out[0] = (char)(0xf0 | cp >> 18);
        out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    append(text, out, n);
}

/* Decodes one reference at r->p ('&'): the five named entities and numeric
 * character references. */
static vgl_status read_reference(reader *r, s3_xml *text)
{
    static const char *const names[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    static const char chars[] = "&<>\"'";
    for (int i = 0; i < 5; i++)
        if (starts(r, names[i])) {
            append(text, &chars[i], 1);
            r->p += strlen(names[i]);
            return VGL_OK;
        }
    if (!starts(r, "&#"))
        return fail(r, "an unknown entity");
    r->p += 2;
    int base = 10;
    if (r->p < r->end && *r->p == 'x') {
        base = 16;
        r->p++;
    }
    const char *semi = memchr(r->p, ';', (size_t)(r->end - r->p));
    if (!semi || semi == r->p || semi - r->p > 8)
        return fail(r, "a bad character reference");
    char digits[9];
    memcpy(digits, r->p, (size_t)(semi - r->p));
    digits[semi - r->p] = 0;
    char *stop;
    unsigned long cp = strtoul(digits, &stop, base);
    if (*stop || cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return fail(r, "a bad character reference");
    append_utf8(text, cp);
    r->p = semi + 1;
    return VGL_OK;
}

/* Skips the attributes up to '>' or "/>"; *empty tells which. */
static vgl_status skip_attributes(reader *r, int *empty)
{
    for (;;) {
        skip_space(r);
        if (r->p >= r->end)
            return fail(r, "a tag is not closed");
        if (*r->p == '>') {
            r->p++;
            *empty = 0;
            return VGL_OK;
        }
        if (starts(r, "/>")) {
            r->p += 2;
            *empty = 1;
            return VGL_OK;
        }
        while (r->p < r->end && name_char(*r->p))
            r->p++;
        skip_space(r);
        if (r->p >= r->end || *r->p != '=')
            return fail(r, "an attribute has no value");
        r->p++;
        skip_space(r);
        if (r->p >= r->end || (*r->p != '"' && *r->p != '\''))
            return fail(r, "an attribute value is not quoted");
        const char *close = memchr(r->p + 1, *r->p, (size_t)(r->end - r->p - 1));
        if (!close)
            return fail(r, "an attribute value is not closed");
        r->p = close + 1;
    }
}

static vgl_status read_element(reader *r, s3_xml_node *node, int depth);

static vgl_status add_child(reader *r, s3_xml_node *node, int depth)
{
    s3_xml_node *grown = realloc(node->children, (node->n_children + 1) * sizeof *grown);
    if (!grown)
        return vgl_error_set(r->err, VGL_ENOMEM, "out of memory reading XML");
    node->children = grown;
    s3_xml_node *child = &node->children[node->n_children++];
    memset(child, 0, sizeof *child);
    return read_element(r, child, depth + 1);
}

/* Reads an element's content up to its end tag. */
static vgl_status read_content(reader *r, s3_xml_node *node, int depth, s3_xml *text)
{
    vgl_status status = VGL_OK;
    while (status == VGL_OK) {
        if (r->p >= r->end)
            return fail(r, "an element is not closed");
        if (starts(r, "</"))
            return VGL_OK;
        if (starts(r, "<!--")) {
            if (!skip_past(r, "-->"))
                return fail(r, "a comment is not closed");
        } else if (starts(r, "<![CDATA[")) {
            r->p += 9;
            const char *start = r->p;
            if (!skip_past(r, "]]>"))
                return fail(r, "a CDATA section is not closed");
            append(text, start, (size_t)(r->p - 3 - start));
        } else if (starts(r, "<")) {
            status = add_child(r, node, depth);
        } else if (*r->p == '&') {
            status = read_reference(r, text);
        } else {
            append(text, r->p++, 1);
        }
    }
    return status;
}

static vgl_status read_element(reader *r, s3_xml_node *node, int depth)
{
    if (depth > MAX_DEPTH)
        return fail(r, "elements nest too deeply");
    if (starts(r, "<!"))
        return fail(r, "document type declarations are not accepted");
    r->p++; /* '<' */
    vgl_status status = read_name(r, &node->name);
    int empty = 0;
    if (status == VGL_OK)
        status = skip_attributes(r, &empty);
    if (status != VGL_OK)
        return status;
    s3_xml text = {0};
    append(&text, "", 0);
    if (!empty) {
        char *end_name = NULL;
        status = read_content(r, node, depth, &text);
        if (status == VGL_OK) {
            r->p += 2;
            status = read_name(r, &end_name);
        }
        if (status == VGL_OK && strcmp(end_name, node->name) != 0)
            status = fail(r, "an end tag does not match its start tag");
        skip_space(r);
        if (status == VGL_OK && (r->p >= r->end || *r->p++ != '>'))
            status = fail(r, "an end tag is not closed");
        free(end_name);
    }
    if (status == VGL_OK && text.failed)
        status = vgl_error_set(r->err, VGL_ENOMEM, "out of memory reading XML");
    if (status == VGL_OK)
        node->text = text.data;
    else
        free(text.data);
    return status;
}

/* Skips the XML declaration, processing instructions, comments and space
 * around the root element. */
static vgl_status skip_misc(reader *r)
{
    for (;;) {
        skip_space(r);
        if (starts(r, "<?")) {
            if (!skip_past(r, "?>"))
                return fail(r, "a processing instruction is not closed");
        } else if (starts(r, "<!--")) {
            if (!skip_past(r, "-->"))
                return fail(r, "a comment is not closed");
        } else {
            return VGL_OK;
        }
    }
}

static void node_free(s3_xml_node *node)
{
    for (size_t i = 0; i < node->n_children; i++)
        node_free(&node->children[i]);
    free(node->children);
    free(node->name);
    free(node->text);
}

vgl_status s3_xml_parse(const uint8_t *data, size_t size, s3_xml_node **root, vgl_error *err)
{
    reader r = {(const char *)data, (const char *)data + size, err};
    if (memchr(data, 0, size))
        return fail(&r, "it contains a NUL byte");
    s3_xml_node *node = calloc(1, sizeof *node);
    if (!node)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory reading XML");
    vgl_status status = skip_misc(&r);
    if (status == VGL_OK && !starts(&r, "<"))
        status = fail(&r, "there is no root element");
    if (status == VGL_OK)
        status = read_element(&r, node, 0);
    if (status == VGL_OK)
        status = skip_misc(&r);
    if (status == VGL_OK && r.p != r.end)
        status = fail(&r, "there is content after the root element");
    if (status != VGL_OK) {
        s3_xml_free(node);
        return status;
    }
    *root = node;
    return VGL_OK;
}

const s3_xml_node *s3_xml_child(const s3_xml_node *node, const char *name)
{
    for (size_t i = 0; i < node->n_children; i++)
        if (strcmp(node->children[i].name, name) == 0)
            return &node->children[i];
    return NULL;
}

void s3_xml_free(s3_xml_node *root)
{
    if (root) {
        node_free(root);
        free(root);
    }
}

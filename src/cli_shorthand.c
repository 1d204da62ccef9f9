/*
 * cli_shorthand.c - a recursive-descent parser of the AWS CLI's shorthand
 * syntax, rule for rule the grammar of the AWS CLI 2 (awscli/shorthand.py):
 *
 *   parameter     = keyval *("," keyval)      ; a repeated key is an error
 *   keyval        = key "=" [values]
 *   values        = explicit-list / hash-literal / csv-value
 *   csv-value     = first-value *("," second-value)
 *   explicit-list = "[" [value *("," value)] "]"
 *   hash-literal  = "{" key "=" value *("," key "=" value) "}"
 *
 * The value character classes decide where values end: a first value may
 * hold '=', '[' and '{' after its first character but not ',', ']' or '}';
 * a second value may not hold '=', so "a=b,c=d" backs off to the comma and
 * starts a new key.  Errors carry the AWS CLI's wording and caret.
 */
#include "cli_shorthand.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

typedef struct parser {
    const char *text;
    size_t length;
    size_t index;
    char *error;
    size_t error_size;
    jmp_buf fail;
    json_t *made; /* every value made, so an error frees them all */
} parser;

/* ------------------------------------------------------------ errors */

/* The input with a caret under index, limited to the line of the error
 * ("consumed\n   ^remaining"). */
static void error_location(const parser *p, char *out, size_t size)
{
    size_t spaces = p->index;
    for (size_t i = 0; i < p->index; i++)
        if (p->text[i] == '\n')
            spaces = p->index - i - 1;
    const char *newline = memchr(p->text + p->index, '\n', p->length - p->index);
    size_t consumed = newline ? (size_t)(newline - p->text) : p->length;
    snprintf(out, size, "%.*s\n%*s^%s", (int)consumed, p->text, (int)spaces, "",
             newline ? newline : "");
}

static _Noreturn void syntax_error(parser *p, const char *expected, const char *actual)
{
    char location[2048];
    error_location(p, location, sizeof location);
    snprintf(p->error, p->error_size, "Expected: '%s', received: '%s' for input:\n%s", expected,
             actual, location);
    longjmp(p->fail, 1);
}

/* ------------------------------------------------------ character sets */

static int at_eof(const parser *p)
{
    return p->index >= p->length;
}

static int current(const parser *p)
{
    return at_eof(p) ? -1 : (unsigned char)p->text[p->index];
}

/* Python's string.whitespace, which the parser skips between tokens. */
static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_key_char(int c)
{
    return c > 0 && c < 128 &&
           ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-_.#/:", c));
}

/* Non-ASCII bytes belong to every class, as the AWS CLI's classes run to
 * U+FFFF. */
static int is_start_char(int c)
{
    return c >= 128 || (c > ' ' && !strchr("\"',=[{", c));
}

static int is_first_follow_char(int c)
{
    return c >= 128 || is_space(c) || (c > ' ' && !strchr("\"',]}", c));
}

static int is_second_follow_char(int c)
{
    return c >= 128 || is_space(c) || (c > ' ' && !strchr("\"',=", c));
}

static void skip_spaces(parser *p)
{
    while (!at_eof(p) && is_space(current(p)))
        p->index++;
}

static void expect(parser *p, char c, int skip_whitespace)
{
    if (skip_whitespace)
        skip_spaces(p);
    if (at_eof(p)) {
        char expected[2] = {c, 0};
        syntax_error(p, expected, "EOF");
    }
    if (current(p) != c) {
        char expected[2] = {c, 0}, actual[2] = {(char)current(p), 0};
        syntax_error(p, expected, actual);
    }
    p->index++;
    if (skip_whitespace)
        skip_spaces(p);
}

/* ------------------------------------------------------------- values */

static _Noreturn void out_of_memory(parser *p)
{
    snprintf(p->error, p->error_size, "out of memory, or a value that is not UTF-8");
    longjmp(p->fail, 1);
}

/* Takes a new value (NULL: failure) into p->made, which owns it until the
 * end of the parse; the pointer returned is borrowed, and containers take
 * their own references (json_array_append, json_object_set). */
static json_t *made(parser *p, json_t *value)
{
    if (!value || json_array_append_new(p->made, value) != 0)
        out_of_memory(p);
    return value;
}

/* A matched unquoted word: "\," becomes ",", trailing whitespace goes. */
static json_t *word_value(parser *p, size_t start, size_t end)
{
    char *copy = malloc(end - start + 1);
    if (!copy)
        out_of_memory(p);
    size_t n = 0;
    for (size_t i = start; i < end; i++) {
        if (p->text[i] == '\\' && i + 1 < end && p->text[i + 1] == ',')
            i++;
        copy[n++] = p->text[i];
    }
    while (n > 0 && is_space((unsigned char)copy[n - 1]))
        n--;
    json_t *value = json_stringn(copy, n);
    free(copy);
    return made(p, value);
}

/* Length of the word at index: (escaped-comma | start)(escaped-comma | follow)*,
 * or 0 when none starts there. */
static size_t match_word(const parser *p, int (*follow)(int))
{
    size_t i = p->index;
    const char *s = p->text;
    if (i >= p->length)
        return 0;
    if (s[i] == '\\' && i + 1 < p->length && s[i + 1] == ',')
        i += 2;
    else if (is_start_char((unsigned char)s[i]))
        i++;
    else
        return 0;
    for (;;) {
        if (i + 1 < p->length && s[i] == '\\' && s[i + 1] == ',')
            i += 2;
        else if (i < p->length && follow((unsigned char)s[i]))
            i++;
        else
            break;
    }
    return i - p->index;
}

/* 'text' or "text" where \<quote> and \\ are escapes.  As the regular
 * expression the AWS CLI uses backtracks, a value with no unescaped
 * closing quote ends at the last escaped one. */
static json_t *quoted_value(parser *p)
{
    char quote = p->text[p->index];
    size_t i = p->index + 1, close = 0, last_escaped_quote = 0;
    while (i < p->length) {
        if (p->text[i] == '\\' && i + 1 < p->length &&
            (p->text[i + 1] == '\\' || p->text[i + 1] == quote)) {
            if (p->text[i + 1] == quote)
                last_escaped_quote = i + 1;
            i += 2;
        } else if (p->text[i] == quote) {
            close = i;
            break;
        } else {
            i++;
        }
    }
    if (!close)
        close = last_escaped_quote;
    if (!close)
        syntax_error(p, quote == '\'' ? "<singled quoted>" : "<double quoted>", "<none>");
    char *copy = malloc(close - p->index);
    if (!copy)
        out_of_memory(p);
    /* \<quote> -> <quote>, then \\ -> \, in two passes as the AWS CLI does. */
    size_t n = 0;
    for (size_t j = p->index + 1; j < close; j++) {
        if (p->text[j] == '\\' && j + 1 < close && p->text[j + 1] == quote)
            j++;
        copy[n++] = p->text[j];
    }
    size_t m = 0;
    for (size_t j = 0; j < n; j++) {
        if (copy[j] == '\\' && j + 1 < n && copy[j + 1] == '\\')
            j++;
        copy[m++] = copy[j];
    }
    p->index = close + 1;
    json_t *value = json_stringn(copy, m);
    free(copy);
    return made(p, value);
}

static json_t *first_value(parser *p)
{
    if (current(p) == '\'' || current(p) == '"')
        return quoted_value(p);
    size_t start = p->index;
    p->index += match_word(p, is_first_follow_char);
    return word_value(p, start, p->index);
}

static json_t *second_value(parser *p)
{
    if (current(p) == '\'' || current(p) == '"')
        return quoted_value(p);
    size_t length = match_word(p, is_second_follow_char);
    if (length == 0)
        syntax_error(p, "<second>", "<none>");
    size_t start = p->index;
    p->index += length;
    return word_value(p, start, p->index);
}

/* A key: any run (possibly empty) of [A-Za-z0-9-_.#/:]; *length set. */
static const char *key(parser *p, size_t *length)
{
    size_t start = p->index;
    while (!at_eof(p) && is_key_char(current(p)))
        p->index++;
    *length = p->index - start;
    return p->text + start;
}

static json_t *explicit_values(parser *p);

static json_t *explicit_list(parser *p)
{
    json_t *list = made(p, json_array());
    expect(p, '[', 1);
    while (current(p) != ']') {
        json_array_append(list, explicit_values(p));
        skip_spaces(p);
        if (current(p) != ']') {
            expect(p, ',', 0);
            skip_spaces(p);
        }
    }
    expect(p, ']', 0);
    return list;
}

static json_t *hash_literal(parser *p)
{
    json_t *object = made(p, json_object());
    expect(p, '{', 1);
    while (current(p) != '}') {
        size_t length;
        const char *name = key(p, &length);
        expect(p, '=', 1);
        json_t *value = explicit_values(p);
        skip_spaces(p);
        if (current(p) != '}') {
            expect(p, ',', 0);
            skip_spaces(p);
        }
        if (json_object_setn(object, name, length, value) != 0)
            out_of_memory(p);
    }
    expect(p, '}', 0);
    return object;
}

static json_t *explicit_values(parser *p)
{
    if (current(p) == '[')
        return explicit_list(p);
    if (current(p) == '{')
        return hash_literal(p);
    return first_value(p);
}

/* "a=b" is the string "b"; "a=b,c,d" the list [b, c, d], stopping before
 * a second value that turns out to be the next key ("a=b,c=d"). */
static json_t *csv_value(parser *p)
{
    json_t *first = first_value(p);
    skip_spaces(p);
    if (at_eof(p) || current(p) != ',')
        return first;
    expect(p, ',', 1);
    json_t *list = made(p, json_array());
    json_array_append(list, first);
    for (;;) {
        jmp_buf outer;
        memcpy(outer, p->fail, sizeof outer);
        if (setjmp(p->fail)) {
            /* A syntax error inside the list: at the end of the input it
             * stands; elsewhere back off to the last comma. */
            memcpy(p->fail, outer, sizeof outer);
            if (at_eof(p))
                longjmp(p->fail, 1);
            while (p->index > 0 && p->text[p->index] != ',')
                p->index--;
            break;
        }
        json_t *value = second_value(p);
        skip_spaces(p);
        if (at_eof(p)) {
            json_array_append(list, value);
            memcpy(p->fail, outer, sizeof outer);
            break;
        }
        expect(p, ',', 1);
        json_array_append(list, value);
        memcpy(p->fail, outer, sizeof outer);
    }
    return json_array_size(list) == 1 ? first : list;
}

static json_t *values(parser *p)
{
    if (at_eof(p))
        return made(p, json_string(""));
    if (current(p) == '[')
        return explicit_list(p);
    if (current(p) == '{')
        return hash_literal(p);
    return csv_value(p);
}

json_t *cli_shorthand_parse(const char *text, char *error, size_t error_size)
{
    parser p = {.text = text, .length = strlen(text), .error = error,
                .error_size = error_size, .made = json_array()};
    json_t *params = json_object();
    if (!p.made || !params) {
        json_decref(p.made);
        json_decref(params);
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    if (setjmp(p.fail)) {
        json_decref(p.made);
        json_decref(params);
        return NULL;
    }
    size_t last_index = 0;
    int first = 1;
    do {
        if (!first)
            expect(&p, ',', 1);
        size_t length;
        const char *name = key(&p, &length);
        expect(&p, '=', 1);
        json_t *value = values(&p);
        char *name_copy = strndup(name, length);
        if (!name_copy)
            out_of_memory(&p);
        int duplicate = json_object_get(params, name_copy) != NULL;
        int failed = !duplicate && json_object_set(params, name_copy, value) != 0;
        if (duplicate) {
            char location[2048];
            p.index = last_index + 1;
            error_location(&p, location, sizeof location);
            snprintf(error, error_size,
                     "Second instance of key \"%s\" encountered for input:\n%s\n"
                     "This is often because there is a preceding \",\" instead of a space.",
                     name_copy, location);
        }
        free(name_copy);
        if (duplicate)
            longjmp(p.fail, 1);
        if (failed)
            out_of_memory(&p);
        last_index = p.index;
        first = 0;
    } while (p.index < p.length);
    json_decref(p.made);
    return params;
}

/*
 * output_table.c - the AWS CLI's --output table: the response cut into
 * titled sections (one per dict or list of dicts, nested ones indented by
 * '|'), each with its scalar keys as sorted column headers, columns scaled
 * to the widest section, and every section turned vertical (key | value
 * rows) when the table would be wider than the 80-column terminal the CLI
 * assumes when stdout is not a terminal.
 */
#include "output_format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

typedef struct section {
    char *title;
    int indent;
    char **headers;
    size_t n_headers;
    char ***rows;
    size_t n_rows;
    size_t n_cols;        /* set by the first header or row */
    size_t *max_widths;
    size_t n_widths;
} section;

typedef struct table {
    section *sections;
    size_t n_sections;
} table;

/* Characters, not bytes: UTF-8 continuation bytes do not count. */
static size_t text_length(const char *text)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

static section *new_section(table *t, const char *title, int indent)
{
    section *grown = realloc(t->sections, (t->n_sections + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    t->sections = grown;
    section *s = &t->sections[t->n_sections++];
    memset(s, 0, sizeof *s);
    s->title = strdup(title ? title : "");
    s->indent = indent;
    return s;
}

static void update_widths(section *s, char **cells, size_t n)
{
    if (!s->max_widths) {
        s->max_widths = calloc(n ? n : 1, sizeof *s->max_widths);
        s->n_widths = n;
    }
    for (size_t i = 0; i < n && i < s->n_widths; i++) {
        size_t length = text_length(cells[i]);
        if (length > s->max_widths[i])
            s->max_widths[i] = length;
    }
}

static void add_header(section *s, const char **names, size_t n)
{
    s->headers = calloc(n ? n : 1, sizeof *s->headers);
    for (size_t i = 0; i < n; i++)
        s->headers[i] = strdup(names[i]);
    s->n_headers = n;
    if (!s->n_cols)
        s->n_cols = n;
    update_widths(s, s->headers, n);
}

/* Takes the cells (malloc'ed strings). */
static void add_row(section *s, char **cells, size_t n)
{
    char ***grown = realloc(s->rows, (s->n_rows + 1) * sizeof *grown);
    if (!grown)
        return;
    s->rows = grown;
    s->rows[s->n_rows++] = cells;
    if (!s->n_cols)
        s->n_cols = n;
    update_widths(s, cells, n);
}

static char *cell(const json_t *value)
{
    return output_python_scalar(value);
}

static int is_scalar(const json_t *value)
{
    return !json_is_object(value) && !json_is_array(value);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted scalar keys (which 1) or container keys (which 0) of a dict, or
 * of all the dicts of a list (union). */
static const char **keys_of(const json_t *value, int which, size_t *n)
{
    json_t *seen = json_object();
    const json_t *dicts[1] = {value};
    size_t count = json_is_array(value) ? json_array_size(value) : 1;
    for (size_t i = 0; i < count; i++) {
        const json_t *dict = json_is_array(value) ? json_array_get(value, i) : dicts[0];
        const char *key;
        const json_t *item;
        json_object_foreach((json_t *)dict, key, item)
            if (is_scalar(item) == which)
                json_object_set_new(seen, key, json_true());
    }
    const char **keys = malloc((json_object_size(seen) + 1) * sizeof *keys);
    *n = 0;
    const char *key;
    const json_t *item;
    json_object_foreach(seen, key, item) {
        /* The key strings live in value's dicts, which outlive the list. */
        for (size_t i = 0; i < count; i++) {
            const json_t *dict = json_is_array(value) ? json_array_get(value, i) : dicts[0];
            const char *k;
            const json_t *v;
            int found = 0;
            json_object_foreach((json_t *)dict, k, v)
                if (!strcmp(k, key)) {
                    keys[(*n)++] = k;
                    found = 1;
                    break;
                }
            if (found)
                break;
        }
    }
    json_decref(seen);
    qsort(keys, *n, sizeof *keys, compare_strings);
    return keys;
}

static int build(table *t, const char *title, const json_t *current, int indent);

static void from_dict(table *t, const json_t *dict, int indent)
{
    section *s = &t->sections[t->n_sections - 1];
    size_t n_headers, n_more;
    const char **headers = keys_of(dict, 1, &n_headers);
    const char **more = keys_of(dict, 0, &n_more);
    if (n_headers == 1) {
        char **cells = malloc(2 * sizeof *cells);
        cells[0] = strdup(headers[0]);
        cells[1] = cell(json_object_get(dict, headers[0]));
        add_row(s, cells, 2);
    } else if (n_headers) {
        add_header(s, headers, n_headers);
        char **cells = malloc(n_headers * sizeof *cells);
        for (size_t i = 0; i < n_headers; i++)
            cells[i] = cell(json_object_get(dict, headers[i]));
        add_row(s, cells, n_headers);
    }
    for (size_t i = 0; i < n_more; i++)
        build(t, more[i], json_object_get(dict, more[i]), indent + 1);
    free(headers);
    free(more);
}

static void from_list_of_dicts(table *t, const json_t *list, int indent, const char *title)
{
    size_t n_headers, n_more;
    const char **headers = keys_of(list, 1, &n_headers);
    const char **more = keys_of(list, 0, &n_more);
    add_header(&t->sections[t->n_sections - 1], headers, n_headers);
    size_t i;
    const json_t *element;
    json_array_foreach(list, i, element) {
        if (i > 0 && n_more) {
            new_section(t, title, indent);
            add_header(&t->sections[t->n_sections - 1], headers, n_headers);
        }
        char **cells = malloc((n_headers ? n_headers : 1) * sizeof *cells);
        for (size_t k = 0; k < n_headers; k++) {
            const json_t *value = json_object_get(element, headers[k]);
            cells[k] = value ? cell(value) : strdup("");
        }
        add_row(&t->sections[t->n_sections - 1], cells, n_headers);
        for (size_t k = 0; k < n_more; k++) {
            const json_t *value = json_object_get(element, more[k]);
            if (value)
                build(t, more[k], value, indent + 1);
        }
    }
    free(headers);
    free(more);
}

static int empty(const json_t *value)
{
    return (json_is_object(value) && json_object_size(value) == 0) ||
           (json_is_array(value) && json_array_size(value) == 0) || json_is_null(value) ||
           json_is_false(value) || (json_is_string(value) && json_string_length(value) == 0) ||
           (json_is_integer(value) && json_integer_value(value) == 0);
}

static int build(table *t, const char *title, const json_t *current, int indent)
{
    if (empty(current))
        return 0;
    if (title)
        new_section(t, title, indent);
    if (json_is_array(current)) {
        if (json_is_object(json_array_get(current, 0))) {
            from_list_of_dicts(t, current, indent, title);
        } else {
            size_t i;
            const json_t *item;
            json_array_foreach(current, i, item) {
                int all_scalar = json_is_array(item);
                for (size_t k = 0; all_scalar && k < json_array_size(item); k++)
                    all_scalar = is_scalar(json_array_get(item, k));
                if (is_scalar(item)) {
                    char **cells = malloc(sizeof *cells);
                    cells[0] = cell(item);
                    add_row(&t->sections[t->n_sections - 1], cells, 1);
                } else if (all_scalar) {
                    size_t n = json_array_size(item);
                    char **cells = malloc((n ? n : 1) * sizeof *cells);
                    for (size_t k = 0; k < n; k++)
                        cells[k] = cell(json_array_get(item, k));
                    add_row(&t->sections[t->n_sections - 1], cells, n);
                } else {
                    build(t, NULL, item, 0);
                }
            }
        }
    }
    if (json_is_object(current))
        from_dict(t, current, indent);
    return 1;
}

/* Column widths with padding, scaled to max_width when given (> 0), the
 * rounding error spread from the first column (or the last when short). */
static long *column_widths(const section *s, long padding, long max_width)
{
    long *widths = calloc(s->n_widths ? s->n_widths : 1, sizeof *widths);
    long sum = 0;
    for (size_t i = 0; i < s->n_widths; i++)
        sum += widths[i] = (long)s->max_widths[i] + padding;
    if (max_width <= 0 || !s->n_widths)
        return widths;
    double scale = (double)max_width / (double)sum;
    long total = 0;
    for (size_t i = 0; i < s->n_widths; i++)
        total += widths[i] = (long)nearbyint(scale * (double)widths[i]);
    long off = total - max_width;
    while (off != 0) {
        for (size_t k = 0; k < s->n_widths && off != 0; k++) {
            size_t i = off < 0 ? s->n_widths - 1 - k : k;
            if (off > 0) {
                widths[i]--;
                off--;
            } else {
                widths[i]++;
                off++;
            }
        }
    }
    return widths;
}

static long total_width(const section *s)
{
    long *widths = column_widths(s, 0, 0);
    long total = 0;
    for (size_t i = 0; i < s->n_widths; i++)
        total += widths[i] + 4;
    free(widths);
    total += 2 + 2 * s->indent;
    long title = (long)text_length(s->title) + 2 + 2 * s->indent;
    return title > total ? title : total;
}

static long max_width_of(const table *t)
{
    long width = 0;
    for (size_t i = 0; i < t->n_sections; i++) {
        long w = total_width(&t->sections[i]);
        if (w > width)
            width = w;
    }
    return width;
}

static void free_section(section *s)
{
    free(s->title);
    for (size_t i = 0; i < s->n_headers; i++)
        free(s->headers[i]);
    free(s->headers);
    for (size_t r = 0; r < s->n_rows; r++) {
        for (size_t i = 0; i < s->n_cols; i++)
            free(s->rows[r][i]);
        free(s->rows[r]);
    }
    free(s->rows);
    free(s->max_widths);
}

/* A section of one row under headers becomes header | value rows. */
static void make_vertical(table *t)
{
    for (size_t k = 0; k < t->n_sections; k++) {
        section *s = &t->sections[k];
        if (s->n_rows != 1 || !s->n_headers)
            continue;
        section vertical = {.title = strdup(s->title), .indent = s->indent};
        for (size_t i = 0; i < s->n_headers && i < s->n_cols; i++) {
            char **cells = malloc(2 * sizeof *cells);
            cells[0] = strdup(s->headers[i]);
            cells[1] = strdup(s->rows[0][i]);
            add_row(&vertical, cells, 2);
        }
        free_section(s);
        *s = vertical;
    }
}

static void indent_out(FILE *out, int indent)
{
    for (int i = 0; i < indent; i++)
        fputc('|', out);
}

/* One line inside the section's indentation bars. */
static void line_out(FILE *out, int indent, const char *text)
{
    indent_out(out, indent);
    fputs(text, out);
    indent_out(out, indent);
    fputc('\n', out);
}

static char *centered(const char *text, long length, const char *left, const char *right)
{
    long text_len = (long)text_length(text);
    long start = length / 2 - text_len / 2 - 1;
    if (start < 0)
        start = 0;
    long so_far = (long)strlen(left) + start + text_len;
    long right_spaces = length - (long)strlen(right) - so_far;
    if (right_spaces < 0)
        right_spaces = 0;
    char *line = NULL;
    if (asprintf(&line, "%s%*s%s%*s%s", left, (int)start, "", text, (int)right_spaces, "",
                 right) < 0)
        return NULL;
    return line;
}

static char *left_aligned(const char *text, long length, const char *left, const char *right)
{
    long text_len = (long)text_length(text);
    long padding = length - (text_len + 2 + (long)strlen(left) + (long)strlen(right)) >= 0 ? 2 : 0;
    long fill = length - ((long)strlen(left) + padding + text_len) - (long)strlen(right);
    if (fill < 0)
        fill = 0;
    char *line = NULL;
    if (asprintf(&line, "%s%*s%s%*s%s", left, (int)padding, "", text, (int)fill, "", right) < 0)
        return NULL;
    return line;
}

static void line_break(FILE *out, int indent, const long *widths, size_t n)
{
    indent_out(out, indent);
    for (size_t i = 0; i < n; i++) {
        if (i == 0)
            fputc('+', out);
        for (long k = 0; k < widths[i] - (i == 0 ? 2 : 1); k++)
            fputc('-', out);
        fputc('+', out);
    }
    indent_out(out, indent);
    fputc('\n', out);
}

static void append_piece(char **line, char *piece)
{
    if (!piece)
        return;
    size_t a = *line ? strlen(*line) : 0, b = strlen(piece);
    char *grown = realloc(*line, a + b + 1);
    if (grown) {
        memcpy(grown + a, piece, b + 1);
        *line = grown;
    }
    free(piece);
}

static void render_section(FILE *out, const section *s, long max_width)
{
    max_width -= 2 * s->indent;
    if (*s->title) {
        char *title = centered(s->title, max_width, "|", "|");
        if (title)
            line_out(out, s->indent, title);
        free(title);
        if (!s->n_headers && !s->n_rows) {
            indent_out(out, s->indent);
            fputc('+', out);
            for (long k = 0; k < max_width - 2; k++)
                fputc('-', out);
            fputc('+', out);
            indent_out(out, s->indent);
            fputc('\n', out);
        }
    }
    if (s->n_headers) {
        long *widths = column_widths(s, 4, max_width);
        char *line = NULL;
        for (size_t i = 0; i < s->n_headers && i < s->n_widths; i++)
            append_piece(&line, centered(s->headers[i], widths[i], i == 0 ? "|" : "", "|"));
        line_break(out, s->indent, widths, s->n_widths);
        if (line)
            line_out(out, s->indent, line);
        free(line);
        free(widths);
    }
    if (s->n_rows && s->n_widths) {
        long *widths = column_widths(s, 4, max_width);
        line_break(out, s->indent, widths, s->n_widths);
        for (size_t r = 0; r < s->n_rows; r++) {
            char *line = NULL;
            for (size_t i = 0; i < s->n_cols && i < s->n_widths; i++)
                append_piece(&line, left_aligned(s->rows[r][i], widths[i], i == 0 ? "|" : "",
                                                 "|"));
            if (line)
                line_out(out, s->indent, line);
            free(line);
        }
        line_break(out, s->indent, widths, s->n_widths);
        free(widths);
    }
}

static long terminal_width(FILE *out)
{
    struct winsize size;
    if (ioctl(fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        return size.ws_col;
    return 80;
}

void output_table(FILE *out, const json_t *value, const char *title)
{
    table t = {0};
    if (build(&t, title, value, 0) && t.n_sections) {
        long width = max_width_of(&t);
        if (width > terminal_width(out)) {
            make_vertical(&t);
            width = max_width_of(&t);
        }
        for (long k = 0; k < width; k++)
            fputc('-', out);
        fputc('\n', out);
        for (size_t i = 0; i < t.n_sections; i++)
            render_section(out, &t.sections[i], width);
    }
    for (size_t i = 0; i < t.n_sections; i++)
        free_section(&t.sections[i]);
    free(t.sections);
}

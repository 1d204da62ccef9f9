/*
 * manifest.c - parsing Ground Truth manifest lines into manifest entries and
 * joining them into one manifest with one class table; see manifest.h for
 * the rules.
 */
#include "manifest.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "error.h"

#define TYPE_CLASSIFICATION "groundtruth/image-classification"
#define TYPE_SEGMENTATION "groundtruth/semantic-segmentation"
#define METADATA_SUFFIX "-metadata"
#define REF_SUFFIX "-ref"
/* Source-refs can be long; messages show at most this much of one. */
#define REF_SHOWN "%.200s"

/* --------------------------------------------------------------- helpers */

/* Sets err to "manifest line N: <message>". */
static vgl_status line_error(vgl_error *err, vgl_status status, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static vgl_status line_error(vgl_error *err, vgl_status status, size_t line, const char *fmt, ...)
{
    char message[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return vgl_error_set(err, status, "manifest line %zu: %s", line, message);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static int is_blank(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (!isspace((unsigned char)text[i]))
            return 0;
    return 1;
}

/* The limit is in characters, as the service's DatasetEntry shape counts
 * them, so UTF-8 continuation bytes do not count. */
static size_t count_chars(const char *text, size_t length)
{
    size_t n = 0;
    for (size_t i = 0; i < length; i++)
        n += ((unsigned char)text[i] & 0xc0) != 0x80;
    return n;
}

static const char *json_type_name(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "something else";
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int manifest_parse_color(const char *text, uint8_t rgb[3])
{
    if (!text || text[0] != '#' || strlen(text) != 7)
        return -1;
    for (int i = 0; i < 3; i++) {
        int hi = hex_value(text[1 + 2 * i]), lo = hex_value(text[2 + 2 * i]);
        if (hi < 0 || lo < 0)
            return -1;
        rgb[i] = (uint8_t)(hi * 16 + lo);
    }
    return 0;
}

vgl_status manifest_check_class_name(const char *name, vgl_error *err)
{
    size_t n = strlen(name);
    if (n == 0)
        return vgl_error_set(err, VGL_EFORMAT, "an anomaly class name is empty");
    if (n >= VGL_CLASS_NAME_MAX)
        return vgl_error_set(err, VGL_EFORMAT,
                             "anomaly class name \"%.80s...\" is %zu characters; at most %d are allowed",
                             name, n, VGL_CLASS_NAME_MAX - 1);
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) || (unsigned char)name[i] >= 0x80)
            return vgl_error_set(err, VGL_EFORMAT,
                                 "anomaly class name \"%s\" may hold only letters and digits "
                                 "([a-zA-Z0-9], as the API's anomaly names)",
                                 name);
    return VGL_OK;
}

static int same_color(const uint8_t a[3], const uint8_t b[3])
{
    return a[0] == b[0] && a[1] == b[1] && a[2] == b[2];
}

void manifest_entry_free(manifest_entry *entry)
{
    if (!entry)
        return;
    free(entry->source_ref);
    free(entry->mask_ref);
    free(entry->classes);
    free(entry->class_ids);
    memset(entry, 0, sizeof *entry);
}

/* ------------------------------------------------------------ source-ref */

/* An s3:// reference needs a bucket and a key, or nothing can find it. */
static vgl_status check_ref(const char *key, const char *ref, size_t line, vgl_error *err)
{
    if (ref[0] == '\0')
        return line_error(err, VGL_EFORMAT, line, "%s is empty", key);
    if (strncmp(ref, "s3://", 5) != 0)
        return VGL_OK;
    const char *bucket = ref + 5, *slash = strchr(bucket, '/');
    if (!slash || slash == bucket || slash[1] == '\0')
        return line_error(err, VGL_EFORMAT, line,
                          "%s \"" REF_SHOWN "\" is not of the form s3://BUCKET/KEY", key, ref);
    return VGL_OK;
}

static vgl_status parse_source_ref(const json_t *root, size_t line, manifest_entry *entry,
                                   vgl_error *err)
{
    const json_t *value = json_object_get(root, "source-ref");
    if (!value)
        return line_error(err, VGL_EFORMAT, line, "there is no \"source-ref\"");
    if (!json_is_string(value))
        return line_error(err, VGL_EFORMAT, line, "\"source-ref\" is %s, not a string",
                          json_type_name(value));
    vgl_status status = check_ref("source-ref", json_string_value(value), line, err);
    if (status != VGL_OK)
        return status;
    entry->source_ref = strdup(json_string_value(value));
    if (!entry->source_ref)
        return line_error(err, VGL_ENOMEM, line, "out of memory");
    return VGL_OK;
}

/* The metadata's "type" when key is "<K>-metadata" with an object value;
 * NULL for anything else, which belongs to other tools and is ignored. */
static const char *metadata_type(const char *key, const json_t *value)
{
    if (!ends_with(key, METADATA_SUFFIX) || !json_is_object(value))
        return NULL;
    return json_string_value(json_object_get(value, "type"));
}

/* ----------------------------------------------------------------- label */

static vgl_status label_from_metadata(const char *key, const json_t *meta, size_t line,
                                      manifest_entry *entry, vgl_error *err)
{
    const json_t *name = json_object_get(meta, "class-name");
    if (!name)
        return line_error(err, VGL_EFORMAT, line, "\"%s\" has no \"class-name\"", key);
    if (!json_is_string(name))
        return line_error(err, VGL_EFORMAT, line, "\"%s\".\"class-name\" is %s, not a string", key,
                          json_type_name(name));
    /* The service took exactly these two; anything else imports unlabelled. */
    const char *value = json_string_value(name);
    if (!strcmp(value, "normal"))
        entry->label = VGL_LABEL_NORMAL;
    else if (!strcmp(value, "anomaly"))
        entry->label = VGL_LABEL_ANOMALY;
    else
        entry->label = VGL_LABEL_NONE;
    return VGL_OK;
}

/* The label attribute's name is free (anomaly-label, auto-label...), so the
 * label is found by its metadata's type. */
static vgl_status parse_label(json_t *root, size_t line, manifest_entry *entry, vgl_error *err)
{
    const char *key, *found = NULL;
    json_t *value;
    entry->label = VGL_LABEL_NONE;
    json_object_foreach(root, key, value) {
        const char *type = metadata_type(key, value);
        if (!type || strcmp(type, TYPE_CLASSIFICATION) != 0)
            continue;
        if (found)
            return line_error(err, VGL_EFORMAT, line,
                              "both \"%s\" and \"%s\" are classification labels; a line has one",
                              found, key);
        found = key;
        vgl_status status = label_from_metadata(key, value, line, entry, err);
        if (status != VGL_OK)
            return status;
    }
    return VGL_OK;
}

/* ------------------------------------------------------------------ mask */

/* One internal-color-map entry before filtering. */
struct map_item {
    unsigned long key;
    const char *name;
    uint8_t color[3];
};

static int compare_map_items(const void *a, const void *b)
{
    const struct map_item *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

static vgl_status parse_map_item(const char *map_key, const json_t *value, size_t line,
                                 struct map_item *item, vgl_error *err)
{
    char *end;
    if (!isdigit((unsigned char)map_key[0]))
        return line_error(err, VGL_EFORMAT, line,
                          "internal-color-map key \"%.40s\" is not a number (\"0\", \"1\", ...)",
                          map_key);
    item->key = strtoul(map_key, &end, 10);
    if (*end != '\0')
        return line_error(err, VGL_EFORMAT, line,
                          "internal-color-map key \"%.40s\" is not a number (\"0\", \"1\", ...)",
                          map_key);
    if (!json_is_object(value))
        return line_error(err, VGL_EFORMAT, line, "internal-color-map \"%s\" is %s, not an object",
                          map_key, json_type_name(value));
    const json_t *name = json_object_get(value, "class-name");
    const json_t *color = json_object_get(value, "hex-color");
    if (!json_is_string(name))
        return line_error(err, VGL_EFORMAT, line,
                          "internal-color-map \"%s\" has no \"class-name\" string", map_key);
    if (!json_is_string(color))
        return line_error(err, VGL_EFORMAT, line,
                          "internal-color-map \"%s\" has no \"hex-color\" string", map_key);
    item->name = json_string_value(name);
    if (manifest_parse_color(json_string_value(color), item->color) != 0)
        return line_error(err, VGL_EFORMAT, line,
                          "internal-color-map \"%s\" (%.80s) has hex-color \"%.40s\"; a colour is "
                          "#rrggbb in hex",
                          map_key, item->name, json_string_value(color));
    return VGL_OK;
}

/* Adds item to the line's anomaly classes unless it repeats one exactly;
 * a name with two colours or a colour with two names is ambiguous. */
static vgl_status add_line_class(const struct map_item *item, size_t line, manifest_entry *entry,
                                 vgl_error *err)
{
    vgl_error name_err;
    if (manifest_check_class_name(item->name, &name_err) != VGL_OK)
        return line_error(err, VGL_EFORMAT, line, "%s", name_err.message);
    for (int i = 0; i < entry->n_classes; i++) {
        const vgl_class *c = &entry->classes[i];
        int same_name = !strcmp(c->name, item->name), same_rgb = same_color(c->color, item->color);
        if (same_name && same_rgb)
            return VGL_OK;
        if (same_name || same_rgb)
            return line_error(err, VGL_EFORMAT, line,
                              "internal-color-map gives class \"%s\" colour #%02X%02X%02X and "
                              "class \"%s\" colour #%02X%02X%02X; names and colours must match "
                              "one to one",
                              c->name, c->color[0], c->color[1], c->color[2], item->name,
                              item->color[0], item->color[1], item->color[2]);
    }
    if (entry->n_classes >= MANIFEST_LINE_CLASSES_MAX)
        return line_error(err, VGL_ELIMIT, line,
                          "the mask has more than %d anomaly classes; one mask holds at most %d",
                          MANIFEST_LINE_CLASSES_MAX, MANIFEST_LINE_CLASSES_MAX);
    vgl_class *c = &entry->classes[entry->n_classes++];
    snprintf(c->name, sizeof c->name, "%s", item->name);
    memcpy(c->color, item->color, 3);
    return VGL_OK;
}

/* Keeps the non-BACKGROUND entries, in key order, as the line's classes. */
static vgl_status classes_from_items(struct map_item *items, size_t n, size_t line,
                                     manifest_entry *entry, vgl_error *err)
{
    qsort(items, n, sizeof *items, compare_map_items);
    entry->classes = calloc(MANIFEST_LINE_CLASSES_MAX, sizeof *entry->classes);
    if (!entry->classes)
        return line_error(err, VGL_ENOMEM, line, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (!strcasecmp(items[i].name, "BACKGROUND"))
            continue;
        vgl_status status = add_line_class(&items[i], line, entry, err);
        if (status != VGL_OK)
            return status;
    }
    if (entry->n_classes == 0) {
        free(entry->classes);
        entry->classes = NULL;
    }
    return VGL_OK;
}

static vgl_status parse_color_map(const char *meta_key, const json_t *meta, size_t line,
                                  manifest_entry *entry, vgl_error *err)
{
    const json_t *map = json_object_get(meta, "internal-color-map");
    if (!map)
        return line_error(err, VGL_EFORMAT, line, "\"%s\" has no \"internal-color-map\"", meta_key);
    if (!json_is_object(map))
        return line_error(err, VGL_EFORMAT, line, "\"%s\".\"internal-color-map\" is %s, not an object",
                          meta_key, json_type_name(map));
    size_t n = json_object_size(map), i = 0;
    struct map_item *items = calloc(n ? n : 1, sizeof *items);
    if (!items)
        return line_error(err, VGL_ENOMEM, line, "out of memory");
    const char *key;
    json_t *value;
    vgl_status status = VGL_OK;
    json_object_foreach((json_t *)map, key, value) {
        status = parse_map_item(key, value, line, &items[i++], err);
        if (status != VGL_OK)
            break;
    }
    if (status == VGL_OK)
        status = classes_from_items(items, n, line, entry, err);
    free(items);
    return status;
}

/* ref_key is the metadata key without "-metadata": the mask reference. */
static vgl_status mask_from_metadata(json_t *root, const char *meta_key, const json_t *meta,
                                     size_t line, manifest_entry *entry, vgl_error *err)
{
    char ref_key[256];
    size_t n = strlen(meta_key) - strlen(METADATA_SUFFIX);
    if (n >= sizeof ref_key)
        return line_error(err, VGL_EFORMAT, line, "key \"%.60s...\" is too long", meta_key);
    memcpy(ref_key, meta_key, n);
    ref_key[n] = '\0';
    if (!ends_with(ref_key, REF_SUFFIX) || !strcmp(ref_key, "source-ref"))
        return line_error(err, VGL_EFORMAT, line,
                          "\"%s\" has segmentation metadata but is not a mask reference (a key "
                          "ending in -ref other than source-ref)",
                          ref_key);
    const json_t *ref = json_object_get(root, ref_key);
    if (!ref)
        return line_error(err, VGL_EFORMAT, line, "there is \"%s\" but no \"%s\"", meta_key, ref_key);
    if (!json_is_string(ref))
        return line_error(err, VGL_EFORMAT, line, "\"%s\" is %s, not a string", ref_key,
                          json_type_name(ref));
    vgl_status status = check_ref(ref_key, json_string_value(ref), line, err);
    if (status != VGL_OK)
        return status;
    entry->mask_ref = strdup(json_string_value(ref));
    if (!entry->mask_ref)
        return line_error(err, VGL_ENOMEM, line, "out of memory");
    return parse_color_map(meta_key, meta, line, entry, err);
}

static vgl_status parse_mask(json_t *root, size_t line, manifest_entry *entry, vgl_error *err)
{
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value) {
        const char *type = metadata_type(key, value);
        if (!type || strcmp(type, TYPE_SEGMENTATION) != 0)
            continue;
        if (entry->mask_ref)
            return line_error(err, VGL_EFORMAT, line,
                              "there is more than one segmentation mask (\"%s\" is the second)", key);
        vgl_status status = mask_from_metadata(root, key, value, line, entry, err);
        if (status != VGL_OK)
            return status;
    }
    return VGL_OK;
}

/* ------------------------------------------------------------ one line */

static vgl_status parse_object(json_t *root, size_t line, manifest_entry *out, vgl_error *err)
{
    vgl_status status = parse_source_ref(root, line, out, err);
    if (status == VGL_OK)
        status = parse_label(root, line, out, err);
    if (status == VGL_OK)
        status = parse_mask(root, line, out, err);
    return status;
}

vgl_status manifest_parse_line(const char *text, size_t length, size_t line_no,
                               manifest_entry *out, vgl_error *err)
{
    if (!out || (!text && length > 0))
        return vgl_error_set(err, VGL_EINVAL, "manifest_parse_line: no line or no output");
    memset(out, 0, sizeof *out);
    out->line = line_no;
    out->label = VGL_LABEL_NONE;
    if (length > 0 && text[length - 1] == '\r')
        length--;
    size_t chars = count_chars(text, length);
    if (chars > MANIFEST_LINE_MAX)
        return line_error(err, VGL_ELIMIT, line_no,
                          "the line is %zu characters long; a line holds at most %d", chars,
                          MANIFEST_LINE_MAX);
    if (is_blank(text, length))
        return line_error(err, VGL_EFORMAT, line_no, "the line is empty");
    json_error_t jerr;
    json_t *root = json_loadb(text, length, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!root)
        return line_error(err, VGL_EFORMAT, line_no, "invalid JSON at column %d: %s",
                          jerr.column, jerr.text);
    vgl_status status;
    if (!json_is_object(root))
        status = line_error(err, VGL_EFORMAT, line_no, "the line is %s, not a JSON object",
                            json_type_name(root));
    else
        status = parse_object(root, line_no, out, err);
    json_decref(root);
    if (status != VGL_OK) {
        manifest_entry_free(out);
        out->line = line_no;
    }
    return status;
}

/* ----------------------------------------------------- source-ref index */

/* FNV-1a: any decent string hash will do for duplicate detection. */
static size_t hash_string(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

/* Slots hold entry index + 1, 0 marks a free slot; n_slots is a power of 2. */
static void index_insert(size_t *slots, size_t n_slots, const char *ref, size_t index)
{
    size_t i = hash_string(ref) & (n_slots - 1);
    while (slots[i])
        i = (i + 1) & (n_slots - 1);
    slots[i] = index + 1;
}

long manifest_find(const manifest *m, const char *source_ref)
{
    if (!m || !source_ref || m->n_slots == 0)
        return -1;
    size_t i = hash_string(source_ref) & (m->n_slots - 1);
    for (; m->slots[i]; i = (i + 1) & (m->n_slots - 1)) {
        size_t index = m->slots[i] - 1;
        if (!strcmp(m->entries[index].source_ref, source_ref))
            return (long)index;
    }
    return -1;
}

/* Makes room for one more entry (array and index, kept at most half full)
 * before anything is committed, so a failure changes nothing. */
static vgl_status reserve_one(manifest *m, vgl_error *err)
{
    if (m->count == m->capacity) {
        size_t capacity = m->capacity ? m->capacity * 2 : 64;
        manifest_entry *entries = realloc(m->entries, capacity * sizeof *entries);
        if (!entries)
            return vgl_error_set(err, VGL_ENOMEM, "out of memory for %zu manifest lines", capacity);
        m->entries = entries;
        m->capacity = capacity;
    }
    if ((m->count + 1) * 2 <= m->n_slots)
        return VGL_OK;
    size_t n_slots = m->n_slots ? m->n_slots * 2 : 128;
    size_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory for %zu manifest lines", m->count + 1);
    for (size_t i = 0; i < m->count; i++)
        index_insert(slots, n_slots, m->entries[i].source_ref, i);
    free(m->slots);
    m->slots = slots;
    m->n_slots = n_slots;
    return VGL_OK;
}

/* ------------------------------------------------------- whole manifest */

void manifest_init(manifest *m)
{
    memset(m, 0, sizeof *m);
}

void manifest_free(manifest *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->count; i++)
        manifest_entry_free(&m->entries[i]);
    free(m->entries);
    free(m->slots);
    manifest_init(m);
}

/* The index (1-based) of class c in the manifest's table plus `staged`
 * classes not committed yet; 0 when it is new.  A name or colour already
 * used by a different class is an error naming both lines. */
static vgl_status lookup_class(const manifest *m, const vgl_class *staged, int n_staged,
                               const vgl_class *c, size_t line, int *id, vgl_error *err)
{
    *id = 0;
    for (int j = 0; j < m->n_classes + n_staged; j++) {
        const vgl_class *t = j < m->n_classes ? &m->classes[j] : &staged[j - m->n_classes];
        size_t t_line = j < m->n_classes ? m->class_lines[j] : line;
        int same_name = !strcmp(t->name, c->name), same_rgb = same_color(t->color, c->color);
        if (same_name && same_rgb) {
            *id = j + 1;
            return VGL_OK;
        }
        if (same_name)
            return line_error(err, VGL_EFORMAT, line,
                              "class \"%s\" has colour #%02X%02X%02X here but #%02X%02X%02X on "
                              "line %zu; a class has one colour",
                              c->name, c->color[0], c->color[1], c->color[2], t->color[0],
                              t->color[1], t->color[2], t_line);
        if (same_rgb)
            return line_error(err, VGL_EFORMAT, line,
                              "colour #%02X%02X%02X names class \"%s\" here but \"%s\" on line "
                              "%zu; a colour names one class",
                              c->color[0], c->color[1], c->color[2], c->name, t->name, t_line);
    }
    return VGL_OK;
}

/* Maps the entry's classes to the manifest's table, collecting new ones in
 * staged[]; nothing in m changes. */
static vgl_status map_classes(const manifest *m, manifest_entry *entry, vgl_class *staged,
                              int *n_staged, vgl_error *err)
{
    *n_staged = 0;
    if (entry->n_classes == 0)
        return VGL_OK;
    entry->class_ids = malloc((size_t)entry->n_classes);
    if (!entry->class_ids)
        return line_error(err, VGL_ENOMEM, entry->line, "out of memory");
    for (int i = 0; i < entry->n_classes; i++) {
        int id;
        vgl_status status =
            lookup_class(m, staged, *n_staged, &entry->classes[i], entry->line, &id, err);
        if (status != VGL_OK)
            return status;
        if (id == 0) {
            if (m->n_classes + *n_staged >= VGL_MAX_CLASSES)
                return line_error(err, VGL_ELIMIT, entry->line,
                                  "class \"%s\" would be anomaly class %d; a dataset has at most %d",
                                  entry->classes[i].name, VGL_MAX_CLASSES + 1, VGL_MAX_CLASSES);
            staged[*n_staged] = entry->classes[i];
            id = m->n_classes + ++*n_staged;
        }
        entry->class_ids[i] = (uint8_t)id;
    }
    return VGL_OK;
}

static vgl_status check_and_map(manifest *m, manifest_entry *entry, vgl_class *staged,
                                int *n_staged, vgl_error *err)
{
    long previous = manifest_find(m, entry->source_ref);
    if (previous >= 0)
        return line_error(err, VGL_EFORMAT, entry->line,
                          "source-ref \"" REF_SHOWN "\" is already on line %zu; each image is "
                          "listed once",
                          entry->source_ref, m->entries[previous].line);
    vgl_status status = map_classes(m, entry, staged, n_staged, err);
    if (status == VGL_OK)
        status = reserve_one(m, err);
    return status;
}

vgl_status manifest_add_line(manifest *m, const char *text, size_t length, size_t line_no,
                             int *added, vgl_error *err)
{
    if (added)
        *added = 0;
    if (!m || (!text && length > 0))
        return vgl_error_set(err, VGL_EINVAL, "manifest_add_line: no manifest or no line");
    if (is_blank(text, length))
        return VGL_OK;
    manifest_entry entry;
    vgl_status status = manifest_parse_line(text, length, line_no, &entry, err);
    if (status != VGL_OK)
        return status;
    vgl_class staged[MANIFEST_LINE_CLASSES_MAX];
    int n_staged = 0;
    status = check_and_map(m, &entry, staged, &n_staged, err);
    if (status != VGL_OK) {
        manifest_entry_free(&entry);
        return status;
    }
    for (int i = 0; i < n_staged; i++) {
        m->classes[m->n_classes] = staged[i];
        m->class_lines[m->n_classes++] = line_no;
    }
    m->entries[m->count] = entry;
    index_insert(m->slots, m->n_slots, entry.source_ref, m->count);
    m->count++;
    if (added)
        *added = 1;
    return VGL_OK;
}

vgl_status manifest_parse(const char *text, size_t size, manifest *out, vgl_error *err)
{
    if (!out || (!text && size > 0))
        return vgl_error_set(err, VGL_EINVAL, "manifest_parse: no text or no output");
    manifest_init(out);
    if (size > MANIFEST_MAX_BYTES)
        return vgl_error_set(err, VGL_ELIMIT, "the manifest is %zu bytes; the limit is %zu bytes",
                             size, MANIFEST_MAX_BYTES);
    /* Editors on Windows may start the file with a byte-order mark. */
    size_t pos = size >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
    for (size_t line_no = 1; pos < size; line_no++) {
        const char *start = text + pos, *nl = memchr(start, '\n', size - pos);
        size_t length = nl ? (size_t)(nl - start) : size - pos;
        vgl_status status = manifest_add_line(out, start, length, line_no, NULL, err);
        if (status != VGL_OK) {
            manifest_free(out);
            return status;
        }
        pos += length + 1;
    }
    return VGL_OK;
}

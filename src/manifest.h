/*
 * manifest.h - parsing SageMaker Ground Truth manifests (JSON Lines) the way
 * Lookout for Vision read them: one image a line, a normal/anomaly label and
 * optionally a segmentation mask with its colour map.
 *
 * Everything works on bytes in memory, so the offline tool (a local file) and
 * the server (an S3 object, an UpdateDatasetEntries body) share it.  Either
 * parse a whole manifest with manifest_parse, or feed lines one at a time to
 * manifest_add_line.  Every error names the 1-based line number and what is
 * wrong with it.  The format is section 3.2 of the Lookout for Vision
 * behaviour reference.
 *
 * Rules (the tolerant reading the reference recommends):
 *  - source-ref: a non-empty string, s3://BUCKET/KEY or a file path.
 *  - label: the key K whose K-metadata object has type
 *    "groundtruth/image-classification"; class-name "normal" or "anomaly"
 *    (exactly), anything else leaves the image unlabelled.  K's value is
 *    ignored (it may even be missing).  No such key: unlabelled.
 *  - mask: the key R (ending in -ref, not source-ref) whose R-metadata object
 *    has type "groundtruth/semantic-segmentation"; R must be a string and
 *    R-metadata must hold an internal-color-map object keyed "0", "1", ...
 *    (any order).  Entries named BACKGROUND (any case) are skipped; all
 *    others are anomaly classes.  Colours are "#rrggbb", any case.
 *  - class names: 1 to VGL_CLASS_NAME_MAX-1 characters of [a-zA-Z0-9], the
 *    API model's AnomalyName pattern (its 256-character maximum is cut to
 *    what vgl_class holds).
 *  - one manifest: source-refs are unique; a class name has one colour and a
 *    colour one class name across all lines; at most VGL_MAX_CLASSES classes
 *    in all and MANIFEST_LINE_CLASSES_MAX on one line.
 */
#ifndef VIGIL_MANIFEST_H
#define VIGIL_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "vigil.h"

#define MANIFEST_LINE_MAX 8192                     /* characters (DatasetEntry max) */
#define MANIFEST_MAX_BYTES ((size_t)1 << 30)       /* 1 GB, the service's manifest limit */
#define MANIFEST_LINE_CLASSES_MAX 20               /* anomaly classes on one mask */

/* One image line. */
typedef struct manifest_entry {
    size_t line;        /* 1-based line number it came from */
    char *source_ref;   /* malloc'ed */
    vgl_label label;
    char *mask_ref;     /* malloc'ed; NULL without a mask */
    int n_classes;      /* anomaly classes of the mask's colour map, by key order */
    vgl_class *classes; /* malloc'ed; NULL when n_classes is 0 */
    /* Index of classes[i] in the manifest's class table, 1-based like the
     * values of a vgl_sample_loader mask; filled by manifest_add_line. */
    uint8_t *class_ids;
} manifest_entry;

/* A whole manifest: its entries in line order and the union of their
 * classes, in order of first appearance. */
typedef struct manifest {
    size_t count;
    manifest_entry *entries;
    int n_classes;
    vgl_class classes[VGL_MAX_CLASSES];
    size_t class_lines[VGL_MAX_CLASSES]; /* where each class first appeared */
    /* internal: source-ref index for duplicate detection */
    size_t capacity;
    size_t *slots;
    size_t n_slots;
} manifest;

/* Parses one line (without its newline; a trailing '\r' is ignored) into
 * *out.  line_no only names the line in messages.  A blank line is an error
 * here (manifest_add_line skips them).  On failure *out is empty. */
vgl_status manifest_parse_line(const char *text, size_t length, size_t line_no,
                               manifest_entry *out, vgl_error *err);
void manifest_entry_free(manifest_entry *entry);

void manifest_init(manifest *m);
void manifest_free(manifest *m);

/* Parses one line and appends it, checking it against the lines before.
 * Blank lines are skipped (*added = 0).  On failure the manifest is left
 * unchanged, so a caller may report the error and keep what it had.  added
 * may be NULL. */
vgl_status manifest_add_line(manifest *m, const char *text, size_t length, size_t line_no,
                             int *added, vgl_error *err);

/* Parses a whole manifest held in memory (UTF-8, '\n' or "\r\n" line ends,
 * an optional UTF-8 byte-order mark) into *out, which this initialises.  On
 * failure *out is left empty. */
vgl_status manifest_parse(const char *text, size_t size, manifest *out, vgl_error *err);

/* The index of the entry with this source-ref, or -1. */
long manifest_find(const manifest *m, const char *source_ref);

/* "#rrggbb" (hex digits in either case) to RGB; 0 on success, -1 when the
 * text is not such a colour. */
int manifest_parse_color(const char *text, uint8_t rgb[3]);

/* VGL_EFORMAT with a message naming the class when name is not 1 to
 * VGL_CLASS_NAME_MAX-1 characters of [a-zA-Z0-9]. */
vgl_status manifest_check_class_name(const char *name, vgl_error *err);

#endif

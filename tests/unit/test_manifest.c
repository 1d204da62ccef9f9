/* test_manifest.c - Ground Truth manifest parsing: the real cookies manifest,
 * the documented line shapes and the real-data deviations, the class table
 * across lines, and every error, each of which must name its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The tests link only the engine, so the module under test is compiled in. */
#include "manifest.h"

#define COOKIES_MANIFEST VIGIL_DATASETS_DIR "/cookies/train.manifest"

/* The documented classification line (reference section 3.2.1). */
#define DOC_NORMAL_LINE                                                                            \
    "{\"source-ref\":\"s3://my-bucket/circuitboard/train/normal/img_001.jpg\",\"anomaly-label\":0," \
    "\"anomaly-label-metadata\":{\"class-name\":\"normal\",\"type\":\"groundtruth/image-"          \
    "classification\",\"human-annotated\":\"yes\",\"confidence\":1,\"job-name\":\"labeling-job/"   \
    "my-job\",\"creation-date\":\"2022-02-04T22:47:07.000\"}}"

#define LABEL(cls)                                                                                 \
    "\"anomaly-label\":1,\"anomaly-label-metadata\":{\"class-name\":\"" cls                        \
    "\",\"type\":\"groundtruth/image-classification\",\"human-annotated\":\"yes\"}"

/* An anomaly line for src with a mask whose colour map is MAP (an object). */
#define SEG_LINE(src, map)                                                                         \
    "{\"source-ref\":\"" src "\"," LABEL("anomaly") ",\"anomaly-mask-ref\":\"m/" src "\","         \
    "\"anomaly-mask-ref-metadata\":{\"internal-color-map\":" map                                   \
    ",\"type\":\"groundtruth/semantic-segmentation\",\"human-annotated\":\"yes\"}}"

/* ------------------------------------------------------------- helpers */

static char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    text[n] = '\0';
    *size = (size_t)n;
    return text;
}

static void parse_ok(const char *text, manifest *m)
{
    vgl_error err = {0};
    vgl_status status = manifest_parse(text, strlen(text), m, &err);
    if (status != VGL_OK)
        fail_msg("unexpected error: %s", err.message);
}

/* Parses text expecting `status` and a message holding "manifest line N:"
 * and every given fragment. */
static void parse_fails(const char *text, vgl_status status, size_t line, const char *fragment,
                        const char *fragment2)
{
    manifest m;
    vgl_error err = {0};
    char prefix[64];
    snprintf(prefix, sizeof prefix, "manifest line %zu:", line);
    vgl_status got = manifest_parse(text, strlen(text), &m, &err);
    if (got != status || !strstr(err.message, prefix) || (fragment && !strstr(err.message, fragment)) ||
        (fragment2 && !strstr(err.message, fragment2)))
        fail_msg("expected status %d with \"%s\" \"%s\" \"%s\"; got %d: %s", status, prefix,
                 fragment ? fragment : "", fragment2 ? fragment2 : "", got, err.message);
    assert_int_equal(m.count, 0);
    assert_null(m.entries);
}

/* A valid line first, so the failing line is line 2. */
static void line2_fails(const char *line, vgl_status status, const char *fragment)
{
    char text[20000];
    snprintf(text, sizeof text, "%s\n%s\n", DOC_NORMAL_LINE, line);
    parse_fails(text, status, 2, fragment, NULL);
}

static void assert_color(const vgl_class *c, const char *name, uint8_t r, uint8_t g, uint8_t b)
{
    assert_string_equal(c->name, name);
    assert_int_equal(c->color[0], r);
    assert_int_equal(c->color[1], g);
    assert_int_equal(c->color[2], b);
}

/* ------------------------------------------------------------ real data */

static void test_cookies_manifest(void **state)
{
    (void)state;
    size_t size;
    char *text = read_file(COOKIES_MANIFEST, &size);
    manifest m;
    vgl_error err = {0};
    assert_int_equal(manifest_parse(text, size, &m, &err), VGL_OK);
    assert_int_equal(m.count, 63);
    int normal = 0, anomaly = 0;
    for (size_t i = 0; i < m.count; i++) {
        const manifest_entry *e = &m.entries[i];
        assert_int_equal(e->line, i + 1);
        assert_true(strncmp(e->source_ref, "training-images/", 16) == 0);
        if (e->label == VGL_LABEL_NORMAL) {
            normal++;
            assert_null(e->mask_ref);
            assert_int_equal(e->n_classes, 0);
        } else {
            assert_int_equal(e->label, VGL_LABEL_ANOMALY);
            anomaly++;
            assert_non_null(e->mask_ref);
            assert_true(strncmp(e->mask_ref, "mask-images/", 12) == 0);
            assert_int_equal(e->n_classes, 1);
            assert_color(&e->classes[0], "cracked", 0x23, 0xa4, 0x36);
            assert_int_equal(e->class_ids[0], 1);
        }
    }
    assert_int_equal(normal, 31);
    assert_int_equal(anomaly, 32);
    assert_int_equal(m.n_classes, 1);
    assert_color(&m.classes[0], "cracked", 0x23, 0xa4, 0x36);
    assert_int_equal(m.class_lines[0], 1);
    assert_int_equal(manifest_find(&m, "training-images/anomaly-1.jpg"), 0);
    assert_int_equal(manifest_find(&m, "training-images/normal-31.jpg") >= 0, 1);
    assert_int_equal(manifest_find(&m, "training-images/nope.jpg"), -1);
    manifest_free(&m);
    free(text);
}

/* Each real line alone through manifest_parse_line, as the server would. */
static void test_cookies_lines_one_by_one(void **state)
{
    (void)state;
    size_t size;
    char *text = read_file(COOKIES_MANIFEST, &size);
    size_t line = 0;
    for (char *p = text; p < text + size; line++) {
        char *nl = memchr(p, '\n', (size_t)(text + size - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(text + size - p);
        manifest_entry e;
        vgl_error err = {0};
        assert_int_equal(manifest_parse_line(p, n, line + 1, &e, &err), VGL_OK);
        assert_int_equal(e.line, line + 1);
        assert_null(e.class_ids); /* only a manifest maps classes */
        manifest_entry_free(&e);
        p += n + 1;
    }
    assert_int_equal(line, 63);
    free(text);
}

/* ------------------------------------------------------ documented lines */

static void test_doc_classification_line(void **state)
{
    (void)state;
    manifest_entry e;
    vgl_error err = {0};
    assert_int_equal(manifest_parse_line(DOC_NORMAL_LINE, strlen(DOC_NORMAL_LINE), 7, &e, &err),
                     VGL_OK);
    assert_string_equal(e.source_ref, "s3://my-bucket/circuitboard/train/normal/img_001.jpg");
    assert_int_equal(e.label, VGL_LABEL_NORMAL);
    assert_null(e.mask_ref);
    assert_int_equal(e.n_classes, 0);
    assert_int_equal(e.line, 7);
    manifest_entry_free(&e);
}

/* The aws-samples Lab names the attribute auto-label and uses 1 for normal:
 * the name is free and the number ignored. */
static void test_custom_label_attribute(void **state)
{
    (void)state;
    manifest m;
    parse_ok("{\"source-ref\":\"s3://b/a.jpg\",\"auto-label\":1,\"auto-label-metadata\":{"
             "\"class-name\":\"normal\",\"type\":\"groundtruth/image-classification\","
             "\"job-name\":\"labeling-job/auto-label\"}}\n"
             "{\"source-ref\":\"s3://b/b.jpg\",\"auto-label\":0,\"auto-label-metadata\":{"
             "\"class-name\":\"anomaly\",\"type\":\"groundtruth/image-classification\"},"
             "\"defect-ref\":\"s3://b/b.png\",\"defect-ref-metadata\":{\"internal-color-map\":{"
             "\"0\":{\"class-name\":\"dent\",\"hex-color\":\"#4DD8FF\"}},"
             "\"type\":\"groundtruth/semantic-segmentation\"}}\n"
             /* metadata of other tools and a value-less label are fine */
             "{\"source-ref\":\"s3://b/c.jpg\",\"x-metadata\":\"free text\",\"y-metadata\":{\"a\":1},"
             "\"lbl-metadata\":{\"class-name\":\"anomaly\",\"type\":\"groundtruth/image-classification\"}}\n",
             &m);
    assert_int_equal(m.count, 3);
    assert_int_equal(m.entries[0].label, VGL_LABEL_NORMAL);
    assert_int_equal(m.entries[1].label, VGL_LABEL_ANOMALY);
    assert_string_equal(m.entries[1].mask_ref, "s3://b/b.png");
    assert_color(&m.entries[1].classes[0], "dent", 0x4d, 0xd8, 0xff);
    assert_int_equal(m.entries[2].label, VGL_LABEL_ANOMALY);
    manifest_free(&m);
}

static void test_unlabelled_lines(void **state)
{
    (void)state;
    manifest m;
    parse_ok("{\"source-ref\":\"a.jpg\"}\n"
             "{\"source-ref\":\"b.jpg\"," LABEL("Normal") "}\n"
             "{\"source-ref\":\"c.jpg\"," LABEL("scratch") "}\n"
             /* classification metadata of another type is not a label */
             "{\"source-ref\":\"d.jpg\",\"l\":0,\"l-metadata\":{\"class-name\":\"normal\","
             "\"type\":\"groundtruth/something-else\"}}\n",
             &m);
    assert_int_equal(m.count, 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(m.entries[i].label, VGL_LABEL_NONE);
    manifest_free(&m);
}

static void test_colour_case_and_background(void **state)
{
    (void)state;
    manifest m;
    parse_ok(SEG_LINE("a.jpg", "{\"0\":{\"class-name\":\"BACKGROUND\",\"hex-color\":\"#ffffff\","
                               "\"confidence\":0.0},\"1\":{\"class-name\":\"scratch\",\"hex-color\":"
                               "\"#7ed321\",\"confidence\":0.0}}") "\n"
             SEG_LINE("b.jpg", "{\"0\":{\"class-name\":\"background\",\"hex-color\":\"#FFFFFF\"},"
                               "\"1\":{\"class-name\":\"scratch\",\"hex-color\":\"#7ED321\"}}") "\n"
             /* the SageMaker-migration dummy mask of a normal image */
             "{\"source-ref\":\"c.jpg\"," LABEL("normal") ",\"anomaly-mask-ref\":\"m/c.png\","
             "\"anomaly-mask-ref-metadata\":{\"internal-color-map\":{\"0\":{\"class-name\":"
             "\"BACKGROUND\",\"hex-color\":\"#ffffff\"}},\"type\":\"groundtruth/semantic-"
             "segmentation\"}}\n",
             &m);
    assert_int_equal(m.n_classes, 1);
    assert_color(&m.classes[0], "scratch", 0x7e, 0xd3, 0x21);
    assert_int_equal(m.entries[0].n_classes, 1);
    assert_int_equal(m.entries[1].n_classes, 1);
    assert_int_equal(m.entries[1].class_ids[0], 1);
    assert_int_equal(m.entries[2].label, VGL_LABEL_NORMAL);
    assert_string_equal(m.entries[2].mask_ref, "m/c.png");
    assert_int_equal(m.entries[2].n_classes, 0);
    assert_null(m.entries[2].class_ids);
    manifest_free(&m);
}

/* Classes come in key order ("10" after "2"), the table in order of first
 * appearance, and each line's classes map into it. */
static void test_class_table_across_lines(void **state)
{
    (void)state;
    manifest m;
    parse_ok(SEG_LINE("a.jpg", "{\"10\":{\"class-name\":\"dent\",\"hex-color\":\"#4DD8FF\"},"
                               "\"2\":{\"class-name\":\"scratch\",\"hex-color\":\"#7ED321\"},"
                               "\"0\":{\"class-name\":\"BACKGROUND\",\"hex-color\":\"#ffffff\"}}") "\n"
             "\r\n   \n"
             SEG_LINE("b.jpg", "{\"0\":{\"class-name\":\"dent\",\"hex-color\":\"#4dd8ff\"}}") "\r\n"
             SEG_LINE("c.jpg", "{\"0\":{\"class-name\":\"crack\",\"hex-color\":\"#23A436\"},"
                               "\"1\":{\"class-name\":\"scratch\",\"hex-color\":\"#7ED321\"}}"),
             &m);
    assert_int_equal(m.count, 3);
    assert_int_equal(m.n_classes, 3);
    assert_color(&m.classes[0], "scratch", 0x7e, 0xd3, 0x21);
    assert_color(&m.classes[1], "dent", 0x4d, 0xd8, 0xff);
    assert_color(&m.classes[2], "crack", 0x23, 0xa4, 0x36);
    assert_int_equal(m.class_lines[2], 5);
    /* blank lines are skipped but still counted */
    assert_int_equal(m.entries[0].line, 1);
    assert_int_equal(m.entries[1].line, 4);
    assert_int_equal(m.entries[2].line, 5);
    const manifest_entry *a = &m.entries[0], *b = &m.entries[1], *c = &m.entries[2];
    assert_int_equal(a->n_classes, 2);
    assert_int_equal(a->class_ids[0], 1);
    assert_int_equal(a->class_ids[1], 2);
    assert_int_equal(b->class_ids[0], 2);
    assert_int_equal(c->class_ids[0], 3);
    assert_int_equal(c->class_ids[1], 1);
    manifest_free(&m);
}

static void test_bom_and_no_final_newline(void **state)
{
    (void)state;
    manifest m;
    parse_ok("\xef\xbb\xbf{\"source-ref\":\"a.jpg\"}\n{\"source-ref\":\"b.jpg\"}", &m);
    assert_int_equal(m.count, 2);
    manifest_free(&m);
    parse_ok("", &m);
    assert_int_equal(m.count, 0);
    manifest_free(&m);
}

/* A line may hold 8192 characters, counted as characters, not bytes. */
static void test_line_length_limit(void **state)
{
    (void)state;
    static char line[3 * MANIFEST_LINE_MAX];
    const char *head = "{\"source-ref\":\"a.jpg\",\"note\":\"", *tail = "\"}";
    size_t fill = MANIFEST_LINE_MAX - strlen(head) - strlen(tail), n = 0;
    n += (size_t)sprintf(line, "%s", head);
    for (size_t i = 0; i < fill; i++, n += 2)
        memcpy(line + n, "\xc3\xa9", 2); /* é */
    n += (size_t)sprintf(line + n, "%s", tail);
    manifest_entry e;
    vgl_error err = {0};
    assert_int_equal(manifest_parse_line(line, n, 1, &e, &err), VGL_OK);
    manifest_entry_free(&e);
    /* one more character is too many */
    memmove(line + strlen(head) + 1, line + strlen(head), n - strlen(head));
    line[strlen(head)] = 'x';
    n++;
    assert_int_equal(manifest_parse_line(line, n, 9, &e, &err), VGL_ELIMIT);
    assert_non_null(strstr(err.message, "manifest line 9:"));
    assert_non_null(strstr(err.message, "8193 characters"));
    size_t head_n = strlen(DOC_NORMAL_LINE);
    char *text = malloc(head_n + n + 3);
    memcpy(text, DOC_NORMAL_LINE "\n", head_n + 1);
    memcpy(text + head_n + 1, line, n);
    memcpy(text + head_n + 1 + n, "\n", 2);
    parse_fails(text, VGL_ELIMIT, 2, "at most 8192", NULL);
    free(text);
}

static void test_parse_color(void **state)
{
    (void)state;
    uint8_t rgb[3];
    assert_int_equal(manifest_parse_color("#23A436", rgb), 0);
    assert_int_equal(rgb[0], 0x23);
    assert_int_equal(rgb[1], 0xa4);
    assert_int_equal(rgb[2], 0x36);
    assert_int_equal(manifest_parse_color("#aBcDeF", rgb), 0);
    assert_int_equal(rgb[0], 0xab);
    assert_int_equal(rgb[2], 0xef);
    const char *bad[] = {"23A436", "#23A43", "#23A4366", "#GGGGGG", "#23 436", "", "#"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(manifest_parse_color(bad[i], rgb), -1);
}

static void test_class_names(void **state)
{
    (void)state;
    vgl_error err = {0};
    assert_int_equal(manifest_check_class_name("cracked", &err), VGL_OK);
    assert_int_equal(manifest_check_class_name("Dent2", &err), VGL_OK);
    char name[VGL_CLASS_NAME_MAX + 1];
    memset(name, 'a', sizeof name);
    name[VGL_CLASS_NAME_MAX - 1] = '\0';
    assert_int_equal(manifest_check_class_name(name, &err), VGL_OK);
    name[VGL_CLASS_NAME_MAX - 1] = 'a';
    name[VGL_CLASS_NAME_MAX] = '\0';
    assert_int_equal(manifest_check_class_name(name, &err), VGL_EFORMAT);
    assert_non_null(strstr(err.message, "at most 63"));
    const char *bad[] = {"", "scratch-mark", "two words", "d\xc3\xa9nt", "a_b"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(manifest_check_class_name(bad[i], &err), VGL_EFORMAT);
    assert_non_null(strstr(err.message, "a_b"));
}

/* ----------------------------------------------------------- line errors */

static void test_errors_json(void **state)
{
    (void)state;
    line2_fails("{\"source-ref\":\"a.jpg\"", VGL_EFORMAT, "invalid JSON");
    line2_fails("{\"source-ref\":\"a.jpg\"} {}", VGL_EFORMAT, "invalid JSON");
    line2_fails("not json", VGL_EFORMAT, "invalid JSON");
    line2_fails("{\"source-ref\":\"a.jpg\",\"source-ref\":\"b.jpg\"}", VGL_EFORMAT, "invalid JSON");
    line2_fails("{\"source-ref\":\"a\xff.jpg\"}", VGL_EFORMAT, "invalid JSON");
    line2_fails("[1,2]", VGL_EFORMAT, "an array, not a JSON object");
    line2_fails("\"s3://b/k\"", VGL_EFORMAT, "a string, not a JSON object");
    line2_fails("42", VGL_EFORMAT, "a number, not a JSON object");
}

static void test_errors_source_ref(void **state)
{
    (void)state;
    line2_fails("{\"anomaly-label\":1}", VGL_EFORMAT, "no \"source-ref\"");
    line2_fails("{\"source-ref\":7}", VGL_EFORMAT, "\"source-ref\" is a number, not a string");
    line2_fails("{\"source-ref\":null}", VGL_EFORMAT, "is null, not a string");
    line2_fails("{\"source-ref\":\"\"}", VGL_EFORMAT, "source-ref is empty");
    line2_fails("{\"source-ref\":\"s3://bucket\"}", VGL_EFORMAT, "s3://BUCKET/KEY");
    line2_fails("{\"source-ref\":\"s3:///key.jpg\"}", VGL_EFORMAT, "s3://BUCKET/KEY");
    line2_fails("{\"source-ref\":\"s3://bucket/\"}", VGL_EFORMAT, "s3://BUCKET/KEY");
}

static void test_errors_label(void **state)
{
    (void)state;
    line2_fails("{\"source-ref\":\"a.jpg\",\"l-metadata\":{\"class-name\":1,"
                "\"type\":\"groundtruth/image-classification\"}}",
                VGL_EFORMAT, "\"l-metadata\".\"class-name\" is a number");
    line2_fails("{\"source-ref\":\"a.jpg\",\"l-metadata\":{"
                "\"type\":\"groundtruth/image-classification\"}}",
                VGL_EFORMAT, "\"l-metadata\" has no \"class-name\"");
    line2_fails("{\"source-ref\":\"a.jpg\"," LABEL("normal") ",\"b-metadata\":{\"class-name\":"
                "\"anomaly\",\"type\":\"groundtruth/image-classification\"}}",
                VGL_EFORMAT, "classification labels");
}

static void test_errors_mask(void **state)
{
    (void)state;
    const char *seg = "\"type\":\"groundtruth/semantic-segmentation\"";
    char line[1024];
    snprintf(line, sizeof line,
             "{\"source-ref\":\"a.jpg\",\"anomaly-mask-ref-metadata\":{\"internal-color-map\":{},%s}}",
             seg);
    line2_fails(line, VGL_EFORMAT, "no \"anomaly-mask-ref\"");
    snprintf(line, sizeof line,
             "{\"source-ref\":\"a.jpg\",\"anomaly-mask-ref\":3,\"anomaly-mask-ref-metadata\":{"
             "\"internal-color-map\":{},%s}}",
             seg);
    line2_fails(line, VGL_EFORMAT, "\"anomaly-mask-ref\" is a number");
    snprintf(line, sizeof line,
             "{\"source-ref\":\"a.jpg\",\"mask\":\"m.png\",\"mask-metadata\":{"
             "\"internal-color-map\":{},%s}}",
             seg);
    line2_fails(line, VGL_EFORMAT, "not a mask reference");
    snprintf(line, sizeof line, "{\"source-ref\":\"a.jpg\",\"source-ref-metadata\":{%s}}", seg);
    line2_fails(line, VGL_EFORMAT, "not a mask reference");
    snprintf(line, sizeof line,
             "{\"source-ref\":\"a.jpg\",\"anomaly-mask-ref\":\"m.png\",\"anomaly-mask-ref-metadata\":{%s}}",
             seg);
    line2_fails(line, VGL_EFORMAT, "no \"internal-color-map\"");
    snprintf(line, sizeof line,
             "{\"source-ref\":\"a.jpg\",\"anomaly-mask-ref\":\"m.png\",\"anomaly-mask-ref-metadata\":{"
             "\"internal-color-map\":[],%s}}",
             seg);
    line2_fails(line, VGL_EFORMAT, "\"internal-color-map\" is an array, not an object");
    snprintf(line, sizeof line,
             "{\"source-ref\":\"a.jpg\",\"a-ref\":\"m.png\",\"a-ref-metadata\":{"
             "\"internal-color-map\":{},%s},\"b-ref\":\"n.png\",\"b-ref-metadata\":{"
             "\"internal-color-map\":{},%s}}",
             seg, seg);
    line2_fails(line, VGL_EFORMAT, "more than one segmentation mask");
    snprintf(line, sizeof line,
             "{\"source-ref\":\"a.jpg\",\"anomaly-mask-ref\":\"s3://b\",\"anomaly-mask-ref-metadata\":{"
             "\"internal-color-map\":{},%s}}",
             seg);
    line2_fails(line, VGL_EFORMAT, "anomaly-mask-ref \"s3://b\" is not of the form");
}

static void test_errors_color_map(void **state)
{
    (void)state;
    line2_fails(SEG_LINE("a.jpg", "{\"x\":{\"class-name\":\"dent\",\"hex-color\":\"#4DD8FF\"}}"),
                VGL_EFORMAT, "key \"x\" is not a number");
    line2_fails(SEG_LINE("a.jpg", "{\"1a\":{\"class-name\":\"dent\",\"hex-color\":\"#4DD8FF\"}}"),
                VGL_EFORMAT, "key \"1a\" is not a number");
    line2_fails(SEG_LINE("a.jpg", "{\"0\":\"dent\"}"), VGL_EFORMAT,
                "\"0\" is a string, not an object");
    line2_fails(SEG_LINE("a.jpg", "{\"0\":{\"hex-color\":\"#4DD8FF\"}}"), VGL_EFORMAT,
                "no \"class-name\" string");
    line2_fails(SEG_LINE("a.jpg", "{\"0\":{\"class-name\":\"dent\"}}"), VGL_EFORMAT,
                "no \"hex-color\" string");
    line2_fails(SEG_LINE("a.jpg", "{\"0\":{\"class-name\":\"dent\",\"hex-color\":4}}"),
                VGL_EFORMAT, "no \"hex-color\" string");
    const char *bad_colors[] = {"#4DD8F", "4DD8FF0", "#4DD8FG", "red", ""};
    for (size_t i = 0; i < sizeof bad_colors / sizeof *bad_colors; i++) {
        char line[1024], map[256];
        snprintf(map, sizeof map, "{\"0\":{\"class-name\":\"dent\",\"hex-color\":\"%s\"}}",
                 bad_colors[i]);
        snprintf(line, sizeof line, SEG_LINE("a.jpg", "%s"), map);
        line2_fails(line, VGL_EFORMAT, "#rrggbb");
    }
    /* even a BACKGROUND colour must be a colour */
    line2_fails(SEG_LINE("a.jpg", "{\"0\":{\"class-name\":\"BACKGROUND\",\"hex-color\":\"white\"}}"),
                VGL_EFORMAT, "hex-color \"white\"");
}

static void test_errors_class_names(void **state)
{
    (void)state;
    line2_fails(SEG_LINE("a.jpg", "{\"0\":{\"class-name\":\"scratch-mark\",\"hex-color\":\"#4DD8FF\"}}"),
                VGL_EFORMAT, "\"scratch-mark\" may hold only letters and digits");
    line2_fails(SEG_LINE("a.jpg", "{\"0\":{\"class-name\":\"\",\"hex-color\":\"#4DD8FF\"}}"),
                VGL_EFORMAT, "empty");
    line2_fails(SEG_LINE("a.jpg", "{\"0\":{\"class-name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                  "aaaaaaaaaaaaaaaaaaaaaaaaa\",\"hex-color\":\"#4DD8FF\"}}"),
                VGL_EFORMAT, "65 characters");
}

static void test_errors_classes_on_a_line(void **state)
{
    (void)state;
    line2_fails(SEG_LINE("a.jpg", "{\"0\":{\"class-name\":\"dent\",\"hex-color\":\"#4DD8FF\"},"
                                  "\"1\":{\"class-name\":\"dent\",\"hex-color\":\"#7ED321\"}}"),
                VGL_EFORMAT, "names and colours must match one to one");
    line2_fails(SEG_LINE("a.jpg", "{\"0\":{\"class-name\":\"dent\",\"hex-color\":\"#4DD8FF\"},"
                                  "\"1\":{\"class-name\":\"scratch\",\"hex-color\":\"#4dd8ff\"}}"),
                VGL_EFORMAT, "names and colours must match one to one");
    /* a repeat with the same name and colour is harmless */
    manifest m;
    parse_ok(SEG_LINE("a.jpg", "{\"0\":{\"class-name\":\"dent\",\"hex-color\":\"#4DD8FF\"},"
                               "\"1\":{\"class-name\":\"dent\",\"hex-color\":\"#4dd8ff\"}}"),
             &m);
    assert_int_equal(m.entries[0].n_classes, 1);
    manifest_free(&m);
}

/* A colour map of n classes c<first>.. with colours #0000<index>. */
static void make_map(char *out, size_t size, int first, int n)
{
    size_t pos = (size_t)snprintf(out, size, "{");
    for (int i = 0; i < n; i++)
        pos += (size_t)snprintf(out + pos, size - pos,
                                "%s\"%d\":{\"class-name\":\"c%d\",\"hex-color\":\"#00%04X\"}",
                                i ? "," : "", i, first + i, first + i);
    snprintf(out + pos, size - pos, "}");
}

static void test_errors_class_limits(void **state)
{
    (void)state;
    char map[4096], line[8192];
    make_map(map, sizeof map, 0, MANIFEST_LINE_CLASSES_MAX + 1);
    snprintf(line, sizeof line, SEG_LINE("a.jpg", "%s"), map);
    line2_fails(line, VGL_ELIMIT, "more than 20 anomaly classes");

    /* 20 a line is fine; the 101st class of the manifest is not */
    size_t cap = 64 * 8192, pos = 0;
    char *text = malloc(cap);
    for (int l = 0; l < 6; l++) {
        char ref[32];
        snprintf(ref, sizeof ref, "img%d.jpg", l);
        make_map(map, sizeof map, l * 20, 20);
        pos += (size_t)snprintf(text + pos, cap - pos,
                                "{\"source-ref\":\"%s\"," LABEL("anomaly") ",\"anomaly-mask-ref\":"
                                "\"m.png\",\"anomaly-mask-ref-metadata\":{\"internal-color-map\":%s,"
                                "\"type\":\"groundtruth/semantic-segmentation\"}}\n",
                                ref, map);
        if (l == 4) {
            manifest m;
            parse_ok(text, &m);
            assert_int_equal(m.n_classes, 100);
            assert_int_equal(m.entries[4].class_ids[19], 100);
            manifest_free(&m);
        }
    }
    parse_fails(text, VGL_ELIMIT, 6, "class \"c100\"", "at most 100");
    free(text);
}

static void test_errors_across_lines(void **state)
{
    (void)state;
    parse_fails(DOC_NORMAL_LINE "\n{\"source-ref\":\"b.jpg\"}\n\n" DOC_NORMAL_LINE "\n", VGL_EFORMAT,
                4, "already on line 1", "img_001.jpg");
    parse_fails(SEG_LINE("a.jpg", "{\"0\":{\"class-name\":\"dent\",\"hex-color\":\"#4DD8FF\"}}") "\n"
                SEG_LINE("b.jpg", "{\"0\":{\"class-name\":\"dent\",\"hex-color\":\"#7ED321\"}}"),
                VGL_EFORMAT, 2, "class \"dent\" has colour #7ED321 here but #4DD8FF on line 1",
                NULL);
    parse_fails(SEG_LINE("a.jpg", "{\"0\":{\"class-name\":\"dent\",\"hex-color\":\"#4DD8FF\"}}") "\n"
                "\n"
                SEG_LINE("b.jpg", "{\"0\":{\"class-name\":\"scratch\",\"hex-color\":\"#4dd8ff\"}}"),
                VGL_EFORMAT, 3, "colour #4DD8FF names class \"scratch\" here but \"dent\" on line 1",
                NULL);
}

/* A failed manifest_add_line leaves the manifest as it was. */
static void test_add_line_is_atomic(void **state)
{
    (void)state;
    manifest m;
    manifest_init(&m);
    vgl_error err = {0};
    int added = -1;
    const char *a = SEG_LINE("a.jpg", "{\"0\":{\"class-name\":\"dent\",\"hex-color\":\"#4DD8FF\"}}");
    const char *b = SEG_LINE("b.jpg", "{\"0\":{\"class-name\":\"scratch\",\"hex-color\":\"#7ED321\"},"
                                      "\"1\":{\"class-name\":\"dent\",\"hex-color\":\"#000000\"}}");
    assert_int_equal(manifest_add_line(&m, a, strlen(a), 1, &added, &err), VGL_OK);
    assert_int_equal(added, 1);
    assert_int_equal(manifest_add_line(&m, "  ", 2, 2, &added, &err), VGL_OK);
    assert_int_equal(added, 0);
    assert_int_equal(manifest_add_line(&m, b, strlen(b), 3, &added, &err), VGL_EFORMAT);
    assert_int_equal(added, 0);
    assert_non_null(strstr(err.message, "manifest line 3:"));
    assert_int_equal(m.count, 1);
    assert_int_equal(m.n_classes, 1); /* scratch was not kept */
    assert_int_equal(manifest_find(&m, "b.jpg"), -1);
    assert_int_equal(manifest_add_line(&m, a, strlen(a), 4, &added, &err), VGL_EFORMAT);
    assert_non_null(strstr(err.message, "already on line 1"));
    manifest_free(&m);
}

/* Many lines: the source-ref index grows and still finds everything. */
static void test_many_lines(void **state)
{
    (void)state;
    manifest m;
    manifest_init(&m);
    vgl_error err = {0};
    char line[128];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(line, sizeof line, "{\"source-ref\":\"s3://b/img-%d.jpg\"}", i);
        assert_int_equal(manifest_add_line(&m, line, (size_t)n, (size_t)i + 1, NULL, &err), VGL_OK);
    }
    for (int i = 0; i < 5000; i += 7) {
        snprintf(line, sizeof line, "s3://b/img-%d.jpg", i);
        assert_int_equal(manifest_find(&m, line), i);
    }
    int n = snprintf(line, sizeof line, "{\"source-ref\":\"s3://b/img-4321.jpg\"}");
    assert_int_equal(manifest_add_line(&m, line, (size_t)n, 5001, NULL, &err), VGL_EFORMAT);
    assert_non_null(strstr(err.message, "already on line 4322"));
    manifest_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookies_manifest),
        cmocka_unit_test(test_cookies_lines_one_by_one),
        cmocka_unit_test(test_doc_classification_line),
        cmocka_unit_test(test_custom_label_attribute),
        cmocka_unit_test(test_unlabelled_lines),
        cmocka_unit_test(test_colour_case_and_background),
        cmocka_unit_test(test_class_table_across_lines),
        cmocka_unit_test(test_bom_and_no_final_newline),
        cmocka_unit_test(test_line_length_limit),
        cmocka_unit_test(test_parse_color),
        cmocka_unit_test(test_class_names),
        cmocka_unit_test(test_errors_json),
        cmocka_unit_test(test_errors_source_ref),
        cmocka_unit_test(test_errors_label),
        cmocka_unit_test(test_errors_mask),
        cmocka_unit_test(test_errors_color_map),
        cmocka_unit_test(test_errors_class_names),
        cmocka_unit_test(test_errors_classes_on_a_line),
        cmocka_unit_test(test_errors_class_limits),
        cmocka_unit_test(test_errors_across_lines),
        cmocka_unit_test(test_add_line_is_atomic),
        cmocka_unit_test(test_many_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

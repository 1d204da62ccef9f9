/*
 * test_model_file.c - trained models in files: save -> load gives a model
 * with the same accessors, detections (decision, confidence to 1e-6, class
 * map) and evaluation as the one in memory, and so does saving a loaded
 * model again; damaged files (truncated, a flipped byte, a backbone, not a
 * model file) are refused with VGL_EFORMAT and a message, never a crash; and
 * so are well-formed files whose model keys or tensors are missing or hold
 * nonsense (rewritten here with the model-file reader and writer).
 *
 * The models are trained here on synthetic data (the generator of
 * test_train.c): 128x96 images of a textured "product", anomalous ones with
 * a dark scratch (class 1) or a bright blob (class 2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "vigil.h"

#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "synthetic_models.h"

/* ------------------------------------------------------------- fixture */

/* The two models, also saved in a scratch directory. */
typedef struct fixture {
    synth_models models;
    char dir[1024];
    char classification_path[PATH_MAX], segmentation_path[PATH_MAX];
} fixture;

static int save_model(const vgl_model *model, const char *path)
{
    vgl_error err = {0};
    if (vgl_model_save(model, path, &err)) {
        fprintf(stderr, "saving failed: %s\n", err.message);
        return -1;
    }
    return 0;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    *state = fx;
    const char *tmp = getenv("TMPDIR");
    int n = snprintf(fx->dir, sizeof fx->dir, "%s/vigil-model-file-XXXXXX",
                     tmp && *tmp ? tmp : "/tmp");
    if (n <= 0 || (size_t)n >= sizeof fx->dir || !mkdtemp(fx->dir)) {
        fx->dir[0] = '\0';
        return -1;
    }
    snprintf(fx->classification_path, PATH_MAX, "%.1024s/classification.vgm", fx->dir);
    snprintf(fx->segmentation_path, PATH_MAX, "%.1024s/segmentation.vgm", fx->dir);
    if (synth_models_train(&fx->models, 30))
        return -1;
    return save_model(fx->models.classification, fx->classification_path) ||
           save_model(fx->models.segmentation, fx->segmentation_path);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    fixture *fx = *state;
    synth_models_free(&fx->models);
    int rc = fx->dir[0] ? nftw(fx->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) : 0;
    free(fx);
    return rc;
}

static void path_in(const fixture *fx, const char *name, char *out)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", fx->dir, name);
    assert_true(n > 0 && n < PATH_MAX);
}

static vgl_model *load(const char *path)
{
    vgl_model *model = NULL;
    vgl_error err = {0};
    if (vgl_model_load(path, &model, &err))
        fail_msg("loading %s failed: %s", path, err.message);
    return model;
}

/* ------------------------------------------------------------- round trips */

static void assert_same_accessors(const vgl_model *a, const vgl_model *b)
{
    int aw, ah, bw, bh;
    vgl_model_image_size(a, &aw, &ah);
    vgl_model_image_size(b, &bw, &bh);
    assert_int_equal(aw, bw), assert_int_equal(ah, bh);
    assert_int_equal(vgl_model_is_segmentation(a), vgl_model_is_segmentation(b));
    assert_int_equal(vgl_model_class_count(a), vgl_model_class_count(b));
    for (int c = 0; c < vgl_model_class_count(a); c++) {
        assert_string_equal(vgl_model_class(a, c)->name, vgl_model_class(b, c)->name);
        assert_memory_equal(vgl_model_class(a, c)->color, vgl_model_class(b, c)->color, 3);
    }
}

static void assert_same_detection(const vgl_detection *a, const vgl_detection *b, int n_classes)
{
    assert_int_equal(a->is_anomalous, b->is_anomalous);
    assert_float_equal(a->confidence, b->confidence, 1e-6);
    assert_float_equal(a->score, b->score, 1e-6);
    assert_int_equal(a->class_map != NULL, b->class_map != NULL);
    if (a->class_map) {
        assert_memory_equal(a->class_map, b->class_map, (size_t)a->width * a->height);
        for (int c = 0; c <= n_classes; c++)
            assert_float_equal(a->class_fraction[c], b->class_fraction[c], 1e-12);
    }
}

/* Both models answer alike on a normal, a scratched and a blotched image
 * (three are enough: sanitized builds run the backbone slowly). */
static void assert_same_answers(fixture *fx, const vgl_model *a, const vgl_model *b)
{
    vgl_error err = {0};
    const size_t probes[3] = {0, PROBE_NORMAL, PROBE_NORMAL + 1};
    for (int k = 0; k < 3; k++) {
        size_t i = probes[k];
        vgl_image image;
        vgl_detection da, db;
        if (synth_load(&fx->models.probe, i, &image, NULL, &err))
            fail_msg("%s", err.message);
        assert_int_equal(vgl_model_detect(a, &image, 1, &da, &err), VGL_OK);
        assert_int_equal(vgl_model_detect(b, &image, 1, &db, &err), VGL_OK);
        assert_same_detection(&da, &db, vgl_model_class_count(a));
        vgl_detection_free(&da), vgl_detection_free(&db);
        vgl_image_free(&image);
    }
}

static void assert_same_evaluation(fixture *fx, const vgl_model *a, const vgl_model *b)
{
    vgl_evaluation ea, eb;
    vgl_error err = {0};
    assert_int_equal(vgl_evaluate(a, &fx->models.probe.dataset, 1, NULL, NULL, &ea, &err), VGL_OK);
    assert_int_equal(vgl_evaluate(b, &fx->models.probe.dataset, 1, NULL, NULL, &eb, &err), VGL_OK);
    assert_int_equal(ea.n_training_images, eb.n_training_images);
    assert_int_equal(ea.n_test_images, eb.n_test_images);
    assert_int_equal(ea.tp, eb.tp), assert_int_equal(ea.fp, eb.fp);
    assert_int_equal(ea.tn, eb.tn), assert_int_equal(ea.fn, eb.fn);
    assert_float_equal(ea.roc_auc, eb.roc_auc, 1e-9);
    assert_int_equal(isnan(ea.pixel_roc_auc), isnan(eb.pixel_roc_auc));
    if (!isnan(ea.pixel_roc_auc))
        assert_float_equal(ea.pixel_roc_auc, eb.pixel_roc_auc, 1e-6);
    for (int c = 0; c < ea.n_classes; c++) {
        assert_string_equal(ea.classes[c].name, eb.classes[c].name);
        assert_float_equal(ea.classes[c].f1, eb.classes[c].f1, 1e-9);
    }
}

/* save -> load, and save the loaded model again -> load: the same model. */
static void round_trip(fixture *fx, const vgl_model *trained, const char *path)
{
    char again[PATH_MAX];
    path_in(fx, "again.vgm", again);
    vgl_model *loaded = load(path);
    assert_same_accessors(trained, loaded);
    assert_same_answers(fx, trained, loaded);
    assert_same_evaluation(fx, trained, loaded);
    vgl_error err = {0};
    if (vgl_model_save(loaded, again, &err))
        fail_msg("saving a loaded model failed: %s", err.message);
    vgl_model *reloaded = load(again);
    assert_same_accessors(trained, reloaded);
    assert_same_answers(fx, trained, reloaded);
    vgl_model_free(reloaded);
    vgl_model_free(loaded);
}

static void test_round_trip_classification(void **state)
{
    fixture *fx = *state;
    round_trip(fx, fx->models.classification, fx->classification_path);
}

static void test_round_trip_segmentation(void **state)
{
    fixture *fx = *state;
    round_trip(fx, fx->models.segmentation, fx->segmentation_path);
}

/* ------------------------------------------------------------- damage */

/* Loads `path` expecting failure with `want`, a message and no model; 0 if
 * so, else -1 with what went wrong appended to `report`. */
static int check_load_fails(const char *path, vgl_status want, const char *what, char *report,
                            size_t report_size)
{
    vgl_model *model = (vgl_model *)path; /* must be cleared */
    vgl_error err = {0};
    vgl_status status = vgl_model_load(path, &model, &err);
    if (status == want && !model && strlen(err.message) > 0)
        return 0;
    size_t used = strlen(report);
    snprintf(report + used, report_size - used, "\n  %s: expected %s, got %s%s (%s)", what,
             vgl_status_name(want), vgl_status_name(status), model ? " and a model" : "",
             err.message);
    if (!status)
        vgl_model_free(model);
    return -1;
}

static void load_fails(const char *path, vgl_status want, const char *what)
{
    char report[1024] = "";
    if (check_load_fails(path, want, what, report, sizeof report))
        fail_msg("%s", report);
}

static uint8_t *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    uint8_t *bytes = malloc((size_t)n);
    assert_non_null(bytes);
    assert_int_equal(fread(bytes, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return bytes;
}

static void write_all(const char *path, const uint8_t *bytes, size_t size)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
}

static void test_truncated(void **state)
{
    fixture *fx = *state;
    char path[PATH_MAX], what[64];
    size_t size;
    uint8_t *bytes = read_all(fx->segmentation_path, &size);
    path_in(fx, "truncated.vgm", path);
    const size_t lengths[] = {0, 1, 7, 8, 63, 64, 65, 200, 4096, size / 2, size - 64, size - 1};
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        write_all(path, bytes, lengths[k]);
        snprintf(what, sizeof what, "truncated to %zu bytes", lengths[k]);
        load_fails(path, VGL_EFORMAT, what);
    }
    free(bytes);
}

static void test_flipped_byte(void **state)
{
    fixture *fx = *state;
    char path[PATH_MAX], what[64];
    size_t size;
    uint8_t *bytes = read_all(fx->segmentation_path, &size);
    path_in(fx, "flipped.vgm", path);
    /* magic, version, file_size, counts, CRCs, tables, tensor data, last padding byte */
    const size_t offsets[] = {0,   8,    17,       25,       41,       57,      61,
                              64,  300,  5000,     size / 3, size / 2, size - 1};
    for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
        bytes[offsets[k]] ^= 0x20;
        write_all(path, bytes, size);
        bytes[offsets[k]] ^= 0x20;
        snprintf(what, sizeof what, "byte %zu flipped", offsets[k]);
        load_fails(path, VGL_EFORMAT, what);
    }
    free(bytes);
}

static void test_foreign_files(void **state)
{
    fixture *fx = *state;
    char path[PATH_MAX];
    vgl_model *model = NULL;
    vgl_error err = {0};
    /* a backbone is a model file, but not a trained model */
    assert_int_equal(vgl_model_load(SYNTH_BACKBONE, &model, &err), VGL_EFORMAT);
    assert_null(model);
    assert_non_null(strstr(err.message, "backbone"));
    path_in(fx, "text.vgm", path);
    static const char text[] = "this is not a Vigil model file, just some text\n";
    write_all(path, (const uint8_t *)text, sizeof text - 1);
    load_fails(path, VGL_EFORMAT, "a text file");
    path_in(fx, "no-such-file.vgm", path);
    load_fails(path, VGL_EIO, "a missing file");
    load_fails(fx->dir, VGL_EIO, "a directory");
}

/* ------------------------------------------------------------- rewrites */

/* One way to spoil a valid model file: leave out a key or tensor, then
 * change or add what `edit` says (it may be NULL). */
typedef void (*edit_fn)(vgl_modelfile_writer *w, const vgl_modelfile *src);

typedef struct rewrite {
    const char *what;
    const char *drop; /* a key or tensor name, or NULL */
    edit_fn edit;
} rewrite;

static int dropped(const rewrite *r, const char *name)
{
    return r->drop && !strcmp(name, r->drop);
}

static void copy_key(vgl_modelfile_writer *w, const vgl_modelfile *src, size_t i)
{
    const char *key = vgl_modelfile_kv_key(src, i);
    size_t n = 0;
    int64_t iv = 0;
    double fv = 0;
    vgl_status status = VGL_OK;
    switch (vgl_modelfile_kv_type(src, i)) {
    case VGL_KV_STRING:
        status = vgl_modelfile_set_string(w, key, vgl_modelfile_get_string(src, key), NULL);
        break;
    case VGL_KV_INT:
        assert_int_equal(vgl_modelfile_get_int(src, key, &iv), VGL_OK);
        status = vgl_modelfile_set_int(w, key, iv, NULL);
        break;
    case VGL_KV_FLOAT:
        assert_int_equal(vgl_modelfile_get_float(src, key, &fv), VGL_OK);
        status = vgl_modelfile_set_float(w, key, fv, NULL);
        break;
    case VGL_KV_INT_ARRAY: {
        const int64_t *values = vgl_modelfile_get_ints(src, key, &n);
        status = vgl_modelfile_set_ints(w, key, values, n, NULL);
        break;
    }
    case VGL_KV_FLOAT_ARRAY: {
        const double *values = vgl_modelfile_get_floats(src, key, &n);
        status = vgl_modelfile_set_floats(w, key, values, n, NULL);
        break;
    }
    }
    assert_int_equal(status, VGL_OK);
}

static void copy_tensor(vgl_modelfile_writer *w, const vgl_tensor_info *t)
{
    assert_int_equal(
        vgl_modelfile_add_tensor(w, t->name, t->dtype, t->ndim, t->shape, t->data, NULL), VGL_OK);
}

/* Copies every key and tensor of src but those dropped, applies r->edit, writes dst. */
static void rewrite_file(const char *src_path, const char *dst_path, const rewrite *r)
{
    vgl_modelfile *src = NULL;
    vgl_error err = {0};
    if (vgl_modelfile_open(src_path, &src, &err))
        fail_msg("%s", err.message);
    vgl_modelfile_writer *w = vgl_modelfile_writer_create();
    assert_non_null(w);
    for (size_t i = 0; i < vgl_modelfile_kv_count(src); i++)
        if (!dropped(r, vgl_modelfile_kv_key(src, i)))
            copy_key(w, src, i);
    for (size_t i = 0; i < vgl_modelfile_tensor_count(src); i++) {
        const vgl_tensor_info *t = vgl_modelfile_tensor_at(src, i);
        if (!dropped(r, t->name))
            copy_tensor(w, t);
    }
    if (r->edit)
        r->edit(w, src);
    if (vgl_modelfile_write(w, dst_path, &err))
        fail_msg("%s", err.message);
    vgl_modelfile_writer_free(w);
    vgl_modelfile_close(src);
}

static void set_ints(vgl_modelfile_writer *w, const char *key, const int64_t *v, size_t n)
{
    assert_int_equal(vgl_modelfile_set_ints(w, key, v, n, NULL), VGL_OK);
}

static void set_string(vgl_modelfile_writer *w, const char *key, const char *value)
{
    assert_int_equal(vgl_modelfile_set_string(w, key, value, NULL), VGL_OK);
}

static void set_float(vgl_modelfile_writer *w, const char *key, double value)
{
    assert_int_equal(vgl_modelfile_set_float(w, key, value, NULL), VGL_OK);
}

static void set_int(vgl_modelfile_writer *w, const char *key, int64_t value)
{
    assert_int_equal(vgl_modelfile_set_int(w, key, value, NULL), VGL_OK);
}

#define EDIT(name, body)                                                                           \
    static void name(vgl_modelfile_writer *w, const vgl_modelfile *src)                            \
    {                                                                                              \
        (void)src;                                                                                 \
        body;                                                                                      \
    }

EDIT(kind_backbone, set_string(w, "general.kind", "backbone"))
EDIT(image_size_zero, set_ints(w, "model.image_size", (int64_t[]){0, 96}, 2))
EDIT(image_size_negative, set_ints(w, "model.image_size", (int64_t[]){-128, 96}, 2))
EDIT(image_size_huge, set_ints(w, "model.image_size", (int64_t[]){128, (int64_t)1 << 40}, 2))
EDIT(image_size_one_value, set_ints(w, "model.image_size", (int64_t[]){128}, 1))
EDIT(image_size_string, set_string(w, "model.image_size", "128x96"))
EDIT(work_size_tiny, set_ints(w, "model.work_size", (int64_t[]){16, 16}, 2))
EDIT(work_size_huge, set_ints(w, "model.work_size", (int64_t[]){100000, 192}, 2))
EDIT(fine_layer_unknown, set_string(w, "model.feature_fine", "no_such_layer"))
EDIT(coarse_layer_pruned, set_string(w, "model.feature_coarse", "block_16_project"))
EDIT(fine_layer_other_width, set_string(w, "model.feature_fine", "block_3_add"))
EDIT(threshold_nan, set_float(w, "model.threshold", NAN))
EDIT(slope_infinite, set_float(w, "model.calibration_slope", INFINITY))
EDIT(training_images_negative, set_int(w, "model.training_images", -1))
EDIT(patch_score_unknown, set_string(w, "model.patch_score", "nearest"))
EDIT(patch_score_int, set_int(w, "model.patch_score", 0))
/* the segmentation model may well score by distance alone: make it need its defect bank */
EDIT(patch_score_defect_contrast, set_string(w, "model.patch_score", "defect_contrast"))
EDIT(class_count_huge, set_int(w, "model.class_count", VGL_MAX_CLASSES + 1))
EDIT(class_count_negative, set_int(w, "model.class_count", -1))
EDIT(class_count_one_more, set_int(w, "model.class_count", 3))
EDIT(class_name_long, set_string(w, "model.class.1.name",
                                 "a class name far too long to fit in the sixty-four bytes "
                                 "that a vgl_class has for it"))
EDIT(class_color_short, set_ints(w, "model.class.2.color", (int64_t[]){0, 0}, 2))
EDIT(class_color_out_of_range, set_ints(w, "model.class.2.color", (int64_t[]){0, 0, 300}, 3))
EDIT(pixel_threshold_nan, set_float(w, "model.pixel_threshold", NAN))
EDIT(input_std_zero, assert_int_equal(vgl_modelfile_set_floats(w, "input.std", (double[]){0, 1, 1},
                                                                3, NULL),
                                      VGL_OK))

/* class_labels again, with one label out of 1..n_classes. */
static void add_labels_with(vgl_modelfile_writer *w, const vgl_modelfile *src, int32_t label)
{
    const vgl_tensor_info *t = vgl_modelfile_find_tensor(src, "class_labels");
    assert_non_null(t);
    assert_true(t->nbytes >= sizeof(int32_t));
    int32_t *labels = malloc(t->nbytes);
    assert_non_null(labels);
    memcpy(labels, t->data, t->nbytes);
    labels[t->nbytes / sizeof(int32_t) - 1] = label;
    assert_int_equal(vgl_modelfile_add_tensor(w, "class_labels", VGL_DTYPE_I32, 1, t->shape, labels,
                                              NULL), VGL_OK);
    free(labels);
}

EDIT(class_label_zero, add_labels_with(w, src, 0))
EDIT(class_label_too_big, add_labels_with(w, src, 3))
EDIT(class_label_negative, add_labels_with(w, src, -7))

/* `name` again as float32 rows x cols (the first values of the original). */
static void add_resized(vgl_modelfile_writer *w, const vgl_modelfile *src, const char *name,
                        int64_t rows, int64_t cols)
{
    const vgl_tensor_info *t = vgl_modelfile_find_tensor(src, name);
    assert_non_null(t);
    size_t count = (size_t)rows * (size_t)(cols ? cols : 1);
    float *data = calloc(count ? count : 1, sizeof(float));
    assert_non_null(data);
    size_t have = t->nbytes / sizeof(float);
    memcpy(data, t->data, sizeof(float) * (count < have ? count : have));
    int64_t shape[2] = {rows, cols};
    assert_int_equal(vgl_modelfile_add_tensor(w, name, VGL_DTYPE_F32, cols ? 2 : 1, shape, data,
                                              NULL), VGL_OK);
    free(data);
}

static int64_t rows_of(const vgl_modelfile *src, const char *name)
{
    const vgl_tensor_info *t = vgl_modelfile_find_tensor(src, name);
    assert_non_null(t);
    return t->shape[0];
}

EDIT(bank_narrower, add_resized(w, src, "memory_bank", rows_of(src, "memory_bank"), 127))
EDIT(bank_empty, add_resized(w, src, "memory_bank", 0, 128))

/* `name` again with one value in its middle replaced by `value`. */
static void add_with_value(vgl_modelfile_writer *w, const vgl_modelfile *src, const char *name,
                           float value)
{
    const vgl_tensor_info *t = vgl_modelfile_find_tensor(src, name);
    assert_non_null(t);
    float *data = malloc(t->nbytes);
    assert_non_null(data);
    memcpy(data, t->data, t->nbytes);
    data[t->nbytes / sizeof(float) / 2] = value;
    assert_int_equal(
        vgl_modelfile_add_tensor(w, name, VGL_DTYPE_F32, t->ndim, t->shape, data, NULL), VGL_OK);
    free(data);
}

EDIT(bank_nan, add_with_value(w, src, "memory_bank", NAN))
EDIT(class_bank_infinite, add_with_value(w, src, "class_bank", INFINITY))
EDIT(class_bank_narrower, add_resized(w, src, "class_bank", rows_of(src, "class_bank"), 64))

#define MISSING(name) {.what = name " missing", .drop = name}

static const rewrite missing[] = {
    MISSING("general.kind"),
    MISSING("model.image_size"),
    MISSING("model.work_size"),
    MISSING("model.feature_fine"),
    MISSING("model.feature_coarse"),
    MISSING("model.training_images"),
    MISSING("model.threshold"),
    MISSING("model.calibration_slope"),
    MISSING("model.patch_score"),
    MISSING("model.class_count"),
    MISSING("model.class.1.name"),
    MISSING("model.class.2.color"),
    MISSING("model.pixel_threshold"),
    MISSING("model.pixel_score_max"),
    MISSING("input.mean"),
    MISSING("graph.node_count"),
    MISSING("graph.node.1.op"),
    MISSING("memory_bank"),
    MISSING("class_labels"),
};

static const rewrite altered[] = {
    {.what = "general.kind backbone", .edit = kind_backbone},
    {.what = "image size 0x96", .edit = image_size_zero},
    {.what = "image size -128x96", .edit = image_size_negative},
    {.what = "image size 128x2^40", .edit = image_size_huge},
    {.what = "image size of one value", .edit = image_size_one_value},
    {.what = "image size as a string", .edit = image_size_string},
    {.what = "work size 16x16", .edit = work_size_tiny},
    {.what = "work size 100000x192", .edit = work_size_huge},
    {.what = "unknown fine layer", .edit = fine_layer_unknown},
    {.what = "coarse layer pruned away", .edit = coarse_layer_pruned},
    {.what = "fine layer of another width", .edit = fine_layer_other_width},
    {.what = "threshold NaN", .edit = threshold_nan},
    {.what = "calibration slope infinite", .edit = slope_infinite},
    {.what = "training images -1", .edit = training_images_negative},
    {.what = "unknown patch score", .edit = patch_score_unknown},
    {.what = "patch score as an integer", .edit = patch_score_int},
    {.what = "defect bank missing", .drop = "defect_bank", .edit = patch_score_defect_contrast},
    {.what = "class count 101", .edit = class_count_huge},
    {.what = "class count -1", .edit = class_count_negative},
    {.what = "class count one more than stored", .edit = class_count_one_more},
    {.what = "class name too long", .edit = class_name_long},
    {.what = "class colour of two values", .edit = class_color_short},
    {.what = "class colour component 300", .edit = class_color_out_of_range},
    {.what = "pixel threshold NaN", .edit = pixel_threshold_nan},
    {.what = "input.std 0", .edit = input_std_zero},
    {.what = "class label 0", .drop = "class_labels", .edit = class_label_zero},
    {.what = "class label 3 of 2 classes", .drop = "class_labels", .edit = class_label_too_big},
    {.what = "class label -7", .drop = "class_labels", .edit = class_label_negative},
    {.what = "memory bank one column short", .drop = "memory_bank", .edit = bank_narrower},
    {.what = "memory bank empty", .drop = "memory_bank", .edit = bank_empty},
    {.what = "memory bank holding NaN", .drop = "memory_bank", .edit = bank_nan},
    {.what = "class bank holding infinity", .drop = "class_bank", .edit = class_bank_infinite},
    {.what = "class bank half as wide", .drop = "class_bank", .edit = class_bank_narrower},
};

static void spoil_all(fixture *fx, const rewrite *cases, size_t n)
{
    char path[PATH_MAX];
    path_in(fx, "rewritten.vgm", path);
    char report[4096] = "";
    int failures = 0;
    for (size_t k = 0; k < n; k++) {
        rewrite_file(fx->segmentation_path, path, &cases[k]);
        failures -= check_load_fails(path, VGL_EFORMAT, cases[k].what, report, sizeof report);
    }
    if (failures)
        fail_msg("%d of %zu spoiled files were not refused:%s", failures, n, report);
}

/* The copy itself is faithful: with nothing spoiled the model loads and answers alike. */
static void test_rewrite_unchanged(void **state)
{
    fixture *fx = *state;
    char path[PATH_MAX];
    path_in(fx, "copy.vgm", path);
    rewrite_file(fx->segmentation_path, path, &(rewrite){.what = "nothing"});
    vgl_model *copy = load(path);
    assert_same_answers(fx, fx->models.segmentation, copy);
    vgl_model_free(copy);
}

static void test_missing_keys_and_tensors(void **state)
{
    spoil_all(*state, missing, sizeof missing / sizeof missing[0]);
}

static void test_altered_values(void **state)
{
    spoil_all(*state, altered, sizeof altered / sizeof altered[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_classification),
        cmocka_unit_test(test_round_trip_segmentation),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_flipped_byte),
        cmocka_unit_test(test_foreign_files),
        cmocka_unit_test(test_rewrite_unchanged),
        cmocka_unit_test(test_missing_keys_and_tensors),
        cmocka_unit_test(test_altered_values),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * train_banks.c - the banks of patch features a model searches.
 *
 *  - memory bank: the training part's normal patches, i.e. every patch of
 *    the normal images and, since a mask says where the defect is, the
 *    patches of annotated anomalous images whose neighbourhood holds no
 *    annotated pixel;
 *  - defect bank: the patches that hold annotated pixels;
 *  - class bank (two or more classes): patches that one class mostly
 *    covers, as many per class, so a large defect kind does not outvote a
 *    small one.
 *
 * Each is a greedy k-centre coreset (coreset.h) of its patches, taken in the
 * samples' canonical order.
 */
#include "coreset.h"
#include "error.h"
#include "train_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A tenth of the patches (PatchCore's ratio), but no fewer than BANK_MIN
 * when there are that many, and at most BANK_MAX; patches beyond POOL_MAX
 * are thinned evenly before selection to bound training time. */
#define BANK_RATIO 0.1
#define BANK_MIN 1000
#define BANK_MAX 10000
#define POOL_MAX 200000
/* A grid cell belongs to a class when the class covers this much of it. */
#define CLASS_CELL_COVER 0.5
#define CLASS_BANK_MAX 4096

void train_bank_free(train_bank *b)
{
    vgl_knn_bank_free(&b->search);
    free(b->rows);
    free(b->sources);
    memset(b, 0, sizeof *b);
}

int train_normal_cell(const train_sample *s, size_t c)
{
    return !s->anomaly || (s->clean && s->clean[c]);
}

int train_defect_cell(const train_sample *s, size_t c)
{
    return s->defect && s->defect[c];
}

/* The rows of `taken` pool rows that a coreset of `want` keeps. */
static vgl_status select_rows(const float *pool, const int32_t *pool_sources, size_t taken,
                              size_t dim, size_t want, train_bank *out, vgl_error *err)
{
    size_t *chosen = malloc(sizeof *chosen * (want ? want : 1));
    out->rows = malloc(sizeof(float) * (want ? want : 1) * dim);
    out->sources = malloc(sizeof(int32_t) * (want ? want : 1));
    long got = chosen && out->rows && out->sources
                   ? vgl_coreset_select(pool, taken, (int)dim, want, 0, chosen)
                   : -1;
    for (long i = 0; i < got; i++) {
        memcpy(out->rows + dim * (size_t)i, pool + dim * chosen[i], sizeof(float) * dim);
        out->sources[i] = pool_sources[chosen[i]];
    }
    free(chosen);
    if (got < 0)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory selecting a bank");
    out->size = (size_t)got;
    return VGL_OK;
}

vgl_status train_build_bank(const trainer *t, train_cell_filter wanted, train_bank *out,
                            vgl_error *err)
{
    const vgl_features *f = &t->model->features;
    size_t cells = vgl_features_count(f), dim = (size_t)f->dim, total = 0;
    memset(out, 0, sizeof *out);
    for (size_t k = 0; k < t->n_samples; k++)
        if (!t->is_test[k])
            for (size_t c = 0; c < cells; c++)
                total += wanted(&t->samples[k], c);
    if (total == 0)
        return VGL_OK;
    size_t pool = total < POOL_MAX ? total : POOL_MAX;
    float *rows = malloc(sizeof(float) * pool * dim);
    int32_t *sources = malloc(sizeof(int32_t) * pool);
    if (!rows || !sources) {
        free(rows), free(sources);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory building the memory bank");
    }
    /* every patch, or an evenly spaced subset of them when there are too many */
    size_t taken = 0, seen = 0;
    for (size_t k = 0; k < t->n_samples; k++) {
        const train_sample *s = &t->samples[k];
        for (size_t c = 0; !t->is_test[k] && c < cells; c++) {
            if (!wanted(s, c))
                continue;
            if (taken < pool && seen * pool / total == taken) {
                sources[taken] = (int32_t)k;
                memcpy(rows + dim * taken++, s->features + dim * c, sizeof(float) * dim);
            }
            seen++;
        }
    }
    size_t want = (size_t)ceil(BANK_RATIO * (double)taken);
    want = want < BANK_MIN ? (taken < BANK_MIN ? taken : BANK_MIN) : want;
    want = want > BANK_MAX ? BANK_MAX : want;
    vgl_status status = select_rows(rows, sources, taken, dim, want, out, err);
    free(rows);
    free(sources);
    if (!status)
        status = vgl_model_prepare_bank(&out->search, out->rows, out->size, (int)dim,
                                        "memory bank", err);
    if (status)
        train_bank_free(out);
    return status;
}

/* ------------------------------------------------------------- classes */

/* The class (1..n) covering at least CLASS_CELL_COVER of cell c, or 0. */
static int cell_class(const vgl_features *f, const uint8_t *truth, size_t c, int n_classes)
{
    int cell_w = f->work_width / f->grid_width, cell_h = f->work_height / f->grid_height;
    int gx = (int)(c % (size_t)f->grid_width), gy = (int)(c / (size_t)f->grid_width);
    int counts[VGL_MAX_CLASSES + 1] = {0};
    for (int y = gy * cell_h; y < (gy + 1) * cell_h; y++)
        for (int x = gx * cell_w; x < (gx + 1) * cell_w; x++)
            counts[truth[(size_t)y * f->work_width + x]]++;
    for (int cls = 1; cls <= n_classes; cls++)
        if (counts[cls] >= CLASS_CELL_COVER * cell_w * cell_h)
            return cls;
    return 0;
}

/* A coreset of one class's cells, appended to the model's class bank. */
static vgl_status add_class(trainer *t, int cls, size_t cap, size_t *n, vgl_error *err)
{
    vgl_model *m = t->model;
    const vgl_features *f = &m->features;
    size_t cells = vgl_features_count(f), dim = (size_t)f->dim, total = 0;
    for (size_t k = 0; k < t->n_samples; k++)
        for (size_t c = 0; !t->is_test[k] && t->samples[k].truth && c < cells; c++)
            total += cell_class(f, t->samples[k].truth, c, m->n_classes) == cls;
    if (total == 0)
        return VGL_OK;
    float *pool = malloc(sizeof(float) * total * dim);
    int32_t *sources = calloc(total, sizeof(int32_t));
    size_t taken = 0;
    for (size_t k = 0; pool && sources && k < t->n_samples; k++)
        for (size_t c = 0; !t->is_test[k] && t->samples[k].truth && c < cells; c++)
            if (cell_class(f, t->samples[k].truth, c, m->n_classes) == cls)
                memcpy(pool + dim * taken++, t->samples[k].features + dim * c,
                       sizeof(float) * dim);
    train_bank chosen = {0};
    vgl_status status =
        pool && sources ? select_rows(pool, sources, taken, dim, total < cap ? total : cap,
                                      &chosen, err)
                        : vgl_error_set(err, VGL_ENOMEM, "out of memory building the class bank");
    for (size_t i = 0; !status && i < chosen.size; i++) {
        memcpy(m->owned_class_bank + dim * *n, chosen.rows + dim * i, sizeof(float) * dim);
        m->owned_class_labels[(*n)++] = cls;
    }
    train_bank_free(&chosen);
    free(pool);
    free(sources);
    return status;
}

vgl_status train_build_class_bank(trainer *t, vgl_error *err)
{
    vgl_model *m = t->model;
    const vgl_features *f = &m->features;
    if (m->n_classes < 2)
        return VGL_OK; /* one class: every anomalous pixel is of it */
    size_t dim = (size_t)f->dim, per_class = CLASS_BANK_MAX / (size_t)m->n_classes;
    per_class = per_class < 1 ? 1 : per_class;
    size_t cap = per_class * (size_t)m->n_classes, n = 0;
    m->owned_class_bank = malloc(sizeof(float) * cap * dim);
    m->owned_class_labels = malloc(sizeof(int32_t) * cap);
    if (!m->owned_class_bank || !m->owned_class_labels)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    for (int cls = 1; cls <= m->n_classes; cls++) {
        vgl_status status = add_class(t, cls, per_class, &n, err);
        if (status)
            return status;
    }
    m->class_labels = m->owned_class_labels;
    return vgl_model_prepare_bank(&m->class_bank, m->owned_class_bank, n, (int)dim, "class bank",
                                  err);
}

/*
 * train_samples.c - the labelled images of a training run: features, masks
 * at the working resolution, which cells are defect and which clean, and
 * the canonical order.
 *
 * The canonical order sorts the images by a hash of their label, pixels and
 * mask.  Everything after it (the split, the coreset's first centre and its
 * ties, the thinning of large pools) follows this order, so reordering or
 * renaming the images of a dataset trains the same model.
 */
#include "error.h"
#include "evaluate.h"
#include "train_internal.h"

#include <stdlib.h>
#include <string.h>

#define FNV_OFFSET 1469598103934665603ull
#define FNV_PRIME 1099511628211ull

static uint64_t fnv1a(uint64_t h, const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ bytes[i]) * FNV_PRIME;
    return h;
}

uint64_t train_content_hash(int anomaly, const vgl_image *image, const uint8_t *mask)
{
    int32_t head[3] = {anomaly, image->width, image->height};
    size_t pixels = (size_t)image->width * image->height;
    uint64_t h = fnv1a(FNV_OFFSET, (const uint8_t *)head, sizeof head);
    h = fnv1a(h, image->pixels, pixels * 3);
    return mask ? fnv1a(h, mask, pixels) : h;
}

/* Nearest-neighbour downsizing of a class map to the working resolution. */
static uint8_t *shrink_mask(const uint8_t *mask, int w, int h, int out_w, int out_h)
{
    uint8_t *out = malloc((size_t)out_w * out_h);
    if (!out)
        return NULL;
    for (int y = 0; y < out_h; y++) {
        const uint8_t *row = mask + (size_t)((2 * y + 1) * h / (2 * out_h)) * w;
        for (int x = 0; x < out_w; x++)
            out[(size_t)y * out_w + x] = row[(2 * x + 1) * w / (2 * out_w)];
    }
    return out;
}

/* Marks the cells with annotated pixels (defect) and the cells whose
 * neighbourhood (the cell and the 8 around it: a patch feature sees that
 * far) holds none (clean).  Returns 0, or -1 when out of memory. */
static int mark_cells(const uint8_t *truth, const vgl_features *f, uint8_t **clean,
                      uint8_t **defect)
{
    int gw = f->grid_width, gh = f->grid_height;
    *defect = calloc((size_t)gw * gh, 1);
    *clean = malloc((size_t)gw * gh);
    if (!*defect || !*clean)
        return -1;
    for (int y = 0; y < f->work_height; y++)
        for (int x = 0; x < f->work_width; x++)
            if (truth[(size_t)y * f->work_width + x])
                (*defect)[(size_t)(y * gh / f->work_height) * gw + x * gw / f->work_width] = 1;
    for (int gy = 0; gy < gh; gy++)
        for (int gx = 0; gx < gw; gx++) {
            int near = 0;
            for (int y = gy - 1; y <= gy + 1; y++)
                for (int x = gx - 1; x <= gx + 1; x++)
                    near |= y >= 0 && y < gh && x >= 0 && x < gw && (*defect)[(size_t)y * gw + x];
            (*clean)[(size_t)gy * gw + gx] = !near;
        }
    return 0;
}

/* The class covering most of a mask (0 when it is all background). */
static int dominant_class(const uint8_t *map, size_t pixels, int n_classes)
{
    size_t counts[VGL_MAX_CLASSES + 1] = {0};
    for (size_t p = 0; p < pixels; p++)
        counts[map[p]]++;
    int best = 0;
    for (int c = 1; c <= n_classes; c++)
        if (counts[c] > counts[best] || best == 0)
            best = counts[c] ? c : best;
    return best;
}

static vgl_status check_size(const vgl_model *model, const vgl_sample *sample,
                             const vgl_image *image, vgl_error *err)
{
    if (image->width == model->image_width && image->height == model->image_height)
        return VGL_OK;
    return vgl_error_set(err, VGL_EINVAL,
                         "%s is %dx%d pixels but the other images are %dx%d; all images of a "
                         "project must have the same size",
                         sample->name, image->width, image->height, model->image_width,
                         model->image_height);
}

static vgl_status describe_mask(trainer *t, train_sample *s, const uint8_t *mask,
                                const vgl_image *image, vgl_error *err)
{
    const vgl_features *f = &t->model->features;
    size_t pixels = (size_t)image->width * image->height;
    vgl_status status = vgl_mask_check(mask, pixels, t->dataset->n_classes,
                                       t->dataset->samples[s->index].name, err);
    if (status)
        return status;
    s->truth = shrink_mask(mask, image->width, image->height, f->work_width, f->work_height);
    if (!s->truth || mark_cells(s->truth, f, &s->clean, &s->defect))
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    s->stratum = dominant_class(mask, pixels, t->dataset->n_classes);
    return VGL_OK;
}

static vgl_status describe_sample(trainer *t, train_sample *s, vgl_error *err)
{
    const vgl_dataset *ds = t->dataset;
    const vgl_sample *sample = &ds->samples[s->index];
    vgl_model *model = t->model;
    int want_mask = ds->n_classes > 0 && sample->has_mask;
    vgl_image image = {0};
    uint8_t *mask = NULL;
    vgl_status status = ds->load(ds->context, s->index, &image, want_mask ? &mask : NULL, err);
    if (status)
        return status;
    if (model->image_width == 0) {
        model->image_width = image.width;
        model->image_height = image.height;
        status = vgl_features_init(&model->features, model->network, image.width, image.height, err);
    }
    if (!status)
        status = check_size(model, sample, &image, err);
    const vgl_features *f = &model->features;
    if (!status && !(s->features = malloc(sizeof(float) * vgl_features_count(f) * (size_t)f->dim)))
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory");
    if (!status)
        status = vgl_features_extract(f, &image, t->options->threads, s->features, err);
    if (!status && mask)
        status = describe_mask(t, s, mask, &image, err);
    if (!status)
        s->content = train_content_hash(s->anomaly, &image, mask);
    if (s->anomaly && s->stratum == 0)
        s->stratum = 1;
    free(mask);
    vgl_image_free(&image);
    return status;
}

static int canonical(const void *a, const void *b)
{
    const train_sample *x = a, *y = b;
    if (x->content != y->content)
        return x->content < y->content ? -1 : 1;
    return 0; /* the same label, pixels and mask: interchangeable */
}

vgl_status train_describe_samples(trainer *t, vgl_error *err)
{
    const vgl_dataset *ds = t->dataset;
    t->samples = calloc(ds->count ? ds->count : 1, sizeof *t->samples);
    if (!t->samples)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    for (size_t i = 0; i < ds->count; i++)
        if (ds->samples[i].label != VGL_LABEL_NONE)
            t->samples[t->n_samples++] =
                (train_sample){.index = i, .anomaly = ds->samples[i].label == VGL_LABEL_ANOMALY};
    for (size_t k = 0; k < t->n_samples; k++) {
        vgl_status status = describe_sample(t, &t->samples[k], err);
        if (status)
            return status;
        train_progress(t, "extracting features", k + 1, t->n_samples);
    }
    qsort(t->samples, t->n_samples, sizeof *t->samples, canonical);
    return VGL_OK;
}

void train_free_samples(trainer *t)
{
    for (size_t k = 0; k < t->n_samples; k++) {
        free(t->samples[k].features);
        free(t->samples[k].truth);
        free(t->samples[k].clean);
        free(t->samples[k].defect);
    }
    free(t->samples);
    t->samples = NULL;
    t->n_samples = 0;
}

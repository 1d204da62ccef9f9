/*
 * dataset_local.c - a vgl_dataset over local image and mask files, from a
 * manifest or from a normal/ + anomaly/ (+ masks/) folder; see
 * dataset_local.h for the path rules and the class rules.
 */
#include "dataset_local.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

/* One sample's files and how its mask colours map to class indices. */
struct dataset_item {
    char *image_path;
    char *mask_path; /* NULL without a mask */
    char *mask_ref;  /* the manifest's anomaly-mask-ref as written; NULL in a folder */
    char *name;      /* source-ref, or normal/NAME in a folder */
    size_t line;     /* manifest line; 0 for a folder */
    int n_colors;
    const uint32_t *colors; /* 0xRRGGBB of the anomaly classes in the mask */
    const uint8_t *ids;     /* class index of each colour, 1-based */
    int owns_colors;        /* a manifest line's own arrays, freed with it */
};

struct dataset_local {
    vgl_dataset dataset;
    size_t count;
    struct dataset_item *items;
    vgl_sample *samples;
    vgl_class classes[VGL_MAX_CLASSES];
    /* A folder dataset's masks all map every class. */
    uint32_t all_colors[VGL_MAX_CLASSES];
    uint8_t all_ids[VGL_MAX_CLASSES];
    dataset_file_reader reader; /* NULL: files are read from the disk as they are */
    void *reader_context;
};

/* --------------------------------------------------------------- helpers */

static uint32_t pack_rgb(const uint8_t *rgb)
{
    return (uint32_t)rgb[0] << 16 | (uint32_t)rgb[1] << 8 | rgb[2];
}

/* dir/name, without doubling a slash dir already ends with. */
static char *join_path(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    int slash = a > 0 && dir[a - 1] != '/';
    char *path = malloc(a + slash + b + 1);
    if (!path)
        return NULL;
    memcpy(path, dir, a);
    if (slash)
        path[a] = '/';
    memcpy(path + a + slash, name, b + 1);
    return path;
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* "image PATH (manifest line N)" or "mask PATH": how messages name a file. */
static void describe(const struct dataset_item *item, int mask, char *buf, size_t size)
{
    const char *path = mask ? item->mask_path : item->image_path;
    if (item->line)
        snprintf(buf, size, "%s %.300s (manifest line %zu)", mask ? "mask" : "image", path,
                 item->line);
    else
        snprintf(buf, size, "%s %.300s", mask ? "mask" : "image", path);
}

/* Sets err from an inner error about a file, naming the file. */
static vgl_status file_error(vgl_error *err, const struct dataset_item *item, int mask,
                             const vgl_error *inner)
{
    char what[400];
    describe(item, mask, what, sizeof what);
    return vgl_error_set(err, inner->status, "%s: %s", what, inner->message);
}

/* --------------------------------------------------------- file checks */

/* The format check of the first bytes: JPEG or PNG (mask: PNG only). */
static vgl_status sniff_magic(const uint8_t *magic, size_t size, int mask, vgl_error *err)
{
    vgl_image_format format = vgl_image_sniff(magic, size);
    if (mask && format != VGL_IMAGE_PNG)
        return vgl_error_set(err, VGL_EFORMAT,
                             "a mask must be a PNG file and this one is not (by its first bytes)");
    if (format == VGL_IMAGE_UNKNOWN)
        return vgl_error_set(err, VGL_EFORMAT, "not a JPEG or PNG image (by its first bytes)");
    return VGL_OK;
}

/* The whole file through the dataset's reader, checked as sniff_file does. */
static vgl_status read_checked(const dataset_local *d, const char *path, int mask,
                               uint8_t **data, size_t *size, vgl_error *err)
{
    vgl_status status = d->reader(d->reader_context, path, data, size, err);
    if (status == VGL_OK && *size == 0)
        status = vgl_error_set(err, VGL_EFORMAT, "the file is empty");
    if (status == VGL_OK)
        status = sniff_magic(*data, *size, mask, err);
    if (status != VGL_OK) {
        free(*data);
        *data = NULL;
    }
    return status;
}

/* Stats path and reads its magic bytes: a regular file of 1 byte to the
 * image limit, of one of the two formats (mask: PNG only).  With a reader
 * the whole file is read through it. */
static vgl_status sniff_file(const dataset_local *d, const char *path, int mask, vgl_error *err)
{
    if (d->reader) {
        uint8_t *data = NULL;
        size_t size = 0;
        vgl_status status = read_checked(d, path, mask, &data, &size, err);
        free(data);
        return status;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vgl_error_set(err, VGL_EIO, "cannot open it: %s", strerror(errno));
    struct stat st;
    uint8_t magic[8] = {0};
    ssize_t got = -1;
    vgl_status status = VGL_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        status = vgl_error_set(err, VGL_EIO, "it is not a regular file");
    else if (st.st_size == 0)
        status = vgl_error_set(err, VGL_EFORMAT, "the file is empty");
    else if ((uintmax_t)st.st_size > VGL_IMAGE_MAX_BYTES)
        status = vgl_error_set(err, VGL_ELIMIT, "the file is %jd bytes; the limit is %zu bytes",
                               (intmax_t)st.st_size, VGL_IMAGE_MAX_BYTES);
    else if ((got = read(fd, magic, sizeof magic)) < 0)
        status = vgl_error_set(err, VGL_EIO, "cannot read it: %s", strerror(errno));
    close(fd);
    return status != VGL_OK ? status : sniff_magic(magic, (size_t)got, mask, err);
}

vgl_status dataset_local_check(const dataset_local *d, vgl_error *err)
{
    if (!d)
        return vgl_error_set(err, VGL_EINVAL, "dataset_local_check: no dataset");
    if (d->count == 0)
        return vgl_error_set(err, VGL_EINVAL, "the dataset has no images");
    vgl_error inner;
    for (size_t i = 0; i < d->count; i++) {
        const struct dataset_item *item = &d->items[i];
        if (sniff_file(d, item->image_path, 0, &inner) != VGL_OK)
            return file_error(err, item, 0, &inner);
        if (item->mask_path && sniff_file(d, item->mask_path, 1, &inner) != VGL_OK)
            return file_error(err, item, 1, &inner);
    }
    return VGL_OK;
}

/* ---------------------------------------------------------------- loader */

/* Decodes an image file, through the dataset's reader when it has one. */
static vgl_status read_image(const dataset_local *d, const char *path, int mask,
                             const vgl_image_limits *limits, vgl_image *out, vgl_error *err)
{
    if (!d->reader)
        return vgl_image_read_file(path, limits, out, err);
    uint8_t *data = NULL;
    size_t size = 0;
    vgl_status status = read_checked(d, path, mask, &data, &size, err);
    if (status == VGL_OK)
        status = vgl_image_decode(data, size, limits, out, err);
    free(data);
    return status;
}

/* Decodes a mask after checking it is a PNG: a renamed JPEG would decode
 * but its compression would have smeared the class colours.  Any side from
 * 1 pixel is decoded, so that a mask of the wrong size is reported as
 * such, with both sizes, rather than as too small. */
static vgl_status read_mask(const dataset_local *d, const char *path, vgl_image *out,
                            vgl_error *err)
{
    vgl_image_limits limits = {1, VGL_IMAGE_MAX_SIDE, VGL_IMAGE_MAX_BYTES};
    memset(out, 0, sizeof *out);
    if (d->reader) /* read_image checks the magic of what it reads */
        return read_image(d, path, 1, &limits, out, err);
    vgl_status status = sniff_file(d, path, 1, err);
    if (status != VGL_OK)
        return status;
    return vgl_image_read_file(path, &limits, out, err);
}

/* Writes each pixel's class: the first of the item's colours it equals,
 * else background.  Masks are mostly one colour, so the last match is
 * remembered. */
static void map_colors(const vgl_image *mask, const struct dataset_item *item, uint8_t *out)
{
    size_t n = (size_t)mask->width * (size_t)mask->height;
    uint32_t last = 0xffffffffu;
    uint8_t last_id = 0;
    for (size_t p = 0; p < n; p++) {
        uint32_t rgb = pack_rgb(mask->pixels + 3 * p);
        if (rgb != last) {
            last = rgb;
            last_id = 0;
            for (int k = 0; k < item->n_colors; k++)
                if (item->colors[k] == rgb) {
                    last_id = item->ids[k];
                    break;
                }
        }
        out[p] = last_id;
    }
}

static vgl_status load_mask(const dataset_local *d, const struct dataset_item *item,
                            const vgl_image *image, uint8_t **out, vgl_error *err)
{
    vgl_image mask;
    vgl_error inner;
    if (read_mask(d, item->mask_path, &mask, &inner) != VGL_OK)
        return file_error(err, item, 1, &inner);
    vgl_status status = VGL_OK;
    if (mask.width != image->width || mask.height != image->height) {
        char what[400];
        describe(item, 1, what, sizeof what);
        status = vgl_error_set(err, VGL_EFORMAT,
                               "%s is %dx%d but its image %.300s is %dx%d; a mask has the "
                               "image's size",
                               what, mask.width, mask.height, item->image_path, image->width,
                               image->height);
    } else if (!(*out = malloc((size_t)mask.width * (size_t)mask.height))) {
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory for the mask %.300s",
                               item->mask_path);
    } else {
        map_colors(&mask, item, *out);
    }
    vgl_image_free(&mask);
    return status;
}

static vgl_status load_sample(void *context, size_t index, vgl_image *image, uint8_t **mask,
                              vgl_error *err)
{
    const dataset_local *d = context;
    if (mask)
        *mask = NULL;
    if (image)
        memset(image, 0, sizeof *image);
    if (!image || index >= d->count)
        return vgl_error_set(err, VGL_EINVAL, "sample %zu of a dataset of %zu does not exist",
                             index, d->count);
    const struct dataset_item *item = &d->items[index];
    vgl_error inner;
    if (read_image(d, item->image_path, 0, NULL, image, &inner) != VGL_OK) {
        /* The reader's messages name the file, the decoders' do not. */
        if (!strstr(inner.message, item->image_path))
            return file_error(err, item, 0, &inner);
        if (item->line)
            return vgl_error_set(err, inner.status, "%s (manifest line %zu)", inner.message,
                                 item->line);
        return vgl_error_set(err, inner.status, "%s", inner.message);
    }
    if (!mask || !item->mask_path)
        return VGL_OK;
    vgl_status status = load_mask(d, item, image, mask, err);
    if (status != VGL_OK)
        vgl_image_free(image);
    return status;
}

/* ------------------------------------------------------------- building */

static dataset_local *dataset_alloc(size_t count)
{
    dataset_local *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->items = calloc(count ? count : 1, sizeof *d->items);
    d->samples = calloc(count ? count : 1, sizeof *d->samples);
    if (!d->items || !d->samples) {
        free(d->items);
        free(d->samples);
        free(d);
        return NULL;
    }
    return d;
}

void dataset_local_free(dataset_local *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->count; i++) {
        struct dataset_item *item = &d->items[i];
        free(item->image_path);
        free(item->mask_path);
        free(item->mask_ref);
        free(item->name);
        if (item->owns_colors) {
            free((void *)item->colors);
            free((void *)item->ids);
        }
    }
    free(d->items);
    free(d->samples);
    free(d);
}

/* Fills the vgl_dataset view once the items are complete. */
static void dataset_finish(dataset_local *d, int n_classes)
{
    for (size_t i = 0; i < d->count; i++) {
        d->samples[i].name = d->items[i].name;
        d->samples[i].has_mask = d->items[i].mask_path != NULL;
    }
    d->dataset.count = d->count;
    d->dataset.samples = d->samples;
    d->dataset.load = load_sample;
    d->dataset.context = d;
    d->dataset.n_classes = n_classes;
    d->dataset.classes = d->classes;
}

void dataset_local_set_reader(dataset_local *d, dataset_file_reader reader, void *context)
{
    d->reader = reader;
    d->reader_context = context;
}

const vgl_dataset *dataset_local_dataset(const dataset_local *d)
{
    return d ? &d->dataset : NULL;
}

const char *dataset_local_image_path(const dataset_local *d, size_t index)
{
    return d && index < d->count ? d->items[index].image_path : NULL;
}

const char *dataset_local_mask_path(const dataset_local *d, size_t index)
{
    return d && index < d->count ? d->items[index].mask_path : NULL;
}

const char *dataset_local_mask_ref(const dataset_local *d, size_t index)
{
    if (!d || index >= d->count)
        return NULL;
    return d->items[index].mask_ref ? d->items[index].mask_ref : d->items[index].mask_path;
}

int dataset_local_find_sample(const dataset_local *d, const vgl_sample *sample, size_t *index)
{
    if (!d || d->count == 0)
        return 0;
    uintptr_t first = (uintptr_t)d->samples, p = (uintptr_t)sample;
    if (p < first || p >= first + d->count * sizeof *d->samples)
        return 0;
    *index = (p - first) / sizeof *d->samples;
    return 1;
}

/* ---------------------------------------------------- manifest datasets */

/* An S3 key is a literal name; locally ".." would climb out of the root. */
static int has_dotdot_segment(const char *key)
{
    for (const char *s = key; *s;) {
        size_t n = strcspn(s, "/");
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return 1;
        s += n;
        if (*s == '/')
            s++;
    }
    return 0;
}

/* The local file a reference names; see dataset_local.h for the rules. */
static vgl_status resolve_ref(const char *root, const char *ref, size_t line, char **path,
                              vgl_error *err)
{
    *path = NULL;
    if (strncmp(ref, "s3://", 5) != 0) {
        *path = ref[0] == '/' ? strdup(ref) : join_path(root, ref);
    } else {
        /* manifest_parse_line made sure there is a bucket and a key */
        const char *bucket_key = ref + 5, *slash = strchr(bucket_key, '/');
        const char *key = slash ? slash + 1 : bucket_key;
        if (has_dotdot_segment(key))
            return vgl_error_set(err, VGL_EINVAL,
                                 "manifest line %zu: the key of %.300s has a \"..\" segment, which "
                                 "would leave the root folder",
                                 line, ref);
        *path = join_path(root, bucket_key);
        if (*path && !is_file(*path)) {
            free(*path);
            *path = join_path(root, key);
        }
    }
    if (!*path)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    return VGL_OK;
}

/* The line's colours and class indices, owned by the item. */
static vgl_status copy_line_colors(const manifest_entry *e, struct dataset_item *item,
                                   vgl_error *err)
{
    if (e->n_classes == 0)
        return VGL_OK;
    uint32_t *colors = malloc((size_t)e->n_classes * sizeof *colors);
    uint8_t *ids = malloc((size_t)e->n_classes);
    item->colors = colors;
    item->ids = ids;
    item->owns_colors = 1;
    if (!colors || !ids)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    for (int k = 0; k < e->n_classes; k++) {
        colors[k] = pack_rgb(e->classes[k].color);
        ids[k] = e->class_ids[k];
    }
    item->n_colors = e->n_classes;
    return VGL_OK;
}

static vgl_status item_from_entry(const manifest_entry *e, const char *root,
                                  struct dataset_item *item, vgl_label *label, vgl_error *err)
{
    item->line = e->line;
    *label = e->label;
    item->name = strdup(e->source_ref);
    if (!item->name)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    vgl_status status = resolve_ref(root, e->source_ref, e->line, &item->image_path, err);
    if (status == VGL_OK && e->mask_ref && !(item->mask_ref = strdup(e->mask_ref)))
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory");
    if (status == VGL_OK && e->mask_ref)
        status = resolve_ref(root, e->mask_ref, e->line, &item->mask_path, err);
    if (status == VGL_OK)
        status = copy_line_colors(e, item, err);
    return status;
}

vgl_status dataset_local_from_parsed(const manifest *m, const char *root, dataset_local **out,
                                     vgl_error *err)
{
    if (!out)
        return vgl_error_set(err, VGL_EINVAL, "dataset_local_from_parsed: out is NULL");
    *out = NULL;
    if (!m || !root)
        return vgl_error_set(err, VGL_EINVAL, "dataset_local_from_parsed: no manifest or no root");
    if (!is_dir(root))
        return vgl_error_set(err, VGL_ENOTFOUND, "the root folder %.300s does not exist", root);
    dataset_local *d = dataset_alloc(m->count);
    if (!d)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory for %zu samples", m->count);
    vgl_status status = VGL_OK;
    for (size_t i = 0; i < m->count && status == VGL_OK; i++) {
        d->count = i + 1; /* so dataset_local_free frees a partial item */
        status = item_from_entry(&m->entries[i], root, &d->items[i], &d->samples[i].label, err);
    }
    if (status != VGL_OK) {
        dataset_local_free(d);
        return status;
    }
    memcpy(d->classes, m->classes, sizeof m->classes);
    dataset_finish(d, m->n_classes);
    *out = d;
    return VGL_OK;
}

/* Reads a whole manifest file, refusing one over the service's limit. */
static vgl_status read_text_file(const char *path, char **text, size_t *size, vgl_error *err)
{
    *text = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return vgl_error_set(err, VGL_EIO, "cannot open the manifest %.300s: %s", path,
                             strerror(errno));
    struct stat st;
    vgl_status status = VGL_OK;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
        status = vgl_error_set(err, VGL_EIO, "the manifest %.300s is not a regular file", path);
    else if ((uintmax_t)st.st_size > MANIFEST_MAX_BYTES)
        status = vgl_error_set(err, VGL_ELIMIT, "the manifest %.300s is %jd bytes; the limit is %zu",
                               path, (intmax_t)st.st_size, MANIFEST_MAX_BYTES);
    else if (!(*text = malloc((size_t)st.st_size + 1)))
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory reading the manifest %.300s", path);
    else if ((*size = fread(*text, 1, (size_t)st.st_size, f)) != (size_t)st.st_size || ferror(f))
        status = vgl_error_set(err, VGL_EIO, "cannot read the manifest %.300s", path);
    fclose(f);
    if (status != VGL_OK) {
        free(*text);
        *text = NULL;
    }
    return status;
}

/* The folder part of path ("." when there is none). */
static char *parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *dir = malloc(n + 1);
    if (dir) {
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    return dir;
}

vgl_status dataset_local_from_manifest(const char *manifest_path, const char *root,
                                       dataset_local **out, vgl_error *err)
{
    if (!out || !manifest_path)
        return vgl_error_set(err, VGL_EINVAL, "dataset_local_from_manifest: no path or no output");
    *out = NULL;
    char *text, *dir = root ? NULL : parent_dir(manifest_path);
    size_t size;
    if (!root && !dir)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    vgl_status status = read_text_file(manifest_path, &text, &size, err);
    if (status == VGL_OK) {
        manifest m;
        vgl_error inner;
        status = manifest_parse(text, size, &m, &inner);
        if (status != VGL_OK)
            vgl_error_set(err, status, "%.300s: %s", manifest_path, inner.message);
        else
            status = dataset_local_from_parsed(&m, root ? root : dir, out, err);
        manifest_free(&m);
        free(text);
    }
    free(dir);
    return status;
}

/* ------------------------------------------------------ folder datasets */

static int is_image_name(const char *name)
{
    static const char *const extensions[] = {".jpg", ".jpeg", ".png"};
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        return 0;
    for (size_t i = 0; i < sizeof extensions / sizeof *extensions; i++)
        if (!strcasecmp(dot, extensions[i]))
            return 1;
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct name_list {
    char **names;
    size_t count, capacity;
};

static void name_list_free(struct name_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->names[i]);
    free(list->names);
    memset(list, 0, sizeof *list);
}

static int name_list_add(struct name_list *list, const char *name)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 64;
        char **names = realloc(list->names, capacity * sizeof *names);
        if (!names)
            return -1;
        list->names = names;
        list->capacity = capacity;
    }
    if (!(list->names[list->count] = strdup(name)))
        return -1;
    list->count++;
    return 0;
}

/* The image files directly in dir, sorted; a missing dir gives none. */
static vgl_status list_images(const char *dir, struct name_list *list, vgl_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? VGL_OK
                               : vgl_error_set(err, VGL_EIO, "cannot list the folder %.300s: %s",
                                               dir, strerror(errno));
    vgl_status status = VGL_OK;
    struct dirent *entry;
    while (status == VGL_OK && (entry = readdir(d))) {
        if (entry->d_name[0] == '.' || !is_image_name(entry->d_name))
            continue;
        char *path = join_path(dir, entry->d_name);
        if (!path || (is_file(path) && name_list_add(list, entry->d_name) != 0))
            status = vgl_error_set(err, VGL_ENOMEM, "out of memory listing %.300s", dir);
        free(path);
    }
    closedir(d);
    if (status == VGL_OK && list->count > 1)
        qsort(list->names, list->count, sizeof *list->names, compare_names);
    return status;
}

/* masks/BASE.png for the image BASE.EXT, when that file exists. */
static vgl_status find_mask(const char *masks_dir, const char *image_name, char **mask_path,
                            vgl_error *err)
{
    *mask_path = NULL;
    size_t base = (size_t)(strrchr(image_name, '.') - image_name);
    char *file = malloc(base + 5);
    if (!file)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    memcpy(file, image_name, base);
    memcpy(file + base, ".png", 5);
    char *path = join_path(masks_dir, file);
    free(file);
    if (!path)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    if (is_file(path))
        *mask_path = path;
    else
        free(path);
    return VGL_OK;
}

static vgl_status folder_item(const char *folder, const char *sub, const char *file,
                              const char *masks_dir, struct dataset_item *item, vgl_error *err)
{
    char *rel = join_path(sub, file);
    item->name = rel;
    item->image_path = rel ? join_path(folder, rel) : NULL;
    if (!item->image_path)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    if (masks_dir)
        return find_mask(masks_dir, file, &item->mask_path, err);
    return VGL_OK;
}

/* A caller's class table must be usable in masks and in API answers. */
static vgl_status check_classes(const vgl_class *classes, int n, vgl_error *err)
{
    if (n < 0 || n > VGL_MAX_CLASSES || (n > 0 && !classes))
        return vgl_error_set(err, VGL_EINVAL, "%d anomaly classes given; 0 to %d are allowed", n,
                             VGL_MAX_CLASSES);
    for (int i = 0; i < n; i++) {
        if (!memchr(classes[i].name, '\0', sizeof classes[i].name))
            return vgl_error_set(err, VGL_EINVAL, "anomaly class %d has an unterminated name", i + 1);
        vgl_status status = manifest_check_class_name(classes[i].name, err);
        if (status != VGL_OK)
            return status;
        for (int j = 0; j < i; j++)
            if (!strcmp(classes[i].name, classes[j].name) ||
                pack_rgb(classes[i].color) == pack_rgb(classes[j].color))
                return vgl_error_set(err, VGL_EINVAL,
                                     "anomaly classes \"%s\" and \"%s\" share a name or a colour",
                                     classes[j].name, classes[i].name);
    }
    return VGL_OK;
}

/* Adds the colours of one mask that are neither black (the real masks'
 * background) nor white (the documented background) to the class table. */
static vgl_status collect_mask_colors(dataset_local *d, const struct dataset_item *item,
                                      int *n_classes, vgl_error *err)
{
    vgl_image mask;
    vgl_error inner;
    if (read_mask(d, item->mask_path, &mask, &inner) != VGL_OK)
        return file_error(err, item, 1, &inner);
    size_t n = (size_t)mask.width * (size_t)mask.height;
    uint32_t last = 0;
    vgl_status status = VGL_OK;
    for (size_t p = 0; p < n && status == VGL_OK; p++) {
        uint32_t rgb = pack_rgb(mask.pixels + 3 * p);
        if (rgb == last || rgb == 0 || rgb == 0xffffff)
            continue;
        last = rgb;
        int k = 0;
        while (k < *n_classes && d->all_colors[k] != rgb)
            k++;
        if (k < *n_classes)
            continue;
        if (*n_classes == VGL_MAX_CLASSES) {
            status = vgl_error_set(err, VGL_ELIMIT,
                                   "mask %.300s brings the masks to more than %d colours besides "
                                   "black and white; a dataset has at most %d anomaly classes",
                                   item->mask_path, VGL_MAX_CLASSES, VGL_MAX_CLASSES);
            break;
        }
        d->all_colors[k] = rgb;
        vgl_class *c = &d->classes[k];
        snprintf(c->name, sizeof c->name, "class%d", k + 1);
        c->color[0] = (uint8_t)(rgb >> 16);
        c->color[1] = (uint8_t)(rgb >> 8);
        c->color[2] = (uint8_t)rgb;
        ++*n_classes;
    }
    vgl_image_free(&mask);
    return status;
}

/* The class table: the caller's, or the masks' colours. */
static vgl_status folder_classes(dataset_local *d, const vgl_class *classes, int n,
                                 int *n_classes, vgl_error *err)
{
    *n_classes = 0;
    if (n > 0) {
        memcpy(d->classes, classes, (size_t)n * sizeof *classes);
        for (int k = 0; k < n; k++)
            d->all_colors[k] = pack_rgb(classes[k].color);
        *n_classes = n;
    } else {
        for (size_t i = 0; i < d->count; i++) {
            if (!d->items[i].mask_path)
                continue;
            vgl_status status = collect_mask_colors(d, &d->items[i], n_classes, err);
            if (status != VGL_OK)
                return status;
        }
    }
    for (int k = 0; k < *n_classes; k++)
        d->all_ids[k] = (uint8_t)(k + 1);
    for (size_t i = 0; i < d->count; i++) {
        d->items[i].n_colors = *n_classes;
        d->items[i].colors = d->all_colors;
        d->items[i].ids = d->all_ids;
    }
    return VGL_OK;
}

/* Makes the items of both subfolders, normal first. */
static vgl_status folder_items(dataset_local *d, const char *folder, struct name_list lists[2],
                               const char *masks_dir, vgl_error *err)
{
    static const char *const subs[2] = {"normal", "anomaly"};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < lists[s].count; i++) {
            size_t k = d->count++;
            d->samples[k].label = s == 0 ? VGL_LABEL_NORMAL : VGL_LABEL_ANOMALY;
            vgl_status status = folder_item(folder, subs[s], lists[s].names[i],
                                            s == 1 ? masks_dir : NULL, &d->items[k], err);
            if (status != VGL_OK)
                return status;
        }
    return VGL_OK;
}

static vgl_status list_subfolders(const char *folder, struct name_list lists[2], vgl_error *err)
{
    char *normal = join_path(folder, "normal"), *anomaly = join_path(folder, "anomaly");
    vgl_status status = VGL_OK;
    if (!normal || !anomaly)
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory");
    else if (!is_dir(normal) && !is_dir(anomaly))
        status = vgl_error_set(err, VGL_ENOTFOUND,
                               "%.300s has neither a normal/ nor an anomaly/ subfolder", folder);
    if (status == VGL_OK)
        status = list_images(normal, &lists[0], err);
    if (status == VGL_OK)
        status = list_images(anomaly, &lists[1], err);
    if (status == VGL_OK && lists[0].count + lists[1].count == 0)
        status = vgl_error_set(err, VGL_ENOTFOUND,
                               "%.300s/normal and %.300s/anomaly hold no .jpg, .jpeg or .png "
                               "images",
                               folder, folder);
    free(normal);
    free(anomaly);
    return status;
}

static vgl_status build_folder(const char *folder, const vgl_class *classes, int n_classes,
                               struct name_list lists[2], dataset_local **out, vgl_error *err)
{
    char *masks_dir = join_path(folder, "masks");
    if (!masks_dir)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    dataset_local *d = dataset_alloc(lists[0].count + lists[1].count);
    vgl_status status = VGL_OK;
    int found_classes = 0;
    if (!d)
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory");
    if (status == VGL_OK)
        status = folder_items(d, folder, lists, is_dir(masks_dir) ? masks_dir : NULL, err);
    if (status == VGL_OK)
        status = folder_classes(d, classes, n_classes, &found_classes, err);
    free(masks_dir);
    if (status != VGL_OK) {
        dataset_local_free(d);
        return status;
    }
    dataset_finish(d, found_classes);
    *out = d;
    return VGL_OK;
}

vgl_status dataset_local_from_folder(const char *folder, const vgl_class *classes, int n_classes,
                                     dataset_local **out, vgl_error *err)
{
    if (!out || !folder)
        return vgl_error_set(err, VGL_EINVAL, "dataset_local_from_folder: no folder or no output");
    *out = NULL;
    if (!is_dir(folder))
        return vgl_error_set(err, VGL_ENOTFOUND, "the folder %.300s does not exist", folder);
    vgl_status status = check_classes(classes, n_classes, err);
    if (status != VGL_OK)
        return status;
    struct name_list lists[2] = {{0}, {0}};
    status = list_subfolders(folder, lists, err);
    if (status == VGL_OK)
        status = build_folder(folder, classes, n_classes, lists, out, err);
    name_list_free(&lists[0]);
    name_list_free(&lists[1]);
    return status;
}

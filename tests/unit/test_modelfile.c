/*
 * test_modelfile.c - the model file format: round trips of every metadata
 * type and tensor dtype, the writer's argument checks, atomic writes, and a
 * damage suite (truncations, bit flips, forged fields with valid CRCs) that
 * every open must refuse cleanly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "modelfile_format.h"
#include "vigil.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ------------------------------------------------------------ scratch dir */

typedef struct scratch {
    char dir[1024];
} scratch;

static int setup(void **state)
{
    scratch *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    const char *tmp = getenv("TMPDIR");
    int n = snprintf(s->dir, sizeof s->dir, "%s/vigil-modelfile-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (n <= 0 || (size_t)n >= sizeof s->dir || !mkdtemp(s->dir)) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    scratch *s = *state;
    int rc = nftw(s->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(s);
    return rc;
}

static void path_in(void **state, const char *name, char *out)
{
    const scratch *s = *state;
    int n = snprintf(out, PATH_MAX, "%s/%s", s->dir, name);
    assert_true(n > 0 && n < PATH_MAX);
}

/* Entries in the scratch directory besides . and .. */
static int count_entries(void **state)
{
    const scratch *s = *state;
    DIR *dir = opendir(s->dir);
    assert_non_null(dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(dir));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(dir);
    return n;
}

static uint8_t *read_bytes(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    uint8_t *bytes = malloc((size_t)n + 1);
    assert_non_null(bytes);
    assert_int_equal(fread(bytes, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return bytes;
}

static void write_bytes(const char *path, const uint8_t *bytes, size_t size)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
}

/* Opening path must fail with VGL_EFORMAT and a message naming the file
 * and containing needle (when given). */
static void expect_format_error(const char *path, const char *needle, const char *what)
{
    vgl_modelfile *file = (vgl_modelfile *)&file; /* must be reset to NULL */
    vgl_error err = {0};
    vgl_status status = vgl_modelfile_open(path, &file, &err);
    if (status != VGL_EFORMAT)
        fail_msg("%s: expected VGL_EFORMAT, got %s (%s)", what, vgl_status_name(status),
                 err.message);
    assert_null(file);
    assert_int_equal(err.status, VGL_EFORMAT);
    assert_non_null(strstr(err.message, path));
    if (needle && !strstr(err.message, needle))
        fail_msg("%s: message \"%s\" lacks \"%s\"", what, err.message, needle);
}

/* --------------------------------------------------------------- samples */

static uint32_t next_random(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state;
}

static void fill_random(uint8_t *bytes, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++)
        bytes[i] = (uint8_t)(next_random(&seed) >> 24);
}

static const vgl_dtype all_dtypes[] = {VGL_DTYPE_F32, VGL_DTYPE_U8, VGL_DTYPE_I32, VGL_DTYPE_I64};
static const char *const dtype_names[] = {"f32", "u8", "i32", "i64"};

/* Shapes for every dtype: odd sizes (padding), 8 dimensions, an empty one. */
typedef struct sample_shape {
    int ndim;
    int64_t shape[VGL_TENSOR_MAX_DIMS];
} sample_shape;

static const sample_shape sample_shapes[] = {
    {1, {7}},
    {3, {2, 3, 5}},
    {8, {1, 2, 1, 3, 1, 1, 2, 1}},
    {2, {3, 0}},
    {4, {2, 1, 3, 3}},
};
#define N_SHAPES (sizeof sample_shapes / sizeof sample_shapes[0])
#define N_SAMPLE_TENSORS (4 * N_SHAPES)

static size_t shape_bytes(vgl_dtype dtype, const sample_shape *s)
{
    size_t n = vgl_dtype_size(dtype);
    for (int d = 0; d < s->ndim; d++)
        n *= (size_t)s->shape[d];
    return n;
}

static const int64_t sample_ints[] = {1, -2, INT64_MAX, INT64_MIN, 0};
static const double sample_floats[] = {0.5, -1e300, 4.9406564584124654e-324, -0.0, 1.0 / 3.0};
#define SAMPLE_STRING "Vigil \xc3\xa9 \x01\xff\t end"
#define LONG_KEY_LEN 255

static void sample_tensor_name(size_t i, char *name)
{
    snprintf(name, 32, "%s.%zu", dtype_names[i / N_SHAPES], i % N_SHAPES);
}

/* Every kv type (edge values included) and every dtype in every sample
 * shape, with tensor i's data from seed i. */
static vgl_modelfile_writer *sample_writer(void)
{
    vgl_modelfile_writer *w = vgl_modelfile_writer_create();
    assert_non_null(w);
    vgl_error err = {0};
    char long_string[1001], long_key[LONG_KEY_LEN + 1];
    memset(long_string, 'x', 1000);
    long_string[1000] = '\0';
    memset(long_key, 'k', LONG_KEY_LEN);
    long_key[LONG_KEY_LEN] = '\0';

    assert_int_equal(vgl_modelfile_set_string(w, "model.name", SAMPLE_STRING, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_string(w, "empty", "", &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_string(w, "long", long_string, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_int(w, "int.min", INT64_MIN, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_int(w, "int.max", INT64_MAX, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_float(w, "float.pi", 3.141592653589793, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_float(w, "float.negzero", -0.0, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_float(w, "float.inf", -INFINITY, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_float(w, "float.nan", NAN, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_ints(w, "ints", sample_ints, 5, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_ints(w, "ints.empty", NULL, 0, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_floats(w, "floats", sample_floats, 5, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_floats(w, "floats.empty", NULL, 0, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_int(w, " !~ punctuation/key:0", 7, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_int(w, long_key, 255, &err), VGL_OK);

    for (size_t i = 0; i < N_SAMPLE_TENSORS; i++) {
        vgl_dtype dtype = all_dtypes[i / N_SHAPES];
        const sample_shape *s = &sample_shapes[i % N_SHAPES];
        size_t n = shape_bytes(dtype, s);
        uint8_t *data = malloc(n + 1);
        assert_non_null(data);
        fill_random(data, n, (uint32_t)i);
        char name[32];
        sample_tensor_name(i, name);
        assert_int_equal(vgl_modelfile_add_tensor(w, name, dtype, s->ndim, s->shape, data, &err),
                         VGL_OK);
        free(data);
    }
    return w;
}

static void write_sample(void **state, const char *name, char *path)
{
    path_in(state, name, path);
    vgl_modelfile_writer *w = sample_writer();
    vgl_error err = {0};
    assert_int_equal(vgl_modelfile_write(w, path, &err), VGL_OK);
    vgl_modelfile_writer_free(w);
}

/* ----------------------------------------------------------- round trips */

static void test_dtype_size(void **state)
{
    (void)state;
    assert_int_equal(vgl_dtype_size(VGL_DTYPE_F32), 4);
    assert_int_equal(vgl_dtype_size(VGL_DTYPE_U8), 1);
    assert_int_equal(vgl_dtype_size(VGL_DTYPE_I32), 4);
    assert_int_equal(vgl_dtype_size(VGL_DTYPE_I64), 8);
    assert_int_equal(vgl_dtype_size((vgl_dtype)4), 0);
}

static void assert_double_bits(double got, double want)
{
    assert_memory_equal(&got, &want, sizeof got);
}

static void test_round_trip(void **state)
{
    char path[PATH_MAX];
    write_sample(state, "model.vgm", path);
    assert_int_equal(count_entries(state), 1); /* no temporary file left */

    vgl_modelfile *f = NULL;
    vgl_error err = {0};
    assert_int_equal(vgl_modelfile_open(path, &f, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_version(f), 1);

    static const char *const keys[] = {"model.name", "empty", "long", "int.min", "int.max",
                                       "float.pi", "float.negzero", "float.inf", "float.nan",
                                       "ints", "ints.empty", "floats", "floats.empty",
                                       " !~ punctuation/key:0"};
    static const vgl_kv_type types[] = {
        VGL_KV_STRING, VGL_KV_STRING,      VGL_KV_STRING,    VGL_KV_INT,        VGL_KV_INT,
        VGL_KV_FLOAT,  VGL_KV_FLOAT,       VGL_KV_FLOAT,     VGL_KV_FLOAT,      VGL_KV_INT_ARRAY,
        VGL_KV_INT_ARRAY, VGL_KV_FLOAT_ARRAY, VGL_KV_FLOAT_ARRAY, VGL_KV_INT};
    assert_int_equal(vgl_modelfile_kv_count(f), 15);
    for (size_t i = 0; i < 14; i++) {
        assert_string_equal(vgl_modelfile_kv_key(f, i), keys[i]);
        assert_int_equal(vgl_modelfile_kv_type(f, i), types[i]);
    }
    assert_int_equal(strlen(vgl_modelfile_kv_key(f, 14)), LONG_KEY_LEN);
    assert_null(vgl_modelfile_kv_key(f, 15));
    assert_int_equal(vgl_modelfile_kv_type(f, 15), 0);

    assert_string_equal(vgl_modelfile_get_string(f, "model.name"), SAMPLE_STRING);
    assert_string_equal(vgl_modelfile_get_string(f, "empty"), "");
    const char *long_string = vgl_modelfile_get_string(f, "long");
    assert_int_equal(strlen(long_string), 1000);
    assert_int_equal(strspn(long_string, "x"), 1000);

    int64_t i64;
    assert_int_equal(vgl_modelfile_get_int(f, "int.min", &i64), VGL_OK);
    assert_true(i64 == INT64_MIN);
    assert_int_equal(vgl_modelfile_get_int(f, "int.max", &i64), VGL_OK);
    assert_true(i64 == INT64_MAX);
    assert_int_equal(vgl_modelfile_get_int(f, " !~ punctuation/key:0", &i64), VGL_OK);
    assert_true(i64 == 7);

    double d;
    assert_int_equal(vgl_modelfile_get_float(f, "float.pi", &d), VGL_OK);
    assert_double_bits(d, 3.141592653589793);
    assert_int_equal(vgl_modelfile_get_float(f, "float.negzero", &d), VGL_OK);
    assert_double_bits(d, -0.0);
    assert_int_equal(vgl_modelfile_get_float(f, "float.inf", &d), VGL_OK);
    assert_double_bits(d, -INFINITY);
    assert_int_equal(vgl_modelfile_get_float(f, "float.nan", &d), VGL_OK);
    assert_double_bits(d, NAN);

    size_t count = 99;
    const int64_t *ints = vgl_modelfile_get_ints(f, "ints", &count);
    assert_non_null(ints);
    assert_int_equal(count, 5);
    assert_int_equal((uintptr_t)ints % 8, 0);
    assert_memory_equal(ints, sample_ints, sizeof sample_ints);
    assert_non_null(vgl_modelfile_get_ints(f, "ints.empty", &count)); /* present, empty */
    assert_int_equal(count, 0);
    const double *floats = vgl_modelfile_get_floats(f, "floats", &count);
    assert_non_null(floats);
    assert_int_equal(count, 5);
    assert_int_equal((uintptr_t)floats % 8, 0);
    assert_memory_equal(floats, sample_floats, sizeof sample_floats);
    assert_non_null(vgl_modelfile_get_floats(f, "floats.empty", &count));
    assert_int_equal(count, 0);

    /* Missing keys and keys of another type. */
    assert_null(vgl_modelfile_get_string(f, "int.max"));
    assert_null(vgl_modelfile_get_string(f, "nope"));
    assert_int_equal(vgl_modelfile_get_int(f, "model.name", &i64), VGL_ENOTFOUND);
    assert_int_equal(vgl_modelfile_get_int(f, "ints", &i64), VGL_ENOTFOUND);
    assert_int_equal(vgl_modelfile_get_float(f, "int.max", &d), VGL_ENOTFOUND);
    assert_int_equal(vgl_modelfile_get_float(f, "nope", &d), VGL_ENOTFOUND);
    count = 99;
    assert_null(vgl_modelfile_get_ints(f, "floats", &count));
    assert_int_equal(count, 0);
    assert_null(vgl_modelfile_get_floats(f, "ints", &count));
    assert_null(vgl_modelfile_get_floats(f, "nope", &count));

    assert_int_equal(vgl_modelfile_tensor_count(f), N_SAMPLE_TENSORS);
    for (size_t i = 0; i < N_SAMPLE_TENSORS; i++) {
        vgl_dtype dtype = all_dtypes[i / N_SHAPES];
        const sample_shape *s = &sample_shapes[i % N_SHAPES];
        char name[32];
        sample_tensor_name(i, name);
        const vgl_tensor_info *t = vgl_modelfile_tensor_at(f, i);
        assert_non_null(t);
        assert_ptr_equal(vgl_modelfile_find_tensor(f, name), t);
        assert_string_equal(t->name, name);
        assert_int_equal(t->dtype, dtype);
        assert_int_equal(t->ndim, s->ndim);
        assert_memory_equal(t->shape, s->shape, (size_t)s->ndim * sizeof s->shape[0]);
        size_t n = shape_bytes(dtype, s);
        assert_int_equal(t->nbytes, n);
        assert_int_equal((uintptr_t)t->data % 64, 0);
        uint8_t *want = malloc(n + 1);
        assert_non_null(want);
        fill_random(want, n, (uint32_t)i);
        assert_memory_equal(t->data, want, n);
        free(want);
    }
    assert_null(vgl_modelfile_tensor_at(f, N_SAMPLE_TENSORS));
    assert_null(vgl_modelfile_find_tensor(f, "nope"));
    assert_null(vgl_modelfile_find_tensor(f, NULL));
    vgl_modelfile_close(f);
}

static void test_empty_model(void **state)
{
    char path[PATH_MAX];
    path_in(state, "empty.vgm", path);
    vgl_modelfile_writer *w = vgl_modelfile_writer_create();
    vgl_error err = {0};
    assert_int_equal(vgl_modelfile_write(w, path, &err), VGL_OK);
    vgl_modelfile_writer_free(w);

    size_t size;
    free(read_bytes(path, &size));
    assert_int_equal(size, VGL_MF_HEADER_SIZE);

    vgl_modelfile *f = NULL;
    assert_int_equal(vgl_modelfile_open(path, &f, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_kv_count(f), 0);
    assert_int_equal(vgl_modelfile_tensor_count(f), 0);
    assert_null(vgl_modelfile_get_string(f, "x"));
    assert_null(vgl_modelfile_find_tensor(f, "x"));
    vgl_modelfile_close(f);
}

static void test_large_tensor(void **state)
{
    char path[PATH_MAX];
    path_in(state, "large.vgm", path);
    const size_t n = (size_t)3 << 20; /* 12 MB of float32 */
    float *data = malloc(n * sizeof *data);
    assert_non_null(data);
    for (size_t i = 0; i < n; i++)
        data[i] = (float)i * 0.25f - 1000.0f;
    vgl_modelfile_writer *w = vgl_modelfile_writer_create();
    vgl_error err = {0};
    int64_t shape[2] = {3, 1 << 20};
    int64_t one = 1;
    assert_int_equal(vgl_modelfile_add_tensor(w, "small", VGL_DTYPE_I64, 1, &one, &one, &err),
                     VGL_OK);
    assert_int_equal(vgl_modelfile_add_tensor(w, "big", VGL_DTYPE_F32, 2, shape, data, &err),
                     VGL_OK);
    assert_int_equal(vgl_modelfile_write(w, path, &err), VGL_OK);
    vgl_modelfile_writer_free(w);

    vgl_modelfile *f = NULL;
    assert_int_equal(vgl_modelfile_open(path, &f, &err), VGL_OK);
    const vgl_tensor_info *t = vgl_modelfile_find_tensor(f, "big");
    assert_non_null(t);
    assert_int_equal(t->nbytes, n * sizeof *data);
    assert_int_equal((uintptr_t)t->data % 64, 0);
    assert_memory_equal(t->data, data, t->nbytes);
    vgl_modelfile_close(f);
    free(data);
}

/* ---------------------------------------------------------------- writer */

static void test_replace_key(void **state)
{
    char path[PATH_MAX];
    path_in(state, "replace.vgm", path);
    vgl_modelfile_writer *w = vgl_modelfile_writer_create();
    vgl_error err = {0};
    const double values[2] = {1.5, -2.5};
    assert_int_equal(vgl_modelfile_set_int(w, "a", 1, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_string(w, "b", "first", &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_string(w, "a", "now a string", &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_string(w, "b", "second", &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_floats(w, "a", values, 2, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_write(w, path, &err), VGL_OK);
    vgl_modelfile_writer_free(w);

    vgl_modelfile *f = NULL;
    assert_int_equal(vgl_modelfile_open(path, &f, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_kv_count(f), 2);
    assert_string_equal(vgl_modelfile_kv_key(f, 0), "a"); /* keeps its first position */
    assert_int_equal(vgl_modelfile_kv_type(f, 0), VGL_KV_FLOAT_ARRAY);
    size_t count;
    assert_memory_equal(vgl_modelfile_get_floats(f, "a", &count), values, sizeof values);
    assert_int_equal(count, 2);
    assert_null(vgl_modelfile_get_string(f, "a"));
    assert_string_equal(vgl_modelfile_get_string(f, "b"), "second");
    vgl_modelfile_close(f);
}

static void test_invalid_keys(void **state)
{
    (void)state;
    vgl_modelfile_writer *w = vgl_modelfile_writer_create();
    vgl_error err = {0};
    char too_long[257], longest[256];
    memset(too_long, 'k', 256);
    too_long[256] = '\0';
    memset(longest, 'k', 255);
    longest[255] = '\0';
    const char *bad[] = {NULL, "", too_long, "tab\tkey", "del\x7f", "caf\xc3\xa9", "new\nline"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.message[0] = '\0';
        assert_int_equal(vgl_modelfile_set_int(w, bad[i], 1, &err), VGL_EINVAL);
        assert_int_equal(err.status, VGL_EINVAL);
        assert_true(err.message[0] != '\0');
        assert_int_equal(vgl_modelfile_set_string(w, bad[i], "v", NULL), VGL_EINVAL);
        int64_t one = 1;
        assert_int_equal(vgl_modelfile_add_tensor(w, bad[i], VGL_DTYPE_I64, 1, &one, &one, NULL),
                         VGL_EINVAL);
    }
    assert_int_equal(vgl_modelfile_set_int(w, longest, 1, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_string(w, "k", NULL, &err), VGL_EINVAL);
    assert_int_equal(vgl_modelfile_set_ints(w, "k", NULL, 3, &err), VGL_EINVAL);
    assert_int_equal(vgl_modelfile_set_floats(w, "k", NULL, 3, &err), VGL_EINVAL);
    assert_int_equal(vgl_modelfile_set_int(NULL, "k", 1, &err), VGL_EINVAL);
    assert_int_equal(vgl_modelfile_write(w, NULL, &err), VGL_EINVAL);
    assert_int_equal(vgl_modelfile_write(NULL, "/tmp/x", &err), VGL_EINVAL);
    vgl_modelfile_writer_free(w);
    vgl_modelfile_writer_free(NULL);
}

static void test_invalid_tensors(void **state)
{
    char path[PATH_MAX];
    path_in(state, "tensors.vgm", path);
    vgl_modelfile_writer *w = vgl_modelfile_writer_create();
    vgl_error err = {0};
    const int32_t first[3] = {1, 2, 3}, second[3] = {4, 5, 6};
    int64_t three = 3, zero = 0, negative = -1;
    int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    int64_t huge[2] = {INT64_MAX, INT64_MAX};

    assert_int_equal(vgl_modelfile_add_tensor(w, "w", VGL_DTYPE_I32, 1, &three, first, &err),
                     VGL_OK);
    assert_int_equal(vgl_modelfile_add_tensor(w, "w", VGL_DTYPE_I32, 1, &three, second, &err),
                     VGL_EINVAL);
    assert_non_null(strstr(err.message, "\"w\""));
    assert_int_equal(vgl_modelfile_add_tensor(w, "x", (vgl_dtype)4, 1, &three, first, &err),
                     VGL_EINVAL);
    assert_int_equal(vgl_modelfile_add_tensor(w, "x", (vgl_dtype)-1, 1, &three, first, &err),
                     VGL_EINVAL);
    assert_int_equal(vgl_modelfile_add_tensor(w, "x", VGL_DTYPE_U8, 0, &three, first, &err),
                     VGL_EINVAL);
    assert_int_equal(vgl_modelfile_add_tensor(w, "x", VGL_DTYPE_U8, 9, nine, first, &err),
                     VGL_EINVAL);
    assert_int_equal(vgl_modelfile_add_tensor(w, "x", VGL_DTYPE_U8, 1, NULL, first, &err),
                     VGL_EINVAL);
    assert_int_equal(vgl_modelfile_add_tensor(w, "x", VGL_DTYPE_U8, 1, &negative, first, &err),
                     VGL_EINVAL);
    assert_int_equal(vgl_modelfile_add_tensor(w, "x", VGL_DTYPE_U8, 2, huge, first, &err),
                     VGL_ELIMIT);
    assert_int_equal(vgl_modelfile_add_tensor(w, "x", VGL_DTYPE_U8, 1, &three, NULL, &err),
                     VGL_EINVAL);
    assert_int_equal(vgl_modelfile_add_tensor(NULL, "x", VGL_DTYPE_U8, 1, &three, first, &err),
                     VGL_EINVAL);
    /* Empty tensors need no data. */
    assert_int_equal(vgl_modelfile_add_tensor(w, "empty", VGL_DTYPE_U8, 1, &zero, NULL, &err),
                     VGL_OK);
    assert_int_equal(vgl_modelfile_write(w, path, &err), VGL_OK);
    vgl_modelfile_writer_free(w);

    vgl_modelfile *f = NULL;
    assert_int_equal(vgl_modelfile_open(path, &f, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_tensor_count(f), 2);
    const vgl_tensor_info *t = vgl_modelfile_find_tensor(f, "w");
    assert_memory_equal(t->data, first, sizeof first);
    assert_int_equal(vgl_modelfile_find_tensor(f, "empty")->nbytes, 0);
    vgl_modelfile_close(f);
}

/* --------------------------------------------------------- atomic writes */

static void test_write_missing_dir(void **state)
{
    char path[PATH_MAX], dir[PATH_MAX];
    path_in(state, "missing/model.vgm", path);
    path_in(state, "missing", dir);
    vgl_modelfile_writer *w = sample_writer();
    vgl_error err = {0};
    assert_int_equal(vgl_modelfile_write(w, path, &err), VGL_EIO);
    assert_int_equal(err.status, VGL_EIO);
    assert_non_null(strstr(err.message, path));
    vgl_modelfile_writer_free(w);
    struct stat st;
    assert_int_equal(stat(dir, &st), -1);
    assert_int_equal(count_entries(state), 0);
}

static void test_write_replaces_atomically(void **state)
{
    char path[PATH_MAX];
    path_in(state, "model.vgm", path);
    vgl_error err = {0};
    vgl_modelfile_writer *w = vgl_modelfile_writer_create();
    assert_int_equal(vgl_modelfile_set_string(w, "generation", "old", &err), VGL_OK);
    assert_int_equal(vgl_modelfile_write(w, path, &err), VGL_OK);
    vgl_modelfile_writer_free(w);

    vgl_modelfile *old = NULL, *new = NULL;
    assert_int_equal(vgl_modelfile_open(path, &old, &err), VGL_OK);

    w = sample_writer();
    assert_int_equal(vgl_modelfile_set_string(w, "generation", "new", &err), VGL_OK);
    assert_int_equal(vgl_modelfile_write(w, path, &err), VGL_OK);
    vgl_modelfile_writer_free(w);

    /* The open file still sees the old contents: the new file is another
     * inode renamed over the name, not a rewrite in place. */
    assert_string_equal(vgl_modelfile_get_string(old, "generation"), "old");
    assert_int_equal(vgl_modelfile_open(path, &new, &err), VGL_OK);
    assert_string_equal(vgl_modelfile_get_string(new, "generation"), "new");
    assert_int_equal(vgl_modelfile_tensor_count(new), N_SAMPLE_TENSORS);
    vgl_modelfile_close(old);
    vgl_modelfile_close(new);
    assert_int_equal(count_entries(state), 1);
}

/* A full disk, simulated with a file size limit (which works as root too):
 * the write fails, the old file stays whole, no temporary file remains. */
static void test_write_disk_full(void **state)
{
    char path[PATH_MAX];
    path_in(state, "model.vgm", path);
    vgl_error err = {0};
    vgl_modelfile_writer *w = vgl_modelfile_writer_create();
    assert_int_equal(vgl_modelfile_set_string(w, "generation", "old", &err), VGL_OK);
    assert_int_equal(vgl_modelfile_write(w, path, &err), VGL_OK);
    vgl_modelfile_writer_free(w);

    w = sample_writer();
    const size_t n = 1 << 20;
    uint8_t *big = calloc(n, 1);
    assert_non_null(big);
    int64_t shape = (int64_t)n;
    assert_int_equal(vgl_modelfile_add_tensor(w, "big", VGL_DTYPE_U8, 1, &shape, big, &err),
                     VGL_OK);
    free(big);

    struct rlimit saved, limited;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    limited = saved;
    limited.rlim_cur = 64 * 1024;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &limited), 0);
    vgl_status status = vgl_modelfile_write(w, path, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, old_handler);
    vgl_modelfile_writer_free(w);

    assert_int_equal(status, VGL_EIO);
    assert_non_null(strstr(err.message, path));
    assert_int_equal(count_entries(state), 1);
    vgl_modelfile *f = NULL;
    assert_int_equal(vgl_modelfile_open(path, &f, &err), VGL_OK);
    assert_string_equal(vgl_modelfile_get_string(f, "generation"), "old");
    vgl_modelfile_close(f);
}

static void test_write_relative_path(void **state)
{
    const scratch *s = *state;
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(s->dir), 0);
    vgl_modelfile_writer *w = sample_writer();
    vgl_error err = {0};
    vgl_status status = vgl_modelfile_write(w, "relative.vgm", &err);
    vgl_modelfile_writer_free(w);
    vgl_modelfile *f = NULL;
    vgl_status open_status = vgl_modelfile_open("relative.vgm", &f, &err);
    vgl_modelfile_close(f);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(status, VGL_OK);
    assert_int_equal(open_status, VGL_OK);
    assert_int_equal(count_entries(state), 1);
}

/* ------------------------------------------------------------ not a file */

static void test_open_not_a_model(void **state)
{
    const scratch *s = *state;
    char path[PATH_MAX];
    vgl_modelfile *f = (vgl_modelfile *)&f;
    vgl_error err = {0};

    assert_int_equal(vgl_modelfile_open(s->dir, &f, &err), VGL_EIO);
    assert_null(f);
    assert_non_null(strstr(err.message, "directory"));

    path_in(state, "missing.vgm", path);
    assert_int_equal(vgl_modelfile_open(path, &f, &err), VGL_EIO);
    assert_non_null(strstr(err.message, path));

    path_in(state, "fifo", path);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(vgl_modelfile_open(path, &f, &err), VGL_EIO);
    assert_non_null(strstr(err.message, "not a regular file"));

    assert_int_equal(vgl_modelfile_open(NULL, &f, &err), VGL_EINVAL);
    assert_int_equal(vgl_modelfile_open(path, NULL, &err), VGL_EINVAL);
    vgl_modelfile_close(NULL);

    path_in(state, "foreign", path);
    write_bytes(path, (const uint8_t *)"abc", 3);
    expect_format_error(path, "not a Vigil model file", "3-byte text");
    static const uint8_t png[100] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    write_bytes(path, png, sizeof png);
    expect_format_error(path, "not a Vigil model file", "PNG");
}

/* ---------------------------------------------------------------- damage */

static void store_u32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void store_u64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

/* Recomputes both CRCs as docs/model-format.md defines them (independently
 * of the library's own helper), so that a forged field is what fails. */
static void reseal(uint8_t *b, size_t size)
{
    uint64_t data_offset;
    memcpy(&data_offset, b + VGL_MF_OFF_DATA_OFFSET, 8);
    if (data_offset < 64 || data_offset > size)
        return;
    uLong crc = crc32(0, b, 56);
    crc = crc32(crc, b + 64, (uInt)(data_offset - 64));
    store_u32(b + 56, (uint32_t)crc);
    store_u32(b + 60, (uint32_t)crc32(0, b + data_offset, (uInt)(size - data_offset)));
}

/* A scratch copy of bytes to damage in place, cheaper than rewriting the
 * whole file thousands of times. */
static int open_copy(const char *path, const uint8_t *bytes, size_t size)
{
    write_bytes(path, bytes, size);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    assert_true(fd >= 0);
    return fd;
}

static void test_truncations(void **state)
{
    char path[PATH_MAX], damaged[PATH_MAX];
    write_sample(state, "model.vgm", path);
    path_in(state, "damaged.vgm", damaged);
    size_t size;
    uint8_t *bytes = read_bytes(path, &size);
    assert_true(size > 2048);

    /* Every length, shortest last. */
    int fd = open_copy(damaged, bytes, size);
    for (size_t len = size; len-- > 0;) {
        assert_int_equal(ftruncate(fd, (off_t)len), 0);
        expect_format_error(damaged, "truncated", "truncation");
    }
    close(fd);
    bytes[size] = 0; /* one byte too many */
    write_bytes(damaged, bytes, size + 1);
    expect_format_error(damaged, "corrupt", "extra byte");
    free(bytes);
}

static void test_byte_flips(void **state)
{
    char path[PATH_MAX], damaged[PATH_MAX];
    write_sample(state, "model.vgm", path);
    path_in(state, "damaged.vgm", damaged);
    size_t size;
    uint8_t *bytes = read_bytes(path, &size);

    /* Every position, once with a single bit and once with the whole byte. */
    int fd = open_copy(damaged, bytes, size);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t pos = 0; pos < size; pos++) {
            uint8_t flipped = bytes[pos] ^ (pass == 0 ? (uint8_t)(1u << (pos % 8)) : 0xff);
            assert_int_equal(pwrite(fd, &flipped, 1, (off_t)pos), 1);
            expect_format_error(damaged, NULL, "byte flip");
            assert_int_equal(pwrite(fd, &bytes[pos], 1, (off_t)pos), 1);
        }
    }
    close(fd);
    /* Restored, it opens again. */
    vgl_modelfile *f = NULL;
    assert_int_equal(vgl_modelfile_open(damaged, &f, NULL), VGL_OK);
    vgl_modelfile_close(f);
    free(bytes);
}

static void test_wrong_magic_and_version(void **state)
{
    char path[PATH_MAX], damaged[PATH_MAX];
    write_sample(state, "model.vgm", path);
    path_in(state, "damaged.vgm", damaged);
    size_t size;
    uint8_t *bytes = read_bytes(path, &size);

    uint8_t *copy = malloc(size);
    assert_non_null(copy);
    memcpy(copy, bytes, size);
    memcpy(copy, "GGUF", 4);
    reseal(copy, size);
    write_bytes(damaged, copy, size);
    expect_format_error(damaged, "not a Vigil model file", "magic");

    memcpy(copy, bytes, size);
    store_u32(copy + VGL_MF_OFF_VERSION, 2);
    reseal(copy, size);
    write_bytes(damaged, copy, size);
    expect_format_error(damaged, "version 2 is not supported", "future version");
    vgl_error err = {0};
    vgl_modelfile *f;
    vgl_modelfile_open(damaged, &f, &err);
    assert_non_null(strstr(err.message, "version 1"));
    free(copy);
    free(bytes);
}

/* The file of small_writer(), laid out by hand from docs/model-format.md. */
enum {
    SMALL_KV0 = 64,   /* "name" = "hello": 16 + 8 (key) + 8 (value) */
    SMALL_KV1 = 96,   /* "dims" = {1, 2, 3}: 16 + 8 + 24 */
    SMALL_T0 = 144,   /* "w": f32 [2, 3], 24 bytes at 0: 32 + 16 (shape) + 8 (name) */
    SMALL_T1 = 200,   /* "b": u8 [5], 5 bytes at 64: 32 + 8 + 8 */
    SMALL_DATA = 256, /* the tables end at 248 */
    SMALL_SIZE = 384, /* 256 + 64 + 64 */
};

static vgl_modelfile_writer *small_writer(void)
{
    vgl_modelfile_writer *w = vgl_modelfile_writer_create();
    vgl_error err = {0};
    const int64_t dims[3] = {1, 2, 3}, w_shape[2] = {2, 3}, b_shape[1] = {5};
    const float w_data[6] = {1, 2, 3, 4, 5, 6};
    const uint8_t b_data[5] = {1, 2, 3, 4, 5};
    assert_int_equal(vgl_modelfile_set_string(w, "name", "hello", &err), VGL_OK);
    assert_int_equal(vgl_modelfile_set_ints(w, "dims", dims, 3, &err), VGL_OK);
    assert_int_equal(vgl_modelfile_add_tensor(w, "w", VGL_DTYPE_F32, 2, w_shape, w_data, &err),
                     VGL_OK);
    assert_int_equal(vgl_modelfile_add_tensor(w, "b", VGL_DTYPE_U8, 1, b_shape, b_data, &err),
                     VGL_OK);
    return w;
}

static uint8_t *small_file(void **state, size_t *size)
{
    char path[PATH_MAX];
    path_in(state, "small.vgm", path);
    vgl_modelfile_writer *w = small_writer();
    vgl_error err = {0};
    assert_int_equal(vgl_modelfile_write(w, path, &err), VGL_OK);
    vgl_modelfile_writer_free(w);
    return read_bytes(path, size);
}

static void test_small_layout(void **state)
{
    size_t size;
    uint8_t *b = small_file(state, &size);
    assert_int_equal(size, SMALL_SIZE);
    assert_memory_equal(b, "VIGILMF\0", 8);
    assert_int_equal(vgl_mf_load_u32(b + 8), 1);
    assert_int_equal(vgl_mf_load_u64(b + 16), SMALL_SIZE);
    assert_int_equal(vgl_mf_load_u64(b + 24), 2);
    assert_int_equal(vgl_mf_load_u64(b + 32), 2);
    assert_int_equal(vgl_mf_load_u64(b + 40), SMALL_DATA);
    assert_int_equal(vgl_mf_load_u32(b + SMALL_KV0), 4);
    assert_int_equal(vgl_mf_load_u32(b + SMALL_KV0 + 4), VGL_KV_STRING);
    assert_int_equal(vgl_mf_load_u64(b + SMALL_KV0 + 8), 5);
    assert_memory_equal(b + SMALL_KV0 + 16, "name\0\0\0\0hello\0\0\0", 16);
    assert_int_equal(vgl_mf_load_u32(b + SMALL_KV1 + 4), VGL_KV_INT_ARRAY);
    assert_int_equal(vgl_mf_load_u64(b + SMALL_KV1 + 32), 2);
    assert_int_equal(vgl_mf_load_u32(b + SMALL_T0 + 8), 2);    /* ndim */
    assert_int_equal(vgl_mf_load_u64(b + SMALL_T0 + 24), 24);  /* nbytes */
    assert_int_equal(vgl_mf_load_u64(b + SMALL_T0 + 40), 3);   /* shape[1] */
    assert_memory_equal(b + SMALL_T0 + 48, "w\0", 2);
    assert_int_equal(vgl_mf_load_u32(b + SMALL_T1 + 4), VGL_DTYPE_U8);
    assert_int_equal(vgl_mf_load_u64(b + SMALL_T1 + 16), 64); /* offset */
    assert_memory_equal(b + SMALL_T1 + 40, "b\0", 2);
    uint8_t b_data[5] = {1, 2, 3, 4, 5};
    assert_memory_equal(b + SMALL_DATA + 64, b_data, 5);
    assert_int_equal(vgl_mf_load_u32(b + 56), vgl_mf_table_crc(b, SMALL_DATA));
    free(b);
}

/* One field of the small file rewritten (width 4 or 8 bytes, or the bytes
 * of text when width is 0), the CRCs recomputed. */
typedef struct forgery {
    const char *what;
    size_t offset;
    int width;
    uint64_t value;
    const char *text;
} forgery;

static const forgery forgeries[] = {
    {"kv count 2^60", VGL_MF_OFF_KV_COUNT, 8, 1ull << 60, NULL},
    {"kv count 2^64-1", VGL_MF_OFF_KV_COUNT, 8, UINT64_MAX, NULL},
    {"tensor count 2^60", VGL_MF_OFF_TENSOR_COUNT, 8, 1ull << 60, NULL},
    {"tensor count 2^64-1", VGL_MF_OFF_TENSOR_COUNT, 8, UINT64_MAX, NULL},
    {"kv count one short", VGL_MF_OFF_KV_COUNT, 8, 1, NULL},
    {"kv count one over", VGL_MF_OFF_KV_COUNT, 8, 3, NULL},
    {"tensor count one short", VGL_MF_OFF_TENSOR_COUNT, 8, 1, NULL},
    {"tensor count one over", VGL_MF_OFF_TENSOR_COUNT, 8, 3, NULL},
    {"data offset misaligned", VGL_MF_OFF_DATA_OFFSET, 8, SMALL_DATA + 8, NULL},
    {"data offset past the end", VGL_MF_OFF_DATA_OFFSET, 8, SMALL_SIZE + 64, NULL},
    {"data offset huge", VGL_MF_OFF_DATA_OFFSET, 8, UINT64_MAX - 63, NULL},
    {"data offset inside the header", VGL_MF_OFF_DATA_OFFSET, 8, 0, NULL},
    {"data offset inside the tables", VGL_MF_OFF_DATA_OFFSET, 8, 192, NULL},
    {"data offset after a gap", VGL_MF_OFF_DATA_OFFSET, 8, 320, NULL},
    {"reserved header word", VGL_MF_OFF_RESERVED0, 4, 1, NULL},
    {"reserved header quad", VGL_MF_OFF_RESERVED1, 8, 1, NULL},
    {"key length 0", SMALL_KV0, 4, 0, NULL},
    {"key length 256", SMALL_KV0, 4, 256, NULL},
    {"key length 2^32-1", SMALL_KV0, 4, UINT32_MAX, NULL},
    {"kv type 0", SMALL_KV0 + 4, 4, 0, NULL},
    {"kv type 6", SMALL_KV0 + 4, 4, 6, NULL},
    {"string length 2^63", SMALL_KV0 + 8, 8, 1ull << 63, NULL},
    {"string length 2^64-1", SMALL_KV0 + 8, 8, UINT64_MAX, NULL},
    {"string length past a NUL", SMALL_KV0 + 8, 8, 7, NULL},
    {"string length short of its NUL", SMALL_KV0 + 8, 8, 4, NULL},
    {"string without terminator", SMALL_KV0 + 16 + 8 + 5, 0, 0, "x"},
    {"key not printable", SMALL_KV0 + 16, 0, 0, "\x01"},
    {"key not ASCII", SMALL_KV0 + 16, 0, 0, "\xc3"},
    {"key without terminator", SMALL_KV0 + 16 + 4, 0, 0, "x"},
    {"duplicate key", SMALL_KV1 + 16, 0, 0, "name"},
    {"scalar with a count of 3", SMALL_KV1 + 4, 4, VGL_KV_INT, NULL},
    {"array count 2^60", SMALL_KV1 + 8, 8, 1ull << 60, NULL},
    {"array count 2^64-1", SMALL_KV1 + 8, 8, UINT64_MAX, NULL},
    {"array count one over", SMALL_KV1 + 8, 8, 4, NULL},
    {"tensor name length 0", SMALL_T0, 4, 0, NULL},
    {"tensor name length 300", SMALL_T0, 4, 300, NULL},
    {"dtype 4", SMALL_T0 + 4, 4, 4, NULL},
    {"dtype 2^32-1", SMALL_T0 + 4, 4, UINT32_MAX, NULL},
    {"dtype with another size", SMALL_T1 + 4, 4, VGL_DTYPE_F32, NULL},
    {"ndim 0", SMALL_T0 + 8, 4, 0, NULL},
    {"ndim 9", SMALL_T0 + 8, 4, 9, NULL},
    {"ndim 2^32-1", SMALL_T0 + 8, 4, UINT32_MAX, NULL},
    {"tensor reserved", SMALL_T0 + 12, 4, 1, NULL},
    {"offset misaligned", SMALL_T0 + 16, 8, 8, NULL},
    {"offset overlapping", SMALL_T1 + 16, 8, 0, NULL},
    {"offset overlapping the other way", SMALL_T0 + 16, 8, 64, NULL},
    {"offset past the end", SMALL_T1 + 16, 8, 128, NULL},
    {"offset huge", SMALL_T0 + 16, 8, UINT64_MAX - 63, NULL},
    {"nbytes one short", SMALL_T0 + 24, 8, 23, NULL},
    {"nbytes one over", SMALL_T0 + 24, 8, 25, NULL},
    {"nbytes huge", SMALL_T0 + 24, 8, UINT64_MAX, NULL},
    {"negative dimension", SMALL_T0 + 32, 8, UINT64_MAX, NULL},
    {"zero dimension", SMALL_T0 + 32, 8, 0, NULL},
    {"shape overflowing", SMALL_T0 + 32, 8, 1ull << 62, NULL},
    {"tensor name not printable", SMALL_T0 + 48, 0, 0, "\x7f"},
    {"tensor name without terminator", SMALL_T0 + 49, 0, 0, "x"},
    {"duplicate tensor name", SMALL_T1 + 40, 0, 0, "w"},
};

static void test_forged_fields(void **state)
{
    char damaged[PATH_MAX];
    path_in(state, "forged.vgm", damaged);
    size_t size;
    uint8_t *good = small_file(state, &size);
    assert_int_equal(size, SMALL_SIZE);
    uint8_t *copy = malloc(size + 64);
    assert_non_null(copy);

    for (size_t i = 0; i < sizeof forgeries / sizeof forgeries[0]; i++) {
        const forgery *f = &forgeries[i];
        memcpy(copy, good, size);
        if (f->width == 4)
            store_u32(copy + f->offset, (uint32_t)f->value);
        else if (f->width == 8)
            store_u64(copy + f->offset, f->value);
        else
            memcpy(copy + f->offset, f->text, strlen(f->text));
        reseal(copy, size);
        write_bytes(damaged, copy, size);
        expect_format_error(damaged, NULL, f->what);
        vgl_error err = {0};
        vgl_modelfile *file;
        vgl_modelfile_open(damaged, &file, &err);
        if (strstr(err.message, "checksum"))
            fail_msg("%s: refused for its checksum, not its contents: %s", f->what, err.message);
    }

    /* Tensor data the tensors do not account for. */
    memcpy(copy, good, size);
    memset(copy + size, 0, 64);
    store_u64(copy + VGL_MF_OFF_FILE_SIZE, size + 64);
    reseal(copy, size + 64);
    write_bytes(damaged, copy, size + 64);
    expect_format_error(damaged, "data section", "data section too long");

    /* Sanity: the unforged copy, resealed by the test, opens. */
    memcpy(copy, good, size);
    reseal(copy, size);
    write_bytes(damaged, copy, size);
    vgl_modelfile *file = NULL;
    assert_int_equal(vgl_modelfile_open(damaged, &file, NULL), VGL_OK);
    vgl_modelfile_close(file);
    free(copy);
    free(good);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dtype_size),
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_tensor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_key, setup, teardown),
        cmocka_unit_test(test_invalid_keys),
        cmocka_unit_test_setup_teardown(test_invalid_tensors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_missing_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_replaces_atomically, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_disk_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_relative_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_not_a_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_byte_flips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_magic_and_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_fields, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * vigil.h - the whole public API of libvigil, Vigil's anomaly-detection engine.
 *
 * libvigil is pure computation on in-memory images and model files: no HTTP,
 * no database, no global state.  The server, the CLI and edge devices all use
 * it through this header.  Every function that can fail returns a vgl_status
 * and fills an optional vgl_error with a message meant for a user.
 */
#ifndef VIGIL_H
#define VIGIL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- errors */

typedef enum vgl_status {
    VGL_OK = 0,
    VGL_EINVAL,       /* a caller's argument is wrong */
    VGL_EIO,          /* reading or writing a file failed */
    VGL_ENOMEM,       /* an allocation failed */
    VGL_EFORMAT,      /* input bytes are not what they claim to be (corrupt, truncated, foreign) */
    VGL_ELIMIT,       /* input is valid but outside Vigil's limits (size, dimensions) */
    VGL_ENOTFOUND,    /* a named thing (layer, key, tensor) does not exist */
    VGL_EUNSUPPORTED, /* well-formed but uses something Vigil does not implement */
} vgl_status;

typedef struct vgl_error {
    vgl_status status;
    char message[512];
} vgl_error;

const char *vgl_status_name(vgl_status status);

/* ---------------------------------------------------------------- images */

/* An 8-bit RGB image, rows top to bottom, 3 bytes a pixel, no padding. */
typedef struct vgl_image {
    int width;
    int height;
    uint8_t *pixels;
} vgl_image;

typedef enum vgl_image_format {
    VGL_IMAGE_UNKNOWN = 0,
    VGL_IMAGE_JPEG,
    VGL_IMAGE_PNG,
} vgl_image_format;

/* What an input image may be.  The defaults are Lookout for Vision's:
 * 64 to 4096 pixels a side and 8 MB a file. */
typedef struct vgl_image_limits {
    int min_side;
    int max_side;
    size_t max_bytes;
} vgl_image_limits;

#define VGL_IMAGE_MIN_SIDE 64
#define VGL_IMAGE_MAX_SIDE 4096
#define VGL_IMAGE_MAX_BYTES ((size_t)8 * 1024 * 1024)

vgl_image_limits vgl_image_limits_default(void);

/* The format from the magic bytes, never from a file name. */
vgl_image_format vgl_image_sniff(const uint8_t *data, size_t size);

/* Decodes JPEG or PNG (grey, palette, alpha, 16-bit) to 8-bit RGB.  limits
 * may be NULL for the defaults.  Dimensions are checked from the header
 * before any pixel memory is allocated.  On failure *out is left empty. */
vgl_status vgl_image_decode(const uint8_t *data, size_t size, const vgl_image_limits *limits,
                            vgl_image *out, vgl_error *err);

/* Reads a whole file (refusing files over limits->max_bytes before reading
 * them) and decodes it. */
vgl_status vgl_image_read_file(const char *path, const vgl_image_limits *limits, vgl_image *out,
                               vgl_error *err);

/* Allocates an uninitialised width x height image. */
vgl_status vgl_image_alloc(int width, int height, vgl_image *out, vgl_error *err);
void vgl_image_free(vgl_image *image);

/* Resizes to width x height: area averaging along an axis that shrinks,
 * bilinear interpolation (pixel centres aligned) along one that grows. */
vgl_status vgl_image_resize(const vgl_image *src, int width, int height, vgl_image *dst,
                            vgl_error *err);

/* Encodes an RGB PNG.  *png is malloc'ed; free() it. */
vgl_status vgl_png_encode_rgb(const vgl_image *image, uint8_t **png, size_t *png_size,
                              vgl_error *err);

/* Encodes a palette PNG of width x height indices into palette (n_colors RGB
 * triples, 1 to 256 of them). */
vgl_status vgl_png_encode_palette(const uint8_t *indices, int width, int height,
                                  const uint8_t (*palette)[3], int n_colors, uint8_t **png,
                                  size_t *png_size, vgl_error *err);

/* ----------------------------------------------------------- model files */

/*
 * One self-describing file holds a network or a trained model: a header with
 * a format version, typed key-value metadata, a tensor table and 64-byte
 * aligned tensor data.  Files are written atomically (temporary file, fsync,
 * rename) and opened with mmap; a truncated, corrupt or foreign file is
 * refused with VGL_EFORMAT and a message, never a crash.  docs/model-format.md
 * describes the bytes.
 */

typedef enum vgl_dtype {
    VGL_DTYPE_F32 = 0,
    VGL_DTYPE_U8 = 1,
    VGL_DTYPE_I32 = 2,
    VGL_DTYPE_I64 = 3,
} vgl_dtype;

typedef enum vgl_kv_type {
    VGL_KV_STRING = 1,
    VGL_KV_INT = 2,          /* int64 */
    VGL_KV_FLOAT = 3,        /* double */
    VGL_KV_INT_ARRAY = 4,    /* int64[] */
    VGL_KV_FLOAT_ARRAY = 5,  /* double[] */
} vgl_kv_type;

#define VGL_TENSOR_MAX_DIMS 8

typedef struct vgl_tensor_info {
    const char *name;
    vgl_dtype dtype;
    int ndim;
    int64_t shape[VGL_TENSOR_MAX_DIMS];
    const void *data; /* 64-byte aligned, read-only (mapped) */
    size_t nbytes;
} vgl_tensor_info;

size_t vgl_dtype_size(vgl_dtype dtype);

/* Writing: collect metadata and tensors in memory, then write once. */
typedef struct vgl_modelfile_writer vgl_modelfile_writer;

vgl_modelfile_writer *vgl_modelfile_writer_create(void);
void vgl_modelfile_writer_free(vgl_modelfile_writer *writer);
/* Setting a key again replaces its value.  Keys are 1 to 255 printable ASCII bytes. */
vgl_status vgl_modelfile_set_string(vgl_modelfile_writer *writer, const char *key, const char *value,
                                    vgl_error *err);
vgl_status vgl_modelfile_set_int(vgl_modelfile_writer *writer, const char *key, int64_t value,
                                 vgl_error *err);
vgl_status vgl_modelfile_set_float(vgl_modelfile_writer *writer, const char *key, double value,
                                   vgl_error *err);
vgl_status vgl_modelfile_set_ints(vgl_modelfile_writer *writer, const char *key,
                                  const int64_t *values, size_t count, vgl_error *err);
vgl_status vgl_modelfile_set_floats(vgl_modelfile_writer *writer, const char *key,
                                    const double *values, size_t count, vgl_error *err);
/* Copies data (product(shape) elements of dtype).  Tensor names are unique. */
vgl_status vgl_modelfile_add_tensor(vgl_modelfile_writer *writer, const char *name, vgl_dtype dtype,
                                    int ndim, const int64_t *shape, const void *data,
                                    vgl_error *err);
vgl_status vgl_modelfile_write(const vgl_modelfile_writer *writer, const char *path, vgl_error *err);
/* The same bytes written at fd's position (no rename, no sync): for a file the
 * caller transforms before it reaches the disk, such as an encrypted one. */
vgl_status vgl_modelfile_write_fd(const vgl_modelfile_writer *writer, int fd, vgl_error *err);

/* Reading. */
typedef struct vgl_modelfile vgl_modelfile;

vgl_status vgl_modelfile_open(const char *path, vgl_modelfile **out, vgl_error *err);
void vgl_modelfile_close(vgl_modelfile *file);
uint32_t vgl_modelfile_version(const vgl_modelfile *file);

size_t vgl_modelfile_kv_count(const vgl_modelfile *file);
const char *vgl_modelfile_kv_key(const vgl_modelfile *file, size_t index);
vgl_kv_type vgl_modelfile_kv_type(const vgl_modelfile *file, size_t index);
/* Typed getters: NULL / VGL_ENOTFOUND when the key is missing or of another type. */
const char *vgl_modelfile_get_string(const vgl_modelfile *file, const char *key);
vgl_status vgl_modelfile_get_int(const vgl_modelfile *file, const char *key, int64_t *value);
vgl_status vgl_modelfile_get_float(const vgl_modelfile *file, const char *key, double *value);
const int64_t *vgl_modelfile_get_ints(const vgl_modelfile *file, const char *key, size_t *count);
const double *vgl_modelfile_get_floats(const vgl_modelfile *file, const char *key, size_t *count);

size_t vgl_modelfile_tensor_count(const vgl_modelfile *file);
const vgl_tensor_info *vgl_modelfile_tensor_at(const vgl_modelfile *file, size_t index);
const vgl_tensor_info *vgl_modelfile_find_tensor(const vgl_modelfile *file, const char *name);

/* -------------------------------------------------------------- networks */

/*
 * A pretrained CNN backbone read from a model file: a graph of layers
 * executed on the CPU (OpenBLAS for the matrix products, OpenMP threads) up
 * to any requested intermediate layers, at any input size.  A loaded network
 * is immutable, so one may serve several threads at once.
 */
typedef struct vgl_network vgl_network;

/* A batch of feature maps, NHWC float32; data is malloc'ed. */
typedef struct vgl_tensor {
    int n, h, w, c;
    float *data;
} vgl_tensor;

void vgl_tensor_free(vgl_tensor *tensor);

vgl_status vgl_network_load(const char *path, vgl_network **out, vgl_error *err);
void vgl_network_free(vgl_network *network);
/* The model file behind the network, for its metadata. */
const vgl_modelfile *vgl_network_file(const vgl_network *network);
int vgl_network_has_layer(const vgl_network *network, const char *name);
int vgl_network_input_channels(const vgl_network *network);

/* Writes one image as network input (height x width x channels floats),
 * normalised as the file's input.scale, input.mean and input.std say. */
void vgl_network_prepare_input(const vgl_network *network, const vgl_image *image, float *input);

/* Runs `batch` inputs of height x width up to the named layers and returns
 * their outputs in outputs[0..n_layers) (free each with vgl_tensor_free).
 * Only the layers needed are computed.  threads >= 1. */
vgl_status vgl_network_run(const vgl_network *network, const float *input, int batch, int height,
                           int width, const char *const *layers, int n_layers, int threads,
                           vgl_tensor *outputs, vgl_error *err);

/* --------------------------------------------------------- anomaly models */

/*
 * Training, evaluation and detection, PatchCore-style: patch features from
 * two middle layers of a backbone, a memory bank of normal patches, nearest
 * neighbour distances as anomaly scores; a threshold and a calibrated
 * confidence fitted on a validation part of the training data; for
 * segmentation, pixel classes told apart by the features of annotated
 * pixels.  See docs/engine.md.
 */

#define VGL_CLASS_NAME_MAX 64
#define VGL_MAX_CLASSES 100

/* An anomaly class of a segmentation dataset (background is not one). */
typedef struct vgl_class {
    char name[VGL_CLASS_NAME_MAX];
    uint8_t color[3]; /* its colour in masks and in AnomalyMask */
} vgl_class;

typedef enum vgl_label {
    VGL_LABEL_NONE = -1, /* unlabelled: ignored by training */
    VGL_LABEL_NORMAL = 0,
    VGL_LABEL_ANOMALY = 1,
} vgl_label;

typedef struct vgl_sample {
    const char *name; /* source-ref or path: names it in messages, seeds the split */
    vgl_label label;
    int has_mask;
} vgl_sample;

/* Loads sample `index`: its RGB image and, when mask is not NULL and the
 * sample has one, a malloc'ed class-index map of the image's size (0 =
 * background, k = classes[k-1]).  Called once or twice a sample, never
 * concurrently. */
typedef vgl_status (*vgl_sample_loader)(void *context, size_t index, vgl_image *image,
                                        uint8_t **mask, vgl_error *err);

typedef struct vgl_dataset {
    size_t count;
    const vgl_sample *samples;
    vgl_sample_loader load;
    void *context;
    int n_classes; /* anomaly classes; 0 for a classification dataset */
    const vgl_class *classes;
} vgl_dataset;

typedef struct vgl_model vgl_model;

typedef struct vgl_train_options {
    const char *backbone_path; /* a backbone model file, e.g. models/mobilenet_v2.vgm */
    int threads;               /* >= 1 */
    /* Called as work advances (may be NULL): stage is a short phrase. */
    void (*progress)(void *context, const char *stage, size_t done, size_t total);
    void *progress_context;
} vgl_train_options;

/* What DetectAnomalies answers for one image. */
typedef struct vgl_detection {
    int is_anomalous;
    double confidence;     /* probability that is_anomalous is right */
    double score;          /* the image's anomaly score the decision thresholds */
    int width, height;     /* of the input image */
    /* Segmentation models only (else NULL): the class of every pixel
     * (0 = background, k = the model's class k) and the fraction of the
     * image each class covers (n_classes + 1 values, background first). */
    uint8_t *class_map;
    double *class_fraction;
    /* Only when asked for (evaluation): the pixel anomaly scores. */
    float *score_map;
} vgl_detection;

typedef struct vgl_class_metrics {
    char name[VGL_CLASS_NAME_MAX];
    double precision, recall, f1;
    double aiou;      /* mean IoU over test images whose truth has the class */
    int images_found; /* test images where the class was predicted */
} vgl_class_metrics;

/* A model's performance on its test images (image level: anomaly is the
 * positive class; values are 0 where undefined, ROC AUC NAN). */
typedef struct vgl_evaluation {
    size_t n_training_images;
    size_t n_test_images;
    int tp, fp, tn, fn;
    double precision, recall, f1, roc_auc, average_precision;
    double pixel_roc_auc; /* NAN unless the test images have masks */
    int n_classes;
    vgl_class_metrics classes[VGL_MAX_CLASSES];
} vgl_evaluation;

/* Called once per test image with the model's answer (truth_mask: the
 * sample's class map, or NULL). */
typedef void (*vgl_test_callback)(void *context, const vgl_sample *sample,
                                  const vgl_detection *detection, const uint8_t *truth_mask);

/* Trains on `train` and evaluates on `test`; with test NULL, train is split
 * into a training part and a test part (docs/engine.md gives the rule).
 * on_test may be NULL.  Fills *model and *evaluation. */
vgl_status vgl_train(const vgl_dataset *train, const vgl_dataset *test,
                     const vgl_train_options *options, vgl_test_callback on_test,
                     void *test_context, vgl_model **model, vgl_evaluation *evaluation,
                     vgl_error *err);

/* Evaluates a trained model on a labelled dataset. */
vgl_status vgl_evaluate(const vgl_model *model, const vgl_dataset *test, int threads,
                        vgl_test_callback on_test, void *test_context,
                        vgl_evaluation *evaluation, vgl_error *err);

vgl_status vgl_model_save(const vgl_model *model, const char *path, vgl_error *err);
/* The model file's bytes written to fd (vgl_modelfile_write_fd). */
vgl_status vgl_model_save_fd(const vgl_model *model, int fd, vgl_error *err);
vgl_status vgl_model_load(const char *path, vgl_model **out, vgl_error *err);
void vgl_model_free(vgl_model *model);

int vgl_model_is_segmentation(const vgl_model *model);
/* The size every input image must have (that of the training images). */
void vgl_model_image_size(const vgl_model *model, int *width, int *height);
int vgl_model_class_count(const vgl_model *model);
const vgl_class *vgl_model_class(const vgl_model *model, int index); /* 0-based */

/* Fails with VGL_EINVAL when the image is not of the model's size. */
vgl_status vgl_model_detect(const vgl_model *model, const vgl_image *image, int threads,
                            vgl_detection *out, vgl_error *err);
void vgl_detection_free(vgl_detection *detection);

/* The AnomalyMask: an RGB PNG of the image's size, each pixel painted with
 * its class's colour, background white. */
vgl_status vgl_detection_mask_png(const vgl_model *model, const vgl_detection *detection,
                                  uint8_t **png, size_t *png_size, vgl_error *err);
/* The same mask as raw interleaved RGB pixels (what the edge agent returns);
 * free it with vgl_image_free. */
vgl_status vgl_detection_mask_rgb(const vgl_model *model, const vgl_detection *detection,
                                  vgl_image *mask, vgl_error *err);
/* The same pixels painted into the caller's buffer of `size` bytes (at
 * least width * height * 3), such as shared memory. */
vgl_status vgl_detection_paint_mask(const vgl_model *model, const vgl_detection *detection,
                                    uint8_t *rgb, size_t size, vgl_error *err);

#ifdef __cplusplus
}
#endif

#endif

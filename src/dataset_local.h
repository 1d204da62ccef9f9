/*
 * dataset_local.h - a vgl_dataset over image files on the local disk, built
 * from a Ground Truth manifest or from a folder of normal/ and anomaly/
 * images, for `vigil train` and anything else that trains from files.
 *
 * Manifest form: image and mask references are resolved against a root
 * folder (by default the manifest's own folder):
 *   - an absolute path is used as it is;
 *   - a relative path is ROOT/PATH;
 *   - s3://BUCKET/KEY is ROOT/BUCKET/KEY when that file exists (a root
 *     holding several bucket copies), otherwise ROOT/KEY (a root that is a
 *     copy of the bucket).  A key with a ".." segment is refused: S3 keys
 *     are literal names and must not reach outside the root.
 * Samples are the manifest's entries in line order, named by source-ref;
 * the classes are the manifest's class table.
 *
 * Folder form: FOLDER/normal/ and FOLDER/anomaly/ (at least one must exist)
 * hold the images, files named *.jpg, *.jpeg or *.png in any case, taken in
 * strcmp order of their names, normal ones first; samples are named
 * "normal/NAME" and "anomaly/NAME".  An optional FOLDER/masks/ holds
 * BASE.png for an anomaly image BASE.EXT.  The classes are the caller's
 * table; without one, every colour found in the masks other than black and
 * white becomes a class named class1, class2, ... in order of first
 * appearance (masks in sample order, pixels in raster order).
 *
 * Loading decodes the image with vgl_image_read_file and the default
 * limits; a mask must be a PNG by its magic bytes and of the image's size,
 * and each of its pixels maps to the class with that colour among the
 * sample's classes (a manifest line's own map, or every class of a folder
 * dataset), anything else to background (0).  Every error names the file
 * and, for a manifest, the line.
 */
#ifndef VIGIL_DATASET_LOCAL_H
#define VIGIL_DATASET_LOCAL_H

#include <stddef.h>

#include "manifest.h"
#include "vigil.h"

typedef struct dataset_local dataset_local;

/* Reads and parses the manifest file (at most MANIFEST_MAX_BYTES); root may
 * be NULL for the manifest's folder.  Files are not opened yet (see
 * dataset_local_check), except to choose between the two s3:// rules. */
vgl_status dataset_local_from_manifest(const char *manifest_path, const char *root,
                                       dataset_local **out, vgl_error *err);

/* The same from a manifest already parsed; root is required.  m is copied,
 * so the caller may free it at once. */
vgl_status dataset_local_from_parsed(const manifest *m, const char *root, dataset_local **out,
                                     vgl_error *err);

/* From a folder as described above.  classes may be NULL with n_classes 0
 * to take the classes from the masks' colours. */
vgl_status dataset_local_from_folder(const char *folder, const vgl_class *classes, int n_classes,
                                     dataset_local **out, vgl_error *err);

void dataset_local_free(dataset_local *dataset);

/* Reads a whole file into memory (malloc'ed), for files stored in another
 * form than plain images, such as encrypted copies (sealed_file.h). */
typedef vgl_status (*dataset_file_reader)(void *context, const char *path, uint8_t **data,
                                          size_t *size, vgl_error *err);

/* From now on the checks and the loader read every image and mask through
 * reader (context is passed along) instead of straight from the disk. */
void dataset_local_set_reader(dataset_local *dataset, dataset_file_reader reader, void *context);

/* The dataset, valid until dataset_local_free.  Its loader is not safe to
 * call from two threads at once (vgl_dataset promises it never is). */
const vgl_dataset *dataset_local_dataset(const dataset_local *dataset);

/* The resolved files of sample `index`; the mask path is NULL without one. */
const char *dataset_local_image_path(const dataset_local *dataset, size_t index);
const char *dataset_local_mask_path(const dataset_local *dataset, size_t index);

/* The mask reference as the manifest wrote it (e.g. s3://BUCKET/KEY), the
 * mask file of a folder dataset, or NULL without a mask. */
const char *dataset_local_mask_ref(const dataset_local *dataset, size_t index);

/* Whether `sample` points into this dataset's sample array (the engine
 * hands such pointers to its callbacks), and then its index. */
int dataset_local_find_sample(const dataset_local *dataset, const vgl_sample *sample,
                              size_t *index);

/* Cheap checks of every file before training: it exists, is a regular
 * file of 1 byte to VGL_IMAGE_MAX_BYTES, and starts with JPEG or PNG magic
 * bytes (a mask: PNG).  Also refuses an empty dataset.  The first problem
 * found is reported, naming the file. */
vgl_status dataset_local_check(const dataset_local *dataset, vgl_error *err);

#endif

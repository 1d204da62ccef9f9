/*
 * split.h - the deterministic split of a single training dataset into a
 * training part and a test part.
 *
 * Stratified: normal images, and anomalous images per anomaly class (the
 * class covering most of an image's mask), each give about 20% of their
 * images to the test part; with enough images the test part gets at least
 * 10 normal and 10 anomalous images, as Lookout for Vision's minimum test
 * dataset required (and never more than half of either, nor of any
 * anomaly class, so that every class keeps training examples).  Within a
 * stratum the images are taken in the order of a key the caller gives (the
 * training uses a hash of each image's content), so the split depends on
 * nothing else: it survives reordering the manifest, renaming the images and
 * moving them to another bucket or folder.
 */
#ifndef VGL_SPLIT_H
#define VGL_SPLIT_H

#include <stddef.h>
#include <stdint.h>

/* keys[i], stratum[i] (0 = normal, 1.. = anomaly groups; -1 = unused),
 * n_strata >= 1.  Sets is_test[i] to 0 or 1.  Returns 0, or -1 when out of
 * memory or for no strata. */
int vgl_split(const uint64_t *keys, const int *stratum, size_t n, int n_strata, int *is_test);

#endif

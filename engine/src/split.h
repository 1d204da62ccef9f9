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
 * stratum the order is a hash of the image file names (the part after the
 * last '/'), so the split depends on nothing but the file names: it survives
 * reordering the manifest and moving the images to another bucket or folder.
 */
#ifndef VGL_SPLIT_H
#define VGL_SPLIT_H

#include <stddef.h>

/* names[i], stratum[i] (0 = normal, 1.. = anomaly groups; -1 = unused),
 * n_strata >= 1.  Sets is_test[i] to 0 or 1.  Returns 0, or -1 when out of
 * memory or for no strata. */
int vgl_split(const char *const *names, const int *stratum, size_t n, int n_strata, int *is_test);

#endif

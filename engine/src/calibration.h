/*
 * calibration.h - the decision threshold and a calibrated confidence,
 * fitted on validation scores (never on test images).
 *
 * Scores are log anomaly scores z.  The threshold t maximises F1 on the
 * validation images; among equally good cuts it takes the widest gap, and
 * inside the gap the point as many standard deviations from the normal
 * scores' mean as from the anomalous ones' (so the more variable class, usually
 * the anomalies, gets the wider berth).  The probability that an image is anomalous is then
 * p(z) = 1 / (1 + exp(-a (z - t))), so p = 1/2 exactly at the threshold and
 * decisions and confidences never disagree.  The slope a is Platt's maximum
 * likelihood fit with his smoothed targets, which keeps it finite when the
 * validation images separate perfectly.  Without anomalous validation
 * images the threshold sits three standard deviations above the normal
 * scores' mean (and above their maximum).
 */
#ifndef VGL_CALIBRATION_H
#define VGL_CALIBRATION_H

#include "vigil.h"

typedef struct vgl_calibration {
    double threshold;
    double slope;
} vgl_calibration;

vgl_status vgl_calibration_fit(const double *z, const int *is_anomaly, size_t n,
                               vgl_calibration *out, vgl_error *err);

/* Probability that an image with log score z is anomalous. */
double vgl_calibration_probability(const vgl_calibration *calibration, double z);

#endif

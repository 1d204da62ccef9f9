/*
 * calibration.h - the decision threshold and a calibrated confidence,
 * fitted on validation scores (never on test images).
 *
 * Scores are log anomaly scores z of images the model has not seen (the
 * training images, each scored without its own patches).  An image score
 * is the largest patch score of the image, so the normal images' scores
 * follow an extreme value law: a Gumbel distribution is fitted to them from
 * their median and interquartile range, which a few odd or mislabelled
 * "normal" images cannot drag (a mean and standard deviation, or a
 * maximum, can).
 *
 *  - From normal images alone, the threshold is the fitted distribution's
 *    quantile 1 - VGL_FALSE_ALARM_RATE: about one normal image in a hundred
 *    is called anomalous, whatever the anomalies look like.  A quantile
 *    estimated from few images is uncertain, so its distance from the
 *    median is widened as a prediction for the next image would be
 *    (Student's t with n - 1 degrees of freedom and sqrt(1 + 1/n) over the
 *    normal quantile: 1.27 for 10 images, 1.07 for 31, 1.01 for 150).
 *  - With labelled anomalies, the threshold may move below that quantile
 *    when that catches more of them than it costs: it maximises the
 *    expected F1 of the validation images, counting false alarms from the
 *    fitted normal tail (not from the few normal scores near the cut) and
 *    detections from the anomalies' scores smoothed by the normal scores'
 *    spread (an unseen anomaly like a validation one scores near it, not
 *    exactly on it).  It never moves above the normal quantile, so labelled
 *    anomalies can only make the model catch more.
 *
 * The probability that an image is anomalous is p(z) = 1 / (1 + exp(-a (z -
 * t))): p = 1/2 exactly at the threshold, so decisions and confidences never
 * disagree.  With anomalies the slope a is Platt's maximum likelihood fit
 * with his smoothed targets (finite even when the validation images separate
 * perfectly); from normal images alone it gives their median Platt's target
 * for a normal image, 1 / (n + 2).
 */
#ifndef VGL_CALIBRATION_H
#define VGL_CALIBRATION_H

#include "vigil.h"

/* The share of normal images called anomalous by a threshold fitted on
 * normal images alone, as their fitted score distribution predicts. */
#define VGL_FALSE_ALARM_RATE 0.01

typedef struct vgl_calibration {
    double threshold;
    double slope;
} vgl_calibration;

/* Needs at least 2 validation images, 1 of them normal. */
vgl_status vgl_calibration_fit(const double *z, const int *is_anomaly, size_t n,
                               vgl_calibration *out, vgl_error *err);

/* Probability that an image with log score z is anomalous. */
double vgl_calibration_probability(const vgl_calibration *calibration, double z);

#endif

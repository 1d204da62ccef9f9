/*
 * inference_pool.h - the inference units of a hosted model: worker threads
 * fed by a bounded queue, their number kept between MinInferenceUnits and
 * MaxInferenceUnits by a small controller that follows the load.
 *
 * A caller (an HTTP thread) hands a job to inference_pool_run, which queues
 * it and blocks until a unit has run it; a full queue refuses the job at
 * once, which the API answers as ThrottlingException.  The pool knows
 * nothing of models: a unit calls the work function given at the start.
 */
#ifndef VIGIL_INFERENCE_POOL_H
#define VIGIL_INFERENCE_POOL_H

#include "vigil.h"

#include <stddef.h>

typedef struct inference_pool inference_pool;

/* Runs one job on a unit's thread. */
typedef void (*inference_work_fn)(void *context, void *job);

typedef struct inference_pool_config {
    int min_units;          /* >= 1: units at the start and after a quiet period */
    int max_units;          /* the controller's ceiling; <= min_units: a fixed pool */
    size_t queue_capacity;  /* jobs that may wait for a unit; >= 1 */
    double grow_after;      /* seconds the oldest job waits before a unit is added */
    double shrink_after;    /* seconds without any waiting before a unit is removed */
    /* How often the pool's own controller thread ticks; 0: no controller
     * thread, the owner calls inference_pool_tick (the unit tests do). */
    double tick_interval;
    /* Seconds on a monotonic clock; NULL: CLOCK_MONOTONIC.  Tests inject
     * their own to drive the controller without sleeping. */
    double (*clock)(void *clock_context);
    void *clock_context;
} inference_pool_config;

/* The defaults the service hosts models with: a queue of 8 jobs per unit of
 * the ceiling, a unit added after 50 ms of waiting, removed after 30 s
 * without any, a tick every 25 ms. */
inference_pool_config inference_pool_defaults(int min_units, int max_units);

/* Starts min_units units (and the controller when it has room to scale). */
vgl_status inference_pool_start(const inference_pool_config *config, inference_work_fn work,
                                void *context, inference_pool **out, vgl_error *err);

typedef enum inference_result {
    INFERENCE_DONE,       /* a unit ran the job */
    INFERENCE_THROTTLED,  /* the queue was full; the job did not run */
    INFERENCE_STOPPED,    /* the pool is stopping; the job did not run */
} inference_result;

/* Queues job and waits until a unit has run it. */
inference_result inference_pool_run(inference_pool *pool, void *job);

/* One step of the controller (see inference_pool.c for the rule). */
void inference_pool_tick(inference_pool *pool);

typedef struct inference_pool_stats {
    int min_units, max_units;  /* as configured (max = min for a fixed pool) */
    int desired_units;         /* what the controller wants */
    int in_service_units;      /* unit threads running now */
    size_t queued;             /* jobs waiting for a unit */
} inference_pool_stats;

void inference_pool_stats_get(inference_pool *pool, inference_pool_stats *out);

/* Refuses new jobs, lets the units finish every queued one, joins them and
 * frees the pool. */
void inference_pool_stop(inference_pool *pool);

#endif

/*
 * inference_pool.c - inference units (inference_pool.h): one mutex guards
 * the queue, the unit slots and the controller's state.
 *
 * Unit i (0-based) runs while i < desired; when desired drops below i + 1
 * the unit finishes its job and retires, and its slot is joined before it
 * is used again.  So InService may lag Desired for the length of a job,
 * which is what Lookout's two metrics show while it scales.
 *
 * The controller's rule, one step per tick:
 *   - grow: when the oldest queued job has waited grow_after seconds and
 *     desired < max, desired + 1.  At most one unit per grow_after, so a
 *     burst has time to meet the new unit before another is added;
 *   - shrink: when no job has had to wait for a unit (it was queued while
 *     every unit was busy) for shrink_after seconds and desired > min,
 *     desired - 1, and the quiet period starts again: one unit per
 *     shrink_after.
 * The two thresholds are the hysteresis: growing reacts within tens of
 * milliseconds, shrinking needs a long calm, so a load that comes and goes
 * does not make the pool start and stop threads on every burst.
 */
#include "inference_pool.h"

#include "error.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define DEFAULT_QUEUE_PER_UNIT 8
#define DEFAULT_GROW_AFTER 0.05
#define DEFAULT_SHRINK_AFTER 30.0
#define DEFAULT_TICK_INTERVAL 0.025

typedef struct queued_job {
    void *job;
    double queued_at;
    int done;
    struct queued_job *next;
} queued_job;

typedef enum unit_state { UNIT_EMPTY, UNIT_RUNNING, UNIT_RETIRED } unit_state;

typedef struct unit {
    inference_pool *pool;
    int index;
    unit_state state; /* RETIRED: the thread has ended and waits to be joined */
    pthread_t thread;
} unit;

struct inference_pool {
    inference_pool_config config;
    inference_work_fn work;
    void *context;
    pthread_mutex_t lock;
    pthread_cond_t job_ready;       /* units: a job, a retirement or the stop */
    pthread_cond_t job_done;        /* callers: their job has run */
    pthread_cond_t controller_wake; /* the controller thread: the stop */
    queued_job *head, *tail;
    size_t queued;
    int idle;       /* units waiting for a job */
    int desired;
    int in_service; /* unit threads started and not yet retired */
    int stopping;
    double last_wait; /* when a job last had to wait for a unit */
    double last_grow;
    unit *units;      /* max_units slots */
    int has_controller;
    pthread_t controller;
};

static double monotonic_seconds(void *unused)
{
    (void)unused;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(const inference_pool *pool)
{
    return pool->config.clock(pool->config.clock_context);
}

inference_pool_config inference_pool_defaults(int min_units, int max_units)
{
    int ceiling = max_units > min_units ? max_units : min_units;
    return (inference_pool_config){.min_units = min_units,
                                   .max_units = max_units,
                                   .queue_capacity = (size_t)ceiling * DEFAULT_QUEUE_PER_UNIT,
                                   .grow_after = DEFAULT_GROW_AFTER,
                                   .shrink_after = DEFAULT_SHRINK_AFTER,
                                   .tick_interval = DEFAULT_TICK_INTERVAL};
}

static void *unit_main(void *arg)
{
    unit *u = arg;
    inference_pool *pool = u->pool;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->head && !pool->stopping && u->index < pool->desired) {
            pool->idle++;
            pthread_cond_wait(&pool->job_ready, &pool->lock);
            pool->idle--;
        }
        if (u->index >= pool->desired || !pool->head)
            break; /* retired by the controller, or stopping with the queue drained */
        queued_job *q = pool->head;
        pool->head = q->next;
        if (!pool->head)
            pool->tail = NULL;
        pool->queued--;
        pthread_mutex_unlock(&pool->lock);
        pool->work(pool->context, q->job);
        pthread_mutex_lock(&pool->lock);
        q->done = 1;
        pthread_cond_broadcast(&pool->job_done);
    }
    pool->in_service--;
    /* the last change under the lock: whoever sees RETIRED may join at once */
    u->state = UNIT_RETIRED;
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

/* Starts a thread in every empty slot below desired; the caller holds the
 * lock.  A slot whose thread could not start stays empty and the next tick
 * tries again. */
static vgl_status start_units(inference_pool *pool, vgl_error *err)
{
    for (int i = 0; i < pool->desired; i++) {
        unit *u = &pool->units[i];
        if (u->state == UNIT_RETIRED) {
            pthread_join(u->thread, NULL);
            u->state = UNIT_EMPTY;
        }
        if (u->state != UNIT_EMPTY)
            continue;
        int rc = pthread_create(&u->thread, NULL, unit_main, u);
        if (rc != 0)
            return vgl_error_set(err, VGL_EIO, "cannot start an inference unit: error %d", rc);
        u->state = UNIT_RUNNING;
        pool->in_service++;
    }
    return VGL_OK;
}

void inference_pool_tick(inference_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    double t = now(pool);
    if (pool->stopping) {
        pthread_mutex_unlock(&pool->lock);
        return;
    }
    if (pool->head)
        pool->last_wait = t; /* a job is still waiting: not quiet */
    if (pool->head && t - pool->head->queued_at >= pool->config.grow_after &&
        t - pool->last_grow >= pool->config.grow_after && pool->desired < pool->config.max_units) {
        pool->desired++;
        pool->last_grow = t;
        vgl_error ignored = {0};
        start_units(pool, &ignored);
    } else if (pool->desired > pool->config.min_units &&
               t - pool->last_wait >= pool->config.shrink_after) {
        pool->desired--;
        pool->last_wait = t;
        pthread_cond_broadcast(&pool->job_ready); /* the unit above desired retires */
    }
    pthread_mutex_unlock(&pool->lock);
}

static void deadline_after(double seconds, struct timespec *out)
{
    clock_gettime(CLOCK_MONOTONIC, out);
    long long ns = out->tv_nsec + (long long)(seconds * 1e9);
    out->tv_sec += (time_t)(ns / 1000000000LL);
    out->tv_nsec = (long)(ns % 1000000000LL);
}

static void *controller_main(void *arg)
{
    inference_pool *pool = arg;
    pthread_mutex_lock(&pool->lock);
    while (!pool->stopping) {
        struct timespec deadline;
        deadline_after(pool->config.tick_interval, &deadline);
        int rc = pthread_cond_timedwait(&pool->controller_wake, &pool->lock, &deadline);
        if (rc == ETIMEDOUT && !pool->stopping) {
            pthread_mutex_unlock(&pool->lock);
            inference_pool_tick(pool);
            pthread_mutex_lock(&pool->lock);
        }
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

static void pool_free(inference_pool *pool)
{
    pthread_cond_destroy(&pool->controller_wake);
    pthread_cond_destroy(&pool->job_done);
    pthread_cond_destroy(&pool->job_ready);
    pthread_mutex_destroy(&pool->lock);
    free(pool->units);
    free(pool);
}

vgl_status inference_pool_start(const inference_pool_config *config, inference_work_fn work,
                                void *context, inference_pool **out, vgl_error *err)
{
    *out = NULL;
    if (config->min_units < 1 || config->queue_capacity < 1)
        return vgl_error_set(err, VGL_EINVAL,
                             "an inference pool needs at least one unit and room for one job");
    inference_pool *pool = calloc(1, sizeof *pool);
    int max_units = config->max_units > config->min_units ? config->max_units : config->min_units;
    if (pool)
        pool->units = calloc((size_t)max_units, sizeof *pool->units);
    if (!pool || !pool->units) {
        free(pool);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory starting the inference units");
    }
    pool->config = *config;
    pool->config.max_units = max_units;
    if (!pool->config.clock)
        pool->config.clock = monotonic_seconds;
    pool->work = work;
    pool->context = context;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->job_ready, NULL);
    pthread_cond_init(&pool->job_done, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&pool->controller_wake, &attr);
    pthread_condattr_destroy(&attr);
    for (int i = 0; i < max_units; i++)
        pool->units[i] = (unit){.pool = pool, .index = i, .state = UNIT_EMPTY};
    pool->last_wait = pool->last_grow = now(pool);
    pool->desired = config->min_units;
    pthread_mutex_lock(&pool->lock);
    vgl_status status = start_units(pool, err);
    pthread_mutex_unlock(&pool->lock);
    if (status == VGL_OK && max_units > config->min_units && config->tick_interval > 0) {
        if (pthread_create(&pool->controller, NULL, controller_main, pool) == 0)
            pool->has_controller = 1;
        else
            status = vgl_error_set(err, VGL_EIO, "cannot start the inference units' controller");
    }
    if (status != VGL_OK) {
        inference_pool_stop(pool);
        return status;
    }
    *out = pool;
    return VGL_OK;
}

inference_result inference_pool_run(inference_pool *pool, void *job)
{
    queued_job q = {.job = job};
    pthread_mutex_lock(&pool->lock);
    if (pool->stopping) {
        pthread_mutex_unlock(&pool->lock);
        return INFERENCE_STOPPED;
    }
    if (pool->queued >= pool->config.queue_capacity) {
        pthread_mutex_unlock(&pool->lock);
        return INFERENCE_THROTTLED;
    }
    q.queued_at = now(pool);
    if (pool->tail)
        pool->tail->next = &q;
    else
        pool->head = &q;
    pool->tail = &q;
    pool->queued++;
    if (pool->queued > (size_t)pool->idle)
        pool->last_wait = q.queued_at; /* every unit is busy: this job waits */
    /* broadcast, not signal: a unit woken to retire would swallow a signal */
    pthread_cond_broadcast(&pool->job_ready);
    while (!q.done)
        pthread_cond_wait(&pool->job_done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
    return INFERENCE_DONE;
}

void inference_pool_stats_get(inference_pool *pool, inference_pool_stats *out)
{
    pthread_mutex_lock(&pool->lock);
    *out = (inference_pool_stats){.min_units = pool->config.min_units,
                                  .max_units = pool->config.max_units,
                                  .desired_units = pool->desired,
                                  .in_service_units = pool->in_service,
                                  .queued = pool->queued};
    pthread_mutex_unlock(&pool->lock);
}

void inference_pool_stop(inference_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->stopping = 1;
    pthread_cond_broadcast(&pool->job_ready);
    pthread_cond_broadcast(&pool->controller_wake);
    pthread_mutex_unlock(&pool->lock);
    if (pool->has_controller)
        pthread_join(pool->controller, NULL);
    /* Once stopping, no slot is started again: a started one only retires,
     * after the queue is empty, and is joined here. */
    for (int i = 0; i < pool->config.max_units; i++) {
        pthread_mutex_lock(&pool->lock);
        int started = pool->units[i].state != UNIT_EMPTY;
        pthread_mutex_unlock(&pool->lock);
        if (started)
            pthread_join(pool->units[i].thread, NULL);
    }
    pool_free(pool);
}

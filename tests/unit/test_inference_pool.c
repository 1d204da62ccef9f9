/* test_inference_pool.c - the inference units: jobs run on the units, the
 * controller grows the pool toward Max while jobs wait and shrinks it back
 * to Min after a quiet period (driven by explicit ticks on an injected
 * clock, so no test sleeps through a period), a stop while busy runs every
 * queued job, and a full queue throttles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>
#include <pthread.h>

#include "inference_pool.h"

/* ------------------------------------------------------------- a gated job */

/* Jobs block in the work function until the test opens the gate, so the
 * test decides how many are running and how many wait. */
typedef struct gate {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int open;
    int started;
} gate;

static gate the_gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

static void gated_work(void *context, void *job)
{
    gate *g = context;
    pthread_mutex_lock(&g->lock);
    g->started++;
    pthread_cond_broadcast(&g->changed);
    while (!g->open)
        pthread_cond_wait(&g->changed, &g->lock);
    pthread_mutex_unlock(&g->lock);
    (*(int *)job)++;
}

static void gate_reset(int open)
{
    pthread_mutex_lock(&the_gate.lock);
    the_gate.open = open;
    the_gate.started = 0;
    pthread_mutex_unlock(&the_gate.lock);
}

static void gate_open(void)
{
    pthread_mutex_lock(&the_gate.lock);
    the_gate.open = 1;
    pthread_cond_broadcast(&the_gate.changed);
    pthread_mutex_unlock(&the_gate.lock);
}

static void wait_started(int n)
{
    pthread_mutex_lock(&the_gate.lock);
    while (the_gate.started < n)
        pthread_cond_wait(&the_gate.changed, &the_gate.lock);
    pthread_mutex_unlock(&the_gate.lock);
}

/* ------------------------------------------------------------- callers */

typedef struct caller {
    inference_pool *pool;
    int runs; /* incremented by the job when a unit runs it */
    inference_result result;
    pthread_t thread;
} caller;

static void *caller_main(void *arg)
{
    caller *c = arg;
    c->result = inference_pool_run(c->pool, &c->runs);
    return NULL;
}

static void call_async(caller *c, inference_pool *pool)
{
    c->pool = pool;
    c->runs = 0;
    assert_int_equal(pthread_create(&c->thread, NULL, caller_main, c), 0);
}

static void call_join(caller *c)
{
    pthread_join(c->thread, NULL);
    assert_int_equal(c->result, INFERENCE_DONE);
    assert_int_equal(c->runs, 1);
}

/* Units and callers are threads: the state they reach is polled (1 ms
 * steps, 5 s at most) instead of assumed after a fixed sleep. */
static inference_pool_stats wait_stats(inference_pool *pool, int in_service, size_t queued)
{
    inference_pool_stats s;
    for (int i = 0; i < 5000; i++) {
        inference_pool_stats_get(pool, &s);
        if (s.in_service_units == in_service && s.queued == queued)
            return s;
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    fail_msg("expected %d units in service and %zu queued, have %d and %zu", in_service, queued,
             s.in_service_units, s.queued);
    return s;
}

static double fake_clock(void *context) { return *(double *)context; }

static inference_pool *start(int min_units, int max_units, size_t capacity, double *clock)
{
    inference_pool_config config = inference_pool_defaults(min_units, max_units);
    config.queue_capacity = capacity;
    config.tick_interval = 0; /* the test ticks */
    config.clock = fake_clock;
    config.clock_context = clock;
    inference_pool *pool = NULL;
    vgl_error err = {0};
    assert_int_equal(inference_pool_start(&config, gated_work, &the_gate, &pool, &err), VGL_OK);
    return pool;
}

/* ------------------------------------------------------------- tests */

static void test_fixed_pool_runs_jobs(void **state)
{
    (void)state;
    double t = 0;
    gate_reset(1);
    inference_pool *pool = start(2, 0, 4, &t);
    for (int i = 0; i < 10; i++) {
        int runs = 0;
        assert_int_equal(inference_pool_run(pool, &runs), INFERENCE_DONE);
        assert_int_equal(runs, 1);
    }
    inference_pool_stats s;
    inference_pool_stats_get(pool, &s);
    assert_int_equal(s.min_units, 2);
    assert_int_equal(s.max_units, 2); /* no Max: fixed at Min */
    assert_int_equal(s.desired_units, 2);
    assert_int_equal(s.in_service_units, 2);
    t = 1000;
    inference_pool_tick(pool); /* nothing to scale */
    inference_pool_stats_get(pool, &s);
    assert_int_equal(s.desired_units, 2);
    inference_pool_stop(pool);
}

static void test_scales_up_under_load_and_down_when_idle(void **state)
{
    (void)state;
    double t = 0;
    gate_reset(0);
    inference_pool *pool = start(1, 3, 8, &t);
    caller c[4];
    for (int i = 0; i < 4; i++)
        call_async(&c[i], pool);
    wait_started(1);
    wait_stats(pool, 1, 3);

    inference_pool_tick(pool); /* the jobs have not waited long yet */
    inference_pool_stats s = wait_stats(pool, 1, 3);
    assert_int_equal(s.desired_units, 1);

    t = 0.06; /* past grow_after (50 ms): one more unit takes a job */
    inference_pool_tick(pool);
    wait_started(2);
    s = wait_stats(pool, 2, 2);
    assert_int_equal(s.desired_units, 2);

    t = 0.08; /* jobs still wait, but a unit was added 20 ms ago */
    inference_pool_tick(pool);
    inference_pool_stats_get(pool, &s);
    assert_int_equal(s.desired_units, 2);

    t = 0.12;
    inference_pool_tick(pool);
    wait_started(3);
    s = wait_stats(pool, 3, 1);
    assert_int_equal(s.desired_units, 3);

    t = 0.2; /* at Max: no further unit however long the job waits */
    inference_pool_tick(pool);
    inference_pool_stats_get(pool, &s);
    assert_int_equal(s.desired_units, 3);

    gate_open();
    for (int i = 0; i < 4; i++)
        call_join(&c[i]);

    t = 20; /* idle, but not for shrink_after (30 s) since the last wait */
    inference_pool_tick(pool);
    inference_pool_stats_get(pool, &s);
    assert_int_equal(s.desired_units, 3);

    t = 30.3; /* quiet for 30 s: one unit goes */
    inference_pool_tick(pool);
    s = wait_stats(pool, 2, 0);
    assert_int_equal(s.desired_units, 2);

    t = 31; /* the quiet period starts again after each step down */
    inference_pool_tick(pool);
    inference_pool_stats_get(pool, &s);
    assert_int_equal(s.desired_units, 2);

    t = 60.4;
    inference_pool_tick(pool);
    s = wait_stats(pool, 1, 0);
    assert_int_equal(s.desired_units, 1);

    t = 1000; /* never below Min */
    inference_pool_tick(pool);
    s = wait_stats(pool, 1, 0);
    assert_int_equal(s.desired_units, 1);

    int runs = 0;
    assert_int_equal(inference_pool_run(pool, &runs), INFERENCE_DONE);
    assert_int_equal(runs, 1);
    inference_pool_stop(pool);
}

static void test_grows_again_into_a_retired_slot(void **state)
{
    (void)state;
    double t = 0;
    gate_reset(0);
    inference_pool *pool = start(1, 2, 8, &t);
    caller c[3];
    for (int round = 0; round < 2; round++) {
        gate_reset(0);
        for (int i = 0; i < 3; i++)
            call_async(&c[i], pool);
        wait_started(1);
        wait_stats(pool, 1, 2); /* the other two queued before the tick sees them */
        t += 0.1;
        inference_pool_tick(pool);
        wait_started(2);
        wait_stats(pool, 2, 1);
        gate_open();
        for (int i = 0; i < 3; i++)
            call_join(&c[i]);
        t += 31;
        inference_pool_tick(pool);
        wait_stats(pool, 1, 0);
    }
    inference_pool_stop(pool);
}

typedef struct stopper {
    inference_pool *pool;
    pthread_t thread;
} stopper;

static void *stopper_main(void *arg)
{
    inference_pool_stop(((stopper *)arg)->pool);
    return NULL;
}

static void test_stop_while_busy_runs_the_queued_jobs(void **state)
{
    (void)state;
    double t = 0;
    gate_reset(0);
    inference_pool *pool = start(2, 0, 8, &t);
    caller c[5];
    for (int i = 0; i < 5; i++)
        call_async(&c[i], pool);
    wait_started(2);
    wait_stats(pool, 2, 3);
    stopper s = {.pool = pool};
    assert_int_equal(pthread_create(&s.thread, NULL, stopper_main, &s), 0);
    gate_open();
    pthread_join(s.thread, NULL); /* returns once the units have drained and ended */
    for (int i = 0; i < 5; i++)
        call_join(&c[i]);
}

static void test_full_queue_throttles(void **state)
{
    (void)state;
    double t = 0;
    gate_reset(0);
    inference_pool *pool = start(1, 0, 1, &t);
    caller running, waiting;
    call_async(&running, pool);
    wait_started(1);
    call_async(&waiting, pool);
    wait_stats(pool, 1, 1);
    int runs = 0;
    assert_int_equal(inference_pool_run(pool, &runs), INFERENCE_THROTTLED);
    assert_int_equal(runs, 0);
    gate_open();
    call_join(&running);
    call_join(&waiting);
    assert_int_equal(inference_pool_run(pool, &runs), INFERENCE_DONE);
    assert_int_equal(runs, 1);
    inference_pool_stop(pool);
}

static void test_bad_config_refused(void **state)
{
    (void)state;
    inference_pool_config config = inference_pool_defaults(0, 0);
    inference_pool *pool = (inference_pool *)&config;
    vgl_error err = {0};
    assert_int_equal(inference_pool_start(&config, gated_work, &the_gate, &pool, &err), VGL_EINVAL);
    assert_null(pool);
    assert_true(err.message[0] != '\0');
}

static void test_controller_thread_grows_the_pool(void **state)
{
    (void)state;
    /* the real clock and the pool's own controller, as the service runs it */
    gate_reset(0);
    inference_pool_config config = inference_pool_defaults(1, 2);
    config.grow_after = 0.005;
    config.tick_interval = 0.002;
    inference_pool *pool = NULL;
    vgl_error err = {0};
    assert_int_equal(inference_pool_start(&config, gated_work, &the_gate, &pool, &err), VGL_OK);
    caller c[2];
    call_async(&c[0], pool);
    call_async(&c[1], pool);
    wait_started(2); /* the second job can only start on a second unit */
    inference_pool_stats s;
    inference_pool_stats_get(pool, &s);
    assert_int_equal(s.desired_units, 2);
    gate_open();
    call_join(&c[0]);
    call_join(&c[1]);
    inference_pool_stop(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_pool_runs_jobs),
        cmocka_unit_test(test_scales_up_under_load_and_down_when_idle),
        cmocka_unit_test(test_grows_again_into_a_retired_slot),
        cmocka_unit_test(test_stop_while_busy_runs_the_queued_jobs),
        cmocka_unit_test(test_full_queue_throttles),
        cmocka_unit_test(test_bad_config_refused),
        cmocka_unit_test(test_controller_thread_grows_the_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

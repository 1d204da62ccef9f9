/*
 * test_background_jobs.c - background jobs run on their own threads; a
 * drain waits until every running job has returned (jobs held at a gate
 * see background_jobs_stopping() turn true, then finish) and refuses the
 * jobs started after it, which stay the caller's; and a drain returns only
 * after the jobs' threads have exited, their thread-local destructors run
 * (OpenSSL frees its per-thread state there: a server exiting before that
 * leaked it).
 *
 * The registry is process-wide and a drain is final, so the whole sequence
 * is one test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "background_jobs.h"

#include <pthread.h>
#include <unistd.h>

#define JOBS 4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int started, finished, saw_stopping;

/* Waits at the gate until the server stops, like a long job checking
 * between its steps, and records that it did. */
static void gated_job(void *arg)
{
    int *runs = arg;
    pthread_mutex_lock(&lock);
    started++;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    while (!background_jobs_stopping())
        usleep(1000);
    pthread_mutex_lock(&lock);
    saw_stopping++;
    (*runs)++;
    finished++;
    pthread_mutex_unlock(&lock);
}

/* Thread-local state with a slow destructor, as OpenSSL keeps per thread. */
static pthread_key_t local_key;
static volatile int destructed;

static void slow_destructor(void *value)
{
    usleep(50000); /* the job has returned long before this ends */
    destructed = *(int *)value;
}

static void job_with_local_state(void *arg)
{
    pthread_setspecific(local_key, arg);
    while (!background_jobs_stopping())
        usleep(1000);
}

static void test_drain_waits_for_running_jobs_then_refuses(void **state)
{
    (void)state;
    int runs[JOBS] = {0};
    static int local_value = 42;
    assert_int_equal(pthread_key_create(&local_key, slow_destructor), 0);
    assert_int_equal(background_job_start(job_with_local_state, &local_value), BACKGROUND_STARTED);
    for (int i = 0; i < JOBS; i++)
        assert_int_equal(background_job_start(gated_job, &runs[i]), BACKGROUND_STARTED);
    pthread_mutex_lock(&lock);
    while (started < JOBS)
        pthread_cond_wait(&changed, &lock);
    assert_int_equal(finished, 0);
    pthread_mutex_unlock(&lock);
    assert_false(background_jobs_stopping());

    background_jobs_drain();

    assert_true(background_jobs_stopping());
    assert_int_equal(finished, JOBS); /* drain returned only after every job */
    assert_int_equal(saw_stopping, JOBS);
    assert_int_equal(destructed, 42); /* the thread had exited */
    for (int i = 0; i < JOBS; i++)
        assert_int_equal(runs[i], 1);
    int late = 0;
    assert_int_equal(background_job_start(gated_job, &late), BACKGROUND_STOPPING);
    usleep(20000);
    assert_int_equal(late, 0); /* never run */
    background_jobs_drain(); /* a second drain has nothing to wait for */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drain_waits_for_running_jobs_then_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

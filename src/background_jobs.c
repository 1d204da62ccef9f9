/*
 * background_jobs.c - the running background jobs (background_jobs.h),
 * under one mutex.
 *
 * Job threads are joined, not detached: a thread's exit runs its
 * thread-local destructors (OpenSSL frees the per-thread random generators
 * a training's sealed files created), and a drain that returned when the
 * job function did would let the server exit in the middle of them, which
 * LeakSanitizer reports as a leak.  A drain joins every thread; a start
 * joins those already finished, so a long-running server keeps none.
 */
#include "background_jobs.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct job_thread {
    void (*run)(void *job);
    void *job;
    pthread_t thread;
    int finished;            /* run has returned: joining it does not wait long */
    struct job_thread *next; /* started and not joined yet */
} job_thread;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_done = PTHREAD_COND_INITIALIZER;
static job_thread *threads;
static int running;
static int stopping;

static void *job_main(void *arg)
{
    job_thread *t = arg;
    t->run(t->job);
    pthread_mutex_lock(&lock);
    t->finished = 1;
    if (--running == 0)
        pthread_cond_broadcast(&all_done);
    pthread_mutex_unlock(&lock);
    return NULL;
}

/* Joins and frees the finished threads (all of them when `all`, once no
 * job runs).  The joins happen outside the lock: a thread still takes it
 * on its way out. */
static void join_finished(int all)
{
    job_thread *done = NULL;
    pthread_mutex_lock(&lock);
    for (job_thread **p = &threads; *p;) {
        job_thread *t = *p;
        if (all || t->finished) {
            *p = t->next;
            t->next = done;
            done = t;
        } else {
            p = &t->next;
        }
    }
    pthread_mutex_unlock(&lock);
    while (done) {
        job_thread *t = done;
        done = t->next;
        pthread_join(t->thread, NULL);
        free(t);
    }
}

background_start background_job_start(void (*run)(void *job), void *job)
{
    join_finished(0);
    job_thread *t = calloc(1, sizeof *t);
    pthread_mutex_lock(&lock);
    background_start result = BACKGROUND_NO_THREAD;
    if (stopping) {
        result = BACKGROUND_STOPPING;
    } else if (t) {
        t->run = run, t->job = job;
        /* listed under the lock, before the job can finish: a drain joins it */
        if (pthread_create(&t->thread, NULL, job_main, t) == 0) {
            t->next = threads;
            threads = t;
            running++;
            result = BACKGROUND_STARTED;
        }
    }
    pthread_mutex_unlock(&lock);
    if (result != BACKGROUND_STARTED)
        free(t);
    return result;
}

int background_jobs_stopping(void)
{
    pthread_mutex_lock(&lock);
    int value = stopping;
    pthread_mutex_unlock(&lock);
    return value;
}

void background_jobs_drain(void)
{
    pthread_mutex_lock(&lock);
    stopping = 1;
    while (running > 0)
        pthread_cond_wait(&all_done, &lock);
    pthread_mutex_unlock(&lock);
    join_finished(1);
}

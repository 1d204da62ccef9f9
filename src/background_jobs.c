/*
 * background_jobs.c - the count of running background jobs
 * (background_jobs.h), under one mutex.
 */
#include "background_jobs.h"

#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_done = PTHREAD_COND_INITIALIZER;
static int running;
static int stopping;

typedef struct job_thread_start {
    void (*run)(void *job);
    void *job;
} job_thread_start;

static void leave(void)
{
    pthread_mutex_lock(&lock);
    if (--running == 0)
        pthread_cond_broadcast(&all_done);
    pthread_mutex_unlock(&lock);
}

static void *job_thread(void *arg)
{
    job_thread_start start = *(job_thread_start *)arg;
    free(arg);
    start.run(start.job);
    leave();
    return NULL;
}

background_start background_job_start(void (*run)(void *job), void *job)
{
    pthread_mutex_lock(&lock);
    int may_start = !stopping;
    running += may_start;
    pthread_mutex_unlock(&lock);
    if (!may_start)
        return BACKGROUND_STOPPING;
    job_thread_start *start = malloc(sizeof *start);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int started = 0;
    if (start) {
        *start = (job_thread_start){run, job};
        started = pthread_create(&thread, &attr, job_thread, start) == 0;
    }
    pthread_attr_destroy(&attr);
    if (started)
        return BACKGROUND_STARTED;
    free(start);
    leave();
    return BACKGROUND_NO_THREAD;
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
}

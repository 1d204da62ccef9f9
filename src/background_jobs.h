/*
 * background_jobs.h - the service's background jobs (dataset imports,
 * trainings): each runs on its own thread, and a stopping server waits
 * for all of them, threads exited, before it closes the store under them.
 *
 * A job cut short by a stop leaves its record in the store; the next start
 * of the server ends it in a failed status that says so.
 */
#ifndef VIGIL_BACKGROUND_JOBS_H
#define VIGIL_BACKGROUND_JOBS_H

typedef enum background_start {
    BACKGROUND_STARTED = 0, /* run(job) owns job from now on */
    BACKGROUND_STOPPING,    /* the server is stopping: not run, job is the caller's */
    BACKGROUND_NO_THREAD,   /* no thread could be created: job is the caller's */
} background_start;

/* Runs run(job) on a thread of its own, counted until it returns. */
background_start background_job_start(void (*run)(void *job), void *job);

/* Whether background_jobs_drain has begun: long jobs check it between
 * steps and return early. */
int background_jobs_stopping(void);

/* Refuses new jobs and waits until the running ones have returned and
 * their threads have exited (thread-local destructors run). */
void background_jobs_drain(void);

#endif

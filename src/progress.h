/*
 * progress.h - progress of long commands on a terminal: one line on stderr,
 * redrawn in place ("training: extracting features 40/63 (63%)"), only when
 * stderr is a terminal, so logs and pipes stay clean.
 */
#ifndef VIGIL_PROGRESS_H
#define VIGIL_PROGRESS_H

#include <pthread.h>
#include <stddef.h>

typedef struct progress {
    int enabled;          /* stderr is a terminal */
    int shown;            /* a line is on screen and needs ending */
    char stage[96];       /* last stage drawn */
    int percent;          /* last percentage drawn */
    pthread_mutex_t lock; /* the engine may report from its worker threads */
} progress;

void progress_init(progress *p);

/* Redraws the line when the stage or the whole percentage changed.  Its
 * signature is vgl_train_options.progress's, with p as the context. */
void progress_report(void *p, const char *stage, size_t done, size_t total);

/* Clears the line (if one is shown) so that what follows starts clean. */
void progress_finish(progress *p);

void progress_destroy(progress *p);

#endif

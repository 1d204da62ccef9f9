/* progress.c - a single updating progress line on a terminal; see progress.h. */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void progress_init(progress *p)
{
    memset(p, 0, sizeof *p);
    p->enabled = isatty(STDERR_FILENO);
    p->percent = -1;
    pthread_mutex_init(&p->lock, NULL);
}

void progress_report(void *context, const char *stage, size_t done, size_t total)
{
    progress *p = context;
    if (!p->enabled)
        return;
    int percent = total ? (int)(done * 100 / total) : 100;
    pthread_mutex_lock(&p->lock);
    /* Redrawing on every call would flood a slow terminal: only changes show. */
    if (percent != p->percent || strncmp(stage, p->stage, sizeof p->stage - 1)) {
        snprintf(p->stage, sizeof p->stage, "%s", stage);
        p->percent = percent;
        p->shown = 1;
        /* \r goes back to the line's start, \033[K clears what a longer line left. */
        fprintf(stderr, "\r%s: %zu/%zu (%d%%)\033[K", stage, done, total, percent);
        fflush(stderr);
    }
    pthread_mutex_unlock(&p->lock);
}

void progress_finish(progress *p)
{
    pthread_mutex_lock(&p->lock);
    /* Clearing the line, rather than ending it, leaves the terminal to the
     * command's own output. */
    if (p->shown)
        fputs("\r\033[K", stderr);
    p->shown = 0;
    p->stage[0] = 0;
    p->percent = -1;
    pthread_mutex_unlock(&p->lock);
}

void progress_destroy(progress *p)
{
    progress_finish(p);
    pthread_mutex_destroy(&p->lock);
}

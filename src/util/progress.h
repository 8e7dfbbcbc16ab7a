/* progress — progress reports on stderr for long jobs (training, evaluation).
 *
 * On a terminal: one line redrawn in place, at most 10 times a second, with a bar, the
 * fraction done, the elapsed time, the ETA and a caller's status text.  Otherwise (a pipe, a
 * log file, CI): a plain line every `plain_every` seconds, so logs stay readable.
 * A Progress is a value the caller owns; nothing to free.  quiet = 1 prints nothing. */
#ifndef DOLAB_UTIL_PROGRESS_H
#define DOLAB_UTIL_PROGRESS_H

#include <stdio.h>

typedef struct Progress {
    const char *label;
    long total;
    double start, last;
    int tty, quiet, drawn;
    double plain_every;
    FILE *out;
} Progress;

void progress_begin(Progress *p, const char *label, long total, int quiet);
/* done units of total; status is a short text ("loss 0.41  52k tok/s"), may be NULL. */
void progress_update(Progress *p, long done, const char *status);
/* Prints a line that stays (a quick evaluation result), keeping the bar below it. */
void progress_note(Progress *p, const char *line);
/* Final line: total time. */
void progress_end(Progress *p, const char *status);
double progress_now(void);

#endif

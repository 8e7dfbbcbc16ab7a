#include "util/progress.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

double progress_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void progress_begin(Progress *p, const char *label, long total, int quiet) {
    memset(p, 0, sizeof *p);
    p->label = label;
    p->total = total > 0 ? total : 1;
    p->out = stderr;
    p->tty = isatty(fileno(stderr));
    p->quiet = quiet;
    p->plain_every = 10.0;
    p->start = progress_now();
    p->last = -1e9;
}

static void fmt_time(char *buf, size_t n, double s) {
    if (s < 0 || s > 1e7) {
        snprintf(buf, n, "--");
        return;
    }
    int t = (int)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%dh%02dm", t / 3600, t / 60 % 60);
    else
        snprintf(buf, n, "%d:%02d", t / 60, t % 60);
}

void progress_update(Progress *p, long done, const char *status) {
    if (p->quiet) return;
    double now = progress_now();
    int final = done >= p->total;
    if (!final && now - p->last < (p->tty ? 0.1 : p->plain_every)) return;
    p->last = now;
    double frac = (double)done / (double)p->total, el = now - p->start;
    char e1[16], e2[16];
    fmt_time(e1, sizeof e1, el);
    fmt_time(e2, sizeof e2, frac > 0 ? el * (1 - frac) / frac : -1);
    if (p->tty) {
        char bar[25];
        int fill = (int)(frac * 24 + 0.5);
        for (int i = 0; i < 24; i++) bar[i] = i < fill ? '#' : '.';
        bar[24] = 0;
        fprintf(p->out, "\r\033[K%s [%s] %3.0f%% %s eta %s  %s", p->label, bar, 100 * frac, e1, e2,
                status ? status : "");
        p->drawn = 1;
    } else {
        fprintf(p->out, "%s %ld/%ld (%.0f%%) %s eta %s  %s\n", p->label, done, p->total, 100 * frac, e1, e2,
                status ? status : "");
    }
    fflush(p->out);
}

void progress_note(Progress *p, const char *line) {
    if (p->quiet) return;
    if (p->tty && p->drawn) fprintf(p->out, "\r\033[K");
    fprintf(p->out, "%s\n", line);
    p->last = -1e9; /* redraw the bar at the next update */
    fflush(p->out);
}

void progress_end(Progress *p, const char *status) {
    if (p->quiet) return;
    char e1[16];
    fmt_time(e1, sizeof e1, progress_now() - p->start);
    if (p->tty && p->drawn) fprintf(p->out, "\r\033[K");
    fprintf(p->out, "%s done in %s  %s\n", p->label, e1, status ? status : "");
    fflush(p->out);
}

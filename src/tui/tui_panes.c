/* tui_panes — the pane table, the layout, the Log pane, the status line, prompts and the help
 * (see tui_internal.h).  Everything draws into the canvas by role. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tui/tui_internal.h"

static void draw_log(App *a, TuiCanvas *c, TuiRect r);
static int log_key(App *a, int k);

/* One row per pane, in screen order (Tab walks it). */
const PaneDef tui_pane[P_COUNT] = {
    [P_WORLD] = {"World", tui_draw_world, edit_key, edit_click},
    [P_LESSON] = {"Lesson", draw_lesson, lesson_pane_key, NULL},
    [P_LIVE] = {"Live", draw_live, live_key, NULL},
    [P_STREAM] = {"Stream", draw_stream, stream_key, stream_click},
    [P_NOTEBOOK] = {"Notebook", draw_notebook, notebook_key, NULL},
    [P_LOG] = {"Log", draw_log, log_key, NULL},
};

void tui_layout(App *a, int w, int h) {
    if (a->lesson) {
        lesson_layout(a, w, h);
        return;
    }
    memset(a->pane, 0, sizeof a->pane);
    int body = h - 1;
    int log_h = a->big_log ? body / 2 : h >= 40 ? 8 : h >= 28 ? 6 : 4;
    int top = body - log_h;
    int lw = w / 2;
    a->pane[P_WORLD] = (TuiRect){0, 0, top, lw};
    int rw = w - lw;
    if (h >= 44) { /* room for all three on the right */
        int lh = top * 45 / 100, sh = (top - lh) / 2;
        a->pane[P_LIVE] = (TuiRect){0, lw, lh, rw};
        a->pane[P_STREAM] = (TuiRect){lh, lw, sh, rw};
        a->pane[P_NOTEBOOK] = (TuiRect){lh + sh, lw, top - lh - sh, rw};
    } else {
        int lh = top * (h < 30 ? 72 : 58) / 100; /* the Live pane's rows matter most when short */
        a->pane[P_LIVE] = (TuiRect){0, lw, lh, rw};
        /* Stream and Notebook share the corner: the one focused last shows */
        TuiRect corner = {lh, lw, top - lh, rw};
        if (a->focus == P_NOTEBOOK) a->corner_nb = 1;
        if (a->focus == P_STREAM) a->corner_nb = 0;
        if (a->corner_nb) a->pane[P_NOTEBOOK] = corner;
        else a->pane[P_STREAM] = corner;
    }
    a->pane[P_LOG] = (TuiRect){top, 0, log_h, w};
}

static const char spark_chars[8][4] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

void tui_sparkline(TuiCanvas *c, int y, int x, int w, const double *v, int n, int role) {
    if (n <= 0 || w <= 0) return;
    if (w > n) w = n;
    double lo = INFINITY, hi = -INFINITY, m[512];
    if (w > 512) w = 512;
    for (int i = 0; i < w; i++) { /* each cell: the mean of its share of the curve */
        int a0 = i * n / w, a1 = (i + 1) * n / w;
        if (a1 <= a0) a1 = a0 + 1;
        double s = 0;
        for (int k = a0; k < a1; k++) s += v[k];
        m[i] = s / (a1 - a0);
        if (m[i] < lo) lo = m[i];
        if (m[i] > hi) hi = m[i];
    }
    for (int i = 0; i < w; i++) {
        int k = hi > lo ? (int)((m[i] - lo) / (hi - lo) * 7.999) : 0;
        tui_text(c, y, x + i, spark_chars[k], role, 1);
    }
}

/* ---- Log, status, help ---------------------------------------------------------------------- */

static void draw_log(App *a, TuiCanvas *c, TuiRect r) {
    const char *s = sb_str(&a->log);
    int lines = 0;
    for (const char *p = s; *p; p++) lines += *p == '\n';
    int first = lines - r.h - a->log_scroll;
    if (first < 0) first = 0;
    if (a->log_scroll > lines - r.h && lines > r.h) a->log_scroll = lines - r.h;
    int ln = 0, y = r.y;
    const char *p = s;
    while (*p && y < r.y + r.h) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (ln >= first) {
            char b[512];
            snprintf(b, sizeof b, "%.*s", (int)(n < 511 ? n : 511), p);
            int role = strncmp(b, "error", 5) == 0 || strstr(b, "stack traceback") || strstr(b, "command:") ? TR_ERROR
                       : b[0] == ':'                                                                     ? TR_PROMPT
                                                                                                         : TR_NORMAL;
            tui_text(c, y++, r.x + 1, b, role, r.w - 2);
        }
        ln++;
        p += n + (nl ? 1 : 0);
    }
}

static int log_key(App *a, int k) {
    if (k == 'k' || k == TK_UP) a->log_scroll++;
    else if ((k == 'j' || k == TK_DOWN) && a->log_scroll > 0) a->log_scroll--;
    else if (k == TK_PGUP) a->log_scroll += 5;
    else if (k == TK_PGDN) a->log_scroll = a->log_scroll > 5 ? a->log_scroll - 5 : 0;
    else return 0;
    return TUI_REDRAW;
}

/* The help is the key table: a heading for each place, then its keys; pages of the screen's
 * height. */
static int help_line(int i, const char **keys, const char **what) {
    /* line i of the help: -1 past the end; 1 a heading (keys = the place); 0 a key */
    int line = 0;
    for (int k = 0; k < tui_nkeys; k++) {
        if (k == 0 || strcmp(tui_keys[k].where, tui_keys[k - 1].where) != 0) {
            if (line++ == i) {
                *keys = tui_keys[k].where, *what = "";
                return 1;
            }
        }
        if (line++ == i) {
            *keys = tui_keys[k].keys, *what = tui_keys[k].what;
            return 0;
        }
    }
    return -1;
}

static int help_total(void) {
    const char *k, *w;
    int n = 0;
    while (help_line(n, &k, &w) >= 0) n++;
    return n;
}

static void help_rect(const TuiCanvas *c, TuiRect *r, int *per_page) {
    int w = 78 < c->w - 2 ? 78 : c->w - 2;
    int h = help_total() + 2;
    if (h > c->h - 1) h = c->h - 1;
    *per_page = h - 2;
    *r = (TuiRect){(c->h - 1 - h) / 2, (c->w - w) / 2, h, w};
}

int tui_help_pages(int w, int h) {
    TuiCanvas c = {.w = w, .h = h};
    TuiRect r;
    int per;
    help_rect(&c, &r, &per);
    return per > 0 ? (help_total() + per - 1) / per : 1;
}

static void draw_help(App *a, TuiCanvas *c) {
    TuiRect r;
    int per;
    help_rect(c, &r, &per);
    a->help_pages = tui_help_pages(c->w, c->h);
    if (a->help_page >= a->help_pages) a->help_page = a->help_pages - 1;
    tui_fill(c, r, ' ', TR_NORMAL);
    char title[80];
    if (a->help_pages > 1)
        snprintf(title, sizeof title, "keys %d/%d (%s)", a->help_page + 1, a->help_pages,
                 a->help_page + 1 < a->help_pages ? "space: next page, any other key closes" : "any key closes");
    else
        snprintf(title, sizeof title, "keys (any key closes)");
    tui_frame(c, r, title, TR_BORDER_FOCUS, TR_TITLE);
    for (int i = 0; i < per; i++) {
        const char *keys, *what;
        int kind = help_line(a->help_page * per + i, &keys, &what);
        if (kind < 0) break;
        int y = r.y + 1 + i, x = r.x + 2, w = r.w - 4;
        if (kind == 1) {
            tui_text(c, y, x, keys, TR_TITLE, w);
            continue;
        }
        tui_text(c, y, x + 1, keys, TR_STATUS_KEY, 17);
        tui_text(c, y, x + 19, what, TR_NORMAL, w - 19);
    }
}

static void draw_status(App *a, TuiCanvas *c) {
    int y = c->h - 1;
    tui_fill(c, (TuiRect){y, 0, 1, c->w}, ' ', TR_STATUS);
    if (a->prompt) {
        int k = tui_text(c, y, 0, a->prompt_label, TR_STATUS_KEY, c->w);
        int len = tui_text_width(a->prompt_buf), room = c->w - k - 1;
        const char *p = a->prompt_buf;
        for (int skip = len - room; skip > 0; skip--) tui_utf8_next(&p);
        k += tui_text(c, y, k, p, TR_STATUS, room);
        tui_put(c, y, k, 0x2581, TR_STATUS_KEY);
        return;
    }
    const char *mode = a->prompt ? "PROMPT" : a->note_open ? "NOTE" : a->lesson ? "LESSON" : a->train ? "TRAINING" : a->hand ? "HAND" : a->view_live ? "LIVE" : "STREAM";
    char b[400];
    snprintf(b, sizeof b, " %s ", mode);
    int x = tui_text(c, y, 0, b, TR_STATUS_MODE, c->w);
    if (a->train) { /* whichever pane is on screen, the training's progress is here */
        TuiTrainStatus ts;
        tui_train_status(a->train, &ts);
        char dev[64] = ""; /* a run that stops on its development reward says how far it is */
        if (ts.stop_at > 0 && !isnan(ts.dev) && !strcmp(ts.phase, "training"))
            snprintf(dev, sizeof dev, ts.cooling ? " dev %.2f, reached %g, cooling down" : " dev %.2f, stops at %g", ts.dev,
                     ts.stop_at);
        x += tui_textf(c, y, x, TR_STATUS_MODE, c->w - x, "%s %ld/%ld%s ", ts.phase, ts.step, ts.total, dev);
    }
    if (a->msg[0]) {
        tui_text(c, y, x + 1, a->msg, a->msg_error ? TR_ERROR : TR_STATUS, c->w - x - 1);
        if (a->msg_error) tui_recolor(c, (TuiRect){y, x + 1, 1, tui_text_width(a->msg)}, TR_ERROR);
        return;
    }
    if (a->lesson) { /* a lesson's status: where the class is, and the lesson's keys */
        x += tui_textf(c, y, x, TR_STATUS, c->w - x, " step %d/%d · model: %s · ", a->lstep + 1, a->lesson->n_steps,
                       a->model ? a->model_name : "none");
        static const char *const lkeys[][2] = {{"?", "keys"}, {"n", "next"}, {"p", "back"}, {"1-9", "vote"},
                                               {"c", "answers"}, {"r", "reveal"}, {"spc", "play"}, {"q", "save+quit"}};
        for (int i = 0; i < 8 && x < c->w - 6; i++) {
            x += tui_text(c, y, x, lkeys[i][0], TR_STATUS_KEY, c->w - x);
            x += tui_textf(c, y, x, TR_STATUS, c->w - x, ":%s ", lkeys[i][1]);
        }
        return;
    }
    const char *q = a->model && a->fmt.quality ? tok_name(a->vocab, a->fmt.quality) : NULL; /* the asked quality */
    snprintf(b, sizeof b, " model: %s%s%s · acting: %s · seed %llu · %s ", a->model ? a->model_name : "none (T trains)",
             q ? " as " : "", q ? q : "", a->hand ? "you" : app_actor_name(a, a->actor), (unsigned long long)a->seed, a->theme.name);
    x += tui_text(c, y, x, b, TR_STATUS, c->w - x);
    static const char *const keys[][2] = {{"?", "help"}, {"q", "quit"}, {"Tab", "pane"}, {"spc", "play"},
                                          {"n", "step"}, {"i", "take over"}, {"s", "agent"}, {":", "lua"}};
    for (int i = 0; i < 8 && x < c->w - 6; i++) {
        x += tui_text(c, y, x, keys[i][0], TR_STATUS_KEY, c->w - x);
        x += tui_textf(c, y, x, TR_STATUS, c->w - x, ":%s ", keys[i][1]);
    }
}

void tui_render(App *a, TuiCanvas *c) {
    tui_canvas_clear(c);
    a->too_small = c->w < TUI_MIN_W || c->h < TUI_MIN_H;
    if (a->too_small) {
        char b[120];
        snprintf(b, sizeof b, "terminal too small: %dx%d", c->w, c->h);
        tui_text(c, c->h / 2 - 1, 0, b, TR_ERROR, c->w);
        snprintf(b, sizeof b, "dolab needs at least %dx%d;", TUI_MIN_W, TUI_MIN_H);
        tui_text(c, c->h / 2, 0, b, TR_NORMAL, c->w);
        tui_text(c, c->h / 2 + 1, 0, "resize to go on, q quits", TR_NORMAL, c->w);
        return;
    }
    tui_layout(a, c->w, c->h);
    for (int p = 0; p < P_COUNT; p++) {
        TuiRect r = a->pane[p];
        if (r.w <= 0) continue;
        char title[64];
        if (p == P_STREAM || p == P_NOTEBOOK)
            snprintf(title, sizeof title, "%s%s", tui_pane[p].name,
                     a->pane[p == P_STREAM ? P_NOTEBOOK : P_STREAM].w ? "" : p == P_STREAM ? " · (Tab: Notebook)" : "");
        else if (p == P_LOG)
            snprintf(title, sizeof title, "Log · (L: %s)", a->big_log ? "smaller" : "larger");
        else
            snprintf(title, sizeof title, "%s", tui_pane[p].name);
        int focused = (int)a->focus == p;
        tui_frame(c, r, title, focused ? TR_BORDER_FOCUS : TR_BORDER, TR_TITLE);
        tui_pane[p].draw(a, c, (TuiRect){r.y + 1, r.x + 1, r.h - 2, r.w - 2});
    }
    draw_status(a, c);
    if (a->show_help) draw_help(a, c);
}

/* tui_stream — the Stream pane (see tui_internal.h).
 *
 * The stream is endless: episode i of the seed's training stream is train_episode(x, i), the
 * same for a given seed whenever it is made.  So a position is ONE cursor (episode, line),
 * the episodes near it are cached in a small ring, and an episode the ring no longer holds
 * is made again from the seed.  Moving, next episode, search and play all walk the cursor;
 * none keeps an index of its own, so none can wait for a line that was dropped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/train.h"
#include "tui/tui_internal.h"

static int add_line(StreamSlot *s, const StreamLine *l) {
    if (s->nlines == s->cap) {
        int cap = s->cap ? s->cap * 2 : 16;
        StreamLine *p = realloc(s->lines, sizeof *p * (size_t)cap);
        if (!p) return -1;
        s->lines = p;
        s->cap = cap;
    }
    s->lines[s->nlines++] = *l;
    return 0;
}

/* Makes episode idx of the stream into slot s. */
static int generate(App *a, StreamSlot *s, uint64_t idx) {
    Experiment xs = a->x;
    xs.seed = a->seed;
    s->valid = 0;
    s->nlines = 0;
    TokSeq *ts = malloc(sizeof *ts);
    Err e;
    if (!ts) {
        app_say(a, 1, "stream: out of memory");
        return -1;
    }
    if (train_episode(&xs, idx, &s->episode, ts, &e)) {
        free(ts);
        app_say(a, 1, "stream: episode %llu: %s", (unsigned long long)idx + 1, e.msg);
        return -1;
    }
    a->st.generated++;
    SB sb = {0};
    tok_render(a->vocab, ts->tok, ts->n, s->episode.view.value, &s->episode, &sb);
    free(ts);
    StreamLine l = {.cls = -1};
    snprintf(l.text, sizeof l.text, "── episode %llu ──", (unsigned long long)idx + 1);
    int bad = add_line(s, &l);
    const char *p = sb_str(&sb);
    int steps = 0, goal = 0, goal_var = s->episode.goal;
    while (*p && !bad) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        StreamLine ln = {0};
        snprintf(ln.text, sizeof ln.text, "%.*s", (int)(n < sizeof ln.text ? n : sizeof ln.text - 1), p);
        char var, sign;
        if (strncmp(ln.text, "do ", 3) == 0) {
            ln.cls = TOKC_ACTION;
            if (goal) { /* an exploit: "do X=+5 → T=..." (one per goal) */
                ln.exploit = 1;
                ln.exploit_var = s->episode.view.exploit_var, ln.exploit_sign = s->episode.view.exploit_sign;
                if (sscanf(ln.text, "do %c=%c", &var, &sign) == 2 && var >= 'A' && var < 'A' + s->episode.view.n)
                    ln.exploit_var = var - 'A', ln.exploit_sign = sign == '-' ? -1 : 1;
            } else {
                steps++;
            }
        } else if (strncmp(ln.text, "goal", 4) == 0) {
            ln.cls = TOKC_GOAL;
            goal = 1;
            if (sscanf(ln.text, "goal max %c", &var) == 1 && var >= 'A' && var < 'A' + s->episode.view.n) goal_var = var - 'A';
        } else if (strncmp(ln.text, "cue", 3) == 0) {
            ln.cls = TOKC_GOAL;
        } else {
            ln.cls = TOKC_OBS;
        }
        ln.steps = steps;
        ln.goal = goal;
        ln.goal_var = goal_var;
        if (n) bad = add_line(s, &ln);
        p += n + (nl ? 1 : 0);
    }
    sb_free(&sb);
    if (bad) {
        app_say(a, 1, "stream: out of memory");
        return -1;
    }
    s->ep = idx;
    s->valid = 1;
    return 0;
}

const StreamSlot *stream_slot_held(const App *a, uint64_t ep) {
    if (!a->st.ring) return NULL;
    const StreamSlot *s = &a->st.ring[ep % STREAM_RING];
    return s->valid && s->ep == ep ? s : NULL;
}

StreamSlot *stream_slot(App *a, uint64_t ep) {
    if (!a->st.ring) return NULL;
    StreamSlot *s = &a->st.ring[ep % STREAM_RING];
    if (s->valid && s->ep == ep) return s;
    return generate(a, s, ep) ? NULL : s;
}

int stream_init(App *a) {
    a->st.ring = calloc(STREAM_RING, sizeof *a->st.ring);
    return a->st.ring ? 0 : -1;
}

void stream_free(App *a) {
    for (int i = 0; a->st.ring && i < STREAM_RING; i++) free(a->st.ring[i].lines);
    free(a->st.ring);
    a->st.ring = NULL;
}

void stream_reset(App *a) {
    for (int i = 0; a->st.ring && i < STREAM_RING; i++) a->st.ring[i].valid = 0;
    a->st.cur = (StreamPos){0, 1};
    a->st.top = (StreamPos){0, 0};
    a->st.playing = 0;
    stream_slot(a, 0);
}

static int pos_cmp(StreamPos p, StreamPos q) {
    if (p.ep != q.ep) return p.ep < q.ep ? -1 : 1;
    return (p.line > q.line) - (p.line < q.line);
}

/* Walks p by d lines (across episodes); returns the lines walked, or -1 if an episode could
 * not be made (the status line says why).  The stream starts at episode 0, line 0. */
static int walk(App *a, StreamPos *p, int d) {
    int done = 0;
    while (d != 0) {
        StreamSlot *s = stream_slot(a, p->ep);
        if (!s) return -1;
        if (d > 0) {
            if (p->line + 1 < s->nlines) p->line++;
            else if (p->ep == UINT64_MAX) break;
            else p->ep++, p->line = 0;
            d--;
        } else {
            if (p->line > 0) p->line--;
            else if (p->ep == 0) break;
            else {
                StreamSlot *q = stream_slot(a, p->ep - 1);
                if (!q) return -1;
                p->ep--, p->line = q->nlines - 1;
            }
            d++;
        }
        done++;
    }
    return stream_slot(a, p->ep) ? done : -1;
}

int stream_move(App *a, int d) {
    StreamPos p = a->st.cur;
    if (walk(a, &p, d) < 0) {
        a->st.playing = 0;
        return -1;
    }
    /* the header line between episodes is skipped in the direction of travel */
    if (p.line == 0 && walk(a, &p, d >= 0 ? 1 : p.ep == 0 ? 1 : -1) < 0) {
        a->st.playing = 0;
        return -1;
    }
    a->st.cur = p;
    return 0;
}

int stream_next_episode(App *a) {
    StreamPos p = {a->st.cur.ep + 1, 1};
    if (!stream_slot(a, p.ep)) {
        a->st.playing = 0;
        return -1;
    }
    a->st.cur = p;
    return 0;
}

void stream_search(App *a, const char *q) {
    if (!*q) return;
    tui_copy(a->st.search, sizeof a->st.search, q);
    StreamPos p = a->st.cur;
    for (uint64_t k = 0; k <= STREAM_SEARCH_EPS; k++, p.ep++, p.line = 0) {
        StreamSlot *s = stream_slot(a, p.ep);
        if (!s) return;
        for (int i = k ? 1 : p.line + 1; i < s->nlines; i++)
            if (strstr(s->lines[i].text, q)) {
                a->st.cur = (StreamPos){p.ep, i};
                app_say(a, 0, "found '%s' in episode %llu", q, (unsigned long long)p.ep + 1);
                return;
            }
    }
    stream_slot(a, a->st.cur.ep); /* the cursor's episode stays at hand */
    app_say(a, 0, "'%s' not found in the next %d episodes", q, STREAM_SEARCH_EPS);
}

int stream_key(App *a, int k) {
    switch (k) {
    case 'j': case TK_DOWN: stream_move(a, 1); break;
    case 'k': case TK_UP: stream_move(a, -1); break;
    case TK_PGDN: stream_move(a, 10); break;
    case TK_PGUP: stream_move(a, -10); break;
    case 'n': stream_move(a, 1); break;
    case 'N': stream_next_episode(a); break;
    default: return 0;
    }
    return TUI_REDRAW;
}

/* A click on a line of the Stream pane puts the cursor there. */
int stream_click(App *a, int y, int x) {
    (void)x;
    TuiRect r = a->pane[P_STREAM];
    int i = y - (r.y + 1);
    if (i < 0 || i >= r.h - 2) return 0;
    StreamPos p = a->st.top;
    if (walk(a, &p, i) != i) return 0;
    if (p.line == 0) walk(a, &p, 1); /* a header: its episode's first line */
    a->st.cur = p;
    return TUI_REDRAW;
}

/* ---- drawing -------------------------------------------------------------------------------- */

static int class_role(int cls) {
    switch (cls) {
    case TOKC_ACTION: return TR_TOK_ACTION;
    case TOKC_OBS: return TR_TOK_OBS;
    case TOKC_GOAL: return TR_TOK_GOAL;
    case TOKC_EXPL: return TR_TOK_EXPL;
    default: return TR_DIM;
    }
}

static void draw_line(App *a, TuiCanvas *c, int y, int x, int w, const StreamLine *l) {
    const char *bar = strstr(l->text, " | ");
    int role = class_role(l->cls);
    if (bar) {
        char head[200];
        snprintf(head, sizeof head, "%.*s", (int)(bar - l->text), l->text);
        int k = tui_text(c, y, x, head, role, w);
        tui_text(c, y, x + k, bar, TR_TOK_EXPL, w - k);
    } else if (l->cls == TOKC_ACTION && strstr(l->text, "→")) {
        /* "do C=+5 → A=..." : the action, then what was observed */
        const char *arrow = strstr(l->text, "→");
        char head[200];
        snprintf(head, sizeof head, "%.*s", (int)(arrow - l->text), l->text);
        int k = tui_text(c, y, x, head, role, w);
        tui_text(c, y, x + k, arrow, l->exploit ? TR_TOK_GOAL : TR_TOK_OBS, w - k);
    } else {
        tui_text(c, y, x, l->text, role, w);
    }
    if (a->st.search[0] && l->cls >= 0) {
        const char *m = strstr(l->text, a->st.search);
        if (m) {
            char pre[200];
            snprintf(pre, sizeof pre, "%.*s", (int)(m - l->text), l->text);
            tui_recolor(c, (TuiRect){y, x + tui_text_width(pre), 1, tui_text_width(a->st.search)}, TR_MATCH);
        }
    }
}

void draw_stream(App *a, TuiCanvas *c, TuiRect r) {
    int h = r.h, w = r.w - 1;
    if (h <= 0) return;
    Stream *st = &a->st;
    /* the cursor in view: top <= cursor <= top + h - 1 */
    if (pos_cmp(st->cur, st->top) < 0) st->top = st->cur;
    StreamPos low = st->cur;
    if (walk(a, &low, -(h - 1)) >= 0 && pos_cmp(low, st->top) > 0) st->top = low;
    StreamPos p = st->top;
    for (int i = 0; i < h; i++) {
        const StreamSlot *s = stream_slot(a, p.ep);
        if (!s) break;
        draw_line(a, c, r.y + i, r.x + 1, w, &s->lines[p.line]);
        if (pos_cmp(p, st->cur) == 0) {
            tui_put(c, r.y + i, r.x, 0x25B6, TR_CURSOR);
            tui_recolor(c, (TuiRect){r.y + i, r.x, 1, 1}, TR_CURSOR);
        }
        if (walk(a, &p, 1) != 1) break;
    }
    stream_slot(a, st->cur.ep); /* what the World shows next frame stays in the ring */
}

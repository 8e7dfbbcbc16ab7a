/* tui_panes — layout, the Stream, Live, Notebook and Log panes, the status line, prompts and
 * help (see tui_internal.h).  Everything draws into the canvas by role. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "notebook/nb_entry.h"
#include "tui/tui_internal.h"

static const char *const pane_names[P_COUNT] = {"World", "Stream", "Live", "Notebook", "Log"};

void tui_layout(App *a, int w, int h) {
    memset(a->pane, 0, sizeof a->pane);
    int body = h - 1;
    int log_h = h >= 40 ? 8 : h >= 28 ? 6 : 4;
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
        int lh = top * 58 / 100;
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

/* ---- Stream --------------------------------------------------------------------------------- */

static int class_role(int cls) {
    switch (cls) {
    case TOKC_ACTION: return TR_TOK_ACTION;
    case TOKC_OBS: return TR_TOK_OBS;
    case TOKC_GOAL: return TR_TOK_GOAL;
    case TOKC_EXPL: return TR_TOK_EXPL;
    default: return TR_DIM;
    }
}

static void draw_stream(App *a, TuiCanvas *c, TuiRect r) {
    int h = r.h, w = r.w - 1;
    if (h <= 0 || !a->nlines) return;
    if (a->cursor < a->top) a->top = a->cursor;
    if (a->cursor >= a->top + h) a->top = a->cursor - h + 1;
    if (a->top < 0) a->top = 0;
    for (int i = 0; i < h && a->top + i < a->nlines; i++) {
        const StreamLine *l = &a->lines[a->top + i];
        int y = r.y + i, x = r.x + 1;
        const char *bar = strstr(l->text, " | ");
        int role = class_role(l->cls);
        if (bar) {
            int cut = (int)(bar - l->text);
            char head[200];
            snprintf(head, sizeof head, "%.*s", cut, l->text);
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
        if (a->search[0] && l->cls >= 0) {
            const char *m = strstr(l->text, a->search);
            if (m) {
                char pre[200];
                snprintf(pre, sizeof pre, "%.*s", (int)(m - l->text), l->text);
                int px = x + tui_text_width(pre);
                tui_recolor(c, (TuiRect){y, px, 1, tui_text_width(a->search)}, TR_MATCH);
            }
        }
        if (a->top + i == a->cursor) {
            tui_put(c, y, r.x, 0x25B6, TR_CURSOR);
            tui_recolor(c, (TuiRect){y, r.x, 1, 1}, TR_CURSOR);
        }
    }
}

/* ---- Live ----------------------------------------------------------------------------------- */

static void action_text(char *s, size_t n, const LiveDecision *d, StratAction act) {
    if (d->kind == 2) snprintf(s, n, "%c%c", scm_name(act.var), act.sign > 0 ? '+' : '-');
    else snprintf(s, n, "%c", scm_name(act.var));
}

static void draw_live(App *a, TuiCanvas *c, TuiRect r) {
    int y = r.y, bottom = r.y + r.h, x = r.x + 1, w = r.w - 2;
    if (!a->live_ok) {
        tui_text(c, y, x, "no live episode (see the status line)", TR_DIM, w);
        return;
    }
    const Episode *ep = &a->live;
    const EpView *v = &ep->view;
    EpPhase ph = ep_phase(v);
    char s[256];
    int k = tui_text(c, y, x, "acting: ", TR_DIM, w);
    k += tui_text(c, y, x + k, a->hand ? "you (hand)" : app_actor_name(a, a->actor), TR_TITLE, w - k);
    snprintf(s, sizeof s, "  episode %llu · %s %d/%d%s", (unsigned long long)a->live_index + 1,
             ph == EP_EXPLORE ? "exploring" : ph == EP_EXPLOIT ? "goal revealed, exploit" : "done", v->n_steps,
             v->explore_total, a->playing_live ? " · playing" : "");
    tui_text(c, y, x + k, s, TR_DIM, w - k);
    y++;
    /* the decision to show: the next one, or the last one once the episode is over */
    /* from the bottom up: the running reward, this episode's reward, what was done */
    if (a->n_done && bottom - 1 > y) {
        snprintf(s, sizeof s, "running %d ep: normalised %.2f (oracle 1) · %.1f of %.1f", a->n_done,
                 a->sum_norm / a->n_done, a->sum_reward, a->sum_optimal);
        tui_text(c, --bottom, x, s, TR_NORMAL, w);
    }
    if (ph == EP_DONE && bottom - 1 > y) {
        snprintf(s, sizeof s, "reward %.2f vs oracle %.2f (%c%c) = %.2f", ep->reward, ep->optimal,
                 scm_name(ep->best_var), ep->best_sign > 0 ? '+' : '-', ep->norm_reward);
        tui_text(c, --bottom, x, s, ep->norm_reward > 0.9 ? TR_GOOD : ep->norm_reward < 0.5 ? TR_BAD : TR_NORMAL, w);
    }
    if (a->nhist && bottom - 1 > y) {
        --bottom;
        int xx = x + tui_text(c, bottom, x, "done:", TR_DIM, w);
        for (int i = 0; i < a->nhist; i++) {
            const LiveDecision *h = &a->hist[i];
            char act[8];
            action_text(act, sizeof act, h, h->act);
            int you = strcmp(h->actor, "hand") == 0;
            snprintf(s, sizeof s, " %s%s%s", act, you ? "(you)" : "", i + 1 < a->nhist ? "," : "");
            xx += tui_text(c, bottom, xx, s, you ? TR_TOK_GOAL : TR_TOK_ACTION, x + w - xx);
        }
    }
    const LiveDecision *d = ph != EP_DONE ? &a->next : a->nhist ? &a->hist[a->nhist - 1] : NULL;
    if (d && d->kind) {
        snprintf(s, sizeof s, "%s decision (%s):", ph != EP_DONE ? "next" : "last", d->kind == 1 ? "explore: which variable"
                                                                                              : "exploit: variable and sign");
        tui_text(c, y++, x, s, TR_NORMAL, w);
        if (d->have_model) {
            int bw = w - 22;
            if (bw > 30) bw = 30;
            if (bw < 4) bw = 4;
            for (int u = 0; u < v->n && y < bottom - 2; u++) {
                int legal = d->kind == 2 ? ep_can_exploit(v, u) : (int)((v->relevant >> u) & 1u);
                if (!legal) continue;
                int chosen = d->model_act.var == u;
                int fill = (int)lround(d->probs[u] * bw);
                tui_textf(c, y, x, chosen ? TR_BAR_CHOICE : TR_NORMAL, 3, " %c ", scm_name(u));
                for (int b = 0; b < bw; b++) tui_text(c, y, x + 3 + b, b < fill ? "█" : "·", b < fill ? (chosen ? TR_BAR_CHOICE : TR_BAR) : TR_DIM, 1);
                tui_textf(c, y, x + 4 + bw, chosen ? TR_BAR_CHOICE : TR_NORMAL, w - 4 - bw, "%4.2f%s", d->probs[u],
                          chosen ? " ◀ model" : "");
                y++;
            }
            if (d->kind == 2 && y < bottom - 1) {
                tui_textf(c, y++, x, TR_NORMAL, w, " sign: + %.2f  − %.2f  → model picks %c%c", d->p_plus, 1 - d->p_plus,
                          scm_name(d->model_act.var), d->model_act.sign > 0 ? '+' : '-');
            }
        } else {
            tui_text(c, y++, x, " no model loaded: T trains one", TR_DIM, w);
        }
        if (y < bottom) {
            int xx = x + tui_text(c, y, x, " baselines:", TR_DIM, w);
            for (int i = 0; i < STRAT_BUILTIN_COUNT; i++) {
                if (!d->base_ok[i]) continue;
                char act[8];
                action_text(act, sizeof act, d, d->base[i]);
                snprintf(s, sizeof s, " %s %s", strat_builtin(i)->name, act);
                int need = tui_text_width(s);
                if (xx + need > x + w) {
                    if (++y >= bottom) break;
                    xx = x + 11;
                }
                xx += tui_text(c, y, xx, s, TR_NORMAL, x + w - xx);
            }
            y++;
        }
    }
    (void)y;
}
/* ---- Notebook ------------------------------------------------------------------------------- */

/* Entries are read through notebook/nb_entry (one reader of the schema for every caller). */
static const char *jstr(const cJSON *o, const char *path) {
    const char *s = nbe_str(o, path);
    return s ? s : "";
}

static int jint(const cJSON *o, const char *path) {
    double v = nbe_num(o, path);
    return v == v && fabs(v) < 1e9 ? (int)v : 0;
}

static void draw_training(App *a, TuiCanvas *c, int *y, int bottom, int x, int w) {
    TuiTrainStatus s;
    tui_train_status(a->train, &s);
    char b[200];
    snprintf(b, sizeof b, "training: %s %ld/%ld  loss %.3f  (X cancels)", s.phase, s.step, s.total,
             s.n_loss ? s.loss[s.n_loss - 1] : 0.0);
    if (*y < bottom) tui_text(c, (*y)++, x, b, TR_TITLE, w);
    if (*y < bottom && s.n_loss) tui_sparkline(c, (*y)++, x, w, s.loss, s.n_loss, TR_SPARK);
}

static void draw_notebook(App *a, TuiCanvas *c, TuiRect r) {
    int y = r.y, bottom = r.y + r.h, x = r.x + 1, w = r.w - 2;
    if (a->train) draw_training(a, c, &y, bottom, x, w);
    if (a->note_open) {
        tui_text(c, y++, x, "new note — type; Enter: new line; Ctrl-S: save; Esc: close (draft kept)", TR_PROMPT, w);
        /* the note, wrapped, its end in view */
        int lines = bottom - y, col = 0, row = 0;
        int total_rows = 1;
        for (int i = 0; i < a->note_len; i++)
            if (a->note[i] == '\n' || ++col >= w) total_rows++, col = 0;
        int skip = total_rows > lines ? total_rows - lines : 0;
        col = 0;
        const char *p = a->note;
        while (*p) {
            uint32_t ch = tui_utf8_next(&p);
            if (ch == '\n') {
                row++, col = 0;
                continue;
            }
            if (row >= skip) tui_put(c, y + row - skip, x + col, ch, TR_NORMAL);
            if (++col >= w) row++, col = 0;
        }
        if (row - skip < lines) tui_put(c, y + row - skip, x + col, 0x2581, TR_CURSOR);
        return;
    }
    if (!a->nb) {
        tui_text(c, y, x, a->nb_error[0] ? a->nb_error : "no notebook", TR_ERROR, w);
        return;
    }
    int cnt = nb_count(a->nb);
    tui_textf(c, y++, x, TR_DIM, w, "%s: %d entr%s · j/k select · a: new note%s", nb_path(a->nb), cnt,
              cnt == 1 ? "y" : "ies", a->note_dirty ? " (draft unsaved)" : "");
    if (!cnt) {
        tui_text(c, y, x, "empty: T trains a model (a run), a writes a note, W saves this session", TR_DIM, w);
        return;
    }
    if (a->nb_sel >= cnt) a->nb_sel = cnt - 1;
    int list_h = (bottom - y) / 2;
    if (list_h < 2) list_h = 2;
    if (a->nb_sel < a->nb_top) a->nb_top = a->nb_sel;
    if (a->nb_sel >= a->nb_top + list_h) a->nb_top = a->nb_sel - list_h + 1;
    for (int i = a->nb_top; i < cnt && i < a->nb_top + list_h && y < bottom; i++) {
        const cJSON *en = nb_entry(a->nb, i);
        const char *type = nbe_type(en);
        int run = strcmp(type, "run") == 0;
        const char *what = strcmp(type, "note") == 0 ? jstr(en, "text") : run ? nbe_title(en) : "";
        char line[300];
        snprintf(line, sizeof line, "%3ld %-7s %.10s %s%s", nbe_id(en), type, jstr(en, "time"),
                 run && nbe_quick(en) ? "[quick] " : "", what);
        for (char *p = line; *p; p++)
            if (*p == '\n') *p = ' ';
        tui_text(c, y, x, line, i == a->nb_sel ? TR_CURSOR : TR_NORMAL, w);
        if (i == a->nb_sel) tui_recolor(c, (TuiRect){y, x, 1, w}, TR_CURSOR);
        y++;
    }
    if (y < bottom) tui_fill(c, (TuiRect){y++, x, 1, w}, 0x2500, TR_BORDER);
    /* the selected entry */
    const cJSON *en = nb_entry(a->nb, a->nb_sel);
    const char *type = nbe_type(en);
    if (strcmp(type, "note") == 0) {
        const char *p = jstr(en, "text");
        int col = 0;
        while (*p && y < bottom) {
            uint32_t ch = tui_utf8_next(&p);
            if (ch == '\n' || col >= w) y++, col = 0;
            if (ch != '\n' && y < bottom) tui_put(c, y, x + col++, ch, TR_NORMAL);
        }
    } else if (strcmp(type, "session") == 0) {
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(en, "events");
        tui_textf(c, y++, x, TR_NORMAL, w, "%d events · model %s", cJSON_GetArraySize(ev), jstr(en, "model"));
    } else if (strcmp(type, "run") == 0) {
        char b[300];
        snprintf(b, sizeof b, "config: %s · held out %s · %d variables · L%d C%d H%d · %d steps%s",
                 jstr(en, "config.name"), jstr(en, "config.heldout"), jint(en, "config.world.variables"),
                 jint(en, "config.model.layers"), jint(en, "config.model.dim"), jint(en, "config.model.heads"),
                 jint(en, "training.steps"), nbe_quick(en) ? " · quick" : "");
        if (y < bottom) tui_text(c, y++, x, b, TR_DIM, w);
        NbeRun run;
        Err e;
        if (nbe_read_run(en, &run, &e)) {
            if (y < bottom) tui_text(c, y++, x, e.msg, TR_ERROR, w);
            return;
        }
        double loss[512];
        int m = nbe_curve(run.curve, 1, NULL, loss, 512);
        if (m > 0 && y < bottom) {
            int k = tui_textf(c, y, x, TR_DIM, w, "loss %.3f→%.3f ", loss[0], loss[m - 1]);
            tui_sparkline(c, y++, x + k, w - k, loss, m, TR_SPARK);
        }
        for (int s = 0; s < run.n_sets && y < bottom; s++) {
            const NbeSet *set = &run.sets[s];
            int xx = x + tui_textf(c, y, x, TR_TITLE, w, "%-9.9s", set->name);
            for (int k = 0; k < set->n_rows; k++) {
                const NbeRow *row = &set->rows[k];
                char cell[48];
                snprintf(cell, sizeof cell, " %s %.2f", row->name, isnan(row->mean) ? 0.0 : row->mean);
                if (xx + tui_text_width(cell) > x + w) break;
                xx += tui_text(c, y, xx, cell, strcmp(row->name, "model") == 0 ? TR_BAR_CHOICE : TR_NORMAL, x + w - xx);
            }
            y++;
        }
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

static const char *const help_lines[] = {
    "everywhere",
    "  ?            this help (any key closes it)",
    "  q            quit (asks first if a note is not saved)",
    "  Tab S-Tab    next / previous pane (mouse: click a pane)",
    "  space        play / pause the stream or the live episode",
    "  n            step: next stream line / next live decision",
    "  N            next episode",
    "  S            change the seed",
    "  s            swap the acting agent: model, expert, oracle, corr, max_seen, parents, random",
    "  i            take over (choose the interventions by hand) / hand back",
    "  Enter +      do the selected variable (hand); at the exploit + sets +5",
    "  -            at the exploit: do the selected variable = -5",
    "  u            undo the last step",
    "  w            what would the model and each baseline do now? (to the log)",
    "  A..H h l     select a variable (mouse: click its box)",
    "  v            hidden structure: hide / reveal / off",
    "  r R          a random world from the training / held-out distribution",
    "  :            Lua command line (world, episode, lab.*); output in the Log",
    "  /            search the stream",
    "  T            train a model from an experiment script (background)",
    "  X            cancel the training",
    "  W            save this live session to the notebook",
    "  t            next theme",
    "World pane:  a add or re-weight an edge · x remove an edge · g goal = selected",
    "Stream pane: j k PgUp PgDn move the cursor; the World shows its episode",
    "Notebook:    j k select an entry · a (or Enter) write a note, Ctrl-S saves",
    "Log pane:    j k PgUp PgDn scroll",
};

static void draw_help(TuiCanvas *c) {
    int n = (int)(sizeof help_lines / sizeof *help_lines);
    int w = 0;
    for (int i = 0; i < n; i++)
        if (tui_text_width(help_lines[i]) > w) w = tui_text_width(help_lines[i]);
    w += 4;
    if (w > c->w - 2) w = c->w - 2;
    int h = n + 2 < c->h - 1 ? n + 2 : c->h - 1;
    TuiRect r = {(c->h - 1 - h) / 2, (c->w - w) / 2, h, w};
    tui_fill(c, r, ' ', TR_NORMAL);
    tui_frame(c, r, "keys (any key closes)", TR_BORDER_FOCUS, TR_TITLE);
    for (int i = 0; i < n && i < h - 2; i++)
        tui_text(c, r.y + 1 + i, r.x + 2, help_lines[i], help_lines[i][0] == ' ' ? TR_NORMAL : TR_TITLE, w - 4);
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
    const char *mode = a->prompt ? "PROMPT" : a->note_open ? "NOTE" : a->train ? "TRAINING" : a->hand ? "HAND" : a->view_live ? "LIVE" : "STREAM";
    char b[400];
    snprintf(b, sizeof b, " %s ", mode);
    int x = tui_text(c, y, 0, b, TR_STATUS_MODE, c->w);
    if (a->msg[0]) {
        tui_text(c, y, x + 1, a->msg, a->msg_error ? TR_ERROR : TR_STATUS, c->w - x - 1);
        if (a->msg_error) tui_recolor(c, (TuiRect){y, x + 1, 1, tui_text_width(a->msg)}, TR_ERROR);
        return;
    }
    snprintf(b, sizeof b, " model: %s · acting: %s · seed %llu · %s ", a->model ? a->model_name : "none (T trains)",
             a->hand ? "you" : app_actor_name(a, a->actor), (unsigned long long)a->seed, a->theme.name);
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
            snprintf(title, sizeof title, "%s%s", pane_names[p],
                     a->pane[p == P_STREAM ? P_NOTEBOOK : P_STREAM].w ? "" : p == P_STREAM ? " · (Tab: Notebook)" : " · (Tab: Log)");
        else snprintf(title, sizeof title, "%s", pane_names[p]);
        int focused = (int)a->focus == p;
        tui_frame(c, r, title, focused ? TR_BORDER_FOCUS : TR_BORDER, TR_TITLE);
        TuiRect in = {r.y + 1, r.x + 1, r.h - 2, r.w - 2};
        switch (p) {
        case P_WORLD: tui_draw_world(a, c, in); break;
        case P_STREAM: draw_stream(a, c, in); break;
        case P_LIVE: draw_live(a, c, in); break;
        case P_NOTEBOOK: draw_notebook(a, c, in); break;
        case P_LOG: draw_log(a, c, in); break;
        }
    }
    draw_status(a, c);
    if (a->show_help) draw_help(c);
}

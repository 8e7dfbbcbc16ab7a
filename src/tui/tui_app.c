/* tui_app — the TUI's state and everything a person can do, without curses
 * (see tui_internal.h). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "learn/agent.h"
#include "learn/train.h"
#include "tui/tui_internal.h"
#include "util/fileio.h"
#include "util/jsonu.h"

/* ---- messages and the log ---------------------------------------------------------------- */

void app_logs(App *a, const char *s) {
    sb_puts(&a->log, s);
    if (a->log.len && a->log.s[a->log.len - 1] != '\n') sb_puts(&a->log, "\n");
    /* keep the last 64 KiB */
    if (a->log.len > 65536) {
        size_t cut = a->log.len - 49152;
        while (cut < a->log.len && a->log.s[cut - 1] != '\n') cut++;
        memmove(a->log.s, a->log.s + cut, a->log.len - cut + 1);
        a->log.len -= cut;
    }
    a->log_scroll = 0;
}

void app_log(App *a, const char *fmt, ...) {
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    app_logs(a, buf);
}

void app_say(App *a, int error, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof a->msg, fmt, ap);
    va_end(ap);
    a->msg_error = error;
    if (error) app_log(a, "error: %s", a->msg);
}

const char *app_actor_name(const App *a, int actor) {
    (void)a;
    return actor == 0 ? "model" : strat_builtin(actor - 1)->name;
}

/* ---- files beside the executable ---------------------------------------------------------- */

static int exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0;
}

/* rel among dolab's data files (fio_data_path: beside the executable, ../share/dolab, ./). */
static int find_beside(const App *a, const char *rel, char *out, size_t n) { return fio_data_path(a->opt.exe, rel, out, n); }

/* ---- the model ----------------------------------------------------------------------------- */

static void parse_heldout(App *a) {
    a->heldout_a = a->heldout_b = -1;
    const char *d = strstr(a->x.heldout.desc, "->");
    if (!a->x.heldout.fn || !d || d == a->x.heldout.desc) return;
    int p = d[-1] - 'A', q = d[2] - 'A';
    if (p >= 0 && p < SCM_MAX_VARS && q >= 0 && q < SCM_MAX_VARS) a->heldout_a = p, a->heldout_b = q;
}

static void drop_model(App *a) {
    if (a->agent) a->agent->destroy(a->agent);
    a->agent = NULL;
    gpt_free(a->model);
    a->model = NULL;
    cJSON_Delete(a->meta);
    a->meta = NULL;
    tok_vocab_free(a->vocab);
    a->vocab = NULL;
    lab_free(a->model_lab);
    a->model_lab = NULL;
}

/* Takes over model (may be NULL: the default experiment, no model) and x. */
static int adopt(App *a, Gpt *model, const Experiment *x, Lab *lab, cJSON *meta, Err *e) {
    drop_model(a);
    a->model = model;
    a->x = *x;
    a->model_lab = lab;
    a->meta = meta;
    a->vocab = train_vocab(&a->x, e);
    if (!a->vocab) return -1;
    a->fmt = exp_format(&a->x, -1);
    if (model) {
        a->agent = agent_new(model, &a->fmt, 0.0, 0, e);
        if (!a->agent) return -1;
    }
    parse_heldout(a);
    a->actor = model ? 0 : 1;
    return 0;
}

/* ---- the live episode ---------------------------------------------------------------------- */

static int filter_train(const Scm *w, void *ctx) {
    const App *a = ctx;
    return !exp_pred_eval(&a->x.heldout, w);
}

static int filter_heldout(const Scm *w, void *ctx) {
    const App *a = ctx;
    return exp_pred_eval(&a->x.heldout, w);
}

/* What strategy s would do now in the live episode. */
static int ask(App *a, Strategy *s, StratAction *out, Err *e) {
    if (s->begin && s->begin(s, 1, e)) return -1;
    const EpView *v = &a->live.view;
    const Episode *t = &a->live;
    int id = 0;
    return s->act(s, &v, s->needs_truth ? &t : NULL, &id, 1, out, e);
}

/* The preview of the next decision: the model's probabilities and every baseline's choice. */
static void preview(App *a) {
    LiveDecision *d = &a->next;
    memset(d, 0, sizeof *d);
    if (!a->live_ok) return;
    EpPhase ph = ep_phase(&a->live.view);
    if (ph == EP_DONE) return;
    d->kind = ph == EP_EXPLORE ? 1 : 2;
    Err e;
    if (a->agent) {
        if (ask(a, a->agent, &d->model_act, &e) == 0) {
            d->have_model = agent_last_probs(a->agent, 0, d->probs, &d->p_plus) != 0;
        } else {
            app_say(a, 1, "the model: %s", e.msg);
        }
    }
    for (int i = 0; i < STRAT_BUILTIN_COUNT; i++) d->base_ok[i] = ask(a, strat_builtin(i), &d->base[i], &e) == 0;
}

static void session_event(App *a, cJSON *ev) {
    if (!a->session) a->session = cJSON_CreateArray();
    cJSON_AddItemToArray(a->session, ev);
    a->session_events++;
}

static cJSON *world_json(const Scm *s) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "variables", s->n);
    cJSON *edges = cJSON_AddArrayToObject(o, "edges");
    for (int i = 0; i < s->n; i++)
        for (int j = 0; j < s->n; j++)
            if (scm_has_edge(s, i, j)) {
                char f[2] = {scm_name(i), 0}, t[2] = {scm_name(j), 0};
                cJSON *ed = cJSON_CreateArray();
                cJSON_AddItemToArray(ed, cJSON_CreateString(f));
                cJSON_AddItemToArray(ed, cJSON_CreateString(t));
                cJSON_AddItemToArray(ed, ju_num(s->w[i][j]));
                cJSON_AddItemToArray(edges, ed);
            }
    return o;
}

static void live_started(App *a) {
    a->nhist = 0;
    if (a->sel >= a->live.world.n) a->sel = 0;
    a->revealed = !a->hidden;
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", "episode");
    cJSON_AddNumberToObject(ev, "index", (double)a->live_index);
    ju_add_u64(ev, "seed", a->seed);
    cJSON_AddStringToObject(ev, "source", a->world_src == 0 ? "training" : a->world_src == 1 ? "held-out" : "edited");
    cJSON_AddItemToObject(ev, "world", world_json(&a->live.world));
    char g[2] = {scm_name(a->live.goal), 0};
    cJSON_AddStringToObject(ev, "goal", g);
    session_event(a, ev);
    preview(a);
}

/* A goal for a hand-made world: the wanted one if it has a cause, else the last that has. */
static int pick_goal(const Scm *s, int want) {
    if (want >= 0 && want < s->n && scm_parents(s, want)) return want;
    for (int v = s->n - 1; v >= 0; v--)
        if (scm_parents(s, v)) return v;
    return -1;
}

static int new_live(App *a) {
    Err e;
    EpConfig c = a->x.world;
    a->live_ok = 0;
    memset(&a->next, 0, sizeof a->next);
    if (a->world_src == 2) {
        c.world.n = a->custom.n;
        c.world.sigma = a->custom.sigma;
        int g = pick_goal(&a->custom, a->custom_goal);
        if (g < 0) {
            app_say(a, 1, "this world has no edge, so no goal: add an edge (a) in the World pane");
            return -1;
        }
        a->custom_goal = g;
        unsigned all = (1u << a->custom.n) - 1;
        if (ep_from_world(&a->live, &a->custom, &c, g, all, 0, a->seed * 1000003u + a->live_index, &e)) {
            app_say(a, 1, "%s", e.msg);
            return -1;
        }
    } else {
        EpWorldFilter f = NULL;
        if (a->x.heldout.fn) f = a->world_src == 1 ? filter_heldout : filter_train;
        if (ep_generate(&a->live, &c, a->seed, a->live_index, f, a, &e)) {
            app_say(a, 1, "%s", e.msg);
            return -1;
        }
    }
    a->live_ok = 1;
    live_started(a);
    return 0;
}

static void record(App *a, const char *actor, StratAction act) {
    LiveDecision d = a->next;
    snprintf(d.actor, sizeof d.actor, "%s", actor);
    d.act = act;
    if (a->nhist < EP_MAX_STEPS + 1) a->hist[a->nhist++] = d;
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", d.kind == 2 ? "exploit" : "explore");
    cJSON_AddStringToObject(ev, "actor", actor);
    char v[2] = {scm_name(act.var), 0};
    cJSON_AddStringToObject(ev, "var", v);
    cJSON_AddNumberToObject(ev, "value", d.kind == 2 ? act.sign * a->live.view.exploit_value : a->live.view.value);
    if (d.have_model) {
        cJSON *p = cJSON_AddObjectToObject(ev, "model_probs");
        for (int i = 0; i < a->live.view.n; i++) {
            char k[2] = {scm_name(i), 0};
            cJSON_AddNumberToObject(p, k, d.probs[i]);
        }
        char m[3] = {scm_name(d.model_act.var), 0, 0};
        if (d.kind == 2) m[1] = d.model_act.sign > 0 ? '+' : '-';
        cJSON_AddStringToObject(ev, "model_choice", m);
    }
    cJSON *b = cJSON_AddObjectToObject(ev, "baselines");
    for (int i = 0; i < STRAT_BUILTIN_COUNT; i++)
        if (d.base_ok[i]) {
            char m[3] = {scm_name(d.base[i].var), 0, 0};
            if (d.kind == 2) m[1] = d.base[i].sign > 0 ? '+' : '-';
            cJSON_AddStringToObject(b, strat_builtin(i)->name, m);
        }
    session_event(a, ev);
}

static void finished(App *a) {
    a->n_done++;
    a->sum_norm += a->live.norm_reward;
    a->sum_reward += a->live.reward;
    a->sum_optimal += a->live.optimal;
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", "reward");
    ju_add_num(ev, "reward", a->live.reward);
    cJSON_AddNumberToObject(ev, "optimal", a->live.optimal);
    ju_add_num(ev, "normalised", a->live.norm_reward);
    session_event(a, ev);
    a->revealed = 1; /* the episode is over: nothing left to hide */
}

/* Applies an action to the live episode. */
static int apply(App *a, const char *actor, StratAction act) {
    Err e;
    EpPhase ph = ep_phase(&a->live.view);
    int rc = ph == EP_EXPLORE ? ep_explore(&a->live, act.var, &e) : ep_exploit(&a->live, act.var, act.sign, &e);
    if (rc) {
        app_say(a, 1, "%s: %s", actor, e.msg);
        return -1;
    }
    record(a, actor, act);
    if (ep_phase(&a->live.view) == EP_DONE) finished(a);
    preview(a);
    return 0;
}

static int live_step(App *a) {
    if (!a->live_ok) return 0;
    if (ep_phase(&a->live.view) == EP_DONE) {
        a->live_index++;
        new_live(a);
        return TUI_REDRAW;
    }
    if (a->hand) {
        app_say(a, 0, "you have taken over: choose a variable and press Enter (i hands back)");
        a->playing_live = 0;
        return TUI_REDRAW;
    }
    StratAction act;
    if (a->actor == 0) {
        if (!a->agent) return 0;
        act = a->next.model_act;
    } else {
        if (!a->next.base_ok[a->actor - 1]) return 0;
        act = a->next.base[a->actor - 1];
    }
    apply(a, app_actor_name(a, a->actor), act);
    return TUI_REDRAW;
}

static int hand_do(App *a, int var, int sign) {
    if (!a->live_ok) return TUI_REDRAW;
    a->hand = 1;
    a->playing_live = 0;
    EpPhase ph = ep_phase(&a->live.view);
    if (ph == EP_DONE) {
        app_say(a, 0, "the episode is over: n starts the next one, u undoes the last step");
        return TUI_REDRAW;
    }
    StratAction act = {var, ph == EP_EXPLORE ? 1 : sign};
    if (apply(a, "hand", act) == 0)
        app_say(a, 0, "you: do(%c = %+g)", scm_name(var),
                ph == EP_EXPLORE ? a->live.view.value : sign * a->live.view.exploit_value);
    return TUI_REDRAW;
}

static int live_undo(App *a) {
    if (!a->live_ok) return 0;
    int was_done = ep_phase(&a->live.view) == EP_DONE;
    if (ep_undo(&a->live) < 0) {
        app_say(a, 0, "nothing to undo");
        return TUI_REDRAW;
    }
    if (was_done) {
        a->n_done--;
        a->sum_norm -= a->live.norm_reward;
        a->sum_reward -= a->live.reward;
        a->sum_optimal -= a->live.optimal;
    }
    if (a->nhist > 0) a->nhist--;
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", "undo");
    session_event(a, ev);
    preview(a);
    app_say(a, 0, "undone");
    return TUI_REDRAW;
}

/* ---- the stream --------------------------------------------------------------------------- */

static Episode *stream_ep(const App *a, uint64_t index) {
    if (index < a->first_ep || index >= a->next_ep) return NULL;
    return &a->eps[index % STREAM_MAX_EPS];
}

static int add_line(App *a, const StreamLine *l) {
    if (a->nlines == a->cap_lines) {
        int cap = a->cap_lines ? a->cap_lines * 2 : 256;
        StreamLine *p = realloc(a->lines, sizeof *p * (size_t)cap);
        if (!p) return -1;
        a->lines = p;
        a->cap_lines = cap;
    }
    a->lines[a->nlines++] = *l;
    return 0;
}

/* Appends the next expert episode of the training stream. */
static int stream_more(App *a) {
    if (a->next_ep - a->first_ep >= STREAM_MAX_EPS) { /* forget the oldest episode */
        int k = 0;
        while (k < a->nlines && a->lines[k].ep == a->first_ep) k++;
        memmove(a->lines, a->lines + k, sizeof *a->lines * (size_t)(a->nlines - k));
        a->nlines -= k;
        a->cursor = a->cursor >= k ? a->cursor - k : 0;
        a->top = a->top >= k ? a->top - k : 0;
        a->first_ep++;
    }
    Experiment xs = a->x;
    xs.seed = a->seed;
    uint64_t idx = a->next_ep;
    Episode *ep = &a->eps[idx % STREAM_MAX_EPS];
    TokSeq *ts = malloc(sizeof *ts);
    Err e;
    if (!ts) return -1;
    if (train_episode(&xs, idx, ep, ts, &e)) {
        free(ts);
        app_say(a, 1, "stream: %s", e.msg);
        return -1;
    }
    a->next_ep++;
    SB sb = {0};
    tok_render(a->vocab, ts->tok, ts->n, ep->view.value, ep, &sb);
    free(ts);
    StreamLine l = {.ep = idx, .cls = -1};
    snprintf(l.text, sizeof l.text, "── episode %llu ──", (unsigned long long)idx + 1);
    add_line(a, &l);
    const char *s = sb_str(&sb);
    int steps = 0, goal = 0;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        StreamLine ln = {.ep = idx};
        snprintf(ln.text, sizeof ln.text, "%.*s", (int)(n < sizeof ln.text ? n : sizeof ln.text - 1), s);
        if (strncmp(ln.text, "do ", 3) == 0) {
            ln.cls = TOKC_ACTION;
            if (goal) ln.exploit = 1;
            else steps++;
        } else if (strncmp(ln.text, "goal", 4) == 0) {
            ln.cls = TOKC_GOAL;
            goal = 1;
        } else if (strncmp(ln.text, "cue", 3) == 0) {
            ln.cls = TOKC_GOAL;
        } else {
            ln.cls = TOKC_OBS;
        }
        ln.steps = steps;
        ln.goal = goal;
        if (n) add_line(a, &ln);
        s += n + (nl ? 1 : 0);
    }
    sb_free(&sb);
    return 0;
}

static void stream_reset(App *a) {
    a->nlines = a->cursor = a->top = 0;
    a->next_ep = a->first_ep = 0;
    for (int k = 0; k < 3 && a->nlines < 40; k++)
        if (stream_more(a)) break;
    a->cursor = 1;
}

static void stream_move(App *a, int d) {
    int c = a->cursor + d;
    while (c >= a->nlines - 2 && stream_more(a) == 0) {
    }
    if (c < 0) c = 0;
    if (c >= a->nlines) c = a->nlines - 1;
    /* skip separators in the direction of travel */
    while (c > 0 && c < a->nlines - 1 && a->lines[c].cls < 0) c += d >= 0 ? 1 : -1;
    a->cursor = c < 0 ? 0 : c;
}

static void stream_next_episode(App *a) {
    uint64_t ep = a->lines[a->cursor].ep;
    for (;;) {
        int c = a->cursor + 1;
        while (c >= a->nlines - 1 && stream_more(a) == 0) {
        }
        if (c >= a->nlines) return;
        a->cursor = c;
        if (a->lines[c].ep != ep && a->lines[c].cls >= 0) return;
    }
}

static void stream_search(App *a, const char *q) {
    if (!*q) return;
    tui_copy(a->search, sizeof a->search, q);
    int c = a->cursor + 1;
    for (int guard = 0; guard < 5000; guard++, c++) {
        while (c >= a->nlines - 1)
            if (stream_more(a)) return;
        if (strstr(a->lines[c].text, q)) {
            a->cursor = c;
            app_say(a, 0, "found '%s' in episode %llu", q, (unsigned long long)a->lines[c].ep + 1);
            return;
        }
    }
    app_say(a, 0, "'%s' not found in the next episodes", q);
}

const Episode *app_shown(const App *a, EpView *view) {
    if (a->view_live || !a->nlines) {
        if (!a->live_ok) return NULL;
        *view = a->live.view;
        return &a->live;
    }
    const StreamLine *l = &a->lines[a->cursor];
    const Episode *ep = stream_ep(a, l->ep);
    if (!ep) return NULL;
    *view = ep->view;
    view->n_steps = l->steps;
    if (!l->goal) view->goal = -1;
    if (!l->exploit) view->exploit_var = -1, view->exploit_sign = 0;
    return ep;
}

/* ---- edits ------------------------------------------------------------------------------ */

static int current_world(App *a, Scm *out) {
    EpView v;
    const Episode *ep = app_shown(a, &v);
    if (a->world_src == 2) *out = a->custom;
    else if (ep) *out = ep->world;
    else return -1;
    return 0;
}

static void world_edited(App *a, const Scm *w, int goal) {
    a->custom = *w;
    a->custom_goal = goal;
    a->world_src = 2;
    a->view_live = 1;
    new_live(a);
}

static int parse_var(const Scm *s, const char **p) {
    while (**p == ' ' || **p == '-' || **p == '>' || **p == ',') (*p)++;
    int v = (**p >= 'a' && **p <= 'h') ? **p - 'a' : **p - 'A';
    if (v < 0 || v >= s->n) return -1;
    (*p)++;
    return v;
}

static void edit_edge(App *a, const char *text, int remove) {
    Scm w;
    if (current_world(a, &w)) return;
    const char *p = text;
    int from = parse_var(&w, &p), to = parse_var(&w, &p);
    if (from < 0 || to < 0) {
        app_say(a, 1, "expected two variables of this world, e.g. 'A C%s'", remove ? "" : " 1.5");
        return;
    }
    Err e;
    if (remove) {
        if (!scm_has_edge(&w, from, to)) {
            app_say(a, 1, "there is no edge %c->%c", scm_name(from), scm_name(to));
            return;
        }
        scm_remove_edge(&w, from, to);
        app_say(a, 0, "removed %c->%c", scm_name(from), scm_name(to));
    } else {
        char *end;
        double wt = strtod(p, &end);
        if (end == p) wt = 1.0;
        if (scm_add_edge(&w, from, to, wt, &e)) {
            app_say(a, 1, "%s", e.msg);
            return;
        }
        app_say(a, 0, "edge %c->%c weight %+.2f", scm_name(from), scm_name(to), wt);
    }
    world_edited(a, &w, a->live_ok ? a->live.goal : -1);
}

static void set_goal(App *a, int v) {
    Scm w;
    if (current_world(a, &w)) return;
    if (!scm_parents(&w, v)) {
        app_say(a, 1, "%c has no cause, so it cannot be the goal", scm_name(v));
        return;
    }
    world_edited(a, &w, v);
    app_say(a, 0, "goal: maximise %c", scm_name(v));
}

static void random_world(App *a, int heldout) {
    if (heldout && !a->x.heldout.fn) {
        app_say(a, 1, "this experiment holds nothing out");
        return;
    }
    a->world_src = heldout;
    a->live_index++;
    a->view_live = 1;
    if (new_live(a) == 0)
        app_say(a, 0, "a world from the %s distribution%s", heldout ? "held-out" : "training",
                heldout ? " (the model never saw one like it)" : "");
}

static void set_seed(App *a, uint64_t seed) {
    a->seed = seed;
    a->live_index = 0;
    if (a->world_src == 2) a->world_src = 1;
    stream_reset(a);
    new_live(a);
    app_say(a, 0, "seed %llu", (unsigned long long)seed);
}

/* ---- notebook, sessions, training --------------------------------------------------------- */

static void save_note(App *a) {
    if (!a->note_len) {
        app_say(a, 0, "the note is empty");
        return;
    }
    if (!a->nb) {
        app_say(a, 1, "no notebook: %s", a->nb_error);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "note");
    a->note[a->note_len] = 0;
    cJSON_AddStringToObject(o, "text", a->note);
    Err e;
    if (nb_add(a->nb, o, &e)) {
        app_say(a, 1, "note not saved: %s", e.msg);
        return;
    }
    a->note_len = 0;
    a->note_dirty = 0;
    a->note_open = 0;
    a->nb_sel = nb_count(a->nb) - 1;
    app_say(a, 0, "note saved to %s", nb_path(a->nb));
}

static void save_session(App *a) {
    if (!a->nb) {
        app_say(a, 1, "no notebook: %s", a->nb_error);
        return;
    }
    if (!a->session_events) {
        app_say(a, 0, "nothing happened yet in this session");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "session");
    char title[300];
    snprintf(title, sizeof title, "live session with %s", a->model ? a->model_name : "no model");
    cJSON_AddStringToObject(o, "title", title);
    cJSON_AddStringToObject(o, "model", a->model ? a->model_name : "");
    ju_add_u64(o, "seed", a->seed);
    cJSON_AddNumberToObject(o, "episodes_done", a->n_done);
    if (a->n_done) ju_add_num(o, "mean_normalised_reward", a->sum_norm / a->n_done);
    cJSON_AddItemToObject(o, "events", a->session ? a->session : cJSON_CreateArray());
    a->session = NULL;
    int n = a->session_events;
    a->session_events = 0;
    Err e;
    if (nb_add(a->nb, o, &e)) {
        app_say(a, 1, "session not saved: %s", e.msg);
        return;
    }
    a->nb_sel = nb_count(a->nb) - 1;
    app_say(a, 0, "session of %d events saved to %s", n, nb_path(a->nb));
}

static void start_training(App *a, const char *cmd) {
    if (a->train) {
        app_say(a, 1, "training is already running (X cancels it)");
        return;
    }
    char script[1024];
    int quick = strstr(cmd, "--quick") != NULL;
    const char *p = cmd;
    while (*p == ' ') p++;
    size_t n = strcspn(p, " ");
    snprintf(script, sizeof script, "%.*s", (int)n, p);
    if (!*script) {
        app_say(a, 1, "name an experiment script, e.g. experiments/heldout_links.lua --quick");
        return;
    }
    if (!exists(script)) {
        char alt[1100];
        if (find_beside(a, script, alt, sizeof alt)) tui_copy(script, sizeof script, alt);
    }
    /* the checkpoint goes beside the notebook */
    char dir[1024], ckpt[1400];
    snprintf(dir, sizeof dir, "%s", a->nb ? nb_path(a->nb) : "notebook.json");
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    else snprintf(dir, sizeof dir, ".");
    const char *base = strrchr(script, '/') ? strrchr(script, '/') + 1 : script;
    snprintf(ckpt, sizeof ckpt, "%s/%.*s-tui-%ld.ckpt", dir, (int)strcspn(base, "."), base, (long)time(NULL));
    Err e;
    a->train = tui_train_start(script, quick, ckpt, NULL, a->opt.version, a->opt.commit, &e);
    if (!a->train) {
        app_say(a, 1, "%s", e.msg);
        return;
    }
    app_say(a, 0, "training %s%s in the background (X cancels)", script, quick ? " (quick)" : "");
    app_log(a, "training %s -> %s", script, ckpt);
}

static int poll_training(App *a) {
    if (!a->train) return 0;
    TuiTrainStatus s;
    tui_train_status(a->train, &s);
    if (s.state == TT_RUNNING) return TUI_REDRAW;
    if (s.state == TT_FAILED) {
        app_say(a, 1, "training: %s", s.error);
        tui_train_free(a->train);
        a->train = NULL;
        return TUI_REDRAW;
    }
    Gpt *m;
    Lab *lab;
    Experiment x;
    cJSON *entry;
    Err e;
    if (tui_train_take(a->train, &m, &lab, &x, &entry, &e)) {
        app_say(a, 1, "training: %s", e.msg);
    } else {
        const cJSON *ck = cJSON_GetObjectItemCaseSensitive(entry, "checkpoint");
        const char *cp = cJSON_IsString(ck) ? ck->valuestring : "trained";
        tui_copy(a->model_name, sizeof a->model_name, strrchr(cp, '/') ? strrchr(cp, '/') + 1 : cp);
        if (a->nb) {
            if (nb_add(a->nb, entry, &e)) app_say(a, 1, "notebook: %s", e.msg);
            else a->nb_sel = nb_count(a->nb) - 1;
        } else {
            cJSON_Delete(entry);
        }
        if (adopt(a, m, &x, lab, NULL, &e)) {
            app_say(a, 1, "the new model: %s", e.msg);
        } else {
            app_say(a, 0, "trained: the new model is acting (%s)", a->model_name);
            stream_reset(a);
            new_live(a);
        }
    }
    tui_train_free(a->train);
    a->train = NULL;
    return TUI_REDRAW;
}

/* ---- the Lua command line ------------------------------------------------------------------ */

static void run_lua(App *a, const char *line) {
    Err e;
    if (!a->lab) {
        a->lab = lab_new(NULL, NULL, &a->log, &e);
        if (!a->lab) {
            app_say(a, 1, "Lua: %s", e.msg);
            return;
        }
    }
    Scm w;
    int have = current_world(a, &w) == 0;
    lab_set_world(a->lab, have ? &w : NULL, a->live_ok ? &a->live : NULL);
    app_log(a, ":%s", line);
    SB out = {0};
    int rc = lab_eval_line(a->lab, line, &out, &e);
    if (out.len) app_logs(a, sb_str(&out));
    sb_free(&out);
    if (rc) {
        app_log(a, "%s", e.msg);
        /* the first line in the status line: the traceback may scroll the log */
        snprintf(a->msg, sizeof a->msg, "Lua: %.*s", (int)strcspn(e.msg, "\n"), e.msg);
        a->msg_error = 1;
        return;
    }
    Scm nw;
    if (lab_get_world(a->lab, &nw) && (!have || memcmp(nw.w, w.w, sizeof w.w) != 0 || nw.n != w.n)) {
        world_edited(a, &nw, a->live_ok && a->live.goal < nw.n ? a->live.goal : -1);
        app_say(a, 0, "the command changed the world");
    }
}

/* ---- init ----------------------------------------------------------------------------------- */

int app_theme_set(App *a, int i) {
    if (a->n_themes == 0) return 0;
    i = ((i % a->n_themes) + a->n_themes) % a->n_themes;
    char dir[PATH_MAX];
    if (a->opt.themes_dir) snprintf(dir, sizeof dir, "%s", a->opt.themes_dir);
    else if (!find_beside(a, "themes", dir, sizeof dir)) return 0;
    Err e;
    TuiTheme t;
    if (tui_theme_load(dir, a->themes[i], &t, &e)) {
        app_say(a, 1, "%s", e.msg);
        return -1;
    }
    a->theme = t;
    a->theme_i = i;
    a->theme_changed = 1;
    return 0;
}

int app_init(App *a, const TuiOptions *o, int headless, Err *e) {
    memset(a, 0, sizeof *a);
    a->opt = *o;
    a->headless = headless;
    a->seed = o->seed ? o->seed : 1;
    a->world_src = 1;
    a->view_live = 1;
    a->focus = P_LIVE;
    a->theme = tui_theme_default();
    a->eps = calloc(STREAM_MAX_EPS, sizeof *a->eps);
    if (!a->eps) return err_set(e, "out of memory");
    /* themes */
    char dir[PATH_MAX];
    int have_dir = o->themes_dir ? (snprintf(dir, sizeof dir, "%s", o->themes_dir), 1) : find_beside(a, "themes", dir, sizeof dir);
    if (have_dir) a->n_themes = tui_theme_list(dir, a->themes, 16);
    const char *want = o->theme ? o->theme : "dark";
    int found = -1;
    for (int i = 0; i < a->n_themes; i++)
        if (strcmp(a->themes[i], want) == 0) found = i;
    if (found >= 0) {
        if (app_theme_set(a, found)) return err_set(e, "%s", a->msg);
    } else if (o->theme) {
        return err_set(e, "no theme '%s' in %s (themes: dark, light, high-contrast, mono, projector)", o->theme,
                       have_dir ? dir : "themes/");
    }
    /* the model */
    char path[PATH_MAX];
    Gpt *m = NULL;
    Experiment x = exp_default();
    cJSON *meta = NULL;
    int have = 0;
    if (o->model) snprintf(path, sizeof path, "%s", o->model), have = 1;
    else if (!o->no_model) have = find_beside(a, "models/default.ckpt", path, sizeof path);
    if (have) {
        if (train_load(path, &m, &x, &meta, e)) {
            if (o->model) return -1;
            app_say(a, 1, "models/default.ckpt: %s", e->msg);
            m = NULL;
            x = exp_default();
        } else {
            const char *b = strrchr(path, '/');
            tui_copy(a->model_name, sizeof a->model_name, b ? b + 1 : path);
        }
    }
    if (adopt(a, m, &x, NULL, meta, e)) return -1;
    if (!m)
        app_say(a, 0, "no model yet (models/default.ckpt is missing): T trains one, baselines act meanwhile");
    /* the notebook */
    const char *nbp = o->notebook ? o->notebook : getenv("DOLAB_NOTEBOOK") ? getenv("DOLAB_NOTEBOOK") : "notebook.json";
    if (nb_open(nbp, &a->nb, e)) {
        tui_copy(a->nb_error, sizeof a->nb_error, e->msg);
        app_log(a, "notebook: %s", e->msg);
        nb_free(a->nb);
        a->nb = NULL;
    } else {
        a->nb_sel = nb_count(a->nb) - 1;
    }
    app_log(a, "dolab tui: %s; experiment %s; seed %llu", m ? path : "no model", a->x.name,
            (unsigned long long)a->seed);
    stream_reset(a);
    new_live(a);
    return 0;
}

void app_free(App *a) {
    tui_train_free(a->train);
    drop_model(a);
    lab_free(a->lab);
    nb_free(a->nb);
    cJSON_Delete(a->session);
    free(a->lines);
    free(a->eps);
    sb_free(&a->log);
}

/* ---- keys --------------------------------------------------------------------------------- */

static void open_prompt(App *a, PromptKind k, const char *label, const char *init) {
    a->prompt = k;
    snprintf(a->prompt_label, sizeof a->prompt_label, "%s", label);
    snprintf(a->prompt_buf, sizeof a->prompt_buf, "%s", init ? init : "");
    a->prompt_len = (int)strlen(a->prompt_buf);
}

static void prompt_done(App *a) {
    PromptKind k = a->prompt;
    a->prompt = PR_NONE;
    const char *s = a->prompt_buf;
    switch (k) {
    case PR_LUA: run_lua(a, s); break;
    case PR_SEARCH: stream_search(a, s); break;
    case PR_SEED: {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (end == s || *end || errno || *s == '-') app_say(a, 1, "a seed is a non-negative integer");
        else set_seed(a, v);
        break;
    }
    case PR_EDGE_ADD: edit_edge(a, s, 0); break;
    case PR_EDGE_DEL: edit_edge(a, s, 1); break;
    case PR_TRAIN: start_training(a, s); break;
    case PR_NONE: break;
    }
}

static int prompt_key(App *a, int k) {
    if (k == TK_ESC) a->prompt = PR_NONE;
    else if (k == 21) a->prompt_len = 0, a->prompt_buf[0] = 0; /* Ctrl-U: clear the line */
    else if (k == TK_ENTER || k == '\r') prompt_done(a);
    else if (k == TK_BACKSPACE || k == 8) {
        while (a->prompt_len > 0 && ((unsigned char)a->prompt_buf[--a->prompt_len] & 0xC0) == 0x80) {
        }
        a->prompt_buf[a->prompt_len] = 0;
    } else if (k >= 32 && k < 0x110000 && a->prompt_len < (int)sizeof a->prompt_buf - 5) {
        a->prompt_len += tui_utf8_put(a->prompt_buf + a->prompt_len, (uint32_t)k);
        a->prompt_buf[a->prompt_len] = 0;
    }
    return TUI_REDRAW;
}

static int note_key(App *a, int k) {
    if (k == TK_ESC) {
        a->note_open = 0;
        if (a->note_dirty) app_say(a, 0, "the note is kept as a draft: a opens it again, Ctrl-S saves");
    } else if (k == TK_CTRL_S || k == TK_F2) {
        save_note(a);
    } else if (k == TK_BACKSPACE || k == 8) {
        while (a->note_len > 0 && ((unsigned char)a->note[--a->note_len] & 0xC0) == 0x80) {
        }
        a->note_dirty = a->note_len > 0;
    } else if ((k == TK_ENTER || k == '\r' || (k >= 32 && k < 0x110000)) && a->note_len < (int)sizeof a->note - 5) {
        a->note_len += tui_utf8_put(a->note + a->note_len, k == '\r' ? '\n' : (uint32_t)k);
        a->note_dirty = 1;
    }
    a->note[a->note_len] = 0;
    return TUI_REDRAW;
}

static void focus(App *a, PaneId p) {
    a->focus = p;
    if (p == P_NOTEBOOK) a->corner_nb = 1;
    if (p == P_STREAM) a->corner_nb = 0;
    if (p == P_STREAM) a->view_live = 0;
    if (p == P_LIVE) a->view_live = 1;
}

static int world_n(const App *a) {
    EpView v;
    const Episode *ep = app_shown(a, &v);
    return ep ? ep->world.n : a->x.world.world.n;
}

static int toggle_play(App *a) {
    if (a->view_live) {
        a->playing_live = !a->playing_live;
        if (a->playing_live && a->hand) {
            a->hand = 0;
            app_say(a, 0, "handed back to the %s", app_actor_name(a, a->actor));
        }
        if (a->playing_live) app_say(a, 0, "playing the live episode (space pauses)");
        else app_say(a, 0, "paused");
    } else {
        a->playing_stream = !a->playing_stream;
        app_say(a, 0, a->playing_stream ? "playing the stream (space pauses)" : "paused");
    }
    return TUI_REDRAW;
}

int app_key(App *a, int k) {
    a->msg[0] = 0;
    if (a->confirm_quit) {
        a->confirm_quit = 0;
        if (k == 'y' || k == 'Y' || k == 'q') return TUI_QUIT;
        app_say(a, 0, "not quitting");
        return TUI_REDRAW;
    }
    if (a->prompt) return prompt_key(a, k);
    if (a->note_open) return note_key(a, k);
    if (a->show_help) {
        a->show_help = 0;
        return TUI_REDRAW;
    }
    int n = world_n(a);
    switch (k) {
    case '?': a->show_help = 1; return TUI_REDRAW;
    case 'q':
        if (a->note_dirty) {
            a->confirm_quit = 1;
            app_say(a, 0, "a note is not saved: quit anyway? (y/n)");
            return TUI_REDRAW;
        }
        return TUI_QUIT;
    case TK_TAB: focus(a, (PaneId)((a->focus + 1) % P_COUNT)); return TUI_REDRAW;
    case TK_BTAB: focus(a, (PaneId)((a->focus + P_COUNT - 1) % P_COUNT)); return TUI_REDRAW;
    case 't':
        if (a->n_themes) {
            app_theme_set(a, a->theme_i + 1);
            app_say(a, 0, "theme %s", a->theme.name);
        }
        return TUI_REDRAW;
    case ':': open_prompt(a, PR_LUA, ":", ""); return TUI_REDRAW;
    case '/': open_prompt(a, PR_SEARCH, "/", a->search); focus(a, P_STREAM); return TUI_REDRAW;
    case 'S': {
        char b[32];
        snprintf(b, sizeof b, "%llu", (unsigned long long)a->seed + 1);
        open_prompt(a, PR_SEED, "seed: ", b);
        return TUI_REDRAW;
    }
    case 'T':
        open_prompt(a, PR_TRAIN, "train: ", "experiments/heldout_links.lua --quick");
        return TUI_REDRAW;
    case 'X':
        if (a->train) {
            tui_train_cancel(a->train);
            app_say(a, 0, "cancelling the training");
        }
        return TUI_REDRAW;
    case 'W': save_session(a); return TUI_REDRAW;
    case ' ': return toggle_play(a);
    case 'n':
        if (a->view_live) return live_step(a) | TUI_REDRAW;
        stream_move(a, 1);
        return TUI_REDRAW;
    case 'N':
        if (a->view_live) {
            a->live_index++;
            new_live(a);
        } else {
            stream_next_episode(a);
        }
        return TUI_REDRAW;
    case 's':
        do a->actor = (a->actor + 1) % TUI_ACTORS;
        while (a->actor == 0 && !a->agent);
        app_say(a, 0, "acting: %s", app_actor_name(a, a->actor));
        return TUI_REDRAW;
    case 'i':
        a->hand = !a->hand;
        if (a->hand) a->playing_live = 0;
        app_say(a, 0, a->hand ? "you have taken over: select a variable, Enter does it (- at the exploit: minus)"
                              : "handed back to the %s", app_actor_name(a, a->actor));
        a->view_live = 1;
        return TUI_REDRAW;
    case 'u': return live_undo(a);
    case 'v':
        if (!a->hidden) {
            a->hidden = 1;
            a->revealed = 0;
            app_say(a, 0, "structure hidden, as the model sees it (v reveals)");
        } else if (!a->revealed) {
            a->revealed = 1;
            app_say(a, 0, "structure revealed (v again: hidden mode off)");
        } else {
            a->hidden = 0;
            app_say(a, 0, "hidden-structure mode off");
        }
        return TUI_REDRAW;
    case 'r': random_world(a, 0); return TUI_REDRAW;
    case 'R': random_world(a, 1); return TUI_REDRAW;
    case 'w': {
        if (!a->live_ok || !a->next.kind) {
            app_say(a, 0, "the episode is over: nothing to decide");
            return TUI_REDRAW;
        }
        const LiveDecision *d = &a->next;
        SB b = {0};
        sb_printf(&b, "now (%s):", d->kind == 1 ? "explore" : "exploit");
        if (d->have_model)
            sb_printf(&b, " model %c%s (p=%.2f)", scm_name(d->model_act.var),
                      d->kind == 2 ? (d->model_act.sign > 0 ? "+" : "-") : "", d->probs[d->model_act.var]);
        for (int i = 0; i < STRAT_BUILTIN_COUNT; i++)
            if (d->base_ok[i])
                sb_printf(&b, "  %s %c%s", strat_builtin(i)->name, scm_name(d->base[i].var),
                          d->kind == 2 ? (d->base[i].sign > 0 ? "+" : "-") : "");
        app_logs(a, sb_str(&b));
        snprintf(a->msg, sizeof a->msg, "%s", sb_str(&b));
        sb_free(&b);
        return TUI_REDRAW;
    }
    default: break;
    }
    /* pane keys */
    if (a->focus == P_NOTEBOOK) {
        int cnt = a->nb ? nb_count(a->nb) : 0;
        if (k == 'j' || k == TK_DOWN) a->nb_sel = a->nb_sel + 1 < cnt ? a->nb_sel + 1 : a->nb_sel;
        else if (k == 'k' || k == TK_UP) a->nb_sel = a->nb_sel > 0 ? a->nb_sel - 1 : 0;
        else if (k == 'a' || k == TK_ENTER) a->note_open = 1;
        return TUI_REDRAW;
    }
    if (a->focus == P_LOG) {
        if (k == 'k' || k == TK_UP) a->log_scroll++;
        else if ((k == 'j' || k == TK_DOWN) && a->log_scroll > 0) a->log_scroll--;
        else if (k == TK_PGUP) a->log_scroll += 5;
        else if (k == TK_PGDN) a->log_scroll = a->log_scroll > 5 ? a->log_scroll - 5 : 0;
        return TUI_REDRAW;
    }
    if (a->focus == P_STREAM) {
        if (k == 'j' || k == TK_DOWN) stream_move(a, 1);
        else if (k == 'k' || k == TK_UP) stream_move(a, -1);
        else if (k == TK_PGDN) stream_move(a, 10);
        else if (k == TK_PGUP) stream_move(a, -10);
        return TUI_REDRAW;
    }
    /* World and Live: variables */
    if (k == 'h' || k == TK_LEFT || k == 'k' || k == TK_UP) a->sel = (a->sel + n - 1) % n;
    else if (k == 'l' || k == TK_RIGHT || k == 'j' || k == TK_DOWN) a->sel = (a->sel + 1) % n;
    else if (k >= 'A' && k < 'A' + n) a->sel = k - 'A';
    else if (k == TK_ENTER || k == '\r' || k == '+') return hand_do(a, a->sel, +1);
    else if (k == '-') return hand_do(a, a->sel, -1);
    else if (a->focus == P_WORLD && k == 'a') {
        char b[16];
        snprintf(b, sizeof b, "%c ", scm_name(a->sel));
        open_prompt(a, PR_EDGE_ADD, "add or re-weight edge (FROM TO [WEIGHT]): ", b);
    } else if (a->focus == P_WORLD && k == 'x') {
        char b[16];
        snprintf(b, sizeof b, "%c ", scm_name(a->sel));
        open_prompt(a, PR_EDGE_DEL, "remove edge (FROM TO): ", b);
    } else if (a->focus == P_WORLD && k == 'g') {
        set_goal(a, a->sel);
    }
    return TUI_REDRAW;
}

int app_click(App *a, int y, int x) {
    if (a->prompt || a->note_open || a->show_help) return 0;
    for (int p = 0; p < P_COUNT; p++) {
        TuiRect r = a->pane[p];
        if (r.w > 0 && y >= r.y && y < r.y + r.h && x >= r.x && x < r.x + r.w) {
            if (p == P_WORLD || p == P_LIVE) a->focus = (PaneId)p;
            else focus(a, (PaneId)p);
            if (p == P_WORLD) {
                EpView v;
                const Episode *ep = app_shown(a, &v);
                for (int i = 0; ep && i < ep->world.n; i++)
                    if (y == a->node_y[i] && x >= a->node_x[i] && x < a->node_x[i] + a->node_w) {
                        a->sel = i;
                        app_say(a, 0, "selected %c (Enter intervenes on it)", scm_name(i));
                    }
            }
            return TUI_REDRAW;
        }
    }
    return 0;
}

int app_tick(App *a) {
    int r = poll_training(a);
    if (a->playing_live) r |= live_step(a) | TUI_REDRAW;
    if (a->playing_stream) {
        stream_move(a, 1);
        r |= TUI_REDRAW;
    }
    a->frame++;
    return r;
}

int app_timeout_ms(const App *a) {
    if (a->playing_live) return 700;
    if (a->playing_stream) return 350;
    if (a->train) return 250;
    return -1;
}

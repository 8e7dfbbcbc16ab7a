/* tui_live — the live episode, the session it belongs to, and the Live pane
 * (see tui_internal.h).
 *
 * The session is the list of its episodes as they stand now (LiveRec): a step appends to the
 * live episode's record, undo takes it off, a step made again puts it back.  Everything shown
 * or saved about the session (episodes done, mean normalised reward) is computed from that
 * list, so it can never disagree with the episodes.  The events (every step and undo, with
 * the model's probabilities and the baselines' choices) are the history beside it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/agent.h"
#include "util/jsonu.h"
#include "tui/tui_internal.h"

static int filter_train(const Scm *w, void *ctx, Err *e) {
    const App *a = ctx;
    int v = exp_pred_eval(&a->x.heldout, w, e);
    return v < 0 ? -1 : !v;
}

static int filter_heldout(const Scm *w, void *ctx, Err *e) {
    const App *a = ctx;
    return exp_pred_eval(&a->x.heldout, w, e);
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
    if (a->agent && lesson_shows(a, LS_MODEL | LS_MODEL_ACTS)) { /* a lesson asks the model only where it shows it */
        if (ask(a, a->agent, &d->model_act, &e) == 0) {
            d->have_model = agent_last_probs(a->agent, 0, d->probs, &d->p_plus) != 0;
        } else {
            app_say(a, 1, "the model: %s", e.msg);
        }
    }
    for (int i = 0; i < STRAT_BUILTIN_COUNT; i++) d->base_ok[i] = ask(a, strat_builtin(i), &d->base[i], &e) == 0;
    if (a->ext && a->actor == TUI_EXT_ACTOR && !a->hand) { /* a round trip: only while it acts */
        d->ext_ok = ask(a, a->ext, &d->ext, &e) == 0;
        if (!d->ext_ok) app_say(a, 1, "%s: %s", a->ext->name, e.msg);
    }
}

void live_preview(App *a) { preview(a); }

/* ---- the session ------------------------------------------------------------------------------ */

static void session_event(App *a, cJSON *ev) {
    if (!a->session) a->session = cJSON_CreateArray();
    cJSON_AddItemToArray(a->session, ev);
    a->session_events++;
}

static const char *src_name(int src) { return src == 0 ? "training" : src == 1 ? "held-out" : "edited"; }

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

/* The live episode's record, rewritten from the episode itself (and who made each step). */
static void rec_sync(App *a) {
    if (!a->nrecs || !a->live_ok || !a->rec_ok) return;
    LiveRec *r = &a->recs[a->nrecs - 1];
    const EpView *v = &a->live.view;
    r->nact = 0;
    for (int i = 0; i < v->n_steps; i++) {
        r->act[r->nact].var = (signed char)v->steps[i].var;
        r->act[r->nact].sign = 1;
        tui_copy(r->act[r->nact].actor, sizeof r->act[0].actor, r->nact < a->nhist ? a->hist[r->nact].actor : "?");
        r->nact++;
    }
    if (v->exploit_var >= 0) {
        r->act[r->nact].var = (signed char)v->exploit_var;
        r->act[r->nact].sign = (signed char)v->exploit_sign;
        tui_copy(r->act[r->nact].actor, sizeof r->act[0].actor, r->nact < a->nhist ? a->hist[r->nact].actor : "?");
        r->nact++;
    }
    r->done = ep_phase(v) == EP_DONE;
    r->reward = r->done ? a->live.reward : 0;
    r->optimal = a->live.optimal;
    r->norm = r->done ? a->live.norm_reward : 0;
}

/* A record for the live episode, and an "episode" event; it starts a session if none. */
static void rec_begin(App *a) {
    if (a->nrecs == a->cap_recs) {
        int cap = a->cap_recs ? a->cap_recs * 2 : 64;
        LiveRec *p = realloc(a->recs, sizeof *p * (size_t)cap);
        if (!p) {
            app_say(a, 1, "out of memory: this episode is not in the session");
            return;
        }
        a->recs = p;
        a->cap_recs = cap;
    }
    LiveRec *r = &a->recs[a->nrecs++];
    a->rec_ok = 1;
    memset(r, 0, sizeof *r);
    r->seed = a->seed;
    r->index = a->live_index;
    r->src = a->world_src;
    r->world = a->live.world;
    r->goal = a->live.goal;
    r->relevant = a->live.view.relevant;
    rec_sync(a);
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", "episode");
    ju_add_u64(ev, "index", a->live_index);
    ju_add_u64(ev, "seed", a->seed);
    cJSON_AddStringToObject(ev, "source", src_name(a->world_src));
    cJSON_AddItemToObject(ev, "world", world_json(&a->live.world));
    char g[2] = {scm_name(a->live.goal), 0};
    cJSON_AddStringToObject(ev, "goal", g);
    session_event(a, ev);
}

void live_tally(const App *a, LiveTally *t) {
    memset(t, 0, sizeof *t);
    for (int i = 0; i < a->nrecs; i++) {
        const LiveRec *r = &a->recs[i];
        if (!r->done) continue;
        t->done++;
        t->sum_norm += r->norm;
        t->sum_reward += r->reward;
        t->sum_optimal += r->optimal;
        if (t->done == 1 || r->norm > t->max_norm) t->max_norm = r->norm;
    }
}

void live_session_reset(App *a) {
    cJSON_Delete(a->session);
    a->session = NULL;
    a->session_events = 0;
    a->session_dirty = 0;
    a->nrecs = 0;
    a->rec_ok = 0;
    if (a->live_ok) rec_begin(a);
}

int live_session_unsaved(const App *a) { return a->session_dirty; }

static cJSON *rec_json(const LiveRec *r) {
    cJSON *o = cJSON_CreateObject();
    ju_add_u64(o, "seed", r->seed);
    ju_add_u64(o, "index", r->index);
    cJSON_AddStringToObject(o, "source", src_name(r->src));
    cJSON_AddItemToObject(o, "world", world_json(&r->world));
    char g[2] = {scm_name(r->goal), 0};
    cJSON_AddStringToObject(o, "goal", g);
    cJSON *steps = cJSON_AddArrayToObject(o, "steps");
    for (int i = 0; i < r->nact; i++) {
        cJSON *s = cJSON_CreateObject();
        char v[2] = {scm_name(r->act[i].var), 0};
        cJSON_AddStringToObject(s, "var", v);
        cJSON_AddNumberToObject(s, "sign", r->act[i].sign);
        cJSON_AddStringToObject(s, "actor", r->act[i].actor);
        cJSON_AddItemToArray(steps, s);
    }
    cJSON_AddBoolToObject(o, "done", r->done);
    if (r->done) {
        ju_add_num(o, "reward", r->reward);
        ju_add_num(o, "optimal", r->optimal);
        ju_add_num(o, "normalised", r->norm);
    }
    return o;
}

void live_session_save(App *a) {
    if (!a->nb || a->nb_readonly) {
        app_say(a, 1, a->nb ? "the notebook %s is the shipped model's (read-only): start with --notebook FILE to save"
                            : "no notebook: %s",
                a->nb ? nb_path(a->nb) : a->nb_error);
        return;
    }
    if (!a->session_dirty) {
        app_say(a, 0, "nothing happened yet in this session");
        return;
    }
    LiveTally t;
    live_tally(a, &t);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "session");
    char title[300];
    snprintf(title, sizeof title, "live session with %s", a->model ? a->model_name : "no model");
    cJSON_AddStringToObject(o, "title", title);
    cJSON_AddStringToObject(o, "model", a->model ? a->model_name : "");
    ju_add_u64(o, "seed", a->nrecs ? a->recs[0].seed : a->seed);
    cJSON_AddNumberToObject(o, "episodes_done", t.done);
    if (t.done) ju_add_num(o, "mean_normalised_reward", t.sum_norm / t.done);
    cJSON *eps = cJSON_AddArrayToObject(o, "episodes");
    for (int i = 0; i < a->nrecs; i++)
        if (a->recs[i].nact) cJSON_AddItemToArray(eps, rec_json(&a->recs[i]));
    cJSON_AddItemToObject(o, "events", a->session ? a->session : cJSON_CreateArray());
    a->session = NULL;
    int n = a->session_events;
    Err e;
    if (nb_add(a->nb, o, &e)) {
        app_say(a, 1, "session not saved: %s", e.msg);
        live_session_reset(a);
        return;
    }
    a->nb_sel = nb_count(a->nb) - 1;
    live_session_reset(a);
    app_say(a, 0, "session of %d episodes done (%d events) saved to %s; a new session starts", t.done, n,
            nb_path(a->nb));
}

/* ---- the live episode ------------------------------------------------------------------------- */

/* A goal for a hand-made world: the wanted one if it has a cause, else the last that has. */
static int pick_goal(const Scm *s, int want) {
    if (want >= 0 && want < s->n && scm_parents(s, want)) return want;
    for (int v = s->n - 1; v >= 0; v--)
        if (scm_parents(s, v)) return v;
    return -1;
}

int live_full(App *a) {
    if (a->nrecs < TUI_SESSION_MAX || !a->recs[a->nrecs - 1].nact) return 0;
    a->playing_live = 0;
    app_say(a, 1, "the session holds %d episodes, its most: W saves it and starts a new one", TUI_SESSION_MAX);
    return 1;
}

int live_new(App *a) {
    Err e;
    EpConfig c = a->x.world;
    a->live_ok = 0;
    a->rec_ok = 0;
    a->nhist = 0;
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
    return live_begin(a, &a->live);
}

int live_begin(App *a, const Episode *ep) {
    if (ep != &a->live) {
        a->live = *ep;
        a->rec_ok = 0;
        a->nhist = 0;
        memset(&a->next, 0, sizeof a->next);
    }
    a->live_ok = 1;
    if (a->sel >= a->live.world.n) a->sel = 0;
    a->revealed = !a->hidden;
    /* an episode nobody acted in leaves no trace in the session */
    if (a->nrecs && a->recs[a->nrecs - 1].nact == 0) {
        a->nrecs--;
        if (a->session && cJSON_GetArraySize(a->session) > 0) {
            cJSON *last = cJSON_GetArrayItem(a->session, cJSON_GetArraySize(a->session) - 1);
            const cJSON *kind = cJSON_GetObjectItemCaseSensitive(last, "event");
            if (cJSON_IsString(kind) && strcmp(kind->valuestring, "episode") == 0) {
                cJSON_DeleteItemFromArray(a->session, cJSON_GetArraySize(a->session) - 1);
                a->session_events--;
            }
        }
    }
    rec_begin(a);
    preview(a);
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
    ju_add_num(ev, "value", d.kind == 2 ? act.sign * a->live.view.exploit_value : a->live.view.value);
    if (d.have_model) {
        cJSON *p = cJSON_AddObjectToObject(ev, "model_probs");
        for (int i = 0; i < a->live.view.n; i++) {
            char k[2] = {scm_name(i), 0};
            ju_add_num(p, k, d.probs[i]);
        }
        char m[3] = {scm_name(d.model_act.var), 0, 0};
        if (d.kind == 2) m[1] = d.model_act.sign > 0 ? '+' : '-';
        cJSON_AddStringToObject(ev, "model_choice", m);
        if (a->fmt.quality) cJSON_AddStringToObject(ev, "model_quality", tok_name(a->vocab, a->fmt.quality));
    }
    cJSON *b = cJSON_AddObjectToObject(ev, "baselines");
    for (int i = 0; i < STRAT_BUILTIN_COUNT; i++)
        if (d.base_ok[i]) {
            char m[3] = {scm_name(d.base[i].var), 0, 0};
            if (d.kind == 2) m[1] = d.base[i].sign > 0 ? '+' : '-';
            cJSON_AddStringToObject(b, strat_builtin(i)->name, m);
        }
    session_event(a, ev);
    a->session_dirty = 1;
}

static void finished(App *a) {
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", "reward");
    ju_add_num(ev, "reward", a->live.reward);
    ju_add_num(ev, "optimal", a->live.optimal);
    ju_add_num(ev, "normalised", a->live.norm_reward);
    session_event(a, ev);
    a->revealed = 1; /* the episode is over: nothing left to hide */
}

/* Applies an action to the live episode. */
int live_apply(App *a, const char *actor, StratAction act) {
    Err e;
    EpPhase ph = ep_phase(&a->live.view);
    int rc = ph == EP_EXPLORE ? ep_explore(&a->live, act.var, &e) : ep_exploit(&a->live, act.var, act.sign, &e);
    if (rc) {
        app_say(a, 1, "%s: %s", actor, e.msg);
        return -1;
    }
    record(a, actor, act);
    rec_sync(a);
    if (ep_phase(&a->live.view) == EP_DONE) finished(a);
    preview(a);
    return 0;
}

int live_step(App *a) {
    if (!a->live_ok) return 0;
    if (ep_phase(&a->live.view) == EP_DONE) {
        if (live_full(a)) return TUI_REDRAW;
        a->live_index++;
        live_new(a);
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
    } else if (a->actor == TUI_EXT_ACTOR) {
        if (!a->ext || !a->next.ext_ok) return 0;
        act = a->next.ext;
    } else {
        if (!a->next.base_ok[a->actor - 1]) return 0;
        act = a->next.base[a->actor - 1];
    }
    live_apply(a, app_actor_name(a, a->actor), act);
    return TUI_REDRAW;
}

int live_hand(App *a, int var, int sign) {
    if (!a->live_ok) return TUI_REDRAW;
    a->hand = 1;
    a->playing_live = 0;
    EpPhase ph = ep_phase(&a->live.view);
    if (ph == EP_DONE) {
        app_say(a, 0, "the episode is over: n starts the next one, u undoes the last step");
        return TUI_REDRAW;
    }
    StratAction act = {var, ph == EP_EXPLORE ? 1 : sign};
    if (live_apply(a, "hand", act) == 0)
        app_say(a, 0, "you: do(%c = %+g)", scm_name(var),
                ph == EP_EXPLORE ? a->live.view.value : sign * a->live.view.exploit_value);
    return TUI_REDRAW;
}

int live_undo(App *a) {
    if (!a->live_ok) return 0;
    if (ep_undo(&a->live) < 0) {
        app_say(a, 0, "nothing to undo");
        return TUI_REDRAW;
    }
    if (a->nhist > 0) a->nhist--;
    rec_sync(a);
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", "undo");
    session_event(a, ev);
    a->session_dirty = 1;
    preview(a);
    app_say(a, 0, "undone");
    return TUI_REDRAW;
}

void live_what_now(App *a) {
    if (!a->live_ok || !a->next.kind) {
        app_say(a, 0, "the episode is over: nothing to decide");
        return;
    }
    const LiveDecision *d = &a->next;
    SB b = {0};
    sb_printf(&b, "now (%s):", d->kind == 1 ? "explore" : "exploit");
    if (d->have_model)
        sb_printf(&b, " model %c%s (p=%.2f)", scm_name(d->model_act.var),
                  d->kind == 2 ? (d->model_act.sign > 0 ? "+" : "-") : "", d->probs[d->model_act.var]);
    if (app_hiding(a)) {
        sb_puts(&b, "  (baselines hidden until the reveal: v)");
    } else {
        for (int i = 0; i < STRAT_BUILTIN_COUNT; i++)
            if (d->base_ok[i])
                sb_printf(&b, "  %s %c%s", strat_builtin(i)->name, scm_name(d->base[i].var),
                          d->kind == 2 ? (d->base[i].sign > 0 ? "+" : "-") : "");
    }
    app_logs(a, sb_str(&b));
    snprintf(a->msg, sizeof a->msg, "%s", sb_str(&b));
    sb_free(&b);
}

/* The Live pane's keys: the variables and the hand steps (the World pane shares them). */
int live_key(App *a, int k) {
    int n = a->live_ok ? a->live.world.n : a->x.world.world.n;
    if (k == 'h' || k == TK_LEFT || k == 'k' || k == TK_UP) a->sel = (a->sel + n - 1) % n;
    else if (k == 'l' || k == TK_RIGHT || k == 'j' || k == TK_DOWN) a->sel = (a->sel + 1) % n;
    else if (k >= 'A' && k < 'A' + n) a->sel = k - 'A';
    else if (k == TK_ENTER || k == '\r' || k == '+') return live_hand(a, a->sel, +1);
    else if (k == '-') return live_hand(a, a->sel, -1);
    else return 0;
    return TUI_REDRAW;
}

/* ---- the Live pane ----------------------------------------------------------------------------- */

static void action_text(char *s, size_t n, int kind, StratAction act) {
    if (kind == 2) snprintf(s, n, "%c%c", scm_name(act.var), act.sign > 0 ? '+' : '-');
    else snprintf(s, n, "%c", scm_name(act.var));
}

/* A value as the model reads it: rounded to the stream's 0.5 steps, never "-0.0". */
static void value_text(char *s, size_t n, double x) {
    double r = tok_value_of(tok_value(x));
    if (r == 0) r = 0; /* -0 */
    snprintf(s, n, "%+.1f", r);
    if (r == 0) snprintf(s, n, " 0.0");
}

/* Rows of the evidence table: one per exploration step of the episode (what the model saw). */
static int draw_evidence(App *a, TuiCanvas *c, int y, int bottom, int x, int w) {
    const EpView *v = &a->live.view;
    if (y >= bottom) return y;
    int goal = v->goal;
    if (a->lesson && goal < 0) goal = a->lesson->step[a->lstep].goal; /* a lesson says its goal at once */
    int colw = 6, need = 4 + v->n * colw;
    int cols = v->n;
    if (need > w) cols = (w - 4) / colw;
    char s[64];
    int k = tui_text(c, y, x, "do ", TR_DIM, w);
    for (int u = 0; u < cols; u++) {
        snprintf(s, sizeof s, "%5c%s", scm_name(u), u == goal ? "★" : " ");
        tui_text(c, y, x + k + u * colw, s, u == goal ? TR_TOK_GOAL : TR_DIM, colw);
    }
    if (cols < v->n) tui_text(c, y, x + w - 1, "…", TR_DIM, 1);
    else if (3 + v->n * colw + 20 <= w) tui_text(c, y, x + 3 + v->n * colw + 2, "(at 0.5, as read)", TR_DIM, 18);
    y++;
    /* a lesson shows the passive observations first ("obs": nothing was done) */
    int np = a->lesson ? v->n_passive : 0, total = np + v->n_steps;
    int rows = bottom - y, first = 0;
    if (rows < 2 && total > rows) {
        tui_textf(c, y - 1, x, TR_DIM, w, "evidence: %d row%s below the fold (e: evidence first)", total,
                  total == 1 ? "" : "s");
        return y;
    }
    if (total > rows) { /* the latest rows, and a marker for the ones cut */
        first = total - (rows - 1);
        tui_textf(c, y++, x, TR_DIM, w, "(%d earlier row%s cut: e shows all)", first, first == 1 ? "" : "s");
    }
    for (int i = first; i < total && y < bottom; i++, y++) {
        const EpStep *st = i >= np ? &v->steps[i - np] : NULL;
        const double *obs = st ? st->obs : v->passive[i];
        if (st) tui_textf(c, y, x, TR_TOK_ACTION, 3, "%c=", scm_name(st->var));
        else tui_text(c, y, x, "obs", TR_DIM, 3);
        for (int u = 0; u < cols; u++) {
            value_text(s, sizeof s, obs[u]);
            tui_textf(c, y, x + 3 + u * colw, st && u == st->var ? TR_TOK_ACTION : u == goal ? TR_TOK_GOAL : TR_TOK_OBS, colw,
                      "%6s", s);
        }
    }
    return y;
}

/* The first of the texts (longest first) that fits in w cells; the last one otherwise. */
static const char *fit(int w, const char *t1, const char *t2, const char *t3) {
    if (tui_text_width(t1) <= w) return t1;
    if (!t3 || tui_text_width(t2) <= w) return t2;
    return t3;
}

/* The baselines' choices: one per name, or grouped by choice when that does not fit
 * ("A- expert oracle · E+ corr").  Returns the rows drawn (at most max). */
static int draw_baselines(TuiCanvas *c, int y, int x, int w, int max, const LiveDecision *d, int draw) {
    char full[256] = "baselines:", grouped[256] = "", act[8];
    for (int i = 0; i < STRAT_BUILTIN_COUNT; i++)
        if (d->base_ok[i]) {
            action_text(act, sizeof act, d->kind, d->base[i]);
            size_t n = strlen(full);
            snprintf(full + n, sizeof full - n, " %s %s", strat_builtin(i)->name, act);
        }
    int seen[STRAT_BUILTIN_COUNT] = {0};
    for (int i = 0; i < STRAT_BUILTIN_COUNT; i++) {
        if (!d->base_ok[i] || seen[i]) continue;
        action_text(act, sizeof act, d->kind, d->base[i]);
        size_t n = strlen(grouped);
        snprintf(grouped + n, sizeof grouped - n, "%s%s", n ? " · " : "", act);
        for (int j = i; j < STRAT_BUILTIN_COUNT; j++)
            if (d->base_ok[j] && !seen[j] && d->base[j].var == d->base[i].var &&
                (d->kind != 2 || d->base[j].sign == d->base[i].sign)) {
                seen[j] = 1;
                n = strlen(grouped);
                snprintf(grouped + n, sizeof grouped - n, " %s", strat_builtin(j)->name);
            }
    }
    char labelled[300];
    snprintf(labelled, sizeof labelled, "baselines: %s", grouped);
    int gw = tui_text_width(grouped), lw = tui_text_width(labelled);
    const char *t = tui_text_width(full) <= w ? full : (lw + w - 1) / w <= (gw + w - 1) / w ? labelled : grouped;
    int rows = (tui_text_width(t) + w - 1) / (w > 0 ? w : 1);
    if (rows > max) rows = max;
    if (!draw) return rows;
    /* wrapped at spaces */
    const char *p = t;
    for (int r = 0; r < rows && *p; r++) {
        int n = 0, cut = 0, cells = 0;
        const char *q = p;
        while (*q && cells < w) {
            if (*q == ' ') cut = n;
            const char *q0 = q;
            tui_utf8_next(&q);
            n += (int)(q - q0);
            cells++;
        }
        if (!*q) cut = n;
        if (cut == 0) cut = n;
        char line[256];
        snprintf(line, sizeof line, "%.*s", cut, p);
        tui_text(c, y + r, x, line, TR_NORMAL, w);
        if (r == rows - 1 && p[cut]) tui_text(c, y + r, x + w - 1, "…", TR_DIM, 1);
        p += cut;
        while (*p == ' ') p++;
    }
    return rows;
}

void draw_live(App *a, TuiCanvas *c, TuiRect r) {
    int y = r.y, bottom = r.y + r.h, x = r.x + 1, w = r.w - 2;
    if (!a->live_ok) {
        tui_text(c, y, x, "no live episode (see the status line)", TR_DIM, w);
        return;
    }
    const Episode *ep = &a->live;
    const EpView *v = &ep->view;
    EpPhase ph = ep_phase(v);
    int hiding = app_hiding(a);
    char s[256], s2[256], s3[256];
    /* 1: who acts, where in the episode */
    int k = tui_text(c, y, x, a->lesson ? lesson_actor(a) : a->hand ? "you" : app_actor_name(a, a->actor), TR_TITLE, w);
    snprintf(s, sizeof s, " · ep %llu · %s %d/%d%s%s", (unsigned long long)a->live_index + 1,
             ph == EP_EXPLORE ? "exploring" : ph == EP_EXPLOIT ? "exploit" : "done", v->n_steps, v->explore_total,
             a->playing_live ? " · playing" : "", a->pause_each ? " · pause each" : "");
    tui_text(c, y++, x + k, s, TR_DIM, w - k);
    /* the bottom lines, from the bottom up: the session's tally, this episode's reward, the steps */
    LiveTally t;
    live_tally(a, &t);
    if (t.done && bottom - 1 > y) {
        snprintf(s, sizeof s, "session %d ep: normalised %.2f (oracle 1) · %.1f of %.1f", t.done, t.sum_norm / t.done,
                 t.sum_reward, t.sum_optimal);
        snprintf(s2, sizeof s2, "session %d ep: normalised %.2f", t.done, t.sum_norm / t.done);
        tui_text(c, --bottom, x, fit(w, s, s2, NULL), TR_NORMAL, w);
    }
    if (ph == EP_DONE && bottom - 1 > y) {
        snprintf(s, sizeof s, "reward %.2f vs oracle %.2f (%c%c) = %.2f", ep->reward, ep->optimal,
                 scm_name(ep->best_var), ep->best_sign > 0 ? '+' : '-', ep->norm_reward);
        snprintf(s2, sizeof s2, "reward %.2f, oracle %.2f (%c%c): %.2f", ep->reward, ep->optimal, scm_name(ep->best_var),
                 ep->best_sign > 0 ? '+' : '-', ep->norm_reward);
        tui_text(c, --bottom, x, fit(w, s, s2, NULL),
                 ep->norm_reward > 0.9 ? TR_GOOD : ep->norm_reward < 0.5 ? TR_BAD : TR_NORMAL, w);
    }
    if (a->nhist && bottom - 1 > y) {
        --bottom;
        int xx = x + tui_text(c, bottom, x, "done:", TR_DIM, w);
        for (int i = 0; i < a->nhist; i++) {
            const LiveDecision *h = &a->hist[i];
            char act[8];
            action_text(act, sizeof act, h->kind, h->act);
            int you = strcmp(h->actor, "hand") == 0;
            snprintf(s, sizeof s, " %s%s%s", act, you ? "(you)" : "", i + 1 < a->nhist ? "," : "");
            xx += tui_text(c, bottom, xx, s, you ? TR_TOK_GOAL : TR_TOK_ACTION, x + w - xx);
        }
    }
    const LiveDecision *d = ph != EP_DONE ? &a->next : a->nhist ? &a->hist[a->nhist - 1] : NULL;
    LiveDecision quiet; /* a lesson step that does not show the model (or not yet): its pick is left out */
    if (d && !lesson_shows(a, LS_MODEL)) {
        quiet = *d;
        quiet.have_model = 0;
        d = &quiet;
    }
    /* baselines: 0 shown, 1 "hidden until the reveal", 2 not part of this lesson step */
    int base_state = hiding ? 1 : lesson_shows(a, LS_BASELINES) ? 0
                     : (a->lesson->step[a->lstep].show & LS_BASELINES) && !a->lhide_base ? 1 : 2;
    int evidence = lesson_shows(a, LS_EVIDENCE);
    /* 2: the pick line, always */
    if (d && d->kind && y < bottom) {
        char act[8], mact[8];
        action_text(act, sizeof act, d->kind, d->act);
        action_text(mact, sizeof mact, d->kind, d->model_act);
        const char *line;
        if (ph == EP_DONE) {
            snprintf(s, sizeof s, "exploit: %s did %s%s%s%s", d->actor, act, d->have_model ? " (the model's pick: " : "",
                     d->have_model ? mact : "", d->have_model ? ")" : "");
            snprintf(s2, sizeof s2, "exploit: %s did %s%s%s", d->actor, act, d->have_model ? ", model " : "",
                     d->have_model ? mact : "");
            line = fit(w, s, s2, NULL);
        } else if (d->have_model && d->kind == 2) {
            snprintf(s, sizeof s, "exploit → model picks %s (p %.2f, sign + %.2f)", mact, d->probs[d->model_act.var],
                     d->p_plus);
            snprintf(s2, sizeof s2, "exploit → model picks %s (%.2f, +%.2f)", mact, d->probs[d->model_act.var], d->p_plus);
            snprintf(s3, sizeof s3, "exploit → model %s (%.2f, +%.2f)", mact, d->probs[d->model_act.var], d->p_plus);
            if (tui_text_width(s3) > w) snprintf(s3, sizeof s3, "exploit → model %s", mact);
            line = fit(w, s, s2, s3);
        } else if (d->have_model) {
            snprintf(s, sizeof s, "explore next → model picks %s (p %.2f)", mact, d->probs[d->model_act.var]);
            snprintf(s2, sizeof s2, "explore → model picks %s (p %.2f)", mact, d->probs[d->model_act.var]);
            line = fit(w, s, s2, NULL);
        } else if (a->lesson) { /* a lesson says what the class looks at, not what is missing */
            line = d->kind == 1 ? "explore next" : "exploit next: which variable, which sign?";
        } else {
            line = fit(w, d->kind == 1 ? "explore next: which variable? (no model: T trains one)"
                                       : "exploit now: variable and sign (no model: T trains one)",
                       d->kind == 1 ? "explore next (no model: T trains one)" : "exploit now (no model: T trains one)",
                       NULL);
        }
        tui_text(c, y++, x, line, d->have_model ? TR_BAR_CHOICE : TR_NORMAL, w);
    }
    /* the rows below: bars (1, 2 or 3 columns), baselines, evidence; fewer columns when they fit */
    int legal[SCM_MAX_VARS], nl = 0;
    int bars = d && d->kind && d->have_model && !a->live_evidence;
    for (int u = 0; bars && u < v->n; u++)
        if (d->kind == 2 ? ep_can_exploit(v, u) : (int)((v->relevant >> u) & 1u)) legal[nl++] = u;
    int base_rows = d && d->kind ? (base_state == 1 ? 1 : base_state == 2 ? 0 : draw_baselines(c, 0, 0, w, 2, d, 0)) : 0;
    int np = a->lesson ? v->n_passive : 0;
    int ev_rows = !evidence ? 0 : v->n_steps + np ? 1 + v->n_steps + np : ph == EP_EXPLORE ? 1 : 0;
    int cols = 1;
    while (cols < 3 && y + (nl + cols - 1) / cols + base_rows + (ev_rows < 3 ? ev_rows : 3) > bottom) cols++;
    int rows = bars ? (nl + cols - 1) / cols : 0;
    /* 3: the model's probabilities as bars */
    if (bars && y < bottom) {
        if (y + 1 + rows + base_rows + ev_rows <= bottom) /* room to say what the bars are */
            tui_text(c, y++, x, d->kind == 1 ? "bars: the model's p of exploring each next" : "bars: the model's p of each",
                     TR_DIM, w);
        int cw = w / cols;
        for (int i = 0; i < nl; i++) {
            int u = legal[i], row = i % rows, col = i / rows;
            if (y + row >= bottom) {
                tui_text(c, bottom - 1, x + w - 1, "…", TR_DIM, 1);
                break;
            }
            int xx = x + col * cw, yy = y + row;
            int chosen = d->model_act.var == u;
            int named = cw - 16 >= 3; /* room for "◀ model" after the number */
            int bw = cw - (named ? 16 : 10);
            if (bw > (a->lesson ? 60 : 30)) bw = a->lesson ? 60 : 30; /* a lesson's bars are for the back row */
            if (bw < 1) bw = 0; /* too narrow for a bar: the number alone */
            int fill = (int)lround(d->probs[u] * bw);
            tui_textf(c, yy, xx, chosen ? TR_BAR_CHOICE : TR_NORMAL, 2, "%c ", scm_name(u));
            for (int b = 0; b < bw; b++)
                tui_text(c, yy, xx + 2 + b, b < fill ? "█" : "·", b < fill ? (chosen ? TR_BAR_CHOICE : TR_BAR) : TR_DIM, 1);
            tui_textf(c, yy, xx + 3 + bw, chosen ? TR_BAR_CHOICE : TR_NORMAL, cw - 3 - bw, "%4.2f%s", d->probs[u],
                      chosen ? (named ? " ◀ model" : "◀") : "");
        }
        y += rows < bottom - y ? rows : bottom - y;
    }
    /* 4: the baselines (hidden in hidden mode until the reveal) */
    if (d && d->kind && y < bottom && base_state != 2) {
        if (base_state == 1 && !hiding) tui_text(c, y++, x, fit(w, "baselines: hidden until the reveal (r)", "baselines: after the reveal", NULL), TR_DIM, w);
        else if (hiding) tui_text(c, y++, x, fit(w, "baselines, oracle: hidden until the reveal (v)", "baselines: hidden until the reveal (v)", "baselines: hidden (v)"), TR_DIM, w);
        else y += draw_baselines(c, y, x, w, bottom - y, d, 1);
    }
    /* 5: the evidence: what every variable showed after each intervention (0.5 steps, as the
     * model reads them); the goal's column is marked once revealed */
    if (v->n_steps + np && y < bottom && evidence) {
        y = draw_evidence(a, c, y, bottom, x, w);
    } else if (ph == EP_EXPLORE && y < bottom && evidence) {
        tui_text(c, y++, x, fit(w, "evidence: none yet (each do() and what it showed)", "evidence: none yet", NULL), TR_DIM, w);
    }
    (void)y;
}

/* tui_app — the TUI's state, the model, prompts, the `:` line, training, and the key table
 * with the keys that work everywhere (see tui_internal.h).  Each pane's keys are in its own
 * file; tui_panes.c holds the pane table. */
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
#include "learn/ext_agent.h"
#include "learn/train.h"
#include "util/jsonu.h"
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
    if (actor == TUI_EXT_ACTOR) return a->ext ? a->ext->name : "agent";
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

/* The model's agent for format f (its quality token, explanations), replacing the one there;
 * on failure the old one stays. */
static int set_agent(App *a, const TokFormat *f, Err *e) {
    Strategy *ag = agent_new(a->model, f, 0.0, 0, e);
    if (!ag) return -1;
    if (a->agent) a->agent->destroy(a->agent);
    a->agent = ag;
    a->fmt = *f;
    return 0;
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
    TokFormat f = exp_format(&a->x, -1);
    a->fmt = f;
    if (model && set_agent(a, &f, e)) return -1;
    parse_heldout(a);
    a->actor = model ? 0 : 1;
    return 0;
}

/* ---- seeds, notebook, training ------------------------------------------------------------ */

/* A new seed: the stream and the live episode start over, and so does the session (its
 * episodes belong to one seed). */
static void set_seed(App *a, uint64_t seed) {
    a->seed = seed;
    a->live_index = 0;
    if (a->world_src == 2) a->world_src = 1;
    stream_reset(a);
    a->nrecs = 0;
    live_new(a);
    live_session_reset(a);
    app_say(a, 0, "seed %llu: the stream, the live episodes and the session start over", (unsigned long long)seed);
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
    snprintf(dir, sizeof dir, "%s", a->nb && !a->nb_readonly ? nb_path(a->nb) : "notebook.json");
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
        if (a->nb && !a->nb_readonly) {
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
            live_new(a);
        }
    }
    tui_train_free(a->train);
    a->train = NULL;
    return TUI_REDRAW;
}

/* run_lua's names for the World's edits (tui_edit.c) */
static int current_world(App *a, Scm *out) { return edit_current_world(a, out); }
static void world_edited(App *a, const Scm *w, int goal) { edit_world(a, w, goal); }

/* ---- the Lua command line ------------------------------------------------------------------ */

#define TUI_LUA_SECONDS 3.0

static void run_lua(App *a, const char *line) {
    Err e;
    if (!a->lab) {
        LabLimits lim = lab_limits_default();
        lim.seconds = TUI_LUA_SECONDS; /* a runaway line must not freeze the screen for long */
        a->lab = lab_new(&lim, NULL, &a->log, &e);
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
    /* lab.episode(world, "model", ...) asks the loaded model (borrowed for this line only) */
    int rc = lab_set_model(a->lab, a->model, &a->fmt, &a->x.world, &e);
    if (rc == 0) rc = lab_eval_line(a->lab, line, &out, &e);
    lab_set_model(a->lab, NULL, NULL, NULL, NULL);
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
    a->speed = 1;
    if (stream_init(a)) return err_set(e, "out of memory");
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
    Lab *mlab = NULL; /* a checkpoint's script, rebuilt: its predicates live there */
    int have = 0;
    if (o->model) snprintf(path, sizeof path, "%s", o->model), have = 1;
    else if (!o->no_model) have = find_beside(a, "models/default.ckpt", path, sizeof path);
    if (have) {
        if (lab_load_checkpoint(path, &m, &x, &meta, &mlab, e)) {
            if (o->model) return -1;
            app_say(a, 1, "models/default.ckpt: %s", e->msg);
            m = NULL;
            x = exp_default();
        } else {
            const char *b = strrchr(path, '/');
            tui_copy(a->model_name, sizeof a->model_name, b ? b + 1 : path);
        }
    }
    if (adopt(a, m, &x, mlab, meta, e)) return -1;
    if (!m && o->no_model) app_say(a, 0, "no model (--no-model): the baselines act; T trains one");
    else if (!m && !have)
        app_say(a, 0, "no model yet (models/default.ckpt is missing): T trains one, baselines act meanwhile");
    /* the notebook */
    const char *nbp = o->notebook ? o->notebook : getenv("DOLAB_NOTEBOOK") ? getenv("DOLAB_NOTEBOOK") : "notebook.json";
    /* first start: no ./notebook.json yet, so the shipped model's run is what there is to read;
     * it is shown read-only (notes and sessions need a notebook of one's own) */
    char shipped[PATH_MAX];
    if (!o->notebook && !getenv("DOLAB_NOTEBOOK") && !exists(nbp) && !o->no_model && !o->model && !o->lesson &&
        find_beside(a, "models/notebook.json", shipped, sizeof shipped)) {
        nbp = shipped;
        a->nb_readonly = 1;
    }
    if (nb_open(nbp, &a->nb, e)) {
        tui_copy(a->nb_error, sizeof a->nb_error, e->msg);
        app_log(a, "notebook: %s", e->msg);
        nb_free(a->nb);
        a->nb = NULL;
    } else {
        a->nb_sel = nb_count(a->nb) - 1;
        if (a->nb_readonly)
            app_log(a, "notebook: %s, the shipped model's run, read-only (no ./notebook.json yet; a note or W "
                       "needs --notebook FILE)", nbp);
    }
    if (o->agent) { /* the external agent, on worlds of the experiment's shape */
        if (!(a->ext_x = malloc(sizeof *a->ext_x))) return err_set(e, "out of memory");
        *a->ext_x = a->x;
        if (!(a->ext_voc = train_vocab(a->ext_x, e))) return err_prefix(e, "--agent");
        a->ext_fmt = exp_format(a->ext_x, -1);
        EpConfig shape = exp_set_config(a->ext_x, 0);
        a->ext = ext_agent_new(o->agent, &shape, &a->ext_fmt, a->ext_voc,
                               o->agent_timeout_ms > 0 ? o->agent_timeout_ms : 5000, e);
        if (!a->ext) return err_prefix(e, "--agent");
        app_say(a, 0, "%s is ready: s hands it the episode", a->ext->name);
    }
    app_log(a, "dolab tui: %s; experiment %s; seed %llu", m ? path : "no model", a->x.name,
            (unsigned long long)a->seed);
    stream_reset(a);
    live_new(a);
    if (o->lesson && lesson_open(a, e)) return -1;
    return 0;
}

void app_free(App *a) {
    lesson_close(a);
    tui_train_free(a->train);
    if (a->ext) a->ext->destroy(a->ext);
    a->ext = NULL;
    tok_vocab_free(a->ext_voc);
    free(a->ext_x);
    drop_model(a);
    lab_free(a->lab);
    nb_free(a->nb);
    cJSON_Delete(a->session);
    stream_free(a);
    free(a->recs);
    sb_free(&a->log);
}

/* ---- keys --------------------------------------------------------------------------------- */

void app_open_prompt(App *a, PromptKind k, const char *label, const char *init) {
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
        uint64_t v;
        if (ju_parse_u64(s, &v)) {
            app_say(a, 1, "'%s': a seed is an integer from 0 to 18446744073709551615", s);
        } else if (live_session_unsaved(a)) {
            a->confirm = CONFIRM_SEED;
            a->confirm_seed = v;
            app_say(a, 0, "the live session is not saved (W saves it): change the seed and start a new one? (y/n)");
        } else {
            set_seed(a, v);
        }
        break;
    }
    case PR_EDGE_ADD: edit_edge(a, s, 0); break;
    case PR_EDGE_DEL: edit_edge(a, s, 1); break;
    case PR_TRAIN: start_training(a, s); break;
    case PR_TALLY: lesson_tally_text(a, s); break;
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

void app_focus(App *a, PaneId p) {
    a->focus = p;
    if (p == P_NOTEBOOK) a->corner_nb = 1;
    if (p == P_STREAM) a->corner_nb = 0, a->view_live = 0;
    if (p == P_LIVE) a->view_live = 1; /* the World keeps showing what it showed */
}

int app_hiding(const App *a) { return a->hidden && !a->revealed; }

/* ---- the keys that work everywhere ------------------------------------------------------------ */

static int k_help(App *a, int k) {
    (void)k;
    a->show_help = 1;
    a->help_page = 0;
    return TUI_REDRAW;
}

static int k_quit(App *a, int k) {
    (void)k;
    if (a->note_dirty || live_session_unsaved(a)) {
        a->confirm = CONFIRM_QUIT;
        app_say(a, 0, "%s: quit anyway? (y/n)",
                a->note_dirty && live_session_unsaved(a) ? "a note and the live session are not saved (W saves the session)"
                : a->note_dirty                          ? "a note is not saved"
                                                         : "the live session is not saved (W saves it)");
        return TUI_REDRAW;
    }
    return TUI_QUIT;
}

static int k_tab(App *a, int k) {
    PaneId p = a->focus;
    do p = (PaneId)((p + (k == TK_TAB ? 1 : P_COUNT - 1)) % P_COUNT);
    while (tui_pane_off(a, p) && p != a->focus);
    app_focus(a, p);
    return TUI_REDRAW;
}

static int k_theme(App *a, int k) {
    (void)k;
    if (a->n_themes) {
        app_theme_set(a, a->theme_i + 1);
        app_say(a, 0, "theme %s", a->theme.name);
    }
    return TUI_REDRAW;
}

static int k_lua(App *a, int k) {
    (void)k;
    app_open_prompt(a, PR_LUA, ":", "");
    return TUI_REDRAW;
}

static int k_search(App *a, int k) {
    (void)k;
    app_open_prompt(a, PR_SEARCH, "/", a->st.search);
    app_focus(a, P_STREAM);
    return TUI_REDRAW;
}

static int k_seed(App *a, int k) {
    (void)k;
    char b[32];
    snprintf(b, sizeof b, "%llu", (unsigned long long)a->seed + 1);
    app_open_prompt(a, PR_SEED, "seed: ", b);
    return TUI_REDRAW;
}

static int k_train(App *a, int k) {
    (void)k;
    app_open_prompt(a, PR_TRAIN, "train: ", "experiments/heldout_links.lua --quick");
    return TUI_REDRAW;
}

static int k_cancel(App *a, int k) {
    (void)k;
    if (a->train) {
        tui_train_cancel(a->train);
        app_say(a, 0, "cancelling the training");
    } else {
        app_say(a, 0, "no training is running");
    }
    return TUI_REDRAW;
}

static int k_save(App *a, int k) {
    (void)k;
    live_session_save(a);
    return TUI_REDRAW;
}

static int k_play(App *a, int k) {
    (void)k;
    if (a->view_live) {
        a->playing_live = !a->playing_live;
        if (a->playing_live && a->hand) {
            a->hand = 0;
            app_say(a, 0, "handed back to the %s", app_actor_name(a, a->actor));
        }
        if (a->playing_live) app_say(a, 0, "playing the live episode (space pauses; < > speed; p pauses at each decision)");
        else app_say(a, 0, "paused");
    } else {
        a->st.playing = !a->st.playing;
        app_say(a, 0, a->st.playing ? "playing the stream (space pauses; < > speed)" : "paused");
    }
    return TUI_REDRAW;
}

/* The delay of one live step / one stream line at each speed (the default is 1). */
static const int live_ms[TUI_SPEEDS] = {1400, 700, 350, 120, 30};
static const int stream_ms[TUI_SPEEDS] = {700, 350, 150, 50, 15};
static const char *const speed_names[TUI_SPEEDS] = {"slow", "normal", "fast", "faster", "fastest"};

static int k_speed(App *a, int k) {
    int s = a->speed + (k == '>' ? 1 : -1);
    a->speed = s < 0 ? 0 : s >= TUI_SPEEDS ? TUI_SPEEDS - 1 : s;
    app_say(a, 0, "speed %d/%d, %s: a live step every %.2f s, a stream line every %.2f s", a->speed + 1, TUI_SPEEDS,
            speed_names[a->speed], live_ms[a->speed] / 1000.0, stream_ms[a->speed] / 1000.0);
    return TUI_REDRAW;
}

static int k_pause_each(App *a, int k) {
    (void)k;
    a->pause_each = !a->pause_each;
    app_say(a, 0, a->pause_each ? "playing pauses at each decision (space goes on)" : "playing goes on without pauses");
    return TUI_REDRAW;
}

static int k_step(App *a, int k) {
    if (a->view_live) {
        if (k == 'N') {
            if (live_full(a)) return TUI_REDRAW;
            a->live_index++;
            live_new(a);
            return TUI_REDRAW;
        }
        return live_step(a) | TUI_REDRAW;
    }
    return stream_key(a, k);
}

static int k_agent(App *a, int k) {
    (void)k;
    do a->actor = (a->actor + 1) % TUI_ACTORS;
    while ((a->actor == 0 && !a->agent) || (a->actor == TUI_EXT_ACTOR && !a->ext));
    if (a->actor == TUI_EXT_ACTOR) live_preview(a); /* ask the agent now */
    app_say(a, 0, "acting: %s", app_actor_name(a, a->actor));
    return TUI_REDRAW;
}

/* The next quality token the model is asked for (docs/lua-api.md, quality tokens): none, then
 * each word the experiment's training mix writes, in vocabulary order. */
static int k_quality(App *a, int k) {
    (void)k;
    if (!a->agent) {
        app_say(a, 1, "no model: quality tokens condition a model (load or train one)");
        return TUI_REDRAW;
    }
    int n = tok_vocab_size(a->vocab), next = 0, any = 0;
    for (int t = TOK_WORD0; t < n; t++) {
        if (!exp_writes_quality(&a->x, tok_name(a->vocab, t))) continue;
        any = 1;
        if (t > a->fmt.quality) {
            next = t;
            break;
        }
    }
    if (!any) {
        app_say(a, 1, "this model was trained without quality tokens (train.mix[].quality): nothing to ask for");
        return TUI_REDRAW;
    }
    TokFormat f = a->fmt;
    f.quality = next;
    Err e;
    if (set_agent(a, &f, &e)) {
        app_say(a, 1, "quality: %s", e.msg);
        return TUI_REDRAW;
    }
    live_preview(a); /* the model's bars under the new token */
    if (next) app_say(a, 0, "the model is asked to act as 'quality %s' (Q: the next)", tok_name(a->vocab, next));
    else app_say(a, 0, "the model is asked with no quality token (Q: the next)");
    return TUI_REDRAW;
}

static int k_hand(App *a, int k) {
    (void)k;
    a->hand = !a->hand;
    if (a->hand) a->playing_live = 0;
    app_say(a, 0, a->hand ? "you have taken over: select a variable, Enter does it (- at the exploit: minus)"
                          : "handed back to the %s", app_actor_name(a, a->actor));
    a->view_live = 1;
    return TUI_REDRAW;
}

static int k_undo(App *a, int k) {
    (void)k;
    return live_undo(a);
}

static int k_hidden(App *a, int k) {
    (void)k;
    if (!a->hidden) {
        a->hidden = 1;
        a->revealed = !a->live_ok || ep_phase(&a->live.view) == EP_DONE;
        app_say(a, 0, "structure hidden, as the model sees it: the evidence is in the Live pane (v reveals)");
    } else if (!a->revealed) {
        a->revealed = 1;
        app_say(a, 0, "structure revealed (v again: hidden mode off)");
    } else {
        a->hidden = 0;
        app_say(a, 0, "hidden-structure mode off");
    }
    return TUI_REDRAW;
}

static int k_random(App *a, int k) {
    edit_random_world(a, k == 'R');
    return TUI_REDRAW;
}

static int k_what(App *a, int k) {
    (void)k;
    live_what_now(a);
    return TUI_REDRAW;
}

static int k_evidence(App *a, int k) {
    (void)k;
    a->live_evidence = !a->live_evidence;
    app_say(a, 0, a->live_evidence ? "Live: the evidence table first (the bars are hidden; e brings them back)"
                                   : "Live: the model's bars, then the evidence");
    return TUI_REDRAW;
}

static int k_big_log(App *a, int k) {
    (void)k;
    a->big_log = !a->big_log;
    return TUI_REDRAW;
}

#define K(...) {__VA_ARGS__}
/* Every key.  Rows with a handler are dispatched by app_key; the others name the keys each
 * pane handles in its own key function.  The help (?) is this table. */
const KeyDef tui_keys[] = {
    {"everywhere", "?", "this help (space: next page, other keys close it)"},
    {"everywhere", "q", "quit (asks first if a note or the session is unsaved)"},
    {"everywhere", "Tab S-Tab", "next / previous pane in screen order (or click)"},
    {"everywhere", "space", "play / pause the live episode or the stream"},
    {"everywhere", "> <", "faster / slower playback (5 speeds)"},
    {"everywhere", "p", "playing pauses at each decision: on / off"},
    {"everywhere", "n", "step: next live decision / next stream line"},
    {"everywhere", "N", "next episode (live or stream)"},
    {"everywhere", "s", "swap the acting agent (model, expert, oracle, ...)"},
    {"everywhere", "Q", "the next quality token the model is asked for"},
    {"everywhere", "i", "take over (choose by hand) / hand back"},
    {"everywhere", "u", "undo the last live step"},
    {"everywhere", "w", "what would the model and each baseline do now?"},
    {"everywhere", "v", "hidden structure: hide / reveal / off"},
    {"everywhere", "r R", "a random world: training / held-out distribution"},
    {"everywhere", "S", "change the seed (starts a new session)"},
    {"everywhere", ":", "Lua command line; output in the Log"},
    {"everywhere", "/", "search the stream (the next 1000 episodes)"},
    {"everywhere", "T", "train a model from an experiment script"},
    {"everywhere", "X", "cancel the training"},
    {"everywhere", "W", "save the live session to the notebook"},
    {"everywhere", "e", "Live: the evidence table first / the model's bars"},
    {"everywhere", "L", "enlarge / shrink the Log pane"},
    {"everywhere", "t", "next theme"},
    {"World, Live", "A..H h l ←→", "select a variable (or click its box)"},
    {"World, Live", "Enter +", "do the selected variable (you take over)"},
    {"World, Live", "-", "at the exploit: do the selected variable = -5"},
    {"World", "a", "add / re-weight an edge: FROM TO [WEIGHT] (|w| <= 5)"},
    {"World", "x", "remove an edge: FROM TO"},
    {"World", "g", "make the selected variable the goal"},
    {"Stream", "j k ↑↓ PgUp PgDn", "move the cursor; the World shows its episode"},
    {"Notebook", "j k", "select an entry"},
    {"Notebook", "a Enter", "write a note: Ctrl-S or F2 saves, Esc keeps a draft"},
    {"Log", "j k PgUp PgDn", "scroll"},
    {"Lesson", "n p PgDn PgUp", "next / previous step (dolab lesson FILE.lua)"},
    {"Lesson", "1..9", "one student's vote for that option"},
    {"Lesson", "c", "type answers: 2 2 1, A+ C-, or counts 1:12 2:5"},
    {"Lesson", "r", "reveal: every option's reward, what each strategy chose"},
    {"Lesson", "z", "clear this question's answers and ask again"},
    {"Lesson", "b", "hide / show the baselines"},
    {"Lesson", "W q", "save the class's place and answers / save and quit"},
    {"prompts", "Enter Esc Ctrl-U", "run / cancel / clear the line"},
};
const int tui_nkeys = (int)(sizeof tui_keys / sizeof *tui_keys);

/* The handlers of the keys that work everywhere (rows of tui_keys with where "everywhere"). */
static const struct {
    int code[3];
    int (*fn)(App *a, int k);
} global_keys[] = {
    {K('?'), k_help},           {K('q'), k_quit},         {K(TK_TAB, TK_BTAB), k_tab}, {K(' '), k_play},
    {K('>', '<'), k_speed},     {K('p'), k_pause_each},   {K('n'), k_step},            {K('N'), k_step},
    {K('s'), k_agent},          {K('Q'), k_quality},      {K('i'), k_hand},            {K('u'), k_undo},
    {K('w'), k_what},
    {K('v'), k_hidden},         {K('r', 'R'), k_random},  {K('S'), k_seed},            {K(':'), k_lua},
    {K('/'), k_search},         {K('T'), k_train},        {K('X'), k_cancel},          {K('W'), k_save},
    {K('e'), k_evidence},       {K('L'), k_big_log},        {K('t'), k_theme},
};

static int confirm_key(App *a, int k) {
    int what = a->confirm;
    a->confirm = 0;
    if (k != 'y' && k != 'Y' && !(what == CONFIRM_QUIT && k == 'q')) {
        app_say(a, 0, what == CONFIRM_QUIT ? "not quitting" : "the seed stays %llu", (unsigned long long)a->seed);
        return TUI_REDRAW;
    }
    if (what == CONFIRM_QUIT) return TUI_QUIT;
    set_seed(a, a->confirm_seed);
    return TUI_REDRAW;
}

int app_key(App *a, int k) {
    a->msg[0] = 0;
    if (a->confirm) return confirm_key(a, k);
    if (a->prompt) return prompt_key(a, k);
    if (a->note_open) return note_key(a, k);
    if (a->show_help) {
        if ((k == ' ' || k == TK_PGDN || k == 'n') && a->help_page + 1 < a->help_pages) {
            a->help_page++;
            return TUI_REDRAW;
        }
        a->show_help = 0;
        return TUI_REDRAW;
    }
    if (a->lesson) { /* lesson mode: n, p, r, the votes ... (tui_lesson.c) */
        int r = lesson_key(a, k);
        if (r) return r;
    }
    /* the focused pane first: its keys (j, k, a, x, ...) mean something there */
    const PaneDef *p = &tui_pane[a->focus];
    if (p->key && k != 'n' && k != 'N') {
        int r = p->key(a, k);
        if (r) return r;
    }
    for (size_t i = 0; i < sizeof global_keys / sizeof *global_keys; i++)
        for (int j = 0; j < 3 && global_keys[i].code[j]; j++)
            if (global_keys[i].code[j] == k) return global_keys[i].fn(a, k);
    return TUI_REDRAW;
}

int app_click(App *a, int y, int x) {
    if (a->prompt || a->note_open || a->show_help || a->confirm) return 0;
    for (int p = 0; p < P_COUNT; p++) {
        TuiRect r = a->pane[p];
        if (r.w > 0 && y >= r.y && y < r.y + r.h && x >= r.x && x < r.x + r.w) {
            app_focus(a, (PaneId)p);
            if (tui_pane[p].click) tui_pane[p].click(a, y, x);
            return TUI_REDRAW;
        }
    }
    return 0;
}

int app_tick(App *a) {
    int r = poll_training(a);
    if (a->playing_live && lesson_holds(a)) { /* the class answers before the exploit */
        a->playing_live = 0;
        app_say(a, 0, ep_phase(&a->live.view) == EP_DONE ? "the step is played: n goes on" : "the question first: votes, then r reveals");
        r |= TUI_REDRAW;
    }
    if (a->playing_live) {
        r |= live_step(a) | TUI_REDRAW;
        if (a->pause_each && a->playing_live) {
            a->playing_live = 0;
            app_say(a, 0, "paused at the decision (space goes on; p: no pauses)");
        }
    }
    if (a->st.playing) {
        stream_move(a, 1);
        r |= TUI_REDRAW;
    }
    a->frame++;
    return r;
}

int app_timeout_ms(const App *a) {
    int s = a->speed < 0 ? 0 : a->speed >= TUI_SPEEDS ? TUI_SPEEDS - 1 : a->speed;
    if (a->playing_live) return live_ms[s];
    if (a->st.playing) return stream_ms[s];
    if (a->train) return 250;
    return -1;
}

const Episode *app_shown(const App *a, EpView *view) {
    if (a->view_live) {
        if (!a->live_ok) return NULL;
        *view = a->live.view;
        return &a->live;
    }
    const StreamSlot *s = stream_slot_held(a, a->st.cur.ep);
    if (!s) return NULL;
    const StreamLine *l = &s->lines[a->st.cur.line];
    *view = s->episode.view;
    view->n_steps = l->steps;
    view->goal = l->goal ? l->goal_var : -1; /* the goal and exploit of this line's question */
    view->exploit_var = l->exploit ? l->exploit_var : -1;
    view->exploit_sign = l->exploit ? l->exploit_sign : 0;
    return &s->episode;
}

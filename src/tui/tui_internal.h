/* tui_internal — what the files of src/tui share; not for the rest of dolab.
 *
 * The application state (App) is plain C with no curses in it: keys come in as TuiKey codes,
 * the screen goes out as a TuiCanvas.  tui.c is the only file that talks to curses (and the
 * only one that knows about terminals), so the headless mode and the unit tests run every
 * flow a person can, under the sanitizers.
 *
 *   tui_app.c       state, actions (step, take over, undo, edit, seeds, sessions), keys
 *   tui_world.c     the World pane: the DAG in topological layers
 *   tui_panes.c     Stream, Live, Notebook, Log panes, status line, help, prompts, layout
 *   tui_train.c     training in a background thread
 *   tui.c           curses front end, headless runner, bench */
#ifndef DOLAB_TUI_INTERNAL_H
#define DOLAB_TUI_INTERNAL_H

#include <cJSON.h>
#include <stdint.h>

#include "learn/exp.h"
#include "nn/gpt.h"
#include "notebook/notebook.h"
#include "script/lab.h"
#include "tui/tui.h"
#include "tui/tui_canvas.h"
#include "tui/tui_theme.h"
#include "tui/tui_train.h"
#include "world/strategy.h"
#include "world/tok.h"

/* Keys: printable characters are themselves; the rest are these codes (tui.c maps curses'). */
enum {
    TK_ENTER = '\n', TK_TAB = '\t', TK_ESC = 27, TK_BACKSPACE = 127, TK_CTRL_S = 19,
    TK_UP = 0x110000, TK_DOWN, TK_LEFT, TK_RIGHT, TK_BTAB, TK_PGUP, TK_PGDN, TK_HOME, TK_END, TK_F2,
};

enum { TUI_REDRAW = 1, TUI_QUIT = 2 };

typedef enum PaneId { P_WORLD, P_STREAM, P_LIVE, P_NOTEBOOK, P_LOG, P_COUNT } PaneId;

typedef enum PromptKind { PR_NONE, PR_LUA, PR_SEARCH, PR_SEED, PR_EDGE_ADD, PR_EDGE_DEL, PR_TRAIN } PromptKind;

#define TUI_MIN_W 64
#define TUI_MIN_H 18
#define TUI_ACTORS (1 + STRAT_BUILTIN_COUNT) /* the model, then the built-ins */

/* One decision of the live episode, or the preview of the next one. */
typedef struct LiveDecision {
    int kind;                 /* 1 explore, 2 exploit, 0 none */
    char actor[16];           /* "model", "hand", or a baseline's name */
    StratAction act;          /* what was done (or what the actor would do) */
    int have_model;
    double probs[SCM_MAX_VARS], p_plus;
    StratAction model_act;
    int base_ok[STRAT_BUILTIN_COUNT];
    StratAction base[STRAT_BUILTIN_COUNT];
} LiveDecision;

typedef struct StreamLine {
    uint64_t ep;      /* episode index in the stream */
    int steps;        /* exploration steps revealed at this line */
    int goal, exploit;/* goal / exploit revealed at this line */
    int cls;          /* TokClass of the line's start */
    char text[200];
} StreamLine;

#define STREAM_MAX_EPS 256

typedef struct App {
    TuiOptions opt;
    int headless;
    /* model and experiment */
    Gpt *model;
    Experiment x;
    cJSON *meta;
    Lab *model_lab;           /* when the model was trained here: its predicates live in it */
    Vocab *vocab;
    TokFormat fmt;
    Strategy *agent;
    char model_name[256];
    int heldout_a, heldout_b; /* the held-out pair parsed from the predicate, -1 if none */
    /* themes */
    char themes[16][32];
    int n_themes, theme_i;
    TuiTheme theme;
    int theme_changed;
    /* panes */
    PaneId focus;
    int view_live;            /* World shows the live episode (1) or the stream's (0) */
    TuiRect pane[P_COUNT];
    int show_help, too_small;
    int corner_nb;            /* the shared corner shows the Notebook (1) or the Stream (0) */
    int node_x[SCM_MAX_VARS], node_y[SCM_MAX_VARS], node_w; /* where World drew the boxes */
    /* seed and world */
    uint64_t seed;
    int world_src;            /* 0 training distribution, 1 held-out, 2 edited by hand */
    Scm custom;
    int custom_goal;
    int sel;                  /* selected variable */
    int hidden;               /* hidden-structure mode */
    int revealed;
    /* live episode */
    Episode live;
    int live_ok;
    uint64_t live_index;
    int actor;                /* 0 model, 1.. built-in i-1 */
    int hand;                 /* a person takes over */
    int playing_live;
    LiveDecision hist[EP_MAX_STEPS + 1];
    int nhist;
    LiveDecision next;
    int n_done;
    double sum_norm, sum_reward, sum_optimal;
    cJSON *session;           /* events of this live session */
    int session_events;
    /* stream */
    StreamLine *lines;
    int nlines, cap_lines, cursor, top;
    Episode *eps;             /* ring of STREAM_MAX_EPS episodes, by index % STREAM_MAX_EPS */
    uint64_t next_ep, first_ep;
    int playing_stream;
    char search[128];
    /* notebook */
    Notebook *nb;
    char nb_error[256];
    int nb_sel, nb_top;
    int note_open, note_dirty;
    char note[4096];
    int note_len;
    /* log (the `:` line's output, errors, stderr) */
    SB log;
    int log_scroll;
    Lab *lab;                 /* the `:` command line's sandbox */
    /* prompt */
    PromptKind prompt;
    char prompt_label[64];
    char prompt_buf[512];
    int prompt_len;
    int confirm_quit;
    /* training */
    TuiTrain *train;
    /* status message */
    char msg[256];
    int msg_error;
    long frame;
} App;

/* tui_app.c */
int app_init(App *a, const TuiOptions *o, int headless, Err *e);
void app_free(App *a);
int app_key(App *a, int key);
int app_click(App *a, int y, int x);
int app_tick(App *a);          /* one timer tick: play, training progress */
int app_timeout_ms(const App *a); /* -1: nothing to wait for */
void app_log(App *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void app_logs(App *a, const char *s);
void app_say(App *a, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *app_actor_name(const App *a, int actor);
/* The episode the World pane shows, at the stream cursor or live; returns NULL if none.
 * view gets what is revealed (steps, goal, exploit). */
const Episode *app_shown(const App *a, EpView *view);
int app_theme_set(App *a, int i);

/* tui_world.c */
void tui_draw_world(App *a, TuiCanvas *c, TuiRect r);
/* tui_panes.c */
void tui_render(App *a, TuiCanvas *c);
void tui_layout(App *a, int w, int h);
void tui_sparkline(TuiCanvas *c, int y, int x, int w, const double *v, int n, int role);

#endif

/* tui_internal — what the files of src/tui share; not for the rest of dolab.
 *
 * The application state (App) is plain C with no curses in it: keys come in as TuiKey codes,
 * the screen goes out as a TuiCanvas.  tui.c is the only file that talks to curses (and the
 * only one that knows about terminals), so the headless mode and the unit tests run every
 * flow a person can, under the sanitizers.
 *
 *   tui_app.c       init, the model, messages, prompts, the `:` line, training, the key table
 *                   and the global keys
 *   tui_panes.c     the pane table (one row per pane), layout, Log pane, status line, help
 *   tui_world.c     the World pane's drawing: the DAG in topological layers
 *   tui_edit.c      the World pane's keys: selection, hand steps, edits, random worlds
 *   tui_live.c      the live episode and the session (its tally derived from its episodes)
 *   tui_stream.c    the Stream pane: one cursor into a ring of episodes numbered absolutely
 *   tui_notebook.c  the Notebook pane and the note editor
 *   tui_train.c     training in a background thread
 *   tui_lesson.c    lesson mode: the Lesson pane, its keys and layout, the class's answers
 *   tui.c           curses front end, headless runner, bench */
#ifndef DOLAB_TUI_INTERNAL_H
#define DOLAB_TUI_INTERNAL_H

#include <cJSON.h>
#include <stdint.h>

#include "learn/exp.h"
#include "nn/gpt.h"
#include "notebook/notebook.h"
#include "script/lab.h"
#include "script/lesson.h"
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

/* In screen order (Tab walks it): World (left), Live (right), Stream and Notebook (lower right),
 * Log (bottom). */
typedef enum PaneId { P_WORLD, P_LESSON, P_LIVE, P_STREAM, P_NOTEBOOK, P_LOG, P_COUNT } PaneId; /* Lesson: lesson mode only */

typedef enum PromptKind { PR_NONE, PR_LUA, PR_SEARCH, PR_SEED, PR_EDGE_ADD, PR_EDGE_DEL, PR_TRAIN, PR_TALLY } PromptKind;

#define TUI_MIN_W 64
#define TUI_MIN_H 18
#define TUI_ACTORS (1 + STRAT_BUILTIN_COUNT + 1) /* the model, the built-ins, an external agent (--agent) */
#define TUI_EXT_ACTOR (TUI_ACTORS - 1)

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
    int ext_ok;               /* the external agent's choice (asked only while it acts) */
    StratAction ext;
} LiveDecision;

typedef struct StreamLine {
    int steps;        /* exploration steps revealed at this line */
    int goal, exploit;/* goal / exploit revealed at this line */
    int goal_var;     /* the goal asked at this line (train.goals asks several per episode) */
    int exploit_var, exploit_sign; /* this line's exploit, when exploit */
    int cls;          /* TokClass of the line's start; -1 for the episode's header line */
    char text[200];
} StreamLine;

/* A place in the stream: episode `ep` (absolute: episode i of the seed's stream, whether it is
 * in the ring or not) and its line (0 is the episode's header). */
typedef struct StreamPos {
    uint64_t ep;
    int line;
} StreamPos;

/* One slot of the ring: episode `ep` and its text.  Episode i lives in slot i % STREAM_RING;
 * a slot that holds another episode (or none) is regenerated from the seed when asked for. */
typedef struct StreamSlot {
    int valid;
    uint64_t ep;
    Episode episode;
    StreamLine *lines; /* owned */
    int nlines, cap;
} StreamSlot;

#define STREAM_RING 64
#define STREAM_SEARCH_EPS 1000 /* `/` looks this many episodes ahead, then says "not found" */

typedef struct Stream {
    StreamSlot *ring;     /* STREAM_RING slots, owned */
    StreamPos cur, top;   /* the cursor, and the first line on screen */
    int playing;
    char search[128];
    uint64_t generated;   /* episodes generated so far (a figure for tests and the soak) */
} Stream;

/* One episode of the live session, as it stands now (undo shortens it; a step redone is
 * in it again).  The session's tally is computed from these, never kept on the side. */
typedef struct LiveRec {
    uint64_t seed, index;
    int src;                  /* 0 training, 1 held-out, 2 edited */
    Scm world;
    int goal;
    unsigned relevant;
    int nact;                 /* actions taken: explorations, then the exploit */
    struct {
        signed char var, sign;
        char actor[16];
    } act[EP_MAX_STEPS + 1];
    int done;
    double reward, optimal, norm;
} LiveRec;

#define TUI_SESSION_MAX 1000 /* episodes in one live session; then W saves it (memory stays bounded) */

typedef struct LiveTally {
    int done;                 /* finished episodes */
    double sum_norm, sum_reward, sum_optimal, max_norm;
} LiveTally;

/* Playback speeds: the delay of one live step / one stream line at each speed. */
#define TUI_SPEEDS 5

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
    Strategy *ext;            /* an external agent (dolab tui --agent CMD), or NULL; owned */
    Experiment *ext_x;        /* its own copy of the experiment, vocabulary and format (a model */
    Vocab *ext_voc;           /* trained or loaded later replaces the App's) */
    TokFormat ext_fmt;
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
    int actor;                /* 0 model, 1.. built-in i-1, TUI_EXT_ACTOR the external agent */
    int hand;                 /* a person takes over */
    int playing_live;
    int live_evidence;        /* e: the Live pane gives the bars' rows to the evidence table */
    int pause_each;           /* playing stops at each decision (p toggles) */
    int speed;                /* 0 .. TUI_SPEEDS-1, + and - change it */
    LiveDecision hist[EP_MAX_STEPS + 1];
    int nhist;
    LiveDecision next;
    /* the live session: its episodes (the last is the live one) and its events */
    LiveRec *recs;
    int nrecs, cap_recs;
    int rec_ok;               /* recs[nrecs - 1] is the live episode's record */
    cJSON *session;           /* events of this live session */
    int session_events;
    int session_dirty;        /* something happened since the last W */
    /* stream */
    Stream st;
    /* notebook */
    Notebook *nb;
    char nb_error[256];
    int nb_sel, nb_top;
    int note_open, note_dirty;
    int nb_readonly;          /* the shipped model's notebook, opened because ./notebook.json is absent */
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
    int confirm;              /* a y/n question is open: CONFIRM_QUIT or CONFIRM_SEED */
    uint64_t confirm_seed;
    int big_log;              /* L: the Log pane takes half the screen */
    int help_page, help_pages;
    /* training */
    TuiTrain *train;
    /* lesson mode (tui_lesson.c); lesson is NULL outside it */
    Lesson *lesson;           /* owned */
    char lesson_path[1024];
    int lstep;                /* the step on screen */
    int ltally[LESSON_MAX_STEPS][LESSON_MAX_OPTS]; /* the class's answers, per option */
    unsigned char lrevealed[LESSON_MAX_STEPS];
    int lhide_base;           /* b: the baselines hidden through the whole lesson */
    int lesson_dirty;         /* moved or answered since the last save */
    /* status message */
    char msg[256];
    int msg_error;
    long frame;
} App;

enum { CONFIRM_QUIT = 1, CONFIRM_SEED = 2 };

/* A pane: its name and handlers (htop's Panel).  draw gets the inside of the frame; key
 * returns TUI_REDRAW / TUI_QUIT flags (0: not handled); click gets screen cells. */
typedef struct PaneDef {
    const char *name;
    void (*draw)(App *a, TuiCanvas *c, TuiRect r);
    int (*key)(App *a, int k);
    int (*click)(App *a, int y, int x);
} PaneDef;
extern const PaneDef tui_pane[P_COUNT];

/* One key: where it works, its name in the help, what it does.  The help is made from this
 * table; the handlers are the pane's key functions and app_key. */
typedef struct KeyDef {
    const char *where;        /* "everywhere", "World", "Stream", "Notebook", "Log", "prompt" */
    const char *keys;
    const char *what;
} KeyDef;
extern const KeyDef tui_keys[];
extern const int tui_nkeys;

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
void app_focus(App *a, PaneId p);
void app_open_prompt(App *a, PromptKind k, const char *label, const char *init);
/* Hidden mode before the reveal: structure, held-out label and baselines' choices stay hidden. */
int app_hiding(const App *a);

/* tui_live.c */
int live_new(App *a);                 /* a new live episode (index live_index) */
int live_begin(App *a, const Episode *ep); /* the live episode becomes ep (a lesson's step) */
int live_apply(App *a, const char *actor, StratAction act); /* one action in the live episode */
int live_full(App *a);                /* 1 (and a message) when the session can take no more episodes */
int live_step(App *a);                /* the acting agent's next decision */
void live_preview(App *a);            /* asks for the next decision again (the actor changed) */
int live_hand(App *a, int var, int sign);
int live_undo(App *a);
int live_key(App *a, int k);          /* the Live pane's keys (variables, hand steps) */
void live_tally(const App *a, LiveTally *t);
void live_session_reset(App *a);      /* a fresh session (the live episode starts it) */
void live_session_save(App *a);       /* W */
int live_session_unsaved(const App *a);
void live_what_now(App *a);           /* w */
void draw_live(App *a, TuiCanvas *c, TuiRect r);

/* tui_edit.c */
int edit_key(App *a, int k);          /* the World pane's keys */
int edit_click(App *a, int y, int x); /* a click in the World: a box selects its variable */
void edit_edge(App *a, const char *text, int remove);
void edit_random_world(App *a, int heldout);
void edit_world(App *a, const Scm *w, int goal); /* the live episode moves to world w */
int edit_current_world(App *a, Scm *out);
#define TUI_MAX_WEIGHT 5.0            /* |weight| of an edge typed by hand */

/* tui_stream.c */
int stream_init(App *a);
void stream_free(App *a);
void stream_reset(App *a);            /* the seed or the experiment changed */
int stream_move(App *a, int d);       /* d lines; 0, or -1 with the status line saying why */
int stream_next_episode(App *a);
void stream_search(App *a, const char *q);
/* The slot of episode ep, generated from the seed if the ring does not hold it; NULL on error. */
StreamSlot *stream_slot(App *a, uint64_t ep);
const StreamSlot *stream_slot_held(const App *a, uint64_t ep); /* NULL unless in the ring */
int stream_key(App *a, int k);
int stream_click(App *a, int y, int x);
void draw_stream(App *a, TuiCanvas *c, TuiRect r);

/* tui_notebook.c */
int notebook_key(App *a, int k);
int note_key(App *a, int k);          /* the note editor, while open */
void draw_notebook(App *a, TuiCanvas *c, TuiRect r);

/* tui_lesson.c */
int lesson_open(App *a, Err *e);      /* app_init, with opt.lesson: the first step (or where the class was) */
void lesson_close(App *a);
int lesson_key(App *a, int k);        /* lesson mode's keys, before the panes'; 0: not one of them */
int lesson_pane_key(App *a, int k);
void draw_lesson(App *a, TuiCanvas *c, TuiRect r);
void lesson_layout(App *a, int w, int h);
int lesson_holds(const App *a);       /* playing stops here: the episode is over or a question is open */
int lesson_shows(const App *a, unsigned part); /* LS_* part on screen now (always 1 outside lesson mode) */
#define LS_MODEL_ACTS 256u            /* with LS_MODEL: shown, or the step is played by the model */
void lesson_tally_text(App *a, const char *s); /* the c prompt: counts or choices */
void lesson_save(App *a);             /* the position and the answers, as a session entry */
int tui_pane_off(const App *a, PaneId p);
const char *lesson_actor(const App *a);   /* who acts in this step: "watching", "teacher", "expert", ... */ /* not on screen in this mode (Tab skips it) */

/* tui_world.c */
void tui_draw_world(App *a, TuiCanvas *c, TuiRect r);
/* tui_panes.c */
void tui_render(App *a, TuiCanvas *c);
void tui_layout(App *a, int w, int h);
void tui_sparkline(TuiCanvas *c, int y, int x, int w, const double *v, int n, int role);
int tui_help_pages(int w, int h);     /* pages the help needs at w x h */

#endif

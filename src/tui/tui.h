/* tui — the notebook TUI: watch the passive stream, poke the trained model live, read the
 * results.  `dolab` with no arguments and `dolab tui` open it (src/cli/cmd_tui.c parses the
 * flags).  Everything the TUI owns lives in src/tui; see docs/tui.md for the keys.
 *
 * tui_main owns the terminal while it runs (curses, the mouse, stderr redirected into the
 * log pane) and gives it back as it found it.  tui_headless runs the same application on
 * scripted keys for a fixed number of frames and writes the last frame as text: no terminal
 * is touched (tests, sanitizer builds).  tui_bench times full redraws. */
#ifndef DOLAB_TUI_TUI_H
#define DOLAB_TUI_TUI_H

#include <stdint.h>

#include "util/err.h"
#include "util/strbuf.h"

typedef struct TuiOptions {
    const char *model;      /* checkpoint; NULL: models/default.ckpt beside the executable or in ./ */
    int no_model;           /* do not load any checkpoint */
    const char *theme;      /* theme name; NULL: dark */
    const char *themes_dir; /* NULL: themes/ beside the executable or in ./ */
    const char *notebook;   /* NULL: $DOLAB_NOTEBOOK or notebook.json */
    const char *exe;        /* argv[0], to find models/, themes/ and lua/ beside it */
    uint64_t seed;          /* first seed (default 1) */
    int no_color;           /* NO_COLOR: attributes only */
    int w, h;               /* headless: screen size (default 100x30) */
    const char *version, *commit; /* the build, for notebook entries */
    const struct Lesson *lesson;  /* lesson mode (dolab lesson FILE): copied; NULL: the notebook TUI */
    const char *lesson_path;      /* its script, recorded with the class's position and answers */
    const char *agent;      /* an external agent's command (docs/agents.md): `s` can hand it the episode */
    int agent_timeout_ms;   /* its time per decision (0: 5000) */
} TuiOptions;

/* Runs the interactive TUI; returns the exit status. */
int tui_main(const TuiOptions *o);
/* Headless: keys is a script ("n", " ", "<tab>", "<enter>", "<esc>", "<up>", "<resize:40x12>",
 * "<click:Y,X>", "<tick>", ...; see docs/tui.md); frames frames are drawn (one key or timer
 * tick each).  The last frame goes to out as text.  Returns 0, or -1 with e set. */
int tui_headless(const TuiOptions *o, const char *keys, int frames, SB *out, Err *e);

typedef struct TuiBench {
    double render_ms; /* drawing every pane into the canvas */
    double curses_ms; /* copying it to curses and writing the whole screen out */
    int frames;
} TuiBench;
/* Full redraws at w x h; the terminal output goes to /dev/null. */
int tui_bench(const TuiOptions *o, int w, int h, int frames, TuiBench *b, Err *e);

#endif

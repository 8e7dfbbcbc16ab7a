/* tui_theme — colour roles and the themes that give them colours (themes/NAME.json).
 *
 * Drawing code only names a role (TR_EDGE_POS, TR_TOK_ACTION, ...); a theme maps each role to
 * a foreground, a background and attributes.  Themes are data:
 *
 *   {"format": "dolab-theme", "version": 1, "name": "dark",
 *    "roles": {"edge_positive": {"fg": "green", "attrs": ["bold"]}, ...}}
 *
 * Colours are names (default, black, red, green, yellow, blue, magenta, cyan, white, and
 * bright_* of each) or 256-colour numbers 0..255; attrs are bold, dim, reverse, underline.
 * A role a theme leaves out keeps the built-in default's style.  With NO_COLOR set (or a
 * terminal without colours) only the attributes are used.
 *
 * A TuiTheme is a plain value; nothing to free. */
#ifndef DOLAB_TUI_THEME_H
#define DOLAB_TUI_THEME_H

#include "util/err.h"

#define TUI_THEME_VERSION 1 /* the "version" a theme file must carry */

#define TUI_ROLES(X)                                                                  \
    X(TR_NORMAL, "normal")                                                            \
    X(TR_DIM, "dim")                                                                  \
    X(TR_BORDER, "border")                                                            \
    X(TR_BORDER_FOCUS, "border_focus")                                                \
    X(TR_TITLE, "title")                                                              \
    X(TR_STATUS, "status")                                                            \
    X(TR_STATUS_KEY, "status_key")                                                    \
    X(TR_STATUS_MODE, "status_mode")                                                  \
    X(TR_NODE, "node")                                                                \
    X(TR_NODE_SELECTED, "node_selected")                                              \
    X(TR_NODE_INTERVENED, "node_intervened")                                          \
    X(TR_NODE_GOAL, "node_goal")                                                      \
    X(TR_EDGE_POS, "edge_positive")                                                   \
    X(TR_EDGE_NEG, "edge_negative")                                                   \
    X(TR_EDGE_CUT, "edge_cut")                                                        \
    X(TR_EDGE_HIDDEN, "edge_hidden")                                                  \
    X(TR_HELDOUT, "heldout")                                                          \
    X(TR_TOK_ACTION, "token_action")                                                  \
    X(TR_TOK_OBS, "token_observation")                                                \
    X(TR_TOK_GOAL, "token_goal")                                                      \
    X(TR_TOK_EXPL, "token_explanation")                                               \
    X(TR_CURSOR, "cursor")                                                            \
    X(TR_MATCH, "search_match")                                                       \
    X(TR_BAR, "bar")                                                                  \
    X(TR_BAR_CHOICE, "bar_choice")                                                    \
    X(TR_GOOD, "good")                                                                \
    X(TR_BAD, "bad")                                                                  \
    X(TR_ERROR, "error")                                                              \
    X(TR_PROMPT, "prompt")                                                            \
    X(TR_SPARK, "sparkline")

#define TUI_ROLE_ENUM(id, name) id,
typedef enum TuiRole { TUI_ROLES(TUI_ROLE_ENUM) TR_COUNT } TuiRole;
#undef TUI_ROLE_ENUM

enum { TUI_A_BOLD = 1, TUI_A_DIM = 2, TUI_A_REVERSE = 4, TUI_A_UNDERLINE = 8 };

typedef struct TuiStyle {
    short fg, bg;    /* -1 = the terminal's default, else 0..255 */
    unsigned attrs;  /* TUI_A_* */
} TuiStyle;

typedef struct TuiTheme {
    char name[32];
    TuiStyle role[TR_COUNT];
} TuiTheme;

const char *tui_role_name(int role);
/* The built-in dark theme (also the base every theme file starts from). */
TuiTheme tui_theme_default(void);
/* Parses a theme from JSON text; `what` names the source in messages. */
int tui_theme_parse(const char *json, const char *what, TuiTheme *t, Err *e);
/* Loads dir/NAME.json. */
int tui_theme_load(const char *dir, const char *name, TuiTheme *t, Err *e);
/* The names of the themes in dir (sorted, the .json removed), at most max; returns the count. */
int tui_theme_list(const char *dir, char names[][32], int max);

#endif

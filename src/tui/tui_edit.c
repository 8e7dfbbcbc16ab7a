/* tui_edit — the World pane's keys: selecting variables, edits of the world (edges, goal),
 * random worlds (see tui_internal.h).  The drawing is tui_world.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui_internal.h"

int edit_current_world(App *a, Scm *out) {
    EpView v;
    const Episode *ep = app_shown(a, &v);
    if (a->world_src == 2) *out = a->custom;
    else if (ep) *out = ep->world;
    else return -1;
    return 0;
}

void edit_world(App *a, const Scm *w, int goal) {
    if (live_full(a)) return;
    a->custom = *w;
    a->custom_goal = goal;
    a->world_src = 2;
    a->view_live = 1;
    live_new(a);
}

/* A variable of s at *p (after spaces, and a "->" or "," between two names); -1 if none. */
static int parse_var(const Scm *s, const char **p) {
    while (**p == ' ' || **p == '-' || **p == '>' || **p == ',') (*p)++;
    int v = (**p >= 'a' && **p <= 'h') ? **p - 'a' : **p - 'A';
    if (v < 0 || v >= s->n) return -1;
    (*p)++;
    if (**p && **p != ' ' && **p != '-' && **p != ',') return -1; /* "AB" is not a variable */
    return v;
}

void edit_edge(App *a, const char *text, int remove) {
    Scm w;
    if (edit_current_world(a, &w)) return;
    const char *p = text;
    int from = parse_var(&w, &p), to = parse_var(&w, &p);
    if (from < 0 || to < 0) {
        app_say(a, 1, "'%s': expected two variables of this world (A..%c), e.g. 'A C%s'", text, scm_name(w.n - 1),
                remove ? "" : " -1.5");
        return;
    }
    Err e;
    if (remove) {
        while (*p == ' ') p++;
        if (*p) {
            app_say(a, 1, "'%s': a removal takes two variables only, e.g. 'A C'", text);
            return;
        }
        if (!scm_has_edge(&w, from, to)) {
            app_say(a, 1, "there is no edge %c->%c", scm_name(from), scm_name(to));
            return;
        }
        scm_remove_edge(&w, from, to);
        app_say(a, 0, "removed %c->%c", scm_name(from), scm_name(to));
    } else {
        while (*p == ' ') p++;
        double wt = 1.0;
        if (*p) {
            char *end;
            wt = strtod(p, &end);
            while (end && *end == ' ') end++;
            if (end == p || *end || !isfinite(wt)) {
                app_say(a, 1, "'%s': the weight must be a number, e.g. 'A C -1.5'", text);
                return;
            }
        }
        if (fabs(wt) > TUI_MAX_WEIGHT || wt == 0) {
            app_say(a, 1, "weight %g: a weight is non-zero and at most %g in size (x removes an edge)", wt,
                    TUI_MAX_WEIGHT);
            return;
        }
        if (scm_add_edge(&w, from, to, wt, &e)) {
            app_say(a, 1, "%s", e.msg);
            return;
        }
        app_say(a, 0, "edge %c->%c weight %+.2f", scm_name(from), scm_name(to), wt);
    }
    edit_world(a, &w, a->live_ok ? a->live.goal : -1);
}

static void set_goal(App *a, int v) {
    Scm w;
    if (edit_current_world(a, &w)) return;
    if (!scm_parents(&w, v)) {
        app_say(a, 1, "%c has no cause, so it cannot be the goal", scm_name(v));
        return;
    }
    edit_world(a, &w, v);
    app_say(a, 0, "goal: maximise %c", scm_name(v));
}

void edit_random_world(App *a, int heldout) {
    if (heldout && !a->x.heldout.fn) {
        app_say(a, 1, "this experiment holds nothing out");
        return;
    }
    if (live_full(a)) return;
    a->world_src = heldout;
    a->live_index++;
    a->view_live = 1;
    if (live_new(a) == 0)
        app_say(a, 0, "a world from the %s distribution%s", heldout ? "held-out" : "training",
                heldout ? " (the model never saw one like it)" : "");
}

int edit_key(App *a, int k) {
    switch (k) {
    case 'a': app_open_prompt(a, PR_EDGE_ADD, "add or re-weight edge (FROM TO [WEIGHT]): ", ""); return TUI_REDRAW;
    case 'x': app_open_prompt(a, PR_EDGE_DEL, "remove edge (FROM TO): ", ""); return TUI_REDRAW;
    case 'g': set_goal(a, a->sel); return TUI_REDRAW;
    default: return live_key(a, k);
    }
}

int edit_click(App *a, int y, int x) {
    EpView v;
    const Episode *ep = app_shown(a, &v);
    for (int i = 0; ep && i < ep->world.n; i++)
        if (y == a->node_y[i] && x >= a->node_x[i] && x < a->node_x[i] + a->node_w) {
            a->sel = i;
            app_say(a, 0, "selected %c (Enter intervenes on it)", scm_name(i));
            return TUI_REDRAW;
        }
    return 0;
}

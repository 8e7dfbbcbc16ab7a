/* tui_world — the World pane: the header, the DAG (drawn by tui_dag.c, see tui_dag.h) and the
 * legend.
 *
 * Each variable is a one-line box "[C +4.5]" (the last observation, or what the exploit is
 * expected to give); edges carry their weight with its sign on the edge or, where there is no
 * room, in a list beside the drawing; positive edges are solid and negative ones dashed, so the
 * sign reads without colour.  When the graph is too deep for the pane, the held-out line and
 * then the legend give their rows to it, and a graph that still does not fit is shown as a grid
 * of boxes with every edge in the list. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tui/tui_dag.h"
#include "tui/tui_internal.h"

/* A box's value in at most 6 cells, never "-0.0". */
static void box_value(double v, char *buf, int n) {
    if (fabs(v) < 0.05) snprintf(buf, (size_t)n, " 0.0");
    else if (fabs(v) < 99.95) snprintf(buf, (size_t)n, "%+.1f", v);
    else if (fabs(v) < 99999.5) snprintf(buf, (size_t)n, "%+.0f", v);
    else snprintf(buf, (size_t)n, "%+.0e", v);
}

void tui_draw_world(App *a, TuiCanvas *c, TuiRect r) {
    EpView v;
    const Episode *ep = app_shown(a, &v);
    for (int i = 0; i < SCM_MAX_VARS; i++) a->node_y[i] = -1;
    if (!ep) {
        tui_text(c, r.y + 1, r.x + 1, "no world: r draws one, : builds one in Lua", TR_DIM, r.w - 2);
        return;
    }
    const Scm *g = &ep->world;
    int n = g->n;
    int hide = a->hidden && !a->revealed;
    /* values: the last observation, or the expected values under the exploit */
    double val[SCM_MAX_VARS];
    int have_val = 0, inter = -1;
    double ival = 0;
    if (v.exploit_var >= 0) {
        double zero[SCM_MAX_VARS] = {0};
        ScmDo d = {v.exploit_var, v.exploit_sign * v.exploit_value};
        scm_sample_eps(g, &d, 1, zero, val);
        have_val = 1, inter = v.exploit_var, ival = d.value;
    } else if (v.n_steps > 0) {
        memcpy(val, v.steps[v.n_steps - 1].obs, sizeof val);
        have_val = 1, inter = v.steps[v.n_steps - 1].var, ival = v.steps[v.n_steps - 1].value;
    } else if (v.n_passive > 0) {
        memcpy(val, v.passive[v.n_passive - 1], sizeof val);
        have_val = 1;
    }
    if (!lesson_shows(a, LS_VALUES)) have_val = 0; /* a lesson step that asks before it shows */
    int goal = v.goal;
    if (a->lesson && goal < 0) goal = a->lesson->step[a->lstep].goal; /* a lesson says its goal at once */
    /* header */
    Err pe; /* a failed script predicate marks nothing; the live episode's draw reports it */
    int heldout = a->x.heldout.fn && exp_pred_eval(&a->x.heldout, g, &pe) > 0;
    char head[200];
    snprintf(head, sizeof head, "%s · %s%s", a->view_live ? "live" : "stream",
             a->lesson ? "the step's world" : a->view_live ? (a->world_src == 0 ? "training world" : a->world_src == 1 ? "held-out world" : "edited world")
                          : "expert's episode",
             hide ? " · structure hidden (v reveals)" : "");
    tui_text(c, r.y, r.x + 1, head, TR_DIM, r.w - 2);
    DagSpec sp;
    memset(&sp, 0, sizeof sp);
    sp.g = g;
    sp.grid = hide;
    /* presenter layout: on a big screen a lesson's DAG grows to the back of the room */
    sp.scale = a->lesson && r.w >= 100 && r.h >= 36 ? 3 : a->lesson && r.w >= 70 && r.h >= 26 ? 2 : 1;
    a->node_w = 8;
    for (int u = 0; u < n; u++) {
        char num[16];
        if (have_val) box_value(u == inter ? ival : val[u], num, sizeof num);
        else snprintf(num, sizeof num, "  · ");
        if (sp.scale > 1)
            snprintf(sp.box[u], sizeof sp.box[u], "[ %c%c %s ]", scm_name(u), u == inter ? '=' : ' ', num);
        else
            snprintf(sp.box[u], sizeof sp.box[u], "[%c%c%s]", scm_name(u), u == inter ? '=' : ' ', num);
        int role = u == inter ? TR_NODE_INTERVENED : u == goal ? TR_NODE_GOAL : TR_NODE;
        if (u == a->sel && (a->focus == P_WORLD || a->focus == P_LIVE)) role = TR_NODE_SELECTED;
        if (!((v.relevant >> u) & 1u)) role = TR_DIM;
        sp.box_role[u] = role;
        sp.star[u] = u == goal;
        for (int j = 0; j < n; j++) {
            if (!scm_has_edge(g, u, j)) continue;
            int cut = j == inter, ho = u == a->heldout_a && j == a->heldout_b;
            sp.cut[u][j] = cut;
            sp.edge_role[u][j] = cut ? TR_EDGE_CUT : ho ? TR_HELDOUT : g->w[u][j] > 0 ? TR_EDGE_POS : TR_EDGE_NEG;
        }
    }
    /* the graph's rows: when a deep graph needs them, the held-out line and then the legend go */
    DagResult res;
    int ho_row = heldout && !hide, legend = 1;
    for (int attempt = 0; attempt < 4; attempt++) {
        if (attempt == 1 && !ho_row) continue;
        if (attempt == 1) ho_row = 0;
        if (attempt == 2) legend = 0;
        if (attempt == 3) ho_row = heldout && !hide, legend = 1; /* no layers anyway: the grid, with both */
        TuiRect gr = {r.y + 1 + ho_row, r.x + 1, r.h - 1 - ho_row - legend, r.w - 2};
        tui_fill(c, (TuiRect){r.y + 1, r.x, r.h - 1, r.w}, ' ', TR_NORMAL);
        if (tui_dag_draw(c, gr, &sp, &res) == 0 && (res.layered || hide)) break;
    }
    for (int u = 0; u < n; u++) {
        a->node_x[u] = res.node_x[u], a->node_y[u] = res.node_y[u];
        if (res.node_w[u] > a->node_w) a->node_w = res.node_w[u];
    }
    if (heldout && !hide) {
        char h[120];
        snprintf(h, sizeof h, "held out: %s", a->x.heldout.desc);
        int w = tui_text_width(h);
        if (ho_row && w < r.w - 2) tui_text(c, r.y + 1, r.x + r.w - 1 - w, h, TR_HELDOUT, w);
        else tui_textf(c, r.y, r.x + r.w - 12, TR_HELDOUT, 11, "%11s", "held out!");
    }
    if (!legend) return;
    /* legend: the line styles tell the signs apart without colour */
    int ly = r.y + r.h - 1;
    int x = r.x + 1;
    if (!hide) {
        x += tui_text(c, ly, x, "──", TR_EDGE_POS, 2);
        x += tui_text(c, ly, x, " + ", TR_DIM, -1);
        x += tui_text(c, ly, x, "╌╌", TR_EDGE_NEG, 2);
        x += tui_text(c, ly, x, " − ", TR_DIM, -1);
        x += tui_text(c, ly, x, "✕", TR_EDGE_CUT, 1);
        x += tui_text(c, ly, x, " do() cut ", TR_DIM, -1);
    }
    tui_text(c, ly, x, goal >= 0 ? "★ goal" : "no goal yet", TR_NODE_GOAL, r.x + r.w - x - 1);
}

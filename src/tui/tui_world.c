/* tui_world — the World pane: the DAG drawn in topological layers (see tui_internal.h).
 *
 * Each variable is a one-line box "[C +4.5]" on the row of its layer (its longest path from a
 * root); within a layer boxes are ordered by the mean position of their parents, which keeps
 * crossings down.  Edges are drawn first, box to box, with line characters coloured by sign
 * and ending in an arrowhead; boxes are drawn over them.  A weight label goes beside the
 * middle of an edge where the cells are free. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tui/tui_internal.h"

#define BOX_W 8

/* Corner characters by the directions they join (up, down, left, right bits). */
static uint32_t join(uint32_t old, int up, int down, int left, int right) {
    /* merge with what is there, so crossing edges read as crossings */
    if (old == 0x2502 || old == 0x250A) up = down = 1;
    if (old == 0x2500 || old == 0x2504) left = right = 1;
    if (old == 0x253C) return old;
    int m = up | down << 1 | left << 2 | right << 3;
    switch (m) {
    case 1 | 2: return 0x2502;       /* │ */
    case 4 | 8: return 0x2500;       /* ─ */
    case 1 | 8: return 0x2514;       /* └ */
    case 1 | 4: return 0x2518;       /* ┘ */
    case 2 | 8: return 0x250C;       /* ┌ */
    case 2 | 4: return 0x2510;       /* ┐ */
    case 1 | 2 | 8: return 0x251C;   /* ├ */
    case 1 | 2 | 4: return 0x2524;   /* ┤ */
    case 2 | 4 | 8: return 0x252C;   /* ┬ */
    case 1 | 4 | 8: return 0x2534;   /* ┴ */
    default: return 0x253C;          /* ┼ */
    }
}

/* An edge routed down from (y0, x0) to the lane row yl, across to x1, down to y1 (the arrow). */
static void draw_edge(TuiCanvas *c, int y0, int x0, int yl, int y1, int x1, int role, int cut) {
    uint32_t v = cut ? 0x250A : 0x2502, h = cut ? 0x2504 : 0x2500;
    for (int y = y0; y < yl; y++) tui_put(c, y, x0, v, role);
    if (x0 == x1) {
        tui_put(c, yl, x0, v, role);
    } else {
        int dir = x1 > x0 ? 1 : -1;
        tui_put(c, yl, x0, cut ? h : join(tui_char_at(c, yl, x0), 1, 0, dir < 0, dir > 0), role);
        for (int x = x0 + dir; x != x1; x += dir) {
            uint32_t old = tui_char_at(c, yl, x);
            tui_put(c, yl, x, cut ? h : (old == ' ' ? h : join(old, 0, 0, 1, 1)), role);
        }
        tui_put(c, yl, x1, cut ? h : join(tui_char_at(c, yl, x1), 0, 1, dir > 0, dir < 0), role);
    }
    for (int y = yl + 1; y < y1; y++) tui_put(c, y, x1, v, role);
    if (y1 > yl) tui_put(c, y1, x1, cut ? 0x2715 /* ✕ */ : 0x25BC /* ▼ */, role);
    else tui_put(c, yl, x1, cut ? 0x2715 : 0x25BC, role);
}

void tui_draw_world(App *a, TuiCanvas *c, TuiRect r) {
    EpView v;
    const Episode *ep = app_shown(a, &v);
    for (int i = 0; i < SCM_MAX_VARS; i++) a->node_y[i] = -1;
    a->node_w = BOX_W;
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
    int goal = v.goal;
    /* header */
    int heldout = a->x.heldout.fn && exp_pred_eval(&a->x.heldout, g);
    char head[200];
    snprintf(head, sizeof head, "%s · %s%s", a->view_live ? "live" : "stream",
             a->view_live ? (a->world_src == 0 ? "training world" : a->world_src == 1 ? "held-out world" : "edited world")
                          : "expert's episode",
             hide ? " · structure hidden (v reveals)" : "");
    tui_text(c, r.y, r.x + 1, head, TR_DIM, r.w - 2);
    if (heldout) {
        char h[120];
        snprintf(h, sizeof h, "held out: %s", a->x.heldout.desc);
        int w = tui_text_width(h);
        if (w < r.w - 2) tui_text(c, r.y + 1, r.x + r.w - 1 - w, h, TR_HELDOUT, w);
    }
    TuiRect gr = {r.y + 2, r.x, r.h - 3, r.w};
    /* layers */
    int layer[SCM_MAX_VARS], nl = 1;
    for (int k = 0; k < n; k++) {
        int u = g->order[k];
        layer[u] = 0;
        if (hide) continue;
        for (int p = 0; p < n; p++)
            if (scm_has_edge(g, p, u) && layer[p] + 1 > layer[u]) layer[u] = layer[p] + 1;
        if (layer[u] + 1 > nl) nl = layer[u] + 1;
    }
    if (hide) { /* a neutral grid in name order: nothing about the structure */
        int per = (gr.w - 2) / (BOX_W + 2);
        if (per < 1) per = 1;
        for (int u = 0; u < n; u++) layer[u] = u / per;
        nl = (n + per - 1) / per;
    }
    int gap = nl > 1 ? (gr.h - nl) / (nl - 1) : 0;
    if (gap > 3) gap = 3;
    if (gap < 0) gap = 0;
    int used = nl + (nl - 1) * gap, y0 = gr.y + (gr.h - used) / 2;
    double pos[SCM_MAX_VARS];
    for (int L = 0; L < nl; L++) {
        int members[SCM_MAX_VARS], m = 0;
        double key[SCM_MAX_VARS];
        for (int u = 0; u < n; u++)
            if (layer[u] == L) {
                double s = 0;
                int np = 0;
                for (int p = 0; p < n && !hide; p++)
                    if (scm_has_edge(g, p, u)) s += pos[p], np++;
                key[m] = np ? s / np : u * 0.01;
                members[m++] = u;
            }
        for (int i = 1; i < m; i++) /* insertion sort by key */
            for (int j = i; j > 0 && key[j] < key[j - 1]; j--) {
                double tk = key[j];
                key[j] = key[j - 1], key[j - 1] = tk;
                int tm = members[j];
                members[j] = members[j - 1], members[j - 1] = tm;
            }
        for (int i = 0; i < m; i++) {
            int u = members[i];
            double slot = (double)gr.w / m;
            int x = gr.x + (int)(slot * i + (slot - BOX_W) / 2);
            if (x < gr.x + 1) x = gr.x + 1;
            a->node_x[u] = x;
            a->node_y[u] = y0 + L * (gap + 1);
            pos[u] = x;
        }
    }
    /* edges: out of the bottom of a box, along a lane row in the gap below it, into the top of
     * the target; edges that meet a box are spread over its width */
    if (!hide && gap > 0) {
        int nout[SCM_MAX_VARS] = {0}, nin[SCM_MAX_VARS] = {0}, kout[SCM_MAX_VARS] = {0}, kin[SCM_MAX_VARS] = {0};
        int lane_used[SCM_MAX_VARS] = {0};
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (scm_has_edge(g, i, j)) nout[i]++, nin[j]++;
        int lab_y[64], lab_x[64], lab_role[64], nlab = 0;
        double lab_w[64];
        for (int i = 0; i < n; i++)
            for (int jj = 0; jj < n; jj++) {
                /* targets left to right, so a box's edges leave in the same order */
                int j = -1;
                double best = 1e9, prev = jj ? -1e9 : -1e9;
                (void)prev;
                int rank = 0;
                for (int t = 0; t < n; t++)
                    if (scm_has_edge(g, i, t)) {
                        if (rank == jj) j = t;
                        rank++;
                    }
                (void)best;
                if (j < 0) break;
                int cut = j == inter;
                int ho = (i == a->heldout_a && j == a->heldout_b);
                int role = cut ? TR_EDGE_CUT : ho ? TR_HELDOUT : g->w[i][j] > 0 ? TR_EDGE_POS : TR_EDGE_NEG;
                int xs = a->node_x[i] + 1 + (BOX_W - 2) * (2 * kout[i] + 1) / (2 * nout[i]);
                int xt = a->node_x[j] + 1 + (BOX_W - 2) * (2 * kin[j] + 1) / (2 * nin[j]);
                kout[i]++, kin[j]++;
                int ys = a->node_y[i] + 1, yt = a->node_y[j] - 1;
                int L = layer[i];
                int yl = ys + (lane_used[L]++ % gap);
                if (yl > yt) yl = yt;
                draw_edge(c, ys, xs, yl, yt, xt, role, cut);
                if (nlab < 64) {
                    lab_y[nlab] = yl, lab_x[nlab] = (xs + xt) / 2 - 2, lab_role[nlab] = role, lab_w[nlab] = g->w[i][j];
                    if (xs == xt) lab_y[nlab] = (ys + yt) / 2, lab_x[nlab] = xs + 1;
                    nlab++;
                }
            }
        /* weights where there is room: on the lane, over the horizontal run */
        for (int k = 0; k < nlab; k++) {
            char s[16];
            snprintf(s, sizeof s, "%+.1f", lab_w[k]);
            int w = (int)strlen(s), ok = 1;
            for (int x = lab_x[k]; x < lab_x[k] + w; x++) {
                uint32_t ch = tui_char_at(c, lab_y[k], x);
                if (!(ch == ' ' || ch == 0x2500 || ch == 0x2504) || x <= gr.x || x >= gr.x + gr.w - 1) ok = 0;
            }
            if (ok) tui_text(c, lab_y[k], lab_x[k], s, lab_role[k], w);
        }
    }
    /* boxes */
    for (int u = 0; u < n; u++) {
        char s[32], num[16];
        if (have_val) snprintf(num, sizeof num, "%+.1f", u == inter ? ival : val[u]);
        else snprintf(num, sizeof num, "  · ");
        snprintf(s, sizeof s, "[%c%c%s]", scm_name(u), u == inter ? '=' : ' ', num);
        int role = u == inter ? TR_NODE_INTERVENED : u == goal ? TR_NODE_GOAL : TR_NODE;
        if (u == a->sel && (a->focus == P_WORLD || a->focus == P_LIVE)) role = TR_NODE_SELECTED;
        tui_text(c, a->node_y[u], a->node_x[u], s, role, BOX_W + 1);
        if (u == goal) tui_text(c, a->node_y[u], a->node_x[u] + tui_text_width(s), "★", TR_NODE_GOAL, 1);
        if (!((v.relevant >> u) & 1u)) tui_recolor(c, (TuiRect){a->node_y[u], a->node_x[u], 1, BOX_W}, TR_DIM);
    }
    /* legend */
    char leg[256];
    snprintf(leg, sizeof leg, "%s%s", hide ? "" : "─ + raises  ─ − lowers  ┄✕ cut by do()  ", goal >= 0 ? "★ goal" : "goal not yet revealed");
    int ly = r.y + r.h - 1;
    int x = r.x + 1;
    if (!hide) {
        x += tui_text(c, ly, x, "──", TR_EDGE_POS, 2);
        x += tui_text(c, ly, x, " + ", TR_DIM, -1);
        x += tui_text(c, ly, x, "──", TR_EDGE_NEG, 2);
        x += tui_text(c, ly, x, " − ", TR_DIM, -1);
        x += tui_text(c, ly, x, "┄✕", TR_EDGE_CUT, 2);
        x += tui_text(c, ly, x, " cut by do() ", TR_DIM, -1);
    }
    (void)leg;
    tui_text(c, ly, x, goal >= 0 ? "★ goal" : "goal not yet told", TR_NODE_GOAL, r.x + r.w - x - 1);
}

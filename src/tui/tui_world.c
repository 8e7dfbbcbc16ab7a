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

/* An edge as a path of axis-aligned segments through the points (py, px); it leaves its source
 * box downwards and ends in an arrowhead (a cross when do() cut it). */
static void draw_path(TuiCanvas *c, const int *py, const int *px, int np, int role, int cut) {
    int cy[1024], cx[1024], n = 0;
    for (int k = 0; k + 1 < np; k++) {
        int y = py[k], x = px[k];
        int dy = (py[k + 1] > y) - (py[k + 1] < y), dx = (px[k + 1] > x) - (px[k + 1] < x);
        while ((y != py[k + 1] || x != px[k + 1]) && n < 1023) {
            if (!n || cy[n - 1] != y || cx[n - 1] != x) cy[n] = y, cx[n] = x, n++;
            y += dy, x += dx;
        }
    }
    if (np > 0 && n < 1024) cy[n] = py[np - 1], cx[n] = px[np - 1], n++;
    for (int i = 0; i < n; i++) {
        int y = cy[i], x = cx[i];
        if (i == n - 1) {
            tui_put(c, y, x, cut ? 0x2715 /* ✕ */ : 0x25BC /* ▼ */, role);
            break;
        }
        int py0 = i ? cy[i - 1] : y - 1, px0 = i ? cx[i - 1] : x; /* the first cell comes from the box above */
        int up = py0 < y || cy[i + 1] < y, down = py0 > y || cy[i + 1] > y;
        int left = px0 < x || cx[i + 1] < x, right = px0 > x || cx[i + 1] > x;
        uint32_t ch, old = tui_char_at(c, y, x);
        if (old == 0x25BC || old == 0x2715) continue; /* another edge's arrowhead stays */
        if (cut) ch = (up || down) && !(left || right) ? 0x250A : (left || right) && !(up || down) ? 0x2504 : 0x2504;
        else ch = join(tui_char_at(c, y, x) == ' ' ? 0 : tui_char_at(c, y, x), up, down, left, right);
        tui_put(c, y, x, ch, role);
    }
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
    int heldout = a->x.heldout.fn && exp_pred_eval(&a->x.heldout, g), heldout_row = 0;
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
        heldout_row = 1;
    }
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
    /* the graph's rows; when a deep graph needs them all, the held-out line and the legend go */
    int compact = !hide && 2 * nl - 1 > r.h - 3;
    TuiRect gr = compact ? (TuiRect){r.y + 1, r.x, r.h - 1, r.w} : (TuiRect){r.y + 2, r.x, r.h - 3, r.w};
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
        int lane_used[SCM_MAX_VARS] = {0}, side_used = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (scm_has_edge(g, i, j)) nout[i]++, nin[j]++;
        int lab_y[64], lab_x[64], lab_role[64], nlab = 0;
        double lab_w[64];
        for (int i = 0; i < n; i++)
            for (int jj = 0; jj < n; jj++) {
                /* targets left to right, so a box's edges leave in the same order */
                int j = -1, rank = 0;
                for (int t = 0; t < n; t++)
                    if (scm_has_edge(g, i, t)) {
                        if (rank == jj) j = t;
                        rank++;
                    }
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
                /* an edge that skips layers goes around the boxes in its way, beside them */
                int blocked = 0, lo = gr.x + gr.w, hi = gr.x;
                for (int u = 0; u < n; u++)
                    if (layer[u] > layer[i] && layer[u] < layer[j]) {
                        if (a->node_x[u] < lo) lo = a->node_x[u];
                        if (a->node_x[u] + BOX_W + 1 > hi) hi = a->node_x[u] + BOX_W + 1;
                        if (xt >= a->node_x[u] - 1 && xt <= a->node_x[u] + BOX_W) blocked = 1;
                    }
                int side = -1;
                if (blocked) {
                    int right = hi + 1 + side_used, left = lo - 2 - side_used;
                    if (right < gr.x + gr.w - 1 && (right - xt <= xt - left || left <= gr.x)) side = right;
                    else if (left > gr.x) side = left;
                    if (side >= 0) side_used += 2;
                }
                int py[6], px[6], np = 0;
                py[np] = ys, px[np++] = xs;
                py[np] = yl, px[np++] = xs;
                if (side >= 0) {
                    int ye = a->node_y[j] - (gap > 1 ? 2 : 1);
                    py[np] = yl, px[np++] = side;
                    py[np] = ye, px[np++] = side;
                    py[np] = ye, px[np++] = xt;
                } else {
                    py[np] = yl, px[np++] = xt;
                }
                py[np] = yt, px[np++] = xt;
                draw_path(c, py, px, np, role, cut);
                if (nlab < 64) {
                    lab_y[nlab] = yl, lab_x[nlab] = (xs + xt) / 2 - 2, lab_role[nlab] = role, lab_w[nlab] = g->w[i][j];
                    if (side >= 0) lab_y[nlab] = (yl + a->node_y[j]) / 2, lab_x[nlab] = side > xt ? side + 1 : side - 4;
                    else if (xs == xt) lab_y[nlab] = (ys + yt) / 2, lab_x[nlab] = xs + 1;
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
    if (compact) {
        if (heldout_row) /* the held-out note moves up to the header line */
            tui_textf(c, r.y, r.x + r.w - 12, TR_HELDOUT, 11, "%11s", "held out!");
        return;
    }
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
    tui_text(c, ly, x, goal >= 0 ? "★ goal" : "goal not yet told", TR_NODE_GOAL, r.x + r.w - x - 1);
}

/* tui_dag_legacy — the World pane's DAG drawing as it was before issue 8, kept only so that
 * `dolab bench layout` can print the before/after table on exactly the same worlds and panes.
 * Not used by the TUI.  (Ordered by the parents' mean column in one downward pass, edges
 * routed one lane per source, labels only where the cells happened to be free.) */
#include <stdio.h>
#include <string.h>

#include "tui/tui_dag.h"
#include "tui/tui_theme.h"

#define BOX_W 8

static uint32_t join(uint32_t old, int up, int down, int left, int right) {
    if (old == 0x2502 || old == 0x250A) up = down = 1;
    if (old == 0x2500 || old == 0x2504) left = right = 1;
    if (old == 0x253C) return old;
    int m = up | down << 1 | left << 2 | right << 3;
    switch (m) {
    case 1 | 2: return 0x2502;
    case 4 | 8: return 0x2500;
    case 1 | 8: return 0x2514;
    case 1 | 4: return 0x2518;
    case 2 | 8: return 0x250C;
    case 2 | 4: return 0x2510;
    case 1 | 2 | 8: return 0x251C;
    case 1 | 2 | 4: return 0x2524;
    case 2 | 4 | 8: return 0x252C;
    case 1 | 4 | 8: return 0x2534;
    default: return 0x253C;
    }
}

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
            tui_put(c, y, x, cut ? 0x2715 : 0x25BC, role);
            break;
        }
        int py0 = i ? cy[i - 1] : y - 1, px0 = i ? cx[i - 1] : x;
        int up = py0 < y || cy[i + 1] < y, down = py0 > y || cy[i + 1] > y;
        int left = px0 < x || cx[i + 1] < x, right = px0 > x || cx[i + 1] > x;
        uint32_t ch, old = tui_char_at(c, y, x);
        if (old == 0x25BC || old == 0x2715) continue;
        if (cut) ch = (up || down) && !(left || right) ? 0x250A : 0x2504;
        else ch = join(old == ' ' ? 0 : old, up, down, left, right);
        tui_put(c, y, x, ch, role);
    }
}

void tui_dag_draw_legacy(TuiCanvas *c, TuiRect gr, const DagSpec *s, DagResult *out) {
    memset(out, 0, sizeof *out);
    const Scm *g = s->g;
    int n = g->n, node_x[SCM_MAX_VARS], node_y[SCM_MAX_VARS];
    int layer[SCM_MAX_VARS], nl = 1;
    for (int k = 0; k < n; k++) {
        int u = g->order[k];
        layer[u] = 0;
        for (int p = 0; p < n; p++)
            if (scm_has_edge(g, p, u) && layer[p] + 1 > layer[u]) layer[u] = layer[p] + 1;
        if (layer[u] + 1 > nl) nl = layer[u] + 1;
    }
    out->edges = scm_edge_count(g);
    int gap = nl > 1 ? (gr.h - nl) / (nl - 1) : 0;
    if (gap > 3) gap = 3;
    if (gap < 0) gap = 0;
    int used = nl + (nl - 1) * gap, y0 = gr.y + (gr.h - used) / 2;
    out->rows = used;
    double pos[SCM_MAX_VARS];
    for (int L = 0; L < nl; L++) {
        int members[SCM_MAX_VARS], m = 0;
        double key[SCM_MAX_VARS];
        for (int u = 0; u < n; u++)
            if (layer[u] == L) {
                double sum = 0;
                int np = 0;
                for (int p = 0; p < n; p++)
                    if (scm_has_edge(g, p, u)) sum += pos[p], np++;
                key[m] = np ? sum / np : u * 0.01;
                members[m++] = u;
            }
        for (int i = 1; i < m; i++)
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
            node_x[u] = x;
            node_y[u] = y0 + L * (gap + 1);
            pos[u] = x;
        }
    }
    if (gap > 0) {
        int nout[SCM_MAX_VARS] = {0}, nin[SCM_MAX_VARS] = {0}, kout[SCM_MAX_VARS] = {0}, kin[SCM_MAX_VARS] = {0};
        int lane_used[SCM_MAX_VARS] = {0}, side_used = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (scm_has_edge(g, i, j)) nout[i]++, nin[j]++;
        int lab_y[64], lab_x[64], lab_role[64], nlab = 0;
        double lab_w[64];
        for (int i = 0; i < n; i++)
            for (int jj = 0; jj < n; jj++) {
                int j = -1, rank = 0;
                for (int t = 0; t < n; t++)
                    if (scm_has_edge(g, i, t)) {
                        if (rank == jj) j = t;
                        rank++;
                    }
                if (j < 0) break;
                int cut = s->cut[i][j], role = s->edge_role[i][j];
                int xs = node_x[i] + 1 + (BOX_W - 2) * (2 * kout[i] + 1) / (2 * nout[i]);
                int xt = node_x[j] + 1 + (BOX_W - 2) * (2 * kin[j] + 1) / (2 * nin[j]);
                kout[i]++, kin[j]++;
                int ys = node_y[i] + 1, yt = node_y[j] - 1;
                int yl = ys + (lane_used[layer[i]]++ % gap);
                if (yl > yt) yl = yt;
                int blocked = 0, lo = gr.x + gr.w, hi = gr.x;
                for (int u = 0; u < n; u++)
                    if (layer[u] > layer[i] && layer[u] < layer[j]) {
                        if (node_x[u] < lo) lo = node_x[u];
                        if (node_x[u] + BOX_W + 1 > hi) hi = node_x[u] + BOX_W + 1;
                        if (xt >= node_x[u] - 1 && xt <= node_x[u] + BOX_W) blocked = 1;
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
                    int ye = node_y[j] - (gap > 1 ? 2 : 1);
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
                    if (side >= 0) lab_y[nlab] = (yl + node_y[j]) / 2, lab_x[nlab] = side > xt ? side + 1 : side - 4;
                    else if (xs == xt) lab_y[nlab] = (ys + yt) / 2, lab_x[nlab] = xs + 1;
                    nlab++;
                }
            }
        for (int k = 0; k < nlab; k++) {
            char lab[16];
            snprintf(lab, sizeof lab, "%+.1f", lab_w[k]);
            int w = (int)strlen(lab), ok = 1;
            for (int x = lab_x[k]; x < lab_x[k] + w; x++) {
                uint32_t ch = tui_char_at(c, lab_y[k], x);
                if (!(ch == ' ' || ch == 0x2500 || ch == 0x2504) || x <= gr.x || x >= gr.x + gr.w - 1) ok = 0;
            }
            if (ok) tui_text(c, lab_y[k], lab_x[k], lab, lab_role[k], w), out->on_edge++;
        }
    }
    out->missing = out->edges - out->on_edge;
    for (int u = 0; u < n; u++) {
        tui_text(c, node_y[u], node_x[u], s->box[u], s->box_role[u], BOX_W + 1);
        out->node_x[u] = node_x[u], out->node_y[u] = node_y[u], out->node_w[u] = BOX_W;
    }
    out->layered = 1;
    for (int y = gr.y; y < gr.y + gr.h; y++)
        for (int x = gr.x; x < gr.x + gr.w; x++) {
            uint32_t ch = tui_char_at(c, y, x);
            if (ch == 0x253C) out->crossings++;
            else if (ch == 0x251C || ch == 0x2524 || ch == 0x252C || ch == 0x2534) out->junctions++;
        }
}

/* tui_dag — the layered DAG drawing (see tui_dag.h). */
#include "tui/tui_dag.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui_theme.h"
#include "util/rng.h"

#define NV SCM_MAX_VARS
#define MAXE (NV * (NV - 1) / 2) /* edges of a DAG on NV variables */
#define MAXI 256                 /* boxes and dummies */
#define GAP_MAX 6                /* rows between layers on a big pane, at most */

enum { DU = 1, DD = 2, DL = 4, DR = 8 };

void tui_dag_label(double w, char *buf, int n) { snprintf(buf, (size_t)n, "%+.1f", w); }

/* ---- the layout: layers, order, columns ----------------------------------------------------- */

typedef struct Item {
    int node;  /* >= 0: a variable's box; -1: a dummy of edge `edge` */
    int edge;
    int layer, w, pos;
    double x;  /* left column */
} Item;

typedef struct Layout {
    const DagSpec *s;
    int n, ne, nl, W, H;
    int ef[MAXE], et[MAXE];
    int layer[NV];
    Item it[MAXI];
    int nit;
    int lay[NV][MAXI], cnt[NV]; /* items of each layer, by position */
    int chain[MAXE][NV], clen[MAXE]; /* items of each edge, top to bottom */
    int up[MAXI][NV], nup[MAXI], dn[MAXI][NV], ndn[MAXI];
    int outp[MAXE], inp[MAXE];  /* port columns under the source box, above the target box */
    int ly[NV];                 /* row of each layer */
    int lane[MAXE][NV];         /* lane row of edge e in the gap below layer L (-1: straight) */
} Layout;

static int add_item(Layout *L, int node, int edge, int layer, int w) {
    if (L->nit >= MAXI) return -1;
    int i = L->nit++;
    L->it[i] = (Item){node, edge, layer, w, L->cnt[layer], 0};
    L->lay[layer][L->cnt[layer]++] = i;
    return i;
}

static int crossings_between(const Layout *L, int l) {
    int a[MAXI], b[MAXI], m = 0, c = 0;
    for (int k = 0; k < L->cnt[l]; k++) {
        int i = L->lay[l][k];
        for (int d = 0; d < L->ndn[i]; d++) a[m] = L->it[i].pos, b[m++] = L->it[L->dn[i][d]].pos;
    }
    for (int p = 0; p < m; p++)
        for (int q = p + 1; q < m; q++)
            if ((a[p] - a[q]) * (b[p] - b[q]) < 0) c++;
    return c;
}

static int crossings_all(const Layout *L) {
    int c = 0;
    for (int l = 0; l + 1 < L->nl; l++) c += crossings_between(L, l);
    return c;
}

/* Reorders layer l by the mean position of each item's neighbours above (down = 1) or below. */
static void barycentre(Layout *L, int l, int down) {
    int m = L->cnt[l];
    double key[MAXI];
    int *mem = L->lay[l];
    for (int k = 0; k < m; k++) {
        int i = mem[k], nn = down ? L->nup[i] : L->ndn[i];
        const int *nb = down ? L->up[i] : L->dn[i];
        double s = 0;
        for (int d = 0; d < nn; d++) s += L->it[nb[d]].pos;
        key[k] = nn ? s / nn : L->it[i].pos;
    }
    for (int i = 1; i < m; i++) /* stable insertion sort */
        for (int j = i; j > 0 && key[j] < key[j - 1]; j--) {
            double tk = key[j];
            key[j] = key[j - 1], key[j - 1] = tk;
            int t = mem[j];
            mem[j] = mem[j - 1], mem[j - 1] = t;
        }
    for (int k = 0; k < m; k++) L->it[mem[k]].pos = k;
}

static void save_order(const Layout *L, int out[NV][MAXI]) {
    for (int l = 0; l < L->nl; l++) memcpy(out[l], L->lay[l], sizeof(int) * (size_t)L->cnt[l]);
}

static void load_order(Layout *L, int in[NV][MAXI]) {
    for (int l = 0; l < L->nl; l++) {
        memcpy(L->lay[l], in[l], sizeof(int) * (size_t)L->cnt[l]);
        for (int k = 0; k < L->cnt[l]; k++) L->it[L->lay[l][k]].pos = k;
    }
}

static void swap_pos(Layout *L, int l, int k) {
    int *m = L->lay[l], t = m[k];
    m[k] = m[k + 1], m[k + 1] = t;
    L->it[m[k]].pos = k, L->it[m[k + 1]].pos = k + 1;
}

/* Swaps neighbours while that removes crossings; with `equal`, also swaps that keep the count
 * (a plateau move, as Graphviz's mincross does, which lets the next sweep find a better order). */
static void transpose(Layout *L, int equal) {
    for (int improved = 1, rounds = 0; improved && rounds < 4; rounds++) {
        improved = 0;
        for (int l = 0; l < L->nl; l++)
            for (int k = 0; k + 1 < L->cnt[l]; k++) {
                int before = (l > 0 ? crossings_between(L, l - 1) : 0) + (l + 1 < L->nl ? crossings_between(L, l) : 0);
                swap_pos(L, l, k);
                int after = (l > 0 ? crossings_between(L, l - 1) : 0) + (l + 1 < L->nl ? crossings_between(L, l) : 0);
                if (after < before) improved = 1;
                else if (!(equal && after == before)) swap_pos(L, l, k);
            }
    }
}

/* The order within layers: a downward barycentre pass (DAG_ORDER_PARENTS stops there); then, from
 * that start and a few shuffled ones, sweeps down and up with transposes, the order with the
 * fewest crossings kept. */
static void order(Layout *L) {
    if (L->s->order == DAG_ORDER_GIVEN && L->s->given) {
        const DagGiven *gv = L->s->given;
        for (int l = 0; l < L->nl; l++) {
            int m = L->cnt[l], *mem = L->lay[l];
            double key[MAXI];
            for (int k = 0; k < m; k++) {
                const Item *t = &L->it[mem[k]];
                key[k] = t->node >= 0 ? gv->x[t->node] : gv->ex[L->ef[t->edge]][L->et[t->edge]][l];
            }
            for (int i = 1; i < m; i++)
                for (int j = i; j > 0 && key[j] < key[j - 1]; j--) {
                    double tk = key[j];
                    key[j] = key[j - 1], key[j - 1] = tk;
                    int t = mem[j];
                    mem[j] = mem[j - 1], mem[j - 1] = t;
                }
            for (int k = 0; k < m; k++) L->it[mem[k]].pos = k;
        }
        return;
    }
    for (int l = 1; l < L->nl; l++) barycentre(L, l, 1);
    if (L->s->order == DAG_ORDER_PARENTS) return;
    int best[NV][MAXI], start[NV][MAXI];
    int bc = crossings_all(L);
    save_order(L, best);
    save_order(L, start);
    Rng rng;
    rng_init(&rng, 1, 0);
    for (int run = 0; run < 4 && bc > 0; run++) {
        load_order(L, start);
        if (run > 0) /* shuffled starts, the same every time (deterministic) */
            for (int l = 0; l < L->nl; l++) {
                rng_shuffle(&rng, L->lay[l], L->cnt[l]);
                for (int k = 0; k < L->cnt[l]; k++) L->it[L->lay[l][k]].pos = k;
            }
        for (int it = 0; it < 6 && bc > 0; it++) {
            if (it % 2) for (int l = L->nl - 2; l >= 0; l--) barycentre(L, l, 0);
            else for (int l = 1; l < L->nl; l++) barycentre(L, l, 1);
            transpose(L, it % 3 == 2);
            int c = crossings_all(L);
            if (c < bc) bc = c, save_order(L, best);
        }
    }
    load_order(L, best);
    transpose(L, 0);
}

/* Least-squares columns for layer l: each item as close to want[] (its left column) as the
 * order and the spacing allow, inside [0, W) — pool-adjacent-violators on the shifted
 * targets, then a clamp. */
static void place(Layout *L, int l, const double *want, int sep) {
    int m = L->cnt[l];
    if (m == 0) return;
    double off[MAXI], t[MAXI], val[MAXI];
    int wt[MAXI], nb = 0;
    int start[MAXI];
    double o = 0;
    for (int k = 0; k < m; k++) {
        off[k] = o;
        t[k] = want[k] - o;
        o += L->it[L->lay[l][k]].w + sep;
    }
    double hi = L->W - (off[m - 1] + L->it[L->lay[l][m - 1]].w);
    for (int k = 0; k < m; k++) {
        val[nb] = t[k], wt[nb] = 1, start[nb] = k, nb++;
        while (nb > 1 && val[nb - 2] > val[nb - 1]) {
            val[nb - 2] = (val[nb - 2] * wt[nb - 2] + val[nb - 1] * wt[nb - 1]) / (wt[nb - 2] + wt[nb - 1]);
            wt[nb - 2] += wt[nb - 1];
            nb--;
        }
    }
    for (int b = 0; b < nb; b++)
        for (int k = start[b]; k < start[b] + wt[b]; k++) {
            double y = val[b] < 0 ? 0 : val[b] > hi ? hi : val[b];
            L->it[L->lay[l][k]].x = floor(y + 0.5) + off[k];
        }
}

static double centre(const Item *i) { return i->x + (i->w - 1) / 2.0; }

static void columns(Layout *L, int sep) {
    double want[MAXI];
    for (int l = 0; l < L->nl; l++) { /* spread evenly first */
        int m = L->cnt[l];
        for (int k = 0; k < m; k++) want[k] = (double)L->W * (2 * k + 1) / (2 * m) - L->it[L->lay[l][k]].w / 2.0;
        place(L, l, want, sep);
    }
    for (int round = 0; round < 4; round++)
        for (int dir = 0; dir < 2; dir++)
            for (int q = 1; q < L->nl; q++) {
                int l = dir == 0 ? q : L->nl - 1 - q;
                for (int k = 0; k < L->cnt[l]; k++) {
                    int i = L->lay[l][k], nn = dir == 0 ? L->nup[i] : L->ndn[i];
                    const int *nb = dir == 0 ? L->up[i] : L->dn[i];
                    double s = 0;
                    for (int d = 0; d < nn; d++) s += centre(&L->it[nb[d]]);
                    want[k] = nn ? s / nn - (L->it[i].w - 1) / 2.0 : L->it[i].x;
                }
                place(L, l, want, sep);
            }
}

/* On a wide pane, the drawing spread to about three quarters of the width (at most 3 times as
 * wide), about the middle: straight edges stay straight, runs get longer. */
static void stretch(Layout *L) {
    double lo = 1e9, hi = -1e9;
    for (int i = 0; i < L->nit; i++) {
        if (L->it[i].x < lo) lo = L->it[i].x;
        if (L->it[i].x + L->it[i].w > hi) hi = L->it[i].x + L->it[i].w;
    }
    double span = hi - lo, f = span > 0 ? 0.75 * L->W / span : 1;
    if (f > 3) f = 3;
    if (f <= 1.05) return;
    for (int i = 0; i < L->nit; i++) {
        Item *t = &L->it[i];
        double c = L->W / 2.0 + (centre(t) - (lo + hi) / 2.0) * f;
        t->x = floor(c - (t->w - 1) / 2.0 + 0.5);
        if (t->x < 0) t->x = 0;
        if (t->x + t->w > L->W) t->x = L->W - t->w;
    }
}

/* Port columns: where each edge leaves the bottom of its source box and enters the top of its
 * target, spread over the box in the order of the other ends, each as close above or below its
 * other end as the box allows (two rounds, so box-to-box edges agree on a column). */
static void ports(Layout *L) {
    for (int e = 0; e < L->ne; e++) {
        L->outp[e] = (int)centre(&L->it[L->chain[e][0]]);
        L->inp[e] = (int)centre(&L->it[L->chain[e][L->clen[e] - 1]]);
    }
    for (int round = 0; round < 2; round++)
        for (int side = 0; side < 2; side++) /* 0: out-ports of each box, 1: in-ports */
            for (int u = 0; u < L->n; u++) {
                int es[NV], m = 0;
                double key[NV];
                for (int e = 0; e < L->ne && m < NV; e++) {
                    if ((side == 0 ? L->ef[e] : L->et[e]) != u) continue;
                    const Item *o = &L->it[side == 0 ? L->chain[e][1] : L->chain[e][L->clen[e] - 2]];
                    es[m] = e, key[m++] = o->node < 0 ? o->x : side == 0 ? L->inp[e] : L->outp[e];
                }
                for (int i = 1; i < m; i++)
                    for (int j = i; j > 0 && key[j] < key[j - 1]; j--) {
                        double tk = key[j];
                        key[j] = key[j - 1], key[j - 1] = tk;
                        int t = es[j];
                        es[j] = es[j - 1], es[j - 1] = t;
                    }
                if (!m) continue;
                const Item *b = &L->it[L->chain[es[0]][side == 0 ? 0 : L->clen[es[0]] - 1]];
                int lo = (int)b->x + 1, hi = (int)b->x + b->w - 2;
                if (hi < lo) hi = lo;
                int gap = (m - 1) * 2 <= hi - lo ? 2 : 1, p[NV];
                for (int i = 0; i < m; i++) {
                    int want = (int)floor(key[i] + 0.5);
                    p[i] = want < lo ? lo : want > hi ? hi : want;
                    if (i && p[i] < p[i - 1] + gap) p[i] = p[i - 1] + gap;
                }
                for (int i = m - 1; i >= 0; i--) {
                    int cap = i == m - 1 ? hi : p[i + 1] - gap;
                    if (p[i] > cap) p[i] = cap;
                    if (p[i] < lo) p[i] = lo;
                }
                for (int i = 0; i < m; i++) (side == 0 ? L->outp : L->inp)[es[i]] = p[i];
            }
}

/* Top and bottom column of edge e's segment in the gap below layer l (k: index in its chain). */
static void seg_cols(const Layout *L, int e, int k, int *xa, int *xb) {
    *xa = k == 0 ? L->outp[e] : (int)L->it[L->chain[e][k]].x;
    *xb = k + 1 == L->clen[e] - 1 ? L->inp[e] : (int)L->it[L->chain[e][k + 1]].x;
}

/* Is column x the top (bottom) column of a segment other than edge `but`'s in the gap below l? */
static int col_used(const Layout *L, int l, int x, int but, int bottom) {
    for (int e = 0; e < L->ne; e++)
        for (int k = 0; k + 1 < L->clen[e]; k++)
            if (e != but && L->it[L->chain[e][k]].layer == l) {
                int a, b;
                seg_cols(L, e, k, &a, &b);
                if ((bottom ? b : a) == x) return 1;
            }
    return 0;
}

/* Where one edge comes down the column another leaves by, in the same gap, the two would run
 * together: the lower end (an in-port, or a dummy's column) moves to a free column nearby. */
static void nudge(Layout *L) {
    for (int l = 0; l + 1 < L->nl; l++)
        for (int e = 0; e < L->ne; e++)
            for (int k = 0; k + 1 < L->clen[e]; k++) {
                if (L->it[L->chain[e][k]].layer != l) continue;
                int xa, xb;
                seg_cols(L, e, k, &xa, &xb);
                if (!col_used(L, l, xb, e, 0)) continue;
                Item *t = &L->it[L->chain[e][k + 1]];
                int box = t->node >= 0, lo = box ? (int)t->x + 1 : 0, hi = box ? (int)t->x + t->w - 2 : L->W - 1;
                for (int d = 1; d <= (box ? t->w : 3); d++)
                    for (int sgn = -1; sgn <= 1; sgn += 2) {
                        int x = xb + sgn * d, ok = x >= lo && x <= hi;
                        ok = ok && !col_used(L, l, x, e, 0) && !col_used(L, l, x, e, 1);
                        if (ok && !box) { /* a dummy: clear of its layer's items and of the gap below */
                            for (int q = 0; ok && q < L->cnt[l + 1]; q++) {
                                const Item *o = &L->it[L->lay[l + 1][q]];
                                if (o != t && x >= o->x - 1 && x <= o->x + o->w) ok = 0;
                            }
                            ok = ok && !col_used(L, l + 1, x, e, 0) && !col_used(L, l + 1, x, e, 1);
                        }
                        if (!ok) continue;
                        if (box) L->inp[e] = x;
                        else t->x = x;
                        d = 1 << 20;
                        break;
                    }
            }
}

/* Lanes in the gap below layer l: orders the turning segments so that as few cross as can be,
 * and gives overlapping ones different lanes.  Returns the number of lanes. */
static int lanes(Layout *L, int l, int *seg_e, int *lane_of, int *nseg) {
    int m = 0, xa[MAXE], xb[MAXE];
    for (int e = 0; e < L->ne; e++)
        for (int k = 0; k + 1 < L->clen[e]; k++)
            if (L->it[L->chain[e][k]].layer == l) {
                int a, b;
                seg_cols(L, e, k, &a, &b);
                L->lane[e][l] = -1;
                if (a != b) seg_e[m] = e, xa[m] = a, xb[m] = b, m++;
            }
    *nseg = m;
    int lo[MAXE], hi[MAXE], used[MAXE] = {0}, ord[MAXE];
    for (int i = 0; i < m; i++) lo[i] = xa[i] < xb[i] ? xa[i] : xb[i], hi[i] = xa[i] < xb[i] ? xb[i] : xa[i];
    /* cost of i above j: j's upper column inside i's run, i's lower column inside j's run (a
     * crossing each), and i coming down the column j leaves by (the two would run together) */
#define ABOVE(i, j) ((xa[j] > lo[i] && xa[j] < hi[i]) + (xb[i] > lo[j] && xb[i] < hi[j]) + 100 * (xb[i] == xa[j]))
    for (int p = 0; p < m; p++) { /* greedily: the segment that costs least above all the rest */
        int best = -1, bc = 1 << 30;
        for (int i = 0; i < m; i++) {
            if (used[i]) continue;
            int c = 0;
            for (int j = 0; j < m; j++)
                if (!used[j] && j != i) c += ABOVE(i, j);
            if (c < bc) bc = c, best = i;
        }
        used[best] = 1, ord[p] = best;
    }
#undef ABOVE
    int depth = 0, ln[MAXE];
    for (int p = 0; p < m; p++) {
        int i = ord[p], v = 0;
        for (int q = 0; q < p; q++) {
            int j = ord[q];
            if (lo[i] <= hi[j] + 1 && lo[j] <= hi[i] + 1 && ln[j] + 1 > v) v = ln[j] + 1;
        }
        ln[i] = v;
        if (v + 1 > depth) depth = v + 1;
    }
    for (int i = 0; i < m; i++) lane_of[i] = ln[i];
    return depth;
}

/* ---- drawing ------------------------------------------------------------------------------- */

typedef struct Grid {
    int W, H;
    uint8_t *bits, *cnt, *arrow, *neg;
    signed char *owner, *stamp;
} Grid;

static uint32_t line_char(int b, int dashed) {
    switch (b) {
    case DU | DD: case DU: case DD: return dashed ? 0x254E : 0x2502; /* ╎ │ */
    case DL | DR: case DL: case DR: return dashed ? 0x254C : 0x2500; /* ╌ ─ */
    case DU | DR: return dashed ? 0x2570 : 0x2514;                  /* ╰ └ */
    case DU | DL: return dashed ? 0x256F : 0x2518;                  /* ╯ ┘ */
    case DD | DR: return dashed ? 0x256D : 0x250C;                  /* ╭ ┌ */
    case DD | DL: return dashed ? 0x256E : 0x2510;                  /* ╮ ┐ */
    case DU | DD | DR: return 0x251C;                               /* ├ */
    case DU | DD | DL: return 0x2524;                               /* ┤ */
    case DD | DL | DR: return 0x252C;                               /* ┬ */
    case DU | DL | DR: return 0x2534;                               /* ┴ */
    default: return 0x253C;                                         /* ┼ */
    }
}

static void mark(Grid *g, int y, int x, int bits, int e, int neg) {
    if (y < 0 || x < 0 || y >= g->H || x >= g->W) return;
    int k = y * g->W + x;
    if (g->stamp[k] != e + 1) g->stamp[k] = (signed char)(e + 1), g->cnt[k]++, g->neg[k] += (uint8_t)neg;
    g->bits[k] |= (uint8_t)bits;
    g->owner[k] = (signed char)e;
}

static void vline(Grid *g, int x, int y0, int y1, int e, int neg) {
    for (int y = y0; y <= y1; y++) mark(g, y, x, DU | DD, e, neg);
}

/* Counts what the drawing shows: ┼ crossings and ├┤┬┴ junctions. */
static void count_cells(const TuiCanvas *c, TuiRect r, DagResult *out) {
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++) {
            uint32_t ch = tui_char_at(c, y, x);
            if (ch == 0x253C) out->crossings++;
            else if (ch == 0x251C || ch == 0x2524 || ch == 0x252C || ch == 0x2534) out->junctions++;
        }
}

static int free_cell(const TuiCanvas *c, int y, int x) { return tui_char_at(c, y, x) == ' '; }

/* The boxes in a neutral grid (name order) from row 0; returns the rows used. */
static int draw_grid(TuiCanvas *c, const DagSpec *s, int W, int H, DagResult *out) {
    int n = s->g->n, bw = 0;
    for (int u = 0; u < n; u++) {
        int w = tui_text_width(s->box[u]) + (s->star[u] ? 1 : 0);
        if (w > bw) bw = w;
    }
    int per = (W + 2) / (bw + 2);
    if (per < 1) per = 1;
    int rows = (n + per - 1) / per, step = 2 * rows - 1 <= H ? 2 : 1; /* a blank row between, when there is room */
    for (int u = 0; u < n; u++) {
        int y = (u / per) * step, x = (u % per) * (bw + 2);
        tui_text(c, y, x, s->box[u], s->box_role[u], bw);
        if (s->star[u]) tui_text(c, y, x + tui_text_width(s->box[u]), "★", TR_NODE_GOAL, 1);
        out->node_x[u] = x, out->node_y[u] = y, out->node_w[u] = tui_text_width(s->box[u]);
    }
    return (rows - 1) * step + 1;
}

/* The edge list: "A→C +1.2" in columns of width cw from column x0, rows y0..H-1, for the edges
 * with want[e]; counts listed and missing. */
static void draw_list(TuiCanvas *c, const Layout *L, const int *want, int x0, int y0, int cw, DagResult *out) {
    int y = y0, x = x0, H = c->h, W = c->w;
    for (int e = 0; e < L->ne; e++) {
        if (!want[e]) continue;
        if (y >= H) y = y0, x += cw;
        if (x + cw - 1 > W) {
            out->missing++;
            continue;
        }
        char lab[16], s[40];
        tui_dag_label(L->s->g->w[L->ef[e]][L->et[e]], lab, sizeof lab);
        snprintf(s, sizeof s, "%c→%c %s", scm_name(L->ef[e]), scm_name(L->et[e]), lab);
        tui_text(c, y, x, s, L->s->edge_role[L->ef[e]][L->et[e]], cw - 1);
        out->listed++;
        y++;
    }
}

/* One attempt at width W (the canvas c is H x W, blank).  Returns 1 when the layers fit;
 * failed[e] says which labels found no room. */
static int layered(Layout *L, TuiCanvas *c, int W, int *failed, DagResult *out) {
    const DagSpec *s = L->s;
    L->W = W;
    /* spacing: as wide as the widest layer allows, between 1 and 6 (times the scale) */
    int scale = s->scale > 1 ? s->scale : 1;
    int sep = 6 * scale;
    for (int l = 0; l < L->nl; l++) {
        int sum = 0, m = L->cnt[l];
        for (int k = 0; k < m; k++) sum += L->it[L->lay[l][k]].w;
        if (sum + (m - 1) > W) return 0;
        int sp = m > 1 ? (W - sum) / (m + 1) : 6 * scale;
        if (sp < sep) sep = sp;
    }
    if (sep < 1) sep = 1;
    columns(L, sep);
    stretch(L);
    ports(L);
    nudge(L);
    /* lanes per gap, then the rows each gap gets */
    int depth[NV] = {0}, g[NV] = {0}, seg_e[NV][MAXE], lane_of[NV][MAXE], nseg[NV];
    for (int l = 0; l + 1 < L->nl; l++) depth[l] = lanes(L, l, seg_e[l], lane_of[l], &nseg[l]);
    int used = L->nl;
    for (int l = 0; l + 1 < L->nl; l++) used += g[l] = depth[l] ? 2 : 1;
    if (used > L->H) return 0;
    for (int grow = 1; grow && used < L->H;) { /* first the lanes that are needed, then room */
        grow = 0;
        for (int l = 0; l + 1 < L->nl && used < L->H; l++)
            if (g[l] < depth[l] + 1) g[l]++, used++, grow = 1;
    }
    for (int grow = 1; grow && used < L->H;) {
        grow = 0;
        for (int l = 0; l + 1 < L->nl && used < L->H; l++)
            if (g[l] < GAP_MAX * scale) g[l]++, used++, grow = 1;
    }
    out->rows = used;
    L->ly[0] = (L->H - used) / 2;
    for (int l = 0; l + 1 < L->nl; l++) L->ly[l + 1] = L->ly[l] + 1 + g[l];
    for (int l = 0; l + 1 < L->nl; l++) {
        int nl_rows = g[l] - 1; /* lane rows; the last row of the gap is for arrowheads */
        for (int i = 0; i < nseg[l]; i++) {
            int v = lane_of[l][i];
            int row = depth[l] <= nl_rows ? ((2 * v + 1) * nl_rows) / (2 * depth[l]) : (v < nl_rows - 1 ? v : nl_rows - 1);
            L->lane[seg_e[l][i]][l] = L->ly[l] + 1 + row;
        }
    }
    /* edges onto a grid of directions, then characters */
    Grid gr = {W, L->H, NULL, NULL, NULL, NULL, NULL, NULL};
    size_t cells = (size_t)W * (size_t)L->H;
    unsigned char *mem = calloc(cells, 6);
    if (!mem) return -1;
    gr.bits = mem, gr.cnt = mem + cells, gr.arrow = mem + 2 * cells, gr.neg = mem + 3 * cells;
    gr.owner = (signed char *)(mem + 4 * cells), gr.stamp = (signed char *)(mem + 5 * cells);
    for (int e = 0; e < L->ne; e++) {
        int neg = s->g->w[L->ef[e]][L->et[e]] < 0;
        for (int k = 0; k + 1 < L->clen[e]; k++) {
            int l = L->it[L->chain[e][k]].layer, xa, xb;
            seg_cols(L, e, k, &xa, &xb);
            int top = L->ly[l] + 1, bot = L->ly[l + 1] - 1, la = L->lane[e][l];
            if (k > 0) mark(&gr, L->ly[l], xa, DU | DD, e, neg); /* through a dummy's row */
            if (la < 0) vline(&gr, xa, top, bot, e, neg);
            else {
                int dir = xb > xa ? 1 : -1;
                vline(&gr, xa, top, la - 1, e, neg);
                mark(&gr, la, xa, DU | (dir > 0 ? DR : DL), e, neg);
                for (int x = xa + dir; x != xb; x += dir) mark(&gr, la, x, DL | DR, e, neg);
                mark(&gr, la, xb, DD | (dir > 0 ? DL : DR), e, neg);
                vline(&gr, xb, la + 1, bot, e, neg);
            }
            if (k + 2 == L->clen[e] && bot >= 0) {
                int ki = bot * W + xb;
                if (xb >= 0 && xb < W) gr.arrow[ki] = s->cut[L->ef[e]][L->et[e]] ? 2 : 1, gr.owner[ki] = (signed char)e;
            }
        }
    }
    for (int y = 0; y < L->H; y++)
        for (int x = 0; x < W; x++) {
            int k = y * W + x;
            if (!gr.cnt[k]) continue;
            int e = gr.owner[k], role = s->edge_role[L->ef[e]][L->et[e]];
            uint32_t ch = gr.arrow[k] ? (gr.arrow[k] == 2 ? 0x2715 : 0x25BC) : line_char(gr.bits[k], gr.neg[k] == gr.cnt[k]);
            tui_put(c, y, x, ch, role);
        }
    /* boxes */
    for (int u = 0; u < L->n; u++)
        for (int i = 0; i < L->nit; i++)
            if (L->it[i].node == u) {
                int x = (int)L->it[i].x, y = L->ly[L->it[i].layer];
                int tw = tui_text_width(s->box[u]);
                tui_text(c, y, x, s->box[u], s->box_role[u], tw);
                if (s->star[u]) tui_text(c, y, x + tw, "★", TR_NODE_GOAL, 1);
                out->node_x[u] = x, out->node_y[u] = y, out->node_w[u] = tw;
            }
    /* labels, pass 1: on the edge's longest horizontal run that no other edge shares */
    for (int e = 0; e < L->ne; e++) {
        char lab[16];
        tui_dag_label(s->g->w[L->ef[e]][L->et[e]], lab, sizeof lab);
        int lw = (int)strlen(lab), by = -1, bx = -1, blen = 0;
        failed[e] = 1;
        for (int k = 0; k + 1 < L->clen[e]; k++) {
            int l = L->it[L->chain[e][k]].layer, xa, xb, la = L->lane[e][l];
            if (la < 0) continue;
            seg_cols(L, e, k, &xa, &xb);
            int lo = (xa < xb ? xa : xb) + 1, hi = (xa < xb ? xb : xa) - 1;
            for (int x = lo; x <= hi;) {
                int x1 = x;
                while (x1 <= hi && gr.cnt[la * W + x1] == 1) x1++;
                if (x1 - x > blen) blen = x1 - x, by = la, bx = x;
                x = x1 + 1;
            }
        }
        if (blen >= lw) {
            int x = bx + (blen - lw) / 2;
            tui_text(c, by, x, lab, s->edge_role[L->ef[e]][L->et[e]], lw);
            out->lab_y[L->ef[e]][L->et[e]] = by, out->lab_x[L->ef[e]][L->et[e]] = x;
            failed[e] = 0;
        }
    }
    /* pass 2: beside a vertical run, with a blank cell after the label; the edges with the
     * fewest places first */
    for (;;) {
        int pick = -1, pick_n = 1 << 30, py = 0, px = 0;
        for (int e = 0; e < L->ne; e++) {
            if (!failed[e]) continue;
            char lab[16];
            tui_dag_label(s->g->w[L->ef[e]][L->et[e]], lab, sizeof lab);
            int lw = (int)strlen(lab), nc = 0, best = 1 << 30, cy = 0, cx = 0;
            int ymid = (L->ly[L->it[L->chain[e][0]].layer] + L->ly[L->it[L->chain[e][L->clen[e] - 1]].layer]) / 2;
            for (int y = 0; y < L->H; y++)
                for (int x = 0; x < W; x++) {
                    int k = y * W + x;
                    if (gr.cnt[k] != 1 || gr.owner[k] != e || gr.arrow[k] || gr.bits[k] != (DU | DD)) continue;
                    for (int side = 0; side < 2; side++) {
                        int x0 = side == 0 ? x + 1 : x - lw, ok = x0 >= 0 && x0 + lw <= W;
                        for (int q = x0; ok && q < x0 + lw; q++) ok = free_cell(c, y, q);
                        int after = side == 0 ? x0 + lw : x0 - 1, other = side == 0 ? x - 1 : x + 1;
                        if (ok && after >= 0 && after < W && !free_cell(c, y, after)) ok = 0;
                        if (ok && other >= 0 && other < W && gr.cnt[y * W + other]) ok = 0;
                        if (!ok) continue;
                        nc++;
                        int score = abs(y - ymid) * 2 + side;
                        if (score < best) best = score, cy = y, cx = x0;
                    }
                }
            if (nc && nc < pick_n) pick = e, pick_n = nc, py = cy, px = cx;
        }
        if (pick < 0) break;
        char lab[16];
        tui_dag_label(s->g->w[L->ef[pick]][L->et[pick]], lab, sizeof lab);
        tui_text(c, py, px, lab, s->edge_role[L->ef[pick]][L->et[pick]], -1);
        out->lab_y[L->ef[pick]][L->et[pick]] = py, out->lab_x[L->ef[pick]][L->et[pick]] = px;
        failed[pick] = 0;
    }
    free(mem);
    return 1;
}

static int build(Layout *L, const DagSpec *s, int H) {
    memset(L, 0, sizeof *L);
    L->s = s, L->n = s->g->n, L->H = H;
    const Scm *g = s->g;
    for (int i = 0; i < L->n; i++)
        for (int j = 0; j < L->n; j++)
            if (scm_has_edge(g, i, j) && L->ne < MAXE) L->ef[L->ne] = i, L->et[L->ne++] = j;
    L->nl = 1;
    for (int k = 0; k < L->n; k++) {
        int u = g->order[k];
        L->layer[u] = 0;
        for (int p = 0; p < L->n; p++)
            if (scm_has_edge(g, p, u) && L->layer[p] + 1 > L->layer[u]) L->layer[u] = L->layer[p] + 1;
        if (s->order == DAG_ORDER_GIVEN && s->given && s->given->layer[u] >= L->layer[u] && s->given->layer[u] < NV)
            L->layer[u] = s->given->layer[u]; /* a given layer, when it keeps edges pointing down */
        if (L->layer[u] + 1 > L->nl) L->nl = L->layer[u] + 1;
    }
    /* a variable with more edges out than in moves down towards its children while that
     * shortens the edges (a root joined only to a deep variable no longer spans the picture) */
    if (s->order == DAG_ORDER_SWEEP)
        for (int changed = 1, guard = 0; changed && guard < 4 * NV; guard++) {
            changed = 0;
            for (int k = L->n - 1; k >= 0; k--) {
                int u = g->order[k], in = 0, out = 0, lim = 1 << 20;
                for (int v = 0; v < L->n; v++) {
                    in += scm_has_edge(g, v, u);
                    if (scm_has_edge(g, u, v)) out++, lim = L->layer[v] - 1 < lim ? L->layer[v] - 1 : lim;
                }
                if (out > in && lim < (1 << 20) && L->layer[u] < lim) L->layer[u] = lim, changed = 1;
            }
        }
    int node_item[NV];
    for (int u = 0; u < L->n; u++)
        node_item[u] = add_item(L, u, -1, L->layer[u], tui_text_width(s->box[u]) + (s->star[u] ? 1 : 0));
    for (int e = 0; e < L->ne; e++) {
        int a = L->ef[e], b = L->et[e];
        L->chain[e][L->clen[e]++] = node_item[a];
        for (int l = L->layer[a] + 1; l < L->layer[b]; l++) {
            int d = add_item(L, -1, e, l, 1);
            if (d < 0) return -1;
            L->chain[e][L->clen[e]++] = d;
        }
        L->chain[e][L->clen[e]++] = node_item[b];
        for (int k = 0; k + 1 < L->clen[e]; k++) {
            int p = L->chain[e][k], q = L->chain[e][k + 1];
            if (L->ndn[p] < NV) L->dn[p][L->ndn[p]++] = q;
            if (L->nup[q] < NV) L->up[q][L->nup[q]++] = p;
        }
    }
    return 0;
}

int tui_dag_draw(TuiCanvas *c, TuiRect r, const DagSpec *s, DagResult *out) {
    memset(out, 0, sizeof *out);
    for (int i = 0; i < NV; i++)
        for (int j = 0; j < NV; j++) out->lab_y[i][j] = out->lab_x[i][j] = -1;
    for (int u = 0; u < NV; u++) out->node_y[u] = -1;
    if (r.w < 1 || r.h < 1) return 0;
    Layout L;
    TuiCanvas sc = {0};
    if (tui_canvas_resize(&sc, r.w, r.h)) return -1;
    int failed[MAXE] = {0}, ok = 0, rc = 0;
    build(&L, s, r.h);
    out->edges = L.ne;
    if (!s->grid && L.ne) {
        order(&L);
        ok = layered(&L, &sc, r.w, failed, out);
        int nf = 0;
        for (int e = 0; e < L.ne; e++) nf += ok == 1 && failed[e];
        /* labels that found no room: a list at the right, and the drawing again in what is left */
        if (ok == 1 && nf) {
            char lab[16];
            int cw = 0, f2[MAXE];
            for (int e = 0; e < L.ne; e++) {
                tui_dag_label(s->g->w[L.ef[e]][L.et[e]], lab, sizeof lab);
                if ((int)strlen(lab) + 5 > cw) cw = (int)strlen(lab) + 5;
            }
            for (int cols = (nf + r.h - 1) / r.h; cols <= 3 && nf; cols++) {
                int W2 = r.w - cols * cw;
                if (W2 < 10) break;
                DagResult o2 = *out;
                for (int i = 0; i < NV; i++)
                    for (int j = 0; j < NV; j++) o2.lab_y[i][j] = o2.lab_x[i][j] = -1;
                tui_canvas_clear(&sc);
                int ok2 = layered(&L, &sc, W2, f2, &o2), nf2 = 0;
                if (ok2 < 0) rc = -1;
                if (ok2 != 1) break;
                for (int e = 0; e < L.ne; e++) nf2 += f2[e];
                if (nf2 > cols * r.h && cols < 3) continue;
                *out = o2;
                memcpy(failed, f2, sizeof f2);
                draw_list(&sc, &L, failed, W2 + 1, 0, cw, out);
                nf = 0;
            }
            if (nf) ok = 0; /* no room for a list beside it: the grid, every edge listed */
        }
        if (ok == 1)
            for (int e = 0; e < L.ne; e++) out->on_edge += !failed[e];
        if (ok == 1 && nf) /* no room for a list either */
            for (int e = 0; e < L.ne; e++) out->missing += failed[e];
        if (ok < 0) rc = -1;
    }
    if (ok != 1 && rc == 0) { /* the grid, every edge in the list below it */
        int all[MAXE], cw = 0;
        for (int e = 0; e < L.ne; e++) {
            char lab[16];
            tui_dag_label(s->g->w[L.ef[e]][L.et[e]], lab, sizeof lab);
            all[e] = 1;
            if ((int)strlen(lab) + 5 > cw) cw = (int)strlen(lab) + 5;
        }
        int cols = cw ? (r.w + 1) / cw : 1;
        int list_rows = s->grid || !L.ne ? 0 : (L.ne + (cols > 0 ? cols : 1) - 1) / (cols > 0 ? cols : 1);
        memset(out, 0, sizeof *out);
        for (int i = 0; i < NV; i++)
            for (int j = 0; j < NV; j++) out->lab_y[i][j] = out->lab_x[i][j] = -1;
        out->edges = L.ne;
        tui_canvas_clear(&sc);
        int rows = draw_grid(&sc, s, r.w, r.h - (list_rows ? list_rows + 1 : 0), out);
        if (!s->grid) draw_list(&sc, &L, all, 0, rows + 1, cw, out);
        out->rows = rows;
    }
    out->layered = ok == 1;
    for (int y = 0; y < r.h; y++)
        for (int x = 0; x < r.w; x++) tui_put(c, r.y + y, r.x + x, sc.cells[y * sc.w + x].ch, sc.cells[y * sc.w + x].role);
    for (int u = 0; u < L.n; u++) out->node_x[u] += r.x, out->node_y[u] += r.y;
    for (int i = 0; i < NV; i++)
        for (int j = 0; j < NV; j++)
            if (out->lab_y[i][j] >= 0) out->lab_y[i][j] += r.y, out->lab_x[i][j] += r.x;
    count_cells(c, r, out);
    tui_canvas_free(&sc);
    return rc;
}

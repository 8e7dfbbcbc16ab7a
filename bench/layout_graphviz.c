/* layout_graphviz — `make bench-layout-graphviz`: the World pane's DAG drawn with Graphviz's
 * layered layout (dot: network-simplex ranks, its order within ranks) for the layers and the
 * order, and dolab's own columns, routing and labels for the rest; measured exactly as
 * `dolab bench layout` measures dolab's own orderings, over all 29,281 labelled DAGs on 5
 * variables at 80x24 and 120x36.  A benchmark outside `make test`: Graphviz (Debian's
 * libgraphviz-dev) is not a dependency of dolab, only of this program. */
#include <gvc.h>
#include <stdio.h>
#include <string.h>

#include "tui/tui_dag.h"

/* Graphviz's ranks and order for g: each variable's rank and x, each edge's x at each rank. */
static int from_dot(const Scm *s, void *ctx, DagGiven *out, Err *e) {
    GVC_t *gvc = ctx;
    memset(out, 0, sizeof *out);
    Agraph_t *g = agopen("g", Agdirected, NULL);
    if (!g) {
        err_set(e, "graphviz: agopen failed");
        return -1;
    }
    agattr(g, AGRAPH, "nodesep", "0.25");
    agattr(g, AGRAPH, "ranksep", "0.3");
    agattr(g, AGNODE, "shape", "box");
    agattr(g, AGNODE, "fixedsize", "true");
    agattr(g, AGNODE, "width", "0.8");
    agattr(g, AGNODE, "height", "0.2");
    agattr(g, AGNODE, "label", "");
    Agnode_t *nd[SCM_MAX_VARS];
    Agedge_t *ed[SCM_MAX_VARS][SCM_MAX_VARS] = {{0}};
    for (int u = 0; u < s->n; u++) {
        char name[2] = {scm_name(u), 0};
        nd[u] = agnode(g, name, 1);
    }
    for (int i = 0; i < s->n; i++)
        for (int j = 0; j < s->n; j++)
            if (scm_has_edge(s, i, j)) ed[i][j] = agedge(g, nd[i], nd[j], NULL, 1);
    if (gvLayout(gvc, g, "dot")) {
        agclose(g);
        err_set(e, "graphviz: dot layout failed");
        return -1;
    }
    double ry[SCM_MAX_VARS] = {0};
    int have[SCM_MAX_VARS] = {0};
    for (int u = 0; u < s->n; u++) {
        int r = ND_rank(nd[u]);
        if (r < 0 || r >= SCM_MAX_VARS) r = SCM_MAX_VARS - 1;
        out->layer[u] = r;
        out->x[u] = ND_coord(nd[u]).x;
        ry[r] = ND_coord(nd[u]).y, have[r] = 1;
    }
    for (int r = 1; r < SCM_MAX_VARS; r++) /* a rank with no variable: between its neighbours */
        if (!have[r] && have[r - 1]) {
            int k = r + 1;
            while (k < SCM_MAX_VARS && !have[k]) k++;
            ry[r] = k < SCM_MAX_VARS ? ry[r - 1] + (ry[k] - ry[r - 1]) / (k - r + 1) : ry[r - 1] - 40;
        }
    for (int i = 0; i < s->n; i++)
        for (int j = 0; j < s->n; j++) {
            if (!ed[i][j] || !ED_spl(ed[i][j]) || ED_spl(ed[i][j])->size < 1) continue;
            const bezier *b = &ED_spl(ed[i][j])->list[0];
            for (int l = out->layer[i] + 1; l < out->layer[j]; l++) {
                double y = ry[l], x = b->list[0].x;
                for (int k = 0; k + 1 < b->size; k++) { /* the control polygon where it crosses y */
                    pointf p = b->list[k], q = b->list[k + 1];
                    if ((p.y - y) * (q.y - y) <= 0 && p.y != q.y) {
                        x = p.x + (q.x - p.x) * (y - p.y) / (q.y - p.y);
                        break;
                    }
                }
                out->ex[i][j][l] = x;
            }
        }
    gvFreeLayout(gvc, g);
    agclose(g);
    return 0;
}

int main(void) {
    GVC_t *gvc = gvContext();
    if (!gvc) {
        fprintf(stderr, "bench-layout-graphviz: no Graphviz context\n");
        return 1;
    }
    static const int sizes[][2] = {{80, 24}, {120, 36}};
    printf("bench layout (Graphviz %s): the same worlds, regions and counts as `dolab bench layout`;\n"
           "ranks and order from dot, columns, routing and labels dolab's own.  Times are rough.\n\n",
           gvcVersion(gvc));
    printf("%-8s %-7s %-26s %9s %6s %8s %9s %6s %8s %8s %8s %8s %9s\n", "terminal", "region", "layout", "crossings",
           "worst", "crossed", "junctions", "worst", "on edge", "in list", "missing", "layered", "us/layout");
    for (int k = 0; k < 2; k++) {
        DagBench b;
        Err e;
        if (tui_dag_bench(sizes[k][0], sizes[k][1], DAG_GIVEN, from_dot, gvc, &b, &e)) {
            fprintf(stderr, "bench-layout-graphviz: %s\n", e.msg);
            return 1;
        }
        char term[16], reg[16];
        snprintf(term, sizeof term, "%dx%d", sizes[k][0], sizes[k][1]);
        snprintf(reg, sizeof reg, "%dx%d", b.region_w, b.region_h);
        printf("%-8s %-7s %-26s %9.3f %6d %7.1f%% %9.3f %6d %7.1f%% %7.1f%% %7.1f%% %7.1f%% %9.1f\n", term, reg,
               tui_dag_method_name(DAG_GIVEN), b.cross_mean, b.cross_worst, 100.0 * b.crossed / b.dags, b.junction_mean, b.junction_worst,
               100.0 * b.on_edge / b.edges, 100.0 * b.listed / b.edges, 100.0 * b.missing / b.edges,
               100.0 * b.layered / b.dags, b.us_per_layout);
    }
    gvFreeContext(gvc);
    return 0;
}

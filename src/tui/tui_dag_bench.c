/* tui_dag_bench — `dolab bench layout` (see tui_dag.h): layouts measured on what they draw. */
#include <stdlib.h>
#include <string.h>

#include "causal/dagenum.h"
#include "tui/tui_dag.h"
#include "tui/tui_internal.h"
#include "util/progress.h"
#include "util/rng.h"

const char *tui_dag_method_name(DagMethod m) {
    static const char *const names[DAG_METHODS] = {"first version", "new routing, first order", "new, own ranks+order",
                                                      "new, Graphviz ranks+order"};
    return m >= 0 && m < DAG_METHODS ? names[m] : "?";
}

int tui_dag_bench(int w, int h, DagMethod m, DagGivenFn given, void *ctx, DagBench *out, Err *e) {
    memset(out, 0, sizeof *out);
    if (m == DAG_GIVEN && !given) {
        err_set(e, "bench layout: no source of given layouts");
        return -1;
    }
    uint64_t *ids = NULL;
    size_t count = 0;
    if (dag_enumerate(5, &ids, &count, e)) return -1;
    App *a = calloc(1, sizeof *a); /* only for the pane layout of a w x h terminal */
    TuiCanvas c = {0};
    if (!a || tui_canvas_resize(&c, w, h)) {
        free(a), free(ids);
        err_set(e, "bench layout: out of memory");
        return -1;
    }
    tui_layout(a, w, h);
    TuiRect p = a->pane[P_WORLD];
    free(a);
    /* the World pane's inside less its header, held-out and legend rows (tui_world.c); the first
     * version drew over the whole inside width, the new one keeps a column free at each side */
    TuiRect r = {p.y + 3, p.x + 1, p.h - 5, p.w - 2};
    if (m != DAG_LEGACY) r.x++, r.w -= 2;
    out->region_w = r.w, out->region_h = r.h;
    double t0 = progress_now();
    for (size_t k = 0; k < count; k++) {
        Scm g;
        if (scm_from_id(&g, 5, ids[k], 1.0, 0.1, e)) break;
        Rng rng;
        rng_init(&rng, ids[k], 7);
        DagSpec s;
        memset(&s, 0, sizeof s);
        s.g = &g;
        s.order = m == DAG_NEW_PARENTS ? DAG_ORDER_PARENTS : m == DAG_GIVEN ? DAG_ORDER_GIVEN : DAG_ORDER_SWEEP;
        for (int i = 0; i < 5; i++) {
            snprintf(s.box[i], sizeof s.box[i], "[%c +0.0]", scm_name(i));
            s.box_role[i] = TR_NODE;
            for (int j = 0; j < 5; j++)
                if (scm_has_edge(&g, i, j)) {
                    double wgt = rng_range(&rng, 0.5, 1.5) * (rng_below(&rng, 2) ? 1 : -1);
                    scm_add_edge(&g, i, j, wgt, e);
                    s.edge_role[i][j] = wgt > 0 ? TR_EDGE_POS : TR_EDGE_NEG;
                }
        }
        DagGiven gv;
        if (m == DAG_GIVEN) {
            if (given(&g, ctx, &gv, e)) break;
            s.given = &gv;
        }
        tui_fill(&c, r, ' ', 0);
        DagResult res;
        if (m == DAG_LEGACY) tui_dag_draw_legacy(&c, r, &s, &res);
        else if (tui_dag_draw(&c, r, &s, &res)) {
            err_set(e, "bench layout: out of memory");
            break;
        }
        out->dags++;
        out->edges += res.edges;
        out->cross_mean += res.crossings, out->junction_mean += res.junctions;
        out->crossed += res.crossings > 0;
        if (res.crossings > out->cross_worst) out->cross_worst = res.crossings;
        if (res.junctions > out->junction_worst) out->junction_worst = res.junctions;
        out->on_edge += res.on_edge, out->listed += res.listed, out->missing += res.missing;
        out->layered += res.layered;
    }
    double dt = progress_now() - t0;
    free(ids);
    tui_canvas_free(&c);
    if (out->dags < (long)count) return -1;
    out->cross_mean /= (double)out->dags, out->junction_mean /= (double)out->dags;
    out->us_per_layout = dt * 1e6 / (double)out->dags;
    return 0;
}

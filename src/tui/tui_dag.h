/* tui_dag — a causal world's DAG drawn in layers on a TuiCanvas, every edge's weight legible.
 *
 * The World pane (tui_world.c) and `dolab bench layout` both draw through tui_dag_draw, so the
 * bench measures exactly what a person sees.  The drawing (docs/tui.md, "World"):
 *
 *   - a variable's layer is its longest path from a root; an edge that skips layers passes
 *     through a column of its own in each layer between (a "dummy" in Sugiyama's terms);
 *   - the order within each layer: barycentre sweeps down and up with an adjacent-swap
 *     (transpose) pass, keeping the order with the fewest crossings (DAG_ORDER_SWEEP), or the
 *     single downward pass by the parents' mean position of the first version (DAG_ORDER_PARENTS);
 *   - columns: each box or dummy is pulled towards the mean column of its neighbours (an exact
 *     least-squares placement under the minimum spacing), so most edges run straight down;
 *   - an edge leaves the bottom of its source box, turns at most twice per layer gap (its own
 *     lane row in that gap, lanes ordered to avoid crossings) and ends in ▼ above its target
 *     (✕ when do() cut it).  Positive edges are solid (─ │ ┌), negative ones dashed with round
 *     corners (╌ ╎ ╭), so the sign reads without colour;
 *   - each weight label ("+1.2", "-0.8") goes on its edge's horizontal run, else beside one of
 *     its vertical runs; an edge whose label finds no room is listed beside the drawing
 *     ("A→C +1.2"); when the layers do not fit the pane, or the list does not fit beside them,
 *     the boxes go in a grid and every edge is listed, so no weight is ever left out.
 *
 * tui_dag_draw_legacy is the drawing before issue 8, kept only so the bench can print the
 * before/after table.  Nothing here allocates beyond the call. */
#ifndef DOLAB_TUI_DAG_H
#define DOLAB_TUI_DAG_H

#include "causal/scm.h"
#include "tui/tui_canvas.h"
#include "util/err.h"

typedef enum DagOrder { DAG_ORDER_SWEEP, DAG_ORDER_PARENTS, DAG_ORDER_GIVEN } DagOrder;

/* Layers and order from elsewhere (DAG_ORDER_GIVEN: bench/layout_graphviz.c feeds Graphviz's):
 * each variable's layer (an edge must go to a later layer), and keys that order the items of
 * a layer: a variable's x, and edge i -> j's x where it crosses layer l. */
typedef struct DagGiven {
    int layer[SCM_MAX_VARS];
    double x[SCM_MAX_VARS];
    double ex[SCM_MAX_VARS][SCM_MAX_VARS][SCM_MAX_VARS];
} DagGiven;

typedef struct DagSpec {
    const Scm *g;
    char box[SCM_MAX_VARS][24];             /* each variable's box text, e.g. "[C=+5.0]" */
    int box_role[SCM_MAX_VARS];
    int star[SCM_MAX_VARS];                 /* a ★ after the box (the goal) */
    int edge_role[SCM_MAX_VARS][SCM_MAX_VARS]; /* colour role of edge i -> j */
    int cut[SCM_MAX_VARS][SCM_MAX_VARS];    /* the edge ends in ✕ (do() cut it) */
    int grid;                               /* boxes in a neutral grid, no edges (hidden mode) */
    DagOrder order;
    const DagGiven *given;                  /* with DAG_ORDER_GIVEN */
    int scale;                              /* 0 or 1: as the panes; 2, 3: a presenter's big screen
                                               (up to scale times the rows between layers and the
                                               columns between boxes) */
} DagSpec;

typedef struct DagResult {
    int node_x[SCM_MAX_VARS], node_y[SCM_MAX_VARS], node_w[SCM_MAX_VARS]; /* where the boxes are */
    int edges;     /* edges in the graph */
    int on_edge;   /* weight drawn on (or right beside) its edge */
    int listed;    /* weight in the edge list */
    int missing;   /* weight nowhere (no room even for the list) */
    int crossings; /* ┼ cells drawn */
    int junctions; /* ├ ┤ ┬ ┴ cells drawn: edges sharing cells */
    int layered;   /* 0: the graph did not fit in layers and went to the grid + list */
    int rows;      /* rows from the top box to the bottom box */
    /* where edge i -> j's label starts (lab_y < 0: not drawn on the edge) */
    int lab_y[SCM_MAX_VARS][SCM_MAX_VARS], lab_x[SCM_MAX_VARS][SCM_MAX_VARS];
} DagResult;

/* Draws the DAG of s into r of c; the cells of r are overwritten.  Returns 0, or -1 when out
 * of memory (nothing drawn). */
int tui_dag_draw(TuiCanvas *c, TuiRect r, const DagSpec *s, DagResult *out);
/* The first version's drawing (counts filled the same way), for the bench. */
void tui_dag_draw_legacy(TuiCanvas *c, TuiRect r, const DagSpec *s, DagResult *out);
/* An edge's weight label: "%+.1f" (a sign always). */
void tui_dag_label(double w, char *buf, int n);

/* `dolab bench layout`: every labelled DAG on 5 variables (weights 0.5..1.5, random signs,
 * seeded by the structure id) drawn in the World pane's DAG region at a terminal of w x h. */
typedef enum DagMethod { DAG_LEGACY, DAG_NEW_PARENTS, DAG_NEW_SWEEP, DAG_GIVEN, DAG_METHODS } DagMethod;
typedef struct DagBench {
    int region_w, region_h; /* the DAG region the layouts get */
    long dags, edges;
    double cross_mean, junction_mean;
    int cross_worst, junction_worst;
    long crossed;           /* DAGs drawn with at least one crossing */
    long on_edge, listed, missing, layered;
    double us_per_layout;
} DagBench;
const char *tui_dag_method_name(DagMethod m);
/* DAG_GIVEN asks given(g, ctx, out) for each world's layers and order (0, or -1 with e set). */
typedef int (*DagGivenFn)(const Scm *g, void *ctx, DagGiven *out, Err *e);
int tui_dag_bench(int w, int h, DagMethod m, DagGivenFn given, void *ctx, DagBench *out, Err *e);

#endif

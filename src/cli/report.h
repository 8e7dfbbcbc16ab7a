/* report — the statistics of dolab report (cli/cmd_report.c): runs of a notebook grouped into
 * arms (the experiment's name plus the run's sweep settings, and "quick" when quick and full runs
 * are reported together), and per arm x evaluation set x row, the values over the runs' seeds:
 *   - report_add_run adds a run: its strategies' mean rewards, and as rows of their own the
 *     model's agreement shares ("agree:expert") and what its explanations named ("says:expert",
 *     "says:followed");
 *   - report_compute: per cell the mean over seeds with a 95% percentile bootstrap CI over seeds,
 *     a hierarchical one (seeds, then episodes within a seed: stats_bootstrap_hier) and the
 *     interquartile mean; paired differences of each arm's model against the first arm's on the
 *     seeds both have;
 *   - the outputs (report_out.c: text, Markdown, CSV, JSON) and the plots (report_plot.c).
 *
 * Ownership: a Report is zeroed by the caller and freed with report_free; it borrows the
 * notebook's strings and curves (keep the notebook open while the report lives). */
#ifndef DOLAB_CLI_REPORT_H
#define DOLAB_CLI_REPORT_H

#include <cJSON.h>
#include <stdint.h>

#include "notebook/nb_entry.h"
#include "util/err.h"
#include "util/stats.h"
#include "util/strbuf.h"

#define REPORT_RESAMPLES 10000
#define REPORT_BOOT_SEED 20231 /* fixed: the same notebook gives the same report */
#define REPORT_CURVE_MAX 4096

typedef struct Cell {
    int arm;
    const char *set, *strat;
    int first_strat; /* the set's first strategy (the model) */
    int n, cap;
    double *mean, *sd;
    int *episodes;
    uint64_t *seed;
    /* results */
    StatCI boot, hier;
    double iqm;
} Cell;

typedef struct Arm {
    char key[600];
    char label[300];
    const char *experiment;
    const cJSON *settings;
    int quick;
    int n_runs;
    const cJSON **curves; /* one per run */
    uint64_t *seeds;
} Arm;

typedef struct Paired {
    int arm, vs;
    const char *set, *strat;
    int n;
    double *d;
    StatCI ci;
    double iqm;
} Paired;

typedef struct Report {
    Arm *arms;
    int n_arms;
    Cell *cells;
    int n_cells;
    Paired *pairs;
    int n_pairs;
    int n_runs, n_quick;
    char **names; /* interned row labels ("agree:expert") */
    int n_names;
    int oom;
    double threshold; /* steps to a dev reward of at least this, per seed */
} Report;

/* Adds one evaluated run.  *dup_seed is set when its arm already had a run with this seed (the
 * entries are then separate samples).  Returns the arm's index, or -1 when out of memory (r->oom). */
int report_add_run(Report *r, const NbeRun *run, int mixed, int *dup_seed);
void report_compute(Report *r);
void report_free(Report *r);
/* The mean and sd across an arm's runs of curve column col at each recorded step (the steps of
 * the first run; a run without the step is left out there).  Returns the point count. */
int report_arm_curve(const Arm *a, int col, double *steps, double *mean, double *sd, int max);
/* The first recorded step at which each run's dev reward reached t (INFINITY: never) into
 * out[n_runs]; returns how many reached it, the median step into *median (INFINITY when the
 * middle seed never did) and into *with_dev how many runs have a dev curve at all. */
int report_arm_reach(const Arm *a, double t, double *out, double *median, int *with_dev);

/* report_out.c: the report as text (md 0) or Markdown (md 1), CSV, or JSON (NULL: out of memory). */
void report_put_text(SB *b, const Report *r, const char *path, const char *sweep, int md);
void report_put_csv(SB *b, const Report *r);
cJSON *report_json(const Report *r, const char *path, const char *sweep);
/* report_plot.c: learning curves and bars with CIs as gnuplot SVG and PNG in dir. */
int report_plot(const Report *r, const char *dir, Err *e);

#endif

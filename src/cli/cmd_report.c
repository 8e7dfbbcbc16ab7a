/* dolab report NOTEBOOK: statistics across seeds of the runs in a notebook (a merged sweep).
 *
 * Runs are grouped into arms: the experiment's name plus the sweep settings of the run (and
 * "quick" when quick and full runs are reported together).  Per arm x evaluation set x
 * strategy, over the runs' seeds: the mean of the per-seed mean rewards, a 95% percentile
 * bootstrap CI over seeds, a hierarchical one (seeds, then episodes within a seed:
 * stats_bootstrap_hier), the number of seeds, the between-seed sd and the interquartile mean.
 * Paired differences: each arm's first strategy (the model) minus the first arm's, on the
 * seeds both have, with a bootstrap CI over those seeds.  Learning curves: the mean and sd
 * across seeds at each recorded step, as sparklines and (--plot) gnuplot SVG and PNG. */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/nb_text.h"
#include "cli/proc.h"
#include "notebook/nb_entry.h"
#include "notebook/notebook.h"
#include "util/fileio.h"
#include "util/jsonu.h"
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

/* A row label that lives as long as the report. */
static const char *intern(Report *r, const char *s) {
    for (int i = 0; i < r->n_names; i++)
        if (!strcmp(r->names[i], s)) return r->names[i];
    char **grown = realloc(r->names, sizeof *grown * (size_t)(r->n_names + 1));
    char *copy = grown ? strdup(s) : NULL;
    if (grown) r->names = grown;
    if (!copy) {
        r->oom = 1;
        return NULL;
    }
    return r->names[r->n_names++] = copy;
}

static void *grow(void *p, int n, size_t size, int *oom) {
    if (n & (n - 1)) return p; /* capacity doubles at powers of two */
    void *q = realloc(p, size * (size_t)(n ? 2 * n : 1));
    if (!q) *oom = 1;
    return q ? q : p;
}

static int find_arm(Report *r, const NbeRun *run, int mixed) {
    char key[600], set[400] = "";
    if (run->settings) {
        char *s = cJSON_PrintUnformatted(run->settings);
        if (s) snprintf(set, sizeof set, "%s", s);
        free(s);
    }
    snprintf(key, sizeof key, "%s|%s|%d", run->experiment, set, mixed ? run->quick : 0);
    for (int i = 0; i < r->n_arms; i++)
        if (strcmp(r->arms[i].key, key) == 0) return i;
    if (r->oom) return -1;
    Arm *grown = grow(r->arms, r->n_arms, sizeof *r->arms, &r->oom);
    if (r->oom) return -1;
    r->arms = grown;
    Arm *a = &r->arms[r->n_arms];
    memset(a, 0, sizeof *a);
    snprintf(a->key, sizeof a->key, "%s", key);
    SB l = {0};
    sb_puts(&l, run->experiment);
    const cJSON *it;
    int k = 0;
    cJSON_ArrayForEach(it, run->settings) {
        sb_printf(&l, "%s%s=", k++ ? " " : " [", it->string ? it->string : "?");
        if (cJSON_IsString(it)) sb_puts(&l, it->valuestring);
        else if (cJSON_IsNumber(it)) nt_num(&l, it->valuedouble);
        else nt_json(&l, it);
    }
    if (k) sb_puts(&l, "]");
    if (mixed && run->quick) sb_puts(&l, " (quick)");
    snprintf(a->label, sizeof a->label, "%s", sb_str(&l));
    sb_free(&l);
    a->experiment = run->experiment;
    a->settings = run->settings;
    a->quick = run->quick;
    return r->n_arms++;
}

static Cell *find_cell(Report *r, int arm, const char *set, const char *strat, int first) {
    for (int i = 0; i < r->n_cells; i++)
        if (r->cells[i].arm == arm && !strcmp(r->cells[i].set, set) && !strcmp(r->cells[i].strat, strat))
            return &r->cells[i];
    Cell *grown = grow(r->cells, r->n_cells, sizeof *r->cells, &r->oom);
    if (r->oom) return NULL;
    r->cells = grown;
    Cell *c = &r->cells[r->n_cells++];
    memset(c, 0, sizeof *c);
    c->arm = arm;
    c->set = set;
    c->strat = strat;
    c->first_strat = first;
    return c;
}

static void cell_add(Report *r, Cell *c, uint64_t seed, double mean, double sd, int episodes) {
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 8;
        double *m = realloc(c->mean, sizeof *m * (size_t)cap);
        if (m) c->mean = m;
        double *s = realloc(c->sd, sizeof *s * (size_t)cap);
        if (s) c->sd = s;
        int *ep = realloc(c->episodes, sizeof *ep * (size_t)cap);
        if (ep) c->episodes = ep;
        uint64_t *sd_ = realloc(c->seed, sizeof *sd_ * (size_t)cap);
        if (sd_) c->seed = sd_;
        if (!m || !s || !ep || !sd_) {
            r->oom = 1;
            return;
        }
        c->cap = cap;
    }
    c->seed[c->n] = seed;
    c->mean[c->n] = mean;
    c->sd[c->n] = isnan(sd) ? 0.0 : sd;
    c->episodes[c->n] = episodes;
    c->n++;
}

static void report_free(Report *r) {
    for (int i = 0; i < r->n_cells; i++) {
        free(r->cells[i].mean);
        free(r->cells[i].sd);
        free(r->cells[i].episodes);
        free(r->cells[i].seed);
    }
    for (int i = 0; i < r->n_arms; i++) {
        free(r->arms[i].curves);
        free(r->arms[i].seeds);
    }
    for (int i = 0; i < r->n_pairs; i++) free(r->pairs[i].d);
    for (int i = 0; i < r->n_names; i++) free(r->names[i]);
    free(r->names);
    free(r->cells);
    free(r->arms);
    free(r->pairs);
}

static void compute(Report *r) {
    for (int i = 0; i < r->n_cells; i++) {
        Cell *c = &r->cells[i];
        c->boot = stats_bootstrap_mean(c->mean, c->n, REPORT_RESAMPLES, REPORT_BOOT_SEED);
        c->hier = stats_bootstrap_hier(c->mean, c->sd, c->episodes, c->n, REPORT_RESAMPLES, REPORT_BOOT_SEED);
        c->iqm = stats_iqm(c->mean, c->n);
    }
    /* paired: every arm's first strategy against the first arm's, on the seeds both have */
    for (int i = 0; i < r->n_cells; i++) {
        Cell *c = &r->cells[i];
        if (c->arm == 0 || !c->first_strat) continue;
        Cell *b = NULL;
        for (int k = 0; k < r->n_cells && !b; k++)
            if (r->cells[k].arm == 0 && !strcmp(r->cells[k].set, c->set) && !strcmp(r->cells[k].strat, c->strat))
                b = &r->cells[k];
        if (!b) continue;
        Paired *grown = grow(r->pairs, r->n_pairs, sizeof *r->pairs, &r->oom);
        if (r->oom) return;
        r->pairs = grown;
        Paired *p = &r->pairs[r->n_pairs];
        memset(p, 0, sizeof *p);
        p->d = malloc(sizeof *p->d * (size_t)(c->n ? c->n : 1));
        if (!p->d) {
            r->oom = 1;
            return;
        }
        r->n_pairs++;
        p->arm = c->arm;
        p->vs = 0;
        p->set = c->set;
        p->strat = c->strat;
        for (int s = 0; s < c->n; s++)
            for (int t = 0; t < b->n; t++)
                if (c->seed[s] == b->seed[t]) {
                    p->d[p->n++] = c->mean[s] - b->mean[t];
                    break;
                }
        p->ci = stats_bootstrap_mean(p->d, p->n, REPORT_RESAMPLES, REPORT_BOOT_SEED);
        p->iqm = stats_iqm(p->d, p->n);
    }
}

/* The mean and sd across an arm's runs of curve column col at each recorded step (the steps of
 * the first run; a run without the step is left out there).  Returns the point count. */
static int arm_curve(const Arm *a, int col, double *steps, double *mean, double *sd, int max) {
    if (!a->n_runs) return 0;
    int n = nbe_curve(a->curves[0], col, steps, mean, max);
    double *v = malloc(sizeof *v * (size_t)max), *st = malloc(sizeof *st * (size_t)max);
    double *acc = calloc((size_t)max * (size_t)a->n_runs, sizeof *acc);
    int *cnt = calloc((size_t)max, sizeof *cnt);
    if (!v || !st || !acc || !cnt) n = 0;
    for (int k = 0; k < a->n_runs && n; k++) {
        int m = nbe_curve(a->curves[k], col, st, v, max);
        for (int i = 0, j = 0; i < n; i++) {
            while (j < m && st[j] < steps[i]) j++;
            if (j < m && st[j] == steps[i]) acc[(size_t)i * (size_t)a->n_runs + (size_t)cnt[i]++] = v[j];
        }
    }
    for (int i = 0; i < n; i++) {
        mean[i] = stats_mean(acc + (size_t)i * (size_t)a->n_runs, cnt[i]);
        sd[i] = stats_sd(acc + (size_t)i * (size_t)a->n_runs, cnt[i]);
    }
    free(v);
    free(st);
    free(acc);
    free(cnt);
    return n;
}

/* The first recorded step at which each run's dev reward reached t (INFINITY: never) into
 * out[n_runs]; returns how many reached it, the median step into *median (INFINITY when the
 * middle seed never did) and into *with_dev how many runs have a dev curve at all. */
static int arm_reach(const Arm *a, double t, double *out, double *median, int *with_dev) {
    double st[REPORT_CURVE_MAX], v[REPORT_CURVE_MAX];
    int reached = 0, n = a->n_runs < REPORT_CURVE_MAX ? a->n_runs : REPORT_CURVE_MAX;
    *with_dev = 0;
    for (int k = 0; k < n; k++) {
        int m = nbe_curve(a->curves[k], 2, st, v, REPORT_CURVE_MAX);
        *with_dev += m > 0;
        out[k] = INFINITY;
        for (int i = 0; i < m && out[k] == INFINITY; i++)
            if (v[i] >= t) out[k] = st[i];
        reached += out[k] < INFINITY;
    }
    *median = n ? stats_median(out, n) : INFINITY;
    return reached;
}

/* ---- output ---------------------------------------------------------------------------- */

enum { FMT_TEXT, FMT_MD, FMT_CSV, FMT_JSON };

static void seeds_text(SB *b, const Arm *a) {
    for (int i = 0; i < a->n_runs; i++) sb_printf(b, "%s%llu", i ? ", " : "", (unsigned long long)a->seeds[i]);
}

static void put_step(SB *b, double step) {
    if (step < INFINITY) sb_printf(b, "%.0f", step);
    else sb_puts(b, "never");
}

/* "dev reward >= 0.95 first at step 8000, never, 6000 (seeds 1, 2, 3); median 8000; reached by 2 of 3" */
static void put_reach(SB *b, const Report *r, const Arm *arm, int md) {
    double at[REPORT_CURVE_MAX], med;
    int with_dev, reached = arm_reach(arm, r->threshold, at, &med, &with_dev);
    if (!with_dev) return;
    sb_printf(b, md ? "\ndev reward ≥ %g first at step " : "  dev >= %g first at step ", r->threshold);
    for (int k = 0; k < arm->n_runs && k < REPORT_CURVE_MAX; k++) {
        if (k) sb_puts(b, ", ");
        put_step(b, at[k]);
    }
    sb_puts(b, " (seeds ");
    seeds_text(b, arm);
    sb_puts(b, "); median ");
    put_step(b, med);
    sb_printf(b, "; reached by %d of %d\n", reached, arm->n_runs);
}

static void put_text(SB *b, const Report *r, const char *path, const char *sweep, int md) {
    if (md)
        sb_printf(b, "# Report: %s%s%s\n\n", path, sweep ? ", sweep " : "", sweep ? sweep : "");
    else
        sb_printf(b, "report: %s%s%s: %d run%s in %d arm%s%s\n", path, sweep ? ", sweep " : "", sweep ? sweep : "", r->n_runs,
                  r->n_runs == 1 ? "" : "s", r->n_arms, r->n_arms == 1 ? "" : "s",
                  r->n_quick == r->n_runs ? " (quick runs)" : r->n_quick ? " (quick and full runs, in separate arms)" : "");
    if (md && r->n_quick) sb_printf(b, "%d of the %d runs are quick runs (--quick).\n\n", r->n_quick, r->n_runs);
    double st[REPORT_CURVE_MAX], mu[REPORT_CURVE_MAX], sd[REPORT_CURVE_MAX];
    for (int a = 0; a < r->n_arms; a++) {
        const Arm *arm = &r->arms[a];
        if (md) {
            sb_printf(b, "## %s\n\n%d seed%s: ", arm->label, arm->n_runs, arm->n_runs == 1 ? "" : "s");
            seeds_text(b, arm);
            sb_puts(b, "\n\n| set | strategy | n | mean | 95% CI (seeds) | 95% CI (seeds, episodes) | sd | IQM |\n"
                       "|---|---|---:|---:|---|---|---:|---:|\n");
        } else {
            sb_printf(b, "\n%s: %d seed%s (", arm->label, arm->n_runs, arm->n_runs == 1 ? "" : "s");
            seeds_text(b, arm);
            sb_printf(b, ")\n  %-10s %-14s %3s %7s  %-17s %-17s %6s %7s\n", "set", "strategy", "n", "mean", "95% CI seeds",
                      "95% CI hier.", "sd", "IQM");
        }
        for (int i = 0; i < r->n_cells; i++) {
            const Cell *c = &r->cells[i];
            if (c->arm != a) continue;
            if (md)
                sb_printf(b, "| %s | %s | %d | %.3f | [%.3f, %.3f] | [%.3f, %.3f] | %.3f | %.3f |\n", c->set, c->strat, c->n,
                          c->boot.mean, c->boot.lo, c->boot.hi, c->hier.lo, c->hier.hi, c->boot.sd, c->iqm);
            else {
                char ci1[40], ci2[40];
                snprintf(ci1, sizeof ci1, "[%.3f, %.3f]", c->boot.lo, c->boot.hi);
                snprintf(ci2, sizeof ci2, "[%.3f, %.3f]", c->hier.lo, c->hier.hi);
                sb_puts(b, "  ");
                nt_cols(b, c->set, 10, 1);
                sb_puts(b, " ");
                nt_cols(b, c->strat, 14, 1);
                sb_printf(b, " %3d %7.3f  %-17s %-17s %6.3f %7.3f\n", c->n, c->boot.mean, ci1, ci2, c->boot.sd, c->iqm);
            }
        }
        static const char *const what[] = {NULL, "loss", "dev reward"};
        for (int col = 2; col >= 1; col--) {
            int n = arm_curve(arm, col, st, mu, sd, REPORT_CURVE_MAX);
            if (!n) continue;
            sb_printf(b, md ? "\n%s across seeds: `" : "  %-10s ", what[col]);
            nt_spark_values(b, mu, n, 40);
            sb_printf(b, md ? "` %.3f → %.3f (steps %.0f to %.0f)\n" : "  %.3f -> %.3f (mean of seeds, steps %.0f to %.0f)\n",
                      mu[0], mu[n - 1], st[0], st[n - 1]);
        }
        put_reach(b, r, arm, md);
        if (md) sb_puts(b, "\n");
    }
    if (r->n_pairs) {
        if (md)
            sb_printf(b, "## Paired differences (arm - %s, same seeds)\n\n| arm | set | strategy | n | mean | 95%% CI | IQM |\n"
                         "|---|---|---|---:|---:|---|---:|\n",
                      r->arms[0].label);
        else
            sb_printf(b, "\npaired differences on the same seeds (arm - %s):\n  %-48s %-10s %-10s %3s %7s  %-17s %7s\n",
                      r->arms[0].label, "arm", "set", "strategy", "n", "mean", "95% CI", "IQM");
        for (int i = 0; i < r->n_pairs; i++) {
            const Paired *p = &r->pairs[i];
            if (md) {
                sb_printf(b, "| %s | %s | %s | %d | %+.3f | [%+.3f, %+.3f] | %+.3f |\n", r->arms[p->arm].label, p->set,
                          p->strat, p->n, p->ci.mean, p->ci.lo, p->ci.hi, p->iqm);
                continue;
            }
            char ci[48];
            snprintf(ci, sizeof ci, "[%+.3f, %+.3f]", p->ci.lo, p->ci.hi);
            sb_puts(b, "  ");
            nt_cols(b, r->arms[p->arm].label, 48, 1);
            sb_puts(b, " ");
            nt_cols(b, p->set, 10, 1);
            sb_puts(b, " ");
            nt_cols(b, p->strat, 10, 1);
            sb_printf(b, " %3d %+7.3f  %-17s %+7.3f%s\n", p->n, p->ci.mean, ci, p->iqm,
                      p->n > 0 && (p->ci.lo > 0 || p->ci.hi < 0) ? " *" : "");
        }
    }
    if (!md)
        sb_puts(b, "\nmean: of the seeds' mean normalised rewards; 95% CI seeds: percentile bootstrap over seeds;\n"
                   "hier.: seeds, then episodes within a seed; sd: between seeds; IQM: interquartile mean of the\n"
                   "seeds; * the paired CI excludes 0; agree:X rows: on the episodes where the reference\n"
                   "strategies would choose differently, the share on which the model's exploit matched X's choice\n"
                   "on the model's own exploration.  docs/sweeps.md explains each.\n");
}

static void put_csv(SB *b, const Report *r) {
    sb_puts(b, "kind,arm,vs,set,strategy,n,mean,ci_lo,ci_hi,hier_lo,hier_hi,sd,iqm,quick\n");
    for (int i = 0; i < r->n_cells; i++) {
        const Cell *c = &r->cells[i];
        sb_puts(b, "arm,");
        nt_csv_field(b, r->arms[c->arm].label);
        sb_puts(b, ",,");
        nt_csv_field(b, c->set);
        sb_puts(b, ",");
        nt_csv_field(b, c->strat);
        sb_printf(b, ",%d,", c->n);
        double v[] = {c->boot.mean, c->boot.lo, c->boot.hi, c->hier.lo, c->hier.hi, c->boot.sd, c->iqm};
        for (int k = 0; k < 7; k++) {
            nt_exact(b, v[k]);
            sb_puts(b, ",");
        }
        sb_printf(b, "%d\n", r->arms[c->arm].quick);
    }
    for (int i = 0; i < r->n_pairs; i++) {
        const Paired *p = &r->pairs[i];
        sb_puts(b, "paired,");
        nt_csv_field(b, r->arms[p->arm].label);
        sb_puts(b, ",");
        nt_csv_field(b, r->arms[p->vs].label);
        sb_puts(b, ",");
        nt_csv_field(b, p->set);
        sb_puts(b, ",");
        nt_csv_field(b, p->strat);
        sb_printf(b, ",%d,", p->n);
        nt_exact(b, p->ci.mean);
        sb_puts(b, ",");
        nt_exact(b, p->ci.lo);
        sb_puts(b, ",");
        nt_exact(b, p->ci.hi);
        sb_puts(b, ",,,");
        nt_exact(b, p->ci.sd);
        sb_puts(b, ",");
        nt_exact(b, p->iqm);
        sb_printf(b, ",%d\n", r->arms[p->arm].quick);
    }
}

static cJSON *num_array(const double *v, int n) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++) cJSON_AddItemToArray(a, ju_num(v[i]));
    return a;
}

static cJSON *ci_json(double lo, double hi) {
    double v[2] = {lo, hi};
    return num_array(v, 2);
}

static cJSON *report_json(const Report *r, const char *path, const char *sweep) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "format", "dolab-report");
    cJSON_AddNumberToObject(o, "version", 1);
    cJSON_AddStringToObject(o, "notebook", path);
    if (sweep) cJSON_AddStringToObject(o, "sweep", sweep);
    cJSON_AddNumberToObject(o, "runs", r->n_runs);
    cJSON_AddNumberToObject(o, "quick_runs", r->n_quick);
    cJSON_AddNumberToObject(o, "resamples", REPORT_RESAMPLES);
    cJSON *arms = cJSON_AddArrayToObject(o, "arms");
    double st[REPORT_CURVE_MAX], mu[REPORT_CURVE_MAX], sd[REPORT_CURVE_MAX];
    for (int a = 0; a < r->n_arms; a++) {
        const Arm *arm = &r->arms[a];
        cJSON *ao = cJSON_CreateObject();
        cJSON_AddStringToObject(ao, "arm", arm->label);
        cJSON_AddStringToObject(ao, "experiment", arm->experiment);
        cJSON_AddItemToObject(ao, "settings", arm->settings ? cJSON_Duplicate(arm->settings, 1) : cJSON_CreateObject());
        cJSON_AddBoolToObject(ao, "quick", arm->quick);
        cJSON *seeds = cJSON_AddArrayToObject(ao, "seeds");
        for (int i = 0; i < arm->n_runs; i++) cJSON_AddItemToArray(seeds, ju_u64(arm->seeds[i]));
        cJSON *cells = cJSON_AddArrayToObject(ao, "cells");
        for (int i = 0; i < r->n_cells; i++) {
            const Cell *c = &r->cells[i];
            if (c->arm != a) continue;
            cJSON *co = cJSON_CreateObject();
            cJSON_AddStringToObject(co, "set", c->set);
            cJSON_AddStringToObject(co, "strategy", c->strat);
            cJSON_AddNumberToObject(co, "n", c->n);
            cJSON *cs = cJSON_AddArrayToObject(co, "seeds");
            for (int k = 0; k < c->n; k++) cJSON_AddItemToArray(cs, ju_u64(c->seed[k]));
            cJSON_AddItemToObject(co, "values", num_array(c->mean, c->n));
            ju_add_num(co, "mean", c->boot.mean);
            cJSON_AddItemToObject(co, "ci95", ci_json(c->boot.lo, c->boot.hi));
            cJSON_AddItemToObject(co, "ci95_hier", ci_json(c->hier.lo, c->hier.hi));
            ju_add_num(co, "sd", c->boot.sd);
            ju_add_num(co, "iqm", c->iqm);
            cJSON_AddItemToArray(cells, co);
        }
        cJSON *cv = cJSON_AddObjectToObject(ao, "curves");
        static const char *const names[] = {NULL, "loss", "dev_reward"};
        for (int col = 1; col <= 2; col++) {
            int n = arm_curve(arm, col, st, mu, sd, REPORT_CURVE_MAX);
            cJSON *k = cJSON_AddObjectToObject(cv, names[col]);
            cJSON_AddItemToObject(k, "step", num_array(st, n));
            cJSON_AddItemToObject(k, "mean", num_array(mu, n));
            cJSON_AddItemToObject(k, "sd", num_array(sd, n));
        }
        double at[REPORT_CURVE_MAX], med;
        int with_dev, reached = arm_reach(arm, r->threshold, at, &med, &with_dev);
        cJSON *ro = cJSON_AddObjectToObject(ao, "dev_reward_reached");
        cJSON_AddNumberToObject(ro, "threshold", r->threshold);
        cJSON *ra = cJSON_AddArrayToObject(ro, "first_step");
        for (int k = 0; k < arm->n_runs && k < REPORT_CURVE_MAX; k++)
            cJSON_AddItemToArray(ra, at[k] < INFINITY ? cJSON_CreateNumber(at[k]) : cJSON_CreateNull());
        if (med < INFINITY) cJSON_AddNumberToObject(ro, "median", med);
        else cJSON_AddNullToObject(ro, "median");
        cJSON_AddNumberToObject(ro, "reached", reached);
        cJSON_AddItemToArray(arms, ao);
    }
    cJSON *pairs = cJSON_AddArrayToObject(o, "paired");
    for (int i = 0; i < r->n_pairs; i++) {
        const Paired *p = &r->pairs[i];
        cJSON *po = cJSON_CreateObject();
        cJSON_AddStringToObject(po, "arm", r->arms[p->arm].label);
        cJSON_AddStringToObject(po, "vs", r->arms[p->vs].label);
        cJSON_AddStringToObject(po, "set", p->set);
        cJSON_AddStringToObject(po, "strategy", p->strat);
        cJSON_AddNumberToObject(po, "n", p->n);
        cJSON_AddItemToObject(po, "differences", num_array(p->d, p->n));
        ju_add_num(po, "mean", p->ci.mean);
        cJSON_AddItemToObject(po, "ci95", ci_json(p->ci.lo, p->ci.hi));
        ju_add_num(po, "iqm", p->iqm);
        cJSON_AddItemToArray(pairs, po);
    }
    return o;
}

/* ---- plots (gnuplot) --------------------------------------------------------------------- */

static void gp_quote(SB *b, const char *s) {
    sb_puts(b, "'");
    for (const char *p = s; *p; p++) sb_puts(b, *p == '\'' ? "''" : (char[]){*p, 0});
    sb_puts(b, "'");
}

static int write_file(const char *dir, const char *name, const SB *b, Err *e) {
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return fio_write_all_atomic(p, sb_str(b), b->len, e);
}

/* Data files and one gnuplot script per figure; gnuplot draws each as SVG and PNG. */
static int plot(const Report *r, const char *dir, Err *e) {
    if (mkdir(dir, 0755) && errno != EEXIST) return err_set(e, "--plot %s: cannot create the folder: %s", dir, strerror(errno));
    if (!proc_on_path("gnuplot"))
        return err_set(e, "--plot needs gnuplot (Debian's package gnuplot-nox: make deps installs it)");
    SB gp = {0}, dat = {0};
    double st[REPORT_CURVE_MAX], mu[REPORT_CURVE_MAX], sd[REPORT_CURVE_MAX];
    int rc = 0;
    static const char *const kinds[] = {NULL, "loss", "dev_reward"};
    static const char *const ylabels[] = {NULL, "training loss", "dev reward (normalised)"};
    char name[64];
    for (int col = 1; col <= 2 && !rc; col++) {
        sb_free(&gp);
        int any = 0;
        SB plots = {0};
        for (int a = 0; a < r->n_arms && !rc; a++) {
            int n = arm_curve(&r->arms[a], col, st, mu, sd, REPORT_CURVE_MAX);
            if (!n) continue;
            sb_free(&dat);
            sb_printf(&dat, "# step mean sd (across %d seeds): %s\n", r->arms[a].n_runs, r->arms[a].label);
            for (int i = 0; i < n; i++) sb_printf(&dat, "%.17g %.17g %.17g\n", st[i], mu[i], sd[i]);
            snprintf(name, sizeof name, "curve_%s_%d.dat", kinds[col], a + 1);
            rc = write_file(dir, name, &dat, e);
            sb_printf(&plots, "%s'%s' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 lc %d notitle, "
                              "'%s' using 1:2 with lines lw 2 lc %d title ",
                      any ? ", " : "", name, a + 1, name, a + 1);
            gp_quote(&plots, r->arms[a].label);
            any = 1;
        }
        if (any && !rc) {
            for (int t = 0; t < 2; t++) {
                sb_printf(&gp, "set terminal %s size 900,540 noenhanced\nset output 'learning_%s.%s'\n",
                          t ? "pngcairo" : "svg", kinds[col], t ? "png" : "svg");
                sb_printf(&gp, "set title 'learning curves: mean and ±1 sd across seeds'\nset xlabel 'step'\nset ylabel '%s'\n"
                               "set key outside bottom center horizontal\nset grid\nplot %s\n",
                          ylabels[col], sb_str(&plots));
            }
            snprintf(name, sizeof name, "learning_%s.gp", kinds[col]);
            rc = write_file(dir, name, &gp, e);
        }
        sb_free(&plots);
    }
    /* bars with CIs: per set, the strategies (rows) of every arm (clusters of bars) */
    const char *sets[64];
    int nsets = 0;
    for (int i = 0; i < r->n_cells && nsets < 64; i++) {
        int seen = 0;
        for (int k = 0; k < nsets; k++) seen |= !strcmp(sets[k], r->cells[i].set);
        if (!seen) sets[nsets++] = r->cells[i].set;
    }
    for (int s = 0; s < nsets && !rc; s++) {
        sb_free(&dat);
        sb_free(&gp);
        sb_printf(&dat, "# strategy, then mean ci_lo ci_hi for each of %d arms (95%% bootstrap over seeds); set %s\n",
                  r->n_arms, sets[s]);
        const char *strats[64];
        int nst = 0;
        for (int i = 0; i < r->n_cells && nst < 64; i++) {
            if (strcmp(r->cells[i].set, sets[s])) continue;
            int seen = 0;
            for (int k = 0; k < nst; k++) seen |= !strcmp(strats[k], r->cells[i].strat);
            if (!seen) strats[nst++] = r->cells[i].strat;
        }
        for (int k = 0; k < nst; k++) {
            sb_printf(&dat, "%s", strats[k]);
            for (int a = 0; a < r->n_arms; a++) {
                const Cell *c = NULL;
                for (int i = 0; i < r->n_cells && !c; i++)
                    if (r->cells[i].arm == a && !strcmp(r->cells[i].set, sets[s]) && !strcmp(r->cells[i].strat, strats[k]))
                        c = &r->cells[i];
                if (c) sb_printf(&dat, " %.17g %.17g %.17g", c->boot.mean, c->boot.lo, c->boot.hi);
                else sb_puts(&dat, " NaN NaN NaN");
            }
            sb_puts(&dat, "\n");
        }
        snprintf(name, sizeof name, "bars_%d.dat", s + 1);
        rc = write_file(dir, name, &dat, e);
        for (int t = 0; t < 2 && !rc; t++) {
            sb_printf(&gp, "set terminal %s size 900,540 noenhanced\nset output 'bars_%d.%s'\n", t ? "pngcairo" : "svg", s + 1,
                      t ? "png" : "svg");
            sb_puts(&gp, "set title ");
            SB title = {0};
            sb_printf(&title, "%s: mean over seeds, 95%% CI (agree:X: share of the model's exploits that X would make)", sets[s]);
            gp_quote(&gp, sb_str(&title));
            sb_free(&title);
            sb_puts(&gp, "\nset style data histogram\nset style histogram errorbars gap 1 lw 1\nset style fill solid 0.6 border -1\n"
                         "set yrange [*:1.05]\nset ylabel 'normalised reward, or agreement share'\nset key outside bottom center horizontal\n"
                         "set grid ytics\nset xtics rotate by 30 right\nplot ");
            for (int a = 0; a < r->n_arms; a++) {
                sb_printf(&gp, "%s'%s' using %d:%d:%d%s title ", a ? ", " : "", name, 2 + 3 * a, 3 + 3 * a, 4 + 3 * a,
                          a ? "" : ":xtic(1)");
                gp_quote(&gp, r->arms[a].label);
            }
            sb_puts(&gp, "\n");
        }
        char gpn[64];
        snprintf(gpn, sizeof gpn, "bars_%d.gp", s + 1);
        if (!rc) rc = write_file(dir, gpn, &gp, e);
    }
    sb_free(&gp);
    sb_free(&dat);
    if (rc) return rc;
    /* gnuplot runs in dir so the scripts' relative names work */
    static const char *const scripts[] = {"learning_loss.gp", "learning_dev_reward.gp"};
    for (int i = 0; i < 2 + nsets && !rc; i++) {
        char gpn[64], full[4200];
        if (i < 2) snprintf(gpn, sizeof gpn, "%s", scripts[i]);
        else snprintf(gpn, sizeof gpn, "bars_%d.gp", i - 1);
        snprintf(full, sizeof full, "%s/%s", dir, gpn);
        struct stat sst;
        if (stat(full, &sst)) continue;
        char *argv[] = {"gnuplot", gpn, NULL};
        int g = proc_run_in(dir, argv, NULL);
        if (g) rc = err_set(e, "--plot: gnuplot failed on %s (exit %d)", full, g);
    }
    return rc;
}

int cmd_report(int argc, char **argv) {
    const char *sweep = NULL, *plot_dir = NULL, *out = NULL;
    int format = FMT_TEXT, mixed = 0;
    double threshold = 0.95;
    ArgOpt opts[] = {
        {"--sweep", ARG_STRING, &sweep, 0, 0, NULL, "NAME", "only the runs of this sweep"},
        {"--format", ARG_CHOICE, &format, 0, 0, "text|md|csv|json", NULL, "output format (default text)"},
        {"--plot", ARG_STRING, &plot_dir, 0, 0, NULL, "DIR",
         "also draw learning curves and bars with CIs as SVG and PNG in DIR (gnuplot)"},
        {"--mixed", ARG_FLAG, &mixed, 0, 0, NULL, NULL, "report quick and full runs together (as separate arms)"},
        {"--threshold", ARG_REAL, &threshold, -1, 1, NULL, "T",
         "per seed, the first step whose dev reward reached T, and the median over seeds (default)"},
        {"-o", ARG_STRING, &out, 0, 0, NULL, "OUT", "write the report to OUT (atomically) instead of standard output"},
    };
    ArgCmd cmd = {"report", "dolab report NOTEBOOK [--sweep NAME] [--format text|md|csv|json] [--plot DIR]",
                  "Statistics across seeds of the runs in a notebook (usually a merged sweep): per arm (experiment and\n"
                  "sweep settings) x evaluation set x strategy, the mean over seeds with a 95% percentile bootstrap CI\n"
                  "over seeds and a hierarchical one (seeds, then episodes), the number of seeds, the between-seed sd\n"
                  "and the interquartile mean; each arm's model minus the first arm's on the same seeds, with a CI;\n"
                  "learning curves across seeds.  Quick and full runs are never pooled; a notebook holding both is\n"
                  "refused unless --mixed.  docs/sweeps.md explains every statistic.",
                  opts, (int)(sizeof opts / sizeof *opts), 1, 1,
                  "examples:\n  dolab report runs/explanations_confound/notebook.json\n"
                  "  dolab report notebook.json --sweep study --format md --plot docs/plots\n"};
    char *pos[1];
    int npos;
    Err e;
    int rc = args_or_exit(&cmd, argc, argv, pos, &npos);
    if (rc >= 0) return rc;
    Notebook *nb;
    if (nb_open(pos[0], &nb, &e)) {
        fprintf(stderr, "dolab report: %s\n", e.msg);
        nb_free(nb);
        return 1;
    }
    if (nb_is_new(nb)) {
        fprintf(stderr, "dolab report: %s: no such notebook\n", pos[0]);
        nb_free(nb);
        return 1;
    }
    Report r;
    memset(&r, 0, sizeof r);
    r.threshold = threshold;
    rc = 1;
    int n_full = 0;
    for (int i = 0; i < nb_count(nb); i++) {
        NbeRun run;
        const cJSON *x = nb_entry(nb, i);
        if (strcmp(nbe_type(x), "run") != 0) continue;
        if (nbe_read_run(x, &run, &e)) {
            fprintf(stderr, "dolab report: %s: %s\n", pos[0], e.msg);
            goto done;
        }
        if (sweep && (!run.sweep || strcmp(run.sweep, sweep) != 0)) continue;
        if (!run.n_sets) continue; /* not evaluated */
        r.n_runs++;
        r.n_quick += run.quick;
        n_full += !run.quick;
    }
    if (!r.n_runs) {
        fprintf(stderr, "dolab report: %s: no evaluated runs%s%s\n", pos[0], sweep ? " of sweep " : "", sweep ? sweep : "");
        goto done;
    }
    if (r.n_quick && n_full && !mixed) {
        fprintf(stderr,
                "dolab report: %s holds %d quick and %d full runs: choose a sweep with --sweep NAME, or --mixed to report "
                "them side by side\n",
                pos[0], r.n_quick, n_full);
        goto done;
    }
    for (int i = 0; i < nb_count(nb) && !r.oom; i++) {
        NbeRun run;
        const cJSON *x = nb_entry(nb, i);
        if (strcmp(nbe_type(x), "run") != 0 || nbe_read_run(x, &run, &e)) continue;
        if (sweep && (!run.sweep || strcmp(run.sweep, sweep) != 0)) continue;
        if (!run.n_sets) continue;
        int a = find_arm(&r, &run, mixed);
        if (a < 0) break;
        Arm *arm = &r.arms[a];
        for (int k = 0; k < arm->n_runs; k++)
            if (arm->seeds[k] == run.seed)
                fprintf(stderr, "dolab report: warning: %s has seed %llu twice (entries are separate samples)\n", arm->label,
                        (unsigned long long)run.seed);
        const cJSON **cv = grow(arm->curves, arm->n_runs, sizeof *cv, &r.oom);
        if (r.oom) break;
        arm->curves = cv;
        uint64_t *sd = grow(arm->seeds, arm->n_runs, sizeof *sd, &r.oom);
        if (r.oom) break;
        arm->seeds = sd;
        arm->curves[arm->n_runs] = run.curve;
        arm->seeds[arm->n_runs++] = run.seed;
        for (int s = 0; s < run.n_sets; s++)
            for (int w = 0; w < run.sets[s].n_rows; w++) {
                const NbeRow *row = &run.sets[s].rows[w];
                if (isnan(row->mean)) continue;
                Cell *c = find_cell(&r, a, run.sets[s].name, row->name, w == 0);
                if (!c) break;
                cell_add(&r, c, run.seed, row->mean, row->sd, run.sets[s].episodes);
            }
        /* agreement shares as rows of their own: "agree:expert" is the model's agreement with
         * the expert (a proportion: sd per episode sqrt(p(1-p)) for the hierarchical CI) */
        for (int s = 0; s < run.n_sets && !r.oom; s++) {
            const NbeSet *set = &run.sets[s];
            for (int k = 0; k < set->n_agree; k++) {
                char label[80];
                snprintf(label, sizeof label, "agree:%s", set->agree_name[k]);
                const char *name = intern(&r, label);
                Cell *c = name ? find_cell(&r, a, set->name, name, 0) : NULL;
                if (!c) break;
                double p = set->agree_share[k];
                cell_add(&r, c, run.seed, p, sqrt(p * (1 - p)), set->agree_episodes);
            }
            /* and what its explanation before the exploit named: "says:expert" is the share
             * naming the expert's choice, "says:followed" the share its exploit followed */
            for (int k = 0; k <= set->n_expl && set->expl_episodes > 0 && !r.oom; k++) {
                char label[80];
                snprintf(label, sizeof label, "says:%s", k < set->n_expl ? set->expl_name[k] : "followed");
                double p = k < set->n_expl ? set->expl_share[k] : set->expl_follows;
                if (isnan(p)) continue;
                const char *name = intern(&r, label);
                Cell *c = name ? find_cell(&r, a, set->name, name, 0) : NULL;
                if (!c) break;
                cell_add(&r, c, run.seed, p, sqrt(p * (1 - p)), set->expl_episodes);
            }
        }
    }
    if (!r.oom) compute(&r);
    if (r.oom) {
        fprintf(stderr, "dolab report: out of memory\n");
        goto done;
    }
    SB b = {0};
    if (format == FMT_TEXT || format == FMT_MD) put_text(&b, &r, pos[0], sweep, format == FMT_MD);
    else if (format == FMT_CSV) put_csv(&b, &r);
    else {
        cJSON *j = report_json(&r, pos[0], sweep);
        char *s = j ? cJSON_Print(j) : NULL;
        if (s) sb_printf(&b, "%s\n", s);
        else b.oom = 1;
        free(s);
        cJSON_Delete(j);
    }
    if (b.oom) {
        fprintf(stderr, "dolab report: out of memory\n");
    } else if (out) {
        rc = fio_write_all_atomic(out, sb_str(&b), b.len, &e) ? 1 : 0;
        if (rc) fprintf(stderr, "dolab report: %s\n", e.msg);
    } else {
        rc = nt_emit(&b, "report");
    }
    sb_free(&b);
    if (rc == 0 && plot_dir) {
        if (plot(&r, plot_dir, &e)) {
            fprintf(stderr, "dolab report: %s\n", e.msg);
            rc = 1;
        } else {
            fprintf(stderr, "dolab report: plots in %s (learning_*.svg/png, bars_*.svg/png)\n", plot_dir);
        }
    }
done:
    report_free(&r);
    nb_free(nb);
    return rc;
}

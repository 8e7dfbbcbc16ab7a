/* report_out — dolab report as text, Markdown, CSV and JSON (report.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/nb_text.h"
#include "cli/report.h"
#include "util/jsonu.h"

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
    int with_dev, reached = report_arm_reach(arm, r->threshold, at, &med, &with_dev);
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

void report_put_text(SB *b, const Report *r, const char *path, const char *sweep, int md) {
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
            int n = report_arm_curve(arm, col, st, mu, sd, REPORT_CURVE_MAX);
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
                   "on the model's own exploration; says:X rows (a model that writes explanations): of those\n"
                   "episodes, the share whose explanation before the exploit named X's choice (says:followed: the\n"
                   "share whose exploit was on the variable it named).  docs/sweeps.md explains each.\n");
}

void report_put_csv(SB *b, const Report *r) {
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

cJSON *report_json(const Report *r, const char *path, const char *sweep) {
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
            int n = report_arm_curve(arm, col, st, mu, sd, REPORT_CURVE_MAX);
            cJSON *k = cJSON_AddObjectToObject(cv, names[col]);
            cJSON_AddItemToObject(k, "step", num_array(st, n));
            cJSON_AddItemToObject(k, "mean", num_array(mu, n));
            cJSON_AddItemToObject(k, "sd", num_array(sd, n));
        }
        double at[REPORT_CURVE_MAX], med;
        int with_dev, reached = report_arm_reach(arm, r->threshold, at, &med, &with_dev);
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

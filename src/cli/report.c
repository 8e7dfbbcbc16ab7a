/* report — dolab report's arms, cells and statistics (report.h). */
#include "cli/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/nb_text.h"

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

/* A share over `episodes` episodes as a row of its own (label), for the hierarchical CI with the
 * sd of a proportion per episode, sqrt(p(1-p)). */
static void add_share(Report *r, int arm, const char *set, const char *label, uint64_t seed, double p, int episodes) {
    if (r->oom || isnan(p)) return;
    const char *name = intern(r, label);
    Cell *c = name ? find_cell(r, arm, set, name, 0) : NULL;
    if (c) cell_add(r, c, seed, p, sqrt(p * (1 - p)), episodes);
}

int report_add_run(Report *r, const NbeRun *run, int mixed, int *dup_seed) {
    *dup_seed = 0;
    int a = find_arm(r, run, mixed);
    if (a < 0) return -1;
    Arm *arm = &r->arms[a];
    for (int k = 0; k < arm->n_runs; k++) *dup_seed |= arm->seeds[k] == run->seed;
    const cJSON **cv = grow(arm->curves, arm->n_runs, sizeof *cv, &r->oom);
    if (r->oom) return -1;
    arm->curves = cv;
    uint64_t *sd = grow(arm->seeds, arm->n_runs, sizeof *sd, &r->oom);
    if (r->oom) return -1;
    arm->seeds = sd;
    arm->curves[arm->n_runs] = run->curve;
    arm->seeds[arm->n_runs++] = run->seed;
    for (int s = 0; s < run->n_sets; s++)
        for (int w = 0; w < run->sets[s].n_rows; w++) {
            const NbeRow *row = &run->sets[s].rows[w];
            if (isnan(row->mean)) continue;
            Cell *c = find_cell(r, a, run->sets[s].name, row->name, w == 0);
            if (!c) return -1;
            cell_add(r, c, run->seed, row->mean, row->sd, run->sets[s].episodes);
        }
    /* agreement shares as rows of their own: "agree:expert" is the model's agreement with the
     * expert; and what its explanation before the exploit named: "says:expert" the share naming
     * the expert's choice, "says:followed" the share its exploit followed */
    for (int s = 0; s < run->n_sets; s++) {
        const NbeSet *set = &run->sets[s];
        char label[80];
        for (int k = 0; k < set->n_agree; k++) {
            snprintf(label, sizeof label, "agree:%s", set->agree_name[k]);
            add_share(r, a, set->name, label, run->seed, set->agree_share[k], set->agree_episodes);
        }
        for (int k = 0; k <= set->n_expl && set->expl_episodes > 0; k++) {
            snprintf(label, sizeof label, "says:%s", k < set->n_expl ? set->expl_name[k] : "followed");
            add_share(r, a, set->name, label, run->seed, k < set->n_expl ? set->expl_share[k] : set->expl_follows,
                      set->expl_episodes);
        }
    }
    return r->oom ? -1 : a;
}

void report_free(Report *r) {
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

void report_compute(Report *r) {
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

int report_arm_curve(const Arm *a, int col, double *steps, double *mean, double *sd, int max) {
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

int report_arm_reach(const Arm *a, double t, double *out, double *median, int *with_dev) {
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


/* nb_entry — the one reader of a notebook entry's schema (docs/notebook.md).
 *
 * `dolab notebook`, `dolab export`, `dolab report`, `dolab notebook merge` and the TUI's
 * Notebook pane read entries through this module, so a field is looked up, type-checked and
 * defaulted in one place.  Two levels:
 *   - borrowed, type-checked lookups by dotted path (nbe_get, nbe_num, nbe_str): NULL or NAN
 *     when a step is missing or has another type;
 *   - a typed view of a run entry (NbeRun): title, seed, quick flag, sweep provenance, the
 *     result tables and the training curve.
 * Nothing here allocates: every pointer in a view is borrowed from the entry and valid while
 * the entry is (until the notebook's next nb_add or nb_free). */
#ifndef DOLAB_NOTEBOOK_NB_ENTRY_H
#define DOLAB_NOTEBOOK_NB_ENTRY_H

#include <cJSON.h>
#include <stdint.h>

#include "util/err.h"

#define NBE_MAX_SETS 8
#define NBE_MAX_ROWS 16

/* o["a"]["b"]... for a dotted path ("config.model.dim"); NULL when any step is missing. */
const cJSON *nbe_get(const cJSON *o, const char *path);
double nbe_num(const cJSON *o, const char *path);      /* NAN unless a number */
const char *nbe_str(const cJSON *o, const char *path); /* NULL unless a string */

long nbe_id(const cJSON *x);          /* the entry's id, -1 if it has none */
const char *nbe_type(const cJSON *x); /* "run", "note", "session", or "?" */
/* A run's title, else its experiment's name, else "(untitled)". */
const char *nbe_title(const cJSON *run);
/* 1 when the run was made with --quick (the "quick" field; older entries: a "-quick" checkpoint). */
int nbe_quick(const cJSON *run);

/* One strategy's row of an evaluation set. */
typedef struct NbeRow {
    const char *name;
    double mean, lo, hi;  /* mean normalised reward and its 95% CI over episodes (NAN: absent) */
    double sd;            /* standard deviation over episodes (NAN: not recorded) */
    double oracle_share, explored_share;
} NbeRow;

typedef struct NbeSet {
    const char *name;
    int episodes;
    int n_rows;
    NbeRow rows[NBE_MAX_ROWS];
    /* eval.sets[].agreement: on the agree_episodes where the reference strategies would choose
     * differently, the share on which the model's exploit matched each one's choice on the
     * model's own exploration (n_agree 0: not recorded). */
    int agree_episodes, n_agree;
    const char *agree_name[NBE_MAX_ROWS];
    double agree_share[NBE_MAX_ROWS];
    /* eval.sets[].explanations: in expl_episodes of those episodes the model's explanation
     * before its exploit named a variable; the share of them naming each reference's choice, and
     * the share whose exploit followed it (NAN: not recorded; n_expl 0: no such record). */
    int expl_episodes, n_expl;
    double expl_follows;
    const char *expl_name[NBE_MAX_ROWS];
    double expl_share[NBE_MAX_ROWS];
} NbeSet;

typedef struct NbeRun {
    long id;
    const char *time, *title, *uid;
    const char *experiment; /* config.name: the arm */
    uint64_t seed;
    int has_seed;
    int quick;
    const char *sweep;      /* sweep.name (NULL: not from a sweep) */
    long job;               /* sweep.job (-1: none) */
    const cJSON *settings;  /* sweep.set: {"train.steps": 100, ...} (NULL: none) */
    const cJSON *curve;     /* training.curve: [[step, loss, dev_reward|null], ...] (may be NULL) */
    int n_sets;
    NbeSet sets[NBE_MAX_SETS];
} NbeRun;

/* Reads a run entry into a view.  Returns 0, or -1 with e naming the entry and the field
 * (not a run, a malformed seed, more sets or rows than fit). */
int nbe_read_run(const cJSON *x, NbeRun *out, Err *e);
/* Column col (1 loss, 2 dev reward) of a run's curve: up to max finite points into steps/vals
 * (steps may be NULL).  Returns the count. */
int nbe_curve(const cJSON *curve, int col, double *steps, double *vals, int max);

#endif

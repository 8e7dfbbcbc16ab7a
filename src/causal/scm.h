/* scm — a DAG with a linear Gaussian structural causal model on it.
 *
 *   X_j = sum_i w[i][j] X_i + eps_j,   eps_j ~ N(0, sigma^2)
 *
 * An Scm is a plain value (no heap memory): copy it, put it in arrays, free nothing.
 * Every function that changes the graph keeps the derived fields (topological order,
 * ancestor sets, exact total effects) up to date, so queries are O(1) lookups.
 * Variables are numbered 0..n-1 and named 'A', 'B', ...; sets of variables are bitmasks
 * (bit v = variable v). */
#ifndef DOLAB_CAUSAL_SCM_H
#define DOLAB_CAUSAL_SCM_H

#include <stdint.h>

#include "util/err.h"
#include "util/rng.h"

#define SCM_MAX_VARS 8
#define SCM_MIN_VARS 2
/* Largest edge-weight magnitude and noise sd a world may have: beyond them a chain of 8
 * variables overflows what the values' tokens (-20..20) and doubles can say. */
#define SCM_MAX_WEIGHT 10.0
#define SCM_MAX_NOISE 100.0

typedef struct Scm {
    int n;
    double sigma;                          /* noise sd, same for every variable */
    double w[SCM_MAX_VARS][SCM_MAX_VARS];  /* w[i][j]: weight of edge i -> j; 0 = no edge */
    /* derived, kept current by every mutator: */
    int order[SCM_MAX_VARS];               /* a topological order */
    unsigned parents[SCM_MAX_VARS];        /* bitmask of direct causes */
    unsigned anc[SCM_MAX_VARS];            /* bitmask of ancestors (excluding the variable) */
    double te[SCM_MAX_VARS][SCM_MAX_VARS]; /* te[i][j]: total effect of i on j; te[i][i] = 1 */
} Scm;

/* Parameters of the random world distribution (DESIGN.md defaults via scm_params_default). */
typedef struct ScmParams {
    int n;            /* 2..8 */
    double edge_prob; /* probability of each forward pair in a random order; [0, 1] */
    double w_lo, w_hi;/* weight magnitude uniform in [w_lo, w_hi], 0 < w_lo <= w_hi */
    double sigma;     /* noise sd >= 0 */
} ScmParams;

/* One intervention do(var = value). */
typedef struct ScmDo {
    int var;
    double value;
} ScmDo;

ScmParams scm_params_default(void);
int scm_params_check(const ScmParams *p, Err *e);

/* An empty world of n variables (no edges). */
int scm_init(Scm *s, int n, double sigma, Err *e);
/* Adds (or re-weights) edge from -> to.  Refuses self-loops, cycles, zero or non-finite
 * weights and out-of-range variables with a message; the world is unchanged then. */
int scm_add_edge(Scm *s, int from, int to, double weight, Err *e);
void scm_remove_edge(Scm *s, int from, int to);
/* Draws a random world: random topological order, each forward pair joined with
 * probability edge_prob, weight magnitude uniform in [w_lo, w_hi], random sign. */
int scm_random(Scm *s, const ScmParams *p, Rng *r, Err *e);
/* Builds the structure with the given id (see scm_id), every edge of weight `weight`. */
int scm_from_id(Scm *s, int n, uint64_t id, double weight, double sigma, Err *e);

/* Samples all variables with the given noise values (eps[j] is the standard-normal draw
 * for variable j; intervened variables ignore theirs).  ndo may be 0 (observational). */
void scm_sample_eps(const Scm *s, const ScmDo *dos, int ndo, const double *eps, double *out);
/* Same, drawing the noise from r. */
void scm_sample(const Scm *s, const ScmDo *dos, int ndo, Rng *r, double *out);

/* Queries. */
static inline double scm_weight(const Scm *s, int from, int to) { return s->w[from][to]; }
static inline int scm_has_edge(const Scm *s, int from, int to) { return s->w[from][to] != 0.0; }
static inline unsigned scm_parents(const Scm *s, int v) { return s->parents[v]; }
static inline unsigned scm_ancestors(const Scm *s, int v) { return s->anc[v]; }
static inline int scm_is_ancestor(const Scm *s, int a, int b) { return (s->anc[b] >> a) & 1u; }
static inline double scm_effect(const Scm *s, int from, int to) { return s->te[from][to]; }
unsigned scm_children(const Scm *s, int v);
unsigned scm_descendants(const Scm *s, int v);
unsigned scm_roots(const Scm *s);
int scm_edge_count(const Scm *s);
/* Canonical id of the labelled structure: bit (8*i + j) set iff edge i -> j.
 * Two worlds have the same id iff they have the same n-labelled edge set. */
uint64_t scm_id(const Scm *s);
static inline char scm_name(int v) { return (char)('A' + v); }
/* 'A'..'H' -> 0..7 for the world's size; -1 if not a variable of s. */
int scm_var_of(const Scm *s, const char *name);

/* Is the edge set of id (over n variables) acyclic?  Used by enumeration and loaders. */
int scm_id_is_acyclic(int n, uint64_t id);

#endif

/* exp — an experiment: the world, what is held out of training, the training mix, the model,
 * the training settings and the evaluation sets.  The C core runs an Experiment; the built-in
 * default is exp_default() ("the causal link A -> E never appears in training"), and the Lua
 * layer fills the same struct from a script.
 *
 * An Experiment is a plain value; predicates point at caller-owned contexts (static for the
 * built-ins).  exp_to_json returns a new cJSON tree the caller deletes. */
#ifndef DOLAB_LEARN_EXP_H
#define DOLAB_LEARN_EXP_H

#include <cJSON.h>
#include <stdint.h>

#include "world/episode.h"
#include "world/tok.h"

#define EXP_MAX_MIX 8
#define EXP_MAX_SETS 8
#define EXP_MAX_STRATS 8

/* A predicate on a graph (structure-level: the same edge set must give the same answer). */
typedef struct ExpPred {
    int (*fn)(const Scm *g, const void *ctx); /* NULL: always false */
    const void *ctx;
    char desc[96]; /* for people: "edge A->E" */
} ExpPred;

/* Built-in predicates (ctx is a static table entry: nothing to free). */
ExpPred exp_pred_link(int a, int b);     /* g has the edge a -> b */
ExpPred exp_pred_ancestor(int a, int b); /* a is an ancestor of b */
static inline int exp_pred_eval(const ExpPred *p, const Scm *g) { return p->fn ? p->fn(g, p->ctx) : 0; }

/* A predicate on a whole episode, truth included (it selects data; it never acts), e.g.
 * "the associational cue agrees with the causal choice".  fn NULL: always true. */
typedef struct ExpEpPred {
    int (*fn)(const Episode *ep, const void *ctx);
    const void *ctx;
    char desc[96];
} ExpEpPred;
static inline int exp_ep_pred_eval(const ExpEpPred *p, const Episode *ep) { return p->fn ? p->fn(ep, p->ctx) : 1; }
/* Built-in: the associational cue (tok_assoc_cue, with its sign) is (agree = 1) / is not
 * (agree = 0) the expert's exploit in this episode. */
ExpEpPred exp_ep_assoc_agrees(int agree);

/* One component of the training mix: what the expert does in those episodes. */
typedef struct ExpMix {
    double weight;
    EpConfig ep;
    int explain;      /* explanations in these episodes (the experiment's templates) */
    ExpEpPred accept; /* only episodes it accepts */
} ExpMix;

enum { EXP_WORLDS_TRAIN, EXP_WORLDS_HELDOUT, EXP_WORLDS_ALL };
typedef struct ExpEvalSet {
    char name[32];
    int worlds;   /* EXP_WORLDS_*: training distribution, held-out structures, or any */
    ExpPred where;    /* and worlds it accepts (fn NULL: any) */
    ExpEpPred accept; /* and episodes it accepts */
    int cue;      /* cue size of its episodes (-1: the world's) */
    int goal;     /* -1 any, else the goal variable */
    int best_var; /* -1 any, else the oracle's best variable */
    int episodes;
} ExpEvalSet;

typedef struct Experiment {
    char name[64];
    char about[1024];
    EpConfig world;  /* worlds of evaluation (and the base of every mix component) */
    int explain_eval;   /* the model reads and writes explanations when it acts */
    TokExplain explain; /* explanation templates or callbacks (compiled by train_vocab) */
    int n_words;
    char words[64][33]; /* extra words the explanations may use */
    ExpPred heldout; /* structures that never appear in training */
    int n_mix;
    ExpMix mix[EXP_MAX_MIX];
    /* training */
    uint64_t seed;
    int steps, batch, threads;
    double lr, lr_min, warmup_frac, beta1, beta2, weight_decay, grad_clip;
    double class_weight[TOKC_COUNT]; /* loss weight per target token class */
    int eval_every;                  /* quick active evaluation every N steps (0: never) */
    /* model */
    int layers, dim, heads, context; /* context 0: the longest episode */
    /* evaluation */
    uint64_t eval_seed;
    int n_sets;
    ExpEvalSet sets[EXP_MAX_SETS];
    int n_strats;
    char strats[EXP_MAX_STRATS][16]; /* baselines compared with the model */
} Experiment;

/* The built-in default experiment (see docs/results.md). */
Experiment exp_default(void);
/* Checks every field; the message names the field. */
int exp_check(const Experiment *x, Err *e);
/* The stream format of mix component m (m < 0: evaluation); points into x. */
TokFormat exp_format(const Experiment *x, int m);
/* Episode config of an evaluation set (the world, with the set's cue size). */
EpConfig exp_set_config(const Experiment *x, int set);
/* Longest token sequence an episode of this experiment can have. */
int exp_max_len(const Experiment *x);
/* The resolved configuration as JSON (predicates by description). */
cJSON *exp_to_json(const Experiment *x);
/* Rebuilds an experiment from exp_to_json output (as stored in a checkpoint).  Built-in
 * predicates are recovered from their descriptions; others are an error naming them. */
int exp_from_json(const cJSON *j, Experiment *x, Err *e);
/* Checks the types and ranges of exp_to_json output without rebuilding it (a notebook keeps
 * configurations whose predicates only their script can rebuild); names fields as
 * name.eval.sets[1].cue. */
int exp_record_check(const cJSON *j, const char *name, Err *e);

#endif

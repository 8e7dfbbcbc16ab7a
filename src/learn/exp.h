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
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "world/episode.h"
#include "world/tok.h"

#define EXP_MAX_MIX 8
#define EXP_MAX_SETS 8
#define EXP_MAX_STRATS 8
#define EXP_MAX_AGENTS 4
#define EXP_AGENT_CMD 512

/* A predicate on a graph (structure-level: the same edge set must give the same answer).
 * fn answers 1 or 0, or -1 when it failed (a script function's error), with the reason in e. */
typedef struct ExpPred {
    int (*fn)(const Scm *g, const void *ctx, Err *e); /* NULL: always false */
    const void *ctx;
    char desc[96]; /* for people: "edge A->E" */
} ExpPred;

/* Built-in predicates (ctx is a static table entry: nothing to free). */
ExpPred exp_pred_link(int a, int b);     /* g has the edge a -> b */
ExpPred exp_pred_ancestor(int a, int b); /* a is an ancestor of b */
/* 1, 0, or -1 with the predicate's error in e. */
static inline int exp_pred_eval(const ExpPred *p, const Scm *g, Err *e) { return p->fn ? p->fn(g, p->ctx, e) : 0; }

/* A predicate on a whole episode, truth included (it selects data; it never acts), e.g.
 * "the associational cue agrees with the causal choice".  fn NULL: always true. */
typedef struct ExpEpPred {
    int (*fn)(const Episode *ep, const void *ctx, Err *e); /* 1, 0, or -1 failed (reason in e) */
    const void *ctx;
    char desc[96];
} ExpEpPred;
static inline int exp_ep_pred_eval(const ExpEpPred *p, const Episode *ep, Err *e) { return p->fn ? p->fn(ep, p->ctx, e) : 1; }
/* Built-in: the associational cue (tok_assoc_cue, with its sign) is (agree = 1) / is not
 * (agree = 0) the expert's exploit in this episode. */
ExpEpPred exp_ep_assoc_agrees(int agree);

/* One component of the training mix: what the expert does in those episodes. */
typedef struct ExpMix {
    double weight;
    char demonstrator[16]; /* the strategy that acts in these episodes ("": the expert) */
    struct Strategy *custom; /* a script's demonstrator named demonstrator (owned by its Lab);
                              * NULL: the registry's strategy of that name */
    char quality[16];      /* the quality token of its episodes: "" none, "demonstrator" (its
                            * name), "reward" (the episode's reward bucket, tok_qbucket) */
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

/* An external agent evaluated beside the model (learn/ext_agent, docs/agents.md). */
typedef struct ExpAgent {
    char name[10];          /* its row is agent:NAME ("": the name the agent gives) */
    char cmd[EXP_AGENT_CMD]; /* run under /bin/sh -c */
    int timeout_ms;         /* per decision */
} ExpAgent;

typedef struct Experiment {
    char name[64];
    char about[1024];
    EpConfig world;  /* worlds of evaluation (and the base of every mix component) */
    int explain_eval;   /* the model reads and writes explanations when it acts */
    char quality[16];   /* the quality the model is asked for when it acts ("": none) */
    /* quality token ids, compiled by train_vocab with the explanations (0: none) */
    int qtok_eval, qtok_mix[EXP_MAX_MIX], qtok_bucket[TOK_QBUCKETS];
    TokExplain explain; /* explanation templates or callbacks (compiled by train_vocab) */
    int n_words;
    char words[64][33]; /* extra words the explanations may use */
    ExpPred heldout; /* structures that never appear in training */
    int n_mix;
    ExpMix mix[EXP_MAX_MIX];
    /* training */
    uint64_t seed;
    int steps, batch, threads;
    double lr, lr_min, warmup_frac, decay_frac, beta1, beta2, weight_decay, grad_clip; /* decay_frac: the cosine's share of the steps */
    double class_weight[TOKC_COUNT]; /* loss weight per target token class */
    int eval_every;                  /* quick active evaluation every N steps (0: never) */
    double stop_at;                  /* stop once that evaluation's reward reaches this (0: never) */
    int goals;                       /* goals asked per training episode after one exploration (1: one) */
    double restart_below;            /* a dev reward still below this restart_after steps into an attempt */
    int restart_after;               /* starts a new initialisation (0: never; docs/model.md) */
    int cooldown;                    /* steps of linear decay to lr_min once stop_at is reached (0: stop at once) */
    /* model */
    int layers, dim, heads, context; /* context 0: the longest episode */
    double value_init;               /* value tokens' embeddings start carrying their number (0: off) */
    /* evaluation */
    uint64_t eval_seed;
    int n_sets;
    ExpEvalSet sets[EXP_MAX_SETS];
    int n_strats;
    char strats[EXP_MAX_STRATS][16]; /* baselines compared with the model */
    int n_agents;
    ExpAgent agents[EXP_MAX_AGENTS]; /* external agents on the same episodes */
} Experiment;

/* ---- the schema: every field of an experiment, once -------------------------------------------
 *
 * One row per field drives the defaults (exp_default), the checks (exp_check), the JSON round
 * trip (exp_to_json / exp_from_json / exp_record_check) and the script reader (lab.experiment in
 * src/script).  A range is written here and nowhere else.
 *
 * X(scope, section, key, kind, member, member2, lo, hi, def, def2, flags)
 *   scope    the struct member lives in: TOP (Experiment), WORLD (EpConfig: the world, and each
 *            training-mix component), MIX (ExpMix), SET (ExpEvalSet), AGENT (ExpAgent)
 *   section  the table the key sits in, within its scope ("train", "train.loss_weights"; "" at
 *            the scope's top).  Paths: "train.lr", "world.noise", "train.mix[].weight",
 *            "eval.sets[].cue", "eval.agents[].cmd".
 *   kind     EXP_INT, EXP_NUM, EXP_U64, EXP_BOOL, EXP_STR (member is a char array), EXP_PAIR (two
 *            numbers {member, member2}), EXP_VAR (a variable name, member an index), EXP_WORLDS
 *            ("train" | "heldout" | "all"), EXP_PRED (graph predicate), EXP_EPPRED (episode filter)
 *   lo, hi   the inclusive range of a number (both numbers of a pair)
 *   def      the default of a number (def2: a pair's second); NAN: set by code (WORLD fields by
 *            ep_config_default, the world layer's defaults; names and predicates by exp_default)
 *   flags    EXP_SHAPE: a world field a mix component may not change; EXP_OPT: may be absent
 *            from JSON (older records, or not set; an empty string is not written); EXP_UNSET:
 *            -1 means "not set" (not written, not range-checked); EXP_SCRIPTED: a script may give
 *            a function instead (its name is what JSON keeps; src/script reads it by hand) */
#define EXP_FIELDS(X)                                                                                                 \
    X(TOP, "", name, STR, name, name, 0, 0, NAN, NAN, 0)                                                             \
    X(TOP, "", about, STR, about, about, 0, 0, NAN, NAN, 0)                                                          \
    X(TOP, "", heldout, PRED, heldout, heldout, 0, 0, NAN, NAN, 0)                                                   \
    X(TOP, "train", seed, U64, seed, seed, 0, 0, 1, NAN, 0)                                                          \
    X(TOP, "train", steps, INT, steps, steps, 1, 100000000, 30000, NAN, 0)                                          \
    X(TOP, "train", batch, INT, batch, batch, 1, 4096, 32, NAN, 0)                                                  \
    X(TOP, "train", threads, INT, threads, threads, 1, 2, 2, NAN, EXP_OPT)                                          \
    X(TOP, "train", lr, NUM, lr, lr, 1e-7, 0.999, 3e-3, NAN, 0)                                                     \
    X(TOP, "train", lr_min, NUM, lr_min, lr_min, 0, 0.999, 3e-4, NAN, 0)                                            \
    X(TOP, "train", warmup, NUM, warmup_frac, warmup_frac, 0, 0.999, 0.02, NAN, 0)                                  \
    X(TOP, "train", decay, NUM, decay_frac, decay_frac, 0.001, 1, 1, NAN, EXP_OPT)                                  \
    X(TOP, "train", betas, PAIR, beta1, beta2, 0, 0.999, 0.9, 0.98, EXP_OPT)                                        \
    X(TOP, "train", weight_decay, NUM, weight_decay, weight_decay, 0, 0.999, 0.01, NAN, 0)                          \
    X(TOP, "train", grad_clip, NUM, grad_clip, grad_clip, 0, 1e9, 1.0, NAN, 0)                                      \
    X(TOP, "train", eval_every, INT, eval_every, eval_every, 0, 100000000, 2000, NAN, EXP_OPT)                      \
    X(TOP, "train", stop_at, NUM, stop_at, stop_at, 0, 1, 0, NAN, EXP_OPT)                                          \
    X(TOP, "train", goals, INT, goals, goals, 1, SCM_MAX_VARS - 1, 1, NAN, EXP_OPT)                                \
    X(TOP, "train", restart_below, NUM, restart_below, restart_below, 0, 1, 0, NAN, EXP_OPT)                       \
    X(TOP, "train", restart_after, INT, restart_after, restart_after, 1, 100000000, 2000, NAN, EXP_OPT)            \
    X(TOP, "train", cooldown, INT, cooldown, cooldown, 0, 100000000, 0, NAN, EXP_OPT)                             \
    X(TOP, "train.loss_weights", action, NUM, class_weight[TOKC_ACTION], class_weight[TOKC_ACTION], 0, 1e6, 1, NAN, 0) \
    X(TOP, "train.loss_weights", observation, NUM, class_weight[TOKC_OBS], class_weight[TOKC_OBS], 0, 1e6, 0, NAN, 0) \
    X(TOP, "train.loss_weights", goal, NUM, class_weight[TOKC_GOAL], class_weight[TOKC_GOAL], 0, 1e6, 0, NAN, 0)    \
    X(TOP, "train.loss_weights", explanation, NUM, class_weight[TOKC_EXPL], class_weight[TOKC_EXPL], 0, 1e6, 1, NAN, 0) \
    X(TOP, "model", layers, INT, layers, layers, 1, 16, 2, NAN, 0)                                                  \
    X(TOP, "model", dim, INT, dim, dim, 8, 1024, 64, NAN, 0)                                                        \
    X(TOP, "model", heads, INT, heads, heads, 1, 64, 4, NAN, 0)                                                     \
    X(TOP, "model", context, INT, context, context, 0, 512, 0, NAN, 0)                                              \
    X(TOP, "model", value_init, NUM, value_init, value_init, 0, 100, 0, NAN, EXP_OPT)                               \
    X(TOP, "eval", seed, U64, eval_seed, eval_seed, 0, 0, 1000, NAN, 0)                                             \
    X(TOP, "eval", explain, BOOL, explain_eval, explain_eval, 0, 1, 0, NAN, EXP_OPT)                                \
    X(TOP, "eval", quality, STR, quality, quality, 0, 0, NAN, NAN, EXP_OPT)                                         \
    X(WORLD, "", variables, INT, world.n, world.n, SCM_MIN_VARS, SCM_MAX_VARS, NAN, NAN, EXP_SHAPE)                 \
    X(WORLD, "", edge_prob, NUM, world.edge_prob, world.edge_prob, 0, 1, NAN, NAN, EXP_SHAPE)                       \
    X(WORLD, "", weights, PAIR, world.w_lo, world.w_hi, 0, SCM_MAX_WEIGHT, NAN, NAN, EXP_SHAPE)                                \
    X(WORLD, "", noise, NUM, world.sigma, world.sigma, 0, SCM_MAX_NOISE, NAN, NAN, 0)                                         \
    X(WORLD, "", value, NUM, value, value, -20, 20, NAN, NAN, 0)                                                    \
    X(WORLD, "", exploit_value, NUM, exploit_value, exploit_value, 0.001, 20, NAN, NAN, EXP_SHAPE)                  \
    X(WORLD, "", passive, INT, passive, passive, 0, EP_MAX_PASSIVE, NAN, NAN, 0)                                    \
    X(WORLD, "", explore, INT, explore, explore, 0, EP_MAX_STEPS, NAN, NAN, 0)                                      \
    X(WORLD, "", cue, INT, cue_size, cue_size, 0, SCM_MAX_VARS, NAN, NAN, 0)                                        \
    X(WORLD, "", assoc_rule, INT, assoc_rule, assoc_rule, 0, 1, 0, NAN, EXP_OPT)                                    \
    X(MIX, "", weight, NUM, weight, weight, 0, 1e9, 1, NAN, 0)                                                      \
    X(MIX, "", explain, BOOL, explain, explain, 0, 1, 0, NAN, EXP_OPT)                                              \
    X(MIX, "", accept, EPPRED, accept, accept, 0, 0, NAN, NAN, EXP_OPT)                                             \
    X(MIX, "", demonstrator, STR, demonstrator, demonstrator, 0, 0, NAN, NAN, EXP_OPT | EXP_SCRIPTED)                              \
    X(MIX, "", quality, STR, quality, quality, 0, 0, NAN, NAN, EXP_OPT)                                             \
    X(SET, "", name, STR, name, name, 0, 0, NAN, NAN, 0)                                                            \
    X(SET, "", worlds, WORLDS, worlds, worlds, EXP_WORLDS_TRAIN, EXP_WORLDS_ALL, EXP_WORLDS_HELDOUT, NAN, 0)         \
    X(SET, "", where, PRED, where, where, 0, 0, NAN, NAN, EXP_OPT)                                                  \
    X(SET, "", goal, VAR, goal, goal, 0, SCM_MAX_VARS - 1, -1, NAN, EXP_OPT | EXP_UNSET)                            \
    X(SET, "", best, VAR, best_var, best_var, 0, SCM_MAX_VARS - 1, -1, NAN, EXP_OPT | EXP_UNSET)                    \
    X(SET, "", cue, INT, cue, cue, 0, SCM_MAX_VARS, -1, NAN, EXP_OPT | EXP_UNSET)                                   \
    X(SET, "", accept, EPPRED, accept, accept, 0, 0, NAN, NAN, EXP_OPT)                                             \
    X(SET, "", episodes, INT, episodes, episodes, 1, 1000000, 1000, NAN, 0)                                       \
    X(AGENT, "", name, STR, name, name, 0, 0, NAN, NAN, EXP_OPT)                                                    \
    X(AGENT, "", cmd, STR, cmd, cmd, 0, 0, NAN, NAN, 0)                                                             \
    X(AGENT, "", timeout_ms, INT, timeout_ms, timeout_ms, 1, 3600000, 5000, NAN, EXP_OPT)

typedef enum ExpScope { EXP_AT_TOP, EXP_AT_WORLD, EXP_AT_MIX, EXP_AT_SET, EXP_AT_AGENT } ExpScope;
typedef enum ExpKind { EXP_INT, EXP_NUM, EXP_U64, EXP_BOOL, EXP_STR, EXP_PAIR, EXP_VAR, EXP_WORLDS, EXP_PRED, EXP_EPPRED } ExpKind;
enum { EXP_SHAPE = 1, EXP_OPT = 2, EXP_UNSET = 4, EXP_SCRIPTED = 8 };

typedef struct ExpField {
    ExpScope scope;
    const char *section, *key;
    ExpKind kind;
    size_t off, off2, size; /* of member and member2 in the scope's struct; size of member */
    double lo, hi, def, def2;
    int flags;
} ExpField;

extern const ExpField exp_fields[];
extern const int exp_n_fields;
/* The row of a path as the schema writes it ("train.lr", "world.noise", "train.mix[].weight",
 * "eval.sets[].cue"); NULL if none. */
const ExpField *exp_field(const char *path);
/* A row's path as exp_field takes it. */
void exp_field_path(const ExpField *f, char *buf, size_t n);
/* Whether a record that lacks the key at path ("world.assoc_rule", "train.mix[2].explain": a
 * record's path, indices allowed) means what v says: the key is an optional number or flag
 * (EXP_OPT) and v is its default.  Records written before the field existed lack it, and
 * mean its default. */
int exp_absent_means(const char *path, const cJSON *v);
/* The member of f in a struct of its scope. */
static inline void *exp_field_at(const ExpField *f, void *base) { return (char *)base + f->off; }
static inline const void *exp_field_cat(const ExpField *f, const void *base) { return (const char *)base + f->off; }
/* The struct of scope `scope` in x: x itself, its world, mix component i, evaluation set i,
 * agent i. */
void *exp_scope_base(Experiment *x, ExpScope scope, int i);
/* Checks one field's value against its row (not for STR, PRED and EPPRED, which carry no
 * range); the message names path ("train.lr: expected a number from 1e-07 to 0.999, got 2"). */
int exp_field_check(const ExpField *f, const void *base, const char *path, Err *e);
/* Sets every numeric field of scope in base to its default (rows whose default is NAN are
 * left alone). */
void exp_scope_defaults(ExpScope scope, void *base);
/* "an integer from 1 to 4096", "a number from 0 to 0.999": the range of f for messages. */
void exp_field_range(const ExpField *f, char *buf, size_t n);

/* The built-in default experiment (see docs/results.md). */
Experiment exp_default(void);
/* Checks every field; the message names the field. */
int exp_check(const Experiment *x, Err *e);
/* The stream format of mix component m (m < 0: evaluation); points into x.  The quality token
 * of an evaluation is x->qtok_eval (compiled by train_vocab); a training episode's is
 * exp_quality_token's. */
TokFormat exp_format(const Experiment *x, int m);
/* Component mx's demonstrator by name ("expert" when it names none). */
static inline const char *exp_mix_demonstrator(const ExpMix *mx) { return mx->demonstrator[0] ? mx->demonstrator : "expert"; }
/* What component mx's quality token is: none, its demonstrator's name, the episode's reward
 * bucket; EXP_Q_BAD for any other value of quality (exp_check refuses it). */
enum { EXP_Q_NONE, EXP_Q_DEMONSTRATOR, EXP_Q_REWARD, EXP_Q_BAD };
int exp_mix_quality(const ExpMix *mx);
/* The quality token of a finished training episode of mix component m (0: none). */
int exp_quality_token(const Experiment *x, int m, const Episode *ep);
/* Does any training mix component write the quality word `word`?  (eval.quality must be one.) */
int exp_writes_quality(const Experiment *x, const char *word);
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

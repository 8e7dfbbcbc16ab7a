/* eval — active evaluation: the model and the baselines act on the same episodes.
 *
 * For each evaluation set of an experiment (training worlds, held-out worlds, critical
 * episodes...) it draws the set's episodes from eval_seed, lets every strategy play each of
 * them from the start (common random numbers: the same intervention shows the same values),
 * and reports per strategy: mean normalised reward with a 95% bootstrap CI, the share of the
 * oracle's action, and the share of episodes whose exploration was complete and non-repeating
 * (each relevant variable exactly once).  For the model it also reports, on the episodes
 * where the strategies disagree, how often its exploit agrees with each strategy applied to
 * the model's own exploration.
 *
 * An EvalReport is a plain value (fixed-size tables); nothing to free. */
#ifndef DOLAB_LEARN_EVAL_H
#define DOLAB_LEARN_EVAL_H

#include <stdio.h>

#include "learn/exp.h"
#include "learn/ext_agent.h"
#include "util/stats.h"
#include "world/strategy.h"

#define EVAL_MAX_ROWS (EXP_MAX_STRATS + 1 + EXP_MAX_AGENTS) /* the model, the baselines, the agents */
#define EVAL_AGREE_STRATS STRAT_COUNT /* at most: the registry's references (world/strategy.h) */

typedef struct EvalRow {
    char name[16];
    StatCI reward;
    double oracle_share;   /* picked the oracle's action */
    double explore_share;  /* exploration complete and non-repeating */
} EvalRow;

/* One strategy's exploit against each reference, on its own exploration. */
typedef struct EvalAgree {
    char of[16];
    int n_disagree; /* episodes where the references disagree among themselves */
    int n_agree;    /* references used */
    const char *names[EVAL_AGREE_STRATS];
    double agree[EVAL_AGREE_STRATS];
} EvalAgree;

typedef struct EvalSetResult {
    char name[32];
    int episodes;
    long draws; /* episodes drawn to find them (the rest did not fit the set) */
    int nrows;
    EvalRow rows[EVAL_MAX_ROWS]; /* the model first when there is one */
    /* the first strategy's exploit vs each reference strategy run on its own exploration,
     * on the episodes where the references disagree among themselves */
    int n_disagree;
    int n_agree;  /* references used: the registry's STRAT_REFERENCE ones, and its
                     STRAT_REFERENCE_IF_EVALUATED ones the experiment evaluates (assoc) */
    const char *agree_names[EVAL_AGREE_STRATS]; /* their names (static strings of the registry) */
    double agree[EVAL_AGREE_STRATS];
    /* on the same n_disagree episodes, what the model wrote just before its exploit (eval.explain;
     * n_explained -1: not recorded): in how many it named a variable, the share of those whose
     * exploit is on the variable named, and the share naming each reference's choice */
    int n_explained;
    double expl_follows;
    double expl_names[EVAL_AGREE_STRATS];
    EvalAgree agent_agree[EXP_MAX_AGENTS]; /* the same for each of the report's agents */
} EvalSetResult;

/* An external agent of the experiment (eval.agents), as evaluated. */
typedef struct EvalAgent {
    char name[16]; /* its rows' name, agent:NAME */
    char cmd[EXP_AGENT_CMD];
    int timeout_ms;
    ExtAgentStats stats; /* late, malformed and illegal replies; episodes they marked */
    char stderr_tail[240]; /* the end of its stderr when it made mistakes */
} EvalAgent;

typedef struct EvalReport {
    int n_sets;
    EvalSetResult sets[EXP_MAX_SETS];
    uint64_t seed;
    double seconds;
    int n_agents;
    EvalAgent agents[EXP_MAX_AGENTS];
} EvalReport;

/* model may be NULL (baselines only).  If strategies is NULL the experiment's list is used.
 * episodes > 0 overrides every set's episode count. */
int eval_run(const Experiment *x, Strategy *model, const char *const *strategies, int episodes, EvalReport *out,
             Err *e);
/* Evaluates the experiment's agents (x->agents) on the episodes of rep (made by eval_run with
 * the same x and episodes): each agent's rows go after the model's and earlier agents', its
 * agreement into agent_agree, its protocol error counts into rep->agents.  An agent that cannot
 * start or dies is an error naming it (nothing of it is added). */
int eval_agents(const Experiment *x, int episodes, EvalReport *rep, Err *e);
/* The first n episodes of evaluation set `set` (as eval_run draws them from x->eval_seed), not
 * yet played: for previews (dolab stream SCRIPT --eval-set NAME). */
int eval_set_episodes(const Experiment *x, int set, int n, Episode *eps, Err *e);
/* Draws the first episode of every evaluation set: an error (naming the set) when a set's
 * filters admit no episode, so a run stops before training rather than after it.  Costs
 * microseconds for a set that can be filled, under a second for one that cannot. */
int eval_probe(const Experiment *x, Err *e);
void eval_print(const EvalReport *r, const Experiment *x, FILE *out);
cJSON *eval_to_json(const EvalReport *r);
/* {"name", "command", "protocol", "timeout_ms", "decisions", "timeouts", "malformed", "illegal",
 * "episodes", "episodes_marked", "stderr_tail"}: an agent's record (docs/agents.md). */
cJSON *eval_agent_json(const EvalAgent *ag);
/* Checks a record eval_to_json wrote (as kept in checkpoints and notebooks): every field's type
 * and range, named as name.sets[1].episodes.  Absent fields pass (readers show "?"). */
int eval_record_check(const cJSON *ev, const char *name, Err *e);

#endif

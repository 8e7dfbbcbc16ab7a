/* episode — the episode protocol of DESIGN.md.
 *
 *   k passive observations -> K exploration interventions do(X = value), each followed by an
 *   observation of every variable -> the goal "maximise T" is revealed (T never a root) ->
 *   one exploit intervention do(X = +-exploit_value), X != T -> reward.
 *
 * An Episode is a plain value (no heap memory).  It holds the hidden truth (world, goal,
 * noise seed) and an EpView: what the episode has revealed so far, which is all that a
 * strategy other than the oracle may look at.  Observations use common random numbers:
 * the noise of passive sample i and of exploration step s depends only on the episode seed
 * and i or s, so every strategy that makes the same intervention sees the same values.
 * ep_restart() rewinds an episode so another strategy can play the very same one. */
#ifndef DOLAB_WORLD_EPISODE_H
#define DOLAB_WORLD_EPISODE_H

#include <stdint.h>

#include "causal/scm.h"
#include "util/err.h"
#include "util/rng.h"

#define EP_MAX_PASSIVE 32
#define EP_MAX_STEPS 16

/* What an episode looks like (the world distribution and the protocol's numbers). */
typedef struct EpConfig {
    ScmParams world;      /* variables, edge probability, weight range, noise */
    double value;         /* exploration intervention value (default +5) */
    double exploit_value; /* exploit magnitude (default 5; the sign is the agent's) */
    int passive;          /* k passive observations before exploring (default 0) */
    int explore;          /* K exploration steps; 0 = one per relevant variable (default) */
    int cue_size;         /* 0 = uncued; m >= 2: each episode cues m random relevant variables */
    int assoc_rule;       /* the one-snapshot associational cue (tok_assoc_cue): 0 the variable
                             closest to the goal (default), 1 the highest variable */
} EpConfig;

/* Accepts or rejects a sampled world (held-out structures): 1 accept, 0 reject, -1 failed (a
 * script's predicate raised an error) with the reason in e; ep_generate then fails with it. */
typedef int (*EpWorldFilter)(const Scm *world, void *ctx, Err *e);

typedef struct EpStep {
    int var;                    /* intervened variable */
    double value;               /* its set value */
    double obs[SCM_MAX_VARS];   /* every variable observed after do(var = value) */
} EpStep;

typedef enum EpPhase { EP_EXPLORE, EP_EXPLOIT, EP_DONE } EpPhase;

/* What a non-oracle strategy may see. */
typedef struct EpView {
    int n;                      /* number of variables */
    unsigned relevant;          /* variables the agent may act on (all, or the cue) */
    int cued;                   /* 1 if the episode names a cue (shown in the stream) */
    double value;               /* exploration value */
    double exploit_value;
    int n_passive;
    int assoc_rule;             /* EpConfig.assoc_rule */
    double passive[EP_MAX_PASSIVE][SCM_MAX_VARS];
    int explore_total;          /* K */
    int n_steps;
    EpStep steps[EP_MAX_STEPS];
    int goal;                   /* -1 until revealed */
    int exploit_var, exploit_sign; /* -1 / 0 until chosen */
    uint64_t agent_seed;        /* for strategies that need their own randomness */
} EpView;

typedef struct Episode {
    EpView view;
    Scm world;
    int goal;                   /* hidden until exploration ends */
    uint64_t seed;              /* noise seed of this episode */
    int best_var, best_sign;    /* the oracle's action */
    double optimal;             /* exploit_value * max over allowed X of |TE(X -> goal)| */
    double reward, norm_reward; /* after the exploit */
} Episode;

/* How many worlds (or episodes) a filter may reject in a row before drawing gives up with an
 * error.  The fuzz builds lower it (-DEP_MAX_DRAWS=100) so that an input whose filter accepts
 * nothing reaches that error in milliseconds; every other build keeps 10,000. */
#ifndef EP_MAX_DRAWS
#define EP_MAX_DRAWS 10000
#endif

EpConfig ep_config_default(void);
int ep_config_check(const EpConfig *c, Err *e);

/* Draws episode `index` of `seed`: a world accepted by filter (NULL = any) in which some
 * relevant non-root variable exists, a cue if the config asks for one, and a goal.  Passive
 * observations are revealed at once.  Fails (with a message) if the filter rejects EP_MAX_DRAWS
 * worlds in a row. */
int ep_generate(Episode *ep, const EpConfig *c, uint64_t seed, uint64_t index, EpWorldFilter filter,
                void *filter_ctx, Err *e);
/* Builds an episode on a given world, goal and relevant set (lessons, tests, the TUI).
 * goal must be relevant and have a relevant ancestor. */
int ep_from_world(Episode *ep, const Scm *world, const EpConfig *c, int goal, unsigned relevant, int cued,
                  uint64_t seed, Err *e);
/* Rewinds to the state just after the passive observations. */
void ep_restart(Episode *ep);

EpPhase ep_phase(const EpView *v);
/* do(var = view.value), observe; fails if not exploring or var is not relevant. */
int ep_explore(Episode *ep, int var, Err *e);
/* do(var = sign * exploit_value); sets reward and norm_reward; var must be relevant and != goal. */
int ep_exploit(Episode *ep, int var, int sign, Err *e);
/* Undoes the exploit, or else the last exploration step (the goal hides again until K steps);
 * returns -1 if there is nothing to undo.  For people taking over in the TUI. */
int ep_undo(Episode *ep);
/* After exploration: undoes any exploit and reveals another goal on the same observations (a
 * further question about what was measured).  goal must be a possible goal (relevant, with a
 * relevant ancestor); ep_goal_candidates lists them as a bit set. */
int ep_regoal(Episode *ep, int goal, Err *e);
unsigned ep_goal_candidates(const Episode *ep);
/* A possible goal outside the bit set exclude, drawn the way ep_generate draws one; -1 if none. */
int ep_draw_goal(const Episode *ep, unsigned exclude, Rng *r);
/* Expected value of the goal under do(var = sign * exploit_value). */
double ep_action_reward(const Episode *ep, int var, int sign);
/* What a view shows, for strategies and explanations: the latest value of y observed under
 * do(x) (NAN if x was never explored), and the variable that may be set whose correlation
 * with the goal has the largest magnitude over the passive observations (plus the
 * exploration observations if with_steps), -1 if none may be set; *sign gets the sign. */
double ep_seen(const EpView *v, int x, int y);
int ep_most_correlated(const EpView *v, int with_steps, int *sign);
/* Is var a legal exploit target in this view? */
static inline int ep_can_exploit(const EpView *v, int var) {
    return var >= 0 && var < v->n && var != v->goal && ((v->relevant >> var) & 1u);
}
/* The legal answers of a view as text, as the agent protocol (docs/agents.md) and script
 * demonstrators write them: a relevant variable ("C") while exploring; at the exploit each legal
 * target with each sign ("C+", "C-").  Returns how many (at most EP_MAX_ANSWERS). */
#define EP_MAX_ANSWERS (2 * SCM_MAX_VARS)
int ep_legal_answers(const EpView *v, char out[][3]);
/* An answer in that form: 0 with *var and *sign (+1 while exploring), or -1 if it is not one of
 * the view's legal answers. */
int ep_parse_answer(const EpView *v, const char *s, int *var, int *sign);

#endif

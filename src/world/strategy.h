/* strategy — everything that can act in an episode, behind one interface.
 *
 * A strategy decides, for a batch of episodes at once, the next action of each: during
 * exploration the variable to intervene on, at the exploit the variable and the sign.  It
 * sees only each episode's EpView (what has been revealed), except strategies that declare
 * needs_truth (the oracle), which are also handed the true worlds and goals.  The trained
 * model will be one more implementation (batched, so one call can run a whole batch through
 * the network).
 *
 * Built-ins (DESIGN.md and the registry below).  Built-in
 * strategies are static, stateless objects: never freed.  A strategy made elsewhere says in
 * its own header who frees it (through its destroy hook). */
#ifndef DOLAB_WORLD_STRATEGY_H
#define DOLAB_WORLD_STRATEGY_H

#include "world/episode.h"

typedef struct StratAction {
    int var;  /* variable to intervene on */
    int sign; /* +1 / -1 at the exploit; +1 while exploring */
} StratAction;

typedef struct Strategy Strategy;
struct Strategy {
    const char *name;
    const char *about;          /* one line for --help and the TUI */
    int needs_truth;            /* 1: act() also gets the hidden episodes */
    /* Called by strat_play before it plays a batch of n episodes (NULL: nothing to do). */
    int (*begin)(Strategy *s, int n, Err *e);
    /* Decide for n episodes, all in the same phase (exploring or exploiting; see
     * ep_phase(views[i])).  ids[i] in [0, batch size) names each episode within the batch
     * begun last (stable across calls, for strategies that keep per-episode state such as a
     * KV cache).  truth is NULL unless needs_truth.  Returns 0, or -1 with e set. */
    int (*act)(Strategy *s, const EpView *const *views, const Episode *const *truth, const int *ids, int n,
               StratAction *out, Err *e);
    void (*destroy)(Strategy *s); /* NULL for static strategies */
    void *state;
    int roles; /* STRAT_* roles of a built-in (0 for others) */
};

/* The roles a built-in plays. */
enum {
    STRAT_BASELINE = 1,  /* an experiment's default baselines, the TUI's swap, dolab baselines */
    STRAT_REFERENCE = 2, /* a reference of the agreement analysis (learn/eval) */
    STRAT_REFERENCE_IF_EVALUATED = 4, /* a reference when the experiment evaluates it as a baseline */
};

/* The registry: every built-in strategy, once, in display order, the baselines first.
 * X(name, roles, needs_truth, about); the act function of each is name##_act (strategy.c).
 * Every list of strategies (defaults, agreement references, messages, the TUI) is read from
 * here. */
#define STRAT_REGISTRY(X)                                                                                           \
    X(expert, STRAT_BASELINE | STRAT_REFERENCE, 0, "explores each variable once; exploits the largest measured effect") \
    X(oracle, STRAT_BASELINE | STRAT_REFERENCE, 1, "the true best action, from the true weights")                  \
    X(corr, STRAT_BASELINE | STRAT_REFERENCE, 0,                                                                   \
      "exploits the variable most correlated with the goal (sign of the correlation)")                            \
    X(max_seen, STRAT_BASELINE | STRAT_REFERENCE, 0,                                                               \
      "repeats the exploration intervention under which the goal was highest")                                    \
    X(parents, STRAT_BASELINE | STRAT_REFERENCE, 0,                                                                \
      "exploits the largest estimated direct cause of the goal, ignoring indirect paths")                         \
    X(random, STRAT_BASELINE, 0, "random interventions, random exploit")                                            \
    X(assoc, STRAT_REFERENCE_IF_EVALUATED, 0,                                                                      \
      "exploits the associational cue: the variable that tracks the goal in the passive observations")             \
    X(epsilon, 0, 0, "a noisy expert: explores like the expert; exploits at random in half the episodes")

enum {
#define STRAT_X_ID(name, roles, truth, about) STRAT_ID_##name,
    STRAT_REGISTRY(STRAT_X_ID)
#undef STRAT_X_ID
    STRAT_COUNT /* every built-in */
};
/* The baselines (they come first in the registry; a test checks it). */
#define STRAT_X_BASE(name, roles, truth, about) +!!((roles) & STRAT_BASELINE)
enum { STRAT_BUILTIN_COUNT = 0 STRAT_REGISTRY(STRAT_X_BASE) };
#undef STRAT_X_BASE

/* The baselines in display order (i < STRAT_BUILTIN_COUNT): expert, oracle, corr, max_seen,
 * parents, random. */
Strategy *strat_builtin(int i);
/* Any built-in by its place in the registry (i < STRAT_COUNT). */
Strategy *strat_registered(int i);
/* By name; NULL if there is none.  Besides the baselines, "assoc" (explores like the expert,
 * exploits the associational cue of tok_assoc_cue) is found by name, for experiments about
 * confounding, and "epsilon" (a noisy expert), a demonstrator for training mixes. */
Strategy *strat_find(const char *name);
/* "expert, oracle, …, assoc": every built-in's name, for messages. */
const char *strat_names(void);

enum { STRAT_BATCH = 256 }; /* strat_play plays this many episodes at a time */

/* Plays n episodes to the end with strategy s, in lockstep batches of at most STRAT_BATCH
 * (each episode starts where it stands: call ep_restart first to replay).  An illegal action from the strategy is
 * an error naming the strategy, the episode and the action. */
int strat_play(Strategy *s, Episode *const *eps, int n, Err *e);

/* The expert's choice given a view (exposed for tests and for agreement checks on the
 * model's own exploration).  Every helper below reads only the view. */
StratAction strat_expert_exploit(const EpView *v);
/* Next variable in the expert's exploration order (A, B, C... over relevant variables). */
int strat_expert_explore(const EpView *v);

#endif

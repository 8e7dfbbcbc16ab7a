/* lesson — a classroom lesson: what `lab.lesson{...}` in a lesson script (experiments/lessons/) returns,
 * as plain C the TUI's lesson mode and the handout writer read (docs/lua-api.md, "Lessons").
 *
 * A lesson is a list of steps.  Each step has narration, a world (fixed edges and weights, or
 * seeded random), a goal, what is shown (one bit per row of LESSON_SHOW), an action (nothing,
 * a strategy that plays the episode, or the teacher's own do() list) and optionally a
 * question for the class: "actions" (which variable and sign maximise the goal: the reveal
 * gives every option's reward and what each strategy chose) or a list of choices with an
 * optional answer.
 *
 * Ownership: a Lesson is a plain value (no pointers inside); lab_load_lesson fills one the
 * caller owns (large: allocate it).  lesson_play and lesson_choices only read the lesson. */
#ifndef DOLAB_SCRIPT_LESSON_H
#define DOLAB_SCRIPT_LESSON_H

#include <stdint.h>

#include "causal/scm.h"
#include "script/lab.h"
#include "util/err.h"
#include "world/episode.h"
#include "world/strategy.h"

enum {
    LESSON_MAX_STEPS = 24,
    LESSON_MAX_OPTS = 2 * (SCM_MAX_VARS - 1), /* every variable but the goal, with both signs */
    LESSON_TEXT = 2048,                       /* narration, bytes */
};

/* What a step shows: one row per part (bit, name in Lua, what it is). */
#define LESSON_SHOW(X)                                                                       \
    X(LS_STRUCTURE, 1, "structure", "the DAG's edges and weights (else the boxes alone)")      \
    X(LS_VALUES, 2, "values", "the values in the boxes (the last observation)")                \
    X(LS_EVIDENCE, 4, "evidence", "the evidence table: every do() and what it showed")         \
    X(LS_BASELINES, 8, "baselines", "the baselines' choices (after the reveal on a question)") \
    X(LS_MODEL, 16, "model", "the model's probabilities")
#define LESSON_SHOW_ENUM(id, bit, name, what) id = bit,
enum { LESSON_SHOW(LESSON_SHOW_ENUM) LS_ALL = 31 };
#undef LESSON_SHOW_ENUM
/* The name of bit i (0..4) and what it shows; NULL past the end. */
const char *lesson_show_name(int i, const char **what);

typedef enum LessonAction { LA_NONE, LA_PLAY, LA_EXPLORE } LessonAction;
typedef enum LessonQuestion { LQ_NONE, LQ_ACTIONS, LQ_CHOICE } LessonQuestion;

typedef struct LessonOption {
    char text[64]; /* "A+" for an action, the choice's text otherwise */
    int var, sign; /* an action: do(var = sign * 5); var -1 for a choice */
} LessonOption;

typedef struct LessonStep {
    char title[96];
    char narration[LESSON_TEXT];
    Scm world;
    int goal;                 /* the variable to maximise */
    uint64_t seed;            /* the episode's noise (kept from the previous step on the same world) */
    int passive;              /* passive observations before any do() */
    double value;             /* the exploration value (+5) */
    unsigned show;            /* LS_* bits */
    LessonAction action;
    char actor[16];           /* LA_PLAY: "expert", "model", "oracle", ... */
    int explore[EP_MAX_STEPS], n_explore; /* LA_EXPLORE: the teacher's do() list, in order */
    int exploit_var, exploit_sign;        /* LA_EXPLORE: an exploit to make too (var -1: none) */
    LessonQuestion question;
    char ask[512];
    LessonOption opt[LESSON_MAX_OPTS];
    int n_opt;
    int answer;               /* LQ_CHOICE: the right option (0-based), -1 none */
    char reveal[1024];        /* said at the reveal */
} LessonStep;

typedef struct Lesson {
    char name[96];
    char about[512];
    char model[256];          /* a checkpoint the lesson asks for ("" : the one the TUI has) */
    char model_hint[256];     /* how to make it when it is missing ("make lesson-models") */
    double pace;              /* seconds per autoplay step; 0: at once */
    int n_steps;
    LessonStep step[LESSON_MAX_STEPS];
} Lesson;

/* Runs a lesson script (it must return lab.lesson{...}) and fills *out.  Errors read like an
 * experiment's: "experiments/lessons/x.lua:12: steps[3].question.options: expected ...". */
int lab_load_lesson(Lab *lab, const char *path, Lesson *out, Err *e);

/* The episode of step s on its world and goal: the passive observations, then the action
 * played up to the exploit when the step asks a question, to the end otherwise.  model may be
 * NULL (a step played by "model" then fails with a message saying that no model is loaded).
 * The episode is shaped like the lesson's (every variable relevant, one exploration per
 * variable unless the teacher's list says otherwise). */
int lesson_episode(const LessonStep *s, Episode *ep, Err *e);
/* Plays step s's action on ep (built by lesson_episode) with the strategy named actor. */
int lesson_play(const LessonStep *s, Episode *ep, Strategy *model, Err *e);

/* Strategy st's next decision in ep (begun for one episode first). */
int lesson_decide(Strategy *st, const Episode *ep, StratAction *act, Err *e);

/* What every strategy would do at the exploit of ep (which must be at EP_EXPLOIT): the
 * built-ins in their order, "assoc" when the episode has passive observations (its cue comes
 * from them), then the model when given.  names[i] is borrowed.  A strategy that fails is
 * left out (ok 0); when it is the model, e says why (e->msg is "" otherwise). */
enum { LESSON_CHOOSERS = STRAT_BUILTIN_COUNT + 2 };
typedef struct LessonChoice {
    const char *name;
    int ok;
    StratAction act;
    double reward;
} LessonChoice;
int lesson_choices(const Episode *ep, Strategy *model, LessonChoice *out, int *n, Err *e);
/* Reward of option o of an actions question on ep (its expected goal under the do()). */
double lesson_option_reward(const Episode *ep, const LessonOption *o);

#endif

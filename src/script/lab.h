/* lab — dolab's Lua 5.4 layer: a sandboxed interpreter that runs experiment scripts and the
 * TUI's command line.  This folder is the only place that calls lua_*; the rest of dolab sees
 * this small interface.
 *
 * The sandbox opens only base (without dofile, loadfile, and with load limited to text
 * chunks), table, string (without string.dump), math and utf8.  `require` finds only dolab's
 * own lua/ modules and .lua files beside the script.  There is no io, os, debug or package.
 * Limits no script escapes (docs/lua-api.md): memory is capped by a custom allocator (past the
 * cap the next instruction fails with the line); once a call's time is up every instruction
 * fails, so pcall, xpcall and <close> cannot outlive it; string patterns refuse a worst case
 * over a bound; setmetatable refuses __gc; strings handed back (explanations) are bounded.
 * Every call into Lua, and every table built for it, goes through one protected call whose
 * errors read "script:line: message" with a traceback; a panic handler reports instead of
 * aborting.  `print` writes to the caller's log, never to the terminal directly.
 *
 * Ownership: lab_new returns a Lab that owns its Lua state; lab_free frees it, and with it
 * every predicate and explanation callback it handed out inside an Experiment (an Experiment
 * loaded from a Lab must not be used after lab_free). */
#ifndef DOLAB_SCRIPT_LAB_H
#define DOLAB_SCRIPT_LAB_H

#include <cJSON.h>

#include <stddef.h>

#include "learn/exp.h"
#include "world/episode.h"
#include "nn/gpt.h"
#include "world/tok.h"
#include "util/err.h"
#include "util/strbuf.h"

typedef struct Lab Lab;

typedef struct LabLimits {
    size_t memory;  /* bytes the Lua state may hold (default 256 MiB) */
    double seconds; /* script time per call into Lua (default 10 s) */
} LabLimits;

LabLimits lab_limits_default(void);

/* lua_dir: dolab's own lua/ folder (NULL: found next to the executable or in ./lua).
 * log: where print() and warnings go (may be NULL: discarded). */
Lab *lab_new(const LabLimits *limits, const char *lua_dir, SB *log, Err *e);
void lab_free(Lab *lab);

/* Runs an experiment script and fills x (every field resolved, defaults filled).  The script
 * text is kept (lab_script_text) for the notebook.  Errors read
 *   experiments/x.lua:12: heldout: expected a function, got number
 * followed by a traceback. */
int lab_load_experiment(Lab *lab, const char *path, Experiment *x, Err *e);
/* The same for a script that returns one experiment or a list of them (the arms of a study):
 * fills xs[0..*n-1], at most max. */
int lab_load_experiments(Lab *lab, const char *path, Experiment *xs, int max, int *n, Err *e);
/* The text of the last script loaded (borrowed). */
const char *lab_script_text(const Lab *lab);
/* A script error message after its leading "name:12: " position, or msg itself if it has none. */
const char *lab_after_position(const char *msg);
/* The last script loaded as a checkpoint keeps it, to rebuild its experiments anywhere (Lua
 * predicates and explanation functions included): {"path", "text", "modules": [{"name",
 * "text"}] (every module it required), "settings": ["train.steps=500", ...] (lab_set_field),
 * "quick": bool}.  NULL if no script was loaded; the caller deletes it. */
cJSON *lab_script_json(const Lab *lab);
/* Loads the experiments of such a record into a new Lab (its settings and quick flag as
 * recorded; require() finds only the recorded modules).  Errors name the field
 * ("script.modules[0].text: ...") or the script's line, as lab_load_experiments does. */
int lab_load_experiments_json(Lab *lab, const cJSON *script, Experiment *xs, int max, int *n, Err *e);
/* Loads a checkpoint (train_load) whose experiment, when it keeps its script, is rebuilt from
 * it in a new Lab (Lua predicates, filters and explanation functions work again), returned in
 * *lab; it must outlive every use of x (lab_free after; NULL when no script was needed).
 * Older checkpoints (and dolab train's) are read from the header as before. */
int lab_load_checkpoint(const char *path, Gpt **m, Experiment *x, cJSON **meta, Lab **lab, Err *e);

/* Runs a chunk of Lua typed by a person (the TUI's `:` line) in the same sandbox, with the
 * globals `world` and `episode` if set; results and print() output are appended to out. */
int lab_eval_line(Lab *lab, const char *line, SB *out, Err *e);

/* Sets the globals `world` (a "dolab.world" holding a copy of world; NULL: nil) and `episode`
 * (a table as lab.episode returns; NULL: nil) that lab_eval_line's commands see. */
int lab_set_world(Lab *lab, const Scm *world, const Episode *ep);
/* If the global `world` is a world or a graph (a command may have replaced it), copies its
 * graph to out and returns 1; else 0. */
int lab_get_world(Lab *lab, Scm *out);

/* Lets scripts ask a trained model: lab.episode(world, "model", ...) plays it (greedy) on episodes
 * shaped like c (NULL: the defaults), in the stream format fmt.  The Lab makes its own agent (its
 * own cache: the caller's sessions are not disturbed) and borrows model until the next
 * lab_set_model; model NULL forgets it.  The TUI sets it around each `:` line. */
int lab_set_model(Lab *lab, const Gpt *model, const TokFormat *fmt, const EpConfig *c, Err *e);


/* A setting from the command line, "FIELD=VALUE" (train.steps=500, world.noise=0.5,
 * eval.sets.held_out.episodes=200, train.mix.1.weight=2): written into every table the script
 * hands to lab.experiment before it is read, so it is checked like the script's own field.
 * Only the syntax is checked here; -1 with e on a malformed one. */
int lab_set_field(Lab *lab, const char *assignment, Err *e);

/* Makes lab.quick true in scripts (dolab run --quick) and shrinks the experiment. */
void lab_set_quick(Lab *lab, int quick);

#endif

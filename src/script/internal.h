/* internal — what the files of src/script share; not for the rest of dolab. */
#ifndef DOLAB_SCRIPT_INTERNAL_H
#define DOLAB_SCRIPT_INTERNAL_H

#include <lauxlib.h>
#include <lua.h>
#include <setjmp.h>

#include "script/lab.h"
#include "world/strategy.h"
#include "world/tok.h"

#define LAB_GRAPH_MT "dolab.graph"
#define LAB_WORLD_MT "dolab.world"
#define LAB_EXPERIMENT_MT "dolab.experiment"
#define LAB_EPISODE_MT "dolab.episode"

/* A Lua function kept for C callers (held-out predicates, filters, explanations). */
typedef struct LabFn {
    Lab *lab;
    int ref;        /* in the registry */
    char what[48];  /* "heldout", "eval.sets.critical.where", ... for messages */
    /* structure-id cache of a graph predicate: ids it said yes/no to */
    uint64_t *ids;
    uint8_t *vals;
    size_t cap, count;
    int failed;     /* an error happened inside a callback: training stops with it */
    Err err;
    Strategy strat;      /* a demonstrator: the strategy that calls this function */
    char strat_name[16];
} LabFn;

struct Lab {
    lua_State *L;
    size_t mem_used, mem_limit; /* over mem_limit: the next instruction raises "not enough memory" */
    size_t mem_hard;            /* an allocation past this is refused at once (Lua's own memory error) */
    size_t mem_entry;           /* mem_used when the call began: a call may not grow past mem_limit */
    double seconds, deadline;   /* deadline: 0 outside a call into Lua */
    int depth;                  /* nested lab_protect calls (a predicate run while a script loads) */
    int timed_out;              /* the deadline passed: every further instruction raises */
    int mem_over;               /* an allocation went past mem_limit: the next instruction checks */
    int broken;                 /* a Lua panic happened: the state must not be used again */
    jmp_buf *panic_to;          /* where the panic handler jumps (the innermost lab_protect) */
    char stop[300];             /* "x.lua:7: script time limit (1 s) exceeded", once raised */
    char oom_where[300];        /* "x.lua:7" where an allocation was refused, when known */
    char panic_msg[300];
    char src[300];              /* the script being run (for memory errors without a line) */
    size_t log_left;            /* print() output this call may still write */
    const SB *log_full;         /* the log that reached LAB_LOG_KEEP (said once, then nothing) */
    char lua_dir[1200];
    char script_dir[1200];
    SB *log;
    SB script_text;
    int quick;
    char **settings; /* "train.steps=500", from lab_set_field (l_override.c) */
    int n_settings;
    LabFn *fns[64];
    int n_fns;
    struct Vocab *vocabs[16]; /* vocabularies the explanation callbacks use */
    int n_vocabs;
    struct LabModule {        /* every module require() loaded, for the checkpoint (lab_script_json) */
        char name[72];
        char *text;
        size_t len;
    } *modules;
    int n_modules;
    int modules_only;         /* require() reads the recorded modules only (a rebuild from a record) */
    char script_path[1100];   /* the script loaded last, as given */
    Strategy *model;          /* owned agent of a borrowed model: lab.episode(w, "model") (NULL: none) */
    EpConfig model_cfg;       /* the episodes the model was trained on */
};

enum {
    LAB_HOOK_COUNT = 1000,        /* instructions between two looks at the clock */
    LAB_TEXT_MAX = 4096,          /* longest string a script hands to dolab (an explanation) */
    LAB_LOG_MAX = 1 << 20,        /* print() output per call into Lua */
    LAB_LOG_KEEP = 8 << 20,       /* the most a log keeps: training calls filters a million times */
    LAB_SHOW_MAX = 64 * 1024,     /* what a `:` line prints */
};

Lab *lab_from_state(lua_State *L);
/* The one way into Lua: runs body(L) in a protected call with the traceback handler, the time
 * limit and the memory cap; ud arrives as the light userdata at index 1 and results go back
 * through it.  Calls nest (a predicate run while a script loads shares the script's deadline).
 * On error fills e ("script:line: message\ntraceback") and returns -1. */
int lab_protect(Lab *lab, lua_CFunction body, void *ud, Err *e);
/* The registry index of the globals, read and written raw (a script may give _G metamethods). */
void lab_rawget_global(lua_State *L, const char *name);
void lab_rawset_global(lua_State *L, const char *name); /* pops the value */

/* l_sandbox.c: the restricted libraries (print, load, require, setmetatable, bounded patterns) */
void lab_open_sandbox(lua_State *L);
enum { LAB_MAX_MODULES = 64 };
/* Records a module's text (a copy) under name, once; -1 when out of room or memory. */
int lab_module_add(Lab *lab, const char *name, const char *text, size_t len);
/* l_show.c: appends the value at idx as a person reads it, {1, 2, a = 1, b = {…}}, bounded in
 * depth, entries and limit bytes (then "… (cut at N KB)").  Calls __tostring: run it inside
 * lab_protect. */
void lab_show(lua_State *L, int idx, SB *out, size_t limit);

/* l_api.c: the `lab` table */
void lab_open_api(lua_State *L);
/* l_exp.c: lab.experiment{...} */
void lab_open_experiment(lua_State *L);
int l_experiment(lua_State *L);
int lab_experiment_from(lua_State *L, int idx, Experiment *x, Err *e);

/* l_check.c: reading script tables; every error is raised as "script:line: path: what" */
int l_err(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *l_typename(lua_State *L, int idx);
/* Raises an error for a key of table t that is not in allowed (NULL-terminated). */
void l_unknown_fields(lua_State *L, int t, const char *path, const char *const *allowed);
/* Pushes t[key]; returns its type (LUA_TNIL when absent). */
int l_field(lua_State *L, int t, const char *key);
/* Each reads t[key] into dst if present (leaving dst alone if absent), or raises naming path.key. */
void l_get_num(lua_State *L, int t, const char *path, const char *key, double *dst, double lo, double hi);
void l_get_int(lua_State *L, int t, const char *path, const char *key, int *dst, int lo, int hi);
void l_get_u64(lua_State *L, int t, const char *path, const char *key, uint64_t *dst);
void l_get_bool(lua_State *L, int t, const char *path, const char *key, int *dst);
void l_get_str(lua_State *L, int t, const char *path, const char *key, char *dst, size_t cap);
void l_get_var(lua_State *L, int t, const char *path, const char *key, int *dst, int n);
/* {a, b}: two numbers from lo to hi. */
void l_get_pair(lua_State *L, int t, const char *path, const char *key, double *a, double *b, double lo, double hi);
int l_var_index(lua_State *L, int idx, int n, const char *path);
void l_check_table(lua_State *L, int idx, const char *path);

/* l_world.c: graphs, worlds, episodes */
void lab_open_world(lua_State *L);
int l_world_new(lua_State *L);   /* lab.world{...} */
int l_episode_new(lua_State *L); /* lab.episode(world, strategy, options) */
void lab_push_graph(lua_State *L, const Scm *g);
/* A new "dolab.world" (Lua owns it) holding a copy of s. */
void lab_push_world(lua_State *L, const Scm *s, uint64_t seed);
/* Copies the graph of a world or graph userdata at idx; 0 if it is neither. */
int lab_to_world(lua_State *L, int idx, Scm *out);
/* A table describing an episode (what lab.episode returns). */
void lab_push_episode(lua_State *L, const Episode *ep);
void l_push_values(lua_State *L, const double *x, int n); /* {A = x[0], B = x[1], ...} */
void l_push_set(lua_State *L, unsigned set, int n);       /* {"A", "C", ...} */
/* Sets passive = {{A = ..}, ..} and steps = {{do = "A", value = 5, observed = {A = ..}}, ..} of
 * the view in the table at the top of the stack. */
void l_set_history(lua_State *L, const EpView *v);

/* l_fn.c: script functions kept for C */
void lab_open_markers(lua_State *L);
int l_link(lua_State *L);
int l_ancestor(lua_State *L);
int l_assoc_agrees(lua_State *L);
int l_assoc_disagrees(lua_State *L);
LabFn *lab_fn_new(Lab *lab, lua_State *L, int idx, const char *what);
/* A graph predicate field of table t: nil, a function, lab.link(a, b) or lab.ancestor(a, b). */
void l_get_graph_pred(lua_State *L, int t, const char *path, const char *key, ExpPred *dst, int n);
/* An episode filter field: nil, a function, lab.assoc_agrees() or lab.assoc_disagrees(). */
/* train.mix[i].demonstrator given as a function or {name =, act = function}: the strategy
 * that calls it (owned by the Lab) into *dst, its name into name (cap bytes). */
void l_get_demonstrator(lua_State *L, int t, const char *path, Strategy **dst, char *name, size_t cap);
void l_get_ep_pred(lua_State *L, int t, const char *path, const char *key, ExpEpPred *dst);

/* Explanation functions of one experiment, handed to the stream writer as its context. */
typedef struct LabExplain {
    LabFn *after, *before;
    Vocab *vocab; /* the experiment's vocabulary, to turn words into tokens */
} LabExplain;
int lab_explain_after(void *ctx, const EpView *v, int step, TokSeq *out, Err *e);
int lab_explain_before(void *ctx, const EpView *v, TokSeq *out, Err *e);

/* l_lesson.c: lab.lesson{...} (after lab_open_api: it adds to the `lab` table) */
void lab_open_lesson(lua_State *L);

/* l_override.c: writes the lab_set_field settings into the experiment table at t. */
void lab_apply_settings(lua_State *L, int t);
void lab_settings_free(Lab *lab);

#endif

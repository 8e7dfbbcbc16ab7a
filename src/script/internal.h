/* internal — what the files of src/script share; not for the rest of dolab. */
#ifndef DOLAB_SCRIPT_INTERNAL_H
#define DOLAB_SCRIPT_INTERNAL_H

#include <lauxlib.h>
#include <lua.h>

#include "script/lab.h"
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
} LabFn;

struct Lab {
    lua_State *L;
    size_t mem_used, mem_limit;
    double seconds, deadline;
    char lua_dir[1200];
    char script_dir[1200];
    SB *log;
    SB script_text;
    int quick;
    LabFn *fns[64];
    int n_fns;
    struct Vocab *vocabs[16]; /* vocabularies the explanation callbacks use */
    int n_vocabs;
};

Lab *lab_from_state(lua_State *L);
/* Runs the function on the stack top with nargs below it, protected with a traceback and the
 * time limit; leaves nres results.  On error fills e ("script:line: message\ntraceback"). */
int lab_pcall(Lab *lab, int nargs, int nres, Err *e);

/* l_api.c: lab.experiment{...} and the `lab` table */
void lab_open_api(lua_State *L);
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
void l_get_ep_pred(lua_State *L, int t, const char *path, const char *key, ExpEpPred *dst);

/* Explanation functions of one experiment, handed to the stream writer as its context. */
typedef struct LabExplain {
    LabFn *after, *before;
    Vocab *vocab; /* the experiment's vocabulary, to turn words into tokens */
} LabExplain;
int lab_explain_after(void *ctx, const EpView *v, int step, TokSeq *out, Err *e);
int lab_explain_before(void *ctx, const EpView *v, TokSeq *out, Err *e);

#endif

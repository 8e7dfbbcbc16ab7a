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
    char **settings; /* "train.steps=500", from lab_set_field (l_override.c) */
    int n_settings;
    LabFn *fns[64];
    int n_fns;
    struct Vocab *vocabs[16]; /* vocabularies the explanation callbacks use */
    int n_vocabs;
};

Lab *lab_from_state(lua_State *L);
/* Runs the function on the stack top with nargs below it, protected with a traceback and the
 * time limit; leaves nres results.  On error fills e ("script:line: message\ntraceback"). */
int lab_pcall(Lab *lab, int nargs, int nres, Err *e);

/* l_api.c */
void lab_open_api(lua_State *L);
void lab_push_graph(lua_State *L, const Scm *g);
/* A new "dolab.world" (Lua owns it) holding a copy of s. */
void lab_push_world(lua_State *L, const Scm *s, uint64_t seed);
/* Copies the graph of a world or graph userdata at idx; 0 if it is neither. */
int lab_to_world(lua_State *L, int idx, Scm *out);
/* A table describing an episode (what lab.episode returns). */
void lab_push_episode(lua_State *L, const Episode *ep);
int lab_experiment_from(lua_State *L, int idx, Experiment *x, Err *e);
LabFn *lab_fn_new(Lab *lab, lua_State *L, int idx, const char *what);

/* l_override.c: writes the lab_set_field settings into the experiment table at t. */
void lab_apply_settings(lua_State *L, int t);
void lab_settings_free(Lab *lab);

#endif

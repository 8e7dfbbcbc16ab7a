/* l_fn — script functions kept for C: graph predicates, episode filters, explanations. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "causal/dagenum.h"
#include "script/internal.h"

/* ---- predicates kept for C ----------------------------------------------------------------- */

LabFn *lab_fn_new(Lab *lab, lua_State *L, int idx, const char *what) {
    if (lab->n_fns >= (int)(sizeof lab->fns / sizeof *lab->fns)) l_err(L, "%s: too many script functions", what);
    LabFn *f = calloc(1, sizeof *f);
    if (!f) l_err(L, "out of memory");
    lab->fns[lab->n_fns++] = f;
    f->lab = lab;
    snprintf(f->what, sizeof f->what, "%s", what);
    lua_pushvalue(L, idx);
    f->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return f;
}

static int cache_find(const LabFn *f, uint64_t id, int *val) {
    if (!f->cap) return 0;
    size_t h = (size_t)(id * 0x9E3779B97F4A7C15ull) & (f->cap - 1);
    while (f->vals[h]) {
        if (f->ids[h] == id) {
            *val = f->vals[h] - 1;
            return 1;
        }
        h = (h + 1) & (f->cap - 1);
    }
    return 0;
}

static int cache_put(LabFn *f, uint64_t id, int val) {
    if ((f->count + 1) * 2 > f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 1024;
        uint64_t *ids = calloc(cap, sizeof *ids);
        uint8_t *vals = calloc(cap, 1);
        if (!ids || !vals) {
            free(ids), free(vals);
            return -1;
        }
        for (size_t i = 0; i < f->cap; i++)
            if (f->vals[i]) {
                size_t h = (size_t)(f->ids[i] * 0x9E3779B97F4A7C15ull) & (cap - 1);
                while (vals[h]) h = (h + 1) & (cap - 1);
                ids[h] = f->ids[i];
                vals[h] = f->vals[i];
            }
        free(f->ids), free(f->vals);
        f->ids = ids;
        f->vals = vals;
        f->cap = cap;
    }
    size_t h = (size_t)(id * 0x9E3779B97F4A7C15ull) & (f->cap - 1);
    while (f->vals[h]) h = (h + 1) & (f->cap - 1);
    f->ids[h] = id;
    f->vals[h] = (uint8_t)(val + 1);
    f->count++;
    return 0;
}

/* ---- calling a script function from C: everything, the argument tables too, inside
 * lab_protect, so the memory cap or an error there ends the call, never dolab ---------------- */

enum { FN_GRAPH, FN_EPISODE, FN_EXPLAIN };

typedef struct FnCall {
    LabFn *f;
    int kind;
    const Scm *g;         /* FN_GRAPH */
    const Episode *ep;    /* FN_EPISODE */
    const EpView *v;      /* FN_EXPLAIN: the view and the step (-1: before the exploit) */
    int step;
    int yes;              /* result of a predicate */
    char text[LAB_TEXT_MAX + 1]; /* result of an explanation */
} FnCall;

static void push_explain_arg(lua_State *L, const EpView *v, int step) {
    lua_newtable(L);
    char s[2] = {0, 0};
    if (step >= 0) {
        s[0] = scm_name(v->steps[step].var);
        lua_pushstring(L, s);
        lua_setfield(L, -2, "actor");
        l_push_values(L, v->steps[step].obs, v->n);
        lua_setfield(L, -2, "observed");
    } else {
        s[0] = scm_name(v->goal);
        lua_pushstring(L, s);
        lua_setfield(L, -2, "goal");
        s[0] = scm_name(v->exploit_var);
        lua_pushstring(L, s);
        lua_setfield(L, -2, "choice");
        lua_pushinteger(L, v->exploit_sign);
        lua_setfield(L, -2, "sign");
        int sign = 1, cue = tok_assoc_cue(v, &sign);
        if (cue >= 0) {
            s[0] = scm_name(cue);
            lua_pushstring(L, s);
            lua_setfield(L, -2, "assoc");
        }
    }
    lua_createtable(L, v->n_steps, 0);
    for (int i = 0; i < v->n_steps; i++) {
        lua_newtable(L);
        s[0] = scm_name(v->steps[i].var);
        lua_pushstring(L, s);
        lua_setfield(L, -2, "do");
        l_push_values(L, v->steps[i].obs, v->n);
        lua_setfield(L, -2, "observed");
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "steps");
}

/* "x.lua:12: " where the function at idx was defined ("" for a C function: the message handler
 * then names the script line that is running) */
static const char *defined_at(lua_State *L, int idx) {
    lua_Debug ar;
    lua_pushvalue(L, idx);
    lua_getinfo(L, ">S", &ar);
    if (ar.linedefined < 0) return lua_pushstring(L, "");
    return lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.linedefined);
}

static int fn_body(lua_State *L) {
    FnCall *c = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->f->ref);
    int fn = lua_gettop(L);
    lua_pushvalue(L, fn);
    if (c->kind == FN_GRAPH) lab_push_graph(L, c->g);
    else if (c->kind == FN_EPISODE) lab_push_episode(L, c->ep);
    else push_explain_arg(L, c->v, c->step);
    lua_call(L, 1, 1);
    if (c->kind != FN_EXPLAIN) {
        if (!lua_isboolean(L, -1))
            return luaL_error(L, "%sthe function must return true or false, it returned %s", defined_at(L, fn),
                              luaL_typename(L, -1));
        c->yes = lua_toboolean(L, -1);
        return 0;
    }
    if (lua_type(L, -1) != LUA_TSTRING)
        return luaL_error(L, "%sthe function must return a string of words, it returned %s", defined_at(L, fn),
                          luaL_typename(L, -1));
    size_t n;
    const char *s = lua_tolstring(L, -1, &n);
    if (n > LAB_TEXT_MAX)
        return luaL_error(L, "%sthe function returned %I bytes, an explanation is at most %d", defined_at(L, fn),
                          (lua_Integer)n, LAB_TEXT_MAX);
    memcpy(c->text, s, n + 1);
    return 0;
}

static int fn_call(FnCall *c, Err *e) {
    if (lab_protect(c->f->lab, fn_body, c, e)) return err_prefix(e, "%s", c->f->what);
    return 0;
}

/* Calls the Lua predicate on graph g (its structure, weights 1 when precomputed): 1, 0 or -1. */
static int call_graph_pred(LabFn *f, const Scm *g, Err *e) {
    FnCall c = {.f = f, .kind = FN_GRAPH, .g = g};
    if (fn_call(&c, e)) return -1;
    return c.yes;
}

static int graph_pred(const Scm *g, const void *ctx) {
    LabFn *f = (LabFn *)ctx; /* the cache is the Lab's own: writable */
    uint64_t id = scm_id(g) ^ ((uint64_t)g->n << 61);
    int v;
    if (cache_find(f, id, &v)) return v;
    if (f->failed) return 0;
    v = call_graph_pred(f, g, &f->err);
    if (v < 0) {
        f->failed = 1;
        return 0;
    }
    cache_put(f, id, v);
    return v;
}

/* Every structure on n <= 5 variables once, at load time, so errors surface at once and
 * training never calls Lua for this predicate. */
static void precompute(lua_State *L, LabFn *f, int n) {
    if (n > DAGENUM_MAX_VARS) return;
    uint64_t *ids;
    size_t count;
    Err e;
    if (dag_enumerate(n, &ids, &count, &e)) l_err(L, "%s", e.msg);
    for (size_t i = 0; i < count; i++) {
        Scm g;
        scm_from_id(&g, n, ids[i], 1.0, 0.1, &e);
        int v = call_graph_pred(f, &g, &e);
        if (v < 0) {
            free(ids);
            l_err(L, "%s", e.msg);
        }
        if (cache_put(f, ids[i] ^ ((uint64_t)n << 61), v)) {
            free(ids);
            l_err(L, "out of memory");
        }
    }
    free(ids);
}

typedef struct Marker {
    int kind; /* 1 link, 2 ancestor, 3 assoc agrees, 4 assoc disagrees */
    int a, b;
} Marker;
#define LAB_MARKER_MT "dolab.marker"

void lab_open_markers(lua_State *L) {
    luaL_newmetatable(L, LAB_MARKER_MT);
    lua_pop(L, 1);
}

static int l_marker2(lua_State *L, int kind) {
    Marker *m = lua_newuserdatauv(L, sizeof *m, 0);
    m->kind = kind;
    m->a = m->b = -1;
    if (kind <= 2) {
        const char *a = luaL_checkstring(L, 1), *b = luaL_checkstring(L, 2);
        if (!a[0] || a[1] || a[0] < 'A' || a[0] > 'H') return luaL_argerror(L, 1, "expected a variable name");
        if (!b[0] || b[1] || b[0] < 'A' || b[0] > 'H') return luaL_argerror(L, 2, "expected a variable name");
        m->a = a[0] - 'A';
        m->b = b[0] - 'A';
    }
    luaL_setmetatable(L, LAB_MARKER_MT);
    return 1;
}
int l_link(lua_State *L) { return l_marker2(L, 1); }
int l_ancestor(lua_State *L) { return l_marker2(L, 2); }
int l_assoc_agrees(lua_State *L) { return l_marker2(L, 3); }
int l_assoc_disagrees(lua_State *L) { return l_marker2(L, 4); }

/* A graph predicate field: nil, a function, lab.link(a, b) or lab.ancestor(a, b). */
void l_get_graph_pred(lua_State *L, int t, const char *path, const char *key, ExpPred *dst, int n) {
    Lab *lab = lab_from_state(L);
    char p[96];
    snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
    int ty = l_field(L, t, key);
    if (ty == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    Marker *m = luaL_testudata(L, -1, LAB_MARKER_MT);
    if (m && m->kind <= 2) {
        if (m->a >= n || m->b >= n) l_err(L, "%s: %c or %c is not a variable of %d-variable worlds", p, 'A' + m->a, 'A' + m->b, n);
        *dst = m->kind == 1 ? exp_pred_link(m->a, m->b) : exp_pred_ancestor(m->a, m->b);
    } else if (ty == LUA_TFUNCTION) {
        LabFn *f = lab_fn_new(lab, L, -1, p);
        precompute(L, f, n);
        dst->fn = graph_pred;
        dst->ctx = f;
        snprintf(dst->desc, sizeof dst->desc, "%.60s (script function)", p);
    } else {
        l_err(L, "%s: expected a function of a graph or lab.link(a, b), got %s", p, l_typename(L, -1));
    }
    lua_pop(L, 1);
}

static int ep_pred(const Episode *ep, const void *ctx) {
    LabFn *f = (LabFn *)ctx;
    if (f->failed) return 0;
    FnCall c = {.f = f, .kind = FN_EPISODE, .ep = ep};
    if (fn_call(&c, &f->err)) {
        f->failed = 1;
        return 0;
    }
    return c.yes;
}

void l_get_ep_pred(lua_State *L, int t, const char *path, const char *key, ExpEpPred *dst) {
    Lab *lab = lab_from_state(L);
    char p[96];
    snprintf(p, sizeof p, "%s.%s", path, key);
    int ty = l_field(L, t, key);
    if (ty != LUA_TNIL) {
        Marker *m = luaL_testudata(L, -1, LAB_MARKER_MT);
        if (m && m->kind >= 3) {
            *dst = exp_ep_assoc_agrees(m->kind == 3);
        } else if (ty == LUA_TFUNCTION) {
            dst->fn = ep_pred;
            dst->ctx = lab_fn_new(lab, L, -1, p);
            snprintf(dst->desc, sizeof dst->desc, "%.60s (script function)", p);
        } else {
            l_err(L, "%s: expected a function of an episode or lab.assoc_agrees(), got %s", p, l_typename(L, -1));
        }
    }
    lua_pop(L, 1);
}

/* ---- explanations ------------------------------------------------------------------------ */

static int words_to_tokens(LabFn *f, const Vocab *v, const char *s, TokSeq *out, Err *e) {
    char buf[LAB_TEXT_MAX + 1];
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    for (char *w = strtok_r(buf, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
        size_t n = strlen(w);
        int comma = n > 1 && w[n - 1] == ',';
        if (comma) w[n - 1] = 0;
        int id = tok_find(v, w);
        if (id < 0 || id == TOK_BOS || id == TOK_PAD || id == TOK_DO || id == TOK_GOAL)
            return err_set(e, "%s: the word '%s' is not in the experiment's vocabulary (list it in explain.words)",
                           f->what, w);
        if (out->n + 2 >= TOK_MAX_LEN) return err_set(e, "%s: explanation too long", f->what);
        out->tok[out->n++] = id;
        if (comma) out->tok[out->n++] = TOK_COMMA;
    }
    return 0;
}

static int explain_call(LabFn *f, const Vocab *voc, const EpView *v, int step, TokSeq *out, Err *e) {
    FnCall c = {.f = f, .kind = FN_EXPLAIN, .v = v, .step = step};
    if (fn_call(&c, e)) return -1;
    return words_to_tokens(f, voc, c.text, out, e);
}

int lab_explain_after(void *ctx, const EpView *v, int step, TokSeq *out, Err *e) {
    LabExplain *x = ctx;
    return explain_call(x->after, x->vocab, v, step, out, e);
}
int lab_explain_before(void *ctx, const EpView *v, TokSeq *out, Err *e) {
    LabExplain *x = ctx;
    return explain_call(x->before, x->vocab, v, -1, out, e);
}

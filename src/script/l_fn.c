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

enum { FN_GRAPH, FN_EPISODE, FN_EXPLAIN, FN_ACT };

typedef struct FnCall {
    LabFn *f;
    int kind;
    const Scm *g;         /* FN_GRAPH */
    const Episode *ep;    /* FN_EPISODE */
    const EpView *v;      /* FN_EXPLAIN: the view and the step (-1: before the exploit); FN_ACT */
    int step;
    int yes;              /* result of a predicate */
    StratAction act;      /* result of a demonstrator */
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
    l_set_history(L, v);
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

/* What a demonstrator sees: the view, never the truth. */
static void push_view_arg(lua_State *L, const EpView *v) {
    char s[2] = {0, 0}, legal[EP_MAX_ANSWERS][3];
    int exploit = ep_phase(v) == EP_EXPLOIT;
    lua_newtable(L);
    lua_pushstring(L, exploit ? "exploit" : "explore");
    lua_setfield(L, -2, "phase");
    lua_pushinteger(L, v->n);
    lua_setfield(L, -2, "variables");
    l_push_set(L, v->relevant, v->n);
    lua_setfield(L, -2, "relevant");
    lua_pushnumber(L, v->value);
    lua_setfield(L, -2, "value");
    lua_pushnumber(L, v->exploit_value);
    lua_setfield(L, -2, "exploit_value");
    lua_pushinteger(L, v->explore_total);
    lua_setfield(L, -2, "explore_total");
    lua_pushinteger(L, v->n_steps);
    lua_setfield(L, -2, "step");
    if (v->goal >= 0) {
        s[0] = scm_name(v->goal);
        lua_pushstring(L, s);
        lua_setfield(L, -2, "goal");
    }
    lua_pushinteger(L, (lua_Integer)(v->agent_seed >> 11)); /* the episode's own randomness, below 2^53 */
    lua_setfield(L, -2, "seed");
    l_set_history(L, v);
    int nl = ep_legal_answers(v, legal);
    lua_createtable(L, nl, 0);
    for (int i = 0; i < nl; i++) {
        lua_pushstring(L, legal[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "legal");
}

/* The demonstrator's answer at -1: one of the view's legal answers. */
static int read_action(lua_State *L, int fn, const EpView *v, StratAction *out) {
    const char *a = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    if (a && ep_parse_answer(v, a, &out->var, &out->sign) == 0) return 0;
    char legal[EP_MAX_ANSWERS][3];
    int nl = ep_legal_answers(v, legal);
    SB list = {0};
    for (int i = 0; i < nl; i++) sb_printf(&list, "%s%s", i ? " " : "", legal[i]);
    lua_pushfstring(L, "%sthe demonstrator must return one of the legal answers (%s) while %s, it returned %s%s%s",
                    defined_at(L, fn), sb_str(&list), ep_phase(v) == EP_EXPLOIT ? "exploiting" : "exploring",
                    a ? "'" : "", a ? a : luaL_typename(L, -1), a ? "'" : "");
    sb_free(&list);
    return lua_error(L);
}

static int fn_body(lua_State *L) {
    FnCall *c = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->f->ref);
    int fn = lua_gettop(L);
    lua_pushvalue(L, fn);
    if (c->kind == FN_GRAPH) lab_push_graph(L, c->g);
    else if (c->kind == FN_EPISODE) lab_push_episode(L, c->ep);
    else if (c->kind == FN_ACT) push_view_arg(L, c->v);
    else push_explain_arg(L, c->v, c->step);
    lua_call(L, 1, 1);
    if (c->kind == FN_ACT) return read_action(L, fn, c->v, &c->act);
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

/* A predicate that failed keeps its first error and fails again with it at once on every later
 * call (every caller then stops with the script's own message). */
static int fn_failed(const LabFn *f, Err *e) {
    if (e) *e = f->err;
    return -1;
}

static int graph_pred(const Scm *g, const void *ctx, Err *e) {
    LabFn *f = (LabFn *)ctx; /* the cache is the Lab's own: writable */
    uint64_t id = scm_id(g) ^ ((uint64_t)g->n << 61);
    int v;
    if (cache_find(f, id, &v)) return v;
    if (f->failed) return fn_failed(f, e);
    v = call_graph_pred(f, g, &f->err);
    if (v < 0) {
        f->failed = 1;
        return fn_failed(f, e);
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

static int ep_pred(const Episode *ep, const void *ctx, Err *e) {
    LabFn *f = (LabFn *)ctx;
    if (f->failed) return fn_failed(f, e);
    FnCall c = {.f = f, .kind = FN_EPISODE, .ep = ep};
    if (fn_call(&c, &f->err)) {
        f->failed = 1;
        return fn_failed(f, e);
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

/* ---- demonstrators: a mix component's episodes played by a script function -------------- */

static int script_act(Strategy *st, const EpView *const *views, const Episode *const *truth, const int *ids, int n,
                      StratAction *out, Err *e) {
    (void)truth, (void)ids;
    LabFn *f = st->state;
    for (int i = 0; i < n; i++) {
        FnCall c = {.f = f, .kind = FN_ACT, .v = views[i]};
        if (fn_call(&c, e)) return -1;
        out[i] = c.act;
    }
    return 0;
}

void l_get_demonstrator(lua_State *L, int t, const char *path, Strategy **dst, char *name, size_t cap) {
    char p[64];
    snprintf(p, sizeof p, "%s.demonstrator", path);
    int ty = l_field(L, t, "demonstrator");
    int D = lua_gettop(L);
    const char *nm = "script";
    if (ty == LUA_TTABLE) {
        static const char *const keys[] = {"name", "act", NULL};
        l_unknown_fields(L, D, p, keys);
        if (l_field(L, D, "name") != LUA_TSTRING) l_err(L, "%s.name: expected a string, got %s", p, l_typename(L, -1));
        nm = lua_tostring(L, -1);
        lua_pop(L, 1);
        if (l_field(L, D, "act") != LUA_TFUNCTION) l_err(L, "%s.act: expected a function of what the demonstrator sees, got %s", p, l_typename(L, -1));
    } else {
        lua_pushvalue(L, D);
    }
    int ok = nm[0] != 0 && strlen(nm) < cap;
    for (const char *q = nm; *q; q++) ok &= (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_';
    if (!ok) l_err(L, "%s.name: expected a word of lower-case letters, digits and '_' (at most %d characters), got '%s'", p, (int)cap - 1, nm);
    if (strat_find(nm)) l_err(L, "%s.name: '%s' is a built-in strategy's name; give the script's another", p, nm);
    LabFn *f = lab_fn_new(lab_from_state(L), L, -1, p);
    lua_pop(L, 2);
    snprintf(f->strat_name, sizeof f->strat_name, "%s", nm);
    f->strat = (Strategy){.name = f->strat_name, .about = "a script's demonstrator", .act = script_act, .state = f};
    *dst = &f->strat;
    snprintf(name, cap, "%s", nm);
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

/* l_api — the `lab` table scripts see: experiments, graphs, worlds, episodes. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "causal/dagenum.h"
#include "learn/train.h"
#include "script/internal.h"
#include "world/strategy.h"

/* ---- small checks with the field path in every message ------------------------------------ */

/* luaL_error with printf formats (lua_pushfstring knows no %g): "script:line: message". */
static int lerr(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int lerr(lua_State *L, const char *fmt, ...) {
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    luaL_where(L, 1);
    lua_pushstring(L, buf);
    lua_concat(L, 2);
    return lua_error(L);
}

static const char *type_of(lua_State *L, int idx) { return luaL_typename(L, idx); }

static void unknown_fields(lua_State *L, int t, const char *path, const char *const *allowed) {
    t = lua_absindex(L, t);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            if (lua_type(L, -1) == LUA_TNUMBER)
                lerr(L, "%s: unexpected list item [%s] (use named fields)", path, lua_tostring(L, -1));
            lerr(L, "%s: unexpected %s key", path, type_of(L, -1));
        }
        const char *k = lua_tostring(L, -1);
        int ok = 0;
        for (int i = 0; allowed[i]; i++) ok |= strcmp(k, allowed[i]) == 0;
        if (!ok) {
            char list[400] = "";
            for (int i = 0; allowed[i]; i++) {
                if (i) strncat(list, ", ", sizeof list - strlen(list) - 1);
                strncat(list, allowed[i], sizeof list - strlen(list) - 1);
            }
            lerr(L, "%s%s%s: unknown field (expected one of %s)", path, *path ? "." : "", k, list);
        }
    }
}

/* Pushes t[key]; returns its type (LUA_TNIL when absent). */
static int field(lua_State *L, int t, const char *key) { return lua_getfield(L, t, key); }

static void get_num(lua_State *L, int t, const char *path, const char *key, double *dst, double lo, double hi) {
    if (field(L, t, key) != LUA_TNIL) {
        int isnum;
        double v = lua_tonumberx(L, -1, &isnum);
        if (!isnum || lua_type(L, -1) != LUA_TNUMBER || !(v >= lo && v <= hi))
            lerr(L, "%s.%s: expected a number from %g to %g, got %s", path, key, lo, hi,
                 lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) : type_of(L, -1));
        *dst = v;
    }
    lua_pop(L, 1);
}

static void get_int(lua_State *L, int t, const char *path, const char *key, int *dst, int lo, int hi) {
    if (field(L, t, key) != LUA_TNIL) {
        int isint;
        lua_Integer v = lua_tointegerx(L, -1, &isint);
        if (!isint || lua_type(L, -1) != LUA_TNUMBER || v < lo || v > hi)
            lerr(L, "%s.%s: expected an integer from %d to %d, got %s", path, key, lo, hi,
                       lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) : type_of(L, -1));
        *dst = (int)v;
    }
    lua_pop(L, 1);
}

static void get_u64(lua_State *L, int t, const char *path, const char *key, uint64_t *dst) {
    if (field(L, t, key) != LUA_TNIL) {
        int isint;
        lua_Integer v = lua_tointegerx(L, -1, &isint);
        if (!isint || v < 0) lerr(L, "%s.%s: expected a non-negative integer, got %s", path, key, lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) : type_of(L, -1));
        *dst = (uint64_t)v;
    }
    lua_pop(L, 1);
}

static void get_bool(lua_State *L, int t, const char *path, const char *key, int *dst) {
    if (field(L, t, key) != LUA_TNIL) {
        if (!lua_isboolean(L, -1)) lerr(L, "%s.%s: expected true or false, got %s", path, key, type_of(L, -1));
        *dst = lua_toboolean(L, -1);
    }
    lua_pop(L, 1);
}

static void get_str(lua_State *L, int t, const char *path, const char *key, char *dst, size_t cap) {
    if (field(L, t, key) != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TSTRING) lerr(L, "%s%s%s: expected a string, got %s", path, *path ? "." : "", key, type_of(L, -1));
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        if (n >= cap) lerr(L, "%s%s%s: longer than %d characters", path, *path ? "." : "", key, (int)cap - 1);
        memcpy(dst, s, n + 1);
    }
    lua_pop(L, 1);
}

static int var_index(lua_State *L, int idx, int n, const char *path) {
    if (lua_type(L, idx) != LUA_TSTRING)
        return lerr(L, "%s: expected a variable name like \"A\", got %s", path, type_of(L, idx));
    const char *s = lua_tostring(L, idx);
    if (!s[0] || s[1] || s[0] < 'A' || s[0] >= 'A' + n)
        return lerr(L, "%s: '%s' is not a variable (A to %c)", path, s, 'A' + n - 1);
    return s[0] - 'A';
}

static void get_var(lua_State *L, int t, const char *path, const char *key, int *dst, int n) {
    if (field(L, t, key) != LUA_TNIL) {
        char p[128];
        snprintf(p, sizeof p, "%s.%s", path, key);
        *dst = var_index(L, -1, n, p);
    }
    lua_pop(L, 1);
}

static void check_table(lua_State *L, int idx, const char *path) {
    if (lua_type(L, idx) != LUA_TTABLE) lerr(L, "%s: expected a table, got %s", path, type_of(L, idx));
}

/* ---- graphs ----------------------------------------------------------------------------- */

void lab_push_graph(lua_State *L, const Scm *g) {
    Scm *u = lua_newuserdatauv(L, sizeof *u, 0); /* Lua owns the copy; nothing to free */
    *u = *g;
    luaL_setmetatable(L, LAB_GRAPH_MT);
}

static const Scm *check_graph(lua_State *L, int idx) {
    void *p = luaL_testudata(L, idx, LAB_GRAPH_MT);
    if (!p) p = luaL_testudata(L, idx, LAB_WORLD_MT);
    if (!p) luaL_typeerror(L, idx, "graph");
    return p;
}

static int gvar(lua_State *L, const Scm *g, int idx) {
    if (lua_type(L, idx) != LUA_TSTRING) return luaL_argerror(L, idx, "expected a variable name like \"A\"");
    int v = scm_var_of(g, lua_tostring(L, idx));
    if (v < 0) {
        lua_pushfstring(L, "'%s' is not a variable of this graph (A to %c)", lua_tostring(L, idx), 'A' + g->n - 1);
        return luaL_argerror(L, idx, lua_tostring(L, -1));
    }
    return v;
}

static void push_set(lua_State *L, unsigned set, int n) {
    lua_newtable(L);
    int k = 1;
    for (int v = 0; v < n; v++)
        if ((set >> v) & 1u) {
            char s[2] = {scm_name(v), 0};
            lua_pushstring(L, s);
            lua_rawseti(L, -2, k++);
        }
}

static int g_variables(lua_State *L) {
    const Scm *g = check_graph(L, 1);
    push_set(L, (1u << g->n) - 1, g->n);
    return 1;
}
static int g_edge(lua_State *L) {
    const Scm *g = check_graph(L, 1);
    lua_pushboolean(L, scm_has_edge(g, gvar(L, g, 2), gvar(L, g, 3)));
    return 1;
}
static int g_weight(lua_State *L) {
    const Scm *g = check_graph(L, 1);
    lua_pushnumber(L, scm_weight(g, gvar(L, g, 2), gvar(L, g, 3)));
    return 1;
}
static int g_parents(lua_State *L) {
    const Scm *g = check_graph(L, 1);
    push_set(L, scm_parents(g, gvar(L, g, 2)), g->n);
    return 1;
}
static int g_children(lua_State *L) {
    const Scm *g = check_graph(L, 1);
    push_set(L, scm_children(g, gvar(L, g, 2)), g->n);
    return 1;
}
static int g_ancestors(lua_State *L) {
    const Scm *g = check_graph(L, 1);
    push_set(L, scm_ancestors(g, gvar(L, g, 2)), g->n);
    return 1;
}
static int g_descendants(lua_State *L) {
    const Scm *g = check_graph(L, 1);
    push_set(L, scm_descendants(g, gvar(L, g, 2)), g->n);
    return 1;
}
static int g_is_ancestor(lua_State *L) {
    const Scm *g = check_graph(L, 1);
    lua_pushboolean(L, scm_is_ancestor(g, gvar(L, g, 2), gvar(L, g, 3)));
    return 1;
}
static int g_effect(lua_State *L) {
    const Scm *g = check_graph(L, 1);
    lua_pushnumber(L, scm_effect(g, gvar(L, g, 2), gvar(L, g, 3)));
    return 1;
}
static int g_id(lua_State *L) {
    const Scm *g = check_graph(L, 1);
    char s[24];
    snprintf(s, sizeof s, "%016llx", (unsigned long long)scm_id(g));
    lua_pushstring(L, s);
    return 1;
}
static int g_edges(lua_State *L) {
    const Scm *g = check_graph(L, 1);
    lua_newtable(L);
    int k = 1;
    for (int i = 0; i < g->n; i++)
        for (int j = 0; j < g->n; j++)
            if (scm_has_edge(g, i, j)) {
                lua_createtable(L, 3, 0);
                char a[2] = {scm_name(i), 0}, b[2] = {scm_name(j), 0};
                lua_pushstring(L, a);
                lua_rawseti(L, -2, 1);
                lua_pushstring(L, b);
                lua_rawseti(L, -2, 2);
                lua_pushnumber(L, g->w[i][j]);
                lua_rawseti(L, -2, 3);
                lua_rawseti(L, -2, k++);
            }
    return 1;
}
static int g_tostring(lua_State *L) {
    const Scm *g = check_graph(L, 1);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushfstring(L, "graph of %d variables:", g->n);
    luaL_addvalue(&b);
    int any = 0;
    for (int i = 0; i < g->n; i++)
        for (int j = 0; j < g->n; j++)
            if (scm_has_edge(g, i, j)) {
                char s[48];
                snprintf(s, sizeof s, " %c->%c (%.2f)", scm_name(i), scm_name(j), g->w[i][j]);
                luaL_addstring(&b, s);
                any = 1;
            }
    if (!any) luaL_addstring(&b, " no edges");
    luaL_pushresult(&b);
    return 1;
}

/* ---- worlds: a graph one can sample and intervene on -------------------------------------- */

typedef struct LWorld {
    Scm s;     /* first, so a world is also a graph */
    Rng rng;
} LWorld;

static LWorld *check_world(lua_State *L, int idx) { return luaL_checkudata(L, idx, LAB_WORLD_MT); }

static void push_values(lua_State *L, const double *x, int n) {
    lua_createtable(L, 0, n);
    for (int v = 0; v < n; v++) {
        lua_pushnumber(L, x[v]);
        char s[2] = {scm_name(v), 0};
        lua_setfield(L, -2, s);
    }
}

static int w_sample(lua_State *L) {
    LWorld *w = check_world(L, 1);
    double x[SCM_MAX_VARS];
    scm_sample(&w->s, NULL, 0, &w->rng, x);
    push_values(L, x, w->s.n);
    return 1;
}

static int w_intervene(lua_State *L) {
    LWorld *w = check_world(L, 1);
    ScmDo d[SCM_MAX_VARS];
    int nd = 0;
    if (lua_type(L, 2) == LUA_TTABLE) { /* w:intervene{A = 5, C = -1} */
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            if (nd >= SCM_MAX_VARS) return lerr(L, "intervene: too many variables");
            d[nd].var = gvar(L, &w->s, -2);
            d[nd].value = luaL_checknumber(L, -1);
            nd++;
            lua_pop(L, 1);
        }
    } else {
        d[0].var = gvar(L, &w->s, 2);
        d[0].value = luaL_checknumber(L, 3);
        nd = 1;
    }
    for (int i = 0; i < nd; i++)
        if (!isfinite(d[i].value)) return lerr(L, "intervene: the value must be a finite number");
    double x[SCM_MAX_VARS];
    scm_sample(&w->s, d, nd, &w->rng, x);
    push_values(L, x, w->s.n);
    return 1;
}

static int w_graph(lua_State *L) {
    lab_push_graph(L, &check_world(L, 1)->s);
    return 1;
}

/* lab.world{variables=5, seed=1, edge_prob=, weights={lo,hi}, noise=} or
 * lab.world{variables=3, edges={{"A","B",1.5}, ...}, noise=0.1, seed=1} */
static int l_world(lua_State *L) {
    check_table(L, 1, "lab.world");
    static const char *const allowed[] = {"variables", "seed", "edge_prob", "weights", "noise", "edges", NULL};
    unknown_fields(L, 1, "lab.world", allowed);
    ScmParams p = scm_params_default();
    uint64_t seed = 1;
    get_int(L, 1, "lab.world", "variables", &p.n, 2, SCM_MAX_VARS);
    get_u64(L, 1, "lab.world", "seed", &seed);
    get_num(L, 1, "lab.world", "edge_prob", &p.edge_prob, 0, 1);
    get_num(L, 1, "lab.world", "noise", &p.sigma, 0, 100);
    if (field(L, 1, "weights") != LUA_TNIL) {
        check_table(L, -1, "lab.world.weights");
        lua_rawgeti(L, -1, 1);
        lua_rawgeti(L, -2, 2);
        if (!lua_isnumber(L, -2) || !lua_isnumber(L, -1)) lerr(L, "lab.world.weights: expected {lo, hi}");
        p.w_lo = lua_tonumber(L, -2);
        p.w_hi = lua_tonumber(L, -1);
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    LWorld *w = lua_newuserdatauv(L, sizeof *w, 0);
    luaL_setmetatable(L, LAB_WORLD_MT);
    rng_init(&w->rng, seed, 0x3017);
    Err e;
    if (field(L, 1, "edges") != LUA_TNIL) {
        check_table(L, -1, "lab.world.edges");
        if (scm_init(&w->s, p.n, p.sigma, &e)) return lerr(L, "lab.world: %s", e.msg);
        int m = (int)luaL_len(L, -1);
        for (int i = 1; i <= m; i++) {
            lua_rawgeti(L, -1, i);
            check_table(L, -1, "lab.world.edges[i]");
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            lua_rawgeti(L, -3, 3);
            char path[48];
            snprintf(path, sizeof path, "lab.world.edges[%d]", i);
            int a = var_index(L, -3, p.n, path), b = var_index(L, -2, p.n, path);
            double wt = lua_isnil(L, -1) ? 1.0 : luaL_checknumber(L, -1);
            if (scm_add_edge(&w->s, a, b, wt, &e)) return lerr(L, "%s: %s", path, e.msg);
            lua_pop(L, 4);
        }
    } else {
        if (scm_random(&w->s, &p, &w->rng, &e)) return lerr(L, "lab.world: %s", e.msg);
    }
    lua_pop(L, 1);
    return 1;
}

void lab_push_world(lua_State *L, const Scm *s, uint64_t seed) {
    LWorld *w = lua_newuserdatauv(L, sizeof *w, 0);
    luaL_setmetatable(L, LAB_WORLD_MT);
    w->s = *s;
    rng_init(&w->rng, seed, 0x3017);
}

int lab_to_world(lua_State *L, int idx, Scm *out) {
    void *p = luaL_testudata(L, idx, LAB_WORLD_MT);
    if (!p) p = luaL_testudata(L, idx, LAB_GRAPH_MT);
    if (!p) return 0;
    *out = *(const Scm *)p; /* a world starts with its graph */
    return 1;
}

/* ---- episodes ---------------------------------------------------------------------------- */

void lab_push_episode(lua_State *L, const Episode *ep) {
    const EpView *v = &ep->view;
    lua_newtable(L);
    char s[2] = {0, 0};
    s[0] = scm_name(ep->goal);
    lua_pushstring(L, s);
    lua_setfield(L, -2, "goal");
    s[0] = scm_name(ep->best_var);
    lua_pushstring(L, s);
    lua_setfield(L, -2, "best");
    lua_pushinteger(L, ep->best_sign);
    lua_setfield(L, -2, "best_sign");
    lab_push_graph(L, &ep->world);
    lua_setfield(L, -2, "graph");
    lua_createtable(L, v->n_passive, 0);
    for (int i = 0; i < v->n_passive; i++) {
        push_values(L, v->passive[i], v->n);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "passive");
    lua_createtable(L, v->n_steps, 0);
    for (int i = 0; i < v->n_steps; i++) {
        lua_newtable(L);
        s[0] = scm_name(v->steps[i].var);
        lua_pushstring(L, s);
        lua_setfield(L, -2, "do");
        lua_pushnumber(L, v->steps[i].value);
        lua_setfield(L, -2, "value");
        push_values(L, v->steps[i].obs, v->n);
        lua_setfield(L, -2, "observed");
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "steps");
    if (v->cued) {
        push_set(L, v->relevant, v->n);
        lua_setfield(L, -2, "cue");
    }
    EpView g = *v;
    g.goal = ep->goal;
    int sign = 1, cue = tok_assoc_cue(&g, &sign);
    if (cue >= 0) {
        s[0] = scm_name(cue);
        lua_pushstring(L, s);
        lua_setfield(L, -2, "assoc");
        lua_pushinteger(L, sign);
        lua_setfield(L, -2, "assoc_sign");
    }
    if (v->exploit_var >= 0) {
        lua_newtable(L);
        s[0] = scm_name(v->exploit_var);
        lua_pushstring(L, s);
        lua_setfield(L, -2, "do");
        lua_pushnumber(L, v->exploit_sign * v->exploit_value);
        lua_setfield(L, -2, "value");
        lua_setfield(L, -2, "exploit");
        lua_pushnumber(L, ep->reward);
        lua_setfield(L, -2, "reward");
        lua_pushnumber(L, ep->norm_reward);
        lua_setfield(L, -2, "normalised_reward");
    }
}

/* lab.episode(world, strategy = "expert", {goal = "E", passive = 0, seed = 1}) */
static int l_episode(lua_State *L) {
    LWorld *w = check_world(L, 1);
    const char *name = luaL_optstring(L, 2, "expert");
    Strategy *s = strat_find(name);
    if (!s) return lerr(L, "lab.episode: unknown strategy '%s' (expert, oracle, corr, max_seen, parents, random)", name);
    EpConfig c = ep_config_default();
    c.world.n = w->s.n;
    c.world.sigma = w->s.sigma;
    int goal = -1;
    uint64_t seed = rng_u64(&w->rng);
    if (!lua_isnoneornil(L, 3)) {
        check_table(L, 3, "lab.episode options");
        static const char *const allowed[] = {"goal", "passive", "seed", NULL};
        unknown_fields(L, 3, "lab.episode", allowed);
        get_var(L, 3, "lab.episode", "goal", &goal, w->s.n);
        get_int(L, 3, "lab.episode", "passive", &c.passive, 0, EP_MAX_PASSIVE);
        get_u64(L, 3, "lab.episode", "seed", &seed);
    }
    if (goal < 0) { /* the last variable that has a cause */
        for (int v = w->s.n - 1; v >= 0 && goal < 0; v--)
            if (scm_parents(&w->s, v)) goal = v;
        if (goal < 0) return lerr(L, "lab.episode: the world has no edge, so no goal can be raised");
    }
    Episode *ep = malloc(sizeof *ep);
    if (!ep) return lerr(L, "out of memory");
    Err e;
    if (ep_from_world(ep, &w->s, &c, goal, 0, 0, seed, &e)) {
        free(ep);
        return lerr(L, "lab.episode: %s", e.msg);
    }
    if (strat_play(s, &ep, 1, &e)) {
        free(ep);
        return lerr(L, "lab.episode: %s", e.msg);
    }
    lab_push_episode(L, ep);
    free(ep);
    return 1;
}

/* ---- predicates kept for C ----------------------------------------------------------------- */

LabFn *lab_fn_new(Lab *lab, lua_State *L, int idx, const char *what) {
    if (lab->n_fns >= (int)(sizeof lab->fns / sizeof *lab->fns)) lerr(L, "%s: too many script functions", what);
    LabFn *f = calloc(1, sizeof *f);
    if (!f) lerr(L, "out of memory");
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

/* Calls the Lua predicate on graph g (its structure, weights 1 when precomputed). */
static int call_graph_pred(LabFn *f, const Scm *g, Err *e) {
    lua_State *L = f->lab->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, f->ref);
    lab_push_graph(L, g);
    if (lab_pcall(f->lab, 1, 1, e)) return err_prefix(e, "%s", f->what), -1;
    if (!lua_isboolean(L, -1)) {
        err_set(e, "%s: the function must return true or false, it returned %s", f->what, luaL_typename(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    int r = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return r;
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
    if (dag_enumerate(n, &ids, &count, &e)) lerr(L, "%s", e.msg);
    for (size_t i = 0; i < count; i++) {
        Scm g;
        scm_from_id(&g, n, ids[i], 1.0, 0.1, &e);
        int v = call_graph_pred(f, &g, &e);
        if (v < 0) {
            free(ids);
            lerr(L, "%s", e.msg);
        }
        if (cache_put(f, ids[i] ^ ((uint64_t)n << 61), v)) {
            free(ids);
            lerr(L, "out of memory");
        }
    }
    free(ids);
}

typedef struct Marker {
    int kind; /* 1 link, 2 ancestor, 3 assoc agrees, 4 assoc disagrees */
    int a, b;
} Marker;
#define LAB_MARKER_MT "dolab.marker"

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
static int l_link(lua_State *L) { return l_marker2(L, 1); }
static int l_ancestor(lua_State *L) { return l_marker2(L, 2); }
static int l_assoc_agrees(lua_State *L) { return l_marker2(L, 3); }
static int l_assoc_disagrees(lua_State *L) { return l_marker2(L, 4); }

/* A graph predicate field: nil, a function, lab.link(a, b) or lab.ancestor(a, b). */
static void get_graph_pred(lua_State *L, int t, const char *path, const char *key, ExpPred *dst, int n) {
    Lab *lab = lab_from_state(L);
    char p[96];
    snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
    int ty = field(L, t, key);
    if (ty == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    Marker *m = luaL_testudata(L, -1, LAB_MARKER_MT);
    if (m && m->kind <= 2) {
        if (m->a >= n || m->b >= n) lerr(L, "%s: %c or %c is not a variable of %d-variable worlds", p, 'A' + m->a, 'A' + m->b, n);
        *dst = m->kind == 1 ? exp_pred_link(m->a, m->b) : exp_pred_ancestor(m->a, m->b);
    } else if (ty == LUA_TFUNCTION) {
        LabFn *f = lab_fn_new(lab, L, -1, p);
        precompute(L, f, n);
        dst->fn = graph_pred;
        dst->ctx = f;
        snprintf(dst->desc, sizeof dst->desc, "%.60s (script function)", p);
    } else {
        lerr(L, "%s: expected a function of a graph or lab.link(a, b), got %s", p, type_of(L, -1));
    }
    lua_pop(L, 1);
}

static int ep_pred(const Episode *ep, const void *ctx) {
    LabFn *f = (LabFn *)ctx;
    if (f->failed) return 0;
    lua_State *L = f->lab->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, f->ref);
    lab_push_episode(L, ep);
    if (lab_pcall(f->lab, 1, 1, &f->err)) {
        err_prefix(&f->err, "%s", f->what);
        f->failed = 1;
        return 0;
    }
    int r = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return r;
}

static void get_ep_pred(lua_State *L, int t, const char *path, const char *key, ExpEpPred *dst) {
    Lab *lab = lab_from_state(L);
    char p[96];
    snprintf(p, sizeof p, "%s.%s", path, key);
    int ty = field(L, t, key);
    if (ty != LUA_TNIL) {
        Marker *m = luaL_testudata(L, -1, LAB_MARKER_MT);
        if (m && m->kind >= 3) {
            *dst = exp_ep_assoc_agrees(m->kind == 3);
        } else if (ty == LUA_TFUNCTION) {
            dst->fn = ep_pred;
            dst->ctx = lab_fn_new(lab, L, -1, p);
            snprintf(dst->desc, sizeof dst->desc, "%.60s (script function)", p);
        } else {
            lerr(L, "%s: expected a function of an episode or lab.assoc_agrees(), got %s", p, type_of(L, -1));
        }
    }
    lua_pop(L, 1);
}

/* ---- explanations ------------------------------------------------------------------------ */

typedef struct LabExplain {
    LabFn *after, *before;
    Vocab *vocab; /* the experiment's vocabulary, to turn words into tokens */
} LabExplain;

static int words_to_tokens(LabFn *f, const Vocab *v, const char *s, TokSeq *out, Err *e) {
    char buf[512];
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
    lua_State *L = f->lab->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, f->ref);
    lua_newtable(L);
    char s[2] = {0, 0};
    if (step >= 0) {
        s[0] = scm_name(v->steps[step].var);
        lua_pushstring(L, s);
        lua_setfield(L, -2, "actor");
        push_values(L, v->steps[step].obs, v->n);
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
        push_values(L, v->steps[i].obs, v->n);
        lua_setfield(L, -2, "observed");
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "steps");
    if (lab_pcall(f->lab, 1, 1, e)) return err_prefix(e, "%s", f->what);
    if (lua_type(L, -1) != LUA_TSTRING) {
        err_set(e, "%s: the function must return a string of words, it returned %s", f->what, luaL_typename(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    int rc = words_to_tokens(f, voc, lua_tostring(L, -1), out, e);
    lua_pop(L, 1);
    return rc;
}

static int fn_after(void *ctx, const EpView *v, int step, TokSeq *out, Err *e) {
    LabExplain *x = ctx;
    return explain_call(x->after, x->vocab, v, step, out, e);
}
static int fn_before(void *ctx, const EpView *v, TokSeq *out, Err *e) {
    LabExplain *x = ctx;
    return explain_call(x->before, x->vocab, v, -1, out, e);
}

/* ---- lab.experiment{...} ------------------------------------------------------------------ */

typedef struct LExperiment {
    Experiment x;
    LabExplain *explain; /* owned by the Lab's list of functions (freed with the Lab) */
} LExperiment;

static void read_world(lua_State *L, int t, const char *path, EpConfig *c, int allow_shape) {
    static const char *const all[] = {"variables", "edge_prob", "weights", "noise", "value", "exploit_value",
                                      "passive", "explore", "cue", NULL};
    static const char *const part[] = {"passive", "noise", "explore", "cue", "value", NULL};
    unknown_fields(L, t, path, allow_shape ? all : part);
    if (allow_shape) {
        get_int(L, t, path, "variables", &c->world.n, SCM_MIN_VARS, SCM_MAX_VARS);
        get_num(L, t, path, "edge_prob", &c->world.edge_prob, 0, 1);
        if (field(L, t, "weights") != LUA_TNIL) {
            char p[96];
            snprintf(p, sizeof p, "%s.weights", path);
            check_table(L, -1, p);
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            if (!lua_isnumber(L, -2) || !lua_isnumber(L, -1) || luaL_len(L, -3) != 2)
                lerr(L, "%s: expected {lo, hi}", p);
            c->world.w_lo = lua_tonumber(L, -2);
            c->world.w_hi = lua_tonumber(L, -1);
            lua_pop(L, 2);
        }
        lua_pop(L, 1);
        get_num(L, t, path, "exploit_value", &c->exploit_value, 0.001, 20);
    }
    get_num(L, t, path, "noise", &c->world.sigma, 0, 100);
    get_num(L, t, path, "value", &c->value, -20, 20);
    get_int(L, t, path, "passive", &c->passive, 0, EP_MAX_PASSIVE);
    get_int(L, t, path, "explore", &c->explore, 0, EP_MAX_STEPS);
    get_int(L, t, path, "cue", &c->cue_size, 0, SCM_MAX_VARS);
    Err e;
    if (ep_config_check(c, &e)) lerr(L, "%s: %s", path, e.msg);
}

static void read_template(lua_State *L, int t, const char *key, TokTemplate *tpl, LabFn **fn) {
    char p[64];
    snprintf(p, sizeof p, "explain.%s", key);
    int ty = field(L, t, key);
    if (ty == LUA_TSTRING) {
        Err e;
        if (tok_template_set(tpl, lua_tostring(L, -1), &e)) lerr(L, "%s: %s", p, e.msg);
    } else if (ty == LUA_TFUNCTION && fn) {
        *fn = lab_fn_new(lab_from_state(L), L, -1, p);
        tok_template_set(tpl, "", NULL);
    } else if (ty != LUA_TNIL) {
        lerr(L, "%s: expected a template string%s, got %s", p, fn ? " or a function" : "", type_of(L, -1));
    }
    lua_pop(L, 1);
}

static int experiment_gc(lua_State *L) {
    (void)L; /* the Experiment holds no heap memory of its own; its functions belong to the Lab */
    return 0;
}

static int l_experiment(lua_State *L) {
    Lab *lab = lab_from_state(L);
    check_table(L, 1, "lab.experiment");
    lab_apply_settings(L, 1);
    static const char *const top[] = {"name", "about", "world", "heldout", "train", "model", "explain", "eval", NULL};
    unknown_fields(L, 1, "", top);
    LExperiment *u = lua_newuserdatauv(L, sizeof *u, 0);
    memset(u, 0, sizeof *u);
    luaL_setmetatable(L, LAB_EXPERIMENT_MT);
    int U = lua_gettop(L);
    Experiment *x = &u->x;
    *x = exp_default();
    snprintf(x->name, sizeof x->name, "experiment");
    x->about[0] = 0;
    get_str(L, 1, "", "name", x->name, sizeof x->name);
    get_str(L, 1, "", "about", x->about, sizeof x->about);
    if (field(L, 1, "world") != LUA_TNIL) {
        check_table(L, -1, "world");
        read_world(L, lua_gettop(L), "world", &x->world, 1);
    }
    lua_pop(L, 1);
    int n = x->world.world.n;
    memset(&x->heldout, 0, sizeof x->heldout);
    get_graph_pred(L, 1, "", "heldout", &x->heldout, n);
    /* without eval.sets: the training worlds, and the held-out ones if anything is held out */
    x->n_sets = x->heldout.fn ? 2 : 1;
    x->sets[0].worlds = x->heldout.fn ? EXP_WORLDS_TRAIN : EXP_WORLDS_ALL;
    /* train */
    x->n_mix = 1;
    x->mix[0] = (ExpMix){.weight = 1.0, .ep = x->world};
    if (field(L, 1, "train") != LUA_TNIL) {
        check_table(L, -1, "train");
        int T = lua_gettop(L);
        static const char *const tf[] = {"mix", "steps", "batch", "lr", "lr_min", "warmup", "betas", "weight_decay",
                                         "grad_clip", "seed", "threads", "loss_weights", "eval_every", NULL};
        unknown_fields(L, T, "train", tf);
        if (field(L, T, "mix") != LUA_TNIL) {
            check_table(L, -1, "train.mix");
            int m = (int)luaL_len(L, -1);
            if (m < 1 || m > EXP_MAX_MIX) lerr(L, "train.mix: expected 1 to %d components, got %d", EXP_MAX_MIX, m);
            x->n_mix = m;
            for (int i = 0; i < m; i++) {
                char p[32];
                snprintf(p, sizeof p, "train.mix[%d]", i + 1);
                lua_rawgeti(L, -1, i + 1);
                check_table(L, -1, p);
                int C = lua_gettop(L);
                static const char *const mf[] = {"weight", "explain", "accept", "passive", "noise", "explore", "cue", "value", NULL};
                unknown_fields(L, C, p, mf);
                ExpMix *mx = &x->mix[i];
                *mx = (ExpMix){.weight = 1.0, .ep = x->world};
                get_num(L, C, p, "weight", &mx->weight, 0, 1e9);
                get_bool(L, C, p, "explain", &mx->explain);
                get_ep_pred(L, C, p, "accept", &mx->accept);
                /* the rest are world overrides */
                lua_newtable(L);
                static const char *const ov[] = {"passive", "noise", "explore", "cue", "value", NULL};
                for (int k = 0; ov[k]; k++) {
                    lua_getfield(L, C, ov[k]);
                    lua_setfield(L, -2, ov[k]);
                }
                read_world(L, lua_gettop(L), p, &mx->ep, 0);
                lua_pop(L, 2);
            }
        }
        lua_pop(L, 1);
        get_int(L, T, "train", "steps", &x->steps, 1, 100000000);
        get_int(L, T, "train", "batch", &x->batch, 1, 4096);
        get_num(L, T, "train", "lr", &x->lr, 1e-7, 0.999);
        get_num(L, T, "train", "lr_min", &x->lr_min, 0, 0.999);
        get_num(L, T, "train", "warmup", &x->warmup_frac, 0, 0.999);
        get_num(L, T, "train", "weight_decay", &x->weight_decay, 0, 0.999);
        get_num(L, T, "train", "grad_clip", &x->grad_clip, 0, 1e9);
        get_u64(L, T, "train", "seed", &x->seed);
        get_int(L, T, "train", "threads", &x->threads, 1, 2);
        get_int(L, T, "train", "eval_every", &x->eval_every, 0, 100000000);
        if (field(L, T, "betas") != LUA_TNIL) {
            check_table(L, -1, "train.betas");
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            if (!lua_isnumber(L, -2) || !lua_isnumber(L, -1)) lerr(L, "train.betas: expected {beta1, beta2}");
            x->beta1 = lua_tonumber(L, -2);
            x->beta2 = lua_tonumber(L, -1);
            lua_pop(L, 2);
        }
        lua_pop(L, 1);
        if (field(L, T, "loss_weights") != LUA_TNIL) {
            check_table(L, -1, "train.loss_weights");
            int W = lua_gettop(L);
            static const char *const lw[] = {"action", "observation", "goal", "explanation", NULL};
            unknown_fields(L, W, "train.loss_weights", lw);
            for (int k = 0; k < TOKC_COUNT; k++)
                get_num(L, W, "train.loss_weights", tok_class_name((TokClass)k), &x->class_weight[k], 0, 1e6);
        }
        lua_pop(L, 2);
    } else {
        lua_pop(L, 1);
    }
    /* model */
    if (field(L, 1, "model") != LUA_TNIL) {
        check_table(L, -1, "model");
        int M = lua_gettop(L);
        static const char *const mf[] = {"layers", "dim", "heads", "context", NULL};
        unknown_fields(L, M, "model", mf);
        get_int(L, M, "model", "layers", &x->layers, 1, 16);
        get_int(L, M, "model", "dim", &x->dim, 8, 1024);
        get_int(L, M, "model", "heads", &x->heads, 1, 64);
        get_int(L, M, "model", "context", &x->context, 0, 512);
    }
    lua_pop(L, 1);
    /* explanations */
    LabFn *fa = NULL, *fb = NULL;
    if (field(L, 1, "explain") != LUA_TNIL) {
        check_table(L, -1, "explain");
        int X = lua_gettop(L);
        static const char *const xf[] = {"after_observation", "nothing", "before_exploit", "words", "threshold", NULL};
        unknown_fields(L, X, "explain", xf);
        read_template(L, X, "after_observation", &x->explain.after_obs, &fa);
        read_template(L, X, "nothing", &x->explain.nothing, NULL);
        read_template(L, X, "before_exploit", &x->explain.before_exploit, &fb);
        get_num(L, X, "explain", "threshold", &x->explain.threshold, 0, 1000);
        if (field(L, X, "words") != LUA_TNIL) {
            check_table(L, -1, "explain.words");
            int m = (int)luaL_len(L, -1);
            if (m > 64) lerr(L, "explain.words: at most 64 words");
            for (int i = 1; i <= m; i++) {
                lua_rawgeti(L, -1, i);
                if (lua_type(L, -1) != LUA_TSTRING) lerr(L, "explain.words[%d]: expected a string", i);
                snprintf(x->words[x->n_words++], sizeof x->words[0], "%s", lua_tostring(L, -1));
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    /* evaluation */
    if (field(L, 1, "eval") != LUA_TNIL) {
        check_table(L, -1, "eval");
        int E = lua_gettop(L);
        static const char *const ef[] = {"seed", "episodes", "strategies", "explain", "sets", NULL};
        unknown_fields(L, E, "eval", ef);
        get_u64(L, E, "eval", "seed", &x->eval_seed);
        get_bool(L, E, "eval", "explain", &x->explain_eval);
        int episodes = 0;
        get_int(L, E, "eval", "episodes", &episodes, 1, 1000000);
        if (field(L, E, "strategies") != LUA_TNIL) {
            check_table(L, -1, "eval.strategies");
            int m = (int)luaL_len(L, -1);
            if (m > EXP_MAX_STRATS) lerr(L, "eval.strategies: at most %d", EXP_MAX_STRATS);
            x->n_strats = 0;
            for (int i = 1; i <= m; i++) {
                lua_rawgeti(L, -1, i);
                const char *s = lua_tostring(L, -1);
                if (lua_type(L, -1) != LUA_TSTRING || !strat_find(s))
                    lerr(L, "eval.strategies[%d]: expected one of expert, oracle, corr, max_seen, parents, random, assoc", i);
                snprintf(x->strats[x->n_strats++], sizeof x->strats[0], "%s", s);
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
        if (field(L, E, "sets") != LUA_TNIL) {
            check_table(L, -1, "eval.sets");
            int m = (int)luaL_len(L, -1);
            if (m < 1 || m > EXP_MAX_SETS) lerr(L, "eval.sets: expected 1 to %d sets, got %d", EXP_MAX_SETS, m);
            x->n_sets = m;
            for (int i = 0; i < m; i++) {
                char p[64];
                snprintf(p, sizeof p, "eval.sets[%d]", i + 1);
                lua_rawgeti(L, -1, i + 1);
                check_table(L, -1, p);
                int S = lua_gettop(L);
                static const char *const sf[] = {"name", "worlds", "where", "goal", "best", "cue", "accept", "episodes", NULL};
                unknown_fields(L, S, p, sf);
                ExpEvalSet *es = &x->sets[i];
                *es = (ExpEvalSet){.worlds = EXP_WORLDS_HELDOUT, .cue = -1, .goal = -1, .best_var = -1, .episodes = 1000};
                snprintf(es->name, sizeof es->name, "set%d", i + 1);
                get_str(L, S, p, "name", es->name, sizeof es->name);
                snprintf(p, sizeof p, "eval.sets.%s", es->name);
                char wname[16] = "heldout";
                get_str(L, S, p, "worlds", wname, sizeof wname);
                if (strcmp(wname, "train") == 0) es->worlds = EXP_WORLDS_TRAIN;
                else if (strcmp(wname, "heldout") == 0) es->worlds = EXP_WORLDS_HELDOUT;
                else if (strcmp(wname, "all") == 0) es->worlds = EXP_WORLDS_ALL;
                else lerr(L, "%s.worlds: expected \"train\", \"heldout\" or \"all\", got \"%s\"", p, wname);
                get_graph_pred(L, S, p, "where", &es->where, n);
                get_var(L, S, p, "goal", &es->goal, n);
                get_var(L, S, p, "best", &es->best_var, n);
                get_int(L, S, p, "cue", &es->cue, 0, n);
                get_ep_pred(L, S, p, "accept", &es->accept);
                get_int(L, S, p, "episodes", &es->episodes, 1, 1000000);
                if (episodes) {
                    lua_getfield(L, S, "episodes");
                    if (lua_isnil(L, -1)) es->episodes = episodes;
                    lua_pop(L, 1);
                }
                lua_pop(L, 1);
            }
        } else if (episodes) {
            for (int i = 0; i < x->n_sets; i++) x->sets[i].episodes = episodes;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (lab->quick) { /* a small version of the same experiment, for tests */
        if (x->steps > 200) x->steps = 200;
        if (x->eval_every > 100 || x->eval_every == 0) x->eval_every = 100;
        for (int i = 0; i < x->n_sets; i++)
            if (x->sets[i].episodes > 60) x->sets[i].episodes = 60;
    }
    /* the vocabulary, compiled templates, and callbacks that turn words into tokens */
    if (fa || fb) {
        LabExplain *le = lua_newuserdatauv(L, sizeof *le, 0); /* kept alive by the registry */
        memset(le, 0, sizeof *le);
        luaL_ref(L, LUA_REGISTRYINDEX);
        le->after = fa;
        le->before = fb;
        x->explain.fn_after = fa ? fn_after : NULL;
        x->explain.fn_before = fb ? fn_before : NULL;
        x->explain.ctx = le;
        u->explain = le;
    }
    Err e;
    Vocab *voc = train_vocab(x, &e);
    if (!voc) lerr(L, "%s", e.msg);
    if (u->explain) {
        /* the Lab keeps this vocabulary for the callbacks: same words, same order, same ids */
        if (lab->n_vocabs >= 16) {
            tok_vocab_free(voc);
            lerr(L, "too many experiments in one script");
        }
        u->explain->vocab = voc;
        lab->vocabs[lab->n_vocabs++] = voc; /* freed by lab_free */
    } else {
        tok_vocab_free(voc);
    }
    if (exp_check(x, &e)) lerr(L, "%s", e.msg);
    lua_settop(L, U);
    return 1;
}

int lab_experiment_from(lua_State *L, int idx, Experiment *x, Err *e) {
    LExperiment *u = luaL_testudata(L, idx, LAB_EXPERIMENT_MT);
    if (!u) return err_set(e, "not an experiment");
    *x = u->x;
    return 0;
}

static int l_experiment_tostring(lua_State *L) {
    LExperiment *u = luaL_checkudata(L, 1, LAB_EXPERIMENT_MT);
    lua_pushfstring(L, "experiment %s", u->x.name);
    return 1;
}

/* ---- registration ------------------------------------------------------------------------ */

void lab_open_api(lua_State *L) {
    static const luaL_Reg graph_methods[] = {
        {"variables", g_variables}, {"edge", g_edge}, {"weight", g_weight}, {"parents", g_parents},
        {"children", g_children}, {"ancestors", g_ancestors}, {"descendants", g_descendants},
        {"is_ancestor", g_is_ancestor}, {"effect", g_effect}, {"id", g_id}, {"edges", g_edges}, {NULL, NULL}};
    static const luaL_Reg world_methods[] = {{"sample", w_sample}, {"intervene", w_intervene}, {"graph", w_graph}, {NULL, NULL}};
    for (int k = 0; k < 2; k++) {
        luaL_newmetatable(L, k ? LAB_WORLD_MT : LAB_GRAPH_MT);
        lua_newtable(L); /* methods */
        luaL_setfuncs(L, graph_methods, 0);
        if (k) luaL_setfuncs(L, world_methods, 0);
        lua_setfield(L, -2, "methods");
        lua_pushcfunction(L, g_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushstring(L, "locked");
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    /* __index: g.n, then methods */
    static const char idx_src[] =
        "local methods = ... return function(g, k) if k == 'n' then return #g:variables() end "
        "local m = methods[k] if m == nil then error(\"graph has no field '\" .. tostring(k) .. \"'\", 2) end return m end";
    for (int k = 0; k < 2; k++) {
        luaL_getmetatable(L, k ? LAB_WORLD_MT : LAB_GRAPH_MT);
        luaL_loadbufferx(L, idx_src, sizeof idx_src - 1, "=dolab.graph", "t");
        lua_getfield(L, -2, "methods");
        lua_call(L, 1, 1);
        lua_setfield(L, -2, "__index");
        lua_pop(L, 1);
    }
    luaL_newmetatable(L, LAB_EXPERIMENT_MT);
    lua_pushcfunction(L, experiment_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, l_experiment_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    luaL_newmetatable(L, LAB_MARKER_MT);
    lua_pop(L, 1);
    static const luaL_Reg api[] = {{"experiment", l_experiment}, {"world", l_world}, {"episode", l_episode},
                                   {"link", l_link}, {"ancestor", l_ancestor}, {"assoc_agrees", l_assoc_agrees},
                                   {"assoc_disagrees", l_assoc_disagrees}, {NULL, NULL}};
    luaL_newlib(L, api);
    lua_pushstring(L, "0.1.0");
    lua_setfield(L, -2, "version");
    lua_setglobal(L, "lab");
}

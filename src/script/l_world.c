/* l_world — graphs, worlds and episodes as Lua values: lab.world, lab.episode, graph methods. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script/internal.h"
#include "world/strategy.h"

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

void l_set_history(lua_State *L, const EpView *v) {
    lua_createtable(L, v->n_passive, 0);
    for (int i = 0; i < v->n_passive; i++) {
        l_push_values(L, v->passive[i], v->n);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "passive");
    lua_createtable(L, v->n_steps, 0);
    for (int i = 0; i < v->n_steps; i++) {
        char s[2] = {scm_name(v->steps[i].var), 0};
        lua_newtable(L);
        lua_pushstring(L, s);
        lua_setfield(L, -2, "do");
        lua_pushnumber(L, v->steps[i].value);
        lua_setfield(L, -2, "value");
        l_push_values(L, v->steps[i].obs, v->n);
        lua_setfield(L, -2, "observed");
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "steps");
}

void l_push_set(lua_State *L, unsigned set, int n) {
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
    l_push_set(L, (1u << g->n) - 1, g->n);
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
    l_push_set(L, scm_parents(g, gvar(L, g, 2)), g->n);
    return 1;
}
static int g_children(lua_State *L) {
    const Scm *g = check_graph(L, 1);
    l_push_set(L, scm_children(g, gvar(L, g, 2)), g->n);
    return 1;
}
static int g_ancestors(lua_State *L) {
    const Scm *g = check_graph(L, 1);
    l_push_set(L, scm_ancestors(g, gvar(L, g, 2)), g->n);
    return 1;
}
static int g_descendants(lua_State *L) {
    const Scm *g = check_graph(L, 1);
    l_push_set(L, scm_descendants(g, gvar(L, g, 2)), g->n);
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

void l_push_values(lua_State *L, const double *x, int n) {
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
    l_push_values(L, x, w->s.n);
    return 1;
}

static int w_intervene(lua_State *L) {
    LWorld *w = check_world(L, 1);
    ScmDo d[SCM_MAX_VARS];
    int nd = 0;
    if (lua_type(L, 2) == LUA_TTABLE) { /* w:intervene{A = 5, C = -1} */
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            if (nd >= SCM_MAX_VARS) return l_err(L, "intervene: too many variables");
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
        if (!isfinite(d[i].value)) return l_err(L, "intervene: the value must be a finite number");
    double x[SCM_MAX_VARS];
    scm_sample(&w->s, d, nd, &w->rng, x);
    l_push_values(L, x, w->s.n);
    return 1;
}

static int w_graph(lua_State *L) {
    lab_push_graph(L, &check_world(L, 1)->s);
    return 1;
}

/* lab.world{variables=5, seed=1, edge_prob=, weights={lo,hi}, noise=} or
 * lab.world{variables=3, edges={{"A","B",1.5}, ...}, noise=0.1, seed=1} */
int l_world_new(lua_State *L) {
    l_check_table(L, 1, "lab.world");
    static const char *const allowed[] = {"variables", "seed", "edge_prob", "weights", "noise", "edges", NULL};
    l_unknown_fields(L, 1, "lab.world", allowed);
    ScmParams p = scm_params_default();
    uint64_t seed = 1;
    l_get_int(L, 1, "lab.world", "variables", &p.n, 2, SCM_MAX_VARS);
    l_get_u64(L, 1, "lab.world", "seed", &seed);
    l_get_num(L, 1, "lab.world", "edge_prob", &p.edge_prob, 0, 1);
    l_get_num(L, 1, "lab.world", "noise", &p.sigma, 0, SCM_MAX_NOISE);
    if (l_field(L, 1, "weights") != LUA_TNIL) {
        l_check_table(L, -1, "lab.world.weights");
        lua_rawgeti(L, -1, 1);
        lua_rawgeti(L, -2, 2);
        if (!lua_isnumber(L, -2) || !lua_isnumber(L, -1)) l_err(L, "lab.world.weights: expected {lo, hi}");
        p.w_lo = lua_tonumber(L, -2);
        p.w_hi = lua_tonumber(L, -1);
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    LWorld *w = lua_newuserdatauv(L, sizeof *w, 0);
    luaL_setmetatable(L, LAB_WORLD_MT);
    rng_init(&w->rng, seed, 0x3017);
    Err e;
    if (l_field(L, 1, "edges") != LUA_TNIL) {
        l_check_table(L, -1, "lab.world.edges");
        if (scm_init(&w->s, p.n, p.sigma, &e)) return l_err(L, "lab.world: %s", e.msg);
        int m = (int)luaL_len(L, -1);
        for (int i = 1; i <= m; i++) {
            lua_rawgeti(L, -1, i);
            l_check_table(L, -1, "lab.world.edges[i]");
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            lua_rawgeti(L, -3, 3);
            char path[48];
            snprintf(path, sizeof path, "lab.world.edges[%d]", i);
            int a = l_var_index(L, -3, p.n, path), b = l_var_index(L, -2, p.n, path);
            double wt = lua_isnil(L, -1) ? 1.0 : luaL_checknumber(L, -1);
            if (scm_add_edge(&w->s, a, b, wt, &e)) return l_err(L, "%s: %s", path, e.msg);
            lua_pop(L, 4);
        }
    } else {
        if (scm_random(&w->s, &p, &w->rng, &e)) return l_err(L, "lab.world: %s", e.msg);
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
    l_set_history(L, v);
    if (v->cued) {
        l_push_set(L, v->relevant, v->n);
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
int l_episode_new(lua_State *L) {
    Lab *lab = lab_from_state(L);
    LWorld *w = check_world(L, 1);
    const char *name = luaL_optstring(L, 2, "expert");
    Strategy *s = strcmp(name, "model") == 0 ? lab->model : strat_find(name);
    if (!s && strcmp(name, "model") == 0) return l_err(L, "lab.episode: no model is loaded here (the TUI with a model has one)");
    if (!s)
        return l_err(L, "lab.episode: unknown strategy '%s' (expert, oracle, corr, max_seen, parents, random, assoc%s)", name,
                     lab->model ? ", model" : "");
    EpConfig c = s == lab->model ? lab->model_cfg : ep_config_default();
    if (s == lab->model && c.world.n != w->s.n)
        return l_err(L, "lab.episode: the model acts in worlds of %d variables, this one has %d", c.world.n, w->s.n);
    c.world.n = w->s.n;
    c.world.sigma = w->s.sigma;
    c.cue_size = 0;
    int goal = -1;
    uint64_t seed = rng_u64(&w->rng);
    if (!lua_isnoneornil(L, 3)) {
        l_check_table(L, 3, "lab.episode options");
        static const char *const allowed[] = {"goal", "passive", "seed", NULL};
        l_unknown_fields(L, 3, "lab.episode", allowed);
        l_get_var(L, 3, "lab.episode", "goal", &goal, w->s.n);
        l_get_int(L, 3, "lab.episode", "passive", &c.passive, 0, EP_MAX_PASSIVE);
        l_get_u64(L, 3, "lab.episode", "seed", &seed);
    }
    if (goal < 0) { /* the last variable that has a cause */
        for (int v = w->s.n - 1; v >= 0 && goal < 0; v--)
            if (scm_parents(&w->s, v)) goal = v;
        if (goal < 0) return l_err(L, "lab.episode: the world has no edge, so no goal can be raised");
    }
    /* Lua owns the episode's memory: an error below leaves nothing to free */
    Episode *ep = lua_newuserdatauv(L, sizeof *ep, 0);
    Err e;
    if (ep_from_world(ep, &w->s, &c, goal, 0, 0, seed, &e)) return l_err(L, "lab.episode: %s", e.msg);
    if (strat_play(s, &ep, 1, &e)) return l_err(L, "lab.episode: %s", e.msg);
    lab_push_episode(L, ep);
    return 1;
}

/* ---- registration ------------------------------------------------------------------------ */

void lab_open_world(lua_State *L) {
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
}

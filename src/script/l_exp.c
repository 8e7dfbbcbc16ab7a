/* l_exp — lab.experiment{...}: reads an experiment table into an Experiment. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/train.h"
#include "script/internal.h"
#include "world/strategy.h"


typedef struct LExperiment {
    Experiment x;
    LabExplain *explain; /* owned by the Lab's list of functions (freed with the Lab) */
} LExperiment;

/* The keys of the schema's rows in (scope, section), without rows flagged skip, then extra:
 * the names a table may have (NULL-terminated, into out). */
static void section_keys(ExpScope scope, const char *section, int skip, const char *const *extra, const char **out,
                         int cap) {
    int k = 0;
    for (int i = 0; i < exp_n_fields && k < cap - 1; i++) {
        const ExpField *f = &exp_fields[i];
        if (f->scope == scope && strcmp(f->section, section) == 0 && !(f->flags & skip)) out[k++] = f->key;
    }
    for (int i = 0; extra && extra[i] && k < cap - 1; i++) out[k++] = extra[i];
    out[k] = NULL;
}

/* Reads the schema's rows of (scope, section) from the table at t into base, with the ranges
 * of the schema; path names the table in messages; n: variables of the world. */
static void read_fields(lua_State *L, int t, const char *path, ExpScope scope, const char *section, void *base, int n,
                        int skip) {
    t = lua_absindex(L, t);
    for (int i = 0; i < exp_n_fields; i++) {
        const ExpField *f = &exp_fields[i];
        if (f->scope != scope || strcmp(f->section, section) != 0 || (f->flags & skip)) continue;
        void *p = exp_field_at(f, base);
        switch (f->kind) {
        case EXP_INT: l_get_int(L, t, path, f->key, p, (int)f->lo, (int)f->hi); break;
        case EXP_NUM: l_get_num(L, t, path, f->key, p, f->lo, f->hi); break;
        case EXP_U64: l_get_u64(L, t, path, f->key, p); break;
        case EXP_BOOL: l_get_bool(L, t, path, f->key, p); break;
        case EXP_STR: l_get_str(L, t, path, f->key, p, f->size); break;
        case EXP_PAIR: l_get_pair(L, t, path, f->key, p, (double *)((char *)base + f->off2), f->lo, f->hi); break;
        case EXP_VAR: l_get_var(L, t, path, f->key, p, n); break;
        case EXP_PRED: l_get_graph_pred(L, t, path, f->key, p, n); break;
        case EXP_EPPRED: l_get_ep_pred(L, t, path, f->key, p); break;
        case EXP_WORLDS:
            if (l_field(L, t, f->key) != LUA_TNIL) {
                const char *w = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
                int k = -1;
                for (int j = 0; w && j <= EXP_WORLDS_ALL; j++)
                    if (strcmp(w, (const char *[]){"train", "heldout", "all"}[j]) == 0) k = j;
                char r[96];
                exp_field_range(f, r, sizeof r);
                if (k < 0) l_err(L, "%s.%s: expected %s, got %s%s%s", path, f->key, r, w ? "\"" : "", w ? w : l_typename(L, -1), w ? "\"" : "");
                *(int *)p = k;
            }
            lua_pop(L, 1);
            break;
        }
    }
}

/* The world table at t (a mix component's: only the fields it may change, skip = EXP_SHAPE). */
static void read_world(lua_State *L, int t, const char *path, EpConfig *c, int skip) {
    read_fields(L, t, path, EXP_AT_WORLD, "", c, 0, skip);
    Err e;
    if (ep_config_check(c, &e)) l_err(L, "%s: %s", path, e.msg);
}

/* A list of tables at the top of the stack (train.mix, eval.sets, eval.agents): its length,
 * refused outside lo..hi ("expected 1 to 8 components, got 0"). */
static int list_len(lua_State *L, const char *what, int lo, int hi, const char *items) {
    l_check_table(L, -1, what);
    int m = (int)luaL_len(L, -1);
    if (m < lo || m > hi) l_err(L, "%s: expected %d to %d %s, got %d", what, lo, hi, items, m);
    return m;
}

/* Pushes item i (from 0) of the list at the top of the stack, a table with only the keys of
 * scope's rows (and extra), and sets base (size bytes) to the scope's defaults; path gets
 * "what[i+1]".  Returns the item's stack index. */
static int list_item(lua_State *L, const char *what, int i, ExpScope scope, const char *const *extra, void *base,
                     size_t size, char *path, size_t cap) {
    snprintf(path, cap, "%s[%d]", what, i + 1);
    lua_rawgeti(L, -1, i + 1);
    l_check_table(L, -1, path);
    const char *keys[32];
    section_keys(scope, "", 0, extra, keys, 32);
    l_unknown_fields(L, -1, path, keys);
    memset(base, 0, size);
    exp_scope_defaults(scope, base);
    return lua_gettop(L);
}

/* Reads section (e.g. "train", "model", "train.loss_weights") of the experiment table at t:
 * its unknown keys are an error; extra: keys read by hand besides the schema's. */
static void read_section(lua_State *L, int t, const char *section, const char *const *extra, Experiment *x) {
    const char *keys[48];
    section_keys(EXP_AT_TOP, section, 0, extra, keys, 48);
    l_unknown_fields(L, t, section, keys);
    read_fields(L, t, section, EXP_AT_TOP, section, x, x->world.world.n, 0);
}

static void read_template(lua_State *L, int t, const char *key, TokTemplate *tpl, LabFn **fn) {
    char p[64];
    snprintf(p, sizeof p, "explain.%s", key);
    int ty = l_field(L, t, key);
    if (ty == LUA_TSTRING) {
        Err e;
        if (tok_template_set(tpl, lua_tostring(L, -1), &e)) l_err(L, "%s: %s", p, e.msg);
    } else if (ty == LUA_TFUNCTION && fn) {
        *fn = lab_fn_new(lab_from_state(L), L, -1, p);
        tok_template_set(tpl, "", NULL);
    } else if (ty != LUA_TNIL) {
        l_err(L, "%s: expected a template string%s, got %s", p, fn ? " or a function" : "", l_typename(L, -1));
    }
    lua_pop(L, 1);
}

int l_experiment(lua_State *L) {
    Lab *lab = lab_from_state(L);
    l_check_table(L, 1, "lab.experiment");
    lab_apply_settings(L, 1);
    static const char *const tables[] = {"world", "train", "model", "explain", "eval", NULL};
    const char *top[16];
    section_keys(EXP_AT_TOP, "", 0, tables, top, 16);
    l_unknown_fields(L, 1, "", top);
    LExperiment *u = lua_newuserdatauv(L, sizeof *u, 0);
    memset(u, 0, sizeof *u);
    luaL_setmetatable(L, LAB_EXPERIMENT_MT);
    int U = lua_gettop(L);
    Experiment *x = &u->x;
    *x = exp_default();
    snprintf(x->name, sizeof x->name, "experiment");
    x->about[0] = 0;
    if (l_field(L, 1, "world") != LUA_TNIL) {
        l_check_table(L, -1, "world");
        static const char *const none[] = {NULL};
        const char *keys[16];
        section_keys(EXP_AT_WORLD, "", 0, none, keys, 16);
        l_unknown_fields(L, -1, "world", keys);
        read_world(L, lua_gettop(L), "world", &x->world, 0);
    }
    lua_pop(L, 1);
    int n = x->world.world.n;
    memset(&x->heldout, 0, sizeof x->heldout);
    read_fields(L, 1, "", EXP_AT_TOP, "", x, n, 0); /* name, about, heldout */
    /* without eval.sets: the training worlds, and the held-out ones if anything is held out */
    x->n_sets = x->heldout.fn ? 2 : 1;
    x->sets[0].worlds = x->heldout.fn ? EXP_WORLDS_TRAIN : EXP_WORLDS_ALL;
    /* train */
    x->n_mix = 1;
    memset(&x->mix[0], 0, sizeof x->mix[0]);
    exp_scope_defaults(EXP_AT_MIX, &x->mix[0]);
    x->mix[0].ep = x->world;
    if (l_field(L, 1, "train") != LUA_TNIL) {
        l_check_table(L, -1, "train");
        int T = lua_gettop(L);
        static const char *const tf[] = {"mix", "loss_weights", NULL};
        read_section(L, T, "train", tf, x);
        if (l_field(L, T, "mix") != LUA_TNIL) {
            int m = x->n_mix = list_len(L, "train.mix", 1, EXP_MAX_MIX, "components");
            for (int i = 0; i < m; i++) {
                char p[32];
                static const char *const none[] = {NULL};
                const char *wf[16];
                section_keys(EXP_AT_WORLD, "", EXP_SHAPE, none, wf, 16); /* the world fields a component may change */
                ExpMix *mx = &x->mix[i];
                int C = list_item(L, "train.mix", i, EXP_AT_MIX, wf, mx, sizeof *mx, p, sizeof p);
                mx->ep = x->world; /* the world's, with the fields the component changes */
                int ty = l_field(L, C, "demonstrator");
                lua_pop(L, 1);
                int scripted = ty == LUA_TFUNCTION || ty == LUA_TTABLE;
                if (scripted) l_get_demonstrator(L, C, p, &mx->custom, mx->demonstrator, sizeof mx->demonstrator);
                read_fields(L, C, p, EXP_AT_MIX, "", mx, n, scripted ? EXP_SCRIPTED : 0);
                read_world(L, C, p, &mx->ep, EXP_SHAPE);
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
        if (l_field(L, T, "loss_weights") != LUA_TNIL) {
            l_check_table(L, -1, "train.loss_weights");
            read_section(L, lua_gettop(L), "train.loss_weights", NULL, x);
        }
        lua_pop(L, 2);
    } else {
        lua_pop(L, 1);
    }
    /* model */
    if (l_field(L, 1, "model") != LUA_TNIL) {
        l_check_table(L, -1, "model");
        read_section(L, lua_gettop(L), "model", NULL, x);
    }
    lua_pop(L, 1);
    /* explanations */
    LabFn *fa = NULL, *fb = NULL;
    if (l_field(L, 1, "explain") != LUA_TNIL) {
        l_check_table(L, -1, "explain");
        int X = lua_gettop(L);
        static const char *const xf[] = {"after_observation", "nothing", "before_exploit", "words", "threshold", NULL};
        l_unknown_fields(L, X, "explain", xf);
        read_template(L, X, "after_observation", &x->explain.after_obs, &fa);
        read_template(L, X, "nothing", &x->explain.nothing, NULL);
        read_template(L, X, "before_exploit", &x->explain.before_exploit, &fb);
        l_get_num(L, X, "explain", "threshold", &x->explain.threshold, 0, 1000);
        if (l_field(L, X, "words") != LUA_TNIL) {
            l_check_table(L, -1, "explain.words");
            int m = (int)luaL_len(L, -1);
            if (m > 64) l_err(L, "explain.words: at most 64 words");
            for (int i = 1; i <= m; i++) {
                lua_rawgeti(L, -1, i);
                if (lua_type(L, -1) != LUA_TSTRING) l_err(L, "explain.words[%d]: expected a string", i);
                snprintf(x->words[x->n_words++], sizeof x->words[0], "%s", lua_tostring(L, -1));
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    /* evaluation */
    if (l_field(L, 1, "eval") != LUA_TNIL) {
        l_check_table(L, -1, "eval");
        int E = lua_gettop(L);
        static const char *const ef[] = {"episodes", "strategies", "sets", "agents", NULL};
        read_section(L, E, "eval", ef, x);
        int episodes = 0;
        l_get_int(L, E, "eval", "episodes", &episodes, 1, 1000000);
        if (l_field(L, E, "strategies") != LUA_TNIL) {
            l_check_table(L, -1, "eval.strategies");
            int m = (int)luaL_len(L, -1);
            if (m > EXP_MAX_STRATS) l_err(L, "eval.strategies: at most %d", EXP_MAX_STRATS);
            x->n_strats = 0;
            for (int i = 1; i <= m; i++) {
                lua_rawgeti(L, -1, i);
                const char *s = lua_tostring(L, -1);
                if (lua_type(L, -1) != LUA_TSTRING || !strat_find(s))
                    l_err(L, "eval.strategies[%d]: expected one of %s", i, strat_names());
                snprintf(x->strats[x->n_strats++], sizeof x->strats[0], "%s", s);
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
        if (l_field(L, E, "agents") != LUA_TNIL) {
            int m = x->n_agents = list_len(L, "eval.agents", 0, EXP_MAX_AGENTS, "agents");
            for (int i = 0; i < m; i++) {
                char p[32];
                ExpAgent *ag = &x->agents[i];
                list_item(L, "eval.agents", i, EXP_AT_AGENT, NULL, ag, sizeof *ag, p, sizeof p);
                read_fields(L, -1, p, EXP_AT_AGENT, "", ag, n, 0);
                if (!ag->cmd[0]) l_err(L, "%s.cmd: expected the agent's command (a string), e.g. \"python3 my_agent.py\"", p);
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
        if (l_field(L, E, "sets") != LUA_TNIL) {
            int m = x->n_sets = list_len(L, "eval.sets", 1, EXP_MAX_SETS, "sets");
            for (int i = 0; i < m; i++) {
                char p[64];
                ExpEvalSet *es = &x->sets[i];
                int S = list_item(L, "eval.sets", i, EXP_AT_SET, NULL, es, sizeof *es, p, sizeof p);
                snprintf(es->name, sizeof es->name, "set%d", i + 1);
                l_get_str(L, S, p, "name", es->name, sizeof es->name);
                snprintf(p, sizeof p, "eval.sets.%s", es->name);
                read_fields(L, S, p, EXP_AT_SET, "", es, n, 0);
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
        x->explain.fn_after = fa ? lab_explain_after : NULL;
        x->explain.fn_before = fb ? lab_explain_before : NULL;
        x->explain.ctx = le;
        u->explain = le;
    }
    Err e;
    Vocab *voc = train_vocab(x, &e);
    if (!voc) l_err(L, "%s", e.msg);
    if (u->explain) {
        /* the Lab keeps this vocabulary for the callbacks: same words, same order, same ids */
        if (lab->n_vocabs >= 16) {
            tok_vocab_free(voc);
            l_err(L, "too many experiments in one script");
        }
        u->explain->vocab = voc;
        lab->vocabs[lab->n_vocabs++] = voc; /* freed by lab_free */
    } else {
        tok_vocab_free(voc);
    }
    if (exp_check(x, &e)) l_err(L, "%s", e.msg);
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

void lab_open_experiment(lua_State *L) {
    luaL_newmetatable(L, LAB_EXPERIMENT_MT);
    lua_pushcfunction(L, l_experiment_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
}

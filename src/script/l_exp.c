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

static void read_world(lua_State *L, int t, const char *path, EpConfig *c, int allow_shape) {
    static const char *const all[] = {"variables", "edge_prob", "weights", "noise", "value", "exploit_value",
                                      "passive", "explore", "cue", NULL};
    static const char *const part[] = {"passive", "noise", "explore", "cue", "value", NULL};
    l_unknown_fields(L, t, path, allow_shape ? all : part);
    if (allow_shape) {
        l_get_int(L, t, path, "variables", &c->world.n, SCM_MIN_VARS, SCM_MAX_VARS);
        l_get_num(L, t, path, "edge_prob", &c->world.edge_prob, 0, 1);
        if (l_field(L, t, "weights") != LUA_TNIL) {
            char p[96];
            snprintf(p, sizeof p, "%s.weights", path);
            l_check_table(L, -1, p);
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            if (!lua_isnumber(L, -2) || !lua_isnumber(L, -1) || luaL_len(L, -3) != 2)
                l_err(L, "%s: expected {lo, hi}", p);
            c->world.w_lo = lua_tonumber(L, -2);
            c->world.w_hi = lua_tonumber(L, -1);
            lua_pop(L, 2);
        }
        lua_pop(L, 1);
        l_get_num(L, t, path, "exploit_value", &c->exploit_value, 0.001, 20);
    }
    l_get_num(L, t, path, "noise", &c->world.sigma, 0, 100);
    l_get_num(L, t, path, "value", &c->value, -20, 20);
    l_get_int(L, t, path, "passive", &c->passive, 0, EP_MAX_PASSIVE);
    l_get_int(L, t, path, "explore", &c->explore, 0, EP_MAX_STEPS);
    l_get_int(L, t, path, "cue", &c->cue_size, 0, SCM_MAX_VARS);
    Err e;
    if (ep_config_check(c, &e)) l_err(L, "%s: %s", path, e.msg);
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
    static const char *const top[] = {"name", "about", "world", "heldout", "train", "model", "explain", "eval", NULL};
    l_unknown_fields(L, 1, "", top);
    LExperiment *u = lua_newuserdatauv(L, sizeof *u, 0);
    memset(u, 0, sizeof *u);
    luaL_setmetatable(L, LAB_EXPERIMENT_MT);
    int U = lua_gettop(L);
    Experiment *x = &u->x;
    *x = exp_default();
    snprintf(x->name, sizeof x->name, "experiment");
    x->about[0] = 0;
    l_get_str(L, 1, "", "name", x->name, sizeof x->name);
    l_get_str(L, 1, "", "about", x->about, sizeof x->about);
    if (l_field(L, 1, "world") != LUA_TNIL) {
        l_check_table(L, -1, "world");
        read_world(L, lua_gettop(L), "world", &x->world, 1);
    }
    lua_pop(L, 1);
    int n = x->world.world.n;
    memset(&x->heldout, 0, sizeof x->heldout);
    l_get_graph_pred(L, 1, "", "heldout", &x->heldout, n);
    /* without eval.sets: the training worlds, and the held-out ones if anything is held out */
    x->n_sets = x->heldout.fn ? 2 : 1;
    x->sets[0].worlds = x->heldout.fn ? EXP_WORLDS_TRAIN : EXP_WORLDS_ALL;
    /* train */
    x->n_mix = 1;
    x->mix[0] = (ExpMix){.weight = 1.0, .ep = x->world};
    if (l_field(L, 1, "train") != LUA_TNIL) {
        l_check_table(L, -1, "train");
        int T = lua_gettop(L);
        static const char *const tf[] = {"mix", "steps", "batch", "lr", "lr_min", "warmup", "betas", "weight_decay",
                                         "grad_clip", "seed", "threads", "loss_weights", "eval_every", NULL};
        l_unknown_fields(L, T, "train", tf);
        if (l_field(L, T, "mix") != LUA_TNIL) {
            l_check_table(L, -1, "train.mix");
            int m = (int)luaL_len(L, -1);
            if (m < 1 || m > EXP_MAX_MIX) l_err(L, "train.mix: expected 1 to %d components, got %d", EXP_MAX_MIX, m);
            x->n_mix = m;
            for (int i = 0; i < m; i++) {
                char p[32];
                snprintf(p, sizeof p, "train.mix[%d]", i + 1);
                lua_rawgeti(L, -1, i + 1);
                l_check_table(L, -1, p);
                int C = lua_gettop(L);
                static const char *const mf[] = {"weight", "explain", "accept", "passive", "noise", "explore", "cue", "value", NULL};
                l_unknown_fields(L, C, p, mf);
                ExpMix *mx = &x->mix[i];
                *mx = (ExpMix){.weight = 1.0, .ep = x->world};
                l_get_num(L, C, p, "weight", &mx->weight, 0, 1e9);
                l_get_bool(L, C, p, "explain", &mx->explain);
                l_get_ep_pred(L, C, p, "accept", &mx->accept);
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
        l_get_int(L, T, "train", "steps", &x->steps, 1, 100000000);
        l_get_int(L, T, "train", "batch", &x->batch, 1, 4096);
        l_get_num(L, T, "train", "lr", &x->lr, 1e-7, 0.999);
        l_get_num(L, T, "train", "lr_min", &x->lr_min, 0, 0.999);
        l_get_num(L, T, "train", "warmup", &x->warmup_frac, 0, 0.999);
        l_get_num(L, T, "train", "weight_decay", &x->weight_decay, 0, 0.999);
        l_get_num(L, T, "train", "grad_clip", &x->grad_clip, 0, 1e9);
        l_get_u64(L, T, "train", "seed", &x->seed);
        l_get_int(L, T, "train", "threads", &x->threads, 1, 2);
        l_get_int(L, T, "train", "eval_every", &x->eval_every, 0, 100000000);
        if (l_field(L, T, "betas") != LUA_TNIL) {
            l_check_table(L, -1, "train.betas");
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            if (!lua_isnumber(L, -2) || !lua_isnumber(L, -1)) l_err(L, "train.betas: expected {beta1, beta2}");
            x->beta1 = lua_tonumber(L, -2);
            x->beta2 = lua_tonumber(L, -1);
            lua_pop(L, 2);
        }
        lua_pop(L, 1);
        if (l_field(L, T, "loss_weights") != LUA_TNIL) {
            l_check_table(L, -1, "train.loss_weights");
            int W = lua_gettop(L);
            static const char *const lw[] = {"action", "observation", "goal", "explanation", NULL};
            l_unknown_fields(L, W, "train.loss_weights", lw);
            for (int k = 0; k < TOKC_COUNT; k++)
                l_get_num(L, W, "train.loss_weights", tok_class_name((TokClass)k), &x->class_weight[k], 0, 1e6);
        }
        lua_pop(L, 2);
    } else {
        lua_pop(L, 1);
    }
    /* model */
    if (l_field(L, 1, "model") != LUA_TNIL) {
        l_check_table(L, -1, "model");
        int M = lua_gettop(L);
        static const char *const mf[] = {"layers", "dim", "heads", "context", NULL};
        l_unknown_fields(L, M, "model", mf);
        l_get_int(L, M, "model", "layers", &x->layers, 1, 16);
        l_get_int(L, M, "model", "dim", &x->dim, 8, 1024);
        l_get_int(L, M, "model", "heads", &x->heads, 1, 64);
        l_get_int(L, M, "model", "context", &x->context, 0, 512);
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
        static const char *const ef[] = {"seed", "episodes", "strategies", "explain", "sets", NULL};
        l_unknown_fields(L, E, "eval", ef);
        l_get_u64(L, E, "eval", "seed", &x->eval_seed);
        l_get_bool(L, E, "eval", "explain", &x->explain_eval);
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
                    l_err(L, "eval.strategies[%d]: expected one of expert, oracle, corr, max_seen, parents, random, assoc", i);
                snprintf(x->strats[x->n_strats++], sizeof x->strats[0], "%s", s);
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
        if (l_field(L, E, "sets") != LUA_TNIL) {
            l_check_table(L, -1, "eval.sets");
            int m = (int)luaL_len(L, -1);
            if (m < 1 || m > EXP_MAX_SETS) l_err(L, "eval.sets: expected 1 to %d sets, got %d", EXP_MAX_SETS, m);
            x->n_sets = m;
            for (int i = 0; i < m; i++) {
                char p[64];
                snprintf(p, sizeof p, "eval.sets[%d]", i + 1);
                lua_rawgeti(L, -1, i + 1);
                l_check_table(L, -1, p);
                int S = lua_gettop(L);
                static const char *const sf[] = {"name", "worlds", "where", "goal", "best", "cue", "accept", "episodes", NULL};
                l_unknown_fields(L, S, p, sf);
                ExpEvalSet *es = &x->sets[i];
                *es = (ExpEvalSet){.worlds = EXP_WORLDS_HELDOUT, .cue = -1, .goal = -1, .best_var = -1, .episodes = 1000};
                snprintf(es->name, sizeof es->name, "set%d", i + 1);
                l_get_str(L, S, p, "name", es->name, sizeof es->name);
                snprintf(p, sizeof p, "eval.sets.%s", es->name);
                char wname[16] = "heldout";
                l_get_str(L, S, p, "worlds", wname, sizeof wname);
                if (strcmp(wname, "train") == 0) es->worlds = EXP_WORLDS_TRAIN;
                else if (strcmp(wname, "heldout") == 0) es->worlds = EXP_WORLDS_HELDOUT;
                else if (strcmp(wname, "all") == 0) es->worlds = EXP_WORLDS_ALL;
                else l_err(L, "%s.worlds: expected \"train\", \"heldout\" or \"all\", got \"%s\"", p, wname);
                l_get_graph_pred(L, S, p, "where", &es->where, n);
                l_get_var(L, S, p, "goal", &es->goal, n);
                l_get_var(L, S, p, "best", &es->best_var, n);
                l_get_int(L, S, p, "cue", &es->cue, 0, n);
                l_get_ep_pred(L, S, p, "accept", &es->accept);
                l_get_int(L, S, p, "episodes", &es->episodes, 1, 1000000);
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

#include "learn/exp.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/jsonu.h"
#include "world/strategy.h"

/* ---- built-in predicates ----------------------------------------------------------------- */

typedef struct PairCtx {
    int a, b;
} PairCtx;
static const PairCtx pairs[SCM_MAX_VARS][SCM_MAX_VARS] = {
#define ROW(a) {{a, 0}, {a, 1}, {a, 2}, {a, 3}, {a, 4}, {a, 5}, {a, 6}, {a, 7}}
    ROW(0), ROW(1), ROW(2), ROW(3), ROW(4), ROW(5), ROW(6), ROW(7)
#undef ROW
};

static int pred_link(const Scm *g, const void *ctx) {
    const PairCtx *p = ctx;
    return p->a < g->n && p->b < g->n && scm_has_edge(g, p->a, p->b);
}

static int pred_ancestor(const Scm *g, const void *ctx) {
    const PairCtx *p = ctx;
    return p->a < g->n && p->b < g->n && scm_is_ancestor(g, p->a, p->b);
}

ExpPred exp_pred_link(int a, int b) {
    ExpPred p = {pred_link, &pairs[a & 7][b & 7], ""};
    snprintf(p.desc, sizeof p.desc, "edge %c->%c", scm_name(a), scm_name(b));
    return p;
}

ExpPred exp_pred_ancestor(int a, int b) {
    ExpPred p = {pred_ancestor, &pairs[a & 7][b & 7], ""};
    snprintf(p.desc, sizeof p.desc, "%c is an ancestor of %c", scm_name(a), scm_name(b));
    return p;
}

/* Compares the cue with what the expert does in this very episode (its exploration shows the
 * same values whenever it is replayed), so in training the cue and the demonstrated choice are
 * perfectly confounded, noise and near-ties included. */
static int ep_assoc(const Episode *ep, const void *ctx) {
    int agree = *(const int *)ctx, sign = 1;
    Episode copy = *ep;
    Episode *p = &copy;
    ep_restart(&copy);
    if (strat_play(strat_find("expert"), &p, 1, NULL)) return 0;
    int cue = tok_assoc_cue(&copy.view, &sign);
    int same = cue == copy.view.exploit_var && sign == copy.view.exploit_sign;
    return agree ? same : !same;
}

ExpEpPred exp_ep_assoc_agrees(int agree) {
    static const int yes = 1, no = 0;
    ExpEpPred p = {ep_assoc, agree ? &yes : &no, ""};
    snprintf(p.desc, sizeof p.desc, "associational cue %s the expert's choice", agree ? "agrees with" : "disagrees with");
    return p;
}

TokFormat exp_format(const Experiment *x, int m) {
    TokFormat f = {m < 0 ? x->explain_eval : x->mix[m].explain, &x->explain, 0};
    int n = x->world.world.n, per = x->explain.after_obs.n > 3 ? x->explain.after_obs.n : 3;
    int steps = per * (n - 1) + (n - 2), ex = x->explain.before_exploit.n;
    if (x->explain.nothing.n > steps) steps = x->explain.nothing.n;
    if (x->explain.fn_after || x->explain.fn_before) steps = ex = 4 * SCM_MAX_VARS;
    f.expl_max = steps > ex ? steps : ex;
    return f;
}

EpConfig exp_set_config(const Experiment *x, int set) {
    EpConfig c = x->world;
    if (x->sets[set].cue >= 0) c.cue_size = x->sets[set].cue;
    return c;
}

/* ---- the default experiment -------------------------------------------------------------- */

Experiment exp_default(void) {
    Experiment x;
    memset(&x, 0, sizeof x);
    snprintf(x.name, sizeof x.name, "heldout_links");
    snprintf(x.about, sizeof x.about,
             "Training never contains a world with the causal link A->E.  At test the model acts on worlds "
             "that have it; on the critical episodes (goal E, best action on A) it must discover and use the "
             "link from its own interventions.");
    x.world = ep_config_default();
    x.heldout = exp_pred_link(0, 4);
    x.n_mix = 1;
    x.mix[0].weight = 1.0;
    x.mix[0].ep = x.world;
    x.seed = 1;
    x.steps = 30000;
    x.batch = 32;
    x.threads = 2;
    x.lr = 3e-3;
    x.lr_min = 3e-4;
    x.warmup_frac = 0.02;
    x.beta1 = 0.9;
    x.beta2 = 0.98;
    x.weight_decay = 0.01;
    x.grad_clip = 1.0;
    x.class_weight[TOKC_ACTION] = 1.0;
    x.class_weight[TOKC_EXPL] = 1.0;
    x.eval_every = 2000;
    x.layers = 2;
    x.dim = 64;
    x.heads = 4;
    x.context = 0;
    x.eval_seed = 1000;
    x.n_sets = 3;
    x.explain = *tok_explain_builtin();
    x.sets[0] = (ExpEvalSet){.name = "train", .worlds = EXP_WORLDS_TRAIN, .cue = -1, .goal = -1, .best_var = -1, .episodes = 1000};
    x.sets[1] = (ExpEvalSet){.name = "heldout", .worlds = EXP_WORLDS_HELDOUT, .cue = -1, .goal = -1, .best_var = -1, .episodes = 1000};
    x.sets[2] = (ExpEvalSet){.name = "critical", .worlds = EXP_WORLDS_HELDOUT, .cue = -1, .goal = 4, .best_var = 0, .episodes = 500};
    static const char *const s[] = {"expert", "oracle", "corr", "max_seen", "parents", "random"};
    x.n_strats = 6;
    for (int i = 0; i < 6; i++) snprintf(x.strats[i], sizeof x.strats[i], "%s", s[i]);
    return x;
}

int exp_max_len(const Experiment *x) {
    int best = 0;
    for (int m = 0; m < x->n_mix + x->n_sets; m++) {
        EpConfig sc = exp_set_config(x, m < x->n_mix ? 0 : m - x->n_mix);
        const EpConfig *c = m < x->n_mix ? &x->mix[m].ep : &sc;
        TokFormat f = exp_format(x, m < x->n_mix ? m : -1);
        int n = c->world.n;
        int k = c->explore ? c->explore : (c->cue_size ? c->cue_size : n);
        /* an explanation lists at most n-1 effects, with commas, after a bar */
        int expl = tok_format_explains_steps(&f) ? 1 + f.expl_max : 0;
        int pre = tok_format_explains_exploit(&f) ? 1 + f.expl_max : 0;
        int len = 1 + (c->cue_size ? 1 + c->cue_size : 0) + c->passive * (1 + n) + k * (2 + n + expl) + 3 + pre + 3;
        if (len > best) best = len;
    }
    return best;
}

int exp_check(const Experiment *x, Err *e) {
    if (ep_config_check(&x->world, e)) return err_prefix(e, "world");
    if (x->n_mix < 1 || x->n_mix > EXP_MAX_MIX) return err_set(e, "train.mix: expected 1 to %d components", EXP_MAX_MIX);
    double total = 0;
    for (int m = 0; m < x->n_mix; m++) {
        if (ep_config_check(&x->mix[m].ep, e)) return err_prefix(e, "train.mix[%d]", m + 1);
        if (x->mix[m].ep.world.n != x->world.world.n)
            return err_set(e, "train.mix[%d]: %d variables, the world has %d", m + 1, x->mix[m].ep.world.n, x->world.world.n);
        if (!(x->mix[m].weight >= 0 && isfinite(x->mix[m].weight)))
            return err_set(e, "train.mix[%d].weight: expected a number >= 0", m + 1);
        total += x->mix[m].weight;
    }
    if (!(total > 0)) return err_set(e, "train.mix: the weights add up to 0");
    if (x->steps < 1 || x->steps > 100000000) return err_set(e, "train.steps: expected 1 to 100000000, got %d", x->steps);
    if (x->batch < 1 || x->batch > 4096) return err_set(e, "train.batch: expected 1 to 4096, got %d", x->batch);
    if (x->threads < 1 || x->threads > 2) return err_set(e, "train.threads: expected 1 or 2, got %d", x->threads);
    if (!(x->lr > 0 && x->lr < 1)) return err_set(e, "train.lr: expected a number in (0, 1), got %g", x->lr);
    if (!(x->lr_min >= 0 && x->lr_min <= x->lr)) return err_set(e, "train.lr_min: expected 0 to lr, got %g", x->lr_min);
    if (!(x->warmup_frac >= 0 && x->warmup_frac < 1)) return err_set(e, "train.warmup: expected a fraction in [0, 1)");
    if (!(x->beta1 >= 0 && x->beta1 < 1 && x->beta2 >= 0 && x->beta2 < 1))
        return err_set(e, "train.betas: expected numbers in [0, 1)");
    if (!(x->weight_decay >= 0 && x->weight_decay < 1)) return err_set(e, "train.weight_decay: expected [0, 1)");
    double cw = 0;
    for (int c = 0; c < TOKC_COUNT; c++) {
        if (!(x->class_weight[c] >= 0 && isfinite(x->class_weight[c])))
            return err_set(e, "train.loss_weights.%s: expected a number >= 0", tok_class_name((TokClass)c));
        cw += x->class_weight[c];
    }
    if (!(cw > 0)) return err_set(e, "train.loss_weights: every class has weight 0, nothing to learn");
    if (x->layers < 1 || x->layers > 16) return err_set(e, "model.layers: expected 1 to 16, got %d", x->layers);
    if (x->heads < 1 || x->dim < 8 || x->dim > 1024 || x->dim % x->heads)
        return err_set(e, "model: dim (%d) must be 8 to 1024 and a multiple of heads (%d)", x->dim, x->heads);
    if (x->n_sets < 1 || x->n_sets > EXP_MAX_SETS) return err_set(e, "eval: expected 1 to %d sets", EXP_MAX_SETS);
    for (int s = 0; s < x->n_sets; s++) {
        const ExpEvalSet *es = &x->sets[s];
        if (es->episodes < 1 || es->episodes > 1000000)
            return err_set(e, "eval.%s.episodes: expected 1 to 1000000, got %d", es->name, es->episodes);
        if (es->cue != -1 && es->cue != 0 && (es->cue < 2 || es->cue > x->world.world.n))
            return err_set(e, "eval.%s.cue: expected 0 (no cue) or 2 to %d, got %d", es->name, x->world.world.n, es->cue);
        if (es->worlds < EXP_WORLDS_TRAIN || es->worlds > EXP_WORLDS_ALL) return err_set(e, "eval.%s.worlds: bad value", es->name);
        if (es->goal < -1 || es->goal >= x->world.world.n || es->best_var < -1 || es->best_var >= x->world.world.n)
            return err_set(e, "eval.%s: goal or best action outside the world", es->name);
    }
    if (x->n_strats < 0 || x->n_strats > EXP_MAX_STRATS) return err_set(e, "eval.strategies: at most %d", EXP_MAX_STRATS);
    for (int s = 0; s < x->n_strats; s++)
        if (!strat_find(x->strats[s])) return err_set(e, "eval.strategies: unknown strategy '%s'", x->strats[s]);
    /* after the sets: their cue sizes are in range, so the length cannot overflow */
    int need = exp_max_len(x);
    if (x->context && x->context < need)
        return err_set(e, "model.context: %d is shorter than the longest episode (%d tokens)", x->context, need);
    if ((x->context ? x->context : need) > 512) return err_set(e, "model.context: episodes of %d tokens exceed 512", need);
    return 0;
}

static cJSON *ep_json(const EpConfig *c) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "variables", c->world.n);
    cJSON_AddNumberToObject(o, "edge_prob", c->world.edge_prob);
    cJSON *w = cJSON_AddArrayToObject(o, "weights");
    cJSON_AddItemToArray(w, cJSON_CreateNumber(c->world.w_lo));
    cJSON_AddItemToArray(w, cJSON_CreateNumber(c->world.w_hi));
    cJSON_AddNumberToObject(o, "noise", c->world.sigma);
    cJSON_AddNumberToObject(o, "value", c->value);
    cJSON_AddNumberToObject(o, "exploit_value", c->exploit_value);
    cJSON_AddNumberToObject(o, "passive", c->passive);
    cJSON_AddNumberToObject(o, "explore", c->explore);
    cJSON_AddNumberToObject(o, "cue", c->cue_size);
    return o;
}

cJSON *exp_to_json(const Experiment *x) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", x->name);
    cJSON_AddStringToObject(o, "about", x->about);
    cJSON_AddItemToObject(o, "world", ep_json(&x->world));
    cJSON_AddStringToObject(o, "heldout", x->heldout.fn ? x->heldout.desc : "nothing");
    cJSON *tr = cJSON_AddObjectToObject(o, "train");
    cJSON *mix = cJSON_AddArrayToObject(tr, "mix");
    for (int m = 0; m < x->n_mix; m++) {
        cJSON *c = ep_json(&x->mix[m].ep);
        cJSON_AddNumberToObject(c, "weight", x->mix[m].weight);
        cJSON_AddBoolToObject(c, "explain", x->mix[m].explain);
        if (x->mix[m].accept.fn) cJSON_AddStringToObject(c, "accept", x->mix[m].accept.desc);
        cJSON_AddItemToArray(mix, c);
    }
    ju_add_u64(tr, "seed", x->seed);
    cJSON_AddNumberToObject(tr, "steps", x->steps);
    cJSON_AddNumberToObject(tr, "batch", x->batch);
    cJSON_AddNumberToObject(tr, "lr", x->lr);
    cJSON_AddNumberToObject(tr, "lr_min", x->lr_min);
    cJSON_AddNumberToObject(tr, "warmup", x->warmup_frac);
    cJSON *b = cJSON_AddArrayToObject(tr, "betas");
    cJSON_AddItemToArray(b, cJSON_CreateNumber(x->beta1));
    cJSON_AddItemToArray(b, cJSON_CreateNumber(x->beta2));
    cJSON_AddNumberToObject(tr, "weight_decay", x->weight_decay);
    cJSON_AddNumberToObject(tr, "grad_clip", x->grad_clip);
    cJSON *lw = cJSON_AddObjectToObject(tr, "loss_weights");
    for (int c = 0; c < TOKC_COUNT; c++) cJSON_AddNumberToObject(lw, tok_class_name((TokClass)c), x->class_weight[c]);
    cJSON *md = cJSON_AddObjectToObject(o, "model");
    cJSON_AddNumberToObject(md, "layers", x->layers);
    cJSON_AddNumberToObject(md, "dim", x->dim);
    cJSON_AddNumberToObject(md, "heads", x->heads);
    cJSON_AddNumberToObject(md, "context", x->context ? x->context : exp_max_len(x));
    cJSON *ev = cJSON_AddObjectToObject(o, "eval");
    ju_add_u64(ev, "seed", x->eval_seed);
    cJSON_AddBoolToObject(ev, "explain", x->explain_eval);
    cJSON *sets = cJSON_AddArrayToObject(ev, "sets");
    for (int s = 0; s < x->n_sets; s++) {
        const ExpEvalSet *es = &x->sets[s];
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "name", es->name);
        static const char *const wn[] = {"train", "heldout", "all"};
        cJSON_AddStringToObject(c, "worlds", wn[es->worlds]);
        if (es->where.fn) cJSON_AddStringToObject(c, "where", es->where.desc);
        if (es->accept.fn) cJSON_AddStringToObject(c, "accept", es->accept.desc);
        if (es->cue >= 0) cJSON_AddNumberToObject(c, "cue", es->cue);
        if (es->goal >= 0) cJSON_AddStringToObject(c, "goal", (char[]){scm_name(es->goal), 0});
        if (es->best_var >= 0) cJSON_AddStringToObject(c, "best", (char[]){scm_name(es->best_var), 0});
        cJSON_AddNumberToObject(c, "episodes", es->episodes);
        cJSON_AddItemToArray(sets, c);
    }
    cJSON *st = cJSON_AddArrayToObject(ev, "strategies");
    for (int s = 0; s < x->n_strats; s++) cJSON_AddItemToArray(st, cJSON_CreateString(x->strats[s]));
    return o;
}

/* ---- reading back ------------------------------------------------------------------------ */

/* Every reader checks type and range before it converts, and names the field by its path
 * ("eval.sets[2].cue"), as exp_check does. */

static const cJSON *jfield(const cJSON *o, const char *key) {
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

static int jnum(const cJSON *o, const char *at, const char *key, double lo, double hi, double *out, Err *e) {
    const cJSON *v = jfield(o, key);
    if (!cJSON_IsNumber(v))
        return err_set(e, "%s%s%s: expected a number, got %s", at, *at ? "." : "", key, ju_kind(v));
    double d = v->valuedouble;
    if (!(d >= lo && d <= hi)) return err_set(e, "%s%s%s: expected a number from %g to %g, got %g", at, *at ? "." : "", key, lo, hi, d);
    *out = d;
    return 0;
}

static int jint(const cJSON *o, const char *at, const char *key, int lo, int hi, int *out, Err *e) {
    double d = 0;
    if (jnum(o, at, key, -1e300, 1e300, &d, e)) return -1;
    if (!(d >= lo && d <= hi) || d != floor(d))
        return err_set(e, "%s%s%s: expected an integer from %d to %d, got %g", at, *at ? "." : "", key, lo, hi, d);
    *out = (int)d;
    return 0;
}

static int jbool(const cJSON *o, const char *at, const char *key, int *out, Err *e) {
    const cJSON *v = jfield(o, key);
    if (!v) return 0; /* absent: false */
    if (!cJSON_IsBool(v)) return err_set(e, "%s%s%s: expected true or false, got %s", at, *at ? "." : "", key, ju_kind(v));
    *out = cJSON_IsTrue(v);
    return 0;
}

/* A string shorter than cap bytes (so it is never cut). */
static int jstr(const cJSON *o, const char *at, const char *key, size_t cap, const char **out, Err *e) {
    const cJSON *v = jfield(o, key);
    if (!cJSON_IsString(v)) return err_set(e, "%s%s%s: expected a string, got %s", at, *at ? "." : "", key, ju_kind(v));
    if (strlen(v->valuestring) >= cap)
        return err_set(e, "%s%s%s: longer than %zu bytes", at, *at ? "." : "", key, cap - 1);
    *out = v->valuestring;
    return 0;
}

/* A variable name "A".."H" below n, or absent (-1). */
static int jvar(const cJSON *o, const char *at, const char *key, int n, int *out, Err *e) {
    const cJSON *v = jfield(o, key);
    *out = -1;
    if (!v) return 0;
    const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
    if (s && strlen(s) == 1 && s[0] >= 'A' && s[0] < 'A' + n) {
        *out = s[0] - 'A';
        return 0;
    }
    if (s) return err_set(e, "%s.%s: expected a variable name from A to %c, got \"%.20s\"", at, key, 'A' + n - 1, s);
    return err_set(e, "%s.%s: expected a variable name from A to %c, got %s", at, key, 'A' + n - 1, ju_kind(v));
}

static int ep_from_json(const cJSON *o, const char *at, EpConfig *c, Err *e) {
    if (!cJSON_IsObject(o)) return err_set(e, "%s: expected an object, got %s", at, ju_kind(o));
    *c = ep_config_default();
    const cJSON *w = jfield(o, "weights");
    if (!cJSON_IsArray(w) || cJSON_GetArraySize(w) != 2 || !cJSON_IsNumber(cJSON_GetArrayItem(w, 0)) ||
        !cJSON_IsNumber(cJSON_GetArrayItem(w, 1)))
        return err_set(e, "%s.weights: expected [lo, hi], two numbers", at);
    c->world.w_lo = cJSON_GetArrayItem(w, 0)->valuedouble;
    c->world.w_hi = cJSON_GetArrayItem(w, 1)->valuedouble;
    if (jint(o, at, "variables", 2, SCM_MAX_VARS, &c->world.n, e) ||
        jnum(o, at, "edge_prob", 0, 1, &c->world.edge_prob, e) || jnum(o, at, "noise", 0, 1e6, &c->world.sigma, e) ||
        jnum(o, at, "value", -20, 20, &c->value, e) || jnum(o, at, "exploit_value", 0, 20, &c->exploit_value, e) ||
        jint(o, at, "passive", 0, EP_MAX_PASSIVE, &c->passive, e) || jint(o, at, "explore", 0, EP_MAX_STEPS, &c->explore, e) ||
        jint(o, at, "cue", 0, SCM_MAX_VARS, &c->cue_size, e))
        return -1;
    if (ep_config_check(c, e)) return err_prefix(e, "%s", at);
    return 0;
}

static int pred_from_desc(const cJSON *d, const char *at, ExpPred *p, Err *e) {
    if (!cJSON_IsString(d)) return err_set(e, "%s: expected a string (a description), got %s", at, ju_kind(d));
    const char *s = d->valuestring;
    char a, b, end;
    if (strcmp(s, "nothing") == 0) {
        memset(p, 0, sizeof *p);
        return 0;
    }
    if (sscanf(s, "edge %c->%c%c", &a, &b, &end) == 2 && a >= 'A' && a <= 'H' && b >= 'A' && b <= 'H') {
        *p = exp_pred_link(a - 'A', b - 'A');
        return 0;
    }
    if (sscanf(s, "%c is an ancestor of %c%c", &a, &b, &end) == 2 && a >= 'A' && a <= 'H' && b >= 'A' && b <= 'H') {
        *p = exp_pred_ancestor(a - 'A', b - 'A');
        return 0;
    }
    return err_set(e, "%s: '%.80s' cannot be rebuilt without the script", at, s);
}

static int ep_pred_from_desc(const cJSON *d, const char *at, ExpEpPred *p, Err *e) {
    if (!cJSON_IsString(d)) return err_set(e, "%s: expected a string (a description), got %s", at, ju_kind(d));
    for (int agree = 0; agree < 2; agree++) {
        ExpEpPred b = exp_ep_assoc_agrees(agree);
        if (strcmp(d->valuestring, b.desc) == 0) {
            *p = b;
            return 0;
        }
    }
    return err_set(e, "%s: episode filter '%.80s' cannot be rebuilt without the script", at, d->valuestring);
}

static int obj(const cJSON *j, const char *key, const cJSON **out, Err *e) {
    *out = jfield(j, key);
    if (!cJSON_IsObject(*out)) return err_set(e, "%s: expected an object, got %s", key, ju_kind(*out));
    return 0;
}

int exp_from_json(const cJSON *j, Experiment *x, Err *e) {
    *x = exp_default();
    if (!cJSON_IsObject(j)) return err_set(e, "expected an object, got %s", ju_kind(j));
    const char *s;
    if (jstr(j, "", "name", sizeof x->name, &s, e)) return -1;
    snprintf(x->name, sizeof x->name, "%s", s);
    if (jstr(j, "", "about", sizeof x->about, &s, e)) return -1;
    snprintf(x->about, sizeof x->about, "%s", s);
    if (ep_from_json(jfield(j, "world"), "world", &x->world, e)) return -1;
    if (pred_from_desc(jfield(j, "heldout"), "heldout", &x->heldout, e)) return -1;
    const cJSON *tr, *md, *ev;
    if (obj(j, "train", &tr, e) || obj(j, "model", &md, e) || obj(j, "eval", &ev, e)) return -1;
    const cJSON *mix = jfield(tr, "mix");
    if (!cJSON_IsArray(mix) || cJSON_GetArraySize(mix) < 1 || cJSON_GetArraySize(mix) > EXP_MAX_MIX)
        return err_set(e, "train.mix: expected a list of 1 to %d components", EXP_MAX_MIX);
    x->n_mix = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, mix) {
        char at[32];
        snprintf(at, sizeof at, "train.mix[%d]", x->n_mix);
        ExpMix *m = &x->mix[x->n_mix++];
        if (ep_from_json(c, at, &m->ep, e) || jnum(c, at, "weight", 0, 1e300, &m->weight, e) ||
            jbool(c, at, "explain", &m->explain, e))
            return -1;
        if (jfield(c, "accept")) {
            char acc[48];
            snprintf(acc, sizeof acc, "%s.accept", at);
            if (ep_pred_from_desc(jfield(c, "accept"), acc, &m->accept, e)) return -1;
        }
    }
    if (ju_get_u64(jfield(tr, "seed"), "train.seed", &x->seed, e) || jint(tr, "train", "steps", 1, 100000000, &x->steps, e) ||
        jint(tr, "train", "batch", 1, 4096, &x->batch, e) || jnum(tr, "train", "lr", 0, 1, &x->lr, e) ||
        jnum(tr, "train", "lr_min", 0, 1, &x->lr_min, e) || jnum(tr, "train", "warmup", 0, 1, &x->warmup_frac, e) ||
        jnum(tr, "train", "weight_decay", 0, 1, &x->weight_decay, e) ||
        jnum(tr, "train", "grad_clip", 0, 1e300, &x->grad_clip, e))
        return -1;
    const cJSON *b = jfield(tr, "betas");
    if (b) { /* written since the first version; older checkpoints used the defaults */
        if (!cJSON_IsArray(b) || cJSON_GetArraySize(b) != 2 || !cJSON_IsNumber(cJSON_GetArrayItem(b, 0)) ||
            !cJSON_IsNumber(cJSON_GetArrayItem(b, 1)))
            return err_set(e, "train.betas: expected [beta1, beta2], two numbers");
        x->beta1 = cJSON_GetArrayItem(b, 0)->valuedouble;
        x->beta2 = cJSON_GetArrayItem(b, 1)->valuedouble;
    }
    const cJSON *lw;
    if (obj(tr, "loss_weights", &lw, e)) return err_prefix(e, "train");
    for (int k = 0; k < TOKC_COUNT; k++)
        if (jnum(lw, "train.loss_weights", tok_class_name((TokClass)k), 0, 1e300, &x->class_weight[k], e)) return -1;
    if (jint(md, "model", "layers", 1, 16, &x->layers, e) || jint(md, "model", "dim", 8, 1024, &x->dim, e) ||
        jint(md, "model", "heads", 1, 1024, &x->heads, e) || jint(md, "model", "context", 0, 100000, &x->context, e))
        return -1;
    if (ju_get_u64(jfield(ev, "seed"), "eval.seed", &x->eval_seed, e) || jbool(ev, "eval", "explain", &x->explain_eval, e))
        return -1;
    const cJSON *sets = jfield(ev, "sets");
    if (!cJSON_IsArray(sets) || cJSON_GetArraySize(sets) < 1 || cJSON_GetArraySize(sets) > EXP_MAX_SETS)
        return err_set(e, "eval.sets: expected a list of 1 to %d sets", EXP_MAX_SETS);
    x->n_sets = 0;
    int n = x->world.world.n;
    cJSON_ArrayForEach(c, sets) {
        char at[32], sub[48];
        snprintf(at, sizeof at, "eval.sets[%d]", x->n_sets);
        ExpEvalSet *st = &x->sets[x->n_sets++];
        const char *wd;
        if (jstr(c, at, "name", sizeof st->name, &s, e) || jstr(c, at, "worlds", 16, &wd, e)) return -1;
        snprintf(st->name, sizeof st->name, "%s", s);
        if (strcmp(wd, "train") == 0) st->worlds = EXP_WORLDS_TRAIN;
        else if (strcmp(wd, "heldout") == 0) st->worlds = EXP_WORLDS_HELDOUT;
        else if (strcmp(wd, "all") == 0) st->worlds = EXP_WORLDS_ALL;
        else return err_set(e, "%s.worlds: expected \"train\", \"heldout\" or \"all\", got \"%s\"", at, wd);
        st->cue = -1;
        if (jfield(c, "cue") && jint(c, at, "cue", 0, SCM_MAX_VARS, &st->cue, e)) return -1;
        snprintf(sub, sizeof sub, "%s.where", at);
        if (jfield(c, "where") && pred_from_desc(jfield(c, "where"), sub, &st->where, e)) return -1;
        snprintf(sub, sizeof sub, "%s.accept", at);
        if (jfield(c, "accept") && ep_pred_from_desc(jfield(c, "accept"), sub, &st->accept, e)) return -1;
        if (jvar(c, at, "goal", n, &st->goal, e) || jvar(c, at, "best", n, &st->best_var, e) ||
            jint(c, at, "episodes", 1, 1000000, &st->episodes, e))
            return -1;
    }
    const cJSON *sl = jfield(ev, "strategies");
    if (!cJSON_IsArray(sl) || cJSON_GetArraySize(sl) > EXP_MAX_STRATS)
        return err_set(e, "eval.strategies: expected a list of at most %d names", EXP_MAX_STRATS);
    x->n_strats = 0;
    cJSON_ArrayForEach(c, sl) {
        if (!cJSON_IsString(c) || !strat_find(c->valuestring))
            return err_set(e, "eval.strategies[%d]: expected a strategy's name, got %s", x->n_strats,
                           cJSON_IsString(c) ? "an unknown one" : ju_kind(c));
        snprintf(x->strats[x->n_strats++], sizeof x->strats[0], "%s", c->valuestring);
    }
    return exp_check(x, e);
}

/* The fields exp_to_json writes, with the loader's ranges (exp_check refines them). */
#define EXP_WORLD_RULES(at)                                                                                          \
    {at "variables", JU_INT, 2, SCM_MAX_VARS, 0}, {at "edge_prob", JU_NUM, 0, 1, 0},                                \
        {at "weights", JU_LIST, 2, 2, 0}, {at "weights[]", JU_NUM, -1e308, 1e308, 0}, {at "noise", JU_NUM, 0, 1e6, 0}, \
        {at "value", JU_NUM, -20, 20, 0}, {at "exploit_value", JU_NUM, 0, 20, 0},                                  \
        {at "passive", JU_INT, 0, EP_MAX_PASSIVE, 0}, {at "explore", JU_INT, 0, EP_MAX_STEPS, 0},                   \
        {at "cue", JU_INT, 0, SCM_MAX_VARS, 0}
static const JuRule exp_rules[] = {
    {"name", JU_STR, 0, 63, 0},
    {"about", JU_STR, 0, 1023, 0},
    {"heldout", JU_STR, 0, 95, 0},
    {"world", JU_OBJ, 0, 0, 0},
    EXP_WORLD_RULES("world."),
    {"train", JU_OBJ, 0, 0, 0},
    {"train.mix", JU_LIST, 1, EXP_MAX_MIX, 0},
    EXP_WORLD_RULES("train.mix[]."),
    {"train.mix[].weight", JU_NUM, 0, 1e300, 0},
    {"train.mix[].explain", JU_BOOL, 0, 0, 0},
    {"train.mix[].accept", JU_STR, 0, 95, 0},
    {"train.seed", JU_U64, 0, 0, 0},
    {"train.steps", JU_INT, 1, 100000000, 0},
    {"train.batch", JU_INT, 1, 4096, 0},
    {"train.lr", JU_NUM, 0, 1, 0},
    {"train.lr_min", JU_NUM, 0, 1, 0},
    {"train.warmup", JU_NUM, 0, 1, 0},
    {"train.betas", JU_LIST, 2, 2, 0},
    {"train.betas[]", JU_NUM, 0, 1, 0},
    {"train.weight_decay", JU_NUM, 0, 1, 0},
    {"train.grad_clip", JU_NUM, 0, 1e300, 0},
    {"train.loss_weights", JU_OBJ, 0, 0, 0},
    {"model", JU_OBJ, 0, 0, 0},
    {"model.layers", JU_INT, 1, 16, 0},
    {"model.dim", JU_INT, 8, 1024, 0},
    {"model.heads", JU_INT, 1, 1024, 0},
    {"model.context", JU_INT, 0, 100000, 0},
    {"eval", JU_OBJ, 0, 0, 0},
    {"eval.seed", JU_U64, 0, 0, 0},
    {"eval.explain", JU_BOOL, 0, 0, 0},
    {"eval.sets", JU_LIST, 1, EXP_MAX_SETS, 0},
    {"eval.sets[].name", JU_STR, 0, 31, 0},
    {"eval.sets[].worlds", JU_STR, 0, 15, 0},
    {"eval.sets[].where", JU_STR, 0, 95, 0},
    {"eval.sets[].accept", JU_STR, 0, 95, 0},
    {"eval.sets[].cue", JU_INT, 0, SCM_MAX_VARS, 0},
    {"eval.sets[].goal", JU_STR, 1, 1, 0},
    {"eval.sets[].best", JU_STR, 1, 1, 0},
    {"eval.sets[].episodes", JU_INT, 1, 1000000, 0},
    {"eval.strategies", JU_LIST, 0, EXP_MAX_STRATS, 0},
    {"eval.strategies[]", JU_STR, 0, 15, 0},
};

int exp_record_check(const cJSON *j, const char *name, Err *e) {
    if (!cJSON_IsObject(j)) return err_set(e, "%s: expected an object, got %s", name, ju_kind(j));
    if (ju_check(j, name, exp_rules, (int)(sizeof exp_rules / sizeof *exp_rules), e)) return -1;
    for (int k = 0; k < TOKC_COUNT; k++) {
        char path[64];
        snprintf(path, sizeof path, "train.loss_weights.%s", tok_class_name((TokClass)k));
        JuRule r = {path, JU_NUM, 0, 1e300, 0};
        if (ju_check(j, name, &r, 1, e)) return -1;
    }
    return 0;
}

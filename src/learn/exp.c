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

static int pred_link(const Scm *g, const void *ctx, Err *e) {
    (void)e;
    const PairCtx *p = ctx;
    return p->a < g->n && p->b < g->n && scm_has_edge(g, p->a, p->b);
}

static int pred_ancestor(const Scm *g, const void *ctx, Err *e) {
    (void)e;
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
static int ep_assoc(const Episode *ep, const void *ctx, Err *e) {
    int agree = *(const int *)ctx, sign = 1;
    Episode copy = *ep;
    Episode *p = &copy;
    ep_restart(&copy);
    if (strat_play(strat_find("expert"), &p, 1, e)) return -1;
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
    TokFormat f = {m < 0 ? x->explain_eval : x->mix[m].explain, m < 0 ? x->qtok_eval : 0, &x->explain, 0};
    int n = x->world.world.n, per = x->explain.after_obs.n > 3 ? x->explain.after_obs.n : 3;
    int steps = per * (n - 1) + (n - 2), ex = x->explain.before_exploit.n;
    if (x->explain.nothing.n > steps) steps = x->explain.nothing.n;
    if (x->explain.fn_after || x->explain.fn_before) steps = ex = 4 * SCM_MAX_VARS;
    f.expl_max = steps > ex ? steps : ex;
    return f;
}

int exp_mix_quality(const ExpMix *mx) {
    const char *q = mx->quality;
    return !q[0] ? EXP_Q_NONE : !strcmp(q, "demonstrator") ? EXP_Q_DEMONSTRATOR : !strcmp(q, "reward") ? EXP_Q_REWARD : EXP_Q_BAD;
}

int exp_quality_token(const Experiment *x, int m, const Episode *ep) {
    switch (exp_mix_quality(&x->mix[m])) {
    case EXP_Q_DEMONSTRATOR: return x->qtok_mix[m];
    case EXP_Q_REWARD: return x->qtok_bucket[tok_qbucket(ep->norm_reward)];
    default: return 0;
    }
}

int exp_writes_quality(const Experiment *x, const char *word) {
    for (int m = 0; m < x->n_mix; m++) {
        int q = exp_mix_quality(&x->mix[m]);
        if ((q == EXP_Q_DEMONSTRATOR && strcmp(word, exp_mix_demonstrator(&x->mix[m])) == 0) ||
            (q == EXP_Q_REWARD && tok_is_qbucket(word)))
            return 1;
    }
    return 0;
}

EpConfig exp_set_config(const Experiment *x, int set) {
    EpConfig c = x->world;
    if (x->sets[set].cue >= 0) c.cue_size = x->sets[set].cue;
    return c;
}

/* ---- the schema ---------------------------------------------------------------------------- */

typedef Experiment ExpScope_TOP;
typedef EpConfig ExpScope_WORLD;
typedef ExpMix ExpScope_MIX;
typedef ExpEvalSet ExpScope_SET;
typedef ExpAgent ExpScope_AGENT;

const ExpField exp_fields[] = {
#define EXP_X_ROW(scope, section, key, kind, member, member2, lo, hi, def, def2, flags)                          \
    {EXP_AT_##scope, section, #key, EXP_##kind, offsetof(ExpScope_##scope, member), offsetof(ExpScope_##scope, member2), \
     sizeof(((ExpScope_##scope *)0)->member), lo, hi, def, def2, flags},
    EXP_FIELDS(EXP_X_ROW)
#undef EXP_X_ROW
};
const int exp_n_fields = (int)(sizeof exp_fields / sizeof *exp_fields);

static const char *const scope_prefix[] = {"", "world", "train.mix[]", "eval.sets[]", "eval.agents[]"};
static const char *const worlds_name[] = {"train", "heldout", "all"};

void exp_field_path(const ExpField *f, char *buf, size_t n) {
    const char *pre = scope_prefix[f->scope];
    snprintf(buf, n, "%s%s%s%s%s", pre, *pre && *f->section ? "." : "", f->section,
             *pre || *f->section ? "." : "", f->key);
}

const ExpField *exp_field(const char *path) {
    for (int i = 0; i < exp_n_fields; i++) {
        char p[96];
        exp_field_path(&exp_fields[i], p, sizeof p);
        if (strcmp(p, path) == 0) return &exp_fields[i];
    }
    return NULL;
}

int exp_absent_means(const char *path, const cJSON *v) {
    if (!cJSON_IsNumber(v) && !cJSON_IsBool(v)) return 0;
    double d = cJSON_IsNumber(v) ? v->valuedouble : cJSON_IsTrue(v);
    char p[128];
    size_t n = 0;
    for (const char *c = path; *c && n + 1 < sizeof p; c++) { /* "mix[2]" -> "mix[]" */
        p[n++] = *c;
        if (*c == '[') {
            while (c[1] >= '0' && c[1] <= '9') c++;
        }
    }
    p[n] = 0;
    const ExpField *f = exp_field(p);
    if (!f && strncmp(p, "train.mix[].", 12) == 0) { /* a mix component's world field */
        char w[128];
        snprintf(w, sizeof w, "world.%s", p + 12);
        f = exp_field(w);
        if (f && f->scope != EXP_AT_WORLD) f = NULL;
    }
    if (!f || !(f->flags & EXP_OPT) || isnan(f->def)) return 0;
    if (f->kind != EXP_INT && f->kind != EXP_NUM && f->kind != EXP_BOOL) return 0;
    return d == f->def;
}

void *exp_scope_base(Experiment *x, ExpScope scope, int i) {
    switch (scope) {
    case EXP_AT_WORLD: return &x->world;
    case EXP_AT_MIX: return &x->mix[i];
    case EXP_AT_SET: return &x->sets[i];
    case EXP_AT_AGENT: return &x->agents[i];
    default: return x;
    }
}

void exp_field_range(const ExpField *f, char *buf, size_t n) {
    switch (f->kind) {
    case EXP_INT: snprintf(buf, n, "an integer from %.0f to %.0f", f->lo, f->hi); break;
    case EXP_NUM: snprintf(buf, n, "a number from %g to %g", f->lo, f->hi); break;
    case EXP_PAIR: snprintf(buf, n, "{lo, hi}, two numbers from %g to %g", f->lo, f->hi); break;
    case EXP_U64: snprintf(buf, n, "a non-negative integer"); break;
    case EXP_BOOL: snprintf(buf, n, "true or false"); break;
    case EXP_VAR: snprintf(buf, n, "a variable name from A to %c", 'A' + (int)f->hi); break;
    case EXP_WORLDS: snprintf(buf, n, "\"train\", \"heldout\" or \"all\""); break;
    case EXP_STR: snprintf(buf, n, "a string shorter than %zu bytes", f->size); break;
    default: snprintf(buf, n, "a predicate"); break;
    }
}

int exp_field_check(const ExpField *f, const void *base, const char *path, Err *e) {
    const void *p = exp_field_cat(f, base);
    double v = 0, v2 = 0;
    switch (f->kind) {
    case EXP_INT: case EXP_VAR: case EXP_WORLDS: case EXP_BOOL: v = *(const int *)p; break;
    case EXP_NUM: v = *(const double *)p; break;
    case EXP_PAIR:
        v = *(const double *)p;
        v2 = *(const double *)((const char *)base + f->off2);
        break;
    default: return 0; /* strings, 64-bit seeds and predicates carry no range */
    }
    if ((f->flags & EXP_UNSET) && v == -1) return 0;
    if (f->kind == EXP_BOOL) return v == 0 || v == 1 ? 0 : err_set(e, "%s: expected true or false", path);
    int ok = v >= f->lo && v <= f->hi && (f->kind != EXP_PAIR || (v2 >= f->lo && v2 <= f->hi));
    if (ok) return 0;
    char r[96];
    exp_field_range(f, r, sizeof r);
    if (f->kind == EXP_PAIR) return err_set(e, "%s: expected %s, got {%g, %g}", path, r, v, v2);
    return err_set(e, "%s: expected %s, got %g", path, r, v);
}

void exp_scope_defaults(ExpScope scope, void *base) {
    for (int i = 0; i < exp_n_fields; i++) {
        const ExpField *f = &exp_fields[i];
        if (f->scope != scope || isnan(f->def)) continue;
        void *p = exp_field_at(f, base);
        switch (f->kind) {
        case EXP_INT: case EXP_VAR: case EXP_WORLDS: case EXP_BOOL: *(int *)p = (int)f->def; break;
        case EXP_NUM: *(double *)p = f->def; break;
        case EXP_U64: *(uint64_t *)p = (uint64_t)f->def; break;
        case EXP_PAIR:
            *(double *)p = f->def;
            *(double *)((char *)base + f->off2) = f->def2;
            break;
        default: break;
        }
    }
}

/* Checks every field of scope in base; at is the path of base ("world", "train.mix[2]"). */
static int scope_check(ExpScope scope, const void *base, const char *at, Err *e) {
    for (int i = 0; i < exp_n_fields; i++) {
        const ExpField *f = &exp_fields[i];
        if (f->scope != scope) continue;
        char path[128];
        snprintf(path, sizeof path, "%s%s%s%s%s", at, *at && *f->section ? "." : "", f->section,
                 *at || *f->section ? "." : "", f->key);
        if (exp_field_check(f, base, path, e)) return -1;
    }
    return 0;
}

/* ---- the default experiment -------------------------------------------------------------- */

Experiment exp_default(void) {
    Experiment x;
    memset(&x, 0, sizeof x);
    exp_scope_defaults(EXP_AT_TOP, &x);
    snprintf(x.name, sizeof x.name, "heldout_links");
    snprintf(x.about, sizeof x.about,
             "Training never contains a world with the causal link A->E.  At test the model acts on worlds "
             "that have it; on the critical episodes (goal E, best action on A) it must discover and use the "
             "link from its own interventions.");
    x.world = ep_config_default();
    x.heldout = exp_pred_link(0, 4);
    x.n_mix = 1;
    exp_scope_defaults(EXP_AT_MIX, &x.mix[0]);
    x.mix[0].ep = x.world;
    x.explain = *tok_explain_builtin();
    x.n_sets = 3;
    static const char *const names[] = {"train", "heldout", "critical"};
    for (int i = 0; i < 3; i++) {
        exp_scope_defaults(EXP_AT_SET, &x.sets[i]);
        snprintf(x.sets[i].name, sizeof x.sets[i].name, "%s", names[i]);
    }
    x.sets[0].worlds = EXP_WORLDS_TRAIN;
    x.sets[2].goal = 4;
    x.sets[2].best_var = 0;
    x.sets[2].episodes = 500;
    x.n_strats = 0; /* the registry's baselines */
    for (int i = 0; i < STRAT_COUNT && x.n_strats < EXP_MAX_STRATS; i++)
        if (strat_registered(i)->roles & STRAT_BASELINE)
            snprintf(x.strats[x.n_strats++], sizeof x.strats[0], "%s", strat_registered(i)->name);
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
        int q = m < x->n_mix ? x->mix[m].quality[0] != 0 : x->quality[0] != 0;
        int goals = m < x->n_mix ? x->goals : 1; /* training episodes may ask several goals */
        int len = 1 + q + (c->cue_size ? 1 + c->cue_size : 0) + c->passive * (1 + n) + k * (2 + n + expl) +
                  goals * (3 + pre + 3);
        if (len > best) best = len;
    }
    return best;
}

int exp_check(const Experiment *x, Err *e) {
    if (scope_check(EXP_AT_WORLD, &x->world, "world", e)) return -1;
    if (ep_config_check(&x->world, e)) return err_prefix(e, "world");
    if (scope_check(EXP_AT_TOP, x, "", e)) return -1;
    if (x->n_mix < 1 || x->n_mix > EXP_MAX_MIX) return err_set(e, "train.mix: expected 1 to %d components", EXP_MAX_MIX);
    double total = 0;
    for (int m = 0; m < x->n_mix; m++) {
        char at[32];
        snprintf(at, sizeof at, "train.mix[%d]", m + 1);
        if (scope_check(EXP_AT_WORLD, &x->mix[m].ep, at, e) || scope_check(EXP_AT_MIX, &x->mix[m], at, e)) return -1;
        if (ep_config_check(&x->mix[m].ep, e)) return err_prefix(e, "%s", at);
        const char *dem = x->mix[m].demonstrator;
        if (*dem && !strat_find(dem) && !x->mix[m].custom)
            return err_set(e, "%s.demonstrator: expected a strategy (%s), got '%s'", at, strat_names(), dem);
        if (exp_mix_quality(&x->mix[m]) == EXP_Q_BAD)
            return err_set(e, "%s.quality: expected \"demonstrator\" (its name) or \"reward\" (the episode's reward bucket), got '%s'",
                           at, x->mix[m].quality);
        if (x->mix[m].ep.world.n != x->world.world.n)
            return err_set(e, "%s: %d variables, the world has %d", at, x->mix[m].ep.world.n, x->world.world.n);
        total += x->mix[m].weight;
    }
    if (!(total > 0)) return err_set(e, "train.mix: the weights add up to 0");
    if (x->quality[0] && !exp_writes_quality(x, x->quality))
        return err_set(e, "eval.quality: no training mix component writes the quality '%s' (a mix's quality = "
                          "\"demonstrator\" writes its demonstrator's name, \"reward\" the buckets q_neg q_low q_mid q_high)",
                       x->quality);
    if (!(x->lr_min <= x->lr)) return err_set(e, "train.lr_min: expected 0 to lr (%g), got %g", x->lr, x->lr_min);
    if (x->stop_at > 0 && x->eval_every <= 0)
        return err_set(e, "train.stop_at: %g needs train.eval_every > 0 (the development evaluation it reads)", x->stop_at);
    if (x->cooldown > 0 && !(x->stop_at > 0))
        return err_set(e, "train.cooldown: %d steps need train.stop_at > 0 (the cooldown begins when it is reached)",
                       x->cooldown);
    if (x->restart_below > 0 && x->eval_every <= 0)
        return err_set(e, "train.restart_below: %g needs train.eval_every > 0 (the development evaluation it reads)",
                       x->restart_below);
    double cw = 0;
    for (int c = 0; c < TOKC_COUNT; c++) cw += x->class_weight[c];
    if (!(cw > 0)) return err_set(e, "train.loss_weights: every class has weight 0, nothing to learn");
    if (x->dim % x->heads)
        return err_set(e, "model: dim (%d) must be a multiple of heads (%d)", x->dim, x->heads);
    if (x->n_sets < 1 || x->n_sets > EXP_MAX_SETS) return err_set(e, "eval: expected 1 to %d sets", EXP_MAX_SETS);
    int n = x->world.world.n;
    for (int s = 0; s < x->n_sets; s++) {
        const ExpEvalSet *es = &x->sets[s];
        char at[64];
        snprintf(at, sizeof at, "eval.sets.%s", es->name);
        if (scope_check(EXP_AT_SET, es, at, e)) return -1;
        if (es->cue != -1 && es->cue != 0 && (es->cue < 2 || es->cue > n))
            return err_set(e, "%s.cue: expected 0 (no cue) or 2 to %d, got %d", at, n, es->cue);
        if (es->goal >= n || es->best_var >= n) return err_set(e, "%s: goal or best action outside the world", at);
    }
    if (x->n_strats < 0 || x->n_strats > EXP_MAX_STRATS) return err_set(e, "eval.strategies: at most %d", EXP_MAX_STRATS);
    for (int s = 0; s < x->n_strats; s++)
        if (!strat_find(x->strats[s])) return err_set(e, "eval.strategies: unknown strategy '%s'", x->strats[s]);
    if (x->n_agents < 0 || x->n_agents > EXP_MAX_AGENTS) return err_set(e, "eval.agents: at most %d", EXP_MAX_AGENTS);
    for (int a = 0; a < x->n_agents; a++) {
        char at[32];
        snprintf(at, sizeof at, "eval.agents[%d]", a + 1);
        if (scope_check(EXP_AT_AGENT, &x->agents[a], at, e)) return -1;
        if (!x->agents[a].cmd[0]) return err_set(e, "%s.cmd: expected the agent's command, got an empty string", at);
    }
    /* after the sets: their cue sizes are in range, so the length cannot overflow */
    int need = exp_max_len(x);
    if (x->context && x->context < need)
        return err_set(e, "model.context: %d is shorter than the longest episode (%d tokens)", x->context, need);
    if ((x->context ? x->context : need) > 512) return err_set(e, "model.context: episodes of %d tokens exceed 512", need);
    return 0;
}

/* ---- JSON: written and read by walking the schema ------------------------------------------ */

/* The object at a dotted section below o, made when missing. */
static cJSON *section_obj(cJSON *o, const char *section) {
    char key[64];
    while (*section) {
        const char *dot = strchr(section, '.');
        size_t n = dot ? (size_t)(dot - section) : strlen(section);
        snprintf(key, sizeof key, "%.*s", (int)n, section);
        cJSON *c = cJSON_GetObjectItemCaseSensitive(o, key);
        o = c ? c : cJSON_AddObjectToObject(o, key);
        section += n + (dot ? 1 : 0);
    }
    return o;
}

static void write_scope(cJSON *o, ExpScope scope, const void *base) {
    for (int i = 0; i < exp_n_fields; i++) {
        const ExpField *f = &exp_fields[i];
        if (f->scope != scope) continue;
        cJSON *s = section_obj(o, f->section);
        const void *p = exp_field_cat(f, base);
        int iv = (f->kind == EXP_INT || f->kind == EXP_VAR || f->kind == EXP_WORLDS) ? *(const int *)p : 0;
        if ((f->flags & EXP_UNSET) && iv == -1) continue;
        switch (f->kind) {
        case EXP_INT: cJSON_AddNumberToObject(s, f->key, iv); break;
        case EXP_NUM: /* an optional number at its default is left out: older records match */
            if (!(f->flags & EXP_OPT) || *(const double *)p != f->def) ju_add_num(s, f->key, *(const double *)p);
            break;
        case EXP_U64: ju_add_u64(s, f->key, *(const uint64_t *)p); break;
        case EXP_BOOL: cJSON_AddBoolToObject(s, f->key, *(const int *)p); break;
        case EXP_STR:
            if (*(const char *)p || !(f->flags & EXP_OPT)) cJSON_AddStringToObject(s, f->key, (const char *)p);
            break;
        case EXP_PAIR: {
            cJSON *a = cJSON_AddArrayToObject(s, f->key);
            cJSON_AddItemToArray(a, ju_num(*(const double *)p));
            cJSON_AddItemToArray(a, ju_num(*(const double *)((const char *)base + f->off2)));
            break;
        }
        case EXP_VAR: cJSON_AddStringToObject(s, f->key, (char[]){scm_name(iv), 0}); break;
        case EXP_WORLDS: cJSON_AddStringToObject(s, f->key, worlds_name[iv]); break;
        case EXP_PRED: {
            const ExpPred *q = p;
            if (q->fn) cJSON_AddStringToObject(s, f->key, q->desc);
            else if (!(f->flags & EXP_OPT)) cJSON_AddStringToObject(s, f->key, "nothing");
            break;
        }
        case EXP_EPPRED: {
            const ExpEpPred *q = p;
            if (q->fn) cJSON_AddStringToObject(s, f->key, q->desc);
            break;
        }
        }
    }
}

cJSON *exp_to_json(const Experiment *x) {
    cJSON *o = cJSON_CreateObject();
    write_scope(cJSON_AddObjectToObject(o, "world"), EXP_AT_WORLD, &x->world);
    write_scope(o, EXP_AT_TOP, x);
    cJSON *tr = section_obj(o, "train");
    cJSON *mix = cJSON_AddArrayToObject(tr, "mix");
    for (int m = 0; m < x->n_mix; m++) {
        cJSON *c = cJSON_CreateObject();
        write_scope(c, EXP_AT_WORLD, &x->mix[m].ep);
        write_scope(c, EXP_AT_MIX, &x->mix[m]);
        cJSON_AddItemToArray(mix, c);
    }
    /* the resolved context: what the model was built with */
    cJSON *md = section_obj(o, "model");
    cJSON_ReplaceItemInObjectCaseSensitive(md, "context", cJSON_CreateNumber(x->context ? x->context : exp_max_len(x)));
    cJSON *ev = section_obj(o, "eval");
    cJSON *sets = cJSON_AddArrayToObject(ev, "sets");
    for (int s = 0; s < x->n_sets; s++) {
        cJSON *c = cJSON_CreateObject();
        write_scope(c, EXP_AT_SET, &x->sets[s]);
        cJSON_AddItemToArray(sets, c);
    }
    cJSON *st = cJSON_AddArrayToObject(ev, "strategies");
    for (int s = 0; s < x->n_strats; s++) cJSON_AddItemToArray(st, cJSON_CreateString(x->strats[s]));
    if (x->n_agents) { /* absent: none (and in records older than agents) */
        cJSON *ag = cJSON_AddArrayToObject(ev, "agents");
        for (int a = 0; a < x->n_agents; a++) {
            cJSON *c = cJSON_CreateObject();
            write_scope(c, EXP_AT_AGENT, &x->agents[a]);
            cJSON_AddItemToArray(ag, c);
        }
    }
    return o;
}

/* ---- reading back ------------------------------------------------------------------------ */

/* Every reader checks type and range before it converts, and names the field by its path
 * ("eval.sets[2].cue"). */

static const cJSON *jfield(const cJSON *o, const char *key) {
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

static int pred_from_desc(const cJSON *d, const char *at, ExpPred *p, Err *e) {
    if (!cJSON_IsString(d)) return err_set(e, "%s: expected a string (a description), got %s", at, ju_kind(d));
    const char *s = d->valuestring;
    char a, b;
    if (strcmp(s, "nothing") == 0) {
        memset(p, 0, sizeof *p);
        return 0;
    }
    /* scanf finds the two names; only the exact text exp_pred_* writes is taken (a scanf space
     * matches any run of white space: "A is an ancestor of" + 120 tabs + "E" was read, a string
     * the notebook's record check refuses; fuzz_exp found it) */
    ExpPred q;
    if (sscanf(s, "edge %c->%c", &a, &b) == 2 && a >= 'A' && a <= 'H' && b >= 'A' && b <= 'H' &&
        strcmp(s, (q = exp_pred_link(a - 'A', b - 'A')).desc) == 0) {
        *p = q;
        return 0;
    }
    if (sscanf(s, "%c is an ancestor of %c", &a, &b) == 2 && a >= 'A' && a <= 'H' && b >= 'A' && b <= 'H' &&
        strcmp(s, (q = exp_pred_ancestor(a - 'A', b - 'A')).desc) == 0) {
        *p = q;
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

/* Reads one field from o (the object of its section) into base; path names it.  n: variables
 * of the world (for variable names). */
static int read_field(const ExpField *f, const cJSON *o, const char *path, int n, void *base, Err *e) {
    const cJSON *v = jfield(o, f->key);
    void *p = exp_field_at(f, base);
    if (!v && (f->flags & EXP_OPT)) return 0;
    char r[96];
    exp_field_range(f, r, sizeof r);
    switch (f->kind) {
    case EXP_INT: case EXP_NUM: {
        if (!cJSON_IsNumber(v)) return err_set(e, "%s: expected %s, got %s", path, r, ju_kind(v));
        double d = v->valuedouble;
        if (!(d >= f->lo && d <= f->hi) || (f->kind == EXP_INT && d != floor(d)))
            return err_set(e, "%s: expected %s, got %g", path, r, d);
        if (f->kind == EXP_INT) *(int *)p = (int)d;
        else *(double *)p = d;
        return 0;
    }
    case EXP_U64: return ju_get_u64(v, path, (uint64_t *)p, e);
    case EXP_BOOL:
        if (!cJSON_IsBool(v)) return err_set(e, "%s: expected true or false, got %s", path, ju_kind(v));
        *(int *)p = cJSON_IsTrue(v);
        return 0;
    case EXP_STR:
        if (!cJSON_IsString(v)) return err_set(e, "%s: expected a string, got %s", path, ju_kind(v));
        if (strlen(v->valuestring) >= f->size) return err_set(e, "%s: longer than %zu bytes", path, f->size - 1);
        memcpy(p, v->valuestring, strlen(v->valuestring) + 1);
        return 0;
    case EXP_PAIR: {
        const cJSON *a = cJSON_GetArrayItem(v, 0), *b = cJSON_GetArrayItem(v, 1);
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2 || !cJSON_IsNumber(a) || !cJSON_IsNumber(b) ||
            !(a->valuedouble >= f->lo && a->valuedouble <= f->hi && b->valuedouble >= f->lo && b->valuedouble <= f->hi))
            return err_set(e, "%s: expected [lo, hi], two numbers from %g to %g", path, f->lo, f->hi);
        *(double *)p = a->valuedouble;
        *(double *)((char *)base + f->off2) = b->valuedouble;
        return 0;
    }
    case EXP_VAR: {
        const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
        if (s && strlen(s) == 1 && s[0] >= 'A' && s[0] < 'A' + n) {
            *(int *)p = s[0] - 'A';
            return 0;
        }
        if (s) return err_set(e, "%s: expected a variable name from A to %c, got \"%.20s\"", path, 'A' + n - 1, s);
        return err_set(e, "%s: expected a variable name from A to %c, got %s", path, 'A' + n - 1, ju_kind(v));
    }
    case EXP_WORLDS:
        if (!cJSON_IsString(v)) return err_set(e, "%s: expected %s, got %s", path, r, ju_kind(v));
        for (int k = 0; k < 3; k++)
            if (strcmp(v->valuestring, worlds_name[k]) == 0) {
                *(int *)p = k;
                return 0;
            }
        return err_set(e, "%s: expected %s, got \"%.20s\"", path, r, v->valuestring);
    case EXP_PRED: return pred_from_desc(v, path, p, e);
    case EXP_EPPRED: return ep_pred_from_desc(v, path, p, e);
    }
    return 0;
}

/* Reads every field of scope from the object o (at: its path, "" at the top). */
static int read_scope(const cJSON *o, const char *at, ExpScope scope, int n, void *base, Err *e) {
    if (!cJSON_IsObject(o)) return err_set(e, "%s: expected an object, got %s", *at ? at : "experiment", ju_kind(o));
    for (int i = 0; i < exp_n_fields; i++) {
        const ExpField *f = &exp_fields[i];
        if (f->scope != scope) continue;
        const cJSON *s = o;
        char sec[64];
        const char *p = f->section;
        while (*p) { /* down to the field's section */
            const char *dot = strchr(p, '.');
            size_t k = dot ? (size_t)(dot - p) : strlen(p);
            snprintf(sec, sizeof sec, "%.*s", (int)k, p);
            s = jfield(s, sec);
            if (!cJSON_IsObject(s)) {
                return err_set(e, "%s%s%.*s: expected an object, got %s", at, *at ? "." : "", (int)(p - f->section + k),
                               f->section, ju_kind(s));
            }
            p += k + (dot ? 1 : 0);
        }
        char path[128];
        snprintf(path, sizeof path, "%s%s%s%s%s", at, *at && *f->section ? "." : "", f->section,
                 *at || *f->section ? "." : "", f->key);
        if (read_field(f, s, path, n, base, e)) return -1;
    }
    return 0;
}

int exp_from_json(const cJSON *j, Experiment *x, Err *e) {
    *x = exp_default();
    if (!cJSON_IsObject(j)) return err_set(e, "expected an object, got %s", ju_kind(j));
    x->world = ep_config_default();
    if (read_scope(jfield(j, "world"), "world", EXP_AT_WORLD, 0, &x->world, e)) return -1;
    if (ep_config_check(&x->world, e)) return err_prefix(e, "world");
    int n = x->world.world.n;
    if (read_scope(j, "", EXP_AT_TOP, n, x, e)) return -1;
    const cJSON *mix = jfield(jfield(j, "train"), "mix");
    if (!cJSON_IsArray(mix) || cJSON_GetArraySize(mix) < 1 || cJSON_GetArraySize(mix) > EXP_MAX_MIX)
        return err_set(e, "train.mix: expected a list of 1 to %d components", EXP_MAX_MIX);
    x->n_mix = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, mix) {
        char at[32];
        snprintf(at, sizeof at, "train.mix[%d]", x->n_mix);
        ExpMix *m = &x->mix[x->n_mix++];
        memset(m, 0, sizeof *m);
        exp_scope_defaults(EXP_AT_MIX, m);
        m->ep = ep_config_default();
        if (read_scope(c, at, EXP_AT_WORLD, n, &m->ep, e) || read_scope(c, at, EXP_AT_MIX, n, m, e)) return -1;
        if (ep_config_check(&m->ep, e)) return err_prefix(e, "%s", at);
    }
    const cJSON *ev = jfield(j, "eval");
    const cJSON *sets = jfield(ev, "sets");
    if (!cJSON_IsArray(sets) || cJSON_GetArraySize(sets) < 1 || cJSON_GetArraySize(sets) > EXP_MAX_SETS)
        return err_set(e, "eval.sets: expected a list of 1 to %d sets", EXP_MAX_SETS);
    x->n_sets = 0;
    cJSON_ArrayForEach(c, sets) {
        char at[32];
        snprintf(at, sizeof at, "eval.sets[%d]", x->n_sets);
        ExpEvalSet *st = &x->sets[x->n_sets++];
        memset(st, 0, sizeof *st);
        exp_scope_defaults(EXP_AT_SET, st);
        if (read_scope(c, at, EXP_AT_SET, n, st, e)) return -1;
    }
    const cJSON *sl = jfield(ev, "strategies");
    if (!cJSON_IsArray(sl) || cJSON_GetArraySize(sl) > EXP_MAX_STRATS)
        return err_set(e, "eval.strategies: expected a list of at most %d names", EXP_MAX_STRATS);
    x->n_strats = 0;
    cJSON_ArrayForEach(c, sl) {
        if (!cJSON_IsString(c) || !strat_find(c->valuestring))
            return err_set(e, "eval.strategies[%d]: expected a strategy's name (%s), got %s", x->n_strats,
                           strat_names(), cJSON_IsString(c) ? "an unknown one" : ju_kind(c));
        snprintf(x->strats[x->n_strats++], sizeof x->strats[0], "%s", c->valuestring);
    }
    const cJSON *al = jfield(ev, "agents");
    x->n_agents = 0;
    if (al && (!cJSON_IsArray(al) || cJSON_GetArraySize(al) > EXP_MAX_AGENTS))
        return err_set(e, "eval.agents: expected a list of at most %d agents", EXP_MAX_AGENTS);
    cJSON_ArrayForEach(c, al) {
        char at[32];
        snprintf(at, sizeof at, "eval.agents[%d]", x->n_agents);
        ExpAgent *ag = &x->agents[x->n_agents++];
        memset(ag, 0, sizeof *ag);
        exp_scope_defaults(EXP_AT_AGENT, ag);
        if (read_scope(c, at, EXP_AT_AGENT, n, ag, e)) return -1;
    }
    return exp_check(x, e);
}

/* The rules of exp_record_check, from the schema: the loader's types and ranges (exp_check
 * refines them). */
static int record_rule(const ExpField *f, const char *prefix, JuRule *r, char *path, size_t n) {
    snprintf(path, n, "%s%s%s%s", prefix, f->section, *f->section ? "." : "", f->key);
    *r = (JuRule){path, JU_NUM, f->lo, f->hi, 0};
    switch (f->kind) {
    case EXP_INT: r->kind = JU_INT; break;
    case EXP_NUM: break;
    case EXP_U64: r->kind = JU_U64; break;
    case EXP_BOOL: r->kind = JU_BOOL; break;
    case EXP_STR: *r = (JuRule){path, JU_STR, 0, (double)f->size - 1, 0}; break;
    case EXP_PAIR: *r = (JuRule){path, JU_LIST, 2, 2, 0}; return 2; /* and its elements */
    case EXP_VAR: *r = (JuRule){path, JU_STR, 1, 1, 0}; break;
    case EXP_WORLDS: *r = (JuRule){path, JU_STR, 0, 15, 0}; break;
    case EXP_PRED: case EXP_EPPRED: *r = (JuRule){path, JU_STR, 0, 95, 0}; break;
    }
    return 1;
}

int exp_record_check(const cJSON *j, const char *name, Err *e) {
    if (!cJSON_IsObject(j)) return err_set(e, "%s: expected an object, got %s", name, ju_kind(j));
    static const JuRule lists[] = {
        {"world", JU_OBJ, 0, 0, 0},           {"train", JU_OBJ, 0, 0, 0},
        {"train.mix", JU_LIST, 1, EXP_MAX_MIX, 0}, {"train.loss_weights", JU_OBJ, 0, 0, 0},
        {"model", JU_OBJ, 0, 0, 0},           {"eval", JU_OBJ, 0, 0, 0},
        {"eval.sets", JU_LIST, 1, EXP_MAX_SETS, 0}, {"eval.strategies", JU_LIST, 0, EXP_MAX_STRATS, 0},
        {"eval.strategies[]", JU_STR, 0, 15, 0}, {"eval.agents", JU_LIST, 0, EXP_MAX_AGENTS, 0},
    };
    if (ju_check(j, name, lists, (int)(sizeof lists / sizeof *lists), e)) return -1;
    for (int i = 0; i < exp_n_fields; i++) {
        const ExpField *f = &exp_fields[i];
        static const char *const pre[] = {"", "world.", "train.mix[].", "eval.sets[].", "eval.agents[]."};
        for (int w = 0; w < (f->scope == EXP_AT_WORLD ? 2 : 1); w++) { /* world fields: the world and each mix */
            char path[128], elems[136];
            JuRule r[2];
            int k = record_rule(f, w ? "train.mix[]." : pre[f->scope], &r[0], path, sizeof path);
            if (k == 2) {
                snprintf(elems, sizeof elems, "%s[]", path);
                r[1] = (JuRule){elems, JU_NUM, f->lo, f->hi, 0};
            }
            if (ju_check(j, name, r, k, e)) return -1;
        }
    }
    return 0;
}

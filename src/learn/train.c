#include "learn/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/agent.h"
#include "learn/eval.h"
#include "nn/ckpt.h"
#include "util/jsonu.h"
#include "util/progress.h"
#include "util/rng.h"
#include "world/strategy.h"

Vocab *train_vocab(Experiment *x, Err *e) {
    Vocab *v = tok_vocab_new();
    if (!v) {
        err_set(e, "out of memory");
        return NULL;
    }
    for (int i = 0; i < x->n_words; i++)
        if (tok_vocab_add(v, x->words[i], e) < 0) {
            tok_vocab_free(v);
            return NULL;
        }
    if (tok_explain_compile(&x->explain, v, e)) {
        tok_vocab_free(v);
        return NULL;
    }
    /* quality tokens: the words the mix components write, after every other word (so an
     * experiment without them keeps the vocabulary it always had) */
    memset(x->qtok_mix, 0, sizeof x->qtok_mix);
    memset(x->qtok_bucket, 0, sizeof x->qtok_bucket);
    x->qtok_eval = 0;
    for (int m = 0; m < x->n_mix; m++) {
        int q = exp_mix_quality(&x->mix[m]);
        if (q == EXP_Q_DEMONSTRATOR) {
            if ((x->qtok_mix[m] = tok_vocab_add(v, exp_mix_demonstrator(&x->mix[m]), e)) < 0) goto fail;
        } else if (q == EXP_Q_REWARD) {
            for (int b = 0; b < TOK_QBUCKETS; b++)
                if ((x->qtok_bucket[b] = tok_vocab_add(v, tok_qbucket_names[b], e)) < 0) goto fail;
        }
    }
    if (x->quality[0] && (x->qtok_eval = tok_find(v, x->quality)) < TOK_WORD0) {
        err_set(e, "eval.quality: no training mix component writes the quality '%s'", x->quality);
        goto fail;
    }
    return v;
fail:
    err_prefix(e, "quality tokens");
    tok_vocab_free(v);
    return NULL;
}

static int not_heldout(const Scm *w, void *ctx, Err *e) {
    int v = exp_pred_eval((const ExpPred *)ctx, w, e);
    return v < 0 ? -1 : !v;
}

/* Stream seeds: training episodes and the quick dev evaluation never share a seed with the
 * reported evaluation (eval_seed). */
static uint64_t train_seed(const Experiment *x) { return x->seed * 0x9E3779B97F4A7C15ull + 0x7A11u; }

int train_episode_mix(const Experiment *x, uint64_t index) {
    double total = 0;
    for (int m = 0; m < x->n_mix; m++) total += x->mix[m].weight;
    Rng r;
    rng_init(&r, train_seed(x), index);
    double u = rng_uniform(&r) * total;
    int m = 0;
    while (m < x->n_mix - 1 && (u -= x->mix[m].weight) >= 0) m++;
    return m;
}

/* train.goals: after the first exploit the same episode asks up to goals - 1 further goals, each
 * a different possible goal drawn at random, and appends each one's tokens (goal, any explanation
 * written before the exploit, the demonstrator's exploit) to ts.  The exploration is shown once;
 * what the demonstrator measured answers every goal.  ep keeps the first goal. */
static int more_goals(const Experiment *x, uint64_t index, Strategy *who, const TokFormat *f, const Episode *ep,
                      TokSeq *ts, Err *e) {
    int shared = 0; /* the tokens before the first goal: what every goal's encoding starts with */
    while (shared < ts->n && ts->tok[shared] != TOK_GOAL) shared++;
    Rng r;
    rng_init(&r, train_seed(x) ^ 0x60A1500ull, index);
    unsigned asked = 1u << ep->goal;
    Episode more = *ep, *pm = &more;
    TokSeq tail;
    for (int k = 1; k < x->goals; k++) {
        int goal = ep_draw_goal(ep, asked, &r);
        if (goal < 0) break; /* as many goals as the world has */
        asked |= 1u << goal;
        if (ep_regoal(&more, goal, e) || strat_play(who, &pm, 1, e) || tok_encode(f, &more.view, &tail, e)) return -1;
        int add = tail.n - shared;
        if (ts->n + add > TOK_MAX_LEN) return err_set(e, "train.goals: an episode exceeds %d tokens", TOK_MAX_LEN);
        memcpy(ts->tok + ts->n, tail.tok + shared, sizeof(int) * (size_t)add);
        memcpy(ts->cls + ts->n, tail.cls + shared, (size_t)add);
        ts->n += add;
    }
    return 0;
}

int train_episode(const Experiment *x, uint64_t index, Episode *ep, TokSeq *ts, Err *e) {
    int m = train_episode_mix(x, index);
    for (uint64_t attempt = 0;; attempt++) {
        if (attempt >= EP_MAX_DRAWS)
            return err_set(e, "train.mix[%d]: its filter accepted none of %d episodes (%s)", m + 1, EP_MAX_DRAWS,
                           x->mix[m].accept.desc);
        if (ep_generate(ep, &x->mix[m].ep, train_seed(x), index + (attempt << 40), x->heldout.fn ? not_heldout : NULL,
                        (void *)&x->heldout, e))
            return -1;
        int ok = exp_ep_pred_eval(&x->mix[m].accept, ep, e);
        if (ok < 0) return -1; /* a script function's message names it (train.mix[k].accept) */
        if (ok) break;
    }
    TokFormat f = exp_format(x, m);
    Strategy *who = x->mix[m].custom ? x->mix[m].custom : strat_find(exp_mix_demonstrator(&x->mix[m]));
    if (!who) return err_set(e, "train.mix[%d].demonstrator: no strategy '%s'", m + 1, x->mix[m].demonstrator);
    if (strat_play(who, &ep, 1, e)) return -1;
    f.quality = exp_quality_token(x, m, ep); /* known once the episode is over (hindsight) */
    if (x->mix[m].quality[0] && !f.quality)
        return err_set(e, "train.mix[%d].quality: its tokens were never compiled (train_vocab)", m + 1);
    if (tok_encode(&f, &ep->view, ts, e)) return -1;
    return x->goals > 1 ? more_goals(x, index, who, &f, ep, ts, e) : 0;
}

int train_batch(const Experiment *x, uint64_t step, int *tokens, int *targets, float *weights, int T_max, Err *e) {
    int B = x->batch, T = 0;
    TokSeq *ts = malloc(sizeof *ts * (size_t)B);
    if (!ts) return err_set(e, "out of memory");
    for (int b = 0; b < B; b++) {
        Episode ep;
        if (train_episode(x, step * (uint64_t)B + (uint64_t)b, &ep, &ts[b], e)) {
            free(ts);
            return -1;
        }
        if (ts[b].n > T) T = ts[b].n;
    }
    if (T > T_max) {
        free(ts);
        return err_set(e, "an episode of %d tokens exceeds the model's context %d", T, T_max);
    }
    for (int b = 0; b < B; b++) {
        for (int t = 0; t < T; t++) {
            size_t k = (size_t)b * (size_t)T + (size_t)t;
            int n = ts[b].n;
            tokens[k] = t < n ? ts[b].tok[t] : TOK_PAD;
            if (t + 1 < n) {
                targets[k] = ts[b].tok[t + 1];
                weights[k] = (float)x->class_weight[ts[b].cls[t + 1]];
            } else {
                targets[k] = TOK_PAD;
                weights[k] = 0.0f;
            }
        }
    }
    free(ts);
    return T;
}

void train_result_free(TrainResult *r) {
    if (!r) return;
    gpt_free(r->model);
    tok_vocab_free(r->vocab);
    free(r->curve);
    free(r->restarts);
    memset(r, 0, sizeof *r);
}

/* The evaluation set whose kind of episodes the development evaluation draws: the experiment's
 * second (the held-out worlds, by the scripts' convention), or its only one. */
static int dev_set_index(const Experiment *x) { return x->n_sets > 1 ? 1 : 0; }

/* Quick active evaluation on development episodes drawn like that set's, from another seed. */
static double quick_eval(const Experiment *x, const Gpt *m, int episodes, Err *e) {
    Experiment dev = *x;
    dev.eval_seed = x->eval_seed ^ 0xDE7DE7DE7ull; /* never the reported evaluation's seed */
    dev.n_sets = 1;
    dev.sets[0] = x->sets[dev_set_index(x)];
    dev.sets[0].episodes = episodes;
    TokFormat f = exp_format(x, -1);
    Strategy *agent = agent_new(m, &f, 0.0, 0, e);
    if (!agent) return NAN;
    double mean = NAN;
    EvalReport rep;
    if (eval_run(&dev, agent, NULL, 0, &rep, e) == 0) mean = rep.sets[0].rows[0].reward.mean;
    agent->destroy(agent);
    return mean;
}

float train_lr(const Experiment *x, long step) {
    long warmup = (long)(x->warmup_frac * x->steps);
    long hold = x->steps - (long)(x->decay_frac * x->steps); /* the cosine's last share of the steps */
    return gpt_lr_schedule(step, x->steps, warmup, hold, (float)x->lr, (float)x->lr_min);
}

float train_cooldown_lr(const Experiment *x, float lr0, long k) {
    if (x->cooldown <= 0) return lr0;
    double f = (double)(k + 1) / x->cooldown; /* the cooldown's last step runs at lr_min */
    if (f > 1) f = 1;
    return (float)(lr0 + ((double)x->lr_min - lr0) * f);
}

uint64_t train_init_seed(const Experiment *x, int k) {
    if (k == 0) return x->seed;
    Rng r;
    rng_init(&r, x->seed, 0x4E57A47ull + (uint64_t)k); /* a stream of its own per restart */
    return rng_u64(&r);
}

/* model.value_init on a model just initialised from seed. */
static int init_values(const Experiment *x, Gpt *m, uint64_t seed, Err *e) {
    if (!(x->value_init > 0)) return 0;
    float vals[TOK_NVALUES];
    for (int k = 0; k < TOK_NVALUES; k++) vals[k] = (float)tok_value_of(TOK_VAL0 + k);
    if (gpt_init_numeric(m, TOK_VAL0, TOK_NVALUES, vals, (float)TOK_VALUE_MAX, (float)x->value_init, seed))
        return err_set(e, "model.value_init: out of memory");
    return 0;
}

int train_run(Experiment *x, const TrainHooks *hooks, TrainResult *out, Err *e) {
    memset(out, 0, sizeof *out);
    if (exp_check(x, e) || eval_probe(x, e)) return -1;
    TrainHooks none = {0};
    if (!hooks) hooks = &none;
    out->vocab = train_vocab(x, e);
    if (!out->vocab) return -1;
    GptConfig cfg = {.vocab = tok_vocab_size(out->vocab),
                     .context = x->context ? x->context : exp_max_len(x),
                     .layers = x->layers,
                     .dim = x->dim,
                     .heads = x->heads};
    out->model = gpt_create(&cfg, x->seed, e);
    if (!out->model || init_values(x, out->model, x->seed, e)) goto fail;
    gpt_set_threads(out->model, x->threads);
    int B = x->batch, Tm = cfg.context;
    int *tokens = malloc(sizeof(int) * (size_t)B * (size_t)Tm);
    int *targets = malloc(sizeof(int) * (size_t)B * (size_t)Tm);
    float *weights = malloc(sizeof(float) * (size_t)B * (size_t)Tm);
    int max_points = x->steps / 50 + (x->eval_every > 0 ? x->steps / x->eval_every : 0) + 2;
    out->curve = malloc(sizeof *out->curve * (size_t)max_points);
    out->restarts = malloc(sizeof *out->restarts * (size_t)(x->eval_every > 0 ? x->steps / x->eval_every + 1 : 1));
    if (!tokens || !targets || !weights || !out->curve || !out->restarts) {
        err_set(e, "out of memory");
        goto fail_buf;
    }
    GptAdamW opt = {(float)x->beta1, (float)x->beta2, 1e-8f, (float)x->weight_decay, (float)x->grad_clip};
    Progress pr;
    progress_begin(&pr, "train", x->steps, hooks->quiet);
    double t0 = progress_now(), loss_acc = 0, tok_count = 0;
    int loss_n = 0, every = x->steps >= 50 ? 50 : 1;
    float loss = 0;
    long step = 0, attempt_start = 0; /* the step the current initialisation started at */
    double attempt_best = -INFINITY;  /* its best development reward so far */
    float cool_lr0 = 0;               /* train.cooldown: the rate when stop_at was reached */
    for (int stop = 0; step < x->steps && !stop; step++) {
        int T = train_batch(x, (uint64_t)step, tokens, targets, weights, Tm, e);
        if (T < 0) goto fail_buf;
        gpt_zero_grad(out->model);
        if (gpt_backward(out->model, tokens, targets, weights, B, T, &loss, e)) goto fail_buf;
        float lr = out->cooled_from ? train_cooldown_lr(x, cool_lr0, step - out->cooled_from)
                                    : train_lr(x, step - attempt_start); /* each start has its own warmup and schedule */
        float norm = gpt_update(out->model, &opt, lr);
        if (!isfinite(norm) || !isfinite(loss)) {
            err_set(e, "training diverged at step %ld (loss %g, gradient norm %g): lower the learning rate", step, loss,
                    norm);
            goto fail_buf;
        }
        tok_count += (double)B * T;
        loss_acc += loss;
        loss_n++;
        int cooled = out->cooled_from && step + 1 - out->cooled_from >= x->cooldown; /* the cooldown's last step */
        int eval_now = x->eval_every > 0 && ((step + 1) % x->eval_every == 0 || step + 1 == x->steps || cooled);
        if ((step + 1) % every == 0 || step + 1 == x->steps || eval_now) {
            TrainPoint *pt = &out->curve[out->n_curve < max_points ? out->n_curve++ : max_points - 1];
            pt->step = step + 1;
            pt->loss = (float)(loss_acc / loss_n);
            pt->seconds = progress_now() - t0;
            pt->dev_reward = NAN;
            if (eval_now) {
                pt->dev_reward = quick_eval(x, out->model, 256, e);
                if (hooks->on_eval) hooks->on_eval(hooks->ctx, step + 1, pt->dev_reward);
                int reached = !out->cooled_from && x->stop_at > 0 && pt->dev_reward >= x->stop_at;
                int cool = reached && x->cooldown > 0 && step + 1 < x->steps; /* the rate decays before the end */
                stop = (reached && !cool) || cooled;
                if (pt->dev_reward > attempt_best) attempt_best = pt->dev_reward;
                int restart = !reached && !out->cooled_from && !isnan(pt->dev_reward) && x->restart_below > 0 &&
                              attempt_best < x->restart_below && step + 1 - attempt_start >= x->restart_after &&
                              step + 1 < x->steps;
                char line[300], why[160] = "";
                if (stop && cooled) snprintf(why, sizeof why, ": the cooldown is over, training ends here");
                else if (stop) snprintf(why, sizeof why, ": reached train.stop_at, training ends here");
                if (cool)
                    snprintf(why, sizeof why, ": reached train.stop_at, the rate now decays to train.lr_min over %d steps (train.cooldown)",
                             x->cooldown);
                if (restart)
                    snprintf(why, sizeof why, ": never reached train.restart_below %g in %ld steps, a new initialisation (restart %d)",
                             x->restart_below, step + 1 - attempt_start, out->n_restarts + 1);
                snprintf(line, sizeof line, "step %ld  loss %.4f  dev reward %.3f (256 dev episodes like set '%s')%s",
                         step + 1, pt->loss, pt->dev_reward, x->n_sets ? x->sets[dev_set_index(x)].name : "?", why);
                progress_note(&pr, line);
                if (cool) {
                    out->cooled_from = step + 1;
                    cool_lr0 = lr;
                }
                if (restart) {
                    out->restarts[out->n_restarts++] = step + 1;
                    uint64_t seed = train_init_seed(x, out->n_restarts);
                    gpt_reinit(out->model, seed);
                    if (init_values(x, out->model, seed, e)) goto fail_buf;
                    attempt_start = step + 1;
                    attempt_best = -INFINITY;
                }
            }
            loss_acc = 0;
            loss_n = 0;
        }
        char status[96];
        double el = progress_now() - t0;
        snprintf(status, sizeof status, "step %ld  loss %.4f  %.0fk tok/s", step + 1, loss,
                 el > 0 ? tok_count / el / 1e3 : 0.0);
        progress_update(&pr, step + 1, status);
        if (hooks->on_step && hooks->on_step(hooks->ctx, step + 1, x->steps, loss)) {
            err_set(e, "training cancelled at step %ld", step + 1);
            goto fail_buf;
        }
    }
    out->steps = step; /* x->steps, or fewer when the dev reward reached train.stop_at */
    out->seconds = progress_now() - t0;
    out->tokens_per_s = out->seconds > 0 ? tok_count / out->seconds : 0;
    out->final_loss = out->n_curve ? out->curve[out->n_curve - 1].loss : loss;
    {
        char status[96];
        snprintf(status, sizeof status, "%ld steps, %.0fk tokens/s, final loss %.4f", out->steps,
                 out->tokens_per_s / 1e3, out->final_loss);
        progress_end(&pr, status);
    }
    free(tokens), free(targets), free(weights);
    return 0;
fail_buf:
    free(tokens), free(targets), free(weights);
fail:
    train_result_free(out);
    return -1;
}

cJSON *train_record_json(const TrainResult *r) {
    cJSON *tr = cJSON_CreateObject();
    cJSON_AddNumberToObject(tr, "steps", (double)r->steps);
    ju_add_num(tr, "seconds", r->seconds);
    ju_add_num(tr, "tokens_per_s", r->tokens_per_s);
    ju_add_num(tr, "final_loss", r->final_loss);
    cJSON *curve = cJSON_AddArrayToObject(tr, "curve");
    for (int i = 0; i < r->n_curve; i++) {
        cJSON *p = cJSON_CreateArray();
        cJSON_AddItemToArray(p, cJSON_CreateNumber((double)r->curve[i].step));
        cJSON_AddItemToArray(p, ju_num(r->curve[i].loss));
        cJSON_AddItemToArray(p, isnan(r->curve[i].dev_reward) ? cJSON_CreateNull() : ju_num(r->curve[i].dev_reward));
        cJSON_AddItemToArray(curve, p);
    }
    if (r->cooled_from > 0) cJSON_AddNumberToObject(tr, "cooled_from", (double)r->cooled_from); /* absent: none */
    if (r->n_restarts > 0) { /* absent: none (and in records older than train.restart_below) */
        cJSON *rs = cJSON_AddArrayToObject(tr, "restarts");
        for (int i = 0; i < r->n_restarts; i++) cJSON_AddItemToArray(rs, cJSON_CreateNumber((double)r->restarts[i]));
    }
    return tr;
}

static const JuRule train_rules[] = {
    {"steps", JU_INT, 0, 1e9, 0},           {"seconds", JU_NUM, 0, 1e9, 0},
    {"tokens_per_s", JU_NUM, 0, 1e15, 0},   {"final_loss", JU_NUM_NULL, 0, 1e6, 0},
    {"curve", JU_LIST, 0, 10000000, 0},
    {"restarts", JU_LIST, 0, 10000000, 0},  {"restarts[]", JU_INT, 1, 1e9, 0},
    {"cooled_from", JU_INT, 1, 1e9, 0},
};

int train_record_check(const cJSON *tr, const char *name, Err *e) {
    if (!cJSON_IsObject(tr)) return err_set(e, "%s: expected an object, got %s", name, ju_kind(tr));
    if (ju_check(tr, name, train_rules, (int)(sizeof train_rules / sizeof *train_rules), e)) return -1;
    /* each point [step, loss, dev reward or null] */
    int i = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(tr, "curve")) {
        const cJSON *st = cJSON_GetArrayItem(p, 0), *lo = cJSON_GetArrayItem(p, 1), *dv = cJSON_GetArrayItem(p, 2);
        int ok = cJSON_IsArray(p) && cJSON_GetArraySize(p) >= 2 && cJSON_GetArraySize(p) <= 3 && cJSON_IsNumber(st) &&
                 st->valuedouble >= 0 && st->valuedouble <= 1e9 && st->valuedouble == floor(st->valuedouble) &&
                 (cJSON_IsNull(lo) || (cJSON_IsNumber(lo) && lo->valuedouble >= 0 && lo->valuedouble <= 1e6)) &&
                 (!dv || cJSON_IsNull(dv) ||
                  (cJSON_IsNumber(dv) && dv->valuedouble >= -1.000001 && dv->valuedouble <= 1.000001));
        if (!ok)
            return err_set(e, "%s.curve[%d]: expected [step, loss, dev reward or null] (a step 0 to 1e9, a loss 0 to 1e6, "
                              "a reward -1 to 1)", name, i);
        i++;
    }
    const cJSON *cf = cJSON_GetObjectItemCaseSensitive(tr, "cooled_from"), *st = cJSON_GetObjectItemCaseSensitive(tr, "steps");
    if (cf && st && cf->valuedouble >= st->valuedouble)
        return err_set(e, "%s.cooled_from: %.0f is not before the run's last step (%.0f)", name, cf->valuedouble,
                       st->valuedouble);
    return 0;
}

int train_save(const char *path, const TrainResult *r, const Experiment *x, const cJSON *extra, Err *e) {
    return train_save_script(path, r, x, extra, NULL, e);
}

int train_save_script(const char *path, const TrainResult *r, const Experiment *x, const cJSON *extra,
                      const cJSON *script, Err *e) {
    cJSON *meta = cJSON_CreateObject();
    cJSON *voc = cJSON_AddArrayToObject(meta, "vocab");
    for (int i = 0; i < tok_vocab_size(r->vocab); i++) cJSON_AddItemToArray(voc, cJSON_CreateString(tok_name(r->vocab, i)));
    cJSON_AddItemToObject(meta, "experiment", exp_to_json(x));
    ju_add_u64(meta, "seed", x->seed);
    cJSON_AddNumberToObject(meta, "steps", (double)r->steps);
    cJSON_AddItemToObject(meta, "training", train_record_json(r));
    if (extra) cJSON_AddItemToObject(meta, "eval", cJSON_Duplicate(extra, 1));
    if (script) cJSON_AddItemToObject(meta, "script", cJSON_Duplicate(script, 1));
    int rc = gpt_save(path, r->model, meta, e);
    cJSON_Delete(meta);
    return rc;
}

static const JuRule meta_rules[] = {
    {"vocab", JU_LIST, 2, GPT_MAX_VOCAB, JU_REQUIRED},
    {"vocab[]", JU_STR, 0, 64, 0},
    {"experiment", JU_OBJ, 0, 0, JU_REQUIRED},
    {"seed", JU_U64, 0, 0, 0},
    {"steps", JU_INT, 0, 1e9, 0},
    {"script", JU_OBJ, 0, 0, 0},
};

/* The path of the first place where a and b differ ("eval.sets[1].where"), into buf; 0 if
 * they are the same. */
static int first_diff(const cJSON *a, const cJSON *b, const char *at, char *buf, size_t n) {
    if (cJSON_Compare(a, b, 1)) return 0;
    if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        const cJSON *c;
        cJSON_ArrayForEach(c, a) {
            char sub[200];
            snprintf(sub, sizeof sub, "%s%s%s", at, *at ? "." : "", c->string);
            const cJSON *d = cJSON_GetObjectItemCaseSensitive(b, c->string);
            if (!d && exp_absent_means(sub, c)) continue; /* one side older than the field */
            if (first_diff(c, d, sub, buf, n)) return 1;
        }
        cJSON_ArrayForEach(c, b) if (!cJSON_GetObjectItemCaseSensitive(a, c->string)) {
            char sub[200];
            snprintf(sub, sizeof sub, "%s%s%s", at, *at ? "." : "", c->string);
            if (exp_absent_means(sub, c)) continue; /* one side older than the field */
            snprintf(buf, n, "%s", sub);
            return 1;
        }
        return 0; /* they differ only in keys one side leaves at their default */
    } else if (cJSON_IsArray(a) && cJSON_IsArray(b) && cJSON_GetArraySize(a) == cJSON_GetArraySize(b)) {
        for (int i = 0; i < cJSON_GetArraySize(a); i++) {
            char sub[200];
            snprintf(sub, sizeof sub, "%s[%d]", at, i);
            if (first_diff(cJSON_GetArrayItem(a, i), cJSON_GetArrayItem(b, i), sub, buf, n)) return 1;
        }
        return 0;
    }
    snprintf(buf, n, "%s", *at ? at : "(the whole experiment)");
    return 1;
}

/* Loads a checkpoint with its experiment; checks every field of the meta object and the
 * vocabulary against this build's stream. */
int train_load(const char *path, Gpt **m, Experiment *x, cJSON **meta, Err *e) {
    return train_load_with(path, m, x, meta, NULL, NULL, e);
}

int train_load_with(const char *path, Gpt **m, Experiment *x, cJSON **meta, TrainRebuild rebuild, void *ctx, Err *e) {
    if (gpt_load(path, m, meta, e)) return -1;
    const cJSON *ej = cJSON_GetObjectItemCaseSensitive(*meta, "experiment");
    const cJSON *voc = cJSON_GetObjectItemCaseSensitive(*meta, "vocab");
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(*meta, "training");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(*meta, "eval");
    if (ju_check(*meta, "meta", meta_rules, (int)(sizeof meta_rules / sizeof *meta_rules), e) ||
        (tr && train_record_check(tr, "meta.training", e)) || (ev && eval_record_check(ev, "meta.eval", e))) {
        err_prefix(e, "%s", path);
        goto fail;
    }
    if (rebuild && cJSON_GetObjectItemCaseSensitive(*meta, "script")) {
        if (rebuild(*meta, x, ctx, e)) {
            err_prefix(e, "%s: rebuilding the experiment from the script it keeps", path);
            goto fail;
        }
        /* printed and parsed, as the header was (64-bit seeds are raw nodes until printed) */
        cJSON *again = exp_to_json(x);
        char *text = again ? cJSON_PrintUnformatted(again) : NULL;
        cJSON *norm = text ? cJSON_Parse(text) : NULL;
        char where[200];
        int differs = norm ? first_diff(ej, norm, "", where, sizeof where) : (snprintf(where, sizeof where, "memory"), 1);
        free(text);
        cJSON_Delete(again);
        cJSON_Delete(norm);
        if (differs) {
            err_set(e, "%s: the script it keeps no longer builds the experiment it was trained on (%s differs)", path,
                    where);
            goto fail;
        }
    } else if (exp_from_json(ej, x, e)) {
        err_prefix(e, "%s: meta.experiment", path);
        goto fail;
    }
    uint64_t seed;
    if (cJSON_GetObjectItemCaseSensitive(*meta, "seed") &&
        (ju_get_u64(cJSON_GetObjectItemCaseSensitive(*meta, "seed"), "meta.seed", &seed, e) == 0) && seed != x->seed) {
        err_set(e, "%s: meta.seed (%llu) is not the experiment's train.seed (%llu)", path, (unsigned long long)seed,
                (unsigned long long)x->seed);
        goto fail;
    }
    Vocab *v = train_vocab(x, e);
    if (!v) {
        err_prefix(e, "%s", path);
        goto fail;
    }
    int ok = cJSON_IsArray(voc) && cJSON_GetArraySize(voc) == tok_vocab_size(v) &&
             tok_vocab_size(v) == (*m)->cfg.vocab;
    for (int i = 0; ok && i < tok_vocab_size(v); i++) {
        const cJSON *s = cJSON_GetArrayItem(voc, i);
        ok = cJSON_IsString(s) && strcmp(s->valuestring, tok_name(v, i)) == 0;
    }
    tok_vocab_free(v);
    if (!ok) {
        err_set(e, "%s: its vocabulary does not match this dolab's stream", path);
        goto fail;
    }
    if ((x->context ? x->context : exp_max_len(x)) > (*m)->cfg.context) {
        err_set(e, "%s: meta.experiment.model.context (%d tokens) exceeds the model's context (%d)", path,
                x->context ? x->context : exp_max_len(x), (*m)->cfg.context);
        goto fail;
    }
    return 0;
fail:
    gpt_free(*m);
    cJSON_Delete(*meta);
    *m = NULL;
    *meta = NULL;
    return -1;
}

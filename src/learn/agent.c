#include "learn/agent.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/infer.h"
#include "util/rng.h"

typedef struct Slot {
    int steps_seen;   /* exploration steps fed */
    int goal_fed;
    int started;
    int len;          /* tokens fed */
    int tok[TOK_MAX_LEN];
    int kind;         /* last decision: 1 explore, 2 exploit */
    double probs[SCM_MAX_VARS];
    double p_plus;
} Slot;

typedef struct Agent {
    Strategy base;
    const Gpt *model;
    GptCache *cache;
    TokFormat fmt;
    double temperature;
    uint64_t seed;
    int V, ctx, nslots;
    Slot *slots;   /* (nslots) */
    float *logits; /* (nslots, V): the logits after each slot's last fed token */
    /* per-round scratch */
    int *round_tok, *round_seq;
    float *round_logits;
} Agent;

/* ---- feeding ------------------------------------------------------------------------------ */

/* A slot's queue for one act(): tokens to feed, with optional explanation runs after some. */
typedef struct Queue {
    int n, pos;
    int reserve; /* tokens the rest of the episode still needs after this call's explanations */
    int tok[TOK_MAX_LEN];
    uint8_t gen_after[TOK_MAX_LEN]; /* 1: after feeding tok[i], the model writes an explanation */
    int gen_left;                   /* explanation tokens still allowed in the current run */
    int generating;
} Queue;

static int argmax_masked(const float *lg, int V, int (*ok)(int)) {
    int best = -1;
    for (int t = 0; t < V; t++)
        if (ok(t) && (best < 0 || lg[t] > lg[best])) best = t;
    return best;
}

static int is_expl_or_stop(int t) { return tok_is_expl(t) || t == TOK_DO || t == TOK_GOAL; }

enum { ROUND_MAX = 16 }; /* tokens one slot may feed in one batched call */

/* Runs every queue to its end, batched through the cache: each round feeds every slot's
 * queued tokens (up to ROUND_MAX, stopping after one that the model must follow with an
 * explanation) or one token of the explanation it is writing. */
static int run_queues(Agent *a, Queue *q, const int *ids, int n, Err *e) {
    for (;;) {
        int m = 0;
        for (int i = 0; i < n; i++) {
            Queue *qi = &q[i];
            Slot *s = &a->slots[ids[i]];
            int fed = 0;
            if (qi->generating) {
                const float *lg = a->logits + (size_t)ids[i] * a->V;
                int g = argmax_masked(lg, a->V, is_expl_or_stop);
                if (g < 0 || !tok_is_expl(g) || qi->gen_left <= 0 || s->len + qi->reserve + (qi->n - qi->pos) >= a->ctx) {
                    qi->generating = 0; /* the model ends its explanation */
                } else {
                    qi->gen_left--;
                    if (s->len >= a->ctx) return err_set(e, "episode longer than the model's context (%d tokens)", a->ctx);
                    s->tok[s->len++] = g;
                    a->round_tok[m] = g;
                    a->round_seq[m++] = ids[i];
                    continue;
                }
            }
            while (qi->pos < qi->n && fed < ROUND_MAX) {
                int t = qi->tok[qi->pos];
                int gen = qi->gen_after[qi->pos];
                qi->pos++;
                if (s->len >= a->ctx) return err_set(e, "episode longer than the model's context (%d tokens)", a->ctx);
                s->tok[s->len++] = t;
                a->round_tok[m] = t;
                a->round_seq[m++] = ids[i];
                fed++;
                if (gen) {
                    qi->generating = 1;
                    qi->gen_left = 1 + (a->fmt.expl_max > 0 ? a->fmt.expl_max : 4 * SCM_MAX_VARS);
                    break;
                }
            }
        }
        if (m == 0) return 0;
        if (gpt_infer_step(a->model, a->cache, a->round_tok, a->round_seq, m, a->round_logits, e)) return -1;
        /* a slot's logits are those after its last token this round */
        for (int k = 0; k < m; k++)
            if (k + 1 == m || a->round_seq[k + 1] != a->round_seq[k])
                memcpy(a->logits + (size_t)a->round_seq[k] * a->V, a->round_logits + (size_t)k * a->V,
                       sizeof(float) * (size_t)a->V);
    }
}

static void q_push(Queue *q, int t, int gen) {
    if (q->n < TOK_MAX_LEN) {
        q->tok[q->n] = t;
        q->gen_after[q->n] = (uint8_t)gen;
        q->n++;
    }
}

/* Queues what the view has revealed since the slot last looked. */
static void queue_news(Agent *a, Slot *s, const EpView *v, Queue *q) {
    q->n = q->pos = q->generating = 0;
    /* after this call: the remaining exploration steps, the goal and the exploit */
    q->reserve = (v->explore_total - v->n_steps) * (2 + v->n) + 3 + 3;
    if (!s->started) {
        EpView head = *v;
        head.n_steps = 0;
        head.goal = -1;
        head.exploit_var = -1;
        TokSeq *ts = malloc(sizeof *ts);
        if (ts && tok_encode(&a->fmt, &head, ts, NULL) == 0)
            for (int i = 0; i < ts->n; i++) q_push(q, ts->tok[i], 0);
        free(ts);
        s->started = 1;
    }
    for (int st = s->steps_seen; st < v->n_steps; st++) {
        /* the `do` is already fed if the model asked for this step */
        if (!(s->len > 0 && s->tok[s->len - 1] == TOK_DO && st == s->steps_seen && q->n == 0)) q_push(q, TOK_DO, 0);
        q_push(q, tok_var(v->steps[st].var), 0);
        for (int x = 0; x < v->n; x++) q_push(q, tok_value(v->steps[st].obs[x]), x == v->n - 1 && tok_format_explains_steps(&a->fmt));
    }
    s->steps_seen = v->n_steps;
    if (v->goal >= 0 && !s->goal_fed) {
        q_push(q, TOK_GOAL, 0);
        q_push(q, TOK_MAX, 0);
        q_push(q, tok_var(v->goal), tok_format_explains_exploit(&a->fmt));
        s->goal_fed = 1;
    }
}

static void restart_slot(Agent *a, int id) {
    memset(&a->slots[id], 0, sizeof a->slots[id]);
    gpt_cache_reset(a->cache, id);
}

/* Picks among legal tokens (mask) from logits: argmax, or a sample at the temperature.
 * probs (optional) gets the softmax over the legal tokens. */
static int choose(const Agent *a, const float *lg, const int *legal, int nl, Rng *r, double *probs) {
    double mx = -INFINITY, z = 0, p[SCM_MAX_VARS];
    for (int k = 0; k < nl; k++)
        if (lg[legal[k]] > mx) mx = lg[legal[k]];
    double temp = a->temperature > 0 ? a->temperature : 1.0;
    for (int k = 0; k < nl; k++) z += p[k] = exp((lg[legal[k]] - mx) / temp);
    int pick = 0;
    if (a->temperature > 0) {
        double u = rng_uniform(r) * z;
        for (pick = 0; pick < nl - 1 && (u -= p[pick]) > 0; pick++) {
        }
    } else {
        for (int k = 1; k < nl; k++)
            if (lg[legal[k]] > lg[legal[pick]]) pick = k;
    }
    if (probs) {
        /* softmax at temperature 1 for display, whatever the sampling temperature */
        double z1 = 0;
        for (int k = 0; k < nl; k++) z1 += exp(lg[legal[k]] - mx);
        for (int k = 0; k < nl; k++) probs[k] = exp(lg[legal[k]] - mx) / z1;
    }
    return pick;
}

static int agent_act(Strategy *st, const EpView *const *views, const Episode *const *truth, const int *ids, int n,
                     StratAction *out, Err *e) {
    (void)truth;
    Agent *a = st->state;
    Queue *q = malloc(sizeof *q * (size_t)(n ? n : 1));
    if (!q) return err_set(e, "out of memory");
    int rc = -1;
    for (int i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= a->nslots) {
            err_set(e, "episode slot %d outside the batch", ids[i]);
            goto done;
        }
        Slot *s = &a->slots[ids[i]];
        if (views[i]->n_steps < s->steps_seen || (s->goal_fed && views[i]->goal < 0)) restart_slot(a, ids[i]);
        queue_news(a, s, views[i], &q[i]);
        q_push(&q[i], TOK_DO, 0);
    }
    if (run_queues(a, q, ids, n, e)) goto done;
    int exploit = n && ep_phase(views[0]) == EP_EXPLOIT;
    for (int i = 0; i < n; i++) {
        const EpView *v = views[i];
        Slot *s = &a->slots[ids[i]];
        Rng r;
        rng_init(&r, v->agent_seed ^ a->seed, 0x5EED00u + (uint64_t)v->n_steps);
        int legal[SCM_MAX_VARS], nl = 0;
        for (int x = 0; x < v->n; x++)
            if (exploit ? ep_can_exploit(v, x) : (int)((v->relevant >> x) & 1u)) legal[nl++] = tok_var(x);
        if (nl == 0) {
            err_set(e, "no legal action");
            goto done;
        }
        double p[SCM_MAX_VARS];
        int k = choose(a, a->logits + (size_t)ids[i] * a->V, legal, nl, &r, p);
        memset(s->probs, 0, sizeof s->probs);
        for (int j = 0; j < nl; j++) s->probs[legal[j] - TOK_VAR0] = p[j];
        s->kind = exploit ? 2 : 1;
        out[i].var = legal[k] - TOK_VAR0;
        out[i].sign = 1;
        if (exploit) {
            q[i].n = q[i].pos = q[i].generating = 0;
            q_push(&q[i], legal[k], 0);
        }
    }
    if (exploit) {
        if (run_queues(a, q, ids, n, e)) goto done;
        for (int i = 0; i < n; i++) {
            Slot *s = &a->slots[ids[i]];
            Rng r;
            rng_init(&r, views[i]->agent_seed ^ a->seed, 0x5161u);
            int legal[2] = {TOK_PLUS, TOK_MINUS};
            double p[2];
            int k = choose(a, a->logits + (size_t)ids[i] * a->V, legal, 2, &r, p);
            s->p_plus = p[0];
            out[i].sign = k == 0 ? 1 : -1;
        }
    }
    rc = 0;
done:
    free(q);
    return rc;
}

static int agent_begin(Strategy *st, int n, Err *e) {
    Agent *a = st->state;
    if (n > a->nslots) return err_set(e, "batch of %d episodes, room for %d", n, a->nslots);
    for (int i = 0; i < n; i++) restart_slot(a, i);
    return 0;
}

static void agent_destroy(Strategy *st) {
    if (!st) return;
    Agent *a = st->state;
    gpt_cache_free(a->cache);
    free(a->slots);
    free(a->logits);
    free(a->round_tok);
    free(a->round_seq);
    free(a->round_logits);
    free(a);
}

Strategy *agent_new(const Gpt *model, const TokFormat *fmt, double temperature, uint64_t seed, Err *e) {
    Agent *a = calloc(1, sizeof *a);
    if (!a) {
        err_set(e, "out of memory");
        return NULL;
    }
    a->model = model;
    a->fmt = fmt ? *fmt : (TokFormat){0};
    a->temperature = temperature;
    a->seed = seed;
    a->V = model->cfg.vocab;
    a->ctx = model->cfg.context;
    a->nslots = STRAT_BATCH;
    a->base = (Strategy){"model", "the trained transformer, acting from its own reading of the stream", 0,
                         agent_begin, agent_act, agent_destroy, a, 0};
    a->cache = gpt_cache_create(model, a->nslots, a->ctx, e);
    a->slots = calloc((size_t)a->nslots, sizeof *a->slots);
    a->logits = malloc(sizeof(float) * (size_t)a->nslots * (size_t)a->V);
    size_t round = (size_t)a->nslots * ROUND_MAX;
    a->round_tok = malloc(sizeof(int) * round);
    a->round_seq = malloc(sizeof(int) * round);
    a->round_logits = malloc(sizeof(float) * round * (size_t)a->V);
    if (!a->cache || !a->slots || !a->logits || !a->round_tok || !a->round_seq || !a->round_logits) {
        if (a->cache) err_set(e, "out of memory for the model's cache");
        agent_destroy(&a->base);
        return NULL;
    }
    return &a->base;
}

int agent_last_probs(const Strategy *st, int id, double probs[SCM_MAX_VARS], double *p_plus) {
    const Agent *a = st->state;
    if (id < 0 || id >= a->nslots) return 0;
    const Slot *s = &a->slots[id];
    memcpy(probs, s->probs, sizeof s->probs);
    if (p_plus) *p_plus = s->p_plus;
    return s->kind;
}

const int *agent_tokens(const Strategy *st, int id, int *n) {
    const Agent *a = st->state;
    if (id < 0 || id >= a->nslots) {
        *n = 0;
        return NULL;
    }
    *n = a->slots[id].len;
    return a->slots[id].tok;
}

int agent_is(const Strategy *st) { return st && st->act == agent_act; }

int agent_exploit_explanation(const Strategy *st, int id, int *named) {
    *named = -1;
    if (!agent_is(st)) return -1;
    const Agent *a = st->state;
    if (id < 0 || id >= a->nslots) return -1;
    return tok_exploit_explanation(a->slots[id].tok, a->slots[id].len, named);
}

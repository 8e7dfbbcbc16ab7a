/* gpt — model, forward/backward over threads, AdamW, schedule.  See gpt.h. */

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3", "no-trapping-math", "no-math-errno")
#endif

#include "nn/gpt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/ops.h"
#include "nn/worker.h"
#include "util/rng.h"

/* ---- activations: one allocation per thread, carved by this table ----------------------
 * Sizes use L layers, B sequences of this thread, T positions, C dim, H heads, V vocab,
 * N loss rows of this thread, S attention scratch. */
#define GPT_ACT_TABLE(X)                                                                           \
    X(encoded, B * T * C)         /* (B, T, C) embeddings: the stream into layer 0 */             \
    X(ln1, L * B * T * C)         /* (L, B, T, C) */                                              \
    X(ln1_mean, L * B * T)        /* (L, B, T) */                                                 \
    X(ln1_rstd, L * B * T)        /* (L, B, T) */                                                 \
    X(qkv, L * B * T * 3 * C)     /* (L, B, T, 3C) */                                             \
    X(atty, L * B * T * C)        /* (L, B, T, C) attention output before its projection */       \
    X(att, L * B * T * H * T)     /* (L, B*T, H, T) attention probabilities per query row */      \
    X(res2, L * B * T * C)        /* (L, B, T, C) stream after attention (last block: N rows) */  \
    X(ln2, L * B * T * C)         /* (L, B, T, C) */                                              \
    X(ln2_mean, L * B * T)        /* (L, B, T) */                                                 \
    X(ln2_rstd, L * B * T)        /* (L, B, T) */                                                 \
    X(fch, L * B * T * 4 * C)     /* (L, B, T, 4C) MLP hidden before GELU */                      \
    X(fch_gelu, L * B * T * 4 * C) /* (L, B, T, 4C) */                                            \
    X(res3, L * B * T * C)        /* (L, B, T, C) stream after the MLP (last block: N rows) */    \
    X(lnf, N * C)                 /* (N, C) */                                                    \
    X(lnf_mean, N)                /* (N) */                                                       \
    X(lnf_rstd, N)                /* (N) */                                                       \
    X(probs, N * V)               /* (N, V) logits, then probabilities, then dlogits */          \
    X(roww, N)                    /* (N) loss weight of each row */                               \
    X(dres, B * T * C)            /* (B, T, C) gradient of the stream, reused by every layer */   \
    X(dln, B * T * C)             /* (B, T, C) */                                                 \
    X(datty, B * T * C)           /* (B, T, C) */                                                 \
    X(dqkv, B * T * 3 * C)        /* (B, T, 3C) */                                                \
    X(dfch, B * T * 4 * C)        /* (B, T, 4C) */                                                \
    X(dfch_gelu, B * T * 4 * C)   /* (B, T, 4C) */                                                \
    X(dlnf, N * C)                /* (N, C) */                                                    \
    X(dxf, N * C)                 /* (N, C) gradient of the stream at the loss rows */            \
    X(scratch, S)                 /* attention scratch */

typedef struct Acts {
#define X(name, size) float *name;
    GPT_ACT_TABLE(X)
#undef X
} Acts;

struct GptWork {
    Gpt *m;
    /* workspace */
    float *mem;
    size_t cap;        /* floats allocated */
    int B, T, N;       /* the shape mem is carved for */
    Acts a;
    int *ints;         /* rows then row_targets, 2 * int_cap */
    size_t int_cap;
    int *rows;         /* (N) flattened b*T + t of each loss row */
    int *row_targets;  /* (N) */
    float *own_grads;  /* (n_params) for threads other than the first */
    GptParams g;       /* where this thread's gradients go */
    /* the job */
    const int *tokens;       /* (nb, T) */
    const float *weights;    /* (nb, T) or NULL (all rows, logits_out) */
    int nb, nrows;
    float scale;             /* 1 / sum of all weights in the batch */
    int backward;
    float *logits_out;       /* (nb, T, V) or NULL */
    double loss;             /* sum of w * ce over this thread's rows */
};

/* Round to whole 64-byte lines so every carved tensor stays aligned. */
static size_t round16(size_t n) { return (n + 15) & ~(size_t)15; }

static void *alloc_floats(size_t n) {
    return aligned_alloc(64, round16(n ? n : 1) * sizeof(float));
}

static size_t acts_size(const GptConfig *c, int B, int T, int N) {
    size_t L = (size_t)c->layers, C = (size_t)c->dim, H = (size_t)c->heads, V = (size_t)c->vocab;
    size_t S = nn_attention_scratch(T, c->dim, c->heads), total = 0;
    (void)L, (void)H, (void)V, (void)S;
#define X(name, size) total += round16((size_t)(size));
    GPT_ACT_TABLE(X)
#undef X
    return total;
}

/* Makes w's workspace fit (B, T, N) and carves it.  0 or -1 (out of memory). */
static int work_reserve(GptWork *w, int B, int T, int N, Err *e) {
    const GptConfig *c = &w->m->cfg;
    size_t need = acts_size(c, B, T, N);
    if (need > w->cap) {
        free(w->mem);
        w->mem = alloc_floats(need);
        w->cap = w->mem ? need : 0;
        w->B = w->T = w->N = -1;
        if (!w->mem) return err_set(e, "model: out of memory for activations (%zu MB)", need * 4 >> 20);
    }
    if ((size_t)N > w->int_cap || !w->ints) {
        size_t n = (size_t)N > 16 ? (size_t)N : 16;
        int *p = malloc(2 * n * sizeof *p);
        if (!p) return err_set(e, "model: out of memory");
        free(w->ints);
        w->ints = p;
        w->int_cap = n;
    }
    w->rows = w->ints;
    w->row_targets = w->ints + w->int_cap;
    if (w->B == B && w->T == T && w->N == N) return 0;
    size_t L = (size_t)c->layers, C = (size_t)c->dim, H = (size_t)c->heads, V = (size_t)c->vocab;
    size_t S = nn_attention_scratch(T, c->dim, c->heads);
    (void)L, (void)H, (void)V, (void)S;
    float *p = w->mem;
#define X(name, size) w->a.name = p, p += round16((size_t)(size));
    GPT_ACT_TABLE(X)
#undef X
    w->B = B, w->T = T, w->N = N;
    return 0;
}

/* ---- parameters ------------------------------------------------------------------------- */

int gpt_config_check(const GptConfig *c, Err *e) {
    if (c->vocab < 2 || c->vocab > GPT_MAX_VOCAB)
        return err_set(e, "model: vocab %d out of range 2..%d", c->vocab, GPT_MAX_VOCAB);
    if (c->context < 1 || c->context > GPT_MAX_CONTEXT)
        return err_set(e, "model: context %d out of range 1..%d", c->context, GPT_MAX_CONTEXT);
    if (c->layers < 1 || c->layers > GPT_MAX_LAYERS)
        return err_set(e, "model: layers %d out of range 1..%d", c->layers, GPT_MAX_LAYERS);
    if (c->dim < 1 || c->dim > GPT_MAX_DIM)
        return err_set(e, "model: dim %d out of range 1..%d", c->dim, GPT_MAX_DIM);
    if (c->heads < 1 || c->heads > GPT_MAX_HEADS)
        return err_set(e, "model: heads %d out of range 1..%d", c->heads, GPT_MAX_HEADS);
    if (c->dim % c->heads != 0)
        return err_set(e, "model: dim %d is not a multiple of heads %d", c->dim, c->heads);
    return 0;
}

size_t gpt_tensor_table(const GptConfig *c, GptTensorInfo *info) {
    int V = c->vocab, T = c->context, L = c->layers, C = c->dim;
    size_t off = 0;
    int i = 0;
#define X(nm, d0, d1, d2, dec)                                                                      \
    {                                                                                              \
        GptTensorInfo *t = &info[i++];                                                             \
        t->name = #nm;                                                                             \
        t->shape[0] = (d0), t->shape[1] = (d1), t->shape[2] = (d2);                                \
        t->rank = t->shape[2] ? 3 : t->shape[1] ? 2 : 1;                                           \
        t->size = 1;                                                                               \
        for (int k = 0; k < t->rank; k++) t->size *= (size_t)t->shape[k];                          \
        t->offset = off;                                                                           \
        t->decay = (dec);                                                                          \
        off += t->size;                                                                            \
    }
    GPT_PARAM_TABLE(X)
#undef X
    (void)V, (void)T, (void)L, (void)C;
    return off;
}

static void carve_params(GptParams *p, float *mem, const GptTensorInfo *info) {
#define X(name, d0, d1, d2, dec) p->name = mem + info[GPT_T_##name].offset;
    GPT_PARAM_TABLE(X)
#undef X
}

static void init_params(Gpt *m, uint64_t seed) {
    float std_resid = 0.02f / sqrtf(2.0f * (float)m->cfg.layers);
    for (int i = 0; i < GPT_NUM_TENSORS; i++) {
        const GptTensorInfo *t = &m->tensors[i];
        float *p = m->param_mem + t->offset;
        int is_ln_gain = i == GPT_T_ln1w || i == GPT_T_ln2w || i == GPT_T_lnfw;
        if (!t->decay) { /* biases 0, LayerNorm gains 1 */
            for (size_t k = 0; k < t->size; k++) p[k] = is_ln_gain ? 1.0f : 0.0f;
            continue;
        }
        float std = (i == GPT_T_attprojw || i == GPT_T_fcprojw) ? std_resid : 0.02f;
        Rng r;
        rng_init(&r, seed, (uint64_t)i); /* one stream per tensor: independent of table order */
        for (size_t k = 0; k < t->size; k++) p[k] = (float)rng_normal(&r) * std;
    }
}

Gpt *gpt_alloc(const GptConfig *c, Err *e) {
    if (gpt_config_check(c, e) != 0) return NULL;
    Gpt *m = calloc(1, sizeof *m);
    if (!m) {
        err_set(e, "model: out of memory");
        return NULL;
    }
    m->cfg = *c;
    m->n_params = gpt_tensor_table(c, m->tensors);
    m->param_mem = alloc_floats(m->n_params);
    m->grad_mem = alloc_floats(m->n_params);
    for (int i = 0; i < GPT_MAX_THREADS; i++) {
        m->work[i] = calloc(1, sizeof *m->work[i]);
        if (m->work[i]) {
            m->work[i]->m = m;
            m->work[i]->B = -1;
        }
    }
    if (!m->param_mem || !m->grad_mem || !m->work[0] || !m->work[1]) {
        err_set(e, "model: out of memory for %zu parameters", m->n_params);
        gpt_free(m);
        return NULL;
    }
    memset(m->param_mem, 0, m->n_params * sizeof(float));
    carve_params(&m->p, m->param_mem, m->tensors);
    carve_params(&m->g, m->grad_mem, m->tensors);
    m->work[0]->g = m->g;
    gpt_zero_grad(m);
    m->threads = 2;
    nn_blas_init();
    return m;
}

Gpt *gpt_create(const GptConfig *c, uint64_t seed, Err *e) {
    Gpt *m = gpt_alloc(c, e);
    if (m) init_params(m, seed);
    return m;
}

void gpt_reinit(Gpt *m, uint64_t seed) {
    init_params(m, seed);
    if (m->adam_m) memset(m->adam_m, 0, m->n_params * sizeof *m->adam_m);
    if (m->adam_v) memset(m->adam_v, 0, m->n_params * sizeof *m->adam_v);
    m->adam_steps = 0;
}

int gpt_init_numeric(Gpt *m, int first, int n, const float *vals, float vmax, float scale, uint64_t seed) {
    int C = m->cfg.dim;
    if (scale == 0.0f || n <= 0 || first < 0 || first + n > m->cfg.vocab || !(vmax > 0.0f) || C < 2) return 0;
    float *u = malloc(sizeof(float) * 2 * (size_t)C);
    if (!u) return -1;
    float *w = u + C;
    Rng r;
    rng_init(&r, seed, 0x6e756d65ULL); /* its own stream: the other tensors' draws are unchanged */
    for (int i = 0; i < 2 * C; i++) u[i] = (float)rng_normal(&r);
    double uu = 0, uw = 0, ww = 0;
    for (int i = 0; i < C; i++) uu += (double)u[i] * u[i];
    for (int i = 0; i < C; i++) u[i] = (float)(u[i] / sqrt(uu));
    for (int i = 0; i < C; i++) uw += (double)u[i] * w[i];
    for (int i = 0; i < C; i++) w[i] -= (float)(uw * u[i]); /* Gram-Schmidt */
    for (int i = 0; i < C; i++) ww += (double)w[i] * w[i];
    for (int i = 0; i < C; i++) w[i] = (float)(w[i] / sqrt(ww));
    float s0 = 0.02f * sqrtf((float)C) * scale;
    for (int k = 0; k < n; k++) {
        float a = vals[k] / vmax, b = fabsf(vals[k]) / vmax;
        float *e = m->p.wte + (size_t)(first + k) * C;
        for (int i = 0; i < C; i++) e[i] += s0 * (a * u[i] + b * w[i]);
    }
    free(u);
    return 0;
}

void gpt_free(Gpt *m) {
    if (!m) return;
    nn_worker_free(m->worker);
    for (int i = 0; i < GPT_MAX_THREADS; i++)
        if (m->work[i]) {
            free(m->work[i]->mem);
            free(m->work[i]->ints);
            free(m->work[i]->own_grads);
            free(m->work[i]);
        }
    free(m->param_mem);
    free(m->grad_mem);
    free(m->adam_m);
    free(m->adam_v);
    free(m);
}

size_t gpt_memory_bytes(const Gpt *m) {
    size_t floats = m->n_params * (2 + (m->adam_m ? 1 : 0) + (m->adam_v ? 1 : 0));
    for (int i = 0; i < GPT_MAX_THREADS; i++)
        if (m->work[i]) floats += m->work[i]->cap + (m->work[i]->own_grads ? m->n_params : 0);
    return floats * sizeof(float);
}

int gpt_set_threads(Gpt *m, int n) {
    m->threads = n < 1 ? 1 : n > GPT_MAX_THREADS ? GPT_MAX_THREADS : n;
    return m->threads;
}

int gpt_threads(const Gpt *m) { return m->threads; }

void gpt_zero_grad(Gpt *m) { memset(m->grad_mem, 0, m->n_params * sizeof *m->grad_mem); }

/* ---- one thread's forward and backward --------------------------------------------------- */

/* The last block's output is needed only at the loss rows, so that block runs its keys and
 * values at every position but everything else (queries, attention, projections, MLP) only at
 * those rows: q rows (nq) = all B*T rows in earlier blocks, the N loss rows in the last. */
static void work_forward(GptWork *w) {
    const Gpt *m = w->m;
    const GptParams *p = &m->p;
    Acts *a = &w->a;
    int B = w->nb, T = w->T, C = m->cfg.dim, H = m->cfg.heads, V = m->cfg.vocab, L = m->cfg.layers;
    int BT = B * T, N = w->nrows;
    size_t btc = (size_t)BT * C;
    nn_encoder_forward(a->encoded, w->tokens, p->wte, p->wpe, B, T, C);
    for (int l = 0; l < L; l++) {
        int nq = l == L - 1 ? N : BT;
        const int *qrows = l == L - 1 ? w->rows : NULL;
        const float *res = l == 0 ? a->encoded : a->res3 + (l - 1) * btc;
        float *ln1 = a->ln1 + l * btc, *qkv = a->qkv + 3 * l * btc, *atty = a->atty + l * btc;
        float *att = a->att + (size_t)l * BT * H * T, *res2 = a->res2 + l * btc;
        float *ln2 = a->ln2 + l * btc, *fch = a->fch + 4 * l * btc;
        float *fch_gelu = a->fch_gelu + 4 * l * btc, *res3 = a->res3 + l * btc;
        nn_layernorm_forward(ln1, a->ln1_mean + l * BT, a->ln1_rstd + l * BT, res,
                             p->ln1w + l * C, p->ln1b + l * C, BT, C);
        nn_matmul_forward(qkv, ln1, p->qkvw + (size_t)l * 3 * C * C, p->qkvb + l * 3 * C, BT, C, 3 * C);
        nn_attention_forward(atty, att, qkv, qrows, a->scratch, nq, T, C, H);
        for (int r = 0; r < nq; r++) /* the stream at the q rows, then the block adds onto it */
            memcpy(res2 + (size_t)r * C, res + (size_t)(qrows ? qrows[r] : r) * C, (size_t)C * sizeof *res2);
        nn_matmul_forward_add(res2, atty, p->attprojw + (size_t)l * C * C, p->attprojb + l * C, nq, C, C);
        nn_layernorm_forward(ln2, a->ln2_mean + l * BT, a->ln2_rstd + l * BT, res2,
                             p->ln2w + l * C, p->ln2b + l * C, nq, C);
        nn_matmul_forward(fch, ln2, p->fcw + (size_t)l * 4 * C * C, p->fcb + l * 4 * C, nq, C, 4 * C);
        nn_gelu_forward(fch_gelu, fch, (size_t)nq * 4 * C);
        memcpy(res3, res2, (size_t)nq * C * sizeof *res3);
        nn_matmul_forward_add(res3, fch_gelu, p->fcprojw + (size_t)l * 4 * C * C, p->fcprojb + l * C,
                              nq, 4 * C, C);
    }
    const float *xf = a->res3 + (L - 1) * btc; /* (N, C): the stream at the loss rows */
    nn_layernorm_forward(a->lnf, a->lnf_mean, a->lnf_rstd, xf, p->lnfw, p->lnfb, N, C);
    nn_matmul_forward(a->probs, a->lnf, p->wte, NULL, N, C, V);
    if (w->logits_out) {
        memcpy(w->logits_out, a->probs, (size_t)N * V * sizeof *a->probs);
        w->loss = 0.0;
        return;
    }
    w->loss = nn_xent_forward(a->probs, w->row_targets, a->roww, N, V);
}

static void work_backward(GptWork *w) {
    const Gpt *m = w->m;
    const GptParams *p = &m->p;
    const GptParams *g = &w->g;
    Acts *a = &w->a;
    int B = w->nb, T = w->T, C = m->cfg.dim, H = m->cfg.heads, V = m->cfg.vocab, L = m->cfg.layers;
    int BT = B * T, N = w->nrows;
    size_t btc = (size_t)BT * C;
    const float *xf = a->res3 + (L - 1) * btc;
    /* loss → logits → final LayerNorm → the stream at the loss rows (dxf) */
    nn_xent_backward(a->probs, a->probs, w->row_targets, a->roww, w->scale, N, V);
    nn_matmul_backward(a->dlnf, g->wte, NULL, a->probs, a->lnf, p->wte, N, C, V);
    memset(a->dxf, 0, (size_t)N * C * sizeof *a->dxf);
    nn_layernorm_backward(a->dxf, g->lnfw, g->lnfb, a->dlnf, xf, p->lnfw, a->lnf_mean, a->lnf_rstd,
                          N, C);
    /* Blocks in reverse.  dr holds d(loss)/d(stream) at the block's q rows; a block is
     * stream + f(stream), so its backward adds f's input gradient into dr in place once f's
     * weights have used it.  Below the last block the q rows are all rows and dr is dres. */
    for (int l = L - 1; l >= 0; l--) {
        int nq = l == L - 1 ? N : BT;
        const int *qrows = l == L - 1 ? w->rows : NULL;
        float *dr = l == L - 1 ? a->dxf : a->dres;
        const float *res = l == 0 ? a->encoded : a->res3 + (l - 1) * btc;
        const float *ln1 = a->ln1 + l * btc, *qkv = a->qkv + 3 * l * btc, *atty = a->atty + l * btc;
        const float *att = a->att + (size_t)l * BT * H * T, *res2 = a->res2 + l * btc;
        const float *ln2 = a->ln2 + l * btc, *fch = a->fch + 4 * l * btc;
        const float *fch_gelu = a->fch_gelu + 4 * l * btc;
        size_t nqc = (size_t)nq * C;
        nn_matmul_backward(a->dfch_gelu, g->fcprojw + (size_t)l * 4 * C * C, g->fcprojb + l * C, dr,
                           fch_gelu, p->fcprojw + (size_t)l * 4 * C * C, nq, 4 * C, C);
        nn_gelu_backward(a->dfch, a->dfch_gelu, fch, 4 * nqc);
        nn_matmul_backward(a->dln, g->fcw + (size_t)l * 4 * C * C, g->fcb + l * 4 * C, a->dfch, ln2,
                           p->fcw + (size_t)l * 4 * C * C, nq, C, 4 * C);
        nn_layernorm_backward(dr, g->ln2w + l * C, g->ln2b + l * C, a->dln, res2, p->ln2w + l * C,
                              a->ln2_mean + l * BT, a->ln2_rstd + l * BT, nq, C);
        nn_matmul_backward(a->datty, g->attprojw + (size_t)l * C * C, g->attprojb + l * C, dr, atty,
                           p->attprojw + (size_t)l * C * C, nq, C, C);
        memset(a->dqkv, 0, 3 * btc * sizeof *a->dqkv);
        nn_attention_backward(a->dqkv, a->datty, qkv, att, qrows, a->scratch, nq, T, C, H);
        if (qrows) { /* the residual path of the loss rows, spread back to all rows */
            memset(a->dres, 0, btc * sizeof *a->dres);
            for (int r = 0; r < nq; r++)
                memcpy(a->dres + (size_t)qrows[r] * C, dr + (size_t)r * C, (size_t)C * sizeof *a->dres);
        }
        nn_matmul_backward(a->dln, g->qkvw + (size_t)l * 3 * C * C, g->qkvb + l * 3 * C, a->dqkv, ln1,
                           p->qkvw + (size_t)l * 3 * C * C, BT, C, 3 * C);
        nn_layernorm_backward(a->dres, g->ln1w + l * C, g->ln1b + l * C, a->dln, res, p->ln1w + l * C,
                              a->ln1_mean + l * BT, a->ln1_rstd + l * BT, BT, C);
    }
    nn_encoder_backward(g->wte, g->wpe, a->dres, w->tokens, B, T, C);
}

static void work_run(GptWork *w) {
    work_forward(w);
    if (w->backward) {
        if (w != w->m->work[0]) memset(w->own_grads, 0, w->m->n_params * sizeof *w->own_grads);
        work_backward(w);
    }
}

static void work_job(void *arg) { work_run(arg); }

/* job(a) on this thread and job(b) on the model's worker thread (started on first use); with
 * no worker to be had, both here in turn: same work, same result. */
static void run_pair(Gpt *m, NnJob job, void *a, void *b) {
    if (!m->worker) m->worker = nn_worker_new();
    if (m->worker) {
        nn_worker_post(m->worker, job, b);
        job(a);
        nn_worker_wait(m->worker);
    } else {
        job(a);
        job(b);
    }
}

/* ---- batches ------------------------------------------------------------------------------ */

typedef enum { JOB_LOSS, JOB_GRAD, JOB_LOGITS } JobKind;

static int check_batch(const Gpt *m, const int *tokens, const int *targets, const float *weights,
                       int B, int T, double *wsum, Err *e) {
    if (B < 1) return err_set(e, "model: batch of %d sequences", B);
    if (T < 1 || T > m->cfg.context)
        return err_set(e, "model: sequence length %d out of range 1..%d", T, m->cfg.context);
    int V = m->cfg.vocab;
    double s = 0.0;
    for (int i = 0; i < B * T; i++) {
        if (tokens[i] < 0 || tokens[i] >= V)
            return err_set(e, "model: token %d at (%d, %d) outside the vocabulary of %d", tokens[i],
                           i / T, i % T, V);
        if (!weights) continue;
        float w = weights[i];
        if (!(w >= 0.0f) || isinf(w))
            return err_set(e, "model: loss weight %g at (%d, %d) is not a finite number >= 0", w, i / T,
                           i % T);
        if (w > 0.0f && (targets[i] < 0 || targets[i] >= V))
            return err_set(e, "model: target %d at (%d, %d) outside the vocabulary of %d", targets[i],
                           i / T, i % T, V);
        s += w;
    }
    if (weights && !(s > 0.0)) return err_set(e, "model: all loss weights are 0");
    *wsum = s;
    return 0;
}

static int run_batch(Gpt *m, JobKind kind, const int *tokens, const int *targets,
                     const float *weights, int B, int T, float *out, Err *e) {
    double wsum = 0.0;
    if (check_batch(m, tokens, targets, kind == JOB_LOGITS ? NULL : weights, B, T, &wsum, e) != 0)
        return -1;
    int nw = B >= 2 ? m->threads : 1;
    int b0 = 0;
    for (int k = 0; k < nw; k++) {
        GptWork *w = m->work[k];
        int nb = (B - b0) / (nw - k) + ((B - b0) % (nw - k) != 0); /* first threads take the extra */
        int N = 0;
        if (kind == JOB_LOGITS) N = nb * T;
        else
            for (int i = b0 * T; i < (b0 + nb) * T; i++) N += weights[i] != 0.0f;
        if (work_reserve(w, nb, T, N, e) != 0) return -1;
        if (kind == JOB_GRAD && k > 0 && !w->own_grads) {
            w->own_grads = alloc_floats(m->n_params);
            if (!w->own_grads) return err_set(e, "model: out of memory for gradients");
            carve_params(&w->g, w->own_grads, m->tensors);
        }
        w->tokens = tokens + (size_t)b0 * T;
        w->weights = kind == JOB_LOGITS ? NULL : weights + (size_t)b0 * T;
        w->nb = nb;
        w->nrows = N;
        w->scale = kind == JOB_LOGITS ? 0.0f : (float)(1.0 / wsum);
        w->backward = kind == JOB_GRAD;
        w->logits_out = kind == JOB_LOGITS ? out + (size_t)b0 * T * m->cfg.vocab : NULL;
        int r = 0;
        for (int i = 0; i < nb * T; i++) {
            if (kind == JOB_LOGITS) {
                w->rows[r++] = i;
            } else if (w->weights[i] != 0.0f) {
                w->rows[r] = i;
                w->row_targets[r] = targets[(size_t)b0 * T + i];
                w->a.roww[r] = w->weights[i];
                r++;
            }
        }
        b0 += nb;
    }
    if (nw > 1) run_pair(m, work_job, m->work[0], m->work[1]);
    else work_run(m->work[0]);
    if (kind == JOB_GRAD && nw > 1) { /* fixed order: thread 0's gradients, then thread 1's */
        const float *g1 = m->work[1]->own_grads;
        for (size_t i = 0; i < m->n_params; i++) m->grad_mem[i] += g1[i];
    }
    if (kind != JOB_LOGITS) {
        double loss = 0.0;
        for (int k = 0; k < nw; k++) loss += m->work[k]->loss;
        *out = (float)(loss / wsum);
    }
    return 0;
}

int gpt_backward(Gpt *m, const int *tokens, const int *targets, const float *weights, int B, int T,
                 float *loss, Err *e) {
    return run_batch(m, JOB_GRAD, tokens, targets, weights, B, T, loss, e);
}

int gpt_loss(Gpt *m, const int *tokens, const int *targets, const float *weights, int B, int T,
             float *loss, Err *e) {
    return run_batch(m, JOB_LOSS, tokens, targets, weights, B, T, loss, e);
}

int gpt_forward(Gpt *m, const int *tokens, int B, int T, float *logits, Err *e) {
    return run_batch(m, JOB_LOGITS, tokens, NULL, NULL, B, T, logits, e);
}

/* ---- AdamW and schedule --------------------------------------------------------------------- */

GptAdamW gpt_adamw_default(void) { return (GptAdamW){0.9f, 0.95f, 1e-8f, 0.1f, 1.0f}; }

/* One thread's share of an update: parameters [lo, hi), tensor by tensor. */
typedef struct UpdateJob {
    Gpt *m;
    size_t lo, hi;
    NnAdamStep step;
    float weight_decay;
} UpdateJob;

static void update_range(void *arg) {
    UpdateJob *u = arg;
    Gpt *m = u->m;
    for (int t = 0; t < GPT_NUM_TENSORS; t++) {
        const GptTensorInfo *ti = &m->tensors[t];
        size_t lo = ti->offset > u->lo ? ti->offset : u->lo;
        size_t hi = ti->offset + ti->size < u->hi ? ti->offset + ti->size : u->hi;
        if (lo >= hi) continue;
        NnAdamStep s = u->step;
        s.decay = ti->decay ? u->weight_decay : 0.0f;
        nn_adamw(m->param_mem + lo, m->adam_m + lo, m->adam_v + lo, m->grad_mem + lo, hi - lo, &s);
    }
}

float gpt_update(Gpt *m, const GptAdamW *o, float lr) {
    if (!m->adam_m) {
        m->adam_m = alloc_floats(m->n_params);
        m->adam_v = alloc_floats(m->n_params);
        if (!m->adam_m || !m->adam_v) {
            free(m->adam_m), free(m->adam_v);
            m->adam_m = m->adam_v = NULL;
            return -1.0f;
        }
        memset(m->adam_m, 0, m->n_params * sizeof *m->adam_m);
        memset(m->adam_v, 0, m->n_params * sizeof *m->adam_v);
    }
    const float *g = m->grad_mem;
    size_t n = m->n_params, i = 0;
    double acc[4] = {0};
    for (; i + 4 <= n; i += 4)
        for (int j = 0; j < 4; j++) acc[j] += (double)g[i + j] * g[i + j];
    for (; i < n; i++) acc[0] += (double)g[i] * g[i];
    float norm = (float)sqrt((acc[0] + acc[1]) + (acc[2] + acc[3]));
    if (!isfinite(norm)) return norm;
    m->adam_steps++;
    NnAdamStep s = {lr, o->beta1, o->beta2, 1.0f - powf(o->beta1, (float)m->adam_steps),
                    1.0f - powf(o->beta2, (float)m->adam_steps), o->eps, 0.0f,
                    o->grad_clip > 0.0f && norm > o->grad_clip ? o->grad_clip / norm : 1.0f};
    /* elementwise: split the parameters between the threads, same result either way */
    UpdateJob jobs[2] = {{m, 0, n / 2, s, o->weight_decay}, {m, n / 2, n, s, o->weight_decay}};
    if (m->threads > 1) run_pair(m, update_range, &jobs[0], &jobs[1]);
    else update_range(&jobs[0]), update_range(&jobs[1]);
    return norm;
}

float gpt_lr_schedule(long step, long total, long warmup, long hold, float lr_max, float lr_min) {
    if (step < warmup) return lr_max * (float)(step + 1) / (float)warmup;
    if (hold < warmup) hold = warmup;
    if (step < hold && hold < total) return lr_max;
    if (total <= hold || step >= total) return lr_min;
    double progress = (double)(step - hold) / (double)(total - hold);
    return lr_min + (float)(0.5 * (1.0 + cos(3.14159265358979323846 * progress))) * (lr_max - lr_min);
}

/* ---- benchmark --------------------------------------------------------------------------------- */

double gpt_train_flops(const GptConfig *c, int B, int T, const float *weights) {
    double BT = (double)B * T, C = c->dim, N = 0.0, att_last = 0.0;
    for (int i = 0; i < B * T; i++)
        if (weights[i] != 0.0f) {
            N += 1.0;
            att_last += 4.0 * (i % T + 1) * C; /* q·k and p·v over t+1 keys */
        }
    double block = 24.0 * BT * C * C + 2.0 * BT * (T + 1) * C;
    double last = 6.0 * BT * C * C + 18.0 * N * C * C + att_last;
    double fwd = (c->layers - 1) * block + last + 2.0 * N * C * c->vocab;
    return 3.0 * fwd; /* backward: two products per forward product */
}

static double clock_s(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double gpt_clock_wall(void) { return clock_s(CLOCK_MONOTONIC); }
double gpt_clock_cpu(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

int gpt_bench_train(const GptConfig *c, int B, int T, int weighted_per_seq, int threads, int steps,
                    GptBench *out, Err *e) {
    memset(out, 0, sizeof *out);
    if (B < 1 || T < 1 || T > c->context || steps < 1 || weighted_per_seq < 1 || weighted_per_seq > T)
        return err_set(e, "bench: bad sizes (B %d, T %d, weighted %d, steps %d)", B, T,
                       weighted_per_seq, steps);
    Gpt *m = gpt_create(c, 1, e);
    if (!m) return -1;
    gpt_set_threads(m, threads);
    int *tok = malloc((size_t)B * T * sizeof *tok), *tgt = malloc((size_t)B * T * sizeof *tgt);
    float *w = calloc((size_t)B * T, sizeof *w);
    int rc = -1;
    if (!tok || !tgt || !w) {
        err_set(e, "bench: out of memory");
        goto done;
    }
    Rng r;
    rng_init(&r, 7, 0);
    for (int i = 0; i < B * T; i++) {
        tok[i] = (int)rng_below(&r, (uint32_t)c->vocab);
        tgt[i] = (int)rng_below(&r, (uint32_t)c->vocab);
    }
    for (int b = 0; b < B; b++) /* the last positions, as in an episode's actions */
        for (int k = 0; k < weighted_per_seq; k++) w[b * T + T - 1 - k * (T / weighted_per_seq)] = 1.0f;
    GptAdamW opt = gpt_adamw_default();
    double t0 = 0.0, c0 = 0.0;
    for (int s = 0; s < steps + 2; s++) {
        if (s == 2) t0 = gpt_clock_wall(), c0 = gpt_clock_cpu();
        float loss;
        gpt_zero_grad(m);
        if (gpt_backward(m, tok, tgt, w, B, T, &loss, e) != 0) goto done;
        gpt_update(m, &opt, 1e-4f);
    }
    out->seconds = gpt_clock_wall() - t0;
    out->cpu_seconds = gpt_clock_cpu() - c0;
    out->steps = steps;
    out->ms_per_step = 1e3 * out->seconds / steps;
    out->tokens_per_s = (double)B * T * steps / out->seconds;
    out->gflops = gpt_train_flops(c, B, T, w) * steps / out->seconds * 1e-9;
    out->mib = (double)gpt_memory_bytes(m) / (1024.0 * 1024.0);
    rc = 0;
done:
    free(tok), free(tgt), free(w);
    gpt_free(m);
    return rc;
}

/* infer — KV-cache decoding.  See infer.h. */

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3", "no-trapping-math", "no-math-errno")
#endif

#include "nn/infer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/ops.h"
#include "nn/worker.h"
#include "util/rng.h"

/* The cache's one allocation, carved by these tables: the keys and values, then one set of
 * scratch per thread.  L layers, S sequences, P positions (the length rounded up to a
 * multiple of 8), C dim, R rows processed per chunk. */
#define CACHE_TABLE(X)                                                                             \
    X(k, L * S * C * P)  /* (L, S, C, P) keys, transposed: position fastest */                    \
    X(v, L * S * P * C)  /* (L, S, P, C) values */
#define SCRATCH_TABLE(X)                                                                           \
    X(x, R * C)          /* (R, C) residual stream of the rows being added */                      \
    X(ln, R * C)         /* (R, C) */                                                              \
    X(mean, R)           /* (R) */                                                                 \
    X(rstd, R)           /* (R) */                                                                 \
    X(qkv, R * 3 * C)    /* (R, 3C) */                                                             \
    X(atty, R * C)       /* (R, C) */                                                              \
    X(fch, R * 4 * C)    /* (R, 4C) */                                                             \
    X(scores, P)         /* (P) */

typedef struct Scratch {
#define X(name, size) float *name;
    SCRATCH_TABLE(X)
#undef X
    int *pos; /* (R) position of each row of a chunk */
} Scratch;

struct GptCache {
    GptConfig cfg;
    int seqs, len, rows; /* S, length, R */
    int P;               /* len rounded up to a multiple of 8: the keys' row stride */
    int *lens;           /* (S) tokens held per sequence */
    int *count;          /* (S) scratch for checking a call */
    float *mem;
#define X(name, size) float *name;
    CACHE_TABLE(X)
#undef X
    Scratch scratch[2];  /* one per thread */
    int *ints;           /* the pos arrays */
    int threads;
    NnWorker *worker;    /* the second thread, started on first use */
};

static size_t round16(size_t n) { return (n + 15) & ~(size_t)15; }

GptCache *gpt_cache_create(const Gpt *m, int seqs, int len, Err *e) {
    if (seqs < 1 || seqs > 1 << 16)
        return err_set(e, "cache: %d sequences (1..65536)", seqs), NULL;
    if (len < 1 || len > m->cfg.context)
        return err_set(e, "cache: length %d out of range 1..%d (the model's context)", len,
                       m->cfg.context),
               NULL;
    GptCache *c = calloc(1, sizeof *c);
    if (!c) return err_set(e, "cache: out of memory"), NULL;
    c->cfg = m->cfg;
    c->seqs = seqs;
    c->len = len;
    c->rows = seqs > len ? seqs : len;
    if (c->rows > 4096) c->rows = 4096;
    c->P = (len + 7) & ~7;
    c->threads = 2;
    size_t L = (size_t)m->cfg.layers, S = (size_t)seqs, P = (size_t)c->P, C = (size_t)m->cfg.dim;
    size_t R = (size_t)c->rows, total = 0;
#define X(name, size) total += round16(size);
    CACHE_TABLE(X)
    SCRATCH_TABLE(X)
    SCRATCH_TABLE(X)
#undef X
    c->mem = aligned_alloc(64, total * sizeof(float));
    c->lens = calloc(S, sizeof *c->lens);
    c->count = calloc(S, sizeof *c->count);
    c->ints = calloc(2 * R, sizeof *c->ints);
    if (!c->mem || !c->lens || !c->count || !c->ints) {
        gpt_cache_free(c);
        return err_set(e, "cache: out of memory for %zu MB", total * 4 >> 20), NULL;
    }
    memset(c->mem, 0, total * sizeof(float)); /* key slots not yet written are read as 0 */
    float *p = c->mem;
#define X(name, size) c->name = p, p += round16(size);
    CACHE_TABLE(X)
#undef X
    for (int w = 0; w < 2; w++) {
#define X(name, size) c->scratch[w].name = p, p += round16(size);
        SCRATCH_TABLE(X)
#undef X
        c->scratch[w].pos = c->ints + w * R;
    }
    return c;
}

int gpt_cache_set_threads(GptCache *c, int n) {
    c->threads = n < 1 ? 1 : n > 2 ? 2 : n;
    return c->threads;
}

void gpt_cache_free(GptCache *c) {
    if (!c) return;
    nn_worker_free(c->worker);
    free(c->mem);
    free(c->lens);
    free(c->count);
    free(c->ints);
    free(c);
}

void gpt_cache_reset(GptCache *c, int seq) {
    if (seq < 0) memset(c->lens, 0, (size_t)c->seqs * sizeof *c->lens);
    else if (seq < c->seqs) c->lens[seq] = 0;
}

int gpt_cache_len(const GptCache *c, int seq) { return seq >= 0 && seq < c->seqs ? c->lens[seq] : -1; }

/* Runs rows [0, n) of one chunk with one thread's scratch: tokens[r] goes to sequence
 * seq[r] (or one_seq when seq is NULL).  Logits (compact, one row per row asked for) for the
 * rows with want[r] (every row if want is NULL), the last row only, or none. */
static void infer_chunk(const Gpt *m, GptCache *c, Scratch *sc, const int *tokens, const int *seq,
                        int one_seq, int n, float *logits, const unsigned char *want, int last_only) {
    const GptParams *p = &m->p;
    int C = m->cfg.dim, H = m->cfg.heads, V = m->cfg.vocab, P = c->P;
    size_t lstride = (size_t)c->seqs * P * C; /* one layer of k or v */
    for (int r = 0; r < n; r++) {
        int s = seq ? seq[r] : one_seq;
        int pos = c->lens[s]++;
        sc->pos[r] = pos;
        const float *we = p->wte + (size_t)tokens[r] * C, *pe = p->wpe + (size_t)pos * C;
        float *x = sc->x + (size_t)r * C;
        for (int i = 0; i < C; i++) x[i] = we[i] + pe[i];
    }
    for (int l = 0; l < m->cfg.layers; l++) {
        float *kl = c->k + l * lstride, *vl = c->v + l * lstride;
        nn_layernorm_forward(sc->ln, sc->mean, sc->rstd, sc->x, p->ln1w + l * C, p->ln1b + l * C, n, C);
        nn_matmul_forward(sc->qkv, sc->ln, p->qkvw + (size_t)l * 3 * C * C, p->qkvb + l * 3 * C, n, C,
                          3 * C);
        /* every new key and value first, so a sequence's later rows see its earlier ones */
        for (int r = 0; r < n; r++) {
            int s = seq ? seq[r] : one_seq;
            const float *kr = sc->qkv + (size_t)r * 3 * C + C;
            float *kt = kl + (size_t)s * C * P + sc->pos[r];
            for (int i = 0; i < C; i++) kt[(size_t)i * P] = kr[i];
            memcpy(vl + ((size_t)s * P + sc->pos[r]) * C, kr + C, (size_t)C * sizeof *vl);
        }
        for (int r = 0; r < n; r++) {
            int s = seq ? seq[r] : one_seq;
            nn_attention_decode(sc->atty + (size_t)r * C, sc->qkv + (size_t)r * 3 * C,
                                kl + (size_t)s * C * P, P, vl + (size_t)s * P * C, sc->pos[r] + 1, C,
                                H, sc->scores);
        }
        nn_matmul_forward_add(sc->x, sc->atty, p->attprojw + (size_t)l * C * C, p->attprojb + l * C, n,
                              C, C);
        nn_layernorm_forward(sc->ln, sc->mean, sc->rstd, sc->x, p->ln2w + l * C, p->ln2b + l * C, n, C);
        nn_matmul_forward(sc->fch, sc->ln, p->fcw + (size_t)l * 4 * C * C, p->fcb + l * 4 * C, n, C,
                          4 * C);
        nn_gelu_forward(sc->fch, sc->fch, (size_t)n * 4 * C);
        nn_matmul_forward_add(sc->x, sc->fch, p->fcprojw + (size_t)l * 4 * C * C, p->fcprojb + l * C,
                              n, 4 * C, C);
    }
    if (!logits) return;
    /* the final LayerNorm and the logits only for the rows asked for */
    const float *xs = sc->x;
    int nl = n;
    if (last_only) {
        xs = sc->x + (size_t)(n - 1) * C, nl = 1;
    } else if (want) {
        nl = 0;
        for (int r = 0; r < n; r++)
            if (want[r]) memcpy(sc->atty + (size_t)nl++ * C, sc->x + (size_t)r * C, (size_t)C * sizeof *sc->x);
        xs = sc->atty;
    }
    if (nl == 0) return;
    nn_layernorm_forward(sc->ln, sc->mean, sc->rstd, xs, p->lnfw, p->lnfb, nl, C);
    nn_matmul_forward(logits, sc->ln, p->wte, NULL, nl, C, V);
}

/* One thread's share of a call: rows [0, n) in chunks of the scratch's size. */
typedef struct InferJob {
    const Gpt *m;
    GptCache *c;
    Scratch *sc;
    const int *tokens, *seq;
    const unsigned char *want; /* NULL: logits for every row */
    int one_seq, n, last_only;
    float *logits;             /* (rows wanted, V) or NULL */
} InferJob;

static int count_wanted(const unsigned char *want, int n) {
    int k = 0;
    for (int r = 0; r < n; r++) k += !want || want[r];
    return k;
}

static void infer_rows(void *arg) {
    const InferJob *j = arg;
    int R = j->c->rows, V = j->m->cfg.vocab;
    float *lg = j->logits;
    for (int r0 = 0; r0 < j->n; r0 += R) {
        int k = j->n - r0 < R ? j->n - r0 : R, last_chunk = r0 + k == j->n;
        const unsigned char *want = j->want ? j->want + r0 : NULL;
        infer_chunk(j->m, j->c, j->sc, j->tokens + r0, j->seq ? j->seq + r0 : NULL, j->one_seq, k,
                    j->last_only && !last_chunk ? NULL : lg, want, j->last_only);
        if (lg && !j->last_only) lg += (size_t)count_wanted(want, k) * V;
    }
}

static int same_config(const GptConfig *a, const GptConfig *b) {
    return a->vocab == b->vocab && a->context == b->context && a->layers == b->layers &&
           a->dim == b->dim && a->heads == b->heads;
}

/* Checks a whole call before touching the cache. */
static int check_call(const Gpt *m, GptCache *c, const int *tokens, const int *seq, int one_seq,
                      int n, Err *e) {
    if (!same_config(&m->cfg, &c->cfg)) return err_set(e, "cache: made for a different model");
    if (n < 0) return err_set(e, "cache: %d tokens", n);
    int rc = 0;
    for (int r = 0; r < n && rc == 0; r++) {
        int s = seq ? seq[r] : one_seq;
        if (s < 0 || s >= c->seqs)
            rc = err_set(e, "cache: sequence %d out of range 0..%d", s, c->seqs - 1);
        else if (tokens[r] < 0 || tokens[r] >= m->cfg.vocab)
            rc = err_set(e, "cache: token %d outside the vocabulary of %d", tokens[r], m->cfg.vocab);
        else if (c->lens[s] + ++c->count[s] > c->len)
            rc = err_set(e, "cache: sequence %d is full (%d tokens)", s, c->len);
    }
    for (int r = 0; r < n; r++) { /* undo the counts, whatever happened */
        int s = seq ? seq[r] : one_seq;
        if (s >= 0 && s < c->seqs) c->count[s] = 0;
    }
    return rc;
}

/* Calls of at least this many rows are split between two threads (measured on the target
 * model: 32 rows ran slower split, 64 rows 1.2x faster, 128 rows 1.4x). */
#define SPLIT_MIN_ROWS 64

/* Where to split rows between two threads: a boundary near the middle with no sequence on
 * both sides (each thread then owns its sequences' lengths and keys), or 0 for none. */
static int split_point(GptCache *c, const int *seq, int n) {
    int h = n / 2;
    while (h < n && seq[h] == seq[h - 1]) h++; /* runs of one sequence stay together */
    if (h >= n) return 0;
    int ok = 1;
    for (int r = 0; r < h; r++) c->count[seq[r]] = 1;
    for (int r = h; r < n && ok; r++) ok = !c->count[seq[r]];
    for (int r = 0; r < h; r++) c->count[seq[r]] = 0;
    return ok && n - h >= SPLIT_MIN_ROWS / 4 ? h : 0; /* both halves worth a thread */
}

static int infer(const Gpt *m, GptCache *c, const int *tokens, const int *seq, int one_seq, int n,
                 const unsigned char *want, float *logits, int last_only, Err *e) {
    if (check_call(m, c, tokens, seq, one_seq, n, e) != 0) return -1;
    InferJob whole = {m, c, &c->scratch[0], tokens, seq, want, one_seq, n, last_only, logits};
    int h = c->threads > 1 && seq && !last_only && n >= SPLIT_MIN_ROWS ? split_point(c, seq, n) : 0;
    if (h && !c->worker) c->worker = nn_worker_new();
    if (!h || !c->worker) {
        infer_rows(&whole);
        return 0;
    }
    InferJob second = whole;
    whole.n = h;
    second.sc = &c->scratch[1];
    second.tokens += h, second.seq += h, second.n = n - h;
    if (want) second.want += h;
    if (logits) second.logits += (size_t)count_wanted(want, h) * m->cfg.vocab;
    nn_worker_post(c->worker, infer_rows, &second);
    infer_rows(&whole);
    nn_worker_wait(c->worker);
    return 0;
}

int gpt_infer_step(const Gpt *m, GptCache *c, const int *tokens, const int *seq, int n,
                   float *logits, Err *e) {
    return infer(m, c, tokens, seq, 0, n, NULL, logits, 0, e);
}

int gpt_infer_feed(const Gpt *m, GptCache *c, const int *tokens, const int *seq, int n,
                   const unsigned char *want, float *logits, Err *e) {
    return infer(m, c, tokens, seq, 0, n, want, logits, 0, e);
}

int gpt_infer_prefix(const Gpt *m, GptCache *c, int seq, const int *tokens, int n, float *logits,
                     Err *e) {
    if (n < 1) return err_set(e, "cache: empty prefix");
    return infer(m, c, tokens, NULL, seq, n, NULL, logits, 1, e);
}

int gpt_bench_infer(const GptConfig *cfg, int seqs, int episode_len, int logits_per_episode,
                    int threads, int episodes, GptBench *out, Err *e) {
    memset(out, 0, sizeof *out);
    if (seqs < 1 || episode_len < 1 || episode_len > cfg->context || episodes < 1 ||
        logits_per_episode < 0 || logits_per_episode > episode_len)
        return err_set(e, "bench: bad sizes (seqs %d, episode %d tokens, %d logits, %d episodes)",
                       seqs, episode_len, logits_per_episode, episodes);
    Gpt *m = gpt_create(cfg, 1, e);
    if (!m) return -1;
    GptCache *c = gpt_cache_create(m, seqs, episode_len, e);
    if (c) gpt_cache_set_threads(c, threads);
    int *tok = malloc((size_t)seqs * sizeof *tok), *seq = malloc((size_t)seqs * sizeof *seq);
    float *logits = malloc((size_t)seqs * cfg->vocab * sizeof *logits);
    int rc = -1;
    if (!c || !tok || !seq || !logits) {
        if (c) err_set(e, "bench: out of memory");
        goto done;
    }
    Rng r;
    rng_init(&r, 7, 0);
    for (int s = 0; s < seqs; s++) seq[s] = s;
    int rounds = (episodes + seqs - 1) / seqs;
    double t0 = gpt_clock_wall(), c0 = gpt_clock_cpu();
    long fed = 0, calls = 0;
    for (int round = 0; round < rounds; round++) {
        gpt_cache_reset(c, -1);
        for (int t = 0; t < episode_len; t++) {
            /* logits at the last logits_per_episode steps' spacing, like decisions */
            int want = logits_per_episode > 0 &&
                       (episode_len - 1 - t) % (episode_len / logits_per_episode) == 0 &&
                       (episode_len - 1 - t) / (episode_len / logits_per_episode) < logits_per_episode;
            for (int s = 0; s < seqs; s++) tok[s] = (int)rng_below(&r, (uint32_t)cfg->vocab);
            if (gpt_infer_step(m, c, tok, seq, seqs, want ? logits : NULL, e) != 0) goto done;
            fed += seqs;
            calls++;
        }
    }
    out->seconds = gpt_clock_wall() - t0;
    out->cpu_seconds = gpt_clock_cpu() - c0;
    out->steps = (int)calls;
    out->ms_per_step = 1e3 * out->seconds / (double)calls;
    out->tokens_per_s = (double)fed / out->seconds;
    out->episodes_per_s = (double)rounds * seqs / out->seconds;
    /* forward flops per token: 24 C^2 per layer + attention over ~half the episode */
    double C = cfg->dim, per_tok = cfg->layers * (24.0 * C * C + 2.0 * (episode_len + 1) * C);
    double flops = per_tok * (double)fed +
                   2.0 * C * cfg->vocab * (double)rounds * seqs * logits_per_episode;
    out->gflops = flops / out->seconds * 1e-9;
    rc = 0;
done:
    free(tok), free(seq), free(logits);
    gpt_cache_free(c);
    gpt_free(m);
    return rc;
}

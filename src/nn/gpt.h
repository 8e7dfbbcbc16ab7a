/* gpt — a decoder-only transformer (GPT-2 shaped, llm.c style): parameters, forward,
 * backward, AdamW, learning-rate schedule, training benchmark.
 *
 * Model: token + learned position embeddings; L pre-LayerNorm blocks of causal multi-head
 * self-attention (with output projection) and a GELU (tanh) MLP of width 4C, each added to the
 * residual stream; a final LayerNorm; logits = lnf · wteᵀ (tied to the token embedding, no
 * separate head).  Linear layers have biases as in GPT-2.  float32 throughout.
 *
 * Memory: gpt_create allocates the model; gpt_free frees it and everything it owns:
 * parameters, gradients and the AdamW moments (each ONE allocation carved by GPT_PARAM_TABLE)
 * and one workspace per thread (activations, one allocation carved by the activation table in
 * gpt.c, sized on first use and grown when a batch needs more).  Callers own every array
 * they pass in; nothing here keeps a pointer to them after the call returns.
 *
 * Threads: a batch is split by sequence between gpt_threads() threads (1 or 2, default 2).
 * Each thread has its own activations and gradients; after backward the second thread's
 * gradients are added to the first's in a fixed order, so results are reproducible run to run
 * with either count.  1 and 2 threads agree to float rounding, not bitwise.  OpenBLAS is set
 * to one thread: at these sizes splitting the batch beats splitting each product.  The
 * second thread is a persistent worker (nn/worker.h) started on first use, stopped by gpt_free.
 * A model must not be used from two threads at once (the KV cache path, gpt_infer_*, only
 * reads the parameters, so several caches may run on one model concurrently while nobody
 * trains it).
 *
 * Loss: cross-entropy at every position (b, t) with weight w[b, t] >= 0;
 *     loss = sum(w * ce) / sum(w).
 * Positions with w = 0 cost no logits at all: the final LayerNorm and the vocabulary product
 * run only at weighted positions, and so does the last block except for its keys and values
 * (its output matters nowhere else).  Sequences in a batch share one length T <= context; the
 * caller pads with weight 0. */
#ifndef DOLAB_NN_GPT_H
#define DOLAB_NN_GPT_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define GPT_MAX_VOCAB 4096
#define GPT_MAX_CONTEXT 512
#define GPT_MAX_LAYERS 48
#define GPT_MAX_DIM 2048
#define GPT_MAX_HEADS 64
#define GPT_MAX_THREADS 2

typedef struct GptConfig {
    int vocab;   /* V, 2 .. GPT_MAX_VOCAB */
    int context; /* T max, 1 .. GPT_MAX_CONTEXT */
    int layers;  /* L, 1 .. GPT_MAX_LAYERS */
    int dim;     /* C, 1 .. GPT_MAX_DIM, a multiple of heads */
    int heads;   /* H, 1 .. GPT_MAX_HEADS */
} GptConfig;

/* The parameter table: X(name, shape dims (0 = absent), weight decay?).  Shapes use
 * V vocab, T context, L layers, C dim.  This order is the checkpoint order.
 * Decay follows GPT-2 / llm.c practice: every 2-D matrix (embeddings included) decays;
 * biases and LayerNorm gains/shifts do not. */
#define GPT_PARAM_TABLE(X)                                                                         \
    X(wte, V, C, 0, 1)                /* (V, C) token embedding, also the output matrix */        \
    X(wpe, T, C, 0, 1)                /* (T, C) position embedding */                             \
    X(ln1w, L, C, 0, 0)               /* (L, C) */                                                \
    X(ln1b, L, C, 0, 0)               /* (L, C) */                                                \
    X(qkvw, L, 3 * C, C, 1)           /* (L, 3C, C) */                                            \
    X(qkvb, L, 3 * C, 0, 0)           /* (L, 3C) */                                               \
    X(attprojw, L, C, C, 1)           /* (L, C, C) */                                             \
    X(attprojb, L, C, 0, 0)           /* (L, C) */                                                \
    X(ln2w, L, C, 0, 0)               /* (L, C) */                                                \
    X(ln2b, L, C, 0, 0)               /* (L, C) */                                                \
    X(fcw, L, 4 * C, C, 1)            /* (L, 4C, C) */                                            \
    X(fcb, L, 4 * C, 0, 0)            /* (L, 4C) */                                               \
    X(fcprojw, L, C, 4 * C, 1)        /* (L, C, 4C) */                                            \
    X(fcprojb, L, C, 0, 0)            /* (L, C) */                                                \
    X(lnfw, C, 0, 0, 0)               /* (C) */                                                   \
    X(lnfb, C, 0, 0, 0)               /* (C) */

typedef struct GptParams {
#define GPT_X_FIELD(name, d0, d1, d2, decay) float *name;
    GPT_PARAM_TABLE(GPT_X_FIELD)
#undef GPT_X_FIELD
} GptParams;

enum {
#define GPT_X_ENUM(name, d0, d1, d2, decay) GPT_T_##name,
    GPT_PARAM_TABLE(GPT_X_ENUM)
#undef GPT_X_ENUM
    GPT_NUM_TENSORS
};

typedef struct GptTensorInfo {
    const char *name;
    int rank;      /* 1 .. 3 */
    int shape[3];
    size_t offset; /* in floats from the start of the parameter block */
    size_t size;   /* in floats */
    int decay;     /* AdamW weight decay applies */
} GptTensorInfo;

typedef struct GptWork GptWork; /* one thread's workspace, private to gpt.c */
struct NnWorker;                /* nn/worker.h */

typedef struct Gpt {
    GptConfig cfg;
    size_t n_params;
    GptTensorInfo tensors[GPT_NUM_TENSORS];
    float *param_mem; /* (n_params) */
    GptParams p;      /* carved from param_mem */
    float *grad_mem;  /* (n_params) */
    GptParams g;      /* carved from grad_mem */
    float *adam_m;    /* (n_params) first moments, allocated by the first gpt_update */
    float *adam_v;    /* (n_params) second moments */
    long adam_steps;  /* updates taken (bias correction) */
    int threads;
    GptWork *work[GPT_MAX_THREADS];
    struct NnWorker *worker; /* the second thread, started on first use */
} Gpt;

/* 0, or -1 with a message naming the bad field. */
int gpt_config_check(const GptConfig *c, Err *e);
/* Fills info[GPT_NUM_TENSORS] for a valid config; returns the parameter count. */
size_t gpt_tensor_table(const GptConfig *c, GptTensorInfo *info);

/* A new model, initialised deterministically from seed: N(0, 0.02) for matrices and
 * embeddings, N(0, 0.02/sqrt(2L)) for the two residual projections, 0 biases, LayerNorm
 * gains 1.  Sets OpenBLAS to one thread.  NULL with e set on a bad config or no memory. */
Gpt *gpt_create(const GptConfig *c, uint64_t seed, Err *e);
/* Numeric tokens: ids first .. first+n-1 stand for the numbers vals[0..n) (|vals| <= vmax).
 * Adds to each one's embedding scale * s0 * (v/vmax * u + |v|/vmax * w), where s0 = 0.02 sqrt(C)
 * is the typical norm of a random initial embedding and u, w are orthonormal directions drawn
 * from seed: the number's sign and size are readable along a line from the first step, instead
 * of being learnt from the loss alone.  A no-op with scale 0.  0, or -1 when out of memory. */
int gpt_init_numeric(Gpt *m, int first, int n, const float *vals, float vmax, float scale, uint64_t seed);
/* Initialises m again as gpt_create(&cfg, seed) would, and forgets the optimiser's state
 * (AdamW moments and step count): a fresh start in the same memory. */
void gpt_reinit(Gpt *m, uint64_t seed);
/* The same model with every parameter 0 (no initialisation), for loaders that fill them. */
Gpt *gpt_alloc(const GptConfig *c, Err *e);
void gpt_free(Gpt *m);
/* 1 or 2 threads (values outside are clamped).  Returns the count now in force. */
int gpt_set_threads(Gpt *m, int n);
int gpt_threads(const Gpt *m);

void gpt_zero_grad(Gpt *m);
/* Forward + backward on one batch: ADDS the gradient of the loss into m->g (call
 * gpt_zero_grad first) and stores the loss.  tokens, targets (B, T) ints in [0, V) (targets
 * only checked where the weight is non-zero); weights (B, T), each >= 0, sum > 0. */
int gpt_backward(Gpt *m, const int *tokens, const int *targets, const float *weights, int B, int T,
                 float *loss, Err *e);
/* The same loss, forward only (no gradients touched). */
int gpt_loss(Gpt *m, const int *tokens, const int *targets, const float *weights, int B, int T,
             float *loss, Err *e);
/* Logits at every position: logits (B, T, V). */
int gpt_forward(Gpt *m, const int *tokens, int B, int T, float *logits, Err *e);

typedef struct GptAdamW {
    float beta1, beta2, eps;
    float weight_decay; /* decoupled, applied as p -= lr * wd * p to decaying tensors */
    float grad_clip;    /* global L2 norm cap; <= 0 disables */
} GptAdamW;
GptAdamW gpt_adamw_default(void); /* 0.9, 0.95, 1e-8, 0.1, clip 1.0 */

/* One AdamW step from m->g with learning rate lr.  Returns the gradient's global L2 norm
 * before clipping; if that norm is not finite the step is skipped (the parameters and moments
 * stay as they were) and the norm is returned so the caller can stop.  -1 if out of memory. */
float gpt_update(Gpt *m, const GptAdamW *opt, float lr);

/* Linear warmup over `warmup` steps to lr_max, lr_max until step `hold` (warmup or less: no
 * hold), then cosine decay to lr_min at step `total` (and lr_min after).  step counts from 0. */
float gpt_lr_schedule(long step, long total, long warmup, long hold, float lr_max, float lr_min);

/* Floating-point operations one training step executes (matrix products and attention;
 * backward counted as twice the forward) on B sequences of T tokens with loss weights
 * weights (B, T): the last block and the logits run only at weighted positions. */
double gpt_train_flops(const GptConfig *c, int B, int T, const float *weights);

typedef struct GptBench {
    int steps;             /* timed steps (or inference calls) */
    double seconds;        /* wall time of the timed part */
    double cpu_seconds;    /* process CPU time of the timed part: on a busy machine,
                            * threads * seconds / cpu_seconds is how much of the cores it got */
    double tokens_per_s;   /* training: B*T tokens per step; inference: tokens fed */
    double gflops;         /* GFLOP/s executed (matrix products and attention) */
    double ms_per_step;
    double episodes_per_s; /* inference only */
    double mib;            /* training: memory the model holds (parameters, gradients, AdamW
                            * moments, every thread's activations), MiB */
} GptBench;
/* Bytes the model holds now: parameters, gradients, AdamW moments once allocated, and each
 * thread's activation workspace as last sized. */
size_t gpt_memory_bytes(const Gpt *m);
/* Monotonic wall and process CPU clocks, in seconds (for the benchmarks). */
double gpt_clock_wall(void);
double gpt_clock_cpu(void);

/* Times `steps` training steps (gpt_zero_grad + gpt_backward + gpt_update) on random tokens
 * with `weighted_per_seq` loss positions per sequence, after 2 warm-up steps. */
int gpt_bench_train(const GptConfig *c, int B, int T, int weighted_per_seq, int threads, int steps,
                    GptBench *out, Err *e);

#endif

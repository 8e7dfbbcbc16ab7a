/* ops — the transformer's kernels, one forward/backward pair per layer (llm.c style).
 *
 * Every tensor is float32, row-major and owned by the caller; no function here allocates,
 * keeps state between calls or fails.  Argument order is fixed:
 *     op_forward(out, cached..., in..., weights..., dims)
 *     op_backward(dinp, dweights..., dout, cached/in..., weights..., dims)
 * Backward functions ACCUMULATE (+=) into every gradient they are given, so the caller zeroes
 * gradient buffers once (gpt_zero_grad for the weights) and several paths can add into one.
 * A NULL gradient pointer means "not needed" where the comment says so.  Output buffers never
 * overlap inputs (except where a comment says "may be").
 *
 * Dimension names: N rows (tokens, B*T flattened), C channels in, OC channels out,
 * B sequences, T positions, H heads (C % H == 0), V vocabulary.
 *
 * Matrix products go through OpenBLAS cblas_sgemm.  nn_set_reference(1) switches every
 * product to the plain triple loop kept beside it (the tests compare the two). */
#ifndef DOLAB_NN_OPS_H
#define DOLAB_NN_OPS_H

#include <stddef.h>

/* Sets OpenBLAS to one thread (we split batches across our own threads).  Idempotent and
 * thread-safe; gpt_create calls it. */
void nn_blas_init(void);
/* OpenBLAS's kernel family in use, e.g. "Haswell" (OPENBLAS_CORETYPE in the environment
 * chooses it; on AVX-512 CPUs "SkylakeX" runs these products about 1.4x faster). */
const char *nn_blas_core(void);
/* The product kernel's practical peak on one core, GFLOP/s: the best of several n x n x n
 * sgemm calls (n = 512), the size where OpenBLAS runs closest to the hardware's FMA rate.
 * The benchmarks state their FLOP/s as a share of it.  Takes about 0.1 s. */
double nn_sgemm_peak(void);

/* 1: matrix products use the naive reference loops; 0 (default): cblas_sgemm.  A process-wide
 * switch meant for tests; set it while no model is running. */
void nn_set_reference(int on);
int nn_reference(void);

/* Fast float exp and tanh (polynomial/rational, about 2 ulp for exp, 3.1e-7 absolute for
 * tanh); branch-free so loops that call them vectorise.  exp clamps its argument to [-87, 88]. */
float nn_expf(float x);
float nn_tanhf(float x);

/* out = wte[token] + wpe[position]. */
void nn_encoder_forward(float *out,          /* (B, T, C) */
                        const int *tokens,   /* (B, T) in [0, V) */
                        const float *wte,    /* (V, C) */
                        const float *wpe,    /* (T, C) (at least T rows) */
                        int B, int T, int C);
void nn_encoder_backward(float *dwte,        /* (V, C) += */
                         float *dwpe,        /* (T, C) += */
                         const float *dout,  /* (B, T, C) */
                         const int *tokens,  /* (B, T) */
                         int B, int T, int C);

/* Per-row normalisation: out = (inp - mean) * rstd * w + b, eps 1e-5. */
void nn_layernorm_forward(float *out,        /* (N, C) */
                          float *mean,       /* (N) cached for backward */
                          float *rstd,       /* (N) cached for backward */
                          const float *inp,  /* (N, C) */
                          const float *w,    /* (C) */
                          const float *b,    /* (C) */
                          int N, int C);
void nn_layernorm_backward(float *dinp,      /* (N, C) += */
                           float *dw,        /* (C) += */
                           float *db,        /* (C) += */
                           const float *dout, /* (N, C) */
                           const float *inp, /* (N, C) */
                           const float *w,   /* (C) */
                           const float *mean, /* (N) */
                           const float *rstd, /* (N) */
                           int N, int C);

/* out = inp · wᵀ + bias (bias may be NULL). */
void nn_matmul_forward(float *out,           /* (N, OC) */
                       const float *inp,     /* (N, C) */
                       const float *w,       /* (OC, C) */
                       const float *bias,    /* (OC) or NULL */
                       int N, int C, int OC);
/* out += inp · wᵀ + bias: a linear layer added onto a residual stream already in out. */
void nn_matmul_forward_add(float *out,       /* (N, OC) */
                           const float *inp, /* (N, C) */
                           const float *w,   /* (OC, C) */
                           const float *bias, /* (OC) or NULL */
                           int N, int C, int OC);
void nn_matmul_backward(float *dinp,         /* (N, C) = (written, not added to), or NULL */
                        float *dw,           /* (OC, C) += */
                        float *dbias,        /* (OC) += , or NULL */
                        const float *dout,   /* (N, OC) */
                        const float *inp,    /* (N, C) */
                        const float *w,      /* (OC, C) */
                        int N, int C, int OC);

/* Causal multi-head self-attention on a packed qkv = [q | k | v] (each C wide, head h in
 * channels h*C/H .. (h+1)*C/H), computed for a set of query positions: rows (N) lists them as
 * b*T + t in increasing order, or is NULL for all B*T positions (N = B*T).  Query (b, t)
 * attends to positions 0..t of sequence b.  att keeps each query's softmax probabilities,
 * written as 0 past t.  The backward adds into dq at the query rows and dk, dv at every key
 * position a query saw.  scratch: nn_attention_scratch(T, C, H) floats.  Head sizes that are
 * a multiple of 8 (up to 64) take a vectorised path; others, and reference mode, plain loops. */
size_t nn_attention_scratch(int T, int C, int H);
void nn_attention_forward(float *out,        /* (N, C) */
                          float *att,        /* (N, H, T) */
                          const float *qkv,  /* (B, T, 3C) */
                          const int *rows,   /* (N) or NULL */
                          float *scratch,
                          int N, int T, int C, int H);
void nn_attention_backward(float *dqkv,      /* (B, T, 3C) += */
                           const float *dout, /* (N, C) */
                           const float *qkv, /* (B, T, 3C) */
                           const float *att, /* (N, H, T) */
                           const int *rows,  /* (N) or NULL */
                           float *scratch,
                           int N, int T, int C, int H);

/* The same attention for one new query per call, over n cached positions (the KV cache):
 * keys stored transposed, kt[c * ldk + j] for channel c and position j (ldk >= pad8(n),
 * entries past n finite); values as rows v[j * C + c].  scratch: at least ldk floats. */
void nn_attention_decode(float *out,         /* (C) */
                         const float *q,     /* (C) */
                         const float *kt,    /* (C, ldk) */
                         int ldk,
                         const float *v,     /* (n, C) */
                         int n, int C, int H, float *scratch);

/* GELU, tanh approximation (GPT-2). */
void nn_gelu_forward(float *out, const float *inp, size_t n); /* out may be inp */
void nn_gelu_backward(float *dinp,           /* (n) = (written, not added to) */
                      const float *dout, const float *inp, size_t n);

/* Softmax + cross-entropy on N rows of logits, row r weighted by w[r] * scale.
 * Forward turns logits into probabilities in place and returns sum_r w[r] * ce[r] (double).
 * Backward adds (probs - onehot(target)) * w[r] * scale into dlogits; it may be the probs
 * buffer itself (then it is overwritten, not accumulated: the documented exception). */
double nn_xent_forward(float *probs,         /* (N, V) logits in, probabilities out */
                       const int *targets,   /* (N) */
                       const float *w,       /* (N) */
                       int N, int V);
void nn_xent_backward(float *dlogits,        /* (N, V) */
                      const float *probs,    /* (N, V) */
                      const int *targets,    /* (N) */
                      const float *w,        /* (N) */
                      float scale, int N, int V);

/* AdamW with decoupled weight decay on n parameters:
 *   g' = g * gscale;  m = b1 m + (1 - b1) g';  v = b2 v + (1 - b2) g'^2;
 *   p -= lr * ((m / bias1) / (sqrt(v / bias2) + eps) + decay * p)
 * with bias1 = 1 - b1^t, bias2 = 1 - b2^t.  Elementwise, so any split of a range gives the
 * same result. */
typedef struct NnAdamStep {
    float lr, beta1, beta2, bias1, bias2, eps, decay, gscale;
} NnAdamStep;
void nn_adamw(float *p, float *m, float *v, const float *g, size_t n, const NnAdamStep *s);

/* Small vector helpers the model and the KV cache share. */
float nn_dot(const float *a, const float *b, int n);   /* 8 partial sums, fixed order */
void nn_axpy(float *y, float a, const float *x, int n); /* y += a x */

#endif

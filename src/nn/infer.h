/* infer — batched incremental decoding with a key/value cache.
 *
 * A GptCache holds, for up to `seqs` sequences of up to `len` positions, every layer's keys
 * and values, so appending a token costs one token's work: its projections (batched with the
 * other sequences' new tokens into one sgemm per layer) and attention over that sequence's
 * cached keys.  Each sequence has its own length; sequences of different lengths share a call.
 *
 * Ownership: gpt_cache_create allocates the cache (one allocation for keys, values and
 * scratch) and gpt_cache_free frees it, stopping its worker thread if it started one.  The cache belongs to the model it was made for and
 * only reads the model's parameters: several caches may decode on one model at once (one per
 * thread), as long as nobody trains the model meanwhile.  Callers own tokens/seq/logits. */
#ifndef DOLAB_NN_INFER_H
#define DOLAB_NN_INFER_H

#include "nn/gpt.h"

typedef struct GptCache GptCache;

/* A cache for `seqs` sequences of at most `len` tokens (1 <= len <= the model's context). */
GptCache *gpt_cache_create(const Gpt *m, int seqs, int len, Err *e);
void gpt_cache_free(GptCache *c);
/* 1 or 2 threads (default 2; values outside are clamped).  A call with 64 or more rows whose
 * two halves hold different sequences is split between the caller and a worker thread the
 * cache starts on first use.  Logits agree with 1 thread to float rounding.  With several
 * caches decoding in parallel threads, set 1. */
int gpt_cache_set_threads(GptCache *c, int n);
/* Empties sequence `seq` (seq < 0: every sequence) so it starts over at position 0. */
void gpt_cache_reset(GptCache *c, int seq);
/* Tokens held by sequence seq (-1 if seq is out of range). */
int gpt_cache_len(const GptCache *c, int seq);

/* Appends tokens[i] to sequence seq[i] for i < n and, if logits is not NULL, writes the
 * next-token logits after each of them into logits (n, V).  A sequence may be listed more than
 * once: its tokens are appended in list order (so a chunk of several tokens per sequence is
 * one call).  Checks every token, sequence index and remaining room before changing anything:
 * on error nothing is appended. */
int gpt_infer_step(const Gpt *m, GptCache *c, const int *tokens, const int *seq, int n,
                   float *logits, Err *e);
/* The same, with logits only where want[i] is non-zero: logits gets one row per such i, in
 * order (want NULL: every row, as gpt_infer_step).  Rows not asked for skip the final
 * LayerNorm and the vocabulary product. */
int gpt_infer_feed(const Gpt *m, GptCache *c, const int *tokens, const int *seq, int n,
                   const unsigned char *want, float *logits, Err *e);
/* Appends n tokens to one sequence; logits (V) after the last one, or NULL. */
int gpt_infer_prefix(const Gpt *m, GptCache *c, int seq, const int *tokens, int n, float *logits,
                     Err *e);

/* Times decoding of `episodes` episodes of episode_len tokens, `seqs` at a time, one token
 * per sequence per gpt_infer_step, logits asked at `logits_per_episode` of the steps, with
 * `threads` threads. */
int gpt_bench_infer(const GptConfig *c, int seqs, int episode_len, int logits_per_episode,
                    int threads, int episodes, GptBench *out, Err *e);

#endif

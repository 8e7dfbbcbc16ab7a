/* train — passive training: the model reads only the expert's stream.
 *
 * Every step draws `batch` fresh expert episodes from the experiment's training mix (worlds
 * whose structure is held out are filtered away), tokenises them as the stream, and takes one
 * AdamW step on the cross-entropy of the next token, weighted per target token class.
 * Deterministic for a seed (bitwise with one thread).  Progress goes to stderr (bar with ETA
 * on a terminal, plain lines otherwise) with a quick active evaluation every eval_every steps
 * on a development seed that is never the seed of the reported evaluation.
 *
 * Ownership: train_run fills a TrainResult whose model, vocabulary and curve it owns; free
 * them with train_result_free. */
#ifndef DOLAB_LEARN_TRAIN_H
#define DOLAB_LEARN_TRAIN_H

#include "learn/exp.h"
#include "nn/gpt.h"
#include "world/tok.h"

typedef struct TrainPoint {
    long step;
    float loss;     /* mean training loss since the previous point */
    double seconds; /* since the start */
    double dev_reward; /* quick active evaluation (held-out dev episodes), NAN if none */
} TrainPoint;

typedef struct TrainResult {
    Gpt *model;
    Vocab *vocab;
    long steps;
    double seconds, tokens_per_s;
    float final_loss;
    int n_curve;
    TrainPoint *curve;
    int n_restarts;
    long *restarts; /* the steps after which the model started again from a new initialisation */
    long cooled_from; /* train.cooldown: the step stop_at was reached and the cooldown began; 0: none */
} TrainResult;

typedef struct TrainHooks {
    /* Called after every step; returning non-zero cancels training (an error "cancelled"). */
    int (*on_step)(void *ctx, long step, long total, float loss);
    /* Called after every development evaluation (train.eval_every): its step and reward. */
    void (*on_eval)(void *ctx, long step, double dev_reward);
    void *ctx;
    int quiet; /* no progress on stderr */
} TrainHooks;

/* Vocabulary of an experiment: the base stream, its declared words and its templates' words
 * (compiling x->explain against it, hence not const). */
Vocab *train_vocab(Experiment *x, Err *e);
/* Training episode `index` (played by its mix component's demonstrator) and its tokens: what
 * the model reads. */
int train_episode(const Experiment *x, uint64_t index, Episode *ep, TokSeq *ts, Err *e);
/* The mix component (0-based) training episode `index` is drawn from. */
int train_episode_mix(const Experiment *x, uint64_t index);
/* Fills one training batch (exposed for tests): tokens, targets (B, T) and weights (B, T);
 * returns T (the longest episode) or -1. */
int train_batch(const Experiment *x, uint64_t step, int *tokens, int *targets, float *weights, int T_max, Err *e);
int train_run(Experiment *x, const TrainHooks *hooks, TrainResult *out, Err *e);
/* The learning rate of step (from 0) of x's schedule: warmup over train.warmup of the steps,
 * the peak train.lr until the cosine's share (train.decay) begins, then down to train.lr_min. */
float train_lr(const Experiment *x, long step);
/* train.cooldown: the rate k steps (from 0) after stop_at was reached at rate lr0, straight down
 * to train.lr_min at the cooldown's last step. */
float train_cooldown_lr(const Experiment *x, float lr0, long k);
/* The seed of a model's initial weights in attempt k (0: the first, x->seed itself; k >= 1:
 * after k restarts, train.restart_below). */
uint64_t train_init_seed(const Experiment *x, int k);
void train_result_free(TrainResult *r);

/* Loads a checkpoint made by train_save: the model (gpt_free), its experiment rebuilt from the
 * header, and the header's meta object (cJSON_Delete).  The vocabulary must match this build's
 * stream.  On error nothing is returned to free. */
int train_load(const char *path, Gpt **m, Experiment *x, cJSON **meta, Err *e);
/* Rebuilds a checkpoint's experiment from the script it keeps (meta.script, written by
 * train_save_script); the layer that runs scripts provides it.  Returns 0 or -1 with e set. */
typedef int (*TrainRebuild)(const cJSON *meta, Experiment *x, void *ctx, Err *e);
/* train_load, but a checkpoint that keeps its script has its experiment rebuilt by rebuild
 * (Lua predicates work again), which must give exactly the experiment the header records (the
 * first field that differs is named); one without a script is read from the header as before. */
int train_load_with(const char *path, Gpt **m, Experiment *x, cJSON **meta, TrainRebuild rebuild, void *ctx, Err *e);
/* The training record as JSON (steps, seconds, tokens/s, final loss, curve of [step, loss,
 * dev reward or null]): a new object the caller owns. */
cJSON *train_record_json(const TrainResult *r);
/* Checks such a record (as kept in checkpoints and notebooks), naming fields as name.curve[3]. */
int train_record_check(const cJSON *tr, const char *name, Err *e);
/* Saves model + vocabulary + experiment + training record as one checkpoint (atomic). */
int train_save(const char *path, const TrainResult *r, const Experiment *x, const cJSON *extra, Err *e);
/* The same, keeping the script that made the experiment (as lab_script_json writes it: path,
 * text, the modules it required, settings, quick) in meta.script; script may be NULL. */
int train_save_script(const char *path, const TrainResult *r, const Experiment *x, const cJSON *extra,
                      const cJSON *script, Err *e);

#endif

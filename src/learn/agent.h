/* agent — the trained model as one more strategy (world/strategy.h).
 *
 * At each decision the model reads the stream of its own episode so far (fed incrementally
 * through a KV cache, a batch of episodes per call) and picks the most likely legal token
 * (or samples with a temperature): the variable to explore, then at the exploit the variable
 * and the sign.  Where the stream format has explanations, the model writes them itself after
 * each observation; the world supplies the observations.  If a step appears that the model
 * did not choose (a person took over), it is fed as it happened; if steps disappear (undo),
 * the episode is replayed from the start.
 *
 * Ownership: agent_new borrows the model (it must outlive the strategy) and owns its cache;
 * free it with s->destroy(s). */
#ifndef DOLAB_LEARN_AGENT_H
#define DOLAB_LEARN_AGENT_H

#include "nn/gpt.h"
#include "world/strategy.h"
#include "world/tok.h"

/* temperature 0: argmax.  seed feeds sampling (per episode and step, so batching does not
 * change a choice). */
Strategy *agent_new(const Gpt *model, const TokFormat *fmt, double temperature, uint64_t seed, Err *e);

/* The model's distribution at its last decision for batch slot `id`: probs[v] for every
 * variable v (0 for illegal ones), and for the exploit the sign probabilities (p_plus).
 * Returns the decision kind (0 none yet, 1 explore, 2 exploit). */
int agent_last_probs(const Strategy *s, int id, double probs[SCM_MAX_VARS], double *p_plus);
/* The tokens the model has read and written for slot id (borrowed; valid until next act). */
const int *agent_tokens(const Strategy *s, int id, int *n);
/* 1 if s is a model made by agent_new. */
int agent_is(const Strategy *s);
/* The explanation the model wrote for slot id just before its exploit (after "goal max X"):
 * returns the number of tokens it wrote (0: none, or no goal yet; -1: s is not a model) and
 * sets *named to the first variable those tokens name (-1: none); tok_exploit_explanation. */
int agent_exploit_explanation(const Strategy *s, int id, int *named);

#endif

/* tok — the stream: vocabulary, tokens of an episode, and the readable text form.
 *
 * Token ids have a fixed layout: specials, the eight variable names, 81 value tokens
 * (-20.0 .. 20.0 in steps of 0.5), then words (explanations; an experiment may add its own).
 * Every token in a sequence carries a class: agent action, observation, goal (the task the
 * environment states: goal, cue) or explanation.  An observation is its values in variable
 * order without a name before each (measured: names before values slow learning a lot).
 *
 *   <bos> [cue X Y ..] [obs v..]*k (do X v.. [| expl..])*K goal max T do X +|-
 *
 * The text form names every value for people (DESIGN.md) and parses back to the same tokens.
 * A Vocab is heap-allocated: tok_vocab_new / tok_vocab_free; names it returns are borrowed. */
#ifndef DOLAB_WORLD_TOK_H
#define DOLAB_WORLD_TOK_H

#include <stdint.h>

#include "util/err.h"
#include "util/strbuf.h"
#include "world/episode.h"

enum {
    TOK_PAD, TOK_BOS, TOK_END, TOK_OBS, TOK_DO, TOK_GOAL, TOK_MAX, TOK_BAR, TOK_PLUS, TOK_MINUS, TOK_CUE,
    TOK_COMMA,
    TOK_VAR0,                          /* A .. H */
    TOK_VAL0 = TOK_VAR0 + SCM_MAX_VARS, /* -20.0 .. +20.0 step 0.5 */
    TOK_NVALUES = 81,
    TOK_WORD0 = TOK_VAL0 + TOK_NVALUES, /* explanation words from here on */
};
#define TOK_VALUE_MAX 20.0
#define TOK_MAX_LEN 1024
#define TOK_MAX_VOCAB 4096

typedef enum TokClass { TOKC_ACTION, TOKC_OBS, TOKC_GOAL, TOKC_EXPL, TOKC_COUNT } TokClass;

typedef struct Vocab Vocab;

/* The base vocabulary plus the built-in explanation words. NULL on out-of-memory. */
Vocab *tok_vocab_new(void);
void tok_vocab_free(Vocab *v);
int tok_vocab_size(const Vocab *v);
/* Adds a word (letters, digits, '_' or '\''; not a number or an existing special);
 * returns its id (the existing id if already there) or -1 with e set. */
int tok_vocab_add(Vocab *v, const char *word, Err *e);
int tok_find(const Vocab *v, const char *name); /* -1 if absent */
const char *tok_name(const Vocab *v, int id);   /* "?" if out of range */
const char *tok_class_name(TokClass c);

static inline int tok_var(int v) { return TOK_VAR0 + v; }
static inline int tok_is_var(int t) { return t >= TOK_VAR0 && t < TOK_VAL0; }
/* Value -> token: rounded to the nearest 0.5, clipped to +-20. */
int tok_value(double x);
static inline int tok_is_value(int t) { return t >= TOK_VAL0 && t < TOK_WORD0; }
static inline double tok_value_of(int t) { return (t - TOK_VAL0) * 0.5 - TOK_VALUE_MAX; }

typedef struct TokFormat {
    int explain; /* 1: after each exploration observation, "| X raises Y , X lowers Z" */
} TokFormat;

typedef struct TokSeq {
    int n;
    int tok[TOK_MAX_LEN];
    uint8_t cls[TOK_MAX_LEN];
} TokSeq;

/* Tokens of what the view has revealed so far (a prefix of the full episode once it is done). */
int tok_encode(const TokFormat *f, const EpView *v, TokSeq *out, Err *e);
/* Tokens that explain exploration step s of v (appended to out with class TOKC_EXPL). */
int tok_explain_step(const EpView *v, int s, TokSeq *out, Err *e);

/* Readable text of a token sequence, one line per event.  value is the exploration value
 * (shown as do X=+5).  If ep is given and its exploit is done, the exploit line also shows the
 * expected goal value ("do C=-5 -> E=6.0"). */
void tok_render(const Vocab *voc, const int *tok, int n, double value, const Episode *ep, SB *out);
/* Parses text made by tok_render back into tokens (and classes); blank lines and lines
 * starting with '#' are skipped.  Errors name the line and the word. */
int tok_parse(const Vocab *voc, const char *text, TokSeq *out, Err *e);
/* Space-separated token names. */
void tok_render_names(const Vocab *voc, const int *tok, int n, SB *out);

#endif

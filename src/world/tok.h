/* tok — the stream: vocabulary, tokens of an episode, and the readable text form.
 *
 * Token ids have a fixed layout: specials, the eight variable names, 81 value tokens
 * (-20.0 .. 20.0 in steps of 0.5), then words (explanations; an experiment may add its own).
 * Every token in a sequence carries a class: agent action, observation, goal (the task the
 * environment states: goal, cue) or explanation.  An observation is its values in variable
 * order without a name before each (measured: names before values slow learning a lot).
 *
 *   <bos> [Q] [cue X Y ..] [obs v..]*k (do X v.. [| expl..])*K goal max T do X +|-
 *
 * Q, the quality token (optional): one word that says who demonstrated the episode or how well
 * it went (a strategy's name, or a reward bucket q_neg q_low q_mid q_high), written "quality Q".
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
/* A token an explanation may hold: its "|", words, variables, values ({delta}, {assoc_value}),
 * "," and the signs ({sign}); everything a template can write, and what the model may write
 * when it explains (never the stream's own structure: do, goal, obs, ...). */
static inline int tok_is_expl(int t) {
    return t == TOK_BAR || t == TOK_COMMA || t == TOK_PLUS || t == TOK_MINUS || tok_is_var(t) || tok_is_value(t) ||
           t >= TOK_WORD0;
}

/* Explanations: templates (compiled to tokens against a vocabulary) or callbacks.
 *   after_observation  rendered once per variable Y that the intervention on X visibly moved
 *                      (|shown value| >= threshold), joined by ",":  {actor}=X {variable}=Y
 *                      {verb}=raises|lowers {delta}=Y's shown value
 *   nothing            when nothing moved: {actor}
 *   before_exploit     once, after the goal and before the exploit: {goal} {choice} {sign}
 *                      {verb} (the measured effect of choice on goal) {delta} (goal's value
 *                      under do(choice)) {assoc} (the associational cue, tok_assoc_cue)
 *                      {assoc_value} (the cue's value in the last passive observation, as
 *                      the stream shows it; 0 without passive observations)
 * A callback, if set, replaces its template: it appends explanation tokens (without the
 * leading "|") to out and returns 0, or -1 with e set. */
#define TOK_TEMPLATE_MAX 24
typedef struct TokTemplate {
    char text[160];             /* as written: "{actor} {verb} {variable}" */
    int n;
    int part[TOK_TEMPLATE_MAX]; /* compiled: token id >= 0, or -1 - placeholder index */
} TokTemplate;

typedef struct TokSeq TokSeq;
typedef struct TokExplain {
    TokTemplate after_obs, nothing, before_exploit;
    double threshold;
    int (*fn_after)(void *ctx, const EpView *v, int step, TokSeq *out, Err *e);
    int (*fn_before)(void *ctx, const EpView *v, TokSeq *out, Err *e);
    void *ctx;
} TokExplain;

/* The built-in explanations ("A raises C, A lowers E" / "A changes nothing"), compiled. */
const TokExplain *tok_explain_builtin(void);
/* Sets a template's text (empty: none); it is compiled by tok_explain_compile. */
int tok_template_set(TokTemplate *t, const char *text, Err *e);
/* Adds every literal word of the templates to v and compiles them; placeholders that do not
 * belong to a template are errors naming the template. */
int tok_explain_compile(TokExplain *x, Vocab *v, Err *e);

typedef struct TokFormat {
    int explain;             /* 1: explanations in the stream */
    int quality;             /* the quality token after <bos> (a word id >= TOK_WORD0); 0: none */
    const TokExplain *spec;  /* NULL: tok_explain_builtin() */
    int expl_max;            /* longest explanation (tokens after "|"); 0: 4 per variable */
} TokFormat;

struct TokSeq {
    int n;
    int tok[TOK_MAX_LEN];
    uint8_t cls[TOK_MAX_LEN];
};

/* Tokens of what the view has revealed so far (a prefix of the full episode once it is done). */
int tok_encode(const TokFormat *f, const EpView *v, TokSeq *out, Err *e);
/* Tokens that explain exploration step s of v, "| ..." (appended with class TOKC_EXPL). */
int tok_explain_step(const TokExplain *x, const EpView *v, int s, TokSeq *out, Err *e);
/* Tokens that explain the exploit before it is made, "| ..."; nothing if x has none. */
int tok_explain_exploit(const TokExplain *x, const EpView *v, TokSeq *out, Err *e);
/* Does the format write explanations after observations / before the exploit? */
int tok_format_explains_steps(const TokFormat *f);
int tok_format_explains_exploit(const TokFormat *f);
/* The associational cue, among the variables that may be set; -1 if none.  With one passive
 * observation: the variable whose value as the stream shows it (tok_value) is closest to the
 * goal's, the first of equals, *sign as exploration showed
 * its effect on the goal (as the expert reads it; +1 before it is explored).  With two or more:
 * the variable most correlated with the goal (|r|) over them, *sign the sign of r.  With none:
 * the same over every sample seen. */
int tok_assoc_cue(const EpView *v, int *sign);
/* The explanation in a token sequence just before its exploit: the tokens after the last
 * "goal max X" up to the next `do`, bars left out.  Returns how many there are and sets *named
 * to the first variable among them (-1: none) -- with the templates "{choice} {verb} {goal}"
 * and "{assoc} tracks {goal}", the variable given as the reason for the choice. */
int tok_exploit_explanation(const int *tok, int n, int *named);

/* Quality tokens: the reward buckets of normalised reward r (q_neg below 0, q_low below 0.5,
 * q_mid below 0.95, q_high from 0.95), and the bucket of r. */
#define TOK_QBUCKETS 4
extern const char *const tok_qbucket_names[TOK_QBUCKETS];
int tok_qbucket(double norm_reward);
int tok_is_qbucket(const char *word);

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

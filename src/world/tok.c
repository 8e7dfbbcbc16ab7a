#include "world/tok.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct Vocab {
    int size;
    char *names[TOK_MAX_VOCAB];
};

static const char *const special_names[TOK_VAR0] = {"<pad>", "<bos>", "<end>", "obs", "do",  "goal",
                                                    "max",   "|",     "+",     "-",   "cue", ","};
static const char *const builtin_words[] = {"raises", "lowers", "changes", "nothing"};
enum { W_RAISES, W_LOWERS, W_CHANGES, W_NOTHING };

const char *tok_class_name(TokClass c) {
    static const char *const n[TOKC_COUNT] = {"action", "observation", "goal", "explanation"};
    return (unsigned)c < TOKC_COUNT ? n[c] : "?";
}

static char *dupstr(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

Vocab *tok_vocab_new(void) {
    Vocab *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    char buf[16];
    for (int i = 0; i < TOK_WORD0; i++) {
        if (i < TOK_VAR0) {
            v->names[i] = dupstr(special_names[i]);
        } else if (i < TOK_VAL0) {
            buf[0] = scm_name(i - TOK_VAR0);
            buf[1] = 0;
            v->names[i] = dupstr(buf);
        } else {
            snprintf(buf, sizeof buf, "%.1f", tok_value_of(i));
            v->names[i] = dupstr(buf);
        }
        if (!v->names[i]) {
            v->size = i;
            tok_vocab_free(v);
            return NULL;
        }
    }
    v->size = TOK_WORD0;
    for (size_t k = 0; k < sizeof builtin_words / sizeof *builtin_words; k++)
        if (tok_vocab_add(v, builtin_words[k], NULL) < 0) {
            tok_vocab_free(v);
            return NULL;
        }
    return v;
}

void tok_vocab_free(Vocab *v) {
    if (!v) return;
    for (int i = 0; i < v->size; i++) free(v->names[i]);
    free(v);
}

int tok_vocab_size(const Vocab *v) { return v->size; }

int tok_find(const Vocab *v, const char *name) {
    /* Values and variables are found by arithmetic; words by a scan (few of them). */
    for (int i = 0; i < v->size; i++)
        if (strcmp(v->names[i], name) == 0) return i;
    return -1;
}

const char *tok_name(const Vocab *v, int id) { return (id >= 0 && id < v->size) ? v->names[id] : "?"; }

int tok_vocab_add(Vocab *v, const char *word, Err *e) {
    int have = tok_find(v, word);
    if (have >= TOK_WORD0) return have;
    if (have >= 0) return err_set(e, "word '%s' is reserved by the stream", word);
    size_t n = strlen(word);
    if (n == 0 || n > 32) return err_set(e, "word '%s': expected 1 to 32 characters", word);
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)word[i]) || word[i] == '_' || word[i] == '\''))
            return err_set(e, "word '%s': only letters, digits, _ and ' may appear in a word", word);
    if (isdigit((unsigned char)word[0])) return err_set(e, "word '%s': a word may not start with a digit", word);
    if (v->size >= TOK_MAX_VOCAB) return err_set(e, "vocabulary full (%d tokens)", TOK_MAX_VOCAB);
    char *d = dupstr(word);
    if (!d) return err_set(e, "out of memory");
    v->names[v->size] = d;
    return v->size++;
}

int tok_value(double x) {
    if (!(x == x)) x = 0; /* NaN: should not happen; keep the stream well-formed */
    if (x > TOK_VALUE_MAX) x = TOK_VALUE_MAX;
    if (x < -TOK_VALUE_MAX) x = -TOK_VALUE_MAX;
    return TOK_VAL0 + (int)lround((x + TOK_VALUE_MAX) * 2.0);
}

static int push(TokSeq *s, int t, TokClass c, Err *e) {
    if (s->n >= TOK_MAX_LEN) return err_set(e, "episode longer than %d tokens", TOK_MAX_LEN);
    s->tok[s->n] = t;
    s->cls[s->n] = (uint8_t)c;
    s->n++;
    return 0;
}

/* ---- explanations ------------------------------------------------------------------------ */

enum { PH_ACTOR, PH_VARIABLE, PH_VERB, PH_DELTA, PH_GOAL, PH_CHOICE, PH_SIGN, PH_ASSOC, PH_ASSOC_VALUE, PH_COUNT };
static const char *const ph_names[PH_COUNT] = {"actor", "variable", "verb", "delta", "goal", "choice", "sign", "assoc", "assoc_value"};
#define PH(k) (-1 - (k))

static const TokExplain builtin_explain = {
    .after_obs = {"{actor} {verb} {variable}", 3, {PH(PH_ACTOR), PH(PH_VERB), PH(PH_VARIABLE)}},
    .nothing = {"{actor} changes nothing", 3, {PH(PH_ACTOR), TOK_WORD0 + W_CHANGES, TOK_WORD0 + W_NOTHING}},
    .before_exploit = {"", 0, {0}},
    .threshold = 1.0,
};

const TokExplain *tok_explain_builtin(void) { return &builtin_explain; }

int tok_template_set(TokTemplate *t, const char *text, Err *e) {
    if (strlen(text) >= sizeof t->text)
        return err_set(e, "explanation template longer than %zu characters", sizeof t->text - 1);
    memset(t, 0, sizeof *t);
    snprintf(t->text, sizeof t->text, "%s", text);
    t->n = -1; /* not compiled yet */
    return 0;
}

static int compile_one(TokTemplate *t, const char *which, unsigned allowed, Vocab *v, Err *e) {
    char buf[sizeof t->text];
    snprintf(buf, sizeof buf, "%s", t->text);
    t->n = 0;
    char *save = NULL;
    for (char *w = strtok_r(buf, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
        if (t->n >= TOK_TEMPLATE_MAX) return err_set(e, "explain.%s: more than %d words", which, TOK_TEMPLATE_MAX);
        size_t len = strlen(w);
        if (w[0] == '{') {
            int k = -1;
            for (int i = 0; i < PH_COUNT; i++)
                if (len == strlen(ph_names[i]) + 2 && strncmp(w + 1, ph_names[i], len - 2) == 0 && w[len - 1] == '}') k = i;
            if (k < 0 || !((allowed >> k) & 1u))
                return err_set(e, "explain.%s: '%s' is not a placeholder of this template", which, w);
            t->part[t->n++] = PH(k);
            continue;
        }
        int id = tok_find(v, w);
        if (id < 0 || (id < TOK_WORD0 && !tok_is_var(id) && !tok_is_value(id) && id != TOK_COMMA && id != TOK_PLUS &&
                       id != TOK_MINUS))
            id = tok_vocab_add(v, w, e);
        if (id < 0) return err_prefix(e, "explain.%s", which);
        t->part[t->n++] = id;
    }
    return 0;
}

int tok_explain_compile(TokExplain *x, Vocab *v, Err *e) {
    const unsigned obs = 1u << PH_ACTOR | 1u << PH_VARIABLE | 1u << PH_VERB | 1u << PH_DELTA;
    const unsigned ex = 1u << PH_GOAL | 1u << PH_CHOICE | 1u << PH_SIGN | 1u << PH_VERB | 1u << PH_DELTA | 1u << PH_ASSOC |
                       1u << PH_ASSOC_VALUE;
    if (compile_one(&x->after_obs, "after_observation", obs, v, e)) return -1;
    if (compile_one(&x->nothing, "nothing", 1u << PH_ACTOR, v, e)) return -1;
    return compile_one(&x->before_exploit, "before_exploit", ex, v, e);
}

static int emit(const TokTemplate *t, const int ph[PH_COUNT], TokSeq *out, Err *e) {
    for (int i = 0; i < t->n; i++) {
        int id = t->part[i] >= 0 ? t->part[i] : ph[-1 - t->part[i]];
        if (push(out, id, TOKC_EXPL, e)) return -1;
    }
    return 0;
}

int tok_explain_step(const TokExplain *x, const EpView *v, int s, TokSeq *out, Err *e) {
    if (!x) x = &builtin_explain;
    if (push(out, TOK_BAR, TOKC_EXPL, e)) return -1;
    if (x->fn_after) {
        int start = out->n;
        if (x->fn_after(x->ctx, v, s, out, e)) return -1;
        for (int i = start; i < out->n; i++) out->cls[i] = TOKC_EXPL;
        return 0;
    }
    const EpStep *st = &v->steps[s];
    int ph[PH_COUNT] = {0}, any = 0;
    ph[PH_ACTOR] = tok_var(st->var);
    for (int y = 0; y < v->n; y++) {
        if (y == st->var) continue;
        int vt = tok_value(st->obs[y]);
        double r = tok_value_of(vt); /* what the stream shows */
        if (fabs(r) < x->threshold || r == 0.0) continue;
        if (any && push(out, TOK_COMMA, TOKC_EXPL, e)) return -1;
        ph[PH_VARIABLE] = tok_var(y);
        ph[PH_VERB] = TOK_WORD0 + (r > 0 ? W_RAISES : W_LOWERS);
        ph[PH_DELTA] = vt;
        if (emit(&x->after_obs, ph, out, e)) return -1;
        any = 1;
    }
    if (!any && emit(&x->nothing, ph, out, e)) return -1;
    return 0;
}

/* A value as the stream shows it (rounded to its token). */
static double shown(double x) { return tok_value_of(tok_value(x)); }

int tok_assoc_cue(const EpView *v, int *sign) {
    if (v->n_passive == 1 && v->goal >= 0) {
        /* one snapshot: the variable whose value, as the stream shows it, is closest to the
         * goal's (it "tracks" it); of equals the first, so the cue is always readable */
        const double *p = v->passive[0];
        double g = shown(p[v->goal]);
        int best = -1;
        double gap = INFINITY;
        for (int x = 0; x < v->n; x++) {
            /* rule 1: the highest variable (the smallest gap to +infinity) */
            double d = v->assoc_rule == 1 ? -shown(p[x]) : fabs(shown(p[x]) - g);
            if (ep_can_exploit(v, x) && d < gap) {
                gap = d;
                best = x;
            }
        }
        /* the cue says which variable; how to set it is what exploration showed of it, as
         * the expert reads it (+ when not explored): so the cue and the expert's choice can
         * agree in either sign, and a cue-follower is judged on its choice of variable */
        if (sign) {
            double eff = best >= 0 ? ep_seen(v, best, v->goal) / v->value : NAN;
            *sign = eff < 0 ? -1 : 1;
        }
        return best;
    }
    /* correlation over the passive observations, or over every sample if there are too few */
    if (v->goal < 0 || v->n_passive + v->n_steps < 2) return -1;
    return ep_most_correlated(v, v->n_passive < 2, sign);
}

int tok_explain_exploit(const TokExplain *x, const EpView *v, TokSeq *out, Err *e) {
    if (!x) x = &builtin_explain;
    if (!x->fn_before && x->before_exploit.n <= 0) return 0;
    if (v->exploit_var < 0 || v->goal < 0) return 0;
    if (push(out, TOK_BAR, TOKC_EXPL, e)) return -1;
    if (x->fn_before) {
        int start = out->n;
        if (x->fn_before(x->ctx, v, out, e)) return -1;
        for (int i = start; i < out->n; i++) out->cls[i] = TOKC_EXPL;
        return 0;
    }
    int ph[PH_COUNT] = {0};
    ph[PH_GOAL] = tok_var(v->goal);
    ph[PH_CHOICE] = tok_var(v->exploit_var);
    ph[PH_SIGN] = v->exploit_sign < 0 ? TOK_MINUS : TOK_PLUS;
    double seen = ep_seen(v, v->exploit_var, v->goal);
    if (isnan(seen)) seen = 0;
    ph[PH_VERB] = TOK_WORD0 + (seen * v->value < 0 ? W_LOWERS : W_RAISES);
    ph[PH_DELTA] = tok_value(seen);
    int as = tok_assoc_cue(v, NULL);
    ph[PH_ASSOC] = tok_var(as < 0 ? v->exploit_var : as);
    /* the evidence for the cue: its value in the last passive observation (0 without one) */
    ph[PH_ASSOC_VALUE] = tok_value(as >= 0 && v->n_passive > 0 ? v->passive[v->n_passive - 1][as] : 0.0);
    return emit(&x->before_exploit, ph, out, e);
}

int tok_exploit_explanation(const int *tok, int n, int *named) {
    *named = -1;
    /* the last "goal max X": what follows it up to the exploit's `do` is the explanation */
    int g = -1;
    for (int i = 0; i + 2 < n; i++)
        if (tok[i] == TOK_GOAL) g = i;
    if (g < 0) return 0;
    int len = 0;
    for (int i = g + 3; i < n && tok[i] != TOK_DO; i++) {
        if (tok[i] == TOK_BAR) continue;
        if (*named < 0 && tok_is_var(tok[i])) *named = tok[i] - TOK_VAR0;
        len++;
    }
    return len;
}

int tok_format_explains_steps(const TokFormat *f) {
    if (!f || !f->explain) return 0;
    const TokExplain *x = f->spec ? f->spec : &builtin_explain;
    return x->fn_after != NULL || x->after_obs.n > 0 || x->nothing.n > 0;
}

int tok_format_explains_exploit(const TokFormat *f) {
    if (!f || !f->explain) return 0;
    const TokExplain *x = f->spec ? f->spec : &builtin_explain;
    return x->fn_before != NULL || x->before_exploit.n > 0;
}

const char *const tok_qbucket_names[TOK_QBUCKETS] = {"q_neg", "q_low", "q_mid", "q_high"};

int tok_qbucket(double r) { return r < 0 ? 0 : r < 0.5 ? 1 : r < 0.95 ? 2 : 3; }

int tok_is_qbucket(const char *word) {
    for (int i = 0; i < TOK_QBUCKETS; i++)
        if (strcmp(word, tok_qbucket_names[i]) == 0) return 1;
    return 0;
}

int tok_encode(const TokFormat *f, const EpView *v, TokSeq *out, Err *e) {
    out->n = 0;
    if (push(out, TOK_BOS, TOKC_OBS, e)) return -1;
    if (f && f->quality >= TOK_WORD0 && push(out, f->quality, TOKC_GOAL, e)) return -1;
    if (v->cued) {
        if (push(out, TOK_CUE, TOKC_GOAL, e)) return -1;
        for (int x = 0; x < v->n; x++)
            if (((v->relevant >> x) & 1u) && push(out, tok_var(x), TOKC_GOAL, e)) return -1;
    }
    for (int i = 0; i < v->n_passive; i++) {
        if (push(out, TOK_OBS, TOKC_OBS, e)) return -1;
        for (int x = 0; x < v->n; x++)
            if (push(out, tok_value(v->passive[i][x]), TOKC_OBS, e)) return -1;
    }
    for (int s = 0; s < v->n_steps; s++) {
        if (push(out, TOK_DO, TOKC_ACTION, e) || push(out, tok_var(v->steps[s].var), TOKC_ACTION, e)) return -1;
        for (int x = 0; x < v->n; x++)
            if (push(out, tok_value(v->steps[s].obs[x]), TOKC_OBS, e)) return -1;
        if (tok_format_explains_steps(f) && tok_explain_step(f->spec, v, s, out, e)) return -1;
    }
    if (v->goal >= 0) {
        if (push(out, TOK_GOAL, TOKC_GOAL, e) || push(out, TOK_MAX, TOKC_GOAL, e) ||
            push(out, tok_var(v->goal), TOKC_GOAL, e))
            return -1;
    }
    if (v->exploit_var >= 0) {
        if (tok_format_explains_exploit(f) && tok_explain_exploit(f->spec, v, out, e)) return -1;
        if (push(out, TOK_DO, TOKC_ACTION, e) || push(out, tok_var(v->exploit_var), TOKC_ACTION, e) ||
            push(out, v->exploit_sign < 0 ? TOK_MINUS : TOK_PLUS, TOKC_ACTION, e))
            return -1;
    }
    return 0;
}

/* ---- text ------------------------------------------------------------------------------ */

static void put_value(SB *out, char name, int t) {
    double x = tok_value_of(t);
    if (x == 0.0) x = 0.0; /* no "-0.0" */
    sb_printf(out, "%c=%.1f", name, x);
}

void tok_render_names(const Vocab *voc, const int *tok, int n, SB *out) {
    for (int i = 0; i < n; i++) {
        if (i) sb_puts(out, " ");
        sb_puts(out, tok_name(voc, tok[i]));
    }
}

/* An explanation's words from tok[i] up to the next structure token ("C raises E, ..."); returns
 * where it stopped. */
static int put_explanation(const Vocab *voc, const int *tok, int i, int n, SB *out) {
    for (; i < n && tok[i] != TOK_DO && tok[i] != TOK_GOAL && tok[i] != TOK_BOS && tok[i] != TOK_BAR; i++)
        sb_printf(out, tok[i] == TOK_COMMA ? "%s" : " %s", tok_name(voc, tok[i]));
    return i;
}

void tok_render(const Vocab *voc, const int *tok, int n, double value, const Episode *ep, SB *out) {
    int i = 0, goal_seen = 0, goal = -1;
    while (i < n) {
        int t = tok[i];
        if (t == TOK_BOS) {
            i++;
            if (i < n && tok[i] >= TOK_WORD0) sb_printf(out, "quality %s\n", tok_name(voc, tok[i++]));
            continue;
        }
        if (t == TOK_CUE) {
            sb_puts(out, "cue");
            for (i++; i < n && tok_is_var(tok[i]); i++) sb_printf(out, " %s", tok_name(voc, tok[i]));
            sb_puts(out, "\n");
        } else if (t == TOK_OBS) {
            sb_puts(out, "obs");
            int k = 0;
            for (i++; i < n && tok_is_value(tok[i]); i++, k++) {
                sb_puts(out, " ");
                put_value(out, scm_name(k), tok[i]);
            }
            sb_puts(out, "\n");
        } else if (t == TOK_GOAL) {
            sb_puts(out, "goal");
            for (i++; i < n && (tok[i] == TOK_MAX || tok_is_var(tok[i])); i++) {
                sb_printf(out, " %s", tok_name(voc, tok[i]));
                if (tok_is_var(tok[i])) goal = tok[i] - TOK_VAR0;
            }
            sb_puts(out, "\n");
            goal_seen = 1;
        } else if (t == TOK_DO && goal_seen) {
            /* the exploit: do X +|- */
            i++;
            const char *x = i < n ? tok_name(voc, tok[i]) : "?";
            int sign = (i + 1 < n && tok[i + 1] == TOK_MINUS) ? -1 : 1;
            if (i < n && i + 1 < n && (tok[i + 1] == TOK_PLUS || tok[i + 1] == TOK_MINUS)) {
                double ev = ep ? ep->view.exploit_value : fabs(value);
                sb_printf(out, "do %s=%+g", x, sign * ev);
                /* the outcome: the expected value of the goal line's variable under this exploit,
                 * on the episode's world (the first goal's is ep->reward; train.goals asks more) */
                int var = tok_is_var(tok[i]) ? tok[i] - TOK_VAR0 : -1;
                if (ep && ep->view.exploit_var >= 0 && var >= 0 && var < ep->world.n && goal >= 0 && goal < ep->world.n) {
                    char r[32];
                    snprintf(r, sizeof r, "%.1f", sign * ev * scm_effect(&ep->world, var, goal));
                    sb_printf(out, " → %c=%s", scm_name(goal), strcmp(r, "-0.0") ? r : "0.0"); /* never "-0.0" */
                }
                i += 2;
            } else {
                sb_printf(out, "do %s", x);
                i += i < n ? 1 : 0;
            }
            sb_puts(out, "\n");
        } else if (t == TOK_DO) {
            i++;
            const char *x = i < n ? tok_name(voc, tok[i]) : "?";
            sb_printf(out, "do %s=%+g", x, value);
            int k = 0;
            for (i += i < n ? 1 : 0; i < n && tok_is_value(tok[i]); i++, k++) {
                sb_puts(out, k ? " " : " → ");
                put_value(out, scm_name(k), tok[i]);
            }
            if (i < n && tok[i] == TOK_BAR) {
                sb_puts(out, "   |");
                i = put_explanation(voc, tok, i + 1, n, out);
            }
            sb_puts(out, "\n");
        } else if (t == TOK_BAR && goal_seen) {
            /* the explanation written before the exploit: "| C raises E", on one line */
            sb_puts(out, "|");
            i = put_explanation(voc, tok, i + 1, n, out);
            sb_puts(out, "\n");
        } else {
            /* anything else (a stray word) goes on a line of its own so nothing is hidden */
            sb_printf(out, "%s\n", tok_name(voc, t));
            i++;
        }
    }
}

/* Splits a line into words: whitespace-separated, a trailing ',' is its own word, "→" is
 * dropped by the callers that expect it.  Returns the number of words (at most max). */
static int split(char *line, char **w, int max) {
    int n = 0;
    char *p = line;
    while (*p && n < max) {
        while (*p == ' ' || *p == '\t' || *p == '\r') p++;
        if (!*p) break;
        char *start = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r') p++;
        char *end = p;
        if (*p) *p++ = 0;
        if (end - start > 1 && end[-1] == ',') {
            end[-1] = 0;
            w[n++] = start;
            if (n < max) w[n++] = ",";
        } else {
            w[n++] = start;
        }
    }
    return n;
}

/* "C=4.5" with name expected_name -> value token. */
static int parse_assign(const char *word, char expected_name, int *tok_out) {
    if (word[0] != expected_name || word[1] != '=') return -1;
    char *end;
    double x = strtod(word + 2, &end);
    if (*end || end == word + 2) return -1;
    int t = tok_value(x);
    if (fabs(tok_value_of(t) - x) > 1e-9) return -1; /* only values the stream can show */
    *tok_out = t;
    return 0;
}

/* An explanation's words, from its "|": words of the vocabulary, variables and values (a
 * template's {delta}), never the stream's own structure words. */
static int explanation(const Vocab *voc, char **w, int nw, int lineno, TokSeq *out, Err *e) {
    for (int k = 0; k < nw; k++) {
        int t = tok_find(voc, w[k]);
        if (t < 0 || !tok_is_expl(t) || (k > 0 && t == TOK_BAR))
            return err_set(e, "line %d: unknown word '%s' in the explanation", lineno, w[k]);
        if (push(out, t, TOKC_EXPL, e)) return -1;
    }
    return 0;
}

int tok_parse(const Vocab *voc, const char *text, TokSeq *out, Err *e) {
    out->n = 0;
    if (push(out, TOK_BOS, TOKC_OBS, e)) return -1;
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    if (!copy) return err_set(e, "out of memory");
    memcpy(copy, text, len + 1);
    int goal_seen = 0, lineno = 0, rc = 0;
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        char *w[128];
        int nw = split(line, w, 128);
        if (nw == 0 || w[0][0] == '#') continue; /* blank lines and comments */
        int t;
        if (strcmp(w[0], "quality") == 0) {
            t = nw == 2 ? tok_find(voc, w[1]) : -1;
            if (t < TOK_WORD0 || out->n != 1) {
                rc = err_set(e, out->n != 1 ? "line %d: 'quality Q' must come first" : "line %d: expected 'quality Q' with Q a word of the vocabulary", lineno);
                goto done;
            }
            if (push(out, t, TOKC_GOAL, e)) goto fail;
        } else if (strcmp(w[0], "cue") == 0) {
            if (push(out, TOK_CUE, TOKC_GOAL, e)) goto fail;
            for (int k = 1; k < nw; k++) {
                t = tok_find(voc, w[k]);
                if (!tok_is_var(t)) {
                    rc = err_set(e, "line %d: cue: '%s' is not a variable", lineno, w[k]);
                    goto done;
                }
                if (push(out, t, TOKC_GOAL, e)) goto fail;
            }
        } else if (strcmp(w[0], "obs") == 0) {
            if (push(out, TOK_OBS, TOKC_OBS, e)) goto fail;
            for (int k = 1; k < nw; k++) {
                if (k > SCM_MAX_VARS || parse_assign(w[k], scm_name(k - 1), &t)) {
                    rc = err_set(e, "line %d: obs: expected %c=<value in steps of 0.5>, got '%s'", lineno,
                                 scm_name(k - 1), w[k]);
                    goto done;
                }
                if (push(out, t, TOKC_OBS, e)) goto fail;
            }
        } else if (strcmp(w[0], "goal") == 0) {
            if (nw != 3 || strcmp(w[1], "max") != 0 || !tok_is_var(tok_find(voc, w[2]))) {
                rc = err_set(e, "line %d: expected 'goal max X'", lineno);
                goto done;
            }
            if (push(out, TOK_GOAL, TOKC_GOAL, e) || push(out, TOK_MAX, TOKC_GOAL, e) ||
                push(out, tok_find(voc, w[2]), TOKC_GOAL, e))
                goto fail;
            goal_seen = 1;
        } else if (strcmp(w[0], "do") == 0 && nw >= 2) {
            char *eq = strchr(w[1], '=');
            if (eq) *eq = 0;
            int x = tok_find(voc, w[1]);
            if (!tok_is_var(x) || !eq || (eq[1] != '+' && eq[1] != '-')) {
                rc = err_set(e, "line %d: expected 'do X=+v' with X a variable, got 'do %s'", lineno, w[1]);
                goto done;
            }
            if (push(out, TOK_DO, TOKC_ACTION, e) || push(out, x, TOKC_ACTION, e)) goto fail;
            if (goal_seen) { /* the exploit; anything after "→" is the outcome, not a token */
                if (push(out, eq[1] == '-' ? TOK_MINUS : TOK_PLUS, TOKC_ACTION, e)) goto fail;
                continue;
            }
            int k = 2;
            if (k < nw && strcmp(w[k], "→") == 0) k++;
            int var = 0;
            for (; k < nw && strcmp(w[k], "|") != 0; k++, var++) {
                if (var >= SCM_MAX_VARS || parse_assign(w[k], scm_name(var), &t)) {
                    rc = err_set(e, "line %d: do: expected %c=<value in steps of 0.5>, got '%s'", lineno,
                                 scm_name(var), w[k]);
                    goto done;
                }
                if (push(out, t, TOKC_OBS, e)) goto fail;
            }
            if (explanation(voc, w + k, nw - k, lineno, out, e)) goto fail;
        } else if (strcmp(w[0], "|") == 0 && goal_seen) { /* the explanation before the exploit */
            if (explanation(voc, w, nw, lineno, out, e)) goto fail;
        } else {
            rc = err_set(e, "line %d: expected a line starting with quality, cue, obs, do or goal, got '%s'", lineno, w[0]);
            goto done;
        }
    }
    goto done;
fail:
    rc = -1;
done:
    free(copy);
    return rc;
}

#include "learn/eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/agent.h"
#include "learn/train.h"
#include "util/jsonu.h"
#include "util/progress.h"

/* The agreement references, from the registry: every STRAT_REFERENCE, and each
 * STRAT_REFERENCE_IF_EVALUATED one among the names evaluated (names NULL: all of them). */
static int agree_refs(const char *const *names, int ns, Strategy **refs) {
    int n = 0;
    for (int i = 0; i < STRAT_COUNT; i++) {
        Strategy *s = strat_registered(i);
        int use = (s->roles & STRAT_REFERENCE) != 0;
        if (s->roles & STRAT_REFERENCE_IF_EVALUATED) {
            use = !names;
            for (int k = 0; names && k < ns; k++) use |= strcmp(names[k], s->name) == 0;
        }
        if (use) refs[n++] = s;
    }
    return n;
}

typedef struct SetWorlds {
    const ExpEvalSet *set;
    const Experiment *x;
} SetWorlds;

static int set_world_ok(const Scm *w, void *ctx, Err *e) {
    const ExpEvalSet *s = ((const SetWorlds *)ctx)->set;
    const Experiment *x = ((const SetWorlds *)ctx)->x;
    if (s->where.fn) {
        int v = exp_pred_eval(&s->where, w, e);
        if (v <= 0) return v;
    }
    if (s->worlds == EXP_WORLDS_ALL || !x->heldout.fn) return 1;
    int v = exp_pred_eval(&x->heldout, w, e);
    return v < 0 ? -1 : v == (s->worlds == EXP_WORLDS_HELDOUT);
}

static uint64_t set_seed(uint64_t seed, int k) { return seed * 0x2545F4914F6CDD1Dull + 0xE7A1u + (uint64_t)k; }

/* Draws the episodes of one set. */
static int draw_set(const Experiment *x, int k, int n, uint64_t seed, Episode *eps, long *draws, Err *e) {
    const ExpEvalSet *s = &x->sets[k];
    SetWorlds f = {s, x};
    EpConfig c = exp_set_config(x, k);
    long idx = 0, limit = EP_MAX_DRAWS / 5L * n + EP_MAX_DRAWS * 10L; /* 2,000 n + 100,000 */
    for (int i = 0; i < n; idx++) {
        if (idx >= limit)
            return i ? err_set(e, "only %d of %d episodes fit its filters in %ld draws", i, n, idx)
                     : err_set(e, "no episode fits its filters in %ld draws", idx);
        if (ep_generate(&eps[i], &c, set_seed(seed, k), (uint64_t)idx, set_world_ok, &f, e)) return -1;
        if (s->goal >= 0 && eps[i].goal != s->goal) continue;
        if (s->best_var >= 0 && eps[i].best_var != s->best_var) continue;
        int ok = exp_ep_pred_eval(&s->accept, &eps[i], e);
        if (ok < 0) return -1;
        if (!ok) continue;
        i++;
    }
    *draws = idx;
    return 0;
}

int eval_set_episodes(const Experiment *x, int set, int n, Episode *eps, Err *e) {
    if (set < 0 || set >= x->n_sets) return err_set(e, "no evaluation set %d", set);
    long draws;
    if (draw_set(x, set, n, x->eval_seed, eps, &draws, e)) return err_prefix(e, "eval set '%s'", x->sets[set].name);
    return 0;
}

int eval_probe(const Experiment *x, Err *e) {
    for (int k = 0; k < x->n_sets; k++) {
        Episode ep;
        if (eval_set_episodes(x, k, 1, &ep, e)) return -1;
    }
    return 0;
}

static int explored_once(const EpView *v) {
    unsigned seen = 0;
    for (int s = 0; s < v->n_steps; s++) {
        unsigned b = 1u << v->steps[s].var;
        if (seen & b) return 0;
        seen |= b;
    }
    return seen == v->relevant;
}

/* Plays s on every episode and fills row.  named (NULL: not wanted) gets, per episode, the
 * variable the model's explanation before its exploit names (-1: none); the episodes are
 * played a batch at a time (as strat_play does anyway) so the model's slots can be read. */
static int play_row(Strategy *s, Episode *eps, Episode **ptr, int n, double *buf, uint64_t seed, EvalRow *row,
                    int *named, Err *e) {
    for (int i = 0; i < n; i++) ep_restart(&eps[i]);
    for (int base = 0; base < n; base += STRAT_BATCH) {
        int m = n - base < STRAT_BATCH ? n - base : STRAT_BATCH;
        if (strat_play(s, ptr + base, m, e)) return -1;
        for (int i = 0; named && i < m; i++) agent_exploit_explanation(s, i, &named[base + i]);
    }
    int match = 0, once = 0;
    for (int i = 0; i < n; i++) {
        buf[i] = eps[i].norm_reward;
        match += eps[i].view.exploit_var == eps[i].best_var && eps[i].view.exploit_sign == eps[i].best_sign;
        once += explored_once(&eps[i].view);
    }
    snprintf(row->name, sizeof row->name, "%s", s->name);
    row->reward = stats_bootstrap_mean(buf, n, 2000, seed);
    row->oracle_share = (double)match / n;
    row->explore_share = (double)once / n;
    return 0;
}

/* After the first strategy played: compare its exploit with each reference strategy's exploit
 * on the same (its own) exploration. */
static int agreement(Episode *eps, int n, Strategy *const *refs, int nref, const int *named, EvalSetResult *res,
                     Err *e) {
    int dis = 0, agree[EVAL_AGREE_STRATS] = {0}, said = 0, follows = 0, names[EVAL_AGREE_STRATS] = {0};
    res->n_agree = nref;
    for (int k = 0; k < nref; k++) res->agree_names[k] = refs[k]->name;
    for (int i = 0; i < n; i++) {
        EpView v = eps[i].view;
        v.exploit_var = -1;
        v.exploit_sign = 0;
        const EpView *vp = &v;
        const Episode *tp = &eps[i];
        StratAction act[EVAL_AGREE_STRATS];
        int all_same = 1;
        for (int k = 0; k < nref; k++) {
            Strategy *s = refs[k];
            int id = 0;
            if (s->act(s, &vp, s->needs_truth ? &tp : NULL, &id, 1, &act[k], e)) return -1;
            if (k && (act[k].var != act[0].var || act[k].sign != act[0].sign)) all_same = 0;
        }
        if (all_same) continue;
        dis++;
        for (int k = 0; k < nref; k++)
            agree[k] += act[k].var == eps[i].view.exploit_var && act[k].sign == eps[i].view.exploit_sign;
        if (named && named[i] >= 0) {
            said++;
            follows += named[i] == eps[i].view.exploit_var;
            for (int k = 0; k < nref; k++) names[k] += named[i] == act[k].var;
        }
    }
    res->n_disagree = dis;
    for (int k = 0; k < nref; k++) res->agree[k] = dis ? (double)agree[k] / dis : NAN;
    res->n_explained = named ? said : -1;
    res->expl_follows = said ? (double)follows / said : NAN;
    for (int k = 0; k < nref; k++) res->expl_names[k] = said ? (double)names[k] / said : NAN;
    return 0;
}

int eval_run(const Experiment *x, Strategy *model, const char *const *strategies, int episodes, EvalReport *out,
             Err *e) {
    memset(out, 0, sizeof *out);
    out->seed = x->eval_seed;
    if (x->quality[0] && !x->qtok_eval)
        return err_set(e, "eval.quality: '%s' was never compiled to a token (train_vocab)", x->quality);
    double t0 = progress_now();
    const char *names[EXP_MAX_STRATS];
    int ns = 0;
    if (strategies) {
        for (; strategies[ns] && ns < EXP_MAX_STRATS; ns++) names[ns] = strategies[ns];
    } else {
        for (; ns < x->n_strats; ns++) names[ns] = x->strats[ns];
    }
    for (int i = 0; i < ns; i++)
        if (!strat_find(names[i])) return err_set(e, "eval: unknown strategy '%s'", names[i]);
    for (int k = 0; k < x->n_sets; k++) {
        int n = episodes > 0 ? episodes : x->sets[k].episodes;
        Episode *eps = malloc(sizeof *eps * (size_t)n);
        Episode **ptr = malloc(sizeof *ptr * (size_t)n);
        double *buf = malloc(sizeof *buf * (size_t)n);
        EvalSetResult *res = &out->sets[k];
        int *named = NULL;
        int rc = -1;
        if (!eps || !ptr || !buf) {
            err_set(e, "out of memory for %d episodes", n);
            goto next;
        }
        for (int i = 0; i < n; i++) ptr[i] = &eps[i];
        if (draw_set(x, k, n, x->eval_seed, eps, &res->draws, e)) goto next;
        snprintf(res->name, sizeof res->name, "%s", x->sets[k].name);
        res->episodes = n;
        uint64_t bseed = set_seed(x->eval_seed, k);
        res->n_explained = -1;
        if (model) {
            /* what the model wrote before its exploit, when its format has it write something */
            int explains = agent_is(model) && x->explain_eval;
            named = explains ? malloc(sizeof *named * (size_t)n) : NULL;
            if (explains && !named) {
                err_set(e, "out of memory for %d episodes", n);
                goto next;
            }
            if (play_row(model, eps, ptr, n, buf, bseed, &res->rows[res->nrows++], named, e)) goto next;
            Strategy *refs[EVAL_AGREE_STRATS];
            int nref = agree_refs(names, ns, refs);
            if (agreement(eps, n, refs, nref, named, res, e)) goto next;
        }
        for (int s = 0; s < ns; s++)
            if (play_row(strat_find(names[s]), eps, ptr, n, buf, bseed, &res->rows[res->nrows++], NULL, e)) goto next;
        if (!model) res->n_disagree = -1;
        rc = 0;
    next:
        free(eps), free(ptr), free(buf), free(named);
        if (rc) return err_prefix(e, "eval set '%s'", x->sets[k].name);
        out->n_sets++;
    }
    out->seconds = progress_now() - t0;
    return 0;
}

int eval_agents(const Experiment *x, int episodes, EvalReport *rep, Err *e) {
    if (!x->n_agents) return 0;
    /* the vocabulary compiles the explanation templates in place: a copy of x holds them */
    Experiment *cx = malloc(sizeof *cx);
    EvalReport *ar = malloc(sizeof *ar);
    Vocab *voc = NULL;
    if (!cx || !ar) {
        free(cx), free(ar);
        return err_set(e, "out of memory");
    }
    *cx = *x;
    int rc = (voc = train_vocab(cx, e)) ? 0 : -1;
    TokFormat f = exp_format(cx, -1);
    EpConfig shape = exp_set_config(x, 0);
    for (int a = 0; a < x->n_agents && !rc; a++) {
        const ExpAgent *xa = &x->agents[a];
        Strategy *s = ext_agent_new(xa->cmd, &shape, &f, voc, xa->timeout_ms, e);
        static const char *const none[] = {NULL};
        if (!s) {
            rc = err_prefix(e, "eval.agents[%d]", a + 1);
            break;
        }
        if (xa->name[0]) ext_agent_set_name(s, xa->name);
        if (eval_run(x, s, none, episodes, ar, e)) {
            rc = -1;
        } else {
            EvalAgent *ea = &rep->agents[rep->n_agents];
            memset(ea, 0, sizeof *ea);
            snprintf(ea->name, sizeof ea->name, "%s", s->name);
            snprintf(ea->cmd, sizeof ea->cmd, "%s", xa->cmd);
            ea->timeout_ms = xa->timeout_ms;
            ext_agent_stats(s, &ea->stats);
            if (ea->stats.timeouts + ea->stats.malformed + ea->stats.illegal)
                ext_agent_stderr_tail(s, ea->stderr_tail, sizeof ea->stderr_tail);
            for (int k = 0; k < rep->n_sets && k < ar->n_sets; k++) {
                EvalSetResult *r = &rep->sets[k];
                const EvalSetResult *q = &ar->sets[k];
                int pos = (r->n_disagree >= 0 ? 1 : 0) + rep->n_agents; /* after the model and earlier agents */
                if (r->nrows >= EVAL_MAX_ROWS || q->nrows < 1 || pos > r->nrows) continue;
                memmove(&r->rows[pos + 1], &r->rows[pos], sizeof r->rows[0] * (size_t)(r->nrows - pos));
                r->rows[pos] = q->rows[0];
                r->nrows++;
                EvalAgree *g = &r->agent_agree[rep->n_agents];
                snprintf(g->of, sizeof g->of, "%s", s->name);
                g->n_disagree = q->n_disagree;
                g->n_agree = q->n_agree;
                memcpy(g->names, q->agree_names, sizeof g->names);
                memcpy(g->agree, q->agree, sizeof g->agree);
            }
            rep->n_agents++;
        }
        s->destroy(s);
        if (rc) err_prefix(e, "eval.agents[%d]", a + 1);
    }
    free(ar);
    free(cx);
    tok_vocab_free(voc);
    return rc;
}

static void print_agree(FILE *out, const char *of, int n, int n_agree, const char *const *names, const double *agree) {
    fprintf(out, "  %s's exploit agrees with, on its own exploration (%d episodes where they disagree):\n   ", of, n);
    for (int j = 0; j < n_agree; j++) fprintf(out, " %s %.1f%%", names[j], 100 * agree[j]);
    fprintf(out, "\n");
}

void eval_print(const EvalReport *r, const Experiment *x, FILE *out) {
    for (int k = 0; k < r->n_sets; k++) {
        const EvalSetResult *s = &r->sets[k];
        const ExpEvalSet *es = &x->sets[k];
        fprintf(out, "%s%s: %d episodes from %s worlds", k ? "\n" : "", s->name, s->episodes,
                es->worlds == EXP_WORLDS_HELDOUT ? "held-out" : es->worlds == EXP_WORLDS_ALL ? "all" : "training");
        if (es->worlds == EXP_WORLDS_HELDOUT && x->heldout.fn) fprintf(out, " (%s)", x->heldout.desc);
        if (es->where.fn) fprintf(out, ", %s", es->where.desc);
        if (es->accept.fn) fprintf(out, ", %s", es->accept.desc);
        if (es->cue >= 0) fprintf(out, ", cue of %d", es->cue);
        if (es->goal >= 0) fprintf(out, ", goal %c", scm_name(es->goal));
        if (es->best_var >= 0) fprintf(out, ", best action on %c", scm_name(es->best_var));
        int w = 10; /* the name column fits the longest name (agent:NAME) */
        for (int i = 0; i < s->nrows; i++)
            if ((int)strlen(s->rows[i].name) > w) w = (int)strlen(s->rows[i].name);
        fprintf(out, "\n  %-*s %7s  %-17s %8s %9s\n", w, "strategy", "reward", "95% CI", "oracle", "explored");
        for (int i = 0; i < s->nrows; i++) {
            const EvalRow *row = &s->rows[i];
            char ci[40];
            snprintf(ci, sizeof ci, "[%.3f, %.3f]", row->reward.lo, row->reward.hi);
            fprintf(out, "  %-*s %7.3f  %-17s %7.1f%% %8.1f%%\n", w, row->name, row->reward.mean, ci,
                    100 * row->oracle_share, 100 * row->explore_share);
        }
        if (s->n_disagree > 0) print_agree(out, s->rows[0].name, s->n_disagree, s->n_agree, s->agree_names, s->agree);
        if (s->n_disagree > 0 && s->n_explained >= 0) {
            fprintf(out, "  %s's explanation before its exploit, in the same episodes: names a variable in %d", s->rows[0].name,
                    s->n_explained);
            if (s->n_explained > 0) {
                fprintf(out, ";\n   it names the choice of");
                for (int j = 0; j < s->n_agree; j++) fprintf(out, " %s %.1f%%", s->agree_names[j], 100 * s->expl_names[j]);
                fprintf(out, "; the exploit follows it %.1f%%", 100 * s->expl_follows);
            }
            fprintf(out, "\n");
        }
        for (int a = 0; a < r->n_agents; a++) {
            const EvalAgree *g = &s->agent_agree[a];
            if (g->n_disagree > 0) print_agree(out, g->of, g->n_disagree, g->n_agree, g->names, g->agree);
        }
    }
    for (int a = 0; a < r->n_agents; a++) {
        const EvalAgent *ag = &r->agents[a];
        fprintf(out, "\n%s (%s): %ld decisions; %ld timeouts, %ld malformed, %ld illegal replies (default action taken); "
                     "%ld of %ld episodes marked\n",
                ag->name, ag->cmd, ag->stats.decisions, ag->stats.timeouts, ag->stats.malformed, ag->stats.illegal,
                ag->stats.marked, ag->stats.episodes);
        if (ag->stderr_tail[0]) fprintf(out, "%s's stderr (tail): %s\n", ag->name, ag->stderr_tail);
    }
    fprintf(out, "\nreward: mean normalised reward (oracle = 1) with a 95%% bootstrap CI; oracle: share of the oracle's "
                 "action;\nexplored: every relevant variable explored exactly once.  Evaluation seed %llu.\n",
            (unsigned long long)r->seed);
}

cJSON *eval_agent_json(const EvalAgent *ag) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", ag->name);
    cJSON_AddStringToObject(o, "command", ag->cmd);
    cJSON_AddNumberToObject(o, "protocol", EXT_AGENT_PROTOCOL);
    cJSON_AddNumberToObject(o, "timeout_ms", ag->timeout_ms);
    cJSON_AddNumberToObject(o, "decisions", (double)ag->stats.decisions);
    cJSON_AddNumberToObject(o, "timeouts", (double)ag->stats.timeouts);
    cJSON_AddNumberToObject(o, "malformed", (double)ag->stats.malformed);
    cJSON_AddNumberToObject(o, "illegal", (double)ag->stats.illegal);
    cJSON_AddNumberToObject(o, "episodes", (double)ag->stats.episodes);
    cJSON_AddNumberToObject(o, "episodes_marked", (double)ag->stats.marked);
    if (ag->stderr_tail[0]) cJSON_AddStringToObject(o, "stderr_tail", ag->stderr_tail);
    return o;
}

cJSON *eval_to_json(const EvalReport *r) {
    cJSON *o = cJSON_CreateObject();
    ju_add_u64(o, "seed", r->seed);
    ju_add_num(o, "seconds", r->seconds);
    cJSON *sets = cJSON_AddArrayToObject(o, "sets");
    for (int k = 0; k < r->n_sets; k++) {
        const EvalSetResult *s = &r->sets[k];
        cJSON *so = cJSON_CreateObject();
        cJSON_AddStringToObject(so, "name", s->name);
        cJSON_AddNumberToObject(so, "episodes", s->episodes);
        cJSON *rows = cJSON_AddArrayToObject(so, "strategies");
        for (int i = 0; i < s->nrows; i++) {
            const EvalRow *row = &s->rows[i];
            cJSON *ro = cJSON_CreateObject();
            cJSON_AddStringToObject(ro, "name", row->name);
            ju_add_num(ro, "mean_normalised_reward", row->reward.mean);
            cJSON *ci = cJSON_AddArrayToObject(ro, "ci95");
            cJSON_AddItemToArray(ci, ju_num(row->reward.lo));
            cJSON_AddItemToArray(ci, ju_num(row->reward.hi));
            ju_add_num(ro, "sd", row->reward.sd); /* over episodes: report's hierarchical bootstrap */
            ju_add_num(ro, "oracle_action_share", row->oracle_share);
            ju_add_num(ro, "explored_once_share", row->explore_share);
            cJSON_AddItemToArray(rows, ro);
        }
        if (r->n_agents) {
            cJSON *al = cJSON_AddArrayToObject(so, "agent_agreement");
            for (int a = 0; a < r->n_agents; a++) {
                const EvalAgree *g = &s->agent_agree[a];
                cJSON *ag = cJSON_CreateObject();
                cJSON_AddStringToObject(ag, "of", g->of);
                cJSON_AddNumberToObject(ag, "episodes", g->n_disagree);
                for (int j = 0; j < g->n_agree; j++)
                    cJSON_AddItemToObject(ag, g->names[j], isnan(g->agree[j]) ? cJSON_CreateNull() : ju_num(g->agree[j]));
                cJSON_AddItemToArray(al, ag);
            }
        }
        if (s->n_disagree >= 0) {
            cJSON *ag = cJSON_AddObjectToObject(so, "agreement");
            cJSON_AddStringToObject(ag, "of", s->nrows ? s->rows[0].name : "");
            cJSON_AddNumberToObject(ag, "episodes", s->n_disagree);
            for (int j = 0; j < s->n_agree; j++)
                cJSON_AddItemToObject(ag, s->agree_names[j],
                                      isnan(s->agree[j]) ? cJSON_CreateNull() : ju_num(s->agree[j]));
        }
        if (s->n_disagree >= 0 && s->n_explained >= 0) {
            cJSON *xo = cJSON_AddObjectToObject(so, "explanations");
            cJSON_AddStringToObject(xo, "of", s->nrows ? s->rows[0].name : "");
            cJSON_AddNumberToObject(xo, "episodes", s->n_disagree);
            cJSON_AddNumberToObject(xo, "explained", s->n_explained);
            cJSON_AddItemToObject(xo, "follows", isnan(s->expl_follows) ? cJSON_CreateNull() : ju_num(s->expl_follows));
            cJSON *nm = cJSON_AddObjectToObject(xo, "names");
            for (int j = 0; j < s->n_agree; j++)
                cJSON_AddItemToObject(nm, s->agree_names[j],
                                      isnan(s->expl_names[j]) ? cJSON_CreateNull() : ju_num(s->expl_names[j]));
        }
        cJSON_AddItemToArray(sets, so);
    }
    if (r->n_agents) {
        cJSON *al = cJSON_AddArrayToObject(o, "agents");
        for (int a = 0; a < r->n_agents; a++) cJSON_AddItemToArray(al, eval_agent_json(&r->agents[a]));
    }
    return o;
}

/* Normalised rewards are in [-1, 1] (|reward| <= the optimal reward); a little slack for rounding. */
#define EVAL_R 1.000001
static const JuRule eval_rules[] = {
    {"seed", JU_U64, 0, 0, 0},
    {"seconds", JU_NUM, 0, 1e9, 0},
    {"sets", JU_LIST, 0, 64, 0},
    {"sets[].name", JU_STR, 0, 31, JU_REQUIRED},
    {"sets[].episodes", JU_INT, 1, 1000000, 0},
    {"sets[].strategies", JU_LIST, 0, EVAL_MAX_ROWS, 0},
    {"sets[].strategies[].name", JU_STR, 0, 15, JU_REQUIRED},
    {"sets[].strategies[].mean_normalised_reward", JU_NUM, -EVAL_R, EVAL_R, 0},
    {"sets[].strategies[].ci95", JU_LIST, 2, 2, 0},
    {"sets[].strategies[].ci95[]", JU_NUM, -EVAL_R, EVAL_R, 0},
    {"sets[].strategies[].oracle_action_share", JU_NUM, 0, 1, 0},
    {"sets[].strategies[].explored_once_share", JU_NUM, 0, 1, 0},
    {"sets[].agreement", JU_OBJ, 0, 0, 0},
    {"sets[].agreement.of", JU_STR, 0, 15, 0},
    {"sets[].agreement.episodes", JU_INT, 0, 1000000, 0},
    {"sets[].explanations", JU_OBJ, 0, 0, 0},
    {"sets[].explanations.of", JU_STR, 0, 15, 0},
    {"sets[].explanations.episodes", JU_INT, 0, 1000000, 0},
    {"sets[].explanations.explained", JU_INT, 0, 1000000, 0},
    {"sets[].explanations.follows", JU_NUM_NULL, 0, 1, 0},
    {"sets[].explanations.names", JU_OBJ, 0, 0, 0},
    {"sets[].agent_agreement", JU_LIST, 0, EXP_MAX_AGENTS, 0},
    {"sets[].agent_agreement[].of", JU_STR, 0, 15, 0},
    {"sets[].agent_agreement[].episodes", JU_INT, 0, 1000000, 0},
    {"agents", JU_LIST, 0, EXP_MAX_AGENTS, 0},
    {"agents[].name", JU_STR, 0, 15, 0},
    {"agents[].command", JU_STR, 0, EXP_AGENT_CMD - 1, 0},
    {"agents[].protocol", JU_INT, 1, 1000, 0},
    {"agents[].timeout_ms", JU_INT, 1, 3600000, 0},
    {"agents[].decisions", JU_INT, 0, 1e15, 0},
    {"agents[].timeouts", JU_INT, 0, 1e15, 0},
    {"agents[].malformed", JU_INT, 0, 1e15, 0},
    {"agents[].illegal", JU_INT, 0, 1e15, 0},
    {"agents[].episodes", JU_INT, 0, 1e15, 0},
    {"agents[].episodes_marked", JU_INT, 0, 1e15, 0},
    {"agents[].stderr_tail", JU_STR, 0, 0, 0},
};

int eval_record_check(const cJSON *ev, const char *name, Err *e) {
    if (!cJSON_IsObject(ev)) return err_set(e, "%s: expected an object, got %s", name, ju_kind(ev));
    if (ju_check(ev, name, eval_rules, (int)(sizeof eval_rules / sizeof *eval_rules), e)) return -1;
    Strategy *refs[EVAL_AGREE_STRATS];
    int nref = agree_refs(NULL, 0, refs);
    for (int j = 0; j < nref; j++) {
        char path[64];
        char apath[80];
        char xpath[80];
        snprintf(path, sizeof path, "sets[].agreement.%s", refs[j]->name);
        snprintf(apath, sizeof apath, "sets[].agent_agreement[].%s", refs[j]->name);
        snprintf(xpath, sizeof xpath, "sets[].explanations.names.%s", refs[j]->name);
        JuRule r[3] = {{path, JU_NUM_NULL, 0, 1, 0}, {apath, JU_NUM_NULL, 0, 1, 0}, {xpath, JU_NUM_NULL, 0, 1, 0}};
        if (ju_check(ev, name, r, 3, e)) return -1;
    }
    return 0;
}

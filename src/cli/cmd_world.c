/* dolab stream, dolab baselines, dolab bench world. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/arm.h"
#include "cli/commands.h"
#include "util/jsonu.h"
#include "learn/eval.h"
#include "learn/exp.h"
#include "learn/train.h"
#include "script/lab.h"
#include "util/stats.h"
#include "util/strbuf.h"
#include "world/episode.h"
#include "world/strategy.h"
#include "world/tok.h"

/* Options every world-making command shares. */
typedef struct WorldOpts {
    int episodes, variables, passive, cue, explain;
    uint64_t seed;
    double noise;
} WorldOpts;

#define WORLD_OPTS(w)                                                                                           \
    {"--episodes", ARG_INT, &(w).episodes, 1, 1000000, NULL, "N", "number of episodes"},                       \
        {"--seed", ARG_U64, &(w).seed, 0, 0, NULL, "S", "random seed (same seed, same episodes)"},              \
        {"--variables", ARG_INT, &(w).variables, 2, 8, NULL, "N", "variables per world, 2 to 8 (default 5)"},  \
        {"--noise", ARG_REAL, &(w).noise, 0, 100, NULL, "SD", "noise sd of every variable (default 0.1)"},      \
        {"--passive", ARG_INT, &(w).passive, 0, EP_MAX_PASSIVE, NULL, "K",                                      \
         "passive observations before exploring (default 0)"},                                                  \
        {"--cue", ARG_INT, &(w).cue, 0, 8, NULL, "M", "cue M random relevant variables per episode (default 0: all)"}

static int world_config(const WorldOpts *w, EpConfig *c, const char *cmd) {
    *c = ep_config_default();
    c->world.n = w->variables;
    c->world.sigma = w->noise;
    c->passive = w->passive;
    c->cue_size = w->cue;
    Err e;
    if (ep_config_check(c, &e)) {
        fprintf(stderr, "dolab %s: %s\n", cmd, e.msg);
        return -1;
    }
    return 0;
}

static void world_defaults(WorldOpts *w, int episodes) {
    memset(w, 0, sizeof *w);
    w->episodes = episodes;
    w->variables = 5;
    w->seed = 1;
    w->noise = 0.1;
}

/* ---- dolab stream ---------------------------------------------------------------------- */

static cJSON *json_values(const double *x, int n) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, ju_num(x[i]));
    return a;
}

static cJSON *json_var(int v) {
    char s[2] = {scm_name(v), 0};
    return cJSON_CreateString(s);
}

static cJSON *episode_json(const Episode *ep, const TokSeq *ts, const Vocab *voc, int index, uint64_t seed,
                           const char *by, const char *text) {
    const EpView *v = &ep->view;
    const Scm *w = &ep->world;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "episode", index);
    ju_add_u64(o, "seed", seed);
    cJSON_AddStringToObject(o, "demonstrator", by);
    cJSON *world = cJSON_AddObjectToObject(o, "world");
    cJSON *vars = cJSON_AddArrayToObject(world, "variables");
    for (int i = 0; i < w->n; i++) cJSON_AddItemToArray(vars, json_var(i));
    cJSON *wm = cJSON_AddArrayToObject(world, "weights");
    for (int i = 0; i < w->n; i++) cJSON_AddItemToArray(wm, json_values(w->w[i], w->n));
    cJSON_AddNumberToObject(world, "noise_sd", w->sigma);
    char id[32];
    snprintf(id, sizeof id, "%016llx", (unsigned long long)scm_id(w));
    cJSON_AddStringToObject(world, "structure_id", id);
    cJSON_AddItemToObject(o, "goal", json_var(ep->goal));
    if (v->cued) {
        cJSON *cue = cJSON_AddArrayToObject(o, "cue");
        for (int x = 0; x < v->n; x++)
            if ((v->relevant >> x) & 1u) cJSON_AddItemToArray(cue, json_var(x));
    }
    cJSON *pas = cJSON_AddArrayToObject(o, "passive");
    for (int i = 0; i < v->n_passive; i++) cJSON_AddItemToArray(pas, json_values(v->passive[i], v->n));
    cJSON *steps = cJSON_AddArrayToObject(o, "steps");
    for (int s = 0; s < v->n_steps; s++) {
        cJSON *st = cJSON_CreateObject();
        cJSON_AddItemToObject(st, "do", json_var(v->steps[s].var));
        cJSON_AddNumberToObject(st, "value", v->steps[s].value);
        cJSON_AddItemToObject(st, "observed", json_values(v->steps[s].obs, v->n));
        cJSON_AddItemToArray(steps, st);
    }
    cJSON *ex = cJSON_AddObjectToObject(o, "exploit");
    cJSON_AddItemToObject(ex, "do", json_var(v->exploit_var));
    cJSON_AddNumberToObject(ex, "value", v->exploit_sign * v->exploit_value);
    cJSON *best = cJSON_AddObjectToObject(o, "oracle");
    cJSON_AddItemToObject(best, "do", json_var(ep->best_var));
    cJSON_AddNumberToObject(best, "value", ep->best_sign * v->exploit_value);
    ju_add_num(o, "reward", ep->reward);
    ju_add_num(o, "optimal_reward", ep->optimal);
    ju_add_num(o, "normalised_reward", ep->norm_reward);
    cJSON *toks = cJSON_AddArrayToObject(o, "tokens");
    cJSON *cls = cJSON_AddArrayToObject(o, "classes");
    for (int i = 0; i < ts->n; i++) {
        cJSON_AddItemToArray(toks, cJSON_CreateString(tok_name(voc, ts->tok[i])));
        cJSON_AddItemToArray(cls, cJSON_CreateString(tok_class_name((TokClass)ts->cls[i])));
    }
    cJSON_AddStringToObject(o, "text", text);
    return o;
}

/* Writes one played episode to stdout in the chosen format; 0, or 1 (out of memory, or stdout
 * closed: stop quietly).  by: the strategy that played it; shown in the text's header only when
 * show_by (a stream of several demonstrators), always in JSON. */
static int put_episode(int format, const Vocab *voc, const Episode *ep, const TokSeq *ts, int i, uint64_t seed,
                       double value, const char *what, const char *by, int show_by) {
    SB out = {0};
    if (format == 1) {
        tok_render_names(voc, ts->tok, ts->n, &out);
        sb_puts(&out, "\n");
    } else {
        SB text = {0};
        tok_render(voc, ts->tok, ts->n, value, ep, &text);
        if (format == 0) {
            sb_printf(&out, "%s# %sepisode %d, seed %llu%s%s\n%s", i ? "\n" : "", what, i, (unsigned long long)seed,
                      show_by ? ", demonstrator " : "", show_by ? by : "", sb_str(&text));
        } else {
            cJSON *o = episode_json(ep, ts, voc, i, seed, by, sb_str(&text));
            char *js = o ? cJSON_PrintUnformatted(o) : NULL;
            if (js) sb_printf(&out, "%s\n", js);
            else out.oom = 1;
            free(js);
            cJSON_Delete(o);
        }
        if (text.oom) out.oom = 1;
        sb_free(&text);
    }
    int status = 0;
    if (out.oom) {
        fprintf(stderr, "dolab stream: out of memory\n");
        status = 1;
    } else if (fwrite(out.s, 1, out.len, stdout) != out.len) {
        status = 1;
    }
    sb_free(&out);
    return status;
}

/* dolab stream SCRIPT.lua: the stream the script's experiment trains on, or an evaluation
 * set's episodes played by the expert, exactly as training and evaluation draw them. */
static int stream_script(const char *script, const char *arm, const ArgList *sets, const char *set_name, int quick,
                         int n, uint64_t seed, int seed_given, int format) {
    Err e;
    ScriptArm sa;
    Episode *eps = NULL;
    TokSeq *ts = malloc(sizeof *ts);
    int status = script_arm_load(&sa, "stream", script, arm, sets, quick, seed_given ? &seed : NULL), set = -1;
    if (status) goto done;
    status = 1;
    Experiment *x = sa.x;
    Vocab *voc = sa.voc;
    if (!ts) {
        fprintf(stderr, "dolab stream: out of memory\n");
        goto done;
    }
    if (set_name) {
        if ((set = script_arm_set("stream", x, set_name)) < 0) goto done;
        eps = calloc((size_t)n, sizeof *eps);
        if (!eps) {
            fprintf(stderr, "dolab stream: out of memory\n");
            goto done;
        }
        if (eval_set_episodes(x, set, n, eps, &e)) {
            fprintf(stderr, "dolab stream: %s\n", e.msg);
            goto done;
        }
    }
    int by_others = 0;
    for (int m = 0; m < x->n_mix; m++) by_others |= strcmp(exp_mix_demonstrator(&x->mix[m]), "expert") != 0;
    if (format == 0)
        printf("# %s: %s, %s\n", script, x->name,
               set < 0 ? (by_others ? "the passive stream it trains on (its demonstrators' episodes)"
                            : "the passive stream it trains on (the expert's episodes)")
                  : "evaluation set episodes, played by the expert");
    status = 0;
    char what[80];
    snprintf(what, sizeof what, "%s%s", set < 0 ? "training " : set_name, set < 0 ? "" : " ");
    for (int i = 0; i < n && status == 0; i++) {
        Episode ep;
        Episode *p = set < 0 ? &ep : &eps[i];
        TokFormat f = exp_format(x, -1);
        int bad = set < 0 ? train_episode(x, (uint64_t)i, &ep, ts, &e)
                          : strat_play(strat_find("expert"), &p, 1, &e) || tok_encode(&f, &p->view, ts, &e);
        if (bad) {
            fprintf(stderr, "dolab stream: episode %d: %s\n", i, e.msg);
            status = 1;
            break;
        }
        const char *by = set < 0 ? exp_mix_demonstrator(&x->mix[train_episode_mix(x, (uint64_t)i)]) : "expert";
        status = put_episode(format, voc, p, ts, i, set < 0 ? x->seed : x->eval_seed, x->world.value, what, by,
                             by_others && set < 0);
    }
done:
    free(eps);
    free(ts);
    script_arm_free(&sa);
    return status;
}

int cmd_stream(int argc, char **argv) {
    WorldOpts w;
    world_defaults(&w, 3);
    int format = 0, explain = 0, quick = 0;
    const char *arm = NULL, *set_name = NULL;
    ArgList sets = {{0}, 0};
    ArgOpt opts[] = {
        WORLD_OPTS(w),
        {"--format", ARG_CHOICE, &format, 0, 0, "text|tokens|jsonl", NULL,
         "text for people, tokens as the model reads them, jsonl with everything"},
        {"--explain", ARG_FLAG, &explain, 0, 0, NULL, NULL, "add explanations after each observation"},
        {"--eval-set", ARG_STRING, &set_name, 0, 0, NULL, "NAME", "with a script: that evaluation set's episodes instead"},
        {"--arm", ARG_STRING, &arm, 0, 0, NULL, "NAME", "with a script of several arms: this arm (default the first)"},
        {"--set", ARG_LIST, &sets, 0, 0, NULL, "FIELD=V", "with a script: set an experiment field (as dolab run --set)"},
        {"--quick", ARG_FLAG, &quick, 0, 0, NULL, NULL, "with a script: its --quick version"},
    };
    ArgCmd cmd = {"stream", "dolab stream [EXPERIMENT.lua] [options]",
                  "Prints episodes of the expert's passive demonstration stream: it explores each variable\n"
                  "once with do(X=+5), is told the goal, and sets the variable it measured to raise the goal most.\n"
                  "With an experiment script: the stream that experiment trains on (its worlds, held-out filter,\n"
                  "training mix, cues and explanations), exactly as training draws it for --seed (default: the\n"
                  "script's), or with --eval-set NAME that evaluation set's episodes; the world options do not\n"
                  "apply then.",
                  opts, (int)(sizeof opts / sizeof *opts), 0, 1,
                  "examples:\n  dolab stream --episodes 2\n  dolab stream --format jsonl --seed 7 | head -n 1\n"
                  "  dolab stream experiments/variable_subsets.lua --episodes 3\n"
                  "  dolab stream experiments/heldout_links.lua --eval-set critical --episodes 2\n"};
    char *pos[1];
    int npos;
    Err e;
    int rc = args_or_exit(&cmd, argc, argv, pos, &npos);
    if (rc >= 0) return rc;
    int seed_given = 0; /* every value of --seed is a seed (2^64-1 too), so look for the flag itself */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--seed") == 0 || strncmp(argv[i], "--seed=", 7) == 0) seed_given = 1;
    WorldOpts d;
    world_defaults(&d, 3);
    if (npos && (w.variables != d.variables || w.noise != d.noise || w.passive != d.passive || w.cue != d.cue || explain)) {
        fprintf(stderr, "dolab stream: --variables, --noise, --passive, --cue and --explain do not apply to a script: the "
                        "world comes from the script (change it with --set world.FIELD=V)\n");
        return 2;
    }
    if (npos) return stream_script(pos[0], arm, &sets, set_name, quick, w.episodes, w.seed, seed_given, format);
    if (set_name || arm || sets.n || quick) {
        fprintf(stderr, "dolab stream: --eval-set, --arm, --set and --quick go with an experiment script\n");
        return 2;
    }
    EpConfig c;
    if (world_config(&w, &c, "stream")) return 2;
    Vocab *voc = tok_vocab_new();
    if (!voc) {
        fprintf(stderr, "dolab stream: out of memory\n");
        return 1;
    }
    TokFormat f = {.explain = explain};
    Strategy *expert = strat_find("expert");
    TokSeq *ts = malloc(sizeof *ts);
    int status = ts ? 0 : 1;
    for (int i = 0; i < w.episodes && status == 0; i++) {
        Episode ep;
        Episode *p = &ep;
        if (ep_generate(&ep, &c, w.seed, (uint64_t)i, NULL, NULL, &e) || strat_play(expert, &p, 1, &e) ||
            tok_encode(&f, &ep.view, ts, &e)) {
            fprintf(stderr, "dolab stream: episode %d: %s\n", i, e.msg);
            status = 1;
            break;
        }
        status = put_episode(format, voc, &ep, ts, i, w.seed, c.value, "", "expert", 0);
    }
    free(ts);
    tok_vocab_free(voc);
    return status;
}

/* ---- dolab baselines ------------------------------------------------------------------- */

int cmd_baselines(int argc, char **argv) {
    WorldOpts w;
    world_defaults(&w, 1000);
    int json = 0;
    ArgOpt opts[] = {
        WORLD_OPTS(w),
        {"--json", ARG_FLAG, &json, 0, 0, NULL, NULL, "print the table as JSON"},
    };
    ArgCmd cmd = {"baselines", "dolab baselines [options]",
                  "Plays every built-in strategy on the same episodes (same worlds, goals and noise) and prints,\n"
                  "per strategy, the mean normalised reward with a 95% bootstrap confidence interval and the share\n"
                  "of episodes in which it picked the oracle's action.",
                  opts, (int)(sizeof opts / sizeof *opts), 0, 0, NULL};
    char *pos[1];
    int npos;
    Err e;
    int rc = args_or_exit(&cmd, argc, argv, pos, &npos);
    if (rc >= 0) return rc;
    EpConfig c;
    if (world_config(&w, &c, "baselines")) return 2;
    int n = w.episodes;
    Episode *eps = malloc(sizeof *eps * (size_t)n);
    Episode **ptr = malloc(sizeof *ptr * (size_t)n);
    double *reward = malloc(sizeof *reward * (size_t)n);
    if (!eps || !ptr || !reward) {
        fprintf(stderr, "dolab baselines: out of memory for %d episodes\n", n);
        free(eps), free(ptr), free(reward);
        return 1;
    }
    int status = 0;
    for (int i = 0; i < n && !status; i++) {
        ptr[i] = &eps[i];
        if (ep_generate(&eps[i], &c, w.seed, (uint64_t)i, NULL, NULL, &e)) {
            fprintf(stderr, "dolab baselines: episode %d: %s\n", i, e.msg);
            status = 1;
        }
    }
    cJSON *root = cJSON_CreateObject(), *arr = NULL;
    if (json) {
        cJSON_AddNumberToObject(root, "episodes", n);
        ju_add_u64(root, "seed", w.seed);
        cJSON_AddNumberToObject(root, "variables", w.variables);
        cJSON_AddNumberToObject(root, "noise_sd", w.noise);
        arr = cJSON_AddArrayToObject(root, "strategies");
    } else if (!status) {
        printf("%d episodes, %d variables, noise sd %g, seed %llu\n\n", n, w.variables, w.noise,
               (unsigned long long)w.seed);
        printf("%-10s %8s  %-18s %14s\n", "strategy", "reward", "95% CI", "oracle action");
    }
    for (int k = 0; k < STRAT_BUILTIN_COUNT && !status; k++) {
        Strategy *s = strat_builtin(k);
        for (int i = 0; i < n; i++) ep_restart(&eps[i]);
        if (strat_play(s, ptr, n, &e)) {
            fprintf(stderr, "dolab baselines: %s\n", e.msg);
            status = 1;
            break;
        }
        int match = 0;
        for (int i = 0; i < n; i++) {
            reward[i] = eps[i].norm_reward;
            match += eps[i].view.exploit_var == eps[i].best_var && eps[i].view.exploit_sign == eps[i].best_sign;
        }
        StatCI ci = stats_bootstrap_mean(reward, n, 2000, w.seed);
        double share = (double)match / n;
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", s->name);
            ju_add_num(o, "mean_normalised_reward", ci.mean);
            cJSON *ca = cJSON_AddArrayToObject(o, "ci95");
            cJSON_AddItemToArray(ca, ju_num(ci.lo));
            cJSON_AddItemToArray(ca, ju_num(ci.hi));
            cJSON_AddNumberToObject(o, "oracle_action_share", share);
            cJSON_AddItemToArray(arr, o);
        } else {
            char cis[40];
            snprintf(cis, sizeof cis, "[%.3f, %.3f]", ci.lo, ci.hi);
            printf("%-10s %8.3f  %-18s %13.1f%%\n", s->name, ci.mean, cis, 100.0 * share);
        }
    }
    if (json && !status) {
        char *js = cJSON_Print(root);
        if (js) printf("%s\n", js);
        free(js);
    } else if (!status) {
        printf("\nreward: mean normalised reward (1 = the oracle's), 95%% bootstrap CI over episodes\n");
    }
    cJSON_Delete(root);
    free(eps), free(ptr), free(reward);
    return status;
}


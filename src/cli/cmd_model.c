/* dolab train, dolab eval: the built-in default experiment until the Lua layer drives them. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "learn/agent.h"
#include "learn/eval.h"
#include "learn/exp.h"
#include "learn/ext_agent.h"
#include "learn/train.h"
#include "nn/ckpt.h"
#include "script/lab.h"

/* A flag's range is its experiment field's (learn/exp.h: the schema). */
#define RANGE(path) exp_field(path)->lo, exp_field(path)->hi

int cmd_train(int argc, char **argv) {
    Experiment x = exp_default();
    const char *out = NULL;
    int quiet = 0, evaluate = 0;
    ArgOpt opts[] = {
        {"--steps", ARG_INT, &x.steps, RANGE("train.steps"), NULL, "N", "training steps (default)"},
        {"--seed", ARG_U64, &x.seed, 0, 0, NULL, "S", "seed of the initial weights and the training stream (default)"},
        {"--batch", ARG_INT, &x.batch, RANGE("train.batch"), NULL, "B", "episodes per step (default)"},
        {"--layers", ARG_INT, &x.layers, RANGE("model.layers"), NULL, "L", "transformer layers (default)"},
        {"--dim", ARG_INT, &x.dim, RANGE("model.dim"), NULL, "D", "model width (default)"},
        {"--heads", ARG_INT, &x.heads, RANGE("model.heads"), NULL, "H", "attention heads (default)"},
        {"--lr", ARG_REAL, &x.lr, RANGE("train.lr"), NULL, "LR", "peak learning rate (default)"},
        {"--threads", ARG_INT, &x.threads, RANGE("train.threads"), NULL, "N", "1 or 2; 1 gives bitwise-reproducible weights (default)"},
        {"--goals", ARG_INT, &x.goals, RANGE("train.goals"), NULL, "K",
         "goals asked per training episode after its one exploration (default)"},
        {"--eval-every", ARG_INT, &x.eval_every, RANGE("train.eval_every"), NULL, "N",
         "quick held-out dev evaluation every N steps, 0: never (default)"},
        {"-o", ARG_STRING, &out, 0, 0, NULL, "FILE", "checkpoint to write (default heldout_links-seedS.ckpt)"},
        {"--output", ARG_STRING, &out, 0, 0, NULL, "FILE", "same as -o"},
        {"--evaluate", ARG_FLAG, &evaluate, 0, 0, NULL, NULL, "evaluate after training and store the table in the checkpoint"},
        {"--quiet", ARG_FLAG, &quiet, 0, 0, NULL, NULL, "no progress on stderr"},
    };
    ArgCmd cmd = {"train", "dolab train [options]",
                  "Trains the transformer on the expert's passive stream only, with the built-in experiment:\n"
                  "worlds that contain the causal link A->E never appear in training.  Progress goes to stderr;\n"
                  "the checkpoint holds the model, the vocabulary, the experiment, the seed and the training curve.",
                  opts, (int)(sizeof opts / sizeof *opts), 0, 0,
                  "examples:\n  dolab train --steps 30000 --seed 1 -o model.ckpt\n  dolab eval model.ckpt\n"};
    char *pos[1];
    int npos;
    Err e;
    int rc = args_or_exit(&cmd, argc, argv, pos, &npos);
    if (rc >= 0) return rc;
    if (exp_check(&x, &e)) {
        fprintf(stderr, "dolab train: %s\n", e.msg);
        return 2;
    }
    char def[128];
    if (!out) {
        snprintf(def, sizeof def, "%s-seed%llu.ckpt", x.name, (unsigned long long)x.seed);
        out = def;
    }
    TrainHooks hooks = {.quiet = quiet};
    TrainResult r;
    if (train_run(&x, &hooks, &r, &e)) {
        fprintf(stderr, "dolab train: %s\n", e.msg);
        return 1;
    }
    cJSON *ev = NULL;
    if (evaluate) {
        TokFormat f = exp_format(&x, -1);
        Strategy *agent = agent_new(r.model, &f, 0.0, 0, &e);
        EvalReport rep;
        if (!agent || eval_run(&x, agent, NULL, 0, &rep, &e)) {
            fprintf(stderr, "dolab train: evaluation: %s\n", e.msg);
            if (agent) agent->destroy(agent);
            train_result_free(&r);
            return 1;
        }
        agent->destroy(agent);
        eval_print(&rep, &x, stdout);
        ev = eval_to_json(&rep);
    }
    rc = train_save(out, &r, &x, ev, &e);
    cJSON_Delete(ev);
    if (rc) {
        fprintf(stderr, "dolab train: %s\n", e.msg);
        train_result_free(&r);
        return 1;
    }
    printf("wrote %s: %ld steps in %.0f s, %.0f tokens/s, final loss %.4f\n", out, r.steps, r.seconds, r.tokens_per_s,
           r.final_loss);
    train_result_free(&r);
    return 0;
}

/* Prints the agent's error counts (the protocol's fallbacks) to out. */
static void print_agent_stats(const Strategy *ag, FILE *out) {
    ExtAgentStats st;
    ext_agent_stats(ag, &st);
    fprintf(out, "%s: %ld decisions; %ld timeouts, %ld malformed, %ld illegal replies (default action taken); "
                 "%ld of %ld episodes marked\n",
            ag->name, st.decisions, st.timeouts, st.malformed, st.illegal, st.marked, st.episodes);
    if (st.timeouts + st.malformed + st.illegal) {
        char tail[400];
        ext_agent_stderr_tail(ag, tail, sizeof tail);
        if (tail[0]) fprintf(out, "%s's stderr (tail): %s\n", ag->name, tail);
    }
}

static cJSON *agent_stats_json(const Strategy *ag, const char *cmd, int timeout_ms) {
    ExtAgentStats st;
    ext_agent_stats(ag, &st);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", ag->name);
    cJSON_AddStringToObject(o, "command", cmd);
    cJSON_AddNumberToObject(o, "protocol", EXT_AGENT_PROTOCOL);
    cJSON_AddNumberToObject(o, "timeout_ms", timeout_ms);
    cJSON_AddNumberToObject(o, "decisions", (double)st.decisions);
    cJSON_AddNumberToObject(o, "timeouts", (double)st.timeouts);
    cJSON_AddNumberToObject(o, "malformed", (double)st.malformed);
    cJSON_AddNumberToObject(o, "illegal", (double)st.illegal);
    cJSON_AddNumberToObject(o, "episodes", (double)st.episodes);
    cJSON_AddNumberToObject(o, "episodes_marked", (double)st.marked);
    return o;
}

int cmd_eval(int argc, char **argv) {
    int episodes = 0, json = 0, timeout_ms = 5000;
    ArgU64 seed = {0, 0};
    double temperature = 0.0;
    const char *agent_cmd = NULL, *quality = NULL;
    ArgOpt opts[] = {
        {"--episodes", ARG_INT, &episodes, 1, 1000000, NULL, "N", "episodes per evaluation set (default: the experiment's)"},
        {"--quality", ARG_STRING, &quality, 0, 0, NULL, "Q",
         "ask the model for quality Q (a demonstrator's name or a reward bucket its training wrote; default: eval.quality)"},
        {"--seed", ARG_U64_OPT, &seed, 0, 0, NULL, "S", "evaluation seed (default: the experiment's, 1000)"},
        {"--temperature", ARG_REAL, &temperature, 0, 10, NULL, "T", "sample the model's choices (default 0: argmax)"},
        {"--agent", ARG_STRING, &agent_cmd, 0, 0, NULL, "CMD",
         "also evaluate an external agent: CMD runs under /bin/sh -c and speaks the agent protocol (docs/agents.md)"},
        {"--agent-timeout", ARG_INT, &timeout_ms, 1, 3600000, NULL, "MS",
         "the agent's time per decision in milliseconds (default 5000)"},
        {"--json", ARG_FLAG, &json, 0, 0, NULL, NULL, "print the results as JSON"},
    };
    ArgCmd cmd = {"eval", "dolab eval MODEL [options]\n       dolab eval [MODEL] --agent CMD [options]",
                  "Lets the model act for itself on the experiment's evaluation sets (training worlds, held-out\n"
                  "worlds, critical episodes) beside every baseline on the same episodes, and prints per set and\n"
                  "strategy the mean normalised reward with a 95% bootstrap CI, the share of oracle actions, the\n"
                  "share of complete non-repeating explorations, and which strategy the model's exploit agrees with.\n"
                  "With --agent, an external agent acts on the same episodes (first row, with the agreement line),\n"
                  "and its late, malformed and illegal replies are counted; without MODEL the built-in experiment\n"
                  "is used.",
                  opts, (int)(sizeof opts / sizeof *opts), 0, 1,
                  "examples:\n  dolab eval model.ckpt\n  dolab eval --agent 'python3 experiments/agents/expert_agent.py'\n"};
    char *pos[1];
    int npos;
    Err e;
    int rc = args_or_exit(&cmd, argc, argv, pos, &npos);
    if (rc >= 0) return rc;
    if (npos == 0 && !agent_cmd) {
        fprintf(stderr, "dolab eval: missing argument: expected a MODEL checkpoint, an --agent CMD, or both (see dolab eval --help)\n");
        return 2;
    }
    Gpt *m = NULL;
    Experiment x;
    cJSON *meta = NULL;
    Lab *lab = NULL; /* the script's functions, when the checkpoint's experiment was rebuilt from it */
    if (npos == 0) {
        x = exp_default();
    } else if (lab_load_checkpoint(pos[0], &m, &x, &meta, &lab, &e)) {
        fprintf(stderr, "dolab eval: %s\n", e.msg);
        return 1;
    }
    if (seed.given) x.eval_seed = seed.value;
    Strategy *agent = NULL, *ext = NULL;
    Vocab *voc = NULL;
    EvalReport rep;
    rc = 1;
    if (quality) { /* the quality word is compiled to its token with the vocabulary */
        if (strlen(quality) >= sizeof x.quality) {
            err_set(&e, "--quality: '%s' is longer than %zu characters", quality, sizeof x.quality - 1);
            goto fail;
        }
        snprintf(x.quality, sizeof x.quality, "%s", quality);
        if (exp_check(&x, &e) || !(voc = train_vocab(&x, &e))) {
            err_prefix(&e, "--quality");
            goto fail;
        }
    }
    TokFormat f = exp_format(&x, -1);
    if (m && !(agent = agent_new(m, &f, temperature, 0, &e))) goto fail;
    if (agent_cmd) {
        EpConfig shape = exp_set_config(&x, 0);
        if (!(voc || (voc = train_vocab(&x, &e))) || !(ext = ext_agent_new(agent_cmd, &shape, &f, voc, timeout_ms, &e)))
            goto fail;
    }
    if (eval_run(&x, ext ? ext : agent, NULL, episodes, &rep, &e)) goto fail;
    if (ext && agent) { /* the model on the same episodes, as the second row */
        EvalReport mr;
        static const char *const none[] = {NULL};
        if (eval_run(&x, agent, none, episodes, &mr, &e)) goto fail;
        for (int k = 0; k < rep.n_sets; k++) {
            EvalSetResult *r = &rep.sets[k];
            if (r->nrows >= EVAL_MAX_ROWS || mr.sets[k].nrows < 1) continue;
            memmove(&r->rows[2], &r->rows[1], sizeof r->rows[0] * (size_t)(r->nrows - 1));
            r->rows[1] = mr.sets[k].rows[0];
            r->nrows++;
        }
    }
    rc = 0;
    if (json) {
        cJSON *o = eval_to_json(&rep);
        if (m) cJSON_AddStringToObject(o, "model", pos[0]);
        if (x.quality[0]) cJSON_AddStringToObject(o, "quality", x.quality);
        if (ext) cJSON_AddItemToObject(o, "agent", agent_stats_json(ext, agent_cmd, timeout_ms));
        cJSON_AddItemToObject(o, "experiment", meta ? cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(meta, "experiment"), 1)
                                                    : exp_to_json(&x));
        char *s = cJSON_Print(o);
        if (s) printf("%s\n", s);
        free(s);
        cJSON_Delete(o);
    } else {
        if (m) {
            const cJSON *steps = cJSON_GetObjectItemCaseSensitive(meta, "steps");
            printf("model %s: experiment %s, training seed %llu, %d steps\n%s\n\n", pos[0], x.name,
                   (unsigned long long)x.seed, cJSON_IsNumber(steps) ? steps->valueint : 0, x.about);
        } else {
            printf("experiment %s (built in)\n%s\n\n", x.name, x.about);
        }
        if (x.quality[0]) printf("the model is asked for quality %s\n\n", x.quality);
        if (ext) print_agent_stats(ext, stdout), printf("\n");
        eval_print(&rep, &x, stdout);
    }
    goto done;
fail:
    fprintf(stderr, "dolab eval: %s\n", e.msg);
done:
    if (ext) ext->destroy(ext);
    if (agent) agent->destroy(agent);
    tok_vocab_free(voc);
    lab_free(lab);
    gpt_free(m);
    cJSON_Delete(meta);
    return rc;
}

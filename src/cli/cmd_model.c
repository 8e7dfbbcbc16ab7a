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
#include "learn/train.h"
#include "nn/ckpt.h"

int cmd_train(int argc, char **argv) {
    Experiment x = exp_default();
    const char *out = NULL;
    int quiet = 0, evaluate = 0;
    ArgOpt opts[] = {
        {"--steps", ARG_INT, &x.steps, 1, 10000000, NULL, "N", "training steps (default 30000)"},
        {"--seed", ARG_U64, &x.seed, 0, 0, NULL, "S", "seed of the initial weights and the training stream (default 1)"},
        {"--batch", ARG_INT, &x.batch, 1, 4096, NULL, "B", "episodes per step (default 32)"},
        {"--layers", ARG_INT, &x.layers, 1, 16, NULL, "L", "transformer layers (default 2)"},
        {"--dim", ARG_INT, &x.dim, 8, 1024, NULL, "D", "model width (default 64)"},
        {"--heads", ARG_INT, &x.heads, 1, 64, NULL, "H", "attention heads (default 4)"},
        {"--lr", ARG_REAL, &x.lr, 1e-6, 0.5, NULL, "LR", "peak learning rate (default 0.003)"},
        {"--threads", ARG_INT, &x.threads, 1, 2, NULL, "N", "1 or 2 (default 2; 1 gives bitwise-reproducible weights)"},
        {"--eval-every", ARG_INT, &x.eval_every, 0, 10000000, NULL, "N",
         "quick held-out dev evaluation every N steps (default 2000, 0: never)"},
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

int cmd_eval(int argc, char **argv) {
    int episodes = 0, json = 0;
    ArgU64 seed = {0, 0};
    double temperature = 0.0;
    ArgOpt opts[] = {
        {"--episodes", ARG_INT, &episodes, 1, 1000000, NULL, "N", "episodes per evaluation set (default: the experiment's)"},
        {"--seed", ARG_U64_OPT, &seed, 0, 0, NULL, "S", "evaluation seed (default: the experiment's, 1000)"},
        {"--temperature", ARG_REAL, &temperature, 0, 10, NULL, "T", "sample the model's choices (default 0: argmax)"},
        {"--json", ARG_FLAG, &json, 0, 0, NULL, NULL, "print the results as JSON"},
    };
    ArgCmd cmd = {"eval", "dolab eval MODEL [options]",
                  "Lets the model act for itself on the experiment's evaluation sets (training worlds, held-out\n"
                  "worlds, critical episodes) beside every baseline on the same episodes, and prints per set and\n"
                  "strategy the mean normalised reward with a 95% bootstrap CI, the share of oracle actions, the\n"
                  "share of complete non-repeating explorations, and which strategy the model's exploit agrees with.",
                  opts, (int)(sizeof opts / sizeof *opts), 1, 1, NULL};
    char *pos[1];
    int npos;
    Err e;
    int rc = args_or_exit(&cmd, argc, argv, pos, &npos);
    if (rc >= 0) return rc;
    Gpt *m;
    Experiment x;
    cJSON *meta;
    if (train_load(pos[0], &m, &x, &meta, &e)) {
        fprintf(stderr, "dolab eval: %s\n", e.msg);
        return 1;
    }
    if (seed.given) x.eval_seed = seed.value;
    TokFormat f = exp_format(&x, -1);
    Strategy *agent = agent_new(m, &f, temperature, 0, &e);
    EvalReport rep;
    rc = 0;
    if (!agent || eval_run(&x, agent, NULL, episodes, &rep, &e)) {
        fprintf(stderr, "dolab eval: %s\n", e.msg);
        rc = 1;
    } else if (json) {
        cJSON *o = eval_to_json(&rep);
        cJSON_AddStringToObject(o, "model", pos[0]);
        cJSON_AddItemToObject(o, "experiment", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(meta, "experiment"), 1));
        char *s = cJSON_Print(o);
        if (s) printf("%s\n", s);
        free(s);
        cJSON_Delete(o);
    } else {
        const cJSON *steps = cJSON_GetObjectItemCaseSensitive(meta, "steps");
        printf("model %s: experiment %s, training seed %llu, %d steps\n%s\n\n", pos[0], x.name,
               (unsigned long long)x.seed, cJSON_IsNumber(steps) ? steps->valueint : 0, x.about);
        eval_print(&rep, &x, stdout);
    }
    if (agent) agent->destroy(agent);
    gpt_free(m);
    cJSON_Delete(meta);
    return rc;
}

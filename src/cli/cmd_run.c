/* dolab run EXPERIMENT.lua: train on the passive stream the script describes, evaluate the
 * model beside the baselines, print the results and record the run in the notebook. */
#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/version.h"
#include "learn/agent.h"
#include "learn/eval.h"
#include "learn/train.h"
#include "nn/ckpt.h"
#include "notebook/notebook.h"
#include "script/lab.h"
#include "util/fileio.h"
#include "util/progress.h"

static int stop_on_script_error(void *ctx, long step, long total, float loss) {
    (void)step, (void)total, (void)loss;
    Err e;
    return lab_callback_error(ctx, &e) != 0;
}

/* Trains, evaluates, saves and records one experiment. */
static int run_arm(const char *script, Lab *lab, Notebook *nb, Experiment *x, const char *ckpt, int quiet,
                   EvalReport *rep, int blank_line, Err *e) {
    double t0 = progress_now();
    TrainResult tr = {0};
    Strategy *agent = NULL;
    cJSON *ev = NULL;
    int rc = -1;
    TrainHooks hooks = {.on_step = stop_on_script_error, .ctx = lab, .quiet = quiet};
    if (train_run(x, &hooks, &tr, e)) {
        Err se;
        if (lab_callback_error(lab, &se)) *e = se;
        goto out;
    }
    TokFormat f = exp_format(x, -1);
    agent = agent_new(tr.model, &f, 0.0, 0, e);
    if (!agent || eval_run(x, agent, NULL, 0, rep, e) || lab_callback_error(lab, e)) {
        err_prefix(e, "evaluation");
        goto out;
    }
    ev = eval_to_json(rep);
    if (train_save(ckpt, &tr, x, ev, e)) goto out;
    printf("%s%s (training seed %llu, %ld steps, %.0f s)\n%s\n\n", blank_line ? "\n" : "", x->name,
           (unsigned long long)x->seed, tr.steps, tr.seconds, x->about);
    eval_print(rep, x, stdout);
    char title[160];
    snprintf(title, sizeof title, "%s, seed %llu", x->name, (unsigned long long)x->seed);
    NbRun run = {title, script, lab_script_text(lab), x, &tr, DOLAB_VERSION, dolab_commit(), ckpt, ev,
                 progress_now() - t0};
    if (nb_add(nb, nb_run_entry(&run), e)) goto out;
    const cJSON *last = nb_entry(nb, nb_count(nb) - 1);
    printf("\ncheckpoint %s; notebook %s, entry %d\n", ckpt, nb_path(nb),
           cJSON_GetObjectItemCaseSensitive(last, "id")->valueint);
    fflush(stdout);
    rc = 0;
out:
    if (agent) agent->destroy(agent);
    cJSON_Delete(ev);
    train_result_free(&tr);
    return rc;
}

int cmd_run(int argc, char **argv) {
    const char *nb_file = getenv("DOLAB_NOTEBOOK") ? getenv("DOLAB_NOTEBOOK") : "notebook.json";
    const char *out = NULL;
    ArgU64 seed = {0, 0};
    int quick = 0, quiet = 0, memory_mb = 256;
    double seconds = 10.0;
    ArgOpt opts[] = {
        {"--notebook", ARG_STRING, &nb_file, 0, 0, NULL, "FILE", "notebook to record the run in (default notebook.json)"},
        {"--seed", ARG_U64_OPT, &seed, 0, 0, NULL, "S", "training seed (default: the script's)"},
        {"--quick", ARG_FLAG, &quick, 0, 0, NULL, NULL, "a small version of the same experiment (for tests)"},
        {"-o", ARG_STRING, &out, 0, 0, NULL, "FILE", "checkpoint (default runs/NAME-seedS.ckpt)"},
        {"--memory", ARG_INT, &memory_mb, 1, 65536, NULL, "MB", "memory the script may use (default 256)"},
        {"--script-time", ARG_REAL, &seconds, 0.01, 3600, NULL, "S", "time a script call may take (default 10)"},
        {"--quiet", ARG_FLAG, &quiet, 0, 0, NULL, NULL, "no progress on stderr"},
    };
    ArgCmd cmd = {"run", "dolab run EXPERIMENT.lua [options]",
                  "Runs an experiment script: trains the model on the passive stream the script describes, lets\n"
                  "it act on the evaluation sets beside the baselines, prints the results table and records the\n"
                  "run (script, resolved configuration, seed, curve, checkpoint, results) in the notebook.",
                  opts, (int)(sizeof opts / sizeof *opts), 1, 1,
                  "examples:\n  dolab run experiments/heldout_links.lua\n  dolab run experiments/shortcut.lua --quick\n"};
    char *pos[1];
    int npos;
    Err e;
    int rc = args_or_exit(&cmd, argc, argv, pos, &npos);
    if (rc >= 0) return rc;
    /* the notebook first: a broken notebook stops the run before any work */
    Notebook *nb = NULL;
    if (nb_open(nb_file, &nb, &e)) {
        fprintf(stderr, "dolab run: %s\n", e.msg);
        nb_free(nb);
        return 1;
    }
    LabLimits lim = {(size_t)memory_mb << 20, seconds};
    SB log = {0};
    Lab *lab = lab_new(&lim, NULL, &log, &e);
    if (!lab) {
        fprintf(stderr, "dolab run: %s\n", e.msg);
        nb_free(nb);
        return 1;
    }
    lab_set_quick(lab, quick);
    enum { MAX_ARMS = 8 };
    Experiment *xs = calloc(MAX_ARMS, sizeof *xs);
    EvalReport *reps = calloc(MAX_ARMS, sizeof *reps);
    int narms = 0, status = 1;
    if (!xs || !reps) {
        fprintf(stderr, "dolab run: out of memory\n");
        goto done;
    }
    /* a shipped experiment by its name in the source tree, also when dolab is installed */
    char script[4096];
    if (access(pos[0], F_OK) != 0 && pos[0][0] != '/') fio_data_path(NULL, pos[0], script, sizeof script);
    else snprintf(script, sizeof script, "%s", pos[0]);
    if (lab_load_experiments(lab, script, xs, MAX_ARMS, &narms, &e)) {
        fprintf(stderr, "dolab run: %s\n", e.msg);
        goto done;
    }
    if (log.len) fprintf(stderr, "%s", sb_str(&log));
    for (int k = 0; k < narms; k++) {
        Experiment *x = &xs[k];
        if (seed.given) x->seed = seed.value;
        char path[300];
        if (out && narms == 1) {
            snprintf(path, sizeof path, "%s", out);
        } else if (out) {
            snprintf(path, sizeof path, "%s.%d", out, k + 1);
        } else {
            mkdir("runs", 0755);
            snprintf(path, sizeof path, "runs/%s-seed%llu%s.ckpt", x->name, (unsigned long long)x->seed,
                     quick ? "-quick" : "");
        }
        if (!quiet) fprintf(stderr, "%s%s: %s\n", narms > 1 ? "arm " : "", x->name, x->about);
        if (run_arm(script, lab, nb, x, path, quiet, &reps[k], k > 0, &e)) {
            fprintf(stderr, "dolab run: %s%s%s\n", narms > 1 ? x->name : "", narms > 1 ? ": " : "", e.msg);
            goto done;
        }
    }
    if (narms > 1) {
        printf("\narms side by side (the model's mean normalised reward, 95%% CI):\n  %-28s", "arm");
        for (int s = 0; s < reps[0].n_sets; s++) printf(" %-22s", reps[0].sets[s].name);
        printf("\n");
        for (int k = 0; k < narms; k++) {
            printf("  %-28s", xs[k].name);
            for (int s = 0; s < reps[k].n_sets; s++) {
                const EvalRow *r = &reps[k].sets[s].rows[0];
                char cell[40];
                snprintf(cell, sizeof cell, "%.3f [%.3f, %.3f]", r->reward.mean, r->reward.lo, r->reward.hi);
                printf(" %-22s", cell);
            }
            printf("\n");
        }
    }
    status = 0;
done:
    free(xs);
    free(reps);
    lab_free(lab);
    sb_free(&log);
    nb_free(nb);
    return status;
}

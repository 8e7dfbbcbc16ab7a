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
#include "cli/arm.h"
#include "cli/commands.h"
#include "cli/version.h"
#include "learn/agent.h"
#include "learn/eval.h"
#include "learn/train.h"
#include "nn/ckpt.h"
#include "notebook/nb_entry.h"
#include "notebook/notebook.h"
#include "script/lab.h"
#include "util/jsonu.h"
#include "util/fileio.h"
#include "util/progress.h"

/* Trains, evaluates, saves and records one experiment. */
/* What a run records besides the experiment: --quick, and a sweep job's provenance. */
typedef struct RunMark {
    int quick;
    const cJSON *sweep; /* {"name", "job", "arm", "set"} or NULL */
} RunMark;

static int run_arm(const char *script, Lab *lab, Notebook *nb, Experiment *x, const char *ckpt, int quiet,
                   const RunMark *mark, EvalReport *rep, int blank_line, Err *e) {
    double t0 = progress_now();
    TrainResult tr = {0};
    Strategy *agent = NULL;
    cJSON *ev = NULL, *script_json = NULL;
    int rc = -1;
    TrainHooks hooks = {.quiet = quiet}; /* a failing script function fails train_run with its own error */
    if (train_run(x, &hooks, &tr, e)) goto out;
    TokFormat f = exp_format(x, -1);
    agent = agent_new(tr.model, &f, 0.0, 0, e);
    if (!agent || eval_run(x, agent, NULL, 0, rep, e) || eval_agents(x, 0, rep, e)) {
        err_prefix(e, "evaluation");
        goto out;
    }
    ev = eval_to_json(rep);
    script_json = lab_script_json(lab);
    if (train_save_script(ckpt, &tr, x, ev, script_json, e)) goto out;
    printf("%s%s (training seed %llu, %ld steps, %.0f s)\n%s\n\n", blank_line ? "\n" : "", x->name,
           (unsigned long long)x->seed, tr.steps, tr.seconds, x->about);
    eval_print(rep, x, stdout);
    char title[160];
    snprintf(title, sizeof title, "%s, seed %llu%s", x->name, (unsigned long long)x->seed, mark->quick ? " (quick)" : "");
    NbRun run = {title, script, lab_script_text(lab), x, &tr, DOLAB_VERSION, dolab_commit(), ckpt, ev,
                 progress_now() - t0, mark->quick, mark->sweep};
    if (nb_add(nb, nb_run_entry(&run), e)) goto out;
    const cJSON *last = nb_entry(nb, nb_count(nb) - 1);
    printf("\ncheckpoint %s; notebook %s, entry %d\n", ckpt, nb_path(nb),
           cJSON_GetObjectItemCaseSensitive(last, "id")->valueint);
    fflush(stdout);
    rc = 0;
out:
    if (agent) agent->destroy(agent);
    cJSON_Delete(ev);
    cJSON_Delete(script_json);
    train_result_free(&tr);
    return rc;
}

/* The entry of a notebook that already records job `job` of sweep `name`, or NULL. */
static const cJSON *sweep_job_entry(const Notebook *nb, const char *name, long job) {
    for (int i = 0; i < nb_count(nb); i++) {
        NbeRun r;
        Err e;
        const cJSON *x = nb_entry(nb, i);
        if (strcmp(nbe_type(x), "run") == 0 && nbe_read_run(x, &r, &e) == 0 && r.sweep && strcmp(r.sweep, name) == 0 &&
            r.job == job)
            return x;
    }
    return NULL;
}

/* {"name": sweep, "job": job, "arm": arm, "set": {"train.steps": 500, ...}} */
static cJSON *sweep_mark(const char *sweep, long job, const char *arm, const ArgList *sets) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "name", sweep);
    cJSON_AddNumberToObject(o, "job", (double)job);
    cJSON_AddStringToObject(o, "arm", arm);
    cJSON *set = cJSON_AddObjectToObject(o, "set");
    for (int i = 0; set && i < sets->n; i++) {
        const char *eq = strchr(sets->v[i], '=');
        char path[128];
        snprintf(path, sizeof path, "%.*s", (int)(eq - sets->v[i]), sets->v[i]);
        char *end;
        double v = strtod(eq + 1, &end);
        cJSON_DeleteItemFromObjectCaseSensitive(set, path);
        if (*end || end == eq + 1) cJSON_AddStringToObject(set, path, eq + 1);
        else ju_add_num(set, path, v);
    }
    return o;
}

int cmd_run(int argc, char **argv) {
    const char *nb_file = getenv("DOLAB_NOTEBOOK") ? getenv("DOLAB_NOTEBOOK") : "notebook.json";
    const char *out = NULL;
    ArgU64 seed = {0, 0};
    int quick = 0, quiet = 0, memory_mb = 256, job = -1, allow_agents = 0;
    double seconds = 10.0;
    ArgList sets = {{0}, 0};
    const char *arm = NULL, *sweep = NULL;
    ArgOpt opts[] = {
        {"--notebook", ARG_STRING, &nb_file, 0, 0, NULL, "FILE", "notebook to record the run in (default notebook.json)"},
        {"--seed", ARG_U64_OPT, &seed, 0, 0, NULL, "S", "training seed (default: the script's)"},
        {"--quick", ARG_FLAG, &quick, 0, 0, NULL, NULL, "a small version of the same experiment (for tests)"},
        {"-o", ARG_STRING, &out, 0, 0, NULL, "FILE", "checkpoint (default runs/NAME-seedS.ckpt)"},
        {"--memory", ARG_INT, &memory_mb, 1, 65536, NULL, "MB", "memory the script may use (default 256)"},
        {"--script-time", ARG_REAL, &seconds, 0.01, 3600, NULL, "S", "time a script call may take (default 10)"},
        {"--quiet", ARG_FLAG, &quiet, 0, 0, NULL, NULL, "no progress on stderr"},
        {"--set", ARG_LIST, &sets, 0, 0, NULL, "FIELD=V",
         "set an experiment field by its path (train.steps=500, world.noise=0.5, a list in braces: train.betas={0.9,0.95}); repeatable"},
        {"--agents", ARG_FLAG, &allow_agents, 0, 0, NULL, NULL,
         "run the external agents the script names (eval.agents: commands run under /bin/sh -c)"},
        {"--arm", ARG_STRING, &arm, 0, 0, NULL, "NAME", "run only this arm of a script that returns several"},
        {"--sweep", ARG_STRING, &sweep, 0, 0, NULL, "NAME", "record the run as a job of this sweep (dolab sweep)"},
        {"--job", ARG_INT, &job, 1, 100000000, NULL, "K",
         "its job number: a notebook that already records job K of the sweep is left as it is"},
    };
    ArgCmd cmd = {"run", "dolab run EXPERIMENT.lua [options]",
                  "Runs an experiment script: trains the model on the passive stream the script describes, lets\n"
                  "it act on the evaluation sets beside the baselines, prints the results table and records the\n"
                  "run (script, resolved configuration, seed, curve, checkpoint, results) in the notebook.",
                  opts, (int)(sizeof opts / sizeof *opts), 1, 1,
                  "examples:\n  dolab run experiments/heldout_links.lua\n  dolab run experiments/shortcut.lua --quick\n"
                  "  dolab run experiments/shortcut.lua --set train.steps=500 --set model.dim=64\n"};
    char *pos[1];
    int npos;
    Err e;
    int rc = args_or_exit(&cmd, argc, argv, pos, &npos);
    if (rc >= 0) return rc;
    if ((sweep != NULL) != (job >= 0)) {
        fprintf(stderr, "dolab run: --sweep and --job go together\n");
        return 2;
    }
    if (sweep && !*sweep) {
        fprintf(stderr, "dolab run: --sweep: expected a name\n");
        return 2;
    }
    /* A sweep job holds a lock beside its shard while it runs: a rerun of the job (its engine
     * was killed but the job went on) waits for it, then finds the job recorded below. */
    int job_lock = -1;
    if (sweep) {
        char lock_path[4200];
        snprintf(lock_path, sizeof lock_path, "%s.lock", nb_file);
        int waited = 0;
        job_lock = fio_lock_wait(lock_path, &waited, &e);
        if (job_lock < 0) {
            fprintf(stderr, "dolab run: %s\n", e.msg);
            return 1;
        }
        if (waited) fprintf(stderr, "dolab run: waited for another process running job %d of sweep %s\n", job, sweep);
    }
    /* the notebook first: a broken notebook stops the run before any work */
    Notebook *nb = NULL;
    if (nb_open(nb_file, &nb, &e)) {
        fprintf(stderr, "dolab run: %s\n", e.msg);
        nb_free(nb);
        fio_unlock(job_lock);
        return 1;
    }
    LabLimits lim = {(size_t)memory_mb << 20, seconds};
    SB log = {0};
    Lab *lab = lab_new(&lim, NULL, &log, &e);
    if (!lab) {
        fprintf(stderr, "dolab run: %s\n", e.msg);
        nb_free(nb);
        fio_unlock(job_lock);
        return 1;
    }
    lab_set_quick(lab, quick);
    for (int i = 0; i < sets.n; i++)
        if (lab_set_field(lab, sets.v[i], &e)) {
            fprintf(stderr, "dolab run: %s\n", e.msg);
            lab_free(lab);
            nb_free(nb);
            fio_unlock(job_lock);
            return 2;
        }
    if (sweep) {
        const cJSON *done = sweep_job_entry(nb, sweep, job);
        if (done) { /* a rerun of a job that finished: never recorded twice */
            printf("job %d of sweep %s is already recorded in %s (entry %ld): nothing to do\n", job, sweep, nb_path(nb),
                   nbe_id(done));
            lab_free(lab);
            nb_free(nb);
            fio_unlock(job_lock);
            return 0;
        }
    }
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
        script_load_error("run", &sets, e.msg);
        goto done;
    }
    if (arm) {
        int k = 0;
        while (k < narms && strcmp(xs[k].name, arm) != 0) k++;
        if (k == narms) {
            SB names = {0};
            for (int i = 0; i < narms; i++) sb_printf(&names, "%s%s", i ? ", " : "", xs[i].name);
            fprintf(stderr, "dolab run: --arm %s: %s has no such arm (it has %s)\n", arm, pos[0], sb_str(&names));
            sb_free(&names);
            goto done;
        }
        if (k) xs[0] = xs[k];
        narms = 1;
    }
    for (int k = 0; k < narms; k++) {
        Err ce;
        if (exp_check(&xs[k], &ce) || eval_probe(&xs[k], &ce)) {
            fprintf(stderr, "dolab run: %s: %s\n", xs[k].name, ce.msg);
            goto done;
        }
        /* a script is sandboxed; the commands it names run only when the person says so */
        if (xs[k].n_agents && !allow_agents) {
            fprintf(stderr, "dolab run: %s: eval.agents would run %s%s: add --agents to run them\n", xs[k].name,
                    xs[k].agents[0].cmd, xs[k].n_agents > 1 ? " and more commands" : "");
            status = 2;
            goto done;
        }
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
        RunMark mark = {quick, NULL};
        cJSON *sm = sweep ? sweep_mark(sweep, job, x->name, &sets) : NULL;
        mark.sweep = sm;
        int failed = run_arm(script, lab, nb, x, path, quiet, &mark, &reps[k], k > 0, &e);
        cJSON_Delete(sm);
        if (failed) {
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
    fio_unlock(job_lock);
    return status;
}

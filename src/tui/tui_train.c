/* tui_train — background training (see tui_train.h). */
#include "tui/tui_train.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "learn/agent.h"
#include "learn/eval.h"
#include "learn/train.h"
#include "nn/ckpt.h"
#include "notebook/notebook.h"
#include "util/fileio.h"
#include "util/progress.h"

struct TuiTrain {
    pthread_t th;
    int started;
    pthread_mutex_t mu;
    TuiTrainStatus st;
    int cancel;
    int taken;
    char script[1024], ckpt[1024], lua_dir[1024], version[64], commit[64];
    int quick;
    Lab *lab;
    Experiment x;
    TrainResult tr;
    cJSON *entry;
    SB log;
};

static int on_step(void *ctx, long step, long total, float loss) {
    TuiTrain *t = ctx;
    pthread_mutex_lock(&t->mu);
    t->st.step = step;
    t->st.total = total;
    if (t->st.n_loss == TUI_TRAIN_CURVE) { /* thin: keep every other point */
        for (int i = 0; i < TUI_TRAIN_CURVE / 2; i++) t->st.loss[i] = t->st.loss[2 * i];
        t->st.n_loss = TUI_TRAIN_CURVE / 2;
    }
    t->st.loss[t->st.n_loss++] = loss;
    int cancel = t->cancel;
    pthread_mutex_unlock(&t->mu);
    return cancel;
}

static void on_eval(void *ctx, long step, double dev_reward) {
    TuiTrain *t = ctx;
    (void)step;
    pthread_mutex_lock(&t->mu);
    t->st.dev = dev_reward;
    if (t->st.stop_at > 0 && dev_reward >= t->st.stop_at && t->x.cooldown > 0) t->st.cooling = 1;
    pthread_mutex_unlock(&t->mu);
}

static void set_phase(TuiTrain *t, const char *p) {
    pthread_mutex_lock(&t->mu);
    snprintf(t->st.phase, sizeof t->st.phase, "%s", p);
    pthread_mutex_unlock(&t->mu);
}

static cJSON *run_entry(TuiTrain *t, const cJSON *ev, double wall) {
    char title[160];
    snprintf(title, sizeof title, "%s, seed %llu%s (trained in the TUI)", t->x.name, (unsigned long long)t->x.seed,
             t->quick ? ", quick" : "");
    NbRun run = {title, t->script, lab_script_text(t->lab), &t->x, &t->tr, t->version, t->commit, t->ckpt, ev, wall,
                 t->quick, NULL};
    return nb_run_entry(&run);
}

static void *train_thread(void *arg) {
    TuiTrain *t = arg;
    Err e = {{0}};
    double t0 = progress_now();
    Strategy *agent = NULL;
    cJSON *ev = NULL;
    int ok = 0;
    t->lab = lab_new(NULL, t->lua_dir[0] ? t->lua_dir : NULL, &t->log, &e);
    if (!t->lab) goto out;
    lab_set_quick(t->lab, t->quick);
    if (lab_load_experiment(t->lab, t->script, &t->x, &e)) goto out;
    pthread_mutex_lock(&t->mu);
    t->st.stop_at = t->x.stop_at;
    pthread_mutex_unlock(&t->mu);
    set_phase(t, "training");
    TrainHooks hooks = {.on_step = on_step, .on_eval = on_eval, .ctx = t, .quiet = 1};
    if (train_run(&t->x, &hooks, &t->tr, &e)) goto out; /* a failing script function: its own error */
    set_phase(t, "evaluating");
    TokFormat f = exp_format(&t->x, -1);
    agent = agent_new(t->tr.model, &f, 0.0, 0, &e);
    EvalReport rep;
    if (!agent || eval_run(&t->x, agent, NULL, 0, &rep, &e)) {
        err_prefix(&e, "evaluation");
        goto out;
    }
    ev = eval_to_json(&rep);
    set_phase(t, "saving");
    if (train_save(t->ckpt, &t->tr, &t->x, ev, &e)) goto out;
    t->entry = run_entry(t, ev, progress_now() - t0);
    ok = 1;
out:
    if (agent) agent->destroy(agent);
    cJSON_Delete(ev);
    pthread_mutex_lock(&t->mu);
    t->st.state = ok ? TT_DONE : TT_FAILED;
    if (!ok) snprintf(t->st.error, sizeof t->st.error, "%s", t->cancel ? "cancelled" : e.msg);
    snprintf(t->st.phase, sizeof t->st.phase, "%s", ok ? "done" : "failed");
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

TuiTrain *tui_train_start(const char *script, int quick, const char *ckpt, const char *lua_dir, const char *version,
                          const char *commit, Err *e) {
    TuiTrain *t = calloc(1, sizeof *t);
    if (!t) {
        err_set(e, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&t->mu, NULL);
    /* a shipped experiment by its name in the source tree, also when dolab is installed */
    if (access(script, F_OK) != 0 && script[0] != '/') fio_data_path(NULL, script, t->script, sizeof t->script);
    else snprintf(t->script, sizeof t->script, "%s", script);
    snprintf(t->ckpt, sizeof t->ckpt, "%s", ckpt);
    snprintf(t->lua_dir, sizeof t->lua_dir, "%s", lua_dir ? lua_dir : "");
    snprintf(t->version, sizeof t->version, "%s", version ? version : "?");
    snprintf(t->commit, sizeof t->commit, "%s", commit ? commit : "?");
    t->quick = quick;
    t->st.state = TT_RUNNING;
    t->st.dev = NAN;
    snprintf(t->st.phase, sizeof t->st.phase, "loading");
    if (pthread_create(&t->th, NULL, train_thread, t)) {
        err_set(e, "cannot start the training thread");
        pthread_mutex_destroy(&t->mu);
        free(t);
        return NULL;
    }
    t->started = 1;
    return t;
}

void tui_train_status(TuiTrain *t, TuiTrainStatus *s) {
    pthread_mutex_lock(&t->mu);
    *s = t->st;
    pthread_mutex_unlock(&t->mu);
}

void tui_train_cancel(TuiTrain *t) {
    pthread_mutex_lock(&t->mu);
    t->cancel = 1;
    pthread_mutex_unlock(&t->mu);
}

int tui_train_take(TuiTrain *t, Gpt **model, Lab **lab, Experiment *x, cJSON **entry, Err *e) {
    TuiTrainStatus s;
    tui_train_status(t, &s);
    if (s.state != TT_DONE || t->taken) return err_set(e, "no trained model to take");
    pthread_join(t->th, NULL);
    t->started = 0;
    *model = t->tr.model;
    t->tr.model = NULL;
    *lab = t->lab;
    t->lab = NULL;
    *x = t->x;
    *entry = t->entry;
    t->entry = NULL;
    t->taken = 1;
    return 0;
}

void tui_train_free(TuiTrain *t) {
    if (!t) return;
    if (t->started) {
        tui_train_cancel(t);
        pthread_join(t->th, NULL);
    }
    train_result_free(&t->tr);
    cJSON_Delete(t->entry);
    lab_free(t->lab);
    sb_free(&t->log);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

/* tui_train — training an experiment script in a background thread, so the screen never
 * freezes.  The thread owns its own Lua sandbox (Lab), experiment and TrainResult; the main
 * thread only reads the progress (under a mutex) and, once the thread is done, takes the
 * result over with tui_train_take.
 *
 * Ownership: tui_train_start returns a TuiTrain the caller frees with tui_train_free (which
 * cancels and joins a thread still running).  What tui_train_take hands over (model, lab,
 * experiment, notebook entry) belongs to the caller from then on. */
#ifndef DOLAB_TUI_TRAIN_H
#define DOLAB_TUI_TRAIN_H

#include <cJSON.h>

#include "learn/exp.h"
#include "nn/gpt.h"
#include "script/lab.h"
#include "util/err.h"

typedef struct TuiTrain TuiTrain;

enum { TT_RUNNING, TT_DONE, TT_FAILED };

#define TUI_TRAIN_CURVE 512

typedef struct TuiTrainStatus {
    int state;          /* TT_* */
    long step, total;
    double dev;         /* the last development reward (NAN: none yet) */
    double stop_at;     /* train.stop_at of the run (0: trains to total) */
    int cooling;        /* an evaluation reached stop_at and the run is in its train.cooldown */
    int n_loss;
    double loss[TUI_TRAIN_CURVE]; /* loss per reported step, thinned to fit */
    char phase[64];     /* "loading", "training", "evaluating", "saving" */
    char error[512];
} TuiTrainStatus;

/* Starts training script (quick: the script's small version); the checkpoint goes to ckpt;
 * version and commit name the build in the notebook entry. */
TuiTrain *tui_train_start(const char *script, int quick, const char *ckpt, const char *lua_dir, const char *version,
                          const char *commit, Err *e);
void tui_train_status(TuiTrain *t, TuiTrainStatus *s);
void tui_train_cancel(TuiTrain *t);
/* After TT_DONE: the trained model, its Lab (its predicates), experiment, and a notebook run
 * entry; the TuiTrain keeps nothing of them. */
int tui_train_take(TuiTrain *t, Gpt **model, Lab **lab, Experiment *x, cJSON **entry, Err *e);
void tui_train_free(TuiTrain *t);

#endif

/* tiny_model.h — a tiny trained model for the TUI tests that need one (its choices do not
 * matter, only that it loads and acts).  Included by one test file each: static on purpose. */
#ifndef DOLAB_TEST_TINY_MODEL_H
#define DOLAB_TEST_TINY_MODEL_H

#include <stdio.h>

#include "learn/exp.h"
#include "learn/train.h"

/* Trains 5 steps of a 1-layer model and saves it at path; 0, or -1 with the reason on stderr. */
static int tiny_model_save(const char *path) {
    Experiment x = exp_default();
    x.layers = 1, x.dim = 16, x.heads = 2, x.batch = 8, x.steps = 5, x.threads = 1, x.eval_every = 0;
    TrainResult tr = {0};
    Err e;
    if (train_run(&x, &(TrainHooks){.quiet = 1}, &tr, &e) || train_save(path, &tr, &x, NULL, &e)) {
        fprintf(stderr, "model: %s\n", e.msg);
        train_result_free(&tr);
        return -1;
    }
    train_result_free(&tr);
    return 0;
}

#endif

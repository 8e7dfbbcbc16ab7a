/* ckpt_load — a checkpoint with its experiment rebuilt from the script it keeps.
 *
 * A checkpoint written by dolab run keeps its script (text, the modules it required, the
 * --set settings, --quick); its experiment is rebuilt in the sandbox, so Lua predicates,
 * filters and explanation functions work again.  Older checkpoints (and dolab train's) are read
 * from the header as before.  The Lab that holds the script's functions is returned in *lab
 * (NULL when none was needed); it must outlive every use of x (lab_free after). */
#ifndef DOLAB_CLI_CKPT_LOAD_H
#define DOLAB_CLI_CKPT_LOAD_H

#include <cJSON.h>

#include "learn/exp.h"
#include "nn/gpt.h"
#include "script/lab.h"

int ckpt_load(const char *path, Gpt **m, Experiment *x, cJSON **meta, Lab **lab, Err *e);

#endif

/* fuzz_lua — an experiment script (Lua source) through the sandbox's experiment reader,
 * lab_load_experiment, with small limits (8 MiB, 0.2 s), so that both limits are reached often
 * and cheaply: with 32 MiB and 1 s the grown corpus ran at ~900 inputs/s, its memory bombs
 * spending their time in malloc; replaying that corpus takes 3.2 times less with these, at the
 * same coverage.  Run from the checkout (lua/). */
#include "fuzz_common.h"

#include "script/lab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    LabLimits lim = {(size_t)8 << 20, 0.2};
    Err e;
    Lab *lab = lab_new(&lim, "lua", NULL, &e);
    if (!lab) return 0;
    Experiment x;
    lab_load_experiment(lab, fz_file(data, size), &x, &e);
    lab_free(lab);
    return 0;
}

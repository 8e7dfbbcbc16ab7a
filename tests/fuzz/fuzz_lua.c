/* fuzz_lua — an experiment script (Lua source) through the sandbox's experiment reader,
 * lab_load_experiment, with small limits (32 MiB, 1 s).  Run from the checkout (lua/). */
#include "fuzz_common.h"

#include "script/lab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    LabLimits lim = {(size_t)32 << 20, 1.0};
    Err e;
    Lab *lab = lab_new(&lim, "lua", NULL, &e);
    if (!lab) return 0;
    Experiment x;
    lab_load_experiment(lab, fz_file(data, size), &x, &e);
    lab_free(lab);
    return 0;
}

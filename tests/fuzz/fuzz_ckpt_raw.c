/* fuzz_ckpt_raw — a whole checkpoint file, bytes as they come (header, tensor data, sizes,
 * checksum): gpt_load and train_load must refuse every bad file with a message. */
#include "fuzz_common.h"

#include "learn/train.h"
#include "nn/ckpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fz_file(data, size);
    Gpt *m;
    Experiment x;
    cJSON *meta;
    Err e;
    if (train_load(path, &m, &x, &meta, &e) == 0) {
        gpt_free(m);
        cJSON_Delete(meta);
    }
    return 0;
}

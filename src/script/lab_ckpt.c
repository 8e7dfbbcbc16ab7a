/* lab_ckpt — a checkpoint with its experiment rebuilt from the script it keeps (lab.h). */
#include "script/lab.h"

#include <stdlib.h>
#include <string.h>

#include "learn/train.h"
#include "util/jsonu.h"

enum { CKPT_MAX_ARMS = 8 };

/* TrainRebuild: the script's experiment of the recorded name, with the recorded seeds. */
static int rebuild(const cJSON *meta, Experiment *x, void *ctx, Err *e) {
    Lab **lab = ctx;
    const cJSON *ej = cJSON_GetObjectItemCaseSensitive(meta, "experiment");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(ej, "name");
    if (!cJSON_IsString(name)) return err_set(e, "meta.experiment.name: expected a string, got %s", ju_kind(name));
    if (!(*lab = lab_new(NULL, NULL, NULL, e))) return -1;
    Experiment *xs = calloc(CKPT_MAX_ARMS, sizeof *xs);
    if (!xs) return err_set(e, "out of memory");
    int n = 0, rc = lab_load_experiments_json(*lab, cJSON_GetObjectItemCaseSensitive(meta, "script"), xs, CKPT_MAX_ARMS,
                                              &n, e);
    int k = 0;
    while (!rc && k < n && strcmp(xs[k].name, name->valuestring) != 0) k++;
    if (!rc && k == n) rc = err_set(e, "the script has no experiment named '%.60s'", name->valuestring);
    if (!rc) {
        *x = xs[k];
        /* dolab run --seed sets the training seed after the script */
        const cJSON *tr = cJSON_GetObjectItemCaseSensitive(ej, "train");
        rc = ju_get_u64(cJSON_GetObjectItemCaseSensitive(tr, "seed"), "meta.experiment.train.seed", &x->seed, e);
    }
    free(xs);
    return rc;
}

int lab_load_checkpoint(const char *path, Gpt **m, Experiment *x, cJSON **meta, Lab **lab, Err *e) {
    *lab = NULL;
    if (train_load_with(path, m, x, meta, rebuild, lab, e) == 0) return 0;
    lab_free(*lab);
    *lab = NULL;
    return -1;
}

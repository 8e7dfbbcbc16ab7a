/* fuzz_ckpt — the checkpoint header (JSON, structure-aware mutation), as `dolab eval` reads
 * it: train_load, then the model acting on one episode of each evaluation set's worlds.  The input is the
 * header; when it names a valid, small config the target appends that many zero weights and
 * sets the header's checksum to theirs (if it has one of the right form), so mutations reach
 * the meta and experiment readers instead of stopping at the checksum.  Only models of at most
 * FZ_MAX_PARAMS parameters get weights (larger ones are fuzz_ckpt_raw's and the unit tests'):
 * a campaign of 10^7 inputs needs each to cost well under a millisecond. */
#include "fuzz_common.h"

#include <cJSON.h>
#include <inttypes.h>

#include "learn/agent.h"
#include "learn/eval.h"
#include "learn/train.h"
#include "nn/ckpt.h"
#include "world/strategy.h"

static int config_of(const cJSON *h, GptConfig *c) {
    const cJSON *cf = cJSON_GetObjectItemCaseSensitive(h, "config");
    static const char *keys[5] = {"vocab", "context", "layers", "dim", "heads"};
    int *f[5] = {&c->vocab, &c->context, &c->layers, &c->dim, &c->heads};
    for (int i = 0; i < 5; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(cf, keys[i]);
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 && v->valuedouble <= 4096)) return -1;
        *f[i] = (int)v->valuedouble;
    }
    Err e;
    return gpt_config_check(c, &e);
}

#define FZ_MAX_PARAMS ((size_t)1 << 16)

/* The checksum of n zero floats (the last one asked for, kept). */
static const char *zero_sum(size_t n) {
    static size_t last = (size_t)-1;
    static char s[17];
    if (n != last) {
        uint8_t *zeros = calloc(1, n ? n * sizeof(float) : 1);
        if (!zeros) abort();
        snprintf(s, sizeof s, "%016" PRIx64, gpt_fnv1a(GPT_FNV_OFFSET, zeros, n * sizeof(float)));
        free(zeros);
        last = n;
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cJSON *h = cJSON_ParseWithLength((const char *)data, size);
    GptConfig cfg;
    GptTensorInfo info[GPT_NUM_TENSORS];
    uint8_t *file = NULL;
    size_t len = 0;
    if (cJSON_IsObject(h) && config_of(h, &cfg) == 0) {
        size_t np = gpt_tensor_table(&cfg, info);
        const cJSON *sum = cJSON_GetObjectItemCaseSensitive(h, "checksum");
        if (np <= FZ_MAX_PARAMS) {
            size_t body = np * sizeof(float);
            if (cJSON_IsString(sum) && strlen(sum->valuestring) == 16)
                cJSON_ReplaceItemInObjectCaseSensitive(h, "checksum", cJSON_CreateString(zero_sum(np)));
            char *text = cJSON_PrintUnformatted(h);
            if (text) {
                size_t tl = strlen(text);
                len = tl + 1 + body;
                file = calloc(1, len);
                if (file) {
                    memcpy(file, text, tl);
                    file[tl] = '\n';
                }
                free(text);
            }
        }
    }
    cJSON_Delete(h);
    if (!file) { /* the input as it is, as a header line */
        len = size + 1;
        file = malloc(len);
        if (!file) return 0;
        memcpy(file, data, size);
        file[size] = '\n';
    }
    const char *path = fz_file(file, len);
    free(file);
    Gpt *m;
    Experiment x;
    cJSON *meta;
    Err e;
    if (train_load(path, &m, &x, &meta, &e) == 0) {
        TokFormat f = exp_format(&x, -1);
        Strategy *agent = agent_new(m, &f, 0.0, 0, &e);
        if (agent) { /* one episode of each set's worlds (fuzz_exp covers the sets' filters) */
            for (int k = 0; k < x.n_sets; k++) {
                EpConfig c = exp_set_config(&x, k);
                Episode ep, *p = &ep;
                if (ep_generate(&ep, &c, 1, (uint64_t)k, NULL, NULL, &e) == 0) strat_play(agent, &p, 1, &e);
            }
            agent->destroy(agent);
        }
        gpt_free(m);
        cJSON_Delete(meta);
    }
    return 0;
}

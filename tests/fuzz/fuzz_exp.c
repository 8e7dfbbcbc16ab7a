/* fuzz_exp — the experiment JSON a checkpoint carries: exp_from_json + exp_check, then what
 * a loaded experiment is used for (its vocabulary, a training episode, a tiny evaluation of
 * the baselines).  Properties: what exp_from_json accepts, exp_record_check (the notebook's
 * reader of the same record) accepts too, and exp_to_json of it reads back. */
#include "fuzz_common.h"

#include <cJSON.h>

#include "learn/eval.h"
#include "learn/exp.h"
#include "learn/train.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cJSON *j = cJSON_ParseWithLength((const char *)data, size);
    Experiment x;
    Err e, er;
    int rec = exp_record_check(j, "x", &er);
    if (exp_from_json(j, &x, &e) == 0) {
        FZ_ASSERT(rec == 0, "exp_from_json accepts what exp_record_check refuses: %s", er.msg);
        cJSON *back = exp_to_json(&x);
        Experiment y;
        FZ_ASSERT(exp_from_json(back, &y, &e) == 0, "exp_to_json output does not read back: %s", e.msg);
        cJSON_Delete(back);
        Vocab *v = train_vocab(&x, &e);
        if (v) {
            Episode ep;
            TokSeq ts;
            train_episode(&x, 0, &ep, &ts, &e);
            tok_vocab_free(v);
        }
        EvalReport rep;
        eval_run(&x, NULL, NULL, 1, &rep, &e);
    }
    cJSON_Delete(j);
    return 0;
}

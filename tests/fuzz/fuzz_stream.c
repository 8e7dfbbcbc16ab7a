/* fuzz_stream — stream text (what `dolab stream` prints and people paste back) through
 * tok_parse; what parses is rendered again. */
#include "fuzz_common.h"

#include "util/strbuf.h"
#include "world/tok.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static Vocab *v;
    if (!v && !(v = tok_vocab_new())) abort();
    TokSeq ts;
    Err e;
    if (tok_parse(v, fz_str(data, size), &ts, &e) == 0) {
        SB b = {0};
        tok_render(v, ts.tok, ts.n, 5.0, NULL, &b);
        tok_render_names(v, ts.tok, ts.n, &b);
        sb_free(&b);
    }
    return 0;
}

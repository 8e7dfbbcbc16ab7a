#include "causal/dagenum.h"

#include <stdlib.h>

#include "causal/scm.h"

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int dag_enumerate(int n, uint64_t **ids, size_t *count, Err *e) {
    *ids = NULL;
    *count = 0;
    if (n < 1 || n > DAGENUM_MAX_VARS) return err_set(e, "DAG enumeration: n must be 1 to %d, got %d", DAGENUM_MAX_VARS, n);
    int pairs = n * (n - 1) / 2;
    int pi[10], pj[10];
    for (int i = 0, k = 0; i < n; i++)
        for (int j = i + 1; j < n; j++, k++) pi[k] = i, pj[k] = j;
    /* Each unordered pair is absent, i -> j or j -> i: 3^pairs candidates (59049 at n = 5). */
    size_t total = 1;
    for (int k = 0; k < pairs; k++) total *= 3;
    size_t cap = 1024, m = 0;
    uint64_t *out = malloc(cap * sizeof *out);
    if (!out) return err_set(e, "DAG enumeration: out of memory");
    for (size_t code = 0; code < total; code++) {
        uint64_t id = 0;
        size_t c = code;
        for (int k = 0; k < pairs; k++, c /= 3) {
            int d = (int)(c % 3);
            if (d == 1) id |= 1ull << (8 * pi[k] + pj[k]);
            if (d == 2) id |= 1ull << (8 * pj[k] + pi[k]);
        }
        if (!scm_id_is_acyclic(n, id)) continue;
        if (m == cap) {
            uint64_t *t = realloc(out, 2 * cap * sizeof *out);
            if (!t) {
                free(out);
                return err_set(e, "DAG enumeration: out of memory");
            }
            out = t;
            cap *= 2;
        }
        out[m++] = id;
    }
    qsort(out, m, sizeof *out, cmp_u64);
    *ids = out;
    *count = m;
    return 0;
}

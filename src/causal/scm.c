#include "causal/scm.h"

#include <math.h>
#include <string.h>

ScmParams scm_params_default(void) {
    ScmParams p = {.n = 5, .edge_prob = 0.5, .w_lo = 0.5, .w_hi = 1.5, .sigma = 0.1};
    return p;
}

int scm_params_check(const ScmParams *p, Err *e) {
    if (p->n < SCM_MIN_VARS || p->n > SCM_MAX_VARS)
        return err_set(e, "variables: expected %d to %d, got %d", SCM_MIN_VARS, SCM_MAX_VARS, p->n);
    if (!(p->edge_prob >= 0.0 && p->edge_prob <= 1.0))
        return err_set(e, "edge_prob: expected a number from 0 to 1, got %g", p->edge_prob);
    if (!(p->w_lo > 0.0 && p->w_lo <= p->w_hi && p->w_hi <= SCM_MAX_WEIGHT))
        return err_set(e, "weights: expected 0 < lo <= hi <= %g, got [%g, %g]", SCM_MAX_WEIGHT, p->w_lo, p->w_hi);
    if (!(p->sigma >= 0.0 && p->sigma <= SCM_MAX_NOISE))
        return err_set(e, "noise: expected an sd from 0 to %g, got %g", SCM_MAX_NOISE, p->sigma);
    return 0;
}

/* Recomputes order, parents, ancestors and total effects from w.  Returns -1 on a cycle. */
static int refresh(Scm *s) {
    int n = s->n;
    for (int j = 0; j < n; j++) {
        unsigned pm = 0;
        for (int i = 0; i < n; i++)
            if (s->w[i][j] != 0.0) pm |= 1u << i;
        s->parents[j] = pm;
    }
    /* Kahn's algorithm on bitmasks; the smallest ready variable first, so the order is canonical. */
    unsigned placed = 0;
    for (int k = 0; k < n; k++) {
        int pick = -1;
        for (int v = 0; v < n; v++)
            if (!((placed >> v) & 1u) && (s->parents[v] & ~placed) == 0) {
                pick = v;
                break;
            }
        if (pick < 0) return -1;
        s->order[k] = pick;
        placed |= 1u << pick;
    }
    for (int k = 0; k < n; k++) {
        int v = s->order[k];
        unsigned a = s->parents[v];
        for (int i = 0; i < n; i++)
            if ((s->parents[v] >> i) & 1u) a |= s->anc[i];
        s->anc[v] = a;
    }
    /* te[i][j] = sum over parents k of j of te[i][k] * w[k][j], in topological order of j. */
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) s->te[i][j] = 0.0;
        s->te[i][i] = 1.0;
        for (int k = 0; k < n; k++) {
            int j = s->order[k];
            if (j == i || !((s->anc[j] >> i) & 1u)) continue;
            double t = 0.0;
            for (int p = 0; p < n; p++)
                if ((s->parents[j] >> p) & 1u) t += s->te[i][p] * s->w[p][j];
            s->te[i][j] = t;
        }
    }
    return 0;
}

int scm_init(Scm *s, int n, double sigma, Err *e) {
    if (n < SCM_MIN_VARS || n > SCM_MAX_VARS)
        return err_set(e, "variables: expected %d to %d, got %d", SCM_MIN_VARS, SCM_MAX_VARS, n);
    if (!(sigma >= 0.0 && sigma <= SCM_MAX_NOISE))
        return err_set(e, "noise: expected an sd from 0 to %g, got %g", SCM_MAX_NOISE, sigma);
    memset(s, 0, sizeof *s);
    s->n = n;
    s->sigma = sigma;
    refresh(s);
    return 0;
}

int scm_add_edge(Scm *s, int from, int to, double weight, Err *e) {
    if (from < 0 || from >= s->n || to < 0 || to >= s->n)
        return err_set(e, "edge %d -> %d: variables are 0..%d", from, to, s->n - 1);
    if (from == to) return err_set(e, "edge %c -> %c: a variable cannot cause itself", scm_name(from), scm_name(to));
    if (!(fabs(weight) <= SCM_MAX_WEIGHT) || weight == 0.0)
        return err_set(e, "edge %c -> %c: weight must be non-zero and at most %g in size, got %g", scm_name(from),
                       scm_name(to), SCM_MAX_WEIGHT, weight);
    if ((s->anc[from] >> to) & 1u)
        return err_set(e, "edge %c -> %c would make a cycle (%c is already an ancestor of %c)", scm_name(from),
                       scm_name(to), scm_name(to), scm_name(from));
    s->w[from][to] = weight;
    refresh(s);
    return 0;
}

void scm_remove_edge(Scm *s, int from, int to) {
    if (from < 0 || from >= s->n || to < 0 || to >= s->n) return;
    s->w[from][to] = 0.0;
    refresh(s);
}

int scm_random(Scm *s, const ScmParams *p, Rng *r, Err *e) {
    if (scm_params_check(p, e)) return -1;
    if (scm_init(s, p->n, p->sigma, e)) return -1;
    int perm[SCM_MAX_VARS];
    for (int i = 0; i < p->n; i++) perm[i] = i;
    rng_shuffle(r, perm, p->n);
    for (int a = 0; a < p->n; a++)
        for (int b = a + 1; b < p->n; b++) {
            if (rng_uniform(r) >= p->edge_prob) continue;
            double mag = rng_range(r, p->w_lo, p->w_hi);
            s->w[perm[a]][perm[b]] = (rng_u64(r) >> 63) ? -mag : mag;
        }
    refresh(s);
    return 0;
}

int scm_id_is_acyclic(int n, uint64_t id) {
    unsigned par[SCM_MAX_VARS] = {0};
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if ((id >> (8 * i + j)) & 1u) par[j] |= 1u << i;
    unsigned placed = 0, all = (1u << n) - 1;
    while (placed != all) {
        unsigned ready = 0;
        for (int v = 0; v < n; v++)
            if (!((placed >> v) & 1u) && (par[v] & ~placed) == 0) ready |= 1u << v;
        if (!ready) return 0;
        placed |= ready;
    }
    return 1;
}

int scm_from_id(Scm *s, int n, uint64_t id, double weight, double sigma, Err *e) {
    if (scm_init(s, n, sigma, e)) return -1;
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++)
            if ((id >> (8 * i + j)) & 1u) {
                if (i >= n || j >= n || i == j)
                    return err_set(e, "structure id %#llx: not a graph on %d variables", (unsigned long long)id, n);
            }
    if (!scm_id_is_acyclic(n, id))
        return err_set(e, "structure id %#llx: has a cycle", (unsigned long long)id);
    if (!(fabs(weight) <= SCM_MAX_WEIGHT) || weight == 0.0)
        return err_set(e, "structure id: weight must be non-zero and at most %g in size, got %g", SCM_MAX_WEIGHT, weight);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if ((id >> (8 * i + j)) & 1u) s->w[i][j] = weight;
    refresh(s);
    return 0;
}

void scm_sample_eps(const Scm *s, const ScmDo *dos, int ndo, const double *eps, double *out) {
    unsigned cut = 0;
    double val[SCM_MAX_VARS] = {0};
    for (int d = 0; d < ndo; d++) {
        cut |= 1u << dos[d].var;
        val[dos[d].var] = dos[d].value;
    }
    for (int k = 0; k < s->n; k++) {
        int j = s->order[k];
        if ((cut >> j) & 1u) {
            out[j] = val[j];
            continue;
        }
        double x = s->sigma * eps[j];
        unsigned pm = s->parents[j];
        while (pm) {
            int i = __builtin_ctz(pm);
            pm &= pm - 1;
            x += s->w[i][j] * out[i];
        }
        out[j] = x;
    }
}

void scm_sample(const Scm *s, const ScmDo *dos, int ndo, Rng *r, double *out) {
    double eps[SCM_MAX_VARS];
    for (int j = 0; j < s->n; j++) eps[j] = rng_normal(r);
    scm_sample_eps(s, dos, ndo, eps, out);
}

unsigned scm_children(const Scm *s, int v) {
    unsigned c = 0;
    for (int j = 0; j < s->n; j++)
        if (s->w[v][j] != 0.0) c |= 1u << j;
    return c;
}

unsigned scm_descendants(const Scm *s, int v) {
    unsigned d = 0;
    for (int j = 0; j < s->n; j++)
        if ((s->anc[j] >> v) & 1u) d |= 1u << j;
    return d;
}

unsigned scm_roots(const Scm *s) {
    unsigned r = 0;
    for (int j = 0; j < s->n; j++)
        if (!s->parents[j]) r |= 1u << j;
    return r;
}

int scm_edge_count(const Scm *s) {
    int c = 0;
    for (int j = 0; j < s->n; j++) c += __builtin_popcount(s->parents[j]);
    return c;
}

uint64_t scm_id(const Scm *s) {
    uint64_t id = 0;
    for (int i = 0; i < s->n; i++)
        for (int j = 0; j < s->n; j++)
            if (s->w[i][j] != 0.0) id |= 1ull << (8 * i + j);
    return id;
}

int scm_var_of(const Scm *s, const char *name) {
    if (!name || !name[0] || name[1]) return -1;
    int v = name[0] - 'A';
    return (v >= 0 && v < s->n) ? v : -1;
}

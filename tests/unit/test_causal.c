/* Tests of src/causal: do(), total effects against Monte Carlo, queries, ids, DAG counts. */
#include <stdlib.h>
#include <string.h>

#include "causal/dagenum.h"
#include "causal/scm.h"
#include "test.h"

/* A -> B -> C, A -> C; D isolated. */
static Scm chain_world(void) {
    Scm s;
    Err e;
    scm_init(&s, 4, 0.1, &e);
    scm_add_edge(&s, 0, 1, 1.5, &e);
    scm_add_edge(&s, 1, 2, -0.8, &e);
    scm_add_edge(&s, 0, 2, 0.5, &e);
    return s;
}

TEST(test_build_and_queries) {
    Scm s = chain_world();
    Err e;
    CHECK(scm_parents(&s, 2) == 0x3u, "parents of C = {A,B}, got %#x", scm_parents(&s, 2));
    CHECK(scm_children(&s, 0) == 0x6u, "children of A = {B,C}");
    CHECK(scm_ancestors(&s, 2) == 0x3u, "ancestors of C");
    CHECK(scm_descendants(&s, 0) == 0x6u, "descendants of A");
    CHECK(scm_is_ancestor(&s, 0, 2) && !scm_is_ancestor(&s, 2, 0), "is_ancestor direction");
    CHECK(!scm_is_ancestor(&s, 3, 2), "isolated D is no ancestor");
    CHECK(scm_roots(&s) == 0x9u, "roots = {A, D}, got %#x", scm_roots(&s));
    CHECK_NEAR(scm_effect(&s, 0, 2), 0.5 + 1.5 * -0.8, 1e-12, "TE(A->C) = sum over paths");
    CHECK_NEAR(scm_effect(&s, 2, 0), 0.0, 0, "no effect against the arrow");
    CHECK(scm_add_edge(&s, 2, 0, 1.0, &e) == -1 && strstr(e.msg, "cycle"), "cycle refused: %s", e.msg);
    CHECK(scm_add_edge(&s, 1, 1, 1.0, &e) == -1, "self-loop refused");
    CHECK(scm_add_edge(&s, 1, 3, 0.0, &e) == -1, "zero weight refused");
    CHECK(scm_add_edge(&s, 1, 9, 1.0, &e) == -1, "out of range refused");
    CHECK(scm_edge_count(&s) == 3, "refusals left the world unchanged");
    scm_remove_edge(&s, 0, 1);
    CHECK(!scm_is_ancestor(&s, 0, 1) && scm_effect(&s, 0, 2) == 0.5, "removing an edge updates effects");
    CHECK(scm_var_of(&s, "C") == 2 && scm_var_of(&s, "E") == -1 && scm_var_of(&s, "AB") == -1, "names");
}

TEST(test_do_cuts_parents) {
    Scm s = chain_world();
    Rng r;
    rng_init(&r, 1, 0);
    double eps[SCM_MAX_VARS], base[SCM_MAX_VARS], cut[SCM_MAX_VARS];
    for (int trial = 0; trial < 200; trial++) {
        for (int j = 0; j < 4; j++) eps[j] = rng_normal(&r);
        scm_sample_eps(&s, NULL, 0, eps, base);
        ScmDo d = {1, 5.0};
        scm_sample_eps(&s, &d, 1, eps, cut);
        /* B is cut from A: it is exactly the set value whatever A does. */
        CHECK(cut[1] == 5.0, "do(B=5) sets B");
        /* A is not a descendant of B: same noise, same value. */
        CHECK(cut[0] == base[0] && cut[3] == base[3], "non-descendants do not move");
        /* C moves by w(B->C) times the change in B (the direct effect is B's total effect). */
        CHECK_NEAR(cut[2] - base[2], scm_effect(&s, 1, 2) * (5.0 - base[1]), 1e-9, "descendant moves by TE");
    }
    /* do(A=v) moves C by TE(A->C) * (v - A). */
    for (int j = 0; j < 4; j++) eps[j] = rng_normal(&r);
    scm_sample_eps(&s, NULL, 0, eps, base);
    ScmDo d = {0, -3.0};
    scm_sample_eps(&s, &d, 1, eps, cut);
    CHECK_NEAR(cut[2] - base[2], scm_effect(&s, 0, 2) * (-3.0 - base[0]), 1e-9, "total effect through two paths");
    /* Two interventions at once. */
    ScmDo two[2] = {{0, 2.0}, {1, -1.0}};
    scm_sample_eps(&s, two, 2, eps, cut);
    CHECK(cut[0] == 2.0 && cut[1] == -1.0, "two interventions");
    CHECK_NEAR(cut[2], 0.5 * 2.0 + -0.8 * -1.0 + 0.1 * eps[2], 1e-12, "C from its cut parents");
}

TEST(test_effects_match_monte_carlo) {
    /* On many random worlds, E[X_j | do(X_i = 1)] - E[X_j | do(X_i = 0)] estimated from the
     * sampler agrees with the exact total effect.  With sigma = 0.5 and 4000 pairs of samples
     * the standard error is below 0.05 for any effect; we allow 0.12 (> 2.4 se). */
    Rng r;
    rng_init(&r, 7, 0);
    ScmParams p = scm_params_default();
    p.sigma = 0.5;
    int worst_ok = 1;
    double worst = 0;
    for (int w = 0; w < 40; w++) {
        p.n = 2 + w % 7;
        Scm s;
        Err e;
        CHECK(scm_random(&s, &p, &r, &e) == 0, "random world");
        int i = (int)rng_below(&r, (uint32_t)s.n);
        double diff[SCM_MAX_VARS] = {0}, x1[SCM_MAX_VARS], x0[SCM_MAX_VARS];
        int m = 4000;
        for (int k = 0; k < m; k++) {
            ScmDo d1 = {i, 1.0}, d0 = {i, 0.0};
            scm_sample(&s, &d1, 1, &r, x1);
            scm_sample(&s, &d0, 1, &r, x0);
            for (int j = 0; j < s.n; j++) diff[j] += x1[j] - x0[j];
        }
        for (int j = 0; j < s.n; j++) {
            double est = diff[j] / m, err = fabs(est - scm_effect(&s, i, j));
            if (err > worst) worst = err;
            if (err > 0.12) worst_ok = 0;
        }
    }
    CHECK(worst_ok, "largest |MC - exact| total effect = %.3f > 0.12", worst);
}

TEST(test_random_params) {
    Rng r;
    rng_init(&r, 3, 0);
    ScmParams p = scm_params_default();
    int edges = 0, pairs = 0, neg = 0;
    double lo = 9, hi = 0;
    for (int w = 0; w < 2000; w++) {
        Scm s;
        Err e;
        scm_random(&s, &p, &r, &e);
        pairs += s.n * (s.n - 1) / 2;
        for (int i = 0; i < s.n; i++)
            for (int j = 0; j < s.n; j++)
                if (s.w[i][j] != 0.0) {
                    edges++;
                    double a = fabs(s.w[i][j]);
                    neg += s.w[i][j] < 0;
                    if (a < lo) lo = a;
                    if (a > hi) hi = a;
                }
    }
    CHECK_NEAR((double)edges / pairs, 0.5, 0.02, "edge probability");
    CHECK_NEAR((double)neg / edges, 0.5, 0.02, "sign balance");
    CHECK(lo >= 0.5 && hi <= 1.5 && lo < 0.52 && hi > 1.48, "magnitudes in [0.5, 1.5]: %g..%g", lo, hi);
    Err e;
    p.n = 9;
    CHECK(scm_params_check(&p, &e) == -1 && strstr(e.msg, "variables"), "n = 9 refused: %s", e.msg);
    p = scm_params_default();
    p.edge_prob = 1.5;
    CHECK(scm_params_check(&p, &e) == -1, "edge_prob 1.5 refused");
    p = scm_params_default();
    p.w_lo = 2;
    CHECK(scm_params_check(&p, &e) == -1, "lo > hi refused");
    /* issue 9: weights or noise so large that effects overflow (inf, NaN values) are refused */
    p = scm_params_default();
    p.w_lo = 1e150, p.w_hi = 1e300;
    CHECK(scm_params_check(&p, &e) == -1 && strstr(e.msg, "weights") && strstr(e.msg, "<= 10"), "huge weights refused: %s",
          e.msg);
    p.w_lo = 1, p.w_hi = SCM_MAX_WEIGHT;
    CHECK(scm_params_check(&p, &e) == 0, "weights up to SCM_MAX_WEIGHT accepted");
    p = scm_params_default();
    p.sigma = 1e6;
    CHECK(scm_params_check(&p, &e) == -1 && strstr(e.msg, "noise"), "noise 1e6 refused: %s", e.msg);
    Scm s;
    CHECK(scm_init(&s, 3, 1e300, &e) == -1, "scm_init: noise 1e300 refused");
    CHECK(scm_init(&s, 3, 0.1, &e) == 0, "scm_init");
    CHECK(scm_add_edge(&s, 0, 1, -1e300, &e) == -1 && strstr(e.msg, "at most"), "edge weight -1e300 refused: %s", e.msg);
    CHECK(scm_add_edge(&s, 0, 1, -SCM_MAX_WEIGHT, &e) == 0, "edge weight -10 accepted");
    CHECK(scm_add_edge(&s, 1, 2, NAN, &e) == -1, "edge weight NaN refused");
    CHECK(scm_from_id(&s, 3, 1ull << 1, 1e200, 0.1, &e) == -1, "scm_from_id: weight 1e200 refused");
    /* the largest world allowed keeps every total effect finite */
    p = scm_params_default();
    p.n = SCM_MAX_VARS, p.edge_prob = 1, p.w_lo = p.w_hi = SCM_MAX_WEIGHT, p.sigma = SCM_MAX_NOISE;
    rng_init(&r, 7, 0);
    CHECK(scm_random(&s, &p, &r, &e) == 0, "largest world: %s", e.msg);
    int finite = 1;
    for (int i = 0; i < p.n; i++)
        for (int j = 0; j < p.n; j++) finite &= isfinite(s.te[i][j]);
    CHECK(finite, "largest world: every total effect finite");
}

TEST(test_ids_and_enumeration) {
    static const size_t want[] = {0, 1, 3, 25, 543, 29281};
    for (int n = 1; n <= 5; n++) {
        uint64_t *ids;
        size_t count;
        Err e;
        CHECK(dag_enumerate(n, &ids, &count, &e) == 0, "enumerate %d", n);
        CHECK(count == want[n], "DAGs on %d labelled nodes: %zu, want %zu", n, count, want[n]);
        int sorted_unique = 1;
        for (size_t k = 1; k < count; k++)
            if (ids[k] <= ids[k - 1]) sorted_unique = 0;
        CHECK(sorted_unique, "ids sorted and distinct");
        if (n >= 2) {
            /* Round trip through a world for every structure. */
            int round = 1;
            for (size_t k = 0; k < count; k++) {
                Scm s;
                if (scm_from_id(&s, n, ids[k], 1.0, 0.1, &e) || scm_id(&s) != ids[k]) round = 0;
            }
            CHECK(round, "scm_from_id / scm_id round trip for n = %d", n);
        }
        free(ids);
    }
    Err e;
    uint64_t *ids;
    size_t count;
    CHECK(dag_enumerate(6, &ids, &count, &e) == -1, "n = 6 refused");
    Scm s;
    CHECK(scm_from_id(&s, 3, (1ull << 1) | (1ull << 8), 1.0, 0.1, &e) == -1 && strstr(e.msg, "cycle"), "cyclic id refused");
}

int main(void) {
    RUN(test_build_and_queries);
    RUN(test_do_cuts_parents);
    RUN(test_effects_match_monte_carlo);
    RUN(test_random_params);
    RUN(test_ids_and_enumeration);
    return TEST_SUMMARY();
}

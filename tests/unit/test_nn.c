/* Tests of src/nn: every op's backward against central finite differences, the sgemm path
 * against the naive loops, whole-model gradients, overfitting, checkpoints, the KV cache,
 * determinism over threads, AdamW and the schedule.
 *
 * Finite differences run in float32 through the real kernels, on an objective computed in
 * double (sum of out * R for a fixed random R).  The stated tolerance for an op is
 * |fd - analytic| <= ATOL + RTOL * |analytic|: 1e-4 + 2e-3 |g| for ops (eps 1e-2), 1e-4 + 5e-3 |g|
 * for the whole model; FD_VERBOSE=1 in the environment prints the worst case of each. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn/ckpt.h"
#include "nn/gpt.h"
#include "nn/infer.h"
#include "nn/ops.h"
#include "test.h"
#include "util/rng.h"

static Rng rng;

static float *randn(size_t n, float std) {
    float *p = malloc((n ? n : 1) * sizeof *p);
    for (size_t i = 0; i < n; i++) p[i] = (float)rng_normal(&rng) * std;
    return p;
}

static float *zeros(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

/* Worst |fd - g| / (atol + rtol |g|) over `samples` random entries of x (all if n small).
 * f() is the objective at the current x. */
static double fd_worst(float *x, const float *g, size_t n, int samples, double (*f)(void), float eps,
                       double atol, double rtol, size_t *worst_at, double *worst_fd) {
    double worst = 0.0;
    int all = n <= (size_t)samples;
    for (int s = 0; s < (all ? (int)n : samples); s++) {
        size_t i = all ? (size_t)s : rng_below(&rng, (uint32_t)n);
        float keep = x[i];
        x[i] = keep + eps;
        double fp = f();
        x[i] = keep - eps;
        double fm = f();
        x[i] = keep;
        double fd = (fp - fm) / (2.0 * (double)eps);
        double r = fabs(fd - g[i]) / (atol + rtol * fabs(g[i]));
        if (r > worst) {
            worst = r;
            *worst_at = i;
            *worst_fd = fd;
        }
    }
    return worst;
}

#define FD_CHECK(what, x, g, n, samples, f, eps, atol, rtol)                                       \
    do {                                                                                           \
        size_t at_ = 0;                                                                            \
        double fd_ = 0;                                                                            \
        double w_ = fd_worst(x, g, n, samples, f, eps, atol, rtol, &at_, &fd_);                    \
        if (getenv("FD_VERBOSE")) fprintf(stderr, "%-32s worst %.3f fd %.6g an %.6g\n", what, w_, fd_, (double)(g)[at_]); \
        CHECK(w_ <= 1.0, "%s: finite difference %.6g vs analytic %.6g at %zu (%.2f x tolerance)", \
              what, fd_, (double)(g)[at_], at_, w_);                                               \
    } while (0)

/* ---- ops against finite differences --------------------------------------------------------- */

/* The op under test, as globals the objectives read. */
static float *g_out, *g_R, *g_a, *g_b, *g_c, *g_d, *g_s;
static int *g_tok;
static size_t g_nout;
static int g_N, g_C, g_OC, g_B, g_T, g_H, g_V;

static double objective_out(void) {
    double s = 0.0;
    for (size_t i = 0; i < g_nout; i++) s += (double)g_out[i] * g_R[i];
    return s;
}

static double obj_layernorm(void) {
    nn_layernorm_forward(g_out, g_c, g_d, g_a, g_b, g_s, g_N, g_C);
    return objective_out();
}

static double obj_matmul(void) {
    nn_matmul_forward(g_out, g_a, g_b, g_c, g_N, g_C, g_OC);
    return objective_out();
}

static const int *g_rows;

static double obj_attention(void) {
    nn_attention_forward(g_out, g_c, g_a, g_rows, g_s, g_N, g_T, g_C, g_H);
    return objective_out();
}

static double obj_gelu(void) {
    nn_gelu_forward(g_out, g_a, g_nout);
    return objective_out();
}

static double obj_encoder(void) {
    nn_encoder_forward(g_out, g_tok, g_a, g_b, g_B, g_T, g_C);
    return objective_out();
}

static double obj_xent(void) {
    /* forward overwrites logits with probabilities: work on a copy */
    memcpy(g_out, g_a, (size_t)g_N * g_V * sizeof *g_out);
    return nn_xent_forward(g_out, g_tok, g_b, g_N, g_V) * (double)g_s[0];
}

TEST(test_fast_math) {
    double worst = 0.0;
    for (float x = -80.0f; x < 80.0f; x += 0.01234f) {
        double r = fabs(nn_expf(x) - exp(x)) / exp(x);
        if (r > worst) worst = r;
    }
    CHECK(worst < 4e-7, "nn_expf relative error %.3g >= 4e-7", worst);
    worst = 0.0;
    for (float x = -12.0f; x < 12.0f; x += 0.00731f) {
        double d = fabs(nn_tanhf(x) - tanh(x));
        if (d > worst) worst = d;
    }
    CHECK(worst < 4e-7, "nn_tanhf absolute error %.3g >= 4e-7", worst);
    CHECK(nn_expf(-1000.0f) >= 0.0f && nn_expf(-1000.0f) < 1e-37f, "exp clamps below");
    CHECK(isfinite(nn_expf(1000.0f)) && nn_expf(1000.0f) > 1e38f, "exp clamps above");
    CHECK(isnan(nn_expf(NAN)), "exp keeps NaN");
    CHECK(nn_tanhf(50.0f) == 1.0f && nn_tanhf(-50.0f) == -1.0f, "tanh saturates");
}

TEST(test_layernorm_grad) {
    g_N = 7, g_C = 19, g_nout = (size_t)g_N * g_C;
    g_a = randn(g_nout, 1.0f), g_b = randn(g_C, 1.0f), g_s = randn(g_C, 1.0f);
    for (int i = 0; i < g_C; i++) g_b[i] += 1.0f;
    g_c = zeros(g_N), g_d = zeros(g_N), g_out = zeros(g_nout), g_R = randn(g_nout, 1.0f);
    float *dinp = zeros(g_nout), *dw = zeros(g_C), *db = zeros(g_C);
    obj_layernorm();
    nn_layernorm_backward(dinp, dw, db, g_R, g_a, g_b, g_c, g_d, g_N, g_C);
    FD_CHECK("layernorm dinp", g_a, dinp, g_nout, 200, obj_layernorm, 1e-2f, 1e-4, 2e-3);
    FD_CHECK("layernorm dw", g_b, dw, (size_t)g_C, 200, obj_layernorm, 1e-2f, 1e-4, 2e-3);
    FD_CHECK("layernorm db", g_s, db, (size_t)g_C, 200, obj_layernorm, 1e-2f, 1e-4, 2e-3);
    /* accumulation: a second backward doubles the gradients */
    float keep = dw[3];
    nn_layernorm_backward(dinp, dw, db, g_R, g_a, g_b, g_c, g_d, g_N, g_C);
    CHECK_NEAR(dw[3], 2.0f * keep, 1e-6 * (1 + fabs(keep)), "backward accumulates");
    free(g_a), free(g_b), free(g_s), free(g_c), free(g_d), free(g_out), free(g_R);
    free(dinp), free(dw), free(db);
}

TEST(test_matmul_grad) {
    for (int ref = 0; ref < 2; ref++) {
        nn_set_reference(ref);
        g_N = 9, g_C = 13, g_OC = 11, g_nout = (size_t)g_N * g_OC;
        g_a = randn((size_t)g_N * g_C, 1.0f), g_b = randn((size_t)g_OC * g_C, 1.0f), g_c = randn(g_OC, 1.0f);
        g_out = zeros(g_nout), g_R = randn(g_nout, 1.0f);
        float *dinp = zeros((size_t)g_N * g_C), *dw = zeros((size_t)g_OC * g_C), *db = zeros(g_OC);
        for (size_t i = 0; i < (size_t)g_N * g_C; i++) dinp[i] = -3.0f; /* written, not added to */
        obj_matmul();
        nn_matmul_backward(dinp, dw, db, g_R, g_a, g_b, g_N, g_C, g_OC);
        const char *path = ref ? " (naive)" : " (sgemm)";
        char what[64];
        snprintf(what, sizeof what, "matmul dinp%s", path);
        FD_CHECK(what, g_a, dinp, (size_t)g_N * g_C, 300, obj_matmul, 1e-2f, 1e-4, 2e-3);
        snprintf(what, sizeof what, "matmul dw%s", path);
        FD_CHECK(what, g_b, dw, (size_t)g_OC * g_C, 300, obj_matmul, 1e-2f, 1e-4, 2e-3);
        snprintf(what, sizeof what, "matmul dbias%s", path);
        FD_CHECK(what, g_c, db, (size_t)g_OC, 300, obj_matmul, 1e-2f, 1e-4, 2e-3);
        free(g_a), free(g_b), free(g_c), free(g_out), free(g_R), free(dinp), free(dw), free(db);
    }
    nn_set_reference(0);
}

/* sgemm path vs naive path, forward and backward: max |diff| <= 1e-5 * max |value|. */
static double rel_diff(const float *a, const float *b, size_t n) {
    double d = 0.0, m = 1e-30;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs((double)a[i] - b[i]));
        m = fmax(m, fabs((double)a[i]));
    }
    return d / m;
}

TEST(test_matmul_sgemm_vs_naive) {
    int N = 37, C = 29, OC = 23;
    float *inp = randn((size_t)N * C, 1.0f), *w = randn((size_t)OC * C, 1.0f), *bias = randn(OC, 1.0f);
    float *dout = randn((size_t)N * OC, 1.0f), *res = randn((size_t)N * OC, 1.0f);
    float *out[2], *add[2], *dinp[2], *dw[2], *db[2];
    for (int ref = 0; ref < 2; ref++) {
        nn_set_reference(ref);
        out[ref] = zeros((size_t)N * OC), add[ref] = malloc((size_t)N * OC * sizeof(float));
        memcpy(add[ref], res, (size_t)N * OC * sizeof(float));
        dinp[ref] = randn((size_t)N * C, 0.0f), dw[ref] = zeros((size_t)OC * C), db[ref] = zeros(OC);
        for (size_t i = 0; i < (size_t)N * C; i++) dinp[ref][i] = 0.5f; /* written over: the 0.5 must not show */
        nn_matmul_forward(out[ref], inp, w, bias, N, C, OC);
        nn_matmul_forward_add(add[ref], inp, w, bias, N, C, OC);
        nn_matmul_backward(dinp[ref], dw[ref], db[ref], dout, inp, w, N, C, OC);
    }
    nn_set_reference(0);
    CHECK(rel_diff(out[0], out[1], (size_t)N * OC) < 1e-5, "forward: sgemm vs naive %.3g",
          rel_diff(out[0], out[1], (size_t)N * OC));
    CHECK(rel_diff(add[0], add[1], (size_t)N * OC) < 1e-5, "forward_add: sgemm vs naive");
    CHECK(rel_diff(dinp[0], dinp[1], (size_t)N * C) < 1e-5, "dinp: sgemm vs naive %.3g",
          rel_diff(dinp[0], dinp[1], (size_t)N * C));
    CHECK(rel_diff(dw[0], dw[1], (size_t)OC * C) < 1e-5, "dw: sgemm vs naive %.3g",
          rel_diff(dw[0], dw[1], (size_t)OC * C));
    CHECK(rel_diff(db[0], db[1], OC) < 1e-5, "dbias: sgemm vs naive");
    { /* dinp does not depend on what the buffer held: the same product into zeros, bit for bit */
        float *fresh = zeros((size_t)N * C), *dw2 = zeros((size_t)OC * C);
        nn_matmul_backward(fresh, dw2, NULL, dout, inp, w, N, C, OC);
        CHECK(memcmp(fresh, dinp[0], sizeof(float) * (size_t)N * C) == 0, "dinp is written, not added to");
        free(fresh), free(dw2);
    }
    /* forward_add = residual + forward */
    double worst = 0;
    for (int i = 0; i < N * OC; i++) worst = fmax(worst, fabs(add[0][i] - (res[i] + out[0][i])));
    CHECK(worst < 1e-5, "forward_add adds onto the residual (%.3g)", worst);
    for (int r = 0; r < 2; r++) free(out[r]), free(add[r]), free(dinp[r]), free(dw[r]), free(db[r]);
    free(inp), free(w), free(bias), free(dout), free(res);
}

/* One attention case: B sequences of T, C channels, H heads, queries at `rows` (NULL: all). */
static void attention_case(int B, int T, int C, int H, const int *rows, int N) {
    char what[96];
    snprintf(what, sizeof what, "attention dqkv (hs %d%s%s)", C / H, rows ? ", query subset" : "",
             nn_reference() ? ", reference" : "");
    g_B = B, g_T = T, g_C = C, g_H = H, g_rows = rows, g_N = rows ? N : B * T;
    g_nout = (size_t)g_N * C;
    size_t nqkv = (size_t)B * T * 3 * C;
    g_a = randn(nqkv, 1.0f), g_c = zeros((size_t)g_N * H * T);
    g_s = zeros(nn_attention_scratch(T, C, H)), g_out = zeros(g_nout), g_R = randn(g_nout, 1.0f);
    float *dqkv = zeros(nqkv);
    obj_attention();
    /* probabilities: rows sum to 1, nothing past the query's position */
    double rowerr = 0, upper = 0;
    for (int r = 0; r < g_N; r++) {
        int t = (rows ? rows[r] : r) % T;
        for (int h = 0; h < H; h++) {
            double s = 0;
            for (int j = 0; j < T; j++) {
                float a = g_c[((size_t)r * H + h) * T + j];
                s += a;
                if (j > t) upper = fmax(upper, fabs(a));
            }
            rowerr = fmax(rowerr, fabs(s - 1.0));
        }
    }
    CHECK(rowerr < 1e-6 && upper == 0.0, "%s: rows sum to 1 (%.3g) and are causal", what, rowerr);
    nn_attention_backward(dqkv, g_R, g_a, g_c, rows, g_s, g_N, T, C, H);
    /* eps 2e-2: hundreds of outputs make the objective noisier than the other ops' */
    FD_CHECK(what, g_a, dqkv, nqkv, 400, obj_attention, 2e-2f, 1e-4, 2e-3);
    /* causality: the first query's output does not move with the last key of its sequence */
    int r0 = rows ? rows[0] : 0;
    if (r0 % T < T - 1) {
        float before = g_out[0];
        g_a[((size_t)(r0 / T) * T + T - 1) * 3 * C + C] += 1.0f;
        obj_attention();
        CHECK(g_out[0] == before, "%s: output ignores future keys", what);
    }
    free(g_a), free(g_c), free(g_s), free(g_out), free(g_R), free(dqkv);
}

TEST(test_attention_grad) {
    int sub[5] = {1, 4, 6, 7, 11}; /* (B 2, T 6): queries (0,1) (0,4) (1,0) (1,1) (1,5) */
    attention_case(2, 6, 8, 2, NULL, 0);   /* hs 4: the plain loops */
    attention_case(2, 6, 32, 2, NULL, 0);  /* hs 16: vectorised, nv 2 */
    attention_case(2, 11, 24, 1, NULL, 0); /* hs 24: vectorised, generic nv 3 */
    attention_case(2, 6, 32, 2, sub, 5);
    attention_case(2, 6, 8, 2, sub, 5);
    nn_set_reference(1);
    attention_case(2, 6, 32, 2, sub, 5);
    nn_set_reference(0);
}

/* Fast path vs reference, and a query subset vs all queries, on the target head size. */
TEST(test_attention_paths) {
    int B = 3, T = 13, C = 64, H = 4, BT = B * T;
    float *qkv = randn((size_t)BT * 3 * C, 1.0f), *dout = randn((size_t)BT * C, 1.0f);
    float *scratch = zeros(nn_attention_scratch(T, C, H));
    float *out[2], *att[2], *dqkv[2];
    for (int ref = 0; ref < 2; ref++) {
        nn_set_reference(ref);
        out[ref] = zeros((size_t)BT * C), att[ref] = zeros((size_t)BT * H * T), dqkv[ref] = zeros((size_t)BT * 3 * C);
        nn_attention_forward(out[ref], att[ref], qkv, NULL, scratch, BT, T, C, H);
        nn_attention_backward(dqkv[ref], dout, qkv, att[ref], NULL, scratch, BT, T, C, H);
    }
    nn_set_reference(0);
    CHECK(rel_diff(out[0], out[1], (size_t)BT * C) < 1e-5, "attention out: fast vs reference %.3g",
          rel_diff(out[0], out[1], (size_t)BT * C));
    CHECK(rel_diff(att[0], att[1], (size_t)BT * H * T) < 1e-5, "attention probabilities: fast vs reference");
    CHECK(rel_diff(dqkv[0], dqkv[1], (size_t)BT * 3 * C) < 1e-5, "attention dqkv: fast vs reference %.3g",
          rel_diff(dqkv[0], dqkv[1], (size_t)BT * 3 * C));
    /* a subset of queries: same outputs at those rows; backward = full backward with dout 0 elsewhere */
    int rows[6] = {0, 5, 12, 13, 20, 38}, N = 6;
    float *o = zeros((size_t)N * C), *a = zeros((size_t)N * H * T), *d = zeros((size_t)BT * 3 * C);
    float *dsub = zeros((size_t)N * C), *dfull = zeros((size_t)BT * C), *dq = zeros((size_t)BT * 3 * C);
    for (int r = 0; r < N; r++) {
        memcpy(dsub + (size_t)r * C, dout + (size_t)rows[r] * C, C * sizeof(float));
        memcpy(dfull + (size_t)rows[r] * C, dout + (size_t)rows[r] * C, C * sizeof(float));
    }
    nn_attention_forward(o, a, qkv, rows, scratch, N, T, C, H);
    double worst = 0;
    for (int r = 0; r < N; r++)
        for (int i = 0; i < C; i++) worst = fmax(worst, fabs(o[r * C + i] - out[0][(size_t)rows[r] * C + i]));
    CHECK(worst == 0.0, "subset rows give the same outputs (%.3g)", worst);
    nn_attention_backward(d, dsub, qkv, a, rows, scratch, N, T, C, H);
    nn_attention_backward(dq, dfull, qkv, att[0], NULL, scratch, BT, T, C, H);
    CHECK(rel_diff(d, dq, (size_t)BT * 3 * C) < 1e-6, "subset backward = full backward with zeros (%.3g)",
          rel_diff(d, dq, (size_t)BT * 3 * C));
    for (int r = 0; r < 2; r++) free(out[r]), free(att[r]), free(dqkv[r]);
    free(o), free(a), free(d), free(dsub), free(dfull), free(dq), free(qkv), free(dout), free(scratch);
}

TEST(test_gelu_grad) {
    g_nout = 300;
    g_a = randn(g_nout, 2.0f), g_out = zeros(g_nout), g_R = randn(g_nout, 1.0f);
    float *d = zeros(g_nout);
    for (size_t i = 0; i < g_nout; i++) d[i] = 7.0f; /* written, not added to: the 7 must not show */
    obj_gelu();
    CHECK_NEAR(g_out[0], 0.5 * g_a[0] * (1 + tanh(0.7978845608 * (g_a[0] + 0.044715 * pow(g_a[0], 3)))),
               1e-6, "gelu value");
    nn_gelu_backward(d, g_R, g_a, g_nout);
    FD_CHECK("gelu dinp", g_a, d, g_nout, 300, obj_gelu, 1e-2f, 1e-4, 2e-3);
    free(g_a), free(g_out), free(g_R), free(d);
}

TEST(test_encoder_grad) {
    g_B = 2, g_T = 5, g_C = 4, g_V = 7, g_nout = (size_t)g_B * g_T * g_C;
    int tok[10] = {1, 3, 3, 0, 6, 2, 2, 2, 5, 1};
    g_tok = tok;
    g_a = randn((size_t)g_V * g_C, 1.0f), g_b = randn((size_t)g_T * g_C, 1.0f);
    g_out = zeros(g_nout), g_R = randn(g_nout, 1.0f);
    float *dwte = zeros((size_t)g_V * g_C), *dwpe = zeros((size_t)g_T * g_C);
    nn_encoder_backward(dwte, dwpe, g_R, tok, g_B, g_T, g_C);
    FD_CHECK("encoder dwte", g_a, dwte, (size_t)g_V * g_C, 100, obj_encoder, 1e-2f, 1e-4, 2e-3);
    FD_CHECK("encoder dwpe", g_b, dwpe, (size_t)g_T * g_C, 100, obj_encoder, 1e-2f, 1e-4, 2e-3);
    CHECK(dwte[4 * g_C] == 0.0f, "an unused token gets no gradient");
    free(g_a), free(g_b), free(g_out), free(g_R), free(dwte), free(dwpe);
}

TEST(test_xent_grad) {
    g_N = 5, g_V = 9;
    int tgt[5] = {0, 8, 3, 3, 1};
    float w[5] = {1.0f, 0.5f, 2.0f, 0.0f, 1.0f}, scale = 0.25f;
    g_tok = tgt, g_b = w, g_s = &scale;
    g_a = randn((size_t)g_N * g_V, 2.0f), g_out = zeros((size_t)g_N * g_V);
    float *d = zeros((size_t)g_N * g_V);
    double loss = obj_xent();
    double ref = 0;
    for (int r = 0; r < g_N; r++) {
        double mx = -1e30, s = 0;
        for (int j = 0; j < g_V; j++) mx = fmax(mx, g_a[r * g_V + j]);
        for (int j = 0; j < g_V; j++) s += exp(g_a[r * g_V + j] - mx);
        ref += w[r] * (log(s) + mx - g_a[r * g_V + tgt[r]]) * scale;
    }
    CHECK_NEAR(loss, ref, 1e-6 * fabs(ref), "weighted cross-entropy value");
    nn_xent_backward(d, g_out, tgt, w, scale, g_N, g_V);
    FD_CHECK("xent dlogits", g_a, d, (size_t)g_N * g_V, 100, obj_xent, 1e-2f, 2e-5, 2e-3);
    for (int j = 0; j < g_V; j++) CHECK(d[3 * g_V + j] == 0.0f, "weight 0 row has no gradient");
    free(g_a), free(g_out), free(d);
}

/* ---- whole model --------------------------------------------------------------------------- */

static const GptConfig tiny = {11, 8, 2, 16, 2};

/* A model with larger-than-init weights so every path carries a sizeable gradient. */
static Gpt *tiny_model(uint64_t seed, float std) {
    Err e;
    Gpt *m = gpt_create(&tiny, seed, &e);
    Rng r;
    rng_init(&r, seed, 99);
    for (size_t i = 0; i < m->n_params; i++) m->param_mem[i] += (float)rng_normal(&r) * std;
    return m;
}

/* A batch of B sequences of length T: random tokens, targets, weights with zeros. */
typedef struct Batch {
    int B, T;
    int *tok, *tgt;
    float *w;
} Batch;

static Batch make_batch(int B, int T, int V, uint64_t seed, int zero_every) {
    Batch b = {B, T, malloc((size_t)B * T * sizeof(int)), malloc((size_t)B * T * sizeof(int)),
               malloc((size_t)B * T * sizeof(float))};
    Rng r;
    rng_init(&r, seed, 5);
    for (int i = 0; i < B * T; i++) {
        b.tok[i] = (int)rng_below(&r, (uint32_t)V);
        b.tgt[i] = (int)rng_below(&r, (uint32_t)V);
        b.w[i] = zero_every && i % zero_every == 0 ? 0.0f : (float)(0.5 + rng_uniform(&r));
    }
    return b;
}

static void free_batch(Batch *b) { free(b->tok), free(b->tgt), free(b->w); }

static Gpt *g_model;
static Batch g_batch;

static double obj_model(void) {
    float loss = 0;
    Err e;
    gpt_loss(g_model, g_batch.tok, g_batch.tgt, g_batch.w, g_batch.B, g_batch.T, &loss, &e);
    return loss;
}

TEST(test_model_grad) {
    for (int threads = 1; threads <= 2; threads++) {
        Gpt *m = tiny_model(3, 0.2f);
        gpt_set_threads(m, threads);
        Batch b = make_batch(3, 7, tiny.vocab, 4, 3); /* T 7 < context 8: last wpe row unused */
        g_model = m, g_batch = b;
        Err e;
        float loss;
        gpt_zero_grad(m);
        CHECK(gpt_backward(m, b.tok, b.tgt, b.w, b.B, b.T, &loss, &e) == 0, "backward: %s", e.msg);
        CHECK_NEAR(loss, obj_model(), 1e-6, "backward's loss = forward-only loss");
        for (int t = 0; t < GPT_NUM_TENSORS; t++) {
            const GptTensorInfo *ti = &m->tensors[t];
            char what[64];
            snprintf(what, sizeof what, "model d%s (%d thread%s)", ti->name, threads, threads > 1 ? "s" : "");
            /* the loss is a float near 2.4 (ulp 2.4e-7): FD noise ~1e-5 at eps 1e-2, so atol 1e-4 */
            FD_CHECK(what, m->param_mem + ti->offset, m->grad_mem + ti->offset, ti->size, 12, obj_model,
                     1e-2f, 1e-4, 5e-3);
        }
        const float *dwpe_last = m->g.wpe + 7 * tiny.dim;
        int zero = 1;
        for (int i = 0; i < tiny.dim; i++) zero &= dwpe_last[i] == 0.0f;
        CHECK(zero, "position 7 never seen: no gradient");
        free_batch(&b);
        gpt_free(m);
    }
}

TEST(test_model_sgemm_vs_naive) {
    Gpt *m = tiny_model(5, 0.2f);
    Batch b = make_batch(4, 8, tiny.vocab, 6, 4);
    Err e;
    float loss[2];
    float *grads[2];
    for (int ref = 0; ref < 2; ref++) {
        nn_set_reference(ref);
        gpt_zero_grad(m);
        gpt_backward(m, b.tok, b.tgt, b.w, b.B, b.T, &loss[ref], &e);
        grads[ref] = malloc(m->n_params * sizeof(float));
        memcpy(grads[ref], m->grad_mem, m->n_params * sizeof(float));
    }
    nn_set_reference(0);
    CHECK_NEAR(loss[0], loss[1], 1e-5 * loss[1], "loss: sgemm vs naive");
    for (int t = 0; t < GPT_NUM_TENSORS; t++) {
        const GptTensorInfo *ti = &m->tensors[t];
        double d = rel_diff(grads[1] + ti->offset, grads[0] + ti->offset, ti->size);
        CHECK(d < 1e-5, "d%s: sgemm vs naive differ by %.3g of the largest entry", ti->name, d);
    }
    free(grads[0]), free(grads[1]);
    free_batch(&b);
    gpt_free(m);
}

TEST(test_forward_matches_loss) {
    /* full logits at every position vs the weighted-rows-only path */
    Gpt *m = tiny_model(8, 0.1f);
    Batch b = make_batch(3, 8, tiny.vocab, 9, 2);
    float *logits = malloc((size_t)3 * 8 * tiny.vocab * sizeof(float));
    Err e;
    float loss;
    CHECK(gpt_forward(m, b.tok, 3, 8, logits, &e) == 0, "forward: %s", e.msg);
    gpt_loss(m, b.tok, b.tgt, b.w, 3, 8, &loss, &e);
    double num = 0, den = 0;
    for (int i = 0; i < 24; i++) {
        const float *l = logits + (size_t)i * tiny.vocab;
        double mx = -1e30, s = 0;
        for (int j = 0; j < tiny.vocab; j++) mx = fmax(mx, l[j]);
        for (int j = 0; j < tiny.vocab; j++) s += exp(l[j] - mx);
        num += b.w[i] * (log(s) + mx - l[b.tgt[i]]);
        den += b.w[i];
    }
    CHECK_NEAR(loss, num / den, 1e-5, "loss from full logits");
    /* errors are reported, not crashed on */
    int bad = b.tok[5];
    b.tok[5] = tiny.vocab;
    CHECK(gpt_loss(m, b.tok, b.tgt, b.w, 3, 8, &loss, &e) == -1 && strstr(e.msg, "outside the vocabulary"),
          "bad token: %s", e.msg);
    b.tok[5] = bad;
    CHECK(gpt_loss(m, b.tok, b.tgt, b.w, 3, 9, &loss, &e) == -1 && strstr(e.msg, "out of range"),
          "T > context: %s", e.msg);
    float *w0 = zeros(24);
    CHECK(gpt_loss(m, b.tok, b.tgt, w0, 3, 8, &loss, &e) == -1 && strstr(e.msg, "weights are 0"),
          "all-zero weights: %s", e.msg);
    free(w0), free(logits);
    free_batch(&b);
    gpt_free(m);
}

TEST(test_config_check) {
    Err e;
    GptConfig c = {120, 42, 2, 64, 4};
    CHECK(gpt_config_check(&c, &e) == 0, "target config valid");
    c.heads = 5;
    CHECK(gpt_config_check(&c, &e) == -1 && strstr(e.msg, "multiple of heads"), "%s", e.msg);
    c = (GptConfig){5000, 42, 2, 64, 4};
    CHECK(gpt_create(&c, 1, &e) == NULL && strstr(e.msg, "vocab 5000"), "%s", e.msg);
    c = (GptConfig){120, 513, 2, 64, 4};
    CHECK(gpt_config_check(&c, &e) == -1 && strstr(e.msg, "context 513"), "%s", e.msg);
    GptTensorInfo info[GPT_NUM_TENSORS];
    c = (GptConfig){120, 42, 2, 64, 4};
    size_t n = gpt_tensor_table(&c, info);
    CHECK(n == (size_t)120 * 64 + 42 * 64 + 2 * (12 * 64 * 64 + 13 * 64) + 2 * 64,
          "parameter count %zu", n);
    CHECK(info[GPT_T_qkvw].rank == 3 && info[GPT_T_qkvw].shape[1] == 192 && info[GPT_T_qkvw].decay,
          "qkvw (L, 3C, C) decays");
    CHECK(!info[GPT_T_qkvb].decay && !info[GPT_T_ln1w].decay && info[GPT_T_wte].decay, "decay choice");
}

TEST(test_init) {
    Gpt *a = tiny_model(11, 0.0f), *b = tiny_model(11, 0.0f), *c = tiny_model(12, 0.0f);
    CHECK(memcmp(a->param_mem, b->param_mem, a->n_params * sizeof(float)) == 0, "same seed, same weights");
    CHECK(memcmp(a->param_mem, c->param_mem, a->n_params * sizeof(float)) != 0, "other seed, other weights");
    double s = 0, sr = 0;
    const GptTensorInfo *q = &a->tensors[GPT_T_fcw], *p = &a->tensors[GPT_T_fcprojw];
    for (size_t i = 0; i < q->size; i++) s += (double)a->param_mem[q->offset + i] * a->param_mem[q->offset + i];
    for (size_t i = 0; i < p->size; i++) sr += (double)a->param_mem[p->offset + i] * a->param_mem[p->offset + i];
    CHECK_NEAR(sqrt(s / q->size), 0.02, 0.002, "fcw std 0.02");
    CHECK_NEAR(sqrt(sr / p->size), 0.01, 0.001, "fcprojw std 0.02/sqrt(2L) = 0.01");
    CHECK(a->p.ln1w[0] == 1.0f && a->p.qkvb[0] == 0.0f && a->p.lnfb[3] == 0.0f, "gains 1, biases 0");
    gpt_free(a), gpt_free(b), gpt_free(c);
}

/* Numeric tokens' embeddings: delta(v) = s0 (v/vmax u + |v|/vmax w) with u, w orthonormal, so
 * delta(v) - delta(-v) = 2 s0 v/vmax u (parallel for every v, length linear in v) and
 * delta(v) + delta(-v) = 2 s0 |v|/vmax w, at right angles to it; other rows untouched. */
TEST(test_init_numeric) {
    Gpt *a = tiny_model(5, 0.0f), *b = tiny_model(5, 0.0f), *c = tiny_model(5, 0.0f);
    int C = a->cfg.dim, first = 2, n = 5;
    float vals[5] = {-2.0f, -1.0f, 0.0f, 1.0f, 2.0f}, scale = 3.0f, vmax = 4.0f;
    gpt_init_numeric(c, first, n, vals, vmax, 0.0f, 5);
    CHECK(memcmp(a->param_mem, c->param_mem, a->n_params * sizeof(float)) == 0, "scale 0 changes nothing");
    gpt_init_numeric(b, first, n, vals, vmax, scale, 5);
    gpt_init_numeric(c, first, n, vals, vmax, scale, 5);
    CHECK(memcmp(b->param_mem, c->param_mem, b->n_params * sizeof(float)) == 0, "same seed, same embeddings");
    size_t rowsz = (size_t)C * sizeof(float);
    CHECK(memcmp(a->p.wte, b->p.wte, (size_t)first * rowsz) == 0 &&
              memcmp(a->p.wte + (size_t)(first + n) * C, b->p.wte + (size_t)(first + n) * C,
                     (size_t)(a->cfg.vocab - first - n) * rowsz) == 0 &&
              memcmp(a->p.wte + (size_t)a->cfg.vocab * C, b->p.wte + (size_t)a->cfg.vocab * C,
                     (a->n_params - (size_t)a->cfg.vocab * C) * sizeof(float)) == 0,
          "only the numeric rows change");
    double s0 = 0.02 * sqrt((double)C) * scale, d[5][64];
    for (int k = 0; k < n; k++)
        for (int i = 0; i < C; i++) d[k][i] = (double)b->p.wte[(first + k) * C + i] - a->p.wte[(first + k) * C + i];
    double norm0 = 0, uu[2] = {0, 0}, cross = 0, para = 0;
    for (int i = 0; i < C; i++) norm0 += d[2][i] * d[2][i];
    CHECK(sqrt(norm0) < 1e-6, "zero gets nothing");
    for (int i = 0; i < C; i++) {
        double u1 = d[3][i] - d[1][i], u2 = d[4][i] - d[0][i], w2 = d[4][i] + d[0][i];
        uu[0] += u1 * u1, uu[1] += u2 * u2, para += u1 * u2, cross += u2 * w2;
    }
    CHECK_NEAR(sqrt(uu[0]), 2 * s0 * 1 / vmax, 1e-5, "sign direction: length 2 s0 v/vmax at v = 1");
    CHECK_NEAR(sqrt(uu[1]), 2 * s0 * 2 / vmax, 1e-5, "sign direction: linear in v");
    CHECK_NEAR(para / sqrt(uu[0] * uu[1]), 1.0, 1e-5, "one sign direction for every value");
    CHECK_NEAR(cross, 0.0, 1e-5, "size direction at right angles to the sign direction");
    gpt_free(a), gpt_free(b), gpt_free(c);
}

TEST(test_overfit) {
    Err e;
    Gpt *m = gpt_create(&tiny, 21, &e);
    Batch b = make_batch(4, 8, tiny.vocab, 22, 0);
    GptAdamW opt = gpt_adamw_default();
    opt.weight_decay = 0.0f;
    float loss = 0, first = 0;
    for (int s = 0; s < 300; s++) {
        gpt_zero_grad(m);
        gpt_backward(m, b.tok, b.tgt, b.w, b.B, b.T, &loss, &e);
        if (s == 0) first = loss;
        gpt_update(m, &opt, gpt_lr_schedule(s, 300, 20, 0, 1e-2f, 1e-3f));
    }
    CHECK(first > 2.0f, "starts near log(11) = 2.4: %g", first);
    CHECK(loss < 0.05f, "overfits one batch: loss %g after 300 steps (want < 0.05)", loss);
    free_batch(&b);
    gpt_free(m);
}

TEST(test_adamw) {
    Err e;
    Gpt *m = gpt_create(&tiny, 1, &e);
    gpt_zero_grad(m);
    /* gradient 3 on one wte entry, 4 on one bias: norm 5 */
    m->g.wte[0] = 3.0f;
    m->g.qkvb[0] = 4.0f;
    float p0 = m->p.wte[0], b0 = m->p.qkvb[0], other = m->p.wte[1];
    GptAdamW o = {0.9f, 0.99f, 1e-8f, 0.1f, 1.0f};
    float norm = gpt_update(m, &o, 0.01f);
    CHECK_NEAR(norm, 5.0, 1e-6, "returns the pre-clip norm");
    /* first step: mhat = g', vhat = g'^2, so the move is lr * sign(g) (+ decay) */
    CHECK_NEAR(m->p.wte[0], p0 - 0.01f * (1.0f + 0.1f * p0), 1e-6, "wte: Adam step + decay");
    CHECK_NEAR(m->p.qkvb[0], b0 - 0.01f, 1e-6, "bias: Adam step, no decay");
    CHECK_NEAR(m->p.wte[1], other - 0.01f * 0.1f * other, 1e-9, "zero gradient: decay only");
    CHECK_NEAR(m->adam_m[m->tensors[GPT_T_wte].offset], 0.1 * 3.0 / 5.0, 1e-6, "clipped gradient in m");
    m->g.wte[0] = NAN;
    float before = m->p.wte[0];
    CHECK(isnan(gpt_update(m, &o, 0.01f)) && m->p.wte[0] == before && m->adam_steps == 1,
          "non-finite gradient: step skipped");
    gpt_free(m);
}

TEST(test_lr_schedule) {
    CHECK_NEAR(gpt_lr_schedule(0, 100, 10, 0, 1.0f, 0.1f), 0.1, 1e-6, "warmup starts at lr/warmup");
    CHECK_NEAR(gpt_lr_schedule(9, 100, 10, 0, 1.0f, 0.1f), 1.0, 1e-6, "warmup ends at lr_max");
    CHECK_NEAR(gpt_lr_schedule(10, 100, 10, 0, 1.0f, 0.1f), 1.0, 1e-6, "cosine starts at lr_max");
    CHECK_NEAR(gpt_lr_schedule(55, 100, 10, 0, 1.0f, 0.1f), 0.55, 1e-6, "half way: the midpoint");
    CHECK_NEAR(gpt_lr_schedule(100, 100, 10, 0, 1.0f, 0.1f), 0.1, 1e-6, "ends at lr_min");
    CHECK_NEAR(gpt_lr_schedule(500, 100, 10, 0, 1.0f, 0.1f), 0.1, 1e-6, "stays at lr_min");
    /* held at lr_max until step 80, then the cosine over the last 20 */
    CHECK_NEAR(gpt_lr_schedule(10, 100, 10, 80, 1.0f, 0.1f), 1.0, 1e-6, "hold: lr_max after the warmup");
    CHECK_NEAR(gpt_lr_schedule(79, 100, 10, 80, 1.0f, 0.1f), 1.0, 1e-6, "hold: lr_max to its end");
    CHECK_NEAR(gpt_lr_schedule(90, 100, 10, 80, 1.0f, 0.1f), 0.55, 1e-6, "hold: the cosine's midpoint");
    CHECK_NEAR(gpt_lr_schedule(100, 100, 10, 80, 1.0f, 0.1f), 0.1, 1e-6, "hold: ends at lr_min");
    CHECK_NEAR(gpt_lr_schedule(55, 100, 10, 5, 1.0f, 0.1f), 0.55, 1e-6, "a hold inside the warmup is no hold");
    int mono = 1;
    for (int s = 11; s <= 100; s++)
        mono &= gpt_lr_schedule(s, 100, 10, 0, 1.0f, 0.1f) <= gpt_lr_schedule(s - 1, 100, 10, 0, 1.0f, 0.1f);
    CHECK(mono, "decays monotonically");
}

/* ---- determinism over threads ----------------------------------------------------------------- */

static float *train_copy(int threads, int steps) {
    Err e;
    GptConfig c = {23, 16, 2, 32, 4};
    Gpt *m = gpt_create(&c, 77, &e);
    gpt_set_threads(m, threads);
    Batch b = make_batch(6, 16, c.vocab, 78, 5);
    GptAdamW opt = gpt_adamw_default();
    float loss;
    for (int s = 0; s < steps; s++) {
        gpt_zero_grad(m);
        gpt_backward(m, b.tok, b.tgt, b.w, b.B, b.T, &loss, &e);
        gpt_update(m, &opt, 3e-3f);
    }
    float *p = malloc(m->n_params * sizeof *p);
    memcpy(p, m->param_mem, m->n_params * sizeof *p);
    free_batch(&b);
    gpt_free(m);
    return p;
}

TEST(test_determinism) {
    GptConfig c = {23, 16, 2, 32, 4};
    GptTensorInfo info[GPT_NUM_TENSORS];
    size_t n = gpt_tensor_table(&c, info);
    float *a = train_copy(1, 8), *b = train_copy(1, 8), *c2 = train_copy(2, 8), *d = train_copy(2, 8);
    CHECK(memcmp(a, b, n * sizeof *a) == 0, "1 thread: bitwise the same weights after 8 steps");
    CHECK(memcmp(c2, d, n * sizeof *a) == 0, "2 threads: bitwise the same weights after 8 steps");
    double worst = 0;
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs((double)a[i] - c2[i]));
    CHECK(worst < 1e-4, "1 vs 2 threads agree to float rounding (max diff %.3g < 1e-4)", worst);
    free(a), free(b), free(c2), free(d);
}

/* The second thread's half of the batch has no loss rows at all: still the 1-thread result. */
TEST(test_thread_without_rows) {
    Err e;
    Batch b = make_batch(4, 8, tiny.vocab, 51, 0);
    for (int i = 8; i < 32; i++) b.w[i] = 0.0f; /* only sequence 0 carries loss */
    float loss[2], *g[2];
    for (int threads = 1; threads <= 2; threads++) {
        Gpt *m = tiny_model(52, 0.1f);
        gpt_set_threads(m, threads);
        gpt_zero_grad(m);
        CHECK(gpt_backward(m, b.tok, b.tgt, b.w, 4, 8, &loss[threads - 1], &e) == 0, "backward: %s", e.msg);
        g[threads - 1] = malloc(m->n_params * sizeof(float));
        memcpy(g[threads - 1], m->grad_mem, m->n_params * sizeof(float));
        gpt_free(m);
    }
    CHECK_NEAR(loss[0], loss[1], 1e-6, "same loss");
    GptTensorInfo info[GPT_NUM_TENSORS];
    size_t n = gpt_tensor_table(&tiny, info);
    CHECK(rel_diff(g[0], g[1], n) < 1e-5, "same gradients (%.3g)", rel_diff(g[0], g[1], n));
    free(g[0]), free(g[1]);
    free_batch(&b);
}

/* ---- checkpoints ------------------------------------------------------------------------------- */

static char tmpdir[64];

static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc(*n + 1);
    *n = fread(p, 1, *n, f);
    fclose(f);
    return p;
}

static void spit(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    fwrite(p, 1, n, f);
    fclose(f);
}

/* Writes file[0..n) with the first occurrence of `from` in the header replaced by `to`. */
static void spit_edit(const char *path, const char *file, size_t n, const char *from, const char *to) {
    const char *at = strstr(file, from);
    size_t pre = (size_t)(at - file), fl = strlen(from), tl = strlen(to);
    char *out = malloc(n + tl + 1);
    memcpy(out, file, pre);
    memcpy(out + pre, to, tl);
    memcpy(out + pre + tl, at + fl, n - pre - fl);
    spit(path, out, n - fl + tl);
    free(out);
}

static int load_fails_with(const char *path, const char *needle, Err *e) {
    Gpt *m = (Gpt *)1;
    cJSON *meta = (cJSON *)1;
    int rc = gpt_load(path, &m, &meta, e);
    if (rc == 0) {
        gpt_free(m);
        cJSON_Delete(meta);
        return 0;
    }
    return m == NULL && meta == NULL && strstr(e->msg, needle) && strstr(e->msg, path);
}

TEST(test_checkpoint) {
    Err e;
    char path[128], bad[128];
    snprintf(path, sizeof path, "%s/m.ckpt", tmpdir);
    snprintf(bad, sizeof bad, "%s/bad.ckpt", tmpdir);
    Gpt *m = tiny_model(31, 0.1f);
    cJSON *meta = cJSON_CreateObject();
    const char *words[3] = {"<bos>", "do", "A=\"x\"\n"};
    cJSON_AddItemToObject(meta, "vocab", cJSON_CreateStringArray(words, 3));
    cJSON_AddNumberToObject(meta, "seed", 31);
    cJSON_AddStringToObject(meta, "experiment", "return {}\n-- a script\n");
    CHECK(gpt_save(path, m, meta, &e) == 0, "save: %s", e.msg);
    Gpt *l = NULL;
    cJSON *lmeta = NULL;
    CHECK(gpt_load(path, &l, &lmeta, &e) == 0, "load: %s", e.msg);
    if (!l) return;
    CHECK(cJSON_Compare(meta, lmeta, 1), "meta round-trips");
    CHECK(memcmp(m->param_mem, l->param_mem, m->n_params * sizeof(float)) == 0, "weights bitwise equal");
    Batch b = make_batch(2, 8, tiny.vocab, 32, 0);
    float *la = malloc(2 * 8 * 11 * sizeof(float)), *lb = malloc(2 * 8 * 11 * sizeof(float));
    gpt_forward(m, b.tok, 2, 8, la, &e);
    gpt_forward(l, b.tok, 2, 8, lb, &e);
    CHECK(memcmp(la, lb, 2 * 8 * 11 * sizeof(float)) == 0, "logits bitwise equal after reload");
    free(la), free(lb), free_batch(&b);
    gpt_free(l), cJSON_Delete(lmeta);

    size_t n;
    char *file = slurp(path, &n);
    size_t hl = (size_t)(strchr(file, '\n') - file);
    CHECK(hl + 1 + m->n_params * 4 == n, "file = header line + raw float32 tensors");
    CHECK(strncmp(file, "{\"format\":\"dolab-checkpoint\",\"version\":1,", 41) == 0, "header starts with format");
    /* every truncation fails cleanly */
    int all = 1;
    for (size_t k = 0; k < n; k += 1 + n / 97) {
        spit(bad, file, k);
        all &= load_fails_with(bad, "", &e);
    }
    CHECK(all, "every truncation is refused");
    spit(bad, file, n - 4);
    CHECK(load_fails_with(bad, "truncated", &e), "truncated: %s", e.msg);
    spit(bad, file, hl / 2);
    CHECK(load_fails_with(bad, "not a dolab checkpoint", &e), "header cut: %s", e.msg);
    spit(bad, file, 0);
    CHECK(load_fails_with(bad, "empty", &e), "empty: %s", e.msg);
    char *longer = malloc(n + 3);
    memcpy(longer, file, n);
    memcpy(longer + n, "abc", 3);
    spit(bad, longer, n + 3);
    CHECK(load_fails_with(bad, "3 trailing bytes", &e), "trailing: %s", e.msg);
    free(longer);
    file[n - 1] ^= 0x40;
    spit(bad, file, n);
    CHECK(load_fails_with(bad, "checksum mismatch", &e), "bit flip in a tensor: %s", e.msg);
    file[n - 1] ^= 0x40;
    spit_edit(bad, file, n, "\"version\":1", "\"version\":2");
    CHECK(load_fails_with(bad, "unsupported checkpoint version 2", &e), "version: %s", e.msg);
    spit_edit(bad, file, n, "dolab-checkpoint", "dolab-notebook!!");
    CHECK(load_fails_with(bad, "not a dolab checkpoint", &e), "format: %s", e.msg);
    spit_edit(bad, file, n, "\"config\":{", "\"config\":[");
    CHECK(load_fails_with(bad, "invalid JSON", &e), "corrupt JSON: %s", e.msg);
    spit_edit(bad, file, n, "\"vocab\":11", "\"vocab\":99999");
    CHECK(load_fails_with(bad, "vocab 99999 out of range", &e), "config range: %s", e.msg);
    spit_edit(bad, file, n, "\"vocab\":11", "\"vocab\":12");
    CHECK(load_fails_with(bad, "wrong shape", &e), "config/shape mismatch: %s", e.msg);
    spit_edit(bad, file, n, "\"shape\":[8,16]", "\"shape\":[8,17]");
    CHECK(load_fails_with(bad, "\"wpe\" has the wrong shape", &e), "tensor shape: %s", e.msg);
    spit_edit(bad, file, n, "\"name\":\"qkvw\"", "\"name\":\"qkvx\"");
    CHECK(load_fails_with(bad, "expected \"qkvw\"", &e), "tensor name: %s", e.msg);
    spit_edit(bad, file, n, "\"heads\":2", "\"heads\":2.5");
    CHECK(load_fails_with(bad, "config.heads", &e), "non-integer: %s", e.msg);
    char *nl = strchr(file, '\n');
    *nl = ' ';
    spit(bad, file, n);
    CHECK(load_fails_with(bad, "", &e), "no newline: %s", e.msg);
    *nl = '\n';
    snprintf(bad, sizeof bad, "%s/missing.ckpt", tmpdir);
    CHECK(load_fails_with(bad, "cannot open", &e), "missing: %s", e.msg);
    snprintf(bad, sizeof bad, "%s/bad.ckpt", tmpdir);
    /* random damage to the header: refused or, if still valid, loaded; never a crash */
    Rng r;
    rng_init(&r, 5, 5);
    int refused = 0;
    for (int k = 0; k < 200; k++) {
        char *copy = malloc(n);
        memcpy(copy, file, n);
        for (int f = 0; f < 3; f++) copy[rng_below(&r, (uint32_t)hl)] = (char)rng_below(&r, 256);
        spit(bad, copy, n);
        Gpt *x = NULL;
        cJSON *xm = NULL;
        if (gpt_load(bad, &x, &xm, &e) != 0) refused++;
        gpt_free(x), cJSON_Delete(xm);
        free(copy);
    }
    CHECK(refused > 150, "random header damage mostly refused (%d of 200)", refused);
    free(file);
    cJSON_Delete(meta);
    gpt_free(m);
    unlink(path), unlink(bad);
}

/* ---- KV cache ---------------------------------------------------------------------------------- */

static void kv_case(GptConfig c) {
    Err e;
    Gpt *m = gpt_create(&c, 41, &e);
    Rng r;
    rng_init(&r, 41, 1);
    for (size_t i = 0; i < m->n_params; i++) m->param_mem[i] += (float)rng_normal(&r) * 0.3f;
    enum { S = 3, T = 16 };
    int tok[S * T];
    for (int i = 0; i < S * T; i++) tok[i] = (int)rng_below(&r, 13);
    float *full = malloc((size_t)S * T * 13 * sizeof(float));
    gpt_forward(m, tok, S, T, full, &e);

    GptCache *kc = gpt_cache_create(m, S, T, &e);
    float got[S * T * 13];
    /* seq 0: one token per call; seq 1: a 5-token prefix first; seq 2: chunks of 3 in one call,
     * the three sequences interleaved and at different lengths */
    CHECK(gpt_infer_prefix(m, kc, 1, tok + T, 5, got + (size_t)(T + 4) * 13, &e) == 0, "prefix: %s", e.msg);
    int next[S] = {0, 5, 0};
    while (next[0] < T || next[1] < T || next[2] < T) {
        int tt[8], ss[8], n = 0, at[8];
        for (int s = 0; s < S; s++) {
            int k = s == 2 ? 3 : 1;
            for (int j = 0; j < k && next[s] < T; j++) {
                tt[n] = tok[s * T + next[s]], ss[n] = s, at[n] = s * T + next[s], next[s]++, n++;
            }
        }
        float lg[8 * 13];
        if (gpt_infer_step(m, kc, tt, ss, n, lg, &e) != 0) {
            CHECK(0, "step: %s", e.msg);
            break;
        }
        for (int i = 0; i < n; i++) memcpy(got + (size_t)at[i] * 13, lg + (size_t)i * 13, 13 * sizeof(float));
    }
    double worst = 0;
    for (int s = 0; s < S; s++)
        for (int t = 0; t < T; t++) {
            if (s == 1 && t < 4) continue; /* the prefix returns only its last logits */
            for (int j = 0; j < 13; j++)
                worst = fmax(worst, fabs(got[(s * T + t) * 13 + j] - full[(s * T + t) * 13 + j]));
        }
    CHECK(worst < 1e-5, "incremental logits = full forward (C %d H %d: max diff %.3g, tol 1e-5)", c.dim, c.heads, worst);
    CHECK(gpt_cache_len(kc, 0) == T && gpt_cache_len(kc, 2) == T, "lengths");
    /* full: refused, nothing appended */
    int one = 1, s0 = 0;
    CHECK(gpt_infer_step(m, kc, &one, &s0, 1, NULL, &e) == -1 && strstr(e.msg, "full"), "%s", e.msg);
    CHECK(gpt_cache_len(kc, 0) == T, "refused call changed nothing");
    /* reset one sequence and replay it: same logits again */
    gpt_cache_reset(kc, 2);
    int seqs2[T];
    for (int t = 0; t < T; t++) seqs2[t] = 2;
    float *again = malloc((size_t)T * 13 * sizeof(float));
    CHECK(gpt_infer_step(m, kc, tok + 2 * T, seqs2, T, again, &e) == 0, "replay: %s", e.msg);
    worst = 0;
    for (int i = 0; i < T * 13; i++) worst = fmax(worst, fabs(again[i] - full[2 * T * 13 + i]));
    CHECK(worst < 1e-5, "after reset, replay matches (%.3g)", worst);
    int badtok = 13, bads = 7;
    gpt_cache_reset(kc, -1);
    CHECK(gpt_infer_step(m, kc, &badtok, &s0, 1, NULL, &e) == -1 && strstr(e.msg, "vocabulary"), "%s", e.msg);
    CHECK(gpt_infer_step(m, kc, &one, &bads, 1, NULL, &e) == -1 && strstr(e.msg, "out of range"), "%s", e.msg);
    CHECK(gpt_cache_len(kc, 0) == 0, "bad calls append nothing");
    free(again), free(full);
    gpt_cache_free(kc);
    gpt_free(m);
}

/* Many sequences at staggered lengths, calls big enough to be split between two threads. */
TEST(test_kv_threads) {
    Err e;
    GptConfig c = {13, 16, 2, 32, 2};
    Gpt *m = gpt_create(&c, 43, &e);
    Rng r;
    rng_init(&r, 43, 1);
    for (size_t i = 0; i < m->n_params; i++) m->param_mem[i] += (float)rng_normal(&r) * 0.3f;
    enum { S = 72, T = 16, V = 13 }; /* calls of 64+ rows are split between the threads */
    int *tok = malloc(S * T * sizeof(int));
    for (int i = 0; i < S * T; i++) tok[i] = (int)rng_below(&r, V);
    float *full = malloc((size_t)S * T * V * sizeof(float)), *got[2];
    gpt_forward(m, tok, S, T, full, &e);
    for (int threads = 1; threads <= 2; threads++) {
        GptCache *kc = gpt_cache_create(m, S, T, &e);
        CHECK(gpt_cache_set_threads(kc, threads) == threads, "threads set");
        float *g = got[threads - 1] = calloc((size_t)S * T * V, sizeof(float));
        int next[S] = {0};
        for (int step = 0; step < T + 4; step++) {
            int tt[S], ss[S], n = 0;
            for (int s = 0; s < S; s++) /* sequence s starts at step s % 4 */
                if (step >= s % 4 && next[s] < T) tt[n] = tok[s * T + next[s]], ss[n++] = s;
            float lg[S * V];
            if (gpt_infer_step(m, kc, tt, ss, n, lg, &e) != 0) {
                CHECK(0, "step: %s", e.msg);
                break;
            }
            for (int i = 0; i < n; i++) {
                memcpy(g + ((size_t)ss[i] * T + next[ss[i]]) * V, lg + (size_t)i * V, V * sizeof(float));
                next[ss[i]]++;
            }
        }
        double worst = 0;
        for (int i = 0; i < S * T * V; i++) worst = fmax(worst, fabs(g[i] - full[i]));
        CHECK(worst < 1e-5, "%d thread%s: incremental logits = full forward (max diff %.3g)", threads,
              threads > 1 ? "s" : "", worst);
        gpt_cache_free(kc);
    }
    double d = 0;
    for (int i = 0; i < S * T * V; i++) d = fmax(d, fabs(got[0][i] - got[1][i]));
    CHECK(d < 1e-5, "1 vs 2 threads agree (%.3g)", d);
    /* runs of 1..3 tokens per sequence in one call, logits only after each run's last token */
    GptCache *kc = gpt_cache_create(m, S, T, &e);
    int next[S] = {0}, calls = 0, checked = 0;
    double worst = 0;
    for (int done = 0; !done; calls++) {
        int tt[S * 3], ss[S * 3], n = 0, at[S * 3], k = 0;
        unsigned char want[S * 3];
        for (int s = 0; s < S; s++)
            for (int j = 0; j < 1 + (s + calls) % 3 && next[s] < T; j++) {
                tt[n] = tok[s * T + next[s]], ss[n] = s, at[n] = s * T + next[s]++;
                want[n++] = 0;
            }
        for (int i = 0; i < n; i++) want[i] = i + 1 == n || ss[i + 1] != ss[i];
        float lg[S * 3 * V];
        if (gpt_infer_feed(m, kc, tt, ss, n, want, lg, &e) != 0) {
            CHECK(0, "feed: %s", e.msg);
            break;
        }
        for (int i = 0; i < n; i++)
            if (want[i]) {
                for (int v = 0; v < V; v++) worst = fmax(worst, fabs(lg[k * V + v] - full[(size_t)at[i] * V + v]));
                k++, checked++;
            }
        done = n == 0;
    }
    CHECK(worst < 1e-5 && checked > 100, "runs with logits at their ends = full forward (%d checked, %.3g)",
          checked, worst);
    gpt_cache_free(kc);
    free(got[0]), free(got[1]), free(full), free(tok);
    gpt_free(m);
}

TEST(test_kv_cache) {
    kv_case((GptConfig){13, 16, 2, 16, 4}); /* head size 4: plain loops */
    kv_case((GptConfig){13, 16, 2, 32, 2}); /* head size 16: vectorised */
}

TEST(test_bench_runs) {
    /* a benchmark is not a test: this only checks the figures are filled in */
    Err e;
    GptBench bt, bi;
    GptConfig c = {31, 16, 1, 16, 2};
    CHECK(gpt_bench_train(&c, 4, 16, 3, 2, 2, &bt, &e) == 0 && bt.tokens_per_s > 0 && bt.gflops > 0 && bt.cpu_seconds > 0,
          "bench train: %s", e.msg);
    CHECK(gpt_bench_infer(&c, 4, 16, 4, 2, 8, &bi, &e) == 0 && bi.episodes_per_s > 0, "bench infer: %s", e.msg);
}

int main(void) {
    rng_init(&rng, 12345, 0);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/dolab-test-nn-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_fast_math);
    RUN(test_layernorm_grad);
    RUN(test_matmul_grad);
    RUN(test_matmul_sgemm_vs_naive);
    RUN(test_attention_grad);
    RUN(test_attention_paths);
    RUN(test_gelu_grad);
    RUN(test_encoder_grad);
    RUN(test_xent_grad);
    RUN(test_config_check);
    RUN(test_init);
    RUN(test_init_numeric);
    RUN(test_model_grad);
    RUN(test_model_sgemm_vs_naive);
    RUN(test_forward_matches_loss);
    RUN(test_overfit);
    RUN(test_adamw);
    RUN(test_lr_schedule);
    RUN(test_determinism);
    RUN(test_thread_without_rows);
    RUN(test_checkpoint);
    RUN(test_kv_cache);
    RUN(test_kv_threads);
    RUN(test_bench_runs);
    rmdir(tmpdir);
    return TEST_SUMMARY();
}

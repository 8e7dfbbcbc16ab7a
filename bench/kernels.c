/* bench/kernels.c — the matrix products of one training step, side by side on every kernel
 * library the issue names (make bench-kernels): OpenBLAS (what dolab uses), BLIS and libxsmm,
 * with a naive loop as the reference every result is checked against.  Shapes are exactly
 * those of src/nn/ops.c's linear layers: rows = batch x context, and per layer the forward
 * product (out = in . W^T), the input gradient (din = dout . W) and the weight gradient
 * (dW += dout^T . in).  One thread each.  Rounds interleave the libraries (A B C D, A B C D,
 * ...) so a noisy machine slows them alike; the figure is each one's best round (a descheduled
 * round on a busy machine is 100x slower and says nothing about the kernel).
 *
 * BLIS is loaded with dlopen(RTLD_LOCAL | RTLD_DEEPBIND): it exports the same cblas_sgemm
 * symbol as OpenBLAS, and a process linked against both would call one of them twice.
 * libxsmm (Debian ships it static) is linked; it is measured twice: libxsmm_sgemm, its
 * general entry (which dispatches or falls back to BLAS), and its JIT kernels applied to
 * 64-row (or 64-deep) tiles, the way a small-matrix library is meant to be used (its JIT has
 * no transposed-A kernel, so for the forward product W is transposed first, inside the timing). */
#define _GNU_SOURCE
#include <cblas.h>
#include <dlfcn.h>
#include <libxsmm.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                               float, float *, int);
void openblas_set_num_threads(int);

enum { FORM_FWD, FORM_DIN, FORM_DW, NFORMS };
static const char *const form_name[NFORMS] = {"fwd  out=in.W^T", "bwd  din=dout.W", "bwd  dW+=dout^T.in"};

typedef struct Gemm { /* row-major C[M x N] (+)= op(A) . op(B) */
    int ta, tb, M, N, K, lda, ldb, ldc;
    const float *A, *B;
    float *C;
} Gemm;

enum { IMP_NAIVE, IMP_OPENBLAS, IMP_BLIS, IMP_XSMM, IMP_XSMM_JIT, NIMPS };
static const char *const imp_name[NIMPS] = {"naive", "OpenBLAS", "BLIS", "libxsmm", "libxsmm JIT tiles"};
static cblas_sgemm_fn blis_sgemm;
#define TILE 64

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static float at(const float *X, int ld, int trans, int i, int j) { return trans ? X[(size_t)j * ld + i] : X[(size_t)i * ld + j]; }

static void naive(const Gemm *g) {
    for (int i = 0; i < g->M; i++)
        for (int j = 0; j < g->N; j++) {
            double s = 0;
            for (int k = 0; k < g->K; k++) s += (double)at(g->A, g->lda, g->ta, i, k) * at(g->B, g->ldb, g->tb, k, j);
            g->C[(size_t)i * g->ldc + j] += (float)s;
        }
}

/* Column-major libxsmm on a row-major product: C^T = op(B)^T . op(A)^T, so the operands and
 * their transposes swap and M, N swap. */
static void xsmm_general(const Gemm *g) {
    char ta = g->tb ? 'T' : 'N', tb = g->ta ? 'T' : 'N';
    libxsmm_blasint m = g->N, n = g->M, k = g->K, lda = g->ldb, ldb = g->lda, ldc = g->ldc;
    float one = 1.0f;
    libxsmm_sgemm(&ta, &tb, &m, &n, &k, &one, g->B, &lda, g->A, &ldb, &one, g->C, &ldc);
}

/* The JIT kernel for a tile: rows of C in tiles of TILE (forward, input gradient), or the
 * K dimension in chunks of TILE accumulating (weight gradient, where K = the batch's rows). */
static int xsmm_tiles(const Gemm *g, int run) {
    if (g->tb && !g->ta) { /* the JIT has no transposed-A kernel: transpose W (small) first, cost included */
        static float *wt;
        static size_t cap;
        size_t need = (size_t)g->K * g->N;
        if (need > cap) {
            free(wt);
            wt = malloc(need * sizeof(float));
            cap = wt ? need : 0;
            if (!wt) return -1;
        }
        if (run)
            for (int j = 0; j < g->N; j++)
                for (int k = 0; k < g->K; k++) wt[(size_t)k * g->N + j] = g->B[(size_t)j * g->ldb + k];
        Gemm h = *g;
        h.tb = 0, h.B = wt, h.ldb = g->N;
        return xsmm_tiles(&h, run);
    }
    int flags = (g->tb ? LIBXSMM_GEMM_FLAG_TRANS_A : 0) | (g->ta ? LIBXSMM_GEMM_FLAG_TRANS_B : 0);
    float one = 1.0f;
    libxsmm_blasint lda = g->ldb, ldb = g->lda, ldc = g->ldc;
    if (!g->ta) { /* tile the rows of C (= the columns of the column-major product) */
        for (int r0 = 0; r0 < g->M; r0 += TILE) {
            int rows = g->M - r0 < TILE ? g->M - r0 : TILE;
            libxsmm_smmfunction f = libxsmm_smmdispatch(g->N, rows, g->K, &lda, &ldb, &ldc, &one, &one, &flags, NULL);
            if (!f) return -1;
            if (run) f(g->B, g->A + (size_t)r0 * g->lda, g->C + (size_t)r0 * g->ldc);
        }
        return 0;
    }
    for (int k0 = 0; k0 < g->K; k0 += TILE) { /* op(A) = A^T: chunk K = the rows of A and B */
        int kk = g->K - k0 < TILE ? g->K - k0 : TILE;
        libxsmm_smmfunction f = libxsmm_smmdispatch(g->N, g->M, kk, &lda, &ldb, &ldc, &one, &one, &flags, NULL);
        if (!f) return -1;
        if (run) f(g->B + (size_t)k0 * g->ldb, g->A + (size_t)k0 * g->lda, g->C);
    }
    return 0;
}

static int run_imp(int imp, const Gemm *g) {
    int ta = g->ta ? CblasTrans : CblasNoTrans, tb = g->tb ? CblasTrans : CblasNoTrans;
    switch (imp) {
    case IMP_NAIVE: naive(g); return 0;
    case IMP_OPENBLAS:
        cblas_sgemm(CblasRowMajor, ta, tb, g->M, g->N, g->K, 1.0f, g->A, g->lda, g->B, g->ldb, 1.0f, g->C, g->ldc);
        return 0;
    case IMP_BLIS:
        if (!blis_sgemm) return -1;
        blis_sgemm(CblasRowMajor, ta, tb, g->M, g->N, g->K, 1.0f, g->A, g->lda, g->B, g->ldb, 1.0f, g->C, g->ldc);
        return 0;
    case IMP_XSMM: xsmm_general(g); return 0;
    default: return xsmm_tiles(g, 1);
    }
}

static void fill(float *x, size_t n, unsigned *s) {
    for (size_t i = 0; i < n; i++) {
        *s = *s * 1664525u + 1013904223u;
        x[i] = (float)((*s >> 8) & 0xffff) / 65536.0f - 0.5f;
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct Layer {
    const char *name;
    int in, out, per_step; /* per_step: how many times a training step runs it (layers) */
} Layer;

int main(int argc, char **argv) {
    int C = 64, B = 32, T = 42, V = 105, L = 2, rounds = 15;
    for (int i = 1; i < argc; i++) {
        int *p = !strcmp(argv[i], "--dim") ? &C : !strcmp(argv[i], "--batch") ? &B : !strcmp(argv[i], "--context") ? &T
               : !strcmp(argv[i], "--vocab") ? &V : !strcmp(argv[i], "--layers") ? &L : !strcmp(argv[i], "--rounds") ? &rounds
               : NULL;
        if (!p || i + 1 >= argc || (*p = atoi(argv[++i])) < 1 || *p > 100000) {
            fprintf(stderr, "usage: kernels [--dim C] [--batch B] [--context T] [--vocab V] [--layers L] [--rounds R]\n");
            return 2;
        }
    }
    openblas_set_num_threads(1);
    setenv("BLIS_NUM_THREADS", "1", 1);
    void *h = dlopen("libblis.so.4", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (h) blis_sgemm = (cblas_sgemm_fn)dlsym(h, "cblas_sgemm");
    libxsmm_init();
    int N = B * T;
    Layer layers[] = {{"qkv", C, 3 * C, L}, {"attn proj", C, C, L}, {"mlp fc", C, 4 * C, L}, {"mlp proj", 4 * C, C, L},
                      {"lm head", C, V, 1}};
    int nl = (int)(sizeof layers / sizeof layers[0]);
    printf("bench kernels: the sgemm calls of one training step, d_model %d, %d layers, rows = batch %d x context %d = %d,\n"
           "vocab %d; one thread each; best of %d interleaved rounds; GFLOP/s (2MNK per call)\n",
           C, L, B, T, N, V, rounds);
    printf("libraries: OpenBLAS %s, BLIS %s, libxsmm %s (JIT tiles of %d)\n\n", "(linked)",
           blis_sgemm ? "(libblis.so.4, dlopen)" : "missing (Debian: libblis4)", LIBXSMM_VERSION, TILE);
    printf("%-10s %-20s %5s %5s %5s", "layer", "product", "M", "N", "K");
    for (int m = IMP_OPENBLAS; m < NIMPS; m++) printf(" %12s", m == IMP_XSMM_JIT ? "xsmm tiles" : imp_name[m]);
    printf("\n");
    double step[NIMPS] = {0};
    int step_ok[NIMPS] = {0, 1, 1, 1, 1}, bad = 0;
    unsigned seed = 12345;
    for (int l = 0; l < nl; l++) {
        int IC = layers[l].in, OC = layers[l].out;
        float *inp = malloc(sizeof(float) * (size_t)N * IC), *w = malloc(sizeof(float) * (size_t)OC * IC),
              *dout = malloc(sizeof(float) * (size_t)N * OC), *c = malloc(sizeof(float) * (size_t)N * (OC > IC ? OC : IC)),
              *ref = malloc(sizeof(float) * (size_t)N * (OC > IC ? OC : IC));
        if (!inp || !w || !dout || !c || !ref) return fprintf(stderr, "kernels: out of memory\n"), 1;
        fill(inp, (size_t)N * IC, &seed), fill(w, (size_t)OC * IC, &seed), fill(dout, (size_t)N * OC, &seed);
        for (int f = 0; f < NFORMS; f++) {
            Gemm g = f == FORM_FWD   ? (Gemm){0, 1, N, OC, IC, IC, IC, OC, inp, w, c}
                     : f == FORM_DIN ? (Gemm){0, 0, N, IC, OC, OC, IC, IC, dout, w, c}
                                     : (Gemm){1, 0, OC, IC, N, OC, IC, IC, dout, inp, c};
            size_t csz = (size_t)g.M * g.ldc;
            memset(ref, 0, csz * sizeof(float));
            g.C = ref;
            naive(&g);
            double flop = 2.0 * g.M * g.N * g.K, best[NIMPS] = {0};
            int ok[NIMPS] = {0};
            for (int m = IMP_OPENBLAS; m < NIMPS; m++) { /* correctness first, once */
                memset(c, 0, csz * sizeof(float));
                g.C = c;
                if ((m == IMP_XSMM_JIT && xsmm_tiles(&g, 0)) || run_imp(m, &g)) continue;
                double err = 0, scale = 0;
                for (size_t i = 0; i < csz; i++) err = fmax(err, fabs((double)c[i] - ref[i])), scale = fmax(scale, fabs(ref[i]));
                ok[m] = err <= 1e-4 * (scale > 1 ? scale : 1);
                if (!ok[m]) {
                    fprintf(stderr, "kernels: %s %s %s: wrong result (max error %g)\n", layers[l].name, form_name[f],
                            imp_name[m], err);
                    bad = 1;
                }
            }
            /* calls per timing sample: enough for about 2 ms */
            int reps = (int)(2e-3 / (flop / 20e9)) + 1;
            double *t = malloc(sizeof(double) * (size_t)rounds * NIMPS);
            for (int r = 0; r < rounds; r++)
                for (int m = IMP_OPENBLAS; m < NIMPS; m++) {
                    if (!ok[m]) continue;
                    double t0 = now();
                    for (int k = 0; k < reps; k++) run_imp(m, &g);
                    t[(size_t)m * rounds + r] = (now() - t0) / reps;
                }
            printf("%-10s %-20s %5d %5d %5d", layers[l].name, form_name[f], g.M, g.N, g.K);
            for (int m = IMP_OPENBLAS; m < NIMPS; m++) {
                if (!ok[m]) {
                    printf(" %12s", "n/a");
                    step_ok[m] = 0;
                    continue;
                }
                qsort(t + (size_t)m * rounds, (size_t)rounds, sizeof(double), cmp_double);
                best[m] = t[(size_t)m * rounds]; /* the best round: what the kernel does undisturbed */
                step[m] += best[m] * layers[l].per_step;
                printf(" %12.1f", flop / best[m] / 1e9);
            }
            printf("\n");
            free(t);
        }
        free(inp), free(w), free(dout), free(c), free(ref);
    }
    printf("\n%-43s", "one training step's products (ms)");
    for (int m = IMP_OPENBLAS; m < NIMPS; m++) step_ok[m] ? printf(" %12.3f", step[m] * 1e3) : printf(" %12s", "n/a");
    printf("\n%-43s", "ratio to OpenBLAS (higher is faster)");
    for (int m = IMP_OPENBLAS; m < NIMPS; m++) step_ok[m] ? printf(" %12.2f", step[IMP_OPENBLAS] / step[m]) : printf(" %12s", "n/a");
    printf("\n");
    libxsmm_finalize();
    if (h) dlclose(h);
    return bad;
}

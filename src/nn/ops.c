/* ops — kernels.  See ops.h for the conventions (shapes, accumulation, ownership). */

/* The build uses -O2, where GCC 12 hardly vectorises; these loops are the hot ones, so this
 * file asks for -O3, lets comparisons be if-converted (no-trapping-math: we never read FP
 * exception flags) and a*b+c become an FMA where the CPU has one.  (no-math-errno here does
 * not reach libm calls such as sqrtf, hence sqrt_nonneg below.  Clang vectorises at -O2 and
 * does not know this pragma.) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3", "no-trapping-math", "no-math-errno", "fp-contract=fast")
#endif

#include "nn/ops.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Hot kernels get an AVX2+FMA clone picked at load time on CPUs that have it (GCC, x86-64,
 * glibc ifunc); elsewhere the plain build.  Results are reproducible on one machine either way. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define NN_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define NN_HOT
#endif

static int use_reference;

void nn_set_reference(int on) { use_reference = on != 0; }
int nn_reference(void) { return use_reference; }

/* ---- OpenBLAS set-up ----------------------------------------------------------------------- */

static void blas_init_once(void) { openblas_set_num_threads(1); }

void nn_blas_init(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, blas_init_once);
}

const char *nn_blas_core(void) {
    const char *c = openblas_get_corename();
    return c ? c : "unknown";
}

double nn_sgemm_peak(void) {
    enum { n = 512 };
    nn_blas_init();
    float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n), *c = malloc(sizeof(float) * n * n);
    double best = 0.0;
    if (a && b && c) {
        for (int i = 0; i < n * n; i++) a[i] = b[i] = (float)(i % 7) * 0.125f, c[i] = 0.0f;
        for (int rep = 0; rep < 6; rep++) {
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
            double g = s > 0 ? 2.0 * n * n * n / s * 1e-9 : 0.0;
            if (rep > 0 && g > best) best = g; /* the first call warms caches and pages */
        }
    }
    free(a), free(b), free(c);
    return best;
}

/* ---- scalar helpers ------------------------------------------------------------------- */

/* Cephes expf: exp(x) = 2^n · exp(r), |r| <= ln2/2, exp(r) by a degree-7 minimax polynomial.
 * Branch-free so loops calling it vectorise; NaN stays NaN. */
float nn_expf(float x) {
    float xc = x < -87.0f ? -87.0f : (x < 88.0f ? x : 88.0f);
    float n = xc * 1.44269504088896341f + 12582912.0f; /* adding 1.5·2^23 rounds to an integer */
    n -= 12582912.0f;
    float r = xc - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * (r * r) + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) * (1 << 23); /* n in [-126, 127]: a normal power of two */
    float two_n;
    memcpy(&two_n, &bits, sizeof two_n);
    y *= two_n;
    return x == x ? y : x;
}

/* tanh(x) = x P(x^2) / Q(x^2) on [-7.9, 7.9] (Eigen's float rational fit; saturated outside). */
float nn_tanhf(float x) {
    float xc = x < -7.90531110763549805f ? -7.90531110763549805f : x;
    xc = xc > 7.90531110763549805f ? 7.90531110763549805f : xc;
    float x2 = xc * xc;
    float p = -2.76076847742355e-16f;
    p = p * x2 + 2.00018790482477e-13f;
    p = p * x2 - 8.60467152213735e-11f;
    p = p * x2 + 5.12229709037114e-08f;
    p = p * x2 + 1.48572235717979e-05f;
    p = p * x2 + 6.37261928875436e-04f;
    p = p * x2 + 4.89352455891786e-03f;
    float q = 1.19825839466702e-06f;
    q = q * x2 + 1.18534705686654e-04f;
    q = q * x2 + 2.26843463243900e-03f;
    q = q * x2 + 4.89352518554385e-03f;
    return xc * p / q;
}

static inline float dot8(const float *a, const float *b, int n) {
    float acc[8] = {0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += a[i + j] * b[i + j];
    float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

static inline float sum8(const float *a, int n) {
    float acc[8] = {0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += a[i + j];
    float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; i < n; i++) s += a[i];
    return s;
}

float nn_dot(const float *a, const float *b, int n) { return dot8(a, b, n); }

void nn_axpy(float *restrict y, float a, const float *restrict x, int n) {
    for (int i = 0; i < n; i++) y[i] += a * x[i];
}

/* ---- encoder -------------------------------------------------------------------------- */

void nn_encoder_forward(float *out, const int *tokens, const float *wte, const float *wpe, int B,
                        int T, int C) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            float *o = out + ((size_t)b * T + t) * C;
            const float *we = wte + (size_t)tokens[b * T + t] * C, *pe = wpe + (size_t)t * C;
            for (int i = 0; i < C; i++) o[i] = we[i] + pe[i];
        }
}

void nn_encoder_backward(float *dwte, float *dwpe, const float *dout, const int *tokens, int B,
                         int T, int C) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const float *d = dout + ((size_t)b * T + t) * C;
            nn_axpy(dwte + (size_t)tokens[b * T + t] * C, 1.0f, d, C);
            nn_axpy(dwpe + (size_t)t * C, 1.0f, d, C);
        }
}

/* ---- layernorm ------------------------------------------------------------------------ */

NN_HOT void nn_layernorm_forward(float *restrict out, float *mean, float *rstd,
                                 const float *restrict inp, const float *restrict w,
                                 const float *restrict b, int N, int C) {
    for (int r = 0; r < N; r++) {
        const float *x = inp + (size_t)r * C;
        float *o = out + (size_t)r * C;
        float m = sum8(x, C) / (float)C;
        for (int i = 0; i < C; i++) o[i] = x[i] - m; /* centred first: two-pass variance */
        float s = 1.0f / sqrtf(dot8(o, o, C) / (float)C + 1e-5f);
        for (int i = 0; i < C; i++) o[i] = o[i] * s * w[i] + b[i];
        mean[r] = m;
        rstd[r] = s;
    }
}

NN_HOT void nn_layernorm_backward(float *restrict dinp, float *restrict dw, float *restrict db,
                                  const float *restrict dout, const float *restrict inp,
                                  const float *restrict w, const float *mean, const float *rstd, int N,
                                  int C) {
    for (int r = 0; r < N; r++) {
        const float *x = inp + (size_t)r * C, *d = dout + (size_t)r * C;
        float *di = dinp + (size_t)r * C;
        float m = mean[r], s = rstd[r];
        /* the two means of the normalisation's Jacobian, with 8 partial sums each */
        float a1[8] = {0}, a2[8] = {0}, dsum, dnsum;
        int i = 0;
        for (; i + 8 <= C; i += 8)
            for (int j = 0; j < 8; j++) {
                float dn = w[i + j] * d[i + j];
                a1[j] += dn;
                a2[j] += dn * (x[i + j] - m);
            }
        dsum = ((a1[0] + a1[4]) + (a1[1] + a1[5])) + ((a1[2] + a1[6]) + (a1[3] + a1[7]));
        dnsum = ((a2[0] + a2[4]) + (a2[1] + a2[5])) + ((a2[2] + a2[6]) + (a2[3] + a2[7]));
        for (; i < C; i++) {
            dsum += w[i] * d[i];
            dnsum += w[i] * d[i] * (x[i] - m);
        }
        float dmean = dsum / (float)C, dnmean = dnsum * s / (float)C;
        for (i = 0; i < C; i++) {
            float norm = (x[i] - m) * s;
            db[i] += d[i];
            dw[i] += norm * d[i];
            di[i] += (w[i] * d[i] - dmean - norm * dnmean) * s;
        }
    }
}

/* ---- matmul --------------------------------------------------------------------------- */

static void matmul_naive(float *out, const float *inp, const float *w, const float *bias, int N,
                         int C, int OC, int add) {
    for (int r = 0; r < N; r++)
        for (int o = 0; o < OC; o++) {
            float s = bias ? bias[o] : 0.0f;
            for (int i = 0; i < C; i++) s += inp[(size_t)r * C + i] * w[(size_t)o * C + i];
            float *dst = out + (size_t)r * OC + o;
            *dst = add ? *dst + s : s;
        }
}

static void matmul(float *out, const float *inp, const float *w, const float *bias, int N, int C,
                   int OC, int add) {
    if (use_reference) {
        matmul_naive(out, inp, w, bias, N, C, OC, add);
        return;
    }
    /* Bias first, then one sgemm with beta = 1 accumulating onto it. */
    for (int r = 0; r < N; r++) {
        float *o = out + (size_t)r * OC;
        if (!add && bias) memcpy(o, bias, (size_t)OC * sizeof *o);
        else if (!add) memset(o, 0, (size_t)OC * sizeof *o);
        else if (bias) nn_axpy(o, 1.0f, bias, OC);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, C, 1.0f, inp, C, w, C, 1.0f, out,
                OC);
}

void nn_matmul_forward(float *out, const float *inp, const float *w, const float *bias, int N,
                       int C, int OC) {
    matmul(out, inp, w, bias, N, C, OC, 0);
}

void nn_matmul_forward_add(float *out, const float *inp, const float *w, const float *bias, int N,
                           int C, int OC) {
    matmul(out, inp, w, bias, N, C, OC, 1);
}

void nn_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp,
                        const float *w, int N, int C, int OC) {
    if (use_reference) {
        if (dinp)
            for (int r = 0; r < N; r++)
                for (int i = 0; i < C; i++) {
                    float s = 0.0f;
                    for (int o = 0; o < OC; o++) s += dout[(size_t)r * OC + o] * w[(size_t)o * C + i];
                    dinp[(size_t)r * C + i] = s;
                }
        for (int o = 0; o < OC; o++)
            for (int i = 0; i < C; i++) {
                float s = 0.0f;
                for (int r = 0; r < N; r++) s += dout[(size_t)r * OC + o] * inp[(size_t)r * C + i];
                dw[(size_t)o * C + i] += s;
            }
    } else {
        if (dinp)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, C, OC, 1.0f, dout, OC, w, C,
                        0.0f, dinp, C);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, N, 1.0f, dout, OC, inp, C, 1.0f,
                    dw, C);
    }
    if (dbias)
        for (int r = 0; r < N; r++) nn_axpy(dbias, 1.0f, dout + (size_t)r * OC, OC);
}

/* ---- attention ------------------------------------------------------------------------ */

/* Queries come as a sorted list of rows b*T + t (NULL: every position); the rows of one
 * sequence are contiguous in it, so both paths walk the list one sequence at a time. */
static inline int row_at(const int *rows, int r) { return rows ? rows[r] : r; }

/* The end of the run of rows in the same sequence as row r0. */
static int seq_end(const int *rows, int r0, int N, int T) {
    int b = row_at(rows, r0) / T, r = r0 + 1;
    while (r < N && row_at(rows, r) / T == b) r++;
    return r;
}

/* The reference: the formulas as plain loops, per (query, head). */
static void attention_forward_ref(float *out, float *att, const float *qkv, const int *rows, int N,
                                  int T, int C, int H) {
    int hs = C / H, C3 = 3 * C;
    float scale = 1.0f / sqrtf((float)hs);
    for (int r = 0; r < N; r++) {
        int b = row_at(rows, r) / T, t = row_at(rows, r) % T;
        const float *base = qkv + (size_t)b * T * C3;
        for (int h = 0; h < H; h++) {
            const float *q = base + (size_t)t * C3 + h * hs;
            float *a = att + ((size_t)r * H + h) * T;
            float mx = -INFINITY, sum = 0.0f;
            for (int j = 0; j <= t; j++) {
                const float *k = base + (size_t)j * C3 + C + h * hs;
                float s = 0.0f;
                for (int i = 0; i < hs; i++) s += q[i] * k[i];
                a[j] = s * scale;
                mx = a[j] > mx ? a[j] : mx;
            }
            for (int j = 0; j <= t; j++) sum += a[j] = expf(a[j] - mx);
            for (int j = 0; j < T; j++) a[j] = j <= t ? a[j] / sum : 0.0f;
            float *o = out + (size_t)r * C + h * hs;
            for (int i = 0; i < hs; i++) {
                float s = 0.0f;
                for (int j = 0; j <= t; j++) s += a[j] * base[(size_t)j * C3 + 2 * C + h * hs + i];
                o[i] = s;
            }
        }
    }
}

static void attention_backward_ref(float *dqkv, const float *dout, const float *qkv, const float *att,
                                   const int *rows, float *dp, int N, int T, int C, int H) {
    int hs = C / H, C3 = 3 * C;
    float scale = 1.0f / sqrtf((float)hs);
    for (int r = 0; r < N; r++) {
        int b = row_at(rows, r) / T, t = row_at(rows, r) % T;
        const float *base = qkv + (size_t)b * T * C3;
        float *dbase = dqkv + (size_t)b * T * C3;
        for (int h = 0; h < H; h++) {
            const float *a = att + ((size_t)r * H + h) * T;
            const float *d = dout + (size_t)r * C + h * hs;
            const float *q = base + (size_t)t * C3 + h * hs;
            float *dq = dbase + (size_t)t * C3 + h * hs;
            float s = 0.0f;
            for (int j = 0; j <= t; j++) {
                const float *v = base + (size_t)j * C3 + 2 * C + h * hs;
                float *dv = dbase + (size_t)j * C3 + 2 * C + h * hs;
                dp[j] = 0.0f;
                for (int i = 0; i < hs; i++) {
                    dp[j] += d[i] * v[i];
                    dv[i] += a[j] * d[i];
                }
                s += a[j] * dp[j];
            }
            for (int j = 0; j <= t; j++) {
                float ds = a[j] * (dp[j] - s) * scale;
                const float *k = base + (size_t)j * C3 + C + h * hs;
                float *dk = dbase + (size_t)j * C3 + C + h * hs;
                for (int i = 0; i < hs; i++) {
                    dq[i] += ds * k[i];
                    dk[i] += ds * q[i];
                }
            }
        }
    }
}

/* The fast path, for head sizes hs = 8 * nv <= 64.  T is small (tens), so each (sequence, head)
 * is done with loops over 8-float vectors: a head's row of q, k or v is nv vectors kept in
 * registers, and scores for 8 keys at once come from the keys stored transposed (kt, with the
 * positions padded to Tp = a multiple of 8).  nv is a compile-time constant in each
 * instantiation below, so the loops over it unroll. */
typedef float vf8 __attribute__((vector_size(32)));
typedef float vf8u __attribute__((vector_size(32), aligned(4), may_alias)); /* unaligned access */
#define NV_MAX 8
#define LD8(p) (*(const vf8u *)(p))
#define ST8(p, v) (*(vf8u *)(p) = (v))
/* broadcast: a scalar operand is spread over the vector, and x * 1 folds away exactly */
#define BC8(x) ((vf8){1, 1, 1, 1, 1, 1, 1, 1} * (x))

static int pad8(int n) { return (n + 7) & ~7; }

size_t nn_attention_scratch(int T, int C, int H) {
    size_t Tp = (size_t)pad8(T);
    return ((size_t)(C / H) + 1 + (size_t)T) * Tp + (size_t)T;
}

/* dst (hs, Tp) = src rows (n, hs) at `stride`, transposed, zero past n up to Tp. */
static void transpose_head(float *dst, const float *src, int n, int Tp, int hs, int stride) {
    for (int t = 0; t < n; t++)
        for (int i = 0; i < hs; i++) dst[(size_t)i * Tp + t] = src[(size_t)t * stride + i];
    for (int i = 0; i < hs; i++)
        for (int t = n; t < Tp; t++) dst[(size_t)i * Tp + t] = 0.0f;
}

/* row[0 .. 8*ceil(n/8)) = Σ_i x[i] * mt[i][.], x has hs = 8*nv entries.  Four partial sums
 * over i keep the FMA pipeline full. */
static inline __attribute__((always_inline)) void scores8(float *row, const float *x,
                                                          const float *mt, int Tp, int n, int nv) {
    for (int j = 0; j < n; j += 8) {
        vf8 acc[4] = {BC8(0.0f), BC8(0.0f), BC8(0.0f), BC8(0.0f)};
        for (int i = 0; i < 8 * nv; i += 4)
            for (int u = 0; u < 4; u++) acc[u] += BC8(x[i + u]) * LD8(mt + (size_t)(i + u) * Tp + j);
        ST8(row + j, (acc[0] + acc[1]) + (acc[2] + acc[3]));
    }
}

/* max of row[0..n); row has room up to pad8(n), which this fills with -inf */
static inline __attribute__((always_inline)) float max8(float *row, int n) {
    typedef int vi8 __attribute__((vector_size(32)));
    for (int j = n; j < pad8(n); j++) row[j] = -INFINITY;
    vf8 m = LD8(row);
    for (int j = 8; j < n; j += 8) {
        vf8 x = LD8(row + j);
        vi8 gt = x > m;
        m = (vf8)(((vi8)x & gt) | ((vi8)m & ~gt));
    }
    float mx = m[0];
    for (int k = 1; k < 8; k++) mx = m[k] > mx ? m[k] : mx;
    return mx;
}

/* out[0 .. 8nv) (+)= Σ_{j<n} p[j] * rows[j*stride + .], with two partial sums over j */
static inline __attribute__((always_inline)) void mix_rows(float *out, int add, const float *p,
                                                           const float *rows, int stride, int n,
                                                           int nv) {
    vf8 o0[NV_MAX], o1[NV_MAX];
    for (int k = 0; k < nv; k++) o0[k] = o1[k] = BC8(0.0f);
    int j = 0;
    for (; j + 2 <= n; j += 2) {
        const float *r0 = rows + (size_t)j * stride, *r1 = r0 + stride;
        for (int k = 0; k < nv; k++) {
            o0[k] += BC8(p[j]) * LD8(r0 + 8 * k);
            o1[k] += BC8(p[j + 1]) * LD8(r1 + 8 * k);
        }
    }
    if (j < n)
        for (int k = 0; k < nv; k++) o0[k] += BC8(p[j]) * LD8(rows + (size_t)j * stride + 8 * k);
    for (int k = 0; k < nv; k++) {
        vf8 sum = o0[k] + o1[k];
        if (add) sum += LD8(out + 8 * k);
        ST8(out + 8 * k, sum);
    }
}

/* Queries r0 .. r1-1, all in sequence b (whose rows start at base), head h. */
static inline __attribute__((always_inline)) void attn_fwd_head(float *out, float *att,
                                                                const float *base, const int *rows,
                                                                int r0, int r1, int bT, float *scratch,
                                                                int T, int C, int H, int h, int nv) {
    int hs = 8 * nv, C3 = 3 * C, Tp = pad8(T);
    float scale = 1.0f / sqrtf((float)hs);
    float *kt = scratch, *row = scratch + (size_t)hs * Tp, qs[8 * NV_MAX];
    transpose_head(kt, base + C + h * hs, row_at(rows, r1 - 1) - bT + 1, Tp, hs, C3);
    for (int r = r0; r < r1; r++) {
        int t = row_at(rows, r) - bT, n = t + 1;
        for (int i = 0; i < hs; i++) qs[i] = base[(size_t)t * C3 + h * hs + i] * scale;
        scores8(row, qs, kt, Tp, n, nv);
        float mx = max8(row, n);
        for (int j = 0; j < n; j++) row[j] = nn_expf(row[j] - mx);
        float inv = 1.0f / sum8(row, n);
        float *a = att + ((size_t)r * H + h) * T;
        for (int j = 0; j < n; j++) a[j] = row[j] * inv;
        for (int j = n; j < T; j++) a[j] = 0.0f;
        mix_rows(out + (size_t)r * C + h * hs, 0, a, base + 2 * C + h * hs, C3, n, nv);
    }
}

static inline __attribute__((always_inline)) void attn_bwd_head(float *dbase, const float *dout,
                                                                const float *base, const float *att,
                                                                const int *rows, int r0, int r1, int bT,
                                                                float *scratch, int T, int C, int H,
                                                                int h, int nv) {
    int hs = 8 * nv, C3 = 3 * C, Tp = pad8(T), nk = row_at(rows, r1 - 1) - bT + 1;
    float scale = 1.0f / sqrtf((float)hs);
    float *vt = scratch, *row = scratch + (size_t)hs * Tp, *ds = row + Tp; /* ds (r1-r0, Tp) */
    transpose_head(vt, base + 2 * C + h * hs, nk, Tp, hs, C3);
    /* per query: d(probabilities), softmax backward into ds, and dq */
    for (int r = r0; r < r1; r++) {
        int t = row_at(rows, r) - bT, n = t + 1;
        const float *a = att + ((size_t)r * H + h) * T;
        scores8(row, dout + (size_t)r * C + h * hs, vt, Tp, n, nv);
        float s = dot8(a, row, n);
        float *dst = ds + (size_t)(r - r0) * Tp;
        for (int j = 0; j < n; j++) dst[j] = a[j] * (row[j] - s) * scale;
        mix_rows(dbase + (size_t)t * C3 + h * hs, 1, dst, base + C + h * hs, C3, n, nv);
    }
    /* per key: dk and dv gather over the queries that saw it (a suffix of the sorted rows) */
    int first = r0;
    for (int j = 0; j < nk; j++) {
        while (row_at(rows, first) - bT < j) first++;
        vf8 dk[NV_MAX], dv[NV_MAX];
        for (int k = 0; k < nv; k++) dk[k] = dv[k] = BC8(0.0f);
        for (int r = first; r < r1; r++) {
            int t = row_at(rows, r) - bT;
            vf8 dsv = BC8(ds[(size_t)(r - r0) * Tp + j]), pv = BC8(att[((size_t)r * H + h) * T + j]);
            const float *q = base + (size_t)t * C3 + h * hs, *d = dout + (size_t)r * C + h * hs;
            for (int k = 0; k < nv; k++) {
                dk[k] += dsv * LD8(q + 8 * k);
                dv[k] += pv * LD8(d + 8 * k);
            }
        }
        float *dkr = dbase + (size_t)j * C3 + C + h * hs, *dvr = dkr + C;
        for (int k = 0; k < nv; k++) {
            ST8(dkr + 8 * k, LD8(dkr + 8 * k) + dk[k]);
            ST8(dvr + 8 * k, LD8(dvr + 8 * k) + dv[k]);
        }
    }
}

/* Calls head(…, nv) for every (sequence, head), with nv a constant where it is common. */
#define FOR_SEQ_HEADS(call_nv)                                                                     \
    do {                                                                                           \
        int nv_ = C / H / 8;                                                                       \
        for (int r0 = 0, r1; r0 < N; r0 = r1) {                                                    \
            r1 = seq_end(rows, r0, N, T);                                                          \
            size_t b = (size_t)(row_at(rows, r0) / T);                                             \
            for (int h = 0; h < H; h++) switch (nv_) {                                             \
                case 1: call_nv(1); break;                                                         \
                case 2: call_nv(2); break;                                                         \
                case 4: call_nv(4); break;                                                         \
                default: call_nv(nv_); break;                                                      \
                }                                                                                  \
        }                                                                                          \
    } while (0)

static int attention_fast(int C, int H) {
    int hs = C / H;
    return !use_reference && hs % 8 == 0 && hs <= 8 * NV_MAX;
}

NN_HOT void nn_attention_forward(float *out, float *att, const float *qkv, const int *rows,
                                 float *scratch, int N, int T, int C, int H) {
    if (!attention_fast(C, H)) {
        attention_forward_ref(out, att, qkv, rows, N, T, C, H);
        return;
    }
#define FWD(nv)                                                                                    \
    attn_fwd_head(out, att, qkv + b * T * 3 * C, rows, r0, r1, (int)b * T, scratch, T, C, H, h, nv)
    FOR_SEQ_HEADS(FWD);
#undef FWD
}

NN_HOT void nn_attention_backward(float *dqkv, const float *dout, const float *qkv,
                                  const float *att, const int *rows, float *scratch, int N, int T,
                                  int C, int H) {
    if (!attention_fast(C, H)) {
        attention_backward_ref(dqkv, dout, qkv, att, rows, scratch, N, T, C, H);
        return;
    }
#define BWD(nv)                                                                                    \
    attn_bwd_head(dqkv + b * T * 3 * C, dout, qkv + b * T * 3 * C, att, rows, r0, r1, (int)b * T,  \
                  scratch, T, C, H, h, nv)
    FOR_SEQ_HEADS(BWD);
#undef BWD
}

/* One query per call, over keys stored transposed: the KV cache's step. */
static inline __attribute__((always_inline)) void attn_decode_nv(float *out, const float *q,
                                                                 const float *kt, int ldk,
                                                                 const float *v, int n, int C,
                                                                 int H, float *row, int nv) {
    int hs = 8 * nv;
    float scale = 1.0f / sqrtf((float)hs), qs[8 * NV_MAX];
    for (int h = 0; h < H; h++) {
        for (int i = 0; i < hs; i++) qs[i] = q[h * hs + i] * scale;
        scores8(row, qs, kt + (size_t)h * hs * ldk, ldk, n, nv);
        float mx = max8(row, n);
        for (int j = 0; j < n; j++) row[j] = nn_expf(row[j] - mx);
        float inv = 1.0f / sum8(row, n);
        for (int j = 0; j < n; j++) row[j] *= inv;
        mix_rows(out + h * hs, 0, row, v + h * hs, C, n, nv);
    }
}

NN_HOT void nn_attention_decode(float *out, const float *q, const float *kt, int ldk,
                                const float *v, int n, int C, int H, float *scratch) {
    int hs = C / H;
    if (!attention_fast(C, H)) {
        float scale = 1.0f / sqrtf((float)hs);
        for (int h = 0; h < H; h++) {
            float mx = -INFINITY, sum = 0.0f;
            for (int j = 0; j < n; j++) {
                float s = 0.0f;
                for (int i = 0; i < hs; i++) s += q[h * hs + i] * kt[(size_t)(h * hs + i) * ldk + j];
                scratch[j] = s * scale;
                mx = scratch[j] > mx ? scratch[j] : mx;
            }
            for (int j = 0; j < n; j++) sum += scratch[j] = expf(scratch[j] - mx);
            for (int i = 0; i < hs; i++) {
                float o = 0.0f;
                for (int j = 0; j < n; j++) o += scratch[j] * v[(size_t)j * C + h * hs + i];
                out[h * hs + i] = o / sum;
            }
        }
        return;
    }
    switch (hs / 8) {
    case 1: attn_decode_nv(out, q, kt, ldk, v, n, C, H, scratch, 1); break;
    case 2: attn_decode_nv(out, q, kt, ldk, v, n, C, H, scratch, 2); break;
    case 4: attn_decode_nv(out, q, kt, ldk, v, n, C, H, scratch, 4); break;
    default: attn_decode_nv(out, q, kt, ldk, v, n, C, H, scratch, hs / 8); break;
    }
}

/* ---- GELU ----------------------------------------------------------------------------- */

#define GELU_S 0.7978845608028654f /* sqrt(2/pi) */

NN_HOT void nn_gelu_forward(float *out, const float *inp, size_t n) { /* out may be inp */
    for (size_t i = 0; i < n; i++) {
        float x = inp[i];
        float t = nn_tanhf(GELU_S * (x + 0.044715f * x * x * x));
        out[i] = 0.5f * x * (1.0f + t);
    }
}

NN_HOT void nn_gelu_backward(float *restrict dinp, const float *restrict dout,
                              const float *restrict inp, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float x = inp[i];
        float t = nn_tanhf(GELU_S * (x + 0.044715f * x * x * x));
        float g = 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * GELU_S * (1.0f + 0.134145f * x * x);
        dinp[i] = g * dout[i];
    }
}

/* ---- softmax + cross-entropy ---------------------------------------------------------- */

double nn_xent_forward(float *probs, const int *targets, const float *w, int N, int V) {
    double loss = 0.0;
    for (int r = 0; r < N; r++) {
        float *p = probs + (size_t)r * V;
        float mx = p[0];
        for (int j = 1; j < V; j++) mx = p[j] > mx ? p[j] : mx;
        float target_logit = p[targets[r]];
        for (int j = 0; j < V; j++) p[j] = nn_expf(p[j] - mx);
        float sum = sum8(p, V), inv = 1.0f / sum;
        for (int j = 0; j < V; j++) p[j] *= inv;
        loss += (double)w[r] * (log((double)sum) + (double)mx - (double)target_logit);
    }
    return loss;
}

void nn_xent_backward(float *dlogits, const float *probs, const int *targets, const float *w,
                      float scale, int N, int V) {
    for (int r = 0; r < N; r++) {
        float *d = dlogits + (size_t)r * V;
        const float *p = probs + (size_t)r * V;
        float k = w[r] * scale;
        if (d == p)
            for (int j = 0; j < V; j++) d[j] = p[j] * k;
        else
            for (int j = 0; j < V; j++) d[j] += p[j] * k;
        d[targets[r]] -= k;
    }
}

/* ---- AdamW ------------------------------------------------------------------------------ */

/* sqrt(x) for x >= 0 without a libm call, which GCC will not vectorise unless the whole build
 * has -fno-math-errno: 1/sqrt by the bit-trick estimate and three Newton steps (relative error
 * under 2e-7 for normal x; off for denormals, which next to Adam's eps do not matter), times x;
 * exactly 0 at 0. */
static inline float sqrt_nonneg(float x) {
    int32_t i;
    memcpy(&i, &x, sizeof i);
    i = 0x5f375a86 - (i >> 1);
    float y;
    memcpy(&y, &i, sizeof y);
    for (int k = 0; k < 3; k++) y = y * (1.5f - 0.5f * x * y * y);
    return x > 0.0f ? x * y : 0.0f;
}

NN_HOT void nn_adamw(float *restrict p, float *restrict m, float *restrict v,
                     const float *restrict g, size_t n, const NnAdamStep *s) {
    float b1 = s->beta1, b2 = s->beta2;
    float inv_bc1 = 1.0f / s->bias1, inv_bc2 = 1.0f / s->bias2;
    for (size_t i = 0; i < n; i++) {
        float gi = g[i] * s->gscale;
        float mi = b1 * m[i] + (1.0f - b1) * gi;
        float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= s->lr * ((mi * inv_bc1) / (sqrt_nonneg(vi * inv_bc2) + s->eps) + s->decay * p[i]);
    }
}

/* ops — kernels.  See ops.h for the conventions (shapes, accumulation, ownership). */

/* The build uses -O2, where GCC 12 hardly vectorises; these loops are the hot ones, so this
 * file asks for -O3.  (Clang vectorises at -O2 and does not know this pragma.) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif

#include "nn/ops.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static int use_reference;

void nn_set_reference(int on) { use_reference = on != 0; }
int nn_reference(void) { return use_reference; }

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

float nn_tanhf(float x) { return 1.0f - 2.0f / (nn_expf(2.0f * x) + 1.0f); }

float nn_dot(const float *a, const float *b, int n) {
    float acc[8] = {0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += a[i + j] * b[i + j];
    float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

static float sum8(const float *a, int n) {
    float acc[8] = {0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += a[i + j];
    float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; i < n; i++) s += a[i];
    return s;
}

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

void nn_layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *w,
                          const float *b, int N, int C) {
    for (int r = 0; r < N; r++) {
        const float *x = inp + (size_t)r * C;
        float *o = out + (size_t)r * C;
        float m = sum8(x, C) / (float)C;
        for (int i = 0; i < C; i++) o[i] = x[i] - m; /* centred first: two-pass variance */
        float s = 1.0f / sqrtf(nn_dot(o, o, C) / (float)C + 1e-5f);
        for (int i = 0; i < C; i++) o[i] = o[i] * s * w[i] + b[i];
        mean[r] = m;
        rstd[r] = s;
    }
}

void nn_layernorm_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                           const float *w, const float *mean, const float *rstd, int N, int C) {
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
                    dinp[(size_t)r * C + i] += s;
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
                        1.0f, dinp, C);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, N, 1.0f, dout, OC, inp, C, 1.0f,
                    dw, C);
    }
    if (dbias)
        for (int r = 0; r < N; r++) nn_axpy(dbias, 1.0f, dout + (size_t)r * OC, OC);
}

/* ---- attention ------------------------------------------------------------------------ */

/* T is small (tens), so attention is plain loops per (sequence, head), arranged so the inner
 * loops are axpys over positions or over a head's channels, which vectorise.  Keys (and, in
 * backward, values) of one head are first copied transposed into scratch. */

size_t nn_attention_scratch(int T, int C, int H) { return (size_t)(2 * (C / H) + 1) * (size_t)T; }

/* dst[i*T + t] = src[t*stride + i], i < hs, t < T */
static void transpose_head(float *dst, const float *src, int T, int hs, int stride) {
    for (int t = 0; t < T; t++)
        for (int i = 0; i < hs; i++) dst[(size_t)i * T + t] = src[(size_t)t * stride + i];
}

void nn_attention_forward(float *out, float *att, const float *qkv, float *scratch, int B, int T,
                          int C, int H) {
    int hs = C / H, C3 = 3 * C;
    float scale = 1.0f / sqrtf((float)hs);
    float *kt = scratch; /* (hs, T) */
    for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++) {
            const float *base = qkv + (size_t)b * T * C3;
            transpose_head(kt, base + C + h * hs, T, hs, C3);
            for (int t = 0; t < T; t++) {
                const float *q = base + (size_t)t * C3 + h * hs;
                float *a = att + (((size_t)b * H + h) * T + t) * T;
                int n = t + 1;
                memset(a, 0, (size_t)T * sizeof *a);
                for (int i = 0; i < hs; i++) nn_axpy(a, q[i] * scale, kt + (size_t)i * T, n);
                float mx = a[0];
                for (int j = 1; j < n; j++) mx = a[j] > mx ? a[j] : mx;
                for (int j = 0; j < n; j++) a[j] = nn_expf(a[j] - mx);
                float inv = 1.0f / sum8(a, n);
                for (int j = 0; j < n; j++) a[j] *= inv;
                float *o = out + ((size_t)b * T + t) * C + h * hs;
                memset(o, 0, (size_t)hs * sizeof *o);
                for (int j = 0; j < n; j++) nn_axpy(o, a[j], base + (size_t)j * C3 + 2 * C + h * hs, hs);
            }
        }
}

void nn_attention_backward(float *dqkv, const float *dout, const float *qkv, const float *att,
                           float *scratch, int B, int T, int C, int H) {
    int hs = C / H, C3 = 3 * C;
    float scale = 1.0f / sqrtf((float)hs);
    float *vt = scratch, *da = scratch + (size_t)hs * T; /* (hs, T) and (T) */
    for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++) {
            const float *base = qkv + (size_t)b * T * C3;
            float *dbase = dqkv + (size_t)b * T * C3;
            transpose_head(vt, base + 2 * C + h * hs, T, hs, C3);
            for (int t = 0; t < T; t++) {
                const float *a = att + (((size_t)b * H + h) * T + t) * T;
                const float *d = dout + ((size_t)b * T + t) * C + h * hs;
                const float *q = base + (size_t)t * C3 + h * hs;
                float *dq = dbase + (size_t)t * C3 + h * hs;
                int n = t + 1;
                /* d(probabilities) and d(values) */
                memset(da, 0, (size_t)n * sizeof *da);
                for (int i = 0; i < hs; i++) nn_axpy(da, d[i], vt + (size_t)i * T, n);
                for (int j = 0; j < n; j++) nn_axpy(dbase + (size_t)j * C3 + 2 * C + h * hs, a[j], d, hs);
                /* softmax backward, then the scores' two factors */
                float s = nn_dot(a, da, n);
                for (int j = 0; j < n; j++) da[j] = a[j] * (da[j] - s) * scale;
                for (int j = 0; j < n; j++) {
                    nn_axpy(dq, da[j], base + (size_t)j * C3 + C + h * hs, hs);
                    nn_axpy(dbase + (size_t)j * C3 + C + h * hs, da[j], q, hs);
                }
            }
        }
}

/* ---- GELU ----------------------------------------------------------------------------- */

#define GELU_S 0.7978845608028654f /* sqrt(2/pi) */

void nn_gelu_forward(float *out, const float *inp, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float x = inp[i];
        float t = nn_tanhf(GELU_S * (x + 0.044715f * x * x * x));
        out[i] = 0.5f * x * (1.0f + t);
    }
}

void nn_gelu_backward(float *dinp, const float *dout, const float *inp, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float x = inp[i];
        float t = nn_tanhf(GELU_S * (x + 0.044715f * x * x * x));
        float g = 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * GELU_S * (1.0f + 0.134145f * x * x);
        dinp[i] += g * dout[i];
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

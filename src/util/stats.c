#include "util/stats.h"

#include <math.h>
#include <stdlib.h>

#include "util/rng.h"

double stats_mean(const double *x, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++) s += x[i];
    return n > 0 ? s / n : 0.0;
}

double stats_sd(const double *x, int n) {
    if (n < 2) return 0.0;
    double m = stats_mean(x, n), s = 0.0;
    for (int i = 0; i < n; i++) s += (x[i] - m) * (x[i] - m);
    return sqrt(s / (n - 1));
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The percentile bootstrap of the mean of x: each resample draws n of them with replacement;
 * with sd (hierarchical), each drawn x[k] moves by its own standard error sd[k]/sqrt(episodes[k])
 * times a normal draw (the episodes within it resampled, approximately). */
static StatCI bootstrap(const double *x, const double *sd, const int *episodes, int n, int resamples, uint64_t seed,
                        uint64_t stream) {
    StatCI ci = {0, 0, 0, n, 0};
    if (n <= 0) return ci;
    ci.mean = stats_mean(x, n);
    ci.sd = stats_sd(x, n);
    if (resamples <= 0) resamples = 2000;
    double *means = malloc(sizeof *means * (size_t)resamples);
    if (!means) { /* out of memory: an interval of width zero is honest about knowing nothing more */
        ci.lo = ci.hi = ci.mean;
        return ci;
    }
    Rng r;
    rng_init(&r, seed, stream);
    for (int b = 0; b < resamples; b++) {
        double s = 0.0;
        for (int i = 0; i < n; i++) {
            int k = (int)rng_below(&r, (uint32_t)n);
            double d = x[k];
            if (sd) d += (episodes[k] > 0 && sd[k] > 0 ? sd[k] / sqrt((double)episodes[k]) : 0.0) * rng_normal(&r);
            s += d;
        }
        means[b] = s / n;
    }
    qsort(means, (size_t)resamples, sizeof *means, cmp_double);
    int lo = (int)(0.025 * resamples), hi = (int)(0.975 * resamples);
    if (hi >= resamples) hi = resamples - 1;
    ci.lo = means[lo];
    ci.hi = means[hi];
    free(means);
    return ci;
}

StatCI stats_bootstrap_mean(const double *x, int n, int resamples, uint64_t seed) {
    return bootstrap(x, NULL, NULL, n, resamples, seed, 0xB007);
}

/* A sorted copy of x (NULL when out of memory). */
static double *sorted_copy(const double *x, int n) {
    double *v = malloc(sizeof *v * (size_t)n);
    if (!v) return NULL;
    for (int i = 0; i < n; i++) v[i] = x[i];
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v;
}

double stats_iqm(const double *x, int n) {
    if (n <= 0) return 0.0;
    double *v = sorted_copy(x, n);
    if (!v) return stats_mean(x, n);
    int g = n / 4;
    double m = stats_mean(v + g, n - 2 * g);
    free(v);
    return m;
}

double stats_median(const double *x, int n) {
    if (n <= 0) return 0.0;
    double *v = sorted_copy(x, n);
    if (!v) return NAN;
    double m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    free(v);
    return m;
}

StatCI stats_bootstrap_hier(const double *mean, const double *sd, const int *episodes, int n, int resamples,
                            uint64_t seed) {
    return bootstrap(mean, sd, episodes, n, resamples, seed, 0x41E5);
}

/* stats — means and 95% bootstrap confidence intervals.
 *
 * Pure functions over caller-owned arrays.  The bootstrap is seeded, so the same data and
 * seed give the same interval. */
#ifndef DOLAB_UTIL_STATS_H
#define DOLAB_UTIL_STATS_H

#include <stdint.h>

typedef struct StatCI {
    double mean, lo, hi; /* mean and the 2.5% / 97.5% percentiles of the bootstrap means */
    int n;
    double sd;           /* sample standard deviation of x (n - 1 in the denominator; 0 when n < 2) */
} StatCI;

double stats_mean(const double *x, int n);
double stats_sd(const double *x, int n); /* sample sd (n - 1); 0 when n < 2 */
/* Percentile bootstrap of the mean with `resamples` resamples (0 → 2000).  n may be 0
 * (all fields 0).  Returns the interval; allocates only a temporary array. */
StatCI stats_bootstrap_mean(const double *x, int n, int resamples, uint64_t seed);

#endif

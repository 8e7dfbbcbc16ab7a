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

/* Interquartile mean (rliable, Agarwal et al. 2021): the mean after dropping floor(n/4) of the
 * smallest and floor(n/4) of the largest values (scipy.stats.trim_mean(x, 0.25)).  0 when n = 0. */
double stats_iqm(const double *x, int n);
/* The median (the mean of the two middle values when n is even); infinities sort as numbers do.
 * 0 when n = 0. */
double stats_median(const double *x, int n);

/* Hierarchical percentile bootstrap of the mean of several runs (seeds), each known by the mean,
 * standard deviation and count of its episodes: a resample draws n runs with replacement, then
 * for each drawn run the mean of a resample of its episodes, taken as mean + sd / sqrt(episodes)
 * * N(0, 1) (the normal approximation of the episode bootstrap, exact enough for the hundreds
 * of episodes of an evaluation set).  Runs with sd 0 or no count add no episode noise. */
StatCI stats_bootstrap_hier(const double *mean, const double *sd, const int *episodes, int n, int resamples,
                            uint64_t seed);

#endif

/* rng — deterministic random numbers (xoshiro256**, seeded through splitmix64).
 *
 * A generator is a small value the caller owns; copying one forks the sequence.
 * rng_init(seed, stream) gives independent, reproducible generators per (seed, stream),
 * which is how dolab makes episode i of seed s the same whatever else ran before it. */
#ifndef DOLAB_UTIL_RNG_H
#define DOLAB_UTIL_RNG_H

#include <stdint.h>

typedef struct Rng {
    uint64_t s[4];
    double spare;   /* second normal of the last polar pair */
    int has_spare;
} Rng;

void rng_init(Rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_u64(Rng *r);
double rng_uniform(Rng *r);               /* [0, 1) with 53 random bits */
double rng_range(Rng *r, double lo, double hi);
uint32_t rng_below(Rng *r, uint32_t n);   /* uniform in [0, n), n > 0, unbiased */
double rng_normal(Rng *r);                /* standard normal */
/* Fisher–Yates shuffle of n ints. */
void rng_shuffle(Rng *r, int *a, int n);

#endif

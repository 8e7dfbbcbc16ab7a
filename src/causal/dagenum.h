/* dagenum — every labelled DAG on n <= 5 variables, as structure ids (see scm_id).
 *
 * Counts: 1, 3, 25, 543, 29281 for n = 1..5.  Held-out predicates are evaluated once per
 * structure over this list instead of once per sampled world. */
#ifndef DOLAB_CAUSAL_DAGENUM_H
#define DOLAB_CAUSAL_DAGENUM_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define DAGENUM_MAX_VARS 5

/* Fills *ids with a malloc'd array (caller frees) of the sorted ids of all DAGs on n
 * labelled variables, 1 <= n <= 5, and *count with its length. */
int dag_enumerate(int n, uint64_t **ids, size_t *count, Err *e);

#endif

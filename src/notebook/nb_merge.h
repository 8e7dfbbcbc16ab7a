/* nb_merge — merges notebook shards (one per sweep job) into one notebook.
 *
 * An entry is known by its "uid" (run entries carry one, see nb_run_entry) or, without one,
 * by its whole content apart from "id" and "origin".  Merging is idempotent: an entry OUT
 * already holds is skipped, so merging the same shards twice adds nothing.  Each added entry
 * keeps every field it had, gets a new id in OUT and an "origin" ({"file", "id"}: where it
 * came from, unless it already has one).  A conflicting duplicate — the same uid with other
 * content, or the same job of the same sweep under another uid — stops the merge before
 * anything is written, with a message naming both places.  Every entry is added with nb_add
 * (an atomic save each), so an interrupted merge leaves a valid notebook and running it again
 * finishes it.
 *
 * Ownership: the caller owns every Notebook; nothing is kept. */
#ifndef DOLAB_NOTEBOOK_NB_MERGE_H
#define DOLAB_NOTEBOOK_NB_MERGE_H

#include "notebook/notebook.h"
#include "util/err.h"

typedef struct NbMergeStats {
    int added, skipped;
} NbMergeStats;

/* Merges the entries of shards[0..n-1] into out, in order.  Returns 0, or -1 with e set (and,
 * when a conflict is found, out unchanged). */
int nb_merge(Notebook *out, Notebook *const *shards, int n, NbMergeStats *st, Err *e);

#endif

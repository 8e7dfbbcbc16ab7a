#include "notebook/nb_merge.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "notebook/nb_entry.h"

/* a == b apart from "id" and "origin" */
static int same_content(const cJSON *a, const cJSON *b) {
    int na = 0, nb = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, a) {
        if (!it->string || !strcmp(it->string, "id") || !strcmp(it->string, "origin")) continue;
        na++;
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(b, it->string);
        if (!o || !cJSON_Compare(it, o, 1)) return 0;
    }
    cJSON_ArrayForEach(it, b) {
        if (!it->string || !strcmp(it->string, "id") || !strcmp(it->string, "origin")) continue;
        nb++;
    }
    return na == nb;
}

/* Where an entry already is: in out, or earlier in the list being added. */
typedef struct Seen {
    const cJSON *x;
    const char *file;
    long id;
} Seen;

static int sweep_job(const cJSON *x, const char **name, double *job) {
    *name = nbe_str(x, "sweep.name");
    *job = nbe_num(x, "sweep.job");
    return *name && *job == *job;
}

/* 0: new; 1: already there (skip); -1: a conflict (e set). */
static int classify(const Seen *seen, int n, const cJSON *x, const char *file, Err *e) {
    const char *uid = nbe_str(x, "uid"), *sw, *sw2;
    double job, job2;
    int has_job = sweep_job(x, &sw, &job);
    for (int i = 0; i < n; i++) {
        const cJSON *y = seen[i].x;
        const char *uid2 = nbe_str(y, "uid");
        if (uid && uid2 && strcmp(uid, uid2) == 0) {
            if (same_content(x, y)) return 1;
            return err_set(e, "conflicting duplicate: run %s is entry %ld of %s and entry %ld of %s with different "
                              "contents", uid, seen[i].id, seen[i].file, nbe_id(x), file);
        }
        if (!uid && !uid2 && same_content(x, y)) return 1;
        if (has_job && sweep_job(y, &sw2, &job2) && strcmp(sw, sw2) == 0 && job == job2 && !(uid && uid2 && !strcmp(uid, uid2)))
            return err_set(e, "conflicting duplicate: job %.0f of sweep %s is entry %ld of %s (uid %s) and entry %ld of "
                              "%s (uid %s)", job, sw, seen[i].id, seen[i].file, uid2 ? uid2 : "none", nbe_id(x), file,
                           uid ? uid : "none");
    }
    return 0;
}

int nb_merge(Notebook *out, Notebook *const *shards, int n, NbMergeStats *st, Err *e) {
    st->added = st->skipped = 0;
    int total = nb_count(out);
    for (int s = 0; s < n; s++) total += nb_count(shards[s]);
    Seen *seen = malloc(sizeof *seen * (size_t)(total ? total : 1));
    const cJSON **todo = malloc(sizeof *todo * (size_t)(total ? total : 1));
    const char **from = malloc(sizeof *from * (size_t)(total ? total : 1));
    int rc = -1, ns = 0, nt = 0;
    if (!seen || !todo || !from) {
        err_set(e, "out of memory");
        goto out;
    }
    for (int i = 0; i < nb_count(out); i++) seen[ns++] = (Seen){nb_entry(out, i), nb_path(out), nbe_id(nb_entry(out, i))};
    /* first every check, so a conflict leaves out as it was */
    for (int s = 0; s < n; s++) {
        for (int i = 0; i < nb_count(shards[s]); i++) {
            const cJSON *x = nb_entry(shards[s], i);
            int k = classify(seen, ns, x, nb_path(shards[s]), e);
            if (k < 0) goto out;
            if (k > 0) {
                st->skipped++;
                continue;
            }
            seen[ns++] = (Seen){x, nb_path(shards[s]), nbe_id(x)};
            todo[nt] = x;
            from[nt++] = nb_path(shards[s]);
        }
    }
    for (int i = 0; i < nt; i++) {
        cJSON *c = cJSON_Duplicate(todo[i], 1);
        if (!c) {
            err_set(e, "out of memory");
            goto out;
        }
        long id = nbe_id(c);
        cJSON_DeleteItemFromObjectCaseSensitive(c, "id");
        if (!cJSON_GetObjectItemCaseSensitive(c, "origin")) {
            cJSON *o = cJSON_AddObjectToObject(c, "origin");
            if (o) {
                cJSON_AddStringToObject(o, "file", from[i]);
                cJSON_AddNumberToObject(o, "id", (double)id);
            }
        }
        if (nb_add(out, c, e)) goto out;
        st->added++;
    }
    rc = 0;
out:
    free(seen);
    free(todo);
    free(from);
    return rc;
}

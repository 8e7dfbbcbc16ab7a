/* notebook — one JSON file of entries: runs, notes and live sessions.
 *
 * File format (docs/notebook.md):
 *   {"format":"dolab-notebook","version":1,"entries":[
 *   {"type":"note","id":1,"time":"2026-11-03T12:00:00Z","text":"..."},
 *   ...
 *   ]}
 * written with one entry per line so that diff and grep work on it.  Every entry is an object
 * with a "type" ("run", "note", "session"), a unique positive integer "id" and a "time"
 * (ISO-8601 UTC).  Run entries carry the resolved experiment ("config", as exp_to_json writes
 * it) and the results ("eval", as eval_to_json writes it); session entries are stored opaque.
 *
 * Ownership: nb_open gives the caller a Notebook it frees with nb_free.  The notebook owns its
 * entries; nb_entry and nb_find return borrowed pointers that stay valid until the next
 * nb_add or nb_free.  nb_add takes ownership of the entry it is given, whether it succeeds
 * or not.
 *
 * Safety: every nb_add saves the whole notebook atomically (temp file, fsync, rename), so a
 * crash or a full disk leaves the previous file.  A file that exists but cannot be read,
 * parsed or recognised is never written by the handle that failed to open it.  If another
 * process saved the file since this handle read it, nb_add reads it again first and adds the
 * new entry to what is on disk. */
#ifndef DOLAB_NOTEBOOK_NOTEBOOK_H
#define DOLAB_NOTEBOOK_NOTEBOOK_H

#include <cJSON.h>

#include "util/err.h"

#define NB_FORMAT "dolab-notebook"
#define NB_VERSION 1

typedef struct Notebook Notebook;

/* Opens path.  A missing file is a new, empty notebook (nothing is written until nb_add).
 * Returns 0, or -1 with e set: the file could not be read, is not JSON (the message names the
 * path and line:column), or is not a version-1 dolab notebook.  On -1, *out is still a handle
 * (unless memory ran out: then NULL) that holds no entries and refuses nb_add and nb_save
 * with the reason, so the caller can nb_free it the same way in every case. */
int nb_open(const char *path, Notebook **out, Err *e);
void nb_free(Notebook *nb); /* NULL is fine */

const char *nb_path(const Notebook *nb);
/* 1 when the file did not exist when it was opened and nothing has been saved yet. */
int nb_is_new(const Notebook *nb);
int nb_count(const Notebook *nb);
/* The i-th entry (0-based, file order), or NULL out of range.  Borrowed. */
const cJSON *nb_entry(const Notebook *nb, int i);
/* The entry with this id, or NULL.  Borrowed. */
const cJSON *nb_find(const Notebook *nb, long id);

/* Validates the entry ("type" run, note or session; a note needs non-empty "text"; a session's
 * "events" is an array; known run fields have their types; every string is UTF-8), gives it
 * the next id and the current time unless it has them (a given id must be a positive integer
 * not yet used), and saves.  Takes ownership of entry.  On 0 the new entry is the last one,
 * nb_entry(nb, nb_count(nb) - 1); on -1 the notebook, in memory and on disk, is as it was. */
int nb_add(Notebook *nb, cJSON *entry, Err *e);
/* What a run entry records (dolab run and training from the TUI make the same entries). */
typedef struct NbRun {
    const char *title;
    const char *script_path, *script_text;
    const struct Experiment *x;        /* the resolved configuration */
    const struct TrainResult *train;
    const char *version, *commit;      /* of the dolab that ran it */
    const char *checkpoint;
    const cJSON *eval;                 /* as eval_to_json writes it (copied) */
    double wall_seconds;
    int quick;                         /* made with --quick: marked "quick": true */
    const cJSON *sweep;                /* provenance of a sweep job (copied), or NULL:
                                          {"name", "job", "arm", "set": {path: value}} */
} NbRun;
/* A new run entry (the caller owns it; hand it to nb_add).  It carries a "uid" (16 hex digits
 * from the time, the process and the run) that stays the same when the entry is merged into
 * another notebook, where its "id" changes. */
cJSON *nb_run_entry(const NbRun *r);

/* Saves the notebook as it is (nb_add already does after every entry). */
int nb_save(Notebook *nb, Err *e);

/* Test-only hook: if the environment variable DOLAB_TEST_CRASH_SAVE is a number N, a save
 * writes the first N bytes of the temp file and then calls _exit(99), as a crash mid-save
 * would.  Used by tests/unit/test_notebook.c and tests/cli/test_notebook_cli.sh; never set it
 * otherwise. */
#define NB_TEST_CRASH_ENV "DOLAB_TEST_CRASH_SAVE"

#endif

/* dolab notebook: list the entries, show one (nb_show.c), compare two runs (nb_compare.c),
 * add a note. */
#include <cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/nb_text.h"
#include "notebook/nb_entry.h"
#include "notebook/nb_merge.h"
#include "notebook/notebook.h"
#include "util/strbuf.h"

#define NOTE_MAX_BYTES (1 << 20)

/* ---- one-line summaries ---------------------------------------------------------------------- */

/* Each evaluation set's first strategy (the model when there is one): "held_out 0.812 [0.790, 0.834]". */
static void run_headline(SB *b, const cJSON *run) {
    const cJSON *set;
    int k = 0;
    cJSON_ArrayForEach(set, nbe_get(run, "eval.sets")) {
        const cJSON *row = cJSON_GetArrayItem(nbe_get(set, "strategies"), 0);
        if (!row) continue;
        const cJSON *ci = nbe_get(row, "ci95");
        sb_printf(b, "%s%s %.3f", k++ ? "  " : "", nbe_str(set, "name") ? nbe_str(set, "name") : "?",
                  nbe_num(row, "mean_normalised_reward"));
        if (cJSON_GetArraySize(ci) == 2)
            sb_printf(b, " [%.3f, %.3f]", nbe_num(cJSON_GetArrayItem(ci, 0), ""), nbe_num(cJSON_GetArrayItem(ci, 1), ""));
    }
    if (!k) sb_puts(b, "(no evaluation)");
}

static void list_line(SB *b, const cJSON *x) {
    const char *type = nbe_type(x);
    sb_printf(b, "%4ld  %-7s  ", nbe_id(x), type);
    nt_time(b, nbe_str(x, "time"));
    sb_puts(b, "  ");
    if (strcmp(type, "run") == 0) {
        nt_cols(b, nbe_title(x), 28, 1);
        sb_puts(b, nbe_quick(x) ? "  quick " : "  ");
        run_headline(b, x);
    } else if (strcmp(type, "note") == 0) {
        nt_cols(b, nbe_str(x, "text") ? nbe_str(x, "text") : "", 60, 0);
    } else if (strcmp(type, "session") == 0) {
        sb_printf(b, "%d events", cJSON_GetArraySize(nbe_get(x, "events")));
    }
    /* no trailing spaces */
    while (b->len && b->s[b->len - 1] == ' ') b->s[--b->len] = 0;
    sb_puts(b, "\n");
}

/* ---- dolab notebook ----------------------------------------------------------------------- */

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("dolab notebook: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n", stderr);
    va_end(ap);
    return 2;
}

static int parse_id(const char *s, long *id) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < 1) return -1;
    *id = v;
    return 0;
}

static int is_action(const char *s) {
    return !strcmp(s, "show") || !strcmp(s, "compare") || !strcmp(s, "note") || !strcmp(s, "merge");
}

/* Reads standard input for a note (at most NOTE_MAX_BYTES). */
static char *read_stdin(void) {
    SB b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        sb_putn(&b, buf, n);
        if (b.len > NOTE_MAX_BYTES) break;
    }
    if (b.oom || b.len > NOTE_MAX_BYTES || ferror(stdin)) {
        sb_free(&b);
        return NULL;
    }
    return b.s ? b.s : calloc(1, 1);
}

static int open_existing(const char *path, Notebook **nb, int must_exist) {
    Err e;
    if (nb_open(path, nb, &e)) {
        fprintf(stderr, "dolab notebook: %s\n", e.msg);
        nb_free(*nb);
        return 1;
    }
    if (must_exist && nb_is_new(*nb)) {
        fprintf(stderr, "dolab notebook: %s: no such notebook\n", path);
        nb_free(*nb);
        return 1;
    }
    return 0;
}

static const cJSON *entry_or_complain(const Notebook *nb, long id) {
    const cJSON *x = nb_find(nb, id);
    if (!x) {
        if (nb_count(nb))
            fprintf(stderr, "dolab notebook: %s: no entry %ld (ids %ld to %ld)\n", nb_path(nb), id,
                    nbe_id(nb_entry(nb, 0)), nbe_id(nb_entry(nb, nb_count(nb) - 1)));
        else
            fprintf(stderr, "dolab notebook: %s: no entry %ld (the notebook is empty)\n", nb_path(nb), id);
    }
    return x;
}

static int do_note(const char *path, char **words, int n) {
    char *text;
    if (n == 1 && strcmp(words[0], "-") == 0) {
        text = read_stdin();
        if (!text) {
            fprintf(stderr, "dolab notebook: note: cannot read standard input (at most %d bytes)\n", NOTE_MAX_BYTES);
            return 1;
        }
    } else {
        SB b = {0};
        for (int i = 0; i < n; i++) sb_printf(&b, "%s%s", i ? " " : "", words[i]);
        if (b.oom) {
            sb_free(&b);
            fprintf(stderr, "dolab notebook: out of memory\n");
            return 1;
        }
        text = b.s ? b.s : calloc(1, 1);
    }
    if (!text) return 1;
    size_t len = strlen(text);
    while (len && strchr(" \t\r\n", text[len - 1])) text[--len] = 0;
    if (!len) {
        free(text);
        return usage_error("note: the text is empty");
    }
    Notebook *nb;
    if (open_existing(path, &nb, 0)) {
        free(text);
        return 1;
    }
    cJSON *x = cJSON_CreateObject();
    if (x) {
        cJSON_AddStringToObject(x, "type", "note");
        cJSON_AddStringToObject(x, "text", text);
    }
    free(text);
    Err e;
    int rc = 0;
    if (!x) {
        fprintf(stderr, "dolab notebook: out of memory\n");
        rc = 1;
    } else if (nb_add(nb, x, &e)) {
        fprintf(stderr, "dolab notebook: %s\n", e.msg);
        rc = 1;
    } else {
        printf("note %ld added to %s\n", nbe_id(nb_entry(nb, nb_count(nb) - 1)), path);
    }
    nb_free(nb);
    return rc;
}

/* dolab notebook merge OUT SHARD...: every shard's entries into OUT (src/notebook/nb_merge.h). */
static int do_merge(char **args, int n) {
    if (n < 2) return usage_error("merge: expected OUT and at least one SHARD (dolab notebook merge OUT SHARD...)");
    const char *out = args[0];
    struct stat so, ss;
    int have_out = stat(out, &so) == 0;
    Notebook **shards = calloc((size_t)n, sizeof *shards);
    Notebook *nb = NULL;
    int rc = 1, k = 0;
    Err e;
    if (!shards) {
        fprintf(stderr, "dolab notebook: out of memory\n");
        return 1;
    }
    for (k = 1; k < n; k++) {
        if (have_out && stat(args[k], &ss) == 0 && ss.st_dev == so.st_dev && ss.st_ino == so.st_ino) {
            fprintf(stderr, "dolab notebook: merge: %s is OUT itself\n", args[k]);
            goto done;
        }
        if (open_existing(args[k], &shards[k - 1], 1)) {
            shards[k - 1] = NULL;
            goto done;
        }
    }
    if (open_existing(out, &nb, 0)) {
        nb = NULL;
        goto done;
    }
    NbMergeStats st;
    if (nb_merge(nb, shards, n - 1, &st, &e)) {
        fprintf(stderr, "dolab notebook: merge: %s\n", e.msg);
        goto done;
    }
    printf("merged %d shard%s into %s: %d entr%s added, %d already there\n", n - 1, n == 2 ? "" : "s", out, st.added,
           st.added == 1 ? "y" : "ies", st.skipped);
    rc = 0;
done:
    for (int i = 0; i < n - 1; i++) nb_free(shards[i]);
    free(shards);
    nb_free(nb);
    return rc;
}

int cmd_notebook(int argc, char **argv) {
    ArgCmd cmd = {"notebook", "dolab notebook [FILE] [show N | compare N M | note TEXT...] | dolab notebook merge OUT SHARD...",
                  "Lists the entries of a notebook (runs, notes, sessions), one line each with the headline\n"
                  "results of runs; shows one entry; compares two runs (configuration differences, then the\n"
                  "result tables side by side); or adds a note (TEXT '-' reads it from standard input).\n"
                  "merge adds the entries of notebook shards (one per sweep job) to OUT: idempotent (an entry\n"
                  "OUT already holds, by its uid, is skipped), every field kept plus its origin, a conflicting\n"
                  "duplicate refused before anything is written.\n"
                  "FILE defaults to $DOLAB_NOTEBOOK, else notebook.json in the current folder.",
                  NULL, 0, 0, 256,
                  "examples:\n  dolab notebook\n  dolab notebook runs.json show 3\n  dolab notebook compare 1 2\n"
                  "  dolab notebook note \"held-out reward drops with 4 layers\"\n  echo text | dolab notebook note -\n"
                  "  dolab notebook merge runs/study/notebook.json runs/study/shards/*.json\n"};
    char *pos[256];
    int npos;
    int rc = args_or_exit(&cmd, argc, argv, pos, &npos);
    if (rc >= 0) return rc;
    const char *path = nt_default_notebook();
    int i = 0;
    if (npos > 0 && !is_action(pos[0])) path = pos[i++];
    if (i < npos && !is_action(pos[i])) {
        struct stat st;
        /* "dolab notebook shwo 3": the misspelt action is the first word, not a file */
        const char *bad = i == 1 && stat(pos[0], &st) != 0 ? pos[0] : pos[i];
        return usage_error("unknown action '%s' (expected show, compare, note or merge; see dolab notebook --help)", bad);
    }
    if (i == npos) { /* the list */
        Notebook *nb;
        if (open_existing(path, &nb, 0)) return 1;
        SB b = {0};
        if (nb_is_new(nb))
            sb_printf(&b, "%s: no notebook yet (dolab notebook note TEXT starts one)\n", path);
        else if (!nb_count(nb))
            sb_printf(&b, "%s: no entries yet\n", path);
        else
            sb_printf(&b, "%4s  %-7s  %-16s  %s\n", "id", "type", "time (UTC)", "title, text or headline results");
        for (int k = 0; k < nb_count(nb); k++) list_line(&b, nb_entry(nb, k));
        rc = nt_emit(&b, "notebook");
        sb_free(&b);
        nb_free(nb);
        return rc;
    }
    const char *action = pos[i++];
    int nargs = npos - i;
    char **args = pos + i;
    if (strcmp(action, "merge") == 0) {
        if (i > 1) return usage_error("merge: takes OUT and the shards, not a notebook before it");
        return do_merge(args, nargs);
    }
    if (strcmp(action, "note") == 0) {
        if (nargs < 1) return usage_error("note: missing the text (TEXT, or '-' to read standard input)");
        return do_note(path, args, nargs);
    }
    int want = strcmp(action, "show") == 0 ? 1 : 2;
    if (nargs != want)
        return want == 1 ? usage_error("show: expected one entry id (dolab notebook [FILE] show N)")
                         : usage_error("compare: expected two entry ids (dolab notebook [FILE] compare N M)");
    long ids[2];
    for (int k = 0; k < want; k++)
        if (parse_id(args[k], &ids[k]))
            return usage_error("%s: an entry id is a positive integer", args[k]);
    Notebook *nb;
    if (open_existing(path, &nb, 1)) return 1;
    const cJSON *x[2] = {NULL, NULL};
    rc = 0;
    for (int k = 0; k < want && rc == 0; k++)
        if (!(x[k] = entry_or_complain(nb, ids[k]))) rc = 1;
    for (int k = 0; want == 2 && k < 2 && rc == 0; k++)
        if (strcmp(nbe_type(x[k]), "run") != 0) {
            fprintf(stderr, "dolab notebook: compare: entry %ld is a %s, not a run\n", ids[k], nbe_type(x[k]));
            rc = 1;
        }
    if (rc == 0) {
        SB b = {0};
        if (want == 1)
            nb_show_entry(&b, x[0]);
        else
            nb_compare_runs(&b, x[0], x[1]);
        rc = nt_emit(&b, "notebook");
        sb_free(&b);
    }
    nb_free(nb);
    return rc;
}


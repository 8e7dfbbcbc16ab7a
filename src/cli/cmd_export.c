/* dolab export: a notebook's result tables as CSV, or its entries as JSON lines. */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/nb_text.h"
#include "notebook/nb_entry.h"
#include "notebook/notebook.h"
#include "util/fileio.h"

static void csv_num(SB *b, const cJSON *v) {
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) nt_exact(b, v->valuedouble);
}

static void export_csv(SB *b, const Notebook *nb) {
    sb_puts(b, "run_id,title,seed,set,strategy,episodes,mean,ci_lo,ci_hi,oracle_share,explored_share,quick,sweep,job\n");
    for (int i = 0; i < nb_count(nb); i++) {
        const cJSON *x = nb_entry(nb, i), *set;
        if (strcmp(nbe_type(x), "run") != 0) continue;
        cJSON_ArrayForEach(set, nbe_get(x, "eval.sets")) {
            const cJSON *row;
            cJSON_ArrayForEach(row, nbe_get(set, "strategies")) {
                sb_printf(b, "%ld,", nbe_id(x));
                nt_csv_field(b, nbe_str(x, "title") ? nbe_str(x, "title") : "");
                sb_puts(b, ",");
                if (nbe_get(x, "seed")) nt_seed(b, nbe_get(x, "seed"));
                sb_puts(b, ",");
                nt_csv_field(b, nbe_str(set, "name") ? nbe_str(set, "name") : "");
                sb_puts(b, ",");
                nt_csv_field(b, nbe_str(row, "name") ? nbe_str(row, "name") : "");
                sb_puts(b, ",");
                csv_num(b, nbe_get(set, "episodes"));
                sb_puts(b, ",");
                csv_num(b, nbe_get(row, "mean_normalised_reward"));
                sb_puts(b, ",");
                csv_num(b, cJSON_GetArrayItem(nbe_get(row, "ci95"), 0));
                sb_puts(b, ",");
                csv_num(b, cJSON_GetArrayItem(nbe_get(row, "ci95"), 1));
                sb_puts(b, ",");
                csv_num(b, nbe_get(row, "oracle_action_share"));
                sb_puts(b, ",");
                csv_num(b, nbe_get(row, "explored_once_share"));
                sb_printf(b, ",%d,", nbe_quick(x));
                nt_csv_field(b, nbe_str(x, "sweep.name") ? nbe_str(x, "sweep.name") : "");
                sb_puts(b, ",");
                csv_num(b, nbe_get(x, "sweep.job"));
                sb_puts(b, "\n");
            }
        }
    }
}

static void export_jsonl(SB *b, const Notebook *nb) {
    for (int i = 0; i < nb_count(nb); i++) {
        nt_json(b, nb_entry(nb, i));
        sb_puts(b, "\n");
    }
}

int cmd_export(int argc, char **argv) {
    int csv = 0, jsonl = 0;
    const char *out = NULL;
    ArgOpt opts[] = {
        {"--csv", ARG_FLAG, &csv, 0, 0, NULL, NULL,
         "one row per run, evaluation set and strategy (run_id,title,seed,set,strategy,episodes,mean,ci_lo,ci_hi,"
         "oracle_share,explored_share,quick,sweep,job)"},
        {"--jsonl", ARG_FLAG, &jsonl, 0, 0, NULL, NULL, "every entry as one JSON object per line"},
        {"-o", ARG_STRING, &out, 0, 0, NULL, "OUT", "write to OUT (atomically) instead of standard output"},
        {"--output", ARG_STRING, &out, 0, 0, NULL, "OUT", "same as -o"},
    };
    ArgCmd cmd = {"export", "dolab export [FILE] --csv|--jsonl [-o OUT]",
                  "Exports a notebook for other tools: the result tables of every run as CSV, or every entry as\n"
                  "JSON lines.  FILE defaults to $DOLAB_NOTEBOOK, else notebook.json in the current folder.",
                  opts, (int)(sizeof opts / sizeof *opts), 0, 1,
                  "examples:\n  dolab export notebook.json --csv -o results.csv\n  dolab export --jsonl | head -n 1\n"};
    char *pos[1];
    int npos;
    Err e;
    int rc = args_or_exit(&cmd, argc, argv, pos, &npos);
    if (rc >= 0) return rc;
    if (csv + jsonl != 1) {
        fprintf(stderr, "dolab export: choose one of --csv or --jsonl\n");
        return 2;
    }
    if (out && !*out) {
        fprintf(stderr, "dolab export: -o: expected a file name\n");
        return 2;
    }
    const char *path = npos ? pos[0] : nt_default_notebook();
    struct stat a, b;
    if (out && stat(path, &a) == 0 && stat(out, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
        fprintf(stderr, "dolab export: %s is the notebook itself: refusing to overwrite it\n", out);
        return 2;
    }
    Notebook *nb;
    if (nb_open(path, &nb, &e)) {
        fprintf(stderr, "dolab export: %s\n", e.msg);
        nb_free(nb);
        return 1;
    }
    if (nb_is_new(nb)) {
        fprintf(stderr, "dolab export: %s: no such notebook\n", path);
        nb_free(nb);
        return 1;
    }
    SB text = {0};
    if (csv) export_csv(&text, nb);
    else export_jsonl(&text, nb);
    nb_free(nb);
    if (text.oom) {
        fprintf(stderr, "dolab export: out of memory\n");
        rc = 1;
    } else if (out) {
        rc = fio_write_all_atomic(out, sb_str(&text), text.len, &e) ? 1 : 0;
        if (rc) fprintf(stderr, "dolab export: %s\n", e.msg);
    } else {
        rc = nt_emit(&text, "export");
    }
    sb_free(&text);
    return rc;
}


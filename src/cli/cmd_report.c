/* dolab report NOTEBOOK: statistics across seeds of the runs in a notebook (a merged sweep).
 * The command: its options, the notebook's runs (quick and full ones kept apart), and the
 * output.  The arms, cells and statistics are in report.c, the outputs in report_out.c and the
 * plots in report_plot.c (report.h says what each statistic is). */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/nb_text.h"
#include "cli/report.h"
#include "notebook/nb_entry.h"
#include "notebook/notebook.h"
#include "util/fileio.h"
#include "util/strbuf.h"

enum { FMT_TEXT, FMT_MD, FMT_CSV, FMT_JSON };

int cmd_report(int argc, char **argv) {
    const char *sweep = NULL, *plot_dir = NULL, *out = NULL;
    int format = FMT_TEXT, mixed = 0;
    double threshold = 0.95;
    ArgOpt opts[] = {
        {"--sweep", ARG_STRING, &sweep, 0, 0, NULL, "NAME", "only the runs of this sweep"},
        {"--format", ARG_CHOICE, &format, 0, 0, "text|md|csv|json", NULL, "output format (default text)"},
        {"--plot", ARG_STRING, &plot_dir, 0, 0, NULL, "DIR",
         "also draw learning curves and bars with CIs as SVG and PNG in DIR (gnuplot)"},
        {"--mixed", ARG_FLAG, &mixed, 0, 0, NULL, NULL, "report quick and full runs together (as separate arms)"},
        {"--threshold", ARG_REAL, &threshold, -1, 1, NULL, "T",
         "per seed, the first step whose dev reward reached T, and the median over seeds (default)"},
        {"-o", ARG_STRING, &out, 0, 0, NULL, "OUT", "write the report to OUT (atomically) instead of standard output"},
    };
    ArgCmd cmd = {"report", "dolab report NOTEBOOK [--sweep NAME] [--format text|md|csv|json] [--plot DIR]",
                  "Statistics across seeds of the runs in a notebook (usually a merged sweep): per arm (experiment and\n"
                  "sweep settings) x evaluation set x strategy, the mean over seeds with a 95% percentile bootstrap CI\n"
                  "over seeds and a hierarchical one (seeds, then episodes), the number of seeds, the between-seed sd\n"
                  "and the interquartile mean; each arm's model minus the first arm's on the same seeds, with a CI;\n"
                  "learning curves across seeds.  Quick and full runs are never pooled; a notebook holding both is\n"
                  "refused unless --mixed.  docs/sweeps.md explains every statistic.",
                  opts, (int)(sizeof opts / sizeof *opts), 1, 1,
                  "examples:\n  dolab report runs/explanations_confound/notebook.json\n"
                  "  dolab report notebook.json --sweep study --format md --plot docs/plots\n"};
    char *pos[1];
    int npos;
    Err e;
    int rc = args_or_exit(&cmd, argc, argv, pos, &npos);
    if (rc >= 0) return rc;
    Notebook *nb;
    if (nb_open(pos[0], &nb, &e)) {
        fprintf(stderr, "dolab report: %s\n", e.msg);
        nb_free(nb);
        return 1;
    }
    if (nb_is_new(nb)) {
        fprintf(stderr, "dolab report: %s: no such notebook\n", pos[0]);
        nb_free(nb);
        return 1;
    }
    Report r;
    memset(&r, 0, sizeof r);
    r.threshold = threshold;
    rc = 1;
    int n_full = 0;
    for (int i = 0; i < nb_count(nb); i++) {
        NbeRun run;
        const cJSON *x = nb_entry(nb, i);
        if (strcmp(nbe_type(x), "run") != 0) continue;
        if (nbe_read_run(x, &run, &e)) {
            fprintf(stderr, "dolab report: %s: %s\n", pos[0], e.msg);
            goto done;
        }
        if (sweep && (!run.sweep || strcmp(run.sweep, sweep) != 0)) continue;
        if (!run.n_sets) continue; /* not evaluated */
        r.n_runs++;
        r.n_quick += run.quick;
        n_full += !run.quick;
    }
    if (!r.n_runs) {
        fprintf(stderr, "dolab report: %s: no evaluated runs%s%s\n", pos[0], sweep ? " of sweep " : "", sweep ? sweep : "");
        goto done;
    }
    if (r.n_quick && n_full && !mixed) {
        fprintf(stderr,
                "dolab report: %s holds %d quick and %d full runs: choose a sweep with --sweep NAME, or --mixed to report "
                "them side by side\n",
                pos[0], r.n_quick, n_full);
        goto done;
    }
    for (int i = 0; i < nb_count(nb) && !r.oom; i++) {
        NbeRun run;
        const cJSON *x = nb_entry(nb, i);
        if (strcmp(nbe_type(x), "run") != 0 || nbe_read_run(x, &run, &e)) continue;
        if (sweep && (!run.sweep || strcmp(run.sweep, sweep) != 0)) continue;
        if (!run.n_sets) continue;
        int dup;
        int a = report_add_run(&r, &run, mixed, &dup);
        if (a < 0) break;
        if (dup)
            fprintf(stderr, "dolab report: warning: %s has seed %llu twice (entries are separate samples)\n",
                    r.arms[a].label, (unsigned long long)run.seed);
    }
    if (!r.oom) report_compute(&r);
    if (r.oom) {
        fprintf(stderr, "dolab report: out of memory\n");
        goto done;
    }
    SB b = {0};
    if (format == FMT_TEXT || format == FMT_MD) report_put_text(&b, &r, pos[0], sweep, format == FMT_MD);
    else if (format == FMT_CSV) report_put_csv(&b, &r);
    else {
        cJSON *j = report_json(&r, pos[0], sweep);
        char *s = j ? cJSON_Print(j) : NULL;
        if (s) sb_printf(&b, "%s\n", s);
        else b.oom = 1;
        free(s);
        cJSON_Delete(j);
    }
    if (b.oom) {
        fprintf(stderr, "dolab report: out of memory\n");
    } else if (out) {
        rc = fio_write_all_atomic(out, sb_str(&b), b.len, &e) ? 1 : 0;
        if (rc) fprintf(stderr, "dolab report: %s\n", e.msg);
    } else {
        rc = nt_emit(&b, "report");
    }
    sb_free(&b);
    if (rc == 0 && plot_dir) {
        if (report_plot(&r, plot_dir, &e)) {
            fprintf(stderr, "dolab report: %s\n", e.msg);
            rc = 1;
        } else {
            fprintf(stderr, "dolab report: plots in %s (learning_*.svg/png, bars_*.svg/png)\n", plot_dir);
        }
    }
done:
    report_free(&r);
    nb_free(nb);
    return rc;
}

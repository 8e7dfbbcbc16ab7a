/* report_plot — dolab report --plot: data files and one gnuplot script per figure, which gnuplot
 * draws as SVG and PNG (report.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/nb_text.h"
#include "cli/proc.h"
#include "cli/report.h"
#include "util/fileio.h"

static void gp_quote(SB *b, const char *s) {
    sb_puts(b, "'");
    for (const char *p = s; *p; p++) sb_puts(b, *p == '\'' ? "''" : (char[]){*p, 0});
    sb_puts(b, "'");
}

static int write_file(const char *dir, const char *name, const SB *b, Err *e) {
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return fio_write_all_atomic(p, sb_str(b), b->len, e);
}

/* Data files and one gnuplot script per figure; gnuplot draws each as SVG and PNG. */
int report_plot(const Report *r, const char *dir, Err *e) {
    if (mkdir(dir, 0755) && errno != EEXIST) return err_set(e, "--plot %s: cannot create the folder: %s", dir, strerror(errno));
    if (!proc_on_path("gnuplot"))
        return err_set(e, "--plot needs gnuplot (Debian's package gnuplot-nox: make deps installs it)");
    SB gp = {0}, dat = {0};
    double st[REPORT_CURVE_MAX], mu[REPORT_CURVE_MAX], sd[REPORT_CURVE_MAX];
    int rc = 0;
    static const char *const kinds[] = {NULL, "loss", "dev_reward"};
    static const char *const ylabels[] = {NULL, "training loss", "dev reward (normalised)"};
    char name[64];
    for (int col = 1; col <= 2 && !rc; col++) {
        sb_free(&gp);
        int any = 0;
        SB plots = {0};
        for (int a = 0; a < r->n_arms && !rc; a++) {
            int n = report_arm_curve(&r->arms[a], col, st, mu, sd, REPORT_CURVE_MAX);
            if (!n) continue;
            sb_free(&dat);
            sb_printf(&dat, "# step mean sd (across %d seeds): %s\n", r->arms[a].n_runs, r->arms[a].label);
            for (int i = 0; i < n; i++) sb_printf(&dat, "%.17g %.17g %.17g\n", st[i], mu[i], sd[i]);
            snprintf(name, sizeof name, "curve_%s_%d.dat", kinds[col], a + 1);
            rc = write_file(dir, name, &dat, e);
            sb_printf(&plots, "%s'%s' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 lc %d notitle, "
                              "'%s' using 1:2 with lines lw 2 lc %d title ",
                      any ? ", " : "", name, a + 1, name, a + 1);
            gp_quote(&plots, r->arms[a].label);
            any = 1;
        }
        if (any && !rc) {
            for (int t = 0; t < 2; t++) {
                sb_printf(&gp, "set terminal %s size 900,540 noenhanced\nset output 'learning_%s.%s'\n",
                          t ? "pngcairo" : "svg", kinds[col], t ? "png" : "svg");
                sb_printf(&gp, "set title 'learning curves: mean and ±1 sd across seeds'\nset xlabel 'step'\nset ylabel '%s'\n"
                               "set key outside bottom center horizontal\nset grid\nplot %s\n",
                          ylabels[col], sb_str(&plots));
            }
            snprintf(name, sizeof name, "learning_%s.gp", kinds[col]);
            rc = write_file(dir, name, &gp, e);
        }
        sb_free(&plots);
    }
    /* bars with CIs: per set, the strategies (rows) of every arm (clusters of bars) */
    const char *sets[64];
    int nsets = 0;
    for (int i = 0; i < r->n_cells && nsets < 64; i++) {
        int seen = 0;
        for (int k = 0; k < nsets; k++) seen |= !strcmp(sets[k], r->cells[i].set);
        if (!seen) sets[nsets++] = r->cells[i].set;
    }
    for (int s = 0; s < nsets && !rc; s++) {
        sb_free(&dat);
        sb_free(&gp);
        sb_printf(&dat, "# strategy, then mean ci_lo ci_hi for each of %d arms (95%% bootstrap over seeds); set %s\n",
                  r->n_arms, sets[s]);
        const char *strats[64];
        int nst = 0;
        for (int i = 0; i < r->n_cells && nst < 64; i++) {
            if (strcmp(r->cells[i].set, sets[s])) continue;
            int seen = 0;
            for (int k = 0; k < nst; k++) seen |= !strcmp(strats[k], r->cells[i].strat);
            if (!seen) strats[nst++] = r->cells[i].strat;
        }
        for (int k = 0; k < nst; k++) {
            sb_printf(&dat, "%s", strats[k]);
            for (int a = 0; a < r->n_arms; a++) {
                const Cell *c = NULL;
                for (int i = 0; i < r->n_cells && !c; i++)
                    if (r->cells[i].arm == a && !strcmp(r->cells[i].set, sets[s]) && !strcmp(r->cells[i].strat, strats[k]))
                        c = &r->cells[i];
                if (c) sb_printf(&dat, " %.17g %.17g %.17g", c->boot.mean, c->boot.lo, c->boot.hi);
                else sb_puts(&dat, " NaN NaN NaN");
            }
            sb_puts(&dat, "\n");
        }
        snprintf(name, sizeof name, "bars_%d.dat", s + 1);
        rc = write_file(dir, name, &dat, e);
        for (int t = 0; t < 2 && !rc; t++) {
            sb_printf(&gp, "set terminal %s size 900,540 noenhanced\nset output 'bars_%d.%s'\n", t ? "pngcairo" : "svg", s + 1,
                      t ? "png" : "svg");
            sb_puts(&gp, "set title ");
            SB title = {0};
            sb_printf(&title, "%s: mean over seeds, 95%% CI (agree:X: share of the model's exploits that X would make)", sets[s]);
            gp_quote(&gp, sb_str(&title));
            sb_free(&title);
            sb_puts(&gp, "\nset style data histogram\nset style histogram errorbars gap 1 lw 1\nset style fill solid 0.6 border -1\n"
                         "set yrange [*:1.05]\nset ylabel 'normalised reward, or agreement share'\nset key outside bottom center horizontal\n"
                         "set grid ytics\nset xtics rotate by 30 right\nplot ");
            for (int a = 0; a < r->n_arms; a++) {
                sb_printf(&gp, "%s'%s' using %d:%d:%d%s title ", a ? ", " : "", name, 2 + 3 * a, 3 + 3 * a, 4 + 3 * a,
                          a ? "" : ":xtic(1)");
                gp_quote(&gp, r->arms[a].label);
            }
            sb_puts(&gp, "\n");
        }
        char gpn[64];
        snprintf(gpn, sizeof gpn, "bars_%d.gp", s + 1);
        if (!rc) rc = write_file(dir, gpn, &gp, e);
    }
    sb_free(&gp);
    sb_free(&dat);
    if (rc) return rc;
    /* gnuplot runs in dir so the scripts' relative names work */
    static const char *const scripts[] = {"learning_loss.gp", "learning_dev_reward.gp"};
    for (int i = 0; i < 2 + nsets && !rc; i++) {
        char gpn[64], full[4200];
        if (i < 2) snprintf(gpn, sizeof gpn, "%s", scripts[i]);
        else snprintf(gpn, sizeof gpn, "bars_%d.gp", i - 1);
        snprintf(full, sizeof full, "%s/%s", dir, gpn);
        struct stat sst;
        if (stat(full, &sst)) continue;
        char *argv[] = {"gnuplot", gpn, NULL};
        int g = proc_run_in(dir, argv, NULL);
        if (g) rc = err_set(e, "--plot: gnuplot failed on %s (exit %d)", full, g);
    }
    return rc;
}

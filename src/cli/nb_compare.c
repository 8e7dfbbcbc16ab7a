/* dolab notebook compare: two runs' configuration differences and result tables side by side. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/nb_text.h"
#include "notebook/nb_entry.h"

/* ---- compare --------------------------------------------------------------------------------- */

/* Prints every path where a and b differ: "train.steps: 20000 -> 5000".  Returns the count. */
static int diff_json(SB *out, const char *path, const cJSON *a, const cJSON *b) {
    if (!a && !b) return 0;
    if (a && b && cJSON_IsObject(a) && cJSON_IsObject(b)) {
        int n = 0;
        const cJSON *it;
        char sub[512];
        cJSON_ArrayForEach(it, a) {
            if (!it->string) continue;
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", it->string);
            n += diff_json(out, sub, it, cJSON_GetObjectItemCaseSensitive(b, it->string));
        }
        cJSON_ArrayForEach(it, b) {
            if (!it->string || cJSON_GetObjectItemCaseSensitive(a, it->string)) continue;
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", it->string);
            n += diff_json(out, sub, NULL, it);
        }
        return n;
    }
    if (a && b && cJSON_IsArray(a) && cJSON_IsArray(b)) {
        int na = cJSON_GetArraySize(a), nb = cJSON_GetArraySize(b), n = 0;
        char sub[512];
        for (int i = 0; i < (na > nb ? na : nb); i++) {
            snprintf(sub, sizeof sub, "%s[%d]", path, i);
            n += diff_json(out, sub, cJSON_GetArrayItem(a, i), cJSON_GetArrayItem(b, i));
        }
        return n;
    }
    if (a && b && cJSON_Compare(a, b, 1)) return 0;
    sb_printf(out, "  %s: ", *path ? path : "(whole)");
    nt_json(out, a);
    sb_puts(out, " -> ");
    nt_json(out, b);
    sb_puts(out, "\n");
    return 1;
}

static const cJSON *find_named(const cJSON *list, const char *name) {
    const cJSON *it;
    cJSON_ArrayForEach(it, list) {
        const char *n = nbe_str(it, "name");
        if (n && name && strcmp(n, name) == 0) return it;
    }
    return NULL;
}

static void ci_of(const cJSON *row, double *lo, double *hi) {
    const cJSON *ci = nbe_get(row, "ci95");
    *lo = nbe_num(cJSON_GetArrayItem(ci, 0), "");
    *hi = nbe_num(cJSON_GetArrayItem(ci, 1), "");
}

static void compare_row(SB *b, const char *name, const cJSON *ra, const cJSON *rb, int *disjoint) {
    sb_puts(b, "  ");
    nt_cols(b, name, 10, 1);
    sb_puts(b, " ");
    if (ra) nt_reward_ci(b, ra);
    else sb_printf(b, "%-24s", "-");
    if (rb) nt_reward_ci(b, rb);
    else sb_printf(b, "%-24s", "-");
    if (ra && rb) {
        double d = nbe_num(rb, "mean_normalised_reward") - nbe_num(ra, "mean_normalised_reward");
        double alo, ahi, blo, bhi;
        ci_of(ra, &alo, &ahi);
        ci_of(rb, &blo, &bhi);
        int apart = !isnan(alo) && !isnan(blo) && (ahi < blo || bhi < alo);
        sb_printf(b, "%+.3f%s", d, apart ? " *" : "");
        *disjoint |= apart;
    }
    while (b->len && b->s[b->len - 1] == ' ') b->s[--b->len] = 0;
    sb_puts(b, "\n");
}

static void compare_set(SB *b, const char *name, const cJSON *sa, const cJSON *sb_, long ia, long ib, int *disjoint) {
    sb_printf(b, "\n%s:", name);
    if (!sa || !sb_) {
        sb_printf(b, " only in run %ld\n", sa ? ia : ib);
        return;
    }
    if (nbe_num(sa, "episodes") != nbe_num(sb_, "episodes"))
        sb_printf(b, " %.0f vs %.0f episodes\n", nbe_num(sa, "episodes"), nbe_num(sb_, "episodes"));
    else
        sb_printf(b, " %.0f episodes each\n", nbe_num(sa, "episodes"));
    char ha[32], hb[32];
    snprintf(ha, sizeof ha, "run %ld", ia);
    snprintf(hb, sizeof hb, "run %ld", ib);
    sb_printf(b, "  %-10s %-24s%-24s%s\n", "strategy", ha, hb, "difference");
    const cJSON *ra, *la = nbe_get(sa, "strategies"), *lb = nbe_get(sb_, "strategies");
    cJSON_ArrayForEach(ra, la) {
        const char *n = nbe_str(ra, "name");
        compare_row(b, n ? n : "?", ra, find_named(lb, n), disjoint);
    }
    const cJSON *rb;
    cJSON_ArrayForEach(rb, lb) {
        const char *n = nbe_str(rb, "name");
        if (!find_named(la, n)) compare_row(b, n ? n : "?", NULL, rb, disjoint);
    }
}

void nb_compare_runs(SB *b, const cJSON *x, const cJSON *y) {
    long ix = nbe_id(x), iy = nbe_id(y);
    sb_printf(b, "run %ld: %s\nrun %ld: %s\n\nconfiguration differences (run %ld -> run %ld):\n", ix, nbe_title(x), iy,
              nbe_title(y), ix, iy);
    int n = diff_json(b, "", nbe_get(x, "config"), nbe_get(y, "config"));
    /* what else shapes a run: its seed, its script and the dolab that ran it */
    n += diff_json(b, "seed", nbe_get(x, "seed"), nbe_get(y, "seed"));
    const cJSON *sx = nbe_get(x, "script"), *sy = nbe_get(y, "script"), *it;
    char path[160];
    cJSON_ArrayForEach(it, sx) if (it->string && strcmp(it->string, "text")) {
        snprintf(path, sizeof path, "script.%s", it->string);
        n += diff_json(b, path, it, cJSON_GetObjectItemCaseSensitive(sy, it->string));
    }
    cJSON_ArrayForEach(it, sy) if (it->string && strcmp(it->string, "text") && !nbe_get(sx, it->string)) {
        snprintf(path, sizeof path, "script.%s", it->string);
        n += diff_json(b, path, NULL, it);
    }
    const char *tx = nbe_str(sx, "text"), *ty = nbe_str(sy, "text");
    if ((tx || ty) && (!tx || !ty || strcmp(tx, ty))) {
        sb_puts(b, "  script.text: differs\n");
        n++;
    }
    n += diff_json(b, "dolab", nbe_get(x, "dolab"), nbe_get(y, "dolab"));
    if (!n) sb_puts(b, "  (none)\n");
    sb_printf(b, "\nresults (mean normalised reward [95%% CI]; difference = run %ld - run %ld):\n", iy, ix);
    sx = nbe_get(x, "eval.sets");
    sy = nbe_get(y, "eval.sets");
    const cJSON *s;
    if (!cJSON_GetArraySize(sx) && !cJSON_GetArraySize(sy)) {
        sb_puts(b, "  neither run was evaluated\n");
        return;
    }
    int disjoint = 0;
    cJSON_ArrayForEach(s, sx) {
        const char *name = nbe_str(s, "name");
        compare_set(b, name ? name : "?", s, find_named(sy, name), ix, iy, &disjoint);
    }
    cJSON_ArrayForEach(s, sy) {
        const char *name = nbe_str(s, "name");
        if (!find_named(sx, name)) compare_set(b, name ? name : "?", NULL, s, ix, iy, &disjoint);
    }
    if (disjoint) sb_puts(b, "\n* the two 95% CIs do not overlap\n");
}

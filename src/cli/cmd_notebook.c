/* dolab notebook (list, show, compare, note) and dolab export (csv, jsonl). */
#include <cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "notebook/notebook.h"
#include "util/fileio.h"
#include "util/jsonu.h"
#include "util/strbuf.h"

#define NOTE_MAX_BYTES (1 << 20)

static const char *default_notebook(void) {
    const char *p = getenv("DOLAB_NOTEBOOK");
    return p && *p ? p : "notebook.json";
}

/* ---- reading entries: borrowed, type-checked lookups ------------------------------------- */

/* o["a"]["b"]... for a dotted path; NULL when any step is missing. */
static const cJSON *jget(const cJSON *o, const char *path) {
    char key[64];
    while (o && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof key) return NULL;
        memcpy(key, path, n);
        key[n] = 0;
        o = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
        path += n + (dot ? 1 : 0);
    }
    return o;
}

static double jnum(const cJSON *o, const char *path) {
    const cJSON *v = jget(o, path);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *jstr(const cJSON *o, const char *path) {
    const cJSON *v = jget(o, path);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static long entry_id(const cJSON *x) {
    double id = jnum(x, "id"); /* checked by nb_open: a positive integer below 2^53 */
    return id >= 0 && id < 9e15 ? (long)id : -1;
}
static const char *entry_type(const cJSON *x) { return jstr(x, "type") ? jstr(x, "type") : "?"; }

static const char *run_title(const cJSON *run) {
    const char *t = jstr(run, "title");
    if (t && *t) return t;
    t = jstr(run, "config.name");
    return t && *t ? t : "(untitled)";
}

/* ---- text helpers ---------------------------------------------------------------------------- */

static int utf8_len(unsigned char c) { return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1; }

/* s on one line in at most width characters (… when cut), padded to width when pad is set. */
static void put_cols(SB *b, const char *s, int width, int pad) {
    int total = 0;
    for (const char *p = s; *p; p += utf8_len((unsigned char)*p)) total++;
    int cols = 0;
    for (const char *p = s; *p && cols < width; cols++) {
        if (total > width && cols == width - 1) {
            sb_puts(b, "…");
            cols++;
            break;
        }
        int n = utf8_len((unsigned char)*p);
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            sb_puts(b, " ");
        } else {
            int k = 0;
            while (k < n && p[k]) k++;
            sb_putn(b, p, (size_t)k);
            n = k ? k : 1;
        }
        p += n;
    }
    for (; pad && cols < width; cols++) sb_puts(b, " ");
}

/* Text wrapped at width characters (counting UTF-8 characters), each line after indent. */
static void put_wrapped(SB *b, const char *s, const char *indent, int width) {
    while (*s) {
        while (*s == ' ') s++;
        const char *p = s, *cut = NULL;
        int cols = 0;
        for (; *p && *p != '\n' && cols < width; p += utf8_len((unsigned char)*p), cols++)
            if (*p == ' ') cut = p;
        if (!*p || *p == '\n' || !cut) cut = p;
        sb_puts(b, indent);
        sb_putn(b, s, (size_t)(cut - s));
        sb_puts(b, "\n");
        s = *cut == '\n' ? cut + 1 : cut;
    }
}

/* "2026-11-03T12:34:56Z" -> "2026-11-03 12:34" (times are UTC); anything else as it is. */
static void put_time(SB *b, const char *t) {
    if (t && strlen(t) >= 16 && t[10] == 'T') {
        sb_printf(b, "%.10s %.5s", t, t + 11);
        return;
    }
    put_cols(b, t ? t : "", 16, 1);
}

/* A number for people: integers without decimals, else 4 significant digits. */
static void put_num(SB *b, double x) {
    if (isnan(x))
        sb_puts(b, "?");
    else if (x == floor(x) && fabs(x) < 1e15)
        sb_printf(b, "%.0f", x);
    else
        sb_printf(b, "%.4g", x);
}

/* Shortest text that reads back as the same double. */
static void put_exact(SB *b, double x) {
    char s[40];
    snprintf(s, sizeof s, "%.15g", x);
    if (strtod(s, NULL) != x) snprintf(s, sizeof s, "%.17g", x);
    sb_puts(b, s);
}

/* A seed exactly, in either of its forms (a number up to 2^53, else a string); "?" if neither. */
static void put_seed(SB *b, const cJSON *v) {
    uint64_t u;
    if (ju_get_u64(v, "seed", &u, NULL) == 0) sb_printf(b, "%" PRIu64, u);
    else sb_puts(b, "?");
}

static void put_json(SB *b, const cJSON *v) {
    if (!v) {
        sb_puts(b, "(absent)");
        return;
    }
    char *s = cJSON_PrintUnformatted(v);
    if (s) sb_puts(b, s);
    else b->oom = 1;
    free(s);
}

/* Writes b to stdout; 0 or 1 (exit status). */
static int emit(SB *b, const char *cmd) {
    if (b->oom) {
        fprintf(stderr, "dolab %s: out of memory\n", cmd);
        return 1;
    }
    if (b->len && fwrite(b->s, 1, b->len, stdout) != b->len) return 1;
    return fflush(stdout) ? 1 : 0;
}

static const char *const spark_levels[8] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

/* A sparkline of column col of the training curve, at most width characters.  Returns the
 * number of points used (0: nothing drawn); *first and *last get the end values. */
static int sparkline(SB *b, const cJSON *curve, int col, int width, double *first, double *last) {
    int n = 0, total = cJSON_GetArraySize(curve);
    double *v = malloc(sizeof *v * (size_t)(total ? total : 1));
    if (!v) return 0;
    const cJSON *pt;
    cJSON_ArrayForEach(pt, curve) {
        const cJSON *x = cJSON_IsArray(pt) ? cJSON_GetArrayItem(pt, col) : NULL;
        if (cJSON_IsNumber(x) && isfinite(x->valuedouble)) v[n++] = x->valuedouble;
    }
    if (n == 0) {
        free(v);
        return 0;
    }
    *first = v[0];
    *last = v[n - 1];
    int w = n < width ? n : width;
    double bucket[128], lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < w; i++) {
        int a = (int)((long)i * n / w), z = (int)((long)(i + 1) * n / w);
        double s = 0;
        for (int k = a; k < z; k++) s += v[k];
        bucket[i] = s / (z - a);
        if (bucket[i] < lo) lo = bucket[i];
        if (bucket[i] > hi) hi = bucket[i];
    }
    for (int i = 0; i < w; i++) {
        int level = hi > lo ? (int)lround((bucket[i] - lo) / (hi - lo) * 7) : 3;
        sb_puts(b, spark_levels[level < 0 ? 0 : level > 7 ? 7 : level]);
    }
    free(v);
    return n;
}

/* ---- one-line summaries ---------------------------------------------------------------------- */

/* Each evaluation set's first strategy (the model when there is one): "held_out 0.812 [0.790, 0.834]". */
static void run_headline(SB *b, const cJSON *run) {
    const cJSON *set;
    int k = 0;
    cJSON_ArrayForEach(set, jget(run, "eval.sets")) {
        const cJSON *row = cJSON_GetArrayItem(jget(set, "strategies"), 0);
        if (!row) continue;
        const cJSON *ci = jget(row, "ci95");
        sb_printf(b, "%s%s %.3f", k++ ? "  " : "", jstr(set, "name") ? jstr(set, "name") : "?",
                  jnum(row, "mean_normalised_reward"));
        if (cJSON_GetArraySize(ci) == 2)
            sb_printf(b, " [%.3f, %.3f]", jnum(cJSON_GetArrayItem(ci, 0), ""), jnum(cJSON_GetArrayItem(ci, 1), ""));
    }
    if (!k) sb_puts(b, "(no evaluation)");
}

static void list_line(SB *b, const cJSON *x) {
    const char *type = entry_type(x);
    sb_printf(b, "%4ld  %-7s  ", entry_id(x), type);
    put_time(b, jstr(x, "time"));
    sb_puts(b, "  ");
    if (strcmp(type, "run") == 0) {
        put_cols(b, run_title(x), 28, 1);
        sb_puts(b, "  ");
        run_headline(b, x);
    } else if (strcmp(type, "note") == 0) {
        put_cols(b, jstr(x, "text") ? jstr(x, "text") : "", 60, 0);
    } else if (strcmp(type, "session") == 0) {
        sb_printf(b, "%d events", cJSON_GetArraySize(jget(x, "events")));
    }
    /* no trailing spaces */
    while (b->len && b->s[b->len - 1] == ' ') b->s[--b->len] = 0;
    sb_puts(b, "\n");
}

/* ---- show ------------------------------------------------------------------------------------ */

static void show_config(SB *b, const cJSON *c) {
    if (!cJSON_IsObject(c)) return;
    sb_printf(b, "\nconfiguration: %s\n", jstr(c, "name") ? jstr(c, "name") : "(unnamed)");
    if (jstr(c, "about")) put_wrapped(b, jstr(c, "about"), "  ", 94);
    const cJSON *w = jget(c, "world");
    if (w) {
        sb_puts(b, "  world       ");
        put_num(b, jnum(w, "variables"));
        sb_puts(b, " variables, edge probability ");
        put_num(b, jnum(w, "edge_prob"));
        sb_puts(b, ", noise ");
        put_num(b, jnum(w, "noise"));
        const cJSON *wt = jget(w, "weights");
        if (cJSON_GetArraySize(wt) == 2) {
            sb_puts(b, ", |weights| in [");
            put_num(b, jnum(cJSON_GetArrayItem(wt, 0), ""));
            sb_puts(b, ", ");
            put_num(b, jnum(cJSON_GetArrayItem(wt, 1), ""));
            sb_puts(b, "]");
        }
        if (jnum(w, "passive") > 0) {
            sb_puts(b, ", ");
            put_num(b, jnum(w, "passive"));
            sb_puts(b, " passive observations");
        }
        if (jnum(w, "cue") > 0) {
            sb_puts(b, ", cue ");
            put_num(b, jnum(w, "cue"));
        }
        sb_puts(b, "\n");
    }
    if (jstr(c, "heldout")) sb_printf(b, "  held out    %s\n", jstr(c, "heldout"));
    const cJSON *m = jget(c, "model");
    if (m) {
        sb_puts(b, "  model       ");
        put_num(b, jnum(m, "layers"));
        sb_puts(b, jnum(m, "layers") == 1 ? " layer, width " : " layers, width ");
        put_num(b, jnum(m, "dim"));
        sb_puts(b, ", ");
        put_num(b, jnum(m, "heads"));
        sb_puts(b, " heads, context ");
        put_num(b, jnum(m, "context"));
        sb_puts(b, "\n");
    }
    const cJSON *t = jget(c, "train");
    if (t) {
        sb_puts(b, "  training    ");
        put_num(b, jnum(t, "steps"));
        sb_puts(b, " steps, batch ");
        put_num(b, jnum(t, "batch"));
        sb_puts(b, ", lr ");
        put_num(b, jnum(t, "lr"));
        sb_puts(b, ", seed ");
        put_seed(b, jget(t, "seed"));
        sb_printf(b, ", %d mix component%s\n", cJSON_GetArraySize(jget(t, "mix")),
                  cJSON_GetArraySize(jget(t, "mix")) == 1 ? "" : "s");
    }
    const cJSON *ev = jget(c, "eval");
    if (ev) {
        sb_puts(b, "  evaluation  seed ");
        put_seed(b, jget(ev, "seed"));
        const cJSON *s;
        int k = 0;
        cJSON_ArrayForEach(s, jget(ev, "strategies")) if (cJSON_IsString(s)) sb_printf(b, "%s%s", k++ ? " " : ", baselines ",
                                                                                    s->valuestring);
        sb_puts(b, "\n");
    }
}

static void show_training(SB *b, const cJSON *tr) {
    if (!cJSON_IsObject(tr)) return;
    sb_puts(b, "\ntraining: ");
    put_num(b, jnum(tr, "steps"));
    sb_puts(b, " steps in ");
    sb_printf(b, "%.1f s, ", jnum(tr, "seconds"));
    put_num(b, round(jnum(tr, "tokens_per_s")));
    sb_puts(b, " tokens/s");
    if (!isnan(jnum(tr, "final_loss"))) sb_printf(b, ", final loss %.4f", jnum(tr, "final_loss"));
    sb_puts(b, "\n");
    const cJSON *curve = jget(tr, "curve");
    double a, z;
    SB line = {0};
    int n = sparkline(&line, curve, 1, 60, &a, &z);
    if (n) sb_printf(b, "  loss        %s  %.4f -> %.4f (%d points)\n", sb_str(&line), a, z, n);
    sb_free(&line);
    n = sparkline(&line, curve, 2, 60, &a, &z);
    if (n) sb_printf(b, "  dev reward  %s  %.3f -> %.3f (%d points)\n", sb_str(&line), a, z, n);
    if (line.oom) b->oom = 1;
    sb_free(&line);
}

/* The config's description of an evaluation set, found by name. */
static const cJSON *config_set(const cJSON *run, const char *name) {
    const cJSON *s;
    cJSON_ArrayForEach(s, jget(run, "config.eval.sets")) {
        const char *n = jstr(s, "name");
        if (n && name && strcmp(n, name) == 0) return s;
    }
    return NULL;
}

static void set_heading(SB *b, const cJSON *run, const cJSON *set) {
    const char *name = jstr(set, "name");
    sb_printf(b, "%s: ", name ? name : "?");
    put_num(b, jnum(set, "episodes"));
    sb_puts(b, " episodes");
    const cJSON *cs = config_set(run, name);
    const char *worlds = jstr(cs, "worlds");
    if (worlds) {
        int held = strcmp(worlds, "heldout") == 0;
        sb_printf(b, " from %s worlds", held ? "held-out" : "training");
        const char *h = jstr(run, "config.heldout");
        if (held && h && strcmp(h, "nothing") != 0) sb_printf(b, " (%s)", h);
    }
    if (jstr(cs, "goal")) sb_printf(b, ", goal %s", jstr(cs, "goal"));
    if (jstr(cs, "best")) sb_printf(b, ", best action on %s", jstr(cs, "best"));
    sb_puts(b, "\n");
}

static void put_reward_ci(SB *b, const cJSON *row) {
    const cJSON *ci = jget(row, "ci95");
    char s[64];
    if (cJSON_GetArraySize(ci) == 2)
        snprintf(s, sizeof s, "%.3f [%.3f, %.3f]", jnum(row, "mean_normalised_reward"),
                 jnum(cJSON_GetArrayItem(ci, 0), ""), jnum(cJSON_GetArrayItem(ci, 1), ""));
    else
        snprintf(s, sizeof s, "%.3f", jnum(row, "mean_normalised_reward"));
    sb_printf(b, "%-24s", s);
}

/* The result tables as src/learn/eval.c eval_print shows them. */
static void show_eval(SB *b, const cJSON *run) {
    const cJSON *ev = jget(run, "eval");
    if (!cJSON_IsObject(ev)) {
        sb_puts(b, "\nresults: none (the run was not evaluated)\n");
        return;
    }
    sb_puts(b, "\nresults:\n");
    const cJSON *set;
    int k = 0;
    cJSON_ArrayForEach(set, jget(ev, "sets")) {
        if (k++) sb_puts(b, "\n");
        set_heading(b, run, set);
        sb_printf(b, "  %-10s %7s  %-17s %8s %9s\n", "strategy", "reward", "95% CI", "oracle", "explored");
        const cJSON *row;
        cJSON_ArrayForEach(row, jget(set, "strategies")) {
            const cJSON *ci = jget(row, "ci95");
            char cis[48] = "";
            if (cJSON_GetArraySize(ci) == 2)
                snprintf(cis, sizeof cis, "[%.3f, %.3f]", jnum(cJSON_GetArrayItem(ci, 0), ""),
                         jnum(cJSON_GetArrayItem(ci, 1), ""));
            sb_puts(b, "  ");
            put_cols(b, jstr(row, "name") ? jstr(row, "name") : "?", 10, 1);
            sb_printf(b, " %7.3f  %-17s %7.1f%% %8.1f%%\n", jnum(row, "mean_normalised_reward"), cis,
                      100 * jnum(row, "oracle_action_share"), 100 * jnum(row, "explored_once_share"));
        }
        const cJSON *ag = jget(set, "agreement");
        if (cJSON_IsObject(ag) && jnum(ag, "episodes") > 0) {
            sb_printf(b, "  %s's exploit agrees with, on its own exploration (%.0f episodes where they disagree):\n   ",
                      jstr(ag, "of") ? jstr(ag, "of") : "?", jnum(ag, "episodes"));
            const cJSON *it;
            cJSON_ArrayForEach(it, ag) {
                if (!it->string || !strcmp(it->string, "of") || !strcmp(it->string, "episodes")) continue;
                if (cJSON_IsNumber(it))
                    sb_printf(b, " %s %.1f%%", it->string, 100 * it->valuedouble);
                else
                    sb_printf(b, " %s -", it->string);
            }
            sb_puts(b, "\n");
        }
    }
    sb_puts(b, "\nreward: mean normalised reward (oracle = 1) with a 95% bootstrap CI; oracle: share of the oracle's "
               "action;\nexplored: every relevant variable explored exactly once.");
    if (jget(ev, "seed")) {
        sb_puts(b, "  Evaluation seed ");
        put_seed(b, jget(ev, "seed"));
        sb_puts(b, ".");
    }
    sb_puts(b, "\n");
}

static void show_run(SB *b, const cJSON *x) {
    sb_printf(b, "run %ld: %s\n", entry_id(x), run_title(x));
    sb_printf(b, "  time        %s\n", jstr(x, "time") ? jstr(x, "time") : "?");
    if (jget(x, "seed")) {
        sb_puts(b, "  seed        ");
        put_seed(b, jget(x, "seed"));
        sb_puts(b, "\n");
    }
    const cJSON *sc = jget(x, "script");
    if (sc) {
        sb_printf(b, "  script      %s", jstr(sc, "path") ? jstr(sc, "path") : "(inline)");
        /* the hash, whatever its kind: sha256, fnv1a64, ... */
        const cJSON *it;
        cJSON_ArrayForEach(it, sc) if (it->string && cJSON_IsString(it) && strcmp(it->string, "path") &&
                                       strcmp(it->string, "text")) {
            sb_printf(b, " (%s %.16s)", it->string, it->valuestring);
            break;
        }
        const char *text = jstr(sc, "text");
        if (text) {
            int lines = 0;
            for (const char *p = text; *p; p++) lines += *p == '\n';
            lines += *text && text[strlen(text) - 1] != '\n';
            sb_printf(b, ", %d line%s kept", lines, lines == 1 ? "" : "s");
        }
        sb_puts(b, "\n");
    }
    if (jget(x, "dolab")) {
        sb_printf(b, "  dolab       %s", jstr(x, "dolab.version") ? jstr(x, "dolab.version") : "?");
        if (jstr(x, "dolab.commit")) sb_printf(b, " (commit %s)", jstr(x, "dolab.commit"));
        sb_puts(b, "\n");
    }
    if (jstr(x, "checkpoint")) sb_printf(b, "  checkpoint  %s\n", jstr(x, "checkpoint"));
    if (!isnan(jnum(x, "wall_seconds"))) {
        sb_printf(b, "  wall time   %.1f s", jnum(x, "wall_seconds"));
        if (!isnan(jnum(x, "cores"))) sb_printf(b, " on %.0f cores", jnum(x, "cores"));
        sb_puts(b, "\n");
    }
    show_config(b, jget(x, "config"));
    show_training(b, jget(x, "training"));
    show_eval(b, x);
}

static void show_entry(SB *b, const cJSON *x) {
    const char *type = entry_type(x);
    if (strcmp(type, "run") == 0) {
        show_run(b, x);
    } else if (strcmp(type, "note") == 0) {
        sb_printf(b, "note %ld, %s\n\n%s\n", entry_id(x), jstr(x, "time") ? jstr(x, "time") : "?",
                  jstr(x, "text") ? jstr(x, "text") : "");
    } else if (strcmp(type, "session") == 0) {
        const cJSON *ev = jget(x, "events"), *it;
        sb_printf(b, "session %ld, %s: %d events\n", entry_id(x), jstr(x, "time") ? jstr(x, "time") : "?",
                  cJSON_GetArraySize(ev));
        cJSON_ArrayForEach(it, ev) {
            sb_puts(b, "  ");
            put_json(b, it);
            sb_puts(b, "\n");
        }
    } else {
        char *s = cJSON_Print(x);
        if (s) sb_printf(b, "%s\n", s);
        else b->oom = 1;
        free(s);
    }
}

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
    put_json(out, a);
    sb_puts(out, " -> ");
    put_json(out, b);
    sb_puts(out, "\n");
    return 1;
}

static const cJSON *find_named(const cJSON *list, const char *name) {
    const cJSON *it;
    cJSON_ArrayForEach(it, list) {
        const char *n = jstr(it, "name");
        if (n && name && strcmp(n, name) == 0) return it;
    }
    return NULL;
}

static void ci_of(const cJSON *row, double *lo, double *hi) {
    const cJSON *ci = jget(row, "ci95");
    *lo = jnum(cJSON_GetArrayItem(ci, 0), "");
    *hi = jnum(cJSON_GetArrayItem(ci, 1), "");
}

static void compare_row(SB *b, const char *name, const cJSON *ra, const cJSON *rb, int *disjoint) {
    sb_puts(b, "  ");
    put_cols(b, name, 10, 1);
    sb_puts(b, " ");
    if (ra) put_reward_ci(b, ra);
    else sb_printf(b, "%-24s", "-");
    if (rb) put_reward_ci(b, rb);
    else sb_printf(b, "%-24s", "-");
    if (ra && rb) {
        double d = jnum(rb, "mean_normalised_reward") - jnum(ra, "mean_normalised_reward");
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
    if (jnum(sa, "episodes") != jnum(sb_, "episodes"))
        sb_printf(b, " %.0f vs %.0f episodes\n", jnum(sa, "episodes"), jnum(sb_, "episodes"));
    else
        sb_printf(b, " %.0f episodes each\n", jnum(sa, "episodes"));
    char ha[32], hb[32];
    snprintf(ha, sizeof ha, "run %ld", ia);
    snprintf(hb, sizeof hb, "run %ld", ib);
    sb_printf(b, "  %-10s %-24s%-24s%s\n", "strategy", ha, hb, "difference");
    const cJSON *ra, *la = jget(sa, "strategies"), *lb = jget(sb_, "strategies");
    cJSON_ArrayForEach(ra, la) {
        const char *n = jstr(ra, "name");
        compare_row(b, n ? n : "?", ra, find_named(lb, n), disjoint);
    }
    const cJSON *rb;
    cJSON_ArrayForEach(rb, lb) {
        const char *n = jstr(rb, "name");
        if (!find_named(la, n)) compare_row(b, n ? n : "?", NULL, rb, disjoint);
    }
}

static void compare_runs(SB *b, const cJSON *x, const cJSON *y) {
    long ix = entry_id(x), iy = entry_id(y);
    sb_printf(b, "run %ld: %s\nrun %ld: %s\n\nconfiguration differences (run %ld -> run %ld):\n", ix, run_title(x), iy,
              run_title(y), ix, iy);
    int n = diff_json(b, "", jget(x, "config"), jget(y, "config"));
    /* what else shapes a run: its seed, its script and the dolab that ran it */
    n += diff_json(b, "seed", jget(x, "seed"), jget(y, "seed"));
    const cJSON *sx = jget(x, "script"), *sy = jget(y, "script"), *it;
    char path[160];
    cJSON_ArrayForEach(it, sx) if (it->string && strcmp(it->string, "text")) {
        snprintf(path, sizeof path, "script.%s", it->string);
        n += diff_json(b, path, it, cJSON_GetObjectItemCaseSensitive(sy, it->string));
    }
    cJSON_ArrayForEach(it, sy) if (it->string && strcmp(it->string, "text") && !jget(sx, it->string)) {
        snprintf(path, sizeof path, "script.%s", it->string);
        n += diff_json(b, path, NULL, it);
    }
    const char *tx = jstr(sx, "text"), *ty = jstr(sy, "text");
    if ((tx || ty) && (!tx || !ty || strcmp(tx, ty))) {
        sb_puts(b, "  script.text: differs\n");
        n++;
    }
    n += diff_json(b, "dolab", jget(x, "dolab"), jget(y, "dolab"));
    if (!n) sb_puts(b, "  (none)\n");
    sb_printf(b, "\nresults (mean normalised reward [95%% CI]; difference = run %ld - run %ld):\n", iy, ix);
    sx = jget(x, "eval.sets");
    sy = jget(y, "eval.sets");
    const cJSON *s;
    if (!cJSON_GetArraySize(sx) && !cJSON_GetArraySize(sy)) {
        sb_puts(b, "  neither run was evaluated\n");
        return;
    }
    int disjoint = 0;
    cJSON_ArrayForEach(s, sx) {
        const char *name = jstr(s, "name");
        compare_set(b, name ? name : "?", s, find_named(sy, name), ix, iy, &disjoint);
    }
    cJSON_ArrayForEach(s, sy) {
        const char *name = jstr(s, "name");
        if (!find_named(sx, name)) compare_set(b, name ? name : "?", NULL, s, ix, iy, &disjoint);
    }
    if (disjoint) sb_puts(b, "\n* the two 95% CIs do not overlap\n");
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

static int is_action(const char *s) { return !strcmp(s, "show") || !strcmp(s, "compare") || !strcmp(s, "note"); }

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
                    entry_id(nb_entry(nb, 0)), entry_id(nb_entry(nb, nb_count(nb) - 1)));
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
        printf("note %ld added to %s\n", entry_id(nb_entry(nb, nb_count(nb) - 1)), path);
    }
    nb_free(nb);
    return rc;
}

int cmd_notebook(int argc, char **argv) {
    ArgCmd cmd = {"notebook", "dolab notebook [FILE] [show N | compare N M | note TEXT...]",
                  "Lists the entries of a notebook (runs, notes, sessions), one line each with the headline\n"
                  "results of runs; shows one entry; compares two runs (configuration differences, then the\n"
                  "result tables side by side); or adds a note (TEXT '-' reads it from standard input).\n"
                  "FILE defaults to $DOLAB_NOTEBOOK, else notebook.json in the current folder.",
                  NULL, 0, 0, 256,
                  "examples:\n  dolab notebook\n  dolab notebook runs.json show 3\n  dolab notebook compare 1 2\n"
                  "  dolab notebook note \"held-out reward drops with 4 layers\"\n  echo text | dolab notebook note -\n"};
    char *pos[256];
    int npos;
    int rc = args_or_exit(&cmd, argc, argv, pos, &npos);
    if (rc >= 0) return rc;
    const char *path = default_notebook();
    int i = 0;
    if (npos > 0 && !is_action(pos[0])) path = pos[i++];
    if (i < npos && !is_action(pos[i])) {
        struct stat st;
        /* "dolab notebook shwo 3": the misspelt action is the first word, not a file */
        const char *bad = i == 1 && stat(pos[0], &st) != 0 ? pos[0] : pos[i];
        return usage_error("unknown action '%s' (expected show, compare or note; see dolab notebook --help)", bad);
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
        rc = emit(&b, "notebook");
        sb_free(&b);
        nb_free(nb);
        return rc;
    }
    const char *action = pos[i++];
    int nargs = npos - i;
    char **args = pos + i;
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
        if (strcmp(entry_type(x[k]), "run") != 0) {
            fprintf(stderr, "dolab notebook: compare: entry %ld is a %s, not a run\n", ids[k], entry_type(x[k]));
            rc = 1;
        }
    if (rc == 0) {
        SB b = {0};
        if (want == 1)
            show_entry(&b, x[0]);
        else
            compare_runs(&b, x[0], x[1]);
        rc = emit(&b, "notebook");
        sb_free(&b);
    }
    nb_free(nb);
    return rc;
}

/* ---- dolab export --------------------------------------------------------------------------- */

static void csv_field(SB *b, const char *s) {
    if (strpbrk(s, ",\"\r\n")) {
        sb_puts(b, "\"");
        for (const char *p = s; *p; p++) sb_puts(b, *p == '"' ? "\"\"" : (char[]){*p, 0});
        sb_puts(b, "\"");
    } else {
        sb_puts(b, s);
    }
}

static void csv_num(SB *b, const cJSON *v) {
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) put_exact(b, v->valuedouble);
}

static void export_csv(SB *b, const Notebook *nb) {
    sb_puts(b, "run_id,title,seed,set,strategy,episodes,mean,ci_lo,ci_hi,oracle_share,explored_share\n");
    for (int i = 0; i < nb_count(nb); i++) {
        const cJSON *x = nb_entry(nb, i), *set;
        if (strcmp(entry_type(x), "run") != 0) continue;
        cJSON_ArrayForEach(set, jget(x, "eval.sets")) {
            const cJSON *row;
            cJSON_ArrayForEach(row, jget(set, "strategies")) {
                sb_printf(b, "%ld,", entry_id(x));
                csv_field(b, jstr(x, "title") ? jstr(x, "title") : "");
                sb_puts(b, ",");
                if (jget(x, "seed")) put_seed(b, jget(x, "seed"));
                sb_puts(b, ",");
                csv_field(b, jstr(set, "name") ? jstr(set, "name") : "");
                sb_puts(b, ",");
                csv_field(b, jstr(row, "name") ? jstr(row, "name") : "");
                sb_puts(b, ",");
                csv_num(b, jget(set, "episodes"));
                sb_puts(b, ",");
                csv_num(b, jget(row, "mean_normalised_reward"));
                sb_puts(b, ",");
                csv_num(b, cJSON_GetArrayItem(jget(row, "ci95"), 0));
                sb_puts(b, ",");
                csv_num(b, cJSON_GetArrayItem(jget(row, "ci95"), 1));
                sb_puts(b, ",");
                csv_num(b, jget(row, "oracle_action_share"));
                sb_puts(b, ",");
                csv_num(b, jget(row, "explored_once_share"));
                sb_puts(b, "\n");
            }
        }
    }
}

static void export_jsonl(SB *b, const Notebook *nb) {
    for (int i = 0; i < nb_count(nb); i++) {
        put_json(b, nb_entry(nb, i));
        sb_puts(b, "\n");
    }
}

int cmd_export(int argc, char **argv) {
    int csv = 0, jsonl = 0;
    const char *out = NULL;
    ArgOpt opts[] = {
        {"--csv", ARG_FLAG, &csv, 0, 0, NULL, NULL,
         "one row per run, evaluation set and strategy (run_id,title,seed,set,strategy,episodes,mean,ci_lo,ci_hi,"
         "oracle_share,explored_share)"},
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
    const char *path = npos ? pos[0] : default_notebook();
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
        rc = emit(&text, "export");
    }
    sb_free(&text);
    return rc;
}

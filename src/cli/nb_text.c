/* nb_text — text helpers shared by the notebook commands (see nb_text.h). */
#include "cli/nb_text.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notebook/nb_entry.h"
#include "util/jsonu.h"

const char *nt_default_notebook(void) {
    const char *p = getenv("DOLAB_NOTEBOOK");
    return p && *p ? p : "notebook.json";
}

int nt_utf8_len(unsigned char c) { return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1; }

/* s on one line in at most width characters (… when cut), padded to width when pad is set. */
void nt_cols(SB *b, const char *s, int width, int pad) {
    int total = 0;
    for (const char *p = s; *p; p += nt_utf8_len((unsigned char)*p)) total++;
    int cols = 0;
    for (const char *p = s; *p && cols < width; cols++) {
        if (total > width && cols == width - 1) {
            sb_puts(b, "…");
            cols++;
            break;
        }
        int n = nt_utf8_len((unsigned char)*p);
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
void nt_wrapped(SB *b, const char *s, const char *indent, int width) {
    while (*s) {
        while (*s == ' ') s++;
        const char *p = s, *cut = NULL;
        int cols = 0;
        for (; *p && *p != '\n' && cols < width; p += nt_utf8_len((unsigned char)*p), cols++)
            if (*p == ' ') cut = p;
        if (!*p || *p == '\n' || !cut) cut = p;
        sb_puts(b, indent);
        sb_putn(b, s, (size_t)(cut - s));
        sb_puts(b, "\n");
        s = *cut == '\n' ? cut + 1 : cut;
    }
}

/* "2026-11-03T12:34:56Z" -> "2026-11-03 12:34" (times are UTC); anything else as it is. */
void nt_time(SB *b, const char *t) {
    if (t && strlen(t) >= 16 && t[10] == 'T') {
        sb_printf(b, "%.10s %.5s", t, t + 11);
        return;
    }
    nt_cols(b, t ? t : "", 16, 1);
}

/* A number for people: integers without decimals, else 4 significant digits. */
void nt_num(SB *b, double x) {
    if (isnan(x))
        sb_puts(b, "?");
    else if (x == floor(x) && fabs(x) < 1e15)
        sb_printf(b, "%.0f", x);
    else
        sb_printf(b, "%.4g", x);
}

/* Shortest text that reads back as the same double. */
void nt_exact(SB *b, double x) {
    char s[40];
    snprintf(s, sizeof s, "%.15g", x);
    if (strtod(s, NULL) != x) snprintf(s, sizeof s, "%.17g", x);
    sb_puts(b, s);
}

void nt_seed(SB *b, const cJSON *v) {
    uint64_t u;
    if (ju_get_u64(v, "seed", &u, NULL) == 0) sb_printf(b, "%" PRIu64, u);
    else sb_puts(b, "?");
}

void nt_csv_field(SB *b, const char *s) {
    if (strpbrk(s, ",\"\r\n")) {
        sb_puts(b, "\"");
        for (const char *p = s; *p; p++) sb_puts(b, *p == '"' ? "\"\"" : (char[]){*p, 0});
        sb_puts(b, "\"");
    } else {
        sb_puts(b, s);
    }
}

void nt_json(SB *b, const cJSON *v) {
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
int nt_emit(SB *b, const char *cmd) {
    if (b->oom) {
        fprintf(stderr, "dolab %s: out of memory\n", cmd);
        return 1;
    }
    if (b->len && fwrite(b->s, 1, b->len, stdout) != b->len) return 1;
    return fflush(stdout) ? 1 : 0;
}

static const char *const spark_levels[8] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

void nt_spark_values(SB *b, const double *v, int n, int width) {
    if (width > 128) width = 128;
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
}

int nt_sparkline(SB *b, const cJSON *curve, int col, int width, double *first, double *last) {
    int total = cJSON_GetArraySize(curve);
    double *v = malloc(sizeof *v * (size_t)(total ? total : 1));
    if (!v) return 0;
    int n = nbe_curve(curve, col, NULL, v, total);
    if (n) {
        *first = v[0];
        *last = v[n - 1];
        nt_spark_values(b, v, n, width);
    }
    free(v);
    return n;
}

void nt_reward_ci(SB *b, const cJSON *row) {
    const cJSON *ci = nbe_get(row, "ci95");
    char s[64];
    if (cJSON_GetArraySize(ci) == 2)
        snprintf(s, sizeof s, "%.3f [%.3f, %.3f]", nbe_num(row, "mean_normalised_reward"),
                 nbe_num(cJSON_GetArrayItem(ci, 0), ""), nbe_num(cJSON_GetArrayItem(ci, 1), ""));
    else
        snprintf(s, sizeof s, "%.3f", nbe_num(row, "mean_normalised_reward"));
    sb_printf(b, "%-24s", s);
}

/* Tests of the World pane's DAG (src/tui/tui_dag.c through tui_world.c): every edge's weight
 * and sign legible at 80x24, 120x36 and 200x50, on the edge or in the list beside it; signs
 * told apart by line style, not only by colour; the drawing uses a big pane's rows.  The tmux
 * check is in tests/cli/test_tui_world.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "tui/tui.h"
#include "tui/tui_canvas.h"
#include "tui/tui_dag.h"
#include "tui/tui_theme.h"
#include "util/rng.h"

/* The world of issue 8 (the default held-out world at seed 1): 6 edges, 3 were labelled. */
#define ISSUE8_WORLD                                                                                      \
    ":world = lab.world{variables = 5, edges = {{'A','B',-0.61}, {'A','D',-0.94}, {'A','E',-0.83}, "      \
    "{'B','D',-0.58}, {'B','E',0.97}, {'D','E',-1.23}}}<enter>"
static const char *const issue8_labels[] = {"-0.6", "-0.9", "-0.8", "-0.6", "+1.0", "-1.2"};

static char *run(const char *keys, int w, int h, const char *theme, int no_color) {
    TuiOptions o = {.no_model = 1, .notebook = "/dev/null/none.json", .theme = theme, .no_color = no_color,
                    .seed = 1, .w = w, .h = h, .version = "test", .commit = "test"};
    SB out = {0};
    Err e;
    if (tui_headless(&o, keys, (int)strlen(keys) + 1, &out, &e)) {
        fprintf(stderr, "headless: %s\n", e.msg);
        sb_free(&out);
        return strdup("");
    }
    return out.s ? out.s : strdup("");
}

/* The World pane of a screen (top left, w/2 columns, down to its bottom border), as text. */
static char *world_pane(const char *screen, int w) {
    SB b = {0};
    const char *p = screen;
    for (int row = 0; *p; row++) {
        const char *end = strchr(p, '\n');
        if (!end) end = p + strlen(p);
        const char *q = p;
        int first = 1;
        for (int col = 0; col < w / 2 && q < end; col++) {
            const char *c0 = q;
            uint32_t cp = tui_utf8_next(&q);
            if (col == 0 && row > 0 && cp == 0x2514) first = -1; /* └: the bottom border */
            sb_putn(&b, c0, (size_t)(q - c0));
        }
        sb_puts(&b, "\n");
        if (first < 0) break;
        p = *end ? end + 1 : end;
    }
    return b.s ? b.s : strdup("");
}

static int count_of(const char *s, const char *what) {
    int n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what)) n++;
    return n;
}

/* Every label of the list appears in text as often as it is in the list. */
static int all_labels(const char *text, const char *const *labels, int n, char *why, size_t nwhy) {
    for (int i = 0; i < n; i++) {
        int want = 0;
        for (int j = 0; j < n; j++) want += strcmp(labels[i], labels[j]) == 0;
        int got = count_of(text, labels[i]);
        if (got < want) {
            snprintf(why, nwhy, "%s shown %d times, %d edges have it", labels[i], got, want);
            return 0;
        }
    }
    return 1;
}

/* Regression (issue 8, defect 4): on this world 6 edges existed and 3 (at 80x24: 2) were labelled. */
TEST(test_issue8_world_every_weight) {
    static const int sizes[][2] = {{80, 24}, {120, 36}, {200, 50}};
    for (int k = 0; k < 3; k++) {
        char *s = run(ISSUE8_WORLD, sizes[k][0], sizes[k][1], NULL, 0);
        char *wp = world_pane(s, sizes[k][0]), why[128] = "";
        CHECK(strstr(wp, "edited world"), "%dx%d: the World shows the edited world:\n%s", sizes[k][0], sizes[k][1], wp);
        CHECK(all_labels(wp, issue8_labels, 6, why, sizeof why), "%dx%d: every weight with its sign: %s\n%s",
              sizes[k][0], sizes[k][1], why, wp);
        CHECK(!strstr(wp, "┼"), "%dx%d: no crossing on this world:\n%s", sizes[k][0], sizes[k][1], wp);
        free(wp), free(s);
    }
}

/* The DAG uses a big pane's rows: at 200x50 the boxes span most of the pane's height. */
TEST(test_big_pane_rows) {
    char *s = run(ISSUE8_WORLD, 200, 50, NULL, 0);
    char *wp = world_pane(s, 200);
    int first = -1, last = -1, row = 0;
    for (const char *p = wp; *p; row++) {
        const char *end = strchr(p, '\n');
        if (!end) break;
        if (memchr(p, '[', (size_t)(end - p))) {
            if (first < 0) first = row;
            last = row;
        }
        p = end + 1;
    }
    CHECK(first >= 0 && last - first + 1 >= 20, "at 200x50 the DAG spans %d rows (was 10), want >= 20:\n%s",
          last - first + 1, wp);
    free(wp), free(s);
}

/* The legend and the lines tell the signs apart without colour (mono theme, NO_COLOR). */
TEST(test_sign_without_colour) {
    const char *themes[] = {"mono", NULL};
    for (int t = 0; t < 2; t++) {
        char *s = run(ISSUE8_WORLD, 80, 24, themes[t], t == 1);
        char *wp = world_pane(s, 80);
        const char *pos = strstr(wp, " + "), *neg = strstr(wp, " − ");
        CHECK(pos && neg, "%s: the legend names + and −:\n%s", t ? "NO_COLOR" : "mono", wp);
        if (pos && neg) {
            /* the two cells of line before each sign in the legend differ */
            CHECK(strncmp(pos - 6, neg - 6, 6) != 0, "%s: the legend's + and − lines are different characters: '%.6s' '%.6s'",
                  t ? "NO_COLOR" : "mono", pos - 6, neg - 6);
        }
        CHECK(strstr(wp, "╎") && strstr(wp, "│"), "%s: negative edges dashed, positive solid:\n%s", t ? "NO_COLOR" : "mono", wp);
        free(wp), free(s);
    }
}

/* A world with edges of one sign only: only that sign's line characters. */
TEST(test_line_styles) {
    for (int sign = -1; sign <= 1; sign += 2) {
        Scm g;
        Err e;
        scm_init(&g, 4, 0.1, &e);
        scm_add_edge(&g, 0, 1, sign * 1.0, &e);
        scm_add_edge(&g, 0, 2, sign * 0.7, &e);
        scm_add_edge(&g, 1, 3, sign * 1.3, &e);
        scm_add_edge(&g, 0, 3, sign * 0.9, &e);
        DagSpec sp;
        memset(&sp, 0, sizeof sp);
        sp.g = &g;
        for (int u = 0; u < 4; u++) snprintf(sp.box[u], sizeof sp.box[u], "[%c +0.0]", scm_name(u));
        TuiCanvas c = {0};
        tui_canvas_resize(&c, 40, 16);
        DagResult r;
        CHECK(tui_dag_draw(&c, (TuiRect){0, 0, 16, 40}, &sp, &r) == 0, "drawn");
        SB b = {0};
        tui_canvas_dump(&c, &b);
        const char *txt = sb_str(&b);
        int solid = strstr(txt, "│") || strstr(txt, "─"), dashed = strstr(txt, "╎") || strstr(txt, "╌");
        CHECK(sign > 0 ? solid && !dashed : dashed && !solid, "%s edges drawn %s only:\n%s", sign > 0 ? "positive" : "negative",
              sign > 0 ? "solid" : "dashed", txt);
        CHECK(r.on_edge + r.listed == 4 && r.missing == 0, "every weight shown: %d on edge, %d listed", r.on_edge, r.listed);
        sb_free(&b);
        tui_canvas_free(&c);
    }
}

/* Random worlds at the World pane's DAG region for 80x24, 120x36 and 200x50 (5 and 8
 * variables): every edge's label is on the drawing next to a line, or in the list as
 * "X→Y label"; none is missing (8 variables at 80x24 may need the grid and the full list). */
TEST(test_random_worlds_every_weight) {
    static const int regions[][2] = {{36, 14}, {56, 24}, {96, 36}};
    int bad = 0, worlds = 0;
    for (int k = 0; k < 3; k++)
        for (uint64_t seed = 1; seed <= 40; seed++) {
            ScmParams p = scm_params_default();
            p.n = seed % 4 == 0 ? 8 : 5;
            Rng rng;
            rng_init(&rng, seed, 3);
            Scm g;
            Err e;
            if (scm_random(&g, &p, &rng, &e)) continue;
            DagSpec sp;
            memset(&sp, 0, sizeof sp);
            sp.g = &g;
            for (int u = 0; u < g.n; u++) snprintf(sp.box[u], sizeof sp.box[u], "[%c +0.0]", scm_name(u));
            TuiCanvas c = {0};
            int W = regions[k][0], H = regions[k][1];
            tui_canvas_resize(&c, W, H);
            DagResult r;
            tui_dag_draw(&c, (TuiRect){0, 0, H, W}, &sp, &r);
            SB b = {0};
            tui_canvas_dump(&c, &b);
            worlds++;
            int fail = 0;
            if (r.missing) fail = 1;
            for (int i = 0; i < g.n && !fail; i++)
                for (int j = 0; j < g.n; j++) {
                    if (!scm_has_edge(&g, i, j)) continue;
                    char lab[16], item[40];
                    tui_dag_label(g.w[i][j], lab, sizeof lab);
                    CHECK(lab[0] == '+' || lab[0] == '-', "a sign on every label: %s", lab);
                    if (r.lab_y[i][j] >= 0) {
                        int y = r.lab_y[i][j], x = r.lab_x[i][j], w = (int)strlen(lab);
                        for (int q = 0; q < w; q++)
                            if (tui_char_at(&c, y, x + q) != (uint32_t)(unsigned char)lab[q]) fail = 2;
                        /* beside a line of the drawing (box-drawing characters) */
                        uint32_t l = tui_char_at(&c, y, x - 1), rr = tui_char_at(&c, y, x + w);
                        if (!(l >= 0x2500 && l <= 0x257F) && !(rr >= 0x2500 && rr <= 0x257F)) fail = 3;
                    } else {
                        snprintf(item, sizeof item, "%c→%c %s", scm_name(i), scm_name(j), lab);
                        if (!strstr(sb_str(&b), item)) fail = 4;
                    }
                }
            if (fail && bad++ < 3)
                fprintf(stderr, "region %dx%d seed %llu (%d variables): failure %d\n%s", W, H, (unsigned long long)seed, p.n,
                        fail, sb_str(&b));
            sb_free(&b);
            tui_canvas_free(&c);
        }
    CHECK(bad == 0, "%d of %d random worlds lost a weight", bad, worlds);
}

/* The whole TUI at 80x24 on random worlds drawn with r: every weight in the World pane. */
TEST(test_tui_random_worlds) {
    for (int seed = 1; seed <= 6; seed++) {
        char keys[600];
        snprintf(keys, sizeof keys,
                 ":world = lab.world{variables = 5, seed = %d}; local t = {}; for _, e in ipairs(world:edges()) do "
                 "t[#t + 1] = string.format('%%s%%s%%+.1f', e[1], e[2], e[3]) end; print(table.concat(t, ' '))<enter>",
                 seed);
        char *s = run(keys, 80, 24, NULL, 0);
        /* the edges the command printed, from the Log: "AB+1.2 AC-0.7 ..." */
        char *wp = world_pane(s, 80);
        const char *log = strstr(s, "┌ Log");
        char labels[32][8];
        int nl = 0;
        for (const char *p = log; p && *p && nl < 32; p++)
            if (p[0] >= 'A' && p[0] <= 'E' && p[1] >= 'A' && p[1] <= 'E' && (p[2] == '+' || p[2] == '-') && p[3] >= '0' &&
                p[3] <= '9' && p[4] == '.') {
                snprintf(labels[nl++], 8, "%.4s", p + 2);
                p += 5;
            }
        const char *ptr[32];
        for (int i = 0; i < nl; i++) ptr[i] = labels[i];
        char why[128] = "";
        CHECK(nl > 0, "seed %d: the command listed the edges:\n%s", seed, s);
        CHECK(all_labels(wp, ptr, nl, why, sizeof why), "seed %d: %s\n%s", seed, why, wp);
        free(wp), free(s);
    }
}

int main(void) {
    RUN(test_issue8_world_every_weight);
    RUN(test_big_pane_rows);
    RUN(test_sign_without_colour);
    RUN(test_line_styles);
    RUN(test_random_worlds_every_weight);
    RUN(test_tui_random_worlds);
    return TEST_SUMMARY();
}

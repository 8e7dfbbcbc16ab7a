/* Tests of the TUI's lesson mode without a terminal: every shipped lesson walked from its first
 * step to its last with every question answered and revealed, the class's place and answers
 * saved and resumed, the tally prompt, and the presenter layout growing on a big screen.
 * tests/cli/test_lessons.sh drives the same through tmux. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notebook/notebook.h"
#include "script/lesson.h"
#include "test.h"
#include "tui/tui_internal.h"

static char dir[] = "/tmp/dolab-tui-lesson-XXXXXX";
static char nbfile[256];

static Lesson *load(const char *path) {
    Err e;
    Lesson *l = malloc(sizeof *l);
    Lab *lab = lab_new(NULL, "lua", NULL, &e);
    int rc = lab ? lab_load_lesson(lab, path, l, &e) : -1;
    lab_free(lab);
    CHECK(rc == 0, "%s loads: %s", path, e.msg);
    if (rc) {
        free(l);
        return NULL;
    }
    return l;
}

static App *open_app(const Lesson *l, const char *path, const char *model) {
    TuiOptions o = {.model = model, .no_model = !model, .notebook = nbfile, .seed = 1, .version = "test",
                    .commit = "test", .lesson = l, .lesson_path = path};
    App *a = malloc(sizeof *a);
    Err e;
    if (app_init(a, &o, 1, &e)) {
        CHECK(0, "%s: app_init: %s", path, e.msg);
        free(a);
        return NULL;
    }
    return a;
}

static void close_app(App *a) {
    app_free(a);
    free(a);
}

/* A key, then a frame drawn; the status line must not say an error (unless allowed). */
static int key(App *a, TuiCanvas *c, int k, const char *allow) {
    int r = app_key(a, k);
    tui_render(a, c);
    if (a->msg_error && a->msg[0] && !(allow && strstr(a->msg, allow)))
        CHECK(0, "key '%c' on step %d: error: %s", k < 128 ? k : '?', a->lstep + 1, a->msg);
    return r;
}

/* Walks lesson path from its first step to its last: two votes and the reveal on every question. */
static void walk(const char *path) {
    Lesson *l = load(path);
    if (!l) return;
    CHECK(l->n_steps >= 5 && l->n_steps <= 12, "%s: %d steps (a shipped lesson has 5 to 12)", path, l->n_steps);
    unlink(nbfile);
    const char *model = access("models/default.ckpt", R_OK) == 0 ? "models/default.ckpt" : NULL;
    char lm[512] = "";
    if (l->model[0] && access(l->model, R_OK) == 0) snprintf(lm, sizeof lm, "%s", l->model);
    if (l->model[0]) model = lm[0] ? lm : NULL;
    /* a model step whose checkpoint is not made here may say so, and only that */
    const char *allow = model ? NULL : "no model is loaded";
    App *a = open_app(l, path, model);
    if (!a) {
        free(l);
        return;
    }
    TuiCanvas c = {0};
    tui_canvas_resize(&c, 100, 30);
    tui_render(a, &c);
    CHECK(a->lstep == 0 && !a->msg_error, "%s opens at its first step: %s", path, a->msg);
    int questions = 0;
    for (int i = 0; i < l->n_steps; i++) {
        CHECK(a->lstep == i, "%s: at step %d", path, i + 1);
        const LessonStep *s = &l->step[i];
        SB screen = {0};
        tui_canvas_dump(&c, &screen);
        char title[40];
        snprintf(title, sizeof title, "%d/%d", i + 1, l->n_steps);
        CHECK(strstr(sb_str(&screen), title) != NULL, "%s: the Lesson pane says %s", path, title);
        sb_free(&screen);
        if (a->live_ok && s->action == LA_PLAY && (model || strcmp(s->actor, "model") != 0)) {
            EpPhase want = s->question == LQ_ACTIONS ? EP_EXPLOIT : EP_DONE;
            CHECK(ep_phase(&a->live.view) == want, "%s step %d: played by %s up to %s", path, i + 1, s->actor,
                  want == EP_EXPLOIT ? "the exploit" : "the end");
        }
        if (s->question != LQ_NONE) {
            questions++;
            key(a, &c, '1', allow);
            key(a, &c, '2', allow);
            CHECK(a->ltally[i][0] == 1 && a->ltally[i][1] == 1, "%s step %d: two votes", path, i + 1);
            key(a, &c, 'r', allow);
            CHECK(a->lrevealed[i], "%s step %d: revealed", path, i + 1);
            if (s->question == LQ_ACTIONS && s->action == LA_PLAY && (model || strcmp(s->actor, "model") != 0))
                CHECK(ep_phase(&a->live.view) == EP_DONE, "%s step %d: the reveal makes the exploit", path, i + 1);
        }
        if (i + 1 < l->n_steps) key(a, &c, 'n', allow);
    }
    CHECK(key(a, &c, 'q', allow) & TUI_QUIT, "%s: q quits", path);
    close_app(a);
    /* the notebook has the class's place and answers */
    Notebook *nb;
    Err e;
    CHECK(nb_open(nbfile, &nb, &e) == 0 && nb_count(nb) == 1, "%s: one session entry saved", path);
    const cJSON *les = cJSON_GetObjectItemCaseSensitive(nb_entry(nb, 0), "lesson");
    const cJSON *step = cJSON_GetObjectItemCaseSensitive(les, "step");
    CHECK(cJSON_IsNumber(step) && step->valueint == l->n_steps, "%s: saved at the last step", path);
    const cJSON *qs = cJSON_GetObjectItemCaseSensitive(les, "questions");
    CHECK(cJSON_GetArraySize(qs) == questions, "%s: every question saved", path);
    const cJSON *q;
    cJSON_ArrayForEach(q, qs) CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(q, "revealed")), "%s: revealed", path);
    nb_free(nb);
    tui_canvas_free(&c);
    free(l);
}

TEST(test_every_shipped_lesson_walks) {
    DIR *d = opendir("experiments/lessons");
    CHECK(d != NULL, "experiments/lessons is there");
    if (!d) return;
    char names[32][300];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 32) {
        size_t len = strlen(de->d_name);
        if (len > 4 && strcmp(de->d_name + len - 4, ".lua") == 0)
            snprintf(names[n++], sizeof names[0], "experiments/lessons/%.255s", de->d_name);
    }
    closedir(d);
    CHECK(n >= 6, "at least six shipped lessons (%d)", n);
    for (int i = 0; i < n; i++) walk(names[i]);
}

TEST(test_answers_are_kept_and_resumed) {
    const char *path = "experiments/lessons/01_intervention.lua";
    Lesson *l = load(path);
    if (!l) return;
    unlink(nbfile);
    int qstep = -1;
    for (int i = 0; i < l->n_steps && qstep < 0; i++)
        if (l->step[i].question == LQ_CHOICE) qstep = i;
    CHECK(qstep >= 0, "the lesson has a choice question");
    if (qstep < 0) {
        free(l);
        return;
    }
    App *a = open_app(l, path, NULL);
    TuiCanvas c = {0};
    tui_canvas_resize(&c, 100, 30);
    while (a->lstep < qstep) key(a, &c, 'n', NULL);
    const LessonStep *s = &l->step[qstep];
    /* the c prompt: counts (OPTION:N), then single choices by number */
    key(a, &c, 'c', NULL);
    CHECK(a->prompt == PR_TALLY, "c opens the answers prompt");
    for (const char *p = "1:3 2:4"; *p; p++) key(a, &c, *p, NULL);
    key(a, &c, TK_ENTER, NULL);
    CHECK(a->ltally[qstep][0] == 3 && a->ltally[qstep][1] == 4, "counts typed: %d %d", a->ltally[qstep][0], a->ltally[qstep][1]);
    key(a, &c, 'c', NULL);
    for (const char *p = "2 1"; *p; p++) key(a, &c, *p, NULL);
    key(a, &c, TK_ENTER, NULL);
    CHECK(a->ltally[qstep][0] == 4 && a->ltally[qstep][1] == 5, "choices typed add one each: %d %d", a->ltally[qstep][0],
          a->ltally[qstep][1]);
    key(a, &c, 'c', NULL);
    for (const char *p = "nonsense"; *p; p++) key(a, &c, *p, NULL);
    app_key(a, TK_ENTER);
    CHECK(a->msg_error && strstr(a->msg, "'nonsense' is not an option"), "a wrong answer is named: %s", a->msg);
    (void)s;
    CHECK(a->ltally[qstep][0] == 4, "and nothing is added");
    key(a, &c, 'r', NULL);
    SB screen = {0};
    tui_canvas_dump(&c, &screen);
    CHECK(strstr(sb_str(&screen), "◀ the answer") != NULL, "the reveal marks the answer");
    sb_free(&screen);
    key(a, &c, 'W', NULL);
    CHECK(strstr(a->msg, "saved at step"), "W saves: %s", a->msg);
    close_app(a);
    /* next lesson: where the class was, with its answers */
    a = open_app(l, path, NULL);
    CHECK(a->lstep == qstep && a->ltally[qstep][0] == 4 && a->ltally[qstep][1] == 5 && a->lrevealed[qstep],
          "resumed at step %d with the answers (%d, %d)", a->lstep + 1, a->ltally[qstep][0], a->ltally[qstep][1]);
    CHECK(strstr(a->msg, "resumed at step"), "and says so: %s", a->msg);
    close_app(a);
    tui_canvas_free(&c);
    free(l);
}

/* The rows from the top box to the bottom box of the DAG, on a w x h screen. */
static int dag_rows(const Lesson *l, const char *path, int step, int w, int h, int *width) {
    unlink(nbfile);
    App *a = open_app(l, path, NULL);
    if (!a) return -1;
    TuiCanvas c = {0};
    tui_canvas_resize(&c, w, h);
    while (a->lstep < step) app_key(a, 'n');
    tui_render(a, &c);
    int lo = 1 << 30, hi = -1, left = 1 << 30, right = -1;
    for (int u = 0; u < l->step[a->lstep].world.n; u++) {
        if (a->node_y[u] < 0) continue;
        if (a->node_y[u] < lo) lo = a->node_y[u];
        if (a->node_y[u] > hi) hi = a->node_y[u];
        if (a->node_x[u] < left) left = a->node_x[u];
        if (a->node_x[u] + a->node_w > right) right = a->node_x[u] + a->node_w;
    }
    *width = right - left;
    tui_canvas_free(&c);
    close_app(a);
    return hi - lo;
}

TEST(test_presenter_layout_grows) {
    const char *path = "experiments/lessons/02_correlation.lua";
    Lesson *l = load(path);
    if (!l) return;
    int st = 0; /* the first step that draws the structure */
    while (st + 1 < l->n_steps && !(l->step[st].show & LS_STRUCTURE)) st++;
    int w_small, w_big;
    int small = dag_rows(l, path, st, 80, 24, &w_small), big = dag_rows(l, path, st, 200, 50, &w_big);
    CHECK(small > 0 && big >= 2 * small, "the DAG is taller at 200x50 (%d rows) than at 80x24 (%d rows)", big, small);
    CHECK(w_big > w_small, "and wider (%d against %d columns)", w_big, w_small);
    free(l);
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    snprintf(nbfile, sizeof nbfile, "%s/nb.json", dir);
    RUN(test_every_shipped_lesson_walks);
    RUN(test_answers_are_kept_and_resumed);
    RUN(test_presenter_layout_grows);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) return 1;
    return TEST_SUMMARY();
}

/* dolab lesson FILE.lua: a classroom lesson in the TUI's lesson mode, or its handout
 * (Markdown + HTML, the worlds drawn by Graphviz) with --handout DIR. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/handout.h"
#include "cli/version.h"
#include "script/lesson.h"
#include "tui/tui.h"
#include "util/fileio.h"

/* The checkpoint a lesson asks for: as written, else among dolab's data (models/...). */
static int lesson_model_path(const Lesson *l, char *out, size_t n) {
    if (!l->model[0]) return 0;
    if (access(l->model, R_OK) == 0) {
        snprintf(out, n, "%s", l->model);
        return 1;
    }
    return l->model[0] != '/' && fio_data_path(NULL, l->model, out, n) && access(out, R_OK) == 0;
}

int cmd_lesson(int argc, char **argv) {
    const char *model = NULL, *theme = NULL, *notebook = NULL, *keys = NULL, *size = NULL, *handout = NULL;
    int frames = 0, no_model = 0, w = 100, h = 30;
    ArgOpt opts[] = {
        {"--handout", ARG_STRING, &handout, 0, 0, NULL, "DIR", "write the handout to DIR: Markdown, HTML and an SVG of the world per step"},
        {"--model", ARG_STRING, &model, 0, 0, NULL, "FILE", "checkpoint (default: the lesson's, else models/default.ckpt)"},
        {"--no-model", ARG_FLAG, &no_model, 0, 0, NULL, NULL, "no model (steps that show it say so)"},
        {"--theme", ARG_STRING, &theme, 0, 0, NULL, "NAME", "dark (default), light, high-contrast, mono, projector"},
        {"--notebook", ARG_STRING, &notebook, 0, 0, NULL, "FILE", "where the class's place and answers go (default notebook.json)"},
        {"--headless", ARG_STRING, &keys, 0, 0, NULL, "KEYS", "no terminal: play KEYS, print the last frame as text"},
        {"--frames", ARG_INT, &frames, 1, 1000000, NULL, "N", "headless: frames to draw (default: one per key + 1)"},
        {"--size", ARG_STRING, &size, 0, 0, NULL, "WxH", "headless: screen size (default 100x30)"},
    };
    ArgCmd cmd = {"lesson", "dolab lesson FILE.lua [options]",
                  "Opens a classroom lesson (a Lua script returning lab.lesson{...}) in the TUI's lesson mode:\n"
                  "narration, the world, a question for the class, the tally of their answers and the reveal.\n"
                  "n/p walk the steps; the class's place and answers are saved in the notebook and resumed.\n"
                  "docs/teaching.md is the guide; experiments/lessons/ has the shipped lessons.",
                  opts, (int)(sizeof opts / sizeof *opts), 1, 1,
                  "examples:\n  dolab lesson experiments/lessons/01_intervention.lua --theme projector\n"
                  "  dolab lesson experiments/lessons/02_correlation.lua --handout handout/\n"};
    char *pos[1];
    int npos;
    Err e;
    int rc = args_or_exit(&cmd, argc, argv, pos, &npos);
    if (rc >= 0) return rc;
    char script[1200];
    snprintf(script, sizeof script, "%s", pos[0]);
    if (access(pos[0], F_OK) != 0 && pos[0][0] != '/') fio_data_path(NULL, pos[0], script, sizeof script);
    Lesson *les = malloc(sizeof *les);
    Lab *lab = les ? lab_new(NULL, NULL, NULL, &e) : NULL;
    if (!les || !lab || lab_load_lesson(lab, script, les, &e)) {
        fprintf(stderr, "dolab lesson: %s\n", les ? e.msg : "out of memory");
        lab_free(lab);
        free(les);
        return 1;
    }
    lab_free(lab);
    char lmodel[1200];
    int no_lesson_model = 0;
    if (!model && !no_model && les->model[0]) {
        if (lesson_model_path(les, lmodel, sizeof lmodel)) model = lmodel;
        else no_lesson_model = 1; /* not the shipped model in its place: the steps say how to make it */
    }
    if (no_lesson_model)
        fprintf(stderr, "dolab lesson: %s is not there%s%s: the model's parts are left out\n", les->model,
                les->model_hint[0] ? "; " : "", les->model_hint);
    if (handout) {
        HandoutOptions ho = {.out_dir = handout, .script = pos[0], .model = model, .no_model = no_model || no_lesson_model};
        char summary[2048];
        rc = handout_write(les, &ho, summary, sizeof summary, &e);
        if (rc) fprintf(stderr, "dolab lesson: %s\n", e.msg);
        else fputs(summary, stdout);
        free(les);
        return rc ? 1 : 0;
    }
    TuiOptions o = {.model = model, .no_model = no_model || no_lesson_model, .theme = theme, .notebook = notebook,
                    .seed = 1, .version = DOLAB_VERSION, .commit = dolab_commit(), .lesson = les, .lesson_path = script};
    const char *nc = getenv("NO_COLOR");
    o.no_color = nc && *nc;
    if (args_size("lesson", size, &w, &h)) {
        free(les);
        return 2;
    }
    if (keys || frames) {
        o.w = w, o.h = h;
        SB out = {0};
        if (!keys) keys = "";
        if (!frames) frames = (int)strlen(keys) + 1;
        rc = tui_headless(&o, keys, frames, &out, &e);
        if (rc) fprintf(stderr, "dolab lesson: %s\n", e.msg);
        else fputs(sb_str(&out), stdout);
        sb_free(&out);
        free(les);
        return rc ? 1 : 0;
    }
    if (!isatty(1) || !isatty(0)) {
        fprintf(stderr, "dolab lesson: needs a terminal (or --headless KEYS, or --handout DIR)\n");
        free(les);
        return 2;
    }
    rc = tui_main(&o);
    free(les);
    return rc;
}

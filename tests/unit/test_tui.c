/* Tests of the TUI without a terminal: the canvas, themes, and every flow a person can take,
 * run through the headless mode (scripted keys, fixed frames), so they also run under the
 * sanitizers.  The tmux tests in tests/cli/test_tui.sh drive the real terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "learn/exp.h"
#include "learn/train.h"
#include "tiny_model.h"
#include "notebook/notebook.h"
#include "test.h"
#include "tui/tui.h"
#include "tui/tui_canvas.h"
#include "tui/tui_internal.h"
#include "tui/tui_theme.h"

static char dir[64], model_path[128], nbfile[128];

/* The last frame after keys at w x h, as text (frames: one per key plus a few ticks). */
static char *run_size(const char *keys, int extra, int with_model, int w, int h) {
    TuiOptions o = {.no_model = !with_model, .model = with_model ? model_path : NULL, .notebook = nbfile,
                    .seed = 1, .w = w, .h = h, .version = "test", .commit = "test"};
    SB out = {0};
    Err e;
    if (tui_headless(&o, keys, (int)strlen(keys) + extra, &out, &e)) {
        fprintf(stderr, "headless: %s\n", e.msg);
        sb_free(&out);
        return strdup("");
    }
    return out.s ? out.s : strdup("");
}

static char *run(const char *keys, int extra, int with_model) { return run_size(keys, extra, with_model, 100, 30); }

static int has(const char *s, const char *what) { return strstr(s, what) != NULL; }

/* The stream line under the cursor (after the ▶). */
static void cursor_line(const char *screen, char *out, size_t n) {
    const char *p = strstr(screen, "▶");
    out[0] = 0;
    if (!p) return;
    p += strlen("▶");
    size_t k = strcspn(p, "│\n");
    snprintf(out, n, "%.*s", (int)(k < n ? k : n - 1), p);
}

TEST(test_canvas) {
    TuiCanvas c = {0};
    CHECK(tui_canvas_resize(&c, 10, 3) == 0, "resize");
    CHECK(tui_text(&c, 0, 8, "abcdef", 1, -1) == 2, "clipped at the right edge");
    tui_text(&c, 1, 0, "→ok", 2, -1);
    CHECK(tui_char_at(&c, 1, 0) == 0x2192 && tui_role_at(&c, 1, 0) == 2, "UTF-8 decoded with its role");
    tui_put(&c, 5, 5, 'x', 0); /* outside: ignored */
    SB b = {0};
    tui_canvas_dump(&c, &b);
    CHECK(strcmp(sb_str(&b), "        ab\n→ok\n\n") == 0, "dump: '%s'", sb_str(&b));
    sb_free(&b);
    CHECK(tui_text_width("a→b") == 3, "width counts code points");
    tui_canvas_free(&c);
}

TEST(test_themes) {
    char names[16][32];
    int n = tui_theme_list("themes", names, 16);
    CHECK(n >= 5, "at least five themes, got %d", n);
    CHECK(n > 0 && strcmp(names[0], "dark") == 0, "dark first");
    const char *want[] = {"dark", "light", "high-contrast", "mono", "projector"};
    for (int i = 0; i < 5; i++) {
        TuiTheme t;
        Err e;
        CHECK(tui_theme_load("themes", want[i], &t, &e) == 0, "theme %s: %s", want[i], e.msg);
        CHECK(strcmp(t.name, want[i]) == 0, "name %s", t.name);
        if (strcmp(want[i], "mono") == 0)
            for (int r = 0; r < TR_COUNT; r++)
                CHECK(t.role[r].fg == -1 && t.role[r].bg == -1, "mono has no colour in %s", tui_role_name(r));
    }
    TuiTheme t;
    Err e;
    CHECK(tui_theme_parse("{\"format\":\"dolab-theme\",\"version\":1,\"name\":\"x\",\"roles\":{\"edge_positive\":{\"fg\":\"pink\"}}}", "x.json", &t,
                          &e) == -1 &&
              strstr(e.msg, "edge_positive"),
          "bad colour named: %s", e.msg);
    CHECK(tui_theme_parse("{\"format\":\"dolab-theme\",\"version\":1,\"name\":\"x\",\"roles\":{\"nope\":{}}}", "x.json", &t, &e) == -1 &&
              strstr(e.msg, "nope"),
          "unknown role named: %s", e.msg);
    CHECK(tui_theme_parse("{\"format\":\"dolab-theme\",\"version\":1,\"name\":\"x\",\"roles\":{\"bar\":{\"fg\":200,\"attrs\":[\"bold\"]}}}",
                          "x.json", &t, &e) == 0 &&
              t.role[TR_BAR].fg == 200 && t.role[TR_BAR].attrs == TUI_A_BOLD,
          "256 colours and attributes");
    CHECK(tui_theme_load("themes", "../etc/passwd", &t, &e) == -1, "names are not paths");
}

TEST(test_world_and_status) {
    char *s = run("", 1, 0);
    for (char v = 'A'; v <= 'E'; v++) {
        char box[4] = {'[', v, 0};
        CHECK(has(s, box), "World shows %c", v);
    }
    CHECK(has(s, "World") && has(s, "Live") && has(s, "Stream") && has(s, "Log"), "panes");
    CHECK(has(s, "no model"), "without a model the status line says so");
    CHECK(has(s, "held-out world"), "the live world comes from the held-out distribution");
    free(s);
}

TEST(test_model_live) {
    char *s = run("", 1, 1);
    CHECK(has(s, "◀ model") && has(s, "model picks"), "the model's choice is marked");
    CHECK(has(s, "expert") && has(s, "oracle") && has(s, "corr") && has(s, "max_seen") && has(s, "parents"),
          "every baseline's choice");
    free(s);
    /* play the model to the end of the episode: the reward against the oracle */
    s = run("nnnnnn", 1, 1);
    CHECK(has(s, "reward") && has(s, "oracle") && has(s, "normalised"), "reward vs oracle:\n%s", s);
    free(s);
    s = run("s", 1, 1);
    CHECK(has(s, "acting: expert"), "s swaps the agent");
    free(s);
}

TEST(test_stream) {
    char before[256], after[256];
    char *s = run("<tab>", 1, 0);
    cursor_line(s, before, sizeof before);
    free(s);
    s = run("<tab> ", 4, 0); /* space plays; frames without keys are timer ticks */
    cursor_line(s, after, sizeof after);
    CHECK(before[0] && after[0] && strcmp(before, after) != 0, "the stream advances: '%s' -> '%s'", before, after);
    CHECK(has(s, "STREAM"), "stream mode");
    free(s);
    s = run("<tab>/goal<enter>", 1, 0);
    cursor_line(s, after, sizeof after);
    CHECK(strstr(after, "goal"), "search moves to a match: '%s'", after);
    free(s);
}

TEST(test_help_and_quit) {
    char *s = run("?", 1, 0);
    CHECK(has(s, "keys") && has(s, "take over") && has(s, "undo") && has(s, "quit") && has(s, "theme"), "help lists keys");
    free(s);
    s = run("?x", 1, 0);
    CHECK(!has(s, "any key closes"), "any key closes the help");
    free(s);
}

TEST(test_hand_and_undo) {
    char *s = run("C<enter>", 1, 0);
    CHECK(has(s, "[C=+5.0]"), "a hand intervention sets C in the World:\n%s", s);
    CHECK(has(s, "HAND") || has(s, "you"), "hand mode");
    free(s);
    s = run("C<enter>u", 1, 0);
    CHECK(!has(s, "[C=+5.0]"), "undo takes it back");
    free(s);
    /* take over, then hand back: the model continues from the state the person made */
    s = run("C<enter>in", 1, 1);
    CHECK(has(s, "C(you)"), "the person's step is in the history:\n%s", s);
    CHECK(has(s, "done: C(you),"), "and the model's step after it");
    free(s);
}

TEST(test_resize) {
    char *s = run("<resize:40x12>", 1, 0);
    CHECK(has(s, "too small"), "too small a terminal says so:\n%s", s);
    free(s);
    s = run("<resize:40x12>n<resize:100x30>", 1, 0);
    CHECK(!has(s, "too small") && has(s, "World"), "back to a large one restores the layout");
    free(s);
}

TEST(test_lua_and_edit) {
    char *s = run(":world = lab.world{variables=3, edges={{'A','B',2},{'B','C',-1}}}<enter>", 1, 0);
    CHECK(has(s, "[A") && has(s, "[C") && !has(s, "[D"), "a command replaced the world:\n%s", s);
    CHECK(has(s, "+2.0") && has(s, "-1.0"), "weights are shown");
    CHECK(has(s, "edited world"), "the world is marked as edited");
    free(s);
    s = run(":print(#episode.steps, world)<enter>", 1, 0);
    CHECK(has(s, "0\tgraph") || has(s, "0 graph"), "print reaches the log with the globals:\n%s", s);
    free(s);
    s = run(":error('boom')<enter>", 1, 0);
    CHECK(has(s, "Lua: command:1: boom") && has(s, "stack traceback"), "errors land in the log and the status line:\n%s", s);
    free(s);
    /* edit: add an edge A->C of weight -2.5 from the World pane, remove A->B */
    s = run(":world = lab.world{variables=3, edges={{'A','B',2},{'B','C',-1}}}<enter><stab>a A C -2.5<enter>", 1, 0);
    CHECK(has(s, "-2.5"), "the new edge's weight:\n%s", s);
    free(s);
    s = run(":world = lab.world{variables=3, edges={{'A','B',2},{'B','C',-1}}}<enter><stab>xA B<enter>", 1, 0);
    CHECK(!has(s, "+2.0"), "edge removed");
    free(s);
    s = run("<stab>a A A<enter>", 1, 0);
    CHECK(has(s, "error") || has(s, "self"), "a self-loop is refused with a message");
    free(s);
    s = run("R", 1, 0);
    CHECK(has(s, "held-out"), "R draws a held-out world");
    free(s);
    s = run("r", 1, 0);
    CHECK(has(s, "training world"), "r draws a training world");
    free(s);
    s = run("v", 1, 0);
    CHECK(has(s, "structure hidden") && !has(s, "▼"), "hidden structure shows no edge");
    free(s);
    s = run("vv", 1, 0);
    CHECK(has(s, "▼"), "revealed");
    free(s);
}

TEST(test_notebook_flows) {
    char *s = run("<tab><tab>ahello notebook<ctrl-s>", 1, 0);
    Notebook *nb = NULL;
    Err e;
    CHECK(nb_open(nbfile, &nb, &e) == 0 && nb_count(nb) == 1, "the note was saved");
    const cJSON *en = nb ? nb_entry(nb, 0) : NULL;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(en, "text");
    CHECK(cJSON_IsString(t) && strcmp(t->valuestring, "hello notebook") == 0, "note text");
    nb_free(nb);
    free(s);
    s = run("<tab><tab>adraft<esc>q", 1, 0);
    CHECK(has(s, "quit anyway"), "q asks when a note is unsaved");
    free(s);
    s = run("C<enter>inW", 1, 1);
    CHECK(nb_open(nbfile, &nb, &e) == 0 && nb_count(nb) == 2, "the session was saved");
    en = nb ? nb_entry(nb, 1) : NULL;
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(en, "events");
    CHECK(cJSON_GetArraySize(ev) >= 3, "episode, hand step and model step recorded");
    int hand = 0, probs = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, ev) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(x, "actor");
        if (cJSON_IsString(a) && strcmp(a->valuestring, "hand") == 0) hand++;
        if (cJSON_GetObjectItemCaseSensitive(x, "model_probs")) probs++;
    }
    CHECK(hand == 1 && probs == 2, "one hand step, model probabilities at both decisions (%d, %d)", hand, probs);
    nb_free(nb);
    free(s);
    s = run("<tab><tab>", 1, 0);
    CHECK(has(s, "hello notebook") && has(s, "session"), "the Notebook pane lists the entries:\n%s", s);
    free(s);
}

TEST(test_seed_and_themes) {
    char *s = run("S<bs>7<enter>", 1, 0);
    CHECK(has(s, "seed 7"), "S changes the seed");
    free(s);
    s = run("tttttt", 1, 0);
    CHECK(has(s, "theme high-contrast"), "t cycles the themes (dark, high-contrast, light, mono, projector)");
    free(s);
}

TEST(test_mouse) {
    char *s = run("", 1, 0);
    /* find C's box on screen: row and column in cells */
    int y = 0, x = -1;
    for (const char *line = s; *line && x < 0; y++) {
        const char *nl = strchr(line, '\n');
        const char *box = strstr(line, "[C");
        if (box && (!nl || box < nl)) {
            char pre[512];
            snprintf(pre, sizeof pre, "%.*s", (int)(box - line), line);
            x = tui_text_width(pre);
            break;
        }
        line = nl ? nl + 1 : line + strlen(line);
    }
    free(s);
    CHECK(x >= 0, "C's box is on screen");
    char keys[64];
    snprintf(keys, sizeof keys, "<click:%d,%d>", y, x + 2);
    s = run(keys, 1, 0);
    CHECK(has(s, "selected C"), "a click on a box selects its variable:\n%s", s);
    free(s);
    snprintf(keys, sizeof keys, "<click:%d,%d><enter>", y, x + 2);
    s = run(keys, 1, 0);
    CHECK(has(s, "[C=+5.0]"), "and Enter intervenes on it");
    free(s);
    /* a click on a stream line puts the cursor there */
    s = run("<tab>", 1, 0);
    int gy = 0;
    const char *line = s, *hit = NULL;
    for (; *line; gy++) {
        const char *nl = strchr(line, '\n');
        const char *g = strstr(line, "goal max");
        if (g && (!nl || g < nl)) {
            hit = g;
            break;
        }
        if (!nl) break;
        line = nl + 1;
    }
    free(s);
    CHECK(hit != NULL, "a goal line in the stream");
    snprintf(keys, sizeof keys, "<tab><click:%d,70>", gy);
    s = run(keys, 1, 0);
    char cur[256];
    cursor_line(s, cur, sizeof cur);
    CHECK(strstr(cur, "goal max"), "the click put the cursor on the goal line: '%s'", cur);
    free(s);
    s = run("<click:20,80>", 1, 0); /* the lower right corner: the Stream */
    CHECK(has(s, "STREAM"), "a click focuses a pane");
    free(s);
}

/* Writes text to path: 0, or -1 if it cannot. */
static int put(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs(text, f);
    return fclose(f) ? -1 : 0;
}

TEST(test_training) {
    char script[160], keys[400];
    snprintf(script, sizeof script, "%s/tiny.lua", dir);
    if (put(script, "return lab.experiment{ name = 'tiny', world = { variables = 3 }, heldout = lab.link('A', 'C'),\n"
          "  train = { steps = 30, batch = 8, seed = 1 }, model = { layers = 1, dim = 16, heads = 2 },\n"
          "  eval = { episodes = 20 } }\n")) return;
    snprintf(keys, sizeof keys, "T<ctrl-u>%s<enter><train-wait>", script);
    char *s = run(keys, 1, 0);
    CHECK(has(s, "trained: the new model is acting"), "training from the TUI:\n%s", s);
    CHECK(has(s, "◀ model") && has(s, "[C") && !has(s, "[D"), "the new model acts on its 3-variable worlds");
    free(s);
    Notebook *nb = NULL;
    Err e;
    CHECK(nb_open(nbfile, &nb, &e) == 0, "notebook");
    const cJSON *last = nb && nb_count(nb) ? nb_entry(nb, nb_count(nb) - 1) : NULL;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(last, "type");
    const cJSON *ck = cJSON_GetObjectItemCaseSensitive(last, "checkpoint");
    CHECK(cJSON_IsString(type) && strcmp(type->valuestring, "run") == 0, "the run is in the notebook");
    CHECK(cJSON_IsString(ck) && access(ck->valuestring, R_OK) == 0, "its checkpoint exists");
    if (cJSON_IsString(ck)) unlink(ck->valuestring);
    nb_free(nb);
    /* cancel: a long training stopped with X */
    if (put(script, "return lab.experiment{ name = 'tiny', world = { variables = 3 }, train = { steps = 1000000, batch = 8 },\n"
          "  model = { layers = 1, dim = 16, heads = 2 } }\n")) return;
    snprintf(keys, sizeof keys, "T<ctrl-u>%s<enter><wait:100>X<train-wait>", script);
    s = run(keys, 1, 0);
    CHECK(has(s, "training: cancelled"), "X cancels the training:\n%s", s);
    free(s);
    /* a run that stops on its development reward shows it beside the steps */
    if (put(script, "return lab.experiment{ name = 'tiny', world = { variables = 3 },\n"
          "  train = { steps = 1000000, batch = 8, eval_every = 1, stop_at = 0.999 },\n"
          "  model = { layers = 1, dim = 16, heads = 2 } }\n")) return;
    snprintf(keys, sizeof keys, "T<ctrl-u>%s<enter><wait:600>", script);
    s = run(keys, 1, 0);
    CHECK(has(s, "TRAINING training ") && has(s, ", stops at 0.999"), "the status names the development reward:\n%s", s);
    free(s);
    /* seed 3's first evaluation reaches 1e-6 (0.026): then it says it is cooling down */
    if (put(script, "return lab.experiment{ name = 'tiny', world = { variables = 3 },\n"
                    "  train = { steps = 1000000, batch = 8, seed = 3, eval_every = 1, stop_at = 0.000001, cooldown = 1000000 },\n"
                    "  model = { layers = 1, dim = 16, heads = 2 } }\n"))
        return;
    s = run(keys, 1, 0);
    CHECK(has(s, " dev 0.03, reached 1e-06, cooling down"), "the status says the cooldown has begun:\n%s", s);
    free(s);
    unlink(script);
}


/* Issue 8, defect 1: the stream's position is one cursor; nothing waits for a dropped line. */
TEST(test_stream_no_hang) {
    char *s = run("<tab>/zzzz<enter>", 1, 0);
    CHECK(has(s, "'zzzz' not found in the next 1000 episodes"), "a search for what is not there ends:\n%s", s);
    free(s);
    char keys[1200] = "<tab>";
    for (int i = 0; i < 300; i++) strcat(keys, "N");
    s = run(keys, 1, 0);
    CHECK(has(s, "── episode 301 ──"), "N 300 times reaches episode 301:\n%s", s);
    free(s);
    s = run("<tab> ", 4000, 0); /* space plays: 4000 lines, far past the ring */
    const char *p = strstr(s, "── episode ");
    long ep = p ? atol(p + strlen("── episode ")) : 0;
    CHECK(ep > 300, "the stream played on to episode %ld", ep);
    free(s);
    s = run("<tab>N<up><up><up>", 1, 0); /* back across the episode boundary */
    const char *cur = strstr(s, "▶"), *ep2 = strstr(s, "── episode 2 ──");
    CHECK(cur && ep2 && cur < ep2, "up moves back into episode 1:\n%s", s);
    free(s);
}

/* Defect 2: the tally is derived from the session's episodes; undo takes a reward back. */
static const cJSON *last_entry(Notebook **nb) {
    Err e;
    *nb = NULL;
    if (nb_open(nbfile, nb, &e) || !nb_count(*nb)) return NULL;
    return nb_entry(*nb, nb_count(*nb) - 1);
}

TEST(test_tally_derived) {
    char *s = run_size("nnnnnnunununun", 1, 1, 120, 36);
    CHECK(has(s, "session 1 ep: normalised"), "one episode in the session:\n%s", s);
    CHECK(!has(s, "normalised 2.") && !has(s, "normalised 3.") && !has(s, "normalised 4.") && !has(s, "normalised 5."),
          "no normalised mean above 1");
    free(s);
    s = run_size("nnnnnnununununW", 1, 1, 120, 36);
    Notebook *nb;
    const cJSON *en = last_entry(&nb);
    const cJSON *done = cJSON_GetObjectItemCaseSensitive(en, "episodes_done");
    const cJSON *mean = cJSON_GetObjectItemCaseSensitive(en, "mean_normalised_reward");
    CHECK(cJSON_IsNumber(done) && done->valueint == 1, "W records one episode done");
    CHECK(cJSON_IsNumber(mean) && mean->valuedouble <= 1 + 1e-9, "and its normalised reward is at most 1 (%g)",
          cJSON_IsNumber(mean) ? mean->valuedouble : -1);
    nb_free(nb);
    free(s);
    /* a new seed starts a new session (after asking, since this one is not saved) */
    s = run("nnnnnnS<ctrl-u>7<enter>", 1, 0);
    CHECK(has(s, "not saved") && has(s, "(y/n)"), "S asks about the unsaved session:\n%s", s);
    free(s);
    s = run("nnnnnnS<ctrl-u>7<enter>y", 1, 0);
    CHECK(has(s, "seed 7") && !has(s, "session 1 ep"), "and then starts afresh:\n%s", s);
    free(s);
}

TEST(test_quit_asks_about_session) {
    char *s = run("nq", 1, 0);
    CHECK(has(s, "live session is not saved") && has(s, "quit anyway"), "q asks:\n%s", s);
    free(s);
    s = run("q", 1, 0);
    CHECK(!has(s, "quit anyway"), "nothing done: q quits");
    free(s);
}

/* Defect 6: the edge prompt is empty, takes FROM TO WEIGHT, refuses junk and huge weights. */
TEST(test_edge_prompt) {
    const char *w3 = ":world = lab.world{variables=3, edges={{'A','B',2},{'B','C',-1}}}<enter><stab>";
    char keys[300];
    snprintf(keys, sizeof keys, "%sa", w3);
    char *s = run(keys, 1, 0);
    CHECK(has(s, "(FROM TO [WEIGHT]): ▁"), "the prompt is not pre-filled:\n%s", s);
    free(s);
    snprintf(keys, sizeof keys, "%saA C -1.5<enter>", w3);
    s = run(keys, 1, 0);
    CHECK(has(s, "edge A->C weight -1.50") && has(s, "-1.5"), "A C -1.5 adds A->C of -1.5:\n%s", s);
    free(s);
    snprintf(keys, sizeof keys, "%saB C xyz<enter>", w3);
    s = run(keys, 1, 0);
    CHECK(has(s, "the weight must be a number"), "B C xyz is refused:\n%s", s);
    free(s);
    snprintf(keys, sizeof keys, "%saA C 1e9<enter>", w3);
    s = run(keys, 1, 0);
    CHECK(has(s, "at most 5"), "a weight of 1e9 is refused:\n%s", s);
    free(s);
    snprintf(keys, sizeof keys, "%saAB C<enter>", w3);
    s = run(keys, 1, 0);
    CHECK(has(s, "expected two variables"), "AB is not a variable:\n%s", s);
    free(s);
}

/* Defect 7: hidden mode hides the baselines and the oracle until the reveal; the evidence shows. */
TEST(test_hidden_mode) {
    char *s = run("vnn", 1, 1);
    CHECK(has(s, "hidden until the reveal") && !has(s, "oracle A") && !has(s, "oracle B") && !has(s, "oracle C") &&
              !has(s, "oracle D") && !has(s, "oracle E") && !has(s, "oracle parents"),
          "no baseline or oracle choice before the reveal:\n%s", s);
    CHECK(has(s, "do     A     B"), "the evidence table:\n%s", s);
    free(s);
    s = run("vnnv", 1, 1);
    CHECK(has(s, "oracle"), "revealed: the baselines are back:\n%s", s);
    free(s);
}

/* Defect 5: at 80x24 the pick line is there, and the help's pages list every key. */
TEST(test_80x24) {
    char *s = run_size("n", 1, 1, 80, 24);
    CHECK(has(s, "model picks"), "the model's pick at 80x24:\n%s", s);
    for (char v = 'A'; v <= 'E'; v++) {
        char bar[8] = {'\n', 0};
        snprintf(bar, sizeof bar, "│ %c ", v);
        char box[4] = {'[', v, 0};
        CHECK(has(s, box), "World box %c", v);
    }
    free(s);
    int pages = tui_help_pages(80, 24);
    CHECK(pages >= 2 && pages <= 3, "the help takes %d pages at 80x24", pages);
    SB all = {0};
    char keys[16] = "?";
    for (int p = 0; p < pages; p++) {
        s = run_size(keys, 1, 0, 80, 24);
        sb_puts(&all, s);
        free(s);
        strcat(keys, " ");
    }
    for (int i = 0; i < tui_nkeys; i++) CHECK(has(sb_str(&all), tui_keys[i].what), "the help shows '%s'", tui_keys[i].what);
    sb_free(&all);
    s = run_size("?  x", 1, 0, 80, 24);
    CHECK(!has(s, "keys 1/") && !has(s, "keys 2/"), "a key closes the help");
    free(s);
}

/* The smaller items. */
TEST(test_small_items) {
    char *s = run("", 1, 0);
    CHECK(has(s, "--no-model") && !has(s, "missing"), "--no-model does not say the checkpoint is missing:\n%s", s);
    free(s);
    s = run(">", 1, 0);
    CHECK(has(s, "speed 3/5"), "> is faster:\n%s", s);
    free(s);
    s = run("<<<", 1, 0);
    CHECK(has(s, "speed 1/5"), "< is slower, down to the slowest");
    free(s);
    s = run("p ", 3, 0);
    CHECK(has(s, "paused at the decision") && has(s, "done: "), "p: playing stops after each decision:\n%s", s);
    free(s);
    s = run("L", 1, 0);
    CHECK(has(s, "L: smaller"), "L enlarges the Log");
    free(s);
    s = run("nnne", 1, 0);
    CHECK(has(s, "evidence table first") && !has(s, "bars:"), "e: the evidence first");
    free(s);
}


/* A theme's version is checked, and its strings are UTF-8 (issue 9). */
TEST(test_theme_version) {
    TuiTheme t;
    Err e;
    CHECK(tui_theme_parse("{\"format\":\"dolab-theme\",\"name\":\"x\",\"roles\":{}}", "x.json", &t, &e) == -1 &&
              strstr(e.msg, "x.json: \"version\" must be 1, got missing"),
          "a theme without a version: %s", e.msg);
    CHECK(tui_theme_parse("{\"format\":\"dolab-theme\",\"version\":2,\"name\":\"x\",\"roles\":{}}", "x.json", &t, &e) == -1 &&
              strstr(e.msg, "theme version 2 is not supported"),
          "a later version: %s", e.msg);
    CHECK(tui_theme_parse("{\"format\":\"dolab-theme\",\"version\":\"1\",\"name\":\"x\",\"roles\":{}}", "x.json", &t, &e) == -1 &&
              strstr(e.msg, "got a string"),
          "a version that is not a number: %s", e.msg);
    CHECK(tui_theme_parse("{\"format\":\"dolab-theme\",\"version\":1,\"name\":\"x\xf0\",\"roles\":{}}", "x.json", &t, &e) == -1 &&
              strstr(e.msg, "name is not valid UTF-8"),
          "a name cut in a UTF-8 sequence: %s", e.msg);
    CHECK(tui_theme_parse("{\"format\":\"dolab-theme\",\"version\":1,\"name\":\"x\",\"roles\":{}}", "x.json", &t, &e) == 0,
          "version 1 loads: %s", e.msg);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/dolab-tui-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    snprintf(model_path, sizeof model_path, "%s/m.ckpt", dir);
    snprintf(nbfile, sizeof nbfile, "%s/nb.json", dir);
    RUN(test_canvas);
    RUN(test_themes);
    CHECK(tiny_model_save(model_path) == 0, "a tiny model");
    RUN(test_world_and_status);
    RUN(test_model_live);
    RUN(test_stream);
    RUN(test_help_and_quit);
    RUN(test_hand_and_undo);
    RUN(test_resize);
    RUN(test_lua_and_edit);
    RUN(test_notebook_flows);
    RUN(test_seed_and_themes);
    RUN(test_mouse);
    RUN(test_training);
    RUN(test_stream_no_hang);
    RUN(test_tally_derived);
    RUN(test_quit_asks_about_session);
    RUN(test_edge_prompt);
    RUN(test_hidden_mode);
    RUN(test_80x24);
    RUN(test_small_items);
    RUN(test_theme_version);
    unlink(model_path);
    unlink(nbfile);
    rmdir(dir);
    return TEST_SUMMARY();
}

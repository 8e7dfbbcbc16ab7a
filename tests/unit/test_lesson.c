/* Tests of lessons (src/script/l_lesson.c, lesson.c): a lesson script is read into steps, its
 * errors name the script, the line and the field, and a step's episode, action and choices are
 * what the protocol says. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "script/lab.h"
#include "script/lesson.h"
#include "test.h"

static char dir[] = "/tmp/dolab-lesson-XXXXXX";

static const char *write_script(const char *name, const char *text) {
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static int load(const char *text, Lesson *les, Err *e) {
    const char *path = write_script("l.lua", text);
    LabLimits lim = lab_limits_default();
    lim.memory = 64u << 20;
    lim.seconds = 1.0;
    Lab *lab = lab_new(&lim, "lua", NULL, e);
    if (!lab) return -1;
    int rc = lab_load_lesson(lab, path, les, e);
    lab_free(lab);
    return rc;
}

static Lesson les; /* large: not on the stack */

static int fails_with(const char *text, const char *want) {
    Err e = {""};
    int rc = load(text, &les, &e);
    if (rc == 0 || !strstr(e.msg, want)) {
        fprintf(stderr, "  script: %s\n  wanted: %s\n  got: %s\n", text, want, rc ? e.msg : "(success)");
        return 0;
    }
    return 1;
}

#define CHAIN "world = {variables = 3, edges = {{'A', 'B', 2}, {'B', 'C', -1.5}}, noise = 0.1}"

TEST(test_lesson_reads) {
    Err e = {""};
    int rc = load("return lab.lesson{\n"
                  "  name = 'chain', pace = 0,\n"
                  "  steps = {\n"
                  "    {title = 'look', narration = 'A causes B causes C.', " CHAIN ", show = {'structure', 'values'}},\n"
                  "    {narration = 'the expert explores', action = 'expert',\n"
                  "     question = {ask = 'which would you set?', reveal = 'A-: 2 * -1.5 * -5'}},\n"
                  "    {narration = 'you choose', action = {explore = {'B', 'A'}, exploit = 'A-'}, goal = 'C',\n"
                  "     question = {ask = 'missing edge?', options = {'A->C', 'none'}, answer = 2}},\n"
                  "    {narration = 'random', world = lab.world{variables = 5, seed = 3}, action = 'oracle'},\n"
                  "  }}\n",
                  &les, &e);
    CHECK(rc == 0, "the lesson loads: %s", e.msg);
    if (rc) return;
    CHECK(les.n_steps == 4 && strcmp(les.name, "chain") == 0 && les.pace == 0, "name, pace, steps");
    const LessonStep *s = &les.step[0];
    CHECK(strcmp(s->title, "look") == 0 && s->world.n == 3 && s->goal == 2, "title, world, default goal C");
    CHECK(scm_weight(&s->world, 0, 1) == 2 && scm_weight(&s->world, 1, 2) == -1.5, "fixed weights");
    CHECK(s->show == (LS_STRUCTURE | LS_VALUES) && s->action == LA_NONE && s->question == LQ_NONE, "show, no action");
    s = &les.step[1];
    CHECK(s->world.n == 3 && scm_weight(&s->world, 0, 1) == 2, "a step without a world keeps the previous one");
    CHECK(s->show == LS_ALL && s->action == LA_PLAY && strcmp(s->actor, "expert") == 0, "show all, the expert plays");
    CHECK(s->question == LQ_ACTIONS && s->n_opt == 4 && strcmp(s->opt[0].text, "A+") == 0 &&
              strcmp(s->opt[3].text, "B-") == 0, "an actions question has every variable but the goal, both signs");
    s = &les.step[2];
    CHECK(s->action == LA_EXPLORE && s->n_explore == 2 && s->explore[0] == 1 && s->exploit_var == 0 &&
              s->exploit_sign == -1, "the teacher's do() list");
    CHECK(s->question == LQ_CHOICE && s->n_opt == 2 && s->answer == 1, "a choice question and its answer");
    s = &les.step[3];
    CHECK(s->world.n == 5 && scm_edge_count(&s->world) > 0, "a lab.world value as the world");

    /* step 2 played: the expert explores every variable and stops at the exploit (a question) */
    Episode ep;
    s = &les.step[1];
    CHECK(lesson_episode(s, &ep, &e) == 0 && lesson_play(s, &ep, NULL, &e) == 0, "step 2 plays: %s", e.msg);
    CHECK(ep_phase(&ep.view) == EP_EXPLOIT && ep.view.n_steps == 3, "explored A, B, C and waits at the exploit");
    LessonChoice ch[LESSON_CHOOSERS];
    int n = 0;
    CHECK(lesson_choices(&ep, NULL, ch, &n, &e) == 0 && n == STRAT_BUILTIN_COUNT, "every baseline chooses");
    CHECK(strcmp(ch[0].name, "expert") == 0 && ch[0].act.var == 0 && ch[0].act.sign == -1, "the expert picks A-");
    CHECK_NEAR(ch[0].reward, 15, 1e-9, "its reward is -5 * 2 * -1.5");
    CHECK_NEAR(lesson_option_reward(&ep, &s->opt[1]), 15, 1e-9, "option A- is worth 15");
    CHECK_NEAR(lesson_option_reward(&ep, &s->opt[0]), -15, 1e-9, "option A+ is worth -15");
    /* step 3: the teacher's two do()s, then the question holds the exploit back */
    s = &les.step[2];
    CHECK(lesson_episode(s, &ep, &e) == 0 && lesson_play(s, &ep, NULL, &e) == 0, "step 3 plays");
    CHECK(ep.view.n_steps == 2 && ep.view.steps[0].var == 1 && ep_phase(&ep.view) == EP_DONE,
          "B then A, then the exploit A- (a choice question does not hold it)");
    CHECK(ep.view.exploit_var == 0 && ep.view.exploit_sign == -1, "the exploit was A-");
    /* the model is asked for but none is loaded: a message, not a crash */
    LessonStep m = les.step[1];
    snprintf(m.actor, sizeof m.actor, "model");
    CHECK(lesson_episode(&m, &ep, &e) == 0 && lesson_play(&m, &ep, NULL, &e) == -1 && strstr(e.msg, "no model"),
          "a model step without a model says so: %s", e.msg);
}

TEST(test_lesson_errors_name_line_and_field) {
    CHECK(fails_with("return lab.lesson{\n steps = {{narration = 'x', " CHAIN ", titel = 'typo'}}}\n",
                     "l.lua:1: steps[1].titel: unknown field"),
          "a typo in a step's field");
    CHECK(fails_with("\n\nreturn lab.lesson{name = 'x', nmae = 'y', steps = {}}\n", "l.lua:3: nmae: unknown field"),
          "a typo at the top");
    CHECK(fails_with("return lab.lesson{steps = {{narration = 'x', " CHAIN ", goal = 5}}}\n",
                     "l.lua:1: steps[1].goal: expected a variable name"),
          "a wrong type");
    CHECK(fails_with("return lab.lesson{steps = {{narration = 'x', " CHAIN ", goal = 'Q'}}}\n",
                     "steps[1].goal: 'Q' is not a variable (A to C)"),
          "a variable out of range");
    CHECK(fails_with("return lab.lesson{steps = {{narration = 'x', " CHAIN "},\n"
                     "  {narration = 'y', question = {ask = 'q', options = {'A+', 'B+'}}}}}\n",
                     "steps[2].question: an actions question needs an action"),
          "an actions question without an action");
    CHECK(fails_with("return lab.lesson{steps = {{narration = 'x', " CHAIN ", action = 'expret'}}}\n",
                     "steps[1].action: 'expret' is not a strategy"),
          "a misspelt strategy");
    CHECK(fails_with("return lab.lesson{steps = {{narration = 'x', " CHAIN ", show = {'structure', 'valeus'}}}}\n",
                     "steps[1].show[2]: expected one of"),
          "a misspelt part to show");
    CHECK(fails_with("return lab.lesson{steps = {{narration = 'x', world = {variables = 3, edges = {{'A', 'A'}}}}}}\n",
                     "steps[1].world.edges[1]:"),
          "a self-loop");
    CHECK(fails_with("return lab.lesson{steps = {{narration = 'x', " CHAIN ", question = {ask = 'q', options = {'a', 'b'}, answer = 3}}}}\n",
                     "steps[1].question.answer: expected an integer from 1 to 2, got 3"),
          "an answer out of range");
    CHECK(fails_with("return lab.lesson{steps = {{" CHAIN "}}}\n", "steps[1].narration: every step needs"),
          "a step without narration");
    CHECK(fails_with("local t = {}\nlocal x = t.a.b\nreturn lab.lesson{steps = {}}\n", "l.lua:2: attempt to index"),
          "a runtime error names its line");
    CHECK(fails_with("return 5\n", "must return lab.lesson{...}, it returned number"), "not a lesson");
    CHECK(fails_with("return lab.lesson{steps = {{narration = 'x', world = {variables = 3, edge_prob = 0}}}}\n",
                     "steps[1].goal: the goal must have a cause"),
          "a world with no edge has no goal");
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    RUN(test_lesson_reads);
    RUN(test_lesson_errors_name_line_and_field);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) return 1;
    return TEST_SUMMARY();
}

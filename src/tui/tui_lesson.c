/* tui_lesson — lesson mode (`dolab lesson FILE.lua`): the Lesson pane with the narration and the
 * question, the keys that walk the steps, tally the class's answers and reveal, the presenter
 * layout, and the class's position and answers kept in the notebook (see tui_internal.h).
 *
 * A step's episode is built by lesson_episode (src/script/lesson.c, as the handouts build it)
 * and becomes the live episode; its action is played through the live episode's own path
 * (live_apply), so the World and Live panes, undo and the session work as everywhere else.  On
 * a question with actions as its options the play stops at the exploit until the reveal. */
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui_internal.h"
#include "util/jsonu.h"

static const LessonStep *cur(const App *a) { return &a->lesson->step[a->lstep]; }

int lesson_holds(const App *a) {
    if (!a->lesson || !a->live_ok) return 0;
    EpPhase ph = ep_phase(&a->live.view);
    return ph == EP_DONE || (ph == EP_EXPLOIT && cur(a)->question == LQ_ACTIONS && !a->lrevealed[a->lstep]);
}

int lesson_shows(const App *a, unsigned part) {
    if (!a->lesson) return 1;
    const LessonStep *s = cur(a);
    if (part & LS_MODEL_ACTS) { /* the model is shown, or plays the step */
        if (s->action == LA_PLAY && strcmp(s->actor, "model") == 0) return 1;
        part &= ~(unsigned)LS_MODEL_ACTS;
        return (s->show & part) != 0;
    }
    if (part == LS_BASELINES) {
        if (a->lhide_base) return 0;
        /* before the reveal the baselines' choices would give the answer away */
        if (s->question != LQ_NONE && !a->lrevealed[a->lstep]) return 0;
    }
    if (part == LS_STRUCTURE && s->question != LQ_NONE && a->lrevealed[a->lstep]) return 1;
    /* the model's pick at an open question's exploit is the answer the class is guessing */
    if (part == LS_MODEL && s->question == LQ_ACTIONS && !a->lrevealed[a->lstep] && a->live_ok &&
        ep_phase(&a->live.view) == EP_EXPLOIT)
        return 0;
    return (s->show & part) != 0;
}

const char *lesson_actor(const App *a) {
    const LessonStep *s = cur(a);
    if (a->hand) return "you";
    return s->action == LA_PLAY ? s->actor : s->action == LA_EXPLORE ? "teacher" : "watching";
}

int tui_pane_off(const App *a, PaneId p) {
    if (!a->lesson) return p == P_LESSON;
    if (p == P_STREAM || p == P_NOTEBOOK || p == P_LOG) return !a->big_log || p != P_LOG;
    if (p == P_LIVE) { /* only when the step has evidence, a model or baselines to show */
        const LessonStep *s = cur(a);
        int acts = s->action != LA_NONE;
        return !(((s->show & LS_EVIDENCE) && (acts || s->passive)) || ((s->show & (LS_MODEL | LS_BASELINES)) && acts));
    }
    return 0;
}

static int wrap(TuiCanvas *c, int y, int x, int w, int bottom, const char *text, int role, int draw);

/* Rows the Lesson pane needs for step s at inner width w: title, narration, question, options,
 * the count line, the reveal's text and the keys line. */
static int lesson_rows(const LessonStep *s, int w) {
    int rows = 2 + wrap(NULL, 0, 0, w, 1 << 20, s->narration, 0, 0) + 1;
    if (s->question != LQ_NONE)
        rows += 1 + wrap(NULL, 0, 0, w, 1 << 20, s->ask, 0, 0) + s->n_opt + 2 + wrap(NULL, 0, 0, w, 1 << 20, s->reveal, 0, 0);
    return rows + 2; /* the frame */
}

/* ---- the presenter layout ----------------------------------------------------------------------- */

void lesson_layout(App *a, int w, int h) {
    memset(a->pane, 0, sizeof a->pane);
    int body = h - 1;
    int log_h = a->big_log ? body / 3 : 0; /* L: the Log at the bottom (errors, the : line) */
    int top = body - log_h;
    /* the world takes what the text does not need: more than half on a wide screen */
    int rw = w >= 160 ? w * 40 / 100 : w >= 100 ? w * 46 / 100 : w / 2;
    if (rw < 34) rw = 34;
    int lw = w - rw;
    a->pane[P_WORLD] = (TuiRect){0, 0, top, lw};
    if (tui_pane_off(a, P_LIVE)) {
        a->pane[P_LESSON] = (TuiRect){0, lw, top, rw};
    } else {
        int lh = top * 55 / 100, need = lesson_rows(cur(a), rw - 4);
        int keep = top >= 30 ? 8 : 6; /* the Live pane's rows, at least */
        if (need > lh) lh = need < top - keep ? need : top - keep; /* the text first */
        a->pane[P_LESSON] = (TuiRect){0, lw, lh, rw};
        a->pane[P_LIVE] = (TuiRect){lh, lw, top - lh, rw};
    }
    if (log_h) a->pane[P_LOG] = (TuiRect){top, 0, log_h, w};
    if (a->pane[a->focus].w == 0) a->focus = P_LESSON;
}

/* ---- steps ----------------------------------------------------------------------------------- */

/* The strategy of a step's action (NULL: the model, when none is loaded). */
static Strategy *actor_of(App *a, const char *name) { return strcmp(name, "model") == 0 ? a->agent : strat_find(name); }

/* Plays the step's action in the live episode up to where the lesson holds (all at once). */
static void play_now(App *a) {
    const LessonStep *s = cur(a);
    Err e;
    if (s->action == LA_EXPLORE) {
        for (int i = 0; i < s->n_explore && ep_phase(&a->live.view) == EP_EXPLORE; i++)
            if (live_apply(a, "teacher", (StratAction){s->explore[i], 1})) return;
        if (s->exploit_var >= 0 && !lesson_holds(a) && ep_phase(&a->live.view) == EP_EXPLOIT)
            live_apply(a, "teacher", (StratAction){s->exploit_var, s->exploit_sign});
        return;
    }
    if (s->action != LA_PLAY) return;
    Strategy *st = actor_of(a, s->actor);
    if (!st) {
        app_say(a, 1, "this step is played by the model, and no model is loaded%s%s",
                a->lesson->model_hint[0] ? ": " : "", a->lesson->model_hint);
        return;
    }
    for (int guard = 0; guard <= EP_MAX_STEPS && !lesson_holds(a); guard++) {
        StratAction act;
        if (lesson_decide(st, &a->live, &act, &e)) {
            app_say(a, 1, "%s", e.msg);
            return;
        }
        if (live_apply(a, s->actor, act)) return;
    }
}

static void enter_step(App *a, int i) {
    if (i < 0 || i >= a->lesson->n_steps) return;
    a->lstep = i;
    const LessonStep *s = cur(a);
    Err e;
    Episode ep;
    a->playing_live = 0;
    a->hand = 0;
    if (lesson_episode(s, &ep, &e)) {
        app_say(a, 1, "step %d: %s", i + 1, e.msg);
        return;
    }
    a->custom = s->world; /* what the World's edits and the : line start from */
    a->custom_goal = s->goal;
    a->world_src = 2;
    a->view_live = 1;
    a->hidden = !(s->show & LS_STRUCTURE);
    live_begin(a, &ep);
    live_session_reset(a); /* each step its own: the lesson entry, not the live session, is what the class keeps */
    a->revealed = !a->hidden || a->lrevealed[i];
    if (a->sel >= s->world.n) a->sel = 0;
    if (s->action == LA_PLAY && a->lesson->pace > 0 && !a->headless && s->question == LQ_NONE) {
        /* played at the lesson's pace (space pauses, < > change it): the live episode's own play */
        int actor = -1;
        if (strcmp(s->actor, "model") == 0) actor = a->agent ? 0 : -1;
        for (int k = 0; k < STRAT_BUILTIN_COUNT; k++)
            if (strcmp(strat_builtin(k)->name, s->actor) == 0) actor = k + 1;
        if (actor >= 0) {
            a->actor = actor;
            a->playing_live = 1;
            return;
        }
    }
    play_now(a);
}

/* ---- open, save, resume ----------------------------------------------------------------------- */

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static cJSON *lesson_json(const App *a) {
    const Lesson *l = a->lesson;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", a->lesson_path);
    cJSON_AddStringToObject(o, "name", l->name);
    cJSON_AddNumberToObject(o, "step", a->lstep + 1);
    cJSON_AddNumberToObject(o, "steps", l->n_steps);
    cJSON *qs = cJSON_AddArrayToObject(o, "questions");
    for (int i = 0; i < l->n_steps; i++) {
        const LessonStep *s = &l->step[i];
        if (s->question == LQ_NONE) continue;
        cJSON *q = cJSON_CreateObject();
        cJSON_AddNumberToObject(q, "step", i + 1);
        cJSON_AddStringToObject(q, "ask", s->ask);
        cJSON *opts = cJSON_AddArrayToObject(q, "options");
        cJSON *tally = cJSON_AddArrayToObject(q, "tally");
        for (int k = 0; k < s->n_opt; k++) {
            cJSON_AddItemToArray(opts, cJSON_CreateString(s->opt[k].text));
            cJSON_AddItemToArray(tally, cJSON_CreateNumber(a->ltally[i][k]));
        }
        cJSON_AddBoolToObject(q, "revealed", a->lrevealed[i]);
        cJSON_AddItemToArray(qs, q);
    }
    return o;
}

void lesson_save(App *a) {
    if (!a->lesson) return;
    if (!a->nb || a->nb_readonly) {
        app_say(a, 1, "the class's place is not saved: no notebook (%s)", a->nb ? "read-only" : a->nb_error);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "session");
    char title[200];
    snprintf(title, sizeof title, "lesson: %s, step %d of %d", a->lesson->name, a->lstep + 1, a->lesson->n_steps);
    cJSON_AddStringToObject(o, "title", title);
    cJSON_AddStringToObject(o, "model", a->model ? a->model_name : "");
    cJSON_AddItemToObject(o, "lesson", lesson_json(a));
    Err e;
    if (nb_add(a->nb, o, &e)) {
        app_say(a, 1, "the class's place is not saved: %s", e.msg);
        return;
    }
    a->lesson_dirty = 0;
    a->nb_sel = nb_count(a->nb) - 1;
    app_say(a, 0, "lesson saved at step %d of %d in %s (it resumes there)", a->lstep + 1, a->lesson->n_steps,
            nb_path(a->nb));
}

/* The class's place in this lesson from the last session entry that has one; 0 if none. */
static int resume(App *a) {
    if (!a->nb) return 0;
    for (int i = nb_count(a->nb) - 1; i >= 0; i--) {
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(nb_entry(a->nb, i), "lesson");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(l, "name");
        const cJSON *file = cJSON_GetObjectItemCaseSensitive(l, "file");
        if (!cJSON_IsString(name) || strcmp(name->valuestring, a->lesson->name) != 0 || !cJSON_IsString(file) ||
            strcmp(base_name(file->valuestring), base_name(a->lesson_path)) != 0)
            continue;
        const cJSON *step = cJSON_GetObjectItemCaseSensitive(l, "step");
        int at = cJSON_IsNumber(step) && step->valuedouble >= 1 && step->valuedouble <= a->lesson->n_steps
                     ? (int)step->valuedouble - 1 : 0;
        const cJSON *q;
        cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(l, "questions")) {
            const cJSON *qs = cJSON_GetObjectItemCaseSensitive(q, "step");
            const cJSON *tally = cJSON_GetObjectItemCaseSensitive(q, "tally");
            if (!cJSON_IsNumber(qs) || qs->valuedouble < 1 || qs->valuedouble > a->lesson->n_steps) continue;
            int k = (int)qs->valuedouble - 1;
            const LessonStep *s = &a->lesson->step[k];
            if (s->question == LQ_NONE || !cJSON_IsArray(tally) || cJSON_GetArraySize(tally) != s->n_opt) continue;
            for (int o = 0; o < s->n_opt; o++) {
                const cJSON *t = cJSON_GetArrayItem(tally, o);
                a->ltally[k][o] = cJSON_IsNumber(t) && t->valuedouble >= 0 && t->valuedouble < 1e6 ? (int)t->valuedouble : 0;
            }
            a->lrevealed[k] = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(q, "revealed"));
        }
        a->lstep = at;
        return 1;
    }
    return 0;
}

int lesson_open(App *a, Err *e) {
    a->lesson = malloc(sizeof *a->lesson);
    if (!a->lesson) return err_set(e, "out of memory");
    memcpy(a->lesson, a->opt.lesson, sizeof *a->lesson);
    tui_copy(a->lesson_path, sizeof a->lesson_path, a->opt.lesson_path ? a->opt.lesson_path : "lesson.lua");
    a->focus = P_LESSON;
    int resumed = resume(a);
    /* the lesson's pace: the nearest of the five playback speeds */
    static const double pace_s[TUI_SPEEDS] = {1.4, 0.7, 0.35, 0.12, 0.03};
    int best = 1;
    for (int s = 0; s < TUI_SPEEDS; s++)
        if (a->lesson->pace > 0 && (a->lesson->pace - pace_s[s]) * (a->lesson->pace - pace_s[s]) <
                                       (a->lesson->pace - pace_s[best]) * (a->lesson->pace - pace_s[best]))
            best = s;
    a->speed = best;
    enter_step(a, a->lstep);
    live_session_reset(a); /* the live session of a lesson is not what the class keeps: the lesson entry is */
    if (resumed) app_say(a, 0, "resumed at step %d of %d, with the class's answers so far", a->lstep + 1, a->lesson->n_steps);
    else app_say(a, 0, "lesson: n next step, p back, 1-9 a vote, c counts, r reveal, q saves and quits, ? keys");
    app_log(a, "lesson %s (%d steps) from %s", a->lesson->name, a->lesson->n_steps, a->lesson_path);
    return 0;
}

void lesson_close(App *a) {
    free(a->lesson);
    a->lesson = NULL;
}

/* ---- the class's answers ----------------------------------------------------------------------- */

/* Option of the step matching word w (its number or its text, any case); -1 if none. */
static int option_of(const LessonStep *s, const char *w) {
    char *end;
    long k = strtol(w, &end, 10);
    if (*w && !*end) return k >= 1 && k <= s->n_opt ? (int)k - 1 : -1;
    for (int o = 0; o < s->n_opt; o++)
        if (strcasecmp(s->opt[o].text, w) == 0) return o;
    return -1;
}

void lesson_tally_text(App *a, const char *text) {
    if (!a->lesson) return;
    const LessonStep *s = cur(a);
    if (s->question == LQ_NONE) return;
    char buf[512];
    int add[LESSON_MAX_OPTS] = {0}, n = 0;
    tui_copy(buf, sizeof buf, text);
    /* each word is one student's choice (its number or its text); OPTION:N is N of them */
    for (char *t = strtok(buf, " ,;\t"); t; t = strtok(NULL, " ,;\t")) {
        char *colon = strrchr(t, ':');
        long count = 1;
        if (colon) {
            char *end;
            *colon = 0;
            count = strtol(colon + 1, &end, 10);
            if (!colon[1] || *end || count < 0 || count > 100000) {
                app_say(a, 1, "'%s:%s': expected OPTION:COUNT, a count from 0 to 100000", t, colon + 1);
                return;
            }
        }
        int o = option_of(s, t);
        if (o < 0) {
            app_say(a, 1, "'%s' is not an option: type each answer's number (or text, like A+), or NUMBER:COUNT", t);
            return;
        }
        add[o] += (int)count;
        n += (int)count;
    }
    for (int o = 0; o < s->n_opt; o++) a->ltally[a->lstep][o] += add[o];
    app_say(a, 0, "%d answer%s added", n, n == 1 ? "" : "s");
    a->lesson_dirty = 1;
}

static void reveal(App *a) {
    const LessonStep *s = cur(a);
    if (s->question == LQ_NONE) {
        app_say(a, 0, "no question on this step (n: the next one)");
        return;
    }
    a->lrevealed[a->lstep] = 1;
    a->revealed = 1;
    a->lesson_dirty = 1;
    /* the step's player now makes its exploit, so the World shows it and its reward */
    if (s->action == LA_PLAY && ep_phase(&a->live.view) == EP_EXPLOIT) {
        Strategy *st = actor_of(a, s->actor);
        StratAction act;
        Err e;
        if (st && lesson_decide(st, &a->live, &act, &e) == 0) live_apply(a, s->actor, act);
    }
    app_say(a, 0, "revealed");
}

/* ---- keys ---------------------------------------------------------------------------------------- */

int lesson_key(App *a, int k) {
    if (!a->lesson) return 0;
    const LessonStep *s = cur(a);
    switch (k) {
    case 'n': case TK_PGDN:
        if (a->lstep + 1 >= a->lesson->n_steps) {
            app_say(a, 0, "the last step: q saves the class's answers and quits");
            return TUI_REDRAW;
        }
        enter_step(a, a->lstep + 1);
        a->lesson_dirty = 1;
        return TUI_REDRAW;
    case 'p': case TK_PGUP:
        if (a->lstep == 0) {
            app_say(a, 0, "the first step");
            return TUI_REDRAW;
        }
        enter_step(a, a->lstep - 1);
        a->lesson_dirty = 1;
        return TUI_REDRAW;
    case 'r':
        reveal(a);
        return TUI_REDRAW;
    case 'c':
        if (s->question == LQ_NONE || a->lrevealed[a->lstep]) {
            app_say(a, 0, s->question == LQ_NONE ? "no question on this step" : "the answer is out: z clears the answers to ask again");
            return TUI_REDRAW;
        }
        app_open_prompt(a, PR_TALLY, "answers (2 2 1, A+ B-, or 1:12 2:5): ", "");
        return TUI_REDRAW;
    case 'z':
        memset(a->ltally[a->lstep], 0, sizeof a->ltally[a->lstep]);
        a->lrevealed[a->lstep] = 0;
        enter_step(a, a->lstep);
        a->lesson_dirty = 1;
        app_say(a, 0, "answers cleared: ask again");
        return TUI_REDRAW;
    case 'b':
        a->lhide_base = !a->lhide_base;
        app_say(a, 0, a->lhide_base ? "baselines hidden" : "baselines shown (after the reveal on a question)");
        return TUI_REDRAW;
    case 'W':
        lesson_save(a);
        return TUI_REDRAW;
    case 'q':
        if (a->lesson_dirty) lesson_save(a);
        return TUI_QUIT;
    case 'N': case 'R':
        app_say(a, 0, "in a lesson the steps choose the worlds: n and p move between them");
        return TUI_REDRAW;
    default:
        if (k >= '1' && k <= '9') {
            if (s->question == LQ_NONE) {
                app_say(a, 0, "no question on this step");
            } else if (a->lrevealed[a->lstep]) {
                app_say(a, 0, "the answer is out: z clears the answers to ask again");
            } else if (k - '1' >= s->n_opt) {
                app_say(a, 1, "the question has %d options", s->n_opt);
            } else {
                a->ltally[a->lstep][k - '1']++;
                a->lesson_dirty = 1;
                app_say(a, 0, "a vote for %s", s->opt[k - '1'].text);
            }
            return TUI_REDRAW;
        }
    }
    return 0;
}

int lesson_pane_key(App *a, int k) {
    /* the Lesson pane shares the World's variable keys (select, do by hand) */
    return live_key(a, k);
}

/* ---- the Lesson pane ----------------------------------------------------------------------------- */

/* Draws text wrapped at spaces into w cells from row y (a blank line starts a paragraph; single
 * line breaks and indentation are spaces); returns the row after it.  draw 0: counts only. */
static int wrap(TuiCanvas *c, int y, int x, int w, int bottom, const char *text, int role, int draw) {
    char word[256];
    int col = 0, wl = 0, nl = 0;
    const char *p = text;
    while (*p == '\n' || *p == ' ') p++;
    for (;;) {
        int end = !*p, space = *p == ' ' || *p == '\n' || *p == '\t';
        if ((end || space) && wl) {
            word[wl] = 0;
            int ww = tui_text_width(word);
            if (col && col + 1 + ww > w) y++, col = 0;
            if (col) col++;
            if (draw && y < bottom) tui_text(c, y, x + col, word, role, w - col);
            col += ww;
            wl = 0;
        }
        if (end) break;
        if (*p == '\n') {
            nl++;
            if (nl == 2 && col) y += 2, col = 0; /* a paragraph */
        } else if (!space) {
            nl = 0;
            if (wl < (int)sizeof word - 1) word[wl++] = *p;
        }
        p++;
    }
    return col ? y + 1 : y;
}

void draw_lesson(App *a, TuiCanvas *c, TuiRect r) {
    if (!a->lesson) return;
    const Lesson *l = a->lesson;
    const LessonStep *s = cur(a);
    int x = r.x + 1, w = r.w - 2, y = r.y, bottom = r.y + r.h;
    int done = a->lrevealed[a->lstep];
    /* the keys, at the bottom */
    bottom--;
    tui_text(c, bottom, x,
             s->question == LQ_NONE ? "n next · p back · space play · ? keys"
             : done                 ? "n next · p back · z ask again · b baselines"
                                    : "1-9 vote · c answers · r reveal · n next",
             TR_DIM, w);
    int k = tui_textf(c, y, x, TR_TITLE, w, "%d/%d %s", a->lstep + 1, l->n_steps, s->title);
    if (k + 3 < w) tui_textf(c, y, x + k + 2, TR_DIM, w - k - 2, "· %s", l->name);
    y += 2;
    /* the question, its options and the reveal come first on a small screen: the narration
     * gets the rows they leave (cut with "…") */
    int q_rows = s->question == LQ_NONE ? 0
                 : 2 + wrap(c, 0, x, w, 1 << 20, s->ask, 0, 0) + s->n_opt + (done && s->reveal[0] ? 1 + wrap(c, 0, x, w, 1 << 20, s->reveal, 0, 0) : 0);
    int narr_bottom = bottom - q_rows;
    if (narr_bottom < y + 2) narr_bottom = y + 2 < bottom ? y + 2 : bottom;
    int ny = wrap(c, y, x, w, narr_bottom, s->narration, TR_NORMAL, 1);
    if (ny > narr_bottom) tui_text(c, narr_bottom - 1, x + w - 1, "…", TR_DIM, 1);
    y = ny < narr_bottom ? ny : narr_bottom;
    const char *hint = a->lesson->model_hint[0] ? a->lesson->model_hint : "(no model is loaded)";
    if (s->action == LA_PLAY && strcmp(s->actor, "model") == 0 && !a->agent && y + 1 < narr_bottom)
        y = wrap(c, y + 1, x, w, narr_bottom, hint, TR_ERROR, 1);
    if (s->question == LQ_NONE) return;
    y++;
    y = wrap(c, y, x, w, bottom, s->ask, TR_TITLE, 1);
    /* options: number, text, votes as a bar; after the reveal the reward (actions) or the answer */
    int total = 0, most = 1;
    for (int o = 0; o < s->n_opt; o++) {
        total += a->ltally[a->lstep][o];
        if (a->ltally[a->lstep][o] > most) most = a->ltally[a->lstep][o];
    }
    LessonChoice ch[LESSON_CHOOSERS];
    int nch = 0, have_choices = 0;
    Err e;
    if (done && s->question == LQ_ACTIONS) {
        /* what everyone would have done at the exploit: on the episode as it stood then */
        Episode at = a->live;
        if (ep_phase(&at.view) == EP_DONE) ep_undo(&at);
        have_choices = lesson_choices(&at, a->agent, ch, &nch, &e) == 0;
    }
    double best = -1e300;
    for (int o = 0; o < s->n_opt && s->question == LQ_ACTIONS; o++) {
        double rw = ep_action_reward(&a->live, s->opt[o].var, s->opt[o].sign);
        if (rw > best) best = rw;
    }
    int barw = w >= 60 ? 20 : w >= 44 ? 10 : 5;
    int labw = 0; /* the options' column: as wide as the longest, within reason */
    for (int o = 0; o < s->n_opt; o++)
        if (tui_text_width(s->opt[o].text) > labw) labw = tui_text_width(s->opt[o].text);
    labw += 3;
    if (labw > w - barw - 8) labw = w - barw - 8 > 5 ? w - barw - 8 : 5;
    for (int o = 0; o < s->n_opt && y < bottom; o++, y++) {
        int votes = a->ltally[a->lstep][o];
        const LessonOption *op = &s->opt[o];
        int right = done && (s->question == LQ_ACTIONS ? ep_action_reward(&a->live, op->var, op->sign) >= best - 1e-9
                                                       : o == s->answer);
        tui_textf(c, y, x, right ? TR_GOOD : TR_NORMAL, labw - 1, "%d %s", o + 1, op->text);
        int xx = x + labw - 1;
        int fill = votes * barw / most;
        for (int b = 0; b < barw && xx + b < x + w; b++)
            tui_text(c, y, xx + 1 + b, b < fill ? "█" : "·", b < fill ? TR_BAR : TR_DIM, 1);
        xx += barw + 2;
        xx += tui_textf(c, y, xx, TR_NORMAL, x + w - xx, "%3d", votes);
        if (done && s->question == LQ_ACTIONS) {
            double rw = ep_action_reward(&a->live, op->var, op->sign);
            xx += tui_textf(c, y, xx, right ? TR_GOOD : rw < 0 ? TR_BAD : TR_NORMAL, x + w - xx, "  %+6.1f", rw);
            /* who chose it: the model first (the one the class watches), then the expert, the rest */
            for (int j = 0; j < nch && have_choices; j++) {
                int rot = strcmp(ch[nch - 1].name, "model") == 0; /* the model is last in ch */
                int i = rot ? (j + nch - 1) % nch : j;
                if (!ch[i].ok || ch[i].act.var != op->var || ch[i].act.sign != op->sign) continue;
                int is_model = strcmp(ch[i].name, "model") == 0;
                if (is_model && !lesson_shows(a, LS_MODEL)) continue;
                if (!is_model && !lesson_shows(a, LS_BASELINES) && strcmp(ch[i].name, "expert") != 0) continue;
                xx += tui_textf(c, y, xx, is_model ? TR_BAR_CHOICE : TR_DIM, x + w - xx, " %s", ch[i].name);
            }
        } else if (done && o == s->answer) {
            tui_text(c, y, xx, "  ◀ the answer", TR_GOOD, x + w - xx);
        }
    }
    if (have_choices && e.msg[0] && y < bottom) tui_textf(c, y++, x, TR_DIM, w, "(%s)", e.msg);
    if (y < bottom)
        tui_textf(c, y++, x, TR_DIM, w, "%d answer%s%s", total, total == 1 ? "" : "s",
                  done ? (s->question == LQ_ACTIONS ? " · reward of each do() on the goal" : "") : " · r reveals");
    if (done && s->reveal[0] && y < bottom) y = wrap(c, y + 1, x, w, bottom, s->reveal, TR_TOK_EXPL, 1);
    (void)y;
}

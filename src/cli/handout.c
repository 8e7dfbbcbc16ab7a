/* handout — a lesson's steps as Markdown + HTML with SVG pictures of the worlds (see handout.h). */
#include "cli/handout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/proc.h"
#include "learn/agent.h"
#include "learn/train.h"
#include "util/fileio.h"
#include "util/strbuf.h"

/* ---- Markdown and HTML side by side --------------------------------------------------------- */

typedef struct Doc {
    SB md, html;
} Doc;

static void html_esc(SB *b, const char *s) {
    for (; *s; s++) {
        if (*s == '&') sb_puts(b, "&amp;");
        else if (*s == '<') sb_puts(b, "&lt;");
        else if (*s == '>') sb_puts(b, "&gt;");
        else if (*s == '"') sb_puts(b, "&quot;");
        else sb_putn(b, s, 1);
    }
}

/* Markdown text: the characters that would start markup are escaped. */
static void md_esc(SB *b, const char *s) {
    for (; *s; s++) {
        if (strchr("\\`*_[]|<>#", *s)) sb_putn(b, "\\", 1);
        sb_putn(b, s, 1);
    }
}

static void heading(Doc *d, int level, const char *text) {
    for (int i = 0; i < level; i++) sb_puts(&d->md, "#");
    sb_puts(&d->md, " ");
    md_esc(&d->md, text);
    sb_puts(&d->md, "\n\n");
    sb_printf(&d->html, "<h%d>", level);
    html_esc(&d->html, text);
    sb_printf(&d->html, "</h%d>\n", level);
}

/* Paragraphs of a narration: blank lines separate them; line breaks inside are spaces. */
static void paragraphs(Doc *d, const char *text, const char *cls) {
    const char *p = text;
    while (*p) {
        while (*p == '\n' || *p == ' ' || *p == '\t') p++;
        if (!*p) break;
        const char *end = strstr(p, "\n\n");
        if (!end) end = p + strlen(p);
        SB para = {0};
        int space = 0;
        for (const char *q = p; q < end; q++) {
            if (*q == '\n' || *q == ' ' || *q == '\t') space = 1;
            else {
                if (space && para.len) sb_puts(&para, " ");
                space = 0;
                sb_putn(&para, q, 1);
            }
        }
        md_esc(&d->md, sb_str(&para));
        sb_puts(&d->md, "\n\n");
        sb_printf(&d->html, "<p%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
        html_esc(&d->html, sb_str(&para));
        sb_puts(&d->html, "</p>\n");
        sb_free(&para);
        p = end;
    }
}

static void table_start(Doc *d, int n, const char *const *head) {
    sb_puts(&d->md, "|");
    sb_puts(&d->html, "<table>\n<tr>");
    for (int i = 0; i < n; i++) {
        sb_puts(&d->md, " ");
        md_esc(&d->md, head[i]);
        sb_puts(&d->md, " |");
        sb_puts(&d->html, "<th>");
        html_esc(&d->html, head[i]);
        sb_puts(&d->html, "</th>");
    }
    sb_puts(&d->md, "\n|");
    for (int i = 0; i < n; i++) sb_puts(&d->md, "---|");
    sb_puts(&d->md, "\n");
    sb_puts(&d->html, "</tr>\n");
}

static void table_row(Doc *d, int n, char cells[][96]) {
    sb_puts(&d->md, "|");
    sb_puts(&d->html, "<tr>");
    for (int i = 0; i < n; i++) {
        sb_puts(&d->md, " ");
        md_esc(&d->md, cells[i]);
        sb_puts(&d->md, " |");
        sb_puts(&d->html, "<td>");
        html_esc(&d->html, cells[i]);
        sb_puts(&d->html, "</td>");
    }
    sb_puts(&d->md, "\n");
    sb_puts(&d->html, "</tr>\n");
}

static void table_end(Doc *d) {
    sb_puts(&d->md, "\n");
    sb_puts(&d->html, "</table>\n");
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n<style>\n"
    "body { font-family: sans-serif; max-width: 52em; margin: 2em auto; line-height: 1.5; }\n"
    "table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #999; padding: 0.2em 0.6em; }\n"
    "th { background: #eee; } img { max-width: 100%%; } .reveal { border-left: 4px solid #1b7837; padding-left: 0.8em; }\n"
    ".note { color: #666; font-size: 90%%; }\n</style>\n</head>\n<body>\n";

/* ---- the world as a picture ----------------------------------------------------------------- */

/* Graphviz's dot source of step s's world: every variable a box (the goal marked), every edge
 * labelled with its signed weight, positive solid and negative dashed (so the sign reads in
 * black and white too). */
static void world_dot(const LessonStep *s, SB *b) {
    sb_puts(b, "digraph world {\n  rankdir=TB;\n  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=14];\n"
               "  edge [fontname=\"Helvetica\", fontsize=12];\n");
    for (int v = 0; v < s->world.n; v++) {
        if (v == s->goal)
            sb_printf(b, "  %c [label=\"%c (goal)\", penwidth=2.5];\n", scm_name(v), scm_name(v));
        else
            sb_printf(b, "  %c [label=\"%c\"];\n", scm_name(v), scm_name(v));
    }
    for (int i = 0; i < s->world.n; i++)
        for (int j = 0; j < s->world.n; j++)
            if (scm_has_edge(&s->world, i, j)) {
                double w = s->world.w[i][j];
                sb_printf(b, "  %c -> %c [label=\"%+.2g\", color=\"%s\", fontcolor=\"%s\"%s];\n", scm_name(i),
                          scm_name(j), w, w > 0 ? "#1b7837" : "#b2182b", w > 0 ? "#1b7837" : "#b2182b",
                          w > 0 ? "" : ", style=dashed");
            }
    sb_puts(b, "}\n");
}

static int write_text(const char *dir, const char *name, const SB *b, Err *e) {
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return fio_write_all_atomic(path, b->s ? b->s : "", b->len, e);
}

/* ---- one step --------------------------------------------------------------------------------- */

static void value_cell(char *out, double x) {
    double r = x == 0 ? 0 : x;
    snprintf(out, 96, "%+.1f", r);
    if (strcmp(out, "-0.0") == 0 || strcmp(out, "+0.0") == 0) snprintf(out, 96, "0.0");
}

static const char *part_names(unsigned show, char *buf, size_t n) {
    buf[0] = 0;
    for (int i = 0; lesson_show_name(i, NULL); i++)
        if (show & (1u << i)) snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", buf[0] ? ", " : "", lesson_show_name(i, NULL));
    if (!buf[0]) snprintf(buf, n, "nothing but the question");
    return buf;
}

static int write_step(const Lesson *l, int i, Strategy *model, const char *model_note, const HandoutOptions *o,
                      int have_dot, Err *e) {
    const LessonStep *s = &l->step[i];
    Doc d = {{0}, {0}};
    char title[256], name[64], buf[4096];
    snprintf(title, sizeof title, "%s — step %d of %d: %s", l->name, i + 1, l->n_steps, s->title);
    sb_printf(&d.html, html_head, "step");
    heading(&d, 1, title);
    paragraphs(&d, s->narration, NULL);
    /* the picture */
    SB dot = {0};
    world_dot(s, &dot);
    snprintf(name, sizeof name, "step-%02d.dot", i + 1);
    int rc = write_text(o->out_dir, name, &dot, e);
    sb_free(&dot);
    if (rc) goto fail;
    char svg[64];
    snprintf(svg, sizeof svg, "step-%02d.svg", i + 1);
    if (have_dot) {
        char in[2048], out[2048];
        snprintf(in, sizeof in, "%s/%s", o->out_dir, name);
        snprintf(out, sizeof out, "%s/%s", o->out_dir, svg);
        char *argv[] = {"dot", "-Tsvg", in, NULL};
        int st = proc_run(argv, out);
        if (st) {
            err_set(e, "dot -Tsvg %s failed (exit %d)", in, st);
            goto fail;
        }
        snprintf(buf, sizeof buf, "The world of step %d", i + 1);
        sb_printf(&d.md, "![%s](%s)\n\n", buf, svg);
        sb_printf(&d.html, "<p><img src=\"%s\" alt=\"%s\"></p>\n", svg, buf);
    } else {
        paragraphs(&d, "(No picture: Graphviz's dot is not installed; `make deps` installs graphviz. The world "
                       "is in step-NN.dot beside this file.)", "note");
    }
    snprintf(buf, sizeof buf, "Goal: make %c as large as possible. Shown to the class at this step: %s.",
             scm_name(s->goal), part_names(s->show, title, sizeof title));
    paragraphs(&d, buf, "note");
    /* the episode, played as in class */
    Episode ep;
    int played = lesson_episode(s, &ep, e) == 0 && lesson_play(s, &ep, model, e) == 0;
    if (!played) {
        snprintf(buf, sizeof buf, "(Not played here: %.2047s.)", s->action == LA_PLAY && !strcmp(s->actor, "model") ? model_note : e->msg);
        paragraphs(&d, buf, "note");
    }
    const EpView *v = &ep.view;
    if (played && v->n_passive + v->n_steps > 0) {
        heading(&d, 2, s->action == LA_NONE ? "What was observed" : "The evidence");
        const char *head[1 + SCM_MAX_VARS];
        char names[SCM_MAX_VARS][12];
        head[0] = "do()";
        for (int u = 0; u < v->n; u++) {
            snprintf(names[u], sizeof names[u], "%c%s", scm_name(u), u == s->goal ? " (goal)" : "");
            head[1 + u] = names[u];
        }
        table_start(&d, 1 + v->n, head);
        char cells[1 + SCM_MAX_VARS][96];
        for (int r = 0; r < v->n_passive + v->n_steps; r++) {
            const double *obs = r < v->n_passive ? v->passive[r] : v->steps[r - v->n_passive].obs;
            if (r < v->n_passive) snprintf(cells[0], 96, "(watched)");
            else snprintf(cells[0], 96, "%c = %+g", scm_name(v->steps[r - v->n_passive].var), v->steps[r - v->n_passive].value);
            for (int u = 0; u < v->n; u++) value_cell(cells[1 + u], obs[u]);
            table_row(&d, 1 + v->n, cells);
        }
        table_end(&d);
        if (v->exploit_var >= 0) {
            snprintf(buf, sizeof buf, "Last move (%s): %c%c, reward %.2f (the best possible: %.2f, %c%c).",
                     s->action == LA_PLAY ? s->actor : "the teacher", scm_name(v->exploit_var), v->exploit_sign > 0 ? '+' : '-',
                     ep.reward, ep.optimal, scm_name(ep.best_var), ep.best_sign > 0 ? '+' : '-');
            paragraphs(&d, buf, NULL);
        }
    }
    /* the question and its outcome */
    if (s->question != LQ_NONE) {
        heading(&d, 2, "Question for the class");
        paragraphs(&d, s->ask, NULL);
        LessonChoice ch[LESSON_CHOOSERS];
        int nch = 0;
        Err e2;
        int at_exploit = played && ep_phase(&ep.view) == EP_EXPLOIT;
        /* the model is in the table where the class saw it: a step that shows it or that it plays */
        int model_here = (s->show & LS_MODEL) || (s->action == LA_PLAY && !strcmp(s->actor, "model"));
        if (s->question == LQ_ACTIONS && at_exploit) lesson_choices(&ep, model, ch, &nch, &e2);
        static const char *const head_a[] = {"option", "reward of the do() on the goal", "chosen by"};
        static const char *const head_c[] = {"option", ""};
        if (s->question == LQ_ACTIONS) table_start(&d, 3, head_a);
        else table_start(&d, 2, head_c);
        for (int k = 0; k < s->n_opt; k++) {
            char cells[3][96];
            snprintf(cells[0], 96, "%d. %s", k + 1, s->opt[k].text);
            if (s->question == LQ_ACTIONS) {
                if (played) value_cell(cells[1], ep_action_reward(&ep, s->opt[k].var, s->opt[k].sign));
                else snprintf(cells[1], 96, "?");
                cells[2][0] = 0;
                for (int c = 0; c < nch; c++)
                    if (ch[c].ok && ch[c].act.var == s->opt[k].var && ch[c].act.sign == s->opt[k].sign &&
                        (model_here || strcmp(ch[c].name, "model") != 0))
                        snprintf(cells[2] + strlen(cells[2]), 96 - strlen(cells[2]), "%s%s", cells[2][0] ? ", " : "", ch[c].name);
                table_row(&d, 3, cells);
            } else {
                snprintf(cells[1], 96, "%s", k == s->answer ? "the answer" : "");
                table_row(&d, 2, cells);
            }
        }
        table_end(&d);
        if (!model_here) {
        } else if (s->question == LQ_ACTIONS && model && at_exploit && e2.msg[0]) {
            snprintf(buf, sizeof buf, "(The model did not choose here: %.600s.)", e2.msg);
            paragraphs(&d, buf, "note");
        } else if (s->question == LQ_ACTIONS && !model) {
            snprintf(buf, sizeof buf, "(The model is not in this table: %.2047s.)", model_note);
            paragraphs(&d, buf, "note");
        }
        if (s->reveal[0]) {
            sb_puts(&d.md, "**The reveal.** ");
            sb_puts(&d.html, "<div class=\"reveal\">\n");
            paragraphs(&d, s->reveal, NULL);
            sb_puts(&d.html, "</div>\n");
        }
    }
    /* the way around */
    sb_puts(&d.md, "---\n\n");
    sb_puts(&d.html, "<hr>\n<p>");
    if (i > 0) {
        sb_printf(&d.md, "[previous](step-%02d.md) · ", i);
        sb_printf(&d.html, "<a href=\"step-%02d.html\">previous</a> · ", i);
    }
    sb_puts(&d.md, "[all steps](index.md)");
    sb_puts(&d.html, "<a href=\"index.html\">all steps</a>");
    if (i + 1 < l->n_steps) {
        sb_printf(&d.md, " · [next](step-%02d.md)", i + 2);
        sb_printf(&d.html, " · <a href=\"step-%02d.html\">next</a>", i + 2);
    }
    sb_puts(&d.md, "\n");
    sb_puts(&d.html, "</p>\n</body>\n</html>\n");
    snprintf(name, sizeof name, "step-%02d.md", i + 1);
    rc = write_text(o->out_dir, name, &d.md, e);
    snprintf(name, sizeof name, "step-%02d.html", i + 1);
    if (!rc) rc = write_text(o->out_dir, name, &d.html, e);
    sb_free(&d.md);
    sb_free(&d.html);
    return rc;
fail:
    sb_free(&d.md);
    sb_free(&d.html);
    return -1;
}

/* ---- the whole lesson ------------------------------------------------------------------------ */

int handout_write(const Lesson *l, const HandoutOptions *o, char *summary, size_t n, Err *e) {
    if (mkdir(o->out_dir, 0777) && errno != EEXIST) return err_set(e, "%s: cannot make the folder: %s", o->out_dir, strerror(errno));
    int have_dot = proc_on_path("dot");
    /* the model: the lesson's (given as o->model) or the shipped one */
    Gpt *m = NULL;
    Strategy *agent = NULL;
    Experiment x;
    cJSON *meta = NULL;
    char path[1200], note[2048];
    snprintf(note, sizeof note, "no model is loaded%s%s", l->model_hint[0] ? "; " : "", l->model_hint);
    int have = 0;
    if (o->model) snprintf(path, sizeof path, "%s", o->model), have = 1;
    else if (!o->no_model) have = fio_data_path(NULL, "models/default.ckpt", path, sizeof path);
    if (have) {
        Err e2;
        if (train_load(path, &m, &x, &meta, &e2)) {
            snprintf(note, sizeof note, "the model %.900s did not load: %.600s", path, e2.msg);
        } else {
            TokFormat fmt = exp_format(&x, -1);
            agent = agent_new(m, &fmt, 0.0, 0, &e2);
            if (!agent) snprintf(note, sizeof note, "the model: %.600s", e2.msg);
        }
    }
    int rc = 0;
    Doc idx = {{0}, {0}};
    sb_printf(&idx.html, html_head, "lesson");
    heading(&idx, 1, l->name);
    if (l->about[0]) paragraphs(&idx, l->about, NULL);
    char buf[4096];
    snprintf(buf, sizeof buf, "A handout of %.1000s (dolab lesson). Model: %.2047s.", o->script, agent ? path : note);
    paragraphs(&idx, buf, "note");
    for (int i = 0; i < l->n_steps && !rc; i++) {
        rc = write_step(l, i, agent, note, o, have_dot, e);
        sb_printf(&idx.md, "%d. [", i + 1);
        md_esc(&idx.md, l->step[i].title);
        sb_printf(&idx.md, "](step-%02d.md)\n", i + 1);
        sb_printf(&idx.html, "<p>%d. <a href=\"step-%02d.html\">", i + 1, i + 1);
        html_esc(&idx.html, l->step[i].title);
        sb_puts(&idx.html, "</a></p>\n");
    }
    sb_puts(&idx.html, "</body>\n</html>\n");
    if (!rc) rc = write_text(o->out_dir, "index.md", &idx.md, e);
    if (!rc) rc = write_text(o->out_dir, "index.html", &idx.html, e);
    sb_free(&idx.md);
    sb_free(&idx.html);
    if (agent) agent->destroy(agent);
    gpt_free(m);
    cJSON_Delete(meta);
    if (rc) return -1;
    snprintf(summary, n, "wrote %d steps of \"%s\" to %s: index.md, index.html, step-NN.md/.html%s\n%s", l->n_steps,
             l->name, o->out_dir, have_dot ? ", step-NN.svg (Graphviz)" : "",
             have_dot ? "" : "no pictures: Graphviz's dot is not installed (Debian: graphviz; `make deps` installs it)\n");
    return 0;
}

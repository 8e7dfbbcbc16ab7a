/* handout — `dolab lesson FILE.lua --handout DIR`: every step of a lesson as Markdown and HTML
 * (step-NN.md, step-NN.html, an index of each) with its world drawn by Graphviz's `dot` as
 * step-NN.svg: signs and weights on the edges, the goal marked.  Each step is played as the
 * TUI's lesson mode plays it (lesson_episode, lesson_play), so the evidence table, the question
 * and its outcome table (every option's reward, what each strategy and the model chose) are the
 * numbers the class saw.  Without `dot` the text is written and each step says why there is no
 * picture. */
#ifndef DOLAB_CLI_HANDOUT_H
#define DOLAB_CLI_HANDOUT_H

#include <stddef.h>

#include "script/lesson.h"
#include "util/err.h"

typedef struct HandoutOptions {
    const char *out_dir;  /* created if missing */
    const char *script;   /* the lesson's file, named in the handout */
    const char *model;    /* checkpoint for the model's steps; NULL: models/default.ckpt if there */
    int no_model;
} HandoutOptions;

/* Writes the handout; summary gets what was written (one or two lines).  -1 with e on an error
 * (a folder or file that cannot be written, dot failing on a step). */
int handout_write(const Lesson *l, const HandoutOptions *o, char *summary, size_t n, Err *e);

#endif

/* nb_text — how the notebook commands (notebook, export, report) put entries into text:
 * columns cut to a width in UTF-8 characters, wrapped paragraphs, times, numbers for people
 * and exact numbers for files, sparklines.  Everything appends to a caller-owned SB. */
#ifndef DOLAB_CLI_NB_TEXT_H
#define DOLAB_CLI_NB_TEXT_H

#include <cJSON.h>

#include "util/strbuf.h"

/* $DOLAB_NOTEBOOK, else notebook.json. */
const char *nt_default_notebook(void);
int nt_utf8_len(unsigned char c);
/* s on one line in at most width characters (… when cut), padded to width when pad is set. */
void nt_cols(SB *b, const char *s, int width, int pad);
/* Text wrapped at width characters, each line after indent. */
void nt_wrapped(SB *b, const char *s, const char *indent, int width);
/* "2026-11-03T12:34:56Z" -> "2026-11-03 12:34". */
void nt_time(SB *b, const char *t);
/* Integers without decimals, else 4 significant digits; "?" for NAN. */
void nt_num(SB *b, double x);
/* Shortest text that reads back as the same double. */
void nt_exact(SB *b, double x);
/* A seed exactly, in either of its forms (a number up to 2^53, else a string); "?" if neither. */
void nt_seed(SB *b, const cJSON *v);
void nt_json(SB *b, const cJSON *v);
/* s as one CSV field: quoted (with "" for ") when it holds a comma, a quote or a line break. */
void nt_csv_field(SB *b, const char *s);
/* A result row's "0.812 [0.790, 0.834]", padded to 24 columns. */
void nt_reward_ci(SB *b, const cJSON *row);
/* Writes b to stdout; 0 or 1 (exit status). */
int nt_emit(SB *b, const char *cmd);
/* A sparkline of column col of a training curve, at most width (<= 128) characters; returns
 * the number of points used (0: nothing drawn); *first and *last get the end values. */
int nt_sparkline(SB *b, const cJSON *curve, int col, int width, double *first, double *last);
/* A sparkline of n values, at most width (<= 128) characters. */
void nt_spark_values(SB *b, const double *v, int n, int width);

/* notebook show / compare (nb_show.c, nb_compare.c) */
void nb_show_entry(SB *b, const cJSON *x);
void nb_compare_runs(SB *b, const cJSON *x, const cJSON *y);

#endif

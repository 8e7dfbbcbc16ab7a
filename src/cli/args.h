/* args — flag parsing shared by every dolab command.
 *
 * A command is described by an ArgCmd (name, usage, summary, options); args_parse fills the
 * option targets, collects positional arguments and handles --help.  Errors are one line
 * naming the command, the flag and what was expected; the caller prints it and exits 2.
 * Nothing is allocated: positional pointers point into argv. */
#ifndef DOLAB_CLI_ARGS_H
#define DOLAB_CLI_ARGS_H

#include <stdint.h>
#include <stdio.h>

#include "util/err.h"

typedef enum ArgKind { ARG_INT, ARG_U64, ARG_U64_OPT, ARG_REAL, ARG_FLAG, ARG_CHOICE, ARG_STRING, ARG_LIST } ArgKind;

/* Target of ARG_U64_OPT: a non-negative integer and whether it was given at all. */
typedef struct ArgU64 {
    uint64_t value;
    int given;
} ArgU64;

/* Target of ARG_LIST: every value of a flag that may be given several times (--set A --set B). */
#define ARG_LIST_MAX 32
typedef struct ArgList {
    const char *v[ARG_LIST_MAX];
    int n;
} ArgList;

typedef struct ArgOpt {
    const char *name;    /* "--episodes" */
    ArgKind kind;
    void *dst;           /* int*, uint64_t*, ArgU64*, double*, int* (flag: set to 1), int* (choice index), const char**, ArgList* */
    double lo, hi;       /* inclusive range for ARG_INT / ARG_REAL */
    const char *choices; /* "text|tokens|jsonl" for ARG_CHOICE */
    const char *metavar; /* "N" */
    const char *help;    /* ending in "(default)": the help shows the target's value as the default */
} ArgOpt;

typedef struct ArgCmd {
    const char *name;    /* "stream" */
    const char *usage;   /* "dolab stream [options]" */
    const char *summary; /* one paragraph */
    const ArgOpt *opts;
    int nopts;
    int min_pos, max_pos;
    const char *more;    /* text after the options (examples), may be NULL */
} ArgCmd;

/* Returns 0 (parsed), 1 (help printed to stdout: exit 0) or -1 (e set: exit 2). */
int args_parse(const ArgCmd *cmd, int argc, char **argv, char **pos, int *npos, Err *e);
/* args_parse for a command's entry point: -1 to go on, or the exit status once help (0) or
 * the error line (2, on stderr) has been printed. */
int args_or_exit(const ArgCmd *cmd, int argc, char **argv, char **pos, int *npos);
void args_help(const ArgCmd *cmd, FILE *out);
/* A headless screen size "WxH" (1..1000 each) into *w, *h; on a bad one prints
 * "dolab CMD: --size: ..." to stderr and returns -1.  NULL leaves *w, *h as they are. */
int args_size(const char *cmd, const char *s, int *w, int *h);

#endif

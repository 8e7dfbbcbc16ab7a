/* arm — one experiment of a script, picked as dolab stream and dolab prompt pick it: the
 * script run with its --set fields and --quick, the arm named by --arm (default the first),
 * --seed, checked, its vocabulary compiled.  Failures print "dolab CMD: ..." on stderr. */
#ifndef DOLAB_CLI_ARM_H
#define DOLAB_CLI_ARM_H

#include <stdint.h>

#include "cli/args.h"
#include "learn/exp.h"
#include "script/lab.h"

typedef struct ScriptArm {
    Lab *lab;       /* the script's functions live here */
    Experiment *xs; /* every arm */
    int narms;
    Experiment *x;  /* the chosen one */
    Vocab *voc;     /* compiled for x (train_vocab) */
} ScriptArm;

/* 0, or the exit status after the message (2: a bad --set, 1: anything else).  seed NULL: the
 * script's.  script_arm_free in every case. */
int script_arm_load(ScriptArm *a, const char *cmd, const char *script, const char *arm, const ArgList *sets, int quick,
                    const uint64_t *seed);
void script_arm_free(ScriptArm *a);
/* Prints "dolab CMD: MSG" for a script that failed to load with --set fields.  An error about
 * one of the fields is the setting's, not the script's: it is printed as "--set F=V: what is
 * wrong", without the script position of the lab.experiment call and without the traceback. */
void script_load_error(const char *cmd, const ArgList *sets, const char *msg);
/* The index of x's evaluation set called name, or -1 after the message (which names the sets). */
int script_arm_set(const char *cmd, const Experiment *x, const char *name);

#endif

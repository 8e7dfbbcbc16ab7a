#include "cli/arm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/train.h"
#include "util/strbuf.h"

enum { ARM_MAX = 8 };

int script_arm_load(ScriptArm *a, const char *cmd, const char *script, const char *arm, const ArgList *sets, int quick,
                    const uint64_t *seed) {
    memset(a, 0, sizeof *a);
    Err e;
    LabLimits lim = lab_limits_default();
    if (!(a->lab = lab_new(&lim, NULL, NULL, &e))) {
        fprintf(stderr, "dolab %s: %s\n", cmd, e.msg);
        return 1;
    }
    lab_set_quick(a->lab, quick);
    if (!(a->xs = calloc(ARM_MAX, sizeof *a->xs))) {
        fprintf(stderr, "dolab %s: out of memory\n", cmd);
        return 1;
    }
    for (int i = 0; sets && i < sets->n; i++)
        if (lab_set_field(a->lab, sets->v[i], &e)) {
            fprintf(stderr, "dolab %s: %s\n", cmd, e.msg);
            return 2;
        }
    if (lab_load_experiments(a->lab, script, a->xs, ARM_MAX, &a->narms, &e)) {
        script_load_error(cmd, sets, e.msg);
        return 1;
    }
    int k = 0;
    while (arm && k < a->narms && strcmp(a->xs[k].name, arm) != 0) k++;
    if (k == a->narms) {
        fprintf(stderr, "dolab %s: --arm %s: %s has no such arm\n", cmd, arm, script);
        return 1;
    }
    a->x = &a->xs[k];
    if (seed) a->x->seed = *seed;
    if (exp_check(a->x, &e) || !(a->voc = train_vocab(a->x, &e))) {
        fprintf(stderr, "dolab %s: %s: %s\n", cmd, a->x->name, e.msg);
        return 1;
    }
    return 0;
}

void script_load_error(const char *cmd, const ArgList *sets, const char *msg) {
    const char *body = lab_after_position(msg), *which = NULL;
    int is_set = strncmp(body, "--set ", 6) == 0; /* raised while applying a setting: names it */
    for (int i = 0; sets && i < sets->n && !which && !is_set; i++) {
        const char *eq = strchr(sets->v[i], '=');
        char path[160];
        snprintf(path, sizeof path, "%.*s:", (int)(eq - sets->v[i]), sets->v[i]);
        if (strstr(body, path)) which = sets->v[i]; /* "train.lr: ..." */
    }
    if (!is_set && !which) {
        fprintf(stderr, "dolab %s: %s\n", cmd, msg);
        return;
    }
    const char *tb = strstr(body, "\nstack traceback:");
    int len = tb ? (int)(tb - body) : (int)strlen(body);
    if (which) fprintf(stderr, "dolab %s: --set %s: %.*s\n", cmd, which, len, body);
    else fprintf(stderr, "dolab %s: %.*s\n", cmd, len, body);
}

void script_arm_free(ScriptArm *a) {
    tok_vocab_free(a->voc);
    free(a->xs);
    lab_free(a->lab);
    memset(a, 0, sizeof *a);
}

int script_arm_set(const char *cmd, const Experiment *x, const char *name) {
    for (int i = 0; i < x->n_sets; i++)
        if (strcmp(x->sets[i].name, name) == 0) return i;
    SB names = {0};
    for (int i = 0; i < x->n_sets; i++) sb_printf(&names, "%s%s", i ? ", " : "", x->sets[i].name);
    fprintf(stderr, "dolab %s: --eval-set %s: %s has no such set (it has %s)\n", cmd, name, x->name, sb_str(&names));
    sb_free(&names);
    return -1;
}


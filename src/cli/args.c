#include "cli/args.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void args_help(const ArgCmd *cmd, FILE *out) {
    fprintf(out, "usage: %s\n\n%s\n", cmd->usage, cmd->summary);
    if (cmd->nopts) fprintf(out, "\noptions:\n");
    for (int i = 0; i < cmd->nopts; i++) {
        const ArgOpt *o = &cmd->opts[i];
        char left[64];
        if (o->kind == ARG_FLAG)
            snprintf(left, sizeof left, "%s", o->name);
        else if (o->kind == ARG_CHOICE)
            snprintf(left, sizeof left, "%s %s", o->name, o->choices);
        else
            snprintf(left, sizeof left, "%s %s", o->name, o->metavar ? o->metavar : "X");
        /* a help that ends in "(default)" shows the value its target holds before parsing */
        size_t n = strlen(o->help), k = sizeof "(default)" - 1;
        if (n >= k && strcmp(o->help + n - k, "(default)") == 0 && o->dst &&
            (o->kind == ARG_INT || o->kind == ARG_U64 || o->kind == ARG_REAL)) {
            char v[40];
            if (o->kind == ARG_INT) snprintf(v, sizeof v, "%d", *(const int *)o->dst);
            else if (o->kind == ARG_U64) snprintf(v, sizeof v, "%llu", (unsigned long long)*(const uint64_t *)o->dst);
            else snprintf(v, sizeof v, "%g", *(const double *)o->dst);
            fprintf(out, "  %-26s %.*s(default %s)\n", left, (int)(n - k), o->help, v);
        } else {
            fprintf(out, "  %-26s %s\n", left, o->help);
        }
    }
    fprintf(out, "  %-26s %s\n", "--help", "show this help");
    if (cmd->more) fprintf(out, "\n%s", cmd->more);
}

static int choice_index(const char *choices, const char *v) {
    size_t n = strlen(v);
    int idx = 0;
    for (const char *p = choices; *p; idx++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, v, n) == 0) return idx;
        if (!bar) break;
        p = bar + 1;
    }
    return -1;
}

static int set_value(const ArgCmd *cmd, const ArgOpt *o, const char *v, Err *e) {
    char *end;
    errno = 0;
    switch (o->kind) {
    case ARG_INT: {
        long long x = strtoll(v, &end, 10);
        if (!*v || *end || errno || x < (long long)o->lo || x > (long long)o->hi)
            return err_set(e, "dolab %s: %s: expected an integer from %.0f to %.0f, got '%s'", cmd->name, o->name,
                           o->lo, o->hi, v);
        *(int *)o->dst = (int)x;
        return 0;
    }
    case ARG_U64:
    case ARG_U64_OPT: {
        if (v[0] == '-' || !*v)
            return err_set(e, "dolab %s: %s: expected a non-negative integer, got '%s'", cmd->name, o->name, v);
        unsigned long long x = strtoull(v, &end, 10);
        if (*end || errno)
            return err_set(e, "dolab %s: %s: expected a non-negative integer, got '%s'", cmd->name, o->name, v);
        if (o->kind == ARG_U64_OPT)
            *(ArgU64 *)o->dst = (ArgU64){(uint64_t)x, 1};
        else
            *(uint64_t *)o->dst = (uint64_t)x;
        return 0;
    }
    case ARG_REAL: {
        double x = strtod(v, &end);
        if (!*v || *end || errno || !isfinite(x) || x < o->lo || x > o->hi)
            return err_set(e, "dolab %s: %s: expected a number from %g to %g, got '%s'", cmd->name, o->name, o->lo,
                           o->hi, v);
        *(double *)o->dst = x;
        return 0;
    }
    case ARG_CHOICE: {
        int k = choice_index(o->choices, v);
        if (k < 0) return err_set(e, "dolab %s: %s: expected one of %s, got '%s'", cmd->name, o->name, o->choices, v);
        *(int *)o->dst = k;
        return 0;
    }
    case ARG_STRING:
        *(const char **)o->dst = v;
        return 0;
    case ARG_LIST: {
        ArgList *l = o->dst;
        if (l->n == ARG_LIST_MAX) return err_set(e, "dolab %s: %s: at most %d times", cmd->name, o->name, ARG_LIST_MAX);
        l->v[l->n++] = v;
        return 0;
    }
    case ARG_FLAG:
        break;
    }
    return err_set(e, "dolab %s: %s: internal error", cmd->name, o->name);
}

int args_parse(const ArgCmd *cmd, int argc, char **argv, char **pos, int *npos, Err *e) {
    *npos = 0;
    int only_pos = 0;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            args_help(cmd, stdout);
            return 1;
        }
        if (!only_pos && a[0] == '-' && a[1] != 0) {
            const char *eq = strchr(a, '=');
            size_t len = eq ? (size_t)(eq - a) : strlen(a);
            const ArgOpt *o = NULL;
            for (int k = 0; k < cmd->nopts; k++)
                if (strlen(cmd->opts[k].name) == len && strncmp(cmd->opts[k].name, a, len) == 0) o = &cmd->opts[k];
            if (!o)
                return err_set(e, "dolab %s: unknown option '%.*s' (see dolab %s --help)", cmd->name, (int)len, a,
                               cmd->name);
            if (o->kind == ARG_FLAG) {
                if (eq) return err_set(e, "dolab %s: %s takes no value", cmd->name, o->name);
                *(int *)o->dst = 1;
                continue;
            }
            const char *v;
            if (eq) {
                v = eq + 1;
            } else {
                if (i + 1 >= argc) return err_set(e, "dolab %s: %s needs a value", cmd->name, o->name);
                v = argv[++i];
            }
            if (set_value(cmd, o, v, e)) return -1;
            continue;
        }
        if (*npos >= cmd->max_pos)
            return err_set(e, "dolab %s: unexpected argument '%s' (see dolab %s --help)", cmd->name, a, cmd->name);
        pos[(*npos)++] = a;
    }
    if (*npos < cmd->min_pos)
        return err_set(e, "dolab %s: missing argument (usage: %s)", cmd->name, cmd->usage);
    return 0;
}

int args_or_exit(const ArgCmd *cmd, int argc, char **argv, char **pos, int *npos) {
    Err e;
    int rc = args_parse(cmd, argc, argv, pos, npos, &e);
    if (rc == 0) return -1;
    if (rc < 0) fprintf(stderr, "%s\n", e.msg);
    return rc > 0 ? 0 : 2;
}

int args_size(const char *cmd, const char *s, int *w, int *h) {
    int x, y;
    if (!s) return 0;
    if (sscanf(s, "%dx%d", &x, &y) != 2 || x < 1 || y < 1 || x > 1000 || y > 1000) {
        fprintf(stderr, "dolab %s: --size: expected WxH such as 100x30, got '%s'\n", cmd, s);
        return -1;
    }
    *w = x, *h = y;
    return 0;
}

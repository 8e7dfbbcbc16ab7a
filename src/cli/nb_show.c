/* dolab notebook show: one entry in full (configuration, training, result tables). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/nb_text.h"
#include "notebook/nb_entry.h"

/* ---- show ------------------------------------------------------------------------------------ */

static void show_config(SB *b, const cJSON *c) {
    if (!cJSON_IsObject(c)) return;
    sb_printf(b, "\nconfiguration: %s\n", nbe_str(c, "name") ? nbe_str(c, "name") : "(unnamed)");
    if (nbe_str(c, "about")) nt_wrapped(b, nbe_str(c, "about"), "  ", 94);
    const cJSON *w = nbe_get(c, "world");
    if (w) {
        sb_puts(b, "  world       ");
        nt_num(b, nbe_num(w, "variables"));
        sb_puts(b, " variables, edge probability ");
        nt_num(b, nbe_num(w, "edge_prob"));
        sb_puts(b, ", noise ");
        nt_num(b, nbe_num(w, "noise"));
        const cJSON *wt = nbe_get(w, "weights");
        if (cJSON_GetArraySize(wt) == 2) {
            sb_puts(b, ", |weights| in [");
            nt_num(b, nbe_num(cJSON_GetArrayItem(wt, 0), ""));
            sb_puts(b, ", ");
            nt_num(b, nbe_num(cJSON_GetArrayItem(wt, 1), ""));
            sb_puts(b, "]");
        }
        if (nbe_num(w, "passive") > 0) {
            sb_puts(b, ", ");
            nt_num(b, nbe_num(w, "passive"));
            sb_puts(b, " passive observations");
        }
        if (nbe_num(w, "cue") > 0) {
            sb_puts(b, ", cue ");
            nt_num(b, nbe_num(w, "cue"));
        }
        sb_puts(b, "\n");
    }
    if (nbe_str(c, "heldout")) sb_printf(b, "  held out    %s\n", nbe_str(c, "heldout"));
    const cJSON *m = nbe_get(c, "model");
    if (m) {
        sb_puts(b, "  model       ");
        nt_num(b, nbe_num(m, "layers"));
        sb_puts(b, nbe_num(m, "layers") == 1 ? " layer, width " : " layers, width ");
        nt_num(b, nbe_num(m, "dim"));
        sb_puts(b, ", ");
        nt_num(b, nbe_num(m, "heads"));
        sb_puts(b, " heads, context ");
        nt_num(b, nbe_num(m, "context"));
        sb_puts(b, "\n");
    }
    const cJSON *t = nbe_get(c, "train");
    if (t) {
        sb_puts(b, "  training    ");
        nt_num(b, nbe_num(t, "steps"));
        sb_puts(b, " steps, batch ");
        nt_num(b, nbe_num(t, "batch"));
        sb_puts(b, ", lr ");
        nt_num(b, nbe_num(t, "lr"));
        sb_puts(b, ", seed ");
        nt_seed(b, nbe_get(t, "seed"));
        sb_printf(b, ", %d mix component%s\n", cJSON_GetArraySize(nbe_get(t, "mix")),
                  cJSON_GetArraySize(nbe_get(t, "mix")) == 1 ? "" : "s");
    }
    const cJSON *ev = nbe_get(c, "eval");
    if (ev) {
        sb_puts(b, "  evaluation  seed ");
        nt_seed(b, nbe_get(ev, "seed"));
        const cJSON *s;
        int k = 0;
        cJSON_ArrayForEach(s, nbe_get(ev, "strategies")) if (cJSON_IsString(s)) sb_printf(b, "%s%s", k++ ? " " : ", baselines ",
                                                                                    s->valuestring);
        sb_puts(b, "\n");
    }
}

static void show_training(SB *b, const cJSON *tr) {
    if (!cJSON_IsObject(tr)) return;
    sb_puts(b, "\ntraining: ");
    nt_num(b, nbe_num(tr, "steps"));
    sb_puts(b, " steps in ");
    sb_printf(b, "%.1f s, ", nbe_num(tr, "seconds"));
    nt_num(b, round(nbe_num(tr, "tokens_per_s")));
    sb_puts(b, " tokens/s");
    if (!isnan(nbe_num(tr, "final_loss"))) sb_printf(b, ", final loss %.4f", nbe_num(tr, "final_loss"));
    sb_puts(b, "\n");
    const cJSON *rs = nbe_get(tr, "restarts"), *r1;
    if (cJSON_GetArraySize(rs) > 0) { /* train.restart_below: the weights started again after these steps */
        sb_printf(b, "  restarted from a new initialisation after step");
        cJSON_ArrayForEach(r1, rs) sb_printf(b, " %.0f", r1->valuedouble);
        sb_puts(b, "\n");
    }
    if (cJSON_IsNumber(nbe_get(tr, "cooled_from"))) /* train.cooldown */
        sb_printf(b, "  reached train.stop_at at step %.0f, then the rate decayed to train.lr_min until step %.0f\n",
                  nbe_num(tr, "cooled_from"), nbe_num(tr, "steps"));
    const cJSON *curve = nbe_get(tr, "curve");
    double a, z;
    SB line = {0};
    int n = nt_sparkline(&line, curve, 1, 60, &a, &z);
    if (n) sb_printf(b, "  loss        %s  %.4f -> %.4f (%d points)\n", sb_str(&line), a, z, n);
    sb_free(&line);
    n = nt_sparkline(&line, curve, 2, 60, &a, &z);
    if (n) sb_printf(b, "  dev reward  %s  %.3f -> %.3f (%d points)\n", sb_str(&line), a, z, n);
    if (line.oom) b->oom = 1;
    sb_free(&line);
}

/* The config's description of an evaluation set, found by name. */
static const cJSON *config_set(const cJSON *run, const char *name) {
    const cJSON *s;
    cJSON_ArrayForEach(s, nbe_get(run, "config.eval.sets")) {
        const char *n = nbe_str(s, "name");
        if (n && name && strcmp(n, name) == 0) return s;
    }
    return NULL;
}

static void set_heading(SB *b, const cJSON *run, const cJSON *set) {
    const char *name = nbe_str(set, "name");
    sb_printf(b, "%s: ", name ? name : "?");
    nt_num(b, nbe_num(set, "episodes"));
    sb_puts(b, " episodes");
    const cJSON *cs = config_set(run, name);
    const char *worlds = nbe_str(cs, "worlds");
    if (worlds) {
        int held = strcmp(worlds, "heldout") == 0;
        sb_printf(b, " from %s worlds", held ? "held-out" : "training");
        const char *h = nbe_str(run, "config.heldout");
        if (held && h && strcmp(h, "nothing") != 0) sb_printf(b, " (%s)", h);
    }
    if (nbe_str(cs, "goal")) sb_printf(b, ", goal %s", nbe_str(cs, "goal"));
    if (nbe_str(cs, "best")) sb_printf(b, ", best action on %s", nbe_str(cs, "best"));
    sb_puts(b, "\n");
}


/* "  X's exploit agrees with, on its own exploration (N episodes where they disagree): ..." */
static void show_agreement(SB *b, const cJSON *ag) {
    if (!cJSON_IsObject(ag) || !(nbe_num(ag, "episodes") > 0)) return;
    sb_printf(b, "  %s's exploit agrees with, on its own exploration (%.0f episodes where they disagree):\n   ",
              nbe_str(ag, "of") ? nbe_str(ag, "of") : "?", nbe_num(ag, "episodes"));
    const cJSON *it;
    cJSON_ArrayForEach(it, ag) {
        if (!it->string || !strcmp(it->string, "of") || !strcmp(it->string, "episodes")) continue;
        if (cJSON_IsNumber(it))
            sb_printf(b, " %s %.1f%%", it->string, 100 * it->valuedouble);
        else
            sb_printf(b, " %s -", it->string);
    }
    sb_puts(b, "\n");
}

/* "  X's explanation before its exploit, in the same episodes: ..." */
static void show_explanations(SB *b, const cJSON *xp) {
    if (!cJSON_IsObject(xp) || !(nbe_num(xp, "episodes") > 0) || !(nbe_num(xp, "explained") >= 0)) return;
    sb_printf(b, "  %s's explanation before its exploit, in the same episodes: names a variable in %.0f",
              nbe_str(xp, "of") ? nbe_str(xp, "of") : "?", nbe_num(xp, "explained"));
    if (nbe_num(xp, "explained") > 0) {
        sb_puts(b, ";\n   it names the choice of");
        const cJSON *it;
        cJSON_ArrayForEach(it, nbe_get(xp, "names")) {
            if (!it->string) continue;
            if (cJSON_IsNumber(it)) sb_printf(b, " %s %.1f%%", it->string, 100 * it->valuedouble);
            else sb_printf(b, " %s -", it->string);
        }
        double f = nbe_num(xp, "follows");
        if (isnan(f)) sb_puts(b, "; the exploit follows it -");
        else sb_printf(b, "; the exploit follows it %.1f%%", 100 * f);
    }
    sb_puts(b, "\n");
}

/* The result tables as src/learn/eval.c eval_print shows them. */
static void show_eval(SB *b, const cJSON *run) {
    const cJSON *ev = nbe_get(run, "eval");
    if (!cJSON_IsObject(ev)) {
        sb_puts(b, "\nresults: none (the run was not evaluated)\n");
        return;
    }
    sb_puts(b, "\nresults:\n");
    const cJSON *set;
    int k = 0;
    cJSON_ArrayForEach(set, nbe_get(ev, "sets")) {
        if (k++) sb_puts(b, "\n");
        set_heading(b, run, set);
        sb_printf(b, "  %-12s %7s  %-17s %8s %9s\n", "strategy", "reward", "95% CI", "oracle", "explored");
        const cJSON *row;
        cJSON_ArrayForEach(row, nbe_get(set, "strategies")) {
            const cJSON *ci = nbe_get(row, "ci95");
            char cis[48] = "";
            if (cJSON_GetArraySize(ci) == 2)
                snprintf(cis, sizeof cis, "[%.3f, %.3f]", nbe_num(cJSON_GetArrayItem(ci, 0), ""),
                         nbe_num(cJSON_GetArrayItem(ci, 1), ""));
            sb_puts(b, "  ");
            nt_cols(b, nbe_str(row, "name") ? nbe_str(row, "name") : "?", 12, 1);
            sb_printf(b, " %7.3f  %-17s %7.1f%% %8.1f%%\n", nbe_num(row, "mean_normalised_reward"), cis,
                      100 * nbe_num(row, "oracle_action_share"), 100 * nbe_num(row, "explored_once_share"));
        }
        show_agreement(b, nbe_get(set, "agreement"));
        show_explanations(b, nbe_get(set, "explanations"));
        const cJSON *aa;
        cJSON_ArrayForEach(aa, nbe_get(set, "agent_agreement")) show_agreement(b, aa);
    }
    const cJSON *agent;
    cJSON_ArrayForEach(agent, nbe_get(ev, "agents")) {
        sb_printf(b, "\n%s (%s, protocol %.0f, %.0f ms a decision): %.0f decisions; %.0f timeouts, %.0f malformed, "
                     "%.0f illegal replies (default action taken); %.0f of %.0f episodes marked\n",
                  nbe_str(agent, "name") ? nbe_str(agent, "name") : "?",
                  nbe_str(agent, "command") ? nbe_str(agent, "command") : "?", nbe_num(agent, "protocol"),
                  nbe_num(agent, "timeout_ms"), nbe_num(agent, "decisions"), nbe_num(agent, "timeouts"),
                  nbe_num(agent, "malformed"), nbe_num(agent, "illegal"), nbe_num(agent, "episodes_marked"),
                  nbe_num(agent, "episodes"));
        if (nbe_str(agent, "stderr_tail")) sb_printf(b, "  its stderr (tail): %s\n", nbe_str(agent, "stderr_tail"));
    }
    sb_puts(b, "\nreward: mean normalised reward (oracle = 1) with a 95% bootstrap CI; oracle: share of the oracle's "
               "action;\nexplored: every relevant variable explored exactly once.");
    if (nbe_get(ev, "seed")) {
        sb_puts(b, "  Evaluation seed ");
        nt_seed(b, nbe_get(ev, "seed"));
        sb_puts(b, ".");
    }
    sb_puts(b, "\n");
}

static void show_run(SB *b, const cJSON *x) {
    sb_printf(b, "run %ld: %s\n", nbe_id(x), nbe_title(x));
    sb_printf(b, "  time        %s\n", nbe_str(x, "time") ? nbe_str(x, "time") : "?");
    if (nbe_get(x, "seed")) {
        sb_puts(b, "  seed        ");
        nt_seed(b, nbe_get(x, "seed"));
        sb_puts(b, "\n");
    }
    const cJSON *sc = nbe_get(x, "script");
    if (sc) {
        sb_printf(b, "  script      %s", nbe_str(sc, "path") ? nbe_str(sc, "path") : "(inline)");
        /* the hash, whatever its kind: sha256, fnv1a64, ... */
        const cJSON *it;
        cJSON_ArrayForEach(it, sc) if (it->string && cJSON_IsString(it) && strcmp(it->string, "path") &&
                                       strcmp(it->string, "text")) {
            sb_printf(b, " (%s %.16s)", it->string, it->valuestring);
            break;
        }
        const char *text = nbe_str(sc, "text");
        if (text) {
            int lines = 0;
            for (const char *p = text; *p; p++) lines += *p == '\n';
            lines += *text && text[strlen(text) - 1] != '\n';
            sb_printf(b, ", %d line%s kept", lines, lines == 1 ? "" : "s");
        }
        sb_puts(b, "\n");
    }
    if (nbe_get(x, "dolab")) {
        sb_printf(b, "  dolab       %s", nbe_str(x, "dolab.version") ? nbe_str(x, "dolab.version") : "?");
        if (nbe_str(x, "dolab.commit")) sb_printf(b, " (commit %s)", nbe_str(x, "dolab.commit"));
        sb_puts(b, "\n");
    }
    if (nbe_str(x, "checkpoint")) sb_printf(b, "  checkpoint  %s\n", nbe_str(x, "checkpoint"));
    if (!isnan(nbe_num(x, "wall_seconds"))) {
        sb_printf(b, "  wall time   %.1f s", nbe_num(x, "wall_seconds"));
        if (!isnan(nbe_num(x, "cores"))) sb_printf(b, " on %.0f cores", nbe_num(x, "cores"));
        sb_puts(b, "\n");
    }
    show_config(b, nbe_get(x, "config"));
    show_training(b, nbe_get(x, "training"));
    show_eval(b, x);
}

void nb_show_entry(SB *b, const cJSON *x) {
    const char *type = nbe_type(x);
    if (strcmp(type, "run") == 0) {
        show_run(b, x);
    } else if (strcmp(type, "note") == 0) {
        sb_printf(b, "note %ld, %s\n\n%s\n", nbe_id(x), nbe_str(x, "time") ? nbe_str(x, "time") : "?",
                  nbe_str(x, "text") ? nbe_str(x, "text") : "");
    } else if (strcmp(type, "session") == 0) {
        const cJSON *ev = nbe_get(x, "events"), *it;
        sb_printf(b, "session %ld, %s: %d events\n", nbe_id(x), nbe_str(x, "time") ? nbe_str(x, "time") : "?",
                  cJSON_GetArraySize(ev));
        cJSON_ArrayForEach(it, ev) {
            sb_puts(b, "  ");
            nt_json(b, it);
            sb_puts(b, "\n");
        }
    } else {
        char *s = cJSON_Print(x);
        if (s) sb_printf(b, "%s\n", s);
        else b->oom = 1;
        free(s);
    }
}

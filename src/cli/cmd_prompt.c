/* dolab prompt: the paper-style few-shot prompt for a language model — K passive demonstration
 * episodes of an experiment's training stream as text, then a test episode so far. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/arm.h"
#include "cli/commands.h"
#include "learn/eval.h"
#include "learn/exp.h"
#include "learn/train.h"
#include "script/lab.h"
#include "util/strbuf.h"
#include "world/strategy.h"

static const char prompt_head[] =
    "# Each episode is an experiment on a small causal system of variables A, B, C...\n"
    "# \"do X=+5 → ...\" sets X to +5 and shows every variable's value afterwards.\n"
    "# Then a goal is given (\"goal max T\") and one more intervention, on any variable but T,\n"
    "# with value +5 or -5, should make T as large as possible; its line shows T's expected value.\n";

/* Appends the text of what ep has revealed, in the format f (with the exploit's result if asked). */
static int put_text(const Vocab *voc, const TokFormat *f, const Episode *ep, double value, int with_result, SB *out,
                    Err *e) {
    TokSeq *ts = malloc(sizeof *ts);
    if (!ts) return err_set(e, "out of memory");
    int rc = tok_encode(f, &ep->view, ts, e);
    if (rc == 0) tok_render(voc, ts->tok, ts->n, value, with_result ? ep : NULL, out);
    free(ts);
    return rc;
}

int cmd_prompt(int argc, char **argv) {
    int shots = 3, explain = 0, quick = 0, shots_only = 0, episode = 0, steps = -1;
    ArgU64 seed = {0, 0};
    const char *set_name = NULL, *arm = NULL;
    ArgList sets = {{0}, 0};
    ArgOpt opts[] = {
        {"--shots", ARG_INT, &shots, 0, 64, NULL, "K", "demonstration episodes before the test episode (default 3)"},
        {"--explain", ARG_FLAG, &explain, 0, 0, NULL, NULL,
         "write explanations after each observation and before the exploit (the experiment's templates)"},
        {"--eval-set", ARG_STRING, &set_name, 0, 0, NULL, "NAME", "the test episode's evaluation set (default the first)"},
        {"--episode", ARG_INT, &episode, 0, 100000, NULL, "I", "the test episode's number in that set (default 0)"},
        {"--steps", ARG_INT, &steps, 0, EP_MAX_STEPS, NULL, "S",
         "exploration steps of the test episode shown, made by the expert (default all: the prompt asks for the exploit)"},
        {"--shots-only", ARG_FLAG, &shots_only, 0, 0, NULL, NULL, "only the header and the demonstrations (for agents)"},
        {"--seed", ARG_U64_OPT, &seed, 0, 0, NULL, "S", "seed of the training stream the demonstrations come from"},
        {"--arm", ARG_STRING, &arm, 0, 0, NULL, "NAME", "with a script of several arms: this arm (default the first)"},
        {"--set", ARG_LIST, &sets, 0, 0, NULL, "FIELD=V", "set an experiment field (as dolab run --set)"},
        {"--quick", ARG_FLAG, &quick, 0, 0, NULL, NULL, "the script's --quick version"},
    };
    ArgCmd cmd = {"prompt", "dolab prompt EXPERIMENT.lua [options]",
                  "Writes a few-shot prompt for a language model, as in the paper's language-model experiments:\n"
                  "K passive demonstration episodes of the experiment's training stream (the expert's), as the\n"
                  "stream's text, with or without explanations, then a test episode from an evaluation set so\n"
                  "far: its exploration (made by the expert), the goal, and an open \"do\" for the model to complete.",
                  opts, (int)(sizeof opts / sizeof *opts), 1, 1,
                  "examples:\n  dolab prompt experiments/heldout_links.lua --shots 4 --explain\n"
                  "  dolab prompt experiments/heldout_links.lua --eval-set critical --episode 2\n"
                  "  dolab prompt experiments/heldout_links.lua --shots 5 --shots-only > shots.txt\n"};
    char *pos[1];
    int npos;
    Err e;
    int rc = args_or_exit(&cmd, argc, argv, pos, &npos);
    if (rc >= 0) return rc;
    ScriptArm sa;
    Episode *eps = NULL;
    SB out = {0};
    int status = script_arm_load(&sa, "prompt", pos[0], arm, &sets, quick, seed.given ? &seed.value : NULL);
    if (status) goto done;
    status = 1;
    Experiment *x = sa.x;
    Vocab *voc = sa.voc;
    int set = set_name ? script_arm_set("prompt", x, set_name) : 0;
    if (set < 0) goto done;
    TokFormat f = exp_format(x, -1);
    f.explain = explain;
    sb_puts(&out, prompt_head);
    if (explain) sb_puts(&out, "# After \"|\" the experimenter explains what it saw or why it chose.\n");
    for (int i = 0; i < shots; i++) {
        Episode ep;
        TokSeq *ts = malloc(sizeof *ts);
        int bad = !ts ? err_set(&e, "out of memory") : train_episode(x, (uint64_t)i, &ep, ts, &e);
        free(ts);
        sb_printf(&out, "\nEpisode %d:\n", i + 1);
        if (bad || put_text(voc, &f, &ep, x->world.value, 1, &out, &e)) {
            fprintf(stderr, "dolab prompt: demonstration %d: %s\n", i + 1, e.msg);
            goto done;
        }
    }
    if (!shots_only) {
        if (x->n_sets < 1) {
            fprintf(stderr, "dolab prompt: %s has no evaluation set for a test episode (use --shots-only)\n", x->name);
            goto done;
        }
        eps = calloc((size_t)episode + 1, sizeof *eps);
        if (!eps || eval_set_episodes(x, set, episode + 1, eps, &e)) {
            fprintf(stderr, "dolab prompt: %s\n", eps ? e.msg : "out of memory");
            goto done;
        }
        Episode *t = &eps[episode];
        Strategy *ex = strat_find("expert");
        int n = steps < 0 || steps > t->view.explore_total ? t->view.explore_total : steps;
        for (int s = 0; s < n; s++) {
            StratAction a;
            int id = 0;
            const EpView *vp = &t->view;
            if (ex->act(ex, &vp, NULL, &id, 1, &a, &e) || ep_explore(t, a.var, &e)) {
                fprintf(stderr, "dolab prompt: test episode: %s\n", e.msg);
                goto done;
            }
        }
        TokFormat tf = f;
        if (n < t->view.explore_total) tf.explain = 0; /* no explanation of the exploit before the goal */
        sb_printf(&out, "\nEpisode %d:\n", shots + 1);
        if (put_text(voc, &tf, t, x->world.value, 0, &out, &e)) {
            fprintf(stderr, "dolab prompt: test episode: %s\n", e.msg);
            goto done;
        }
        sb_puts(&out, "do");
    }
    if (out.oom) {
        fprintf(stderr, "dolab prompt: out of memory\n");
        goto done;
    }
    status = fwrite(out.s, 1, out.len, stdout) == out.len ? 0 : 1;
done:
    sb_free(&out);
    free(eps);
    script_arm_free(&sa);
    return status;
}

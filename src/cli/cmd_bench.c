/* dolab bench: speed figures (benchmarks are commands that print numbers, not tests). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "learn/agent.h"
#include "learn/exp.h"
#include "learn/train.h"
#include "script/lab.h"
#include "nn/gpt.h"
#include "nn/infer.h"
#include "nn/ops.h"
#include "tui/tui.h"
#include "tui/tui_dag.h"
#include "util/progress.h"
#include "world/episode.h"
#include "world/strategy.h"
#include "world/tok.h"

typedef struct BenchOpts {
    int variables, steps, batch, layers, dim, heads, threads, episodes;
    double seconds;
} BenchOpts;

static int bench_world(const BenchOpts *o) {
    EpConfig c = ep_config_default();
    c.world.n = o->variables;
    Strategy *expert = strat_find("expert");
    TokSeq *ts = malloc(sizeof *ts);
    if (!ts) return 1;
    Err e;
    long count = 0, tokens = 0;
    double t0 = progress_now(), t = t0;
    while (t - t0 < o->seconds) {
        for (int k = 0; k < 1000; k++, count++) {
            Episode ep;
            Episode *p = &ep;
            if (ep_generate(&ep, &c, 1, (uint64_t)count, NULL, NULL, &e) || strat_play(expert, &p, 1, &e) ||
                tok_encode(NULL, &ep.view, ts, &e)) {
                fprintf(stderr, "dolab bench world: %s\n", e.msg);
                free(ts);
                return 1;
            }
            tokens += ts->n;
        }
        t = progress_now();
    }
    free(ts);
    double dt = t - t0;
    printf("bench world: %d variables, one core: %ld episodes in %.2f s = %.0f episodes/s (%.1f M tokens/s)\n",
           o->variables, count, dt, count / dt, tokens / dt / 1e6);
    return 0;
}

static GptConfig bench_config(const BenchOpts *o) {
    Experiment x = exp_default();
    x.world.world.n = x.mix[0].ep.world.n = o->variables;
    Vocab *v = tok_vocab_new();
    GptConfig c = {v ? tok_vocab_size(v) : 105, exp_max_len(&x), o->layers, o->dim, o->heads};
    tok_vocab_free(v);
    return c;
}

/* Loss positions per default episode: each variable explored (do, var), then the exploit (do, var, sign). */
static int loss_positions(const BenchOpts *o) { return 2 * o->variables + 3; }

/* One training benchmark of model c with `th` threads (1 on error, with the message printed). */
static int bench_train_one(const GptConfig *c, const BenchOpts *o, int th, int steps, GptBench *b) {
    Err e;
    if (gpt_bench_train(c, o->batch, c->context, loss_positions(o), th, steps, b, &e)) {
        fprintf(stderr, "dolab bench train: %s\n", e.msg);
        return 1;
    }
    return 0;
}

static int bench_train(const BenchOpts *o) {
    GptConfig c = bench_config(o);
    int weighted = loss_positions(o);
    double peak = nn_sgemm_peak();
    printf("bench train: model L=%d C=%d H=%d, vocab %d, context %d, batch %d, %d loss positions per sequence\n",
           c.layers, c.dim, c.heads, c.vocab, c.context, o->batch, weighted);
    printf("  peak: %.1f GFLOP/s per core (OpenBLAS %s sgemm, 512x512x512, best of 5)\n", peak, nn_blas_core());
    double tps[2] = {0, 0};
    for (int th = 1; th <= 2; th++) {
        GptBench b;
        if (bench_train_one(&c, o, th, o->steps, &b)) return 1;
        tps[th - 1] = b.tokens_per_s;
        printf("  %d thread%s: %7.0f tokens/s  %6.2f ms/step  %6.1f GFLOP/s  %3.0f%% of %s peak  %.1f MiB\n", th,
               th > 1 ? "s" : " ", b.tokens_per_s, b.ms_per_step, b.gflops, peak > 0 ? 100.0 * b.gflops / (th * peak) : 0.0,
               th > 1 ? "two cores'" : "one core's", b.mib);
    }
    printf("  2 threads / 1 thread = %.2fx\n", tps[1] / tps[0]);
    return 0;
}

/* How cost grows with the model: d_model 32..256 x layers 2 and 4 (4 heads), 2 threads. */
static int bench_scaling(const BenchOpts *o) {
    static const int dims[] = {32, 64, 128, 256}, layers[] = {2, 4};
    double peak = nn_sgemm_peak();
    GptConfig base = bench_config(o);
    printf("bench scaling: training on 2 threads, 4 heads, vocab %d, context %d, batch %d, %d loss positions per "
           "sequence;\npeak %.1f GFLOP/s per core (OpenBLAS %s sgemm, 512^3), so %.1f on two\n\n",
           base.vocab, base.context, o->batch, loss_positions(o), peak, nn_blas_core(), 2 * peak);
    printf("%7s %6s %10s %11s %9s %9s %8s %9s\n", "d_model", "layers", "parameters", "tokens/s", "ms/step", "GFLOP/s",
           "of peak", "memory");
    for (size_t d = 0; d < sizeof dims / sizeof *dims; d++)
        for (size_t l = 0; l < sizeof layers / sizeof *layers; l++) {
            GptConfig c = base;
            c.dim = dims[d], c.layers = layers[l], c.heads = 4;
            /* about the same time per row: steps shrink with the cost (~ d^2 L) */
            long steps = (long)o->steps * 64 * 64 * 2 / ((long)c.dim * c.dim * c.layers);
            long lo = o->steps < 5 ? o->steps : 5;
            steps = steps < lo ? lo : steps > 400 ? 400 : steps;
            GptTensorInfo info[GPT_NUM_TENSORS];
            size_t params = gpt_tensor_table(&c, info);
            GptBench b;
            if (bench_train_one(&c, o, 2, (int)steps, &b)) return 1;
            printf("%7d %6d %10zu %11.0f %9.2f %9.1f %7.0f%% %5.1f MiB\n", c.dim, c.layers, params, b.tokens_per_s,
                   b.ms_per_step, b.gflops, peak > 0 ? 100.0 * b.gflops / (2 * peak) : 0.0, b.mib);
            fflush(stdout);
        }
    return 0;
}

static int bench_eval(const BenchOpts *o) {
    /* The whole active loop: episodes, the model strategy through the KV cache, rewards.
     * The weights are untrained (speed does not depend on them). */
    GptConfig c = bench_config(o);
    Err e;
    Gpt *m = gpt_create(&c, 1, &e);
    if (!m) {
        fprintf(stderr, "dolab bench eval: %s\n", e.msg);
        return 1;
    }
    Strategy *agent = agent_new(m, NULL, 0.0, 0, &e);
    EpConfig ec = ep_config_default();
    ec.world.n = o->variables;
    int n = o->episodes;
    Episode *eps = malloc(sizeof *eps * (size_t)n);
    Episode **ptr = malloc(sizeof *ptr * (size_t)n);
    int rc = 1;
    if (!agent || !eps || !ptr) {
        fprintf(stderr, "dolab bench eval: %s\n", agent ? "out of memory" : e.msg);
        goto out;
    }
    for (int i = 0; i < n; i++) {
        ptr[i] = &eps[i];
        if (ep_generate(&eps[i], &ec, 1, (uint64_t)i, NULL, NULL, &e)) goto out;
    }
    double t0 = progress_now();
    if (strat_play(agent, ptr, n, &e)) {
        fprintf(stderr, "dolab bench eval: %s\n", e.msg);
        goto out;
    }
    double dt = progress_now() - t0;
    printf("bench eval: model L=%d C=%d H=%d acting on %d episodes (%d variables), batches of %d, 2 threads (KV cache split):\n"
           "  %.0f episodes/s  (%.2f s)\n",
           c.layers, c.dim, c.heads, n, o->variables, STRAT_BATCH, n / dt, dt);
    rc = 0;
out:
    if (agent) agent->destroy(agent);
    gpt_free(m);
    free(eps), free(ptr);
    return rc;
}

/* Training-episode generation with the script's held-out filter, against the same experiment
 * with nothing held out: the cost of held-out predicates (Lua ones are cached per structure). */
static double episodes_per_s(Experiment *x, double seconds, Err *e) {
    TokSeq *ts = malloc(sizeof *ts);
    if (!ts) return err_set(e, "out of memory"), -1;
    long n = 0;
    double t0 = progress_now(), t = t0;
    while (t - t0 < seconds) {
        for (int k = 0; k < 1000; k++, n++) {
            Episode ep;
            if (train_episode(x, (uint64_t)n, &ep, ts, e)) {
                free(ts);
                return -1;
            }
        }
        t = progress_now();
    }
    free(ts);
    return n / (t - t0);
}

static int bench_heldout(const char *script, double seconds) {
    Err e;
    Lab *lab = lab_new(NULL, NULL, NULL, &e);
    Experiment x;
    double t0 = progress_now();
    if (!lab || lab_load_experiment(lab, script, &x, &e)) {
        fprintf(stderr, "dolab bench heldout: %s\n", e.msg);
        lab_free(lab);
        return 1;
    }
    double load = progress_now() - t0;
    Experiment none = x;
    memset(&none.heldout, 0, sizeof none.heldout);
    double with = episodes_per_s(&x, seconds, &e), without = with < 0 ? -1 : episodes_per_s(&none, seconds, &e);
    lab_free(lab);
    if (with < 0 || without < 0) {
        fprintf(stderr, "dolab bench heldout: %s\n", e.msg);
        return 1;
    }
    printf("bench heldout: %s (%s)\n  script load (predicate over every structure): %.3f s\n"
           "  training episodes/s with the held-out filter: %.0f, without: %.0f (ratio %.2f)\n",
           script, x.heldout.fn ? x.heldout.desc : "nothing held out", load, with, without, with / without);
    return 0;
}

static int bench_tui(void) {
    /* untrained-model-free: drawing costs the same with or without a model */
    TuiOptions t = {.no_model = 1, .notebook = "/dev/null/none.json", .seed = 1};
    TuiBench b;
    Err e;
    if (tui_bench(&t, 200, 60, 200, &b, &e)) {
        fprintf(stderr, "dolab bench tui: %s\n", e.msg);
        return 1;
    }
    printf("bench tui: full redraw at 200x60, mean of %d frames: %.3f ms (drawing the panes %.3f ms, curses "
           "writing every cell %.3f ms)\n",
           b.frames, b.render_ms + b.curses_ms, b.render_ms, b.curses_ms);
    return 0;
}

/* The World pane's DAG layouts over every labelled DAG on 5 variables, at two terminal sizes. */
static int bench_layout(void) {
    static const int sizes[][2] = {{80, 24}, {120, 36}};
    printf("bench layout: all 29281 labelled DAGs on 5 variables (weights 0.5..1.5, random signs), drawn in\n"
           "the World pane's DAG region; crossings and junctions counted on the drawn cells (┼; ├┤┬┴): mean and\n"
           "worst per DAG, and the share of DAGs with any crossing; where each weight went.\n"
           "Times are wall-clock on whatever else the machine is doing: rough.\n\n");
    printf("%-8s %-7s %-26s %9s %6s %8s %9s %6s %8s %8s %8s %8s %9s\n", "terminal", "region", "layout", "crossings",
           "worst", "crossed", "junctions", "worst", "on edge", "in list", "missing", "layered", "us/layout");
    for (int s = 0; s < 2; s++)
        for (int m = 0; m < DAG_GIVEN; m++) { /* Graphviz's: `make bench-layout-graphviz` */
            DagBench b;
            Err e;
            if (tui_dag_bench(sizes[s][0], sizes[s][1], (DagMethod)m, NULL, NULL, &b, &e)) {
                fprintf(stderr, "dolab bench layout: %s\n", e.msg);
                return 1;
            }
            char term[16], reg[16];
            snprintf(term, sizeof term, "%dx%d", sizes[s][0], sizes[s][1]);
            snprintf(reg, sizeof reg, "%dx%d", b.region_w, b.region_h);
            printf("%-8s %-7s %-26s %9.3f %6d %7.1f%% %9.3f %6d %7.1f%% %7.1f%% %7.1f%% %7.1f%% %9.1f\n", term, reg,
                   tui_dag_method_name((DagMethod)m), b.cross_mean, b.cross_worst, 100.0 * b.crossed / b.dags, b.junction_mean, b.junction_worst,
                   100.0 * b.on_edge / b.edges, 100.0 * b.listed / b.edges, 100.0 * b.missing / b.edges,
                   100.0 * b.layered / b.dags, b.us_per_layout);
        }
    return 0;
}

int cmd_bench(int argc, char **argv) {
    BenchOpts o = {.variables = 5, .steps = 50, .batch = 32, .layers = 2, .dim = 64, .heads = 4, .threads = 2,
                   .episodes = 5000, .seconds = 2.0};
    ArgOpt opts[] = {
        {"--variables", ARG_INT, &o.variables, 2, 8, NULL, "N", "variables per world, 2 to 8 (default 5)"},
        {"--seconds", ARG_REAL, &o.seconds, 0.1, 600, NULL, "T", "world: how long to measure (default 2)"},
        {"--steps", ARG_INT, &o.steps, 1, 100000, NULL, "N", "train: timed steps (default 50)"},
        {"--batch", ARG_INT, &o.batch, 1, 4096, NULL, "B", "train: sequences per step (default 32)"},
        {"--layers", ARG_INT, &o.layers, 1, 16, NULL, "L", "model layers (default 2)"},
        {"--dim", ARG_INT, &o.dim, 8, 1024, NULL, "D", "model width (default 64)"},
        {"--heads", ARG_INT, &o.heads, 1, 64, NULL, "H", "attention heads (default 4)"},
        {"--episodes", ARG_INT, &o.episodes, 1, 1000000, NULL, "N", "eval: episodes (default 5000)"},
    };
    ArgCmd cmd = {"bench", "dolab bench world|train|scaling|eval|heldout|tui|layout [SCRIPT] [options]",
                  "Measures speed and prints figures (benchmarks are commands, not tests).\n\n"
                  "  world   episodes generated per second on one core: world + expert + tokens\n"
                  "  train   training tokens/s of the default model with 1 and 2 threads, GFLOP/s as a\n"
                  "          share of the sgemm peak, memory\n"
                  "  scaling the same for d_model 32/64/128/256 x layers 2/4 on 2 threads\n"
                  "  eval    episodes/s of the model acting (KV cache, batched), end to end\n"
                  "  heldout training episodes/s with a script's held-out filter, against none\n"
                  "          (SCRIPT, default experiments/heldout_links.lua)\n"
                  "  tui     time of one full TUI redraw at 200x60: drawing the panes, then curses\n"
                  "  layout  the World pane's DAG layouts over all 29281 DAGs on 5 variables at\n"
                  "          80x24 and 120x36: crossings, weights on the edge, time per layout",
                  opts, (int)(sizeof opts / sizeof *opts), 1, 2,
                  "`make bench-torch` runs the PyTorch reference of the same model beside `bench train`.\n"};
    char *pos[2];
    int npos;
    int rc = args_or_exit(&cmd, argc, argv, pos, &npos);
    if (rc >= 0) return rc;
    if (o.dim % o.heads) {
        fprintf(stderr, "dolab bench: --dim %d is not a multiple of --heads %d\n", o.dim, o.heads);
        return 2;
    }
    if (strcmp(pos[0], "world") == 0) return bench_world(&o);
    if (strcmp(pos[0], "train") == 0) return bench_train(&o);
    if (strcmp(pos[0], "scaling") == 0) return bench_scaling(&o);
    if (strcmp(pos[0], "eval") == 0) return bench_eval(&o);
    if (strcmp(pos[0], "tui") == 0) return bench_tui();
    if (strcmp(pos[0], "layout") == 0) return bench_layout();
    if (strcmp(pos[0], "heldout") == 0) return bench_heldout(npos > 1 ? pos[1] : "experiments/heldout_links.lua", o.seconds);
    if (npos > 1) {
        fprintf(stderr, "dolab bench: unexpected argument '%s'\n", pos[1]);
        return 2;
    }
    fprintf(stderr, "dolab bench: unknown benchmark '%s' (expected world, train, scaling, eval, heldout, tui or layout)\n", pos[0]);
    return 2;
}

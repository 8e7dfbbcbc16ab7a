/* dolab tui: the notebook TUI (src/tui); `dolab` with no arguments opens it on a terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/version.h"
#include "tui/tui.h"

int cmd_tui(int argc, char **argv) {
    const char *model = NULL, *theme = NULL, *notebook = NULL, *keys = NULL;
    uint64_t seed = 1;
    int frames = 0, no_model = 0, w = 100, h = 30, agent_timeout = 5000;
    const char *agent = NULL;
    ArgOpt opts[] = {
        {"--model", ARG_STRING, &model, 0, 0, NULL, "FILE", "checkpoint to load (default models/default.ckpt)"},
        {"--no-model", ARG_FLAG, &no_model, 0, 0, NULL, NULL, "start without a model (baselines act; T trains one)"},
        {"--theme", ARG_STRING, &theme, 0, 0, NULL, "NAME", "dark (default), light, high-contrast, mono, projector"},
        {"--notebook", ARG_STRING, &notebook, 0, 0, NULL, "FILE", "notebook (default $DOLAB_NOTEBOOK or notebook.json)"},
        {"--seed", ARG_U64, &seed, 0, 0, NULL, "S", "first seed of the worlds and the stream (default 1)"},
        {"--headless", ARG_STRING, &keys, 0, 0, NULL, "KEYS", "no terminal: play KEYS, print the last frame as text"},
        {"--frames", ARG_INT, &frames, 1, 1000000, NULL, "N", "headless: frames to draw (default: one per key + 1)"},
        {"--size", ARG_STRING, NULL, 0, 0, NULL, "WxH", "headless: screen size (default 100x30)"},
        {"--agent", ARG_STRING, &agent, 0, 0, NULL, "CMD",
         "an external agent (docs/agents.md) that `s` can hand the live episode to; CMD runs under /bin/sh -c"},
        {"--agent-timeout", ARG_INT, &agent_timeout, 1, 3600000, NULL, "MS", "its time per decision (default 5000)"},
    };
    const char *size = NULL;
    opts[7].dst = &size;
    ArgCmd cmd = {"tui", "dolab tui [options]",
                  "Opens the notebook TUI: the causal world as a DAG, the expert's passive stream, the trained\n"
                  "model acting live beside every baseline, and the notebook.  `?` inside lists every key;\n"
                  "docs/tui.md is the guide.  NO_COLOR in the environment turns colours off.",
                  opts, (int)(sizeof opts / sizeof *opts), 0, 0,
                  "examples:\n  dolab tui --theme projector\n  dolab tui --headless 'n<tab>?' --size 100x30\n"};
    char *pos[1];
    int npos;
    Err e;
    int rc = args_or_exit(&cmd, argc, argv, pos, &npos);
    if (rc >= 0) return rc;
    TuiOptions o = {.model = model, .no_model = no_model, .theme = theme, .notebook = notebook, .seed = seed,
                    .version = DOLAB_VERSION, .commit = dolab_commit(), .agent = agent,
                    .agent_timeout_ms = agent_timeout};
    const char *nc = getenv("NO_COLOR");
    o.no_color = nc && *nc;
    if (args_size("tui", size, &w, &h)) return 2;
    if (keys || frames) {
        o.w = w, o.h = h;
        SB out = {0};
        if (!keys) keys = "";
        if (!frames) frames = (int)strlen(keys) + 1;
        if (tui_headless(&o, keys, frames, &out, &e)) {
            fprintf(stderr, "dolab tui: %s\n", e.msg);
            sb_free(&out);
            return 1;
        }
        fputs(sb_str(&out), stdout);
        sb_free(&out);
        return 0;
    }
    if (!isatty(1) || !isatty(0)) {
        fprintf(stderr, "dolab tui: needs a terminal (or --headless KEYS)\n");
        return 2;
    }
    return tui_main(&o);
}

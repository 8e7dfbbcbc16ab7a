/* The `dolab` command: finds the subcommand and hands it the rest of the arguments. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/version.h"


typedef struct Command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} Command;

static const Command commands[] = {
    {"stream", cmd_stream, "print the expert's passive demonstration stream"},
    {"prompt", cmd_prompt, "write a few-shot prompt for a language model (demonstrations + a test episode)"},
    {"baselines", cmd_baselines, "score every baseline strategy on the same episodes, with 95% CIs"},
    {"run", cmd_run, "run a Lua experiment: train, evaluate, record in the notebook"},
    {"train", cmd_train, "train the transformer on the passive stream only"},
    {"eval", cmd_eval, "let a trained model act on unseen worlds beside the baselines"},
    {"notebook", cmd_notebook, "list, show and compare notebook entries; add a note"},
    {"sweep", cmd_sweep, "arms x settings x seeds as `dolab run` jobs: GNU parallel, Slurm, or printed"},
    {"report", cmd_report, "statistics across seeds of a sweep's runs: means, CIs, IQM, paired differences, plots"},
    {"export", cmd_export, "export a notebook's results as CSV or its entries as JSON lines"},
    {"tui", cmd_tui, "the notebook TUI (what `dolab` alone opens on a terminal)"},
    {"lesson", cmd_lesson, "a classroom lesson in the TUI: narration, a question, the class's answers, the reveal"},
    {"bench", cmd_bench, "measure speed (dolab bench world|train|eval)"},
};
enum { NCOMMANDS = sizeof commands / sizeof *commands };

static void usage(FILE *out) {
    fprintf(out,
            "usage: dolab COMMAND [options]\n\n"
            "dolab asks whether a model that only watched an expert experiment on causal worlds can learn\n"
            "to experiment itself (Lampinen et al., NeurIPS 2023).\n\ncommands:\n");
    for (int i = 0; i < NCOMMANDS; i++) fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`dolab COMMAND --help` explains each command; `man ./docs/dolab.1` has the manual.\n");
}

int cli_main(int argc, char **argv) {
    if (argc < 2) {
        if (isatty(0) && isatty(1)) return cmd_tui(0, argv + 1);
        usage(stdout);
        return 0;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(name, "--version") == 0) {
        printf("dolab %s (%s)\n", DOLAB_VERSION, dolab_commit());
        return 0;
    }
    for (int i = 0; i < NCOMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0) return commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "dolab: unknown command '%s' (see dolab --help)\n", name);
    return 2;
}

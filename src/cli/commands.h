/* commands — one function per dolab subcommand.  Each takes the arguments after its name,
 * prints its output and returns the process exit status (0 ok, 1 failure, 2 bad usage). */
#ifndef DOLAB_CLI_COMMANDS_H
#define DOLAB_CLI_COMMANDS_H

int cmd_stream(int argc, char **argv);
int cmd_baselines(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_notebook(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_tui(int argc, char **argv);
int cmd_lesson(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_prompt(int argc, char **argv);

#endif

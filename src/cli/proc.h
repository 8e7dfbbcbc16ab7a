/* proc — running the external engines dolab drives (GNU parallel, sbatch, gnuplot). */
#ifndef DOLAB_CLI_PROC_H
#define DOLAB_CLI_PROC_H

/* Runs argv (argv[0] found on PATH), stdout to out_path when not NULL, and waits.  Its exit
 * status; 128+N when killed by signal N; 127 when it could not start. */
int proc_run(char *const *argv, const char *out_path);
/* The same, run in the folder dir. */
int proc_run_in(const char *dir, char *const *argv, const char *out_path);
/* 1 when prog is an executable on PATH. */
int proc_on_path(const char *prog);

#endif

#include "cli/proc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int proc_run(char *const *argv, const char *out_path) { return proc_run_in(NULL, argv, out_path); }

int proc_run_in(const char *dir, char *const *argv, const char *out_path) {
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) return 127;
    if (pid == 0) {
        if (dir && chdir(dir)) {
            fprintf(stderr, "dolab: cannot enter %s: %s\n", dir, strerror(errno));
            _exit(127);
        }
        if (out_path) {
            FILE *f = freopen(out_path, "w", stdout);
            if (!f) _exit(127);
        }
        execvp(argv[0], argv);
        fprintf(stderr, "dolab: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return 127;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int proc_on_path(const char *prog) {
    const char *path = getenv("PATH");
    if (!path) return 0;
    char buf[PATH_MAX];
    for (const char *p = path; *p;) {
        const char *c = strchr(p, ':');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, prog);
        if (access(buf, X_OK) == 0) return 1;
        if (!c) break;
        p = c + 1;
    }
    return 0;
}


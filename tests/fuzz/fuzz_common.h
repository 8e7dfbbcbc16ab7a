/* fuzz_common — what every dolab fuzz target shares: the input as a file (an in-memory file,
 * so loaders that take a path read exactly these bytes), and stdout silenced once so viewers
 * can print.  Header-only: each target is one .c file. */
#ifndef DOLAB_FUZZ_COMMON_H
#define DOLAB_FUZZ_COMMON_H

#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A path whose content is data[0..size) (the same in-memory file each call). */
static inline const char *fz_file(const uint8_t *data, size_t size) {
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("dolab-fuzz", 0);
        if (fd < 0) abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) abort();
    return path;
}

/* The input as a NUL-terminated string (freed by the next call). */
static inline const char *fz_str(const uint8_t *data, size_t size) {
    static char *s;
    free(s);
    s = malloc(size + 1);
    if (!s) abort();
    memcpy(s, data, size);
    s[size] = 0;
    return s;
}

static inline void fz_quiet(void) {
    static int done;
    if (!done && !getenv("FUZZ_VERBOSE")) {
        if (!freopen("/dev/null", "w", stdout)) abort();
        done = 1;
    }
}

/* A property a loader promises; a failure is a crash libFuzzer keeps. */
#define FZ_ASSERT(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "property failed: " __VA_ARGS__);                                      \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif

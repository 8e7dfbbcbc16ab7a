/* fileio — whole-file reads and atomic writes.
 *
 * fio_write_atomic writes to "<path>.tmp.<pid>", fsyncs it, renames it over path and fsyncs
 * the folder, so a crash or a full disk leaves either the old file or the new one, never a
 * partial file.  It never replaces what is not a regular file: a character device (/dev/null, a
 * terminal) or a named pipe is written through (not atomically: there is nothing to replace; a
 * pipe nobody reads within 2 s is an error rather than a hang); a directory, a socket, a block device or a
 * symbolic link to nothing is refused with a message; a symbolic link to a file replaces the
 * file and keeps the link.  fio_read returns a malloc'd, NUL-terminated buffer the caller frees. */
#ifndef DOLAB_UTIL_FILEIO_H
#define DOLAB_UTIL_FILEIO_H

#include <stddef.h>

#include "util/err.h"

/* A writer callback: writes its content with fio_put and returns 0, or -1 with e set. */
typedef struct FioSink FioSink;
typedef int (*FioWriteFn)(FioSink *sink, void *ctx, Err *e);
int fio_put(FioSink *sink, const void *data, size_t len, Err *e);

int fio_write_atomic(const char *path, FioWriteFn fn, void *ctx, Err *e);
/* Convenience: atomically writes one buffer. */
int fio_write_all_atomic(const char *path, const void *data, size_t len, Err *e);
/* Takes an exclusive lock on the file at path (created if missing), waiting for another
 * process that holds it; the lock lasts until fio_unlock(fd) or the process ends (a killed
 * process releases it).  *waited is set to 1 when another process held it.  Returns the
 * descriptor, or -1 with e set. */
int fio_lock_wait(const char *path, int *waited, Err *e);
void fio_unlock(int fd);
/* Reads a whole file (at most max_bytes; 0 = no limit).  *len gets its length. */
char *fio_read(const char *path, size_t *len, size_t max_bytes, Err *e);

/* Finds rel among dolab's data files (lua/, themes/, experiments/, models/default.ckpt) and
 * writes its path to out: beside the executable (a checkout's ./dolab), one folder up
 * (build-asan/dolab), in ../share/dolab beside it (an installed /usr/bin/dolab reads
 * /usr/share/dolab), else in the current folder.  argv0 is used only when /proc/self/exe cannot
 * be read (may be NULL).  Returns 1 if found; else 0 with out = rel. */
int fio_data_path(const char *argv0, const char *rel, char *out, size_t n);

#endif

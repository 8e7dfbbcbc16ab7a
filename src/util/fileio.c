#include "util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FIO_PIPE_WAIT_MS 2000

struct FioSink {
    int fd;
    const char *path;
};

int fio_put(FioSink *sink, const void *data, size_t len, Err *e) {
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(sink->fd, p, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return err_set(e, "%s: write failed: %s", sink->path, strerror(errno));
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static void fsync_dir_of(const char *path) {
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        strcpy(dir, ".");
    } else {
        size_t n = (size_t)(slash - path);
        if (n == 0) n = 1;
        if (n >= sizeof dir) return;
        memcpy(dir, path, n);
        dir[n] = 0;
    }
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* What a non-regular file is, for messages. */
static const char *file_kind(mode_t m) {
    return S_ISDIR(m) ? "a directory" : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/* A character device (/dev/null, a terminal) or a pipe is written to as it is: there is no
 * file to replace, and renaming over it would destroy the device. */
static int write_through(const char *path, int fifo, FioWriteFn fn, void *ctx, Err *e) {
    /* a pipe nobody reads would block forever: O_NONBLOCK makes that ENXIO, and a reader
     * started just after us gets FIO_PIPE_WAIT_MS to open its end */
    int fd = -1;
    for (int waited = 0;; waited += 10) {
        fd = open(path, O_WRONLY | O_NOCTTY | (fifo ? O_NONBLOCK : 0));
        if (fd >= 0 || !fifo || errno != ENXIO || waited >= FIO_PIPE_WAIT_MS) break;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    if (fd < 0) {
        if (fifo && errno == ENXIO) return err_set(e, "%s: a named pipe that nobody is reading", path);
        return err_set(e, "%s: cannot open: %s", path, strerror(errno));
    }
    if (fifo) {
        int fl = fcntl(fd, F_GETFL);
        if (fl == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
            close(fd);
            return err_set(e, "%s: cannot write: %s", path, strerror(errno));
        }
    }
    FioSink sink = {fd, path};
    int rc = fn(&sink, ctx, e);
    if (close(fd) != 0 && rc == 0) rc = err_set(e, "%s: close failed: %s", path, strerror(errno));
    return rc;
}

int fio_write_atomic(const char *path, FioWriteFn fn, void *ctx, Err *e) {
    struct stat st, lst;
    char *real = NULL;
    if (stat(path, &st) == 0) {
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) return write_through(path, S_ISFIFO(st.st_mode), fn, ctx, e);
        if (!S_ISREG(st.st_mode))
            return err_set(e, "%s: %s, not a file: refusing to replace it", path, file_kind(st.st_mode));
        /* a symbolic link to a file: replace the file it points to, and keep the link */
        if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
            real = realpath(path, NULL);
            if (!real) return err_set(e, "%s: cannot follow the symbolic link: %s", path, strerror(errno));
        }
    } else if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        return err_set(e, "%s: a symbolic link to nothing: refusing to replace it", path);
    }
    const char *target = real ? real : path;
    char tmp[4200];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", target, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp) {
        free(real);
        return err_set(e, "%s: path too long", path);
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        err_set(e, "%s: cannot create: %s", tmp, strerror(errno));
        free(real);
        return -1;
    }
    FioSink sink = {fd, path};
    if (fn(&sink, ctx, e) != 0) goto fail;
    if (fsync(fd) != 0) {
        err_set(e, "%s: fsync failed: %s", tmp, strerror(errno));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        err_set(e, "%s: close failed: %s", tmp, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, target) != 0) {
        err_set(e, "%s: cannot replace: %s", path, strerror(errno));
        goto fail;
    }
    fsync_dir_of(target);
    free(real);
    return 0;
fail:
    if (fd >= 0) close(fd);
    unlink(tmp);
    free(real);
    return -1;
}

typedef struct {
    const void *data;
    size_t len;
} Buf;

static int write_buf(FioSink *sink, void *ctx, Err *e) {
    Buf *b = ctx;
    return fio_put(sink, b->data, b->len, e);
}

int fio_write_all_atomic(const char *path, const void *data, size_t len, Err *e) {
    Buf b = {data, len};
    return fio_write_atomic(path, write_buf, &b, e);
}

char *fio_read(const char *path, size_t *len, size_t max_bytes, Err *e) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        err_set(e, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        err_set(e, "%s: out of memory", path);
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            char *t = realloc(buf, 2 * cap + 1);
            if (!t) {
                free(buf);
                fclose(f);
                err_set(e, "%s: out of memory", path);
                return NULL;
            }
            buf = t;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (max_bytes && n > max_bytes) {
            free(buf);
            fclose(f);
            err_set(e, "%s: larger than %zu bytes", path, max_bytes);
            return NULL;
        }
        if (r == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        err_set(e, "%s: read error", path);
        return NULL;
    }
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

int fio_data_path(const char *argv0, const char *rel, char *out, size_t n) {
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0 && argv0 && strchr(argv0, '/')) len = (ssize_t)snprintf(exe, sizeof exe, "%s", argv0);
    if (len > 0 && len < (ssize_t)sizeof exe) {
        exe[len] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            static const char *const where[] = {"/", "/../", "/../share/dolab/"};
            for (size_t i = 0; i < sizeof where / sizeof *where; i++) {
                struct stat st;
                int k = snprintf(out, n, "%s%s%s", exe, where[i], rel);
                if (k > 0 && (size_t)k < n && stat(out, &st) == 0) {
                    char *canon = realpath(out, NULL); /* "build-asan/../models" reads as "models" */
                    if (canon && strlen(canon) < n) snprintf(out, n, "%s", canon);
                    free(canon);
                    return 1;
                }
            }
        }
    }
    snprintf(out, n, "%s", rel);
    struct stat st;
    return stat(out, &st) == 0;
}

int fio_lock_wait(const char *path, int *waited, Err *e) {
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return err_set(e, "%s: cannot open the lock file: %s", path, strerror(errno));
    struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    *waited = 0;
    if (fcntl(fd, F_SETLK, &l) == 0) return fd;
    *waited = 1;
    while (fcntl(fd, F_SETLKW, &l) != 0) {
        if (errno == EINTR) continue;
        int err = errno;
        close(fd);
        return err_set(e, "%s: cannot lock: %s", path, strerror(err));
    }
    return fd;
}

void fio_unlock(int fd) {
    if (fd >= 0) close(fd); /* closing releases the process's fcntl locks on the file */
}

#include "util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int fio_write_atomic(const char *path, FioWriteFn fn, void *ctx, Err *e) {
    char tmp[4200];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp) return err_set(e, "%s: path too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return err_set(e, "%s: cannot create: %s", tmp, strerror(errno));
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
    if (rename(tmp, path) != 0) {
        err_set(e, "%s: cannot replace: %s", path, strerror(errno));
        goto fail;
    }
    fsync_dir_of(path);
    return 0;
fail:
    if (fd >= 0) close(fd);
    unlink(tmp);
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

#include "notebook/notebook.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "learn/train.h"
#include "nn/ckpt.h"
#include "learn/eval.h"
#include "util/fileio.h"
#include "util/jsonu.h"
#include "util/strbuf.h"

#define NB_MAX_BYTES ((size_t)1 << 30)
#define NB_MAX_ID 9007199254740992.0 /* 2^53: ids stay exact as JSON numbers */

/* What a file was when we last read or wrote it, to notice another process's save. */
typedef struct FileId {
    int exists;
    int err; /* errno of stat when it does not */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} FileId;

struct Notebook {
    char *path;
    cJSON *root;    /* the whole document */
    cJSON *entries; /* borrowed from root */
    cJSON **index;  /* entries in order, for nb_entry */
    int n, cap;
    int broken;     /* the file could not be opened: never write it */
    char why[512];    /* the reason */
    int is_new;
    FileId seen;
};

/* ---- reading ------------------------------------------------------------------------------ */

static FileId file_id(const char *path) {
    FileId f;
    memset(&f, 0, sizeof f);
    struct stat st;
    if (stat(path, &st) == 0) {
        f.exists = 1;
        f.dev = st.st_dev;
        f.ino = st.st_ino;
        f.size = st.st_size;
        f.mtime = st.st_mtim;
    } else {
        f.err = errno;
    }
    return f;
}

static int same_file(const FileId *a, const FileId *b) {
    if (a->exists != b->exists) return 0;
    if (!a->exists) return 1;
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
           a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* 1-based line and column (in characters, not bytes) of offset off. */
static void line_col(const char *buf, size_t off, int *line, int *col) {
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (buf[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

static int is_id(const cJSON *v, double *out) {
    if (!cJSON_IsNumber(v)) return 0;
    double d = v->valuedouble;
    if (!(d >= 1 && d <= NB_MAX_ID) || d != floor(d)) return 0;
    if (out) *out = d;
    return 1;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int check_entry(const cJSON *x, int known, Err *e);

/* Checks a parsed document: format, version, and that every entry has a type and a unique id. */
static int check_doc(const char *path, const cJSON *root, Err *e) {
    if (!cJSON_IsObject(root)) return err_set(e, "%s: not a dolab notebook (the file is not a JSON object)", path);
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, NB_FORMAT) != 0)
        return err_set(e, "%s: not a dolab notebook (\"format\" is %s%s%s, expected \"%s\")", path,
                       cJSON_IsString(fmt) ? "\"" : "", cJSON_IsString(fmt) ? fmt->valuestring : "missing",
                       cJSON_IsString(fmt) ? "\"" : "", NB_FORMAT);
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsNumber(ver)) return err_set(e, "%s: notebook has no version number", path);
    if (ver->valuedouble != NB_VERSION)
        return err_set(e, "%s: notebook version %g is not supported (this dolab reads version %d)", path,
                       ver->valuedouble, NB_VERSION);
    const cJSON *entries = cJSON_GetObjectItemCaseSensitive(root, "entries");
    if (!cJSON_IsArray(entries)) return err_set(e, "%s: notebook has no \"entries\" list", path);
    char where[256];
    for (const cJSON *it = root->child; it; it = it->next)
        if (it != entries && ju_find_bad_utf8(it, it->string && ju_utf8_ok(it->string) ? it->string : "(a key)", where, sizeof where))
            return err_set(e, "%s: %s is not valid UTF-8 text", path, where);
    int n = cJSON_GetArraySize(entries), k = 0;
    double *ids = malloc(sizeof *ids * (size_t)(n ? n : 1));
    if (!ids) return err_set(e, "%s: out of memory", path);
    const cJSON *it;
    cJSON_ArrayForEach(it, entries) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(it, "type");
        const cJSON *time = cJSON_GetObjectItemCaseSensitive(it, "time");
        int rc = 0;
        if (!cJSON_IsObject(it))
            rc = err_set(e, "%s: entry %d is not a JSON object", path, k + 1);
        else if (!cJSON_IsString(type))
            rc = err_set(e, "%s: entry %d has no \"type\"", path, k + 1);
        else if (!is_id(cJSON_GetObjectItemCaseSensitive(it, "id"), &ids[k]))
            rc = err_set(e, "%s: entry %d has no \"id\" (a positive integer)", path, k + 1);
        else if (time && !cJSON_IsString(time))
            rc = err_set(e, "%s: entry %d (id %.0f): \"time\" is not a string", path, k + 1, ids[k]);
        else if (check_entry(it, 0, e))
            rc = err_prefix(e, "%s: entry %d (id %.0f)", path, k + 1, ids[k]);
        if (rc) {
            free(ids);
            return -1;
        }
        k++;
    }
    qsort(ids, (size_t)n, sizeof *ids, cmp_double);
    for (int i = 1; i < n; i++)
        if (ids[i] == ids[i - 1]) {
            double d = ids[i];
            free(ids);
            return err_set(e, "%s: two entries have id %.0f", path, d);
        }
    free(ids);
    return 0;
}

/* Reads and checks the file.  *root is NULL (and 0 returned) when the file does not exist. */
static int load_file(const char *path, cJSON **root, FileId *id, Err *e) {
    *root = NULL;
    *id = file_id(path);
    if (!id->exists) {
        if (id->err == ENOENT) return 0;
        return err_set(e, "%s: cannot open: %s", path, strerror(id->err));
    }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) return err_set(e, "%s: not a regular file", path);
    size_t len = 0;
    char *buf = fio_read(path, &len, NB_MAX_BYTES, e);
    if (!buf) return -1;
    size_t ws = 0;
    while (ws < len && strchr(" \t\r\n", buf[ws])) ws++;
    if (ws == len) {
        free(buf);
        return err_set(e, "%s: the file is empty, not a notebook (move it away to start a new one)", path);
    }
    const char *nul = memchr(buf, 0, len);
    const char *end = NULL;
    /* len + 1: cJSON wants to see the terminating NUL to know nothing follows the document. */
    cJSON *doc = nul ? NULL : cJSON_ParseWithLengthOpts(buf, len + 1, &end, 1);
    if (!doc) {
        size_t off = nul ? (size_t)(nul - buf) : end ? (size_t)(end - buf) : 0;
        if (off > len) off = len;
        int line, col;
        line_col(buf, off, &line, &col);
        char near[24];
        int m = 0;
        for (size_t i = off; i < len && m < 16 && buf[i] != '\n' && buf[i] != '\r'; i++)
            near[m++] = (unsigned char)buf[i] < 0x20 ? '?' : buf[i];
        near[m] = 0;
        /* do not cut a UTF-8 sequence in half */
        while (m > 0 && ((unsigned char)near[m - 1] & 0x80)) {
            int start = m - 1;
            while (start > 0 && ((unsigned char)near[start] & 0xC0) == 0x80) start--;
            unsigned char lead = (unsigned char)near[start];
            int need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            if (m - start >= need) break;
            m = start;
            near[m] = 0;
        }
        free(buf);
        if (nul) return err_set(e, "%s:%d:%d: not valid JSON: a NUL byte", path, line, col);
        if (off >= len || m == 0) return err_set(e, "%s:%d:%d: not valid JSON: the file ends too early", path, line, col);
        return err_set(e, "%s:%d:%d: not valid JSON near '%s'", path, line, col, near);
    }
    free(buf);
    if (check_doc(path, doc, e)) {
        cJSON_Delete(doc);
        return -1;
    }
    *root = doc;
    return 0;
}

static cJSON *new_doc(void) {
    cJSON *d = cJSON_CreateObject();
    if (!d) return NULL;
    if (!cJSON_AddStringToObject(d, "format", NB_FORMAT) || !cJSON_AddNumberToObject(d, "version", NB_VERSION) ||
        !cJSON_AddArrayToObject(d, "entries")) {
        cJSON_Delete(d);
        return NULL;
    }
    return d;
}

/* Makes root the notebook's document and rebuilds the index. */
static int adopt(Notebook *nb, cJSON *root, Err *e) {
    cJSON *entries = cJSON_GetObjectItemCaseSensitive(root, "entries");
    int n = cJSON_GetArraySize(entries);
    if (n >= nb->cap) {
        int cap = n + 16;
        cJSON **ix = realloc(nb->index, sizeof *ix * (size_t)cap);
        if (!ix) return err_set(e, "%s: out of memory", nb->path);
        nb->index = ix;
        nb->cap = cap;
    }
    cJSON_Delete(nb->root);
    nb->root = root;
    nb->entries = entries;
    nb->n = 0;
    cJSON *it;
    cJSON_ArrayForEach(it, entries) nb->index[nb->n++] = it;
    return 0;
}

int nb_open(const char *path, Notebook **out, Err *e) {
    *out = NULL;
    if (!path || !*path) return err_set(e, "notebook: empty file name");
    Notebook *nb = calloc(1, sizeof *nb);
    if (!nb || !(nb->path = strdup(path))) {
        free(nb);
        return err_set(e, "%s: out of memory", path);
    }
    cJSON *root = NULL;
    int rc = load_file(path, &root, &nb->seen, e);
    if (rc) {
        nb->broken = 1;
        snprintf(nb->why, sizeof nb->why, "%s", e ? e->msg : "the file could not be opened");
    }
    nb->is_new = rc == 0 && root == NULL;
    if (!root) root = new_doc();
    Err e2;
    if (!root || adopt(nb, root, &e2)) {
        cJSON_Delete(root);
        nb_free(nb);
        return rc ? -1 : err_set(e, "%s: out of memory", path);
    }
    *out = nb;
    return rc;
}

void nb_free(Notebook *nb) {
    if (!nb) return;
    cJSON_Delete(nb->root);
    free(nb->index);
    free(nb->path);
    free(nb);
}

const char *nb_path(const Notebook *nb) { return nb->path; }
int nb_is_new(const Notebook *nb) { return nb->is_new; }
int nb_count(const Notebook *nb) { return nb->n; }

const cJSON *nb_entry(const Notebook *nb, int i) { return i >= 0 && i < nb->n ? nb->index[i] : NULL; }

const cJSON *nb_find(const Notebook *nb, long id) {
    for (int i = 0; i < nb->n; i++) {
        double d;
        if (is_id(cJSON_GetObjectItemCaseSensitive(nb->index[i], "id"), &d) && d == (double)id) return nb->index[i];
    }
    return NULL;
}

/* ---- writing ------------------------------------------------------------------------------ */

/* The document with one entry per line. */
static int render(const Notebook *nb, SB *b, Err *e) {
    sb_printf(b, "{\"format\":\"%s\",\"version\":%d,", NB_FORMAT, NB_VERSION);
    /* keys a later or other tool added at the top level are kept */
    const cJSON *it;
    cJSON_ArrayForEach(it, nb->root) {
        if (!it->string || !strcmp(it->string, "format") || !strcmp(it->string, "version") ||
            !strcmp(it->string, "entries"))
            continue;
        cJSON *one = cJSON_CreateObject();
        char *s = NULL;
        if (one && cJSON_AddItemReferenceToObject(one, it->string, (cJSON *)it)) s = cJSON_PrintUnformatted(one);
        cJSON_Delete(one);
        if (!s) return err_set(e, "%s: out of memory", nb->path);
        size_t n = strlen(s);
        sb_putn(b, s + 1, n - 2); /* without the braces */
        sb_puts(b, ",");
        free(s);
    }
    sb_puts(b, "\"entries\":[");
    for (int i = 0; i < nb->n; i++) {
        char *s = cJSON_PrintUnformatted(nb->index[i]);
        if (!s) return err_set(e, "%s: out of memory", nb->path);
        sb_printf(b, "%s\n%s", i ? "," : "", s);
        free(s);
    }
    sb_puts(b, nb->n ? "\n]}\n" : "]}\n");
    if (b->oom) return err_set(e, "%s: out of memory", nb->path);
    return 0;
}

static int write_doc(FioSink *sink, void *ctx, Err *e) {
    const SB *b = ctx;
    const char *crash = getenv(NB_TEST_CRASH_ENV);
    if (crash && *crash) {
        char *end;
        long long n = strtoll(crash, &end, 10);
        if (!*end && n >= 0) {
            size_t k = (size_t)n < b->len ? (size_t)n : b->len;
            fio_put(sink, b->s, k, e);
            _exit(99); /* a crash mid-save, for the tests */
        }
    }
    return fio_put(sink, b->s, b->len, e);
}

int nb_save(Notebook *nb, Err *e) {
    if (nb->broken) return err_set(e, "%s was not written: %s", nb->path, nb->why);
    SB b = {0};
    int rc = render(nb, &b, e);
    if (rc == 0) rc = fio_write_atomic(nb->path, write_doc, &b, e);
    sb_free(&b);
    if (rc == 0) {
        nb->seen = file_id(nb->path);
        nb->is_new = 0;
    }
    return rc;
}

/* ---- entries ------------------------------------------------------------------------------ */

/* What each entry type records, checked on load and on add (docs/notebook.md).  Absent
 * fields pass: readers show "?" for what an entry does not have. */
static const JuRule run_rules[] = {
    {"title", JU_STR, 0, 0, 0},          {"script", JU_OBJ, 0, 0, 0},        {"script.path", JU_STR, 0, 0, 0},
    {"script.text", JU_STR, 0, 0, 0},    {"config", JU_OBJ, 0, 0, 0},        {"seed", JU_U64, 0, 0, 0},
    {"dolab", JU_OBJ, 0, 0, 0},          {"dolab.version", JU_STR, 0, 0, 0}, {"dolab.commit", JU_STR, 0, 0, 0},
    {"training", JU_OBJ, 0, 0, 0},       {"checkpoint", JU_STR, 0, 0, 0},    {"eval", JU_OBJ, 0, 0, 0},
    {"wall_seconds", JU_NUM, 0, 1e9, 0}, {"cores", JU_INT, 1, 1e6, 0},
    /* what sweeps and merging add (docs/sweeps.md) */
    {"uid", JU_STR, 1, 64, 0},           {"quick", JU_BOOL, 0, 0, 0},        {"sweep", JU_OBJ, 0, 0, 0},
    {"sweep.name", JU_STR, 1, 0, 0},     {"sweep.job", JU_INT, 1, 1e8, 0},   {"sweep.arm", JU_STR, 0, 0, 0},
    {"sweep.set", JU_OBJ, 0, 0, 0},      {"origin", JU_OBJ, 0, 0, 0},        {"origin.file", JU_STR, 0, 0, 0},
    {"origin.id", JU_INT, 1, 9007199254740992.0, 0},
};
static const JuRule note_rules[] = {
    {"text", JU_STR, 1, 0, JU_REQUIRED},
};
static const JuRule session_rules[] = {
    {"title", JU_STR, 0, 0, 0},
    {"model", JU_STR, 0, 0, 0},
    {"seed", JU_U64, 0, 0, 0},
    {"episodes_done", JU_INT, 0, 1e12, 0},
    {"mean_normalised_reward", JU_NUM, -1.000001, 1.000001, 0},
    {"events", JU_LIST, 0, 1e9, 0}, /* what a session records happening is its own business */
};
#define RULES(r) r, (int)(sizeof r / sizeof *r)

/* Checks one entry; the message names the field (the caller says which entry).  known: an
 * entry of an unknown type is refused (on add) rather than kept as it is (on load: a later
 * dolab may write types this one does not know). */
static int check_entry(const cJSON *x, int known, Err *e) {
    if (!cJSON_IsObject(x)) return err_set(e, "an entry must be a JSON object, got %s", ju_kind(x));
    char where[256];
    if (ju_find_bad_utf8(x, "", where, sizeof where)) return err_set(e, "%s is not valid UTF-8 text", where);
    if (ju_find_nonfinite(x, "", where, sizeof where)) return err_set(e, "%s is a number out of range", where);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(x, "type");
    if (!cJSON_IsString(type)) return err_set(e, "an entry needs a \"type\" (run, note or session)");
    const char *t = type->valuestring;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(x, "id");
    if (id && !is_id(id, NULL)) return err_set(e, "id: expected a positive integer below 2^53");
    const cJSON *time = cJSON_GetObjectItemCaseSensitive(x, "time");
    if (time && !cJSON_IsString(time)) return err_set(e, "time: expected a string, got %s", ju_kind(time));
    if (strcmp(t, "note") == 0) {
        if (ju_check(x, "", RULES(note_rules), e)) return -1;
    } else if (strcmp(t, "session") == 0) {
        if (ju_check(x, "", RULES(session_rules), e)) return -1;
    } else if (strcmp(t, "run") == 0) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(x, "config");
        const cJSON *tr = cJSON_GetObjectItemCaseSensitive(x, "training");
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(x, "eval");
        if (ju_check(x, "", RULES(run_rules), e) || (c && exp_record_check(c, "config", e)) ||
            (tr && train_record_check(tr, "training", e)) || (ev && eval_record_check(ev, "eval", e)))
            return -1;
    } else if (known) {
        return err_set(e, "type: unknown entry type '%.40s' (expected run, note or session)", t);
    }
    return 0;
}

static void now_iso(char *buf, size_t n) {
    time_t t = time(NULL);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm)) snprintf(buf, n, "1970-01-01T00:00:00Z");
}

/* Moves the item called key to the front of the object (so files read type, id, time first). */
static void to_front(cJSON *o, const char *key) {
    cJSON *it = cJSON_DetachItemFromObjectCaseSensitive(o, key);
    if (!it) return;
    if (o->child)
        cJSON_InsertItemInArray(o, 0, it);
    else
        cJSON_AddItemToArray(o, it);
}

int nb_add(Notebook *nb, cJSON *entry, Err *e) {
    if (nb->broken) {
        cJSON_Delete(entry);
        return err_set(e, "%s was not written: %s", nb->path, nb->why);
    }
    if (check_entry(entry, 1, e)) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(entry, "type");
        err_prefix(e, "%s: %s entry", nb->path, cJSON_IsString(type) && ju_utf8_ok(type->valuestring) ? type->valuestring : "new");
        cJSON_Delete(entry);
        return -1;
    }
    /* another process saved since we read: add to what is on disk now */
    FileId now = file_id(nb->path);
    if (now.exists && !same_file(&now, &nb->seen)) {
        cJSON *root;
        FileId id;
        if (load_file(nb->path, &root, &id, e)) {
            cJSON_Delete(entry);
            return err_prefix(e, "%s changed on disk and cannot be read again", nb->path);
        }
        if (root && adopt(nb, root, e)) {
            cJSON_Delete(root);
            cJSON_Delete(entry);
            return -1;
        }
        nb->seen = id;
    }
    if (nb->n >= nb->cap) {
        int cap = 2 * nb->cap + 16;
        cJSON **ix = realloc(nb->index, sizeof *ix * (size_t)cap);
        if (!ix) {
            cJSON_Delete(entry);
            return err_set(e, "%s: out of memory", nb->path);
        }
        nb->index = ix;
        nb->cap = cap;
    }
    double max_id = 0;
    for (int i = 0; i < nb->n; i++) {
        double d;
        if (is_id(cJSON_GetObjectItemCaseSensitive(nb->index[i], "id"), &d) && d > max_id) max_id = d;
    }
    cJSON *id = cJSON_GetObjectItemCaseSensitive(entry, "id");
    if (id) {
        if (nb_find(nb, (long)id->valuedouble)) {
            double d = id->valuedouble;
            cJSON_Delete(entry);
            return err_set(e, "%s: id %.0f is already used", nb->path, d);
        }
    } else {
        if (max_id + 1 > NB_MAX_ID || !cJSON_AddNumberToObject(entry, "id", max_id + 1)) {
            cJSON_Delete(entry);
            return err_set(e, "%s: cannot give the entry an id", nb->path);
        }
    }
    if (!cJSON_GetObjectItemCaseSensitive(entry, "time")) {
        char t[32];
        now_iso(t, sizeof t);
        if (!cJSON_AddStringToObject(entry, "time", t)) {
            cJSON_Delete(entry);
            return err_set(e, "%s: out of memory", nb->path);
        }
    }
    to_front(entry, "time");
    to_front(entry, "id");
    to_front(entry, "type");
    if (!cJSON_AddItemToArray(nb->entries, entry)) {
        cJSON_Delete(entry);
        return err_set(e, "%s: out of memory", nb->path);
    }
    nb->index[nb->n++] = entry;
    if (nb_save(nb, e)) {
        nb->n--;
        cJSON_Delete(cJSON_DetachItemViaPointer(nb->entries, entry));
        return -1;
    }
    return 0;
}

cJSON *nb_run_entry(const NbRun *r) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "run");
    cJSON_AddStringToObject(o, "title", r->title);
    cJSON *sc = cJSON_AddObjectToObject(o, "script");
    cJSON_AddStringToObject(sc, "path", r->script_path);
    cJSON_AddStringToObject(sc, "text", r->script_text);
    char h[24];
    snprintf(h, sizeof h, "%016llx",
             (unsigned long long)gpt_fnv1a(GPT_FNV_OFFSET, r->script_text, strlen(r->script_text)));
    cJSON_AddStringToObject(sc, "fnv1a64", h);
    cJSON_AddItemToObject(o, "config", exp_to_json(r->x));
    ju_add_u64(o, "seed", r->x->seed);
    cJSON *d = cJSON_AddObjectToObject(o, "dolab");
    cJSON_AddStringToObject(d, "version", r->version);
    cJSON_AddStringToObject(d, "commit", r->commit);
    cJSON_AddItemToObject(o, "training", train_record_json(r->train));
    cJSON_AddStringToObject(o, "checkpoint", r->checkpoint);
    cJSON_AddItemToObject(o, "eval", cJSON_Duplicate(r->eval, 1));
    ju_add_num(o, "wall_seconds", r->wall_seconds);
    cJSON_AddNumberToObject(o, "cores", (double)sysconf(_SC_NPROCESSORS_ONLN));
    if (r->quick) cJSON_AddBoolToObject(o, "quick", 1);
    if (r->sweep) cJSON_AddItemToObject(o, "sweep", cJSON_Duplicate(r->sweep, 1));
    /* unique across notebooks: the clock in nanoseconds, the process, a counter, the run */
    static unsigned counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t u = GPT_FNV_OFFSET;
    uint64_t parts[5] = {(uint64_t)ts.tv_sec, (uint64_t)ts.tv_nsec, (uint64_t)getpid(), ++counter, r->x->seed};
    u = gpt_fnv1a(u, parts, sizeof parts);
    u = gpt_fnv1a(u, h, strlen(h));
    char uid[24];
    snprintf(uid, sizeof uid, "%016llx", (unsigned long long)u);
    cJSON_AddStringToObject(o, "uid", uid);
    return o;
}

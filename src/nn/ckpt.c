/* ckpt — checkpoint files.  See ckpt.h for the format. */

#include "nn/ckpt.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "util/fileio.h"
#include "util/jsonu.h"

uint64_t gpt_fnv1a(uint64_t h, const void *data, size_t n) {
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static int host_is_le(void) {
    uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static void swap32(void *data, size_t n) {
    unsigned char *p = data;
    for (size_t i = 0; i < n; i++, p += 4) {
        unsigned char t0 = p[0], t1 = p[1];
        p[0] = p[3], p[1] = p[2], p[2] = t1, p[3] = t0;
    }
}

/* Hash of the parameters as stored in the file (little-endian bytes). */
static uint64_t param_checksum(const float *p, size_t n) {
    if (host_is_le()) return gpt_fnv1a(GPT_FNV_OFFSET, p, n * sizeof *p);
    uint64_t h = GPT_FNV_OFFSET;
    float buf[1024];
    for (size_t i = 0; i < n; i += 1024) {
        size_t k = n - i < 1024 ? n - i : 1024;
        memcpy(buf, p + i, k * sizeof *buf);
        swap32(buf, k);
        h = gpt_fnv1a(h, buf, k * sizeof *buf);
    }
    return h;
}

/* ---- save -------------------------------------------------------------------------------- */

typedef struct SaveCtx {
    const Gpt *m;
    const char *header;
} SaveCtx;

static int write_body(FioSink *sink, void *ctx, Err *e) {
    const SaveCtx *s = ctx;
    if (fio_put(sink, s->header, strlen(s->header), e) != 0 || fio_put(sink, "\n", 1, e) != 0) return -1;
    const float *p = s->m->param_mem;
    size_t n = s->m->n_params;
    if (host_is_le()) return fio_put(sink, p, n * sizeof *p, e);
    float buf[1024];
    for (size_t i = 0; i < n; i += 1024) {
        size_t k = n - i < 1024 ? n - i : 1024;
        memcpy(buf, p + i, k * sizeof *buf);
        swap32(buf, k);
        if (fio_put(sink, buf, k * sizeof *buf, e) != 0) return -1;
    }
    return 0;
}

static cJSON *build_header(const Gpt *m, const cJSON *meta) {
    cJSON *h = cJSON_CreateObject(), *cfg = cJSON_CreateObject(), *ts = cJSON_CreateArray();
    cJSON *md = meta ? cJSON_Duplicate(meta, 1) : cJSON_CreateObject();
    char sum[17];
    snprintf(sum, sizeof sum, "%016" PRIx64, param_checksum(m->param_mem, m->n_params));
    int ok = h && cfg && ts && md;
    if (ok) {
        cJSON_AddStringToObject(h, "format", GPT_CKPT_FORMAT);
        cJSON_AddNumberToObject(h, "version", GPT_CKPT_VERSION);
        cJSON_AddNumberToObject(cfg, "vocab", m->cfg.vocab);
        cJSON_AddNumberToObject(cfg, "context", m->cfg.context);
        cJSON_AddNumberToObject(cfg, "layers", m->cfg.layers);
        cJSON_AddNumberToObject(cfg, "dim", m->cfg.dim);
        cJSON_AddNumberToObject(cfg, "heads", m->cfg.heads);
        cJSON_AddItemToObject(h, "config", cfg);
        cfg = NULL;
        for (int i = 0; i < GPT_NUM_TENSORS; i++) {
            const GptTensorInfo *t = &m->tensors[i];
            cJSON *o = cJSON_CreateObject();
            cJSON *shape = cJSON_CreateIntArray(t->shape, t->rank);
            if (!o || !shape) {
                cJSON_Delete(o), cJSON_Delete(shape);
                ok = 0;
                break;
            }
            cJSON_AddStringToObject(o, "name", t->name);
            cJSON_AddItemToObject(o, "shape", shape);
            cJSON_AddItemToArray(ts, o);
        }
        cJSON_AddItemToObject(h, "tensors", ts);
        ts = NULL;
        cJSON_AddStringToObject(h, "checksum", sum);
        cJSON_AddItemToObject(h, "meta", md);
        md = NULL;
    }
    cJSON_Delete(cfg), cJSON_Delete(ts), cJSON_Delete(md);
    if (!ok) {
        cJSON_Delete(h);
        return NULL;
    }
    return h;
}

int gpt_save(const char *path, const Gpt *m, const cJSON *meta, Err *e) {
    if (meta && !cJSON_IsObject(meta)) return err_set(e, "%s: checkpoint meta must be a JSON object", path);
    cJSON *h = build_header(m, meta);
    char *text = h ? cJSON_PrintUnformatted(h) : NULL;
    cJSON_Delete(h);
    if (!text) return err_set(e, "%s: out of memory building the checkpoint header", path);
    int rc;
    if (strlen(text) > GPT_CKPT_HEADER_MAX)
        rc = err_set(e, "%s: checkpoint header of %zu bytes exceeds %u (meta too large)", path,
                     strlen(text), GPT_CKPT_HEADER_MAX);
    else
        rc = fio_write_atomic(path, write_body, &(SaveCtx){m, text}, e);
    cJSON_free(text);
    return rc;
}

/* ---- load -------------------------------------------------------------------------------- */

/* Reads the first line (without its newline) into a malloc'd buffer.  *hlen gets its length. */
static char *read_header_line(FILE *f, const char *path, uint64_t fsize, size_t *hlen, Err *e) {
    size_t cap = 0, got = 0;
    char *buf = NULL;
    for (;;) {
        size_t want = cap ? 2 * cap : 65536;
        if (want > (size_t)GPT_CKPT_HEADER_MAX + 1) want = (size_t)GPT_CKPT_HEADER_MAX + 1;
        if (want > fsize) want = (size_t)fsize;
        if (want <= got) break; /* the whole file, or the cap, read without a newline */
        char *nb = realloc(buf, want + 1);
        if (!nb) {
            free(buf);
            err_set(e, "%s: out of memory reading the checkpoint header", path);
            return NULL;
        }
        buf = nb;
        cap = want;
        size_t ask = want - got, r = fread(buf + got, 1, ask, f);
        char *nl = memchr(buf + got, '\n', r);
        got += r;
        if (nl) {
            *hlen = (size_t)(nl - buf);
            *nl = 0;
            return buf;
        }
        if (r < ask) break; /* end of file (or a read error) */
    }
    free(buf);
    if (fsize == 0) err_set(e, "%s: not a dolab checkpoint (empty file)", path);
    else if (got >= (size_t)GPT_CKPT_HEADER_MAX + 1)
        err_set(e, "%s: not a dolab checkpoint (no header line within %u bytes)", path,
                GPT_CKPT_HEADER_MAX);
    else err_set(e, "%s: not a dolab checkpoint (no newline after the header)", path);
    return NULL;
}

/* An integer field of obj in [lo, hi]. */
static int get_int(const cJSON *obj, const char *key, int *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v)) return -1;
    double d = v->valuedouble;
    if (!(d >= -2147483648.0 && d <= 2147483647.0) || d != floor(d)) return -1;
    *out = (int)d;
    return 0;
}

static int check_header(const cJSON *h, const char *path, GptConfig *cfg, GptTensorInfo *info,
                        size_t *nparams, Err *e) {
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(h, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, GPT_CKPT_FORMAT) != 0)
        return err_set(e, "%s: not a dolab checkpoint (format is %s%.40s%s, expected \"%s\")", path,
                       cJSON_IsString(fmt) ? "\"" : "", cJSON_IsString(fmt) ? fmt->valuestring : "missing",
                       cJSON_IsString(fmt) ? "\"" : "", GPT_CKPT_FORMAT);
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(h, "version");
    if (!cJSON_IsNumber(ver)) return err_set(e, "%s: checkpoint header has no version number", path);
    if (ver->valuedouble != GPT_CKPT_VERSION)
        return err_set(e, "%s: unsupported checkpoint version %g (this build reads version %d)", path,
                       ver->valuedouble, GPT_CKPT_VERSION);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(h, "config");
    if (!cJSON_IsObject(c)) return err_set(e, "%s: checkpoint header has no config object", path);
    static const char *keys[5] = {"vocab", "context", "layers", "dim", "heads"};
    int *fields[5] = {&cfg->vocab, &cfg->context, &cfg->layers, &cfg->dim, &cfg->heads};
    for (int i = 0; i < 5; i++)
        if (get_int(c, keys[i], fields[i]) != 0)
            return err_set(e, "%s: checkpoint config.%s is missing or not an integer", path, keys[i]);
    if (gpt_config_check(cfg, e) != 0) return err_prefix(e, "%s: checkpoint config", path);
    *nparams = gpt_tensor_table(cfg, info);
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(h, "tensors");
    if (!cJSON_IsArray(ts)) return err_set(e, "%s: checkpoint header has no tensors list", path);
    if (cJSON_GetArraySize(ts) != GPT_NUM_TENSORS)
        return err_set(e, "%s: checkpoint lists %d tensors, this model has %d", path,
                       cJSON_GetArraySize(ts), GPT_NUM_TENSORS);
    int i = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, ts) {
        const GptTensorInfo *want = &info[i];
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(t, "name");
        const cJSON *shape = cJSON_GetObjectItemCaseSensitive(t, "shape");
        if (!cJSON_IsString(name) || strcmp(name->valuestring, want->name) != 0)
            return err_set(e, "%s: checkpoint tensor %d is %s%.40s%s, expected \"%s\"", path, i,
                           cJSON_IsString(name) ? "\"" : "",
                           cJSON_IsString(name) ? name->valuestring : "unnamed",
                           cJSON_IsString(name) ? "\"" : "", want->name);
        int ok = cJSON_IsArray(shape) && cJSON_GetArraySize(shape) == want->rank;
        for (int k = 0; ok && k < want->rank; k++) {
            const cJSON *d = cJSON_GetArrayItem(shape, k);
            ok = cJSON_IsNumber(d) && d->valuedouble == want->shape[k];
        }
        if (!ok) {
            char exp[64];
            int n = snprintf(exp, sizeof exp, "[%d", want->shape[0]);
            for (int k = 1; k < want->rank; k++) n += snprintf(exp + n, sizeof exp - (size_t)n, ",%d", want->shape[k]);
            snprintf(exp + n, sizeof exp - (size_t)n, "]");
            return err_set(e, "%s: checkpoint tensor \"%s\" has the wrong shape (the config needs %s)",
                           path, want->name, exp);
        }
        i++;
    }
    const cJSON *sum = cJSON_GetObjectItemCaseSensitive(h, "checksum");
    if (!cJSON_IsString(sum) || strlen(sum->valuestring) != 16 ||
        strspn(sum->valuestring, "0123456789abcdef") != 16)
        return err_set(e, "%s: checkpoint checksum is missing or not 16 lowercase hex digits", path);
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(h, "meta");
    if (meta && !cJSON_IsObject(meta)) return err_set(e, "%s: checkpoint meta is not an object", path);
    return 0;
}

int gpt_load(const char *path, Gpt **out, cJSON **meta_out, Err *e) {
    *out = NULL;
    if (meta_out) *meta_out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(e, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return err_set(e, "%s: not a regular file", path);
    }
    uint64_t fsize = (uint64_t)st.st_size;
    size_t hlen = 0;
    cJSON *h = NULL;
    Gpt *m = NULL;
    char *line = read_header_line(f, path, fsize, &hlen, e);
    if (!line) goto fail;
    h = cJSON_ParseWithLength(line, hlen);
    if (!h || !cJSON_IsObject(h)) {
        const char *at = cJSON_GetErrorPtr();
        long off = h ? 0 : (at && at >= line && at <= line + hlen) ? (long)(at - line) : -1;
        /* a file that does not even begin like one (a README, a notebook) is not "corrupt" */
        size_t ws = strspn(line, " \t\r");
        static const char start[] = "{\"format\":\"" GPT_CKPT_FORMAT "\"";
        int looks = strncmp(line + ws, start, sizeof start - 1) == 0;
        free(line);
        if (!looks) err_set(e, "%s: not a dolab checkpoint (it does not begin with a %s header)", path, GPT_CKPT_FORMAT);
        else if (off >= 0) err_set(e, "%s: corrupt checkpoint header: invalid JSON near byte %ld", path, off);
        else err_set(e, "%s: corrupt checkpoint header: not a JSON object", path);
        goto fail;
    }
    free(line);
    char where[256];
    if (ju_find_bad_utf8(h, "", where, sizeof where)) {
        err_set(e, "%s: checkpoint header: %s is not valid UTF-8 text", path, where);
        goto fail;
    }
    if (ju_find_nonfinite(h, "", where, sizeof where)) {
        err_set(e, "%s: checkpoint header: %s is a number out of range", path, where);
        goto fail;
    }
    GptConfig cfg;
    GptTensorInfo info[GPT_NUM_TENSORS];
    size_t n = 0;
    if (check_header(h, path, &cfg, info, &n, e) != 0) goto fail;
    uint64_t data = fsize - hlen - 1, want = (uint64_t)n * sizeof(float);
    if (data < want) {
        err_set(e, "%s: truncated checkpoint: %" PRIu64 " bytes of tensor data, expected %" PRIu64, path,
                data, want);
        goto fail;
    }
    if (data > want) {
        err_set(e, "%s: checkpoint has %" PRIu64 " trailing bytes after the tensors", path, data - want);
        goto fail;
    }
    m = gpt_alloc(&cfg, e);
    if (!m) {
        err_prefix(e, "%s", path);
        goto fail;
    }
    if (fseeko(f, (off_t)hlen + 1, SEEK_SET) != 0 || fread(m->param_mem, sizeof(float), n, f) != n) {
        err_set(e, "%s: read failed: %s", path, ferror(f) ? strerror(errno) : "file shrank while reading");
        goto fail;
    }
    char got[17];
    snprintf(got, sizeof got, "%016" PRIx64, gpt_fnv1a(GPT_FNV_OFFSET, m->param_mem, n * sizeof(float)));
    const char *expect = cJSON_GetObjectItemCaseSensitive(h, "checksum")->valuestring;
    if (strcmp(got, expect) != 0) {
        err_set(e, "%s: checksum mismatch: header says %s, tensor data hashes to %s (corrupt file)", path,
                expect, got);
        goto fail;
    }
    if (!host_is_le()) swap32(m->param_mem, n);
    if (meta_out) {
        cJSON *meta = cJSON_DetachItemFromObjectCaseSensitive(h, "meta");
        *meta_out = meta ? meta : cJSON_CreateObject();
        if (!*meta_out) {
            err_set(e, "%s: out of memory", path);
            goto fail;
        }
    }
    cJSON_Delete(h);
    fclose(f);
    *out = m;
    return 0;
fail:
    cJSON_Delete(h);
    gpt_free(m);
    fclose(f);
    return -1;
}

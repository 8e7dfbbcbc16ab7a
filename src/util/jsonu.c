#include "util/jsonu.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* The number is written raw: cJSON prints doubles with 15 significant digits, which rounds
 * integers between 10^15 and 2^53. */
cJSON *ju_u64(uint64_t v) {
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return v <= (1ull << 53) ? cJSON_CreateRaw(buf) : cJSON_CreateString(buf);
}

int ju_add_u64(cJSON *o, const char *key, uint64_t v) {
    cJSON *n = ju_u64(v);
    if (!n) return -1;
    if (!cJSON_AddItemToObject(o, key, n)) {
        cJSON_Delete(n);
        return -1;
    }
    return 0;
}

int ju_parse_u64(const char *s, uint64_t *out) {
    if (!s || !*s) return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int ju_get_u64(const cJSON *node, const char *what, uint64_t *out, Err *e) {
    if (cJSON_IsNumber(node)) {
        double d = node->valuedouble;
        if (!isfinite(d) || d < 0 || d > JU_EXACT_MAX || d != floor(d))
            return err_set(e, "%s: %g is not an integer in 0..2^53 (larger values are written as strings)", what, d);
        *out = (uint64_t)d;
        return 0;
    }
    if (cJSON_IsRaw(node) && ju_parse_u64(node->valuestring, out) == 0) return 0; /* as ju_u64 made it */
    if (cJSON_IsString(node)) {
        if (ju_parse_u64(node->valuestring, out))
            return err_set(e, "%s: \"%.40s\" is not a decimal integer in 0..2^64-1", what, node->valuestring);
        return 0;
    }
    return err_set(e, "%s: %s", what, node ? "expected an integer (a number or a decimal string)" : "missing");
}

cJSON *ju_num(double v) { return cJSON_CreateNumber(v == 0 ? 0.0 : v); }

int ju_add_num(cJSON *o, const char *key, double v) {
    cJSON *n = ju_num(v);
    if (!n) return -1;
    if (!cJSON_AddItemToObject(o, key, n)) {
        cJSON_Delete(n);
        return -1;
    }
    return 0;
}

const char *ju_kind(const cJSON *node) {
    if (!node) return "missing";
    if (cJSON_IsNumber(node)) return "a number";
    if (cJSON_IsString(node)) return "a string";
    if (cJSON_IsObject(node)) return "an object";
    if (cJSON_IsArray(node)) return "a list";
    if (cJSON_IsTrue(node)) return "true";
    if (cJSON_IsFalse(node)) return "false";
    if (cJSON_IsNull(node)) return "null";
    return "a raw value";
}

int ju_utf8_ok(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, cp;
        int n;
        if (c < 0x80) {
            p++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1, cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2, cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3, cp = c & 0x07;
        } else {
            return 0;
        }
        for (int i = 1; i <= n; i++) { /* stops at the NUL: it is not a continuation byte */
            if ((p[i] & 0xC0) != 0x80) return 0;
            cp = cp << 6 | (p[i] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += n + 1;
    }
    return 1;
}

/* Depth-first search for the first node bad() accepts; writes its path.  Recursion is bounded
 * by cJSON's nesting limit (CJSON_NESTING_LIMIT, 1000). */
static int find_node(const cJSON *node, const char *at, int (*bad)(const cJSON *), char *path, size_t n) {
    if (bad(node)) {
        snprintf(path, n, "%s", at);
        return 1;
    }
    if (!cJSON_IsObject(node) && !cJSON_IsArray(node)) return 0;
    int i = 0;
    for (const cJSON *c = node->child; c; c = c->next, i++) {
        char sub[256];
        if (cJSON_IsObject(node)) {
            const char *k = c->string ? c->string : "?";
            if (!ju_utf8_ok(k)) {
                snprintf(path, n, "%s (a key)", at);
                return 1;
            }
            snprintf(sub, sizeof sub, "%s%s%.80s", at, *at ? "." : "", k);
        } else {
            snprintf(sub, sizeof sub, "%s[%d]", at, i);
        }
        if (find_node(c, sub, bad, path, n)) return 1;
    }
    return 0;
}

static int bad_string(const cJSON *j) { return cJSON_IsString(j) && !ju_utf8_ok(j->valuestring); }
static int bad_number(const cJSON *j) { return cJSON_IsNumber(j) && !isfinite(j->valuedouble); }

int ju_find_bad_utf8(const cJSON *node, const char *root, char *path, size_t n) {
    return find_node(node, root, bad_string, path, n);
}

int ju_find_nonfinite(const cJSON *node, const char *root, char *path, size_t n) {
    return find_node(node, root, bad_number, path, n);
}

static int rule_fail(Err *e, const char *at, const JuRule *r, const cJSON *v) {
    switch (r->kind) {
    case JU_NUM:
    case JU_NUM_NULL:
        if (cJSON_IsNumber(v))
            return err_set(e, "%s: expected a number from %g to %g, got %g", at, r->lo, r->hi, v->valuedouble);
        return err_set(e, "%s: expected a number%s, got %s", at, r->kind == JU_NUM_NULL ? " or null" : "", ju_kind(v));
    case JU_INT:
        if (cJSON_IsNumber(v))
            return err_set(e, "%s: expected an integer from %.0f to %.0f, got %g", at, r->lo, r->hi, v->valuedouble);
        return err_set(e, "%s: expected an integer, got %s", at, ju_kind(v));
    case JU_STR:
        if (cJSON_IsString(v))
            return err_set(e, "%s: expected a string of %.0f to %.0f bytes, got %zu", at, r->lo, r->hi, strlen(v->valuestring));
        return err_set(e, "%s: expected a string, got %s", at, ju_kind(v));
    case JU_BOOL: return err_set(e, "%s: expected true or false, got %s", at, ju_kind(v));
    case JU_OBJ: return err_set(e, "%s: expected an object, got %s", at, ju_kind(v));
    case JU_LIST:
        if (cJSON_IsArray(v))
            return err_set(e, "%s: expected a list of %.0f to %.0f elements, got %d", at, r->lo, r->hi, cJSON_GetArraySize(v));
        return err_set(e, "%s: expected a list, got %s", at, ju_kind(v));
    default: return err_set(e, "%s: bad rule", at);
    }
}

static int rule_ok(const cJSON *v, const JuRule *r, const char *at, Err *e) {
    double d = cJSON_IsNumber(v) ? v->valuedouble : 0;
    int inrange = isfinite(d) && d >= r->lo && d <= r->hi;
    switch (r->kind) {
    case JU_NUM: return cJSON_IsNumber(v) && inrange ? 0 : rule_fail(e, at, r, v);
    case JU_NUM_NULL: return cJSON_IsNull(v) || (cJSON_IsNumber(v) && inrange) ? 0 : rule_fail(e, at, r, v);
    case JU_INT: return cJSON_IsNumber(v) && inrange && d == floor(d) ? 0 : rule_fail(e, at, r, v);
    case JU_U64: {
        uint64_t u;
        return ju_get_u64(v, at, &u, e);
    }
    case JU_STR: {
        size_t len = cJSON_IsString(v) ? strlen(v->valuestring) : 0;
        return cJSON_IsString(v) && len >= r->lo && (r->hi <= 0 || len <= r->hi) ? 0 : rule_fail(e, at, r, v);
    }
    case JU_BOOL: return cJSON_IsBool(v) ? 0 : rule_fail(e, at, r, v);
    case JU_OBJ: return cJSON_IsObject(v) ? 0 : rule_fail(e, at, r, v);
    case JU_LIST: {
        int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : -1;
        return n >= r->lo && n <= r->hi ? 0 : rule_fail(e, at, r, v);
    }
    }
    return rule_fail(e, at, r, v);
}

/* Walks the rest of the path (rest) from node, whose own path is at. */
static int walk(const cJSON *node, const char *at, const char *rest, const JuRule *r, Err *e) {
    if (!*rest) return rule_ok(node, r, at, e);
    const char *dot = strchr(rest, '.');
    size_t len = dot ? (size_t)(dot - rest) : strlen(rest);
    const char *next = dot ? dot + 1 : rest + len;
    int each = len >= 2 && rest[len - 2] == '[' && rest[len - 1] == ']';
    char key[64], sub[256];
    size_t klen = each ? len - 2 : len;
    if (klen >= sizeof key) return err_set(e, "%s: rule path too long", at);
    memcpy(key, rest, klen);
    key[klen] = 0;
    if (!cJSON_IsObject(node)) return err_set(e, "%s: expected an object, got %s", *at ? at : "the document", ju_kind(node));
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(node, key);
    snprintf(sub, sizeof sub, "%s%s%s", at, *at ? "." : "", key);
    if (!v) return r->flags & JU_REQUIRED ? err_set(e, "%s: missing", sub) : 0;
    if (!each) return walk(v, sub, next, r, e);
    if (!cJSON_IsArray(v)) return err_set(e, "%s: expected a list, got %s", sub, ju_kind(v));
    int i = 0;
    for (const cJSON *c = v->child; c; c = c->next, i++) {
        char el[280];
        snprintf(el, sizeof el, "%s[%d]", sub, i);
        if (walk(c, el, next, r, e)) return -1;
    }
    return 0;
}

int ju_check(const cJSON *root, const char *root_name, const JuRule *rules, int n, Err *e) {
    for (int i = 0; i < n; i++)
        if (walk(root, root_name ? root_name : "", rules[i].path, &rules[i], e)) return -1;
    return 0;
}

#include "util/jsonu.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

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

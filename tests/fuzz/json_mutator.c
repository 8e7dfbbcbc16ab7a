/* json_mutator — a structure-aware libFuzzer mutator for the JSON targets.
 *
 * Byte flips rarely survive a JSON parser, and when they do they seldom change what a loader
 * looks at.  The crashes issue 9 found came from changing one value's type or range by hand, so
 * this mutator parses the input, changes one node the way a hostile hand would, and prints the
 * tree again:
 *   - a value of another type (number, string, bool, null, object, list);
 *   - an extreme number (-0, 2^31, 2^53+1, 2^64, 1e300, 1e999, -1, 0.5 ...);
 *   - an empty, invalid-UTF-8, cut-UTF-8, very long or letter-like string;
 *   - deep nesting (a value wrapped in hundreds of lists, around cJSON's limit of 1000);
 *   - a duplicate key (the same member twice), or a member a loader knows but the input lacks
 *     (an optional "where", "cue", "best" ...) with an odd value;
 *   - a member or element removed, or a subtree copied over another (cross-over within the
 *     input), or a list grown by one of its own elements.
 * When the input does not parse (one time in eight also when it does), libFuzzer's own byte
 * mutation runs instead, so the raw parser is fuzzed too. */
#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_mutator.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

typedef struct Rng {
    uint64_t s;
} Rng;

static uint32_t rnd(Rng *r, uint32_t n) {
    r->s ^= r->s << 13, r->s ^= r->s >> 7, r->s ^= r->s << 17;
    return n ? (uint32_t)(r->s % n) : 0;
}

/* Every node of the tree in document order (the root first). */
typedef struct Nodes {
    cJSON **v;
    int n, cap;
} Nodes;

static void collect(cJSON *j, Nodes *out) {
    for (; j; j = j->next) {
        if (out->n == out->cap) {
            int cap = out->cap ? 2 * out->cap : 64;
            cJSON **v = realloc(out->v, sizeof *v * (size_t)cap);
            if (!v) return;
            out->v = v, out->cap = cap;
        }
        out->v[out->n++] = j;
        collect(j->child, out);
    }
}

/* The parent of node in the tree rooted at root (NULL for the root). */
static cJSON *parent_of(cJSON *root, cJSON *node) {
    for (cJSON *c = root->child; c; c = c->next) {
        if (c == node) return root;
        cJSON *p = parent_of(c, node);
        if (p) return p;
    }
    return NULL;
}

static const char *const raw_numbers[] = {
    "0", "-0", "-1", "1", "2", "0.5", "-0.5", "7", "8", "9", "255", "256", "4096", "65536", "1000000", "1000001",
    "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967296", "9007199254740992", "9007199254740993",
    "18446744073709551615", "18446744073709551616", "1e15", "1e300", "-1e300", "1e-300", "1e999", "-1e999",
    "123456789012345678901234567890", "3.0000000000000004", "1e2", "100000000", "100000001",
};
static const char *const strings[] = {
    "", "A", "B", "E", "H", "I", "Z", "a", "\xc3\xbf" /* ÿ */, "ab\xf0", "\xff", "\xc0\xaf", "\xed\xa0\x80",
    "ab\xe2\x82", "\xf4\x90\x80\x80", "nothing", "edge A->E", "edge A->", "A is an ancestor of E", "heldout", "all",
    "train", "model", "expert", "oracle", "random", "run", "note", "session", "dolab-checkpoint", "dolab-notebook",
    "dolab-theme", "-1", "1e300", "18446744073709551616", "0000000000000000", "%s%n%s", "\t\r\n", "..",
};

/* Keys dolab's files use, so optional members absent from the seeds get tried too. */
static const char *const keys[] = {
    "where", "accept", "cue", "goal", "best", "seed", "episodes", "explain", "betas", "weights", "name", "about",
    "text", "type", "id", "time", "events", "eval", "training", "config", "curve", "ci95", "agreement", "of",
    "explanations", "explained", "follows", "names", "assoc_rule",
    "version", "format", "checksum", "meta", "vocab", "experiment", "steps", "roles", "fg", "bg", "attrs", "heldout",
    "worlds", "strategies", "sets", "mix", "weight", "context", "title", "script", "checkpoint", "dolab", "model",
};

static cJSON *random_value(Rng *r) {
    switch (rnd(r, 8)) {
    case 0: return cJSON_CreateRaw(raw_numbers[rnd(r, sizeof raw_numbers / sizeof *raw_numbers)]);
    case 1: return cJSON_CreateString(strings[rnd(r, sizeof strings / sizeof *strings)]);
    case 2: return cJSON_CreateBool(rnd(r, 2));
    case 3: return cJSON_CreateNull();
    case 4: return cJSON_CreateObject();
    case 5: return cJSON_CreateArray();
    case 6: {
        size_t n = 1 + rnd(r, 5000);
        char *s = malloc(n + 1);
        if (!s) return cJSON_CreateNull();
        memset(s, "A\xc3\xe2\xff"[rnd(r, 4)], n);
        s[n] = 0;
        cJSON *j = cJSON_CreateString(s);
        free(s);
        return j;
    }
    default: return cJSON_CreateRaw(raw_numbers[rnd(r, sizeof raw_numbers / sizeof *raw_numbers)]);
    }
}

/* Puts v where node is (node is freed).  The root cannot be replaced in place: returns 0. */
static int replace(cJSON *root, cJSON *node, cJSON *v) {
    cJSON *p = parent_of(root, node);
    if (!p || !v) {
        cJSON_Delete(v);
        return 0;
    }
    if (!(v->type & cJSON_StringIsConst)) free(v->string); /* a copied subtree's own key */
    v->string = NULL;
    v->type &= ~cJSON_StringIsConst;
    if (node->string) v->string = strdup(node->string); /* the member keeps its key */
    return cJSON_ReplaceItemViaPointer(p, node, v) ? 1 : 0;
}

static int mutate_tree(cJSON *root, Rng *r) {
    Nodes ns = {0};
    collect(root, &ns);
    int ok = 0;
    if (ns.n == 0) goto out;
    cJSON *node = ns.v[rnd(r, (uint32_t)ns.n)];
    switch (rnd(r, 10)) {
    case 0: /* another type, or an extreme number */
    case 1: ok = replace(root, node, random_value(r)); break;
    case 2: /* an extreme or odd number where a number is */
        ok = replace(root, node, cJSON_CreateRaw(raw_numbers[rnd(r, sizeof raw_numbers / sizeof *raw_numbers)]));
        break;
    case 3: /* an odd string */ ok = replace(root, node, cJSON_CreateString(strings[rnd(r, sizeof strings / sizeof *strings)])); break;
    case 4: { /* deep nesting */
        int depth = 1 + (int)rnd(r, 2) * 900 + (int)rnd(r, 150);
        cJSON *v = cJSON_Duplicate(node, 1), *top = v;
        for (int i = 0; i < depth && top; i++) {
            cJSON *a = cJSON_CreateArray();
            if (!a) break;
            cJSON_AddItemToArray(a, top);
            top = a;
        }
        ok = replace(root, node, top);
        break;
    }
    case 5: { /* a duplicate key */
        cJSON *p = parent_of(root, node);
        if (p && cJSON_IsObject(p) && node->string) {
            cJSON *v = rnd(r, 2) ? random_value(r) : cJSON_Duplicate(node, 1);
            ok = v && cJSON_AddItemToObject(p, node->string, v);
        }
        break;
    }
    case 6: { /* removed */
        cJSON *p = parent_of(root, node);
        if (p) {
            cJSON_Delete(cJSON_DetachItemViaPointer(p, node));
            ok = 1;
        }
        break;
    }
    case 7: { /* a subtree copied over another */
        cJSON *from = ns.v[rnd(r, (uint32_t)ns.n)];
        if (from != node && from != root) ok = replace(root, node, cJSON_Duplicate(from, 1));
        break;
    }
    case 8: /* a member the input lacks */
        if (cJSON_IsObject(node)) {
            cJSON *v = rnd(r, 2) ? random_value(r) : cJSON_CreateString(strings[rnd(r, sizeof strings / sizeof *strings)]);
            ok = v && cJSON_AddItemToObject(node, keys[rnd(r, sizeof keys / sizeof *keys)], v);
        }
        break;
    default: { /* a list or object grown by a copy of one of its members */
        if ((cJSON_IsArray(node) || cJSON_IsObject(node)) && node->child) {
            cJSON *c = node->child;
            for (uint32_t k = rnd(r, 8); k && c->next; k--) c = c->next;
            cJSON *v = cJSON_Duplicate(c, 1);
            if (v && cJSON_IsArray(node)) ok = cJSON_AddItemToArray(node, v);
            else if (v) ok = cJSON_AddItemToObject(node, c->string ? c->string : "k", v);
        }
        break;
    }
    }
out:
    free(ns.v);
    return ok;
}

size_t fz_json_mutate(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
    Rng r = {seed * 0x9E3779B97F4A7C15ull + 1};
    char *text = malloc(size + 1);
    cJSON *root = NULL;
    if (text) {
        memcpy(text, data, size);
        text[size] = 0;
        root = cJSON_ParseWithLength(text, size);
        free(text);
    }
    if (!root || rnd(&r, 8) == 0) {
        cJSON_Delete(root);
        return LLVMFuzzerMutate(data, size, max_size);
    }
    int changed = 0;
    for (uint32_t k = 1 + rnd(&r, 3); k; k--) changed |= mutate_tree(root, &r);
    char *out = changed ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    size_t n = out ? strlen(out) : 0;
    if (!out || n > max_size) {
        free(out);
        return LLVMFuzzerMutate(data, size, max_size);
    }
    memcpy(data, out, n);
    free(out);
    return n;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
    return fz_json_mutate(data, size, max_size, seed);
}

/* jsonu — exact 64-bit integers and clean numbers in cJSON trees.
 *
 * JSON numbers are read as doubles, which hold integers exactly only up to 2^53.  Seeds and ids
 * are 64-bit, so they are written as a JSON number when they fit (<= 2^53) and as a decimal
 * string otherwise; the reader takes both and refuses anything else (a fraction, a negative,
 * an overflowing or non-decimal string), naming the field.  ju_add_num never writes -0.
 * Nothing here allocates except through cJSON; the caller owns the trees as usual. */
#ifndef DOLAB_UTIL_JSONU_H
#define DOLAB_UTIL_JSONU_H

#include <cJSON.h>
#include <stdint.h>

#include "util/err.h"

#define JU_EXACT_MAX 9007199254740992.0 /* 2^53 */

/* A node holding v exactly: a number when v <= 2^53 (a raw node, printed digit for digit; it
 * reads back as a number), else a string of its decimal digits. */
cJSON *ju_u64(uint64_t v);
/* Adds ju_u64(v) to object o under key; returns 0, or -1 when out of memory. */
int ju_add_u64(cJSON *o, const char *key, uint64_t v);
/* Reads such a node: a non-negative integral number <= 2^53, or a decimal string < 2^64 (or the
 * raw node ju_u64 makes, before the tree is printed and parsed again).
 * what names the field in the message ("train.seed"). */
int ju_get_u64(const cJSON *node, const char *what, uint64_t *out, Err *e);
/* Parses a decimal u64 from a whole string (no sign, no spaces, no overflow). */
int ju_parse_u64(const char *s, uint64_t *out);
/* A number node that is never -0 (a zero of either sign is written 0). */
cJSON *ju_num(double v);
int ju_add_num(cJSON *o, const char *key, double v);

/* What a node is, for messages: "a number", "a string", "an object", "a list", "true",
 * "false", "null", or "missing" (NULL). */
const char *ju_kind(const cJSON *node);
/* 1 when s is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF). */
int ju_utf8_ok(const char *s);
/* Finds the first key or string value in the tree that is not UTF-8 and writes its path
 * ("entries[3].config.name", the root's own name being root) into path; returns 1 if found. */
int ju_find_bad_utf8(const cJSON *node, const char *root, char *path, size_t n);
/* Finds the first number that is not finite (a JSON literal such as 1e999 overflows to inf);
 * same path convention.  Returns 1 if found. */
int ju_find_nonfinite(const cJSON *node, const char *root, char *path, size_t n);

/* A table of field rules checked against a tree: each path is keys joined by dots, "[]" after
 * a key meaning every element of that list ("sets[].strategies[].ci95[]").  A field that is
 * absent passes unless the rule has JU_REQUIRED; one that is there must have the kind and
 * range, or the check fails naming the field ("eval.sets[1].episodes: expected an integer
 * from 1 to 1000000, got 1e+300").  Writers keep their rules beside their writer. */
typedef enum JuKind {
    JU_NUM,      /* a finite number in [lo, hi] */
    JU_NUM_NULL, /* the same, or null */
    JU_INT,      /* an integer in [lo, hi] */
    JU_U64,      /* an exact 64-bit integer (ju_get_u64) */
    JU_STR,      /* a string of lo to hi bytes (hi 0: any length) */
    JU_BOOL,
    JU_OBJ,
    JU_LIST, /* a list of lo to hi elements */
} JuKind;
#define JU_REQUIRED 1
typedef struct JuRule {
    const char *path;
    JuKind kind;
    double lo, hi;
    int flags;
} JuRule;
int ju_check(const cJSON *root, const char *root_name, const JuRule *rules, int n, Err *e);

#endif

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
/* Reads such a node: a non-negative integral number <= 2^53, or a decimal string < 2^64.
 * what names the field in the message ("train.seed"). */
int ju_get_u64(const cJSON *node, const char *what, uint64_t *out, Err *e);
/* Parses a decimal u64 from a whole string (no sign, no spaces, no overflow). */
int ju_parse_u64(const char *s, uint64_t *out);
/* A number node that is never -0 (a zero of either sign is written 0). */
cJSON *ju_num(double v);
int ju_add_num(cJSON *o, const char *key, double v);

#endif

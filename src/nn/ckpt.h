/* ckpt — a model in one file.
 *
 * Format (version 1): one line of JSON, a newline, then the parameters as raw little-endian
 * float32 in GPT_PARAM_TABLE order, nothing after.  The header:
 *   {"format":"dolab-checkpoint","version":1,
 *    "config":{"vocab":V,"context":T,"layers":L,"dim":C,"heads":H},
 *    "tensors":[{"name":"wte","shape":[V,C]}, ...],
 *    "checksum":"<FNV-1a 64 of the parameter bytes, 16 hex digits>",
 *    "meta":{...}}
 * "meta" is whatever object the caller supplies (vocabulary, experiment, seed, steps...);
 * this layer stores and returns it without looking inside.
 *
 * Loading checks, before allocating anything big: the header line (at most
 * GPT_CKPT_HEADER_MAX bytes), its JSON, the format name and version, the config ranges, every
 * tensor's name and shape, and the file size; then the checksum.  Any failure is one line
 * naming the file and what is wrong; nothing here crashes or exits on a bad file.
 *
 * Ownership: gpt_save only reads m and meta.  gpt_load gives the caller a new model
 * (gpt_free) and, if meta_out is not NULL, a new cJSON object (cJSON_Delete); on error both
 * are left NULL. */
#ifndef DOLAB_NN_CKPT_H
#define DOLAB_NN_CKPT_H

#include <cJSON.h>

#include "nn/gpt.h"

#define GPT_CKPT_FORMAT "dolab-checkpoint"
#define GPT_CKPT_VERSION 1
#define GPT_CKPT_HEADER_MAX (16u << 20)

/* Writes atomically (temp file, fsync, rename).  meta may be NULL (stored as {}). */
int gpt_save(const char *path, const Gpt *m, const cJSON *meta, Err *e);
int gpt_load(const char *path, Gpt **out, cJSON **meta_out, Err *e);

/* FNV-1a 64-bit hash of n bytes, continuing from h (start with GPT_FNV_OFFSET). */
#define GPT_FNV_OFFSET 0xcbf29ce484222325ull
uint64_t gpt_fnv1a(uint64_t h, const void *data, size_t n);

#endif

/* json_mutator — the structure-aware mutator the JSON fuzz targets link (json_mutator.c
 * defines LLVMFuzzerCustomMutator with it). */
#ifndef DOLAB_FUZZ_JSON_MUTATOR_H
#define DOLAB_FUZZ_JSON_MUTATOR_H

#include <stddef.h>
#include <stdint.h>

size_t fz_json_mutate(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#endif

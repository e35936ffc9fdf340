/*
 * fuzz_common.h - what the libFuzzer targets share (fuzz_common.c): invariant checks, the limits an
 * input runs under, and the satisfying of a module's imports.
 *
 * Both targets run untrusted modules the way an embedder would, under the same small limits, so
 * that what one target explores the other can replay: runnel_fuzz (fuzz_engine.c) looks for crashes,
 * sanitizer reports and broken API invariants, runnel_fuzz_diff (fuzz_diff.c) for differences between
 * fused and unfused code.
 */
#ifndef RN_FUZZ_COMMON_H
#define RN_FUZZ_COMMON_H

#include "runnel/engine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Small limits (16 pages, 64 KiB of value stack, depth 256, 10000 fuel) keep every input fast, so the
   fuzzer explores breadth instead of waiting on one slow module. */
enum {
    FUZZ_FUEL = 10000,
    FUZZ_MAX_PAGES = 16,
    FUZZ_MAX_TABLE = 10000,
    FUZZ_MAX_CALLS = 64, /* exports called per input */
};
extern const runnel_config fuzz_config;

/* An invariant of the engine failed: say which, and abort (fine here: this is a test, not the library). */
#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);                               \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

/* A failure must come with a status and a message. */
void fuzz_check_report(const runnel_report *r, runnel_status st);

/* Defines something of the right type for every import of m, whose binary is data: a host function
   that returns zeros, or a fresh memory/table/global made in s exactly to the import's declared type
   (zero for a global). The same module and bytes always get the same definitions. Returns false if
   some import cannot be met (then the input is only decoded, not run). */
bool fuzz_satisfy_imports(runnel_linker *l, runnel_store *s, const runnel_module *m, const uint8_t *data, size_t size);

bool fuzz_is_number(runnel_valtype t);

#endif

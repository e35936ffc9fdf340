/*
 * bench.h - what every benchmark workload shares.
 *
 * Each workload is one C file defining `int32_t run(void)`, built twice from the same source: to
 * wasm32 (an export-only module, no libc) and natively (linked with native_main.c, which calls run()
 * and prints the result). run() takes no arguments because wabt's wasm-interp can only call exports
 * with no arguments (--run-all-exports); the problem size is a compile-time constant instead (-DN=...),
 * which bench/run.sh sets. run() returns a checksum of its work, so that no compiler can drop the work
 * and so that the three engines can be checked to agree.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>

#ifdef __wasm__
#define BENCH_EXPORT __attribute__((export_name("run")))
#else
#define BENCH_EXPORT
#endif

BENCH_EXPORT int32_t run(void);

/* xorshift32 (Marsaglia 2003): a deterministic input generator that needs no libc. */
static inline uint32_t bench_rand(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

#endif

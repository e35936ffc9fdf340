/*
 * traps.c - functions that fail in each of the ways `runnel run` must report: a trap (with a
 * backtrace through named functions), running out of fuel or time, exhausting the call stack, and
 * growing memory beyond --max-memory. The CLI tests (tests/cli) run them.
 */
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define NOINLINE __attribute__((noinline))

/* Kept out of line so the backtrace has more than one frame. */
NOINLINE static void fail(void) { __builtin_trap(); /* unreachable */ }
EXPORT(crash) void crash(void) { fail(); }

/* i32.div_s traps on a zero divisor (spec 4.3.2, idiv_s). */
EXPORT(divide) int32_t divide(int32_t a, int32_t b) { return a / b; }

/* A load far beyond the memory: "out of bounds memory access". */
EXPORT(peek) int32_t peek(int32_t addr) { return *(volatile int32_t *)(uintptr_t)(uint32_t)addr; }

/* Never returns: only fuel or a timeout stops it. The volatile store keeps the loop from being
   optimised into something else. */
EXPORT(spin) void spin(void)
{
    volatile int32_t x = 0;
    for (;;)
        x = x + 1;
}

/* Recursion deeper than any call stack (2^32 frames): "call stack exhausted". The result is squared
   so that the compiler cannot turn the recursion into a loop (an accumulator works only for + and *
   alone), and nothing lives in linear memory, so it is the engine's call stack that runs out. */
EXPORT(deep) uint32_t deep(uint32_t n)
{
    if (n == UINT32_MAX)
        return 0;
    uint32_t r = deep(n + 1);
    return r * r + n;
}

/* memory.grow by n pages: the old size, or -1 when refused (say by --max-memory). */
EXPORT(grow) int32_t grow(int32_t n) { return (int32_t)__builtin_wasm_memory_grow(0, (uint32_t)n); }

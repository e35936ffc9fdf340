/*
 * fib.c - the Fibonacci numbers, the demo and benchmark "hello world" of an interpreter.
 *
 * fib is the naive doubly recursive definition on purpose: it is almost nothing but calls, so it
 * measures function entry and return, the cost that dominates small actor handlers. fib_iter is the
 * loop version (loop back-edges, locals) and fib64 the same in i64, for results that overflow i32.
 * Built as an export-only module (no libc, no WASI): `runnel run --invoke fib fib.wasm 25` prints 75025.
 */
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(#name)))

EXPORT(fib) int32_t fib(int32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

EXPORT(fib_iter) int32_t fib_iter(int32_t n)
{
    uint32_t a = 0, b = 1; /* unsigned: wraps like i32.add instead of being undefined in C */
    for (int32_t i = 0; i < n; i++) {
        uint32_t t = a + b;
        a = b;
        b = t;
    }
    return (int32_t)a;
}

EXPORT(fib64) int64_t fib64(int32_t n)
{
    uint64_t a = 0, b = 1;
    for (int32_t i = 0; i < n; i++) {
        uint64_t t = a + b;
        a = b;
        b = t;
    }
    return (int64_t)a;
}

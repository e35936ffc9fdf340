/*
 * calc.c - small functions over every number type, to show (and test) how `runnel run --invoke`
 * reads arguments and prints results: i64 beyond 32 bits, f32 and f64 with the shortest round-trip
 * text, NaN and infinity, and a function without results.
 */
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(#name)))

EXPORT(add) int32_t add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }

EXPORT(mul64) int64_t mul64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }

EXPORT(half) float half(float x) { return x / 2.0f; }

/* f64.sqrt: sqrt(-1) is a NaN and sqrt(inf) is inf, so the special values can be seen. */
EXPORT(hypot) double hypot(double x, double y) { return __builtin_sqrt(x * x + y * y); }

EXPORT(average) double average(int32_t a, int64_t b, float c, double d) { return ((double)a + (double)b + c + d) / 4; }

static int32_t counter;
EXPORT(bump) void bump(void) { counter++; }
EXPORT(count) int32_t count(void) { return counter; }

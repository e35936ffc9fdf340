/* fib.c - naive recursive Fibonacci: calls and returns, almost nothing else. */
#include "bench.h"

#ifndef N
#define N 30
#endif

static int32_t fib(int32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int32_t run(void) { return fib(N); }

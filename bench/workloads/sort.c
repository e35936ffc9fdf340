/* sort.c - quicksort (median of three, insertion sort for short runs) of N pseudo-random i32:
   compares, swaps, unpredictable branches and recursion. */
#include "bench.h"

#ifndef N
#define N 1000000
#endif

static int32_t v[N];

static void insertion(int32_t *x, int32_t n)
{
    for (int32_t i = 1; i < n; i++) {
        int32_t t = x[i], j = i - 1;
        while (j >= 0 && x[j] > t) {
            x[j + 1] = x[j];
            j--;
        }
        x[j + 1] = t;
    }
}

static void swap(int32_t *p, int32_t *q)
{
    int32_t t = *p;
    *p = *q;
    *q = t;
}

static void quicksort(int32_t *x, int32_t n)
{
    while (n > 16) {
        int32_t mid = n / 2;
        if (x[mid] < x[0])
            swap(&x[mid], &x[0]);
        if (x[n - 1] < x[0])
            swap(&x[n - 1], &x[0]);
        if (x[n - 1] < x[mid])
            swap(&x[n - 1], &x[mid]);
        int32_t pivot = x[mid], i = 0, j = n - 1;
        for (;;) { /* Hoare partition */
            while (x[i] < pivot)
                i++;
            while (x[j] > pivot)
                j--;
            if (i >= j)
                break;
            swap(&x[i], &x[j]);
            i++;
            j--;
        }
        /* recurse into the smaller side, loop on the larger: stack depth stays O(log n) */
        int32_t left = j + 1;
        if (left < n - left) {
            quicksort(x, left);
            x += left;
            n -= left;
        } else {
            quicksort(x + left, n - left);
            n = left;
        }
    }
    insertion(x, n);
}

int32_t run(void)
{
    uint32_t seed = 2463534242u;
    for (int32_t i = 0; i < N; i++)
        v[i] = (int32_t)bench_rand(&seed);
    quicksort(v, N);
    uint32_t check = 0;
    for (int32_t i = 0; i < N; i++) {
        if (i > 0 && v[i - 1] > v[i])
            return -1; /* not sorted */
        check = check * 31 + (uint32_t)v[i];
    }
    return (int32_t)check;
}

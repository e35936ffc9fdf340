/* matmul.c - dense N x N f64 matrix product: loads, stores and float arithmetic in nested loops. */
#include "bench.h"

#ifndef N
#define N 200
#endif

static double a[N][N], b[N][N], c[N][N];

int32_t run(void)
{
    uint32_t seed = 12345;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = (double)(bench_rand(&seed) % 1000) / 100.0;
            b[i][j] = (double)(bench_rand(&seed) % 1000) / 100.0;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double sum = 0;
            for (int k = 0; k < N; k++)
                sum += a[i][k] * b[k][j];
            c[i][j] = sum;
        }
    double total = 0;
    for (int i = 0; i < N; i++)
        total += c[i][(i * 7) % N];
    return (int32_t)(int64_t)total;
}

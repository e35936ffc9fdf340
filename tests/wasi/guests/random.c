/* random.c - random_get through getentropy() and directly: two draws differ, bytes are not all zero,
   and a buffer outside memory is EFAULT. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

int main(void)
{
    unsigned char a[64], b[64];
    if (getentropy(a, sizeof a) != 0 || getentropy(b, sizeof b) != 0) {
        printf("getentropy failed\n");
        return 1;
    }
    int nonzero = 0;
    for (size_t i = 0; i < sizeof a; i++)
        nonzero += a[i] != 0;
    printf("differ=%d nonzero>32=%d\n", memcmp(a, b, sizeof a) != 0, nonzero > 32);
    /* 100000 bytes in one call (more than getentropy's 256-byte cap) */
    static unsigned char big[100000];
    printf("big=%d\n", __wasi_random_get(big, sizeof big));
    /* a pointer past the end of memory */
    printf("fault=%d\n", __wasi_random_get((uint8_t *)0xfffffff0u, 64));
    return 0;
}

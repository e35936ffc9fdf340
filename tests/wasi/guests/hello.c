/* hello.c - the smallest WASI command: one line on stdout, one on stderr, exit status 0. */
#include <stdio.h>

int main(void)
{
    printf("hello, world\n");
    fprintf(stderr, "to stderr\n");
    return 0;
}

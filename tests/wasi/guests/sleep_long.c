/* sleep_long.c - says it is sleeping, then sleeps 10 s (wasi-libc sleeps through poll_oneoff): the
   host must be able to stop it early with a timeout or an interrupt. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    printf("sleeping\n");
    fflush(stdout);
    sleep(10);
    printf("woke\n");
    return 0;
}

/* native_main.c - the native build of a workload: call run() once and print its result, as
   `runnel run --invoke run` does, so the outputs can be compared. */
#include <stdint.h>
#include <stdio.h>

int32_t run(void);

int main(void)
{
    printf("%d\n", (int)run());
    return 0;
}

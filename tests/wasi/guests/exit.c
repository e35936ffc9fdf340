/* exit.c - ends with the status given as argv[1], through exit() (atexit handlers run, then
   proc_exit) or, with argv[2] = "raw", through proc_exit directly; "trap" traps instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static void bye(void)
{
    printf("atexit ran\n");
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 3;
    if (strcmp(argv[1], "trap") == 0)
        __builtin_trap();
    atexit(bye);
    int code = (int)strtol(argv[1], NULL, 0);
    if (argc > 2 && strcmp(argv[2], "raw") == 0)
        __wasi_proc_exit((__wasi_exitcode_t)code);
    exit(code);
}

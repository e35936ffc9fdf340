/* args_env.c - prints what args_get and environ_get gave; exits with argc so the host sees it too. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(int argc, char **argv)
{
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    int n = 0;
    for (char **e = environ; *e; e++)
        printf("env[%d]=%s\n", n++, *e);
    printf("envc=%d\n", n);
    const char *g = getenv("GREETING");
    printf("GREETING=%s\n", g ? g : "(unset)");
    return argc;
}

/* stdin.c - reads stdin to its end and echoes it upper-cased, with the count. */
#include <ctype.h>
#include <stdio.h>

int main(void)
{
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, stdin);
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)toupper((unsigned char)buf[i]);
    printf("read %zu bytes: %.*s\n", n, (int)n, buf);
    printf("eof=%d\n", feof(stdin) ? 1 : 0);
    return 0;
}

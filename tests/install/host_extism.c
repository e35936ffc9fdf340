/* host_extism.c - a program written for libextism, unchanged: <extism.h> and -lextism, as installed with
   RUNNEL_INSTALL_EXTISM_COMPAT (or `cmake --install BUILD --component extism_compat`).
   usage: host_extism FILE.wasm FUNCTION INPUT    prints the plugin's output */
#include <extism.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 4)
        return fprintf(stderr, "usage: host_extism FILE.wasm FUNCTION INPUT\n"), 2;
    static uint8_t wasm[4 << 20];
    FILE *file = fopen(argv[1], "rb");
    size_t len = file ? fread(wasm, 1, sizeof wasm, file) : 0;
    if (file)
        fclose(file);
    char *err = NULL;
    ExtismPlugin *p = extism_plugin_new(wasm, len, NULL, 0, false, &err);
    if (!p) {
        fprintf(stderr, "error: %s\n", err ? err : "(no message)");
        extism_plugin_new_error_free(err);
        return 1;
    }
    int32_t rc = extism_plugin_call(p, argv[2], (const uint8_t *)argv[3], strlen(argv[3]));
    if (rc == EXTISM_SUCCESS)
        printf("%.*s\n", (int)extism_plugin_output_length(p), (const char *)extism_plugin_output_data(p));
    else
        fprintf(stderr, "error: %s\n", extism_plugin_error(p));
    extism_plugin_free(p);
    return rc == EXTISM_SUCCESS ? 0 : 1;
}

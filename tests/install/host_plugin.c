/* host_plugin.c - an embedder of the plugin layer (runnel-plugin): call one function of an Extism plugin.
   usage: host_plugin FILE.wasm FUNCTION INPUT    prints the plugin's output */
#include <runnel/plugin.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 4)
        return fprintf(stderr, "usage: host_plugin FILE.wasm FUNCTION INPUT\n"), 2;
    char manifest[4096];
    snprintf(manifest, sizeof manifest, "{\"wasm\": [{\"path\": \"%s\"}]}", argv[1]);
    runnel_report r = {0};
    runnel_plugin *p = runnel_plugin_new(manifest, strlen(manifest), NULL, &r);
    if (!p) {
        fprintf(stderr, "error: %s\n", r.message);
        runnel_report_clear(&r);
        return 1;
    }
    int32_t rc = runnel_plugin_call(p, argv[2], argv[3], strlen(argv[3]), NULL);
    size_t n = 0;
    const uint8_t *out = runnel_plugin_output(p, &n);
    const char *err = runnel_plugin_error(p);
    if (rc == 0 && !err)
        printf("%.*s\n", (int)n, (const char *)out);
    else
        fprintf(stderr, "error: rc %d: %s\n", (int)rc, err ? err : "(no message)");
    runnel_plugin_free(p);
    runnel_report_clear(&r);
    return rc == 0 && !err ? 0 : 1;
}

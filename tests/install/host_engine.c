/* host_engine.c - the minimal host of docs/embedding.md: load a module, instantiate it, call an export.
   usage: host_engine FILE.wasm FUNCTION N    prints FUNCTION(N), for an export from i32 to i32 */
#include <runnel/engine.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    static uint8_t wasm[1 << 20]; /* modules up to 1 MiB */
    FILE *file = argc == 4 ? fopen(argv[1], "rb") : NULL;
    if (!file)
        return fprintf(stderr, "usage: host_engine FILE.wasm FUNCTION N (FILE readable)\n"), 2;
    size_t len = fread(wasm, 1, sizeof wasm, file);
    fclose(file);

    runnel_report r = {0};
    runnel_module *m = runnel_module_new(wasm, len, &r);
    runnel_store *s = runnel_store_new(NULL);
    runnel_instance *inst = m ? runnel_instantiate(s, m, NULL, &r) : NULL;
    runnel_func *f = inst ? runnel_instance_func(inst, argv[2]) : NULL;
    runnel_val arg = RUNNEL_I32(atoi(argv[3])), res;
    runnel_status st = f ? runnel_call(f, &arg, 1, &res, 1, &r) : RUNNEL_BADARG;
    if (st == RUNNEL_OK)
        printf("%s(%s) = %d\n", argv[2], argv[3], res.of.i32);
    else
        fprintf(stderr, "error: %s\n", r.message ? r.message : "no such export");
    runnel_store_free(s);
    runnel_module_free(m);
    runnel_report_clear(&r);
    return st == RUNNEL_OK ? 0 : 1;
}

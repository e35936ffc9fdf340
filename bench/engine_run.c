/*
 * engine_run.c - bench_engine_run, the in-process counterpart of bench/node_run.mjs for runnel: load a
 * workload module, call its run() export, print the i32 it returns, and on stderr the times measured
 * inside the process, "runnel_load S" (reading, decoding, validating and, with --compiled, finding the
 * artifact in the compile cache and loading it; then instantiating) and "runnel_run S" (the call).
 *
 * Why: bench/run.sh compares the compiling tier with V8, whose column is measured inside node without
 * Node's start-up; the fair figure for runnel is measured the same way, without the few milliseconds
 * the runnel command spends starting (its shared libraries: curl, OpenSSL, SQLite, libwebsockets).
 * run.sh reports both. Guard pages are enabled as the runnel command enables them (RUNNEL_GUARD_PAGES=0:
 * not).
 *
 * usage: bench_engine_run [--compiled] MODULE.wasm
 */
#include "runnel/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b = NULL;
    long n = f && fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (b = malloc(n ? (size_t)n : 1)) && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (f)
        fclose(f);
    *len = n > 0 ? (size_t)n : 0;
    return b;
}

static int fail(runnel_report *r, const char *what)
{
    fprintf(stderr, "bench_engine_run: %s: ", what);
    runnel_report_print(r, stderr);
    runnel_report_clear(r);
    return 1;
}

int main(int argc, char **argv)
{
    bool compiled = argc == 3 && strcmp(argv[1], "--compiled") == 0;
    if (argc != 2 + compiled) {
        fprintf(stderr, "usage: bench_engine_run [--compiled] MODULE.wasm\n");
        return 2;
    }
    const char *guard = getenv("RUNNEL_GUARD_PAGES");
    if (!guard || strcmp(guard, "0") != 0)
        runnel_guard_pages_enable(NULL);
    runnel_report r = {0};
    double t0 = now();
    size_t len;
    uint8_t *bytes = read_all(argv[argc - 1], &len);
    if (!bytes) {
        perror(argv[argc - 1]);
        return 1;
    }
    runnel_module *m = compiled ? runnel_module_compile(bytes, len, NULL, &r) : runnel_module_new(bytes, len, &r);
    free(bytes);
    if (!m)
        return fail(&r, "load");
    runnel_store *s = runnel_store_new(NULL);
    runnel_instance *i = runnel_instantiate(s, m, NULL, &r);
    runnel_func *run = i ? runnel_instance_func(i, "run") : NULL;
    if (!run)
        return i ? (fprintf(stderr, "bench_engine_run: no export run\n"), 1) : fail(&r, "instantiate");
    double t1 = now();
    runnel_val res;
    if (runnel_call(run, NULL, 0, &res, 1, &r) != RUNNEL_OK)
        return fail(&r, "run");
    double t2 = now();
    printf("%d\n", res.of.i32);
    fprintf(stderr, "runnel_load %.4f\nrunnel_run %.4f\n", t1 - t0, t2 - t1);
    runnel_store_free(s);
    runnel_module_free(m);
    return 0;
}

/*
 * bench_plugin.c - the plugin host's speed on Extism's code.wasm (count_vowels), for bench/plugin/run.sh.
 *
 * Measures what an embedder pays: compiling the plugin (decode, validate, compile 1.8 MB of Rust
 * output), instantiating it (runnel instantiates lazily, so: a plugin from the compiled plugin plus
 * its first call), and calls per second of count_vowels with a short input and with 1 MiB of input,
 * on a warm plugin. Each figure is the best of several rounds, because other load on the machine
 * only ever makes a round slower. Prints one line per figure, "name value unit", for run.sh to tabulate
 * next to the same figures from Extism's JS SDK (bench_extism.mjs).
 *
 * With CACHE_DIR, the plugin is made by the compiling tier (runnel_plugin_options.compiled) with its
 * compile cache in CACHE_DIR, which should start empty: the first compile builds the module's native
 * code (printed as compile_cold_ms), the measured ones load it from the cache. Guard pages are enabled
 * first, as the runnel command enables them (RUNNEL_GUARD_PAGES=0: not; docs/compiling.md, "Bounds").
 *
 * usage: bench_plugin CODE.wasm [SECONDS_PER_FIGURE [CACHE_DIR]]
 */
#include "runnel/plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_plugin: %s: %s\n", what, why ? why : "?");
    exit(1);
}

static void call(runnel_plugin *p, const char *in, size_t n)
{
    if (runnel_plugin_call(p, "count_vowels", in, n, NULL) != 0 || runnel_plugin_error(p))
        die("count_vowels", runnel_plugin_error(p));
}

/* Calls per second, best of 5 rounds of about secs/5 and at most 4000 calls, each on a fresh plugin
   made and warmed up outside the timing: the method bench_extism.mjs has to use (Extism's JS SDK fails
   after some 10 000 calls on one plugin), so that the two are measured alike. */
static double rate(runnel_compiled_plugin *c, const char *in, size_t n, double secs)
{
    double best = 0;
    runnel_report r = {0};
    for (int round = 0; round < 5; round++) {
        runnel_plugin *p = runnel_plugin_new_from_compiled(c, &r);
        if (!p)
            die("instantiate", r.message);
        call(p, in, n);
        long calls = 0;
        double t0 = now(), t;
        do {
            for (int i = 0; i < 16; i++)
                call(p, in, n);
            calls += 16;
            t = now() - t0;
        } while (t < secs / 5 && calls < 4000);
        if (calls / t > best)
            best = calls / t;
        runnel_plugin_free(p);
    }
    return best;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_plugin CODE.wasm [SECONDS_PER_FIGURE [CACHE_DIR]]\n");
        return 2;
    }
    double secs = argc > 2 ? atof(argv[2]) : 3.0;
    const char *guard = getenv("RUNNEL_GUARD_PAGES");
    if (!guard || strcmp(guard, "0") != 0)
        runnel_guard_pages_enable(NULL);
    size_t len;
    uint8_t *wasm = read_all(argv[1], &len);
    if (!wasm)
        die(argv[1], "cannot read");
    runnel_plugin_options o = {.size = sizeof(runnel_plugin_options), .has_log_level = true, .log_level = RUNNEL_LOG_OFF};
    runnel_compile_options co = RUNNEL_OPTIONS_INIT(runnel_compile_options);
    runnel_report r = {0};
    runnel_compiled_plugin *c = NULL;
    if (argc > 3) {
        co.cache_dir = argv[3];
        o.compiled = true;
        o.compile = &co;
        double t0 = now();
        c = runnel_compiled_plugin_new(wasm, len, &o, &r);
        if (!c)
            die("compile", r.message);
        printf("compile_cold_ms %.0f ms\n", (now() - t0) * 1e3);
    }

    /* compile: best of 5 */
    double compile = 1e9;
    for (int i = 0; i < 5; i++) {
        double t0 = now();
        runnel_compiled_plugin *k = runnel_compiled_plugin_new(wasm, len, &o, &r);
        double t = now() - t0;
        if (!k)
            die("compile", r.message);
        if (t < compile)
            compile = t;
        if (c)
            runnel_compiled_plugin_free(c);
        c = k;
    }
    /* instantiate: a plugin and its first (tiny) call, best of 20 */
    double inst = 1e9;
    for (int i = 0; i < 20; i++) {
        double t0 = now();
        runnel_plugin *p = runnel_plugin_new_from_compiled(c, &r);
        if (!p)
            die("instantiate", r.message);
        call(p, "a", 1);
        double t = now() - t0;
        if (t < inst)
            inst = t;
        runnel_plugin_free(p);
    }
    const char *shortin = "this is a test";
    double short_rate = rate(c, shortin, strlen(shortin), secs);
    size_t big = 1 << 20;
    char *bigin = malloc(big);
    for (size_t i = 0; i < big; i++)
        bigin[i] = "this is a test "[i % 15];
    double big_rate = rate(c, bigin, big, secs);

    printf("compile_ms %.2f ms\n", compile * 1e3);
    printf("instantiate_ms %.3f ms\n", inst * 1e3);
    printf("create_ms %.2f ms\n", (compile + inst) * 1e3);
    printf("calls_short %.0f calls/s\n", short_rate);
    printf("calls_1mib %.1f calls/s\n", big_rate);
    printf("throughput_1mib %.1f MiB/s\n", big_rate);
    free(bigin);
    runnel_compiled_plugin_free(c);
    free(wasm);
    return 0;
}

/*
 * plugin_test.h - what the plugin layer's tests share: finding the shared plugins, building manifests,
 * calling and checking.
 *
 * Every test program is one cmocka executable; CTest runs it several times, once per plugin, with the
 * plugin's name as the first argument, which becomes a cmocka test filter ("code__*"). So each plugin is
 * its own CTest case while the helpers below are compiled once per program.
 */
#ifndef RN_PLUGIN_TEST_H
#define RN_PLUGIN_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "runnel/plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline const char *shared_dir(void)
{
    const char *e = getenv("RUNNEL_SHARED");
    return e && *e ? e : RUNNEL_SHARED_DIR;
}

/* "<shared>/extism-plugins/<rel>" in a static buffer (one at a time is enough for the tests). */
static inline const char *plugin_path(const char *rel)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/extism-plugins/%s", shared_dir(), rel);
    return buf[k];
}

static inline uint8_t *read_all(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    size_t got;
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(b, cap *= 2);
            if (!nb)
                free(b);
            b = nb;
        }
    }
    fclose(f);
    *len = n;
    return b;
}

/* "<build>/tests/plugin/wat/<name>.wasm", built from wat/<name>.wat (static buffer: one at a time). */
static inline const char *wat(const char *name)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/%s.wasm", RUNNEL_WAT_DIR, name);
    return buf;
}

/* Was it built (wat2wasm may be missing)? */
static inline bool have_wat(const char *name)
{
    FILE *f = fopen(wat(name), "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

/* The bytes of a wat module (malloc'ed); skips the test when it was not built. */
static inline uint8_t *wat_bytes(const char *name, size_t *len)
{
    if (!have_wat(name))
        skip();
    uint8_t *b = read_all(wat(name), len);
    assert_non_null(b);
    return b;
}

/* A plugin from a manifest written with printf-style arguments; fails the test on a load error. */
static inline runnel_plugin *plugin_from_manifest(const runnel_plugin_options *o, const char *fmt, ...)
{
    char json[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(json, sizeof json, fmt, ap);
    va_end(ap);
    runnel_report r = {0};
    runnel_plugin *p = runnel_plugin_new(json, strlen(json), o, &r);
    if (!p)
        fail_msg("cannot load plugin: %s\nmanifest: %s", r.message ? r.message : "?", json);
    runnel_report_clear(&r);
    return p;
}

/* A plugin from one file of the shared plugins, with options. */
static inline runnel_plugin *plugin_file(const char *rel, const runnel_plugin_options *o)
{
    return plugin_from_manifest(o, "{\"wasm\": [{\"path\": \"%s\"}]}", plugin_path(rel));
}

/* The error of loading a manifest (malloc'ed), or NULL if it loaded. */
static inline char *load_error(const runnel_plugin_options *o, const char *json)
{
    runnel_report r = {0};
    runnel_plugin *p = runnel_plugin_new(json, strlen(json), o, &r);
    char *m = p ? NULL : strdup(r.message ? r.message : "(no message)");
    runnel_plugin_free(p);
    runnel_report_clear(&r);
    return m;
}

/* Calls and checks success and the exact output. */
static inline void call_expect(runnel_plugin *p, const char *func, const char *input, const char *want)
{
    int32_t rc = runnel_plugin_call(p, func, input, input ? strlen(input) : 0, NULL);
    const char *err = runnel_plugin_error(p);
    if (rc != 0 || err)
        fail_msg("%s(%s): rc %d, error %s", func, input ? input : "", rc, err ? err : "(none)");
    size_t n;
    const uint8_t *out = runnel_plugin_output(p, &n);
    if (n != strlen(want) || memcmp(out, want, n) != 0)
        fail_msg("%s(%s): output '%.*s', want '%s'", func, input ? input : "", (int)n, (const char *)out, want);
}

/* Calls and checks failure: rc (unless any_rc) and that the error contains `want`. */
static inline void call_fails(runnel_plugin *p, const char *func, const char *input, int32_t want_rc, bool any_rc,
                              const char *want)
{
    int32_t rc = runnel_plugin_call(p, func, input, input ? strlen(input) : 0, NULL);
    const char *err = runnel_plugin_error(p);
    if (!err) {
        fail_msg("%s(%s): rc %d and no error, want an error containing '%s'", func, input ? input : "", rc, want);
        return; /* not reached: fail_msg does not return (gcc cannot tell) */
    }
    if (!any_rc && rc != want_rc)
        fail_msg("%s(%s): rc %d, want %d (error: %s)", func, input ? input : "", rc, want_rc, err);
    if (!strstr(err, want))
        fail_msg("%s(%s): error '%s' does not contain '%s'", func, input ? input : "", err, want);
}

static inline double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Runs the tests whose names match argv[1] ("NAME__*"), or all of them. */
#define RUN_FILTERED(tests, argc, argv)                                                                              \
    do {                                                                                                             \
        char filter_[256];                                                                                           \
        if ((argc) > 1) {                                                                                            \
            snprintf(filter_, sizeof filter_, "%s__*", (argv)[1]);                                                   \
            cmocka_set_test_filter(filter_);                                                                         \
        }                                                                                                            \
        return cmocka_run_group_tests(tests, NULL, NULL);                                                            \
    } while (0)

#endif

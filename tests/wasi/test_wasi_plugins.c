/*
 * test_wasi_plugins.c - every wasi_snapshot_preview1 import of every real plugin resolves.
 *
 * Walks the shared extism-plugins/ and reflow-plugins/ directories (all *.wasm, subdirectories too).
 * For each module: every import from wasi_snapshot_preview1 must name one of runnel's 46 functions with
 * the same signature. The imports are read by a small reader of the type and import sections here,
 * not by the engine, so that a module the engine cannot load yet (a feature it lacks) is still
 * checked. Then every module the engine loads is instantiated for real through a linker holding
 * runnel's WASI plus a trapping stand-in for each other imported function, which proves the engine
 * accepts the definitions as they are (a signature mismatch would be UNLINKABLE); a module the
 * engine refuses is named in the output.
 */
#include "runnel/wasi.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

static const char *shared_dir(void)
{
    const char *env = getenv("RUNNEL_SHARED");
    return env && *env ? env : RUNNEL_SHARED_DIR;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    *len = b ? fread(b, 1, (size_t)n, f) : 0;
    fclose(f);
    return b;
}

/* ---------------------------------------------------------------- a reader of imports (spec 5.5.2, 5.5.5) */

typedef struct rd {
    const uint8_t *p, *end;
    bool bad;
} rd;

static uint64_t uleb(rd *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            r->bad = true;
            return 0;
        }
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    r->bad = true;
    return 0;
}

static uint8_t byte(rd *r)
{
    if (r->p >= r->end) {
        r->bad = true;
        return 0;
    }
    return *r->p++;
}

static char letter(uint8_t t)
{
    switch (t) {
    case 0x7f: return 'i';
    case 0x7e: return 'I';
    case 0x7d: return 'f';
    case 0x7c: return 'F';
    case 0x7b: return 'V';
    case 0x70: return 'r';
    case 0x6f: return 'x';
    }
    return '?';
}

static void name(rd *r, char *out, size_t size)
{
    uint64_t n = uleb(r);
    if (n >= size || n > (uint64_t)(r->end - r->p)) {
        r->bad = true;
        out[0] = 0;
        return;
    }
    memcpy(out, r->p, n);
    out[n] = 0;
    r->p += n;
}

typedef void (*import_fn)(void *ctx, const char *module, const char *field, const char *sig);

/* Calls fn for every function import with its signature ("ii:i"); false if the module is malformed. */
static bool each_func_import(const uint8_t *b, size_t len, import_fn fn, void *ctx)
{
    rd r = {b + 8, b + len, len < 8};
    char (*sigs)[64] = NULL;
    uint64_t nsigs = 0;
    while (!r.bad && r.p < r.end) {
        uint8_t id = byte(&r);
        uint64_t size = uleb(&r);
        if (r.bad || size > (uint64_t)(r.end - r.p))
            break;
        rd sec = {r.p, r.p + size, false};
        r.p += size;
        if (id == 1) {
            nsigs = uleb(&sec);
            if (nsigs > size || !(sigs = calloc(nsigs + 1, sizeof *sigs)))
                break;
            for (uint64_t i = 0; i < nsigs && !sec.bad; i++) {
                size_t k = 0;
                byte(&sec); /* 0x60 */
                for (int part = 0; part < 2; part++) {
                    uint64_t n = uleb(&sec);
                    for (uint64_t j = 0; j < n; j++) {
                        char c = letter(byte(&sec));
                        if (k < 62)
                            sigs[i][k++] = c;
                    }
                    if (part == 0 && k < 63)
                        sigs[i][k++] = ':';
                }
            }
        } else if (id == 2) {
            uint64_t n = uleb(&sec);
            for (uint64_t i = 0; i < n && !sec.bad; i++) {
                char mod[256], field[256];
                name(&sec, mod, sizeof mod);
                name(&sec, field, sizeof field);
                uint8_t kind = byte(&sec);
                if (kind == 0) {
                    uint64_t t = uleb(&sec);
                    if (t >= nsigs)
                        sec.bad = true;
                    else
                        fn(ctx, mod, field, sigs[t]);
                } else if (kind == 1 || kind == 2) {
                    if (kind == 1)
                        byte(&sec); /* reftype */
                    uint8_t flags = byte(&sec);
                    uleb(&sec);
                    if (flags & 1)
                        uleb(&sec);
                } else {
                    byte(&sec); /* valtype */
                    byte(&sec); /* mut */
                }
            }
            r.bad |= sec.bad;
        }
    }
    free(sigs);
    return !r.bad;
}

/* ---------------------------------------------------------------- the checks */

static runnel_status stub(runnel_caller *c, const runnel_slot *args, runnel_slot *results, void *user)
{
    (void)args, (void)results, (void)user;
    return runnel_caller_trap(c, "stub");
}

typedef struct tally {
    int modules, wasi_modules, imports, instantiated, not_loaded;
    const char *path;
    int wasi_here;
} tally;

/* One import: if it is WASI's, it must be one of runnel's functions, with the same signature. */
static void check_import(void *ctx, const char *module, const char *field, const char *sig)
{
    tally *t = ctx;
    if (strcmp(module, RUNNEL_WASI_MODULE) != 0)
        return;
    t->imports++;
    t->wasi_here++;
    for (size_t k = 0; k < runnel_wasi_function_count(); k++) {
        const char *name, *params, *results;
        runnel_wasi_function(k, &name, &params, &results);
        if (strcmp(name, field) != 0)
            continue;
        char want[64];
        snprintf(want, sizeof want, "%s:%s", params, results);
        if (strcmp(want, sig) != 0)
            fail_msg("%s: %s.%s has type %s, runnel defines %s", t->path, module, field, sig, want);
        return;
    }
    fail_msg("%s: imports %s.%s, which runnel does not define", t->path, module, field);
}

static void check_module(const char *path, tally *t)
{
    size_t len = 0;
    uint8_t *bytes = slurp(path, &len);
    assert_non_null(bytes);
    t->modules++;
    t->path = path;
    t->wasi_here = 0;
    if (!each_func_import(bytes, len, check_import, t))
        fail_msg("%s: cannot read its imports", path);
    if (t->wasi_here)
        t->wasi_modules++;

    runnel_report r = {0};
    runnel_module *m = runnel_module_new(bytes, len, &r);
    free(bytes);
    if (!m) { /* the engine's business, not WASI's: say so and go on */
        print_message("not instantiated (the engine cannot load it): %s: %s\n", path, r.message ? r.message : "?");
        t->not_loaded++;
        runnel_report_clear(&r);
        return;
    }
    runnel_linker *l = runnel_linker_new();
    runnel_wasi *w = runnel_wasi_new();
    assert_non_null(l);
    assert_non_null(w);
    assert_int_equal(runnel_wasi_define(w, l), RUNNEL_OK);
    for (size_t i = 0; i < runnel_module_import_count(m); i++) {
        runnel_import_desc d = runnel_module_import(m, i);
        if (strcmp(d.module, RUNNEL_WASI_MODULE) == 0 || d.kind != RUNNEL_EXTERN_FUNC)
            continue;
        char sig[256]; /* "ii:I" -> params "ii", results "I" */
        snprintf(sig, sizeof sig, "%s", d.type);
        char *colon = strchr(sig, ':');
        assert_non_null(colon);
        *colon = 0;
        assert_int_equal(runnel_linker_define_func(l, d.module, d.name, sig, colon + 1, stub, NULL, NULL), RUNNEL_OK);
    }
    runnel_store *s = runnel_store_new(NULL);
    runnel_instance *inst = runnel_instantiate(s, m, l, &r);
    if (!inst)
        fail_msg("%s: %s: %s", path, runnel_status_name(r.status), r.message ? r.message : "");
    t->instantiated++;
    runnel_store_free(s);
    runnel_wasi_free(w);
    runnel_linker_free(l);
    runnel_module_free(m);
    runnel_report_clear(&r);
}

static void walk(const char *dir, tally *t)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        size_t n = strlen(e->d_name);
        if (S_ISDIR(st.st_mode))
            walk(path, t);
        else if (n > 5 && strcmp(e->d_name + n - 5, ".wasm") == 0)
            check_module(path, t);
    }
    closedir(d);
}

static void test_plugins(void **state)
{
    (void)state;
    tally t = {0};
    const char *subdirs[] = {"extism-plugins", "reflow-plugins"};
    for (int i = 0; i < 2; i++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", shared_dir(), subdirs[i]);
        struct stat st;
        if (stat(dir, &st) != 0) {
            print_message("no %s: skipped\n", dir);
            skip();
        }
        walk(dir, &t);
    }
    print_message("%d modules (%d import WASI, %d imports checked), %d instantiated, %d not loadable by the engine\n",
                  t.modules, t.wasi_modules, t.imports, t.instantiated, t.not_loaded);
    assert_true(t.wasi_modules > 0);
    assert_true(t.imports > 0);
    assert_int_equal(t.instantiated + t.not_loaded, t.modules);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_plugins)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

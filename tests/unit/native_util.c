/*
 * native_util.c - see native_util.h.
 */
#include "native_util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char cache_dir[4096];
bool can_run;
/* This process's own directory under NATIVE_TEST_DIR (removed at exit): CTest runs test_native,
   test_native_guarded, native_threads and test_native_loops at the same time, and the tests that empty a
   directory of their own (cache-once, ...) must not empty another process's. */
static char work_dir[4096];

/* ---------------------------------------------------------------- files and modules */

void path_of(char *buf, size_t n, const char *name)
{
    int k = snprintf(buf, n, "%s/%s", work_dir, name);
    assert_true(k > 0 && (size_t)k < n);
}

void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0, got;
    do {
        if (n == cap) {
            buf = realloc(buf, cap = cap ? cap * 2 : 4096);
            assert_non_null(buf);
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}

int run_sh(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The binary of a WAT text (wat2wasm --debug-names). */
uint8_t *wasm_of(const char *wat, size_t *len)
{
    static unsigned seq;
    char w[4200], b[4300], cmd[9000];
    char name[64];
    snprintf(name, sizeof name, "m%u-%ld.wat", seq++, (long)getpid());
    path_of(w, sizeof w, name);
    snprintf(b, sizeof b, "%s.wasm", w);
    write_file(w, wat, strlen(wat));
    snprintf(cmd, sizeof cmd, "'%s' --debug-names '%s' -o '%s'", RUNNEL_WAT2WASM, w, b);
    if (run_sh(cmd) != 0)
        fail_msg("wat2wasm failed on:\n%s", wat);
    uint8_t *bytes = read_all(b, len);
    unlink(w);
    unlink(b);
    return bytes;
}

runnel_compile_options copts(const char *dir)
{
    runnel_compile_options o = RUNNEL_OPTIONS_INIT(runnel_compile_options);
    o.cache_dir = dir;
    return o;
}


pair pair_of(const char *wat)
{
    pair p = {0};
    p.bytes = wasm_of(wat, &p.len);
    runnel_report r = {0};
    p.m[0] = runnel_module_new(p.bytes, p.len, &r);
    if (!p.m[0])
        fail_msg("runnel_module_new: %s", r.message);
    runnel_compile_options o = copts(cache_dir);
    p.m[1] = runnel_module_compile(p.bytes, p.len, &o, &r);
    if (!p.m[1])
        fail_msg("runnel_module_compile: %s", r.message);
    assert_false(runnel_module_is_compiled(p.m[0]));
    assert_true(runnel_module_is_compiled(p.m[1]));
    runnel_report_clear(&r);
    return p;
}

void pair_free(pair *p)
{
    runnel_module_free(p->m[0]);
    runnel_module_free(p->m[1]);
    free(p->bytes);
}

runnel_instance *inst_of(runnel_store *s, const runnel_module *m, const runnel_linker *l)
{
    runnel_report r = {0};
    runnel_instance *i = runnel_instantiate(s, m, l, &r);
    if (!i)
        fail_msg("instantiate: %s", r.message);
    runnel_report_clear(&r);
    return i;
}

runnel_func *fn(runnel_instance *i, const char *name)
{
    runnel_func *f = runnel_instance_func(i, name);
    if (!f)
        fail_msg("no export %s", name);
    return f;
}


outcome call(runnel_instance *i, const char *name, const runnel_val *args, size_t nargs)
{
    runnel_func *f = fn(i, name);
    outcome o = {0};
    runnel_report r = {0};
    size_t nr = runnel_func_result_count(f);
    assert_true(nr <= 8);
    o.st = runnel_call(f, args, nargs, o.res, nr, &r);
    o.trap = r.trap;
    o.exit_code = r.exit_code;
    o.nframes = r.nframes < 64 ? r.nframes : 64;
    for (size_t k = 0; k < o.nframes; k++) {
        o.frames[k] = r.frames[k].func_index;
        o.names[k] = r.frames[k].func_name;
    }
    snprintf(o.message, sizeof o.message, "%s", r.message ? r.message : "");
    runnel_report_clear(&r);
    return o;
}

void assert_same_val(runnel_val a, runnel_val b)
{
    assert_int_equal(a.type, b.type);
    if (a.type == RUNNEL_TYPE_V128) {
        assert_int_equal(a.of.v128.lo, b.of.v128.lo);
        assert_int_equal(a.of.v128.hi, b.of.v128.hi);
    } else if (a.type == RUNNEL_TYPE_FUNCREF || a.type == RUNNEL_TYPE_EXTERNREF) {
        assert_int_equal(a.of.externref == NULL, b.of.externref == NULL);
    } else {
        assert_int_equal(a.of.f64_bits & (a.type == RUNNEL_TYPE_I32 || a.type == RUNNEL_TYPE_F32 ? 0xffffffffu : ~0ull),
                         b.of.f64_bits & (b.type == RUNNEL_TYPE_I32 || b.type == RUNNEL_TYPE_F32 ? 0xffffffffu : ~0ull));
    }
}

static bool same_name(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

/* Both tiers' outcomes agree: status, trap kind, results, and the backtrace function by function. */
void assert_same(const outcome *a, const outcome *b, size_t nres)
{
    if (a->st != b->st || a->trap != b->trap)
        fail_msg("interpreter %s/%s (%s), compiled %s/%s (%s)", runnel_status_name(a->st), runnel_trap_message(a->trap),
                 a->message, runnel_status_name(b->st), runnel_trap_message(b->trap), b->message);
    assert_int_equal(a->exit_code, b->exit_code);
    if (a->st == RUNNEL_OK)
        for (size_t k = 0; k < nres; k++)
            assert_same_val(a->res[k], b->res[k]);
    if (a->st == RUNNEL_TRAP) {
        assert_int_equal(a->nframes, b->nframes);
        for (size_t k = 0; k < a->nframes; k++) {
            assert_int_equal(a->frames[k], b->frames[k]);
            assert_true(same_name(a->names[k], b->names[k]));
        }
    }
}

static void remove_work_dir(void)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%.4180s'", work_dir);
    if (run_sh(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", work_dir);
}

void native_test_setup(const char *program)
{
    mkdir(NATIVE_TEST_DIR, 0755);
    snprintf(work_dir, sizeof work_dir, "%s/run-%ld", NATIVE_TEST_DIR, (long)getpid());
    remove_work_dir(); /* one left by a crashed run of the same pid */
    if (mkdir(work_dir, 0755) != 0) {
        perror(work_dir);
        exit(1);
    }
    atexit(remove_work_dir);
    snprintf(cache_dir, sizeof cache_dir, "%s/cache", NATIVE_TEST_DIR);
    setenv("XDG_CACHE_HOME", cache_dir, 1); /* whatever a default would reach: the build tree */
    can_run = RUNNEL_WAT2WASM[0] && access(RUNNEL_WAT2WASM, X_OK) == 0 && run_sh("command -v cc >/dev/null") == 0;
    if (!can_run)
        fprintf(stderr, "%s: no wat2wasm or no cc: every test is skipped\n", program);
}

bool native_test_guard_option(int *argc, char ***argv, const char *program)
{
    if (*argc < 2 || strcmp((*argv)[1], "--guard-pages") != 0)
        return false;
    runnel_report r = {0};
    if (runnel_guard_pages_enable(&r) != RUNNEL_OK) {
        fprintf(stderr, "%s: %s\n", program, r.message);
        exit(1);
    }
    guard_capture();
    --*argc;
    ++*argv;
    return true;
}

static struct sigaction runnel_segv, runnel_bus;
static bool captured;

void guard_capture(void)
{
    assert_int_equal(sigaction(SIGSEGV, NULL, &runnel_segv), 0);
    assert_int_equal(sigaction(SIGBUS, NULL, &runnel_bus), 0);
    captured = true;
}

void guard_front(void)
{
    if (!captured)
        return;
    sigaction(SIGSEGV, &runnel_segv, NULL);
    sigaction(SIGBUS, &runnel_bus, NULL);
}

/* The test to run travels in the state (the tests here ignore theirs). */
static void in_front(void **state)
{
    CMUnitTestFunction test = (CMUnitTestFunction)(uintptr_t)*state;
    *state = NULL;
    guard_front();
    test(state);
}

void guard_wrap(struct CMUnitTest *tests, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        tests[k].initial_state = (void *)(uintptr_t)tests[k].test_func;
        tests[k].test_func = in_front;
    }
}

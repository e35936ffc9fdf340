/*
 * test_native_guard.c - guard pages (engine.h, runnel_guard_pages_enable; src/engine/guard.c): what
 * only they have, in the order an embedder meets it. Before enabling: RUNNEL_BOUNDS_GUARDED is refused,
 * and a memory made then stays a plain one. Enabling installs a handler in front of the program's own
 * (this file's `catcher`, which records a fault and makes its page accessible so the access completes):
 * a fault that is not compiled code's must reach the catcher, also one a host function makes in a
 * memory's guard pages while compiled code is running; a module compiled for guard pages refuses a
 * plain memory; code compiled both ways runs side by side. (cmocka puts its own handler in front around
 * each test: every test but the first puts runnel's back, guard_wrap.) How compiled code traps with guard pages,
 * against the interpreter, is test_native_guarded (every test of test_native.c again).
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS */
#include "native_util.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---------------------------------------------------------------- the program's own handler */

static volatile sig_atomic_t caught;
static void *volatile caught_addr;

static void catcher(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    caught++;
    caught_addr = si->si_addr;
    uintptr_t page = (uintptr_t)si->si_addr & ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1);
    if (mprotect((void *)page, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE) != 0)
        _exit(3);
}

static runnel_store *early_store;
static runnel_memory *early_memory; /* made before guard pages were enabled */

static const char *store_wat = "(module (import \"env\" \"mem\" (memory 1))\n"
                               "  (func (export \"put\") (param i32 i32) (i32.store (local.get 0) (local.get 1))))\n";

/* ---------------------------------------------------------------- before and enabling */

static void test_before_enabling(void **state)
{
    (void)state;
    SKIP_UNLESS_TOOLS();
    assert_false(runnel_guard_pages_enabled());
    size_t len;
    uint8_t *b = wasm_of(store_wat, &len);
    runnel_compile_options o = copts(cache_dir);
    o.bounds = RUNNEL_BOUNDS_GUARDED;
    runnel_report r = {0};
    assert_null(runnel_module_compile(b, len, &o, &r));
    assert_int_equal(r.status, RUNNEL_BADARG);
    assert_non_null(strstr(r.message, "runnel_guard_pages_enable"));
    runnel_report_clear(&r);
    o.bounds = (runnel_bounds)7;
    assert_null(runnel_module_compile(b, len, &o, &r));
    assert_int_equal(r.status, RUNNEL_BADARG);
    runnel_report_clear(&r);
    free(b);

    early_store = runnel_store_new(NULL);
    early_memory = runnel_memory_new(early_store, 1, 2, true);
    assert_non_null(early_memory);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = catcher;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGSEGV, &sa, NULL), 0);
    assert_int_equal(sigaction(SIGBUS, &sa, NULL), 0);
    assert_int_equal(runnel_guard_pages_enable(&r), RUNNEL_OK);
    assert_true(runnel_guard_pages_enabled());
    assert_int_equal(runnel_guard_pages_enable(&r), RUNNEL_OK); /* once is enough; twice is harmless */
    struct sigaction now;
    assert_int_equal(sigaction(SIGSEGV, NULL, &now), 0);
    assert_true(now.sa_sigaction != catcher); /* runnel's is in front now */
    guard_capture();
}

/* A fault that has nothing to do with wasm reaches the handler that was there before. */
static void test_other_faults_reach_the_old_handler(void **state)
{
    (void)state;
    SKIP_UNLESS_TOOLS();
    long pg = sysconf(_SC_PAGESIZE);
    volatile uint8_t *p = mmap(NULL, (size_t)pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    caught = 0;
    assert_int_equal(p[17], 0); /* faults, the catcher makes the page readable, the load runs again */
    assert_int_equal(caught, 1);
    assert_ptr_equal(caught_addr, (void *)(p + 17));
    munmap((void *)p, (size_t)pg);
}

/* A memory made now is a reservation: past its size there is no access (the catcher sees it). */
static void test_memories_are_reservations(void **state)
{
    (void)state;
    SKIP_UNLESS_TOOLS();
    runnel_store *s = runnel_store_new(NULL);
    runnel_memory *m = runnel_memory_new(s, 1, 3, true);
    volatile uint8_t *d = runnel_memory_data(m);
    d[65535] = 9;
    caught = 0;
    assert_int_equal(d[65536 + 5], 0);
    assert_int_equal(caught, 1);
    assert_int_equal(runnel_memory_grow(m, 1), 1); /* in place: the base stays */
    assert_ptr_equal(runnel_memory_data(m), (void *)d);
    assert_int_equal(d[65535], 9);
    assert_int_equal(d[2 * 65536 - 1], 0);
    assert_int_equal(caught, 1);
    runnel_store_free(s);
}

/* ---------------------------------------------------------------- compiled code */

static runnel_linker *linker_with(runnel_memory *m)
{
    runnel_linker *l = runnel_linker_new();
    assert_int_equal(runnel_linker_define_memory(l, "env", "mem", m), RUNNEL_OK);
    return l;
}

static void test_plain_memory_refused(void **state)
{
    (void)state;
    SKIP_UNLESS_TOOLS();
    size_t len;
    uint8_t *b = wasm_of(store_wat, &len);
    runnel_compile_options o = copts(cache_dir);
    runnel_report r = {0};
    runnel_module *guarded = runnel_module_compile(b, len, &o, &r); /* AUTO: guard pages now */
    o.bounds = RUNNEL_BOUNDS_CHECKED;
    runnel_module *checked = runnel_module_compile(b, len, &o, &r);
    assert_non_null(guarded);
    assert_non_null(checked);
    assert_string_not_equal(runnel_module_artifact(guarded), runnel_module_artifact(checked));
    /* the memory made before enabling: code compiled with compares runs on it, the other is refused */
    runnel_linker *l = linker_with(early_memory);
    assert_null(runnel_instantiate(early_store, guarded, l, &r));
    assert_int_equal(r.status, RUNNEL_UNLINKABLE);
    assert_non_null(strstr(r.message, "guard pages"));
    runnel_report_clear(&r);
    runnel_instance *i = inst_of(early_store, checked, l);
    runnel_val args[2] = {RUNNEL_I32(8), RUNNEL_I32(0x01020304)};
    assert_int_equal(runnel_call(fn(i, "put"), args, 2, NULL, 0, &r), RUNNEL_OK);
    assert_int_equal(runnel_memory_data(early_memory)[8], 4);
    args[0] = RUNNEL_I32(65534);
    assert_int_equal(runnel_call(fn(i, "put"), args, 2, NULL, 0, &r), RUNNEL_TRAP);
    assert_int_equal(r.trap, RUNNEL_TRAP_MEMORY_OOB);
    runnel_report_clear(&r);
    runnel_linker_free(l);
    /* both kinds side by side on a memory made now */
    runnel_store *s = runnel_store_new(NULL);
    runnel_memory *m = runnel_memory_new(s, 1, 1, true);
    l = linker_with(m);
    runnel_instance *gi = inst_of(s, guarded, l), *ci = inst_of(s, checked, l);
    for (int k = 0; k < 2; k++) {
        runnel_instance *x = k ? ci : gi;
        runnel_val a[2] = {RUNNEL_I32(100 + 4 * k), RUNNEL_I32(7 + k)};
        assert_int_equal(runnel_call(fn(x, "put"), a, 2, NULL, 0, &r), RUNNEL_OK);
        assert_int_equal(runnel_memory_data(m)[100 + 4 * k], 7 + k);
        a[0] = RUNNEL_I32(-2);
        assert_int_equal(runnel_call(fn(x, "put"), a, 2, NULL, 0, &r), RUNNEL_TRAP);
        assert_int_equal(r.trap, RUNNEL_TRAP_MEMORY_OOB);
        assert_int_equal(r.nframes, 1);
        runnel_report_clear(&r);
    }
    runnel_linker_free(l);
    runnel_store_free(s);
    runnel_module_free(guarded);
    runnel_module_free(checked);
    free(b);
}

/* A host function's own bad access to a memory's guard pages, while compiled code runs, is the host's
   fault, not the guest's: it goes to the old handler and does not become a wasm trap. */
static runnel_status host_peek_past(runnel_caller *c, const runnel_slot *args, runnel_slot *res, void *user)
{
    (void)args;
    runnel_memory *m = user;
    (void)c;
    volatile uint8_t *d = runnel_memory_data(m);
    res[0].i32 = d[runnel_memory_size(m) + 40];
    return RUNNEL_OK;
}

static void test_host_fault_is_not_a_trap(void **state)
{
    (void)state;
    SKIP_UNLESS_TOOLS();
    size_t len;
    uint8_t *b = wasm_of("(module (import \"env\" \"mem\" (memory 1)) (import \"env\" \"peek\" (func $peek (result i32)))\n"
                         "  (func (export \"f\") (result i32) (i32.add (i32.load (i32.const 0)) (call $peek))))\n",
                         &len);
    runnel_compile_options o = copts(cache_dir);
    runnel_report r = {0};
    runnel_module *mod = runnel_module_compile(b, len, &o, &r);
    assert_non_null(mod);
    runnel_store *s = runnel_store_new(NULL);
    runnel_memory *m = runnel_memory_new(s, 1, 1, true);
    runnel_linker *l = linker_with(m);
    assert_int_equal(runnel_linker_define_func(l, "env", "peek", "", "i", host_peek_past, m, NULL), RUNNEL_OK);
    runnel_instance *i = inst_of(s, mod, l);
    runnel_memory_data(m)[0] = 5;
    caught = 0;
    runnel_val res;
    assert_int_equal(runnel_call(fn(i, "f"), NULL, 0, &res, 1, &r), RUNNEL_OK);
    assert_int_equal(res.of.i32, 5);
    assert_int_equal(caught, 1);
    assert_ptr_equal(caught_addr, (void *)(runnel_memory_data(m) + 65536 + 40));
    runnel_linker_free(l);
    runnel_store_free(s);
    runnel_module_free(mod);
    free(b);
}

int main(void)
{
    native_test_setup("test_native_guard");
    struct CMUnitTest tests[] = {
        cmocka_unit_test(test_before_enabling),
        cmocka_unit_test(test_other_faults_reach_the_old_handler),
        cmocka_unit_test(test_memories_are_reservations),
        cmocka_unit_test(test_plain_memory_refused),
        cmocka_unit_test(test_host_fault_is_not_a_trap),
    };
    guard_wrap(tests + 1, sizeof tests / sizeof tests[0] - 1);
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    runnel_store_free(early_store);
    return failed;
}

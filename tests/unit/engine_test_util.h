/*
 * engine_test_util.h - the steps the engine API tests (test_engine_api.c, test_engine_limits.c,
 * test_engine_link.c) all take through include/runnel/engine.h: make a store, load a module from
 * bytes, instantiate it, find an export, call an export that takes and gives i32s.
 *
 * Each helper fails the calling test on the spot, printing the engine's own message, so that a test
 * reads as the behaviour it checks and a failure says what the engine said, not just "NULL".
 *
 * Why a header of static inline functions: every tests/unit/test_*.c is its own executable
 * (tests/unit/CMakeLists.txt), so there is no test library to put them in; `static inline` lets a
 * file leave some of them unused without a warning.
 */
#ifndef RN_ENGINE_TEST_UTIL_H
#define RN_ENGINE_TEST_UTIL_H

#include <runnel/engine.h>

/* cmocka.h needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static inline runnel_store *new_store(const runnel_config *cfg)
{
    runnel_store *s = runnel_store_new(cfg);
    assert_non_null(s);
    return s;
}

/* A module from its bytes, which must decode and validate. */
static inline runnel_module *load(const uint8_t *bytes, size_t len)
{
    runnel_report r = {0};
    runnel_module *m = runnel_module_new(bytes, len, &r);
    if (!m)
        print_error("module: %s\n", r.message ? r.message : "?");
    assert_non_null(m);
    assert_int_equal(r.status, RUNNEL_OK);
    runnel_report_clear(&r);
    return m;
}

/* An instance of m in s, its imports resolved through l (NULL: none), which must succeed. */
static inline runnel_instance *instantiate(runnel_store *s, const runnel_module *m, const runnel_linker *l)
{
    runnel_report r = {0};
    runnel_instance *i = runnel_instantiate(s, m, l, &r);
    if (!i)
        print_error("instantiate: %s\n", r.message ? r.message : "?");
    assert_non_null(i);
    runnel_report_clear(&r);
    return i;
}

/* The exported function name, which must exist. */
static inline runnel_func *func(runnel_instance *i, const char *name)
{
    runnel_func *f = runnel_instance_func(i, name);
    assert_non_null(f);
    return f;
}

/* Call an export taking 0..2 i32 arguments and giving 0 or 1 i32 result; the report is the caller's
   (cleared first). *out gets the result when the call succeeds and gives one. */
static inline runnel_status call_i32(runnel_instance *i, const char *name, int nargs, int32_t a, int32_t b,
                                     int32_t *out, runnel_report *r)
{
    runnel_func *f = func(i, name);
    runnel_val args[2] = {RUNNEL_I32(a), RUNNEL_I32(b)}, res[1] = {{0}};
    size_t nres = runnel_func_result_count(f);
    runnel_report_clear(r);
    runnel_status st = runnel_call(f, args, (size_t)nargs, res, nres, r);
    if (st == RUNNEL_OK && nres) {
        assert_int_equal(res[0].type, RUNNEL_TYPE_I32);
        if (out)
            *out = res[0].of.i32;
    }
    return st;
}

/* The same, for a call that must end with status want and trap kind trap: returns the result
   (INT32_MIN if there is none). */
static inline int32_t expect_i32(runnel_instance *i, const char *name, int nargs, int32_t a, int32_t b,
                                 runnel_status want, runnel_trap_kind trap)
{
    runnel_report r = {0};
    int32_t v = INT32_MIN;
    runnel_status st = call_i32(i, name, nargs, a, b, &v, &r);
    if (st != want)
        print_error("%s: %s: %s\n", name, runnel_status_name(st), r.message ? r.message : "?");
    assert_int_equal(st, want);
    assert_int_equal(r.trap, trap);
    runnel_report_clear(&r);
    return v;
}

/* A call that must succeed: returns its result. */
static inline int32_t ok_i32(runnel_instance *i, const char *name, int nargs, int32_t a, int32_t b)
{
    return expect_i32(i, name, nargs, a, b, RUNNEL_OK, RUNNEL_TRAP_NONE);
}

#endif

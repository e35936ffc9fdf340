/*
 * test_plugin_calls.c - what a call leaves behind: its report (runnel_plugin_last_report), and what
 * runnel_plugin_reset clears and keeps.
 *
 * The report carries what Extism's one line of error text cannot: the trap kind and where the guest
 * was. trap.wat (wat/, built with names) fails in known functions, so the backtrace is checked
 * frame by frame: names from the name section and from exports, and each offset is checked against
 * the module's bytes (the innermost frame must point at the trapping opcode, the outer ones at their
 * `call`). The error text must stay exactly what it was, so every case compares the two.
 *
 * Reset is pinned to libextism's extism_plugin_reset: Extism memory is emptied, and nothing else
 * changes (instances with their globals, vars, config, the last error and report).
 */
#include "plugin_test.h"

static runnel_status host_fail(runnel_current_plugin *cur, const runnel_val *args, size_t nargs, runnel_val *results,
                               size_t nresults, void *user)
{
    (void)args, (void)nargs, (void)results, (void)nresults, (void)user;
    return runnel_current_fail(cur, "host says no");
}

static runnel_plugin *trap_plugin(void)
{
    static const runnel_plugin_function f = {NULL, "host_fail", "", "", host_fail, NULL, NULL};
    runnel_plugin_options o = {.functions = &f, .nfunctions = 1};
    return plugin_from_manifest(&o, "{\"wasm\": [{\"path\": \"%s\"}]}", wat("trap"));
}

/* The report agrees with the error: the same text, and a failure status. */
static const runnel_report *failed_report(const runnel_plugin *p)
{
    const runnel_report *r = runnel_plugin_last_report(p);
    assert_non_null(r);
    assert_non_null(runnel_plugin_error(p));
    assert_int_not_equal(r->status, RUNNEL_OK);
    assert_non_null(r->message);
    assert_string_equal(r->message, runnel_plugin_error(p));
    return r;
}

static void expect_clean_report(const runnel_plugin *p)
{
    const runnel_report *r = runnel_plugin_last_report(p);
    assert_non_null(r);
    assert_int_equal(r->status, RUNNEL_OK);
    assert_int_equal(r->trap, RUNNEL_TRAP_NONE);
    assert_null(r->message);
    assert_int_equal(r->nframes, 0);
    assert_null(r->frames);
}

static void expect_frame(const runnel_report *r, size_t i, const char *name, const uint8_t *module, size_t len,
                         uint8_t opcode)
{
    assert_true(i < r->nframes);
    const runnel_frame *f = &r->frames[i];
    if (!f->func_name || strcmp(f->func_name, name) != 0)
        fail_msg("frame %zu: function %s, want %s", i, f->func_name ? f->func_name : "(no name)", name);
    if (f->offset >= len || module[f->offset] != opcode)
        fail_msg("frame %zu (%s): offset 0x%x holds 0x%02x, want opcode 0x%02x", i, name, f->offset,
                 f->offset < len ? module[f->offset] : 0, opcode);
}

enum { OP_UNREACHABLE = 0x00, OP_CALL = 0x10, OP_I32_DIV_S = 0x6d };

/* Calls func (no input), which must fail with rc and exactly this error, and leave a report of this
   status and trap kind with nframes frames. */
static const runnel_report *expect_failure(runnel_plugin *p, const char *func, int32_t rc, const char *error,
                                           runnel_status st, runnel_trap_kind trap, size_t nframes)
{
    call_fails(p, func, "", rc, false, error);
    assert_string_equal(runnel_plugin_error(p), error); /* Extism's text, unchanged */
    const runnel_report *r = failed_report(p);
    assert_int_equal(r->status, st);
    assert_int_equal(r->trap, trap);
    assert_int_equal(r->nframes, nframes);
    return r;
}

static void report__backtrace_names_functions(void **state)
{
    (void)state;
    size_t len;
    uint8_t *module = wat_bytes("trap", &len);
    runnel_plugin *p = trap_plugin();
    expect_clean_report(p); /* no call yet */

    /* unreachable two calls below the export: crash <- middle <- run */
    const runnel_report *r = expect_failure(p, "run", 134, "unreachable", RUNNEL_TRAP, RUNNEL_TRAP_UNREACHABLE, 3);
    expect_frame(r, 0, "crash", module, len, OP_UNREACHABLE);
    expect_frame(r, 1, "middle", module, len, OP_CALL);
    expect_frame(r, 2, "run", module, len, OP_CALL);
    assert_true(r->frames[0].func_index != r->frames[1].func_index);

    /* a success clears it */
    call_expect(p, "ok", "", "");
    expect_clean_report(p);

    /* a function without a name of its own is named by its export */
    r = expect_failure(p, "divide", 134, "integer divide by zero", RUNNEL_TRAP, RUNNEL_TRAP_DIV_ZERO, 2);
    expect_frame(r, 0, "div_by", module, len, OP_I32_DIV_S);
    expect_frame(r, 1, "divide", module, len, OP_CALL);

    /* the guest's error text wins over the trap's, the backtrace is the trap's */
    r = expect_failure(p, "error_then_trap", -1, "E", RUNNEL_TRAP, RUNNEL_TRAP_UNREACHABLE, 1);
    expect_frame(r, 0, "error_then_trap", module, len, OP_UNREACHABLE);

    /* a failing host function: where the guest called it */
    r = expect_failure(p, "call_host", -1, "host says no", RUNNEL_TRAP, RUNNEL_TRAP_HOST, 1);
    expect_frame(r, 0, "call_host", module, len, OP_CALL);

    /* refused calls: no guest code ran, no frames */
    expect_failure(p, "nope", -1, "Function not found: nope", RUNNEL_BADARG, RUNNEL_TRAP_NONE, 0);
    assert_int_equal(runnel_plugin_call(p, NULL, NULL, 0, NULL), -1);
    r = failed_report(p);
    assert_int_equal(r->status, RUNNEL_BADARG);
    assert_int_equal(r->nframes, 0);
    runnel_plugin_free(p);
    free(module);
}

static void report__initialiser_and_real_plugins(void **state)
{
    (void)state;
    /* a trapping initialiser: the report says where, the error says which initialiser */
    if (have_wat("init_trap")) {
        runnel_plugin *p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}]}", wat("init_trap"));
        const runnel_report *r = expect_failure(p, "check", -1, "failed to initialize wasi runtime: unreachable",
                                                RUNNEL_TRAP, RUNNEL_TRAP_UNREACHABLE, 1);
        assert_string_equal(r->frames[0].func_name, "_initialize");
        runnel_plugin_free(p);
    }
    /* a real plugin's trap, compiled by a real toolchain, names where it trapped */
    runnel_plugin_options o = {.wasi = true};
    runnel_plugin *p = plugin_file("unreachable.wasm", &o);
    call_fails(p, "do_unreachable", "", 134, false, "unreachable");
    const runnel_report *r = failed_report(p);
    assert_int_equal(r->trap, RUNNEL_TRAP_UNREACHABLE);
    assert_true(r->nframes >= 1);
    assert_non_null(r->frames[r->nframes - 1].func_name);
    runnel_plugin_free(p);

    /* fuel: suspended, out of fuel */
    o = (runnel_plugin_options){.fuel = 1000};
    p = plugin_file("loop.wasm", &o);
    expect_failure(p, "loop_forever", -1, "plugin ran out of fuel", RUNNEL_SUSPENDED, RUNNEL_TRAP_OUT_OF_FUEL, 0);
    runnel_plugin_free(p);

    /* an error set by the guest, which then returned: no trap */
    o = (runnel_plugin_options){.wasi = true};
    p = plugin_file("go-sdk/fail.wasm", &o);
    expect_failure(p, "run_test", 1, "Some error message", RUNNEL_BADARG, RUNNEL_TRAP_NONE, 0);
    runnel_plugin_free(p);
}

/* ---------------------------------------------------------------- reset */

static void reset__empties_extism_memory_only(void **state)
{
    (void)state;
    /* globals.wasm counts its calls in a guest global: reset must not make a new instance */
    runnel_plugin_options o = {.wasi = true};
    runnel_plugin *p = plugin_file("globals.wasm", &o);
    call_expect(p, "globals", "", "{\"count\": 0}");
    call_expect(p, "globals", "", "{\"count\": 1}");
    assert_true(runnel_plugin_reset(p));
    size_t n = 99;
    runnel_plugin_output(p, &n);
    assert_int_equal(n, 0); /* the output lived in Extism memory */
    call_expect(p, "globals", "", "{\"count\": 2}");
    runnel_plugin_free(p);

    /* vars and config stay: code.wasm keeps its running total in a var */
    p = plugin_file("code.wasm", NULL);
    call_expect(p, "count_vowels", "aaa", "{\"count\":3,\"total\":3,\"vowels\":\"aeiouAEIOU\"}");
    assert_int_equal(runnel_plugin_config_set(p, "vowels", "b"), RUNNEL_OK);
    assert_true(runnel_plugin_reset(p));
    assert_string_equal(runnel_plugin_config_get(p, "vowels"), "b");
    call_expect(p, "count_vowels", "abba", "{\"count\":2,\"total\":5,\"vowels\":\"b\"}");
    runnel_plugin_free(p);

    /* the last error and report stay */
    if (have_wat("trap")) {
        p = trap_plugin();
        call_fails(p, "run", "", 134, false, "unreachable");
        assert_true(runnel_plugin_reset(p));
        assert_string_equal(runnel_plugin_error(p), "unreachable");
        assert_int_equal(failed_report(p)->nframes, 3);
        runnel_plugin_free(p);
    }
}

/* reflect.wasm hands its input's handle to host_reflect and outputs the block it returns */
static runnel_status reset_inside(runnel_current_plugin *cur, const runnel_val *args, size_t nargs,
                                  runnel_val *results, size_t nresults, void *user)
{
    (void)nargs, (void)nresults;
    *(int *)user = runnel_plugin_reset(runnel_current_plugin_of(cur)) ? 1 : 0;
    results[0] = args[0];
    return RUNNEL_OK;
}

static void reset__refused_during_a_call(void **state)
{
    (void)state;
    int result = -1;
    runnel_plugin_function f = {NULL, "host_reflect", "I", "I", reset_inside, &result, NULL};
    runnel_plugin_options o = {.functions = &f, .nfunctions = 1};
    runnel_plugin *p = plugin_file("reflect.wasm", &o);
    /* refused, and the input's block is still there to be the output */
    call_expect(p, "reflect", "still here", "still here");
    assert_int_equal(result, 0);
    assert_false(runnel_plugin_reset(NULL));
    assert_true(runnel_plugin_reset(p));
    runnel_plugin_free(p);
}

/* A host function's finalizer: called once, when the compiled plugin holding it goes (after the last
   plugin made from it), and not at all when the compile fails (the user data stays the caller's). */
static runnel_status identity_host(runnel_current_plugin *cur, const runnel_val *args, size_t nargs,
                                   runnel_val *results, size_t nresults, void *user)
{
    (void)cur, (void)nargs, (void)nresults;
    ++*(int *)user;
    results[0] = args[0];
    return RUNNEL_OK;
}

static void count_free(void *user) { *(int *)user += 1000; }

static void finalizer__host_function_user_data(void **state)
{
    (void)state;
    int user = 0;
    runnel_plugin_function f = {NULL, "host_reflect", "I", "I", identity_host, &user, count_free};
    runnel_plugin_options o = {.functions = &f, .nfunctions = 1};
    size_t n;
    uint8_t *wasm = wat_bytes("reflect", &n);
    runnel_report r = {0};
    runnel_compiled_plugin *c = runnel_compiled_plugin_new(wasm, n, &o, &r);
    assert_non_null(c);
    runnel_plugin *p = runnel_plugin_new_from_compiled(c, &r);
    assert_non_null(p);
    runnel_compiled_plugin_free(c); /* the plugin keeps it, so user is not finalized yet */
    call_expect(p, "reflect", "abc", "abc");
    assert_int_equal(user, 1);
    runnel_plugin_free(p);
    assert_int_equal(user, 1001);

    /* a compile that fails (an import nobody provides, as the function has another name) */
    user = 0;
    f.name = "not_what_it_imports";
    assert_null(runnel_compiled_plugin_new(wasm, n, &o, &r));
    assert_int_equal(user, 0);
    runnel_report_clear(&r);

    /* options from a header newer than the library (a size it cannot read): refused, nothing finalized */
    f.name = "host_reflect";
    o.size = sizeof o + 8;
    assert_null(runnel_compiled_plugin_new(wasm, n, &o, &r));
    assert_int_equal(r.status, RUNNEL_BADARG);
    assert_non_null(strstr(r.message, "runnel_plugin_options"));
    assert_int_equal(user, 0);
    runnel_report_clear(&r);
    free(wasm);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(report__backtrace_names_functions),
        cmocka_unit_test(report__initialiser_and_real_plugins),
        cmocka_unit_test(reset__empties_extism_memory_only),
        cmocka_unit_test(reset__refused_during_a_call),
        cmocka_unit_test(finalizer__host_function_user_data),
    };
    RUN_FILTERED(tests, argc, argv);
}

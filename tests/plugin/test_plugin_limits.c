/*
 * test_plugin_limits.c - the sandbox's limits: timeout, cancel, fuel, memory, hostile handles.
 *
 * The figures come from the issue and from Extism's own tests: loop.wasm with timeout_ms 100 fails with
 * `timeout` in under 150 ms; code.wasm with 131072 bytes of input fails with `oom` at max_pages 16 and
 * succeeds at 17 (Extism's memory accounting, Extism memory included); a cancel from another thread
 * stops a call at once; a fuel limit stops a loop with an error about fuel. hostile.wat (wat/) hands
 * the host bad handles of every kind and must get zeros and refusals, never a crash (the sanitizer
 * build checks that no byte outside Extism memory is touched).
 */
#include "plugin_test.h"

#include <pthread.h>
#include <unistd.h>

/* ---------------------------------------------------------------- time */

static void loop__timeout_under_150ms(void **state)
{
    (void)state;
    runnel_plugin *p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}], \"timeout_ms\": 100}",
                                            plugin_path("loop.wasm"));
    for (int i = 0; i < 3; i++) {
        double t0 = now_ms();
        int32_t rc = runnel_plugin_call(p, "loop_forever", "abc123", 6, NULL);
        double took = now_ms() - t0;
        assert_int_equal(rc, 134);
        assert_string_equal(runnel_plugin_error(p), "timeout");
        if (took < 100 || took >= 150)
            fail_msg("call %d took %.1f ms; want 100 <= t < 150", i, took);
    }
    runnel_plugin_free(p);
    /* the host may set the limit itself */
    p = plugin_file("loop.wasm", NULL);
    runnel_plugin_limits l = runnel_plugin_get_limits(p);
    assert_int_equal(l.timeout_ms, 0);
    l.timeout_ms = 50;
    runnel_plugin_set_limits(p, &l);
    double t0 = now_ms();
    call_fails(p, "loop_forever", "", 134, false, "timeout");
    assert_true(now_ms() - t0 < 100);
    runnel_plugin_free(p);
}

typedef struct canceller {
    runnel_cancel_handle *h;
    int delay_ms;
    bool was_running;
} canceller;

static void *cancel_later(void *arg)
{
    canceller *c = arg;
    usleep((useconds_t)c->delay_ms * 1000);
    c->was_running = runnel_plugin_cancel(c->h);
    return NULL;
}

static void cancel__from_another_thread(void **state)
{
    (void)state;
    runnel_plugin *p = plugin_file("loop.wasm", NULL);
    canceller c = {runnel_plugin_cancel_handle(p), 50, false};
    assert_false(runnel_plugin_cancel(c.h)); /* nothing running yet */
    pthread_t t;
    double t0 = now_ms();
    assert_int_equal(pthread_create(&t, NULL, cancel_later, &c), 0);
    int32_t rc = runnel_plugin_call(p, "loop_forever", NULL, 0, NULL);
    double took = now_ms() - t0;
    pthread_join(t, NULL);
    assert_true(c.was_running);
    assert_int_equal(rc, 134);
    assert_string_equal(runnel_plugin_error(p), "timeout");
    assert_true(took >= 50 && took < 1000);
    runnel_plugin_free(p);

    /* a WASI sleep is stopped too, not waited out */
    runnel_plugin_options o = {.wasi = true};
    p = plugin_from_manifest(&o, "{\"wasm\": [{\"path\": \"%s\"}], \"config\": {\"duration\": \"3\"}}",
                             plugin_path("go-sdk/sleep.wasm"));
    c = (canceller){runnel_plugin_cancel_handle(p), 100, false};
    t0 = now_ms();
    assert_int_equal(pthread_create(&t, NULL, cancel_later, &c), 0);
    rc = runnel_plugin_call(p, "run_test", NULL, 0, NULL);
    took = now_ms() - t0;
    pthread_join(t, NULL);
    assert_true(c.was_running);
    assert_non_null(runnel_plugin_error(p));
    assert_string_equal(runnel_plugin_error(p), "timeout");
    assert_true(took < 1500);
    runnel_plugin_free(p);
}

/* ---------------------------------------------------------------- threads */

static void *worker(void *arg)
{
    runnel_report r = {0};
    runnel_plugin *p = runnel_plugin_new_from_compiled(arg, &r);
    if (!p)
        return (void *)1;
    intptr_t bad = 0;
    char want[128];
    for (int i = 1; i <= 200 && !bad; i++) {
        snprintf(want, sizeof want, "{\"count\":4,\"total\":%d,\"vowels\":\"aeiouAEIOU\"}", 4 * i);
        size_t n;
        bad = runnel_plugin_call(p, "count_vowels", "this is a test", 14, NULL) != 0;
        const uint8_t *out = runnel_plugin_output(p, &n);
        bad = bad || n != strlen(want) || memcmp(out, want, n) != 0;
    }
    runnel_plugin_free(p);
    return (void *)bad;
}

static void threads__one_compiled_plugin(void **state)
{
    (void)state;
    size_t n;
    uint8_t *wasm = read_all(plugin_path("code.wasm"), &n);
    runnel_report r = {0};
    runnel_compiled_plugin *c = runnel_compiled_plugin_new(wasm, n, NULL, &r);
    free(wasm);
    assert_non_null(c);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, c), 0);
    for (int i = 0; i < 4; i++) {
        void *bad;
        pthread_join(t[i], &bad);
        assert_null(bad);
    }
    runnel_compiled_plugin_free(c);
}

/* ---------------------------------------------------------------- fuel */

static void fuel__limit(void **state)
{
    (void)state;
    runnel_plugin_options o = {.wasi = true, .fuel = 1};
    runnel_plugin *p = plugin_file("loop.wasm", &o);
    for (int i = 0; i < 10; i++)
        call_fails(p, "loop_forever", "abc123", -1, false, "fuel");
    runnel_plugin_free(p);
    /* a budget large enough for the work: the same answer as without */
    runnel_plugin_options big = {.fuel = 100000000};
    p = plugin_file("code.wasm", &big);
    call_expect(p, "count_vowels", "this is a test", "{\"count\":4,\"total\":4,\"vowels\":\"aeiouAEIOU\"}");
    /* and the budget is per call */
    call_expect(p, "count_vowels", "this is a test", "{\"count\":4,\"total\":8,\"vowels\":\"aeiouAEIOU\"}");
    runnel_plugin_limits l = runnel_plugin_get_limits(p);
    assert_int_equal(l.fuel, 100000000);
    runnel_plugin_free(p);
}

/* ---------------------------------------------------------------- memory */

static void oom__code_16_and_17_pages(void **state)
{
    (void)state;
    char *input = malloc(131072);
    memset(input, 'a', 131072);
    runnel_plugin *p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}], \"memory\": {\"max_pages\": 16}}",
                                            plugin_path("code.wasm"));
    int32_t rc = runnel_plugin_call(p, "count_vowels", input, 131072, NULL);
    assert_int_not_equal(rc, 0);
    assert_string_equal(runnel_plugin_error(p), "oom");
    runnel_plugin_free(p);
    for (int limit = 0; limit < 2; limit++) {
        if (limit)
            p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}], \"memory\": {\"max_pages\": 17}}",
                                     plugin_path("code.wasm"));
        else
            p = plugin_file("code.wasm", NULL);
        assert_int_equal(runnel_plugin_call(p, "count_vowels", input, 131072, NULL), 0);
        assert_null(runnel_plugin_error(p));
        size_t n;
        const uint8_t *out = runnel_plugin_output(p, &n);
        const char *want = "{\"count\":131072,\"total\":131072,\"vowels\":\"aeiouAEIOU\"}";
        assert_int_equal(n, strlen(want));
        assert_memory_equal(out, want, n);
        runnel_plugin_free(p);
    }
    free(input);
}

static void oom__extism_and_own_memory(void **state)
{
    (void)state;
    if (!have_wat("grow"))
        skip();
    /* Extism memory counts against the same budget as the plugin's own memory */
    runnel_plugin *p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}], \"memory\": {\"max_pages\": 4}}",
                                            wat("grow"));
    call_fails(p, "grow_extism", "", -1, false, "oom");
    runnel_plugin_free(p);
    p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}], \"memory\": {\"max_pages\": 3}}", wat("grow"));
    call_fails(p, "grow_own", "", -1, false, "oom");
    runnel_plugin_free(p);
    /* the budget is what is grown after instantiation: a plugin within it runs */
    p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}], \"memory\": {\"max_pages\": 1}}", wat("grow"));
    call_expect(p, "small", "", "k");
    runnel_plugin_free(p);
    /* a larger budget ends the same way for a plugin that always wants more */
    p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}], \"memory\": {\"max_pages\": 100}}", wat("grow"));
    call_fails(p, "grow_own", "", -1, false, "oom");
    runnel_plugin_free(p);
}

static void set_max_pages(runnel_plugin *p, bool has, uint32_t pages)
{
    runnel_plugin_limits l = runnel_plugin_get_limits(p);
    l.has_max_pages = has;
    l.max_pages = pages;
    runnel_plugin_set_limits(p, &l);
    l = runnel_plugin_get_limits(p);
    assert_int_equal(l.has_max_pages, has);
    assert_int_equal(l.max_pages, pages);
}

/* A memory limit set by the host after the plugin was made: before the first call, on a live instance,
   raised, lifted; for the plugin's own memory and for Extism memory. grow_two grows by two pages. */
static void oom__set_limits_after_creation(void **state)
{
    (void)state;
    size_t len;
    uint8_t *bytes = wat_bytes("grow", &len);
    runnel_report r = {0};
    /* before the first call: the instantiation to come gets the budget */
    runnel_plugin *p = runnel_plugin_new(bytes, len, NULL, &r);
    assert_non_null(p);
    assert_false(runnel_plugin_get_limits(p).has_max_pages);
    set_max_pages(p, true, 1);
    call_fails(p, "grow_two", "", -1, false, "oom");
    runnel_plugin_free(p);

    /* on a live instance, made without a limit */
    p = runnel_plugin_new(bytes, len, NULL, &r);
    call_expect(p, "small", "", "k");
    call_expect(p, "grow_two", "", ""); /* no limit yet */
    set_max_pages(p, true, 1);
    call_fails(p, "grow_two", "", -1, false, "oom");
    /* raised: a whole new budget of 4 pages, two growths of 2, then refused */
    set_max_pages(p, true, 4);
    call_expect(p, "grow_two", "", "");
    call_expect(p, "grow_two", "", "");
    call_fails(p, "grow_two", "", -1, false, "oom");
    /* the same budget counts Extism memory (grow_extism would take gigabytes without it) */
    set_max_pages(p, true, 2);
    call_fails(p, "grow_extism", "", -1, false, "oom");
    runnel_plugin_free(p);

    /* lifted: a manifest's limit removed by the host */
    p = plugin_from_manifest(NULL, "{\"wasm\": [{\"path\": \"%s\"}], \"memory\": {\"max_pages\": 1}}", wat("grow"));
    call_fails(p, "grow_two", "", -1, false, "oom");
    set_max_pages(p, false, 0);
    call_expect(p, "grow_two", "", "");
    runnel_plugin_free(p);
    free(bytes);
}

/* ---------------------------------------------------------------- hostile handles */

static void hostile__handles(void **state)
{
    (void)state;
    if (!have_wat("hostile"))
        skip();
    runnel_plugin_options o = {.has_log_level = true, .log_level = RUNNEL_LOG_OFF};
    runnel_plugin *p = plugin_from_manifest(&o, "{\"wasm\": [{\"path\": \"%s\"}]}", wat("hostile"));
    for (int i = 0; i < 3; i++) {
        int32_t rc = runnel_plugin_call(p, "probe", NULL, 0, NULL);
        if (rc != 0 || runnel_plugin_error(p))
            fail_msg("probe: rc %d (non-zero: a load gave data or a bad handle was accepted), error %s", rc,
                     runnel_plugin_error(p) ? runnel_plugin_error(p) : "(none)");
        size_t n;
        runnel_plugin_output(p, &n);
        assert_int_equal(n, 0); /* the hostile output ranges were refused or ignored */
    }
    call_fails(p, "config_bad", "", -1, false, "invalid handle offset for config key: 18446744073709551615");
    call_fails(p, "var_get_bad", "", -1, false, "invalid handle offset for var key: 78");
    call_fails(p, "var_set_bad", "", -1, false, "invalid handle offset for var key: 2147483647");
    call_fails(p, "var_set_bad_value", "", -1, false, "invalid handle offset for var value: 12345");
    call_fails(p, "http_bad", "", -1, false, "invalid handle offset for http request: 18446744073709551615");
    call_expect(p, "log_bad", "", ""); /* logging is off: the message is dropped unread */
    call_fails(p, "own_oob", "", 134, false, "out of bounds memory access");
    /* and after all that the plugin still works */
    call_expect(p, "probe", "", "");
    runnel_plugin_set_log_level(p, RUNNEL_LOG_ERROR);
    call_fails(p, "log_bad", "", -1, false, "invalid handle offset for log message: 12345");
    runnel_plugin_free(p);
}

static runnel_status hostile_host(runnel_current_plugin *cur, const runnel_val *args, size_t nargs,
                                  runnel_val *results, size_t nresults, void *user)
{
    (void)args, (void)nargs, (void)nresults, (void)user;
    size_t n = 99;
    /* the host-function API refuses bad handles the same way */
    assert_null(runnel_current_block(cur, 78, &n));
    assert_int_equal(n, 0);
    assert_null(runnel_current_block(cur, UINT64_MAX, &n));
    assert_int_equal(runnel_current_length(cur, UINT64_MAX), 0);
    runnel_current_free(cur, UINT64_MAX);
    assert_int_equal(runnel_current_alloc(cur, UINT64_MAX), 0);
    size_t size;
    assert_non_null(runnel_current_memory(cur, &size));
    assert_true(size > 77);
    results[0] = RUNNEL_I64(runnel_current_alloc_bytes(cur, "ok", 2));
    return RUNNEL_OK;
}

static void hostile__host_function_api(void **state)
{
    (void)state;
    /* reflect.wasm calls host_reflect with its input's handle and outputs what it returns */
    runnel_plugin_function f = {NULL, "host_reflect", "I", "I", hostile_host, NULL, NULL};
    runnel_plugin_options o = {.functions = &f, .nfunctions = 1};
    runnel_plugin *p = plugin_file("reflect.wasm", &o);
    call_expect(p, "reflect", "input", "ok");
    runnel_plugin_free(p);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loop__timeout_under_150ms), cmocka_unit_test(cancel__from_another_thread),
        cmocka_unit_test(fuel__limit),               cmocka_unit_test(oom__code_16_and_17_pages),
        cmocka_unit_test(oom__extism_and_own_memory), cmocka_unit_test(oom__set_limits_after_creation),
        cmocka_unit_test(hostile__handles),
        cmocka_unit_test(hostile__host_function_api), cmocka_unit_test(threads__one_compiled_plugin),
    };
    RUN_FILTERED(tests, argc, argv);
}

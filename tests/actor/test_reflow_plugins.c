/*
 * test_reflow_plugins.c - Reflow's own actor plugins (../shared/reflow-plugins) behave as their README says.
 *
 * These are the plugins Reflow's project built with its Go SDK (TinyGo) and an older Rust SDK; they are
 * the reference for "a Reflow plugin runs unchanged". The expected outputs are those the README records
 * from an independent Extism host (Extism's JS SDK with the Reflow host functions), message for message.
 * One test per plugin; each is its own CTest case (the program takes the test name as its argument).
 */
#include "actor_test_util.h"

#define PLUGIN(name) shared_path("reflow-plugins/" name)

/* Go counter: state through the context and the result, a sequence of operations. */
static void test_counter(void **state)
{
    (void)state;
    runnel_actor *a = load_actor(PLUGIN("counter.wasm"), NULL);
    const runnel_actor_metadata *m = runnel_actor_get_metadata(a);
    assert_non_null(m);
    assert_string_equal(m->component, "GoCounter");
    assert_int_equal(m->ninports, 1);
    assert_string_equal(m->inports[0].name, "operation");
    assert_string_equal(m->inports[0].port_type, "String");
    assert_int_equal(m->noutports, 2);
    assert_string_equal(m->outports[0].name, "value");
    assert_string_equal(m->outports[0].port_type, "Integer");
    assert_string_equal(m->outports[1].name, "operation");

    EXPECT_OUTPUTS(
        a, "R operation={\"type\":\"String\",\"data\":\"increment\"}\nR value={\"type\":\"Integer\",\"data\":1}",
        "operation", "\"increment\"");
    expect_state(a, "{\"count\":1}");
    EXPECT_OUTPUTS(
        a, "R operation={\"type\":\"String\",\"data\":\"increment\"}\nR value={\"type\":\"Integer\",\"data\":2}",
        "operation", "\"increment\"");
    EXPECT_OUTPUTS(
        a, "R operation={\"type\":\"String\",\"data\":\"decrement\"}\nR value={\"type\":\"Integer\",\"data\":1}",
        "operation", "\"decrement\"");
    EXPECT_OUTPUTS(a, "R operation={\"type\":\"String\",\"data\":\"reset\"}\nR value={\"type\":\"Integer\",\"data\":0}",
                   "operation", "\"reset\"");
    expect_state(a, "{\"count\":0}");
    /* no operation: only the value */
    EXPECT_OUTPUTS(a, "R value={\"type\":\"Integer\",\"data\":0}", NULL);
    /* the state the host holds is what the next call sees */
    json_t *s = json_pack("{s:I}", "count", (json_int_t)41);
    assert_int_equal(runnel_actor_set_state(a, s, NULL), RUNNEL_OK);
    json_decref(s);
    EXPECT_OUTPUTS(
        a, "R operation={\"type\":\"String\",\"data\":\"increment\"}\nR value={\"type\":\"Integer\",\"data\":42}",
        "operation", "{\"type\":\"String\",\"data\":\"increment\"}");
    /* an in-port the metadata does not declare is refused before any call */
    char *got;
    runnel_report r = {0};
    assert_int_equal(call_actor(a, &got, &r, "op", "\"increment\"", (const char *)NULL), RUNNEL_BADARG);
    assert_string_equal(got, "");
    assert_non_null(strstr(r.message, "GoCounter has no in-port \"op\" (its in-ports: operation)"));
    free(got);
    runnel_report_clear(&r);
    expect_state(a, "{\"count\":42}");
    runnel_actor_free(a);
}

/* Go counter with host functions: __get_state/__set_state and __send_output during the call. */
static void test_counter_with_state(void **state)
{
    (void)state;
    runnel_actor *a = load_actor(PLUGIN("counter_with_state.wasm"), NULL);
    const runnel_actor_metadata *m = runnel_actor_get_metadata(a);
    assert_string_equal(m->component, "GoCounterWithState");
    assert_non_null(runnel_actor_metadata_outport(m, "count_changed"));
    assert_string_equal(runnel_actor_metadata_outport(m, "count_changed")->port_type, "Event");

    /* Reflow's own test: no operation gives 0; increment 1; double 2; reset 0 */
    EXPECT_OUTPUTS(a, "R value={\"type\":\"Integer\",\"data\":0}", NULL);
    const char *sent =
        "S count={\"type\":\"Integer\",\"data\":%d}\nS status={\"type\":\"String\",\"data\":\"Processing complete\"}\n";
    char want[1024];
    int n = snprintf(want, sizeof want, sent, 1);
    snprintf(
        want + n, sizeof want - (size_t)n,
        "R count_changed={\"type\":\"Event\",\"data\":{\"new_value\":1,\"old_value\":0,\"operation\":\"increment\"}}\n"
        "R operation={\"type\":\"String\",\"data\":\"increment\"}\nR value={\"type\":\"Integer\",\"data\":1}");
    EXPECT_OUTPUTS(a, want, "operation", "\"increment\"");
    expect_state(a, "{\"count\":1}");
    n = snprintf(want, sizeof want, sent, 2);
    snprintf(
        want + n, sizeof want - (size_t)n,
        "R count_changed={\"type\":\"Event\",\"data\":{\"new_value\":2,\"old_value\":1,\"operation\":\"double\"}}\n"
        "R operation={\"type\":\"String\",\"data\":\"double\"}\nR value={\"type\":\"Integer\",\"data\":2}");
    EXPECT_OUTPUTS(a, want, "operation", "\"double\"");
    n = snprintf(want, sizeof want, sent, 0);
    snprintf(want + n, sizeof want - (size_t)n,
             "R count_changed={\"type\":\"Event\",\"data\":{\"new_value\":0,\"old_value\":0,\"operation\":\"reset\"}}\n"
             "R operation={\"type\":\"String\",\"data\":\"reset\"}\nR value={\"type\":\"Integer\",\"data\":0}");
    EXPECT_OUTPUTS(a, want, "operation", "\"reset\"");
    expect_state(a, "{\"count\":0}");
    runnel_actor_free(a);

    /* strict_ports: its status messages go to ports it does not declare; then they are errors */
    runnel_actor_options o = {.strict_ports = true};
    a = load_actor(PLUGIN("counter_with_state.wasm"), &o);
    char *got;
    runnel_report r = {0};
    assert_int_equal(call_actor(a, &got, &r, "operation", "\"increment\"", (const char *)NULL), RUNNEL_OK);
    assert_non_null(strstr(got, "E error={\"type\":\"Error\",\"data\":\"__send_output to port \\\"count\\\", which "
                                "GoCounterWithState does not declare (its out-ports: value, operation, count_changed); "
                                "message dropped\"}"));
    assert_null(strstr(got, "S count="));
    assert_non_null(strstr(got, "R value={\"type\":\"Integer\",\"data\":1}"));
    free(got);
    runnel_actor_free(a);
}

/* Go async processor: progress through __send_output, state through __set_state, an Object result. */
static void test_async_processor(void **state)
{
    (void)state;
    runnel_actor *a = load_actor(PLUGIN("async_processor.wasm"), NULL);
    const runnel_actor_metadata *m = runnel_actor_get_metadata(a);
    assert_string_equal(m->component, "GoAsyncProcessor");
    assert_non_null(m->config_schema);
    /* the schema's defaults are the config the actor runs with */
    char *cfg = json_dumps(runnel_actor_config(a), JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(cfg, "{\"chunk_size\":10,\"send_progress\":true}");
    free(cfg);

    EXPECT_OUTPUTS(a, "R status={\"type\":\"String\",\"data\":\"Ready to process. No previous runs.\"}", "start",
                   "{\"type\":\"Flow\"}");
    EXPECT_OUTPUTS(a,
                   "S status={\"type\":\"String\",\"data\":\"Starting processing\"}\n"
                   "S progress={\"type\":\"Integer\",\"data\":100}\n"
                   "S status={\"type\":\"String\",\"data\":\"Processing chunk\"}\n"
                   "S status={\"type\":\"String\",\"data\":\"Processing complete\"}\n"
                   "R result={\"type\":\"Object\",\"data\":{\"average\":4,\"processed_count\":3,\"results\":[2,4,6]}}",
                   "data", "[1,2,3]");
    expect_state(a, "{\"items_processed\":3,\"last_chunk_processed\":0}");
    EXPECT_OUTPUTS(a, "R status={\"type\":\"String\",\"data\":\"Ready to process. Previous run completed.\"}", "start",
                   "{\"type\":\"Flow\"}");
    runnel_actor_free(a);

    /* config: chunks of 2 give three progress messages for five items; send_progress false gives none */
    json_t *c = json_pack("{s:i}", "chunk_size", 2);
    runnel_actor_options o = {.config = c};
    a = load_actor(PLUGIN("async_processor.wasm"), &o);
    json_decref(c);
    char *got;
    runnel_report r = {0};
    assert_int_equal(call_actor(a, &got, &r, "data", "[1,2,3,4,5]", (const char *)NULL), RUNNEL_OK);
    size_t progress = 0;
    for (const char *p = got; (p = strstr(p, "S progress=")); p++)
        progress++;
    assert_int_equal(progress, 3);
    assert_non_null(strstr(got, "S progress={\"type\":\"Integer\",\"data\":100}"));
    assert_non_null(strstr(got, "\"results\":[2,4,6,8,10]"));
    free(got);
    expect_state(a, "{\"items_processed\":5,\"last_chunk_processed\":2}");
    runnel_actor_free(a);

    c = json_pack("{s:b}", "send_progress", 0);
    o.config = c;
    a = load_actor(PLUGIN("async_processor.wasm"), &o);
    json_decref(c);
    assert_int_equal(call_actor(a, &got, &r, "data", "[1,2,3]", (const char *)NULL), RUNNEL_OK);
    assert_null(strstr(got, "progress"));
    free(got);
    runnel_actor_free(a);

    /* a config that does not match the schema: no actor, and the place of the mistake */
    c = json_pack("{s:s}", "chunk_size", "ten");
    o.config = c;
    assert_null(runnel_actor_load(PLUGIN("async_processor.wasm"), &o, &r));
    json_decref(c);
    assert_int_equal(r.status, RUNNEL_BADARG);
    assert_non_null(strstr(r.message, "GoAsyncProcessor: the node's config does not match its config_schema: "
                                      "config.chunk_size: expected an integer, got a string"));
    runnel_report_clear(&r);
}

/* debug.wasm traps in both exports (TinyGo's check that its runtime was started, since nothing calls
   `_start`): the actor reports it each time, with where, and stays up. */
static void test_debug_traps(void **state)
{
    (void)state;
    runnel_actor *a = load_actor(PLUGIN("debug.wasm"), NULL);
    assert_null(runnel_actor_get_metadata(a));
    const char *why = runnel_actor_metadata_error(a);
    assert_non_null(strstr(why, "get_metadata trapped: unreachable\n  at runtime.runtimePanicAt (offset 0x"));
    assert_non_null(strstr(why, "\n  at main.get_metadata#wasmexport (offset 0x"));
    for (int i = 0; i < 3; i++) {
        EXPECT_FAILURE(a, RUNNEL_TRAP, "", "process trapped: unreachable\n  at runtime.runtimePanicAt (offset 0x",
                       NULL);
        EXPECT_FAILURE(a, RUNNEL_TRAP, "", "\n  at main.process#wasmexport (offset 0x", NULL);
    }
    expect_state(a, "{}");
    runnel_actor_free(a);
}

/* wasm_actor.wasm: the older Rust ABI (host functions returning handles, plain JSON in and out). */
static void test_legacy_rust_plugin(void **state)
{
    (void)state;
    runnel_actor *a = load_actor(PLUGIN("wasm_actor.wasm"), NULL);
    assert_true(runnel_actor_is_legacy(a));
    assert_null(runnel_actor_get_metadata(a));
    assert_non_null(strstr(runnel_actor_metadata_error(a), "older Reflow ABI"));
    static const struct {
        const char *op;
        int value, previous;
    } steps[] = {{"increment", 1, 0}, {"increment", 2, 1}, {"decrement", 1, 2}, {"reset", 0, 1}, {NULL, 1, 0}};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        char *got;
        runnel_report r = {0};
        char op[64];
        snprintf(op, sizeof op, "\"%s\"", steps[i].op ? steps[i].op : "");
        runnel_status st = steps[i].op ? call_actor(a, &got, &r, "operation", op, (const char *)NULL)
                                       : call_actor(a, &got, &r, (const char *)NULL);
        if (st != RUNNEL_OK)
            fail_msg("step %zu: %s", i, r.message);
        /* it emits its result through __send_output and returns it too: each value twice, S then R */
        char v[128], p[128], o[128];
        snprintf(v, sizeof v, "value={\"type\":\"Integer\",\"data\":%d}", steps[i].value);
        snprintf(p, sizeof p, "previous={\"type\":\"Integer\",\"data\":%d}", steps[i].previous);
        snprintf(o, sizeof o, "operation={\"type\":\"String\",\"data\":\"%s\"}",
                 steps[i].op ? steps[i].op : "increment");
        const char *want[] = {v, p, o};
        for (size_t k = 0; k < 3; k++) {
            char s[160], rr[160];
            snprintf(s, sizeof s, "S %s", want[k]);
            snprintf(rr, sizeof rr, "R %s", want[k]);
            if (!strstr(got, s) || !strstr(got, rr))
                fail_msg("step %zu: %s missing in\n%s", i, want[k], got);
        }
        free(got);
        char st_text[64];
        snprintf(st_text, sizeof st_text, "{\"counter\":%d}", steps[i].value);
        expect_state(a, st_text);
    }
    runnel_actor_free(a);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter),
        cmocka_unit_test(test_counter_with_state),
        cmocka_unit_test(test_async_processor),
        cmocka_unit_test(test_debug_traps),
        cmocka_unit_test(test_legacy_rust_plugin),
    };
    if (argc > 1) /* one CTest case per plugin */
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

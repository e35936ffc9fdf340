/*
 * test_sdk_plugins.c - plugins built with the SDK against the real host: message round trips, and every
 * way an actor can fail.
 *
 * Round trips (plugins/echo.c): every message type, with integers at the 64-bit limits and floats at
 * the edges of the double range, goes host -> wasm (SDK reader) -> C value -> SDK writer -> host, and
 * must come back equal; each is also sent through __send_output as plain JSON and must come back typed
 * by its shape.
 *
 * Failures (plugins/misbehave.c): a trap, an endless loop, garbage, a result without outputs, an unknown
 * message type, an undeclared port, memory exhaustion, an error, proc_exit... Each must give an Error
 * message with the cause on the error port, a status and a report, and leave the actor usable with the
 * state it had: after each failure a well-behaved call must see the count where it was.
 */
#include "actor_test_util.h"

#include <math.h>
#include <time.h>

static const char *plugin(const char *name)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s.wasm", RUNNEL_ACTOR_TEST_PLUGINS_DIR, name);
    return buf;
}

/* ---------------------------------------------------------------- round trips */

typedef struct rt_case {
    const char *port;
    const char *tagged;
} rt_case;

static const rt_case cases[] = {
    {"flow", "{\"type\":\"Flow\"}"},
    {"event", "{\"type\":\"Event\",\"data\":{\"kind\":\"tick\",\"n\":-9223372036854775808,\"xs\":[1.5,null,true]}}"},
    {"boolean", "{\"type\":\"Boolean\",\"data\":true}"},
    {"integer", "{\"type\":\"Integer\",\"data\":9223372036854775807}"},
    {"float", "{\"type\":\"Float\",\"data\":0.1}"},
    {"string", "{\"type\":\"String\",\"data\":\"h\\u00e9 \\\"\\\\ \\n\\t \\u0000 \\ud83d\\ude00 end\"}"},
    {"object",
     "{\"type\":\"Object\",\"data\":{\"max\":9223372036854775807,\"min\":-9223372036854775808,\"f\":2.0,\"s\":\"x\"}}"},
    {"array", "{\"type\":\"Array\",\"data\":[1,-1,0.5,\"a\",[],{},null,false]}"},
    {"stream", NULL}, /* all 256 byte values, made below */
    {"optional", "{\"type\":\"Optional\",\"data\":{\"some\":1}}"},
    {"any", "{\"type\":\"Any\",\"data\":[9223372036854775807]}"},
    {"error", "{\"type\":\"Error\",\"data\":\"something \\\"bad\\\" happened\"}"},
};

static void make_input(runnel_port_msg *in, const char *port, const char *tagged)
{
    runnel_report r = {0};
    in->port = port;
    if (runnel_msg_parse(&in->msg, tagged, strlen(tagged), &r) != RUNNEL_OK)
        fail_msg("%s: %s", tagged, r.message);
}

/* Calls echo with these inputs; each must come back equal (R) and typed by shape (S). */
static void echo_inputs(runnel_actor *a, runnel_port_msg *in, size_t n)
{
    runnel_actor_outputs out = {0};
    runnel_report r = {0};
    runnel_status st = runnel_actor_process(a, in, n, runnel_actor_collect, &out, &r);
    if (st != RUNNEL_OK)
        fail_msg("echo failed: %s", r.message);
    assert_int_equal(out.count, 2 * n);
    for (size_t i = 0; i < n; i++) {
        /* first every sent one, in input order, then every returned one */
        const runnel_actor_output *s = &out.items[i], *ret = &out.items[n + i];
        assert_int_equal(s->kind, RUNNEL_EMIT_SENT);
        assert_string_equal(s->port, "sent");
        assert_int_equal(ret->kind, RUNNEL_EMIT_RESULT);
        assert_string_equal(ret->port, in[i].port);
        if (!runnel_msg_equal(&ret->msg, &in[i].msg)) {
            char *want = runnel_msg_to_text(&in[i].msg), *got = runnel_msg_to_text(&ret->msg);
            fail_msg("port %s: sent %s, got back %s", in[i].port, want, got);
        }
        /* the plain data, typed by shape, holds the same data */
        runnel_msg plain;
        json_t *data = runnel_msg_data_json(&in[i].msg);
        assert_int_equal(runnel_msg_from_plain(&plain, data, NULL), RUNNEL_OK);
        json_decref(data);
        if (!runnel_msg_equal(&s->msg, &plain)) {
            char *want = runnel_msg_to_text(&plain), *got = runnel_msg_to_text(&s->msg);
            fail_msg("port %s: sent plain %s, got %s", in[i].port, want, got);
        }
        runnel_msg_clear(&plain);
    }
    runnel_actor_outputs_clear(&out);
}

static void test_round_trip_every_type(void **state)
{
    runnel_actor *a = hold_actor(state, load_actor(plugin("echo"), NULL));
    runnel_port_msg in[12];
    size_t n = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].tagged) {
            make_input(&in[n++], cases[i].port, cases[i].tagged);
        } else {
            uint8_t bytes[256];
            for (int b = 0; b < 256; b++)
                bytes[b] = (uint8_t)b;
            in[n].port = cases[i].port;
            assert_int_equal(runnel_msg_stream(&in[n++].msg, bytes, sizeof bytes), RUNNEL_OK);
        }
    }
    /* all twelve in one payload, then each alone */
    echo_inputs(a, in, n);
    for (size_t i = 0; i < n; i++)
        echo_inputs(a, &in[i], 1);
    for (size_t i = 0; i < n; i++)
        runnel_msg_clear(&in[i].msg);
}

static void test_round_trip_limits(void **state)
{
    runnel_actor *a = hold_actor(state, load_actor(plugin("echo"), NULL));
    const int64_t ints[] = {INT64_MAX,          INT64_MIN,           INT64_MAX - 1, INT64_MIN + 1, 0, -1, 1,
                            9007199254740993LL, -9007199254740993LL, 4294967296LL,  -4294967297LL};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        runnel_port_msg in = {.port = "integer", .msg = runnel_msg_integer(ints[i])};
        echo_inputs(a, &in, 1);
    }
    const double floats[] = {0.1,
                             -0.0,
                             1.0,
                             2.0,
                             1e300,
                             -1e-300,
                             1.7976931348623157e308,
                             5e-324,
                             2.2250738585072014e-308,
                             1.0 / 3.0,
                             123456789.123456789,
                             9007199254740993.0,
                             -2.5};
    for (size_t i = 0; i < sizeof floats / sizeof floats[0]; i++) {
        runnel_port_msg in = {.port = "float", .msg = runnel_msg_float(floats[i])};
        echo_inputs(a, &in, 1);
    }
    /* NaN travels as null and comes back NaN */
    runnel_port_msg nan_in = {.port = "float", .msg = runnel_msg_float(NAN)};
    runnel_actor_outputs out = {0};
    assert_int_equal(runnel_actor_process(a, &nan_in, 1, runnel_actor_collect, &out, NULL), RUNNEL_OK);
    assert_int_equal(out.items[1].msg.type, RUNNEL_MSG_FLOAT);
    assert_true(isnan(out.items[1].msg.as.number));
    runnel_actor_outputs_clear(&out);
    /* strings: empty, long, every escape */
    const char *strings[] = {"", "plain", "\x01\x1f control", "\xe2\x82\xac euro", "quote \" backslash \\ slash /"};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        runnel_port_msg in = {.port = "string"};
        assert_int_equal(runnel_msg_string(&in.msg, strings[i]), RUNNEL_OK);
        echo_inputs(a, &in, 1);
        runnel_msg_clear(&in.msg);
    }
    size_t big = 200000;
    char *longs = malloc(big + 1);
    for (size_t i = 0; i < big; i++)
        longs[i] = (char)('a' + i % 26);
    longs[big] = '\0';
    runnel_port_msg in = {.port = "string"};
    assert_int_equal(runnel_msg_string(&in.msg, longs), RUNNEL_OK);
    echo_inputs(a, &in, 1);
    runnel_msg_clear(&in.msg);
    free(longs);
    /* empty containers and nothing-Optional */
    const char *others[][2] = {
        {"stream", "{\"type\":\"Stream\",\"data\":[]}"}, {"array", "{\"type\":\"Array\",\"data\":[]}"},
        {"object", "{\"type\":\"Object\",\"data\":{}}"}, {"optional", "{\"type\":\"Optional\"}"},
        {"event", "{\"type\":\"Event\",\"data\":null}"}, {"boolean", "{\"type\":\"Boolean\",\"data\":false}"}};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        make_input(&in, others[i][0], others[i][1]);
        echo_inputs(a, &in, 1);
        runnel_msg_clear(&in.msg);
    }
}

/* ---------------------------------------------------------------- failures */

/* The well-behaved call: the count must be `want` afterwards (the state survived the failure). */
static void expect_count(runnel_actor *a, int want)
{
    char text[128];
    snprintf(text, sizeof text, "R count={\"type\":\"Integer\",\"data\":%d}", want);
    EXPECT_OUTPUTS(a, text, "count", "{\"type\":\"Flow\"}");
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void test_failures_leave_the_actor_usable(void **state)
{
    runnel_actor_options o = {.timeout_ms = 300, .max_memory_pages = 64};
    runnel_actor *a = hold_actor(state, load_actor(plugin("misbehave"), &o));
    int n = 0;
    expect_count(a, ++n);

    /* a trap says where: the function that trapped (by its name-section name), then its caller */
    EXPECT_FAILURE(a, RUNNEL_TRAP, "", "process trapped: unreachable\n  at crash (offset 0x", "trap", "1");
    EXPECT_FAILURE(a, RUNNEL_TRAP, "", ")\n  at process (offset 0x", "trap", "1");
    expect_count(a, ++n);

    double t0 = now_ms();
    EXPECT_FAILURE(a, RUNNEL_TRAP, "", "process timed out: it ran longer than the actor's limit of 300 ms", "loop",
                   "1");
    double took = now_ms() - t0;
    assert_true(took >= 250 && took < 5000);
    expect_count(a, ++n);

    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "invalid result from process: not JSON", "garbage", "1");
    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "the plugin returned: this is not JSON {", "garbage", "1");
    expect_count(a, ++n);

    /* the state in a rejected result is not kept */
    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "Invalid ActorResult: missing outputs", "no_outputs", "1");
    expect_count(a, ++n);

    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "outputs.out: unknown message type \"Bogus\"", "unknown_type", "1");
    expect_count(a, ++n);

    /* an undeclared port rejects the whole result: "out" is not delivered either */
    EXPECT_FAILURE(a, RUNNEL_BADARG, "",
                   "output on port \"nowhere\", which Misbehave does not declare (its out-ports: out, count, progress)",
                   "unknown_port", "1");
    expect_count(a, ++n);

    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "process failed: Actor processing error: deliberate failure", "fail", "1");
    {
        /* an error the plugin reports and returns from is not a trap: no backtrace */
        char *got;
        runnel_report r = {0};
        assert_int_equal(call_actor(a, &got, &r, "fail", "1", (const char *)NULL), RUNNEL_BADARG);
        assert_string_equal(r.message, "process failed: Actor processing error: deliberate failure");
        free(got);
        runnel_report_clear(&r);
    }
    expect_count(a, ++n);

    /* memory: the SDK's allocator runs into the limit and says so */
    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "Actor processing error: out of memory", "oom", "1");
    expect_count(a, ++n);
    /* raw memory.grow refused, then an access past the end */
    EXPECT_FAILURE(a, RUNNEL_TRAP, "", "process ran out of memory: it needed more than the actor's limit of 64 pages",
                   "grow", "1");
    expect_count(a, ++n);

    /* __set_state during a call that then fails: discarded */
    EXPECT_FAILURE(a, RUNNEL_TRAP, "", "unreachable", "state_then_trap", "1");
    expect_state(a, "{\"count\":10}");
    expect_count(a, ++n);

    /* what was sent before the failure was sent; the Error follows it */
    EXPECT_FAILURE(a, RUNNEL_TRAP, "S progress={\"type\":\"Integer\",\"data\":50}", "unreachable", "send_then_trap",
                   "1");
    expect_count(a, ++n);

    /* a host function's failure says where the plugin called it */
    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "__send_output: expected a JSON object {port: value}\n  at process (offset 0x",
                   "bad_send", "1");
    expect_count(a, ++n);

    EXPECT_FAILURE(a, RUNNEL_EXIT, "", "process exited (WASI proc_exit) with code 3", "exit", "1");
    expect_count(a, ++n);

    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "an ActorResult must be a JSON object", "not_object", "1");
    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "state must be an object or null", "state_array", "1");
    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "invalid result from process: no output", "empty", "1");
    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "an error, but rc 0", "error_and_ok", "1");
    expect_count(a, ++n);
    expect_state(a, "{\"count\":15}");
}

static void test_tolerated_results(void **state)
{
    runnel_actor *a = hold_actor(state, load_actor(plugin("misbehave"), NULL));
    /* a result as a JSON string holding base64 (the older Go SDK) */
    EXPECT_OUTPUTS(a, "R out={\"type\":\"Integer\",\"data\":64}", "base64", "1");
    expect_state(a, "{\"b64\":true}");
    /* {"type":"Flow"} without data (the Rust SDK) */
    EXPECT_OUTPUTS(a, "R out={\"type\":\"Flow\",\"data\":null}", "flow_nodata", "1");
    /* __send_output to an undeclared port is delivered (Reflow does; its Go plugins rely on it) ... */
    EXPECT_OUTPUTS(a, "S nowhere={\"type\":\"Integer\",\"data\":1}\nR out={\"type\":\"Integer\",\"data\":2}",
                   "send_unknown", "1");
    /* ... unless the actor is strict about ports */
    runnel_actor_options o = {.strict_ports = true};
    a = hold_actor(state, load_actor(plugin("misbehave"), &o));
    char *got;
    assert_int_equal(call_actor(a, &got, NULL, "send_unknown", "1", (const char *)NULL), RUNNEL_OK);
    assert_string_equal(got,
                        "E error={\"type\":\"Error\",\"data\":\"__send_output to port \\\"nowhere\\\", which Misbehave "
                        "does not declare (its out-ports: out, count, progress); message dropped\"}\n"
                        "R out={\"type\":\"Integer\",\"data\":2}");
    free(got);
}

/* A plugin given as an Extism manifest: its own limits apply unless the actor's options say otherwise. */
static void test_manifest_limits(void **state)
{
    char manifest[8192];
    snprintf(manifest, sizeof manifest,
             "{\"wasm\":[{\"path\":\"%s\"}],\"timeout_ms\":150,\"memory\":{\"max_pages\":40}}", plugin("misbehave"));
    runnel_report r = {0};
    runnel_actor *a = hold_actor(state, runnel_actor_new(manifest, strlen(manifest), NULL, &r));
    if (!a)
        fail_msg("%s", r.message);
    assert_string_equal(runnel_actor_get_metadata(a)->component, "Misbehave");
    EXPECT_FAILURE(a, RUNNEL_TRAP, "", "process timed out: it ran longer than the actor's limit of 150 ms", "loop",
                   "1");
    EXPECT_FAILURE(a, RUNNEL_TRAP, "", "process ran out of memory: it needed more than the actor's limit of 40 pages",
                   "grow", "1");
    expect_count(a, 1);
    runnel_actor_options o = {.timeout_ms = 250, .max_memory_pages = RUNNEL_ACTOR_UNLIMITED};
    a = hold_actor(state, runnel_actor_new(manifest, strlen(manifest), &o, &r));
    assert_non_null(a);
    EXPECT_FAILURE(a, RUNNEL_TRAP, "", "actor's limit of 250 ms", "loop", "1");
    /* a fuel budget, for every call's fresh instance */
    o = (runnel_actor_options){.fuel = 10000};
    a = hold_actor(state, load_actor(plugin("misbehave"), &o));
    for (int i = 0; i < 2; i++)
        EXPECT_FAILURE(a, RUNNEL_TRAP, "", "process ran out of fuel (the actor's limit is 10000 units)", "loop", "1");
    expect_count(a, 1);
    /* a manifest the plugin layer refuses: its reason */
    const char *bad = "{\"wasm\":[{\"path\":\"/nonexistent.wasm\"}]}";
    assert_null(runnel_actor_new(bad, strlen(bad), NULL, &r));
    assert_non_null(strstr(r.message, "nonexistent.wasm"));
    runnel_report_clear(&r);
}

static void test_no_entry_point(void **state)
{
    (void)state;
    runnel_actor_options o = {.entry_point = "run"};
    runnel_report r = {0};
    assert_null(runnel_actor_load(plugin("echo"), &o, &r));
    assert_int_equal(r.status, RUNNEL_UNLINKABLE);
    assert_non_null(strstr(r.message, "exports no function \"run\""));
    runnel_report_clear(&r);
    assert_null(runnel_actor_load("/nonexistent/x.wasm", NULL, &r));
    assert_non_null(strstr(r.message, "/nonexistent/x.wasm: cannot open"));
    runnel_report_clear(&r);
    const uint8_t junk[] = "\0asm\x02\0\0\0";
    assert_null(runnel_actor_new(junk, 8, NULL, &r));
    assert_non_null(r.message);
    runnel_report_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_round_trip_every_type, release_actor),
        cmocka_unit_test_teardown(test_round_trip_limits, release_actor),
        cmocka_unit_test_teardown(test_failures_leave_the_actor_usable, release_actor),
        cmocka_unit_test_teardown(test_tolerated_results, release_actor),
        cmocka_unit_test_teardown(test_manifest_limits, release_actor),
        cmocka_unit_test(test_no_entry_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_examples.c - the four example actors (examples/actors), built with the SDK, through the C API.
 *
 * MyActor and Counter are the seed's own examples (docs/abi-reflow.md, "Reference examples"); Multiplier shows a
 * config_schema, Streamer __send_output and the state host functions. Each test checks the metadata the
 * host reads, the outputs of a sequence of calls (order and kind included) and the state in between.
 */
#include "actor_test_util.h"

static const char *example(const char *name)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s.wasm", RUNNEL_ACTOR_EXAMPLES_DIR, name);
    return buf;
}

static runnel_actor *with_config(const char *name, const char *config_json)
{
    json_t *c = json_loads(config_json, 0, NULL);
    assert_non_null(c);
    runnel_actor_options o = {.config = c};
    runnel_actor *a = load_actor(example(name), &o);
    json_decref(c);
    return a;
}

static void config_refused(const char *name, const char *config_json, const char *want)
{
    json_t *c = json_loads(config_json, 0, NULL);
    assert_non_null(c);
    runnel_actor_options o = {.config = c};
    runnel_report r = {0};
    runnel_actor *a = runnel_actor_load(example(name), &o, &r);
    json_decref(c);
    if (a)
        fail_msg("%s accepted config %s", name, config_json);
    assert_int_equal(r.status, RUNNEL_BADARG);
    if (!strstr(r.message, want))
        fail_msg("\"%s\" does not contain \"%s\"", r.message, want);
    runnel_report_clear(&r);
}

static void test_my_actor(void **state)
{
    (void)state;
    runnel_actor *a = load_actor(example("my_actor"), NULL);
    const runnel_actor_metadata *m = runnel_actor_get_metadata(a);
    assert_non_null(m);
    assert_string_equal(m->component, "MyActor");
    assert_string_equal(m->description, "Example WASM actor");
    assert_int_equal(m->ninports, 1);
    assert_string_equal(m->inports[0].name, "input");
    assert_string_equal(m->inports[0].description, "Input port");
    assert_string_equal(m->inports[0].port_type, "Integer");
    assert_true(m->inports[0].required);
    assert_int_equal(m->noutports, 1);
    assert_string_equal(m->outports[0].name, "output");
    assert_false(m->outports[0].required);
    assert_null(m->config_schema);

    EXPECT_OUTPUTS(a, "R output={\"type\":\"Integer\",\"data\":42}", "input", "{\"type\":\"Integer\",\"data\":21}");
    EXPECT_OUTPUTS(a, "R output={\"type\":\"Integer\",\"data\":-8}", "input", "-4");
    EXPECT_OUTPUTS(a, "R output={\"type\":\"Integer\",\"data\":9223372036854775806}", "input", "4611686018427387903");
    EXPECT_OUTPUTS(a, "R output={\"type\":\"Integer\",\"data\":-9223372036854775808}", "input", "-4611686018427387904");
    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "9223372036854775807 doubled does not fit in a 64-bit integer", "input",
                   "9223372036854775807");
    /* a Float on an Integer port: nothing to double, nothing out */
    EXPECT_OUTPUTS(a, "", "input", "2.5");
    expect_state(a, "{}");
    runnel_actor_free(a);
}

static void counter_sequence(runnel_actor *a, int64_t initial)
{
    char want[128];
    snprintf(want, sizeof want, "R count={\"type\":\"Integer\",\"data\":%lld}", (long long)initial + 1);
    EXPECT_OUTPUTS(a, want, "increment", "{\"type\":\"Flow\"}");
    snprintf(want, sizeof want, "R count={\"type\":\"Integer\",\"data\":%lld}", (long long)initial + 2);
    EXPECT_OUTPUTS(a, want, "increment", "{\"type\":\"Flow\"}");
    snprintf(want, sizeof want, "{\"count\":%lld}", (long long)initial + 2);
    expect_state(a, want);
    snprintf(want, sizeof want, "R count={\"type\":\"Integer\",\"data\":%lld}", (long long)initial + 1);
    EXPECT_OUTPUTS(a, want, "decrement", "{\"type\":\"Flow\"}");
    snprintf(want, sizeof want, "R count={\"type\":\"Integer\",\"data\":%lld}", (long long)initial);
    EXPECT_OUTPUTS(a, want, "reset", "{\"type\":\"Flow\"}");
    snprintf(want, sizeof want, "{\"count\":%lld}", (long long)initial);
    expect_state(a, want);
}

static void test_counter(void **state)
{
    (void)state;
    runnel_actor *a = load_actor(example("counter"), NULL);
    const runnel_actor_metadata *m = runnel_actor_get_metadata(a);
    assert_string_equal(m->component, "Counter");
    assert_int_equal(m->ninports, 3);
    assert_string_equal(m->inports[2].name, "reset");
    assert_string_equal(m->inports[2].port_type, "Flow");
    assert_string_equal(m->outports[0].name, "count");
    char *schema = json_dumps(m->config_schema, JSON_COMPACT);
    assert_string_equal(
        schema, "{\"type\":\"object\",\"properties\":{\"initial_value\":{\"type\":\"integer\",\"default\":0}}}");
    free(schema);
    counter_sequence(a, 0);
    runnel_actor_free(a);

    a = with_config("counter", "{\"initial_value\":10}");
    counter_sequence(a, 10);
    runnel_actor_free(a);

    /* the same behaviour with the instance kept warm between calls */
    json_t *c = json_pack("{s:i}", "initial_value", -3);
    runnel_actor_options o = {.config = c, .keep_warm = true};
    a = load_actor(example("counter"), &o);
    json_decref(c);
    counter_sequence(a, -3);
    runnel_actor_free(a);

    config_refused("counter", "{\"initial_value\":\"ten\"}", "config.initial_value: expected an integer, got a string");
    config_refused("counter", "{\"initial_value\":1.5}", "config.initial_value: expected an integer, got a number");
}

/* runnel_actor_spawn: actors of one compiled plugin with their own config and state. The proto is
   freed first: each spawned actor holds the compiled plugin on its own. */
static void test_spawn(void **state)
{
    (void)state;
    runnel_actor *proto = load_actor(example("counter"), NULL);
    json_t *c = json_pack("{s:i}", "initial_value", 10);
    runnel_actor_options o = {.config = c, .node_id = "second"};
    runnel_report r = {0};
    runnel_actor *a = runnel_actor_spawn(proto, NULL, &r), *b = runnel_actor_spawn(proto, &o, &r);
    json_decref(c);
    assert_non_null(a);
    assert_non_null(b);
    runnel_actor_free(proto);
    assert_string_equal(runnel_actor_get_metadata(b)->component, "Counter");
    assert_int_equal(json_integer_value(json_object_get(runnel_actor_config(b), "initial_value")), 10);
    counter_sequence(a, 0);
    counter_sequence(b, 10); /* its own state: a's sequence left no trace */
    /* the schema is checked as in runnel_actor_new */
    json_t *bad = json_pack("{s:s}", "initial_value", "ten");
    runnel_actor_options ob = {.config = bad};
    runnel_actor *proto2 = load_actor(example("counter"), NULL);
    assert_null(runnel_actor_spawn(proto2, &ob, &r));
    assert_non_null(strstr(r.message, "config.initial_value: expected an integer"));
    runnel_report_clear(&r);
    json_decref(bad);
    runnel_actor_free(proto2);
    runnel_actor_free(a);
    runnel_actor_free(b);
}

static void test_multiplier(void **state)
{
    (void)state;
    runnel_actor *a = load_actor(example("multiplier"), NULL);
    const runnel_actor_metadata *m = runnel_actor_get_metadata(a);
    assert_string_equal(m->component, "Multiplier");
    assert_non_null(m->config_schema);
    char *cfg = json_dumps(runnel_actor_config(a), JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(cfg, "{\"factor\":2,\"round\":false}");
    free(cfg);
    EXPECT_OUTPUTS(a, "R result={\"type\":\"Integer\",\"data\":42}", "value", "21");
    EXPECT_OUTPUTS(a, "R result={\"type\":\"Float\",\"data\":3.0}", "value", "1.5");
    /* too big for an exact Integer: the product as a Float */
    EXPECT_OUTPUTS(a, "R result={\"type\":\"Float\",\"data\":1.8446744073709552e19}", "value", "9223372036854775807");
    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "value must be a number, got a String message", "value", "\"seven\"");
    EXPECT_OUTPUTS(a, "R result={\"type\":\"Integer\",\"data\":-14}", "value", "-7");
    runnel_actor_free(a);

    a = with_config("multiplier", "{\"factor\":2.5}");
    EXPECT_OUTPUTS(a, "R result={\"type\":\"Float\",\"data\":5.0}", "value", "2");
    runnel_actor_free(a);
    a = with_config("multiplier", "{\"factor\":2.5,\"round\":true}");
    EXPECT_OUTPUTS(a, "R result={\"type\":\"Integer\",\"data\":8}", "value", "3");
    EXPECT_OUTPUTS(a, "R result={\"type\":\"Integer\",\"data\":-8}", "value", "-3");
    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "does not fit in a 64-bit integer", "value", "1e300");
    runnel_actor_free(a);

    config_refused("multiplier", "{\"factr\":3}", "config: unknown property \"factr\"");
    config_refused("multiplier", "{\"factor\":\"3\"}", "config.factor: expected a number, got a string");
    config_refused("multiplier", "{\"round\":1}", "config.round: expected a boolean, got a number");
}

static void test_streamer(void **state)
{
    (void)state;
    runnel_actor *a = load_actor(example("streamer"), NULL);
    assert_string_equal(runnel_actor_get_metadata(a)->component, "Streamer");
    EXPECT_OUTPUTS(a,
                   "S progress={\"type\":\"Integer\",\"data\":40}\n"
                   "S progress={\"type\":\"Integer\",\"data\":80}\n"
                   "S progress={\"type\":\"Integer\",\"data\":100}\n"
                   "R sum={\"type\":\"Integer\",\"data\":15}\n"
                   "R count={\"type\":\"Integer\",\"data\":5}\n"
                   "R runs={\"type\":\"Integer\",\"data\":1}",
                   "data", "[1,2,3,4,5]");
    expect_state(a, "{\"runs\":1}");
    EXPECT_OUTPUTS(a,
                   "S progress={\"type\":\"Integer\",\"data\":100}\n"
                   "R sum={\"type\":\"Float\",\"data\":3.5}\n"
                   "R count={\"type\":\"Integer\",\"data\":2}\n"
                   "R runs={\"type\":\"Integer\",\"data\":2}",
                   "data", "[1.5,2]");
    expect_state(a, "{\"runs\":2}");
    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "data[1] is not a number", "data", "[1,\"x\"]");
    expect_state(a, "{\"runs\":2}");
    EXPECT_OUTPUTS(a, "", "reset", "{\"type\":\"Flow\"}");
    expect_state(a, "{\"runs\":0}");
    runnel_actor_free(a);

    a = with_config("streamer", "{\"chunk_size\":10}");
    EXPECT_OUTPUTS(a,
                   "S progress={\"type\":\"Integer\",\"data\":100}\n"
                   "R sum={\"type\":\"Integer\",\"data\":6}\n"
                   "R count={\"type\":\"Integer\",\"data\":3}\n"
                   "R runs={\"type\":\"Integer\",\"data\":1}",
                   "data", "[1,2,3]");
    runnel_actor_free(a);
    config_refused("streamer", "{\"chunk_size\":0}", "config.chunk_size: must be at least 1");
}

/* An output callback that sends the actor another message: refused, and the first call goes on. */
typedef struct reenter {
    runnel_actor *actor;
    int calls;
    runnel_status status;
} reenter;

static void reenter_emit(void *user, const char *port, const runnel_msg *msg, runnel_emit_kind kind)
{
    (void)port, (void)msg, (void)kind;
    reenter *re = user;
    runnel_port_msg in = {.port = "reset", .msg = runnel_msg_flow()};
    re->status = runnel_actor_process(re->actor, &in, 1, NULL, NULL, NULL);
    re->calls++;
}

static void test_reentry_refused(void **state)
{
    (void)state;
    runnel_actor *a = load_actor(example("streamer"), NULL);
    reenter re = {a, 0, RUNNEL_OK};
    json_t *data = json_pack("[i,i,i]", 1, 2, 3);
    runnel_port_msg in = {.port = "data"};
    assert_int_equal(runnel_msg_json(&in.msg, RUNNEL_MSG_ARRAY, data), RUNNEL_OK);
    json_decref(data);
    assert_int_equal(runnel_actor_process(a, &in, 1, reenter_emit, &re, NULL), RUNNEL_OK);
    runnel_msg_clear(&in.msg);
    assert_int_equal(re.calls, 5); /* two progress messages, sum, count, runs */
    assert_int_equal(re.status, RUNNEL_BADARG);
    expect_state(a, "{\"runs\":1}");
    runnel_actor_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_my_actor), cmocka_unit_test(test_counter),         cmocka_unit_test(test_multiplier),
        cmocka_unit_test(test_streamer), cmocka_unit_test(test_reentry_refused), cmocka_unit_test(test_spawn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

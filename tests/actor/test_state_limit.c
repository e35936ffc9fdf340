/*
 * test_state_limit.c - an actor's state is bounded (runnel_actor_options.max_state_bytes).
 *
 * plugins/hoard.c writes as much state as it is asked to: many small keys, 1 MiB values, or a result
 * whose state is large. It also sends JSON that is small as text and large once parsed: every JSON text
 * a guest hands the host is costed before it is parsed and refused past the actor's memory limit. Past the limit the call fails with a message naming it, the state stays as it
 * was before the call, and the actor goes on working; a write that does not grow the state is allowed
 * even over the limit (the host may set a larger state itself).
 */
#include "actor_test_util.h"

#include "actor_impl.h" /* rn_actor_json_text_cost */

static const char *hoard(void)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/hoard.wasm", RUNNEL_ACTOR_TEST_PLUGINS_DIR);
    return buf;
}

/* What keys k0 .. k(n-1), each holding an integer, count. */
static uint64_t keys_bytes(int n)
{
    uint64_t b = 0;
    for (int i = 0; i < n; i++) {
        char k[32];
        b += RUNNEL_ACTOR_STATE_MEMBER_BYTES + (uint64_t)snprintf(k, sizeof k, "k%d", i) + RUNNEL_ACTOR_STATE_VALUE_BYTES;
    }
    return b;
}

static void test_many_small_keys(void **state)
{
    runnel_actor_options o = {.max_state_bytes = 100000};
    runnel_actor *a = hold_actor(state, load_actor(hoard(), &o));
    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "__set_state: the actor's state would exceed its limit of 100000 bytes",
                   "keys", "{\"type\":\"Integer\",\"data\":100000}");
    expect_state(a, "{}");
    assert_int_equal(runnel_actor_state_bytes(a), 0);
    /* within the limit: kept, and counted exactly */
    EXPECT_OUTPUTS(a, "R done={\"type\":\"Integer\",\"data\":100}", "keys", "{\"type\":\"Integer\",\"data\":100}");
    assert_int_equal(runnel_actor_state_bytes(a), keys_bytes(100));
    /* one key costs its bookkeeping too: a million empty keys are not free */
    json_t *one = json_pack("{s:i}", "k0", 1);
    assert_int_equal(runnel_actor_json_bytes(one), 48 + 96 + 2 + 48);
    json_decref(one);
}

static void test_large_values_default_limit(void **state)
{
    runnel_actor *a = hold_actor(state, load_actor(hoard(), NULL));
    char want[200];
    snprintf(want, sizeof want, "the actor's state would exceed its limit of %u bytes",
             RUNNEL_ACTOR_DEFAULT_MAX_STATE_BYTES);
    EXPECT_FAILURE(a, RUNNEL_BADARG, "", want, "big", "{\"type\":\"Integer\",\"data\":100}");
    expect_state(a, "{}");
    EXPECT_OUTPUTS(a, "R done={\"type\":\"Integer\",\"data\":2}", "big", "{\"type\":\"Integer\",\"data\":2}");
    assert_true(runnel_actor_state_bytes(a) > 2u << 20);
}

static void test_returned_state(void **state)
{
    runnel_actor_options o = {.max_state_bytes = 100000};
    runnel_actor *a = hold_actor(state, load_actor(hoard(), &o));
    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "returned a state of 200145 bytes, over the actor's state limit of 100000",
                   "returned", "{\"type\":\"Integer\",\"data\":200000}");
    expect_state(a, "{}");
    EXPECT_OUTPUTS(a, "R done={\"type\":\"Integer\",\"data\":1}", "returned", "{\"type\":\"Integer\",\"data\":10}");
    expect_state(a, "{\"r\":\"xxxxxxxxxx\"}");
    assert_int_equal(runnel_actor_state_bytes(a), 96 + 1 + 48 + 10);
}

static void test_over_the_limit_set_by_the_host(void **state)
{
    runnel_actor_options o = {.max_state_bytes = 1000};
    runnel_actor *a = hold_actor(state, load_actor(hoard(), &o));
    json_t *s = json_object();
    for (int i = 0; i < 100; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        json_object_set_new(s, k, json_integer(1));
    }
    runnel_report r = {0};
    assert_int_equal(runnel_actor_set_state(a, s, &r), RUNNEL_OK);
    json_decref(s);
    assert_int_equal(runnel_actor_state_bytes(a), keys_bytes(100));
    /* a write that does not grow it is allowed; one that does is not */
    EXPECT_OUTPUTS(a, "R done={\"type\":\"Integer\",\"data\":1}", "shrink", "{\"type\":\"Flow\"}");
    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "exceed its limit of 1000 bytes", "big", "{\"type\":\"Integer\",\"data\":1}");
    assert_int_equal(runnel_actor_state_bytes(a), keys_bytes(100));
}

static void test_unlimited(void **state)
{
    runnel_actor_options o = {.max_state_bytes = RUNNEL_ACTOR_UNLIMITED};
    runnel_actor *a = hold_actor(state, load_actor(hoard(), &o));
    EXPECT_OUTPUTS(a, "R done={\"type\":\"Integer\",\"data\":70}", "big", "{\"type\":\"Integer\",\"data\":70}");
    assert_true(runnel_actor_state_bytes(a) > RUNNEL_ACTOR_DEFAULT_MAX_STATE_BYTES);
}

static void test_json_costed_before_parsing(void **state)
{
    /* 4 MiB of "0," would take jansson about 80 MB: over the 64 MiB of a 1024-page actor */
    runnel_actor_options o = {.max_memory_pages = 1024};
    runnel_actor *a = hold_actor(state, load_actor(hoard(), &o));
    EXPECT_FAILURE(a, RUNNEL_BADARG, "", "__send_output: its JSON (4194314 bytes) would take about",
                   "wide", "{\"type\":\"Integer\",\"data\":2097152}");
    EXPECT_OUTPUTS(a, "S done={\"type\":\"Array\",\"data\":[0,0,0]}\nR done={\"type\":\"Integer\",\"data\":1}",
                   "wide", "{\"type\":\"Integer\",\"data\":3}");
    /* the estimate is never below what runnel_actor_json_bytes counts for the parsed value */
    static const char *const texts[] = {
        "[0,0,0]", "{\"a\":1,\"bb\":[true,null,\"x\\\"y\"]}", "\"caf\\u00e9\"", "[[],{},[[1.5e3]]]",
        "{\"k\":{\"k\":{\"k\":\"\"}}}", " [ 1 , -2 , 3 ] ",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        json_t *v = json_loads(texts[i], JSON_DECODE_ANY, NULL);
        assert_non_null(v);
        uint64_t est = rn_actor_json_text_cost((const uint8_t *)texts[i], strlen(texts[i]));
        if (est < runnel_actor_json_bytes(v))
            fail_msg("%s: estimated %llu, counted %llu", texts[i], (unsigned long long)est,
                     (unsigned long long)runnel_actor_json_bytes(v));
        json_decref(v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_many_small_keys, release_actor),
        cmocka_unit_test_teardown(test_large_values_default_limit, release_actor),
        cmocka_unit_test_teardown(test_returned_state, release_actor),
        cmocka_unit_test_teardown(test_over_the_limit_set_by_the_host, release_actor),
        cmocka_unit_test_teardown(test_unlimited, release_actor),
        cmocka_unit_test_teardown(test_json_costed_before_parsing, release_actor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

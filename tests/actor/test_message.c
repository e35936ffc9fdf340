/*
 * test_message.c - runnel_msg: the twelve types, their tagged and plain JSON forms, the edges.
 *
 * Every test states the exact wire text, because compatibility with Reflow is a matter of bytes:
 * {"type":"Integer","data":9223372036854775807} must leave and come back as that integer, not as
 * 9223372036854775808 via a double.
 */
#include "runnel/actor_json.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The compact tagged text of m (asserts it exists). */
static char *text_of(const runnel_msg *m)
{
    char *t = runnel_msg_to_text(m);
    assert_non_null(t);
    return t;
}

static void expect_text(const runnel_msg *m, const char *want)
{
    char *t = text_of(m);
    assert_string_equal(t, want);
    free(t);
}

/* Parses text as a tagged message; asserts success. */
static runnel_msg parse_ok(const char *text)
{
    runnel_msg m;
    runnel_report r = {0};
    runnel_status st = runnel_msg_parse(&m, text, strlen(text), &r);
    if (st != RUNNEL_OK)
        fail_msg("parse of %s failed: %s", text, r.message);
    runnel_report_clear(&r);
    return m;
}

/* Parses text; asserts failure with a message containing want. */
static void parse_fails(const char *text, const char *want)
{
    runnel_msg m;
    runnel_report r = {0};
    runnel_status st = runnel_msg_parse(&m, text, strlen(text), &r);
    if (st == RUNNEL_OK)
        fail_msg("parse of %s succeeded", text);
    assert_int_equal(st, RUNNEL_BADARG);
    assert_non_null(r.message);
    if (!strstr(r.message, want))
        fail_msg("message \"%s\" does not contain \"%s\"", r.message, want);
    assert_int_equal(m.type, RUNNEL_MSG_FLOW); /* nothing half-made is left behind */
    runnel_report_clear(&r);
}

/* text -> message -> text gives the same text, and the message survives a copy. */
static void round_trip(const char *text, runnel_msg_type type)
{
    runnel_msg m = parse_ok(text);
    assert_int_equal(m.type, type);
    expect_text(&m, text);
    runnel_msg c;
    assert_int_equal(runnel_msg_copy(&c, &m), RUNNEL_OK);
    assert_true(runnel_msg_equal(&m, &c));
    runnel_msg_clear(&m);
    expect_text(&c, text); /* the copy owns its data */
    runnel_msg_clear(&c);
}

static void test_type_names(void **state)
{
    (void)state;
    static const char *names[] = {"Flow",   "Event", "Boolean", "Integer",  "Float", "String",
                                  "Object", "Array", "Stream",  "Optional", "Any",   "Error"};
    for (int i = 0; i < RUNNEL_MSG_TYPE_COUNT; i++) {
        assert_string_equal(runnel_msg_type_name((runnel_msg_type)i), names[i]);
        runnel_msg_type t;
        assert_true(runnel_msg_type_from_name(names[i], &t));
        assert_int_equal(t, i);
    }
    assert_false(runnel_msg_type_from_name("integer", NULL)); /* names are exact */
    assert_false(runnel_msg_type_from_name("", NULL));
    assert_string_equal(runnel_msg_type_name((runnel_msg_type)99), "?");
}

static void test_every_type_round_trips(void **state)
{
    (void)state;
    round_trip("{\"type\":\"Flow\",\"data\":null}", RUNNEL_MSG_FLOW);
    round_trip("{\"type\":\"Event\",\"data\":{\"kind\":\"click\",\"at\":[1,2]}}", RUNNEL_MSG_EVENT);
    round_trip("{\"type\":\"Event\",\"data\":null}", RUNNEL_MSG_EVENT);
    round_trip("{\"type\":\"Boolean\",\"data\":true}", RUNNEL_MSG_BOOLEAN);
    round_trip("{\"type\":\"Boolean\",\"data\":false}", RUNNEL_MSG_BOOLEAN);
    round_trip("{\"type\":\"Integer\",\"data\":42}", RUNNEL_MSG_INTEGER);
    round_trip("{\"type\":\"Float\",\"data\":2.5}", RUNNEL_MSG_FLOAT);
    round_trip("{\"type\":\"String\",\"data\":\"h\xc3\xa9llo \\\"w\\\" \\n\"}", RUNNEL_MSG_STRING);
    round_trip("{\"type\":\"Object\",\"data\":{\"a\":1,\"b\":[true,null]}}", RUNNEL_MSG_OBJECT);
    round_trip("{\"type\":\"Array\",\"data\":[1,\"two\",3.5,{}]}", RUNNEL_MSG_ARRAY);
    round_trip("{\"type\":\"Stream\",\"data\":[0,1,127,128,255]}", RUNNEL_MSG_STREAM);
    round_trip("{\"type\":\"Optional\",\"data\":null}", RUNNEL_MSG_OPTIONAL);
    round_trip("{\"type\":\"Optional\",\"data\":{\"x\":1}}", RUNNEL_MSG_OPTIONAL);
    round_trip("{\"type\":\"Any\",\"data\":[1,{\"deep\":{\"er\":null}}]}", RUNNEL_MSG_ANY);
    round_trip("{\"type\":\"Any\",\"data\":\"text\"}", RUNNEL_MSG_ANY);
    round_trip("{\"type\":\"Error\",\"data\":\"it broke\"}", RUNNEL_MSG_ERROR);
}

static void test_integer_limits_are_exact(void **state)
{
    (void)state;
    runnel_msg m = runnel_msg_integer(INT64_MAX);
    expect_text(&m, "{\"type\":\"Integer\",\"data\":9223372036854775807}");
    m = runnel_msg_integer(INT64_MIN);
    expect_text(&m, "{\"type\":\"Integer\",\"data\":-9223372036854775808}");

    m = parse_ok("{\"type\":\"Integer\",\"data\":9223372036854775807}");
    assert_true(m.as.integer == INT64_MAX);
    m = parse_ok("{\"type\":\"Integer\",\"data\":-9223372036854775808}");
    assert_true(m.as.integer == INT64_MIN);
    /* 2^53 + 1 is where a double would first lose a unit */
    m = parse_ok("{\"type\":\"Integer\",\"data\":9007199254740993}");
    assert_true(m.as.integer == 9007199254740993LL);
    m = parse_ok("{\"type\":\"Integer\",\"data\":-9007199254740993}");
    assert_true(m.as.integer == -9007199254740993LL);

    /* beyond 64 bits: refused, never wrapped or rounded */
    parse_fails("{\"type\":\"Integer\",\"data\":9223372036854775808}", "not JSON");
    parse_fails("{\"type\":\"Integer\",\"data\":-9223372036854775809}", "not JSON");
}

static void test_integer_from_floats(void **state)
{
    (void)state;
    runnel_msg m = parse_ok("{\"type\":\"Integer\",\"data\":1e3}");
    assert_int_equal(m.type, RUNNEL_MSG_INTEGER);
    assert_true(m.as.integer == 1000);
    m = parse_ok("{\"type\":\"Integer\",\"data\":-4.0}");
    assert_true(m.as.integer == -4);
    m = parse_ok("{\"type\":\"Integer\",\"data\":-9223372036854775808.0}");
    assert_true(m.as.integer == INT64_MIN);
    parse_fails("{\"type\":\"Integer\",\"data\":1.5}", "is not an integer in the signed 64-bit range");
    parse_fails("{\"type\":\"Integer\",\"data\":9223372036854775808.0}", "signed 64-bit range");
    parse_fails("{\"type\":\"Integer\",\"data\":1e300}", "signed 64-bit range");
    parse_fails("{\"type\":\"Integer\",\"data\":\"42\"}", "Integer message: data must be an integer, not a string");
    parse_fails("{\"type\":\"Integer\"}", "Integer message: data must be an integer, not missing");
}

static void test_flow_without_data(void **state)
{
    (void)state;
    /* the Rust SDK's Flow, and serde's unit with null */
    runnel_msg m = parse_ok("{\"type\":\"Flow\"}");
    assert_int_equal(m.type, RUNNEL_MSG_FLOW);
    expect_text(&m, "{\"type\":\"Flow\",\"data\":null}");
    m = parse_ok("{\"type\":\"Flow\",\"data\":null}");
    assert_int_equal(m.type, RUNNEL_MSG_FLOW);
    parse_fails("{\"type\":\"Flow\",\"data\":1}", "Flow message: data must be null or absent");
}

static void test_optional(void **state)
{
    (void)state;
    runnel_msg m = parse_ok("{\"type\":\"Optional\"}");
    assert_int_equal(m.type, RUNNEL_MSG_OPTIONAL);
    assert_null(m.as.json);
    expect_text(&m, "{\"type\":\"Optional\",\"data\":null}");
    json_t *v = json_integer(5);
    assert_int_equal(runnel_msg_json(&m, RUNNEL_MSG_OPTIONAL, v), RUNNEL_OK);
    json_decref(v); /* the message holds its own reference */
    expect_text(&m, "{\"type\":\"Optional\",\"data\":5}");
    runnel_msg_clear(&m);
    assert_int_equal(runnel_msg_json(&m, RUNNEL_MSG_OPTIONAL, json_null()), RUNNEL_OK);
    assert_null(m.as.json); /* Some(null) and None are one thing */
    assert_int_equal(runnel_msg_json(&m, RUNNEL_MSG_OPTIONAL, NULL), RUNNEL_OK);
    assert_null(m.as.json);
}

static void test_stream_bytes(void **state)
{
    (void)state;
    const uint8_t bytes[] = {0, 1, 0x7f, 0x80, 0xff};
    runnel_msg m;
    assert_int_equal(runnel_msg_stream(&m, bytes, sizeof bytes), RUNNEL_OK);
    expect_text(&m, "{\"type\":\"Stream\",\"data\":[0,1,127,128,255]}");
    runnel_msg p = parse_ok("{\"type\":\"Stream\",\"data\":[0,1,127,128,255]}");
    assert_int_equal(p.as.bytes.len, sizeof bytes);
    assert_memory_equal(p.as.bytes.ptr, bytes, sizeof bytes);
    assert_true(runnel_msg_equal(&m, &p));
    runnel_msg_clear(&m);
    runnel_msg_clear(&p);
    p = parse_ok("{\"type\":\"Stream\",\"data\":[]}");
    assert_int_equal(p.as.bytes.len, 0);
    expect_text(&p, "{\"type\":\"Stream\",\"data\":[]}");
    runnel_msg_clear(&p);
    parse_fails("{\"type\":\"Stream\",\"data\":[1,256]}", "Stream message: data[1] must be a byte value 0..255");
    parse_fails("{\"type\":\"Stream\",\"data\":[-1]}", "data[0] must be a byte value");
    parse_fails("{\"type\":\"Stream\",\"data\":[1.5]}", "data[0] must be a byte value");
    parse_fails("{\"type\":\"Stream\",\"data\":\"AAEC\"}", "data must be an array of byte values");
}

static void test_float_edges(void **state)
{
    (void)state;
    runnel_msg m = runnel_msg_float(NAN);
    expect_text(&m, "{\"type\":\"Float\",\"data\":null}"); /* as serde_json writes it */
    m = parse_ok("{\"type\":\"Float\",\"data\":null}");
    assert_true(isnan(m.as.number));
    m = runnel_msg_float(INFINITY);
    expect_text(&m, "{\"type\":\"Float\",\"data\":null}");
    m = parse_ok("{\"type\":\"Float\",\"data\":3}"); /* an integer is a number too */
    assert_int_equal(m.type, RUNNEL_MSG_FLOAT);
    assert_true(m.as.number == 3.0);
    m = parse_ok("{\"type\":\"Float\",\"data\":-0.1}");
    assert_true(m.as.number == -0.1);
    m = runnel_msg_float(0.1);
    char *t = text_of(&m);
    runnel_msg back = parse_ok(t);
    free(t);
    assert_true(back.as.number == 0.1); /* exact round trip of the bits */
    m = runnel_msg_float(1.0 / 3.0);
    t = text_of(&m);
    back = parse_ok(t);
    free(t);
    assert_true(back.as.number == 1.0 / 3.0);
    parse_fails("{\"type\":\"Float\",\"data\":\"1\"}", "Float message: data must be a number, not a string");
}

static void test_strings(void **state)
{
    (void)state;
    /* an embedded NUL survives */
    runnel_msg m = parse_ok("{\"type\":\"String\",\"data\":\"a\\u0000b\"}");
    assert_int_equal(m.as.str.len, 3);
    assert_memory_equal(m.as.str.ptr, "a\0b", 3);
    assert_int_equal(m.as.str.ptr[3], '\0');
    expect_text(&m, "{\"type\":\"String\",\"data\":\"a\\u0000b\"}");
    runnel_msg_clear(&m);
    /* invalid UTF-8 cannot be written as JSON */
    assert_int_equal(runnel_msg_text(&m, RUNNEL_MSG_STRING, "\xff\xfe", 2), RUNNEL_OK);
    assert_null(runnel_msg_to_json(&m));
    assert_null(runnel_msg_to_text(&m));
    runnel_msg_clear(&m);
    /* Error is a string too */
    assert_int_equal(runnel_msg_error(&m, "bad thing"), RUNNEL_OK);
    expect_text(&m, "{\"type\":\"Error\",\"data\":\"bad thing\"}");
    runnel_msg_clear(&m);
    parse_fails("{\"type\":\"Error\",\"data\":{\"msg\":1}}", "Error message: data must be a string, not an object");
    assert_int_equal(runnel_msg_text(&m, RUNNEL_MSG_INTEGER, "x", 1), RUNNEL_BADARG);
}

static void test_json_types_are_checked(void **state)
{
    (void)state;
    runnel_msg m;
    json_t *arr = json_array(), *obj = json_object();
    assert_int_equal(runnel_msg_json(&m, RUNNEL_MSG_OBJECT, arr), RUNNEL_BADARG);
    assert_int_equal(runnel_msg_json(&m, RUNNEL_MSG_ARRAY, obj), RUNNEL_BADARG);
    assert_int_equal(runnel_msg_json(&m, RUNNEL_MSG_EVENT, NULL), RUNNEL_BADARG);
    assert_int_equal(runnel_msg_json(&m, RUNNEL_MSG_INTEGER, obj), RUNNEL_BADARG);
    assert_int_equal(runnel_msg_json(&m, RUNNEL_MSG_ARRAY, arr), RUNNEL_OK);
    runnel_msg_clear(&m);
    json_decref(arr);
    json_decref(obj);
    parse_fails("{\"type\":\"Object\",\"data\":[1]}", "Object message: data must be an object, not an array");
    parse_fails("{\"type\":\"Array\",\"data\":{}}", "Array message: data must be an array, not an object");
    parse_fails("{\"type\":\"Any\"}", "Any message: data must be a JSON value, not missing");
    parse_fails("{\"type\":\"Boolean\",\"data\":1}", "Boolean message: data must be true or false");
}

static void test_bad_tags(void **state)
{
    (void)state;
    json_t *v = json_loads("{\"type\":\"Bogus\",\"data\":1}", 0, NULL);
    runnel_msg m;
    runnel_report r = {0};
    assert_int_equal(runnel_msg_from_json(&m, v, &r), RUNNEL_BADARG);
    assert_non_null(strstr(r.message, "unknown message type \"Bogus\""));
    runnel_report_clear(&r);
    json_decref(v);
    v = json_loads("{\"data\":1}", 0, NULL);
    assert_int_equal(runnel_msg_from_json(&m, v, &r), RUNNEL_BADARG);
    assert_non_null(strstr(r.message, "needs a \"type\""));
    runnel_report_clear(&r);
    json_decref(v);
    v = json_loads("{\"type\":7}", 0, NULL);
    assert_int_equal(runnel_msg_from_json(&m, v, &r), RUNNEL_BADARG);
    assert_non_null(strstr(r.message, "must be a string, not an integer"));
    runnel_report_clear(&r);
    json_decref(v);
    v = json_integer(3);
    assert_int_equal(runnel_msg_from_json(&m, v, &r), RUNNEL_BADARG);
    assert_non_null(strstr(r.message, "must be an object"));
    runnel_report_clear(&r);
    json_decref(v);
    assert_int_equal(runnel_msg_from_json(&m, NULL, NULL), RUNNEL_BADARG); /* no report: still a status */
}

static void plain(const char *text, runnel_msg_type want, const char *tagged)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    assert_non_null(v);
    runnel_msg m;
    assert_int_equal(runnel_msg_from_plain(&m, v, NULL), RUNNEL_OK);
    json_decref(v);
    assert_int_equal(m.type, want);
    expect_text(&m, tagged);
    runnel_msg_clear(&m);
}

static void test_plain_values_typed_by_shape(void **state)
{
    (void)state;
    plain("null", RUNNEL_MSG_OPTIONAL, "{\"type\":\"Optional\",\"data\":null}");
    plain("true", RUNNEL_MSG_BOOLEAN, "{\"type\":\"Boolean\",\"data\":true}");
    plain("-9223372036854775808", RUNNEL_MSG_INTEGER, "{\"type\":\"Integer\",\"data\":-9223372036854775808}");
    plain("2.0", RUNNEL_MSG_FLOAT, "{\"type\":\"Float\",\"data\":2.0}");
    plain("\"hi\"", RUNNEL_MSG_STRING, "{\"type\":\"String\",\"data\":\"hi\"}");
    plain("[1,2]", RUNNEL_MSG_ARRAY, "{\"type\":\"Array\",\"data\":[1,2]}");
    plain("{\"status\":\"ok\"}", RUNNEL_MSG_OBJECT, "{\"type\":\"Object\",\"data\":{\"status\":\"ok\"}}");
}

static void test_values_tagged_or_plain(void **state)
{
    (void)state;
    runnel_msg m = parse_ok("{\"type\":\"Integer\",\"data\":5}");
    assert_int_equal(m.type, RUNNEL_MSG_INTEGER);
    m = parse_ok("{\"type\":\"Flow\"}");
    assert_int_equal(m.type, RUNNEL_MSG_FLOW);
    /* more keys than a message has: a plain object */
    m = parse_ok("{\"type\":\"Integer\",\"data\":5,\"extra\":1}");
    assert_int_equal(m.type, RUNNEL_MSG_OBJECT);
    runnel_msg_clear(&m);
    /* a "type" that is no message type: a plain object */
    m = parse_ok("{\"type\":\"click\"}");
    assert_int_equal(m.type, RUNNEL_MSG_OBJECT);
    runnel_msg_clear(&m);
    m = parse_ok("7");
    assert_int_equal(m.type, RUNNEL_MSG_INTEGER);
    m = parse_ok("\"seven\"");
    assert_int_equal(m.type, RUNNEL_MSG_STRING);
    runnel_msg_clear(&m);
    parse_fails("{\"type\":\"Integer\",\"data\":\"x\"}", "Integer message");
    parse_fails("{nope", "not JSON");
    parse_fails("", "not JSON");
}

static void test_copy_is_deep(void **state)
{
    (void)state;
    runnel_msg m = parse_ok("{\"type\":\"Object\",\"data\":{\"a\":[1]}}");
    runnel_msg c;
    assert_int_equal(runnel_msg_copy(&c, &m), RUNNEL_OK);
    json_array_append_new(json_object_get(m.as.json, "a"), json_integer(2));
    assert_false(runnel_msg_equal(&m, &c));
    expect_text(&c, "{\"type\":\"Object\",\"data\":{\"a\":[1]}}");
    runnel_msg_clear(&m);
    runnel_msg_clear(&c);
    runnel_msg a = runnel_msg_integer(1), b = runnel_msg_float(1.0);
    assert_false(runnel_msg_equal(&a, &b)); /* types differ */
    runnel_msg zero = {0};
    assert_int_equal(zero.type, RUNNEL_MSG_FLOW);
    runnel_msg_clear(&zero); /* a zeroed message is a valid Flow */
}

static void test_data_json(void **state)
{
    (void)state;
    runnel_msg m = runnel_msg_integer(-3);
    json_t *d = runnel_msg_data_json(&m);
    assert_true(json_is_integer(d) && json_integer_value(d) == -3);
    json_decref(d);
    m = runnel_msg_flow();
    d = runnel_msg_data_json(&m);
    assert_true(json_is_null(d));
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_every_type_round_trips),
        cmocka_unit_test(test_integer_limits_are_exact),
        cmocka_unit_test(test_integer_from_floats),
        cmocka_unit_test(test_flow_without_data),
        cmocka_unit_test(test_optional),
        cmocka_unit_test(test_stream_bytes),
        cmocka_unit_test(test_float_edges),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_json_types_are_checked),
        cmocka_unit_test(test_bad_tags),
        cmocka_unit_test(test_plain_values_typed_by_shape),
        cmocka_unit_test(test_values_tagged_or_plain),
        cmocka_unit_test(test_copy_is_deep),
        cmocka_unit_test(test_data_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

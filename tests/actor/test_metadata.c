/*
 * test_metadata.c - PluginMetadata parsing and the JSON Schema subset used for actor config.
 *
 * The messages are part of what is tested: a user who mistypes a config key must be told which key
 * and why, so each failure checks the place ("config.factor") and the reason.
 */
#include "runnel/actor_json.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
    if (!v)
        fail_msg("bad test JSON %s: %s", text, e.text);
    return v;
}

static runnel_actor_metadata *meta_ok(const char *text)
{
    json_t *doc = J(text);
    runnel_report r = {0};
    runnel_actor_metadata *m = runnel_actor_metadata_parse(doc, &r);
    json_decref(doc);
    if (!m)
        fail_msg("metadata refused: %s", r.message);
    return m;
}

static void meta_fails(const char *text, const char *want)
{
    json_t *doc = J(text);
    runnel_report r = {0};
    runnel_actor_metadata *m = runnel_actor_metadata_parse(doc, &r);
    json_decref(doc);
    if (m)
        fail_msg("metadata accepted: %s", text);
    assert_int_equal(r.status, RUNNEL_BADARG);
    if (!strstr(r.message, want))
        fail_msg("\"%s\" does not contain \"%s\"", r.message, want);
    runnel_report_clear(&r);
}

static void test_metadata_full(void **state)
{
    (void)state;
    runnel_actor_metadata *m = meta_ok(
        "{\"component\":\"MultiplyActor\",\"description\":\"Multiplies\","
        "\"inports\":[{\"name\":\"value\",\"description\":\"Number\",\"port_type\":\"Integer\",\"required\":true}],"
        "\"outports\":[{\"name\":\"result\",\"description\":\"Product\",\"port_type\":\"Integer\",\"required\":false},"
        "{\"name\":\"log\",\"port_type\":\"String\"}],"
        "\"config_schema\":{\"type\":\"object\",\"properties\":{\"factor\":{\"type\":\"number\",\"default\":2}}}}");
    assert_string_equal(m->component, "MultiplyActor");
    assert_string_equal(m->description, "Multiplies");
    assert_int_equal(m->ninports, 1);
    assert_string_equal(m->inports[0].name, "value");
    assert_string_equal(m->inports[0].port_type, "Integer");
    assert_true(m->inports[0].required);
    assert_int_equal(m->noutports, 2);
    assert_false(m->outports[0].required);
    assert_string_equal(m->outports[1].description, "");
    assert_non_null(m->config_schema);
    assert_ptr_equal(runnel_actor_metadata_outport(m, "log"), &m->outports[1]);
    assert_null(runnel_actor_metadata_outport(m, "value"));
    assert_ptr_equal(runnel_actor_metadata_inport(m, "value"), &m->inports[0]);
    assert_null(runnel_actor_metadata_inport(m, "nope"));
    runnel_actor_metadata_free(m);
}

static void test_metadata_lenient_parts(void **state)
{
    (void)state;
    /* no description, no ports, a null schema, a port without a type: all fine */
    runnel_actor_metadata *m = meta_ok("{\"component\":\"Source\",\"inports\":null,\"config_schema\":null,"
                                       "\"outports\":[{\"name\":\"out\"}]}");
    assert_string_equal(m->description, "");
    assert_int_equal(m->ninports, 0);
    assert_null(m->config_schema);
    assert_string_equal(m->outports[0].port_type, "Any");
    runnel_actor_metadata_free(m);
}

static void test_metadata_refusals(void **state)
{
    (void)state;
    meta_fails("[]", "must be a JSON object");
    meta_fails("{\"description\":\"x\"}", "\"component\" must be a non-empty string");
    meta_fails("{\"component\":\"\"}", "non-empty string");
    meta_fails("{\"component\":\"A\",\"inports\":{}}", "\"inports\" must be an array");
    meta_fails("{\"component\":\"A\",\"inports\":[3]}", "inports[0] must be an object");
    meta_fails("{\"component\":\"A\",\"outports\":[{\"port_type\":\"Integer\"}]}", "outports[0] has no \"name\"");
    meta_fails("{\"component\":\"A\",\"outports\":[{\"name\":\"x\",\"port_type\":\"Number\"}]}",
               "port \"x\" (outports) has port_type Number, which is not a message type");
    meta_fails("{\"component\":\"A\",\"outports\":[{\"name\":\"x\",\"port_type\":3}]}", "of the wrong kind");
    meta_fails("{\"component\":\"A\",\"inports\":[{\"name\":\"x\"},{\"name\":\"x\"}]}",
               "port \"x\" is declared twice in inports");
    meta_fails("{\"component\":\"A\",\"config_schema\":\"object\"}", "must be a JSON Schema");
}

/* schema check helpers */
static void schema_ok(const char *schema, const char *value)
{
    json_t *s = J(schema), *v = J(value);
    runnel_report r = {0};
    if (runnel_json_schema_check(s, v, "config", &r) != RUNNEL_OK)
        fail_msg("%s refused by %s: %s", value, schema, r.message);
    json_decref(s);
    json_decref(v);
}

static void schema_fails(const char *schema, const char *value, const char *want)
{
    json_t *s = J(schema), *v = J(value);
    runnel_report r = {0};
    if (runnel_json_schema_check(s, v, "config", &r) == RUNNEL_OK)
        fail_msg("%s accepted by %s", value, schema);
    assert_int_equal(r.status, RUNNEL_BADARG);
    if (!strstr(r.message, want))
        fail_msg("\"%s\" does not contain \"%s\"", r.message, want);
    runnel_report_clear(&r);
    json_decref(s);
    json_decref(v);
}

static void test_schema_types(void **state)
{
    (void)state;
    const char *s = "{\"type\":\"object\",\"properties\":{\"factor\":{\"type\":\"number\"},"
                    "\"n\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\"},\"on\":{\"type\":\"boolean\"},"
                    "\"list\":{\"type\":\"array\"},\"nothing\":{\"type\":\"null\"},\"either\":{\"type\":[\"string\","
                    "\"integer\"]}}}";
    schema_ok(s, "{}");
    schema_ok(s, "{\"factor\":2,\"n\":3,\"name\":\"x\",\"on\":false,\"list\":[],\"nothing\":null,\"either\":1}");
    schema_ok(s, "{\"factor\":2.5,\"n\":3.0,\"either\":\"a\"}"); /* 3.0 is an integer in JSON Schema */
    schema_ok(s, "{\"other\":\"anything\"}");                    /* extra keys are allowed by default */
    schema_fails(s, "{\"factor\":\"3\"}", "config.factor: expected a number, got a string");
    schema_fails(s, "{\"n\":3.5}", "config.n: expected an integer, got a number");
    schema_fails(s, "{\"on\":1}", "config.on: expected a boolean, got a number");
    schema_fails(s, "{\"either\":true}", "config.either: a boolean is none of the allowed types");
    schema_fails(s, "[]", "config: expected an object, got an array");
}

static void test_schema_objects(void **state)
{
    (void)state;
    const char *s = "{\"type\":\"object\",\"required\":[\"url\"],\"additionalProperties\":false,"
                    "\"properties\":{\"url\":{\"type\":\"string\",\"minLength\":3},"
                    "\"retry\":{\"type\":\"object\",\"properties\":{\"times\":{\"type\":\"integer\",\"minimum\":0,"
                    "\"maximum\":10}}}}}";
    schema_ok(s, "{\"url\":\"http://x\",\"retry\":{\"times\":10}}");
    schema_fails(s, "{}", "config: the required property \"url\" is missing");
    schema_fails(s, "{\"url\":\"abc\",\"urll\":1}", "config: unknown property \"urll\"");
    schema_fails(s, "{\"url\":\"ab\"}", "config.url: must have at least 3 characters");
    schema_fails(s, "{\"url\":\"abc\",\"retry\":{\"times\":11}}", "config.retry.times: must be at most 10");
    schema_fails(s, "{\"url\":\"abc\",\"retry\":{\"times\":-1}}", "config.retry.times: must be at least 0");
    /* additionalProperties as a schema */
    schema_fails("{\"additionalProperties\":{\"type\":\"integer\"}}", "{\"a\":1,\"b\":\"x\"}",
                 "config.b: expected an integer");
}

static void test_schema_arrays_and_values(void **state)
{
    (void)state;
    const char *s = "{\"properties\":{\"list\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":3,"
                    "\"items\":{\"type\":\"object\",\"properties\":{\"k\":{\"enum\":[\"a\",\"b\",1]}}}},"
                    "\"mode\":{\"const\":\"fast\"},\"ratio\":{\"exclusiveMinimum\":0,\"exclusiveMaximum\":1}}}";
    schema_ok(s, "{\"list\":[{\"k\":\"a\"},{\"k\":1.0}],\"mode\":\"fast\",\"ratio\":0.5}");
    schema_fails(s, "{\"list\":[]}", "config.list: must have at least 1 items");
    schema_fails(s, "{\"list\":[{},{},{},{}]}", "config.list: must have at most 3 items");
    schema_fails(s, "{\"list\":[{\"k\":\"a\"},{\"k\":\"c\"}]}", "config.list[1].k: must be one of [\"a\",\"b\",1]");
    schema_fails(s, "{\"mode\":\"slow\"}", "config.mode: must be \"fast\"");
    schema_fails(s, "{\"ratio\":0}", "config.ratio: must be greater than 0");
    schema_fails(s, "{\"ratio\":1}", "config.ratio: must be less than 1");
}

static void test_schema_big_integers_exact(void **state)
{
    (void)state;
    /* 2^63-1 and 2^63-2 are the same double; an exact comparison tells them apart */
    schema_fails("{\"maximum\":9223372036854775806}", "9223372036854775807", "must be at most 9223372036854775806");
    schema_ok("{\"maximum\":9223372036854775807}", "9223372036854775807");
    schema_fails("{\"enum\":[9223372036854775806]}", "9223372036854775807", "must be one of");
}

static void test_schema_combinators(void **state)
{
    (void)state;
    const char *any = "{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\",\"minimum\":10}]}";
    schema_ok(any, "\"x\"");
    schema_ok(any, "12");
    schema_fails(any, "5", "matches none of the alternatives (anyOf)");
    const char *one = "{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"number\"}]}";
    schema_ok(one, "1.5");
    schema_fails(one, "1", "must match exactly one alternative (oneOf), matches several");
    schema_fails("{\"allOf\":[{\"minimum\":1},{\"maximum\":3}]}", "4", "must be at most 3");
    schema_fails("{\"not\":{\"type\":\"null\"}}", "null", "(not)");
    schema_fails("{\"properties\":{\"a\":false}}", "{\"a\":1}", "config.a: no value is allowed here");
    schema_ok("{\"properties\":{\"a\":true}}", "{\"a\":1}");
    schema_ok("{\"pattern\":\"^x\",\"format\":\"uri\"}", "\"anything\""); /* unsupported keywords check nothing */
}

static void test_schema_depth_is_bounded(void **state)
{
    (void)state;
    /* 200 nested schemas and values: refused with a message, not a crash */
    char schema[200 * 24 + 16] = "", value[200 * 8 + 16] = "";
    for (int i = 0; i < 200; i++) {
        strcat(schema, "{\"properties\":{\"a\":");
        strcat(value, "{\"a\":");
    }
    strcat(schema, "{}");
    strcat(value, "1");
    for (int i = 0; i < 200; i++) {
        strcat(schema, "}}");
        strcat(value, "}");
    }
    schema_fails(schema, value, "config schema check exceeded 64 levels of nesting at config.a.a.a");
}

/* A schema and a value built by the caller (no JSON text): refused with a message containing want. */
static void schema_fails_json(json_t *s, json_t *v, const char *want)
{
    runnel_report r = {0};
    if (runnel_json_schema_check(s, v, "config", &r) == RUNNEL_OK)
        fail_msg("accepted, expected \"%s\"", want);
    assert_int_equal(r.status, RUNNEL_BADARG);
    if (!strstr(r.message, want))
        fail_msg("\"%s\" does not contain \"%s\"", r.message, want);
    runnel_report_clear(&r);
    json_decref(s);
    json_decref(v);
}

/* n integers, all 0 */
static json_t *zeros(size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer(0));
    return a;
}

/* A combinator (anyOf, oneOf, allOf) of n alternatives, each walking a whole array of integers before it
   fails (allOf [false] comes after items): n times the array's length in work. */
static json_t *costly_alternatives(const char *combinator, size_t n)
{
    json_t *alts = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(alts, json_pack("{s:{s:s},s:[b]}", "items", "type", "integer", "allOf", 0));
    return json_pack("{s:o}", combinator, alts);
}

static void test_schema_work_is_bounded(void **state)
{
    (void)state;
    char want[128];
    /* the reported case: anyOf of 20,001 alternatives against 60,000 elements (minutes of CPU before) */
    snprintf(want, sizeof want, "config schema check: anyOf at config has 20001 alternatives, more than %d",
             RUNNEL_SCHEMA_MAX_ALTERNATIVES);
    schema_fails_json(costly_alternatives("anyOf", 20001), zeros(60000), want);
    schema_fails_json(costly_alternatives("oneOf", RUNNEL_SCHEMA_MAX_ALTERNATIVES + 1), zeros(1), "oneOf at config has 1001 alternatives");
    /* within the number of alternatives, the step budget stops the product of the two */
    snprintf(want, sizeof want, "config schema check exceeded %d steps", RUNNEL_SCHEMA_MAX_STEPS);
    schema_fails_json(costly_alternatives("anyOf", RUNNEL_SCHEMA_MAX_ALTERNATIVES), zeros(60000), want);
    schema_fails_json(costly_alternatives("oneOf", 100), zeros(60000), want);
    /* a bound hit under "not" is the bound's error, not a failed match that "not" turns into a pass */
    schema_fails_json(json_pack("{s:o}", "not", costly_alternatives("anyOf", 100)), zeros(60000), want);
    /* enum compares whole values: a long list of big constants costs steps too */
    json_t *consts = json_array();
    for (int i = 0; i < 100; i++) {
        json_t *c = zeros(60000);
        json_array_append_new(c, json_integer(i + 1));
        json_array_append_new(consts, c);
    }
    schema_fails_json(json_pack("{s:o}", "enum", consts), zeros(60001), want);
    /* normal work under the budget still passes: 60,000 items checked once */
    json_t *s = json_pack("{s:s,s:{s:s,s:i}}", "type", "array", "items", "type", "integer", "minimum", 0);
    json_t *v = zeros(60000);
    runnel_report r = {0};
    if (runnel_json_schema_check(s, v, "config", &r) != RUNNEL_OK)
        fail_msg("a plain array refused: %s", r.message);
    json_decref(s);
    json_decref(v);
}

static void test_schema_depth_under_not(void **state)
{
    (void)state;
    /* "not" around a schema nested past the depth bound: the bound's error, not a pass */
    json_t *deep = json_object(), *in = deep;
    for (int i = 0; i < 100; i++) {
        json_t *next = json_object();
        json_object_set_new(in, "not", next);
        in = next;
    }
    schema_fails_json(json_pack("{s:o}", "not", deep), json_integer(1), "levels of nesting");
}

static void test_schema_defaults(void **state)
{
    (void)state;
    json_t *s = J("{\"properties\":{\"factor\":{\"type\":\"number\",\"default\":2},\"round\":{\"default\":false},"
                  "\"name\":{\"type\":\"string\"}}}");
    json_t *v = J("{\"factor\":3}");
    json_t *d = runnel_json_schema_defaults(s, v);
    char *t = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(t, "{\"factor\":3,\"round\":false}");
    free(t);
    json_decref(d);
    d = runnel_json_schema_defaults(s, NULL);
    t = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(t, "{\"factor\":2,\"round\":false}");
    free(t);
    json_decref(d);
    /* the input is not changed */
    t = json_dumps(v, JSON_COMPACT);
    assert_string_equal(t, "{\"factor\":3}");
    free(t);
    json_decref(v);
    json_decref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metadata_full),
        cmocka_unit_test(test_metadata_lenient_parts),
        cmocka_unit_test(test_metadata_refusals),
        cmocka_unit_test(test_schema_types),
        cmocka_unit_test(test_schema_objects),
        cmocka_unit_test(test_schema_arrays_and_values),
        cmocka_unit_test(test_schema_big_integers_exact),
        cmocka_unit_test(test_schema_combinators),
        cmocka_unit_test(test_schema_depth_is_bounded),
        cmocka_unit_test(test_schema_work_is_bounded),
        cmocka_unit_test(test_schema_depth_under_not),
        cmocka_unit_test(test_schema_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

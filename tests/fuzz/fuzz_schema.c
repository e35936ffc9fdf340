/*
 * fuzz_schema.c - config schemas and the configs checked against them (src/actor/schema.c) under
 * libFuzzer. A schema comes from a plugin's get_metadata and a config from a graph or `--config`, so
 * both are untrusted.
 *
 * An input is SCHEMA '\n' CONFIG (split at the first newline; both JSON). What is checked beyond "no
 * crash, no sanitizer report, no leak, no hang" (libFuzzer's -timeout catches the last):
 *   - the check's verdict does not depend on whether a report is wanted (the combinators check
 *     without one), and a mismatch comes with a message that starts at the value's place ("config");
 *   - filling in defaults keeps every key the config had, with its value, gives each property with a
 *     default that the config lacked that default, and is idempotent;
 *   - the actor's order (defaults first, then the check, as runnel_actor_new does) completes too.
 * Seeds: tests/fuzz/schema-seeds/ (the schemas and configs of tests/actor's test_metadata.c and the
 * examples' config_schema).
 */
#include "fuzz_common.h" /* CHECK */
#include "runnel/actor_json.h"

#include <string.h>

static void check_defaults(const json_t *schema, const json_t *config)
{
    json_t *filled = runnel_json_schema_defaults(schema, config);
    CHECK(filled != NULL);
    if (!json_is_object(config) && config) {
        CHECK(json_equal(filled, config)); /* not an object: returned as it is */
        json_decref(filled);
        return;
    }
    const char *key;
    json_t *v;
    if (config)
        json_object_foreach((json_t *)config, key, v) CHECK(json_equal(json_object_get(filled, key), v));
    const json_t *props = json_is_object(schema) ? json_object_get(schema, "properties") : NULL;
    json_t *ps;
    if (json_is_object(props))
        json_object_foreach((json_t *)props, key, ps)
        {
            const json_t *def = json_is_object(ps) ? json_object_get(ps, "default") : NULL;
            if (def && !(config && json_object_get(config, key)))
                CHECK(json_equal(json_object_get(filled, key), def));
        }
    json_t *twice = runnel_json_schema_defaults(schema, filled);
    CHECK(twice && json_equal(twice, filled));
    json_decref(twice);
    /* runnel_actor_new's order: the filled-in config is what gets checked */
    runnel_report r = {0};
    if (runnel_json_schema_check(schema, filled, "config", &r) != RUNNEL_OK)
        CHECK(r.message != NULL);
    runnel_report_clear(&r);
    json_decref(filled);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    size_t slen = nl ? (size_t)(nl - text) : size;
    json_t *schema = json_loadb(text, slen, JSON_DECODE_ANY, NULL);
    if (!schema)
        return 0;
    json_t *config = nl ? json_loadb(nl + 1, size - slen - 1, JSON_DECODE_ANY, NULL) : NULL;
    if (config) {
        runnel_report r = {0};
        runnel_status st = runnel_json_schema_check(schema, config, "config", &r);
        CHECK(runnel_json_schema_check(schema, config, "config", NULL) == st);
        if (st != RUNNEL_OK) {
            CHECK(r.message != NULL && strstr(r.message, "config") != NULL);
            runnel_report_clear(&r);
        }
    }
    check_defaults(schema, config);
    json_decref(config);
    json_decref(schema);
    return 0;
}

/*
 * fuzz_state.c - actor state files (`runnel send --state FILE`) under libFuzzer.
 *
 * `runnel send` (src/cli/cmd_send.c) reads FILE with jansson (json_loadb, JSON_ALLOW_NUL), refuses
 * anything but an object, hands it to runnel_actor_set_state, and after the call writes the actor's
 * state back as compact JSON, which the next `runnel send` reads. The loader is a static function of the command, so
 * this target makes the same calls in the same order. What is checked beyond "no crash, no sanitizer
 * report, no leak": a state that loads is taken by runnel_actor_set_state unchanged (a copy, equal to
 * it), a non-object is refused with a message, and what is written back reads back equal and counts
 * the same bytes against --state-max (runnel_actor_state_bytes): a sequence of `runnel send` commands
 * never loses or alters a state it once accepted, nor refuses it later for its size.
 * The actor is the library's own struct (actor_impl.h) with only its state set: set_state and the state
 * accessor read nothing else.
 * Seeds: tests/fuzz/state-seeds/ (the states of tests/actor/sequences and the examples).
 */
#include "fuzz_common.h" /* CHECK */
#include "actor_impl.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *loaded = json_loadb((const char *)data, size, JSON_ALLOW_NUL, NULL); /* as read_state does */
    if (!loaded)
        return 0;
    runnel_actor a;
    memset(&a, 0, sizeof a);
    a.state = json_object();
    CHECK(a.state != NULL);
    runnel_report r = {0};
    runnel_status st = runnel_actor_set_state(&a, loaded, &r);
    if (!json_is_object(loaded)) {
        CHECK(st == RUNNEL_BADARG && r.message != NULL);
        runnel_report_clear(&r);
    } else {
        CHECK(st == RUNNEL_OK);
        const json_t *held = runnel_actor_state(&a);
        CHECK(held != loaded && json_equal(held, loaded));
        char *written = json_dumps(held, JSON_COMPACT); /* as write_state does (json_dump_file) */
        CHECK(written != NULL);
        json_error_t err;
        json_t *back = json_loads(written, JSON_ALLOW_NUL, &err);
        if (!back || !json_equal(back, held)) {
            fprintf(stderr, "written state does not read back equal (%s):\n%s\n", back ? "differs" : err.text,
                    written);
            abort();
        }
        CHECK(runnel_actor_state_bytes(&a) == runnel_actor_json_bytes(back) - RUNNEL_ACTOR_STATE_VALUE_BYTES);
        json_decref(back);
        free(written);
    }
    json_decref(a.state);
    json_decref(loaded);
    return 0;
}

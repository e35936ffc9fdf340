/*
 * misbehave.c - a test plugin that does, on request, each thing a broken actor can do.
 *
 * The in-port a message arrives on chooses the misbehaviour. Its own `process` export (instead of the
 * SDK's RUNNEL_ACTOR) lets it return bytes that no SDK would write: garbage, a result without outputs,
 * an unknown message type, base64. In-port `count` is the well-behaved case: it counts calls in the
 * state, so a test can show that the actor is still usable, with its state intact, after each failure.
 */
#include "runnel.h"

#include <stdlib.h>

#define P(n) RUNNEL_PORT(n, "misbehave", "Any")
static const runnel_metadata meta = {
    .component = "Misbehave",
    .description = "Fails in every way asked of it",
    RUNNEL_INPORTS(P("count"), P("trap"), P("loop"), P("garbage"), P("no_outputs"), P("unknown_type"),
                   P("unknown_port"), P("send_unknown"), P("oom"), P("grow"), P("fail"), P("base64"), P("flow_nodata"),
                   P("state_then_trap"), P("exit"), P("not_object"), P("state_array"), P("empty"), P("error_and_ok"),
                   P("send_then_trap"), P("bad_send"), P("recurse")),
    RUNNEL_OUTPORTS(P("out"), P("count"), P("progress")),
};

static int32_t finish(const char *text)
{
    return runnel__finish(text, strlen(text));
}

static volatile int sink;

__attribute__((noinline)) static void crash(void)
{
    __builtin_trap();
}

/* n nested calls: the volatile store after each call keeps the optimiser from turning them into a loop */
__attribute__((noinline)) static int64_t recurse(int64_t n)
{
    if (n <= 0)
        return 0;
    int64_t r = recurse(n - 1) + 1;
    sink = (int)r;
    return r;
}

RUNNEL__EXPORT("get_metadata") int32_t get_metadata(void);
int32_t get_metadata(void)
{
    return runnel__get_metadata(&meta);
}

RUNNEL__EXPORT("process") int32_t process(void);
int32_t process(void)
{
    size_t len;
    char *in = runnel__read_input(&len);
    runnel_json *context = runnel_json_parse(in, len, NULL);
    runnel_json *payload = runnel_json_get(context, "payload");
    const char *port = runnel_json_key(payload, 0);
    if (!port)
        return finish("{\"outputs\":{}}");
#define IS(name) (strcmp(port, name) == 0)
    if (IS("count")) {
        int64_t n = runnel_json_as_int(runnel_json_get(runnel_json_get(context, "state"), "count"), 0) + 1;
        return finish(runnel_format("{\"outputs\":{\"count\":{\"type\":\"Integer\",\"data\":%lld}},"
                                    "\"state\":{\"count\":%lld}}",
                                    (long long)n, (long long)n));
    }
    if (IS("trap"))
        crash();
    if (IS("recurse")) /* recurse=N: N nested calls, then the count on out */
        return finish(runnel_format("{\"outputs\":{\"out\":{\"type\":\"Integer\",\"data\":%lld}}}",
                                    (long long)recurse(runnel_json_as_int(
                                        runnel_json_get(runnel_json_get(payload, "recurse"), "data"), 0))));
    if (IS("loop"))
        for (;;)
            sink++;
    if (IS("garbage"))
        return finish("this is not JSON {");
    if (IS("no_outputs"))
        return finish("{\"state\":{\"count\":100}}");
    if (IS("unknown_type"))
        return finish("{\"outputs\":{\"out\":{\"type\":\"Bogus\",\"data\":1}}}");
    if (IS("unknown_port"))
        return finish("{\"outputs\":{\"out\":{\"type\":\"Integer\",\"data\":1},"
                      "\"nowhere\":{\"type\":\"Integer\",\"data\":2}}}");
    if (IS("send_unknown")) {
        runnel_send_int("nowhere", 1);
        return finish("{\"outputs\":{\"out\":{\"type\":\"Integer\",\"data\":2}}}");
    }
    if (IS("oom")) {
        /* allocate until the host's memory limit stops growth: the SDK reports "out of memory" */
        for (;;)
            sink += ((volatile char *)runnel_alloc(1 << 20))[0];
    }
    if (IS("grow")) {
        /* raw memory.grow until refused, then touch past the end: a trap */
        while (__builtin_wasm_memory_grow(0, 16) != (size_t)-1)
            ;
        return (int32_t)((volatile char *)(__builtin_wasm_memory_size(0) * 65536))[0];
    }
    if (IS("fail"))
        return runnel__fail_call("deliberate failure");
    if (IS("base64"))
        return finish(
            "\"eyJvdXRwdXRzIjp7Im91dCI6eyJ0eXBlIjoiSW50ZWdlciIsImRhdGEiOjY0fX0sInN0YXRlIjp7ImI2NCI6dHJ1ZX19\"");
    if (IS("flow_nodata"))
        return finish("{\"outputs\":{\"out\":{\"type\":\"Flow\"}}}");
    if (IS("state_then_trap")) {
        runnel_host_state_set_int("poison", 1);
        crash();
    }
    if (IS("send_then_trap")) {
        runnel_send_int("progress", 50);
        crash();
    }
    if (IS("bad_send")) {
        uint64_t h = runnel__to_extism("[1,2]", 5);
        runnel__x_send_output(h);
        return finish("{\"outputs\":{}}");
    }
    if (IS("exit"))
        exit(3);
    if (IS("not_object"))
        return finish("[1,2]");
    if (IS("state_array"))
        return finish("{\"outputs\":{},\"state\":[1]}");
    if (IS("empty")) {
        runnel__x_output_set(0, 0);
        return 0;
    }
    if (IS("error_and_ok")) {
        runnel__set_error("an error, but rc 0");
        return finish("{\"outputs\":{}}");
    }
    return runnel__fail_call(runnel_format("no such misbehaviour: %s", port));
}

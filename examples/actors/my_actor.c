/*
 * my_actor.c - the seed's MyActor (docs/abi-reflow.md, "Reference examples") in C with sdk/c/runnel.h.
 *
 * Doubles the Integer on in-port `input` and sends it to out-port `output`. It is the smallest complete
 * actor: metadata, a process function reading a typed input and writing a typed output, and the export
 * macro. Everything it does not do (state, config, host functions) is shown by counter.c,
 * multiplier.c and streamer.c.
 */
#include "runnel.h"

static const runnel_metadata meta = {
    .component = "MyActor",
    .description = "Example WASM actor",
    RUNNEL_INPORTS(RUNNEL_REQUIRED_PORT("input", "Input port", "Integer")),
    RUNNEL_OUTPORTS(RUNNEL_PORT("output", "Output port", "Integer")),
};

static int process(runnel_ctx *ctx)
{
    int64_t value;
    if (runnel_input_int(ctx, "input", &value)) {
        /* Wrap-around would be a silent wrong answer; Reflow's i64 arithmetic panics in debug builds. */
        if (value > INT64_MAX / 2 || value < INT64_MIN / 2)
            return runnel_fail(ctx, "%lld doubled does not fit in a 64-bit integer", (long long)value);
        runnel_output_int(ctx, "output", value * 2);
    }
    return 0;
}

RUNNEL_ACTOR(meta, process)

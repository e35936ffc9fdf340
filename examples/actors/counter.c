/*
 * counter.c - the seed's stateful Counter (docs/abi-reflow.md, "Reference examples").
 *
 * Flow in-ports `increment`, `decrement` and `reset`; out-port `count` (Integer); config `initial_value`
 * (declared in config_schema with default 0); state `count`. It keeps its count the Reflow way: read from
 * the context's state, returned in the result's state, which the host keeps between calls and feeds
 * into the next context. A fresh wasm instance per call (the host's default) holds nothing over.
 */
#include "runnel.h"

static const runnel_metadata meta = {
    .component = "Counter",
    .description = "Stateful counter actor",
    RUNNEL_INPORTS(RUNNEL_PORT("increment", "Increment counter", "Flow"),
                   RUNNEL_PORT("decrement", "Decrement counter", "Flow"),
                   RUNNEL_PORT("reset", "Reset counter", "Flow")),
    RUNNEL_OUTPORTS(RUNNEL_PORT("count", "Current count", "Integer")),
    .config_schema = "{\"type\": \"object\", \"properties\": "
                     "{\"initial_value\": {\"type\": \"integer\", \"default\": 0}}}",
};

static int process(runnel_ctx *ctx)
{
    int64_t initial = runnel_config_int(ctx, "initial_value", 0);
    int64_t count = runnel_state_int(ctx, "count", initial);

    if (runnel_has_input(ctx, "increment"))
        count = count == INT64_MAX ? count : count + 1; /* saturate rather than wrap */
    else if (runnel_has_input(ctx, "decrement"))
        count = count == INT64_MIN ? count : count - 1;
    else if (runnel_has_input(ctx, "reset"))
        count = initial;

    runnel_output_int(ctx, "count", count);
    runnel_state_set_int(ctx, "count", count);
    return 0;
}

RUNNEL_ACTOR(meta, process)

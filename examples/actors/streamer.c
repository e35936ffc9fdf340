/*
 * streamer.c - a streaming actor: reports progress through __send_output while it works.
 *
 * In-port `data` (Array of numbers). The actor works through the array in chunks of `chunk_size`
 * (config, default 2) and after each chunk sends `progress` (Integer, percent done) downstream at
 * once with __send_output, before `process` returns. It returns `sum` (Float, or Integer when every
 * item is an integer) and `count` (Integer).
 *
 * It also keeps a run counter in the host's state through the host functions: __get_state("runs")
 * at the start, __set_state("runs", n + 1) at the end. So one actor shows every channel a Reflow plugin
 * has: returned outputs, emitted outputs, returned state untouched (null) and host-function state.
 * In-port `reset` (Flow) sets the run counter back to 0 and emits nothing else.
 */
#include "runnel.h"

static const runnel_metadata meta = {
    .component = "Streamer",
    .description = "Sums an array in chunks, reporting progress as it goes",
    RUNNEL_INPORTS(RUNNEL_PORT("data", "Numbers to sum", "Array"),
                   RUNNEL_PORT("reset", "Forget the run count", "Flow")),
    RUNNEL_OUTPORTS(RUNNEL_PORT("progress", "Percent done, sent after each chunk", "Integer"),
                    RUNNEL_PORT("sum", "The sum of the numbers", "Any"),
                    RUNNEL_PORT("count", "How many numbers were summed", "Integer"),
                    RUNNEL_PORT("runs", "How many arrays this actor has summed", "Integer")),
    .config_schema = "{\"type\": \"object\", \"properties\": {"
                     "\"chunk_size\": {\"type\": \"integer\", \"minimum\": 1, \"default\": 2}}}",
};

static int process(runnel_ctx *ctx)
{
    if (runnel_has_input(ctx, "reset")) {
        runnel_host_state_set_int("runs", 0);
        return 0;
    }
    const runnel_json *data = runnel_input(ctx, "data");
    if (!data)
        return 0;
    if (data->kind != RUNNEL_JSON_ARRAY)
        return runnel_fail(ctx, "data must be an array of numbers");
    int64_t chunk = runnel_config_int(ctx, "chunk_size", 2);
    if (chunk < 1)
        chunk = 1;
    size_t n = runnel_json_len(data);
    bool all_int = true;
    int64_t isum = 0;
    double fsum = 0;
    for (size_t i = 0; i < n; i++) {
        const runnel_json *item = runnel_json_at(data, i);
        if (!runnel_json_is_number(item))
            return runnel_fail(ctx, "data[%zu] is not a number", i);
        if (runnel_json_is_int(item) && all_int && !__builtin_add_overflow(isum, item->u.i, &isum)) {
            /* still exact */
        } else {
            all_int = false;
        }
        fsum += runnel_json_as_float(item, 0);
        if ((i + 1) % (size_t)chunk == 0 || i + 1 == n)
            runnel_send_int("progress", (int64_t)((i + 1) * 100 / n));
    }
    if (all_int)
        runnel_output_int(ctx, "sum", isum);
    else
        runnel_output_float(ctx, "sum", fsum);
    runnel_output_int(ctx, "count", (int64_t)n);

    int64_t runs = runnel_host_state_int("runs", 0) + 1;
    runnel_host_state_set_int("runs", runs);
    runnel_output_int(ctx, "runs", runs);
    return 0;
}

RUNNEL_ACTOR(meta, process)

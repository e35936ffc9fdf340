/*
 * tally.c - a stateful test actor for graphs: adds each Integer on `value` (times FACTOR) to a running
 * sum kept in its state with a count of messages, and sends the sum on `total`. Built three ways
 * (tests/graph/network.cmake): tally (FACTOR 1), tally_x10 (FACTOR 10, the same ports: a hot reload
 * that keeps the state must go on from the old sum) and tally_renamed (its in-port is `amount`: a
 * reload that would break the graph's connections must be refused). With PICKY it traps on multiples
 * of 3 (picky.wasm: a node that fails on some inputs while the rest flow).
 */
#include "runnel.h"

#ifndef FACTOR
#define FACTOR 1
#endif
#ifndef IN_PORT
#define IN_PORT "value"
#endif

static const runnel_metadata meta = {
    .component = "Tally",
    .description = "Sums its inputs (test actor)",
    RUNNEL_INPORTS(RUNNEL_REQUIRED_PORT(IN_PORT, "A number to add", "Integer")),
    RUNNEL_OUTPORTS(RUNNEL_PORT("total", "The sum so far", "Integer")),
};

static int process(runnel_ctx *ctx)
{
    int64_t v;
    if (!runnel_input_int(ctx, IN_PORT, &v))
        return runnel_fail(ctx, "no integer on " IN_PORT);
#ifdef PICKY
    if (v % 3 == 0)
        __builtin_trap();
#endif
    int64_t sum = runnel_state_int(ctx, "sum", 0) + FACTOR * v;
    runnel_state_set_int(ctx, "sum", sum);
    runnel_state_set_int(ctx, "count", runnel_state_int(ctx, "count", 0) + 1);
    runnel_output_int(ctx, "total", sum);
    return 0;
}

RUNNEL_ACTOR(meta, process)

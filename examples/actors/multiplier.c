/*
 * multiplier.c - multiplies numbers by a configured factor: an actor whose config has a schema.
 *
 * config_schema: `factor` (number, default 2) and `round` (boolean, default false), and nothing else
 * (additionalProperties false), so the host refuses a node config such as {"factr": 3} or
 * {"factor": "3"} before the actor ever runs, with the place of the mistake in the message.
 *
 * In-port `value` takes an Integer or a Float. Out-port `result`: with round, the product rounded to
 * the nearest integer (halves away from zero) as an Integer; otherwise an Integer when both the value
 * and the factor are integers and the product is exact in 64 bits, else a Float. Anything that is not a
 * number is refused with an error naming what was received.
 */
#include "runnel.h"

#include <math.h>

static const runnel_metadata meta = {
    .component = "Multiplier",
    .description = "Multiplies numeric input by a configurable factor",
    RUNNEL_INPORTS(RUNNEL_REQUIRED_PORT("value", "Number to multiply (Integer or Float)", "Any")),
    RUNNEL_OUTPORTS(RUNNEL_PORT("result", "The product: Integer when exact or rounded, else Float", "Any")),
    .config_schema = "{\"type\": \"object\", \"additionalProperties\": false, \"properties\": {"
                     "\"factor\": {\"type\": \"number\", \"default\": 2, \"description\": \"the multiplier\"},"
                     "\"round\": {\"type\": \"boolean\", \"default\": false,"
                     " \"description\": \"round the product to an Integer\"}}}",
};

static int process(runnel_ctx *ctx)
{
    const runnel_json *value = runnel_input(ctx, "value");
    if (!value)
        return 0; /* nothing on our only port: nothing to do */
    if (!runnel_json_is_number(value))
        return runnel_fail(ctx, "value must be a number, got a %s message",
                           runnel_type_name(runnel_input_type(ctx, "value")));
    const runnel_json *factor = runnel_config_get(ctx, "factor");
    bool round_result = runnel_config_bool(ctx, "round", false);

    int64_t a, b, product;
    if (!round_result && runnel_input_int(ctx, "value", &a) && runnel_json_is_int(factor)) {
        b = factor->u.i;
        if (!__builtin_mul_overflow(a, b, &product)) {
            runnel_output_int(ctx, "result", product);
            return 0;
        }
    }
    double p = runnel_json_as_float(value, 0) * runnel_json_as_float(factor, 2);
    if (round_result) {
        double r = round(p);
        if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0))
            return runnel_fail(ctx, "the product %g does not fit in a 64-bit integer", p);
        runnel_output_int(ctx, "result", (int64_t)r);
    } else {
        runnel_output_float(ctx, "result", p);
    }
    return 0;
}

RUNNEL_ACTOR(meta, process)

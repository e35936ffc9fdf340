/*
 * echo.c - a test plugin: sends every input back on the out-port of the same name, through the SDK.
 *
 * One in-port and one out-port per message type (named after it in lower case). Each input is read
 * with the SDK's typed accessor for its type and written back with the typed writer, so a message that
 * comes back unchanged has crossed host -> SDK reader -> C value -> SDK writer -> host intact. Each
 * input's data is also sent at once through __send_output on port `sent`, where the host types it by
 * shape.
 */
#include "runnel.h"

#define P(n, t) RUNNEL_PORT(n, "echo", t)
static const runnel_metadata meta = {
    .component = "Echo",
    .description = "Sends every message back",
    RUNNEL_INPORTS(P("flow", "Flow"), P("event", "Event"), P("boolean", "Boolean"), P("integer", "Integer"),
                   P("float", "Float"), P("string", "String"), P("object", "Object"), P("array", "Array"),
                   P("stream", "Stream"), P("optional", "Optional"), P("any", "Any"), P("error", "Error")),
    RUNNEL_OUTPORTS(P("flow", "Flow"), P("event", "Event"), P("boolean", "Boolean"), P("integer", "Integer"),
                    P("float", "Float"), P("string", "String"), P("object", "Object"), P("array", "Array"),
                    P("stream", "Stream"), P("optional", "Optional"), P("any", "Any"), P("error", "Error"),
                    P("sent", "Any")),
};

static int process(runnel_ctx *ctx)
{
    for (size_t i = 0; i < runnel_json_len(ctx->payload); i++) {
        const char *port = runnel_json_key(ctx->payload, i);
        runnel_type t = runnel_input_type(ctx, port);
        const runnel_json *data = runnel_input(ctx, port);
        int64_t iv;
        double fv;
        bool bv;
        const char *s;
        size_t len;
        const uint8_t *bytes;
        switch (t) {
        case RUNNEL_FLOW: runnel_output_flow(ctx, port); break;
        case RUNNEL_INTEGER:
            if (!runnel_input_int(ctx, port, &iv))
                return runnel_fail(ctx, "%s: not an integer", port);
            runnel_output_int(ctx, port, iv);
            break;
        case RUNNEL_FLOAT:
            if (data->kind == RUNNEL_JSON_NULL) { /* NaN on the wire */
                runnel_output(ctx, port, RUNNEL_FLOAT, NULL);
                break;
            }
            if (!runnel_input_float(ctx, port, &fv))
                return runnel_fail(ctx, "%s: not a number", port);
            runnel_output_float(ctx, port, fv);
            break;
        case RUNNEL_BOOLEAN:
            if (!runnel_input_bool(ctx, port, &bv))
                return runnel_fail(ctx, "%s: not a boolean", port);
            runnel_output_bool(ctx, port, bv);
            break;
        case RUNNEL_STRING:
        case RUNNEL_ERROR:
            if (!runnel_input_string(ctx, port, &s, &len))
                return runnel_fail(ctx, "%s: not a string", port);
            runnel_output(ctx, port, t, runnel_json_stringn(s, len));
            break;
        case RUNNEL_STREAM:
            if (!runnel_input_stream(ctx, port, &bytes, &len))
                return runnel_fail(ctx, "%s: not a stream", port);
            runnel_output_stream(ctx, port, bytes, len);
            break;
        case RUNNEL_NONE: return runnel_fail(ctx, "%s: unknown message type", port);
        default: runnel_output(ctx, port, t, runnel_json_copy(data)); break;
        }
        runnel_send("sent", data);
    }
    return 0;
}

RUNNEL_ACTOR(meta, process)

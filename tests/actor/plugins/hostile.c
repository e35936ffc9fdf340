/*
 * hostile.c - a test plugin whose every text is a terminal control sequence: a window title (ESC ] 0 ;
 * ... BEL), a screen clear (ESC [ 2 J) and the C1 CSI (U+009B). Its component, description, port names
 * and descriptions, config schema, outputs and failure text all carry it; `runnel inspect` and `runnel
 * send` must print them escaped (tests/plugin/hostile_text.sh).
 */
#include "runnel.h"

#define H "\x1b]0;pwn\x07\x1b[2J\xc2\x9b"
#define H_JSON "\\u001b]0;pwn\\u0007\\u001b[2J\\u009b" /* the same, inside JSON text */

static const runnel_metadata meta = {
    .component = "Hostile" H,
    .description = "description " H,
    RUNNEL_INPORTS(RUNNEL_PORT("in", "in-port " H, "Any"), RUNNEL_PORT("fail", "fails", "Any")),
    RUNNEL_OUTPORTS(RUNNEL_PORT("out" H, "out-port " H, "String")),
    .config_schema = "{\"type\":\"object\",\"properties\":{\"key" H_JSON "\":{\"type\":\"string\",\"description\":"
                     "\"config " H_JSON "\"}}}",
};

static int process(runnel_ctx *ctx)
{
    if (runnel_input(ctx, "fail"))
        return runnel_fail(ctx, "failure " H);
    runnel_output_string(ctx, "out" H, "text " H);
    return 0;
}

RUNNEL_ACTOR(meta, process)

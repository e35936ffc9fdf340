/*
 * hoard.c - a test plugin that makes the host keep as much state as it is asked to.
 *
 *   keys=N      N new keys ("k0", "k1", ...) holding 1, written one by one with __set_state
 *   big=N       N new keys ("b0", ...) holding a string of 1 MiB each, with __set_state
 *   returned=N  a result whose `state` holds one string of N bytes (under "r")
 *   shrink      __set_state of "k0" to 0: a write that does not grow a state where k0 is 1
 *   wide=N      __send_output of an Array of N zeros on `done`: little text, much jansson
 * Each sends on `done` how many writes it made.
 */
#include "runnel.h"

#include <stdlib.h>

#define P(n) RUNNEL_PORT(n, "hoard", "Any")
static const runnel_metadata meta = {
    .component = "Hoard",
    .description = "Keeps state",
    RUNNEL_INPORTS(P("keys"), P("big"), P("returned"), P("shrink"), P("wide")),
    RUNNEL_OUTPORTS(P("done")),
};

static char *filled(size_t n)
{
    char *s = malloc(n + 1);
    memset(s, 'x', n);
    s[n] = '\0';
    return s;
}

static int process(runnel_ctx *ctx)
{
    char key[32];
    if (runnel_input(ctx, "keys") || runnel_input(ctx, "big")) {
        bool big = runnel_input(ctx, "big") != NULL;
        int64_t n = runnel_json_as_int(runnel_input(ctx, big ? "big" : "keys"), 0);
        /* the value's JSON text is made once and its block given to every write (the host does not
           free the blocks it is given), so that the host's work is what is measured */
        size_t len;
        char *text = runnel_json_write(big ? runnel_json_string(filled(1 << 20)) : runnel_json_int(1), &len);
        uint64_t value = runnel__to_extism(text, len);
        for (int64_t i = 0; i < n; i++) {
            uint64_t k = runnel__to_extism(key, (size_t)snprintf(key, sizeof key, "%c%lld", big ? 'b' : 'k',
                                                                 (long long)i));
            runnel__x_set_state(k, value);
            runnel__x_free(k);
        }
        runnel_output_int(ctx, "done", n);
        return 0;
    }
    if (runnel_input(ctx, "returned")) {
        int64_t n = runnel_json_as_int(runnel_input(ctx, "returned"), 0);
        runnel_state_set(ctx, "r", runnel_json_string(filled((size_t)n)));
        runnel_output_int(ctx, "done", 1);
        return 0;
    }
    if (runnel_input(ctx, "wide")) {
        size_t n = (size_t)runnel_json_as_int(runnel_input(ctx, "wide"), 1), o = sizeof "{\"done\":[" - 1;
        char *text = malloc(o + 2 * n + 2);
        memcpy(text, "{\"done\":[", o);
        for (size_t i = 0; i < n; i++) {
            text[o++] = '0';
            text[o++] = ',';
        }
        memcpy(text + o - 1, "]}", 2);
        runnel__x_send_output(runnel__to_extism(text, o + 1)); /* __send_output, written by hand */
        runnel_output_int(ctx, "done", 1);
        return 0;
    }
    runnel_host_state_set("k0", runnel_json_int(0)); /* shrink: a write that does not grow the state */
    runnel_output_int(ctx, "done", 1);
    return 0;
}

RUNNEL_ACTOR(meta, process)

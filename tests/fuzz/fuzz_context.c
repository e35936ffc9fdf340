/*
 * fuzz_context.c - the Reflow actor context as a plugin built with runnel's C SDK (sdk/c/runnel.h)
 * reads it, under libFuzzer.
 *
 * The host writes the context ({"payload", "config", "state"}: src/actor/actor.c) with jansson; the
 * SDK's own JSON reader parses it inside the guest and its writer produces the ActorResult the host
 * then reads. The SDK compiles natively (the header declares the kernel as plain functions when not
 * built for wasm, as tests/actor/test_sdk.c uses it), so this file supplies a kernel over a byte array
 * and an echo actor: it returns every payload entry on the port of the same name and the state it
 * was given. What is checked beyond "no crash, no sanitizer report, no leak":
 *   - on any bytes as the context, `process` ends in exactly one of an output or an error;
 *   - for every object jansson reads (so every context the host can write, as the host writes it:
 *     compact), the SDK accepts it and its result reads back in jansson with outputs equal to the
 *     payload and the state unchanged: nothing is lost or altered between the host's writer, the
 *     SDK's reader and writer, and the host's reader (integers stay exact, floats keep their bits'
 *     value, strings their NULs and escapes).
 * The host side is jansson itself (the host's reader and writer of contexts and results), not the actor
 * layer, which would need a plugin to run.
 * Seeds: tests/fuzz/context-seeds/ (contexts as the host writes them for the tests' actors).
 */
#include "fuzz_common.h" /* CHECK; the SDK and the host headers share no name (tests/actor/sdk_names.sh) */
#include "runnel.h"

#include <jansson.h>

/* ---------------------------------------------------------------- the kernel: Extism memory as a byte array */

#define MEM_SIZE (8u << 20) /* room for an 8 KiB context written out with every byte escaped, many times */
static uint8_t mem[MEM_SIZE];
static uint64_t top;
static const uint8_t *input;
static size_t input_len;
static uint64_t output_h, output_len, error_h;
static int outcomes; /* output_set and error_set calls in this call */

/* Blocks are laid out one after another: [length u64][bytes]; a handle is the offset of the bytes. */
static void kernel_reset(const uint8_t *in, size_t len)
{
    top = 8;
    input = in;
    input_len = len;
    output_h = output_len = error_h = 0;
    outcomes = 0;
}

uint64_t runnel__x_input_length(void) { return input_len; }
uint8_t runnel__x_input_load_u8(uint64_t off)
{
    CHECK(off < input_len);
    return input[off];
}
uint64_t runnel__x_input_load_u64(uint64_t off)
{
    CHECK(off + 8 <= input_len);
    uint64_t v;
    memcpy(&v, input + off, 8);
    return v;
}
uint64_t runnel__x_alloc(uint64_t n)
{
    if (n == 0 || n > MEM_SIZE || top + 8 + n > MEM_SIZE)
        return 0;
    memcpy(mem + top, &n, 8);
    uint64_t h = top + 8;
    top = h + n;
    return h;
}
void runnel__x_free(uint64_t h) { (void)h; }
uint64_t runnel__x_length(uint64_t h)
{
    CHECK(h >= 16 && h <= top);
    uint64_t n;
    memcpy(&n, mem + h - 8, 8);
    return n;
}
uint8_t runnel__x_load_u8(uint64_t p)
{
    CHECK(p < top);
    return mem[p];
}
uint64_t runnel__x_load_u64(uint64_t p)
{
    CHECK(p + 8 <= top);
    uint64_t v;
    memcpy(&v, mem + p, 8);
    return v;
}
void runnel__x_store_u8(uint64_t p, uint8_t v)
{
    CHECK(p < top);
    mem[p] = v;
}
void runnel__x_store_u64(uint64_t p, uint64_t v)
{
    CHECK(p + 8 <= top);
    memcpy(mem + p, &v, 8);
}
void runnel__x_output_set(uint64_t h, uint64_t len)
{
    CHECK(h + len <= top);
    output_h = h;
    output_len = len;
    outcomes++;
}
void runnel__x_error_set(uint64_t h)
{
    CHECK(h != 0 && h <= top);
    error_h = h;
    outcomes++;
}
/* The echo actor logs nothing and calls no host function. */
void runnel__x_log_debug(uint64_t h) { (void)h; }
void runnel__x_log_info(uint64_t h) { (void)h; }
void runnel__x_log_warn(uint64_t h) { (void)h; }
void runnel__x_log_error(uint64_t h) { (void)h; }
void runnel__x_send_output(uint64_t h) { CHECK(h == 0 && "not called by the echo actor"); }
uint64_t runnel__x_get_state(uint64_t key)
{
    CHECK(key == 0 && "not called by the echo actor");
    return 0;
}
void runnel__x_set_state(uint64_t key, uint64_t value) { CHECK(key == 0 && value == 0 && "not called by the echo actor"); }

/* ---------------------------------------------------------------- the echo actor */

static const runnel_metadata meta = {.component = "Echo"};

static int echo(runnel_ctx *ctx)
{
    for (size_t i = 0; i < runnel_json_len(ctx->payload) && ctx->payload->kind == RUNNEL_JSON_OBJECT; i++)
        runnel_json_set(ctx->outputs, runnel_json_key(ctx->payload, i), runnel_json_copy(runnel_json_at(ctx->payload, i)));
    if (ctx->state && ctx->state->kind == RUNNEL_JSON_OBJECT)
        runnel_state_replace(ctx, runnel_json_copy(ctx->state));
    return 0;
}

RUNNEL_ACTOR(meta, echo)

/* ---------------------------------------------------------------- the target */

/* One process call on these bytes; returns its output as jansson reads it, or NULL if it failed. */
static json_t *process(const uint8_t *context, size_t len, bool must_accept)
{
    kernel_reset(context, len);
    int32_t rc = runnel__export_process();
    CHECK(outcomes == 1 && (rc == 0) == (error_h == 0));
    if (rc != 0) {
        if (must_accept) {
            fprintf(stderr, "the SDK refused a context jansson wrote: %.*s\n%.*s\n", (int)runnel__x_length(error_h),
                    (const char *)mem + error_h, (int)len, (const char *)context);
            abort();
        }
        return NULL;
    }
    json_error_t err;
    json_t *result = json_loadb((const char *)mem + output_h, output_len, JSON_ALLOW_NUL, &err);
    if (!result && must_accept) {
        fprintf(stderr, "the SDK's result is not JSON to the host (%s): %.*s\n", err.text, (int)output_len,
                (const char *)mem + output_h);
        abort();
    }
    return result;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_decref(process(data, size, false)); /* any bytes: an output or an error, nothing else */

    json_t *ctx = json_loadb((const char *)data, size, JSON_ALLOW_NUL, NULL);
    if (!json_is_object(ctx)) {
        json_decref(ctx);
        return 0;
    }
    char *text = json_dumps(ctx, JSON_COMPACT); /* as the host writes a context */
    CHECK(text != NULL);
    json_t *result = process((const uint8_t *)text, strlen(text), true);
    const json_t *payload = json_object_get(ctx, "payload"), *state = json_object_get(ctx, "state");
    json_t *outputs = json_object_get(result, "outputs"), *new_state = json_object_get(result, "state");
    if (!(json_is_object(payload) ? json_equal(outputs, payload) : json_object_size(outputs) == 0) ||
        !(json_is_object(state) ? json_equal(new_state, state) : json_is_null(new_state))) {
        char *got = json_dumps(result, JSON_COMPACT | JSON_ENCODE_ANY);
        fprintf(stderr, "the echo actor's result differs from its context:\n%s\n%s\n", text, got ? got : "?");
        abort();
    }
    json_decref(result);
    free(text);
    json_decref(ctx);
    return 0;
}

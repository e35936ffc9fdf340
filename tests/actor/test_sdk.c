/*
 * test_sdk.c - the C SDK (sdk/c/runnel.h) compiled natively, against a mock Extism kernel.
 *
 * Why natively: the SDK's JSON reader and writer and its process/get_metadata plumbing are plain C, and
 * running them on the host puts them under AddressSanitizer and UBSan, which wasm cannot. The header
 * declares the kernel imports as ordinary external functions when it is not compiled for wasm; this
 * file defines them over a byte array, as Extism memory is: handles are offsets, 0 is never a block.
 * The same SDK compiled to wasm is tested against the real host in test_actor_examples and
 * test_actor_roundtrip.
 */
#include "runnel.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* ---------------------------------------------------------------- the mock kernel */

#define MEM_SIZE   (1u << 22)
#define MAX_BLOCKS 4096
static uint8_t mem[MEM_SIZE];
static uint64_t top = 1;
static struct {
    uint64_t off, len;
    bool live;
} blocks[MAX_BLOCKS];
static size_t nblocks;
static const char *input_text = "";
static char output[65536], error_text[4096], sent[8][256];
static size_t nsent;
static bool has_output, has_error;
static char state_keys[8][64], state_vals[8][256];
static size_t nstate;

static void mock_reset(const char *input)
{
    top = 1;
    nblocks = 0;
    input_text = input;
    has_output = has_error = false;
    nsent = 0;
    nstate = 0;
}

static long find_block(uint64_t h)
{
    for (size_t i = 0; i < nblocks; i++)
        if (blocks[i].off == h && blocks[i].live)
            return (long)i;
    return -1;
}

uint64_t runnel__x_input_length(void)
{
    return strlen(input_text);
}
uint8_t runnel__x_input_load_u8(uint64_t off)
{
    return off < strlen(input_text) ? (uint8_t)input_text[off] : 0;
}
uint64_t runnel__x_input_load_u64(uint64_t off)
{
    uint64_t v = 0;
    size_t n = strlen(input_text);
    if (off + 8 <= n)
        memcpy(&v, input_text + off, 8);
    return v;
}
uint64_t runnel__x_alloc(uint64_t n)
{
    if (n == 0 || top + n > MEM_SIZE || nblocks == MAX_BLOCKS)
        return 0;
    blocks[nblocks].off = top;
    blocks[nblocks].len = n;
    blocks[nblocks].live = true;
    nblocks++;
    uint64_t h = top;
    top += n;
    return h;
}
void runnel__x_free(uint64_t h)
{
    long i = find_block(h);
    if (i >= 0)
        blocks[i].live = false;
}
uint64_t runnel__x_length(uint64_t h)
{
    long i = find_block(h);
    return i >= 0 ? blocks[i].len : 0;
}
uint8_t runnel__x_load_u8(uint64_t p)
{
    return p < MEM_SIZE ? mem[p] : 0;
}
uint64_t runnel__x_load_u64(uint64_t p)
{
    uint64_t v = 0;
    if (p + 8 <= MEM_SIZE)
        memcpy(&v, mem + p, 8);
    return v;
}
void runnel__x_store_u8(uint64_t p, uint8_t v)
{
    assert_true(p < MEM_SIZE);
    mem[p] = v;
}
void runnel__x_store_u64(uint64_t p, uint64_t v)
{
    assert_true(p + 8 <= MEM_SIZE);
    memcpy(mem + p, &v, 8);
}
void runnel__x_output_set(uint64_t h, uint64_t len)
{
    assert_true(len < sizeof output);
    memcpy(output, mem + h, len);
    output[len] = '\0';
    has_output = true;
}
void runnel__x_error_set(uint64_t h)
{
    long i = find_block(h);
    assert_true(i >= 0);
    size_t len = blocks[i].len;
    assert_true(len < sizeof error_text);
    memcpy(error_text, mem + h, len);
    error_text[len] = '\0';
    has_error = true;
}
void runnel__x_log_debug(uint64_t h)
{
    (void)h;
}
void runnel__x_log_info(uint64_t h)
{
    (void)h;
}
void runnel__x_log_warn(uint64_t h)
{
    (void)h;
}
void runnel__x_log_error(uint64_t h)
{
    (void)h;
}

static void block_text(uint64_t h, char *buf, size_t size)
{
    long i = find_block(h);
    assert_true(i >= 0);
    assert_true(blocks[i].len < size);
    memcpy(buf, mem + h, blocks[i].len);
    buf[blocks[i].len] = '\0';
}

void runnel__x_send_output(uint64_t h)
{
    assert_true(nsent < 8);
    block_text(h, sent[nsent++], sizeof sent[0]);
}
uint64_t runnel__x_get_state(uint64_t key)
{
    char k[64];
    block_text(key, k, sizeof k);
    for (size_t i = 0; i < nstate; i++)
        if (strcmp(state_keys[i], k) == 0)
            return runnel__to_extism(state_vals[i], strlen(state_vals[i]));
    return runnel__to_extism("null", 4);
}
void runnel__x_set_state(uint64_t key, uint64_t value)
{
    char k[64];
    block_text(key, k, sizeof k);
    size_t i = 0;
    while (i < nstate && strcmp(state_keys[i], k) != 0)
        i++;
    assert_true(i < 8);
    if (i == nstate)
        nstate++;
    strcpy(state_keys[i], k);
    block_text(value, state_vals[i], sizeof state_vals[i]);
}

/* ---------------------------------------------------------------- JSON */

/* text -> JSON -> text */
static void rewrite(const char *in, const char *want)
{
    const char *err = NULL;
    runnel_json *v = runnel_json_parse(in, strlen(in), &err);
    if (!v)
        fail_msg("%s: %s", in, err);
    size_t len;
    char *out = runnel_json_write(v, &len);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    runnel__arena_reset();
}

static void refuse(const char *in, const char *want)
{
    const char *err = NULL;
    runnel_json *v = runnel_json_parse(in, strlen(in), &err);
    if (v)
        fail_msg("accepted: %s", in);
    assert_non_null(err);
    if (!strstr(err, want))
        fail_msg("%s: \"%s\" does not contain \"%s\"", in, err, want);
    runnel__arena_reset();
}

/* Between calls the SDK's arena holds nothing of a call: at most one empty chunk kept for the next. */
static bool arena_empty(void)
{
    return !runnel__arena_head || (!runnel__arena_head->next && runnel__arena_head->used == 0);
}

static void test_json_integers(void **state)
{
    (void)state;
    rewrite("9223372036854775807", "9223372036854775807");
    rewrite("-9223372036854775808", "-9223372036854775808");
    rewrite("[0,-0,1,-1,9007199254740993]", "[0,0,1,-1,9007199254740993]");
    const char *t = "-9223372036854775808";
    runnel_json *v = runnel_json_parse(t, strlen(t), NULL);
    assert_int_equal(v->kind, RUNNEL_JSON_INT);
    assert_true(v->u.i == INT64_MIN);
    /* beyond int64: a float, as serde_json reads it */
    t = "9223372036854775808";
    v = runnel_json_parse(t, strlen(t), NULL);
    assert_int_equal(v->kind, RUNNEL_JSON_FLOAT);
    assert_true(v->u.f == 9223372036854775808.0);
    t = "123456789012345678901234567890";
    v = runnel_json_parse(t, strlen(t), NULL);
    assert_int_equal(v->kind, RUNNEL_JSON_FLOAT);
    runnel__arena_reset();
}

static void test_json_floats(void **state)
{
    (void)state;
    rewrite("0.1", "0.1");
    rewrite("2.0", "2.0"); /* stays a float, so a host typing by shape sees Float */
    rewrite("1e300", "1e+300");
    rewrite("5e-324", "4.94065645841247e-324"); /* the smallest subnormal, shortest form that reads back */
    rewrite("-2.5e-3", "-0.0025");
    rewrite("[1.5,100.0]", "[1.5,100.0]");
    runnel_json *v = runnel_json_float(1.0 / 3.0);
    char *s = runnel_json_write(v, NULL);
    assert_true(strtod(s, NULL) == 1.0 / 3.0);
    v = runnel_json_float(NAN);
    assert_string_equal(runnel_json_write(v, NULL), "null");
    v = runnel_json_float(-INFINITY);
    assert_string_equal(runnel_json_write(v, NULL), "null");
    runnel__arena_reset();
}

static void test_json_strings(void **state)
{
    (void)state;
    rewrite("\"plain\"", "\"plain\"");
    rewrite("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"", "\"q\\\" b\\\\ s/ \\b\\f\\n\\r\\t\"");
    rewrite("\"\\u0001\\u001f\"", "\"\\u0001\\u001f\"");
    rewrite("\"\\u00e9\\u20ac\"", "\"\xc3\xa9\xe2\x82\xac\"");
    rewrite("\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\""); /* a surrogate pair: one 4-byte character */
    rewrite("\"\\ud83d!\"", "\"\xef\xbf\xbd!\"");          /* a lone surrogate: U+FFFD */
    rewrite("\"a\\u0000b\"", "\"a\\u0000b\"");             /* NUL survives, length kept */
    const char *t = "\"a\\u0000b\"";
    runnel_json *v = runnel_json_parse(t, strlen(t), NULL);
    assert_int_equal(v->u.s.len, 3);
    runnel__arena_reset();
}

static void test_json_structures(void **state)
{
    (void)state;
    rewrite(" { \"a\" : [ 1 , { } , [ ] ] , \"b\" : null , \"c\":true,\"d\":false } ",
            "{\"a\":[1,{},[]],\"b\":null,\"c\":true,\"d\":false}");
    rewrite("{\"k\":1,\"k\":2}", "{\"k\":2}"); /* the later duplicate wins */
    runnel_json *o = runnel_json_object();
    runnel_json_set(o, "x", runnel_json_int(1));
    runnel_json_set(o, "y", NULL);
    runnel_json_set(o, "x", runnel_json_string("again"));
    runnel_json *a = runnel_json_array();
    for (int i = 0; i < 100; i++)
        runnel_json_push(a, runnel_json_int(i));
    runnel_json_set(o, "list", a);
    assert_int_equal(runnel_json_len(a), 100);
    assert_int_equal(runnel_json_as_int(runnel_json_at(a, 99), -1), 99);
    assert_null(runnel_json_at(a, 100));
    assert_string_equal(runnel_json_key(o, 1), "y");
    runnel_json *c = runnel_json_copy(o);
    runnel_json_set(o, "x", runnel_json_int(5));
    assert_string_equal(runnel_json_as_string(runnel_json_get(c, "x"), NULL), "again");
    char *s = runnel_json_write(runnel_json_get(c, "y"), NULL);
    assert_string_equal(s, "null");
    runnel__arena_reset();
}

static void test_json_refusals(void **state)
{
    (void)state;
    refuse("", "unexpected end");
    refuse("{", "expected a string key");
    refuse("[1,]", "unexpected character");
    refuse("[1 2]", "expected ',' or ']'");
    refuse("{\"a\" 1}", "expected ':'");
    refuse("{\"a\":1", "expected ',' or '}'");
    refuse("01", "leading zero");
    refuse("-", "bad number");
    refuse("1.", "bad number");
    refuse("1e", "bad number");
    refuse("\"abc", "unterminated string");
    refuse("\"a\nb\"", "control character");
    refuse("\"\\x\"", "bad escape");
    refuse("\"\\u12\"", "bad \\u escape");
    refuse("tru", "unexpected character");
    refuse("1 2", "trailing characters");
    char deep[700];
    memset(deep, '[', 600);
    deep[600] = '\0';
    refuse(deep, "nested too deeply");
}

/* ---------------------------------------------------------------- process and metadata */

static const runnel_metadata meta = {
    .component = "MyActor",
    .description = "Example \"quoted\"",
    RUNNEL_INPORTS(RUNNEL_REQUIRED_PORT("input", "Input port", "Integer")),
    RUNNEL_OUTPORTS(RUNNEL_PORT("output", "Output port", "Integer"), RUNNEL_PORT("log", "Log", "String")),
    .config_schema = "{\"type\": \"object\"}",
};

static int doubler(runnel_ctx *ctx)
{
    int64_t v;
    if (runnel_input_int(ctx, "input", &v))
        runnel_output_int(ctx, "output", v * 2);
    return 0;
}

static void test_metadata_export(void **state)
{
    (void)state;
    mock_reset("");
    assert_int_equal(runnel__get_metadata(&meta), 0);
    assert_true(has_output);
    assert_string_equal(
        output,
        "{\"component\":\"MyActor\",\"description\":\"Example \\\"quoted\\\"\","
        "\"inports\":[{\"name\":\"input\",\"description\":\"Input port\",\"port_type\":\"Integer\",\"required\":true}],"
        "\"outports\":[{\"name\":\"output\",\"description\":\"Output "
        "port\",\"port_type\":\"Integer\",\"required\":false},"
        "{\"name\":\"log\",\"description\":\"Log\",\"port_type\":\"String\",\"required\":false}],"
        "\"config_schema\":{\"type\":\"object\"}}");
    assert_true(arena_empty()); /* nothing of a call kept between calls */
    static const runnel_metadata bad = {.component = "X", .config_schema = "{oops"};
    mock_reset("");
    assert_int_equal(runnel__get_metadata(&bad), 1);
    assert_true(has_error);
    assert_non_null(strstr(error_text, "config_schema is not JSON"));
}

static void test_process_doubles(void **state)
{
    (void)state;
    mock_reset(
        "{\"payload\":{\"input\":{\"type\":\"Integer\",\"data\":4611686018427387903}},"
        "\"config\":{\"node_id\":\"n\",\"component\":\"MyActor\",\"resolved_env\":{},\"config\":{},\"namespace\":null},"
        "\"state\":{}}");
    assert_int_equal(runnel__process(doubler), 0);
    assert_false(has_error);
    assert_string_equal(
        output, "{\"outputs\":{\"output\":{\"type\":\"Integer\",\"data\":9223372036854775806}},\"state\":null}");
    assert_true(arena_empty());
    mock_reset("{\"payload\":{},\"config\":{},\"state\":{}}");
    assert_int_equal(runnel__process(doubler), 0);
    assert_string_equal(output, "{\"outputs\":{},\"state\":null}");
}

static int reader(runnel_ctx *ctx)
{
    /* every typed read, with config, env, state */
    double f = 0;
    bool b = false;
    const char *s = NULL;
    size_t len = 0;
    const uint8_t *bytes = NULL;
    int64_t i = 0;
    assert_true(runnel_input_float(ctx, "f", &f) && f == 1.5);
    assert_true(runnel_input_float(ctx, "i", &f) && f == 7.0); /* an integer reads as a float too */
    assert_true(runnel_input_int(ctx, "i", &i) && i == 7);
    assert_false(runnel_input_int(ctx, "f", &i));
    assert_true(runnel_input_bool(ctx, "b", &b) && b);
    assert_true(runnel_input_string(ctx, "s", &s, &len) && len == 2 && strcmp(s, "hi") == 0);
    assert_true(runnel_input_stream(ctx, "st", &bytes, &len) && len == 3 && bytes[2] == 255);
    assert_int_equal(runnel_input_type(ctx, "go"), RUNNEL_FLOW);
    assert_true(runnel_has_input(ctx, "go"));
    assert_int_equal(runnel_input(ctx, "go")->kind, RUNNEL_JSON_NULL);
    assert_int_equal(runnel_input_type(ctx, "absent"), RUNNEL_NONE);
    assert_null(runnel_input(ctx, "absent"));
    assert_int_equal(runnel_config_int(ctx, "n", 0), 3);
    assert_int_equal(runnel_config_int(ctx, "missing", -1), -1);
    assert_true(runnel_config_float(ctx, "n", 0) == 3.0);
    assert_true(runnel_config_bool(ctx, "flag", false));
    assert_string_equal(runnel_config_string(ctx, "name", ""), "x");
    assert_string_equal(runnel_env(ctx, "HOME"), "/h");
    assert_null(runnel_env(ctx, "NOPE"));
    assert_string_equal(runnel_node_id(ctx), "node1");
    assert_int_equal(runnel_state_int(ctx, "count", 0), 41);
    /* outputs of every kind, and a state change that keeps the other keys */
    runnel_output_flow(ctx, "o_flow");
    runnel_output_float(ctx, "o_float", 2.0);
    runnel_output_bool(ctx, "o_bool", false);
    runnel_output_string(ctx, "o_str", "x\"y");
    runnel_output_error(ctx, "o_err", "bad");
    runnel_output_stream(ctx, "o_stream", bytes, 3);
    runnel_output(ctx, "o_obj", RUNNEL_OBJECT, runnel_json_copy(ctx->config));
    runnel_state_set_int(ctx, "count", runnel_state_int(ctx, "count", 0) + 1);
    return 0;
}

static void test_process_reads_and_writes(void **state)
{
    (void)state;
    mock_reset("{\"payload\":{\"f\":{\"type\":\"Float\",\"data\":1.5},\"i\":{\"type\":\"Integer\",\"data\":7},"
               "\"b\":{\"type\":\"Boolean\",\"data\":true},\"s\":{\"type\":\"String\",\"data\":\"hi\"},"
               "\"st\":{\"type\":\"Stream\",\"data\":[0,1,255]},\"go\":{\"type\":\"Flow\"}},"
               "\"config\":{\"node_id\":\"node1\",\"resolved_env\":{\"HOME\":\"/h\"},"
               "\"config\":{\"n\":3,\"flag\":true,\"name\":\"x\"}},\"state\":{\"count\":41,\"keep\":\"me\"}}");
    assert_int_equal(runnel__process(reader), 0);
    assert_false(has_error);
    assert_string_equal(
        output, "{\"outputs\":{\"o_flow\":{\"type\":\"Flow\",\"data\":null},"
                "\"o_float\":{\"type\":\"Float\",\"data\":2.0},\"o_bool\":{\"type\":\"Boolean\",\"data\":false},"
                "\"o_str\":{\"type\":\"String\",\"data\":\"x\\\"y\"},\"o_err\":{\"type\":\"Error\",\"data\":\"bad\"},"
                "\"o_stream\":{\"type\":\"Stream\",\"data\":[0,1,255]},"
                "\"o_obj\":{\"type\":\"Object\",\"data\":{\"n\":3,\"flag\":true,\"name\":\"x\"}}},"
                "\"state\":{\"count\":42,\"keep\":\"me\"}}");
}

static int failing(runnel_ctx *ctx)
{
    runnel_output_int(ctx, "output", 1);
    return runnel_fail(ctx, "cannot handle %d", 7);
}

static int silent_failure(runnel_ctx *ctx)
{
    (void)ctx;
    return 3;
}

static void test_process_failures(void **state)
{
    (void)state;
    mock_reset("{\"payload\":{}}");
    assert_int_equal(runnel__process(failing), 1);
    assert_true(has_error);
    assert_false(has_output);
    assert_string_equal(error_text, "Actor processing error: cannot handle 7");
    mock_reset("{\"payload\":{}}");
    assert_int_equal(runnel__process(silent_failure), 1);
    assert_string_equal(error_text, "Actor processing error: process returned 3");
    mock_reset("not json");
    assert_int_equal(runnel__process(doubler), 1);
    assert_non_null(strstr(error_text, "the actor context is not a JSON object"));
    mock_reset("[1]");
    assert_int_equal(runnel__process(doubler), 1);
    assert_true(arena_empty());
}

static int host_user(runnel_ctx *ctx)
{
    (void)ctx;
    runnel_send_int("progress", 50);
    runnel_send_float("ratio", 0.5);
    runnel_send_string("note", "half");
    runnel_json *all = runnel_json_object();
    runnel_json_set(all, "a", runnel_json_bool(true));
    runnel_json_set(all, "b", runnel_json_null());
    runnel_send_all(all);
    int64_t runs = runnel_host_state_int("runs", 0);
    runnel_host_state_set_int("runs", runs + 1);
    assert_int_equal(runnel_host_state_int("runs", 0), runs + 1);
    assert_null(runnel_host_state("never"));
    return 0;
}

static void test_host_functions(void **state)
{
    (void)state;
    mock_reset("{\"payload\":{}}");
    assert_int_equal(runnel__process(host_user), 0);
    assert_int_equal(nsent, 4);
    assert_string_equal(sent[0], "{\"progress\":50}");
    assert_string_equal(sent[1], "{\"ratio\":0.5}");
    assert_string_equal(sent[2], "{\"note\":\"half\"}");
    assert_string_equal(sent[3], "{\"a\":true,\"b\":null}");
    assert_int_equal(nstate, 1);
    assert_string_equal(state_vals[0], "1");
    /* every block the SDK allocated for a host function is freed again; only the output stays */
    size_t live = 0;
    for (size_t i = 0; i < nblocks; i++)
        live += blocks[i].live;
    assert_int_equal(live, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_integers),    cmocka_unit_test(test_json_floats),
        cmocka_unit_test(test_json_strings),     cmocka_unit_test(test_json_structures),
        cmocka_unit_test(test_json_refusals),    cmocka_unit_test(test_metadata_export),
        cmocka_unit_test(test_process_doubles),  cmocka_unit_test(test_process_reads_and_writes),
        cmocka_unit_test(test_process_failures), cmocka_unit_test(test_host_functions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_engine_api_style.c - the conventions every public API of runnel follows (issue 14), on the
 * engine: one value-type table (names, signature letters, the runnel_val <-> runnel_slot conversions
 * generated from RUNNEL_VALTYPES), host functions whose user data has a finalizer, and the allocator
 * hook that the engine's allocations go through.
 */
#include "engine_test_util.h"
#include "util.h"

/* runnel/actor.h needs no jansson (its json_t functions are in runnel/actor_json.h) */
#include <runnel/actor.h>
#ifdef JANSSON_H
#error "runnel/actor.h brought in jansson.h"
#endif

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- the value-type table */

static void test_valtype_table(void **state)
{
    (void)state;
    static const struct {
        runnel_valtype t;
        char letter;
        const char *name;
    } want[] = {
        {RUNNEL_TYPE_I32, 'i', "i32"},         {RUNNEL_TYPE_I64, 'I', "i64"},
        {RUNNEL_TYPE_F32, 'f', "f32"},         {RUNNEL_TYPE_F64, 'F', "f64"},
        {RUNNEL_TYPE_V128, 'V', "v128"},       {RUNNEL_TYPE_FUNCREF, 'r', "funcref"},
        {RUNNEL_TYPE_EXTERNREF, 'x', "externref"},
    };
    /* the binary codes are the public ABI and the spec's (section 5.3) */
    assert_int_equal(RUNNEL_TYPE_I32, 0x7F);
    assert_int_equal(RUNNEL_TYPE_EXTERNREF, 0x6F);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_string_equal(runnel_valtype_name(want[i].t), want[i].name);
        assert_int_equal(runnel_valtype_letter(want[i].t), want[i].letter);
        runnel_valtype back = RUNNEL_TYPE_I32;
        assert_true(runnel_valtype_of_letter(want[i].letter, &back));
        assert_int_equal(back, want[i].t);
    }
    runnel_valtype t = RUNNEL_TYPE_I64;
    assert_false(runnel_valtype_of_letter('q', &t));
    assert_false(runnel_valtype_of_letter('\0', &t));
    assert_int_equal(t, RUNNEL_TYPE_I64);
    assert_string_equal(runnel_valtype_name((runnel_valtype)0x40), "?");
    assert_int_equal(runnel_valtype_letter((runnel_valtype)0x40), '?');
}

/* A value through its slot(s) and back is the same value, bits included (NaN payloads). */
static void round_trip(runnel_val v, size_t nslots)
{
    runnel_slot s[2];
    memset(s, 0xAB, sizeof s);
    assert_int_equal(runnel_val_to_slots(v, s), nslots);
    runnel_val back;
    memset(&back, 0, sizeof back);
    assert_int_equal(runnel_slots_to_val(s, v.type, &back), nslots);
    assert_int_equal(back.type, v.type);
    assert_memory_equal(&back.of, &v.of, v.type == RUNNEL_TYPE_V128 ? 16 : v.type == RUNNEL_TYPE_I32 || v.type == RUNNEL_TYPE_F32 ? 4 : 8);
}

static void test_slot_conversions(void **state)
{
    (void)state;
    round_trip(RUNNEL_I32(-7), 1);
    round_trip(RUNNEL_I64(-5000000000LL), 1);
    runnel_val nan32 = {.type = RUNNEL_TYPE_F32, .of.f32_bits = 0x7fa00001u};
    round_trip(nan32, 1);
    runnel_val nan64 = {.type = RUNNEL_TYPE_F64, .of.f64_bits = 0xfff0000000000123ull};
    round_trip(nan64, 1);
    round_trip(RUNNEL_V128(0x0102030405060708ull, 0x1112131415161718ull), 2);
    int x;
    runnel_val ext = {.type = RUNNEL_TYPE_EXTERNREF, .of.externref = &x};
    round_trip(ext, 1);
    runnel_val fref = {.type = RUNNEL_TYPE_FUNCREF, .of.funcref = NULL};
    round_trip(fref, 1);

    /* the slot forms a host function reads: an i32 in .i32, a ref in .ref, a v128 as lo then hi */
    runnel_slot s[2];
    runnel_val_to_slots(RUNNEL_I32(-1), s);
    assert_int_equal(s[0].i32, 0xFFFFFFFFu);
    runnel_val_to_slots(ext, s);
    assert_ptr_equal(s[0].ref, &x);
    runnel_val_to_slots(RUNNEL_V128(1, 2), s);
    assert_int_equal(s[0].i64, 1);
    assert_int_equal(s[1].i64, 2);
    s[0].i32 = 42; /* upper bytes left as they were: unspecified for an i32 */
    runnel_val v;
    assert_int_equal(runnel_slots_to_val(s, RUNNEL_TYPE_I32, &v), 1);
    assert_int_equal(v.of.i32, 42);

    runnel_val bad = {.type = (runnel_valtype)0x40};
    assert_int_equal(runnel_val_to_slots(bad, s), 0);
    assert_int_equal(runnel_slots_to_val(s, (runnel_valtype)0x40, &v), 0);
}

/* ---------------------------------------------------------------- host functions' user data */

/* (module (import "env" "f" (func $f (param i32) (result i32)))
           (func (export "g") (param i32) (result i32) local.get 0 call $f))   wat2wasm 1.0.32 */
static const uint8_t call_f_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x02, 0x09, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x66, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x07,
    0x05, 0x01, 0x01, 0x67, 0x00, 0x01, 0x0a, 0x08, 0x01, 0x06, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0b,
};

typedef struct counter {
    int calls, freed;
    int add;
} counter;

static runnel_status add_user(runnel_caller *c, const runnel_slot *args, runnel_slot *results, void *user)
{
    (void)c;
    counter *k = user;
    k->calls++;
    results[0].i32 = args[0].i32 + (uint32_t)k->add;
    return RUNNEL_OK;
}

static void free_counter(void *user) { ((counter *)user)->freed++; }

/* The finalizer runs once per successful definition, when the linker is freed (a replaced definition
   too: an instance made before may still call it), and never for a definition that was refused. */
static void test_linker_finalizer(void **state)
{
    (void)state;
    counter a = {.add = 1}, b = {.add = 100}, refused = {0};
    runnel_linker *l = runnel_linker_new();
    assert_non_null(l);
    assert_int_equal(runnel_linker_define_func(l, "env", "f", "i", "i", add_user, &a, free_counter), RUNNEL_OK);
    assert_int_equal(runnel_linker_define_func(l, "env", "f", "iq", "i", add_user, &refused, free_counter),
                     RUNNEL_BADARG);
    runnel_module *m = load(call_f_wasm, sizeof call_f_wasm);
    runnel_store *s = new_store(NULL);
    runnel_instance *first = instantiate(s, m, l);
    assert_int_equal(runnel_linker_define_func(l, "env", "f", "i", "i", add_user, &b, free_counter), RUNNEL_OK);
    runnel_instance *second = instantiate(s, m, l);
    runnel_report r = {0};
    int32_t out = 0;
    assert_int_equal(call_i32(first, "g", 1, 41, 0, &out, &r), RUNNEL_OK);
    assert_int_equal(out, 42);
    assert_int_equal(call_i32(second, "g", 1, 41, 0, &out, &r), RUNNEL_OK);
    assert_int_equal(out, 141);
    assert_int_equal(a.calls + b.calls, 2);
    assert_int_equal(a.freed + b.freed, 0);
    runnel_store_free(s);
    runnel_module_free(m);
    runnel_linker_free(l);
    assert_int_equal(a.freed, 1);
    assert_int_equal(b.freed, 1);
    assert_int_equal(refused.freed, 0);
    runnel_report_clear(&r);
}

/* ---------------------------------------------------------------- option structs that grow */

/* Two versions of one option struct: v2 added b at the end, past v1's sizeof (its tail padding, which
   a v1 caller's size covers with whatever bytes, is never reused). */
typedef struct opts_v1 {
    size_t size;
    int a;
} opts_v1;
typedef struct opts_v2 {
    size_t size;
    int a;
    int64_t b;
} opts_v2;
_Static_assert(offsetof(opts_v2, b) >= sizeof(opts_v1), "v2 must not reuse v1's tail padding");
#define V1_SIZE RN_OPTIONS_V1(opts_v1, a)

static void test_options_growth(void **state)
{
    (void)state;
    opts_v2 got;
    /* a caller built against v1 and a v2 library: b is the default */
    opts_v1 old = {.size = sizeof(opts_v1), .a = 5};
    memset(&got, 0xFF, sizeof got);
    assert_true(rn_options_read(&got, sizeof got, &old, V1_SIZE));
    assert_int_equal(got.a, 5);
    assert_int_equal(got.b, 0);
    assert_int_equal(got.size, sizeof got);
    /* size 0 (a zero-initialised struct) reads as v1, whatever follows */
    opts_v2 zero = {.a = 6, .b = 7};
    assert_true(rn_options_read(&got, sizeof got, &zero, V1_SIZE));
    assert_int_equal(got.a, 6);
    assert_int_equal(got.b, 0);
    /* with its size set, a v2 caller's b is read */
    opts_v2 cur = RUNNEL_OPTIONS_INIT(opts_v2);
    cur.a = 1, cur.b = 2;
    assert_true(rn_options_read(&got, sizeof got, &cur, V1_SIZE));
    assert_int_equal(got.b, 2);
    /* NULL: all defaults */
    assert_true(rn_options_read(&got, sizeof got, NULL, V1_SIZE));
    assert_int_equal(got.a, 0);
    assert_int_equal(got.size, sizeof got);
    /* a v2 caller and a v1 library, or a size smaller than v1's: refused */
    opts_v1 lib;
    assert_false(rn_options_read(&lib, sizeof lib, &cur, V1_SIZE));
    opts_v1 tiny = {.size = 1};
    assert_false(rn_options_read(&lib, sizeof lib, &tiny, V1_SIZE));

    /* the public structs follow the rule: runnel_store_new refuses a size from a newer header */
    runnel_config cfg = RUNNEL_OPTIONS_INIT(runnel_config);
    cfg.max_call_depth = 50;
    runnel_store *s = runnel_store_new(&cfg);
    assert_non_null(s);
    runnel_store_free(s);
    cfg.size = sizeof cfg + 8;
    assert_null(runnel_store_new(&cfg));
    cfg.size = 0;
    s = runnel_store_new(&cfg);
    assert_non_null(s);
    runnel_store_free(s);
}

/* ---------------------------------------------------------------- helpers defined once (util.h) */

static char *fmt_max(size_t max, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = rn_vformat_max(max, fmt, ap);
    va_end(ap);
    return s;
}

/* printf into a malloc'ed message: whole when it fits, else its start and "..." within max bytes. */
static void test_format_helpers(void **state)
{
    (void)state;
    char *s = rn_format("%s=%d", "x", 42);
    assert_string_equal(s, "x=42");
    free(s);
    s = fmt_max(8, "%s", "1234567");
    assert_string_equal(s, "1234567");
    free(s);
    s = fmt_max(8, "%s", "12345678");
    assert_string_equal(s, "1234...");
    free(s);
    char big[3000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    s = fmt_max(512, "guest says %s", big);
    assert_int_equal(strlen(s), 511);
    assert_memory_equal(s, "guest says aaa", 14);
    assert_string_equal(s + 508, "...");
    free(s);
}

/* Messages holding JSON, through actor.h alone: the text forms, the value an opaque struct json_t. */
static void test_actor_h_without_jansson(void **state)
{
    (void)state;
    runnel_msg m;
    runnel_report r = {0};
    const char *text = "{\"type\":\"Object\",\"data\":{\"n\":1}}";
    assert_int_equal(runnel_msg_parse(&m, text, strlen(text), &r), RUNNEL_OK);
    assert_int_equal(m.type, RUNNEL_MSG_OBJECT);
    assert_non_null(m.as.json);
    char *back = runnel_msg_to_text(&m);
    assert_string_equal(back, text);
    free(back);
    runnel_msg_clear(&m);
    runnel_report_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valtype_table),
        cmocka_unit_test(test_slot_conversions),
        cmocka_unit_test(test_linker_finalizer),
        cmocka_unit_test(test_options_growth),
        cmocka_unit_test(test_actor_h_without_jansson),
        cmocka_unit_test(test_format_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

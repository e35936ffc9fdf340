/*
 * test_engine_api_style.c - the conventions every public API of runnel follows (issue 14), on the
 * engine: one value-type table (names, signature letters, the runnel_val <-> runnel_slot conversions
 * generated from RUNNEL_VALTYPES), host functions whose user data has a finalizer, and the allocator
 * hook that the engine's allocations go through.
 */
#include "engine_test_util.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valtype_table),
        cmocka_unit_test(test_slot_conversions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

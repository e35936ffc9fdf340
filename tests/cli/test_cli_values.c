/*
 * test_cli_values.c - the CLI's value text, both ways (src/cli/cli.c).
 *
 * What `runnel run --invoke` accepts and prints is an interface: scripts parse it and users paste
 * results back as arguments. So besides examples of each form, the round-trip property is tested
 * on many pseudo-random bit patterns: printing a float and reading the text back gives the same bits,
 * NaN payloads and signs included.
 */
#include "cli.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static bool parse(const char *s, runnel_valtype t, runnel_val *v)
{
    memset(v, 0xAA, sizeof *v);
    return rn_cli_parse_val(s, t, v);
}

/* s read as type t, which must be accepted and give a value of that type. */
static runnel_val accepted(const char *s, runnel_valtype t)
{
    runnel_val v;
    assert_true(parse(s, t, &v));
    assert_int_equal(v.type, t);
    return v;
}

static int32_t i32_of(const char *s) { return accepted(s, RUNNEL_TYPE_I32).of.i32; }
static int64_t i64_of(const char *s) { return accepted(s, RUNNEL_TYPE_I64).of.i64; }
static uint32_t f32_bits_of(const char *s) { return accepted(s, RUNNEL_TYPE_F32).of.f32_bits; }
static uint64_t f64_bits_of(const char *s) { return accepted(s, RUNNEL_TYPE_F64).of.f64_bits; }

static void assert_rejected(const char *s, runnel_valtype t)
{
    runnel_val v;
    if (parse(s, t, &v))
        fail_msg("'%s' was accepted as %s", s, rn_cli_type_name(t));
}

static const char *text_of(runnel_val v)
{
    static char buf[64]; /* a test, one value at a time */
    rn_cli_format_val(buf, sizeof buf, v);
    return buf;
}

static runnel_val f32_from_bits(uint32_t b)
{
    runnel_val v = {.type = RUNNEL_TYPE_F32};
    v.of.f32_bits = b;
    return v;
}

static runnel_val f64_from_bits(uint64_t b)
{
    runnel_val v = {.type = RUNNEL_TYPE_F64};
    v.of.f64_bits = b;
    return v;
}

static void test_integers_in(void **state)
{
    (void)state;
    assert_int_equal(i32_of("0"), 0);
    assert_int_equal(i32_of("42"), 42);
    assert_int_equal(i32_of("+5"), 5);
    assert_int_equal(i32_of("-1"), -1);
    assert_int_equal(i32_of("0xffffffff"), -1);
    assert_int_equal(i32_of("4294967295"), -1);
    assert_int_equal(i32_of("0X1F"), 31);
    assert_int_equal(i32_of("-0x10"), -16);
    assert_int_equal(i32_of("-2147483648"), INT32_MIN);
    assert_int_equal(i32_of("2147483648"), INT32_MIN);
    assert_rejected("-2147483649", RUNNEL_TYPE_I32);
    assert_rejected("4294967296", RUNNEL_TYPE_I32);
    assert_rejected("", RUNNEL_TYPE_I32);
    assert_rejected("-", RUNNEL_TYPE_I32);
    assert_rejected("0x", RUNNEL_TYPE_I32);
    assert_rejected(" 1", RUNNEL_TYPE_I32);
    assert_rejected("1 ", RUNNEL_TYPE_I32);
    assert_rejected("12a", RUNNEL_TYPE_I32);
    assert_rejected("1.5", RUNNEL_TYPE_I32);
    assert_rejected("--1", RUNNEL_TYPE_I32);

    assert_true(i64_of("18446744073709551615") == -1);
    assert_true(i64_of("-9223372036854775808") == INT64_MIN);
    assert_true(i64_of("0x7fffffffffffffff") == INT64_MAX);
    assert_true(i64_of("4294967296") == INT64_C(4294967296));
    assert_rejected("18446744073709551616", RUNNEL_TYPE_I64);
    assert_rejected("-9223372036854775809", RUNNEL_TYPE_I64);
    assert_rejected("0x10000000000000000", RUNNEL_TYPE_I64);
}

static void test_floats_in(void **state)
{
    (void)state;
    assert_int_equal(f32_bits_of("1.5"), 0x3fc00000);
    assert_int_equal(f32_bits_of("0.1"), 0x3dcccccd); /* rounded once, by strtof */
    assert_int_equal(f32_bits_of("-0"), 0x80000000);
    assert_int_equal(f32_bits_of("2"), 0x40000000);
    assert_int_equal(f32_bits_of("0x1.8p1"), 0x40400000);
    assert_int_equal(f32_bits_of("inf"), 0x7f800000);
    assert_int_equal(f32_bits_of("-inf"), 0xff800000);
    assert_int_equal(f32_bits_of("nan"), 0x7fc00000);
    assert_int_equal(f32_bits_of("-nan"), 0xffc00000);
    assert_int_equal(f32_bits_of("nan:0x1"), 0x7f800001);
    assert_int_equal(f32_bits_of("-nan:0x7fffff"), 0xffffffff);
    assert_int_equal(f32_bits_of("1e-50"), 0); /* underflow to zero is a value, not an error */
    assert_rejected("1e39", RUNNEL_TYPE_F32);  /* overflow is */
    assert_rejected("nan:0x0", RUNNEL_TYPE_F32);
    assert_rejected("nan:0x800000", RUNNEL_TYPE_F32);
    assert_rejected("nan:1", RUNNEL_TYPE_F32);
    assert_rejected("nan(1)", RUNNEL_TYPE_F32);
    assert_rejected("NAN", RUNNEL_TYPE_F32);
    assert_rejected("", RUNNEL_TYPE_F32);
    assert_rejected(" 1", RUNNEL_TYPE_F32);
    assert_rejected("1.5x", RUNNEL_TYPE_F32);

    assert_true(f64_bits_of("0.1") == UINT64_C(0x3fb999999999999a));
    assert_true(f64_bits_of("1e39") == UINT64_C(0x48078287f49c4a1d));
    assert_true(f64_bits_of("nan") == UINT64_C(0x7ff8000000000000));
    assert_true(f64_bits_of("nan:0x4000000000000") == UINT64_C(0x7ff4000000000000));
    assert_true(f64_bits_of("-infinity") == UINT64_C(0xfff0000000000000));
    assert_rejected("1e309", RUNNEL_TYPE_F64);
    assert_rejected("nan:0x10000000000000", RUNNEL_TYPE_F64);
}

static void test_other_types_in(void **state)
{
    (void)state;
    runnel_val v;
    assert_true(parse("null", RUNNEL_TYPE_FUNCREF, &v));
    assert_int_equal(v.type, RUNNEL_TYPE_FUNCREF);
    assert_null(v.of.funcref);
    assert_true(parse("null", RUNNEL_TYPE_EXTERNREF, &v));
    assert_null(v.of.externref);
    assert_rejected("0", RUNNEL_TYPE_EXTERNREF);
    /* a v128: 0x and 32 hex digits, most significant first */
    assert_true(parse("0x000102030405060708090a0b0c0d0eFF", RUNNEL_TYPE_V128, &v));
    assert_int_equal(v.type, RUNNEL_TYPE_V128);
    assert_true(v.of.v128.hi == UINT64_C(0x0001020304050607));
    assert_true(v.of.v128.lo == UINT64_C(0x08090a0b0c0d0eff));
    assert_string_equal(text_of(v), "0x000102030405060708090a0b0c0d0eff");
    assert_rejected("0", RUNNEL_TYPE_V128);
    assert_rejected("0x1", RUNNEL_TYPE_V128);                                  /* too short */
    assert_rejected("0x000102030405060708090a0b0c0d0e0f0", RUNNEL_TYPE_V128);  /* too long */
    assert_rejected("0x000102030405060708090a0b0c0d0eg0", RUNNEL_TYPE_V128);   /* not hex */
    assert_rejected("000102030405060708090a0b0c0d0e0f00", RUNNEL_TYPE_V128);   /* no 0x */
}

static void test_values_out(void **state)
{
    (void)state;
    assert_string_equal(text_of(RUNNEL_I32(-1)), "-1");
    assert_string_equal(text_of(RUNNEL_I32(INT32_MIN)), "-2147483648");
    assert_string_equal(text_of(RUNNEL_I64(INT64_MIN)), "-9223372036854775808");
    assert_string_equal(text_of(RUNNEL_I64(INT64_C(2880067194370816120))), "2880067194370816120");
    assert_string_equal(text_of(RUNNEL_F32(0.1f)), "0.1");
    assert_string_equal(text_of(RUNNEL_F32(1.5f)), "1.5");
    assert_string_equal(text_of(RUNNEL_F32(16777216.0f)), "16777216");
    assert_string_equal(text_of(RUNNEL_F32(1.0f / 3.0f)), "0.33333334");
    assert_string_equal(text_of(RUNNEL_F64(0.1)), "0.1");
    assert_string_equal(text_of(RUNNEL_F64(1.0 / 3.0)), "0.3333333333333333");
    assert_string_equal(text_of(RUNNEL_F64(123456789.0)), "123456789");
    assert_string_equal(text_of(RUNNEL_F64(1e300)), "1e+300");
    assert_string_equal(text_of(f64_from_bits(1)), "5e-324");
    assert_string_equal(text_of(f64_from_bits(UINT64_C(0x8000000000000000))), "-0");
    assert_string_equal(text_of(f32_from_bits(0x7f800000)), "inf");
    assert_string_equal(text_of(f32_from_bits(0xff800000)), "-inf");
    assert_string_equal(text_of(f32_from_bits(0x7fc00000)), "nan");
    assert_string_equal(text_of(f32_from_bits(0xffc00000)), "-nan");
    assert_string_equal(text_of(f32_from_bits(0x7f800001)), "nan:0x1");
    assert_string_equal(text_of(f64_from_bits(UINT64_C(0x7ff8000000000000))), "nan");
    assert_string_equal(text_of(f64_from_bits(UINT64_C(0x7ff0000000000001))), "nan:0x1");
    runnel_val null_ref = {.type = RUNNEL_TYPE_EXTERNREF};
    assert_string_equal(text_of(null_ref), "null");
}

static uint64_t next_random(uint64_t *s) /* xorshift64 */
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Print then parse gives back the bits, for every kind of float: random patterns cover normals,
   subnormals (top bits clear), NaNs with payloads and infinities (exponent forced all ones). */
static void test_float_round_trip(void **state)
{
    (void)state;
    uint64_t seed = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < 200000; i++) {
        uint64_t r = next_random(&seed);
        switch (i % 4) {
        case 1: r &= UINT64_C(0x800fffffffffffff); break; /* subnormal or zero */
        case 2: r |= UINT64_C(0x7ff0000000000000); break; /* NaN or infinity */
        default: break;
        }
        runnel_val v = f64_from_bits(r), back;
        char text[64];
        rn_cli_format_val(text, sizeof text, v);
        if (!rn_cli_parse_val(text, RUNNEL_TYPE_F64, &back) || back.of.f64_bits != r)
            fail_msg("f64 0x%016llx printed as '%s' does not read back", (unsigned long long)r, text);

        uint32_t r32 = (uint32_t)(r >> 32);
        if (i % 4 == 1)
            r32 &= 0x807fffffu;
        v = f32_from_bits(r32);
        rn_cli_format_val(text, sizeof text, v);
        if (!rn_cli_parse_val(text, RUNNEL_TYPE_F32, &back) || back.of.f32_bits != r32)
            fail_msg("f32 0x%08x printed as '%s' does not read back", (unsigned)r32, text);
    }
}

static void test_integer_round_trip(void **state)
{
    (void)state;
    uint64_t seed = 12345;
    for (int i = 0; i < 100000; i++) {
        uint64_t r = next_random(&seed);
        runnel_val back;
        char text[64];
        rn_cli_format_val(text, sizeof text, RUNNEL_I64((int64_t)r));
        assert_true(rn_cli_parse_val(text, RUNNEL_TYPE_I64, &back));
        assert_true((uint64_t)back.of.i64 == r);
        rn_cli_format_val(text, sizeof text, RUNNEL_I32((int32_t)(uint32_t)r));
        assert_true(rn_cli_parse_val(text, RUNNEL_TYPE_I32, &back));
        assert_true((uint32_t)back.of.i32 == (uint32_t)r);
    }
}

static void test_unsigned_options(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_true(rn_cli_parse_u64("65536", 65536, &v));
    assert_true(v == 65536);
    assert_false(rn_cli_parse_u64("65537", 65536, &v));
    assert_true(rn_cli_parse_u64("0x10", UINT64_MAX, &v));
    assert_true(v == 16);
    assert_true(rn_cli_parse_u64("18446744073709551615", UINT64_MAX, &v));
    assert_true(v == UINT64_MAX);
    assert_false(rn_cli_parse_u64("18446744073709551616", UINT64_MAX, &v));
    assert_false(rn_cli_parse_u64("-1", UINT64_MAX, &v));
    assert_false(rn_cli_parse_u64("", UINT64_MAX, &v));
}

static void test_option_forms(void **state)
{
    (void)state;
    char *argv[] = {"run", "--fuel", "5", "--fuel=7", "--fuelish", "-fuel", "--fuel"};
    int argc = 7, i = 1;
    const char *value = NULL;
    assert_int_equal(rn_cli_option(argc, argv, &i, "fuel", &value), 1);
    assert_string_equal(value, "5");
    assert_int_equal(i, 2); /* moved past the value */
    i = 3;
    assert_int_equal(rn_cli_option(argc, argv, &i, "fuel", &value), 1);
    assert_string_equal(value, "7");
    assert_int_equal(i, 3);
    i = 4;
    assert_int_equal(rn_cli_option(argc, argv, &i, "fuel", &value), 0);
    i = 5;
    assert_int_equal(rn_cli_option(argc, argv, &i, "fuel", &value), 0);
    i = 6;
    assert_int_equal(rn_cli_option(argc, argv, &i, "fuel", &value), -1); /* no value follows */
    assert_true(rn_cli_is_help("-h"));
    assert_true(rn_cli_is_help("--help"));
    assert_false(rn_cli_is_help("--helpme"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers_in),      cmocka_unit_test(test_floats_in),
        cmocka_unit_test(test_other_types_in),   cmocka_unit_test(test_values_out),
        cmocka_unit_test(test_float_round_trip), cmocka_unit_test(test_integer_round_trip),
        cmocka_unit_test(test_unsigned_options), cmocka_unit_test(test_option_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

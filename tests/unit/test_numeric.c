/*
 * test_numeric.c - the numeric semantics in numeric.h against the WebAssembly spec (4.3).
 *
 * Three kinds of checks:
 *   - hand-picked edge cases per group, most taken from the official spec tests (i32.wast,
 *     i64.wast, f32.wast, f64.wast, conversions.wast, float_misc.wast): trap kinds and the exact
 *     boundaries where a trap starts, NaN and signed-zero handling, rounding ties;
 *   - differential checks against independent reference implementations written here in plain
 *     integer arithmetic (correctly rounded int -> float, round-half-even), over pseudo-random and
 *     near-tie inputs, because single examples cannot show rounding is right everywhere;
 *   - a sweep that runs every entry of insn.h's lists over interesting bit patterns and checks the
 *     spec's NaN rules (no signalling NaN ever comes out of an arithmetic op, canonical in gives
 *     canonical out) and that the trapping conversions agree with the saturating ones. Under
 *     AddressSanitizer/UBSan this sweep also shows that no input reaches undefined behaviour.
 *
 * Builds standalone (only headers needed):
 *   cc -std=c17 -Wall -Wextra -ffp-contract=off -Iinclude -Isrc/engine tests/unit/test_numeric.c -lcmocka -lm
 */
#include "numeric.h"

#include <fenv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* ---- helpers ---- */

static float f32b(uint32_t bits) { return rn_f32_from_bits(bits); }
static double f64b(uint64_t bits) { return rn_f64_from_bits(bits); }

#define F32_CANON 0x7FC00000u
#define F32_SNAN 0x7FA00000u /* signalling NaN with payload 0x200000 (f32.wast's nan:0x200000) */
#define F64_CANON 0x7FF8000000000000u
#define F64_SNAN 0x7FF4000000000000u

static int is_nan32(uint32_t b) { return (b & 0x7F800000u) == 0x7F800000u && (b & 0x7FFFFFu) != 0; }
static int is_nan64(uint64_t b)
{
    return (b & 0x7FF0000000000000u) == 0x7FF0000000000000u && (b & 0xFFFFFFFFFFFFFu) != 0;
}
/* "arithmetic" NaN (spec 4.3.3): quiet bit set; "canonical": only the quiet bit, either sign. */
static int is_arith32(uint32_t b) { return is_nan32(b) && (b & 0x400000u); }
static int is_canon32(uint32_t b) { return (b & 0x7FFFFFFFu) == F32_CANON; }
static int is_arith64(uint64_t b) { return is_nan64(b) && (b & 0x8000000000000u); }
static int is_canon64(uint64_t b) { return (b & 0x7FFFFFFFFFFFFFFFu) == F64_CANON; }

#define assert_f32_bits(val, bits) assert_int_equal(rn_f32_bits(val), (uint32_t)(bits))
#define assert_f64_bits(val, bits) assert_int_equal(rn_f64_bits(val), (uint64_t)(bits))

/* Deterministic xorshift64* so every run tests the same inputs. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Du;
}

/* ---- integer arithmetic ---- */

static void test_int_wrapping(void **state)
{
    (void)state;
    assert_int_equal(rn_i32_add(0xFFFFFFFFu, 1), 0);
    assert_int_equal(rn_i32_add(0x7FFFFFFFu, 1), 0x80000000u);
    assert_int_equal(rn_i32_sub(0x80000000u, 1), 0x7FFFFFFFu);
    assert_int_equal(rn_i32_mul(0x10000000u, 4096), 0);
    assert_int_equal(rn_i32_mul(0x01234567u, 0x76543210u), 0x358E7470u);
    assert_int_equal(rn_i32_mul(0x7FFFFFFFu, 0xFFFFFFFFu), 0x80000001u);
    assert_int_equal(rn_i64_add(0x7FFFFFFFFFFFFFFFu, 1), 0x8000000000000000u);
    assert_int_equal(rn_i64_sub(0, 1), UINT64_MAX);
    assert_int_equal(rn_i64_mul(0x0123456789ABCDEFu, 0xFEDCBA9876543210u), 0x2236D88FE5618CF0u);
    assert_int_equal(rn_i64_mul(0x7FFFFFFFFFFFFFFFu, UINT64_MAX), 0x8000000000000001u);
    assert_int_equal(rn_i32_and(0xF0F0FFFFu, 0xFFFFF0F0u), 0xF0F0F0F0u);
    assert_int_equal(rn_i32_or(0xF0F0F0F0u, 0x0F0F0F0Fu), 0xFFFFFFFFu);
    assert_int_equal(rn_i32_xor(0xFFFFFFFFu, 0x0F0F0F0Fu), 0xF0F0F0F0u);
    assert_int_equal(rn_i64_xor(UINT64_MAX, 0x0F0F0F0F0F0F0F0Fu), 0xF0F0F0F0F0F0F0F0u);
}

static void test_int_div_traps(void **state)
{
    (void)state;
    uint32_t r32 = 12345;
    uint64_t r64 = 12345;
    /* Division by zero traps for every variant, including 0/0, and leaves *out alone. */
    assert_int_equal(rn_i32_div_s(1, 0, &r32), RUNNEL_TRAP_DIV_ZERO);
    assert_int_equal(rn_i32_div_s(0, 0, &r32), RUNNEL_TRAP_DIV_ZERO);
    assert_int_equal(rn_i32_div_s(0x80000000u, 0, &r32), RUNNEL_TRAP_DIV_ZERO);
    assert_int_equal(rn_i32_div_u(1, 0, &r32), RUNNEL_TRAP_DIV_ZERO);
    assert_int_equal(rn_i32_rem_s(1, 0, &r32), RUNNEL_TRAP_DIV_ZERO);
    assert_int_equal(rn_i32_rem_s(0x80000000u, 0, &r32), RUNNEL_TRAP_DIV_ZERO);
    assert_int_equal(rn_i32_rem_u(1, 0, &r32), RUNNEL_TRAP_DIV_ZERO);
    assert_int_equal(rn_i64_div_s(1, 0, &r64), RUNNEL_TRAP_DIV_ZERO);
    assert_int_equal(rn_i64_div_s(0, 0, &r64), RUNNEL_TRAP_DIV_ZERO);
    assert_int_equal(rn_i64_div_u(1, 0, &r64), RUNNEL_TRAP_DIV_ZERO);
    assert_int_equal(rn_i64_rem_s(1, 0, &r64), RUNNEL_TRAP_DIV_ZERO);
    assert_int_equal(rn_i64_rem_u(1, 0, &r64), RUNNEL_TRAP_DIV_ZERO);
    assert_int_equal(r32, 12345);
    assert_int_equal(r64, 12345);

    /* INT_MIN / -1 overflows; INT_MIN % -1 is 0; INT_MIN / 1 and / -2 are fine. */
    assert_int_equal(rn_i32_div_s(0x80000000u, 0xFFFFFFFFu, &r32), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i64_div_s(0x8000000000000000u, UINT64_MAX, &r64), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i32_rem_s(0x80000000u, 0xFFFFFFFFu, &r32), 0);
    assert_int_equal(r32, 0);
    assert_int_equal(rn_i64_rem_s(0x8000000000000000u, UINT64_MAX, &r64), 0);
    assert_int_equal(r64, 0);
    assert_int_equal(rn_i32_div_s(0x80000000u, 1, &r32), 0);
    assert_int_equal(r32, 0x80000000u);
    assert_int_equal(rn_i32_div_s(0x80000000u, 0xFFFFFFFEu, &r32), 0);
    assert_int_equal(r32, 0x40000000u);
    assert_int_equal(rn_i64_div_s(0x8000000000000000u, 0xFFFFFFFFFFFFFFFEu, &r64), 0);
    assert_int_equal(r64, 0x4000000000000000u);
    /* Unsigned views of the same bits do not overflow. */
    assert_int_equal(rn_i32_div_u(0x80000000u, 0xFFFFFFFFu, &r32), 0);
    assert_int_equal(r32, 0);
    assert_int_equal(rn_i32_rem_u(0x80000000u, 0xFFFFFFFFu, &r32), 0);
    assert_int_equal(r32, 0x80000000u);
    assert_int_equal(rn_i64_div_u(0x8000000000000000u, 2, &r64), 0);
    assert_int_equal(r64, 0x4000000000000000u);
}

static void test_int_div_rounding(void **state)
{
    (void)state;
    uint32_t r32;
    uint64_t r64;
    /* Quotients truncate toward zero; remainders take the dividend's sign (i32.wast). */
    assert_int_equal(rn_i32_div_s(7, 0xFFFFFFFEu /* -2 */, &r32), 0);
    assert_int_equal(r32, 0xFFFFFFFDu); /* -3 */
    assert_int_equal(rn_i32_div_s(0xFFFFFFF9u /* -7 */, 2, &r32), 0);
    assert_int_equal(r32, 0xFFFFFFFDu);
    assert_int_equal(rn_i32_div_s(0xFFFFFFF9u, 0xFFFFFFFEu, &r32), 0);
    assert_int_equal(r32, 3);
    assert_int_equal(rn_i32_rem_s(0xFFFFFFF9u, 2, &r32), 0);
    assert_int_equal(r32, 0xFFFFFFFFu); /* -1 */
    assert_int_equal(rn_i32_rem_s(7, 0xFFFFFFFEu, &r32), 0);
    assert_int_equal(r32, 1);
    assert_int_equal(rn_i32_rem_s(0x80000000u, 2, &r32), 0);
    assert_int_equal(r32, 0);
    assert_int_equal(rn_i32_rem_s(0x80000001u, 1000, &r32), 0);
    assert_int_equal(r32, 0xFFFFFD79u); /* -647 */
    assert_int_equal(rn_i32_div_u(0xFFFFFFF9u, 2, &r32), 0);
    assert_int_equal(r32, 0x7FFFFFFCu);
    assert_int_equal(rn_i32_rem_u(0x8FF00FF0u, 0x10001u, &r32), 0);
    assert_int_equal(r32, 0x8001u);
    assert_int_equal(rn_i64_div_s(0xFFFFFFFFFFFFFFF9u, 2, &r64), 0);
    assert_int_equal(r64, 0xFFFFFFFFFFFFFFFDu);
    assert_int_equal(rn_i64_rem_s(0x8000000000000001u, 1000, &r64), 0);
    assert_int_equal(r64, 0xFFFFFFFFFFFFFCD9u); /* -807 */
    assert_int_equal(rn_i64_div_u(0x8FF00FF00FF00FF0u, 0x100000001u, &r64), 0);
    assert_int_equal(r64, 0x8FF00FEFu);
    assert_int_equal(rn_i64_rem_u(0x8FF00FF00FF00FF0u, 0x100000001u, &r64), 0);
    assert_int_equal(r64, 0x80000001u);
}

static void test_int_compare(void **state)
{
    (void)state;
    /* Signed views: 0x80000000 is the smallest, 0xFFFFFFFF is -1. */
    assert_int_equal(rn_i32_lt_s(0x80000000u, 0x7FFFFFFFu), 1);
    assert_int_equal(rn_i32_lt_u(0x80000000u, 0x7FFFFFFFu), 0);
    assert_int_equal(rn_i32_gt_s(0xFFFFFFFFu, 0), 0);
    assert_int_equal(rn_i32_gt_u(0xFFFFFFFFu, 0), 1);
    assert_int_equal(rn_i32_le_s(0x80000000u, 0x80000000u), 1);
    assert_int_equal(rn_i32_ge_s(0xFFFFFFFFu, 0x80000000u), 1);
    assert_int_equal(rn_i32_le_u(1, 0), 0);
    assert_int_equal(rn_i32_ge_u(0, 1), 0);
    assert_int_equal(rn_i32_eq(5, 5), 1);
    assert_int_equal(rn_i32_ne(5, 5), 0);
    assert_int_equal(rn_i32_eqz(0), 1);
    assert_int_equal(rn_i32_eqz(0x80000000u), 0);
    assert_int_equal(rn_i64_lt_s(0x8000000000000000u, 0x7FFFFFFFFFFFFFFFu), 1);
    assert_int_equal(rn_i64_lt_u(0x8000000000000000u, 0x7FFFFFFFFFFFFFFFu), 0);
    assert_int_equal(rn_i64_gt_s(UINT64_MAX, 0), 0);
    assert_int_equal(rn_i64_gt_u(UINT64_MAX, 0), 1);
    assert_int_equal(rn_i64_le_s(UINT64_MAX, 0), 1);
    assert_int_equal(rn_i64_ge_s(0, UINT64_MAX), 1);
    assert_int_equal(rn_i64_le_u(UINT64_MAX, 0), 0);
    assert_int_equal(rn_i64_ge_u(UINT64_MAX, 0), 1);
    /* i64 comparisons look at all 64 bits, not just the low half. */
    assert_int_equal(rn_i64_eq(0x100000000u, 0), 0);
    assert_int_equal(rn_i64_ne(0x100000000u, 0), 1);
    assert_int_equal(rn_i64_eqz(0x100000000u), 0);
    assert_int_equal(rn_i64_eqz(0), 1);
}

static void test_shifts_and_rotates(void **state)
{
    (void)state;
    /* The count is taken modulo the width (spec 4.3.2), never shifting by >= width in C. */
    assert_int_equal(rn_i32_shl(1, 31), 0x80000000u);
    assert_int_equal(rn_i32_shl(1, 32), 1);
    assert_int_equal(rn_i32_shl(1, 33), 2);
    assert_int_equal(rn_i32_shl(1, 0xFFFFFFFFu), 0x80000000u);
    assert_int_equal(rn_i32_shr_u(0x80000000u, 32), 0x80000000u);
    assert_int_equal(rn_i32_shr_u(0x80000000u, 63), 1);
    assert_int_equal(rn_i32_shr_s(0x80000000u, 31), 0xFFFFFFFFu);
    assert_int_equal(rn_i32_shr_s(0x80000000u, 32), 0x80000000u);
    assert_int_equal(rn_i32_shr_s(0x80000000u, 33), 0xC0000000u);
    assert_int_equal(rn_i32_shr_s(0x7FFFFFFFu, 30), 1);
    assert_int_equal(rn_i32_shr_s(0xFFFFFFFFu, 0xFFFFFFFFu), 0xFFFFFFFFu);
    assert_int_equal(rn_i32_shr_s(0x40000000u, 0xFFFFFFFFu), 0);
    assert_int_equal(rn_i64_shl(1, 63), 0x8000000000000000u);
    assert_int_equal(rn_i64_shl(1, 64), 1);
    assert_int_equal(rn_i64_shl(1, 65), 2);
    assert_int_equal(rn_i64_shl(1, UINT64_MAX), 0x8000000000000000u);
    assert_int_equal(rn_i64_shr_u(0x8000000000000000u, 64), 0x8000000000000000u);
    assert_int_equal(rn_i64_shr_u(0x8000000000000000u, 127), 1);
    assert_int_equal(rn_i64_shr_s(0x8000000000000000u, 63), UINT64_MAX);
    assert_int_equal(rn_i64_shr_s(0x8000000000000000u, 65), 0xC000000000000000u);
    assert_int_equal(rn_i64_shr_s(0x8000000000000000u, 0x8000000000000000u), 0x8000000000000000u);
    /* Rotations (i32.wast / i64.wast). */
    assert_int_equal(rn_i32_rotl(0xABCD9876u, 1), 0x579B30EDu);
    assert_int_equal(rn_i32_rotl(0xFE00DC00u, 4), 0xE00DC00Fu);
    assert_int_equal(rn_i32_rotl(0xB0C1D2E3u, 5), 0x183A5C76u);
    assert_int_equal(rn_i32_rotl(0x00008000u, 37), 0x00100000u);
    assert_int_equal(rn_i32_rotl(0x769ABCDFu, 0xFFFFFFEDu), 0x579BEED3u);
    assert_int_equal(rn_i32_rotl(1, 31), 0x80000000u);
    assert_int_equal(rn_i32_rotl(0x80000000u, 1), 1);
    assert_int_equal(rn_i32_rotl(0x12345678u, 0), 0x12345678u);
    assert_int_equal(rn_i32_rotl(0x12345678u, 32), 0x12345678u);
    assert_int_equal(rn_i32_rotr(0xB0C1D2E3u, 5), 0x1D860E97u);
    assert_int_equal(rn_i32_rotr(0xFF00CC00u, 1), 0x7F806600u);
    assert_int_equal(rn_i32_rotr(0x769ABCDFu, 0xFFFFFFEDu), 0xE6FBB4D5u);
    assert_int_equal(rn_i32_rotr(1, 1), 0x80000000u);
    assert_int_equal(rn_i32_rotr(0x12345678u, 0), 0x12345678u);
    assert_int_equal(rn_i32_rotr(0x12345678u, 64), 0x12345678u);
    assert_int_equal(rn_i64_rotl(0xABCD987602468ACEu, 1), 0x579B30EC048D159Du);
    assert_int_equal(rn_i64_rotl(0xABD1234EF567809Cu, 63), 0x55E891A77AB3C04Eu);
    assert_int_equal(rn_i64_rotl(0x8000000000000000u, 1), 1);
    assert_int_equal(rn_i64_rotl(0x123456789u, 64), 0x123456789u);
    assert_int_equal(rn_i64_rotl(0x123456789u, 0), 0x123456789u);
    assert_int_equal(rn_i64_rotr(0xABCD987602468ACEu, 1), 0x55E6CC3B01234567u);
    assert_int_equal(rn_i64_rotr(0xABD1234EF567809Cu, 63), 0x57A2469DEACF0139u);
    assert_int_equal(rn_i64_rotr(1, 1), 0x8000000000000000u);
    assert_int_equal(rn_i64_rotr(0x123456789u, 0), 0x123456789u);
    assert_int_equal(rn_i64_rotr(0x123456789u, 128), 0x123456789u);
}

static void test_bit_counts(void **state)
{
    (void)state;
    /* The counts of 0 are the width (the C builtins are undefined there). */
    assert_int_equal(rn_i32_clz(0), 32);
    assert_int_equal(rn_i32_ctz(0), 32);
    assert_int_equal(rn_i64_clz(0), 64);
    assert_int_equal(rn_i64_ctz(0), 64);
    assert_int_equal(rn_i32_clz(1), 31);
    assert_int_equal(rn_i32_clz(0x80000000u), 0);
    assert_int_equal(rn_i32_clz(0x00008000u), 16);
    assert_int_equal(rn_i32_ctz(0x80000000u), 31);
    assert_int_equal(rn_i32_ctz(0x00010000u), 16);
    assert_int_equal(rn_i64_clz(1), 63);
    assert_int_equal(rn_i64_clz(0x00008000u), 48);
    assert_int_equal(rn_i64_clz(0x8000000000000000u), 0);
    assert_int_equal(rn_i64_ctz(0x8000000000000000u), 63);
    assert_int_equal(rn_i64_ctz(0x100000000u), 32);
    assert_int_equal(rn_i32_popcnt(0), 0);
    assert_int_equal(rn_i32_popcnt(0xFFFFFFFFu), 32);
    assert_int_equal(rn_i32_popcnt(0xAAAA5555u), 16);
    assert_int_equal(rn_i32_popcnt(0xDEADBEEFu), 24);
    assert_int_equal(rn_i64_popcnt(UINT64_MAX), 64);
    assert_int_equal(rn_i64_popcnt(0x00008000u), 1);
    assert_int_equal(rn_i64_popcnt(0xDEADBEEFDEADBEEFu), 48);
}

static void test_sign_extension(void **state)
{
    (void)state;
    assert_int_equal(rn_i32_extend8_s(0x7F), 0x7F);
    assert_int_equal(rn_i32_extend8_s(0x80), 0xFFFFFF80u);
    assert_int_equal(rn_i32_extend8_s(0x012345FFu), 0xFFFFFFFFu);
    assert_int_equal(rn_i32_extend8_s(0xFEDCBA80u), 0xFFFFFF80u);
    assert_int_equal(rn_i32_extend8_s(0xFFFFFF00u), 0);
    assert_int_equal(rn_i32_extend16_s(0x7FFF), 0x7FFF);
    assert_int_equal(rn_i32_extend16_s(0x8000), 0xFFFF8000u);
    assert_int_equal(rn_i32_extend16_s(0xFEDC8000u), 0xFFFF8000u);
    assert_int_equal(rn_i32_extend16_s(0xFFFF0000u), 0);
    assert_int_equal(rn_i64_extend8_s(0x80), 0xFFFFFFFFFFFFFF80u);
    assert_int_equal(rn_i64_extend8_s(0x0123456789ABCD7Fu), 0x7F);
    assert_int_equal(rn_i64_extend16_s(0x0123456789AB8000u), 0xFFFFFFFFFFFF8000u);
    assert_int_equal(rn_i64_extend16_s(0xFFFFFFFFFFFF0000u), 0);
    assert_int_equal(rn_i64_extend32_s(0x7FFFFFFFu), 0x7FFFFFFFu);
    assert_int_equal(rn_i64_extend32_s(0x80000000u), 0xFFFFFFFF80000000u);
    assert_int_equal(rn_i64_extend32_s(0x0123456789ABCDEFu), 0xFFFFFFFF89ABCDEFu);
    assert_int_equal(rn_i64_extend32_s(0xFFFFFFFF00000000u), 0);
    assert_int_equal(rn_i64_extend_i32_s(0x80000000u), 0xFFFFFFFF80000000u);
    assert_int_equal(rn_i64_extend_i32_s(0x7FFFFFFFu), 0x7FFFFFFFu);
    assert_int_equal(rn_i64_extend_i32_s(0xFFFFFFFFu), UINT64_MAX);
    assert_int_equal(rn_i64_extend_i32_u(0xFFFFFFFFu), 0xFFFFFFFFu);
    assert_int_equal(rn_i64_extend_i32_u(0x80000000u), 0x80000000u);
    assert_int_equal(rn_i32_wrap_i64(0xFFFFFFFF00000001u), 1);
    assert_int_equal(rn_i32_wrap_i64(0x8000000080000000u), 0x80000000u);
    /* The signed views used everywhere. */
    assert_int_equal(rn_s32(0x80000000u), INT32_MIN);
    assert_int_equal(rn_s32(0xFFFFFFFFu), -1);
    assert_int_equal(rn_s32(0x7FFFFFFFu), INT32_MAX);
    assert_true(rn_s64(0x8000000000000000u) == INT64_MIN);
    assert_true(rn_s64(UINT64_MAX) == -1);
}

/* ---- float sign operations ---- */

static void test_float_sign_bits(void **state)
{
    (void)state;
    /* Payloads, including signalling NaNs, survive abs/neg/copysign bit for bit (f32_bitwise.wast). */
    assert_f32_bits(rn_f32_neg(f32b(F32_SNAN)), 0xFFA00000u);
    assert_f32_bits(rn_f32_neg(f32b(0xFFA00000u)), F32_SNAN);
    assert_f32_bits(rn_f32_abs(f32b(0xFFA00000u)), F32_SNAN);
    assert_f32_bits(rn_f32_abs(f32b(0xFFC00001u)), 0x7FC00001u);
    assert_f32_bits(rn_f32_copysign(f32b(F32_SNAN), -1.0f), 0xFFA00000u);
    assert_f32_bits(rn_f32_copysign(1.0f, f32b(0xFFC00000u)), 0xBF800000u);
    assert_f32_bits(rn_f32_copysign(f32b(0xFFC00000u), f32b(0x7FC00000u)), 0x7FC00000u);
    assert_f32_bits(rn_f32_neg(0.0f), 0x80000000u);
    assert_f32_bits(rn_f32_abs(-0.0f), 0);
    assert_f32_bits(rn_f32_copysign(0.0f, -0.0f), 0x80000000u);
    assert_f32_bits(rn_f32_copysign(-INFINITY, 0.0f), 0x7F800000u);
    assert_f64_bits(rn_f64_neg(f64b(F64_SNAN)), 0xFFF4000000000000u);
    assert_f64_bits(rn_f64_abs(f64b(0xFFF4000000000001u)), 0x7FF4000000000001u);
    assert_f64_bits(rn_f64_copysign(f64b(F64_SNAN), -0.0), 0xFFF4000000000000u);
    assert_f64_bits(rn_f64_copysign(2.0, f64b(0xFFF8000000000000u)), 0xC000000000000000u);
    assert_f64_bits(rn_f64_neg(0.0), 0x8000000000000000u);
    assert_f64_bits(rn_f64_abs(-0.0), 0);
    assert_f64_bits(rn_f64_copysign(-0.0, 1.0), 0);
}

/* ---- min / max ---- */

static void test_min_max(void **state)
{
    (void)state;
    /* -0 is below +0, in both argument orders. */
    assert_f32_bits(rn_f32_min(-0.0f, 0.0f), 0x80000000u);
    assert_f32_bits(rn_f32_min(0.0f, -0.0f), 0x80000000u);
    assert_f32_bits(rn_f32_max(-0.0f, 0.0f), 0);
    assert_f32_bits(rn_f32_max(0.0f, -0.0f), 0);
    assert_f32_bits(rn_f32_min(-0.0f, -0.0f), 0x80000000u);
    assert_f32_bits(rn_f32_max(0.0f, 0.0f), 0);
    assert_f64_bits(rn_f64_min(-0.0, 0.0), 0x8000000000000000u);
    assert_f64_bits(rn_f64_min(0.0, -0.0), 0x8000000000000000u);
    assert_f64_bits(rn_f64_max(-0.0, 0.0), 0);
    assert_f64_bits(rn_f64_max(0.0, -0.0), 0);
    /* Ordinary values and infinities. */
    assert_true(rn_f32_min(1.0f, 2.0f) == 1.0f);
    assert_true(rn_f32_max(1.0f, 2.0f) == 2.0f);
    assert_true(rn_f32_min(-INFINITY, 3.0f) == -INFINITY);
    assert_true(rn_f32_max(-INFINITY, INFINITY) == INFINITY);
    assert_true(rn_f64_min(-1e300, 1e-300) == -1e300);
    assert_true(rn_f64_max(-1e300, 1e-300) == 1e-300);

    /* A NaN operand on either side gives NaN (C's fmin would return the other operand);
       canonical in -> canonical out, signalling in -> quiet out. */
    uint32_t r = rn_f32_bits(rn_f32_min(f32b(F32_CANON), 0.0f));
    assert_true(is_canon32(r));
    r = rn_f32_bits(rn_f32_min(-INFINITY, f32b(0xFFC00000u)));
    assert_true(is_canon32(r));
    r = rn_f32_bits(rn_f32_max(f32b(F32_SNAN), INFINITY));
    assert_true(is_arith32(r));
    r = rn_f32_bits(rn_f32_max(1.0f, f32b(F32_SNAN)));
    assert_true(is_arith32(r));
    r = rn_f32_bits(rn_f32_min(f32b(F32_SNAN), f32b(0x7FA00001u)));
    assert_true(is_arith32(r));
    uint64_t q = rn_f64_bits(rn_f64_min(f64b(F64_CANON), -0.0));
    assert_true(is_canon64(q));
    q = rn_f64_bits(rn_f64_max(-0.0, f64b(0xFFF8000000000000u)));
    assert_true(is_canon64(q));
    q = rn_f64_bits(rn_f64_max(f64b(F64_SNAN), 0.0));
    assert_true(is_arith64(q));
    q = rn_f64_bits(rn_f64_min(0.0, f64b(F64_SNAN)));
    assert_true(is_arith64(q));
}

/* ---- rounding to integers ---- */

static void test_nearest(void **state)
{
    (void)state;
    /* Ties go to even; the sign of zero is kept (f32.wast, float_misc.wast). */
    assert_f32_bits(rn_f32_nearest(0.5f), 0);
    assert_f32_bits(rn_f32_nearest(-0.5f), 0x80000000u);
    assert_f32_bits(rn_f32_nearest(-0.0f), 0x80000000u);
    assert_f32_bits(rn_f32_nearest(-0.25f), 0x80000000u);
    assert_true(rn_f32_nearest(1.5f) == 2.0f);
    assert_true(rn_f32_nearest(2.5f) == 2.0f);
    assert_true(rn_f32_nearest(-1.5f) == -2.0f);
    assert_true(rn_f32_nearest(-2.5f) == -2.0f);
    assert_true(rn_f32_nearest(3.5f) == 4.0f);
    assert_true(rn_f32_nearest(-3.5f) == -4.0f);
    assert_true(rn_f32_nearest(0.49999997f) == 0.0f); /* 0.5 - ulp: adding 0.5 would give 1 */
    assert_true(rn_f32_nearest(0.50000006f) == 1.0f);
    assert_true(rn_f32_nearest(1.4999999f) == 1.0f);
    assert_true(rn_f32_nearest(f32b(0x4AFFFFFFu)) == 8388608.0f); /* 8388607.5 -> even 8388608 */
    assert_true(rn_f32_nearest(f32b(0xCAFFFFFFu)) == -8388608.0f);
    assert_true(rn_f32_nearest(f32b(0x4AFFFFFDu)) == 8388606.0f); /* 8388606.5 -> 8388606 */
    assert_true(rn_f32_nearest(8388609.0f) == 8388609.0f);       /* beyond 2^23: unchanged */
    assert_true(rn_f32_nearest(f32b(0x7F7FFFFFu)) == f32b(0x7F7FFFFFu));
    assert_true(rn_f32_nearest(INFINITY) == INFINITY);
    assert_true(rn_f32_nearest(-INFINITY) == -INFINITY);
    assert_true(rn_f32_nearest(f32b(1)) == 0.0f); /* smallest subnormal */
    assert_true(is_arith32(rn_f32_bits(rn_f32_nearest(f32b(F32_SNAN)))));
    assert_true(is_canon32(rn_f32_bits(rn_f32_nearest(f32b(F32_CANON)))));

    assert_f64_bits(rn_f64_nearest(0.5), 0);
    assert_f64_bits(rn_f64_nearest(-0.5), 0x8000000000000000u);
    assert_f64_bits(rn_f64_nearest(-0.0), 0x8000000000000000u);
    assert_true(rn_f64_nearest(2.5) == 2.0);
    assert_true(rn_f64_nearest(-2.5) == -2.0);
    assert_true(rn_f64_nearest(3.5) == 4.0);
    assert_true(rn_f64_nearest(-3.5) == -4.0);
    assert_true(rn_f64_nearest(0.49999999999999994) == 0.0);
    assert_true(rn_f64_nearest(4503599627370495.5) == 4503599627370496.0);
    assert_true(rn_f64_nearest(-4503599627370495.5) == -4503599627370496.0);
    assert_true(rn_f64_nearest(4503599627370494.5) == 4503599627370494.0);
    assert_true(rn_f64_nearest(4503599627370497.0) == 4503599627370497.0);
    assert_true(rn_f64_nearest(1e300) == 1e300);
    assert_true(rn_f64_nearest(-INFINITY) == -INFINITY);
    assert_true(is_arith64(rn_f64_bits(rn_f64_nearest(f64b(F64_SNAN)))));
    assert_true(is_canon64(rn_f64_bits(rn_f64_nearest(f64b(F64_CANON)))));
}

/* nearest must not depend on the rounding mode a host may have set. */
static void test_nearest_ignores_rounding_mode(void **state)
{
    (void)state;
    static const int modes[] = {FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
    volatile float f25 = 2.5f, fm25 = -2.5f, f07 = 0.7f, fm03 = -0.3f;
    volatile double d25 = 2.5, dm35 = -3.5, d07 = 0.7, dm03 = -0.3;
    int saved = fegetround();
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (fesetround(modes[i]) != 0)
            continue; /* mode not supported on this machine */
        /* volatile results: the compiler may not move the work past the fesetround below. */
        volatile float a = rn_f32_nearest(f25), b = rn_f32_nearest(fm25), c = rn_f32_nearest(f07);
        volatile float d = rn_f32_nearest(fm03);
        volatile double e = rn_f64_nearest(d25), f = rn_f64_nearest(dm35), g = rn_f64_nearest(d07);
        volatile double h = rn_f64_nearest(dm03);
        fesetround(saved);
        assert_true(a == 2.0f);
        assert_true(b == -2.0f);
        assert_true(c == 1.0f);
        assert_f32_bits(d, 0x80000000u);
        assert_true(e == 2.0);
        assert_true(f == -4.0);
        assert_true(g == 1.0);
        assert_f64_bits(h, 0x8000000000000000u);
    }
    fesetround(saved);
}

/* Differential against the C library's nearbyint (the test runs in the default to-nearest mode),
   over random values of magnitude up to 2^24 (f32) / 2^55 (f64), and exact .5 ties. */
static void test_nearest_random(void **state)
{
    (void)state;
    assert_int_equal(fegetround(), FE_TONEAREST);
    uint64_t s = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < 200000; i++) {
        uint64_t r = rng_next(&s);
        /* f32: random sign and mantissa, exponent in [-2, 24); every 8th value a tie. */
        uint32_t exp = 125 + (uint32_t)(r % 26);
        float x = f32b(((uint32_t)(r >> 8) & 0x807FFFFFu) | (exp << 23));
        if (i % 8 == 0)
            x = (float)((int32_t)(r >> 40) % 8388608) + 0.5f;
        float want = nearbyintf(x);
        if (rn_f32_bits(rn_f32_nearest(x)) != rn_f32_bits(want))
            fail_msg("f32 nearest(%a) = %a, want %a", (double)x, (double)rn_f32_nearest(x), (double)want);

        uint64_t e64 = 1021 + (r % 55);
        double y = f64b((rng_next(&s) & 0x800FFFFFFFFFFFFFu) | (e64 << 52));
        if (i % 8 == 0)
            y = (double)((int64_t)(r >> 10) % 4503599627370496) + 0.5;
        double wy = nearbyint(y);
        if (rn_f64_bits(rn_f64_nearest(y)) != rn_f64_bits(wy))
            fail_msg("f64 nearest(%a) = %a, want %a", y, rn_f64_nearest(y), wy);
    }
}

static void test_ceil_floor_trunc_sqrt(void **state)
{
    (void)state;
    assert_f32_bits(rn_f32_ceil(-0.5f), 0x80000000u);
    assert_f32_bits(rn_f32_ceil(-0.0f), 0x80000000u);
    assert_true(rn_f32_ceil(0.5f) == 1.0f);
    assert_true(rn_f32_ceil(f32b(1)) == 1.0f);
    assert_f32_bits(rn_f32_floor(0.5f), 0);
    assert_true(rn_f32_floor(-0.5f) == -1.0f);
    assert_true(rn_f32_floor(f32b(0x80000001u)) == -1.0f);
    assert_f32_bits(rn_f32_trunc(-0.9f), 0x80000000u);
    assert_true(rn_f32_trunc(-1.9f) == -1.0f);
    assert_true(rn_f32_trunc(8388607.5f) == 8388607.0f);
    assert_f64_bits(rn_f64_ceil(-0.5), 0x8000000000000000u);
    assert_true(rn_f64_floor(-0.5) == -1.0);
    assert_f64_bits(rn_f64_trunc(-0.9), 0x8000000000000000u);
    assert_true(rn_f64_trunc(4503599627370495.5) == 4503599627370495.0);
    assert_true(rn_f64_ceil(4503599627370495.5) == 4503599627370496.0);
    assert_true(rn_f32_sqrt(4.0f) == 2.0f);
    assert_f32_bits(rn_f32_sqrt(-0.0f), 0x80000000u);
    assert_true(rn_f32_sqrt(INFINITY) == INFINITY);
    assert_true(rn_f64_sqrt(2.0) == 1.4142135623730951);
    assert_f32_bits(rn_f32_sqrt(f32b(0x7F7FFFFFu)), 0x5F7FFFFFu);
    /* sqrt of a negative number is the canonical NaN; NaN operands come out quiet. */
    assert_true(is_canon32(rn_f32_bits(rn_f32_sqrt(-1.0f))));
    assert_true(is_canon64(rn_f64_bits(rn_f64_sqrt(-INFINITY))));
    assert_true(is_arith32(rn_f32_bits(rn_f32_ceil(f32b(F32_SNAN)))));
    assert_true(is_arith32(rn_f32_bits(rn_f32_floor(f32b(0xFFA00000u)))));
    assert_true(is_arith32(rn_f32_bits(rn_f32_trunc(f32b(F32_SNAN)))));
    assert_true(is_arith32(rn_f32_bits(rn_f32_sqrt(f32b(F32_SNAN)))));
    assert_true(is_arith64(rn_f64_bits(rn_f64_ceil(f64b(F64_SNAN)))));
    assert_true(is_arith64(rn_f64_bits(rn_f64_floor(f64b(F64_SNAN)))));
    assert_true(is_arith64(rn_f64_bits(rn_f64_trunc(f64b(F64_SNAN)))));
    assert_true(is_arith64(rn_f64_bits(rn_f64_sqrt(f64b(F64_SNAN)))));
    assert_true(is_canon64(rn_f64_bits(rn_f64_floor(f64b(F64_CANON)))));
}

/* ---- arithmetic and comparisons ---- */

static void test_float_arith(void **state)
{
    (void)state;
    /* Round to nearest even, in the type's own precision (float_misc.wast). */
    assert_true(rn_f32_add(1.1234567890f, 1.2345e-10f) == 1.123456789f);
    assert_f32_bits(rn_f32_add(1.0f, f32b(0x33800000u)), 0x3F800000u); /* 1 + ulp/2: tie to even */
    assert_f32_bits(rn_f32_add(f32b(0x3F800001u), f32b(0x33800000u)), 0x3F800002u);
    assert_f64_bits(rn_f64_add(1.0, 0x1p-53), 0x3FF0000000000000u);
    assert_f64_bits(rn_f64_add(0x1.0000000000001p0, 0x1p-53), 0x3FF0000000000002u);
    /* No fused multiply-add: a*b = 1 + 2^-27 + 2^-56 rounds to 1 + 2^-27 before c is added, so
       the sum is 0; a fused operation would give 2^-56 (float_exprs.wast f64.no_fma). */
    volatile double a = 0x1.0000001p0, b = 0x1.0000001p0, c = -0x1.0000002p0;
    assert_f64_bits(rn_f64_add(rn_f64_mul(a, b), c), 0);
    /* Overflow to infinity, subnormal results, signed zeros. */
    assert_true(rn_f32_mul(f32b(0x7F7FFFFFu), 2.0f) == INFINITY);
    assert_f32_bits(rn_f32_div(f32b(0x00800000u), 2.0f), 0x00400000u);
    assert_f32_bits(rn_f32_sub(0.0f, 0.0f), 0);
    assert_f32_bits(rn_f32_sub(-0.0f, 0.0f), 0x80000000u);
    assert_f64_bits(rn_f64_mul(-0.0, 5.0), 0x8000000000000000u);
    assert_true(rn_f64_div(1.0, -0.0) == -INFINITY);
    /* Invalid operations give the canonical NaN; NaN operands propagate quietened. */
    assert_true(is_canon32(rn_f32_bits(rn_f32_sub(INFINITY, INFINITY))));
    assert_true(is_canon32(rn_f32_bits(rn_f32_mul(0.0f, INFINITY))));
    assert_true(is_canon64(rn_f64_bits(rn_f64_div(0.0, 0.0))));
    assert_true(is_canon64(rn_f64_bits(rn_f64_div(-INFINITY, INFINITY))));
    assert_true(is_arith32(rn_f32_bits(rn_f32_add(f32b(F32_SNAN), 1.0f))));
    assert_true(is_arith32(rn_f32_bits(rn_f32_div(1.0f, f32b(F32_SNAN)))));
    assert_true(is_canon32(rn_f32_bits(rn_f32_mul(f32b(F32_CANON), 2.0f))));
    assert_true(is_arith64(rn_f64_bits(rn_f64_sub(f64b(F64_SNAN), 1.0))));
    assert_true(is_canon64(rn_f64_bits(rn_f64_add(f64b(F64_CANON), 2.0))));
}

static void test_float_compare(void **state)
{
    (void)state;
    float n = f32b(F32_CANON);
    double m = f64b(F64_SNAN);
    assert_int_equal(rn_f32_eq(n, n), 0);
    assert_int_equal(rn_f32_ne(n, n), 1);
    assert_int_equal(rn_f32_lt(n, 1.0f), 0);
    assert_int_equal(rn_f32_gt(n, 1.0f), 0);
    assert_int_equal(rn_f32_le(1.0f, n), 0);
    assert_int_equal(rn_f32_ge(1.0f, n), 0);
    assert_int_equal(rn_f32_eq(-0.0f, 0.0f), 1);
    assert_int_equal(rn_f32_lt(-0.0f, 0.0f), 0);
    assert_int_equal(rn_f32_le(-0.0f, 0.0f), 1);
    assert_int_equal(rn_f32_lt(-INFINITY, f32b(0xFF7FFFFFu)), 1);
    assert_int_equal(rn_f64_eq(m, m), 0);
    assert_int_equal(rn_f64_ne(m, 0.0), 1);
    assert_int_equal(rn_f64_lt(m, INFINITY), 0);
    assert_int_equal(rn_f64_gt(INFINITY, m), 0);
    assert_int_equal(rn_f64_le(m, m), 0);
    assert_int_equal(rn_f64_ge(m, m), 0);
    assert_int_equal(rn_f64_eq(0.0, -0.0), 1);
    assert_int_equal(rn_f64_ne(0.0, -0.0), 0);
    assert_int_equal(rn_f64_gt(f64b(1), 0.0), 1);
    assert_int_equal(rn_f64_ge(0.0, -0.0), 1);
}

/* ---- conversions ---- */

/* Correctly rounded (to nearest, ties to even) conversion of the integer |x| with sign to a float
   of `mant` significand bits, built from integer arithmetic only, as the reference. Returns the
   bits of the float type with exponent width `ebits`. */
static uint64_t ref_int_to_float(uint64_t mag, int neg, int mant, int ebits)
{
    int bias = (1 << (ebits - 1)) - 1;
    uint64_t sign = neg ? (uint64_t)1 << (mant - 1 + ebits) : 0;
    if (mag == 0)
        return sign;
    int msb = 63 - __builtin_clzll(mag);
    uint64_t sig;
    int exp = msb;
    if (msb < mant) {
        sig = mag << (mant - 1 - msb);
    } else {
        int drop = msb - (mant - 1);
        sig = mag >> drop;
        uint64_t rem = mag & (((uint64_t)1 << drop) - 1);
        uint64_t half = (uint64_t)1 << (drop - 1);
        if (rem > half || (rem == half && (sig & 1)))
            sig++;
        if (sig >> mant) { /* rounding carried into a new bit */
            sig >>= 1;
            exp++;
        }
    }
    uint64_t frac = sig & (((uint64_t)1 << (mant - 1)) - 1);
    return sign | ((uint64_t)(exp + bias) << (mant - 1)) | frac;
}

static void test_int_to_float_cases(void **state)
{
    (void)state;
    /* conversions.wast: the double-rounding traps for u64 -> f32. */
    assert_f32_bits(rn_f32_convert_i64_u(UINT64_MAX), 0x5F800000u); /* 2^64 */
    assert_f32_bits(rn_f32_convert_i64_u(9007199791611905u), 0x5A000001u);
    assert_f32_bits(rn_f32_convert_i64_u(0x8000008000000001u), 0x5F000001u);
    assert_f32_bits(rn_f32_convert_i64_u(0xFFFFFE8000000001u), 0x5F7FFFFFu);
    assert_f32_bits(rn_f32_convert_i64_u(0x8000000000000000u), 0x5F000000u);
    assert_f32_bits(rn_f32_convert_i64_u(16777217u), 0x4B800000u); /* tie to even: 16777216 */
    assert_f32_bits(rn_f32_convert_i64_u(16777219u), 0x4B800002u); /* tie to even: 16777220 */
    assert_f32_bits(rn_f32_convert_i64_s(9007199791611905u), 0x5A000001u);
    assert_f32_bits(rn_f32_convert_i64_s((uint64_t)-9007199791611905), 0xDA000001u);
    assert_f32_bits(rn_f32_convert_i64_s(0x8000000000000000u), 0xDF000000u);
    assert_f32_bits(rn_f32_convert_i64_s(0x7FFFFFFFFFFFFFFFu), 0x5F000000u);
    assert_f32_bits(rn_f32_convert_i64_s(UINT64_MAX), 0xBF800000u);
    assert_f32_bits(rn_f32_convert_i32_s(0x80000000u), 0xCF000000u);
    assert_f32_bits(rn_f32_convert_i32_s(0xFFFFFFFFu), 0xBF800000u);
    assert_f32_bits(rn_f32_convert_i32_s(16777217u), 0x4B800000u);
    assert_f32_bits(rn_f32_convert_i32_s((uint32_t)-16777219), 0xCB800002u);
    assert_f32_bits(rn_f32_convert_i32_u(0xFFFFFFFFu), 0x4F800000u);
    assert_f32_bits(rn_f32_convert_i32_u(0x80000080u), 0x4F000000u);
    assert_f32_bits(rn_f32_convert_i32_u(0x80000081u), 0x4F000001u);
    assert_f32_bits(rn_f32_convert_i32_u(0xFFFFFF80u), 0x4F800000u);
    assert_f64_bits(rn_f64_convert_i64_u(UINT64_MAX), 0x43F0000000000000u);
    assert_f64_bits(rn_f64_convert_i64_u(0x8000000000000401u), 0x43E0000000000001u);
    assert_f64_bits(rn_f64_convert_i64_u(0xFFFFFFFFFFFFF400u), 0x43EFFFFFFFFFFFFEu); /* tie to even */
    assert_f64_bits(rn_f64_convert_i64_u(9007199254740993u), 0x4340000000000000u);
    assert_f64_bits(rn_f64_convert_i64_u(9007199254740995u), 0x4340000000000002u);
    assert_f64_bits(rn_f64_convert_i64_s(0x8000000000000000u), 0xC3E0000000000000u);
    assert_f64_bits(rn_f64_convert_i64_s((uint64_t)-9007199254740993), 0xC340000000000000u);
    assert_f64_bits(rn_f64_convert_i64_s(UINT64_MAX), 0xBFF0000000000000u);
    assert_f64_bits(rn_f64_convert_i32_s(0x80000000u), 0xC1E0000000000000u);
    assert_f64_bits(rn_f64_convert_i32_u(0xFFFFFFFFu), 0x41EFFFFFFFE00000u);
    assert_f64_bits(rn_f64_convert_i32_u(0x80000000u), 0x41E0000000000000u);
}

/* Differential: every int -> float conversion against ref_int_to_float, on random values and on
   values built to sit exactly on, just above and just below rounding ties. */
static void test_int_to_float_random(void **state)
{
    (void)state;
    uint64_t s = 0x0123456789ABCDEFu;
    for (int i = 0; i < 300000; i++) {
        uint64_t x = rng_next(&s);
        int shift = (int)(rng_next(&s) % 64);
        switch (i % 4) {
        case 0:
            break;
        case 1:
            x >>= shift; /* all magnitudes */
            break;
        case 2: /* ties for f32 at this magnitude: 24 significant bits, then 1000...0 (+/-1) */
            x = (x | 0x8000000000000000u) & ~((uint64_t)0x7FFFFFFFFF);
            x = (x | 0x8000000000u) >> shift;
            x += (uint64_t)((int)(rng_next(&s) % 3) - 1);
            break;
        case 3: /* ties for f64: 53 significant bits, then 1000...0 (+/-1) */
            x = (x | 0x8000000000000000u) & ~(uint64_t)0x7FF;
            x = (x | 0x400u) >> shift;
            x += (uint64_t)((int)(rng_next(&s) % 3) - 1);
            break;
        }
        uint32_t x32 = (uint32_t)x;
        int64_t sx = rn_s64(x);
        uint64_t mag = sx < 0 ? 0 - x : x;
        int32_t sx32 = rn_s32(x32);
        uint32_t mag32 = sx32 < 0 ? 0 - x32 : x32;

        uint64_t got, want;
        got = rn_f32_bits(rn_f32_convert_i64_u(x));
        want = ref_int_to_float(x, 0, 24, 8);
        if (got != want)
            fail_msg("f32.convert_i64_u(%#llx) = %#llx, want %#llx", (unsigned long long)x,
                     (unsigned long long)got, (unsigned long long)want);
        got = rn_f32_bits(rn_f32_convert_i64_s(x));
        want = ref_int_to_float(mag, sx < 0, 24, 8);
        if (got != want)
            fail_msg("f32.convert_i64_s(%#llx) = %#llx, want %#llx", (unsigned long long)x,
                     (unsigned long long)got, (unsigned long long)want);
        got = rn_f64_bits(rn_f64_convert_i64_u(x));
        want = ref_int_to_float(x, 0, 53, 11);
        if (got != want)
            fail_msg("f64.convert_i64_u(%#llx) = %#llx, want %#llx", (unsigned long long)x,
                     (unsigned long long)got, (unsigned long long)want);
        got = rn_f64_bits(rn_f64_convert_i64_s(x));
        want = ref_int_to_float(mag, sx < 0, 53, 11);
        if (got != want)
            fail_msg("f64.convert_i64_s(%#llx) = %#llx, want %#llx", (unsigned long long)x,
                     (unsigned long long)got, (unsigned long long)want);
        got = rn_f32_bits(rn_f32_convert_i32_u(x32));
        want = ref_int_to_float(x32, 0, 24, 8);
        if (got != want)
            fail_msg("f32.convert_i32_u(%#x) = %#llx", (unsigned)x32, (unsigned long long)got);
        got = rn_f32_bits(rn_f32_convert_i32_s(x32));
        want = ref_int_to_float(mag32, sx32 < 0, 24, 8);
        if (got != want)
            fail_msg("f32.convert_i32_s(%#x) = %#llx", (unsigned)x32, (unsigned long long)got);
        got = rn_f64_bits(rn_f64_convert_i32_u(x32));
        want = ref_int_to_float(x32, 0, 53, 11);
        if (got != want)
            fail_msg("f64.convert_i32_u(%#x) = %#llx", (unsigned)x32, (unsigned long long)got);
        got = rn_f64_bits(rn_f64_convert_i32_s(x32));
        want = ref_int_to_float(mag32, sx32 < 0, 53, 11);
        if (got != want)
            fail_msg("f64.convert_i32_s(%#x) = %#llx", (unsigned)x32, (unsigned long long)got);
    }
}

static void test_demote_promote(void **state)
{
    (void)state;
    /* conversions.wast */
    assert_f32_bits(rn_f32_demote_f64(0x1.fffffefffffffp127), 0x7F7FFFFFu); /* just below the tie */
    assert_f32_bits(rn_f32_demote_f64(0x1.ffffffp127), 0x7F800000u);       /* the tie: to inf */
    assert_f32_bits(rn_f32_demote_f64(-0x1.ffffffp127), 0xFF800000u);
    assert_f32_bits(rn_f32_demote_f64(1e300), 0x7F800000u);
    assert_f32_bits(rn_f32_demote_f64(0x1.fffffe0000000p-127), 0x00800000u); /* subnormal rounding up */
    assert_f32_bits(rn_f32_demote_f64(0x1p-150), 0);                        /* tie to even: 0 */
    assert_f32_bits(rn_f32_demote_f64(0x1.0000000000001p-150), 1);
    assert_f32_bits(rn_f32_demote_f64(-0x1p-150), 0x80000000u);
    assert_f32_bits(rn_f32_demote_f64(0x1.0000010000001p0), 0x3F800001u);
    assert_f32_bits(rn_f32_demote_f64(0x1.000001p0), 0x3F800000u); /* tie to even */
    assert_f32_bits(rn_f32_demote_f64(0x1.000003p0), 0x3F800002u);
    assert_f32_bits(rn_f32_demote_f64(-0.0), 0x80000000u);
    assert_f32_bits(rn_f32_demote_f64(-INFINITY), 0xFF800000u);
    assert_true(is_canon32(rn_f32_bits(rn_f32_demote_f64(f64b(F64_CANON)))));
    assert_true(is_canon32(rn_f32_bits(rn_f32_demote_f64(f64b(0xFFF8000000000000u)))));
    assert_true(is_arith32(rn_f32_bits(rn_f32_demote_f64(f64b(F64_SNAN)))));
    assert_true(is_arith32(rn_f32_bits(rn_f32_demote_f64(f64b(0x7FF0000000000001u)))));
    assert_f64_bits(rn_f64_promote_f32(f32b(1)), 0x36A0000000000000u);
    assert_f64_bits(rn_f64_promote_f32(f32b(0x7F7FFFFFu)), 0x47EFFFFFE0000000u);
    assert_f64_bits(rn_f64_promote_f32(-0.0f), 0x8000000000000000u);
    assert_true(is_canon64(rn_f64_bits(rn_f64_promote_f32(f32b(F32_CANON)))));
    assert_true(is_arith64(rn_f64_bits(rn_f64_promote_f32(f32b(F32_SNAN)))));
    assert_true(is_arith64(rn_f64_bits(rn_f64_promote_f32(f32b(0xFF800001u)))));
}

static void test_reinterpret(void **state)
{
    (void)state;
    /* Bit-exact in both directions, signalling NaNs included. */
    assert_int_equal(rn_i32_reinterpret_f32(f32b(F32_SNAN)), F32_SNAN);
    assert_int_equal(rn_i32_reinterpret_f32(-0.0f), 0x80000000u);
    assert_f32_bits(rn_f32_reinterpret_i32(0xFFA00001u), 0xFFA00001u);
    assert_int_equal(rn_i64_reinterpret_f64(f64b(0x7FF0000000000001u)), 0x7FF0000000000001u);
    assert_f64_bits(rn_f64_reinterpret_i64(0xFFF4000000000000u), 0xFFF4000000000000u);
    assert_int_equal(rn_i64_reinterpret_f64(1.0), 0x3FF0000000000000u);
    assert_true(rn_f32_reinterpret_i32(0x3F800000u) == 1.0f);
}

/* Every trapping truncation: NaN -> invalid conversion; the first values outside the range ->
   overflow; the last values inside -> the truncated result (conversions.wast). */
static void test_trunc_traps(void **state)
{
    (void)state;
    uint32_t r = 77;
    uint64_t q = 77;
    float nans32[] = {f32b(F32_CANON), f32b(0xFFC00000u), f32b(F32_SNAN), f32b(0xFFA00000u)};
    double nans64[] = {f64b(F64_CANON), f64b(0xFFF8000000000000u), f64b(F64_SNAN), f64b(0xFFF0000000000001u)};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(rn_i32_trunc_f32_s(nans32[i], &r), RUNNEL_TRAP_INVALID_CONVERSION);
        assert_int_equal(rn_i32_trunc_f32_u(nans32[i], &r), RUNNEL_TRAP_INVALID_CONVERSION);
        assert_int_equal(rn_i64_trunc_f32_s(nans32[i], &q), RUNNEL_TRAP_INVALID_CONVERSION);
        assert_int_equal(rn_i64_trunc_f32_u(nans32[i], &q), RUNNEL_TRAP_INVALID_CONVERSION);
        assert_int_equal(rn_i32_trunc_f64_s(nans64[i], &r), RUNNEL_TRAP_INVALID_CONVERSION);
        assert_int_equal(rn_i32_trunc_f64_u(nans64[i], &r), RUNNEL_TRAP_INVALID_CONVERSION);
        assert_int_equal(rn_i64_trunc_f64_s(nans64[i], &q), RUNNEL_TRAP_INVALID_CONVERSION);
        assert_int_equal(rn_i64_trunc_f64_u(nans64[i], &q), RUNNEL_TRAP_INVALID_CONVERSION);
    }
    assert_int_equal(r, 77);
    assert_int_equal(q, 77);

    /* i32.trunc_f32_s: [-2^31, 2^31) */
    assert_int_equal(rn_i32_trunc_f32_s(-2147483648.0f, &r), 0);
    assert_int_equal(r, 0x80000000u);
    assert_int_equal(rn_i32_trunc_f32_s(2147483520.0f, &r), 0); /* largest f32 below 2^31 */
    assert_int_equal(r, 2147483520u);
    assert_int_equal(rn_i32_trunc_f32_s(2147483648.0f, &r), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i32_trunc_f32_s(-2147483904.0f, &r), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i32_trunc_f32_s(INFINITY, &r), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i32_trunc_f32_s(-INFINITY, &r), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i32_trunc_f32_s(-1.9f, &r), 0);
    assert_int_equal(r, 0xFFFFFFFFu);
    assert_int_equal(rn_i32_trunc_f32_s(-0.9f, &r), 0);
    assert_int_equal(r, 0);
    /* i32.trunc_f32_u: (-1, 2^32) */
    assert_int_equal(rn_i32_trunc_f32_u(4294967040.0f, &r), 0);
    assert_int_equal(r, 4294967040u);
    assert_int_equal(rn_i32_trunc_f32_u(-0.99999994f, &r), 0);
    assert_int_equal(r, 0);
    assert_int_equal(rn_i32_trunc_f32_u(-0.0f, &r), 0);
    assert_int_equal(r, 0);
    assert_int_equal(rn_i32_trunc_f32_u(2147483648.0f, &r), 0);
    assert_int_equal(r, 0x80000000u);
    assert_int_equal(rn_i32_trunc_f32_u(4294967296.0f, &r), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i32_trunc_f32_u(-1.0f, &r), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i32_trunc_f32_u(INFINITY, &r), RUNNEL_TRAP_INT_OVERFLOW);
    /* i32.trunc_f64_s: (-2^31-1, 2^31) */
    assert_int_equal(rn_i32_trunc_f64_s(-2147483648.9, &r), 0);
    assert_int_equal(r, 0x80000000u);
    assert_int_equal(rn_i32_trunc_f64_s(2147483647.9, &r), 0);
    assert_int_equal(r, 0x7FFFFFFFu);
    assert_int_equal(rn_i32_trunc_f64_s(-2147483649.0, &r), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i32_trunc_f64_s(2147483648.0, &r), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i32_trunc_f64_s(-INFINITY, &r), RUNNEL_TRAP_INT_OVERFLOW);
    /* i32.trunc_f64_u: (-1, 2^32) */
    assert_int_equal(rn_i32_trunc_f64_u(4294967295.9, &r), 0);
    assert_int_equal(r, 0xFFFFFFFFu);
    assert_int_equal(rn_i32_trunc_f64_u(-0.9999999999999999, &r), 0);
    assert_int_equal(r, 0);
    assert_int_equal(rn_i32_trunc_f64_u(1e8, &r), 0);
    assert_int_equal(r, 100000000u);
    assert_int_equal(rn_i32_trunc_f64_u(4294967296.0, &r), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i32_trunc_f64_u(-1.0, &r), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i32_trunc_f64_u(1e16, &r), RUNNEL_TRAP_INT_OVERFLOW);
    /* i64.trunc_f32_s: [-2^63, 2^63) */
    assert_int_equal(rn_i64_trunc_f32_s(-9223372036854775808.0f, &q), 0);
    assert_int_equal(q, 0x8000000000000000u);
    assert_int_equal(rn_i64_trunc_f32_s(9223371487098961920.0f, &q), 0);
    assert_int_equal(q, 9223371487098961920u);
    assert_int_equal(rn_i64_trunc_f32_s(9223372036854775808.0f, &q), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i64_trunc_f32_s(-9223373136366403584.0f, &q), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i64_trunc_f32_s(-1.5f, &q), 0);
    assert_int_equal(q, UINT64_MAX);
    /* i64.trunc_f32_u: (-1, 2^64) */
    assert_int_equal(rn_i64_trunc_f32_u(18446742974197923840.0f, &q), 0);
    assert_int_equal(q, 18446742974197923840u);
    assert_int_equal(rn_i64_trunc_f32_u(-0.99999994f, &q), 0);
    assert_int_equal(q, 0);
    assert_int_equal(rn_i64_trunc_f32_u(18446744073709551616.0f, &q), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i64_trunc_f32_u(-1.0f, &q), RUNNEL_TRAP_INT_OVERFLOW);
    /* i64.trunc_f64_s: [-2^63, 2^63) */
    assert_int_equal(rn_i64_trunc_f64_s(-9223372036854775808.0, &q), 0);
    assert_int_equal(q, 0x8000000000000000u);
    assert_int_equal(rn_i64_trunc_f64_s(9223372036854774784.0, &q), 0);
    assert_int_equal(q, 9223372036854774784u);
    assert_int_equal(rn_i64_trunc_f64_s(9223372036854775808.0, &q), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i64_trunc_f64_s(-9223372036854777856.0, &q), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i64_trunc_f64_s(INFINITY, &q), RUNNEL_TRAP_INT_OVERFLOW);
    /* i64.trunc_f64_u: (-1, 2^64) */
    assert_int_equal(rn_i64_trunc_f64_u(18446744073709549568.0, &q), 0);
    assert_int_equal(q, 18446744073709549568u);
    assert_int_equal(rn_i64_trunc_f64_u(9223372036854775808.0, &q), 0);
    assert_int_equal(q, 0x8000000000000000u);
    assert_int_equal(rn_i64_trunc_f64_u(-0.9999999999999999, &q), 0);
    assert_int_equal(q, 0);
    assert_int_equal(rn_i64_trunc_f64_u(18446744073709551616.0, &q), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i64_trunc_f64_u(-1.0, &q), RUNNEL_TRAP_INT_OVERFLOW);
    assert_int_equal(rn_i64_trunc_f64_u(-INFINITY, &q), RUNNEL_TRAP_INT_OVERFLOW);
}

static void test_trunc_sat(void **state)
{
    (void)state;
    float fn = f32b(F32_CANON), fsn = f32b(0xFFA00000u);
    double dn = f64b(F64_CANON), dsn = f64b(0xFFF4000000000000u);
    /* NaN -> 0 */
    assert_int_equal(rn_i32_trunc_sat_f32_s(fn), 0);
    assert_int_equal(rn_i32_trunc_sat_f32_u(fsn), 0);
    assert_int_equal(rn_i32_trunc_sat_f64_s(dsn), 0);
    assert_int_equal(rn_i32_trunc_sat_f64_u(dn), 0);
    assert_int_equal(rn_i64_trunc_sat_f32_s(fsn), 0);
    assert_int_equal(rn_i64_trunc_sat_f32_u(fn), 0);
    assert_int_equal(rn_i64_trunc_sat_f64_s(dn), 0);
    assert_int_equal(rn_i64_trunc_sat_f64_u(dsn), 0);
    /* Saturation just outside the range, exact results just inside. */
    assert_int_equal(rn_i32_trunc_sat_f32_s(2147483648.0f), 0x7FFFFFFFu);
    assert_int_equal(rn_i32_trunc_sat_f32_s(2147483520.0f), 2147483520u);
    assert_int_equal(rn_i32_trunc_sat_f32_s(-2147483648.0f), 0x80000000u);
    assert_int_equal(rn_i32_trunc_sat_f32_s(-2147483904.0f), 0x80000000u);
    assert_int_equal(rn_i32_trunc_sat_f32_s(INFINITY), 0x7FFFFFFFu);
    assert_int_equal(rn_i32_trunc_sat_f32_s(-INFINITY), 0x80000000u);
    assert_int_equal(rn_i32_trunc_sat_f32_s(-1.9f), 0xFFFFFFFFu);
    assert_int_equal(rn_i32_trunc_sat_f32_u(4294967296.0f), 0xFFFFFFFFu);
    assert_int_equal(rn_i32_trunc_sat_f32_u(4294967040.0f), 4294967040u);
    assert_int_equal(rn_i32_trunc_sat_f32_u(-0.99999994f), 0);
    assert_int_equal(rn_i32_trunc_sat_f32_u(-1.0f), 0);
    assert_int_equal(rn_i32_trunc_sat_f32_u(-INFINITY), 0);
    assert_int_equal(rn_i32_trunc_sat_f64_s(2147483647.9), 0x7FFFFFFFu);
    assert_int_equal(rn_i32_trunc_sat_f64_s(2147483648.0), 0x7FFFFFFFu);
    assert_int_equal(rn_i32_trunc_sat_f64_s(-2147483648.9), 0x80000000u);
    assert_int_equal(rn_i32_trunc_sat_f64_s(-2147483649.0), 0x80000000u);
    assert_int_equal(rn_i32_trunc_sat_f64_s(-1e300), 0x80000000u);
    assert_int_equal(rn_i32_trunc_sat_f64_u(4294967295.9), 0xFFFFFFFFu);
    assert_int_equal(rn_i32_trunc_sat_f64_u(4294967296.0), 0xFFFFFFFFu);
    assert_int_equal(rn_i32_trunc_sat_f64_u(1e300), 0xFFFFFFFFu);
    assert_int_equal(rn_i32_trunc_sat_f64_u(-0.9999999999999999), 0);
    assert_int_equal(rn_i32_trunc_sat_f64_u(-1.0), 0);
    assert_int_equal(rn_i64_trunc_sat_f32_s(9223371487098961920.0f), 9223371487098961920u);
    assert_int_equal(rn_i64_trunc_sat_f32_s(9223372036854775808.0f), 0x7FFFFFFFFFFFFFFFu);
    assert_int_equal(rn_i64_trunc_sat_f32_s(-9223372036854775808.0f), 0x8000000000000000u);
    assert_int_equal(rn_i64_trunc_sat_f32_s(-9223373136366403584.0f), 0x8000000000000000u);
    assert_int_equal(rn_i64_trunc_sat_f32_u(18446742974197923840.0f), 18446742974197923840u);
    assert_int_equal(rn_i64_trunc_sat_f32_u(18446744073709551616.0f), UINT64_MAX);
    assert_int_equal(rn_i64_trunc_sat_f32_u(-1.0f), 0);
    assert_int_equal(rn_i64_trunc_sat_f64_s(9223372036854774784.0), 9223372036854774784u);
    assert_int_equal(rn_i64_trunc_sat_f64_s(9223372036854775808.0), 0x7FFFFFFFFFFFFFFFu);
    assert_int_equal(rn_i64_trunc_sat_f64_s(-9223372036854775808.0), 0x8000000000000000u);
    assert_int_equal(rn_i64_trunc_sat_f64_s(-9223372036854777856.0), 0x8000000000000000u);
    assert_int_equal(rn_i64_trunc_sat_f64_s(-INFINITY), 0x8000000000000000u);
    assert_int_equal(rn_i64_trunc_sat_f64_u(18446744073709549568.0), 18446744073709549568u);
    assert_int_equal(rn_i64_trunc_sat_f64_u(18446744073709551616.0), UINT64_MAX);
    assert_int_equal(rn_i64_trunc_sat_f64_u(INFINITY), UINT64_MAX);
    assert_int_equal(rn_i64_trunc_sat_f64_u(-0.9999999999999999), 0);
    assert_int_equal(rn_i64_trunc_sat_f64_u(-1.0), 0);
}

/* ---- the whole instruction list at once ---- */

/* Uniform wrappers over every insn.h entry: operands and result as raw bits. */
static uint32_t in_i32(uint64_t b) { return (uint32_t)b; }
static uint64_t in_i64(uint64_t b) { return b; }
static float in_f32(uint64_t b) { return rn_f32_from_bits((uint32_t)b); }
static double in_f64(uint64_t b) { return rn_f64_from_bits(b); }
static uint64_t out_i32(uint32_t v) { return v; }
static uint64_t out_i64(uint64_t v) { return v; }
static uint64_t out_f32(float v) { return rn_f32_bits(v); }
static uint64_t out_f64(double v) { return rn_f64_bits(v); }

enum { T_I32, T_I64, T_F32, T_F64 };
#define TY_i32 T_I32
#define TY_i64 T_I64
#define TY_f32 T_F32
#define TY_f64 T_F64

typedef int (*wrap_fn)(const uint64_t *args, uint64_t *res);

#define W_UN(N, OP, TO, TI)                                                                                          \
    static int w_##N(const uint64_t *a, uint64_t *r)                                                                 \
    {                                                                                                                \
        *r = out_##TO(rn_##N(in_##TI(a[0])));                                                                        \
        return 0;                                                                                                    \
    }
#define W_BIN(N, OP, TO, TI)                                                                                         \
    static int w_##N(const uint64_t *a, uint64_t *r)                                                                 \
    {                                                                                                                \
        *r = out_##TO(rn_##N(in_##TI(a[0]), in_##TI(a[1])));                                                         \
        return 0;                                                                                                    \
    }
#define W_UNT(N, OP, TO, TI)                                                                                         \
    static int w_##N(const uint64_t *a, uint64_t *r)                                                                 \
    {                                                                                                                \
        RN_CT_##TO o = 0;                                                                                            \
        int t = rn_##N(in_##TI(a[0]), &o);                                                                           \
        *r = out_##TO(o);                                                                                            \
        return t;                                                                                                    \
    }
#define W_BINT(N, OP, TO, TI)                                                                                        \
    static int w_##N(const uint64_t *a, uint64_t *r)                                                                 \
    {                                                                                                                \
        RN_CT_##TO o = 0;                                                                                            \
        int t = rn_##N(in_##TI(a[0]), in_##TI(a[1]), &o);                                                           \
        *r = out_##TO(o);                                                                                            \
        return t;                                                                                                    \
    }
RN_UNOPS(W_UN)
RN_BINOPS(W_BIN)
RN_UNOPS_TRAP(W_UNT)
RN_BINOPS_TRAP(W_BINT)

struct op_entry {
    const char *name;
    wrap_fn fn;
    int arity, trapping, tout, tin;
};
#define E_UN(N, OP, TO, TI) {#N, w_##N, 1, 0, TY_##TO, TY_##TI},
#define E_BIN(N, OP, TO, TI) {#N, w_##N, 2, 0, TY_##TO, TY_##TI},
#define E_UNT(N, OP, TO, TI) {#N, w_##N, 1, 1, TY_##TO, TY_##TI},
#define E_BINT(N, OP, TO, TI) {#N, w_##N, 2, 1, TY_##TO, TY_##TI},
static const struct op_entry all_ops[] = {RN_UNOPS(E_UN) RN_BINOPS(E_BIN) RN_UNOPS_TRAP(E_UNT) RN_BINOPS_TRAP(E_BINT)};
#define N_OPS (sizeof all_ops / sizeof all_ops[0])

static const uint64_t pat_i32[] = {0, 1, 2, 31, 32, 33, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0x7FFFFFFF, 0x80000000u,
                                   0x80000001u, 0xFFFFFFFEu, 0xFFFFFFFFu, 0x12345678u, 0xDEADBEEFu};
static const uint64_t pat_i64[] = {0, 1, 2, 63, 64, 65, 0x80, 0x8000, 0x7FFFFFFF, 0x80000000u, 0xFFFFFFFFu,
                                   0x100000000u, 0x7FFFFFFFFFFFFFFFu, 0x8000000000000000u, 0x8000000000000001u,
                                   0xFFFFFFFFFFFFFFFEu, UINT64_MAX, 0x0123456789ABCDEFu, 9007199791611905u};
static const uint64_t pat_f32[] = {
    0x00000000u, 0x80000000u, 0x00000001u, 0x80000001u, 0x007FFFFFu, 0x00800000u, 0x3F000000u, 0xBF000000u,
    0x3F800000u, 0xBF800000u, 0x3FC00000u, 0xC0200000u, 0x4AFFFFFFu, 0x4B000000u, 0x4EFFFFFFu, 0x4F000000u,
    0xCF000000u, 0xCF000001u, 0x4F7FFFFFu, 0x4F800000u, 0x5EFFFFFFu, 0x5F000000u, 0xDF000000u, 0xDF000001u,
    0x5F7FFFFFu, 0x5F800000u, 0x7F7FFFFFu, 0xFF7FFFFFu, 0x7F800000u, 0xFF800000u, F32_CANON, 0xFFC00000u,
    F32_SNAN, 0xFFA00000u, 0x7F800001u, 0x7FFFFFFFu, 0x7FC00001u};
static const uint64_t pat_f64[] = {0x0000000000000000u, 0x8000000000000000u, 0x0000000000000001u,
                                   0x000FFFFFFFFFFFFFu, 0x0010000000000000u, 0x3FE0000000000000u,
                                   0xBFE0000000000000u, 0x3FF0000000000000u, 0xBFEFFFFFFFFFFFFFu,
                                   0x4004000000000000u, 0x432FFFFFFFFFFFFFu, 0x4330000000000000u,
                                   0x41DFFFFFFFFFFFFFu, 0x41E0000000000000u, 0xC1E0000000000000u,
                                   0xC1E0000000200000u, 0xC1E0000000100000u, 0x41EFFFFFFFFFFFFFu,
                                   0x41F0000000000000u, 0x43DFFFFFFFFFFFFFu, 0x43E0000000000000u,
                                   0xC3E0000000000000u, 0xC3E0000000000001u, 0x43EFFFFFFFFFFFFFu,
                                   0x43F0000000000000u, 0x47EFFFFFE0000000u, 0x47EFFFFFF0000000u,
                                   0x7FEFFFFFFFFFFFFFu, 0x7FF0000000000000u, 0xFFF0000000000000u, F64_CANON,
                                   0xFFF8000000000000u, F64_SNAN, 0x7FF0000000000001u, 0x7FF8000000000001u};

static void patterns(int ty, const uint64_t **p, size_t *n)
{
    switch (ty) {
    case T_I32:
        *p = pat_i32, *n = sizeof pat_i32 / sizeof pat_i32[0];
        break;
    case T_I64:
        *p = pat_i64, *n = sizeof pat_i64 / sizeof pat_i64[0];
        break;
    case T_F32:
        *p = pat_f32, *n = sizeof pat_f32 / sizeof pat_f32[0];
        break;
    default:
        *p = pat_f64, *n = sizeof pat_f64 / sizeof pat_f64[0];
        break;
    }
}

static int nan_bits(int ty, uint64_t b) { return ty == T_F32 ? is_nan32((uint32_t)b) : ty == T_F64 && is_nan64(b); }
static int canon_bits(int ty, uint64_t b) { return ty == T_F32 ? is_canon32((uint32_t)b) : is_canon64(b); }
static int arith_bits(int ty, uint64_t b) { return ty == T_F32 ? is_arith32((uint32_t)b) : is_arith64(b); }

/* The operations that are not "arithmetic" in the spec's NaN sense: they move bits unchanged. */
static int bitwise_op(const char *name)
{
    return strstr(name, "_abs") || strstr(name, "_neg") || strstr(name, "copysign") || strstr(name, "reinterpret");
}

static int is_test_op(const struct op_entry *op)
{
    static const char *const kinds[] = {"_eq", "_ne", "_lt", "_gt", "_le", "_ge"};
    if (strstr(op->name, "_eqz"))
        return 1;
    for (size_t i = 0; op->arity == 2 && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strstr(op->name, kinds[i]))
            return 1;
    return 0;
}

/* The saturating twin of a trapping truncation ("i32_trunc_f32_s" -> "i32_trunc_sat_f32_s"). */
static const struct op_entry *sat_twin(const char *name)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.10ssat_%s", name, name + 10);
    for (size_t i = 0; i < N_OPS; i++)
        if (strcmp(all_ops[i].name, buf) == 0)
            return &all_ops[i];
    return NULL;
}

static void test_sweep_all_ops(void **state)
{
    (void)state;
    /* The lists hold every scalar numeric instruction of WebAssembly 2.0 except the constants:
       opcodes 0x45..0xC4 (128 of them) and the eight 0xFC trunc_sat ones. */
    assert_int_equal(N_OPS, 128 + 8);
    long calls = 0;
    for (size_t i = 0; i < N_OPS; i++) {
        const struct op_entry *op = &all_ops[i];
        const uint64_t *p;
        size_t n;
        patterns(op->tin, &p, &n);
        for (size_t x = 0; x < n; x++) {
            for (size_t y = 0; y < (op->arity == 2 ? n : 1); y++) {
                uint64_t args[2] = {p[x], p[y]}, res = 0;
                int trap = op->fn(args, &res);
                calls++;
                int in_nan = nan_bits(op->tin, args[0]) || (op->arity == 2 && nan_bits(op->tin, args[1]));
                int in_all_canon = (!nan_bits(op->tin, args[0]) || canon_bits(op->tin, args[0])) &&
                                   (op->arity == 1 || !nan_bits(op->tin, args[1]) || canon_bits(op->tin, args[1]));
                if (!op->trapping) {
                    /* Spec 4.3.3: an arithmetic op's NaN result is canonical if all NaN operands are,
                       arithmetic (quiet) otherwise; a NaN never appears from non-NaN operands except
                       through invalid operations, which give the canonical NaN. */
                    if (nan_bits(op->tout, res) && !bitwise_op(op->name)) {
                        if (in_nan && !in_all_canon) {
                            if (!arith_bits(op->tout, res))
                                fail_msg("%s(%#llx, %#llx) gave non-arithmetic NaN %#llx", op->name,
                                         (unsigned long long)args[0], (unsigned long long)args[1],
                                         (unsigned long long)res);
                        } else if (!canon_bits(op->tout, res)) {
                            fail_msg("%s(%#llx, %#llx) gave non-canonical NaN %#llx", op->name,
                                     (unsigned long long)args[0], (unsigned long long)args[1],
                                     (unsigned long long)res);
                        }
                    }
                    /* Comparisons and eqz produce 0 or 1. */
                    if (is_test_op(op) && res > 1)
                        fail_msg("%s returned %llu", op->name, (unsigned long long)res);
                    continue;
                }
                if (op->arity == 2) { /* integer division */
                    if (args[1] == 0 && trap != RUNNEL_TRAP_DIV_ZERO)
                        fail_msg("%s by zero gave trap %d", op->name, trap);
                    if (args[1] != 0 && trap != 0 && trap != RUNNEL_TRAP_INT_OVERFLOW)
                        fail_msg("%s gave trap %d", op->name, trap);
                    if (trap == RUNNEL_TRAP_INT_OVERFLOW && strstr(op->name, "div_s") == NULL)
                        fail_msg("%s overflowed", op->name);
                    continue;
                }
                /* Truncation: NaN traps invalid; otherwise the trapping and saturating versions
                   agree wherever the first does not trap, and where it overflows the saturating one
                   gives an end of the range. */
                const struct op_entry *sat = sat_twin(op->name);
                assert_non_null(sat);
                uint64_t sres = 0;
                sat->fn(args, &sres);
                if (nan_bits(op->tin, args[0])) {
                    if (trap != RUNNEL_TRAP_INVALID_CONVERSION || sres != 0)
                        fail_msg("%s(NaN %#llx): trap %d, sat %#llx", op->name, (unsigned long long)args[0],
                                 trap, (unsigned long long)sres);
                } else if (trap == 0) {
                    if (res != sres)
                        fail_msg("%s(%#llx) = %#llx but %s gives %#llx", op->name, (unsigned long long)args[0],
                                 (unsigned long long)res, sat->name, (unsigned long long)sres);
                } else if (trap == RUNNEL_TRAP_INT_OVERFLOW) {
                    int w64 = op->tout == T_I64, sgn = op->name[strlen(op->name) - 1] == 's';
                    uint64_t lo = sgn ? (w64 ? 0x8000000000000000u : 0x80000000u) : 0;
                    uint64_t hi = sgn ? (w64 ? 0x7FFFFFFFFFFFFFFFu : 0x7FFFFFFFu) : (w64 ? UINT64_MAX : 0xFFFFFFFFu);
                    if (sres != lo && sres != hi)
                        fail_msg("%s(%#llx) overflowed but saturates to %#llx", op->name,
                                 (unsigned long long)args[0], (unsigned long long)sres);
                } else {
                    fail_msg("%s gave trap %d", op->name, trap);
                }
            }
        }
    }
    assert_true(calls > 20000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int_wrapping),
        cmocka_unit_test(test_int_div_traps),
        cmocka_unit_test(test_int_div_rounding),
        cmocka_unit_test(test_int_compare),
        cmocka_unit_test(test_shifts_and_rotates),
        cmocka_unit_test(test_bit_counts),
        cmocka_unit_test(test_sign_extension),
        cmocka_unit_test(test_float_sign_bits),
        cmocka_unit_test(test_min_max),
        cmocka_unit_test(test_nearest),
        cmocka_unit_test(test_nearest_ignores_rounding_mode),
        cmocka_unit_test(test_nearest_random),
        cmocka_unit_test(test_ceil_floor_trunc_sqrt),
        cmocka_unit_test(test_float_arith),
        cmocka_unit_test(test_float_compare),
        cmocka_unit_test(test_int_to_float_cases),
        cmocka_unit_test(test_int_to_float_random),
        cmocka_unit_test(test_demote_promote),
        cmocka_unit_test(test_reinterpret),
        cmocka_unit_test(test_trunc_traps),
        cmocka_unit_test(test_trunc_sat),
        cmocka_unit_test(test_sweep_all_ops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

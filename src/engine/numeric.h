/*
 * numeric.h - the exact semantics of WebAssembly's numeric instructions (spec 4.3, "Numerics").
 *
 * One static inline function per entry of RN_UNOPS, RN_UNOPS_TRAP, RN_BINOPS and RN_BINOPS_TRAP in
 * insn.h, named rn_<entry> with the signature insn.h gives. The interpreter calls them from its
 * handlers and the compiler may call them to fold constants, so both always agree.
 *
 * Why the code looks the way it does:
 *
 * - No undefined or implementation-defined behaviour in C for any operand. WebAssembly integers are
 *   bit patterns, so all integer arithmetic is done on uint32_t/uint64_t (wrapping is defined there).
 *   Signed views are produced by rn_s32/rn_s64, which never rely on out-of-range conversions; shift
 *   counts are masked (spec 4.3.2: "ishl(N, i1, i2): let k be i2 modulo N"); INT_MIN / -1 traps
 *   before C could see it, and rem_s with divisor -1 is answered (0) without dividing; an arithmetic
 *   right shift of a negative value is built from logical shifts.
 *
 * - Float -> integer truncation checks the range before converting (converting an out-of-range
 *   float to an integer type is undefined in C, 6.3.1.4). The limits are powers of two, exactly
 *   representable in both float and double, so the comparisons are exact: a value is accepted iff
 *   its truncation toward zero fits (spec 4.3.3 trunc_s/trunc_u; "trunc" is partial, the
 *   instruction traps where it is undefined, spec 4.4.1.3).
 *
 * - NaN results: WebAssembly (spec 4.3.3, "NaN propagation") asks that an arithmetic result NaN be
 *   canonical when every NaN operand is canonical, and some quiet ("arithmetic") NaN otherwise.
 *   IEEE 754 hardware (SSE2 on x86-64, the FPU on AArch64) does exactly that for + - * / sqrt and
 *   the conversions, so those are plain C operators. For the other operations we produce the NaN
 *   ourselves with `a + b` or `a + a`, which propagates an operand's payload and sets its quiet bit.
 *   abs, neg and copysign are not arithmetic: they are pure sign-bit operations (spec 4.3.3 fabs,
 *   fneg, fcopysign) and keep every payload bit, so they work on the bits via memcpy.
 *
 * - Rounding: every float operation relies on the default IEEE rounding mode (to nearest, ties to
 *   even), which nothing in runnel changes. `nearest` is implemented without rint/nearbyint so that
 *   it is right whatever mode a host has set. ceil/floor/trunc/sqrt come from <math.h>, which is
 *   exact for them; NaN operands are handled first so that a signalling NaN always comes out quiet.
 *
 * - Integer -> float conversion uses C's conversion, which on x86-64/AArch64 with gcc or clang is a
 *   single correctly rounded instruction (or, for unsigned 64-bit on x86-64, a halve-with-sticky-bit
 *   sequence that is also correctly rounded). Converting u64 via double first would round twice and
 *   be wrong (e.g. 9007199791611905 -> f32), so it is never done. f64 -> f32 demotion is C's
 *   conversion too: under IEC 60559 (C17 Annex F) every double, including those beyond FLT_MAX, is
 *   within float's range (which includes the infinities) and rounds correctly.
 *
 * - Evaluation must be in the type's own precision (FLT_EVAL_METHOD 0: SSE, not x87), otherwise
 *   results would be double-rounded and signalling NaNs quietened in transit; this is checked below.
 *   The build uses -ffp-contract=off so that a*b+c is never fused into an FMA.
 */
#ifndef RN_NUMERIC_H
#define RN_NUMERIC_H

#include "insn.h"
#include "runnel/engine.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#if FLT_EVAL_METHOD != 0
#error "runnel needs float and double evaluated in their own precision (FLT_EVAL_METHOD 0, e.g. SSE2)"
#endif
_Static_assert(sizeof(float) == 4 && FLT_MANT_DIG == 24 && FLT_MAX_EXP == 128, "float must be binary32");
_Static_assert(sizeof(double) == 8 && DBL_MANT_DIG == 53 && DBL_MAX_EXP == 1024, "double must be binary64");
/* uint32_t must not promote to (signed) int in arithmetic, or a*b could overflow an int. */
_Static_assert(sizeof(unsigned int) >= sizeof(uint32_t), "unsigned int narrower than 32 bits");

/* ---- bit-level helpers (also used by the interpreter for reinterpretation and constants) ---- */

static inline uint32_t rn_f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float rn_f32_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline uint64_t rn_f64_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static inline double rn_f64_from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* Signed views of the bit patterns (two's complement, spec 4.3.1 "signed"). Converting an unsigned
   value above INT32_MAX to int32_t is implementation-defined in C, so the high half is mapped by
   arithmetic that stays in range; compilers reduce both to nothing. */
static inline int32_t rn_s32(uint32_t a)
{
    return a <= (uint32_t)INT32_MAX ? (int32_t)a : (int32_t)(a - 0x80000000u) + INT32_MIN;
}

static inline int64_t rn_s64(uint64_t a)
{
    return a <= (uint64_t)INT64_MAX ? (int64_t)a : (int64_t)(a - 0x8000000000000000u) + INT64_MIN;
}

#define RN_F32_SIGN 0x80000000u
#define RN_F64_SIGN 0x8000000000000000u

/* ---- integer unary ---- */

static inline uint32_t rn_i32_eqz(uint32_t a) { return a == 0; }
static inline uint32_t rn_i64_eqz(uint64_t a) { return a == 0; }

/* __builtin_clz/ctz are undefined for 0; WebAssembly defines the count of 0 as the width. */
static inline uint32_t rn_i32_clz(uint32_t a) { return a ? (uint32_t)__builtin_clz(a) : 32; }
static inline uint32_t rn_i32_ctz(uint32_t a) { return a ? (uint32_t)__builtin_ctz(a) : 32; }
static inline uint32_t rn_i32_popcnt(uint32_t a) { return (uint32_t)__builtin_popcount(a); }
static inline uint64_t rn_i64_clz(uint64_t a) { return a ? (uint64_t)__builtin_clzll(a) : 64; }
static inline uint64_t rn_i64_ctz(uint64_t a) { return a ? (uint64_t)__builtin_ctzll(a) : 64; }
static inline uint64_t rn_i64_popcnt(uint64_t a) { return (uint64_t)__builtin_popcountll(a); }

/* Sign extension of the low N bits (spec 4.3.2 iextendN_s): flipping the sign bit and subtracting
   it again, in unsigned arithmetic, copies bit N-1 into every higher bit. */
static inline uint32_t rn_i32_extend8_s(uint32_t a) { return ((a & 0xFFu) ^ 0x80u) - 0x80u; }
static inline uint32_t rn_i32_extend16_s(uint32_t a) { return ((a & 0xFFFFu) ^ 0x8000u) - 0x8000u; }
static inline uint64_t rn_i64_extend8_s(uint64_t a) { return ((a & 0xFFu) ^ 0x80u) - (uint64_t)0x80u; }
static inline uint64_t rn_i64_extend16_s(uint64_t a) { return ((a & 0xFFFFu) ^ 0x8000u) - (uint64_t)0x8000u; }
static inline uint64_t rn_i64_extend32_s(uint64_t a)
{
    return ((a & 0xFFFFFFFFu) ^ 0x80000000u) - (uint64_t)0x80000000u;
}

static inline uint32_t rn_i32_wrap_i64(uint64_t a) { return (uint32_t)a; }
static inline uint64_t rn_i64_extend_i32_s(uint32_t a) { return ((uint64_t)a ^ 0x80000000u) - (uint64_t)0x80000000u; }
static inline uint64_t rn_i64_extend_i32_u(uint32_t a) { return a; }

/* ---- integer binary ---- */

static inline uint32_t rn_i32_eq(uint32_t a, uint32_t b) { return a == b; }
static inline uint32_t rn_i32_ne(uint32_t a, uint32_t b) { return a != b; }
static inline uint32_t rn_i32_lt_s(uint32_t a, uint32_t b) { return rn_s32(a) < rn_s32(b); }
static inline uint32_t rn_i32_lt_u(uint32_t a, uint32_t b) { return a < b; }
static inline uint32_t rn_i32_gt_s(uint32_t a, uint32_t b) { return rn_s32(a) > rn_s32(b); }
static inline uint32_t rn_i32_gt_u(uint32_t a, uint32_t b) { return a > b; }
static inline uint32_t rn_i32_le_s(uint32_t a, uint32_t b) { return rn_s32(a) <= rn_s32(b); }
static inline uint32_t rn_i32_le_u(uint32_t a, uint32_t b) { return a <= b; }
static inline uint32_t rn_i32_ge_s(uint32_t a, uint32_t b) { return rn_s32(a) >= rn_s32(b); }
static inline uint32_t rn_i32_ge_u(uint32_t a, uint32_t b) { return a >= b; }

static inline uint32_t rn_i64_eq(uint64_t a, uint64_t b) { return a == b; }
static inline uint32_t rn_i64_ne(uint64_t a, uint64_t b) { return a != b; }
static inline uint32_t rn_i64_lt_s(uint64_t a, uint64_t b) { return rn_s64(a) < rn_s64(b); }
static inline uint32_t rn_i64_lt_u(uint64_t a, uint64_t b) { return a < b; }
static inline uint32_t rn_i64_gt_s(uint64_t a, uint64_t b) { return rn_s64(a) > rn_s64(b); }
static inline uint32_t rn_i64_gt_u(uint64_t a, uint64_t b) { return a > b; }
static inline uint32_t rn_i64_le_s(uint64_t a, uint64_t b) { return rn_s64(a) <= rn_s64(b); }
static inline uint32_t rn_i64_le_u(uint64_t a, uint64_t b) { return a <= b; }
static inline uint32_t rn_i64_ge_s(uint64_t a, uint64_t b) { return rn_s64(a) >= rn_s64(b); }
static inline uint32_t rn_i64_ge_u(uint64_t a, uint64_t b) { return a >= b; }

static inline uint32_t rn_i32_add(uint32_t a, uint32_t b) { return a + b; }
static inline uint32_t rn_i32_sub(uint32_t a, uint32_t b) { return a - b; }
static inline uint32_t rn_i32_mul(uint32_t a, uint32_t b) { return a * b; }
static inline uint32_t rn_i32_and(uint32_t a, uint32_t b) { return a & b; }
static inline uint32_t rn_i32_or(uint32_t a, uint32_t b) { return a | b; }
static inline uint32_t rn_i32_xor(uint32_t a, uint32_t b) { return a ^ b; }
static inline uint32_t rn_i32_shl(uint32_t a, uint32_t b) { return a << (b & 31); }
static inline uint32_t rn_i32_shr_u(uint32_t a, uint32_t b) { return a >> (b & 31); }
/* Right-shifting a negative signed value is implementation-defined in C; for a negative a,
   ~(~a >> k) shifts in ones, which is the arithmetic shift. */
static inline uint32_t rn_i32_shr_s(uint32_t a, uint32_t b)
{
    uint32_t k = b & 31;
    return (a & 0x80000000u) ? ~(~a >> k) : a >> k;
}
/* (32 - k) & 31 keeps the complementary shift below the width when k is 0. */
static inline uint32_t rn_i32_rotl(uint32_t a, uint32_t b)
{
    uint32_t k = b & 31;
    return (a << k) | (a >> ((32 - k) & 31));
}
static inline uint32_t rn_i32_rotr(uint32_t a, uint32_t b)
{
    uint32_t k = b & 31;
    return (a >> k) | (a << ((32 - k) & 31));
}

static inline uint64_t rn_i64_add(uint64_t a, uint64_t b) { return a + b; }
static inline uint64_t rn_i64_sub(uint64_t a, uint64_t b) { return a - b; }
static inline uint64_t rn_i64_mul(uint64_t a, uint64_t b) { return a * b; }
static inline uint64_t rn_i64_and(uint64_t a, uint64_t b) { return a & b; }
static inline uint64_t rn_i64_or(uint64_t a, uint64_t b) { return a | b; }
static inline uint64_t rn_i64_xor(uint64_t a, uint64_t b) { return a ^ b; }
static inline uint64_t rn_i64_shl(uint64_t a, uint64_t b) { return a << (b & 63); }
static inline uint64_t rn_i64_shr_u(uint64_t a, uint64_t b) { return a >> (b & 63); }
static inline uint64_t rn_i64_shr_s(uint64_t a, uint64_t b)
{
    uint64_t k = b & 63;
    return (a & RN_F64_SIGN) ? ~(~a >> k) : a >> k;
}
static inline uint64_t rn_i64_rotl(uint64_t a, uint64_t b)
{
    uint64_t k = b & 63;
    return (a << k) | (a >> ((64 - k) & 63));
}
static inline uint64_t rn_i64_rotr(uint64_t a, uint64_t b)
{
    uint64_t k = b & 63;
    return (a >> k) | (a << ((64 - k) & 63));
}

/* ---- integer division (spec 4.3.2 idiv/irem: undefined, hence a trap, for a zero divisor and
   for the one signed quotient that does not fit; the remainder of INT_MIN / -1 is 0) ---- */

static inline int rn_i32_div_u(uint32_t a, uint32_t b, uint32_t *out)
{
    if (b == 0)
        return RUNNEL_TRAP_DIV_ZERO;
    *out = a / b;
    return 0;
}

static inline int rn_i32_rem_u(uint32_t a, uint32_t b, uint32_t *out)
{
    if (b == 0)
        return RUNNEL_TRAP_DIV_ZERO;
    *out = a % b;
    return 0;
}

static inline int rn_i32_div_s(uint32_t a, uint32_t b, uint32_t *out)
{
    if (b == 0)
        return RUNNEL_TRAP_DIV_ZERO;
    if (a == 0x80000000u && b == 0xFFFFFFFFu)
        return RUNNEL_TRAP_INT_OVERFLOW;
    /* C division truncates toward zero (C17 6.5.5), as idiv_s does. */
    *out = (uint32_t)(rn_s32(a) / rn_s32(b));
    return 0;
}

static inline int rn_i32_rem_s(uint32_t a, uint32_t b, uint32_t *out)
{
    if (b == 0)
        return RUNNEL_TRAP_DIV_ZERO;
    /* x % -1 is always 0, and INT_MIN % -1 is undefined in C, so never compute it. */
    if (b == 0xFFFFFFFFu) {
        *out = 0;
        return 0;
    }
    /* The remainder takes the dividend's sign (C17 6.5.5p6), as irem_s does. */
    *out = (uint32_t)(rn_s32(a) % rn_s32(b));
    return 0;
}

static inline int rn_i64_div_u(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b == 0)
        return RUNNEL_TRAP_DIV_ZERO;
    *out = a / b;
    return 0;
}

static inline int rn_i64_rem_u(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b == 0)
        return RUNNEL_TRAP_DIV_ZERO;
    *out = a % b;
    return 0;
}

static inline int rn_i64_div_s(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b == 0)
        return RUNNEL_TRAP_DIV_ZERO;
    if (a == RN_F64_SIGN && b == UINT64_MAX)
        return RUNNEL_TRAP_INT_OVERFLOW;
    *out = (uint64_t)(rn_s64(a) / rn_s64(b));
    return 0;
}

static inline int rn_i64_rem_s(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b == 0)
        return RUNNEL_TRAP_DIV_ZERO;
    if (b == UINT64_MAX) {
        *out = 0;
        return 0;
    }
    *out = (uint64_t)(rn_s64(a) % rn_s64(b));
    return 0;
}

/* ---- float sign operations: bit manipulation only, payloads kept (spec 4.3.3 fabs/fneg/fcopysign) ---- */

static inline float rn_f32_abs(float a) { return rn_f32_from_bits(rn_f32_bits(a) & ~RN_F32_SIGN); }
static inline float rn_f32_neg(float a) { return rn_f32_from_bits(rn_f32_bits(a) ^ RN_F32_SIGN); }
static inline float rn_f32_copysign(float a, float b)
{
    return rn_f32_from_bits((rn_f32_bits(a) & ~RN_F32_SIGN) | (rn_f32_bits(b) & RN_F32_SIGN));
}
static inline double rn_f64_abs(double a) { return rn_f64_from_bits(rn_f64_bits(a) & ~RN_F64_SIGN); }
static inline double rn_f64_neg(double a) { return rn_f64_from_bits(rn_f64_bits(a) ^ RN_F64_SIGN); }
static inline double rn_f64_copysign(double a, double b)
{
    return rn_f64_from_bits((rn_f64_bits(a) & ~RN_F64_SIGN) | (rn_f64_bits(b) & RN_F64_SIGN));
}

/* ---- float rounding to integral values ---- */

/* a + a of a NaN is that NaN made quiet (payload kept, so canonical stays canonical); it is used
   wherever a library function might otherwise hand back a signalling NaN untouched. */
static inline float rn_f32_ceil(float a) { return isnan(a) ? a + a : ceilf(a); }
static inline float rn_f32_floor(float a) { return isnan(a) ? a + a : floorf(a); }
static inline float rn_f32_trunc(float a) { return isnan(a) ? a + a : truncf(a); }
static inline float rn_f32_sqrt(float a) { return isnan(a) ? a + a : sqrtf(a); }
static inline double rn_f64_ceil(double a) { return isnan(a) ? a + a : ceil(a); }
static inline double rn_f64_floor(double a) { return isnan(a) ? a + a : floor(a); }
static inline double rn_f64_trunc(double a) { return isnan(a) ? a + a : trunc(a); }
static inline double rn_f64_sqrt(double a) { return isnan(a) ? a + a : sqrt(a); }

/* fnearest (spec 4.3.3): round to the nearest integer, ties to even, sign of zero kept.
   From 2^23 (f32) / 2^52 (f64) up every float is already an integer. Below that, t = trunc(a) is
   exact and so is the fraction a - t (Sterbenz: t is 0 or within a factor 2 of a), so the decision
   is made by exact comparisons, not by the current rounding mode; |t| fits the integer type used for
   the parity test, and t +/- 1 is exact in that range. The sign of a zero result is right without
   further work: trunc keeps the sign (trunc(-0.5) = -0), and +/- 1 is only added away from zero. */
static inline float rn_f32_nearest(float a)
{
    if (isnan(a))
        return a + a;
    if (!(fabsf(a) < 8388608.0f)) /* 2^23 or above, or infinite */
        return a;
    float t = truncf(a);
    float frac = fabsf(a - t);
    if (frac > 0.5f || (frac == 0.5f && ((uint32_t)fabsf(t) & 1u) != 0))
        t += a < 0 ? -1.0f : 1.0f;
    return t;
}

static inline double rn_f64_nearest(double a)
{
    if (isnan(a))
        return a + a;
    if (!(fabs(a) < 4503599627370496.0)) /* 2^52 or above, or infinite */
        return a;
    double t = trunc(a);
    double frac = fabs(a - t);
    if (frac > 0.5 || (frac == 0.5 && ((uint64_t)fabs(t) & 1u) != 0))
        t += a < 0 ? -1.0 : 1.0;
    return t;
}

/* ---- float arithmetic: IEEE 754 operations, NaN propagation by the hardware ----
   With two NaN operands the hardware passes on one of them by their order in the instruction, and a
   compiler may swap the operands of + and *; so which NaN comes out of such an operation may differ
   between the interpreter and compiled code. Spec 4.3.3 allows either; fixing it here would cost a
   branch on every operation and stop compilers from vectorising (matmul compiled: 6x slower), so the
   tiers are compared with that one freedom (tests/diff, docs/compiling.md). */

static inline float rn_f32_add(float a, float b) { return a + b; }
static inline float rn_f32_sub(float a, float b) { return a - b; }
static inline float rn_f32_mul(float a, float b) { return a * b; }
static inline float rn_f32_div(float a, float b) { return a / b; }
static inline double rn_f64_add(double a, double b) { return a + b; }
static inline double rn_f64_sub(double a, double b) { return a - b; }
static inline double rn_f64_mul(double a, double b) { return a * b; }
static inline double rn_f64_div(double a, double b) { return a / b; }

/* fmin/fmax (spec 4.3.3): a NaN if either operand is NaN (C's fmin would return the other
   operand), and -0 is below +0 (C's comparison treats them as equal). The NaN is the first NaN
   operand's, quieted (x + x), chosen here rather than by `a + b`, whose operands a compiler may swap:
   the interpreter and compiled code must give the same bits. */
static inline float rn_f32_min(float a, float b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) ? a + a : b + b;
    if (a == b) /* equal, possibly zeros of different sign: the one with the sign bit is smaller */
        return signbit(a) ? a : b;
    return a < b ? a : b;
}

static inline float rn_f32_max(float a, float b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) ? a + a : b + b;
    if (a == b)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

static inline double rn_f64_min(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) ? a + a : b + b;
    if (a == b)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}

static inline double rn_f64_max(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) ? a + a : b + b;
    if (a == b)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

/* ---- float comparisons: IEEE, so any comparison with a NaN is false except ne ---- */

static inline uint32_t rn_f32_eq(float a, float b) { return a == b; }
static inline uint32_t rn_f32_ne(float a, float b) { return a != b; }
static inline uint32_t rn_f32_lt(float a, float b) { return a < b; }
static inline uint32_t rn_f32_gt(float a, float b) { return a > b; }
static inline uint32_t rn_f32_le(float a, float b) { return a <= b; }
static inline uint32_t rn_f32_ge(float a, float b) { return a >= b; }
static inline uint32_t rn_f64_eq(double a, double b) { return a == b; }
static inline uint32_t rn_f64_ne(double a, double b) { return a != b; }
static inline uint32_t rn_f64_lt(double a, double b) { return a < b; }
static inline uint32_t rn_f64_gt(double a, double b) { return a > b; }
static inline uint32_t rn_f64_le(double a, double b) { return a <= b; }
static inline uint32_t rn_f64_ge(double a, double b) { return a >= b; }

/* ---- conversions between number types ---- */

static inline float rn_f32_convert_i32_s(uint32_t a) { return (float)rn_s32(a); }
static inline float rn_f32_convert_i32_u(uint32_t a) { return (float)a; }
static inline float rn_f32_convert_i64_s(uint64_t a) { return (float)rn_s64(a); }
static inline float rn_f32_convert_i64_u(uint64_t a) { return (float)a; } /* direct: no double rounding */
static inline double rn_f64_convert_i32_s(uint32_t a) { return (double)rn_s32(a); }
static inline double rn_f64_convert_i32_u(uint32_t a) { return (double)a; }
static inline double rn_f64_convert_i64_s(uint64_t a) { return (double)rn_s64(a); }
static inline double rn_f64_convert_i64_u(uint64_t a) { return (double)a; }
/* A NaN is quieted by an addition first: compiled code (translate.c) inlines these, and compilers fold
   demote(promote(x)) to x, which would let a signalling NaN through (spec 4.3.3: the result is an
   arithmetic NaN). The conversion itself keeps the payload's top bits, as the hardware's does. */
static inline float rn_f32_demote_f64(double a) { return isnan(a) ? (float)(a + a) : (float)a; }
static inline double rn_f64_promote_f32(float a) { return isnan(a) ? (double)(a + a) : (double)a; }

static inline uint32_t rn_i32_reinterpret_f32(float a) { return rn_f32_bits(a); }
static inline uint64_t rn_i64_reinterpret_f64(double a) { return rn_f64_bits(a); }
static inline float rn_f32_reinterpret_i32(uint32_t a) { return rn_f32_from_bits(a); }
static inline double rn_f64_reinterpret_i64(uint64_t a) { return rn_f64_from_bits(a); }

/* Float -> integer, trapping (spec 4.3.3 trunc_s/trunc_u). The bounds are exclusive limits on the
   real value: truncation toward zero fits iff LO < a < HI, where LO/HI are one past the integer
   range (e.g. -2^31-1 and 2^31 for i32). For f32 and for i64 the lower limit -2^N-1 is not
   representable, but no float lies strictly between it and -2^N, so a >= -2^N is the same test.
   All the limits below are exact in both float and double. */
#define RN_2P31 2147483648.0
#define RN_2P32 4294967296.0
#define RN_2P63 9223372036854775808.0
#define RN_2P64 18446744073709551616.0

static inline int rn_i32_trunc_f32_s(float a, uint32_t *out)
{
    if (isnan(a))
        return RUNNEL_TRAP_INVALID_CONVERSION;
    if (!(a >= (float)-RN_2P31 && a < (float)RN_2P31))
        return RUNNEL_TRAP_INT_OVERFLOW;
    *out = (uint32_t)(int32_t)a;
    return 0;
}

static inline int rn_i32_trunc_f32_u(float a, uint32_t *out)
{
    if (isnan(a))
        return RUNNEL_TRAP_INVALID_CONVERSION;
    if (!(a > -1.0f && a < (float)RN_2P32))
        return RUNNEL_TRAP_INT_OVERFLOW;
    *out = (uint32_t)a;
    return 0;
}

static inline int rn_i32_trunc_f64_s(double a, uint32_t *out)
{
    if (isnan(a))
        return RUNNEL_TRAP_INVALID_CONVERSION;
    if (!(a > -RN_2P31 - 1.0 && a < RN_2P31))
        return RUNNEL_TRAP_INT_OVERFLOW;
    *out = (uint32_t)(int32_t)a;
    return 0;
}

static inline int rn_i32_trunc_f64_u(double a, uint32_t *out)
{
    if (isnan(a))
        return RUNNEL_TRAP_INVALID_CONVERSION;
    if (!(a > -1.0 && a < RN_2P32))
        return RUNNEL_TRAP_INT_OVERFLOW;
    *out = (uint32_t)a;
    return 0;
}

static inline int rn_i64_trunc_f32_s(float a, uint64_t *out)
{
    if (isnan(a))
        return RUNNEL_TRAP_INVALID_CONVERSION;
    if (!(a >= (float)-RN_2P63 && a < (float)RN_2P63))
        return RUNNEL_TRAP_INT_OVERFLOW;
    *out = (uint64_t)(int64_t)a;
    return 0;
}

static inline int rn_i64_trunc_f32_u(float a, uint64_t *out)
{
    if (isnan(a))
        return RUNNEL_TRAP_INVALID_CONVERSION;
    if (!(a > -1.0f && a < (float)RN_2P64))
        return RUNNEL_TRAP_INT_OVERFLOW;
    *out = (uint64_t)a;
    return 0;
}

static inline int rn_i64_trunc_f64_s(double a, uint64_t *out)
{
    if (isnan(a))
        return RUNNEL_TRAP_INVALID_CONVERSION;
    if (!(a >= -RN_2P63 && a < RN_2P63))
        return RUNNEL_TRAP_INT_OVERFLOW;
    *out = (uint64_t)(int64_t)a;
    return 0;
}

static inline int rn_i64_trunc_f64_u(double a, uint64_t *out)
{
    if (isnan(a))
        return RUNNEL_TRAP_INVALID_CONVERSION;
    if (!(a > -1.0 && a < RN_2P64))
        return RUNNEL_TRAP_INT_OVERFLOW;
    *out = (uint64_t)a;
    return 0;
}

/* Float -> integer, saturating (spec 4.3.3 trunc_sat_s/trunc_sat_u): NaN gives 0, values beyond
   the range give its nearest end, everything else is the trapping version's result. */
static inline uint32_t rn_i32_trunc_sat_f32_s(float a)
{
    if (isnan(a))
        return 0;
    if (a < (float)-RN_2P31)
        return 0x80000000u;
    if (a >= (float)RN_2P31)
        return 0x7FFFFFFFu;
    return (uint32_t)(int32_t)a;
}

static inline uint32_t rn_i32_trunc_sat_f32_u(float a)
{
    if (!(a > -1.0f)) /* NaN too */
        return 0;
    if (a >= (float)RN_2P32)
        return UINT32_MAX;
    return (uint32_t)a;
}

static inline uint32_t rn_i32_trunc_sat_f64_s(double a)
{
    if (isnan(a))
        return 0;
    if (a <= -RN_2P31 - 1.0)
        return 0x80000000u;
    if (a >= RN_2P31)
        return 0x7FFFFFFFu;
    return (uint32_t)(int32_t)a;
}

static inline uint32_t rn_i32_trunc_sat_f64_u(double a)
{
    if (!(a > -1.0))
        return 0;
    if (a >= RN_2P32)
        return UINT32_MAX;
    return (uint32_t)a;
}

static inline uint64_t rn_i64_trunc_sat_f32_s(float a)
{
    if (isnan(a))
        return 0;
    if (a < (float)-RN_2P63)
        return RN_F64_SIGN;
    if (a >= (float)RN_2P63)
        return (uint64_t)INT64_MAX;
    return (uint64_t)(int64_t)a;
}

static inline uint64_t rn_i64_trunc_sat_f32_u(float a)
{
    if (!(a > -1.0f))
        return 0;
    if (a >= (float)RN_2P64)
        return UINT64_MAX;
    return (uint64_t)a;
}

static inline uint64_t rn_i64_trunc_sat_f64_s(double a)
{
    if (isnan(a))
        return 0;
    if (a < -RN_2P63)
        return RN_F64_SIGN;
    if (a >= RN_2P63)
        return (uint64_t)INT64_MAX;
    return (uint64_t)(int64_t)a;
}

static inline uint64_t rn_i64_trunc_sat_f64_u(double a)
{
    if (!(a > -1.0))
        return 0;
    if (a >= RN_2P64)
        return UINT64_MAX;
    return (uint64_t)a;
}

#endif

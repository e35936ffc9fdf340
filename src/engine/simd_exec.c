/*
 * simd_exec.c - execution of the fixed-width SIMD instructions (spec 4.4.3 "Vector Instructions",
 * with the lane-wise numeric operators of 4.3.2-4.3.4 and the memory instructions of 4.4.7).
 *
 * The interpreter's loop (exec.c) has one case, OP_simd, that calls rn_simd_exec out of line: SIMD is
 * rare in the code runnel runs, so it costs the hot loop nothing but that case. simd_insn.h gives the
 * layout of the compiled op. The host is little-endian (exec.c checks), so the lanes of a v128 are
 * the elements of a C array over its 16 bytes in memory order, and a union of such arrays views them
 * in every shape (reading a union member other than the one last written reinterprets the bytes,
 * C17 6.5.2.3 note 97).
 *
 * Plain C over lanes, no intrinsics, and no undefined behaviour on any input: integer lanes are
 * computed in unsigned arithmetic or in a type wide enough for the exact result (the narrow unsigned
 * types would otherwise promote to int, where 65535 * 65535 overflows), shift counts are taken modulo
 * the lane width (4.3.2 ishl), and float-to-integer conversions saturate before they convert (4.3.4
 * trunc_sat). Float arithmetic is the host's IEEE 754 arithmetic, so a NaN result is the canonical
 * NaN or a quieted operand, as 4.3.3 "NaN Propagation" allows; min/max/nearest/rounding reuse the
 * scalar definitions in numeric.h, which give the spec's answer for NaN and signed zeros.
 *
 * Memory accesses check [ea, ea + size) against the memory size with the 33-bit effective address,
 * as exec.c's scalar loads do, and return RUNNEL_TRAP_MEMORY_OOB before touching memory.
 */
#include "numeric.h"
#include "runtime.h"
#include "simd_insn.h"

#include <string.h>

typedef union v128 {
    uint8_t u8[16];
    int8_t i8[16];
    uint16_t u16[8];
    int16_t i16[8];
    uint32_t u32[4];
    int32_t i32[4];
    uint64_t u64[2];
    int64_t i64[2];
    float f32[4];
    double f64[2];
} v128;

static inline v128 get(const uint64_t *fp, uint32_t s)
{
    v128 v;
    v.u64[0] = fp[s];
    v.u64[1] = fp[s + 1];
    return v;
}
static inline void put(uint64_t *fp, uint32_t s, v128 v)
{
    fp[s] = v.u64[0];
    fp[s + 1] = v.u64[1];
}

/* Arithmetic right shift of a signed value (C leaves it implementation-defined for negatives). */
static inline int64_t asr(int64_t v, unsigned s) { return v < 0 ? ~(~v >> s) : v >> s; }

static inline int32_t sat(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }

static inline float f32_pmin(float a, float b) { return b < a ? b : a; }
static inline float f32_pmax(float a, float b) { return a < b ? b : a; }
static inline double f64_pmin(double a, double b) { return b < a ? b : a; }
static inline double f64_pmax(double a, double b) { return a < b ? b : a; }

/* Lane loops: r.F[i] = EXPR for every lane i of F's shape. */
#define LANES(F, N, EXPR)                                                                                            \
    for (unsigned i = 0; i < (N); i++)                                                                               \
        r.F[i] = (EXPR);                                                                                             \
    break
/* Comparisons give all ones or all zeros in a lane of unsigned type UF. */
#define CMP(UF, N, T, COND)                                                                                          \
    for (unsigned i = 0; i < (N); i++)                                                                               \
        r.UF[i] = (COND) ? (T)~(T)0 : 0;                                                                             \
    break

/* The memory operation of a load or store: the effective address's bounds, or a trap. */
#define BOUNDS(addr, off, size)                                                                                      \
    uint64_t ea = (uint64_t)(uint32_t)(addr) + (off);                                                                \
    if (ea + (size) > msize)                                                                                         \
        return RUNNEL_TRAP_MEMORY_OOB;

static int mem_op(const uint32_t *ip, uint64_t *fp, uint8_t *mb, uint64_t msize)
{
    uint32_t sub = ip[2];
    v128 r;
    memset(&r, 0, sizeof r);
    switch (sub) {
    case RN_SIMD_v128_store: {
        BOUNDS(fp[ip[3]], ip[5], 16);
        v128 v = get(fp, ip[4]);
        memcpy(mb + ea, &v, 16);
        return 0;
    }
    case RN_SIMD_v128_store8_lane:
    case RN_SIMD_v128_store16_lane:
    case RN_SIMD_v128_store32_lane:
    case RN_SIMD_v128_store64_lane: {
        unsigned size = 1u << (sub - RN_SIMD_v128_store8_lane);
        BOUNDS(fp[ip[3]], ip[5], size);
        v128 v = get(fp, ip[4]);
        memcpy(mb + ea, v.u8 + ip[6] * size, size);
        return 0;
    }
    case RN_SIMD_v128_load8_lane:
    case RN_SIMD_v128_load16_lane:
    case RN_SIMD_v128_load32_lane:
    case RN_SIMD_v128_load64_lane: {
        unsigned size = 1u << (sub - RN_SIMD_v128_load8_lane);
        BOUNDS(fp[ip[4]], ip[6], size);
        r = get(fp, ip[5]);
        memcpy(r.u8 + ip[7] * size, mb + ea, size);
        put(fp, ip[3], r);
        return 0;
    }
    }
    /* the plain loads: dst addr off, reading 2^A bytes (simd_insn.h) */
    static const uint8_t bytes[RN_SIMD_v128_load64_zero + 1] = {
        [RN_SIMD_v128_load] = 16,         [RN_SIMD_v128_load8x8_s] = 8,     [RN_SIMD_v128_load8x8_u] = 8,
        [RN_SIMD_v128_load16x4_s] = 8,    [RN_SIMD_v128_load16x4_u] = 8,    [RN_SIMD_v128_load32x2_s] = 8,
        [RN_SIMD_v128_load32x2_u] = 8,    [RN_SIMD_v128_load8_splat] = 1,   [RN_SIMD_v128_load16_splat] = 2,
        [RN_SIMD_v128_load32_splat] = 4,  [RN_SIMD_v128_load64_splat] = 8,  [RN_SIMD_v128_load32_zero] = 4,
        [RN_SIMD_v128_load64_zero] = 8,
    };
    unsigned size = bytes[sub];
    BOUNDS(fp[ip[4]], ip[5], size);
    v128 m; /* the bytes read, in the low part */
    memset(&m, 0, sizeof m);
    memcpy(&m, mb + ea, size);
    switch (sub) {
    case RN_SIMD_v128_load:
    case RN_SIMD_v128_load32_zero:
    case RN_SIMD_v128_load64_zero: r = m; break;
    case RN_SIMD_v128_load8x8_s: LANES(i16, 8, m.i8[i]);
    case RN_SIMD_v128_load8x8_u: LANES(u16, 8, m.u8[i]);
    case RN_SIMD_v128_load16x4_s: LANES(i32, 4, m.i16[i]);
    case RN_SIMD_v128_load16x4_u: LANES(u32, 4, m.u16[i]);
    case RN_SIMD_v128_load32x2_s: LANES(i64, 2, m.i32[i]);
    case RN_SIMD_v128_load32x2_u: LANES(u64, 2, m.u32[i]);
    case RN_SIMD_v128_load8_splat: LANES(u8, 16, m.u8[0]);
    case RN_SIMD_v128_load16_splat: LANES(u16, 8, m.u16[0]);
    case RN_SIMD_v128_load32_splat: LANES(u32, 4, m.u32[0]);
    case RN_SIMD_v128_load64_splat: LANES(u64, 2, m.u64[0]);
    }
    put(fp, ip[3], r);
    return 0;
}

/* The shape of each sub-opcode, for the operand reading below. */
static const uint8_t shape_of[256] = {
#define SHAPE(name, op, SH, A, B) [op] = RN_SIMD_SH_##SH,
    RN_SIMD_OPS(SHAPE)
#undef SHAPE
};

/* Scalar results (extract_lane, the tests) are written as exec.c keeps them: an i32 or f32
   zero-extended in its slot. */
static uint64_t scalar_op(uint32_t sub, v128 a, uint32_t l)
{
    switch (sub) {
    case RN_SIMD_i8x16_extract_lane_s: return (uint32_t)(int32_t)a.i8[l];
    case RN_SIMD_i8x16_extract_lane_u: return a.u8[l];
    case RN_SIMD_i16x8_extract_lane_s: return (uint32_t)(int32_t)a.i16[l];
    case RN_SIMD_i16x8_extract_lane_u: return a.u16[l];
    case RN_SIMD_i32x4_extract_lane:
    case RN_SIMD_f32x4_extract_lane: return a.u32[l];
    case RN_SIMD_i64x2_extract_lane:
    case RN_SIMD_f64x2_extract_lane: return a.u64[l];
    case RN_SIMD_v128_any_true: return (a.u64[0] | a.u64[1]) != 0;
    }
    uint32_t all = 1, mask = 0;
    switch (sub) {
    case RN_SIMD_i8x16_all_true:
        for (unsigned i = 0; i < 16; i++)
            all &= a.u8[i] != 0;
        return all;
    case RN_SIMD_i16x8_all_true:
        for (unsigned i = 0; i < 8; i++)
            all &= a.u16[i] != 0;
        return all;
    case RN_SIMD_i32x4_all_true:
        for (unsigned i = 0; i < 4; i++)
            all &= a.u32[i] != 0;
        return all;
    case RN_SIMD_i64x2_all_true: return a.u64[0] != 0 && a.u64[1] != 0;
    case RN_SIMD_i8x16_bitmask:
        for (unsigned i = 0; i < 16; i++)
            mask |= (uint32_t)(a.u8[i] >> 7) << i;
        return mask;
    case RN_SIMD_i16x8_bitmask:
        for (unsigned i = 0; i < 8; i++)
            mask |= (uint32_t)(a.u16[i] >> 15) << i;
        return mask;
    case RN_SIMD_i32x4_bitmask:
        for (unsigned i = 0; i < 4; i++)
            mask |= (a.u32[i] >> 31) << i;
        return mask;
    case RN_SIMD_i64x2_bitmask: return (uint32_t)(a.u64[0] >> 63) | (uint32_t)(a.u64[1] >> 63) << 1;
    }
    return 0;
}

/* A v128-valued operation of a value shape; x is the scalar operand (splat, replace_lane, shifts). */
static v128 vector_op(const uint32_t *ip, uint32_t sub, v128 a, v128 b, v128 c, uint64_t x)
{
    v128 r;
    memset(&r, 0, sizeof r);
    unsigned s8 = (unsigned)x & 7, s16 = (unsigned)x & 15, s32 = (unsigned)x & 31, s64 = (unsigned)x & 63;
    switch (sub) {
    /* splat: the scalar's low bits in every lane */
    case RN_SIMD_i8x16_splat: LANES(u8, 16, (uint8_t)x);
    case RN_SIMD_i16x8_splat: LANES(u16, 8, (uint16_t)x);
    case RN_SIMD_i32x4_splat:
    case RN_SIMD_f32x4_splat: LANES(u32, 4, (uint32_t)x);
    case RN_SIMD_i64x2_splat:
    case RN_SIMD_f64x2_splat: LANES(u64, 2, x);
    /* replace_lane: dst a x lane */
    case RN_SIMD_i8x16_replace_lane: r = a; r.u8[ip[6]] = (uint8_t)x; break;
    case RN_SIMD_i16x8_replace_lane: r = a; r.u16[ip[6]] = (uint16_t)x; break;
    case RN_SIMD_i32x4_replace_lane:
    case RN_SIMD_f32x4_replace_lane: r = a; r.u32[ip[6]] = (uint32_t)x; break;
    case RN_SIMD_i64x2_replace_lane:
    case RN_SIMD_f64x2_replace_lane: r = a; r.u64[ip[6]] = x; break;
    case RN_SIMD_i8x16_swizzle: LANES(u8, 16, b.u8[i] < 16 ? a.u8[b.u8[i]] : 0);

    /* integer comparisons */
    case RN_SIMD_i8x16_eq: CMP(u8, 16, uint8_t, a.u8[i] == b.u8[i]);
    case RN_SIMD_i8x16_ne: CMP(u8, 16, uint8_t, a.u8[i] != b.u8[i]);
    case RN_SIMD_i8x16_lt_s: CMP(u8, 16, uint8_t, a.i8[i] < b.i8[i]);
    case RN_SIMD_i8x16_lt_u: CMP(u8, 16, uint8_t, a.u8[i] < b.u8[i]);
    case RN_SIMD_i8x16_gt_s: CMP(u8, 16, uint8_t, a.i8[i] > b.i8[i]);
    case RN_SIMD_i8x16_gt_u: CMP(u8, 16, uint8_t, a.u8[i] > b.u8[i]);
    case RN_SIMD_i8x16_le_s: CMP(u8, 16, uint8_t, a.i8[i] <= b.i8[i]);
    case RN_SIMD_i8x16_le_u: CMP(u8, 16, uint8_t, a.u8[i] <= b.u8[i]);
    case RN_SIMD_i8x16_ge_s: CMP(u8, 16, uint8_t, a.i8[i] >= b.i8[i]);
    case RN_SIMD_i8x16_ge_u: CMP(u8, 16, uint8_t, a.u8[i] >= b.u8[i]);
    case RN_SIMD_i16x8_eq: CMP(u16, 8, uint16_t, a.u16[i] == b.u16[i]);
    case RN_SIMD_i16x8_ne: CMP(u16, 8, uint16_t, a.u16[i] != b.u16[i]);
    case RN_SIMD_i16x8_lt_s: CMP(u16, 8, uint16_t, a.i16[i] < b.i16[i]);
    case RN_SIMD_i16x8_lt_u: CMP(u16, 8, uint16_t, a.u16[i] < b.u16[i]);
    case RN_SIMD_i16x8_gt_s: CMP(u16, 8, uint16_t, a.i16[i] > b.i16[i]);
    case RN_SIMD_i16x8_gt_u: CMP(u16, 8, uint16_t, a.u16[i] > b.u16[i]);
    case RN_SIMD_i16x8_le_s: CMP(u16, 8, uint16_t, a.i16[i] <= b.i16[i]);
    case RN_SIMD_i16x8_le_u: CMP(u16, 8, uint16_t, a.u16[i] <= b.u16[i]);
    case RN_SIMD_i16x8_ge_s: CMP(u16, 8, uint16_t, a.i16[i] >= b.i16[i]);
    case RN_SIMD_i16x8_ge_u: CMP(u16, 8, uint16_t, a.u16[i] >= b.u16[i]);
    case RN_SIMD_i32x4_eq: CMP(u32, 4, uint32_t, a.u32[i] == b.u32[i]);
    case RN_SIMD_i32x4_ne: CMP(u32, 4, uint32_t, a.u32[i] != b.u32[i]);
    case RN_SIMD_i32x4_lt_s: CMP(u32, 4, uint32_t, a.i32[i] < b.i32[i]);
    case RN_SIMD_i32x4_lt_u: CMP(u32, 4, uint32_t, a.u32[i] < b.u32[i]);
    case RN_SIMD_i32x4_gt_s: CMP(u32, 4, uint32_t, a.i32[i] > b.i32[i]);
    case RN_SIMD_i32x4_gt_u: CMP(u32, 4, uint32_t, a.u32[i] > b.u32[i]);
    case RN_SIMD_i32x4_le_s: CMP(u32, 4, uint32_t, a.i32[i] <= b.i32[i]);
    case RN_SIMD_i32x4_le_u: CMP(u32, 4, uint32_t, a.u32[i] <= b.u32[i]);
    case RN_SIMD_i32x4_ge_s: CMP(u32, 4, uint32_t, a.i32[i] >= b.i32[i]);
    case RN_SIMD_i32x4_ge_u: CMP(u32, 4, uint32_t, a.u32[i] >= b.u32[i]);
    case RN_SIMD_i64x2_eq: CMP(u64, 2, uint64_t, a.u64[i] == b.u64[i]);
    case RN_SIMD_i64x2_ne: CMP(u64, 2, uint64_t, a.u64[i] != b.u64[i]);
    case RN_SIMD_i64x2_lt_s: CMP(u64, 2, uint64_t, a.i64[i] < b.i64[i]);
    case RN_SIMD_i64x2_gt_s: CMP(u64, 2, uint64_t, a.i64[i] > b.i64[i]);
    case RN_SIMD_i64x2_le_s: CMP(u64, 2, uint64_t, a.i64[i] <= b.i64[i]);
    case RN_SIMD_i64x2_ge_s: CMP(u64, 2, uint64_t, a.i64[i] >= b.i64[i]);
    /* float comparisons: false for NaN operands except ne (IEEE 754, as the scalar ones) */
    case RN_SIMD_f32x4_eq: CMP(u32, 4, uint32_t, a.f32[i] == b.f32[i]);
    case RN_SIMD_f32x4_ne: CMP(u32, 4, uint32_t, a.f32[i] != b.f32[i]);
    case RN_SIMD_f32x4_lt: CMP(u32, 4, uint32_t, a.f32[i] < b.f32[i]);
    case RN_SIMD_f32x4_gt: CMP(u32, 4, uint32_t, a.f32[i] > b.f32[i]);
    case RN_SIMD_f32x4_le: CMP(u32, 4, uint32_t, a.f32[i] <= b.f32[i]);
    case RN_SIMD_f32x4_ge: CMP(u32, 4, uint32_t, a.f32[i] >= b.f32[i]);
    case RN_SIMD_f64x2_eq: CMP(u64, 2, uint64_t, a.f64[i] == b.f64[i]);
    case RN_SIMD_f64x2_ne: CMP(u64, 2, uint64_t, a.f64[i] != b.f64[i]);
    case RN_SIMD_f64x2_lt: CMP(u64, 2, uint64_t, a.f64[i] < b.f64[i]);
    case RN_SIMD_f64x2_gt: CMP(u64, 2, uint64_t, a.f64[i] > b.f64[i]);
    case RN_SIMD_f64x2_le: CMP(u64, 2, uint64_t, a.f64[i] <= b.f64[i]);
    case RN_SIMD_f64x2_ge: CMP(u64, 2, uint64_t, a.f64[i] >= b.f64[i]);

    /* bitwise */
    case RN_SIMD_v128_not: LANES(u64, 2, ~a.u64[i]);
    case RN_SIMD_v128_and: LANES(u64, 2, a.u64[i] & b.u64[i]);
    case RN_SIMD_v128_andnot: LANES(u64, 2, a.u64[i] & ~b.u64[i]);
    case RN_SIMD_v128_or: LANES(u64, 2, a.u64[i] | b.u64[i]);
    case RN_SIMD_v128_xor: LANES(u64, 2, a.u64[i] ^ b.u64[i]);
    case RN_SIMD_v128_bitselect: LANES(u64, 2, (a.u64[i] & c.u64[i]) | (b.u64[i] & ~c.u64[i]));

    /* i8x16 */
    case RN_SIMD_i8x16_abs: LANES(u8, 16, (uint8_t)(a.i8[i] < 0 ? 0u - a.u8[i] : a.u8[i]));
    case RN_SIMD_i8x16_neg: LANES(u8, 16, (uint8_t)(0u - a.u8[i]));
    case RN_SIMD_i8x16_popcnt: LANES(u8, 16, (uint8_t)__builtin_popcount(a.u8[i]));
    case RN_SIMD_i8x16_narrow_i16x8_s: LANES(i8, 16, (int8_t)sat(i < 8 ? a.i16[i] : b.i16[i - 8], -128, 127));
    case RN_SIMD_i8x16_narrow_i16x8_u: LANES(u8, 16, (uint8_t)sat(i < 8 ? a.i16[i] : b.i16[i - 8], 0, 255));
    case RN_SIMD_i8x16_shl: LANES(u8, 16, (uint8_t)((uint32_t)a.u8[i] << s8));
    case RN_SIMD_i8x16_shr_s: LANES(i8, 16, (int8_t)asr(a.i8[i], s8));
    case RN_SIMD_i8x16_shr_u: LANES(u8, 16, (uint8_t)(a.u8[i] >> s8));
    case RN_SIMD_i8x16_add: LANES(u8, 16, (uint8_t)(a.u8[i] + b.u8[i]));
    case RN_SIMD_i8x16_add_sat_s: LANES(i8, 16, (int8_t)sat(a.i8[i] + b.i8[i], -128, 127));
    case RN_SIMD_i8x16_add_sat_u: LANES(u8, 16, (uint8_t)sat(a.u8[i] + b.u8[i], 0, 255));
    case RN_SIMD_i8x16_sub: LANES(u8, 16, (uint8_t)(a.u8[i] - b.u8[i]));
    case RN_SIMD_i8x16_sub_sat_s: LANES(i8, 16, (int8_t)sat(a.i8[i] - b.i8[i], -128, 127));
    case RN_SIMD_i8x16_sub_sat_u: LANES(u8, 16, (uint8_t)sat(a.u8[i] - b.u8[i], 0, 255));
    case RN_SIMD_i8x16_min_s: LANES(i8, 16, a.i8[i] < b.i8[i] ? a.i8[i] : b.i8[i]);
    case RN_SIMD_i8x16_min_u: LANES(u8, 16, a.u8[i] < b.u8[i] ? a.u8[i] : b.u8[i]);
    case RN_SIMD_i8x16_max_s: LANES(i8, 16, a.i8[i] > b.i8[i] ? a.i8[i] : b.i8[i]);
    case RN_SIMD_i8x16_max_u: LANES(u8, 16, a.u8[i] > b.u8[i] ? a.u8[i] : b.u8[i]);
    case RN_SIMD_i8x16_avgr_u: LANES(u8, 16, (uint8_t)((a.u8[i] + b.u8[i] + 1u) >> 1));
    case RN_SIMD_i8x16_shuffle: {
        /* dst a b w0..w3: lane indices into the 32 bytes of a then b */
        v128 ab[2] = {a, b};
        for (unsigned i = 0; i < 16; i++) {
            unsigned k = (ip[6 + i / 4] >> (8 * (i % 4))) & 31;
            r.u8[i] = ab[k >> 4].u8[k & 15];
        }
        break;
    }

    /* i16x8 */
    case RN_SIMD_i16x8_extadd_pairwise_i8x16_s: LANES(i16, 8, (int16_t)(a.i8[2 * i] + a.i8[2 * i + 1]));
    case RN_SIMD_i16x8_extadd_pairwise_i8x16_u: LANES(u16, 8, (uint16_t)(a.u8[2 * i] + a.u8[2 * i + 1]));
    case RN_SIMD_i16x8_abs: LANES(u16, 8, (uint16_t)(a.i16[i] < 0 ? 0u - a.u16[i] : a.u16[i]));
    case RN_SIMD_i16x8_neg: LANES(u16, 8, (uint16_t)(0u - a.u16[i]));
    case RN_SIMD_i16x8_q15mulr_sat_s:
        LANES(i16, 8, (int16_t)sat((int32_t)asr((int32_t)a.i16[i] * b.i16[i] + 0x4000, 15), -32768, 32767));
    case RN_SIMD_i16x8_narrow_i32x4_s:
        LANES(i16, 8, (int16_t)sat(i < 4 ? a.i32[i] : b.i32[i - 4], -32768, 32767));
    case RN_SIMD_i16x8_narrow_i32x4_u: LANES(u16, 8, (uint16_t)sat(i < 4 ? a.i32[i] : b.i32[i - 4], 0, 65535));
    case RN_SIMD_i16x8_extend_low_i8x16_s: LANES(i16, 8, a.i8[i]);
    case RN_SIMD_i16x8_extend_high_i8x16_s: LANES(i16, 8, a.i8[i + 8]);
    case RN_SIMD_i16x8_extend_low_i8x16_u: LANES(u16, 8, a.u8[i]);
    case RN_SIMD_i16x8_extend_high_i8x16_u: LANES(u16, 8, a.u8[i + 8]);
    case RN_SIMD_i16x8_shl: LANES(u16, 8, (uint16_t)((uint32_t)a.u16[i] << s16));
    case RN_SIMD_i16x8_shr_s: LANES(i16, 8, (int16_t)asr(a.i16[i], s16));
    case RN_SIMD_i16x8_shr_u: LANES(u16, 8, (uint16_t)(a.u16[i] >> s16));
    case RN_SIMD_i16x8_add: LANES(u16, 8, (uint16_t)((uint32_t)a.u16[i] + b.u16[i]));
    case RN_SIMD_i16x8_add_sat_s: LANES(i16, 8, (int16_t)sat(a.i16[i] + b.i16[i], -32768, 32767));
    case RN_SIMD_i16x8_add_sat_u: LANES(u16, 8, (uint16_t)sat(a.u16[i] + b.u16[i], 0, 65535));
    case RN_SIMD_i16x8_sub: LANES(u16, 8, (uint16_t)((uint32_t)a.u16[i] - b.u16[i]));
    case RN_SIMD_i16x8_sub_sat_s: LANES(i16, 8, (int16_t)sat(a.i16[i] - b.i16[i], -32768, 32767));
    case RN_SIMD_i16x8_sub_sat_u: LANES(u16, 8, (uint16_t)sat(a.u16[i] - b.u16[i], 0, 65535));
    case RN_SIMD_i16x8_mul: LANES(u16, 8, (uint16_t)((uint32_t)a.u16[i] * b.u16[i]));
    case RN_SIMD_i16x8_min_s: LANES(i16, 8, a.i16[i] < b.i16[i] ? a.i16[i] : b.i16[i]);
    case RN_SIMD_i16x8_min_u: LANES(u16, 8, a.u16[i] < b.u16[i] ? a.u16[i] : b.u16[i]);
    case RN_SIMD_i16x8_max_s: LANES(i16, 8, a.i16[i] > b.i16[i] ? a.i16[i] : b.i16[i]);
    case RN_SIMD_i16x8_max_u: LANES(u16, 8, a.u16[i] > b.u16[i] ? a.u16[i] : b.u16[i]);
    case RN_SIMD_i16x8_avgr_u: LANES(u16, 8, (uint16_t)(((uint32_t)a.u16[i] + b.u16[i] + 1u) >> 1));
    case RN_SIMD_i16x8_extmul_low_i8x16_s: LANES(i16, 8, (int16_t)(a.i8[i] * b.i8[i]));
    case RN_SIMD_i16x8_extmul_high_i8x16_s: LANES(i16, 8, (int16_t)(a.i8[i + 8] * b.i8[i + 8]));
    case RN_SIMD_i16x8_extmul_low_i8x16_u: LANES(u16, 8, (uint16_t)(a.u8[i] * b.u8[i]));
    case RN_SIMD_i16x8_extmul_high_i8x16_u: LANES(u16, 8, (uint16_t)(a.u8[i + 8] * b.u8[i + 8]));

    /* i32x4 */
    case RN_SIMD_i32x4_extadd_pairwise_i16x8_s: LANES(i32, 4, a.i16[2 * i] + a.i16[2 * i + 1]);
    case RN_SIMD_i32x4_extadd_pairwise_i16x8_u: LANES(u32, 4, (uint32_t)a.u16[2 * i] + a.u16[2 * i + 1]);
    case RN_SIMD_i32x4_abs: LANES(u32, 4, a.i32[i] < 0 ? 0u - a.u32[i] : a.u32[i]);
    case RN_SIMD_i32x4_neg: LANES(u32, 4, 0u - a.u32[i]);
    case RN_SIMD_i32x4_extend_low_i16x8_s: LANES(i32, 4, a.i16[i]);
    case RN_SIMD_i32x4_extend_high_i16x8_s: LANES(i32, 4, a.i16[i + 4]);
    case RN_SIMD_i32x4_extend_low_i16x8_u: LANES(u32, 4, a.u16[i]);
    case RN_SIMD_i32x4_extend_high_i16x8_u: LANES(u32, 4, a.u16[i + 4]);
    case RN_SIMD_i32x4_shl: LANES(u32, 4, a.u32[i] << s32);
    case RN_SIMD_i32x4_shr_s: LANES(i32, 4, (int32_t)asr(a.i32[i], s32));
    case RN_SIMD_i32x4_shr_u: LANES(u32, 4, a.u32[i] >> s32);
    case RN_SIMD_i32x4_add: LANES(u32, 4, a.u32[i] + b.u32[i]);
    case RN_SIMD_i32x4_sub: LANES(u32, 4, a.u32[i] - b.u32[i]);
    case RN_SIMD_i32x4_mul: LANES(u32, 4, a.u32[i] * b.u32[i]);
    case RN_SIMD_i32x4_min_s: LANES(i32, 4, a.i32[i] < b.i32[i] ? a.i32[i] : b.i32[i]);
    case RN_SIMD_i32x4_min_u: LANES(u32, 4, a.u32[i] < b.u32[i] ? a.u32[i] : b.u32[i]);
    case RN_SIMD_i32x4_max_s: LANES(i32, 4, a.i32[i] > b.i32[i] ? a.i32[i] : b.i32[i]);
    case RN_SIMD_i32x4_max_u: LANES(u32, 4, a.u32[i] > b.u32[i] ? a.u32[i] : b.u32[i]);
    case RN_SIMD_i32x4_dot_i16x8_s:
        /* two products of -32768 * -32768 sum to 2^31, one past INT32_MAX: add in 64 bits, then wrap */
        LANES(u32, 4,
              (uint32_t)((int64_t)a.i16[2 * i] * b.i16[2 * i] + (int64_t)a.i16[2 * i + 1] * b.i16[2 * i + 1]));
    case RN_SIMD_i32x4_extmul_low_i16x8_s: LANES(i32, 4, (int32_t)a.i16[i] * b.i16[i]);
    case RN_SIMD_i32x4_extmul_high_i16x8_s: LANES(i32, 4, (int32_t)a.i16[i + 4] * b.i16[i + 4]);
    case RN_SIMD_i32x4_extmul_low_i16x8_u: LANES(u32, 4, (uint32_t)a.u16[i] * b.u16[i]);
    case RN_SIMD_i32x4_extmul_high_i16x8_u: LANES(u32, 4, (uint32_t)a.u16[i + 4] * b.u16[i + 4]);

    /* i64x2 */
    case RN_SIMD_i64x2_abs: LANES(u64, 2, a.i64[i] < 0 ? 0u - a.u64[i] : a.u64[i]);
    case RN_SIMD_i64x2_neg: LANES(u64, 2, 0u - a.u64[i]);
    case RN_SIMD_i64x2_extend_low_i32x4_s: LANES(i64, 2, a.i32[i]);
    case RN_SIMD_i64x2_extend_high_i32x4_s: LANES(i64, 2, a.i32[i + 2]);
    case RN_SIMD_i64x2_extend_low_i32x4_u: LANES(u64, 2, a.u32[i]);
    case RN_SIMD_i64x2_extend_high_i32x4_u: LANES(u64, 2, a.u32[i + 2]);
    case RN_SIMD_i64x2_shl: LANES(u64, 2, a.u64[i] << s64);
    case RN_SIMD_i64x2_shr_s: LANES(i64, 2, asr(a.i64[i], s64));
    case RN_SIMD_i64x2_shr_u: LANES(u64, 2, a.u64[i] >> s64);
    case RN_SIMD_i64x2_add: LANES(u64, 2, a.u64[i] + b.u64[i]);
    case RN_SIMD_i64x2_sub: LANES(u64, 2, a.u64[i] - b.u64[i]);
    case RN_SIMD_i64x2_mul: LANES(u64, 2, a.u64[i] * b.u64[i]);
    case RN_SIMD_i64x2_extmul_low_i32x4_s: LANES(i64, 2, (int64_t)a.i32[i] * b.i32[i]);
    case RN_SIMD_i64x2_extmul_high_i32x4_s: LANES(i64, 2, (int64_t)a.i32[i + 2] * b.i32[i + 2]);
    case RN_SIMD_i64x2_extmul_low_i32x4_u: LANES(u64, 2, (uint64_t)a.u32[i] * b.u32[i]);
    case RN_SIMD_i64x2_extmul_high_i32x4_u: LANES(u64, 2, (uint64_t)a.u32[i + 2] * b.u32[i + 2]);

    /* f32x4 */
    case RN_SIMD_f32x4_abs: LANES(f32, 4, rn_f32_abs(a.f32[i]));
    case RN_SIMD_f32x4_neg: LANES(f32, 4, rn_f32_neg(a.f32[i]));
    case RN_SIMD_f32x4_sqrt: LANES(f32, 4, rn_f32_sqrt(a.f32[i]));
    case RN_SIMD_f32x4_ceil: LANES(f32, 4, rn_f32_ceil(a.f32[i]));
    case RN_SIMD_f32x4_floor: LANES(f32, 4, rn_f32_floor(a.f32[i]));
    case RN_SIMD_f32x4_trunc: LANES(f32, 4, rn_f32_trunc(a.f32[i]));
    case RN_SIMD_f32x4_nearest: LANES(f32, 4, rn_f32_nearest(a.f32[i]));
    case RN_SIMD_f32x4_add: LANES(f32, 4, rn_f32_add(a.f32[i], b.f32[i]));
    case RN_SIMD_f32x4_sub: LANES(f32, 4, rn_f32_sub(a.f32[i], b.f32[i]));
    case RN_SIMD_f32x4_mul: LANES(f32, 4, rn_f32_mul(a.f32[i], b.f32[i]));
    case RN_SIMD_f32x4_div: LANES(f32, 4, rn_f32_div(a.f32[i], b.f32[i]));
    case RN_SIMD_f32x4_min: LANES(f32, 4, rn_f32_min(a.f32[i], b.f32[i]));
    case RN_SIMD_f32x4_max: LANES(f32, 4, rn_f32_max(a.f32[i], b.f32[i]));
    case RN_SIMD_f32x4_pmin: LANES(f32, 4, f32_pmin(a.f32[i], b.f32[i]));
    case RN_SIMD_f32x4_pmax: LANES(f32, 4, f32_pmax(a.f32[i], b.f32[i]));
    case RN_SIMD_f32x4_demote_f64x2_zero: LANES(f32, 2, rn_f32_demote_f64(a.f64[i]));
    case RN_SIMD_f32x4_convert_i32x4_s: LANES(f32, 4, rn_f32_convert_i32_s(a.u32[i]));
    case RN_SIMD_f32x4_convert_i32x4_u: LANES(f32, 4, rn_f32_convert_i32_u(a.u32[i]));
    case RN_SIMD_i32x4_trunc_sat_f32x4_s: LANES(u32, 4, rn_i32_trunc_sat_f32_s(a.f32[i]));
    case RN_SIMD_i32x4_trunc_sat_f32x4_u: LANES(u32, 4, rn_i32_trunc_sat_f32_u(a.f32[i]));
    case RN_SIMD_i32x4_trunc_sat_f64x2_s_zero: LANES(u32, 2, rn_i32_trunc_sat_f64_s(a.f64[i]));
    case RN_SIMD_i32x4_trunc_sat_f64x2_u_zero: LANES(u32, 2, rn_i32_trunc_sat_f64_u(a.f64[i]));

    /* f64x2 */
    case RN_SIMD_f64x2_abs: LANES(f64, 2, rn_f64_abs(a.f64[i]));
    case RN_SIMD_f64x2_neg: LANES(f64, 2, rn_f64_neg(a.f64[i]));
    case RN_SIMD_f64x2_sqrt: LANES(f64, 2, rn_f64_sqrt(a.f64[i]));
    case RN_SIMD_f64x2_ceil: LANES(f64, 2, rn_f64_ceil(a.f64[i]));
    case RN_SIMD_f64x2_floor: LANES(f64, 2, rn_f64_floor(a.f64[i]));
    case RN_SIMD_f64x2_trunc: LANES(f64, 2, rn_f64_trunc(a.f64[i]));
    case RN_SIMD_f64x2_nearest: LANES(f64, 2, rn_f64_nearest(a.f64[i]));
    case RN_SIMD_f64x2_add: LANES(f64, 2, rn_f64_add(a.f64[i], b.f64[i]));
    case RN_SIMD_f64x2_sub: LANES(f64, 2, rn_f64_sub(a.f64[i], b.f64[i]));
    case RN_SIMD_f64x2_mul: LANES(f64, 2, rn_f64_mul(a.f64[i], b.f64[i]));
    case RN_SIMD_f64x2_div: LANES(f64, 2, rn_f64_div(a.f64[i], b.f64[i]));
    case RN_SIMD_f64x2_min: LANES(f64, 2, rn_f64_min(a.f64[i], b.f64[i]));
    case RN_SIMD_f64x2_max: LANES(f64, 2, rn_f64_max(a.f64[i], b.f64[i]));
    case RN_SIMD_f64x2_pmin: LANES(f64, 2, f64_pmin(a.f64[i], b.f64[i]));
    case RN_SIMD_f64x2_pmax: LANES(f64, 2, f64_pmax(a.f64[i], b.f64[i]));
    case RN_SIMD_f64x2_promote_low_f32x4: LANES(f64, 2, rn_f64_promote_f32(a.f32[i]));
    case RN_SIMD_f64x2_convert_low_i32x4_s: LANES(f64, 2, rn_f64_convert_i32_s(a.u32[i]));
    case RN_SIMD_f64x2_convert_low_i32x4_u: LANES(f64, 2, rn_f64_convert_i32_u(a.u32[i]));
    }
    return r;
}

int rn_simd_exec(const uint32_t *ip, uint64_t *fp, uint8_t *mb, uint64_t msize, struct runnel_instance *inst)
{
    uint32_t sub = ip[2];
    switch (sub) {
    case RN_SIMD_SELECT: { /* dst cond a b */
        v128 v = get(fp, (uint32_t)fp[ip[4]] ? ip[5] : ip[6]);
        put(fp, ip[3], v);
        return 0;
    }
    case RN_SIMD_GLOBAL_GET: {
        const runnel_global *g = inst->globals[ip[4]];
        fp[ip[3]] = g->value;
        fp[ip[3] + 1] = g->hi;
        return 0;
    }
    case RN_SIMD_GLOBAL_SET: {
        runnel_global *g = inst->globals[ip[3]];
        uint64_t lo = fp[ip[4]], hi = fp[ip[4] + 1];
        g->value = lo;
        g->hi = hi;
        return 0;
    }
    case RN_SIMD_v128_const: {
        v128 r;
        for (unsigned i = 0; i < 4; i++)
            r.u32[i] = ip[4 + i];
        put(fp, ip[3], r);
        return 0;
    }
    }
    if (sub > 0xFF)
        return RUNNEL_TRAP_UNREACHABLE; /* not made by the compiler */
    v128 a, b, c;
    uint64_t x = 0;
    memset(&a, 0, sizeof a);
    b = c = a;
    switch (shape_of[sub]) {
    case RN_SIMD_SH_LOAD:
    case RN_SIMD_SH_STORE:
    case RN_SIMD_SH_LOAD_LANE:
    case RN_SIMD_SH_STORE_LANE: return mem_op(ip, fp, mb, msize);
    case RN_SIMD_SH_TEST:
    case RN_SIMD_SH_EXTRACT:
        /* dst a [lane]: operands are read before the result is written, whatever slots they share */
        a = get(fp, ip[4]);
        fp[ip[3]] = scalar_op(sub, a, shape_of[sub] == RN_SIMD_SH_EXTRACT ? ip[5] & 15 : 0);
        return 0;
    case RN_SIMD_SH_SPLAT: x = fp[ip[4]]; break;
    case RN_SIMD_SH_UN: a = get(fp, ip[4]); break;
    case RN_SIMD_SH_SHUFFLE:
    case RN_SIMD_SH_BIN: a = get(fp, ip[4]); b = get(fp, ip[5]); break;
    case RN_SIMD_SH_SHIFT:
    case RN_SIMD_SH_REPLACE: a = get(fp, ip[4]); x = fp[ip[5]]; break;
    case RN_SIMD_SH_TERN: a = get(fp, ip[4]); b = get(fp, ip[5]); c = get(fp, ip[6]); break;
    default: return RUNNEL_TRAP_UNREACHABLE;
    }
    put(fp, ip[3], vector_op(ip, sub, a, b, c, x));
    return 0;
}

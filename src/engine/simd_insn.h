/*
 * simd_insn.h - the one list of WebAssembly's fixed-width SIMD instructions (the 0xFD prefix).
 *
 * WebAssembly 2.0 added the 128-bit vector type v128 (spec 2.3.2) and the vector instructions of
 * spec 2.4.3; their binary encodings are 0xFD followed by a u32 sub-opcode (5.4.8), their typing
 * rules are in 3.3.3 and their semantics in 4.4.3. Like insn.h this is an X-macro list, written once
 * and expanded by the validator/compiler (simd_compile.c: operand types and immediates follow from
 * the shape) and by the executor (simd_exec.c: the operand layout of the compiled op follows from it).
 * Relaxed SIMD (a later proposal, opcodes 0xFD 0x100 and up) is not part of 2.0 and not listed.
 *
 * X(NAME, SUBOPCODE, SHAPE, A, B), where SHAPE gives the type and the immediates (t is A's type token):
 *   LOAD        [i32] -> [v128]          memarg; A = log2 of the bytes read (= max alignment)
 *   STORE       [i32 v128] -> []         memarg; A = 4
 *   LOAD_LANE   [i32 v128] -> [v128]     memarg lane; A = log2 of the lane's bytes
 *   STORE_LANE  [i32 v128] -> []         memarg lane; A as LOAD_LANE
 *   CONST       [] -> [v128]             16 bytes
 *   SHUFFLE     [v128 v128] -> [v128]    16 lane indices, each < 32
 *   SPLAT       [t] -> [v128]            A = the scalar type
 *   EXTRACT     [v128] -> [t]            lane < B; A = the scalar type
 *   REPLACE     [v128 t] -> [v128]       lane < B; A = the scalar type
 *   UN          [v128] -> [v128]
 *   BIN         [v128 v128] -> [v128]
 *   TERN        [v128 v128 v128] -> [v128]
 *   TEST        [v128] -> [i32]
 *   SHIFT       [v128 i32] -> [v128]
 *
 * Compiled form (code.h OP_simd): words OP_simd, n (the op's length in words), SUBOPCODE, then
 *   LOAD dst addr off | STORE addr val off | LOAD_LANE dst addr vec off lane | STORE_LANE addr vec off lane
 *   CONST dst w0..w3 | SHUFFLE dst a b w0..w3 (the lane bytes, little-endian) | EXTRACT dst a lane
 *   REPLACE dst a x lane | SPLAT, UN, TEST dst a | BIN, SHIFT dst a b | TERN dst a b c
 * and three internal sub-opcodes that move a v128 where the scalar ops move one slot:
 *   RN_SIMD_SELECT dst cond a b | RN_SIMD_GLOBAL_GET dst global | RN_SIMD_GLOBAL_SET global src
 */
#ifndef RN_SIMD_INSN_H
#define RN_SIMD_INSN_H

#include "module.h"

#define RN_SIMD_OPS(X)                                                                                               \
    X(v128_load, 0x00, LOAD, 4, 0)                                                                                   \
    X(v128_load8x8_s, 0x01, LOAD, 3, 0)                                                                              \
    X(v128_load8x8_u, 0x02, LOAD, 3, 0)                                                                              \
    X(v128_load16x4_s, 0x03, LOAD, 3, 0)                                                                             \
    X(v128_load16x4_u, 0x04, LOAD, 3, 0)                                                                             \
    X(v128_load32x2_s, 0x05, LOAD, 3, 0)                                                                             \
    X(v128_load32x2_u, 0x06, LOAD, 3, 0)                                                                             \
    X(v128_load8_splat, 0x07, LOAD, 0, 0)                                                                            \
    X(v128_load16_splat, 0x08, LOAD, 1, 0)                                                                           \
    X(v128_load32_splat, 0x09, LOAD, 2, 0)                                                                           \
    X(v128_load64_splat, 0x0A, LOAD, 3, 0)                                                                           \
    X(v128_store, 0x0B, STORE, 4, 0)                                                                                 \
    X(v128_const, 0x0C, CONST, 0, 0)                                                                                 \
    X(i8x16_shuffle, 0x0D, SHUFFLE, 0, 0)                                                                            \
    X(i8x16_swizzle, 0x0E, BIN, 0, 0)                                                                                \
    X(i8x16_splat, 0x0F, SPLAT, RN_I32, 16)                                                                          \
    X(i16x8_splat, 0x10, SPLAT, RN_I32, 8)                                                                           \
    X(i32x4_splat, 0x11, SPLAT, RN_I32, 4)                                                                           \
    X(i64x2_splat, 0x12, SPLAT, RN_I64, 2)                                                                           \
    X(f32x4_splat, 0x13, SPLAT, RN_F32, 4)                                                                           \
    X(f64x2_splat, 0x14, SPLAT, RN_F64, 2)                                                                           \
    X(i8x16_extract_lane_s, 0x15, EXTRACT, RN_I32, 16)                                                               \
    X(i8x16_extract_lane_u, 0x16, EXTRACT, RN_I32, 16)                                                               \
    X(i8x16_replace_lane, 0x17, REPLACE, RN_I32, 16)                                                                 \
    X(i16x8_extract_lane_s, 0x18, EXTRACT, RN_I32, 8)                                                                \
    X(i16x8_extract_lane_u, 0x19, EXTRACT, RN_I32, 8)                                                                \
    X(i16x8_replace_lane, 0x1A, REPLACE, RN_I32, 8)                                                                  \
    X(i32x4_extract_lane, 0x1B, EXTRACT, RN_I32, 4)                                                                  \
    X(i32x4_replace_lane, 0x1C, REPLACE, RN_I32, 4)                                                                  \
    X(i64x2_extract_lane, 0x1D, EXTRACT, RN_I64, 2)                                                                  \
    X(i64x2_replace_lane, 0x1E, REPLACE, RN_I64, 2)                                                                  \
    X(f32x4_extract_lane, 0x1F, EXTRACT, RN_F32, 4)                                                                  \
    X(f32x4_replace_lane, 0x20, REPLACE, RN_F32, 4)                                                                  \
    X(f64x2_extract_lane, 0x21, EXTRACT, RN_F64, 2)                                                                  \
    X(f64x2_replace_lane, 0x22, REPLACE, RN_F64, 2)                                                                  \
    X(i8x16_eq, 0x23, BIN, 0, 0)                                                                                     \
    X(i8x16_ne, 0x24, BIN, 0, 0)                                                                                     \
    X(i8x16_lt_s, 0x25, BIN, 0, 0)                                                                                   \
    X(i8x16_lt_u, 0x26, BIN, 0, 0)                                                                                   \
    X(i8x16_gt_s, 0x27, BIN, 0, 0)                                                                                   \
    X(i8x16_gt_u, 0x28, BIN, 0, 0)                                                                                   \
    X(i8x16_le_s, 0x29, BIN, 0, 0)                                                                                   \
    X(i8x16_le_u, 0x2A, BIN, 0, 0)                                                                                   \
    X(i8x16_ge_s, 0x2B, BIN, 0, 0)                                                                                   \
    X(i8x16_ge_u, 0x2C, BIN, 0, 0)                                                                                   \
    X(i16x8_eq, 0x2D, BIN, 0, 0)                                                                                     \
    X(i16x8_ne, 0x2E, BIN, 0, 0)                                                                                     \
    X(i16x8_lt_s, 0x2F, BIN, 0, 0)                                                                                   \
    X(i16x8_lt_u, 0x30, BIN, 0, 0)                                                                                   \
    X(i16x8_gt_s, 0x31, BIN, 0, 0)                                                                                   \
    X(i16x8_gt_u, 0x32, BIN, 0, 0)                                                                                   \
    X(i16x8_le_s, 0x33, BIN, 0, 0)                                                                                   \
    X(i16x8_le_u, 0x34, BIN, 0, 0)                                                                                   \
    X(i16x8_ge_s, 0x35, BIN, 0, 0)                                                                                   \
    X(i16x8_ge_u, 0x36, BIN, 0, 0)                                                                                   \
    X(i32x4_eq, 0x37, BIN, 0, 0)                                                                                     \
    X(i32x4_ne, 0x38, BIN, 0, 0)                                                                                     \
    X(i32x4_lt_s, 0x39, BIN, 0, 0)                                                                                   \
    X(i32x4_lt_u, 0x3A, BIN, 0, 0)                                                                                   \
    X(i32x4_gt_s, 0x3B, BIN, 0, 0)                                                                                   \
    X(i32x4_gt_u, 0x3C, BIN, 0, 0)                                                                                   \
    X(i32x4_le_s, 0x3D, BIN, 0, 0)                                                                                   \
    X(i32x4_le_u, 0x3E, BIN, 0, 0)                                                                                   \
    X(i32x4_ge_s, 0x3F, BIN, 0, 0)                                                                                   \
    X(i32x4_ge_u, 0x40, BIN, 0, 0)                                                                                   \
    X(f32x4_eq, 0x41, BIN, 0, 0)                                                                                     \
    X(f32x4_ne, 0x42, BIN, 0, 0)                                                                                     \
    X(f32x4_lt, 0x43, BIN, 0, 0)                                                                                     \
    X(f32x4_gt, 0x44, BIN, 0, 0)                                                                                     \
    X(f32x4_le, 0x45, BIN, 0, 0)                                                                                     \
    X(f32x4_ge, 0x46, BIN, 0, 0)                                                                                     \
    X(f64x2_eq, 0x47, BIN, 0, 0)                                                                                     \
    X(f64x2_ne, 0x48, BIN, 0, 0)                                                                                     \
    X(f64x2_lt, 0x49, BIN, 0, 0)                                                                                     \
    X(f64x2_gt, 0x4A, BIN, 0, 0)                                                                                     \
    X(f64x2_le, 0x4B, BIN, 0, 0)                                                                                     \
    X(f64x2_ge, 0x4C, BIN, 0, 0)                                                                                     \
    X(v128_not, 0x4D, UN, 0, 0)                                                                                      \
    X(v128_and, 0x4E, BIN, 0, 0)                                                                                     \
    X(v128_andnot, 0x4F, BIN, 0, 0)                                                                                  \
    X(v128_or, 0x50, BIN, 0, 0)                                                                                      \
    X(v128_xor, 0x51, BIN, 0, 0)                                                                                     \
    X(v128_bitselect, 0x52, TERN, 0, 0)                                                                              \
    X(v128_any_true, 0x53, TEST, 0, 0)                                                                               \
    X(v128_load8_lane, 0x54, LOAD_LANE, 0, 0)                                                                        \
    X(v128_load16_lane, 0x55, LOAD_LANE, 1, 0)                                                                       \
    X(v128_load32_lane, 0x56, LOAD_LANE, 2, 0)                                                                       \
    X(v128_load64_lane, 0x57, LOAD_LANE, 3, 0)                                                                       \
    X(v128_store8_lane, 0x58, STORE_LANE, 0, 0)                                                                      \
    X(v128_store16_lane, 0x59, STORE_LANE, 1, 0)                                                                     \
    X(v128_store32_lane, 0x5A, STORE_LANE, 2, 0)                                                                     \
    X(v128_store64_lane, 0x5B, STORE_LANE, 3, 0)                                                                     \
    X(v128_load32_zero, 0x5C, LOAD, 2, 0)                                                                            \
    X(v128_load64_zero, 0x5D, LOAD, 3, 0)                                                                            \
    X(f32x4_demote_f64x2_zero, 0x5E, UN, 0, 0)                                                                       \
    X(f64x2_promote_low_f32x4, 0x5F, UN, 0, 0)                                                                       \
    X(i8x16_abs, 0x60, UN, 0, 0)                                                                                     \
    X(i8x16_neg, 0x61, UN, 0, 0)                                                                                     \
    X(i8x16_popcnt, 0x62, UN, 0, 0)                                                                                  \
    X(i8x16_all_true, 0x63, TEST, 0, 0)                                                                              \
    X(i8x16_bitmask, 0x64, TEST, 0, 0)                                                                               \
    X(i8x16_narrow_i16x8_s, 0x65, BIN, 0, 0)                                                                         \
    X(i8x16_narrow_i16x8_u, 0x66, BIN, 0, 0)                                                                         \
    X(f32x4_ceil, 0x67, UN, 0, 0)                                                                                    \
    X(f32x4_floor, 0x68, UN, 0, 0)                                                                                   \
    X(f32x4_trunc, 0x69, UN, 0, 0)                                                                                   \
    X(f32x4_nearest, 0x6A, UN, 0, 0)                                                                                 \
    X(i8x16_shl, 0x6B, SHIFT, 0, 0)                                                                                  \
    X(i8x16_shr_s, 0x6C, SHIFT, 0, 0)                                                                                \
    X(i8x16_shr_u, 0x6D, SHIFT, 0, 0)                                                                                \
    X(i8x16_add, 0x6E, BIN, 0, 0)                                                                                    \
    X(i8x16_add_sat_s, 0x6F, BIN, 0, 0)                                                                              \
    X(i8x16_add_sat_u, 0x70, BIN, 0, 0)                                                                              \
    X(i8x16_sub, 0x71, BIN, 0, 0)                                                                                    \
    X(i8x16_sub_sat_s, 0x72, BIN, 0, 0)                                                                              \
    X(i8x16_sub_sat_u, 0x73, BIN, 0, 0)                                                                              \
    X(f64x2_ceil, 0x74, UN, 0, 0)                                                                                    \
    X(f64x2_floor, 0x75, UN, 0, 0)                                                                                   \
    X(i8x16_min_s, 0x76, BIN, 0, 0)                                                                                  \
    X(i8x16_min_u, 0x77, BIN, 0, 0)                                                                                  \
    X(i8x16_max_s, 0x78, BIN, 0, 0)                                                                                  \
    X(i8x16_max_u, 0x79, BIN, 0, 0)                                                                                  \
    X(f64x2_trunc, 0x7A, UN, 0, 0)                                                                                   \
    X(i8x16_avgr_u, 0x7B, BIN, 0, 0)                                                                                 \
    X(i16x8_extadd_pairwise_i8x16_s, 0x7C, UN, 0, 0)                                                                 \
    X(i16x8_extadd_pairwise_i8x16_u, 0x7D, UN, 0, 0)                                                                 \
    X(i32x4_extadd_pairwise_i16x8_s, 0x7E, UN, 0, 0)                                                                 \
    X(i32x4_extadd_pairwise_i16x8_u, 0x7F, UN, 0, 0)                                                                 \
    X(i16x8_abs, 0x80, UN, 0, 0)                                                                                     \
    X(i16x8_neg, 0x81, UN, 0, 0)                                                                                     \
    X(i16x8_q15mulr_sat_s, 0x82, BIN, 0, 0)                                                                          \
    X(i16x8_all_true, 0x83, TEST, 0, 0)                                                                              \
    X(i16x8_bitmask, 0x84, TEST, 0, 0)                                                                               \
    X(i16x8_narrow_i32x4_s, 0x85, BIN, 0, 0)                                                                         \
    X(i16x8_narrow_i32x4_u, 0x86, BIN, 0, 0)                                                                         \
    X(i16x8_extend_low_i8x16_s, 0x87, UN, 0, 0)                                                                      \
    X(i16x8_extend_high_i8x16_s, 0x88, UN, 0, 0)                                                                     \
    X(i16x8_extend_low_i8x16_u, 0x89, UN, 0, 0)                                                                      \
    X(i16x8_extend_high_i8x16_u, 0x8A, UN, 0, 0)                                                                     \
    X(i16x8_shl, 0x8B, SHIFT, 0, 0)                                                                                  \
    X(i16x8_shr_s, 0x8C, SHIFT, 0, 0)                                                                                \
    X(i16x8_shr_u, 0x8D, SHIFT, 0, 0)                                                                                \
    X(i16x8_add, 0x8E, BIN, 0, 0)                                                                                    \
    X(i16x8_add_sat_s, 0x8F, BIN, 0, 0)                                                                              \
    X(i16x8_add_sat_u, 0x90, BIN, 0, 0)                                                                              \
    X(i16x8_sub, 0x91, BIN, 0, 0)                                                                                    \
    X(i16x8_sub_sat_s, 0x92, BIN, 0, 0)                                                                              \
    X(i16x8_sub_sat_u, 0x93, BIN, 0, 0)                                                                              \
    X(f64x2_nearest, 0x94, UN, 0, 0)                                                                                 \
    X(i16x8_mul, 0x95, BIN, 0, 0)                                                                                    \
    X(i16x8_min_s, 0x96, BIN, 0, 0)                                                                                  \
    X(i16x8_min_u, 0x97, BIN, 0, 0)                                                                                  \
    X(i16x8_max_s, 0x98, BIN, 0, 0)                                                                                  \
    X(i16x8_max_u, 0x99, BIN, 0, 0)                                                                                  \
    X(i16x8_avgr_u, 0x9B, BIN, 0, 0)                                                                                 \
    X(i16x8_extmul_low_i8x16_s, 0x9C, BIN, 0, 0)                                                                     \
    X(i16x8_extmul_high_i8x16_s, 0x9D, BIN, 0, 0)                                                                    \
    X(i16x8_extmul_low_i8x16_u, 0x9E, BIN, 0, 0)                                                                     \
    X(i16x8_extmul_high_i8x16_u, 0x9F, BIN, 0, 0)                                                                    \
    X(i32x4_abs, 0xA0, UN, 0, 0)                                                                                     \
    X(i32x4_neg, 0xA1, UN, 0, 0)                                                                                     \
    X(i32x4_all_true, 0xA3, TEST, 0, 0)                                                                              \
    X(i32x4_bitmask, 0xA4, TEST, 0, 0)                                                                               \
    X(i32x4_extend_low_i16x8_s, 0xA7, UN, 0, 0)                                                                      \
    X(i32x4_extend_high_i16x8_s, 0xA8, UN, 0, 0)                                                                     \
    X(i32x4_extend_low_i16x8_u, 0xA9, UN, 0, 0)                                                                      \
    X(i32x4_extend_high_i16x8_u, 0xAA, UN, 0, 0)                                                                     \
    X(i32x4_shl, 0xAB, SHIFT, 0, 0)                                                                                  \
    X(i32x4_shr_s, 0xAC, SHIFT, 0, 0)                                                                                \
    X(i32x4_shr_u, 0xAD, SHIFT, 0, 0)                                                                                \
    X(i32x4_add, 0xAE, BIN, 0, 0)                                                                                    \
    X(i32x4_sub, 0xB1, BIN, 0, 0)                                                                                    \
    X(i32x4_mul, 0xB5, BIN, 0, 0)                                                                                    \
    X(i32x4_min_s, 0xB6, BIN, 0, 0)                                                                                  \
    X(i32x4_min_u, 0xB7, BIN, 0, 0)                                                                                  \
    X(i32x4_max_s, 0xB8, BIN, 0, 0)                                                                                  \
    X(i32x4_max_u, 0xB9, BIN, 0, 0)                                                                                  \
    X(i32x4_dot_i16x8_s, 0xBA, BIN, 0, 0)                                                                            \
    X(i32x4_extmul_low_i16x8_s, 0xBC, BIN, 0, 0)                                                                     \
    X(i32x4_extmul_high_i16x8_s, 0xBD, BIN, 0, 0)                                                                    \
    X(i32x4_extmul_low_i16x8_u, 0xBE, BIN, 0, 0)                                                                     \
    X(i32x4_extmul_high_i16x8_u, 0xBF, BIN, 0, 0)                                                                    \
    X(i64x2_abs, 0xC0, UN, 0, 0)                                                                                     \
    X(i64x2_neg, 0xC1, UN, 0, 0)                                                                                     \
    X(i64x2_all_true, 0xC3, TEST, 0, 0)                                                                              \
    X(i64x2_bitmask, 0xC4, TEST, 0, 0)                                                                               \
    X(i64x2_extend_low_i32x4_s, 0xC7, UN, 0, 0)                                                                      \
    X(i64x2_extend_high_i32x4_s, 0xC8, UN, 0, 0)                                                                     \
    X(i64x2_extend_low_i32x4_u, 0xC9, UN, 0, 0)                                                                      \
    X(i64x2_extend_high_i32x4_u, 0xCA, UN, 0, 0)                                                                     \
    X(i64x2_shl, 0xCB, SHIFT, 0, 0)                                                                                  \
    X(i64x2_shr_s, 0xCC, SHIFT, 0, 0)                                                                                \
    X(i64x2_shr_u, 0xCD, SHIFT, 0, 0)                                                                                \
    X(i64x2_add, 0xCE, BIN, 0, 0)                                                                                    \
    X(i64x2_sub, 0xD1, BIN, 0, 0)                                                                                    \
    X(i64x2_mul, 0xD5, BIN, 0, 0)                                                                                    \
    X(i64x2_eq, 0xD6, BIN, 0, 0)                                                                                     \
    X(i64x2_ne, 0xD7, BIN, 0, 0)                                                                                     \
    X(i64x2_lt_s, 0xD8, BIN, 0, 0)                                                                                   \
    X(i64x2_gt_s, 0xD9, BIN, 0, 0)                                                                                   \
    X(i64x2_le_s, 0xDA, BIN, 0, 0)                                                                                   \
    X(i64x2_ge_s, 0xDB, BIN, 0, 0)                                                                                   \
    X(i64x2_extmul_low_i32x4_s, 0xDC, BIN, 0, 0)                                                                     \
    X(i64x2_extmul_high_i32x4_s, 0xDD, BIN, 0, 0)                                                                    \
    X(i64x2_extmul_low_i32x4_u, 0xDE, BIN, 0, 0)                                                                     \
    X(i64x2_extmul_high_i32x4_u, 0xDF, BIN, 0, 0)                                                                    \
    X(f32x4_abs, 0xE0, UN, 0, 0)                                                                                     \
    X(f32x4_neg, 0xE1, UN, 0, 0)                                                                                     \
    X(f32x4_sqrt, 0xE3, UN, 0, 0)                                                                                    \
    X(f32x4_add, 0xE4, BIN, 0, 0)                                                                                    \
    X(f32x4_sub, 0xE5, BIN, 0, 0)                                                                                    \
    X(f32x4_mul, 0xE6, BIN, 0, 0)                                                                                    \
    X(f32x4_div, 0xE7, BIN, 0, 0)                                                                                    \
    X(f32x4_min, 0xE8, BIN, 0, 0)                                                                                    \
    X(f32x4_max, 0xE9, BIN, 0, 0)                                                                                    \
    X(f32x4_pmin, 0xEA, BIN, 0, 0)                                                                                   \
    X(f32x4_pmax, 0xEB, BIN, 0, 0)                                                                                   \
    X(f64x2_abs, 0xEC, UN, 0, 0)                                                                                     \
    X(f64x2_neg, 0xED, UN, 0, 0)                                                                                     \
    X(f64x2_sqrt, 0xEF, UN, 0, 0)                                                                                    \
    X(f64x2_add, 0xF0, BIN, 0, 0)                                                                                    \
    X(f64x2_sub, 0xF1, BIN, 0, 0)                                                                                    \
    X(f64x2_mul, 0xF2, BIN, 0, 0)                                                                                    \
    X(f64x2_div, 0xF3, BIN, 0, 0)                                                                                    \
    X(f64x2_min, 0xF4, BIN, 0, 0)                                                                                    \
    X(f64x2_max, 0xF5, BIN, 0, 0)                                                                                    \
    X(f64x2_pmin, 0xF6, BIN, 0, 0)                                                                                   \
    X(f64x2_pmax, 0xF7, BIN, 0, 0)                                                                                   \
    X(i32x4_trunc_sat_f32x4_s, 0xF8, UN, 0, 0)                                                                       \
    X(i32x4_trunc_sat_f32x4_u, 0xF9, UN, 0, 0)                                                                       \
    X(f32x4_convert_i32x4_s, 0xFA, UN, 0, 0)                                                                         \
    X(f32x4_convert_i32x4_u, 0xFB, UN, 0, 0)                                                                         \
    X(i32x4_trunc_sat_f64x2_s_zero, 0xFC, UN, 0, 0)                                                                  \
    X(i32x4_trunc_sat_f64x2_u_zero, 0xFD, UN, 0, 0)                                                                  \
    X(f64x2_convert_low_i32x4_s, 0xFE, UN, 0, 0)                                                                     \
    X(f64x2_convert_low_i32x4_u, 0xFF, UN, 0, 0)

/* Sub-opcodes: the binary encodings, plus the internal ones (above any encoding). */
enum rn_simd_op {
#define RN_SIMD_ENUM(name, sub, ...) RN_SIMD_##name = sub,
    RN_SIMD_OPS(RN_SIMD_ENUM)
#undef RN_SIMD_ENUM
    RN_SIMD_SELECT = 0x100,
    RN_SIMD_GLOBAL_GET = 0x101,
    RN_SIMD_GLOBAL_SET = 0x102,
};

/* The shapes, for tables indexed by sub-opcode. */
enum rn_simd_shape {
    RN_SIMD_SH_NONE = 0, /* not an instruction */
    RN_SIMD_SH_LOAD,
    RN_SIMD_SH_STORE,
    RN_SIMD_SH_LOAD_LANE,
    RN_SIMD_SH_STORE_LANE,
    RN_SIMD_SH_CONST,
    RN_SIMD_SH_SHUFFLE,
    RN_SIMD_SH_SPLAT,
    RN_SIMD_SH_EXTRACT,
    RN_SIMD_SH_REPLACE,
    RN_SIMD_SH_UN,
    RN_SIMD_SH_BIN,
    RN_SIMD_SH_TERN,
    RN_SIMD_SH_TEST,
    RN_SIMD_SH_SHIFT,
};

#endif

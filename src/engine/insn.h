/*
 * insn.h - the one list of WebAssembly's numeric, memory and simple instructions.
 *
 * Each instruction is written once here (an X-macro list, as toywasm and Lua's lopcodes do); the
 * validator/compiler (compile.c) takes operand and result types from it, the interpreter (exec.c)
 * makes one handler per entry whose body calls the semantic function in numeric.h, and the
 * disassembler names it. Opcodes are the binary encodings (spec 5.4); 0xFCnn is the 0xFC prefix with
 * sub-opcode nn.
 *
 * Type tokens: i32 i64 f32 f64. The C type of a token T is RN_CT_T. The semantic function of entry
 * NAME is rn_NAME in numeric.h:
 *   UNOP        T_out rn_NAME(T_in a)
 *   BINOP       T_out rn_NAME(T_in a, T_in b)
 *   UNOP_TRAP   int   rn_NAME(T_in a, T_out *out)        0, or a RUNNEL_TRAP_* kind
 *   BINOP_TRAP  int   rn_NAME(T_in a, T_in b, T_out *out)
 */
#ifndef RN_INSN_H
#define RN_INSN_H

#include <stdint.h>

#define RN_CT_i32 uint32_t
#define RN_CT_i64 uint64_t
#define RN_CT_f32 float
#define RN_CT_f64 double

/* X(NAME, OPCODE, T_OUT, T_IN) */
#define RN_UNOPS(X)                                                                                                  \
    X(i32_eqz, 0x45, i32, i32)                                                                                       \
    X(i64_eqz, 0x50, i32, i64)                                                                                       \
    X(i32_clz, 0x67, i32, i32)                                                                                       \
    X(i32_ctz, 0x68, i32, i32)                                                                                       \
    X(i32_popcnt, 0x69, i32, i32)                                                                                    \
    X(i64_clz, 0x79, i64, i64)                                                                                       \
    X(i64_ctz, 0x7A, i64, i64)                                                                                       \
    X(i64_popcnt, 0x7B, i64, i64)                                                                                    \
    X(f32_abs, 0x8B, f32, f32)                                                                                       \
    X(f32_neg, 0x8C, f32, f32)                                                                                       \
    X(f32_ceil, 0x8D, f32, f32)                                                                                      \
    X(f32_floor, 0x8E, f32, f32)                                                                                     \
    X(f32_trunc, 0x8F, f32, f32)                                                                                     \
    X(f32_nearest, 0x90, f32, f32)                                                                                   \
    X(f32_sqrt, 0x91, f32, f32)                                                                                      \
    X(f64_abs, 0x99, f64, f64)                                                                                       \
    X(f64_neg, 0x9A, f64, f64)                                                                                       \
    X(f64_ceil, 0x9B, f64, f64)                                                                                      \
    X(f64_floor, 0x9C, f64, f64)                                                                                     \
    X(f64_trunc, 0x9D, f64, f64)                                                                                     \
    X(f64_nearest, 0x9E, f64, f64)                                                                                   \
    X(f64_sqrt, 0x9F, f64, f64)                                                                                      \
    X(i32_wrap_i64, 0xA7, i32, i64)                                                                                  \
    X(i64_extend_i32_s, 0xAC, i64, i32)                                                                              \
    X(i64_extend_i32_u, 0xAD, i64, i32)                                                                              \
    X(f32_convert_i32_s, 0xB2, f32, i32)                                                                             \
    X(f32_convert_i32_u, 0xB3, f32, i32)                                                                             \
    X(f32_convert_i64_s, 0xB4, f32, i64)                                                                             \
    X(f32_convert_i64_u, 0xB5, f32, i64)                                                                             \
    X(f32_demote_f64, 0xB6, f32, f64)                                                                                \
    X(f64_convert_i32_s, 0xB7, f64, i32)                                                                             \
    X(f64_convert_i32_u, 0xB8, f64, i32)                                                                             \
    X(f64_convert_i64_s, 0xB9, f64, i64)                                                                             \
    X(f64_convert_i64_u, 0xBA, f64, i64)                                                                             \
    X(f64_promote_f32, 0xBB, f64, f32)                                                                               \
    X(i32_reinterpret_f32, 0xBC, i32, f32)                                                                           \
    X(i64_reinterpret_f64, 0xBD, i64, f64)                                                                           \
    X(f32_reinterpret_i32, 0xBE, f32, i32)                                                                           \
    X(f64_reinterpret_i64, 0xBF, f64, i64)                                                                           \
    X(i32_extend8_s, 0xC0, i32, i32)                                                                                 \
    X(i32_extend16_s, 0xC1, i32, i32)                                                                                \
    X(i64_extend8_s, 0xC2, i64, i64)                                                                                 \
    X(i64_extend16_s, 0xC3, i64, i64)                                                                                \
    X(i64_extend32_s, 0xC4, i64, i64)                                                                                \
    X(i32_trunc_sat_f32_s, 0xFC00, i32, f32)                                                                         \
    X(i32_trunc_sat_f32_u, 0xFC01, i32, f32)                                                                         \
    X(i32_trunc_sat_f64_s, 0xFC02, i32, f64)                                                                         \
    X(i32_trunc_sat_f64_u, 0xFC03, i32, f64)                                                                         \
    X(i64_trunc_sat_f32_s, 0xFC04, i64, f32)                                                                         \
    X(i64_trunc_sat_f32_u, 0xFC05, i64, f32)                                                                         \
    X(i64_trunc_sat_f64_s, 0xFC06, i64, f64)                                                                         \
    X(i64_trunc_sat_f64_u, 0xFC07, i64, f64)

/* X(NAME, OPCODE, T_OUT, T_IN) */
#define RN_UNOPS_TRAP(X)                                                                                             \
    X(i32_trunc_f32_s, 0xA8, i32, f32)                                                                               \
    X(i32_trunc_f32_u, 0xA9, i32, f32)                                                                               \
    X(i32_trunc_f64_s, 0xAA, i32, f64)                                                                               \
    X(i32_trunc_f64_u, 0xAB, i32, f64)                                                                               \
    X(i64_trunc_f32_s, 0xAE, i64, f32)                                                                               \
    X(i64_trunc_f32_u, 0xAF, i64, f32)                                                                               \
    X(i64_trunc_f64_s, 0xB0, i64, f64)                                                                               \
    X(i64_trunc_f64_u, 0xB1, i64, f64)

/* X(NAME, OPCODE, T_OUT, T_IN) */
#define RN_BINOPS(X)                                                                                                 \
    X(i32_eq, 0x46, i32, i32)                                                                                        \
    X(i32_ne, 0x47, i32, i32)                                                                                        \
    X(i32_lt_s, 0x48, i32, i32)                                                                                      \
    X(i32_lt_u, 0x49, i32, i32)                                                                                      \
    X(i32_gt_s, 0x4A, i32, i32)                                                                                      \
    X(i32_gt_u, 0x4B, i32, i32)                                                                                      \
    X(i32_le_s, 0x4C, i32, i32)                                                                                      \
    X(i32_le_u, 0x4D, i32, i32)                                                                                      \
    X(i32_ge_s, 0x4E, i32, i32)                                                                                      \
    X(i32_ge_u, 0x4F, i32, i32)                                                                                      \
    X(i64_eq, 0x51, i32, i64)                                                                                        \
    X(i64_ne, 0x52, i32, i64)                                                                                        \
    X(i64_lt_s, 0x53, i32, i64)                                                                                      \
    X(i64_lt_u, 0x54, i32, i64)                                                                                      \
    X(i64_gt_s, 0x55, i32, i64)                                                                                      \
    X(i64_gt_u, 0x56, i32, i64)                                                                                      \
    X(i64_le_s, 0x57, i32, i64)                                                                                      \
    X(i64_le_u, 0x58, i32, i64)                                                                                      \
    X(i64_ge_s, 0x59, i32, i64)                                                                                      \
    X(i64_ge_u, 0x5A, i32, i64)                                                                                      \
    X(f32_eq, 0x5B, i32, f32)                                                                                        \
    X(f32_ne, 0x5C, i32, f32)                                                                                        \
    X(f32_lt, 0x5D, i32, f32)                                                                                        \
    X(f32_gt, 0x5E, i32, f32)                                                                                        \
    X(f32_le, 0x5F, i32, f32)                                                                                        \
    X(f32_ge, 0x60, i32, f32)                                                                                        \
    X(f64_eq, 0x61, i32, f64)                                                                                        \
    X(f64_ne, 0x62, i32, f64)                                                                                        \
    X(f64_lt, 0x63, i32, f64)                                                                                        \
    X(f64_gt, 0x64, i32, f64)                                                                                        \
    X(f64_le, 0x65, i32, f64)                                                                                        \
    X(f64_ge, 0x66, i32, f64)                                                                                        \
    X(i32_add, 0x6A, i32, i32)                                                                                       \
    X(i32_sub, 0x6B, i32, i32)                                                                                       \
    X(i32_mul, 0x6C, i32, i32)                                                                                       \
    X(i32_and, 0x71, i32, i32)                                                                                       \
    X(i32_or, 0x72, i32, i32)                                                                                        \
    X(i32_xor, 0x73, i32, i32)                                                                                       \
    X(i32_shl, 0x74, i32, i32)                                                                                       \
    X(i32_shr_s, 0x75, i32, i32)                                                                                     \
    X(i32_shr_u, 0x76, i32, i32)                                                                                     \
    X(i32_rotl, 0x77, i32, i32)                                                                                      \
    X(i32_rotr, 0x78, i32, i32)                                                                                      \
    X(i64_add, 0x7C, i64, i64)                                                                                       \
    X(i64_sub, 0x7D, i64, i64)                                                                                       \
    X(i64_mul, 0x7E, i64, i64)                                                                                       \
    X(i64_and, 0x83, i64, i64)                                                                                       \
    X(i64_or, 0x84, i64, i64)                                                                                        \
    X(i64_xor, 0x85, i64, i64)                                                                                       \
    X(i64_shl, 0x86, i64, i64)                                                                                       \
    X(i64_shr_s, 0x87, i64, i64)                                                                                     \
    X(i64_shr_u, 0x88, i64, i64)                                                                                     \
    X(i64_rotl, 0x89, i64, i64)                                                                                      \
    X(i64_rotr, 0x8A, i64, i64)                                                                                      \
    X(f32_add, 0x92, f32, f32)                                                                                       \
    X(f32_sub, 0x93, f32, f32)                                                                                       \
    X(f32_mul, 0x94, f32, f32)                                                                                       \
    X(f32_div, 0x95, f32, f32)                                                                                       \
    X(f32_min, 0x96, f32, f32)                                                                                       \
    X(f32_max, 0x97, f32, f32)                                                                                       \
    X(f32_copysign, 0x98, f32, f32)                                                                                  \
    X(f64_add, 0xA0, f64, f64)                                                                                       \
    X(f64_sub, 0xA1, f64, f64)                                                                                       \
    X(f64_mul, 0xA2, f64, f64)                                                                                       \
    X(f64_div, 0xA3, f64, f64)                                                                                       \
    X(f64_min, 0xA4, f64, f64)                                                                                       \
    X(f64_max, 0xA5, f64, f64)                                                                                       \
    X(f64_copysign, 0xA6, f64, f64)

/* X(NAME, OPCODE, T_OUT, T_IN) */
#define RN_BINOPS_TRAP(X)                                                                                            \
    X(i32_div_s, 0x6D, i32, i32)                                                                                     \
    X(i32_div_u, 0x6E, i32, i32)                                                                                     \
    X(i32_rem_s, 0x6F, i32, i32)                                                                                     \
    X(i32_rem_u, 0x70, i32, i32)                                                                                     \
    X(i64_div_s, 0x7F, i64, i64)                                                                                     \
    X(i64_div_u, 0x80, i64, i64)                                                                                     \
    X(i64_rem_s, 0x81, i64, i64)                                                                                     \
    X(i64_rem_u, 0x82, i64, i64)

/* Loads: X(NAME, OPCODE, T_VALUE, C type in memory, natural alignment log2).
   The value read is converted to T_VALUE by C's integer conversion (sign or zero extension follows
   from the memory type's signedness); float loads read the bits. */
#define RN_LOADS(X)                                                                                                  \
    X(i32_load, 0x28, i32, uint32_t, 2)                                                                              \
    X(i64_load, 0x29, i64, uint64_t, 3)                                                                              \
    X(f32_load, 0x2A, f32, float, 2)                                                                                 \
    X(f64_load, 0x2B, f64, double, 3)                                                                                \
    X(i32_load8_s, 0x2C, i32, int8_t, 0)                                                                             \
    X(i32_load8_u, 0x2D, i32, uint8_t, 0)                                                                            \
    X(i32_load16_s, 0x2E, i32, int16_t, 1)                                                                           \
    X(i32_load16_u, 0x2F, i32, uint16_t, 1)                                                                          \
    X(i64_load8_s, 0x30, i64, int8_t, 0)                                                                             \
    X(i64_load8_u, 0x31, i64, uint8_t, 0)                                                                            \
    X(i64_load16_s, 0x32, i64, int16_t, 1)                                                                           \
    X(i64_load16_u, 0x33, i64, uint16_t, 1)                                                                          \
    X(i64_load32_s, 0x34, i64, int32_t, 2)                                                                           \
    X(i64_load32_u, 0x35, i64, uint32_t, 2)

/* Stores: X(NAME, OPCODE, T_VALUE, C type in memory, natural alignment log2). */
#define RN_STORES(X)                                                                                                 \
    X(i32_store, 0x36, i32, uint32_t, 2)                                                                             \
    X(i64_store, 0x37, i64, uint64_t, 3)                                                                             \
    X(f32_store, 0x38, f32, float, 2)                                                                                \
    X(f64_store, 0x39, f64, double, 3)                                                                               \
    X(i32_store8, 0x3A, i32, uint8_t, 0)                                                                             \
    X(i32_store16, 0x3B, i32, uint16_t, 1)                                                                           \
    X(i64_store8, 0x3C, i64, uint8_t, 0)                                                                             \
    X(i64_store16, 0x3D, i64, uint16_t, 1)                                                                           \
    X(i64_store32, 0x3E, i64, uint32_t, 2)

/* Binary ops that also exist with an immediate second operand, X(NAME, T_OUT, T_IN, COMMUTES): the
   compiler uses them when that operand is a constant (as in `i32.add x, 1`, `i32.lt_s i, n`, masks and
   shifts), saving the dispatch of the constant. The immediate is 32 bits, sign-extended for i64. A
   commutative op also takes a constant first operand. */
#define RN_BINOPS_IMM(X)                                                                                             \
    X(i32_add, i32, i32, 1)                                                                                          \
    X(i32_sub, i32, i32, 0)                                                                                          \
    X(i32_mul, i32, i32, 1)                                                                                          \
    X(i32_and, i32, i32, 1)                                                                                          \
    X(i32_or, i32, i32, 1)                                                                                           \
    X(i32_xor, i32, i32, 1)                                                                                          \
    X(i32_shl, i32, i32, 0)                                                                                          \
    X(i32_shr_s, i32, i32, 0)                                                                                        \
    X(i32_shr_u, i32, i32, 0)                                                                                        \
    X(i32_rotl, i32, i32, 0)                                                                                         \
    X(i32_rotr, i32, i32, 0)                                                                                         \
    X(i32_eq, i32, i32, 1)                                                                                           \
    X(i32_ne, i32, i32, 1)                                                                                           \
    X(i32_lt_s, i32, i32, 0)                                                                                         \
    X(i32_lt_u, i32, i32, 0)                                                                                         \
    X(i32_gt_s, i32, i32, 0)                                                                                         \
    X(i32_gt_u, i32, i32, 0)                                                                                         \
    X(i32_le_s, i32, i32, 0)                                                                                         \
    X(i32_le_u, i32, i32, 0)                                                                                         \
    X(i32_ge_s, i32, i32, 0)                                                                                         \
    X(i32_ge_u, i32, i32, 0)                                                                                         \
    X(i64_add, i64, i64, 1)                                                                                          \
    X(i64_sub, i64, i64, 0)                                                                                          \
    X(i64_mul, i64, i64, 1)                                                                                          \
    X(i64_and, i64, i64, 1)                                                                                          \
    X(i64_or, i64, i64, 1)                                                                                           \
    X(i64_xor, i64, i64, 1)                                                                                          \
    X(i64_shl, i64, i64, 0)                                                                                          \
    X(i64_shr_s, i64, i64, 0)                                                                                        \
    X(i64_shr_u, i64, i64, 0)                                                                                        \
    X(i64_rotl, i64, i64, 0)                                                                                         \
    X(i64_rotr, i64, i64, 0)                                                                                         \
    X(i64_eq, i32, i64, 1)                                                                                           \
    X(i64_ne, i32, i64, 1)                                                                                           \
    X(i64_lt_s, i32, i64, 0)                                                                                         \
    X(i64_lt_u, i32, i64, 0)                                                                                         \
    X(i64_gt_s, i32, i64, 0)                                                                                         \
    X(i64_gt_u, i32, i64, 0)                                                                                         \
    X(i64_le_s, i32, i64, 0)                                                                                         \
    X(i64_le_u, i32, i64, 0)                                                                                         \
    X(i64_ge_s, i32, i64, 0)                                                                                         \
    X(i64_ge_u, i32, i64, 0)

/* Two immediate ops in a chain, X(NAME, FIRST, SECOND): `SECOND(FIRST(a, k1), k2)` in one op when the
   first's result only feeds the second (bit-field extraction `(x >> s) & m`, masks and hashes), chosen
   from CoreMark's and the benchmarks' most frequent pairs. */
#define RN_FUSED_IMM(X)                                                                                              \
    X(i32_shr_u_and_imm, i32_shr_u, i32_and)                                                                         \
    X(i32_and_shr_u_imm, i32_and, i32_shr_u)                                                                         \
    X(i32_and_xor_imm, i32_and, i32_xor)                                                                             \
    X(i32_xor_shr_u_imm, i32_xor, i32_shr_u)                                                                         \
    X(i32_add_and_imm, i32_add, i32_and)                                                                             \
    X(i32_shl_add_imm, i32_shl, i32_add)                                                                             \
    X(i32_add_shl_imm, i32_add, i32_shl)

/* i32 comparisons fused with the branch that tests them, X(NAME, C operator, C type, NEGATION): a
   `br_if` or `if` right after the comparison becomes one op (with register or immediate right operand);
   `if` jumps on the negated comparison. */
#define RN_CMP_BRANCHES(X)                                                                                           \
    X(i32_eq, ==, uint32_t, i32_ne)                                                                                  \
    X(i32_ne, !=, uint32_t, i32_eq)                                                                                  \
    X(i32_lt_s, <, int32_t, i32_ge_s)                                                                                \
    X(i32_lt_u, <, uint32_t, i32_ge_u)                                                                               \
    X(i32_gt_s, >, int32_t, i32_le_s)                                                                                \
    X(i32_gt_u, >, uint32_t, i32_le_u)                                                                               \
    X(i32_le_s, <=, int32_t, i32_gt_s)                                                                               \
    X(i32_le_u, <=, uint32_t, i32_gt_u)                                                                              \
    X(i32_ge_s, >=, int32_t, i32_lt_s)                                                                               \
    X(i32_ge_u, >=, uint32_t, i32_lt_u)


/* Every other instruction of WebAssembly 2.0 outside SIMD (simd_insn.h): control, reference,
   parametric, variable, table and memory instructions and constants (spec 5.4.1-5.4.7).
   X(NAME, OPCODE, IMMEDIATES), where IMMEDIATES names what follows the opcode in the binary:
     NONE; BLOCK (a blocktype); LABEL (a label index); BR_TABLE (a vector of labels and a default);
     FUNC; CALL_INDIRECT (type index, table index); SELECT_T (a vector of value types); LOCAL; GLOBAL;
     TABLE; MEM (one memory index byte, 0 in 2.0); I32, I64 (LEB128), F32, F64 (IEEE bits); REFTYPE;
     DATA_MEM (data index, memory index); DATA; MEM_MEM (two memory index bytes); ELEM_TABLE (element
     index, table index); ELEM; TABLE_TABLE (destination, source). */
#define RN_OTHER_INSNS(X)                                                                                            \
    X(unreachable, 0x00, NONE)                                                                                       \
    X(nop, 0x01, NONE)                                                                                               \
    X(block, 0x02, BLOCK)                                                                                            \
    X(loop, 0x03, BLOCK)                                                                                             \
    X(if, 0x04, BLOCK)                                                                                               \
    X(else, 0x05, NONE)                                                                                              \
    X(end, 0x0B, NONE)                                                                                               \
    X(br, 0x0C, LABEL)                                                                                               \
    X(br_if, 0x0D, LABEL)                                                                                            \
    X(br_table, 0x0E, BR_TABLE)                                                                                      \
    X(return, 0x0F, NONE)                                                                                            \
    X(call, 0x10, FUNC)                                                                                              \
    X(call_indirect, 0x11, CALL_INDIRECT)                                                                            \
    X(drop, 0x1A, NONE)                                                                                              \
    X(select, 0x1B, NONE)                                                                                            \
    X(select_t, 0x1C, SELECT_T)                                                                                      \
    X(local_get, 0x20, LOCAL)                                                                                        \
    X(local_set, 0x21, LOCAL)                                                                                        \
    X(local_tee, 0x22, LOCAL)                                                                                        \
    X(global_get, 0x23, GLOBAL)                                                                                      \
    X(global_set, 0x24, GLOBAL)                                                                                      \
    X(table_get, 0x25, TABLE)                                                                                        \
    X(table_set, 0x26, TABLE)                                                                                        \
    X(memory_size, 0x3F, MEM)                                                                                        \
    X(memory_grow, 0x40, MEM)                                                                                        \
    X(i32_const, 0x41, I32)                                                                                          \
    X(i64_const, 0x42, I64)                                                                                          \
    X(f32_const, 0x43, F32)                                                                                          \
    X(f64_const, 0x44, F64)                                                                                          \
    X(ref_null, 0xD0, REFTYPE)                                                                                       \
    X(ref_is_null, 0xD1, NONE)                                                                                       \
    X(ref_func, 0xD2, FUNC)                                                                                          \
    X(memory_init, 0xFC08, DATA_MEM)                                                                                 \
    X(data_drop, 0xFC09, DATA)                                                                                       \
    X(memory_copy, 0xFC0A, MEM_MEM)                                                                                  \
    X(memory_fill, 0xFC0B, MEM)                                                                                      \
    X(table_init, 0xFC0C, ELEM_TABLE)                                                                                \
    X(elem_drop, 0xFC0D, ELEM)                                                                                       \
    X(table_copy, 0xFC0E, TABLE_TABLE)                                                                               \
    X(table_grow, 0xFC0F, TABLE)                                                                                     \
    X(table_size, 0xFC10, TABLE)                                                                                     \
    X(table_fill, 0xFC11, TABLE)

/* The binary opcodes by name: RN_WASM_i32_add, RN_WASM_block, ... (0xFCnn for the 0xFC prefix, as
   above), for the compiler's switch and the disassembler; no opcode is written as a number elsewhere. */
enum rn_wasm_opcode {
#define RN_WASM_ENUM(name, opc, ...) RN_WASM_##name = opc,
    RN_UNOPS(RN_WASM_ENUM) RN_UNOPS_TRAP(RN_WASM_ENUM) RN_BINOPS(RN_WASM_ENUM) RN_BINOPS_TRAP(RN_WASM_ENUM)
        RN_LOADS(RN_WASM_ENUM) RN_STORES(RN_WASM_ENUM) RN_OTHER_INSNS(RN_WASM_ENUM)
#undef RN_WASM_ENUM
    RN_WASM_PREFIX_FC = 0xFC, /* bulk memory, table ops and saturating truncation: 0xFC u32 */
    RN_WASM_PREFIX_FD = 0xFD, /* SIMD: 0xFD u32 (simd_insn.h) */
    RN_WASM_BLOCKTYPE_EMPTY = 0x40,
};

#endif

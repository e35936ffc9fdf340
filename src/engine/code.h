/*
 * code.h - the internal code that compile.c makes and exec.c runs.
 *
 * A register machine over frame slots (DESIGN.md "Compile"). Because WebAssembly's operand stack
 * height is known statically at every instruction (spec 3.3, validation), each stack position can
 * be given a fixed 8-byte slot in the function's frame: slots [0, nparams) are the parameters,
 * then the declared locals, then one slot per stack height. An instruction names its operands and
 * its result by slot index, so `local.get` costs nothing (an operand may name a local's slot
 * directly) and there is no stack pointer at run time. A v128 value takes two consecutive slots,
 * low half first, wherever it is (param, local, stack position, result), so every count of params,
 * results and locals below is in slots, and a stack position's slot is the sum of the widths below.
 *
 * Code is an array of 32-bit words: an opcode word, then the operands the op's layout gives.
 * Branch offsets are relative to the word holding the offset. Calls put their arguments in
 * consecutive slots; the callee's frame starts at the first of them, so arguments are never
 * copied, and the callee leaves its results at its frame's slots [0, nresults).
 *
 * The internal opcode list is generated from insn.h (numeric, load and store instructions, one op
 * each) plus the control and table/memory ops below, each with its word count.
 */
#ifndef RN_CODE_H
#define RN_CODE_H

#include "insn.h"
#include "module.h"

/* X(NAME, WORDS): control and other non-numeric ops; WORDS includes the opcode word (0 = variable). */
#define RN_CTRL_OPS(X)                                                                                               \
    X(unreachable, 1)      /* */                                                                                     \
    X(halt, 1)             /* the return address of an embedder's call: leave the interpreter */                     \
    X(copy, 3)             /* dst src : 64-bit move */                                                               \
    X(copy2, 5)            /* dst1 src1 dst2 src2 : two moves, in order */                                           \
    X(const32, 3)          /* dst imm */                                                                             \
    X(const64, 4)          /* dst lo hi */                                                                           \
    X(br, 2)               /* off */                                                                                 \
    X(br_poll, 2)          /* off : a loop back-edge, counts fuel */                                                 \
    X(br_if, 3)            /* cond off */                                                                            \
    X(br_if_poll, 3)       /* cond off */                                                                            \
    X(br_unless, 3)        /* cond off (polls when off <= 0) */                                                      \
    X(br_table, 0)         /* idx n off[0..n] (n+1 offsets, the last is the default) */                              \
    X(select, 5)           /* dst cond a b : dst = cond ? a : b */                                                   \
    X(call, 3)             /* funcidx argbase */                                                                     \
    X(call_local, 3)       /* funcidx argbase : a function defined in this module */                                 \
    X(call_indirect, 5)    /* table typeidx idxslot argbase */                                                       \
    X(ret, 3)              /* src n : copy n slots from src to slot 0 and return */                                  \
    X(ret1, 2)             /* src : the same for one result */                                                       \
    X(i32_add_imm2, 7)     /* d1 a1 k1 d2 a2 k2 : two i32.add_imm in one dispatch */                                \
    X(i32_madd, 5)         /* dst x y z : x * y + z (i32.mul then i32.add) */                                       \
    X(br_if_i32_load, 5)   /* dst addr memoff off : i32.load, then branch if the value is not zero */                \
    X(i32_load_load, 6)    /* d1 a off1 d2 off2 : d1 = load(a + off1), d2 = load(d1 + off2): a pointer chased */    \
    X(br_unless_i32_load, 5) /* dst addr memoff off : the same, branching if it is zero (`if`) */                   \
    X(i32_add3_imm, 5)     /* dst x y k : x + y + k (i32.add then i32.add_imm) */                                   \
    X(const32_copy, 5)     /* dst imm dst2 src : const32 then copy (`x = 4; y = z;`) */                              \
    X(br_if_copy, 5)       /* cond off dst src : a back-edge to a loop that begins with a copy: copy, jump past it */ \
    X(br_i32_and_eq, 6)    /* d x mask b off : d = x & mask, branch if d == b (a test under a mask) */              \
    X(br_i32_and_ne, 6)    /* d x mask b off : the same, branch if d != b */                                         \
    X(br_i32_and_eq_imm, 6) /* d x mask k off : the same against an immediate */                                    \
    X(br_i32_and_ne_imm, 6) /* d x mask k off */                                                                     \
    X(br_if_i32_load8_u, 5) /* dst addr memoff off : i32.load8_u, then branch if the byte is not zero */            \
    X(br_unless_i32_load8_u, 5) /* dst addr memoff off : the same, branching if it is zero (`while (*s)`) */        \
    X(i32_load_load8_u, 6) /* d1 a off1 d2 off2 : like i32_load_load, the second load narrower */                    \
    X(i32_load_load8_s, 6)                                                                                           \
    X(i32_load_load16_u, 6)                                                                                          \
    X(i32_load_load16_s, 6)                                                                                          \
    X(i32_load_store, 6)   /* d a off1 v off2 : d = load(a + off1), then store v at a + off2 */                       \
    X(br_if_i32_add_imm, 5) /* dst a k off : dst = a + k, branch if it is not zero (`while (--n)`) */               \
    X(i32_load_add_store, 6) /* d1 a off d2 k : d1 = load(a + off), d2 = d1 + k, store d2 there (`x[k]++`) */       \
    X(global_get, 3)       /* dst idx */                                                                             \
    X(global_set, 3)       /* idx src */                                                                             \
    X(ref_func, 3)         /* dst funcidx */                                                                         \
    X(ref_is_null, 3)      /* dst src */                                                                             \
    X(table_get, 4)        /* dst table idx */                                                                       \
    X(table_set, 4)        /* table idx val */                                                                       \
    X(table_size, 3)       /* dst table */                                                                           \
    X(table_grow, 5)       /* dst table init n */                                                                    \
    X(table_fill, 5)       /* table i val n */                                                                       \
    X(table_copy, 6)       /* dsttable srctable d s n */                                                             \
    X(table_init, 6)       /* table elem d s n */                                                                    \
    X(elem_drop, 2)        /* elem */                                                                                \
    X(memory_size, 2)      /* dst */                                                                                 \
    X(memory_grow, 3)      /* dst delta */                                                                           \
    X(memory_fill, 4)      /* d val n */                                                                             \
    X(memory_copy, 4)      /* d s n */                                                                               \
    X(memory_init, 5)      /* seg d s n */                                                                           \
    X(data_drop, 2)        /* seg */                                                                                 \
    X(simd, 0)             /* n sub ... : a SIMD instruction of n words in all (simd_insn.h has the layouts) */

/* Generated ops: NAME_imm (dst a imm) for RN_BINOPS_IMM; br_NAME (a b off) and br_NAME_imm (a imm off)
   for RN_CMP_BRANCHES, which poll when they jump backwards (to a loop); for every load NAME_add
   (dst a b off) and every store NAME_add (a b value off), whose address is the i32 sum a + b; for every
   load NAME_pre (d1 a k dst off) and store NAME_pre (d1 a k value off), which first do i32.add_imm
   (d1 = a + k) and then access the address d1 (a pointer bumped and used, as compilers emit it); for
   every load NAME_abs (dst ea) and store NAME_abs (ea value), whose address was a constant, folded with
   the offset into the effective address ea (C's static variables: `i32.const 0; i32.load offset=X`); for
   RN_FUSED_IMM NAME (dst a k1 k2). */
enum rn_op {
#define RN_OP_ENUM(name, ...) OP_##name,
#define RN_OP_ENUM_IMM(name, ...) OP_##name##_imm,
#define RN_OP_ENUM_BR(name, ...) OP_br_##name, OP_br_##name##_imm,
#define RN_OP_ENUM_ADD(name, ...) OP_##name##_add,
#define RN_OP_ENUM_PRE(name, ...) OP_##name##_pre,
#define RN_OP_ENUM_ABS(name, ...) OP_##name##_abs,
#define RN_OP_ENUM_FUSED(name, ...) OP_##name,
    RN_UNOPS(RN_OP_ENUM) RN_BINOPS(RN_OP_ENUM) RN_UNOPS_TRAP(RN_OP_ENUM) RN_BINOPS_TRAP(RN_OP_ENUM)
        RN_LOADS(RN_OP_ENUM) RN_STORES(RN_OP_ENUM) RN_CTRL_OPS(RN_OP_ENUM) RN_BINOPS_IMM(RN_OP_ENUM_IMM)
            RN_CMP_BRANCHES(RN_OP_ENUM_BR) RN_LOADS(RN_OP_ENUM_ADD) RN_STORES(RN_OP_ENUM_ADD)
                RN_LOADS(RN_OP_ENUM_PRE) RN_STORES(RN_OP_ENUM_PRE) RN_FUSED_IMM(RN_OP_ENUM_FUSED)
                    RN_LOADS(RN_OP_ENUM_ABS) RN_STORES(RN_OP_ENUM_ABS)
#undef RN_OP_ENUM_ABS
#undef RN_OP_ENUM_FUSED
#undef RN_OP_ENUM_PRE
#undef RN_OP_ENUM_ADD
#undef RN_OP_ENUM
#undef RN_OP_ENUM_IMM
#undef RN_OP_ENUM_BR
                OP__COUNT
};

/* Code position -> byte offset in the module, for traps and backtraces: one entry per instruction
   that can trap or call, in code order. */
typedef struct rn_pcmap {
    uint32_t pc;     /* word index of the op */
    uint32_t offset; /* byte offset of the wasm instruction */
} rn_pcmap;

typedef struct rn_code {
    uint32_t *words;
    uint32_t nwords;
    uint32_t nparams, nresults; /* in slots: a v128 takes two */
    uint32_t nlocals; /* slots of the declared locals (excluding params), zeroed at entry */
    uint32_t nslots;  /* frame size: params + locals + the maximum stack height */
    rn_pcmap *pcmap;
    uint32_t npcmap;
} rn_code;

/* simd_exec.c: run the OP_simd at ip on frame fp with memory [mb, mb + msize); 0, or the trap kind of an
   out-of-bounds access. */
int rn_simd_exec(const uint32_t *ip, uint64_t *fp, uint8_t *mb, uint64_t msize, struct runnel_instance *inst);

/* compile.c: validate and compile defined function `fi` (index among defined functions) of m.
   Errors: RUNNEL_INVALID (or MALFORMED for undecodable bytes) with the byte offset. */
runnel_status rn_compile_func(rn_module *m, uint32_t fi, runnel_report *r);
void rn_code_free(rn_code *c);
/* The byte offset of the instruction at word pc, for backtraces. */
uint32_t rn_code_offset(const rn_code *c, uint32_t pc);

#endif

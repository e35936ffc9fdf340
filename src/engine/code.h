/*
 * code.h - the internal code that compile.c makes and exec.c runs.
 *
 * A register machine over frame slots (docs/design.md "Compile"). Because WebAssembly's operand stack
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

#include <stdio.h>

/* X(NAME, WORDS, LAYOUT): control and other non-numeric ops; WORDS includes the opcode word (0 = variable).
   LAYOUT has a letter per operand word, for the disassembler (disasm.c) and the docs: d a destination
   slot, s a source slot, k a 32-bit immediate, K a 64-bit one (two words, low first), o a branch offset
   (relative to its own word), m a memory offset, f g t y e D a function, global, table, type, element or
   data segment index, n a count of slots; "*" an op of its own length (br_table, simd). */
#define RN_CTRL_OPS(X)                                                                                               \
    X(unreachable, 1, "")               /* */                                                                        \
    X(halt, 1, "")                      /* the return address of an embedder's call: leave the interpreter */        \
    X(copy, 3, "ds")                    /* dst src : 64-bit move */                                                  \
    X(copy2, 5, "dsds")                 /* dst1 src1 dst2 src2 : two moves, in order */                              \
    X(const32, 3, "dk")                 /* dst imm */                                                                \
    X(const64, 4, "dK")                 /* dst lo hi */                                                              \
    X(br, 2, "o")                       /* off */                                                                    \
    X(br_poll, 2, "o")                  /* off : a loop back-edge, counts fuel */                                    \
    X(br_if, 3, "so")                   /* cond off */                                                               \
    X(br_if_poll, 3, "so")              /* cond off */                                                               \
    X(br_unless, 3, "so")               /* cond off (polls when off <= 0) */                                         \
    X(br_table, 0, "*")                 /* idx n off[0..n] (n+1 offsets, the last is the default) */                 \
    X(select, 5, "dsss")                /* dst cond a b : dst = cond ? a : b */                                      \
    X(call, 3, "fs")                    /* funcidx argbase */                                                        \
    X(call_local, 3, "fs")              /* funcidx argbase : a function defined in this module */                    \
    X(call_indirect, 5, "tyss")         /* table typeidx idxslot argbase */                                          \
    X(ret, 3, "sn")                     /* src n : copy n slots from src to slot 0 and return */                     \
    X(ret1, 2, "s")                     /* src : the same for one result */                                          \
    X(i32_add_imm2, 7, "dskdsk")        /* d1 a1 k1 d2 a2 k2 : two i32.add_imm in one dispatch */                    \
    X(i32_madd, 5, "dsss")              /* dst x y z : x * y + z (i32.mul then i32.add) */                           \
    X(br_if_i32_load, 5, "dsmo")        /* dst addr memoff off : i32.load, then branch if the value is not zero */   \
    X(i32_load_load, 6, "dsmdm")        /* d1 a off1 d2 off2 : d1 = load(a + off1), d2 = load(d1 + off2) */          \
    X(br_unless_i32_load, 5, "dsmo")    /* dst addr memoff off : the same, branching if it is zero (`if`) */         \
    X(i32_add3_imm, 5, "dssk")          /* dst x y k : x + y + k (i32.add then i32.add_imm) */                       \
    X(const32_copy, 5, "dkds")          /* dst imm dst2 src : const32 then copy (`x = 4; y = z;`) */                 \
    X(br_if_copy, 5, "sods")            /* cond off dst src : back to a loop that begins with a copy: copy, skip it */\
    X(br_i32_and_eq, 6, "dskso")        /* d x mask b off : d = x & mask, branch if d == b (a test under a mask) */  \
    X(br_i32_and_ne, 6, "dskso")        /* d x mask b off : the same, branch if d != b */                            \
    X(br_i32_and_eq_imm, 6, "dskko")    /* d x mask k off : the same against an immediate */                         \
    X(br_i32_and_ne_imm, 6, "dskko")    /* d x mask k off */                                                         \
    X(br_if_i32_load8_u, 5, "dsmo")     /* dst addr memoff off : i32.load8_u, then branch if the byte is not zero */ \
    X(br_unless_i32_load8_u, 5, "dsmo") /* dst addr memoff off : the same, branching if it is zero (`while (*s)`) */ \
    X(i32_load_load8_u, 6, "dsmdm")     /* d1 a off1 d2 off2 : like i32_load_load, the second load narrower */       \
    X(i32_load_load8_s, 6, "dsmdm")                                                                                  \
    X(i32_load_load16_u, 6, "dsmdm")                                                                                 \
    X(i32_load_load16_s, 6, "dsmdm")                                                                                 \
    X(i32_load_store, 6, "dsmsm")       /* d a off1 v off2 : d = load(a + off1), then store v at a + off2 */         \
    X(br_if_i32_add_imm, 5, "dsko")     /* dst a k off : dst = a + k, branch if it is not zero (`while (--n)`) */    \
    X(i32_load_add_store, 6, "dsmdk")   /* d1 a off d2 k : d1 = load(a + off), d2 = d1 + k, stored there (x[k]++) */ \
    X(global_get, 3, "dg")              /* dst idx */                                                                \
    X(global_set, 3, "gs")              /* idx src */                                                                \
    X(ref_func, 3, "df")                /* dst funcidx */                                                            \
    X(ref_is_null, 3, "ds")             /* dst src */                                                                \
    X(table_get, 4, "dts")              /* dst table idx */                                                          \
    X(table_set, 4, "tss")              /* table idx val */                                                          \
    X(table_size, 3, "dt")              /* dst table */                                                              \
    X(table_grow, 5, "dtss")            /* dst table init n */                                                       \
    X(table_fill, 5, "tsss")            /* table i val n */                                                          \
    X(table_copy, 6, "ttsss")           /* dsttable srctable d s n */                                                \
    X(table_init, 6, "tesss")           /* table elem d s n */                                                       \
    X(elem_drop, 2, "e")                /* elem */                                                                   \
    X(memory_size, 2, "d")              /* dst */                                                                    \
    X(memory_grow, 3, "ds")             /* dst delta */                                                              \
    X(memory_fill, 4, "sss")            /* d val n */                                                                \
    X(memory_copy, 4, "sss")            /* d s n */                                                                  \
    X(memory_init, 5, "Dsss")           /* seg d s n */                                                              \
    X(data_drop, 2, "D")                /* seg */                                                                    \
    X(simd, 0, "*")                     /* n sub ... : a SIMD instruction of n words (layouts: simd_insn.h) */

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

/* Where each wasm instruction's code begins, for the disassembler: at[i] is the i-th instruction of a
   function, its byte offset and the word at which the code compiled from it begins (the pcmap's own
   entry; a fusion may merge it into an op that began earlier: disasm.c reads the pcs as non-decreasing
   after clamping). */
typedef struct rn_srcmap {
    rn_pcmap *at;
    size_t n, cap;
    bool failed; /* out of memory while recording */
} rn_srcmap;
void rn_srcmap_add(rn_srcmap *map, uint32_t offset, uint32_t pc);
/* rn_compile_func with fusion on or off and, when map is not NULL, each instruction's start recorded. */
runnel_status rn_compile_func_mapped(rn_module *m, uint32_t fi, bool fuse, rn_srcmap *map, runnel_report *r);

/* disasm.c: a listing of the module's functions (all, or the one func names: its name in the name
   section, an export's name or its index) to out, each wasm instruction with the ops compiled from it.
   Errors: those of decoding, validating and compiling; RUNNEL_BADARG when func names no function. */
runnel_status rn_disasm(const uint8_t *bytes, size_t len, const char *func, bool fuse, FILE *out, runnel_report *r);

/* disasm.c: each op's name, length in words (0: its own, see rn_op_words) and operand layout (the letters
   of RN_CTRL_OPS). */
typedef struct rn_op_info {
    const char *name;
    uint8_t words;
    const char *layout;
} rn_op_info;
extern const rn_op_info rn_op_infos[OP__COUNT];
/* The length in words of the op at pc, or 0 when there is no valid op there (or it does not fit). */
uint32_t rn_op_words(const rn_code *c, uint32_t pc);
/* The byte offset of the instruction at word pc, for backtraces. */
uint32_t rn_code_offset(const rn_code *c, uint32_t pc);

#endif

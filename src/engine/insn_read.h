/*
 * insn_read.h - one WebAssembly instruction read with its immediates (internal).
 *
 * The compiler (compile.c) reads immediates as it validates; the readers that come after validation,
 * the disassembler (disasm.c) and the C translator (translate.c), share this one decoder, which knows
 * every instruction's immediates from the instruction lists (insn.h, simd_insn.h) and nothing else.
 */
#ifndef RN_INSN_READ_H
#define RN_INSN_READ_H

#include "reader.h"

#include <stdbool.h>
#include <stdint.h>

/* What follows an opcode (RN_OTHER_INSNS names the first ones; MEMARG for loads and stores). */
enum rn_imm {
    RN_IMM_NONE,
    RN_IMM_BLOCK,         /* i: the blocktype as s33 (-64 empty, other negatives a value type, else a type index) */
    RN_IMM_LABEL,         /* a */
    RN_IMM_BR_TABLE,      /* n labels and a default at p (LEB128 u32s), default also in a */
    RN_IMM_FUNC,          /* a */
    RN_IMM_CALL_INDIRECT, /* a type, b table */
    RN_IMM_SELECT_T,      /* n value types at p */
    RN_IMM_LOCAL,         /* a */
    RN_IMM_GLOBAL,        /* a */
    RN_IMM_TABLE,         /* a */
    RN_IMM_MEM,           /* x: the memory byte */
    RN_IMM_I32,           /* i */
    RN_IMM_I64,           /* i */
    RN_IMM_F32,           /* bits */
    RN_IMM_F64,           /* bits */
    RN_IMM_REFTYPE,       /* x */
    RN_IMM_DATA_MEM,      /* a data segment, x memory */
    RN_IMM_DATA,          /* a */
    RN_IMM_MEM_MEM,       /* x, y */
    RN_IMM_ELEM_TABLE,    /* a element segment, b table */
    RN_IMM_ELEM,          /* a */
    RN_IMM_TABLE_TABLE,   /* a destination, b source */
    RN_IMM_MEMARG,        /* a alignment (log2), b offset */
    RN_IMM_LANE,          /* x */
    RN_IMM_MEMARG_LANE,   /* a, b as MEMARG; x the lane */
    RN_IMM_BYTES16,       /* 16 bytes at p */
};

typedef struct rn_insn {
    uint32_t opc; /* the opcode byte, or prefix << 8 | sub-opcode for 0xFC and 0xFD */
    enum rn_imm imm;
    const char *ident; /* the name in the lists: i32_add, local_get, v128_load8x8_s */
    uint32_t a, b, n;
    uint8_t x, y;
    int64_t i;
    uint64_t bits;
    const uint8_t *p;
} rn_insn;

/* Read one instruction at rd. false when the bytes end early or the opcode is none of WebAssembly
   2.0's (never, for a function that validated). */
bool rn_insn_read(rn_reader *rd, rn_insn *in);

#endif

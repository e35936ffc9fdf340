/*
 * insn_read.c - the one reader of instructions after validation (insn_read.h).
 */
#include "insn_read.h"
#include "insn.h"
#include "simd_insn.h"

#include <string.h>

/* The list's name of opcode opc and what follows it; NULL if opc is no instruction. */
static const char *identify(uint32_t opc, enum rn_imm *imm)
{
    switch (opc) {
#define PLAIN(name, opc, ...)                                                                                          \
    case opc: *imm = RN_IMM_NONE; return #name;
#define MEMORY(name, opc, ...)                                                                                         \
    case opc: *imm = RN_IMM_MEMARG; return #name;
#define OTHER(name, opc, what)                                                                                         \
    case opc: *imm = RN_IMM_##what; return #name;
        RN_UNOPS(PLAIN)
        RN_UNOPS_TRAP(PLAIN) RN_BINOPS(PLAIN) RN_BINOPS_TRAP(PLAIN) RN_LOADS(MEMORY) RN_STORES(MEMORY)
            RN_OTHER_INSNS(OTHER)
#undef PLAIN
#undef MEMORY
#undef OTHER
    }
    if (opc >> 8 != RN_WASM_PREFIX_FD)
        return NULL;
    static const enum rn_imm shape_imm[] = {[RN_SIMD_SH_LOAD] = RN_IMM_MEMARG,
                                            [RN_SIMD_SH_STORE] = RN_IMM_MEMARG,
                                            [RN_SIMD_SH_LOAD_LANE] = RN_IMM_MEMARG_LANE,
                                            [RN_SIMD_SH_STORE_LANE] = RN_IMM_MEMARG_LANE,
                                            [RN_SIMD_SH_CONST] = RN_IMM_BYTES16,
                                            [RN_SIMD_SH_SHUFFLE] = RN_IMM_BYTES16,
                                            [RN_SIMD_SH_EXTRACT] = RN_IMM_LANE,
                                            [RN_SIMD_SH_REPLACE] = RN_IMM_LANE,
                                            [RN_SIMD_SH_SHIFT] = RN_IMM_NONE};
    switch (opc & 0xFF) {
#define SIMD(name, sub, shape, ...)                                                                                    \
    case sub: *imm = shape_imm[RN_SIMD_SH_##shape]; return #name;
        RN_SIMD_OPS(SIMD)
#undef SIMD
    }
    return NULL;
}

static bool immediates(rn_reader *rd, rn_insn *in)
{
    int32_t s32;
    switch (in->imm) {
    case RN_IMM_NONE: return true;
    case RN_IMM_BLOCK: return rn_read_s33(rd, &in->i);
    case RN_IMM_LABEL:
    case RN_IMM_FUNC:
    case RN_IMM_LOCAL:
    case RN_IMM_GLOBAL:
    case RN_IMM_TABLE:
    case RN_IMM_DATA:
    case RN_IMM_ELEM: return rn_read_u32(rd, &in->a);
    case RN_IMM_BR_TABLE:
        if (!rn_read_u32(rd, &in->n))
            return false;
        in->p = rd->p;
        for (uint64_t i = 0; i <= in->n; i++) /* the labels, then the default */
            if (!rn_read_u32(rd, &in->a))
                return false;
        return true;
    case RN_IMM_SELECT_T: return rn_read_u32(rd, &in->n) && rn_read_bytes(rd, in->n, &in->p);
    case RN_IMM_CALL_INDIRECT:
    case RN_IMM_ELEM_TABLE:
    case RN_IMM_TABLE_TABLE: return rn_read_u32(rd, &in->a) && rn_read_u32(rd, &in->b);
    case RN_IMM_MEM:
    case RN_IMM_REFTYPE:
    case RN_IMM_LANE: return rn_read_u8(rd, &in->x);
    case RN_IMM_MEM_MEM: return rn_read_u8(rd, &in->x) && rn_read_u8(rd, &in->y);
    case RN_IMM_I32:
        if (!rn_read_s32(rd, &s32))
            return false;
        in->i = s32;
        return true;
    case RN_IMM_I64: return rn_read_s64(rd, &in->i);
    case RN_IMM_F32: {
        uint32_t b;
        if (!rn_read_fixed32(rd, &b))
            return false;
        in->bits = b;
        return true;
    }
    case RN_IMM_F64: return rn_read_fixed64(rd, &in->bits);
    case RN_IMM_DATA_MEM: return rn_read_u32(rd, &in->a) && rn_read_u8(rd, &in->x);
    case RN_IMM_MEMARG: return rn_read_u32(rd, &in->a) && rn_read_u32(rd, &in->b);
    case RN_IMM_MEMARG_LANE: return rn_read_u32(rd, &in->a) && rn_read_u32(rd, &in->b) && rn_read_u8(rd, &in->x);
    case RN_IMM_BYTES16: return rn_read_bytes(rd, 16, &in->p);
    }
    return false;
}

bool rn_insn_read(rn_reader *rd, rn_insn *in)
{
    memset(in, 0, sizeof *in);
    uint8_t b;
    if (!rn_read_u8(rd, &b))
        return false;
    in->opc = b;
    if (b == RN_WASM_PREFIX_FC || b == RN_WASM_PREFIX_FD) {
        uint32_t sub;
        if (!rn_read_u32(rd, &sub) || sub > 0xFF)
            return false;
        in->opc = (uint32_t)b << 8 | sub;
    }
    in->ident = identify(in->opc, &in->imm);
    return in->ident && immediates(rd, in);
}

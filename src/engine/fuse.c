/*
 * fuse.c - the fusion rules of the compiler: when an op may be merged with the op that consumes its
 * result, and into what.
 *
 * Every rule has the same guard, last_op(): the first op is the last one emitted and no branch target
 * lies after it, so rewriting the tail of the code cannot change what any branch reaches. The merged
 * forms are listed in insn.h (immediates, compare-and-branch, chains of two immediate ops) and code.h
 * (loads and stores with folded addresses, load-and-branch, load-of-load, ...); the choice of pairs
 * came from op-pair counts of CoreMark and the bench/ workloads.
 */
#include "compile_impl.h"

/* Peephole tables, from insn.h (0 = none; op 0 is never a variant). */
const uint16_t rn_imm_variant[OP__COUNT] = {
#define IMMV(name, TO, TI, C) [OP_##name] = OP_##name##_imm,
    RN_BINOPS_IMM(IMMV)
#undef IMMV
};
const uint8_t rn_commutes[OP__COUNT] = {
#define COMMV(name, TO, TI, C) [OP_##name] = C,
    RN_BINOPS_IMM(COMMV)
#undef COMMV
};
/* The fused op for `second(first(a, k1), k2)`, or 0 (RN_FUSED_IMM). */
uint32_t rn_fused_imm(uint32_t first, uint32_t second)
{
#define FUSEDV(name, FIRST, SECOND)                                                                                  \
    if (first == OP_##FIRST##_imm && second == OP_##SECOND##_imm)                                                    \
        return OP_##name;
    RN_FUSED_IMM(FUSEDV)
#undef FUSEDV
    return 0;
}

const uint16_t rn_branch_of[OP__COUNT] = {
#define BRV(name, OPR, T, NEG) [OP_##name] = OP_br_##name, [OP_##name##_imm] = OP_br_##name##_imm,
    RN_CMP_BRANCHES(BRV)
#undef BRV
};
const uint16_t rn_negation_of[OP__COUNT] = {
#define NEGV(name, OPR, T, NEG) [OP_##name] = OP_##NEG, [OP_##name##_imm] = OP_##NEG##_imm,
    RN_CMP_BRANCHES(NEGV)
#undef NEGV
};

/* If cond is the result of the comparison op at cmp, the last emitted, take that op back: its
   branching form will test the comparison itself. */
bool rn_take_cmp(cc *c, uint32_t cmp, const vs *cond, uint32_t *op, uint32_t *a, uint32_t *b)
{
    if (cmp == NONE || cond->slot != c->code[cmp + 1])
        return false;
    bool eqz = c->code[cmp] == OP_i32_eqz;
    if (!last_op(c, cmp, eqz ? 3 : 4))
        return false;
    *op = c->code[cmp];
    *a = c->code[cmp + 2];
    *b = eqz ? 0 : c->code[cmp + 3];
    c->ncode = cmp;
    return true;
}

/* If cond was just loaded by the last op emitted (an i32.load, perhaps tee'd into a local), turn that
   load into the fused op `op` (load-and-branch, load-and-load); the caller appends the rest. */
bool rn_fuse_load_branch(cc *c, const vs *cond, uint32_t op)
{
    if (c->lastload == NONE || c->code[c->lastload] != OP_i32_load || c->code[c->lastload + 1] != cond->slot ||
        !last_op(c, c->lastload, 4))
        return false;
    c->code[c->lastload] = op;
    return true;
}

/* Was the last op emitted an i32.add_imm (not yet fused with anything)? */
bool rn_after_addimm(cc *c)
{
    return c->addimm != NONE && c->code[c->addimm] == OP_i32_add_imm && last_op(c, c->addimm, 4);
}

/* If the address a was just made by an i32.add_imm, turn that op into the fused NAME_pre form of the
   access `op` (whose remaining operands the caller appends). */
bool rn_fuse_pre(cc *c, const vs *a, uint32_t op, uint32_t first_op, uint32_t first_pre)
{
    if (!rn_after_addimm(c) || c->code[c->addimm + 1] != a->slot)
        return false;
    c->code[c->addimm] = op - first_op + first_pre;
    return true;
}

/* Was v made by the last op emitted (of len words), into its home slot, so that op may be merged with
   the one consuming v? */
bool rn_made_by_last(cc *c, const vs *v, uint32_t len)
{
    return v->cpos != NONE && v->slot == c->code[v->cpos + 1] && last_op(c, v->cpos, len);
}

/* If v is a constant whose op was the last emitted, take that op back and give its value as a 32-bit
   immediate (sign-extended for i64). */
bool rn_take_const(cc *c, const vs *v, uint32_t *imm)
{
    if (v->cpos == NONE || v->slot != c->code[v->cpos + 1])
        return false;
    if (c->code[v->cpos] == OP_const32 && last_op(c, v->cpos, 3)) {
        *imm = c->code[v->cpos + 2];
    } else if (c->code[v->cpos] == OP_const64 && last_op(c, v->cpos, 4)) {
        uint64_t x = (uint64_t)c->code[v->cpos + 2] | (uint64_t)c->code[v->cpos + 3] << 32;
        if ((int64_t)x != (int64_t)(int32_t)(uint32_t)x)
            return false;
        *imm = (uint32_t)x;
    } else {
        return false;
    }
    c->ncode = v->cpos;
    return true;
}

/* If v is the sum made by the i32.add op last emitted, take that op back and give its operands. */
bool rn_take_add(cc *c, const vs *v, uint32_t *x, uint32_t *y)
{
    if (v->cpos == NONE || c->code[v->cpos] != OP_i32_add || v->slot != c->code[v->cpos + 1] ||
        !last_op(c, v->cpos, 4))
        return false;
    *x = c->code[v->cpos + 2];
    *y = c->code[v->cpos + 3];
    c->ncode = v->cpos;
    return true;
}

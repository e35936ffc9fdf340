/*
 * fuse.c - the fusion rules of the compiler: when an op may be merged with the op that consumes its
 * result, and into what.
 *
 * Every rule has the same guard, last_op(): the first op is the last one emitted and no branch target
 * lies after it, so rewriting the tail of the code cannot change what any branch reaches. That guard
 * is also where fusion is turned off for tests (cc.nofuse, unfused.h); a rule without it must test
 * nofuse itself. The merged forms are listed in insn.h (immediates, compare-and-branch, chains of two
 * immediate ops) and code.h (loads and stores with folded addresses, load-and-branch, load-of-load,
 * ...); the choice of pairs came from op-pair counts of CoreMark and the bench/ workloads.
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

/* If cond was just loaded by the last op emitted (an i32.load or i32.load8_u, perhaps tee'd into a
   local), turn that load into the fused op given for its kind (load-and-branch, load-and-load; 0 for
   none); the caller appends the rest. */
bool rn_fuse_load_branch(cc *c, const vs *cond, uint32_t op32, uint32_t op8)
{
    if (c->lastload == NONE || c->code[c->lastload + 1] != cond->slot || !last_op(c, c->lastload, 4))
        return false;
    uint32_t op = c->code[c->lastload] == OP_i32_load ? op32 : c->code[c->lastload] == OP_i32_load8_u ? op8 : 0;
    if (!op)
        return false;
    c->code[c->lastload] = op;
    return true;
}

/* The pointer chase whose second load is the given one (the first is an i32.load). */
const uint16_t rn_chase_of[OP__COUNT] = {
    [OP_i32_load] = OP_i32_load_load,         [OP_i32_load8_u] = OP_i32_load_load8_u,
    [OP_i32_load8_s] = OP_i32_load_load8_s,   [OP_i32_load16_u] = OP_i32_load_load16_u,
    [OP_i32_load16_s] = OP_i32_load_load16_s,
};

/* A compare-branch brop (a b off) whose operand a or b was just made by an i32.and_imm (the last op
   emitted): turn the and into the test under a mask [br_i32_and_* d x mask other]; the caller appends
   the offset. Only equality, which is symmetric, so that either operand may be the masked one. */
bool rn_fuse_and_branch(cc *c, uint32_t brop, uint32_t a, uint32_t b)
{
    uint32_t op = brop == OP_br_i32_eq_imm ? OP_br_i32_and_eq_imm
                  : brop == OP_br_i32_ne_imm ? OP_br_i32_and_ne_imm
                  : brop == OP_br_i32_eq     ? OP_br_i32_and_eq
                  : brop == OP_br_i32_ne     ? OP_br_i32_and_ne
                                             : 0;
    uint32_t p = c->lastand;
    if (!op || !last_op(c, p, 4) || c->code[p] != OP_i32_and_imm)
        return false;
    bool imm = op == OP_br_i32_and_eq_imm || op == OP_br_i32_and_ne_imm;
    uint32_t other;
    if (c->code[p + 1] == a)
        other = b;
    else if (!imm && c->code[p + 1] == b)
        other = a;
    else
        return false;
    c->code[p] = op;
    return emit(c, other);
}

/* A br_if back to loop t whose code begins with a copy: the branch does that copy and jumps past it,
   one dispatch fewer per iteration (a loop that starts with `p = next;`). */
bool rn_fuse_loop_copy(cc *c, const ctl *t, uint32_t cond)
{
    uint32_t h = t->loop_pc;
    if (c->nofuse || t->op != RN_WASM_loop || h + 3 > c->ncode || c->code[h] != OP_copy)
        return false;
    uint32_t pos = c->ncode + 2;
    return emit2(c, OP_br_if_copy, cond) && emit(c, (uint32_t)((int64_t)h + 3 - (int64_t)pos)) &&
           emit2(c, c->code[h + 1], c->code[h + 2]);
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

/* If v is a constant whose op was the last emitted, or a lazy one (compile.c), take that op back and
   give its value as a 32-bit immediate (sign-extended for i64). */
bool rn_take_const(cc *c, const vs *v, uint32_t *imm)
{
    if (v->lazy) { /* nothing was emitted for it: nothing to take back */
        if ((v->type == RN_I64 || v->type == RN_F64) && (int64_t)v->k != (int64_t)(int32_t)(uint32_t)v->k)
            return false;
        *imm = (uint32_t)v->k;
        return true;
    }
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

/* If the address a is an i32 constant k made by the last op and k + off, the effective address, fits
   in 32 bits, take the constant back and give that address, for the NAME_abs ops (C's static
   variables). A larger sum always traps; the plain op is left to say so. */
bool rn_take_abs(cc *c, const vs *a, uint32_t off, uint32_t *ea)
{
    if (a->lazy) {
        if ((uint64_t)(uint32_t)a->k + off > UINT32_MAX)
            return false;
        *ea = (uint32_t)a->k + off;
        return true;
    }
    if (!last_op(c, a->cpos, 3) || c->code[a->cpos] != OP_const32 || a->slot != c->code[a->cpos + 1] ||
        (uint64_t)c->code[a->cpos + 2] + off > UINT32_MAX)
        return false;
    uint32_t k;
    if (!rn_take_const(c, a, &k))
        return false;
    *ea = k + off;
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

/* An i32.store of v to addr + off, where v was made by the last two ops, i32.load from the same
   address then i32.add_imm (`x[k]++`, `*count += 4`): the three become one i32_load_add_store, with
   one bounds check. The load's and the add's results are still written (a local.tee may have sent
   them to a local), so neither may be the address slot, which the store would then read changed.
   A trap can only come from the load, whose pcmap entry the op keeps. */
bool rn_fuse_increment(cc *c, const vs *addr, const vs *v, uint32_t off)
{
    uint32_t ld = c->lastload, add = ld + 4;
    if (ld == NONE || !last_op(c, ld, 8) || c->code[ld] != OP_i32_load || c->code[add] != OP_i32_add_imm)
        return false;
    uint32_t d1 = c->code[ld + 1], d2 = c->code[add + 1];
    if (v->slot != d2 || c->code[add + 2] != d1 || c->code[ld + 2] != addr->slot || c->code[ld + 3] != off ||
        d1 == addr->slot || d2 == addr->slot)
        return false;
    uint32_t k = c->code[add + 3];
    c->code[ld] = OP_i32_load_add_store;
    c->code[ld + 4] = d2;
    c->code[ld + 5] = k;
    c->ncode = ld + 6;
    /* ld + 4 is no longer the start of an op: no tracker may point there */
    uint32_t *trackers[] = {&c->lastload, &c->addimm, &c->lastand, &c->lastconst, &c->lastcopy, &c->last_cmp};
    for (size_t i = 0; i < sizeof trackers / sizeof *trackers; i++)
        if (*trackers[i] != NONE && *trackers[i] >= ld)
            *trackers[i] = NONE;
    return true;
}

/* An i32.store to addr + off right after an i32.load from addr (`next = p->next; p->next = prev;`):
   one i32_load_store. The load's result must not be the address, which the store would then read
   changed. The store may trap on its own (another offset): the compiler gives it a pcmap entry three
   words into the op, as for a pointer chase. */
bool rn_fuse_exchange(cc *c, const vs *addr, const vs *v, uint32_t off)
{
    uint32_t ld = c->lastload;
    if (ld == NONE || !last_op(c, ld, 4) || c->code[ld] != OP_i32_load || c->code[ld + 2] != addr->slot ||
        c->code[ld + 1] == addr->slot)
        return false;
    c->code[ld] = OP_i32_load_store;
    c->lastload = NONE;
    return mark_at(c, ld + 3) && emit2(c, v->slot, off);
}

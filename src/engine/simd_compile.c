/*
 * simd_compile.c - validation and compilation of the fixed-width SIMD instructions (0xFD prefix).
 *
 * compile.c's main switch hands every 0xFD-prefixed instruction here (and the v128 forms of select,
 * global.get and global.set). Typing follows spec 3.3.3 ("Vector Instructions"): each instruction's
 * operand and result types come from its shape in simd_insn.h; lane indices must be below the lane
 * count (3.3.3, laneidx < dim(shape); a shuffle's < 32); a memarg's alignment must not exceed the
 * natural alignment of the bytes accessed (3.3.7), which for v128.load is 16 bytes and for the lane
 * and splat forms is the lane's size. The binary format (5.4.8): a u32 sub-opcode, then memarg,
 * lane bytes (one byte each, not LEB128) or the 16 bytes of a constant.
 *
 * Every instruction compiles to one OP_simd (code.h), whose layout simd_insn.h gives and whose
 * handler calls simd_exec.c, so the interpreter's loop has a single case for all of SIMD. A v128
 * takes two frame slots (compile.c keeps the stack slots and moves width-aware); results go to the
 * top's home, and last_dst marks the destination word so that a following local.set can retarget it
 * (simd_exec.c reads all operands before it writes, so a destination equal to an operand is safe).
 * Loads and stores mark the pcmap, so an out-of-bounds trap reports this instruction's offset.
 */
#include "compile_impl.h"
#include "simd_insn.h"

/* The op's header: OP_simd, its length in words, the sub-opcode. */
static bool head(cc *c, uint32_t len, uint32_t sub) { return emit3(c, OP_simd, len, sub); }

/* Emit an op that writes a result to the top's home (len words in all, the first operands given). */
static bool emit_res(cc *c, uint32_t len, uint32_t sub, uint32_t n, const uint32_t *ops)
{
    if (!head(c, len, sub))
        return false;
    uint32_t dst = c->ncode;
    if (!emit(c, home(c, c->nvs)))
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!emit(c, ops[i]))
            return false;
    c->last_dst = dst;
    return true;
}

static bool lane(cc *c, uint32_t lanes, uint8_t *l)
{
    if (!rn_cc_u8(c, l))
        return false;
    if (*l >= lanes)
        return INVALID("invalid lane index");
    return true;
}

static bool load(cc *c, uint32_t sub, uint32_t align)
{
    uint32_t off;
    vs a;
    if (!rn_cc_memarg(c, align, &off) || !rn_cc_pop(c, RN_I32, &a))
        return false;
    if (live(c)) {
        uint32_t ops[2] = {a.slot, off};
        if (!mark(c) || !emit_res(c, 6, sub, 2, ops))
            return false;
    }
    return rn_cc_push(c, RN_V128);
}

static bool store(cc *c, uint32_t sub)
{
    uint32_t off;
    vs a, v;
    if (!rn_cc_memarg(c, 4, &off) || !rn_cc_pop(c, RN_V128, &v) || !rn_cc_pop(c, RN_I32, &a))
        return false;
    return !live(c) || (mark(c) && head(c, 6, sub) && emit3(c, a.slot, v.slot, off));
}

static bool load_lane(cc *c, uint32_t sub, uint32_t size_log2)
{
    uint32_t off;
    uint8_t l;
    vs a, v;
    if (!rn_cc_memarg(c, size_log2, &off) || !lane(c, 16u >> size_log2, &l) || !rn_cc_pop(c, RN_V128, &v) ||
        !rn_cc_pop(c, RN_I32, &a))
        return false;
    if (live(c)) {
        uint32_t ops[4] = {a.slot, v.slot, off, l};
        if (!mark(c) || !emit_res(c, 8, sub, 4, ops))
            return false;
    }
    return rn_cc_push(c, RN_V128);
}

static bool store_lane(cc *c, uint32_t sub, uint32_t size_log2)
{
    uint32_t off;
    uint8_t l;
    vs a, v;
    if (!rn_cc_memarg(c, size_log2, &off) || !lane(c, 16u >> size_log2, &l) || !rn_cc_pop(c, RN_V128, &v) ||
        !rn_cc_pop(c, RN_I32, &a))
        return false;
    return !live(c) || (mark(c) && head(c, 7, sub) && emit4(c, a.slot, v.slot, off, l));
}

/* 16 bytes (a constant, or a shuffle's lane indices) as four little-endian words. */
static bool bytes16(cc *c, uint32_t w[4])
{
    for (int i = 0; i < 4; i++)
        if (!rn_read_fixed32(&c->rd, &w[i]))
            return MALFORMED("unexpected end");
    return true;
}

static bool v128_const(cc *c, uint32_t sub)
{
    uint32_t w[4];
    if (!bytes16(c, w))
        return false;
    if (live(c) && !emit_res(c, 8, sub, 4, w))
        return false;
    return rn_cc_push(c, RN_V128);
}

static bool shuffle(cc *c, uint32_t sub)
{
    uint32_t w[4];
    vs a, b;
    if (!bytes16(c, w))
        return false;
    for (int i = 0; i < 16; i++)
        if (((w[i / 4] >> (8 * (i % 4))) & 0xFF) >= 32)
            return INVALID("invalid lane index");
    if (!rn_cc_pop(c, RN_V128, &b) || !rn_cc_pop(c, RN_V128, &a))
        return false;
    if (live(c)) {
        uint32_t ops[6] = {a.slot, b.slot, w[0], w[1], w[2], w[3]};
        if (!emit_res(c, 10, sub, 6, ops))
            return false;
    }
    return rn_cc_push(c, RN_V128);
}

/* The value shapes: pop the operands (types in order, last on top), emit [dst operands... imm...]. */
static bool value_op(cc *c, uint32_t sub, uint32_t n, const uint8_t *in, uint8_t out, bool has_lane, uint8_t l)
{
    vs v[3];
    for (uint32_t i = n; i-- > 0;)
        if (!rn_cc_pop(c, in[i], &v[i]))
            return false;
    if (live(c)) {
        uint32_t ops[4], k = 0;
        for (uint32_t i = 0; i < n; i++)
            ops[k++] = v[i].slot;
        if (has_lane)
            ops[k++] = l;
        if (!emit_res(c, 4 + k, sub, k, ops))
            return false;
    }
    return rn_cc_push(c, out);
}

bool rn_simd_compile(cc *c, uint32_t sub)
{
    static const uint8_t V1[1] = {RN_V128}, V2[2] = {RN_V128, RN_V128}, V3[3] = {RN_V128, RN_V128, RN_V128};
    static const uint8_t VI[2] = {RN_V128, RN_I32};
    uint8_t l = 0;
    switch (sub) {
#define SIMD_CASE(name, op, SH, A, B)                                                                                \
    case op:                                                                                                         \
        return compile_##SH(c, op, A, B, &l);
#define compile_LOAD(c, op, A, B, l) load(c, op, A)
#define compile_STORE(c, op, A, B, l) store(c, op)
#define compile_LOAD_LANE(c, op, A, B, l) load_lane(c, op, A)
#define compile_STORE_LANE(c, op, A, B, l) store_lane(c, op, A)
#define compile_CONST(c, op, A, B, l) v128_const(c, op)
#define compile_SHUFFLE(c, op, A, B, l) shuffle(c, op)
#define compile_SPLAT(c, op, A, B, l) value_op(c, op, 1, (const uint8_t[1]){A}, RN_V128, false, 0)
#define compile_EXTRACT(c, op, A, B, l) (lane(c, B, l) && value_op(c, op, 1, V1, A, true, *(l)))
#define compile_REPLACE(c, op, A, B, l) (lane(c, B, l) && value_op(c, op, 2, (const uint8_t[2]){RN_V128, A}, RN_V128, true, *(l)))
#define compile_UN(c, op, A, B, l) value_op(c, op, 1, V1, RN_V128, false, 0)
#define compile_BIN(c, op, A, B, l) value_op(c, op, 2, V2, RN_V128, false, 0)
#define compile_TERN(c, op, A, B, l) value_op(c, op, 3, V3, RN_V128, false, 0)
#define compile_TEST(c, op, A, B, l) value_op(c, op, 1, V1, RN_I32, false, 0)
#define compile_SHIFT(c, op, A, B, l) value_op(c, op, 2, VI, RN_V128, false, 0)
        RN_SIMD_OPS(SIMD_CASE)
#undef SIMD_CASE
    }
    return MALFORMED("illegal opcode");
}

bool rn_simd_select(cc *c, const vs *cond, const vs *a, const vs *b)
{
    if (live(c)) {
        uint32_t ops[3] = {cond->slot, a->slot, b->slot};
        if (!emit_res(c, 7, RN_SIMD_SELECT, 3, ops))
            return false;
    }
    return rn_cc_push(c, RN_V128);
}

bool rn_simd_global_get(cc *c, uint32_t g)
{
    if (live(c) && !emit_res(c, 5, RN_SIMD_GLOBAL_GET, 1, &g))
        return false;
    return rn_cc_push(c, RN_V128);
}

bool rn_simd_global_set(cc *c, uint32_t g, const vs *v)
{
    return !live(c) || (head(c, 5, RN_SIMD_GLOBAL_SET) && emit2(c, g, v->slot));
}

/*
 * compile.c - validate a function body and compile it to register code, in one pass.
 *
 * Validation follows the algorithm of the spec's appendix (A.3 "Validation Algorithm"): a stack of
 * operand types and a stack of control frames, with the stack becoming polymorphic after
 * `unreachable`, `br`, `br_table` and `return`. Each operand stack entry also carries the frame
 * slot holding its value (code.h explains the register machine). Usually that is the slot of its
 * stack height, its "home"; after `local.get` it is the local's own slot, so nothing is copied. Such
 * an alias must be made real (copied home) before the local changes, before control flow joins
 * (entering a block, branching with values) and before a call, whose arguments must be adjacent.
 * A v128 takes two slots (as a local, a param or a value), so a home is the slot after the value
 * below it, a label's homes follow the label's types, returns count slots, and a v128 moves as two
 * 64-bit copies. The SIMD instructions themselves are compiled in simd_compile.c.
 *
 * Peephole: when `local.set`/`local.tee` follows an instruction that wrote the top of the stack to
 * its home slot, that instruction's destination is rewritten to the local, so `i32.add; local.set`
 * is one instruction.
 *
 * Fusion: an op may be merged with the op that consumes its result when the first is the last op
 * emitted and no branch target lies between them (last_op): a constant becomes an immediate operand,
 * a comparison becomes part of the branch that tests it, an i32.add or a pointer bump becomes part of
 * the load or store that uses it, two immediate ops in a chain become one (fuse.c has the rules). Each
 * merge saves a dispatch; the pairs were chosen from op-pair counts of CoreMark and bench/ workloads.
 * Because a merge only rewrites the tail of the code, a branch can never land inside a fused op.
 *
 * Constants are lazy: `i32.const` and the like emit nothing until their value is needed in a slot, so an
 * op that takes an immediate or a constant address never emits them at all (push_lazy).
 *
 * Code after `unreachable`, `br` etc. up to the end of its block is validated but not emitted.
 */
#include "compile_impl.h"
#include "unfused.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- operand stack */

static bool push_at(cc *c, uint8_t type, uint32_t slot)
{
    if (!grow((void **)&c->vs, &c->capvs, c->nvs + 1, sizeof *c->vs) ||
        !grow((void **)&c->vhome, &c->capvhome, c->nvs + 1, sizeof *c->vhome))
        return NOMEM();
    uint32_t h = home(c, c->nvs);
    c->vhome[c->nvs] = h;
    c->vs[c->nvs++] = (vs){.type = type, .slot = slot, .cpos = NONE};
    if (h + rn_width(type) - c->base > c->maxh)
        c->maxh = h + rn_width(type) - c->base;
    return true;
}
static bool push(cc *c, uint8_t type) { return push_at(c, type, home(c, c->nvs)); }

/* A constant is pushed lazily: nothing is emitted until something needs it in a slot. An op that can
   take it as an immediate, or as an address folded into a load or store, then never emits it, even
   when other code came between the constant and its use (`i32.const 0; <value>; i32.store offset=X`,
   how C writes a static variable). Lazy entries live only inside straight-line code: pop() realizes
   what it returns, and control instructions, calls and block entries realize what stays below. */
static bool push_lazy(cc *c, uint8_t type, uint64_t k)
{
    if (!push(c, type))
        return false;
    c->vs[c->nvs - 1].lazy = true;
    c->vs[c->nvs - 1].k = k;
    return true;
}

/* Write constant k of the given type to slot dst. */
static bool emit_const_to(cc *c, uint8_t type, uint64_t k, uint32_t dst)
{
    if (type == RN_I32 || type == RN_F32) {
        c->lastconst = c->ncode;
        return emit3(c, OP_const32, dst, (uint32_t)k);
    }
    return emit4(c, OP_const64, dst, (uint32_t)k, (uint32_t)(k >> 32));
}

/* A constant: lazy, or (with fusion off, for tests) written at once, one op per instruction. */
static bool push_const(cc *c, uint8_t type, uint64_t k)
{
    if (live(c) && !c->nofuse)
        return push_lazy(c, type, k);
    uint32_t pos = c->ncode;
    if (live(c)) {
        if (!emit_const_to(c, type, k, home(c, c->nvs)))
            return false;
        c->last_dst = pos + 1;
    }
    if (!push(c, type))
        return false;
    c->vs[c->nvs - 1].cpos = live(c) ? pos : NONE;
    return true;
}

/* Make a lazy entry real: its constant written to its slot, by the op that is now the last. */
static bool realize(cc *c, vs *v)
{
    if (!v->lazy)
        return true;
    v->lazy = false;
    v->cpos = NONE;
    if (!live(c))
        return true;
    v->cpos = c->ncode;
    return emit_const_to(c, v->type, v->k, v->slot);
}
/* Realize the top n entries (the values a branch carries; the block's own entries only, as the
   stack may be polymorphic). What lies below a block was made real when the block was entered. */
static bool realize_top(cc *c, uint32_t n)
{
    uint32_t have = c->nvs - top(c)->height;
    for (uint32_t i = c->nvs - (n < have ? n : have); i < c->nvs; i++)
        if (!realize(c, &c->vs[i]))
            return false;
    return true;
}

/* Pop the top entry as it is (perhaps lazy: for the consumers that can use a constant). */
static bool pop_lazy(cc *c, uint8_t want, vs *out)
{
    ctl *t = top(c);
    if (c->nvs == t->height) {
        if (t->unreachable) {
            *out = (vs){.type = want, .slot = home(c, c->nvs), .cpos = NONE};
            return true;
        }
        return INVALID("type mismatch: operand stack underflow");
    }
    vs v = c->vs[--c->nvs];
    if (want != RN_UNKNOWN && v.type != want && v.type != RN_UNKNOWN)
        return INVALID("type mismatch");
    *out = v;
    return true;
}

/* Pop the top entry, real. */
static bool pop(cc *c, uint8_t want, vs *out)
{
    return pop_lazy(c, want, out) && realize(c, out);
}

static bool is_ref(uint8_t t) { return t == RN_FUNCREF || t == RN_EXTERNREF; }
static bool is_num(uint8_t t) { return t == RN_I32 || t == RN_I64 || t == RN_F32 || t == RN_F64; }

/* Move a value of type t: one 64-bit move, or two for a v128 (low half first, so a move down by one
   slot, as to a label's home, never reads a half it has overwritten). */
static bool copy_value(cc *c, uint32_t dst, uint32_t src, uint8_t t)
{
    return emit_copy(c, dst, src) && (rn_width(t) == 1 || emit_copy(c, dst + 1, src + 1));
}

/* The slots the top n values take (the count a return copies). */
static uint32_t top_slots(cc *c, uint32_t n)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n && i < c->nvs; i++)
        k += rn_width(c->vs[c->nvs - 1 - i].type);
    return k;
}

/* Copy stack entry i home if it aliases a local; write it there if it is a lazy constant. */
static bool settle(cc *c, uint32_t i)
{
    if (c->vs[i].lazy)
        return realize(c, &c->vs[i]);
    uint32_t h = home(c, i);
    if (c->vs[i].slot == h)
        return true;
    if (live(c) && !copy_value(c, h, c->vs[i].slot, c->vs[i].type))
        return false;
    c->vs[i].slot = h;
    return true;
}
static bool settle_from(cc *c, uint32_t from)
{
    for (uint32_t i = from; i < c->nvs; i++)
        if (!settle(c, i))
            return false;
    return true;
}
static bool settle_local(cc *c, uint32_t local)
{
    for (uint32_t i = 0; i < c->nvs; i++)
        if (c->vs[i].slot == local && !settle(c, i))
            return false;
    return true;
}

/* ---------------------------------------------------------------- reading */

static bool rd_u32(cc *c, uint32_t *v)
{
    if (!rn_read_u32(&c->rd, v))
        return MALFORMED(rn_reader_eof(&c->rd) ? "unexpected end" : "integer representation too long");
    return true;
}
static bool rd_u8(cc *c, uint8_t *v)
{
    if (!rn_read_u8(&c->rd, v))
        return MALFORMED("unexpected end");
    return true;
}
static bool rd_zero(cc *c)
{
    uint8_t b;
    if (!rd_u8(c, &b))
        return false;
    if (b != 0)
        return MALFORMED("zero byte expected");
    return true;
}

static bool valtype_ok(uint8_t t) { return is_num(t) || t == RN_V128 || is_ref(t); }

typedef struct blocktype {
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint8_t single;
} blocktype;

static bool rd_blocktype(cc *c, blocktype *bt)
{
    memset(bt, 0, sizeof *bt);
    if (c->rd.p >= c->rd.end)
        return MALFORMED("unexpected end");
    uint8_t b = *c->rd.p;
    if (b == RN_WASM_BLOCKTYPE_EMPTY) {
        c->rd.p++;
        return true;
    }
    if (valtype_ok(b)) {
        c->rd.p++;
        bt->single = b;
        bt->nresults = 1;
        return true;
    }
    int64_t idx;
    if (!rn_read_s33(&c->rd, &idx))
        return MALFORMED("malformed block type");
    if (idx < 0 || (uint64_t)idx >= c->m->ntypes)
        return INVALID("unknown type");
    const rn_functype *ft = &c->m->types[idx];
    bt->nparams = ft->nparams;
    bt->params = ft->params;
    bt->nresults = ft->nresults;
    bt->results = ft->results;
    return true;
}

/* ---------------------------------------------------------------- control */

static bool push_ctl(cc *c, uint8_t op, const blocktype *bt)
{
    bool dead = c->nctl ? (top(c)->dead || top(c)->unreachable) : false;
    if (!grow((void **)&c->ctl, &c->capctl, c->nctl + 1, sizeof *c->ctl))
        return NOMEM();
    ctl *t = &c->ctl[c->nctl++];
    memset(t, 0, sizeof *t);
    t->op = op;
    t->dead = dead;
    t->height = c->nvs - bt->nparams;
    t->nparams = bt->nparams;
    t->nresults = bt->nresults;
    t->params = bt->params;
    t->single = bt->single;
    t->results = bt->results; /* NULL for a one-result block type: see res() */
    t->loop_pc = c->ncode;
    if (op == RN_WASM_loop)
        c->label_pc = c->ncode;
    t->else_fix = NONE;
    t->fix = NONE;
    return true;
}

/* The block's result types (the ctl array may move, so a one-result type is found afresh). */
static const uint8_t *res(const ctl *t) { return t->single ? &t->single : t->results; }
/* The types a branch to t carries. */
static uint32_t label_arity(const ctl *t) { return t->op == RN_WASM_loop ? t->nparams : t->nresults; }
static const uint8_t *label_types(const ctl *t) { return t->op == RN_WASM_loop ? t->params : res(t); }

static void set_unreachable(cc *c)
{
    ctl *t = top(c);
    c->nvs = t->height;
    t->unreachable = true;
}

/* Pop n values of the given types (the last type on top), leaving them in place on the stack. */
static bool check_top(cc *c, uint32_t n, const uint8_t *types)
{
    ctl *t = top(c);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t want = types[n - 1 - i];
        if (c->nvs - t->height <= i) {
            if (t->unreachable)
                continue;
            return INVALID("type mismatch: operand stack underflow");
        }
        uint8_t have = c->vs[c->nvs - 1 - i].type;
        if (have != want && have != RN_UNKNOWN)
            return INVALID("type mismatch");
    }
    return true;
}

/* Emit the copies that move the top n values to the homes of label t's values. Those homes follow
   the label's types up from its height (the entries now at those positions may have other widths). */
static bool move_to_label(cc *c, const ctl *t, uint32_t n)
{
    const uint8_t *types = label_types(t);
    uint32_t dst = home(c, t->height);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t src = c->vs[c->nvs - n + i].slot;
        if (dst != src && !copy_value(c, dst, src, types[i]))
            return false;
        dst += rn_width(types[i]);
    }
    return true;
}

/* Do the values already sit where label t wants them? */
static bool in_place(cc *c, const ctl *t, uint32_t n)
{
    const uint8_t *types = label_types(t);
    uint32_t dst = home(c, t->height);
    for (uint32_t i = 0; i < n; i++) {
        if (c->vs[c->nvs - n + i].slot != dst)
            return false;
        dst += rn_width(types[i]);
    }
    return true;
}

/* Emit a jump (op with offset as its last word) to label t. */
static bool jump_to(cc *c, ctl *t, uint32_t op_fwd, uint32_t op_back, uint32_t cond, bool has_cond)
{
    if (t->op == RN_WASM_loop) {
        if (!emit(c, op_back) || (has_cond && !emit(c, cond)))
            return false;
        uint32_t pos = c->ncode;
        return emit(c, (uint32_t)((int64_t)t->loop_pc - (int64_t)pos));
    }
    if (!emit(c, op_fwd) || (has_cond && !emit(c, cond)))
        return false;
    uint32_t pos = c->ncode;
    return emit(c, 0) && add_fix(c, t, pos);
}

static bool emit_ret(cc *c, uint32_t src, uint32_t n)
{
    return n == 1 ? emit2(c, OP_ret1, src) : emit3(c, OP_ret, src, n);
}

static bool do_br(cc *c, uint32_t depth)
{
    if (depth >= c->nctl)
        return INVALID("unknown label");
    ctl *t = &c->ctl[c->nctl - 1 - depth];
    uint32_t n = label_arity(t);
    if (!check_top(c, n, label_types(t)) || !realize_top(c, n))
        return false;
    if (live(c)) {
        if (t->op == 0 && n > 0) /* a branch to the function body is a return */
            goto ret;
        if (t->op == 0) {
            if (!emit3(c, OP_ret, 0, 0))
                return false;
        } else if (!move_to_label(c, t, n) || !jump_to(c, t, OP_br, OP_br_poll, 0, false))
            return false;
    }
    set_unreachable(c);
    return true;
ret:
    if (n > 1 && !settle_from(c, c->nvs - n))
        return false;
    if (!emit_ret(c, c->vs[c->nvs - n].slot, top_slots(c, n)))
        return false;
    set_unreachable(c);
    return true;
}

/* Emit `op a b off` jumping to label t. */
static bool emit_target(cc *c, ctl *t);

static bool jump3_to(cc *c, ctl *t, uint32_t op, uint32_t a, uint32_t b)
{
    return emit3(c, op, a, b) && emit_target(c, t);
}

/* Append the offset word of a branch to label t to the op just emitted. */
static bool emit_target(cc *c, ctl *t)
{
    uint32_t pos = c->ncode;
    if (t->op == RN_WASM_loop)
        return emit(c, (uint32_t)((int64_t)t->loop_pc - (int64_t)pos));
    return emit(c, 0) && add_fix(c, t, pos);
}

static bool do_br_if(cc *c, uint32_t depth, uint32_t prev_cmp)
{
    vs cond;
    if (!pop(c, RN_I32, &cond))
        return false;
    if (depth >= c->nctl)
        return INVALID("unknown label");
    ctl *t = &c->ctl[c->nctl - 1 - depth];
    uint32_t n = label_arity(t);
    if (!check_top(c, n, label_types(t)) || !realize_top(c, n))
        return false;
    if (top(c)->unreachable) {
        /* the spec pops the label's types and pushes them back: unknowns become those types */
        const uint8_t *types = label_types(t);
        vs tmp;
        for (uint32_t i = 0; i < n; i++)
            if (!pop(c, RN_UNKNOWN, &tmp))
                return false;
        for (uint32_t i = 0; i < n; i++)
            if (!push(c, types[i]))
                return false;
    }
    if (!live(c))
        return true;
    if (t->op == 0) { /* conditional return */
        uint32_t skip;
        if (!emit2(c, OP_br_unless, cond.slot))
            return false;
        skip = c->ncode;
        if (!emit(c, 0))
            return false;
        if (n > 1) {
            /* copy home without changing the entries: the fall-through path keeps the aliases */
            for (uint32_t i = 0; i < n; i++) {
                uint32_t h = home(c, c->nvs - n + i), s = c->vs[c->nvs - n + i].slot;
                if (h != s && !copy_value(c, h, s, c->vs[c->nvs - n + i].type))
                    return false;
            }
            if (!emit3(c, OP_ret, home(c, c->nvs - n), top_slots(c, n)))
                return false;
        } else if (!emit_ret(c, n ? c->vs[c->nvs - 1].slot : 0, top_slots(c, n)))
            return false;
        patch_here(c, skip);
        return true;
    }
    if (in_place(c, t, n)) {
        uint32_t op, a, b;
        if (rn_take_cmp(c, prev_cmp, &cond, &op, &a, &b)) {
            if (op == OP_i32_eqz) { /* br_unless polls when it jumps back */
                vs loaded = {.type = RN_I32, .slot = a, .cpos = NONE};
                if (rn_fuse_load_branch(c, &loaded, OP_br_unless_i32_load, OP_br_unless_i32_load8_u))
                    return emit_target(c, t);
                return jump_to(c, t, OP_br_unless, OP_br_unless, a, true);
            }
            if (rn_fuse_and_branch(c, rn_branch_of[op], a, b))
                return emit_target(c, t);
            return jump3_to(c, t, rn_branch_of[op], a, b);
        }
        if (rn_fuse_load_branch(c, &cond, OP_br_if_i32_load, OP_br_if_i32_load8_u))
            return emit_target(c, t);
        if (rn_fuse_loop_copy(c, t, cond.slot))
            return true;
        if (rn_after_addimm(c) && c->code[c->addimm + 1] == cond.slot) { /* `while (--n)` */
            c->code[c->addimm] = OP_br_if_i32_add_imm;
            return emit_target(c, t);
        }
        return jump_to(c, t, OP_br_if, OP_br_if_poll, cond.slot, true);
    }
    uint32_t skip;
    if (!emit2(c, OP_br_unless, cond.slot))
        return false;
    skip = c->ncode;
    if (!emit(c, 0) || !move_to_label(c, t, n) || !jump_to(c, t, OP_br, OP_br_poll, 0, false))
        return false;
    patch_here(c, skip);
    return true;
}

static bool do_br_table(cc *c)
{
    uint32_t n;
    if (!rd_u32(c, &n))
        return false;
    if (n > (uint32_t)(c->rd.end - c->rd.p))
        return MALFORMED("unexpected end");
    uint32_t *labels = rn_malloc(((size_t)n + 1) * sizeof *labels);
    if (!labels)
        return NOMEM();
    bool ok = true;
    for (uint32_t i = 0; ok && i <= n; i++)
        ok = rd_u32(c, &labels[i]);
    vs idx;
    if (ok)
        ok = pop(c, RN_I32, &idx);
    uint32_t arity = 0;
    if (ok) {
        if (labels[n] >= c->nctl)
            ok = INVALID("unknown label");
        else
            arity = label_arity(&c->ctl[c->nctl - 1 - labels[n]]);
    }
    for (uint32_t i = 0; ok && i <= n; i++) {
        if (labels[i] >= c->nctl) {
            ok = INVALID("unknown label");
            break;
        }
        ctl *t = &c->ctl[c->nctl - 1 - labels[i]];
        if (label_arity(t) != arity)
            ok = INVALID("type mismatch: br_table arity");
        else
            ok = check_top(c, arity, label_types(t));
    }
    ok = ok && realize_top(c, arity);
    if (ok && live(c)) {
        /* The table jumps to stubs that move the values and jump on; entries with nothing to move
           jump to the target directly. */
        ok = emit3(c, OP_br_table, idx.slot, n);
        uint32_t table = c->ncode;
        for (uint32_t i = 0; ok && i <= n; i++)
            ok = emit(c, 0);
        for (uint32_t i = 0; ok && i <= n; i++) {
            ctl *t = &c->ctl[c->nctl - 1 - labels[i]];
            uint32_t pos = table + i;
            if (t->op == 0) {
                patch_here(c, pos);
                if (arity > 1)
                    ok = settle_from(c, c->nvs - arity);
                ok = ok && emit_ret(c, arity ? c->vs[c->nvs - arity].slot : 0, top_slots(c, arity));
            } else if (t->op == RN_WASM_loop || !in_place(c, t, arity)) {
                patch_here(c, pos);
                ok = move_to_label(c, t, arity) && jump_to(c, t, OP_br, OP_br_poll, 0, false);
            } else {
                ok = add_fix(c, t, pos);
            }
        }
    }
    rn_free(labels);
    if (ok)
        set_unreachable(c);
    return ok;
}

static bool do_return(cc *c)
{
    return do_br(c, c->nctl - 1);
}

static bool do_end(cc *c)
{
    ctl *t = top(c);
    /* the results must be exactly the rest of the stack */
    if (!check_top(c, t->nresults, res(t)))
        return false;
    if (c->nvs - t->height > t->nresults)
        return INVALID("type mismatch: values remain on the stack at end of block");
    if (!t->unreachable && c->nvs - t->height < t->nresults)
        return INVALID("type mismatch");
    if (t->op == RN_WASM_if && !(t->nparams == t->nresults &&
                           (t->nparams == 0 || memcmp(t->params, res(t), t->nparams) == 0)))
        return INVALID("type mismatch: if without else must leave its params as results");
    if (t->op == 0) {
        if (live(c)) {
            uint32_t n = t->nresults;
            if (!realize_top(c, n) || (n > 1 && !settle_from(c, c->nvs - n)))
                return false;
            if (!emit_ret(c, n ? c->vs[c->nvs - n].slot : 0, top_slots(c, n)))
                return false;
        }
        c->nctl--;
        return true;
    }
    if (live(c) && !settle_from(c, t->height))
        return false;
    /* patch forward branches (and an if's false edge) to here */
    if (t->else_fix != NONE)
        patch_here(c, t->else_fix);
    for (uint32_t f = t->fix; f != NONE; f = c->fix[f].next)
        patch_here(c, c->fix[f].pos);
    uint32_t h = t->height, nres = t->nresults;
    const uint8_t *types = res(t); /* stays valid: nothing is pushed on the ctl stack below */
    c->nctl--;
    c->nvs = h;
    for (uint32_t i = 0; i < nres; i++)
        if (!push(c, types[i]))
            return false;
    return true;
}

static bool do_else(cc *c)
{
    ctl *t = top(c);
    if (t->op != RN_WASM_if)
        return INVALID("else without if");
    if (!check_top(c, t->nresults, res(t)))
        return false;
    if (c->nvs - t->height != t->nresults && !(t->unreachable && c->nvs - t->height < t->nresults))
        return INVALID("type mismatch");
    if (live(c)) {
        if (!settle_from(c, t->height))
            return false;
        uint32_t pos;
        if (!emit(c, OP_br))
            return false;
        pos = c->ncode;
        if (!emit(c, 0) || !add_fix(c, t, pos))
            return false;
    }
    if (t->else_fix != NONE) {
        patch_here(c, t->else_fix);
        t->else_fix = NONE;
    }
    t->op = RN_WASM_else;
    t->unreachable = false;
    c->nvs = t->height;
    for (uint32_t i = 0; i < t->nparams; i++)
        if (!push(c, t->params[i]))
            return false;
    return true;
}

/* ---------------------------------------------------------------- simple op shapes */

static bool unop(cc *c, uint32_t op, uint8_t tin, uint8_t tout, bool traps)
{
    vs a;
    if (!pop(c, tin, &a))
        return false;
    if (live(c)) {
        if (traps && !mark(c))
            return false;
        if (op == OP_i32_eqz)
            c->last_cmp = c->ncode;
        if (!emit3(c, op, home(c, c->nvs), a.slot))
            return false;
        c->last_dst = c->ncode - 2;
    }
    return push(c, tout);
}

static bool binop(cc *c, uint32_t op, uint8_t tin, uint8_t tout, bool traps)
{
    vs a, b;
    if (!pop_lazy(c, tin, &b) || !pop_lazy(c, tin, &a))
        return false;
    uint32_t imm;
    if (live(c) && rn_imm_variant[op] &&
        (rn_take_const(c, &b, &imm) || (rn_commutes[op] && rn_take_const(c, &a, &imm) && (a = b, true)))) {
        if (!realize(c, &a)) /* the other operand, if a constant too */
            return false;
        uint32_t pos = c->ncode;
        uint32_t first = rn_made_by_last(c, &a, 4) ? c->code[a.cpos] : 0;
        uint32_t fused = first ? rn_fused_imm(first, rn_imm_variant[op]) : 0;
        if (fused || (first == OP_i32_add && op == OP_i32_add)) {
            /* [first dst x k1] becomes [fused dst x k1 k2] (or [add3 dst x y k]) */
            c->code[a.cpos] = fused ? fused : OP_i32_add3_imm;
            c->code[a.cpos + 1] = home(c, c->nvs);
            c->last_dst = a.cpos + 1;
            return emit(c, imm) && push(c, tout);
        }
        if (op == OP_i32_add && rn_after_addimm(c)) { /* two increments in one dispatch */
            c->code[c->addimm] = OP_i32_add_imm2;
            if (!emit3(c, home(c, c->nvs), a.slot, imm))
                return false;
            c->last_dst = pos;
            return push(c, tout);
        }
        if (op == OP_i32_add)
            c->addimm = pos;
        if (op == OP_i32_and)
            c->lastand = pos;
        if (!emit4(c, rn_imm_variant[op], home(c, c->nvs), a.slot, imm))
            return false;
        c->last_dst = pos + 1;
        if (rn_branch_of[rn_imm_variant[op]])
            c->last_cmp = pos;
        if (!push(c, tout))
            return false;
        c->vs[c->nvs - 1].cpos = pos; /* may become the first of a fused pair */
        return true;
    }
    if (!realize(c, &b) || !realize(c, &a))
        return false;
    if (live(c) && op == OP_i32_add) { /* x * y + z in one op */
        bool in_a = rn_made_by_last(c, &a, 4) && c->code[a.cpos] == OP_i32_mul;
        if (in_a || (rn_made_by_last(c, &b, 4) && c->code[b.cpos] == OP_i32_mul)) {
            const vs *m = in_a ? &a : &b, *z = in_a ? &b : &a;
            c->code[m->cpos] = OP_i32_madd;
            c->code[m->cpos + 1] = home(c, c->nvs);
            c->last_dst = m->cpos + 1;
            return emit(c, z->slot) && push(c, tout);
        }
    }
    uint32_t pos = NONE;
    if (live(c)) {
        if (rn_branch_of[op])
            c->last_cmp = c->ncode;
        if (traps && !mark(c))
            return false;
        pos = c->ncode;
        if (!emit4(c, op, home(c, c->nvs), a.slot, b.slot))
            return false;
        c->last_dst = c->ncode - 3;
    }
    if (!push(c, tout))
        return false;
    c->vs[c->nvs - 1].cpos = pos; /* rn_take_add may fold it into a load or store */
    return true;
}

static bool memarg(cc *c, uint32_t natural, uint32_t *offset)
{
    uint32_t align;
    if (!rd_u32(c, &align) || !rd_u32(c, offset))
        return false;
    if (align >= 32) /* 2^32 and beyond cannot be an alignment: a decoding error (binary.wast, align.wast) */
        return MALFORMED("malformed memop flags");
    if (c->m->nmems == 0)
        return INVALID("unknown memory 0");
    if (align > natural)
        return INVALID("alignment must not be larger than natural");
    return true;
}

static bool load(cc *c, uint32_t op, uint8_t t, uint32_t natural)
{
    uint32_t off;
    vs a;
    uint32_t x, y;
    if (!memarg(c, natural, &off) || !pop_lazy(c, RN_I32, &a))
        return false;
    if (live(c) && rn_take_abs(c, &a, off, &x)) { /* a constant address: a static variable */
        if (!mark(c) || !emit3(c, op + (OP_i32_load_abs - OP_i32_load), home(c, c->nvs), x))
            return false;
        c->last_dst = c->ncode - 2;
        return push(c, t);
    }
    if (!realize(c, &a))
        return false;
    if (live(c)) {
        if (rn_chase_of[op] && rn_fuse_load_branch(c, &a, rn_chase_of[op], 0)) {
            /* a pointer loaded and followed at once; the second load traps at its own offset */
            if (!mark_at(c, c->ncode - 1) || !emit2(c, home(c, c->nvs), off))
                return false;
            c->last_dst = c->ncode - 2;
            c->lastload = NONE;
        } else if (rn_fuse_pre(c, &a, op, OP_i32_load, OP_i32_load_pre)) {
            if (!mark_at(c, c->addimm) || !emit2(c, home(c, c->nvs), off))
                return false;
            c->last_dst = c->ncode - 2;
        } else if (rn_take_add(c, &a, &x, &y)) {
            if (!mark(c) || !emit(c, op + (OP_i32_load_add - OP_i32_load)) || !emit4(c, home(c, c->nvs), x, y, off))
                return false;
            c->last_dst = c->ncode - 4;
        } else {
            if (op == OP_i32_load || op == OP_i32_load8_u)
                c->lastload = c->ncode;
            if (!mark(c) || !emit4(c, op, home(c, c->nvs), a.slot, off))
                return false;
            c->last_dst = c->ncode - 3;
        }
    }
    return push(c, t);
}

static bool store(cc *c, uint32_t op, uint8_t t, uint32_t natural)
{
    uint32_t off;
    vs a, v;
    uint32_t x, y;
    if (!memarg(c, natural, &off) || !pop(c, t, &v) || !pop_lazy(c, RN_I32, &a))
        return false;
    if (live(c) && rn_take_abs(c, &a, off, &x)) /* a constant address: a static variable */
        return mark(c) && emit3(c, op + (OP_i32_store_abs - OP_i32_store), x, v.slot);
    if (!realize(c, &a))
        return false;
    if (!live(c))
        return true;
    if (op == OP_i32_store && rn_fuse_increment(c, &a, &v, off))
        return true;
    if (op == OP_i32_store && rn_fuse_exchange(c, &a, &v, off))
        return true;
    if (rn_fuse_pre(c, &a, op, OP_i32_store, OP_i32_store_pre))
        return mark_at(c, c->addimm) && emit2(c, v.slot, off);
    if (rn_take_add(c, &a, &x, &y))
        return mark(c) && emit(c, op + (OP_i32_store_add - OP_i32_store)) && emit4(c, x, y, v.slot, off);
    return mark(c) && emit4(c, op, a.slot, v.slot, off);
}

/* Pop the given types (last on top) into out[], in order. */
static bool pop_n(cc *c, uint32_t n, const uint8_t *types, vs *out)
{
    for (uint32_t i = n; i-- > 0;)
        if (!pop(c, types[i], &out[i]))
            return false;
    return true;
}

static bool do_call(cc *c, const rn_functype *ft, uint32_t op, uint32_t a1, uint32_t a2, const vs *idx)
{
    uint32_t n = ft->nparams;
    if (!check_top(c, n, ft->params))
        return false;
    /* the arguments must be in their homes, adjacent */
    uint32_t avail = c->nvs - top(c)->height;
    uint32_t first = c->nvs - (n < avail ? n : avail);
    if (!settle_from(c, first))
        return false;
    uint32_t argbase = home(c, c->nvs >= n ? c->nvs - n : 0); /* nvs < n only in unreachable code */
    if (live(c)) {
        if (!mark(c))
            return false;
        if (op == OP_call) {
            if (!emit3(c, a1 >= c->m->nfunc_imports ? OP_call_local : OP_call, a1, argbase))
                return false;
        } else if (!emit(c, op) || !emit4(c, a1, a2, idx->slot, argbase)) {
            return false;
        }
    }
    vs tmp;
    for (uint32_t i = 0; i < n; i++)
        if (!pop(c, RN_UNKNOWN, &tmp))
            return false;
    for (uint32_t i = 0; i < ft->nresults; i++)
        if (!push(c, ft->results[i]))
            return false;
    return true;
}

static bool table_index(cc *c, uint32_t *t)
{
    if (!rd_u32(c, t))
        return false;
    if (*t >= c->m->ntables)
        return INVALID("unknown table");
    return true;
}

/* ---------------------------------------------------------------- the instruction loop */

/* block, loop and if: a new control frame; an if's test may fuse with the compare before it. */
static bool do_block(cc *c, uint32_t opc, uint32_t prev_cmp)
{
    blocktype bt;
    vs cond = {.cpos = NONE};
    if (!rd_blocktype(c, &bt))
        return false;
    if (opc == RN_WASM_if && !pop(c, RN_I32, &cond))
        return false;
    if (!check_top(c, bt.nparams, bt.params))
        return false;
    /* values below a block stay where they are for its whole extent: aliases are copied home (the
       local may change inside); a lazy constant below may stay lazy, as nothing inside the block
       can reach it and its consumer comes after the join. The params are made real: a loop's
       back-edges and an if's else arm find them in their homes. */
    uint32_t below = c->nvs - (c->nvs - top(c)->height < bt.nparams ? c->nvs - top(c)->height : bt.nparams);
    for (uint32_t i = 0; i < below; i++)
        if (!c->vs[i].lazy && !settle(c, i))
            return false;
    if (!settle_from(c, below))
        return false;
    /* params from unreachable code may be missing: fill them as unknown */
    ctl *t = top(c);
    if (c->nvs - t->height < bt.nparams) {
        uint32_t have = c->nvs - t->height;
        vs tmp;
        for (uint32_t i = 0; i < have; i++)
            pop(c, RN_UNKNOWN, &tmp);
        for (uint32_t i = 0; i < bt.nparams; i++)
            if (!push(c, bt.params[i]))
                return false;
    }
    if (!push_ctl(c, (uint8_t)opc, &bt))
        return false;
    if (opc == RN_WASM_if && live(c)) {
        uint32_t op, a, b;
        if (rn_take_cmp(c, prev_cmp, &cond, &op, &a, &b)) {
            uint32_t brop = rn_branch_of[rn_negation_of[op]];
            vs loaded = {.type = RN_I32, .slot = a, .cpos = NONE};
            if (op == OP_i32_eqz ? !rn_fuse_load_branch(c, &loaded, OP_br_if_i32_load, OP_br_if_i32_load8_u) &&
                                       !emit2(c, OP_br_if, a)
                                 : !rn_fuse_and_branch(c, brop, a, b) && !emit3(c, brop, a, b))
                return false;
        } else if (rn_fuse_load_branch(c, &cond, OP_br_unless_i32_load, OP_br_unless_i32_load8_u)) {
            /* the load stays, now also the `if`'s test */
        } else if (!emit2(c, OP_br_unless, cond.slot)) {
            return false;
        }
        top(c)->else_fix = c->ncode;
        if (!emit(c, 0))
            return false;
    }
    return true;
}

/* call_indirect: the type and table immediates, then the call through the table. */
static bool do_call_indirect(cc *c)
{
    uint32_t ti, tab;
    vs idx;
    if (!rd_u32(c, &ti) || !rd_u32(c, &tab))
        return false;
    if (tab >= c->m->ntables)
        return INVALID("unknown table");
    if (ti >= c->m->ntypes)
        return INVALID("unknown type");
    if (c->m->tables[tab].elem != RN_FUNCREF)
        return INVALID("type mismatch: call_indirect on a table of externref");
    if (!pop(c, RN_I32, &idx))
        return false;
    return do_call(c, &c->m->types[ti], OP_call_indirect, tab, ti, &idx);
}

/* select and typed select (a v128 select is simd_compile.c's). */
static bool do_select(cc *c, uint32_t opc)
{
    uint8_t t = RN_UNKNOWN;
    if (opc == RN_WASM_select_t) {
        uint32_t n;
        if (!rd_u32(c, &n))
            return false;
        if (n != 1)
            return INVALID("invalid result arity");
        if (!rd_u8(c, &t))
            return false;
        if (!valtype_ok(t))
            return MALFORMED("malformed value type");
    }
    vs cond, a, b;
    if (!pop(c, RN_I32, &cond) || !pop(c, t, &b) || !pop(c, t, &a))
        return false;
    if (opc == RN_WASM_select) {
        if ((a.type != RN_UNKNOWN && is_ref(a.type)) || (b.type != RN_UNKNOWN && is_ref(b.type)))
            return INVALID("type mismatch: select needs numeric or vector operands");
        if (a.type != RN_UNKNOWN && b.type != RN_UNKNOWN && a.type != b.type)
            return INVALID("type mismatch");
        t = a.type != RN_UNKNOWN ? a.type : b.type;
    }
    if (t == RN_V128)
        return rn_simd_select(c, &cond, &a, &b);
    if (live(c)) {
        if (!emit(c, OP_select) || !emit4(c, home(c, c->nvs), cond.slot, a.slot, b.slot))
            return false;
        c->last_dst = c->ncode - 4;
    }
    return push(c, t);
}

/* local.set and local.tee: a constant goes straight to the local, and the op that made the value
   writes the local itself when nothing else refers to its slot (prev_dst, the last op's destination). */
static bool do_local_set(cc *c, uint32_t opc, uint32_t prev_dst)
{
    uint32_t x;
    vs v;
    if (!rd_u32(c, &x))
        return false;
    if (x >= c->nlocals)
        return INVALID("unknown local");
    if (!pop_lazy(c, c->ltypes[x], &v))
        return false;
    if (!live(c))
        return opc == RN_WASM_local_tee ? push(c, c->ltypes[x]) : true;
    uint32_t ls = c->lslot[x];
    if (v.lazy) { /* the constant goes straight to the local */
        if (!settle_local(c, ls) || !emit_const_to(c, v.type, v.k, ls))
            return false;
        return opc == RN_WASM_local_tee ? push_at(c, c->ltypes[x], ls) : true;
    }
    if (v.slot == ls) /* local.get x; local.set x */
        return opc == RN_WASM_local_tee ? push_at(c, c->ltypes[x], ls) : true;
    bool aliased = false;
    for (uint32_t i = 0; i < c->nvs; i++)
        aliased |= c->vs[i].slot == ls;
    if (!aliased && prev_dst != NONE && v.slot == home(c, c->nvs) && c->code[prev_dst] == v.slot) {
        c->code[prev_dst] = ls; /* the producer writes the local directly */
    } else {
        if (!settle_local(c, ls) || !copy_value(c, ls, v.slot, c->ltypes[x]))
            return false;
    }
    return opc == RN_WASM_local_tee ? push_at(c, c->ltypes[x], ls) : true;
}

/* global.get (a v128 global is simd_compile.c's). */
static bool do_global_get(cc *c)
{
    uint32_t g;
    if (!rd_u32(c, &g))
        return false;
    if (g >= c->m->nglobals)
        return INVALID("unknown global");
    if (c->m->global_types[g].type == RN_V128)
        return rn_simd_global_get(c, g);
    if (live(c)) {
        if (!emit3(c, OP_global_get, home(c, c->nvs), g))
            return false;
        c->last_dst = c->ncode - 2;
    }
    return push(c, c->m->global_types[g].type);
}

/* global.set, of a mutable global only. */
static bool do_global_set(cc *c)
{
    uint32_t g;
    vs v;
    if (!rd_u32(c, &g))
        return false;
    if (g >= c->m->nglobals)
        return INVALID("unknown global");
    if (!c->m->global_types[g].mut)
        return INVALID("global is immutable");
    if (!pop(c, c->m->global_types[g].type, &v))
        return false;
    if (c->m->global_types[g].type == RN_V128)
        return rn_simd_global_set(c, g, &v);
    return !live(c) || emit3(c, OP_global_set, g, v.slot);
}

/* ref.null T: a null reference is the constant 0. */
static bool do_ref_null(cc *c)
{
    uint8_t t;
    if (!rd_u8(c, &t))
        return false;
    if (!is_ref(t))
        return MALFORMED("malformed reference type");
    if (live(c)) {
        if (!emit4(c, OP_const64, home(c, c->nvs), 0, 0))
            return false;
        c->last_dst = c->ncode - 3;
    }
    return push(c, t);
}

/* ref.func of a function the module declares (spec 3.4.10, C.refs). */
static bool do_ref_func(cc *c)
{
    uint32_t f;
    if (!rd_u32(c, &f))
        return false;
    if (f >= c->m->nfuncs)
        return INVALID("unknown function");
    if (!c->m->func_declared || !c->m->func_declared[f])
        return INVALID("undeclared function reference");
    if (live(c)) {
        if (!emit3(c, OP_ref_func, home(c, c->nvs), f))
            return false;
        c->last_dst = c->ncode - 2;
    }
    return push(c, RN_FUNCREF);
}

/* The bulk memory and table instructions (0xFC 8..17): immediates, checks, operands. */
static bool do_bulk(cc *c, uint32_t opc)
{
    static const uint8_t i32s[3] = {RN_I32, RN_I32, RN_I32};
    vs v[3];
    uint32_t a = 0, b = 0;
    switch (opc) {
    case RN_WASM_memory_init: /* memory.init seg 0 */
        if (!rd_u32(c, &a) || !rd_zero(c))
            return false;
        if (c->m->nmems == 0)
            return INVALID("unknown memory 0");
        if (!c->m->has_datacount)
            return MALFORMED("data count section required");
        if (a >= c->m->datacount)
            return INVALID("unknown data segment");
        if (!pop_n(c, 3, i32s, v))
            return false;
        return !live(c) || (mark(c) && emit(c, OP_memory_init) && emit4(c, a, v[0].slot, v[1].slot, v[2].slot));
    case RN_WASM_data_drop:
        if (!rd_u32(c, &a))
            return false;
        if (!c->m->has_datacount)
            return MALFORMED("data count section required");
        if (a >= c->m->datacount)
            return INVALID("unknown data segment");
        return !live(c) || emit2(c, OP_data_drop, a);
    case RN_WASM_memory_copy: /* memory.copy 0 0 */
        if (!rd_zero(c) || !rd_zero(c))
            return false;
        if (c->m->nmems == 0)
            return INVALID("unknown memory 0");
        if (!pop_n(c, 3, i32s, v))
            return false;
        return !live(c) || (mark(c) && emit4(c, OP_memory_copy, v[0].slot, v[1].slot, v[2].slot));
    case RN_WASM_memory_fill: /* memory.fill 0 */
        if (!rd_zero(c))
            return false;
        if (c->m->nmems == 0)
            return INVALID("unknown memory 0");
        if (!pop_n(c, 3, i32s, v))
            return false;
        return !live(c) || (mark(c) && emit4(c, OP_memory_fill, v[0].slot, v[1].slot, v[2].slot));
    case RN_WASM_table_init: /* table.init elem table */
        if (!rd_u32(c, &a) || !table_index(c, &b))
            return false;
        if (a >= c->m->nelems)
            return INVALID("unknown elem segment");
        if (c->m->elems[a].type != c->m->tables[b].elem)
            return INVALID("type mismatch: table.init");
        if (!pop_n(c, 3, i32s, v))
            return false;
        return !live(c) || (mark(c) && emit3(c, OP_table_init, b, a) && emit3(c, v[0].slot, v[1].slot, v[2].slot));
    case RN_WASM_elem_drop:
        if (!rd_u32(c, &a))
            return false;
        if (a >= c->m->nelems)
            return INVALID("unknown elem segment");
        return !live(c) || emit2(c, OP_elem_drop, a);
    case RN_WASM_table_copy: /* table.copy dst src */
        if (!table_index(c, &a) || !table_index(c, &b))
            return false;
        if (c->m->tables[a].elem != c->m->tables[b].elem)
            return INVALID("type mismatch: table.copy");
        if (!pop_n(c, 3, i32s, v))
            return false;
        return !live(c) || (mark(c) && emit3(c, OP_table_copy, a, b) && emit3(c, v[0].slot, v[1].slot, v[2].slot));
    case RN_WASM_table_grow: {
        vs init, n;
        if (!table_index(c, &a) || !pop(c, RN_I32, &n) || !pop(c, c->m->tables[a].elem, &init))
            return false;
        if (live(c)) {
            if (!emit(c, OP_table_grow) || !emit4(c, home(c, c->nvs), a, init.slot, n.slot))
                return false;
            c->last_dst = c->ncode - 4;
        }
        return push(c, RN_I32);
    }
    case RN_WASM_table_size:
        if (!table_index(c, &a))
            return false;
        if (live(c)) {
            if (!emit3(c, OP_table_size, home(c, c->nvs), a))
                return false;
            c->last_dst = c->ncode - 2;
        }
        return push(c, RN_I32);
    case RN_WASM_table_fill: {
        vs i, val, n;
        if (!table_index(c, &a) || !pop(c, RN_I32, &n) || !pop(c, c->m->tables[a].elem, &val) ||
            !pop(c, RN_I32, &i))
            return false;
        return !live(c) || (mark(c) && emit(c, OP_table_fill) && emit4(c, a, i.slot, val.slot, n.slot));
    }
    }
    return MALFORMED("illegal opcode");
}

/* One instruction: validated and compiled. The switch is the dispatch; an instruction whose handling
   takes more than a few lines has its own function above (control in do_block..do_else, variables,
   references, bulk memory), so this reads as the list of what each opcode does. prev_dst/prev_cmp are
   the previous op's destination and comparison, for the fusions that need them. */
static bool compile_insn(cc *c, uint32_t opc)
{
    uint32_t prev_dst = c->last_dst, prev_cmp = c->last_cmp;
    c->last_dst = NONE;
    c->last_cmp = NONE;
    switch (opc) {
    case RN_WASM_unreachable:
        if (live(c) && (!mark(c) || !emit(c, OP_unreachable)))
            return false;
        set_unreachable(c);
        return true;
    case RN_WASM_nop:
        return true;
    case RN_WASM_block:
    case RN_WASM_loop:
    case RN_WASM_if:
        return do_block(c, opc, prev_cmp);
    case RN_WASM_else:
        return do_else(c);
    case RN_WASM_end:
        return do_end(c);
    case RN_WASM_br: {
        uint32_t d;
        return rd_u32(c, &d) && do_br(c, d);
    }
    case RN_WASM_br_if: {
        uint32_t d;
        return rd_u32(c, &d) && do_br_if(c, d, prev_cmp);
    }
    case RN_WASM_br_table:
        return do_br_table(c);
    case RN_WASM_return:
        return do_return(c);
    case RN_WASM_call: {
        uint32_t f;
        if (!rd_u32(c, &f))
            return false;
        if (f >= c->m->nfuncs)
            return INVALID("unknown function");
        return do_call(c, &c->m->types[c->m->func_types[f]], OP_call, f, 0, NULL);
    }
    case RN_WASM_call_indirect:
        return do_call_indirect(c);
    case RN_WASM_drop: {
        vs v;
        return pop_lazy(c, RN_UNKNOWN, &v); /* a lazy constant dropped is never emitted */
    }
    case RN_WASM_select:
    case RN_WASM_select_t:
        return do_select(c, opc);
    case RN_WASM_local_get: {
        uint32_t x;
        if (!rd_u32(c, &x))
            return false;
        if (x >= c->nlocals)
            return INVALID("unknown local");
        return push_at(c, c->ltypes[x], c->lslot[x]);
    }
    case RN_WASM_local_set:
    case RN_WASM_local_tee:
        return do_local_set(c, opc, prev_dst);
    case RN_WASM_global_get:
        return do_global_get(c);
    case RN_WASM_global_set:
        return do_global_set(c);
    case RN_WASM_table_get: {
        uint32_t t;
        vs i;
        if (!table_index(c, &t) || !pop(c, RN_I32, &i))
            return false;
        if (live(c)) {
            if (!mark(c) || !emit4(c, OP_table_get, home(c, c->nvs), t, i.slot))
                return false;
            c->last_dst = c->ncode - 3;
        }
        return push(c, c->m->tables[t].elem);
    }
    case RN_WASM_table_set: {
        uint32_t t;
        vs i, v;
        if (!table_index(c, &t) || !pop(c, c->m->tables[t].elem, &v) || !pop(c, RN_I32, &i))
            return false;
        return !live(c) || (mark(c) && emit4(c, OP_table_set, t, i.slot, v.slot));
    }
#define LOAD_CASE(name, opcode, T, MT, AL)                                                                           \
    case opcode:                                                                                                     \
        return load(c, OP_##name, RN_VT_##T, AL);
        RN_LOADS(LOAD_CASE)
#undef LOAD_CASE
#define STORE_CASE(name, opcode, T, MT, AL)                                                                          \
    case opcode:                                                                                                     \
        return store(c, OP_##name, RN_VT_##T, AL);
        RN_STORES(STORE_CASE)
#undef STORE_CASE
    case RN_WASM_memory_size:
        if (!rd_zero(c))
            return false;
        if (c->m->nmems == 0)
            return INVALID("unknown memory");
        if (live(c)) {
            if (!emit2(c, OP_memory_size, home(c, c->nvs)))
                return false;
            c->last_dst = c->ncode - 1;
        }
        return push(c, RN_I32);
    case RN_WASM_memory_grow: {
        vs d;
        if (!rd_zero(c))
            return false;
        if (c->m->nmems == 0)
            return INVALID("unknown memory");
        if (!pop(c, RN_I32, &d))
            return false;
        if (live(c)) {
            if (!emit3(c, OP_memory_grow, home(c, c->nvs), d.slot))
                return false;
            c->last_dst = c->ncode - 2;
        }
        return push(c, RN_I32);
    }
    case RN_WASM_i32_const: {
        int32_t v;
        if (!rn_read_s32(&c->rd, &v))
            return MALFORMED("malformed i32.const");
        return push_const(c, RN_I32, (uint32_t)v);
    }
    case RN_WASM_i64_const: {
        int64_t v;
        if (!rn_read_s64(&c->rd, &v))
            return MALFORMED("malformed i64.const");
        return push_const(c, RN_I64, (uint64_t)v);
    }
    case RN_WASM_f32_const: {
        uint32_t v;
        if (!rn_read_fixed32(&c->rd, &v))
            return MALFORMED("unexpected end");
        return push_const(c, RN_F32, v);
    }
    case RN_WASM_f64_const: {
        uint64_t v;
        if (!rn_read_fixed64(&c->rd, &v))
            return MALFORMED("unexpected end");
        return push_const(c, RN_F64, v);
    }
#define UN_CASE(name, opcode, TO, TI)                                                                                \
    case opcode:                                                                                                     \
        return unop(c, OP_##name, RN_VT_##TI, RN_VT_##TO, false);
        RN_UNOPS(UN_CASE)
#undef UN_CASE
#define UNT_CASE(name, opcode, TO, TI)                                                                               \
    case opcode:                                                                                                     \
        return unop(c, OP_##name, RN_VT_##TI, RN_VT_##TO, true);
        RN_UNOPS_TRAP(UNT_CASE)
#undef UNT_CASE
#define BIN_CASE(name, opcode, TO, TI)                                                                               \
    case opcode:                                                                                                     \
        return binop(c, OP_##name, RN_VT_##TI, RN_VT_##TO, false);
        RN_BINOPS(BIN_CASE)
#undef BIN_CASE
#define BINT_CASE(name, opcode, TO, TI)                                                                              \
    case opcode:                                                                                                     \
        return binop(c, OP_##name, RN_VT_##TI, RN_VT_##TO, true);
        RN_BINOPS_TRAP(BINT_CASE)
#undef BINT_CASE
    case RN_WASM_ref_null:
        return do_ref_null(c);
    case RN_WASM_ref_is_null: {
        vs v;
        if (!pop(c, RN_UNKNOWN, &v))
            return false;
        if (v.type != RN_UNKNOWN && !is_ref(v.type))
            return INVALID("type mismatch: ref.is_null needs a reference");
        if (live(c)) {
            if (!emit3(c, OP_ref_is_null, home(c, c->nvs), v.slot))
                return false;
            c->last_dst = c->ncode - 2;
        }
        return push(c, RN_I32);
    }
    case RN_WASM_ref_func:
        return do_ref_func(c);
    }
    if (opc >= RN_WASM_memory_init && opc <= RN_WASM_table_fill)
        return do_bulk(c, opc);
    if ((opc >> 8) == RN_WASM_PREFIX_FD)
        return rn_simd_compile(c, opc & 0xFF);
    return MALFORMED("illegal opcode");
}

/* The operand stack and immediate readers, for simd_compile.c. */
bool rn_cc_pop(cc *c, uint8_t want, vs *out) { return pop(c, want, out); }
bool rn_cc_push(cc *c, uint8_t type) { return push(c, type); }
bool rn_cc_memarg(cc *c, uint32_t natural, uint32_t *offset) { return memarg(c, natural, offset); }
bool rn_cc_u8(cc *c, uint8_t *v) { return rd_u8(c, v); }

static bool read_opcode(cc *c, uint32_t *opc)
{
    uint8_t b;
    if (!rd_u8(c, &b))
        return false;
    if (b == RN_WASM_PREFIX_FC || b == RN_WASM_PREFIX_FD) {
        uint32_t sub;
        if (!rd_u32(c, &sub))
            return false;
        if (sub > 0xFF)
            return MALFORMED("illegal opcode");
        *opc = (uint32_t)b << 8 | sub;
        return true;
    }
    *opc = b;
    return true;
}

runnel_status rn_compile_func(rn_module *m, uint32_t fi, runnel_report *r)
{
    return rn_compile_func_fusing(m, fi, true, r);
}

runnel_status rn_compile_func_fusing(rn_module *m, uint32_t fi, bool fuse, runnel_report *r)
{
    return rn_compile_func_mapped(m, fi, fuse, NULL, r);
}

runnel_status rn_compile_func_mapped(rn_module *m, uint32_t fi, bool fuse, rn_srcmap *map, runnel_report *r)
{
    rn_func *f = &m->funcs[fi];
    const rn_functype *ft = &m->types[f->type_index];
    cc c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.nofuse = !fuse;
    c.r = r;
    c.rd = (rn_reader){f->body, f->body + f->body_len, f->body - f->body_offset}; /* base: the binary's start */
    c.at = f->body_offset;
    c.nlocals = ft->nparams + f->nlocals;
    c.last_dst = NONE;
    c.last_cmp = NONE;
    c.addimm = NONE;
    c.lastcopy = NONE;
    c.lastload = NONE;
    c.lastand = NONE;
    c.lastconst = NONE;
    c.ltypes = rn_malloc(c.nlocals ? c.nlocals : 1);
    c.lslot = rn_malloc((c.nlocals ? c.nlocals : 1) * sizeof *c.lslot);
    if (!c.ltypes || !c.lslot) {
        rn_free(c.ltypes);
        rn_free(c.lslot);
        return rn_fail(r, RUNNEL_NOMEM, c.at, "out of memory");
    }
    if (ft->nparams)
        memcpy(c.ltypes, ft->params, ft->nparams);
    if (f->nlocals)
        memcpy(c.ltypes + ft->nparams, f->local_types, f->nlocals);
    /* params first, then locals, each as wide as its type: the caller's arguments are laid out the same */
    for (uint32_t i = 0; i < c.nlocals; i++) {
        c.lslot[i] = c.base;
        c.base += rn_width(c.ltypes[i]);
    }

    blocktype fbt = {0, ft->nresults, NULL, ft->results, 0};
    if (!push_ctl(&c, 0, &fbt))
        goto out;
    while (c.nctl > 0) {
        uint32_t opc = 0;
        c.at = rn_reader_offset(&c.rd);
        if (rn_reader_eof(&c.rd)) {
            fail(&c, RUNNEL_MALFORMED, "unexpected end of section or function: END opcode expected");
            goto out;
        }
        if (map)
            rn_srcmap_add(map, (uint32_t)c.at, c.ncode);
        if (!read_opcode(&c, &opc) || !compile_insn(&c, opc))
            goto out;
    }
    if (!rn_reader_eof(&c.rd)) {
        c.at = rn_reader_offset(&c.rd);
        fail(&c, RUNNEL_MALFORMED, "section size mismatch: bytes after the function's final end");
        goto out;
    }
    rn_code *code = rn_calloc(1, sizeof *code);
    if (!code) {
        fail(&c, RUNNEL_NOMEM, "out of memory");
        goto out;
    }
    code->words = c.code;
    code->nwords = c.ncode;
    code->nparams = ft->pslots;
    code->nresults = ft->rslots;
    code->nlocals = c.base - ft->pslots;
    code->nslots = c.base + c.maxh + 1;
    code->pcmap = c.pcm;
    code->npcmap = c.npcm;
    c.code = NULL;
    c.pcm = NULL;
    f->code = code;
out:
    rn_free(c.ltypes);
    rn_free(c.lslot);
    rn_free(c.vs);
    rn_free(c.vhome);
    rn_free(c.ctl);
    rn_free(c.code);
    rn_free(c.pcm);
    rn_free(c.fix);
    return c.st;
}

void rn_code_free(rn_code *c)
{
    if (!c)
        return;
    rn_free(c->words);
    rn_free(c->pcmap);
    rn_free(c);
}

uint32_t rn_code_offset(const rn_code *c, uint32_t pc)
{
    uint32_t lo = 0, hi = c->npcmap, best = 0;
    bool found = false;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->pcmap[mid].pc <= pc) {
            best = mid;
            found = true;
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return found ? c->pcmap[best].offset : 0;
}

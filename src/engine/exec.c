/*
 * exec.c - the interpreter.
 *
 * One C function runs any depth of wasm calls: a call pushes an rn_frame on the store's frame stack
 * and jumps to the callee's code, a return pops it (spec 4.4.9 "Control Instructions" in a loop, not
 * in C recursion). So the whole state of a running call is (ip, fp, func, depth) plus the stacks,
 * which lets a call stop at a poll point and resume later, and makes stack exhaustion a trap.
 *
 * Dispatch is written once with Lua-style macros (vmloop/vmcase/vmbreak): computed goto on GCC and
 * Clang (one indirect jump per op, at the end of each handler, which predicts well), a switch
 * elsewhere. The handlers for numeric, load and store ops, and for their fused forms (compile.c), are
 * generated from insn.h. All of SIMD is one op, OP_simd, run out of line by simd_exec.c.
 *
 * Polls (fuel, interrupt, deadline) happen at function entry and loop back-edges, and cost a
 * decrement and a branch: `budget` counts down a chunk of fuel, and only when a chunk is used up does
 * the slow path look at the interrupt flag, the clock and the fuel left.
 *
 * Memory accesses check `addr + offset + size <= size_in_bytes` in 64-bit arithmetic, which cannot
 * overflow for 32-bit addresses and offsets (spec 4.4.7: the effective address is 33 bits).
 */
#include "numeric.h"
#include "native.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "runnel's interpreter assumes a little-endian host"
#endif

#define RN_FUEL_CHUNK 1024

const uint32_t rn_halt_code[1] = {OP_halt};

#if defined(__GNUC__) && !defined(RN_NO_COMPUTED_GOTO)
#define vmloop                                                                                                       \
    dispatch:                                                                                                        \
    vmdispatch();
#define vmdispatch() goto *labels[*ip]
#define vmcase(name) L_##name:
#define vmbreak(n)                                                                                                   \
    {                                                                                                                \
        ip += (n);                                                                                                   \
        vmdispatch();                                                                                                \
    }
#define vmnext() vmdispatch()
#define vmend
#else
#define vmloop                                                                                                       \
    dispatch:                                                                                                        \
    for (;;)                                                                                                         \
        switch ((enum rn_op) * ip) {
#define vmcase(name) case OP_##name:
#define vmbreak(n)                                                                                                   \
    {                                                                                                                \
        ip += (n);                                                                                                   \
        continue;                                                                                                    \
    }
#define vmnext() continue
#define vmend                                                                                                        \
    default:                                                                                                         \
        goto bad_op;                                                                                                 \
        }
#endif

#if defined(__GNUC__)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define UNLIKELY(x) (x)
#endif

/* Slot access by type token (insn.h). An i32 is kept zero-extended, an f32 as its bits. */
static inline float slot_f32(rn_slot v)
{
    uint32_t b = (uint32_t)v;
    float f;
    memcpy(&f, &b, 4);
    return f;
}
static inline double slot_f64(rn_slot v)
{
    double d;
    memcpy(&d, &v, 8);
    return d;
}
static inline rn_slot f32_slot(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
}
static inline rn_slot f64_slot(double d)
{
    rn_slot v;
    memcpy(&v, &d, 8);
    return v;
}
#define RD_i32(s) ((uint32_t)fp[s])
#define RD_i64(s) (fp[s])
#define RD_f32(s) slot_f32(fp[s])
#define RD_f64(s) slot_f64(fp[s])
#define WR_i32(s, v) (fp[s] = (uint32_t)(v))
#define WR_i64(s, v) (fp[s] = (uint64_t)(v))
#define WR_f32(s, v) (fp[s] = f32_slot(v))
#define WR_f64(s, v) (fp[s] = f64_slot(v))
/* Memory values: integers converted by C, floats as bits. */
#define MEMVAL_i32(MT, v) ((uint32_t)(MT)(v))
#define MEMVAL_i64(MT, v) ((uint64_t)(MT)(v))

/* ---------------------------------------------------------------- out-of-line helpers */

static int table_bounds(uint64_t i, uint64_t n, uint64_t size)
{
    return i + n > size ? RUNNEL_TRAP_TABLE_OOB : 0;
}

int rn_table_init(runnel_instance *inst, uint32_t t, uint32_t e, uint32_t d, uint32_t s, uint32_t n)
{
    runnel_table *tab = inst->tables[t];
    if (table_bounds(s, n, inst->elem_len[e]) || table_bounds(d, n, tab->size))
        return RUNNEL_TRAP_TABLE_OOB;
    if (n)
        memcpy(tab->elems + d, inst->elem_refs[e] + s, (size_t)n * sizeof(rn_slot));
    return 0;
}

int rn_table_copy(runnel_instance *inst, uint32_t dt, uint32_t st, uint32_t d, uint32_t s, uint32_t n)
{
    runnel_table *a = inst->tables[dt], *b = inst->tables[st];
    if (table_bounds(s, n, b->size) || table_bounds(d, n, a->size))
        return RUNNEL_TRAP_TABLE_OOB;
    if (n)
        memmove(a->elems + d, b->elems + s, (size_t)n * sizeof(rn_slot));
    return 0;
}

int rn_table_fill(runnel_table *t, uint32_t i, rn_slot v, uint32_t n)
{
    if (table_bounds(i, n, t->size))
        return RUNNEL_TRAP_TABLE_OOB;
    for (uint32_t k = 0; k < n; k++)
        t->elems[i + k] = v;
    return 0;
}

int rn_memory_init(runnel_instance *inst, uint32_t seg, uint32_t d, uint32_t s, uint32_t n)
{
    runnel_memory *m = inst->mems[0];
    uint32_t len = inst->data_len[seg];
    if ((uint64_t)s + n > len || (uint64_t)d + n > m->size)
        return RUNNEL_TRAP_MEMORY_OOB;
    if (n)
        memcpy(m->data + d, inst->module->mod.datas[seg].bytes + s, n);
    return 0;
}

/* Call a host function: copy the arguments out of the frame (so that the host may write results
   without care for aliasing) and the results back to the frame's base. */
runnel_status rn_call_host(runnel_store *s, runnel_func *f, rn_slot *base, runnel_instance *caller_inst,
                               runnel_caller *c)
{
    const rn_functype *t = f->type;
    runnel_slot small_in[8], small_out[8];
    runnel_slot *in = small_in, *out = small_out;
    if (t->pslots > 8 && !(in = rn_malloc(t->pslots * sizeof *in)))
        return RUNNEL_NOMEM;
    if (t->rslots > 8 && !(out = rn_calloc(t->rslots, sizeof *out))) {
        if (in != small_in)
            rn_free(in);
        return RUNNEL_NOMEM;
    }
    memcpy(in, base, t->pslots * sizeof *in);
    memset(out, 0, (t->rslots < 8 ? 8 : t->rslots) * sizeof *out);
    *c = (runnel_caller){s, caller_inst, RUNNEL_OK, 0, NULL, false};
    runnel_status st = f->host(c, in, out, f->user);
    if (st == RUNNEL_OK)
        memcpy(base, out, t->rslots * sizeof *out);
    if (in != small_in)
        rn_free(in);
    if (out != small_out)
        rn_free(out);
    return st;
}

const char *rn_func_name(const runnel_func *f)
{
    const rn_module *m = &f->inst->module->mod;
    if (m->func_names && m->func_names[f->index])
        return m->func_names[f->index];
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == RN_KIND_FUNC && m->exports[i].index == f->index)
            return m->exports[i].name;
    return NULL;
}

static void add_frame(runnel_report *r, const runnel_func *f, const uint32_t *ip)
{
    if (f && f->code)
        rn_report_frame(r, f->index, rn_func_name(f), rn_code_offset(f->code, (uint32_t)(ip - f->code->words)));
}

void rn_report_frame(runnel_report *r, uint32_t index, const char *name, uint32_t offset)
{
    if (r->nframes >= 64)
        return;
    runnel_frame *fr = realloc(r->frames, (r->nframes + 1) * sizeof *fr);
    if (!fr)
        return;
    r->frames = fr;
    fr[r->nframes++] = (runnel_frame){index, name, offset};
}

/* Fill the report for a trap at (func, ip) with the backtrace of the frames above the entry. */
static runnel_status trap_report(runnel_store *s, runnel_report *r, runnel_trap_kind k, const char *msg,
                                 runnel_func *f, const uint32_t *ip, uint32_t depth, runnel_status st)
{
    if (!r)
        return st;
    rn_fail(r, st, 0, "%s", msg ? msg : runnel_trap_message(k));
    r->trap = k;
    add_frame(r, f, ip);
    for (uint32_t d = depth; d-- > s->entry_depth;) {
        const rn_frame *fr = &s->frames[d];
        add_frame(r, fr->func, fr->ret_ip ? fr->ret_ip - 1 : NULL);
    }
    return st;
}

/* ---------------------------------------------------------------- the loop */

runnel_status rn_exec(runnel_store *s, runnel_report *r)
{
#if defined(__GNUC__) && !defined(RN_NO_COMPUTED_GOTO)
    /* designated initializers: each handler at its op's index, whatever order the lists are expanded in */
    static const void *const labels[OP__COUNT] = {
#define LBL(name, ...) [OP_##name] = &&L_##name,
#define LBL_IMM(name, ...) [OP_##name##_imm] = &&L_##name##_imm,
#define LBL_BR(name, ...) [OP_br_##name] = &&L_br_##name, [OP_br_##name##_imm] = &&L_br_##name##_imm,
#define LBL_ADD(name, ...) [OP_##name##_add] = &&L_##name##_add,
#define LBL_PRE(name, ...) [OP_##name##_pre] = &&L_##name##_pre,
#define LBL_ABS(name, ...) [OP_##name##_abs] = &&L_##name##_abs,
#define LBL_FUSED(name, ...) [OP_##name] = &&L_##name,
        RN_UNOPS(LBL) RN_BINOPS(LBL) RN_UNOPS_TRAP(LBL) RN_BINOPS_TRAP(LBL) RN_LOADS(LBL) RN_STORES(LBL)
            RN_CTRL_OPS(LBL) RN_BINOPS_IMM(LBL_IMM) RN_CMP_BRANCHES(LBL_BR) RN_LOADS(LBL_ADD) RN_STORES(LBL_ADD)
                RN_LOADS(LBL_PRE) RN_STORES(LBL_PRE) RN_FUSED_IMM(LBL_FUSED) RN_LOADS(LBL_ABS) RN_STORES(LBL_ABS)
#undef LBL_ABS
#undef LBL_FUSED
#undef LBL_PRE
#undef LBL_ADD
#undef LBL
#undef LBL_IMM
#undef LBL_BR
    };
#endif
    const uint32_t *ip = s->ip;
    rn_slot *fp = s->fp;
    runnel_func *fn = s->func;
    runnel_instance *inst = fn->inst;
    rn_frame *frame = s->frames + s->depth; /* the next free frame */
    const rn_frame *frames_end = s->frames + s->max_depth;
    const uintptr_t stack_end = (uintptr_t)(s->stack + s->stack_slots); /* compared as integers: no UB */
    runnel_memory *mem = inst->mem0;
    uint8_t *mb = mem->data;
    uint64_t msize = mem->size;
    const bool metered = s->fuel != UINT64_MAX;
    if (s->poll_pending) { /* the poll that suspended this call costs its unit now */
        s->poll_pending = false;
        if (metered) {
            if (s->fuel == 0) {
                s->poll_pending = true;
                if (r) {
                    rn_fail(r, RUNNEL_SUSPENDED, 0, "%s", runnel_trap_message(RUNNEL_TRAP_OUT_OF_FUEL));
                    r->trap = RUNNEL_TRAP_OUT_OF_FUEL;
                }
                s->suspended = true;
                return RUNNEL_SUSPENDED;
            }
            s->fuel--;
        }
    }
    int64_t granted = metered && s->fuel < RN_FUEL_CHUNK ? (int64_t)s->fuel : RN_FUEL_CHUNK;
    int64_t budget = granted;
    int64_t left; /* of the chunk, across a host call */
    runnel_trap_kind tk = RUNNEL_TRAP_NONE;
    const char *trap_text = NULL; /* a message other than the kind's own, for the report */
    runnel_caller caller;
    runnel_status st;
    runnel_func *callee;
    rn_slot *nfp;
    const uint32_t *ret_ip;

#define LOAD_MEM()                                                                                                   \
    do {                                                                                                             \
        mb = mem->data;                                                                                              \
        msize = mem->size;                                                                                           \
    } while (0)
#define TRAP(k)                                                                                                      \
    do {                                                                                                             \
        tk = (runnel_trap_kind)(k);                                                                                  \
        goto trap;                                                                                                   \
    } while (0)
#define POLL()                                                                                                       \
    do {                                                                                                             \
        if (UNLIKELY(--budget < 0))                                                                                  \
            goto poll_slow;                                                                                          \
    } while (0)
#define ACCOUNT_FUEL()                                                                                               \
    do {                                                                                                             \
        if (metered)                                                                                                 \
            s->fuel -= (uint64_t)(granted - (budget < 0 ? granted : budget));                                        \
        granted = budget = 0;                                                                                        \
    } while (0)
/* ea = the effective address (u32)base + off, 33 bits; trap unless [ea, ea + size) is in memory */
#define EA_AT(base, off, size)                                                                                       \
    uint64_t ea = (uint64_t)(uint32_t)(base) + (off);                                                                \
    if (UNLIKELY(ea + (size) > msize))                                                                               \
        TRAP(RUNNEL_TRAP_MEMORY_OOB);
#define EA(addr, off, size) EA_AT(fp[addr], off, size)
/* Jump by the offset in word k (relative to that word); a backward jump is a loop back-edge, and polls.
   A plain block, not do-while: vmnext() is `continue` in the switch form and must reach the loop. */
#define JUMP_POLLING(k)                                                                                              \
    {                                                                                                                \
        int32_t off_ = (int32_t)ip[k];                                                                               \
        ip += (k) + off_;                                                                                            \
        if (off_ <= 0)                                                                                               \
            POLL();                                                                                                  \
        vmnext();                                                                                                    \
    }
/* read a MT at ea into slot dst as a T; write slot src at ea as a MT */
#define LOAD_TO(dst, T, MT)                                                                                          \
    do {                                                                                                             \
        MT v_;                                                                                                       \
        memcpy(&v_, mb + ea, sizeof v_);                                                                             \
        fp[dst] = MEMVAL_##T(MT, v_);                                                                                \
    } while (0)
#define STORE_FROM(src, MT)                                                                                          \
    do {                                                                                                             \
        MT v_ = (MT)fp[src];                                                                                         \
        memcpy(mb + ea, &v_, sizeof v_);                                                                             \
    } while (0)

    vmloop

#define H_UN(name, opc, TO, TI)                                                                                      \
    vmcase(name)                                                                                                     \
    {                                                                                                                \
        WR_##TO(ip[1], rn_##name(RD_##TI(ip[2])));                                                                   \
        vmbreak(3);                                                                                                  \
    }
    RN_UNOPS(H_UN)
#undef H_UN
#define H_BIN(name, opc, TO, TI)                                                                                     \
    vmcase(name)                                                                                                     \
    {                                                                                                                \
        WR_##TO(ip[1], rn_##name(RD_##TI(ip[2]), RD_##TI(ip[3])));                                                   \
        vmbreak(4);                                                                                                  \
    }
    RN_BINOPS(H_BIN)
#undef H_BIN
#define H_UNT(name, opc, TO, TI)                                                                                     \
    vmcase(name)                                                                                                     \
    {                                                                                                                \
        RN_CT_##TO out;                                                                                              \
        int k = rn_##name(RD_##TI(ip[2]), &out);                                                                     \
        if (UNLIKELY(k))                                                                                             \
            TRAP(k);                                                                                                 \
        WR_##TO(ip[1], out);                                                                                         \
        vmbreak(3);                                                                                                  \
    }
    RN_UNOPS_TRAP(H_UNT)
#undef H_UNT
#define H_BINT(name, opc, TO, TI)                                                                                    \
    vmcase(name)                                                                                                     \
    {                                                                                                                \
        RN_CT_##TO out;                                                                                              \
        int k = rn_##name(RD_##TI(ip[2]), RD_##TI(ip[3]), &out);                                                     \
        if (UNLIKELY(k))                                                                                             \
            TRAP(k);                                                                                                 \
        WR_##TO(ip[1], out);                                                                                         \
        vmbreak(4);                                                                                                  \
    }
    RN_BINOPS_TRAP(H_BINT)
#undef H_BINT
#define H_BIN_IMM(name, TO, TI, COMM)                                                                                \
    vmcase(name##_imm)                                                                                               \
    {                                                                                                                \
        WR_##TO(ip[1], rn_##name(RD_##TI(ip[2]), (RN_CT_##TI)(int32_t)ip[3]));                                       \
        vmbreak(4);                                                                                                  \
    }
    RN_BINOPS_IMM(H_BIN_IMM)
#undef H_BIN_IMM
#define H_FUSED_IMM(name, FIRST, SECOND)                                                                             \
    vmcase(name)                                                                                                     \
    {                                                                                                                \
        WR_i32(ip[1], rn_##SECOND(rn_##FIRST(RD_i32(ip[2]), ip[3]), ip[4]));                                         \
        vmbreak(5);                                                                                                  \
    }
    RN_FUSED_IMM(H_FUSED_IMM)
#undef H_FUSED_IMM
    /* a loaded value tested at once (`while (p)` after `p = p->next`, `while (*s)`): both poll on a
       back-edge */
#define H_LOAD_BRANCH(name, MT, COND)                                                                                \
    vmcase(name)                                                                                                     \
    {                                                                                                                \
        EA(ip[2], ip[3], sizeof(MT));                                                                                \
        MT v;                                                                                                        \
        memcpy(&v, mb + ea, sizeof v);                                                                               \
        fp[ip[1]] = v;                                                                                               \
        if (COND) {                                                                                                  \
            JUMP_POLLING(4);                                                                                         \
        }                                                                                                            \
        vmbreak(5);                                                                                                  \
    }
    H_LOAD_BRANCH(br_if_i32_load, uint32_t, v != 0)
    H_LOAD_BRANCH(br_unless_i32_load, uint32_t, v == 0)
    H_LOAD_BRANCH(br_if_i32_load8_u, uint8_t, v != 0)
    H_LOAD_BRANCH(br_unless_i32_load8_u, uint8_t, v == 0)
#undef H_LOAD_BRANCH
    /* a pointer loaded and followed at once (p->q->x); a trap in the second load reports its own
       position, which the compiler put in the pcmap three words in */
#define H_CHASE(name, MT)                                                                                            \
    vmcase(name)                                                                                                     \
    {                                                                                                                \
        EA(ip[2], ip[3], 4);                                                                                         \
        uint32_t p;                                                                                                  \
        memcpy(&p, mb + ea, 4);                                                                                      \
        fp[ip[1]] = p;                                                                                               \
        uint64_t ea2 = (uint64_t)p + ip[5];                                                                          \
        if (UNLIKELY(ea2 + sizeof(MT) > msize)) {                                                                    \
            ip += 3;                                                                                                 \
            TRAP(RUNNEL_TRAP_MEMORY_OOB);                                                                            \
        }                                                                                                            \
        MT v;                                                                                                        \
        memcpy(&v, mb + ea2, sizeof v);                                                                              \
        fp[ip[4]] = MEMVAL_i32(MT, v);                                                                               \
        vmbreak(6);                                                                                                  \
    }
    H_CHASE(i32_load_load, uint32_t)
    H_CHASE(i32_load_load8_u, uint8_t)
    H_CHASE(i32_load_load8_s, int8_t)
    H_CHASE(i32_load_load16_u, uint16_t)
    H_CHASE(i32_load_load16_s, int16_t)
#undef H_CHASE
    vmcase(i32_load_store)
    {
        EA(ip[2], ip[3], 4);
        uint32_t v;
        memcpy(&v, mb + ea, 4);
        fp[ip[1]] = v;
        uint64_t ea2 = (uint64_t)(uint32_t)fp[ip[2]] + ip[5];
        if (UNLIKELY(ea2 + 4 > msize)) {
            ip += 3; /* the store's own position in the pcmap */
            TRAP(RUNNEL_TRAP_MEMORY_OOB);
        }
        v = (uint32_t)fp[ip[4]];
        memcpy(mb + ea2, &v, 4);
        vmbreak(6);
    }
    vmcase(br_if_i32_add_imm)
    {
        uint32_t v = (uint32_t)fp[ip[2]] + ip[3];
        fp[ip[1]] = v;
        if (v) {
            JUMP_POLLING(4);
        }
        vmbreak(5);
    }
    vmcase(i32_load_add_store)
    {
        EA(ip[2], ip[3], 4);
        uint32_t v;
        memcpy(&v, mb + ea, 4);
        fp[ip[1]] = v;
        v += ip[5];
        fp[ip[4]] = v;
        memcpy(mb + ea, &v, 4);
        vmbreak(6);
    }
    vmcase(i32_madd)
    {
        WR_i32(ip[1], RD_i32(ip[2]) * RD_i32(ip[3]) + RD_i32(ip[4]));
        vmbreak(5);
    }
    vmcase(i32_add3_imm)
    {
        WR_i32(ip[1], RD_i32(ip[2]) + RD_i32(ip[3]) + ip[4]);
        vmbreak(5);
    }
    /* compare and branch: a b off / a imm off; a backward jump is a loop back-edge and polls */
#define H_CMP_BR(name, OPR, T, NEG)                                                                                  \
    vmcase(br_##name)                                                                                                \
    {                                                                                                                \
        if ((T)(uint32_t)fp[ip[1]] OPR (T)(uint32_t)fp[ip[2]]) {                                                     \
            JUMP_POLLING(3);                                                                                         \
        }                                                                                                            \
        vmbreak(4);                                                                                                  \
    }                                                                                                                \
    vmcase(br_##name##_imm)                                                                                          \
    {                                                                                                                \
        if ((T)(uint32_t)fp[ip[1]] OPR (T)ip[2]) {                                                                   \
            JUMP_POLLING(3);                                                                                         \
        }                                                                                                            \
        vmbreak(4);                                                                                                  \
    }
    RN_CMP_BRANCHES(H_CMP_BR)
#undef H_CMP_BR
    /* a test under a mask, `(x & mask) == b`: the and's result is written too, as a local.tee may want it */
#define H_AND_BR(name, OPR, B)                                                                                       \
    vmcase(name)                                                                                                     \
    {                                                                                                                \
        uint32_t d = (uint32_t)fp[ip[2]] & ip[3];                                                                    \
        fp[ip[1]] = d;                                                                                               \
        if (d OPR (B)) {                                                                                             \
            JUMP_POLLING(5);                                                                                         \
        }                                                                                                            \
        vmbreak(6);                                                                                                  \
    }
    H_AND_BR(br_i32_and_eq, ==, (uint32_t)fp[ip[4]])
    H_AND_BR(br_i32_and_ne, !=, (uint32_t)fp[ip[4]])
    H_AND_BR(br_i32_and_eq_imm, ==, ip[4])
    H_AND_BR(br_i32_and_ne_imm, !=, ip[4])
#undef H_AND_BR

    /* loads: dst addr offset, and dst a b offset with the address a + b (i32 wrap-around) */
#define H_LOAD_INT(name, T, MT)                                                                                      \
    vmcase(name)                                                                                                     \
    {                                                                                                                \
        EA(ip[2], ip[3], sizeof(MT));                                                                                \
        LOAD_TO(ip[1], T, MT);                                                                                       \
        vmbreak(4);                                                                                                  \
    }                                                                                                                \
    vmcase(name##_add)                                                                                               \
    {                                                                                                                \
        EA_AT(fp[ip[2]] + fp[ip[3]], ip[4], sizeof(MT));                                                             \
        LOAD_TO(ip[1], T, MT);                                                                                       \
        vmbreak(5);                                                                                                  \
    }                                                                                                                \
    vmcase(name##_pre)                                                                                               \
    {                                                                                                                \
        uint32_t p = (uint32_t)fp[ip[2]] + ip[3];                                                                    \
        fp[ip[1]] = p;                                                                                               \
        EA_AT(p, ip[5], sizeof(MT));                                                                                 \
        LOAD_TO(ip[4], T, MT);                                                                                       \
        vmbreak(6);                                                                                                  \
    }                                                                                                                \
    vmcase(name##_abs)                                                                                               \
    {                                                                                                                \
        EA_AT(0, ip[2], sizeof(MT));                                                                                 \
        LOAD_TO(ip[1], T, MT);                                                                                       \
        vmbreak(3);                                                                                                  \
    }
    H_LOAD_INT(i32_load, i32, uint32_t)
    H_LOAD_INT(i64_load, i64, uint64_t)
    H_LOAD_INT(i32_load8_s, i32, int8_t)
    H_LOAD_INT(i32_load8_u, i32, uint8_t)
    H_LOAD_INT(i32_load16_s, i32, int16_t)
    H_LOAD_INT(i32_load16_u, i32, uint16_t)
    H_LOAD_INT(i64_load8_s, i64, int8_t)
    H_LOAD_INT(i64_load8_u, i64, uint8_t)
    H_LOAD_INT(i64_load16_s, i64, int16_t)
    H_LOAD_INT(i64_load16_u, i64, uint16_t)
    H_LOAD_INT(i64_load32_s, i64, int32_t)
    H_LOAD_INT(i64_load32_u, i64, uint32_t)
    H_LOAD_INT(f32_load, i32, uint32_t)
    H_LOAD_INT(f64_load, i64, uint64_t)
#undef H_LOAD_INT

    /* stores: addr value offset, and a b value offset with the address a + b */
#define H_STORE(name, MT)                                                                                            \
    vmcase(name)                                                                                                     \
    {                                                                                                                \
        EA(ip[1], ip[3], sizeof(MT));                                                                                \
        STORE_FROM(ip[2], MT);                                                                                       \
        vmbreak(4);                                                                                                  \
    }                                                                                                                \
    vmcase(name##_add)                                                                                               \
    {                                                                                                                \
        EA_AT(fp[ip[1]] + fp[ip[2]], ip[4], sizeof(MT));                                                             \
        STORE_FROM(ip[3], MT);                                                                                       \
        vmbreak(5);                                                                                                  \
    }                                                                                                                \
    vmcase(name##_pre)                                                                                               \
    {                                                                                                                \
        uint32_t p = (uint32_t)fp[ip[2]] + ip[3];                                                                    \
        fp[ip[1]] = p;                                                                                               \
        EA_AT(p, ip[5], sizeof(MT));                                                                                 \
        STORE_FROM(ip[4], MT);                                                                                       \
        vmbreak(6);                                                                                                  \
    }                                                                                                                \
    vmcase(name##_abs)                                                                                               \
    {                                                                                                                \
        EA_AT(0, ip[1], sizeof(MT));                                                                                 \
        STORE_FROM(ip[2], MT);                                                                                       \
        vmbreak(3);                                                                                                  \
    }
    H_STORE(i32_store, uint32_t)
    H_STORE(i64_store, uint64_t)
    H_STORE(f32_store, uint32_t)
    H_STORE(f64_store, uint64_t)
    H_STORE(i32_store8, uint8_t)
    H_STORE(i32_store16, uint16_t)
    H_STORE(i64_store8, uint8_t)
    H_STORE(i64_store16, uint16_t)
    H_STORE(i64_store32, uint32_t)
#undef H_STORE

    vmcase(unreachable) TRAP(RUNNEL_TRAP_UNREACHABLE);
    vmcase(halt) goto finished;
    vmcase(i32_add_imm2)
    {
        fp[ip[1]] = (uint32_t)fp[ip[2]] + ip[3];
        fp[ip[4]] = (uint32_t)fp[ip[5]] + ip[6];
        vmbreak(7);
    }
    vmcase(copy)
    {
        fp[ip[1]] = fp[ip[2]];
        vmbreak(3);
    }
    vmcase(copy2)
    {
        fp[ip[1]] = fp[ip[2]];
        fp[ip[3]] = fp[ip[4]];
        vmbreak(5);
    }
    vmcase(const32)
    {
        fp[ip[1]] = ip[2];
        vmbreak(3);
    }
    vmcase(const32_copy)
    {
        fp[ip[1]] = ip[2];
        fp[ip[3]] = fp[ip[4]];
        vmbreak(5);
    }
    vmcase(const64)
    {
        fp[ip[1]] = (uint64_t)ip[2] | (uint64_t)ip[3] << 32;
        vmbreak(4);
    }
    vmcase(br)
    {
        ip += 1 + (int32_t)ip[1];
        vmnext();
    }
    vmcase(br_poll)
    {
        ip += 1 + (int32_t)ip[1];
        POLL();
        vmnext();
    }
    vmcase(br_if)
    {
        if ((uint32_t)fp[ip[1]]) {
            ip += 2 + (int32_t)ip[2];
            vmnext();
        }
        vmbreak(3);
    }
    vmcase(br_if_poll)
    {
        if ((uint32_t)fp[ip[1]]) {
            ip += 2 + (int32_t)ip[2];
            POLL();
            vmnext();
        }
        vmbreak(3);
    }
    vmcase(br_if_copy)
    {
        if ((uint32_t)fp[ip[1]]) {
            fp[ip[3]] = fp[ip[4]];
            ip += 2 + (int32_t)ip[2];
            POLL();
            vmnext();
        }
        vmbreak(5);
    }
    vmcase(br_unless)
    {
        if (!(uint32_t)fp[ip[1]]) {
            JUMP_POLLING(2); /* a back-edge when a br_if of an i32.eqz jumps to a loop */
        }
        vmbreak(3);
    }
    vmcase(br_table)
    {
        uint32_t i = (uint32_t)fp[ip[1]], n = ip[2];
        const uint32_t *e = ip + 3 + (i < n ? i : n);
        ip = e + (int32_t)*e;
        vmnext();
    }
    vmcase(select)
    {
        fp[ip[1]] = (uint32_t)fp[ip[2]] ? fp[ip[3]] : fp[ip[4]];
        vmbreak(5);
    }
    vmcase(call)
    {
        callee = inst->funcs[ip[1]];
        nfp = fp + ip[2];
        ret_ip = ip + 3;
        goto do_call;
    }
    vmcase(call_local)
    {
        /* the common case made short: a function of this module, so wasm code and the same instance;
           block-local names keep the values in registers */
        runnel_func *f = inst->funcs[ip[1]];
        rn_slot *nf = fp + ip[2];
        const rn_code *code = f->code;
        if (UNLIKELY(frame >= frames_end) || UNLIKELY((uintptr_t)nf + code->nslots * sizeof *fp > stack_end))
            TRAP(RUNNEL_TRAP_STACK_EXHAUSTED);
        frame->ret_ip = ip + 3;
        frame->fp = fp;
        frame->func = fn;
        frame++;
        fp = nf;
        fn = f;
        for (uint32_t i = code->nparams, e = i + code->nlocals; i < e; i++)
            fp[i] = 0; /* a loop, not memset: few locals, and no call to spill registers around */
        ip = code->words;
        POLL();
        vmnext();
    }
    vmcase(call_indirect)
    {
        runnel_table *tab = inst->tables[ip[1]];
        uint32_t i = (uint32_t)fp[ip[3]];
        if (UNLIKELY(i >= tab->size)) {
            trap_text = "undefined element"; /* the spec's words for this case of TABLE_OOB */
            TRAP(RUNNEL_TRAP_TABLE_OOB);
        }
        callee = (runnel_func *)(uintptr_t)tab->elems[i];
        if (UNLIKELY(!callee))
            TRAP(RUNNEL_TRAP_NULL_FUNC);
        const rn_functype *want = &inst->module->mod.types[ip[2]];
        if (UNLIKELY(callee->type->key != want->key) ||
            UNLIKELY((want->key >> 63) && !rn_functype_equal(callee->type, want)))
            TRAP(RUNNEL_TRAP_SIG_MISMATCH);
        nfp = fp + ip[4];
        ret_ip = ip + 5;
        goto do_call;
    }
    vmcase(ret)
    {
        uint32_t src = ip[1], n = ip[2];
        for (uint32_t i = 0; i < n; i++)
            fp[i] = fp[src + i];
        goto do_return;
    }
    vmcase(ret1)
    {
        fp[0] = fp[ip[1]];
        goto do_return;
    }
    vmcase(global_get)
    {
        fp[ip[1]] = inst->globals[ip[2]]->value;
        vmbreak(3);
    }
    vmcase(global_set)
    {
        inst->globals[ip[1]]->value = fp[ip[2]];
        vmbreak(3);
    }
    vmcase(ref_func)
    {
        fp[ip[1]] = (uintptr_t)inst->funcs[ip[2]];
        vmbreak(3);
    }
    vmcase(ref_is_null)
    {
        fp[ip[1]] = fp[ip[2]] == 0;
        vmbreak(3);
    }
    vmcase(table_get)
    {
        runnel_table *tab = inst->tables[ip[2]];
        uint32_t i = (uint32_t)fp[ip[3]];
        if (UNLIKELY(i >= tab->size))
            TRAP(RUNNEL_TRAP_TABLE_OOB);
        fp[ip[1]] = tab->elems[i];
        vmbreak(4);
    }
    vmcase(table_set)
    {
        runnel_table *tab = inst->tables[ip[1]];
        uint32_t i = (uint32_t)fp[ip[2]];
        if (UNLIKELY(i >= tab->size))
            TRAP(RUNNEL_TRAP_TABLE_OOB);
        tab->elems[i] = fp[ip[3]];
        vmbreak(4);
    }
    vmcase(table_size)
    {
        fp[ip[1]] = inst->tables[ip[2]]->size;
        vmbreak(3);
    }
    vmcase(table_grow)
    {
        int64_t old = rn_table_grow(inst->tables[ip[2]], (uint32_t)fp[ip[4]], fp[ip[3]]);
        fp[ip[1]] = (uint32_t)old;
        vmbreak(5);
    }
    vmcase(table_fill)
    {
        int k = rn_table_fill(inst->tables[ip[1]], (uint32_t)fp[ip[2]], fp[ip[3]], (uint32_t)fp[ip[4]]);
        if (UNLIKELY(k))
            TRAP(k);
        vmbreak(5);
    }
    vmcase(table_copy)
    {
        int k = rn_table_copy(inst, ip[1], ip[2], (uint32_t)fp[ip[3]], (uint32_t)fp[ip[4]], (uint32_t)fp[ip[5]]);
        if (UNLIKELY(k))
            TRAP(k);
        vmbreak(6);
    }
    vmcase(table_init)
    {
        int k = rn_table_init(inst, ip[1], ip[2], (uint32_t)fp[ip[3]], (uint32_t)fp[ip[4]], (uint32_t)fp[ip[5]]);
        if (UNLIKELY(k))
            TRAP(k);
        vmbreak(6);
    }
    vmcase(elem_drop)
    {
        inst->elem_len[ip[1]] = 0;
        vmbreak(2);
    }
    vmcase(memory_size)
    {
        fp[ip[1]] = mem->pages;
        vmbreak(2);
    }
    vmcase(memory_grow)
    {
        int64_t old = rn_memory_grow(mem, (uint32_t)fp[ip[2]]);
        fp[ip[1]] = (uint32_t)old;
        LOAD_MEM();
        vmbreak(3);
    }
    vmcase(memory_fill)
    {
        uint32_t d = (uint32_t)fp[ip[1]], n = (uint32_t)fp[ip[3]];
        if (UNLIKELY((uint64_t)d + n > msize))
            TRAP(RUNNEL_TRAP_MEMORY_OOB);
        if (n)
            memset(mb + d, (int)(uint8_t)fp[ip[2]], n);
        vmbreak(4);
    }
    vmcase(memory_copy)
    {
        uint32_t d = (uint32_t)fp[ip[1]], sa = (uint32_t)fp[ip[2]], n = (uint32_t)fp[ip[3]];
        if (UNLIKELY((uint64_t)d + n > msize || (uint64_t)sa + n > msize))
            TRAP(RUNNEL_TRAP_MEMORY_OOB);
        if (n)
            memmove(mb + d, mb + sa, n);
        vmbreak(4);
    }
    vmcase(memory_init)
    {
        int k = rn_memory_init(inst, ip[1], (uint32_t)fp[ip[2]], (uint32_t)fp[ip[3]], (uint32_t)fp[ip[4]]);
        if (UNLIKELY(k))
            TRAP(k);
        vmbreak(5);
    }
    vmcase(data_drop)
    {
        inst->data_len[ip[1]] = 0;
        vmbreak(2);
    }
    vmcase(simd)
    {
        /* every SIMD instruction, out of line (simd_exec.c): ip[1] is the op's length in words */
        int k = rn_simd_exec(ip, fp, mb, msize, inst);
        if (UNLIKELY(k))
            TRAP(k);
        vmbreak(ip[1]);
    }
    vmend

do_return:
    --frame;
    ip = frame->ret_ip; /* rn_halt_code for the embedder's frame */
    fp = frame->fp;
    fn = frame->func;
    if (UNLIKELY(fn->inst != inst)) {
        inst = fn->inst;
        mem = inst->mem0;
    }
    LOAD_MEM(); /* the callee may have grown the memory */
    goto dispatch;

do_call:
    if (callee->code) {
        const rn_code *code = callee->code;
        if (UNLIKELY(frame >= frames_end) || UNLIKELY((uintptr_t)nfp + code->nslots * sizeof *fp > stack_end))
            TRAP(RUNNEL_TRAP_STACK_EXHAUSTED);
        frame->ret_ip = ret_ip;
        frame->fp = fp;
        frame->func = fn;
        frame++;
        fp = nfp;
        fn = callee;
        if (UNLIKELY(callee->inst != inst)) {
            inst = callee->inst;
            mem = inst->mem0;
            LOAD_MEM();
        }
        if (code->nlocals)
            memset(fp + code->nparams, 0, (size_t)code->nlocals * sizeof *fp);
        ip = code->words;
        POLL();
        goto dispatch;
    }
    /* a host function */
    s->depth = (uint32_t)(frame - s->frames);
    s->sp = (size_t)(nfp - s->stack) + callee->type->pslots + callee->type->rslots;
    if (UNLIKELY(s->sp > s->stack_slots))
        TRAP(RUNNEL_TRAP_STACK_EXHAUSTED);
    /* the host may call wasm on this store, which spends the store's fuel itself: settle this chunk
       first and take a new one after, or the two would both spend the same units */
    left = budget < 0 ? 0 : budget; /* what is left of this chunk continues after the call */
    ACCOUNT_FUEL();
    st = rn_call_host(s, callee, nfp, inst, &caller);
    if (UNLIKELY(st != RUNNEL_OK)) {
        if (st == RUNNEL_EXIT) {
            ACCOUNT_FUEL();
            s->depth = s->entry_depth - 1;
            if (r) {
                rn_fail(r, RUNNEL_EXIT, 0, "exit with code %d", caller.exit_code);
                r->exit_code = caller.exit_code;
            }
            rn_free(caller.message);
            return RUNNEL_EXIT;
        }
        ACCOUNT_FUEL();
        trap_report(s, r, st == RUNNEL_TRAP ? RUNNEL_TRAP_HOST : RUNNEL_TRAP_NONE,
                    caller.message ? caller.message : runnel_status_name(st), fn, ip,
                    (uint32_t)(frame - s->frames),
                    st == RUNNEL_TRAP ? RUNNEL_TRAP : st);
        rn_free(caller.message);
        s->depth = s->entry_depth - 1;
        return st;
    }
    LOAD_MEM();
    if (metered && (uint64_t)left > s->fuel)
        left = (int64_t)s->fuel;
    granted = budget = caller.stop ? 0 : left; /* stop: the next poll takes the slow path */
    ip = ret_ip;
    goto dispatch;

poll_slow:
    /* budget ran out: charge the chunk, then look at the interrupt, the deadline and the fuel */
    if (metered)
        s->fuel -= (uint64_t)granted;
    granted = budget = 0;
    if (atomic_exchange(&s->interrupt, 0)) {
        tk = RUNNEL_TRAP_INTERRUPTED;
        goto suspend;
    }
    if (s->deadline_ns && rn_now_ns() >= s->deadline_ns) {
        tk = RUNNEL_TRAP_INTERRUPTED;
        goto suspend;
    }
    if (metered && s->fuel == 0) {
        tk = RUNNEL_TRAP_OUT_OF_FUEL;
        goto suspend;
    }
    granted = metered && s->fuel < RN_FUEL_CHUNK ? (int64_t)s->fuel : RN_FUEL_CHUNK;
    budget = granted - 1;
    goto dispatch;

suspend:
    if (UNLIKELY(s->native != NULL) && rn_native_park(s, tk)) { /* called by compiled code: parked and resumed */
        granted = metered && s->fuel < RN_FUEL_CHUNK ? (int64_t)s->fuel : RN_FUEL_CHUNK;
        budget = granted;
        goto dispatch;
    }
    s->poll_pending = true;
    s->ip = ip;
    s->fp = fp;
    s->func = fn;
    s->depth = (uint32_t)(frame - s->frames);
    s->suspended = true;
    if (r) {
        rn_fail(r, RUNNEL_SUSPENDED, 0, "%s", runnel_trap_message(tk));
        r->trap = tk;
    }
    return RUNNEL_SUSPENDED;

finished:
    ACCOUNT_FUEL();
    s->depth = (uint32_t)(frame - s->frames);
    s->suspended = false;
    return RUNNEL_OK;

trap:
    ACCOUNT_FUEL();
    trap_report(s, r, tk, trap_text, fn, ip, (uint32_t)(frame - s->frames), RUNNEL_TRAP);
    s->depth = s->entry_depth - 1;
    s->suspended = false;
    return RUNNEL_TRAP;

#if !(defined(__GNUC__) && !defined(RN_NO_COMPUTED_GOTO))
bad_op:
    tk = RUNNEL_TRAP_UNREACHABLE;
    goto trap;
#endif
}

/*
 * compile_impl.h - what compile.c and fuse.c share (internal to the compiler).
 *
 * compile.c validates and compiles (spec 3.3); fuse.c holds the fusion rules that merge an op with the
 * one consuming its result (see compile.c's design comment). Both work on the compiler state below and
 * emit code through the small inline helpers here.
 */
#ifndef RN_COMPILE_IMPL_H
#define RN_COMPILE_IMPL_H

#include "code.h"
#include "reader.h"

#include <stdlib.h>
#include <string.h>

#define RN_UNKNOWN 0 /* the bottom type of a polymorphic stack */
#define RN_VT_i32 RN_I32
#define RN_VT_i64 RN_I64
#define RN_VT_f32 RN_F32
#define RN_VT_f64 RN_F64
#define NONE UINT32_MAX

typedef struct vs {
    uint8_t type;
    uint32_t slot;
    uint32_t cpos; /* code position of the const or binary op that made this value, else NONE */
    bool lazy;     /* a constant not written yet: its value is k, its slot the home it will be written to */
    uint64_t k;
} vs;

typedef struct ctl {
    uint8_t op; /* 0 function, or RN_WASM_block, _loop, _if, _else */
    bool unreachable, dead;
    uint32_t height; /* operand stack height below the block's params */
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint8_t single;    /* storage for a one-result block type */
    uint32_t loop_pc;  /* loop: where its branches go */
    uint32_t else_fix; /* if: the word of its br_unless offset */
    uint32_t fix;      /* head of the list of branch offsets to patch with the end (index into cc.fix) */
} ctl;

typedef struct fixup {
    uint32_t pos, next;
} fixup;

typedef struct cc {
    rn_module *m;
    rn_reader rd;
    runnel_report *r;
    runnel_status st;
    size_t at; /* byte offset of the current instruction */
    uint32_t base;    /* the first slot above the locals: params and locals take one slot each, a v128 two */
    uint32_t nlocals; /* params + locals */
    uint8_t *ltypes;
    uint32_t *lslot; /* local index -> its first slot */
    vs *vs;
    uint32_t nvs, capvs, maxh; /* maxh: the most slots the operand stack took */
    uint32_t *vhome;           /* per stack position, its home: its first slot (a v128 takes two) */
    uint32_t capvhome;
    ctl *ctl;
    uint32_t nctl, capctl;
    uint32_t *code;
    uint32_t ncode, capcode;
    rn_pcmap *pcm;
    uint32_t npcm, cappcm;
    fixup *fix;
    uint32_t nfix, capfix;
    uint32_t last_dst; /* code position of the dst word of the last op, if it wrote the top's home */
    uint32_t last_cmp; /* code position of the last op, if it was an i32 comparison */
    uint32_t label_pc; /* the last code position that became a branch target */
    uint32_t addimm;   /* code position of the last i32.add_imm emitted (check with last_op) */
    uint32_t lastcopy; /* code position of the last copy emitted (the same) */
    uint32_t lastload; /* code position of the last i32.load or i32.load8_u emitted (the same) */
    uint32_t lastand;  /* code position of the last i32.and_imm emitted (the same) */
    uint32_t lastconst; /* code position of the last const32 emitted (the same) */
    /* Tests only (rn_module_new_unfused, unfused.h): no fusion at all, plain ops only (local.get
       aliasing and the retargeting by local.set/tee stay: they merge no ops), so that a fuzzer can check
       that fused code computes exactly what plain code does. Every fusion rule needs last_op(), which
       this turns off (rn_fuse_loop_copy, the one rule that rewrites no tail, tests it itself). */
    bool nofuse;
} cc;

static inline bool grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    uint32_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = rn_realloc(*p, (size_t)n * elem);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

static inline bool fail(cc *c, runnel_status st, const char *msg)
{
    if (c->st == RUNNEL_OK)
        rn_fail(c->r, st, c->at, "%s", msg);
    c->st = st;
    return false;
}
#define INVALID(msg) fail(c, RUNNEL_INVALID, msg)
#define MALFORMED(msg) fail(c, RUNNEL_MALFORMED, msg)
#define NOMEM() fail(c, RUNNEL_NOMEM, "out of memory")

static ctl *top(cc *c) { return &c->ctl[c->nctl - 1]; }
static inline bool live(cc *c)
{
    ctl *t = top(c);
    return !t->dead && !t->unreachable;
}
/* Slots a value of type t takes: frames are 8-byte slots, so a v128 is two (low half first). */
static inline uint32_t rn_width(uint8_t t) { return t == RN_V128 ? 2 : 1; }
/* The home slot of operand stack position h: above the value below it (positions hold values of
   different widths, so this is no longer base + h once a v128 is on the stack). */
static inline uint32_t home(cc *c, uint32_t h)
{
    return h == 0 ? c->base : c->vhome[h - 1] + rn_width(c->vs[h - 1].type);
}

/* ---------------------------------------------------------------- emission */

static inline bool emit(cc *c, uint32_t w)
{
    if (!grow((void **)&c->code, &c->capcode, c->ncode + 1, sizeof *c->code))
        return NOMEM();
    c->code[c->ncode++] = w;
    return true;
}
static inline bool emit2(cc *c, uint32_t a, uint32_t b) { return emit(c, a) && emit(c, b); }
static inline bool emit3(cc *c, uint32_t a, uint32_t b, uint32_t d) { return emit2(c, a, b) && emit(c, d); }
static inline bool emit4(cc *c, uint32_t a, uint32_t b, uint32_t d, uint32_t e) { return emit3(c, a, b, d) && emit(c, e); }

/* Remember where the wasm instruction being compiled is, for traps at the op about to be emitted. */
static inline bool mark(cc *c)
{
    if (!grow((void **)&c->pcm, &c->cappcm, c->npcm + 1, sizeof *c->pcm))
        return NOMEM();
    c->pcm[c->npcm++] = (rn_pcmap){c->ncode, (uint32_t)c->at};
    return true;
}

/* The same for an op already emitted at pos (a fused op that may now trap): entries stay in order
   because pos is the last op. */
static inline bool mark_at(cc *c, uint32_t pos)
{
    if (c->npcm && c->pcm[c->npcm - 1].pc == pos) {
        c->pcm[c->npcm - 1].offset = (uint32_t)c->at;
        return true;
    }
    if (!grow((void **)&c->pcm, &c->cappcm, c->npcm + 1, sizeof *c->pcm))
        return NOMEM();
    c->pcm[c->npcm++] = (rn_pcmap){pos, (uint32_t)c->at};
    return true;
}

static inline bool add_fix(cc *c, ctl *t, uint32_t pos)
{
    if (!grow((void **)&c->fix, &c->capfix, c->nfix + 1, sizeof *c->fix))
        return NOMEM();
    c->fix[c->nfix] = (fixup){pos, t->fix};
    t->fix = c->nfix++;
    return true;
}

static inline void patch_here(cc *c, uint32_t pos)
{
    c->code[pos] = c->ncode - pos;
    c->label_pc = c->ncode;
}

/* Is the op at pos (of len words) the last one emitted, with no branch target after it? Then it may
   be taken back and merged into the next op. Never with fusion off (cc.nofuse): every merge, in fuse.c,
   compile.c and emit_copy below, starts with this test. */
static inline bool last_op(cc *c, uint32_t pos, uint32_t len)
{
    return !c->nofuse && pos != NONE && c->ncode == pos + len && c->label_pc <= pos;
}

/* A 64-bit move; two in a row become one copy2 (register shuffles such as `h = g; g = f;`), and a
   constant then a move one const32_copy (`state = 4; p = q;`). */
static inline bool emit_copy(cc *c, uint32_t dst, uint32_t src)
{
    if (last_op(c, c->lastcopy, 3) && c->code[c->lastcopy] == OP_copy) {
        c->code[c->lastcopy] = OP_copy2;
        c->lastcopy = NONE;
        return emit2(c, dst, src);
    }
    if (last_op(c, c->lastconst, 3) && c->code[c->lastconst] == OP_const32) {
        c->code[c->lastconst] = OP_const32_copy;
        c->lastconst = NONE;
        return emit2(c, dst, src);
    }
    c->lastcopy = c->ncode;
    return emit3(c, OP_copy, dst, src);
}

/* fuse.c: the fusion tables (0 = none; op 0 is never a variant) and rules */
extern const uint16_t rn_imm_variant[OP__COUNT];
extern const uint8_t rn_commutes[OP__COUNT];
extern const uint16_t rn_branch_of[OP__COUNT];
extern const uint16_t rn_negation_of[OP__COUNT];
uint32_t rn_fused_imm(uint32_t first, uint32_t second);
bool rn_made_by_last(cc *c, const vs *v, uint32_t len);
bool rn_take_const(cc *c, const vs *v, uint32_t *imm);
bool rn_take_add(cc *c, const vs *v, uint32_t *x, uint32_t *y);
bool rn_take_abs(cc *c, const vs *a, uint32_t off, uint32_t *ea);
bool rn_take_cmp(cc *c, uint32_t cmp, const vs *cond, uint32_t *op, uint32_t *a, uint32_t *b);
bool rn_after_addimm(cc *c);
bool rn_fuse_pre(cc *c, const vs *a, uint32_t op, uint32_t first_op, uint32_t first_pre);
bool rn_fuse_load_branch(cc *c, const vs *cond, uint32_t op32, uint32_t op8);
bool rn_fuse_and_branch(cc *c, uint32_t brop, uint32_t a, uint32_t b);
bool rn_fuse_loop_copy(cc *c, const ctl *t, uint32_t cond);
bool rn_fuse_increment(cc *c, const vs *addr, const vs *v, uint32_t off);
bool rn_fuse_exchange(cc *c, const vs *addr, const vs *v, uint32_t off);
extern const uint16_t rn_chase_of[OP__COUNT];

/* compile.c: the operand stack and immediates, for simd_compile.c */
bool rn_cc_pop(cc *c, uint8_t want, vs *out);
bool rn_cc_push(cc *c, uint8_t type);
bool rn_cc_memarg(cc *c, uint32_t natural, uint32_t *offset);
bool rn_cc_u8(cc *c, uint8_t *v);
/* simd_compile.c: validate and compile the 0xFD-prefixed instruction with sub-opcode sub (spec 3.3.3,
   5.4.8), and the v128 forms of select and global.get/set, which need two-slot moves */
bool rn_simd_compile(cc *c, uint32_t sub);
bool rn_simd_select(cc *c, const vs *cond, const vs *a, const vs *b);
bool rn_simd_global_get(cc *c, uint32_t g);
bool rn_simd_global_set(cc *c, uint32_t g, const vs *v);

#endif

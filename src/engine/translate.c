/*
 * translate.c - WebAssembly to C, for the compiling tier (docs/compiling.md).
 *
 * Why C: the system C compiler is a mature optimiser that is already installed wherever people build
 * software, on every architecture they use, and its input can be read and checked by anyone (the
 * approach of wabt's wasm2c, which Firefox ships to sandbox libraries). docs/compiling.md has the
 * measurements against libgccjit and LLVM.
 *
 * The translation runs after validation (compile.c), so it trusts the code's typing and only tracks
 * the types of the operand stack (for select and the names of values). Each stack position p of type
 * T is a C variable (si3: the i32 at depth 3), each wasm local a C variable, so the C compiler's
 * register allocation sees plain scalars (spec 4.4: the stack machine needs no memory). Control flow
 * becomes labels and gotos: a branch copies the values its label carries to the label's positions
 * and jumps (spec 4.4.8: br unwinds the operand stack to the label's height), a branch to a loop polls
 * first, as the interpreter's backward jumps do. Code after br, br_table, return or unreachable is
 * skipped up to the end of its block (spec 3.3.8: it is stack-polymorphic and never runs).
 *
 * Semantics come from the same places as the interpreter's: numeric.h for every numeric instruction
 * (so both tiers agree by construction), rn_simd_exec for SIMD (called out of line with the
 * interpreter's op layout, simd_insn.h), and the runtime's helpers (native_abi.h) for whatever
 * allocates or copies. Memory accesses compare the effective address with the memory's size, kept in a
 * local that is reloaded after anything that may grow the memory (calls, memory.grow, the slow poll).
 *
 * Fuel is spent at every loop back edge, as in the interpreter: a decrement of the store's budget and a
 * branch to the slow poll when it runs out. The decrement costs nearly nothing, but the branch, in the
 * tightest loops, does (bench sort: 10 %, measured by removing it). So a small loop of straight code
 * that ends in its only back edge is unrolled: while the budget holds at least TX_UNROLL units, copies of
 * the body run one after the other, each spending its unit with a plain decrement and leaving the loop
 * at its own exit; below that, the loop itself runs, polling as always (unroll_loop). Fuel stays exact
 * at every instruction, traps and faults included, since each unit is spent where the interpreter
 * spends it; the copies only skip a test that cannot fire. (V8 unrolls such loops too, with one
 * interrupt check per round.)
 *
 * The output is one or more translation units (large modules are split so that several compilers can
 * run at once), each beginning with the same head: runnel's headers as text (native_preamble.c, made
 * by the build from native_abi.h, insn.h and numeric.h), the macros below, and prototypes.
 */
#include "insn_read.h"
#include "native.h"
#include "simd_insn.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Unrolling (unroll_loop): copies of a loop's body, and the most instructions a loop may hold to be
   unrolled (bigger bodies gain little and cost compile time and code size). Measured on bench sort with
   copies 2, 3, 4, 6: all within 1 % of each other, so the smallest. */
#define TX_UNROLL 2
#define TX_UNROLL_MAX_INSNS 32

/* First in every unit, before any function: floating point as WebAssembly has it. A signalling NaN must
   come out of arithmetic quiet (spec 4.3.3), so neither compiler may fold x * 1.0 or x - 0.0 to x: GCC
   assumes no signalling NaNs unless told, Clang folds unless exceptions may trap. */
static const char fp_rules[] = "#if defined(__clang__)\n#pragma clang fp exceptions(maytrap)\n"
                               "#elif defined(__GNUC__)\n#pragma GCC optimize(\"signaling-nans\")\n#endif\n";

/* The macros compiled code is written in. M and MS are memory 0's base and size, cached per function. */
static const char macros[] =
    "#define UNLIKELY(x) __builtin_expect(!!(x), 0)\n"
    /* A trap names the function it happens in unless the function has entered itself in the trace. */
    "#define TRAP(k) (c->rt->trap(c, (k), entered_ ? RNX_NO_FUNC : fn_), __builtin_unreachable())\n"
    "#define RELOAD() (M = c->mem->data, MS = c->mem->size)\n"
    "#define POLL() do { if (UNLIKELY(--S->budget < 0)) { c->rt->poll(c, entered_ ? RNX_NO_FUNC : fn_); RELOAD(); } "
    "} while (0)\n"
    /* Entering the trace (for backtraces and the depth limit) and checking the stack is done on the
       paths that call, once (ENSURE): a path that calls nothing (fib's base case) pays nothing. The
       stack is checked at every RNX_STACK_EVERY-th depth unless the frame is large (native_abi.h). */
    "#define ENTER() do { uint32_t d_ = S->depth; char here_; if (UNLIKELY((frame_ > RNX_STACK_SKIP_FRAME || "
    "d_ % RNX_STACK_EVERY == 0) && (uintptr_t)&here_ < (uintptr_t)S->stack_limit + frame_)) "
    "TRAP(RUNNEL_TRAP_STACK_EXHAUSTED); S->trace[d_].inst = c; S->trace[d_].func = fn_; S->depth = d_ + 1; "
    "entered_ = 1; } while (0)\n"
    "#define ENSURE() do { if (!entered_) ENTER(); } while (0)\n"
    /* ...but the depth limit is checked on entry, as if entered: the same limit as the interpreter's
       (so ENTER, which comes after it with no call between, need not) */
    "#define DEPTH() do { if (UNLIKELY(S->depth >= S->max_depth)) TRAP(RUNNEL_TRAP_STACK_EXHAUSTED); } while (0)\n"
    "#define LEAVE() do { if (entered_) S->depth--; } while (0)\n"
    "#define LOAD(dst, CT, MT, addr, off) do { EA(addr, off, sizeof(MT)); MT v_; memcpy(&v_, M + ea_, sizeof(MT)); "
    "KEEP(v_); dst = (CT)v_; } while (0)\n"
    "#define STORE(MT, addr, off, val) do { EA(addr, off, sizeof(MT)); MT v_ = (MT)(val); "
    "memcpy(M + ea_, &v_, sizeof(MT)); } while (0)\n"
    "#define TRAPPING(call) do { int k_ = (call); if (UNLIKELY(k_)) TRAP(k_); } while (0)\n"
    "#define GLOBAL(g) G##g\n"
    "#define TO_i(x) ((uint64_t)(x))\n"
    "#define TO_j(x) ((uint64_t)(x))\n"
    "#define TO_f(x) ((uint64_t)rn_f32_bits(x))\n"
    "#define TO_d(x) rn_f64_bits(x)\n"
    "#define TO_r(x) ((uint64_t)(x))\n"
    "#define FROM_i(s) ((uint32_t)(s))\n"
    "#define FROM_j(s) ((uint64_t)(s))\n"
    "#define FROM_f(s) rn_f32_from_bits((uint32_t)(s))\n"
    "#define FROM_d(s) rn_f64_from_bits(s)\n"
    "#define FROM_r(s) ((uint64_t)(s))\n"
    "#define FUNCREF(f) ((uint64_t)(uintptr_t)(f))\n"
    "#define RNX_HIDDEN __attribute__((visibility(\"hidden\")))\n"
    /* A NaN constant is hidden from the optimiser, which would turn x + (-NaN) into x - NaN and so
       change the sign of the NaN that comes out (the interpreter adds the constant as it is). */
    "static inline float rnx_nan_f32(uint32_t b) { __asm__(\"\" : \"+r\"(b)); return rn_f32_from_bits(b); }\n"
    "static inline double rnx_nan_f64(uint64_t b) { __asm__(\"\" : \"+r\"(b)); return rn_f64_from_bits(b); }\n";

/* The effective address of an access of n bytes (spec 4.4.7), checked against the memory's size... */
static const char ea_checked[] = "#define EA(addr, off, n) uint64_t ea_ = (uint64_t)(addr) + (off); "
                                 "if (UNLIKELY(ea_ + (n) > MS)) TRAP(RUNNEL_TRAP_MEMORY_OOB)\n"
                                 "#define KEEP(v) ((void)0)\n";
/* ...or not, when guard pages bound it (guard.c): then a function that accesses memory enters the
   trace first thing, so that the fault handler finds it on top (native.c, rn_native_fault). A load must
   fault even when its value is never used, which the C compiler would otherwise drop: KEEP hands the
   value to an empty asm, so the load happens but can still be optimised like any other. */
static const char ea_guarded[] =
    "#define EA(addr, off, n) uint64_t ea_ = (uint64_t)(addr) + (off)\n"
    "#if defined(__x86_64__)\n#define RNX_FREG \"x\"\n#else\n#define RNX_FREG \"w\"\n#endif\n"
    "static inline void rnx_keep_i(uint64_t v) { __asm__ volatile(\"\" : : \"r\"(v)); }\n"
    "static inline void rnx_keep_f(float v) { __asm__ volatile(\"\" : : RNX_FREG(v)); }\n"
    "static inline void rnx_keep_d(double v) { __asm__ volatile(\"\" : : RNX_FREG(v)); }\n"
    "#define KEEP(v) _Generic((v), float: rnx_keep_f, double: rnx_keep_d, default: rnx_keep_i)(v)\n";

/* ---------------------------------------------------------------- text buffers */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    bool oom;
} sbuf;

/* Room for n more bytes and a NUL; false (and b->oom) when there is none. */
static bool reserve(sbuf *b, size_t n)
{
    if (b->oom)
        return false;
    if (b->cap - b->n > n)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->n <= n)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s)
        return !(b->oom = true);
    b->s = s;
    b->cap = cap;
    return true;
}

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0 || !reserve(b, (size_t)k)) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

static void put_bytes(sbuf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

/* ---------------------------------------------------------------- value types in C */

/* The letter of a value type in variable names, and its C type. */
static char letter(uint8_t t)
{
    switch (t) {
    case RN_I32: return 'i';
    case RN_I64: return 'j';
    case RN_F32: return 'f';
    case RN_F64: return 'd';
    case RN_V128: return 'v';
    default: return 'r'; /* funcref, externref */
    }
}

static const char *ctype(uint8_t t)
{
    switch (t) {
    case RN_I32: return "uint32_t";
    case RN_F32: return "float";
    case RN_F64: return "double";
    case RN_V128: return "rnx_v128";
    default: return "uint64_t";
    }
}

enum { NLETTERS = 6 };
static int letter_index(char l)
{
    static const char order[NLETTERS + 1] = "ijfdvr";
    return (int)(strchr(order, l) - order);
}

/* ---------------------------------------------------------------- one function */

enum { K_FUNC, K_BLOCK, K_LOOP, K_IF };

typedef struct ctrl {
    int kind;
    uint32_t label;
    uint32_t height; /* the stack height below the block's parameters */
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint8_t single;    /* the one result type of a short blocktype */
    bool targeted;     /* a branch goes to the end label */
    bool has_else;
    bool else_live;    /* an if reached live: its else (or its end, without else) is reachable */
    bool entered;      /* every path to the current point has entered the trace (ENSURE) */
    bool entered_then; /* ...as it was where the block began: an if's else starts from there */
    bool unrolled;     /* a loop with copies before it (unroll_loop): its back edge is followed by X<label> */
    uint32_t loop;     /* a loop's number in the function (live loops, in order) */
} ctrl;

/* What the first pass learns of each loop, for the second. */
typedef struct loop_info {
    bool calls;      /* an ENSURE inside: the second pass enters the trace once, before the loop */
    bool unroll;     /* straight code ending in its one back edge: the second pass unrolls it */
    bool tail_back;  /* the last instruction so far was the back edge (br_if 0) */
    uint32_t ninsns; /* instructions so far */
    uint32_t back_edges;
} loop_info;

typedef struct fx {
    const rn_module *m;
    sbuf *b;
    uint32_t idx; /* the function's index */
    rn_reader rd;
    uint8_t *ts; /* the types on the stack */
    uint32_t nts, capts;
    ctrl *cs;
    uint32_t ncs, capcs;
    uint32_t nlabels;
    bool dead;
    uint32_t dead_depth;
    uint32_t maxpos[NLETTERS]; /* positions used per letter, for the declarations */
    uint32_t *globals;         /* the globals the function uses: their objects are loaded once, at entry */
    uint32_t nglobals, capglobals;
    /* Loops that call: the first pass notes each loop with an ENSURE inside, the second enters the trace
       once before such a loop, so its body knows it has entered and tests no flag at each call (a test
       that also keeps the C compiler from simplifying the loop: fib runs 20 % faster without). Loops
       to unroll: see unroll_loop. */
    loop_info *loops;
    uint32_t nloops, caploops;
    bool first_pass;
    bool unrolling;  /* emitting a copy of a loop's body (unroll_loop)... */
    bool copy_done;  /* ...which has reached its back edge */
    bool unreadable; /* an instruction could not be read */
    bool accesses;   /* the function loads or stores (the first pass notes it) */
    bool enter_now;  /* the second pass: the function enters the trace at once */
    bool oom;
} fx;

/* The variable of stack position p when it holds type t. */
#define SV "s%c%" PRIu32
#define SVA(t, p) letter(t), (uint32_t)(p)

static bool push(fx *f, uint8_t t)
{
    if (f->nts == f->capts) {
        uint32_t cap = f->capts ? f->capts * 2 : 64;
        uint8_t *ts = realloc(f->ts, cap);
        if (!ts)
            return f->oom = true, false;
        f->ts = ts;
        f->capts = cap;
    }
    int li = letter_index(letter(t));
    if (f->maxpos[li] < f->nts + 1)
        f->maxpos[li] = f->nts + 1;
    f->ts[f->nts++] = t;
    return true;
}

static uint32_t top(fx *f) { return f->nts - 1; }

static void blocktype(fx *f, int64_t bt, ctrl *c)
{
    c->nparams = c->nresults = 0;
    c->params = c->results = NULL;
    if (bt >= 0) {
        const rn_functype *t = &f->m->types[bt];
        c->nparams = t->nparams;
        c->params = t->params;
        c->nresults = t->nresults;
        c->results = t->results;
    } else if (bt != -64) {
        c->single = (uint8_t)(bt & 0x7F); /* results stays NULL: ctrl entries move when the stack grows */
        c->nresults = 1;
    }
}

static bool push_ctrl(fx *f, ctrl c)
{
    if (f->ncs == f->capcs) {
        uint32_t cap = f->capcs ? f->capcs * 2 : 16;
        ctrl *cs = realloc(f->cs, cap * sizeof *cs);
        if (!cs)
            return f->oom = true, false;
        f->cs = cs;
        f->capcs = cap;
    }
    f->cs[f->ncs++] = c;
    return true;
}

/* `ENSURE(); ` where some path to here may not have entered the trace yet. */
static void ensure(fx *f)
{
    ctrl *c = &f->cs[f->ncs - 1];
    if (c->entered)
        return;
    put(f->b, "ENSURE(); ");
    c->entered = true;
    if (f->first_pass)
        for (uint32_t k = 0; k < f->ncs; k++)
            if (f->cs[k].kind == K_LOOP)
                f->loops[f->cs[k].loop].calls = true;
}

/* Copy the top n values to positions from `to` (a branch to a label whose values sit there). */
static void move_top(fx *f, uint32_t n, uint32_t to)
{
    uint32_t from = f->nts - n;
    if (from == to)
        return;
    for (uint32_t k = 0; k < n; k++) {
        uint8_t t = f->ts[from + k];
        int li = letter_index(letter(t));
        if (f->maxpos[li] < to + k + 1)
            f->maxpos[li] = to + k + 1;
        put(f->b, SV " = " SV "; ", SVA(t, to + k), SVA(t, from + k));
    }
}

/* The statements of a branch to label depth d (without the condition around them). */
static void branch(fx *f, uint32_t d)
{
    ctrl *c = &f->cs[f->ncs - 1 - d];
    bool loop = c->kind == K_LOOP;
    move_top(f, loop ? c->nparams : c->nresults, c->height);
    if (loop)
        put(f->b, "POLL(); ");
    else
        c->targeted = true;
    put(f->b, "goto L%" PRIu32 ";", c->label);
}

/* The back edge of a copy of a loop's body (unroll_loop), its condition in si<p>: on to the next copy,
   one unit of fuel spent, or out by X<label>. */
static void copy_back_edge(fx *f, uint32_t p)
{
    const ctrl *c = &f->cs[f->ncs - 1];
    put(f->b, "if (!si%" PRIu32 ") goto X%" PRIu32 "; ", p, c->label);
    move_top(f, c->nparams, c->height);
    put(f->b, "S->budget--;\n");
    f->copy_done = true;
}

/* ---- calls ---- */

/* The C return type of function type t. */
static void ret_type(sbuf *b, const rn_functype *t, uint32_t ti)
{
    if (t->nresults == 0)
        put(b, "void");
    else if (t->nresults == 1)
        put(b, "%s", ctype(t->results[0]));
    else
        put(b, "rnx_r%" PRIu32, ti);
}

/* A call's arguments, the stack's top t->nparams values. */
static void call_args(fx *f, const rn_functype *t, const char *ctx)
{
    put(f->b, "(%s", ctx);
    for (uint32_t k = 0; k < t->nparams; k++)
        put(f->b, ", " SV, SVA(t->params[k], f->nts - t->nparams + k));
    put(f->b, ")");
}

/* The results of a call, from `r_` (a struct) or assigned directly by the caller's text. */
static void pop_params_push_results(fx *f, const rn_functype *t)
{
    f->nts -= t->nparams;
    for (uint32_t k = 0; k < t->nresults; k++)
        push(f, t->results[k]);
}

/* `<results> = CALLEE(args)` where callee is a C expression of the function pointer's type. */
static void typed_call(fx *f, const rn_functype *t, uint32_t ti, const char *callee, const char *ctx)
{
    uint32_t base = f->nts - t->nparams;
    if (t->nresults == 1)
        put(f->b, SV " = ", SVA(t->results[0], base));
    else if (t->nresults > 1)
        put(f->b, "rnx_r%" PRIu32 " r_ = ", ti);
    put(f->b, "%s", callee);
    call_args(f, t, ctx);
    put(f->b, ";");
    if (t->nresults > 1) {
        for (uint32_t k = 0; k < t->nresults; k++)
            put(f->b, " " SV " = r_.r%" PRIu32 ";", SVA(t->results[k], base + k), k);
        for (uint32_t k = 0; k < t->nresults; k++) {
            int li = letter_index(letter(t->results[k]));
            if (f->maxpos[li] < base + k + 1)
                f->maxpos[li] = base + k + 1;
        }
    }
}

/* A call through the runtime with the values in slots (host and interpreted functions). */
static void slot_call(fx *f, const rn_functype *t)
{
    uint32_t base = f->nts - t->nparams, n = t->pslots > t->rslots ? t->pslots : t->rslots;
    put(f->b, "uint64_t a_[%" PRIu32 "];", n ? n : 1);
    for (uint32_t k = 0, s = 0; k < t->nparams; k++) {
        uint8_t ty = t->params[k];
        if (ty == RN_V128) {
            put(f->b, " a_[%" PRIu32 "] = " SV ".lo; a_[%" PRIu32 "] = " SV ".hi;", s, SVA(ty, base + k), s + 1,
                SVA(ty, base + k));
            s += 2;
        } else
            put(f->b, " a_[%" PRIu32 "] = TO_%c(" SV ");", s++, letter(ty), SVA(ty, base + k));
    }
    put(f->b, " c->rt->call(c, f_, a_);");
    for (uint32_t k = 0, s = 0; k < t->nresults; k++) {
        uint8_t ty = t->results[k];
        int li = letter_index(letter(ty));
        if (f->maxpos[li] < base + k + 1)
            f->maxpos[li] = base + k + 1;
        if (ty == RN_V128) {
            put(f->b, " " SV ".lo = a_[%" PRIu32 "]; " SV ".hi = a_[%" PRIu32 "];", SVA(ty, base + k), s,
                SVA(ty, base + k), s + 1);
            s += 2;
        } else
            put(f->b, " " SV " = FROM_%c(a_[%" PRIu32 "]);", SVA(ty, base + k), letter(ty), s++);
    }
}

/* A call to f_ (an rnx_func* in scope) of type ti: compiled code directly, anything else through the
   runtime. Wasm callees poll at entry, as the interpreter's do. */
static void dynamic_call(fx *f, uint32_t ti)
{
    const rn_functype *t = &f->m->types[ti];
    char callee[64];
    snprintf(callee, sizeof callee, "((rnx_t%" PRIu32 ")f_->native)", ti);
    put(f->b, " ");
    ensure(f);
    put(f->b, "if (f_->native) { POLL(); ");
    typed_call(f, t, ti, callee, "f_->nctx");
    put(f->b, " } else { ");
    slot_call(f, t);
    put(f->b, " } RELOAD(); }\n");
    pop_params_push_results(f, t);
}

static void call(fx *f, uint32_t fi)
{
    const rn_module *m = f->m;
    uint32_t ti = m->func_types[fi];
    const rn_functype *t = &m->types[ti];
    if (fi < m->nfunc_imports) {
        put(f->b, "{ rnx_func *f_ = c->funcs[%" PRIu32 "];", fi);
        dynamic_call(f, ti);
        return;
    }
    char callee[32];
    snprintf(callee, sizeof callee, "rnx_f%" PRIu32, fi);
    put(f->b, "{ POLL(); ");
    ensure(f);
    typed_call(f, t, ti, callee, "c");
    put(f->b, " RELOAD(); }\n");
    pop_params_push_results(f, t);
}

static void call_indirect(fx *f, uint32_t ti, uint32_t table)
{
    const rn_functype *t = &f->m->types[ti];
    uint32_t i = top(f);
    f->nts--;
    put(f->b,
        "{ rnx_table *t_ = c->tables[%" PRIu32 "]; if (UNLIKELY(si%" PRIu32 " >= t_->size)) "
        "TRAP(RNX_UNDEFINED_ELEMENT); rnx_func *f_ = (rnx_func *)(uintptr_t)t_->elems[si%" PRIu32 "]; "
        "if (UNLIKELY(!f_)) TRAP(RUNNEL_TRAP_NULL_FUNC); if (UNLIKELY(f_->key != 0x%" PRIx64 "u",
        table, i, i, t->key);
    if (t->key >> 63)
        put(f->b, " || !c->rt->same_type(c, f_, %" PRIu32 ")", ti);
    put(f->b, ")) TRAP(RUNNEL_TRAP_SIG_MISMATCH);");
    dynamic_call(f, ti);
}

/* ---- SIMD ---- */

/* One SIMD instruction through the interpreter's implementation: the operands are put in a small
   frame F_ whose first two slots take the result, and the op's words name those slots (simd_insn.h). */
static void simd(fx *f, const rn_insn *in)
{
    uint32_t sub = in->opc & 0xFF, n = f->nts;
    uint8_t shape = 0, scalar = 0;
    switch (sub) {
#define SIMD_SHAPE(name, op, SH, A, B)                                                                               \
    case op: shape = RN_SIMD_SH_##SH; scalar = (uint8_t)(A); break;
        RN_SIMD_OPS(SIMD_SHAPE)
#undef SIMD_SHAPE
    }
    if (shape == RN_SIMD_SH_CONST) {
        uint64_t lo, hi;
        memcpy(&lo, in->p, 8);
        memcpy(&hi, in->p + 8, 8);
        push(f, RN_V128);
        put(f->b, SV " = (rnx_v128){0x%" PRIx64 "u, 0x%" PRIx64 "u};\n", SVA(RN_V128, n), lo, hi);
        return;
    }
    uint32_t w[16], k = 0;
    w[k++] = OP_simd;
    w[k++] = 0; /* the length, below */
    w[k++] = sub;
    put(f->b, "{ uint64_t F_[8] = {0};");
    /* operands: the stack's top values in order, into F_[2..] */
    uint32_t nops = 0;
    uint8_t result = RN_V128;
    switch (shape) {
    case RN_SIMD_SH_LOAD: nops = 1; break;
    case RN_SIMD_SH_STORE: nops = 2; result = 0; break;
    case RN_SIMD_SH_LOAD_LANE: nops = 2; break;
    case RN_SIMD_SH_STORE_LANE: nops = 2; result = 0; break;
    case RN_SIMD_SH_SPLAT:
    case RN_SIMD_SH_UN: nops = 1; break;
    case RN_SIMD_SH_EXTRACT: nops = 1; result = scalar; break;
    case RN_SIMD_SH_TEST: nops = 1; result = RN_I32; break;
    case RN_SIMD_SH_SHUFFLE:
    case RN_SIMD_SH_BIN:
    case RN_SIMD_SH_SHIFT:
    case RN_SIMD_SH_REPLACE: nops = 2; break;
    case RN_SIMD_SH_TERN: nops = 3; break;
    }
    /* stores have no result: their operands start at F_[0] */
    uint32_t slot = result ? 2 : 0;
    if (result)
        w[k++] = 0;
    for (uint32_t o = 0; o < nops; o++) {
        uint32_t p = n - nops + o;
        uint8_t t = f->ts[p];
        w[k++] = slot;
        if (t == RN_V128) {
            put(f->b, " F_[%" PRIu32 "] = " SV ".lo; F_[%" PRIu32 "] = " SV ".hi;", slot, SVA(t, p), slot + 1,
                SVA(t, p));
            slot += 2;
        } else {
            put(f->b, " F_[%" PRIu32 "] = TO_%c(" SV ");", slot, letter(t), SVA(t, p));
            slot += 2;
        }
    }
    if (shape == RN_SIMD_SH_LOAD || shape == RN_SIMD_SH_STORE || shape == RN_SIMD_SH_LOAD_LANE ||
        shape == RN_SIMD_SH_STORE_LANE)
        w[k++] = in->b; /* the offset */
    if (shape == RN_SIMD_SH_LOAD_LANE || shape == RN_SIMD_SH_STORE_LANE || shape == RN_SIMD_SH_EXTRACT ||
        shape == RN_SIMD_SH_REPLACE)
        w[k++] = in->x; /* the lane */
    if (shape == RN_SIMD_SH_SHUFFLE)
        for (int q = 0; q < 4; q++) {
            uint32_t v;
            memcpy(&v, in->p + 4 * q, 4);
            w[k++] = v;
        }
    w[1] = k;
    put(f->b, " static const uint32_t ip_[] = {");
    for (uint32_t q = 0; q < k; q++)
        put(f->b, q ? ", %" PRIu32 "u" : "%" PRIu32 "u", w[q]);
    put(f->b, "}; ");
    ensure(f);
    put(f->b, "c->rt->simd(c, ip_, F_);");
    f->nts -= nops;
    if (result) {
        uint32_t p = f->nts;
        push(f, result);
        if (result == RN_V128)
            put(f->b, " " SV ".lo = F_[0]; " SV ".hi = F_[1];", SVA(result, p), SVA(result, p));
        else
            put(f->b, " " SV " = FROM_%c(F_[0]);", SVA(result, p), letter(result));
    }
    put(f->b, " }\n");
}

/* ---- the instruction switch ---- */

#define TX_VT_i32 RN_I32
#define TX_VT_i64 RN_I64
#define TX_VT_f32 RN_F32
#define TX_VT_f64 RN_F64

static void unop(fx *f, const char *name, uint8_t out, bool trapping)
{
    uint32_t p = top(f);
    uint8_t in = f->ts[p];
    f->nts--;
    push(f, out);
    if (trapping)
        put(f->b, "TRAPPING(rn_%s(" SV ", &" SV "));\n", name, SVA(in, p), SVA(out, p));
    else
        put(f->b, SV " = rn_%s(" SV ");\n", SVA(out, p), name, SVA(in, p));
}

static void binop(fx *f, const char *name, uint8_t out, bool trapping)
{
    uint32_t p = f->nts - 2;
    uint8_t in = f->ts[p];
    f->nts -= 2;
    push(f, out);
    if (trapping)
        put(f->b, "TRAPPING(rn_%s(" SV ", " SV ", &" SV "));\n", name, SVA(in, p), SVA(in, p + 1), SVA(out, p));
    else
        put(f->b, SV " = rn_%s(" SV ", " SV ");\n", SVA(out, p), name, SVA(in, p), SVA(in, p + 1));
}

static void load(fx *f, const rn_insn *in, uint8_t t, const char *mt)
{
    uint32_t p = top(f);
    f->nts--;
    push(f, t);
    f->accesses = true;
    put(f->b, "LOAD(" SV ", %s, %s, si%" PRIu32 ", %" PRIu32 "u);\n", SVA(t, p), ctype(t), mt, p, in->b);
}

static void store(fx *f, const rn_insn *in, uint8_t t, const char *mt)
{
    uint32_t p = f->nts - 2;
    f->nts -= 2;
    f->accesses = true;
    put(f->b, "STORE(%s, si%" PRIu32 ", %" PRIu32 "u, " SV ");\n", mt, p, in->b, SVA(t, p + 1));
}

/* The end of the block on top of the control stack (or of the function). */
static void end_block(fx *f)
{
    ctrl c = f->cs[--f->ncs];
    bool live = !f->dead;
    if (c.kind == K_IF && !c.has_else) {
        put(f->b, "E%" PRIu32 ":;\n", c.label);
        live = live || c.else_live;
    }
    if (c.kind != K_LOOP && c.targeted) {
        put(f->b, "L%" PRIu32 ":;\n", c.label);
        live = true;
    }
    /* an end reached only by falling through keeps what the block's last path entered */
    if (c.entered && (c.kind == K_LOOP || (c.kind == K_BLOCK && !c.targeted)) && f->ncs > 0)
        f->cs[f->ncs - 1].entered = true;
    f->nts = c.height;
    for (uint32_t k = 0; k < c.nresults; k++)
        push(f, c.results ? c.results[k] : c.single);
    f->dead = !live;
}

/* Number loop c; in the second pass, a loop that calls enters the trace before its label. */
static bool loop_number(fx *f, ctrl *c)
{
    c->loop = f->nloops++;
    if (f->first_pass) {
        if (c->loop == f->caploops) {
            uint32_t cap = f->caploops ? 2 * f->caploops : 16;
            loop_info *li = realloc(f->loops, cap * sizeof *li);
            if (!li)
                return f->oom = true, false;
            f->loops = li;
            f->caploops = cap;
        }
        f->loops[c->loop] = (loop_info){.unroll = true};
    } else if (f->loops[c->loop].calls && !c->entered) {
        put(f->b, "ENSURE();\n");
        c->entered = true;
    }
    return true;
}

static bool instruction(fx *f, const rn_insn *in);

/* Back to the start of the body of the loop on top (unroll_loop): the reader at `at`, the operand stack
   nts high with the loop's parameters on top, as the copy before may have left other types in their
   places (when the loop has more results than parameters). */
static void start_over(fx *f, rn_reader at, uint32_t nts)
{
    const ctrl *c = &f->cs[f->ncs - 1];
    f->rd = at;
    f->nts = nts;
    for (uint32_t k = 0; k < c->nparams; k++)
        f->ts[c->height + k] = c->params[k];
}

/* Copies of the body of the loop just begun, run while the fuel budget is sure to last (see the top of
   this file): TX_UNROLL copies, each ending in the loop's back edge as `if (!c) goto X<label>;
   S->budget--;`, then back to the loop's label; the loop itself follows, polling as always, and X<label>
   after its back edge. The first pass chose the loop (note_for_unroll): straight code without calls
   ending in its only back edge, so every copy starts from the same operand stack and leaves by the same
   positions, and nothing in it changes the budget. */
static void unroll_loop(fx *f)
{
    const ctrl *c = &f->cs[f->ncs - 1];
    uint32_t label = c->label, nts = f->nts;
    rn_reader at = f->rd;
    put(f->b, "if (S->budget >= %d) {\n", TX_UNROLL);
    f->unrolling = true;
    for (int k = 0; k < TX_UNROLL && !f->unreadable; k++) {
        start_over(f, at, nts);
        f->copy_done = false;
        while (!f->copy_done && !f->oom && !f->b->oom) {
            rn_insn in;
            if (!rn_insn_read(&f->rd, &in)) {
                f->unreadable = true;
                break;
            }
            instruction(f, &in);
        }
    }
    f->unrolling = false;
    put(f->b, "goto L%" PRIu32 ";\n}\n", label);
    start_over(f, at, nts);
}

/* The first pass, before each live instruction: may the innermost loop still be unrolled? */
static void note_for_unroll(fx *f, const rn_insn *in)
{
    const ctrl *c = &f->cs[f->ncs - 1];
    if (c->kind != K_LOOP || !f->loops[c->loop].unroll)
        return;
    loop_info *li = &f->loops[c->loop];
    switch (in->opc) {
    case RN_WASM_end: li->unroll = li->back_edges == 1 && li->tail_back; return;
    case RN_WASM_br_if:
        li->back_edges += in->a == 0;
        li->tail_back = in->a == 0;
        break;
    case RN_WASM_block:
    case RN_WASM_loop:
    case RN_WASM_if:
    case RN_WASM_br:
    case RN_WASM_br_table:
    case RN_WASM_return:
    case RN_WASM_unreachable:
    case RN_WASM_call:
    case RN_WASM_call_indirect: li->unroll = false; return;
    default: li->tail_back = false;
    }
    if (++li->ninsns > TX_UNROLL_MAX_INSNS)
        li->unroll = false;
}

static void begin_block(fx *f, int kind, const rn_insn *in)
{
    ctrl c = {.kind = kind, .label = f->nlabels++};
    blocktype(f, in->i, &c);
    if (kind == K_IF) {
        uint32_t p = top(f);
        f->nts--;
        /* parameters of an if are needed again by its else: keep a copy */
        for (uint32_t k = 0; k < c.nparams; k++) {
            uint32_t q = f->nts - c.nparams + k;
            put(f->b, "%s P%" PRIu32 "_%" PRIu32 " = " SV ";\n", ctype(f->ts[q]), c.label, k, SVA(f->ts[q], q));
        }
        put(f->b, "if (!si%" PRIu32 ") goto E%" PRIu32 ";\n", p, c.label);
        c.else_live = true;
    }
    c.height = f->nts - c.nparams;
    c.entered = c.entered_then = f->cs[f->ncs - 1].entered;
    if (kind == K_LOOP && !loop_number(f, &c))
        return;
    c.unrolled = kind == K_LOOP && !f->first_pass && f->loops[c.loop].unroll;
    if (!push_ctrl(f, c) || kind != K_LOOP)
        return;
    put(f->b, "L%" PRIu32 ":;\n", c.label);
    if (c.unrolled)
        unroll_loop(f);
}

static void else_branch(fx *f)
{
    ctrl *c = &f->cs[f->ncs - 1];
    if (!f->dead) {
        c->targeted = true;
        put(f->b, "goto L%" PRIu32 ";\n", c->label);
    }
    c->has_else = true;
    c->entered = c->entered_then;
    put(f->b, "E%" PRIu32 ":;\n", c->label);
    f->nts = c->height;
    for (uint32_t k = 0; k < c->nparams; k++) {
        push(f, c->params[k]);
        put(f->b, SV " = P%" PRIu32 "_%" PRIu32 ";\n", SVA(c->params[k], c->height + k), c->label, k);
    }
    f->dead = !c->else_live;
}

static void br_table(fx *f, const rn_insn *in)
{
    uint32_t p = top(f);
    f->nts--;
    rn_reader rd = {in->p, f->rd.end, f->rd.base};
    put(f->b, "switch (si%" PRIu32 ") {\n", p);
    for (uint32_t k = 0; k <= in->n; k++) {
        uint32_t d = 0;
        rn_read_u32(&rd, &d);
        if (k < in->n)
            put(f->b, "case %" PRIu32 ": ", k);
        else
            put(f->b, "default: ");
        branch(f, d);
        put(f->b, "\n");
    }
    put(f->b, "}\n");
}

/* Note that the function uses global g (GLOBAL(g) is a local copy of c->globals[g], which never changes). */
static void use_global(fx *f, uint32_t g)
{
    for (uint32_t k = 0; k < f->nglobals; k++)
        if (f->globals[k] == g)
            return;
    if (f->nglobals == f->capglobals) {
        uint32_t cap = f->capglobals ? 2 * f->capglobals : 8;
        uint32_t *gs = realloc(f->globals, cap * sizeof *gs);
        if (!gs) {
            f->oom = true;
            return;
        }
        f->globals = gs;
        f->capglobals = cap;
    }
    f->globals[f->nglobals++] = g;
}

static void global_get(fx *f, uint32_t g)
{
    use_global(f, g);
    uint8_t t = f->m->global_types[g].type;
    uint32_t p = f->nts;
    push(f, t);
    if (t == RN_V128)
        put(f->b, SV " = (rnx_v128){GLOBAL(%" PRIu32 ")->value, GLOBAL(%" PRIu32 ")->hi};\n", SVA(t, p), g, g);
    else
        put(f->b, SV " = FROM_%c(GLOBAL(%" PRIu32 ")->value);\n", SVA(t, p), letter(t), g);
}

static void global_set(fx *f, uint32_t g)
{
    use_global(f, g);
    uint32_t p = top(f);
    uint8_t t = f->ts[p];
    f->nts--;
    if (t == RN_V128)
        put(f->b, "GLOBAL(%" PRIu32 ")->value = " SV ".lo; GLOBAL(%" PRIu32 ")->hi = " SV ".hi;\n", g, SVA(t, p), g,
            SVA(t, p));
    else
        put(f->b, "GLOBAL(%" PRIu32 ")->value = TO_%c(" SV ");\n", g, letter(t), SVA(t, p));
}

/* The type of local i (parameters first). */
static uint8_t local_type(fx *f, uint32_t i)
{
    const rn_functype *t = &f->m->types[f->m->func_types[f->idx]];
    if (i < t->nparams)
        return t->params[i];
    return f->m->funcs[f->idx - f->m->nfunc_imports].local_types[i - t->nparams];
}

static void constant(fx *f, uint8_t t, const char *fmt, uint64_t v)
{
    uint32_t p = f->nts;
    push(f, t);
    put(f->b, SV " = ", SVA(t, p));
    put(f->b, fmt, v);
    put(f->b, ";\n");
}

/* Bulk memory and table instructions: their operands (i32s and references) on top, into a helper. */
static void helper(fx *f, const char *name, const char *imms, uint32_t nops, uint8_t result)
{
    uint32_t base = f->nts - nops;
    ensure(f); /* the helper may trap: this function must be in the trace */
    if (result)
        put(f->b, SV " = ", SVA(result, base));
    put(f->b, "c->rt->%s(c%s", name, imms);
    for (uint32_t k = 0; k < nops; k++)
        put(f->b, ", " SV, SVA(f->ts[base + k], base + k));
    put(f->b, ");\n");
    f->nts = base;
    if (result)
        push(f, result);
}

static bool instruction(fx *f, const rn_insn *in)
{
    char imms[48];
    uint32_t p;
    switch (in->opc) {
#define UN(name, opc, out, inp)                                                                                      \
    case opc: unop(f, #name, TX_VT_##out, false); return true;
#define UN_TRAP(name, opc, out, inp)                                                                                 \
    case opc: unop(f, #name, TX_VT_##out, true); return true;
#define BIN(name, opc, out, inp)                                                                                     \
    case opc: binop(f, #name, TX_VT_##out, false); return true;
#define BIN_TRAP(name, opc, out, inp)                                                                                \
    case opc: binop(f, #name, TX_VT_##out, true); return true;
#define LD(name, opc, t, mt, align)                                                                                  \
    case opc: load(f, in, TX_VT_##t, #mt); return true;
#define ST(name, opc, t, mt, align)                                                                                  \
    case opc: store(f, in, TX_VT_##t, #mt); return true;
        RN_UNOPS(UN)
        RN_UNOPS_TRAP(UN_TRAP) RN_BINOPS(BIN) RN_BINOPS_TRAP(BIN_TRAP) RN_LOADS(LD) RN_STORES(ST)
#undef UN
#undef UN_TRAP
#undef BIN
#undef BIN_TRAP
#undef LD
#undef ST
    case RN_WASM_unreachable:
        put(f->b, "TRAP(RUNNEL_TRAP_UNREACHABLE);\n");
        f->dead = true;
        return true;
    case RN_WASM_nop: return true;
    case RN_WASM_block: begin_block(f, K_BLOCK, in); return true;
    case RN_WASM_loop: begin_block(f, K_LOOP, in); return true;
    case RN_WASM_if: begin_block(f, K_IF, in); return true;
    case RN_WASM_else: else_branch(f); return true;
    case RN_WASM_end: end_block(f); return true;
    case RN_WASM_br:
        branch(f, in->a);
        put(f->b, "\n");
        f->dead = true;
        return true;
    case RN_WASM_br_if:
        p = top(f);
        f->nts--;
        if (f->unrolling && in->a == 0) /* a copy holds no blocks: its one br_if 0 is the back edge */
            return copy_back_edge(f, p), true;
        put(f->b, "if (si%" PRIu32 ") { ", p);
        branch(f, in->a);
        put(f->b, " }\n");
        if (in->a == 0 && f->cs[f->ncs - 1].unrolled) /* the loop's own back edge: where the copies leave to */
            put(f->b, "X%" PRIu32 ":;\n", f->cs[f->ncs - 1].label);
        return true;
    case RN_WASM_br_table:
        br_table(f, in);
        f->dead = true;
        return true;
    case RN_WASM_return:
        branch(f, f->ncs - 1);
        put(f->b, "\n");
        f->dead = true;
        return true;
    case RN_WASM_call: call(f, in->a); return true;
    case RN_WASM_call_indirect: call_indirect(f, in->a, in->b); return true;
    case RN_WASM_drop: f->nts--; return true;
    case RN_WASM_select:
    case RN_WASM_select_t: {
        p = f->nts - 3;
        uint8_t t = f->ts[p];
        put(f->b, "if (!si%" PRIu32 ") " SV " = " SV ";\n", p + 2, SVA(t, p), SVA(t, p + 1));
        f->nts -= 2;
        return true;
    }
    case RN_WASM_local_get: {
        uint8_t t = local_type(f, in->a);
        p = f->nts;
        push(f, t);
        put(f->b, SV " = l%" PRIu32 ";\n", SVA(t, p), in->a);
        return true;
    }
    case RN_WASM_local_set:
    case RN_WASM_local_tee:
        p = top(f);
        put(f->b, "l%" PRIu32 " = " SV ";\n", in->a, SVA(f->ts[p], p));
        if (in->opc == RN_WASM_local_set)
            f->nts--;
        return true;
    case RN_WASM_global_get: global_get(f, in->a); return true;
    case RN_WASM_global_set: global_set(f, in->a); return true;
    case RN_WASM_table_get:
        p = top(f);
        f->nts--;
        push(f, f->m->tables[in->a].elem);
        put(f->b,
            "{ rnx_table *t_ = c->tables[%" PRIu32 "]; if (UNLIKELY(si%" PRIu32 " >= t_->size)) "
            "TRAP(RUNNEL_TRAP_TABLE_OOB); sr%" PRIu32 " = t_->elems[si%" PRIu32 "]; }\n",
            in->a, p, p, p);
        return true;
    case RN_WASM_table_set:
        p = f->nts - 2;
        f->nts -= 2;
        put(f->b,
            "{ rnx_table *t_ = c->tables[%" PRIu32 "]; if (UNLIKELY(si%" PRIu32 " >= t_->size)) "
            "TRAP(RUNNEL_TRAP_TABLE_OOB); t_->elems[si%" PRIu32 "] = sr%" PRIu32 "; }\n",
            in->a, p, p, p + 1);
        return true;
    case RN_WASM_memory_size:
        p = f->nts;
        push(f, RN_I32);
        put(f->b, "si%" PRIu32 " = (uint32_t)(MS >> 16);\n", p);
        return true;
    case RN_WASM_memory_grow:
        p = top(f);
        put(f->b, "si%" PRIu32 " = c->rt->memory_grow(c, si%" PRIu32 "); RELOAD();\n", p, p);
        return true;
    case RN_WASM_i32_const: constant(f, RN_I32, "0x%" PRIx64 "u", (uint32_t)in->i); return true;
    case RN_WASM_i64_const: constant(f, RN_I64, "0x%" PRIx64 "u", (uint64_t)in->i); return true;
    case RN_WASM_f32_const:
        constant(f, RN_F32, (in->bits & 0x7FFFFFFFu) > 0x7F800000u ? "rnx_nan_f32(0x%" PRIx64 "u)"
                                                                     : "rn_f32_from_bits(0x%" PRIx64 "u)", in->bits);
        return true;
    case RN_WASM_f64_const:
        constant(f, RN_F64, (in->bits & 0x7FFFFFFFFFFFFFFFu) > 0x7FF0000000000000u ? "rnx_nan_f64(0x%" PRIx64 "u)"
                                                                              : "rn_f64_from_bits(0x%" PRIx64 "u)",
                 in->bits);
        return true;
    case RN_WASM_ref_null: constant(f, in->x, "%" PRIu64 "u", 0); return true;
    case RN_WASM_ref_is_null:
        p = top(f);
        f->nts--;
        push(f, RN_I32);
        put(f->b, "si%" PRIu32 " = sr%" PRIu32 " == 0;\n", p, p);
        return true;
    case RN_WASM_ref_func: constant(f, RN_FUNCREF, "FUNCREF(c->funcs[%" PRIu64 "])", in->a); return true;
    case RN_WASM_memory_init:
        snprintf(imms, sizeof imms, ", %" PRIu32 "u", in->a);
        helper(f, "memory_init", imms, 3, 0);
        return true;
    case RN_WASM_data_drop: put(f->b, "c->rt->data_drop(c, %" PRIu32 "u);\n", in->a); return true;
    case RN_WASM_memory_copy: helper(f, "memory_copy", "", 3, 0); return true;
    case RN_WASM_memory_fill: helper(f, "memory_fill", "", 3, 0); return true;
    case RN_WASM_table_init:
        snprintf(imms, sizeof imms, ", %" PRIu32 "u, %" PRIu32 "u", in->b, in->a);
        helper(f, "table_init", imms, 3, 0);
        return true;
    case RN_WASM_elem_drop: put(f->b, "c->rt->elem_drop(c, %" PRIu32 "u);\n", in->a); return true;
    case RN_WASM_table_copy:
        snprintf(imms, sizeof imms, ", %" PRIu32 "u, %" PRIu32 "u", in->a, in->b);
        helper(f, "table_copy", imms, 3, 0);
        return true;
    case RN_WASM_table_grow:
        snprintf(imms, sizeof imms, ", %" PRIu32 "u", in->a);
        helper(f, "table_grow", imms, 2, RN_I32);
        return true;
    case RN_WASM_table_size:
        p = f->nts;
        push(f, RN_I32);
        put(f->b, "si%" PRIu32 " = c->tables[%" PRIu32 "]->size;\n", p, in->a);
        return true;
    case RN_WASM_table_fill:
        snprintf(imms, sizeof imms, ", %" PRIu32 "u", in->a);
        helper(f, "table_fill", imms, 3, 0);
        return true;
    }
    if (in->opc >> 8 == RN_WASM_PREFIX_FD) {
        simd(f, in);
        return true;
    }
    return false;
}

/* Skip one instruction of unreachable code, keeping count of the blocks it opens and closes. */
static void skip(fx *f, const rn_insn *in)
{
    switch (in->opc) {
    case RN_WASM_block:
    case RN_WASM_loop:
    case RN_WASM_if: f->dead_depth++; return;
    case RN_WASM_else:
        if (f->dead_depth == 0)
            else_branch(f);
        return;
    case RN_WASM_end:
        if (f->dead_depth == 0)
            end_block(f);
        else
            f->dead_depth--;
        return;
    }
}

/* The declaration of function fi: `RET rnx_fN(rnx_inst *c, T l0, ...)`. */
static void signature(sbuf *b, const rn_module *m, uint32_t fi)
{
    uint32_t ti = m->func_types[fi];
    const rn_functype *t = &m->types[ti];
    ret_type(b, t, ti);
    put(b, " rnx_f%" PRIu32 "(rnx_inst *c", fi);
    for (uint32_t k = 0; k < t->nparams; k++)
        put(b, ", %s l%" PRIu32, ctype(t->params[k]), k);
    put(b, ")");
}

/* One pass over the body of fn, into f->b; false if an instruction cannot be read. */
static bool body_pass(fx *f, const rn_func *fn, const rn_functype *t)
{
    f->rd = (rn_reader){fn->body, fn->body + fn->body_len, fn->body};
    ctrl top_ctrl = {.kind = K_FUNC, .label = f->nlabels++, .nresults = t->nresults, .results = t->results,
                     .entered = f->enter_now};
    push_ctrl(f, top_ctrl);
    while (f->ncs > 0 && !f->oom && !f->b->oom) {
        rn_insn in;
        if (!rn_insn_read(&f->rd, &in))
            return false;
        if (f->dead) {
            skip(f, &in);
            continue;
        }
        if (f->first_pass)
            note_for_unroll(f, &in);
        instruction(f, &in);
    }
    return !f->unreadable;
}

/* Back to the state before body_pass, keeping the buffers and what the first pass learnt of loops. */
static void second_pass(fx *f)
{
    f->b->n = 0;
    f->nts = f->ncs = f->nlabels = f->nloops = f->nglobals = f->dead_depth = 0;
    f->dead = f->first_pass = false;
    memset(f->maxpos, 0, sizeof f->maxpos);
}

/* Translate defined function di (its body must still be in m) into out. */
static runnel_status function(const rn_module *m, uint32_t di, bool guarded, sbuf *out, runnel_report *r)
{
    const rn_func *fn = &m->funcs[di];
    uint32_t fi = m->nfunc_imports + di, ti = m->func_types[fi];
    const rn_functype *t = &m->types[ti];
    sbuf body = {0};
    fx f = {.m = m, .b = &body, .idx = fi, .first_pass = true};
    bool ok = body_pass(&f, fn, t), again = guarded && f.accesses;
    for (uint32_t k = 0; k < f.nloops && f.loops; k++)
        again = again || f.loops[k].calls || f.loops[k].unroll;
    if (ok && again && !f.oom && !body.oom) {
        second_pass(&f);
        f.enter_now = guarded && f.accesses;
        ok = body_pass(&f, fn, t);
    }
    if (!ok) {
        free(body.s);
        free(f.ts);
        free(f.cs);
        free(f.globals);
        free(f.loops);
        return rn_fail(r, RUNNEL_INVALID, fn->body_offset, "function %" PRIu32 ": cannot translate", fi);
    }
    signature(out, m, fi);
    put(out, "\n{\n");
    for (uint32_t k = 0; k < fn->nlocals; k++) {
        uint8_t lt = fn->local_types[k];
        put(out, "%s l%" PRIu32 " = %s;\n", ctype(lt), t->nparams + k, lt == RN_V128 ? "{0, 0}" : "0");
    }
    static const uint8_t order[NLETTERS] = {RN_I32, RN_I64, RN_F32, RN_F64, RN_V128, RN_FUNCREF};
    for (int li = 0; li < NLETTERS; li++) {
        if (!f.maxpos[li])
            continue;
        put(out, "%s", ctype(order[li]));
        for (uint32_t p = 0; p < f.maxpos[li]; p++)
            put(out, "%s " SV, p ? "," : "", SVA(order[li], p));
        put(out, ";\n");
    }
    /* ENTER checks that the frame fits: at most 16 bytes for each local and stack value, plus room. A
       path that calls nothing is not checked: the stack limit keeps a margin below it (native.c) that a
       frame this size fits in; a function with a larger frame enters at once. */
    uint64_t frame = 1024 + 16 * ((uint64_t)t->nparams + fn->nlocals);
    for (int li = 0; li < NLETTERS; li++)
        frame += 16 * (uint64_t)f.maxpos[li];
    for (uint32_t k = 0; k < f.nglobals; k++)
        put(out, "rnx_global *const G%" PRIu32 " = c->globals[%" PRIu32 "];\n", f.globals[k], f.globals[k]);
    put(out, "rnx_state *S = c->st;\nuint8_t *M = c->mem->data;\nuint64_t MS = c->mem->size;\n(void)M;\n(void)MS;\n"
             "const uint32_t fn_ = %" PRIu32 "u;\nconst uint64_t frame_ = %" PRIu64 "u;\nint entered_ = 0;\n%s",
        fi, frame, frame > RN_NATIVE_LEAF_FRAME || f.enter_now ? "DEPTH();\nENTER();\n" : "DEPTH();\n");
    put_bytes(out, body.s ? body.s : "", body.n);
    put(out, "LEAVE();\n");
    if (t->nresults == 1)
        put(out, "return " SV ";\n", SVA(t->results[0], 0));
    else if (t->nresults > 1) {
        put(out, "rnx_r%" PRIu32 " r_;", ti);
        for (uint32_t k = 0; k < t->nresults; k++)
            put(out, " r_.r%" PRIu32 " = " SV ";", k, SVA(t->results[k], k));
        put(out, "\nreturn r_;\n");
    }
    put(out, "}\n\n");
    bool oom = f.oom || body.oom;
    free(body.s);
    free(f.ts);
    free(f.cs);
    free(f.globals);
    free(f.loops);
    return oom ? rn_fail(r, RUNNEL_NOMEM, 0, "out of memory") : RUNNEL_OK;
}

/* ---------------------------------------------------------------- the module */

/* The head every unit starts with: the preamble, the macros, the function types and prototypes. */
static void head(sbuf *b, const rn_module *m, bool guarded)
{
    put(b, "/* Made by runnel %s from a WebAssembly module (docs/compiling.md). */\n", RUNNEL_VERSION);
    put_bytes(b, fp_rules, sizeof fp_rules - 1);
    put_bytes(b, rn_native_preamble, strlen(rn_native_preamble));
    put_bytes(b, macros, sizeof macros - 1);
    put_bytes(b, guarded ? ea_guarded : ea_checked, strlen(guarded ? ea_guarded : ea_checked));
    for (uint32_t ti = 0; ti < m->ntypes; ti++) {
        const rn_functype *t = &m->types[ti];
        if (t->nresults > 1) {
            put(b, "typedef struct {");
            for (uint32_t k = 0; k < t->nresults; k++)
                put(b, " %s r%" PRIu32 ";", ctype(t->results[k]), k);
            put(b, " } rnx_r%" PRIu32 ";\n", ti);
        }
        put(b, "typedef ");
        ret_type(b, t, ti);
        put(b, " (*rnx_t%" PRIu32 ")(rnx_inst *", ti);
        for (uint32_t k = 0; k < t->nparams; k++)
            put(b, ", %s", ctype(t->params[k]));
        put(b, ");\n");
    }
    for (uint32_t fi = m->nfunc_imports; fi < m->nfuncs; fi++) {
        put(b, "RNX_HIDDEN ");
        signature(b, m, fi);
        put(b, ";\n");
    }
    put(b, "\n");
}

/* The uniform entry of function fi: arguments from slots, results back into them. */
static void entry(sbuf *b, const rn_module *m, uint32_t fi)
{
    uint32_t ti = m->func_types[fi];
    const rn_functype *t = &m->types[ti];
    put(b, "static void rnx_w%" PRIu32 "(rnx_inst *c, uint64_t *s)\n{\n", fi);
    if (t->nresults) {
        ret_type(b, t, ti);
        put(b, " r = ");
    }
    put(b, "rnx_f%" PRIu32 "(c", fi);
    for (uint32_t k = 0, q = 0; k < t->nparams; k++) {
        uint8_t ty = t->params[k];
        if (ty == RN_V128) {
            put(b, ", (rnx_v128){s[%" PRIu32 "], s[%" PRIu32 "]}", q, q + 1);
            q += 2;
        } else
            put(b, ", FROM_%c(s[%" PRIu32 "])", letter(ty), q++);
    }
    put(b, ");\n");
    for (uint32_t k = 0, q = 0; k < t->nresults; k++) {
        uint8_t ty = t->results[k];
        char v[16];
        if (t->nresults == 1)
            snprintf(v, sizeof v, "r");
        else
            snprintf(v, sizeof v, "r.r%" PRIu32, k);
        if (ty == RN_V128) {
            put(b, "s[%" PRIu32 "] = %s.lo; s[%" PRIu32 "] = %s.hi;\n", q, v, q + 1, v);
            q += 2;
        } else
            put(b, "s[%" PRIu32 "] = TO_%c(%s);\n", q++, letter(ty), v);
    }
    put(b, "}\n");
}

static void descriptor(sbuf *b, const rn_module *m, const char *stamp, bool guarded)
{
    for (uint32_t fi = m->nfunc_imports; fi < m->nfuncs; fi++)
        entry(b, m, fi);
    put(b, "static const rnx_entry_fn rnx_entries[] = {");
    for (uint32_t fi = m->nfunc_imports; fi < m->nfuncs; fi++)
        put(b, "%srnx_w%" PRIu32, fi > m->nfunc_imports ? ", " : "", fi);
    put(b, "%s};\nstatic void *const rnx_natives[] = {", m->nfuncs_defined ? "" : "0");
    for (uint32_t fi = m->nfunc_imports; fi < m->nfuncs; fi++)
        put(b, "%s(void *)rnx_f%" PRIu32, fi > m->nfunc_imports ? ", " : "", fi);
    put(b, "%s};\n", m->nfuncs_defined ? "" : "0");
    put(b,
        "__attribute__((visibility(\"default\"), used)) const char rnx_stamp[] = \"%s\";\n"
        "__attribute__((visibility(\"default\"))) const rnx_module_desc rnx_module = {RNX_ABI_VERSION, rnx_stamp, "
        "%" PRIu32 "u, rnx_entries, rnx_natives, %s};\n",
        stamp, m->nfuncs_defined, guarded ? "RNX_GUARDED" : "0u");
}

void rn_ctext_free(rn_ctext *t)
{
    for (uint32_t i = 0; i < t->n; i++)
        free(t->units[i]);
    free(t->units);
    free(t->lens);
    memset(t, 0, sizeof *t);
}

/* Start a new unit with the head. */
static bool new_unit(rn_ctext *out, sbuf *cur, const sbuf *hd)
{
    if (cur->s) {
        char **u = realloc(out->units, (out->n + 1) * sizeof *u);
        size_t *l = u ? realloc(out->lens, (out->n + 1) * sizeof *l) : NULL;
        if (u)
            out->units = u;
        if (!u || !l)
            return false;
        out->lens = l;
        out->units[out->n] = cur->s;
        out->lens[out->n++] = cur->n;
    }
    *cur = (sbuf){0};
    put_bytes(cur, hd->s, hd->n);
    return !cur->oom;
}

runnel_status rn_translate(const rn_module *m, const char *stamp, size_t unit_bytes, bool guarded, rn_ctext *out,
                           runnel_report *r)
{
    memset(out, 0, sizeof *out);
    sbuf hd = {0}, cur = {0};
    head(&hd, m, guarded);
    runnel_status st = hd.oom ? RUNNEL_NOMEM : RUNNEL_OK;
    if (st == RUNNEL_OK && !new_unit(out, &cur, &hd))
        st = RUNNEL_NOMEM;
    if (st == RUNNEL_OK)
        descriptor(&cur, m, stamp, guarded);
    size_t in_unit = 0;
    for (uint32_t di = 0; st == RUNNEL_OK && di < m->nfuncs_defined; di++) {
        if (unit_bytes && in_unit >= unit_bytes) {
            if (!new_unit(out, &cur, &hd)) {
                st = RUNNEL_NOMEM;
                break;
            }
            in_unit = 0;
        }
        st = function(m, di, guarded, &cur, r);
        in_unit += m->funcs[di].body_len;
        if (st == RUNNEL_OK && cur.oom)
            st = RUNNEL_NOMEM;
    }
    if (st == RUNNEL_OK && !new_unit(out, &cur, &hd))
        st = RUNNEL_NOMEM;
    free(cur.s);
    free(hd.s);
    if (st != RUNNEL_OK) {
        rn_ctext_free(out);
        if (st == RUNNEL_NOMEM)
            rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    }
    return st;
}

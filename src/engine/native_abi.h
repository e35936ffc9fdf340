/*
 * native_abi.h - what compiled code and the runtime share (internal; docs/compiling.md).
 *
 * The compiling tier (translate.c) turns a module into C that is built by the system C compiler into
 * a shared object. That C includes this header (as text: translate.c emits it, with insn.h and
 * numeric.h, at the top of every translation unit, so the artifact needs nothing from runnel's source
 * tree) and reaches the runtime only through what is declared here:
 *
 * - rnx_inst: one per instance, the compiled functions' first argument. It points at the instance's
 *   memory 0, tables, globals and functions, which are the runtime's own objects (runtime.h): the
 *   rnx_* structs below are their leading fields, checked by _Static_assert in native.c.
 * - rnx_state: one per store, for what every function touches: the fuel budget left in the current
 *   chunk (a poll is a decrement and a branch, as in the interpreter), the call depth with the trace
 *   of (instance, function) entered (the backtrace of a trap and the depth limit; a function enters
 *   only on paths that call) and the lowest address the native stack may reach.
 * - rnx_runtime: the helpers compiled code calls out of line (traps, the slow poll, calls to host or
 *   interpreted functions, memory and table instructions that allocate or copy, SIMD).
 * - rnx_module_desc: the one symbol an artifact exports, `rnx_module`.
 *
 * Everything compiled code does to wasm state it does through these pointers, so an interpreted and
 * a compiled instance can share memories, tables, globals and functions in one store.
 */
#ifndef RN_NATIVE_ABI_H
#define RN_NATIVE_ABI_H

#include <stdint.h>
#include <string.h>

/* Changes whenever anything in this file or in the code translate.c emits changes meaning. */
#define RNX_ABI_VERSION 3

typedef struct rnx_v128 {
    uint64_t lo, hi;
} rnx_v128;

/* The leading fields of runnel_memory, runnel_table, runnel_global and runnel_func (runtime.h). */
typedef struct rnx_memory {
    uint8_t *data;
    uint64_t size; /* bytes */
} rnx_memory;
typedef struct rnx_table {
    uint64_t *elems; /* runnel_func* or externref; 0 = null */
    uint32_t size;
} rnx_table;
typedef struct rnx_global {
    uint64_t value, hi; /* hi: a v128's high half */
} rnx_global;
struct rnx_inst;
typedef struct rnx_func {
    uint64_t key;          /* the function type's key (rn_functype_key) */
    void *native;          /* compiled: the typed C function; else NULL */
    struct rnx_inst *nctx; /* compiled: its instance's context */
} rnx_func;

typedef struct rnx_trace {
    struct rnx_inst *inst;
    uint32_t func; /* index in the instance's module */
} rnx_trace;

typedef struct rnx_state {
    int64_t budget;          /* polls left before the slow poll */
    uint32_t depth, max_depth;
    const char *stack_limit; /* a function whose frame starts below this traps (stack exhausted) */
    rnx_trace *trace;        /* max_depth entries */
} rnx_state;

typedef struct rnx_runtime rnx_runtime;
typedef struct rnx_inst {
    const rnx_runtime *rt;
    rnx_state *st;
    rnx_memory *mem; /* memory 0, or an empty memory */
    rnx_table **tables;
    rnx_global **globals;
    rnx_func **funcs; /* all, imports first */
    void *inst;       /* the runnel_instance */
} rnx_inst;

#if defined(__GNUC__)
#define RNX_NORETURN __attribute__((noreturn))
#else
#define RNX_NORETURN
#endif

/* call_indirect's index beyond the table: TABLE_OOB, with the spec's words for it, as exec.c reports it */
#define RNX_UNDEFINED_ELEMENT 0x100
/* trap and poll: the function is in the trace already (a function enters itself there only on paths
   that call, so a trap elsewhere names its function) */
#define RNX_NO_FUNC 0xFFFFFFFFu
/* Stack checks (translate.c, ENTER). A frame up to RN_NATIVE_LEAF_FRAME is not checked on paths that
   call nothing; a function that calls checks at every RNX_STACK_EVERY-th depth when its frame is at most
   RNX_STACK_SKIP_FRAME, else always. So below the last check lie at most RNX_STACK_EVERY - 1 unchecked
   frames of at most RNX_STACK_SKIP_FRAME and one leaf: 7 x 64 KiB + 256 KiB = 704 KiB, which the margin
   kept below the limit (native.c, RN_NATIVE_STACK_MARGIN: 2 MiB) holds with room for host functions.
   (Checking every call cost fib 5 %.) */
#define RN_NATIVE_LEAF_FRAME (256u << 10)
#define RNX_STACK_EVERY 8u
#define RNX_STACK_SKIP_FRAME (64u << 10)

struct rnx_runtime {
    /* leave the compiled call with a trap of this kind (runnel_trap_kind, or RNX_UNDEFINED_ELEMENT) in
       function func (RNX_NO_FUNC: the trace's top); never returns */
    RNX_NORETURN void (*trap)(rnx_inst *c, int kind, uint32_t func);
    /* the budget ran out: charge fuel, look at interrupts and the deadline; may suspend, or trap (in
       func, as for trap) */
    void (*poll)(rnx_inst *c, uint32_t func);
    /* call f, which is not compiled (host or interpreted), with its arguments in slots; its results
       replace them (a v128 takes two slots) */
    void (*call)(rnx_inst *c, rnx_func *f, uint64_t *slots);
    /* call_indirect's type check when the keys are hashes (bit 63): is f's type the module's type? */
    int (*same_type)(rnx_inst *c, rnx_func *f, uint32_t type_index);
    uint32_t (*memory_grow)(rnx_inst *c, uint32_t delta);
    void (*memory_init)(rnx_inst *c, uint32_t seg, uint32_t d, uint32_t s, uint32_t n);
    void (*memory_copy)(rnx_inst *c, uint32_t d, uint32_t s, uint32_t n);
    void (*memory_fill)(rnx_inst *c, uint32_t d, uint32_t v, uint32_t n);
    void (*data_drop)(rnx_inst *c, uint32_t seg);
    uint32_t (*table_grow)(rnx_inst *c, uint32_t table, uint64_t init, uint32_t delta);
    void (*table_init)(rnx_inst *c, uint32_t table, uint32_t seg, uint32_t d, uint32_t s, uint32_t n);
    void (*table_copy)(rnx_inst *c, uint32_t dt, uint32_t st, uint32_t d, uint32_t s, uint32_t n);
    void (*table_fill)(rnx_inst *c, uint32_t table, uint32_t i, uint64_t v, uint32_t n);
    void (*elem_drop)(rnx_inst *c, uint32_t seg);
    /* one SIMD instruction in the interpreter's form (simd_insn.h) on a small frame; traps itself */
    void (*simd)(rnx_inst *c, const uint32_t *ip, uint64_t *frame);
};

/* A defined function's uniform entry: arguments in slots, results written over them. */
typedef void (*rnx_entry_fn)(rnx_inst *c, uint64_t *slots);

typedef struct rnx_module_desc {
    uint32_t abi;        /* RNX_ABI_VERSION */
    const char *stamp;   /* the artifact's stamp (native.c), also readable in the file before loading */
    uint32_t nfuncs;     /* defined functions */
    const rnx_entry_fn *entries;
    void *const *natives; /* the typed functions */
    uint32_t flags;       /* RNX_GUARDED: memory accesses are not compared, guard pages bound them */
} rnx_module_desc;
#define RNX_GUARDED 1u

#endif

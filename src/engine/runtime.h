/*
 * runtime.h - the runtime objects behind engine.h's opaque types (internal).
 *
 * The spec's store (4.2.3) made concrete: a runnel_store owns instances, memories, tables,
 * globals and functions (an arena of objects freed together), plus the execution state: one value
 * stack of 8-byte slots and one stack of call frames. Wasm calls never recurse on the C stack
 * (exec.c), so a call can stop anywhere (fuel, interrupt) and go on later from the same state.
 */
#ifndef RN_RUNTIME_H
#define RN_RUNTIME_H

#include "code.h"
#include "native_abi.h"
#include "util.h"

#include <stdatomic.h>

typedef uint64_t rn_slot;

/* Host functions calling back into wasm, nested: each level holds the C stack of a host function and of
   the interpreter (some KiB), so this many deep is where such recursion traps (call stack exhausted),
   well within a thread's stack. */
#define RN_MAX_REENTRY 256u
_Static_assert(sizeof(rn_slot) == RUNNEL_TABLE_ELEM_BYTES, "a table element is one slot");

struct rn_native_module;
struct runnel_module {
    rn_module mod;
    atomic_int refs;
    struct rn_native_module *native; /* compiled (native.c): the loaded artifact; else NULL */
};

struct runnel_memory {
    uint8_t *data;
    uint64_t size; /* bytes */
    uint32_t pages, max_pages; /* max_pages: the growth limit, declared max and store limit in one */
    uint32_t decl_max;         /* the declared max, for import matching */
    bool has_max;
    bool guarded; /* data is the start of a guard-page reservation (guard.c), not an allocation */
    runnel_store *store;
};

struct runnel_table {
    rn_slot *elems; /* references: runnel_func* or an externref, 0 = null */
    uint32_t size, max; /* max: the growth limit */
    uint32_t decl_max;
    bool has_max;
    uint8_t elem;
    runnel_store *store;
};

struct runnel_global {
    rn_slot value;
    rn_slot hi; /* a v128's high half (value is the low half); 0 for other types */
    uint8_t type;
    bool mut;
};

struct runnel_func {
    rnx_func head; /* first: what compiled code reads (native_abi.h); head.key is type->key for every function */
    rnx_entry_fn entry; /* compiled: the uniform entry (then host is rn_native_host, for the interpreter) */
    const rn_functype *type;
    runnel_store *store;
    runnel_instance *inst; /* wasm: the defining instance; host: NULL */
    const rn_code *code;   /* wasm */
    uint32_t index;        /* in the defining module's function index space */
    runnel_host_fn host;   /* host */
    void *user;
    rn_functype own_type; /* host functions own their type */
};

struct runnel_instance {
    runnel_store *store;
    runnel_module *module;
    runnel_memory *mem0; /* memory 0, or the store's empty memory: never NULL, for the interpreter */
    runnel_func **funcs;
    runnel_table **tables;
    runnel_memory **mems;
    runnel_global **globals;
    rn_slot **elem_refs; /* per element segment, its evaluated references; NULL once dropped */
    uint32_t *elem_len;
    uint32_t *data_len;  /* per data segment, its length; 0 once dropped */
    void *user;
    rnx_inst *nctx; /* compiled modules: the context compiled code runs with (native.c) */
};

/* A call frame: the caller's state, restored on return. */
typedef struct rn_frame {
    const uint32_t *ret_ip; /* rn_halt_code: return to the embedder */
    rn_slot *fp;
    runnel_func *func;
} rn_frame;

struct runnel_caller {
    runnel_store *store;
    runnel_instance *inst;
    runnel_status status;
    int exit_code;
    char *message;
    bool stop; /* the host function saw an interrupt: poll at once */
};

typedef struct rn_object {
    struct rn_object *next;
    void (*free)(void *);
} rn_object;

struct runnel_store {
    runnel_config cfg;
    rn_object *objects; /* everything owned, newest first */

    rn_slot *stack;
    size_t stack_slots;
    rn_frame *frames;
    uint32_t max_depth;

    /* execution state; kept here while a call is suspended */
    uint32_t depth;         /* frames in use */
    size_t sp;              /* first free slot for a new entry call */
    const uint32_t *ip;
    rn_slot *fp;
    runnel_func *func;
    uint32_t entry_depth;   /* depth of the entry call's sentinel frame */
    rn_slot *entry_fp;
    runnel_func *entry_func;
    bool suspended;
    bool running;
    bool poll_pending; /* suspended at a poll that is charged when the call resumes */
    uint32_t reentry;  /* calls made by host functions, running now (at most RN_MAX_REENTRY) */

    uint64_t fuel; /* remaining; UINT64_MAX = unlimited */
    atomic_int interrupt;
    uint64_t timeout_ns;
    uint64_t deadline_ns; /* of the current call, monotonic; 0 = none */

    runnel_grow_hook grow_hook;
    void *grow_user;
    runnel_table_grow_hook table_grow_hook;
    void *table_grow_user;
    runnel_memory empty_mem; /* mem0 of instances without memory: size 0, so every access traps */
    struct rn_native_store *native; /* compiled code's state (native.c); made at its first call */
};

/* store.c */
void *rn_store_alloc(runnel_store *s, size_t size, void (*free_fn)(void *));

/* exec.c: the code an embedder's call returns to (one `halt` op), so returns need no test. */
extern const uint32_t rn_halt_code[1];
/* exec.c: run the store's current state until the entry frame returns, a trap, or a suspension. */
runnel_status rn_exec(runnel_store *s, runnel_report *r);
/* store.c: objects, growth and value conversion shared by exec.c and the API */
runnel_memory *rn_memory_alloc(runnel_store *s, uint32_t min, uint32_t max, bool has_max);
runnel_table *rn_table_alloc(runnel_store *s, uint8_t elem, uint32_t min, uint32_t max, bool has_max);
int64_t rn_memory_grow(runnel_memory *m, uint64_t delta);
/* guard.c: memories as reservations of RN_GUARD_RESERVE bytes of address space, of which the first
   `size` are accessible: room below it for any i32 address plus u32 offset plus an 8-byte access.
   rn_guard_reserve gives NULL unless guard pages are enabled (or when the mapping fails). */
#define RN_GUARD_RESERVE ((8ull << 30) + (64u << 10))
uint8_t *rn_guard_reserve(uint64_t size);
bool rn_guard_commit(uint8_t *base, uint64_t old, uint64_t size);
void rn_guard_release(uint8_t *base);
void rn_guard_unblock(void); /* before a trap leaves the signal handler */
int64_t rn_table_grow(runnel_table *t, uint64_t delta, rn_slot init);
rn_slot rn_val_to_slot(runnel_val v);
/* exec.c: what both tiers run out of line. The table and memory instructions give 0 or a trap kind. */
int rn_table_init(runnel_instance *inst, uint32_t t, uint32_t e, uint32_t d, uint32_t s, uint32_t n);
int rn_table_copy(runnel_instance *inst, uint32_t dt, uint32_t st, uint32_t d, uint32_t s, uint32_t n);
int rn_table_fill(runnel_table *t, uint32_t i, rn_slot v, uint32_t n);
int rn_memory_init(runnel_instance *inst, uint32_t seg, uint32_t d, uint32_t s, uint32_t n);
/* Call host function f with its arguments at base (results written there); c is filled for the host. */
runnel_status rn_call_host(runnel_store *s, runnel_func *f, rn_slot *base, runnel_instance *caller_inst,
                           runnel_caller *c);
/* A wasm function's name for backtraces: the name section's, else an export's, else NULL. */
const char *rn_func_name(const runnel_func *f);
/* Append a frame to a trap's backtrace (at most 64 are kept). */
void rn_report_frame(runnel_report *r, uint32_t index, const char *name, uint32_t offset);
runnel_val rn_slot_to_val(rn_slot s, uint8_t type);

#endif

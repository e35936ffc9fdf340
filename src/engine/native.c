/*
 * native.c - running compiled code (the compiling tier; docs/compiling.md).
 *
 * A compiled module is a module like any other (decoded, validated, compiled for the interpreter
 * too) plus a loaded artifact whose functions runnel_call runs natively. What the interpreter gives,
 * this file gives the same way:
 *
 * - Suspension: every top-level call runs on a stack of its own (one per store, mmap'ed with a guard
 *   page, switched to with ucontext), so that when fuel runs out or an interrupt arrives the slow poll
 *   can switch back to the embedder in the middle of compiled code, and runnel_resume can switch in
 *   again. A call made while another is running (from a host function, or under the interpreter)
 *   cannot be suspended, as in the interpreter: running out there is a trap.
 * - Traps: compiled code calls rt->trap, which longjmps to the entry of the innermost call. Each
 *   compiled function records (instance, function) on entry (rnx_state.trace), which gives the
 *   backtrace and the depth limit; the stack limit is checked against the frame's address.
 * - Fuel: the same chunked budget as the interpreter (exec.c), charged at the same points (function
 *   entries and branches to loops), so fuel counts are equal between tiers.
 * - Memories, tables, globals and functions are the runtime's own objects: compiled and interpreted
 *   instances share them freely. A compiled function called from interpreted code is interpreted (its
 *   interpreter code is kept); compiled code calling an interpreted or host function goes through
 *   rt->call.
 *
 * - Bounds: explicit compares (translate.c), or, for code compiled for guard pages, none: an access
 *   past the memory faults, and guard.c's signal handler brings the fault here (rn_native_fault), which
 *   traps as the compare would have. Such code enters every function that accesses memory in the trace
 *   first thing, so the trace's top names the function, its instance and so its memory; the fault is
 *   taken only if the program counter is in that instance's compiled code and the address in its
 *   memory's reservation. `running` is the store whose compiled code this thread runs.
 *
 * The sanitizers are told about the stack switches.
 */
#define _GNU_SOURCE /* memmem, MAP_ANONYMOUS/MAP_NORESERVE/MAP_STACK */
#include "native.h"
#include "fileio.h"
#include "native_build.h"

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RN_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define RN_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define RN_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define RN_TSAN 1
#endif
#if RN_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
/* ASan's swapcontext interceptor prints a warning on first use (on stderr, where tests compare output);
   the switches are annotated below (start/finish_switch_fiber) and the stack unpoisoned before each
   call, which is what the interceptor would do, so libc's own is called. */
static int plain_swapcontext(ucontext_t *from, const ucontext_t *to)
{
    static int (*fn)(ucontext_t *, const ucontext_t *);
    int (*f)(ucontext_t *, const ucontext_t *) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
    if (!f) {
        void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD); /* libasan.so comes before libc */
        f = (int (*)(ucontext_t *, const ucontext_t *))dlsym(libc ? libc : RTLD_NEXT, "swapcontext");
        if (!f)
            f = swapcontext;
        __atomic_store_n(&fn, f, __ATOMIC_RELEASE);
    }
    return f(from, to);
}
#define swapcontext plain_swapcontext
#endif
#if RN_TSAN
#include <sanitizer/tsan_interface.h>
#endif

#define RN_FUEL_CHUNK 1024                 /* as exec.c's */
#define RN_NATIVE_STACK (16u << 20)        /* the stack compiled code runs on */
#define RN_NATIVE_STACK_MARGIN (2u << 20)  /* below the limit: unchecked frames, then host functions and helpers
                                              (native_abi.h, RNX_STACK_EVERY) */
#define RN_NATIVE_GUARD (64u << 10)        /* inaccessible pages under the stack */

_Static_assert(offsetof(runnel_memory, data) == offsetof(rnx_memory, data) &&
                   offsetof(runnel_memory, size) == offsetof(rnx_memory, size),
               "rnx_memory is runnel_memory's head");
_Static_assert(offsetof(runnel_table, elems) == offsetof(rnx_table, elems) &&
                   offsetof(runnel_table, size) == offsetof(rnx_table, size),
               "rnx_table is runnel_table's head");
_Static_assert(offsetof(runnel_global, value) == offsetof(rnx_global, value) &&
                   offsetof(runnel_global, hi) == offsetof(rnx_global, hi),
               "rnx_global is runnel_global's head");
_Static_assert(offsetof(runnel_func, head) == 0, "rnx_func is runnel_func's head");

typedef struct rn_native_store {
    rnx_state st; /* first: compiled code's c->st */
    runnel_store *s;
    uint8_t *map;   /* the stack mapping, guard included */
    size_t map_size;
    ucontext_t caller, coro;
    jmp_buf *jb;   /* the innermost call's */
    uint32_t nest; /* calls running on the stack */
    int64_t granted;
    /* the trap on its way to the innermost call */
    runnel_status fail_status;
    int fail_kind, exit_code;
    char *fail_message;
    rnx_trace here;            /* the function a trap happened in when it is not the trace's top (inst NULL: none) */
    runnel_frame *fail_frames; /* an interpreted callee's frames, innermost first, before compiled ones */
    size_t fail_nframes;
    /* what a call out of compiled code (rt_call) left */
    runnel_trap_kind call_trap;
    char *call_message;
    bool stop; /* the host saw an interrupt */
    bool in_interpreted; /* rt_call is running an interpreted function: it may park this stack */
    /* the interpreter's state when the top-level call began, for runnel_abandon */
    struct {
        const uint32_t *ip;
        rn_slot *fp, *entry_fp;
        runnel_func *func, *entry_func;
        uint32_t depth, entry_depth, reentry;
        size_t sp;
    } interp;
    /* the top-level call */
    runnel_func *top;
    uint64_t *slots;
    size_t nslots;
    runnel_report *report;
    runnel_status top_status;
    bool can_suspend, suspended, finished;
    int suspend_kind;
#if RN_ASAN
    const void *caller_bottom;
    size_t caller_size;
#endif
#if RN_TSAN
    void *tsan_caller, *tsan_coro;
#endif
} rn_native_store;

static _Thread_local rn_native_store *running;

static rn_native_store *store_of(rnx_inst *c) { return (rn_native_store *)c->st; }
static runnel_instance *inst_of(rnx_inst *c) { return c->inst; }

/* ---------------------------------------------------------------- stacks */

static void switch_in(rn_native_store *ns)
{
#if RN_ASAN
    void *fake = NULL;
    __sanitizer_start_switch_fiber(&fake, ns->map + RN_NATIVE_GUARD, ns->map_size - RN_NATIVE_GUARD);
#endif
#if RN_TSAN
    ns->tsan_caller = __tsan_get_current_fiber();
    __tsan_switch_to_fiber(ns->tsan_coro, 0);
#endif
    rn_native_store *was = running;
    running = ns;
    swapcontext(&ns->caller, &ns->coro);
    running = was;
#if RN_ASAN
    __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
}

/* From the call's stack back to the embedder's; returns when resumed (never when `last`). */
static void switch_out(rn_native_store *ns, bool last)
{
#if RN_ASAN
    void *fake = NULL;
    __sanitizer_start_switch_fiber(last ? NULL : &fake, ns->caller_bottom, ns->caller_size);
#else
    (void)last;
#endif
#if RN_TSAN
    __tsan_switch_to_fiber(ns->tsan_caller, 0);
#endif
    swapcontext(&ns->coro, &ns->caller);
#if RN_ASAN
    __sanitizer_finish_switch_fiber(fake, &ns->caller_bottom, &ns->caller_size);
#endif
}

static rn_native_store *native_store(runnel_store *s)
{
    if (s->native)
        return s->native;
    rn_native_store *ns = rn_calloc(1, sizeof *ns);
    if (!ns)
        return NULL;
    ns->s = s;
    ns->st.max_depth = s->max_depth;
    ns->st.trace = rn_calloc((size_t)s->max_depth + 1, sizeof *ns->st.trace);
    if (!ns->st.trace) {
        rn_free(ns);
        return NULL;
    }
    s->native = ns;
    return ns;
}

/* The stack, mapped at the first call. */
static bool map_stack(rn_native_store *ns)
{
    if (ns->map)
        return true;
    size_t size = RN_NATIVE_STACK + RN_NATIVE_GUARD;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED)
        return false;
    if (mprotect(p, RN_NATIVE_GUARD, PROT_NONE) != 0) {
        munmap(p, size);
        return false;
    }
    ns->map = p;
    ns->map_size = size;
    ns->st.stack_limit = (const char *)p + RN_NATIVE_GUARD + RN_NATIVE_STACK_MARGIN;
#if RN_TSAN
    ns->tsan_coro = __tsan_create_fiber(0);
#endif
    return true;
}

void rn_native_store_free(runnel_store *s)
{
    rn_native_store *ns = s->native;
    if (!ns)
        return;
    if (ns->map)
        munmap(ns->map, ns->map_size);
#if RN_TSAN
    if (ns->tsan_coro)
        __tsan_destroy_fiber(ns->tsan_coro);
#endif
    free(ns->fail_message);
    free(ns->fail_frames);
    free(ns->call_message);
    rn_free(ns->slots);
    rn_free(ns->st.trace);
    rn_free(ns);
    s->native = NULL;
}

/* ---------------------------------------------------------------- traps and entries */

static RNX_NORETURN void fail(rn_native_store *ns, runnel_status st, int kind, char *message)
{
    ns->fail_status = st;
    ns->fail_kind = kind;
    free(ns->fail_message);
    ns->fail_message = message;
    longjmp(*ns->jb, 1);
}

/* A trap in function func of c (RNX_NO_FUNC: the function is the trace's top already). */
static RNX_NORETURN void trap_in(rnx_inst *c, int kind, uint32_t func)
{
    rn_native_store *ns = store_of(c);
    ns->here = func == RNX_NO_FUNC ? (rnx_trace){NULL, 0} : (rnx_trace){c, func};
    if (kind == RNX_UNDEFINED_ELEMENT)
        fail(ns, RUNNEL_TRAP, RUNNEL_TRAP_TABLE_OOB, strdup("undefined element"));
    fail(ns, RUNNEL_TRAP, kind, NULL);
}

static RNX_NORETURN void rt_trap(rnx_inst *c, int kind, uint32_t func) { trap_in(c, kind, func); }

void rn_native_fault(const void *addr, uintptr_t pc)
{
    rn_native_store *ns = running;
    if (!ns || ns->nest == 0 || ns->st.depth == 0)
        return;
    rnx_inst *c = ns->st.trace[ns->st.depth - 1].inst;
    runnel_instance *inst = inst_of(c);
    const rn_native_module *nm = inst->module->native;
    const runnel_memory *mem = inst->mem0;
    uintptr_t a = (uintptr_t)addr, base = (uintptr_t)mem->data;
    if (!nm || !nm->guarded || pc < nm->code_lo || pc >= nm->code_hi || !mem->guarded || a < base + mem->size ||
        a - base >= RN_GUARD_RESERVE)
        return;
    rn_guard_unblock();
    trap_in(c, RUNNEL_TRAP_MEMORY_OOB, RNX_NO_FUNC);
}

static void add_frame(runnel_report *r, const rnx_trace *t)
{
    runnel_instance *inst = t->inst->inst;
    const rn_module *m = &inst->module->mod;
    rn_report_frame(r, t->func, rn_func_name(inst->funcs[t->func]), m->funcs[t->func - m->nfunc_imports].body_offset);
}

/* The report of the failure in flight, with the frames entered since depth0. */
static void report_failure(rn_native_store *ns, uint32_t depth0, runnel_report *r)
{
    if (!r)
        return;
    if (ns->fail_status == RUNNEL_EXIT) {
        rn_fail(r, RUNNEL_EXIT, 0, "exit with code %d", ns->exit_code);
        r->exit_code = ns->exit_code;
        return;
    }
    rn_fail(r, ns->fail_status, 0, "%s",
            ns->fail_message ? ns->fail_message : runnel_trap_message((runnel_trap_kind)ns->fail_kind));
    r->trap = (runnel_trap_kind)ns->fail_kind;
    for (size_t k = 0; k < ns->fail_nframes; k++)
        rn_report_frame(r, ns->fail_frames[k].func_index, ns->fail_frames[k].func_name, ns->fail_frames[k].offset);
    if (ns->here.inst)
        add_frame(r, &ns->here);
    for (uint32_t d = ns->st.depth; d-- > depth0;)
        add_frame(r, &ns->st.trace[d]);
}

/* Run f with its arguments in slots (results written over them), on the current (native) stack.
   *rp is read when a trap arrives: a resumed call reports into the report of the resume. */
static runnel_status run_entry(rn_native_store *ns, runnel_func *f, uint64_t *slots, runnel_report **rp)
{
    jmp_buf jb;
    jmp_buf *prev = ns->jb;
    uint32_t depth0 = ns->st.depth;
    volatile runnel_status st = RUNNEL_OK;
    rn_native_store *was = running;
    ns->jb = &jb;
    ns->nest++;
    running = ns;
    if (setjmp(jb) == 0) {
        f->entry(f->head.nctx, slots);
    } else {
        st = ns->fail_status;
        report_failure(ns, depth0, *rp);
        free(ns->fail_message);
        ns->fail_message = NULL;
        free(ns->fail_frames);
        ns->fail_frames = NULL;
        ns->fail_nframes = 0;
        ns->here = (rnx_trace){NULL, 0};
    }
    ns->st.depth = depth0;
    ns->jb = prev;
    ns->nest--;
    running = was;
    return st;
}

static void coro_main(unsigned hi, unsigned lo)
{
    rn_native_store *ns = (rn_native_store *)(((uintptr_t)hi << 16 << 16) | lo);
#if RN_ASAN
    __sanitizer_finish_switch_fiber(NULL, &ns->caller_bottom, &ns->caller_size);
#endif
    ns->top_status = run_entry(ns, ns->top, ns->slots, &ns->report);
    ns->finished = true;
    switch_out(ns, true);
}

/* ---------------------------------------------------------------- fuel and polls */

static void grant(rn_native_store *ns)
{
    uint64_t fuel = ns->s->fuel;
    ns->granted = fuel != UINT64_MAX && fuel < RN_FUEL_CHUNK ? (int64_t)fuel : RN_FUEL_CHUNK;
    ns->st.budget = ns->granted;
}

/* Charge what the current chunk has used (at the end of a call). */
static void account(rn_native_store *ns)
{
    runnel_store *s = ns->s;
    if (s->fuel != UINT64_MAX) {
        uint64_t used = (uint64_t)(ns->granted - (ns->st.budget < 0 ? ns->granted : ns->st.budget));
        s->fuel = used > s->fuel ? 0 : s->fuel - used;
    }
    ns->granted = ns->st.budget = 0;
}

/* Suspend the call here (switch back to the embedder) until it is resumed, then charge the poll's own
   unit, as exec.c's poll_pending does: with no fuel left, suspended again. */
static void park(rn_native_store *ns, int tk)
{
    runnel_store *s = ns->s;
    for (;;) {
        ns->suspended = true;
        ns->suspend_kind = tk;
        s->poll_pending = true;
        s->running = false;
        switch_out(ns, false);
        s->running = true;
        s->poll_pending = false;
        if (s->fuel == UINT64_MAX)
            return;
        if (s->fuel > 0) {
            s->fuel--;
            return;
        }
        tk = RUNNEL_TRAP_OUT_OF_FUEL;
    }
}

static void rt_poll(rnx_inst *c, uint32_t func)
{
    rn_native_store *ns = store_of(c);
    runnel_store *s = ns->s;
    for (;;) {
        bool metered = s->fuel != UINT64_MAX;
        if (metered)
            s->fuel = (uint64_t)ns->granted > s->fuel ? 0 : s->fuel - (uint64_t)ns->granted;
        ns->granted = ns->st.budget = 0;
        int tk = 0;
        if (atomic_exchange(&s->interrupt, 0))
            tk = RUNNEL_TRAP_INTERRUPTED;
        else if (s->deadline_ns && rn_now_ns() >= s->deadline_ns)
            tk = RUNNEL_TRAP_INTERRUPTED;
        else if (metered && s->fuel == 0)
            tk = RUNNEL_TRAP_OUT_OF_FUEL;
        if (!tk) {
            grant(ns);
            ns->st.budget--;
            return;
        }
        if (!ns->can_suspend || ns->nest != 1)
            trap_in(c, tk, func);
        park(ns, tk);
        grant(ns);
        return;
    }
}

bool rn_native_park(runnel_store *s, runnel_trap_kind tk)
{
    rn_native_store *ns = s->native;
    /* only an interpreted function that compiled code called directly (no host function's frames on
       this stack, which an abandon would drop) */
    if (!ns || !ns->can_suspend || ns->nest != 1 || !ns->in_interpreted || s->reentry != 1)
        return false;
    park(ns, (int)tk);
    return true;
}

/* ---------------------------------------------------------------- helpers for compiled code */

/* A call to an interpreted function from compiled code, through runnel_call (nested). On failure the
   callee's trap kind, message and frames are kept in ns for the report. */
static runnel_status call_interpreted(rn_native_store *ns, runnel_func *f, uint64_t *slots)
{
    const rn_functype *t = f->type;
    runnel_val small[16], *vals = small;
    size_t n = t->nparams > t->nresults ? t->nparams : t->nresults;
    if (n > 16 && !(vals = rn_malloc(n * sizeof *vals)))
        return RUNNEL_NOMEM;
    for (size_t i = 0, k = 0; i < t->nparams; i++)
        k += runnel_slots_to_val((const runnel_slot *)slots + k, (runnel_valtype)t->params[i], &vals[i]);
    runnel_report r = {0};
    bool was_in = ns->in_interpreted;
    ns->in_interpreted = true;
    runnel_status st = runnel_call(f, vals, t->nparams, vals, t->nresults, &r);
    ns->in_interpreted = was_in;
    if (st == RUNNEL_OK)
        for (size_t i = 0, k = 0; i < t->nresults; i++)
            k += runnel_val_to_slots(vals[i], (runnel_slot *)slots + k);
    if (vals != small)
        rn_free(vals);
    if (st != RUNNEL_OK) {
        ns->exit_code = r.exit_code;
        ns->call_trap = r.trap;
        ns->call_message = r.message ? strdup(r.message) : NULL;
        free(ns->fail_frames);
        ns->fail_frames = r.frames; /* the callee's frames come first in the backtrace */
        ns->fail_nframes = r.nframes;
        r.frames = NULL;
        r.nframes = 0;
    }
    runnel_report_clear(&r);
    return st;
}

/* A call to a host function from compiled code. */
static runnel_status call_host(rn_native_store *ns, rnx_inst *c, runnel_func *f, uint64_t *slots)
{
    runnel_caller caller;
    runnel_status st = rn_call_host(ns->s, f, slots, inst_of(c), &caller);
    if (st == RUNNEL_OK) {
        if (caller.stop) /* the host saw an interrupt: the next poll takes the slow path */
            ns->stop = true;
        rn_free(caller.message);
        return st;
    }
    ns->exit_code = caller.exit_code;
    ns->call_trap = st == RUNNEL_TRAP ? RUNNEL_TRAP_HOST : RUNNEL_TRAP_NONE;
    ns->call_message = caller.message ? strdup(caller.message) : st == RUNNEL_EXIT ? NULL : strdup(runnel_status_name(st));
    rn_free(caller.message);
    return st;
}

/* A call to a host or interpreted function, arguments in slots, results over them. */
static void rt_call(rnx_inst *c, rnx_func *fh, uint64_t *slots)
{
    rn_native_store *ns = store_of(c);
    runnel_func *f = (runnel_func *)fh;
    if (f->code && --ns->st.budget < 0) /* an interpreted callee's entry polls, as in exec.c */
        rt_poll(c, RNX_NO_FUNC);
    /* the callee may spend the store's fuel itself: settle this chunk first, and go on after the call
       with what was left of it (so that the slow poll still comes at least once a chunk) */
    int64_t left = ns->st.budget > 0 ? ns->st.budget : 0;
    account(ns);
    runnel_status st = f->code ? call_interpreted(ns, f, slots) : call_host(ns, c, f, slots);
    if (ns->s->fuel != UINT64_MAX && (uint64_t)left > ns->s->fuel)
        left = (int64_t)ns->s->fuel;
    ns->granted = ns->st.budget = ns->stop ? 0 : left; /* stop: the next poll takes the slow path */
    ns->stop = false;
    if (st == RUNNEL_OK)
        return;
    char *msg = ns->call_message;
    ns->call_message = NULL;
    ns->here = (rnx_trace){NULL, 0}; /* the caller is entered (ENSURE) */
    fail(ns, st, ns->call_trap, msg);
}

static int rt_same_type(rnx_inst *c, rnx_func *f, uint32_t ti)
{
    return rn_functype_equal(((runnel_func *)f)->type, &inst_of(c)->module->mod.types[ti]);
}

static uint32_t rt_memory_grow(rnx_inst *c, uint32_t delta)
{
    return (uint32_t)rn_memory_grow(inst_of(c)->mem0, delta);
}

static void rt_memory_init(rnx_inst *c, uint32_t seg, uint32_t d, uint32_t s, uint32_t n)
{
    int k = rn_memory_init(inst_of(c), seg, d, s, n);
    if (k)
        trap_in(c, k, RNX_NO_FUNC);
}

static void rt_memory_copy(rnx_inst *c, uint32_t d, uint32_t s, uint32_t n)
{
    rnx_memory *m = c->mem;
    if ((uint64_t)d + n > m->size || (uint64_t)s + n > m->size)
        trap_in(c, RUNNEL_TRAP_MEMORY_OOB, RNX_NO_FUNC);
    if (n)
        memmove(m->data + d, m->data + s, n);
}

static void rt_memory_fill(rnx_inst *c, uint32_t d, uint32_t v, uint32_t n)
{
    rnx_memory *m = c->mem;
    if ((uint64_t)d + n > m->size)
        trap_in(c, RUNNEL_TRAP_MEMORY_OOB, RNX_NO_FUNC);
    if (n)
        memset(m->data + d, (int)(uint8_t)v, n);
}

static void rt_data_drop(rnx_inst *c, uint32_t seg) { inst_of(c)->data_len[seg] = 0; }

static uint32_t rt_table_grow(rnx_inst *c, uint32_t t, uint64_t init, uint32_t delta)
{
    return (uint32_t)rn_table_grow(inst_of(c)->tables[t], delta, init);
}

static void rt_table_init(rnx_inst *c, uint32_t t, uint32_t seg, uint32_t d, uint32_t s, uint32_t n)
{
    int k = rn_table_init(inst_of(c), t, seg, d, s, n);
    if (k)
        trap_in(c, k, RNX_NO_FUNC);
}

static void rt_table_copy(rnx_inst *c, uint32_t dt, uint32_t st, uint32_t d, uint32_t s, uint32_t n)
{
    int k = rn_table_copy(inst_of(c), dt, st, d, s, n);
    if (k)
        trap_in(c, k, RNX_NO_FUNC);
}

static void rt_table_fill(rnx_inst *c, uint32_t t, uint32_t i, uint64_t v, uint32_t n)
{
    int k = rn_table_fill(inst_of(c)->tables[t], i, v, n);
    if (k)
        trap_in(c, k, RNX_NO_FUNC);
}

static void rt_elem_drop(rnx_inst *c, uint32_t seg) { inst_of(c)->elem_len[seg] = 0; }

static void rt_simd(rnx_inst *c, const uint32_t *ip, uint64_t *frame)
{
    int k = rn_simd_exec(ip, frame, c->mem->data, c->mem->size, inst_of(c));
    if (k)
        trap_in(c, k, RNX_NO_FUNC);
}

static const rnx_runtime runtime = {
    rt_trap,        rt_poll,       rt_call,       rt_same_type,  rt_memory_grow, rt_memory_init,
    rt_memory_copy, rt_memory_fill, rt_data_drop, rt_table_grow, rt_table_init,  rt_table_copy,
    rt_table_fill,  rt_elem_drop,  rt_simd,
};

/* ---------------------------------------------------------------- instances and calls */

runnel_status rn_native_instance(runnel_instance *inst, runnel_report *r)
{
    runnel_store *s = inst->store;
    const rn_module *m = &inst->module->mod;
    const rnx_module_desc *d = inst->module->native->desc;
    if (inst->module->native->guarded && m->nmems && !inst->mem0->guarded)
        return rn_fail(r, RUNNEL_UNLINKABLE, 0,
                       "the module was compiled for guard pages, and its memory is not a guard-page reservation "
                       "(made before runnel_guard_pages_enable, or the reservation failed): compile it with "
                       "RUNNEL_BOUNDS_CHECKED");
    rn_native_store *ns = native_store(s);
    rnx_inst *c = ns ? rn_store_alloc(s, sizeof *c, NULL) : NULL;
    if (!c)
        return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
    *c = (rnx_inst){&runtime,
                    &ns->st,
                    (rnx_memory *)(void *)inst->mem0,
                    (rnx_table **)(void *)inst->tables,
                    (rnx_global **)(void *)inst->globals,
                    (rnx_func **)(void *)inst->funcs,
                    inst};
    inst->nctx = c;
    for (uint32_t k = 0; k < m->nfuncs_defined; k++) {
        runnel_func *f = inst->funcs[m->nfunc_imports + k];
        f->head.native = d->natives[k];
        f->head.nctx = c;
        f->entry = d->entries[k];
    }
    return RUNNEL_OK;
}

/* After the call's stack switched back: finished, or suspended. */
static runnel_status come_back(rn_native_store *ns, bool was_running, runnel_val *results, size_t nresults,
                               runnel_report *r)
{
    runnel_store *s = ns->s;
    s->running = was_running;
    if (!ns->finished) {
        s->suspended = true;
        if (r) {
            rn_fail(r, RUNNEL_SUSPENDED, 0, "%s", runnel_trap_message((runnel_trap_kind)ns->suspend_kind));
            r->trap = (runnel_trap_kind)ns->suspend_kind;
        }
        return RUNNEL_SUSPENDED;
    }
    ns->suspended = false;
    s->suspended = false;
    account(ns);
    if (ns->top_status == RUNNEL_OK) {
        const rn_functype *t = ns->top->type;
        size_t n = nresults < t->nresults ? nresults : t->nresults;
        for (size_t i = 0, k = 0; i < n; i++)
            k += runnel_slots_to_val((const runnel_slot *)ns->slots + k, (runnel_valtype)t->results[i], &results[i]);
    }
    return ns->top_status;
}

static bool need_slots(rn_native_store *ns, size_t n)
{
    if (n <= ns->nslots)
        return true;
    uint64_t *p = rn_realloc(ns->slots, n * sizeof *p);
    if (!p)
        return false;
    ns->slots = p;
    ns->nslots = n;
    return true;
}

runnel_status rn_native_call(runnel_func *f, const runnel_val *args, runnel_val *results, size_t nresults,
                             runnel_report *r)
{
    runnel_store *s = f->store;
    rn_native_store *ns = s->native;
    const rn_functype *t = f->type;
    size_t n = t->pslots > t->rslots ? t->pslots : t->rslots;
    if (ns && ns->nest > 0) {
        /* from a host function during compiled code: on this stack, not suspendable */
        uint64_t small[32], *slots = small;
        if (n > 32 && !(slots = rn_malloc(n * sizeof *slots)))
            return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
        for (size_t i = 0, k = 0; i < t->nparams; i++)
            k += runnel_val_to_slots(args[i], (runnel_slot *)slots + k);
        bool was_running = s->running;
        s->running = true;
        runnel_status st = run_entry(ns, f, slots, &r);
        s->running = was_running;
        for (size_t i = 0, k = 0; st == RUNNEL_OK && i < t->nresults && i < nresults; i++)
            k += runnel_slots_to_val((const runnel_slot *)slots + k, (runnel_valtype)t->results[i], &results[i]);
        if (slots != small)
            rn_free(slots);
        return st;
    }
    if (!ns || !map_stack(ns) || !need_slots(ns, n ? n : 1))
        return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory for compiled code's stack");
    for (size_t i = 0, k = 0; i < t->nparams; i++)
        k += runnel_val_to_slots(args[i], (runnel_slot *)ns->slots + k);
    bool was_running = s->running;
    if (!was_running) {
        s->poll_pending = false;
        atomic_store(&s->interrupt, 0);
        s->deadline_ns = s->timeout_ns ? rn_now_ns() + s->timeout_ns : 0;
    }
    ns->can_suspend = !was_running; /* under the interpreter (a host function's call) it cannot */
    ns->in_interpreted = false;
    ns->interp.ip = s->ip;
    ns->interp.fp = s->fp;
    ns->interp.entry_fp = s->entry_fp;
    ns->interp.func = s->func;
    ns->interp.entry_func = s->entry_func;
    ns->interp.depth = s->depth;
    ns->interp.entry_depth = s->entry_depth;
    ns->interp.reentry = s->reentry;
    ns->interp.sp = s->sp;
    ns->top = f;
    ns->report = r;
    ns->finished = false;
    ns->suspended = false;
    grant(ns);
    getcontext(&ns->coro);
    ns->coro.uc_stack.ss_sp = ns->map + RN_NATIVE_GUARD;
    ns->coro.uc_stack.ss_size = ns->map_size - RN_NATIVE_GUARD;
    ns->coro.uc_link = NULL;
    uintptr_t p = (uintptr_t)ns;
    makecontext(&ns->coro, (void (*)(void))coro_main, 2, (unsigned)(p >> 16 >> 16), (unsigned)(p & 0xFFFFFFFFu));
#if RN_ASAN
    __asan_unpoison_memory_region(ns->map + RN_NATIVE_GUARD, ns->map_size - RN_NATIVE_GUARD);
#endif
    s->running = true;
    switch_in(ns);
    return come_back(ns, was_running, results, nresults, r);
}

bool rn_native_suspended(const runnel_store *s) { return s->native && s->native->suspended; }

runnel_status rn_native_resume(runnel_store *s, runnel_val *results, size_t nresults, runnel_report *r)
{
    rn_native_store *ns = s->native;
    if (nresults < ns->top->type->nresults)
        return rn_fail(r, RUNNEL_BADARG, 0, "too few result slots");
    s->suspended = false;
    ns->suspended = false;
    atomic_store(&s->interrupt, 0);
    s->deadline_ns = s->timeout_ns ? rn_now_ns() + s->timeout_ns : 0;
    ns->report = r;
    s->running = true;
    switch_in(ns);
    return come_back(ns, false, results, nresults, r);
}

void rn_native_abandon(runnel_store *s)
{
    rn_native_store *ns = s->native;
    /* an interpreted call parked on the stack (rn_native_park) left the interpreter's state nested */
    s->ip = ns->interp.ip;
    s->fp = ns->interp.fp;
    s->entry_fp = ns->interp.entry_fp;
    s->func = ns->interp.func;
    s->entry_func = ns->interp.entry_func;
    s->depth = ns->interp.depth;
    s->entry_depth = ns->interp.entry_depth;
    s->reentry = ns->interp.reentry;
    s->sp = ns->interp.sp;
    ns->in_interpreted = false;
    ns->suspended = false;
    ns->nest = 0;
    ns->jb = NULL;
    ns->st.depth = 0;
    ns->granted = ns->st.budget = 0;
    s->suspended = false;
    s->poll_pending = false;
}

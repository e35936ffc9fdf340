/*
 * call.c - the embedder's side of execution: modules, calls, suspension, host-function context.
 *
 * A call from the embedder pushes a sentinel frame (no return address) and runs the interpreter
 * until that frame returns. If fuel runs out or an interrupt arrives, the interpreter leaves its
 * state in the store and the call returns RUNNEL_SUSPENDED; runnel_resume re-enters the same loop.
 * A host function may call back into wasm on the same store: that nested call runs above the
 * caller's frames, and since its C caller is on the C stack it cannot suspend: running out of fuel
 * there is a trap.
 */
#include "native.h"
#include "unfused.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- modules */

/* runnel_module_new, or with fuse false the same module compiled without fusion (unfused.h). hook, if
   given, runs while the module still holds its function bodies (the C translator reads them). */
static runnel_module *module_new(const uint8_t *bytes, size_t len, bool fuse, rn_module_hook hook, void *user,
                                 runnel_report *r)
{
    runnel_module *m = rn_calloc(1, sizeof *m);
    if (!m) {
        rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
        return NULL;
    }
    if (!bytes && len) {
        rn_free(m);
        rn_fail(r, RUNNEL_BADARG, 0, "no bytes");
        return NULL;
    }
    runnel_status st = rn_decode(&m->mod, bytes ? bytes : (const uint8_t *)"", len, r);
    if (st == RUNNEL_OK)
        st = rn_validate_module(&m->mod, r);
    for (uint32_t i = 0; st == RUNNEL_OK && i < m->mod.nfuncs_defined; i++)
        st = rn_compile_func_fusing(&m->mod, i, fuse, r);
    if (st == RUNNEL_OK && hook)
        st = hook(m, user, r);
    if (st == RUNNEL_OK)
        st = rn_module_keep_data(&m->mod, r);
    if (st != RUNNEL_OK) {
        rn_native_module_free(m->native);
        rn_module_release(&m->mod);
        rn_free(m);
        return NULL;
    }
    atomic_init(&m->refs, 1);
    return m;
}

runnel_module *rn_module_new_hooked(const uint8_t *bytes, size_t len, rn_module_hook hook, void *user,
                                    runnel_report *r)
{
    return module_new(bytes, len, true, hook, user, r);
}

runnel_module *runnel_module_new(const uint8_t *bytes, size_t len, runnel_report *r)
{
    return module_new(bytes, len, true, NULL, NULL, r);
}

runnel_module *rn_module_new_unfused(const uint8_t *bytes, size_t len, runnel_report *r)
{
    return module_new(bytes, len, false, NULL, NULL, r);
}

void runnel_module_free(runnel_module *m)
{
    if (!m || atomic_fetch_sub(&m->refs, 1) != 1)
        return;
    rn_native_module_free(m->native);
    rn_module_release(&m->mod);
    rn_free(m);
}

size_t runnel_module_import_count(const runnel_module *m) { return m->mod.nimports; }
runnel_import_desc runnel_module_import(const runnel_module *m, size_t i) { return rn_module_import_desc(&m->mod, i); }
size_t runnel_module_export_count(const runnel_module *m) { return m->mod.nexports; }
runnel_export_desc runnel_module_export(const runnel_module *m, size_t i) { return rn_module_export_desc(&m->mod, i); }

/* ---------------------------------------------------------------- functions */

size_t runnel_func_param_count(const runnel_func *f) { return f->type->nparams; }
size_t runnel_func_result_count(const runnel_func *f) { return f->type->nresults; }
runnel_valtype runnel_func_param_type(const runnel_func *f, size_t i)
{
    return i < f->type->nparams ? (runnel_valtype)f->type->params[i] : (runnel_valtype)0;
}
runnel_valtype runnel_func_result_type(const runnel_func *f, size_t i)
{
    return i < f->type->nresults ? (runnel_valtype)f->type->results[i] : (runnel_valtype)0;
}

/* ---------------------------------------------------------------- host-function context */

runnel_instance *runnel_caller_instance(runnel_caller *c) { return c ? c->inst : NULL; }
runnel_store *runnel_caller_store(runnel_caller *c) { return c ? c->store : NULL; }
runnel_memory *runnel_caller_memory(runnel_caller *c)
{
    return c && c->inst && c->inst->module->mod.nmems ? c->inst->mems[0] : NULL;
}

runnel_status runnel_caller_trap(runnel_caller *c, const char *fmt, ...)
{
    if (!c)
        return RUNNEL_TRAP;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt ? fmt : "host trap", ap);
    va_end(ap);
    rn_free(c->message);
    c->message = rn_strdup(buf);
    c->status = RUNNEL_TRAP;
    return RUNNEL_TRAP;
}

bool runnel_caller_interrupted(runnel_caller *c)
{
    if (!c || !c->store)
        return false;
    runnel_store *s = c->store;
    bool stop = atomic_load(&s->interrupt) || (s->deadline_ns && rn_now_ns() >= s->deadline_ns);
    if (stop)
        c->stop = true;
    return stop;
}

uint64_t runnel_caller_time_left_ns(runnel_caller *c)
{
    if (!c || !c->store || !c->store->deadline_ns)
        return UINT64_MAX;
    uint64_t now = rn_now_ns();
    return now >= c->store->deadline_ns ? 0 : c->store->deadline_ns - now;
}

runnel_status runnel_caller_exit(runnel_caller *c, int code)
{
    if (c) {
        c->exit_code = code;
        c->status = RUNNEL_EXIT;
    }
    return RUNNEL_EXIT;
}

/* ---------------------------------------------------------------- calls */

typedef struct saved_state {
    const uint32_t *ip;
    rn_slot *fp, *entry_fp;
    runnel_func *func;
    uint32_t entry_depth, depth;
    size_t sp;
    bool suspended;
} saved_state;

/* Results (or arguments) as values from slots laid out as a frame lays them: a v128 takes two. */
static void slots_to_vals(const rn_slot *base, const uint8_t *types, size_t n, runnel_val *out)
{
    for (size_t i = 0, k = 0; i < n; i++) {
        out[i] = rn_slot_to_val(base[k++], types[i]);
        if (types[i] == RN_V128)
            out[i].of.v128.hi = base[k++];
    }
}

static void results_out(runnel_store *s, const runnel_func *f, runnel_val *results, size_t nresults)
{
    size_t n = nresults < f->type->nresults ? nresults : f->type->nresults;
    slots_to_vals(s->entry_fp, f->type->results, n, results);
}

/* Run from the state set up in the store; shared by call and resume. */
static runnel_status run(runnel_store *s, bool nested, runnel_val *results, size_t nresults, runnel_report *r)
{
    s->running = true;
    runnel_status st = rn_exec(s, r);
    s->running = nested;
    if (st == RUNNEL_SUSPENDED && nested) {
        /* a nested call cannot be resumed: its C caller is a host function on the C stack */
        s->depth = s->entry_depth - 1;
        s->suspended = false;
        if (r)
            r->status = RUNNEL_TRAP;
        return RUNNEL_TRAP;
    }
    if (st == RUNNEL_OK)
        results_out(s, s->entry_func, results, nresults);
    return st;
}

static runnel_status call_wasm(runnel_func *f, const runnel_val *args, size_t nargs, runnel_val *results,
                               size_t nresults, runnel_report *r);

runnel_status runnel_call(runnel_func *f, const runnel_val *args, size_t nargs, runnel_val *results, size_t nresults,
                          runnel_report *r)
{
    if (!f)
        return rn_fail(r, RUNNEL_BADARG, 0, "no function");
    runnel_store *s = f->store;
    const rn_functype *t = f->type;
    if (nargs != t->nparams || nresults < t->nresults || (nargs && !args) || (t->nresults && !results))
        return rn_fail(r, RUNNEL_BADARG, 0, "function takes %u arguments and gives %u results, called with %zu and %zu",
                       t->nparams, t->nresults, nargs, nresults);
    for (size_t i = 0; i < nargs; i++)
        if ((uint8_t)args[i].type != t->params[i])
            return rn_fail(r, RUNNEL_BADARG, 0, "argument %zu has the wrong type", i);
    if (s->suspended && !s->running)
        return rn_fail(r, RUNNEL_BADARG, 0, "the store has a suspended call: resume or abandon it first");
    if (!s->running)
        return f->entry ? rn_native_call(f, args, results, nresults, r) : call_wasm(f, args, nargs, results, nresults, r);
    /* from a host function: each level holds C stack (the host's frames, and the interpreter's), which
       nothing else bounds */
    if (s->reentry >= RN_MAX_REENTRY) {
        rn_fail(r, RUNNEL_TRAP, 0, "call stack exhausted (host functions calling wasm %u deep)", RN_MAX_REENTRY);
        if (r)
            r->trap = RUNNEL_TRAP_STACK_EXHAUSTED;
        return RUNNEL_TRAP;
    }
    s->reentry++;
    runnel_status st =
        f->entry ? rn_native_call(f, args, results, nresults, r) : call_wasm(f, args, nargs, results, nresults, r);
    s->reentry--;
    return st;
}

/* runnel_call of a wasm function run by the interpreter, or of a host function directly (f checked). */
static runnel_status call_wasm(runnel_func *f, const runnel_val *args, size_t nargs, runnel_val *results,
                               size_t nresults, runnel_report *r)
{
    runnel_store *s = f->store;
    const rn_functype *t = f->type;
    bool nested = s->running;
    saved_state saved = {s->ip, s->fp, s->entry_fp, s->entry_func, s->entry_depth, s->depth, s->sp, s->suspended};
    size_t base = nested ? s->sp : 0;
    size_t need = t->pslots > t->rslots ? t->pslots : t->rslots;
    if (f->code && f->code->nslots > need)
        need = f->code->nslots;
    if (base + need > s->stack_slots || s->depth + 1 >= s->max_depth + 64) {
        rn_fail(r, RUNNEL_TRAP, 0, "call stack exhausted");
        if (r)
            r->trap = RUNNEL_TRAP_STACK_EXHAUSTED;
        return RUNNEL_TRAP;
    }
    rn_slot *fp = s->stack + base;
    for (size_t i = 0, k = 0; i < nargs; i++) {
        fp[k++] = rn_val_to_slot(args[i]);
        if (args[i].type == RUNNEL_TYPE_V128)
            fp[k++] = args[i].of.v128.hi;
    }

    runnel_status st;
    if (!f->code) {
        /* a host function called directly */
        runnel_caller c = {s, NULL, RUNNEL_OK, 0, NULL, false};
        runnel_slot in[16], out[16];
        if (t->pslots > 16 || t->rslots > 16)
            return rn_fail(r, RUNNEL_BADARG, 0, "too many values for a direct host call");
        memcpy(in, fp, t->pslots * sizeof *in);
        memset(out, 0, sizeof out);
        st = f->host(&c, in, out, f->user);
        if (st == RUNNEL_OK) {
            rn_slot raw[16];
            for (size_t i = 0; i < t->rslots; i++)
                raw[i] = out[i].i64;
            slots_to_vals(raw, t->results, t->nresults, results);
        } else if (st == RUNNEL_EXIT) {
            rn_fail(r, RUNNEL_EXIT, 0, "exit with code %d", c.exit_code);
            if (r)
                r->exit_code = c.exit_code;
        } else {
            rn_fail(r, st, 0, "%s", c.message ? c.message : "host trap");
            if (r)
                r->trap = RUNNEL_TRAP_HOST;
        }
        rn_free(c.message);
        return st;
    }

    s->frames[s->depth++] = (rn_frame){rn_halt_code, fp, f};
    s->entry_depth = s->depth;
    s->entry_fp = fp;
    s->entry_func = f;
    s->fp = fp;
    s->func = f;
    s->ip = f->code->words;
    if (f->code->nlocals)
        memset(fp + f->code->nparams, 0, f->code->nlocals * sizeof *fp);
    if (!nested) {
        s->poll_pending = false;
        atomic_store(&s->interrupt, 0);
        s->deadline_ns = s->timeout_ns ? rn_now_ns() + s->timeout_ns : 0;
    }
    st = run(s, nested, results, nresults, r);
    if (nested) {
        s->ip = saved.ip;
        s->fp = saved.fp;
        s->entry_func = saved.func;
        s->entry_depth = saved.entry_depth;
        s->depth = saved.depth;
        s->sp = saved.sp;
        s->suspended = saved.suspended;
        s->entry_fp = saved.entry_fp;
    }
    return st;
}

runnel_status rn_call_start(runnel_func *f, runnel_report *r)
{
    runnel_status st = runnel_call(f, NULL, 0, NULL, 0, r);
    if (st == RUNNEL_SUSPENDED) {
        /* instantiation cannot be left half done: a suspended start function fails it */
        runnel_abandon(f->store);
        if (r)
            r->status = RUNNEL_TRAP;
        return RUNNEL_TRAP;
    }
    return st;
}

runnel_status runnel_resume(runnel_store *s, runnel_val *results, size_t nresults, runnel_report *r)
{
    if (!s->suspended || s->running)
        return rn_fail(r, RUNNEL_BADARG, 0, "no suspended call to resume");
    if (s->native && rn_native_suspended(s))
        return rn_native_resume(s, results, nresults, r);
    if (nresults < s->entry_func->type->nresults)
        return rn_fail(r, RUNNEL_BADARG, 0, "too few result slots");
    s->suspended = false;
    atomic_store(&s->interrupt, 0);
    s->deadline_ns = s->timeout_ns ? rn_now_ns() + s->timeout_ns : 0;
    return run(s, false, results, nresults, r);
}

void runnel_abandon(runnel_store *s)
{
    if (!s->suspended || s->running)
        return;
    if (s->native && rn_native_suspended(s)) {
        rn_native_abandon(s);
        return;
    }
    s->suspended = false;
    s->poll_pending = false;
    s->depth = s->entry_depth - 1;
}

bool runnel_store_suspended(const runnel_store *s) { return s->suspended; }

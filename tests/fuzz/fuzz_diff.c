/*
 * fuzz_diff.c - libFuzzer target `runnel_fuzz_diff`: fused code against plain code, on arbitrary modules.
 *
 * The compiler merges common instruction sequences into fused ops (compile.c, fuse.c). A fused op must
 * do exactly what the plain ops it replaces do, and nothing else checks that on arbitrary modules: the
 * spec suite runs only fused code, and test_fusion.c only the patterns each fusion was made for. So this
 * target compiles the input twice, with fusion (runnel_module_new) and without (rn_module_new_unfused,
 * unfused.h: one plain op per wasm instruction), runs both the same way and aborts on any difference:
 *
 *   1. decoding, validation and compilation must fail on both or on neither, with the same status,
 *      byte offset and message (the validator is shared, so only a compiler bug could split them), and
 *      the unfused code must hold plain ops only, so that a fusion that escapes the compiler's switch
 *      cannot make the comparison below vacuous;
 *   2. each module is instantiated in its own store with the same imports (fuzz_common.c: zeroing host
 *      functions, fresh memories, tables and globals), the same limits and the same fuel, and the
 *      outcome of instantiation (its start function) is compared like a call;
 *   3. every export whose parameters are all numbers is called, FUZZ_ARG_SETS times, with the same
 *      arguments on both sides: drawn from a hash of the input, so they differ between inputs and are
 *      not only zeros, but are the same every time an input is replayed;
 *   4. after each call: the status, the trap kind, the results (bit for bit, floats included), the
 *      fuel left, the whole backtrace of a trap (function and byte offset of every frame), all of
 *      memory 0 and the values of all globals must be the same.
 *
 * Why each of those must match exactly:
 * - Results bit for bit, NaNs too: the spec lets a NaN's payload be nondeterministic, but runnel's
 *   float ops are the same C code fused or not (numeric.h), so the bits must agree.
 * - The fuel left: fuel is counted per poll (function entry, loop back-edge). A fused branch polls
 *   exactly when it jumps backwards, like the plain br_if_poll/br_poll it replaces, so the two run out
 *   of fuel at the same poll, and a completed or trapped call has used the same fuel.
 * - The trap's offsets: a fused op that can trap keeps the pcmap entry of the instruction that traps in
 *   it (compile.c: mark_at), and runnel promises the byte offset of the failing instruction. Caller
 *   frames are the offsets of the calls, which are never fused.
 *   A suspended call (out of fuel) has no backtrace to compare: its position is a poll, not a failing
 *   instruction.
 * - Memory and globals: fused ops write what the plain ones would, including the intermediate results
 *   that a local.tee may have sent to a local (which a later instruction stores or returns).
 *
 * On a difference the target prints the export, its arguments and both outcomes, then aborts; the
 * input is the reproducer (`runnel_fuzz_diff FILE` prints the same again).
 */
#include "fuzz_common.h"

#include "module.h"
#include "plain_code.h"
#include "runtime.h"
#include "unfused.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    FUZZ_ARG_SETS = 2, /* calls of each export, each with its own arguments */
};

/* One compilation of the input and the store it runs in. */
typedef struct side {
    runnel_module *m;
    runnel_store *s;
    runnel_linker *l;
    runnel_instance *inst;
} side;

/* How one call (or an instantiation) ended on one side. */
typedef struct outcome {
    runnel_status st;
    runnel_report r;
    runnel_val *results;
    size_t nresults;
    uint64_t fuel_left;
} outcome;

/* Every function of an unfused module must be plain ops only (plain_code.h). */
static void check_plain(const runnel_module *m)
{
    for (uint32_t fi = 0; fi < m->mod.nfuncs_defined; fi++) {
        uint32_t bad;
        if (!code_is_plain(m->mod.funcs[fi].code, &bad)) {
            fprintf(stderr,
                    "fuzz_diff: unfused code of defined function %" PRIu32 " has op %" PRIu32 " at word %" PRIu32
                    ", not a plain op: fusion is not off (cc.nofuse)\n",
                    fi, m->mod.funcs[fi].code->words[bad], bad);
            abort();
        }
    }
}

/* ---------------------------------------------------------------- arguments */

static uint64_t hash_bytes(const uint8_t *data, size_t size)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 0x100000001b3u;
    return h;
}

static uint64_t next_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u); /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* A value of type t: half the time one of the edge cases below (zero, one, minus one, the extremes,
   addresses at the ends of pages, NaNs, infinities, float values at the limits of integer conversion),
   else random bits, small or full width. */
static runnel_val make_arg(runnel_valtype t, uint64_t *state)
{
    static const uint32_t i32s[] = {0,   1,      0xffffffffu, 0x80000000u, 0x7fffffffu, 2,        4,           8, 16,
                                    255, 0xfffc, 0xffff,      0x10000,     0xfffffffcu, 0x100000, 0xffff0000u, 3, 7};
    static const uint64_t i64s[] = {0,
                                    1,
                                    UINT64_MAX,
                                    UINT64_C(0x8000000000000000),
                                    UINT64_C(0x7fffffffffffffff),
                                    0x80000000u,
                                    0xffffffffu,
                                    UINT64_C(0x100000000),
                                    UINT64_C(0xffffffff80000000),
                                    2,
                                    63,
                                    64,
                                    0xfffc,
                                    0x10000};
    static const uint32_t f32s[] = {
        0x00000000u, 0x80000000u, 0x3f800000u, 0xbf800000u, 0x7fc00000u, 0xffc00000u, 0x7fa00001u,
        0x7f800000u, 0xff800000u, 0x00000001u, 0x7f7fffffu, 0x4f000000u, 0xcf000000u, 0x4f800000u,
        0x5f000000u, 0xdf000000u, 0x3f000000u, 0xbf7fffffu, /* 2^31, -2^31, 2^32, 2^63, -2^63, 0.5, ... */
    };
    static const uint64_t f64s[] = {
        0,
        UINT64_C(0x8000000000000000),
        UINT64_C(0x3ff0000000000000),
        UINT64_C(0xbff0000000000000),
        UINT64_C(0x7ff8000000000000),
        UINT64_C(0xfff8000000000000),
        UINT64_C(0x7ff4000000000001),
        UINT64_C(0x7ff0000000000000),
        UINT64_C(0xfff0000000000000),
        1,
        UINT64_C(0x7fefffffffffffff),
        UINT64_C(0x41e0000000000000), /* 2^31 */
        UINT64_C(0xc1e0000000200000), /* -2^31 - 1 */
        UINT64_C(0x41efffffffe00000), /* 2^32 - 1 */
        UINT64_C(0x43e0000000000000), /* 2^63 */
        UINT64_C(0xc3e0000000000000), /* -2^63 */
        UINT64_C(0x3fe0000000000000), /* 0.5 */
    };
#define PICK(table) (table)[next_rand(state) % (sizeof(table) / sizeof *(table))]
    uint64_t r = next_rand(state);
    bool edge = r & 1, small = r & 2;
    uint64_t bits = next_rand(state);
    runnel_val v;
    memset(&v, 0, sizeof v);
    v.type = t;
    switch (t) {
    case RUNNEL_TYPE_I32:
        v.of.i32 = (int32_t)(edge ? PICK(i32s) : small ? (uint32_t)(bits % 1024) : (uint32_t)bits);
        break;
    case RUNNEL_TYPE_I64: v.of.i64 = (int64_t)(edge ? PICK(i64s) : small ? bits % 1024 : bits); break;
    case RUNNEL_TYPE_F32: v.of.f32_bits = edge ? PICK(f32s) : (uint32_t)bits; break;
    case RUNNEL_TYPE_F64: v.of.f64_bits = edge ? PICK(f64s) : bits; break;
    case RUNNEL_TYPE_V128:
        v.of.v128.lo = edge ? 0 : bits;
        v.of.v128.hi = edge ? UINT64_MAX : next_rand(state);
        break;
    default: break; /* not called: only exports with numeric parameters are */
    }
#undef PICK
    return v;
}

/* ---------------------------------------------------------------- comparing */

/* The bits of a value that must agree: numbers bit for bit; a reference by what it denotes (its
   function's index, or null), since each side has its own store and so its own pointers. */
static uint64_t val_key(runnel_val v)
{
    switch (v.type) {
    case RUNNEL_TYPE_I32: return (uint32_t)v.of.i32;
    case RUNNEL_TYPE_I64: return (uint64_t)v.of.i64;
    case RUNNEL_TYPE_F32: return v.of.f32_bits;
    case RUNNEL_TYPE_F64: return v.of.f64_bits;
    case RUNNEL_TYPE_V128: return v.of.v128.lo; /* and the high half: same_val */
    case RUNNEL_TYPE_FUNCREF: return v.of.funcref ? (uint64_t)v.of.funcref->index + 1 : 0;
    case RUNNEL_TYPE_EXTERNREF: return v.of.externref != NULL; /* the only externrefs here are null */
    default: return 0;
    }
}

static bool same_val(runnel_val a, runnel_val b)
{
    return a.type == b.type && val_key(a) == val_key(b) && (a.type != RUNNEL_TYPE_V128 || a.of.v128.hi == b.of.v128.hi);
}

static void print_val(runnel_val v)
{
    switch (v.type) {
    case RUNNEL_TYPE_I32: fprintf(stderr, "i32:0x%08" PRIx32, (uint32_t)v.of.i32); break;
    case RUNNEL_TYPE_I64: fprintf(stderr, "i64:0x%016" PRIx64, (uint64_t)v.of.i64); break;
    case RUNNEL_TYPE_F32: fprintf(stderr, "f32:0x%08" PRIx32 " (%g)", v.of.f32_bits, (double)v.of.f32); break;
    case RUNNEL_TYPE_F64: fprintf(stderr, "f64:0x%016" PRIx64 " (%g)", v.of.f64_bits, v.of.f64); break;
    case RUNNEL_TYPE_V128:
        fprintf(stderr, "v128:0x%016" PRIx64 "%016" PRIx64, v.of.v128.hi, v.of.v128.lo);
        break;
    default: fprintf(stderr, "ref:%" PRIu64, val_key(v)); break;
    }
}

static void print_outcome(const char *name, const outcome *o)
{
    fprintf(stderr, "  %s: %s", name, runnel_status_name(o->st));
    if (o->st == RUNNEL_TRAP || o->st == RUNNEL_SUSPENDED)
        fprintf(stderr, " (%s)", runnel_trap_message(o->r.trap));
    if (o->r.message)
        fprintf(stderr, ": %s", o->r.message);
    fprintf(stderr, "; fuel left %" PRIu64 "\n", o->fuel_left);
    for (size_t i = 0; o->st == RUNNEL_OK && i < o->nresults; i++) {
        fprintf(stderr, "    result %zu = ", i);
        print_val(o->results[i]);
        fputc('\n', stderr);
    }
    for (size_t i = 0; i < o->r.nframes; i++)
        fprintf(stderr, "    #%zu func %" PRIu32 " at offset 0x%" PRIx32 "\n", i, o->r.frames[i].func_index,
                o->r.frames[i].offset);
}

/* What was run, for the message of a difference: "instantiation" or an export and its arguments. */
typedef struct what {
    const char *export_name;
    const runnel_val *args;
    size_t nargs;
} what;

static void differ(const what *w, const char *aspect)
{
    if (w->export_name) {
        fprintf(stderr, "fuzz_diff: fused and unfused code differ in %s, calling export \"%s\"(", aspect,
                w->export_name);
        for (size_t i = 0; i < w->nargs; i++) {
            if (i)
                fputs(", ", stderr);
            print_val(w->args[i]);
        }
        fputs(")\n", stderr);
    } else {
        fprintf(stderr, "fuzz_diff: fused and unfused code differ in %s, instantiating the module\n", aspect);
    }
}

static bool same_outcome(const outcome *a, const outcome *b, const char **aspect)
{
    *aspect = "the status";
    if (a->st != b->st)
        return false;
    *aspect = "the trap kind";
    if (a->r.trap != b->r.trap)
        return false;
    *aspect = "the fuel used";
    if (a->fuel_left != b->fuel_left)
        return false;
    *aspect = "the results";
    for (size_t i = 0; a->st == RUNNEL_OK && i < a->nresults; i++)
        if (!same_val(a->results[i], b->results[i]))
            return false;
    *aspect = "the backtrace (function or byte offset of a frame)";
    if (a->st == RUNNEL_TRAP) {
        if (a->r.nframes != b->r.nframes)
            return false;
        for (size_t i = 0; i < a->r.nframes; i++)
            if (a->r.frames[i].func_index != b->r.frames[i].func_index ||
                a->r.frames[i].offset != b->r.frames[i].offset)
                return false;
    }
    return true;
}

static void compare_outcomes(const what *w, const outcome *a, const outcome *b)
{
    const char *aspect;
    if (same_outcome(a, b, &aspect))
        return;
    differ(w, aspect);
    print_outcome("fused  ", a);
    print_outcome("unfused", b);
    abort();
}

/* The state a call leaves behind: memory 0 (or the empty memory of an instance without one) and every
   global, mutable or not, exported or not (an immutable one could only differ through a bug outside
   the compiler, but costs nothing to check). */
static void compare_state(const what *w, const side *a, const side *b)
{
    const runnel_memory *ma = a->inst->mem0, *mb = b->inst->mem0;
    if (ma->size != mb->size) {
        differ(w, "the size of memory 0");
        fprintf(stderr, "  fused: %" PRIu64 " bytes, unfused: %" PRIu64 " bytes\n", ma->size, mb->size);
        abort();
    }
    if (ma->size && memcmp(ma->data, mb->data, ma->size) != 0) {
        size_t i = 0;
        while (ma->data[i] == mb->data[i])
            i++;
        differ(w, "the contents of memory 0");
        fprintf(stderr, "  first difference at address 0x%zx: fused 0x%02x, unfused 0x%02x\n", i, ma->data[i],
                mb->data[i]);
        abort();
    }
    uint32_t n = a->m->mod.nglobals;
    CHECK(n == b->m->mod.nglobals);
    for (uint32_t i = 0; i < n; i++) {
        runnel_val va = runnel_global_get(a->inst->globals[i]), vb = runnel_global_get(b->inst->globals[i]);
        if (!same_val(va, vb)) {
            differ(w, "the value of a global");
            fprintf(stderr, "  global %" PRIu32 ": fused ", i);
            print_val(va);
            fputs(", unfused ", stderr);
            print_val(vb);
            fputc('\n', stderr);
            abort();
        }
    }
}

/* ---------------------------------------------------------------- running */

static void outcome_free(outcome *o)
{
    runnel_report_clear(&o->r);
    free(o->results);
}

/* A suspended call is abandoned, so the store can take the next call. */
static void settle(side *sd, outcome *o)
{
    CHECK(o->st == RUNNEL_OK || o->st == RUNNEL_TRAP || o->st == RUNNEL_SUSPENDED || o->st == RUNNEL_NOMEM ||
          (o->st == RUNNEL_UNLINKABLE && !sd->inst));
    if (o->st != RUNNEL_OK)
        fuzz_check_report(&o->r, o->st);
    o->fuel_left = runnel_store_fuel(sd->s);
    if (runnel_store_suspended(sd->s))
        runnel_abandon(sd->s);
}

static void call_on(side *sd, runnel_func *f, const runnel_val *args, size_t np, size_t nr, outcome *o)
{
    memset(o, 0, sizeof *o);
    o->results = calloc(nr + 1, sizeof *o->results);
    CHECK(o->results != NULL);
    o->nresults = nr;
    runnel_store_set_fuel(sd->s, FUZZ_FUEL);
    o->st = runnel_call(f, args, np, o->results, nr, &o->r);
    settle(sd, o);
}

static void call_exports(side *a, side *b, uint64_t *rng)
{
    size_t n = runnel_module_export_count(a->m), calls = 0;
    for (size_t round = 0; round < FUZZ_ARG_SETS; round++) {
        for (size_t i = 0; i < n && calls < FUZZ_MAX_CALLS; i++) {
            runnel_export_desc e = runnel_module_export(a->m, i);
            if (e.kind != RUNNEL_EXTERN_FUNC)
                continue;
            uint32_t len = rn_name_len(e.name);
            runnel_func *fa = runnel_instance_func_n(a->inst, e.name, len);
            runnel_func *fb = runnel_instance_func_n(b->inst, e.name, len);
            CHECK(fa != NULL && fb != NULL);
            size_t np = runnel_func_param_count(fa), nr = runnel_func_result_count(fa);
            bool numeric = true;
            for (size_t k = 0; k < np; k++)
                numeric = numeric && fuzz_is_number(runnel_func_param_type(fa, k));
            if (!numeric)
                continue;
            runnel_val *args = calloc(np + 1, sizeof *args);
            CHECK(args != NULL);
            for (size_t k = 0; k < np; k++)
                args[k] = make_arg(runnel_func_param_type(fa, k), rng);
            outcome oa, ob;
            call_on(a, fa, args, np, nr, &oa);
            call_on(b, fb, args, np, nr, &ob);
            what w = {e.name, args, np};
            compare_outcomes(&w, &oa, &ob);
            compare_state(&w, a, b);
            outcome_free(&oa);
            outcome_free(&ob);
            free(args);
            calls++;
        }
    }
}

/* Imports, then instantiation with fuel (which runs the start function). False if the imports cannot
   be met, which depends only on the module's declarations and so is the same on both sides. */
static bool instantiate(side *sd, const uint8_t *data, size_t size, outcome *o)
{
    memset(o, 0, sizeof *o);
    sd->s = runnel_store_new(&fuzz_config);
    sd->l = runnel_linker_new();
    CHECK(sd->s && sd->l);
    if (!fuzz_satisfy_imports(sd->l, sd->s, sd->m, data, size))
        return false;
    runnel_store_set_fuel(sd->s, FUZZ_FUEL);
    sd->inst = runnel_instantiate(sd->s, sd->m, sd->l, &o->r);
    o->st = o->r.status;
    CHECK(sd->inst ? o->st == RUNNEL_OK : o->st != RUNNEL_OK);
    settle(sd, o);
    return true;
}

static void side_free(side *sd)
{
    if (sd->l)
        runnel_linker_free(sd->l);
    if (sd->s)
        runnel_store_free(sd->s);
    runnel_module_free(sd->m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    side a = {0}, b = {0}; /* a fused, b unfused */
    runnel_report ra = {0}, rb = {0};
    a.m = runnel_module_new(data, size, &ra);
    b.m = rn_module_new_unfused(data, size, &rb);
    if (!a.m || !b.m) {
        if ((a.m != NULL) != (b.m != NULL) || ra.status != rb.status || ra.offset != rb.offset ||
            strcmp(ra.message ? ra.message : "", rb.message ? rb.message : "") != 0) {
            fprintf(stderr, "fuzz_diff: the module compiles differently with and without fusion\n");
            fprintf(stderr, "  fused:   %s at offset %zu: %s\n", a.m ? "ok" : runnel_status_name(ra.status), ra.offset,
                    ra.message ? ra.message : "");
            fprintf(stderr, "  unfused: %s at offset %zu: %s\n", b.m ? "ok" : runnel_status_name(rb.status), rb.offset,
                    rb.message ? rb.message : "");
            abort();
        }
        runnel_report_clear(&ra);
        runnel_report_clear(&rb);
        return 0;
    }
    check_plain(b.m);

    outcome oa, ob;
    bool ok_a = instantiate(&a, data, size, &oa), ok_b = instantiate(&b, data, size, &ob);
    CHECK(ok_a == ok_b);
    if (ok_a) {
        what w = {NULL, NULL, 0};
        compare_outcomes(&w, &oa, &ob);
        if (a.inst) {
            compare_state(&w, &a, &b);
            uint64_t rng = hash_bytes(data, size);
            call_exports(&a, &b, &rng);
        }
    }
    outcome_free(&oa);
    outcome_free(&ob);
    side_free(&a);
    side_free(&b);
    return 0;
}

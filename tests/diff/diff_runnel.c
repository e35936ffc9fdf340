/*
 * diff_runnel.c - runnel's side of the differential test against V8 (tests/diff, see run.sh).
 *
 *   diff_runnel [--arg-sets N] [--fuel N] MODULE.wasm...
 *
 * For each module it prints, in the canonical text that diff_v8.mjs prints for V8 (the two outputs are
 * compared by compare.mjs, docs/testing.md says how to read them):
 *
 *   module NAME
 *   compile error | unsupported import MOD.NAME | instantiate ok | instantiate trap KIND
 *   skip EXPORT (a parameter or result JavaScript cannot pass: v128 or a reference)
 *   call EXPORT #K ARGS...       once per numeric export and argument set K, each on a fresh instance
 *   log VALUE                    each call of a fuzzing-support log-* import, in order
 *   result ok VALUES... | result trap KIND | result exhausted (call depth or fuel: not compared)
 *   memory NAME PAGES            each exported memory after the call, then its non-zero 16-byte rows:
 *   mem OFFSET BYTES             (hex), so that compare.mjs can allow NaN payloads stored in memory
 *   global NAME VALUE            each exported global after the call
 *
 * Values are TYPE:BITS in hex (i32:0000002a); a scalar NaN is printed as f32:nan or f64:nan, whatever
 * its payload, because the spec leaves payloads open (canonical or arithmetic NaNs) and JavaScript
 * numbers cannot carry them. A v128 is printed as its 16 bytes; compare.mjs treats NaN lanes.
 * The arguments come from argset() below, which diff_v8.mjs reproduces exactly (splitmix64 over K and
 * the parameter's position), so both sides call with the same bits.
 *
 *   diff_runnel --tiers [--cache DIR] [--bounds checked|guarded] [--arg-sets N] [--fuel N] [--show] MODULE.wasm...
 *
 * runnel's compiling tier against its interpreter (run.sh --tiers; ctest diff_compiled_short): each
 * module is loaded both ways (runnel_module_new; runnel_module_compile with its cache in DIR), every
 * export whose parameters and results are numbers or v128 is called in both with the same arguments,
 * each call on a fresh instance, and the texts of the two calls must be equal byte for byte (but for the
 * bits of NaNs, which spec 4.3.3 leaves open when two NaNs meet: nan_bits_only): logged
 * values and results with their NaN payloads and signs, a trap's kind and the function index of every
 * frame, the fuel left, memory 0 and every exported memory and global after the call. Argument set 0
 * runs with --fuel N (default 10^8); later sets start with 2K-1 units, so that calls run out, are
 * suspended where they ran out (compared there too), and are resumed with N more. Only a call that
 * exhausts the stack on either side is not compared (the tiers' stacks differ in size). Each
 * disagreement is printed with both texts (NAN BITS when it lies in NaN bits alone); the last line has
 * the figures; exit status 1 when anything but NaN bits disagreed. --bounds picks how compiled code
 * bounds its memory accesses (docs/compiling.md, "Bounds"): "checked" (the default) compares every
 * effective address; "guarded" enables guard pages first (runnel_guard_pages_enable, as the runnel
 * command does), so accesses are not compared and an out-of-bounds one faults and becomes the trap in
 * the signal handler: then every trap's kind, frames and fuel, and memory up to the fault, are checked
 * against the interpreter's through that path.
 */
#include "runnel/engine.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MAX_PARAMS = 64, MAX_RESULTS = 64 };

typedef struct options {
    int arg_sets;
    uint64_t fuel;
    bool tiers;            /* --tiers: the compiled tier against the interpreter, nothing printed for V8 */
    const char *cache_dir; /* --cache DIR: the compile cache of --tiers */
    bool show;             /* --show: print every call's text (the interpreter's) in --tiers */
    bool guarded;          /* --bounds guarded: compiled code bounded by guard pages, not compares */
} options;

static options opt = {.arg_sets = 3, .fuel = 100000000};

/* Where the canonical text goes: stdout, or (--tiers) one tier's text of one call. */
static FILE *out;

/* ---------------------------------------------------------------- values */

static bool is_nan32(uint32_t b) { return (b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu); }
static bool is_nan64(uint64_t b)
{
    return (b & UINT64_C(0x7ff0000000000000)) == UINT64_C(0x7ff0000000000000) && (b & UINT64_C(0xfffffffffffff));
}

static void print_val(runnel_val v)
{
    switch (v.type) {
    case RUNNEL_TYPE_I32: fprintf(out, "i32:%08" PRIx32, (uint32_t)v.of.i32); break;
    case RUNNEL_TYPE_I64: fprintf(out, "i64:%016" PRIx64, (uint64_t)v.of.i64); break;
    case RUNNEL_TYPE_F32:
        if (is_nan32(v.of.f32_bits) && !opt.tiers) /* between runnel's tiers NaN payloads must agree too */
            fprintf(out, "f32:nan");
        else
            fprintf(out, "f32:%08" PRIx32, v.of.f32_bits);
        break;
    case RUNNEL_TYPE_F64:
        if (is_nan64(v.of.f64_bits) && !opt.tiers)
            fprintf(out, "f64:nan");
        else
            fprintf(out, "f64:%016" PRIx64, v.of.f64_bits);
        break;
    case RUNNEL_TYPE_V128: fprintf(out, "v128:%016" PRIx64 "%016" PRIx64, v.of.v128.hi, v.of.v128.lo); break;
    default: fprintf(out, "ref"); break;
    }
}

static uint64_t splitmix(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Argument set k for params[0..n): per parameter, half the time an edge case of its type, else random
   bits (small or full width). NaN arguments are the canonical quiet NaN: JavaScript passes every NaN
   as that one. */
static void argset(int k, const runnel_valtype *params, size_t n, runnel_val *out)
{
    static const uint32_t i32s[] = {0, 1, 0xffffffffu, 0x80000000u, 0x7fffffffu, 0xfffc, 0x10000, 0xffff0000u, 7};
    static const uint64_t i64s[] = {0, 1, UINT64_MAX, UINT64_C(0x8000000000000000), UINT64_C(0x7fffffffffffffff),
                                    0xffffffffu, UINT64_C(0x100000000), 63, 64};
    static const uint32_t f32s[] = {0, 0x80000000u, 0x3f800000u, 0xbf800000u, 0x7fc00000u, 0x7f800000u,
                                    0xff800000u, 1, 0x7f7fffffu, 0x4f000000u, 0xcf000000u, 0x3f000000u};
    static const uint64_t f64s[] = {0,
                                    UINT64_C(0x8000000000000000),
                                    UINT64_C(0x3ff0000000000000),
                                    UINT64_C(0xbff0000000000000),
                                    UINT64_C(0x7ff8000000000000),
                                    UINT64_C(0x7ff0000000000000),
                                    UINT64_C(0xfff0000000000000),
                                    1,
                                    UINT64_C(0x7fefffffffffffff),
                                    UINT64_C(0x41e0000000000000),
                                    UINT64_C(0xc3e0000000000000),
                                    UINT64_C(0x3fe0000000000000)};
    uint64_t st = UINT64_C(0x5eed) + (uint64_t)k * 1000;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = splitmix(&st), bits = splitmix(&st), pick = splitmix(&st);
        bool edge = r & 1, small = r & 2;
        runnel_val v = {.type = params[i]};
        switch (params[i]) {
        case RUNNEL_TYPE_I32:
            v.of.i32 = (int32_t)(edge ? i32s[pick % 9] : small ? (uint32_t)(bits % 1024) : (uint32_t)bits);
            break;
        case RUNNEL_TYPE_I64: v.of.i64 = (int64_t)(edge ? i64s[pick % 9] : small ? bits % 1024 : bits); break;
        case RUNNEL_TYPE_F32:
            v.of.f32_bits = edge ? f32s[pick % 12] : (uint32_t)bits;
            if (is_nan32(v.of.f32_bits))
                v.of.f32_bits = 0x7fc00000u;
            break;
        case RUNNEL_TYPE_F64:
            v.of.f64_bits = edge ? f64s[pick % 12] : bits;
            if (is_nan64(v.of.f64_bits))
                v.of.f64_bits = UINT64_C(0x7ff8000000000000);
            break;
        case RUNNEL_TYPE_V128: /* --tiers only: JavaScript cannot pass one */
            v.of.v128.lo = edge ? (pick & 1 ? UINT64_C(0x7fc000007fc00000) : UINT64_C(0x8000000000000000)) : bits;
            v.of.v128.hi = splitmix(&st);
            break;
        default: break; /* not called: such exports are skipped */
        }
        out[i] = v;
    }
}

/* ---------------------------------------------------------------- imports */

/* The module being run (its bytes: trap_name reads the opcode a trap happened at). */
static const uint8_t *cur_bytes;
static size_t cur_len;

/* The trap kinds by the names both sides print (V8's messages are mapped to these in diff_v8.mjs), as
   fine as V8's messages tell them apart: one message for a null entry and a signature mismatch in
   call_indirect ("indirect_call"), one for every trap of a float-to-integer truncation, NaN or out of
   range ("float_to_int"), where runnel, like the spec, says "invalid conversion" or "integer
   overflow". An integer overflow is told from the other (i32.div_s of INT32_MIN by -1) by the opcode
   at the trap's offset. */
static const char *trap_name(const runnel_report *r)
{
    switch (r->trap) {
    case RUNNEL_TRAP_UNREACHABLE: return "unreachable";
    case RUNNEL_TRAP_MEMORY_OOB: return "memory_oob";
    case RUNNEL_TRAP_TABLE_OOB: return "table_oob";
    case RUNNEL_TRAP_NULL_FUNC:
    case RUNNEL_TRAP_SIG_MISMATCH: return "indirect_call";
    case RUNNEL_TRAP_DIV_ZERO: return "div_zero";
    case RUNNEL_TRAP_INVALID_CONVERSION: return "float_to_int";
    case RUNNEL_TRAP_INT_OVERFLOW: {
        uint8_t op = r->nframes && r->frames[0].offset < cur_len ? cur_bytes[r->frames[0].offset] : 0;
        if ((op >= 0xa8 && op <= 0xab) || (op >= 0xae && op <= 0xb1)) /* i32/i64.trunc_f32/f64_s/u */
            return "float_to_int";
        return "int_overflow";
    }
    default: return runnel_trap_message(r->trap);
    }
}

static runnel_status log_value(runnel_caller *c, const runnel_slot *args, runnel_slot *res, void *user)
{
    (void)c, (void)res;
    runnel_val v = {.type = (runnel_valtype)(uintptr_t)user};
    switch (v.type) {
    case RUNNEL_TYPE_I32: v.of.i32 = (int32_t)args[0].i32; break;
    case RUNNEL_TYPE_I64: v.of.i64 = (int64_t)args[0].i64; break;
    case RUNNEL_TYPE_F32: v.of.f32 = args[0].f32; break;
    case RUNNEL_TYPE_F64: v.of.f64 = args[0].f64; break;
    default: v.of.v128.lo = args[0].i64, v.of.v128.hi = args[1].i64; break;
    }
    fprintf(out, "log ");
    print_val(v);
    fprintf(out, "\n");
    return RUNNEL_OK;
}

/* The imports of wasm-opt -ttf modules: fuzzing-support's log-TYPE functions. Any other import makes
   the module unsupported (on both sides), reported by name. */
static runnel_linker *make_linker(const runnel_module *m)
{
    static const struct {
        const char *name, *sig;
        runnel_valtype t;
    } logs[] = {{"log-i32", "i", RUNNEL_TYPE_I32},
                {"log-i64", "I", RUNNEL_TYPE_I64},
                {"log-f32", "f", RUNNEL_TYPE_F32},
                {"log-f64", "F", RUNNEL_TYPE_F64},
                {"log-v128", "V", RUNNEL_TYPE_V128}};
    for (size_t i = 0; i < runnel_module_import_count(m); i++) {
        runnel_import_desc d = runnel_module_import(m, i);
        bool known = d.kind == RUNNEL_EXTERN_FUNC && strcmp(d.module, "fuzzing-support") == 0;
        size_t j = 0;
        while (known && j < sizeof logs / sizeof logs[0] && strcmp(d.name, logs[j].name) != 0)
            j++;
        if (!known || j == sizeof logs / sizeof logs[0]) {
            fprintf(out, "unsupported import %s.%s\n", d.module, d.name);
            return NULL;
        }
    }
    runnel_linker *l = runnel_linker_new();
    if (!l)
        return NULL;
    for (size_t j = 0; j < sizeof logs / sizeof logs[0]; j++)
        runnel_linker_define_func(l, "fuzzing-support", logs[j].name, logs[j].sig, "", log_value,
                                  (void *)(uintptr_t)logs[j].t, NULL);
    return l;
}

/* ---------------------------------------------------------------- calls */

static bool numeric(runnel_valtype t)
{
    return t == RUNNEL_TYPE_I32 || t == RUNNEL_TYPE_I64 || t == RUNNEL_TYPE_F32 || t == RUNNEL_TYPE_F64;
}

/* What JavaScript can call: numbers in and out, not too many. */
static bool callable(const runnel_func *f)
{
    size_t np = runnel_func_param_count(f), nr = runnel_func_result_count(f);
    if (np > MAX_PARAMS || nr > MAX_RESULTS)
        return false;
    for (size_t i = 0; i < np; i++)
        if (!numeric(runnel_func_param_type(f, i)) && !(opt.tiers && runnel_func_param_type(f, i) == RUNNEL_TYPE_V128))
            return false;
    for (size_t i = 0; i < nr; i++)
        if (!numeric(runnel_func_result_type(f, i)) && !(opt.tiers && runnel_func_result_type(f, i) == RUNNEL_TYPE_V128))
            return false;
    return true;
}

/* A memory as its non-zero 16-byte rows: compare.mjs can then allow NaN payloads stored in memory. */
static void print_memory(const char *name, runnel_memory *mem)
{
    fprintf(out, "memory %s %zu\n", name, runnel_memory_size(mem) / RUNNEL_PAGE_SIZE);
    const uint8_t *p = runnel_memory_data(mem);
    for (size_t row = 0; row + 16 <= runnel_memory_size(mem); row += 16) {
        size_t i = 0;
        while (i < 16 && !p[row + i])
            i++;
        if (i == 16)
            continue;
        fprintf(out, "mem %08zx ", row);
        for (i = 0; i < 16; i++)
            fprintf(out, "%02x", p[row + i]);
        fprintf(out, "\n");
    }
}

/* After a call: the exported memories and globals (what JavaScript can see too), in export order. */
static void print_state(const runnel_module *m, runnel_instance *inst)
{
    if (opt.tiers && runnel_instance_memory(inst, NULL)) /* memory 0 even when not exported */
        print_memory("<0>", runnel_instance_memory(inst, NULL));
    for (size_t i = 0; i < runnel_module_export_count(m); i++) {
        runnel_export_desc d = runnel_module_export(m, i);
        if (d.kind == RUNNEL_EXTERN_MEMORY)
            print_memory(d.name, runnel_instance_memory(inst, d.name));
        if (d.kind != RUNNEL_EXTERN_GLOBAL)
            continue;
        runnel_val v = runnel_global_get(runnel_instance_global(inst, d.name));
        if (!numeric(v.type) && !(opt.tiers && v.type == RUNNEL_TYPE_V128))
            continue;
        fprintf(out, "global %s ", d.name);
        print_val(v);
        fprintf(out, "\n");
    }
}

/* --tiers: what a call did, exactly: results bit for bit (NaN payloads too), the trap's kind and the
   function index of every frame, the fuel it used, and on running out of fuel where it stopped, then the
   same after more fuel and a resume. */
static void tiers_outcome(runnel_store *s, const runnel_module *m, runnel_instance *inst, runnel_status st,
                          runnel_report *r, runnel_val *res, size_t nr)
{
    for (int resumes = 0;; resumes++) {
        if (st == RUNNEL_OK) {
            fprintf(out, "result ok");
            for (size_t i = 0; i < nr; i++) {
                fprintf(out, " ");
                print_val(res[i]);
            }
            fprintf(out, "\n");
        } else if (st == RUNNEL_TRAP && r->trap == RUNNEL_TRAP_STACK_EXHAUSTED) {
            fprintf(out, "result exhausted stack\n"); /* each tier has its own depth: not compared */
        } else if (st == RUNNEL_TRAP) {
            fprintf(out, "result trap %s frames", runnel_trap_message(r->trap));
            for (size_t i = 0; i < r->nframes; i++)
                fprintf(out, " %" PRIu32, r->frames[i].func_index);
            fprintf(out, "\n");
        } else if (st == RUNNEL_SUSPENDED) {
            fprintf(out, "result suspended %s\n", runnel_trap_message(r->trap));
        } else {
            fprintf(out, "result error %s\n", runnel_status_name(st));
        }
        fprintf(out, "fuel left %" PRIu64 "\n", runnel_store_fuel(s));
        print_state(m, inst);
        if (st != RUNNEL_SUSPENDED)
            return;
        if (resumes == 1) { /* twice out of fuel: give up */
            runnel_abandon(s);
            return;
        }
        runnel_store_add_fuel(s, opt.fuel);
        runnel_report_clear(r);
        fprintf(out, "resume\n");
        st = runnel_resume(s, res, nr, r);
    }
}

/* One call of export `name` with argument set k on a fresh instance. */
static void call_one(const runnel_module *m, const runnel_linker *l, const char *name, int k)
{
    runnel_store *s = runnel_store_new(NULL);
    runnel_report r = {0};
    runnel_instance *inst = s ? runnel_instantiate(s, m, l, &r) : NULL;
    runnel_func *f = inst ? runnel_instance_func(inst, name) : NULL;
    if (!f) {
        fprintf(out, "call %s #%d: no instance (%s)\n", name, k, r.message ? r.message : "out of memory");
        goto done;
    }
    size_t np = runnel_func_param_count(f), nr = runnel_func_result_count(f);
    runnel_valtype types[MAX_PARAMS];
    runnel_val args[MAX_PARAMS], res[MAX_RESULTS];
    for (size_t i = 0; i < np; i++)
        types[i] = runnel_func_param_type(f, i);
    argset(k, types, np, args);
    fprintf(out, "call %s #%d", name, k);
    for (size_t i = 0; i < np; i++) {
        fprintf(out, " ");
        print_val(args[i]);
    }
    fprintf(out, "\n");
    /* --tiers: argument sets after the first start with little fuel (2k - 1 units: 1, 3, ...), so that calls run
       out, suspend where they ran out, and are resumed with opt.fuel more */
    runnel_store_set_fuel(s, opt.tiers && k > 0 ? 2 * (uint64_t)k - 1 : opt.fuel);
    runnel_status st = runnel_call(f, args, np, res, nr, &r);
    if (opt.tiers) {
        tiers_outcome(s, m, inst, st, &r, res, nr);
        goto done;
    }
    if (st == RUNNEL_OK) {
        fprintf(out, "result ok");
        for (size_t i = 0; i < nr; i++) {
            fprintf(out, " ");
            print_val(res[i]);
        }
        fprintf(out, "\n");
    } else if (st == RUNNEL_SUSPENDED || (st == RUNNEL_TRAP && r.trap == RUNNEL_TRAP_STACK_EXHAUSTED)) {
        if (st == RUNNEL_SUSPENDED)
            runnel_abandon(s);
        fprintf(out, "result exhausted %s\n", st == RUNNEL_SUSPENDED ? "fuel" : "stack");
    } else if (st == RUNNEL_TRAP) {
        fprintf(out, "result trap %s\n", trap_name(&r));
    } else {
        fprintf(out, "result error %s: %s\n", runnel_status_name(st), r.message ? r.message : "");
    }
    print_state(m, inst);
done:
    runnel_report_clear(&r);
    runnel_store_free(s);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap = cap ? cap * 2 : 65536);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}

static void run_module(const char *path)
{
    const char *slash = strrchr(path, '/');
    fprintf(out, "module %s\n", slash ? slash + 1 : path);
    size_t len = 0;
    uint8_t *bytes = read_file(path, &len);
    runnel_report r = {0};
    runnel_module *m = bytes ? runnel_module_new(bytes, len, &r) : NULL;
    if (!m) {
        fprintf(out, "compile error\n");
        fprintf(stderr, "diff_runnel: %s: %s\n", path, r.message ? r.message : "cannot read it");
        runnel_report_clear(&r);
        free(bytes);
        return;
    }
    cur_bytes = bytes, cur_len = len;
    runnel_linker *l = make_linker(m);
    runnel_store *s = l ? runnel_store_new(NULL) : NULL;
    runnel_instance *inst = s ? runnel_instantiate(s, m, l, &r) : NULL;
    if (l && s && !inst)
        fprintf(out, "instantiate trap %s\n", r.status == RUNNEL_TRAP ? trap_name(&r) : runnel_status_name(r.status));
    if (inst) {
        fprintf(out, "instantiate ok\n");
        for (size_t i = 0; i < runnel_module_export_count(m); i++) {
            runnel_export_desc d = runnel_module_export(m, i);
            if (d.kind != RUNNEL_EXTERN_FUNC)
                continue;
            if (!callable(runnel_instance_func(inst, d.name))) {
                fprintf(out, "skip %s\n", d.name);
                continue;
            }
            for (int k = 0; k < opt.arg_sets; k++)
                call_one(m, l, d.name, k);
        }
    }
    runnel_report_clear(&r);
    runnel_store_free(s);
    runnel_linker_free(l);
    runnel_module_free(m);
    free(bytes);
    cur_bytes = NULL, cur_len = 0;
}

/* ---------------------------------------------------------------- --tiers */

/* The figures of a --tiers run. */
static struct {
    unsigned long modules, invalid, unsupported, exports, skipped, calls, traps, suspended, exhausted, disagree, nan_bits;
    double compile_s;
} tally;

static char *text_of(FILE *f, char **buf)
{
    fclose(f);
    return *buf;
}

static void show(const char *what, const char *text)
{
    size_t n = strlen(text);
    printf("--- %s%s\n%.*s%s", what, n > 6000 ? " (first 6000 bytes)" : "", (int)(n > 6000 ? 6000 : n), text,
           n && text[n > 6000 ? 5999 : n - 1] == '\n' ? "" : "\n");
}

/* Is the hex number h (n digits) a NaN of that width (8: f32, 16: f64)? */
static bool hex_nan(const char *h, int n)
{
    char buf[17];
    memcpy(buf, h, (size_t)n);
    buf[n] = 0;
    uint64_t v = strtoull(buf, NULL, 16);
    return n == 8 ? is_nan32((uint32_t)v) : is_nan64(v);
}

/* Do two texts differ only in the bits of NaNs? Line by line, hex digit by hex digit: every difference
   lies in a 32- or 64-bit value (an f32/f64, an i32/i64 reinterpreted, a v128 lane) that is a NaN on
   both sides, or, in memory, in the top bit of a byte (a NaN's sign; other bits of a stored NaN cannot
   be told from data). Spec 4.3.3 lets an operation with two NaN operands give either one's payload,
   and compilers may swap the operands of + and * (numeric.h): such differences are counted apart and
   do not fail the run; any other is a disagreement. */
static bool nan_bits_only(const char *a, const char *b)
{
    static const char hexd[] = "0123456789abcdef";
    if (strlen(a) != strlen(b))
        return false;
    for (size_t i = 0; a[i]; i++) {
        if (a[i] == b[i])
            continue;
        if (!strchr(hexd, a[i]) || !strchr(hexd, b[i]))
            return false;
        /* the start of the hex run this digit is in, and the line's kind */
        size_t st = i;
        while (st > 0 && strchr(hexd, a[st - 1]))
            st--;
        size_t ln = st;
        while (ln > 0 && a[ln - 1] != '\n')
            ln--;
        size_t run = st;
        while (a[run] && strchr(hexd, a[run]))
            run++;
        if (strncmp(a + ln, "mem ", 4) == 0) {
            int x = (int)(strchr(hexd, a[i]) - hexd) ^ (int)(strchr(hexd, b[i]) - hexd);
            if (x != 8 || (i - st) % 2 != 0) /* the top bit of a byte */
                return false;
            continue;
        }
        size_t len = run - st, off = i - st;
        if (len != 8 && len != 16 && len != 32)
            return false;
        bool nan = false; /* a v128 is tried as f64 lanes, then as f32 lanes */
        for (size_t w = len == 32 ? 16 : len; !nan && w >= 8; w /= 2) {
            size_t lane = st + off - off % w;
            nan = hex_nan(a + lane, (int)w) && hex_nan(b + lane, (int)w);
            if (len != 32)
                break;
        }
        if (!nan)
            return false;
    }
    return true;
}

/* Run one call (or the instantiation, name NULL) in both tiers and compare their texts. */
static void tiers_compare(const char *path, const runnel_module *mi, const runnel_module *mc, const runnel_linker *l,
                          const char *name, int k)
{
    char *bi = NULL, *bc = NULL;
    size_t ni = 0, nc = 0;
    const runnel_module *ms[2] = {mi, mc};
    FILE *fs[2] = {open_memstream(&bi, &ni), open_memstream(&bc, &nc)};
    if (!fs[0] || !fs[1]) {
        fprintf(stderr, "diff_runnel: out of memory\n");
        exit(2);
    }
    for (int t = 0; t < 2; t++) {
        out = fs[t];
        if (name) {
            call_one(ms[t], l, name, k);
        } else {
            runnel_store *s = runnel_store_new(NULL);
            runnel_report r = {0};
            runnel_instance *inst = runnel_instantiate(s, ms[t], l, &r);
            if (inst) {
                fprintf(out, "instantiate ok\n");
                print_state(ms[t], inst);
            } else {
                fprintf(out, "instantiate %s %s frames", runnel_status_name(r.status), runnel_trap_message(r.trap));
                for (size_t i = 0; i < r.nframes; i++)
                    fprintf(out, " %" PRIu32, r.frames[i].func_index);
                fprintf(out, "\n");
            }
            runnel_report_clear(&r);
            runnel_store_free(s);
        }
    }
    out = stdout;
    text_of(fs[0], &bi), text_of(fs[1], &bc);
    if (name) {
        tally.calls++;
        tally.traps += strstr(bi, "\nresult trap ") != NULL;
        tally.suspended += strstr(bi, "\nresult suspended ") != NULL;
    }
    if (opt.show)
        fputs(bi, stdout);
    if (strstr(bi, "\nresult exhausted stack") || strstr(bc, "\nresult exhausted stack")) {
        tally.exhausted++; /* each tier has its own depth limit in bytes: not compared */
    } else if (strcmp(bi, bc) != 0) {
        tally.disagree++;
        bool nan = nan_bits_only(bi, bc);
        tally.nan_bits += nan;
        printf("%s %s %s #%d\n", nan ? "NAN BITS (allowed)" : "DISAGREEMENT", path, name ? name : "(instantiation)", k);
        show("interpreter", bi);
        show("compiled", bc);
    }
    free(bi);
    free(bc);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void tiers_module(const char *path)
{
    tally.modules++;
    size_t len = 0;
    uint8_t *bytes = read_file(path, &len);
    runnel_report r = {0}, rc = {0};
    runnel_module *mi = bytes ? runnel_module_new(bytes, len, &r) : NULL;
    runnel_compile_options co = RUNNEL_OPTIONS_INIT(runnel_compile_options);
    co.cache_dir = opt.cache_dir;
    co.bounds = opt.guarded ? RUNNEL_BOUNDS_GUARDED : RUNNEL_BOUNDS_CHECKED;
    co.jobs = 1; /* run.sh runs one process per core */
    double t0 = now_s();
    runnel_module *mc = bytes ? runnel_module_compile(bytes, len, &co, &rc) : NULL;
    tally.compile_s += now_s() - t0;
    if (mc && !runnel_module_is_compiled(mc)) {
        fprintf(stderr, "diff_runnel: %s: runnel_module_compile gave a module that is not compiled\n", path);
        exit(2);
    }
    if (!mi || !mc) {
        if (mi || mc || r.status != rc.status) {
            tally.disagree++;
            printf("DISAGREEMENT %s: interpreter %s (%s), compiled %s (%s)\n", path, mi ? "ok" : runnel_status_name(r.status),
                   r.message ? r.message : "", mc ? "ok" : runnel_status_name(rc.status), rc.message ? rc.message : "");
        } else {
            tally.invalid++;
        }
        goto done;
    }
    cur_bytes = bytes, cur_len = len;
    char *sink = NULL;
    size_t nsink = 0;
    out = open_memstream(&sink, &nsink);
    runnel_linker *l = out ? make_linker(mi) : NULL;
    if (out)
        fclose(out);
    free(sink);
    out = stdout;
    if (!l) {
        tally.unsupported++;
        goto done;
    }
    tiers_compare(path, mi, mc, l, NULL, 0);
    runnel_store *s = runnel_store_new(NULL);
    runnel_instance *inst = s ? runnel_instantiate(s, mi, l, &r) : NULL;
    for (size_t i = 0; inst && i < runnel_module_export_count(mi); i++) {
        runnel_export_desc d = runnel_module_export(mi, i);
        if (d.kind != RUNNEL_EXTERN_FUNC)
            continue;
        if (!callable(runnel_instance_func(inst, d.name))) {
            tally.skipped++;
            continue;
        }
        tally.exports++;
        for (int k = 0; k < opt.arg_sets; k++)
            tiers_compare(path, mi, mc, l, d.name, k);
    }
    runnel_store_free(s);
    runnel_linker_free(l);
done:
    fflush(stdout);
    runnel_report_clear(&r);
    runnel_report_clear(&rc);
    runnel_module_free(mi);
    runnel_module_free(mc);
    free(bytes);
    cur_bytes = NULL, cur_len = 0;
}

int main(int argc, char **argv)
{
    out = stdout;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--arg-sets") == 0 && i + 1 < argc)
            opt.arg_sets = atoi(argv[++i]);
        else if (strcmp(argv[i], "--fuel") == 0 && i + 1 < argc)
            opt.fuel = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--tiers") == 0)
            opt.tiers = true;
        else if (strcmp(argv[i], "--show") == 0)
            opt.show = true;
        else if (strcmp(argv[i], "--cache") == 0 && i + 1 < argc)
            opt.cache_dir = argv[++i];
        else if (strcmp(argv[i], "--bounds") == 0 && i + 1 < argc && strcmp(argv[i + 1], "checked") == 0)
            opt.guarded = false, i++;
        else if (strcmp(argv[i], "--bounds") == 0 && i + 1 < argc && strcmp(argv[i + 1], "guarded") == 0)
            opt.guarded = true, i++;
        else
            break;
    }
    if (i >= argc || opt.arg_sets < 1 || opt.arg_sets > 100 || opt.fuel == 0 || (opt.guarded && !opt.tiers) ||
        (i < argc && strncmp(argv[i], "--", 2) == 0)) {
        fprintf(stderr, "usage: diff_runnel [--arg-sets N (1..100)] [--fuel N] [--tiers [--cache DIR] [--bounds "
                        "checked|guarded]] MODULE.wasm...\n");
        return 2;
    }
    runnel_report gr = {0};
    if (opt.guarded && runnel_guard_pages_enable(&gr) != RUNNEL_OK) {
        fprintf(stderr, "diff_runnel: guard pages: ");
        runnel_report_print(&gr, stderr);
        runnel_report_clear(&gr);
        return 2;
    }
    if (opt.tiers) {
        for (; i < argc; i++)
            tiers_module(argv[i]);
        printf("tiers: %lu modules (%lu invalid, %lu with other imports), %lu exports called (%lu skipped), "
               "%lu calls (%lu traps, %lu out of fuel and resumed, %lu stack exhausted, not compared), "
               "%lu disagreements (and %lu differences in NaN bits only, allowed); compiling took %.1f s\n",
               tally.modules, tally.invalid, tally.unsupported, tally.exports, tally.skipped, tally.calls, tally.traps,
               tally.suspended, tally.exhausted, tally.disagree - tally.nan_bits, tally.nan_bits, tally.compile_s);
        return tally.disagree > tally.nan_bits ? 1 : 0;
    }
    for (; i < argc; i++) {
        run_module(argv[i]);
        fflush(stdout);
    }
    return 0;
}

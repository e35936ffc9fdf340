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
 */
#include "runnel/engine.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_PARAMS = 64, MAX_RESULTS = 64 };

typedef struct options {
    int arg_sets;
    uint64_t fuel;
} options;

static options opt = {.arg_sets = 3, .fuel = 100000000};

/* ---------------------------------------------------------------- values */

static bool is_nan32(uint32_t b) { return (b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu); }
static bool is_nan64(uint64_t b)
{
    return (b & UINT64_C(0x7ff0000000000000)) == UINT64_C(0x7ff0000000000000) && (b & UINT64_C(0xfffffffffffff));
}

static void print_val(runnel_val v)
{
    switch (v.type) {
    case RUNNEL_TYPE_I32: printf("i32:%08" PRIx32, (uint32_t)v.of.i32); break;
    case RUNNEL_TYPE_I64: printf("i64:%016" PRIx64, (uint64_t)v.of.i64); break;
    case RUNNEL_TYPE_F32:
        if (is_nan32(v.of.f32_bits))
            printf("f32:nan");
        else
            printf("f32:%08" PRIx32, v.of.f32_bits);
        break;
    case RUNNEL_TYPE_F64:
        if (is_nan64(v.of.f64_bits))
            printf("f64:nan");
        else
            printf("f64:%016" PRIx64, v.of.f64_bits);
        break;
    case RUNNEL_TYPE_V128: printf("v128:%016" PRIx64 "%016" PRIx64, v.of.v128.hi, v.of.v128.lo); break;
    default: printf("ref"); break;
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
    printf("log ");
    print_val(v);
    printf("\n");
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
            printf("unsupported import %s.%s\n", d.module, d.name);
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
        if (!numeric(runnel_func_param_type(f, i)))
            return false;
    for (size_t i = 0; i < nr; i++)
        if (!numeric(runnel_func_result_type(f, i)))
            return false;
    return true;
}

/* A memory as its non-zero 16-byte rows: compare.mjs can then allow NaN payloads stored in memory. */
static void print_memory(const char *name, runnel_memory *mem)
{
    printf("memory %s %zu\n", name, runnel_memory_size(mem) / RUNNEL_PAGE_SIZE);
    const uint8_t *p = runnel_memory_data(mem);
    for (size_t row = 0; row + 16 <= runnel_memory_size(mem); row += 16) {
        size_t i = 0;
        while (i < 16 && !p[row + i])
            i++;
        if (i == 16)
            continue;
        printf("mem %08zx ", row);
        for (i = 0; i < 16; i++)
            printf("%02x", p[row + i]);
        printf("\n");
    }
}

/* After a call: the exported memories and globals (what JavaScript can see too), in export order. */
static void print_state(const runnel_module *m, runnel_instance *inst)
{
    for (size_t i = 0; i < runnel_module_export_count(m); i++) {
        runnel_export_desc d = runnel_module_export(m, i);
        if (d.kind == RUNNEL_EXTERN_MEMORY)
            print_memory(d.name, runnel_instance_memory(inst, d.name));
        if (d.kind != RUNNEL_EXTERN_GLOBAL)
            continue;
        runnel_val v = runnel_global_get(runnel_instance_global(inst, d.name));
        if (!numeric(v.type))
            continue;
        printf("global %s ", d.name);
        print_val(v);
        printf("\n");
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
        printf("call %s #%d: no instance (%s)\n", name, k, r.message ? r.message : "out of memory");
        goto done;
    }
    size_t np = runnel_func_param_count(f), nr = runnel_func_result_count(f);
    runnel_valtype types[MAX_PARAMS];
    runnel_val args[MAX_PARAMS], res[MAX_RESULTS];
    for (size_t i = 0; i < np; i++)
        types[i] = runnel_func_param_type(f, i);
    argset(k, types, np, args);
    printf("call %s #%d", name, k);
    for (size_t i = 0; i < np; i++) {
        printf(" ");
        print_val(args[i]);
    }
    printf("\n");
    runnel_store_set_fuel(s, opt.fuel);
    runnel_status st = runnel_call(f, args, np, res, nr, &r);
    if (st == RUNNEL_OK) {
        printf("result ok");
        for (size_t i = 0; i < nr; i++) {
            printf(" ");
            print_val(res[i]);
        }
        printf("\n");
    } else if (st == RUNNEL_SUSPENDED || (st == RUNNEL_TRAP && r.trap == RUNNEL_TRAP_STACK_EXHAUSTED)) {
        if (st == RUNNEL_SUSPENDED)
            runnel_abandon(s);
        printf("result exhausted %s\n", st == RUNNEL_SUSPENDED ? "fuel" : "stack");
    } else if (st == RUNNEL_TRAP) {
        printf("result trap %s\n", trap_name(&r));
    } else {
        printf("result error %s: %s\n", runnel_status_name(st), r.message ? r.message : "");
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
    printf("module %s\n", slash ? slash + 1 : path);
    size_t len = 0;
    uint8_t *bytes = read_file(path, &len);
    runnel_report r = {0};
    runnel_module *m = bytes ? runnel_module_new(bytes, len, &r) : NULL;
    if (!m) {
        printf("compile error\n");
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
        printf("instantiate trap %s\n", r.status == RUNNEL_TRAP ? trap_name(&r) : runnel_status_name(r.status));
    if (inst) {
        printf("instantiate ok\n");
        for (size_t i = 0; i < runnel_module_export_count(m); i++) {
            runnel_export_desc d = runnel_module_export(m, i);
            if (d.kind != RUNNEL_EXTERN_FUNC)
                continue;
            if (!callable(runnel_instance_func(inst, d.name))) {
                printf("skip %s\n", d.name);
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

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--arg-sets") == 0 && i + 1 < argc)
            opt.arg_sets = atoi(argv[++i]);
        else if (strcmp(argv[i], "--fuel") == 0 && i + 1 < argc)
            opt.fuel = strtoull(argv[++i], NULL, 10);
        else
            break;
    }
    if (i >= argc || opt.arg_sets < 1 || opt.arg_sets > 100 || opt.fuel == 0) {
        fprintf(stderr, "usage: diff_runnel [--arg-sets N (1..100)] [--fuel N] MODULE.wasm...\n");
        return 2;
    }
    for (; i < argc; i++) {
        run_module(argv[i]);
        fflush(stdout);
    }
    return 0;
}

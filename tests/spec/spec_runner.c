/*
 * spec_runner.c - runs the official WebAssembly spec test suite against the engine.
 *
 * Input: the command lists that wabt's wast2json made from the .wast scripts (see
 * ../shared/wasm-testsuite/README.md), so this runner needs no WAT parser. It uses only the public API
 * (runnel/engine.h) and jansson: what the suite checks is what an embedder gets.
 *
 * Semantics follow the spec interpreter's script language (spec repository, interpreter/README.md,
 * "Scripts"):
 *   module              decode, validate and instantiate; the result becomes the current instance, and
 *                       also a named one when the command has "name".
 *   register            make an instance's exports importable under a module name ("as").
 *   action              invoke an export or get a global; results are ignored.
 *   assert_return       the action succeeds with these results (NaN classes: canonical and arithmetic,
 *                       spec 4.3.3 "NaN Propagation").
 *   assert_trap         the action (or, for a module, its instantiation) traps. What is compared is the
 *                       trap kind, not the message wording, which is the engine's own.
 *   assert_exhaustion   the action traps with "call stack exhausted".
 *   assert_invalid      a binary module fails to load (spec: validation).
 *   assert_malformed    a binary module fails to load (spec: decoding). Text modules need a text parser:
 *                       counted as skipped, never as passed.
 *   assert_unlinkable   the module loads but its imports do not resolve.
 *   assert_uninstantiable the module loads and links, but instantiation traps.
 * Only the assert_* commands count. A module, register or action command that fails leaves the script's
 * state unknown, so every later assertion of that script counts as failed rather than being guessed at.
 * v128 values are {"type": "v128", "lane_type": T, "value": [lanes...]}; a float lane of an expected
 * result may be a NaN class, checked lane by lane.
 *
 * All instances of a script live in one store (imports may share objects across instances, which the
 * spec requires to be the same store), with explicit default limits so a runaway test stays bounded.
 */
#include "runnel/engine.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --compiled: every module through the compiling tier (runnel_module_compile) */
static bool compiled;

typedef struct counts {
    unsigned long passed, failed, skipped;
} counts;

typedef struct named_instance {
    char *name;
    runnel_instance *inst;
} named_instance;

/* The state of one script. */
typedef struct script {
    const char *name; /* the script's base name, for messages */
    char *dir;        /* where its .wasm files are */
    bool verbose;
    runnel_store *store;
    runnel_linker *linker; /* spectest plus every registered instance */
    runnel_instance *current;
    named_instance *named;
    size_t nnamed, capnamed;
    long broken_line; /* line of the command that broke the script, or 0 */
    counts c;
} script;

/* ------------------------------------------------------------------ messages */

static void fail_at(script *s, long line, const char *fmt, ...)
{
    s->c.failed++;
    if (!s->verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    printf("  %s.wast:%ld: ", s->name, line);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
}

static void note_at(const script *s, long line, const char *fmt, ...)
{
    if (!s->verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    printf("  %s.wast:%ld: note: ", s->name, line);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
}

static const char *report_text(const runnel_report *r)
{
    return r->message ? r->message : "(no message)";
}

/* ------------------------------------------------------------------ the spectest module */

static runnel_status spectest_print(runnel_caller *caller, const runnel_slot *args, runnel_slot *results, void *user)
{
    (void)caller, (void)args, (void)results, (void)user;
    return RUNNEL_OK;
}

/* The host module every spec script may import from (spec repository, interpreter/host/spectest.ml). */
static bool define_spectest(script *s)
{
    static const struct {
        const char *name, *params;
    } prints[] = {
        {"print", ""},      {"print_i32", "i"},      {"print_i64", "I"},      {"print_f32", "f"},
        {"print_f64", "F"}, {"print_i32_f32", "if"}, {"print_f64_f64", "FF"},
    };
    for (size_t i = 0; i < sizeof prints / sizeof prints[0]; i++)
        if (runnel_linker_define_func(s->linker, "spectest", prints[i].name, prints[i].params, "", spectest_print,
                                      NULL, NULL) != RUNNEL_OK)
            return false;

    const struct {
        const char *name;
        runnel_val v;
    } globals[] = {
        {"global_i32", RUNNEL_I32(666)},
        {"global_i64", RUNNEL_I64(666)},
        {"global_f32", RUNNEL_F32(666.6f)},
        {"global_f64", RUNNEL_F64(666.6)},
    };
    for (size_t i = 0; i < sizeof globals / sizeof globals[0]; i++) {
        runnel_global *g = runnel_global_new(s->store, globals[i].v, false);
        if (!g || runnel_linker_define_global(s->linker, "spectest", globals[i].name, g) != RUNNEL_OK)
            return false;
    }
    runnel_table *t = runnel_table_new(s->store, RUNNEL_TYPE_FUNCREF, 10, 20, true);
    if (!t || runnel_linker_define_table(s->linker, "spectest", "table", t) != RUNNEL_OK)
        return false;
    runnel_memory *m = runnel_memory_new(s->store, 1, 2, true);
    if (!m || runnel_linker_define_memory(s->linker, "spectest", "memory", m) != RUNNEL_OK)
        return false;
    return true;
}

/* ------------------------------------------------------------------ files and modules */

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *bigger = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

static char *join_path(const char *dir, const char *file)
{
    size_t ld = strlen(dir), lf = strlen(file);
    char *p = malloc(ld + lf + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, ld);
    p[ld] = '/';
    memcpy(p + ld + 1, file, lf + 1);
    return p;
}

/* Load the module a command names. NULL with r filled on failure; a missing file is reported as a
   BADARG, which no assertion accepts. */
static runnel_module *load_module(script *s, json_t *cmd, runnel_report *r)
{
    const char *file = json_string_value(json_object_get(cmd, "filename"));
    if (!file) {
        runnel_report_clear(r);
        r->status = RUNNEL_BADARG;
        r->message = strdup("command has no filename");
        return NULL;
    }
    char *path = join_path(s->dir, file);
    size_t len = 0;
    uint8_t *bytes = path ? read_file(path, &len) : NULL;
    if (!bytes) {
        runnel_report_clear(r);
        r->status = RUNNEL_BADARG;
        char buf[600];
        snprintf(buf, sizeof buf, "cannot read %s", path ? path : file);
        r->message = strdup(buf);
        free(path);
        return NULL;
    }
    free(path);
    runnel_module *m = compiled ? runnel_module_compile(bytes, len, NULL, r) : runnel_module_new(bytes, len, r);
    free(bytes);
    return m;
}

/* Load and instantiate. The module's reference is dropped at once: the instance keeps it alive. */
static runnel_instance *load_instance(script *s, json_t *cmd, runnel_report *r, bool *loaded)
{
    *loaded = false;
    runnel_module *m = load_module(s, cmd, r);
    if (!m)
        return NULL;
    *loaded = true;
    runnel_instance *inst = runnel_instantiate(s->store, m, s->linker, r);
    runnel_module_free(m);
    return inst;
}

static runnel_instance *find_instance(script *s, const char *name)
{
    if (!name)
        return s->current;
    for (size_t i = s->nnamed; i-- > 0;)
        if (strcmp(s->named[i].name, name) == 0)
            return s->named[i].inst;
    return NULL;
}

static bool add_named(script *s, const char *name, runnel_instance *inst)
{
    if (s->nnamed == s->capnamed) {
        size_t cap = s->capnamed ? s->capnamed * 2 : 8;
        named_instance *n = realloc(s->named, cap * sizeof *n);
        if (!n)
            return false;
        s->named = n;
        s->capnamed = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return false;
    s->named[s->nnamed++] = (named_instance){copy, inst};
    return true;
}

/* ------------------------------------------------------------------ values */

/* Expected values may be a NaN class instead of bits. */
typedef enum { EXP_EXACT, EXP_NAN_CANONICAL, EXP_NAN_ARITHMETIC, EXP_ANY_NONNULL } expect_kind;

typedef struct expected {
    runnel_val v;
    expect_kind kind;
    /* v128: the lane shape of the expectation (bits per lane, float or not) and a NaN class per lane */
    unsigned lane_bits;
    bool lane_float;
    expect_kind lanes[16];
} expected;

static bool parse_u64(const char *str, uint64_t *out)
{
    if (!str || !*str || *str == '-')
        return false;
    uint64_t v = 0;
    for (const char *p = str; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* One JSON value ({"type": T, "value": V}) into a runnel_val. V is a string of the bits for numbers,
   "null" or N for references, or a NaN class when allow_class. */
static bool parse_value(json_t *j, expected *e, bool allow_class, char *err, size_t errlen)
{
    const char *type = json_string_value(json_object_get(j, "type"));
    json_t *jv = json_object_get(j, "value");
    const char *val = json_string_value(jv);
    memset(e, 0, sizeof *e);
    e->kind = EXP_EXACT;
    if (!type) {
        snprintf(err, errlen, "value without a type");
        return false;
    }
    uint64_t bits = 0;
    if (strcmp(type, "i32") == 0 || strcmp(type, "i64") == 0 || strcmp(type, "f32") == 0 || strcmp(type, "f64") == 0) {
        bool is32 = type[1] == '3';
        if (allow_class && type[0] == 'f' && val && strcmp(val, "nan:canonical") == 0)
            e->kind = EXP_NAN_CANONICAL;
        else if (allow_class && type[0] == 'f' && val && strcmp(val, "nan:arithmetic") == 0)
            e->kind = EXP_NAN_ARITHMETIC;
        else if (!parse_u64(val, &bits) || (is32 && bits > UINT32_MAX)) {
            snprintf(err, errlen, "bad %s value '%s'", type, val ? val : "(none)");
            return false;
        }
        switch (type[0]) {
        case 'i':
            if (is32)
                e->v = (runnel_val){.type = RUNNEL_TYPE_I32, .of.i32 = (int32_t)(uint32_t)bits};
            else
                e->v = (runnel_val){.type = RUNNEL_TYPE_I64, .of.i64 = (int64_t)bits};
            break;
        default:
            if (is32)
                e->v = (runnel_val){.type = RUNNEL_TYPE_F32, .of.f32_bits = (uint32_t)bits};
            else
                e->v = (runnel_val){.type = RUNNEL_TYPE_F64, .of.f64_bits = bits};
            break;
        }
        return true;
    }
    if (strcmp(type, "externref") == 0 || strcmp(type, "funcref") == 0) {
        bool ext = type[0] == 'e';
        e->v.type = ext ? RUNNEL_TYPE_EXTERNREF : RUNNEL_TYPE_FUNCREF;
        if (val && strcmp(val, "null") == 0)
            return true; /* of.* are zero: the null reference */
        if (!val && !ext && allow_class) {
            /* "(ref.func)" in an expectation: any non-null function reference. */
            e->kind = EXP_ANY_NONNULL;
            return true;
        }
        if (ext && parse_u64(val, &bits) && bits < UINTPTR_MAX) {
            /* Host reference N is the pointer N+1, so that "ref.extern 0" is not the null reference. */
            e->v.of.externref = (void *)(uintptr_t)(bits + 1);
            return true;
        }
        snprintf(err, errlen, "bad %s value '%s'", type, val ? val : "(none)");
        return false;
    }
    if (strcmp(type, "v128") == 0) {
        /* {"type": "v128", "lane_type": "i32", "value": ["1", "2", "3", "4"]}: lane 0 first, each the
           lane's bits; float lanes may be a NaN class */
        const char *lt = json_string_value(json_object_get(j, "lane_type"));
        unsigned bits = !lt ? 0 : lt[1] == '8' ? 8 : lt[1] == '1' ? 16 : lt[1] == '3' ? 32 : lt[1] == '6' ? 64 : 0;
        if (!bits || (lt[0] != 'i' && lt[0] != 'f') || json_array_size(jv) != 128 / bits) {
            snprintf(err, errlen, "bad v128 value (lane type %s)", lt ? lt : "(none)");
            return false;
        }
        uint8_t bytes[16] = {0};
        e->v.type = RUNNEL_TYPE_V128;
        e->lane_bits = bits;
        e->lane_float = lt[0] == 'f';
        for (unsigned i = 0; i < 128 / bits; i++) {
            const char *lane = json_string_value(json_array_get(jv, i));
            uint64_t x = 0;
            if (allow_class && e->lane_float && lane && strcmp(lane, "nan:canonical") == 0)
                e->lanes[i] = EXP_NAN_CANONICAL;
            else if (allow_class && e->lane_float && lane && strcmp(lane, "nan:arithmetic") == 0)
                e->lanes[i] = EXP_NAN_ARITHMETIC;
            else if (!parse_u64(lane, &x) || (bits < 64 && x >> bits)) {
                snprintf(err, errlen, "bad v128 lane %u '%s'", i, lane ? lane : "(none)");
                return false;
            }
            for (unsigned k = 0; k < bits / 8; k++)
                bytes[i * (bits / 8) + k] = (uint8_t)(x >> (8 * k));
            if (e->lanes[i] != EXP_EXACT)
                e->kind = e->lanes[i]; /* for messages: the expectation has a NaN class somewhere */
        }
        for (unsigned k = 0; k < 8; k++) {
            e->v.of.v128.lo |= (uint64_t)bytes[k] << (8 * k);
            e->v.of.v128.hi |= (uint64_t)bytes[8 + k] << (8 * k);
        }
        return true;
    }
    snprintf(err, errlen, "unsupported value type %s", type);
    return false;
}

static const char *type_name(runnel_valtype t)
{
    switch (t) {
    case RUNNEL_TYPE_I32: return "i32";
    case RUNNEL_TYPE_I64: return "i64";
    case RUNNEL_TYPE_F32: return "f32";
    case RUNNEL_TYPE_F64: return "f64";
    case RUNNEL_TYPE_V128: return "v128";
    case RUNNEL_TYPE_FUNCREF: return "funcref";
    case RUNNEL_TYPE_EXTERNREF: return "externref";
    }
    return "?";
}

static void format_value(const runnel_val *v, char *buf, size_t len)
{
    switch (v->type) {
    case RUNNEL_TYPE_I32: snprintf(buf, len, "i32:%lu", (unsigned long)(uint32_t)v->of.i32); break;
    case RUNNEL_TYPE_I64: snprintf(buf, len, "i64:%llu", (unsigned long long)(uint64_t)v->of.i64); break;
    case RUNNEL_TYPE_F32: snprintf(buf, len, "f32:0x%08lx", (unsigned long)v->of.f32_bits); break;
    case RUNNEL_TYPE_F64: snprintf(buf, len, "f64:0x%016llx", (unsigned long long)v->of.f64_bits); break;
    case RUNNEL_TYPE_FUNCREF:
        snprintf(buf, len, v->of.funcref ? "funcref:%p" : "funcref:null", (void *)v->of.funcref);
        break;
    case RUNNEL_TYPE_EXTERNREF:
        if (v->of.externref)
            snprintf(buf, len, "externref:%llu", (unsigned long long)((uintptr_t)v->of.externref - 1));
        else
            snprintf(buf, len, "externref:null");
        break;
    case RUNNEL_TYPE_V128:
        snprintf(buf, len, "v128:0x%016llx_%016llx", (unsigned long long)v->of.v128.hi,
                 (unsigned long long)v->of.v128.lo);
        break;
    default: snprintf(buf, len, "%s", type_name(v->type)); break;
    }
}

static void format_expected(const expected *e, char *buf, size_t len)
{
    if (e->v.type == RUNNEL_TYPE_V128 && e->kind != EXP_EXACT) {
        /* f32x4/f64x2 with NaN classes: one lane at a time */
        size_t n = (size_t)snprintf(buf, len, "v128:%s", e->lane_bits == 32 ? "f32x4" : "f64x2");
        for (unsigned i = 0; i < 128 / e->lane_bits && n < len; i++) {
            uint64_t x = (i * e->lane_bits < 64 ? e->v.of.v128.lo : e->v.of.v128.hi) >> (i * e->lane_bits % 64);
            if (e->lane_bits == 32)
                x &= 0xffffffffu;
            if (e->lanes[i] == EXP_EXACT)
                n += (size_t)snprintf(buf + n, len - n, " 0x%llx", (unsigned long long)x);
            else
                n += (size_t)snprintf(buf + n, len - n, " nan:%s",
                                      e->lanes[i] == EXP_NAN_CANONICAL ? "canonical" : "arithmetic");
        }
        return;
    }
    switch (e->kind) {
    case EXP_NAN_CANONICAL: snprintf(buf, len, "%s:nan:canonical", type_name(e->v.type)); return;
    case EXP_NAN_ARITHMETIC: snprintf(buf, len, "%s:nan:arithmetic", type_name(e->v.type)); return;
    case EXP_ANY_NONNULL: snprintf(buf, len, "%s:non-null", type_name(e->v.type)); return;
    case EXP_EXACT: format_value(&e->v, buf, len); return;
    }
}

static bool value_matches(const expected *e, const runnel_val *got)
{
    if (got->type != e->v.type)
        return false;
    switch (e->v.type) {
    case RUNNEL_TYPE_I32: return (uint32_t)got->of.i32 == (uint32_t)e->v.of.i32;
    case RUNNEL_TYPE_I64: return (uint64_t)got->of.i64 == (uint64_t)e->v.of.i64;
    case RUNNEL_TYPE_F32:
        switch (e->kind) {
        case EXP_NAN_CANONICAL: return (got->of.f32_bits & 0x7fffffffu) == 0x7fc00000u;
        case EXP_NAN_ARITHMETIC: return (got->of.f32_bits & 0x7fc00000u) == 0x7fc00000u;
        default: return got->of.f32_bits == e->v.of.f32_bits;
        }
    case RUNNEL_TYPE_F64:
        switch (e->kind) {
        case EXP_NAN_CANONICAL: return (got->of.f64_bits & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
        case EXP_NAN_ARITHMETIC: return (got->of.f64_bits & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
        default: return got->of.f64_bits == e->v.of.f64_bits;
        }
    case RUNNEL_TYPE_FUNCREF:
        return e->kind == EXP_ANY_NONNULL ? got->of.funcref != NULL : got->of.funcref == e->v.of.funcref;
    case RUNNEL_TYPE_EXTERNREF: return got->of.externref == e->v.of.externref;
    case RUNNEL_TYPE_V128:
        for (unsigned i = 0; i < 128 / e->lane_bits; i++) {
            /* lane i of each: its bits within the low or the high half */
            unsigned at = i * e->lane_bits % 64;
            uint64_t mask = e->lane_bits == 64 ? UINT64_MAX : ((uint64_t)1 << e->lane_bits) - 1;
            bool high = i * e->lane_bits >= 64;
            uint64_t g = ((high ? got->of.v128.hi : got->of.v128.lo) >> at) & mask;
            uint64_t w = ((high ? e->v.of.v128.hi : e->v.of.v128.lo) >> at) & mask;
            runnel_val lane;
            memset(&lane, 0, sizeof lane);
            if (e->lanes[i] == EXP_EXACT) {
                if (g != w)
                    return false;
                continue;
            }
            /* a NaN class: compare the lane as a float of its width */
            expected le = {.kind = e->lanes[i]};
            le.v.type = lane.type = e->lane_bits == 32 ? RUNNEL_TYPE_F32 : RUNNEL_TYPE_F64;
            if (e->lane_bits == 32)
                lane.of.f32_bits = (uint32_t)g;
            else
                lane.of.f64_bits = g;
            if (!value_matches(&le, &lane))
                return false;
        }
        return true;
    default: return false;
    }
}

/* ------------------------------------------------------------------ actions */

/* The outcome of an action: the status and report of the call, and its results. */
typedef struct outcome {
    runnel_status status;
    runnel_report r;
    runnel_val *results;
    size_t nresults;
} outcome;

static void outcome_clear(outcome *o)
{
    runnel_report_clear(&o->r);
    free(o->results);
    memset(o, 0, sizeof *o);
}

static runnel_status setup_error(outcome *o, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    runnel_report_clear(&o->r);
    o->r.status = RUNNEL_BADARG;
    o->r.message = strdup(buf);
    return o->status = RUNNEL_BADARG;
}

/* Run {"type": "invoke"|"get", "module"?, "field", "args"?}. A problem of the script itself (unknown
   instance or export, bad argument) comes back as RUNNEL_BADARG, which no assertion accepts. */
static runnel_status run_action(script *s, json_t *action, outcome *o)
{
    memset(o, 0, sizeof *o);
    const char *type = json_string_value(json_object_get(action, "type"));
    const char *modname = json_string_value(json_object_get(action, "module"));
    const char *field = json_string_value(json_object_get(action, "field"));
    if (!type || !field)
        return setup_error(o, "malformed action");
    /* names.wast exports a name with a NUL byte in it: functions are looked up by name and length. */
    size_t field_len = json_string_length(json_object_get(action, "field"));
    runnel_instance *inst = find_instance(s, modname);
    if (!inst)
        return setup_error(o, "no instance %s", modname ? modname : "(current)");

    if (strcmp(type, "get") == 0) {
        runnel_global *g = runnel_instance_global(inst, field);
        if (!g)
            return setup_error(o, "no global export \"%s\"", field);
        o->results = malloc(sizeof *o->results);
        if (!o->results)
            return setup_error(o, "out of memory");
        o->results[0] = runnel_global_get(g);
        o->nresults = 1;
        return o->status = RUNNEL_OK;
    }
    if (strcmp(type, "invoke") != 0)
        return setup_error(o, "unknown action type %s", type);

    runnel_func *f = runnel_instance_func_n(inst, field, field_len);
    if (!f)
        return setup_error(o, "no function export \"%s\"", field);
    json_t *jargs = json_object_get(action, "args");
    size_t nargs = json_array_size(jargs);
    runnel_val *args = calloc(nargs ? nargs : 1, sizeof *args);
    size_t nres = runnel_func_result_count(f);
    o->results = calloc(nres ? nres : 1, sizeof *o->results);
    if (!args || !o->results) {
        free(args);
        return setup_error(o, "out of memory");
    }
    o->nresults = nres;
    for (size_t i = 0; i < nargs; i++) {
        expected e;
        char err[200];
        if (!parse_value(json_array_get(jargs, i), &e, false, err, sizeof err)) {
            free(args);
            return setup_error(o, "argument %zu: %s", i, err);
        }
        args[i] = e.v;
    }
    o->status = runnel_call(f, args, nargs, o->results, nres, &o->r);
    free(args);
    if (o->status == RUNNEL_SUSPENDED)
        runnel_abandon(s->store); /* no fuel or deadline is set, but never leave a call behind */
    return o->status;
}

/* ------------------------------------------------------------------ traps */

/* The spec's trap messages (the reference interpreter's wording) and the engine's trap kinds. The
   spec interpreter says "undefined element" for call_indirect past the table's end and "out of bounds
   table access" for table instructions: both are the engine's TABLE_OOB. Prefix match: the suite also
   writes "uninitialized element 2". */
static runnel_trap_kind trap_kind_of(const char *text)
{
    static const struct {
        const char *text;
        runnel_trap_kind kind;
    } map[] = {
        {"unreachable", RUNNEL_TRAP_UNREACHABLE},
        {"out of bounds memory access", RUNNEL_TRAP_MEMORY_OOB},
        {"out of bounds table access", RUNNEL_TRAP_TABLE_OOB},
        {"undefined element", RUNNEL_TRAP_TABLE_OOB},
        {"uninitialized element", RUNNEL_TRAP_NULL_FUNC},
        {"indirect call type mismatch", RUNNEL_TRAP_SIG_MISMATCH},
        {"integer divide by zero", RUNNEL_TRAP_DIV_ZERO},
        {"integer overflow", RUNNEL_TRAP_INT_OVERFLOW},
        {"invalid conversion to integer", RUNNEL_TRAP_INVALID_CONVERSION},
        {"call stack exhausted", RUNNEL_TRAP_STACK_EXHAUSTED},
    };
    if (text)
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
            if (strncmp(text, map[i].text, strlen(map[i].text)) == 0)
                return map[i].kind;
    return RUNNEL_TRAP_NONE;
}

/* Whether a failed operation is the trap the command expects; reports a failure if not. */
static bool check_trap(script *s, long line, const char *what, const char *text, runnel_status st,
                       const runnel_report *r)
{
    runnel_trap_kind want = trap_kind_of(text);
    if (want == RUNNEL_TRAP_NONE) {
        fail_at(s, line, "%s: unrecognised trap text \"%s\"", what, text ? text : "(none)");
        return false;
    }
    if (st == RUNNEL_OK) {
        fail_at(s, line, "%s: expected trap \"%s\", got success", what, text);
        return false;
    }
    if (st != RUNNEL_TRAP || r->trap != want) {
        fail_at(s, line, "%s: expected trap \"%s\", got %s (%s): %s", what, text, runnel_status_name(st),
                runnel_trap_message(r->trap), report_text(r));
        return false;
    }
    if (r->message && strstr(r->message, text) == NULL)
        note_at(s, line, "trap message \"%s\", spec says \"%s\"", r->message, text);
    return true;
}

/* ------------------------------------------------------------------ commands */

static const char *json_str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void break_script(script *s, long line)
{
    if (!s->broken_line)
        s->broken_line = line ? line : -1;
}

static void cmd_module(script *s, json_t *cmd, long line)
{
    runnel_report r = {0};
    bool loaded;
    runnel_instance *inst = load_instance(s, cmd, &r, &loaded);
    if (!inst) {
        if (s->verbose)
            printf("  %s.wast:%ld: module failed: %s: %s\n", s->name, line, runnel_status_name(r.status),
                   report_text(&r));
        runnel_report_clear(&r);
        s->current = NULL;
        break_script(s, line);
        return;
    }
    runnel_report_clear(&r);
    s->current = inst;
    const char *name = json_str(cmd, "name");
    if (name && !add_named(s, name, inst))
        break_script(s, line);
}

static void cmd_register(script *s, json_t *cmd, long line)
{
    const char *as = json_str(cmd, "as");
    runnel_instance *inst = find_instance(s, json_str(cmd, "name"));
    if (!as || !inst || runnel_linker_define_instance(s->linker, as, inst) != RUNNEL_OK) {
        if (s->verbose)
            printf("  %s.wast:%ld: register \"%s\" failed\n", s->name, line, as ? as : "(none)");
        break_script(s, line);
    }
}

static void cmd_action(script *s, json_t *cmd, long line)
{
    outcome o;
    if (run_action(s, json_object_get(cmd, "action"), &o) != RUNNEL_OK) {
        if (s->verbose)
            printf("  %s.wast:%ld: action failed: %s: %s\n", s->name, line, runnel_status_name(o.status),
                   report_text(&o.r));
        break_script(s, line);
    }
    outcome_clear(&o);
}

static void assert_return(script *s, json_t *cmd, long line)
{
    json_t *jexp = json_object_get(cmd, "expected");
    size_t nexp = json_array_size(jexp);
    outcome o;
    if (run_action(s, json_object_get(cmd, "action"), &o) != RUNNEL_OK) {
        fail_at(s, line, "assert_return: %s: %s", runnel_status_name(o.status), report_text(&o.r));
        outcome_clear(&o);
        return;
    }
    if (o.nresults != nexp) {
        fail_at(s, line, "assert_return: %zu results, expected %zu", o.nresults, nexp);
        outcome_clear(&o);
        return;
    }
    for (size_t i = 0; i < nexp; i++) {
        expected e;
        char err[200], want[80], got[80];
        if (!parse_value(json_array_get(jexp, i), &e, true, err, sizeof err)) {
            fail_at(s, line, "assert_return: result %zu: %s", i, err);
            outcome_clear(&o);
            return;
        }
        if (!value_matches(&e, &o.results[i])) {
            format_expected(&e, want, sizeof want);
            format_value(&o.results[i], got, sizeof got);
            fail_at(s, line, "assert_return: result %zu is %s, expected %s", i, got, want);
            outcome_clear(&o);
            return;
        }
    }
    s->c.passed++;
    outcome_clear(&o);
}

/* assert_trap and assert_exhaustion on an action; assert_trap on a module means instantiation traps. */
static void assert_traps(script *s, json_t *cmd, long line, const char *what)
{
    const char *text = json_str(cmd, "text");
    if (json_object_get(cmd, "action")) {
        outcome o;
        run_action(s, json_object_get(cmd, "action"), &o);
        if (check_trap(s, line, what, text, o.status, &o.r))
            s->c.passed++;
        outcome_clear(&o);
        return;
    }
    runnel_report r = {0};
    bool loaded;
    runnel_instance *inst = load_instance(s, cmd, &r, &loaded);
    runnel_status st = inst ? RUNNEL_OK : r.status;
    if (!loaded)
        fail_at(s, line, "%s: module did not load: %s: %s", what, runnel_status_name(st), report_text(&r));
    else if (check_trap(s, line, what, text, st, &r))
        s->c.passed++;
    runnel_report_clear(&r);
}

/* assert_invalid and assert_malformed: the binary must be rejected when loaded. A rejection of the
   other class (malformed for invalid or the reverse) still passes, with a note under -v: where the
   line between decoding and validation falls is partly an implementation choice. */
static void assert_rejected(script *s, json_t *cmd, long line, const char *what, runnel_status want)
{
    const char *mtype = json_str(cmd, "module_type");
    if (mtype && strcmp(mtype, "binary") != 0) {
        s->c.skipped++; /* a text module: needs a WAT parser */
        return;
    }
    runnel_report r = {0};
    runnel_module *m = load_module(s, cmd, &r);
    const char *text = json_str(cmd, "text");
    if (m) {
        fail_at(s, line, "%s: module loaded, expected \"%s\"", what, text ? text : "");
        runnel_module_free(m);
    } else if (r.status != RUNNEL_MALFORMED && r.status != RUNNEL_INVALID) {
        fail_at(s, line, "%s: expected \"%s\", got %s: %s", what, text ? text : "", runnel_status_name(r.status),
                report_text(&r));
    } else {
        if (r.status != want)
            note_at(s, line, "%s \"%s\" rejected as %s: %s", what, text ? text : "", runnel_status_name(r.status),
                    report_text(&r));
        s->c.passed++;
    }
    runnel_report_clear(&r);
}

static void assert_unlinkable(script *s, json_t *cmd, long line)
{
    runnel_report r = {0};
    bool loaded;
    runnel_instance *inst = load_instance(s, cmd, &r, &loaded);
    const char *text = json_str(cmd, "text");
    if (inst)
        fail_at(s, line, "assert_unlinkable: module instantiated, expected \"%s\"", text ? text : "");
    else if (!loaded || r.status != RUNNEL_UNLINKABLE)
        fail_at(s, line, "assert_unlinkable: expected \"%s\", got %s: %s", text ? text : "",
                runnel_status_name(r.status), report_text(&r));
    else
        s->c.passed++;
    runnel_report_clear(&r);
}

static bool is_assertion(const char *type)
{
    return strncmp(type, "assert_", 7) == 0;
}

static void run_command(script *s, json_t *cmd)
{
    const char *type = json_str(cmd, "type");
    long line = (long)json_integer_value(json_object_get(cmd, "line"));
    if (!type)
        return;
    if (s->broken_line) {
        if (is_assertion(type)) {
            const char *mtype = json_str(cmd, "module_type");
            if (mtype && strcmp(mtype, "text") == 0)
                s->c.skipped++;
            else
                s->c.failed++;
        }
        return;
    }
    if (strcmp(type, "module") == 0)
        cmd_module(s, cmd, line);
    else if (strcmp(type, "register") == 0)
        cmd_register(s, cmd, line);
    else if (strcmp(type, "action") == 0)
        cmd_action(s, cmd, line);
    else if (strcmp(type, "assert_return") == 0)
        assert_return(s, cmd, line);
    else if (strcmp(type, "assert_trap") == 0)
        assert_traps(s, cmd, line, "assert_trap");
    else if (strcmp(type, "assert_exhaustion") == 0)
        assert_traps(s, cmd, line, "assert_exhaustion");
    else if (strcmp(type, "assert_invalid") == 0)
        assert_rejected(s, cmd, line, "assert_invalid", RUNNEL_INVALID);
    else if (strcmp(type, "assert_malformed") == 0)
        assert_rejected(s, cmd, line, "assert_malformed", RUNNEL_MALFORMED);
    else if (strcmp(type, "assert_unlinkable") == 0)
        assert_unlinkable(s, cmd, line);
    else if (strcmp(type, "assert_uninstantiable") == 0)
        assert_traps(s, cmd, line, "assert_uninstantiable");
    else if (is_assertion(type))
        fail_at(s, line, "unknown assertion %s", type);
    else if (s->verbose)
        printf("  %s.wast:%ld: ignoring command %s\n", s->name, line, type);
}

/* ------------------------------------------------------------------ scripts */

/* "dir/simd_foo.json" -> "simd_foo" in buf. */
static void script_name(const char *path, char *buf, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".json") == 0)
        n -= 5;
    if (n >= len)
        n = len - 1;
    memcpy(buf, base, n);
    buf[n] = '\0';
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    size_t n = (size_t)(slash - path);
    char *d = malloc(n + 2);
    if (!d)
        return NULL;
    if (n == 0)
        d[n++] = '/';
    else
        memcpy(d, path, n);
    d[n] = '\0';
    return d;
}

static counts run_script(const char *path, bool verbose)
{
    char name[256];
    script_name(path, name, sizeof name);
    script s = {.name = name, .verbose = verbose};

    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    json_t *cmds = json_object_get(root, "commands");
    if (!json_is_array(cmds)) {
        printf("  %s: cannot read: %s\n", path, root ? "no commands" : jerr.text);
        json_decref(root);
        s.c.failed = 1;
        return s.c;
    }

    size_t n = json_array_size(cmds);

    /* Explicit defaults: the limits the suite is meant to pass under (call depth matters for
       assert_exhaustion and for the deep-recursion tests that must not exhaust). */
    runnel_config cfg = {
        .max_memory_pages = 65536,
        .max_table_elems = 10000000,
        .stack_bytes = 1u << 20,
        .max_call_depth = 10000,
    };
    s.dir = dir_of(path);
    s.store = runnel_store_new(&cfg);
    s.linker = runnel_linker_new();
    if (!s.dir || !s.store || !s.linker || !define_spectest(&s)) {
        printf("  %s: cannot set up the store and the spectest module\n", name);
        s.broken_line = -1;
    }
    for (size_t i = 0; i < n; i++)
        run_command(&s, json_array_get(cmds, i));
    if (s.broken_line && verbose)
        printf("  %s.wast: assertions after line %ld not run (counted as failed)\n", name, s.broken_line);

    for (size_t i = 0; i < s.nnamed; i++)
        free(s.named[i].name);
    free(s.named);
    if (s.linker)
        runnel_linker_free(s.linker);
    if (s.store)
        runnel_store_free(s.store);
    free(s.dir);
    json_decref(root);
    return s.c;
}

static void usage(void)
{
    fprintf(stderr, "usage: spec_runner [-v] [--compiled [--guard-pages]] FILE.json...\n"
                    "Runs wast2json command lists; prints one line per script and a total.\n"
                    "  -v             print every failure with its .wast line\n"
                    "  --compiled     every module through the compiling tier\n"
                    "  --guard-pages  runnel_guard_pages_enable first (compiled code then has no compares)\n");
}

int main(int argc, char **argv)
{
    bool verbose = false;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "-v") == 0)
            verbose = true;
        else if (strcmp(argv[first], "--compiled") == 0)
            compiled = true;
        else if (strcmp(argv[first], "--guard-pages") == 0) {
            runnel_report r = {0};
            if (runnel_guard_pages_enable(&r) != RUNNEL_OK) {
                fprintf(stderr, "spec_runner: %s\n", r.message);
                return 1;
            }
        } else if (strcmp(argv[first], "--") == 0) {
            first++;
            break;
        } else {
            usage();
            return 2;
        }
    }
    if (first >= argc) {
        usage();
        return 2;
    }
    counts total = {0};
    for (int i = first; i < argc; i++) {
        char name[256];
        script_name(argv[i], name, sizeof name);
        counts c = run_script(argv[i], verbose);
        printf("%s: %lu passed, %lu failed, %lu skipped\n", name, c.passed, c.failed, c.skipped);
        fflush(stdout);
        total.passed += c.passed;
        total.failed += c.failed;
        total.skipped += c.skipped;
    }
    printf("%lu passed, %lu failed, %lu skipped\n", total.passed, total.failed, total.skipped);
    return total.failed ? 1 : 0;
}

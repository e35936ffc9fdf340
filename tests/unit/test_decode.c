/*
 * test_decode.c - the decoder (decode.c), the module validator (validate_module.c) and the import and
 * export descriptions (module_info.c).
 *
 * Most tests build small modules byte by byte with the writer below, so each one shows exactly which
 * bytes are being judged: one module that uses every section and is checked field by field, then the
 * errors of spec chapter 5 (truncation, LEB128 limits, section order and sizes, UTF-8, hostile counts)
 * and of spec 3.4 (limits, constant expressions, exports, start, segments). Messages are checked for
 * the spec test suite's wording.
 *
 * Then real modules: every module of the official spec suite that must load (SIMD included) must
 * decode and validate, every binary assert_malformed / assert_invalid the decoder can judge must be
 * rejected with the right status, and the Extism and Reflow plugins of ../shared must load. The
 * shared directory is $RUNNEL_SHARED, else RUNNEL_SHARED_DIR, else ../shared next to the sources.
 */
#include "module.h"

#include <dirent.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* ---------------------------------------------------------------- a module writer */

typedef struct wbuf {
    uint8_t b[8192];
    size_t n;
    size_t bounds[32]; /* where each section written by section() ends */
    size_t nbounds;
} wbuf;

static void emit(wbuf *w, const uint8_t *p, size_t n)
{
    assert_true(w->n + n <= sizeof w->b);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

#define B(w, ...) emit((w), (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static void uleb(wbuf *w, uint64_t v)
{
    do {
        uint8_t b = v & 0x7F;
        v >>= 7;
        B(w, (uint8_t)(b | (v ? 0x80 : 0)));
    } while (v);
}

static void sleb(wbuf *w, int64_t v)
{
    for (;;) {
        uint8_t b = (uint8_t)(v & 0x7F);
        v >>= 7; /* arithmetic shift on every compiler we build with */
        bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
        B(w, (uint8_t)(b | (done ? 0 : 0x80)));
        if (done)
            return;
    }
}

static void name_n(wbuf *w, const char *s, size_t n)
{
    uleb(w, n);
    emit(w, (const uint8_t *)s, n);
}

static void name(wbuf *w, const char *s) { name_n(w, s, strlen(s)); }

static void header(wbuf *w) { B(w, 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00); }

static void section(wbuf *w, uint8_t id, const wbuf *c)
{
    B(w, id);
    uleb(w, c->n);
    emit(w, c->b, c->n);
    assert_true(w->nbounds < 32);
    w->bounds[w->nbounds++] = w->n;
}

/* A module of just one section after the header. */
static void one_section(wbuf *w, uint8_t id, const wbuf *c)
{
    header(w);
    section(w, id, c);
}

/* A module whose only content is one global of type t initialised by the expression bytes e. */
static void global_module(wbuf *w, uint8_t t, bool mut, const uint8_t *e, size_t elen)
{
    wbuf g = {0};
    B(&g, 1, t, mut ? 1 : 0);
    emit(&g, e, elen);
    one_section(w, 6, &g);
}

/* ---------------------------------------------------------------- checking */

static runnel_status load(const wbuf *w, rn_module *m, runnel_report *r)
{
    runnel_status st = rn_decode(m, w->b, w->n, r);
    if (st == RUNNEL_OK)
        st = rn_validate_module(m, r);
    return st;
}

static void check_message(const runnel_report *r, const char *want)
{
    assert_non_null(r->message);
    if (!strstr(r->message, want))
        fail_msg("message \"%s\" lacks \"%s\"", r->message, want);
}

/* Decoding (not validation) fails with status st and a message containing msg. */
static void expect_decode(const wbuf *w, runnel_status st, const char *msg)
{
    rn_module m;
    runnel_report r = {0};
    assert_int_equal(rn_decode(&m, w->b, w->n, &r), st);
    assert_int_equal(r.status, st);
    check_message(&r, msg);
    rn_module_release(&m);
    runnel_report_clear(&r);
}

/* Decoding succeeds and validation fails with RUNNEL_INVALID and msg. */
static void expect_invalid(const wbuf *w, const char *msg)
{
    rn_module m;
    runnel_report r = {0};
    if (rn_decode(&m, w->b, w->n, &r) != RUNNEL_OK)
        fail_msg("decoding failed: %s", r.message);
    assert_int_equal(rn_validate_module(&m, &r), RUNNEL_INVALID);
    check_message(&r, msg);
    rn_module_release(&m);
    runnel_report_clear(&r);
}

static void expect_ok(const wbuf *w)
{
    rn_module m;
    runnel_report r = {0};
    if (load(w, &m, &r) != RUNNEL_OK)
        fail_msg("module rejected: %s", r.message);
    assert_null(r.message);
    rn_module_release(&m);
}

/* ---------------------------------------------------------------- a module with every section */

/*
 * types  0: (i32 i32) -> (i64)   1: () -> ()   2: (f32 f64 funcref externref) -> (i32)
 * imports env.f func 0; env.tab table funcref 1..10; env.mem memory 1..2; env.g global i32;
 *         env.gm global (mut i64)
 * funcs   1: type 1, 2: type 0 (defined)       table 1: externref 2..   (no memory section)
 * globals 2: i32 = global.get 0; 3: funcref = ref.func 2; 4: f64 = 1.5
 * exports "run" func 1, "tab" table 0, "g" global 3        start: func 1
 * elem    active table 0 at i32.const 0: funcs 1 2
 * datacount 2; code: func 1 has locals 2 x i32, 1 x f64, body `end`; func 2 body `unreachable end`
 * data    active at i32.const 16 "hi"; passive "xyz"
 * names   module "mod"; function 0 "imp", function 2 "second"
 */
static void full_module(wbuf *w)
{
    wbuf s;
    header(w);

    s = (wbuf){0};
    B(&s, 3, 0x60, 2, RN_I32, RN_I32, 1, RN_I64, 0x60, 0, 0, 0x60, 4, RN_F32, RN_F64, RN_FUNCREF, RN_EXTERNREF, 1,
      RN_I32);
    section(w, 1, &s);

    s = (wbuf){0};
    B(&s, 5);
    name(&s, "env"), name(&s, "f"), B(&s, 0, 0);
    name(&s, "env"), name(&s, "tab"), B(&s, 1, RN_FUNCREF, 1, 1, 10);
    name(&s, "env"), name(&s, "mem"), B(&s, 2, 1, 1, 2);
    name(&s, "env"), name(&s, "g"), B(&s, 3, RN_I32, 0);
    name(&s, "env"), name(&s, "gm"), B(&s, 3, RN_I64, 1);
    section(w, 2, &s);

    s = (wbuf){0};
    B(&s, 2, 1, 0);
    section(w, 3, &s);

    s = (wbuf){0};
    B(&s, 1, RN_EXTERNREF, 0, 2);
    section(w, 4, &s);

    s = (wbuf){0};
    B(&s, 3);
    B(&s, RN_I32, 0, 0x23, 0, 0x0B);
    B(&s, RN_FUNCREF, 0, 0xD2, 2, 0x0B);
    B(&s, RN_F64, 0, 0x44, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0x0B);
    section(w, 6, &s);

    s = (wbuf){0};
    B(&s, 3);
    name(&s, "run"), B(&s, 0, 1);
    name(&s, "tab"), B(&s, 1, 0);
    name(&s, "g"), B(&s, 3, 3);
    section(w, 7, &s);

    s = (wbuf){0};
    B(&s, 1);
    section(w, 8, &s);

    s = (wbuf){0};
    B(&s, 1, 0, 0x41, 0, 0x0B, 2, 1, 2);
    section(w, 9, &s);

    s = (wbuf){0};
    B(&s, 2);
    section(w, 12, &s);

    s = (wbuf){0};
    B(&s, 2);
    B(&s, 6, 2, 2, RN_I32, 1, RN_F64, 0x0B);
    B(&s, 3, 0, 0x00, 0x0B);
    section(w, 10, &s);

    s = (wbuf){0};
    B(&s, 2);
    B(&s, 0, 0x41, 16, 0x0B, 2, 'h', 'i');
    B(&s, 1, 3, 'x', 'y', 'z');
    section(w, 11, &s);

    s = (wbuf){0};
    wbuf sub = {0};
    name(&s, "name");
    name(&sub, "mod");
    B(&s, 0), uleb(&s, sub.n), emit(&s, sub.b, sub.n);
    sub = (wbuf){0};
    B(&sub, 2, 0), name(&sub, "imp"), B(&sub, 2), name(&sub, "second");
    B(&s, 1), uleb(&s, sub.n), emit(&s, sub.b, sub.n);
    section(w, 0, &s);
}

static void test_full_module(void **state)
{
    (void)state;
    wbuf w = {0};
    full_module(&w);
    rn_module m;
    runnel_report r = {0};
    if (load(&w, &m, &r) != RUNNEL_OK)
        fail_msg("%s", r.message);

    assert_int_equal(m.len, w.n);
    assert_null(m.bytes); /* nothing is copied: the module points into the binary */

    assert_int_equal(m.ntypes, 3);
    assert_int_equal(m.types[0].nparams, 2);
    assert_int_equal(m.types[0].nresults, 1);
    assert_int_equal(m.types[0].results[0], RN_I64);
    assert_string_equal(m.types[0].sig, "ii:I");
    assert_string_equal(m.types[1].sig, ":");
    assert_string_equal(m.types[2].sig, "fFrx:i");
    for (uint32_t i = 0; i < 3; i++)
        assert_true(m.types[i].key == rn_functype_key(&m.types[i]));
    assert_true(m.types[0].key != m.types[1].key);

    assert_int_equal(m.nimports, 5);
    assert_int_equal(m.nfunc_imports, 1);
    assert_int_equal(m.ntable_imports, 1);
    assert_int_equal(m.nmem_imports, 1);
    assert_int_equal(m.nglobal_imports, 2);
    assert_string_equal(m.imports[1].module, "env");
    assert_string_equal(m.imports[1].name, "tab");
    assert_int_equal(m.imports[1].u.table.lim.max, 10);
    assert_true(m.imports[4].u.global.mut);

    assert_int_equal(m.nfuncs, 3);
    assert_int_equal(m.nfuncs_defined, 2);
    assert_int_equal(m.func_types[0], 0);
    assert_int_equal(m.func_types[1], 1);
    assert_int_equal(m.func_types[2], 0);

    assert_int_equal(m.ntables, 2);
    assert_int_equal(m.tables[0].elem, RN_FUNCREF);
    assert_int_equal(m.tables[0].lim.min, 1);
    assert_int_equal(m.tables[1].elem, RN_EXTERNREF);
    assert_int_equal(m.tables[1].lim.min, 2);
    assert_false(m.tables[1].lim.has_max);
    assert_int_equal(m.nmems, 1);
    assert_int_equal(m.mems[0].min, 1);
    assert_int_equal(m.mems[0].max, 2);
    assert_true(m.mems[0].has_max);

    assert_int_equal(m.nglobals, 5);
    assert_int_equal(m.global_types[1].type, RN_I64);
    assert_int_equal(m.global_types[3].type, RN_FUNCREF);
    assert_int_equal(m.globals[0].init.op, RN_CONST_GLOBAL);
    assert_int_equal(m.globals[0].init.index, 0);
    assert_int_equal(m.globals[1].init.op, RN_CONST_REF_FUNC);
    assert_int_equal(m.globals[1].init.index, 2);
    assert_int_equal(m.globals[2].init.op, RN_CONST_F64);
    assert_true(m.globals[2].init.bits == 0x3FF8000000000000ull);

    assert_int_equal(m.nexports, 3);
    assert_string_equal(m.exports[0].name, "run");
    assert_int_equal(m.exports[2].kind, RN_KIND_GLOBAL);
    assert_int_equal(m.exports[2].index, 3);
    assert_true(m.has_start);
    assert_int_equal(m.start, 1);

    assert_int_equal(m.nelems, 1);
    assert_int_equal(m.elems[0].mode, RN_SEG_ACTIVE);
    assert_int_equal(m.elems[0].type, RN_FUNCREF);
    assert_int_equal(m.elems[0].offset.op, RN_CONST_I32);
    assert_int_equal(m.elems[0].count, 2);
    assert_int_equal(m.elems[0].items[1].op, RN_CONST_REF_FUNC);
    assert_int_equal(m.elems[0].items[1].index, 2);

    assert_true(m.has_datacount);
    assert_int_equal(m.datacount, 2);
    assert_int_equal(m.ndatas, 2);
    assert_int_equal(m.datas[0].mode, RN_SEG_ACTIVE);
    assert_true(m.datas[0].offset.bits == 16);
    assert_int_equal(m.datas[0].len, 2);
    assert_memory_equal(m.datas[0].bytes, "hi", 2);
    assert_true(m.datas[0].bytes >= w.b && m.datas[0].bytes < w.b + w.n);
    assert_int_equal(m.datas[1].mode, RN_SEG_PASSIVE);
    assert_memory_equal(m.datas[1].bytes, "xyz", 3);

    const rn_func *f = &m.funcs[0];
    assert_int_equal(f->type_index, 1);
    assert_int_equal(f->nlocals, 3);
    assert_memory_equal(f->local_types, ((uint8_t[]){RN_I32, RN_I32, RN_F64}), 3);
    assert_int_equal(f->body_len, 1);
    assert_int_equal(f->body[0], 0x0B);
    assert_ptr_equal(f->body, w.b + f->body_offset);
    f = &m.funcs[1];
    assert_int_equal(f->nlocals, 0);
    assert_null(f->local_types);
    assert_int_equal(f->body_len, 2);
    assert_memory_equal(f->body, ((uint8_t[]){0x00, 0x0B}), 2);

    /* C.refs: ref.func 2 in a global, funcs 1 and 2 in the element segment, func 1 exported */
    assert_false(m.func_declared[0]);
    assert_true(m.func_declared[1]);
    assert_true(m.func_declared[2]);

    assert_string_equal(m.name, "mod");
    assert_non_null(m.func_names);
    assert_string_equal(m.func_names[0], "imp");
    assert_null(m.func_names[1]);
    assert_string_equal(m.func_names[2], "second");

    runnel_import_desc id = rn_module_import_desc(&m, 0);
    assert_string_equal(id.module, "env");
    assert_string_equal(id.name, "f");
    assert_int_equal(id.kind, RUNNEL_EXTERN_FUNC);
    assert_string_equal(id.type, "ii:I");
    id = rn_module_import_desc(&m, 2);
    assert_int_equal(id.kind, RUNNEL_EXTERN_MEMORY);
    assert_null(id.type);
    id = rn_module_import_desc(&m, 5);
    assert_null(id.module);
    runnel_export_desc ed = rn_module_export_desc(&m, 0);
    assert_string_equal(ed.name, "run");
    assert_int_equal(ed.kind, RUNNEL_EXTERN_FUNC);
    assert_int_equal(ed.index, 1);
    assert_string_equal(ed.type, ":");
    ed = rn_module_export_desc(&m, 1);
    assert_int_equal(ed.kind, RUNNEL_EXTERN_TABLE);
    assert_null(ed.type);
    ed = rn_module_export_desc(&m, 3);
    assert_null(ed.name);

    /* once compiled, the module keeps its data segments and lets go of the binary */
    assert_int_equal(rn_module_keep_data(&m, &r), RUNNEL_OK);
    memset(w.b, 0, w.n);
    assert_memory_equal(m.datas[0].bytes, "hi", 2);
    assert_memory_equal(m.datas[1].bytes, "xyz", 3);
    assert_ptr_equal(m.datas[0].bytes, m.bytes);
    assert_null(m.funcs[0].body);

    rn_module_release(&m);
    assert_null(m.bytes);
    rn_module_release(&m); /* a released module is empty: releasing again is harmless */
}

/* Every proper prefix of the full module that does not end at a section boundary is malformed
   (never a crash); the ones that do end there are well-formed modules or fail for a stated reason. */
static void test_truncation(void **state)
{
    (void)state;
    wbuf w = {0};
    full_module(&w);
    for (size_t n = 0; n < w.n; n++) {
        bool boundary = n == 8;
        for (size_t i = 0; i < w.nbounds; i++)
            boundary |= w.bounds[i] == n;
        rn_module m;
        runnel_report r = {0};
        runnel_status st = rn_decode(&m, w.b, n, &r);
        if (!boundary) {
            if (st != RUNNEL_MALFORMED)
                fail_msg("prefix of %zu bytes: status %d", n, st);
            assert_non_null(r.message);
        }
        rn_module_release(&m);
        runnel_report_clear(&r);
    }
}

/* Random damage to the full module: any outcome but a crash, a leak or a silent failure. */
static void test_mutations(void **state)
{
    (void)state;
    wbuf w = {0};
    full_module(&w);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    unsigned failures = 0;
    for (int it = 0; it < 20000; it++) {
        wbuf v = w;
        for (int k = 0; k < 1 + it % 3; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size_t at = 8 + x % (v.n - 8);
            v.b[at] = (uint8_t)(x >> 32);
        }
        rn_module m;
        runnel_report r = {0};
        runnel_status st = load(&v, &m, &r);
        assert_true(st == RUNNEL_OK || st == RUNNEL_MALFORMED || st == RUNNEL_INVALID);
        if (st != RUNNEL_OK) {
            failures++;
            assert_non_null(r.message);
        }
        rn_module_release(&m);
        runnel_report_clear(&r);
    }
    assert_true(failures > 1000); /* the damage was real */
}

/* ---------------------------------------------------------------- spec 5: malformed */

static void test_header(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t n;
        const char *msg;
    } cases[] = {
        {"", 0, "unexpected end"},
        {"\x01", 1, "unexpected end"},
        {"\0as", 3, "unexpected end"},
        {"\0asm", 4, "unexpected end"},
        {"\0asm\x01\0\0", 7, "unexpected end"},
        {"\0ASM\x01\0\0\0", 8, "magic header not detected"},
        {"asm\0\x01\0\0\0", 8, "magic header not detected"},
        {"\0asm\x02\0\0\0", 8, "unknown binary version"},
        {"\0asm\0\0\0\x01", 8, "unknown binary version"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wbuf w = {0};
        emit(&w, (const uint8_t *)cases[i].bytes, cases[i].n);
        expect_decode(&w, RUNNEL_MALFORMED, cases[i].msg);
    }
    wbuf w = {0};
    header(&w);
    expect_ok(&w);
}

static void test_leb128(void **state)
{
    (void)state;
    wbuf w = {0}, s = {0};
    /* type count 0 in six bytes: one too many */
    B(&s, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    one_section(&w, 1, &s);
    expect_decode(&w, RUNNEL_MALFORMED, "integer representation too long");

    /* type count with bits above 32 set in its fifth byte */
    w = (wbuf){0}, s = (wbuf){0};
    B(&s, 0x80, 0x80, 0x80, 0x80, 0x10);
    one_section(&w, 1, &s);
    expect_decode(&w, RUNNEL_MALFORMED, "integer too large");

    /* 0xFFFFFFFF is the largest u32 and fine as a number (the count is then too big) */
    w = (wbuf){0}, s = (wbuf){0};
    B(&s, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F);
    one_section(&w, 1, &s);
    expect_decode(&w, RUNNEL_MALFORMED, "unexpected end");

    /* a section size cut off by the end of the module */
    w = (wbuf){0};
    header(&w);
    B(&w, 1, 0x80);
    expect_decode(&w, RUNNEL_MALFORMED, "unexpected end");

    /* i32.const: -1 in five bytes is fine; a fifth byte that is no sign extension is too large */
    const uint8_t ok[] = {0x41, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x0B};
    const uint8_t big[] = {0x41, 0xFF, 0xFF, 0xFF, 0xFF, 0x4F, 0x0B};
    w = (wbuf){0};
    global_module(&w, RN_I32, false, ok, sizeof ok);
    expect_ok(&w);
    w = (wbuf){0};
    global_module(&w, RN_I32, false, big, sizeof big);
    expect_decode(&w, RUNNEL_MALFORMED, "integer too large");

    /* i64.const INT64_MIN in ten bytes */
    wbuf e = {0};
    B(&e, 0x42);
    sleb(&e, INT64_MIN);
    B(&e, 0x0B);
    w = (wbuf){0};
    global_module(&w, RN_I64, false, e.b, e.n);
    rn_module m;
    assert_int_equal(load(&w, &m, NULL), RUNNEL_OK);
    assert_true(m.globals[0].init.bits == (uint64_t)INT64_MIN);
    rn_module_release(&m);

    /* limits flags are a 1-bit number: 2 is too large, 0x81 0x00 too long */
    w = (wbuf){0}, s = (wbuf){0};
    B(&s, 1, 0x02, 0);
    one_section(&w, 5, &s);
    expect_decode(&w, RUNNEL_MALFORMED, "integer too large");
    w = (wbuf){0}, s = (wbuf){0};
    B(&s, 1, 0x81, 0x00, 0);
    one_section(&w, 5, &s);
    expect_decode(&w, RUNNEL_MALFORMED, "integer representation too long");

    /* the function type form is the signed number -0x20: two bytes is too long */
    w = (wbuf){0}, s = (wbuf){0};
    B(&s, 1, 0xE0, 0x7F, 0, 0);
    one_section(&w, 1, &s);
    expect_decode(&w, RUNNEL_MALFORMED, "integer representation too long");
}

static void test_sections(void **state)
{
    (void)state;
    wbuf w, s1 = {0}, s0 = {0};
    B(&s1, 1, 0x60, 0, 0); /* one type () -> () */
    B(&s0, 0);             /* a count of zero */

    /* repeated, out of order, unknown */
    w = (wbuf){0};
    header(&w), section(&w, 1, &s1), section(&w, 1, &s1);
    expect_decode(&w, RUNNEL_MALFORMED, "unexpected content after last section");
    w = (wbuf){0};
    header(&w), section(&w, 3, &s0), section(&w, 1, &s1);
    expect_decode(&w, RUNNEL_MALFORMED, "unexpected content after last section");
    w = (wbuf){0};
    header(&w), section(&w, 10, &s0), section(&w, 12, &s0);
    expect_decode(&w, RUNNEL_MALFORMED, "unexpected content after last section");
    w = (wbuf){0};
    header(&w), B(&w, 13, 0);
    expect_decode(&w, RUNNEL_MALFORMED, "malformed section id");

    /* data count goes between element and code; custom sections go anywhere, even repeated */
    wbuf c = {0};
    name(&c, "anything"), B(&c, 1, 2, 3);
    w = (wbuf){0};
    header(&w), section(&w, 0, &c), section(&w, 1, &s1), section(&w, 0, &c), section(&w, 9, &s0);
    section(&w, 12, &s0), section(&w, 10, &s0), section(&w, 11, &s0), section(&w, 0, &c);
    expect_ok(&w);

    /* sizes: one byte too many, more than the module has */
    wbuf s1x = s1;
    B(&s1x, 0);
    w = (wbuf){0};
    header(&w), section(&w, 1, &s1x);
    expect_decode(&w, RUNNEL_MALFORMED, "section size mismatch");
    w = (wbuf){0};
    header(&w), B(&w, 1, 10, 1, 0x60, 0, 0);
    expect_decode(&w, RUNNEL_MALFORMED, "length out of bounds");
    /* a count larger than the section: "unexpected end" */
    w = (wbuf){0};
    header(&w), B(&w, 5, 1, 1);
    expect_decode(&w, RUNNEL_MALFORMED, "unexpected end of section or function");

    /* a custom section needs at least its name */
    w = (wbuf){0};
    header(&w), B(&w, 0, 0);
    expect_decode(&w, RUNNEL_MALFORMED, "unexpected end");
}

static void test_kinds_and_types(void **state)
{
    (void)state;
    wbuf w, s;
    /* import kind 4 */
    w = (wbuf){0}, s = (wbuf){0};
    B(&s, 1), name(&s, "a"), name(&s, "b"), B(&s, 4, 0);
    one_section(&w, 2, &s);
    expect_decode(&w, RUNNEL_MALFORMED, "malformed import kind");
    /* mutability 2 */
    w = (wbuf){0}, s = (wbuf){0};
    B(&s, 1, RN_I32, 2, 0x41, 0, 0x0B);
    one_section(&w, 6, &s);
    expect_decode(&w, RUNNEL_MALFORMED, "malformed mutability");
    /* a table of i32 */
    w = (wbuf){0}, s = (wbuf){0};
    B(&s, 1, RN_I32, 0, 0);
    one_section(&w, 4, &s);
    expect_decode(&w, RUNNEL_MALFORMED, "malformed reference type");
    /* a parameter of type 0x40 */
    w = (wbuf){0}, s = (wbuf){0};
    B(&s, 1, 0x60, 1, 0x40, 0);
    one_section(&w, 1, &s);
    expect_decode(&w, RUNNEL_MALFORMED, "malformed value type");
    /* export kind 4 */
    w = (wbuf){0}, s = (wbuf){0};
    B(&s, 1), name(&s, "x"), B(&s, 4, 0);
    one_section(&w, 7, &s);
    expect_decode(&w, RUNNEL_MALFORMED, "malformed export kind");
}

static void test_utf8(void **state)
{
    (void)state;
    static const char *good[] = {"", "plain", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF",
                                 "\xED\x9F\xBF", "\xEE\x80\x80"};
    static const char *bad[] = {"\x80", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xED\xA0\x80", "\xF0\x80\x80\x80",
                                "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xE2\x82", "\xFF", "a\xC3"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        wbuf w = {0}, s = {0};
        B(&s, 1), name(&s, good[i]), B(&s, 0, 0); /* export good[i] = func 0 */
        header(&w);
        wbuf t = {0}, f = {0}, c = {0};
        B(&t, 1, 0x60, 0, 0), B(&f, 1, 0), B(&c, 1, 2, 0, 0x0B);
        section(&w, 1, &t), section(&w, 3, &f), section(&w, 7, &s), section(&w, 10, &c);
        expect_ok(&w);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wbuf w = {0}, s = {0};
        B(&s, 1), name(&s, bad[i]), name(&s, "x"), B(&s, 3, RN_I32, 0);
        one_section(&w, 2, &s);
        expect_decode(&w, RUNNEL_MALFORMED, "malformed UTF-8 encoding");
        /* the name of a custom section is checked too */
        w = (wbuf){0}, s = (wbuf){0};
        name(&s, bad[i]);
        one_section(&w, 0, &s);
        expect_decode(&w, RUNNEL_MALFORMED, "malformed UTF-8 encoding");
    }
}

/* Counts that promise more than the module holds fail before anything is allocated for them. */
static void test_hostile_counts(void **state)
{
    (void)state;
    static const uint8_t ids[] = {1, 2, 3, 4, 5, 6, 7, 9, 10, 11};
    for (size_t i = 0; i < sizeof ids; i++) {
        wbuf w = {0}, s = {0};
        uleb(&s, 0xFFFFFFFFu);
        one_section(&w, ids[i], &s);
        expect_decode(&w, RUNNEL_MALFORMED, "unexpected end");
    }
    wbuf w = {0}, s = {0};
    B(&s, 1, 0x60), uleb(&s, 0xFFFFFFF0u); /* params */
    one_section(&w, 1, &s);
    expect_decode(&w, RUNNEL_MALFORMED, "unexpected end");
    w = (wbuf){0}, s = (wbuf){0};
    B(&s, 1, 1), uleb(&s, 0xFFFFFFFFu); /* passive data of 4 GiB */
    one_section(&w, 11, &s);
    expect_decode(&w, RUNNEL_MALFORMED, "unexpected end");
    w = (wbuf){0}, s = (wbuf){0};
    B(&s, 1, 1, 0), uleb(&s, 0x7FFFFFFFu); /* passive elements, 2^31 of them */
    one_section(&w, 9, &s);
    expect_decode(&w, RUNNEL_MALFORMED, "unexpected end");
    w = (wbuf){0}, s = (wbuf){0};
    B(&s, 1), name(&s, "m"), uleb(&s, 0x7FFFFFFFu); /* a name of 2 GiB */
    one_section(&w, 2, &s);
    expect_decode(&w, RUNNEL_MALFORMED, "length out of bounds");
}

/* A module of nfuncs functions of type () -> (), each declaring the given local runs. */
static void locals_module(wbuf *w, uint32_t nfuncs, const uint32_t *counts, size_t nruns)
{
    wbuf t = {0}, f = {0}, c = {0}, body = {0};
    B(&t, 1, 0x60, 0, 0);
    uleb(&f, nfuncs);
    for (uint32_t i = 0; i < nfuncs; i++)
        B(&f, 0);
    uleb(&body, nruns);
    for (size_t i = 0; i < nruns; i++)
        uleb(&body, counts[i]), B(&body, RN_I32);
    B(&body, 0x0B);
    uleb(&c, nfuncs);
    for (uint32_t i = 0; i < nfuncs; i++)
        uleb(&c, body.n), emit(&c, body.b, body.n);
    header(w), section(w, 1, &t), section(w, 3, &f), section(w, 10, &c);
}

static void test_locals(void **state)
{
    (void)state;
    wbuf w = {0};
    rn_module m;
    uint32_t runs[] = {RN_MAX_LOCALS - 1, 1};
    locals_module(&w, 1, runs, 2);
    assert_int_equal(load(&w, &m, NULL), RUNNEL_OK);
    assert_int_equal(m.funcs[0].nlocals, RN_MAX_LOCALS);
    assert_int_equal(m.funcs[0].local_types[RN_MAX_LOCALS - 1], RN_I32);
    rn_module_release(&m);

    uint32_t one_more[] = {RN_MAX_LOCALS, 1};
    w = (wbuf){0};
    locals_module(&w, 1, one_more, 2);
    expect_decode(&w, RUNNEL_MALFORMED, "too many locals");
    uint32_t wrap[] = {0xFFFFFFFFu, 2}; /* would wrap to 1 in 32 bits */
    w = (wbuf){0};
    locals_module(&w, 1, wrap, 2);
    expect_decode(&w, RUNNEL_MALFORMED, "too many locals");
    /* the module-wide budget: three functions of RN_MAX_LOCALS locals in a module of ~60 bytes */
    uint32_t max[] = {RN_MAX_LOCALS};
    w = (wbuf){0};
    locals_module(&w, 3, max, 1);
    expect_decode(&w, RUNNEL_MALFORMED, "too many locals");
}

static void test_code_and_data_counts(void **state)
{
    (void)state;
    wbuf w, t = {0}, f = {0}, c = {0}, c2 = {0}, z = {0}, dc = {0}, d = {0};
    B(&t, 1, 0x60, 0, 0), B(&f, 1, 0), B(&c, 1, 2, 0, 0x0B), B(&z, 0);
    B(&c2, 2, 2, 0, 0x0B, 2, 0, 0x0B);
    B(&dc, 2), B(&d, 1, 1, 0);

    w = (wbuf){0};
    header(&w), section(&w, 1, &t), section(&w, 3, &f);
    expect_decode(&w, RUNNEL_MALFORMED, "function and code section have inconsistent lengths");
    w = (wbuf){0};
    header(&w), section(&w, 1, &t), section(&w, 10, &c);
    expect_decode(&w, RUNNEL_MALFORMED, "function and code section have inconsistent lengths");
    w = (wbuf){0};
    header(&w), section(&w, 1, &t), section(&w, 3, &f), section(&w, 10, &c2);
    expect_decode(&w, RUNNEL_MALFORMED, "function and code section have inconsistent lengths");
    w = (wbuf){0};
    header(&w), section(&w, 1, &t), section(&w, 3, &z), section(&w, 10, &z);
    expect_ok(&w);

    w = (wbuf){0};
    header(&w), section(&w, 12, &dc), section(&w, 11, &d);
    expect_decode(&w, RUNNEL_MALFORMED, "data count and data section have inconsistent lengths");
    w = (wbuf){0};
    header(&w), section(&w, 12, &dc);
    expect_decode(&w, RUNNEL_MALFORMED, "data count and data section have inconsistent lengths");
    dc = (wbuf){0};
    B(&dc, 1);
    w = (wbuf){0};
    header(&w), section(&w, 12, &dc), section(&w, 11, &d);
    expect_ok(&w);

    /* data segment kinds: 2 has a memory index; 3 does not exist */
    wbuf mem = {0}, d2 = {0}, d3 = {0};
    B(&mem, 1, 0, 1), B(&d2, 1, 2, 0, 0x41, 0, 0x0B, 1, 'a'), B(&d3, 1, 3, 0);
    w = (wbuf){0};
    header(&w), section(&w, 5, &mem), section(&w, 11, &d2);
    rn_module m;
    assert_int_equal(load(&w, &m, NULL), RUNNEL_OK);
    assert_int_equal(m.datas[0].mode, RN_SEG_ACTIVE);
    assert_int_equal(m.datas[0].memory, 0);
    assert_int_equal(m.datas[0].bytes[0], 'a');
    rn_module_release(&m);
    w = (wbuf){0};
    header(&w), section(&w, 5, &mem), section(&w, 11, &d3);
    expect_decode(&w, RUNNEL_MALFORMED, "malformed data segment kind");
}

/* The eight encodings of an element segment (spec 5.5.12). */
static void test_elem_encodings(void **state)
{
    (void)state;
    wbuf w = {0}, t = {0}, f = {0}, tab = {0}, e = {0}, c = {0};
    B(&t, 1, 0x60, 0, 0);
    B(&f, 3, 0, 0, 0);
    B(&tab, 2, RN_FUNCREF, 0, 4, RN_EXTERNREF, 0, 4);
    B(&e, 8);
    B(&e, 0, 0x41, 1, 0x0B, 1, 0);                                     /* active table 0, funcs */
    B(&e, 1, 0x00, 1, 1);                                              /* passive, elemkind, funcs */
    B(&e, 2, 0, 0x41, 2, 0x0B, 0x00, 1, 0);                            /* active explicit table, funcs */
    B(&e, 3, 0x00, 1, 2);                                              /* declarative funcs */
    B(&e, 4, 0x41, 3, 0x0B, 2, 0xD2, 0, 0x0B, 0xD0, RN_FUNCREF, 0x0B); /* active table 0, exprs */
    B(&e, 5, RN_EXTERNREF, 1, 0xD0, RN_EXTERNREF, 0x0B);               /* passive exprs */
    B(&e, 6, 1, 0x41, 0, 0x0B, RN_EXTERNREF, 1, 0xD0, RN_EXTERNREF, 0x0B); /* active table 1, exprs */
    B(&e, 7, RN_FUNCREF, 0);                                           /* declarative, no items */
    B(&c, 3, 2, 0, 0x0B, 2, 0, 0x0B, 2, 0, 0x0B);
    header(&w), section(&w, 1, &t), section(&w, 3, &f), section(&w, 4, &tab), section(&w, 9, &e);
    section(&w, 10, &c);
    rn_module m;
    runnel_report r = {0};
    if (load(&w, &m, &r) != RUNNEL_OK)
        fail_msg("%s", r.message);
    assert_int_equal(m.nelems, 8);
    static const uint8_t mode[8] = {RN_SEG_ACTIVE, RN_SEG_PASSIVE, RN_SEG_ACTIVE, RN_SEG_DECLARATIVE,
                                    RN_SEG_ACTIVE, RN_SEG_PASSIVE, RN_SEG_ACTIVE, RN_SEG_DECLARATIVE};
    static const uint8_t type[8] = {RN_FUNCREF, RN_FUNCREF, RN_FUNCREF,   RN_FUNCREF,
                                    RN_FUNCREF, RN_EXTERNREF, RN_EXTERNREF, RN_FUNCREF};
    for (int i = 0; i < 8; i++) {
        assert_int_equal(m.elems[i].mode, mode[i]);
        assert_int_equal(m.elems[i].type, type[i]);
    }
    assert_int_equal(m.elems[2].offset.bits, 2);
    assert_int_equal(m.elems[3].items[0].op, RN_CONST_REF_FUNC);
    assert_int_equal(m.elems[3].items[0].index, 2);
    assert_int_equal(m.elems[4].count, 2);
    assert_int_equal(m.elems[4].items[1].op, RN_CONST_REF_NULL);
    assert_int_equal(m.elems[4].items[1].reftype, RN_FUNCREF);
    assert_int_equal(m.elems[6].table, 1);
    assert_int_equal(m.elems[7].count, 0);
    assert_true(m.func_declared[0] && m.func_declared[1] && m.func_declared[2]);
    rn_module_release(&m);

    /* kind 8 does not exist; an element kind other than 0x00 neither */
    wbuf e8 = {0}, ek = {0};
    B(&e8, 1, 8);
    B(&ek, 1, 1, 0x01, 0);
    w = (wbuf){0};
    header(&w), section(&w, 9, &e8);
    expect_decode(&w, RUNNEL_MALFORMED, "malformed elements segment kind");
    w = (wbuf){0};
    header(&w), section(&w, 9, &ek);
    expect_decode(&w, RUNNEL_MALFORMED, "malformed element kind");
}

static void test_name_section(void **state)
{
    (void)state;
    /* names before the functions they name (custom sections may come first); an index past the
       last function is ignored */
    wbuf w = {0}, n = {0}, sub = {0}, t = {0}, f = {0}, c = {0};
    B(&sub, 2, 0), name(&sub, "first"), B(&sub, 9), name(&sub, "nobody");
    name(&n, "name"), B(&n, 1), uleb(&n, sub.n), emit(&n, sub.b, sub.n);
    B(&t, 1, 0x60, 0, 0), B(&f, 1, 0), B(&c, 1, 2, 0, 0x0B);
    header(&w), section(&w, 0, &n), section(&w, 1, &t), section(&w, 3, &f), section(&w, 10, &c);
    rn_module m;
    assert_int_equal(load(&w, &m, NULL), RUNNEL_OK);
    assert_non_null(m.func_names);
    assert_string_equal(m.func_names[0], "first");
    assert_null(m.name);
    rn_module_release(&m);

    /* a broken name section costs the names, never the module */
    static const uint8_t broken[][6] = {
        {1, 0x7F, 0, 0, 0, 0},     /* subsection larger than the section */
        {1, 3, 1, 0, 0x02, 0xC0},  /* function name with bad UTF-8 (and too short) */
        {0, 2, 5, 'a', 0, 0},      /* module name longer than its subsection */
        {1, 5, 1, 0x80, 0x80, 0x80}, /* LEB128 running off the end */
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        w = (wbuf){0}, n = (wbuf){0};
        name(&n, "name"), emit(&n, broken[i], sizeof broken[i]);
        header(&w), section(&w, 1, &t), section(&w, 3, &f), section(&w, 10, &c), section(&w, 0, &n);
        runnel_report r = {0};
        if (load(&w, &m, &r) != RUNNEL_OK)
            fail_msg("case %zu: %s", i, r.message);
        assert_null(m.func_names);
        assert_null(m.name);
        rn_module_release(&m);
    }
}

/* ---------------------------------------------------------------- constant expressions */

static void test_const_exprs(void **state)
{
    (void)state;
    static const struct {
        uint8_t type;
        uint8_t bytes[8];
        size_t n;
        runnel_status decode; /* what rn_decode says */
        const char *msg;
    } cases[] = {
        {RN_I32, {0x01, 0x0B}, 2, RUNNEL_INVALID, "constant expression required"},             /* nop */
        {RN_I32, {0x41, 0, 0x41, 0, 0x0B}, 5, RUNNEL_INVALID, "type mismatch"},                /* two values */
        {RN_I32, {0x0B}, 1, RUNNEL_INVALID, "type mismatch"},                                  /* none */
        {RN_I32, {0x41, 1, 0x68, 0x0B}, 4, RUNNEL_INVALID, "constant expression required"},    /* i32.ctz */
        {RN_I32, {0x41, 1, 0x41, 2, 0x6A, 0x0B}, 6, RUNNEL_INVALID, "constant expression required"}, /* add */
        {RN_I32, {0x20, 0, 0x0B}, 3, RUNNEL_INVALID, "constant expression required"},          /* local.get */
        {RN_I32, {0xFC, 0, 0x0B}, 3, RUNNEL_INVALID, "constant expression required"},          /* trunc_sat */
        {RN_I32, {0x06, 0x0B}, 2, RUNNEL_MALFORMED, "illegal opcode"},
        {RN_I32, {0xFC, 99, 0x0B}, 3, RUNNEL_MALFORMED, "illegal opcode"},
        {RN_I32, {0x41, 0}, 2, RUNNEL_MALFORMED, "unexpected end"},                            /* no end */
        {RN_FUNCREF, {0xD0, RN_I32, 0x0B}, 3, RUNNEL_MALFORMED, "malformed reference type"},
        {RN_I32, {0xFD, 13, 0x0B}, 3, RUNNEL_INVALID, "constant expression required"}, /* i8x16.shuffle */
        {RN_I32, {0xFD, 0x9A, 0x01, 0x0B}, 4, RUNNEL_MALFORMED, "illegal opcode"},   /* no SIMD op 0x9A */
        {RN_V128, {0xFD, 12, 0, 0, 0, 0, 0x0B}, 7, RUNNEL_MALFORMED, "unexpected end"}, /* v128.const short */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wbuf w = {0};
        global_module(&w, cases[i].type, false, cases[i].bytes, cases[i].n);
        expect_decode(&w, cases[i].decode, cases[i].msg);
    }

    /* types and scope, judged by the validator */
    static const struct {
        uint8_t type;
        uint8_t bytes[4];
        size_t n;
        const char *msg;
    } invalid[] = {
        {RN_I32, {0x42, 0, 0x0B}, 3, "type mismatch"},              /* i64 for i32 */
        {RN_F32, {0x41, 0, 0x0B}, 3, "type mismatch"},
        {RN_I32, {0xD0, RN_FUNCREF, 0x0B}, 3, "type mismatch"},
        {RN_EXTERNREF, {0xD0, RN_FUNCREF, 0x0B}, 3, "type mismatch"},
        {RN_FUNCREF, {0xD2, 0, 0x0B}, 3, "unknown function 0"},    /* no functions */
        {RN_I32, {0x23, 0, 0x0B}, 3, "unknown global 0"},          /* not even itself */
    };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        wbuf w = {0};
        global_module(&w, invalid[i].type, false, invalid[i].bytes, invalid[i].n);
        expect_invalid(&w, invalid[i].msg);
    }

    /* global.get sees imported immutable globals only (the context C' of spec 3.4.10) */
    wbuf imp = {0}, g = {0}, w = {0};
    B(&imp, 2), name(&imp, "m"), name(&imp, "c"), B(&imp, 3, RN_I32, 0);
    name(&imp, "m"), name(&imp, "v"), B(&imp, 3, RN_I32, 1);
    B(&g, 2, RN_I32, 0, 0x23, 0, 0x0B, RN_I32, 0, 0x23, 2, 0x0B);
    header(&w), section(&w, 2, &imp), section(&w, 6, &g);
    expect_invalid(&w, "unknown global 2");
    g = (wbuf){0}, w = (wbuf){0};
    B(&g, 1, RN_I32, 0, 0x23, 1, 0x0B);
    header(&w), section(&w, 2, &imp), section(&w, 6, &g);
    expect_invalid(&w, "constant expression required");
    g = (wbuf){0}, w = (wbuf){0};
    B(&g, 1, RN_I64, 1, 0x23, 0, 0x0B);
    header(&w), section(&w, 2, &imp), section(&w, 6, &g);
    expect_invalid(&w, "type mismatch");
    g = (wbuf){0}, w = (wbuf){0};
    B(&g, 1, RN_I32, 1, 0x23, 0, 0x0B);
    header(&w), section(&w, 2, &imp), section(&w, 6, &g);
    expect_ok(&w);
}

/* ---------------------------------------------------------------- spec 3.4: the validator */

static void test_limits(void **state)
{
    (void)state;
    static const struct {
        uint8_t id;
        uint8_t bytes[12];
        size_t n;
        const char *msg; /* NULL: valid */
    } cases[] = {
        {5, {1, 0, 0x80, 0x80, 0x04}, 5, NULL},                        /* 65536 pages */
        {5, {1, 0, 0x81, 0x80, 0x04}, 5, "memory size must be at most 65536 pages (4GiB)"},
        {5, {1, 1, 0, 0x81, 0x80, 0x04}, 6, "memory size must be at most 65536 pages (4GiB)"},
        {5, {1, 1, 2, 1}, 4, "size minimum must not be greater than maximum"},
        {5, {2, 0, 0, 0, 0}, 5, "multiple memories"},
        {4, {1, RN_FUNCREF, 1, 3, 2}, 5, "size minimum must not be greater than maximum"},
        {4, {2, RN_FUNCREF, 0, 0, RN_EXTERNREF, 0, 0}, 7, NULL}, /* several tables are fine */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wbuf w = {0}, s = {0};
        emit(&s, cases[i].bytes, cases[i].n);
        one_section(&w, cases[i].id, &s);
        if (cases[i].msg)
            expect_invalid(&w, cases[i].msg);
        else
            expect_ok(&w);
    }
    /* tables have the range 2^32-1: the largest limits are valid */
    wbuf w = {0}, s = {0};
    B(&s, 1, RN_FUNCREF, 1), uleb(&s, 0xFFFFFFFFu), uleb(&s, 0xFFFFFFFFu);
    one_section(&w, 4, &s);
    expect_ok(&w);

    /* an imported memory and a defined one */
    w = (wbuf){0};
    wbuf imp = {0}, mem = {0};
    B(&imp, 1), name(&imp, "m"), name(&imp, "mem"), B(&imp, 2, 0, 1);
    B(&mem, 1, 0, 1);
    header(&w), section(&w, 2, &imp), section(&w, 5, &mem);
    expect_invalid(&w, "multiple memories");
    w = (wbuf){0}, imp = (wbuf){0};
    B(&imp, 1), name(&imp, "m"), name(&imp, "mem"), B(&imp, 2, 1, 3, 2);
    header(&w), section(&w, 2, &imp);
    expect_invalid(&w, "size minimum must not be greater than maximum");
}

/* A module with one function (type () -> ()), a table, a memory and a global, for export tests. */
static void export_module(wbuf *w, const wbuf *exports)
{
    wbuf t = {0}, f = {0}, tab = {0}, mem = {0}, g = {0}, c = {0};
    B(&t, 2, 0x60, 0, 0, 0x60, 1, RN_I32, 0), B(&f, 2, 0, 1), B(&tab, 1, RN_FUNCREF, 0, 0), B(&mem, 1, 0, 0);
    B(&g, 1, RN_I32, 0, 0x41, 0, 0x0B), B(&c, 2, 2, 0, 0x0B, 2, 0, 0x0B);
    header(w), section(w, 1, &t), section(w, 3, &f), section(w, 4, &tab), section(w, 5, &mem);
    section(w, 6, &g), section(w, 7, exports), section(w, 10, &c);
}

static void test_exports(void **state)
{
    (void)state;
    wbuf w = {0}, e = {0};
    B(&e, 4), name(&e, "f"), B(&e, 0, 0), name(&e, "t"), B(&e, 1, 0), name(&e, "m"), B(&e, 2, 0);
    name(&e, "g"), B(&e, 3, 0);
    export_module(&w, &e);
    rn_module m;
    assert_int_equal(load(&w, &m, NULL), RUNNEL_OK);
    assert_true(m.func_declared[0]);
    assert_false(m.func_declared[1]);
    rn_module_release(&m);

    static const struct {
        uint8_t kind, index;
        const char *msg;
    } bad[] = {
        {0, 2, "unknown function 2"}, {1, 1, "unknown table 1"}, {2, 1, "unknown memory 1"}, {3, 1, "unknown global 1"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        w = (wbuf){0}, e = (wbuf){0};
        B(&e, 1), name(&e, "x"), B(&e, bad[i].kind, bad[i].index);
        export_module(&w, &e);
        expect_invalid(&w, bad[i].msg);
    }

    /* duplicates, among many names (the check sorts) */
    w = (wbuf){0}, e = (wbuf){0};
    B(&e, 40);
    for (int i = 0; i < 40; i++) {
        char s[16];
        snprintf(s, sizeof s, "e%d", i == 39 ? 17 : i);
        name(&e, s), B(&e, 0, 0);
    }
    export_module(&w, &e);
    expect_invalid(&w, "duplicate export name");

    /* names are byte strings: "a\0b" and "a\0c" differ although C sees "a" twice, and "" differs
       from "\0" */
    w = (wbuf){0}, e = (wbuf){0};
    B(&e, 4), name_n(&e, "a\0b", 3), B(&e, 0, 0), name_n(&e, "a\0c", 3), B(&e, 0, 0);
    name_n(&e, "", 0), B(&e, 0, 0), name_n(&e, "\0", 1), B(&e, 0, 0);
    export_module(&w, &e);
    assert_int_equal(load(&w, &m, NULL), RUNNEL_OK);
    assert_int_equal(rn_name_len(m.exports[0].name), 3);
    assert_memory_equal(m.exports[1].name, "a\0c", 4);
    assert_int_equal(rn_name_len(m.exports[2].name), 0);
    assert_int_equal(rn_name_len(m.exports[3].name), 1);
    rn_module_release(&m);
    w = (wbuf){0}, e = (wbuf){0};
    B(&e, 2), name_n(&e, "a\0b", 3), B(&e, 0, 0), name_n(&e, "a\0b", 3), B(&e, 0, 0);
    export_module(&w, &e);
    expect_invalid(&w, "duplicate export name");
}

static void test_start(void **state)
{
    (void)state;
    wbuf t = {0}, f = {0}, c = {0};
    B(&t, 2, 0x60, 0, 0, 0x60, 1, RN_I32, 0), B(&f, 2, 0, 1), B(&c, 2, 2, 0, 0x0B, 2, 0, 0x0B);
    for (uint8_t start = 0; start < 3; start++) {
        wbuf w = {0}, s = {0};
        B(&s, start);
        header(&w), section(&w, 1, &t), section(&w, 3, &f), section(&w, 8, &s), section(&w, 10, &c);
        if (start == 0)
            expect_ok(&w);
        else
            expect_invalid(&w, start == 1 ? "start function" : "unknown function 2");
    }
}

static void test_segments(void **state)
{
    (void)state;
    wbuf t = {0}, f = {0}, c = {0}, tabs = {0}, mem = {0};
    B(&t, 1, 0x60, 0, 0), B(&f, 1, 0), B(&c, 1, 2, 0, 0x0B);
    B(&tabs, 2, RN_FUNCREF, 0, 1, RN_EXTERNREF, 0, 1), B(&mem, 1, 0, 1);
    static const struct {
        uint8_t bytes[12];
        size_t n;
        uint8_t id;
        const char *msg;
    } cases[] = {
        {{1, 2, 1, 0x41, 0, 0x0B, 0, 1, 0}, 9, 9, "type mismatch"},       /* funcs into externref table */
        {{1, 2, 2, 0x41, 0, 0x0B, 0, 1, 0}, 9, 9, "unknown table 2"},
        {{1, 0, 0x42, 0, 0x0B, 1, 0}, 7, 9, "type mismatch"},             /* i64 offset */
        {{1, 0, 0x41, 0, 0x0B, 1, 1}, 7, 9, "unknown function 1"},
        {{1, 5, RN_FUNCREF, 1, 0xD0, RN_EXTERNREF, 0x0B}, 7, 9, "type mismatch"}, /* null extern in funcref seg */
        {{1, 2, 1, 0x41, 0, 0x0B, 0}, 7, 11, "unknown memory 1"},
        {{1, 0, 0x42, 0, 0x0B, 0}, 6, 11, "type mismatch"},
        {{1, 0, 0xD0, RN_FUNCREF, 0x0B, 0}, 6, 11, "type mismatch"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wbuf w = {0}, s = {0};
        emit(&s, cases[i].bytes, cases[i].n);
        header(&w), section(&w, 1, &t), section(&w, 3, &f), section(&w, 4, &tabs), section(&w, 5, &mem);
        if (cases[i].id == 9)
            section(&w, 9, &s), section(&w, 10, &c);
        else
            section(&w, 10, &c), section(&w, 11, &s);
        expect_invalid(&w, cases[i].msg);
    }
    /* data for a memory that does not exist (no memory at all) */
    wbuf w = {0}, d = {0};
    B(&d, 1, 0, 0x41, 0, 0x0B, 0);
    header(&w), section(&w, 11, &d);
    expect_invalid(&w, "unknown memory 0");
}

/* v128 is a value type like the others: in function types, locals and globals (with v128.const). */
static void test_simd_types(void **state)
{
    (void)state;
    wbuf w = {0}, s = {0};
    B(&s, 1, 0x60, 1, RN_V128, 1, RN_V128);
    one_section(&w, 1, &s);
    expect_ok(&w);

    uint32_t one[] = {1};
    w = (wbuf){0};
    locals_module(&w, 1, one, 1);
    w.b[w.n - 2] = RN_V128; /* the local run's type, just before `end` */
    expect_ok(&w);

    /* v128.const: 0xFD 12 and 16 bytes, little-endian; bits of the high half land in bits_hi */
    uint8_t c[19] = {0xFD, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0x0B};
    w = (wbuf){0};
    global_module(&w, RN_V128, false, c, sizeof c);
    rn_module m;
    assert_int_equal(load(&w, &m, NULL), RUNNEL_OK);
    assert_int_equal(m.globals[0].init.op, RN_CONST_V128);
    assert_true(m.globals[0].init.bits == 0x0807060504030201ull);
    assert_true(m.globals[0].init.bits_hi == 0x100F0E0D0C0B0A09ull);
    rn_module_release(&m);
    w = (wbuf){0};
    global_module(&w, RN_I64, false, c, sizeof c);
    expect_invalid(&w, "type mismatch");
    uint8_t i64c[3] = {0x42, 0, 0x0B};
    w = (wbuf){0};
    global_module(&w, RN_V128, false, i64c, sizeof i64c);
    expect_invalid(&w, "type mismatch");
}

/* ---------------------------------------------------------------- real modules */

static const char *shared_dir(void)
{
    const char *env = getenv("RUNNEL_SHARED");
    if (env && *env)
        return env;
#if defined(RUNNEL_SHARED_DIR)
    return RUNNEL_SHARED_DIR;
#elif defined(RUNNEL_SOURCE_DIR)
    return RUNNEL_SOURCE_DIR "/../shared";
#else
    return "../shared";
#endif
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *b = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(b, cap);
            if (!nb)
                break;
            b = nb;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len = n;
    return b;
}

typedef struct suite_counts {
    unsigned modules, modules_failed;
    unsigned malformed, malformed_caught, malformed_as_invalid;
    unsigned invalid, invalid_caught, invalid_as_malformed;
} suite_counts;

static void run_script(const char *dir, const char *file, suite_counts *k)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    json_error_t err;
    json_t *root = json_load_file(path, JSON_ALLOW_NUL, &err);
    if (!root)
        fail_msg("%s: %s", path, err.text);
    json_t *cmds = json_object_get(root, "commands");
    size_t i;
    json_t *c;
    json_array_foreach(cmds, i, c)
    {
        const char *type = json_string_value(json_object_get(c, "type"));
        const char *fn = json_string_value(json_object_get(c, "filename"));
        const char *mt = json_string_value(json_object_get(c, "module_type"));
        if (!type || !fn || (mt && strcmp(mt, "binary") != 0))
            continue;
        bool must_load = !strcmp(type, "module") || !strcmp(type, "assert_unlinkable") ||
                         !strcmp(type, "assert_uninstantiable");
        bool malformed = !strcmp(type, "assert_malformed"), invalid = !strcmp(type, "assert_invalid");
        if (!must_load && !malformed && !invalid)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, fn);
        size_t len = 0;
        uint8_t *bytes = slurp(path, &len);
        if (!bytes)
            fail_msg("cannot read %s", path);
        rn_module m;
        runnel_report r = {0};
        runnel_status st = rn_decode(&m, bytes, len, &r);
        if (st == RUNNEL_OK)
            st = rn_validate_module(&m, &r);
        if (must_load) {
            k->modules++;
            if (st != RUNNEL_OK) {
                k->modules_failed++;
                print_message("%s line %lld: %s\n", file, (long long)json_integer_value(json_object_get(c, "line")),
                              r.message);
            }
        } else if (malformed) {
            k->malformed++;
            k->malformed_caught += st == RUNNEL_MALFORMED;
            k->malformed_as_invalid += st == RUNNEL_INVALID;
        } else {
            k->invalid++;
            k->invalid_caught += st == RUNNEL_INVALID;
            k->invalid_as_malformed += st == RUNNEL_MALFORMED;
        }
        rn_module_release(&m);
        runnel_report_clear(&r);
        free(bytes);
    }
    json_decref(root);
}

/* The whole 2.0 suite, SIMD included. Function bodies are compile.c's, so of the assertions about
   malformed and invalid modules only those outside bodies are caught here: 691 of the 719 binary
   assert_malformed (the other 28 are about instructions) and 128 of the 2146 assert_invalid (the
   rest are about instructions). None may get the wrong status, and every module must load. */
static void test_spec_suite(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/wasm-testsuite/json", shared_dir());
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("no spec suite at %s (set RUNNEL_SHARED)", dir);
    suite_counts k = {0};
    unsigned scripts = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0)
            continue;
        scripts++;
        run_script(dir, de->d_name, &k);
    }
    closedir(d);
    print_message("%u scripts: %u modules (%u rejected); malformed %u/%u (%u as invalid); invalid %u/%u "
                  "(%u as malformed)\n",
                  scripts, k.modules, k.modules_failed, k.malformed_caught, k.malformed, k.malformed_as_invalid,
                  k.invalid_caught, k.invalid, k.invalid_as_malformed);
    assert_int_equal(scripts, 148);
    assert_true(k.modules >= 1715);
    assert_int_equal(k.modules_failed, 0);
    assert_int_equal(k.malformed_as_invalid, 0);
    assert_int_equal(k.invalid_as_malformed, 0);
    assert_true(k.malformed_caught >= 691);
    assert_true(k.invalid_caught >= 128);
}

/* Real plugins built by real toolchains (Rust, Go, C, Haskell) all decode and validate (one, the
   Haskell one, uses SIMD). */
static void test_plugins(void **state)
{
    (void)state;
    static const char *const dirs[] = {"extism-plugins", "extism-plugins/go-sdk", "reflow-plugins"};
    unsigned loaded = 0, named = 0;
    for (size_t i = 0; i < 3; i++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", shared_dir(), dirs[i]);
        DIR *d = opendir(dir);
        if (!d)
            fail_msg("no plugins at %s (set RUNNEL_SHARED)", dir);
        struct dirent *de;
        while ((de = readdir(d))) {
            size_t n = strlen(de->d_name);
            if (n < 6 || strcmp(de->d_name + n - 5, ".wasm") != 0)
                continue;
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            size_t len = 0;
            uint8_t *bytes = slurp(path, &len);
            assert_non_null(bytes);
            rn_module m;
            runnel_report r = {0};
            runnel_status st = rn_decode(&m, bytes, len, &r);
            if (st != RUNNEL_OK)
                fail_msg("%s: %s", path, r.message);
            st = rn_validate_module(&m, &r);
            if (st != RUNNEL_OK)
                fail_msg("%s: %s", path, r.message);
            else
                loaded++;
            named += m.func_names != NULL;
            for (uint32_t k = 0; k < m.nimports; k++) {
                runnel_import_desc id = rn_module_import_desc(&m, k);
                assert_non_null(id.module);
                assert_true(id.kind != RUNNEL_EXTERN_FUNC || id.type != NULL);
            }
            rn_module_release(&m);
            runnel_report_clear(&r);
            free(bytes);
        }
        closedir(d);
    }
    print_message("plugins: %u loaded, %u with function names\n", loaded, named);
    assert_true(loaded >= 41);
    assert_true(named >= 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_module),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_leb128),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_kinds_and_types),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_hostile_counts),
        cmocka_unit_test(test_locals),
        cmocka_unit_test(test_code_and_data_counts),
        cmocka_unit_test(test_elem_encodings),
        cmocka_unit_test(test_name_section),
        cmocka_unit_test(test_const_exprs),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_exports),
        cmocka_unit_test(test_start),
        cmocka_unit_test(test_segments),
        cmocka_unit_test(test_simd_types),
        cmocka_unit_test(test_spec_suite),
        cmocka_unit_test(test_plugins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

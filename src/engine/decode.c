/*
 * decode.c - the binary format (spec chapter 5) into an rn_module.
 *
 * One pass over the sections, each decoded through a reader bounded by the section's declared size,
 * so a section can never read into its neighbour and a size that disagrees with the content is
 * caught exactly ("section size mismatch", spec 5.5.2). Function bodies are not decoded here: only
 * their locals (spec 5.5.13); the instructions stay a byte range that compile.c validates and
 * compiles in one pass. The custom `name` section (spec 7.4) is kept for backtraces, but a broken
 * one is ignored, as the spec asks of custom sections.
 *
 * Hostile input: every count is checked against the bytes that remain before anything is
 * allocated, so the memory a module costs stays proportional to its size (locals, which expand from
 * a run length, have their own budget below). Every read is bounds-checked by reader.h.
 *
 * Messages start with the spec test suite's wording ("unexpected end", "integer too large", ...)
 * so a runner can compare them, followed by context where it helps.
 *
 * Names (imports, exports, the name section) may contain U+0000, and two export names that differ
 * only after a NUL are different names (spec 3.4.10 compares byte sequences). So each name is
 * stored NUL-terminated for C callers but with its true length in front (rn_name_len).
 */
#include "code.h"
#include "module.h"
#include "reader.h"
#include "simd_insn.h"

#include <stdlib.h>
#include <string.h>

/* The declared locals of all functions together may not exceed this many per byte of module (or
   RN_MAX_LOCALS, if that is more): a local costs a byte of host memory while its declaration costs
   a few bytes at most per run, so without a budget a module of N bytes could make the decoder
   allocate about 7000*N bytes. Real code declares far fewer locals than it has bytes. */
#define RN_LOCALS_PER_BYTE 16u

/* Section ids (spec 5.5.2) and the order they must come in (custom sections excepted). */
enum {
    SEC_CUSTOM = 0, SEC_TYPE, SEC_IMPORT, SEC_FUNCTION, SEC_TABLE, SEC_MEMORY, SEC_GLOBAL,
    SEC_EXPORT, SEC_START, SEC_ELEMENT, SEC_CODE, SEC_DATA, SEC_DATACOUNT,
};
static const uint8_t section_rank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
static const char *const section_name[13] = {
    "custom", "type", "import", "function", "table", "memory", "global",
    "export", "start", "element", "code", "data", "data count",
};

typedef struct dec {
    rn_module *m;
    runnel_report *r; /* NULL while decoding the name section, which never fails the module */
    const uint8_t *base, *end; /* the whole module */
    const char *where;    /* the section being decoded, for messages */
    bool in_section;      /* running out of bytes is then "unexpected end of section or function" */
    bool has_code;
    uint32_t ncode;
    uint64_t locals_left; /* the module's budget of declared locals */
    const uint8_t *names; /* payload of the first `name` custom section, decoded last */
    size_t names_len;
} dec;

/* ---------------------------------------------------------------- errors */

static runnel_status fail_at(dec *d, size_t off, const char *msg)
{
    if (d->where)
        return rn_fail(d->r, RUNNEL_MALFORMED, off, "%s (%s section, offset %zu)", msg, d->where, off);
    return rn_fail(d->r, RUNNEL_MALFORMED, off, "%s (offset %zu)", msg, off);
}

static runnel_status fail(dec *d, const rn_reader *rd, const char *msg)
{
    return fail_at(d, rn_reader_offset(rd), msg);
}

static runnel_status eof(dec *d, const rn_reader *rd)
{
    return fail(d, rd, d->in_section ? "unexpected end of section or function" : "unexpected end");
}

static runnel_status nomem(dec *d, const rn_reader *rd)
{
    return rn_fail(d->r, RUNNEL_NOMEM, rn_reader_offset(rd), "out of memory while decoding the module");
}

/* reader.h says only that a LEB128 number could not be read; find out why, for the message. The
   number is read again without the section's bound (up to the end of the module): if it is then
   fine, or the module ends inside it, the section was too short ("unexpected end"). Otherwise the
   number is malformed in itself: a number of N bits has at most ceil(N/7) bytes, so either the
   last of those still has its continuation bit ("integer representation too long") or its unused
   high bits are not zero or a sign extension ("integer too large"). Looking past the section gives
   the message the spec tests expect when a section's size is too small for a malformed number. */
static runnel_status leb_fail(dec *d, rn_reader *rd, const uint8_t *start, unsigned bits, bool is_signed)
{
    rn_reader ext = {start, d->end, rd->base};
    uint64_t u;
    int64_t v;
    bool ok = is_signed ? rn_read_sleb(&ext, bits, &v) : rn_read_uleb(&ext, bits, &u);
    rd->p = start;
    unsigned maxbytes = (bits + 6) / 7;
    if (ok || (size_t)(d->end - start) < maxbytes) {
        rd->p = rd->end;
        return eof(d, rd);
    }
    for (unsigned i = 0; i + 1 < maxbytes; i++)
        if (!(start[i] & 0x80)) { /* ends early but the reader failed: only the module's end can do that */
            rd->p = rd->end;
            return eof(d, rd);
        }
    if (start[maxbytes - 1] & 0x80)
        return fail(d, rd, "integer representation too long");
    return fail(d, rd, "integer too large");
}

/* ---------------------------------------------------------------- primitive reads */

static runnel_status get_u8(dec *d, rn_reader *rd, uint8_t *out)
{
    *out = 0; /* defined even on failure (and gcc cannot see that eof() is never RUNNEL_OK) */
    return rn_read_u8(rd, out) ? RUNNEL_OK : eof(d, rd);
}

static runnel_status get_u32(dec *d, rn_reader *rd, uint32_t *out)
{
    const uint8_t *start = rd->p;
    return rn_read_u32(rd, out) ? RUNNEL_OK : leb_fail(d, rd, start, 32, false);
}

/* A count of things: more than the bytes left in the section (each takes at least one) is an error
   before anything is allocated for them, so allocations stay proportional to the module's size. */
static runnel_status get_count(dec *d, rn_reader *rd, uint32_t *out)
{
    runnel_status st = get_u32(d, rd, out);
    if (st != RUNNEL_OK)
        return st;
    if (*out > (size_t)(rd->end - rd->p))
        return eof(d, rd);
    return RUNNEL_OK;
}

#define TRY(e)                                                                                                       \
    do {                                                                                                             \
        runnel_status st_ = (e);                                                                                     \
        if (st_ != RUNNEL_OK)                                                                                        \
            return st_;                                                                                              \
    } while (0)

/* UTF-8 as the spec defines it (5.2.4): shortest forms only, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t len;
        uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            else if (c == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            else if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            return false;
        }
        if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

/* Names carry their length in front (see the top of the file). */
static char *name_new(const uint8_t *p, uint32_t n)
{
    unsigned char *b = rn_malloc(sizeof(uint32_t) + (size_t)n + 1);
    if (!b)
        return NULL;
    memcpy(b, &n, sizeof n);
    if (n)
        memcpy(b + sizeof n, p, n);
    b[sizeof n + n] = 0;
    return (char *)b + sizeof n;
}

void rn_name_free(char *name)
{
    if (name)
        rn_free(name - sizeof(uint32_t));
}

uint32_t rn_name_len(const char *name)
{
    uint32_t n;
    memcpy(&n, name - sizeof n, sizeof n);
    return n;
}

static runnel_status get_name(dec *d, rn_reader *rd, char **out)
{
    uint32_t n;
    const uint8_t *p;
    TRY(get_u32(d, rd, &n));
    size_t at = rn_reader_offset(rd);
    if (!rn_read_bytes(rd, n, &p)) {
        /* the reference interpreter's wording: a name longer than the rest of the module */
        if (n > (size_t)(d->end - rd->p))
            return fail(d, rd, "length out of bounds (name)");
        return eof(d, rd);
    }
    if (!utf8_valid(p, n))
        return fail_at(d, at, "malformed UTF-8 encoding");
    if (!(*out = name_new(p, n)))
        return nomem(d, rd);
    return RUNNEL_OK;
}

/* ---------------------------------------------------------------- types */

static bool is_valtype(uint8_t t)
{
    return t == RN_I32 || t == RN_I64 || t == RN_F32 || t == RN_F64 || t == RN_V128 || t == RN_FUNCREF ||
           t == RN_EXTERNREF;
}

static runnel_status get_valtype(dec *d, rn_reader *rd, uint8_t *out)
{
    TRY(get_u8(d, rd, out));
    if (!is_valtype(*out))
        return fail_at(d, rn_reader_offset(rd) - 1, "malformed value type");
    return RUNNEL_OK;
}

static runnel_status get_reftype(dec *d, rn_reader *rd, uint8_t *out)
{
    TRY(get_u8(d, rd, out));
    if (*out != RN_FUNCREF && *out != RN_EXTERNREF)
        return fail_at(d, rn_reader_offset(rd) - 1, "malformed reference type");
    return RUNNEL_OK;
}

static runnel_status get_limits(dec *d, rn_reader *rd, rn_limits *lim)
{
    uint64_t flag;
    const uint8_t *start = rd->p;
    /* The flag is a 1-bit LEB128 number in the spec tests' reading ("\81\00" is too long). */
    if (!rn_read_uleb(rd, 1, &flag))
        return leb_fail(d, rd, start, 1, false);
    TRY(get_u32(d, rd, &lim->min));
    lim->has_max = flag == 1;
    lim->max = 0;
    if (lim->has_max)
        TRY(get_u32(d, rd, &lim->max));
    return RUNNEL_OK;
}

static runnel_status get_tabletype(dec *d, rn_reader *rd, rn_tabletype *t)
{
    TRY(get_reftype(d, rd, &t->elem));
    return get_limits(d, rd, &t->lim);
}

static runnel_status get_globaltype(dec *d, rn_reader *rd, rn_globaltype *g)
{
    uint8_t mut;
    TRY(get_valtype(d, rd, &g->type));
    TRY(get_u8(d, rd, &mut));
    if (mut > 1)
        return fail_at(d, rn_reader_offset(rd) - 1, "malformed mutability");
    g->mut = mut == 1;
    return RUNNEL_OK;
}

static char sig_letter(uint8_t t) { return runnel_valtype_letter((runnel_valtype)t); }

static runnel_status get_valtypes(dec *d, rn_reader *rd, uint32_t *n, uint8_t **out)
{
    TRY(get_count(d, rd, n));
    if (*n > RN_MAX_FUNC_VALUES)
        return fail(d, rd, "too many parameters or results (implementation limit)");
    if (*n == 0)
        return RUNNEL_OK;
    if (!(*out = rn_malloc(*n)))
        return nomem(d, rd);
    for (uint32_t i = 0; i < *n; i++)
        TRY(get_valtype(d, rd, &(*out)[i]));
    return RUNNEL_OK;
}

static runnel_status sec_type(dec *d, rn_reader *rd)
{
    rn_module *m = d->m;
    uint32_t n;
    TRY(get_count(d, rd, &n));
    if (n && !(m->types = rn_calloc(n, sizeof *m->types)))
        return nomem(d, rd);
    for (uint32_t i = 0; i < n; i++) {
        rn_functype *t = &m->types[i];
        int64_t form;
        const uint8_t *at = rd->p;
        m->ntypes = i + 1; /* so that release frees what this entry allocates */
        /* the form is the signed LEB128 number -0x20 (spec 5.3.6), so "\e0\7f" is too long */
        if (!rn_read_sleb(rd, 7, &form))
            return leb_fail(d, rd, at, 7, true);
        if (form != -0x20)
            return fail_at(d, (size_t)(at - rd->base), "malformed function type");
        TRY(get_valtypes(d, rd, &t->nparams, &t->params));
        TRY(get_valtypes(d, rd, &t->nresults, &t->results));
        rn_functype_finish(t);
        if (!(t->sig = rn_malloc((size_t)t->nparams + t->nresults + 2)))
            return nomem(d, rd);
        char *s = t->sig;
        for (uint32_t k = 0; k < t->nparams; k++)
            *s++ = sig_letter(t->params[k]);
        *s++ = ':';
        for (uint32_t k = 0; k < t->nresults; k++)
            *s++ = sig_letter(t->results[k]);
        *s = 0;
    }
    return RUNNEL_OK;
}

/* ---------------------------------------------------------------- imports, functions, tables, ... */

static runnel_status sec_import(dec *d, rn_reader *rd)
{
    rn_module *m = d->m;
    uint32_t n;
    TRY(get_count(d, rd, &n));
    if (n && !(m->imports = rn_calloc(n, sizeof *m->imports)))
        return nomem(d, rd);
    for (uint32_t i = 0; i < n; i++) {
        rn_import *im = &m->imports[i];
        m->nimports = i + 1;
        TRY(get_name(d, rd, &im->module));
        TRY(get_name(d, rd, &im->name));
        TRY(get_u8(d, rd, &im->kind));
        switch (im->kind) {
        case RN_KIND_FUNC:
            TRY(get_u32(d, rd, &im->u.type_index));
            m->nfunc_imports++;
            break;
        case RN_KIND_TABLE:
            TRY(get_tabletype(d, rd, &im->u.table));
            m->ntable_imports++;
            break;
        case RN_KIND_MEMORY:
            TRY(get_limits(d, rd, &im->u.mem));
            m->nmem_imports++;
            break;
        case RN_KIND_GLOBAL:
            TRY(get_globaltype(d, rd, &im->u.global));
            m->nglobal_imports++;
            break;
        default:
            return fail_at(d, rn_reader_offset(rd) - 1, "malformed import kind");
        }
    }
    return RUNNEL_OK;
}

static runnel_status sec_function(dec *d, rn_reader *rd)
{
    rn_module *m = d->m;
    uint32_t n;
    TRY(get_count(d, rd, &n));
    if (n && !(m->funcs = rn_calloc(n, sizeof *m->funcs)))
        return nomem(d, rd);
    m->nfuncs_defined = n;
    for (uint32_t i = 0; i < n; i++)
        TRY(get_u32(d, rd, &m->funcs[i].type_index));
    return RUNNEL_OK;
}

/* The "all" arrays of tables, memories and globals hold the imported ones first. The import section
   always comes before the sections that define more, so the array is made, imports copied in, when
   the defining section is met (or at the end of the module if there is none). */
static runnel_status sec_table(dec *d, rn_reader *rd)
{
    rn_module *m = d->m;
    uint32_t n;
    TRY(get_count(d, rd, &n));
    size_t all = (size_t)m->ntable_imports + n;
    if (all && !(m->tables = rn_calloc(all, sizeof *m->tables)))
        return nomem(d, rd);
    m->ntables = (uint32_t)all; /* fits: both terms are bounded by the module's size, checked < 4 GiB */
    for (uint32_t i = 0; i < n; i++)
        TRY(get_tabletype(d, rd, &m->tables[m->ntable_imports + i]));
    return RUNNEL_OK;
}

static runnel_status sec_memory(dec *d, rn_reader *rd)
{
    rn_module *m = d->m;
    uint32_t n;
    TRY(get_count(d, rd, &n));
    size_t all = (size_t)m->nmem_imports + n;
    if (all && !(m->mems = rn_calloc(all, sizeof *m->mems)))
        return nomem(d, rd);
    m->nmems = (uint32_t)all;
    for (uint32_t i = 0; i < n; i++)
        TRY(get_limits(d, rd, &m->mems[m->nmem_imports + i]));
    return RUNNEL_OK;
}

/* Is `op` (with the reader just past it) an instruction of WebAssembly 2.0 at all? Used to tell a
   non-constant instruction in a constant expression (invalid) from bytes that are no instruction
   (malformed). Opcodes from spec 5.4. */
static bool known_opcode(uint8_t op, rn_reader *rd)
{
    if (op == 0xFC) {
        uint32_t sub = 0;
        return rn_read_u32(rd, &sub) && sub <= 17;
    }
    if (op == 0xFD) { /* the sub-opcodes of simd_insn.h */
        uint32_t sub = 0;
        if (!rn_read_u32(rd, &sub))
            return false;
        switch (sub) {
#define SIMD_KNOWN(name, opc, ...) case opc:
            RN_SIMD_OPS(SIMD_KNOWN)
#undef SIMD_KNOWN
            return true;
        }
        return false;
    }
    return op <= 0x05 || (op >= 0x0B && op <= 0x11) || (op >= 0x1A && op <= 0x1C) || (op >= 0x20 && op <= 0x26) ||
           (op >= 0x28 && op <= 0xC4) || (op >= 0xD0 && op <= 0xD2);
}

/* A constant expression (spec 3.3.10, 5.4.9): in WebAssembly 2.0 exactly one of t.const, ref.null,
   ref.func, global.get, then `end`. The instructions are read until `end` so that the spec's
   distinctions hold: an expression with no value or two values is a "type mismatch", any other
   instruction is "constant expression required" (both invalid, not malformed); what is not an
   instruction at all is malformed. Types and indices are checked by validate_module.c. */
static runnel_status get_constexpr(dec *d, rn_reader *rd, rn_constexpr *ce)
{
    size_t start = rn_reader_offset(rd);
    unsigned n = 0;
    memset(ce, 0, sizeof *ce);
    ce->offset = (uint32_t)start;
    for (;;) {
        size_t at = rn_reader_offset(rd);
        uint8_t op;
        rn_constexpr one = {.op = 0, .offset = (uint32_t)start};
        TRY(get_u8(d, rd, &op));
        const uint8_t *imm = rd->p;
        if (op == 0x0B)
            break;
        one.op = op;
        switch (op) {
        case RN_CONST_I32: {
            int64_t v;
            if (!rn_read_sleb(rd, 32, &v))
                return leb_fail(d, rd, imm, 32, true);
            one.bits = (uint32_t)(int32_t)v;
            break;
        }
        case RN_CONST_I64: {
            int64_t v;
            if (!rn_read_sleb(rd, 64, &v))
                return leb_fail(d, rd, imm, 64, true);
            one.bits = (uint64_t)v;
            break;
        }
        case RN_CONST_F32: {
            uint32_t v;
            if (!rn_read_fixed32(rd, &v))
                return eof(d, rd);
            one.bits = v;
            break;
        }
        case RN_CONST_F64:
            if (!rn_read_fixed64(rd, &one.bits))
                return eof(d, rd);
            break;
        case RN_CONST_GLOBAL:
        case RN_CONST_REF_FUNC:
            TRY(get_u32(d, rd, &one.index));
            break;
        case RN_CONST_REF_NULL:
            TRY(get_reftype(d, rd, &one.reftype));
            break;
        case RN_CONST_V128: { /* 0xFD 12: v128.const, 16 bytes little-endian (spec 5.4.8) */
            uint32_t sub;
            rn_reader peek = *rd;
            TRY(get_u32(d, rd, &sub));
            if (sub != RN_SIMD_v128_const) {
                if (known_opcode(op, &peek))
                    return rn_fail(d->r, RUNNEL_INVALID, at,
                                   "constant expression required (opcode 0xfd %u at offset %zu)", sub, at);
                return fail_at(d, at, "illegal opcode in constant expression");
            }
            if (!rn_read_fixed64(rd, &one.bits) || !rn_read_fixed64(rd, &one.bits_hi))
                return eof(d, rd);
            break;
        }
        default:
            if (known_opcode(op, rd))
                return rn_fail(d->r, RUNNEL_INVALID, at,
                               "constant expression required (opcode 0x%02x at offset %zu)", op, at);
            return fail_at(d, at, "illegal opcode in constant expression");
        }
        if (n++ == 0)
            *ce = one;
    }
    if (n != 1)
        return rn_fail(d->r, RUNNEL_INVALID, start,
                       "type mismatch: a constant expression must give exactly one value (%u given, offset %zu)", n,
                       start);
    return RUNNEL_OK;
}

static runnel_status sec_global(dec *d, rn_reader *rd)
{
    rn_module *m = d->m;
    uint32_t n;
    TRY(get_count(d, rd, &n));
    size_t all = (size_t)m->nglobal_imports + n;
    if (all && !(m->global_types = rn_calloc(all, sizeof *m->global_types)))
        return nomem(d, rd);
    if (n && !(m->globals = rn_calloc(n, sizeof *m->globals)))
        return nomem(d, rd);
    m->nglobals = (uint32_t)all;
    for (uint32_t i = 0; i < n; i++) {
        rn_global *g = &m->globals[i];
        TRY(get_globaltype(d, rd, &g->type));
        TRY(get_constexpr(d, rd, &g->init));
        m->global_types[m->nglobal_imports + i] = g->type;
    }
    return RUNNEL_OK;
}

static runnel_status sec_export(dec *d, rn_reader *rd)
{
    rn_module *m = d->m;
    uint32_t n;
    TRY(get_count(d, rd, &n));
    if (n && !(m->exports = rn_calloc(n, sizeof *m->exports)))
        return nomem(d, rd);
    for (uint32_t i = 0; i < n; i++) {
        rn_export *e = &m->exports[i];
        m->nexports = i + 1;
        TRY(get_name(d, rd, &e->name));
        TRY(get_u8(d, rd, &e->kind));
        if (e->kind > RN_KIND_GLOBAL)
            return fail_at(d, rn_reader_offset(rd) - 1, "malformed export kind");
        TRY(get_u32(d, rd, &e->index));
    }
    return RUNNEL_OK;
}

static runnel_status sec_start(dec *d, rn_reader *rd)
{
    d->m->has_start = true;
    return get_u32(d, rd, &d->m->start);
}

/* ---------------------------------------------------------------- element and data segments */

/* Element segments (spec 5.5.12): a flags field whose bit 0 means passive or declarative, bit 1
   an explicit table index (active) or declarative (otherwise), and bit 2 expressions instead of
   function indices. */
static runnel_status get_elem(dec *d, rn_reader *rd, rn_elem *e)
{
    uint32_t flags;
    size_t at = rn_reader_offset(rd);
    TRY(get_u32(d, rd, &flags));
    if (flags > 7)
        return fail_at(d, at, "malformed elements segment kind");
    bool passive_or_decl = flags & 1, explicit_or_decl = flags & 2, exprs = flags & 4;
    e->type = RN_FUNCREF;
    if (!passive_or_decl) {
        e->mode = RN_SEG_ACTIVE;
        if (explicit_or_decl)
            TRY(get_u32(d, rd, &e->table));
        TRY(get_constexpr(d, rd, &e->offset));
    } else {
        e->mode = explicit_or_decl ? RN_SEG_DECLARATIVE : RN_SEG_PASSIVE;
    }
    /* Flags 0 and 4 have neither element kind nor type: funcref is implied. */
    if (flags != 0 && flags != 4) {
        if (exprs) {
            TRY(get_reftype(d, rd, &e->type));
        } else {
            uint8_t kind;
            TRY(get_u8(d, rd, &kind));
            if (kind != 0x00)
                return fail_at(d, rn_reader_offset(rd) - 1, "malformed element kind");
        }
    }
    uint32_t n;
    TRY(get_count(d, rd, &n));
    if (n && !(e->items = rn_calloc(n, sizeof *e->items)))
        return nomem(d, rd);
    e->count = n;
    for (uint32_t i = 0; i < n; i++) {
        rn_constexpr *it = &e->items[i];
        if (exprs) {
            TRY(get_constexpr(d, rd, it));
        } else {
            it->op = RN_CONST_REF_FUNC;
            it->offset = (uint32_t)rn_reader_offset(rd);
            TRY(get_u32(d, rd, &it->index));
        }
    }
    return RUNNEL_OK;
}

static runnel_status sec_element(dec *d, rn_reader *rd)
{
    rn_module *m = d->m;
    uint32_t n;
    TRY(get_count(d, rd, &n));
    if (n && !(m->elems = rn_calloc(n, sizeof *m->elems)))
        return nomem(d, rd);
    for (uint32_t i = 0; i < n; i++) {
        m->nelems = i + 1;
        TRY(get_elem(d, rd, &m->elems[i]));
    }
    return RUNNEL_OK;
}

static runnel_status sec_data(dec *d, rn_reader *rd)
{
    rn_module *m = d->m;
    uint32_t n;
    TRY(get_count(d, rd, &n));
    if (n && !(m->datas = rn_calloc(n, sizeof *m->datas)))
        return nomem(d, rd);
    m->ndatas = n;
    for (uint32_t i = 0; i < n; i++) {
        rn_data *s = &m->datas[i];
        uint32_t flags;
        size_t at = rn_reader_offset(rd);
        TRY(get_u32(d, rd, &flags));
        if (flags > 2)
            return fail_at(d, at, "malformed data segment kind");
        s->mode = flags == 1 ? RN_SEG_PASSIVE : RN_SEG_ACTIVE;
        if (flags == 2)
            TRY(get_u32(d, rd, &s->memory));
        if (flags != 1)
            TRY(get_constexpr(d, rd, &s->offset));
        TRY(get_u32(d, rd, &s->len));
        if (!rn_read_bytes(rd, s->len, &s->bytes))
            return eof(d, rd);
    }
    return RUNNEL_OK;
}

static runnel_status sec_datacount(dec *d, rn_reader *rd)
{
    d->m->has_datacount = true;
    return get_u32(d, rd, &d->m->datacount);
}

/* ---------------------------------------------------------------- code */

/* Locals are run-length encoded (spec 5.5.13); the total is summed in 64 bits so that counts near
   2^32 cannot wrap, and checked against RN_MAX_LOCALS before the runs are expanded. */
static runnel_status get_locals(dec *d, rn_reader *rd, rn_func *f)
{
    uint32_t nruns;
    TRY(get_count(d, rd, &nruns));
    const uint8_t *runs = rd->p;
    uint64_t total = 0;
    for (uint32_t i = 0; i < nruns; i++) {
        uint32_t c;
        uint8_t t;
        TRY(get_u32(d, rd, &c));
        TRY(get_valtype(d, rd, &t));
        total += c;
        if (total > RN_MAX_LOCALS)
            return fail(d, rd, "too many locals");
    }
    if (total > d->locals_left)
        return fail(d, rd, "too many locals (in the module as a whole, for its size)");
    d->locals_left -= total;
    f->nlocals = (uint32_t)total;
    if (!total)
        return RUNNEL_OK;
    if (!(f->local_types = rn_malloc(total)))
        return nomem(d, rd);
    rn_reader again = {runs, rd->p, rd->base};
    uint32_t k = 0;
    for (uint32_t i = 0; i < nruns; i++) {
        uint32_t c;
        uint8_t t;
        /* already read once: cannot fail */
        if (!rn_read_u32(&again, &c) || !rn_read_u8(&again, &t))
            return fail(d, rd, "internal error re-reading locals");
        memset(f->local_types + k, t, c);
        k += c;
    }
    return RUNNEL_OK;
}

static runnel_status sec_code(dec *d, rn_reader *rd)
{
    rn_module *m = d->m;
    uint32_t n;
    TRY(get_count(d, rd, &n));
    d->has_code = true;
    d->ncode = n;
    for (uint32_t i = 0; i < n; i++) {
        /* A count that differs from the function section's is reported after the last section
           (as the spec tests expect); until then extra bodies are decoded and dropped. */
        rn_func spare = {0};
        rn_func *f = i < m->nfuncs_defined ? &m->funcs[i] : &spare;
        uint32_t size;
        const uint8_t *body;
        TRY(get_u32(d, rd, &size));
        if (!rn_read_bytes(rd, size, &body))
            return eof(d, rd);
        rn_reader br = {body, body + size, rd->base};
        runnel_status st = get_locals(d, &br, f);
        if (st != RUNNEL_OK) {
            rn_free(spare.local_types);
            return st;
        }
        f->body = br.p;
        f->body_len = (uint32_t)(br.end - br.p);
        f->body_offset = (uint32_t)rn_reader_offset(&br);
        rn_free(spare.local_types);
    }
    return RUNNEL_OK;
}

/* ---------------------------------------------------------------- the name section */

/* Spec 7.4.1. Only the module name (subsection 0) and function names (1) are kept. Any error makes
   the whole section be ignored: names are a debugging aid and must never cost a module. d->r is
   NULL here, so failures are not reported. */
static runnel_status names_decode(dec *d, rn_reader *rd)
{
    rn_module *m = d->m;
    while (!rn_reader_eof(rd)) {
        uint8_t id;
        uint32_t size;
        const uint8_t *p;
        TRY(get_u8(d, rd, &id));
        TRY(get_u32(d, rd, &size));
        if (!rn_read_bytes(rd, size, &p))
            return RUNNEL_MALFORMED;
        rn_reader sub = {p, p + size, rd->base};
        if (id == 0) {
            rn_name_free(m->name);
            m->name = NULL;
            TRY(get_name(d, &sub, &m->name));
        } else if (id == 1) {
            uint32_t n;
            TRY(get_count(d, &sub, &n));
            if (m->nfuncs && !m->func_names && !(m->func_names = rn_calloc(m->nfuncs, sizeof *m->func_names)))
                return RUNNEL_NOMEM;
            for (uint32_t i = 0; i < n; i++) {
                uint32_t idx;
                char *s;
                TRY(get_u32(d, &sub, &idx));
                TRY(get_name(d, &sub, &s));
                if (idx < m->nfuncs) {
                    rn_name_free(m->func_names[idx]);
                    m->func_names[idx] = s;
                } else {
                    rn_name_free(s);
                }
            }
        } else {
            continue; /* local names and others: not used */
        }
        if (!rn_reader_eof(&sub))
            return RUNNEL_MALFORMED;
    }
    return RUNNEL_OK;
}

static void names_drop(rn_module *m)
{
    if (m->func_names)
        for (uint32_t i = 0; i < m->nfuncs; i++)
            rn_name_free(m->func_names[i]);
    rn_free(m->func_names);
    m->func_names = NULL;
    rn_name_free(m->name);
    m->name = NULL;
}

/* ---------------------------------------------------------------- the module */

static runnel_status custom_section(dec *d, rn_reader *rd)
{
    char *name;
    TRY(get_name(d, rd, &name));
    if (!d->names && rn_name_len(name) == 4 && memcmp(name, "name", 4) == 0) {
        d->names = rd->p;
        d->names_len = (size_t)(rd->end - rd->p);
    }
    rn_name_free(name);
    rd->p = rd->end; /* the payload is not ours to check */
    return RUNNEL_OK;
}

/* After the last section: the counts that two sections must agree on, and the index spaces. */
static runnel_status finish(dec *d, rn_reader *rd)
{
    rn_module *m = d->m;
    if (m->nfuncs_defined != (d->has_code ? d->ncode : 0))
        return fail(d, rd, "function and code section have inconsistent lengths");
    if (m->has_datacount && m->datacount != m->ndatas)
        return fail(d, rd, "data count and data section have inconsistent lengths");

    uint64_t nfuncs = (uint64_t)m->nfunc_imports + m->nfuncs_defined;
    if (nfuncs > UINT32_MAX)
        return fail(d, rd, "too many functions");
    m->nfuncs = (uint32_t)nfuncs;
    if (nfuncs && !(m->func_types = rn_calloc(nfuncs, sizeof *m->func_types)))
        return nomem(d, rd);
    if (!m->tables && m->ntable_imports) {
        if (!(m->tables = rn_calloc(m->ntable_imports, sizeof *m->tables)))
            return nomem(d, rd);
        m->ntables = m->ntable_imports;
    }
    if (!m->mems && m->nmem_imports) {
        if (!(m->mems = rn_calloc(m->nmem_imports, sizeof *m->mems)))
            return nomem(d, rd);
        m->nmems = m->nmem_imports;
    }
    if (!m->global_types && m->nglobal_imports) {
        if (!(m->global_types = rn_calloc(m->nglobal_imports, sizeof *m->global_types)))
            return nomem(d, rd);
        m->nglobals = m->nglobal_imports;
    }
    uint32_t fi = 0, ti = 0, mi = 0, gi = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const rn_import *im = &m->imports[i];
        switch (im->kind) {
        case RN_KIND_FUNC: m->func_types[fi++] = im->u.type_index; break;
        case RN_KIND_TABLE: m->tables[ti++] = im->u.table; break;
        case RN_KIND_MEMORY: m->mems[mi++] = im->u.mem; break;
        case RN_KIND_GLOBAL: m->global_types[gi++] = im->u.global; break;
        }
    }
    for (uint32_t i = 0; i < m->nfuncs_defined; i++)
        m->func_types[m->nfunc_imports + i] = m->funcs[i].type_index;

    if (d->names) {
        dec nd = *d;
        nd.r = NULL;
        nd.where = "name";
        nd.in_section = true;
        rn_reader nr = {d->names, d->names + d->names_len, d->base};
        if (names_decode(&nd, &nr) != RUNNEL_OK)
            names_drop(m);
    }
    return RUNNEL_OK;
}

static runnel_status decode_sections(dec *d, rn_reader *rd)
{
    static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6D};
    const uint8_t *p;
    if (!rn_read_bytes(rd, 4, &p))
        return eof(d, rd);
    if (memcmp(p, magic, 4) != 0)
        return fail_at(d, 0, "magic header not detected");
    uint32_t version;
    if (!rn_read_fixed32(rd, &version))
        return eof(d, rd);
    if (version != 1)
        return fail_at(d, 4, "unknown binary version");

    unsigned last_rank = 0;
    while (!rn_reader_eof(rd)) {
        size_t at = rn_reader_offset(rd);
        uint8_t id;
        uint32_t size;
        const uint8_t *payload;
        d->where = NULL;
        d->in_section = false;
        TRY(get_u8(d, rd, &id));
        if (id > SEC_DATACOUNT)
            return fail_at(d, at, "malformed section id");
        TRY(get_u32(d, rd, &size));
        if (!rn_read_bytes(rd, size, &payload))
            return fail(d, rd, "length out of bounds (section size)");
        if (id != SEC_CUSTOM) {
            if (section_rank[id] <= last_rank)
                return fail_at(d, at, "unexpected content after last section (section out of order or repeated)");
            last_rank = section_rank[id];
        }
        d->where = section_name[id];
        d->in_section = true;
        rn_reader sec = {payload, payload + size, rd->base};
        switch (id) {
        case SEC_CUSTOM: TRY(custom_section(d, &sec)); break;
        case SEC_TYPE: TRY(sec_type(d, &sec)); break;
        case SEC_IMPORT: TRY(sec_import(d, &sec)); break;
        case SEC_FUNCTION: TRY(sec_function(d, &sec)); break;
        case SEC_TABLE: TRY(sec_table(d, &sec)); break;
        case SEC_MEMORY: TRY(sec_memory(d, &sec)); break;
        case SEC_GLOBAL: TRY(sec_global(d, &sec)); break;
        case SEC_EXPORT: TRY(sec_export(d, &sec)); break;
        case SEC_START: TRY(sec_start(d, &sec)); break;
        case SEC_ELEMENT: TRY(sec_element(d, &sec)); break;
        case SEC_CODE: TRY(sec_code(d, &sec)); break;
        case SEC_DATA: TRY(sec_data(d, &sec)); break;
        case SEC_DATACOUNT: TRY(sec_datacount(d, &sec)); break;
        }
        if (!rn_reader_eof(&sec))
            return fail(d, &sec, "section size mismatch");
    }
    d->where = NULL;
    d->in_section = false;
    return finish(d, rd);
}

runnel_status rn_decode(rn_module *m, const uint8_t *bytes, size_t len, runnel_report *r)
{
    memset(m, 0, sizeof *m);
    /* Offsets are kept in 32 bits (rn_func.body_offset and others). */
    if (len > UINT32_MAX)
        return rn_fail(r, RUNNEL_MALFORMED, 0, "module too large (%zu bytes; at most 4 GiB - 1)", len);
    m->len = len;

    dec d = {.m = m, .r = r, .base = bytes};
    uint64_t budget = (uint64_t)len * RN_LOCALS_PER_BYTE;
    d.locals_left = budget > RN_MAX_LOCALS ? budget : RN_MAX_LOCALS;
    /* keep the reader's pointers valid for an empty input (bytes may be NULL, and NULL + 0 is UB) */
    static const uint8_t nothing[1] = {0};
    rn_reader rd = {nothing, nothing, nothing};
    if (len)
        rd = (rn_reader){bytes, bytes + len, bytes};
    d.base = rd.base;
    d.end = rd.end;
    runnel_status st = decode_sections(&d, &rd);
    if (st != RUNNEL_OK)
        rn_module_release(m);
    return st;
}

runnel_status rn_module_keep_data(rn_module *m, runnel_report *r)
{
    size_t total = 0;
    for (uint32_t i = 0; i < m->ndatas; i++)
        total += m->datas[i].len;
    if (total && !(m->bytes = rn_malloc(total)))
        return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory keeping the data segments");
    size_t at = 0;
    for (uint32_t i = 0; i < m->ndatas; i++) {
        if (m->datas[i].len)
            memcpy(m->bytes + at, m->datas[i].bytes, m->datas[i].len);
        m->datas[i].bytes = total ? m->bytes + at : NULL;
        at += m->datas[i].len;
    }
    for (uint32_t i = 0; i < m->nfuncs_defined; i++)
        m->funcs[i].body = NULL;
    return RUNNEL_OK;
}

void rn_module_release(rn_module *m)
{
    if (!m)
        return;
    names_drop(m);
    for (uint32_t i = 0; i < m->ntypes; i++) {
        rn_free(m->types[i].params);
        rn_free(m->types[i].results);
        rn_free(m->types[i].sig);
    }
    rn_free(m->types);
    for (uint32_t i = 0; i < m->nimports; i++) {
        rn_name_free(m->imports[i].module);
        rn_name_free(m->imports[i].name);
    }
    rn_free(m->imports);
    rn_free(m->func_types);
    for (uint32_t i = 0; i < m->nfuncs_defined; i++) {
        rn_free(m->funcs[i].local_types);
        if (m->funcs[i].code)
            rn_code_free(m->funcs[i].code);
    }
    rn_free(m->funcs);
    rn_free(m->tables);
    rn_free(m->mems);
    rn_free(m->global_types);
    rn_free(m->globals);
    for (uint32_t i = 0; i < m->nexports; i++)
        rn_name_free(m->exports[i].name);
    rn_free(m->exports);
    for (uint32_t i = 0; i < m->nelems; i++)
        rn_free(m->elems[i].items);
    rn_free(m->elems);
    rn_free(m->datas);
    rn_free(m->func_declared);
    rn_free(m->bytes);
    memset(m, 0, sizeof *m);
}

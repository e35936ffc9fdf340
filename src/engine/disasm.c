/*
 * disasm.c - the listing behind `runnel disasm`: each function's WebAssembly instructions, and under
 * each the internal ops it was compiled to (code.h), fused ops by name.
 *
 * Why: the compiler turns a stack machine into register code and fuses common sequences (compile.c,
 * fuse.c); whether a pattern fused, which slots an op reads and where a branch lands are facts a
 * contributor needs before touching either, and that a review of a fusion needs to see. So the listing
 * is made by the same compiler that runs code, recording where each instruction's code begins
 * (rn_srcmap), and both sides are named from the one instruction list (insn.h, simd_insn.h) and the
 * one op list (code.h), never from tables of their own.
 *
 * Reading it: a wasm line is `OFFSET  text` (the byte offset in the file, the instruction in the text
 * format's spelling, indented by block depth); the ops it became follow as `PC: name operands`, with
 * slots as sN, a result first with `<-`, branch targets as @PC, memory offsets as +N. An instruction
 * with no ops of its own either moves nothing at run time (local.get names its local's slot, a
 * constant may become an immediate) or was fused into the op above it.
 */
#include "code.h"
#include "reader.h"
#include "simd_insn.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- the op table */

const rn_op_info rn_op_infos[OP__COUNT] = {
#define UN(name, ...)  [OP_##name] = {#name, 3, "ds"},
#define BIN(name, ...) [OP_##name] = {#name, 4, "dss"},
#define LOAD(name, ...)                                                                                                \
    [OP_##name] = {#name, 4, "dsm"}, [OP_##name##_add] = {#name "_add", 5, "dssm"},                                    \
    [OP_##name##_pre] = {#name "_pre", 6, "dskdm"}, [OP_##name##_abs] = {#name "_abs", 3, "dm"},
#define STORE(name, ...)                                                                                               \
    [OP_##name] = {#name, 4, "ssm"}, [OP_##name##_add] = {#name "_add", 5, "sssm"},                                    \
    [OP_##name##_pre] = {#name "_pre", 6, "dsksm"}, [OP_##name##_abs] = {#name "_abs", 3, "ms"},
#define CTRL(name, words, layout) [OP_##name] = {#name, words, layout},
#define IMM(name, ...)            [OP_##name##_imm] = {#name "_imm", 4, "dsk"},
#define BR(name, ...)             [OP_br_##name] = {"br_" #name, 4, "sso"}, [OP_br_##name##_imm] = {"br_" #name "_imm", 4, "sko"},
#define FUSED(name, ...)          [OP_##name] = {#name, 5, "dskk"},
    RN_UNOPS(UN) RN_UNOPS_TRAP(UN) RN_BINOPS(BIN) RN_BINOPS_TRAP(BIN) RN_LOADS(LOAD) RN_STORES(STORE) RN_CTRL_OPS(CTRL)
        RN_BINOPS_IMM(IMM) RN_CMP_BRANCHES(BR) RN_FUSED_IMM(FUSED)
#undef UN
#undef BIN
#undef LOAD
#undef STORE
#undef CTRL
#undef IMM
#undef BR
#undef FUSED
};

uint32_t rn_op_words(const rn_code *c, uint32_t pc)
{
    if (pc >= c->nwords || c->words[pc] >= OP__COUNT || !rn_op_infos[c->words[pc]].name)
        return 0;
    uint32_t op = c->words[pc], n = rn_op_infos[op].words;
    if (op == OP_simd) /* simd n sub ... */
        n = pc + 1 < c->nwords && c->words[pc + 1] >= 3 ? c->words[pc + 1] : 0;
    else if (op == OP_br_table) /* br_table idx n off[0..n] */
        n = pc + 2 < c->nwords && c->words[pc + 2] < c->nwords ? 3 + c->words[pc + 2] + 1 : 0;
    return n && n <= c->nwords - pc ? n : 0;
}

/* ---------------------------------------------------------------- the source map */

void rn_srcmap_add(rn_srcmap *map, uint32_t offset, uint32_t pc)
{
    if (map->failed)
        return;
    if (map->n == map->cap) {
        size_t ncap = map->cap ? map->cap * 2 : 64;
        rn_pcmap *at = rn_realloc(map->at, ncap * sizeof *at);
        if (!at) {
            map->failed = true;
            return;
        }
        map->at = at;
        map->cap = ncap;
    }
    map->at[map->n++] = (rn_pcmap){.pc = pc, .offset = offset};
}

/* ---------------------------------------------------------------- WebAssembly instructions */

enum imm {
    NONE,
    BLOCK,
    LABEL,
    BR_TABLE,
    FUNC,
    CALL_INDIRECT,
    SELECT_T,
    LOCAL,
    GLOBAL,
    TABLE,
    MEM,
    I32,
    I64,
    F32,
    F64,
    REFTYPE,
    DATA_MEM,
    DATA,
    MEM_MEM,
    ELEM_TABLE,
    ELEM,
    TABLE_TABLE,
    MEMARG,
    LANE,
    MEMARG_LANE,
    BYTES16
};

/* The identifier of the instruction opc in the lists, and what follows its opcode; NULL if none. */
static const char *insn_ident(uint32_t opc, enum imm *imm)
{
    switch (opc) {
#define PLAIN(name, opc, ...)                                                                                          \
    case opc:                                                                                                          \
        *imm = NONE;                                                                                                   \
        return #name;
#define MEMORY(name, opc, ...)                                                                                         \
    case opc:                                                                                                          \
        *imm = MEMARG;                                                                                                 \
        return #name;
#define OTHER(name, opc, what)                                                                                         \
    case opc: *imm = what; return #name;
        RN_UNOPS(PLAIN)
        RN_UNOPS_TRAP(PLAIN) RN_BINOPS(PLAIN) RN_BINOPS_TRAP(PLAIN) RN_LOADS(MEMORY) RN_STORES(MEMORY)
            RN_OTHER_INSNS(OTHER)
#undef PLAIN
#undef MEMORY
#undef OTHER
    }
    if (opc >> 8 != RN_WASM_PREFIX_FD)
        return NULL;
    static const enum imm shape_imm[] = {[RN_SIMD_SH_LOAD] = MEMARG,
                                         [RN_SIMD_SH_STORE] = MEMARG,
                                         [RN_SIMD_SH_LOAD_LANE] = MEMARG_LANE,
                                         [RN_SIMD_SH_STORE_LANE] = MEMARG_LANE,
                                         [RN_SIMD_SH_CONST] = BYTES16,
                                         [RN_SIMD_SH_SHUFFLE] = BYTES16,
                                         [RN_SIMD_SH_EXTRACT] = LANE,
                                         [RN_SIMD_SH_REPLACE] = LANE,
                                         [RN_SIMD_SH_SHIFT] = NONE};
    switch (opc & 0xFF) {
#define SIMD(name, sub, shape, ...)                                                                                    \
    case sub: *imm = shape_imm[RN_SIMD_SH_##shape]; return #name;
        RN_SIMD_OPS(SIMD)
#undef SIMD
    }
    return NULL;
}

/* The text format's spelling of an identifier of the lists: i32_add is i32.add, local_get local.get,
   v128_load8x8_s v128.load8x8_s; br_table and call_indirect stay; select_t is select (with types). */
static void text_name(char *out, size_t size, const char *ident)
{
    static const char *const dotted[] = {"i32",    "i64",   "f32",    "f64",   "v128",  "i8x16",
                                         "i16x8",  "i32x4", "i64x2",  "f32x4", "f64x2", "local",
                                         "global", "table", "memory", "ref",   "data",  "elem"};
    snprintf(out, size, "%s", strcmp(ident, "select_t") == 0 ? "select" : ident);
    char *us = strchr(out, '_');
    for (size_t i = 0; us && i < sizeof dotted / sizeof *dotted; i++)
        if (strlen(dotted[i]) == (size_t)(us - out) && strncmp(out, dotted[i], (size_t)(us - out)) == 0)
            *us = '.';
}

typedef struct text {
    char buf[512];
    size_t n;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    if (t->n >= sizeof t->buf)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->buf + t->n, sizeof t->buf - t->n, fmt, ap);
    va_end(ap);
    t->n = k < 0 ? sizeof t->buf : t->n + (size_t)k;
}

static const char *func_name(const rn_module *m, uint32_t idx)
{
    return m->func_names && idx < m->nfuncs ? m->func_names[idx] : NULL;
}

/* Reads the immediates of one instruction into t. false when the bytes end early (never, for a
   function that compiled). */
static bool immediates(rn_reader *rd, const rn_module *m, enum imm imm, text *t)
{
    uint32_t a = 0, b = 0;
    uint8_t x = 0, y = 0;
    switch (imm) {
    case NONE: return true;
    case BLOCK: {
        int64_t bt;
        if (!rn_read_s33(rd, &bt))
            return false;
        if (bt >= 0)
            put(t, " (type %" PRId64 ")", bt);
        else if (bt != -64)
            put(t, " (result %s)", rn_valtype_name((uint8_t)(bt & 0x7F)));
        return true;
    }
    case LABEL:
    case FUNC:
    case LOCAL:
    case GLOBAL:
    case TABLE:
    case DATA:
    case ELEM:
        if (!rn_read_u32(rd, &a))
            return false;
        put(t, " %" PRIu32, a);
        if (imm == FUNC && func_name(m, a))
            put(t, " <%s>", func_name(m, a));
        return true;
    case BR_TABLE:
        if (!rn_read_u32(rd, &a))
            return false;
        for (uint32_t i = 0; i <= a; i++) { /* the labels, then the default */
            if (!rn_read_u32(rd, &b))
                return false;
            put(t, " %" PRIu32, b);
        }
        return true;
    case CALL_INDIRECT:
        if (!rn_read_u32(rd, &a) || !rn_read_u32(rd, &b))
            return false;
        put(t, " (type %" PRIu32 ") table %" PRIu32, a, b);
        return true;
    case SELECT_T:
        if (!rn_read_u32(rd, &a))
            return false;
        put(t, " (result");
        for (uint32_t i = 0; i < a; i++) {
            if (!rn_read_u8(rd, &x))
                return false;
            put(t, " %s", rn_valtype_name(x));
        }
        put(t, ")");
        return true;
    case MEM: return rn_read_u8(rd, &x);
    case MEM_MEM: return rn_read_u8(rd, &x) && rn_read_u8(rd, &y);
    case I32: {
        int32_t v;
        if (!rn_read_s32(rd, &v))
            return false;
        put(t, " %" PRId32, v);
        return true;
    }
    case I64: {
        int64_t v;
        if (!rn_read_s64(rd, &v))
            return false;
        put(t, " %" PRId64, v);
        return true;
    }
    case F32: {
        uint32_t bits;
        float f;
        if (!rn_read_fixed32(rd, &bits))
            return false;
        memcpy(&f, &bits, sizeof f);
        put(t, " %.9g", (double)f);
        return true;
    }
    case F64: {
        uint64_t bits;
        double d;
        if (!rn_read_fixed64(rd, &bits))
            return false;
        memcpy(&d, &bits, sizeof d);
        put(t, " %.17g", d);
        return true;
    }
    case REFTYPE:
        if (!rn_read_u8(rd, &x))
            return false;
        put(t, " %s", x == RN_FUNCREF ? "func" : x == RN_EXTERNREF ? "extern" : "?");
        return true;
    case DATA_MEM:
        if (!rn_read_u32(rd, &a) || !rn_read_u8(rd, &x))
            return false;
        put(t, " %" PRIu32, a);
        return true;
    case ELEM_TABLE:
    case TABLE_TABLE:
        if (!rn_read_u32(rd, &a) || !rn_read_u32(rd, &b))
            return false;
        put(t, imm == ELEM_TABLE ? " %" PRIu32 " table %" PRIu32 : " %" PRIu32 " %" PRIu32, a, b);
        return true;
    case MEMARG:
    case MEMARG_LANE:
        if (!rn_read_u32(rd, &a) || !rn_read_u32(rd, &b))
            return false;
        if (b)
            put(t, " offset=%" PRIu32, b);
        put(t, " align=%" PRIu32, a < 32 ? 1u << a : 0);
        if (imm == MEMARG)
            return true;
        if (!rn_read_u8(rd, &x))
            return false;
        put(t, " %u", x);
        return true;
    case LANE:
        if (!rn_read_u8(rd, &x))
            return false;
        put(t, " %u", x);
        return true;
    case BYTES16: {
        const uint8_t *p;
        if (!rn_read_bytes(rd, 16, &p))
            return false;
        for (int i = 0; i < 16; i++)
            put(t, i ? " %u" : " i8x16 %u", p[i]);
        return true;
    }
    }
    return false;
}

/* One instruction at rd into t (its text); *opc its opcode. false when it cannot be read. */
static bool insn_text(rn_reader *rd, const rn_module *m, text *t, uint32_t *opc)
{
    uint8_t b;
    uint32_t sub = 0;
    if (!rn_read_u8(rd, &b))
        return false;
    *opc = b;
    if (b == RN_WASM_PREFIX_FC || b == RN_WASM_PREFIX_FD) {
        if (!rn_read_u32(rd, &sub) || sub > 0xFF)
            return false;
        *opc = (uint32_t)b << 8 | sub;
    }
    enum imm imm;
    const char *ident = insn_ident(*opc, &imm);
    if (!ident)
        return false;
    char name[64];
    text_name(name, sizeof name, ident);
    put(t, "%s", name);
    return immediates(rd, m, imm, t);
}

/* ---------------------------------------------------------------- ops */

static const char *simd_name(uint32_t sub)
{
    switch (sub) {
#define SIMD(name, s, ...)                                                                                             \
    case s: return #name;
        RN_SIMD_OPS(SIMD)
#undef SIMD
    case RN_SIMD_SELECT: return "select";
    case RN_SIMD_GLOBAL_GET: return "global_get";
    case RN_SIMD_GLOBAL_SET: return "global_set";
    }
    return "?";
}

static void print_op(FILE *out, const rn_code *c, uint32_t pc, uint32_t n)
{
    const uint32_t *w = c->words + pc;
    const rn_op_info *info = &rn_op_infos[w[0]];
    fprintf(out, "      %5" PRIu32 ": %-22s", pc, info->name);
    if (w[0] == OP_br_table) {
        fprintf(out, " s%" PRIu32 " [", w[1]);
        for (uint32_t i = 0; i <= w[2]; i++)
            fprintf(out, i ? " @%" PRId64 : "@%" PRId64, (int64_t)pc + 3 + i + (int32_t)w[3 + i]);
        fprintf(out, "] (the last is the default)\n");
        return;
    }
    if (w[0] == OP_simd) {
        fprintf(out, " %s", simd_name(w[2]));
        for (uint32_t i = 3; i < n; i++)
            fprintf(out, " %" PRIu32, w[i]);
        fputc('\n', out);
        return;
    }
    const char *sep = " ";
    for (uint32_t i = 1; i < n && info->layout[i - 1]; i++) {
        char k = info->layout[i - 1];
        uint32_t v = w[i];
        switch (k) {
        case 'd': fprintf(out, i == 1 ? "%ss%" PRIu32 " <-" : "%ss%" PRIu32, sep, v); break;
        case 's': fprintf(out, "%ss%" PRIu32, sep, v); break;
        case 'k': fprintf(out, "%s%" PRId32, sep, (int32_t)v); break;
        case 'K':
            fprintf(out, "%s%" PRId64, sep, (int64_t)((uint64_t)v | (uint64_t)w[i + 1] << 32));
            i++;
            break;
        case 'o': fprintf(out, "%s@%" PRId64, sep, (int64_t)pc + i + (int32_t)v); break;
        case 'm': fprintf(out, "%s+%" PRIu32, sep, v); break;
        case 'f': fprintf(out, "%sfunc %" PRIu32, sep, v); break;
        case 'g': fprintf(out, "%sglobal %" PRIu32, sep, v); break;
        case 't': fprintf(out, "%stable %" PRIu32, sep, v); break;
        case 'y': fprintf(out, "%stype %" PRIu32, sep, v); break;
        case 'e': fprintf(out, "%selem %" PRIu32, sep, v); break;
        case 'D': fprintf(out, "%sdata %" PRIu32, sep, v); break;
        default: fprintf(out, "%s%" PRIu32, sep, v); break;
        }
        sep = i == 1 && k == 'd' ? " " : ", ";
    }
    fputc('\n', out);
}

/* ---------------------------------------------------------------- functions */

/* Does func (a name-section name, an export name or an index) name function idx? NULL names all. */
static bool selected(const rn_module *m, uint32_t idx, const char *func)
{
    if (!func)
        return true;
    if (func_name(m, idx) && strcmp(func_name(m, idx), func) == 0)
        return true;
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == RUNNEL_EXTERN_FUNC && m->exports[i].index == idx &&
            strcmp(m->exports[i].name, func) == 0)
            return true;
    char *end;
    unsigned long v = strtoul(func, &end, 10);
    return *func && !*end && v == idx;
}

static void list_func(FILE *out, const rn_module *m, uint32_t fi, const rn_code *code, rn_srcmap *map)
{
    uint32_t idx = m->nfunc_imports + fi;
    const rn_functype *ft = &m->types[m->funcs[fi].type_index];
    fprintf(out, "func %" PRIu32, idx);
    if (func_name(m, idx))
        fprintf(out, " <%s>", func_name(m, idx));
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == RUNNEL_EXTERN_FUNC && m->exports[i].index == idx)
            fprintf(out, " (export \"%s\")", m->exports[i].name);
    fprintf(out, " (type %" PRIu32 "): (", m->funcs[fi].type_index);
    for (uint32_t i = 0; i < ft->nparams; i++)
        fprintf(out, i ? " %s" : "%s", rn_valtype_name(ft->params[i]));
    fprintf(out, ") -> (");
    for (uint32_t i = 0; i < ft->nresults; i++)
        fprintf(out, i ? " %s" : "%s", rn_valtype_name(ft->results[i]));
    fprintf(out, "); %" PRIu32 " slots (params s0..), %" PRIu32 " words\n", code->nslots, code->nwords);
    /* a fusion may have merged an instruction into an op that began before it: no start after a later one */
    for (size_t i = map->n; i-- > 1;)
        if (map->at[i - 1].pc > map->at[i].pc)
            map->at[i - 1].pc = map->at[i].pc;
    const rn_func *f = &m->funcs[fi];
    rn_reader rd = {f->body, f->body + f->body_len, f->body - f->body_offset};
    /* skip the locals' declarations: the map's first offset is the first instruction */
    if (map->n)
        rd.p = rd.base + map->at[0].offset;
    uint32_t pc = 0;
    int depth = 1;
    for (size_t i = 0; i < map->n; i++) {
        text t = {.n = 0};
        uint32_t opc = 0;
        rd.p = rd.base + map->at[i].offset;
        bool ok = insn_text(&rd, m, &t, &opc);
        if (opc == RN_WASM_end || opc == RN_WASM_else)
            depth--;
        fprintf(out, "  %06" PRIx32 " %*s%s%s\n", map->at[i].offset, 2 * (depth > 0 ? depth : 0), "", t.buf,
                ok ? "" : " ?");
        if (opc == RN_WASM_block || opc == RN_WASM_loop || opc == RN_WASM_if || opc == RN_WASM_else)
            depth++;
        uint32_t next = i + 1 < map->n ? map->at[i + 1].pc : code->nwords;
        while (pc < next && pc < code->nwords) {
            uint32_t n = rn_op_words(code, pc);
            if (!n) {
                fprintf(out, "      %5" PRIu32 ": ? %" PRIu32 "\n", pc, code->words[pc]);
                return;
            }
            print_op(out, code, pc, n);
            pc += n;
        }
    }
    fputc('\n', out);
}

runnel_status rn_disasm(const uint8_t *bytes, size_t len, const char *func, bool fuse, FILE *out, runnel_report *r)
{
    rn_module m;
    runnel_status st = rn_decode(&m, bytes, len, r);
    if (st == RUNNEL_OK)
        st = rn_validate_module(&m, r);
    bool found = false;
    for (uint32_t fi = 0; st == RUNNEL_OK && fi < m.nfuncs_defined; fi++) {
        if (!selected(&m, m.nfunc_imports + fi, func))
            continue;
        found = true;
        rn_srcmap map = {0};
        st = rn_compile_func_mapped(&m, fi, fuse, &map, r);
        if (st == RUNNEL_OK && map.failed)
            st = rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
        if (st == RUNNEL_OK)
            list_func(out, &m, fi, m.funcs[fi].code, &map);
        rn_free(map.at);
    }
    if (st == RUNNEL_OK && func && !found)
        st = rn_fail(r, RUNNEL_BADARG, 0, "no function %s in the module (a name, an export or an index)", func);
    rn_module_release(&m);
    return st;
}

runnel_status runnel_module_disasm(const uint8_t *bytes, size_t len, const char *func, unsigned flags, FILE *out,
                                   runnel_report *r)
{
    if ((!bytes && len) || !out)
        return rn_fail(r, RUNNEL_BADARG, 0, "no bytes or no output");
    return rn_disasm(bytes ? bytes : (const uint8_t *)"", len, func, !(flags & RUNNEL_DISASM_UNFUSED), out, r);
}

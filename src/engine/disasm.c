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
#include "insn_read.h"
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

/* The immediates of instruction in, as text (the br_table labels are read again from in->p). */
static void immediates(const rn_insn *in, const rn_module *m, text *t)
{
    switch (in->imm) {
    case RN_IMM_NONE:
    case RN_IMM_MEM:
    case RN_IMM_MEM_MEM: return;
    case RN_IMM_BLOCK:
        if (in->i >= 0)
            put(t, " (type %" PRId64 ")", in->i);
        else if (in->i != -64)
            put(t, " (result %s)", rn_valtype_name((uint8_t)(in->i & 0x7F)));
        return;
    case RN_IMM_LABEL:
    case RN_IMM_FUNC:
    case RN_IMM_LOCAL:
    case RN_IMM_GLOBAL:
    case RN_IMM_TABLE:
    case RN_IMM_DATA:
    case RN_IMM_ELEM:
    case RN_IMM_DATA_MEM:
        put(t, " %" PRIu32, in->a);
        if (in->imm == RN_IMM_FUNC && func_name(m, in->a))
            put(t, " <%s>", func_name(m, in->a));
        return;
    case RN_IMM_BR_TABLE: {
        rn_reader rd = {in->p, in->p + 5 * ((size_t)in->n + 1), in->p};
        for (uint64_t i = 0; i <= in->n; i++) { /* the labels, then the default */
            uint32_t l = 0;
            rn_read_u32(&rd, &l);
            put(t, " %" PRIu32, l);
        }
        return;
    }
    case RN_IMM_CALL_INDIRECT: put(t, " (type %" PRIu32 ") table %" PRIu32, in->a, in->b); return;
    case RN_IMM_SELECT_T:
        put(t, " (result");
        for (uint32_t i = 0; i < in->n; i++)
            put(t, " %s", rn_valtype_name(in->p[i]));
        put(t, ")");
        return;
    case RN_IMM_I32:
    case RN_IMM_I64: put(t, " %" PRId64, in->i); return;
    case RN_IMM_F32: {
        uint32_t bits = (uint32_t)in->bits;
        float f;
        memcpy(&f, &bits, sizeof f);
        put(t, " %.9g", (double)f);
        return;
    }
    case RN_IMM_F64: {
        double d;
        memcpy(&d, &in->bits, sizeof d);
        put(t, " %.17g", d);
        return;
    }
    case RN_IMM_REFTYPE: put(t, " %s", in->x == RN_FUNCREF ? "func" : in->x == RN_EXTERNREF ? "extern" : "?"); return;
    case RN_IMM_ELEM_TABLE: put(t, " %" PRIu32 " table %" PRIu32, in->a, in->b); return;
    case RN_IMM_TABLE_TABLE: put(t, " %" PRIu32 " %" PRIu32, in->a, in->b); return;
    case RN_IMM_MEMARG:
    case RN_IMM_MEMARG_LANE:
        if (in->b)
            put(t, " offset=%" PRIu32, in->b);
        put(t, " align=%" PRIu32, in->a < 32 ? 1u << in->a : 0);
        if (in->imm == RN_IMM_MEMARG_LANE)
            put(t, " %u", in->x);
        return;
    case RN_IMM_LANE: put(t, " %u", in->x); return;
    case RN_IMM_BYTES16:
        for (int i = 0; i < 16; i++)
            put(t, i ? " %u" : " i8x16 %u", in->p[i]);
        return;
    }
}

/* One instruction at rd into t (its text); *opc its opcode. false when it cannot be read. */
static bool insn_text(rn_reader *rd, const rn_module *m, text *t, uint32_t *opc)
{
    rn_insn in;
    bool ok = rn_insn_read(rd, &in);
    *opc = in.opc;
    if (!ok)
        return false;
    char name[64];
    text_name(name, sizeof name, in.ident);
    put(t, "%s", name);
    immediates(&in, m, t);
    return true;
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

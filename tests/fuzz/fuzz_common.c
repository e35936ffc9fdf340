/*
 * fuzz_common.c - the parts of the fuzz targets that both need (fuzz_common.h).
 *
 * The public API describes only function imports' types (runnel_import_desc.type), so the types of
 * imported memories, tables and globals are read from the import section here, with the engine's own
 * bounds-checked readers (reader.h); that walk also checks that the engine lists the same imports in
 * the same order.
 */
#include "fuzz_common.h"

#include "module.h"
#include "reader.h"

#include <string.h>

const runnel_config fuzz_config = {
    .max_memory_pages = FUZZ_MAX_PAGES,
    .max_table_elems = FUZZ_MAX_TABLE,
    .stack_bytes = 64 * 1024,
    .max_call_depth = 256,
};

/* A failure must come with a status and a message. */
void fuzz_check_report(const runnel_report *r, runnel_status st)
{
    CHECK(r->status == st);
    CHECK(r->message != NULL);
    CHECK(strlen(r->message) < 4096);
    for (size_t i = 0; i < r->nframes; i++)
        CHECK(!r->frames[i].func_name || strlen(r->frames[i].func_name) < 1u << 20);
}

/* Every imported function: results zeroed, whatever the type. The number of results travels in the
   user pointer, so the stub needs no allocation of its own. */
static runnel_status zero_stub(runnel_caller *c, const runnel_slot *args, runnel_slot *results, void *user)
{
    (void)c;
    (void)args;
    size_t n = (size_t)(uintptr_t)user;
    if (n)
        memset(results, 0, n * sizeof *results);
    return RUNNEL_OK;
}

/* An import as declared in the binary (spec 5.5.5, "Import Section"). */
typedef struct raw_import {
    const uint8_t *module, *name;
    uint32_t module_len, name_len;
    uint8_t kind;
    uint8_t type;      /* table: reftype; global: valtype */
    bool mut;          /* global */
    uint32_t min, max; /* table, memory */
    bool has_max;
} raw_import;

static bool read_name(rn_reader *rd, const uint8_t **p, uint32_t *len)
{
    return rn_read_u32(rd, len) && rn_read_bytes(rd, *len, p);
}

/* Limits (spec 5.3.7): 0x00 min | 0x01 min max. Other flags (shared memories, memory64) are not
   WebAssembly 2.0, which a valid module therefore does not use. */
static bool read_limits(rn_reader *rd, raw_import *im)
{
    uint8_t flag;
    if (!rn_read_u8(rd, &flag) || flag > 1 || !rn_read_u32(rd, &im->min))
        return false;
    im->has_max = flag == 1;
    return !im->has_max || rn_read_u32(rd, &im->max);
}

static bool read_import(rn_reader *rd, raw_import *im)
{
    uint32_t type_index;
    memset(im, 0, sizeof *im);
    if (!read_name(rd, &im->module, &im->module_len) || !read_name(rd, &im->name, &im->name_len) ||
        !rn_read_u8(rd, &im->kind))
        return false;
    switch (im->kind) {
    case RUNNEL_EXTERN_FUNC: return rn_read_u32(rd, &type_index);
    case RUNNEL_EXTERN_TABLE: return rn_read_u8(rd, &im->type) && read_limits(rd, im);
    case RUNNEL_EXTERN_MEMORY: return read_limits(rd, im);
    case RUNNEL_EXTERN_GLOBAL: {
        uint8_t mut;
        if (!rn_read_u8(rd, &im->type) || !rn_read_u8(rd, &mut) || mut > 1)
            return false;
        im->mut = mut == 1;
        return true;
    }
    }
    return false;
}

/* Positions rd at the start of the import section's vector; false if there is none. The module has
   decoded, so the section headers are sound, but every read is still checked. */
static bool find_import_section(const uint8_t *data, size_t size, rn_reader *rd)
{
    rn_reader r = {data, data + size, data};
    const uint8_t *skip;
    if (!rn_read_bytes(&r, 8, &skip)) /* magic and version */
        return false;
    while (!rn_reader_eof(&r)) {
        uint8_t id;
        uint32_t len;
        const uint8_t *body;
        if (!rn_read_u8(&r, &id) || !rn_read_u32(&r, &len) || !rn_read_bytes(&r, len, &body))
            return false;
        if (id == 2) {
            *rd = (rn_reader){body, body + len, data};
            return true;
        }
    }
    return false;
}

/* Names may contain NUL bytes (any UTF-8), so compare by the decoder's own length (module.h). */
static bool same_name(const char *s, const uint8_t *p, uint32_t len)
{
    return rn_name_len(s) == len && memcmp(s, p, len) == 0;
}

/* The zero of a global's type (all bits zero: 0, 0.0, the zero vector, null); false for a type byte
   that is none of them. */
static bool zero_value(uint8_t type, runnel_val *v)
{
    memset(v, 0, sizeof *v);
    switch (type) {
    case RUNNEL_TYPE_I32:
    case RUNNEL_TYPE_I64:
    case RUNNEL_TYPE_F32:
    case RUNNEL_TYPE_F64:
    case RUNNEL_TYPE_V128:
    case RUNNEL_TYPE_FUNCREF:
    case RUNNEL_TYPE_EXTERNREF: v->type = (runnel_valtype)type; return true;
    }
    return false;
}

bool fuzz_satisfy_imports(runnel_linker *l, runnel_store *s, const runnel_module *m, const uint8_t *data, size_t size)
{
    size_t n = runnel_module_import_count(m);
    rn_reader rd;
    uint32_t count = 0;
    if (n == 0)
        return true;
    CHECK(find_import_section(data, size, &rd) && rn_read_u32(&rd, &count));
    CHECK(count == n);
    for (size_t i = 0; i < n; i++) {
        runnel_import_desc d = runnel_module_import(m, i);
        raw_import im;
        CHECK(read_import(&rd, &im));
        CHECK(d.module && d.name && same_name(d.module, im.module, im.module_len) &&
              same_name(d.name, im.name, im.name_len));
        CHECK(d.kind == (runnel_externkind)im.kind);
        runnel_status st = RUNNEL_BADARG;
        switch (d.kind) {
        case RUNNEL_EXTERN_FUNC: {
            /* "params:results" in runnel_linker_define_func's letters */
            CHECK(d.type != NULL);
            const char *colon = strchr(d.type, ':');
            CHECK(colon != NULL);
            size_t np = (size_t)(colon - d.type);
            char *params = malloc(np + 1);
            if (!params)
                return false;
            memcpy(params, d.type, np);
            params[np] = '\0';
            /* the stub zeroes every result slot: one a value, two for a v128 ('V') */
            size_t nslots = 0;
            for (const char *p = colon + 1; *p; p++)
                nslots += *p == 'V' ? 2 : 1;
            st = runnel_linker_define_func(l, d.module, d.name, params, colon + 1, zero_stub,
                                           (void *)(uintptr_t)nslots, NULL);
            free(params);
            break;
        }
        case RUNNEL_EXTERN_MEMORY: {
            if (im.min > FUZZ_MAX_PAGES)
                return false;
            runnel_memory *mem = runnel_memory_new(s, im.min, im.max, im.has_max);
            if (!mem)
                return false;
            st = runnel_linker_define_memory(l, d.module, d.name, mem);
            break;
        }
        case RUNNEL_EXTERN_TABLE: {
            if (im.min > FUZZ_MAX_TABLE)
                return false;
            runnel_table *t = runnel_table_new(s, (runnel_valtype)im.type, im.min, im.max, im.has_max);
            if (!t)
                return false;
            st = runnel_linker_define_table(l, d.module, d.name, t);
            break;
        }
        case RUNNEL_EXTERN_GLOBAL: {
            runnel_val zero;
            if (!zero_value(im.type, &zero))
                return false;
            runnel_global *g = runnel_global_new(s, zero, im.mut);
            if (!g)
                return false;
            st = runnel_linker_define_global(l, d.module, d.name, g);
            break;
        }
        }
        if (st != RUNNEL_OK)
            return false;
    }
    return true;
}

/* Numbers and vectors: the values a fuzz target makes up as arguments. */
bool fuzz_is_number(runnel_valtype t)
{
    return t == RUNNEL_TYPE_I32 || t == RUNNEL_TYPE_I64 || t == RUNNEL_TYPE_F32 || t == RUNNEL_TYPE_F64 ||
           t == RUNNEL_TYPE_V128;
}

/*
 * validate_module.c - validation of everything outside function bodies (spec 3.4, "Modules").
 *
 * The decoder has already checked the shapes; this checks the meaning: indices in their index
 * spaces, limits in range, constant expressions of the right type, one memory at most, export
 * names unique, a start function of type [] -> []. Function bodies are validated by compile.c,
 * which relies on what is checked here (type indices of functions, for one). Along the way it
 * computes C.refs (spec 3.4.10): the functions that `ref.func` may name in code.
 *
 * The rules follow WebAssembly 2.0: constant expressions may read only *imported*, immutable
 * globals (the context C' of spec 3.4.10), and a module has at most one memory (3.4.10, last
 * paragraph). v128 (fixed-width SIMD, spec 2.3.2) is a value type like the others here: a global
 * may be one, initialised by `v128.const`; the SIMD instructions themselves are simd_compile.c's.
 *
 * Messages start with the spec test suite's wording ("unknown global 1", "type mismatch", ...).
 */
#include "module.h"

#include <stdlib.h>
#include <string.h>

#define TRY(e)                                                                                                       \
    do {                                                                                                             \
        runnel_status st_ = (e);                                                                                     \
        if (st_ != RUNNEL_OK)                                                                                        \
            return st_;                                                                                              \
    } while (0)

static runnel_status invalid(runnel_report *r, size_t off, const char *msg, const char *what, uint32_t index)
{
    return rn_fail(r, RUNNEL_INVALID, off, "%s (%s %u)", msg, what, index);
}

/* Limits of a table (range 2^32-1, so only min <= max can fail) or a memory (range 2^16 pages),
   spec 3.2.1 and 3.2.4; in this order, as the reference interpreter checks them. */
static runnel_status check_limits(runnel_report *r, const rn_limits *lim, bool memory, const char *what,
                                  uint32_t index)
{
    if (memory && (lim->min > RN_MAX_PAGES || (lim->has_max && lim->max > RN_MAX_PAGES)))
        return invalid(r, 0, "memory size must be at most 65536 pages (4GiB)", what, index);
    if (lim->has_max && lim->min > lim->max)
        return invalid(r, 0, "size minimum must not be greater than maximum", what, index);
    return RUNNEL_OK;
}

/* A constant expression must produce `want` (spec 3.3.10). Marks the functions it names as
   declared. */
static runnel_status check_const(rn_module *m, const rn_constexpr *ce, uint8_t want, runnel_report *r)
{
    uint8_t got;
    switch (ce->op) {
    case RN_CONST_I32: got = RN_I32; break;
    case RN_CONST_I64: got = RN_I64; break;
    case RN_CONST_F32: got = RN_F32; break;
    case RN_CONST_F64: got = RN_F64; break;
    case RN_CONST_V128: got = RN_V128; break;
    case RN_CONST_REF_NULL: got = ce->reftype; break;
    case RN_CONST_GLOBAL:
        /* only imported globals are in scope (C' of spec 3.4.10) */
        if (ce->index >= m->nglobal_imports)
            return rn_fail(r, RUNNEL_INVALID, ce->offset,
                           "unknown global %u (a constant expression may only read imported globals)", ce->index);
        if (m->global_types[ce->index].mut)
            return rn_fail(r, RUNNEL_INVALID, ce->offset,
                           "constant expression required (global %u is mutable)", ce->index);
        got = m->global_types[ce->index].type;
        break;
    case RN_CONST_REF_FUNC:
        if (ce->index >= m->nfuncs)
            return rn_fail(r, RUNNEL_INVALID, ce->offset, "unknown function %u", ce->index);
        m->func_declared[ce->index] = true;
        got = RN_FUNCREF;
        break;
    default:
        return rn_fail(r, RUNNEL_INVALID, ce->offset, "constant expression required");
    }
    if (got != want)
        return rn_fail(r, RUNNEL_INVALID, ce->offset, "type mismatch: constant expression gives %s, %s expected",
                       rn_valtype_name(got), rn_valtype_name(want));
    return RUNNEL_OK;
}

static runnel_status check_types(const rn_module *m, runnel_report *r)
{
    for (uint32_t i = 0; i < m->nfuncs; i++)
        if (m->func_types[i] >= m->ntypes)
            return rn_fail(r, RUNNEL_INVALID, 0, "unknown type %u (of function %u)", m->func_types[i], i);
    for (uint32_t i = 0; i < m->ntables; i++)
        TRY(check_limits(r, &m->tables[i].lim, false, "table", i));
    if (m->nmems > 1)
        return rn_fail(r, RUNNEL_INVALID, 0, "multiple memories (%u; WebAssembly 2.0 allows one)", m->nmems);
    for (uint32_t i = 0; i < m->nmems; i++)
        TRY(check_limits(r, &m->mems[i], true, "memory", i));
    return RUNNEL_OK;
}

static int cmp_names(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    uint32_t lx = rn_name_len(x), ly = rn_name_len(y);
    int c = memcmp(x, y, lx < ly ? lx : ly);
    if (c)
        return c;
    return lx < ly ? -1 : lx > ly;
}

/* Export names must differ (spec 3.4.10); sorting keeps this O(n log n) for modules with many. */
static runnel_status check_exports(rn_module *m, runnel_report *r)
{
    static const char *const kind_name[4] = {"function", "table", "memory", "global"};
    for (uint32_t i = 0; i < m->nexports; i++) {
        const rn_export *e = &m->exports[i];
        uint32_t limit = e->kind == RN_KIND_FUNC    ? m->nfuncs
                         : e->kind == RN_KIND_TABLE ? m->ntables
                         : e->kind == RN_KIND_MEMORY ? m->nmems
                                                     : m->nglobals;
        if (e->index >= limit)
            return rn_fail(r, RUNNEL_INVALID, 0, "unknown %s %u (export \"%s\")", kind_name[e->kind & 3], e->index,
                           e->name);
        if (e->kind == RN_KIND_FUNC)
            m->func_declared[e->index] = true;
    }
    if (m->nexports < 2)
        return RUNNEL_OK;
    const char **names = rn_malloc(m->nexports * sizeof *names);
    if (!names)
        return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory validating exports");
    for (uint32_t i = 0; i < m->nexports; i++)
        names[i] = m->exports[i].name;
    qsort(names, m->nexports, sizeof *names, cmp_names);
    runnel_status st = RUNNEL_OK;
    for (uint32_t i = 1; i < m->nexports; i++)
        if (cmp_names(&names[i - 1], &names[i]) == 0) {
            st = rn_fail(r, RUNNEL_INVALID, 0, "duplicate export name \"%s\"", names[i]);
            break;
        }
    rn_free(names);
    return st;
}

static runnel_status check_segments(rn_module *m, runnel_report *r)
{
    for (uint32_t i = 0; i < m->nelems; i++) {
        const rn_elem *e = &m->elems[i];
        for (uint32_t k = 0; k < e->count; k++)
            TRY(check_const(m, &e->items[k], e->type, r));
        if (e->mode != RN_SEG_ACTIVE)
            continue;
        if (e->table >= m->ntables)
            return rn_fail(r, RUNNEL_INVALID, e->offset.offset, "unknown table %u (element segment %u)", e->table, i);
        if (m->tables[e->table].elem != e->type)
            return rn_fail(r, RUNNEL_INVALID, e->offset.offset,
                           "type mismatch: element segment %u of %s for a table of %s", i, rn_valtype_name(e->type),
                           rn_valtype_name(m->tables[e->table].elem));
        TRY(check_const(m, &e->offset, RN_I32, r));
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const rn_data *s = &m->datas[i];
        if (s->mode != RN_SEG_ACTIVE)
            continue;
        if (s->memory >= m->nmems)
            return rn_fail(r, RUNNEL_INVALID, s->offset.offset, "unknown memory %u (data segment %u)", s->memory, i);
        TRY(check_const(m, &s->offset, RN_I32, r));
    }
    return RUNNEL_OK;
}

runnel_status rn_validate_module(rn_module *m, runnel_report *r)
{
    rn_free(m->func_declared);
    m->func_declared = NULL;
    if (m->nfuncs && !(m->func_declared = rn_calloc(m->nfuncs, sizeof *m->func_declared)))
        return rn_fail(r, RUNNEL_NOMEM, 0, "out of memory validating the module");

    TRY(check_types(m, r));
    for (uint32_t i = 0; i < m->nglobals - m->nglobal_imports; i++)
        TRY(check_const(m, &m->globals[i].init, m->globals[i].type.type, r));
    TRY(check_exports(m, r));
    if (m->has_start) {
        if (m->start >= m->nfuncs)
            return rn_fail(r, RUNNEL_INVALID, 0, "unknown function %u (start function)", m->start);
        const rn_functype *t = &m->types[m->func_types[m->start]];
        if (t->nparams || t->nresults)
            return rn_fail(r, RUNNEL_INVALID, 0, "start function %u must have type [] -> [], not %s", m->start,
                           t->sig);
    }
    TRY(check_segments(m, r));
    return RUNNEL_OK;
}

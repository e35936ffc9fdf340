/*
 * instance.c - linking and instantiation (spec 4.5.3 "Allocation", 4.5.4 "Instantiation").
 *
 * Imports are resolved through a runnel_linker: a list of (module, name) definitions, searched
 * newest first so that a later definition replaces an earlier one, where a definition is a host
 * function (made into a runnel_func in the store at instantiation), an extern of the store, or a
 * whole instance (the spec tests' `register`). Import matching follows 4.5.2 ("Import Subtyping"):
 * equal function and global types; tables and memories at least as large as asked, with a max no
 * larger than the import's.
 *
 * Instantiation order is the spec's: globals, then element segments, then data segments (active
 * ones are copied in as if by table.init/memory.init and then dropped; a segment out of bounds traps
 * and leaves what earlier segments wrote), then the start function.
 */
#include "native.h"

#include <stdlib.h>
#include <string.h>

typedef struct rn_def {
    char *module, *name; /* name NULL: a whole instance */
    uint8_t kind;
    runnel_instance *inst;
    void *ext; /* runnel_memory/table/global */
    runnel_host_fn fn;
    void *user;
    runnel_free_fn free_user; /* called with user when the linker is freed */
    rn_functype type;
} rn_def;

struct runnel_linker {
    rn_def *defs;
    size_t n, cap;
};

runnel_linker *runnel_linker_new(void) { return rn_calloc(1, sizeof(runnel_linker)); }

void runnel_linker_free(runnel_linker *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        if (l->defs[i].free_user)
            l->defs[i].free_user(l->defs[i].user);
        rn_free(l->defs[i].module);
        rn_free(l->defs[i].name);
        rn_free(l->defs[i].type.params);
        rn_free(l->defs[i].type.results);
        rn_free(l->defs[i].type.sig);
    }
    rn_free(l->defs);
    rn_free(l);
}

static rn_def *new_def(runnel_linker *l, const char *module, const char *name, uint8_t kind)
{
    if (!l || !module)
        return NULL;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        rn_def *d = rn_realloc(l->defs, cap * sizeof *d);
        if (!d)
            return NULL;
        l->defs = d;
        l->cap = cap;
    }
    rn_def *d = &l->defs[l->n];
    memset(d, 0, sizeof *d);
    d->module = rn_strdup(module);
    d->name = name ? rn_strdup(name) : NULL;
    if (!d->module || (name && !d->name)) {
        rn_free(d->module);
        rn_free(d->name);
        return NULL;
    }
    d->kind = kind;
    l->n++;
    return d;
}

static int letter_type(char c)
{
    runnel_valtype t;
    return runnel_valtype_of_letter(c, &t) ? (int)t : -1;
}

/* Parse "ii" + "I" into a function type. */
static bool parse_sig(const char *params, const char *results, rn_functype *t)
{
    memset(t, 0, sizeof *t);
    params = params ? params : "";
    results = results ? results : "";
    size_t np = strlen(params), nr = strlen(results);
    t->params = rn_malloc(np ? np : 1);
    t->results = rn_malloc(nr ? nr : 1);
    t->sig = rn_malloc(np + nr + 2);
    if (!t->params || !t->results || !t->sig)
        goto bad;
    for (size_t i = 0; i < np; i++) {
        int v = letter_type(params[i]);
        if (v < 0)
            goto bad;
        t->params[i] = (uint8_t)v;
    }
    for (size_t i = 0; i < nr; i++) {
        int v = letter_type(results[i]);
        if (v < 0)
            goto bad;
        t->results[i] = (uint8_t)v;
    }
    t->nparams = (uint32_t)np;
    t->nresults = (uint32_t)nr;
    rn_functype_finish(t);
    memcpy(t->sig, params, np);
    t->sig[np] = ':';
    memcpy(t->sig + np + 1, results, nr + 1);
    return true;
bad:
    rn_free(t->params);
    rn_free(t->results);
    rn_free(t->sig);
    memset(t, 0, sizeof *t);
    return false;
}

runnel_status runnel_linker_define_func(runnel_linker *l, const char *module, const char *name, const char *params,
                                        const char *results, runnel_host_fn fn, void *user, runnel_free_fn free_user)
{
    rn_functype t;
    if (!fn || !name || !parse_sig(params, results, &t))
        return RUNNEL_BADARG;
    rn_def *d = new_def(l, module, name, RN_KIND_FUNC);
    if (!d) {
        rn_free(t.params);
        rn_free(t.results);
        rn_free(t.sig);
        return RUNNEL_NOMEM;
    }
    d->fn = fn;
    d->user = user;
    d->free_user = free_user;
    d->type = t;
    return RUNNEL_OK;
}

runnel_status runnel_linker_define_instance(runnel_linker *l, const char *module, runnel_instance *inst)
{
    if (!inst)
        return RUNNEL_BADARG;
    rn_def *d = new_def(l, module, NULL, 0);
    if (!d)
        return RUNNEL_NOMEM;
    d->inst = inst;
    return RUNNEL_OK;
}

static runnel_status define_ext(runnel_linker *l, const char *module, const char *name, uint8_t kind, void *ext)
{
    if (!ext || !name)
        return RUNNEL_BADARG;
    rn_def *d = new_def(l, module, name, kind);
    if (!d)
        return RUNNEL_NOMEM;
    d->ext = ext;
    return RUNNEL_OK;
}

runnel_status runnel_linker_define_memory(runnel_linker *l, const char *module, const char *name, runnel_memory *m)
{
    return define_ext(l, module, name, RN_KIND_MEMORY, m);
}
runnel_status runnel_linker_define_table(runnel_linker *l, const char *module, const char *name, runnel_table *t)
{
    return define_ext(l, module, name, RN_KIND_TABLE, t);
}
runnel_status runnel_linker_define_global(runnel_linker *l, const char *module, const char *name, runnel_global *g)
{
    return define_ext(l, module, name, RN_KIND_GLOBAL, g);
}

/* ---------------------------------------------------------------- exports */

static const rn_export *find_export_n(const runnel_instance *i, const char *name, size_t len, uint8_t kind)
{
    const rn_module *m = &i->module->mod;
    for (uint32_t k = 0; k < m->nexports; k++)
        if (m->exports[k].kind == kind && rn_name_len(m->exports[k].name) == len &&
            memcmp(m->exports[k].name, name, len) == 0)
            return &m->exports[k];
    return NULL;
}

static const rn_export *find_export(const runnel_instance *i, const char *name, uint8_t kind)
{
    return find_export_n(i, name, strlen(name), kind);
}

runnel_func *runnel_instance_func_n(runnel_instance *i, const char *name, size_t len)
{
    const rn_export *e = i && name ? find_export_n(i, name, len, RN_KIND_FUNC) : NULL;
    return e ? i->funcs[e->index] : NULL;
}

runnel_func *runnel_instance_func(runnel_instance *i, const char *name)
{
    const rn_export *e = i && name ? find_export(i, name, RN_KIND_FUNC) : NULL;
    return e ? i->funcs[e->index] : NULL;
}
runnel_memory *runnel_instance_memory(runnel_instance *i, const char *name)
{
    if (!i)
        return NULL;
    if (!name)
        return i->module->mod.nmems ? i->mems[0] : NULL;
    const rn_export *e = find_export(i, name, RN_KIND_MEMORY);
    return e ? i->mems[e->index] : NULL;
}
runnel_table *runnel_instance_table(runnel_instance *i, const char *name)
{
    const rn_export *e = i && name ? find_export(i, name, RN_KIND_TABLE) : NULL;
    return e ? i->tables[e->index] : NULL;
}
runnel_global *runnel_instance_global(runnel_instance *i, const char *name)
{
    const rn_export *e = i && name ? find_export(i, name, RN_KIND_GLOBAL) : NULL;
    return e ? i->globals[e->index] : NULL;
}
const runnel_module *runnel_instance_module(const runnel_instance *i) { return i->module; }
void runnel_instance_set_user(runnel_instance *i, void *user) { i->user = user; }
void *runnel_instance_user(const runnel_instance *i) { return i->user; }

/* ---------------------------------------------------------------- resolution */

/* The extern (runnel_func*, runnel_table*, ...) for an import, or NULL. Host function definitions
   are made into store functions (cached per definition in *made). */
static void *resolve(runnel_store *s, const runnel_linker *l, const rn_import *im, runnel_func **made, size_t *di)
{
    if (!l)
        return NULL;
    for (size_t k = l->n; k-- > 0;) {
        const rn_def *d = &l->defs[k];
        if (strcmp(d->module, im->module) != 0)
            continue;
        if (!d->name) {
            const rn_export *e = find_export(d->inst, im->name, im->kind);
            if (!e) {
                /* the name may exist with another kind: that is a type mismatch, not a missing import */
                const rn_module *m = &d->inst->module->mod;
                for (uint32_t j = 0; j < m->nexports; j++)
                    if (strcmp(m->exports[j].name, im->name) == 0)
                        return (void *)-1;
                continue;
            }
            switch (im->kind) {
            case RN_KIND_FUNC: return d->inst->funcs[e->index];
            case RN_KIND_TABLE: return d->inst->tables[e->index];
            case RN_KIND_MEMORY: return d->inst->mems[e->index];
            default: return d->inst->globals[e->index];
            }
        }
        if (strcmp(d->name, im->name) != 0)
            continue;
        if (d->kind != im->kind)
            return (void *)-1;
        *di = k;
        if (d->kind != RN_KIND_FUNC)
            return d->ext;
        if (!made[k]) {
            /* the function owns a copy of its type: the linker may change or go after instantiation */
            uint32_t np = d->type.nparams, nr = d->type.nresults;
            runnel_func *f = rn_store_alloc(s, sizeof *f + np + nr, NULL);
            if (!f)
                return NULL;
            uint8_t *types = (uint8_t *)(f + 1);
            memcpy(types, d->type.params, np);
            memcpy(types + np, d->type.results, nr);
            f->own_type = (rn_functype){np, nr, types, types + np, d->type.key, NULL, d->type.pslots, d->type.rslots};
            f->store = s;
            f->type = &f->own_type;
            f->head.key = f->own_type.key;
            f->host = d->fn;
            f->user = d->user;
            made[k] = f;
        }
        return made[k];
    }
    return NULL;
}

static bool limits_match(uint64_t size, uint64_t max, bool has_max, const rn_limits *want)
{
    if (size < want->min)
        return false;
    if (want->has_max && (!has_max || max > want->max))
        return false;
    return true;
}

/* ---------------------------------------------------------------- instantiation */

static void instance_free(void *p)
{
    runnel_instance *i = p;
    if (i->elem_refs) {
        for (uint32_t k = 0; k < i->module->mod.nelems; k++)
            rn_free(i->elem_refs[k]);
    }
    rn_free(i->elem_refs);
    rn_free(i->elem_len);
    rn_free(i->data_len);
    rn_free(i->funcs);
    rn_free(i->tables);
    rn_free(i->mems);
    rn_free(i->globals);
    runnel_module_free(i->module);
}

static rn_slot eval_const(const runnel_instance *inst, const rn_constexpr *e)
{
    switch (e->op) {
    case RN_CONST_GLOBAL: return inst->globals[e->index]->value;
    case RN_CONST_REF_NULL: return 0;
    case RN_CONST_REF_FUNC: return (uintptr_t)inst->funcs[e->index];
    case RN_CONST_I32:
    case RN_CONST_F32: return (uint32_t)e->bits;
    default: return e->bits;
    }
}

/* The high half of a v128 constant expression's value (0 for every other type). */
static rn_slot eval_const_hi(const runnel_instance *inst, const rn_constexpr *e)
{
    if (e->op == RN_CONST_V128)
        return e->bits_hi;
    return e->op == RN_CONST_GLOBAL ? inst->globals[e->index]->hi : 0;
}

runnel_status rn_call_start(runnel_func *f, runnel_report *r);

runnel_instance *runnel_instantiate(runnel_store *s, const runnel_module *cm, const runnel_linker *l,
                                    runnel_report *r)
{
    runnel_module *mod = (runnel_module *)cm;
    const rn_module *m = &mod->mod;
    runnel_instance *inst = rn_store_alloc(s, sizeof *inst, instance_free);
    runnel_func **made = NULL;
    if (!inst)
        goto nomem;
    inst->store = s;
    inst->module = mod;
    atomic_fetch_add(&mod->refs, 1);
    inst->funcs = rn_calloc(m->nfuncs + 1, sizeof *inst->funcs);
    inst->tables = rn_calloc(m->ntables + 1, sizeof *inst->tables);
    inst->mems = rn_calloc(m->nmems + 1, sizeof *inst->mems);
    inst->globals = rn_calloc(m->nglobals + 1, sizeof *inst->globals);
    inst->elem_refs = rn_calloc(m->nelems + 1, sizeof *inst->elem_refs);
    inst->elem_len = rn_calloc(m->nelems + 1, sizeof *inst->elem_len);
    inst->data_len = rn_calloc(m->ndatas + 1, sizeof *inst->data_len);
    made = l ? rn_calloc(l->n + 1, sizeof *made) : NULL;
    if (!inst->funcs || !inst->tables || !inst->mems || !inst->globals || !inst->elem_refs || !inst->elem_len ||
        !inst->data_len || (l && !made))
        goto nomem;

    /* imports */
    uint32_t fi = 0, ti = 0, mi = 0, gi = 0;
    for (uint32_t k = 0; k < m->nimports; k++) {
        const rn_import *im = &m->imports[k];
        size_t di = 0;
        void *ext = resolve(s, l, im, made, &di);
        if (!ext) {
            rn_fail(r, RUNNEL_UNLINKABLE, 0, "unknown import: %s.%s", im->module, im->name);
            goto fail;
        }
        bool ok = ext != (void *)-1;
        switch (im->kind) {
        case RN_KIND_FUNC:
            if (ok) {
                runnel_func *f = ext;
                ok = rn_functype_equal(f->type, &m->types[im->u.type_index]);
                inst->funcs[fi++] = f;
            }
            break;
        case RN_KIND_TABLE:
            if (ok) {
                runnel_table *t = ext;
                ok = t->elem == im->u.table.elem &&
                     limits_match(t->size, t->decl_max, t->has_max, &im->u.table.lim);
                inst->tables[ti++] = t;
            }
            break;
        case RN_KIND_MEMORY:
            if (ok) {
                runnel_memory *mem = ext;
                ok = limits_match(mem->pages, mem->decl_max, mem->has_max, &im->u.mem);
                inst->mems[mi++] = mem;
            }
            break;
        default:
            if (ok) {
                runnel_global *g = ext;
                ok = g->type == im->u.global.type && g->mut == im->u.global.mut;
                inst->globals[gi++] = g;
            }
        }
        if (!ok) {
            rn_fail(r, RUNNEL_UNLINKABLE, 0, "incompatible import type: %s.%s", im->module, im->name);
            goto fail;
        }
    }

    /* definitions */
    for (uint32_t k = 0; k < m->nfuncs_defined; k++) {
        runnel_func *f = rn_store_alloc(s, sizeof *f, NULL);
        if (!f)
            goto nomem;
        f->store = s;
        f->inst = inst;
        f->index = m->nfunc_imports + k;
        f->type = &m->types[m->funcs[k].type_index];
        f->head.key = f->type->key;
        f->code = m->funcs[k].code;
        inst->funcs[f->index] = f;
    }
    for (uint32_t k = m->ntable_imports; k < m->ntables; k++) {
        const rn_tabletype *tt = &m->tables[k];
        if (!(inst->tables[k] = rn_table_alloc(s, tt->elem, tt->lim.min, tt->lim.max, tt->lim.has_max))) {
            rn_fail(r, RUNNEL_NOMEM, 0, "table of %u elements exceeds the limit", tt->lim.min);
            goto fail;
        }
    }
    for (uint32_t k = m->nmem_imports; k < m->nmems; k++) {
        const rn_limits *ml = &m->mems[k];
        if (!(inst->mems[k] = rn_memory_alloc(s, ml->min, ml->max, ml->has_max))) {
            rn_fail(r, RUNNEL_NOMEM, 0, "memory of %u pages exceeds the limit", ml->min);
            goto fail;
        }
    }
    inst->mem0 = m->nmems ? inst->mems[0] : &s->empty_mem;
    if (mod->native && rn_native_instance(inst, r) != RUNNEL_OK)
        goto fail;
    for (uint32_t k = m->nglobal_imports; k < m->nglobals; k++) {
        runnel_global *g = rn_store_alloc(s, sizeof *g, NULL);
        if (!g)
            goto nomem;
        const rn_global *def = &m->globals[k - m->nglobal_imports];
        g->type = def->type.type;
        g->mut = def->type.mut;
        g->value = eval_const(inst, &def->init);
        g->hi = eval_const_hi(inst, &def->init);
        inst->globals[k] = g;
    }
    for (uint32_t k = 0; k < m->nelems; k++) {
        const rn_elem *e = &m->elems[k];
        inst->elem_refs[k] = rn_malloc((e->count ? e->count : 1) * sizeof(rn_slot));
        if (!inst->elem_refs[k])
            goto nomem;
        for (uint32_t j = 0; j < e->count; j++)
            inst->elem_refs[k][j] = eval_const(inst, &e->items[j]);
        inst->elem_len[k] = e->mode == RN_SEG_PASSIVE ? e->count : 0;
    }
    for (uint32_t k = 0; k < m->ndatas; k++)
        inst->data_len[k] = m->datas[k].mode == RN_SEG_PASSIVE ? m->datas[k].len : 0;

    /* active segments, in order */
    for (uint32_t k = 0; k < m->nelems; k++) {
        const rn_elem *e = &m->elems[k];
        if (e->mode != RN_SEG_ACTIVE)
            continue;
        runnel_table *t = inst->tables[e->table];
        uint32_t off = (uint32_t)eval_const(inst, &e->offset);
        if ((uint64_t)off + e->count > t->size) {
            rn_fail(r, RUNNEL_TRAP, 0, "out of bounds table access");
            r ? (void)(r->trap = RUNNEL_TRAP_TABLE_OOB) : (void)0;
            goto fail;
        }
        if (e->count)
            memcpy(t->elems + off, inst->elem_refs[k], e->count * sizeof(rn_slot));
    }
    for (uint32_t k = 0; k < m->ndatas; k++) {
        const rn_data *d = &m->datas[k];
        if (d->mode != RN_SEG_ACTIVE)
            continue;
        runnel_memory *mem = inst->mems[d->memory];
        uint32_t off = (uint32_t)eval_const(inst, &d->offset);
        if ((uint64_t)off + d->len > mem->size) {
            rn_fail(r, RUNNEL_TRAP, 0, "out of bounds memory access");
            r ? (void)(r->trap = RUNNEL_TRAP_MEMORY_OOB) : (void)0;
            goto fail;
        }
        if (d->len)
            memcpy(mem->data + off, d->bytes, d->len);
    }
    rn_free(made);
    made = NULL;
    if (m->has_start && rn_call_start(inst->funcs[m->start], r) != RUNNEL_OK)
        goto fail;
    return inst;
nomem:
    rn_fail(r, RUNNEL_NOMEM, 0, "out of memory");
fail:
    rn_free(made);
    return NULL;
}

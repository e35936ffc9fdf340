/*
 * store.c - stores and the objects they own: memories, tables, globals (spec 4.2.3, 4.5.3).
 *
 * A store is an arena: every object allocated for it is linked into one list and freed with it.
 * This matches the spec's model, where instances reference each other's functions, tables and
 * memories freely (a failed instantiation may even leave its functions in another instance's
 * table), so no object can be freed alone without reference counting everywhere.
 */
#include "native.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void *rn_store_alloc(runnel_store *s, size_t size, void (*free_fn)(void *))
{
    rn_object *o = rn_calloc(1, sizeof(rn_object) + size);
    if (!o)
        return NULL;
    o->free = free_fn;
    o->next = s->objects;
    s->objects = o;
    return o + 1;
}

runnel_store *runnel_store_new(const runnel_config *config)
{
    runnel_store *s = rn_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (!rn_options_read(&s->cfg, sizeof s->cfg, config, RN_OPTIONS_V1(runnel_config, max_call_depth))) {
        rn_free(s);
        return NULL;
    }
    if (!s->cfg.max_memory_pages || s->cfg.max_memory_pages > RN_MAX_PAGES)
        s->cfg.max_memory_pages = RN_MAX_PAGES;
    if (!s->cfg.max_table_elems)
        s->cfg.max_table_elems = RN_MAX_TABLE_ELEMS;
    if (!s->cfg.stack_bytes)
        s->cfg.stack_bytes = 1u << 20;
    if (!s->cfg.max_call_depth)
        s->cfg.max_call_depth = 10000;
    s->stack_slots = s->cfg.stack_bytes / sizeof(rn_slot);
    if (s->stack_slots < 16)
        s->stack_slots = 16;
    s->max_depth = s->cfg.max_call_depth;
    s->stack = rn_malloc(s->stack_slots * sizeof(rn_slot));
    /* + room for the sentinel frames of nested calls from host functions */
    s->frames = rn_malloc(((size_t)s->max_depth + 64) * sizeof(rn_frame));
    if (!s->stack || !s->frames) {
        rn_free(s->stack);
        rn_free(s->frames);
        rn_free(s);
        return NULL;
    }
    s->fuel = UINT64_MAX;
    s->empty_mem.store = s;
    atomic_init(&s->interrupt, 0);
    return s;
}

void runnel_store_free(runnel_store *s)
{
    if (!s)
        return;
    rn_object *o = s->objects;
    while (o) {
        rn_object *next = o->next;
        if (o->free)
            o->free(o + 1);
        rn_free(o);
        o = next;
    }
    rn_native_store_free(s);
    rn_free(s->stack);
    rn_free(s->frames);
    rn_free(s);
}

void runnel_store_set_fuel(runnel_store *s, uint64_t fuel) { s->fuel = fuel == UINT64_MAX ? UINT64_MAX - 1 : fuel; }
void runnel_store_add_fuel(runnel_store *s, uint64_t fuel)
{
    if (s->fuel == UINT64_MAX)
        return;
    s->fuel = fuel > UINT64_MAX - 1 - s->fuel ? UINT64_MAX - 1 : s->fuel + fuel;
}
uint64_t runnel_store_fuel(const runnel_store *s) { return s->fuel; }
void runnel_store_unlimited_fuel(runnel_store *s) { s->fuel = UINT64_MAX; }
void runnel_store_interrupt(runnel_store *s) { atomic_store(&s->interrupt, 1); }
void runnel_store_set_timeout(runnel_store *s, uint64_t ms) { s->timeout_ns = ms * 1000000u; }
void runnel_store_set_grow_hook(runnel_store *s, runnel_grow_hook hook, void *user)
{
    s->grow_hook = hook;
    s->grow_user = user;
}

void runnel_store_set_table_grow_hook(runnel_store *s, runnel_table_grow_hook hook, void *user)
{
    s->table_grow_hook = hook;
    s->table_grow_user = user;
}

/* ---------------------------------------------------------------- memories */

static void memory_free(void *p)
{
    runnel_memory *m = p;
    if (m->guarded)
        rn_guard_release(m->data);
    else
        rn_free(m->data);
}

runnel_memory *rn_memory_alloc(runnel_store *s, uint32_t min, uint32_t max, bool has_max)
{
    uint32_t limit = has_max && max < s->cfg.max_memory_pages ? max : s->cfg.max_memory_pages;
    if (min > limit)
        return NULL;
    runnel_memory *m = rn_store_alloc(s, sizeof *m, memory_free);
    if (!m)
        return NULL;
    m->store = s;
    m->pages = min;
    m->max_pages = limit;
    m->decl_max = max;
    m->has_max = has_max;
    m->size = (uint64_t)min * RUNNEL_PAGE_SIZE;
    m->data = rn_guard_reserve(m->size);
    m->guarded = m->data != NULL;
    if (!m->guarded)
        m->data = rn_calloc(1, m->size ? m->size : 1);
    if (!m->data)
        return NULL; /* the object stays in the arena and is freed with it */
    return m;
}

runnel_memory *runnel_memory_new(runnel_store *s, uint32_t min_pages, uint32_t max_pages, bool has_max)
{
    if (has_max && max_pages < min_pages)
        return NULL;
    return rn_memory_alloc(s, min_pages, max_pages, has_max);
}

int64_t rn_memory_grow(runnel_memory *m, uint64_t delta)
{
    uint64_t old = m->pages, want = old + delta;
    if (want > m->max_pages)
        return -1;
    if (delta == 0)
        return (int64_t)old;
    runnel_store *s = m->store;
    if (s->grow_hook && !s->grow_hook(s->grow_user, m, old, want))
        return -1;
    uint64_t bytes = want * RUNNEL_PAGE_SIZE;
    if (m->guarded) {
        if (!rn_guard_commit(m->data, m->size, bytes))
            return -1;
    } else {
        uint8_t *d = rn_realloc(m->data, bytes);
        if (!d)
            return -1;
        memset(d + m->size, 0, bytes - m->size);
        m->data = d;
    }
    m->size = bytes;
    m->pages = (uint32_t)want;
    return (int64_t)old;
}

uint8_t *runnel_memory_data(runnel_memory *m) { return m->data; }
size_t runnel_memory_size(const runnel_memory *m) { return (size_t)m->size; }
int64_t runnel_memory_grow(runnel_memory *m, uint32_t delta) { return rn_memory_grow(m, delta); }

/* ---------------------------------------------------------------- tables */

static void table_free(void *p) { rn_free(((runnel_table *)p)->elems); }

runnel_table *rn_table_alloc(runnel_store *s, uint8_t elem, uint32_t min, uint32_t max, bool has_max)
{
    uint32_t limit = has_max && max < s->cfg.max_table_elems ? max : s->cfg.max_table_elems;
    if (min > limit)
        return NULL;
    runnel_table *t = rn_store_alloc(s, sizeof *t, table_free);
    if (!t)
        return NULL;
    t->store = s;
    t->elem = elem;
    t->size = min;
    t->max = limit;
    t->decl_max = max;
    t->has_max = has_max;
    /* a table's first elements are host memory like its growth: the embedder's hook may refuse them */
    if (min && s->table_grow_hook && !s->table_grow_hook(s->table_grow_user, t, 0, min))
        return NULL;
    t->elems = rn_calloc(min ? min : 1, sizeof(rn_slot));
    if (!t->elems)
        return NULL;
    return t;
}

runnel_table *runnel_table_new(runnel_store *s, runnel_valtype elem, uint32_t min, uint32_t max, bool has_max)
{
    if ((elem != RUNNEL_TYPE_FUNCREF && elem != RUNNEL_TYPE_EXTERNREF) || (has_max && max < min))
        return NULL;
    return rn_table_alloc(s, (uint8_t)elem, min, max, has_max);
}

int64_t rn_table_grow(runnel_table *t, uint64_t delta, rn_slot init)
{
    uint64_t old = t->size, want = old + delta;
    if (want > t->max)
        return -1;
    if (delta == 0)
        return (int64_t)old;
    runnel_store *s = t->store;
    if (s->table_grow_hook && !s->table_grow_hook(s->table_grow_user, t, old, want))
        return -1;
    rn_slot *e = rn_realloc(t->elems, want * sizeof(rn_slot));
    if (!e)
        return -1;
    for (uint64_t i = old; i < want; i++)
        e[i] = init;
    t->elems = e;
    t->size = (uint32_t)want;
    return (int64_t)old;
}

uint32_t runnel_table_size(const runnel_table *t) { return t->size; }

/* ---------------------------------------------------------------- globals */

runnel_global *runnel_global_new(runnel_store *s, runnel_val value, bool mutable_)
{
    runnel_global *g = rn_store_alloc(s, sizeof *g, NULL);
    if (!g)
        return NULL;
    g->type = (uint8_t)value.type;
    g->mut = mutable_;
    g->value = rn_val_to_slot(value);
    g->hi = value.type == RUNNEL_TYPE_V128 ? value.of.v128.hi : 0;
    return g;
}

runnel_val runnel_global_get(const runnel_global *g)
{
    runnel_val v = rn_slot_to_val(g->value, g->type);
    if (g->type == RN_V128)
        v.of.v128.hi = g->hi;
    return v;
}

runnel_status runnel_global_set(runnel_global *g, runnel_val v)
{
    if (!g->mut || (uint8_t)v.type != g->type)
        return RUNNEL_BADARG;
    g->value = rn_val_to_slot(v);
    g->hi = v.type == RUNNEL_TYPE_V128 ? v.of.v128.hi : 0;
    return RUNNEL_OK;
}

/* ---------------------------------------------------------------- values */

/* Generated from RUNNEL_VALTYPES: each type's bits live in the runnel_val member the table names (a v128's
   low half: callers move .of.v128.hi themselves). A pointer member goes through uintptr_t, a number is
   zero-extended (an i32 slot's upper half is zero). */
#define RN_BITS_OF_(x) _Generic((x), runnel_func *: (rn_slot)(uintptr_t)(x), void *: (rn_slot)(uintptr_t)(x), default: (x))
#define RN_PUT_BITS_(lv, s)                                                                                            \
    ((lv) = _Generic((lv), runnel_func *: (runnel_func *)(uintptr_t)(s), void *: (void *)(uintptr_t)(s), uint32_t: (uint32_t)(s), \
                     default: (s)))

rn_slot rn_val_to_slot(runnel_val v)
{
    switch (v.type) {
#define RN_TO_SLOT_(name, code, letter, text, member)                                                                  \
    case RUNNEL_TYPE_##name: return (rn_slot)RN_BITS_OF_(v.of.member);
        RUNNEL_VALTYPES(RN_TO_SLOT_)
#undef RN_TO_SLOT_
    }
    return v.of.f64_bits;
}

runnel_val rn_slot_to_val(rn_slot s, uint8_t type)
{
    runnel_val v;
    memset(&v, 0, sizeof v);
    v.type = (runnel_valtype)type;
    switch (type) {
#define RN_FROM_SLOT_(name, code, letter, text, member)                                                                \
    case RN_##name: RN_PUT_BITS_(v.of.member, s); break;
        RUNNEL_VALTYPES(RN_FROM_SLOT_)
#undef RN_FROM_SLOT_
    default: v.of.f64_bits = s;
    }
    return v;
}

size_t runnel_slots_to_val(const runnel_slot *slots, runnel_valtype t, runnel_val *out)
{
    if (!slots || !out || runnel_valtype_letter(t) == '?')
        return 0;
    *out = rn_slot_to_val(slots[0].i64, t);
    if (t != RUNNEL_TYPE_V128)
        return 1;
    out->of.v128.hi = slots[1].i64;
    return 2;
}

size_t runnel_val_to_slots(runnel_val v, runnel_slot *slots)
{
    if (!slots || runnel_valtype_letter(v.type) == '?')
        return 0;
    slots[0].i64 = rn_val_to_slot(v);
    if (v.type != RUNNEL_TYPE_V128)
        return 1;
    slots[1].i64 = v.of.v128.hi;
    return 2;
}

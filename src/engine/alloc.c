/*
 * alloc.c - the engine's allocator hook (see alloc.h for why it is shaped so).
 */
#include "alloc.h"

#include "runnel/engine.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The header keeps the block's size and the alignment malloc gives (max_align_t). */
#define RN_HEADER (sizeof(max_align_t) > 16 ? sizeof(max_align_t) : 16)

static runnel_allocator allocator;        /* .alloc NULL: the C library */
static atomic_bool allocated = false;     /* the engine has allocated: too late to change allocators */

static inline void note_use(void)
{
    if (!atomic_load_explicit(&allocated, memory_order_relaxed))
        atomic_store_explicit(&allocated, true, memory_order_relaxed);
}

runnel_status runnel_set_allocator(const runnel_allocator *a)
{
    if (atomic_load(&allocated) || (a && !a->alloc))
        return RUNNEL_BADARG;
    allocator = a ? *a : (runnel_allocator){0};
    return RUNNEL_OK;
}

/* One call for all four cases, as the hook itself: p NULL allocates, n 0 frees. */
static void *hooked(void *p, size_t n)
{
    char *base = p ? (char *)p - RN_HEADER : NULL;
    size_t old = 0;
    if (base)
        memcpy(&old, base, sizeof old);
    if (n > SIZE_MAX - RN_HEADER)
        return NULL;
    char *nb = allocator.alloc(allocator.ud, base, base ? old + RN_HEADER : 0, n ? n + RN_HEADER : 0);
    if (!n || !nb)
        return NULL;
    memcpy(nb, &n, sizeof n);
    return nb + RN_HEADER;
}

void *rn_malloc(size_t n)
{
    note_use();
    if (!allocator.alloc)
        return malloc(n);
    return hooked(NULL, n ? n : 1);
}

void *rn_calloc(size_t count, size_t size)
{
    note_use();
    if (!allocator.alloc)
        return calloc(count, size);
    if (size && count > SIZE_MAX / size)
        return NULL;
    size_t n = count * size;
    void *p = hooked(NULL, n ? n : 1);
    if (p)
        memset(p, 0, n);
    return p;
}

void *rn_realloc(void *p, size_t n)
{
    note_use();
    if (!allocator.alloc)
        return realloc(p, n);
    return hooked(p, n ? n : 1);
}

void rn_free(void *p)
{
    if (!p)
        return;
    if (!allocator.alloc)
        free(p);
    else
        hooked(p, 0);
}

char *rn_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = rn_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}
